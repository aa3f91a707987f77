//! Differential test: run the same command sequences against the real
//! `shoal-server` and a real `redis-server`, and compare the raw reply bytes.
//!
//! Set `SHOAL_SKIP_REDIS_DIFF=1` to skip when `/usr/bin/redis-server` is
//! not installed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod support;

use shoal_proto::decode_frame;

use support::{free_port, wait_port, Server};

const REDIS: &str = "/usr/bin/redis-server";

/// Kills every child process when dropped (also on panic).
struct Guard(Vec<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// The end offset of the complete RESP2/RESP3 frame starting at `pos`, or
/// `None` if more bytes are needed.
fn frame_end(buf: &[u8], pos: usize) -> Option<usize> {
    match decode_frame(&buf[pos..]) {
        Ok(frame) => frame.map(|(_, len)| pos + len),
        Err(e) => panic!(
            "malformed reply {:?}: {e:?}",
            String::from_utf8_lossy(&buf[pos..])
        ),
    }
}

/// The raw bytes of each element of a top-level array reply.
fn array_elems(raw: &[u8]) -> Option<Vec<Vec<u8>>> {
    if raw.first() != Some(&b'*') {
        return None;
    }
    let rel = raw.windows(2).position(|w| w == b"\r\n")?;
    let n: usize = std::str::from_utf8(&raw[1..rel]).ok()?.parse().ok()?;
    let mut p = rel + 2;
    let mut out = Vec::new();
    for _ in 0..n {
        let e = frame_end(raw, p)?;
        out.push(raw[p..e].to_vec());
        p = e;
    }
    Some(out)
}

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn connect(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        Conn {
            stream,
            buf: Vec::new(),
        }
    }

    fn cmd(&mut self, args: &[Vec<u8>]) -> Vec<u8> {
        self.stream.write_all(&encode(args)).unwrap();
        self.reply(args)
    }

    /// Sends every request in one write, then reads one reply per request.
    fn pipeline(&mut self, requests: &[&[Vec<u8>]]) -> Vec<Vec<u8>> {
        let out: Vec<u8> = requests.iter().flat_map(|r| encode(r)).collect();
        self.stream.write_all(&out).unwrap();
        requests.iter().map(|r| self.reply(r)).collect()
    }

    /// Reads the reply to `args`.
    fn reply(&mut self, args: &[Vec<u8>]) -> Vec<u8> {
        loop {
            if let Some(end) = frame_end(&self.buf, 0) {
                let reply = self.buf[..end].to_vec();
                self.buf.drain(..end);
                return reply;
            }
            let mut chunk = [0u8; 4096];
            let n = self
                .stream
                .read(&mut chunk)
                .unwrap_or_else(|e| panic!("reading reply to {}: {e}", show_args(args)));
            assert!(n > 0, "connection closed during {}", show_args(args));
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

fn encode(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn show(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}

fn show_args(args: &[Vec<u8>]) -> String {
    args.iter().map(|a| show(a)).collect::<Vec<_>>().join(" ")
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Raw reply bytes must be identical.
    Exact,
    /// Array reply; elements compared as a multiset (order differs).
    Sorted,
    /// Integer reply; values must be within 1 of each other (TTL).
    Near1,
    /// Sent to both, reply not compared (HELLO: server/version/id differ).
    Skip,
}

macro_rules! c {
    ($($x:expr),* $(,)?) => {
        vec![$(AsRef::<[u8]>::as_ref(&$x).to_vec()),*]
    };
}

type Step = (Mode, Vec<Vec<u8>>);

fn ex(v: Vec<Vec<u8>>) -> Step {
    (Mode::Exact, v)
}

fn strings() -> Vec<Step> {
    let long45 = "x".repeat(45);
    let mut s = vec![
        c!["SET", "s1", b"a\r\nb\0c"],
        c!["GET", "s1"],
        c!["STRLEN", "s1"],
        c!["SETNX", "s1", "x"],
        c!["SETNX", "s2", b"y\0"],
        c!["GET", "s2"],
        c!["SETEX", "s3", "0", "v"],
        c!["SETEX", "s3", "-1", "v"],
        c!["SETEX", "s3", "abc", "v"],
        c!["SETEX", "s3", "9223372036854775807", "v"],
        c!["SETEX", "s3", "100", "v"],
        c!["PSETEX", "s4", "0", "v"],
        c!["PSETEX", "s4", "100000", b"v\r\n"],
        c!["GET", "s4"],
        c!["GETSET", "s1", "new"],
        c!["GETSET", "gs-missing", "v"],
        c!["GETDEL", "s2"],
        c!["GETDEL", "s2"],
        c!["GETEX", "s1"],
        c!["GETEX", "s1", "PERSIST"],
        c!["GETEX", "s1", "EXAT", "4102444800"],
        c!["EXPIRETIME", "s1"],
        c!["GETEX", "s1", "PXAT", "4102444800123"],
        c!["PEXPIRETIME", "s1"],
        c!["GETEX", "s1", "PERSIST"],
        c!["TTL", "s1"],
        c!["GETEX", "s1", "EX", "0"],
        c!["GETEX", "s1", "EX", "-1"],
        c!["GETEX", "s1", "EX", "abc"],
        c!["GETEX", "s1", "EX", "10", "PX", "100"],
        c!["GETEX", "s1", "EX", "10", "PERSIST"],
        c!["GETEX", "s1", "BADOPT"],
        c!["GETEX", "s1", "EX"],
        c!["GETEX", "getex-missing", "EX", "10"],
        c!["SET", "k", "v", "NX"],
        c!["SET", "k", "v", "NX"],
        c!["SET", "k", "v2", "XX"],
        c!["SET", "nxk", "v", "XX"],
        c!["EXISTS", "nxk"],
        c!["SET", "k", "v3", "GET"],
        c!["SET", "newk", "v", "GET"],
        c!["GET", "newk"],
        c!["SET", "k", "v", "NX", "XX"],
        c!["SET", "k", "v", "EX", "10", "PX", "100"],
        c!["SET", "k", "v", "EX", "10", "KEEPTTL"],
        c!["SET", "k", "v", "EX", "0"],
        c!["SET", "k", "v", "EX", "-1"],
        c!["SET", "k", "v", "EX", "abc"],
        c!["SET", "k", "v", "EX", "1.5"],
        c!["SET", "k", "v", "EX", "9223372036854775807"],
        c!["SET", "k", "v", "PX", "9223372036854775807"],
        c!["SET", "k", "v", "PX", "0"],
        c!["SET", "k", "v", "EX"],
        c!["SET", "k", "v", "BADOPT"],
        c!["SET", "k", "v4", "EXAT", "4102444800"],
        c!["EXPIRETIME", "k"],
        c!["SET", "k", "v5", "KEEPTTL"],
        c!["EXPIRETIME", "k"],
        c!["SET", "k", "v6", "PXAT", "4102444800500"],
        c!["PEXPIRETIME", "k"],
        c!["SET", "k", "v7"],
        c!["EXPIRETIME", "k"],
        c!["SET", "k", "v8", "NX", "GET"],
        c!["SET", "k", "v9", "XX", "GET"],
        c!["SET", "empty", ""],
        c!["GET", "empty"],
        c!["STRLEN", "empty"],
        c!["MGET", "k", "missing1", "s1", "nxk", "empty"],
        c!["SET", "n", "10"],
        c!["INCR", "n"],
        c!["DECR", "n"],
        c!["INCRBY", "n", "5"],
        c!["DECRBY", "n", "3"],
        c!["INCRBY", "n", "abc"],
        c!["INCRBY", "n", "1.5"],
        c!["INCR", "s1"],
        c!["DECR", "k"],
        c!["SET", "big", "9223372036854775807"],
        c!["INCR", "big"],
        c!["INCRBY", "big", "1"],
        c!["GET", "big"],
        c!["SET", "small", "-9223372036854775808"],
        c!["DECR", "small"],
        c!["DECRBY", "dz", "-9223372036854775808"],
        c!["DECRBY", "n", "-9223372036854775808"],
        c!["INCRBY", "n", "9223372036854775807"],
        c!["INCRBY", "n", "9223372036854775808"],
        c!["INCR", "newcounter"],
        c!["SET", "sp", " 1"],
        c!["INCR", "sp"],
        c!["SET", "lz", "01"],
        c!["INCR", "lz"],
        c!["SET", "plus", "+1"],
        c!["INCR", "plus"],
        c!["INCRBYFLOAT", "f", "1.5"],
        c!["INCRBYFLOAT", "f", "1.5"],
        c!["INCRBYFLOAT", "f", "abc"],
        c!["INCRBYFLOAT", "f", "inf"],
        c!["INCRBYFLOAT", "f", "-4.5"],
        c!["GET", "f"],
        c!["INCRBYFLOAT", "s1", "1"],
        c!["SET", "fi", "10"],
        c!["INCRBYFLOAT", "fi", "0.5"],
        c!["INCRBYFLOAT", "fi", "5.0e3"],
        c!["INCRBYFLOAT", "fi", "-5010.5"],
        // Redis computes in long double and prints "%.17Lf" less zeros.
        c!["INCRBYFLOAT", "ld", "0.1"],
        c!["INCRBYFLOAT", "ld", "0.2"],
        c!["INCRBYFLOAT", "ld", "1e400"],
        c!["INCRBYFLOAT", "ld", "-1e400"],
        c!["INCRBYFLOAT", "ld", "1e-4940"],
        c!["INCRBYFLOAT", "ld", "1e5000"],
        c!["INCRBYFLOAT", "ld", "0x10"],
        c!["INCRBYFLOAT", "ld", " 1"],
        c!["INCRBYFLOAT", "ld", "1 "],
        c!["INCRBYFLOAT", "ld", b"1\0x"],
        c!["INCRBYFLOAT", "ld", "-inf"],
        c!["INCRBYFLOAT", "ld", "1.18973149535723176502e4932"],
        c!["INCRBYFLOAT", "ld", "1.18973149535723176502e4932"],
        c!["GET", "ld"],
        c!["SET", "ldi", "9223372036854775807"],
        c!["INCRBYFLOAT", "ldi", "1"],
        c!["SET", "lds", "1.5e3"],
        c!["INCRBYFLOAT", "lds", "0"],
        c!["APPEND", "a", "hello"],
        c!["APPEND", "a", b" wor\0ld\r\n"],
        c!["GET", "a"],
        c!["STRLEN", "a"],
        c!["STRLEN", "missing1"],
        c!["GETRANGE", "a", "0", "-1"],
        c!["GETRANGE", "a", "-3", "-1"],
        c!["GETRANGE", "a", "0", "100000"],
        c!["GETRANGE", "a", "-100", "-50"],
        c!["GETRANGE", "a", "-100", "2"],
        c!["GETRANGE", "a", "5", "2"],
        c!["GETRANGE", "a", "0", "9223372036854775807"],
        c!["GETRANGE", "a", "-9223372036854775808", "3"],
        c!["GETRANGE", "missing1", "0", "-1"],
        c!["GETRANGE", "a", "x", "1"],
        c!["SUBSTR", "a", "1", "3"],
        c!["SETRANGE", "sr", "0", "abc"],
        c!["SETRANGE", "sr", "5", b"x\0y"],
        c!["GET", "sr"],
        c!["SETRANGE", "sr", "-1", "x"],
        c!["SETRANGE", "sr", "536870912", "x"],
        c!["SETRANGE", "sr", "536870911", ""],
        c!["SETRANGE", "sr2", "5", ""],
        c!["EXISTS", "sr2"],
        c!["SETRANGE", "sr", "1", ""],
        c!["SETRANGE", "sr", "abc", "x"],
        c!["GET", "sr"],
        c!["SET", "o45", long45.as_str()],
        c!["STRLEN", "o45"],
    ]
    .into_iter()
    .map(ex)
    .collect::<Vec<_>>();
    // Positive TTLs: compare only approximately.
    s.push((Mode::Near1, c!["TTL", "s3"]));
    s.push((Mode::Near1, c!["TTL", "s4"]));
    s
}

fn keys() -> Vec<Step> {
    let long45 = "y".repeat(45);
    let mut s: Vec<Step> = vec![
        c!["SET", "d1", "1"],
        c!["SET", "d2", "2"],
        c!["DEL", "d1", "d1", "missing"],
        c!["UNLINK", "d2", "d2", "missing"],
        c!["SET", "e1", "1"],
        c!["EXISTS", "e1", "e1", "missing", "e1"],
        c!["TOUCH", "e1", "missing", "e1"],
        c!["TYPE", "e1"],
        c!["TYPE", "missing"],
        c!["EXPIRE", "missing", "100"],
        c!["SET", "e", "v"],
        c!["EXPIRE", "e", "100", "XX"],
        c!["EXPIRE", "e", "100", "GT"],
        c!["EXPIRE", "e", "100", "LT"],
        c!["PERSIST", "e"],
        c!["EXPIRE", "e", "100", "NX"],
        c!["EXPIRE", "e", "200", "NX"],
        c!["EXPIRE", "e", "200", "GT"],
        c!["EXPIRE", "e", "50", "GT"],
        c!["EXPIRE", "e", "50", "LT"],
        c!["EXPIRE", "e", "500", "LT"],
        c!["EXPIRE", "e", "10", "NX", "XX"],
        c!["EXPIRE", "e", "10", "GT", "LT"],
        c!["EXPIRE", "e", "10", "NX", "GT"],
        c!["EXPIRE", "e", "10", "NX", "LT"],
        c!["EXPIRE", "e", "10", "FOO"],
        c!["EXPIRE", "e", "abc"],
        c!["EXPIRE", "e", "1.5"],
        c!["PEXPIRE", "e", "100000", "XX"],
        c!["EXPIREAT", "e", "4102444800"],
        c!["EXPIRETIME", "e"],
        c!["PEXPIRETIME", "e"],
        c!["EXPIREAT", "e", "4102444700", "GT"],
        c!["PEXPIREAT", "e", "4102444801000", "GT"],
        c!["EXPIRETIME", "e"],
        c!["PEXPIREAT", "e", "4102444800999", "LT"],
        c!["PEXPIRETIME", "e"],
        c!["EXPIRETIME", "e"],
        c!["PEXPIREAT", "e", "4102444800000", "NX"],
        c!["PEXPIREAT", "e", "4102444800000", "XX"],
        c!["PEXPIRETIME", "e"],
        c!["PERSIST", "e"],
        c!["PERSIST", "e"],
        c!["PERSIST", "missing"],
        c!["TTL", "e"],
        c!["PTTL", "e"],
        c!["TTL", "missing"],
        c!["PTTL", "missing"],
        c!["EXPIRETIME", "e"],
        c!["EXPIRETIME", "missing"],
        c!["PEXPIRETIME", "missing"],
        c!["EXPIRE", "e", "0"],
        c!["EXISTS", "e"],
        c!["SET", "e", "v"],
        c!["EXPIRE", "e", "-5"],
        c!["EXISTS", "e"],
        c!["SET", "e", "v"],
        c!["EXPIREAT", "e", "1"],
        c!["EXISTS", "e"],
        c!["SET", "e", "v"],
        c!["EXPIRE", "e", "9223372036854775807"],
        c!["PEXPIRE", "e", "9223372036854775807"],
        c!["EXPIRE", "e", "-9223372036854775808"],
        c!["SET", "o1", "123"],
        c!["OBJECT", "ENCODING", "o1"],
        c!["SET", "o2", "abc"],
        c!["OBJECT", "ENCODING", "o2"],
        c!["SET", "o3", long45.as_str()],
        c!["OBJECT", "ENCODING", "o3"],
        c!["SET", "o4", "abc"],
        c!["APPEND", "o4", "def"],
        c!["OBJECT", "ENCODING", "o4"],
        c!["SET", "o5", "12345678901234567890"],
        c!["OBJECT", "ENCODING", "o5"],
        c!["SET", "o6", "-12"],
        c!["OBJECT", "ENCODING", "o6"],
        c!["OBJECT", "ENCODING", "missing"],
        c!["DBSIZE"],
        c!["FLUSHDB"],
        c!["RANDOMKEY"],
        c!["DBSIZE"],
        c!["KEYS", "*"],
        c!["SET", "ka", "1"],
        c!["SET", "kb", "1"],
        c!["SET", "kab", "1"],
        c!["SET", b"k\r\n", "1"],
        c!["SET", "other", "1"],
        c!["DBSIZE"],
        c!["RANDOMKEY"],
    ]
    .into_iter()
    .map(ex)
    .collect();
    // RANDOMKEY on a non-empty db is random: don't compare it exactly.
    s.last_mut().unwrap().0 = Mode::Skip;
    for pat in ["*", "k?", "k*", "k[ab]", "k[^a]*", "nomatch*", "k\\*"] {
        s.push((Mode::Sorted, c!["KEYS", pat]));
    }
    s
}

fn errors() -> Vec<Step> {
    vec![
        c!["FOOBAR", "a", "b"],
        c!["FOOBAR"],
        c!["GET"],
        c!["GET", "a", "b"],
        c!["SET", "k"],
        c!["EXPIRE", "k"],
        c!["SELECT", "99"],
        c!["SELECT", "abc"],
        c!["SELECT", "-1"],
        c!["PING"],
        c!["PING", b"m\r\nsg"],
        c!["PING", "a", "b"],
        c!["ECHO", b"hi\0"],
        c!["ECHO"],
        c!["CLIENT", "GETNAME"],
        c!["CLIENT", "SETNAME", "a b"],
        c!["CLIENT", "SETNAME", "shoaldiff"],
        c!["CLIENT", "GETNAME"],
        c!["COMMAND", "GETKEYS", "SET", "k", "v"],
        c!["COMMAND", "GETKEYS", "MGET", "a", "b", "c"],
        c!["COMMAND", "GETKEYS", "PING"],
        c!["COMMAND", "GETKEYS", "PING", "x"],
        c!["COMMAND", "GETKEYS", "GET"],
        c!["CONFIG", "SET", "unknown-option", "1"],
        c!["SET", "fl", "1"],
        c!["FLUSHDB", "ASYNC"],
        c!["DBSIZE"],
        c!["FLUSHDB", "BADARG"],
        c!["FLUSHDB", "SYNC"],
    ]
    .into_iter()
    .map(ex)
    .collect()
}

/// MSET, MULTI/EXEC/DISCARD and WATCH on one connection. The keys `foo`
/// and `bar` live on different shards of a two-thread server.
fn transactions() -> Vec<Step> {
    let mut s: Vec<Step> = vec![
        c!["MSET", "foo", "1", "bar", "2", "baz", "3"],
        c!["MGET", "foo", "bar", "baz", "tx-missing"],
        c!["MSET", "foo"],
        c!["MSET", "foo", "1", "bar"],
        c!["MSET", "foo", "10", "foo", "11"],
        c!["GET", "foo"],
        c!["MULTI"],
        c!["SET", "foo", "10"],
        c!["INCR", "bar"],
        c!["MGET", "foo", "bar"],
        c!["PING"],
        c!["DEL", "foo", "bar", "tx-missing"],
        c!["EXEC"],
        c!["MULTI"],
        c!["SET", "foo", "1"],
        c!["FOOBAR"],
        c!["GET"],
        c!["EXEC"],
        c!["GET", "foo"],
        c!["MULTI"],
        c!["SET", "foo", "11"],
        c!["INCRBY", "foo", "x"],
        c!["INCR", "foo"],
        c!["EXEC"],
        c!["EXEC"],
        c!["DISCARD"],
        c!["MULTI"],
        c!["MULTI"],
        c!["WATCH", "x"],
        c!["SET", "x", "1"],
        c!["DISCARD"],
        c!["GET", "x"],
        c!["MULTI"],
        c!["EXEC"],
        c!["MULTI"],
        c!["SELECT", "1"],
        c!["SET", "foo", "db1"],
        c!["SELECT", "0"],
        c!["GET", "foo"],
        c!["EXEC"],
        c!["SELECT", "1"],
        c!["GET", "foo"],
        c!["DEL", "foo"],
        c!["SELECT", "0"],
        c!["SET", "foo", "1"],
        c!["WATCH", "foo", "bar"],
        c!["MULTI"],
        c!["INCR", "foo"],
        c!["INCR", "bar"],
        c!["EXEC"],
        c!["WATCH", "foo"],
        c!["SET", "foo", "5"],
        c!["MULTI"],
        c!["INCR", "foo"],
        c!["EXEC"],
        c!["GET", "foo"],
        c!["WATCH", "foo"],
        c!["UNWATCH"],
        c!["SET", "foo", "7"],
        c!["MULTI"],
        c!["INCR", "foo"],
        c!["EXEC"],
        c!["WATCH", "bar"],
        c!["MULTI"],
        c!["GET", "bar"],
        c!["DISCARD"],
        c!["SET", "bar", "3"],
        c!["MULTI"],
        c!["GET", "bar"],
        c!["EXEC"],
        c!["WATCH", "tx-none"],
        c!["SET", "tx-none", "1"],
        c!["DEL", "tx-none"],
        c!["MULTI"],
        c!["PING"],
        c!["EXEC"],
        c!["WATCH", "foo"],
        c!["SETNX", "foo", "1"],
        c!["MULTI"],
        c!["PING"],
        c!["EXEC"],
        c!["WATCH", "foo", "foo", "bar"],
        c!["MULTI"],
        c!["UNWATCH"],
        c!["EXEC"],
        c!["WATCH", "foo"],
        c!["MULTI"],
        c!["WATCH", "bar"],
        c!["EXEC"],
        c!["WATCH", "foo"],
        c!["FLUSHDB"],
        c!["MULTI"],
        c!["PING"],
        c!["EXEC"],
        c!["WATCH", "foo"],
        c!["MULTI"],
        c!["PING"],
        c!["RESET"],
        c!["EXEC"],
        c!["FLUSHALL"],
        c!["SET", "foo", "v1"],
        c!["EXPIRE", "foo", "1000"],
        c!["RENAME", "foo", "bar"],
        c!["GET", "foo"],
        c!["GET", "bar"],
        c!["TTL", "bar"],
        c!["RENAME", "tx-none", "bar"],
        c!["RENAMENX", "tx-none", "bar"],
        c!["RENAMENX", "bar", "foo"],
        c!["GET", "foo"],
        c!["SET", "bar", "x"],
        c!["RENAMENX", "foo", "bar"],
        c!["RENAMENX", "bar", "bar"],
        c!["RENAME", "bar", "bar"],
        c!["RENAME", "tx-none", "tx-none"],
        c!["COPY", "foo", "bar"],
        c!["COPY", "foo", "bar", "REPLACE"],
        c!["GET", "bar"],
        c!["TTL", "bar"],
        c!["COPY", "tx-none", "bar"],
        c!["COPY", "foo", "foo"],
        c!["COPY", "tx-none", "tx-none"],
        c!["COPY", "foo", "foo", "DB", "1"],
        c!["COPY", "foo", "bar", "DB", "1", "REPLACE"],
        c!["SELECT", "1"],
        c!["MGET", "foo", "bar"],
        c!["SELECT", "0"],
        c!["COPY", "foo", "baz", "DB", "99"],
        c!["COPY", "foo", "baz", "DB", "-1"],
        c!["COPY", "foo", "baz", "DB", "x"],
        c!["COPY", "foo", "baz", "FOO"],
        c!["COPY", "foo", "baz", "DB"],
        c!["COPY", "foo", "baz", "REPLACE", "REPLACE"],
        c!["MOVE", "foo", "1"],
        c!["SELECT", "1"],
        c!["DEL", "foo"],
        c!["SELECT", "0"],
        c!["MOVE", "foo", "1"],
        c!["MOVE", "foo", "1"],
        c!["MOVE", "foo", "0"],
        c!["MOVE", "foo", "99"],
        c!["MOVE", "foo", "x"],
        c!["SELECT", "1"],
        c!["MOVE", "foo", "0"],
        c!["SELECT", "0"],
        c!["EXISTS", "foo"],
        c!["MULTI"],
        c!["RENAME", "foo", "bar"],
        c!["GET", "bar"],
        c!["COPY", "bar", "foo"],
        c!["INCR", "foo"],
        c!["RENAME", "tx-none", "foo"],
        c!["MGET", "foo", "bar"],
        c!["EXEC"],
        c!["RENAME"],
        c!["COPY", "a"],
        c!["FLUSHALL"],
        c!["MSETNX", "foo", "1", "bar", "2"],
        c!["MGET", "foo", "bar"],
        c!["MSETNX", "foo", "3", "baz", "4"],
        c!["MGET", "foo", "baz"],
        c!["MSETNX", "baz", "4", "qux", "5", "baz", "6"],
        c!["MGET", "baz", "qux"],
        c!["MSETNX", "a"],
        c!["MSETNX", "a", "1", "b"],
        c!["SELECT", "1"],
        c!["MSET", "foo", "10", "baz", "30"],
        c!["SELECT", "0"],
        c!["SWAPDB", "0", "1"],
        c!["MGET", "foo", "bar", "baz"],
        c!["DBSIZE"],
        c!["SWAPDB", "0", "0"],
        c!["SWAPDB", "0", "99"],
        c!["SWAPDB", "x", "1"],
        c!["SWAPDB", "0", "x"],
        c!["SWAPDB", "-1", "0"],
        c!["SWAPDB", "0"],
        c!["SWAPDB", "1", "0"],
        c!["MGET", "foo", "bar", "baz"],
        c!["WATCH", "foo"],
        c!["SWAPDB", "0", "1"],
        c!["MULTI"],
        c!["PING"],
        c!["EXEC"],
        c!["SWAPDB", "0", "1"],
        c!["WATCH", "tx-none"],
        c!["SWAPDB", "0", "1"],
        c!["MULTI"],
        c!["PING"],
        c!["EXEC"],
        c!["MULTI"],
        c!["SWAPDB", "0", "1"],
        c!["FLUSHDB"],
        c!["SWAPDB", "0", "1"],
        c!["EXEC"],
        c!["MGET", "foo", "bar", "baz"],
        c!["WATCH", "foo"],
        c!["FLUSHDB", "ASYNC"],
        c!["MULTI"],
        c!["PING"],
        c!["EXEC"],
        c!["SELECT", "1"],
        c!["FLUSHDB"],
        c!["SELECT", "0"],
        c!["MULTI"],
        c!["MSETNX", "x1", "1", "foo", "2"],
        c!["MSETNX", "x1", "1", "x2", "2", "x3", "3"],
        c!["MGET", "x1", "x2", "x3"],
        c!["EXEC"],
        c!["MULTI"],
        c!["HELLO", "3"],
        c!["EXEC"],
    ]
    .into_iter()
    .map(ex)
    .collect();
    // Both answer HELLO with their own server fields inside EXEC's array.
    s.last_mut().unwrap().0 = Mode::Skip;
    s.push(ex(c!["MULTI"]));
    s.push(ex(c!["GET", "foo"]));
    s.push(ex(c!["MGET", "foo", "bar"]));
    s.push(ex(c!["EXEC"]));
    s.push(ex(c!["WATCH", "foo"]));
    s.push(ex(c!["SET", "foo", "1"]));
    s.push(ex(c!["MULTI"]));
    s.push(ex(c!["PING"]));
    s.push(ex(c!["EXEC"]));
    s.push((Mode::Skip, c!["HELLO", "2"]));
    s
}

fn resp3() -> Vec<Step> {
    let mut s = vec![(Mode::Skip, c!["HELLO", "3"])];
    s.extend(
        vec![
            c!["GET", "r3-missing"],
            c!["SET", "r3", "1"],
            c!["MGET", "r3", "r3-missing"],
            c!["INCRBYFLOAT", "r3", "1.5"],
            c!["INCRBYFLOAT", "r3", "abc"],
            c!["PING"],
            c!["EXISTS", "r3"],
            c!["OBJECT", "ENCODING", "r3-missing"],
            c!["RANDOMKEY"],
        ]
        .into_iter()
        .map(ex),
    );
    s.push((Mode::Skip, c!["HELLO", "2"]));
    s.push(ex(c!["GET", "r3-missing"]));
    s
}

fn same_reply(mode: Mode, a: &[u8], b: &[u8]) -> bool {
    match mode {
        Mode::Skip => true,
        Mode::Exact => a == b,
        Mode::Sorted => match (array_elems(a), array_elems(b)) {
            (Some(mut x), Some(mut y)) => {
                x.sort();
                y.sort();
                x == y
            }
            _ => a == b,
        },
        Mode::Near1 => match (as_int(a), as_int(b)) {
            (Some(x), Some(y)) => x > 0 && y > 0 && (x - y).abs() <= 1,
            _ => false,
        },
    }
}

fn as_int(raw: &[u8]) -> Option<i64> {
    let body = raw.strip_prefix(b":")?.strip_suffix(b"\r\n")?;
    std::str::from_utf8(body).ok()?.parse().ok()
}

#[test]
fn differential_against_redis() {
    if !Path::new(REDIS).exists() {
        if std::env::var("SHOAL_SKIP_REDIS_DIFF").as_deref() == Ok("1") {
            eprintln!(
                "NOTICE: {REDIS} not found; SHOAL_SKIP_REDIS_DIFF=1, skipping differential test"
            );
            return;
        }
        panic!(
            "{REDIS} not found: install redis-server 7.0 or set SHOAL_SKIP_REDIS_DIFF=1 to skip"
        );
    }

    let redis_port = free_port();
    let mut guard = Guard(Vec::new());
    guard.0.push(
        Command::new(REDIS)
            .args([
                "--port",
                &redis_port.to_string(),
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
            .expect("spawn redis-server"),
    );
    // One shard answers everything on its own core; two shards forward
    // about half the keys, so a pipeline mixes local and forwarded commands.
    let shoals: Vec<(&str, Server)> = ["1", "2"]
        .into_iter()
        .map(|threads| (threads, Server::start(&["--threads", threads])))
        .collect();
    wait_port(redis_port, "redis-server");

    let mut compared = 0usize;
    let mut mismatches: Vec<String> = Vec::new();
    for (threads, server) in &shoals {
        // Fresh connections on both sides: the steps set per-connection state.
        let mut shoal = Conn::connect(server.port);
        let mut redis = Conn::connect(redis_port);
        for pipelined in [false, true] {
            for setup in [c!["SELECT", "9"], c!["FLUSHALL"]] {
                assert_eq!(shoal.cmd(&setup), b"+OK\r\n", "shoal {}", show_args(&setup));
                assert_eq!(redis.cmd(&setup), b"+OK\r\n", "redis {}", show_args(&setup));
            }
            let how = format!(
                "threads {threads}, {}",
                if pipelined {
                    "one pipeline"
                } else {
                    "one by one"
                }
            );
            for (group, steps) in [
                ("strings", strings()),
                ("keys", keys()),
                ("errors", errors()),
                ("resp3", resp3()),
                ("transactions", transactions()),
            ] {
                let requests: Vec<&[Vec<u8>]> = steps.iter().map(|(_, a)| a.as_slice()).collect();
                let (shoal_replies, redis_replies) = if pipelined {
                    (shoal.pipeline(&requests), redis.pipeline(&requests))
                } else {
                    let mut both = (Vec::new(), Vec::new());
                    for r in &requests {
                        both.0.push(shoal.cmd(r));
                        both.1.push(redis.cmd(r));
                    }
                    both
                };
                for (((mode, args), a), b) in steps.iter().zip(shoal_replies).zip(redis_replies) {
                    if *mode == Mode::Skip {
                        continue;
                    }
                    compared += 1;
                    if !same_reply(*mode, &a, &b) {
                        mismatches.push(format!(
                            "[{group}, {how}] {}\n    shoal: {}\n    redis: {}",
                            show_args(args),
                            show(&a),
                            show(&b)
                        ));
                    }
                }
            }
        }
    }
    eprintln!(
        "differential: {compared} commands compared, {} mismatches",
        mismatches.len()
    );
    for m in &mismatches {
        eprintln!("MISMATCH {m}");
    }
    drop(guard);
    assert!(
        mismatches.is_empty(),
        "{} of {compared} commands differ between shoal and redis:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
