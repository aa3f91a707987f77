//! Blocking commands, black box: `shoal-server --threads 2` and real
//! clients. Wake-ups by writes from either core, Redis's order among the
//! clients waiting on a key, timeouts, disconnects and kills, keys on both
//! shards, BLMOVE between shards, transactions that create a waited key,
//! and no element lost or served twice when timeouts race pushes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

mod support;

use redis::Value;
use shoal_engine::shard::shard_of;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};
use support::{client, info_field, Server, LIMIT};

/// A key named `prefix...` that lives on shard `shard` of two.
fn key_on(shard: usize, prefix: &str) -> String {
    (0..)
        .map(|i| format!("{prefix}{i}"))
        .find(|k| shard_of(k.as_bytes(), 2).0 == shard)
        .unwrap()
}

/// `blocked_clients` from INFO.
fn blocked(c: &mut redis::Connection) -> usize {
    info_field(c, "clients", "blocked_clients")
}

/// Waits, bounded, until `n` clients are blocked.
fn wait_blocked(c: &mut redis::Connection, n: usize) {
    let deadline = Instant::now() + LIMIT;
    while blocked(c) != n {
        assert!(Instant::now() < deadline, "never saw {n} blocked clients");
        thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `args` on a new connection in a thread; the handle gives the reply.
fn spawn_cmd(port: u16, args: &[&str]) -> thread::JoinHandle<Value> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    thread::spawn(move || {
        let mut c = client(port);
        let mut cmd = redis::cmd(&args[0]);
        for a in &args[1..] {
            cmd.arg(a);
        }
        cmd.query(&mut c).unwrap()
    })
}

/// Pushes to `key`, which no one may wait on any more: the element stays.
fn assert_push_stays(c: &mut redis::Connection, key: &str) {
    let _: i64 = redis::cmd("RPUSH").arg(key).arg("x").query(c).unwrap();
    let len: i64 = redis::cmd("LLEN").arg(key).query(c).unwrap();
    assert_eq!(len, 1, "a push to {key} was taken");
}

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

fn pair(k: &str, v: &str) -> Value {
    Value::Array(vec![bulk(k), bulk(v)])
}

#[test]
fn pushes_from_either_core_wake_waiters_on_either_core() {
    let server = Server::start(&[]);
    let mut admin = client(server.port);
    // Enough connections that both cores have waiters for keys of both
    // shards (each connection lands on either core).
    let keys: Vec<String> = (0..8).map(|i| key_on(i % 2, &format!("w{i}-"))).collect();
    let waiters: Vec<_> = keys
        .iter()
        .map(|k| spawn_cmd(server.port, &["BLPOP", k, "0"]))
        .collect();
    wait_blocked(&mut admin, keys.len());
    for (i, k) in keys.iter().enumerate() {
        let mut pusher = client(server.port);
        let _: i64 = redis::cmd("RPUSH")
            .arg(k)
            .arg(format!("v{i}"))
            .query(&mut pusher)
            .unwrap();
    }
    for (i, (w, k)) in waiters.into_iter().zip(&keys).enumerate() {
        assert_eq!(w.join().unwrap(), pair(k, &format!("v{i}")));
    }
    assert_eq!(blocked(&mut admin), 0);
    for k in &keys {
        let exists: i64 = redis::cmd("EXISTS").arg(k).query(&mut admin).unwrap();
        assert_eq!(exists, 0, "{k} was served, so it is gone");
    }
}

#[test]
fn clients_waiting_on_a_key_are_served_in_the_order_they_blocked() {
    let server = Server::start(&[]);
    let mut admin = client(server.port);
    for shard in 0..2 {
        let key = key_on(shard, "fifo");
        let mut waiters = Vec::new();
        for n in 1..=3 {
            waiters.push(spawn_cmd(server.port, &["BLPOP", &key, "0"]));
            wait_blocked(&mut admin, n);
        }
        // One push of three: the first to block gets the head, as in Redis.
        let _: i64 = redis::cmd("LPUSH")
            .arg(&key)
            .arg(&["a", "b", "c"])
            .query(&mut admin)
            .unwrap();
        let got: Vec<Value> = waiters.into_iter().map(|w| w.join().unwrap()).collect();
        assert_eq!(got, vec![pair(&key, "c"), pair(&key, "b"), pair(&key, "a")]);
    }
}

#[test]
fn a_timeout_answers_a_null_array_and_leaves_nothing_behind() {
    let server = Server::start(&[]);
    let mut c = client(server.port);
    let key = key_on(1, "timeout");
    for cmd in [
        vec!["BLPOP", &key, "0.2"],
        vec!["BLMOVE", &key, "elsewhere", "LEFT", "RIGHT", "0.2"],
        vec!["BZPOPMIN", &key, "0.2"],
        vec!["BLMPOP", "0.2", "1", &key, "LEFT"],
    ] {
        let start = Instant::now();
        let mut q = redis::cmd(cmd[0]);
        for a in &cmd[1..] {
            q.arg(*a);
        }
        let reply: Value = q.query(&mut c).unwrap();
        let waited = start.elapsed();
        assert_eq!(reply, Value::Nil, "{cmd:?}");
        assert!(
            waited >= Duration::from_millis(200),
            "{cmd:?} waited {waited:?}"
        );
        assert!(waited < LIMIT, "{cmd:?} waited {waited:?}");
    }
    assert_eq!(blocked(&mut c), 0);
    // The waiter was withdrawn: a push now stays in the list.
    assert_push_stays(&mut c, &key);
}

#[test]
fn a_client_that_disconnects_or_is_killed_stops_waiting() {
    let server = Server::start(&[]);
    let mut admin = client(server.port);
    let key = key_on(0, "gone");
    // Closes its socket while blocked.
    let mut raw = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    raw.write_all(
        format!(
            "*3\r\n$5\r\nBLPOP\r\n${}\r\n{key}\r\n$1\r\n0\r\n",
            key.len()
        )
        .as_bytes(),
    )
    .unwrap();
    wait_blocked(&mut admin, 1);
    drop(raw);
    wait_blocked(&mut admin, 0);
    // Killed while blocked.
    let mut victim = client(server.port);
    let id: i64 = redis::cmd("CLIENT").arg("ID").query(&mut victim).unwrap();
    let k2 = key.clone();
    let waiter = thread::spawn(move || {
        redis::cmd("BLPOP")
            .arg(&k2)
            .arg(0)
            .query::<Value>(&mut victim)
    });
    wait_blocked(&mut admin, 1);
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(id)
        .query(&mut admin)
        .unwrap();
    assert_eq!(killed, 1);
    assert!(
        waiter.join().unwrap().is_err(),
        "a killed client gets no reply"
    );
    wait_blocked(&mut admin, 0);
    // Neither took what is pushed now.
    assert_push_stays(&mut admin, &key);
}

#[test]
fn a_wait_on_keys_of_both_shards_is_served_once() {
    let server = Server::start(&[]);
    let mut admin = client(server.port);
    let (k0, k1) = (key_on(0, "multi"), key_on(1, "multi"));
    // Ready at once: the first key in argument order holding something.
    let _: i64 = redis::cmd("RPUSH")
        .arg(&k1)
        .arg("one")
        .query(&mut admin)
        .unwrap();
    let _: i64 = redis::cmd("RPUSH")
        .arg(&k0)
        .arg("zero")
        .query(&mut admin)
        .unwrap();
    let got: Value = redis::cmd("BLPOP")
        .arg(&k1)
        .arg(&k0)
        .arg(0)
        .query(&mut admin)
        .unwrap();
    assert_eq!(got, pair(&k1, "one"));
    let _: i64 = redis::cmd("DEL").arg(&k0).query(&mut admin).unwrap();
    // Waiting on both: a push to either serves it, and only once.
    for (pushed, other) in [(&k0, &k1), (&k1, &k0)] {
        let w = spawn_cmd(server.port, &["BLPOP", &k0, &k1, "0"]);
        wait_blocked(&mut admin, 1);
        let _: i64 = redis::cmd("RPUSH")
            .arg(pushed)
            .arg("v")
            .query(&mut admin)
            .unwrap();
        assert_eq!(w.join().unwrap(), pair(pushed, "v"));
        wait_blocked(&mut admin, 0);
        let _: i64 = redis::cmd("RPUSH")
            .arg(other)
            .arg("stays")
            .query(&mut admin)
            .unwrap();
        let len: i64 = redis::cmd("LLEN").arg(other).query(&mut admin).unwrap();
        assert_eq!(len, 1, "the wait on {other} was withdrawn");
        let _: i64 = redis::cmd("DEL").arg(other).query(&mut admin).unwrap();
    }
    // Sorted sets too.
    let w = spawn_cmd(server.port, &["BZPOPMAX", &k0, &k1, "0"]);
    wait_blocked(&mut admin, 1);
    let _: i64 = redis::cmd("ZADD")
        .arg(&k1)
        .arg(&[("1", "a"), ("2", "b")])
        .query(&mut admin)
        .unwrap();
    assert_eq!(
        w.join().unwrap(),
        Value::Array(vec![bulk(&k1), bulk("b"), bulk("2")])
    );
}

#[test]
fn blmove_between_shards_moves_atomically_when_woken() {
    let server = Server::start(&[]);
    let mut admin = client(server.port);
    for (src_shard, dst_shard) in [(0, 1), (1, 0), (0, 0)] {
        let src = key_on(src_shard, &format!("src{dst_shard}-"));
        let dst = key_on(dst_shard, &format!("dst{src_shard}-"));
        let w = spawn_cmd(server.port, &["BLMOVE", &src, &dst, "LEFT", "RIGHT", "0"]);
        wait_blocked(&mut admin, 1);
        let _: i64 = redis::cmd("RPUSH")
            .arg(&src)
            .arg(&["x", "y"])
            .query(&mut admin)
            .unwrap();
        assert_eq!(w.join().unwrap(), bulk("x"));
        let src_left: Vec<String> = redis::cmd("LRANGE")
            .arg(&src)
            .arg(0)
            .arg(-1)
            .query(&mut admin)
            .unwrap();
        let moved: Vec<String> = redis::cmd("LRANGE")
            .arg(&dst)
            .arg(0)
            .arg(-1)
            .query(&mut admin)
            .unwrap();
        assert_eq!(
            (src_left, moved),
            (vec!["y".to_string()], vec!["x".to_string()])
        );
    }
}

#[test]
fn a_move_can_wake_the_next_waiter() {
    let server = Server::start(&[]);
    let mut admin = client(server.port);
    let (a, b) = (key_on(0, "chain-a"), key_on(1, "chain-b"));
    let (c, d) = (key_on(1, "chain-c"), key_on(1, "chain-d"));
    // Across shards, and (c to d) on one shard, where the move and the pop
    // follow the push at once, as in Redis.
    for (from, to) in [(&a, &b), (&c, &d)] {
        let mover = spawn_cmd(server.port, &["BRPOPLPUSH", from, to, "0"]);
        wait_blocked(&mut admin, 1);
        let popper = spawn_cmd(server.port, &["BLPOP", to, "0"]);
        wait_blocked(&mut admin, 2);
        let _: i64 = redis::cmd("LPUSH")
            .arg(from)
            .arg("token")
            .query(&mut admin)
            .unwrap();
        assert_eq!(mover.join().unwrap(), bulk("token"));
        assert_eq!(popper.join().unwrap(), pair(to, "token"));
        let left: i64 = redis::cmd("EXISTS")
            .arg(from)
            .arg(to)
            .query(&mut admin)
            .unwrap();
        assert_eq!(left, 0);
    }
}

#[test]
fn a_transaction_serves_waiters_after_it_ends() {
    let server = Server::start(&[]);
    let mut admin = client(server.port);
    // A key of each shard: the transaction is one shard's, then both's.
    let (k0, k1) = (key_on(0, "tx"), key_on(1, "tx"));
    for keys in [vec![&k0], vec![&k0, &k1]] {
        let waiters: Vec<_> = keys
            .iter()
            .map(|k| spawn_cmd(server.port, &["BLPOP", k, "0"]))
            .collect();
        wait_blocked(&mut admin, keys.len());
        let mut pipe = redis::pipe();
        pipe.atomic();
        for k in &keys {
            pipe.cmd("RPUSH").arg(*k).arg("v").ignore();
            pipe.cmd("LLEN").arg(*k);
        }
        // Inside the transaction, nobody was served yet.
        let lens: Vec<i64> = pipe.query(&mut admin).unwrap();
        assert_eq!(lens, vec![1; keys.len()]);
        for (w, k) in waiters.into_iter().zip(&keys) {
            assert_eq!(w.join().unwrap(), pair(k, "v"));
        }
    }
}

#[test]
fn a_waiter_for_another_type_keeps_waiting() {
    let server = Server::start(&[]);
    let mut admin = client(server.port);
    let key = key_on(1, "typed");
    let w = spawn_cmd(server.port, &["BLPOP", &key, "0"]);
    wait_blocked(&mut admin, 1);
    let _: i64 = redis::cmd("ZADD")
        .arg(&key)
        .arg(1)
        .arg("m")
        .query(&mut admin)
        .unwrap();
    let _: i64 = redis::cmd("DEL").arg(&key).query(&mut admin).unwrap();
    let _: () = redis::cmd("SET")
        .arg(&key)
        .arg("s")
        .query(&mut admin)
        .unwrap();
    let _: i64 = redis::cmd("DEL").arg(&key).query(&mut admin).unwrap();
    assert_eq!(blocked(&mut admin), 1, "still waiting for a list");
    let _: i64 = redis::cmd("RPUSH")
        .arg(&key)
        .arg("x")
        .query(&mut admin)
        .unwrap();
    assert_eq!(w.join().unwrap(), pair(&key, "x"));
}

#[test]
fn swapdb_serves_waiters_on_keys_it_brings() {
    let server = Server::start(&[]);
    let mut admin = client(server.port);
    let (k0, k1) = (key_on(0, "swap"), key_on(1, "swap"));
    let waiters: Vec<_> = [&k0, &k1]
        .iter()
        .map(|k| spawn_cmd(server.port, &["BLPOP", k, "0"]))
        .collect();
    wait_blocked(&mut admin, 2);
    let _: () = redis::cmd("SELECT").arg(1).query(&mut admin).unwrap();
    for k in [&k0, &k1] {
        let _: i64 = redis::cmd("RPUSH")
            .arg(k)
            .arg("from-1")
            .query(&mut admin)
            .unwrap();
    }
    assert_eq!(blocked(&mut admin), 2, "they wait in database 0");
    let _: () = redis::cmd("SWAPDB")
        .arg(0)
        .arg(1)
        .query(&mut admin)
        .unwrap();
    for (w, k) in waiters.into_iter().zip([&k0, &k1]) {
        assert_eq!(w.join().unwrap(), pair(k, "from-1"));
    }
}

#[test]
fn a_served_pop_reports_its_keyspace_events() {
    let server = Server::start(&[]);
    let mut admin = client(server.port);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("notify-keyspace-events")
        .arg("KEA")
        .query(&mut admin)
        .unwrap();
    let key = key_on(1, "events");
    let mut sub_conn = client(server.port);
    let mut sub = sub_conn.as_pubsub();
    sub.psubscribe("__keyspace@0__:*").unwrap();
    let w = spawn_cmd(server.port, &["BLPOP", &key, "0"]);
    wait_blocked(&mut admin, 1);
    let _: i64 = redis::cmd("RPUSH")
        .arg(&key)
        .arg("v")
        .query(&mut admin)
        .unwrap();
    assert_eq!(w.join().unwrap(), pair(&key, "v"));
    // As Redis: the push creates the key, the served pop empties it.
    let events: Vec<String> = (0..3)
        .map(|_| sub.get_message().unwrap().get_payload().unwrap())
        .collect();
    assert_eq!(events, ["rpush", "lpop", "del"]);
}

#[test]
fn requests_behind_a_blocked_one_run_after_it() {
    let server = Server::start(&[]);
    let mut admin = client(server.port);
    let key = key_on(0, "pipelined");
    let mut raw = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    raw.set_read_timeout(Some(LIMIT)).unwrap();
    let blpop = format!(
        "*3\r\n$5\r\nBLPOP\r\n${}\r\n{key}\r\n$1\r\n0\r\n",
        key.len()
    );
    // A reply before the blocked command goes out while it waits.
    raw.write_all(format!("*1\r\n$4\r\nPING\r\n{blpop}*2\r\n$4\r\nECHO\r\n$1\r\na\r\n").as_bytes())
        .unwrap();
    let mut first = [0u8; 7];
    raw.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"+PONG\r\n");
    wait_blocked(&mut admin, 1);
    // Sent while it waits: runs after it.
    raw.write_all(b"*2\r\n$4\r\nECHO\r\n$1\r\nb\r\n").unwrap();
    thread::sleep(Duration::from_millis(50));
    let _: i64 = redis::cmd("RPUSH")
        .arg(&key)
        .arg("v")
        .query(&mut admin)
        .unwrap();
    let want = format!(
        "*2\r\n${}\r\n{key}\r\n$1\r\nv\r\n$1\r\na\r\n$1\r\nb\r\n",
        key.len()
    );
    let mut got = vec![0u8; want.len()];
    raw.read_exact(&mut got).unwrap();
    assert_eq!(String::from_utf8_lossy(&got), want);
}

#[test]
fn timeouts_racing_pushes_lose_and_duplicate_nothing() {
    let server = Server::start(&[]);
    let (k0, k1) = (key_on(0, "race"), key_on(1, "race"));
    let pushed_per_key = 500;
    let consumers: Vec<_> = (0..6)
        .map(|_| {
            let (port, k0, k1) = (server.port, k0.clone(), k1.clone());
            thread::spawn(move || {
                let mut c = client(port);
                let mut got = Vec::new();
                let mut empty_in_a_row = 0;
                // Short timeouts, so that many expire while pushes arrive.
                while empty_in_a_row < 20 {
                    let v: Option<(String, String)> = redis::cmd("BLPOP")
                        .arg(&k0)
                        .arg(&k1)
                        .arg(0.01)
                        .query(&mut c)
                        .unwrap();
                    match v {
                        Some((_, v)) => {
                            got.push(v);
                            empty_in_a_row = 0;
                        }
                        None => empty_in_a_row += 1,
                    }
                }
                got
            })
        })
        .collect();
    let producers: Vec<_> = [k0.clone(), k1.clone()]
        .into_iter()
        .map(|k| {
            let port = server.port;
            thread::spawn(move || {
                let mut c = client(port);
                for i in 0..pushed_per_key {
                    let _: i64 = redis::cmd("RPUSH")
                        .arg(&k)
                        .arg(format!("{k}:{i}"))
                        .query(&mut c)
                        .unwrap();
                    if i % 50 == 0 {
                        thread::sleep(Duration::from_millis(15));
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.join().unwrap();
    }
    let mut all: Vec<String> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let mut admin = client(server.port);
    for k in [&k0, &k1] {
        let rest: Vec<String> = redis::cmd("LRANGE")
            .arg(k)
            .arg(0)
            .arg(-1)
            .query(&mut admin)
            .unwrap();
        all.extend(rest);
    }
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), total, "an element was served twice");
    assert_eq!(total, 2 * pushed_per_key, "an element was lost");
}

#[test]
fn client_unblock_ends_a_wait_as_a_timeout_or_an_error() {
    let server = Server::start(&[]);
    let mut admin = client(server.port);
    // Waits on keys of both shards and of one, from clients on either core.
    let cases = [
        (vec![key_on(0, "ub"), key_on(1, "ub")], None),
        (vec![key_on(1, "ub1")], Some("TIMEOUT")),
        (vec![key_on(0, "ub0")], Some("ERROR")),
    ];
    for (keys, reason) in &cases {
        let mut victim = client(server.port);
        let id: i64 = redis::cmd("CLIENT").arg("ID").query(&mut victim).unwrap();
        let keys = keys.clone();
        let waiter = thread::spawn(move || {
            let mut cmd = redis::cmd("BLPOP");
            for k in &keys {
                cmd.arg(k);
            }
            cmd.arg(0).query::<Value>(&mut victim)
        });
        wait_blocked(&mut admin, 1);
        let mut unblock = redis::cmd("CLIENT");
        unblock.arg("UNBLOCK").arg(id);
        if let Some(r) = reason {
            unblock.arg(*r);
        }
        let n: i64 = unblock.query(&mut admin).unwrap();
        assert_eq!(n, 1);
        let reply = waiter.join().unwrap();
        match *reason {
            Some("ERROR") => {
                let e = reply.unwrap_err();
                assert_eq!(e.code(), Some("UNBLOCKED"), "{e}");
                assert!(e
                    .to_string()
                    .contains("client unblocked via CLIENT UNBLOCK"));
            }
            _ => assert_eq!(reply.unwrap(), Value::Nil),
        }
        wait_blocked(&mut admin, 0);
        // It is no longer blocked: a second UNBLOCK finds nothing to end.
        let n: i64 = redis::cmd("CLIENT")
            .arg("UNBLOCK")
            .arg(id)
            .query(&mut admin)
            .unwrap();
        assert_eq!(n, 0);
    }
    // Nothing waits on the keys any more: a push stays.
    let key = key_on(0, "ub0");
    assert_push_stays(&mut admin, &key);
    // A client that is not blocked, and one that does not exist.
    let id: i64 = redis::cmd("CLIENT").arg("ID").query(&mut admin).unwrap();
    for target in [id, 1 << 40] {
        let n: i64 = redis::cmd("CLIENT")
            .arg("UNBLOCK")
            .arg(target)
            .query(&mut admin)
            .unwrap();
        assert_eq!(n, 0);
    }
}
