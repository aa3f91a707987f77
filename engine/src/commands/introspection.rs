//! COMMAND and its subcommands, generated from the command table.

use crate::command::{table, Acl, CommandSpec, Exec, Flags};
use crate::connection::ConnCtx;
use bytes::Bytes;
use shoal_proto::ReplyWriter;

/// A key spec's flags: read-write or read-only, as the command's flags say.
fn write_key_flags(spec: &CommandSpec, out: &mut ReplyWriter<'_>) {
    let rw: &[&str] = if spec.flags.contains(Flags::WRITE) {
        &["RW", "UPDATE"]
    } else {
        &["RO", "ACCESS"]
    };
    out.set(rw.len());
    for f in rw {
        out.simple(f.as_bytes());
    }
}

/// The one key spec of `spec` up to its find_keys type, whose name and spec
/// the caller writes: flags, then begin_search at index `index`.
fn write_key_spec(spec: &CommandSpec, index: i32, out: &mut ReplyWriter<'_>) {
    out.array(1);
    out.map(3);
    out.bulk(b"flags");
    write_key_flags(spec, out);
    out.bulk(b"begin_search");
    out.map(2);
    out.bulk(b"type");
    out.bulk(b"index");
    out.bulk(b"spec");
    out.map(1);
    out.bulk(b"index");
    out.integer(i64::from(index));
    out.bulk(b"find_keys");
    out.map(2);
    out.bulk(b"type");
}

/// One command's COMMAND INFO entry, Redis 7's ten fields.
fn write_info(spec: &CommandSpec, out: &mut ReplyWriter<'_>) {
    out.array(10);
    out.bulk(spec.name.as_bytes());
    out.integer(i64::from(spec.arity));
    let mut flags: Vec<&str> = spec.flags.names().collect();
    if spec.keys.movable() {
        flags.push("movablekeys");
    }
    out.set(flags.len());
    for f in flags {
        out.simple(f.as_bytes());
    }
    out.integer(i64::from(spec.keys.first));
    out.integer(i64::from(spec.keys.last));
    out.integer(i64::from(spec.keys.step));
    let cats: Vec<&str> = spec.acl_categories().names().collect();
    out.set(cats.len());
    for c in cats {
        out.simple(format!("@{c}").as_bytes());
    }
    out.set(0); // tips
    let k = spec.keys;
    if k.numkeys > 0 {
        write_key_spec(spec, k.numkeys, out);
        out.bulk(b"keynum");
        out.bulk(b"spec");
        out.map(3);
        out.bulk(b"keynumidx");
        out.integer(0);
        out.bulk(b"firstkey");
        out.integer(1);
        out.bulk(b"keystep");
        out.integer(1);
    } else if k.first > 0 {
        write_key_spec(spec, k.first, out);
        out.bulk(b"range");
        out.bulk(b"spec");
        out.map(3);
        out.bulk(b"lastkey");
        out.integer(if k.last < 0 {
            i64::from(k.last)
        } else {
            i64::from(k.last - k.first)
        });
        out.bulk(b"keystep");
        out.integer(i64::from(k.step));
        out.bulk(b"limit");
        out.integer(0);
    } else {
        out.array(0);
    }
    out.array(spec.subcommands.len());
    for sub in spec.subcommands {
        write_info(sub, out);
    }
}

/// One command's COMMAND DOCS entry.
fn write_docs(spec: &CommandSpec, out: &mut ReplyWriter<'_>) {
    let subs = !spec.subcommands.is_empty();
    out.map(if subs { 5 } else { 4 });
    out.bulk(b"summary");
    out.bulk(spec.summary.as_bytes());
    out.bulk(b"since");
    out.bulk(spec.since.as_bytes());
    out.bulk(b"group");
    out.bulk(spec.group.as_bytes());
    out.bulk(b"complexity");
    out.bulk(spec.complexity.as_bytes());
    if subs {
        out.bulk(b"subcommands");
        out.map(spec.subcommands.len());
        for sub in spec.subcommands {
            out.bulk(sub.name.as_bytes());
            write_docs(sub, out);
        }
    }
}

/// Finds a command or `parent|sub` by name.
fn find(name: &[u8]) -> Option<&'static CommandSpec> {
    match name.iter().position(|&b| b == b'|') {
        Some(i) => table::lookup_sub(table::lookup(&name[..i])?, &name[i + 1..]),
        None => table::lookup(name),
    }
}

/// COMMAND
fn command(_ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let all = table::all();
    out.array(all.len());
    for spec in all {
        write_info(spec, out);
    }
}

/// COMMAND COUNT
fn command_count(_ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    out.integer(table::all().len() as i64);
}

/// COMMAND INFO [command-name ...]
fn command_info(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    if argv.len() == 2 {
        return command(ctx, argv, out);
    }
    out.array(argv.len() - 2);
    for name in &argv[2..] {
        match find(name) {
            Some(spec) => write_info(spec, out),
            None => out.null_array(),
        }
    }
}

/// COMMAND DOCS [command-name ...]
fn command_docs(_ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let specs: Vec<&CommandSpec> = if argv.len() == 2 {
        table::all().to_vec()
    } else {
        argv[2..].iter().filter_map(|n| find(n)).collect()
    };
    out.map(specs.len());
    for spec in specs {
        out.bulk(spec.name.as_bytes());
        write_docs(spec, out);
    }
}

/// COMMAND LIST — every command's name, subcommands included.
fn command_list(_ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    if argv.len() > 2 {
        return out.error(b"ERR FILTERBY is not supported yet");
    }
    let names: Vec<&str> = table::all()
        .iter()
        .flat_map(|c| std::iter::once(c.name).chain(c.subcommands.iter().map(|s| s.name)))
        .collect();
    out.array(names.len());
    for n in names {
        out.bulk(n.as_bytes());
    }
}

/// COMMAND GETKEYS command [arg ...]
fn command_getkeys(_ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let args = &argv[2..];
    let Some(mut spec) = table::lookup(&args[0]) else {
        return out.error(b"ERR Invalid command specified");
    };
    if !spec.subcommands.is_empty() && args.len() >= 2 {
        match table::lookup_sub(spec, &args[1]) {
            Some(s) => spec = s,
            None => return out.error(b"ERR Invalid command specified"),
        }
    }
    // Redis checks for keys before the arity of the command asked about.
    if !spec.keys.has_keys() {
        return out.error(b"ERR The command has no key arguments");
    }
    if !spec.arity_ok(args.len()) {
        return out.error(b"ERR Invalid number of arguments specified for command");
    }
    let positions: Vec<usize> = spec.keys.positions(args).collect();
    if positions.is_empty() && spec.keys.numkeys > 0 {
        // A key count that is not a positive number of the arguments given.
        return out.error(b"ERR Invalid arguments specified for command");
    }
    if positions.is_empty() {
        return out.error(b"ERR The command has no key arguments");
    }
    out.array(positions.len());
    for p in positions {
        out.bulk(&args[p]);
    }
}

/// COMMAND HELP
fn command_help(_ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let lines: &[&str] = &[
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all commands.",
        "COUNT",
        "    Return the total number of commands in this server.",
        "LIST",
        "    Return a list of all commands in this server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple commands.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple commands.",
        "GETKEYS <full-command>",
        "    Return the keys from a full command.",
        "HELP",
        "    Prints this help.",
    ];
    super::reply_help(out, lines);
}

const INTROSPECT: Flags = Flags::LOADING.or(Flags::STALE);

static COMMAND_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("command|count", 2, Exec::Conn(command_count))
        .flags(INTROSPECT)
        .acl(Acl::CONNECTION)
        .doc("server", "2.8.13", "O(1)", "Returns a count of commands."),
    CommandSpec::new("command|info", -2, Exec::Conn(command_info))
        .flags(INTROSPECT)
        .acl(Acl::CONNECTION)
        .doc(
            "server",
            "2.8.13",
            "O(N) where N is the number of commands to look up",
            "Returns information about one, multiple or all commands.",
        ),
    CommandSpec::new("command|docs", -2, Exec::Conn(command_docs))
        .flags(INTROSPECT)
        .acl(Acl::CONNECTION)
        .doc(
            "server",
            "7.0.0",
            "O(N) where N is the number of commands to look up",
            "Returns documentary information about one, multiple or all commands.",
        ),
    CommandSpec::new("command|list", -2, Exec::Conn(command_list))
        .flags(INTROSPECT)
        .acl(Acl::CONNECTION)
        .doc(
            "server",
            "7.0.0",
            "O(N) where N is the total number of Redis commands",
            "Returns a list of command names.",
        ),
    CommandSpec::new("command|getkeys", -4, Exec::Conn(command_getkeys))
        .flags(INTROSPECT)
        .acl(Acl::CONNECTION)
        .doc(
            "server",
            "2.8.13",
            "O(N) where N is the number of arguments to the command",
            "Extracts the key names from an arbitrary command.",
        ),
    CommandSpec::new("command|help", 2, Exec::Conn(command_help))
        .flags(INTROSPECT)
        .acl(Acl::CONNECTION)
        .doc(
            "server",
            "5.0.0",
            "O(1)",
            "Returns helpful text about the different subcommands.",
        ),
];

pub static COMMANDS: &[CommandSpec] = &[CommandSpec::new("command", -1, Exec::Conn(command))
    .flags(INTROSPECT)
    .acl(Acl::CONNECTION)
    .subcommands(COMMAND_SUBCOMMANDS)
    .doc(
        "server",
        "2.8.13",
        "O(N) where N is the total number of Redis commands",
        "Returns detailed information about all commands.",
    )];
