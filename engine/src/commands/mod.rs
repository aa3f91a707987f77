//! Command families. Each file implements its commands and ends with its
//! table entries (`COMMANDS`), gathered by `command::table`.

pub mod bitmaps;
pub mod connection;
pub mod diagnostics;
pub mod hashes;
pub mod hotkeys;
pub mod introspection;
pub mod keys;
pub mod lists;
pub mod pubsub;
pub mod server;
pub mod sets;
pub mod sort;
pub mod strings;
pub mod transactions;
pub mod zsets;

use crate::keyspace::Entry;
use crate::shard::ShardCtx;

/// Looks `key` up for reading, counting a keyspace hit or miss (a miss is
/// also the "keymiss" event).
pub fn read_entry<'a>(ctx: &'a mut ShardCtx<'_>, key: &[u8]) -> Option<&'a mut Entry> {
    let now = ctx.now_ms;
    let shard = &mut *ctx.shard;
    let found = shard.dbs[ctx.db].get(key, now);
    if found.is_some() {
        shard.stats.keyspace_hits += 1;
    } else {
        shard.stats.keyspace_misses += 1;
        ctx.node
            .notifier
            .emit(ctx.db, crate::notify::KEY_MISS, "keymiss", key);
    }
    found
}

/// After a write to the collection at `key` (class `class` of keyspace
/// events): when it `changed` the collection, the event `event`; then a
/// collection left empty is removed with its key (event "del" when the
/// write changed it: a key never holds an empty collection), otherwise a
/// change touches the key for WATCH. As Redis signals and notifies.
pub fn after_collection_write(
    ctx: &mut ShardCtx<'_>,
    key: &[u8],
    class: u32,
    event: &'static str,
    changed: bool,
    emptied: bool,
) {
    if changed {
        ctx.notify(class, event, key);
    }
    if emptied {
        ctx.db().remove(key);
        if changed {
            ctx.notify(crate::notify::GENERIC, "del", key);
        }
    } else if changed {
        ctx.db().touch(key);
    }
}

/// The count of SRANDMEMBER, HRANDFIELD and ZRANDMEMBER, as Redis 7.0
/// parses it (i64::MIN has no magnitude).
pub fn parse_random_count(arg: &[u8]) -> Result<i64, crate::command::CmdError> {
    use crate::command::CmdError;
    match crate::command::args::parse_i64(arg) {
        None => Err(CmdError::NotInteger),
        Some(i64::MIN) => Err(CmdError::CountOutOfLongRange),
        Some(n) => Ok(n),
    }
}

/// How many elements a random reply of `count` over a collection of
/// `size` holds: at most `size` distinct ones for a positive count,
/// exactly `-count` (repeats allowed) for a negative one; refused past
/// `RANDOM_REPLY_LEN_MAX` before anything is allocated.
pub fn random_reply_len(count: i64, size: usize) -> Result<usize, crate::command::CmdError> {
    let n = count.unsigned_abs();
    let len = if count < 0 { n } else { n.min(size as u64) };
    if len > crate::limits::RANDOM_REPLY_LEN_MAX {
        return Err(crate::command::CmdError::OutOfRange);
    }
    // Bounded by RANDOM_REPLY_LEN_MAX just above.
    Ok(len as usize)
}

/// Random picks for one command, seeded from the shard's `next_random()`
/// before the command borrows its collection (SplitMix64; not for secrets).
pub struct Picker(u64);

impl Picker {
    pub fn new(ctx: &mut ShardCtx<'_>) -> Picker {
        Picker(ctx.shard.next_random())
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0), by multiply-shift.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// `count` distinct indices below `len` (`count` <= `len`), uniformly
    /// chosen and in random order: Floyd's sampling, then a shuffle. O(count)
    /// time and memory, whatever `len` is.
    pub fn distinct(&mut self, len: usize, count: usize) -> Vec<usize> {
        let mut chosen: std::collections::HashSet<usize, ahash::RandomState> =
            std::collections::HashSet::with_capacity_and_hasher(count, Default::default());
        let mut out = Vec::with_capacity(count);
        for j in len - count..len {
            let t = self.below(j + 1);
            let pick = if chosen.insert(t) { t } else { j };
            chosen.insert(pick);
            out.push(pick);
        }
        for i in (1..out.len()).rev() {
            let k = self.below(i + 1);
            out.swap(i, k);
        }
        out
    }
}

/// Answers a HELP subcommand: its lines as simple strings, as Redis's
/// `addReplyHelp` does.
pub fn reply_help(out: &mut shoal_proto::ReplyWriter<'_>, lines: &[&str]) {
    out.array(lines.len());
    for l in lines {
        out.simple(l.as_bytes());
    }
}

/// The first of `keys` (their values are `sources`) that `typed` reads as
/// a collection to pop from, as the pops over several keys (LMPOP, BLPOP,
/// ZMPOP, ...) look for it: `typed` gives `None` for a missing or empty
/// one, and an error (WRONGTYPE) for a key of another type met first.
/// When there is none, or an error, the answer is written (a null array:
/// a blocking command then waits) and `Err` holds what to return.
pub fn first_to_pop<'a, T: ?Sized>(
    keys: &'a [bytes::Bytes],
    sources: &[Option<crate::keyspace::ValueRef<'a>>],
    typed: impl Fn(
        Option<crate::keyspace::ValueRef<'a>>,
    ) -> Result<Option<&'a T>, crate::command::CmdError>,
    out: &mut shoal_proto::ReplyWriter<'_>,
) -> Result<(&'a bytes::Bytes, &'a T), crate::txn::gather::Writes> {
    for (key, value) in keys.iter().zip(sources) {
        match typed(*value) {
            Ok(Some(found)) => return Ok((key, found)),
            Ok(None) => {}
            Err(e) => {
                e.reply(out);
                return Err(crate::txn::gather::Writes::none());
            }
        }
    }
    out.null_array();
    Err(crate::txn::gather::Writes::wait())
}

/// The arguments of LMPOP, ZMPOP and their blocking forms from `at`,
/// checked in Redis 7.0's order: `numkeys key [key ...] <side> [COUNT
/// count]`, where `side` reads the side word (LEFT/RIGHT, MIN/MAX).
/// Returns the position of the side word (the keys are `at + 1..` it), the
/// side, and the count (1 by default); `Err` is the error to reply. The
/// blocking forms' timeout before them (`at` 2) is checked after them, as
/// Redis does.
pub fn parse_mpop(
    argv: &[bytes::Bytes],
    at: usize,
    side: impl Fn(&[u8]) -> Option<bool>,
) -> Result<(usize, bool, u64), &'static str> {
    use crate::command::args::parse_i64;
    let syntax = crate::command::CmdError::Syntax.text();
    let numkeys = match argv.get(at).and_then(|n| parse_i64(n)) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err("ERR numkeys should be greater than 0"),
    };
    let side_at = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(at + 1))
        .ok_or(syntax)?;
    let which = argv.get(side_at).and_then(|a| side(a)).ok_or(syntax)?;
    let mut count = None;
    let mut i = side_at + 1;
    while i < argv.len() {
        if argv[i].eq_ignore_ascii_case(b"COUNT") && i + 1 < argv.len() && count.is_none() {
            match parse_i64(&argv[i + 1]) {
                Some(n) if n > 0 => count = Some(n as u64),
                _ => return Err("ERR count should be greater than 0"),
            }
            i += 2;
        } else {
            return Err(syntax);
        }
    }
    if at > 1 {
        crate::blocking::parse_timeout(&argv[1])?;
    }
    Ok((side_at, which, count.unwrap_or(1)))
}

/// SCAN-family options after the cursor: `[MATCH pattern] [COUNT count]`.
pub struct ScanOptions<'a> {
    pub pattern: Option<&'a [u8]>,
    pub count: usize,
}

impl<'a> ScanOptions<'a> {
    /// Parses the options from position `from` as Redis's
    /// `scanGenericCommand` does for a key's collection (no TYPE).
    pub fn parse(argv: &'a [bytes::Bytes], from: usize) -> Result<Self, crate::command::CmdError> {
        use crate::command::{ArgCursor, CmdError};
        let mut args = ArgCursor::new(argv, from);
        let mut options = ScanOptions {
            pattern: None,
            count: 10,
        };
        while args.has_more() {
            if args.eat("MATCH") {
                let p = args.next_bytes();
                // "*" matches everything; Redis skips matching for it.
                options.pattern = (p != b"*").then_some(p);
            } else if args.eat("COUNT") {
                let n = args.next_i64();
                if n < 1 {
                    args.fail(CmdError::Syntax);
                }
                options.count = usize::try_from(n)
                    .unwrap_or(1)
                    .min(crate::limits::SCAN_COUNT_MAX);
            } else {
                args.fail(CmdError::Syntax);
            }
        }
        args.finish().map(|()| options)
    }

    pub fn matches(&self, subject: &[u8]) -> bool {
        self.pattern
            .is_none_or(|p| crate::keyspace::glob::glob_match(p, subject, false))
    }
}

/// The reply to HSCAN/SSCAN on a missing key: cursor 0, nothing found.
pub fn reply_empty_scan(out: &mut shoal_proto::ReplyWriter<'_>) {
    out.array(2);
    out.bulk(b"0");
    out.array(0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_picks_are_distinct_in_range_and_cover_everything() {
        let mut p = Picker(7);
        for (len, count) in [(1, 1), (10, 3), (10, 10), (1000, 999), (5, 0)] {
            let picks = p.distinct(len, count);
            assert_eq!(picks.len(), count);
            let set: std::collections::HashSet<usize> = picks.iter().copied().collect();
            assert_eq!(set.len(), count);
            assert!(picks.iter().all(|&i| i < len));
        }
        let mut seen = [0u32; 10];
        for _ in 0..2000 {
            for i in p.distinct(10, 2) {
                seen[i] += 1;
            }
        }
        assert!(seen.iter().all(|&n| n > 250), "{seen:?}");
    }
}
