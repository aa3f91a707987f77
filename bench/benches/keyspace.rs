//! criterion micro-benchmarks of one shard's keyspace (shoal-engine `keyspace::Db`, over the
//! extendible-hashing `keyspace::table::Table`): GET and SET on a database of 1,000,000 keys
//! `key:%012d` with 32-byte values, the benchmark bars' key space (issue 3), and a batch of 16
//! GETs with and without the batch prefetch the connection does before it runs a parsed batch
//! (engine/src/connection.rs, `Connection::prefetch`, which calls `Db::prefetch`).
//!
//! Keys are drawn uniformly from a fixed-seed generator, so every run looks up the same keys in
//! the same order. The database (a few hundred MB, far more than the last-level cache) is built
//! once for the whole file; a lookup pays the cache misses a server's does.
//!
//! A GET here is the lookup plus copying the value's bytes out, which touches the value as the
//! GET handler's reply does; it is not the command (no dispatch, no reply encoding).
//!
//! `cargo bench -p shoal-bench --bench keyspace`; see bench/README.md.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use shoal_engine::keyspace::{Db, ValueRef};

// The server's allocator, so allocation costs (SET) and heap layout (GET) are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Keys in the database: `key:000000000000` to `key:000000999999`.
const KEY_COUNT: u64 = 1_000_000;
/// Value size of every stored string.
const VALUE_SIZE: usize = 32;
/// A key is `key:` and 12 digits.
const KEY_SIZE: usize = 16;
/// Keys drawn ahead of the measurement and cycled through: as many as the database holds, so
/// the lookups of a run spread over the whole table rather than a cache-sized part of it.
const DRAWN_KEYS_LEN: usize = 1 << 20;
/// The batch of the prefetch comparison: the pipeline depth of the benchmark bars.
const BATCH_LEN: usize = 16;
/// No key has an expiry, so the clock only has to be fixed.
const NOW_MS: u64 = 1_700_000_000_000;
/// Key numbers of inserted keys start here, above every stored and every missing key.
const INSERTED_KEYS_START: u64 = 10 * KEY_COUNT;

type Group<'a> = BenchmarkGroup<'a, criterion::measurement::WallTime>;

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

/// `key:%012d`, the load generator's key form.
fn key(n: u64) -> [u8; KEY_SIZE] {
    debug_assert!(n < 1_000_000_000_000);
    let mut key = *b"key:000000000000";
    let mut rest = n;
    for digit in key[4..].iter_mut().rev() {
        *digit = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    key
}

/// Keys drawn ahead of time, cycled through so that drawing costs nothing measured.
struct DrawnKeys {
    keys: Vec<[u8; KEY_SIZE]>,
    next: usize,
}

impl DrawnKeys {
    /// [`DRAWN_KEYS_LEN`] keys with numbers drawn uniformly from `range`.
    fn uniform(seed: u64, range: std::ops::Range<u64>) -> Self {
        let mut rng = SmallRng::seed_from_u64(seed);
        let keys = (0..DRAWN_KEYS_LEN)
            .map(|_| key(rng.random_range(range.clone())))
            .collect();
        DrawnKeys { keys, next: 0 }
    }

    fn next(&mut self) -> &[u8] {
        let key = &self.keys[self.next];
        self.next = (self.next + 1) % self.keys.len();
        key
    }

    /// The next `BATCH_LEN` keys, consecutive in the draw.
    fn next_batch(&mut self) -> &[[u8; KEY_SIZE]] {
        if self.next + BATCH_LEN > self.keys.len() {
            self.next = 0;
        }
        let batch = &self.keys[self.next..self.next + BATCH_LEN];
        self.next += BATCH_LEN;
        batch
    }
}

/// A database of [`KEY_COUNT`] keys with 32-byte values, hashed with fixed seeds.
fn build_db() -> Db {
    let mut db = Db::new(ahash::RandomState::with_seeds(1, 2, 3, 4));
    let value = [b'x'; VALUE_SIZE];
    for n in 0..KEY_COUNT {
        db.set_string(&key(n), &value, 0, NOW_MS);
    }
    assert_eq!(db.len() as u64, KEY_COUNT);
    db
}

/// What GET reads: the value's bytes appended to `out`. Returns whether the key was there.
fn get(db: &mut Db, key: &[u8], out: &mut Vec<u8>) -> bool {
    let Some(entry) = db.get(key, NOW_MS) else {
        return false;
    };
    match entry.value() {
        ValueRef::Str(bytes) | ValueRef::Raw(bytes) => out.extend_from_slice(bytes),
        ValueRef::Int(n) => out.extend_from_slice(&n.to_le_bytes()),
        // GET answers WRONGTYPE here: no bytes to copy.
        ValueRef::Hash(_) | ValueRef::Set(_) | ValueRef::List(_) | ValueRef::ZSet(_) => {}
    }
    true
}

fn bench_get(group: &mut Group<'_>, db: &mut Db) {
    group.throughput(Throughput::Elements(1));
    let mut out = Vec::with_capacity(VALUE_SIZE);
    let mut hits = DrawnKeys::uniform(1, 0..KEY_COUNT);
    group.bench_function("hit", |b| {
        b.iter(|| {
            out.clear();
            let found = get(db, black_box(hits.next()), &mut out);
            debug_assert!(found);
            found
        });
    });
    let mut misses = DrawnKeys::uniform(2, KEY_COUNT..2 * KEY_COUNT);
    group.bench_function("miss", |b| {
        b.iter(|| {
            out.clear();
            let found = get(db, black_box(misses.next()), &mut out);
            debug_assert!(!found);
            found
        });
    });
}

fn bench_set(group: &mut Group<'_>, db: &mut Db) {
    group.throughput(Throughput::Elements(1));
    let value = [b'y'; VALUE_SIZE];
    let mut existing = DrawnKeys::uniform(3, 0..KEY_COUNT);
    // What SET does (`Db::set_string`): a string of the same length is overwritten in place.
    group.bench_function("overwrite", |b| {
        b.iter(|| db.set_string(black_box(existing.next()), black_box(&value), 0, NOW_MS));
    });
    // New keys, removed again outside the measurement so the database stays at its size. The
    // table keeps the segments the first inserts split, so later samples mostly measure inserts
    // into segments with room: the growth cost is in the first samples only, spread thin.
    let mut next_new = INSERTED_KEYS_START;
    group.bench_function("insert", |b| {
        b.iter_custom(|iters| {
            let keys: Vec<[u8; KEY_SIZE]> = (next_new..next_new + iters).map(key).collect();
            next_new += iters;
            let start = Instant::now();
            for key in &keys {
                db.set_string(black_box(key), black_box(&value), 0, NOW_MS);
            }
            let elapsed = start.elapsed();
            for key in &keys {
                db.remove(key);
            }
            debug_assert_eq!(db.len() as u64, KEY_COUNT);
            elapsed
        });
    });
}

fn bench_batch(group: &mut Group<'_>, db: &mut Db) {
    // Per key, so both read as time per GET.
    group.throughput(Throughput::Elements(BATCH_LEN as u64));
    let mut out = Vec::with_capacity(BATCH_LEN * VALUE_SIZE);
    let mut keys = DrawnKeys::uniform(4, 0..KEY_COUNT);
    group.bench_function("without_prefetch", |b| {
        b.iter(|| {
            out.clear();
            for key in keys.next_batch() {
                get(db, black_box(key), &mut out);
            }
            out.len()
        });
    });
    let mut keys = DrawnKeys::uniform(4, 0..KEY_COUNT);
    group.bench_function("with_prefetch", |b| {
        b.iter(|| {
            out.clear();
            let batch = keys.next_batch();
            db.prefetch(batch.iter().map(|key| black_box(&key[..])));
            for key in batch {
                get(db, black_box(key), &mut out);
            }
            out.len()
        });
    });
}

fn keyspace(c: &mut Criterion) {
    let mut db = build_db();
    let mut group = c.benchmark_group("get");
    bench_get(&mut group, &mut db);
    group.finish();
    let mut group = c.benchmark_group("set");
    bench_set(&mut group, &mut db);
    group.finish();
    let mut group = c.benchmark_group("get_batch16");
    bench_batch(&mut group, &mut db);
    group.finish();
    db.verify_invariants();
}

criterion_group! {
    name = benches;
    config = config();
    targets = keyspace
}
criterion_main!(benches);
