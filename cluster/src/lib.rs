//! Shoal's replication logic, sans-IO: no sockets, files or clocks, only the
//! inputs it is given, so a simulator can run many nodes in one thread.
//!
//! Modules:
//! - [`slot`]: key to hash slot mapping (CRC16 and `{hash tags}`), exactly as
//!   Redis Cluster computes it.

pub mod slot;

pub use slot::{key_slot, Slot, SLOT_COUNT};
