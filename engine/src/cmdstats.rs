//! What each core records of the commands it runs, as Redis's `call()`
//! does: calls, time, rejections and failures and a latency histogram per
//! command (INFO commandstats and latencystats, LATENCY HISTOGRAM), error
//! replies by code (INFO errorstats, `total_error_replies`), and the slow
//! ones (SLOWLOG, see `slowlog.rs`; the latency monitor, `latency.rs`).
//!
//! A command's call is counted once, where it is planned (its connection's
//! core), however many shards run it; its time, failure and latency are
//! recorded where it runs, by each shard it runs on. INFO adds the cores up.

use crate::command::{table, CommandSpec, Flags};
use crate::dispatch::{Op, Part};
use crate::node::Node;
use bytes::{Bytes, BytesMut};
use hdrhistogram::Histogram;

/// Latency histograms, as Redis's: 1 ns to 1 s, 2 significant digits
/// (longer commands count as 1 s).
const HISTOGRAM_MAX_NS: u64 = 1_000_000_000;
const HISTOGRAM_SIGFIG: u8 = 2;
/// Distinct error codes counted (Redis's `ERROR_STATS_NUMBER`): a code
/// first seen after this many is counted in `total_error_replies` only.
pub const ERROR_CODES_MAX: usize = 128;
/// How far into an error reply its code may end (Redis looks 32 bytes in).
const ERROR_CODE_SCAN: usize = 32;

/// One command's figures on one core.
#[derive(Clone, Debug, Default)]
pub struct CommandStat {
    pub calls: u64,
    pub nanos: u64,
    pub rejected: u64,
    pub failed: u64,
    /// Run times in nanoseconds, while `latency-tracking` is on.
    pub latency: Option<Box<Histogram<u64>>>,
}

impl CommandStat {
    fn is_empty(&self) -> bool {
        self.calls == 0 && self.nanos == 0 && self.rejected == 0 && self.failed == 0
    }

    /// Adds another core's figures for the same command.
    pub fn merge(&mut self, other: &CommandStat) {
        self.calls += other.calls;
        self.nanos += other.nanos;
        self.rejected += other.rejected;
        self.failed += other.failed;
        if let Some(h) = &other.latency {
            match &mut self.latency {
                Some(mine) => {
                    // Same bounds on every core: adding cannot fail.
                    let _ = mine.add(&**h);
                }
                None => self.latency = Some(h.clone()),
            }
        }
    }
}

fn new_histogram() -> Option<Box<Histogram<u64>>> {
    Histogram::new_with_bounds(1, HISTOGRAM_MAX_NS, HISTOGRAM_SIGFIG)
        .ok()
        .map(Box::new)
}

/// A core's figures of every command, and of its error replies.
pub struct CommandStats {
    /// By [`table::index`].
    by_index: Vec<CommandStat>,
    /// The last spec looked up and its index: pipelines repeat commands.
    last: (usize, usize),
    /// Error replies by code, at most [`ERROR_CODES_MAX`] codes.
    errors: Vec<(Box<[u8]>, u64)>,
    pub error_replies: u64,
}

impl Default for CommandStats {
    fn default() -> Self {
        CommandStats {
            by_index: vec![CommandStat::default(); table::numbered().len()],
            last: (0, 0),
            errors: Vec::new(),
            error_replies: 0,
        }
    }
}

impl CommandStats {
    fn stat(&mut self, spec: &'static CommandSpec) -> &mut CommandStat {
        let address = spec as *const CommandSpec as usize;
        if self.last.0 != address {
            self.last = (address, table::index(spec));
        }
        &mut self.by_index[self.last.1]
    }

    /// Counts a call of `spec`.
    pub fn call(&mut self, spec: &'static CommandSpec) {
        self.stat(spec).calls += 1;
    }

    /// Counts a call of `spec` refused before it ran (arity, OOM, ...).
    pub fn rejected(&mut self, spec: &'static CommandSpec) {
        self.stat(spec).rejected += 1;
    }

    /// Records a run of `spec` that took `nanos`, and whether it answered
    /// an error.
    pub fn ran(&mut self, spec: &'static CommandSpec, nanos: u64, failed: bool, latency: bool) {
        let stat = self.stat(spec);
        stat.nanos += nanos;
        stat.failed += u64::from(failed);
        if latency {
            if stat.latency.is_none() {
                stat.latency = new_histogram();
            }
            if let Some(h) = &mut stat.latency {
                h.saturating_record(nanos.clamp(1, HISTOGRAM_MAX_NS));
            }
        }
    }

    /// Counts an error reply, `message` without its leading '-': its code
    /// is what comes before the first space, as Redis's `afterErrorReply`.
    pub fn error(&mut self, message: &[u8]) {
        self.error_replies += 1;
        let scan = &message[..message.len().min(ERROR_CODE_SCAN - 1)];
        let code = match memchr::memchr(b' ', scan) {
            Some(end) => &message[..end],
            None => b"ERR".as_slice(),
        };
        if let Some(e) = self.errors.iter_mut().find(|(c, _)| &c[..] == code) {
            e.1 += 1;
        } else if self.errors.len() < ERROR_CODES_MAX {
            self.errors.push((code.into(), 1));
        }
    }

    /// Counts the error reply at `reply` (encoded), if it is one.
    fn error_reply(&mut self, reply: &[u8]) -> bool {
        match reply.first() {
            Some(b'-') => self.error(&reply[1..]),
            // A RESP3 blob error: `!<len>\r\n<message>\r\n`.
            Some(b'!') => {
                let body = memchr::memchr(b'\n', reply).map_or(&[][..], |at| &reply[at + 1..]);
                self.error(body);
            }
            _ => return false,
        }
        true
    }

    /// The commands with any figure, by index.
    pub fn snapshot(&self) -> Vec<(usize, CommandStat)> {
        self.by_index
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.is_empty())
            .map(|(i, s)| (i, s.clone()))
            .collect()
    }

    /// Error replies by code.
    pub fn errors(&self) -> &[(Box<[u8]>, u64)] {
        &self.errors
    }

    /// CONFIG RESETSTAT.
    pub fn reset(&mut self) {
        *self = CommandStats::default();
    }
}

/// The monitoring settings a core reads around every command (a copy of
/// the configuration's, refreshed with it).
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// `slowlog-log-slower-than` in microseconds; negative: off.
    pub slowlog_us: i64,
    /// `latency-monitor-threshold` in milliseconds; 0: off.
    pub latency_ms: u64,
    /// `latency-tracking`.
    pub tracking: bool,
}

/// Records a command that ran on this core's shard (`op`, which answered
/// `part` in `out`) and ended now: its time is the node's lap, returned
/// in nanoseconds. A run slow
/// enough for the slow log is left in the node's `slow` cell for whoever
/// logs it (the connection knows the client).
pub fn record(node: &Node, op: &Op, part: &Part, out: &BytesMut) -> u64 {
    let nanos = node.lap();
    let settings = node.monitoring();
    let mut stats = node.cmdstats.borrow_mut();
    let failed = match part {
        Part::Reply(r) => out.get(r.clone()).is_some_and(|b| stats.error_reply(b)),
        _ => false,
    };
    stats.ran(op.spec, nanos, failed, settings.tracking);
    drop(stats);
    observe_duration(node, op.spec, nanos, &settings);
    nanos
}

/// What the slow log and the latency monitor do with a run of `spec` that
/// took `nanos`.
fn observe_duration(node: &Node, spec: &'static CommandSpec, nanos: u64, settings: &Settings) {
    let micros = nanos / 1000;
    if settings.slowlog_us >= 0
        && micros >= settings.slowlog_us as u64
        && !spec.flags.contains(Flags::SKIP_SLOWLOG)
    {
        node.slow.set(Some(micros));
    }
    if settings.latency_ms > 0 && micros / 1000 >= settings.latency_ms {
        let event = if spec.flags.contains(Flags::FAST) {
            "fast-command"
        } else {
            "command"
        };
        node.latency
            .borrow_mut()
            .add(event, micros / 1000, crate::global::unix_ms() / 1000);
    }
}

/// Records a command the connection ran itself (`Exec::Conn`, or one
/// gathered across shards) that answered `reply` and ended now (its time
/// is the node's lap). Returns the duration in microseconds when it is
/// slow enough for the slow log.
pub fn record_here(node: &Node, spec: &'static CommandSpec, reply: &[u8]) -> Option<u64> {
    let nanos = node.lap();
    let settings = node.monitoring();
    let mut stats = node.cmdstats.borrow_mut();
    let failed = stats.error_reply(reply);
    stats.ran(spec, nanos, failed, settings.tracking);
    drop(stats);
    observe_duration(node, spec, nanos, &settings);
    node.slow.take()
}

/// A slow-log entry's arguments as Redis keeps them: at most
/// [`crate::limits::SLOWLOG_ARGS_MAX`], the last of them then saying how
/// many more there were, each cut to [`crate::limits::SLOWLOG_ARG_LEN_MAX`]
/// bytes with a note of how many more it had.
pub fn slowlog_args(argv: &[Bytes]) -> Vec<Bytes> {
    use crate::limits::{SLOWLOG_ARGS_MAX, SLOWLOG_ARG_LEN_MAX};
    let kept = argv.len().min(SLOWLOG_ARGS_MAX);
    let mut args = Vec::with_capacity(kept);
    for (j, a) in argv.iter().take(kept).enumerate() {
        if kept != argv.len() && j == kept - 1 {
            let more = argv.len() - kept + 1;
            args.push(Bytes::from(format!("... ({more} more arguments)")));
        } else if a.len() > SLOWLOG_ARG_LEN_MAX {
            let mut cut = a[..SLOWLOG_ARG_LEN_MAX].to_vec();
            cut.extend_from_slice(
                format!("... ({} more bytes)", a.len() - SLOWLOG_ARG_LEN_MAX).as_bytes(),
            );
            args.push(Bytes::from(cut));
        } else {
            args.push(a.clone());
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str) -> &'static CommandSpec {
        table::lookup(name.as_bytes()).expect("command")
    }

    #[test]
    fn figures_add_up_per_command_and_across_cores() {
        let mut a = CommandStats::default();
        a.call(spec("get"));
        a.call(spec("get"));
        a.ran(spec("get"), 1500, false, true);
        a.ran(spec("get"), 2500, true, true);
        a.rejected(spec("set"));
        let snap = a.snapshot();
        assert_eq!(snap.len(), 2);
        let get = &snap
            .iter()
            .find(|(i, _)| table::numbered()[*i].name == "get")
            .expect("get")
            .1;
        assert_eq!(
            (get.calls, get.nanos, get.failed, get.rejected),
            (2, 4000, 1, 0)
        );
        let mut total = get.clone();
        total.merge(get);
        assert_eq!((total.calls, total.nanos, total.failed), (4, 8000, 2));
        let h = total.latency.expect("histogram");
        assert_eq!(h.len(), 4);
        assert!(h.value_at_quantile(1.0) >= 2500);
        a.reset();
        assert!(a.snapshot().is_empty());
    }

    #[test]
    fn error_codes_are_the_first_word_and_bounded() {
        let mut s = CommandStats::default();
        s.error(b"WRONGTYPE Operation against a key holding the wrong kind of value");
        s.error(b"ERR syntax error");
        s.error(b"ERR value is not an integer or out of range");
        // No space within 32 bytes: counted as ERR, as Redis does.
        s.error(b"NOSPACEINTHEFIRSTTHIRTYTWOBYTES_AT_ALL");
        assert!(s.error_reply(b"!21\r\nSYNTAX invalid syntax\r\n"));
        assert!(!s.error_reply(b"+OK\r\n"));
        let codes: Vec<(&[u8], u64)> = s.errors().iter().map(|(c, n)| (&c[..], *n)).collect();
        assert_eq!(
            codes,
            vec![(&b"WRONGTYPE"[..], 1), (b"ERR", 3), (b"SYNTAX", 1)]
        );
        assert_eq!(s.error_replies, 5);
        for i in 0..2 * ERROR_CODES_MAX {
            s.error(format!("E{i} x").as_bytes());
        }
        assert_eq!(s.errors().len(), ERROR_CODES_MAX);
        assert_eq!(s.error_replies, 5 + 2 * ERROR_CODES_MAX as u64);
    }

    #[test]
    fn slowlog_arguments_are_cut_as_redis_cuts_them() {
        let argv: Vec<Bytes> = (0..40).map(|i| Bytes::from(format!("a{i}"))).collect();
        let args = slowlog_args(&argv);
        assert_eq!(args.len(), 32);
        assert_eq!(&args[30][..], b"a30");
        assert_eq!(&args[31][..], b"... (9 more arguments)");
        let long = vec![Bytes::from(vec![b'x'; 200])];
        let args = slowlog_args(&long);
        assert_eq!(args[0].len(), 128 + "... (72 more bytes)".len());
        assert!(args[0].ends_with(b"... (72 more bytes)"));
    }
}
