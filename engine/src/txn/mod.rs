//! Transactions across shards: what makes MULTI/EXEC and multi-key commands
//! atomic although their keys live on several cores.
//!
//! The connection's core coordinates (see `connection/transaction.rs`):
//! 1. it locks the transaction's keys on each shard involved, one shard
//!    after another in shard order, waiting for each grant ([`locks`]);
//! 2. it sends every shard its share of the commands, tagged with the
//!    transaction, and an unlock after them, all shards at once;
//! 3. it merges the replies in request order.
//!
//! A transaction whose keys all live on one shard sends that shard one
//! batch (lock, commands, unlock), which runs to completion there: no hop
//! more than a plain command.

pub mod gather;
pub mod locks;
pub mod transfer;

/// A transaction's identity, unique in the node: the coordinating core in
/// the top 16 bits, a sequence number below.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TxId(pub u64);

impl TxId {
    /// Not in a transaction.
    pub const NONE: TxId = TxId(0);

    /// The `seq`-th transaction coordinated by core `core`.
    pub fn new(core: usize, seq: u64) -> TxId {
        TxId(((core as u64 + 1) << 48) | (seq & ((1 << 48) - 1)))
    }
}
