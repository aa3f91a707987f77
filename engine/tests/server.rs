//! Black-box tests: start the real `shoal-server` on loopback and talk to it
//! as users do — the `redis` client crate (RESP2 and RESP3), raw sockets for
//! exact bytes and malformed frames, redis-cli and redis-benchmark.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

mod support;

use support::{info_field, Server};

impl Server {
    fn client(&self) -> redis::Connection {
        support::client(self.port)
    }

    fn client_resp3(&self) -> redis::Connection {
        support::client_resp3(self.port)
    }

    fn raw(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s
    }

    /// Waits (bounded) for the process to exit; returns whether it did.
    fn wait_exit(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

/// Sends raw bytes and reads until `expected` bytes arrived (or timeout).
fn exchange(s: &mut TcpStream, send: &[u8], expected_len: usize) -> Vec<u8> {
    s.write_all(send).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    while got.len() < expected_len {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => break,
        }
    }
    got
}

/// Reads until the peer closes (bounded by the read timeout).
fn read_to_close(s: &mut TcpStream) -> Vec<u8> {
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    got
}

#[test]
fn strings_keys_and_expiry_through_the_redis_crate() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let _: () = redis::cmd("SET")
        .arg("greeting")
        .arg("hello")
        .query(&mut c)
        .unwrap();
    let v: String = redis::cmd("GET").arg("greeting").query(&mut c).unwrap();
    assert_eq!(v, "hello");
    // Keys spread over both shards: MGET/DEL/EXISTS split and merge in key order.
    for i in 0..100 {
        let _: () = redis::cmd("SET")
            .arg(format!("k{i}"))
            .arg(i)
            .query(&mut c)
            .unwrap();
    }
    let keys: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
    let vals: Vec<Option<i64>> = redis::cmd("MGET")
        .arg(&keys)
        .arg("missing")
        .query(&mut c)
        .unwrap();
    assert_eq!(vals.len(), 101);
    for (i, v) in vals.iter().take(100).enumerate() {
        assert_eq!(*v, Some(i as i64));
    }
    assert_eq!(vals[100], None);
    let n: i64 = redis::cmd("EXISTS")
        .arg(&keys)
        .arg("k1")
        .query(&mut c)
        .unwrap();
    assert_eq!(n, 101);
    let n: i64 = redis::cmd("DBSIZE").query(&mut c).unwrap();
    assert_eq!(n, 101);
    let mut listed: Vec<String> = redis::cmd("KEYS").arg("k*").query(&mut c).unwrap();
    listed.sort();
    assert_eq!(listed.len(), 100);
    let n: i64 = redis::cmd("DEL").arg(&keys).query(&mut c).unwrap();
    assert_eq!(n, 100);
    let n: i64 = redis::cmd("INCRBY")
        .arg("counter")
        .arg(41)
        .query(&mut c)
        .unwrap();
    assert_eq!(n, 41);
    let n: i64 = redis::cmd("INCR").arg("counter").query(&mut c).unwrap();
    assert_eq!(n, 42);
    // Expiry: lazy on access...
    let _: () = redis::cmd("SET")
        .arg("short")
        .arg("x")
        .arg("PX")
        .arg(50)
        .query(&mut c)
        .unwrap();
    let ttl: i64 = redis::cmd("PTTL").arg("short").query(&mut c).unwrap();
    assert!(ttl > 0 && ttl <= 50);
    std::thread::sleep(Duration::from_millis(120));
    let v: Option<String> = redis::cmd("GET").arg("short").query(&mut c).unwrap();
    assert_eq!(v, None);
    // ...and active: keys nobody touches go away by themselves.
    for i in 0..200 {
        let _: () = redis::cmd("SET")
            .arg(format!("e{i}"))
            .arg("x")
            .arg("PX")
            .arg(30)
            .query(&mut c)
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let expired = expired_keys(&mut c);
        if expired >= 201 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "active expiry did not remove keys: {expired}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// INFO stats `expired_keys`.
fn expired_keys(c: &mut redis::Connection) -> u64 {
    info_field(c, "stats", "expired_keys")
}

#[test]
fn active_expiry_finds_an_untouched_key_among_many_without_a_ttl() {
    // The sweep walks the whole table (there is no index of keys with a
    // TTL): one volatile key among 100,000 must still go within seconds,
    // not after up to 100,000 / 200 cycles of 100 ms as with a fixed
    // budget of 200 entries per cycle.
    let server = Server::start(&["--threads", "1"]);
    let mut c = server.client();
    let mut fill = redis::pipe();
    for i in 0..100_000 {
        fill.cmd("SET").arg(format!("plain:{i}")).arg(i).ignore();
    }
    let _: () = fill.query(&mut c).unwrap();
    let _: () = redis::cmd("SET")
        .arg("volatile")
        .arg("x")
        .arg("PX")
        .arg(20)
        .query(&mut c)
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while expired_keys(&mut c) < 1 {
        assert!(
            Instant::now() < deadline,
            "active expiry did not find the expired key"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let n: u64 = redis::cmd("DBSIZE").query(&mut c).unwrap();
    assert_eq!(n, 100_000);
    // The effort is a setting as in Redis, bounded as in Redis.
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("active-expire-effort")
        .arg("10")
        .query(&mut c)
        .unwrap();
    let err = redis::cmd("CONFIG")
        .arg("SET")
        .arg("active-expire-effort")
        .arg("11")
        .query::<()>(&mut c)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("argument must be between 1 and 10 inclusive"),
        "{err}"
    );
}

#[test]
fn instantaneous_rates_follow_the_load() {
    let server = Server::start(&[]);
    let mut c = server.client();
    // Busy: pipelines of PINGs on two connections (so both cores count)
    // until the rates show them, bounded.
    let mut other = server.client();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        for conn in [&mut c, &mut other] {
            let mut p = redis::pipe();
            for _ in 0..100 {
                p.cmd("PING").ignore();
            }
            let _: () = p.query(conn).unwrap();
        }
        let ops = info_field::<f64>(&mut c, "stats", "instantaneous_ops_per_sec");
        let input = info_field::<f64>(&mut c, "stats", "instantaneous_input_kbps");
        let output = info_field::<f64>(&mut c, "stats", "instantaneous_output_kbps");
        if ops > 0.0 && input > 0.0 && output > 0.0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "rates never rose: {ops} {input} {output}"
        );
    }
    // Idle: after 16 samples of 100 ms without commands the rate is 0 (the
    // INFO asking for it is the only command, and it lands in one sample).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        std::thread::sleep(Duration::from_millis(1700));
        let ops = info_field::<f64>(&mut c, "stats", "instantaneous_ops_per_sec");
        if ops == 0.0 {
            break;
        }
        assert!(Instant::now() < deadline, "the rate never fell: {ops}");
    }
}

#[test]
fn databases_are_separate_namespaces_on_every_shard() {
    let server = Server::start(&[]);
    let mut c = server.client();
    for i in 0..20 {
        let _: () = redis::cmd("SET")
            .arg(format!("d{i}"))
            .arg("zero")
            .query(&mut c)
            .unwrap();
    }
    let _: () = redis::cmd("SELECT").arg(3).query(&mut c).unwrap();
    let n: i64 = redis::cmd("DBSIZE").query(&mut c).unwrap();
    assert_eq!(n, 0);
    let _: () = redis::cmd("SET")
        .arg("d1")
        .arg("three")
        .query(&mut c)
        .unwrap();
    let _: () = redis::cmd("FLUSHDB").query(&mut c).unwrap();
    let _: () = redis::cmd("SELECT").arg(0).query(&mut c).unwrap();
    let n: i64 = redis::cmd("DBSIZE").query(&mut c).unwrap();
    assert_eq!(n, 20);
    let e = redis::cmd("SELECT")
        .arg(16)
        .query::<()>(&mut c)
        .unwrap_err();
    assert!(e.to_string().contains("DB index is out of range"), "{e}");
}

#[test]
fn scan_returns_every_key_across_shards() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let mut pipe = redis::pipe();
    for i in 0..3000 {
        pipe.cmd("SET").arg(format!("scan:{i}")).arg(i).ignore();
    }
    let _: () = pipe.query(&mut c).unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut cursor: u64 = 0;
    let mut calls = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg("scan:*")
            .arg("COUNT")
            .arg(100)
            .query(&mut c)
            .unwrap();
        seen.extend(keys);
        calls += 1;
        assert!(calls < 10_000);
        if next == 0 {
            break;
        }
        cursor = next;
    }
    assert_eq!(seen.len(), 3000);
}

#[test]
fn resp3_clients_get_resp3_replies() {
    let server = Server::start(&[]);
    let mut c = server.client_resp3();
    let v: redis::Value = redis::cmd("GET").arg("nothing").query(&mut c).unwrap();
    assert_eq!(v, redis::Value::Nil);
    let _: () = redis::cmd("SET").arg("a").arg("1").query(&mut c).unwrap();
    let v: i64 = redis::cmd("GET").arg("a").query(&mut c).unwrap();
    assert_eq!(v, 1);
    let mut raw = server.raw();
    let reply = exchange(&mut raw, b"HELLO 3\r\n", 1);
    assert!(
        reply.starts_with(b"%7\r\n"),
        "{:?}",
        String::from_utf8_lossy(&reply)
    );
    std::thread::sleep(Duration::from_millis(100));
    let reply = exchange(&mut raw, b"*2\r\n$3\r\nGET\r\n$4\r\nnone\r\n", 3);
    assert_eq!(reply, b"_\r\n");
}

#[test]
fn hashes_and_sets_through_the_redis_crate() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let n: i64 = redis::cmd("HSET")
        .arg("h")
        .arg(&[("a", "1"), ("b", "2")])
        .query(&mut c)
        .unwrap();
    assert_eq!(n, 2);
    let all: std::collections::HashMap<String, i64> =
        redis::cmd("HGETALL").arg("h").query(&mut c).unwrap();
    assert_eq!(all.get("b"), Some(&2));
    let added: i64 = redis::cmd("SADD")
        .arg("s")
        .arg(&[1, 2, 3])
        .query(&mut c)
        .unwrap();
    assert_eq!(added, 3);
    let members: std::collections::HashSet<i64> =
        redis::cmd("SMEMBERS").arg("s").query(&mut c).unwrap();
    assert_eq!(members, [1, 2, 3].into_iter().collect());
    // Negative counts repeat members, up to RANDOM_REPLY_LEN_MAX elements;
    // beyond it (where Redis would run out of memory) an error, at once.
    let picks: Vec<i64> = redis::cmd("SRANDMEMBER")
        .arg("s")
        .arg(-1000)
        .query(&mut c)
        .unwrap();
    assert_eq!(picks.len(), 1000);
    assert!(picks.iter().all(|m| (1..=3).contains(m)));
    for args in [
        &["SRANDMEMBER", "s", "-9223372036854775807"][..],
        &["SRANDMEMBER", "s", "-16777217"],
        &["HRANDFIELD", "h", "-9223372036854775807"],
        &["HRANDFIELD", "h", "-4611686018427387903", "WITHVALUES"],
    ] {
        let mut command = redis::cmd(args[0]);
        command.arg(&args[1..]);
        let err = command.query::<redis::Value>(&mut c).unwrap_err();
        assert!(
            err.to_string().contains("value is out of range"),
            "{args:?}: {err}"
        );
    }
    // The huge counts did not disturb anything.
    let card: i64 = redis::cmd("SCARD").arg("s").query(&mut c).unwrap();
    assert_eq!(card, 3);
}

#[test]
fn pipelines_of_thousands_answer_in_order() {
    let server = Server::start(&[]);
    let mut raw = server.raw();
    let mut req = Vec::new();
    let mut expected = Vec::new();
    for i in 0..5000 {
        let k = format!("p{i}");
        let v = i.to_string();
        req.extend_from_slice(
            format!(
                "*3\r\n$3\r\nSET\r\n${}\r\n{k}\r\n${}\r\n{v}\r\n",
                k.len(),
                v.len()
            )
            .as_bytes(),
        );
        expected.extend_from_slice(b"+OK\r\n");
        req.extend_from_slice(format!("*2\r\n$3\r\nGET\r\n${}\r\n{k}\r\n", k.len()).as_bytes());
        expected.extend_from_slice(format!("${}\r\n{v}\r\n", v.len()).as_bytes());
    }
    let got = exchange(&mut raw, &req, expected.len());
    assert_eq!(got.len(), expected.len());
    assert!(got == expected, "replies out of order");
}

#[test]
fn a_repeated_command_name_is_checked_for_arity_and_subcommands() {
    let server = Server::start(&["--threads", "1"]);
    let mut raw = server.raw();
    let req = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n\
        *2\r\n$3\r\nGET\r\n$1\r\nk\r\n\
        *3\r\n$3\r\nGET\r\n$1\r\nk\r\n$1\r\nx\r\n\
        *1\r\n$3\r\nGET\r\n\
        *2\r\n$3\r\nget\r\n$1\r\nk\r\n\
        *2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
    let arity = "-ERR wrong number of arguments for 'get' command\r\n";
    let expected = format!("+OK\r\n$1\r\nv\r\n{arity}{arity}$1\r\nv\r\n$1\r\nv\r\n");
    let got = exchange(&mut raw, req, expected.len());
    assert_eq!(String::from_utf8_lossy(&got), expected);
    // A command with subcommands is resolved anew: COMMAND, then COMMAND COUNT.
    let count_req = b"*2\r\n$7\r\nCOMMAND\r\n$5\r\nCOUNT\r\n";
    let count = exchange(&mut server.raw(), count_req, 4);
    assert!(count.starts_with(b":") && count.ends_with(b"\r\n"));
    raw.write_all(b"*1\r\n$7\r\nCOMMAND\r\n").unwrap();
    raw.write_all(count_req).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    let first_len = loop {
        if let Ok(Some((_, len))) = shoal_proto::decode_frame(&got) {
            if got.len() >= len + count.len() {
                break len;
            }
        }
        let n = raw.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed");
        got.extend_from_slice(&buf[..n]);
    };
    assert_eq!(&got[first_len..], &count[..]);
}

#[test]
fn malformed_frames_get_redis_errors_and_others_keep_being_served() {
    let server = Server::start(&[]);
    let cases: &[(&[u8], &[u8])] = &[
        (
            b"*1\r\n+PING\r\n",
            b"-ERR Protocol error: expected '$', got '+'\r\n",
        ),
        (
            b"*abc\r\n",
            b"-ERR Protocol error: invalid multibulk length\r\n",
        ),
        (
            b"*1\r\n$-5\r\n",
            b"-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"*1\r\n$536870913\r\n",
            b"-ERR Protocol error: invalid bulk length\r\n",
        ),
        (
            b"SET \"unbalanced x\r\n",
            b"-ERR Protocol error: unbalanced quotes in request\r\n",
        ),
    ];
    for (send, expect) in cases {
        let mut raw = server.raw();
        raw.write_all(send).unwrap();
        let got = read_to_close(&mut raw);
        assert_eq!(&got[..], *expect, "for {:?}", String::from_utf8_lossy(send));
    }
    // A declared length far beyond what arrives allocates nothing up front
    // and the server keeps serving others.
    let mut hog = server.raw();
    hog.write_all(b"*2\r\n$3\r\nGET\r\n$536870000\r\nabc")
        .unwrap();
    let mut c = server.client();
    let pong: String = redis::cmd("PING").query(&mut c).unwrap();
    assert_eq!(pong, "PONG");
    // An inline request over 64 KiB without a newline is refused.
    let mut raw = server.raw();
    let big = vec![b'a'; 70 * 1024];
    let _ = raw.write_all(&big);
    let got = read_to_close(&mut raw);
    assert_eq!(got, b"-ERR Protocol error: too big inline request\r\n");
}

#[test]
fn limits_are_enforced() {
    // proto-max-bulk-len, settable at start and at run time.
    let server = Server::start(&["--proto-max-bulk-len", "1mb", "--maxclients", "3"]);
    let mut raw = server.raw();
    raw.write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n")
        .unwrap();
    assert_eq!(
        read_to_close(&mut raw),
        b"-ERR Protocol error: invalid bulk length\r\n"
    );
    let mut c = server.client();
    let e = redis::cmd("SETRANGE")
        .arg("k")
        .arg(1048576)
        .arg("x")
        .query::<i64>(&mut c)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("string exceeds maximum allowed size"),
        "{e}"
    );
    // maxclients 3: the fourth concurrent client is refused with Redis's error.
    let _a = server.raw();
    let _b = server.raw();
    std::thread::sleep(Duration::from_millis(100));
    let mut d = server.raw();
    assert_eq!(
        read_to_close(&mut d),
        b"-ERR max number of clients reached\r\n"
    );
    let n: i64 = info_field(&mut c, "stats", "rejected_connections");
    assert!(n >= 1);
}

#[test]
fn idle_clients_are_closed_after_timeout() {
    let server = Server::start(&["--timeout", "1"]);
    let mut raw = server.raw();
    raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let started = Instant::now();
    let got = read_to_close(&mut raw);
    assert!(got.is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "idle client was not closed"
    );
}

#[test]
fn client_list_setname_and_kill_span_cores() {
    let server = Server::start(&[]);
    let mut a = server.client();
    let _: () = redis::cmd("CLIENT")
        .arg("SETNAME")
        .arg("alpha")
        .query(&mut a)
        .unwrap();
    let id: i64 = redis::cmd("CLIENT").arg("ID").query(&mut a).unwrap();
    // Several connections so both cores hold some.
    let others: Vec<redis::Connection> = (0..6).map(|_| server.client()).collect();
    let mut b = server.client();
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut b).unwrap();
    assert_eq!(list.lines().count(), 8, "{list}");
    assert!(list.contains("name=alpha"));
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(id)
        .query(&mut b)
        .unwrap();
    assert_eq!(killed, 1);
    assert!(redis::cmd("PING").query::<String>(&mut a).is_err());
    drop(others);
    let e = redis::cmd("CLIENT")
        .arg("NOPE")
        .query::<()>(&mut b)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("unknown subcommand 'NOPE'. Try CLIENT HELP."),
        "{e}"
    );
}

#[test]
fn config_get_set_and_command_introspection() {
    let server = Server::start(&[]);
    let mut c = server.client();
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("timeout")
        .query(&mut c)
        .unwrap();
    assert_eq!(v, vec!["timeout", "0"]);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("timeout")
        .arg("30")
        .query(&mut c)
        .unwrap();
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("time*")
        .query(&mut c)
        .unwrap();
    assert_eq!(v, vec!["timeout", "30"]);
    let e = redis::cmd("CONFIG")
        .arg("SET")
        .arg("port")
        .arg("1")
        .query::<()>(&mut c)
        .unwrap_err();
    assert!(e.to_string().contains("can't set immutable config"), "{e}");
    // redis-benchmark and memtier probe these at start.
    let v: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("save")
        .query(&mut c)
        .unwrap();
    assert!(v.is_empty());
    let n: i64 = redis::cmd("COMMAND").arg("COUNT").query(&mut c).unwrap();
    assert!(n > 40);
    let keys: Vec<String> = redis::cmd("COMMAND")
        .arg("GETKEYS")
        .arg("MGET")
        .arg("a")
        .arg("b")
        .query(&mut c)
        .unwrap();
    assert_eq!(keys, vec!["a", "b"]);
    let info: redis::Value = redis::cmd("COMMAND")
        .arg("INFO")
        .arg("get")
        .query(&mut c)
        .unwrap();
    let text = format!("{info:?}");
    assert!(
        text.contains("readonly") && text.contains("@string"),
        "{text}"
    );
}

#[test]
fn unknown_settings_stop_the_start_with_their_name() {
    let out = Command::new(env!("CARGO_BIN_EXE_shoal-server"))
        .args(["--no-such-setting", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-setting"));
    let out = Command::new(env!("CARGO_BIN_EXE_shoal-server"))
        .args(["--port", "99999"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("port"));
}

#[test]
fn shutdown_by_command_and_by_signal() {
    let mut server = Server::start(&[]);
    let mut raw = server.raw();
    raw.write_all(b"SHUTDOWN NOSAVE\r\n").unwrap();
    assert!(read_to_close(&mut raw).is_empty());
    assert!(
        server.wait_exit(Duration::from_secs(10)),
        "SHUTDOWN did not stop the server"
    );
    let mut server = Server::start(&[]);
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(server.child.id() as i32, libc::SIGTERM) };
    assert!(
        server.wait_exit(Duration::from_secs(10)),
        "SIGTERM did not stop the server"
    );
    assert!(server.child.wait().unwrap().success());
}

/// Runs a tool if it is installed; CI installs it (see .ci/run).
fn tool(name: &str) -> Option<Command> {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .ok()?
        .status
        .success();
    if found {
        Some(Command::new(name))
    } else {
        assert!(
            std::env::var_os("CI").is_none(),
            "{name} is missing; .ci/run installs it"
        );
        eprintln!("skipping: {name} not installed");
        None
    }
}

#[test]
fn redis_benchmark_runs_without_errors() {
    let server = Server::start(&[]);
    let Some(mut bench) = tool("redis-benchmark") else {
        return;
    };
    let out = bench
        .args([
            "-p",
            &server.port.to_string(),
            "-t",
            "ping,set,get,incr",
            "-P",
            "16",
            "-r",
            "100000",
            "-n",
            "20000",
            "-c",
            "20",
            "-q",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for t in ["PING_INLINE", "PING_MBULK", "SET", "GET", "INCR"] {
        assert!(
            stdout.contains(&format!("{t}:")),
            "{t} missing in:\n{stdout}"
        );
    }
    assert!(
        !stdout.to_lowercase().contains("error") && !stderr.to_lowercase().contains("error"),
        "{stdout}\n{stderr}"
    );
}

#[test]
fn redis_cli_works() {
    let server = Server::start(&[]);
    let Some(mut cli) = tool("redis-cli") else {
        return;
    };
    let port = server.port.to_string();
    let out = cli
        .args(["-p", &port, "SET", "cli", "works"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "OK");
    let out = Command::new("redis-cli")
        .args(["-p", &port, "GET", "cli"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "works");
    let out = Command::new("redis-cli")
        .args(["-p", &port, "--raw", "INFO", "server"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("redis_version:"));
}

#[test]
fn config_set_waits_for_the_requests_queued_before_it() {
    let server = Server::start(&["--threads", "2"]);
    let mut c = server.client();
    // One key on each shard, so that one of them is another core's.
    let keys = ["foo", "bar"];
    assert_ne!(
        shoal_engine::shard::shard_of(b"foo", 2),
        shoal_engine::shard::shard_of(b"bar", 2)
    );
    let mut p = redis::pipe();
    for k in keys {
        p.cmd("HSET")
            .arg(k)
            .arg("a")
            .arg(1)
            .arg("b")
            .arg(2)
            .ignore();
    }
    p.cmd("CONFIG")
        .arg("SET")
        .arg("hash-max-listpack-entries")
        .arg(1)
        .ignore();
    for k in keys {
        p.cmd("OBJECT").arg("ENCODING").arg(k);
    }
    let encodings: Vec<String> = p.query(&mut c).unwrap();
    // Both hashes were written under the old limit: neither converted.
    assert_eq!(encodings, ["listpack", "listpack"]);
    let _: () = redis::cmd("HSET")
        .arg("foo")
        .arg("c")
        .arg(3)
        .query(&mut c)
        .unwrap();
    let e: String = redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg("foo")
        .query(&mut c)
        .unwrap();
    assert_eq!(e, "hashtable");
}

#[test]
fn lcs_table_is_bounded_by_proto_max_bulk_len() {
    let server = Server::start(&["--threads", "1"]);
    let mut c = server.client();
    let long = "ab".repeat(300);
    let _: () = redis::cmd("MSET")
        .arg("x")
        .arg(&long)
        .arg("y")
        .arg(&long)
        .query(&mut c)
        .unwrap();
    // 601 x 601 counters of 4 bytes: 1.4 MB, over a 1 MB limit.
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("proto-max-bulk-len")
        .arg("1mb")
        .query(&mut c)
        .unwrap();
    let err = redis::cmd("LCS")
        .arg("x")
        .arg("y")
        .arg("LEN")
        .query::<i64>(&mut c)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("transient memory for LCS exceeds proto-max-bulk-len"),
        "{err}"
    );
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("proto-max-bulk-len")
        .arg("2mb")
        .query(&mut c)
        .unwrap();
    let n: i64 = redis::cmd("LCS")
        .arg("x")
        .arg("y")
        .arg("LEN")
        .query(&mut c)
        .unwrap();
    assert_eq!(n, 600);
}

fn memory_usage(c: &mut redis::Connection, key: &str, samples: Option<i64>) -> Option<i64> {
    let mut cmd = redis::cmd("MEMORY");
    cmd.arg("USAGE").arg(key);
    if let Some(n) = samples {
        cmd.arg("SAMPLES").arg(n);
    }
    cmd.query(c).unwrap()
}

#[test]
fn memory_usage_counts_what_a_key_holds() {
    let server = Server::start(&["--threads", "2"]);
    let mut c = server.client();
    assert_eq!(memory_usage(&mut c, "missing", None), None);
    // A short string is one small record plus its slot; a longer one
    // grows with its bytes; an expiry adds its 8 bytes to the record.
    redis::cmd("SET").arg("s").arg("abc").exec(&mut c).unwrap();
    redis::cmd("SET")
        .arg("big")
        .arg(vec![b'x'; 10_000])
        .exec(&mut c)
        .unwrap();
    redis::cmd("SET")
        .arg("ttl")
        .arg("abc")
        .arg("EX")
        .arg(100)
        .exec(&mut c)
        .unwrap();
    let small = memory_usage(&mut c, "s", None).unwrap();
    let big = memory_usage(&mut c, "big", None).unwrap();
    let ttl = memory_usage(&mut c, "ttl", None).unwrap();
    assert!((9..64).contains(&small), "{small}");
    assert!((10_000..11_000).contains(&big), "{big}");
    assert!(ttl > small, "{ttl} vs {small}");
    // A large hash: sampling 5 fields extrapolates, SAMPLES 0 counts all;
    // twice the fields, about twice the bytes.
    let fill = |c: &mut redis::Connection, key: &str, n: usize| {
        let fields: Vec<(String, String)> = (0..n)
            .map(|i| (format!("field:{i:08}"), format!("value:{i:08}")))
            .collect();
        for chunk in fields.chunks(1000) {
            redis::cmd("HSET").arg(key).arg(chunk).exec(c).unwrap();
        }
    };
    fill(&mut c, "h", 20_000);
    fill(&mut c, "h2", 40_000);
    let sampled = memory_usage(&mut c, "h", None).unwrap();
    let all = memory_usage(&mut c, "h", Some(0)).unwrap();
    let twice = memory_usage(&mut c, "h2", Some(0)).unwrap();
    assert!(all > 20_000 * 24, "{all}");
    assert!((sampled - all).abs() < all / 10, "{sampled} vs {all}");
    assert!(
        (all * 3 / 2..all * 5 / 2).contains(&twice),
        "{all} then {twice}"
    );
    let err = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg("h")
        .arg("SAMPLES")
        .arg(-1)
        .query::<redis::Value>(&mut c)
        .unwrap_err();
    assert!(err.to_string().contains("syntax error"), "{err}");
}
