//! shoal-engine: the Shoal node.
//!
//! The life of a command, in file order:
//! - `runtime/`: one glommio executor per core accepts connections
//!   (SO_REUSEPORT) and owns the mesh of rings to the other cores.
//! - `connection.rs`: reads, parses (shoal-proto), looks each request up in
//!   the command table, plans it into per-shard batches, answers in order.
//! - `command/`: the declarative command table, argument cursor, errors.
//! - `dispatch.rs`: batches, parts and merges; runs a batch on a shard.
//! - `shard.rs`, `keyspace/`: the keyspace one core owns; the scan-stable,
//!   incrementally growing table; expiry.
//! - `txn/`: transactions across shards (MULTI/EXEC, atomic multi-key
//!   commands): intent locks on the shards, the coordinator on the
//!   connection's core.
//! - `blocking.rs`: blocking commands (BLPOP, ...): the clients a shard has
//!   waiting for its keys, served in order when a write creates one.
//! - `commands/`: the command families, each ending with its table entries.
//! - `node.rs`, `global.rs`, `client.rs`, `config.rs`: per-core state, the
//!   little that is shared, clients, configuration.
//! - `hotkeys/`: HOTKEYS' per-shard tracker and its top-K sketch, fed by
//!   `dispatch::run_op` while a session runs.
//! - `evict.rs`: maxmemory and the eviction policies, per shard;
//!   `alloc.rs`: the counting allocator they measure with.
//! - `metrics/`: the Prometheus `/metrics` endpoint: INFO, run through a
//!   real connection, rendered in the text exposition format.
//! - `limits.rs`: every compiled-in bound.

pub mod alloc;
pub mod blocking;
pub mod client;
pub mod cmdstats;
pub mod command;
pub mod commands;
pub mod config;
pub mod connection;
pub mod dispatch;
pub mod evict;
pub mod global;
pub mod hotkeys;
pub mod keyspace;
pub mod latency;
pub mod lazyfree;
pub mod limits;
pub mod metrics;
pub mod node;
pub mod notify;
pub mod pubsub;
pub mod runtime;
pub mod shard;
pub mod slowlog;
pub mod txn;

/// The Redis version Shoal reports to clients (HELLO, INFO), for the
/// features they probe; Shoal's own version is in `shoal_version`.
pub const REDIS_COMPAT_VERSION: &str = "7.0.15";
/// Shoal's version.
pub const SHOAL_VERSION: &str = env!("CARGO_PKG_VERSION");
