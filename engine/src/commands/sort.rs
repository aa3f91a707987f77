//! SORT and SORT_RO, as Redis 7.0's sortCommandGeneric: sort a list, set or
//! sorted set numerically or (ALPHA) by bytes, by the elements or BY the
//! values of keys a pattern names, LIMIT the range, GET values of keys
//! patterns name, and STORE the result as a list.
//!
//! A gathering command (see `txn/gather.rs`) over the sorted key and the
//! STORE destination. BY and GET patterns name keys from the elements, so
//! they can live on any shard: with several shards such a request runs as a
//! transaction holding every shard, and the keys it names are fetched
//! through [`GatherCx::named`].

use crate::command::args::parse_i64;
use crate::command::long_double::sort_score;
use crate::command::{Acl, CmdError, CommandSpec, Exec, Flags};
use crate::keyspace::ValueRef;
use crate::notify;
use crate::txn::gather::{GatherCx, Writes};
use bytes::Bytes;
use shoal_proto::ReplyWriter;
use std::cmp::Ordering;

/// What the options ask for.
struct Options<'a> {
    /// A BY pattern with a `*` (one without sorts nothing).
    by: Option<&'a [u8]>,
    dontsort: bool,
    gets: Vec<&'a [u8]>,
    start: i64,
    count: i64,
    desc: bool,
    alpha: bool,
    store: Option<&'a Bytes>,
}

/// The options after the key, in Redis's order; STORE only for SORT.
fn parse(argv: &[Bytes], readonly: bool) -> Result<Options<'_>, CmdError> {
    let mut o = Options {
        by: None,
        dontsort: false,
        gets: Vec::new(),
        start: 0,
        count: -1,
        desc: false,
        alpha: false,
        store: None,
    };
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let word = &argv[j][..];
        if word.eq_ignore_ascii_case(b"ASC") {
            o.desc = false;
        } else if word.eq_ignore_ascii_case(b"DESC") {
            o.desc = true;
        } else if word.eq_ignore_ascii_case(b"ALPHA") {
            o.alpha = true;
        } else if word.eq_ignore_ascii_case(b"LIMIT") && left >= 2 {
            o.start = parse_i64(&argv[j + 1]).ok_or(CmdError::NotInteger)?;
            o.count = parse_i64(&argv[j + 2]).ok_or(CmdError::NotInteger)?;
            j += 2;
        } else if word.eq_ignore_ascii_case(b"STORE") && left >= 1 && !readonly {
            o.store = Some(&argv[j + 1]);
            j += 1;
        } else if word.eq_ignore_ascii_case(b"BY") && left >= 1 {
            let pattern = &argv[j + 1][..];
            // A pattern without '*' names one key for all: nothing to sort.
            o.dontsort = !pattern.contains(&b'*');
            o.by = (!o.dontsort).then_some(pattern);
            j += 1;
        } else if word.eq_ignore_ascii_case(b"GET") && left >= 1 {
            o.gets.push(&argv[j + 1]);
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

/// The position of SORT's STORE destination, as Redis's sortGetKeys finds
/// it (the last STORE; LIMIT, GET and BY skip their arguments).
pub fn store_position(argv: &[Bytes]) -> Option<usize> {
    let mut found = None;
    let mut i = 2;
    while i < argv.len() {
        let word = &argv[i][..];
        if word.eq_ignore_ascii_case(b"LIMIT") {
            i += 2;
        } else if word.eq_ignore_ascii_case(b"GET") || word.eq_ignore_ascii_case(b"BY") {
            i += 1;
        } else if word.eq_ignore_ascii_case(b"STORE") && i + 1 < argv.len() {
            found = Some(i + 1);
        }
        i += 1;
    }
    found
}

/// Whether a BY or GET pattern of the request names keys (it has a `*`
/// and is not `#`): then the keys may live on any shard. A request whose
/// options do not parse names none (it answers an error).
pub fn names_keys(argv: &[Bytes]) -> bool {
    parse(argv, false).is_ok_and(|o| o.by.is_some() || o.gets.iter().any(|g| g.contains(&b'*')))
}

/// Redis's lookupKeyByPattern: `#` is the element itself; otherwise the
/// first `*` is replaced by the element, and `key->field` reads a hash
/// field; a pattern without `*`, a missing key or one of another type
/// names nothing.
fn lookup(pattern: &[u8], element: &[u8], cx: &GatherCx<'_>) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(element.to_vec());
    }
    let star = pattern.iter().position(|&b| b == b'*')?;
    let after = &pattern[star + 1..];
    let field_at = after
        .windows(2)
        .position(|w| w == b"->")
        .filter(|&at| at + 2 < after.len());
    let (postfix, field) = match field_at {
        Some(at) => (&after[..at], Some(&after[at + 2..])),
        None => (after, None),
    };
    let mut key = Vec::with_capacity(pattern.len() + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(postfix);
    let value = (cx.named)(&key)?;
    match (field, value) {
        (None, v) if v.is_string() => Some(v.string_bytes(&mut itoa::Buffer::new()).to_vec()),
        (Some(f), ValueRef::Hash(h)) => h.get(f).map(<[u8]>::to_vec),
        _ => None,
    }
}

/// One element with what it sorts by.
struct Item {
    element: Vec<u8>,
    score: f64,
    by: Option<Vec<u8>>,
}

/// The elements of the sorted value, in its own order.
fn elements(value: Option<ValueRef<'_>>) -> Result<Vec<Vec<u8>>, CmdError> {
    let mut scratch = itoa::Buffer::new();
    Ok(match value {
        None => Vec::new(),
        Some(ValueRef::List(l)) => l.iter().map(<[u8]>::to_vec).collect(),
        Some(ValueRef::Set(s)) => s.iter().map(|m| m.bytes(&mut scratch).to_vec()).collect(),
        Some(ValueRef::ZSet(z)) => z.iter().map(|(m, _)| m.to_vec()).collect(),
        Some(_) => return Err(CmdError::WrongType),
    })
}

/// SORT and SORT_RO over their sources: the sorted key, then the STORE
/// destination if any.
fn sort_generic(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    cx: &GatherCx<'_>,
    readonly: bool,
) -> Writes {
    let o = match parse(argv, readonly) {
        Ok(o) => o,
        Err(e) => {
            e.reply(out);
            return Writes::none();
        }
    };
    let source = sources.first().copied().flatten();
    let mut elems = match elements(source) {
        Ok(e) => e,
        Err(e) => {
            e.reply(out);
            return Writes::none();
        }
    };
    let is_set = matches!(source, Some(ValueRef::Set(_)));
    let (mut dontsort, mut alpha, mut by) = (o.dontsort, o.alpha, o.by);
    if dontsort && is_set && o.store.is_some() {
        // Stored sets are sorted, so the result does not depend on the
        // set's internal order (as Redis, for replication).
        (dontsort, alpha, by) = (false, true, None);
    }
    let len = elems.len() as i64;
    let start = o.start.max(0);
    let mut end = if o.count < 0 {
        len - 1
    } else {
        start.saturating_add(o.count) - 1
    };
    let mut start = start;
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    end = end.min(len - 1);
    let ordered = !is_set && source.is_some();
    if dontsort && ordered {
        // A list or sorted set keeps its order (reversed by DESC).
        if o.desc {
            elems.reverse();
        }
        let range = if end >= start {
            elems.drain(start as usize..=end as usize).collect()
        } else {
            Vec::new()
        };
        elems = range;
        (start, end) = (0, elems.len() as i64 - 1);
    }
    let mut items: Vec<Item> = elems
        .into_iter()
        .map(|element| Item {
            element,
            score: 0.0,
            by: None,
        })
        .collect();
    let mut bad_score = false;
    if !dontsort {
        for item in &mut items {
            let by_value = match by {
                Some(p) => match lookup(p, &item.element, cx) {
                    Some(v) => v,
                    None => continue,
                },
                None => item.element.clone(),
            };
            if alpha {
                if by.is_some() {
                    item.by = Some(by_value);
                }
            } else {
                match sort_score(&by_value) {
                    Some(s) => item.score = s,
                    None => bad_score = true,
                }
            }
        }
        items.sort_by(|a, b| {
            let cmp = if !alpha {
                a.score
                    .partial_cmp(&b.score)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| a.element.cmp(&b.element))
            } else if by.is_some() {
                // Elements without a value to sort by come first.
                a.by.cmp(&b.by)
            } else {
                a.element.cmp(&b.element)
            };
            if o.desc {
                cmp.reverse()
            } else {
                cmp
            }
        });
    }
    if bad_score {
        out.error(b"ERR One or more scores can't be converted into double");
        return Writes::none();
    }
    let range: &[Item] = if end >= start {
        &items[start as usize..=end as usize]
    } else {
        &[]
    };
    let per = o.gets.len().max(1);
    let output_len = range.len() * per;
    let Some(dst) = o.store else {
        out.array(output_len);
        for item in range {
            if o.gets.is_empty() {
                out.bulk(&item.element);
            }
            for get in &o.gets {
                match lookup(get, &item.element, cx) {
                    Some(v) => out.bulk(&v),
                    None => out.null(),
                }
            }
        }
        let missed = if source.is_none() {
            vec![argv[1].clone()]
        } else {
            Vec::new()
        };
        return Writes {
            missed,
            ..Writes::none()
        };
    };
    out.integer(output_len as i64);
    let existed = sources.get(1).copied().flatten().is_some();
    let fill = (output_len > 0).then(|| {
        let mut rpush = Vec::with_capacity(output_len + 2);
        rpush.push(Bytes::from_static(b"RPUSH"));
        rpush.push(dst.clone());
        for item in range {
            if o.gets.is_empty() {
                rpush.push(Bytes::from(item.element.clone()));
            }
            for get in &o.gets {
                rpush.push(lookup(get, &item.element, cx).map_or_else(Bytes::new, Bytes::from));
            }
        }
        rpush
    });
    Writes::replace(dst, existed, fill, notify::LIST, "sortstore")
}

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC]
/// [ALPHA] [STORE destination]
fn sort(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    cx: &GatherCx<'_>,
) -> Writes {
    sort_generic(argv, sources, out, cx, false)
}

/// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...]
/// [ASC|DESC] [ALPHA]
fn sort_ro(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    cx: &GatherCx<'_>,
) -> Writes {
    sort_generic(argv, sources, out, cx, true)
}

const SORTED: Acl = Acl::SET.or(Acl::SORTEDSET).or(Acl::LIST).or(Acl::DANGEROUS);

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("sort", -2, Exec::Gather(sort))
        .flags(Flags::WRITE.or(Flags::DENYOOM))
        .keys(1, 1, 1)
        .keys_found_by(store_position)
        .names_keys(names_keys)
        .acl(SORTED)
        .doc("generic", "1.0.0", "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).", "Sort the elements in a list, set or sorted set"),
    CommandSpec::new("sort_ro", -2, Exec::Gather(sort_ro))
        .flags(Flags::READONLY)
        .keys(1, 1, 1)
        .names_keys(names_keys)
        .acl(SORTED)
        .doc("generic", "7.0.0", "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).", "Sort the elements in a list, set or sorted set. Read-only variant of SORT."),
];
