//! The connection family: PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET and
//! CLIENT. These run on the connection's own core.

use crate::client::{ClientInfo, Unblock};
use crate::command::args::{parse_db_index, parse_i64};
use crate::command::{arity_error, Acl, CmdError, CommandSpec, Exec, Flags};
use crate::connection::ConnCtx;
use crate::dispatch::{Part, Parts};
use crate::global::unix_ms;
use crate::shard::ShardCtx;
use bytes::Bytes;
use shoal_proto::{Protocol, ReplyWriter};

/// PING [message]
fn ping(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    // The table's arity is -1 as in Redis; the upper bound is the handler's.
    if argv.len() > 2 {
        return out.error(arity_error("ping").as_bytes());
    }
    // A subscribed RESP2 client gets ["pong", message] (Redis's pingCommand).
    if ctx.state.subs.any() && ctx.state.protocol == Protocol::Resp2 {
        out.array(2);
        out.bulk(b"pong");
        return out.bulk(argv.get(1).map_or(&b""[..], |m| &m[..]));
    }
    match argv {
        [_, m] => out.bulk(m),
        _ => out.simple(b"PONG"),
    }
}

/// ECHO message
fn echo(_ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    out.bulk(&argv[1]);
}

/// Checks credentials against the default user. Until ACLs exist
/// (requirepass arrives with the security work), the default user has no
/// password, so any password is accepted for it, as in Redis.
fn check_credentials(user: &[u8], _password: &[u8]) -> Result<(), &'static str> {
    if user == b"default" {
        Ok(())
    } else {
        Err("WRONGPASS invalid username-password pair or user is disabled.")
    }
}

/// AUTH [username] password
fn auth(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match argv.len() {
        2 => out.error(b"ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"),
        3 => match check_credentials(&argv[1], &argv[2]) {
            Ok(()) => {
                ctx.state.authenticated = true;
                out.ok();
            }
            Err(e) => out.error(e.as_bytes()),
        },
        _ => CmdError::Syntax.reply(out),
    }
}

/// Client names may not contain spaces or special characters (Redis's
/// `validateClientName`: '!' to '~' only).
fn valid_client_name(name: &[u8]) -> bool {
    name.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

fn set_name(ctx: &mut ConnCtx<'_>, name: &Bytes) {
    let name = (!name.is_empty()).then(|| name.clone());
    ctx.state.name = name.clone();
    ctx.update_info(|i| i.name = name);
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
fn hello(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let mut protocol = ctx.state.protocol;
    let mut i = 1;
    if let Some(v) = argv.get(1) {
        match parse_i64(v) {
            Some(2) => protocol = Protocol::Resp2,
            Some(3) => protocol = Protocol::Resp3,
            Some(_) => return CmdError::NoProto.reply(out),
            None => return out.error(b"ERR Protocol version is not an integer or out of range"),
        }
        i = 2;
    }
    let mut name = None;
    while i < argv.len() {
        let more = argv.len() - i - 1;
        if argv[i].eq_ignore_ascii_case(b"AUTH") && more >= 2 {
            if let Err(e) = check_credentials(&argv[i + 1], &argv[i + 2]) {
                return out.error(e.as_bytes());
            }
            ctx.state.authenticated = true;
            i += 3;
        } else if argv[i].eq_ignore_ascii_case(b"SETNAME") && more >= 1 {
            if !valid_client_name(&argv[i + 1]) {
                return CmdError::ClientNameInvalid.reply(out);
            }
            name = Some(argv[i + 1].clone());
            i += 2;
        } else {
            return out.error(
                format!(
                    "ERR Syntax error in HELLO option '{}'",
                    String::from_utf8_lossy(&argv[i])
                )
                .as_bytes(),
            );
        }
    }
    if let Some(n) = name {
        set_name(ctx, &n);
    }
    ctx.state.set_protocol(protocol);
    ctx.update_info(|info| info.protocol = protocol);
    // The reply already speaks the protocol just chosen.
    let mut w = ReplyWriter::new(out.buf(), protocol);
    w.map(7);
    w.bulk(b"server");
    w.bulk(b"redis");
    w.bulk(b"version");
    w.bulk(crate::REDIS_COMPAT_VERSION.as_bytes());
    w.bulk(b"proto");
    w.integer(if protocol == Protocol::Resp3 { 3 } else { 2 });
    w.bulk(b"id");
    w.integer(ctx.state.id as i64);
    w.bulk(b"mode");
    w.bulk(b"standalone");
    w.bulk(b"role");
    w.bulk(b"master");
    w.bulk(b"modules");
    w.array(0);
}

/// SELECT index
fn select(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match parse_db_index(&argv[1], ctx.node.config().databases) {
        Ok(i) => {
            ctx.state.db = i;
            ctx.update_info(|info| info.db = i);
            out.ok();
        }
        Err(e) => e.reply(out),
    }
}

/// QUIT
fn quit(ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    ctx.state.close_after_reply = true;
    out.ok();
}

/// RESET
fn reset(ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let id = ctx.state.id;
    ctx.state.subs.clear(&mut ctx.node.pubsub.borrow_mut(), id);
    ctx.state.multi = None;
    ctx.state.unwatch_all();
    ctx.state.db = 0;
    ctx.state.set_protocol(Protocol::Resp2);
    ctx.state.name = None;
    ctx.update_info(|i| {
        i.db = 0;
        i.name = None;
        i.protocol = Protocol::Resp2;
    });
    ReplyWriter::new(out.buf(), Protocol::Resp2).simple(b"RESET");
}

/// CLIENT ID
fn client_id(ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    out.integer(ctx.state.id as i64);
}

/// CLIENT SETNAME connection-name
fn client_setname(ctx: &mut ConnCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    if !valid_client_name(&argv[2]) {
        return CmdError::ClientNameInvalid.reply(out);
    }
    set_name(ctx, &argv[2]);
    out.ok();
}

/// CLIENT GETNAME
fn client_getname(ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    match &ctx.state.name {
        Some(n) => out.bulk(n),
        None => out.null(),
    }
}

/// CLIENT INFO
fn client_info(ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    // What this batch changed so far (the registry is updated after it).
    let state = &*ctx.state;
    ctx.update_info(|i| state.describe(i));
    let line = ctx
        .node
        .clients
        .borrow()
        .get(ctx.state.id)
        .map(|i| i.line(unix_ms()))
        .unwrap_or_default();
    out.verbatim(b"txt", line.as_bytes());
}

/// CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id [id ...]] — this
/// core's clients.
fn client_list(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) -> Part {
    let start = out.buf().len();
    let mut ids: Option<Vec<u64>> = None;
    let mut of_type = None;
    let mut i = 2;
    while i < argv.len() {
        if argv[i].eq_ignore_ascii_case(b"TYPE") && i + 1 < argv.len() {
            match ClientType::parse(&argv[i + 1]) {
                Ok(t) => of_type = Some(t),
                Err(e) => {
                    out.error(e.as_bytes());
                    return Part::Reply(start..out.buf().len());
                }
            }
            i += 2;
        } else if argv[i].eq_ignore_ascii_case(b"ID") && i + 1 < argv.len() {
            ids = Some(
                argv[i + 1..]
                    .iter()
                    .filter_map(|a| parse_i64(a).map(|n| n as u64))
                    .collect(),
            );
            break;
        } else {
            break;
        }
    }
    let now = unix_ms();
    for info in ctx.node.clients.borrow().iter() {
        let type_differs = of_type.is_some_and(|t| t != ClientType::of(info));
        if type_differs || ids.as_ref().is_some_and(|ids| !ids.contains(&info.id)) {
            continue;
        }
        out.buf().extend_from_slice(info.line(now).as_bytes());
    }
    Part::Text(start..out.buf().len())
}

/// Every core's lines, ordered by client id.
fn merge_client_list(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    if let Some(err) = parts.first_reply() {
        return out.buf().extend_from_slice(err);
    }
    let mut lines: Vec<&[u8]> = Vec::new();
    for (sink, p) in parts.iter() {
        if let Part::Text(r) = p {
            lines.extend(sink.bytes(r).split_inclusive(|&b| b == b'\n'));
        }
    }
    let id_of = |l: &[u8]| -> u64 {
        l.strip_prefix(b"id=")
            .and_then(|r| r.split(|&b| b == b' ').next())
            .and_then(parse_i64)
            .unwrap_or(0) as u64
    };
    lines.sort_by_key(|l| id_of(l));
    out.verbatim(b"txt", &lines.concat());
}

/// A client type, as CLIENT LIST and CLIENT KILL name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientType {
    Normal,
    /// Subscribed to a channel, pattern or shard channel.
    Pubsub,
    /// `master`, `replica` or `slave`: no Shoal client is of these yet.
    Replication,
}

impl ClientType {
    /// The type `name` names, or Redis's error for a name it does not know.
    fn parse(name: &[u8]) -> Result<ClientType, String> {
        match name.to_ascii_lowercase().as_slice() {
            b"normal" => Ok(ClientType::Normal),
            b"pubsub" => Ok(ClientType::Pubsub),
            b"master" | b"replica" | b"slave" => Ok(ClientType::Replication),
            _ => Err(format!(
                "ERR Unknown client type '{}'",
                String::from_utf8_lossy(name)
            )),
        }
    }

    fn of(info: &ClientInfo) -> ClientType {
        if info.is_pubsub() {
            ClientType::Pubsub
        } else {
            ClientType::Normal
        }
    }
}

/// CLIENT KILL filters.
#[derive(Default)]
struct KillFilter {
    id: Option<u64>,
    addr: Option<Vec<u8>>,
    laddr: Option<Vec<u8>>,
    skip_me: bool,
    /// `CLIENT KILL addr:port`, answered with OK or an error.
    old_style: bool,
    of_type: Option<ClientType>,
}

/// The filters, or the error to answer (with its code).
fn parse_kill(argv: &[Bytes]) -> Result<KillFilter, String> {
    let syntax = || CmdError::Syntax.text().to_string();
    let mut f = KillFilter {
        skip_me: true,
        ..Default::default()
    };
    if argv.len() == 3 {
        f.addr = Some(argv[2].to_vec());
        f.old_style = true;
        f.skip_me = false;
        return Ok(f);
    }
    if !argv.len().is_multiple_of(2) {
        return Err(syntax());
    }
    for pair in argv[2..].chunks(2) {
        let (k, v) = (&pair[0], &pair[1]);
        match k.to_ascii_uppercase().as_slice() {
            b"ID" => {
                f.id = Some(
                    parse_i64(v)
                        .filter(|n| *n > 0)
                        .ok_or_else(|| CmdError::NoSuchClient.text().to_string())?
                        as u64,
                )
            }
            b"ADDR" => f.addr = Some(v.to_vec()),
            b"LADDR" => f.laddr = Some(v.to_vec()),
            b"TYPE" => f.of_type = Some(ClientType::parse(v)?),
            b"USER" => {}
            b"SKIPME" => match v.to_ascii_lowercase().as_slice() {
                b"yes" => f.skip_me = true,
                b"no" => f.skip_me = false,
                _ => return Err(syntax()),
            },
            _ => return Err(syntax()),
        }
    }
    Ok(f)
}

/// CLIENT KILL — kills this core's matching clients; the count is merged.
fn client_kill(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) -> Part {
    let f = match parse_kill(argv) {
        Ok(f) => f,
        Err(e) => {
            let start = out.buf().len();
            out.error(e.as_bytes());
            return Part::Reply(start..out.buf().len());
        }
    };
    let mut killed = 0;
    for info in ctx.node.clients.borrow().iter() {
        let matches = f.of_type.is_none_or(|t| t == ClientType::of(info))
            && f.id.is_none_or(|id| id == info.id)
            && f.addr.as_ref().is_none_or(|a| a == info.addr.as_bytes())
            && f.laddr.as_ref().is_none_or(|a| a == info.laddr.as_bytes())
            && !(f.skip_me && info.id == ctx.client_id);
        if matches {
            info.kill.kill();
            killed += 1;
        }
    }
    Part::Int(killed)
}

fn merge_client_kill(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    if let Some(err) = parts.first_reply() {
        return out.buf().extend_from_slice(err);
    }
    let killed = parts.sum();
    // `CLIENT KILL addr:port` answers OK or an error, not a count.
    if parts.argv.len() == 3 {
        return match killed {
            0 => CmdError::NoSuchClient.reply(out),
            _ => out.ok(),
        };
    }
    out.integer(killed);
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR] — ends the blocking command the
/// client with that id waits in, if it is on this core and waiting.
fn client_unblock(ctx: &mut ShardCtx<'_>, argv: &[Bytes], out: &mut ReplyWriter<'_>) -> Part {
    let start = out.buf().len();
    let error = |out: &mut ReplyWriter<'_>, text: &[u8]| {
        out.error(text);
        Part::Reply(start..out.buf().len())
    };
    // Checked in Redis 7.0's order: the count, the reason, then the id.
    if argv.len() > 4 {
        let sub = String::from_utf8_lossy(&argv[1]);
        let text = format!(
            "ERR unknown subcommand or wrong number of arguments for '{sub}'. Try CLIENT HELP."
        );
        return error(out, text.as_bytes());
    }
    let how = match argv.get(3) {
        None => Unblock::Timeout,
        Some(r) if r.eq_ignore_ascii_case(b"TIMEOUT") => Unblock::Timeout,
        Some(r) if r.eq_ignore_ascii_case(b"ERROR") => Unblock::Error,
        Some(_) => return error(out, b"ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"),
    };
    let Some(id) = parse_i64(&argv[2]) else {
        return error(out, CmdError::NotInteger.text().as_bytes());
    };
    let clients = ctx.node.clients.borrow();
    match u64::try_from(id).ok().and_then(|id| clients.get(id)) {
        Some(c) if c.blocked => {
            c.kill.unblock(how);
            Part::Int(1)
        }
        _ => Part::Int(0),
    }
}

fn merge_client_unblock(parts: &mut Parts<'_>, out: &mut ReplyWriter<'_>) {
    match parts.first_reply() {
        Some(err) => out.buf().extend_from_slice(err),
        None => out.integer(parts.sum()),
    }
}

/// CLIENT HELP
fn client_help(_ctx: &mut ConnCtx<'_>, _argv: &[Bytes], out: &mut ReplyWriter<'_>) {
    let lines: &[&str] = &[
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME",
        "    Return the name of the current connection.",
        "ID",
        "    Return the ID of the current connection.",
        "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>",
        "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are: ID, ADDR, LADDR, TYPE normal, SKIPME (yes|no).",
        "LIST [options ...]",
        "    Return information about client connections. Options: TYPE normal, ID <id> [...].",
        "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "UNBLOCK <clientid> [TIMEOUT|ERROR]",
        "    Unblock the specified blocked client.",
        "HELP",
        "    Prints this help.",
    ];
    super::reply_help(out, lines);
}

const CONN: Acl = Acl::CONNECTION;
const CONN_FLAGS: Flags = Flags::NOSCRIPT.or(Flags::LOADING).or(Flags::STALE);

static CLIENT_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("client|id", 2, Exec::Conn(client_id))
        .flags(CONN_FLAGS)
        .acl(CONN)
        .doc(
            "connection",
            "5.0.0",
            "O(1)",
            "Returns the unique client ID of the connection.",
        ),
    CommandSpec::new("client|setname", 3, Exec::Conn(client_setname))
        .flags(CONN_FLAGS)
        .acl(CONN)
        .doc("connection", "2.6.9", "O(1)", "Sets the connection name."),
    CommandSpec::new("client|getname", 2, Exec::Conn(client_getname))
        .flags(CONN_FLAGS)
        .acl(CONN)
        .doc(
            "connection",
            "2.6.9",
            "O(1)",
            "Returns the name of the connection.",
        ),
    CommandSpec::new("client|info", 2, Exec::Conn(client_info))
        .flags(CONN_FLAGS)
        .acl(CONN)
        .doc(
            "connection",
            "6.2.0",
            "O(1)",
            "Returns information about the connection.",
        ),
    CommandSpec::new(
        "client|list",
        -2,
        Exec::AllShards {
            part: client_list,
            merge: merge_client_list,
        },
    )
    .flags(Flags::ADMIN.or(CONN_FLAGS))
    .acl(CONN)
    .doc(
        "connection",
        "2.4.0",
        "O(N) where N is the number of client connections",
        "Lists open connections.",
    ),
    CommandSpec::new(
        "client|kill",
        -3,
        Exec::AllShards {
            part: client_kill,
            merge: merge_client_kill,
        },
    )
    .flags(Flags::ADMIN.or(CONN_FLAGS))
    .acl(CONN)
    .doc(
        "connection",
        "2.4.0",
        "O(N) where N is the number of client connections",
        "Terminates open connections.",
    ),
    CommandSpec::new(
        "client|unblock",
        -3,
        Exec::AllShards {
            part: client_unblock,
            merge: merge_client_unblock,
        },
    )
    .flags(Flags::ADMIN.or(CONN_FLAGS))
    .acl(CONN)
    .doc(
        "connection",
        "5.0.0",
        "O(log N) where N is the number of client connections",
        "Unblocks a client blocked by a blocking command from a different connection.",
    ),
    CommandSpec::new("client|help", 2, Exec::Conn(client_help))
        .flags(Flags::LOADING.or(Flags::STALE))
        .acl(CONN)
        .doc(
            "connection",
            "5.0.0",
            "O(1)",
            "Returns helpful text about the different subcommands.",
        ),
];

pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("ping", -1, Exec::Conn(ping))
        .flags(Flags::FAST)
        .acl(CONN)
        .doc(
            "connection",
            "1.0.0",
            "O(1)",
            "Returns the server's liveliness response.",
        ),
    CommandSpec::new("echo", 2, Exec::Conn(echo))
        .flags(Flags::FAST)
        .acl(CONN)
        .doc("connection", "1.0.0", "O(1)", "Returns the given string."),
    CommandSpec::new("auth", -2, Exec::Conn(auth))
        .flags(CONN_FLAGS.or(Flags::NO_AUTH).or(Flags::FAST))
        .acl(CONN)
        .doc(
            "connection",
            "1.0.0",
            "O(N) where N is the number of passwords defined for the user",
            "Authenticates the connection.",
        ),
    CommandSpec::new("hello", -1, Exec::Conn(hello))
        .flags(CONN_FLAGS.or(Flags::NO_AUTH).or(Flags::FAST))
        .acl(CONN)
        .doc(
            "connection",
            "6.0.0",
            "O(1)",
            "Handshakes with the Redis server.",
        ),
    CommandSpec::new("select", 2, Exec::Conn(select))
        .flags(Flags::LOADING.or(Flags::STALE).or(Flags::FAST))
        .acl(CONN)
        .doc(
            "connection",
            "1.0.0",
            "O(1)",
            "Changes the selected database.",
        ),
    CommandSpec::new("quit", -1, Exec::Conn(quit))
        .flags(CONN_FLAGS.or(Flags::NO_AUTH).or(Flags::FAST))
        .acl(CONN)
        .doc("connection", "1.0.0", "O(1)", "Closes the connection."),
    CommandSpec::new("reset", 1, Exec::Conn(reset))
        .flags(CONN_FLAGS.or(Flags::NO_AUTH).or(Flags::FAST))
        .acl(CONN)
        .doc("connection", "6.2.0", "O(1)", "Resets the connection."),
    CommandSpec::new("client", -2, Exec::Container)
        .acl(CONN)
        .subcommands(CLIENT_SUBCOMMANDS)
        .doc(
            "connection",
            "2.4.0",
            "Depends on subcommand.",
            "A container for client connection commands.",
        ),
];
