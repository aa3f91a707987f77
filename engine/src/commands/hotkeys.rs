//! The HOTKEYS family (Redis 8.6): START, STOP, GET, RESET, HELP. Every
//! shard runs its own share of a session (`hotkeys/`), so START, STOP and
//! RESET go to every shard, and GET merges the shards' reports: a key lives
//! on one shard, so the node's top K is the top K of the shards' top Ks.
//!
//! Shards decide alone whether a session runs. They agree, since every
//! START, STOP and RESET reaches all of them, except for a START that
//! arrives within the microseconds between shards around a DURATION's end:
//! then the shards past the deadline start anew while the others answer
//! that a session is in progress; STOP then START again mends it.

use crate::command::args::parse_i64;
use crate::command::{CmdError, CommandSpec, Exec, Flags};
use crate::connection::ConnCtx;
use crate::dispatch::{merge_ok, Part, Parts};
use crate::hotkeys::{process_cpu_us, InProgress, Metrics, Options, Ranked, Report};
use crate::limits::{
    HOTKEYS_COUNT_DEFAULT, HOTKEYS_COUNT_MAX, HOTKEYS_DURATION_S_MAX, HOTKEYS_METRICS_MAX,
    HOTKEYS_SAMPLE_RATIO_MAX,
};
use crate::shard::ShardCtx;
use bytes::Bytes;
use shoal_cluster::SLOT_COUNT;
use shoal_proto::ReplyWriter;

/// `arg` as Redis's `getRangeLongFromObjectOrReply` reads it: an integer
/// in `min..=max`, else `None` (whose error the caller names).
fn ranged(arg: &[u8], min: i64, max: i64) -> Option<i64> {
    parse_i64(arg).filter(|n| (min..=max).contains(n))
}

/// HOTKEYS START's arguments (`argv` from the command name), checked in
/// the order of Redis 8.6's `hotkeysCommand`.
pub fn parse_start(argv: &[Bytes]) -> Result<Options, CmdError> {
    let argc = argv.len();
    if argc < 4 || !argv[2].eq_ignore_ascii_case(b"METRICS") {
        return Err(CmdError::HotkeysMetricsRequired);
    }
    let metrics_count =
        ranged(&argv[3], 1, HOTKEYS_METRICS_MAX).ok_or(CmdError::HotkeysMetricsCount)?;
    let mut metrics = Metrics {
        cpu: false,
        net: false,
    };
    let mut at = 4;
    let mut named = 0;
    // The next `metrics_count` words are metrics; words Redis does not know
    // there count and are ignored (its forward compatibility).
    while at < argc && named < metrics_count {
        let word = &argv[at];
        if word.eq_ignore_ascii_case(b"CPU") {
            if metrics.cpu {
                return Err(CmdError::HotkeysCpuTwice);
            }
            metrics.cpu = true;
        } else if word.eq_ignore_ascii_case(b"NET") {
            if metrics.net {
                return Err(CmdError::HotkeysNetTwice);
            }
            metrics.net = true;
        }
        named += 1;
        at += 1;
    }
    if named != metrics_count {
        return Err(CmdError::HotkeysMetricsMismatch);
    }
    if !metrics.cpu && !metrics.net {
        return Err(CmdError::HotkeysNoValidMetrics);
    }
    let mut options = Options {
        metrics,
        count: HOTKEYS_COUNT_DEFAULT,
        duration_ms: 0,
        sample_ratio: 1,
    };
    while at < argc {
        let word = &argv[at];
        let value = argv.get(at + 1);
        match value {
            Some(v) if word.eq_ignore_ascii_case(b"COUNT") => {
                let k = ranged(v, 1, HOTKEYS_COUNT_MAX as i64)
                    .and_then(|k| usize::try_from(k).ok())
                    .ok_or(CmdError::HotkeysCount)?;
                options.count = k;
            }
            Some(v) if word.eq_ignore_ascii_case(b"DURATION") => {
                let ms = ranged(v, 1, HOTKEYS_DURATION_S_MAX as i64)
                    .and_then(|s| u64::try_from(s).ok())
                    .and_then(|s| s.checked_mul(1000))
                    .ok_or(CmdError::HotkeysDuration)?;
                options.duration_ms = ms;
            }
            Some(v) if word.eq_ignore_ascii_case(b"SAMPLE") => {
                let ratio = ranged(v, 1, i64::from(HOTKEYS_SAMPLE_RATIO_MAX))
                    .and_then(|r| u32::try_from(r).ok())
                    .ok_or(CmdError::HotkeysSample)?;
                options.sample_ratio = ratio;
            }
            // Redis takes SLOTS in cluster mode only, and refuses it before
            // reading its slots otherwise; Shoal has no cluster mode yet.
            Some(_) if word.eq_ignore_ascii_case(b"SLOTS") => {
                return Err(CmdError::HotkeysSlotsNoCluster)
            }
            _ => return Err(CmdError::Syntax),
        }
        at += 2;
    }
    Ok(options)
}

/// An error as this shard's part.
fn error_part(e: CmdError, out: &mut ReplyWriter<'_>) -> Part {
    let start = out.buf().len();
    e.reply(out);
    Part::Reply(start..out.buf().len())
}

/// HOTKEYS START METRICS count [CPU] [NET] [COUNT k] [DURATION seconds]
/// [SAMPLE ratio] [SLOTS count slot [slot ...]] — this shard's session.
fn start(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) -> Part {
    let now = ctx.now_ms;
    // Redis refuses a second session before it reads the arguments.
    if ctx.shard.hotkeys.in_progress(now) {
        return error_part(CmdError::HotkeysInProgress, out);
    }
    let options = match parse_start(argv) {
        Ok(o) => o,
        Err(e) => return error_part(e, out),
    };
    let seed = ctx.shard.next_random();
    match ctx
        .shard
        .hotkeys
        .start(options, now, seed, process_cpu_us())
    {
        Ok(()) => Part::Int(0),
        Err(InProgress) => error_part(CmdError::HotkeysInProgress, out),
    }
}

/// HOTKEYS STOP — 1 if this shard stopped a running session.
fn stop(ctx: &mut ShardCtx<'_>, _argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    let now = ctx.now_ms;
    Part::Int(i64::from(ctx.shard.hotkeys.stop(now)))
}

/// OK if a session was stopped; null if none was running, as Redis.
fn merge_stop(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    if parts.iter().any(|(_, p)| matches!(p, Part::Int(1))) {
        out.ok();
    } else {
        out.null();
    }
}

/// HOTKEYS RESET — drops this shard's stopped session.
fn reset(ctx: &mut ShardCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) -> Part {
    let now = ctx.now_ms;
    match ctx.shard.hotkeys.reset(now) {
        Ok(()) => Part::Int(0),
        Err(InProgress) => error_part(CmdError::HotkeysStopFirst, out),
    }
}

/// HOTKEYS GET — this shard's report.
fn get(ctx: &mut ShardCtx<'_>, _argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    let now = ctx.now_ms;
    Part::HotKeys(ctx.shard.hotkeys.report(now).map(Box::new))
}

/// The `k` heaviest of every shard's top keys, heaviest first, with their
/// measure divided by `unit`; keys that come to 0 are left out, as Redis
/// lists only keys that weigh.
fn merge_top<'a>(
    lists: impl Iterator<Item = &'a [Ranked]>,
    k: usize,
    unit: u64,
) -> Vec<(&'a [u8], u64)> {
    let mut all: Vec<&Ranked> = lists.flatten().collect();
    all.sort_unstable_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    all.into_iter()
        .take(k)
        .map(|(_, key, v)| (&key[..], v / unit))
        .filter(|&(_, v)| v > 0)
        .collect()
}

fn write_top(out: &mut ReplyWriter<'_>, top: &[(&[u8], u64)]) {
    out.array(top.len() * 2);
    for (key, v) in top {
        out.bulk(key);
        out.integer(i64::try_from(*v).unwrap_or(i64::MAX));
    }
}

fn int(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// HOTKEYS GET's reply from every shard's report: null without a session,
/// else an array of one map (one per node, as Redis 8.6), its fields in
/// Redis's order. Outside cluster mode the selected slots are all of them.
fn merge_get(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    let reports: Vec<&Report> = parts
        .iter()
        .filter_map(|(_, p)| match p {
            Part::HotKeys(Some(r)) => Some(&**r),
            _ => None,
        })
        .collect();
    let Some(first) = reports.first() else {
        return out.null();
    };
    let options = first.options;
    let Metrics { cpu, net } = options.metrics;
    let sum = |f: fn(&Report) -> u64| reports.iter().fold(0u64, |a, r| a.saturating_add(f(r)));
    let fields = 7 + if cpu { 3 } else { 0 } + if net { 2 } else { 0 };
    out.array(1);
    out.map(fields);
    out.bulk(b"tracking-active");
    out.integer(i64::from(reports.iter().any(|r| r.active)));
    out.bulk(b"sample-ratio");
    out.integer(i64::from(options.sample_ratio));
    out.bulk(b"selected-slots");
    out.array(1);
    out.array(2);
    out.integer(0);
    out.integer(i64::from(SLOT_COUNT) - 1);
    out.bulk(b"all-commands-all-slots-us");
    out.integer(int(sum(|r| r.time_all_ns) / 1000));
    out.bulk(b"net-bytes-all-commands-all-slots");
    out.integer(int(sum(|r| r.net_bytes_all)));
    out.bulk(b"collection-start-time-unix-ms");
    out.integer(int(reports.iter().map(|r| r.start_ms).min().unwrap_or(0)));
    out.bulk(b"collection-duration-ms");
    out.integer(int(reports
        .iter()
        .map(|r| r.duration_ms)
        .max()
        .unwrap_or(0)));
    if cpu {
        let (user_now, sys_now) = process_cpu_us();
        let user_start = reports.iter().map(|r| r.cpu_start_us.0).min().unwrap_or(0);
        let sys_start = reports.iter().map(|r| r.cpu_start_us.1).min().unwrap_or(0);
        out.bulk(b"total-cpu-time-user-ms");
        out.integer(int(user_now.saturating_sub(user_start) / 1000));
        out.bulk(b"total-cpu-time-sys-ms");
        out.integer(int(sys_now.saturating_sub(sys_start) / 1000));
    }
    if net {
        out.bulk(b"total-net-bytes");
        out.integer(int(sum(|r| r.net_sampled)));
    }
    let k = options.count;
    if cpu {
        out.bulk(b"by-cpu-time-us");
        let top = merge_top(reports.iter().map(|r| &r.by_cpu_ns[..]), k, 1000);
        write_top(out, &top);
    }
    if net {
        out.bulk(b"by-net-bytes");
        let top = merge_top(reports.iter().map(|r| &r.by_net[..]), k, 1);
        write_top(out, &top);
    }
}

/// HOTKEYS HELP (Redis 8.6.1's text).
fn help(_ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let lines: &[&str] = &[
        "HOTKEYS <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "START <METRICS count [CPU] [NET]> [COUNT k] [DURATION duration] [SAMPLE ratio] [SLOTS count slot...]",
        "    Starts hotkeys tracking with specified metrics.",
        "    * METRICS count [CPU] [NET]",
        "        Specify count of metrics and choose amongst:",
        "        - CPU: Track hotkeys by CPU time percentage",
        "        - NET: Track hotkeys by network bytes percentage",
        "    * COUNT k",
        "        Specifies the value of K for the top-K hotkeys tracking. Default: 10",
        "    * DURATION duration",
        "        Specifies tracking duration in seconds. 0 means tracking will continue until manually stopped. Default: 0",
        "    * SAMPLE ratio",
        "        Keys are tracked with probability 1/ratio. Default: 1 (tracks every key)",
        "    * SLOTS count slot...",
        "        Specify which slots to track keys from. Only available in cluster mode. Default: empty (track all slots)",
        "STOP",
        "    Stop hotkeys tracking. Results are still available via GET",
        "GET",
        "    Get results from hotkeys tracking.",
        "RESET",
        "    Reset memory used for hotkeys tracking. Tracking must have been stopped.",
        "    Results will no longer be available after this command.",
        "HELP",
        "    Print this help.",
    ];
    super::reply_help(out, lines);
}

/// Redis 8.6's flags for the session subcommands.
const SESSION: Flags = Flags::ADMIN.or(Flags::NOSCRIPT);

static SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new(
        "hotkeys|start",
        -2,
        Exec::AllShards {
            part: start,
            merge: merge_ok,
        },
    )
    .flags(SESSION)
    .doc("server", "8.6.0", "O(1)", "Starts hotkeys tracking."),
    CommandSpec::new(
        "hotkeys|stop",
        2,
        Exec::AllShards {
            part: stop,
            merge: merge_stop,
        },
    )
    .flags(SESSION)
    .doc("server", "8.6.0", "O(1)", "Stops hotkeys tracking."),
    CommandSpec::new(
        "hotkeys|get",
        2,
        Exec::AllShards {
            part: get,
            merge: merge_get,
        },
    )
    .flags(SESSION)
    .doc(
        "server",
        "8.6.0",
        "O(K) where K is the number of hotkeys returned.",
        "Returns lists of top K hotkeys depending on metrics chosen in HOTKEYS START command.",
    ),
    CommandSpec::new(
        "hotkeys|reset",
        2,
        Exec::AllShards {
            part: reset,
            merge: merge_ok,
        },
    )
    .flags(SESSION)
    .doc(
        "server",
        "8.6.0",
        "O(1)",
        "Release the resources used for hotkey tracking.",
    ),
    CommandSpec::new("hotkeys|help", 2, Exec::Conn(help))
        .flags(Flags::LOADING.or(Flags::STALE))
        .doc(
            "server",
            "8.6.1",
            "O(1)",
            "Return helpful text about HOTKEYS command parameters.",
        ),
];

pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("hotkeys", -2, Exec::Container)
    .subcommands(SUBCOMMANDS)
    .doc(
        "server",
        "8.6.0",
        "Depends on subcommand.",
        "A container for hotkeys tracking commands.",
    )];

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Options, CmdError> {
        let argv: Vec<Bytes> = line
            .split(' ')
            .map(|w| Bytes::from(w.to_string()))
            .collect();
        parse_start(&argv)
    }

    fn opts(cpu: bool, net: bool, count: usize, duration_ms: u64, ratio: u32) -> Options {
        Options {
            metrics: Metrics { cpu, net },
            count,
            duration_ms,
            sample_ratio: ratio,
        }
    }

    #[test]
    fn start_takes_redis_options_and_defaults() {
        assert_eq!(
            parse("HOTKEYS START METRICS 1 CPU"),
            Ok(opts(true, false, 10, 0, 1))
        );
        assert_eq!(
            parse("hotkeys start metrics 2 net cpu count 64 duration 1000000 sample 2147483647"),
            Ok(opts(true, true, 64, 1_000_000_000, 2_147_483_647))
        );
        // Repeated options: the last wins, as in Redis.
        assert_eq!(
            parse("HOTKEYS START METRICS 1 NET COUNT 5 COUNT 1 DURATION 1 SAMPLE 1"),
            Ok(opts(false, true, 1, 1000, 1))
        );
        // Unknown metric words count and are ignored.
        assert_eq!(
            parse("HOTKEYS START METRICS 2 GPU CPU"),
            Ok(opts(true, false, 10, 0, 1))
        );
    }

    #[test]
    fn start_errors_come_in_redis_order() {
        use CmdError::*;
        let cases = [
            ("HOTKEYS START", HotkeysMetricsRequired),
            ("HOTKEYS START METRICS", HotkeysMetricsRequired),
            ("HOTKEYS START COUNT 1", HotkeysMetricsRequired),
            ("HOTKEYS START COUNT 1 CPU", HotkeysMetricsRequired),
            ("HOTKEYS START METRICS 0", HotkeysMetricsCount),
            ("HOTKEYS START METRICS -1 CPU", HotkeysMetricsCount),
            ("HOTKEYS START METRICS 3 CPU NET", HotkeysMetricsCount),
            ("HOTKEYS START METRICS x CPU", HotkeysMetricsCount),
            (
                "HOTKEYS START METRICS 99999999999999999999 CPU",
                HotkeysMetricsCount,
            ),
            ("HOTKEYS START METRICS 2 CPU", HotkeysMetricsMismatch),
            ("HOTKEYS START METRICS 1", HotkeysMetricsMismatch),
            ("HOTKEYS START METRICS 2 CPU CPU", HotkeysCpuTwice),
            ("HOTKEYS START METRICS 2 NET NET", HotkeysNetTwice),
            ("HOTKEYS START METRICS 1 GPU", HotkeysNoValidMetrics),
            ("HOTKEYS START METRICS 2 GPU NYET", HotkeysNoValidMetrics),
            ("HOTKEYS START METRICS 1 CPU NET", Syntax),
            ("HOTKEYS START METRICS 1 CPU COUNT", Syntax),
            ("HOTKEYS START METRICS 1 CPU BOGUS 1", Syntax),
            ("HOTKEYS START METRICS 1 CPU COUNT 0", HotkeysCount),
            ("HOTKEYS START METRICS 1 CPU COUNT 65", HotkeysCount),
            ("HOTKEYS START METRICS 1 CPU COUNT ten", HotkeysCount),
            ("HOTKEYS START METRICS 1 CPU DURATION 0", HotkeysDuration),
            (
                "HOTKEYS START METRICS 1 CPU DURATION 1000001",
                HotkeysDuration,
            ),
            ("HOTKEYS START METRICS 1 CPU DURATION -5", HotkeysDuration),
            ("HOTKEYS START METRICS 1 CPU SAMPLE 0", HotkeysSample),
            (
                "HOTKEYS START METRICS 1 CPU SAMPLE 2147483648",
                HotkeysSample,
            ),
            ("HOTKEYS START METRICS 1 CPU SAMPLE 1.5", HotkeysSample),
            (
                "HOTKEYS START METRICS 1 CPU SLOTS 2 0 5",
                HotkeysSlotsNoCluster,
            ),
            ("HOTKEYS START METRICS 1 CPU SLOTS x", HotkeysSlotsNoCluster),
            ("HOTKEYS START METRICS 1 CPU SLOTS", Syntax),
            // The first bad option is the one reported.
            ("HOTKEYS START METRICS 1 CPU COUNT 0 SAMPLE 0", HotkeysCount),
            (
                "HOTKEYS START METRICS 1 CPU SAMPLE 0 COUNT 0",
                HotkeysSample,
            ),
        ];
        for (line, want) in cases {
            assert_eq!(parse(line), Err(want), "{line}");
        }
    }

    #[test]
    fn merged_tops_keep_the_heaviest_k_and_drop_zeros() {
        let a: Vec<Ranked> = vec![(0, b"x"[..].into(), 9_000), (0, b"y"[..].into(), 400)];
        let b: Vec<Ranked> = vec![(0, b"z"[..].into(), 5_000), (1, b"w"[..].into(), 3_000)];
        let top = merge_top([&a[..], &b[..]].into_iter(), 3, 1000);
        assert_eq!(top, vec![(&b"x"[..], 9), (&b"z"[..], 5), (&b"w"[..], 3)]);
        let top = merge_top([&a[..], &b[..]].into_iter(), 10, 1000);
        assert_eq!(top.len(), 3, "y weighs under a microsecond");
    }
}
