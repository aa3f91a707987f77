//! shoal-bench: a memtier_benchmark-style load generator for Redis-compatible servers.
//!
//! Threads each run one mio event loop over their connections; every connection pipelines
//! requests from a workload (SET:GET ratio or a custom command with placeholders), draws keys
//! from a pattern, and records latency in HDR histograms per command.
//!
//! - [`limits`]: every bound, in one place.
//! - [`config`]: the command-line flags (clap) and the checked [`config::Config`].
//! - [`keys`]: key number patterns: sequential, uniform, Zipf, Gaussian.
//! - [`command`]: request templates with `__key__` / `__data__`, encoded without allocation.
//! - [`reply`]: a non-allocating RESP2/RESP3 reply scanner.
//! - [`stats`]: per-command counts and latency histograms, error messages, progress counters.
//! - [`worker`]: one thread's event loop: pipelining, `--rate` schedules, reply matching.
//! - [`run`]: connecting, RESP3 set-up, starting workers, progress, merging.
//! - [`report`]: the table, the JSON and the progress line.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod command;
pub mod config;
pub mod keys;
pub mod limits;
pub mod reply;
pub mod report;
pub mod run;
pub mod stats;
pub mod worker;
