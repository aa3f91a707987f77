//! HOTKEYS, black box: `shoal-server --threads 2` tracks a skewed load over
//! keys of both shards and reports its hot keys first, in Redis 8.6's reply
//! shape (RESP2 and RESP3); STOP keeps the results, RESET drops them,
//! DURATION and SAMPLE do what they say, and every error answers Redis
//! 8.6's exact text (read from redis/redis `src/hotkeys.c`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

mod support;

use redis::Value;
use shoal_engine::shard::shard_of;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::{client, client_resp3, Server, LIMIT};

/// GET's field names in Redis 8.6's order, for a session tracking both.
const FIELDS_BOTH: [&str; 12] = [
    "tracking-active",
    "sample-ratio",
    "selected-slots",
    "all-commands-all-slots-us",
    "net-bytes-all-commands-all-slots",
    "collection-start-time-unix-ms",
    "collection-duration-ms",
    "total-cpu-time-user-ms",
    "total-cpu-time-sys-ms",
    "total-net-bytes",
    "by-cpu-time-us",
    "by-net-bytes",
];

fn hotkeys(c: &mut redis::Connection, args: &str) -> redis::RedisResult<Value> {
    let mut cmd = redis::cmd("HOTKEYS");
    for a in args.split(' ') {
        cmd.arg(a);
    }
    cmd.query(c)
}

fn ok(c: &mut redis::Connection, args: &str) {
    match hotkeys(c, args) {
        Ok(Value::Okay) => {}
        other => panic!("HOTKEYS {args}: {other:?}"),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
        Value::SimpleString(s) => s.clone(),
        other => panic!("not a string: {other:?}"),
    }
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Int(n) => *n,
        other => panic!("not an integer: {other:?}"),
    }
}

/// GET's reply as (field, value) pairs, checking its shape: an array of one
/// map (a flat array in RESP2).
fn fields(reply: Value) -> Vec<(String, Value)> {
    let Value::Array(mut nodes) = reply else {
        panic!("GET: not an array: {reply:?}");
    };
    assert_eq!(nodes.len(), 1, "one map per node");
    match nodes.remove(0) {
        Value::Array(flat) => {
            assert_eq!(flat.len() % 2, 0);
            flat.chunks(2)
                .map(|p| (text(&p[0]), p[1].clone()))
                .collect()
        }
        Value::Map(pairs) => pairs.into_iter().map(|(k, v)| (text(&k), v)).collect(),
        other => panic!("GET: not a map: {other:?}"),
    }
}

fn field<'a>(f: &'a [(String, Value)], name: &str) -> &'a Value {
    &f.iter()
        .find(|(k, _)| k == name)
        .unwrap_or_else(|| panic!("no {name} in {f:?}"))
        .1
}

/// A top list: (key, measure), in reply order.
fn ranking(v: &Value) -> Vec<(String, i64)> {
    let Value::Array(flat) = v else {
        panic!("not a list: {v:?}")
    };
    flat.chunks(2).map(|p| (text(&p[0]), int(&p[1]))).collect()
}

fn names(f: &[(String, Value)]) -> Vec<&str> {
    f.iter().map(|(k, _)| k.as_str()).collect()
}

/// `n` keys named `prefix:<i>` that live on shard `shard` of 2.
fn keys_on(shard: usize, prefix: &str, n: usize) -> Vec<String> {
    (0..)
        .map(|i| format!("{prefix}:{i}"))
        .filter(|k| shard_of(k.as_bytes(), 2).0 == shard)
        .take(n)
        .collect()
}

/// A deterministic source (SplitMix64).
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

/// The bytes Redis counts for a command: its multibulk request and reply.
fn request_bytes(words: &[&[u8]]) -> i64 {
    let line = |n: usize| 3 + n.to_string().len() as i64;
    words.iter().fold(line(words.len()), |s, w| {
        s + line(w.len()) + w.len() as i64 + 2
    })
}

#[test]
fn a_skewed_load_shows_its_hot_keys_first() {
    let server = Server::start(&["--threads", "2"]);
    let mut c = client(server.port);
    assert_eq!(hotkeys(&mut c, "GET").unwrap(), Value::Nil);
    assert_eq!(hotkeys(&mut c, "STOP").unwrap(), Value::Nil);
    ok(&mut c, "START METRICS 2 CPU NET COUNT 6");

    // Two hot keys on each shard; 80% of the commands go to them.
    let hot: Vec<String> = [keys_on(0, "hot", 2), keys_on(1, "hot", 2)].concat();
    let value = "v".repeat(32);
    let mut expected_net = std::collections::HashMap::<String, i64>::new();
    let mut rng = Rng(1);
    let mut pipe = redis::pipe();
    for i in 0..20_000 {
        let key = if rng.below(10) < 8 {
            hot[rng.below(4) as usize].clone()
        } else {
            format!("cold:{}", rng.below(2_000))
        };
        // SET answers +OK; GET the 32-byte value (or null, before a SET).
        let net = if i % 2 == 0 {
            pipe.cmd("SET").arg(&key).arg(&value).ignore();
            request_bytes(&[b"SET", key.as_bytes(), value.as_bytes()]) + 5
        } else {
            pipe.cmd("GET").arg(&key).ignore();
            request_bytes(&[b"GET", key.as_bytes()])
        };
        *expected_net.entry(key).or_default() += net;
        if pipe.cmd_iter().count() == 500 {
            pipe.query::<()>(&mut c).unwrap();
            pipe = redis::pipe();
        }
    }
    // The GET replies: every GET of a hot key after its first SET.
    let get = hotkeys(&mut c, "GET").unwrap();
    let f = fields(get);
    assert_eq!(names(&f), FIELDS_BOTH);
    assert_eq!(int(field(&f, "tracking-active")), 1);
    assert_eq!(int(field(&f, "sample-ratio")), 1);
    assert_eq!(
        field(&f, "selected-slots"),
        &Value::Array(vec![Value::Array(vec![Value::Int(0), Value::Int(16383)])])
    );
    let start = int(field(&f, "collection-start-time-unix-ms"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(start <= now && now - start < 60_000, "{start} {now}");
    assert!(int(field(&f, "collection-duration-ms")) <= now - start + 1);
    assert!(int(field(&f, "total-cpu-time-user-ms")) >= 0);
    assert!(int(field(&f, "total-cpu-time-sys-ms")) >= 0);

    let by_cpu = ranking(field(&f, "by-cpu-time-us"));
    let by_net = ranking(field(&f, "by-net-bytes"));
    for top in [&by_cpu, &by_net] {
        assert!(top.len() <= 6 && top.len() >= 4, "{top:?}");
        let first: std::collections::HashSet<&str> =
            top[..4].iter().map(|(k, _)| k.as_str()).collect();
        let want: std::collections::HashSet<&str> = hot.iter().map(|k| k.as_str()).collect();
        assert_eq!(first, want, "hot keys first: {top:?}");
        assert!(top.windows(2).all(|w| w[0].1 >= w[1].1), "{top:?}");
        assert!(top.iter().all(|(_, v)| *v > 0));
    }
    // Network bytes: the requests plus the +OK of each SET, plus the bulk
    // replies of GETs (counted below as at most 32 + 7 bytes each).
    let all_net = int(field(&f, "net-bytes-all-commands-all-slots"));
    let requests: i64 = expected_net.values().sum();
    assert!(
        all_net >= requests && all_net <= requests + 10_000 * 39,
        "{all_net} {requests}"
    );
    assert_eq!(int(field(&f, "total-net-bytes")), all_net, "SAMPLE 1: all");
    for (key, bytes) in &by_net[..4] {
        let floor = expected_net[key];
        assert!(
            *bytes >= floor * 9 / 10 && *bytes <= floor + 5_000 * 39,
            "{key}: {bytes} vs requests {floor}"
        );
    }
    // CPU time: the hot keys' shares add up to at most the whole.
    let all_us = int(field(&f, "all-commands-all-slots-us"));
    let hot_us: i64 = by_cpu[..4].iter().map(|(_, v)| v).sum();
    assert!(hot_us > 0 && hot_us <= all_us, "{hot_us} of {all_us}");
    assert!(all_us < 60_000_000);

    ok(&mut c, "STOP");
    ok(&mut c, "RESET");
}

#[test]
fn stop_keeps_the_results_and_reset_drops_them() {
    let server = Server::start(&["--threads", "2"]);
    let mut c = client(server.port);
    ok(&mut c, "START METRICS 1 NET");
    for k in ["a", "b", "c", "a"] {
        let _: () = redis::cmd("SET").arg(k).arg("1").query(&mut c).unwrap();
    }
    ok(&mut c, "STOP");
    assert_eq!(hotkeys(&mut c, "STOP").unwrap(), Value::Nil);
    let stopped = fields(hotkeys(&mut c, "GET").unwrap());
    assert_eq!(int(field(&stopped, "tracking-active")), 0);
    let top = ranking(field(&stopped, "by-net-bytes"));
    assert_eq!(top[0].0, "a");
    // SET a 1: 27 request bytes and +OK, twice.
    assert_eq!(top[0].1, 2 * (27 + 5));
    assert_eq!(top.len(), 3);
    // NET alone: no CPU fields.
    let want: Vec<&str> = FIELDS_BOTH
        .iter()
        .copied()
        .filter(|n| !n.contains("cpu"))
        .collect();
    assert_eq!(names(&stopped), want);
    // Commands after STOP are not recorded; the results stay as they were.
    let _: () = redis::cmd("SET").arg("z").arg("1").query(&mut c).unwrap();
    std::thread::sleep(Duration::from_millis(5));
    let again = fields(hotkeys(&mut c, "GET").unwrap());
    assert_eq!(
        field(&again, "by-net-bytes"),
        field(&stopped, "by-net-bytes")
    );
    assert_eq!(
        field(&again, "collection-duration-ms"),
        field(&stopped, "collection-duration-ms")
    );
    ok(&mut c, "RESET");
    assert_eq!(hotkeys(&mut c, "GET").unwrap(), Value::Nil);
    // RESET without a session is fine; a new session starts from nothing.
    ok(&mut c, "RESET");
    ok(&mut c, "START METRICS 1 CPU");
    let fresh = fields(hotkeys(&mut c, "GET").unwrap());
    assert_eq!(ranking(field(&fresh, "by-cpu-time-us")), vec![]);
    assert_eq!(int(field(&fresh, "all-commands-all-slots-us")), 0);
}

#[test]
fn resp3_replies_a_map_and_null() {
    let server = Server::start(&["--threads", "2"]);
    let mut c = client_resp3(server.port);
    assert_eq!(hotkeys(&mut c, "GET").unwrap(), Value::Nil);
    ok(&mut c, "START METRICS 2 NET CPU SAMPLE 1");
    let _: () = redis::cmd("SET").arg("k").arg("v").query(&mut c).unwrap();
    let reply = hotkeys(&mut c, "GET").unwrap();
    let Value::Array(ref nodes) = reply else {
        panic!("{reply:?}")
    };
    assert!(matches!(nodes[..], [Value::Map(_)]), "{reply:?}");
    let f = fields(reply);
    assert_eq!(names(&f), FIELDS_BOTH);
    assert_eq!(
        ranking(field(&f, "by-net-bytes")),
        vec![("k".into(), 27 + 5)]
    );
    ok(&mut c, "STOP");
    ok(&mut c, "RESET");
    assert_eq!(hotkeys(&mut c, "STOP").unwrap(), Value::Nil);
}

#[test]
fn commands_in_a_transaction_are_tracked() {
    let server = Server::start(&["--threads", "2"]);
    let mut c = client(server.port);
    ok(&mut c, "START METRICS 1 NET");
    let (a, b) = (&keys_on(0, "tx", 1)[0], &keys_on(1, "tx", 1)[0]);
    let _: () = redis::pipe()
        .atomic()
        .cmd("SET")
        .arg(a)
        .arg("1")
        .ignore()
        .cmd("SET")
        .arg(b)
        .arg("1")
        .ignore()
        .query(&mut c)
        .unwrap();
    let f = fields(hotkeys(&mut c, "GET").unwrap());
    let keys: Vec<String> = ranking(field(&f, "by-net-bytes"))
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert!(keys.contains(a) && keys.contains(b), "{keys:?}");
}

#[test]
fn sample_and_duration_do_what_they_say() {
    let server = Server::start(&["--threads", "2"]);
    let mut c = client(server.port);
    ok(&mut c, "START METRICS 1 NET SAMPLE 4");
    let mut pipe = redis::pipe();
    for _ in 0..4_000 {
        pipe.cmd("SET").arg("s").arg("1").ignore();
    }
    pipe.query::<()>(&mut c).unwrap();
    let f = fields(hotkeys(&mut c, "GET").unwrap());
    assert_eq!(int(field(&f, "sample-ratio")), 4);
    // Every command in the totals, about one in four in the sketch.
    let all = int(field(&f, "net-bytes-all-commands-all-slots"));
    assert_eq!(all, 4_000 * (27 + 5));
    let sampled = int(field(&f, "total-net-bytes"));
    assert!(
        sampled > all / 8 && sampled < all * 3 / 8,
        "{sampled} of {all}"
    );
    assert_eq!(ranking(field(&f, "by-net-bytes"))[0], ("s".into(), sampled));
    ok(&mut c, "STOP");
    ok(&mut c, "RESET");

    // DURATION 1: stopped after one second, with a duration of 1000 ms.
    ok(&mut c, "START METRICS 1 NET DURATION 1");
    let _: () = redis::cmd("SET").arg("s").arg("1").query(&mut c).unwrap();
    let deadline = Instant::now() + LIMIT;
    loop {
        let f = fields(hotkeys(&mut c, "GET").unwrap());
        if int(field(&f, "tracking-active")) == 0 {
            assert_eq!(int(field(&f, "collection-duration-ms")), 1000);
            break;
        }
        assert!(Instant::now() < deadline, "DURATION 1 did not stop");
        std::thread::sleep(Duration::from_millis(100));
    }
    let _: () = redis::cmd("SET").arg("s").arg("1").query(&mut c).unwrap();
    let f = fields(hotkeys(&mut c, "GET").unwrap());
    assert_eq!(int(field(&f, "net-bytes-all-commands-all-slots")), 27 + 5);
    assert_eq!(hotkeys(&mut c, "STOP").unwrap(), Value::Nil);
    ok(&mut c, "RESET");
}

/// A raw connection, for exact reply bytes.
struct Raw(TcpStream);

impl Raw {
    fn connect(port: u16) -> Raw {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(LIMIT)).unwrap();
        Raw(s)
    }

    /// Sends a command (words split at spaces) and returns its one reply.
    fn call(&mut self, line: &str) -> String {
        let words: Vec<&str> = line.split(' ').collect();
        let mut req = format!("*{}\r\n", words.len());
        for w in words {
            req.push_str(&format!("${}\r\n{w}\r\n", w.len()));
        }
        self.0.write_all(req.as_bytes()).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            if let Ok(Some((_, len))) = shoal_proto::decode_frame(&got) {
                assert_eq!(len, got.len(), "one reply");
                return String::from_utf8(got).unwrap();
            }
            let n = self.0.read(&mut buf).unwrap();
            assert!(n > 0, "connection closed");
            got.extend_from_slice(&buf[..n]);
        }
    }
}

#[test]
fn errors_answer_redis_texts() {
    let server = Server::start(&["--threads", "2"]);
    let mut r = Raw::connect(server.port);
    let err = |t: &str| format!("-ERR {t}\r\n");
    let cases: &[(&str, &str)] = &[
        ("HOTKEYS", "wrong number of arguments for 'hotkeys' command"),
        ("HOTKEYS FOO", "unknown subcommand 'FOO'. Try HOTKEYS HELP."),
        (
            "HOTKEYS STOP now",
            "wrong number of arguments for 'hotkeys|stop' command",
        ),
        (
            "HOTKEYS GET x",
            "wrong number of arguments for 'hotkeys|get' command",
        ),
        (
            "HOTKEYS RESET x",
            "wrong number of arguments for 'hotkeys|reset' command",
        ),
        (
            "HOTKEYS HELP x",
            "wrong number of arguments for 'hotkeys|help' command",
        ),
        ("HOTKEYS START", "METRICS parameter is required"),
        ("HOTKEYS START CPU 1", "METRICS parameter is required"),
        (
            "HOTKEYS START METRICS 0",
            "METRICS count must be > 0 and <= 2",
        ),
        (
            "HOTKEYS START METRICS 3 CPU NET",
            "METRICS count must be > 0 and <= 2",
        ),
        (
            "HOTKEYS START METRICS two CPU",
            "METRICS count must be > 0 and <= 2",
        ),
        (
            "HOTKEYS START METRICS 2 CPU",
            "METRICS count does not match number of metric types provided",
        ),
        (
            "HOTKEYS START METRICS 2 CPU CPU",
            "METRICS CPU defined more than once!",
        ),
        (
            "HOTKEYS START METRICS 2 NET NET",
            "METRICS NET defined more than once!",
        ),
        (
            "HOTKEYS START METRICS 1 GPU",
            "METRICS no valid metrics passed. Supported: CPU|NET",
        ),
        ("HOTKEYS START METRICS 1 CPU NET", "syntax error"),
        ("HOTKEYS START METRICS 1 CPU COUNT", "syntax error"),
        ("HOTKEYS START METRICS 1 CPU LIMIT 5", "syntax error"),
        (
            "HOTKEYS START METRICS 1 CPU COUNT 0",
            "COUNT must be between 1 and 64",
        ),
        (
            "HOTKEYS START METRICS 1 CPU COUNT 65",
            "COUNT must be between 1 and 64",
        ),
        (
            "HOTKEYS START METRICS 1 CPU COUNT 1e3",
            "COUNT must be between 1 and 64",
        ),
        (
            "HOTKEYS START METRICS 1 CPU DURATION 0",
            "DURATION must be between 1 and 1000000",
        ),
        (
            "HOTKEYS START METRICS 1 CPU DURATION 1000001",
            "DURATION must be between 1 and 1000000",
        ),
        (
            "HOTKEYS START METRICS 1 CPU DURATION 99999999999999999999",
            "DURATION must be between 1 and 1000000",
        ),
        (
            "HOTKEYS START METRICS 1 CPU SAMPLE 0",
            "SAMPLE ratio must be positive",
        ),
        (
            "HOTKEYS START METRICS 1 CPU SAMPLE -3",
            "SAMPLE ratio must be positive",
        ),
        (
            "HOTKEYS START METRICS 1 CPU SAMPLE 2147483648",
            "SAMPLE ratio must be positive",
        ),
        (
            "HOTKEYS START METRICS 1 CPU SLOTS 2 0 5",
            "SLOTS parameter cannot be used in non-cluster mode",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(r.call(line), err(want), "{line}");
    }
    // None of those started a session.
    assert_eq!(r.call("HOTKEYS GET"), "$-1\r\n");
    assert_eq!(
        r.call("HOTKEYS START metrics 1 cpu count 64 duration 1000000 sample 2147483647"),
        "+OK\r\n"
    );
    assert_eq!(
        r.call("HOTKEYS START METRICS 1 NET"),
        err("hotkey tracking session already in progress")
    );
    // Checked before the arguments, as Redis.
    assert_eq!(
        r.call("HOTKEYS START"),
        err("hotkey tracking session already in progress")
    );
    assert_eq!(
        r.call("HOTKEYS RESET"),
        err("hotkey tracking session in progress, stop tracking first")
    );
    assert_eq!(r.call("HOTKEYS STOP"), "+OK\r\n");
    assert_eq!(r.call("HOTKEYS STOP"), "$-1\r\n");
    assert_eq!(r.call("HOTKEYS RESET"), "+OK\r\n");
    // RESP3's null.
    assert!(r.call("HELLO 3").starts_with('%'));
    assert_eq!(r.call("HOTKEYS GET"), "_\r\n");
    assert_eq!(r.call("HOTKEYS STOP"), "_\r\n");
}

#[test]
fn help_lists_the_subcommands() {
    let server = Server::start(&["--threads", "2"]);
    let mut r = Raw::connect(server.port);
    let help = r.call("HOTKEYS HELP");
    let lines: Vec<&str> = help.split("\r\n").collect();
    assert_eq!(lines[0], "*24");
    assert_eq!(
        lines[1],
        "+HOTKEYS <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    );
    for sub in ["+STOP", "+GET", "+RESET", "+HELP"] {
        assert!(lines.contains(&sub), "{sub}");
    }
    assert!(lines[2].starts_with("+START <METRICS count [CPU] [NET]>"));
    assert_eq!(lines[24], "+    Print this help.");
    // COMMAND knows the family.
    let mut c = client(server.port);
    let info: Value = redis::cmd("COMMAND")
        .arg("INFO")
        .arg("hotkeys")
        .query(&mut c)
        .unwrap();
    let Value::Array(entries) = info else {
        panic!("{info:?}")
    };
    assert!(matches!(&entries[..], [Value::Array(_)]), "{entries:?}");
}
