//! Black-box tests of the `shoal-bench` binary: short runs against a real `redis-server` on a
//! free loopback port, checking the JSON report, plus the failures a user must be able to read
//! (a refused connection, bad flags, error replies). Every run is bounded to a few seconds.
//!
//! Set `SHOAL_SKIP_REDIS_DIFF=1` to skip the tests that need `/usr/bin/redis-server` when it is
//! not installed (the same switch as the engine's differential test).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

use std::collections::BTreeSet;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

const REDIS: &str = "/usr/bin/redis-server";
/// No single shoal-bench run in these tests may take longer.
const RUN_TIMEOUT: Duration = Duration::from_secs(15);

/// A redis-server on a free loopback port, killed when dropped (also on panic).
struct Redis {
    child: Child,
    port: u16,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts redis-server, or returns None when it is missing and the skip switch is set.
fn redis() -> Option<Redis> {
    if !Path::new(REDIS).exists() {
        if std::env::var("SHOAL_SKIP_REDIS_DIFF").as_deref() == Ok("1") {
            eprintln!("NOTICE: {REDIS} not found; SHOAL_SKIP_REDIS_DIFF=1, skipping");
            return None;
        }
        panic!("{REDIS} not found: install redis-server or set SHOAL_SKIP_REDIS_DIFF=1 to skip");
    }
    let port = free_port();
    let child = Command::new(REDIS)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start redis-server");
    let redis = Redis { child, port };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "redis-server did not start on {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(redis)
}

/// A loopback port that was free a moment ago and that no other test of
/// this process was given (the kernel may hand a port it just freed to the
/// next `bind`).
fn free_port() -> u16 {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if GIVEN.lock().unwrap().insert(port) {
            return port;
        }
    }
}

/// A scratch directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("shoal-bench-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Outcome {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

/// Runs shoal-bench with `args`, killing it if it outlives [`RUN_TIMEOUT`].
fn bench(scratch: &Scratch, args: &[&str]) -> Outcome {
    let (out, err) = (scratch.path("stdout"), scratch.path("stderr"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_shoal-bench"))
        .args(args)
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .expect("start shoal-bench");
    let deadline = Instant::now() + RUN_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("shoal-bench {args:?} did not finish within {RUN_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Outcome {
        status,
        stdout: std::fs::read_to_string(out).unwrap(),
        stderr: std::fs::read_to_string(err).unwrap(),
    }
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_latency(latency: &Value) {
    let get = |p: &str| {
        latency[p]
            .as_f64()
            .unwrap_or_else(|| panic!("latency_ms.{p} missing in {latency}"))
    };
    assert!(get("min") <= get("p50"), "{latency}");
    assert!(get("p50") <= get("p90"), "{latency}");
    assert!(get("p90") <= get("p99"), "{latency}");
    assert!(get("p99") <= get("p99_9"), "{latency}");
    assert!(get("p99_9") <= get("p99_99"), "{latency}");
    assert!(get("p99_99") <= get("max"), "{latency}");
    assert!(get("avg") > 0.0 && get("max") > 0.0, "{latency}");
}

#[test]
fn a_timed_run_against_redis_writes_the_json_report() {
    let Some(redis) = redis() else { return };
    let scratch = Scratch::new("timed");
    let report = scratch.path("report.json");
    let port = redis.port.to_string();
    let run = bench(
        &scratch,
        &[
            "--port",
            &port,
            // Long enough that the progress line of second 1 comes before the end.
            "--test-time",
            "1.5",
            "--threads",
            "2",
            "--clients",
            "4",
            "--pipeline",
            "8",
            "--ratio",
            "1:4",
            "--key-maximum",
            "999",
            "--json-out",
            report.to_str().unwrap(),
        ],
    );
    assert!(run.status.success(), "{}", run.stderr);
    // Per-second progress on stderr, the table on stdout.
    assert!(run.stderr.contains("ops/s"), "{}", run.stderr);
    assert!(run.stdout.contains("Totals"), "{}", run.stdout);
    assert!(run.stdout.contains("p99.99 ms"), "{}", run.stdout);

    let report = json(&report);
    assert_eq!(report["tool"], "shoal-bench");
    assert_eq!(report["config"]["port"], redis.port);
    assert_eq!(report["config"]["connections"], 8);
    assert_eq!(report["config"]["test_time_s"], 1.5);
    let duration = report["duration_s"].as_f64().unwrap();
    assert!((1.4..5.0).contains(&duration), "{duration}");
    let totals = &report["totals"];
    let ops = totals["ops"].as_u64().unwrap();
    assert!(ops > 0, "{report}");
    assert_eq!(totals["errors"], 0, "{report}");
    assert_eq!(report["errors"]["count"], 0);
    assert!(totals["ops_per_sec"].as_f64().unwrap() > 0.0);
    assert_latency(&totals["latency_ms"]);
    let (set, get) = (&report["commands"]["SET"], &report["commands"]["GET"]);
    let (sets, gets) = (set["ops"].as_u64().unwrap(), get["ops"].as_u64().unwrap());
    assert!(sets > 0 && gets > 0, "{report}");
    assert_eq!(sets + gets, ops);
    // 1:4, give or take the requests in flight when time ran out.
    assert!(
        gets > 3 * sets && gets < 5 * sets,
        "{sets} SETs, {gets} GETs"
    );
    let (hits, misses) = (
        get["hits"].as_u64().unwrap(),
        get["misses"].as_u64().unwrap(),
    );
    assert_eq!(hits + misses, gets);
    assert!(set.get("hits").is_none());
    assert_latency(&set["latency_ms"]);
    assert_latency(&get["latency_ms"]);
    assert!(report["network"]["bytes_sent"].as_u64().unwrap() > 0);
}

#[test]
fn resp3_custom_commands_and_misses() {
    let Some(redis) = redis() else { return };
    let scratch = Scratch::new("resp3");
    let port = redis.port.to_string();
    let report = scratch.path("mget.json");
    let run = bench(
        &scratch,
        &[
            "-p",
            &port,
            "--resp",
            "3",
            "--command",
            "MGET __key__ __key__ __key__",
            "--key-pattern",
            "Z",
            "--key-zipf-exp",
            "1.1",
            "-n",
            "200",
            "-c",
            "3",
            "-P",
            "4",
            "-q",
            "--json-out",
            report.to_str().unwrap(),
        ],
    );
    assert!(run.status.success(), "{}", run.stderr);
    let report = json(&report);
    assert_eq!(report["commands"]["MGET"]["ops"], 600);
    assert_eq!(report["totals"]["errors"], 0);
    assert_eq!(report["config"]["resp"], 3);

    // Keys nobody wrote: every GET is a miss, in RESP3 (`_`) as in RESP2 (`$-1`).
    for resp in ["2", "3"] {
        let report = scratch.path("get.json");
        let run = bench(
            &scratch,
            &[
                "-p",
                &port,
                "--resp",
                resp,
                "--command",
                "GET __key__",
                "--key-prefix",
                "never-written:",
                "--total-requests",
                "100",
                "-c",
                "7",
                "-q",
                "--json-out",
                report.to_str().unwrap(),
            ],
        );
        assert!(run.status.success(), "{}", run.stderr);
        let get = &json(&report)["commands"]["GET"];
        assert_eq!(
            (get["ops"].as_u64(), get["misses"].as_u64()),
            (Some(100), Some(100))
        );
        assert_eq!(get["hits"], 0);
    }
}

#[test]
fn several_commands_are_a_sequence_on_every_connection() {
    let Some(redis) = redis() else { return };
    let scratch = Scratch::new("sequence");
    let port = redis.port.to_string();
    let report = scratch.path("multi.json");
    // A transaction per three requests: any connection that started
    // mid-sequence would get "EXEC without MULTI".
    let run = bench(
        &scratch,
        &[
            "-p",
            &port,
            "--command",
            "MULTI",
            "--command",
            "INCR seq:__key__",
            "--command",
            "EXEC",
            "--requests",
            "30",
            "-c",
            "5",
            "-P",
            "3",
            "-q",
            "--json-out",
            report.to_str().unwrap(),
        ],
    );
    assert!(run.status.success(), "{}", run.stderr);
    let report = json(&report);
    assert_eq!(report["totals"]["errors"], 0);
    for name in ["MULTI", "INCR", "EXEC"] {
        assert_eq!(report["commands"][name]["ops"], 50, "{name}");
    }
}

#[test]
fn error_replies_are_counted_or_fatal() {
    let Some(redis) = redis() else { return };
    let scratch = Scratch::new("errors");
    let port = redis.port.to_string();
    let report = scratch.path("errors.json");
    let run = bench(
        &scratch,
        &[
            "-p",
            &port,
            "--command",
            "NOSUCHCOMMAND __key__",
            "-n",
            "10",
            "-c",
            "2",
            "-q",
            "--json-out",
            report.to_str().unwrap(),
        ],
    );
    assert!(run.status.success(), "{}", run.stderr);
    assert!(run.stderr.contains("20 error replies"), "{}", run.stderr);
    assert!(run.stderr.contains("ERR unknown command"), "{}", run.stderr);
    let report = json(&report);
    assert_eq!(report["errors"]["count"], 20);
    assert_eq!(report["totals"]["errors"], 20);
    let message = report["errors"]["messages"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("ERR unknown command"), "{message}");

    let fatal = bench(
        &scratch,
        &[
            "-p",
            &port,
            "--command",
            "NOSUCHCOMMAND",
            "-n",
            "10",
            "--fail-on-error",
            "-q",
        ],
    );
    assert_eq!(fatal.status.code(), Some(1), "{}", fatal.stderr);
    assert!(
        fatal.stderr.contains("--fail-on-error") && fatal.stderr.contains("ERR unknown command"),
        "{}",
        fatal.stderr
    );
}

#[test]
fn read_through_sets_every_key_that_missed() {
    let Some(redis) = redis() else { return };
    let scratch = Scratch::new("read-through");
    let port = redis.port.to_string();
    let report = scratch.path("read-through.json");
    // 4 connections walking 1000 keys in order, 250 each from their own offset: every key is
    // read exactly once per pass, 8 requests in flight per connection.
    let pass = |resp: &str, prefix: &str| -> Value {
        let run = bench(
            &scratch,
            &[
                "-p",
                &port,
                "--resp",
                resp,
                "--read-through",
                "--key-pattern",
                "S",
                "--key-prefix",
                prefix,
                "--key-maximum",
                "999",
                "--total-requests",
                "1000",
                "-c",
                "4",
                "-P",
                "8",
                "-d",
                "20",
                "-q",
                "--json-out",
                report.to_str().unwrap(),
            ],
        );
        assert!(run.status.success(), "{}", run.stderr);
        assert!(run.stdout.contains("GET hit ratio"), "{}", run.stdout);
        json(&report)
    };
    for (resp, prefix) in [("2", "rt2:"), ("3", "rt3:")] {
        // First pass: an empty cache, so every GET misses and is followed by its SET.
        let first = pass(resp, prefix);
        assert_eq!(first["config"]["read_through"], true);
        assert_eq!(first["config"]["resp"].to_string(), resp);
        let (get, set) = (&first["commands"]["GET"], &first["commands"]["SET"]);
        assert_eq!(get["ops"], 1000, "{first}");
        assert_eq!(
            (get["hits"].as_u64(), get["misses"].as_u64()),
            (Some(0), Some(1000))
        );
        assert_eq!(set["ops"], 1000, "{first}");
        assert_eq!(first["totals"]["ops"], 2000);
        assert_eq!(first["totals"]["hit_ratio"], 0.0);
        assert_eq!(first["totals"]["errors"], 0);
        // Second pass over the same keys: all were filled, every GET hits, no SET is sent.
        let second = pass(resp, prefix);
        let get = &second["commands"]["GET"];
        assert_eq!(
            (get["hits"].as_u64(), get["misses"].as_u64()),
            (Some(1000), Some(0))
        );
        assert_eq!(second["commands"]["SET"]["ops"], 0, "{second}");
        assert_eq!(second["totals"]["ops"], 1000);
        assert_eq!(second["totals"]["hit_ratio"], 1.0);
    }

    // Timed runs with a deep pipeline, on skewed keys and then on uniform keys after a
    // warm-up: every measured miss is followed by a measured SET (a SET counts where its GET
    // does, and SETs still owed when the time runs out are sent), and the 100 skewed keys are
    // soon all hits.
    for (pattern, prefix, maximum, warmup) in
        [("Z", "rtz:", "99", "0"), ("R", "rtr:", "199999", "0.3")]
    {
        let run = bench(
            &scratch,
            &[
                "-p",
                &port,
                "--read-through",
                "--key-pattern",
                pattern,
                "--key-prefix",
                prefix,
                "--key-maximum",
                maximum,
                "--warmup",
                warmup,
                "--test-time",
                "1",
                "-t",
                "2",
                "-c",
                "2",
                "-P",
                "16",
                "-q",
                "--json-out",
                report.to_str().unwrap(),
            ],
        );
        assert!(run.status.success(), "{}", run.stderr);
        let timed = json(&report);
        let (get, set) = (&timed["commands"]["GET"], &timed["commands"]["SET"]);
        let (gets, hits, misses) = (
            get["ops"].as_u64().unwrap(),
            get["hits"].as_u64().unwrap(),
            get["misses"].as_u64().unwrap(),
        );
        assert_eq!(hits + misses, gets, "{timed}");
        assert_eq!(set["ops"].as_u64(), Some(misses), "{timed}");
        assert_eq!(timed["totals"]["ops"].as_u64(), Some(gets + misses));
        assert!(misses > 0, "{timed}");
        if pattern == "Z" {
            assert!(gets > 10 * misses, "{timed}");
        }
        let ratio = timed["totals"]["hit_ratio"].as_f64().unwrap();
        assert!((ratio - hits as f64 / gets as f64).abs() < 1e-9, "{timed}");
    }
}

#[test]
fn a_fixed_rate_is_kept() {
    let Some(redis) = redis() else { return };
    let scratch = Scratch::new("rate");
    let report = scratch.path("rate.json");
    let port = redis.port.to_string();
    let run = bench(
        &scratch,
        &[
            "-p",
            &port,
            "--rate",
            "2000",
            "--test-time",
            "1",
            "--warmup",
            "0.2",
            "-c",
            "4",
            "-q",
            "--json-out",
            report.to_str().unwrap(),
        ],
    );
    assert!(run.status.success(), "{}", run.stderr);
    let ops = json(&report)["totals"]["ops"].as_u64().unwrap();
    assert!(
        (1900..=2100).contains(&ops),
        "{ops} requests at 2000/s for 1 s"
    );
}

#[test]
fn a_refused_connection_is_a_clear_error() {
    let port = free_port(); // bound and released: nothing listens there now
    let scratch = Scratch::new("refused");
    let run = bench(&scratch, &["-p", &port.to_string(), "-n", "1"]);
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert_eq!(
        run.stderr.trim_end(),
        format!("Could not connect to 127.0.0.1:{port}: Connection refused")
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[test]
fn bad_flags_exit_with_a_usage_error() {
    let scratch = Scratch::new("flags");
    for (args, needle) in [
        (&["--pipeline", "0"][..], "--pipeline"),
        (&["--ratio", "0:0"][..], "0:0"),
        (
            &["--key-minimum", "9", "--key-maximum", "1"][..],
            "--key-minimum",
        ),
        (
            &["--requests", "5", "--test-time", "1"][..],
            "cannot be used with",
        ),
        (
            &["--read-through", "--ratio", "1:1"][..],
            "cannot be used with",
        ),
        (
            &["--read-through", "--command", "GET __key__"][..],
            "cannot be used with",
        ),
    ] {
        let run = bench(&scratch, args);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
}
