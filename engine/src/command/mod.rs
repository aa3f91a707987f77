//! The command model: one declarative [`CommandSpec`] per command, written in
//! the family file that implements it (see `commands/`), gathered into one
//! table by [`table`]. Dispatch answers unknown commands, wrong arity and
//! key routing from the spec before any handler runs; `COMMAND` is generated
//! from the same specs.

pub mod args;
pub mod error;
pub mod long_double;
pub mod reference;
pub mod table;

pub use args::ArgCursor;
pub use error::{arity_error, CmdError};

use crate::connection::ConnCtx;
use crate::dispatch::{Part, Parts};
use crate::shard::ShardCtx;
use bytes::Bytes;
use shoal_proto::ReplyWriter;

/// Runs on the connection's core, touches no keyspace (PING, HELLO, CLIENT SETNAME, ...).
pub type ConnFn = fn(&mut ConnCtx<'_>, &[Bytes], &mut ReplyWriter<'_>);
/// Runs to completion on the shard that owns every key of the command and
/// writes the whole reply.
pub type ShardFn = fn(&mut ShardCtx<'_>, &[Bytes], &mut ReplyWriter<'_>);
/// Runs on one shard over that shard's share of the command (its keys, or
/// its whole keyspace) and returns a part that a [`MergeFn`] combines.
pub type PartFn = fn(&mut ShardCtx<'_>, &[Bytes], &mut ReplyWriter<'_>) -> Part;
/// Combines the parts of a split command, in request order, into its reply.
pub type MergeFn = fn(&mut Parts<'_>, &mut ReplyWriter<'_>);
/// Picks the shard for a command that is routed by an argument other than a
/// key (SCAN's cursor). Gets the shard count.
pub type RouteFn = fn(&[Bytes], usize) -> Result<usize, CmdError>;

/// How a command executes.
#[derive(Clone, Copy)]
pub enum Exec {
    /// On the connection's core, no shard involved.
    Conn(ConnFn),
    /// On the one shard owning its keys (a command with no keys runs on the
    /// connection's own shard).
    Shard(ShardFn),
    /// Split by key: each shard gets the keys it owns (and the other
    /// arguments as they are), and the parts are merged.
    PerKey { part: PartFn, merge: MergeFn },
    /// Sent to every shard; the parts are merged.
    AllShards { part: PartFn, merge: MergeFn },
    /// Like `PerKey`, for a write that happens only if none of its keys
    /// exists (MSETNX). A part checks its own keys; across shards the
    /// connection first checks every key under the transaction's locks.
    Guarded { part: PartFn, merge: MergeFn },
    /// Sent to the shard `route` names.
    Routed { route: RouteFn, run: ShardFn },
    /// A container such as CLIENT: the subcommand named by the second
    /// argument is what runs.
    Container,
    /// Moves or copies one key's value to another key (RENAME, COPY): on
    /// the shard when both keys live there, otherwise as a transaction the
    /// connection runs over both shards.
    Transfer(crate::txn::transfer::ParseFn),
    /// Reads its keys wherever they live and writes from what it read
    /// (SINTERSTORE, SMOVE, ...): on the shard when all its keys live
    /// there, otherwise as a transaction the connection runs.
    Gather(crate::txn::gather::GatherFn),
    /// MULTI, EXEC, DISCARD, WATCH, UNWATCH: the connection runs them, as
    /// the coordinator of its transaction.
    Tx(TxCmd),
    /// A blocking command (BLPOP, ...): a gathering command that waits,
    /// outside a transaction, until one of its keys holds something (see
    /// `blocking.rs`); inside one, it answers at once as at its timeout.
    Blocking(crate::blocking::BlockSpec),
}

/// The commands that drive a connection's transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxCmd {
    Multi,
    Exec,
    Discard,
    Watch,
    Unwatch,
}

/// Command flags, as Redis names them in `COMMAND INFO`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flags(u32);

impl Flags {
    pub const NONE: Flags = Flags(0);
    /// May modify the keyspace.
    pub const WRITE: Flags = Flags(1 << 0);
    /// Only reads data.
    pub const READONLY: Flags = Flags(1 << 1);
    /// May grow memory: refused when over maxmemory with noeviction.
    pub const DENYOOM: Flags = Flags(1 << 2);
    /// Administrative: configuration, shutdown, other clients.
    pub const ADMIN: Flags = Flags(1 << 3);
    /// Pub/sub related.
    pub const PUBSUB: Flags = Flags(1 << 4);
    /// Not allowed from scripts.
    pub const NOSCRIPT: Flags = Flags(1 << 5);
    /// May block the client.
    pub const BLOCKING: Flags = Flags(1 << 6);
    /// Allowed while loading the dataset.
    pub const LOADING: Flags = Flags(1 << 7);
    /// Allowed on a stale replica.
    pub const STALE: Flags = Flags(1 << 8);
    /// Not shown by MONITOR.
    pub const SKIP_MONITOR: Flags = Flags(1 << 9);
    /// Not logged to the slow log.
    pub const SKIP_SLOWLOG: Flags = Flags(1 << 10);
    /// O(1) or O(log n) and never delays the server.
    pub const FAST: Flags = Flags(1 << 11);
    /// Allowed before authentication.
    pub const NO_AUTH: Flags = Flags(1 << 12);
    /// May replicate even if it does not write (e.g. expiry).
    pub const MAY_REPLICATE: Flags = Flags(1 << 13);
    /// Not allowed inside MULTI.
    pub const NO_MULTI: Flags = Flags(1 << 14);
    /// Allowed while a script is busy.
    pub const ALLOW_BUSY: Flags = Flags(1 << 15);

    /// Every flag with its Redis name, in Redis's order.
    pub const NAMES: &'static [(Flags, &'static str)] = &[
        (Flags::WRITE, "write"),
        (Flags::READONLY, "readonly"),
        (Flags::DENYOOM, "denyoom"),
        (Flags::ADMIN, "admin"),
        (Flags::PUBSUB, "pubsub"),
        (Flags::NOSCRIPT, "noscript"),
        (Flags::BLOCKING, "blocking"),
        (Flags::LOADING, "loading"),
        (Flags::STALE, "stale"),
        (Flags::SKIP_MONITOR, "skip_monitor"),
        (Flags::SKIP_SLOWLOG, "skip_slowlog"),
        (Flags::FAST, "fast"),
        (Flags::NO_AUTH, "no_auth"),
        (Flags::MAY_REPLICATE, "may_replicate"),
        (Flags::NO_MULTI, "no_multi"),
        (Flags::ALLOW_BUSY, "allow_busy"),
    ];

    /// The Redis names of the flags set, in Redis's order.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Flags::NAMES
            .iter()
            .filter(move |(f, _)| *f != Flags::NONE && self.contains(*f))
            .map(|(_, n)| *n)
    }

    pub const fn or(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
    pub const fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
}

/// ACL categories, as Redis names them (without the `@`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Acl(u32);

impl Acl {
    pub const NONE: Acl = Acl(0);
    pub const KEYSPACE: Acl = Acl(1 << 0);
    pub const READ: Acl = Acl(1 << 1);
    pub const WRITE: Acl = Acl(1 << 2);
    pub const STRING: Acl = Acl(1 << 3);
    pub const ADMIN: Acl = Acl(1 << 4);
    pub const FAST: Acl = Acl(1 << 5);
    pub const SLOW: Acl = Acl(1 << 6);
    pub const DANGEROUS: Acl = Acl(1 << 7);
    pub const CONNECTION: Acl = Acl(1 << 8);
    pub const BLOCKING: Acl = Acl(1 << 9);
    pub const PUBSUB: Acl = Acl(1 << 10);
    pub const TRANSACTION: Acl = Acl(1 << 11);
    pub const SET: Acl = Acl(1 << 12);
    pub const HASH: Acl = Acl(1 << 13);
    pub const SORTEDSET: Acl = Acl(1 << 14);
    pub const LIST: Acl = Acl(1 << 15);
    pub const BITMAP: Acl = Acl(1 << 16);
    pub const HYPERLOGLOG: Acl = Acl(1 << 17);
    pub const GEO: Acl = Acl(1 << 18);
    pub const STREAM: Acl = Acl(1 << 19);
    pub const SCRIPTING: Acl = Acl(1 << 20);

    /// Every category with its name, in the order Redis 7.0 lists them
    /// (`ACLCommandCategories` in redis/src/acl.c).
    pub const NAMES: &'static [(Acl, &'static str)] = &[
        (Acl::KEYSPACE, "keyspace"),
        (Acl::READ, "read"),
        (Acl::WRITE, "write"),
        (Acl::SET, "set"),
        (Acl::SORTEDSET, "sortedset"),
        (Acl::LIST, "list"),
        (Acl::HASH, "hash"),
        (Acl::STRING, "string"),
        (Acl::BITMAP, "bitmap"),
        (Acl::HYPERLOGLOG, "hyperloglog"),
        (Acl::GEO, "geo"),
        (Acl::STREAM, "stream"),
        (Acl::PUBSUB, "pubsub"),
        (Acl::ADMIN, "admin"),
        (Acl::FAST, "fast"),
        (Acl::SLOW, "slow"),
        (Acl::BLOCKING, "blocking"),
        (Acl::DANGEROUS, "dangerous"),
        (Acl::CONNECTION, "connection"),
        (Acl::TRANSACTION, "transaction"),
        (Acl::SCRIPTING, "scripting"),
    ];

    /// The Redis names (without `@`) of the categories set.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        Acl::NAMES
            .iter()
            .filter(move |(a, _)| self.contains(*a))
            .map(|(_, n)| *n)
    }

    pub const fn or(self, other: Acl) -> Acl {
        Acl(self.0 | other.0)
    }
    pub const fn contains(self, other: Acl) -> bool {
        self.0 & other.0 == other.0
    }
}

/// Finds a key in a request's arguments (its position), as Redis's
/// `getkeys_proc` does for SORT.
pub type FindKeyFn = fn(&[Bytes]) -> Option<usize>;

/// Where the keys are, Redis's (first, last, step) convention: positions
/// count the command name as 0; `last` negative counts from the end; all
/// zero means no keys.
#[derive(Clone, Copy, Debug)]
pub struct KeySpec {
    pub first: i32,
    pub last: i32,
    pub step: i32,
    /// When not 0: the argument at this position counts the keys, which
    /// follow it (SINTERCARD numkeys key ...); first, last and step are 0,
    /// and COMMAND shows the command as `movablekeys`.
    pub numkeys: i32,
    /// A key found by scanning the arguments (SORT's STORE destination),
    /// after the others; COMMAND shows the command as `movablekeys`.
    pub found_by: Option<FindKeyFn>,
}

impl KeySpec {
    pub const NONE: KeySpec = KeySpec {
        first: 0,
        last: 0,
        step: 0,
        numkeys: 0,
        found_by: None,
    };

    /// Whether commands with this spec take any key at all.
    pub fn has_keys(&self) -> bool {
        (self.first > 0 && self.step > 0) || self.numkeys > 0
    }

    /// The argument positions holding keys in `argv`. Empty when the spec
    /// has no keys, or `argv` is too short or declares a bad key count (the
    /// handler answers those).
    pub fn positions(&self, argv: &[Bytes]) -> KeyPositions {
        let counted = match self.numkeys {
            0 => 0..0,
            at => {
                let at = at as usize;
                let count = argv
                    .get(at)
                    .and_then(|n| args::parse_i64(n))
                    .and_then(|n| usize::try_from(n).ok());
                match count {
                    Some(n) if n > 0 && n < argv.len() - at => at + 1..at + 1 + n,
                    _ => 0..0,
                }
            }
        };
        let found = self.found_by.and_then(|f| f(argv));
        self.fixed_positions(argv.len()).chain(counted).chain(found)
    }

    /// Whether where the keys are depends on the arguments.
    pub fn movable(&self) -> bool {
        self.numkeys > 0 || self.found_by.is_some()
    }

    /// The positions the (first, last, step) part names.
    fn fixed_positions(&self, argc: usize) -> std::iter::StepBy<std::ops::Range<usize>> {
        if self.first <= 0 || self.step <= 0 {
            return (0..0).step_by(1);
        }
        let first = self.first as usize;
        let last = if self.last < 0 {
            let back = (-self.last) as usize;
            match argc.checked_sub(back) {
                Some(l) => l,
                None => return (0..0).step_by(1),
            }
        } else {
            self.last as usize
        };
        if first >= argc || last < first {
            return (0..0).step_by(1);
        }
        (first..last.min(argc - 1) + 1).step_by(self.step as usize)
    }
}

/// The argument positions holding a request's keys: the (first, last,
/// step) ones, then the counted ones, then the one found by scanning.
pub type KeyPositions = std::iter::Chain<
    std::iter::Chain<std::iter::StepBy<std::ops::Range<usize>>, std::ops::Range<usize>>,
    std::option::IntoIter<usize>,
>;

/// One command: everything dispatch, `COMMAND` and the docs need.
pub struct CommandSpec {
    /// Lower-case name; a subcommand's is `parent|sub` as Redis writes it.
    pub name: &'static str,
    /// Redis convention: positive is exact, negative is a minimum, counting the name.
    pub arity: i32,
    pub flags: Flags,
    pub keys: KeySpec,
    /// Categories beyond those the flags imply (see [`CommandSpec::acl_categories`]).
    pub acl: Acl,
    pub exec: Exec,
    pub group: &'static str,
    pub since: &'static str,
    pub summary: &'static str,
    pub complexity: &'static str,
    pub subcommands: &'static [CommandSpec],
    /// Whether a request reads keys named by data (SORT's BY and GET
    /// patterns), which may live on any shard: with several shards it runs
    /// as a transaction holding every shard, and a gathering command gets
    /// them through `GatherCx::named`.
    pub names_keys: Option<fn(&[Bytes]) -> bool>,
}

impl CommandSpec {
    /// Whether shards run parts of it that a merge combines.
    pub fn is_split(&self) -> bool {
        matches!(
            self.exec,
            Exec::PerKey { .. } | Exec::AllShards { .. } | Exec::Guarded { .. }
        )
    }

    /// A command with no flags, no keys and no documentation yet; chain the
    /// builders below in the family's table.
    pub const fn new(name: &'static str, arity: i32, exec: Exec) -> CommandSpec {
        CommandSpec {
            name,
            arity,
            flags: Flags::NONE,
            keys: KeySpec::NONE,
            acl: Acl::NONE,
            exec,
            group: "generic",
            since: "1.0.0",
            summary: "",
            complexity: "",
            subcommands: &[],
            names_keys: None,
        }
    }
    pub const fn flags(mut self, flags: Flags) -> Self {
        self.flags = flags;
        self
    }
    pub const fn keys(mut self, first: i32, last: i32, step: i32) -> Self {
        self.keys = KeySpec {
            first,
            last,
            step,
            numkeys: 0,
            found_by: None,
        };
        self
    }
    /// Keys counted by the argument at `at`, following it (after the
    /// keys [`CommandSpec::keys`] names, if any: ZUNIONSTORE's destination).
    pub const fn keys_counted_at(mut self, at: i32) -> Self {
        self.keys.numkeys = at;
        self
    }
    /// A key found by scanning the arguments (see [`KeySpec::found_by`]).
    pub const fn keys_found_by(mut self, f: FindKeyFn) -> Self {
        self.keys.found_by = Some(f);
        self
    }
    /// The command reads keys it names from what it read, when `f` says
    /// so for a request (SORT's BY and GET patterns): see
    /// [`CommandSpec::names_keys`].
    pub const fn names_keys(mut self, f: fn(&[Bytes]) -> bool) -> Self {
        self.names_keys = Some(f);
        self
    }
    pub const fn acl(mut self, acl: Acl) -> Self {
        self.acl = acl;
        self
    }
    pub const fn doc(
        mut self,
        group: &'static str,
        since: &'static str,
        complexity: &'static str,
        summary: &'static str,
    ) -> Self {
        self.group = group;
        self.since = since;
        self.complexity = complexity;
        self.summary = summary;
        self
    }
    pub const fn subcommands(mut self, subs: &'static [CommandSpec]) -> Self {
        self.subcommands = subs;
        self
    }

    /// Whether request `argv` reads keys named by data (see
    /// [`CommandSpec::names_keys`]).
    pub fn reads_named_keys(&self, argv: &[Bytes]) -> bool {
        self.names_keys.is_some_and(|names| names(argv))
    }

    /// Whether `argc` arguments (counting the name) satisfy the arity:
    /// and, for commands whose keys run to the end in steps (MSET's key
    /// value pairs), whether the arguments come in whole steps.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let count_ok = if self.arity >= 0 {
            argc == self.arity as usize
        } else {
            argc >= (-self.arity) as usize
        };
        let k = self.keys;
        let steps_ok = k.last != -1
            || k.step <= 1
            || argc
                .checked_sub(k.first as usize)
                .is_some_and(|n| n.is_multiple_of(k.step as usize));
        count_ok && steps_ok
    }

    /// The name after `parent|`, or the whole name.
    pub fn short_name(&self) -> &'static str {
        match self.name.split_once('|') {
            Some((_, sub)) => sub,
            None => self.name,
        }
    }

    /// The ACL categories: the declared ones plus those Redis derives from
    /// the flags (`setImplicitACLCategories` in redis/src/server.c).
    pub fn acl_categories(&self) -> Acl {
        let mut acl = self.acl;
        if self.flags.contains(Flags::WRITE) {
            acl = acl.or(Acl::WRITE);
        }
        if self.flags.contains(Flags::READONLY) {
            acl = acl.or(Acl::READ);
        }
        if self.flags.contains(Flags::ADMIN) {
            acl = acl.or(Acl::ADMIN).or(Acl::DANGEROUS);
        }
        if self.flags.contains(Flags::PUBSUB) {
            acl = acl.or(Acl::PUBSUB);
        }
        if self.flags.contains(Flags::FAST) {
            acl = acl.or(Acl::FAST);
        }
        if self.flags.contains(Flags::BLOCKING) {
            acl = acl.or(Acl::BLOCKING);
        }
        if !acl.contains(Acl::FAST) {
            acl = acl.or(Acl::SLOW);
        }
        acl
    }
}
