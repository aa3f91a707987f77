//! What the black-box tests share: free loopback ports, waiting for a server
//! to listen, `shoal-server` and `redis-server` child processes that are
//! killed when dropped, clients whose every wait is bounded, and INFO
//! fields.

#![allow(dead_code)] // each test crate uses its own part of this module

use std::collections::BTreeSet;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a server may take to start listening.
const START_LIMIT: Duration = Duration::from_secs(10);

/// The bound on any one reply a test waits for.
pub const LIMIT: Duration = Duration::from_secs(10);

/// The redis-server the differential tests compare against.
pub const REDIS: &str = "/usr/bin/redis-server";

/// A loopback port that was free a moment ago and that no other test of
/// this process was given: the kernel may hand a port it just freed to the
/// next `bind`, and the servers listen with SO_REUSEPORT, so two tests
/// given the same port would both start and share each other's clients.
pub fn free_port() -> u16 {
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

/// Waits, bounded, until something accepts connections on `port`.
pub fn wait_port(port: u16, what: &str) {
    let deadline = Instant::now() + START_LIMIT;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A running `shoal-server` on a free loopback port, killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    /// Starts the server with `extra` flags (two unpinned threads unless
    /// `--threads` is among them) and waits until it listens.
    pub fn start(extra: &[&str]) -> Server {
        let port = free_port();
        let port_s = port.to_string();
        let mut args = vec![
            "--port",
            &port_s,
            "--bind",
            "127.0.0.1",
            "--cpu-pinning",
            "no",
        ];
        if !extra.contains(&"--threads") {
            args.extend(["--threads", "2"]);
        }
        args.extend(extra);
        let child = Command::new(env!("CARGO_BIN_EXE_shoal-server"))
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server { child, port };
        wait_port(port, "shoal-server");
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `redis` crate connection whose every read is bounded by [`LIMIT`].
pub fn client(port: u16) -> redis::Connection {
    client_at(&format!("redis://127.0.0.1:{port}/"))
}

/// The same, speaking RESP3.
pub fn client_resp3(port: u16) -> redis::Connection {
    client_at(&format!("redis://127.0.0.1:{port}/?protocol=resp3"))
}

fn client_at(url: &str) -> redis::Connection {
    let conn = redis::Client::open(url).unwrap().get_connection().unwrap();
    conn.set_read_timeout(Some(LIMIT)).unwrap();
    conn
}

/// Field `field` of INFO `section`, parsed.
pub fn info_field<T: std::str::FromStr>(
    c: &mut redis::Connection,
    section: &str,
    field: &str,
) -> T {
    let info: String = redis::cmd("INFO").arg(section).query(c).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in {info}"))
}

/// A real redis-server (no persistence) on a free loopback port, listening,
/// killed when dropped. `None` when it is not installed and
/// `SHOAL_SKIP_REDIS_DIFF=1` says to skip the comparison; not installed
/// otherwise is a failure that says how to install or skip.
pub fn start_redis() -> Option<Server> {
    if !std::path::Path::new(REDIS).exists() {
        if std::env::var("SHOAL_SKIP_REDIS_DIFF").as_deref() == Ok("1") {
            eprintln!("NOTICE: {REDIS} not found; SHOAL_SKIP_REDIS_DIFF=1, skipping");
            return None;
        }
        panic!(
            "{REDIS} not found: install redis-server 7.0 or set SHOAL_SKIP_REDIS_DIFF=1 to skip"
        );
    }
    let port = free_port();
    let child = Command::new(REDIS)
        .args([
            "--port",
            &port.to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
            "--bind",
            "127.0.0.1",
            "--daemonize",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn redis-server");
    let server = Server { child, port };
    wait_port(port, "redis-server");
    Some(server)
}
