//! SLOWLOG and LATENCY: what `cmdstats.rs` recorded on every core, merged.
//! Each core answers for itself (its part); the merge orders the slow log
//! by entry id and adds up latency events and histograms.

use crate::cmdstats::CommandStat;
use crate::command::args::parse_i64;
use crate::command::{table, Acl, CommandSpec, Exec, Flags};
use crate::connection::ConnCtx;
use crate::dispatch::{merge_ok, Part, Parts};
use crate::latency::LatencyMonitor;
use crate::limits::ERROR_ARGS_QUOTE_MAX;
use crate::shard::ShardCtx;
use crate::slowlog::SlowEntry;
use bytes::Bytes;
use shoal_proto::ReplyWriter;

/// SLOWLOG GET's default count.
const SLOWLOG_GET_DEFAULT: usize = 10;

/// SLOWLOG GET [count]: the count, or the error that answers it (as
/// Redis's `getRangeLongFromObjectOrReply(-1, LONG_MAX)` with its message,
/// which it gives for a non-number too); -1 is all.
fn slowlog_count(argv: &[Bytes]) -> Result<usize, Vec<u8>> {
    if argv.len() > 3 {
        // Redis's subcommand syntax error, naming the subcommand as given.
        let sub = &argv[1][..argv[1].len().min(ERROR_ARGS_QUOTE_MAX)];
        let mut e = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
        e.extend_from_slice(sub);
        e.extend_from_slice(b"'. Try SLOWLOG HELP.");
        return Err(e);
    }
    let Some(arg) = argv.get(2) else {
        return Ok(SLOWLOG_GET_DEFAULT);
    };
    match parse_i64(arg) {
        Some(-1) => Ok(usize::MAX),
        Some(n) if n >= 0 => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
        _ => Err(b"ERR count should be greater than or equal to -1".to_vec()),
    }
}

/// SLOWLOG GET [count] — this core's newest entries.
fn slowlog_get(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) -> Part {
    match slowlog_count(argv) {
        Ok(count) => Part::Slow(ctx.node.slowlog.borrow().newest(count)),
        Err(e) => {
            let start = out.buf().len();
            out.error(&e);
            Part::Reply(start..out.buf().len())
        }
    }
}

/// The node's log: the newest entries of every core's, newest first, at
/// most `slowlog-max-len` of them (the node keeps one log, as Redis does).
fn merge_slowlog_get(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    if let Some(err) = parts.first_reply() {
        out.buf().extend_from_slice(err);
        return;
    }
    let count = slowlog_count(parts.argv).unwrap_or(SLOWLOG_GET_DEFAULT);
    let max_len = parts.node.config().slowlog_max_len;
    let mut entries: Vec<&SlowEntry> = parts
        .iter()
        .flat_map(|(_, p)| match p {
            Part::Slow(entries) => entries.as_slice(),
            _ => &[],
        })
        .collect();
    entries.sort_unstable_by_key(|e| std::cmp::Reverse(e.id));
    entries.truncate(count.min(max_len));
    out.array(entries.len());
    for e in entries {
        out.array(6);
        out.integer(e.id as i64);
        out.integer(e.time as i64);
        out.integer(e.micros as i64);
        out.array(e.args.len());
        for a in &e.args {
            out.bulk(a);
        }
        out.bulk(e.addr.as_bytes());
        out.bulk(&e.name);
    }
}

/// SLOWLOG LEN — this core's entries.
fn slowlog_len(ctx: &mut ShardCtx<'_>, _argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    Part::Int(ctx.node.slowlog.borrow().len() as i64)
}

fn merge_slowlog_len(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    let max_len = parts.node.config().slowlog_max_len;
    out.integer(parts.sum().min(i64::try_from(max_len).unwrap_or(i64::MAX)));
}

/// SLOWLOG RESET
fn slowlog_reset(ctx: &mut ShardCtx<'_>, _argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    ctx.node.slowlog.borrow_mut().reset();
    Part::Int(0)
}

/// SLOWLOG HELP
fn slowlog_help(_ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let lines: &[&str] = &[
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
    ];
    super::reply_help(out, lines);
}

/// LATENCY LATEST / HISTORY — this core's events.
fn latency_events(ctx: &mut ShardCtx<'_>, _argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    Part::Latency(Box::new(ctx.node.latency.borrow().clone()))
}

/// Every core's events, merged.
fn merged_events(parts: &Parts<'_>) -> LatencyMonitor {
    let mut all = LatencyMonitor::default();
    for (_, p) in parts.iter() {
        if let Part::Latency(m) = p {
            all.merge(m);
        }
    }
    all
}

/// LATENCY LATEST: per event, the time and latency of its latest sample
/// and its worst.
fn merge_latency_latest(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    let all = merged_events(parts);
    out.array(all.events().len());
    for (event, series) in all.events() {
        let (time, ms) = series.samples.back().copied().unwrap_or((0, 0));
        out.array(4);
        out.bulk(event.as_bytes());
        out.integer(time as i64);
        out.integer(ms as i64);
        out.integer(series.max as i64);
    }
}

/// LATENCY HISTORY event: its samples, oldest first.
fn merge_latency_history(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    let all = merged_events(parts);
    let name = &parts.argv[2];
    let series = all
        .events()
        .iter()
        .find(|(e, _)| e.as_bytes() == &name[..])
        .map(|(_, s)| s);
    let Some(series) = series else {
        out.array(0);
        return;
    };
    out.array(series.samples.len());
    for (time, ms) in &series.samples {
        out.array(2);
        out.integer(*time as i64);
        out.integer(*ms as i64);
    }
}

/// LATENCY RESET [event ...] — forgets this core's events, and says which
/// it had.
fn latency_reset(ctx: &mut ShardCtx<'_>, argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    let names: Vec<&[u8]> = argv[2..].iter().map(|a| &a[..]).collect();
    Part::Latency(Box::new(ctx.node.latency.borrow_mut().take(&names)))
}

/// How many events were reset (on any core).
fn merge_latency_reset(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    out.integer(merged_events(parts).events().len() as i64);
}

/// LATENCY HISTOGRAM [command ...] — this core's figures.
fn latency_histogram(ctx: &mut ShardCtx<'_>, _argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    Part::Commands(ctx.node.cmdstats.borrow().snapshot())
}

/// Per command with a histogram: its calls and the cumulative count of
/// runs up to each power of two of microseconds, as Redis's
/// `fillCommandCDF`. The named commands (a container names its
/// subcommands too), or all.
fn merge_latency_histogram(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    let mut total: Vec<Option<CommandStat>> = vec![None; table::numbered().len()];
    for (_, p) in parts.iter() {
        if let Part::Commands(stats) = p {
            for (i, s) in stats {
                match &mut total[*i] {
                    Some(t) => t.merge(s),
                    slot => *slot = Some(s.clone()),
                }
            }
        }
    }
    let with_data = |i: usize| {
        total[i]
            .as_ref()
            .and_then(|s| s.latency.as_deref())
            .filter(|h| !h.is_empty())
    };
    let mut chosen: Vec<usize> = Vec::new();
    if parts.argv.len() == 2 {
        chosen.extend((0..total.len()).filter(|&i| with_data(i).is_some()));
    } else {
        for name in &parts.argv[2..] {
            let Some(spec) = find_command(name) else {
                continue;
            };
            let i = table::index(spec);
            if with_data(i).is_some() {
                chosen.push(i);
            }
            chosen.extend(
                spec.subcommands
                    .iter()
                    .map(table::index)
                    .filter(|&i| with_data(i).is_some()),
            );
        }
    }
    out.map(chosen.len());
    for i in chosen {
        let Some(h) = with_data(i) else { continue };
        out.bulk(table::numbered()[i].name.as_bytes());
        out.map(2);
        out.bulk(b"calls");
        out.integer(h.len() as i64);
        out.bulk(b"histogram_usec");
        let mut buckets: Vec<(u64, u64)> = Vec::new();
        let mut cumulative = 0u64;
        for v in h.iter_log(1024, 2.0) {
            let before = cumulative;
            cumulative += v.count_since_last_iteration();
            if cumulative > before {
                buckets.push((v.value_iterated_to() / 1000, cumulative));
            }
        }
        out.map(buckets.len());
        for (micros, count) in buckets {
            out.integer(micros as i64);
            out.integer(count as i64);
        }
    }
}

/// A command by its full name (`config|get` names a subcommand), as
/// Redis's `lookupCommandBySds`.
fn find_command(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut words = name.split(|&b| b == b'|');
    let spec = table::lookup(words.next()?)?;
    match (words.next(), words.next()) {
        (None, _) => Some(spec),
        (Some(sub), None) => table::lookup_sub(spec, sub),
        _ => None,
    }
}

/// LATENCY HELP
fn latency_help(_ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    // Redis's text, without DOCTOR and GRAPH, which Shoal does not have.
    let lines: &[&str] = &[
        "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "HISTORY <event>",
        "    Return time-latency samples for the <event> class.",
        "LATEST",
        "    Return the latest latency samples for all events.",
        "RESET [<event> ...]",
        "    Reset latency data of one or more <event> classes.",
        "    (default: reset all data for all event classes)",
        "HISTOGRAM [COMMAND ...]",
        "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
        "    If no commands are specified then all histograms are replied.",
        "HELP",
        "    Prints this help.",
    ];
    super::reply_help(out, lines);
}

const ADMIN: Flags = Flags::ADMIN
    .or(Flags::NOSCRIPT)
    .or(Flags::LOADING)
    .or(Flags::STALE);
const HELP: Flags = Flags::LOADING.or(Flags::STALE);

static SLOWLOG_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "slowlog|get",
        -2,
        Exec::AllShards {
            part: slowlog_get,
            merge: merge_slowlog_get,
        },
    )
    .flags(ADMIN)
    .doc(
        "server",
        "2.2.12",
        "O(N) where N is the number of entries returned",
        "Returns the slow log's entries.",
    ),
    CommandSpec::new(
        "slowlog|len",
        2,
        Exec::AllShards {
            part: slowlog_len,
            merge: merge_slowlog_len,
        },
    )
    .flags(ADMIN)
    .doc(
        "server",
        "2.2.12",
        "O(1)",
        "Returns the number of entries in the slow log.",
    ),
    CommandSpec::new(
        "slowlog|reset",
        2,
        Exec::AllShards {
            part: slowlog_reset,
            merge: merge_ok,
        },
    )
    .flags(ADMIN)
    .doc(
        "server",
        "2.2.12",
        "O(N) where N is the number of entries in the slowlog",
        "Clears all entries from the slow log.",
    ),
    CommandSpec::new("slowlog|help", 2, Exec::Conn(slowlog_help))
        .flags(HELP)
        .doc(
            "server",
            "6.2.0",
            "O(1)",
            "Show helpful text about the different subcommands",
        ),
];

static LATENCY_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "latency|histogram",
        -2,
        Exec::AllShards {
            part: latency_histogram,
            merge: merge_latency_histogram,
        },
    )
    .flags(ADMIN)
    .acl(Acl::DANGEROUS)
    .doc(
        "server",
        "7.0.0",
        "O(N) where N is the number of commands with latency information being retrieved.",
        "Returns the cumulative distribution of latencies of a subset or all commands.",
    ),
    CommandSpec::new(
        "latency|history",
        3,
        Exec::AllShards {
            part: latency_events,
            merge: merge_latency_history,
        },
    )
    .flags(ADMIN)
    .acl(Acl::DANGEROUS)
    .doc(
        "server",
        "2.8.13",
        "O(1)",
        "Returns timestamp-latency samples for an event.",
    ),
    CommandSpec::new(
        "latency|latest",
        2,
        Exec::AllShards {
            part: latency_events,
            merge: merge_latency_latest,
        },
    )
    .flags(ADMIN)
    .acl(Acl::DANGEROUS)
    .doc(
        "server",
        "2.8.13",
        "O(1)",
        "Returns the latest latency samples for all events.",
    ),
    CommandSpec::new(
        "latency|reset",
        -2,
        Exec::AllShards {
            part: latency_reset,
            merge: merge_latency_reset,
        },
    )
    .flags(ADMIN)
    .acl(Acl::DANGEROUS)
    .doc(
        "server",
        "2.8.13",
        "O(1)",
        "Resets the latency data for one or more events.",
    ),
    CommandSpec::new("latency|help", 2, Exec::Conn(latency_help))
        .flags(HELP)
        .doc(
            "server",
            "2.8.13",
            "O(1)",
            "Returns helpful text about the different subcommands.",
        ),
];

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("slowlog", -2, Exec::Container)
        .subcommands(SLOWLOG_SUBCOMMANDS)
        .doc(
            "server",
            "2.2.12",
            "Depends on subcommand.",
            "A container for slow log commands.",
        ),
    CommandSpec::new("latency", -2, Exec::Container)
        .subcommands(LATENCY_SUBCOMMANDS)
        .doc(
            "server",
            "2.8.13",
            "Depends on subcommand.",
            "A container for latency diagnostics commands.",
        ),
];
