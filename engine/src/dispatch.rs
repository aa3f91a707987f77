//! Cross-shard dispatch. A connection turns one read's worth of requests
//! into at most one [`ShardBatch`] per shard (its own included), runs its own
//! inline, sends the others over the mesh, and merges what comes back in
//! request order. A shard executes a batch into a [`Sink`]: reply bytes plus
//! one [`Part`] per op, so split commands (MGET over several shards, DBSIZE
//! over all) are merged by their [`MergeFn`](crate::command::MergeFn) from
//! the parts of every shard.

use crate::blocking::{self, Claim, Waiter};
use crate::command::{CommandSpec, Exec, Flags};
use crate::evict;
use crate::global::unix_ms;
use crate::keyspace::{Value, WatchMark};
use crate::node::Node;
use crate::shard::{Shard, ShardCtx};
use crate::txn::locks::{Done, Parked};
use crate::txn::TxId;
use bytes::{Bytes, BytesMut};
use shoal_proto::{Protocol, ReplyWriter};
use std::ops::Range;

/// A shard's answer to one op.
#[derive(Debug)]
pub enum Part {
    /// A whole reply, encoded at this range of the sink.
    Reply(Range<usize>),
    /// A number to combine (counts, sizes).
    Int(i64),
    /// Encoded values, one range each, in the order of the op's keys.
    Items(Vec<Range<usize>>),
    /// Text at this range of the sink.
    Text(Range<usize>),
    /// A shard's and core's figures for INFO.
    Info(Box<InfoPart>),
    /// Numbers to combine element by element (PUBSUB NUMSUB).
    Counts(Vec<i64>),
    /// A key's value and expiry (0 = none), or none if it does not exist.
    Entry(Option<Box<(Value, u64)>>),
    /// WATCH: what the shard saw of each key.
    Watch(Vec<WatchMark>),
    /// SLOWLOG GET: a core's newest slow-log entries.
    Slow(Vec<crate::slowlog::SlowEntry>),
    /// LATENCY: a core's latency monitor events.
    Latency(Box<crate::latency::LatencyMonitor>),
    /// LATENCY HISTOGRAM: a core's per-command figures, by
    /// [`crate::command::table::index`].
    Commands(Vec<(usize, crate::cmdstats::CommandStat)>),
    /// RANDOMKEY: the shard's key count and one random key.
    RandomKey {
        count: usize,
        key: Option<Box<[u8]>>,
    },
    /// HOTKEYS GET: the shard's session, if it has one.
    HotKeys(Option<Box<crate::hotkeys::Report>>),
}

/// What one core reports for INFO.
#[derive(Debug, Default, Clone)]
pub struct InfoPart {
    /// The core that answered.
    pub shard: usize,
    /// Clients connected to this core.
    pub clients: usize,
    /// What this core's thread has allocated and not freed (an estimate of
    /// its share: a block freed by another core counts there).
    pub used_memory: isize,
    /// Per-command figures (only when INFO asks for them), by
    /// [`crate::command::table::index`].
    pub commands: Vec<(usize, crate::cmdstats::CommandStat)>,
    /// Error replies by code, and in all.
    pub errors: Vec<(Box<[u8]>, u64)>,
    pub error_replies: u64,
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub expired_keys: u64,
    pub evicted_keys: u64,
    pub commands_processed: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    /// Recent rates per second: commands, input bytes, output bytes.
    pub rates: [f64; 3],
    /// (keys, keys with expiry) per database.
    pub keyspace: Vec<(usize, usize)>,
}

/// What an op does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// Runs `spec` over the arguments.
    Command,
    /// Locks the keys in the arguments for `tx`; waits while another
    /// transaction holds one of them.
    Lock,
    /// Releases the locks `tx` holds on the keys in the arguments.
    Unlock,
    /// Waits, as `Lock` does, until no other transaction holds or waits
    /// for the keys in the arguments, but takes nothing: a transaction
    /// whose ops all follow in the same batch runs to its end without a
    /// pause, so it needs no lock to be atomic.
    Gate,
    /// Holds the whole shard for `tx` (FLUSHALL, SWAPDB): waits until no
    /// other transaction holds a key or waits for one ahead of it.
    LockWhole,
    /// Releases the whole shard.
    UnlockWhole,
    /// WATCH: starts watching the keys in the arguments (database `db`);
    /// the part is a [`Part::Watch`].
    Watch,
    /// Stops watching the keys in the arguments.
    Unwatch,
    /// A copy of the live value at the key in the arguments, with its
    /// expiry: the part is a [`Part::Entry`].
    Peek,
    /// Runs `spec` as `Command` does, recording no keyspace events (the
    /// writes of a command that reports its own, as SINTERSTORE).
    Quiet,
    /// Whether the key in the arguments is live: the part is 1 or 0.
    Exists,
    /// Removes the key in the arguments.
    Delete,
    /// Stores the batch's value for this op (see [`ShardBatch::values`])
    /// at the key in the arguments, replacing what is there.
    Put,
    /// EXEC's check of watched keys: the arguments are the keys, then one
    /// encoded [`WatchMark`] per key. The part is 1 when one was modified
    /// (and then the rest of the batch's commands do not run), else 0.
    CheckWatch,
    /// A blocking command (`spec` blocks) that waits for its keys on this
    /// shard if none is ready, holding the batch's claim (see
    /// `blocking.rs`); the last op of its batch. The part is its reply,
    /// or [`blocking::NOT_SERVED`] or [`blocking::RETRY`].
    Block,
    /// Withdraws the `Block` op of the same client and claim, if it still
    /// waits.
    Unblock,
}

/// One command (or one shard's share of it) to run on a shard.
pub struct Op {
    pub spec: &'static CommandSpec,
    pub kind: OpKind,
    /// The transaction the op belongs to; its locks do not stop it.
    pub tx: TxId,
    pub db: usize,
    pub protocol: Protocol,
    pub client_id: u64,
    /// The op's arguments in the batch's `args`.
    pub args: Range<usize>,
}

/// Everything one read sends to one shard: its ops, in request order.
#[derive(Default)]
pub struct ShardBatch {
    pub ops: Vec<Op>,
    pub args: Vec<Bytes>,
    /// Values that `Put` ops store, by the index of their op.
    pub values: Vec<(usize, Value, u64)>,
    /// The claim of a `Block` or `Unblock` op.
    pub claim: Option<Claim>,
}

impl ShardBatch {
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
    pub fn clear(&mut self) {
        self.ops.clear();
        self.args.clear();
        self.values.clear();
        self.claim = None;
    }
    /// Queues an op like `head` whose arguments are `args`; returns its index.
    pub fn push<'a>(&mut self, head: &OpHead, args: impl IntoIterator<Item = &'a Bytes>) -> usize {
        let start = self.args.len();
        self.args.extend(args.into_iter().cloned());
        self.ops.push(head.op(start..self.args.len()));
        self.ops.len() - 1
    }
}

/// An op without its arguments: what [`ShardBatch::push`] copies.
#[derive(Clone, Copy)]
pub struct OpHead {
    pub spec: &'static CommandSpec,
    pub kind: OpKind,
    pub tx: TxId,
    pub db: usize,
    pub protocol: Protocol,
    pub client_id: u64,
}

impl OpHead {
    /// The op with its arguments at `args`.
    pub fn op(&self, args: Range<usize>) -> Op {
        Op {
            spec: self.spec,
            kind: self.kind,
            tx: self.tx,
            db: self.db,
            protocol: self.protocol,
            client_id: self.client_id,
            args,
        }
    }
}

/// What a shard wrote for a batch: reply bytes and one part per op.
#[derive(Debug, Default)]
pub struct Sink {
    pub out: BytesMut,
    pub parts: Vec<Part>,
    /// Ops slow enough for the slow log: (op index, microseconds). The
    /// connection logs them (it knows its client; see `cmdstats.rs`).
    pub slow: Vec<(usize, u64)>,
}

impl Sink {
    pub fn clear(&mut self) {
        self.out.clear();
        self.parts.clear();
        self.slow.clear();
    }
    pub fn bytes(&self, r: &Range<usize>) -> &[u8] {
        self.out.get(r.clone()).unwrap_or(&[])
    }
}

/// Why a batch stopped before its end.
enum Stop {
    /// The op at this index waits for a lock.
    Lock(usize),
    /// The `Block` op at this index waits for its keys.
    Wait(usize),
}

/// Runs a batch on this core's shard, in order. Returns the batch and its
/// sink when it ran to the end; when an op must wait (for a lock, or a
/// blocking command for its keys), the batch is kept by the shard, `park()`
/// says whom to give it to when it has finished, and `None` is returned.
pub fn execute(
    node: &Node,
    batch: ShardBatch,
    mut sink: Sink,
    park: impl FnOnce() -> Done,
) -> Option<(ShardBatch, Sink)> {
    node.refresh_config();
    let mut shard = node.shard.borrow_mut();
    let mut batch = batch;
    let stop = run_from(node, &mut shard, &mut batch, &mut sink, 0);
    let released = matches!(stop, Ok(true));
    let parked = match stop {
        Ok(_) => Some((batch, sink)),
        Err(stop) => {
            keep(node, &mut shard, batch, sink, stop, park());
            None
        }
    };
    drop(shard);
    if released {
        resume_parked(node);
    }
    parked
}

/// Keeps a batch that stopped at `stop` until it can go on.
fn keep(node: &Node, shard: &mut Shard, batch: ShardBatch, sink: Sink, stop: Stop, done: Done) {
    match stop {
        Stop::Lock(next) => shard.locks.park(Parked {
            batch,
            sink,
            next,
            done,
        }),
        Stop::Wait(at) => blocking::park(
            node,
            shard,
            Waiter {
                batch,
                sink,
                at,
                done,
            },
        ),
    }
}

/// Runs `batch` from op `start` to its end: `Ok` with whether it released
/// locks, or where it stopped.
fn run_from(
    node: &Node,
    shard: &mut Shard,
    batch: &mut ShardBatch,
    sink: &mut Sink,
    start: usize,
) -> Result<bool, Stop> {
    let now_ms = unix_ms();
    node.restart_clock();
    let ran = run_ops(node, shard, batch, sink, start, now_ms);
    // Clients waiting on keys this batch created (a transaction's, once it
    // let go of them).
    blocking::serve_ready(node, shard, now_ms);
    // Events of ops that are not commands (a transfer's Put).
    if node.notifier.pending() {
        node.publish_events();
    }
    ran
}

/// Evicts this shard's keys while the node is over maxmemory, and tells
/// the connections whether the shard is full (see `evict.rs`); `fresh`
/// adds up every core's memory counter first. One comparison when there
/// is no limit (a mark left from a limit is void: it names an older
/// configuration).
pub fn make_room(node: &Node, shard: &mut Shard, now_ms: u64, fresh: bool) -> evict::Outcome {
    let settings = node.eviction();
    if settings.maxmemory == 0 {
        return evict::Outcome::Under;
    }
    let outcome = evict::enforce(shard, &settings, now_ms, fresh);
    node.global.full_shards.set(
        shard.id.0,
        outcome == evict::Outcome::Full,
        node.config_epoch(),
    );
    outcome
}

/// [`run_from`]'s loop over the ops.
fn run_ops(
    node: &Node,
    shard: &mut Shard,
    batch: &mut ShardBatch,
    sink: &mut Sink,
    start: usize,
    now_ms: u64,
) -> Result<bool, Stop> {
    let mut released = false;
    // A failed WATCH check: the transaction's commands that follow it in
    // this batch do not run (EXEC answers a null array).
    let mut aborted = false;
    for (i, op) in batch.ops.iter().enumerate().skip(start) {
        let args = &batch.args[op.args.clone()];
        if op.kind == OpKind::Command && !aborted && !shard.locks.any_held() {
            let part = run_op(node, shard, now_ms, op, &batch.args, &mut sink.out);
            sink.parts.push(part);
            if let Some(micros) = node.slow.take() {
                sink.slow.push((i, micros));
            }
            continue;
        }
        if shard.locks.blocks(op, args) {
            return Err(Stop::Lock(i));
        }
        let part = match op.kind {
            OpKind::Command if aborted => Part::Int(0),
            OpKind::Command => run_op(node, shard, now_ms, op, &batch.args, &mut sink.out),
            OpKind::Block => match blocking::try_now(node, shard, now_ms, op, batch, &mut sink.out)
            {
                Some(part) => part,
                None => return Err(Stop::Wait(i)),
            },
            OpKind::Unblock => {
                blocking::withdraw(node, shard, op.client_id, batch.claim.as_ref());
                Part::Int(0)
            }
            OpKind::Quiet => node
                .notifier
                .clone()
                .muted(|| run_op(node, shard, now_ms, op, &batch.args, &mut sink.out)),
            OpKind::Lock => {
                shard.locks.lock(op.tx, args);
                Part::Int(0)
            }
            OpKind::Unlock => {
                shard.locks.unlock(op.tx, args);
                released = true;
                Part::Int(0)
            }
            OpKind::Gate => Part::Int(0),
            OpKind::LockWhole => {
                shard.locks.lock_whole(op.tx);
                Part::Int(0)
            }
            OpKind::UnlockWhole => {
                shard.locks.unlock_whole(op.tx);
                released = true;
                Part::Int(0)
            }
            OpKind::Watch => {
                let db = &mut shard.dbs[op.db];
                Part::Watch(args.iter().map(|k| db.watch(k, now_ms)).collect())
            }
            OpKind::Peek => {
                let entry = shard.dbs[op.db].peek(&args[0], now_ms);
                Part::Entry(entry.map(Box::new))
            }
            OpKind::Exists => Part::Int(i64::from(shard.dbs[op.db].contains(&args[0], now_ms))),
            OpKind::Delete => Part::Int(i64::from(
                shard.dbs[op.db].delete(&args[0], now_ms).is_some(),
            )),
            OpKind::Put => {
                if let Some(at) = batch.values.iter().position(|v| v.0 == i) {
                    let (_, value, expire_at_ms) = batch.values.swap_remove(at);
                    shard.dbs[op.db].set(&args[0], value, expire_at_ms, now_ms);
                }
                Part::Int(0)
            }
            OpKind::Unwatch => {
                let db = &mut shard.dbs[op.db];
                args.iter().for_each(|k| db.unwatch(k));
                Part::Int(0)
            }
            OpKind::CheckWatch => {
                let db = &shard.dbs[op.db];
                let (keys, marks) = args.split_at(args.len() / 2);
                let broken = keys.iter().zip(marks).any(|(k, m)| {
                    WatchMark::decode(m).is_none_or(|m| db.watch_broken(k, m, now_ms))
                });
                aborted |= broken;
                Part::Int(i64::from(broken))
            }
        };
        sink.parts.push(part);
        if let Some(micros) = node.slow.take() {
            sink.slow.push((i, micros));
        }
    }
    Ok(released)
}

/// Runs the parked batches that can go on now that locks were released,
/// in the order they arrived, and hands the finished ones back.
fn resume_parked(node: &Node) {
    loop {
        let mut finished = Vec::new();
        let mut released = false;
        {
            let mut shard = node.shard.borrow_mut();
            for mut p in shard.locks.take_parked() {
                match run_from(node, &mut shard, &mut p.batch, &mut p.sink, p.next) {
                    Ok(r) => {
                        released |= r;
                        finished.push(p);
                    }
                    Err(stop) => keep(node, &mut shard, p.batch, p.sink, stop, p.done),
                }
            }
        }
        for p in finished {
            (p.done)(p.batch, p.sink);
        }
        if !released {
            return;
        }
    }
}

/// Runs one op on this core's shard: its arguments are `args[op.args]`, its
/// reply goes to the end of `out`.
pub fn run_op(
    node: &Node,
    shard: &mut Shard,
    now_ms: u64,
    op: &Op,
    args: &[Bytes],
    out: &mut BytesMut,
) -> Part {
    // As Redis before a command that may grow memory: make room, or refuse
    // it when there is none to make. A transaction's op is not refused
    // here (its connection refused the transaction before any of it ran,
    // see `Connection::refused_for_memory`), so it stays all or nothing.
    let grows = op.spec.flags.contains(Flags::DENYOOM);
    if grows && make_room(node, shard, now_ms, false) == evict::Outcome::Full && op.tx == TxId::NONE
    {
        let start = out.len();
        ReplyWriter::new(out, op.protocol).error(evict::OOM_ERROR.as_bytes());
        let mut stats = node.cmdstats.borrow_mut();
        stats.rejected(op.spec);
        stats.error(evict::OOM_ERROR.as_bytes());
        return Part::Reply(start..out.len());
    }
    let reply_start = out.len();
    let part = run_command(node, shard, now_ms, op, args, out);
    let nanos = crate::cmdstats::record(node, op, &part, out);
    if shard.hotkeys.is_active() {
        observe_hot_keys(shard, now_ms, op, args, out.len() - reply_start, nanos);
    }
    // As Redis, clients waiting on keys the command created are served
    // right after it; inside a transaction, when it lets go of them.
    if op.tx == TxId::NONE {
        blocking::serve_ready(node, shard, now_ms);
    }
    if node.notifier.pending() {
        node.publish_events();
    }
    part
}

/// Gives a command that ran (`op` over `args`, `reply_bytes` answered in
/// `nanos`) to the shard's HOTKEYS session.
fn observe_hot_keys(
    shard: &mut Shard,
    now_ms: u64,
    op: &Op,
    args: &[Bytes],
    reply_bytes: usize,
    nanos: u64,
) {
    let argv = &args[op.args.clone()];
    let keys = op.spec.keys.positions(argv);
    let elapsed = std::time::Duration::from_nanos(nanos);
    shard
        .hotkeys
        .observe(now_ms, op.db, argv, keys, elapsed, reply_bytes);
}

/// [`run_op`] without publishing the keyspace events it recorded.
fn run_command(
    node: &Node,
    shard: &mut Shard,
    now_ms: u64,
    op: &Op,
    args: &[Bytes],
    out: &mut BytesMut,
) -> Part {
    let args = &args[op.args.clone()];
    let mut ctx = ShardCtx::for_op(shard, node, op, now_ms);
    let start = out.len();
    let mut w = ReplyWriter::new(out, op.protocol);
    match op.spec.exec {
        Exec::Shard(run) | Exec::Routed { run, .. } => {
            run(&mut ctx, args, &mut w);
            Part::Reply(start..out.len())
        }
        Exec::PerKey { part, .. } | Exec::AllShards { part, .. } | Exec::Guarded { part, .. } => {
            part(&mut ctx, args, &mut w)
        }
        // Connection commands and containers never reach a shard: the
        // connection runs the former and resolves the latter first.
        Exec::Gather(f) | Exec::Blocking(crate::blocking::BlockSpec { pop: f, .. }) => {
            crate::txn::gather::run_local(&mut ctx, args, op.spec.keys, f, &mut w);
            Part::Reply(start..out.len())
        }
        Exec::Transfer(parse) => {
            crate::txn::transfer::run_local(&mut ctx, args, parse, &mut w);
            Part::Reply(start..out.len())
        }
        Exec::Conn(_) | Exec::Container | Exec::Tx(_) => {
            w.error(b"ERR internal error: command cannot run on a shard");
            Part::Reply(start..out.len())
        }
    }
}

/// Where one op of a split command landed: which shard's sink, which part.
#[derive(Clone, Copy, Debug)]
pub struct PartRef {
    pub shard: usize,
    pub index: usize,
}

/// The parts of one split command, for its merge function.
pub struct Parts<'a> {
    pub sinks: &'a [Sink],
    pub refs: &'a [PartRef],
    /// For per-key commands: the shard of each key, in request order.
    pub key_shards: &'a [usize],
    /// The core the client is connected to.
    pub node: &'a Node,
    /// The request's arguments, name first.
    pub argv: &'a [Bytes],
}

impl<'a> Parts<'a> {
    /// Every part with the sink it lives in.
    pub fn iter(&self) -> impl Iterator<Item = (&'a Sink, &'a Part)> + '_ {
        self.refs.iter().filter_map(|r| {
            let sink = self.sinks.get(r.shard)?;
            Some((sink, sink.parts.get(r.index)?))
        })
    }

    /// The sum of Int parts.
    pub fn sum(&self) -> i64 {
        self.iter()
            .map(|(_, p)| match p {
                Part::Int(n) => *n,
                _ => 0,
            })
            .fold(0i64, i64::saturating_add)
    }

    /// The encoded items of a per-key command, in the order of its keys.
    pub fn items_in_key_order(&self) -> Vec<&'a [u8]> {
        let mut cursors: Vec<(usize, &'a Sink, &'a [Range<usize>], usize)> = Vec::new();
        for r in self.refs {
            if let Some(sink) = self.sinks.get(r.shard) {
                if let Some(Part::Items(items)) = sink.parts.get(r.index) {
                    cursors.push((r.shard, sink, items, 0));
                }
            }
        }
        let mut out = Vec::with_capacity(self.key_shards.len());
        for &s in self.key_shards {
            if let Some(c) = cursors.iter_mut().find(|c| c.0 == s) {
                if let Some(range) = c.2.get(c.3) {
                    out.push(c.1.bytes(range));
                    c.3 += 1;
                }
            }
        }
        out
    }

    /// A reply part passed through unchanged (errors, mostly).
    pub fn first_reply(&self) -> Option<&'a [u8]> {
        self.iter().find_map(|(s, p)| match p {
            Part::Reply(r) => Some(s.bytes(r)),
            _ => None,
        })
    }
}

/// Merge for commands whose parts are counts: the integer sum.
pub fn merge_sum(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    out.integer(parts.sum());
}

/// Merge for commands every shard answers OK (or an error) to.
pub fn merge_ok(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    match parts.first_reply() {
        Some(err) => out.buf().extend_from_slice(err),
        None => out.ok(),
    }
}

/// Merge for per-key reads: an array in the order of the keys.
pub fn merge_array_by_key(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    let items = parts.items_in_key_order();
    out.array(items.len());
    for it in items {
        out.buf().extend_from_slice(it);
    }
}

/// Merge for whole-keyspace listings: one array of every shard's items.
pub fn merge_array_concat(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    let total: usize = parts
        .iter()
        .map(|(_, p)| match p {
            Part::Items(v) => v.len(),
            _ => 0,
        })
        .sum();
    out.array(total);
    for (sink, p) in parts.iter() {
        if let Part::Items(v) = p {
            for r in v {
                out.buf().extend_from_slice(sink.bytes(r));
            }
        }
    }
}
