//! The Prometheus endpoint of the real `shoal-server`: what `/metrics`
//! reports against INFO, the HTTP answers, and the bounds on clients.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;

use shoal_engine::limits::{METRICS_CLIENT_TIMEOUT, METRICS_REQUEST_HEAD_SIZE_MAX};
use support::{free_port, info_field, wait_port, Server, LIMIT};

/// A server with two shards and its metrics port, both listening.
fn start() -> (Server, u16) {
    let metrics_port = free_port();
    let server = Server::start(&[
        "--threads",
        "2",
        "--metrics-port",
        &metrics_port.to_string(),
    ]);
    wait_port(metrics_port, "the metrics endpoint");
    (server, metrics_port)
}

/// An HTTP answer: status line, headers (names in lower case), body.
struct Answer {
    status: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(LIMIT)).unwrap();
    s.set_write_timeout(Some(LIMIT)).unwrap();
    s
}

/// Sends `request` and reads the answer until the server closes.
fn http(port: u16, request: &[u8]) -> Answer {
    let mut s = connect(port);
    s.write_all(request).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)
        .expect("the server closes after its answer");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a whole head");
    let head = std::str::from_utf8(&raw[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().to_string();
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(':').unwrap();
            (n.to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    let answer = Answer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    };
    assert_eq!(answer.header("connection"), Some("close"));
    answer
}

fn get(port: u16, path: &str) -> Answer {
    http(
        port,
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\n\r\n").as_bytes(),
    )
}

/// Every sample of a scrape by series, after checking the exposition:
/// HELP then TYPE once per family, samples of a family together.
fn samples(text: &str) -> Vec<(String, f64)> {
    let mut families = HashSet::new();
    let mut current = String::new();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            current = rest.split(' ').next().unwrap().to_string();
            assert!(families.insert(current.clone()), "{current} twice");
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            assert!(rest.starts_with(&format!("{current} ")), "{line}");
        } else {
            let (series, value) = line.rsplit_once(' ').unwrap();
            assert_eq!(series.split('{').next().unwrap(), current, "{line}");
            out.push((series.to_string(), value.parse().unwrap()));
        }
    }
    out
}

fn sample(samples: &[(String, f64)], series: &str) -> f64 {
    samples
        .iter()
        .find(|(s, _)| s == series)
        .unwrap_or_else(|| panic!("no {series}"))
        .1
}

#[test]
fn metrics_report_what_info_reports() {
    let (server, metrics_port) = start();
    let mut c = support::client(server.port);
    for i in 0..40 {
        let _: () = redis::cmd("SET")
            .arg(format!("key:{i}"))
            .arg(i)
            .query(&mut c)
            .unwrap();
    }
    for i in 0..30 {
        let _: Option<String> = redis::cmd("GET")
            .arg(format!("key:{i}"))
            .query(&mut c)
            .unwrap();
    }
    for i in 0..7 {
        let _: Option<String> = redis::cmd("GET")
            .arg(format!("missing:{i}"))
            .query(&mut c)
            .unwrap();
    }
    // Connections of the test's start-up (waiting for the ports) may still
    // be closing: wait until this client is the only one.
    let deadline = Instant::now() + LIMIT;
    while info_field::<u64>(&mut c, "clients", "connected_clients") != 1 {
        assert!(Instant::now() < deadline, "other clients stay connected");
        std::thread::sleep(Duration::from_millis(20));
    }
    let hits: u64 = info_field(&mut c, "stats", "keyspace_hits");
    let misses: u64 = info_field(&mut c, "stats", "keyspace_misses");
    let dbsize: u64 = redis::cmd("DBSIZE").query(&mut c).unwrap();
    assert_eq!((hits, misses, dbsize), (30, 7, 40));

    // A metrics connection that is open meanwhile is not a client either.
    let idle = connect(metrics_port);
    let answer = get(metrics_port, "/metrics");
    assert_eq!(answer.status, "HTTP/1.1 200 OK");
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(
        answer.header("content-length"),
        Some(answer.body.len().to_string().as_str())
    );
    let m = samples(answer.text());
    assert_eq!(sample(&m, "shoal_keyspace_hits_total"), hits as f64);
    assert_eq!(sample(&m, "shoal_keyspace_misses_total"), misses as f64);
    let shard0 = sample(&m, "shoal_shard_keys{shard=\"0\"}");
    let shard1 = sample(&m, "shoal_shard_keys{shard=\"1\"}");
    assert!(shard0 > 0.0 && shard1 > 0.0, "{shard0} {shard1}");
    assert_eq!(shard0 + shard1, dbsize as f64);
    assert!(!m.iter().any(|(s, _)| s.contains("shard=\"2\"")));
    let shard_hits = sample(&m, "shoal_shard_keyspace_hits_total{shard=\"0\"}")
        + sample(&m, "shoal_shard_keyspace_hits_total{shard=\"1\"}");
    assert_eq!(shard_hits, hits as f64);
    assert_eq!(sample(&m, "shoal_db_keys{db=\"0\"}"), dbsize as f64);
    assert_eq!(sample(&m, "shoal_connected_clients"), 1.0);
    let shard_clients = sample(&m, "shoal_shard_connected_clients{shard=\"0\"}")
        + sample(&m, "shoal_shard_connected_clients{shard=\"1\"}");
    assert_eq!(shard_clients, 1.0);
    assert!(sample(&m, "shoal_memory_used_bytes") > 0.0);
    assert!(sample(&m, "shoal_uptime_seconds") >= 0.0);
    assert!(sample(&m, "shoal_cpu_user_seconds_total") >= 0.0);
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut c).unwrap();
    assert_eq!(list.lines().count(), 1, "{list}");
    drop(idle);

    // The counters follow: two more hits on the next scrape.
    for _ in 0..2 {
        let _: Option<String> = redis::cmd("GET").arg("key:1").query(&mut c).unwrap();
    }
    let m = samples(get(metrics_port, "/metrics?debug=1").text());
    assert_eq!(sample(&m, "shoal_keyspace_hits_total"), (hits + 2) as f64);
}

#[test]
fn other_requests_get_http_errors() {
    let (_server, metrics_port) = start();

    let head = http(metrics_port, b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(head.status, "HTTP/1.1 200 OK");
    let length: usize = head.header("content-length").unwrap().parse().unwrap();
    assert!(length > 1000, "{length}");
    assert!(head.body.is_empty());

    let not_found = get(metrics_port, "/");
    assert_eq!(not_found.status, "HTTP/1.1 404 Not Found");
    assert!(not_found.text().contains("/metrics"));

    let post = http(
        metrics_port,
        b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(post.status, "HTTP/1.1 405 Method Not Allowed");
    assert_eq!(post.header("allow"), Some("GET, HEAD"));

    let bad = http(metrics_port, b"HELLO WORLD\r\n\r\n");
    assert_eq!(bad.status, "HTTP/1.1 400 Bad Request");
    // Half a head, then the client stops sending.
    let mut s = connect(metrics_port);
    s.write_all(b"GET /metr").unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{raw}");

    // A head larger than the limit, sent whole: 431, and the answer
    // arrives although the server did not read all of it.
    let pad = "a".repeat(METRICS_REQUEST_HEAD_SIZE_MAX + 4096);
    let large = http(
        metrics_port,
        format!("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: {pad}\r\n\r\n").as_bytes(),
    );
    assert_eq!(large.status, "HTTP/1.1 431 Request Header Fields Too Large");

    // The endpoint still serves.
    assert_eq!(get(metrics_port, "/metrics").status, "HTTP/1.1 200 OK");
}

#[test]
fn silent_clients_are_dropped_in_bounded_time() {
    let (_server, metrics_port) = start();
    let mut silent = connect(metrics_port);
    let mut slow = connect(metrics_port);
    slow.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let start = Instant::now();
    // Others are served meanwhile.
    assert_eq!(get(metrics_port, "/metrics").status, "HTTP/1.1 200 OK");
    for s in [&mut silent, &mut slow] {
        let mut rest = Vec::new();
        // Closed without an answer: end of stream (or a reset), not the
        // read timeout.
        match s.read_to_end(&mut rest) {
            Ok(_) => assert!(rest.is_empty()),
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
        }
    }
    let waited = start.elapsed();
    assert!(
        waited >= METRICS_CLIENT_TIMEOUT - Duration::from_millis(500)
            && waited < METRICS_CLIENT_TIMEOUT + Duration::from_secs(3),
        "{waited:?}"
    );
}

#[test]
fn a_metrics_port_in_use_stops_the_start() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let metrics_port = taken.local_addr().unwrap().port();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_shoal-server"))
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--cpu-pinning",
            "no",
            "--threads",
            "2",
            "--metrics-port",
            &metrics_port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + LIMIT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not stop");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(!status.success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains(&format!(
            "Could not create metrics TCP listening socket 127.0.0.1:{metrics_port}"
        )),
        "{stderr}"
    );
    drop(taken);
}
