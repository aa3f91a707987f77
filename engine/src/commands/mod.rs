//! Command families. Each file implements its commands and ends with its
//! table entries (`COMMANDS`), gathered by `command::table`.

pub mod connection;
pub mod introspection;
pub mod keys;
pub mod server;
pub mod strings;
pub mod transactions;

use crate::keyspace::Entry;
use crate::shard::ShardCtx;

/// Looks `key` up for reading, counting a keyspace hit or miss.
pub fn read_entry<'a>(ctx: &'a mut ShardCtx<'_>, key: &[u8]) -> Option<&'a mut Entry> {
    let now = ctx.now_ms;
    let shard = &mut *ctx.shard;
    let found = shard.dbs[ctx.db].get(key, now);
    if found.is_some() {
        shard.stats.keyspace_hits += 1;
    } else {
        shard.stats.keyspace_misses += 1;
    }
    found
}
