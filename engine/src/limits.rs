//! Every bound of the engine in one place. Settings that operators can change
//! live in `config.rs` (with Redis's names); these are the compiled-in ones.

/// Databases selectable with SELECT (Redis's `databases` default).
pub const DATABASES_DEFAULT: usize = 16;
/// Upper bound on `databases`, so a config typo cannot allocate millions of tables.
pub const DATABASES_MAX: usize = 1024;

/// Upper bound on `threads` (shards per node): a SCAN cursor carries the
/// shard in its top 8 bits.
pub const THREADS_MAX: usize = 256;

/// Largest string value (Redis: 512 MB; also `proto-max-bulk-len`'s default).
pub const STRING_SIZE_MAX: usize = 512 * 1024 * 1024;

/// Longest command name looked up; longer names are unknown without lookup.
pub const COMMAND_NAME_LEN_MAX: usize = 32;

/// Bytes read from a socket per read call (the buffer grows past this only
/// for requests that need it, in steps of this size at most when the size is
/// declared but not yet arrived).
pub const READ_CHUNK_SIZE: usize = 16 * 1024;

/// Requests parsed into one batch before it is executed and answered; bounds
/// the per-connection reply memory held back while a batch runs.
pub const BATCH_REQUESTS_MAX: usize = 1024;

/// Messages queued on one ring of the cross-shard channel mesh.
pub const MESH_RING_CAPACITY: usize = 1024;

/// Active expiry: entries one sweep step looks at at most, per database:
/// a whole segment of the table, so that a step hashes each key it looks at
/// once or twice rather than the whole segment for a part of it.
pub const EXPIRE_SWEEP_BUDGET: usize = crate::keyspace::table::SEGMENT_LEN_MAX;
/// Active expiry: how long the sweep runs before it lets the shard's
/// connections run (its cycle is cut into slices of this length).
pub const EXPIRE_SLICE: std::time::Duration = std::time::Duration::from_micros(250);

/// How often an executor checks the global shutdown flag.
pub const SHUTDOWN_POLL_MS: u64 = 20;

/// SCAN: COUNT values above this are clamped (Redis lets COUNT be anything;
/// the table answers at most one segment range per call anyway).
pub const SCAN_COUNT_MAX: usize = 100_000;

/// The unknown-command error quotes at most this many bytes of arguments.
pub const ERROR_ARGS_QUOTE_MAX: usize = 128;

/// Bytes a listpack (a small hash) may hold before it becomes a hash table
/// whatever the settings say: Redis's `LISTPACK_MAX_SAFETY_SIZE`.
pub const LISTPACK_SIZE_MAX: usize = 1 << 30;

/// HRANDFIELD and SRANDMEMBER with a negative count reply with that many
/// elements, repeats allowed, whatever the collection's size. Redis builds
/// such a reply however large (-9223372036854775807 runs it out of memory);
/// Shoal refuses counts beyond this many elements with an error instead.
pub const RANDOM_REPLY_LEN_MAX: u64 = 1 << 24;

/// `list-max-listpack-size` -1 ..= -5: a list node holds at most this many
/// bytes (Redis's `optimization_level`: 4, 8, 16, 32, 64 KiB).
pub const LIST_NODE_SIZES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// A list node limited by element count (a positive `list-max-listpack-size`)
/// still holds at most this many bytes (Redis's `SIZE_SAFETY_LIMIT`).
pub const LIST_NODE_SIZE_SAFETY: usize = 8192;
/// Largest element count per list node (Redis's `FILL_MAX`); larger
/// `list-max-listpack-size` values are clamped to it, smaller than -5 to -5.
pub const LIST_NODE_COUNT_MAX: i64 = (1 << 15) - 1;

/// Memory each executor sets aside for io_uring's registered buffers
/// (glommio's `io_memory`, 10 MiB by default). Counted in used_memory
/// like all the server's allocations, and no I/O Shoal does uses it yet
/// (glommio falls back to ordinary buffers when it is exhausted), so it is
/// kept small: 10 MiB a core would make an empty server hold more memory
/// than a small maxmemory allows.
pub const EXECUTOR_IO_MEMORY: usize = 256 * 1024;

/// A slow-log entry keeps at most this many arguments (Redis's
/// `SLOWLOG_ENTRY_MAX_ARGC`)...
pub const SLOWLOG_ARGS_MAX: usize = 32;
/// ...each cut to this many bytes (`SLOWLOG_ENTRY_MAX_STRING`).
pub const SLOWLOG_ARG_LEN_MAX: usize = 128;
/// Seconds of history the latency monitor keeps per event (Redis's
/// `LATENCY_TS_LEN`).
pub const LATENCY_HISTORY_LEN: usize = 160;

/// The metrics endpoint: the largest HTTP request head (request line and
/// headers) read; a larger one is answered 431 and the connection closed.
pub const METRICS_REQUEST_HEAD_SIZE_MAX: usize = 8 * 1024;
/// The metrics endpoint: headers a request may have (httparse parses them
/// into an array of this many); more are answered 431.
pub const METRICS_REQUEST_HEADERS_MAX: usize = 64;
/// The metrics endpoint: how long a client has to send its whole request
/// head, and then again to take the answer and close; a slower one is
/// dropped. Prometheus sends its request at once and closes on the answer.
pub const METRICS_CLIENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// The metrics endpoint: bytes read and thrown away after the answer while
/// waiting for the client to close (closing with unread bytes would reset
/// the connection, and a reset can destroy the answer before it is read).
pub const METRICS_LINGER_SIZE_MAX: usize = 64 * 1024;
/// The metrics endpoint: connections served at once; more are closed as
/// soon as they are accepted.
pub const METRICS_CONNECTIONS_MAX: usize = 16;
/// The metrics endpoint: the largest INFO reply a scrape collects (INFO
/// everything of 256 shards with every command in its command stats is
/// well under 1 MiB).
pub const METRICS_INFO_SIZE_MAX: usize = 4 * 1024 * 1024;

/// HOTKEYS START METRICS count: the measures there are (CPU, NET); Redis
/// 8.6's `HOTKEYS_METRICS_COUNT`.
pub const HOTKEYS_METRICS_MAX: i64 = 2;
/// HOTKEYS START COUNT: keys reported per measure, Redis 8.6's 1..=64.
pub const HOTKEYS_COUNT_MAX: usize = 64;
/// HOTKEYS START without COUNT.
pub const HOTKEYS_COUNT_DEFAULT: usize = 10;
/// HOTKEYS START DURATION, seconds: Redis 8.6's 1..=1000000 (0, the
/// default, runs until HOTKEYS STOP).
pub const HOTKEYS_DURATION_S_MAX: u64 = 1_000_000;
/// HOTKEYS START SAMPLE ratio: Redis 8.6's 1..=INT_MAX.
pub const HOTKEYS_SAMPLE_RATIO_MAX: u32 = i32::MAX as u32;
/// Keys a hot-key sketch names per key it reports (Redis: 10 * COUNT).
pub const HOTKEYS_TRACKED_PER_REPORTED: usize = 10;
/// Buckets per table of a hot-key sketch per key it reports, before
/// rounding up to a power of two (Redis: 100 * COUNT).
pub const HOTKEYS_BUCKETS_PER_REPORTED: usize = 100;

const _: () = assert!(HOTKEYS_COUNT_DEFAULT >= 1 && HOTKEYS_COUNT_DEFAULT <= HOTKEYS_COUNT_MAX);
// A sketch's tables stay small: at most 8192 buckets of 40 bytes, twice.
const _: () = assert!(HOTKEYS_COUNT_MAX * HOTKEYS_BUCKETS_PER_REPORTED <= 8192);
// DURATION in ms cannot overflow.
const _: () = assert!(HOTKEYS_DURATION_S_MAX.checked_mul(1000).is_some());
