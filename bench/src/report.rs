//! The results: a table for people (stdout), JSON for scripts (`--json-out`), and the
//! per-second progress line (stderr).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use crate::config::{Config, ConfigSummary};
use crate::stats::{new_histogram, LatencySummary, ProgressSnapshot, ThreadStats};

/// Everything a run reports.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// `shoal-bench`.
    pub tool: &'static str,
    /// This crate's version.
    pub version: &'static str,
    /// The settings.
    pub config: ConfigSummary,
    /// The measured window, from the end of the warm-up to the last measured reply, seconds.
    pub duration_s: f64,
    /// All commands together.
    pub totals: CommandReport,
    /// Per command name.
    pub commands: BTreeMap<String, CommandReport>,
    /// Bytes on the wire after the warm-up.
    pub network: NetworkReport,
    /// Error replies.
    pub errors: ErrorsReport,
}

/// The figures of one command, or of all.
#[derive(Clone, Debug, Serialize)]
pub struct CommandReport {
    /// Replies received, errors included.
    pub ops: u64,
    /// `ops` per second of the measured window.
    pub ops_per_sec: f64,
    /// Non-nil GET replies (GET and totals only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hits: Option<u64>,
    /// Nil GET replies (GET and totals only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub misses: Option<u64>,
    /// `hits` per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hits_per_sec: Option<f64>,
    /// `misses` per second.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub misses_per_sec: Option<f64>,
    /// `hits / (hits + misses)`, 0 when there were neither (GET and totals only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hit_ratio: Option<f64>,
    /// Error replies.
    pub errors: u64,
    /// Latency from the (intended) send time to the reply, milliseconds.
    pub latency_ms: LatencySummary,
}

/// Bytes on the wire.
#[derive(Clone, Debug, Serialize)]
pub struct NetworkReport {
    /// Written to the server.
    pub bytes_sent: u64,
    /// Read from the server.
    pub bytes_received: u64,
}

/// Error replies and the first distinct messages.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorsReport {
    /// Error replies in the measured window.
    pub count: u64,
    /// The first distinct messages and how often each came.
    pub messages: Vec<ErrorMessage>,
}

/// One distinct error message.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorMessage {
    /// The text, without the leading `-`.
    pub message: String,
    /// How often it came.
    pub count: u64,
}

impl Report {
    /// The report of a run of `config` that measured `stats` over `duration`.
    pub fn new(config: &Config, stats: &ThreadStats, duration: Duration) -> Report {
        let seconds = duration.as_secs_f64();
        let per_sec = |n: u64| {
            if seconds > 0.0 {
                n as f64 / seconds
            } else {
                0.0
            }
        };
        let mut commands = BTreeMap::new();
        let mut all = new_histogram();
        let (mut ops, mut errors, mut hits, mut misses, mut counts_hits) = (0, 0, 0, 0, false);
        for (template, command) in config.workload.templates.iter().zip(&stats.commands) {
            // Same bounds on both sides: adding cannot fail.
            let _ = all.add(&command.latency_ns);
            ops += command.ops;
            errors += command.errors;
            let gets = template.counts_hits();
            if gets {
                counts_hits = true;
                hits += command.hits;
                misses += command.misses;
            }
            let hit_figure = |n: u64| gets.then_some(n);
            let hit_rate = |n: u64| gets.then(|| per_sec(n));
            let entry = commands
                .entry(template.name().to_owned())
                .or_insert_with(|| CommandReport {
                    ops: 0,
                    ops_per_sec: 0.0,
                    hits: hit_figure(0),
                    misses: hit_figure(0),
                    hits_per_sec: hit_rate(0),
                    misses_per_sec: hit_rate(0),
                    hit_ratio: hit_figure(0).map(|_| 0.0),
                    errors: 0,
                    latency_ms: LatencySummary::of(&command.latency_ns),
                });
            entry.ops += command.ops;
            entry.ops_per_sec = per_sec(entry.ops);
            entry.errors += command.errors;
            if gets {
                let (h, m) = (entry.hits.unwrap_or(0), entry.misses.unwrap_or(0));
                entry.hits = Some(h + command.hits);
                entry.misses = Some(m + command.misses);
                entry.hits_per_sec = Some(per_sec(h + command.hits));
                entry.misses_per_sec = Some(per_sec(m + command.misses));
                entry.hit_ratio = Some(hit_ratio(h + command.hits, m + command.misses));
            }
        }
        let totals = CommandReport {
            ops,
            ops_per_sec: per_sec(ops),
            hits: counts_hits.then_some(hits),
            misses: counts_hits.then_some(misses),
            hits_per_sec: counts_hits.then(|| per_sec(hits)),
            misses_per_sec: counts_hits.then(|| per_sec(misses)),
            hit_ratio: counts_hits.then(|| hit_ratio(hits, misses)),
            errors,
            latency_ms: LatencySummary::of(&all),
        };
        Report {
            tool: "shoal-bench",
            version: env!("CARGO_PKG_VERSION"),
            config: config.summary(),
            duration_s: seconds,
            totals,
            commands,
            network: NetworkReport {
                bytes_sent: stats.bytes_sent,
                bytes_received: stats.bytes_received,
            },
            errors: ErrorsReport {
                count: stats.errors.count,
                messages: stats
                    .errors
                    .messages
                    .iter()
                    .map(|(message, count)| ErrorMessage {
                        message: message.clone(),
                        count: *count,
                    })
                    .collect(),
            },
        }
    }

    /// The report as pretty-printed JSON.
    pub fn to_json(&self) -> String {
        // Serializing plain structs of numbers and strings cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The results table, memtier_benchmark-style.
    pub fn table(&self) -> String {
        let c = &self.config;
        let mut out = String::new();
        let stop = match (c.requests_per_connection, c.total_requests, c.test_time_s) {
            (Some(n), _, _) => format!("{n} requests per connection"),
            (_, Some(n), _) => format!("{n} requests in total"),
            (_, _, Some(s)) => format!("{s} s"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "shoal-bench {} against {}:{}: {} thread{} x {} connections, pipeline {}, RESP{}, {stop}{}",
            self.version,
            c.server,
            c.port,
            c.threads,
            if c.threads == 1 { "" } else { "s" },
            c.clients,
            c.pipeline,
            c.resp,
            if c.warmup_s > 0.0 {
                format!(" after {} s of warm-up", c.warmup_s)
            } else {
                String::new()
            }
        );
        let values = if c.data_size_min == c.data_size_max {
            format!("{} bytes", c.data_size_min)
        } else {
            format!("{}-{} bytes", c.data_size_min, c.data_size_max)
        };
        let _ = writeln!(
            out,
            "{}, keys {}[{}..={}] pattern {}{}, values {values}{}",
            c.workload,
            c.key_prefix,
            c.key_minimum,
            c.key_maximum,
            c.key_pattern,
            c.key_zipf_exp
                .map_or_else(String::new, |e| format!(" (Zipf exponent {e})")),
            c.rate
                .map_or_else(String::new, |r| format!(", rate {r} requests/s")),
        );
        let _ = writeln!(
            out,
            "{} ops in {:.3} s, {} errors",
            self.totals.ops, self.duration_s, self.errors.count
        );
        if let (Some(hits), Some(misses), Some(ratio)) =
            (self.totals.hits, self.totals.misses, self.totals.hit_ratio)
        {
            let _ = writeln!(
                out,
                "GET hit ratio {ratio:.4} ({hits} hits, {misses} misses)"
            );
        }
        out.push('\n');
        let header = [
            "Type",
            "Ops/sec",
            "Hits/sec",
            "Misses/sec",
            "Errors",
            "Avg ms",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "p99.9 ms",
            "p99.99 ms",
            "Max ms",
        ];
        let widths = [8, 13, 12, 12, 8, 9, 9, 9, 9, 9, 10, 9];
        let mut line = String::new();
        for (i, (name, width)) in header.iter().zip(widths).enumerate() {
            if i == 0 {
                let _ = write!(line, "{name:<width$}");
            } else {
                let _ = write!(line, " {name:>width$}");
            }
        }
        let _ = writeln!(out, "{line}");
        let _ = writeln!(out, "{}", "-".repeat(line.len()));
        let mut row = |name: &str, r: &CommandReport| {
            let rate = |x: Option<f64>| x.map_or_else(|| "---".to_owned(), |x| format!("{x:.2}"));
            let l = &r.latency_ms;
            let cells = [
                name.to_owned(),
                format!("{:.2}", r.ops_per_sec),
                rate(r.hits_per_sec),
                rate(r.misses_per_sec),
                r.errors.to_string(),
                format!("{:.3}", l.avg),
                format!("{:.3}", l.p50),
                format!("{:.3}", l.p90),
                format!("{:.3}", l.p99),
                format!("{:.3}", l.p99_9),
                format!("{:.3}", l.p99_99),
                format!("{:.3}", l.max),
            ];
            let mut line = String::new();
            for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
                if i == 0 {
                    let _ = write!(line, "{cell:<width$}");
                } else {
                    let _ = write!(line, " {cell:>width$}");
                }
            }
            let _ = writeln!(out, "{line}");
        };
        for (name, command) in &self.commands {
            row(name, command);
        }
        row("Totals", &self.totals);
        let mb = |bytes: u64| {
            if self.duration_s > 0.0 {
                bytes as f64 / self.duration_s / 1e6
            } else {
                0.0
            }
        };
        let _ = writeln!(
            out,
            "\nNetwork: {:.2} MB/s sent, {:.2} MB/s received",
            mb(self.network.bytes_sent),
            mb(self.network.bytes_received)
        );
        out
    }

    /// What to tell the user about error replies, if there were any.
    pub fn error_summary(&self) -> Option<String> {
        if self.errors.count == 0 {
            return None;
        }
        let mut out = format!(
            "warning: {} error replies ({:.2} % of replies); first distinct messages:",
            self.errors.count,
            100.0 * self.errors.count as f64 / self.totals.ops.max(1) as f64
        );
        for m in &self.errors.messages {
            let _ = write!(out, "\n  ({} times) {}", m.count, m.message);
        }
        Some(out)
    }
}

/// `hits / (hits + misses)`, or 0 when both are 0.
fn hit_ratio(hits: u64, misses: u64) -> f64 {
    match hits + misses {
        0 => 0.0,
        gets => hits as f64 / gets as f64,
    }
}

/// One progress line: the phase, the reply rate and mean latency since the previous line.
pub fn progress_line(
    elapsed: Duration,
    phase: &str,
    previous: &ProgressSnapshot,
    current: &ProgressSnapshot,
    interval: Duration,
) -> String {
    let replies = current.replies.saturating_sub(previous.replies);
    let latency_ns = current
        .latency_ns_sum
        .saturating_sub(previous.latency_ns_sum);
    let seconds = interval.as_secs_f64();
    let rate = if seconds > 0.0 {
        replies as f64 / seconds
    } else {
        0.0
    };
    let avg_ms = if replies > 0 {
        latency_ns as f64 / replies as f64 / 1e6
    } else {
        0.0
    };
    format!(
        "[{:>5.0}s] {phase:<7} {rate:>12.0} ops/s  avg {avg_ms:>8.3} ms  {:>12} replies  {} errors",
        elapsed.as_secs_f64(),
        current.replies,
        current.errors
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Args;
    use clap::Parser;

    fn config(args: &[&str]) -> Config {
        let args = Args::try_parse_from(std::iter::once("shoal-bench").chain(args.iter().copied()))
            .unwrap();
        Config::from_args(args).unwrap()
    }

    #[test]
    fn figures_per_command_and_in_total() {
        let config = config(&["--ratio", "1:3"]);
        let mut stats = ThreadStats::new(2);
        for _ in 0..10 {
            stats.commands[0].record(1_000_000);
        }
        for _ in 0..30 {
            stats.commands[1].record(2_000_000);
        }
        stats.commands[1].hits = 20;
        stats.commands[1].misses = 10;
        stats.errors.record(b"ERR x");
        stats.commands[0].errors = 1;
        let report = Report::new(&config, &stats, Duration::from_secs(2));
        assert_eq!(report.totals.ops, 40);
        assert_eq!(report.totals.ops_per_sec, 20.0);
        assert_eq!(report.totals.hits, Some(20));
        assert_eq!(report.totals.misses_per_sec, Some(5.0));
        assert_eq!(report.totals.hit_ratio, Some(20.0 / 30.0));
        assert_eq!(report.totals.errors, 1);
        assert!((report.totals.latency_ms.avg - 1.75).abs() < 0.01);
        let set = &report.commands["SET"];
        assert_eq!((set.ops, set.hits, set.errors), (10, None, 1));
        assert_eq!(set.hit_ratio, None);
        let get = &report.commands["GET"];
        assert_eq!(get.ops_per_sec, 15.0);
        assert!((get.latency_ms.p99 - 2.0).abs() < 0.01);

        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["totals"]["ops"], 40);
        assert_eq!(json["commands"]["GET"]["hits"], 20);
        assert_eq!(json["commands"]["GET"]["hit_ratio"], 20.0 / 30.0);
        assert_eq!(json["totals"]["hit_ratio"], 20.0 / 30.0);
        assert!(json["commands"]["SET"].get("hits").is_none());
        assert!(json["commands"]["SET"].get("hit_ratio").is_none());
        assert_eq!(json["config"]["pipeline"], 1);
        assert_eq!(json["errors"]["messages"][0]["message"], "ERR x");
        for p in ["avg", "p50", "p90", "p99", "p99_9", "p99_99", "max"] {
            assert!(json["totals"]["latency_ms"][p].is_number(), "{p}");
        }

        let table = report.table();
        assert!(table.contains("Totals"), "{table}");
        assert!(
            table.contains("GET hit ratio 0.6667 (20 hits, 10 misses)"),
            "{table}"
        );
        assert!(table.contains("p99.99 ms"), "{table}");
        assert!(report.error_summary().unwrap().contains("ERR x"));
    }

    #[test]
    fn read_through_reports_the_refills_and_the_hit_ratio() {
        let only_sets = config(&["--ratio", "1:0"]);
        let config = config(&["--read-through"]);
        let mut stats = ThreadStats::new(2);
        for _ in 0..8 {
            stats.commands[0].record(1_000_000);
        }
        stats.commands[0].hits = 6;
        stats.commands[0].misses = 2;
        for _ in 0..2 {
            stats.commands[1].record(1_000_000);
        }
        let report = Report::new(&config, &stats, Duration::from_secs(1));
        // The SETs after the misses are requests like any other, on their own row.
        assert_eq!(report.totals.ops, 10);
        assert_eq!(report.commands["SET"].ops, 2);
        assert_eq!(report.totals.hit_ratio, Some(0.75));
        assert_eq!(report.commands["GET"].hit_ratio, Some(0.75));
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["config"]["read_through"], true);
        assert_eq!(json["totals"]["hit_ratio"], 0.75);
        let table = report.table();
        assert!(table.contains("read-through"), "{table}");
        assert!(table.contains("GET hit ratio 0.7500"), "{table}");

        // No GET replies at all: a ratio of 0, not NaN; no GETs in the workload: no ratio.
        let empty = Report::new(&config, &ThreadStats::new(2), Duration::ZERO);
        assert_eq!(empty.totals.hit_ratio, Some(0.0));
        let sets = Report::new(&only_sets, &ThreadStats::new(1), Duration::ZERO);
        assert_eq!(sets.totals.hit_ratio, None);
        assert!(!sets.table().contains("hit ratio"));
    }

    #[test]
    fn progress_line_rates() {
        let before = ProgressSnapshot {
            replies: 100,
            latency_ns_sum: 1_000_000,
            errors: 0,
        };
        let after = ProgressSnapshot {
            replies: 1100,
            latency_ns_sum: 501_000_000,
            errors: 2,
        };
        let line = progress_line(
            Duration::from_secs(3),
            "run",
            &before,
            &after,
            Duration::from_millis(500),
        );
        assert!(line.contains(" 2000 ops/s"), "{line}");
        assert!(line.contains("avg    0.500 ms"), "{line}");
        assert!(line.contains("2 errors"), "{line}");
    }
}
