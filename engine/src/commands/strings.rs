//! The string family: GET/SET and friends, counters, ranges.

use super::read_entry;
use crate::command::args::parse_i64;
use crate::command::long_double;
use crate::command::{Acl, ArgCursor, CmdError, CommandSpec, Exec, Flags};
use crate::dispatch::{merge_array_by_key, merge_ok, Part, Parts};
use crate::keyspace::{Value, ValueRef};
use crate::notify;
use crate::shard::ShardCtx;
use crate::txn::gather::{missed, GatherCx, Writes};
use bytes::Bytes;
use shoal_proto::ReplyWriter;

/// Replies with a string value, or WRONGTYPE.
fn reply_string(value: ValueRef<'_>, out: &mut ReplyWriter<'_>) {
    if !value.is_string() {
        return CmdError::WrongType.reply(out);
    }
    out.bulk(value.string_bytes(&mut itoa::Buffer::new()));
}

/// GET key
fn get(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match read_entry(ctx, &argv[1]) {
        Some(e) => reply_string(e.value(), out),
        None => out.null(),
    }
}

/// When a write sets the expiry: relative or absolute, seconds or ms.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ExpireArg {
    None,
    Ex,
    Px,
    ExAt,
    PxAt,
    KeepTtl,
    Persist,
}

/// Converts an expire argument into a unix ms deadline, with Redis's checks
/// (`getExpireMillisecondsOrReply`).
fn expire_deadline(
    kind: ExpireArg,
    raw: &[u8],
    now_ms: u64,
    cmd: &'static str,
) -> Result<u64, CmdError> {
    let n = parse_i64(raw).ok_or(CmdError::NotInteger)?;
    let seconds = matches!(kind, ExpireArg::Ex | ExpireArg::ExAt);
    if n <= 0 || (seconds && n > i64::MAX / 1000) {
        return Err(CmdError::InvalidExpire(cmd));
    }
    let ms = if seconds { n * 1000 } else { n };
    let at = match kind {
        ExpireArg::Ex | ExpireArg::Px => ms
            .checked_add(now_ms as i64)
            .ok_or(CmdError::InvalidExpire(cmd))?,
        _ => ms,
    };
    Ok(at as u64)
}

/// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
/// EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]
fn set(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let (mut nx, mut xx, mut get) = (false, false, false);
    let mut expire = ExpireArg::None;
    let mut expire_raw: &[u8] = &[];
    let mut i = 3;
    while i < argv.len() {
        let opt = &argv[i][..];
        let has_next = i + 1 < argv.len();
        let is = |w: &str| opt.eq_ignore_ascii_case(w.as_bytes());
        let timed = |e: ExpireArg| expire == ExpireArg::None || expire == e;
        if is("NX") && !xx {
            nx = true;
        } else if is("XX") && !nx {
            xx = true;
        } else if is("GET") {
            get = true;
        } else if is("KEEPTTL") && timed(ExpireArg::KeepTtl) {
            expire = ExpireArg::KeepTtl;
        } else if let (true, Some(kind)) = (
            has_next,
            [
                ("EX", ExpireArg::Ex),
                ("PX", ExpireArg::Px),
                ("EXAT", ExpireArg::ExAt),
                ("PXAT", ExpireArg::PxAt),
            ]
            .iter()
            .find(|(w, k)| is(w) && timed(*k))
            .map(|(_, k)| *k),
        ) {
            expire = kind;
            expire_raw = &argv[i + 1];
            i += 1;
        } else {
            return CmdError::Syntax.reply(out);
        }
        i += 1;
    }
    let now = ctx.now_ms;
    let deadline = match expire {
        ExpireArg::Ex | ExpireArg::Px | ExpireArg::ExAt | ExpireArg::PxAt => {
            match expire_deadline(expire, expire_raw, now, "set") {
                Ok(d) => d,
                Err(e) => return e.reply(out),
            }
        }
        _ => 0,
    };
    let db = ctx.db();
    // Only NX, XX and GET need the old entry first; a plain SET's store
    // replaces (and counts, if expired) any old entry itself.
    if nx || xx || get {
        let found = match db.get(&argv[1], now) {
            Some(e) => {
                if get {
                    if !e.value().is_string() {
                        return CmdError::WrongType.reply(out);
                    }
                    out.bulk(e.value().string_bytes(&mut itoa::Buffer::new()));
                }
                true
            }
            None => {
                if get {
                    out.null();
                }
                false
            }
        };
        if (nx && found) || (xx && !found) {
            if !get {
                out.null();
            }
            return;
        }
    }
    if expire == ExpireArg::KeepTtl {
        db.set_keep_ttl(&argv[1], Value::from_bytes(&argv[2]), now);
    } else {
        db.set_string(&argv[1], &argv[2], deadline, now);
    }
    notify_set(ctx, &argv[1], deadline != 0);
    if !get {
        out.ok();
    }
}

/// The events of a string store: "set", then "expire" when it set a TTL.
fn notify_set(ctx: &ShardCtx<'_>, key: &[u8], expires: bool) {
    ctx.notify(notify::STRING, "set", key);
    if expires {
        ctx.notify(notify::GENERIC, "expire", key);
    }
}

/// SETNX key value
fn setnx(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let now = ctx.now_ms;
    let db = ctx.db();
    if db.contains(&argv[1], now) {
        return out.integer(0);
    }
    db.set_string(&argv[1], &argv[2], 0, now);
    notify_set(ctx, &argv[1], false);
    out.integer(1);
}

fn setex_generic(
    ctx: &mut ShardCtx<'_>,
    argv: &[Bytes],
    out: &mut ReplyWriter<'_>,
    kind: ExpireArg,
    cmd: &'static str,
) {
    let now = ctx.now_ms;
    match expire_deadline(kind, &argv[2], now, cmd) {
        Ok(at) => {
            ctx.db().set_string(&argv[1], &argv[3], at, now);
            notify_set(ctx, &argv[1], true);
            out.ok();
        }
        Err(e) => e.reply(out),
    }
}

/// SETEX key seconds value
fn setex(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    setex_generic(ctx, argv, out, ExpireArg::Ex, "setex");
}

/// PSETEX key milliseconds value
fn psetex(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    setex_generic(ctx, argv, out, ExpireArg::Px, "psetex");
}

/// GETSET key value
fn getset(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let now = ctx.now_ms;
    let db = ctx.db();
    match db.get(&argv[1], now) {
        Some(e) if !e.value().is_string() => return CmdError::WrongType.reply(out),
        Some(e) => out.bulk(e.value().string_bytes(&mut itoa::Buffer::new())),
        None => out.null(),
    }
    db.set_string(&argv[1], &argv[2], 0, now);
    notify_set(ctx, &argv[1], false);
}

/// GETDEL key
fn getdel(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match read_entry(ctx, &argv[1]) {
        Some(e) if !e.value().is_string() => CmdError::WrongType.reply(out),
        Some(e) => {
            out.bulk(e.value().string_bytes(&mut itoa::Buffer::new()));
            ctx.db().remove(&argv[1]);
            ctx.notify(notify::GENERIC, "del", &argv[1]);
        }
        None => out.null(),
    }
}

/// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
/// PXAT unix-time-milliseconds | PERSIST]
fn getex(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let mut expire = ExpireArg::None;
    let mut raw: &[u8] = &[];
    let mut i = 2;
    while i < argv.len() {
        let opt = &argv[i][..];
        let is = |w: &str| opt.eq_ignore_ascii_case(w.as_bytes());
        let timed = |e: ExpireArg| expire == ExpireArg::None || expire == e;
        if is("PERSIST") && timed(ExpireArg::Persist) {
            expire = ExpireArg::Persist;
        } else if let (true, Some(kind)) = (
            i + 1 < argv.len(),
            [
                ("EX", ExpireArg::Ex),
                ("PX", ExpireArg::Px),
                ("EXAT", ExpireArg::ExAt),
                ("PXAT", ExpireArg::PxAt),
            ]
            .iter()
            .find(|(w, k)| is(w) && timed(*k))
            .map(|(_, k)| *k),
        ) {
            expire = kind;
            raw = &argv[i + 1];
            i += 1;
        } else {
            return CmdError::Syntax.reply(out);
        }
        i += 1;
    }
    let now = ctx.now_ms;
    // As Redis: a missing key or one of another type is answered before
    // the expire time is checked.
    match read_entry(ctx, &argv[1]) {
        None => return out.null(),
        Some(e) if !e.value().is_string() => return CmdError::WrongType.reply(out),
        Some(_) => {}
    }
    let deadline = match expire {
        ExpireArg::None | ExpireArg::Persist | ExpireArg::KeepTtl => 0,
        kind => match expire_deadline(kind, raw, now, "getex") {
            Ok(d) => d,
            Err(e) => return e.reply(out),
        },
    };
    match ctx.db().get(&argv[1], now) {
        Some(e) => out.bulk(e.value().string_bytes(&mut itoa::Buffer::new())),
        None => return out.null(),
    }
    let db = ctx.db();
    let event = match expire {
        ExpireArg::Persist => {
            let had_ttl = db
                .get(&argv[1], now)
                .is_some_and(|e| e.expire_at_ms().is_some());
            had_ttl.then(|| {
                db.set_expire(&argv[1], 0, now);
                "persist"
            })
        }
        ExpireArg::None | ExpireArg::KeepTtl => None,
        _ if deadline <= now => {
            db.remove(&argv[1]);
            Some("del")
        }
        _ => {
            db.set_expire(&argv[1], deadline, now);
            Some("expire")
        }
    };
    if let Some(name) = event {
        ctx.notify(notify::GENERIC, name, &argv[1]);
    }
}

/// MGET key [key ...] — one shard's keys; merged in key order.
fn mget(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) -> Part {
    let mut items = Vec::with_capacity(argv.len() - 1);
    for key in &argv[1..] {
        let start = out.buf().len();
        match read_entry(ctx, key) {
            Some(e) if e.value().is_string() => {
                out.bulk(e.value().string_bytes(&mut itoa::Buffer::new()))
            }
            _ => out.null(),
        }
        items.push(start..out.buf().len());
    }
    Part::Items(items)
}

/// MSET key value [key value ...] — this shard's pairs; every shard
/// answers OK, and the pairs of all shards are set in one transaction.
fn mset(ctx: &mut ShardCtx<'_>, argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    let now = ctx.now_ms;
    for pair in argv[1..].chunks_exact(2) {
        ctx.db().set_string(&pair[0], &pair[1], 0, now);
        ctx.notify(notify::STRING, "set", &pair[0]);
    }
    Part::Int(0)
}

/// MSETNX key value [key value ...] — this shard's pairs, set only if none
/// of its keys exists (across shards, the connection has checked every
/// key first). The part is 1 if it set them.
fn msetnx(ctx: &mut ShardCtx<'_>, argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    let now = ctx.now_ms;
    let db = ctx.db();
    if argv[1..]
        .chunks_exact(2)
        .any(|pair| db.contains(&pair[0], now))
    {
        return Part::Int(0);
    }
    for pair in argv[1..].chunks_exact(2) {
        ctx.db().set_string(&pair[0], &pair[1], 0, now);
        ctx.notify(notify::STRING, "set", &pair[0]);
    }
    Part::Int(1)
}

/// MSETNX's answer: 1 when every part set its keys.
fn merge_msetnx(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    let all = parts.iter().all(|(_, p)| matches!(p, Part::Int(1)));
    out.integer(i64::from(all));
}

/// BITOP AND|OR|XOR|NOT destkey key [key ...], checked in Redis 7.0's
/// order. Missing keys count as empty strings (zero bytes, padded to the
/// longest); an empty result deletes the destination. The result is stored
/// as a raw string, as Redis stores it.
fn bitop(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    _cx: &GatherCx<'_>,
) -> Writes {
    #[derive(Clone, Copy, PartialEq)]
    enum Op {
        And,
        Or,
        Xor,
        Not,
    }
    let op = match argv[1].to_ascii_uppercase().as_slice() {
        b"AND" => Op::And,
        b"OR" => Op::Or,
        b"XOR" => Op::Xor,
        b"NOT" => Op::Not,
        _ => {
            CmdError::Syntax.reply(out);
            return Writes::none();
        }
    };
    // sources[0] is the destination; the rest are the operands.
    let operands = &sources[1..];
    if op == Op::Not && operands.len() != 1 {
        out.error(b"ERR BITOP NOT must be called with a single source key.");
        return Writes::none();
    }
    let mut scratch: Vec<itoa::Buffer> = operands.iter().map(|_| itoa::Buffer::new()).collect();
    let mut strings: Vec<&[u8]> = Vec::with_capacity(operands.len());
    for (value, buf) in operands.iter().zip(scratch.iter_mut()) {
        match value {
            None => strings.push(&[]),
            Some(v) if v.is_string() => strings.push(v.string_bytes(buf)),
            Some(_) => {
                CmdError::WrongType.reply(out);
                return Writes::none();
            }
        }
    }
    let len = strings.iter().map(|s| s.len()).max().unwrap_or(0);
    let dst = argv[2].clone();
    out.integer(len as i64);
    let existed = sources[0].is_some();
    let commands = vec![vec![Bytes::from_static(b"DEL"), dst.clone()]];
    if len == 0 {
        // Redis's events: "del" when an empty result deletes a key.
        let events = existed.then(|| (notify::GENERIC, "del", dst.clone()));
        return Writes {
            commands,
            events: Some(events.into_iter().collect()),
            missed: missed(&argv[3..], operands),
            wait: false,
        };
    }
    let byte = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    let result: Vec<u8> = (0..len)
        .map(|i| match op {
            Op::Not => !byte(strings[0], i),
            Op::And => strings.iter().fold(0xff, |acc, s| acc & byte(s, i)),
            Op::Or => strings.iter().fold(0, |acc, s| acc | byte(s, i)),
            Op::Xor => strings.iter().fold(0, |acc, s| acc ^ byte(s, i)),
        })
        .collect();
    // SETRANGE on a missing key stores a raw string, as BITOP's result is.
    let mut commands = commands;
    commands.push(vec![
        Bytes::from_static(b"SETRANGE"),
        dst.clone(),
        Bytes::from_static(b"0"),
        Bytes::from(result),
    ]);
    // Redis's events: "new" when the key is created, then "set".
    let mut events = Vec::new();
    if !existed {
        events.push((notify::NEW, "new", dst.clone()));
    }
    events.push((notify::STRING, "set", dst));
    Writes {
        commands,
        events: Some(events),
        missed: missed(&argv[3..], operands),
        wait: false,
    }
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN], as Redis
/// 7.0's lcsCommand computes and answers it: the dynamic programming table
/// of (len1+1) x (len2+1) counters, refused when it would exceed
/// `proto-max-bulk-len` bytes, then the walk back from its corner.
fn lcs(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    cx: &GatherCx<'_>,
) -> Writes {
    let mut scratch = [itoa::Buffer::new(), itoa::Buffer::new()];
    let mut strings: [&[u8]; 2] = [&[], &[]];
    for ((value, buf), s) in sources
        .iter()
        .zip(scratch.iter_mut())
        .zip(strings.iter_mut())
    {
        match value {
            None => {}
            Some(v) if v.is_string() => *s = v.string_bytes(buf),
            Some(_) => {
                out.error(b"ERR The specified keys must contain string values");
                return Writes::none();
            }
        }
    }
    let (mut get_len, mut get_idx, mut with_match_len) = (false, false, false);
    let mut min_match_len: i64 = 0;
    let mut i = 3;
    while i < argv.len() {
        let opt = &argv[i];
        let more = argv.len() - i - 1;
        if opt.eq_ignore_ascii_case(b"IDX") {
            get_idx = true;
        } else if opt.eq_ignore_ascii_case(b"LEN") {
            get_len = true;
        } else if opt.eq_ignore_ascii_case(b"WITHMATCHLEN") {
            with_match_len = true;
        } else if opt.eq_ignore_ascii_case(b"MINMATCHLEN") && more > 0 {
            match parse_i64(&argv[i + 1]) {
                Some(n) => min_match_len = n.max(0),
                None => {
                    CmdError::NotInteger.reply(out);
                    return Writes::none();
                }
            }
            i += 1;
        } else {
            CmdError::Syntax.reply(out);
            return Writes::none();
        }
        i += 1;
    }
    if get_len && get_idx {
        out.error(b"ERR If you want both the length and indexes, please just use IDX.");
        return Writes::none();
    }
    let [a, b] = strings;
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u128 + 1) * (blen as u128 + 1);
    if cells * 4 > cx.proto_max_bulk_len as u128 {
        out.error(b"ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        return Writes::none();
    }
    // cells fits: it is below proto-max-bulk-len.
    let width = blen + 1;
    let mut table = vec![0u32; cells as usize];
    for i in 1..=alen {
        for j in 1..=blen {
            table[i * width + j] = if a[i - 1] == b[j - 1] {
                table[(i - 1) * width + j - 1] + 1
            } else {
                table[(i - 1) * width + j].max(table[i * width + j - 1])
            };
        }
    }
    let lcs_len = table[alen * width + blen] as usize;
    let compute_lcs = get_idx || !get_len;
    let mut result = vec![0u8; if compute_lcs { lcs_len } else { 0 }];
    // Ranges: (a start, a end, b start, b end, length).
    let mut ranges: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
    let (mut i, mut j, mut idx) = (alen, blen, lcs_len);
    let none = alen; // "no range open"
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (none, 0, 0, 0);
    while compute_lcs && i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            if a_start == none {
                (a_start, a_end, b_start, b_end) = (i - 1, i - 1, j - 1, j - 1);
            } else if a_start == i && b_start == j {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            let up = table[(i - 1) * width + j];
            let left = table[i * width + j - 1];
            if up > left {
                i -= 1;
            } else {
                j -= 1;
            }
            if a_start != none {
                emit = true;
            }
        }
        if emit {
            // A range is open when one is emitted: a_start <= a_end.
            let match_len = a_end + 1 - a_start;
            if min_match_len == 0 || match_len as i64 >= min_match_len {
                ranges.push((a_start, a_end, b_start, b_end, match_len));
            }
            a_start = none;
        }
    }
    if get_idx {
        out.map(2);
        out.bulk(b"matches");
        out.array(ranges.len());
        for (as_, ae, bs, be, len) in ranges {
            out.array(2 + usize::from(with_match_len));
            out.array(2);
            out.integer(as_ as i64);
            out.integer(ae as i64);
            out.array(2);
            out.integer(bs as i64);
            out.integer(be as i64);
            if with_match_len {
                out.integer(len as i64);
            }
        }
        out.bulk(b"len");
        out.integer(lcs_len as i64);
    } else if get_len {
        out.integer(lcs_len as i64);
    } else {
        out.bulk(&result);
    }
    Writes {
        missed: missed(&argv[1..3], sources),
        ..Writes::none()
    }
}

/// Adds `delta` to the integer at `key` (INCR, DECR, INCRBY, DECRBY).
fn incr_by(ctx: &mut ShardCtx<'_>, key: &[u8], delta: i64, out: &mut ReplyWriter<'_>) {
    let now = ctx.now_ms;
    let db = ctx.db();
    let current = match db.get(key, now) {
        None => 0,
        Some(e) => match e.value() {
            ValueRef::Int(n) => n,
            v if !v.is_string() => return CmdError::WrongType.reply(out),
            v => match parse_i64(v.string_bytes(&mut itoa::Buffer::new())) {
                Some(n) => n,
                None => return CmdError::NotInteger.reply(out),
            },
        },
    };
    let Some(next) = current.checked_add(delta) else {
        return CmdError::Overflow.reply(out);
    };
    db.set_keep_ttl(key, Value::Int(next), now);
    ctx.notify(notify::STRING, "incrby", key);
    out.integer(next);
}

/// INCR key
fn incr(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    incr_by(ctx, &argv[1], 1, out);
}

/// DECR key
fn decr(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    incr_by(ctx, &argv[1], -1, out);
}

/// INCRBY key increment
fn incrby(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match parse_i64(&argv[2]) {
        Some(d) => incr_by(ctx, &argv[1], d, out),
        None => CmdError::NotInteger.reply(out),
    }
}

/// DECRBY key decrement
fn decrby(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match parse_i64(&argv[2]) {
        Some(i64::MIN) => out.error(b"ERR decrement would overflow"),
        Some(d) => incr_by(ctx, &argv[1], -d, out),
        None => CmdError::NotInteger.reply(out),
    }
}

/// INCRBYFLOAT key increment
fn incrbyfloat(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let now = ctx.now_ms;
    let db = ctx.db();
    let mut scratch = itoa::Buffer::new();
    let sum = match db.get(&argv[1], now) {
        None => long_double::add_human(b"0", &argv[2]),
        Some(e) if !e.value().is_string() => return CmdError::WrongType.reply(out),
        Some(e) => long_double::add_human(e.value().string_bytes(&mut scratch), &argv[2]),
    };
    match sum {
        Ok(text) => {
            db.set_keep_ttl(&argv[1], Value::from_bytes(&text), now);
            ctx.notify(notify::STRING, "incrbyfloat", &argv[1]);
            out.bulk(&text);
        }
        Err(e) => e.reply(out),
    }
}

/// The largest string allowed now (`proto-max-bulk-len`).
fn string_size_max(ctx: &ShardCtx<'_>) -> usize {
    ctx.node.config().proto_max_bulk_len
}

/// APPEND key value
fn append(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let max = string_size_max(ctx);
    let now = ctx.now_ms;
    let db = ctx.db();
    match db.get(&argv[1], now) {
        None => {
            db.set(&argv[1], Value::Raw(argv[2].to_vec()), 0, now);
            ctx.notify(notify::STRING, "append", &argv[1]);
            out.integer(argv[2].len() as i64);
        }
        Some(e) if !e.value().is_string() => CmdError::WrongType.reply(out),
        Some(e) => {
            let total = e.value().string_len().checked_add(argv[2].len());
            match total {
                Some(t) if t <= max => {
                    let Some(raw) = e.make_raw() else {
                        unreachable!("a string, checked above")
                    };
                    raw.extend_from_slice(&argv[2]);
                    let len = raw.len();
                    db.touch(&argv[1]);
                    ctx.notify(notify::STRING, "append", &argv[1]);
                    out.integer(len as i64);
                }
                _ => CmdError::StringTooLong.reply(out),
            }
        }
    }
}

/// STRLEN key
fn strlen(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match read_entry(ctx, &argv[1]) {
        None => out.integer(0),
        Some(e) if !e.value().is_string() => CmdError::WrongType.reply(out),
        Some(e) => out.integer(e.value().string_len() as i64),
    }
}

/// GETRANGE key start end (and SUBSTR)
fn getrange(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let mut args = ArgCursor::new(argv, 2);
    let (mut start, mut end) = (args.next_i64(), args.next_i64());
    if let Err(e) = args.finish() {
        return e.reply(out);
    }
    let Some(e) = read_entry(ctx, &argv[1]) else {
        return out.bulk(b"");
    };
    if !e.value().is_string() {
        return CmdError::WrongType.reply(out);
    }
    let mut scratch = itoa::Buffer::new();
    let s = e.value().string_bytes(&mut scratch);
    let len = s.len() as i64;
    if start < 0 && end < 0 && start > end {
        return out.bulk(b"");
    }
    if start < 0 {
        start = len.saturating_add(start);
    }
    if end < 0 {
        end = len.saturating_add(end);
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return out.bulk(b"");
    }
    out.bulk(&s[start as usize..=end as usize]);
}

/// SETRANGE key offset value
fn setrange(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let Some(offset) = parse_i64(&argv[2]) else {
        return CmdError::NotInteger.reply(out);
    };
    if offset < 0 {
        return CmdError::OffsetOutOfRange.reply(out);
    }
    let max = string_size_max(ctx);
    let value = &argv[3];
    let now = ctx.now_ms;
    let db = ctx.db();
    let fits = |end: Option<usize>| end.is_some_and(|e| e <= max);
    let end = (offset as u64)
        .checked_add(value.len() as u64)
        .and_then(|e| usize::try_from(e).ok());
    match db.get(&argv[1], now) {
        None => {
            if value.is_empty() {
                return out.integer(0);
            }
            let Some(end) = end.filter(|_| fits(end)) else {
                return CmdError::StringTooLong.reply(out);
            };
            let mut buf = vec![0u8; end];
            buf[offset as usize..].copy_from_slice(value);
            db.set(&argv[1], Value::Raw(buf), 0, now);
            ctx.notify(notify::STRING, "setrange", &argv[1]);
            out.integer(end as i64);
        }
        Some(e) if !e.value().is_string() => CmdError::WrongType.reply(out),
        Some(e) => {
            if value.is_empty() {
                return out.integer(e.value().string_len() as i64);
            }
            let Some(end) = end.filter(|_| fits(end)) else {
                return CmdError::StringTooLong.reply(out);
            };
            let Some(raw) = e.make_raw() else {
                unreachable!("a string, checked above")
            };
            if raw.len() < end {
                raw.resize(end, 0);
            }
            raw[offset as usize..end].copy_from_slice(value);
            let len = raw.len();
            db.touch(&argv[1]);
            ctx.notify(notify::STRING, "setrange", &argv[1]);
            out.integer(len as i64);
        }
    }
}

const STRING: Acl = Acl::STRING;
const WRITE: Flags = Flags::WRITE.or(Flags::DENYOOM);
const WRITE_FAST: Flags = WRITE.or(Flags::FAST);
const READ_FAST: Flags = Flags::READONLY.or(Flags::FAST);

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", 2, Exec::Shard(get))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "1.0.0", "O(1)", "Returns the string value of a key."),
    CommandSpec::new("set", -3, Exec::Shard(set))
        .flags(WRITE)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "1.0.0", "O(1)", "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist."),
    CommandSpec::new("setnx", 3, Exec::Shard(setnx))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "1.0.0", "O(1)", "Set the string value of a key only when the key doesn't exist."),
    CommandSpec::new("setex", 4, Exec::Shard(setex))
        .flags(WRITE)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "2.0.0", "O(1)", "Sets the string value and expiration time of a key. Creates the key if it doesn't exist."),
    CommandSpec::new("psetex", 4, Exec::Shard(psetex))
        .flags(WRITE)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "2.6.0", "O(1)", "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist."),
    CommandSpec::new("getset", 3, Exec::Shard(getset))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "1.0.0", "O(1)", "Returns the previous string value of a key after setting it to a new value."),
    CommandSpec::new("getdel", 2, Exec::Shard(getdel))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "6.2.0", "O(1)", "Returns the string value of a key after deleting the key."),
    CommandSpec::new("getex", -2, Exec::Shard(getex))
        .flags(Flags::WRITE.or(Flags::FAST))
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "6.2.0", "O(1)", "Returns the string value of a key after setting its expiration time."),
    CommandSpec::new("mget", -2, Exec::PerKey { part: mget, merge: merge_array_by_key })
        .flags(READ_FAST)
        .keys(1, -1, 1)
        .acl(STRING)
        .doc("string", "1.0.0", "O(N) where N is the number of keys to retrieve.", "Atomically returns the string values of one or more keys."),
    CommandSpec::new("mset", -3, Exec::PerKey { part: mset, merge: merge_ok })
        .flags(WRITE)
        .keys(1, -1, 2)
        .acl(STRING)
        .doc("string", "1.0.1", "O(N) where N is the number of keys to set.", "Set multiple keys to multiple values"),
    CommandSpec::new("msetnx", -3, Exec::Guarded { part: msetnx, merge: merge_msetnx })
        .flags(WRITE)
        .keys(1, -1, 2)
        .acl(STRING)
        .doc("string", "1.0.1", "O(N) where N is the number of keys to set.", "Set multiple keys to multiple values, only if none of the keys exist"),
    CommandSpec::new("bitop", -4, Exec::Gather(bitop))
        .flags(WRITE)
        .keys(2, -1, 1)
        .acl(Acl::BITMAP)
        .doc("bitmap", "2.6.0", "O(N)", "Perform bitwise operations between strings"),
    CommandSpec::new("lcs", -3, Exec::Gather(lcs))
        .flags(Flags::READONLY)
        .keys(1, 2, 1)
        .acl(STRING)
        .doc("string", "7.0.0", "O(N*M) where N and M are the lengths of s1 and s2, respectively", "Find longest common substring"),
    CommandSpec::new("incr", 2, Exec::Shard(incr))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "1.0.0", "O(1)", "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist."),
    CommandSpec::new("decr", 2, Exec::Shard(decr))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "1.0.0", "O(1)", "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist."),
    CommandSpec::new("incrby", 3, Exec::Shard(incrby))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "1.0.0", "O(1)", "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist."),
    CommandSpec::new("decrby", 3, Exec::Shard(decrby))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "1.0.0", "O(1)", "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist."),
    CommandSpec::new("incrbyfloat", 3, Exec::Shard(incrbyfloat))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "2.6.0", "O(1)", "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist."),
    CommandSpec::new("append", 3, Exec::Shard(append))
        .flags(WRITE_FAST)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "2.0.0", "O(1)", "Appends a string to the value of a key. Creates the key if it doesn't exist."),
    CommandSpec::new("strlen", 2, Exec::Shard(strlen))
        .flags(READ_FAST)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "2.2.0", "O(1)", "Returns the length of a string value."),
    CommandSpec::new("getrange", 4, Exec::Shard(getrange))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "2.4.0", "O(N) where N is the length of the returned string.", "Returns a substring of the string stored at a key."),
    CommandSpec::new("substr", 4, Exec::Shard(getrange))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "1.0.0", "O(N) where N is the length of the returned string.", "Returns a substring from a string value."),
    CommandSpec::new("setrange", 4, Exec::Shard(setrange))
        .flags(WRITE)
        .keys(1, 1, 1)
        .acl(STRING)
        .doc("string", "2.2.0", "O(1), not counting the time taken to copy the new string in place.", "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist."),
];
