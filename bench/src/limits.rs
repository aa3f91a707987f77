//! Every bound the load generator enforces, in one place.
//!
//! The flag bounds keep memory predictable (a connection holds up to `--pipeline` in-flight
//! entries and up to [`WRITE_BATCH_BYTES`] plus one request of output) and refuse numbers that
//! would overflow the arithmetic derived from them.

use std::time::Duration;

/// Most threads (`--threads`).
pub const THREADS_MAX: u32 = 1024;
/// Most connections per thread (`--clients`).
pub const CLIENTS_MAX: u32 = 10_000;
/// Most connections in total (`--threads` times `--clients`): each is a file descriptor.
pub const CONNECTIONS_MAX: u64 = 100_000;
/// Deepest pipeline (`--pipeline`): requests in flight per connection.
pub const PIPELINE_MAX: u32 = 10_000;
/// Most requests in flight over all connections (`--pipeline` times the connections); each
/// takes 24 bytes of bookkeeping (with `--read-through`, 8 more for the queue of SETs that wait
/// for a pipeline slot, which never holds more than `--pipeline` keys per connection).
pub const IN_FLIGHT_MAX: u64 = 10_000_000;
/// Largest value (`--data-size`, `--data-size-range`), in bytes. One buffer of the largest size
/// is shared by all threads; values are slices of it.
pub const DATA_SIZE_MAX: u32 = 64 * 1024 * 1024;
/// Most arguments in a `--command`, counting the name.
pub const COMMAND_ARGS_MAX: usize = 1024;
/// Longest `--key-prefix`, in bytes.
pub const KEY_PREFIX_LEN_MAX: usize = 1024;
/// Highest `--rate`, requests per second in total.
pub const RATE_MAX: u64 = 1_000_000_000;
/// Longest `--test-time` and `--warmup`: a week.
pub const DURATION_MAX: Duration = Duration::from_secs(7 * 24 * 3600);
/// Highest `--key-zipf-exp` (exclusive), as memtier_benchmark.
pub const ZIPF_EXP_MAX: f64 = 5.0;

/// A connection stops encoding requests once this many bytes wait to be written, so large
/// values at a deep pipeline do not build unbounded output buffers.
pub const WRITE_BATCH_BYTES: usize = 256 * 1024;
/// Read buffer per connection, in bytes. It doubles while a single reply does not fit.
pub const READ_BUF_BYTES: usize = 16 * 1024;
/// Initial output buffer per connection, in bytes; it grows to its working size once.
pub const WRITE_BUF_BYTES: usize = 16 * 1024;
/// Largest single reply accepted, in bytes; a larger one is a fatal error.
pub const REPLY_BYTES_MAX: usize = 1024 * 1024 * 1024;
/// Deepest nesting of aggregates in a reply (as shoal-proto's decoder).
pub const REPLY_DEPTH_MAX: usize = 128;

/// Distinct error messages kept per thread (and printed) when the server answers with errors.
pub const ERROR_MESSAGES_KEPT: usize = 8;
/// Error messages longer than this are cut when kept, in bytes.
pub const ERROR_MESSAGE_LEN_MAX: usize = 256;

/// How long a connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the connection set-up (`HELLO 3`) may wait for its reply.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// A connection with requests in flight that receives nothing for this long fails the run.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest sleep of a worker's event loop, so that it notices a stop promptly.
pub const POLL_INTERVAL_MAX: Duration = Duration::from_millis(100);
/// With `--rate`, a worker spins instead of sleeping when the next send is closer than this:
/// epoll sleeps in whole milliseconds.
pub const RATE_SPIN: Duration = Duration::from_millis(1);

/// Largest latency the histograms hold, in nanoseconds (an hour); longer ones are recorded as
/// this value.
pub const LATENCY_NS_MAX: u64 = 3600 * 1_000_000_000;
/// Significant decimal digits of the latency histograms (0.1 % resolution).
pub const LATENCY_SIGNIFICANT_DIGITS: u8 = 3;
