//! A key's access field: what eviction knows of its use, in 24 bits of
//! its record, as Redis keeps it in `robj.lru`.
//!
//! - Under an LRU (or any non-LFU) policy: the LRU clock when the key was
//!   last used, in seconds, modulo 2^24 (Redis's `LRU_CLOCK`).
//! - Under an LFU policy: the time of the counter's last decrement in
//!   minutes, modulo 2^16 (high 16 bits), and a logarithmic access
//!   counter (low 8 bits), new keys starting at [`LFU_INIT_VAL`]; the
//!   counter grows with probability 1 / ((counter - 5) * lfu-log-factor
//!   + 1) and loses one every lfu-decay-time minutes (Redis's `evict.c`).
//!
//! Changing the policy reinterprets the fields as they are, as in Redis:
//! they adjust as keys are used.

use std::cell::Cell;

/// Largest value of the LRU clock (Redis's `LRU_CLOCK_MAX`).
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;
/// Milliseconds per tick of the LRU clock (Redis's `LRU_CLOCK_RESOLUTION`).
pub const LRU_CLOCK_RESOLUTION_MS: u64 = 1000;
/// The LFU counter of a new key (Redis's `LFU_INIT_VAL`).
pub const LFU_INIT_VAL: u8 = 5;

/// What the access field tracks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tracking {
    /// Last use (LRU clock).
    Recency,
    /// Frequency of use (LFU), with `lfu-log-factor` and `lfu-decay-time`.
    Frequency { log_factor: u32, decay_minutes: u32 },
}

/// A shard's way of stamping its keys' access fields, shared by its
/// databases; set from the configuration.
pub struct Access {
    tracking: Cell<Tracking>,
    rng: Cell<u64>,
}

impl Default for Access {
    fn default() -> Access {
        Access {
            tracking: Cell::new(Tracking::Recency),
            rng: Cell::new(0x9E37_79B9_7F4A_7C15),
        }
    }
}

/// The LRU clock at `now_ms`.
pub fn lru_clock(now_ms: u64) -> u32 {
    ((now_ms / LRU_CLOCK_RESOLUTION_MS) & u64::from(LRU_CLOCK_MAX)) as u32
}

/// The LFU clock at `now_ms`: minutes, modulo 2^16.
fn lfu_minutes(now_ms: u64) -> u32 {
    ((now_ms / 60_000) & 0xFFFF) as u32
}

/// Milliseconds since the key with access field `access` was last used,
/// under LRU tracking (Redis's `estimateObjectIdleTime`).
pub fn idle_ms(access: u32, now_ms: u64) -> u64 {
    let clock = lru_clock(now_ms);
    let ticks = if clock >= access {
        clock - access
    } else {
        clock + (LRU_CLOCK_MAX - access)
    };
    u64::from(ticks) * LRU_CLOCK_RESOLUTION_MS
}

/// The LFU counter of `access` after the decay due by `now_ms` (Redis's
/// `LFUDecrAndReturn`).
pub fn lfu_counter(access: u32, now_ms: u64, decay_minutes: u32) -> u8 {
    let last = access >> 8;
    let counter = (access & 0xFF) as u8;
    if decay_minutes == 0 {
        return counter;
    }
    let now = lfu_minutes(now_ms);
    let elapsed = if now >= last {
        now - last
    } else {
        65535 - last + now
    };
    let periods = elapsed / decay_minutes;
    counter.saturating_sub(periods.min(255) as u8)
}

impl Access {
    pub fn tracking(&self) -> Tracking {
        self.tracking.get()
    }

    pub fn set_tracking(&self, tracking: Tracking) {
        self.tracking.set(tracking);
    }

    /// The access field of a key created at `now_ms`.
    pub fn initial(&self, now_ms: u64) -> u32 {
        match self.tracking.get() {
            Tracking::Recency => lru_clock(now_ms),
            Tracking::Frequency { .. } => lfu_minutes(now_ms) << 8 | u32::from(LFU_INIT_VAL),
        }
    }

    /// The access field of a key with field `access` used at `now_ms`
    /// (Redis's `updateLFU`, or the LRU clock).
    pub fn used(&self, access: u32, now_ms: u64) -> u32 {
        match self.tracking.get() {
            Tracking::Recency => lru_clock(now_ms),
            Tracking::Frequency {
                log_factor,
                decay_minutes,
            } => {
                let counter = lfu_counter(access, now_ms, decay_minutes);
                let counter = self.log_incr(counter, log_factor);
                lfu_minutes(now_ms) << 8 | u32::from(counter)
            }
        }
    }

    /// Redis's `LFULogIncr`: one more with probability
    /// 1 / ((counter - LFU_INIT_VAL) * log_factor + 1).
    fn log_incr(&self, counter: u8, log_factor: u32) -> u8 {
        if counter == 255 {
            return 255;
        }
        let base = f64::from(counter.saturating_sub(LFU_INIT_VAL));
        let p = 1.0 / (base * f64::from(log_factor) + 1.0);
        if self.random_unit() < p {
            counter + 1
        } else {
            counter
        }
    }

    /// A pseudo-random number in [0, 1) (xorshift64*).
    fn random_unit(&self) -> f64 {
        let mut x = self.rng.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng.set(x);
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_time_counts_seconds_and_survives_the_clock_wrapping() {
        let now = 1_700_000_000_000;
        assert_eq!(idle_ms(lru_clock(now), now), 0);
        assert_eq!(idle_ms(lru_clock(now - 5_000), now), 5_000);
        // The 24-bit clock wraps about every 194 days.
        let period = u64::from(LRU_CLOCK_MAX + 1) * 1000;
        let before_wrap = (now / period + 1) * period - 2_000;
        assert_eq!(idle_ms(lru_clock(before_wrap), before_wrap + 10_000), 9_000);
    }

    #[test]
    fn lfu_counters_grow_logarithmically_and_decay_by_the_minute() {
        let access = Access::default();
        access.set_tracking(Tracking::Frequency {
            log_factor: 10,
            decay_minutes: 1,
        });
        let now = 1_700_000_000_000;
        let mut field = access.initial(now);
        assert_eq!(lfu_counter(field, now, 1), LFU_INIT_VAL);
        for _ in 0..1_000 {
            field = access.used(field, now);
        }
        // Redis's table for factor 10: about 18 after 1K hits, 23 after 10K.
        let counter = lfu_counter(field, now, 1);
        assert!((12..=30).contains(&counter), "counter {counter}");
        assert_eq!(lfu_counter(field, now + 3 * 60_000, 1), counter - 3);
        assert_eq!(lfu_counter(field, now + 3 * 60_000, 0), counter);
        assert_eq!(lfu_counter(field, now + 3 * 60_000, 2), counter - 1);
        assert_eq!(lfu_counter(field, now + 1_000 * 60_000, 1), 0);
        // Factor 0: every use counts, up to 255.
        access.set_tracking(Tracking::Frequency {
            log_factor: 0,
            decay_minutes: 1,
        });
        let mut field = access.initial(now);
        for _ in 0..300 {
            field = access.used(field, now);
        }
        assert_eq!(lfu_counter(field, now, 1), 255);
    }
}
