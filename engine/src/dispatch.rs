//! Cross-shard dispatch. A connection turns one read's worth of requests
//! into at most one [`ShardBatch`] per shard (its own included), runs its own
//! inline, sends the others over the mesh, and merges what comes back in
//! request order. A shard executes a batch into a [`Sink`]: reply bytes plus
//! one [`Part`] per op, so split commands (MGET over several shards, DBSIZE
//! over all) are merged by their [`MergeFn`](crate::command::MergeFn) from
//! the parts of every shard.

use crate::command::{CommandSpec, Exec};
use crate::global::unix_ms;
use crate::node::Node;
use crate::shard::{Shard, ShardCtx};
use bytes::{Bytes, BytesMut};
use shoal_proto::{Protocol, ReplyWriter};
use std::ops::Range;

/// A shard's answer to one op.
#[derive(Debug)]
pub enum Part {
    /// A whole reply, encoded at this range of the sink.
    Reply(Range<usize>),
    /// A number to combine (counts, sizes).
    Int(i64),
    /// Encoded values, one range each, in the order of the op's keys.
    Items(Vec<Range<usize>>),
    /// Text at this range of the sink.
    Text(Range<usize>),
    /// A shard's and core's figures for INFO.
    Info(Box<InfoPart>),
    /// RANDOMKEY: the shard's key count and one random key.
    RandomKey {
        count: usize,
        key: Option<Box<[u8]>>,
    },
}

/// What one core reports for INFO.
#[derive(Debug, Default, Clone)]
pub struct InfoPart {
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub expired_keys: u64,
    pub commands_processed: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    /// (keys, keys with expiry) per database.
    pub keyspace: Vec<(usize, usize)>,
}

/// One command (or one shard's share of it) to run on a shard.
pub struct Op {
    pub spec: &'static CommandSpec,
    pub db: usize,
    pub protocol: Protocol,
    pub client_id: u64,
    /// The op's arguments in the batch's `args`.
    pub args: Range<usize>,
}

/// Everything one read sends to one shard: its ops, in request order.
#[derive(Default)]
pub struct ShardBatch {
    pub ops: Vec<Op>,
    pub args: Vec<Bytes>,
}

impl ShardBatch {
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
    pub fn clear(&mut self) {
        self.ops.clear();
        self.args.clear();
    }
    /// Queues an op whose arguments are `args`.
    pub fn push<'a>(
        &mut self,
        spec: &'static CommandSpec,
        db: usize,
        protocol: Protocol,
        client_id: u64,
        args: impl IntoIterator<Item = &'a Bytes>,
    ) -> usize {
        let start = self.args.len();
        self.args.extend(args.into_iter().cloned());
        self.ops.push(Op {
            spec,
            db,
            protocol,
            client_id,
            args: start..self.args.len(),
        });
        self.ops.len() - 1
    }
}

/// What a shard wrote for a batch: reply bytes and one part per op.
#[derive(Debug, Default)]
pub struct Sink {
    pub out: BytesMut,
    pub parts: Vec<Part>,
}

impl Sink {
    pub fn clear(&mut self) {
        self.out.clear();
        self.parts.clear();
    }
    pub fn bytes(&self, r: &Range<usize>) -> &[u8] {
        self.out.get(r.clone()).unwrap_or(&[])
    }
}

/// Runs a batch on this core's shard, to completion, in order.
pub fn execute(node: &Node, batch: &ShardBatch, sink: &mut Sink) {
    let mut shard = node.shard.borrow_mut();
    let now_ms = unix_ms();
    for op in &batch.ops {
        let part = run_op(node, &mut shard, now_ms, op, &batch.args, &mut sink.out);
        sink.parts.push(part);
    }
}

/// Runs one op on this core's shard: its arguments are `args[op.args]`, its
/// reply goes to the end of `out`.
pub fn run_op(
    node: &Node,
    shard: &mut Shard,
    now_ms: u64,
    op: &Op,
    args: &[Bytes],
    out: &mut BytesMut,
) -> Part {
    let args = &args[op.args.clone()];
    let mut ctx = ShardCtx {
        shard,
        db: op.db,
        now_ms,
        node,
        client_id: op.client_id,
    };
    let start = out.len();
    let mut w = ReplyWriter::new(out, op.protocol);
    match op.spec.exec {
        Exec::Shard(run) | Exec::Routed { run, .. } => {
            run(&mut ctx, args, &mut w);
            Part::Reply(start..out.len())
        }
        Exec::PerKey { part, .. } | Exec::AllShards { part, .. } => part(&mut ctx, args, &mut w),
        // Connection commands and containers never reach a shard: the
        // connection runs the former and resolves the latter first.
        Exec::Conn(_) | Exec::Container => {
            w.error(b"ERR internal error: command cannot run on a shard");
            Part::Reply(start..out.len())
        }
    }
}

/// Where one op of a split command landed: which shard's sink, which part.
#[derive(Clone, Copy, Debug)]
pub struct PartRef {
    pub shard: usize,
    pub index: usize,
}

/// The parts of one split command, for its merge function.
pub struct Parts<'a> {
    pub sinks: &'a [Sink],
    pub refs: &'a [PartRef],
    /// For per-key commands: the shard of each key, in request order.
    pub key_shards: &'a [usize],
    /// The core the client is connected to.
    pub node: &'a Node,
    /// The request's arguments, name first.
    pub argv: &'a [Bytes],
}

impl<'a> Parts<'a> {
    /// Every part with the sink it lives in.
    pub fn iter(&self) -> impl Iterator<Item = (&'a Sink, &'a Part)> + '_ {
        self.refs.iter().filter_map(|r| {
            let sink = self.sinks.get(r.shard)?;
            Some((sink, sink.parts.get(r.index)?))
        })
    }

    /// The sum of Int parts.
    pub fn sum(&self) -> i64 {
        self.iter()
            .map(|(_, p)| match p {
                Part::Int(n) => *n,
                _ => 0,
            })
            .fold(0i64, i64::saturating_add)
    }

    /// The encoded items of a per-key command, in the order of its keys.
    pub fn items_in_key_order(&self) -> Vec<&'a [u8]> {
        let mut cursors: Vec<(usize, &'a Sink, &'a [Range<usize>], usize)> = Vec::new();
        for r in self.refs {
            if let Some(sink) = self.sinks.get(r.shard) {
                if let Some(Part::Items(items)) = sink.parts.get(r.index) {
                    cursors.push((r.shard, sink, items, 0));
                }
            }
        }
        let mut out = Vec::with_capacity(self.key_shards.len());
        for &s in self.key_shards {
            if let Some(c) = cursors.iter_mut().find(|c| c.0 == s) {
                if let Some(range) = c.2.get(c.3) {
                    out.push(c.1.bytes(range));
                    c.3 += 1;
                }
            }
        }
        out
    }

    /// A reply part passed through unchanged (errors, mostly).
    pub fn first_reply(&self) -> Option<&'a [u8]> {
        self.iter().find_map(|(s, p)| match p {
            Part::Reply(r) => Some(s.bytes(r)),
            _ => None,
        })
    }
}

/// Merge for commands whose parts are counts: the integer sum.
pub fn merge_sum(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    out.integer(parts.sum());
}

/// Merge for commands every shard answers OK (or an error) to.
pub fn merge_ok(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    match parts.first_reply() {
        Some(err) => out.buf().extend_from_slice(err),
        None => out.ok(),
    }
}

/// Merge for per-key reads: an array in the order of the keys.
pub fn merge_array_by_key(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    let items = parts.items_in_key_order();
    out.array(items.len());
    for it in items {
        out.buf().extend_from_slice(it);
    }
}

/// Merge for whole-keyspace listings: one array of every shard's items.
pub fn merge_array_concat(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    let total: usize = parts
        .iter()
        .map(|(_, p)| match p {
            Part::Items(v) => v.len(),
            _ => 0,
        })
        .sum();
    out.array(total);
    for (sink, p) in parts.iter() {
        if let Part::Items(v) = p {
            for r in v {
                out.buf().extend_from_slice(sink.bytes(r));
            }
        }
    }
}
