//! The hash family: fields and values under one key (`keyspace/hash.rs`).

use super::{
    after_collection_write, parse_random_count, random_reply_len, read_entry, reply_empty_scan,
    Picker, ScanOptions,
};
use crate::command::args::parse_i64;
use crate::command::long_double::{self, AddError};
use crate::command::{arity_error, Acl, CmdError, CommandSpec, Exec, Flags};
use crate::commands::keys::parse_cursor;
use crate::keyspace::hash::{Hash, HashLimits};
use crate::keyspace::{Value, ValueMut, ValueRef};
use crate::notify;
use crate::shard::ShardCtx;
use bytes::Bytes;
use shoal_proto::{Protocol, ReplyWriter};

/// The encoding thresholds in force now.
fn limits(ctx: &ShardCtx<'_>) -> HashLimits {
    let config = ctx.node.config();
    HashLimits {
        entries_max: config.hash_max_listpack_entries,
        value_len_max: config.hash_max_listpack_value,
    }
}

/// The hash at `key` for reading (a keyspace hit or miss): `None` when the
/// key is missing, WRONGTYPE when it holds something else.
fn read_hash<'a>(ctx: &'a mut ShardCtx<'_>, key: &[u8]) -> Result<Option<&'a Hash>, CmdError> {
    match read_entry(ctx, key) {
        None => Ok(None),
        Some(e) => match e.value() {
            // A key never holds an empty collection; were one left, it
            // reads as missing (so random picks never index an empty one).
            ValueRef::Hash(h) if h.is_empty() => Ok(None),
            ValueRef::Hash(h) => Ok(Some(h)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The hash at `key` for writing, created empty when missing (Redis's
/// `hashTypeLookupWriteOrCreate`).
fn write_hash<'a>(ctx: &'a mut ShardCtx<'_>, key: &[u8]) -> Result<&'a mut Hash, CmdError> {
    let now = ctx.now_ms;
    let (entry, _) = ctx
        .db()
        .get_or_insert_with(key, now, || Value::Hash(Box::default()));
    match entry.value_mut() {
        ValueMut::Hash(h) => Ok(h),
        _ => Err(CmdError::WrongType),
    }
}

/// The existing hash at `key` for writing (no keyspace hit or miss, as
/// Redis's `lookupKeyWrite`).
fn existing_hash<'a>(
    ctx: &'a mut ShardCtx<'_>,
    key: &[u8],
) -> Result<Option<&'a mut Hash>, CmdError> {
    let now = ctx.now_ms;
    match ctx.db().get(key, now) {
        None => Ok(None),
        Some(e) => match e.value_mut() {
            ValueMut::Hash(h) if h.is_empty() => Ok(None),
            ValueMut::Hash(h) => Ok(Some(h)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// Sets every (field, value) pair of `pairs`; returns how many fields are
/// new.
fn set_pairs(ctx: &mut ShardCtx<'_>, key: &[u8], pairs: &[Bytes]) -> Result<i64, CmdError> {
    let limits = limits(ctx);
    let hash = write_hash(ctx, key)?;
    hash.prepare_for(pairs.iter().map(|b| &b[..]), limits);
    let mut created = 0;
    for pair in pairs.chunks_exact(2) {
        match hash.set(&pair[0], &pair[1], limits) {
            Ok(true) => created += 1,
            Ok(false) => {}
            Err(_) => return Err(CmdError::CollectionFull),
        }
    }
    Ok(created)
}

/// HSET key field value [field value ...]
fn hset(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    if argv.len() % 2 == 1 {
        return out.error(arity_error("hset").as_bytes());
    }
    match set_pairs(ctx, &argv[1], &argv[2..]) {
        Ok(n) => {
            ctx.db().touch(&argv[1]);
            ctx.notify(notify::HASH, "hset", &argv[1]);
            out.integer(n)
        }
        Err(e) => e.reply(out),
    }
}

/// HMSET key field value [field value ...]
fn hmset(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    if argv.len() % 2 == 1 {
        return out.error(arity_error("hmset").as_bytes());
    }
    match set_pairs(ctx, &argv[1], &argv[2..]) {
        Ok(_) => {
            ctx.db().touch(&argv[1]);
            ctx.notify(notify::HASH, "hset", &argv[1]);
            out.ok()
        }
        Err(e) => e.reply(out),
    }
}

/// HSETNX key field value
fn hsetnx(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let limits = limits(ctx);
    let hash = match write_hash(ctx, &argv[1]) {
        Ok(h) => h,
        Err(e) => return e.reply(out),
    };
    if hash.contains(&argv[2]) {
        return out.integer(0);
    }
    hash.prepare_for([&argv[2][..], &argv[3][..]], limits);
    match hash.set(&argv[2], &argv[3], limits) {
        Ok(_) => {
            ctx.db().touch(&argv[1]);
            ctx.notify(notify::HASH, "hset", &argv[1]);
            out.integer(1)
        }
        Err(_) => CmdError::CollectionFull.reply(out),
    }
}

/// HGET key field
fn hget(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match read_hash(ctx, &argv[1]) {
        Ok(Some(h)) => match h.get(&argv[2]) {
            Some(v) => out.bulk(v),
            None => out.null(),
        },
        Ok(None) => out.null(),
        Err(e) => e.reply(out),
    }
}

/// HMGET key field [field ...]
fn hmget(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let hash = match read_hash(ctx, &argv[1]) {
        Ok(h) => h,
        Err(e) => return e.reply(out),
    };
    out.array(argv.len() - 2);
    for field in &argv[2..] {
        match hash.and_then(|h| h.get(field)) {
            Some(v) => out.bulk(v),
            None => out.null(),
        }
    }
}

/// HDEL key field [field ...]
fn hdel(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let hash = match existing_hash(ctx, &argv[1]) {
        Ok(Some(h)) => h,
        Ok(None) => return out.integer(0),
        Err(e) => return e.reply(out),
    };
    let removed = argv[2..].iter().filter(|f| hash.remove(f)).count();
    let emptied = hash.is_empty();
    after_collection_write(ctx, &argv[1], notify::HASH, "hdel", removed > 0, emptied);
    out.integer(removed as i64);
}

/// HLEN key
fn hlen(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match read_hash(ctx, &argv[1]) {
        Ok(h) => out.integer(h.map_or(0, |h| h.len() as i64)),
        Err(e) => e.reply(out),
    }
}

/// HSTRLEN key field
fn hstrlen(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match read_hash(ctx, &argv[1]) {
        Ok(h) => out.integer(
            h.and_then(|h| h.get(&argv[2]))
                .map_or(0, |v| v.len() as i64),
        ),
        Err(e) => e.reply(out),
    }
}

/// HEXISTS key field
fn hexists(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match read_hash(ctx, &argv[1]) {
        Ok(h) => out.integer(i64::from(h.is_some_and(|h| h.contains(&argv[2])))),
        Err(e) => e.reply(out),
    }
}

/// What HKEYS, HVALS and HGETALL reply with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Fields,
    Values,
    Both,
}

fn get_all(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>, part: Part) {
    let hash = match read_hash(ctx, &argv[1]) {
        Ok(h) => h,
        Err(e) => return e.reply(out),
    };
    let len = hash.map_or(0, Hash::len);
    if part == Part::Both {
        out.map(len);
    } else {
        out.array(len);
    }
    for (f, v) in hash.into_iter().flat_map(Hash::iter) {
        if part != Part::Values {
            out.bulk(f);
        }
        if part != Part::Fields {
            out.bulk(v);
        }
    }
}

/// HKEYS key
fn hkeys(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    get_all(ctx, argv, out, Part::Fields);
}

/// HVALS key
fn hvals(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    get_all(ctx, argv, out, Part::Values);
}

/// HGETALL key
fn hgetall(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    get_all(ctx, argv, out, Part::Both);
}

/// HINCRBY key field increment
fn hincrby(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let Some(incr) = parse_i64(&argv[3]) else {
        return CmdError::NotInteger.reply(out);
    };
    let limits = limits(ctx);
    let hash = match write_hash(ctx, &argv[1]) {
        Ok(h) => h,
        Err(e) => return e.reply(out),
    };
    let current = match hash.get(&argv[2]) {
        None => Ok(0),
        Some(v) => parse_i64(v).ok_or(CmdError::HashValueNotInteger),
    };
    let result = current
        .and_then(|c| c.checked_add(incr).ok_or(CmdError::Overflow))
        .and_then(|n| {
            let text = itoa::Buffer::new().format(n).as_bytes().to_vec();
            match hash.set(&argv[2], &text, limits) {
                Ok(_) => Ok(n),
                Err(_) => Err(CmdError::CollectionFull),
            }
        });
    match result {
        Ok(n) => {
            ctx.db().touch(&argv[1]);
            ctx.notify(notify::HASH, "hincrby", &argv[1]);
            out.integer(n)
        }
        Err(e) => fail_write(ctx, &argv[1], e, out),
    }
}

/// Answers a failed write; a hash the write created is not left empty.
fn fail_write(ctx: &mut ShardCtx<'_>, key: &[u8], e: CmdError, out: &mut ReplyWriter<'_>) {
    let now = ctx.now_ms;
    let db = ctx.db();
    if matches!(db.get(key, now).map(|e| e.value()), Some(ValueRef::Hash(h)) if h.is_empty()) {
        db.remove(key);
    }
    e.reply(out);
}

/// HINCRBYFLOAT key field increment
fn hincrbyfloat(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    // The increment alone first: not a number, or infinite.
    match long_double::add_checked(b"0", &argv[3]) {
        Ok(_) => {}
        Err(AddError::NanOrInfinity) => return CmdError::IncrementNanOrInfinity.reply(out),
        Err(_) => return CmdError::NotFloat.reply(out),
    }
    let limits = limits(ctx);
    let hash = match write_hash(ctx, &argv[1]) {
        Ok(h) => h,
        Err(e) => return e.reply(out),
    };
    let sum = long_double::add_checked(hash.get(&argv[2]).unwrap_or(b"0"), &argv[3]);
    let result = match sum {
        Ok(text) => match hash.set(&argv[2], &text, limits) {
            Ok(_) => Ok(text),
            Err(_) => Err(CmdError::CollectionFull),
        },
        Err(AddError::Value) => Err(CmdError::HashValueNotFloat),
        Err(AddError::NanOrInfinity) => Err(CmdError::NanOrInfinity),
        Err(AddError::Increment) => Err(CmdError::NotFloat),
    };
    match result {
        Ok(text) => {
            ctx.db().touch(&argv[1]);
            ctx.notify(notify::HASH, "hincrbyfloat", &argv[1]);
            out.bulk(&text)
        }
        Err(e) => fail_write(ctx, &argv[1], e, out),
    }
}

/// A random field (and value) of `hash` by index: O(1) for a table; a
/// listpack is read into `pairs` once (it is small) so each pick is O(1)
/// too. Redis 7.0 picks from a listpack the same way (`lpRandomPairs`).
fn indexed<'a>(hash: &'a Hash) -> impl Fn(usize) -> (&'a [u8], &'a [u8]) {
    let pairs: Vec<(&'a [u8], &'a [u8])> = match hash {
        Hash::Listpack(l) => l.iter().collect(),
        Hash::Table(_) => Vec::new(),
    };
    move |i| match hash {
        Hash::Listpack(_) => pairs.get(i).copied().unwrap_or((&[][..], &[][..])),
        Hash::Table(t) => t
            .at(i)
            .map_or((&[][..], &[][..]), |p| (p.field(), p.value())),
    }
}

/// HRANDFIELD key [count [WITHVALUES]]
///
/// Cost is O(count) on a table (uniform picks by position; distinct picks
/// by Floyd's sampling), plus one pass over a listpack, which is small.
fn hrandfield(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let mut picker = Picker::new(ctx);
    if argv.len() == 2 {
        return match read_hash(ctx, &argv[1]) {
            Ok(Some(h)) => {
                let at = indexed(h);
                out.bulk(at(picker.below(h.len())).0)
            }
            Ok(None) => out.null(),
            Err(e) => e.reply(out),
        };
    }
    let count = match parse_random_count(&argv[2]) {
        Ok(n) => n,
        Err(e) => return e.reply(out),
    };
    let with_values = argv.len() == 4;
    if argv.len() > 4 || (with_values && !argv[3].eq_ignore_ascii_case(b"WITHVALUES")) {
        return CmdError::Syntax.reply(out);
    }
    if with_values && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return CmdError::OutOfRange.reply(out);
    }
    let hash = match read_hash(ctx, &argv[1]) {
        Ok(Some(h)) => h,
        Ok(None) => return out.array(0),
        Err(e) => return e.reply(out),
    };
    let size = hash.len();
    let reply_len = match random_reply_len(count, size) {
        Ok(n) => n,
        Err(e) => return e.reply(out),
    };
    // RESP3 nests each pair in an array (not a map: a negative count
    // repeats fields), RESP2 flattens them, as Redis 7.0.
    let nested = with_values && out.protocol() == Protocol::Resp3;
    out.array(if with_values && !nested {
        reply_len * 2
    } else {
        reply_len
    });
    let write = |(f, v): (&[u8], &[u8]), out: &mut ReplyWriter<'_>| {
        if nested {
            out.array(2);
        }
        out.bulk(f);
        if with_values {
            out.bulk(v);
        }
    };
    let at = indexed(hash);
    if count < 0 {
        for _ in 0..reply_len {
            write(at(picker.below(size)), out);
        }
    } else if reply_len == size {
        for pair in hash.iter() {
            write(pair, out);
        }
    } else {
        for i in picker.distinct(size, reply_len) {
            write(at(i), out);
        }
    }
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]
fn hscan(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let cursor = match parse_cursor(&argv[2]) {
        Ok(c) => c,
        Err(e) => return e.reply(out),
    };
    let hash = match read_hash(ctx, &argv[1]) {
        Ok(Some(h)) => h,
        Ok(None) => return reply_empty_scan(out),
        Err(e) => return e.reply(out),
    };
    let options = match ScanOptions::parse(argv, 3) {
        Ok(o) => o,
        Err(e) => return e.reply(out),
    };
    let mut found: Vec<(&[u8], &[u8])> = Vec::new();
    let next = match hash {
        // A listpack is returned whole in one call, as Redis does.
        Hash::Listpack(l) => {
            found.extend(l.iter().filter(|(f, _)| options.matches(f)));
            0
        }
        Hash::Table(t) => t.scan(cursor, options.count, |p| {
            if options.matches(p.field()) {
                found.push((p.field(), p.value()));
            }
        }),
    };
    out.array(2);
    out.bulk(itoa::Buffer::new().format(next).as_bytes());
    out.array(found.len() * 2);
    for (f, v) in found {
        out.bulk(f);
        out.bulk(v);
    }
}

const HASH: Acl = Acl::HASH;
const WRITE_FAST: Flags = Flags::WRITE.or(Flags::DENYOOM).or(Flags::FAST);
const READ_FAST: Flags = Flags::READONLY.or(Flags::FAST);

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("hset", -4, Exec::Shard(hset))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "2.0.0", "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.", "Set the string value of a hash field"),
    CommandSpec::new("hsetnx", 4, Exec::Shard(hsetnx))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "2.0.0", "O(1)", "Set the value of a hash field, only if the field does not exist"),
    CommandSpec::new("hget", 3, Exec::Shard(hget))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "2.0.0", "O(1)", "Get the value of a hash field"),
    CommandSpec::new("hmget", -3, Exec::Shard(hmget))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "2.0.0", "O(N) where N is the number of fields being requested.", "Get the values of all the given hash fields"),
    CommandSpec::new("hmset", -4, Exec::Shard(hmset))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "2.0.0", "O(N) where N is the number of fields being set.", "Set multiple hash fields to multiple values"),
    CommandSpec::new("hdel", -3, Exec::Shard(hdel))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "2.0.0", "O(N) where N is the number of fields to be removed.", "Delete one or more hash fields"),
    CommandSpec::new("hexists", 3, Exec::Shard(hexists))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "2.0.0", "O(1)", "Determine if a hash field exists"),
    CommandSpec::new("hlen", 2, Exec::Shard(hlen))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "2.0.0", "O(1)", "Get the number of fields in a hash"),
    CommandSpec::new("hstrlen", 3, Exec::Shard(hstrlen))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "3.2.0", "O(1)", "Get the length of the value of a hash field"),
    CommandSpec::new("hkeys", 2, Exec::Shard(hkeys))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "2.0.0", "O(N) where N is the size of the hash.", "Get all the fields in a hash"),
    CommandSpec::new("hvals", 2, Exec::Shard(hvals))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "2.0.0", "O(N) where N is the size of the hash.", "Get all the values in a hash"),
    CommandSpec::new("hgetall", 2, Exec::Shard(hgetall))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "2.0.0", "O(N) where N is the size of the hash.", "Get all the fields and values in a hash"),
    CommandSpec::new("hincrby", 4, Exec::Shard(hincrby))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "2.0.0", "O(1)", "Increment the integer value of a hash field by the given number"),
    CommandSpec::new("hincrbyfloat", 4, Exec::Shard(hincrbyfloat))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "2.6.0", "O(1)", "Increment the float value of a hash field by the given amount"),
    CommandSpec::new("hrandfield", -2, Exec::Shard(hrandfield))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "6.2.0", "O(N) where N is the number of fields returned", "Get one or multiple random fields from a hash"),
    CommandSpec::new("hscan", -3, Exec::Shard(hscan))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(HASH)
        .doc("hash", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", "Incrementally iterate hash fields and associated values"),
];
