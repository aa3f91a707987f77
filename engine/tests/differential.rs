//! Differential test: run the same command sequences against the real
//! `shoal-server` and a real `redis-server`, and compare the raw reply bytes.
//!
//! Set `SHOAL_SKIP_REDIS_DIFF=1` to skip when `/usr/bin/redis-server` is
//! not installed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

mod support;

use shoal_proto::decode_frame;

use support::{start_redis, Server};

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

/// The raw bytes of each element of a top-level array, set or map reply
/// (a map's keys and values alternate).
fn array_elems(raw: &[u8]) -> Option<Vec<Vec<u8>>> {
    let per_entry = match raw.first() {
        Some(b'*' | b'~') => 1,
        Some(b'%') => 2,
        _ => return None,
    };
    let rel = raw.windows(2).position(|w| w == b"\r\n")?;
    let n: usize = std::str::from_utf8(&raw[1..rel]).ok()?.parse().ok()?;
    let n = n * per_entry;
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

/// Checks one unit of a random reply: a member, or a field and its value.
type UnitCheck = fn(&[Vec<u8>]) -> bool;

#[derive(Clone, Copy)]
enum Mode {
    /// Array of field/value pairs (flat, or a RESP3 map); compared as a
    /// multiset of pairs (a hashtable's order differs).
    Pairs,
    /// A complete SCAN-family reply (cursor 0 on both): same cursor, same
    /// multiset of elements (`unit` 2: of field/value pairs).
    ScanAll { unit: usize },
    /// Random output (SPOP, SRANDMEMBER, HRANDFIELD): same reply type and
    /// length on both; every unit (`unit` elements, or one nested array)
    /// passes `check`; with `distinct`, no unit repeats.
    Random {
        unit: usize,
        distinct: bool,
        check: UnitCheck,
    },
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

/// Steps compared byte for byte, but for HELLO (whose reply differs).
fn exact_but_hello(requests: Vec<Vec<Vec<u8>>>) -> Vec<Step> {
    requests
        .into_iter()
        .map(|v| {
            if v[0] == b"HELLO" {
                (Mode::Skip, v)
            } else {
                ex(v)
            }
        })
        .collect()
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
        c!["CLIENT", "UNBLOCK", "999999999"],
        c!["CLIENT", "UNBLOCK", "999999999", "error"],
        c!["CLIENT", "UNBLOCK", "abc"],
        c!["CLIENT", "UNBLOCK", "abc", "nope"],
        c!["CLIENT", "UNBLOCK", "1", "TIMEOUT", "x"],
        c!["CLIENT", "UNBLOCK"],
        c!["CLIENT", "LIST", "TYPE", "nope"],
        c!["CLIENT", "KILL", "TYPE", "nope"],
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
        c!["MEMORY", "USAGE", "missing"],
        c!["MEMORY", "USAGE", "missing", "SAMPLES", "0"],
        c!["MEMORY", "USAGE", "missing", "SAMPLES", "-1"],
        c!["MEMORY", "USAGE", "missing", "SAMPLES", "x"],
        c!["MEMORY", "USAGE", "missing", "SAMPLES"],
        c!["MEMORY", "USAGE", "missing", "FOO"],
        c!["MEMORY", "USAGE", "missing", "SAMPLES", "1", "SAMPLES", "-2"],
        c!["MEMORY", "USAGE"],
        c!["MEMORY", "NOPE"],
        // OBJECT FREQ and IDLETIME each answer under one kind of policy.
        c!["SET", "objk", "v"],
        c!["OBJECT", "FREQ", "objk"],
        c!["OBJECT", "FREQ", "missing"],
        c!["OBJECT", "IDLETIME", "missing"],
        c!["OBJECT", "REFCOUNT", "missing"],
        c!["OBJECT", "REFCOUNT", "objk"],
        c!["OBJECT", "FREQ"],
        c!["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
        c!["OBJECT", "IDLETIME", "objk"],
        c!["CONFIG", "GET", "maxmemory-policy"],
        c!["CONFIG", "SET", "maxmemory-policy", "nope"],
        c!["CONFIG", "SET", "maxmemory-samples", "0"],
        c!["CONFIG", "SET", "maxmemory-eviction-tenacity", "101"],
        c!["CONFIG", "SET", "lfu-log-factor", "-1"],
        c!["CONFIG", "SET", "lfu-decay-time", "x"],
        c!["CONFIG", "SET", "maxmemory", "1x"],
        // Over maxmemory with noeviction: writes (and anything queued in
        // MULTI) get OOM, reads and deletes run.
        c!["CONFIG", "SET", "maxmemory-policy", "noeviction"],
        c!["CONFIG", "SET", "maxmemory", "1"],
        c!["SET", "oom", "v"],
        c!["INCR", "objk"],
        c!["GET", "objk"],
        c!["MULTI"],
        c!["GET", "objk"],
        c!["EXEC"],
        c!["CONFIG", "SET", "maxmemory", "0"],
        c!["SET", "oom", "v"],
        c!["DEL", "oom", "objk"],
        // The slow log and the latency monitor: settings and arguments.
        c!["CONFIG", "SET", "slowlog-log-slower-than", "-2"],
        c!["CONFIG", "SET", "slowlog-log-slower-than", "x"],
        c!["CONFIG", "SET", "slowlog-max-len", "-1"],
        c!["CONFIG", "SET", "latency-monitor-threshold", "-1"],
        c!["CONFIG", "SET", "latency-tracking", "maybe"],
        c!["CONFIG", "SET", "latency-tracking-info-percentiles", "101"],
        c!["CONFIG", "SET", "latency-tracking-info-percentiles", "50 x"],
        c![
            "CONFIG",
            "SET",
            "latency-tracking-info-percentiles",
            "50.5 99 0"
        ],
        c!["CONFIG", "GET", "latency-tracking-info-percentiles"],
        c!["CONFIG", "SET", "latency-tracking-info-percentiles", ""],
        c!["CONFIG", "GET", "latency-tracking-info-percentiles"],
        c![
            "CONFIG",
            "SET",
            "latency-tracking-info-percentiles",
            "50 99 99.9"
        ],
        c!["CONFIG", "GET", "slowlog-log-slower-than"],
        c!["CONFIG", "GET", "slowlog-max-len"],
        c!["CONFIG", "GET", "latency-monitor-threshold"],
        c!["CONFIG", "GET", "latency-tracking"],
        c!["SLOWLOG", "GET", "-2"],
        c!["SLOWLOG", "GET", "x"],
        c!["SLOWLOG", "GET", "1", "2"],
        c!["SLOWLOG", "LEN", "x"],
        c!["SLOWLOG", "RESET", "x"],
        c!["SLOWLOG", "NOPE"],
        c!["SLOWLOG"],
        c!["SLOWLOG", "HELP"],
        c!["LATENCY", "HISTORY"],
        c!["LATENCY", "HISTORY", "no-such-event"],
        c!["LATENCY", "LATEST", "x"],
        c!["LATENCY", "RESET", "no-such-event"],
        c!["LATENCY", "HISTOGRAM", "no-such-command"],
        c!["LATENCY", "NOPE"],
        c!["LATENCY"],
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
        c!["SADD", "foo", "a", "b", "c", "1"],
        c!["SADD", "bar", "b", "c", "d", "2"],
        c!["SET", "str", "x"],
        c!["SINTER", "foo", "tx-none"],
        c!["SINTER", "foo", "str"],
        c!["SINTER", "tx-none", "str"],
        c!["SUNION", "tx-none"],
        c!["SDIFF", "tx-none", "foo"],
        c!["SINTERSTORE", "baz", "foo", "bar"],
        c!["SUNIONSTORE", "str", "foo", "bar"],
        c!["TYPE", "str"],
        c!["SCARD", "str"],
        c!["SDIFFSTORE", "str", "foo", "bar", "foo"],
        c!["EXISTS", "str"],
        c!["SINTERSTORE", "baz", "foo", "tx-none"],
        c!["EXISTS", "baz"],
        c!["SMOVE", "foo", "bar", "a"],
        c!["SMOVE", "foo", "bar", "a"],
        c!["SISMEMBER", "bar", "a"],
        c!["SMOVE", "tx-none", "str", "a"],
        c!["SET", "str", "x"],
        c!["SMOVE", "foo", "str", "b"],
        c!["SMOVE", "str", "foo", "b"],
        c!["SMOVE", "foo", "foo", "b"],
        c!["SMOVE", "foo", "foo", "zz"],
        c!["SADD", "one", "1"],
        c!["SMOVE", "one", "bar", "1"],
        c!["EXISTS", "one"],
        c!["SUNIONSTORE", "ints", "bar", "foo"],
        c!["OBJECT", "ENCODING", "ints"],
        c!["SADD", "i1", "1", "2", "3"],
        c!["SADD", "i2", "2", "3", "4"],
        c!["SINTERSTORE", "ints", "i1", "i2"],
        c!["OBJECT", "ENCODING", "ints"],
        c!["SINTERSTORE"],
        c!["SMOVE", "a", "b"],
        c!["SET", "a", "1"],
        c!["MOVE", "a", "9223372036854775807"],
        c!["MOVE", "a", "2147483648"],
        c!["MOVE", "a", "2147483647"],
        c!["COPY", "a", "b", "DB", "2147483648"],
        c!["SWAPDB", "2147483648", "0"],
        c!["SWAPDB", "0", "-2147483649"],
        c!["SWAPDB", "9223372036854775807", "MIN"],
        c!["SELECT", "2147483648"],
        c!["DEL", "a"],
        c!["SET", "foo", "ohmytext"],
        c!["SET", "bar", "mynewtext"],
        c!["LCS", "foo", "bar"],
        c!["LCS", "foo", "bar", "LEN"],
        c!["LCS", "foo", "bar", "IDX"],
        c!["LCS", "foo", "bar", "IDX", "MINMATCHLEN", "4"],
        c![
            "LCS",
            "foo",
            "bar",
            "IDX",
            "MINMATCHLEN",
            "4",
            "WITHMATCHLEN"
        ],
        c!["LCS", "foo", "bar", "IDX", "WITHMATCHLEN"],
        c!["LCS", "foo", "tx-none"],
        c!["LCS", "foo", "bar", "LEN", "IDX"],
        c!["LCS", "foo", "bar", "FOO"],
        c!["LCS", "foo", "bar", "MINMATCHLEN", "x"],
        c!["LCS", "foo", "bar", "MINMATCHLEN", "-1", "IDX"],
        c!["HSET", "h", "f", "v"],
        c!["LCS", "foo", "h"],
        c!["LCS", "tx-none", "tx-none2", "IDX"],
        c!["LCS", "foo", "bar", "MINMATCHLEN"],
        c!["SET", "n", "12345"],
        c!["SET", "m", "2453"],
        c!["LCS", "n", "m", "IDX", "WITHMATCHLEN"],
        c!["LCS", "foo", "foo", "IDX"],
        c!["SET", "x", "aaaabbbbccccaaaa"],
        c!["SET", "y", "abcabcaaaccccbbbb"],
        c!["LCS", "x", "y", "IDX", "WITHMATCHLEN"],
        c!["LCS", "x", "y"],
        c!["DEL", "foo", "bar", "h", "n", "m", "x", "y"],
        c!["ZADD", "foo", "1", "a", "2", "b", "3", "c", "4", "d"],
        c!["ZRANGESTORE", "bar", "foo", "0", "1"],
        c!["ZRANGE", "bar", "0", "-1", "WITHSCORES"],
        c![
            "ZRANGESTORE",
            "bar",
            "foo",
            "(1",
            "+inf",
            "BYSCORE",
            "LIMIT",
            "0",
            "1"
        ],
        c!["ZRANGE", "bar", "0", "-1", "WITHSCORES"],
        c!["ZRANGESTORE", "bar", "foo", "[b", "[c", "BYLEX"],
        c!["ZRANGESTORE", "bar", "foo", "0", "-1", "REV"],
        c!["ZRANGE", "bar", "0", "-1"],
        c!["ZRANGESTORE", "bar", "foo", "5", "10"],
        c!["EXISTS", "bar"],
        c!["ZRANGESTORE", "bar", "tx-none", "0", "-1"],
        c!["ZRANGESTORE", "bar", "foo", "0", "-1", "WITHSCORES"],
        c!["SET", "str", "x"],
        c!["ZRANGESTORE", "bar", "str", "0", "-1"],
        c!["ZRANGESTORE", "str", "foo", "0", "0"],
        c!["TYPE", "str"],
        c!["ZRANGESTORE", "bar", "foo", "0", "1", "LIMIT", "0", "1"],
        c!["ZRANGESTORE", "bar", "foo", "x", "1"],
        c![
            "ZRANGESTORE",
            "bar",
            "foo",
            "+inf",
            "-inf",
            "BYSCORE",
            "REV",
            "LIMIT",
            "1",
            "2"
        ],
        c!["ZRANGE", "bar", "0", "-1", "WITHSCORES"],
        c!["DEL", "foo", "bar", "str"],
        c!["ZADD", "foo", "1", "a", "2", "b", "3", "c", "4", "d"],
        c!["SET", "str", "x"],
        c!["ZMPOP", "1", "foo", "MIN"],
        c!["ZMPOP", "2", "tx-none", "foo", "MAX", "COUNT", "2"],
        c!["ZMPOP", "1", "foo", "MIN", "COUNT", "10"],
        c!["ZMPOP", "1", "foo", "MIN"],
        c!["ZMPOP", "0", "foo", "MIN"],
        c!["ZMPOP", "1", "foo", "FOO"],
        c!["ZMPOP", "1", "foo", "MIN", "COUNT", "0"],
        c!["ZADD", "bar", "1", "a"],
        c!["ZMPOP", "2", "str", "bar", "MIN"],
        c!["ZMPOP", "2", "bar", "str", "MIN"],
        c!["ZMPOP", "1", "foo"],
        c!["ZMPOP", "1", "foo", "MIN", "COUNT", "1", "COUNT", "2"],
        c!["ZMPOP", "3", "foo", "MIN"],
        c!["ZMPOP", "x", "foo", "MIN"],
        c!["ZADD", "foo", "1.5", "x", "2.5", "y"],
        c!["ZMPOP", "1", "foo", "MAX", "COUNT", "9223372036854775807"],
        c!["EXISTS", "foo"],
        c!["DEL", "foo", "bar", "str"],
        c!["FLUSHDB"],
        c!["ZADD", "foo", "1", "a", "2", "b", "3", "c"],
        c!["ZADD", "bar", "10", "b", "20", "c", "30", "d"],
        c!["SADD", "s1", "a", "d"],
        c!["SET", "str", "x"],
        c!["ZUNION", "2", "foo", "bar"],
        c!["ZUNION", "2", "foo", "bar", "WITHSCORES"],
        c![
            "ZUNION",
            "3",
            "foo",
            "bar",
            "s1",
            "WEIGHTS",
            "1",
            "2",
            "3",
            "AGGREGATE",
            "MAX",
            "WITHSCORES"
        ],
        c!["ZINTER", "2", "foo", "bar", "WITHSCORES"],
        c![
            "ZINTER",
            "2",
            "foo",
            "bar",
            "AGGREGATE",
            "MIN",
            "WITHSCORES"
        ],
        c!["ZDIFF", "2", "foo", "bar", "WITHSCORES"],
        c!["ZDIFF", "2", "foo", "bar", "WEIGHTS", "1", "2"],
        c!["ZUNION", "0", "foo"],
        c!["ZUNION", "x", "foo"],
        c!["ZUNION", "3", "foo", "bar"],
        c!["ZUNION", "2", "foo", "str"],
        c!["ZUNION", "2", "foo", "bar", "WEIGHTS", "1", "x"],
        c!["ZUNION", "2", "foo", "bar", "WEIGHTS", "1"],
        c!["ZUNION", "2", "foo", "bar", "AGGREGATE", "FOO"],
        c!["ZUNION", "2", "foo", "str", "AGGREGATE", "FOO"],
        c!["ZUNIONSTORE", "d", "2", "foo", "bar"],
        c!["ZRANGE", "d", "0", "-1", "WITHSCORES"],
        c!["ZUNIONSTORE", "d", "2", "foo", "bar", "WITHSCORES"],
        c!["ZINTERSTORE", "d", "2", "foo", "tx-none"],
        c!["EXISTS", "d"],
        c!["ZDIFFSTORE", "d", "1", "foo"],
        c!["OBJECT", "ENCODING", "d"],
        c!["ZINTERCARD", "2", "foo", "bar"],
        c!["ZINTERCARD", "2", "foo", "bar", "LIMIT", "1"],
        c!["ZINTERCARD", "0", "foo"],
        c!["ZINTERCARD", "2", "foo", "bar", "LIMIT", "-1"],
        c!["ZINTERCARD", "2", "foo", "bar", "WITHSCORES"],
        c![
            "ZUNION",
            "2",
            "foo",
            "bar",
            "WEIGHTS",
            "inf",
            "-inf",
            "WITHSCORES"
        ],
        c!["ZUNIONSTORE", "d", "0", "foo"],
        c!["ZUNIONSTORE", "d", "-1", "foo"],
        c!["ZINTERCARD", "x", "foo"],
        c!["ZUNION", "1", "foo", "WITHSCORES", "WITHSCORES"],
        c!["ZUNIONSTORE", "d", "5", "foo"],
        c!["COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "foo", "bar"],
        c!["ZINTER", "2", "tx-none", "foo"],
        c!["ZUNION", "2", "s1", "foo", "WITHSCORES"],
        c!["MULTI"],
        c!["ZUNIONSTORE", "bar", "2", "foo", "bar"],
        c!["ZRANGE", "bar", "0", "-1", "WITHSCORES"],
        c!["EXEC"],
        c!["DEL", "foo", "bar", "s1", "str", "d"],
        c!["RPUSH", "foo", "a", "b", "c"],
        c!["SET", "s", "x"],
        c!["LMPOP", "2", "bar", "foo", "LEFT"],
        c!["LMPOP", "2", "bar", "foo", "RIGHT", "COUNT", "5"],
        c!["LMPOP", "2", "bar", "foo", "LEFT"],
        c!["LMPOP", "0", "foo", "LEFT"],
        c!["LMPOP", "3", "foo", "LEFT"],
        c!["LMPOP", "1", "foo"],
        c!["LMPOP", "1", "foo", "UP"],
        c!["LMPOP", "1", "foo", "LEFT", "COUNT", "0"],
        c!["LMPOP", "1", "foo", "LEFT", "COUNT", "-1"],
        c!["LMPOP", "1", "foo", "LEFT", "COUNT", "x"],
        c!["LMPOP", "1", "foo", "LEFT", "COUNT", "1", "COUNT", "2"],
        c!["LMPOP", "1", "foo", "LEFT", "FOO"],
        c!["LMPOP", "1", "foo", "LEFT", "COUNT"],
        c!["LMPOP", "2", "s", "foo", "LEFT"],
        c!["LMPOP", "x", "foo", "LEFT"],
        c!["RPUSH", "foo", "a", "b"],
        c!["LMOVE", "foo", "bar", "UP", "LEFT"],
        c!["LMOVE", "foo", "s", "LEFT", "LEFT"],
        c!["LMOVE", "s", "bar", "LEFT", "LEFT"],
        c!["LMOVE", "tx-none", "bar", "LEFT", "LEFT"],
        c!["LMOVE", "foo", "bar", "LEFT", "RIGHT"],
        c!["LRANGE", "bar", "0", "-1"],
        c!["RPOPLPUSH", "foo", "bar"],
        c!["EXISTS", "foo"],
        c!["LRANGE", "bar", "0", "-1"],
        c!["LMOVE", "bar", "bar", "LEFT", "RIGHT"],
        c!["LRANGE", "bar", "0", "-1"],
        c!["LMPOP", "1", "bar", "RIGHT", "COUNT", "9223372036854775807"],
        c!["LMPOP", "1", "bar", "LEFT"],
        c!["RPUSH", "foo", "1"],
        c!["MULTI"],
        c!["LMOVE", "foo", "bar", "LEFT", "LEFT"],
        c!["LMPOP", "2", "foo", "bar", "LEFT"],
        c!["EXEC"],
        c!["DEL", "foo", "bar", "s"],
        c!["SET", "foo", "abc"],
        c!["SET", "bar", "AB"],
        c!["BITOP", "AND", "d", "foo", "bar"],
        c!["GET", "d"],
        c!["OBJECT", "ENCODING", "d"],
        c!["BITOP", "OR", "baz", "foo", "bar"],
        c!["GET", "baz"],
        c!["BITOP", "XOR", "d", "foo", "bar", "tx-none"],
        c!["GET", "d"],
        c!["BITOP", "NOT", "d", "foo"],
        c!["GET", "d"],
        c!["BITOP", "NOT", "d", "foo", "bar"],
        c!["BITOP", "FOO", "d", "foo"],
        c!["BITOP", "AND", "d", "tx-none"],
        c!["EXISTS", "d"],
        c!["HSET", "h", "f", "v"],
        c!["BITOP", "AND", "d", "foo", "h"],
        c!["SET", "d", "x"],
        c!["EXPIRE", "d", "100"],
        c!["BITOP", "AND", "d", "tx-none", "tx-none2"],
        c!["EXISTS", "d"],
        c!["SET", "n", "12"],
        c!["BITOP", "OR", "d", "n"],
        c!["GET", "d"],
        c!["OBJECT", "ENCODING", "d"],
        c!["TTL", "d"],
        c!["BITOP", "and", "d"],
        c!["BITOP", "NOT", "d", "tx-none"],
        c!["BITOP", "or", "foo", "foo", "bar"],
        c!["GET", "foo"],
        c!["DEL", "foo", "bar", "baz", "d", "h", "n"],
        c!["SINTERCARD", "2", "foo", "bar"],
        c!["SINTERCARD", "2", "foo", "bar", "LIMIT", "1"],
        c!["SINTERCARD", "2", "foo", "bar", "LIMIT", "0", "LIMIT", "5"],
        c!["SINTERCARD", "1", "foo"],
        c!["SINTERCARD", "2", "foo", "tx-none"],
        c!["SINTERCARD", "2", "foo", "str"],
        c!["SINTERCARD", "0", "a"],
        c!["SINTERCARD", "2", "a"],
        c!["SINTERCARD", "x", "a"],
        c!["SINTERCARD", "1", "a", "LIMIT", "-1"],
        c!["SINTERCARD", "1", "a", "LIMIT", "x"],
        c!["SINTERCARD", "1", "a", "FOO"],
        c!["SINTERCARD", "3", "a", "b"],
        c!["SINTERCARD", "-1", "a"],
        c!["SINTERCARD", "1", "a", "LIMIT"],
        c!["SINTERCARD", "1"],
        c!["SINTERCARD", "9223372036854775807", "a"],
        c![
            "COMMAND",
            "GETKEYS",
            "SINTERCARD",
            "2",
            "a",
            "b",
            "LIMIT",
            "1"
        ],
        c!["COMMAND", "GETKEYS", "SINTERCARD", "3", "a", "b"],
        c!["MULTI"],
        c!["SUNIONSTORE", "baz", "foo", "bar"],
        c!["SMOVE", "foo", "baz", "c"],
        c!["SCARD", "baz"],
        c!["SINTERSTORE", "str", "foo", "baz"],
        c!["EXEC"],
        c!["DEL", "foo", "bar", "baz", "str", "ints", "i1", "i2"],
        c!["HSET", "wh", "f", "1"],
        c!["SADD", "ws", "a"],
        c!["WATCH", "wh", "ws"],
        c!["HSETNX", "wh", "f", "2"],
        c!["SADD", "ws", "a"],
        c!["SREM", "ws", "zz"],
        c!["HDEL", "wh", "zz"],
        c!["MULTI"],
        c!["HGET", "wh", "f"],
        c!["EXEC"],
        c!["WATCH", "wh"],
        c!["HINCRBY", "wh", "f", "1"],
        c!["MULTI"],
        c!["HGET", "wh", "f"],
        c!["EXEC"],
        c!["WATCH", "ws"],
        c!["SPOP", "ws"],
        c!["MULTI"],
        c!["SCARD", "ws"],
        c!["EXEC"],
        c!["HSET", "wh", "g", "2"],
        c!["WATCH", "wh"],
        c!["HDEL", "wh", "g"],
        c!["MULTI"],
        c!["HLEN", "wh"],
        c!["EXEC"],
        c!["SADD", "ws2", "x"],
        c!["RENAME", "ws2", "foo"],
        c!["TYPE", "foo"],
        c!["COPY", "wh", "bar", "REPLACE"],
        c!["HGETALL", "bar"],
        c!["DEL", "foo", "bar", "wh"],
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
    for step in [
        c!["SADD", "so1", "a", "b", "c", "1"],
        c!["SADD", "so2", "b", "c", "d", "2"],
    ] {
        s.push(ex(step));
    }
    for op in ["SINTER", "SUNION", "SDIFF"] {
        s.push((Mode::Sorted, c![op, "so1", "so2"]));
        s.push((Mode::Sorted, c![op, "so2", "so1", "tx-none"]));
    }
    s.push(ex(c!["SUNIONSTORE", "so3", "so1", "so2"]));
    s.push((Mode::Sorted, c!["SMEMBERS", "so3"]));
    s.push(ex(c!["DEL", "so1", "so2", "so3"]));
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

fn sorted(v: Vec<Vec<u8>>) -> Step {
    (Mode::Sorted, v)
}

fn pairs(v: Vec<Vec<u8>>) -> Step {
    (Mode::Pairs, v)
}

fn random(unit: usize, distinct: bool, check: UnitCheck, v: Vec<Vec<u8>>) -> Step {
    (
        Mode::Random {
            unit,
            distinct,
            check,
        },
        v,
    )
}

/// `name` then `prefix{i}` (and `value{i}` when given) for i in 0..n.
fn numbered(name: &[&str], n: usize, prefix: &str, value: Option<&str>) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = name.iter().map(|s| s.as_bytes().to_vec()).collect();
    for i in 0..n {
        v.push(format!("{prefix}{i}").into_bytes());
        if let Some(value) = value {
            v.push(format!("{value}{i}").into_bytes());
        }
    }
    v
}

/// A field `f<i>` with its value `v<i>`.
fn is_numbered_pair(u: &[Vec<u8>]) -> bool {
    u.len() == 2
        && u[0].first() == Some(&b'f')
        && u[1].first() == Some(&b'v')
        && u[0][1..] == u[1][1..]
}

/// A field `f<i>` alone.
fn is_numbered_field(u: &[Vec<u8>]) -> bool {
    u.len() == 1 && u[0].first() == Some(&b'f') && u[0][1..].iter().all(u8::is_ascii_digit)
}

/// One of the fields a, b, c.
fn is_abc(u: &[Vec<u8>]) -> bool {
    u.len() == 1 && [&b"a"[..], b"b", b"c"].contains(&&u[0][..])
}

/// a, b or c with its value 1, 2 or 3.
fn is_abc_pair(u: &[Vec<u8>]) -> bool {
    matches!(
        (u.first().map(|x| &x[..]), u.get(1).map(|x| &x[..]), u.len()),
        (Some(b"a"), Some(b"1"), 2) | (Some(b"b"), Some(b"2"), 2) | (Some(b"c"), Some(b"3"), 2)
    )
}

/// A decimal integer member.
fn is_int(u: &[Vec<u8>]) -> bool {
    u.len() == 1 && std::str::from_utf8(&u[0]).is_ok_and(|s| s.parse::<i64>().is_ok())
}

/// One of the members 1..=5.
fn is_one_to_five(u: &[Vec<u8>]) -> bool {
    u.len() == 1 && [&b"1"[..], b"2", b"3", b"4", b"5"].contains(&&u[0][..])
}

fn hashes() -> Vec<Step> {
    let mut s: Vec<Step> = vec![
        c!["HSET", "h", "f1", "v1", "f2", b"v\r\n2\0"],
        c!["HSET", "h", "f1", "v1b"],
        c!["HGET", "h", "f1"],
        c!["HGET", "h", "f2"],
        c!["HGET", "h", "nofield"],
        c!["HGET", "nokey", "f"],
        c!["HMGET", "h", "f1", "nofield", "f2"],
        c!["HMGET", "nokey", "a", "b"],
        c!["HSETNX", "h", "f1", "x"],
        c!["HSETNX", "h", "f3", "v3"],
        c!["HSETNX", "hnx", "a", "b"],
        c!["HGETALL", "hnx"],
        c!["HLEN", "h"],
        c!["HLEN", "nokey"],
        c!["HSTRLEN", "h", "f2"],
        c!["HSTRLEN", "h", "nofield"],
        c!["HSTRLEN", "nokey", "f"],
        c!["HEXISTS", "h", "f1"],
        c!["HEXISTS", "h", "nofield"],
        c!["HEXISTS", "nokey", "f"],
        c!["HKEYS", "h"],
        c!["HVALS", "h"],
        c!["HGETALL", "h"],
        c!["HKEYS", "nokey"],
        c!["HVALS", "nokey"],
        c!["HGETALL", "nokey"],
        c!["HDEL", "h", "f2", "nofield", "f2"],
        c!["HDEL", "nokey", "a"],
        c!["HGETALL", "h"],
        c!["HMSET", "h", "a", "1", "b", "2", "", ""],
        c!["HGETALL", "h"],
        c!["HSET", "h", "a", "1", "b"],
        c!["HMSET", "h", "a", "1", "b"],
        c!["HSET", "h", "a"],
        c!["HSETNX", "h", "a"],
        c!["HGET", "h"],
        c!["HMGET", "h"],
        c!["HDEL", "h"],
        c!["HLEN"],
        c!["HKEYS", "h", "x"],
        c!["HINCRBY", "h", "n", "5"],
        c!["HINCRBY", "h", "n", "-10"],
        c!["HINCRBY", "h", "n", "abc"],
        c!["HINCRBY", "h", "n", "1.5"],
        c!["HINCRBY", "h", "n", "9223372036854775808"],
        c!["HINCRBY", "h", "f1", "1"],
        c!["HINCRBY", "h", "big", "9223372036854775807"],
        c!["HINCRBY", "h", "big", "1"],
        c!["HINCRBY", "h", "big", "-1"],
        c!["HINCRBY", "h", "small", "-9223372036854775808"],
        c!["HINCRBY", "h", "small", "-1"],
        c!["HINCRBY", "h", "small", "0"],
        c!["HSET", "h", "sp", " 1", "lz", "01", "neg0", "-0"],
        c!["HINCRBY", "h", "sp", "1"],
        c!["HINCRBY", "h", "lz", "1"],
        c!["HINCRBY", "h", "neg0", "1"],
        c!["HINCRBY", "newh1", "f", "7"],
        c!["HGETALL", "newh1"],
        c!["HINCRBYFLOAT", "h", "fl", "1.5"],
        c!["HINCRBYFLOAT", "h", "fl", "0.1"],
        c!["HINCRBYFLOAT", "h", "fl", "abc"],
        c!["HINCRBYFLOAT", "h", "fl", "inf"],
        c!["HINCRBYFLOAT", "h", "fl", "-inf"],
        c!["HINCRBYFLOAT", "h", "fl", "nan"],
        c!["HINCRBYFLOAT", "h", "fl", "1e5000"],
        c!["HINCRBYFLOAT", "h", "fl", " 1"],
        c!["HINCRBYFLOAT", "h", "fl", "5.0e3"],
        c!["HINCRBYFLOAT", "h", "f1", "1"],
        c!["HINCRBYFLOAT", "h", "n", "0.5"],
        c![
            "HSET",
            "hfl",
            "finf",
            "inf",
            "fmax",
            "1.18973149535723176502e4932"
        ],
        c!["HINCRBYFLOAT", "hfl", "finf", "1"],
        c!["HINCRBYFLOAT", "hfl", "fmax", "1e4932"],
        c!["HINCRBYFLOAT", "hfl", "fmax", "0"],
        c!["OBJECT", "ENCODING", "hfl"],
        c!["HINCRBYFLOAT", "newh2", "f", "2.5"],
        c!["HINCRBYFLOAT", "newh3", "f", "inf"],
        c!["HINCRBYFLOAT", "newh3", "f", "abc"],
        c!["EXISTS", "newh2", "newh3"],
        c!["HGETALL", "h"],
        c!["HDEL", "hnx", "a"],
        c!["EXISTS", "hnx"],
        c!["HRANDFIELD", "nokey"],
        c!["HRANDFIELD", "nokey", "5"],
        c!["HRANDFIELD", "nokey", "5", "WITHVALUES"],
        c!["HRANDFIELD", "nokey", "-9223372036854775808"],
        c!["HRANDFIELD", "nokey", "-9223372036854775807"],
        c!["HRANDFIELD", "nokey", "x"],
        c!["HRANDFIELD", "nokey", "1", "foo"],
        c!["HRANDFIELD", "nokey", "1", "WITHVALUES", "x"],
        c!["HRANDFIELD", "nokey", "4611686018427387904", "WITHVALUES"],
        c!["HSET", "hr", "a", "1", "b", "2", "c", "3"],
        c!["HRANDFIELD", "hr", "0"],
        c!["HRANDFIELD", "hr", "0", "WITHVALUES"],
        c!["HRANDFIELD", "hr", "3"],
        c!["HRANDFIELD", "hr", "10", "withvalues"],
        c!["HRANDFIELD", "hr", "9223372036854775807"],
        c!["HRANDFIELD", "hr", "9223372036854775807", "WITHVALUES"],
        c!["HRANDFIELD", "hr", "4611686018427387903", "WITHVALUES"],
        c!["HRANDFIELD", "hr", "-9223372036854775808"],
        c!["HRANDFIELD", "hr", "-4611686018427387904", "WITHVALUES"],
        c!["HRANDFIELD", "hr", "4611686018427387904", "WITHVALUES"],
        c!["HRANDFIELD", "hr", "1", "WITHVALUE"],
        c!["HSCAN", "hr", "0"],
        c!["HSCAN", "hr", "0", "MATCH", "[ab]", "COUNT", "1"],
        c!["HSCAN", "hr", "0", "MATCH", "*"],
        c!["HSCAN", "hr", "0", "COUNT", "0"],
        c!["HSCAN", "hr", "0", "COUNT", "x"],
        c!["HSCAN", "hr", "0", "COUNT"],
        c!["HSCAN", "hr", "0", "TYPE", "string"],
        c!["HSCAN", "hr", "0", "FOO"],
        c!["HSCAN", "hr", "x"],
        c!["HSCAN", "hr", "-1"],
        c!["HSCAN", "hr", ""],
        c!["HSCAN", "hr", "+0"],
        c!["HSCAN", "hr", " 0"],
        c!["HSCAN", "hr", "18446744073709551616"],
        c!["SSCAN", "nokey", "-"],
        c!["HSCAN", "nokey", "0"],
        c!["HSCAN", "nokey", "0", "FOO"],
        c!["HSCAN", "nokey", "x"],
        c!["HSCAN", "hr"],
    ]
    .into_iter()
    .map(ex)
    .collect();
    s.extend([
        random(1, true, is_abc, c!["HRANDFIELD", "hr"]),
        random(1, true, is_abc, c!["HRANDFIELD", "hr", "1"]),
        random(1, true, is_abc, c!["HRANDFIELD", "hr", "2"]),
        random(1, false, is_abc, c!["HRANDFIELD", "hr", "-7"]),
        random(
            2,
            true,
            is_abc_pair,
            c!["HRANDFIELD", "hr", "2", "WITHVALUES"],
        ),
        random(
            2,
            false,
            is_abc_pair,
            c!["HRANDFIELD", "hr", "-7", "WITHVALUES"],
        ),
    ]);
    s
}

fn hash_encodings() -> Vec<Step> {
    let v64 = "v".repeat(64);
    let v65 = "v".repeat(65);
    let f65 = "f".repeat(65);
    let mut s: Vec<Step> = vec![
        c!["HSET", "he1", "f", v64.as_str()],
        c!["OBJECT", "ENCODING", "he1"],
        c!["HSET", "he1", "g", v65.as_str()],
        c!["OBJECT", "ENCODING", "he1"],
        c!["HGET", "he1", "g"],
        c!["HSET", "he2", f65.as_str(), "v"],
        c!["OBJECT", "ENCODING", "he2"],
        // HSETNX checks lengths before it finds the field exists.
        c!["HSET", "he3", "f", "v"],
        c!["HSETNX", "he3", "f", v65.as_str()],
        c!["OBJECT", "ENCODING", "he3"],
        // HINCRBY's field name, HINCRBYFLOAT's result.
        c!["HINCRBY", "he4", "n", "1"],
        c!["OBJECT", "ENCODING", "he4"],
        c!["HINCRBY", "he4", f65.as_str(), "1"],
        c!["OBJECT", "ENCODING", "he4"],
        c!["HINCRBYFLOAT", "he5", "f", "1e70"],
        c!["OBJECT", "ENCODING", "he5"],
        // Deleting never converts back.
        c!["HDEL", "he1", "g"],
        c!["OBJECT", "ENCODING", "he1"],
        c!["HGETALL", "he1"],
    ]
    .into_iter()
    .map(ex)
    .collect();
    // 512 fields stay a listpack, the 513th makes a hashtable.
    s.push(ex(numbered(&["HSET", "hbig"], 512, "f", Some("v"))));
    s.push(ex(c!["OBJECT", "ENCODING", "hbig"]));
    s.push(ex(c!["HGETALL", "hbig"]));
    s.push(ex(c!["HSCAN", "hbig", "0", "COUNT", "1"]));
    s.push(ex(c!["HSET", "hbig", "f0", "v0"]));
    s.push(ex(c!["OBJECT", "ENCODING", "hbig"]));
    s.push(ex(c!["HSET", "hbig", "f512", "v512"]));
    s.push(ex(c!["OBJECT", "ENCODING", "hbig"]));
    s.push(ex(c!["HLEN", "hbig"]));
    s.push(ex(c!["HGET", "hbig", "f300"]));
    s.push(ex(c!["HMGET", "hbig", "f1", "f512", "nofield"]));
    s.push(pairs(c!["HGETALL", "hbig"]));
    s.push(sorted(c!["HKEYS", "hbig"]));
    s.push(sorted(c!["HVALS", "hbig"]));
    s.push(pairs(c!["HRANDFIELD", "hbig", "513", "WITHVALUES"]));
    s.push(sorted(c!["HRANDFIELD", "hbig", "9223372036854775807"]));
    s.push((
        Mode::ScanAll { unit: 2 },
        c!["HSCAN", "hbig", "0", "COUNT", "100000"],
    ));
    s.push((
        Mode::ScanAll { unit: 2 },
        c!["HSCAN", "hbig", "0", "MATCH", "f1*", "COUNT", "100000"],
    ));
    s.push(random(1, true, is_numbered_field, c!["HRANDFIELD", "hbig"]));
    s.push(random(
        1,
        true,
        is_numbered_field,
        c!["HRANDFIELD", "hbig", "5"],
    ));
    s.push(random(
        1,
        true,
        is_numbered_field,
        c!["HRANDFIELD", "hbig", "400"],
    ));
    s.push(random(
        1,
        false,
        is_numbered_field,
        c!["HRANDFIELD", "hbig", "-1000"],
    ));
    s.push(random(
        2,
        true,
        is_numbered_pair,
        c!["HRANDFIELD", "hbig", "500", "WITHVALUES"],
    ));
    s.push(random(
        2,
        false,
        is_numbered_pair,
        c!["HRANDFIELD", "hbig", "-20", "WITHVALUES"],
    ));
    // One HSET of more than 512 new fields.
    s.push(ex(numbered(&["HSET", "hbig2"], 600, "f", Some("v"))));
    s.push(ex(c!["OBJECT", "ENCODING", "hbig2"]));
    s.push(ex(numbered(&["HDEL", "hbig2"], 599, "f", None)));
    s.push(ex(c!["OBJECT", "ENCODING", "hbig2"]));
    s.push(ex(c!["HGETALL", "hbig2"]));
    s
}

fn sets() -> Vec<Step> {
    let mut s: Vec<Step> = vec![
        c!["SADD", "s", "3", "1", "2"],
        c!["SADD", "s", "2", "4"],
        c!["SMEMBERS", "s"],
        c!["OBJECT", "ENCODING", "s"],
        c!["SCARD", "s"],
        c!["SCARD", "nokey"],
        c!["SISMEMBER", "s", "2"],
        c!["SISMEMBER", "s", "02"],
        c!["SISMEMBER", "s", "x"],
        c!["SISMEMBER", "nokey", "x"],
        c!["SMISMEMBER", "s", "1", "x", "4", "1"],
        c!["SMISMEMBER", "nokey", "a"],
        c!["SMEMBERS", "nokey"],
        c![
            "SADD",
            "s",
            "-9223372036854775808",
            "9223372036854775807",
            "-1",
            "70000"
        ],
        c!["SMEMBERS", "s"],
        c!["OBJECT", "ENCODING", "s"],
        c!["SADD", "s", "01"],
        c!["OBJECT", "ENCODING", "s"],
        c!["SISMEMBER", "s", "01"],
        c!["SISMEMBER", "s", "1"],
        c!["SREM", "s", "01", "1", "nomember", "1"],
        c!["SREM", "nokey", "a"],
        c!["SCARD", "s"],
        c!["SADD", "s2", "a", b"b\r\n\0", ""],
        c!["OBJECT", "ENCODING", "s2"],
        c!["SISMEMBER", "s2", ""],
        c!["SREM", "s2", "a", b"b\r\n\0", ""],
        c!["EXISTS", "s2"],
        c!["SADD", "s"],
        c!["SREM", "s"],
        c!["SISMEMBER", "s"],
        c!["SMISMEMBER", "s"],
        c!["SCARD"],
        c!["SPOP"],
        c!["SRANDMEMBER"],
        c!["SSCAN", "s"],
        c!["SPOP", "nokey"],
        c!["SPOP", "nokey", "3"],
        c!["SPOP", "nokey", "-1"],
        c!["SPOP", "nokey", "x"],
        c!["SPOP", "s", "0"],
        c!["SPOP", "s", "-1"],
        c!["SPOP", "s", "x"],
        c!["SPOP", "s", "1", "2"],
        c!["SPOP", "s", "-9223372036854775808"],
        c!["SADD", "sp", "1", "2", "3"],
        c!["SPOP", "sp", "3"],
        c!["EXISTS", "sp"],
        c!["SADD", "sp", "1", "2", "3"],
        c!["SPOP", "sp", "9223372036854775807"],
        c!["EXISTS", "sp"],
        c!["SRANDMEMBER", "nokey"],
        c!["SRANDMEMBER", "nokey", "5"],
        c!["SRANDMEMBER", "nokey", "-5"],
        c!["SRANDMEMBER", "nokey", "-9223372036854775808"],
        c!["SRANDMEMBER", "nokey", "x"],
        c!["SRANDMEMBER", "nokey", "1", "2"],
        c!["SADD", "sr", "1", "2", "3"],
        c!["SRANDMEMBER", "sr", "0"],
        c!["SRANDMEMBER", "sr", "3"],
        c!["SRANDMEMBER", "sr", "9223372036854775807"],
        c!["SRANDMEMBER", "sr", "-9223372036854775808"],
        c!["SSCAN", "sr", "0"],
        c!["SSCAN", "sr", "0", "MATCH", "[12]"],
        c!["SSCAN", "sr", "0", "COUNT", "0"],
        c!["SSCAN", "sr", "0", "COUNT", "1", "MATCH"],
        c!["SSCAN", "sr", "x"],
        c!["SSCAN", "nokey", "0"],
        c!["SSCAN", "nokey", "0", "COUNT", "0"],
        c!["SADD", "ss", "b", "a"],
        c!["SSCAN", "ss", "0", "MATCH", "z*"],
    ]
    .into_iter()
    .map(ex)
    .collect();
    s.extend(
        [c!["SADD", "sp", "1", "2", "3", "4", "5"], c!["SCARD", "sp"]]
            .into_iter()
            .map(ex),
    );
    s.extend([
        random(1, true, is_one_to_five, c!["SPOP", "sp"]),
        ex(c!["SCARD", "sp"]),
        random(1, true, is_one_to_five, c!["SPOP", "sp", "2"]),
        ex(c!["SCARD", "sp"]),
        random(1, true, is_one_to_five, c!["SPOP", "sp", "1"]),
        random(1, true, is_one_to_five, c!["SPOP", "sp", "5"]),
        ex(c!["EXISTS", "sp"]),
        random(1, true, is_int, c!["SRANDMEMBER", "sr"]),
        random(1, true, is_int, c!["SRANDMEMBER", "sr", "2"]),
        random(1, false, is_int, c!["SRANDMEMBER", "sr", "-10"]),
        random(1, false, is_int, c!["SRANDMEMBER", "sr", "-1"]),
        sorted(c!["SMEMBERS", "ss"]),
        sorted(c!["SRANDMEMBER", "ss", "2"]),
    ]);
    s
}

fn set_encodings() -> Vec<Step> {
    vec![
        // 512 integers stay an intset; the 513th makes a hashtable.
        ex(numbered(&["SADD", "si"], 512, "", None)),
        ex(c!["OBJECT", "ENCODING", "si"]),
        ex(c!["SMEMBERS", "si"]),
        ex(c!["SADD", "si", "511"]),
        ex(c!["SADD", "si", "512"]),
        ex(c!["OBJECT", "ENCODING", "si"]),
        ex(c!["SCARD", "si"]),
        ex(c!["SISMEMBER", "si", "512"]),
        sorted(c!["SMEMBERS", "si"]),
        (
            Mode::ScanAll { unit: 1 },
            c!["SSCAN", "si", "0", "COUNT", "100000"],
        ),
        (
            Mode::ScanAll { unit: 1 },
            c!["SSCAN", "si", "0", "MATCH", "*7", "COUNT", "100000"],
        ),
        random(1, true, is_int, c!["SRANDMEMBER", "si", "5"]),
        random(1, true, is_int, c!["SRANDMEMBER", "si", "300"]),
        sorted(c!["SRANDMEMBER", "si", "513"]),
        random(1, false, is_int, c!["SRANDMEMBER", "si", "-600"]),
        ex(numbered(&["SREM", "si"], 510, "", None)),
        ex(c!["OBJECT", "ENCODING", "si"]),
        // A string member makes a hashtable at once.
        ex(numbered(&["SADD", "si2"], 10, "", None)),
        ex(c!["SADD", "si2", "x"]),
        ex(c!["OBJECT", "ENCODING", "si2"]),
        ex(c!["SADD", "si3", "x", "1"]),
        ex(c!["OBJECT", "ENCODING", "si3"]),
        // SPOP leaving few members rebuilds the set: all integers, an intset.
        ex(numbered(&["SADD", "sbig"], 600, "", None)),
        ex(c!["OBJECT", "ENCODING", "sbig"]),
        random(1, true, is_int, c!["SPOP", "sbig", "10"]),
        ex(c!["SCARD", "sbig"]),
        ex(c!["OBJECT", "ENCODING", "sbig"]),
        random(1, true, is_int, c!["SPOP", "sbig", "580"]),
        ex(c!["SCARD", "sbig"]),
        ex(c!["OBJECT", "ENCODING", "sbig"]),
        random(1, true, is_int, c!["SPOP", "sbig", "10"]),
        ex(c!["EXISTS", "sbig"]),
    ]
}

fn wrong_types() -> Vec<Step> {
    let mut s: Vec<Step> = vec![
        c!["SET", "wstr", "v"],
        c!["HSET", "whh", "f", "1"],
        c!["SADD", "wss", "m"],
        c!["TYPE", "wstr"],
        c!["TYPE", "whh"],
        c!["TYPE", "wss"],
        c!["OBJECT", "ENCODING", "whh"],
        c!["OBJECT", "ENCODING", "wss"],
        c!["EXISTS", "wstr", "whh", "wss"],
        c!["MGET", "wstr", "whh", "wss"],
    ]
    .into_iter()
    .map(ex)
    .collect();
    for key in ["whh", "wss"] {
        for cmd in [
            c!["GET", key],
            c!["GETSET", key, "x"],
            c!["GETDEL", key],
            c!["GETEX", key],
            c!["GETEX", key, "EX", "-1"],
            c!["GETEX", key, "EX", "abc"],
            c!["GETEX", key, "PERSIST"],
            c!["GETEX", key, "BADOPT"],
            c!["SET", key, "x", "GET"],
            c!["SET", key, "x", "NX", "GET"],
            c!["SET", key, "x", "NX"],
            c!["SETNX", key, "x"],
            c!["INCR", key],
            c!["DECR", key],
            c!["INCRBY", key, "2"],
            c!["INCRBY", key, "x"],
            c!["DECRBY", key, "2"],
            c!["INCRBYFLOAT", key, "1.5"],
            c!["INCRBYFLOAT", key, "x"],
            c!["APPEND", key, "x"],
            c!["STRLEN", key],
            c!["GETRANGE", key, "0", "-1"],
            c!["GETRANGE", key, "x", "1"],
            c!["SUBSTR", key, "0", "-1"],
            c!["SETRANGE", key, "0", "x"],
            c!["SETRANGE", key, "0", ""],
            c!["SETRANGE", key, "-1", "x"],
        ] {
            s.push(ex(cmd));
        }
    }
    for key in ["wstr", "wss"] {
        for cmd in [
            c!["HSET", key, "f", "v"],
            c!["HSET", key, "f", "v", "g"],
            c!["HSETNX", key, "f", "v"],
            c!["HMSET", key, "f", "v"],
            c!["HGET", key, "f"],
            c!["HMGET", key, "f"],
            c!["HDEL", key, "f"],
            c!["HEXISTS", key, "f"],
            c!["HLEN", key],
            c!["HSTRLEN", key, "f"],
            c!["HKEYS", key],
            c!["HVALS", key],
            c!["HGETALL", key],
            c!["HINCRBY", key, "f", "1"],
            c!["HINCRBY", key, "f", "x"],
            c!["HINCRBYFLOAT", key, "f", "1"],
            c!["HINCRBYFLOAT", key, "f", "inf"],
            c!["HRANDFIELD", key],
            c!["HRANDFIELD", key, "2"],
            c!["HRANDFIELD", key, "-2", "WITHVALUES"],
            c!["HRANDFIELD", key, "-9223372036854775808"],
            c!["HSCAN", key, "0"],
            c!["HSCAN", key, "x"],
        ] {
            s.push(ex(cmd));
        }
    }
    for key in ["wstr", "whh"] {
        for cmd in [
            c!["SADD", key, "m"],
            c!["SREM", key, "m"],
            c!["SMEMBERS", key],
            c!["SISMEMBER", key, "m"],
            c!["SMISMEMBER", key, "m"],
            c!["SCARD", key],
            c!["SPOP", key],
            c!["SPOP", key, "2"],
            c!["SPOP", key, "-2"],
            c!["SRANDMEMBER", key],
            c!["SRANDMEMBER", key, "2"],
            c!["SRANDMEMBER", key, "-9223372036854775808"],
            c!["SSCAN", key, "0"],
        ] {
            s.push(ex(cmd));
        }
    }
    s.extend(
        [
            c!["TYPE", "whh"],
            c!["GET", "wstr"],
            c!["HGETALL", "whh"],
            c!["SMEMBERS", "wss"],
            c!["EXPIRE", "whh", "100"],
            c!["PERSIST", "whh"],
            c!["PEXPIRE", "wss", "100000"],
            c!["EXPIRETIME", "whh"],
            c!["EXPIREAT", "whh", "4102444800"],
            c!["EXPIRETIME", "whh"],
            // A collection keeps its expiry when written.
            c!["HSET", "whh", "g", "2"],
            c!["SADD", "wss", "n"],
            c!["EXPIRETIME", "whh"],
            c!["TOUCH", "whh", "wss"],
            c!["DBSIZE"],
            c!["HSET", "hexp", "f", "v"],
            c!["EXPIRE", "hexp", "0"],
            c!["EXISTS", "hexp"],
            c!["SADD", "sexp", "1"],
            c!["PEXPIREAT", "sexp", "1"],
            c!["SCARD", "sexp"],
            c!["DEL", "whh", "wss", "wstr"],
            c!["HSET", "over", "f", "v"],
            c!["SET", "over", "x"],
            c!["TYPE", "over"],
            c!["SADD", "over2", "1"],
            c!["SET", "over2", "x", "XX"],
            c!["GET", "over2"],
            c!["HSET", "over3", "f", "v"],
            c!["GETSET", "over3", "x"],
            c!["HSET", "t1", "f", "v"],
            c!["SADD", "t2", "m"],
            c!["SET", "t3", "v"],
        ]
        .into_iter()
        .map(ex),
    );
    s.push(sorted(c!["KEYS", "t*"]));
    s.push(ex(c!["SADD", "wss2", "m"]));
    s.push(ex(c!["EXPIRE", "wss2", "100"]));
    s.push((Mode::Near1, c!["TTL", "wss2"]));
    s
}

/// The thresholds are settings: lowered here, restored by `config_reset`
/// (in its own pipeline, so it runs after everything here).
fn config() -> Vec<Step> {
    vec![
        c!["CONFIG", "SET", "hash-max-ziplist-entries", "2"],
        c!["CONFIG", "SET", "hash-max-listpack-value", "3"],
        c!["CONFIG", "SET", "set-max-intset-entries", "2"],
        c!["CONFIG", "GET", "hash-max-listpack-entries"],
        c!["CONFIG", "GET", "hash-max-ziplist-value"],
        c!["CONFIG", "GET", "set-max-intset-entries"],
        c!["CONFIG", "SET", "set-max-intset-entries", "-1"],
        c!["CONFIG", "SET", "hash-max-listpack-value", "x"],
        c!["HSET", "ch", "a", "1", "b", "2"],
        c!["OBJECT", "ENCODING", "ch"],
        c!["HSET", "ch", "c", "3"],
        c!["OBJECT", "ENCODING", "ch"],
        c!["HSET", "ch2", "a", "123"],
        c!["OBJECT", "ENCODING", "ch2"],
        c!["HSET", "ch2", "b", "1234"],
        c!["OBJECT", "ENCODING", "ch2"],
        c!["SADD", "cs", "1", "2"],
        c!["OBJECT", "ENCODING", "cs"],
        c!["SADD", "cs", "3"],
        c!["OBJECT", "ENCODING", "cs"],
        c!["SADD", "cs2", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
        c!["SPOP", "cs2", "9"],
        c!["OBJECT", "ENCODING", "cs2"],
    ]
    .into_iter()
    .map(|v| {
        if v[0] == b"SPOP" {
            (
                Mode::Random {
                    unit: 1,
                    distinct: true,
                    check: is_int,
                },
                v,
            )
        } else {
            ex(v)
        }
    })
    .collect()
}

fn config_reset() -> Vec<Step> {
    vec![
        c!["CONFIG", "SET", "hash-max-listpack-entries", "512"],
        c!["CONFIG", "SET", "hash-max-ziplist-value", "64"],
        c!["CONFIG", "SET", "set-max-intset-entries", "512"],
        c!["CONFIG", "SET", "zset-max-listpack-entries", "128"],
        c!["CONFIG", "SET", "zset-max-ziplist-value", "64"],
        c!["CONFIG", "GET", "zset-max-ziplist-entries"],
        c!["CONFIG", "GET", "zset-max-listpack-value"],
        c!["CONFIG", "GET", "hash-max-ziplist-entries"],
        c!["CONFIG", "GET", "hash-max-listpack-value"],
        c!["CONFIG", "GET", "set-max-intset-entries"],
    ]
    .into_iter()
    .map(ex)
    .collect()
}

fn resp3_collections() -> Vec<Step> {
    let mut s = vec![(Mode::Skip, c!["HELLO", "3"])];
    s.extend(
        vec![
            c!["HSET", "r3h", "a", "1", "b", "2", "c", "3"],
            c!["HGETALL", "r3h"],
            c!["HGETALL", "r3-missing"],
            c!["HKEYS", "r3-missing"],
            c!["HMGET", "r3h", "a", "nofield"],
            c!["HRANDFIELD", "r3h", "10", "WITHVALUES"],
            c!["HRANDFIELD", "r3h", "0", "WITHVALUES"],
            c!["HRANDFIELD", "r3-missing"],
            c!["HRANDFIELD", "r3-missing", "3", "WITHVALUES"],
            c!["HINCRBYFLOAT", "r3f", "a", "1.5"],
            c!["HSCAN", "r3h", "0"],
            c!["SADD", "r3s", "3", "1", "2"],
            c!["SMEMBERS", "r3s"],
            c!["SMEMBERS", "r3-missing"],
            c!["SRANDMEMBER", "r3s", "10"],
            c!["SRANDMEMBER", "r3-missing", "3"],
            c!["SRANDMEMBER", "r3-missing"],
            c!["SPOP", "r3-missing"],
            c!["SPOP", "r3-missing", "2"],
            c!["SPOP", "r3s", "0"],
            c!["SMISMEMBER", "r3s", "1", "9"],
            c!["SSCAN", "r3s", "0"],
        ]
        .into_iter()
        .map(ex),
    );
    s.push(random(
        2,
        false,
        is_abc_pair,
        c!["HRANDFIELD", "r3h", "-5", "WITHVALUES"],
    ));
    s.push(random(
        2,
        true,
        is_abc_pair,
        c!["HRANDFIELD", "r3h", "2", "WITHVALUES"],
    ));
    s.push(random(1, true, is_int, c!["SPOP", "r3s", "2"]));
    s.push(random(1, true, is_int, c!["SPOP", "r3s", "5"]));
    s.push(ex(numbered(&["HSET", "r3big"], 600, "f", Some("v"))));
    s.push(pairs(c!["HGETALL", "r3big"]));
    s.push(random(
        2,
        true,
        is_numbered_pair,
        c!["HRANDFIELD", "r3big", "4", "WITHVALUES"],
    ));
    s.push(ex(numbered(&["SADD", "r3sbig"], 600, "m", None)));
    s.push(sorted(c!["SMEMBERS", "r3sbig"]));
    s.push((Mode::Skip, c!["HELLO", "2"]));
    s
}

/// The list commands: pushes, pops with counts, ranges, indexes, inserts,
/// removals and LPOS, with out-of-range and i64-extreme arguments, wrong
/// arity, and the keyspace commands on lists.
fn lists() -> Vec<Step> {
    vec![
        c!["RPUSH", "li", "a", "b", "c"],
        c!["LPUSH", "li", "z", "y"],
        c!["LRANGE", "li", "0", "-1"],
        c!["LLEN", "li"],
        c!["LLEN", "li-missing"],
        c!["TYPE", "li"],
        c!["OBJECT", "ENCODING", "li"],
        c!["RPUSH", "li", b"bin\r\n\0", ""],
        c!["LPUSHX", "li-missing", "a"],
        c!["RPUSHX", "li-missing", "a", "b"],
        c!["EXISTS", "li-missing"],
        c!["LPUSHX", "li", "x1", "x2"],
        c!["RPUSHX", "li", "x3"],
        c!["LRANGE", "li", "0", "-1"],
        c!["LRANGE", "li", "-3", "-1"],
        c!["LRANGE", "li", "-100", "2"],
        c!["LRANGE", "li", "5", "2"],
        c!["LRANGE", "li", "100", "200"],
        c![
            "LRANGE",
            "li",
            "-9223372036854775808",
            "9223372036854775807"
        ],
        c![
            "LRANGE",
            "li",
            "9223372036854775807",
            "-9223372036854775808"
        ],
        c!["LRANGE", "li", "0", "-9223372036854775808"],
        c!["LRANGE", "li", "x", "1"],
        c!["LRANGE", "li", "0", "1.5"],
        c!["LRANGE", "li", "0", "9223372036854775808"],
        c!["LRANGE", "li-missing", "0", "-1"],
        c!["LRANGE", "li-missing", "x", "-1"],
        c!["LINDEX", "li", "0"],
        c!["LINDEX", "li", "-1"],
        c!["LINDEX", "li", "3"],
        c!["LINDEX", "li", "100"],
        c!["LINDEX", "li", "-100"],
        c!["LINDEX", "li", "9223372036854775807"],
        c!["LINDEX", "li", "-9223372036854775808"],
        c!["LINDEX", "li", "x"],
        c!["LINDEX", "li-missing", "x"],
        c!["LINDEX", "li-missing", "0"],
        c!["LSET", "li", "0", "first"],
        c!["LSET", "li", "-1", "last"],
        c!["LSET", "li", "4", "mid"],
        c!["LSET", "li", "100", "x"],
        c!["LSET", "li", "-100", "x"],
        c!["LSET", "li", "-9223372036854775808", "x"],
        c!["LSET", "li", "9223372036854775807", "x"],
        c!["LSET", "li", "x", "x"],
        c!["LSET", "li-missing", "0", "x"],
        c!["LSET", "li-missing", "x", "x"],
        c!["EXISTS", "li-missing"],
        c!["LRANGE", "li", "0", "-1"],
        c!["LINSERT", "li", "BEFORE", "mid", "pre"],
        c!["LINSERT", "li", "after", "mid", "post"],
        c!["LINSERT", "li", "AFTER", "last", "end"],
        c!["LINSERT", "li", "before", "first", "start"],
        c!["LINSERT", "li", "BEFORE", "nopivot", "x"],
        c!["LINSERT", "li", "MIDDLE", "mid", "x"],
        c!["LINSERT", "li-missing", "BEFORE", "a", "x"],
        c!["LINSERT", "li-missing", "MIDDLE", "a", "x"],
        c!["EXISTS", "li-missing"],
        c!["LRANGE", "li", "0", "-1"],
        c!["RPUSH", "lr", "a", "b", "a", "c", "a", "b", "a"],
        c!["LREM", "lr", "1", "a"],
        c!["LREM", "lr", "-2", "a"],
        c!["LRANGE", "lr", "0", "-1"],
        c!["LREM", "lr", "0", "b"],
        c!["LREM", "lr", "0", "zz"],
        c!["LREM", "lr", "x", "a"],
        c!["RPUSH", "lr", "a", "a"],
        c!["LREM", "lr", "-9223372036854775808", "a"],
        c!["LRANGE", "lr", "0", "-1"],
        c!["LREM", "lr", "9223372036854775807", "c"],
        c!["EXISTS", "lr"],
        c!["LREM", "li-missing", "0", "a"],
        c!["LREM", "li-missing", "x", "a"],
        c!["RPUSH", "lt", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        c!["LTRIM", "lt", "1", "-2"],
        c!["LRANGE", "lt", "0", "-1"],
        c!["LTRIM", "lt", "-9223372036854775808", "9223372036854775807"],
        c!["LRANGE", "lt", "0", "-1"],
        c!["LTRIM", "lt", "2", "100"],
        c!["LRANGE", "lt", "0", "-1"],
        c!["LTRIM", "lt", "-2", "-1"],
        c!["LRANGE", "lt", "0", "-1"],
        c!["LTRIM", "lt", "x", "1"],
        c!["LTRIM", "lt", "0", "x"],
        c!["LTRIM", "lt", "1", "0"],
        c!["EXISTS", "lt"],
        c!["LTRIM", "li-missing", "0", "1"],
        c!["LTRIM", "li-missing", "x", "1"],
        c!["RPUSH", "lt", "a", "b"],
        c!["LTRIM", "lt", "9223372036854775807", "-9223372036854775808"],
        c!["EXISTS", "lt"],
        c!["RPUSH", "lp", "1", "2", "3", "4", "5", "6"],
        c!["LPOP", "lp"],
        c!["RPOP", "lp"],
        c!["LPOP", "lp", "2"],
        c!["RPOP", "lp", "1"],
        c!["LPOP", "lp", "0"],
        c!["RPOP", "lp", "0"],
        c!["LPOP", "lp", "-1"],
        c!["LPOP", "lp", "x"],
        c!["LPOP", "lp", "-9223372036854775808"],
        c!["LPOP", "lp", "9223372036854775808"],
        c!["LPOP", "lp", "1", "2"],
        c!["RPOP", "lp", "1", "2"],
        c!["LRANGE", "lp", "0", "-1"],
        c!["RPOP", "lp", "9223372036854775807"],
        c!["EXISTS", "lp"],
        c!["LPOP", "lp"],
        c!["RPOP", "lp"],
        c!["LPOP", "lp", "0"],
        c!["LPOP", "lp", "3"],
        c!["RPOP", "lp", "-1"],
        c!["RPUSH", "lp", "only"],
        c!["RPOP", "lp"],
        c!["EXISTS", "lp"],
        c!["RPUSH", "lp", "1", "2", "3"],
        c!["LPOP", "lp", "9223372036854775807"],
        c!["EXISTS", "lp"],
        c!["RPUSH", "lq", "a", "b", "c", "a", "b", "c", "a"],
        c!["LPOS", "lq", "a"],
        c!["LPOS", "lq", "c"],
        c!["LPOS", "lq", "zz"],
        c!["LPOS", "lq", "a", "RANK", "2"],
        c!["LPOS", "lq", "a", "RANK", "-1"],
        c!["LPOS", "lq", "a", "RANK", "-2"],
        c!["LPOS", "lq", "a", "RANK", "4"],
        c!["LPOS", "lq", "a", "COUNT", "0"],
        c!["LPOS", "lq", "a", "COUNT", "2"],
        c!["LPOS", "lq", "a", "COUNT", "2", "RANK", "-1"],
        c!["LPOS", "lq", "a", "COUNT", "0", "RANK", "2"],
        c!["LPOS", "lq", "a", "COUNT", "0", "MAXLEN", "4"],
        c!["LPOS", "lq", "a", "RANK", "-1", "MAXLEN", "1"],
        c!["LPOS", "lq", "a", "RANK", "-1", "MAXLEN", "2"],
        c!["LPOS", "lq", "c", "RANK", "-1", "MAXLEN", "2"],
        c!["LPOS", "lq", "zz", "COUNT", "5"],
        c!["LPOS", "lq", "a", "rank", "0"],
        c!["LPOS", "lq", "a", "RANK", "x"],
        c!["LPOS", "lq", "a", "RANK", "-9223372036854775808"],
        c![
            "LPOS",
            "lq",
            "a",
            "RANK",
            "-9223372036854775808",
            "COUNT",
            "1"
        ],
        c![
            "LPOS",
            "lq",
            "a",
            "RANK",
            "-9223372036854775808",
            "COUNT",
            "0",
            "MAXLEN",
            "3"
        ],
        c![
            "LPOS",
            "lq",
            "a",
            "RANK",
            "-9223372036854775807",
            "COUNT",
            "0"
        ],
        c!["LPOS", "lq", "a", "RANK", "9223372036854775807"],
        c![
            "LPOS",
            "lq",
            "a",
            "RANK",
            "9223372036854775807",
            "COUNT",
            "9223372036854775807"
        ],
        c!["LPOS", "lq", "a", "COUNT", "9223372036854775807"],
        c![
            "LPOS",
            "lq",
            "a",
            "RANK",
            "2",
            "COUNT",
            "9223372036854775807"
        ],
        c!["LPOS", "lq", "a", "COUNT", "-1"],
        c!["LPOS", "lq", "a", "COUNT", "x"],
        c!["LPOS", "lq", "a", "COUNT", "9223372036854775808"],
        c!["LPOS", "lq", "a", "MAXLEN", "9223372036854775807"],
        c!["LPOS", "lq", "a", "MAXLEN", "-1"],
        c!["LPOS", "lq", "a", "MAXLEN", "x"],
        c!["LPOS", "lq", "a", "MAXLEN", "-9223372036854775808"],
        c!["LPOS", "lq", "a", "RANK"],
        c!["LPOS", "lq", "a", "COUNT"],
        c!["LPOS", "lq", "a", "FOO", "1"],
        c!["LPOS", "lq", "a", "COUNT", "1", "COUNT", "2"],
        c!["LPOS", "lq", "a", "RANK", "0", "COUNT", "-1"],
        c!["LPOS", "lq", "a", "COUNT", "-1", "RANK", "0"],
        c!["LPOS", "li-missing", "a"],
        c!["LPOS", "li-missing", "a", "COUNT", "1"],
        c!["LPOS", "li-missing", "a", "RANK", "0"],
        c!["LPOS", "li-missing", "a", "FOO"],
        c!["LPUSH", "li"],
        c!["RPUSH"],
        c!["LPUSHX", "li"],
        c!["RPUSHX", "li"],
        c!["LPOP"],
        c!["RPOP"],
        c!["LLEN"],
        c!["LLEN", "li", "x"],
        c!["LRANGE", "li", "0"],
        c!["LRANGE", "li", "0", "1", "2"],
        c!["LINDEX", "li"],
        c!["LSET", "li", "0"],
        c!["LREM", "li", "0"],
        c!["LTRIM", "li", "0"],
        c!["LINSERT", "li", "BEFORE", "a"],
        c!["LPOS", "li"],
        c!["RPUSH", "{lk}a", "x", "y"],
        c!["EXPIRE", "{lk}a", "100"],
        c!["COPY", "{lk}a", "{lk}b"],
        c!["LRANGE", "{lk}b", "0", "-1"],
        c!["TTL", "{lk}a"],
        c!["TTL", "{lk}b"],
        c!["RENAME", "{lk}b", "{lk}c"],
        c!["LRANGE", "{lk}c", "0", "-1"],
        c!["COPY", "{lk}c", "lk-other"],
        c!["RENAME", "lk-other", "lk-other2"],
        c!["LRANGE", "lk-other2", "0", "-1"],
        c!["TYPE", "lk-other2"],
        c!["DEL", "{lk}a", "{lk}c", "lk-other2"],
        c!["EXISTS", "{lk}a", "{lk}c", "lk-other2"],
    ]
    .into_iter()
    .map(|v| {
        if v[0] == b"TTL" {
            (Mode::Near1, v)
        } else {
            ex(v)
        }
    })
    .collect()
}

/// Which list writes a WATCH sees: each command runs between WATCH and
/// EXEC on one connection; EXEC answers null when the command modified
/// the key in Redis's eyes (LTRIM always does, even when nothing goes).
fn list_watch() -> Vec<Step> {
    let mut s = vec![ex(c!["RPUSH", "lw", "a", "b", "c"])];
    for cmd in [
        c!["LLEN", "lw"],
        c!["LRANGE", "lw", "0", "-1"],
        c!["LINDEX", "lw", "0"],
        c!["LPOS", "lw", "a"],
        c!["LPUSHX", "lw-missing", "x"],
        c!["LPUSHX", "lw", "d"],
        c!["RPUSHX", "lw", "e"],
        c!["LPOP", "lw", "0"],
        c!["LPOP", "lw-missing"],
        c!["LSET", "lw", "100", "x"],
        c!["LSET", "lw", "0", "x"],
        c!["LREM", "lw", "0", "zz"],
        c!["LREM", "lw", "1", "x"],
        c!["LTRIM", "lw", "0", "-1"],
        c!["LTRIM", "lw-missing", "0", "-1"],
        c!["LINSERT", "lw", "BEFORE", "zz", "x"],
        c!["LINSERT", "lw", "BEFORE", "a", "x"],
        c!["LPOP", "lw"],
        c!["RPOP", "lw", "2"],
        c!["LTRIM", "lw", "5", "1"],
        c!["EXISTS", "lw"],
        c!["RPUSH", "lw", "z"],
        c!["LPUSH", "lw", "y"],
        c!["RPOP", "lw", "5"],
        c!["LLEN", "lw"],
    ] {
        s.push(ex(c!["WATCH", "lw"]));
        s.push(ex(cmd));
        s.push(ex(c!["MULTI"]));
        s.push(ex(c!["PING"]));
        s.push(ex(c!["EXEC"]));
    }
    s
}

/// Lists across many nodes: 2000 elements, reads and writes in the middle
/// (node splits and merges), an element larger than a node, and small node
/// limits set through `list-max-listpack-size` (restored by
/// `list_config_reset`, in its own pipeline).
fn list_encodings() -> Vec<Step> {
    let mut s: Vec<Step> = vec![
        numbered(&["RPUSH", "lbig"], 1000, "element-", None),
        numbered(&["LPUSH", "lbig"], 1000, "front-", None),
        c!["LLEN", "lbig"],
        c!["OBJECT", "ENCODING", "lbig"],
        c!["LINDEX", "lbig", "0"],
        c!["LINDEX", "lbig", "999"],
        c!["LINDEX", "lbig", "1000"],
        c!["LINDEX", "lbig", "1500"],
        c!["LINDEX", "lbig", "-700"],
        c!["LRANGE", "lbig", "990", "1010"],
        c!["LRANGE", "lbig", "-1010", "-990"],
        c!["LSET", "lbig", "1000", "x".repeat(20_000)],
        c!["LINDEX", "lbig", "1000"],
        c!["LINDEX", "lbig", "1001"],
        c!["LSET", "lbig", "1000", "small"],
        c!["LINSERT", "lbig", "BEFORE", "element-500", "y".repeat(9000)],
        c!["LINSERT", "lbig", "AFTER", "element-500", "inserted"],
        c!["LPOS", "lbig", "inserted"],
        c!["LPOS", "lbig", "element-7", "RANK", "-1"],
        c!["LPOS", "lbig", "element-7", "MAXLEN", "100"],
        c!["LRANGE", "lbig", "1498", "1503"],
        c!["LREM", "lbig", "0", "element-500"],
        c!["LTRIM", "lbig", "300", "-300"],
        c!["LLEN", "lbig"],
        c!["LRANGE", "lbig", "0", "3"],
        c!["LRANGE", "lbig", "-3", "-1"],
        c!["LPOP", "lbig", "700"],
        c!["RPOP", "lbig", "5"],
        c!["LRANGE", "lbig", "0", "-1"],
        c!["CONFIG", "GET", "list-max-listpack-size"],
        c!["CONFIG", "GET", "list-max-ziplist-size"],
        c!["CONFIG", "GET", "list-compress-depth"],
        c!["CONFIG", "SET", "list-max-ziplist-size", "3"],
        c!["CONFIG", "GET", "list-max-listpack-size"],
        c!["CONFIG", "SET", "list-max-listpack-size", "2147483648"],
        c!["CONFIG", "SET", "list-max-listpack-size", "x"],
        c!["CONFIG", "SET", "list-compress-depth", "-1"],
        c!["CONFIG", "SET", "list-compress-depth", "0"],
        numbered(&["RPUSH", "lsmall"], 20, "", None),
        c!["LINSERT", "lsmall", "AFTER", "4", "a"],
        c!["LINSERT", "lsmall", "BEFORE", "3", "b"],
        c!["LSET", "lsmall", "10", "c".repeat(10_000)],
        c!["LREM", "lsmall", "0", "7"],
        c!["LRANGE", "lsmall", "0", "-1"],
        c!["OBJECT", "ENCODING", "lsmall"],
        c!["CONFIG", "SET", "list-max-listpack-size", "0"],
        numbered(&["LPUSH", "lzero"], 10, "", None),
        c!["LINSERT", "lzero", "AFTER", "4", "a"],
        c!["LTRIM", "lzero", "2", "-3"],
        c!["LRANGE", "lzero", "0", "-1"],
        c!["CONFIG", "SET", "list-max-listpack-size", "-9"],
        numbered(&["RPUSH", "lhuge"], 500, "h", None),
        c!["LINDEX", "lhuge", "250"],
        c!["CONFIG", "SET", "list-max-listpack-size", "-1"],
        numbered(&["RPUSH", "lone"], 500, "o", None),
        c!["LRANGE", "lone", "270", "280"],
    ]
    .into_iter()
    .map(ex)
    .collect();
    s.push(ex(c!["LLEN", "lone"]));
    s
}

fn list_config_reset() -> Vec<Step> {
    vec![
        ex(c!["CONFIG", "SET", "list-max-listpack-size", "-2"]),
        ex(c!["CONFIG", "GET", "list-max-ziplist-size"]),
    ]
}

/// WRONGTYPE (and which error comes first) for the list commands on other
/// types, and the other types' commands on a list.
fn list_wrong_types() -> Vec<Step> {
    let mut s: Vec<Step> = vec![
        c!["SET", "wl-str", "v"],
        c!["HSET", "wl-hash", "f", "1"],
        c!["SADD", "wl-set", "m"],
        c!["RPUSH", "wl-list", "a", "b"],
        c!["TYPE", "wl-list"],
    ]
    .into_iter()
    .map(ex)
    .collect();
    for key in ["wl-str", "wl-hash", "wl-set"] {
        for cmd in [
            c!["LPUSH", key, "x"],
            c!["RPUSH", key, "x"],
            c!["LPUSHX", key, "x"],
            c!["RPUSHX", key, "x"],
            c!["LPOP", key],
            c!["LPOP", key, "0"],
            c!["LPOP", key, "2"],
            c!["LPOP", key, "x"],
            c!["RPOP", key],
            c!["RPOP", key, "-1"],
            c!["LLEN", key],
            c!["LRANGE", key, "0", "-1"],
            c!["LRANGE", key, "x", "-1"],
            c!["LINDEX", key, "0"],
            c!["LINDEX", key, "x"],
            c!["LSET", key, "0", "x"],
            c!["LSET", key, "x", "x"],
            c!["LREM", key, "0", "x"],
            c!["LREM", key, "x", "x"],
            c!["LTRIM", key, "0", "-1"],
            c!["LTRIM", key, "x", "-1"],
            c!["LINSERT", key, "BEFORE", "a", "x"],
            c!["LINSERT", key, "MIDDLE", "a", "x"],
            c!["LPOS", key, "a"],
            c!["LPOS", key, "a", "RANK", "0"],
            c!["LPOS", key, "a", "COUNT", "x"],
        ] {
            s.push(ex(cmd));
        }
    }
    for cmd in [
        c!["GET", "wl-list"],
        c!["SET", "wl-list", "x", "GET"],
        c!["INCR", "wl-list"],
        c!["APPEND", "wl-list", "x"],
        c!["STRLEN", "wl-list"],
        c!["GETRANGE", "wl-list", "0", "-1"],
        c!["SETRANGE", "wl-list", "0", "x"],
        c!["HSET", "wl-list", "f", "v"],
        c!["HGET", "wl-list", "f"],
        c!["HGETALL", "wl-list"],
        c!["HLEN", "wl-list"],
        c!["SADD", "wl-list", "m"],
        c!["SMEMBERS", "wl-list"],
        c!["SCARD", "wl-list"],
        c!["SPOP", "wl-list"],
        c!["SISMEMBER", "wl-list", "a"],
        c!["MGET", "wl-str", "wl-list"],
        c!["LRANGE", "wl-list", "0", "-1"],
        c!["SET", "wl-list", "now a string"],
        c!["TYPE", "wl-list"],
        c!["LLEN", "wl-list"],
    ] {
        s.push(ex(cmd));
    }
    s
}

/// Bit offsets at `proto-max-bulk-len`, lowered here in a pipeline of its
/// own: CONFIG SET runs on the connection when it is planned, so it is
/// not ordered with commands of the same pipeline on other shards.
fn bitmaps_limit_config() -> Vec<Step> {
    vec![ex(c!["CONFIG", "SET", "proto-max-bulk-len", "1048576"])]
}

fn bitmaps_limit() -> Vec<Step> {
    vec![
        c!["SETBIT", "bmax", "8388608", "1"],
        c!["SETBIT", "bmax", "8388607", "1"],
        c!["GETBIT", "bmax", "8388607"],
        c!["GETBIT", "bmax", "8388608"],
        c!["BITFIELD", "bmax", "GET", "u8", "8388607"],
        c!["BITFIELD", "bmax", "GET", "u8", "8388608"],
        c!["BITFIELD", "bmax", "SET", "i64", "8388607", "-1"],
        c!["BITFIELD", "bmax", "SET", "i64", "#131072", "-1"],
        c!["BITFIELD", "bmax", "SET", "i8", "#1048575", "-1"],
        c!["STRLEN", "bmax"],
        c!["BITCOUNT", "bmax"],
        c!["BITPOS", "bmax", "1", "-2"],
    ]
    .into_iter()
    .map(ex)
    .collect()
}

fn bitmaps_limit_reset() -> Vec<Step> {
    vec![ex(c!["CONFIG", "SET", "proto-max-bulk-len", "512mb"])]
}

fn resp3_lists() -> Vec<Step> {
    let mut s = vec![(Mode::Skip, c!["HELLO", "3"])];
    s.extend(
        vec![
            c!["RPUSH", "r3l", "a", "b", "c", "b"],
            c!["LPOP", "r3l-missing"],
            c!["LPOP", "r3l-missing", "2"],
            c!["RPOP", "r3l-missing", "0"],
            c!["LPOP", "r3l", "0"],
            c!["LPOP", "r3l", "2"],
            c!["RPOP", "r3l"],
            c!["LINDEX", "r3l-missing", "0"],
            c!["LINDEX", "r3l", "10"],
            c!["LPOS", "r3l", "zz"],
            c!["LPOS", "r3l-missing", "a"],
            c!["LPOS", "r3l-missing", "a", "COUNT", "1"],
            c!["LPOS", "r3l", "c", "COUNT", "0"],
            c!["LPOS", "r3l", "c"],
            c!["LRANGE", "r3l", "0", "-1"],
            c!["LRANGE", "r3l-missing", "0", "-1"],
            c!["LINSERT", "r3l", "BEFORE", "zz", "x"],
            c!["LSET", "r3l-missing", "0", "x"],
        ]
        .into_iter()
        .map(ex),
    );
    s.push((Mode::Skip, c!["HELLO", "2"]));
    s
}

/// SETBIT, GETBIT, BITCOUNT, BITPOS, BITFIELD and BITFIELD_RO: ranges in
/// bytes and bits, i64 extremes, offsets at proto-max-bulk-len, every
/// overflow mode at the edges of i64/u63 fields, errors in Redis's order,
/// wrong types and WATCH.
fn bitmaps() -> Vec<Step> {
    let mut s: Vec<Vec<Vec<u8>>> = vec![
        c!["SET", "bs", "foobar"],
        c!["SET", "bn", "12345"],
        c!["SET", "bempty", ""],
        c!["RPUSH", "blist", "a"],
        c!["SETBIT", "bb", "7", "1"],
        c!["SETBIT", "bb", "7", "1"],
        c!["SETBIT", "bb", "7", "0"],
        c!["SETBIT", "bb", "100", "1"],
        c!["GET", "bb"],
        c!["STRLEN", "bb"],
        c!["GETBIT", "bb", "100"],
        c!["GETBIT", "bb", "101"],
        c!["GETBIT", "bb", "100000"],
        c!["GETBIT", "bn", "2"],
        c!["GETBIT", "bn", "3"],
        c!["GETBIT", "nokey", "3"],
        c!["SETBIT", "bn", "0", "1"],
        c!["GET", "bn"],
        c!["OBJECT", "ENCODING", "bn"],
        c!["SETBIT", "bb", "-1", "1"],
        c!["SETBIT", "bb", "4294967296", "1"],
        c!["SETBIT", "bb", "9223372036854775807", "1"],
        c!["SETBIT", "bb", "x", "1"],
        c!["SETBIT", "bb", "0", "2"],
        c!["SETBIT", "bb", "0", "-1"],
        c!["SETBIT", "bb", "0", "x"],
        c!["SETBIT", "bb", "x", "x"],
        c!["SETBIT", "blist", "0", "1"],
        c!["SETBIT", "blist", "x", "1"],
        c!["SETBIT", "blist", "0", "x"],
        c!["GETBIT", "blist", "0"],
        c!["GETBIT", "blist", "x"],
        c!["GETBIT", "nokey", "x"],
        c!["GETBIT", "nokey", "4294967296"],
        c!["GETBIT", "nokey", "#1"],
        c!["BITCOUNT", "bs"],
        c!["BITCOUNT", "bs", "0", "0"],
        c!["BITCOUNT", "bs", "1", "1"],
        c!["BITCOUNT", "bs", "1", "-2"],
        c!["BITCOUNT", "bs", "-1", "-3"],
        c!["BITCOUNT", "bs", "5", "30", "BIT"],
        c!["BITCOUNT", "bs", "5", "30", "byte"],
        c!["BITCOUNT", "bs", "-9", "-2", "bit"],
        c!["BITCOUNT", "bs", "3", "3", "BIT"],
        c!["BITCOUNT", "bs", "0", "-1", "BIT"],
        c![
            "BITCOUNT",
            "bs",
            "-9223372036854775808",
            "9223372036854775807"
        ],
        c![
            "BITCOUNT",
            "bs",
            "-9223372036854775808",
            "9223372036854775807",
            "BIT"
        ],
        c![
            "BITCOUNT",
            "bs",
            "9223372036854775807",
            "-9223372036854775808"
        ],
        c!["BITCOUNT", "bs", "100", "200"],
        c!["BITCOUNT", "bs", "1"],
        c!["BITCOUNT", "bs", "0", "1", "BITS"],
        c!["BITCOUNT", "bs", "0", "1", "BIT", "x"],
        c!["BITCOUNT", "bs", "x", "1"],
        c!["BITCOUNT", "bs", "0", "x", "BITS"],
        c!["BITCOUNT", "bn"],
        c!["BITCOUNT", "bempty"],
        c!["BITCOUNT", "bempty", "0", "-1"],
        c!["BITCOUNT", "nokey"],
        c!["BITCOUNT", "nokey", "x", "y"],
        c!["BITCOUNT", "nokey", "1"],
        c!["BITCOUNT", "blist"],
        c!["BITCOUNT", "blist", "x", "y"],
        c!["SET", "bp", b"\xff\xf0\x00"],
        c!["BITPOS", "bp", "0"],
        c!["BITPOS", "bp", "1"],
        c!["BITPOS", "bp", "1", "1"],
        c!["BITPOS", "bp", "1", "2"],
        c!["BITPOS", "bp", "0", "0", "0"],
        c!["BITPOS", "bp", "1", "2", "-1"],
        c!["BITPOS", "bp", "0", "2", "3", "BIT"],
        c!["BITPOS", "bp", "0", "7", "11", "bit"],
        c!["BITPOS", "bp", "1", "9", "17", "BIT"],
        c!["BITPOS", "bp", "1", "12", "23", "BIT"],
        c!["BITPOS", "bp", "0", "-12", "-1", "BIT"],
        c!["BITPOS", "bp", "1", "0", "-1", "BYTE"],
        c![
            "BITPOS",
            "bp",
            "1",
            "-9223372036854775808",
            "9223372036854775807"
        ],
        c![
            "BITPOS",
            "bp",
            "0",
            "-9223372036854775808",
            "9223372036854775807",
            "BIT"
        ],
        c!["BITPOS", "bp", "1", "9223372036854775807"],
        c!["BITPOS", "bp", "1", "2", "1"],
        c!["SET", "bones", b"\xff\xff"],
        c!["BITPOS", "bones", "0"],
        c!["BITPOS", "bones", "0", "1"],
        c!["BITPOS", "bones", "0", "0", "-1"],
        c!["BITPOS", "bones", "0", "0", "15", "BIT"],
        c!["BITPOS", "bones", "1", "3", "5", "BIT"],
        c!["BITPOS", "bempty", "0"],
        c!["BITPOS", "bempty", "1"],
        c!["BITPOS", "bn", "1"],
        c!["BITPOS", "nokey", "0"],
        c!["BITPOS", "nokey", "1"],
        c!["BITPOS", "nokey", "1", "x", "y", "z", "w"],
        c!["BITPOS", "nokey", "2"],
        c!["BITPOS", "nokey", "x"],
        c!["BITPOS", "bp", "2"],
        c!["BITPOS", "bp", "-1"],
        c!["BITPOS", "bp", "1", "x"],
        c!["BITPOS", "bp", "1", "0", "x"],
        c!["BITPOS", "bp", "1", "0", "x", "BITS"],
        c!["BITPOS", "bp", "1", "0", "1", "BIT", "x"],
        c!["BITPOS", "blist", "1"],
        c!["BITPOS", "blist", "1", "x"],
        c!["BITFIELD", "bf", "SET", "u8", "0", "255", "GET", "u8", "0", "GET", "i8", "0"],
        c!["BITFIELD", "bf", "INCRBY", "u8", "0", "10", "GET", "u4", "4"],
        c![
            "BITFIELD", "bf", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "300", "INCRBY", "u8", "0",
            "-300"
        ],
        c![
            "BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300", "INCRBY", "u8", "0",
            "-1"
        ],
        c![
            "BITFIELD", "bf", "overflow", "wrap", "incrby", "i8", "0", "200", "incrby", "i8", "0",
            "-300"
        ],
        c![
            "BITFIELD", "bf", "OVERFLOW", "SAT", "SET", "u8", "8", "-1", "SET", "i8", "16", "1000",
            "SET", "i8", "24", "-1000"
        ],
        c![
            "BITFIELD", "bf", "OVERFLOW", "FAIL", "SET", "u8", "8", "-1", "SET", "i8", "16", "127",
            "SET", "i8", "24", "128"
        ],
        c!["BITFIELD", "bf", "SET", "u8", "8", "-1", "SET", "i4", "16", "100"],
        c![
            "BITFIELD",
            "bf",
            "SET",
            "i64",
            "32",
            "9223372036854775807",
            "INCRBY",
            "i64",
            "32",
            "1"
        ],
        c![
            "BITFIELD",
            "bf",
            "OVERFLOW",
            "SAT",
            "INCRBY",
            "i64",
            "32",
            "-1",
            "INCRBY",
            "i64",
            "32",
            "-9223372036854775808"
        ],
        c!["BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "i64", "32", "-1", "GET", "i64", "32"],
        c![
            "BITFIELD",
            "bf",
            "SET",
            "i64",
            "32",
            "-9223372036854775808",
            "OVERFLOW",
            "WRAP",
            "INCRBY",
            "i64",
            "32",
            "-1"
        ],
        c![
            "BITFIELD",
            "bf",
            "SET",
            "u63",
            "100",
            "9223372036854775807",
            "GET",
            "u63",
            "100"
        ],
        c![
            "BITFIELD",
            "bf",
            "OVERFLOW",
            "SAT",
            "INCRBY",
            "u63",
            "100",
            "9223372036854775807",
            "INCRBY",
            "u63",
            "100",
            "-9223372036854775808"
        ],
        c![
            "BITFIELD",
            "bf",
            "OVERFLOW",
            "WRAP",
            "INCRBY",
            "u63",
            "100",
            "9223372036854775807",
            "INCRBY",
            "u63",
            "100",
            "-9223372036854775808"
        ],
        c![
            "BITFIELD",
            "bf",
            "OVERFLOW",
            "FAIL",
            "INCRBY",
            "u63",
            "100",
            "9223372036854775807"
        ],
        c![
            "BITFIELD", "bf", "OVERFLOW", "SAT", "SET", "u1", "0", "2", "SET", "i1", "1", "-1",
            "SET", "i1", "2", "1", "INCRBY", "i1", "3", "-5"
        ],
        c!["BITFIELD", "bf", "GET", "u8", "#1", "SET", "u8", "#2", "7", "GET", "u8", "16"],
        c!["BITFIELD", "bf", "GET", "u8", "#2305843009213693952"],
        c!["BITFIELD", "bf", "GET", "u8", "#2305843009213693951"],
        c!["BITFIELD", "bf", "GET", "u8", "#-1"],
        c!["BITFIELD", "bf", "GET", "u8", "#"],
        c!["BITFIELD", "bf", "GET", "u8", "4294967295"],
        c!["BITFIELD", "bf", "GET", "u8", "4294967296"],
        c!["BITFIELD", "bf", "GET", "u64", "0"],
        c!["BITFIELD", "bf", "GET", "i65", "0"],
        c!["BITFIELD", "bf", "GET", "i0", "0"],
        c!["BITFIELD", "bf", "GET", "U8", "0"],
        c!["BITFIELD", "bf", "GET", "8", "0"],
        c!["BITFIELD", "bf", "GET", "u08", "0"],
        c!["BITFIELD", "bf", "GET", "u8"],
        c!["BITFIELD", "bf", "SET", "u8", "0"],
        c!["BITFIELD", "bf", "SET", "u8", "0", "x"],
        c!["BITFIELD", "bf", "INCRBY", "u8", "0", "9223372036854775808"],
        c!["BITFIELD", "bf", "OVERFLOW"],
        c!["BITFIELD", "bf", "OVERFLOW", "BAD", "GET", "u8", "0"],
        c!["BITFIELD", "bf", "GET", "u8", "0", "BAD"],
        c!["BITFIELD", "bf", "SET", "u8", "0", "1", "GET", "u64", "0"],
        c!["BITFIELD", "bf"],
        c!["BITFIELD", "bf", "OVERFLOW", "SAT"],
        c!["GET", "bf"],
        c!["BITFIELD", "bnew", "OVERFLOW", "FAIL", "INCRBY", "u2", "10", "10"],
        c!["GET", "bnew"],
        c!["BITFIELD", "nokey", "GET", "i64", "0", "GET", "u63", "1000"],
        c!["EXISTS", "nokey"],
        c!["BITFIELD", "bn", "GET", "u8", "0", "INCRBY", "u8", "0", "1"],
        c!["GET", "bn"],
        c!["BITFIELD", "blist", "GET", "u8", "0"],
        c!["BITFIELD", "blist", "SET", "u8", "0", "1"],
        c!["BITFIELD", "blist", "GET", "u64", "0"],
        c!["BITFIELD_RO", "bs", "GET", "u8", "0", "GET", "i8", "#1"],
        c!["BITFIELD_RO", "bs", "SET", "u8", "0", "1"],
        c!["BITFIELD_RO", "bs", "INCRBY", "u8", "0", "1"],
        c!["BITFIELD_RO", "bs", "OVERFLOW", "SAT", "GET", "u8", "0"],
        c!["BITFIELD_RO", "bs", "GET", "u64", "0"],
        c!["BITFIELD_RO", "blist", "GET", "u8", "0"],
        c!["BITFIELD_RO", "blist", "SET", "u8", "0", "1"],
        c!["BITFIELD_RO", "nokey", "GET", "u8", "0"],
        c!["BITFIELD_RO", "bs"],
        c!["SETBIT", "bs"],
        c!["GETBIT", "bs"],
        c!["BITCOUNT"],
        c!["BITPOS", "bs"],
        c!["BITFIELD"],
        c!["BITFIELD_RO"],
    ];
    for cmd in [
        c!["SETBIT", "bw", "3", "1"],
        c!["SETBIT", "bw", "3", "1"],
        c!["SETBIT", "bw", "3", "0"],
        c!["SETBIT", "bw", "3", "0"],
        c!["SETBIT", "bw", "100", "0"],
        c!["GETBIT", "bw", "3"],
        c!["BITCOUNT", "bw"],
        c!["BITFIELD", "bw", "GET", "u8", "0"],
        c!["BITFIELD", "bw", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "100"],
        c!["BITFIELD", "bw", "SET", "u8", "0", "0"],
        c!["BITFIELD", "bw", "SET", "u8", "0", "1"],
        c!["BITFIELD", "bw", "INCRBY", "u8", "0", "0"],
        c!["BITFIELD", "bw", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "1000"],
        c!["BITFIELD", "bw", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "1000"],
        c!["BITFIELD", "bw", "OVERFLOW", "FAIL", "SET", "u8", "2000", "0"],
        c!["BITFIELD", "bw", "OVERFLOW", "FAIL", "SET", "u2", "3000", "9"],
        c!["EXISTS", "bw"],
    ] {
        s.push(c!["WATCH", "bw"]);
        s.push(cmd);
        s.push(c!["MULTI"]);
        s.push(c!["PING"]);
        s.push(c!["EXEC"]);
    }
    let mut steps: Vec<Step> = s.into_iter().map(ex).collect();
    steps.push((Mode::Skip, c!["HELLO", "3"]));
    steps.extend(
        [
            c!["BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "1000", "GET", "u8", "0"],
            c!["BITFIELD_RO", "nokey", "GET", "u8", "0"],
            c!["BITPOS", "bp", "1"],
        ]
        .into_iter()
        .map(ex),
    );
    steps.push((Mode::Skip, c!["HELLO", "2"]));
    steps
}

/// A member `m<i>` of the numbered sorted sets.
fn is_numbered_member(u: &[Vec<u8>]) -> bool {
    u.len() == 1 && u[0].first() == Some(&b'm') && u[0][1..].iter().all(u8::is_ascii_digit)
}

/// A member `m<i>` with its score `<i>`.
fn is_numbered_scored(u: &[Vec<u8>]) -> bool {
    u.len() == 2 && u[0].first() == Some(&b'm') && u[0][1..] == u[1][..]
}

/// One of a, b, c (scores 1, 2, 3) with its score.
fn is_abc_scored(u: &[Vec<u8>]) -> bool {
    is_abc_pair(u)
}

fn zsets() -> Vec<Step> {
    let mut s: Vec<Step> = vec![
        c!["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        c!["ZADD", "z", "1", "a"],
        c!["ZADD", "z", "CH", "1", "a", "5", "b", "4", "d"],
        c!["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        c!["ZCARD", "z"],
        c!["ZCARD", "nokey"],
        c!["ZSCORE", "z", "b"],
        c!["ZSCORE", "z", "nomember"],
        c!["ZSCORE", "nokey", "a"],
        c!["ZMSCORE", "z", "a", "nomember", "d"],
        c!["ZMSCORE", "nokey", "a", "b"],
        c!["OBJECT", "ENCODING", "z"],
        c!["TYPE", "z"],
        // Options and their combinations.
        c!["ZADD", "z", "NX", "10", "a", "10", "e"],
        c!["ZADD", "z", "XX", "10", "a", "10", "f"],
        c!["ZADD", "z", "XX", "CH", "11", "a", "10", "f"],
        c!["ZADD", "z", "GT", "CH", "1", "a", "20", "b"],
        c!["ZADD", "z", "LT", "CH", "1", "a", "30", "b"],
        c!["ZADD", "z", "XX", "GT", "CH", "100", "c"],
        c!["ZADD", "z", "nx", "xx", "1", "a"],
        c!["ZADD", "z", "GT", "LT", "1", "a"],
        c!["ZADD", "z", "NX", "GT", "1", "a"],
        c!["ZADD", "z", "NX", "LT", "1", "a"],
        c!["ZADD", "z", "INCR", "1", "a", "2", "b"],
        c!["ZADD", "z", "1"],
        c!["ZADD", "z", "1", "a", "2"],
        c!["ZADD", "z", "NX"],
        c!["ZADD", "z", "NX", "XX"],
        c!["ZADD", "z", "CH", "CH", "1"],
        c!["ZADD", "z", "x", "a"],
        c!["ZADD", "z", "1", "a", "x", "b"],
        c!["ZADD", "z", "nan", "a"],
        c!["ZADD", "z", "NaN", "a"],
        c!["ZADD", "z", " 1", "a"],
        c!["ZADD", "z", "1 ", "a"],
        c!["ZADD", "z", "", "a"],
        c!["ZADD", "z", "1e400", "a"],
        c!["ZADD", "z", "inf", "pinf", "-inf", "ninf", "+inf", "pinf2"],
        c!["ZADD", "z", "-0", "negzero", "1.5e-7", "tiny", "1e20", "huge"],
        c!["ZADD", "z", "0.1", "tenth", "3.0000000000000004", "close"],
        c!["ZRANGE", "z", "0", "-1", "WITHSCORES"],
        c!["ZSCORE", "z", "negzero"],
        c!["ZADD", "z", "0", "negzero"],
        c!["ZSCORE", "z", "negzero"],
        c!["ZADD", "z", "INCR", "1", "a"],
        c!["ZADD", "z", "INCR", "NX", "1", "a"],
        c!["ZADD", "z", "INCR", "XX", "1", "nomember"],
        c!["ZADD", "z", "INCR", "GT", "-1", "a"],
        c!["ZADD", "z", "INCR", "LT", "-1", "a"],
        c!["ZADD", "z", "INCR", "XX", "CH", "0", "a"],
        c!["ZADD", "z", "INCR", "-inf", "pinf"],
        c!["ZADD", "z", "INCR", "inf", "pinf"],
        c!["ZADD", "z", "INCR", "-inf", "ninf"],
        c!["ZSCORE", "z", "pinf"],
        c!["ZADD", "zxx", "XX", "1", "a"],
        c!["ZADD", "zxx", "XX", "INCR", "1", "a"],
        c!["EXISTS", "zxx"],
        c!["ZADD", "znx", "NX", "INCR", "2.5", "a"],
        c!["ZADD", "zgt", "GT", "1", "a"],
        c!["ZRANGE", "zgt", "0", "-1", "WITHSCORES"],
        // ZINCRBY.
        c!["ZINCRBY", "z", "2", "a"],
        c!["ZINCRBY", "z", "-2.5", "new"],
        c!["ZINCRBY", "z", "x", "a"],
        c!["ZINCRBY", "z", "nan", "a"],
        c!["ZINCRBY", "z", "NX", "a"],
        c!["ZINCRBY", "z", "inf", "pinf"],
        c!["ZINCRBY", "z", "-inf", "pinf"],
        c!["ZINCRBY", "z", "1e308", "huge"],
        c!["ZINCRBY", "z", "1e308", "huge"],
        c!["ZINCRBY", "zinc-new", "-inf", "m"],
        c!["ZINCRBY", "z", "1"],
        c!["ZRANGE", "zinc-new", "0", "-1", "WITHSCORES"],
        // Ranks.
        c!["ZRANK", "z", "a"],
        c!["ZREVRANK", "z", "a"],
        c!["ZRANK", "z", "nomember"],
        c!["ZRANK", "nokey", "a"],
        c!["ZREVRANK", "nokey", "a"],
        c!["ZRANK", "z"],
        // Counts.
        c!["ZCOUNT", "z", "-inf", "+inf"],
        c!["ZCOUNT", "z", "(0", "(1"],
        c!["ZCOUNT", "z", "0", "1"],
        c!["ZCOUNT", "z", "1", "0"],
        c!["ZCOUNT", "z", "(1", "1"],
        c!["ZCOUNT", "z", "1", "(1"],
        c!["ZCOUNT", "z", "[1", "2"],
        c!["ZCOUNT", "z", "x", "2"],
        c!["ZCOUNT", "z", "1", "nan"],
        c!["ZCOUNT", "z", "(nan", "1"],
        c!["ZCOUNT", "z", "", ""],
        c!["ZCOUNT", "z", "(", "+inf"],
        c!["ZCOUNT", "z", " 1", "inf"],
        c!["ZCOUNT", "z", "1 ", "inf"],
        c!["ZCOUNT", "z", "-Infinity", "1e999"],
        c!["ZCOUNT", "nokey", "0", "1"],
        c!["ZCOUNT", "nokey", "x", "1"],
        // Ranges by rank.
        c!["ZRANGE", "z", "0", "2"],
        c!["ZRANGE", "z", "-3", "-1", "WITHSCORES"],
        c!["ZRANGE", "z", "2", "1"],
        c!["ZRANGE", "z", "100", "200"],
        c!["ZRANGE", "z", "-100", "1"],
        c!["ZRANGE", "z", "0", "-100"],
        c!["ZRANGE", "z", "-9223372036854775808", "9223372036854775807"],
        c!["ZRANGE", "z", "0", "9223372036854775808"],
        c!["ZRANGE", "z", "x", "1"],
        c!["ZRANGE", "z", "0", "1", "REV"],
        c!["ZRANGE", "z", "0", "1", "REV", "WITHSCORES"],
        c!["ZREVRANGE", "z", "0", "2", "WITHSCORES"],
        c!["ZREVRANGE", "z", "-2", "-1"],
        c!["ZREVRANGE", "z", "0", "1", "REV"],
        c!["ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1"],
        c!["ZRANGE", "z", "0", "1", "LIMIT", "0", "1"],
        c!["ZRANGE", "z", "0", "1", "LIMIT", "0", "-1"],
        c!["ZRANGE", "z", "0", "1", "LIMIT", "0"],
        c!["ZRANGE", "z", "0", "1", "LIMIT", "x", "1"],
        c!["ZRANGE", "z", "0", "1", "FOO"],
        c!["ZRANGE", "z", "0", "1", "WITHSCORES", "WITHSCORES"],
        c!["ZRANGE", "nokey", "0", "-1"],
        c!["ZRANGE", "nokey", "x", "-1"],
        c!["ZRANGE", "z", "0"],
        // Ranges by score.
        c!["ZRANGE", "z", "-inf", "+inf", "BYSCORE", "WITHSCORES"],
        c!["ZRANGE", "z", "(1", "10", "BYSCORE", "LIMIT", "1", "2"],
        c![
            "ZRANGE",
            "z",
            "10",
            "(1",
            "BYSCORE",
            "REV",
            "LIMIT",
            "1",
            "2",
            "WITHSCORES"
        ],
        c!["ZRANGE", "z", "1", "10", "BYSCORE", "BYLEX"],
        c!["ZRANGE", "z", "1", "10", "BYSCORE", "BYSCORE"],
        c!["ZRANGE", "z", "1", "10", "BYSCORE", "REV", "REV"],
        c!["ZRANGE", "z", "x", "10", "BYSCORE"],
        c!["ZRANGEBYSCORE", "z", "-inf", "+inf"],
        c!["ZRANGEBYSCORE", "z", "1", "3", "WITHSCORES"],
        c!["ZRANGEBYSCORE", "z", "(1", "(3"],
        c!["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "2", "3"],
        c!["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "2", "-1"],
        c!["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "2", "-5"],
        c!["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "3"],
        c!["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "100", "3"],
        c!["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", "0"],
        c![
            "ZRANGEBYSCORE",
            "z",
            "-inf",
            "+inf",
            "LIMIT",
            "0",
            "9223372036854775807"
        ],
        c![
            "ZRANGEBYSCORE",
            "z",
            "-inf",
            "+inf",
            "LIMIT",
            "9223372036854775807",
            "1"
        ],
        c!["ZRANGEBYSCORE", "z", "-inf", "+inf", "REV"],
        c!["ZRANGEBYSCORE", "z", "-inf", "+inf", "BYLEX"],
        c!["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1"],
        c!["ZRANGEBYSCORE", "z", "a", "b"],
        c!["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "WITHSCORES"],
        c!["ZREVRANGEBYSCORE", "z", "3", "(1"],
        c!["ZREVRANGEBYSCORE", "z", "-inf", "+inf"],
        c![
            "ZREVRANGEBYSCORE",
            "z",
            "+inf",
            "-inf",
            "LIMIT",
            "1",
            "2",
            "WITHSCORES"
        ],
        c!["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "-1"],
        c!["ZRANGEBYSCORE", "nokey", "0", "1"],
        c!["ZRANGEBYSCORE", "nokey", "x", "1"],
        // Lex ranges (equal scores).
        c!["ZADD", "zl", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "", "0", "ab"],
        c!["ZRANGEBYLEX", "zl", "-", "+"],
        c!["ZRANGEBYLEX", "zl", "[b", "(d"],
        c!["ZRANGEBYLEX", "zl", "(a", "[c"],
        c!["ZRANGEBYLEX", "zl", "[", "[a"],
        c!["ZRANGEBYLEX", "zl", "(", "+"],
        c!["ZRANGEBYLEX", "zl", "+", "-"],
        c!["ZRANGEBYLEX", "zl", "-", "+", "LIMIT", "1", "3"],
        c!["ZRANGEBYLEX", "zl", "-", "+", "LIMIT", "-1", "3"],
        c!["ZRANGEBYLEX", "zl", "-", "+", "WITHSCORES"],
        c!["ZRANGEBYLEX", "zl", "a", "+"],
        c!["ZRANGEBYLEX", "zl", "-a", "+"],
        c!["ZRANGEBYLEX", "zl", "", "+"],
        c!["ZRANGEBYLEX", "zl", "-", "++"],
        c!["ZREVRANGEBYLEX", "zl", "+", "-"],
        c!["ZREVRANGEBYLEX", "zl", "(d", "[b"],
        c!["ZREVRANGEBYLEX", "zl", "+", "-", "LIMIT", "2", "2"],
        c!["ZREVRANGEBYLEX", "zl", "-", "+"],
        c!["ZRANGE", "zl", "[b", "[d", "BYLEX"],
        c!["ZRANGE", "zl", "[d", "[b", "BYLEX", "REV", "LIMIT", "0", "2"],
        c!["ZRANGE", "zl", "-", "+", "BYLEX", "WITHSCORES"],
        c!["ZRANGE", "zl", "x", "+", "BYLEX"],
        c!["ZLEXCOUNT", "zl", "-", "+"],
        c!["ZLEXCOUNT", "zl", "[b", "(d"],
        c!["ZLEXCOUNT", "zl", "(e", "+"],
        c!["ZLEXCOUNT", "zl", "x", "+"],
        c!["ZLEXCOUNT", "nokey", "-", "+"],
        c!["ZLEXCOUNT", "nokey", "x", "+"],
        c!["ZRANK", "zl", "ab"],
        // Removal.
        c!["ZREM", "zl", "a", "nomember", "a", "b"],
        c!["ZREM", "nokey", "a"],
        c!["ZREM", "zl"],
        c!["ZREMRANGEBYLEX", "zl", "[c", "[d"],
        c!["ZREMRANGEBYLEX", "zl", "x", "[d"],
        c!["ZREMRANGEBYLEX", "nokey", "-", "+"],
        c!["ZREMRANGEBYLEX", "nokey", "x", "+"],
        c!["ZRANGE", "zl", "0", "-1"],
        c!["ZREMRANGEBYLEX", "zl", "-", "+"],
        c!["EXISTS", "zl"],
        c!["ZADD", "zr", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"],
        c!["ZREMRANGEBYRANK", "zr", "1", "2"],
        c!["ZREMRANGEBYRANK", "zr", "5", "10"],
        c!["ZREMRANGEBYRANK", "zr", "-1", "-1"],
        c!["ZREMRANGEBYRANK", "zr", "x", "1"],
        c!["ZREMRANGEBYRANK", "zr", "2", "1"],
        c!["ZREMRANGEBYRANK", "nokey", "0", "1"],
        c!["ZRANGE", "zr", "0", "-1", "WITHSCORES"],
        c!["ZREMRANGEBYSCORE", "zr", "(1", "+inf"],
        c!["ZREMRANGEBYSCORE", "zr", "x", "+inf"],
        c!["ZREMRANGEBYSCORE", "zr", "-inf", "(1"],
        c!["ZREMRANGEBYSCORE", "zr", "-inf", "+inf"],
        c!["EXISTS", "zr"],
        c!["ZREMRANGEBYSCORE", "nokey", "0", "1"],
        // Pops.
        c!["ZADD", "zp", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"],
        c!["ZPOPMIN", "zp"],
        c!["ZPOPMAX", "zp"],
        c!["ZPOPMIN", "zp", "2"],
        c!["ZPOPMIN", "zp", "0"],
        c!["ZPOPMIN", "zp", "-1"],
        c!["ZPOPMIN", "zp", "x"],
        c!["ZPOPMIN", "zp", "1", "2"],
        c!["ZPOPMAX", "zp", "9223372036854775807"],
        c!["EXISTS", "zp"],
        c!["ZPOPMIN", "nokey"],
        c!["ZPOPMAX", "nokey", "3"],
        c!["ZPOPMIN", "nokey", "-3"],
        c!["ZPOPMIN", "nokey", "0"],
        c!["ZPOPMIN"],
        // Random members.
        c!["ZRANDMEMBER", "nokey"],
        c!["ZRANDMEMBER", "nokey", "5"],
        c!["ZRANDMEMBER", "nokey", "5", "WITHSCORES"],
        c!["ZRANDMEMBER", "nokey", "-9223372036854775808"],
        c!["ZRANDMEMBER", "nokey", "-9223372036854775807"],
        c!["ZRANDMEMBER", "nokey", "x"],
        c!["ZRANDMEMBER", "nokey", "1", "foo"],
        c!["ZRANDMEMBER", "nokey", "1", "WITHSCORES", "x"],
        c!["ZRANDMEMBER", "nokey", "4611686018427387904", "WITHSCORES"],
        c!["ZADD", "zrand", "1", "a", "2", "b", "3", "c"],
        c!["ZRANDMEMBER", "zrand", "0"],
        c!["ZRANDMEMBER", "zrand", "0", "WITHSCORES"],
        c!["ZRANDMEMBER", "zrand", "3"],
        c!["ZRANDMEMBER", "zrand", "10", "withscores"],
        c!["ZRANDMEMBER", "zrand", "9223372036854775807"],
        c!["ZRANDMEMBER", "zrand", "9223372036854775807", "WITHSCORES"],
        c!["ZRANDMEMBER", "zrand", "4611686018427387903", "WITHSCORES"],
        c!["ZRANDMEMBER", "zrand", "-9223372036854775808"],
        c!["ZRANDMEMBER", "zrand", "-4611686018427387904", "WITHSCORES"],
        c!["ZRANDMEMBER", "zrand", "4611686018427387904", "WITHSCORES"],
        c!["ZRANDMEMBER", "zrand", "1", "WITHSCORE"],
        // Scans.
        c!["ZSCAN", "zrand", "0"],
        c!["ZSCAN", "zrand", "0", "MATCH", "[ab]", "COUNT", "1"],
        c!["ZSCAN", "zrand", "0", "COUNT", "0"],
        c!["ZSCAN", "zrand", "0", "TYPE", "zset"],
        c!["ZSCAN", "zrand", "x"],
        c!["ZSCAN", "nokey", "0"],
        c!["ZSCAN", "nokey", "x"],
        c!["ZSCAN", "zrand"],
        c!["ZADD", "zsc", "-0", "z", "0.1", "t", "inf", "i", "1e300", "h"],
        c!["ZSCAN", "zsc", "0"],
        // Keyspace commands on a sorted set.
        c!["COPY", "zsc", "zsc-copy"],
        c!["ZRANGE", "zsc-copy", "0", "-1", "WITHSCORES"],
        c!["RENAME", "zsc-copy", "zsc-renamed"],
        c!["ZCARD", "zsc-renamed"],
        c!["EXPIRE", "zsc-renamed", "100"],
        c!["ZADD", "zsc-renamed", "5", "five"],
        c!["TTL", "zsc-renamed"],
        c!["DEL", "zsc-renamed"],
        c!["EXISTS", "zsc-renamed"],
        c!["ZADD", "zexp", "1", "a"],
        c!["PEXPIREAT", "zexp", "1"],
        c!["ZCARD", "zexp"],
        c!["ZADD", "zexp", "XX", "1", "a"],
        c!["EXISTS", "zexp"],
    ]
    .into_iter()
    .map(ex)
    .collect();
    s.extend([
        random(1, true, is_abc, c!["ZRANDMEMBER", "zrand"]),
        random(1, true, is_abc, c!["ZRANDMEMBER", "zrand", "1"]),
        random(1, true, is_abc, c!["ZRANDMEMBER", "zrand", "2"]),
        random(1, false, is_abc, c!["ZRANDMEMBER", "zrand", "-7"]),
        random(
            2,
            true,
            is_abc_scored,
            c!["ZRANDMEMBER", "zrand", "2", "WITHSCORES"],
        ),
        random(
            2,
            false,
            is_abc_scored,
            c!["ZRANDMEMBER", "zrand", "-7", "WITHSCORES"],
        ),
    ]);
    s
}

/// Conversion at 128 members or a 65-byte member, and the skip list's
/// ranks and ranges.
fn zset_encodings() -> Vec<Step> {
    let m64 = "m".repeat(64);
    let m65 = "m".repeat(65);
    let mut s: Vec<Step> = vec![
        ex(c!["ZADD", "ze1", "1", m64.as_str()]),
        ex(c!["OBJECT", "ENCODING", "ze1"]),
        ex(c!["ZADD", "ze1", "2", m65.as_str()]),
        ex(c!["OBJECT", "ENCODING", "ze1"]),
        ex(c!["ZREM", "ze1", m65.as_str()]),
        ex(c!["OBJECT", "ENCODING", "ze1"]),
        // A long first member starts a skip list.
        ex(c!["ZADD", "ze2", "1", m65.as_str(), "2", "a"]),
        ex(c!["OBJECT", "ENCODING", "ze2"]),
        ex(c!["ZINCRBY", "ze3", "1", m65.as_str()]),
        ex(c!["OBJECT", "ENCODING", "ze3"]),
        ex(c!["ZADD", "ze4", "1", "a", "2", m65.as_str()]),
        ex(c!["OBJECT", "ENCODING", "ze4"]),
    ];
    // 128 members stay a listpack; the 129th makes a skip list.
    let mut add = c!["ZADD", "zbig"];
    for i in 0..128 {
        add.push(i.to_string().into_bytes());
        add.push(format!("m{i}").into_bytes());
    }
    s.push(ex(add));
    s.extend(
        [
            c!["OBJECT", "ENCODING", "zbig"],
            c!["ZADD", "zbig", "5", "m5"],
            c!["OBJECT", "ENCODING", "zbig"],
            c!["ZADD", "zbig", "128", "m128"],
            c!["OBJECT", "ENCODING", "zbig"],
            c!["ZCARD", "zbig"],
        ]
        .into_iter()
        .map(ex),
    );
    // A bigger one, with ties, for ranks and ranges on the skip list.
    let mut add = c!["ZADD", "zbig"];
    for i in 129..1000 {
        add.push(i.to_string().into_bytes());
        add.push(format!("m{i}").into_bytes());
    }
    s.push(ex(add));
    let mut ties = c!["ZADD", "ztie"];
    for i in 0..300 {
        ties.push(b"7".to_vec());
        ties.push(format!("t{i:03}").into_bytes());
    }
    s.push(ex(ties));
    s.extend(
        [
            c!["OBJECT", "ENCODING", "zbig"],
            c!["ZCARD", "zbig"],
            c!["ZRANGE", "zbig", "0", "9", "WITHSCORES"],
            c!["ZRANGE", "zbig", "500", "510"],
            c!["ZRANGE", "zbig", "-5", "-1", "WITHSCORES"],
            c!["ZREVRANGE", "zbig", "3", "7", "WITHSCORES"],
            c!["ZRANGE", "zbig", "995", "2000"],
            c!["ZRANK", "zbig", "m700"],
            c!["ZREVRANK", "zbig", "m700"],
            c!["ZSCORE", "zbig", "m999"],
            c!["ZMSCORE", "zbig", "m1", "m1000", "m0"],
            c!["ZCOUNT", "zbig", "(100", "200"],
            c!["ZCOUNT", "zbig", "-inf", "+inf"],
            c!["ZRANGEBYSCORE", "zbig", "(100", "110", "WITHSCORES"],
            c!["ZRANGEBYSCORE", "zbig", "100", "+inf", "LIMIT", "10", "5"],
            c![
                "ZREVRANGEBYSCORE",
                "zbig",
                "900",
                "(100",
                "LIMIT",
                "10",
                "5"
            ],
            c![
                "ZRANGE",
                "zbig",
                "(500",
                "-inf",
                "BYSCORE",
                "REV",
                "LIMIT",
                "0",
                "3",
                "WITHSCORES"
            ],
            c!["ZINCRBY", "zbig", "-1000", "m500"],
            c!["ZRANGE", "zbig", "0", "1", "WITHSCORES"],
            c!["ZADD", "zbig", "XX", "CH", "1000.5", "m0", "2", "m1", "3", "nope"],
            c!["ZRANGE", "zbig", "-2", "-1", "WITHSCORES"],
            c!["ZRANK", "zbig", "m0"],
            c!["ZREM", "zbig", "m0", "m1", "m2", "m3", "nope"],
            c!["ZREMRANGEBYRANK", "zbig", "100", "199"],
            c!["ZREMRANGEBYSCORE", "zbig", "(600", "700"],
            c!["ZCARD", "zbig"],
            c!["ZRANGE", "zbig", "95", "105", "WITHSCORES"],
            c!["ZRANK", "zbig", "m701"],
            c!["ZPOPMIN", "zbig", "3"],
            c!["ZPOPMAX", "zbig", "2"],
            c!["ZPOPMAX", "zbig"],
            c!["OBJECT", "ENCODING", "zbig"],
            c!["ZRANGEBYLEX", "ztie", "[t100", "(t105"],
            c!["ZREVRANGEBYLEX", "ztie", "(t200", "-", "LIMIT", "0", "4"],
            c!["ZLEXCOUNT", "ztie", "(t000", "[t299"],
            c!["ZRANK", "ztie", "t150"],
            c!["ZREMRANGEBYLEX", "ztie", "[t100", "[t199"],
            c!["ZRANGE", "ztie", "98", "102"],
            c!["OBJECT", "ENCODING", "ztie"],
        ]
        .into_iter()
        .map(ex),
    );
    s.extend([
        sorted(c!["ZRANDMEMBER", "zbig", "5000"]),
        random(1, true, is_numbered_member, c!["ZRANDMEMBER", "zbig", "5"]),
        random(
            1,
            true,
            is_numbered_member,
            c!["ZRANDMEMBER", "zbig", "300"],
        ),
        random(
            1,
            false,
            is_numbered_member,
            c!["ZRANDMEMBER", "zbig", "-600"],
        ),
        random(
            2,
            true,
            is_numbered_scored,
            c!["ZRANDMEMBER", "zbig", "20", "WITHSCORES"],
        ),
        random(1, true, is_numbered_member, c!["ZRANDMEMBER", "zbig"]),
        (
            Mode::ScanAll { unit: 2 },
            c!["ZSCAN", "zbig", "0", "COUNT", "100000"],
        ),
        (
            Mode::ScanAll { unit: 2 },
            c!["ZSCAN", "zbig", "0", "MATCH", "*7", "COUNT", "100000"],
        ),
        ex(c!["ZREMRANGEBYRANK", "zbig", "0", "-1"]),
        ex(c!["EXISTS", "zbig"]),
    ]);
    s
}

/// The thresholds are settings; lowered here and restored in `config_reset`.
fn zset_config() -> Vec<Step> {
    vec![
        c!["CONFIG", "SET", "zset-max-ziplist-entries", "2"],
        c!["CONFIG", "SET", "zset-max-listpack-value", "3"],
        c!["CONFIG", "GET", "zset-max-listpack-entries"],
        c!["CONFIG", "GET", "zset-max-ziplist-value"],
        c!["CONFIG", "SET", "zset-max-listpack-entries", "-1"],
        c!["CONFIG", "SET", "zset-max-listpack-value", "x"],
        c!["ZADD", "cz", "1", "a", "2", "b"],
        c!["OBJECT", "ENCODING", "cz"],
        c!["ZADD", "cz", "3", "c"],
        c!["OBJECT", "ENCODING", "cz"],
        c!["ZADD", "cz2", "1", "abc"],
        c!["OBJECT", "ENCODING", "cz2"],
        c!["ZADD", "cz2", "1", "abcd"],
        c!["OBJECT", "ENCODING", "cz2"],
        c!["ZADD", "cz3", "1", "abcd"],
        c!["OBJECT", "ENCODING", "cz3"],
    ]
    .into_iter()
    .map(ex)
    .collect()
}

/// With `zset-max-listpack-entries 0` every sorted set is a skip list. Set
/// in a pipeline of its own: a pipeline runs CONFIG SET when it plans it,
/// before the commands it sends to other shards.
fn zset_config_zero() -> Vec<Step> {
    vec![ex(c!["CONFIG", "SET", "zset-max-listpack-entries", "0"])]
}

fn zset_config_zero_use() -> Vec<Step> {
    vec![
        c!["ZADD", "cz4", "1", "a"],
        c!["OBJECT", "ENCODING", "cz4"],
        c!["ZINCRBY", "cz5", "1", "a"],
        c!["OBJECT", "ENCODING", "cz5"],
    ]
    .into_iter()
    .map(ex)
    .collect()
}

fn zset_wrong_types() -> Vec<Step> {
    let mut s: Vec<Step> = vec![
        c!["SET", "zwstr", "v"],
        c!["HSET", "zwh", "f", "1"],
        c!["SADD", "zws", "m"],
        c!["ZADD", "zwz", "1", "m"],
        c!["TYPE", "zwz"],
        c!["OBJECT", "ENCODING", "zwz"],
    ]
    .into_iter()
    .map(ex)
    .collect();
    for key in ["zwstr", "zwh", "zws"] {
        for cmd in [
            c!["ZADD", key, "1", "m"],
            c!["ZADD", key, "x", "m"],
            c!["ZADD", key, "XX", "1", "m"],
            c!["ZADD", key, "INCR", "1", "m"],
            c!["ZINCRBY", key, "1", "m"],
            c!["ZREM", key, "m"],
            c!["ZSCORE", key, "m"],
            c!["ZMSCORE", key, "m"],
            c!["ZCARD", key],
            c!["ZCOUNT", key, "0", "1"],
            c!["ZCOUNT", key, "x", "1"],
            c!["ZLEXCOUNT", key, "-", "+"],
            c!["ZRANK", key, "m"],
            c!["ZREVRANK", key, "m"],
            c!["ZRANGE", key, "0", "-1"],
            c!["ZRANGE", key, "x", "-1"],
            c!["ZRANGE", key, "0", "-1", "FOO"],
            c!["ZRANGEBYSCORE", key, "0", "1"],
            c!["ZREVRANGEBYSCORE", key, "1", "0"],
            c!["ZRANGEBYLEX", key, "-", "+"],
            c!["ZREVRANGEBYLEX", key, "+", "-"],
            c!["ZREVRANGE", key, "0", "-1"],
            c!["ZPOPMIN", key],
            c!["ZPOPMAX", key, "2"],
            c!["ZPOPMIN", key, "0"],
            c!["ZPOPMIN", key, "-1"],
            c!["ZREMRANGEBYRANK", key, "0", "-1"],
            c!["ZREMRANGEBYSCORE", key, "0", "1"],
            c!["ZREMRANGEBYLEX", key, "-", "+"],
            c!["ZREMRANGEBYLEX", key, "x", "+"],
            c!["ZRANDMEMBER", key],
            c!["ZRANDMEMBER", key, "2"],
            c!["ZRANDMEMBER", key, "-9223372036854775808"],
            c!["ZSCAN", key, "0"],
            c!["ZSCAN", key, "x"],
        ] {
            s.push(ex(cmd));
        }
    }
    for cmd in [
        c!["GET", "zwz"],
        c!["INCR", "zwz"],
        c!["APPEND", "zwz", "x"],
        c!["HSET", "zwz", "f", "v"],
        c!["HGETALL", "zwz"],
        c!["SADD", "zwz", "m"],
        c!["SMEMBERS", "zwz"],
        c!["SCARD", "zwz"],
        c!["ZRANGE", "zwz", "0", "-1", "WITHSCORES"],
        c!["SET", "zwz", "x"],
        c!["TYPE", "zwz"],
    ] {
        s.push(ex(cmd));
    }
    s
}

/// SORT and SORT_RO: numeric and ALPHA, ASC/DESC, LIMIT at the edges, BY
/// and GET patterns (keys and hash fields, on both shards with two
/// threads), STORE, errors in Redis's order, lists, sets and sorted sets.
fn sort() -> Vec<Step> {
    let mut s: Vec<Vec<Vec<u8>>> = vec![
        c!["RPUSH", "so-l", "3", "1", "2", "10", "-1.5"],
        c!["MSET", "so-w_3", "30", "so-w_1", "10", "so-w_2", "20", "so-w_10", "5"],
        c![
            "MSET",
            "so-o_3",
            "three",
            "so-o_1",
            "one",
            "so-o_2",
            "two",
            "so-o_-1.5",
            "neg"
        ],
        c!["HSET", "so-h_1", "f", "x1", "g", "y1"],
        c!["HSET", "so-h_10", "f", "x10"],
        c!["SORT", "so-l"],
        c!["SORT", "so-l", "DESC"],
        c!["SORT", "so-l", "ASC", "DESC", "ASC"],
        c!["SORT", "so-l", "LIMIT", "1", "2"],
        c!["SORT", "so-l", "LIMIT", "-5", "2"],
        c!["SORT", "so-l", "LIMIT", "3", "-1"],
        c!["SORT", "so-l", "LIMIT", "10", "2"],
        c!["SORT", "so-l", "LIMIT", "0", "0"],
        c!["SORT", "so-l", "LIMIT", "2", "9223372036854775807"],
        c!["SORT", "so-l", "LIMIT", "-9223372036854775808", "3"],
        c!["SORT", "so-l", "LIMIT", "1"],
        c!["SORT", "so-l", "LIMIT", "x", "1"],
        c!["SORT", "so-l", "LIMIT", "1", "1.5"],
        c!["SORT", "so-l", "ALPHA"],
        c!["SORT", "so-l", "ALPHA", "DESC", "LIMIT", "1", "3"],
        c!["SORT", "so-l", "BY", "so-w_*"],
        c!["SORT", "so-l", "BY", "so-w_*", "DESC"],
        c!["SORT", "so-l", "BY", "so-w_*", "ALPHA"],
        c!["SORT", "so-l", "BY", "so-o_*", "ALPHA", "DESC"],
        c!["SORT", "so-l", "BY", "so-o_*"],
        c!["SORT", "so-l", "BY", "so-h_*->f", "ALPHA"],
        c!["SORT", "so-l", "BY", "nosort"],
        c!["SORT", "so-l", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
        c!["SORT", "so-l", "BY", "nosort", "LIMIT", "4", "10"],
        c!["SORT", "so-l", "GET", "#"],
        c!["SORT", "so-l", "GET", "so-o_*"],
        c![
            "SORT",
            "so-l",
            "GET",
            "so-o_*",
            "GET",
            "#",
            "GET",
            "so-h_*->f",
            "GET",
            "so-h_*->g"
        ],
        c!["SORT", "so-l", "GET", "so-h_*->"],
        c!["SORT", "so-l", "GET", "->f*"],
        c!["SORT", "so-l", "GET", "fixed"],
        c!["SORT", "so-l", "BY", "so-w_*", "GET", "so-o_*", "LIMIT", "0", "2"],
        c!["SORT", "so-l", "BY", "so-w_*", "GET", "#", "GET", "so-w_*", "DESC"],
        c!["SORT", "so-l", "BY", "so-w_*", "STORE", "so-dst"],
        c!["LRANGE", "so-dst", "0", "-1"],
        c![
            "SORT",
            "so-l",
            "GET",
            "so-o_*",
            "GET",
            "missing_*",
            "STORE",
            "so-dst"
        ],
        c!["LRANGE", "so-dst", "0", "-1"],
        c!["SORT", "so-l", "LIMIT", "0", "0", "STORE", "so-dst"],
        c!["EXISTS", "so-dst"],
        c!["SORT", "so-l", "STORE", "so-dst", "STORE", "so-dst2"],
        c!["EXISTS", "so-dst", "so-dst2"],
        c!["SORT", "so-missing", "STORE", "so-dst2"],
        c!["EXISTS", "so-dst2"],
        c!["SORT", "so-l", "STORE"],
        c!["SORT", "so-l", "BY"],
        c!["SORT", "so-l", "GET"],
        c!["SORT", "so-l", "FOO"],
        c!["SORT_RO", "so-l", "STORE", "so-dst"],
        c!["SORT_RO", "so-l", "BY", "so-w_*", "GET", "so-o_*"],
        c!["SORT_RO", "so-l", "DESC", "ALPHA"],
        c!["SORT", "so-missing"],
        c!["SORT", "so-missing", "BY", "so-w_*", "GET", "so-o_*"],
        c!["SORT", "so-o_1"],
        c!["SORT", "so-o_1", "FOO"],
        c!["SORT", "so-o_1", "LIMIT", "x", "1"],
        c!["RPUSH", "so-words", "b", "a", "c"],
        c!["SORT", "so-words"],
        c!["SORT", "so-words", "ALPHA"],
        c!["SORT", "so-words", "BY", "so-missing_*"],
        c!["SORT", "so-words", "BY", "so-missing_*", "ALPHA"],
        c!["RPUSH", "so-sp", " 5", "", "1e2", "0x10"],
        c!["SORT", "so-sp"],
        c!["RPUSH", "so-nan", "nan"],
        c!["SORT", "so-nan"],
        c!["SADD", "so-is", "5", "-2", "17", "3"],
        c!["SORT", "so-is"],
        c!["SORT", "so-is", "DESC", "LIMIT", "1", "2"],
        c!["SORT", "so-is", "BY", "nosort"],
        c!["SORT", "so-is", "BY", "nosort", "STORE", "so-dst"],
        c!["LRANGE", "so-dst", "0", "-1"],
        c!["ZADD", "so-z", "3", "c", "1", "a", "2", "b", "4", "d"],
        c!["SORT", "so-z", "ALPHA", "DESC"],
        c!["SORT", "so-z"],
        c!["SORT", "so-z", "BY", "nosort"],
        c!["SORT", "so-z", "BY", "nosort", "DESC"],
        c!["SORT", "so-z", "BY", "nosort", "LIMIT", "1", "2"],
        c!["SORT", "so-z", "BY", "nosort", "DESC", "LIMIT", "1", "2"],
        c!["SORT", "so-z", "BY", "nosort", "LIMIT", "9", "2"],
        c!["MULTI"],
        c!["SORT", "so-l", "BY", "so-w_*", "GET", "so-o_*"],
        c!["SORT", "so-l", "STORE", "so-dst3"],
        c!["LLEN", "so-dst3"],
        c!["EXEC"],
        c!["COMMAND", "GETKEYS", "SORT", "k", "STORE", "d"],
        c![
            "COMMAND", "GETKEYS", "SORT", "k", "GET", "store", "LIMIT", "0", "1", "STORE", "a",
            "STORE", "b"
        ],
        c!["COMMAND", "GETKEYS", "SORT", "k", "BY", "x"],
    ];
    s.push(c!["HELLO", "3"]);
    s.extend([
        c!["SORT", "so-l", "GET", "so-o_*"],
        c!["SORT", "so-l", "STORE", "so-dst4"],
    ]);
    s.push(c!["HELLO", "2"]);
    exact_but_hello(s)
}

/// Blocking commands where they do not wait, or wait a few milliseconds
/// for nothing: replies, errors in Redis's order (timeout forms, wrong
/// types, key counts), the first ready key in argument order (keys on
/// both shards with two threads), inside MULTI, and in RESP3.
fn blocking() -> Vec<Step> {
    let mut s: Vec<Vec<Vec<u8>>> = vec![
        c!["RPUSH", "bl1", "a", "b", "c", "d", "e"],
        c!["BLPOP", "bl-missing", "bl1", "0"],
        c!["BRPOP", "bl-missing", "bl1", "0"],
        c!["BLPOP", "bl1", "bl-missing", "1.5"],
        c!["BLPOP", "bl-missing", "0.01"],
        c!["BRPOP", "bl-missing", "other-missing", "0.01"],
        c!["BLPOP", "bl-missing", "0x1p-7"],
        c!["BLPOP", "bl1", "abc"],
        c!["BLPOP", "bl1", "-1"],
        c!["BLPOP", "bl1", "-0.0001"],
        c!["BLPOP", "bl1", "nan"],
        c!["BLPOP", "bl1", "inf"],
        c!["BLPOP", "bl1", "1e30"],
        c!["BLPOP", "bl1", "9223372036854776"],
        c!["BLPOP", "bl1", ""],
        c!["BLPOP", "bl1", " 1"],
        c!["BLPOP", "bl1"],
        c!["SET", "bls", "x"],
        c!["BLPOP", "bl-missing", "bls", "0"],
        c!["BLPOP", "bl1", "bls", "0"],
        c!["BLPOP", "bls", "abc"],
        c!["BRPOP", "bls", "bl1", "0"],
        c!["LRANGE", "bl1", "0", "-1"],
        c!["BLPOP", "bl1", "0.01"],
        c!["EXISTS", "bl1"],
        c!["BLMOVE", "bl-missing", "bl2", "LEFT", "RIGHT", "0.01"],
        c!["RPUSH", "bl3", "x", "y", "z", "w"],
        c!["BLMOVE", "bl3", "bl4", "LEFT", "RIGHT", "0"],
        c!["BLMOVE", "bl3", "bl4", "right", "left", "0"],
        c!["BRPOPLPUSH", "bl3", "bl4", "0"],
        c!["BLMOVE", "bl3", "bl3", "LEFT", "RIGHT", "0"],
        c!["LRANGE", "bl3", "0", "-1"],
        c!["LRANGE", "bl4", "0", "-1"],
        c!["BLMOVE", "bl3", "bl4", "UP", "LEFT", "0"],
        c!["BLMOVE", "bl3", "bl4", "UP", "LEFT", "abc"],
        c!["BLMOVE", "bl3", "bl4", "LEFT", "LEFT", "abc"],
        c!["BLMOVE", "bl3", "bl4", "LEFT", "LEFT", "-1"],
        c!["BLMOVE", "bls", "bl4", "LEFT", "LEFT", "0"],
        c!["BLMOVE", "bl3", "bls", "LEFT", "LEFT", "0"],
        c!["BLMOVE", "bl-missing", "bls", "LEFT", "LEFT", "0.01"],
        c!["LRANGE", "bl3", "0", "-1"],
        c!["BRPOPLPUSH", "bl-missing", "bl4", "0.01"],
        c!["BRPOPLPUSH", "bl4", "bl4", "abc"],
        c!["BRPOPLPUSH", "bl4", "bls", "0"],
        c!["BLMOVE", "bl3", "bl4", "LEFT", "RIGHT"],
        c![
            "BLMPOP",
            "0",
            "2",
            "bl-missing",
            "bl4",
            "LEFT",
            "COUNT",
            "2"
        ],
        c![
            "BLMPOP",
            "0",
            "2",
            "bl4",
            "bl-missing",
            "RIGHT",
            "COUNT",
            "100"
        ],
        c!["EXISTS", "bl4"],
        c!["BLMPOP", "0.01", "1", "bl-missing", "RIGHT"],
        c!["BLMPOP", "-1", "0", "a", "LEFT"],
        c!["BLMPOP", "0", "0", "a", "LEFT"],
        c!["BLMPOP", "0", "x", "a", "LEFT"],
        c!["BLMPOP", "abc", "1", "bl3", "LEFT", "COUNT", "0"],
        c!["BLMPOP", "abc", "1", "bl3", "LEFT"],
        c!["BLMPOP", "-1", "1", "bl3", "LEFT"],
        c!["BLMPOP", "0", "1", "bl3", "MIDDLE"],
        c!["BLMPOP", "0", "5", "a", "b", "LEFT"],
        c!["BLMPOP", "0", "1", "bl3", "LEFT", "COUNT"],
        c!["BLMPOP", "0", "1", "bl3", "LEFT", "COUNT", "1", "COUNT", "1"],
        c!["BLMPOP", "0", "2", "bl-missing", "bls", "LEFT"],
        c!["BLMPOP", "0", "2", "bl3", "bls", "LEFT"],
        c!["BLMPOP", "0", "1", "bl3"],
        c!["ZADD", "blz", "1", "a", "2", "b", "3", "c", "4.5", "d", "-inf", "e"],
        c!["BZPOPMIN", "bl-missing", "blz", "0"],
        c!["BZPOPMAX", "blz", "0"],
        c!["BZPOPMIN", "bl-missing", "0.01"],
        c!["BZPOPMAX", "bl-missing", "0.01"],
        c!["BZPOPMIN", "bls", "0"],
        c!["BZPOPMIN", "bl3", "blz", "0"],
        c!["BZPOPMIN", "blz", "bl3", "0"],
        c!["BZPOPMIN", "blz", "-5"],
        c!["BZPOPMAX", "blz", "nan"],
        c!["BZMPOP", "0", "1", "blz", "MIN", "COUNT", "5"],
        c!["EXISTS", "blz"],
        c!["BZMPOP", "0.01", "1", "blz", "MAX"],
        c!["BZMPOP", "0", "0", "blz", "MIN"],
        c!["BZMPOP", "abc", "1", "blz", "MIN"],
        c!["BZMPOP", "0", "1", "blz", "LEFT"],
        c!["ZADD", "blz2", "7", "m"],
        c!["BZMPOP", "0", "3", "bl-missing", "bls", "blz2", "MAX"],
        c!["BZMPOP", "0", "2", "blz2", "bls", "MAX"],
        c!["MULTI"],
        c!["BLPOP", "bl-missing", "0"],
        c!["BRPOPLPUSH", "bl-missing", "blm2", "0"],
        c!["BLMOVE", "bl-missing", "blm2", "LEFT", "LEFT", "0"],
        c!["BZPOPMIN", "bl-missing", "0"],
        c!["BZMPOP", "0", "1", "bl-missing", "MIN"],
        c!["BLMPOP", "0", "1", "bl-missing", "LEFT"],
        c!["RPUSH", "blm", "a", "b"],
        c!["BLPOP", "bl-missing", "blm", "0"],
        c!["BLMOVE", "blm", "blm2", "LEFT", "LEFT", "0"],
        c!["BLPOP", "blm", "abc"],
        c!["EXEC"],
        c!["LRANGE", "blm2", "0", "-1"],
        c!["EXISTS", "blm"],
        c!["MULTI"],
        c!["BLPOP", "x"],
        c!["EXEC"],
    ];
    s.push(c!["HELLO", "3"]);
    s.extend([
        c!["ZADD", "blz3", "1.5", "a", "2", "b", "inf", "c"],
        c!["BZPOPMIN", "blz3", "0"],
        c!["BZPOPMAX", "blz3", "0"],
        c!["BZPOPMIN", "bl-missing", "0.01"],
        c!["BZMPOP", "0", "1", "blz3", "MIN"],
        c!["BZMPOP", "0.01", "1", "blz3", "MIN"],
        c!["RPUSH", "blr3", "a", "b"],
        c!["BLPOP", "blr3", "0"],
        c!["BLMPOP", "0", "1", "blr3", "LEFT"],
        c!["BLPOP", "blr3", "0.01"],
        c!["BLMOVE", "blr3", "x", "LEFT", "LEFT", "0.01"],
        c!["BLMPOP", "0.01", "1", "blr3", "LEFT"],
    ]);
    s.push(c!["HELLO", "2"]);
    exact_but_hello(s)
}

fn resp3_zsets() -> Vec<Step> {
    let mut s = vec![(Mode::Skip, c!["HELLO", "3"])];
    s.extend(
        vec![
            c!["ZADD", "r3z", "1", "a", "2.5", "b", "inf", "c"],
            c!["ZADD", "r3z", "INCR", "1", "a"],
            c!["ZADD", "r3z", "NX", "INCR", "1", "a"],
            c!["ZINCRBY", "r3z", "-0.5", "b"],
            c!["ZSCORE", "r3z", "c"],
            c!["ZSCORE", "r3z", "nomember"],
            c!["ZMSCORE", "r3z", "a", "nomember"],
            c!["ZRANGE", "r3z", "0", "-1"],
            c!["ZRANGE", "r3z", "0", "-1", "WITHSCORES"],
            c![
                "ZRANGEBYSCORE",
                "r3z",
                "-inf",
                "+inf",
                "WITHSCORES",
                "LIMIT",
                "1",
                "5"
            ],
            c!["ZREVRANGE", "r3z", "0", "0", "WITHSCORES"],
            c!["ZRANGE", "r3-missing", "0", "-1", "WITHSCORES"],
            c!["ZRANDMEMBER", "r3z", "10", "WITHSCORES"],
            c!["ZRANDMEMBER", "r3z", "0", "WITHSCORES"],
            c!["ZRANDMEMBER", "r3-missing"],
            c!["ZRANDMEMBER", "r3-missing", "3", "WITHSCORES"],
            c!["ZSCAN", "r3z", "0"],
            c!["ZRANK", "r3-missing", "a"],
            c!["ZPOPMIN", "r3z"],
            c!["ZPOPMAX", "r3z", "1"],
            c!["ZPOPMIN", "r3z", "5"],
            c!["ZPOPMIN", "r3-missing"],
            c!["ZPOPMIN", "r3-missing", "2"],
        ]
        .into_iter()
        .map(ex),
    );
    let mut add = c!["ZADD", "r3zbig"];
    for i in 0..200 {
        add.push(i.to_string().into_bytes());
        add.push(format!("m{i}").into_bytes());
    }
    s.push(ex(add));
    s.push(ex(c!["ZRANGE", "r3zbig", "10", "15", "WITHSCORES"]));
    s.push(random(
        2,
        true,
        is_numbered_scored,
        c!["ZRANDMEMBER", "r3zbig", "4", "WITHSCORES"],
    ));
    s.push(random(
        2,
        false,
        is_numbered_scored,
        c!["ZRANDMEMBER", "r3zbig", "-4", "WITHSCORES"],
    ));
    s.push((Mode::Skip, c!["HELLO", "2"]));
    s
}

/// ZRANK's WITHSCORE is Redis 7.2's: 7.0.15 refuses it (its arity is 3), so
/// this checks Shoal alone against what 7.2 documents.
#[test]
fn zrank_withscore_is_redis_7_2s() {
    fn expect(conn: &mut Conn, args: Vec<Vec<u8>>, reply: &[u8]) {
        let got = conn.cmd(&args);
        assert_eq!(show(&got), show(reply), "{}", show_args(&args));
    }
    let server = Server::start(&["--threads", "1"]);
    let conn = &mut Conn::connect(server.port);
    expect(
        conn,
        c!["ZADD", "z", "1", "a", "2.5", "b", "inf", "c"],
        b":3\r\n",
    );
    expect(
        conn,
        c!["ZRANK", "z", "b", "WITHSCORE"],
        b"*2\r\n:1\r\n$3\r\n2.5\r\n",
    );
    expect(
        conn,
        c!["ZREVRANK", "z", "b", "withscore"],
        b"*2\r\n:1\r\n$3\r\n2.5\r\n",
    );
    expect(
        conn,
        c!["ZRANK", "z", "c", "WITHSCORE"],
        b"*2\r\n:2\r\n$3\r\ninf\r\n",
    );
    expect(
        conn,
        c!["ZREVRANK", "z", "c", "WITHSCORE"],
        b"*2\r\n:0\r\n$3\r\ninf\r\n",
    );
    expect(conn, c!["ZRANK", "z", "nomember", "WITHSCORE"], b"*-1\r\n");
    expect(conn, c!["ZRANK", "nokey", "a", "WITHSCORE"], b"*-1\r\n");
    expect(conn, c!["ZRANK", "nokey", "a"], b"$-1\r\n");
    expect(
        conn,
        c!["ZRANK", "z", "a", "WITHSCORES"],
        b"-ERR syntax error\r\n",
    );
    expect(
        conn,
        c!["ZRANK", "nokey", "a", "WITHSCORE", "x"],
        b"-ERR syntax error\r\n",
    );
    expect(conn, c!["SET", "s", "v"], b"+OK\r\n");
    expect(
        conn,
        c!["ZRANK", "s", "a", "WITHSCORE"],
        b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
    let hello = c!["HELLO", "3"];
    conn.cmd(&hello);
    expect(
        conn,
        c!["ZRANK", "z", "b", "WITHSCORE"],
        b"*2\r\n:1\r\n,2.5\r\n",
    );
    expect(conn, c!["ZRANK", "z", "nomember", "WITHSCORE"], b"_\r\n");
    expect(conn, c!["ZRANK", "z", "nomember"], b"_\r\n");
}

/// The content of a bulk string reply (or of a RESP3 double, its text).
fn bulk_content(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.first() == Some(&b',') {
        return raw.get(1..raw.len().checked_sub(2)?).map(<[u8]>::to_vec);
    }
    if raw.first() != Some(&b'$') {
        return None;
    }
    let rel = raw.windows(2).position(|w| w == b"\r\n")?;
    let n: usize = std::str::from_utf8(&raw[1..rel]).ok()?.parse().ok()?;
    raw.get(rel + 2..rel + 2 + n).map(<[u8]>::to_vec)
}

/// The units of a reply: a bulk is one unit of one element; an aggregate's
/// elements are grouped `unit` at a time, except that a nested array is a
/// unit of its own elements (RESP3 HRANDFIELD WITHVALUES). `None` if
/// something is neither.
fn units(raw: &[u8], unit: usize) -> Option<Vec<Vec<Vec<u8>>>> {
    if let Some(b) = bulk_content(raw) {
        return Some(vec![vec![b]]);
    }
    let mut out = Vec::new();
    let mut flat = Vec::new();
    for e in array_elems(raw)? {
        match array_elems(&e) {
            Some(inner) => out.push(
                inner
                    .iter()
                    .map(|x| bulk_content(x))
                    .collect::<Option<_>>()?,
            ),
            None => flat.push(bulk_content(&e)?),
        }
    }
    for chunk in flat.chunks(unit) {
        out.push(chunk.to_vec());
    }
    Some(out)
}

fn random_ok(unit: usize, distinct: bool, check: UnitCheck, a: &[u8], b: &[u8]) -> bool {
    // Same kind and length of reply (a null, an error or a type prefix).
    if a.first() != b.first() || array_elems(a).map(|v| v.len()) != array_elems(b).map(|v| v.len())
    {
        return false;
    }
    if a.first() == Some(&b'-') || a == b"$-1\r\n" || a == b"_\r\n" {
        return a == b;
    }
    [a, b].iter().all(|raw| match units(raw, unit) {
        Some(us) => {
            let unique: std::collections::HashSet<&Vec<Vec<u8>>> = us.iter().collect();
            us.iter().all(|u| check(u)) && (!distinct || unique.len() == us.len())
        }
        None => false,
    })
}

/// Elements grouped `unit` at a time and sorted, for multiset comparison.
fn sorted_units(elems: Vec<Vec<u8>>, unit: usize) -> Vec<Vec<Vec<u8>>> {
    let mut v: Vec<Vec<Vec<u8>>> = elems.chunks(unit).map(<[Vec<u8>]>::to_vec).collect();
    v.sort();
    v
}

fn same_reply(mode: Mode, a: &[u8], b: &[u8]) -> bool {
    match mode {
        Mode::Skip => true,
        Mode::Pairs => match (array_elems(a), array_elems(b)) {
            (Some(x), Some(y)) => a[0] == b[0] && sorted_units(x, 2) == sorted_units(y, 2),
            _ => a == b,
        },
        Mode::ScanAll { unit } => match (array_elems(a), array_elems(b)) {
            (Some(x), Some(y)) if x.len() == 2 && y.len() == 2 => {
                x[0] == y[0]
                    && match (array_elems(&x[1]), array_elems(&y[1])) {
                        (Some(p), Some(q)) => sorted_units(p, unit) == sorted_units(q, unit),
                        _ => false,
                    }
            }
            _ => a == b,
        },
        Mode::Random {
            unit,
            distinct,
            check,
        } => random_ok(unit, distinct, check, a, b),
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
    let Some(redis) = start_redis() else {
        return;
    };
    let redis_port = redis.port;
    // One shard answers everything on its own core; two shards forward
    // about half the keys, so a pipeline mixes local and forwarded commands.
    let shoals: Vec<(&str, Server)> = ["1", "2"]
        .into_iter()
        .map(|threads| (threads, Server::start(&["--threads", threads])))
        .collect();

    let mut compared = 0usize;
    // Steps compared per group, over all four runs (1 and 2 threads, one
    // by one and pipelined).
    let mut per_group: Vec<(&str, usize)> = Vec::new();
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
                ("hashes", hashes()),
                ("hash-encodings", hash_encodings()),
                ("sets", sets()),
                ("set-encodings", set_encodings()),
                ("lists", lists()),
                ("list-watch", list_watch()),
                ("list-encodings", list_encodings()),
                ("list-config-reset", list_config_reset()),
                ("list-wrong-types", list_wrong_types()),
                ("resp3-lists", resp3_lists()),
                ("bitmaps", bitmaps()),
                ("bitmaps-limit-config", bitmaps_limit_config()),
                ("bitmaps-limit", bitmaps_limit()),
                ("bitmaps-limit-reset", bitmaps_limit_reset()),
                ("wrong-types", wrong_types()),
                ("config", config()),
                ("zsets", zsets()),
                ("zset-encodings", zset_encodings()),
                ("zset-wrong-types", zset_wrong_types()),
                ("zset-config", zset_config()),
                ("zset-config-zero", zset_config_zero()),
                ("zset-config-zero-use", zset_config_zero_use()),
                ("config-reset", config_reset()),
                ("resp3-zsets", resp3_zsets()),
                ("resp3-collections", resp3_collections()),
                ("transactions", transactions()),
                ("blocking", blocking()),
                ("sort", sort()),
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
                    if matches!(mode, Mode::Skip) {
                        continue;
                    }
                    compared += 1;
                    match per_group.iter_mut().find(|(g, _)| *g == group) {
                        Some((_, n)) => *n += 1,
                        None => per_group.push((group, 1)),
                    }
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
        "differential: {compared} commands compared, {} mismatches; per group: {}",
        mismatches.len(),
        per_group
            .iter()
            .map(|(g, n)| format!("{g} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for m in &mismatches {
        eprintln!("MISMATCH {m}");
    }
    drop(redis);
    assert!(
        mismatches.is_empty(),
        "{} of {compared} commands differ between shoal and redis:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// Walks `scan` (HSCAN or SSCAN) over `key` with a small COUNT, deleting
/// and adding elements between calls, and returns every field or member
/// it saw.
fn scan_walk(
    conn: &mut Conn,
    scan: &str,
    key: &str,
    unit: usize,
) -> std::collections::HashSet<Vec<u8>> {
    let (add, del): (&str, &str) = if scan == "HSCAN" {
        ("HSET", "HDEL")
    } else {
        ("SADD", "SREM")
    };
    let mut seen = std::collections::HashSet::new();
    let mut cursor = b"0".to_vec();
    for step in 0..100_000 {
        let request = c![scan, key, &cursor, "COUNT", "7"];
        let reply = conn.cmd(&request);
        let parts = array_elems(&reply).unwrap_or_else(|| panic!("{scan}: {}", show(&reply)));
        cursor = bulk_content(&parts[0]).unwrap();
        for chunk in array_elems(&parts[1]).unwrap().chunks(unit) {
            seen.insert(bulk_content(&chunk[0]).unwrap());
        }
        if cursor == b"0" {
            return seen;
        }
        // Elements 900.. come and go; 0..900 stay for the whole walk.
        let gone = format!("e{}", 900 + step % 100);
        let request = c![del, key, gone.as_str()];
        conn.cmd(&request);
        let new = format!("n{step}");
        let mut args = c![add, key, new.as_str()];
        if unit == 2 {
            args.push(b"v".to_vec());
        }
        conn.cmd(&args);
    }
    panic!("{scan} walk did not end");
}

/// Redis's SCAN guarantee for HSCAN and SSCAN on the hashtable forms: an
/// element present for the whole walk is returned, however the collection
/// changes between calls. Checked on redis-server too, so the test itself
/// is known to be fair.
#[test]
fn scan_walks_return_elements_present_throughout() {
    let Some(redis) = start_redis() else {
        return;
    };
    let redis_port = redis.port;
    let shoal = Server::start(&["--threads", "2"]);
    for port in [redis_port, shoal.port] {
        let mut conn = Conn::connect(port);
        for setup in [c!["SELECT", "9"], c!["FLUSHDB"]] {
            conn.cmd(&setup);
        }
        let mut hset = c!["HSET", "walk-h"];
        let mut sadd = c!["SADD", "walk-s"];
        for i in 0..1000 {
            hset.push(format!("e{i}").into_bytes());
            hset.push(b"v".to_vec());
            sadd.push(format!("e{i}").into_bytes());
        }
        assert_eq!(conn.cmd(&hset), b":1000\r\n");
        assert_eq!(conn.cmd(&sadd), b":1000\r\n");
        for (scan, key, unit) in [("HSCAN", "walk-h", 2), ("SSCAN", "walk-s", 1)] {
            let seen = scan_walk(&mut conn, scan, key, unit);
            for i in 0..900 {
                assert!(
                    seen.contains(format!("e{i}").as_bytes()),
                    "port {port}: {scan} missed e{i}"
                );
            }
        }
        let flush = c!["FLUSHDB"];
        conn.cmd(&flush);
    }
}

/// CLIENT LIST's per-client fields that follow what a client is doing
/// (`flags`, `sub`, `psub`, `ssub`, `multi`) and its TYPE filter, next to a
/// real redis-server: a subscriber, a client in MULTI, a client blocked in
/// BLPOP and the observer.
#[test]
#[allow(clippy::useless_vec)] // `c!` builds the Vecs the step lists hold; here each is borrowed once
fn client_list_shows_what_clients_are_doing_as_redis_does() {
    let Some(redis) = start_redis() else {
        return;
    };
    let redis_port = redis.port;
    let shoal = Server::start(&["--threads", "2"]);
    let observe = |port: u16| -> Vec<String> {
        let named = |name: &str| {
            let mut conn = Conn::connect(port);
            conn.cmd(&c!["CLIENT", "SETNAME", name]);
            conn
        };
        let mut sub = named("sub");
        sub.pipeline(&[&c!["SUBSCRIBE", "ch1", "ch2"], &c!["PSUBSCRIBE", "p*"]]);
        sub.reply(&c!["SUBSCRIBE"]);
        let mut multi = named("multi");
        multi.pipeline(&[&c!["MULTI"], &c!["SET", "a", "1"], &c!["GET", "a"]]);
        let mut blocked = named("blocked");
        blocked
            .stream
            .write_all(&encode(&c!["BLPOP", "client-list-nothing", "0"]))
            .unwrap();
        let mut obs = named("obs");
        let deadline = Instant::now() + Duration::from_secs(5);
        let list = loop {
            let reply = obs.cmd(&c!["CLIENT", "LIST"]);
            let list = String::from_utf8_lossy(&reply).into_owned();
            if list.contains("name=blocked") && list.contains("flags=b") {
                break list;
            }
            assert!(Instant::now() < deadline, "BLPOP never blocked: {list}");
            std::thread::sleep(Duration::from_millis(20));
        };
        let field = |line: &str, key: &str| {
            line.split(' ')
                .find_map(|f| f.strip_prefix(key))
                .unwrap_or("?")
                .to_string()
        };
        let mut seen: Vec<String> = list
            .lines()
            .filter(|l| l.contains("name="))
            .map(|l| {
                ["name=", "flags=", "sub=", "psub=", "ssub=", "multi="]
                    .map(|k| format!("{k}{}", field(l, k)))
                    .join(" ")
            })
            .collect();
        seen.sort();
        for t in ["pubsub", "normal", "master", "nonsense"] {
            let reply = obs.cmd(&c!["CLIENT", "LIST", "TYPE", t]);
            let text = String::from_utf8_lossy(&reply);
            let names: Vec<String> = text
                .lines()
                .filter_map(|l| l.split(' ').find_map(|f| f.strip_prefix("name=")))
                .map(String::from)
                .collect();
            seen.push(format!("TYPE {t}: {names:?} {}", text.starts_with('-')));
        }
        let killed = obs.cmd(&c!["CLIENT", "KILL", "TYPE", "pubsub"]);
        seen.push(format!("KILL TYPE pubsub: {}", show(&killed)));
        let bad = obs.cmd(&c!["CLIENT", "KILL", "TYPE", "nonsense"]);
        seen.push(format!("KILL TYPE nonsense: {}", show(&bad)));
        seen
    };
    let on_redis = observe(redis_port);
    let on_shoal = observe(shoal.port);
    assert_eq!(on_shoal, on_redis);
    // And the test sees what it means to (checked on redis-server too).
    for expected in [
        "name=blocked flags=b sub=0 psub=0 ssub=0 multi=-1",
        "name=multi flags=x sub=0 psub=0 ssub=0 multi=2",
        "name=obs flags=N sub=0 psub=0 ssub=0 multi=-1",
        "name=sub flags=P sub=2 psub=1 ssub=0 multi=-1",
        "TYPE pubsub: [\"sub\"] false",
        r#"KILL TYPE pubsub: ":1\r\n""#,
    ] {
        assert!(
            on_redis.iter().any(|l| l == expected),
            "{expected} not in {on_redis:#?}"
        );
    }
}

/// INFO's `total_commands_processed` counts what Redis counts: a command
/// that spans shards once, EXEC once plus each command it ran, queued
/// commands when they run and not when they are queued.
#[test]
#[allow(clippy::useless_vec)] // `c!` builds the Vecs the step lists hold; here one is borrowed once
fn commands_processed_counts_as_redis_does() {
    let Some(redis) = start_redis() else {
        return;
    };
    let shoal = Server::start(&["--threads", "2"]);
    let count = |port: u16| -> i64 {
        let mut conn = Conn::connect(port);
        let total = |conn: &mut Conn| -> i64 {
            let info = conn.cmd(&c!["INFO", "stats"]);
            String::from_utf8_lossy(&info)
                .lines()
                .find_map(|l| l.strip_prefix("total_commands_processed:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap()
        };
        let before = total(&mut conn);
        // Enough keys that they span both of Shoal's shards.
        let keys: Vec<String> = (0..16).map(|i| format!("cp{i}")).collect();
        let mut mset = c!["MSET"];
        for k in &keys {
            mset.extend(c![k, "1"]);
        }
        let mut mget = c!["MGET"];
        mget.extend(keys.iter().map(|k| k.as_bytes().to_vec()));
        let mut del = c!["DEL"];
        del.extend(keys.iter().map(|k| k.as_bytes().to_vec()));
        for step in [
            mset,
            mget,
            c!["RENAME", "cp0", "cp-renamed"],
            c!["MULTI"],
            c!["SET", "cp1", "2"],
            c!["MGET", "cp2", "cp3", "cp4", "cp5"],
            c!["INCR", "cp1"],
            c!["EXEC"],
            c!["RPUSH", "cp-list", "x"],
            c!["BLPOP", "cp-none", "cp-list", "0"],
            del,
        ] {
            conn.cmd(&step);
        }
        total(&mut conn) - before
    };
    assert_eq!(count(shoal.port), count(redis.port));
}

/// INFO commandstats (calls, rejected and failed calls per command),
/// errorstats and total_error_replies after the same mixed sequence (on
/// two shards: split, forwarded and coordinated commands), as redis-server
/// counts them. Times differ; counts must not.
#[test]
fn command_and_error_stats_count_as_redis_does() {
    let Some(redis) = start_redis() else {
        return;
    };
    let stats = |port: u16| -> (Vec<String>, Vec<String>) {
        let mut conn = Conn::connect(port);
        let reset = c!["CONFIG", "RESETSTAT"];
        conn.cmd(&reset);
        let keys: Vec<String> = (0..16).map(|i| format!("cs{i}")).collect();
        let mut mset = c!["MSET"];
        for k in &keys {
            mset.extend(c![k, "1"]);
        }
        let mut mget = c!["MGET"];
        mget.extend(keys.iter().map(|k| k.as_bytes().to_vec()));
        for step in [
            mset,
            mget,
            c!["SET", "cs-a", "1"],
            c!["GET", "cs-a"],
            c!["LPUSH", "cs-a", "x"],
            c!["GET"],
            c!["CONFIG"],
            c!["CONFIG", "NOSUCH"],
            c!["NOSUCHCOMMAND", "x"],
            c!["INCR", "cs-list"],
            c!["RPUSH", "cs-list", "x"],
            c!["INCR", "cs-list"],
            c!["BLPOP", "cs-none", "cs-list", "0"],
            c!["RENAME", "cs-none", "cs-other"],
            c!["MULTI"],
            c!["SET", "cs1", "2"],
            c!["INCR", "cs-a"],
            c!["MGET", "cs2", "cs3", "cs4"],
            c!["EXEC"],
            c!["MULTI"],
            c!["SET", "cs1"],
            c!["EXEC"],
            c!["EXEC"],
            c!["OBJECT", "FREQ", "cs1"],
            c!["ECHO", "x"],
            c!["CLIENT", "SETNAME", "a b"],
            c!["SELECT", "99"],
        ] {
            conn.cmd(&step);
        }
        let info = c!["INFO", "commandstats", "errorstats", "stats"];
        let info = String::from_utf8_lossy(&conn.cmd(&info)).into_owned();
        let mut commands: Vec<String> = info
            .lines()
            .filter_map(|l| l.strip_prefix("cmdstat_"))
            .filter(|l| !l.starts_with("info:") && !l.starts_with("config|resetstat:"))
            .map(|l| {
                // name:calls=..,usec=..,usec_per_call=..,rejected_calls=..,failed_calls=..
                let (name, fields) = l.split_once(':').unwrap();
                let keep: Vec<&str> = fields
                    .split(',')
                    .filter(|f| !f.starts_with("usec"))
                    .collect();
                format!("{name}:{}", keep.join(","))
            })
            .collect();
        commands.sort();
        let mut errors: Vec<String> = info
            .lines()
            .filter(|l| l.starts_with("errorstat_") || l.starts_with("total_error_replies:"))
            .map(String::from)
            .collect();
        errors.sort();
        (commands, errors)
    };
    let expected = stats(redis.port);
    for threads in ["1", "2"] {
        let shoal = Server::start(&["--threads", threads]);
        assert_eq!(stats(shoal.port), expected, "{threads} threads");
    }
}
