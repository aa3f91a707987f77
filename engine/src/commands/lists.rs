//! The list family, single-key commands (`keyspace/list.rs`). LMOVE,
//! RPOPLPUSH, LMPOP and the blocking pops span keys or wait, and come with
//! cross-shard transactions.

use super::{after_collection_write, read_entry};
use crate::blocking::{self, BlockSpec, Waits};
use crate::command::args::parse_i64;
use crate::command::{arity_error, Acl, ArgCursor, CmdError, CommandSpec, Exec, Flags};
use crate::keyspace::list::List;
use crate::keyspace::{Value, ValueMut, ValueRef};
use crate::notify;
use crate::shard::ShardCtx;
use crate::txn::gather::{GatherCx, Writes};
use bytes::Bytes;
use shoal_proto::ReplyWriter;

/// `list-max-listpack-size` now, for a list about to be created.
fn fill(ctx: &ShardCtx<'_>) -> i64 {
    i64::from(ctx.node.config().list_max_listpack_size)
}

/// The list at `key` for reading (a keyspace hit or miss): `None` when the
/// key is missing, WRONGTYPE when it holds something else.
fn read_list<'a>(ctx: &'a mut ShardCtx<'_>, key: &[u8]) -> Result<Option<&'a List>, CmdError> {
    match read_entry(ctx, key) {
        None => Ok(None),
        Some(e) => match e.value() {
            // A key never holds an empty list; were one left, it reads as
            // missing.
            ValueRef::List(l) if l.is_empty() => Ok(None),
            ValueRef::List(l) => Ok(Some(l)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// The existing list at `key` for writing (no keyspace hit or miss, as
/// Redis's `lookupKeyWrite`).
fn existing_list<'a>(
    ctx: &'a mut ShardCtx<'_>,
    key: &[u8],
) -> Result<Option<&'a mut List>, CmdError> {
    let now = ctx.now_ms;
    match ctx.db().get(key, now) {
        None => Ok(None),
        Some(e) => match e.value_mut() {
            ValueMut::List(l) if l.is_empty() => Ok(None),
            ValueMut::List(l) => Ok(Some(l)),
            _ => Err(CmdError::WrongType),
        },
    }
}

/// An index as Redis reads one (negative counts from the tail), resolved
/// against `len`; `None` when it falls outside the list.
fn resolve_index(index: i64, len: usize) -> Option<usize> {
    if index >= 0 {
        usize::try_from(index).ok().filter(|&i| i < len)
    } else {
        // -1 is the last element; -(index + 1) cannot overflow.
        let back = usize::try_from(-(index + 1)).ok()?;
        (back < len).then(|| len - 1 - back)
    }
}

/// Redis's range rule (LRANGE, LTRIM): negative bounds count from the
/// tail, `start` is clamped at 0 and `stop` at the last element; `None`
/// when the range is empty. Otherwise the inclusive bounds.
fn resolve_range(start: i64, stop: i64, len: usize) -> Option<(usize, usize)> {
    // A list holds fewer than i64::MAX elements, and len + a negative
    // bound cannot overflow.
    let len = i64::try_from(len).ok()?;
    let start = if start < 0 { len + start } else { start }.max(0);
    let stop = if stop < 0 { len + stop } else { stop };
    if start > stop || start >= len {
        return None;
    }
    let stop = stop.min(len - 1);
    Some((usize::try_from(start).ok()?, usize::try_from(stop).ok()?))
}

/// LPUSH, RPUSH, LPUSHX and RPUSHX: `key element [element ...]`.
fn push(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>, front: bool, xx: bool) {
    let key = &argv[1];
    let list = if xx {
        match existing_list(ctx, key) {
            Ok(Some(l)) => l,
            Ok(None) => return out.integer(0),
            Err(e) => return e.reply(out),
        }
    } else {
        let fill = fill(ctx);
        let now = ctx.now_ms;
        let (entry, _) = ctx
            .db()
            .get_or_insert_with(key, now, || Value::List(Box::new(List::new(fill))));
        match entry.value_mut() {
            ValueMut::List(l) => l,
            _ => return CmdError::WrongType.reply(out),
        }
    };
    for e in &argv[2..] {
        if front {
            list.push_front(e);
        } else {
            list.push_back(e);
        }
    }
    let len = list.len();
    ctx.db().touch(key);
    ctx.notify(notify::LIST, if front { "lpush" } else { "rpush" }, key);
    out.integer(len as i64);
}

/// LPUSH key element [element ...]
fn lpush(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    push(ctx, argv, out, true, false);
}

/// RPUSH key element [element ...]
fn rpush(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    push(ctx, argv, out, false, false);
}

/// LPUSHX key element [element ...]
fn lpushx(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    push(ctx, argv, out, true, true);
}

/// RPUSHX key element [element ...]
fn rpushx(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    push(ctx, argv, out, false, true);
}

/// LPOP and RPOP: `key [count]`. Without a count: one element or null;
/// with one: an array of up to `count` elements, an empty array for 0,
/// and a null array for a missing key (Redis 7.0).
fn pop(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>, front: bool) {
    if argv.len() > 3 {
        return out.error(arity_error(if front { "lpop" } else { "rpop" }).as_bytes());
    }
    // getPositiveLongFromObjectOrReply: one error for negative and for
    // not a number.
    let count = match argv.get(2).map(|c| parse_i64(c)) {
        None => None,
        Some(Some(n)) if n >= 0 => Some(n.unsigned_abs()),
        Some(_) => return CmdError::CountNegative.reply(out),
    };
    let key = &argv[1];
    let list = match existing_list(ctx, key) {
        Ok(Some(l)) => l,
        Ok(None) if count.is_some() => return out.null_array(),
        Ok(None) => return out.null(),
        Err(e) => return e.reply(out),
    };
    let len = list.len();
    let n = match count {
        None => {
            let at = if front { 0 } else { len - 1 };
            out.bulk(list.get(at).unwrap_or_default());
            1
        }
        // Nothing popped, nothing touched.
        Some(0) => return out.array(0),
        Some(count) => {
            // At most the list's length, so it fits a usize.
            let n = usize::try_from(count).map_or(len, |c| c.min(len));
            out.array(n);
            if front {
                list.range(0, n).for_each(|e| out.bulk(e));
            } else {
                list.range(len - n, len).rev().for_each(|e| out.bulk(e));
            }
            n
        }
    };
    list.remove_range(if front { 0 } else { len - n }, n);
    let now_empty = list.is_empty();
    let event = if front { "lpop" } else { "rpop" };
    after_collection_write(ctx, key, notify::LIST, event, true, now_empty);
}

/// LPOP key [count]
fn lpop(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    pop(ctx, argv, out, true);
}

/// RPOP key [count]
fn rpop(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    pop(ctx, argv, out, false);
}

/// LLEN key
fn llen(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match read_list(ctx, &argv[1]) {
        Ok(l) => out.integer(l.map_or(0, |l| l.len() as i64)),
        Err(e) => e.reply(out),
    }
}

/// LRANGE key start stop
fn lrange(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let (Some(start), Some(stop)) = (parse_i64(&argv[2]), parse_i64(&argv[3])) else {
        return CmdError::NotInteger.reply(out);
    };
    let list = match read_list(ctx, &argv[1]) {
        Ok(Some(l)) => l,
        Ok(None) => return out.array(0),
        Err(e) => return e.reply(out),
    };
    match resolve_range(start, stop, list.len()) {
        None => out.array(0),
        Some((start, stop)) => {
            out.array(stop - start + 1);
            for e in list.range(start, stop + 1) {
                out.bulk(e);
            }
        }
    }
}

/// LINDEX key index
fn lindex(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    // Redis looks the key up before it reads the index.
    let list = match read_list(ctx, &argv[1]) {
        Ok(Some(l)) => l,
        Ok(None) => return out.null(),
        Err(e) => return e.reply(out),
    };
    let Some(index) = parse_i64(&argv[2]) else {
        return CmdError::NotInteger.reply(out);
    };
    match resolve_index(index, list.len()).and_then(|i| list.get(i)) {
        Some(e) => out.bulk(e),
        None => out.null(),
    }
}

/// LSET key index element
fn lset(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let list = match existing_list(ctx, &argv[1]) {
        Ok(Some(l)) => l,
        Ok(None) => return CmdError::NoSuchKey.reply(out),
        Err(e) => return e.reply(out),
    };
    let Some(index) = parse_i64(&argv[2]) else {
        return CmdError::NotInteger.reply(out);
    };
    match resolve_index(index, list.len()) {
        Some(i) if list.set(i, &argv[3]) => {
            ctx.db().touch(&argv[1]);
            ctx.notify(notify::LIST, "lset", &argv[1]);
            out.ok()
        }
        _ => CmdError::IndexOutOfRange.reply(out),
    }
}

/// LREM key count element
fn lrem(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let Some(count) = parse_i64(&argv[2]) else {
        return CmdError::NotInteger.reply(out);
    };
    let list = match existing_list(ctx, &argv[1]) {
        Ok(Some(l)) => l,
        Ok(None) => return out.integer(0),
        Err(e) => return e.reply(out),
    };
    // A negative count removes from the tail; i64::MIN's magnitude is
    // more than any list holds, so it removes every match, as in Redis.
    let removed = list.remove_equal(&argv[3], count.unsigned_abs(), count < 0);
    let now_empty = list.is_empty();
    if removed > 0 {
        after_collection_write(ctx, &argv[1], notify::LIST, "lrem", true, now_empty);
    }
    out.integer(removed as i64);
}

/// LTRIM key start stop
fn ltrim(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let (Some(start), Some(stop)) = (parse_i64(&argv[2]), parse_i64(&argv[3])) else {
        return CmdError::NotInteger.reply(out);
    };
    let list = match existing_list(ctx, &argv[1]) {
        Ok(Some(l)) => l,
        Ok(None) => return out.ok(),
        Err(e) => return e.reply(out),
    };
    let len = list.len();
    match resolve_range(start, stop, len) {
        None => list.remove_range(0, len),
        Some((start, stop)) => {
            list.remove_range(stop + 1, len - stop - 1);
            list.remove_range(0, start);
        }
    }
    // Redis signals the key modified whether or not anything was trimmed.
    let now_empty = list.is_empty();
    after_collection_write(ctx, &argv[1], notify::LIST, "ltrim", true, now_empty);
    out.ok();
}

/// LINSERT key BEFORE|AFTER pivot element
fn linsert(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let after = if argv[2].eq_ignore_ascii_case(b"AFTER") {
        true
    } else if argv[2].eq_ignore_ascii_case(b"BEFORE") {
        false
    } else {
        return CmdError::Syntax.reply(out);
    };
    let list = match existing_list(ctx, &argv[1]) {
        Ok(Some(l)) => l,
        Ok(None) => return out.integer(0),
        Err(e) => return e.reply(out),
    };
    let Some(pivot) = list.iter().position(|e| e == &argv[3][..]) else {
        return out.integer(-1);
    };
    list.insert(pivot + usize::from(after), &argv[4]);
    let len = list.len();
    ctx.db().touch(&argv[1]);
    ctx.notify(notify::LIST, "linsert", &argv[1]);
    out.integer(len as i64);
}

/// LPOS's options.
struct LposOptions {
    rank: i64,
    /// `None`: no COUNT, reply with one index or null.
    count: Option<i64>,
    maxlen: i64,
}

impl LposOptions {
    /// Parses `[RANK rank] [COUNT num-matches] [MAXLEN len]` (any order, a
    /// later one wins) with Redis 7.0.15's checks: RANK any integer but 0
    /// (i64::MIN included), COUNT and MAXLEN non-negative.
    fn parse(argv: &[Bytes]) -> Result<LposOptions, CmdError> {
        let mut options = LposOptions {
            rank: 1,
            count: None,
            maxlen: 0,
        };
        let mut args = ArgCursor::new(argv, 3);
        while args.has_more() {
            let more = args.remaining() > 1;
            if more && args.eat("RANK") {
                options.rank = args.next_i64();
                if options.rank == 0 {
                    args.fail(CmdError::RankZero);
                }
            } else if more && args.eat("COUNT") {
                match parse_i64(args.next_bytes()) {
                    Some(n) if n >= 0 => options.count = Some(n),
                    _ => args.fail(CmdError::LposCountNegative),
                }
            } else if more && args.eat("MAXLEN") {
                match parse_i64(args.next_bytes()) {
                    Some(n) if n >= 0 => options.maxlen = n,
                    _ => args.fail(CmdError::LposMaxlenNegative),
                }
            } else {
                args.fail(CmdError::Syntax);
            }
        }
        args.finish().map(|()| options)
    }
}

/// The indices LPOS answers, from `elements` walked from the head (or the
/// tail, `from_tail`), exactly as Redis 7.0.15's loop counts them. Its
/// `-rank` and `matches - rank + 1` overflow for RANK i64::MIN; the
/// wrapping arithmetic here gives what Redis's build answers (every match
/// from the tail, COUNT never reached).
fn lpos_matches<'a>(
    elements: impl Iterator<Item = &'a [u8]>,
    len: usize,
    from_tail: bool,
    element: &[u8],
    rank: i64,
    options: &LposOptions,
) -> Vec<usize> {
    let mut found = Vec::new();
    let mut matches: i64 = 0;
    for (index, e) in elements.enumerate() {
        if options.maxlen != 0 && index as u64 >= options.maxlen.unsigned_abs() {
            break;
        }
        if e != element {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        found.push(if from_tail { len - index - 1 } else { index });
        match options.count {
            None => break,
            Some(count) if count != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= count => {
                break
            }
            Some(_) => {}
        }
    }
    found
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
fn lpos(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let options = match LposOptions::parse(argv) {
        Ok(o) => o,
        Err(e) => return e.reply(out),
    };
    let list = match read_list(ctx, &argv[1]) {
        Ok(Some(l)) => l,
        Ok(None) if options.count.is_some() => return out.array(0),
        Ok(None) => return out.null(),
        Err(e) => return e.reply(out),
    };
    let (rank, from_tail) = match options.rank {
        r if r < 0 => (r.wrapping_neg(), true),
        r => (r, false),
    };
    let len = list.len();
    let found = if from_tail {
        lpos_matches(list.iter().rev(), len, true, &argv[2], rank, &options)
    } else {
        lpos_matches(list.iter(), len, false, &argv[2], rank, &options)
    };
    match options.count {
        Some(_) => {
            out.array(found.len());
            for i in found {
                out.integer(i as i64);
            }
        }
        None => match found.first() {
            Some(&i) => out.integer(i as i64),
            None => out.null(),
        },
    }
}

/// LEFT or RIGHT (any case): true for LEFT.
fn side(arg: &[u8]) -> Option<bool> {
    if arg.eq_ignore_ascii_case(b"LEFT") {
        Some(true)
    } else if arg.eq_ignore_ascii_case(b"RIGHT") {
        Some(false)
    } else {
        None
    }
}

/// The list a source holds: `Ok(None)` for a missing key, WRONGTYPE for
/// another type.
fn list_of(value: Option<ValueRef<'_>>) -> Result<Option<&List>, CmdError> {
    match value {
        None => Ok(None),
        Some(ValueRef::List(l)) => Ok(Some(l)),
        Some(_) => Err(CmdError::WrongType),
    }
}

/// The list a source holds if it has something to pop.
fn list_to_pop(value: Option<ValueRef<'_>>) -> Result<Option<&List>, CmdError> {
    Ok(list_of(value)?.filter(|l| !l.is_empty()))
}

/// The push and pop commands of a move: push the element to the
/// destination first, then pop the source, so the keyspace events come in
/// Redis's order (the destination's, then the source's) whatever the keys.
fn move_writes(src: &Bytes, dst: &Bytes, element: &[u8], from_left: bool, to_left: bool) -> Writes {
    let push: &'static [u8] = if to_left { b"LPUSH" } else { b"RPUSH" };
    let pop: &'static [u8] = if from_left { b"LPOP" } else { b"RPOP" };
    Writes {
        commands: vec![
            vec![
                Bytes::from_static(push),
                dst.clone(),
                Bytes::copy_from_slice(element),
            ],
            vec![Bytes::from_static(pop), src.clone()],
        ],
        events: None,
        missed: Vec::new(),
        wait: false,
    }
}

/// LMOVE and RPOPLPUSH, as Redis 7.0's lmoveGenericCommand decides; their
/// blocking forms (BLMOVE, BRPOPLPUSH) have a `timeout` after the other
/// arguments, checked first, and wait when the source is missing.
fn move_generic(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    from_left: bool,
    to_left: bool,
    timeout: Option<&Bytes>,
) -> Writes {
    if let Some(Err(e)) = timeout.map(|t| blocking::parse_timeout(t)) {
        out.error(e.as_bytes());
        return Writes::none();
    }
    let (src, dst) = (&argv[1], &argv[2]);
    let list = match list_to_pop(sources[0]) {
        Ok(Some(l)) => l,
        Ok(None) => {
            out.null();
            return Writes::wait();
        }
        Err(e) => {
            e.reply(out);
            return Writes::none();
        }
    };
    if let Err(e) = list_of(sources[1]) {
        e.reply(out);
        return Writes::none();
    }
    let at = if from_left { 0 } else { list.len() - 1 };
    let element = list.get(at).unwrap_or_default();
    out.bulk(element);
    move_writes(src, dst, element, from_left, to_left)
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT, and BLMOVE with a
/// timeout after them.
fn lmove(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    match (side(&argv[3]), side(&argv[4])) {
        (Some(from), Some(to)) => move_generic(argv, sources, out, from, to, argv.get(5)),
        _ => {
            CmdError::Syntax.reply(out);
            Writes::none()
        }
    }
}

/// RPOPLPUSH source destination, and BRPOPLPUSH with a timeout after them.
fn rpoplpush(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    move_generic(argv, sources, out, false, true, argv.get(3))
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] (`AT` 1, where
/// the key count is) and BLMPOP timeout numkeys ... (`AT` 2), checked in
/// Redis 7.0's order (lmpopGenericCommand): pops from the first non-empty
/// list.
fn mpop<const AT: usize>(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    let (where_at, from_left, count) = match super::parse_mpop(argv, AT, side) {
        Ok(p) => p,
        Err(e) => {
            out.error(e.as_bytes());
            return Writes::none();
        }
    };
    let (key, list) = match super::first_to_pop(&argv[AT + 1..where_at], sources, list_to_pop, out)
    {
        Ok(found) => found,
        Err(writes) => return writes,
    };
    // At most the list's length, so it fits a usize.
    let n = usize::try_from(count).map_or(list.len(), |c| c.min(list.len()));
    out.array(2);
    out.bulk(key);
    out.array(n);
    let len = list.len();
    if from_left {
        list.range(0, n).for_each(|e| out.bulk(e));
    } else {
        list.range(len - n, len).rev().for_each(|e| out.bulk(e));
    }
    let pop: &'static [u8] = if from_left { b"LPOP" } else { b"RPOP" };
    Writes::one(vec![
        Bytes::from_static(pop),
        key.clone(),
        Bytes::from(n.to_string()),
    ])
}

/// BLPOP (`FRONT`) and BRPOP key [key ...] timeout, as Redis 7.0's
/// blockingPopGenericCommand checks them: the timeout, then the keys in
/// order until one holds a list (a key of another type is an error).
fn bpop<const FRONT: bool>(
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
    let (key, list) = match super::first_to_pop(&argv[1..last], sources, list_to_pop, out) {
        Ok(found) => found,
        Err(writes) => return writes,
    };
    out.array(2);
    out.bulk(key);
    out.bulk(
        list.get(if FRONT { 0 } else { list.len() - 1 })
            .unwrap_or_default(),
    );
    let pop: &'static [u8] = if FRONT { b"LPOP" } else { b"RPOP" };
    Writes::one(vec![Bytes::from_static(pop), key.clone()])
}

/// How the blocking list commands block.
const fn blocks(pop: crate::txn::gather::GatherFn, first_key_only: bool, timeout_at: i32) -> Exec {
    Exec::Blocking(BlockSpec {
        pop,
        waits_for: Waits::List,
        first_key_only,
        timeout_at,
    })
}

const LIST: Acl = Acl::LIST;
const WRITE_FAST_GROW: Flags = Flags::WRITE.or(Flags::DENYOOM).or(Flags::FAST);

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("lpush", -3, Exec::Shard(lpush))
        .flags(WRITE_FAST_GROW)
        .keys(1, 1, 1)
        .acl(LIST)
        .doc("list", "1.0.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", "Prepend one or multiple elements to a list"),
    CommandSpec::new("rpush", -3, Exec::Shard(rpush))
        .flags(WRITE_FAST_GROW)
        .keys(1, 1, 1)
        .acl(LIST)
        .doc("list", "1.0.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", "Append one or multiple elements to a list"),
    CommandSpec::new("lpushx", -3, Exec::Shard(lpushx))
        .flags(WRITE_FAST_GROW)
        .keys(1, 1, 1)
        .acl(LIST)
        .doc("list", "2.2.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", "Prepend an element to a list, only if the list exists"),
    CommandSpec::new("rpushx", -3, Exec::Shard(rpushx))
        .flags(WRITE_FAST_GROW)
        .keys(1, 1, 1)
        .acl(LIST)
        .doc("list", "2.2.0", "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", "Append an element to a list, only if the list exists"),
    CommandSpec::new("lpop", -2, Exec::Shard(lpop))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(LIST)
        .doc("list", "1.0.0", "O(N) where N is the number of elements returned", "Remove and get the first elements in a list"),
    CommandSpec::new("rpop", -2, Exec::Shard(rpop))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(LIST)
        .doc("list", "1.0.0", "O(N) where N is the number of elements returned", "Remove and get the last elements in a list"),
    CommandSpec::new("llen", 2, Exec::Shard(llen))
        .flags(Flags::READONLY.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(LIST)
        .doc("list", "1.0.0", "O(1)", "Get the length of a list"),
    CommandSpec::new("lrange", 4, Exec::Shard(lrange))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(LIST)
        .doc("list", "1.0.0", "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.", "Get a range of elements from a list"),
    CommandSpec::new("lindex", 3, Exec::Shard(lindex))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(LIST)
        .doc("list", "1.0.0", "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).", "Get an element from a list by its index"),
    CommandSpec::new("lset", 4, Exec::Shard(lset))
        .flags(Flags::WRITE.or(Flags::DENYOOM))
        .keys(1, 1, 1)
        .acl(LIST)
        .doc("list", "1.0.0", "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).", "Set the value of an element in a list by its index"),
    CommandSpec::new("lrem", 4, Exec::Shard(lrem))
        .flags(Flags::WRITE)
        .keys(1, 1, 1)
        .acl(LIST)
        .doc("list", "1.0.0", "O(N+M) where N is the length of the list and M is the number of elements removed.", "Remove elements from a list"),
    CommandSpec::new("ltrim", 4, Exec::Shard(ltrim))
        .flags(Flags::WRITE)
        .keys(1, 1, 1)
        .acl(LIST)
        .doc("list", "1.0.0", "O(N) where N is the number of elements to be removed by the operation.", "Trim a list to the specified range"),
    CommandSpec::new("linsert", 5, Exec::Shard(linsert))
        .flags(Flags::WRITE.or(Flags::DENYOOM))
        .keys(1, 1, 1)
        .acl(LIST)
        .doc("list", "2.2.0", "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).", "Insert an element before or after another element in a list"),
    CommandSpec::new("lpos", -3, Exec::Shard(lpos))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(LIST)
        .doc("list", "6.0.6", "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.", "Return the index of matching elements on a list"),
    CommandSpec::new("lmove", 5, Exec::Gather(lmove))
        .flags(Flags::WRITE.or(Flags::DENYOOM))
        .keys(1, 2, 1)
        .acl(LIST)
        .doc("list", "6.2.0", "O(1)", "Pop an element from a list, push it to another list and return it"),
    CommandSpec::new("rpoplpush", 3, Exec::Gather(rpoplpush))
        .flags(Flags::WRITE.or(Flags::DENYOOM))
        .keys(1, 2, 1)
        .acl(LIST)
        .doc("list", "1.2.0", "O(1)", "Remove the last element in a list, prepend it to another list and return it"),
    CommandSpec::new("lmpop", -4, Exec::Gather(mpop::<1>))
        .flags(Flags::WRITE)
        .keys_counted_at(1)
        .acl(LIST)
        .doc("list", "7.0.0", "O(N+M) where N is the number of provided keys and M is the number of elements returned.", "Pop elements from a list"),
    CommandSpec::new("blpop", -3, blocks(bpop::<true>, false, -1))
        .flags(Flags::WRITE.or(Flags::NOSCRIPT).or(Flags::BLOCKING))
        .keys(1, -2, 1)
        .acl(LIST)
        .doc("list", "2.0.0", "O(N) where N is the number of provided keys.", "Remove and get the first element in a list, or block until one is available"),
    CommandSpec::new("brpop", -3, blocks(bpop::<false>, false, -1))
        .flags(Flags::WRITE.or(Flags::NOSCRIPT).or(Flags::BLOCKING))
        .keys(1, -2, 1)
        .acl(LIST)
        .doc("list", "2.0.0", "O(N) where N is the number of provided keys.", "Remove and get the last element in a list, or block until one is available"),
    CommandSpec::new("blmove", 6, blocks(lmove, true, -1))
        .flags(Flags::WRITE.or(Flags::DENYOOM).or(Flags::NOSCRIPT).or(Flags::BLOCKING))
        .keys(1, 2, 1)
        .acl(LIST)
        .doc("list", "6.2.0", "O(1)", "Pop an element from a list, push it to another list and return it; or block until one is available"),
    CommandSpec::new("brpoplpush", 4, blocks(rpoplpush, true, -1))
        .flags(Flags::WRITE.or(Flags::DENYOOM).or(Flags::NOSCRIPT).or(Flags::BLOCKING))
        .keys(1, 2, 1)
        .acl(LIST)
        .doc("list", "2.2.0", "O(1)", "Pop an element from a list, push it to another list and return it; or block until one is available"),
    CommandSpec::new("blmpop", -5, blocks(mpop::<2>, false, 1))
        .flags(Flags::WRITE.or(Flags::BLOCKING))
        .keys_counted_at(2)
        .acl(LIST)
        .doc("list", "7.0.0", "O(N+M) where N is the number of provided keys and M is the number of elements returned.", "Pop elements from a list, or block until one is available"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_resolve_from_either_end() {
        assert_eq!(resolve_index(0, 3), Some(0));
        assert_eq!(resolve_index(2, 3), Some(2));
        assert_eq!(resolve_index(3, 3), None);
        assert_eq!(resolve_index(-1, 3), Some(2));
        assert_eq!(resolve_index(-3, 3), Some(0));
        assert_eq!(resolve_index(-4, 3), None);
        assert_eq!(resolve_index(i64::MIN, 3), None);
        assert_eq!(resolve_index(i64::MAX, 3), None);
        assert_eq!(resolve_index(0, 0), None);
    }

    #[test]
    fn ranges_follow_redis() {
        assert_eq!(resolve_range(0, -1, 5), Some((0, 4)));
        assert_eq!(resolve_range(-100, 100, 5), Some((0, 4)));
        assert_eq!(resolve_range(i64::MIN, i64::MAX, 5), Some((0, 4)));
        assert_eq!(resolve_range(i64::MAX, i64::MIN, 5), None);
        assert_eq!(resolve_range(3, 1, 5), None);
        assert_eq!(resolve_range(5, 10, 5), None);
        assert_eq!(resolve_range(-2, -1, 5), Some((3, 4)));
        assert_eq!(resolve_range(0, -6, 5), None);
        assert_eq!(resolve_range(0, 0, 0), None);
    }

    #[test]
    fn lpos_rank_extremes_match_redis_7_0() {
        let elements: Vec<&[u8]> = vec![b"a", b"b", b"c", b"a", b"b"];
        let opts = |rank, count, maxlen| LposOptions {
            rank,
            count,
            maxlen,
        };
        let run = |o: &LposOptions, e: &[u8]| {
            let (rank, tail) = if o.rank < 0 {
                (o.rank.wrapping_neg(), true)
            } else {
                (o.rank, false)
            };
            if tail {
                lpos_matches(elements.iter().rev().copied(), 5, true, e, rank, o)
            } else {
                lpos_matches(elements.iter().copied(), 5, false, e, rank, o)
            }
        };
        // Checked against redis-server 7.0.15.
        assert_eq!(run(&opts(i64::MIN, None, 0), b"a"), vec![3]);
        assert_eq!(run(&opts(i64::MIN, Some(1), 0), b"a"), vec![3, 0]);
        assert_eq!(run(&opts(i64::MIN, Some(1), 1), b"b"), vec![4]);
        assert_eq!(run(&opts(i64::MAX, Some(1), 0), b"a"), Vec::<usize>::new());
        assert_eq!(run(&opts(-i64::MAX, Some(0), 0), b"a"), Vec::<usize>::new());
        assert_eq!(run(&opts(2, Some(5), 0), b"a"), vec![3]);
        assert_eq!(run(&opts(1, Some(0), i64::MAX), b"a"), vec![0, 3]);
    }
}
