//! criterion micro-benchmarks of Redis Cluster hash slots (shoal-cluster `key_slot`): CRC16 of
//! the key, or of its `{hash tag}`. The engine computes one per key of every command to pick the
//! owning shard.
//!
//! `cargo bench -p shoal-bench --bench slot`; see bench/README.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use shoal_cluster::key_slot;

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

fn slot(c: &mut Criterion) {
    let long = [b"user:profile:".as_slice(), &[b'x'; 64 - 13]].concat();
    assert_eq!(long.len(), 64);
    let cases: [(&str, &[u8]); 3] = [
        // The load generator's keys.
        ("short_16b", b"key:000000123456"),
        // Only the 8 bytes of the tag are hashed, after scanning for the braces.
        ("hash_tag_24b", b"{user1000}.following:123"),
        ("long_64b", &long),
    ];
    let mut group = c.benchmark_group("key_slot");
    for (name, key) in cases {
        group.throughput(Throughput::Bytes(key.len() as u64));
        group.bench_function(name, |b| b.iter(|| key_slot(black_box(key))));
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = slot
}
criterion_main!(benches);
