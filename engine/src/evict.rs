//! maxmemory and eviction (Redis's `evict.c`), per shard.
//!
//! The budget is the node's `maxmemory`, measured as Redis measures
//! `used_memory`: bytes allocated and not freed, counted by the allocator
//! (`alloc.rs`). Each shard enforces it on its own core, from its own
//! keys: before every command that may grow memory and in its periodic
//! task, while the node's used memory is over the limit it evicts the best
//! candidate its policy finds among its keys. There is no global candidate list: as in
//! Redis, candidates are sampled (`maxmemory-samples` keys per database
//! per round) into a small pool that keeps the best [`POOL_SIZE`] seen.
//!
//! A shard's view of the node's used memory is the sum of every thread's
//! counter as it last added them up, plus what its own counter (one cache
//! line no other core writes) has moved since; it adds them up again when
//! its own counter has moved by [`Evictor::slack`], before it says "over"
//! (other cores may have freed meanwhile), and in every periodic run.
//!
//! When the node is over the limit and a shard cannot evict (policy
//! `noeviction`, no key with an expiry under a `volatile-*` policy, no key
//! at all), the shard refuses commands that may grow memory with Redis's
//! OOM error and marks itself full; while the node is over and a shard is
//! marked (or the policy is `noeviction`), connections refuse such
//! commands (and transactions) before they reach any shard, so that a
//! transaction is refused whole. A mark counts only while the node is
//! over; the shard clears it the next time it finds room (before its next
//! command that may grow memory, or in its periodic run).

use crate::alloc;
use crate::keyspace::access::{self, Tracking};
use crate::keyspace::{Db, Entry};
use crate::shard::Shard;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Candidates the pool keeps (Redis's `EVPOOL_SIZE`).
pub const POOL_SIZE: usize = 16;
/// Entries one eviction looks at per database, at most, to find keys
/// with an expiry among keys without one under a `volatile-*` policy
/// (Redis samples its index of keys with an expiry instead, which Shoal
/// does not keep: it would cost memory on each of those keys). Past it,
/// the shard counts as having nothing to evict.
pub const VOLATILE_SAMPLE_MAX: usize = 4096;
/// Evictions between checks of the time limit (Redis checks every 16).
const TIME_CHECK_EVERY: u32 = 16;

/// Redis's reply to a command refused for memory.
pub const OOM_ERROR: &str = "OOM command not allowed when used memory > 'maxmemory'.";

/// The eight `maxmemory-policy` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    VolatileLru,
    VolatileLfu,
    VolatileRandom,
    VolatileTtl,
    AllKeysLru,
    AllKeysLfu,
    AllKeysRandom,
    NoEviction,
}

impl Policy {
    /// In Redis's order (its config error lists them so).
    pub const ALL: [Policy; 8] = [
        Policy::VolatileLru,
        Policy::VolatileLfu,
        Policy::VolatileRandom,
        Policy::VolatileTtl,
        Policy::AllKeysLru,
        Policy::AllKeysLfu,
        Policy::AllKeysRandom,
        Policy::NoEviction,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Policy::VolatileLru => "volatile-lru",
            Policy::VolatileLfu => "volatile-lfu",
            Policy::VolatileRandom => "volatile-random",
            Policy::VolatileTtl => "volatile-ttl",
            Policy::AllKeysLru => "allkeys-lru",
            Policy::AllKeysLfu => "allkeys-lfu",
            Policy::AllKeysRandom => "allkeys-random",
            Policy::NoEviction => "noeviction",
        }
    }

    pub fn parse(s: &str) -> Option<Policy> {
        Policy::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
    }

    /// Whether only keys with an expiry may go.
    fn volatile_only(self) -> bool {
        matches!(
            self,
            Policy::VolatileLru
                | Policy::VolatileLfu
                | Policy::VolatileRandom
                | Policy::VolatileTtl
        )
    }

    /// Whether keys' access fields count uses (LFU) rather than time.
    pub fn is_lfu(self) -> bool {
        matches!(self, Policy::VolatileLfu | Policy::AllKeysLfu)
    }
}

/// The settings eviction follows, from the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// 0: no limit.
    pub maxmemory: usize,
    pub policy: Policy,
    pub samples: usize,
    /// `maxmemory-eviction-tenacity` (0-100).
    pub tenacity: u32,
    pub lfu_log_factor: u32,
    pub lfu_decay_minutes: u32,
}

impl Settings {
    /// How keys' access fields are kept under these settings.
    pub fn tracking(&self) -> Tracking {
        if self.policy.is_lfu() {
            Tracking::Frequency {
                log_factor: self.lfu_log_factor,
                decay_minutes: self.lfu_decay_minutes,
            }
        } else {
            Tracking::Recency
        }
    }

    /// How long one enforcement may evict (Redis's `evictionTimeLimitUs`):
    /// 50 µs per step of tenacity up to 10, then 15% more per step; none
    /// at 100.
    pub fn time_limit(&self) -> Option<Duration> {
        match self.tenacity {
            t if t <= 10 => Some(Duration::from_micros(50 * u64::from(t))),
            t if t < 100 => Some(Duration::from_micros(
                (500.0 * 1.15f64.powi(t as i32 - 10)) as u64,
            )),
            _ => None,
        }
    }
}

/// What an enforcement came to (Redis's `EVICT_OK`, `EVICT_RUNNING`,
/// `EVICT_FAIL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Under the limit (or no limit).
    Under,
    /// Still over, but evicting: the time limit ended this run.
    Running,
    /// Over, and nothing this shard may evict.
    Full,
}

/// A key the pool keeps: the higher the score, the better to evict.
struct Candidate {
    score: u64,
    db: usize,
    key: Box<[u8]>,
}

/// A shard's eviction state.
#[derive(Default)]
pub struct Evictor {
    /// Best candidates seen, in increasing score.
    pool: Vec<Candidate>,
    /// The node's used memory at the last sum, and this core's counter then.
    total_at_sum: usize,
    own_at_sum: isize,
    /// Keys evicted (INFO's `evicted_keys`).
    pub evicted_keys: u64,
    /// Where random eviction looks next.
    next_db: usize,
    seed: u64,
}

impl Evictor {
    /// How far this core's counter may move before it sums the others
    /// again: 1/512 of the limit, between 4 KiB and 1 MiB.
    fn slack(maxmemory: usize) -> usize {
        (maxmemory / 512).clamp(4096, 1 << 20)
    }

    /// The node's used memory as this core sees it (see the module
    /// documentation); `fresh` sums every core's counter.
    pub fn used(&mut self, maxmemory: usize, fresh: bool) -> usize {
        let own = alloc::this_thread();
        if fresh || own.abs_diff(self.own_at_sum) > Evictor::slack(maxmemory) {
            self.total_at_sum = alloc::used_total();
            self.own_at_sum = own;
        }
        self.total_at_sum
            .saturating_add_signed(own.wrapping_sub(self.own_at_sum))
    }

    /// Whether the node is over `maxmemory`: this core's view, summed
    /// again before it says yes.
    pub fn over(&mut self, maxmemory: usize) -> bool {
        self.used(maxmemory, false) > maxmemory && self.used(maxmemory, true) > maxmemory
    }

    fn next_seed(&mut self) -> u64 {
        self.seed = self.seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.seed
    }

    /// Puts `entry` of database `db` into the pool if it scores among the
    /// best (Redis's `evictionPoolPopulate`).
    fn offer(&mut self, db: usize, entry: &Entry, score: u64) {
        if self.pool.len() == POOL_SIZE && self.pool[0].score >= score {
            return;
        }
        let key = entry.key();
        if self.pool.iter().any(|c| c.db == db && *c.key == *key) {
            return;
        }
        let mut at = self.pool.partition_point(|c| c.score < score);
        if self.pool.len() == POOL_SIZE {
            self.pool.remove(0);
            at -= 1;
        }
        let key = key.into();
        self.pool.insert(at, Candidate { score, db, key });
    }
}

/// The eviction score of `entry` under `settings` at `now_ms`, or `None`
/// if the policy may not evict it.
fn score(entry: &Entry, settings: &Settings, now_ms: u64) -> Option<u64> {
    let expiry = entry.expire_at_ms();
    if settings.policy.volatile_only() && expiry.is_none() {
        return None;
    }
    Some(match settings.policy {
        Policy::VolatileTtl => u64::MAX - expiry.unwrap_or(u64::MAX),
        p if p.is_lfu() => {
            255 - u64::from(access::lfu_counter(
                entry.access(),
                now_ms,
                settings.lfu_decay_minutes,
            ))
        }
        _ => access::idle_ms(entry.access(), now_ms),
    })
}

/// Evicts this shard's keys while the node is over `maxmemory` (Redis's
/// `performEvictions`), for at most the tenacity's time; `fresh` sums
/// every core's counter first.
pub fn enforce(shard: &mut Shard, settings: &Settings, now_ms: u64, fresh: bool) -> Outcome {
    if settings.maxmemory == 0 {
        return Outcome::Under;
    }
    if fresh {
        shard.evictor.used(settings.maxmemory, true);
    }
    if !shard.evictor.over(settings.maxmemory) {
        return Outcome::Under;
    }
    if settings.policy == Policy::NoEviction {
        return Outcome::Full;
    }
    let limit = settings.time_limit();
    let start = Instant::now();
    let mut evicted = 0u32;
    loop {
        let victim = match settings.policy {
            Policy::AllKeysRandom | Policy::VolatileRandom => random_victim(shard, settings),
            _ => pooled_victim(shard, settings, now_ms),
        };
        let Some((db, key)) = victim else {
            return Outcome::Full;
        };
        if shard.dbs[db].evict(&key) {
            shard.evictor.evicted_keys += 1;
            evicted += 1;
        }
        if shard.evictor.used(settings.maxmemory, false) <= settings.maxmemory {
            return Outcome::Under;
        }
        if evicted.is_multiple_of(TIME_CHECK_EVERY) && limit.is_some_and(|l| start.elapsed() >= l) {
            return Outcome::Running;
        }
    }
}

/// How many of `d`'s entries to visit to meet `wanted` keys the policy may
/// evict (only those with an expiry when `volatile_only`) on average, at
/// most [`VOLATILE_SAMPLE_MAX`]; `None` when `d` has none.
fn visits_for(d: &Db, volatile_only: bool, wanted: usize) -> Option<usize> {
    let eligible = if volatile_only {
        d.volatile_len()
    } else {
        d.len()
    };
    (eligible > 0).then(|| {
        wanted
            .saturating_mul(d.len().div_ceil(eligible))
            .min(VOLATILE_SAMPLE_MAX)
    })
}

/// The best candidate of the pool after rounds of sampling every
/// database, taken off the pool; `None` if no key qualifies. A round that
/// finds none (keys with an expiry are rare under a `volatile-*` policy)
/// is followed by another, up to [`VOLATILE_SAMPLE_MAX`] entries per
/// database.
fn pooled_victim(
    shard: &mut Shard,
    settings: &Settings,
    now_ms: u64,
) -> Option<(usize, Box<[u8]>)> {
    let volatile_only = settings.policy.volatile_only();
    let mut visited = 0;
    loop {
        let mut round = 0;
        for db in 0..shard.dbs.len() {
            let d = &shard.dbs[db];
            let Some(visits) = visits_for(d, volatile_only, settings.samples) else {
                continue;
            };
            round = round.max(visits);
            let seed = shard.evictor.next_seed();
            let evictor = &mut shard.evictor;
            d.sample(seed, visits, |e| {
                if let Some(s) = score(e, settings, now_ms) {
                    evictor.offer(db, e, s);
                }
            });
        }
        // The best candidate still there (it may have been deleted since
        // it was pooled, or have stopped qualifying).
        while let Some(c) = shard.evictor.pool.pop() {
            let still = shard.dbs[c.db]
                .stored(&c.key)
                .is_some_and(|e| score(e, settings, now_ms).is_some());
            if still {
                return Some((c.db, c.key));
            }
        }
        visited += round;
        if round == 0 || visited >= VOLATILE_SAMPLE_MAX {
            return None;
        }
    }
}

/// A random key (with an expiry, for `volatile-random`) of the next
/// database that has one, round robin (Redis's random policies); under
/// `volatile-random`, the first key with an expiry met from random
/// places, up to [`VOLATILE_SAMPLE_MAX`] entries per database.
fn random_victim(shard: &mut Shard, settings: &Settings) -> Option<(usize, Box<[u8]>)> {
    let volatile_only = settings.policy.volatile_only();
    let dbs = shard.dbs.len();
    for _ in 0..dbs {
        let db = shard.evictor.next_db % dbs;
        shard.evictor.next_db = shard.evictor.next_db.wrapping_add(1);
        let Some(visits) = visits_for(&shard.dbs[db], volatile_only, 1) else {
            continue;
        };
        let mut visited = 0;
        while visited < VOLATILE_SAMPLE_MAX {
            let seed = shard.evictor.next_seed();
            let d = &shard.dbs[db];
            let mut found = None;
            d.sample(seed, visits, |e| {
                if found.is_none() && (!volatile_only || e.expire_at_ms().is_some()) {
                    found = Some(Box::<[u8]>::from(e.key()));
                }
            });
            if let Some(key) = found {
                return Some((db, key));
            }
            visited += visits;
        }
    }
    None
}

/// Which shards are full (over the limit with nothing to evict), for the
/// connections that refuse commands on their behalf. A shard's mark
/// names the configuration (its epoch) it was made under: a change of
/// maxmemory or policy voids every mark until the shards look again.
/// Written only when a shard's state changes; read only while the node is
/// over the limit.
pub struct FullShards {
    /// Per shard: 0, or 1 + the configuration epoch it was found full at.
    full: Box<[AtomicU64]>,
}

/// A shard's mark for `full` under configuration `epoch`.
fn mark(full: bool, epoch: u64) -> u64 {
    if full {
        epoch.wrapping_add(1).max(1)
    } else {
        0
    }
}

impl FullShards {
    pub fn new(shards: usize) -> FullShards {
        FullShards {
            full: (0..shards).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// Records whether shard `shard` is full under configuration `epoch`.
    pub fn set(&self, shard: usize, full: bool, epoch: u64) {
        let Some(m) = self.full.get(shard) else {
            return;
        };
        let new = mark(full, epoch);
        if m.load(Ordering::Relaxed) != new {
            m.store(new, Ordering::Relaxed);
        }
    }

    /// Whether some shard was found full under configuration `epoch`.
    pub fn any_full(&self, epoch: u64) -> bool {
        let full = mark(true, epoch);
        self.full.iter().any(|m| m.load(Ordering::Relaxed) == full)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_have_redis_names() {
        for p in Policy::ALL {
            assert_eq!(Policy::parse(p.name()), Some(p));
            assert_eq!(Policy::parse(&p.name().to_uppercase()), Some(p));
        }
        assert_eq!(Policy::parse("lru"), None);
    }

    #[test]
    fn the_time_limit_follows_tenacity() {
        let at = |tenacity| {
            Settings {
                maxmemory: 1,
                policy: Policy::AllKeysLru,
                samples: 5,
                tenacity,
                lfu_log_factor: 10,
                lfu_decay_minutes: 1,
            }
            .time_limit()
        };
        assert_eq!(at(0), Some(Duration::ZERO));
        assert_eq!(at(10), Some(Duration::from_micros(500)));
        assert_eq!(at(11), Some(Duration::from_micros(575)));
        assert_eq!(at(100), None);
    }

    #[test]
    fn the_pool_keeps_the_best_candidates_in_order() {
        let mut ev = Evictor::default();
        let mut db = Db::new(ahash::RandomState::with_seeds(1, 2, 3, 4));
        for i in 0..40u64 {
            db.set(
                format!("k{i}").as_bytes(),
                crate::keyspace::Value::Int(0),
                0,
                0,
            );
        }
        for i in 0..40u64 {
            let key = format!("k{i}");
            let e = db.live_entry(key.as_bytes(), 0).expect("present");
            ev.offer(0, e, (i * 7) % 40);
            // The same key twice is kept once.
            ev.offer(0, e, (i * 7) % 40);
        }
        let scores: Vec<u64> = ev.pool.iter().map(|c| c.score).collect();
        assert_eq!(scores, (24..40).collect::<Vec<_>>());
    }

    #[test]
    fn full_marks_name_their_configuration() {
        let f = FullShards::new(3);
        assert!(!f.any_full(7));
        f.set(1, true, 7);
        f.set(1, true, 7);
        assert!(f.any_full(7));
        // A mark made under another configuration does not count.
        assert!(!f.any_full(8));
        f.set(2, true, 7);
        f.set(1, false, 7);
        assert!(f.any_full(7));
        f.set(2, false, 7);
        assert!(!f.any_full(7));
        f.set(9, true, 7);
        assert!(!f.any_full(7));
    }
}
