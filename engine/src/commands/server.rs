//! The server family: DBSIZE, FLUSHDB, FLUSHALL, INFO, CONFIG, TIME, SHUTDOWN.

use crate::command::args::{parse_i64, parse_int};
use crate::command::{arity_error, table, Acl, CmdError, CommandSpec, Exec, Flags};
use crate::config::{ConfigError, SETTINGS};
use crate::connection::ConnCtx;
use crate::dispatch::{merge_ok, merge_sum, InfoPart, Part, Parts};
use crate::global::unix_us;
use crate::keyspace::glob::glob_match;
use crate::keyspace::{memory, Db};
use crate::shard::ShardCtx;
use bytes::Bytes;
use shoal_proto::ReplyWriter;
use std::fmt::Write;
use std::sync::atomic::Ordering;

/// DBSIZE — this shard's key count in the selected database.
fn dbsize(ctx: &mut ShardCtx<'_>, _argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    Part::Int(ctx.db().len() as i64)
}

/// Parses the optional ASYNC | SYNC of FLUSHDB / FLUSHALL.
fn flush_mode(argv: &[Bytes]) -> Result<bool, CmdError> {
    match argv.get(1) {
        None => Ok(false),
        Some(a) if argv.len() == 2 && a.eq_ignore_ascii_case(b"ASYNC") => Ok(true),
        Some(a) if argv.len() == 2 && a.eq_ignore_ascii_case(b"SYNC") => Ok(false),
        Some(_) => Err(CmdError::Syntax),
    }
}

/// Empties databases. ASYNC hands the old tables to the background free
/// thread (`lazyfree.rs`), so the shard does not stall on a huge dataset.
fn flush(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>, all: bool) -> Part {
    let background = match flush_mode(argv) {
        Ok(b) => b,
        Err(e) => {
            let start = out.buf().len();
            e.reply(out);
            return Part::Reply(start..out.buf().len());
        }
    };
    let range = if all {
        0..ctx.shard.dbs.len()
    } else {
        ctx.db..ctx.db + 1
    };
    if background {
        for i in range {
            let keys = ctx.shard.dbs[i].len();
            if keys > 0 {
                crate::lazyfree::free_later(Box::new(ctx.shard.dbs[i].take_contents()), keys);
            }
        }
    } else {
        for i in range {
            ctx.shard.dbs[i].clear();
        }
    }
    Part::Int(0)
}

/// SWAPDB index1 index2 — this shard's two databases. Every shard answers
/// the same; across shards SWAPDB runs as a transaction that holds every
/// shard whole.
fn swapdb(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) -> Part {
    let start = out.buf().len();
    // Redis's getIntFromObjectOrReply with its own message for both.
    let index = |arg: &[u8], which: &str| -> Result<i64, String> {
        parse_int(arg)
            .map(i64::from)
            .map_err(|_| format!("ERR invalid {which} DB index"))
    };
    let ids = index(&argv[1], "first").and_then(|a| Ok((a, index(&argv[2], "second")?)));
    let databases = ctx.shard.dbs.len();
    let in_range = |i: i64| usize::try_from(i).ok().filter(|&i| i < databases);
    match ids {
        Err(e) => out.error(e.as_bytes()),
        Ok((a, b)) => match (in_range(a), in_range(b)) {
            (Some(a), Some(b)) => {
                if a != b {
                    let (lo, hi) = (a.min(b), a.max(b));
                    let (left, right) = ctx.shard.dbs.split_at_mut(hi);
                    Db::swap_contents(&mut left[lo], &mut right[0]);
                }
                return Part::Int(0);
            }
            _ => CmdError::DbIndexOutOfRange.reply(out),
        },
    }
    Part::Reply(start..out.buf().len())
}

/// FLUSHDB [ASYNC | SYNC]
fn flushdb(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) -> Part {
    flush(ctx, argv, out, false)
}

/// FLUSHALL [ASYNC | SYNC]
fn flushall(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) -> Part {
    flush(ctx, argv, out, true)
}

/// INFO — this core's figures.
fn info(ctx: &mut ShardCtx<'_>, argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    let stats = &ctx.node.stats;
    let shard = &*ctx.shard;
    let cmdstats = ctx.node.cmdstats.borrow();
    let per_command = wants(argv, "commandstats") || wants(argv, "latencystats");
    Part::Info(Box::new(InfoPart {
        commands: if per_command {
            cmdstats.snapshot()
        } else {
            Vec::new()
        },
        errors: cmdstats.errors().to_vec(),
        error_replies: cmdstats.error_replies,
        shard: shard.id.0,
        clients: ctx.node.clients.borrow().len(),
        used_memory: crate::alloc::this_thread(),
        keyspace_hits: shard.stats.keyspace_hits,
        keyspace_misses: shard.stats.keyspace_misses,
        expired_keys: shard.expired_keys(),
        evicted_keys: shard.evictor.evicted_keys,
        commands_processed: stats.commands_processed.get(),
        net_input_bytes: stats.net_input_bytes.get(),
        net_output_bytes: stats.net_output_bytes.get(),
        rates: {
            let rates = stats.rates.borrow();
            [0, 1, 2].map(|i| rates[i].per_second())
        },
        keyspace: shard
            .dbs
            .iter()
            .map(|d| (d.len(), d.volatile_len()))
            .collect(),
    }))
}

/// CPU time of the process: (system, user) in seconds.
fn cpu_seconds() -> (f64, f64) {
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return (0.0, 0.0);
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(ru.ru_stime), secs(ru.ru_utime))
}

fn human_bytes(n: usize) -> String {
    let n = n as f64;
    if n < 1024.0 {
        format!("{n}B")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.2}K", n / 1024.0)
    } else if n < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", n / (1024.0 * 1024.0))
    } else {
        format!("{:.2}G", n / (1024.0 * 1024.0 * 1024.0))
    }
}

/// Redis 7.0's default sections that Shoal has.
const INFO_DEFAULT: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "errorstats",
    "keyspace",
];

/// Whether INFO `argv` asks for `section`.
fn wants(argv: &[Bytes], section: &str) -> bool {
    let asked = &argv[1.min(argv.len())..];
    if asked.is_empty() || asked.iter().any(|a| a.eq_ignore_ascii_case(b"default")) {
        return INFO_DEFAULT.contains(&section);
    }
    asked.iter().any(|a| {
        a.eq_ignore_ascii_case(section.as_bytes())
            || a.eq_ignore_ascii_case(b"all")
            || a.eq_ignore_ascii_case(b"everything")
    })
}

/// Builds the INFO text from every core's part.
fn merge_info(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    let mut total = InfoPart::default();
    let mut cores: Vec<&InfoPart> = Vec::new();
    for (_, p) in parts.iter() {
        if let Part::Info(i) = p {
            cores.push(i);
            total.keyspace_hits += i.keyspace_hits;
            total.keyspace_misses += i.keyspace_misses;
            total.expired_keys += i.expired_keys;
            total.evicted_keys += i.evicted_keys;
            total.error_replies += i.error_replies;
            for (index, stat) in &i.commands {
                match total.commands.iter_mut().find(|(t, _)| t == index) {
                    Some((_, t)) => t.merge(stat),
                    None => total.commands.push((*index, stat.clone())),
                }
            }
            for (code, count) in &i.errors {
                match total.errors.iter_mut().find(|(t, _)| t == code) {
                    Some((_, t)) => *t += count,
                    None => total.errors.push((code.clone(), *count)),
                }
            }
            total.commands_processed += i.commands_processed;
            total.net_input_bytes += i.net_input_bytes;
            total.net_output_bytes += i.net_output_bytes;
            for (t, r) in total.rates.iter_mut().zip(i.rates) {
                *t += r;
            }
            if total.keyspace.len() < i.keyspace.len() {
                total.keyspace.resize(i.keyspace.len(), (0, 0));
            }
            for (t, s) in total.keyspace.iter_mut().zip(&i.keyspace) {
                t.0 += s.0;
                t.1 += s.1;
            }
        }
    }
    let want = |section: &str| wants(parts.argv, section);
    let node = parts.node;
    let global = &node.global;
    let config = node.config();
    let mut text = String::new();
    let mut section = |name: &str, body: String| {
        if !text.is_empty() {
            text.push_str("\r\n");
        }
        let _ = write!(text, "# {name}\r\n{body}");
    };
    let uptime = global.started.elapsed().as_secs();
    if want("server") {
        let mut b = String::new();
        let _ = write!(
            b,
            "redis_version:{}\r\nshoal_version:{}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_mode:standalone\r\nos:{} {}\r\narch_bits:64\r\nmultiplexing_api:io_uring\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nio_threads_active:0\r\nthreads:{}\r\n",
            crate::REDIS_COMPAT_VERSION,
            crate::SHOAL_VERSION,
            std::env::consts::OS,
            std::env::consts::ARCH,
            std::process::id(),
            global.run_id,
            config.port,
            unix_us(),
            uptime,
            uptime / 86400,
            config.hz,
            config.hz,
            std::env::current_exe().map(|p| p.display().to_string()).unwrap_or_default(),
            config.config_file,
            global.shard_count,
        );
        section("Server", b);
    }
    if want("clients") {
        section(
            "Clients",
            format!(
                "connected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nblocked_clients:{}\r\ntracking_clients:0\r\nclients_in_timeout_table:{}\r\n",
                global.connected_clients.load(Ordering::Relaxed),
                config.maxclients,
                global.blocked_clients.load(Ordering::Relaxed),
                global.blocked_with_timeout.load(Ordering::Relaxed),
            ),
        );
    }
    if want("memory") {
        let (used, peak) = global.used_memory();
        let rss = memory::process().1;
        let ratio = if used > 0 {
            rss as f64 / used as f64
        } else {
            0.0
        };
        section(
            "Memory",
            format!(
                "used_memory:{used}\r\nused_memory_human:{}\r\nused_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\nused_memory_peak:{peak}\r\nused_memory_peak_human:{}\r\nmaxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\nmem_fragmentation_ratio:{ratio:.2}\r\nmem_allocator:mimalloc\r\nlazyfree_pending_objects:{}\r\nlazyfreed_objects:{}\r\n",
                human_bytes(used),
                human_bytes(rss),
                human_bytes(peak),
                config.maxmemory,
                human_bytes(config.maxmemory),
                config.maxmemory_policy.name(),
                crate::lazyfree::pending(),
                crate::lazyfree::freed(),
            ),
        );
    }
    if want("persistence") {
        // Nothing is persisted yet (see README): the fields Redis reports
        // with RDB saving and the AOF off.
        section(
            "Persistence",
            "loading:0\r\nasync_loading:0\r\nrdb_bgsave_in_progress:0\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\naof_rewrite_scheduled:0\r\n".into(),
        );
    }
    if want("stats") {
        section(
            "Stats",
            format!(
                "total_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:{}\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\ninstantaneous_input_kbps:{:.2}\r\ninstantaneous_output_kbps:{:.2}\r\nrejected_connections:{}\r\nexpired_keys:{}\r\nevicted_keys:{}\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\ntotal_error_replies:{}\r\nunexpected_error_replies:0\r\n",
                global.total_connections_received.load(Ordering::Relaxed),
                total.commands_processed,
                // Redis truncates the mean to an integer.
                total.rates[0] as u64,
                total.net_input_bytes,
                total.net_output_bytes,
                total.rates[1] / 1024.0,
                total.rates[2] / 1024.0,
                global.rejected_connections.load(Ordering::Relaxed),
                total.expired_keys,
                total.evicted_keys,
                total.keyspace_hits,
                total.keyspace_misses,
                total.error_replies,
            ),
        );
    }
    if want("replication") {
        section(
            "Replication",
            "role:master\r\nconnected_slaves:0\r\n".into(),
        );
    }
    if want("cpu") {
        let (sys, user) = cpu_seconds();
        section(
            "CPU",
            format!("used_cpu_sys:{sys:.6}\r\nused_cpu_user:{user:.6}\r\n"),
        );
    }
    if want("commandstats") {
        total.commands.sort_by_key(|(i, _)| *i);
        let mut b = String::new();
        for (i, c) in &total.commands {
            let usec = c.nanos / 1000;
            if c.calls == 0 && c.rejected == 0 && c.failed == 0 {
                continue;
            }
            let per_call = if c.calls > 0 {
                usec as f64 / c.calls as f64
            } else {
                0.0
            };
            let _ = write!(
                b,
                "cmdstat_{}:calls={},usec={usec},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}\r\n",
                table::numbered()[*i].name,
                c.calls,
                c.rejected,
                c.failed,
            );
        }
        section("Commandstats", b);
    }
    if want("errorstats") {
        total.errors.sort();
        let mut b = String::new();
        for (code, count) in &total.errors {
            let _ = write!(
                b,
                "errorstat_{}:count={count}\r\n",
                String::from_utf8_lossy(code)
            );
        }
        section("Errorstats", b);
    }
    if want("latencystats") {
        total.commands.sort_by_key(|(i, _)| *i);
        let mut b = String::new();
        for (i, c) in &total.commands {
            // Only commands that were called (a write a transaction sent
            // on a command's behalf is timed, not called).
            let called = c.calls > 0 || c.rejected > 0 || c.failed > 0;
            let Some(h) = c.latency.as_ref().filter(|h| called && !h.is_empty()) else {
                continue;
            };
            let _ = write!(
                b,
                "latency_percentiles_usec_{}:",
                table::numbered()[*i].name
            );
            for (k, p) in config.latency_tracking_info_percentiles.iter().enumerate() {
                let sep = if k == 0 { "" } else { "," };
                let value = h.value_at_quantile(p / 100.0) as f64 / 1000.0;
                let _ = write!(b, "{sep}p{}={value:.3}", crate::config::percentile_text(*p));
            }
            b.push_str("\r\n");
        }
        section("Latencystats", b);
    }
    if want("keyspace") {
        let mut b = String::new();
        for (i, (keys, expires)) in total.keyspace.iter().enumerate() {
            if *keys > 0 {
                let _ = write!(b, "db{i}:keys={keys},expires={expires},avg_ttl=0\r\n");
            }
        }
        section("Keyspace", b);
    }
    if want("shards") {
        cores.sort_by_key(|c| c.shard);
        let mut b = String::new();
        for c in &cores {
            let (keys, expires) = c
                .keyspace
                .iter()
                .fold((0, 0), |(k, e), d| (k + d.0, e + d.1));
            let _ = write!(
                b,
                "shard{}:keys={keys},expires={expires},used_memory={},connected_clients={},total_commands_processed={},instantaneous_ops_per_sec={},total_net_input_bytes={},total_net_output_bytes={},keyspace_hits={},keyspace_misses={},expired_keys={},evicted_keys={}\r\n",
                c.shard,
                c.used_memory,
                c.clients,
                c.commands_processed,
                c.rates[0] as u64,
                c.net_input_bytes,
                c.net_output_bytes,
                c.keyspace_hits,
                c.keyspace_misses,
                c.expired_keys,
                c.evicted_keys,
            );
        }
        section("Shards", b);
    }
    out.verbatim(b"txt", text.as_bytes());
}

/// CONFIG GET parameter [parameter ...]
fn config_get(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let config = ctx.node.config();
    let matched: Vec<_> = SETTINGS
        .iter()
        .filter(|s| {
            argv[2..]
                .iter()
                .any(|p| glob_match(p, s.name.as_bytes(), true))
        })
        .collect();
    out.map(matched.len());
    for s in matched {
        out.bulk(s.name.as_bytes());
        out.bulk((s.get)(&config).as_bytes());
    }
}

/// CONFIG SET parameter value [parameter value ...] — all or nothing.
fn config_set(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    if !argv.len().is_multiple_of(2) {
        return out.error(arity_error("config|set").as_bytes());
    }
    let pairs: Vec<(String, String)> = argv[2..]
        .chunks(2)
        .map(|p| {
            (
                String::from_utf8_lossy(&p[0]).into_owned(),
                String::from_utf8_lossy(&p[1]).into_owned(),
            )
        })
        .collect();
    for (i, (name, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            return out.error(format!("ERR CONFIG SET failed (possibly related to argument '{name}') - duplicate parameter").as_bytes());
        }
    }
    let result = ctx.node.global.update_config(|c| {
        let mut next = c.clone();
        for (name, value) in &pairs {
            next.apply(name, std::slice::from_ref(value), true)?;
        }
        *c = next;
        Ok::<(), ConfigError>(())
    });
    match result {
        Ok(()) => out.ok(),
        Err(ConfigError::Unknown(n)) => {
            out.error(format!("ERR Unknown option or number of arguments for CONFIG SET - '{n}'").as_bytes())
        }
        Err(ConfigError::Immutable(n)) => out.error(
            format!("ERR CONFIG SET failed (possibly related to argument '{n}') - can't set immutable config").as_bytes(),
        ),
        Err(ConfigError::Invalid { name, reason }) => out.error(
            format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}").as_bytes(),
        ),
        Err(ConfigError::File(e)) => out.error(format!("ERR {e}").as_bytes()),
    }
}

/// CONFIG RESETSTAT — this core's counters.
fn config_resetstat(ctx: &mut ShardCtx<'_>, _argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    ctx.node.stats.reset();
    ctx.node.cmdstats.borrow_mut().reset();
    ctx.shard.stats = Default::default();
    for db in &mut ctx.shard.dbs {
        db.expired_total = 0;
    }
    ctx.shard.evictor.evicted_keys = 0;
    if ctx.shard.id.0 == 0 {
        ctx.node.global.reset_memory_peak();
        crate::lazyfree::reset_freed();
        ctx.node
            .global
            .total_connections_received
            .store(0, Ordering::Relaxed);
        ctx.node
            .global
            .rejected_connections
            .store(0, Ordering::Relaxed);
    }
    Part::Int(0)
}

/// CONFIG HELP
fn config_help(_ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let lines: &[&str] = &[
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "HELP",
        "    Prints this help.",
    ];
    super::reply_help(out, lines);
}

/// TIME
fn time(_ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let us = unix_us();
    out.array(2);
    out.bulk(itoa::Buffer::new().format(us / 1_000_000).as_bytes());
    out.bulk(itoa::Buffer::new().format(us % 1_000_000).as_bytes());
}

/// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
fn shutdown(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let (mut save, mut nosave, mut abort) = (false, false, false);
    for a in &argv[1..] {
        match a.to_ascii_uppercase().as_slice() {
            b"SAVE" => save = true,
            b"NOSAVE" => nosave = true,
            b"NOW" | b"FORCE" => {}
            b"ABORT" => abort = true,
            _ => return CmdError::Syntax.reply(out),
        }
    }
    if (save && nosave) || (abort && argv.len() > 2) {
        return CmdError::Syntax.reply(out);
    }
    if abort {
        return CmdError::NoShutdownInProgress.reply(out);
    }
    if save {
        // Persistence does not exist yet, so a save cannot be honoured.
        tracing::warn!("SHUTDOWN SAVE refused: this server has no persistence to save to");
        return CmdError::ShutdownFailed.reply(out);
    }
    tracing::info!(client = ctx.state.id, "User requested shutdown...");
    ctx.node.global.request_shutdown();
    ctx.state.close_now = true;
}

const ADMIN: Flags = Flags::ADMIN
    .or(Flags::NOSCRIPT)
    .or(Flags::LOADING)
    .or(Flags::STALE);

/// MEMORY USAGE key [SAMPLES count]: the bytes the key takes (see
/// `Entry::memory_usage`); options checked as Redis 7.0's `memoryCommand`.
/// The key is looked at without counting a hit or miss and without
/// removing it if expired (an expired key answers null).
fn memory_usage(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let mut samples = memory::SAMPLES_DEFAULT;
    let mut at = 3;
    while at < argv.len() {
        if !argv[at].eq_ignore_ascii_case(b"SAMPLES") || at + 1 >= argv.len() {
            return CmdError::Syntax.reply(out);
        }
        let Some(n) = parse_i64(&argv[at + 1]) else {
            return CmdError::NotInteger.reply(out);
        };
        samples = match n {
            ..0 => return CmdError::Syntax.reply(out),
            0 => usize::MAX,
            n => usize::try_from(n).unwrap_or(usize::MAX),
        };
        at += 2;
    }
    let now = ctx.now_ms;
    match ctx.db().live_entry(&argv[2], now) {
        Some(e) => out.integer(e.memory_usage(samples) as i64),
        None => out.null(),
    }
}

/// MEMORY HELP
fn memory_help(_ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let lines: &[&str] = &[
        "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "USAGE <key> [SAMPLES <count>]",
        "    Return memory in bytes used by <key> and its value. Nested values are",
        "    sampled up to <count> times (default: 5, 0 means sample all).",
        "HELP",
        "    Prints this help.",
    ];
    super::reply_help(out, lines);
}

static MEMORY_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("memory|usage", -3, Exec::Shard(memory_usage))
        .flags(Flags::READONLY)
        .keys(2, 2, 1)
        .acl(Acl::READ)
        .doc(
            "server",
            "4.0.0",
            "O(N) where N is the number of samples.",
            "Estimates the memory usage of a key.",
        ),
    CommandSpec::new("memory|help", 2, Exec::Conn(memory_help))
        .flags(Flags::LOADING.or(Flags::STALE))
        .doc(
            "server",
            "4.0.0",
            "O(1)",
            "Returns helpful text about the different subcommands.",
        ),
];

static CONFIG_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("config|get", -3, Exec::Conn(config_get))
        .flags(ADMIN)
        .doc(
            "server",
            "2.0.0",
            "O(N) when N is the number of configuration parameters provided",
            "Returns the effective values of configuration parameters.",
        ),
    CommandSpec::new("config|set", -4, Exec::Conn(config_set))
        .flags(ADMIN)
        .doc(
            "server",
            "2.0.0",
            "O(N) when N is the number of configuration parameters provided",
            "Sets configuration parameters in-flight.",
        ),
    CommandSpec::new(
        "config|resetstat",
        2,
        Exec::AllShards {
            part: config_resetstat,
            merge: merge_ok,
        },
    )
    .flags(ADMIN)
    .doc("server", "2.0.0", "O(1)", "Resets the server's statistics."),
    CommandSpec::new("config|help", 2, Exec::Conn(config_help))
        .flags(Flags::LOADING.or(Flags::STALE))
        .doc(
            "server",
            "5.0.0",
            "O(1)",
            "Returns helpful text about the different subcommands.",
        ),
];

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("dbsize", 1, Exec::AllShards { part: dbsize, merge: merge_sum })
        .flags(Flags::READONLY.or(Flags::FAST))
        .acl(Acl::KEYSPACE)
        .doc("server", "1.0.0", "O(1)", "Returns the number of keys in the database."),
    CommandSpec::new("flushdb", -1, Exec::AllShards { part: flushdb, merge: merge_ok })
        .flags(Flags::WRITE)
        .acl(Acl::KEYSPACE.or(Acl::DANGEROUS))
        .doc("server", "1.0.0", "O(N) where N is the number of keys in the selected database", "Remove all keys from the current database."),
    CommandSpec::new("flushall", -1, Exec::AllShards { part: flushall, merge: merge_ok })
        .flags(Flags::WRITE)
        .acl(Acl::KEYSPACE.or(Acl::DANGEROUS))
        .doc("server", "1.0.0", "O(N) where N is the total number of keys in all databases", "Removes all keys from all databases."),
    CommandSpec::new("swapdb", 3, Exec::AllShards { part: swapdb, merge: merge_ok })
        .flags(Flags::WRITE.or(Flags::FAST))
        .acl(Acl::KEYSPACE.or(Acl::DANGEROUS))
        .doc("server", "4.0.0", "O(N) where N is the count of clients watching or blocking on keys from both databases.", "Swaps two Redis databases"),
    CommandSpec::new("info", -1, Exec::AllShards { part: info, merge: merge_info })
        .flags(Flags::LOADING.or(Flags::STALE))
        .acl(Acl::DANGEROUS)
        .doc("server", "1.0.0", "O(1)", "Returns information and statistics about the server."),
    CommandSpec::new("memory", -2, Exec::Container)
        .subcommands(MEMORY_SUBCOMMANDS)
        .doc("server", "4.0.0", "Depends on subcommand.", "A container for memory diagnostics commands."),
    CommandSpec::new("config", -2, Exec::Container)
        .subcommands(CONFIG_SUBCOMMANDS)
        .doc("server", "2.0.0", "Depends on subcommand.", "A container for server configuration commands."),
    CommandSpec::new("time", 1, Exec::Conn(time))
        .flags(Flags::LOADING.or(Flags::STALE).or(Flags::FAST))
        .doc("server", "2.6.0", "O(1)", "Returns the server time."),
    CommandSpec::new("shutdown", -1, Exec::Conn(shutdown))
        .flags(ADMIN.or(Flags::NO_MULTI).or(Flags::ALLOW_BUSY))
        .doc("server", "1.0.0", "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", "Synchronously saves the database(s) to disk and shuts down the Redis server."),
];
