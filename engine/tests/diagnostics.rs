//! SLOWLOG, the latency monitor (LATENCY LATEST / HISTORY / RESET), LATENCY
//! HISTOGRAM and INFO latencystats against the real binary, on two shards:
//! what each records comes from the core that ran the command, and the
//! commands merge it. (Their argument errors and help texts are compared
//! with redis-server in differential.rs.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

mod support;

use redis::Value;
use support::{client, client_resp3, info_field, Server};

fn set_config(c: &mut redis::Connection, name: &str, value: &str) {
    redis::cmd("CONFIG")
        .arg("SET")
        .arg(name)
        .arg(value)
        .query::<()>(c)
        .unwrap();
}

/// One SLOWLOG GET entry: (id, micros, args, addr, name).
type Entry = (i64, i64, Vec<Vec<u8>>, String, String);

fn slowlog(c: &mut redis::Connection, count: i64) -> Vec<Entry> {
    let entries: Vec<Value> = redis::cmd("SLOWLOG")
        .arg("GET")
        .arg(count)
        .query(c)
        .unwrap();
    entries
        .into_iter()
        .map(|e| {
            let Value::Array(f) = e else {
                panic!("entry {e:?}")
            };
            assert_eq!(f.len(), 6, "{f:?}");
            let int = |v: &Value| match v {
                Value::Int(n) => *n,
                other => panic!("{other:?}"),
            };
            let text = |v: &Value| match v {
                Value::BulkString(b) => String::from_utf8(b.clone()).unwrap(),
                other => panic!("{other:?}"),
            };
            let Value::Array(args) = &f[3] else {
                panic!("args {:?}", f[3])
            };
            let args = args
                .iter()
                .map(|a| match a {
                    Value::BulkString(b) => b.clone(),
                    other => panic!("{other:?}"),
                })
                .collect();
            assert!(int(&f[1]) > 1_700_000_000, "a unix time");
            (int(&f[0]), int(&f[2]), args, text(&f[4]), text(&f[5]))
        })
        .collect()
}

fn words(args: &[Vec<u8>]) -> Vec<String> {
    args.iter()
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

#[test]
fn the_slow_log_keeps_every_cores_commands_newest_first() {
    let server = Server::start(&["--threads", "2"]);
    let mut c = client(server.port);
    redis::cmd("CLIENT")
        .arg("SETNAME")
        .arg("watcher")
        .query::<()>(&mut c)
        .unwrap();
    let info: String = redis::cmd("CLIENT").arg("INFO").query(&mut c).unwrap();
    let addr = info
        .split(' ')
        .find_map(|f| f.strip_prefix("addr="))
        .unwrap()
        .to_string();
    set_config(&mut c, "slowlog-log-slower-than", "0");
    redis::cmd("SLOWLOG")
        .arg("RESET")
        .query::<()>(&mut c)
        .unwrap();
    // Keys on both shards, then a command split across them.
    let keys: Vec<String> = (0..8).map(|i| format!("slow{i}")).collect();
    for k in &keys {
        redis::cmd("SET")
            .arg(k)
            .arg("v")
            .query::<()>(&mut c)
            .unwrap();
    }
    let _: Vec<Option<String>> = redis::cmd("MGET").arg(&keys).query(&mut c).unwrap();
    // Arguments are cut as Redis cuts them.
    let long = vec![b'x'; 300];
    redis::cmd("SET")
        .arg("slow-long")
        .arg(&long[..])
        .query::<()>(&mut c)
        .unwrap();
    let many: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
    let _: i64 = redis::cmd("DEL").arg(&many).query(&mut c).unwrap();

    let log = slowlog(&mut c, -1);
    // SLOWLOG RESET, 8 SETs, MGET, SET, DEL: one entry each, newest first.
    assert_eq!(log.len(), 12, "{log:?}");
    assert!(log.windows(2).all(|w| w[0].0 > w[1].0), "ids descend");
    assert!(
        log.iter().all(|e| e.3 == addr && e.4 == "watcher"),
        "{log:?}"
    );
    let del = words(&log[0].2);
    assert_eq!(del.len(), 32);
    assert_eq!(del[..2], ["DEL", "m0"]);
    assert_eq!(del[31], "... (10 more arguments)");
    let set_long = &log[1].2;
    assert_eq!(set_long[2].len(), 128 + "... (172 more bytes)".len());
    assert!(set_long[2].ends_with(b"... (172 more bytes)"));
    // The split MGET is one entry with all its arguments.
    let mut mget = vec!["MGET".to_string()];
    mget.extend(keys.iter().cloned());
    assert_eq!(words(&log[2].2), mget);
    let sets: Vec<Vec<String>> = log[3..11].iter().rev().map(|e| words(&e.2)).collect();
    let expected: Vec<Vec<String>> = keys
        .iter()
        .map(|k| vec!["SET".into(), k.clone(), "v".into()])
        .collect();
    assert_eq!(sets, expected);
    assert_eq!(words(&log[11].2), ["SLOWLOG", "RESET"]);
    assert_eq!(slowlog(&mut c, 2).len(), 2);

    // The node keeps slowlog-max-len entries, whichever cores logged them.
    set_config(&mut c, "slowlog-max-len", "3");
    let len: i64 = redis::cmd("SLOWLOG").arg("LEN").query(&mut c).unwrap();
    assert_eq!(len, 3);
    let newest = slowlog(&mut c, -1);
    assert_eq!(newest.len(), 3);
    let newest: Vec<Vec<String>> = newest.iter().map(|e| words(&e.2)).collect();
    assert_eq!(
        newest[1],
        ["CONFIG", "SET", "slowlog-max-len", "3"],
        "{newest:?}"
    );

    // Off: nothing more is logged.
    set_config(&mut c, "slowlog-log-slower-than", "-1");
    redis::cmd("SLOWLOG")
        .arg("RESET")
        .query::<()>(&mut c)
        .unwrap();
    redis::cmd("SET")
        .arg("after")
        .arg("v")
        .query::<()>(&mut c)
        .unwrap();
    let len: i64 = redis::cmd("SLOWLOG").arg("LEN").query(&mut c).unwrap();
    assert_eq!(len, 0);
}

#[test]
fn the_default_threshold_keeps_quick_commands_out() {
    let server = Server::start(&["--threads", "2"]);
    let mut c = client(server.port);
    for i in 0..50 {
        redis::cmd("SET").arg(i).arg(i).query::<()>(&mut c).unwrap();
    }
    let len: i64 = redis::cmd("SLOWLOG").arg("LEN").query(&mut c).unwrap();
    assert_eq!(len, 0, "no SET takes 10 ms");
}

#[test]
fn the_latency_monitor_records_slow_commands_per_second() {
    let server = Server::start(&["--threads", "2"]);
    let mut c = client(server.port);
    let mut p = redis::pipe();
    for i in 0..100_000 {
        p.cmd("SET").arg(format!("lat{i}")).arg("v").ignore();
    }
    p.query::<()>(&mut c).unwrap();
    let latest: Vec<Value> = redis::cmd("LATENCY").arg("LATEST").query(&mut c).unwrap();
    assert!(latest.is_empty(), "off by default: {latest:?}");
    set_config(&mut c, "latency-monitor-threshold", "1");
    // KEYS over 100,000 keys takes well over a millisecond.
    let keys: Vec<String> = redis::cmd("KEYS").arg("lat*").query(&mut c).unwrap();
    assert_eq!(keys.len(), 100_000);
    let latest: Vec<(String, i64, i64, i64)> =
        redis::cmd("LATENCY").arg("LATEST").query(&mut c).unwrap();
    let command = latest
        .iter()
        .find(|e| e.0 == "command")
        .unwrap_or_else(|| panic!("{latest:?}"));
    assert!(command.1 > 1_700_000_000 && command.2 >= 1 && command.3 >= command.2);
    let history: Vec<(i64, i64)> = redis::cmd("LATENCY")
        .arg("HISTORY")
        .arg("command")
        .query(&mut c)
        .unwrap();
    assert!(!history.is_empty() && history.iter().all(|s| s.1 >= 1));
    assert!(
        history.windows(2).all(|w| w[0].0 < w[1].0),
        "one sample a second"
    );
    let reset: i64 = redis::cmd("LATENCY")
        .arg("RESET")
        .arg("command")
        .query(&mut c)
        .unwrap();
    assert_eq!(reset, 1);
    let history: Vec<(i64, i64)> = redis::cmd("LATENCY")
        .arg("HISTORY")
        .arg("command")
        .query(&mut c)
        .unwrap();
    assert!(history.is_empty());
}

#[test]
fn latency_histograms_and_latencystats_count_every_call() {
    let server = Server::start(&["--threads", "2"]);
    let mut c = client_resp3(server.port);
    for i in 0..100 {
        let _: Option<String> = redis::cmd("GET").arg(i).query(&mut c).unwrap();
    }
    let histogram: Value = redis::cmd("LATENCY")
        .arg("HISTOGRAM")
        .arg("get")
        .arg("config")
        .query(&mut c)
        .unwrap();
    let Value::Map(commands) = histogram else {
        panic!("{histogram:?}")
    };
    assert_eq!(commands.len(), 1, "config was never called: {commands:?}");
    let (name, body) = &commands[0];
    assert_eq!(name, &Value::BulkString(b"get".to_vec()));
    let Value::Map(fields) = body else {
        panic!("{body:?}")
    };
    assert_eq!(fields[0].1, Value::Int(100));
    let Value::Map(buckets) = &fields[1].1 else {
        panic!("{fields:?}")
    };
    let counts: Vec<i64> = buckets
        .iter()
        .map(|(_, n)| match n {
            Value::Int(n) => *n,
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] < w[1]),
        "cumulative: {counts:?}"
    );
    assert_eq!(counts.last(), Some(&100));

    let mut c = client(server.port);
    let line: String = info_field(&mut c, "latencystats", "latency_percentiles_usec_get");
    let names: Vec<&str> = line
        .split(',')
        .map(|f| f.split('=').next().unwrap())
        .collect();
    assert_eq!(names, ["p50", "p99", "p99.9"]);
    set_config(&mut c, "latency-tracking-info-percentiles", "50 90.5");
    let line: String = info_field(&mut c, "latencystats", "latency_percentiles_usec_get");
    let names: Vec<&str> = line
        .split(',')
        .map(|f| f.split('=').next().unwrap())
        .collect();
    assert_eq!(names, ["p50", "p90.5"]);
    // Off: calls are still counted, no histogram is kept.
    set_config(&mut c, "latency-tracking", "no");
    redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query::<()>(&mut c)
        .unwrap();
    let _: Option<String> = redis::cmd("GET").arg("x").query(&mut c).unwrap();
    let info: String = redis::cmd("INFO")
        .arg("latencystats")
        .query(&mut c)
        .unwrap();
    assert!(!info.contains("latency_percentiles_usec_get"), "{info}");
    let calls: String = info_field(&mut c, "commandstats", "cmdstat_get");
    assert!(calls.starts_with("calls=1,"), "{calls}");
}
