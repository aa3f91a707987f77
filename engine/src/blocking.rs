//! Blocking commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
//! BZPOPMAX, BZMPOP): the clients a shard has waiting for its keys, and how
//! they are served.
//!
//! A blocking command is its non-blocking form, a gathering command (see
//! `txn/gather.rs`) that pops from the first of its keys holding something,
//! plus a wait. The connection sends a `Block` op to every shard that owns
//! a key the command waits on; the shard tries it at once and, if nothing
//! is there, keeps it here, queued under each of those keys in arrival
//! order. Only a key that does not exist can be waited on (an empty list or
//! sorted set does not exist), so a key becomes *ready* when a write
//! creates it. After the command that created it, or, inside a transaction,
//! once the transaction has let go of the key, the clients waiting on it
//! are served in order while it holds something for them, as Redis's
//! `handleClientsBlockedOnKeys` does; a client served by a move (BLMOVE)
//! may make its destination ready in turn.
//!
//! A client waiting on keys of several shards has one [`Claim`] shared by
//! all its ops. Whoever sets it first wins: a shard about to serve the
//! client, or the connection giving up (timeout, disconnect). So a client
//! is served at most once, and the connection then withdraws the ops still
//! waiting (`Unblock`). A command over keys of several shards is first
//! tried as a transaction over all of them, so that, as in Redis, it pops
//! from the first ready key in argument order.
//!
//! BLMOVE whose destination lives on another shard cannot be served on its
//! source's shard alone: that shard claims the client and answers
//! [`RETRY`], and the connection runs the move again as a transaction over
//! both shards (waiting anew if the source is empty by then).

use crate::command::{CommandSpec, Exec};
use crate::dispatch::{Op, Part, ShardBatch, Sink};
use crate::keyspace::ValueRef;
use crate::node::Node;
use crate::shard::{shard_of, Shard, ShardCtx};
use crate::txn::gather::{self, GatherCx, GatherFn};
use crate::txn::locks::Done;
use bytes::{Bytes, BytesMut};
use shoal_proto::ReplyWriter;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// How a command blocks: see the module documentation.
#[derive(Clone, Copy, Debug)]
pub struct BlockSpec {
    /// The non-blocking form over the command's own arguments: pops from
    /// the first key holding something, or, when none does, answers what
    /// the command answers at its timeout and returns [`gather::Writes`]
    /// with `wait` set. It checks the arguments (timeout included) in
    /// Redis's order.
    pub pop: GatherFn,
    /// What the command waits for.
    pub waits_for: Waits,
    /// Only the first key is waited on (BLMOVE's destination is not).
    pub first_key_only: bool,
    /// Where the timeout is: 1, or -1 for the last argument.
    pub timeout_at: i32,
}

/// The type of value a blocking command pops from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waits {
    List,
    ZSet,
}

impl Waits {
    /// Whether `value` is something to pop from (an existing list or
    /// sorted set is never empty).
    pub fn ready(self, value: ValueRef<'_>) -> bool {
        match self {
            Waits::List => matches!(value, ValueRef::List(_)),
            Waits::ZSet => matches!(value, ValueRef::ZSet(_)),
        }
    }
}

/// Set once by whoever ends a client's wait: see the module documentation.
pub type Claim = Arc<AtomicBool>;

/// Takes `claim`; false if someone already has.
pub fn take(claim: &Claim) -> bool {
    claim
        .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
        .is_ok()
}

/// The part of a `Block` op that did not serve its client (withdrawn, or
/// claimed elsewhere).
pub const NOT_SERVED: i64 = 0;
/// The part of a `Block` op whose client must run its command again as a
/// transaction (BLMOVE to another shard).
pub const RETRY: i64 = 1;

/// The error Redis answers for a negative timeout.
pub const NEGATIVE: &str = "ERR timeout is negative";
/// The error Redis answers for a timeout that is not a number.
pub const NOT_A_FLOAT: &str = "ERR timeout is not a float or out of range";

/// A blocking command's timeout, in milliseconds (0: wait for ever), or
/// Redis's error for it.
pub fn parse_timeout(text: &[u8]) -> Result<u64, &'static str> {
    let ms = crate::command::long_double::timeout_ms(text).ok_or(NOT_A_FLOAT)?;
    u64::try_from(ms).map_err(|_| NEGATIVE)
}

/// The timeout argument of a blocking command's `argv`, parsed.
pub fn timeout_of(b: &BlockSpec, argv: &[Bytes]) -> Result<u64, &'static str> {
    let at = if b.timeout_at < 0 {
        argv.len().checked_sub(b.timeout_at.unsigned_abs() as usize)
    } else {
        Some(b.timeout_at as usize)
    };
    at.and_then(|at| argv.get(at))
        .map_or(Err(NOT_A_FLOAT), |t| parse_timeout(t))
}

/// The key positions of `argv` a command of `spec` waits on.
pub fn waited_positions(spec: &CommandSpec, b: &BlockSpec, argv: &[Bytes]) -> Vec<usize> {
    let keys = spec.keys.positions(argv);
    if b.first_key_only {
        keys.take(1).collect()
    } else {
        keys.collect()
    }
}

/// A `Block` op that found nothing: its batch (the op is the batch's last),
/// kept until the client is served or withdraws.
pub struct Waiter {
    pub batch: ShardBatch,
    pub sink: Sink,
    /// The index of the `Block` op in the batch.
    pub at: usize,
    pub done: Done,
}

impl Waiter {
    fn op(&self) -> &Op {
        &self.batch.ops[self.at]
    }
    fn argv(&self) -> &[Bytes] {
        &self.batch.args[self.op().args.clone()]
    }
}

/// The clients waiting on this shard, by client id (a client blocks on
/// one command at a time). Which keys they wait on, in order, is kept by
/// each database (`Db::block`).
#[derive(Default)]
pub struct Waiting {
    clients: HashMap<u64, Waiter, ahash::RandomState>,
}

impl Waiting {
    /// Whether no client waits here: then nothing is ever ready.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }
}

/// The blocking spec of `op`, if its command blocks.
fn spec_of(op: &Op) -> Option<BlockSpec> {
    match op.spec.exec {
        Exec::Blocking(b) => Some(b),
        _ => None,
    }
}

/// What became of one attempt to serve a client.
enum Served {
    /// Answered (or told to retry): its wait is over.
    Done,
    /// Nothing for it here now: it goes on waiting.
    NotReady,
    /// One of its keys is held by a transaction: try again when released.
    Locked,
}

/// A `Block` op's first try, when it reaches the shard: serves the client
/// from this shard's keys if one holds something, and gives the op's part;
/// `None` when the client must wait.
pub fn try_now(
    node: &Node,
    shard: &mut Shard,
    now_ms: u64,
    op: &Op,
    batch: &ShardBatch,
    out: &mut BytesMut,
) -> Option<Part> {
    let Some(b) = spec_of(op) else {
        return Some(Part::Int(NOT_SERVED));
    };
    let claim = batch.claim.clone().unwrap_or_default();
    if claim.load(Ordering::Acquire) {
        return Some(Part::Int(NOT_SERVED));
    }
    let argv = &batch.args[op.args.clone()];
    match attempt(node, shard, now_ms, op, &b, argv, None, &claim, out) {
        (Served::Done, part) => part,
        _ => None,
    }
}

/// Tries to serve the client of `op` (arguments `argv`) from this shard:
/// from `ready` alone when given (a key that just became ready), else from
/// every key of the command this shard owns.
#[allow(clippy::too_many_arguments)]
fn attempt(
    node: &Node,
    shard: &mut Shard,
    now_ms: u64,
    op: &Op,
    b: &BlockSpec,
    argv: &[Bytes],
    ready: Option<&[u8]>,
    claim: &Claim,
    out: &mut BytesMut,
) -> (Served, Option<Part>) {
    let (me, n) = (node.id.0, node.shard_count);
    let positions: Vec<usize> = op.spec.keys.positions(argv).collect();
    let waited = if b.first_key_only {
        positions.len().min(1)
    } else {
        positions.len()
    };
    if shard.locks.any_held() && shard.locks.blocks(op, argv) {
        return (Served::Locked, None);
    }
    let db = &shard.dbs[op.db];
    let local = |p: usize| shard_of(&argv[p], n).0 == me;
    if !positions.iter().all(|&p| local(p)) && b.first_key_only {
        // BLMOVE to another shard: the connection moves it.
        let src = positions.first().map(|&p| &argv[p]);
        let ready_here = src.is_some_and(|k| {
            ready.is_none_or(|r| r == &k[..])
                && db.live(k, now_ms).is_some_and(|v| b.waits_for.ready(v))
        });
        if !ready_here {
            return (Served::NotReady, None);
        }
        if !take(claim) {
            return (Served::Done, Some(Part::Int(NOT_SERVED)));
        }
        return (Served::Done, Some(Part::Int(RETRY)));
    }
    let sources: Vec<Option<ValueRef<'_>>> = positions
        .iter()
        .enumerate()
        .map(|(j, &p)| {
            let key = &argv[p];
            let wanted = j >= waited || ready.is_none_or(|r| r == &key[..]);
            let value = (wanted && local(p)).then(|| db.live(key, now_ms)).flatten();
            match (ready, value) {
                // A key that became ready serves only a client waiting for
                // its type (Redis 7.0 leaves the others waiting).
                (Some(r), Some(v)) if r == &key[..] && !b.waits_for.ready(v) => None,
                (_, v) => v,
            }
        })
        .collect();
    let cx = GatherCx {
        proto_max_bulk_len: node.config().proto_max_bulk_len,
        named: &gather::no_named_keys,
    };
    let start = out.len();
    let writes = (b.pop)(argv, &sources, &mut ReplyWriter::new(out, op.protocol), &cx);
    drop(sources);
    if writes.wait {
        out.truncate(start);
        return (Served::NotReady, None);
    }
    if !take(claim) {
        out.truncate(start);
        return (Served::Done, Some(Part::Int(NOT_SERVED)));
    }
    let mut ctx = ShardCtx::for_op(shard, node, op, now_ms);
    gather::apply(&mut ctx, &writes);
    (Served::Done, Some(Part::Reply(start..out.len())))
}

/// Keeps `waiter` until it is served or withdrawn, queued under each key
/// of this shard it waits on.
pub fn park(node: &Node, shard: &mut Shard, waiter: Waiter) {
    let op = waiter.op();
    let Some(b) = spec_of(op) else {
        return finish(waiter, NOT_SERVED);
    };
    let (me, n) = (node.id.0, node.shard_count);
    let (client, db) = (op.client_id, op.db);
    let argv = waiter.argv();
    let mut keys: Vec<Bytes> = waited_positions(op.spec, &b, argv)
        .into_iter()
        .map(|p| argv[p].clone())
        .filter(|k| shard_of(k, n).0 == me)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    for k in &keys {
        shard.dbs[db].block(k, client);
    }
    if let Some(old) = shard.waiting.clients.insert(client, waiter) {
        // A client waits for one command at a time, and withdraws an op
        // before it sends another; this one was left by a client gone.
        forget(shard, node, &old);
        finish(old, NOT_SERVED);
    }
}

/// Withdraws the op of `client` that holds `claim`, if it still waits:
/// it answers [`NOT_SERVED`].
pub fn withdraw(node: &Node, shard: &mut Shard, client: u64, claim: Option<&Claim>) {
    let matches =
        shard
            .waiting
            .clients
            .get(&client)
            .is_some_and(|w| match (w.batch.claim.as_ref(), claim) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                _ => true,
            });
    if !matches {
        return;
    }
    if let Some(w) = shard.waiting.clients.remove(&client) {
        forget(shard, node, &w);
        finish(w, NOT_SERVED);
    }
    if shard.waiting.is_empty() {
        shard.dbs.iter_mut().for_each(|d| d.clear_ready());
    }
}

/// Removes a waiter that left from the queues of its keys.
fn forget(shard: &mut Shard, node: &Node, w: &Waiter) {
    let op = w.op();
    let Some(b) = spec_of(op) else { return };
    let argv = w.argv();
    let db = &mut shard.dbs[op.db];
    for p in waited_positions(op.spec, &b, argv) {
        if shard_of(&argv[p], node.shard_count).0 == node.id.0 {
            db.unblock(&argv[p], op.client_id);
        }
    }
}

/// Hands a waiter's batch back with `part` as its op's answer.
fn finish(mut w: Waiter, part: i64) {
    w.sink.parts.push(Part::Int(part));
    (w.done)(w.batch, w.sink);
}

/// Serves the clients waiting on keys that writes made ready, in the
/// order they started waiting, as long as each key holds something for
/// them. A key a transaction holds stays ready until it lets go.
pub fn serve_ready(node: &Node, shard: &mut Shard, now_ms: u64) {
    if shard.waiting.is_empty() {
        return;
    }
    let mut locked: Vec<(usize, Box<[u8]>)> = Vec::new();
    loop {
        let next = shard
            .dbs
            .iter_mut()
            .enumerate()
            .find_map(|(i, db)| db.next_ready().map(|k| (i, k)));
        let Some((db, key)) = next else { break };
        let queue = shard.dbs[db].waiting_on(&key);
        for client in queue {
            let Some(mut w) = shard.waiting.clients.remove(&client) else {
                continue;
            };
            let Some(b) = spec_of(w.op()) else { continue };
            let claim = w.batch.claim.clone().unwrap_or_default();
            let (op, args) = (&w.batch.ops[w.at], &w.batch.args);
            let argv = &args[op.args.clone()];
            let (served, part) = attempt(
                node,
                shard,
                now_ms,
                op,
                &b,
                argv,
                Some(&key),
                &claim,
                &mut w.sink.out,
            );
            match served {
                Served::Done => {
                    forget(shard, node, &w);
                    if let Some(part) = part {
                        w.sink.parts.push(part);
                    }
                    (w.done)(w.batch, w.sink);
                }
                Served::NotReady => {
                    shard.waiting.clients.insert(client, w);
                }
                Served::Locked => {
                    shard.waiting.clients.insert(client, w);
                    locked.push((db, key.clone()));
                    break;
                }
            }
        }
    }
    if shard.waiting.is_empty() {
        return;
    }
    for (db, key) in locked {
        shard.dbs[db].mark_ready(&key);
    }
}
