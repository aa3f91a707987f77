//! The keyspace family: existence, deletion, types, expiry, iteration.

use super::read_entry;
use crate::command::args::{parse_db_index, parse_i64};
use crate::command::{Acl, ArgCursor, CmdError, CommandSpec, Exec, Flags};
use crate::dispatch::{merge_array_concat, merge_sum, Part, Parts};
use crate::keyspace::access;
use crate::keyspace::glob::glob_match;
use crate::keyspace::Db;
use crate::limits::SCAN_COUNT_MAX;
use crate::notify;
use crate::shard::ShardCtx;
use crate::txn::transfer;
use bytes::Bytes;
use shoal_proto::ReplyWriter;

/// DEL key [key ...] (and UNLINK) — this shard's keys.
fn del(ctx: &mut ShardCtx<'_>, argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    remove_keys(ctx, argv, false)
}

/// UNLINK key [key ...] — as DEL, but a value that takes more than
/// `LAZYFREE_THRESHOLD` allocations to free is freed in the background.
fn unlink(ctx: &mut ShardCtx<'_>, argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    remove_keys(ctx, argv, true)
}

/// DEL or UNLINK (`lazy`) of the keys in `argv[1..]`: how many were live.
fn remove_keys(ctx: &mut ShardCtx<'_>, argv: &[Bytes], lazy: bool) -> Part {
    let now = ctx.now_ms;
    let mut deleted = 0;
    for key in &argv[1..] {
        if let Some(entry) = ctx.db().delete(key, now) {
            if lazy && entry.value().free_effort() > crate::lazyfree::LAZYFREE_THRESHOLD {
                crate::lazyfree::free_later(Box::new(entry), 1);
            }
            ctx.notify(notify::GENERIC, "del", key);
            deleted += 1;
        }
    }
    Part::Int(deleted)
}

/// EXISTS key [key ...] — duplicates count as often as they appear.
fn exists(ctx: &mut ShardCtx<'_>, argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    Part::Int(
        argv[1..]
            .iter()
            .filter(|k| read_entry(ctx, k).is_some())
            .count() as i64,
    )
}

/// TOUCH key [key ...]
fn touch(ctx: &mut ShardCtx<'_>, argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    let now = ctx.now_ms;
    let db = ctx.db();
    Part::Int(argv[1..].iter().filter(|k| db.contains(k, now)).count() as i64)
}

/// TYPE key
fn type_(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let now = ctx.now_ms;
    match ctx.db().get(&argv[1], now) {
        Some(e) => out.simple(e.value().type_name().as_bytes()),
        None => out.simple(b"none"),
    }
}

/// EXPIRE-family options.
#[derive(Default)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

fn expire_generic(
    ctx: &mut ShardCtx<'_>,
    argv: &[Bytes],
    out: &mut ReplyWriter<'_>,
    seconds: bool,
    absolute: bool,
    cmd: &'static str,
) {
    let mut f = ExpireFlags::default();
    for opt in &argv[3..] {
        match opt.to_ascii_uppercase().as_slice() {
            b"NX" => f.nx = true,
            b"XX" => f.xx = true,
            b"GT" => f.gt = true,
            b"LT" => f.lt = true,
            _ => {
                return out.error(
                    format!("ERR Unsupported option {}", String::from_utf8_lossy(opt)).as_bytes(),
                )
            }
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return CmdError::NxXxGtLtIncompatible.reply(out);
    }
    if f.gt && f.lt {
        return CmdError::GtLtNxIncompatible.reply(out);
    }
    let Some(mut when) = parse_i64(&argv[2]) else {
        return CmdError::NotInteger.reply(out);
    };
    if seconds {
        match when.checked_mul(1000) {
            Some(w) => when = w,
            None => return CmdError::InvalidExpire(cmd).reply(out),
        }
    }
    let now = ctx.now_ms;
    if !absolute {
        match when.checked_add(now as i64) {
            Some(w) => when = w,
            None => return CmdError::InvalidExpire(cmd).reply(out),
        }
    }
    let db = ctx.db();
    let Some(entry) = db.get(&argv[1], now) else {
        return out.integer(0);
    };
    let current = entry.expire_at_ms().map(|t| t as i64);
    let refuse = (f.nx && current.is_some())
        || (f.xx && current.is_none())
        || (f.gt && current.is_none_or(|c| when <= c))
        || (f.lt && current.is_some_and(|c| when >= c));
    if refuse {
        return out.integer(0);
    }
    let event = if when <= now as i64 {
        db.remove(&argv[1]);
        "del"
    } else {
        db.set_expire(&argv[1], when as u64, now);
        "expire"
    };
    ctx.notify(notify::GENERIC, event, &argv[1]);
    out.integer(1);
}

/// EXPIRE key seconds [NX | XX | GT | LT]
fn expire(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    expire_generic(ctx, argv, out, true, false, "expire");
}
/// PEXPIRE key milliseconds [NX | XX | GT | LT]
fn pexpire(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    expire_generic(ctx, argv, out, false, false, "pexpire");
}
/// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
fn expireat(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    expire_generic(ctx, argv, out, true, true, "expireat");
}
/// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
fn pexpireat(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    expire_generic(ctx, argv, out, false, true, "pexpireat");
}

/// TTL-family: remaining or absolute, seconds (rounded) or ms.
fn ttl_generic(
    ctx: &mut ShardCtx<'_>,
    argv: &[Bytes],
    out: &mut ReplyWriter<'_>,
    ms: bool,
    absolute: bool,
) {
    let now = ctx.now_ms;
    let Some(e) = read_entry(ctx, &argv[1]) else {
        return out.integer(-2);
    };
    let Some(at) = e.expire_at_ms() else {
        return out.integer(-1);
    };
    let ttl = if absolute {
        at as i64
    } else {
        (at as i64 - now as i64).max(0)
    };
    out.integer(if ms { ttl } else { (ttl + 500) / 1000 });
}

/// TTL key
fn ttl(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    ttl_generic(ctx, argv, out, false, false);
}
/// PTTL key
fn pttl(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    ttl_generic(ctx, argv, out, true, false);
}
/// EXPIRETIME key
fn expiretime(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    ttl_generic(ctx, argv, out, false, true);
}
/// PEXPIRETIME key
fn pexpiretime(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    ttl_generic(ctx, argv, out, true, true);
}

/// PERSIST key
fn persist(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let now = ctx.now_ms;
    let db = ctx.db();
    let had = db
        .get(&argv[1], now)
        .and_then(|e| e.expire_at_ms())
        .is_some();
    if had {
        db.set_expire(&argv[1], 0, now);
        ctx.notify(notify::GENERIC, "persist", &argv[1]);
    }
    out.integer(i64::from(had));
}

/// KEYS pattern — this shard's matching keys.
fn keys(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) -> Part {
    let now = ctx.now_ms;
    let pattern = &argv[1][..];
    let all = pattern == b"*";
    let mut items = Vec::new();
    for e in ctx.db().iter() {
        if Db::is_live(e, now) && (all || glob_match(pattern, e.key(), false)) {
            let start = out.buf().len();
            out.bulk(e.key());
            items.push(start..out.buf().len());
        }
    }
    Part::Items(items)
}

/// A SCAN cursor: the shard in the top 8 bits, the position in that
/// shard's table (56 bits) below.
const SCAN_SHARD_SHIFT: u32 = 56;
const _: () = assert!(crate::limits::THREADS_MAX <= 1 << (64 - SCAN_SHARD_SHIFT));

/// Parses a cursor as Redis's `parseScanCursorOrReply` (strtoul, then its
/// own checks): an optional sign (a negative cursor wraps, so "-1" is
/// u64::MAX), decimal digits and nothing after; no leading space; overflow
/// is an error; the empty string is 0.
pub(crate) fn parse_cursor(raw: &[u8]) -> Result<u64, CmdError> {
    if raw.is_empty() {
        return Ok(0);
    }
    let (negative, digits) = match raw.first() {
        Some(b'-') => (true, &raw[1..]),
        Some(b'+') => (false, &raw[1..]),
        _ => (false, raw),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(CmdError::InvalidCursor);
    }
    let mut value: u64 = 0;
    for &d in digits {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .ok_or(CmdError::InvalidCursor)?;
    }
    Ok(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// SCAN's route: the shard its cursor names.
fn scan_route(argv: &[Bytes], shard_count: usize) -> Result<usize, CmdError> {
    let cursor = parse_cursor(&argv[1])?;
    Ok(((cursor >> SCAN_SHARD_SHIFT) as usize).min(shard_count - 1))
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
fn scan(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let cursor = match parse_cursor(&argv[1]) {
        Ok(c) => c,
        Err(e) => return e.reply(out),
    };
    let mut args = ArgCursor::new(argv, 2);
    let (mut pattern, mut count, mut type_filter): (Option<&[u8]>, i64, Option<&[u8]>) =
        (None, 10, None);
    while args.has_more() {
        if args.eat("MATCH") {
            pattern = Some(args.next_bytes());
        } else if args.eat("COUNT") {
            count = args.next_i64();
            if count < 1 {
                args.fail(CmdError::Syntax);
            }
        } else if args.eat("TYPE") {
            type_filter = Some(args.next_bytes());
        } else {
            args.fail(CmdError::Syntax);
        }
    }
    if let Err(e) = args.finish() {
        return e.reply(out);
    }
    let me = ctx.shard.id.0 as u64;
    let cursor_shard = cursor >> SCAN_SHARD_SHIFT;
    let position = if cursor_shard == me {
        cursor & ((1 << SCAN_SHARD_SHIFT) - 1)
    } else {
        u64::MAX
    };
    let now = ctx.now_ms;
    let mut found: Vec<Vec<u8>> = Vec::new();
    let db = &ctx.shard.dbs[ctx.db];
    let next = if position == u64::MAX {
        0
    } else {
        db.scan(position, (count as usize).min(SCAN_COUNT_MAX), |e| {
            if !Db::is_live(e, now) {
                return;
            }
            if pattern.is_some_and(|p| !glob_match(p, e.key(), false)) {
                return;
            }
            if type_filter
                .is_some_and(|t| !t.eq_ignore_ascii_case(e.value().type_name().as_bytes()))
            {
                return;
            }
            found.push(e.key().to_vec());
        })
    };
    let next_cursor = if next != 0 {
        (me << SCAN_SHARD_SHIFT) | next
    } else if me + 1 < ctx.node.shard_count as u64 {
        (me + 1) << SCAN_SHARD_SHIFT
    } else {
        0
    };
    out.array(2);
    out.bulk(itoa::Buffer::new().format(next_cursor).as_bytes());
    out.array(found.len());
    for k in found {
        out.bulk(&k);
    }
}

/// RANDOMKEY — this shard's key count and one random key.
fn randomkey(ctx: &mut ShardCtx<'_>, _argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    let seed = ctx.shard.next_random();
    let now = ctx.now_ms;
    let db = ctx.db();
    let key = db.random_key(seed, now);
    Part::RandomKey {
        count: db.len(),
        key,
    }
}

/// Picks one shard's random key, weighted by the shards' key counts.
fn merge_randomkey(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    let candidates: Vec<(usize, &[u8])> = parts
        .iter()
        .filter_map(|(_, p)| match p {
            Part::RandomKey {
                count,
                key: Some(k),
            } => Some((*count, &k[..])),
            _ => None,
        })
        .collect();
    let total: usize = candidates.iter().map(|c| c.0).sum();
    if candidates.is_empty() || total == 0 {
        return out.null();
    }
    let mut pick = (crate::global::unix_us() as usize) % total;
    for (count, key) in &candidates {
        if pick < *count {
            return out.bulk(key);
        }
        pick -= count;
    }
    out.bulk(candidates[0].1);
}

/// OBJECT ENCODING key
fn object_encoding(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let now = ctx.now_ms;
    match ctx.db().get_untouched(&argv[2], now) {
        Some(e) => out.bulk(e.value().encoding().as_bytes()),
        None => out.null(),
    }
}

/// Redis's note on OBJECT FREQ / IDLETIME under the other kind of policy.
const POLICY_SWITCH_NOTE: &str = "Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.";

/// OBJECT FREQ key — the key's LFU counter, decayed to now; only under an
/// LFU policy.
fn object_freq(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let (now, settings) = (ctx.now_ms, ctx.node.eviction());
    let Some(e) = ctx.db().get_untouched(&argv[2], now) else {
        return out.null();
    };
    if !settings.policy.is_lfu() {
        let msg = format!("ERR An LFU maxmemory policy is not selected, access frequency not tracked. {POLICY_SWITCH_NOTE}");
        return out.error(msg.as_bytes());
    }
    let counter = access::lfu_counter(e.access(), now, settings.lfu_decay_minutes);
    out.integer(i64::from(counter));
}

/// OBJECT IDLETIME key — seconds since the key was last used; not under
/// an LFU policy.
fn object_idletime(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let (now, lfu) = (ctx.now_ms, ctx.node.eviction().policy.is_lfu());
    let Some(e) = ctx.db().get_untouched(&argv[2], now) else {
        return out.null();
    };
    if lfu {
        let msg = format!(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. {POLICY_SWITCH_NOTE}"
        );
        return out.error(msg.as_bytes());
    }
    out.integer((access::idle_ms(e.access(), now) / 1000) as i64);
}

/// OBJECT REFCOUNT key — 1: Shoal shares no values between keys (Redis
/// answers 2147483647 for its shared small integers).
fn object_refcount(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let now = ctx.now_ms;
    match ctx.db().get_untouched(&argv[2], now) {
        Some(_) => out.integer(1),
        None => out.null(),
    }
}

/// OBJECT HELP
fn object_help(
    _ctx: &mut crate::connection::ConnCtx<'_>,
    _argv: &[Bytes],
    out: &mut ReplyWriter<'_>,
) {
    let lines: &[&str] = &[
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    ];
    super::reply_help(out, lines);
}

/// MOVE key db — both databases are on this shard (a key's shard does not
/// depend on its database).
fn move_(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let dst = match parse_db_index(&argv[2], ctx.shard.dbs.len()) {
        Ok(d) => d,
        Err(e) => return e.reply(out),
    };
    if dst == ctx.db {
        return CmdError::SameObject.reply(out);
    }
    let (now, key) = (ctx.now_ms, &argv[1]);
    if !ctx.shard.dbs[ctx.db].contains(key, now) || ctx.shard.dbs[dst].contains(key, now) {
        return out.integer(0);
    }
    if let Some((value, expire_at_ms)) = ctx.shard.dbs[ctx.db].take(key) {
        ctx.shard.dbs[dst].set(key, value, expire_at_ms, now);
    }
    ctx.notify(notify::GENERIC, "move_from", key);
    ctx.shard.dbs[dst].notify(notify::GENERIC, "move_to", key);
    out.integer(1);
}

const KEYSPACE: Acl = Acl::KEYSPACE;

static OBJECT_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("object|encoding", 3, Exec::Shard(object_encoding))
        .flags(Flags::READONLY)
        .keys(2, 2, 1)
        .acl(KEYSPACE)
        .doc(
            "generic",
            "2.2.3",
            "O(1)",
            "Returns the internal encoding of a Redis object.",
        ),
    CommandSpec::new("object|freq", 3, Exec::Shard(object_freq))
        .flags(Flags::READONLY)
        .keys(2, 2, 1)
        .acl(KEYSPACE)
        .doc(
            "generic",
            "4.0.0",
            "O(1)",
            "Returns the logarithmic access frequency counter of a Redis object.",
        ),
    CommandSpec::new("object|idletime", 3, Exec::Shard(object_idletime))
        .flags(Flags::READONLY)
        .keys(2, 2, 1)
        .acl(KEYSPACE)
        .doc(
            "generic",
            "2.2.3",
            "O(1)",
            "Returns the time since the last access to a Redis object.",
        ),
    CommandSpec::new("object|refcount", 3, Exec::Shard(object_refcount))
        .flags(Flags::READONLY)
        .keys(2, 2, 1)
        .acl(KEYSPACE)
        .doc(
            "generic",
            "2.2.3",
            "O(1)",
            "Returns the reference count of a value of a key.",
        ),
    CommandSpec::new("object|help", 2, Exec::Conn(object_help))
        .flags(Flags::LOADING.or(Flags::STALE))
        .acl(KEYSPACE)
        .doc(
            "generic",
            "6.2.0",
            "O(1)",
            "Returns helpful text about the different subcommands.",
        ),
];

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("del", -2, Exec::PerKey { part: del, merge: merge_sum })
        .flags(Flags::WRITE)
        .keys(1, -1, 1)
        .acl(KEYSPACE)
        .doc("generic", "1.0.0", "O(N) where N is the number of keys that will be removed.", "Deletes one or more keys."),
    CommandSpec::new("unlink", -2, Exec::PerKey { part: unlink, merge: merge_sum })
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, -1, 1)
        .acl(KEYSPACE)
        .doc("generic", "4.0.0", "O(1) for each key removed regardless of its size.", "Asynchronously deletes one or more keys."),
    CommandSpec::new("exists", -2, Exec::PerKey { part: exists, merge: merge_sum })
        .flags(Flags::READONLY.or(Flags::FAST))
        .keys(1, -1, 1)
        .acl(KEYSPACE)
        .doc("generic", "1.0.0", "O(N) where N is the number of keys to check.", "Determines whether one or more keys exist."),
    CommandSpec::new("touch", -2, Exec::PerKey { part: touch, merge: merge_sum })
        .flags(Flags::READONLY.or(Flags::FAST))
        .keys(1, -1, 1)
        .acl(KEYSPACE)
        .doc("generic", "3.2.1", "O(N) where N is the number of keys that will be touched.", "Returns the number of existing keys out of those specified after updating the time they were last accessed."),
    CommandSpec::new("type", 2, Exec::Shard(type_))
        .flags(Flags::READONLY.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(KEYSPACE)
        .doc("generic", "1.0.0", "O(1)", "Determines the type of value stored at a key."),
    CommandSpec::new("expire", -3, Exec::Shard(expire))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(KEYSPACE)
        .doc("generic", "1.0.0", "O(1)", "Sets the expiration time of a key in seconds."),
    CommandSpec::new("pexpire", -3, Exec::Shard(pexpire))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(KEYSPACE)
        .doc("generic", "2.6.0", "O(1)", "Sets the expiration time of a key in milliseconds."),
    CommandSpec::new("expireat", -3, Exec::Shard(expireat))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(KEYSPACE)
        .doc("generic", "1.2.0", "O(1)", "Sets the expiration time of a key to a Unix timestamp."),
    CommandSpec::new("pexpireat", -3, Exec::Shard(pexpireat))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(KEYSPACE)
        .doc("generic", "2.6.0", "O(1)", "Sets the expiration time of a key to a Unix milliseconds timestamp."),
    CommandSpec::new("ttl", 2, Exec::Shard(ttl))
        .flags(Flags::READONLY.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(KEYSPACE)
        .doc("generic", "1.0.0", "O(1)", "Returns the expiration time in seconds of a key."),
    CommandSpec::new("pttl", 2, Exec::Shard(pttl))
        .flags(Flags::READONLY.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(KEYSPACE)
        .doc("generic", "2.6.0", "O(1)", "Returns the expiration time in milliseconds of a key."),
    CommandSpec::new("expiretime", 2, Exec::Shard(expiretime))
        .flags(Flags::READONLY.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(KEYSPACE)
        .doc("generic", "7.0.0", "O(1)", "Returns the expiration time of a key as a Unix timestamp."),
    CommandSpec::new("pexpiretime", 2, Exec::Shard(pexpiretime))
        .flags(Flags::READONLY.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(KEYSPACE)
        .doc("generic", "7.0.0", "O(1)", "Returns the expiration time of a key as a Unix milliseconds timestamp."),
    CommandSpec::new("persist", 2, Exec::Shard(persist))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(KEYSPACE)
        .doc("generic", "2.2.0", "O(1)", "Removes the expiration time of a key."),
    CommandSpec::new("rename", 3, Exec::Transfer(transfer::parse_rename))
        .flags(Flags::WRITE)
        .keys(1, 2, 1)
        .acl(KEYSPACE)
        .doc("generic", "1.0.0", "O(1)", "Rename a key"),
    CommandSpec::new("renamenx", 3, Exec::Transfer(transfer::parse_renamenx))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 2, 1)
        .acl(KEYSPACE)
        .doc("generic", "1.0.0", "O(1)", "Rename a key, only if the new key does not exist"),
    CommandSpec::new("copy", -3, Exec::Transfer(transfer::parse_copy))
        .flags(Flags::WRITE.or(Flags::DENYOOM))
        .keys(1, 2, 1)
        .acl(KEYSPACE)
        .doc("generic", "6.2.0", "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.", "Copy a key"),
    CommandSpec::new("move", 3, Exec::Shard(move_))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(KEYSPACE)
        .doc("generic", "1.0.0", "O(1)", "Move a key to another database"),
    CommandSpec::new("keys", 2, Exec::AllShards { part: keys, merge: merge_array_concat })
        .flags(Flags::READONLY)
        .acl(KEYSPACE.or(Acl::DANGEROUS))
        .doc("generic", "1.0.0", "O(N) with N being the number of keys in the database", "Returns all key names that match a pattern."),
    CommandSpec::new("scan", -2, Exec::Routed { route: scan_route, run: scan })
        .flags(Flags::READONLY)
        .acl(KEYSPACE)
        .doc("generic", "2.8.0", "O(1) for every call. O(N) for a complete iteration.", "Iterates over the key names in the database."),
    CommandSpec::new("randomkey", 1, Exec::AllShards { part: randomkey, merge: merge_randomkey })
        .flags(Flags::READONLY)
        .acl(KEYSPACE)
        .doc("generic", "1.0.0", "O(1)", "Returns a random key name from the database."),
    CommandSpec::new("object", -2, Exec::Container)
        .acl(KEYSPACE)
        .subcommands(OBJECT_SUBCOMMANDS)
        .doc("generic", "2.2.3", "Depends on subcommand.", "A container for object introspection commands."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_parse_as_strtoul_with_redis_checks() {
        assert_eq!(parse_cursor(b"0"), Ok(0));
        assert_eq!(parse_cursor(b""), Ok(0));
        assert_eq!(parse_cursor(b"+7"), Ok(7));
        assert_eq!(parse_cursor(b"-1"), Ok(u64::MAX));
        assert_eq!(parse_cursor(b"-0"), Ok(0));
        assert_eq!(parse_cursor(b"18446744073709551615"), Ok(u64::MAX));
        for bad in [
            &b" 1"[..],
            b"1 ",
            b"-",
            b"+",
            b"x",
            b"18446744073709551616",
            b"1x",
        ] {
            assert_eq!(parse_cursor(bad), Err(CmdError::InvalidCursor));
        }
    }
}
