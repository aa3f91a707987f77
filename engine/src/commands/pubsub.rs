//! The pub/sub family. Subscriptions live on the client's own core
//! (`pubsub.rs`); PUBLISH and the PUBSUB introspection run on every core and
//! merge what each knows of its own subscribers.

use crate::command::{Acl, CommandSpec, Exec, Flags};
use crate::connection::ConnCtx;
use crate::dispatch::{merge_sum, Part, Parts};
use crate::pubsub::Kind;
use crate::shard::ShardCtx;
use bytes::Bytes;
use shoal_proto::ReplyWriter;
use std::collections::HashSet;

fn subscribe_generic(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>, kind: Kind) {
    let (word, _) = kind.words();
    for name in &argv[1..] {
        if ctx.state.subs.insert(kind, name) {
            ctx.node
                .pubsub
                .borrow_mut()
                .subscribe(kind, name, &ctx.state.inbox);
        }
        out.push(3);
        out.bulk(word);
        out.bulk(name);
        out.integer(ctx.state.subs.count(kind) as i64);
    }
}

fn unsubscribe_generic(
    ctx: &mut ConnCtx<'_>,
    argv: &[Bytes],
    out: &mut ReplyWriter<'_>,
    kind: Kind,
) {
    let (_, word) = kind.words();
    let names: Vec<Bytes> = if argv.len() > 1 {
        argv[1..].to_vec()
    } else {
        ctx.state.subs.names(kind)
    };
    if names.is_empty() {
        out.push(3);
        out.bulk(word);
        out.null();
        out.integer(ctx.state.subs.count(kind) as i64);
        return;
    }
    for name in &names {
        if ctx.state.subs.remove(kind, name) {
            ctx.node
                .pubsub
                .borrow_mut()
                .unsubscribe(kind, name, ctx.state.id);
        }
        out.push(3);
        out.bulk(word);
        out.bulk(name);
        out.integer(ctx.state.subs.count(kind) as i64);
    }
}

/// SUBSCRIBE channel [channel ...]
fn subscribe(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    subscribe_generic(ctx, argv, out, Kind::Channel);
}
/// UNSUBSCRIBE [channel [channel ...]]
fn unsubscribe(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    unsubscribe_generic(ctx, argv, out, Kind::Channel);
}
/// PSUBSCRIBE pattern [pattern ...]
fn psubscribe(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    subscribe_generic(ctx, argv, out, Kind::Pattern);
}
/// PUNSUBSCRIBE [pattern [pattern ...]]
fn punsubscribe(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    unsubscribe_generic(ctx, argv, out, Kind::Pattern);
}
/// SSUBSCRIBE shardchannel [shardchannel ...]
fn ssubscribe(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    subscribe_generic(ctx, argv, out, Kind::ShardChannel);
}
/// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
fn sunsubscribe(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    unsubscribe_generic(ctx, argv, out, Kind::ShardChannel);
}

fn publish_generic(ctx: &mut ShardCtx<'_>, argv: &[Bytes], sharded: bool) -> Part {
    let limit = ctx.node.config().output_limit_pubsub;
    let received = ctx
        .node
        .pubsub
        .borrow()
        .publish(&argv[1], &argv[2], sharded, limit, ctx.now_ms);
    Part::Int(received as i64)
}

/// PUBLISH channel message — this core's subscribers; the counts are summed.
fn publish(ctx: &mut ShardCtx<'_>, argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    publish_generic(ctx, argv, false)
}
/// SPUBLISH shardchannel message
fn spublish(ctx: &mut ShardCtx<'_>, argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    publish_generic(ctx, argv, true)
}

/// This core's channel names of `kind` matching argv[2] (if given).
fn names_part(
    ctx: &mut ShardCtx<'_>,
    argv: &[Bytes],
    out: &mut ReplyWriter<'_>,
    kind: Kind,
) -> Part {
    let names = ctx
        .node
        .pubsub
        .borrow()
        .names(kind, argv.get(2).map(|p| &p[..]));
    let mut items = Vec::with_capacity(names.len());
    for name in names {
        let start = out.buf().len();
        out.bulk(&name);
        items.push(start..out.buf().len());
    }
    Part::Items(items)
}

/// This core's subscriber counts of the channels argv[2..].
fn counts_part(ctx: &mut ShardCtx<'_>, argv: &[Bytes], kind: Kind) -> Part {
    let registry = ctx.node.pubsub.borrow();
    Part::Counts(
        argv[2..]
            .iter()
            .map(|c| registry.count(kind, c) as i64)
            .collect(),
    )
}

/// PUBSUB CHANNELS [pattern]
fn channels(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) -> Part {
    names_part(ctx, argv, out, Kind::Channel)
}
/// PUBSUB SHARDCHANNELS [pattern]
fn shardchannels(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) -> Part {
    names_part(ctx, argv, out, Kind::ShardChannel)
}
/// PUBSUB NUMPAT — this core's patterns; merged into the count of
/// distinct ones.
fn numpat(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) -> Part {
    let all = [argv[0].clone(), argv[1].clone()];
    names_part(ctx, &all, out, Kind::Pattern)
}
/// PUBSUB NUMSUB [channel ...]
fn numsub(ctx: &mut ShardCtx<'_>, argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    counts_part(ctx, argv, Kind::Channel)
}
/// PUBSUB SHARDNUMSUB [shardchannel ...]
fn shardnumsub(ctx: &mut ShardCtx<'_>, argv: &[Bytes], _out: &mut ReplyWriter<'_>) -> Part {
    counts_part(ctx, argv, Kind::ShardChannel)
}

/// The distinct encoded names of every core's part.
fn distinct<'a>(parts: &Parts<'a>) -> Vec<&'a [u8]> {
    let mut seen = HashSet::new();
    let mut names = Vec::new();
    for (sink, part) in parts.iter() {
        if let Part::Items(items) = part {
            for r in items {
                let name = sink.bytes(r);
                if seen.insert(name) {
                    names.push(name);
                }
            }
        }
    }
    names
}

/// Merge for CHANNELS and SHARDCHANNELS: a channel with subscribers on
/// several cores is listed once.
fn merge_names(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    let names = distinct(parts);
    out.array(names.len());
    for name in names {
        out.buf().extend_from_slice(name);
    }
}

/// Merge for NUMPAT: the number of distinct patterns.
fn merge_count_names(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    out.integer(distinct(parts).len() as i64);
}

/// Merge for NUMSUB and SHARDNUMSUB: channel, total subscribers, ...
fn merge_counts(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    let channels = &parts.argv[2..];
    let mut totals = vec![0i64; channels.len()];
    for (_, part) in parts.iter() {
        if let Part::Counts(counts) = part {
            for (t, c) in totals.iter_mut().zip(counts) {
                *t = t.saturating_add(*c);
            }
        }
    }
    out.array(channels.len() * 2);
    for (channel, total) in channels.iter().zip(totals) {
        out.bulk(channel);
        out.integer(total);
    }
}

/// PUBSUB HELP
fn pubsub_help(_ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let lines: &[&str] = &[
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ];
    super::reply_help(out, lines);
}

const SUB_FLAGS: Flags = Flags::PUBSUB
    .or(Flags::NOSCRIPT)
    .or(Flags::LOADING)
    .or(Flags::STALE);
const PUB_FLAGS: Flags = Flags::PUBSUB
    .or(Flags::LOADING)
    .or(Flags::STALE)
    .or(Flags::FAST);
const INTROSPECT: Flags = Flags::PUBSUB.or(Flags::LOADING).or(Flags::STALE);

#[rustfmt::skip]
static PUBSUB_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("pubsub|channels", -2, Exec::AllShards { part: channels, merge: merge_names })
        .flags(INTROSPECT)
        .doc("pubsub", "2.8.0", "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)", "List active channels"),
    CommandSpec::new("pubsub|numsub", -2, Exec::AllShards { part: numsub, merge: merge_counts })
        .flags(INTROSPECT)
        .doc("pubsub", "2.8.0", "O(N) for the NUMSUB subcommand, where N is the number of requested channels", "Get the count of subscribers for channels"),
    CommandSpec::new("pubsub|numpat", 2, Exec::AllShards { part: numpat, merge: merge_count_names })
        .flags(INTROSPECT)
        .doc("pubsub", "2.8.0", "O(1)", "Get the count of unique patterns pattern subscriptions"),
    CommandSpec::new("pubsub|shardchannels", -2, Exec::AllShards { part: shardchannels, merge: merge_names })
        .flags(INTROSPECT)
        .doc("pubsub", "7.0.0", "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).", "List active shard channels"),
    CommandSpec::new("pubsub|shardnumsub", -2, Exec::AllShards { part: shardnumsub, merge: merge_counts })
        .flags(INTROSPECT)
        .doc("pubsub", "7.0.0", "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels", "Get the count of subscribers for shard channels"),
    CommandSpec::new("pubsub|help", 2, Exec::Conn(pubsub_help))
        .flags(Flags::LOADING.or(Flags::STALE))
        .doc("pubsub", "6.2.0", "O(1)", "Show helpful text about the different subcommands"),
];

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("subscribe", -2, Exec::Conn(subscribe))
        .flags(SUB_FLAGS)
        .doc("pubsub", "2.0.0", "O(N) where N is the number of channels to subscribe to.", "Listen for messages published to the given channels"),
    CommandSpec::new("unsubscribe", -1, Exec::Conn(unsubscribe))
        .flags(SUB_FLAGS)
        .doc("pubsub", "2.0.0", "O(N) where N is the number of clients already subscribed to a channel.", "Stop listening for messages posted to the given channels"),
    CommandSpec::new("psubscribe", -2, Exec::Conn(psubscribe))
        .flags(SUB_FLAGS)
        .doc("pubsub", "2.0.0", "O(N) where N is the number of patterns the client is already subscribed to.", "Listen for messages published to channels matching the given patterns"),
    CommandSpec::new("punsubscribe", -1, Exec::Conn(punsubscribe))
        .flags(SUB_FLAGS)
        .doc("pubsub", "2.0.0", "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).", "Stop listening for messages posted to channels matching the given patterns"),
    CommandSpec::new("ssubscribe", -2, Exec::Conn(ssubscribe))
        .flags(SUB_FLAGS)
        .keys(1, -1, 1)
        .doc("pubsub", "7.0.0", "O(N) where N is the number of shard channels to subscribe to.", "Listen for messages published to the given shard channels"),
    CommandSpec::new("sunsubscribe", -1, Exec::Conn(sunsubscribe))
        .flags(SUB_FLAGS)
        .keys(1, -1, 1)
        .doc("pubsub", "7.0.0", "O(N) where N is the number of clients already subscribed to a shard channel.", "Stop listening for messages posted to the given shard channels"),
    CommandSpec::new("publish", 3, Exec::AllShards { part: publish, merge: merge_sum })
        .flags(PUB_FLAGS)
        .doc("pubsub", "2.0.0", "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).", "Post a message to a channel"),
    CommandSpec::new("spublish", 3, Exec::AllShards { part: spublish, merge: merge_sum })
        .flags(PUB_FLAGS)
        .keys(1, 1, 1)
        .doc("pubsub", "7.0.0", "O(N) where N is the number of clients subscribed to the receiving shard channel.", "Post a message to a shard channel"),
    CommandSpec::new("pubsub", -2, Exec::Container)
        .acl(Acl::NONE)
        .doc("pubsub", "2.8.0", "Depends on subcommand.", "A container for Pub/Sub commands")
        .subcommands(PUBSUB_SUBCOMMANDS),
];
