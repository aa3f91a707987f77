//! The connection as coordinator of transactions across shards: MULTI's
//! queue, EXEC, and multi-key commands whose keys live on several cores
//! (see `txn/` for the protocol and the shard's locks).

use super::{Connection, Coordinate, Planned};
use crate::command::table;
use crate::command::{CommandSpec, Exec, Flags, TxCmd};
use crate::commands::transactions;
use crate::dispatch::{OpHead, OpKind, Part};
use crate::global::unix_ms;
use crate::keyspace::{Value, ValueRef};
use crate::notify;
use crate::shard::shard_of;
use crate::txn::gather::{GatherCx, GatherFn};
use crate::txn::transfer::{self, Decision};
use crate::txn::TxId;
use bytes::{Bytes, BytesMut};
use futures_lite::{AsyncRead, AsyncWrite};
use shoal_proto::ReplyWriter;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

/// Commands queued between MULTI and EXEC.
/// They are kept as a batch of parsed requests is, so that EXEC plans them
/// with the same code.
#[derive(Default)]
pub struct Multi {
    args: Vec<Bytes>,
    requests: Vec<Range<usize>>,
    specs: Vec<Result<&'static CommandSpec, String>>,
    /// A command was rejected while queueing: EXEC answers EXECABORT.
    pub aborted: bool,
}

impl Multi {
    /// Commands queued.
    pub fn queued(&self) -> usize {
        self.requests.len()
    }

    /// Whether a queued command may grow memory (EXEC is then refused
    /// as they would be, when memory is full).
    pub fn may_grow_memory(&self) -> bool {
        self.specs.iter().any(|s| {
            s.as_ref()
                .is_ok_and(|spec| spec.flags.contains(Flags::DENYOOM))
        })
    }

    pub fn queue(&mut self, spec: &'static CommandSpec, argv: &[Bytes]) {
        let start = self.args.len();
        self.args.extend_from_slice(argv);
        self.requests.push(start..self.args.len());
        self.specs.push(Ok(spec));
    }
}

/// Whether `spec` is queued, rather than run, between MULTI and EXEC
/// (Redis runs EXEC, DISCARD, MULTI, WATCH, QUIT and RESET at once).
pub fn queues_in_multi(spec: &CommandSpec) -> bool {
    !matches!(
        spec.exec,
        Exec::Tx(TxCmd::Multi | TxCmd::Exec | TxCmd::Discard | TxCmd::Watch)
    ) && spec.name != "quit"
        && spec.name != "reset"
}

impl Connection {
    /// Plans MULTI, EXEC, DISCARD, WATCH or UNWATCH.
    pub(super) fn plan_tx_command(&mut self, spec: &'static CommandSpec, cmd: TxCmd) -> Planned {
        let in_multi = self.state.multi.is_some();
        match cmd {
            TxCmd::Multi if in_multi => self.fail(spec, "ERR MULTI calls can not be nested"),
            TxCmd::Multi => {
                self.state.multi = Some(Multi::default());
                self.ready_simple(b"OK");
            }
            TxCmd::Exec if !in_multi => self.fail(spec, "ERR EXEC without MULTI"),
            TxCmd::Exec => return Planned::Coordinate(Coordinate::Exec),
            TxCmd::Discard if !in_multi => self.fail(spec, "ERR DISCARD without MULTI"),
            TxCmd::Discard => {
                self.state.multi = None;
                self.state.unwatch_all();
                self.ready_simple(b"OK");
            }
            TxCmd::Watch if in_multi => self.fail(spec, "ERR WATCH inside MULTI is not allowed"),
            TxCmd::Watch => return Planned::Coordinate(Coordinate::Watch),
            // Inside EXEC, UNWATCH has nothing to do: EXEC forgets the
            // watched keys anyway.
            TxCmd::Unwatch if self.tx != TxId::NONE => self.ready_simple(b"OK"),
            TxCmd::Unwatch => {
                self.state.unwatch_all();
                self.ready_simple(b"OK");
            }
        }
        Planned::Done(true)
    }

    /// Runs request `i`, which the planner handed over (`what`), and
    /// answers it into the output buffer.
    pub(super) async fn run_coordinated<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        i: usize,
        what: Coordinate,
        stream: &mut S,
    ) -> u64 {
        match what {
            Coordinate::Atomic
            | Coordinate::Transfer(_)
            | Coordinate::Guarded
            | Coordinate::Gather(_) => {
                self.run_transaction(i..i + 1, None).await;
                0
            }
            Coordinate::Exec => self.exec().await,
            Coordinate::Block(b) => {
                self.block(i, b, stream).await;
                0
            }
            Coordinate::Watch => {
                self.watch(i).await;
                0
            }
            Coordinate::AfterQueued => {
                // What was queued before it has run and been answered: the
                // batch is direct again, so it runs now.
                self.begin_segment();
                self.plan(i);
                0
            }
        }
    }

    /// WATCH key [key ...]: registers the keys with their shards and
    /// remembers what each shard saw.
    async fn watch(&mut self, i: usize) {
        let argv = self.args[self.requests[i].clone()].to_vec();
        let db = self.state.db;
        let n = self.node.shard_count;
        let mut by_shard: BTreeMap<usize, Vec<Bytes>> = BTreeMap::new();
        for key in &argv[1..] {
            if self.state.watched.contains_key(&(db, key.clone())) {
                continue;
            }
            by_shard
                .entry(shard_of(key, n).0)
                .or_default()
                .push(key.clone());
        }
        // A key named twice is watched once.
        for keys in by_shard.values_mut() {
            keys.sort_unstable();
            keys.dedup();
        }
        self.begin_segment();
        let head = OpHead {
            kind: OpKind::Watch,
            ..self.head(transactions::exec_spec())
        };
        let mut sent = Vec::new();
        for (s, keys) in by_shard {
            let index = self.batches[s].push(&head, keys.iter());
            sent.push((s, index, keys));
        }
        self.dispatch().await;
        for (s, index, keys) in sent {
            if let Some(Part::Watch(marks)) = self.sinks[s].parts.get(index) {
                for (key, mark) in keys.into_iter().zip(marks) {
                    self.state.watched.insert((db, key), (s, *mark));
                }
            }
        }
        ReplyWriter::new(&mut self.outbuf, self.state.protocol).ok();
    }

    /// Tells the shards to forget the keys this client no longer watches.
    pub(super) async fn release_watches(&mut self) {
        if self.state.unwatch_due.is_empty() {
            return;
        }
        let due = std::mem::take(&mut self.state.unwatch_due);
        let mut groups: BTreeMap<(usize, usize), Vec<Bytes>> = BTreeMap::new();
        for ((db, key), (s, _)) in due {
            groups.entry((s, db)).or_default().push(key);
        }
        self.begin_segment();
        for ((s, db), keys) in groups {
            let head = OpHead {
                kind: OpKind::Unwatch,
                db,
                ..self.head(transactions::exec_spec())
            };
            self.batches[s].push(&head, keys.iter());
        }
        self.dispatch().await;
    }

    /// EXEC: runs the queued commands as one transaction. Returns how many
    /// commands ran.
    async fn exec(&mut self) -> u64 {
        let Some(multi) = self.state.multi.take() else {
            return 0;
        };
        if multi.aborted {
            self.state.unwatch_all();
            const ABORTED: &[u8] = b"EXECABORT Transaction discarded because of previous errors.";
            ReplyWriter::new(&mut self.outbuf, self.state.protocol).error(ABORTED);
            let mut stats = self.node.cmdstats.borrow_mut();
            if let Some(exec) = table::lookup(b"exec") {
                stats.ran(exec, 0, true, false);
            }
            stats.error(ABORTED);
            return 0;
        }
        let Multi {
            mut args,
            mut requests,
            mut specs,
            ..
        } = multi;
        let count = requests.len();
        std::mem::swap(&mut self.args, &mut args);
        std::mem::swap(&mut self.requests, &mut requests);
        std::mem::swap(&mut self.specs, &mut specs);
        let ran = self.run_transaction(0..count, Some(count)).await;
        if ran > 0 {
            // The queued commands ran: each is a call (EXEC's own is
            // counted by the batch).
            (0..count).for_each(|r| self.count_call(r));
            self.count_calls();
        }
        std::mem::swap(&mut self.args, &mut args);
        std::mem::swap(&mut self.requests, &mut requests);
        std::mem::swap(&mut self.specs, &mut specs);
        self.state.unwatch_all();
        ran
    }

    /// Runs requests `reqs` as one transaction and answers them. For EXEC
    /// (`array` is the reply's length) the watched keys are locked and
    /// checked too, and a modified one answers a null array instead.
    /// Returns how many commands ran (the batch counts them).
    pub(super) async fn run_transaction(
        &mut self,
        reqs: Range<usize>,
        array: Option<usize>,
    ) -> u64 {
        let me = self.node.id.0;
        let n = self.node.shard_count;
        // The keys to lock, by shard, and every shard the transaction touches.
        let mut keys: BTreeMap<usize, Vec<Bytes>> = BTreeMap::new();
        let mut touched: BTreeSet<usize> = BTreeSet::new();
        let mut whole = false;
        for r in reqs.clone() {
            let Ok(spec) = self.specs[r] else { continue };
            let argv = &self.args[self.requests[r].clone()];
            let mut has_keys = false;
            for p in spec.keys.positions(argv) {
                let s = shard_of(&argv[p], n).0;
                keys.entry(s).or_default().push(argv[p].clone());
                touched.insert(s);
                has_keys = true;
            }
            if n > 1 && spec.reads_named_keys(argv) {
                // SORT ... BY/GET: the keys it names may be anywhere.
                touched.extend(0..n);
                whole = true;
            }
            match spec.exec {
                Exec::AllShards { .. } => {
                    touched.extend(0..n);
                    // FLUSHALL, SWAPDB: every shard is held whole.
                    whole |= spec.flags.contains(Flags::WRITE);
                }
                Exec::Shard(_) | Exec::PerKey { .. } | Exec::Guarded { .. } if !has_keys => {
                    touched.insert(me);
                }
                Exec::Routed { route, .. } => {
                    if let Ok(s) = route(argv, n) {
                        touched.insert(s);
                    }
                }
                _ => {}
            }
        }
        // EXEC checks the watched keys, by shard and database.
        let mut checks: BTreeMap<(usize, usize), (Vec<Bytes>, Vec<Bytes>)> = BTreeMap::new();
        if array.is_some() {
            for ((db, key), (s, mark)) in &self.state.watched {
                keys.entry(*s).or_default().push(key.clone());
                touched.insert(*s);
                let (ks, marks) = checks.entry((*s, *db)).or_default();
                ks.push(key.clone());
                marks.push(mark.encode());
            }
        }
        for list in keys.values_mut() {
            list.sort_unstable();
            list.dedup();
        }
        let tx = self.node.new_tx();
        self.tx = tx;
        if !whole && touched.iter().all(|&s| s == me) {
            if let Some(ran) = self.run_here(reqs.clone(), array) {
                self.tx = TxId::NONE;
                return ran;
            }
        }
        let base = self.head(transactions::exec_spec());
        let at = |kind| OpHead { kind, ..base };
        // Where the answers of the watch checks will be.
        let mut check_refs: Vec<(usize, usize)> = Vec::new();
        let single = touched.len() <= 1;
        // One shard: its batch runs to the end at once, so a gate is enough.
        let key_lock = at(if single && !whole {
            OpKind::Gate
        } else {
            OpKind::Lock
        });
        let push_locks = |this: &mut Connection, s: usize, refs: &mut Vec<(usize, usize)>| {
            if whole {
                this.batches[s].push(&at(OpKind::LockWhole), []);
            }
            if let Some(list) = keys.get(&s) {
                this.batches[s].push(&key_lock, list.iter());
            }
            for ((_, db), (ks, marks)) in checks.range((s, 0)..(s + 1, 0)) {
                let check = OpHead {
                    kind: OpKind::CheckWatch,
                    db: *db,
                    ..base
                };
                let index = this.batches[s].push(&check, ks.iter().chain(marks));
                refs.push((s, index));
            }
        };
        let lock_order: Vec<usize> = if whole {
            (0..n).collect()
        } else {
            keys.keys().copied().collect()
        };
        let mut broken = false;
        let mut locked = Vec::new();
        if !single {
            // Lock shard after shard, in shard order, each grant awaited.
            for &s in &lock_order {
                self.begin_segment();
                let mut refs = Vec::new();
                push_locks(self, s, &mut refs);
                self.dispatch().await;
                locked.push(s);
                if self.watch_failed(&refs) {
                    broken = true;
                    break;
                }
            }
        }
        // A gate takes nothing, so it has nothing to give back.
        let push_unlocks = |this: &mut Connection, locked: &[usize]| {
            for &s in locked {
                match keys.get(&s) {
                    Some(list) if key_lock.kind == OpKind::Lock => {
                        this.batches[s].push(&at(OpKind::Unlock), list.iter());
                    }
                    _ => {}
                }
                if whole {
                    this.batches[s].push(&at(OpKind::UnlockWhole), []);
                }
            }
        };
        if broken {
            self.begin_segment();
            push_unlocks(self, &locked);
            self.dispatch().await;
            self.tx = TxId::NONE;
            ReplyWriter::new(&mut self.outbuf, self.state.protocol).null_array();
            return 0;
        }
        if let (false, Some(len)) = (single, array) {
            ReplyWriter::new(&mut self.outbuf, self.state.protocol).array(len);
        }
        // Plan the commands in runs; a transfer between two shards (which
        // needs a look at both keys before it writes) ends a run.
        let mut ran = 0u64;
        let mut r = reqs.start;
        loop {
            self.begin_segment();
            if single && r == reqs.start {
                for &s in &lock_order {
                    push_locks(self, s, &mut check_refs);
                }
                locked = lock_order.clone();
            }
            let mut handed = None;
            while r < reqs.end {
                match self.plan(r) {
                    Planned::Done(counted) => ran += u64::from(counted),
                    Planned::Coordinate(
                        what @ (Coordinate::Transfer(_)
                        | Coordinate::Guarded
                        | Coordinate::Gather(_)),
                    ) => {
                        ran += 1;
                        handed = Some(what);
                        break;
                    }
                    // Inside a transaction nothing else is handed over.
                    Planned::Coordinate(_) => {}
                }
                r += 1;
            }
            if handed.is_none() {
                push_unlocks(self, &locked);
            }
            self.dispatch().await;
            if single && self.watch_failed(&check_refs) {
                self.tx = TxId::NONE;
                ReplyWriter::new(&mut self.outbuf, self.state.protocol).null_array();
                return 0;
            }
            if let (true, Some(len)) = (single, array) {
                ReplyWriter::new(&mut self.outbuf, self.state.protocol).array(len);
            }
            self.assemble();
            match handed {
                Some(Coordinate::Transfer(parse)) => {
                    self.transfer(r, parse).await;
                    r += 1;
                }
                Some(Coordinate::Gather(f)) => {
                    self.gather(r, f).await;
                    r += 1;
                }
                Some(_) => {
                    // A guarded command: if no key exists, plan it again
                    // (now past its guard) at the head of the next run.
                    if self.guard_holds(r).await {
                        self.guard_passed = true;
                        ran -= 1;
                    } else {
                        ReplyWriter::new(&mut self.outbuf, self.state.protocol).integer(0);
                        r += 1;
                    }
                }
                None => break,
            }
        }
        self.tx = TxId::NONE;
        ran
    }

    /// Whether none of the keys of request `i` (a guarded command whose
    /// keys the transaction holds) exists.
    async fn guard_holds(&mut self, i: usize) -> bool {
        let n = self.node.shard_count;
        let Ok(spec) = self.specs[i] else {
            return false;
        };
        let argv = self.args[self.requests[i].clone()].to_vec();
        let exists = OpHead {
            kind: OpKind::Exists,
            ..self.head(spec)
        };
        self.begin_segment();
        let mut sent = Vec::new();
        for p in spec.keys.positions(&argv) {
            let s = shard_of(&argv[p], n).0;
            sent.push((s, self.batches[s].push(&exists, [&argv[p]])));
        }
        self.dispatch().await;
        sent.iter()
            .all(|&(s, i)| matches!(self.sinks[s].parts.get(i), Some(Part::Int(0))))
    }

    /// Request `i`, a gathering command over several shards, inside a
    /// transaction that holds its keys: peeks at every key, decides and
    /// answers, then sends the writes to their shards.
    async fn gather(&mut self, i: usize, f: GatherFn) {
        let Ok(spec) = self.specs[i] else { return };
        let argv = self.args[self.requests[i].clone()].to_vec();
        let n = self.node.shard_count;
        let base = self.head(transactions::exec_spec());
        let peek = OpHead {
            kind: OpKind::Peek,
            ..base
        };
        self.begin_segment();
        let mut peeks = Vec::new();
        for p in spec.keys.positions(&argv) {
            let s = shard_of(&argv[p], n).0;
            peeks.push((s, self.batches[s].push(&peek, [&argv[p]])));
        }
        self.dispatch().await;
        let entries: Vec<Option<Box<(Value, u64)>>> = peeks
            .iter()
            .map(|&(s, index)| match self.sinks[s].parts.get_mut(index) {
                Some(Part::Entry(e)) => e.take(),
                _ => None,
            })
            .collect();
        let sources: Vec<Option<ValueRef<'_>>> = entries
            .iter()
            .map(|e| e.as_ref().map(|e| e.0.view()))
            .collect();
        let proto_max_bulk_len = self.node.config().proto_max_bulk_len;
        // Keys named by what was read (SORT's patterns): a first run, whose
        // answer is dropped, says which; the transaction holds every shard,
        // so they are fetched as they are, and the command runs again.
        let mut named: HashMap<Bytes, Value> = HashMap::new();
        if spec.reads_named_keys(&argv) {
            let wanted: RefCell<Vec<Bytes>> = RefCell::default();
            let record = |key: &[u8]| {
                wanted.borrow_mut().push(Bytes::copy_from_slice(key));
                None
            };
            let cx = GatherCx {
                proto_max_bulk_len,
                named: &record,
            };
            let mut scratch = BytesMut::new();
            f(
                &argv,
                &sources,
                &mut ReplyWriter::new(&mut scratch, self.state.protocol),
                &cx,
            );
            let mut wanted = wanted.into_inner();
            wanted.sort_unstable();
            wanted.dedup();
            named = self.peek_all(&wanted).await;
        }
        let lookup = |key: &[u8]| named.get(key).map(Value::view);
        let cx = GatherCx {
            proto_max_bulk_len,
            named: &lookup,
        };
        let start = self.outbuf.len();
        self.node.restart_clock();
        let writes = f(
            &argv,
            &sources,
            &mut ReplyWriter::new(&mut self.outbuf, self.state.protocol),
            &cx,
        );
        self.would_wait = writes.wait;
        if !writes.wait {
            let reply = &self.outbuf[start..];
            if let Some(micros) = crate::cmdstats::record_here(&self.node, spec, reply) {
                self.log_slow(spec, self.requests[i].clone(), micros);
            }
        }
        for key in &writes.missed {
            self.node
                .notifier
                .emit(self.state.db, notify::KEY_MISS, "keymiss", key);
        }
        if writes.commands.is_empty() && writes.events.is_none() {
            self.node.publish_events();
            return;
        }
        // Writes whose events the command reports itself record none.
        let kind = match writes.events {
            Some(_) => OpKind::Quiet,
            None => OpKind::Command,
        };
        self.begin_segment();
        for write in &writes.commands {
            let Some(spec) = write.first().and_then(|name| table::lookup(name)) else {
                continue;
            };
            let Some(p) = spec.keys.positions(write).next() else {
                continue;
            };
            let s = shard_of(&write[p], n).0;
            let head = OpHead { spec, kind, ..base };
            self.batches[s].push(&head, write.iter());
        }
        self.dispatch().await;
        for (class, name, key) in writes.events.iter().flatten() {
            self.node.notifier.emit(self.state.db, *class, name, key);
        }
        self.node.publish_events();
    }

    /// The live values of `keys`, in the connection's database, fetched
    /// from their shards (inside a transaction that holds them).
    async fn peek_all(&mut self, keys: &[Bytes]) -> HashMap<Bytes, Value> {
        let n = self.node.shard_count;
        let peek = OpHead {
            kind: OpKind::Peek,
            ..self.head(transactions::exec_spec())
        };
        self.begin_segment();
        let sent: Vec<(usize, usize)> = keys
            .iter()
            .map(|k| {
                let s = shard_of(k, n).0;
                (s, self.batches[s].push(&peek, [k]))
            })
            .collect();
        self.dispatch().await;
        keys.iter()
            .zip(sent)
            .filter_map(|(k, (s, i))| match self.sinks[s].parts.get_mut(i) {
                Some(Part::Entry(e)) => e.take().map(|e| (k.clone(), e.0)),
                _ => None,
            })
            .collect()
    }

    /// Request `i`, a RENAME, RENAMENX or COPY between keys on two shards,
    /// inside a transaction that holds both keys: looks at the source and
    /// the destination, then writes, and answers.
    async fn transfer(&mut self, i: usize, parse: transfer::ParseFn) {
        let argv = &self.args[self.requests[i].clone()];
        let databases = self.node.config().databases;
        let db = self.state.db;
        let t = match parse(argv, databases).and_then(|t| transfer::check(&t, db).map(|()| t)) {
            Ok(t) => t,
            Err(e) => {
                return ReplyWriter::new(&mut self.outbuf, self.state.protocol)
                    .error(e.text().as_bytes())
            }
        };
        let n = self.node.shard_count;
        let (a, b) = (shard_of(&t.src, n).0, shard_of(&t.dst, n).0);
        let dst_db = t.dst_db.unwrap_or(db);
        let base = self.head(transactions::exec_spec());
        let at = |kind, db| OpHead { kind, db, ..base };
        self.begin_segment();
        let peek = self.batches[a].push(&at(OpKind::Peek, db), [&t.src]);
        let exists = self.batches[b].push(&at(OpKind::Exists, dst_db), [&t.dst]);
        self.dispatch().await;
        let entry = match self.sinks[a].parts.get_mut(peek) {
            Some(Part::Entry(e)) => e.take(),
            _ => None,
        };
        let dst_exists = matches!(self.sinks[b].parts.get(exists), Some(Part::Int(1)));
        let mut w = ReplyWriter::new(&mut self.outbuf, self.state.protocol);
        if transfer::decide(&t, db, entry.is_some(), dst_exists, &mut w) == Decision::Answer {
            return;
        }
        let Some(entry) = entry else { return };
        let (value, expire_at_ms) = *entry;
        self.begin_segment();
        if !t.keep_src {
            self.batches[a].push(&at(OpKind::Delete, db), [&t.src]);
        }
        // Redis deletes the destination, then adds the key anew ("new").
        self.batches[b].push(&at(OpKind::Delete, dst_db), [&t.dst]);
        let put = self.batches[b].push(&at(OpKind::Put, dst_db), [&t.dst]);
        self.batches[b].values.push((put, value, expire_at_ms));
        self.dispatch().await;
        for (event_db, name, key) in transfer::events(&t, db, dst_db) {
            self.node
                .notifier
                .emit(event_db, notify::GENERIC, name, key);
        }
        self.node.publish_events();
        transfer::answer_done(
            &t,
            &mut ReplyWriter::new(&mut self.outbuf, self.state.protocol),
        );
    }

    /// The fast path of a transaction that touches only this core's shard
    /// while no lock is held on it: the commands run inline, one after
    /// another, with nothing in between. Returns how many ran, or `None`
    /// (having done nothing) when a lock is held.
    fn run_here(&mut self, reqs: Range<usize>, array: Option<usize>) -> Option<u64> {
        let now = unix_ms();
        {
            let shard = self.node.shard.borrow();
            if shard.locks.any_held() {
                return None;
            }
            let broken = array.is_some()
                && self
                    .state
                    .watched
                    .iter()
                    .any(|((db, key), (_, mark))| shard.dbs[*db].watch_broken(key, *mark, now));
            if broken {
                drop(shard);
                ReplyWriter::new(&mut self.outbuf, self.state.protocol).null_array();
                return Some(0);
            }
        }
        if let Some(len) = array {
            ReplyWriter::new(&mut self.outbuf, self.state.protocol).array(len);
        }
        self.begin_segment();
        self.direct = true;
        let mut ran = 0;
        for r in reqs {
            if let Planned::Done(true) = self.plan(r) {
                ran += 1;
            }
        }
        debug_assert!(self.direct, "a local transaction runs inline");
        // Clients waiting on keys the transaction created.
        crate::blocking::serve_ready(&self.node, &mut self.node.shard.borrow_mut(), unix_ms());
        if self.node.notifier.pending() {
            self.node.publish_events();
        }
        Some(ran)
    }

    /// Whether one of the watch checks at `refs` (shard, part index) found a
    /// modified key.
    fn watch_failed(&self, refs: &[(usize, usize)]) -> bool {
        refs.iter()
            .any(|&(s, i)| matches!(self.sinks[s].parts.get(i), Some(Part::Int(1))))
    }

    /// After the client is gone: the shards forget its watched keys.
    pub async fn finish(&mut self) {
        let id = self.state.id;
        self.state
            .subs
            .clear(&mut self.node.pubsub.borrow_mut(), id);
        self.state.unwatch_all();
        self.release_watches().await;
    }
}
