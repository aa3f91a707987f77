//! criterion micro-benchmarks of shoal-proto: the request parser and the reply writer.
//!
//! Parsing is measured the way a connection drives it (engine/src/connection.rs,
//! `parse_batch`): the bytes of a read are appended to one long-lived `BytesMut`, the parser is
//! called until it reports an incomplete request, and the argument vector is cleared once per
//! batch, which lets the buffer reclaim the space the parsed requests held. Encoding appends to
//! one long-lived output buffer that is cleared per iteration, as a connection clears its output
//! buffer after each flush.
//!
//! `cargo bench -p shoal-bench --bench codec`; see bench/README.md.

use std::hint::black_box;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use shoal_proto::{Limits, Protocol, ReplyWriter, RequestParser};

// The server's allocator, so allocation costs are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Requests per pipelined batch, the pipeline depth of the benchmark bars (issue 3).
const PIPELINE: usize = 16;
/// The key every parsed request names: the `key:%012d` form of the load generator.
const KEY: &[u8] = b"key:000000123456";
/// Value size of the SET requests and of the bulk replies.
const VALUE_SIZE: usize = 32;
/// The large bulk of the incremental-parse benchmark, and the size of each read it arrives in.
const BIG_BULK_SIZE: usize = 1 << 20;
const READ_CHUNK_SIZE: usize = 16 << 10;

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

/// `args` encoded as one multibulk request.
fn multibulk(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The bytes of one read parsed to the end, as a connection does with each read.
struct ParseLoop {
    parser: RequestParser,
    inbuf: BytesMut,
    args: Vec<Bytes>,
}

impl ParseLoop {
    fn new() -> Self {
        ParseLoop {
            parser: RequestParser::new(Limits::default()),
            inbuf: BytesMut::with_capacity(READ_CHUNK_SIZE),
            args: Vec::new(),
        }
    }

    /// Appends `read` and parses every whole request in the buffer; returns how many there were.
    fn feed(&mut self, read: &[u8]) -> usize {
        self.args.clear();
        self.inbuf.extend_from_slice(read);
        let mut requests = 0;
        while let Some(argc) = self
            .parser
            .parse(&mut self.inbuf, true, &mut self.args)
            .expect("benchmark input is well formed")
        {
            black_box(argc);
            requests += 1;
        }
        requests
    }
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");

    let get = multibulk(&[b"GET", KEY]);
    let value = [b'x'; VALUE_SIZE];
    let set = multibulk(&[b"SET", KEY, &value]);
    let inline = [b"GET ", KEY, b"\r\n"].concat();
    let cases: [(&str, &[u8], usize); 4] = [
        ("get_multibulk", &get, PIPELINE),
        ("set_multibulk", &set, PIPELINE),
        ("get_inline", &inline, PIPELINE),
        ("get_multibulk", &get, 1),
    ];
    for (name, request, count) in cases {
        let read = request.repeat(count);
        // Per request, so the figure reads as time per request whatever the batch size.
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(BenchmarkId::new(name, count), &read, |b, read| {
            let mut parse = ParseLoop::new();
            b.iter(|| {
                let parsed = parse.feed(black_box(read));
                debug_assert_eq!(parsed, count);
                parsed
            });
        });
    }

    // A 1 MiB value arriving in 16 KiB reads: the parser must not rescan what it has seen.
    let big = vec![b'x'; BIG_BULK_SIZE];
    let request = multibulk(&[b"SET", KEY, &big]);
    group.throughput(Throughput::Bytes(request.len() as u64));
    group.bench_function("set_1mib_in_16kib_reads", |b| {
        let mut parse = ParseLoop::new();
        b.iter(|| {
            let mut parsed = 0;
            for read in request.chunks(READ_CHUNK_SIZE) {
                parsed += parse.feed(black_box(read));
            }
            debug_assert_eq!(parsed, 1);
            parsed
        });
    });
    group.finish();
}

/// One encoding benchmark: `write` appends one reply; throughput is its encoded size.
fn bench_encode(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    protocol: Protocol,
    write: impl Fn(&mut ReplyWriter<'_>),
) {
    let mut out = BytesMut::with_capacity(READ_CHUNK_SIZE);
    write(&mut ReplyWriter::new(&mut out, protocol));
    group.throughput(Throughput::Bytes(out.len() as u64));
    group.bench_function(name, |b| {
        b.iter(|| {
            out.clear();
            write(&mut ReplyWriter::new(&mut out, protocol));
            out.len()
        });
    });
}

fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    let value = [b'x'; VALUE_SIZE];
    bench_encode(&mut group, "simple", Protocol::Resp2, |w| {
        w.simple(black_box(b"PONG"))
    });
    bench_encode(&mut group, "integer", Protocol::Resp2, |w| {
        w.integer(black_box(1_234_567_890))
    });
    bench_encode(&mut group, "bulk_32b", Protocol::Resp2, |w| {
        w.bulk(black_box(&value))
    });
    // An MGET of ten keys.
    bench_encode(&mut group, "array_10_bulks_32b", Protocol::Resp2, |w| {
        w.array(10);
        for _ in 0..10 {
            w.bulk(black_box(&value));
        }
    });
    // A HELLO-sized map: seven short names with bulk and integer values.
    bench_encode(&mut group, "map_7_resp3", Protocol::Resp3, |w| {
        w.map(7);
        for (i, field) in [
            &b"server"[..],
            b"version",
            b"proto",
            b"id",
            b"mode",
            b"role",
            b"modules",
        ]
        .into_iter()
        .enumerate()
        {
            w.bulk(black_box(field));
            if i % 2 == 0 {
                w.bulk(black_box(b"standalone"));
            } else {
                w.integer(black_box(i as i64));
            }
        }
    });
    // %.17g formatting dominates: INCRBYFLOAT and ZSCORE replies.
    bench_encode(&mut group, "double_resp3", Protocol::Resp3, |w| {
        w.double(black_box(1234.5678))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = parse, encode
}
criterion_main!(benches);
