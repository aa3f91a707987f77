//! Hot-key tracking for HOTKEYS (Redis 8.6): each shard keeps its own
//! session, fed by `dispatch::run_op` with every command's keys, CPU time
//! and network bytes while the session is active; `HOTKEYS GET` merges the
//! shards' reports (`commands/hotkeys.rs`). A key lives on one shard, so the
//! node's top K is the top K of the shards' top Ks.
//!
//! What Redis 8.6 does, and where it says so (read for this module):
//! - redis/redis `src/hotkeys.c` (8.6 with 8.6.1's HELP): the command, its
//!   checks in order, defaults (COUNT 10, SAMPLE 1, DURATION 0 = until
//!   STOP) and bounds (METRICS count 1..=2, COUNT 1..=64, DURATION
//!   1..=1000000 s, SAMPLE 1..=INT_MAX), GET's fields and their order, STOP
//!   and GET answering null with no session, RESET refused while active.
//! - redis/redis `src/server.c` `call()`: a command's CPU time is its
//!   measured duration in microseconds; its network bytes are the request's
//!   bytes plus the reply's; both are split evenly (rounding down) over the
//!   command's keys; a command without keys is not counted at all, not even
//!   in the totals; sampling picks a command with probability 1/ratio.
//!   `serverCron` stops a session whose DURATION has passed.
//! - redis/redis `src/chk.c`, `src/chk.h`: the top-K sketch is a Cuckoo
//!   Heavy Keeper (Ngo and Papatriantafilou) over two cuckoo tables of
//!   buckets with two heavy entries and one lobby entry each, decay 1.08,
//!   lobby promotion at 16, with a min-heap naming the heaviest items;
//!   HOTKEYS sizes it at 10 * COUNT named items over the next power of two
//!   of 100 * COUNT buckets. [`TopK`] (`topk.rs`) is that algorithm.
//! - redis-rs `redis/src/commands/hotkeys.rs` and redis/redis PR #14761:
//!   GET's reply is an array of one map per node (a RESP2 flat array), and
//!   `selected-slots` lists slot ranges, `[[0, 16383]]` outside cluster mode.
//!
//! Where Shoal differs, and why: the CPU time is measured in nanoseconds and
//! reported in microseconds (Redis's microsecond clock makes most
//! sub-microsecond commands weigh 0, invisible to the sketch); a key is
//! tracked with its database (Redis hashes the name alone); a DURATION
//! session stops at its deadline exactly, noticed lazily by the next command
//! or HOTKEYS call on each shard, instead of at the next cron tick.

mod topk;

pub use topk::{Ranked, TopK};

use bytes::Bytes;
use std::time::Duration;

use crate::command::KeyPositions;

/// Which measures a session tracks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metrics {
    pub cpu: bool,
    pub net: bool,
}

/// What HOTKEYS START asked for, checked (`commands/hotkeys.rs` parses it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub metrics: Metrics,
    /// K: the keys GET reports per metric, 1..=`HOTKEYS_COUNT_MAX`.
    pub count: usize,
    /// 0: until HOTKEYS STOP.
    pub duration_ms: u64,
    /// A command is sampled with probability 1 / `sample_ratio` (>= 1).
    pub sample_ratio: u32,
}

/// One shard's share of a session.
struct Session {
    options: Options,
    /// Unix time the session started, in ms.
    start_ms: u64,
    /// How long it ran, in ms, once stopped.
    ran_ms: Option<u64>,
    /// The process's CPU time (user, system) at the start, in µs.
    cpu_start_us: (u64, u64),
    cpu: Option<TopK>,
    net: Option<TopK>,
    /// Time spent in every command with keys, in ns.
    time_all_ns: u64,
    /// Request and reply bytes of every command with keys.
    net_bytes_all: u64,
    rng: u64,
}

impl Session {
    /// Whether this command is sampled: with probability 1 / ratio.
    fn sampled(&mut self) -> bool {
        let ratio = u64::from(self.options.sample_ratio);
        if ratio <= 1 {
            return true;
        }
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // Multiply-shift: uniform in 0..ratio.
        (u128::from(z) * u128::from(ratio)) >> 64 == 0
    }
}

/// What one shard reports for HOTKEYS GET.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub active: bool,
    pub options: Options,
    pub start_ms: u64,
    pub duration_ms: u64,
    /// The process's CPU time (user, system) at the shard's start, in µs.
    pub cpu_start_us: (u64, u64),
    pub time_all_ns: u64,
    pub net_bytes_all: u64,
    /// Bytes the NET sketch was given (sampled commands only).
    pub net_sampled: u64,
    /// The shard's top K by CPU time in ns, heaviest first (if tracked).
    pub by_cpu_ns: Vec<Ranked>,
    /// The shard's top K by network bytes, heaviest first (if tracked).
    pub by_net: Vec<Ranked>,
}

/// A session refused: one is already running on this shard.
#[derive(Debug, PartialEq, Eq)]
pub struct InProgress;

/// A shard's hot-key tracking: no session, a running one, or a stopped one
/// whose results GET still reports until RESET.
#[derive(Default)]
pub struct HotKeys {
    session: Option<Box<Session>>,
    /// Whether commands are being observed: the one test on the data path.
    active: bool,
}

impl HotKeys {
    /// Whether commands are observed (a session is running, or ran past its
    /// DURATION and has yet to notice).
    #[inline]
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// Stops a session whose DURATION has passed at `now_ms`.
    fn expire(&mut self, now_ms: u64) {
        if !self.active {
            return;
        }
        if let Some(s) = self.session.as_deref_mut() {
            let limit = s.options.duration_ms;
            if limit > 0 && now_ms.saturating_sub(s.start_ms) >= limit {
                s.ran_ms = Some(limit);
                self.active = false;
            }
        }
    }

    /// Whether a session is running at `now_ms`.
    pub fn in_progress(&mut self, now_ms: u64) -> bool {
        self.expire(now_ms);
        self.active
    }

    /// Starts a session (replacing a stopped one). `seed` drives sampling
    /// and the sketches; `cpu_start_us` is the process's CPU time now.
    pub fn start(
        &mut self,
        options: Options,
        now_ms: u64,
        seed: u64,
        cpu_start_us: (u64, u64),
    ) -> Result<(), InProgress> {
        if self.in_progress(now_ms) {
            return Err(InProgress);
        }
        let sketch = |salt: u64| TopK::for_count(options.count, seed ^ salt);
        self.session = Some(Box::new(Session {
            options,
            start_ms: now_ms,
            ran_ms: None,
            cpu_start_us,
            cpu: options.metrics.cpu.then(|| sketch(0x5851_F42D_4C95_7F2D)),
            net: options.metrics.net.then(|| sketch(0x1405_7B7E_F767_814F)),
            time_all_ns: 0,
            net_bytes_all: 0,
            rng: seed,
        }));
        self.active = true;
        Ok(())
    }

    /// Stops the running session, keeping its results; false if none runs.
    pub fn stop(&mut self, now_ms: u64) -> bool {
        if !self.in_progress(now_ms) {
            return false;
        }
        if let Some(s) = self.session.as_deref_mut() {
            s.ran_ms = Some(now_ms.saturating_sub(s.start_ms));
        }
        self.active = false;
        true
    }

    /// Drops a stopped session's results; refused while one runs.
    pub fn reset(&mut self, now_ms: u64) -> Result<(), InProgress> {
        if self.in_progress(now_ms) {
            return Err(InProgress);
        }
        self.session = None;
        Ok(())
    }

    /// Records one command of database `db` whose arguments are `argv`
    /// (name first) and keys at `keys`, that took `elapsed` and wrote
    /// `reply_bytes`. A command without keys is not counted, as in Redis.
    pub fn observe(
        &mut self,
        now_ms: u64,
        db: usize,
        argv: &[Bytes],
        keys: KeyPositions,
        elapsed: Duration,
        reply_bytes: usize,
    ) {
        self.expire(now_ms);
        if !self.active {
            return;
        }
        let Some(s) = self.session.as_deref_mut() else {
            return;
        };
        let key_count = keys.clone().count() as u64;
        if key_count == 0 {
            return;
        }
        let cpu_ns = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let net = request_bytes(argv).saturating_add(reply_bytes as u64);
        s.time_all_ns = s.time_all_ns.saturating_add(cpu_ns);
        s.net_bytes_all = s.net_bytes_all.saturating_add(net);
        if !s.sampled() {
            return;
        }
        // Split evenly over the keys, rounding down, as Redis 8.6.
        let (cpu_each, net_each) = (cpu_ns / key_count, net / key_count);
        for p in keys {
            let Some(key) = argv.get(p) else { continue };
            if let Some(sketch) = s.cpu.as_mut() {
                sketch.update(db, key, cpu_each);
            }
            if let Some(sketch) = s.net.as_mut() {
                sketch.update(db, key, net_each);
            }
        }
    }

    /// This shard's report, or `None` without a session.
    pub fn report(&mut self, now_ms: u64) -> Option<Report> {
        self.expire(now_ms);
        let s = self.session.as_deref()?;
        let k = s.options.count;
        Some(Report {
            active: self.active,
            options: s.options,
            start_ms: s.start_ms,
            duration_ms: s
                .ran_ms
                .unwrap_or_else(|| now_ms.saturating_sub(s.start_ms)),
            cpu_start_us: s.cpu_start_us,
            time_all_ns: s.time_all_ns,
            net_bytes_all: s.net_bytes_all,
            net_sampled: s.net.as_ref().map_or(0, TopK::total),
            by_cpu_ns: s.cpu.as_ref().map_or_else(Vec::new, |t| t.top(k)),
            by_net: s.net.as_ref().map_or_else(Vec::new, |t| t.top(k)),
        })
    }

    /// Bytes the session holds (0 without one).
    pub fn memory_usage(&self) -> usize {
        self.session.as_deref().map_or(0, |s| {
            std::mem::size_of::<Session>()
                + s.cpu.as_ref().map_or(0, TopK::memory_usage)
                + s.net.as_ref().map_or(0, TopK::memory_usage)
        })
    }
}

/// A request's size as Redis counts its input: the multibulk encoding of
/// its arguments (`*<argc>\r\n`, then `$<len>\r\n<arg>\r\n` each).
pub fn request_bytes(argv: &[Bytes]) -> u64 {
    fn line(n: usize) -> u64 {
        // '*' or '$', the digits, CRLF.
        let digits = n.checked_ilog10().map_or(1, |d| d + 1);
        1 + u64::from(digits) + 2
    }
    argv.iter().fold(line(argv.len()), |sum, a| {
        sum.saturating_add(line(a.len()))
            .saturating_add(a.len() as u64 + 2)
    })
}

/// The process's CPU time so far, (user, system) in µs (`getrusage`, as
/// Redis's HOTKEYS; zeros if it fails).
pub fn process_cpu_us() -> (u64, u64) {
    // SAFETY: getrusage only writes into the zeroed struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid, exclusively borrowed rusage.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return (0, 0);
    }
    let us = |t: libc::timeval| {
        u64::try_from(t.tv_sec)
            .unwrap_or(0)
            .saturating_mul(1_000_000)
            .saturating_add(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    (us(ru.ru_utime), us(ru.ru_stime))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::KeySpec;

    fn argv(words: &[&str]) -> Vec<Bytes> {
        words.iter().map(|w| Bytes::from(w.to_string())).collect()
    }

    const GET: KeySpec = KeySpec {
        first: 1,
        last: 1,
        step: 1,
        numkeys: 0,
        found_by: None,
    };
    const MGET: KeySpec = KeySpec {
        first: 1,
        last: -1,
        step: 1,
        numkeys: 0,
        found_by: None,
    };

    fn options(cpu: bool, net: bool, ratio: u32, duration_ms: u64) -> Options {
        Options {
            metrics: Metrics { cpu, net },
            count: 10,
            duration_ms,
            sample_ratio: ratio,
        }
    }

    #[test]
    fn request_bytes_are_the_multibulk_encoding() {
        // *2\r\n$3\r\nGET\r\n$3\r\nkey\r\n
        assert_eq!(request_bytes(&argv(&["GET", "key"])), 22);
        let long = "x".repeat(10);
        // *2\r\n $3\r\nSET\r\n $10\r\nxxxxxxxxxx\r\n
        assert_eq!(request_bytes(&argv(&["SET", &long])), 4 + 9 + 17);
        assert_eq!(request_bytes(&[]), 4);
    }

    #[test]
    fn commands_are_attributed_to_their_keys() {
        let mut h = HotKeys::default();
        h.start(options(true, true, 1, 0), 1_000, 9, (0, 0))
            .unwrap();
        let get = argv(&["GET", "a"]);
        for _ in 0..10 {
            h.observe(
                1_001,
                0,
                &get,
                GET.positions(&get),
                Duration::from_micros(3),
                9,
            );
        }
        let mget = argv(&["MGET", "a", "b"]);
        h.observe(
            1_002,
            0,
            &mget,
            MGET.positions(&mget),
            Duration::from_micros(4),
            10,
        );
        // No keys: not counted at all.
        let ping = argv(&["PING"]);
        h.observe(
            1_002,
            0,
            &ping,
            KeySpec::NONE.positions(&ping),
            Duration::from_secs(1),
            7,
        );
        let r = h.report(1_010).unwrap();
        assert!(r.active);
        assert_eq!(r.start_ms, 1_000);
        assert_eq!(r.duration_ms, 10);
        assert_eq!(r.time_all_ns, 34_000);
        let get_net = request_bytes(&get) + 9;
        let mget_net = request_bytes(&mget) + 10;
        assert_eq!(r.net_bytes_all, 10 * get_net + mget_net);
        assert_eq!(r.by_cpu_ns[0], (0, b"a"[..].into(), 32_000));
        assert_eq!(r.by_cpu_ns[1], (0, b"b"[..].into(), 2_000));
        assert_eq!(r.by_net[0].2, 10 * get_net + mget_net / 2);
        assert_eq!(r.net_sampled, 10 * get_net + mget_net / 2 * 2);
    }

    #[test]
    fn sampling_keeps_about_one_command_in_ratio() {
        let mut h = HotKeys::default();
        h.start(options(false, true, 10, 0), 0, 42, (0, 0)).unwrap();
        let get = argv(&["GET", "a"]);
        let n = 100_000u64;
        for _ in 0..n {
            h.observe(1, 0, &get, GET.positions(&get), Duration::ZERO, 0);
        }
        let r = h.report(1).unwrap();
        assert_eq!(r.options.sample_ratio, 10);
        // Every command counts in the totals, one in ten in the sketch.
        let each = request_bytes(&get);
        assert_eq!(r.net_bytes_all, n * each);
        let sampled = r.net_sampled / each;
        assert!((9_000..=11_000).contains(&sampled), "{sampled}");
        assert!(r.by_cpu_ns.is_empty());
    }

    #[test]
    fn stop_keeps_the_results_and_reset_drops_them() {
        let mut h = HotKeys::default();
        assert!(h.report(0).is_none());
        assert!(!h.stop(0));
        assert_eq!(h.reset(0), Ok(()));
        h.start(options(true, false, 1, 0), 100, 1, (0, 0)).unwrap();
        assert_eq!(
            h.start(options(true, false, 1, 0), 101, 1, (0, 0)),
            Err(InProgress)
        );
        assert_eq!(h.reset(101), Err(InProgress));
        let get = argv(&["GET", "a"]);
        h.observe(
            102,
            0,
            &get,
            GET.positions(&get),
            Duration::from_micros(5),
            4,
        );
        assert!(h.stop(150));
        assert!(!h.is_active());
        assert!(!h.stop(151));
        // Stopped: nothing more is recorded, the results stay.
        h.observe(
            160,
            0,
            &get,
            GET.positions(&get),
            Duration::from_micros(5),
            4,
        );
        let r = h.report(500).unwrap();
        assert!(!r.active);
        assert_eq!(r.duration_ms, 50);
        assert_eq!(r.time_all_ns, 5_000);
        assert_eq!(r.by_cpu_ns, vec![(0, b"a"[..].into(), 5_000)]);
        // A new session may start over a stopped one.
        h.start(options(true, false, 1, 0), 600, 1, (0, 0)).unwrap();
        assert_eq!(h.report(600).unwrap().time_all_ns, 0);
        assert!(h.stop(601));
        assert_eq!(h.reset(602), Ok(()));
        assert!(h.report(603).is_none());
        assert_eq!(h.memory_usage(), 0);
    }

    #[test]
    fn a_duration_stops_the_session_at_its_deadline() {
        let mut h = HotKeys::default();
        h.start(options(true, true, 1, 1_000), 5_000, 1, (0, 0))
            .unwrap();
        let get = argv(&["GET", "a"]);
        h.observe(
            5_999,
            0,
            &get,
            GET.positions(&get),
            Duration::from_micros(1),
            4,
        );
        assert!(h.is_active());
        h.observe(
            6_000,
            0,
            &get,
            GET.positions(&get),
            Duration::from_micros(1),
            4,
        );
        assert!(!h.is_active());
        let r = h.report(9_000).unwrap();
        assert!(!r.active);
        assert_eq!(r.duration_ms, 1_000);
        assert_eq!(r.time_all_ns, 1_000);
        // Without a command, the next HOTKEYS call notices.
        h.start(options(true, false, 1, 1_000), 10_000, 1, (0, 0))
            .unwrap();
        assert!(h.in_progress(10_999));
        assert!(!h.stop(11_000));
        assert_eq!(h.report(11_500).unwrap().duration_ms, 1_000);
    }
}
