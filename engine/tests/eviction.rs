//! maxmemory and eviction against the real binary: each policy evicts the
//! keys it should, noeviction refuses writes with Redis's OOM error, the
//! memory bound holds under a write flood of mixed value sizes, and INFO,
//! OBJECT FREQ / IDLETIME and keyspace events report what happened.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

mod support;

use std::time::{Duration, Instant};
use support::{client, info_field, Server, LIMIT};

/// Values of the policy tests: about a kilobyte a key, so that memory
/// figures move by keys, not by noise.
const VALUE_LEN: usize = 1000;

fn server(policy: &str, threads: &str) -> (Server, redis::Connection) {
    let server = Server::start(&["--threads", threads, "--maxmemory-policy", policy]);
    let c = client(server.port);
    (server, c)
}

/// Sets `n` keys `prefix:0..n` to VALUE_LEN-byte values, with `ttl`
/// seconds to live when given.
fn fill(c: &mut redis::Connection, prefix: &str, n: usize, ttl: Option<u64>) {
    let value = vec![b'v'; VALUE_LEN];
    let mut p = redis::pipe();
    for i in 0..n {
        let cmd = p.cmd("SET").arg(format!("{prefix}:{i}")).arg(&value[..]);
        if let Some(t) = ttl {
            cmd.arg("EX").arg(t);
        }
        cmd.ignore();
    }
    p.query::<()>(c).unwrap();
}

/// How many of `prefix:0..n` exist (EXISTS does not count as a use).
fn present(c: &mut redis::Connection, prefix: &str, n: usize) -> usize {
    let mut p = redis::pipe();
    for i in 0..n {
        p.cmd("EXISTS").arg(format!("{prefix}:{i}"));
    }
    let found: Vec<i64> = p.query(c).unwrap();
    found.iter().filter(|&&e| e == 1).count()
}

fn used_memory(c: &mut redis::Connection) -> usize {
    info_field(c, "memory", "used_memory")
}

fn evicted_keys(c: &mut redis::Connection) -> u64 {
    info_field(c, "stats", "evicted_keys")
}

fn config_set(c: &mut redis::Connection, name: &str, value: &str) {
    let () = redis::cmd("CONFIG")
        .arg("SET")
        .arg(name)
        .arg(value)
        .query(c)
        .unwrap();
}

/// What INFO allocates while it reports used_memory (its own reply):
/// used_memory it reports may exceed what the server keeps by this much.
const INFO_SLACK: usize = 16 << 10;

/// Sets maxmemory `bytes` below what the server uses now; returns it.
fn limit_below_use(c: &mut redis::Connection, bytes: usize) -> usize {
    let limit = used_memory(c) - bytes;
    config_set(c, "maxmemory", &limit.to_string());
    limit
}

/// Sets maxmemory `bytes` below what the server uses now, and waits
/// (bounded) until evictions brought it under; returns the limit.
fn squeeze(c: &mut redis::Connection, bytes: usize) -> usize {
    let limit = limit_below_use(c, bytes);
    let deadline = Instant::now() + LIMIT;
    loop {
        // Each shard's periodic run (10 times a second) evicts.
        std::thread::sleep(Duration::from_millis(150));
        let used = used_memory(c);
        if used <= limit + INFO_SLACK {
            return limit;
        }
        assert!(
            Instant::now() < deadline,
            "still at {used} bytes, over {limit}, after {} evictions",
            evicted_keys(c)
        );
    }
}

#[test]
fn allkeys_lru_evicts_the_keys_used_least_recently() {
    let (_s, c) = &mut server("allkeys-lru", "1");
    fill(c, "cold", 2000, None);
    fill(c, "hot", 2000, None);
    // The LRU clock ticks once a second: two ticks apart, every hot key
    // is strictly more recent than every cold one.
    std::thread::sleep(Duration::from_millis(2100));
    let mut p = redis::pipe();
    for i in 0..2000 {
        p.cmd("GET").arg(format!("hot:{i}")).ignore();
    }
    p.query::<()>(c).unwrap();
    let idle: i64 = redis::cmd("OBJECT")
        .arg("IDLETIME")
        .arg("cold:0")
        .query(c)
        .unwrap();
    assert!(idle >= 2, "cold idle {idle} s");
    let idle: i64 = redis::cmd("OBJECT")
        .arg("IDLETIME")
        .arg("hot:0")
        .query(c)
        .unwrap();
    assert!(idle <= 1, "hot idle {idle} s");
    squeeze(c, 1 << 20);
    let (cold, hot) = (present(c, "cold", 2000), present(c, "hot", 2000));
    assert!(cold < 1500, "{cold} cold keys left");
    // Sampling approximates LRU: allow a handful of hot keys to go.
    assert!(hot >= 1980, "{hot} hot keys left");
    // (More may have gone since: the replies above took memory.)
    assert!(evicted_keys(c) >= (4000 - cold - hot) as u64);
}

#[test]
fn allkeys_lfu_evicts_the_keys_used_least_often() {
    let (_s, c) = &mut server("allkeys-lfu", "1");
    // Factor 0: every use counts, so the hot keys' counters are exact.
    config_set(c, "lfu-log-factor", "0");
    fill(c, "cold", 2000, None);
    fill(c, "hot", 2000, None);
    let mut p = redis::pipe();
    for _ in 0..10 {
        for i in 0..2000 {
            p.cmd("GET").arg(format!("hot:{i}")).ignore();
        }
    }
    p.query::<()>(c).unwrap();
    let freq = |c: &mut redis::Connection, key: &str| -> i64 {
        redis::cmd("OBJECT").arg("FREQ").arg(key).query(c).unwrap()
    };
    let (cold, hot) = (freq(c, "cold:0"), freq(c, "hot:0"));
    assert!(cold <= 5 && hot >= 14, "FREQ cold {cold}, hot {hot}");
    squeeze(c, 1 << 20);
    let (cold, hot) = (present(c, "cold", 2000), present(c, "hot", 2000));
    assert!(cold < 1500, "{cold} cold keys left");
    assert!(hot >= 1980, "{hot} hot keys left");
}

/// Under a `volatile-*` policy only keys with an expiry go.
fn only_volatile_keys_go(policy: &str) {
    let (_s, c) = &mut server(policy, "1");
    fill(c, "kept", 2000, None);
    fill(c, "volatile", 2000, Some(100_000));
    squeeze(c, 1 << 20);
    assert_eq!(present(c, "kept", 2000), 2000, "{policy}");
    assert!(present(c, "volatile", 2000) < 1500, "{policy}");
    assert!(evicted_keys(c) > 0);
}

#[test]
fn volatile_lru_evicts_only_keys_with_an_expiry() {
    only_volatile_keys_go("volatile-lru");
}

#[test]
fn volatile_lfu_evicts_only_keys_with_an_expiry() {
    only_volatile_keys_go("volatile-lfu");
}

#[test]
fn volatile_random_evicts_only_keys_with_an_expiry() {
    only_volatile_keys_go("volatile-random");
}

#[test]
fn volatile_ttl_evicts_the_keys_nearest_their_expiry() {
    let (_s, c) = &mut server("volatile-ttl", "1");
    fill(c, "kept", 1000, None);
    fill(c, "soon", 2000, Some(1_000));
    fill(c, "late", 2000, Some(1_000_000));
    squeeze(c, 1 << 20);
    assert_eq!(present(c, "kept", 1000), 1000);
    assert!(present(c, "soon", 2000) < 1500);
    assert!(present(c, "late", 2000) >= 1980);
}

#[test]
fn allkeys_random_evicts_on_every_shard() {
    let (_s, c) = &mut server("allkeys-random", "2");
    fill(c, "k", 4000, None);
    let limit = squeeze(c, 1 << 20);
    assert!(used_memory(c) <= limit + INFO_SLACK);
    let left: usize = redis::cmd("DBSIZE").query(c).unwrap();
    assert!(left < 4000 && left > 2000, "{left} keys left");
    assert!(evicted_keys(c) >= (4000 - left) as u64);
}

fn oom(result: redis::RedisResult<redis::Value>) {
    let err = result.expect_err("refused");
    assert_eq!(err.code(), Some("OOM"), "{err}");
    assert_eq!(
        err.detail(),
        Some("command not allowed when used memory > 'maxmemory'.")
    );
}

#[test]
fn noeviction_refuses_writes_and_keeps_serving_reads() {
    let (_s, c) = &mut server("noeviction", "2");
    fill(c, "k", 500, None);
    limit_below_use(c, 64 << 10);
    oom(redis::cmd("SET").arg("new").arg("v").query(c));
    oom(redis::cmd("LPUSH").arg("list").arg("v").query(c));
    // Refused whole: nothing of the transaction runs.
    let mut tx = redis::pipe();
    tx.atomic()
        .cmd("SET")
        .arg("k:0")
        .arg("x")
        .cmd("GET")
        .arg("k:1");
    assert!(tx.query::<redis::Value>(c).is_err());
    let v: Vec<u8> = redis::cmd("GET").arg("k:0").query(c).unwrap();
    assert_eq!(v, vec![b'v'; VALUE_LEN]);
    assert_eq!(present(c, "k", 500), 500);
    assert_eq!(evicted_keys(c), 0);
    // Deleting makes room, and writes are served again.
    let mut p = redis::pipe();
    for i in 0..500 {
        p.cmd("DEL").arg(format!("k:{i}")).ignore();
    }
    p.query::<()>(c).unwrap();
    let () = redis::cmd("SET").arg("new").arg("v").query(c).unwrap();
    // So does a larger limit.
    config_set(c, "maxmemory", "1");
    oom(redis::cmd("SET").arg("new").arg("v").query(c));
    config_set(c, "maxmemory", "0");
    let () = redis::cmd("SET").arg("new").arg("v").query(c).unwrap();
}

#[test]
fn volatile_policies_refuse_writes_when_no_key_has_an_expiry() {
    let (_s, c) = &mut server("volatile-lru", "1");
    fill(c, "k", 500, None);
    limit_below_use(c, 64 << 10);
    oom(redis::cmd("SET").arg("new").arg("v").query(c));
    assert_eq!(present(c, "k", 500), 500);
}

#[test]
fn info_and_keyspace_events_report_evictions() {
    let (s, c) = &mut server("allkeys-lru", "2");
    config_set(c, "notify-keyspace-events", "Ee");
    let mut sub = client(s.port);
    let mut pubsub = sub.as_pubsub();
    pubsub.subscribe("__keyevent@0__:evicted").unwrap();
    pubsub.set_read_timeout(Some(LIMIT)).unwrap();
    fill(c, "k", 2000, None);
    let limit = squeeze(c, 256 << 10);
    let msg = pubsub.get_message().unwrap();
    let key: String = msg.get_payload().unwrap();
    assert!(key.starts_with("k:"), "{key}");
    assert_eq!(info_field::<usize>(c, "memory", "maxmemory"), limit);
    let policy: String = info_field(c, "memory", "maxmemory_policy");
    assert_eq!(policy, "allkeys-lru");
    let left: u64 = redis::cmd("DBSIZE").query(c).unwrap();
    let evicted = evicted_keys(c);
    assert!(evicted > 0);
    assert!(evicted + left >= 2000);
    let peak: usize = info_field(c, "memory", "used_memory_peak");
    assert!(peak > limit);
    let () = redis::cmd("CONFIG").arg("RESETSTAT").query(c).unwrap();
    assert_eq!(evicted_keys(c), 0);
}

/// Used memory stays within a few percent of maxmemory while clients
/// flood the server with writes of mixed sizes, on two shards.
#[test]
fn the_memory_bound_holds_under_a_write_flood_of_mixed_sizes() {
    const MAXMEMORY: usize = 32 << 20;
    let server = Server::start(&[
        "--threads",
        "2",
        "--maxmemory-policy",
        "allkeys-lru",
        "--maxmemory",
        "32mb",
    ]);
    let port = server.port;
    let writers: Vec<_> = (0..2u64)
        .map(|w| {
            std::thread::spawn(move || {
                let mut c = client(port);
                let mut x = w + 1;
                // About 128 MB in all: four times the limit.
                for round in 0..250 {
                    let mut p = redis::pipe();
                    for i in 0..32 {
                        // xorshift: sizes from 10 bytes to 8 KB.
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let len = 10 + (x % 8192) as usize;
                        p.cmd("SET")
                            .arg(format!("w{w}:{round}:{i}"))
                            .arg(vec![b'x'; len])
                            .ignore();
                    }
                    p.query::<()>(&mut c).unwrap();
                }
            })
        })
        .collect();
    let mut c = client(port);
    let mut highest = 0;
    while writers.iter().any(|w| !w.is_finished()) {
        highest = highest.max(used_memory(&mut c));
        std::thread::sleep(Duration::from_millis(5));
    }
    for w in writers {
        w.join().unwrap();
    }
    highest = highest.max(used_memory(&mut c));
    assert!(evicted_keys(&mut c) > 0);
    assert!(
        highest <= MAXMEMORY + MAXMEMORY / 20,
        "used_memory reached {highest} with maxmemory {MAXMEMORY}"
    );
}

fn lazyfreed(c: &mut redis::Connection) -> u64 {
    info_field(c, "memory", "lazyfreed_objects")
}

/// Waits (bounded) until `lazyfreed_objects` reaches `n`.
fn wait_lazyfreed(c: &mut redis::Connection, n: u64) {
    let deadline = Instant::now() + LIMIT;
    while lazyfreed(c) < n {
        assert!(Instant::now() < deadline, "lazyfreed_objects below {n}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn unlink_and_flushall_async_free_large_values_in_the_background() {
    let (_s, c) = &mut server("noeviction", "2");
    let before = used_memory(c);
    for chunk in 0..20 {
        let members: Vec<String> = (0..1000).map(|i| format!("member:{chunk}:{i}")).collect();
        let _: i64 = redis::cmd("SADD").arg("big").arg(members).query(c).unwrap();
    }
    let () = redis::cmd("SET").arg("small").arg("v").query(c).unwrap();
    assert!(used_memory(c) > before + (500 << 10));
    // A string is freed at once; a set of 20,000 members in the background.
    let n: i64 = redis::cmd("UNLINK")
        .arg("small")
        .arg("big")
        .query(c)
        .unwrap();
    assert_eq!(n, 2);
    wait_lazyfreed(c, 1);
    assert_eq!(lazyfreed(c), 1);
    assert!(used_memory(c) < before + (200 << 10));
    // FLUSHALL ASYNC counts the keys it hands over.
    fill(c, "k", 300, None);
    let () = redis::cmd("FLUSHALL").arg("ASYNC").query(c).unwrap();
    wait_lazyfreed(c, 301);
    let pending: u64 = info_field(c, "memory", "lazyfree_pending_objects");
    assert_eq!(pending, 0);
    let keys: u64 = redis::cmd("DBSIZE").query(c).unwrap();
    assert_eq!(keys, 0);
}
