//! What the black-box tests share: free loopback ports, waiting for a server
//! to listen, and a `shoal-server` child process that is killed when dropped.

#![allow(dead_code)] // each test crate uses its own part of this module

use std::collections::BTreeSet;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a server may take to start listening.
const START_LIMIT: Duration = Duration::from_secs(10);

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
