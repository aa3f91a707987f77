//! Configuration: built-in defaults that serve out of the box, overridden by
//! a redis.conf-style file (first argument) and then by `--name value`
//! flags with the same names. One table of [`Setting`]s drives parsing,
//! `CONFIG GET` and `CONFIG SET`.

use crate::evict::{self, Policy};
use crate::limits::{DATABASES_DEFAULT, DATABASES_MAX, THREADS_MAX};
pub use crate::pubsub::OutputLimit;
use std::fmt;

/// `loglevel`, as Redis names the levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Verbose,
    Notice,
    Warning,
    Nothing,
}

impl LogLevel {
    const NAMES: [(LogLevel, &'static str); 5] = [
        (LogLevel::Debug, "debug"),
        (LogLevel::Verbose, "verbose"),
        (LogLevel::Notice, "notice"),
        (LogLevel::Warning, "warning"),
        (LogLevel::Nothing, "nothing"),
    ];
    pub fn name(self) -> &'static str {
        LogLevel::NAMES
            .iter()
            .find(|(l, _)| *l == self)
            .map(|(_, n)| *n)
            .unwrap_or("notice")
    }
    fn parse(s: &str) -> Option<LogLevel> {
        LogLevel::NAMES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(s))
            .map(|(l, _)| *l)
    }
}

/// Every setting's current value.
#[derive(Clone, Debug)]
pub struct Config {
    /// Addresses to listen on; a leading '-' marks one that may be unavailable.
    pub bind: Vec<String>,
    pub port: u16,
    /// Port of the Prometheus `/metrics` endpoint (on the `bind`
    /// addresses, served by core 0); 0 = off.
    pub metrics_port: u16,
    /// Executors (cores); 0 = one per CPU the process may run on.
    pub threads: usize,
    /// Pin each executor to one allowed CPU.
    pub cpu_pinning: bool,
    pub databases: usize,
    pub maxclients: usize,
    /// Close clients idle this many seconds; 0 = never.
    pub timeout_s: u64,
    /// SO_KEEPALIVE interval in seconds; 0 = off.
    pub tcp_keepalive_s: u64,
    pub proto_max_bulk_len: usize,
    pub client_query_buffer_limit: usize,
    pub hz: u32,
    /// `active-expire-effort` (1-10): how much of each `hz` cycle active
    /// expiry may spend (see `runtime::ExpireCycle`).
    pub active_expire_effort: u32,
    pub loglevel: LogLevel,
    /// Log file path; empty = standard output.
    pub logfile: String,
    /// The config file the server started with, if any (INFO config_file).
    pub config_file: String,
    /// A hash is a listpack while it has at most this many fields...
    pub hash_max_listpack_entries: usize,
    /// ...and no field or value longer than this many bytes.
    pub hash_max_listpack_value: usize,
    /// A set of integers is an intset while it has at most this many members.
    pub set_max_intset_entries: usize,
    /// `notify-keyspace-events`, as `notify` flags.
    pub notify_keyspace_events: u32,
    /// A list node holds at most this many elements (positive), or at most
    /// 4, 8, 16, 32 or 64 KiB (-1 ..= -5).
    pub list_max_listpack_size: i32,
    /// A sorted set is a listpack while it has at most this many members...
    pub zset_max_listpack_entries: usize,
    /// ...and no member longer than this many bytes.
    pub zset_max_listpack_value: usize,
    /// `client-output-buffer-limit` of the pubsub class.
    pub output_limit_pubsub: OutputLimit,
    /// `client-output-buffer-limit` of the replica class (no client is of
    /// it until replication exists; kept so that configs round-trip).
    pub output_limit_replica: OutputLimit,
    /// `maxmemory` (0: no limit) and how it is kept (see `evict.rs`).
    pub maxmemory: usize,
    pub maxmemory_policy: Policy,
    pub maxmemory_samples: usize,
    pub maxmemory_eviction_tenacity: u32,
    pub lfu_log_factor: u32,
    pub lfu_decay_time: u32,
    /// `slowlog-log-slower-than` (µs; negative: off) and `slowlog-max-len`.
    pub slowlog_log_slower_than: i64,
    pub slowlog_max_len: usize,
    /// `latency-monitor-threshold` (ms; 0: off).
    pub latency_monitor_threshold: u64,
    /// `latency-tracking`: a latency histogram per command.
    pub latency_tracking: bool,
    /// `latency-tracking-info-percentiles`, as INFO latencystats reports.
    pub latency_tracking_info_percentiles: Vec<f64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: vec!["127.0.0.1".into(), "-::1".into()],
            port: 6379,
            metrics_port: 0,
            threads: 0,
            cpu_pinning: true,
            databases: DATABASES_DEFAULT,
            maxclients: 10_000,
            timeout_s: 0,
            tcp_keepalive_s: 300,
            proto_max_bulk_len: 512 * 1024 * 1024,
            client_query_buffer_limit: 1024 * 1024 * 1024,
            hz: 10,
            active_expire_effort: 1,
            loglevel: LogLevel::Notice,
            logfile: String::new(),
            config_file: String::new(),
            // Redis 7.0's defaults (config.c and the shipped redis.conf).
            hash_max_listpack_entries: 512,
            hash_max_listpack_value: 64,
            set_max_intset_entries: 512,
            notify_keyspace_events: 0,
            list_max_listpack_size: -2,
            zset_max_listpack_entries: 128,
            zset_max_listpack_value: 64,
            output_limit_pubsub: OutputLimit {
                hard_bytes: 32 * 1024 * 1024,
                soft_bytes: 8 * 1024 * 1024,
                soft_seconds: 60,
            },
            output_limit_replica: OutputLimit {
                hard_bytes: 256 * 1024 * 1024,
                soft_bytes: 64 * 1024 * 1024,
                soft_seconds: 60,
            },
            maxmemory: 0,
            maxmemory_policy: Policy::NoEviction,
            maxmemory_samples: 5,
            maxmemory_eviction_tenacity: 10,
            lfu_log_factor: 10,
            lfu_decay_time: 1,
            slowlog_log_slower_than: 10_000,
            slowlog_max_len: 128,
            latency_monitor_threshold: 0,
            latency_tracking: true,
            latency_tracking_info_percentiles: vec![50.0, 99.0, 99.9],
        }
    }
}

impl Config {
    /// What the command statistics, slow log and latency monitor follow.
    pub fn monitoring(&self) -> crate::cmdstats::Settings {
        crate::cmdstats::Settings {
            slowlog_us: self.slowlog_log_slower_than,
            latency_ms: self.latency_monitor_threshold,
            tracking: self.latency_tracking,
        }
    }

    /// What eviction follows.
    pub fn eviction(&self) -> evict::Settings {
        evict::Settings {
            maxmemory: self.maxmemory,
            policy: self.maxmemory_policy,
            samples: self.maxmemory_samples,
            tenacity: self.maxmemory_eviction_tenacity,
            lfu_log_factor: self.lfu_log_factor,
            lfu_decay_minutes: self.lfu_decay_time,
        }
    }
}

/// A configuration error, naming the setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    Unknown(String),
    Invalid { name: &'static str, reason: String },
    Immutable(&'static str),
    File(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Unknown(n) => {
                write!(f, "Bad directive or wrong number of arguments: '{n}'")
            }
            ConfigError::Invalid { name, reason } => write!(f, "'{name}': {reason}"),
            ConfigError::Immutable(n) => write!(f, "'{n}': can't set immutable config"),
            ConfigError::File(e) => write!(f, "{e}"),
        }
    }
}

type Getter = fn(&Config) -> String;
type Setter = fn(&mut Config, &[String]) -> Result<(), String>;

/// One setting: its Redis name, how to read and write it, and whether
/// CONFIG SET may change it at run time.
pub struct Setting {
    pub name: &'static str,
    pub get: Getter,
    set: Setter,
    pub mutable: bool,
}

/// Parses Redis's memory notation: `1gb` = 1024^3, `1g` = 10^9, `100k` = 10^5, ...
pub fn parse_memory(s: &str) -> Result<usize, String> {
    let lower = s.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(split);
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return Err("argument must be a memory value".into()),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| "argument must be a memory value".to_string())?;
    n.checked_mul(mul)
        .and_then(|v| usize::try_from(v).ok())
        .ok_or_else(|| "argument must be a memory value".to_string())
}

fn one(args: &[String]) -> Result<&str, String> {
    match args {
        [a] => Ok(a.as_str()),
        _ => Err("wrong number of arguments".into()),
    }
}

fn int_in(args: &[String], min: u64, max: u64) -> Result<u64, String> {
    let s = one(args)?;
    let n: i64 = s
        .parse()
        .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
    match u64::try_from(n) {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ => Err(format!(
            "argument must be between {min} and {max} inclusive"
        )),
    }
}

/// A memory value (Redis's notation) of at least `min` and at most i64::MAX.
fn memory_in(args: &[String], min: usize) -> Result<usize, String> {
    let v = parse_memory(one(args)?)?;
    if !(min..=i64::MAX as usize).contains(&v) {
        return Err(format!(
            "argument must be between {min} and 9223372036854775807 inclusive"
        ));
    }
    Ok(v)
}

/// A signed integer between `min` and `max` (Redis's int settings).
fn signed_in(args: &[String], min: i64, max: i64) -> Result<i64, String> {
    let n: i64 = one(args)?
        .parse()
        .map_err(|_| "argument couldn't be parsed into an integer".to_string())?;
    if !(min..=max).contains(&n) {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(n)
}

/// `latency-tracking-info-percentiles`: numbers from 0 to 100, as
/// Redis's setter checks them (one empty argument: none).
fn set_latency_tracking_info_percentiles(c: &mut Config, args: &[String]) -> Result<(), String> {
    let words: Vec<&str> = args.iter().flat_map(|a| a.split_whitespace()).collect();
    let mut percentiles = Vec::with_capacity(words.len());
    for w in words {
        let p: f64 = w
            .parse()
            .ok()
            .filter(|p: &f64| !p.is_nan())
            .ok_or("Invalid latency-tracking-info-percentiles parameters")?;
        if !(0.0..=100.0).contains(&p) {
            return Err(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                    .into(),
            );
        }
        percentiles.push(p);
    }
    c.latency_tracking_info_percentiles = percentiles;
    Ok(())
}

/// A percentile as Redis prints it: `%f` without trailing zeros (99.9, 50).
pub fn percentile_text(p: f64) -> String {
    let s = format!("{p:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `list-max-listpack-size`: any int, as in Redis (a list clamps it to
/// -5 ..= 32767 when it is created).
fn set_list_max_listpack_size(c: &mut Config, args: &[String]) -> Result<(), String> {
    let n = signed_in(args, i64::from(i32::MIN), i64::from(i32::MAX))?;
    c.list_max_listpack_size = i32::try_from(n).map_err(|_| "out of range".to_string())?;
    Ok(())
}

fn yes_no(args: &[String]) -> Result<bool, String> {
    match one(args)?.to_ascii_lowercase().as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err("argument must be 'yes' or 'no'".into()),
    }
}

fn yn(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

/// `client-output-buffer-limit`: classes with hard, soft and seconds, as
/// Redis writes them.
fn output_limits(c: &Config) -> String {
    let class = |name: &str, l: OutputLimit| {
        format!(
            "{name} {} {} {}",
            l.hard_bytes, l.soft_bytes, l.soft_seconds
        )
    };
    format!(
        "{} {} {}",
        class("normal", OutputLimit::default()),
        class("slave", c.output_limit_replica),
        class("pubsub", c.output_limit_pubsub)
    )
}

/// Sets the classes named in `args` (`<class> <hard> <soft> <seconds>` ...).
/// Limits of normal clients are not supported: only 0 0 0 is accepted.
fn set_output_limits(c: &mut Config, args: &[String]) -> Result<(), String> {
    let words: Vec<&str> = args.iter().flat_map(|a| a.split_whitespace()).collect();
    if words.is_empty() || !words.len().is_multiple_of(4) {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut next = c.clone();
    for group in words.chunks_exact(4) {
        let hard = parse_memory(group[1]).map_err(|_| {
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.".to_string()
        })?;
        let soft = parse_memory(group[2]).map_err(|_| {
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.".to_string()
        })?;
        let seconds: u64 = group[3].parse().map_err(|_| {
            "Error in hard, soft or soft_seconds setting in buffer limit configuration.".to_string()
        })?;
        let limit = OutputLimit {
            hard_bytes: hard,
            soft_bytes: soft,
            soft_seconds: seconds,
        };
        match group[0].to_ascii_lowercase().as_str() {
            "normal" if limit == OutputLimit::default() => {}
            "normal" => {
                return Err(
                    "output buffer limits of normal clients are not supported (only 0 0 0)".into(),
                )
            }
            "slave" | "replica" => next.output_limit_replica = limit,
            "pubsub" => next.output_limit_pubsub = limit,
            _ => {
                return Err("Invalid client class specified in buffer limit configuration.".into())
            }
        }
    }
    *c = next;
    Ok(())
}

// The setters of settings that Redis 7.0 also accepts under their old
// ziplist names (both entries share one).
fn set_hash_max_listpack_entries(c: &mut Config, a: &[String]) -> Result<(), String> {
    c.hash_max_listpack_entries = int_in(a, 0, i64::MAX as u64)? as usize;
    Ok(())
}

fn set_hash_max_listpack_value(c: &mut Config, a: &[String]) -> Result<(), String> {
    c.hash_max_listpack_value = memory_in(a, 0)?;
    Ok(())
}

fn set_zset_max_listpack_entries(c: &mut Config, a: &[String]) -> Result<(), String> {
    c.zset_max_listpack_entries = int_in(a, 0, i64::MAX as u64)? as usize;
    Ok(())
}

fn set_zset_max_listpack_value(c: &mut Config, a: &[String]) -> Result<(), String> {
    c.zset_max_listpack_value = memory_in(a, 0)?;
    Ok(())
}

/// Every setting, in the order CONFIG GET * lists them.
pub static SETTINGS: &[Setting] = &[
    Setting {
        name: "bind",
        get: |c| c.bind.join(" "),
        set: |c, a| {
            if a.is_empty() {
                return Err("wrong number of arguments".into());
            }
            c.bind = a
                .iter()
                .flat_map(|s| s.split_whitespace().map(String::from))
                .collect();
            Ok(())
        },
        mutable: false,
    },
    Setting {
        name: "port",
        get: |c| c.port.to_string(),
        set: |c, a| {
            c.port = int_in(a, 1, 65535)? as u16;
            Ok(())
        },
        mutable: false,
    },
    Setting {
        name: "metrics-port",
        get: |c| c.metrics_port.to_string(),
        set: |c, a| {
            c.metrics_port = int_in(a, 0, 65535)? as u16;
            Ok(())
        },
        mutable: false,
    },
    Setting {
        name: "threads",
        get: |c| c.threads.to_string(),
        set: |c, a| {
            c.threads = int_in(a, 0, THREADS_MAX as u64)? as usize;
            Ok(())
        },
        mutable: false,
    },
    Setting {
        name: "cpu-pinning",
        get: |c| yn(c.cpu_pinning),
        set: |c, a| {
            c.cpu_pinning = yes_no(a)?;
            Ok(())
        },
        mutable: false,
    },
    Setting {
        name: "databases",
        get: |c| c.databases.to_string(),
        set: |c, a| {
            c.databases = int_in(a, 1, DATABASES_MAX as u64)? as usize;
            Ok(())
        },
        mutable: false,
    },
    Setting {
        name: "maxclients",
        get: |c| c.maxclients.to_string(),
        set: |c, a| {
            c.maxclients = int_in(a, 1, 1 << 24)? as usize;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "timeout",
        get: |c| c.timeout_s.to_string(),
        set: |c, a| {
            c.timeout_s = int_in(a, 0, i32::MAX as u64)?;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "tcp-keepalive",
        get: |c| c.tcp_keepalive_s.to_string(),
        set: |c, a| {
            c.tcp_keepalive_s = int_in(a, 0, i32::MAX as u64)?;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "proto-max-bulk-len",
        get: |c| c.proto_max_bulk_len.to_string(),
        set: |c, a| {
            let v = parse_memory(one(a)?)?;
            if !(1024 * 1024..=i64::MAX as usize).contains(&v) {
                return Err(
                    "argument must be between 1048576 and 9223372036854775807 inclusive".into(),
                );
            }
            c.proto_max_bulk_len = v;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "client-query-buffer-limit",
        get: |c| c.client_query_buffer_limit.to_string(),
        set: |c, a| {
            let v = parse_memory(one(a)?)?;
            if !(1024 * 1024..=i64::MAX as usize).contains(&v) {
                return Err(
                    "argument must be between 1048576 and 9223372036854775807 inclusive".into(),
                );
            }
            c.client_query_buffer_limit = v;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "notify-keyspace-events",
        get: |c| crate::notify::format(c.notify_keyspace_events),
        set: |c, a| {
            let classes = match a {
                [] => "",
                [one] => one.as_str(),
                _ => return Err("wrong number of arguments".into()),
            };
            c.notify_keyspace_events = crate::notify::parse(classes)
                .ok_or("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")?;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "client-output-buffer-limit",
        get: output_limits,
        set: set_output_limits,
        mutable: true,
    },
    Setting {
        name: "hz",
        get: |c| c.hz.to_string(),
        set: |c, a| {
            c.hz = int_in(a, 1, 500)? as u32;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "active-expire-effort",
        get: |c| c.active_expire_effort.to_string(),
        set: |c, a| {
            c.active_expire_effort = int_in(a, 1, 10)? as u32;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "loglevel",
        get: |c| c.loglevel.name().into(),
        set: |c, a| {
            c.loglevel = LogLevel::parse(one(a)?).ok_or("argument(s) must be one of the following: debug, verbose, notice, warning, nothing")?;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "hash-max-listpack-entries",
        get: |c| c.hash_max_listpack_entries.to_string(),
        set: set_hash_max_listpack_entries,
        mutable: true,
    },
    // Redis 7.0 still accepts the ziplist names of the hash settings.
    Setting {
        name: "hash-max-ziplist-entries",
        get: |c| c.hash_max_listpack_entries.to_string(),
        set: set_hash_max_listpack_entries,
        mutable: true,
    },
    Setting {
        name: "hash-max-listpack-value",
        get: |c| c.hash_max_listpack_value.to_string(),
        set: set_hash_max_listpack_value,
        mutable: true,
    },
    Setting {
        name: "hash-max-ziplist-value",
        get: |c| c.hash_max_listpack_value.to_string(),
        set: set_hash_max_listpack_value,
        mutable: true,
    },
    Setting {
        name: "set-max-intset-entries",
        get: |c| c.set_max_intset_entries.to_string(),
        set: |c, a| {
            c.set_max_intset_entries = int_in(a, 0, i64::MAX as u64)? as usize;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "list-max-listpack-size",
        get: |c| c.list_max_listpack_size.to_string(),
        set: set_list_max_listpack_size,
        mutable: true,
    },
    // Redis 7.0 still accepts the ziplist name.
    Setting {
        name: "list-max-ziplist-size",
        get: |c| c.list_max_listpack_size.to_string(),
        set: set_list_max_listpack_size,
        mutable: true,
    },
    // List nodes are never compressed: only 0 (Redis's default, no
    // compression) is accepted.
    Setting {
        name: "list-compress-depth",
        get: |_| "0".into(),
        set: |_, a| match signed_in(a, 0, i64::from(i32::MAX))? {
            0 => Ok(()),
            _ => Err("list compression is not supported, only 0 is accepted".into()),
        },
        mutable: true,
    },
    Setting {
        name: "zset-max-listpack-entries",
        get: |c| c.zset_max_listpack_entries.to_string(),
        set: set_zset_max_listpack_entries,
        mutable: true,
    },
    // Redis 7.0 still accepts the ziplist names of the sorted set settings.
    Setting {
        name: "zset-max-ziplist-entries",
        get: |c| c.zset_max_listpack_entries.to_string(),
        set: set_zset_max_listpack_entries,
        mutable: true,
    },
    Setting {
        name: "zset-max-listpack-value",
        get: |c| c.zset_max_listpack_value.to_string(),
        set: set_zset_max_listpack_value,
        mutable: true,
    },
    Setting {
        name: "zset-max-ziplist-value",
        get: |c| c.zset_max_listpack_value.to_string(),
        set: set_zset_max_listpack_value,
        mutable: true,
    },
    Setting {
        name: "maxmemory",
        get: |c| c.maxmemory.to_string(),
        set: |c, a| {
            c.maxmemory = memory_in(a, 0)?;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "maxmemory-policy",
        get: |c| c.maxmemory_policy.name().to_string(),
        set: |c, a| {
            c.maxmemory_policy = Policy::parse(one(a)?).ok_or_else(|| {
                let names: Vec<&str> = Policy::ALL.iter().map(|p| p.name()).collect();
                format!(
                    "argument(s) must be one of the following: {}",
                    names.join(", ")
                )
            })?;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "maxmemory-samples",
        get: |c| c.maxmemory_samples.to_string(),
        set: |c, a| {
            c.maxmemory_samples = int_in(a, 1, i32::MAX as u64)? as usize;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "maxmemory-eviction-tenacity",
        get: |c| c.maxmemory_eviction_tenacity.to_string(),
        set: |c, a| {
            c.maxmemory_eviction_tenacity = int_in(a, 0, 100)? as u32;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "lfu-log-factor",
        get: |c| c.lfu_log_factor.to_string(),
        set: |c, a| {
            c.lfu_log_factor = int_in(a, 0, i32::MAX as u64)? as u32;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "slowlog-log-slower-than",
        get: |c| c.slowlog_log_slower_than.to_string(),
        set: |c, a| {
            c.slowlog_log_slower_than = signed_in(a, -1, i64::MAX)?;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "slowlog-max-len",
        get: |c| c.slowlog_max_len.to_string(),
        set: |c, a| {
            c.slowlog_max_len = int_in(a, 0, i64::MAX as u64)? as usize;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "latency-monitor-threshold",
        get: |c| c.latency_monitor_threshold.to_string(),
        set: |c, a| {
            c.latency_monitor_threshold = int_in(a, 0, i64::MAX as u64)?;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "latency-tracking",
        get: |c| yn(c.latency_tracking),
        set: |c, a| {
            c.latency_tracking = yes_no(a)?;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "latency-tracking-info-percentiles",
        get: |c| {
            c.latency_tracking_info_percentiles
                .iter()
                .map(|p| percentile_text(*p))
                .collect::<Vec<_>>()
                .join(" ")
        },
        set: set_latency_tracking_info_percentiles,
        mutable: true,
    },
    Setting {
        name: "lfu-decay-time",
        get: |c| c.lfu_decay_time.to_string(),
        set: |c, a| {
            c.lfu_decay_time = int_in(a, 0, i32::MAX as u64)? as u32;
            Ok(())
        },
        mutable: true,
    },
    Setting {
        name: "logfile",
        get: |c| c.logfile.clone(),
        set: |c, a| {
            c.logfile = one(a)?.to_string();
            Ok(())
        },
        mutable: false,
    },
];

/// The setting called `name` (any case).
pub fn setting(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

impl Config {
    /// Applies one setting; `runtime` refuses immutable ones (CONFIG SET).
    pub fn apply(&mut self, name: &str, args: &[String], runtime: bool) -> Result<(), ConfigError> {
        let s = setting(name).ok_or_else(|| ConfigError::Unknown(name.to_string()))?;
        if runtime && !s.mutable {
            return Err(ConfigError::Immutable(s.name));
        }
        (s.set)(self, args).map_err(|reason| ConfigError::Invalid {
            name: s.name,
            reason,
        })
    }

    /// Applies a redis.conf-style text: one `name args...` a line, `#`
    /// comments, quoting as Redis's config parser.
    pub fn apply_text(&mut self, text: &str) -> Result<(), ConfigError> {
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let words = split_config_line(line).ok_or_else(|| {
                ConfigError::File(format!("line {}: unbalanced quotes in '{line}'", i + 1))
            })?;
            let Some((name, args)) = words.split_first() else {
                continue;
            };
            self.apply(name, args, false)
                .map_err(|e| ConfigError::File(format!("line {}: >>> '{line}'\n{e}", i + 1)))?;
        }
        Ok(())
    }

    /// Builds the configuration from command-line arguments: an optional
    /// config file path first, then `--name value...` flags.
    pub fn from_args(args: &[String]) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        let mut rest = args;
        if let Some(first) = rest.first() {
            if !first.starts_with("--") {
                let text = std::fs::read_to_string(first).map_err(|e| {
                    ConfigError::File(format!("can't open config file '{first}': {e}"))
                })?;
                config.apply_text(&text)?;
                config.config_file = std::fs::canonicalize(first)
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|_| first.clone());
                rest = &rest[1..];
            }
        }
        let mut i = 0;
        while i < rest.len() {
            let Some(name) = rest[i].strip_prefix("--") else {
                return Err(ConfigError::Unknown(rest[i].clone()));
            };
            let mut values = Vec::new();
            i += 1;
            while i < rest.len() && !rest[i].starts_with("--") {
                values.push(rest[i].clone());
                i += 1;
            }
            config.apply(name, &values, false)?;
        }
        Ok(config)
    }
}

/// Splits a config line as Redis's `sdssplitargs` does (quotes, escapes).
fn split_config_line(line: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            return Some(out);
        };
        let mut word = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            loop {
                match chars.next()? {
                    c if c == first => break,
                    '\\' if first == '"' => match chars.next()? {
                        'n' => word.push('\n'),
                        't' => word.push('\t'),
                        'r' => word.push('\r'),
                        c => word.push(c),
                    },
                    c => word.push(c),
                }
            }
            if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                return None;
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        out.push(word);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults_serve() {
        let c = Config::from_args(&[]).unwrap();
        assert_eq!(c.port, 6379);
        assert_eq!(c.databases, 16);
        assert_eq!(c.proto_max_bulk_len, 512 * 1024 * 1024);
    }

    #[test]
    fn flags_override_and_unknown_or_invalid_ones_are_named() {
        let c = Config::from_args(&strings(&[
            "--port",
            "7000",
            "--threads",
            "2",
            "--bind",
            "127.0.0.1",
        ]))
        .unwrap();
        assert_eq!((c.port, c.threads), (7000, 2));
        assert_eq!(c.bind, vec!["127.0.0.1"]);
        let e = Config::from_args(&strings(&["--nosuch", "1"])).unwrap_err();
        assert!(e.to_string().contains("nosuch"));
        let e = Config::from_args(&strings(&["--port", "70000"])).unwrap_err();
        assert!(e.to_string().contains("port"));
        let e = Config::from_args(&strings(&["--port"])).unwrap_err();
        assert!(e.to_string().contains("port"));
    }

    #[test]
    fn metrics_port_is_off_by_default_bounded_and_immutable() {
        let mut c = Config::from_args(&[]).unwrap();
        assert_eq!(c.metrics_port, 0);
        assert_eq!((setting("metrics-port").unwrap().get)(&c), "0");
        let c2 = Config::from_args(&strings(&["--metrics-port", "9121"])).unwrap();
        assert_eq!(c2.metrics_port, 9121);
        c.apply_text("metrics-port 65535\n").unwrap();
        assert_eq!(c.metrics_port, 65535);
        c.apply("metrics-port", &strings(&["0"]), false).unwrap();
        assert_eq!(c.metrics_port, 0);
        for bad in ["65536", "-1", "x", ""] {
            let e = c
                .apply("metrics-port", &strings(&[bad]), false)
                .unwrap_err();
            assert!(e.to_string().contains("metrics-port"), "{bad}: {e}");
        }
        let e = c.apply("metrics-port", &[], false).unwrap_err();
        assert!(e.to_string().contains("wrong number of arguments"));
        assert_eq!(
            c.apply("metrics-port", &strings(&["9121"]), true),
            Err(ConfigError::Immutable("metrics-port"))
        );
        assert_eq!(c.metrics_port, 0);
    }

    #[test]
    fn threads_are_bounded_by_the_scan_cursor_shard_bits() {
        let max = THREADS_MAX.to_string();
        let c = Config::from_args(&strings(&["--threads", &max])).unwrap();
        assert_eq!(c.threads, THREADS_MAX);
        let over = (THREADS_MAX + 1).to_string();
        let e = Config::from_args(&strings(&["--threads", &over])).unwrap_err();
        assert!(e.to_string().contains("threads") && e.to_string().contains(&max));
    }

    #[test]
    fn file_lines_and_quotes() {
        let mut c = Config::default();
        c.apply_text("# comment\nport 7001\n\nlogfile \"/tmp/a b.log\"\nmaxclients 5\n")
            .unwrap();
        assert_eq!((c.port, c.maxclients), (7001, 5));
        assert_eq!(c.logfile, "/tmp/a b.log");
        let e = c.apply_text("port 1\nbogus 2\n").unwrap_err();
        assert!(e.to_string().contains("line 2") && e.to_string().contains("bogus"));
    }

    #[test]
    fn memory_units_follow_redis() {
        assert_eq!(parse_memory("1gb"), Ok(1 << 30));
        assert_eq!(parse_memory("1g"), Ok(1_000_000_000));
        assert_eq!(parse_memory("512MB"), Ok(512 << 20));
        assert_eq!(parse_memory("100"), Ok(100));
        assert!(parse_memory("-1").is_err());
        assert!(parse_memory("1tb").is_err());
        assert!(parse_memory("99999999999999999999gb").is_err());
    }

    #[test]
    fn immutable_settings_refuse_runtime_changes() {
        let mut c = Config::default();
        assert_eq!(
            c.apply("port", &strings(&["1"]), true),
            Err(ConfigError::Immutable("port"))
        );
        c.apply("timeout", &strings(&["10"]), true).unwrap();
        assert_eq!(c.timeout_s, 10);
    }

    #[test]
    fn collection_thresholds_have_redis_names_and_aliases() {
        let mut c = Config::default();
        assert_eq!(
            (
                c.hash_max_listpack_entries,
                c.hash_max_listpack_value,
                c.set_max_intset_entries
            ),
            (512, 64, 512)
        );
        c.apply("hash-max-ziplist-entries", &strings(&["7"]), true)
            .unwrap();
        assert_eq!((setting("hash-max-listpack-entries").unwrap().get)(&c), "7");
        c.apply("hash-max-ziplist-value", &strings(&["9"]), true)
            .unwrap();
        assert_eq!(c.hash_max_listpack_value, 9);
        c.apply(
            "set-max-intset-entries",
            &strings(&["9223372036854775807"]),
            true,
        )
        .unwrap();
        assert_eq!(c.set_max_intset_entries, i64::MAX as usize);
        // The value limit is a memory setting, as in Redis.
        c.apply("hash-max-listpack-value", &strings(&["1kb"]), true)
            .unwrap();
        assert_eq!(c.hash_max_listpack_value, 1024);
        let e = c.apply("hash-max-listpack-value", &strings(&["x"]), true);
        assert!(e.unwrap_err().to_string().contains("memory value"));
        assert_eq!(
            (c.zset_max_listpack_entries, c.zset_max_listpack_value),
            (128, 64)
        );
        c.apply("zset-max-ziplist-entries", &strings(&["3"]), true)
            .unwrap();
        c.apply("zset-max-ziplist-value", &strings(&["2kb"]), true)
            .unwrap();
        assert_eq!((setting("zset-max-listpack-entries").unwrap().get)(&c), "3");
        assert_eq!(
            (setting("zset-max-listpack-value").unwrap().get)(&c),
            "2048"
        );
        let e = c.apply("set-max-intset-entries", &strings(&["-1"]), true);
        assert!(e
            .unwrap_err()
            .to_string()
            .contains("between 0 and 9223372036854775807"));
    }

    #[test]
    fn list_settings_have_redis_names_and_no_compression() {
        let mut c = Config::default();
        assert_eq!(c.list_max_listpack_size, -2);
        c.apply("list-max-ziplist-size", &strings(&["-5"]), true)
            .unwrap();
        assert_eq!((setting("list-max-listpack-size").unwrap().get)(&c), "-5");
        c.apply("list-max-listpack-size", &strings(&["-2147483648"]), true)
            .unwrap();
        assert_eq!(c.list_max_listpack_size, i32::MIN);
        let e = c.apply("list-max-listpack-size", &strings(&["2147483648"]), true);
        assert!(e
            .unwrap_err()
            .to_string()
            .contains("between -2147483648 and 2147483647"));
        c.apply("list-compress-depth", &strings(&["0"]), true)
            .unwrap();
        let e = c.apply("list-compress-depth", &strings(&["1"]), true);
        assert!(e.unwrap_err().to_string().contains("not supported"));
        let e = c.apply("list-compress-depth", &strings(&["-1"]), true);
        assert!(e
            .unwrap_err()
            .to_string()
            .contains("between 0 and 2147483647"));
    }
}
