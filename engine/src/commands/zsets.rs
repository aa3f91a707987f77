//! The sorted set family, single-key commands (`keyspace/zset/`). The
//! commands over several keys (ZUNION, ZINTER, ZDIFF and their *STORE
//! forms, ZINTERCARD, ZRANGESTORE, ZMPOP and the blocking ones) come with
//! cross-shard transactions.

use super::{
    after_collection_write, parse_random_count, random_reply_len, read_entry, reply_empty_scan,
    Picker, ScanOptions,
};
use crate::blocking::{self, BlockSpec, Waits};
use crate::command::args::{parse_f64, parse_i64};
use crate::command::{Acl, CmdError, CommandSpec, Exec, Flags};
use crate::commands::keys::parse_cursor;
use crate::keyspace::zset::range::{LexRange, ScoreRange};
use crate::keyspace::zset::{AddError, AddFlags, Added, ZSet, ZsetLimits};
use crate::keyspace::{Value, ValueMut, ValueRef};
use crate::notify;
use crate::shard::ShardCtx;
use crate::txn::gather::{missed, GatherCx, Writes};
use bytes::Bytes;
use shoal_proto::{FormattedDouble, Protocol, ReplyWriter};

/// The encoding thresholds in force now.
fn limits(ctx: &ShardCtx<'_>) -> ZsetLimits {
    let config = ctx.node.config();
    ZsetLimits {
        entries_max: config.zset_max_listpack_entries,
        value_len_max: config.zset_max_listpack_value,
    }
}

/// The sorted set at `key` for reading (a keyspace hit or miss): `None`
/// when the key is missing, WRONGTYPE when it holds something else.
fn read_zset<'a>(ctx: &'a mut ShardCtx<'_>, key: &[u8]) -> Result<Option<&'a ZSet>, CmdError> {
    zset_source(read_entry(ctx, key).map(|e| e.value()))
}

/// The sorted set a value is, if any; WRONGTYPE for another type.
fn zset_source(value: Option<ValueRef<'_>>) -> Result<Option<&ZSet>, CmdError> {
    match value {
        None => Ok(None),
        // A key never holds an empty collection; were one left, it reads
        // as missing (so random picks never index an empty one).
        Some(ValueRef::ZSet(z)) if z.is_empty() => Ok(None),
        Some(ValueRef::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(CmdError::WrongType),
    }
}

/// The existing sorted set at `key` for writing (no keyspace hit or miss,
/// as Redis's `lookupKeyWrite`).
fn existing_zset<'a>(
    ctx: &'a mut ShardCtx<'_>,
    key: &[u8],
) -> Result<Option<&'a mut ZSet>, CmdError> {
    let now = ctx.now_ms;
    match ctx.db().get(key, now) {
        None => Ok(None),
        Some(e) => match e.value_mut() {
            ValueMut::ZSet(z) if z.is_empty() => Ok(None),
            ValueMut::ZSet(z) => Ok(Some(z)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// Writes one element of a range reply: with scores, RESP3 nests each pair
/// in an array and RESP2 flattens it, as Redis 7.0 does.
fn write_element(out: &mut ReplyWriter<'_>, member: &[u8], score: f64, scores: bool) {
    if scores && out.protocol() == Protocol::Resp3 {
        out.array(2);
    }
    out.bulk(member);
    if scores {
        out.double(score);
    }
}

/// The array header for `n` elements, with or without their scores.
fn range_header(out: &mut ReplyWriter<'_>, n: usize, scores: bool) {
    let flat = scores && out.protocol() == Protocol::Resp2;
    out.array(if flat { n * 2 } else { n });
}

/// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
fn zadd(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    add_generic(ctx, argv, out, false);
}

/// ZINCRBY key increment member
fn zincrby(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    add_generic(ctx, argv, out, true);
}

/// Redis's `zaddGenericCommand`, for ZADD and ZINCRBY (which is ZADD INCR
/// and, as in Redis, reads option words where its increment is).
fn add_generic(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>, incr: bool) {
    let mut flags = AddFlags {
        incr,
        ..AddFlags::default()
    };
    let mut ch = false;
    let mut at = 2;
    while let Some(word) = argv.get(at) {
        let option = |name: &str| word.eq_ignore_ascii_case(name.as_bytes());
        if option("nx") {
            flags.nx = true;
        } else if option("xx") {
            flags.xx = true;
        } else if option("ch") {
            ch = true;
        } else if option("incr") {
            flags.incr = true;
        } else if option("gt") {
            flags.gt = true;
        } else if option("lt") {
            flags.lt = true;
        } else {
            break;
        }
        at += 1;
    }
    let args = &argv[at..];
    if args.is_empty() || args.len() % 2 == 1 {
        return CmdError::Syntax.reply(out);
    }
    if flags.xx && flags.nx {
        return CmdError::ZaddXxNx.reply(out);
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return CmdError::ZaddGtLtNx.reply(out);
    }
    if flags.incr && args.len() > 2 {
        return CmdError::ZaddIncrPairs.reply(out);
    }
    // Every score is parsed before anything is written: all or nothing.
    let mut scores = Vec::with_capacity(args.len() / 2);
    for pair in args.chunks_exact(2) {
        match parse_f64(&pair[0]) {
            Some(s) => scores.push(s),
            None => return CmdError::NotFloat.reply(out),
        }
    }
    let limits = limits(ctx);
    let key = &argv[1];
    let now = ctx.now_ms;
    // One lookup: XX never creates the set, anything else may.
    let zset = if flags.xx {
        match existing_zset(ctx, key) {
            Ok(Some(z)) => z,
            Ok(None) if flags.incr => return out.null(),
            Ok(None) => return out.integer(0),
            Err(e) => return e.reply(out),
        }
    } else {
        let (entry, _) = ctx.db().get_or_insert_with(key, now, || {
            Value::ZSet(Box::new(ZSet::for_first_member(args[1].len(), limits)))
        });
        match entry.value_mut() {
            ValueMut::ZSet(z) => z,
            _ => return CmdError::WrongType.reply(out),
        }
    };
    let (mut added, mut updated) = (0i64, 0i64);
    let mut last = None;
    let mut failed = None;
    for (pair, &score) in args.chunks_exact(2).zip(&scores) {
        match zset.add(&pair[1], score, flags, limits) {
            Ok(Added::New(s)) => {
                added += 1;
                last = Some(s);
            }
            Ok(Added::Updated(s)) => {
                updated += 1;
                last = Some(s);
            }
            Ok(Added::Same(s)) => last = Some(s),
            Ok(Added::Skipped) => {}
            Err(AddError::Nan) => {
                failed = Some(CmdError::ScoreNan);
                break;
            }
            Err(AddError::Full) => {
                failed = Some(CmdError::CollectionFull);
                break;
            }
        }
    }
    // A set this command created and left empty goes; a change is signalled.
    let emptied = zset.is_empty();
    let event = if flags.incr { "zincr" } else { "zadd" };
    after_collection_write(ctx, key, notify::ZSET, event, added + updated > 0, emptied);
    if let Some(e) = failed {
        return e.reply(out);
    }
    if flags.incr {
        match last {
            Some(s) => out.double(s),
            None => out.null(),
        }
    } else {
        out.integer(if ch { added + updated } else { added });
    }
}

/// ZREM key member [member ...]
fn zrem(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let zset = match existing_zset(ctx, &argv[1]) {
        Ok(Some(z)) => z,
        Ok(None) => return out.integer(0),
        Err(e) => return e.reply(out),
    };
    let removed = argv[2..].iter().filter(|m| zset.remove(m)).count();
    let emptied = zset.is_empty();
    after_collection_write(ctx, &argv[1], notify::ZSET, "zrem", removed > 0, emptied);
    out.integer(removed as i64);
}

/// ZSCORE key member
fn zscore(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match read_zset(ctx, &argv[1]) {
        Ok(z) => match z.and_then(|z| z.score(&argv[2])) {
            Some(s) => out.double(s),
            None => out.null(),
        },
        Err(e) => e.reply(out),
    }
}

/// ZMSCORE key member [member ...]
fn zmscore(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let zset = match read_zset(ctx, &argv[1]) {
        Ok(z) => z,
        Err(e) => return e.reply(out),
    };
    out.array(argv.len() - 2);
    for member in &argv[2..] {
        match zset.and_then(|z| z.score(member)) {
            Some(s) => out.double(s),
            None => out.null(),
        }
    }
}

/// ZCARD key
fn zcard(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match read_zset(ctx, &argv[1]) {
        Ok(z) => out.integer(z.map_or(0, |z| z.len() as i64)),
        Err(e) => e.reply(out),
    }
}

/// ZCOUNT key min max
fn zcount(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let Some(range) = ScoreRange::parse(&argv[2], &argv[3]) else {
        return CmdError::MinMaxNotFloat.reply(out);
    };
    match read_zset(ctx, &argv[1]) {
        Ok(z) => out.integer(z.map_or(0, |z| {
            let (lo, hi) = range.ranks(z);
            (hi - lo) as i64
        })),
        Err(e) => e.reply(out),
    }
}

/// ZLEXCOUNT key min max
fn zlexcount(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let Some(range) = LexRange::parse(&argv[2], &argv[3]) else {
        return CmdError::MinMaxNotLex.reply(out);
    };
    match read_zset(ctx, &argv[1]) {
        Ok(z) => out.integer(z.map_or(0, |z| {
            let (lo, hi) = range.ranks(z);
            (hi - lo) as i64
        })),
        Err(e) => e.reply(out),
    }
}

/// ZRANK key member [WITHSCORE]
fn zrank(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    rank_generic(ctx, argv, out, false);
}

/// ZREVRANK key member [WITHSCORE]
fn zrevrank(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    rank_generic(ctx, argv, out, true);
}

/// Redis 7.2's `zrankGenericCommand`: WITHSCORE replies `[rank, score]`,
/// and a missing member a null array rather than a null.
fn rank_generic(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>, rev: bool) {
    let with_score = argv.len() > 3;
    if argv.len() > 4 || (with_score && !argv[3].eq_ignore_ascii_case(b"WITHSCORE")) {
        return CmdError::Syntax.reply(out);
    }
    let found = match read_zset(ctx, &argv[1]) {
        Ok(z) => z.and_then(|z| {
            z.rank(&argv[2]).map(|(rank, score)| {
                let rank = if rev { z.len() - 1 - rank } else { rank };
                (rank, score)
            })
        }),
        Err(e) => return e.reply(out),
    };
    match (found, with_score) {
        (Some((rank, score)), true) => {
            out.array(2);
            out.integer(rank as i64);
            out.double(score);
        }
        (Some((rank, _)), false) => out.integer(rank as i64),
        (None, true) => out.null_array(),
        (None, false) => out.null(),
    }
}

/// What a range command ranges over.
#[derive(Clone, Copy, PartialEq, Eq)]
enum By {
    Rank,
    Score,
    Lex,
}

/// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
fn zrange(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    range_generic(ctx, argv, out, None, None);
}

/// ZREVRANGE key start stop [WITHSCORES]
fn zrevrange(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    range_generic(ctx, argv, out, Some(By::Rank), Some(true));
}

/// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
fn zrangebyscore(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    range_generic(ctx, argv, out, Some(By::Score), Some(false));
}

/// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
fn zrevrangebyscore(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    range_generic(ctx, argv, out, Some(By::Score), Some(true));
}

/// ZRANGEBYLEX key min max [LIMIT offset count]
fn zrangebylex(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    range_generic(ctx, argv, out, Some(By::Lex), Some(false));
}

/// ZREVRANGEBYLEX key max min [LIMIT offset count]
fn zrevrangebylex(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    range_generic(ctx, argv, out, Some(By::Lex), Some(true));
}

/// The ascending ranks `lo..hi` that ZRANGE's rank arguments name (Redis's
/// index sanitising), reversed from the end with `rev`.
fn rank_window(start: i64, end: i64, len: usize, rev: bool) -> (usize, usize) {
    let len_i = len as i64;
    let mut start = if start < 0 {
        start.saturating_add(len_i)
    } else {
        start
    };
    let mut end = if end < 0 {
        end.saturating_add(len_i)
    } else {
        end
    };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len_i {
        return (0, 0);
    }
    if end >= len_i {
        end = len_i - 1;
    }
    // 0 <= start <= end < len from here.
    let (start, end) = (start as usize, end as usize);
    if rev {
        (len - 1 - end, len - start)
    } else {
        (start, end + 1)
    }
}

/// The part of ranks `lo..hi` that LIMIT `offset count` keeps, counted from
/// `lo` up or, with `rev`, from `hi` down. As in Redis, a negative offset
/// keeps nothing and a negative count everything after the offset.
fn limit_window(lo: usize, hi: usize, offset: i64, count: i64, rev: bool) -> (usize, usize) {
    let available = hi.saturating_sub(lo);
    let Ok(offset) = usize::try_from(offset) else {
        return (lo, lo);
    };
    if offset >= available {
        return (lo, lo);
    }
    let left = available - offset;
    let take = usize::try_from(count).map_or(left, |c| c.min(left));
    if rev {
        (hi - offset - take, hi - offset)
    } else {
        (lo + offset, lo + offset + take)
    }
}

/// Redis 7.0's `zrangeGenericCommand` for a reply (not a store): `by` and
/// `rev` fixed by the legacy commands, `None` when ZRANGE's options choose.
fn range_generic(
    ctx: &mut ShardCtx<'_>,
    argv: &[Bytes],
    out: &mut ReplyWriter<'_>,
    by: Option<By>,
    rev: Option<bool>,
) {
    let query = match RangeQuery::parse(argv, 1, by, rev, false) {
        Ok(q) => q,
        Err(e) => return e.reply(out),
    };
    let zset = match read_zset(ctx, &argv[1]) {
        Ok(Some(z)) => z,
        Ok(None) => return out.array(0),
        Err(e) => return e.reply(out),
    };
    let (lo, hi) = query.window(zset);
    range_header(out, hi - lo, query.with_scores);
    zset.for_range(lo, hi, query.rev, |m, s| {
        write_element(out, m, s, query.with_scores)
    });
}

/// A parsed range: its bounds in one of the three kinds.
enum Bounds<'a> {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange<'a>),
}

/// ZRANGE's (and ZRANGESTORE's) arguments after the key at `key_at`.
struct RangeQuery<'a> {
    bounds: Bounds<'a>,
    rev: bool,
    offset: i64,
    limit: i64,
    with_scores: bool,
}

impl<'a> RangeQuery<'a> {
    /// Parses `min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
    /// [WITHSCORES]` after the key at `key_at`, as Redis 7.0's
    /// `zrangeGenericCommand` does (`store`: ZRANGESTORE, no WITHSCORES).
    fn parse(
        argv: &'a [Bytes],
        key_at: usize,
        by: Option<By>,
        rev: Option<bool>,
        store: bool,
    ) -> Result<RangeQuery<'a>, CmdError> {
        let (mut by_chosen, mut rev_chosen) = (by, rev);
        let mut with_scores = false;
        let (mut offset, mut limit) = (0i64, -1i64);
        let mut at = key_at + 3;
        while at < argv.len() {
            let word = &argv[at];
            let left = argv.len() - at - 1;
            if !store && word.eq_ignore_ascii_case(b"WITHSCORES") {
                with_scores = true;
            } else if word.eq_ignore_ascii_case(b"LIMIT") && left >= 2 {
                match (parse_i64(&argv[at + 1]), parse_i64(&argv[at + 2])) {
                    (Some(o), Some(l)) => (offset, limit) = (o, l),
                    _ => return Err(CmdError::NotInteger),
                }
                at += 2;
            } else if rev_chosen.is_none() && word.eq_ignore_ascii_case(b"REV") {
                rev_chosen = Some(true);
            } else if by.is_none() && by_chosen.is_none() && word.eq_ignore_ascii_case(b"BYLEX") {
                by_chosen = Some(By::Lex);
            } else if by.is_none() && by_chosen.is_none() && word.eq_ignore_ascii_case(b"BYSCORE") {
                by_chosen = Some(By::Score);
            } else {
                return Err(CmdError::Syntax);
            }
            at += 1;
        }
        let by = by_chosen.unwrap_or(By::Rank);
        let rev = rev_chosen.unwrap_or(false);
        // Redis tells a LIMIT apart by its count: `LIMIT 0 -1` is no limit.
        if limit != -1 && by == By::Rank {
            return Err(CmdError::LimitNeedsScoreOrLex);
        }
        if with_scores && by == By::Lex {
            return Err(CmdError::WithscoresWithLex);
        }
        // Reversed score and lex ranges are given as max, min.
        let (first, second) = (&argv[key_at + 1], &argv[key_at + 2]);
        let (min, max) = if rev && by != By::Rank {
            (second, first)
        } else {
            (first, second)
        };
        let bounds = match by {
            By::Rank => match (parse_i64(min), parse_i64(max)) {
                (Some(s), Some(e)) => Bounds::Rank(s, e),
                _ => return Err(CmdError::NotInteger),
            },
            By::Score => {
                Bounds::Score(ScoreRange::parse(min, max).ok_or(CmdError::MinMaxNotFloat)?)
            }
            By::Lex => Bounds::Lex(LexRange::parse(min, max).ok_or(CmdError::MinMaxNotLex)?),
        };
        Ok(RangeQuery {
            bounds,
            rev,
            offset,
            limit,
            with_scores,
        })
    }

    /// The ascending ranks `lo..hi` the query selects in `zset`.
    fn window(&self, zset: &ZSet) -> (usize, usize) {
        match &self.bounds {
            Bounds::Rank(start, end) => rank_window(*start, *end, zset.len(), self.rev),
            Bounds::Score(r) => {
                let (lo, hi) = r.ranks(zset);
                limit_window(lo, hi, self.offset, self.limit, self.rev)
            }
            Bounds::Lex(r) => {
                let (lo, hi) = r.ranks(zset);
                limit_window(lo, hi, self.offset, self.limit, self.rev)
            }
        }
    }
}

/// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
fn zrangestore(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    let query = match RangeQuery::parse(argv, 2, None, None, true) {
        Ok(q) => q,
        Err(e) => {
            e.reply(out);
            return Writes::none();
        }
    };
    let mut result = Vec::new();
    match sources[1] {
        None => {}
        Some(ValueRef::ZSet(z)) => {
            let (lo, hi) = query.window(z);
            z.for_range(lo, hi, query.rev, |m, s| result.push((m.to_vec(), s)));
        }
        Some(_) => {
            CmdError::WrongType.reply(out);
            return Writes::none();
        }
    }
    out.integer(result.len() as i64);
    let mut writes = store_result(&argv[1], sources[0].is_some(), result, "zrangestore");
    // Redis reads the source as a read.
    writes.missed = missed(&argv[2..3], &sources[1..2]);
    writes
}

/// ZPOPMIN key [count]
fn zpopmin(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    pop_generic(ctx, argv, out, false);
}

/// ZPOPMAX key [count]
fn zpopmax(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    pop_generic(ctx, argv, out, true);
}

/// Redis 7.0's `genericZpopCommand` for one key: without a count one
/// element as a flat `[member, score]`; with one, up to that many (RESP3
/// nests each pair). O(log n) per element popped.
fn pop_generic(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>, max: bool) {
    if argv.len() > 3 {
        return CmdError::Syntax.reply(out);
    }
    // Redis 7.0's getPositiveLongFromObjectOrReply: one error for a count
    // that is negative or not a number.
    let count = match argv.get(2).map(|c| parse_i64(c)) {
        None => None,
        Some(Some(n)) if n >= 0 => Some(n),
        Some(_) => return CmdError::CountNegative.reply(out),
    };
    let zset = match existing_zset(ctx, &argv[1]) {
        Ok(Some(z)) => z,
        Ok(None) => return out.array(0),
        Err(e) => return e.reply(out),
    };
    // After the type check, as in Redis.
    if count == Some(0) {
        return out.array(0);
    }
    let len = zset.len();
    // At most the set's size: never sized from the client's number alone.
    let n = count.map_or(1, |c| usize::try_from(c).map_or(len, |c| c.min(len)));
    let nested = count.is_some() && out.protocol() == Protocol::Resp3;
    out.array(if nested { n } else { n * 2 });
    let (lo, hi) = if max { (len - n, len) } else { (0, n) };
    zset.for_range(lo, hi, max, |m, s| {
        if nested {
            out.array(2);
        }
        out.bulk(m);
        out.double(s);
    });
    zset.remove_range(lo, hi);
    let emptied = zset.is_empty();
    let event = if max { "zpopmax" } else { "zpopmin" };
    after_collection_write(ctx, &argv[1], notify::ZSET, event, n > 0, emptied);
}

/// What a ZREMRANGEBY* command removes.
enum Removal<'a> {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange<'a>),
}

/// Redis's `zremrangeGenericCommand`: the range is parsed before the key
/// is looked up.
fn remove_range_generic(
    ctx: &mut ShardCtx<'_>,
    argv: &[Bytes],
    out: &mut ReplyWriter<'_>,
    removal: Result<Removal<'_>, CmdError>,
) {
    let removal = match removal {
        Ok(r) => r,
        Err(e) => return e.reply(out),
    };
    let zset = match existing_zset(ctx, &argv[1]) {
        Ok(Some(z)) => z,
        Ok(None) => return out.integer(0),
        Err(e) => return e.reply(out),
    };
    let (lo, hi) = match removal {
        Removal::Rank(start, end) => rank_window(start, end, zset.len(), false),
        Removal::Score(r) => r.ranks(zset),
        Removal::Lex(r) => r.ranks(zset),
    };
    let removed = zset.remove_range(lo, hi);
    let emptied = zset.is_empty();
    let event = match removal {
        Removal::Rank(..) => "zremrangebyrank",
        Removal::Score(_) => "zremrangebyscore",
        Removal::Lex(_) => "zremrangebylex",
    };
    after_collection_write(ctx, &argv[1], notify::ZSET, event, removed > 0, emptied);
    out.integer(removed as i64);
}

/// ZREMRANGEBYRANK key start stop
fn zremrangebyrank(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let removal = match (parse_i64(&argv[2]), parse_i64(&argv[3])) {
        (Some(s), Some(e)) => Ok(Removal::Rank(s, e)),
        _ => Err(CmdError::NotInteger),
    };
    remove_range_generic(ctx, argv, out, removal);
}

/// ZREMRANGEBYSCORE key min max
fn zremrangebyscore(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let removal = ScoreRange::parse(&argv[2], &argv[3])
        .map(Removal::Score)
        .ok_or(CmdError::MinMaxNotFloat);
    remove_range_generic(ctx, argv, out, removal);
}

/// ZREMRANGEBYLEX key min max
fn zremrangebylex(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let removal = LexRange::parse(&argv[2], &argv[3])
        .map(Removal::Lex)
        .ok_or(CmdError::MinMaxNotLex);
    remove_range_generic(ctx, argv, out, removal);
}

/// A random element of `zset` by index: O(1) for a skip list (a position
/// in its node vector); a listpack is read into a vector once (it is
/// small), so each pick is O(1) too, as Redis's `lpRandomPairs`.
fn indexed<'a>(zset: &'a ZSet) -> impl Fn(usize) -> (&'a [u8], f64) + 'a {
    let elements: Vec<(&[u8], f64)> = match zset {
        ZSet::Listpack(l) => l.iter().collect(),
        ZSet::SkipList(_) => Vec::new(),
    };
    move |i| match zset {
        ZSet::Listpack(_) => elements.get(i).copied().unwrap_or((&[][..], 0.0)),
        ZSet::SkipList(s) => s.at_position(i),
    }
}

/// ZUNION, ZINTER and ZDIFF (and their store and card forms).
#[derive(Clone, Copy, PartialEq, Eq)]
enum ZOp {
    Union,
    Inter,
    Diff,
}

/// A source of the algebra: a sorted set, or a set (every score 1).
#[derive(Clone, Copy)]
enum Source<'a> {
    Sorted(&'a ZSet),
    Plain(&'a crate::keyspace::set::Set),
}

impl Source<'_> {
    fn len(&self) -> usize {
        match self {
            Source::Sorted(z) => z.len(),
            Source::Plain(s) => s.len(),
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Sorted(z) => z.score(member),
            Source::Plain(s) => s.contains(member).then_some(1.0),
        }
    }

    fn each(&self, mut f: impl FnMut(&[u8], f64)) {
        match self {
            Source::Sorted(z) => z.iter().for_each(|(m, s)| f(m, s)),
            Source::Plain(s) => {
                let mut scratch = itoa::Buffer::new();
                s.iter().for_each(|m| f(m.bytes(&mut scratch), 1.0));
            }
        }
    }
}

/// A weighted score or a sum, as Redis computes them (NaN becomes 0).
fn not_nan(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            Aggregate::Sum => not_nan(a + b),
            Aggregate::Min => a.min(b),
            Aggregate::Max => a.max(b),
        }
    }
}

/// A parsed ZUNION/ZINTER/ZDIFF request (or a store or card form).
struct Algebra<'a> {
    keys: &'a [Bytes],
    sources: Vec<Option<Source<'a>>>,
    weights: Vec<f64>,
    aggregate: Aggregate,
    withscores: bool,
    limit: u64,
}

/// Parses as Redis 7.0's `zunionInterDiffGenericCommand` does: the key
/// count at `count_at`, the keys' types, then the options. `Err` is the
/// error to reply.
fn parse_algebra<'a>(
    argv: &'a [Bytes],
    count_at: usize,
    sources: &[Option<ValueRef<'a>>],
    op: ZOp,
    store: bool,
    card: bool,
    name: &str,
) -> Result<Algebra<'a>, String> {
    let count = parse_i64(&argv[count_at]).ok_or_else(|| CmdError::NotInteger.text().to_owned())?;
    if count < 1 {
        return Err(format!(
            "ERR at least 1 input key is needed for '{name}' command"
        ));
    }
    let first = count_at + 1;
    let count = usize::try_from(count)
        .ok()
        .filter(|&n| n <= argv.len() - first)
        .ok_or_else(|| CmdError::Syntax.text().to_owned())?;
    let keys = &argv[first..first + count];
    // `sources` holds the destination first for the store forms.
    let inputs = sources
        .get(sources.len().saturating_sub(count)..)
        .filter(|i| i.len() == count)
        .ok_or_else(|| CmdError::Syntax.text().to_owned())?;
    let mut parsed = Vec::with_capacity(count);
    for v in inputs {
        parsed.push(match v {
            None => None,
            Some(ValueRef::ZSet(z)) => Some(Source::Sorted(z)),
            Some(ValueRef::Set(s)) => Some(Source::Plain(s)),
            Some(_) => return Err(CmdError::WrongType.text().to_owned()),
        });
    }
    let mut a = Algebra {
        keys,
        sources: parsed,
        weights: vec![1.0; count],
        aggregate: Aggregate::Sum,
        withscores: false,
        limit: 0,
    };
    let syntax = || CmdError::Syntax.text().to_owned();
    let mut j = first + count;
    while j < argv.len() {
        let remaining = argv.len() - j;
        let opt = &argv[j];
        if op != ZOp::Diff && remaining > count && opt.eq_ignore_ascii_case(b"WEIGHTS") {
            for i in 0..count {
                a.weights[i] = parse_f64(&argv[j + 1 + i])
                    .ok_or_else(|| "ERR weight value is not a float".to_owned())?;
            }
            j += 1 + count;
        } else if op != ZOp::Diff && remaining >= 2 && opt.eq_ignore_ascii_case(b"AGGREGATE") {
            let how = &argv[j + 1];
            a.aggregate = if how.eq_ignore_ascii_case(b"SUM") {
                Aggregate::Sum
            } else if how.eq_ignore_ascii_case(b"MIN") {
                Aggregate::Min
            } else if how.eq_ignore_ascii_case(b"MAX") {
                Aggregate::Max
            } else {
                return Err(syntax());
            };
            j += 2;
        } else if !store && !card && opt.eq_ignore_ascii_case(b"WITHSCORES") {
            a.withscores = true;
            j += 1;
        } else if card && remaining >= 2 && opt.eq_ignore_ascii_case(b"LIMIT") {
            a.limit = parse_i64(&argv[j + 1])
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| "ERR LIMIT can't be negative".to_owned())?;
            j += 2;
        } else {
            return Err(syntax());
        }
    }
    Ok(a)
}

/// The result of the algebra, ordered as a sorted set.
fn compute(op: ZOp, a: &Algebra<'_>) -> Vec<(Vec<u8>, f64)> {
    let mut out: Vec<(Vec<u8>, f64)> = Vec::new();
    match op {
        ZOp::Union => {
            let mut index: std::collections::HashMap<Vec<u8>, usize, ahash::RandomState> =
                Default::default();
            for (source, &w) in a.sources.iter().zip(&a.weights) {
                let Some(source) = source else { continue };
                source.each(|m, s| {
                    let v = not_nan(s * w);
                    match index.get(m) {
                        Some(&i) => out[i].1 = a.aggregate.apply(out[i].1, v),
                        None => {
                            index.insert(m.to_vec(), out.len());
                            out.push((m.to_vec(), v));
                        }
                    }
                });
            }
        }
        ZOp::Inter => {
            let Some(present) = a
                .sources
                .iter()
                .copied()
                .collect::<Option<Vec<Source<'_>>>>()
            else {
                return out;
            };
            // Walk the smallest; look each member up in the others.
            let Some(smallest) = (0..present.len()).min_by_key(|&i| present[i].len()) else {
                return out;
            };
            present[smallest].each(|m, s| {
                let mut score = not_nan(s * a.weights[smallest]);
                for (i, other) in present.iter().enumerate() {
                    if i == smallest {
                        continue;
                    }
                    match other.score(m) {
                        Some(o) => score = a.aggregate.apply(score, not_nan(o * a.weights[i])),
                        None => return,
                    }
                }
                out.push((m.to_vec(), score));
            });
        }
        ZOp::Diff => {
            let Some(Some(first)) = a.sources.first() else {
                return out;
            };
            first.each(|m, s| {
                if !a.sources[1..]
                    .iter()
                    .flatten()
                    .any(|o| o.score(m).is_some())
                {
                    out.push((m.to_vec(), s));
                }
            });
        }
    }
    out.sort_by(|x, y| crate::keyspace::zset::order(x.1, &x.0, y.1, &y.0));
    out
}

/// ZUNION, ZINTER, ZDIFF: the combined set, with scores if asked.
fn algebra_reply(
    op: ZOp,
    name: &str,
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
) -> Writes {
    let a = match parse_algebra(argv, 1, sources, op, false, false, name) {
        Ok(a) => a,
        Err(e) => {
            out.error(e.as_bytes());
            return Writes::none();
        }
    };
    let result = compute(op, &a);
    range_header(out, result.len(), a.withscores);
    for (m, s) in &result {
        write_element(out, m, *s, a.withscores);
    }
    Writes {
        missed: missed(a.keys, &sources[sources.len() - a.keys.len()..]),
        ..Writes::none()
    }
}

/// ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE: the result replaces the
/// destination; an empty one deletes it.
fn algebra_store(
    op: ZOp,
    name: &'static str,
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
) -> Writes {
    let a = match parse_algebra(argv, 2, sources, op, true, false, name) {
        Ok(a) => a,
        Err(e) => {
            out.error(e.as_bytes());
            return Writes::none();
        }
    };
    let result = compute(op, &a);
    out.integer(result.len() as i64);
    let mut writes = store_result(&argv[1], sources[0].is_some(), result, name);
    // Redis 7.0 reads the inputs of the store forms as reads too.
    writes.missed = missed(a.keys, &sources[sources.len() - a.keys.len()..]);
    writes
}

/// The writes that make `dst` hold `result` (a sorted set in order): a
/// DEL and a ZADD, with Redis's events (see `Writes::replace`).
fn store_result(
    dst: &Bytes,
    existed: bool,
    result: Vec<(Vec<u8>, f64)>,
    event: &'static str,
) -> Writes {
    let fill = (!result.is_empty()).then(|| {
        let mut zadd = Vec::with_capacity(2 + 2 * result.len());
        zadd.push(Bytes::from_static(b"ZADD"));
        zadd.push(dst.clone());
        let mut text = Vec::new();
        for (m, s) in result {
            text.clear();
            shoal_proto::format_double_g17(s, &mut text);
            zadd.push(Bytes::copy_from_slice(&text));
            zadd.push(Bytes::from(m));
        }
        zadd
    });
    Writes::replace(dst, existed, fill, notify::ZSET, event)
}

/// ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
fn zunion(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    algebra_reply(ZOp::Union, "zunion", argv, sources, out)
}
/// ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
fn zinter(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    algebra_reply(ZOp::Inter, "zinter", argv, sources, out)
}
/// ZDIFF numkeys key [key ...] [WITHSCORES]
fn zdiff(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    algebra_reply(ZOp::Diff, "zdiff", argv, sources, out)
}
/// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...]
fn zunionstore(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    algebra_store(ZOp::Union, "zunionstore", argv, sources, out)
}
/// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS ...] [AGGREGATE ...]
fn zinterstore(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    algebra_store(ZOp::Inter, "zinterstore", argv, sources, out)
}
/// ZDIFFSTORE destination numkeys key [key ...]
fn zdiffstore(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    algebra_store(ZOp::Diff, "zdiffstore", argv, sources, out)
}

/// MIN or MAX (any case): true for MAX.
fn min_max(a: &[u8]) -> Option<bool> {
    if a.eq_ignore_ascii_case(b"MIN") {
        Some(false)
    } else if a.eq_ignore_ascii_case(b"MAX") {
        Some(true)
    } else {
        None
    }
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] (`AT` 1, where the
/// key count is) and BZMPOP timeout numkeys ... (`AT` 2), checked in Redis
/// 7.0's order (as LMPOP): pops from the first non-empty sorted set.
fn mpop<const AT: usize>(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    let (where_at, max, count) = match super::parse_mpop(argv, AT, min_max) {
        Ok(p) => p,
        Err(e) => {
            out.error(e.as_bytes());
            return Writes::none();
        }
    };
    let (key, zset) = match super::first_to_pop(&argv[AT + 1..where_at], sources, zset_source, out)
    {
        Ok(found) => found,
        Err(writes) => return writes,
    };
    let len = zset.len();
    // At most the set's size, so it fits a usize.
    let n = usize::try_from(count).map_or(len, |c| c.min(len));
    out.array(2);
    out.bulk(key);
    out.array(n);
    let (lo, hi) = if max { (len - n, len) } else { (0, n) };
    zset.for_range(lo, hi, max, |m, s| {
        out.array(2);
        out.bulk(m);
        out.double(s);
    });
    let pop: &'static [u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
    Writes::one(vec![
        Bytes::from_static(pop),
        key.clone(),
        Bytes::from(n.to_string()),
    ])
}

/// BZPOPMIN and BZPOPMAX (`MAX`) key [key ...] timeout, as Redis 7.0's
/// blockingGenericZpopCommand checks them: the timeout, then the keys in
/// order until one holds a sorted set (a key of another type is an error).
fn bzpop<const MAX: bool>(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    let last = argv.len() - 1;
    if let Err(e) = blocking::parse_timeout(&argv[last]) {
        out.error(e.as_bytes());
        return Writes::none();
    }
    let (key, zset) = match super::first_to_pop(&argv[1..last], sources, zset_source, out) {
        Ok(found) => found,
        Err(writes) => return writes,
    };
    let len = zset.len();
    let (lo, hi) = if MAX { (len - 1, len) } else { (0, 1) };
    out.array(3);
    out.bulk(key);
    zset.for_range(lo, hi, MAX, |m, s| {
        out.bulk(m);
        out.double(s);
    });
    let pop: &'static [u8] = if MAX { b"ZPOPMAX" } else { b"ZPOPMIN" };
    Writes::one(vec![Bytes::from_static(pop), key.clone()])
}

/// How the blocking sorted set commands block.
const fn blocks(pop: crate::txn::gather::GatherFn, timeout_at: i32) -> Exec {
    Exec::Blocking(BlockSpec {
        pop,
        waits_for: Waits::ZSet,
        first_key_only: false,
        timeout_at,
    })
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
fn zintercard(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    let a = match parse_algebra(argv, 1, sources, ZOp::Inter, false, true, "zintercard") {
        Ok(a) => a,
        Err(e) => {
            out.error(e.as_bytes());
            return Writes::none();
        }
    };
    let mut n = compute(ZOp::Inter, &a).len() as u64;
    if a.limit > 0 {
        n = n.min(a.limit);
    }
    out.integer(n as i64);
    Writes {
        missed: missed(a.keys, &sources[sources.len() - a.keys.len()..]),
        ..Writes::none()
    }
}

/// ZRANDMEMBER key [count [WITHSCORES]]
///
/// Cost is O(count) on a skip list (uniform picks by position; distinct
/// picks by Floyd's sampling), plus one pass over a listpack, which is
/// small. A count at least the set's size replies with the whole set in
/// descending order, as Redis 7.0 does.
fn zrandmember(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let mut picker = Picker::new(ctx);
    if argv.len() == 2 {
        return match read_zset(ctx, &argv[1]) {
            Ok(Some(z)) => {
                let at = indexed(z);
                out.bulk(at(picker.below(z.len())).0)
            }
            Ok(None) => out.null(),
            Err(e) => e.reply(out),
        };
    }
    let count = match parse_random_count(&argv[2]) {
        Ok(n) => n,
        Err(e) => return e.reply(out),
    };
    let with_scores = argv.len() == 4;
    if argv.len() > 4 || (with_scores && !argv[3].eq_ignore_ascii_case(b"WITHSCORES")) {
        return CmdError::Syntax.reply(out);
    }
    if with_scores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return CmdError::OutOfRange.reply(out);
    }
    let zset = match read_zset(ctx, &argv[1]) {
        Ok(Some(z)) => z,
        Ok(None) => return out.array(0),
        Err(e) => return e.reply(out),
    };
    let size = zset.len();
    let reply_len = match random_reply_len(count, size) {
        Ok(n) => n,
        Err(e) => return e.reply(out),
    };
    range_header(out, reply_len, with_scores);
    if count >= 0 && reply_len == size {
        // The whole set, from the highest score down, as Redis 7.0 replies.
        zset.for_range(0, size, true, |m, s| write_element(out, m, s, with_scores));
        return;
    }
    let at = indexed(zset);
    if count < 0 {
        for _ in 0..reply_len {
            let (m, s) = at(picker.below(size));
            write_element(out, m, s, with_scores);
        }
    } else {
        for i in picker.distinct(size, reply_len) {
            let (m, s) = at(i);
            write_element(out, m, s, with_scores);
        }
    }
}

/// ZSCAN key cursor [MATCH pattern] [COUNT count]
fn zscan(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let cursor = match parse_cursor(&argv[2]) {
        Ok(c) => c,
        Err(e) => return e.reply(out),
    };
    let zset = match read_zset(ctx, &argv[1]) {
        Ok(Some(z)) => z,
        Ok(None) => return reply_empty_scan(out),
        Err(e) => return e.reply(out),
    };
    let options = match ScanOptions::parse(argv, 3) {
        Ok(o) => o,
        Err(e) => return e.reply(out),
    };
    let mut found: Vec<(&[u8], f64)> = Vec::new();
    let next = match zset {
        // A listpack is returned whole in one call, as Redis does.
        ZSet::Listpack(l) => {
            found.extend(l.iter().filter(|(m, _)| options.matches(m)));
            0
        }
        ZSet::SkipList(s) => s.scan(cursor, options.count, |m, score| {
            if options.matches(m) {
                found.push((m, score));
            }
        }),
    };
    out.array(2);
    out.bulk(itoa::Buffer::new().format(next).as_bytes());
    out.array(found.len() * 2);
    for (m, score) in found {
        out.bulk(m);
        // Scores as text, in both protocols, as Redis's scan replies.
        out.bulk(FormattedDouble::g17(score).as_bytes());
    }
}

const ZSET: Acl = Acl::SORTEDSET;
const WRITE_FAST: Flags = Flags::WRITE.or(Flags::DENYOOM).or(Flags::FAST);
const READ_FAST: Flags = Flags::READONLY.or(Flags::FAST);
const GROUP: &str = "sorted-set";
const RANGE_COST: &str = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).";
const REMOVE_RANGE_COST: &str = "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.";
const POP_COST: &str = "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.";

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("zadd", -4, Exec::Shard(zadd))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "1.2.0", "O(log(N)) for each item added, where N is the number of elements in the sorted set.", "Add one or more members to a sorted set, or update its score if it already exists"),
    CommandSpec::new("zincrby", 4, Exec::Shard(zincrby))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "1.2.0", "O(log(N)) where N is the number of elements in the sorted set.", "Increment the score of a member in a sorted set"),
    CommandSpec::new("zrem", -3, Exec::Shard(zrem))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "1.2.0", "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.", "Remove one or more members from a sorted set"),
    CommandSpec::new("zscore", 3, Exec::Shard(zscore))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "1.2.0", "O(1)", "Get the score associated with the given member in a sorted set"),
    CommandSpec::new("zmscore", -3, Exec::Shard(zmscore))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "6.2.0", "O(N) where N is the number of members being requested.", "Get the score associated with the given members in a sorted set"),
    CommandSpec::new("zcard", 2, Exec::Shard(zcard))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "1.2.0", "O(1)", "Get the number of members in a sorted set"),
    CommandSpec::new("zcount", 4, Exec::Shard(zcount))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "2.0.0", "O(log(N)) with N being the number of elements in the sorted set.", "Count the members in a sorted set with scores within the given values"),
    CommandSpec::new("zlexcount", 4, Exec::Shard(zlexcount))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "2.8.9", "O(log(N)) with N being the number of elements in the sorted set.", "Count the number of members in a sorted set between a given lexicographical range"),
    // Arity -3 rather than 7.0's 3: the WITHSCORE option is Redis 7.2's.
    CommandSpec::new("zrank", -3, Exec::Shard(zrank))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "2.0.0", "O(log(N))", "Determine the index of a member in a sorted set"),
    CommandSpec::new("zrevrank", -3, Exec::Shard(zrevrank))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "2.0.0", "O(log(N))", "Determine the index of a member in a sorted set, with scores ordered from high to low"),
    CommandSpec::new("zrange", -4, Exec::Shard(zrange))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "1.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", "Return a range of members in a sorted set"),
    CommandSpec::new("zrangebyscore", -4, Exec::Shard(zrangebyscore))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "1.0.5", RANGE_COST, "Return a range of members in a sorted set, by score"),
    CommandSpec::new("zrevrangebyscore", -4, Exec::Shard(zrevrangebyscore))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "2.2.0", RANGE_COST, "Return a range of members in a sorted set, by score, with scores ordered from high to low"),
    CommandSpec::new("zrangebylex", -4, Exec::Shard(zrangebylex))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "2.8.9", RANGE_COST, "Return a range of members in a sorted set, by lexicographical range"),
    CommandSpec::new("zrevrangebylex", -4, Exec::Shard(zrevrangebylex))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "2.8.9", RANGE_COST, "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings."),
    CommandSpec::new("zrevrange", -4, Exec::Shard(zrevrange))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "1.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", "Return a range of members in a sorted set, by index, with scores ordered from high to low"),
    CommandSpec::new("zpopmin", -2, Exec::Shard(zpopmin))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "5.0.0", POP_COST, "Remove and return members with the lowest scores in a sorted set"),
    CommandSpec::new("zpopmax", -2, Exec::Shard(zpopmax))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "5.0.0", POP_COST, "Remove and return members with the highest scores in a sorted set"),
    CommandSpec::new("zremrangebyrank", 4, Exec::Shard(zremrangebyrank))
        .flags(Flags::WRITE)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "2.0.0", REMOVE_RANGE_COST, "Remove all members in a sorted set within the given indexes"),
    CommandSpec::new("zremrangebyscore", 4, Exec::Shard(zremrangebyscore))
        .flags(Flags::WRITE)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "1.2.0", REMOVE_RANGE_COST, "Remove all members in a sorted set within the given scores"),
    CommandSpec::new("zremrangebylex", 4, Exec::Shard(zremrangebylex))
        .flags(Flags::WRITE)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "2.8.9", REMOVE_RANGE_COST, "Remove all members in a sorted set between the given lexicographical range"),
    CommandSpec::new("zrandmember", -2, Exec::Shard(zrandmember))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "6.2.0", "O(N) where N is the number of elements returned", "Get one or multiple random elements from a sorted set"),
    CommandSpec::new("zrangestore", -5, Exec::Gather(zrangestore))
        .flags(Flags::WRITE.or(Flags::DENYOOM))
        .keys(1, 2, 1)
        .acl(ZSET)
        .doc(GROUP, "6.2.0", "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.", "Store a range of members from sorted set into another key"),
    CommandSpec::new("zunion", -3, Exec::Gather(zunion))
        .flags(Flags::READONLY)
        .keys_counted_at(1)
        .acl(ZSET)
        .doc(GROUP, "6.2.0", "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", "Add multiple sorted sets"),
    CommandSpec::new("zinter", -3, Exec::Gather(zinter))
        .flags(Flags::READONLY)
        .keys_counted_at(1)
        .acl(ZSET)
        .doc(GROUP, "6.2.0", "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", "Intersect multiple sorted sets"),
    CommandSpec::new("zdiff", -3, Exec::Gather(zdiff))
        .flags(Flags::READONLY)
        .keys_counted_at(1)
        .acl(ZSET)
        .doc(GROUP, "6.2.0", "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", "Subtract multiple sorted sets"),
    CommandSpec::new("zunionstore", -4, Exec::Gather(zunionstore))
        .flags(Flags::WRITE.or(Flags::DENYOOM))
        .keys(1, 1, 1)
        .keys_counted_at(2)
        .acl(ZSET)
        .doc(GROUP, "2.0.0", "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", "Add multiple sorted sets and store the resulting sorted set in a new key"),
    CommandSpec::new("zinterstore", -4, Exec::Gather(zinterstore))
        .flags(Flags::WRITE.or(Flags::DENYOOM))
        .keys(1, 1, 1)
        .keys_counted_at(2)
        .acl(ZSET)
        .doc(GROUP, "2.0.0", "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", "Intersect multiple sorted sets and store the resulting sorted set in a new key"),
    CommandSpec::new("zdiffstore", -4, Exec::Gather(zdiffstore))
        .flags(Flags::WRITE.or(Flags::DENYOOM))
        .keys(1, 1, 1)
        .keys_counted_at(2)
        .acl(ZSET)
        .doc(GROUP, "6.2.0", "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", "Subtract multiple sorted sets and store the resulting sorted set in a new key"),
    CommandSpec::new("zmpop", -4, Exec::Gather(mpop::<1>))
        .flags(Flags::WRITE)
        .keys_counted_at(1)
        .acl(ZSET)
        .doc(GROUP, "7.0.0", "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", "Remove and return members with scores in a sorted set"),
    CommandSpec::new("bzpopmin", -3, blocks(bzpop::<false>, -1))
        .flags(Flags::WRITE.or(Flags::NOSCRIPT).or(Flags::BLOCKING).or(Flags::FAST))
        .keys(1, -2, 1)
        .acl(ZSET)
        .doc(GROUP, "5.0.0", "O(log(N)) with N being the number of elements in the sorted set.", "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available"),
    CommandSpec::new("bzpopmax", -3, blocks(bzpop::<true>, -1))
        .flags(Flags::WRITE.or(Flags::NOSCRIPT).or(Flags::BLOCKING).or(Flags::FAST))
        .keys(1, -2, 1)
        .acl(ZSET)
        .doc(GROUP, "5.0.0", "O(log(N)) with N being the number of elements in the sorted set.", "Remove and return the member with the highest score from one or more sorted sets, or block until one is available"),
    CommandSpec::new("bzmpop", -5, blocks(mpop::<2>, 1))
        .flags(Flags::WRITE.or(Flags::BLOCKING))
        .keys_counted_at(2)
        .acl(ZSET)
        .doc(GROUP, "7.0.0", "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", "Remove and return members with scores in a sorted set or block until one is available"),
    CommandSpec::new("zintercard", -3, Exec::Gather(zintercard))
        .flags(Flags::READONLY)
        .keys_counted_at(1)
        .acl(ZSET)
        .doc(GROUP, "7.0.0", "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.", "Intersect multiple sorted sets and return the cardinality of the result"),
    CommandSpec::new("zscan", -3, Exec::Shard(zscan))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(ZSET)
        .doc(GROUP, "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", "Incrementally iterate sorted sets elements and associated scores"),
];
