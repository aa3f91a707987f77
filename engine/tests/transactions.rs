//! Transactions across shards, black box: `shoal-server --threads 2` under
//! concurrent load from real clients. No client may ever observe part of a
//! MULTI/EXEC or of a multi-key command whose keys live on both shards.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

mod support;

use shoal_engine::shard::shard_of;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use support::{client, Server};

/// How long each concurrent test drives load.
const LOAD_TIME: Duration = Duration::from_millis(1500);
const ACCOUNTS: usize = 8;
const BALANCE: i64 = 1000;

/// Account keys spread over both shards of a two-thread server.
fn accounts() -> Vec<String> {
    let keys: Vec<String> = (0..ACCOUNTS).map(|i| format!("acct:{i}")).collect();
    let on_zero = keys
        .iter()
        .filter(|k| shard_of(k.as_bytes(), 2).0 == 0)
        .count();
    assert!(
        on_zero > 0 && on_zero < ACCOUNTS,
        "accounts must live on both shards"
    );
    keys
}

/// `name` (MSET or MSETNX) of every key to `value`.
fn set_all(name: &str, keys: &[String], value: impl redis::ToRedisArgs + Copy) -> redis::Cmd {
    let mut cmd = redis::cmd(name);
    for k in keys {
        cmd.arg(k).arg(value);
    }
    cmd
}

/// A small deterministic random source for the load.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn transfers_across_shards_are_never_seen_half_done() {
    let server = Server::start(&["--threads", "2"]);
    let port = server.port;
    let keys = Arc::new(accounts());
    let mut c = client(port);
    let _: () = set_all("MSET", &keys, BALANCE).query(&mut c).unwrap();
    let total = BALANCE * ACCOUNTS as i64;
    let deadline = Instant::now() + LOAD_TIME;
    let transfers = Arc::new(AtomicU64::new(0));
    let checks = Arc::new(AtomicU64::new(0));

    let mut threads = Vec::new();
    for w in 0..3u64 {
        let (keys, transfers) = (keys.clone(), transfers.clone());
        threads.push(thread::spawn(move || {
            let mut c = client(port);
            let mut rng = Rng(0x9E37_79B9 + w);
            while Instant::now() < deadline {
                let from = rng.below(ACCOUNTS as u64) as usize;
                let to = (from + 1 + rng.below(ACCOUNTS as u64 - 1) as usize) % ACCOUNTS;
                let amount = 1 + rng.below(50) as i64;
                let (a, b): (i64, i64) = redis::pipe()
                    .atomic()
                    .cmd("DECRBY")
                    .arg(&keys[from])
                    .arg(amount)
                    .cmd("INCRBY")
                    .arg(&keys[to])
                    .arg(amount)
                    .query(&mut c)
                    .unwrap();
                assert!(a < total && b > -total);
                transfers.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for r in 0..2 {
        let (keys, checks) = (keys.clone(), checks.clone());
        threads.push(thread::spawn(move || {
            let mut c = client(port);
            while Instant::now() < deadline {
                let balances: Vec<i64> = if r == 0 {
                    redis::cmd("MGET").arg(&keys[..]).query(&mut c).unwrap()
                } else {
                    let (b,): (Vec<i64>,) = redis::pipe()
                        .atomic()
                        .cmd("MGET")
                        .arg(&keys[..])
                        .query(&mut c)
                        .unwrap();
                    b
                };
                assert_eq!(
                    balances.iter().sum::<i64>(),
                    total,
                    "a transfer was seen half done: {balances:?}"
                );
                checks.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    let balances: Vec<i64> = redis::cmd("MGET").arg(&keys[..]).query(&mut c).unwrap();
    assert_eq!(balances.iter().sum::<i64>(), total);
    let (t, k) = (
        transfers.load(Ordering::Relaxed),
        checks.load(Ordering::Relaxed),
    );
    assert!(
        t >= 100 && k >= 100,
        "too little load: {t} transfers, {k} checks"
    );
}

#[test]
fn mset_and_del_across_shards_are_atomic() {
    let server = Server::start(&["--threads", "2"]);
    let port = server.port;
    let keys = Arc::new(accounts());
    let deadline = Instant::now() + LOAD_TIME;
    let reads = Arc::new(AtomicU64::new(0));
    let writer = {
        let keys = keys.clone();
        thread::spawn(move || {
            let mut c = client(port);
            let mut v = 0u64;
            while Instant::now() < deadline {
                v += 1;
                let _: () = set_all("MSET", &keys, v).query(&mut c).unwrap();
                if v.is_multiple_of(3) {
                    let n: usize = redis::cmd("DEL").arg(&keys[..]).query(&mut c).unwrap();
                    assert_eq!(n, ACCOUNTS);
                }
            }
        })
    };
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (keys, reads) = (keys.clone(), reads.clone());
            thread::spawn(move || {
                let mut c = client(port);
                while Instant::now() < deadline {
                    let values: Vec<Option<u64>> =
                        redis::cmd("MGET").arg(&keys[..]).query(&mut c).unwrap();
                    assert!(
                        values.iter().all(|v| *v == values[0]),
                        "an MSET or DEL was seen half done: {values:?}"
                    );
                    let exists: usize = redis::cmd("EXISTS").arg(&keys[..]).query(&mut c).unwrap();
                    assert!(exists == 0 || exists == ACCOUNTS, "{exists} keys exist");
                    reads.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    writer.join().unwrap();
    for r in readers {
        r.join().unwrap();
    }
    assert!(reads.load(Ordering::Relaxed) >= 100);
}

#[test]
fn watch_sees_writes_from_every_core() {
    let server = Server::start(&["--threads", "2"]);
    let keys = accounts();
    // Several writer connections, so that some land on the other core.
    let mut writers: Vec<redis::Connection> = (0..4).map(|_| client(server.port)).collect();
    let mut c = client(server.port);
    for (i, key) in keys.iter().enumerate() {
        let w = &mut writers[i % 4];
        let _: () = redis::cmd("SET").arg(key).arg(1).query(&mut c).unwrap();
        let _: () = redis::cmd("WATCH").arg(key).query(&mut c).unwrap();
        let _: () = redis::cmd("SET").arg(key).arg(2).query(w).unwrap();
        let r: Option<(i64,)> = redis::pipe()
            .atomic()
            .cmd("INCR")
            .arg(key)
            .query(&mut c)
            .unwrap();
        assert_eq!(r, None, "EXEC ran although {key} was modified");
        // Not modified: EXEC runs.
        let _: () = redis::cmd("WATCH").arg(key).query(&mut c).unwrap();
        let r: Option<(i64,)> = redis::pipe()
            .atomic()
            .cmd("INCR")
            .arg(key)
            .query(&mut c)
            .unwrap();
        assert_eq!(r, Some((3,)));
    }
    // A watched key that expires fails EXEC, as in Redis.
    let key = &keys[0];
    let _: () = redis::cmd("SET")
        .arg(key)
        .arg(1)
        .arg("PX")
        .arg(50)
        .query(&mut c)
        .unwrap();
    let _: () = redis::cmd("WATCH").arg(key).query(&mut c).unwrap();
    thread::sleep(Duration::from_millis(120));
    let r: Option<(String,)> = redis::pipe().atomic().cmd("PING").query(&mut c).unwrap();
    assert_eq!(r, None);
    // Watching a key on each shard, then a write from another client to one.
    let _: () = redis::cmd("WATCH").arg(&keys[..]).query(&mut c).unwrap();
    let _: () = redis::cmd("DEL")
        .arg(&keys[ACCOUNTS - 1])
        .query(&mut writers[1])
        .unwrap();
    let r: Option<(i64,)> = redis::pipe()
        .atomic()
        .cmd("EXISTS")
        .arg(&keys[..])
        .query(&mut c)
        .unwrap();
    assert_eq!(r, None);
}

/// A sorted set write fails a WATCH exactly when Redis signals the key as
/// modified: when it added, updated or removed something.
#[test]
fn watch_sees_sorted_set_writes_only_when_they_change_something() {
    let server = Server::start(&["--threads", "2"]);
    let mut c = client(server.port);
    let mut w = client(server.port);
    let cases: &[(&[&str], bool)] = &[
        (&["ZADD", "zw", "1", "a"], false),
        (&["ZADD", "zw", "2", "a"], true),
        (&["ZADD", "zw", "1", "new"], true),
        (&["ZADD", "zw", "NX", "5", "a"], false),
        (&["ZADD", "zw", "XX", "1", "nomember"], false),
        (&["ZADD", "zw", "GT", "0", "a"], false),
        (&["ZADD", "zw", "XX", "CH", "1", "a", "2", "b"], false),
        (&["ZADD", "zw", "INCR", "0", "a"], false),
        (&["ZINCRBY", "zw", "0", "a"], false),
        (&["ZINCRBY", "zw", "1", "a"], true),
        (&["ZADD", "zw", "x", "a"], false),
        (&["ZREM", "zw", "nomember"], false),
        (&["ZREM", "zw", "a"], true),
        (&["ZREMRANGEBYSCORE", "zw", "100", "200"], false),
        (&["ZREMRANGEBYSCORE", "zw", "2", "2"], true),
        (&["ZREMRANGEBYRANK", "zw", "5", "9"], false),
        (&["ZREMRANGEBYRANK", "zw", "0", "0"], true),
        (&["ZREMRANGEBYLEX", "zw", "(z", "+"], false),
        (&["ZPOPMIN", "zw", "0"], false),
        (&["ZPOPMIN", "zw-missing"], false),
        (&["ZPOPMAX", "zw"], true),
        (&["ZRANGE", "zw", "0", "-1", "WITHSCORES"], false),
        (&["ZRANDMEMBER", "zw", "-5"], false),
        (&["ZREM", "zw", "a", "b", "c"], true),
    ];
    for (write, modifies) in cases {
        let _: () = redis::cmd("DEL").arg("zw").query(&mut c).unwrap();
        let _: i64 = redis::cmd("ZADD")
            .arg(&["zw", "1", "a", "2", "b", "3", "c"])
            .query(&mut c)
            .unwrap();
        let _: () = redis::cmd("WATCH").arg("zw").query(&mut c).unwrap();
        let mut cmd = redis::cmd(write[0]);
        cmd.arg(&write[1..]);
        let _: redis::Value = cmd.query(&mut w).unwrap_or(redis::Value::Nil);
        let r: Option<(String,)> = redis::pipe().atomic().cmd("PING").query(&mut c).unwrap();
        assert_eq!(r.is_none(), *modifies, "{write:?}");
    }
}

#[test]
fn rename_across_shards_is_atomic() {
    const RINGS: usize = 4;
    let server = Server::start(&["--threads", "2"]);
    let port = server.port;
    // Each ring of keys spans both shards; one token moves around each.
    let rings: Vec<Vec<String>> = (0..RINGS)
        .map(|r| (0..ACCOUNTS).map(|i| format!("ring{r}:{i}")).collect())
        .collect();
    for ring in &rings {
        assert!(ring.iter().any(|k| shard_of(k.as_bytes(), 2).0 == 0));
        assert!(ring.iter().any(|k| shard_of(k.as_bytes(), 2).0 == 1));
    }
    let all: Arc<Vec<String>> = Arc::new(rings.iter().flatten().cloned().collect());
    let mut c = client(port);
    for ring in &rings {
        let _: () = redis::cmd("SET")
            .arg(&ring[0])
            .arg("token")
            .query(&mut c)
            .unwrap();
    }
    let deadline = Instant::now() + LOAD_TIME;
    let checks = Arc::new(AtomicU64::new(0));
    let movers: Vec<_> = rings
        .into_iter()
        .map(|ring| {
            thread::spawn(move || {
                let mut c = client(port);
                let (mut at, mut moves) = (0, 0u64);
                while Instant::now() < deadline {
                    let next = (at + 1) % ACCOUNTS;
                    let _: () = redis::cmd("RENAME")
                        .arg(&ring[at])
                        .arg(&ring[next])
                        .query(&mut c)
                        .unwrap();
                    at = next;
                    moves += 1;
                }
                moves
            })
        })
        .collect();
    let checkers: Vec<_> = (0..2)
        .map(|_| {
            let (all, checks) = (all.clone(), checks.clone());
            thread::spawn(move || {
                let mut c = client(port);
                while Instant::now() < deadline {
                    let values: Vec<Option<String>> =
                        redis::cmd("MGET").arg(&all[..]).query(&mut c).unwrap();
                    let present = values.iter().flatten().count();
                    assert_eq!(present, RINGS, "a RENAME was seen half done");
                    checks.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let moves: u64 = movers.into_iter().map(|m| m.join().unwrap()).sum();
    for ch in checkers {
        ch.join().unwrap();
    }
    assert!(moves >= 100 && checks.load(Ordering::Relaxed) >= 50);
    let n: usize = redis::cmd("EXISTS").arg(&all[..]).query(&mut c).unwrap();
    assert_eq!(n, RINGS);
}

#[test]
fn msetnx_races_have_one_winner_and_no_partial_sets() {
    const ROUNDS: usize = 600;
    const RACERS: usize = 4;
    let server = Server::start(&["--threads", "2"]);
    let port = server.port;
    let keys = Arc::new(accounts());
    let barrier = Arc::new(std::sync::Barrier::new(RACERS));
    let racers: Vec<_> = (0..RACERS as i64)
        .map(|id| {
            let (keys, barrier) = (keys.clone(), barrier.clone());
            thread::spawn(move || {
                let mut c = client(port);
                let mut wins = Vec::with_capacity(ROUNDS);
                for round in 0..ROUNDS {
                    if id == 0 {
                        let _: () = redis::cmd("DEL").arg(&keys[..]).query(&mut c).unwrap();
                    }
                    barrier.wait();
                    let won: i64 = set_all("MSETNX", &keys, id).query(&mut c).unwrap();
                    wins.push(won);
                    barrier.wait();
                    if id == 0 {
                        let values: Vec<Option<i64>> =
                            redis::cmd("MGET").arg(&keys[..]).query(&mut c).unwrap();
                        assert!(
                            values.iter().all(|v| v.is_some() && *v == values[0]),
                            "round {round}: {values:?}"
                        );
                    }
                    barrier.wait();
                }
                wins
            })
        })
        .collect();
    // A racer that fails leaves the others at the barrier for ever: wait
    // for all of them, bounded, before joining any.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !racers.iter().all(|r| r.is_finished()) {
        assert!(
            Instant::now() < deadline,
            "a racer failed and the others wait at the barrier"
        );
        thread::sleep(Duration::from_millis(10));
    }
    let wins: Vec<Vec<i64>> = racers.into_iter().map(|r| r.join().unwrap()).collect();
    for round in 0..ROUNDS {
        let winners: i64 = wins.iter().map(|w| w[round]).sum();
        assert_eq!(winners, 1, "round {round}");
    }
}

#[test]
fn swapdb_and_flushall_across_shards_are_atomic() {
    let server = Server::start(&["--threads", "2"]);
    let port = server.port;
    let keys = Arc::new(accounts());
    let mut c = client(port);
    let fill = |c: &mut redis::Connection, db: i64, value: &str| {
        let _: () = redis::cmd("SELECT").arg(db).query(c).unwrap();
        let _: () = set_all("MSET", &keys, value).query(c).unwrap();
        let _: () = redis::cmd("SELECT").arg(0).query(c).unwrap();
    };
    fill(&mut c, 0, "a");
    fill(&mut c, 1, "b");
    let deadline = Instant::now() + LOAD_TIME;
    let reads = Arc::new(AtomicU64::new(0));
    let swapper = thread::spawn(move || {
        let mut c = client(port);
        let mut n = 0u64;
        while Instant::now() < deadline {
            let _: () = redis::cmd("SWAPDB").arg(0).arg(1).query(&mut c).unwrap();
            n += 1;
        }
        n
    });
    let reader = {
        let (keys, reads) = (keys.clone(), reads.clone());
        thread::spawn(move || {
            let mut c = client(port);
            while Instant::now() < deadline {
                let values: Vec<String> = redis::cmd("MGET").arg(&keys[..]).query(&mut c).unwrap();
                assert!(
                    values.iter().all(|v| *v == values[0]),
                    "a SWAPDB was seen half done: {values:?}"
                );
                reads.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let swaps = swapper.join().unwrap();
    reader.join().unwrap();
    assert!(swaps >= 50 && reads.load(Ordering::Relaxed) >= 50);
    // FLUSHALL against readers: all keys or none.
    let deadline = Instant::now() + LOAD_TIME / 2;
    let flusher = {
        let keys = keys.clone();
        thread::spawn(move || {
            let mut c = client(port);
            while Instant::now() < deadline {
                let _: () = set_all("MSET", &keys, "x").query(&mut c).unwrap();
                let _: () = redis::cmd("FLUSHALL").query(&mut c).unwrap();
            }
        })
    };
    let mut c2 = client(port);
    while Instant::now() < deadline {
        let n: usize = redis::cmd("EXISTS").arg(&keys[..]).query(&mut c2).unwrap();
        assert!(
            n == 0 || n == ACCOUNTS,
            "a FLUSHALL was seen half done: {n}"
        );
    }
    flusher.join().unwrap();
}

#[test]
fn smove_and_sunionstore_across_shards_are_atomic() {
    let server = Server::start(&["--threads", "2"]);
    let port = server.port;
    let keys = Arc::new(accounts());
    let mut c = client(port);
    let _: () = redis::cmd("SADD")
        .arg(&keys[0])
        .arg("token")
        .query(&mut c)
        .unwrap();
    let deadline = Instant::now() + LOAD_TIME;
    let checks = Arc::new(AtomicU64::new(0));
    let mover = {
        let keys = keys.clone();
        thread::spawn(move || {
            let mut c = client(port);
            let (mut at, mut moves) = (0, 0u64);
            while Instant::now() < deadline {
                let next = (at + 1) % ACCOUNTS;
                let moved: i64 = redis::cmd("SMOVE")
                    .arg(&keys[at])
                    .arg(&keys[next])
                    .arg("token")
                    .query(&mut c)
                    .unwrap();
                assert_eq!(moved, 1);
                at = next;
                moves += 1;
            }
            moves
        })
    };
    let checker = {
        let (keys, checks) = (keys.clone(), checks.clone());
        thread::spawn(move || {
            let mut c = client(port);
            while Instant::now() < deadline {
                // The union of every set, stored and counted atomically.
                let n: i64 = redis::cmd("SUNIONSTORE")
                    .arg("{union}dst")
                    .arg(&keys[..])
                    .query(&mut c)
                    .unwrap();
                assert_eq!(n, 1, "an SMOVE was seen half done");
                let mut p = redis::pipe();
                p.atomic();
                for k in keys.iter() {
                    p.cmd("SCARD").arg(k);
                }
                let cards: Vec<i64> = p.query(&mut c).unwrap();
                assert_eq!(cards.iter().sum::<i64>(), 1, "{cards:?}");
                checks.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let moves = mover.join().unwrap();
    checker.join().unwrap();
    assert!(moves >= 50 && checks.load(Ordering::Relaxed) >= 20);
}
