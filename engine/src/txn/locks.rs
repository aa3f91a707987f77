//! A shard's intent locks and the work parked behind them.
//!
//! A transaction that spans shards (MULTI/EXEC, or one multi-key command
//! whose keys live on several cores) locks its keys on every shard before
//! any of it runs, and unlocks them after all of it ran. While a key is
//! locked, any other command that touches it waits: the rest of its batch
//! is parked here, in arrival order, and resumes when the lock is released.
//! Commands on other keys never wait. When no lock is held (the common
//! case) the only cost on the data path is one comparison.
//!
//! Lock requests are granted all-or-nothing per shard, and shards are
//! locked one after another in shard order, so two transactions never wait
//! for each other in a cycle. A waiting lock request reserves its keys
//! against later requests, so a transaction is not starved by others that
//! keep locking one of its keys.

use super::TxId;
use crate::command::Flags;
use crate::dispatch::{Op, OpKind, ShardBatch, Sink};
use bytes::Bytes;
use std::collections::{HashMap, HashSet, VecDeque};

/// Called with the batch and its sink once parked work has finished.
pub type Done = Box<dyn FnOnce(ShardBatch, Sink)>;

/// A batch that stopped at an op that must wait for a lock.
pub struct Parked {
    pub batch: ShardBatch,
    pub sink: Sink,
    /// The index of the op that waits.
    pub next: usize,
    pub done: Done,
}

type KeyMap<V> = HashMap<Bytes, V, ahash::RandomState>;

/// The locks held on one shard and the work waiting. A lock is on a key
/// name in every database: a transaction that moves a key between
/// databases (MOVE, COPY ... DB) needs no more, and locking a name in the
/// databases a transaction does not use only makes others wait.
#[derive(Default)]
pub struct Locks {
    held: KeyMap<TxId>,
    /// A transaction that holds the whole shard (FLUSHALL, SWAPDB).
    whole: Option<TxId>,
    parked: VecDeque<Parked>,
}

impl Locks {
    /// Whether some key is locked. While none is, nothing is checked.
    pub fn any_held(&self) -> bool {
        !self.held.is_empty() || self.whole.is_some()
    }

    /// Keys locked now.
    pub fn held_count(&self) -> usize {
        self.held.len()
    }

    /// Batches waiting now.
    pub fn parked_count(&self) -> usize {
        self.parked.len()
    }

    fn holder(&self, key: &[u8]) -> Option<TxId> {
        self.held.get(key).copied()
    }

    /// Whether `op` (its arguments are `args`) must wait.
    pub fn blocks(&self, op: &Op, args: &[Bytes]) -> bool {
        let others_hold = |k: &[u8]| self.holder(k).is_some_and(|t| t != op.tx);
        match op.kind {
            // Releases never wait.
            OpKind::Unlock | OpKind::UnlockWhole | OpKind::Unwatch | OpKind::Unblock => false,
            // Everything else waits while another transaction holds the
            // whole shard.
            _ if self.whole.is_some_and(|t| t != op.tx) => true,
            OpKind::Watch | OpKind::CheckWatch => false,
            // Behind every key held by others and every request ahead.
            OpKind::LockWhole => self.held.values().any(|&t| t != op.tx) || !self.parked.is_empty(),
            // A transfer's reads and writes run under its own locks.
            OpKind::Peek | OpKind::Put | OpKind::Exists | OpKind::Delete => {
                args.first().is_some_and(|k| others_hold(k))
            }
            OpKind::Lock | OpKind::Gate => {
                args.iter().any(|k| others_hold(k))
                    || (!self.parked.is_empty()
                        && match self.wanted() {
                            None => !args.is_empty(),
                            Some(wanted) => args.iter().any(|k| wanted.contains(&k[..])),
                        })
            }
            OpKind::Command | OpKind::Quiet | OpKind::Block => {
                if !self.any_held() {
                    return false;
                }
                let mut keys = op.spec.keys.positions(args).peekable();
                if keys.peek().is_none() {
                    // A write without keys (FLUSHDB) waits for every
                    // transaction of others to end.
                    return op.spec.flags.contains(Flags::WRITE) && op.tx == TxId::NONE;
                }
                keys.any(|p| others_hold(&args[p]))
            }
        }
    }

    /// The keys parked lock requests want (they are ahead in line), once
    /// for all of a request's keys; `None` when one wants the whole shard.
    fn wanted(&self) -> Option<HashSet<&[u8]>> {
        let mut keys = HashSet::new();
        for p in &self.parked {
            let Some(op) = p.batch.ops.get(p.next) else {
                continue;
            };
            match op.kind {
                OpKind::LockWhole => return None,
                OpKind::Lock | OpKind::Gate => {
                    keys.extend(p.batch.args[op.args.clone()].iter().map(|k| &k[..]));
                }
                _ => {}
            }
        }
        Some(keys)
    }

    /// Holds the whole shard for `tx`. The caller checked [`Locks::blocks`].
    pub fn lock_whole(&mut self, tx: TxId) {
        self.whole = Some(tx);
    }

    /// Releases the whole shard if `tx` holds it.
    pub fn unlock_whole(&mut self, tx: TxId) {
        if self.whole == Some(tx) {
            self.whole = None;
        }
    }

    /// Locks `keys` for `tx`. The caller checked [`Locks::blocks`].
    pub fn lock(&mut self, tx: TxId, keys: &[Bytes]) {
        for k in keys {
            self.held.insert(k.clone(), tx);
        }
    }

    /// Releases the locks `tx` holds on `keys`.
    pub fn unlock(&mut self, tx: TxId, keys: &[Bytes]) {
        for k in keys {
            if self.held.get(&k[..]) == Some(&tx) {
                self.held.remove(&k[..]);
            }
        }
    }

    /// Queues a batch behind the locks.
    pub fn park(&mut self, parked: Parked) {
        self.parked.push_back(parked);
    }

    /// Takes every parked batch, in arrival order, to try again.
    pub fn take_parked(&mut self) -> VecDeque<Parked> {
        std::mem::take(&mut self.parked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::table::lookup;
    use crate::dispatch::OpHead;
    use shoal_proto::Protocol;

    fn head(kind: OpKind, tx: u64) -> OpHead {
        OpHead {
            spec: lookup(b"get").expect("GET"),
            kind,
            tx: TxId(tx),
            db: 0,
            protocol: Protocol::Resp2,
            client_id: 1,
        }
    }

    /// A batch of one op over `args`, and whether the locks block it.
    fn blocked(locks: &Locks, kind: OpKind, tx: u64, args: &[&str]) -> bool {
        let mut batch = ShardBatch::default();
        let args: Vec<Bytes> = args
            .iter()
            .map(|a| Bytes::copy_from_slice(a.as_bytes()))
            .collect();
        batch.push(&head(kind, tx), args.iter());
        locks.blocks(&batch.ops[0], &batch.args)
    }

    fn keys(names: &[&str]) -> Vec<Bytes> {
        names
            .iter()
            .map(|n| Bytes::copy_from_slice(n.as_bytes()))
            .collect()
    }

    #[test]
    fn a_locked_key_stops_others_only() {
        let mut locks = Locks::default();
        assert!(!locks.any_held());
        assert!(!blocked(&locks, OpKind::Command, 0, &["get", "k"]));
        locks.lock(TxId(7), &keys(&["k"]));
        assert!(locks.any_held());
        assert!(blocked(&locks, OpKind::Command, 0, &["get", "k"]));
        assert!(!blocked(&locks, OpKind::Command, 0, &["get", "other"]));
        assert!(!blocked(&locks, OpKind::Command, 7, &["get", "k"]));
        assert!(blocked(&locks, OpKind::Lock, 8, &["k"]));
        assert!(blocked(&locks, OpKind::Gate, 8, &["x", "k"]));
        assert!(!blocked(&locks, OpKind::Unlock, 8, &["k"]));
        // Another transaction's unlock releases nothing.
        locks.unlock(TxId(8), &keys(&["k"]));
        assert_eq!(locks.held_count(), 1);
        locks.unlock(TxId(7), &keys(&["k"]));
        assert!(!locks.any_held());
        assert!(!blocked(&locks, OpKind::Command, 0, &["get", "k"]));
    }

    #[test]
    fn a_waiting_lock_request_keeps_its_place() {
        let mut locks = Locks::default();
        locks.lock(TxId(1), &keys(&["a"]));
        // Transaction 2 waits for a and b.
        let mut batch = ShardBatch::default();
        batch.push(&head(OpKind::Lock, 2), keys(&["a", "b"]).iter());
        assert!(locks.blocks(&batch.ops[0], &batch.args));
        locks.park(Parked {
            batch,
            sink: Sink::default(),
            next: 0,
            done: Box::new(|_, _| {}),
        });
        assert_eq!(locks.parked_count(), 1);
        // Transaction 3 may not take b ahead of it, nor the whole shard,
        // but a plain command on b still runs (b is not held).
        assert!(blocked(&locks, OpKind::Lock, 3, &["b"]));
        assert!(blocked(&locks, OpKind::LockWhole, 3, &[]));
        assert!(!blocked(&locks, OpKind::Command, 0, &["get", "b"]));
        assert!(!blocked(&locks, OpKind::Lock, 3, &["c"]));
        assert_eq!(locks.take_parked().len(), 1);
    }

    #[test]
    fn the_whole_shard_waits_for_keys_and_stops_everything() {
        let mut locks = Locks::default();
        locks.lock(TxId(1), &keys(&["a"]));
        assert!(blocked(&locks, OpKind::LockWhole, 2, &[]));
        locks.unlock(TxId(1), &keys(&["a"]));
        assert!(!blocked(&locks, OpKind::LockWhole, 2, &[]));
        locks.lock_whole(TxId(2));
        assert!(locks.any_held());
        assert!(blocked(&locks, OpKind::Command, 0, &["get", "anything"]));
        assert!(blocked(&locks, OpKind::Lock, 3, &["anything"]));
        assert!(!blocked(&locks, OpKind::Command, 2, &["get", "anything"]));
        assert!(!blocked(&locks, OpKind::UnlockWhole, 3, &[]));
        locks.unlock_whole(TxId(3));
        assert!(locks.any_held());
        locks.unlock_whole(TxId(2));
        assert!(!locks.any_held());
    }
}
