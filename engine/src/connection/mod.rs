//! One client connection: read, parse as many requests as arrived, plan them
//! into per-shard batches, run them (inline here, or on their shards), and
//! answer in request order with one write per batch.

mod blocking;
mod transaction;

use transaction::queues_in_multi;
pub use transaction::Multi;

use crate::client::{ClientInfo, KillSwitch};
use crate::cmdstats;
use crate::command::{self, table, CmdError, CommandSpec, Exec, Flags, MergeFn, TxCmd};
use crate::config::Config;
use crate::dispatch::{execute, run_op, OpHead, OpKind, PartRef, Parts, ShardBatch, Sink};
use crate::evict;
use crate::global::unix_ms;
use crate::keyspace::WatchMark;
use crate::limits::{
    BATCH_REQUESTS_MAX, COMMAND_NAME_LEN_MAX, ERROR_ARGS_QUOTE_MAX, READ_CHUNK_SIZE, THREADS_MAX,
};
use crate::node::{Node, NodeStats};
use crate::pubsub::{Inbox, Subscriptions};
use crate::runtime::{self, PendingReply};
use crate::shard::shard_of;
use crate::slowlog::SlowEntry;
use crate::txn::{transfer, TxId};
use bytes::{Bytes, BytesMut};
use futures_lite::{AsyncRead, AsyncWrite};
use shoal_proto::{Limits, ProtoError, Protocol, ReplyWriter, RequestParser};
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;
use std::time::Duration;

/// Per-connection state that commands can read and change.
pub struct ConnState {
    pub id: u64,
    pub db: usize,
    pub protocol: Protocol,
    pub name: Option<Bytes>,
    pub authenticated: bool,
    /// Answer what is pending, then close (QUIT, CLIENT KILL of oneself).
    pub close_after_reply: bool,
    /// Close without answering (SHUTDOWN).
    pub close_now: bool,
    /// Between MULTI and EXEC: the queued commands.
    pub multi: Option<Multi>,
    /// WATCHed keys by (database, key): their shard and what it saw.
    pub watched: HashMap<(usize, Bytes), (usize, WatchMark), ahash::RandomState>,
    /// Keys no longer watched that the shards have not been told of yet.
    pub unwatch_due: Vec<((usize, Bytes), (usize, WatchMark))>,
    /// Pub/sub: what the client subscribes to, and where messages for it
    /// wait to be written.
    pub subs: Subscriptions,
    pub inbox: Rc<Inbox>,
}

impl ConnState {
    /// Switches the protocol the client's replies and pub/sub messages
    /// speak (HELLO, RESET).
    pub fn set_protocol(&mut self, protocol: Protocol) {
        self.protocol = protocol;
        self.inbox.set_protocol(protocol);
    }

    /// Writes what CLIENT LIST shows of this state into the client's entry.
    pub fn describe(&self, info: &mut ClientInfo) {
        info.db = self.db;
        info.protocol = self.protocol;
        info.subscriptions = self.subs.counts();
        info.multi = self.multi.as_ref().map(Multi::queued);
        info.close_after_reply = self.close_after_reply;
    }

    /// Forgets every watched key (the shards are told after the batch).
    pub fn unwatch_all(&mut self) {
        self.unwatch_due.extend(self.watched.drain());
    }
}

/// What a connection command sees.
pub struct ConnCtx<'a> {
    pub node: &'a Node,
    pub state: &'a mut ConnState,
}

impl ConnCtx<'_> {
    /// Updates this client's entry in the registry.
    pub fn update_info(&self, f: impl FnOnce(&mut ClientInfo)) {
        if let Some(info) = self.node.clients.borrow_mut().get_mut(self.state.id) {
            f(info);
        }
    }
}

/// What planning a request did.
enum Planned {
    /// Answered or queued; whether it counts as a processed command.
    Done(bool),
    /// The connection must coordinate it after what was planned before it.
    Coordinate(Coordinate),
}

/// Requests the connection coordinates itself.
#[derive(Clone, Copy, Debug)]
enum Coordinate {
    /// A multi-key command whose keys live on several shards.
    Atomic,
    /// EXEC.
    Exec,
    /// WATCH.
    Watch,
    /// An administrative connection command behind queued requests.
    AfterQueued,
    /// A gathering command (SINTERSTORE, SMOVE, ...) over several shards.
    Gather(crate::txn::gather::GatherFn),
    /// RENAME, COPY, ... between keys on two shards.
    Transfer(transfer::ParseFn),
    /// MSETNX over several shards: no key may exist on any of them.
    Guarded,
    /// A blocking command outside a transaction.
    Block(crate::blocking::BlockSpec),
}

/// Where a request's reply comes from when the batch is answered.
enum Slot {
    /// Already written, at this range of `imm`.
    Ready(Range<usize>),
    /// The whole reply of one op.
    Single(PartRef),
    /// Parts to merge.
    Split {
        merge: MergeFn,
        refs: Range<usize>,
        keys: Range<usize>,
        protocol: Protocol,
        request: usize,
    },
}

/// A command name as a client spelt it, held inline.
struct CommandName {
    bytes: [u8; COMMAND_NAME_LEN_MAX],
    len: u8,
}

impl CommandName {
    /// None when `name` is longer than any command's.
    fn new(name: &[u8]) -> Option<CommandName> {
        let mut bytes = [0u8; COMMAND_NAME_LEN_MAX];
        bytes.get_mut(..name.len())?.copy_from_slice(name);
        Some(CommandName {
            bytes,
            len: u8::try_from(name.len()).ok()?,
        })
    }

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// How a connection ended, for the log.
#[derive(Debug)]
pub enum Close {
    Eof,
    Io(std::io::Error),
    Protocol(ProtoError),
    QueryBufferLimit,
    Killed,
    Idle,
    Quit,
}

pub struct Connection {
    node: Rc<Node>,
    pub state: ConnState,
    parser: RequestParser,
    kill: Rc<KillSwitch>,
    inbuf: BytesMut,
    /// Where reads land before they are appended to `inbuf`.
    scratch: Box<[u8]>,
    outbuf: BytesMut,
    // One batch's plan; buffers are reused from batch to batch.
    args: Vec<Bytes>,
    requests: Vec<Range<usize>>,
    imm: BytesMut,
    slots: Vec<Slot>,
    refs: Vec<PartRef>,
    key_shards: Vec<usize>,
    batches: Vec<ShardBatch>,
    sinks: Vec<Sink>,
    /// True while every command of the batch so far ran on this core and
    /// was answered straight into `outbuf`; the first one that needs another
    /// shard ends it, and the rest of the batch is queued behind it.
    direct: bool,
    /// What each request of the batch resolved to.
    specs: Vec<Result<&'static CommandSpec, String>>,
    /// The last top-level command resolved, with its name as the client
    /// spelt it.
    last_command: Option<(&'static CommandSpec, CommandName)>,
    /// The arguments of a split command's local part, when it runs directly.
    part_args: Vec<Bytes>,
    /// The batch's clock: Unix ms when it started.
    now_ms: u64,
    last_cmd: &'static str,
    /// Calls planned whose replies are not written yet (see `count_call`).
    calls: Vec<&'static CommandSpec>,
    /// The transaction being coordinated, while one is.
    tx: TxId,
    /// The guard of the guarded command being planned held on every
    /// shard (see [`Exec::Guarded`]): plan its parts.
    guard_passed: bool,
    /// The last gathering command coordinated found nothing to pop (a
    /// blocking command's first try over several shards).
    would_wait: bool,
    /// Bytes arrived while a blocking command waited: parse them before
    /// reading again.
    read_ahead: bool,
    /// The client went away while a blocking command waited.
    closed: Option<Close>,
}

fn proto_limits(config: &Config) -> Limits {
    Limits {
        bulk_len_max: config.proto_max_bulk_len,
        ..Limits::default()
    }
}

impl Connection {
    pub fn new(node: Rc<Node>, id: u64, kill: Rc<KillSwitch>) -> Connection {
        let n = node.shard_count;
        Connection {
            parser: RequestParser::new(proto_limits(&node.config())),
            state: ConnState {
                id,
                db: 0,
                protocol: Protocol::Resp2,
                name: None,
                authenticated: true,
                close_after_reply: false,
                close_now: false,
                multi: None,
                watched: HashMap::default(),
                unwatch_due: Vec::new(),
                subs: Subscriptions::default(),
                inbox: Inbox::new(id, Protocol::Resp2, kill.clone()),
            },
            kill,
            inbuf: BytesMut::with_capacity(READ_CHUNK_SIZE),
            scratch: vec![0u8; READ_CHUNK_SIZE].into_boxed_slice(),
            outbuf: BytesMut::with_capacity(READ_CHUNK_SIZE),
            args: Vec::new(),
            requests: Vec::new(),
            imm: BytesMut::new(),
            slots: Vec::new(),
            refs: Vec::new(),
            key_shards: Vec::new(),
            batches: (0..n).map(|_| ShardBatch::default()).collect(),
            sinks: (0..n).map(|_| Sink::default()).collect(),
            direct: true,
            specs: Vec::new(),
            last_command: None,
            part_args: Vec::new(),
            now_ms: 0,
            last_cmd: "NULL",
            calls: Vec::new(),
            tx: TxId::NONE,
            guard_passed: false,
            would_wait: false,
            read_ahead: false,
            closed: None,
            node,
        }
    }

    /// Serves the connection until it closes.
    pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(&mut self, stream: &mut S) -> Close {
        loop {
            let config = self.node.config();
            self.parser.set_limits(proto_limits(&config));
            // Read into the scratch buffer and append only what arrived: the
            // query buffer grows with the bytes received, never with a length
            // the client declared, and nothing is zero-filled per read.
            // Subscribers are never idle (as in Redis).
            let idle = (config.timeout_s > 0 && !self.state.subs.any())
                .then(|| Duration::from_secs(config.timeout_s));
            let inbox = self.state.inbox.clone();
            let read =
                runtime::read_or_stop(stream, &mut self.scratch, &self.kill, &inbox, idle).await;
            let n = match read {
                runtime::ReadOutcome::Data(n) => n,
                runtime::ReadOutcome::Eof => return Close::Eof,
                runtime::ReadOutcome::Error(e) => return Close::Io(e),
                runtime::ReadOutcome::Killed => return Close::Killed,
                runtime::ReadOutcome::Idle => return Close::Idle,
                runtime::ReadOutcome::Inbox => match self.flush_inbox(stream).await {
                    Ok(true) => continue,
                    Ok(false) => return Close::Killed,
                    Err(e) => return Close::Io(e),
                },
            };
            self.inbuf.extend_from_slice(&self.scratch[..n]);
            NodeStats::add(&self.node.stats.net_input_bytes, n as u64);

            loop {
                let (count, proto_error) = self.parse_batch();
                if count > 0 {
                    self.run_batch(stream).await;
                }
                if let Some(close) = self.closed.take() {
                    return close;
                }
                if let Some(e) = proto_error {
                    let start = self.outbuf.len();
                    let mut w = ReplyWriter::new(&mut self.outbuf, self.state.protocol);
                    w.protocol_error(e);
                    let reply = &self.outbuf[start..];
                    if let Some(message) = reply.strip_prefix(b"-") {
                        self.node.cmdstats.borrow_mut().error(message);
                    }
                    let _ = self.flush(stream).await;
                    return Close::Protocol(e);
                }
                if self.state.close_now {
                    return Close::Quit;
                }
                if let Err(e) = self.flush(stream).await {
                    return Close::Io(e);
                }
                // Messages published during the batch (to this client too).
                match self.flush_inbox(stream).await {
                    Ok(true) => {}
                    Ok(false) => return Close::Killed,
                    Err(e) => return Close::Io(e),
                }
                if self.state.close_after_reply {
                    return Close::Quit;
                }
                if self.kill.is_killed() {
                    return Close::Killed;
                }
                if count < BATCH_REQUESTS_MAX && !std::mem::take(&mut self.read_ahead) {
                    if count == 0 {
                        // No command ran to record the read (a partial request).
                        self.update_registry(unix_ms());
                    }
                    break;
                }
            }
            if self.inbuf.len() > config.client_query_buffer_limit {
                tracing::warn!(
                    client = self.state.id,
                    "closing client that reached max query buffer length"
                );
                return Close::QueryBufferLimit;
            }
        }
    }

    /// Writes the pub/sub messages waiting for this client; false if it
    /// was killed meanwhile.
    async fn flush_inbox<S: AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
    ) -> std::io::Result<bool> {
        let inbox = &self.state.inbox;
        if inbox.is_empty() {
            return Ok(true);
        }
        let messages = inbox.take();
        let written = runtime::write_or_stop(stream, &messages, &self.kill).await?;
        NodeStats::add(&self.node.stats.net_output_bytes, messages.len() as u64);
        Ok(written)
    }

    async fn flush<S: AsyncWrite + Unpin>(&mut self, stream: &mut S) -> std::io::Result<()> {
        if self.outbuf.is_empty() {
            return Ok(());
        }
        if !runtime::write_or_stop(stream, &self.outbuf, &self.kill).await? {
            self.outbuf.clear();
            return Ok(());
        }
        NodeStats::add(&self.node.stats.net_output_bytes, self.outbuf.len() as u64);
        self.outbuf.clear();
        Ok(())
    }

    fn update_registry(&self, now_ms: u64) {
        if let Some(info) = self.node.clients.borrow_mut().get_mut(self.state.id) {
            info.last_interaction_ms = now_ms;
            info.last_cmd = self.last_cmd;
            info.query_buffer_len = self.inbuf.len();
            info.query_buffer_cap = self.inbuf.capacity();
            self.state.describe(info);
        }
    }

    /// Parses up to a batch of whole requests. Returns how many, and the
    /// protocol error that stopped parsing, if any.
    fn parse_batch(&mut self) -> (usize, Option<ProtoError>) {
        self.args.clear();
        self.requests.clear();
        while self.requests.len() < BATCH_REQUESTS_MAX {
            let start = self.args.len();
            match self
                .parser
                .parse(&mut self.inbuf, self.state.authenticated, &mut self.args)
            {
                Ok(Some(_)) => self.requests.push(start..self.args.len()),
                Ok(None) => break,
                Err(e) => return (self.requests.len(), Some(e)),
            }
        }
        (self.requests.len(), None)
    }

    /// Plans, runs and answers the parsed requests. Requests are planned
    /// into per-shard batches until one needs a transaction across shards;
    /// what was planned runs and is answered, then the transaction, then
    /// planning goes on after it.
    async fn run_batch<S: AsyncRead + AsyncWrite + Unpin>(&mut self, stream: &mut S) {
        self.now_ms = unix_ms();
        self.specs.clear();
        for i in 0..self.requests.len() {
            let spec = self.resolve(i);
            self.specs.push(spec);
        }
        self.prefetch();
        let mut planned = 0u64;
        let mut i = 0;
        while i < self.requests.len() {
            self.begin_segment();
            let mut coordinated = None;
            while i < self.requests.len() {
                if self.state.close_after_reply || self.state.close_now || self.closed.is_some() {
                    break;
                }
                match self.plan(i) {
                    Planned::Done(counted) => {
                        if counted {
                            self.count_call(i);
                        }
                        planned += u64::from(counted)
                    }
                    Planned::Coordinate(what) => {
                        planned += 1;
                        coordinated = Some(what);
                        break;
                    }
                }
                i += 1;
            }
            self.dispatch().await;
            self.assemble();
            self.count_calls();
            match coordinated {
                Some(what) => {
                    planned += self.run_coordinated(i, what, stream).await;
                    self.count_call(i);
                    self.count_calls();
                    i += 1;
                }
                None => break,
            }
        }
        self.release_watches().await;
        NodeStats::add(&self.node.stats.commands_processed, planned);
        self.update_registry(self.now_ms);
    }

    /// Starts planning a new run of requests.
    fn begin_segment(&mut self) {
        // What runs from here to the next wait is timed command by
        // command (see `Node::lap`).
        self.node.restart_clock();
        self.imm.clear();
        self.slots.clear();
        self.refs.clear();
        self.key_shards.clear();
        self.direct = self.tx == TxId::NONE;
    }

    /// Sends every other shard its batch, runs this core's, and waits until
    /// all have answered (work parked behind a lock answers when it ran).
    async fn dispatch(&mut self) {
        let waits = self.send().await;
        self.collect(waits).await;
    }

    /// Sends every other shard its batch and runs this core's. Returns the
    /// replies still to come, by shard; the others are in `sinks`.
    async fn send(&mut self) -> Vec<(usize, PendingReply)> {
        let me = self.node.id.0;
        let mut waits: Vec<(usize, PendingReply)> = Vec::new();
        for s in 0..self.batches.len() {
            if s == me || self.batches[s].is_empty() {
                continue;
            }
            let batch = std::mem::take(&mut self.batches[s]);
            let mut sink = std::mem::take(&mut self.sinks[s]);
            sink.clear();
            match &self.node.peers {
                Some(peers) => match peers.send(s, batch, sink).await {
                    Ok(p) => waits.push((s, p)),
                    Err(reply) => self.put_back(s, reply),
                },
                None => (self.batches[s], self.sinks[s]) = (batch, sink),
            }
        }
        if !self.batches[me].is_empty() {
            let batch = std::mem::take(&mut self.batches[me]);
            let mut sink = std::mem::take(&mut self.sinks[me]);
            sink.clear();
            let mut parked = None;
            let park = || {
                let (pending, done) = PendingReply::local();
                parked = Some(pending);
                done
            };
            match execute(&self.node, batch, sink, park) {
                Some(reply) => self.put_back(me, reply),
                None => waits.extend(parked.map(|p| (me, p))),
            }
        }
        waits
    }

    /// Waits for the replies [`Connection::send`] left to come.
    async fn collect(&mut self, waits: Vec<(usize, PendingReply)>) {
        for (s, pending) in waits {
            if let Some(reply) = pending.wait().await {
                self.put_back(s, reply);
            }
        }
    }

    /// Keeps the batch (emptied, for its buffers) and the sink of shard `s`.
    fn put_back(&mut self, s: usize, (mut batch, sink): (ShardBatch, Sink)) {
        for &(i, micros) in &sink.slow {
            // A split command's parts are logged as one, by `assemble`.
            if let Some(op) = batch.ops.get(i).filter(|op| !op.spec.is_split()) {
                let entry = self.slow_entry(&batch.args[op.args.clone()], micros);
                self.node
                    .slowlog
                    .borrow_mut()
                    .push(entry, self.node.config().slowlog_max_len);
            }
        }
        batch.clear();
        self.batches[s] = batch;
        self.sinks[s] = sink;
    }

    /// The head of an op of this connection running `spec`.
    fn head(&self, spec: &'static CommandSpec) -> OpHead {
        OpHead {
            spec,
            kind: OpKind::Command,
            tx: self.tx,
            db: self.state.db,
            protocol: self.state.protocol,
            client_id: self.state.id,
        }
    }

    /// Whether `spec` is refused for memory, as Redis's `processCommand`
    /// refuses: commands that may grow memory (EXEC when it would run
    /// one), and any command queued in MULTI, while the node is over
    /// maxmemory and cannot evict (policy `noeviction`, or a shard found
    /// nothing to evict; see `evict.rs`). The shards refuse such commands
    /// themselves too (`dispatch::run_op`); this refuses them before any
    /// part of a transaction runs, and in the order of the pipeline.
    fn refused_for_memory(&self, spec: &'static CommandSpec) -> bool {
        let in_multi = self.state.multi.is_some() && self.tx == TxId::NONE;
        let grows = match spec.exec {
            Exec::Tx(TxCmd::Exec) => self
                .state
                .multi
                .as_ref()
                .is_some_and(|m| m.may_grow_memory()),
            _ => spec.flags.contains(Flags::DENYOOM) || (in_multi && queues_in_multi(spec)),
        };
        if !grows {
            return false;
        }
        let settings = self.node.eviction();
        if settings.maxmemory == 0 {
            return false;
        }
        let global = &self.node.global;
        let cannot_evict = settings.policy == evict::Policy::NoEviction
            || global.full_shards.any_full(global.config_epoch());
        if !cannot_evict {
            return false;
        }
        // This core's view of the node's memory (exact when it says over).
        match self.node.shard.try_borrow_mut() {
            Ok(mut shard) => shard.evictor.over(settings.maxmemory),
            Err(_) => crate::alloc::used_total() > settings.maxmemory,
        }
    }

    /// Plans request `i`: answers it now, queues its ops, or says that the
    /// connection must coordinate it.
    fn plan(&mut self, i: usize) -> Planned {
        let argv_range = self.requests[i].clone();
        let spec = match &mut self.specs[i] {
            Ok(spec) => *spec,
            Err(msg) => {
                let msg = std::mem::take(msg);
                if let Some(spec) = arity_rejected(&self.args[argv_range]) {
                    self.node.cmdstats.borrow_mut().rejected(spec);
                }
                self.ready_error(&msg);
                if let Some(multi) = &mut self.state.multi {
                    multi.aborted = true;
                }
                return Planned::Done(false);
            }
        };
        self.last_cmd = spec.name;
        if self.state.subs.any()
            && self.state.protocol == Protocol::Resp2
            && !allowed_when_subscribed(spec)
        {
            let name = spec.name;
            self.reject(spec, &format!("ERR Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"));
            return Planned::Done(false);
        }
        if self.refused_for_memory(spec) {
            self.reject(spec, evict::OOM_ERROR);
            if let Some(multi) = &mut self.state.multi {
                multi.aborted = true;
            }
            return Planned::Done(false);
        }
        if let (Some(multi), TxId::NONE) = (&mut self.state.multi, self.tx) {
            if queues_in_multi(spec) {
                multi.queue(spec, &self.args[argv_range]);
                self.ready_simple(b"QUEUED");
                return Planned::Done(false);
            }
        }
        let argv = &self.args[argv_range.clone()];
        let protocol = self.state.protocol;
        let n = self.node.shard_count;
        match spec.exec {
            Exec::Conn(_)
                if !self.direct && self.tx == TxId::NONE && spec.flags.contains(Flags::ADMIN) =>
            {
                // CONFIG SET, CLIENT KILL, ...: their effect is seen by
                // others, so they run after the requests queued before them.
                return Planned::Coordinate(Coordinate::AfterQueued);
            }
            Exec::Conn(run) => {
                let out = if self.direct {
                    &mut self.outbuf
                } else {
                    &mut self.imm
                };
                let start = out.len();
                let mut ctx = ConnCtx {
                    node: &self.node,
                    state: &mut self.state,
                };
                run(
                    &mut ctx,
                    &self.args[argv_range.clone()],
                    &mut ReplyWriter::new(out, protocol),
                );
                let slow = cmdstats::record_here(&self.node, spec, &out[start..]);
                if !self.direct {
                    self.slots.push(Slot::Ready(start..self.imm.len()));
                }
                if let Some(micros) = slow {
                    self.log_slow(spec, argv_range, micros);
                }
            }
            Exec::Tx(cmd) => return self.plan_tx_command(spec, cmd),
            Exec::Blocking(b) if self.tx == TxId::NONE => {
                return Planned::Coordinate(Coordinate::Block(b));
            }
            // Inside a transaction a blocking command does not wait.
            Exec::Gather(f) | Exec::Blocking(crate::blocking::BlockSpec { pop: f, .. }) => {
                if n > 1 && spec.reads_named_keys(argv) {
                    return Planned::Coordinate(Coordinate::Gather(f));
                }
                let mut target = None;
                for p in spec.keys.positions(argv) {
                    let s = shard_of(&argv[p], n).0;
                    if target.is_some_and(|t| t != s) {
                        return Planned::Coordinate(Coordinate::Gather(f));
                    }
                    target = Some(s);
                }
                self.single(spec, i, target.unwrap_or(self.node.id.0));
            }
            Exec::Transfer(parse) => {
                let databases = self.node.config().databases;
                let db = self.state.db;
                match parse(argv, databases).and_then(|t| transfer::check(&t, db).map(|()| t)) {
                    Err(e) => self.fail(spec, e.text()),
                    Ok(t) => {
                        let s = shard_of(&t.src, n).0;
                        if s != shard_of(&t.dst, n).0 {
                            return Planned::Coordinate(Coordinate::Transfer(parse));
                        }
                        self.single(spec, i, s);
                    }
                }
            }
            Exec::Shard(_) => {
                let mut target = None;
                for p in spec.keys.positions(argv) {
                    let s = shard_of(&argv[p], n).0;
                    if target.is_some_and(|t| t != s) {
                        self.reject(spec, CmdError::CrossSlot.text());
                        return Planned::Done(false);
                    }
                    target = Some(s);
                }
                let s = target.unwrap_or(self.node.id.0);
                self.single(spec, i, s);
            }
            Exec::Routed { route, .. } => match route(argv, n) {
                Ok(s) => self.single(spec, i, s),
                Err(e) => self.fail(spec, e.text()),
            },
            Exec::PerKey { merge, .. } | Exec::Guarded { merge, .. } => {
                let keys_start = self.key_shards.len();
                let refs_start = self.refs.len();
                for p in spec.keys.positions(argv) {
                    self.key_shards.push(shard_of(&argv[p], n).0);
                }
                let key_shards = &self.key_shards[keys_start..];
                let first = key_shards.first().copied();
                if key_shards.iter().any(|&s| Some(s) != first) {
                    let guarded = matches!(spec.exec, Exec::Guarded { .. });
                    if self.tx == TxId::NONE {
                        // Keys on several shards: atomic across them.
                        self.key_shards.truncate(keys_start);
                        return Planned::Coordinate(Coordinate::Atomic);
                    }
                    if guarded && !std::mem::take(&mut self.guard_passed) {
                        self.key_shards.truncate(keys_start);
                        return Planned::Coordinate(Coordinate::Guarded);
                    }
                }
                let step = spec.keys.step.max(1) as usize;
                if self.direct
                    && key_shards.iter().all(|&s| s == self.node.id.0)
                    && !self.locked_here(spec, argv)
                {
                    let keys = spec
                        .keys
                        .positions(argv)
                        .flat_map(|p| &argv[p..(p + step).min(argv.len())]);
                    self.part_args.clear();
                    self.part_args
                        .extend(std::iter::once(&argv[0]).chain(keys).cloned());
                    self.split_here(spec, merge, i, keys_start..self.key_shards.len());
                    return Planned::Done(true);
                }
                let head = self.head(spec);
                // One part per shard, in the order the keys name them.
                let mut seen = [0u64; THREADS_MAX.div_ceil(64)];
                for &s in key_shards {
                    let (word, bit) = (s / 64, 1u64 << (s % 64));
                    if seen[word] & bit != 0 {
                        continue;
                    }
                    seen[word] |= bit;
                    let keys = spec
                        .keys
                        .positions(argv)
                        .zip(key_shards.iter())
                        .filter(|(_, &ks)| ks == s)
                        .flat_map(|(p, _)| &argv[p..(p + step).min(argv.len())]);
                    let index = self.batches[s].push(&head, std::iter::once(&argv[0]).chain(keys));
                    self.refs.push(PartRef { shard: s, index });
                }
                self.direct = false;
                self.slots.push(Slot::Split {
                    merge,
                    refs: refs_start..self.refs.len(),
                    keys: keys_start..self.key_shards.len(),
                    protocol,
                    request: i,
                });
            }
            Exec::AllShards { merge, .. } => {
                if self.tx == TxId::NONE && n > 1 && spec.flags.contains(Flags::WRITE) {
                    // FLUSHALL, SWAPDB: all shards at once, or none.
                    return Planned::Coordinate(Coordinate::Atomic);
                }
                if self.direct && n == 1 && !self.locked_here(spec, argv) {
                    self.part_args.clear();
                    self.part_args.extend(argv.iter().cloned());
                    let keys = self.key_shards.len()..self.key_shards.len();
                    self.split_here(spec, merge, i, keys);
                    return Planned::Done(true);
                }
                self.direct = false;
                let refs_start = self.refs.len();
                let head = self.head(spec);
                for s in 0..n {
                    let index = self.batches[s].push(&head, argv.iter());
                    self.refs.push(PartRef { shard: s, index });
                }
                let keys = self.key_shards.len()..self.key_shards.len();
                self.slots.push(Slot::Split {
                    merge,
                    refs: refs_start..self.refs.len(),
                    keys,
                    protocol,
                    request: i,
                });
            }
            Exec::Container => unreachable!("containers are resolved or rejected above"),
        }
        Planned::Done(true)
    }

    /// Whether this core's shard holds a lock that an op of `spec` over
    /// `argv` would wait for (then it cannot run directly).
    fn locked_here(&self, spec: &'static CommandSpec, argv: &[Bytes]) -> bool {
        let shard = self.node.shard.borrow();
        if !shard.locks.any_held() {
            return false;
        }
        let op = self.head(spec).op(0..argv.len());
        shard.locks.blocks(&op, argv)
    }

    /// The command request `i` names, or the error that answers it.
    /// Pipelines repeat a command, so the last top-level command resolved is
    /// remembered with its name as the client spelt it; a request spelling
    /// it the same way only has its arity checked again.
    fn resolve(&mut self, i: usize) -> Result<&'static CommandSpec, String> {
        let argv = &self.args[self.requests[i].clone()];
        if let Some((spec, name)) = &self.last_command {
            if name.as_slice() == &argv[0][..] {
                return check_arity(spec, argv);
            }
        }
        let spec = resolve(argv)?;
        // Only a spec the name alone resolves to: not a subcommand, and not
        // a command that has some (COMMAND, COMMAND COUNT).
        if spec.subcommands.is_empty() && !spec.name.contains('|') {
            self.last_command = CommandName::new(&argv[0]).map(|name| (spec, name));
        }
        Ok(spec)
    }

    /// Hints the cache to load the table entries that the batch's local
    /// single-key commands will read, so that their lookups wait for memory
    /// together instead of one after another.
    fn prefetch(&self) {
        if self.requests.len() < 2 {
            return;
        }
        let (me, n) = (self.node.id.0, self.node.shard_count);
        let keys = self
            .requests
            .iter()
            .zip(&self.specs)
            .filter_map(move |(r, spec)| {
                let spec = spec.as_ref().ok()?;
                if !matches!(spec.exec, Exec::Shard(_)) || !spec.keys.has_keys() {
                    return None;
                }
                let key = self.args[r.clone()].get(spec.keys.first as usize)?;
                (shard_of(key, n).0 == me).then_some(&key[..])
            });
        self.node.shard.borrow().dbs[self.state.db].prefetch(keys);
    }

    /// Request `i`, a single op for shard `s`: run here and now while the
    /// batch is direct and `s` is this core, queued for `s` otherwise.
    fn single(&mut self, spec: &'static CommandSpec, i: usize, s: usize) {
        let head = self.head(spec);
        let op = head.op(self.requests[i].clone());
        if self.direct && s == self.node.id.0 {
            let mut shard = self.node.shard.borrow_mut();
            let args = &self.args[op.args.clone()];
            if !(shard.locks.any_held() && shard.locks.blocks(&op, args)) {
                run_op(
                    &self.node,
                    &mut shard,
                    self.now_ms,
                    &op,
                    &self.args,
                    &mut self.outbuf,
                );
                drop(shard);
                if let Some(micros) = self.node.slow.take() {
                    self.log_slow(spec, op.args, micros);
                }
                return;
            }
        }
        self.direct = false;
        let argv = &self.args[op.args];
        let index = self.batches[s].push(&head, argv.iter());
        self.slots.push(Slot::Single(PartRef { shard: s, index }));
    }

    /// Request `i`, a split command whose only part (arguments in
    /// `part_args`) is this core's, while the batch is direct: runs the part
    /// and merges it into `outbuf`.
    fn split_here(
        &mut self,
        spec: &'static CommandSpec,
        merge: MergeFn,
        i: usize,
        keys: Range<usize>,
    ) {
        let me = self.node.id.0;
        let op = self.head(spec).op(0..self.part_args.len());
        let sink = &mut self.sinks[me];
        sink.clear();
        let part = run_op(
            &self.node,
            &mut self.node.shard.borrow_mut(),
            self.now_ms,
            &op,
            &self.part_args,
            &mut sink.out,
        );
        sink.parts.push(part);
        if let Some(micros) = self.node.slow.take() {
            self.log_slow(spec, self.requests[i].clone(), micros);
        }
        let refs = [PartRef {
            shard: me,
            index: 0,
        }];
        let mut parts = Parts {
            sinks: &self.sinks,
            refs: &refs,
            key_shards: &self.key_shards[keys],
            node: &self.node,
            argv: &self.args[self.requests[i].clone()],
        };
        if spec.flags.contains(Flags::PUBSUB) {
            drain_inbox(&self.state, &mut self.outbuf);
        }
        merge(
            &mut parts,
            &mut ReplyWriter::new(&mut self.outbuf, op.protocol),
        );
        self.sinks[me].clear();
    }

    /// Answers request being planned with a simple string.
    fn ready_simple(&mut self, msg: &[u8]) {
        let out = if self.direct {
            &mut self.outbuf
        } else {
            &mut self.imm
        };
        let start = out.len();
        ReplyWriter::new(out, self.state.protocol).simple(msg);
        if !self.direct {
            self.slots.push(Slot::Ready(start..self.imm.len()));
        }
    }

    /// Counts a call of request `i` (once, however many shards run it)
    /// when its reply is written, as Redis counts after the command ran
    /// (so INFO's own call is not in its reply).
    pub(super) fn count_call(&mut self, i: usize) {
        if let Ok(spec) = self.specs[i] {
            self.calls.push(spec);
        }
    }

    /// Counts the calls whose replies are written.
    pub(super) fn count_calls(&mut self) {
        let mut stats = self.node.cmdstats.borrow_mut();
        for spec in self.calls.drain(..) {
            stats.call(spec);
        }
    }

    /// Answers the request being planned, a call of `spec` refused before
    /// it ran, with `msg` (Redis's `rejected_calls`).
    fn reject(&mut self, spec: &'static CommandSpec, msg: &str) {
        self.node.cmdstats.borrow_mut().rejected(spec);
        self.ready_error(msg);
    }

    /// Answers the request being planned, a call of `spec` that failed,
    /// with `msg` (Redis's `failed_calls`).
    pub(super) fn fail(&mut self, spec: &'static CommandSpec, msg: &str) {
        self.node.cmdstats.borrow_mut().ran(spec, 0, true, false);
        self.ready_error(msg);
    }

    /// A slow-log entry for this connection's command `argv`.
    fn slow_entry(&self, argv: &[Bytes], micros: u64) -> SlowEntry {
        let clients = self.node.clients.borrow();
        let info = clients.get(self.state.id);
        SlowEntry {
            id: self.node.global.next_slowlog_id(),
            time: unix_ms() / 1000,
            micros,
            args: cmdstats::slowlog_args(argv),
            addr: info.map(|c| c.addr.clone()).unwrap_or_default(),
            name: info.and_then(|c| c.name.clone()).unwrap_or_default(),
        }
    }

    /// Logs request arguments `argv` (a range of `args`) of `spec` as slow.
    pub(super) fn log_slow(&self, spec: &'static CommandSpec, argv: Range<usize>, micros: u64) {
        if spec.flags.contains(Flags::SKIP_SLOWLOG) {
            return;
        }
        let entry = self.slow_entry(&self.args[argv], micros);
        self.node
            .slowlog
            .borrow_mut()
            .push(entry, self.node.config().slowlog_max_len);
    }

    fn ready_error(&mut self, msg: &str) {
        let message = msg.as_bytes();
        self.node
            .cmdstats
            .borrow_mut()
            .error(message.strip_prefix(b"-").unwrap_or(message));
        if self.direct {
            ReplyWriter::new(&mut self.outbuf, self.state.protocol).error(msg.as_bytes());
            return;
        }
        let start = self.imm.len();
        ReplyWriter::new(&mut self.imm, self.state.protocol).error(msg.as_bytes());
        self.slots.push(Slot::Ready(start..self.imm.len()));
    }

    /// Writes every reply of the batch, in request order.
    fn assemble(&mut self) {
        for slot in &self.slots {
            match slot {
                Slot::Ready(r) => self.outbuf.extend_from_slice(&self.imm[r.clone()]),
                Slot::Single(pr) => {
                    match self
                        .sinks
                        .get(pr.shard)
                        .and_then(|s| Some((s, s.parts.get(pr.index)?)))
                    {
                        Some((sink, crate::dispatch::Part::Reply(r))) => {
                            self.outbuf.extend_from_slice(sink.bytes(r))
                        }
                        _ => ReplyWriter::new(&mut self.outbuf, self.state.protocol)
                            .error(b"ERR shard unavailable"),
                    }
                }
                Slot::Split {
                    merge,
                    refs,
                    keys,
                    protocol,
                    request,
                } => {
                    if self.specs[*request]
                        .as_ref()
                        .is_ok_and(|spec| spec.flags.contains(Flags::PUBSUB))
                    {
                        drain_inbox(&self.state, &mut self.outbuf);
                    }
                    let mut parts = Parts {
                        sinks: &self.sinks,
                        refs: &self.refs[refs.clone()],
                        key_shards: &self.key_shards[keys.clone()],
                        node: &self.node,
                        argv: &self.args[self.requests[*request].clone()],
                    };
                    if parts.iter().count() != parts.refs.len() {
                        ReplyWriter::new(&mut self.outbuf, *protocol)
                            .error(b"ERR shard unavailable");
                        continue;
                    }
                    // Slow parts: the command is logged once, with the
                    // time of all its parts.
                    let slow = self.refs[refs.clone()]
                        .iter()
                        .flat_map(|r| {
                            self.sinks[r.shard]
                                .slow
                                .iter()
                                .filter(move |(i, _)| *i == r.index)
                                .map(|(_, micros)| *micros)
                        })
                        .reduce(|a, b| a + b);
                    if let (Some(micros), Ok(spec)) = (slow, &self.specs[*request]) {
                        self.log_slow(spec, self.requests[*request].clone(), micros);
                    }
                    merge(
                        &mut parts,
                        &mut ReplyWriter::new(&mut self.outbuf, *protocol),
                    );
                }
            }
        }
    }
}

fn truncate(b: &[u8], max: usize) -> String {
    String::from_utf8_lossy(&b[..b.len().min(max)]).into_owned()
}

/// Redis 7's unknown-command error, quoting the arguments as it does.
fn unknown_command(argv: &[Bytes]) -> String {
    let mut args = String::new();
    for a in &argv[1..] {
        if args.len() >= ERROR_ARGS_QUOTE_MAX {
            break;
        }
        let room = ERROR_ARGS_QUOTE_MAX - args.len();
        args.push_str(&format!("'{}' ", truncate(a, room)));
    }
    format!(
        "ERR unknown command '{}', with args beginning with: {}",
        truncate(&argv[0], ERROR_ARGS_QUOTE_MAX),
        args
    )
}

/// Moves the pub/sub messages waiting for a subscribed client into its
/// replies, before the reply of a PUBLISH: a message a RESP3 client
/// publishes to itself comes before the count, as in Redis.
fn drain_inbox(state: &ConnState, outbuf: &mut BytesMut) {
    if state.subs.any() && !state.inbox.is_empty() {
        outbuf.extend_from_slice(&state.inbox.take());
    }
}

/// Whether a subscribed RESP2 client may run `spec` (Redis's list).
fn allowed_when_subscribed(spec: &CommandSpec) -> bool {
    matches!(
        spec.name,
        "subscribe"
            | "unsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "ssubscribe"
            | "sunsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}

/// The command a request names, or the error that answers it: unknown
/// command or subcommand, wrong arity.
fn resolve(argv: &[Bytes]) -> Result<&'static CommandSpec, String> {
    let Some(mut spec) = table::lookup(&argv[0]) else {
        return Err(unknown_command(argv));
    };
    if !spec.subcommands.is_empty() && argv.len() >= 2 {
        match table::lookup_sub(spec, &argv[1]) {
            Some(sub) => spec = sub,
            None => {
                return Err(format!(
                    "ERR unknown subcommand '{}'. Try {} HELP.",
                    truncate(&argv[1], ERROR_ARGS_QUOTE_MAX),
                    spec.name.to_ascii_uppercase()
                ))
            }
        }
    }
    check_arity(spec, argv)
}

/// The command whose arity `argv` does not fit (Redis counts that as a
/// rejected call of it), if that is what is wrong with `argv`.
fn arity_rejected(argv: &[Bytes]) -> Option<&'static CommandSpec> {
    let mut spec = table::lookup(argv.first()?)?;
    if !spec.subcommands.is_empty() && argv.len() >= 2 {
        spec = table::lookup_sub(spec, &argv[1])?;
    }
    check_arity(spec, argv).is_err().then_some(spec)
}

/// `spec` if `argv` has an arity it accepts (and it is not a container
/// called without its subcommand); the arity error otherwise.
fn check_arity(spec: &'static CommandSpec, argv: &[Bytes]) -> Result<&'static CommandSpec, String> {
    if !spec.arity_ok(argv.len()) || matches!(spec.exec, Exec::Container) {
        return Err(command::arity_error(spec.name));
    }
    Ok(spec)
}
