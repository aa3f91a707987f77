//! The little state every core shares: configuration (copied into each
//! core when it changes), client ids and counts, the shutdown flag. Only
//! the control plane touches it; no command's data path takes a lock.

use crate::config::Config;
use crate::evict::FullShards;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub struct Global {
    config: RwLock<Arc<Config>>,
    config_epoch: AtomicU64,
    pub shard_count: usize,
    pub connected_clients: AtomicUsize,
    /// Clients waiting in a blocking command, and those of them whose
    /// command has a timeout.
    pub blocked_clients: AtomicUsize,
    pub blocked_with_timeout: AtomicUsize,
    next_client_id: AtomicU64,
    shutdown: AtomicBool,
    pub started: Instant,
    /// 40 hex characters, as Redis's run_id.
    pub run_id: String,
    pub total_connections_received: AtomicU64,
    pub rejected_connections: AtomicU64,
    /// Shards over maxmemory with nothing to evict (see `evict.rs`).
    pub full_shards: FullShards,
    /// The most `used_memory` seen (sampled by every core's periodic task
    /// and by INFO).
    used_memory_peak: AtomicUsize,
    /// The clock commands are timed with (calibrated once).
    pub clock: quanta::Clock,
    /// The next slow-log entry's id (ids are the node's, in order).
    next_slowlog_id: AtomicU64,
}

impl Global {
    pub fn new(config: Config, shard_count: usize) -> Global {
        let seed = unix_ms() ^ u64::from(std::process::id()).rotate_left(32);
        let mut x = seed | 1;
        let run_id = (0..40)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from_digit((x % 16) as u32, 16).unwrap_or('0')
            })
            .collect();
        Global {
            config: RwLock::new(Arc::new(config)),
            config_epoch: AtomicU64::new(0),
            shard_count,
            connected_clients: AtomicUsize::new(0),
            blocked_clients: AtomicUsize::new(0),
            blocked_with_timeout: AtomicUsize::new(0),
            next_client_id: AtomicU64::new(1),
            shutdown: AtomicBool::new(false),
            started: Instant::now(),
            run_id,
            total_connections_received: AtomicU64::new(0),
            rejected_connections: AtomicU64::new(0),
            full_shards: FullShards::new(shard_count),
            used_memory_peak: AtomicUsize::new(0),
            clock: quanta::Clock::new(),
            next_slowlog_id: AtomicU64::new(0),
        }
    }

    /// Bytes in use now ([`crate::alloc::used_total`], or mimalloc's
    /// committed bytes when the counting allocator is not installed), and
    /// the peak so far, updated with it.
    pub fn used_memory(&self) -> (usize, usize) {
        let used = if crate::alloc::installed() {
            crate::alloc::used_total()
        } else {
            crate::keyspace::memory::committed()
        };
        let peak = self.used_memory_peak.fetch_max(used, Ordering::Relaxed);
        (used, peak.max(used))
    }

    /// The current configuration.
    pub fn config(&self) -> Arc<Config> {
        match self.config.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Changes the configuration; cores pick the change up at their next batch.
    pub fn update_config<R>(&self, f: impl FnOnce(&mut Config) -> R) -> R {
        let mut guard = match self.config.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut next = (**guard).clone();
        let r = f(&mut next);
        *guard = Arc::new(next);
        self.config_epoch.fetch_add(1, Ordering::Release);
        r
    }

    /// Starts the peak again from now (CONFIG RESETSTAT).
    pub fn reset_memory_peak(&self) {
        self.used_memory_peak.store(0, Ordering::Relaxed);
    }

    /// Bumped by every configuration change.
    pub fn config_epoch(&self) -> u64 {
        self.config_epoch.load(Ordering::Acquire)
    }

    pub fn next_client_id(&self) -> u64 {
        self.next_client_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn next_slowlog_id(&self) -> u64 {
        self.next_slowlog_id.fetch_add(1, Ordering::Relaxed)
    }

    pub fn request_shutdown(&self) {
        self.shutdown.store(true, Ordering::Release);
    }

    pub fn shutting_down(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }
}

/// Unix time in milliseconds.
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Unix time in microseconds.
pub fn unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}
