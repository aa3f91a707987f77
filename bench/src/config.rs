//! Command-line flags ([`Args`], parsed by clap) and the checked settings a run uses
//! ([`Config`]). Flag names follow memtier_benchmark where it has one.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use serde::Serialize;

use crate::command::{DataSize, Template};
use crate::keys::{KeyGen, KeyPattern, KeyRange};
use crate::limits::{
    CLIENTS_MAX, CONNECTIONS_MAX, DATA_SIZE_MAX, DURATION_MAX, IN_FLIGHT_MAX, KEY_PREFIX_LEN_MAX,
    PIPELINE_MAX, RATE_MAX, THREADS_MAX, ZIPF_EXP_MAX,
};

/// Requests per connection when neither a count nor a duration is given (memtier's default).
pub const REQUESTS_DEFAULT: u64 = 10_000;
/// `--key-zipf-exp` when not given.
pub const ZIPF_EXP_DEFAULT: f64 = 0.99;

/// The command-line flags.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "shoal-bench",
    version,
    about = "A memtier_benchmark-style load generator for Redis-compatible servers",
    after_help = "Examples:\n  \
        shoal-bench -p 6379 -c 50 --pipeline 16 --ratio 1:10 --key-maximum 999999 --test-time 10\n  \
        shoal-bench --command \"MGET __key__ __key__\" --key-pattern Z --key-zipf-exp 1.1\n  \
        shoal-bench --read-through --key-pattern Z --key-zipf-exp 0.99 --key-maximum 999999 --test-time 10\n  \
        shoal-bench --rate 100000 --test-time 30 --warmup 5 --json-out result.json"
)]
pub struct Args {
    /// Server host name or address.
    #[arg(
        short = 's',
        long = "server",
        visible_alias = "host",
        default_value = "127.0.0.1"
    )]
    pub server: String,

    /// Server port.
    #[arg(short = 'p', long, default_value_t = 6379)]
    pub port: u16,

    /// Worker threads, each with its own event loop and connections.
    #[arg(short = 't', long, default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(THREADS_MAX)))]
    pub threads: u32,

    /// Connections per thread.
    #[arg(short = 'c', long, default_value_t = 50,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(CLIENTS_MAX)))]
    pub clients: u32,

    /// Requests in flight per connection.
    #[arg(short = 'P', long, default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..=i64::from(PIPELINE_MAX)))]
    pub pipeline: u32,

    /// Requests per connection [default: 10000 unless --total-requests or --test-time].
    #[arg(short = 'n', long, value_name = "N",
          conflicts_with_all = ["total_requests", "test_time"],
          value_parser = clap::value_parser!(u64).range(1..))]
    pub requests: Option<u64>,

    /// Requests in total, spread evenly over all connections (redis-benchmark's -n).
    #[arg(long, value_name = "N", conflicts_with = "test_time",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub total_requests: Option<u64>,

    /// Measure for this many seconds (decimals allowed) instead of a request count.
    #[arg(long, value_name = "SECONDS", value_parser = parse_positive_seconds)]
    pub test_time: Option<Duration>,

    /// Run this many seconds of load first, not measured and not counted in --requests.
    #[arg(long, value_name = "SECONDS", default_value = "0", value_parser = parse_seconds)]
    pub warmup: Duration,

    /// SET:GET ratio of the built-in workload, e.g. 1:10, 1:0 (only SET), 0:1 (only GET).
    #[arg(long, value_name = "SET:GET", default_value = "1:10", value_parser = parse_ratio)]
    pub ratio: Ratio,

    /// A custom command instead of SET/GET; __key__ and __data__ stand for a key and a value,
    /// each occurrence drawn anew, e.g. "MGET __key__ __key__", "INCR __key__", "PING".
    /// Given several times, each connection sends the commands in turn, in the order given
    /// (e.g. MULTI, SET __key__ __data__, EXEC: a transaction every three requests).
    #[arg(long, value_name = "COMMAND", conflicts_with = "ratio")]
    pub command: Vec<String>,

    /// A cache read-through workload instead of SET/GET: every request is a GET, and a GET
    /// that answers nil (a miss) is followed, on the same connection, by a SET of that key
    /// with a value of --data-size (or --data-size-range) bytes, as an application fills its
    /// cache after a miss.
    /// --requests, --total-requests and --rate count the GETs; the SETs come in addition
    /// (every miss gets its SET, even after the time or the count ran out), have their own
    /// row in the report and are in the totals. Not with --command or --ratio.
    #[arg(long, conflicts_with_all = ["command", "ratio"])]
    pub read_through: bool,

    /// Key pattern: S (sequential), R (uniform random), Z (Zipf), G (Gaussian); or SET:GET,
    /// e.g. S:R, to draw SET and GET keys differently.
    #[arg(long, value_name = "PATTERN", default_value = "R", value_parser = parse_key_patterns)]
    pub key_pattern: KeyPatterns,

    /// Smallest key number.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub key_minimum: u64,

    /// Largest key number.
    #[arg(long, value_name = "N", default_value_t = 10_000_000)]
    pub key_maximum: u64,

    /// Text before the key number.
    #[arg(long, value_name = "PREFIX", default_value = "key:")]
    pub key_prefix: String,

    /// Zipf skew for --key-pattern Z, above 0 and below 5 [default: 0.99].
    #[arg(long, value_name = "EXP", value_parser = parse_zipf_exp)]
    pub key_zipf_exp: Option<f64>,

    /// Median key number for --key-pattern G [default: the middle of the range].
    #[arg(long, value_name = "N", value_parser = parse_finite)]
    pub key_median: Option<f64>,

    /// Standard deviation for --key-pattern G, in key numbers [default: a sixth of the range].
    #[arg(long, value_name = "N", value_parser = parse_positive_finite)]
    pub key_stddev: Option<f64>,

    /// Value size in bytes.
    #[arg(short = 'd', long, value_name = "BYTES", default_value_t = 32,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(DATA_SIZE_MAX)))]
    pub data_size: u32,

    /// Value sizes drawn uniformly from MIN to MAX bytes, e.g. 32-1024.
    #[arg(long, value_name = "MIN-MAX", conflicts_with = "data_size", value_parser = parse_size_range)]
    pub data_size_range: Option<DataSize>,

    /// Protocol: 2 (RESP2), or 3 (RESP3: every connection sends HELLO 3 first).
    #[arg(long, value_name = "2|3", default_value_t = 2,
          value_parser = clap::value_parser!(u8).range(2..=3))]
    pub resp: u8,

    /// Send at this fixed total rate (requests per second, spread over all connections);
    /// latency is measured from each request's intended send time.
    #[arg(long, value_name = "REQUESTS_PER_SECOND",
          value_parser = clap::value_parser!(u64).range(1..=RATE_MAX))]
    pub rate: Option<u64>,

    /// Write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json_out: Option<PathBuf>,

    /// Stop at the first error reply, with a non-zero exit code.
    #[arg(long)]
    pub fail_on_error: bool,

    /// Seed of the random key and value-size draws [default: from the clock].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// No per-second progress lines on stderr.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// The SET:GET ratio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ratio {
    /// SETs per cycle.
    pub set: u32,
    /// GETs per cycle.
    pub get: u32,
}

/// The key pattern of SET and of GET (the same for a custom command).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyPatterns {
    /// memtier's letter for SET keys.
    pub set: char,
    /// memtier's letter for GET keys.
    pub get: char,
}

/// When a run stops sending.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stop {
    /// After this many measured requests on every connection.
    RequestsPerConnection(u64),
    /// After this many measured requests in total, spread over the connections.
    RequestsTotal(u64),
    /// After this long, measured from the end of the warm-up.
    Duration(Duration),
}

/// The workload: which command each request is.
#[derive(Clone, Debug)]
pub struct Workload {
    /// The command templates; statistics are kept per template.
    pub templates: Vec<Template>,
    /// Each template's key pattern.
    pub patterns: Vec<KeyPattern>,
    /// How many requests of each template a cycle holds, in template order (0: the template
    /// is only sent as a read-through refill).
    pub weights: Vec<u32>,
    /// With `--read-through`: the template (SET) sent with the key of every request of a
    /// hit-counting template (GET) that answered nil.
    pub refill: Option<usize>,
    /// The sum of the weights (at least 1).
    pub cycle: u64,
    /// Whether connections start at different points of the cycle (the
    /// SET:GET mix, so that the SETs of all connections do not come at
    /// once); commands given with --command are a sequence and start at
    /// its beginning on every connection.
    pub staggered: bool,
    /// How the workload is described in the report.
    pub description: String,
}

impl Workload {
    /// The template of request number `n` of a connection: within each cycle, first the SETs,
    /// then the GETs.
    #[inline]
    pub fn pick(&self, n: u64) -> usize {
        let mut position = n % self.cycle;
        for (index, &weight) in self.weights.iter().enumerate() {
            let weight = u64::from(weight);
            if position < weight {
                return index;
            }
            position -= weight;
        }
        0
    }
}

/// Checked settings of one run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Host to connect to.
    pub server: String,
    /// Port to connect to.
    pub port: u16,
    /// Worker threads.
    pub threads: u32,
    /// Connections per thread.
    pub clients: u32,
    /// `threads * clients`.
    pub connections: u64,
    /// Requests in flight per connection.
    pub pipeline: u32,
    /// When sending stops.
    pub stop: Stop,
    /// Load before measuring.
    pub warmup: Duration,
    /// What is sent.
    pub workload: Workload,
    /// The key numbers.
    pub key_range: KeyRange,
    /// The key pattern letters as given (for the report).
    pub key_patterns: KeyPatterns,
    /// Text before each key number.
    pub key_prefix: Vec<u8>,
    /// Value sizes.
    pub data_size: DataSize,
    /// 2 or 3.
    pub resp: u8,
    /// Fixed total rate, requests per second.
    pub rate: Option<u64>,
    /// Where the JSON report goes.
    pub json_out: Option<PathBuf>,
    /// Error replies are fatal.
    pub fail_on_error: bool,
    /// Seed of the random draws.
    pub seed: u64,
    /// No progress lines.
    pub quiet: bool,
}

impl Config {
    /// Checks what clap cannot and resolves defaults.
    ///
    /// # Errors
    ///
    /// A message naming the offending flag.
    pub fn from_args(args: Args) -> Result<Config, String> {
        let connections = u64::from(args.threads)
            .checked_mul(u64::from(args.clients))
            .filter(|&n| n <= CONNECTIONS_MAX)
            .ok_or_else(|| {
                format!(
                    "--threads {} times --clients {} is above the limit of {CONNECTIONS_MAX} connections",
                    args.threads, args.clients
                )
            })?;
        if connections * u64::from(args.pipeline) > IN_FLIGHT_MAX {
            return Err(format!(
                "{connections} connections times --pipeline {} is above the limit of {IN_FLIGHT_MAX} requests in flight",
                args.pipeline
            ));
        }
        let key_range = KeyRange::new(args.key_minimum, args.key_maximum)?;
        if args.key_prefix.len() > KEY_PREFIX_LEN_MAX {
            return Err(format!(
                "--key-prefix is longer than {KEY_PREFIX_LEN_MAX} bytes"
            ));
        }
        let letters = [args.key_pattern.set, args.key_pattern.get];
        if args.key_zipf_exp.is_some() && !letters.contains(&'Z') {
            return Err("--key-zipf-exp needs --key-pattern Z".to_owned());
        }
        if (args.key_median.is_some() || args.key_stddev.is_some()) && !letters.contains(&'G') {
            return Err("--key-median and --key-stddev need --key-pattern G".to_owned());
        }
        let span = key_range.span() as f64;
        let pattern = |letter: char| -> KeyPattern {
            match letter {
                'S' => KeyPattern::Sequential,
                'Z' => KeyPattern::Zipf {
                    exponent: args.key_zipf_exp.unwrap_or(ZIPF_EXP_DEFAULT),
                },
                'G' => KeyPattern::Gaussian {
                    median: args
                        .key_median
                        .unwrap_or(key_range.minimum() as f64 + span / 2.0),
                    stddev: args.key_stddev.unwrap_or(span / 6.0),
                },
                _ => KeyPattern::Uniform,
            }
        };
        let workload = match &args.command[..] {
            [_, ..] => {
                if args.key_pattern.set != args.key_pattern.get {
                    return Err(
                        "--key-pattern SET:GET applies to --ratio; give one pattern with --command"
                            .to_owned(),
                    );
                }
                let templates = args
                    .command
                    .iter()
                    .map(|line| Template::parse(line))
                    .collect::<Result<Vec<_>, _>>()?;
                let lines: Vec<String> = args.command.iter().map(|l| format!("{l:?}")).collect();
                Workload {
                    description: format!("command {}", lines.join(", ")),
                    patterns: vec![pattern(args.key_pattern.set); templates.len()],
                    weights: vec![1; templates.len()],
                    refill: None,
                    cycle: templates.len() as u64,
                    staggered: false,
                    templates,
                }
            }
            [] if args.read_through => {
                if args.key_pattern.set != args.key_pattern.get {
                    return Err(
                        "--key-pattern SET:GET applies to --ratio; --read-through SETs the key its GET missed, give one pattern"
                            .to_owned(),
                    );
                }
                let get = pattern(args.key_pattern.get);
                Workload {
                    description: "read-through: GET, and SET after a miss".to_owned(),
                    templates: vec![
                        Template::parse("GET __key__")?,
                        Template::parse("SET __key__ __data__")?,
                    ],
                    // The SET draws no key of its own; it carries the pattern for the report.
                    patterns: vec![get, get],
                    weights: vec![1, 0],
                    refill: Some(1),
                    cycle: 1,
                    staggered: false,
                }
            }
            [] => {
                let Ratio { set, get } = args.ratio;
                let mut workload = Workload {
                    description: format!("SET:GET {set}:{get}"),
                    templates: Vec::new(),
                    patterns: Vec::new(),
                    weights: Vec::new(),
                    refill: None,
                    cycle: u64::from(set) + u64::from(get),
                    staggered: true,
                };
                for (weight, line, letter) in [
                    (set, "SET __key__ __data__", args.key_pattern.set),
                    (get, "GET __key__", args.key_pattern.get),
                ] {
                    if weight > 0 {
                        workload.templates.push(Template::parse(line)?);
                        workload.patterns.push(pattern(letter));
                        workload.weights.push(weight);
                    }
                }
                workload
            }
        };
        // Build one generator per pattern now, so that bad parameters fail before connecting.
        for &pattern in &workload.patterns {
            KeyGen::new(pattern, key_range, 0)?;
        }
        let stop = match (args.requests, args.total_requests, args.test_time) {
            (Some(n), _, _) => Stop::RequestsPerConnection(n),
            (None, Some(n), _) => Stop::RequestsTotal(n),
            (None, None, Some(duration)) => Stop::Duration(duration),
            (None, None, None) => Stop::RequestsPerConnection(REQUESTS_DEFAULT),
        };
        let data_size = args.data_size_range.unwrap_or(DataSize {
            min: args.data_size,
            max: args.data_size,
        });
        let seed = args.seed.unwrap_or_else(|| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            nanos ^ u64::from(std::process::id()).rotate_left(32)
        });
        Ok(Config {
            server: args.server,
            port: args.port,
            threads: args.threads,
            clients: args.clients,
            connections,
            pipeline: args.pipeline,
            stop,
            warmup: args.warmup,
            workload,
            key_range,
            key_patterns: args.key_pattern,
            key_prefix: args.key_prefix.into_bytes(),
            data_size,
            resp: args.resp,
            rate: args.rate,
            json_out: args.json_out,
            fail_on_error: args.fail_on_error,
            seed,
            quiet: args.quiet,
        })
    }

    /// `host:port`, with brackets around an IPv6 address.
    pub fn address(&self) -> String {
        if self.server.contains(':') {
            format!("[{}]:{}", self.server, self.port)
        } else {
            format!("{}:{}", self.server, self.port)
        }
    }

    /// Measured requests connection `index` (counting from 0 over all threads) sends, if the
    /// run stops on a count.
    pub fn requests_of(&self, index: u64) -> Option<u64> {
        match self.stop {
            Stop::RequestsPerConnection(n) => Some(n),
            Stop::RequestsTotal(total) => {
                let (each, extra) = (total / self.connections, total % self.connections);
                Some(each + u64::from(index < extra))
            }
            Stop::Duration(_) => None,
        }
    }

    /// With `--rate`, the interval between two requests of one connection, in nanoseconds.
    pub fn interval_ns(&self) -> Option<u64> {
        self.rate.map(|rate| {
            // connections <= 1e5 and rate >= 1, so this fits; at least 1 ns.
            let interval = u128::from(self.connections) * 1_000_000_000 / u128::from(rate);
            u64::try_from(interval).unwrap_or(u64::MAX).max(1)
        })
    }

    /// The settings as they appear in the JSON report.
    pub fn summary(&self) -> ConfigSummary {
        let pattern = |letter: char| letter.to_string();
        ConfigSummary {
            server: self.server.clone(),
            port: self.port,
            threads: self.threads,
            clients: self.clients,
            connections: self.connections,
            pipeline: self.pipeline,
            requests_per_connection: match self.stop {
                Stop::RequestsPerConnection(n) => Some(n),
                _ => None,
            },
            total_requests: match self.stop {
                Stop::RequestsTotal(n) => Some(n),
                _ => None,
            },
            test_time_s: match self.stop {
                Stop::Duration(d) => Some(d.as_secs_f64()),
                _ => None,
            },
            warmup_s: self.warmup.as_secs_f64(),
            workload: self.workload.description.clone(),
            read_through: self.workload.refill.is_some(),
            key_pattern: if self.key_patterns.set == self.key_patterns.get {
                pattern(self.key_patterns.set)
            } else {
                format!("{}:{}", self.key_patterns.set, self.key_patterns.get)
            },
            key_zipf_exp: self.workload.patterns.iter().find_map(|p| match p {
                KeyPattern::Zipf { exponent } => Some(*exponent),
                _ => None,
            }),
            key_minimum: self.key_range.minimum(),
            key_maximum: self.key_range.maximum(),
            key_prefix: String::from_utf8_lossy(&self.key_prefix).into_owned(),
            data_size_min: self.data_size.min,
            data_size_max: self.data_size.max,
            resp: self.resp,
            rate: self.rate,
            seed: self.seed,
        }
    }
}

/// The settings of a run, in the JSON report.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigSummary {
    /// Host.
    pub server: String,
    /// Port.
    pub port: u16,
    /// Worker threads.
    pub threads: u32,
    /// Connections per thread.
    pub clients: u32,
    /// Connections in total.
    pub connections: u64,
    /// Requests in flight per connection.
    pub pipeline: u32,
    /// `--requests`.
    pub requests_per_connection: Option<u64>,
    /// `--total-requests`.
    pub total_requests: Option<u64>,
    /// `--test-time`.
    pub test_time_s: Option<f64>,
    /// `--warmup`.
    pub warmup_s: f64,
    /// `SET:GET s:g`, `command "..."` or `read-through: ...`.
    pub workload: String,
    /// `--read-through`.
    pub read_through: bool,
    /// `--key-pattern`.
    pub key_pattern: String,
    /// `--key-zipf-exp`, when a pattern is Z.
    pub key_zipf_exp: Option<f64>,
    /// `--key-minimum`.
    pub key_minimum: u64,
    /// `--key-maximum`.
    pub key_maximum: u64,
    /// `--key-prefix`.
    pub key_prefix: String,
    /// Smallest value, in bytes.
    pub data_size_min: u32,
    /// Largest value, in bytes.
    pub data_size_max: u32,
    /// 2 or 3.
    pub resp: u8,
    /// `--rate`.
    pub rate: Option<u64>,
    /// The random seed (give it as `--seed` to repeat the key sequence).
    pub seed: u64,
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let seconds: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(format!("{s:?} is not a number of seconds"));
    }
    let duration =
        Duration::try_from_secs_f64(seconds).map_err(|_| format!("{s:?} is too long"))?;
    if duration > DURATION_MAX {
        return Err(format!(
            "{s} seconds is more than the limit of {} s",
            DURATION_MAX.as_secs()
        ));
    }
    Ok(duration)
}

fn parse_positive_seconds(s: &str) -> Result<Duration, String> {
    let duration = parse_seconds(s)?;
    if duration.is_zero() {
        return Err("must be above 0 seconds".to_owned());
    }
    Ok(duration)
}

fn parse_ratio(s: &str) -> Result<Ratio, String> {
    let (set, get) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?} is not SET:GET, e.g. 1:10"))?;
    let part = |p: &str| -> Result<u32, String> {
        p.trim()
            .parse()
            .map_err(|_| format!("{p:?} in {s:?} is not a count from 0 to {}", u32::MAX))
    };
    let ratio = Ratio {
        set: part(set)?,
        get: part(get)?,
    };
    if ratio.set == 0 && ratio.get == 0 {
        return Err("0:0 sends nothing; give at least one SET or GET".to_owned());
    }
    Ok(ratio)
}

fn parse_key_patterns(s: &str) -> Result<KeyPatterns, String> {
    let letter = |p: &str| -> Result<char, String> {
        match p.trim().to_ascii_uppercase().as_str() {
            "S" => Ok('S'),
            "R" => Ok('R'),
            "Z" => Ok('Z'),
            "G" => Ok('G'),
            _ => Err(format!(
                "{p:?} is not a key pattern: S (sequential), R (random), Z (Zipf) or G (Gaussian)"
            )),
        }
    };
    match s.split_once(':') {
        Some((set, get)) => Ok(KeyPatterns {
            set: letter(set)?,
            get: letter(get)?,
        }),
        None => {
            let both = letter(s)?;
            Ok(KeyPatterns {
                set: both,
                get: both,
            })
        }
    }
}

fn parse_finite(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(format!("{s:?} is not a finite number")),
    }
}

fn parse_positive_finite(s: &str) -> Result<f64, String> {
    match parse_finite(s)? {
        x if x > 0.0 => Ok(x),
        _ => Err(format!("{s:?} must be above 0")),
    }
}

fn parse_zipf_exp(s: &str) -> Result<f64, String> {
    match parse_finite(s)? {
        x if x > 0.0 && x < ZIPF_EXP_MAX => Ok(x),
        _ => Err(format!("{s:?} must be above 0 and below {ZIPF_EXP_MAX}")),
    }
}

fn parse_size_range(s: &str) -> Result<DataSize, String> {
    let (min, max) = s
        .split_once('-')
        .ok_or_else(|| format!("{s:?} is not MIN-MAX, e.g. 32-1024"))?;
    let size = |p: &str| -> Result<u32, String> {
        p.trim()
            .parse::<u32>()
            .ok()
            .filter(|&n| n <= DATA_SIZE_MAX)
            .ok_or_else(|| format!("{p:?} is not a size from 0 to {DATA_SIZE_MAX} bytes"))
    };
    let range = DataSize {
        min: size(min)?,
        max: size(max)?,
    };
    if range.min > range.max {
        return Err(format!("{s:?}: MIN is above MAX"));
    }
    Ok(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, String> {
        let args = Args::try_parse_from(std::iter::once("shoal-bench").chain(args.iter().copied()))
            .map_err(|e| e.to_string())?;
        Config::from_args(args)
    }

    #[test]
    fn defaults_are_memtiers_with_one_thread() {
        let config = parse(&[]).unwrap();
        assert_eq!((config.server.as_str(), config.port), ("127.0.0.1", 6379));
        assert_eq!(
            (config.threads, config.clients, config.pipeline),
            (1, 50, 1)
        );
        assert_eq!(config.stop, Stop::RequestsPerConnection(REQUESTS_DEFAULT));
        assert_eq!(config.workload.description, "SET:GET 1:10");
        assert_eq!(config.workload.weights, [1, 10]);
        assert_eq!(config.data_size, DataSize { min: 32, max: 32 });
        assert_eq!(config.key_prefix, b"key:");
        assert_eq!(config.workload.patterns, [KeyPattern::Uniform; 2]);
        assert_eq!(config.resp, 2);
        assert_eq!(config.interval_ns(), None);
    }

    #[test]
    fn memtier_and_redis_benchmark_spellings() {
        let config = parse(&[
            "-s", "::1", "-p", "7000", "-t", "2", "-c", "3", "-P", "16", "-n", "5", "-d", "100",
        ])
        .unwrap();
        assert_eq!(config.address(), "[::1]:7000");
        assert_eq!(config.connections, 6);
        assert_eq!(config.pipeline, 16);
        assert_eq!(config.requests_of(3), Some(5));
        assert_eq!(config.data_size.max, 100);
        let host = parse(&["--host", "localhost"]).unwrap();
        assert_eq!(host.address(), "localhost:6379");
    }

    #[test]
    fn total_requests_are_spread_over_connections() {
        let config = parse(&["-t", "2", "-c", "2", "--total-requests", "10"]).unwrap();
        let spread: Vec<u64> = (0..4).map(|i| config.requests_of(i).unwrap()).collect();
        assert_eq!(spread, [3, 3, 2, 2]);
        let timed = parse(&["--test-time", "1.5", "--warmup", "0.25"]).unwrap();
        assert_eq!(timed.stop, Stop::Duration(Duration::from_millis(1500)));
        assert_eq!(timed.warmup, Duration::from_millis(250));
        assert_eq!(timed.requests_of(0), None);
    }

    #[test]
    fn ratio_cycles() {
        let config = parse(&["--ratio", "1:3"]).unwrap();
        let picks: Vec<usize> = (0..8).map(|n| config.workload.pick(n)).collect();
        assert_eq!(picks, [0, 1, 1, 1, 0, 1, 1, 1]);
        let gets = parse(&["--ratio", "0:1"]).unwrap();
        assert_eq!(gets.workload.templates.len(), 1);
        assert_eq!(gets.workload.templates[0].name(), "GET");
        assert_eq!(gets.workload.pick(5), 0);
        let sets = parse(&["--ratio", "1:0"]).unwrap();
        assert_eq!(sets.workload.templates[0].name(), "SET");
    }

    #[test]
    fn key_patterns_and_their_parameters() {
        let config = parse(&[
            "--key-pattern",
            "s:z",
            "--key-zipf-exp",
            "1.2",
            "--key-minimum",
            "10",
            "--key-maximum",
            "20",
        ])
        .unwrap();
        assert_eq!(
            config.workload.patterns,
            [KeyPattern::Sequential, KeyPattern::Zipf { exponent: 1.2 }]
        );
        assert_eq!(config.summary().key_pattern, "S:Z");
        let gaussian = parse(&["--key-pattern", "G", "--key-maximum", "600"]).unwrap();
        assert_eq!(
            gaussian.workload.patterns[0],
            KeyPattern::Gaussian {
                median: 300.0,
                stddev: 100.0
            }
        );
        let zipf = parse(&["--key-pattern", "Z"]).unwrap();
        assert_eq!(
            zipf.workload.patterns[0],
            KeyPattern::Zipf {
                exponent: ZIPF_EXP_DEFAULT
            }
        );
    }

    #[test]
    fn custom_commands() {
        let config = parse(&["--command", "INCR __key__", "--key-pattern", "Z"]).unwrap();
        assert_eq!(config.workload.templates[0].name(), "INCR");
        assert_eq!(config.workload.description, "command \"INCR __key__\"");
        assert!(parse(&["--command", "GET __key__", "--key-pattern", "S:R"]).is_err());
        assert!(parse(&["--command", "   "]).is_err());
        assert!(parse(&["--command", "PING", "--ratio", "1:1"]).is_err());
        // Several commands are sent in turn.
        let config = parse(&[
            "--command",
            "MULTI",
            "--command",
            "INCR __key__",
            "--command",
            "EXEC",
        ])
        .unwrap();
        let names: Vec<&str> = config.workload.templates.iter().map(|t| t.name()).collect();
        assert_eq!(names, ["MULTI", "INCR", "EXEC"]);
        let picked: Vec<usize> = (0..6).map(|n| config.workload.pick(n)).collect();
        assert_eq!(picked, [0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn read_through_is_a_get_and_a_refill_set() {
        let config = parse(&[
            "--read-through",
            "--key-pattern",
            "Z",
            "--key-zipf-exp",
            "0.99",
            "-d",
            "100",
        ])
        .unwrap();
        let workload = &config.workload;
        let names: Vec<&str> = workload.templates.iter().map(|t| t.name()).collect();
        assert_eq!(names, ["GET", "SET"]);
        assert_eq!(workload.refill, Some(1));
        assert!(workload.templates[0].counts_hits());
        // Every request of the cycle is the GET; the SET is only a refill.
        let picks: Vec<usize> = (0..4).map(|n| workload.pick(n)).collect();
        assert_eq!(picks, [0; 4]);
        assert_eq!(workload.patterns[0], KeyPattern::Zipf { exponent: 0.99 });
        assert_eq!(config.data_size, DataSize { min: 100, max: 100 });
        let summary = config.summary();
        assert!(summary.read_through);
        assert!(
            summary.workload.starts_with("read-through"),
            "{}",
            summary.workload
        );
        assert!(!parse(&[]).unwrap().summary().read_through);
        assert_eq!(parse(&[]).unwrap().workload.refill, None);
        // It combines with counts, times, pipelines, RESP3, rates and value ranges.
        for args in [
            &["--read-through", "-n", "5", "-P", "16"][..],
            &["--read-through", "--total-requests", "5"][..],
            &["--read-through", "--test-time", "1", "--warmup", "1"][..],
            &["--read-through", "--resp", "3", "--rate", "1000"][..],
            &["--read-through", "--data-size-range", "1-64"][..],
            &["--read-through", "--key-pattern", "S"][..],
        ] {
            assert!(parse(args).is_ok(), "{args:?} was refused");
        }
    }

    #[test]
    fn read_through_refuses_other_workloads() {
        for (args, needle) in [
            (&["--read-through", "--ratio", "1:10"][..], "--ratio"),
            (&["--read-through", "--ratio", "0:1"][..], "--ratio"),
            (&["--ratio", "1:1", "--read-through"][..], "--read-through"),
            (
                &["--read-through", "--command", "GET __key__"][..],
                "--command",
            ),
            (
                &["--command", "PING", "--read-through"][..],
                "--read-through",
            ),
            (
                &["--read-through", "--key-pattern", "S:R"][..],
                "one pattern",
            ),
            (
                &["--read-through", "--key-zipf-exp", "1"][..],
                "--key-pattern Z",
            ),
        ] {
            let message = parse(args).unwrap_err();
            assert!(message.contains(needle), "{args:?}: {message}");
        }
    }

    #[test]
    fn rate_interval() {
        let config = parse(&["-c", "10", "--rate", "1000"]).unwrap();
        // 10 connections sharing 1000/s: each sends every 10 ms.
        assert_eq!(config.interval_ns(), Some(10_000_000));
        let fast = parse(&["-c", "1", "--rate", "1000000000"]).unwrap();
        assert_eq!(fast.interval_ns(), Some(1));
    }

    #[test]
    fn bad_flags_are_refused_with_a_reason() {
        let bad: &[&[&str]] = &[
            &["--threads", "0"],
            &["--threads", "1025"],
            &["--clients", "0"],
            &["--pipeline", "0"],
            &["--pipeline", "10001"],
            &["--requests", "0"],
            &["--requests", "-5"],
            &["--requests", "5", "--test-time", "1"],
            &["--total-requests", "5", "--test-time", "1"],
            &["--requests", "5", "--total-requests", "5"],
            &["--test-time", "0"],
            &["--test-time", "-1"],
            &["--test-time", "nan"],
            &["--test-time", "1e30"],
            &["--warmup", "x"],
            &["--ratio", "0:0"],
            &["--ratio", "1"],
            &["--ratio", "1:-1"],
            &["--key-pattern", "X"],
            &["--key-pattern", "S:"],
            &["--key-minimum", "5", "--key-maximum", "4"],
            &["--key-zipf-exp", "1"],
            &["--key-pattern", "Z", "--key-zipf-exp", "0"],
            &["--key-pattern", "Z", "--key-zipf-exp", "5"],
            &["--key-median", "3"],
            &["--key-pattern", "G", "--key-stddev", "0"],
            &["--data-size", "67108865"],
            &["--data-size-range", "10-5"],
            &["--data-size-range", "10"],
            &["--data-size", "5", "--data-size-range", "1-2"],
            &["--resp", "4"],
            &["--rate", "0"],
            &["--port", "70000"],
            &["-t", "1000", "-c", "1000"],
            &["-t", "100", "-c", "1000", "-P", "101"],
            &["-h", "localhost"],
        ];
        for args in bad {
            assert!(parse(args).is_err(), "{args:?} was accepted");
        }
        let message = parse(&["--key-minimum", "5", "--key-maximum", "4"]).unwrap_err();
        assert!(message.contains("--key-minimum"), "{message}");
        let message = parse(&["--ratio", "x:1"]).unwrap_err();
        assert!(
            message.contains("SET:GET") || message.contains("not a count"),
            "{message}"
        );
    }
}
