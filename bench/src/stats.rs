//! What a run measured: per command, the replies, hits, misses and errors, and an HDR histogram
//! of latencies in nanoseconds; per thread, the distinct error messages; merged across threads
//! at the end.

use std::sync::atomic::{AtomicU64, Ordering};

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::limits::{
    ERROR_MESSAGES_KEPT, ERROR_MESSAGE_LEN_MAX, LATENCY_NS_MAX, LATENCY_SIGNIFICANT_DIGITS,
};

/// A latency histogram with the bounds of [`crate::limits`].
pub fn new_histogram() -> Histogram<u64> {
    // The bounds are constants that satisfy the constructor's rules (low >= 1, high >= 2 * low,
    // digits <= 5): a failure here is a bug, caught by every test.
    #[allow(clippy::expect_used)]
    Histogram::new_with_bounds(1, LATENCY_NS_MAX, LATENCY_SIGNIFICANT_DIGITS)
        .expect("latency histogram bounds are valid")
}

/// The measured replies to one command template.
#[derive(Clone, Debug)]
pub struct CommandStats {
    /// Replies received (errors included).
    pub ops: u64,
    /// Replies that were not nil (counted for GET only).
    pub hits: u64,
    /// Nil replies (counted for GET only).
    pub misses: u64,
    /// Error replies.
    pub errors: u64,
    /// Latency of every reply, in nanoseconds, from the request's intended send time.
    pub latency_ns: Histogram<u64>,
}

impl Default for CommandStats {
    fn default() -> Self {
        CommandStats {
            ops: 0,
            hits: 0,
            misses: 0,
            errors: 0,
            latency_ns: new_histogram(),
        }
    }
}

impl CommandStats {
    /// Counts one reply that took `latency_ns`; latencies beyond the histogram's range are
    /// recorded as its maximum.
    #[inline]
    pub fn record(&mut self, latency_ns: u64) {
        self.ops += 1;
        self.latency_ns.saturating_record(latency_ns);
    }

    /// Adds `other`'s counts and latencies to these.
    pub fn merge(&mut self, other: &CommandStats) {
        self.ops += other.ops;
        self.hits += other.hits;
        self.misses += other.misses;
        self.errors += other.errors;
        // Both histograms have the same bounds, so adding cannot fail; saturate regardless.
        if self.latency_ns.add(&other.latency_ns).is_err() {
            for value in other.latency_ns.iter_recorded() {
                self.latency_ns
                    .saturating_record_n(value.value_iterated_to(), value.count_at_value());
            }
        }
    }
}

/// Latency percentiles of a histogram, in milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Mean.
    pub avg: f64,
    /// Smallest.
    pub min: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p99_9: f64,
    /// 99.99th percentile.
    pub p99_99: f64,
    /// Largest.
    pub max: f64,
}

impl LatencySummary {
    /// The summary of a histogram of nanoseconds; all zero when it is empty.
    pub fn of(histogram: &Histogram<u64>) -> LatencySummary {
        let ms = |ns: u64| ns as f64 / 1e6;
        if histogram.is_empty() {
            return LatencySummary {
                avg: 0.0,
                min: 0.0,
                p50: 0.0,
                p90: 0.0,
                p99: 0.0,
                p99_9: 0.0,
                p99_99: 0.0,
                max: 0.0,
            };
        }
        LatencySummary {
            avg: histogram.mean() / 1e6,
            min: ms(histogram.min()),
            p50: ms(histogram.value_at_quantile(0.5)),
            p90: ms(histogram.value_at_quantile(0.9)),
            p99: ms(histogram.value_at_quantile(0.99)),
            p99_9: ms(histogram.value_at_quantile(0.999)),
            p99_99: ms(histogram.value_at_quantile(0.9999)),
            max: ms(histogram.max()),
        }
    }
}

/// The first few distinct error messages and how often each came, plus the total.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorLog {
    /// Error replies in total.
    pub count: u64,
    /// Distinct messages (cut to [`ERROR_MESSAGE_LEN_MAX`] bytes) in order of first sight, at
    /// most [`ERROR_MESSAGES_KEPT`], with their counts.
    pub messages: Vec<(String, u64)>,
}

impl ErrorLog {
    /// Counts one error reply. Allocates only for a message not seen before.
    pub fn record(&mut self, message: &[u8]) {
        self.count += 1;
        let message = &message[..message.len().min(ERROR_MESSAGE_LEN_MAX)];
        if let Some((_, count)) = self
            .messages
            .iter_mut()
            .find(|(known, _)| known.as_bytes() == message)
        {
            *count += 1;
        } else if self.messages.len() < ERROR_MESSAGES_KEPT {
            self.messages
                .push((String::from_utf8_lossy(message).into_owned(), 1));
        }
    }

    /// Adds `other`'s errors to these.
    pub fn merge(&mut self, other: &ErrorLog) {
        self.count += other.count;
        for (message, count) in &other.messages {
            if let Some((_, known)) = self.messages.iter_mut().find(|(m, _)| m == message) {
                *known += count;
            } else if self.messages.len() < ERROR_MESSAGES_KEPT {
                self.messages.push((message.clone(), *count));
            }
        }
    }
}

/// Everything one worker thread measured.
#[derive(Clone, Debug)]
pub struct ThreadStats {
    /// Per command template, in the workload's order.
    pub commands: Vec<CommandStats>,
    /// Measured error replies.
    pub errors: ErrorLog,
    /// Bytes written to the server after the warm-up.
    pub bytes_sent: u64,
    /// Bytes read from the server after the warm-up.
    pub bytes_received: u64,
    /// When the last measured reply arrived, in nanoseconds since the run's epoch (0 if none).
    pub last_reply_ns: u64,
}

impl ThreadStats {
    /// Empty statistics for `commands` templates.
    pub fn new(commands: usize) -> ThreadStats {
        ThreadStats {
            commands: vec![CommandStats::default(); commands],
            errors: ErrorLog::default(),
            bytes_sent: 0,
            bytes_received: 0,
            last_reply_ns: 0,
        }
    }

    /// Adds `other`'s measurements to these.
    pub fn merge(&mut self, other: &ThreadStats) {
        for (mine, theirs) in self.commands.iter_mut().zip(&other.commands) {
            mine.merge(theirs);
        }
        self.errors.merge(&other.errors);
        self.bytes_sent += other.bytes_sent;
        self.bytes_received += other.bytes_received;
        self.last_reply_ns = self.last_reply_ns.max(other.last_reply_ns);
    }
}

/// Counters a worker publishes for the per-second progress line (warm-up included). Only its
/// own thread writes them; one per cache line so that threads do not share lines.
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct Progress {
    /// Replies received.
    pub replies: AtomicU64,
    /// Sum of their latencies, in nanoseconds.
    pub latency_ns_sum: AtomicU64,
    /// Error replies received.
    pub errors: AtomicU64,
}

/// A reading of the [`Progress`] counters of every thread, summed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProgressSnapshot {
    /// Replies received.
    pub replies: u64,
    /// Sum of their latencies, in nanoseconds.
    pub latency_ns_sum: u64,
    /// Error replies received.
    pub errors: u64,
}

impl ProgressSnapshot {
    /// Sums the counters of all threads.
    pub fn read(progress: &[Progress]) -> ProgressSnapshot {
        progress
            .iter()
            .fold(ProgressSnapshot::default(), |sum, p| ProgressSnapshot {
                replies: sum.replies + p.replies.load(Ordering::Relaxed),
                latency_ns_sum: sum.latency_ns_sum + p.latency_ns_sum.load(Ordering::Relaxed),
                errors: sum.errors + p.errors.load(Ordering::Relaxed),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_known_latencies() {
        let mut stats = CommandStats::default();
        // 1..=10000 microseconds, once each.
        for us in 1..=10_000u64 {
            stats.record(us * 1000);
        }
        assert_eq!(stats.ops, 10_000);
        let summary = LatencySummary::of(&stats.latency_ns);
        let close = |got: f64, want: f64| (got / want - 1.0).abs() < 0.002;
        assert!(close(summary.p50, 5.0), "{summary:?}");
        assert!(close(summary.p90, 9.0), "{summary:?}");
        assert!(close(summary.p99, 9.9), "{summary:?}");
        assert!(close(summary.p99_9, 9.99), "{summary:?}");
        assert!(close(summary.p99_99, 9.999), "{summary:?}");
        assert!(close(summary.max, 10.0), "{summary:?}");
        assert!(close(summary.min, 0.001), "{summary:?}");
        assert!(close(summary.avg, 5.0005), "{summary:?}");
    }

    #[test]
    fn out_of_range_latencies_saturate() {
        let mut stats = CommandStats::default();
        stats.record(0);
        stats.record(u64::MAX);
        assert_eq!(stats.ops, 2);
        let summary = LatencySummary::of(&stats.latency_ns);
        assert_eq!(summary.min, 0.0);
        let hour_ms = LATENCY_NS_MAX as f64 / 1e6;
        assert!((summary.max / hour_ms - 1.0).abs() < 0.001, "{summary:?}");
        assert_eq!(LatencySummary::of(&new_histogram()).max, 0.0);
    }

    #[test]
    fn threads_merge() {
        let mut a = ThreadStats::new(2);
        let mut b = ThreadStats::new(2);
        a.commands[0].record(1_000_000);
        a.commands[1].hits = 3;
        b.commands[0].record(3_000_000);
        b.commands[1].misses = 4;
        a.last_reply_ns = 5;
        b.last_reply_ns = 9;
        b.bytes_sent = 10;
        a.merge(&b);
        assert_eq!(a.commands[0].ops, 2);
        assert_eq!(a.commands[0].latency_ns.len(), 2);
        let summary = LatencySummary::of(&a.commands[0].latency_ns);
        assert!((summary.avg - 2.0).abs() < 0.01);
        assert_eq!((a.commands[1].hits, a.commands[1].misses), (3, 4));
        assert_eq!(a.last_reply_ns, 9);
        assert_eq!(a.bytes_sent, 10);
    }

    #[test]
    fn error_log_keeps_the_first_distinct_messages() {
        let mut log = ErrorLog::default();
        log.record(b"ERR one");
        log.record(b"ERR one");
        for i in 0..20 {
            log.record(format!("ERR number {i}").as_bytes());
        }
        assert_eq!(log.count, 22);
        assert_eq!(log.messages.len(), ERROR_MESSAGES_KEPT);
        assert_eq!(log.messages[0], ("ERR one".to_owned(), 2));
        log.record(&[b'x'; 1000]);
        let mut other = ErrorLog::default();
        other.record(b"ERR one");
        other.record(b"ERR new");
        log.merge(&other);
        assert_eq!(log.count, 25);
        assert_eq!(log.messages[0].1, 3);
        let mut small = ErrorLog::default();
        small.record(&[b'y'; 1000]);
        assert_eq!(small.messages[0].0.len(), ERROR_MESSAGE_LEN_MAX);
    }
}
