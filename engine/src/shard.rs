//! A shard: the part of the keyspace one core owns (its slots), in every
//! database. Handlers that run on a shard are plain functions that run to
//! completion; what they checked at their start is still true at their end.

use crate::blocking::Waiting;
use crate::evict::Evictor;
use crate::hotkeys::HotKeys;
use crate::keyspace::access::Access;
use crate::keyspace::{Db, Swept};
use crate::node::Node;
use crate::notify::Notifier;
use crate::txn::locks::Locks;
use shoal_cluster::{key_slot, SLOT_COUNT};
use std::rc::Rc;

/// Index of a shard (and of the core that owns it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShardId(pub usize);

/// Which shard owns `key` when there are `shard_count` shards: slots are
/// split into contiguous ranges, one per shard.
pub fn shard_of(key: &[u8], shard_count: usize) -> ShardId {
    if shard_count == 1 {
        return ShardId(0);
    }
    let slot = key_slot(key).index();
    ShardId(slot * shard_count / usize::from(SLOT_COUNT))
}

/// Counters a shard keeps for INFO.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShardStats {
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
}

pub struct Shard {
    pub id: ShardId,
    pub dbs: Vec<Db>,
    pub stats: ShardStats,
    /// Keys locked by transactions, and the work waiting for them.
    pub locks: Locks,
    /// Clients of blocking commands waiting for this shard's keys.
    pub waiting: Waiting,
    /// What eviction keeps (see `evict.rs`).
    pub evictor: Evictor,
    /// HOTKEYS' session on this shard (see `hotkeys/`).
    pub hotkeys: HotKeys,
    rng: u64,
}

impl Shard {
    pub fn new(
        id: ShardId,
        databases: usize,
        seed: u64,
        notifier: &Rc<Notifier>,
        access: &Rc<Access>,
    ) -> Shard {
        let hasher = ahash::RandomState::new();
        let dbs = (0..databases)
            .map(|i| Db::attached(hasher.clone(), i, notifier.clone(), access.clone()))
            .collect();
        Shard {
            id,
            dbs,
            stats: ShardStats::default(),
            locks: Locks::default(),
            waiting: Waiting::default(),
            evictor: Evictor::default(),
            hotkeys: HotKeys::default(),
            rng: seed | 1,
        }
    }

    /// A pseudo-random number (xorshift64*); not for anything secret.
    pub fn next_random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Keys that expired and were removed, all databases.
    pub fn expired_keys(&self) -> u64 {
        self.dbs.iter().map(|d| d.expired_total).sum()
    }

    /// One step of active expiry over every database, bounded per database.
    pub fn sweep_expired(&mut self, budget: usize, now_ms: u64) -> Swept {
        let mut swept = Swept::default();
        for d in &mut self.dbs {
            swept += d.sweep_expired(budget, now_ms);
        }
        swept
    }

    /// Keys, all databases (counting those expired but not yet removed).
    pub fn keys(&self) -> usize {
        self.dbs.iter().map(|d| d.len()).sum()
    }

    /// Keys with an expiry, all databases.
    pub fn volatile_keys(&self) -> usize {
        self.dbs.iter().map(|d| d.volatile_len()).sum()
    }
}

/// What a shard handler sees: the shard, the database the client selected,
/// the time the batch started, and the node it runs on.
pub struct ShardCtx<'a> {
    pub shard: &'a mut Shard,
    pub db: usize,
    pub now_ms: u64,
    pub node: &'a Node,
    /// The client that sent the command (for CLIENT KILL SKIPME).
    pub client_id: u64,
}

impl<'a> ShardCtx<'a> {
    /// What `op` runs with on `shard` at `now_ms`.
    pub fn for_op(
        shard: &'a mut Shard,
        node: &'a Node,
        op: &crate::dispatch::Op,
        now_ms: u64,
    ) -> ShardCtx<'a> {
        ShardCtx {
            shard,
            db: op.db,
            now_ms,
            node,
            client_id: op.client_id,
        }
    }

    pub fn db(&mut self) -> &mut Db {
        &mut self.shard.dbs[self.db]
    }

    /// Records keyspace event `name` of class `class` for `key` of the
    /// client's database (see `notify.rs`).
    pub fn notify(&self, class: u32, name: &'static str, key: &[u8]) {
        self.node.notifier.emit(self.db, class, name, key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_split_into_contiguous_ranges() {
        assert_eq!(shard_of(b"anything", 1), ShardId(0));
        // "foo" is slot 12182, "bar" 5061: with 2 shards, 8192 slots each.
        assert_eq!(shard_of(b"foo", 2), ShardId(1));
        assert_eq!(shard_of(b"bar", 2), ShardId(0));
        assert_eq!(shard_of(b"{bar}x", 2), ShardId(0));
        for n in 1..=64 {
            for k in 0..200u32 {
                assert!(shard_of(k.to_string().as_bytes(), n).0 < n);
            }
        }
    }
}
