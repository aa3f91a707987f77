//! Commands that read several keys and may write others from what they
//! read: SINTER, SUNION, SDIFF, their *STORE forms, SMOVE. Such a command
//! is a [`GatherFn`]: given the values of its keys (its key spec's keys, in
//! order) it writes the reply and returns its writes, as commands (argv)
//! that then run on the shards of their keys. When every key lives on one
//! shard the whole command runs there ([`run_local`]); otherwise the
//! connection runs it inside a transaction holding all its keys: it peeks
//! at every key, calls the function, and sends the writes.

use crate::command::{table, Exec};
use crate::keyspace::ValueRef;
use crate::notify;
use crate::shard::ShardCtx;
use bytes::{Bytes, BytesMut};
use shoal_proto::ReplyWriter;

/// See the module documentation. `sources[i]` is the live value of the
/// command's i-th key, if any.
pub type GatherFn = fn(
    argv: &[Bytes],
    sources: &[Option<ValueRef<'_>>],
    out: &mut ReplyWriter<'_>,
    cx: &GatherCx<'_>,
) -> Writes;

/// What a gathering command may need besides its keys' values.
pub struct GatherCx<'a> {
    /// `proto-max-bulk-len`: also the bound on LCS's transient table.
    pub proto_max_bulk_len: usize,
    /// The live value of a key the command names from what it read (SORT's
    /// BY and GET patterns); see [`CommandSpec::names_keys`].
    ///
    /// [`CommandSpec::names_keys`]: crate::command::CommandSpec
    pub named: &'a dyn Fn(&[u8]) -> Option<ValueRef<'a>>,
}

/// For commands that name no keys.
pub fn no_named_keys(_key: &[u8]) -> Option<ValueRef<'static>> {
    None
}

/// What a gathering command writes.
#[derive(Default)]
pub struct Writes {
    /// Commands (argv) to run, each on the shard of its keys.
    pub commands: Vec<Vec<Bytes>>,
    /// The keyspace events the command reports itself, `(class, event,
    /// key)`, in the client's database (SINTERSTORE reports "sinterstore",
    /// not the DEL and SADD it is made of); its commands then record none.
    /// `None`: the commands' own events are the command's (SMOVE's).
    pub events: Option<Vec<(u32, &'static str, Bytes)>>,
    /// Keys the command read that do not exist ("keymiss" events, which
    /// come before the others).
    pub missed: Vec<Bytes>,
    /// A blocking command's pop found nothing: the command waits (what it
    /// wrote is its answer at the timeout, and inside MULTI).
    pub wait: bool,
}

/// The keys among `keys` whose value in `sources` (same order) is missing.
pub fn missed(keys: &[Bytes], sources: &[Option<ValueRef<'_>>]) -> Vec<Bytes> {
    keys.iter()
        .zip(sources)
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| k.clone())
        .collect()
}

impl Writes {
    /// Nothing to write (a read, or an error).
    pub fn none() -> Writes {
        Writes::default()
    }

    /// One write, which reports its own events.
    pub fn one(command: Vec<Bytes>) -> Writes {
        Writes {
            commands: vec![command],
            ..Writes::none()
        }
    }

    /// The writes of a store command (SINTERSTORE, ZUNIONSTORE, SORT ...
    /// STORE) whose result replaces whatever `dst` held: a DEL, then `fill`
    /// (the command that writes the result into `dst`) unless the result
    /// is empty; and Redis's events: "new" when the key is created, then
    /// `event` of `class`, or "del" when an empty result deletes an existing
    /// key.
    pub fn replace(
        dst: &Bytes,
        existed: bool,
        fill: Option<Vec<Bytes>>,
        class: u32,
        event: &'static str,
    ) -> Writes {
        let mut commands = vec![vec![Bytes::from_static(b"DEL"), dst.clone()]];
        let mut events = Vec::new();
        match fill {
            None if existed => events.push((notify::GENERIC, "del", dst.clone())),
            None => {}
            Some(fill) => {
                commands.push(fill);
                if !existed {
                    events.push((notify::NEW, "new", dst.clone()));
                }
                events.push((class, event, dst.clone()));
            }
        }
        Writes {
            commands,
            events: Some(events),
            ..Writes::none()
        }
    }

    /// Nothing to pop: a blocking command waits.
    pub fn wait() -> Writes {
        Writes {
            wait: true,
            ..Writes::default()
        }
    }
}

/// Runs a gathering command whose keys all live on this shard.
pub fn run_local(
    ctx: &mut ShardCtx<'_>,
    argv: &[Bytes],
    spec_keys: crate::command::KeySpec,
    f: GatherFn,
    out: &mut ReplyWriter<'_>,
) {
    let now = ctx.now_ms;
    let writes = {
        let db = &ctx.shard.dbs[ctx.db];
        let sources: Vec<Option<ValueRef<'_>>> = spec_keys
            .positions(argv)
            .map(|p| db.live(&argv[p], now))
            .collect();
        let named = |key: &[u8]| db.live(key, now);
        let cx = GatherCx {
            proto_max_bulk_len: ctx.node.config().proto_max_bulk_len,
            named: &named,
        };
        f(argv, &sources, out, &cx)
    };
    apply(ctx, &writes);
}

/// Applies a gathering command's writes on this shard, with their events.
pub fn apply(ctx: &mut ShardCtx<'_>, writes: &Writes) {
    for key in &writes.missed {
        ctx.notify(notify::KEY_MISS, "keymiss", key);
    }
    match &writes.events {
        None => {
            for write in &writes.commands {
                run_write(ctx, write);
            }
        }
        Some(events) => {
            let notifier = ctx.node.notifier.clone();
            notifier.muted(|| {
                for write in &writes.commands {
                    run_write(ctx, write);
                }
            });
            for (class, name, key) in events {
                ctx.notify(*class, name, key);
            }
        }
    }
}

/// Runs one write of a gathering command on this shard; its reply is not
/// the client's and is dropped.
pub fn run_write(ctx: &mut ShardCtx<'_>, argv: &[Bytes]) {
    let Some(spec) = argv.first().and_then(|name| table::lookup(name)) else {
        return;
    };
    let mut scratch = BytesMut::new();
    let mut w = ReplyWriter::new(&mut scratch, shoal_proto::Protocol::Resp2);
    match spec.exec {
        Exec::Shard(run) => run(ctx, argv, &mut w),
        Exec::PerKey { part, .. } => {
            part(ctx, argv, &mut w);
        }
        _ => {}
    }
}
