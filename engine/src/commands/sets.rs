//! The set family, single-key commands (`keyspace/set.rs`). SMOVE, SINTER,
//! SUNION, SDIFF and the *STORE forms span keys and come with cross-shard
//! transactions.

use super::{
    after_collection_write, parse_random_count, random_reply_len, read_entry, reply_empty_scan,
    Picker, ScanOptions,
};
use crate::command::args::parse_i64;
use crate::command::{Acl, CmdError, CommandSpec, Exec, Flags};
use crate::commands::keys::parse_cursor;
use crate::keyspace::set::{Member, Set};
use crate::keyspace::{Value, ValueMut, ValueRef};
use crate::notify;
use crate::shard::ShardCtx;
use crate::txn::gather::{missed, GatherCx, Writes};
use bytes::Bytes;
use shoal_proto::ReplyWriter;

/// `set-max-intset-entries` now.
fn intset_max(ctx: &ShardCtx<'_>) -> usize {
    ctx.node.config().set_max_intset_entries
}

/// The set at `key` for reading (a keyspace hit or miss): `None` when the
/// key is missing, WRONGTYPE when it holds something else.
fn read_set<'a>(ctx: &'a mut ShardCtx<'_>, key: &[u8]) -> Result<Option<&'a Set>, CmdError> {
    match read_entry(ctx, key) {
        None => Ok(None),
        Some(e) => match e.value() {
            // A key never holds an empty collection; were one left, it
            // reads as missing (so random picks never index an empty one).
            ValueRef::Set(s) if s.is_empty() => Ok(None),
            ValueRef::Set(s) => Ok(Some(s)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The existing set at `key` for writing (no keyspace hit or miss, as
/// Redis's `lookupKeyWrite`).
fn existing_set<'a>(
    ctx: &'a mut ShardCtx<'_>,
    key: &[u8],
) -> Result<Option<&'a mut Set>, CmdError> {
    let now = ctx.now_ms;
    match ctx.db().get(key, now) {
        None => Ok(None),
        Some(e) => match e.value_mut() {
            ValueMut::Set(s) if s.is_empty() => Ok(None),
            ValueMut::Set(s) => Ok(Some(s)),
            _ => Err(CmdError::WrongType),
        },
    }
}

fn write_member(member: Member<'_>, out: &mut ReplyWriter<'_>) {
    out.bulk(member.bytes(&mut itoa::Buffer::new()));
}

/// SADD key member [member ...]
fn sadd(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let intset_max = intset_max(ctx);
    let now = ctx.now_ms;
    let (entry, _) = ctx.db().get_or_insert_with(&argv[1], now, || {
        Value::Set(Box::new(Set::for_member(&argv[2])))
    });
    let ValueMut::Set(set) = entry.value_mut() else {
        return CmdError::WrongType.reply(out);
    };
    let mut added = 0;
    for member in &argv[2..] {
        match set.add(member, intset_max) {
            Ok(true) => added += 1,
            Ok(false) => {}
            Err(_) => return CmdError::CollectionFull.reply(out),
        }
    }
    if added > 0 {
        ctx.db().touch(&argv[1]);
        ctx.notify(notify::SET, "sadd", &argv[1]);
    }
    out.integer(added);
}

/// SREM key member [member ...]
fn srem(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let set = match existing_set(ctx, &argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) => return out.integer(0),
        Err(e) => return e.reply(out),
    };
    let removed = argv[2..].iter().filter(|m| set.remove(m)).count();
    let emptied = set.is_empty();
    after_collection_write(ctx, &argv[1], notify::SET, "srem", removed > 0, emptied);
    out.integer(removed as i64);
}

/// SMEMBERS key
fn smembers(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match read_set(ctx, &argv[1]) {
        Ok(Some(s)) => {
            out.set(s.len());
            for m in s.iter() {
                write_member(m, out);
            }
        }
        Ok(None) => out.set(0),
        Err(e) => e.reply(out),
    }
}

/// SISMEMBER key member
fn sismember(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match read_set(ctx, &argv[1]) {
        Ok(s) => out.integer(i64::from(s.is_some_and(|s| s.contains(&argv[2])))),
        Err(e) => e.reply(out),
    }
}

/// SMISMEMBER key member [member ...]
fn smismember(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let set = match read_set(ctx, &argv[1]) {
        Ok(s) => s,
        Err(e) => return e.reply(out),
    };
    out.array(argv.len() - 2);
    for member in &argv[2..] {
        out.integer(i64::from(set.is_some_and(|s| s.contains(member))));
    }
}

/// SCARD key
fn scard(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match read_set(ctx, &argv[1]) {
        Ok(s) => out.integer(s.map_or(0, |s| s.len() as i64)),
        Err(e) => e.reply(out),
    }
}

/// SPOP key [count]
///
/// O(count): members are picked by index, which is O(1) in both encodings
/// (an intset's sorted array, a table's dense vector); a table removes each
/// in O(1), an intset all of them in one pass.
fn spop(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    if argv.len() > 3 {
        return CmdError::Syntax.reply(out);
    }
    // Redis 7.0's getPositiveLongFromObjectOrReply: one error for a count
    // that is negative or not a number.
    let count = match argv.get(2).map(|c| parse_i64(c)) {
        None => None,
        Some(Some(n)) if n >= 0 => Some(n as u64),
        Some(_) => return CmdError::CountNegative.reply(out),
    };
    let intset_max = intset_max(ctx);
    let mut picker = Picker::new(ctx);
    let set = match existing_set(ctx, &argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) if count.is_some() => return out.set(0),
        Ok(None) => return out.null(),
        Err(e) => return e.reply(out),
    };
    let size = set.len();
    match count {
        None => {
            let index = picker.below(size);
            let popped = set.pop_indices(vec![index], intset_max);
            out.bulk(popped.first().map_or(&[][..], |m| &m[..]));
        }
        Some(0) => return out.set(0),
        Some(n) if n >= size as u64 => {
            out.set(size);
            for m in set.iter() {
                write_member(m, out);
            }
            return after_collection_write(ctx, &argv[1], notify::SET, "spop", true, true);
        }
        Some(n) => {
            // n < size, so it fits a usize and the picks are bounded by the set.
            let indices = picker.distinct(size, n as usize);
            let popped = set.pop_indices(indices, intset_max);
            out.set(popped.len());
            for m in &popped {
                out.bulk(m);
            }
        }
    }
    let emptied = set.is_empty();
    after_collection_write(ctx, &argv[1], notify::SET, "spop", true, emptied);
}

/// SRANDMEMBER key [count]
///
/// O(count): uniform picks by index (see SPOP); distinct picks by Floyd's
/// sampling, which never looks at more than `count` indices.
fn srandmember(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    if argv.len() > 3 {
        return CmdError::Syntax.reply(out);
    }
    let count = match argv.get(2).map(|c| parse_random_count(c)) {
        None => None,
        Some(Err(e)) => return e.reply(out),
        Some(Ok(n)) => Some(n),
    };
    let mut picker = Picker::new(ctx);
    let set = match read_set(ctx, &argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) if count.is_some() => return out.array(0),
        Ok(None) => return out.null(),
        Err(e) => return e.reply(out),
    };
    let size = set.len();
    let Some(count) = count else {
        return write_member(set.at(picker.below(size)), out);
    };
    let reply_len = match random_reply_len(count, size) {
        Ok(n) => n,
        Err(e) => return e.reply(out),
    };
    out.array(reply_len);
    if count < 0 {
        for _ in 0..reply_len {
            write_member(set.at(picker.below(size)), out);
        }
    } else if reply_len == size {
        for m in set.iter() {
            write_member(m, out);
        }
    } else {
        for i in picker.distinct(size, reply_len) {
            write_member(set.at(i), out);
        }
    }
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]
fn sscan(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let cursor = match parse_cursor(&argv[2]) {
        Ok(c) => c,
        Err(e) => return e.reply(out),
    };
    let set = match read_set(ctx, &argv[1]) {
        Ok(Some(s)) => s,
        Ok(None) => return reply_empty_scan(out),
        Err(e) => return e.reply(out),
    };
    let options = match ScanOptions::parse(argv, 3) {
        Ok(o) => o,
        Err(e) => return e.reply(out),
    };
    let mut found: Vec<Box<[u8]>> = Vec::new();
    let next = match set {
        // An intset is returned whole in one call, as Redis does.
        Set::Ints(s) => {
            let mut scratch = itoa::Buffer::new();
            for v in s.iter() {
                let m = scratch.format(v).as_bytes();
                if options.matches(m) {
                    found.push(m.into());
                }
            }
            0
        }
        Set::Table(t) => t.scan(cursor, options.count, |m| {
            if options.matches(m) {
                found.push(m.clone());
            }
        }),
    };
    out.array(2);
    out.bulk(itoa::Buffer::new().format(next).as_bytes());
    out.array(found.len());
    for m in found {
        out.bulk(&m);
    }
}

/// The sets among `sources` (`None` for a missing key), or WRONGTYPE if a
/// key holds something else (Redis checks every key before answering).
fn sets_of<'a>(sources: &[Option<ValueRef<'a>>]) -> Result<Vec<Option<&'a Set>>, CmdError> {
    sources
        .iter()
        .map(|v| match *v {
            None => Ok(None),
            Some(ValueRef::Set(s)) => Ok(Some(s)),
            Some(_) => Err(CmdError::WrongType),
        })
        .collect()
}

#[derive(Clone, Copy)]
enum SetOp {
    Inter,
    Union,
    Diff,
}

/// The members of the intersection, union or difference of `sets`.
fn combine(op: SetOp, sets: &[Option<&Set>]) -> Vec<Box<[u8]>> {
    let mut scratch = itoa::Buffer::new();
    match op {
        SetOp::Inter => {
            let Some(mut present) = sets.iter().copied().collect::<Option<Vec<&Set>>>() else {
                return Vec::new();
            };
            // Walk the smallest set; look each member up in the others.
            present.sort_by_key(|s| s.len());
            let Some((smallest, others)) = present.split_first() else {
                return Vec::new();
            };
            smallest
                .iter()
                .filter_map(|m| {
                    let b = m.bytes(&mut scratch);
                    others.iter().all(|s| s.contains(b)).then(|| b.into())
                })
                .collect()
        }
        SetOp::Union => {
            let mut seen = std::collections::HashSet::new();
            let mut out = Vec::new();
            for set in sets.iter().flatten() {
                for m in set.iter() {
                    let b: Box<[u8]> = m.bytes(&mut scratch).into();
                    if seen.insert(b.clone()) {
                        out.push(b);
                    }
                }
            }
            out
        }
        SetOp::Diff => {
            let Some(Some(first)) = sets.first() else {
                return Vec::new();
            };
            first
                .iter()
                .filter_map(|m| {
                    let b = m.bytes(&mut scratch);
                    let elsewhere = sets[1..].iter().flatten().any(|s| s.contains(b));
                    (!elsewhere).then(|| b.into())
                })
                .collect()
        }
    }
}

/// SINTER, SUNION, SDIFF: the members of the combined sets.
fn set_op_reply(
    op: SetOp,
    keys: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
) -> Writes {
    match sets_of(sources) {
        Err(e) => e.reply(out),
        Ok(sets) => {
            let members = combine(op, &sets);
            out.set(members.len());
            for m in &members {
                out.bulk(m);
            }
        }
    }
    Writes {
        missed: missed(keys, sources),
        ..Writes::none()
    }
}

/// SINTERSTORE, SUNIONSTORE, SDIFFSTORE: the result replaces the
/// destination (the first key, whatever it held); an empty one deletes it.
fn set_op_store(
    op: SetOp,
    event: &'static str,
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
) -> Writes {
    let sets = match sets_of(&sources[1..]) {
        Ok(s) => s,
        Err(e) => {
            e.reply(out);
            return Writes::none();
        }
    };
    let members = combine(op, &sets);
    out.integer(members.len() as i64);
    let dst = &argv[1];
    let fill = (!members.is_empty()).then(|| {
        let mut sadd = Vec::with_capacity(members.len() + 2);
        sadd.push(Bytes::from_static(b"SADD"));
        sadd.push(dst.clone());
        sadd.extend(members.into_iter().map(Bytes::from));
        sadd
    });
    Writes {
        missed: missed(&argv[2..], &sources[1..]),
        ..Writes::replace(dst, sources[0].is_some(), fill, notify::SET, event)
    }
}

/// SINTER key [key ...]
fn sinter(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    set_op_reply(SetOp::Inter, &argv[1..], sources, out)
}
/// SUNION key [key ...]
fn sunion(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    set_op_reply(SetOp::Union, &argv[1..], sources, out)
}
/// SDIFF key [key ...]
fn sdiff(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    set_op_reply(SetOp::Diff, &argv[1..], sources, out)
}
/// SINTERSTORE destination key [key ...]
fn sinterstore(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    set_op_store(SetOp::Inter, "sinterstore", argv, sources, out)
}
/// SUNIONSTORE destination key [key ...]
fn sunionstore(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    set_op_store(SetOp::Union, "sunionstore", argv, sources, out)
}
/// SDIFFSTORE destination key [key ...]
fn sdiffstore(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    set_op_store(SetOp::Diff, "sdiffstore", argv, sources, out)
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit], checked in Redis 7.0's
/// order (sinterCardCommand).
fn sintercard(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    let numkeys = match parse_i64(&argv[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => {
            out.error(b"ERR numkeys should be greater than 0");
            return Writes::none();
        }
    };
    if numkeys > (argv.len() - 2) as u64 {
        out.error(b"ERR Number of keys can't be greater than number of args");
        return Writes::none();
    }
    let mut limit = 0u64;
    let mut i = 2 + numkeys as usize;
    while i < argv.len() {
        if argv[i].eq_ignore_ascii_case(b"LIMIT") && i + 1 < argv.len() {
            i += 1;
            match parse_i64(&argv[i]) {
                Some(n) if n >= 0 => limit = n as u64,
                _ => {
                    out.error(b"ERR LIMIT can't be negative");
                    return Writes::none();
                }
            }
        } else {
            CmdError::Syntax.reply(out);
            return Writes::none();
        }
        i += 1;
    }
    let sets = match sets_of(sources) {
        Ok(s) => s,
        Err(e) => {
            e.reply(out);
            return Writes::none();
        }
    };
    let mut count = combine(SetOp::Inter, &sets).len() as u64;
    if limit > 0 {
        count = count.min(limit);
    }
    out.integer(count as i64);
    Writes {
        missed: missed(&argv[2..2 + numkeys as usize], sources),
        ..Writes::none()
    }
}

/// SMOVE source destination member, as Redis 7.0's smoveCommand decides.
fn smove(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    let (src, dst, member) = (&argv[1], &argv[2], &argv[3]);
    let Some(src_value) = sources[0] else {
        out.integer(0);
        return Writes::none();
    };
    let src_set = match (src_value, sources[1]) {
        (ValueRef::Set(s), None | Some(ValueRef::Set(_))) => s,
        _ => {
            CmdError::WrongType.reply(out);
            return Writes::none();
        }
    };
    let present = src_set.contains(member);
    out.integer(i64::from(present));
    if !present || src == dst {
        return Writes::none();
    }
    Writes {
        commands: vec![
            vec![Bytes::from_static(b"SREM"), src.clone(), member.clone()],
            vec![Bytes::from_static(b"SADD"), dst.clone(), member.clone()],
        ],
        events: None,
        missed: Vec::new(),
        wait: false,
    }
}

const SET: Acl = Acl::SET;
const READ_FAST: Flags = Flags::READONLY.or(Flags::FAST);
const STORE: Flags = Flags::WRITE.or(Flags::DENYOOM);

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("sinter", -2, Exec::Gather(sinter))
        .flags(Flags::READONLY)
        .keys(1, -1, 1)
        .acl(SET)
        .doc("set", "1.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", "Intersect multiple sets"),
    CommandSpec::new("sunion", -2, Exec::Gather(sunion))
        .flags(Flags::READONLY)
        .keys(1, -1, 1)
        .acl(SET)
        .doc("set", "1.0.0", "O(N) where N is the total number of elements in all given sets.", "Add multiple sets"),
    CommandSpec::new("sdiff", -2, Exec::Gather(sdiff))
        .flags(Flags::READONLY)
        .keys(1, -1, 1)
        .acl(SET)
        .doc("set", "1.0.0", "O(N) where N is the total number of elements in all given sets.", "Subtract multiple sets"),
    CommandSpec::new("sinterstore", -3, Exec::Gather(sinterstore))
        .flags(STORE)
        .keys(1, -1, 1)
        .acl(SET)
        .doc("set", "1.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", "Intersect multiple sets and store the resulting set in a key"),
    CommandSpec::new("sunionstore", -3, Exec::Gather(sunionstore))
        .flags(STORE)
        .keys(1, -1, 1)
        .acl(SET)
        .doc("set", "1.0.0", "O(N) where N is the total number of elements in all given sets.", "Add multiple sets and store the resulting set in a key"),
    CommandSpec::new("sdiffstore", -3, Exec::Gather(sdiffstore))
        .flags(STORE)
        .keys(1, -1, 1)
        .acl(SET)
        .doc("set", "1.0.0", "O(N) where N is the total number of elements in all given sets.", "Subtract multiple sets and store the resulting set in a key"),
    CommandSpec::new("sintercard", -3, Exec::Gather(sintercard))
        .flags(Flags::READONLY)
        .keys_counted_at(1)
        .acl(SET)
        .doc("set", "7.0.0", "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", "Intersect multiple sets and return the cardinality of the result"),
    CommandSpec::new("smove", 4, Exec::Gather(smove))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 2, 1)
        .acl(SET)
        .doc("set", "1.0.0", "O(1)", "Move a member from one set to another"),
    CommandSpec::new("sadd", -3, Exec::Shard(sadd))
        .flags(Flags::WRITE.or(Flags::DENYOOM).or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(SET)
        .doc("set", "1.0.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", "Add one or more members to a set"),
    CommandSpec::new("srem", -3, Exec::Shard(srem))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(SET)
        .doc("set", "1.0.0", "O(N) where N is the number of members to be removed.", "Remove one or more members from a set"),
    CommandSpec::new("smembers", 2, Exec::Shard(smembers))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(SET)
        .doc("set", "1.0.0", "O(N) where N is the set cardinality.", "Get all the members in a set"),
    CommandSpec::new("sismember", 3, Exec::Shard(sismember))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(SET)
        .doc("set", "1.0.0", "O(1)", "Determine if a given value is a member of a set"),
    CommandSpec::new("smismember", -3, Exec::Shard(smismember))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(SET)
        .doc("set", "6.2.0", "O(N) where N is the number of elements being checked for membership", "Returns the membership associated with the given elements for a set"),
    CommandSpec::new("scard", 2, Exec::Shard(scard))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(SET)
        .doc("set", "1.0.0", "O(1)", "Get the number of members in a set"),
    CommandSpec::new("spop", -2, Exec::Shard(spop))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(SET)
        .doc("set", "1.0.0", "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", "Remove and return one or multiple random members from a set"),
    CommandSpec::new("srandmember", -2, Exec::Shard(srandmember))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(SET)
        .doc("set", "1.0.0", "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.", "Get one or multiple random members from a set"),
    CommandSpec::new("sscan", -3, Exec::Shard(sscan))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(SET)
        .doc("set", "2.8.0", "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", "Incrementally iterate Set elements"),
];
