//! Commands that move or copy one key's value to another key: RENAME,
//! RENAMENX and COPY. Each is described by a [`Transfer`]; when both keys
//! live on one shard it runs there ([`run_local`]), otherwise the
//! connection runs it as a transaction over the two shards (peek at the
//! source and the destination, decide with [`decide`], then write both).

use crate::command::args::parse_db_index;
use crate::command::CmdError;
use crate::notify;
use crate::shard::ShardCtx;
use bytes::Bytes;
use shoal_proto::ReplyWriter;

/// How a transfer answers success.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `+OK`; a missing source is an error (RENAME).
    Ok,
    /// `:1`, or `:0` when nothing was done; a missing source is an error
    /// unless `missing_is_zero` (COPY answers 0, RENAMENX errs).
    Int { missing_is_zero: bool },
}

/// One RENAME, RENAMENX or COPY, parsed.
#[derive(Clone, Debug)]
pub struct Transfer {
    pub src: Bytes,
    pub dst: Bytes,
    /// The destination's database; `None` is the client's own.
    pub dst_db: Option<usize>,
    /// COPY keeps the source; RENAME removes it.
    pub keep_src: bool,
    /// An existing destination is replaced (RENAME, COPY ... REPLACE).
    pub replace: bool,
    pub answer: Answer,
}

/// Parses a transfer command's arguments (`databases` bounds COPY's DB).
pub type ParseFn = fn(&[Bytes], usize) -> Result<Transfer, CmdError>;

/// RENAME key newkey
pub fn parse_rename(argv: &[Bytes], _databases: usize) -> Result<Transfer, CmdError> {
    Ok(Transfer {
        src: argv[1].clone(),
        dst: argv[2].clone(),
        dst_db: None,
        keep_src: false,
        replace: true,
        answer: Answer::Ok,
    })
}

/// RENAMENX key newkey
pub fn parse_renamenx(argv: &[Bytes], _databases: usize) -> Result<Transfer, CmdError> {
    Ok(Transfer {
        replace: false,
        answer: Answer::Int {
            missing_is_zero: false,
        },
        ..parse_rename(argv, _databases)?
    })
}

/// COPY source destination [DB destination-db] [REPLACE]
pub fn parse_copy(argv: &[Bytes], databases: usize) -> Result<Transfer, CmdError> {
    let mut dst_db = None;
    let mut replace = false;
    let mut i = 3;
    while i < argv.len() {
        let opt = &argv[i];
        if opt.eq_ignore_ascii_case(b"REPLACE") {
            replace = true;
        } else if opt.eq_ignore_ascii_case(b"DB") && i + 1 < argv.len() {
            i += 1;
            dst_db = Some(parse_db_index(&argv[i], databases)?);
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    Ok(Transfer {
        src: argv[1].clone(),
        dst: argv[2].clone(),
        dst_db,
        keep_src: true,
        replace,
        answer: Answer::Int {
            missing_is_zero: true,
        },
    })
}

/// Whether source and destination are one key in one database.
pub fn same_key(t: &Transfer, db: usize) -> bool {
    t.src == t.dst && t.dst_db.unwrap_or(db) == db
}

/// An error found before any key is looked at (COPY onto itself).
pub fn check(t: &Transfer, db: usize) -> Result<(), CmdError> {
    if t.keep_src && same_key(t, db) {
        return Err(CmdError::SameObject);
    }
    Ok(())
}

/// What a transfer does once the source and destination were looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Write the destination (and remove the source unless kept).
    Go,
    /// Answer without writing: the source is missing or the destination
    /// exists and may not be replaced (or both keys are one).
    Answer,
}

/// Decides a transfer; writes the answer when nothing is to be written.
pub fn decide(
    t: &Transfer,
    db: usize,
    src_exists: bool,
    dst_exists: bool,
    out: &mut ReplyWriter<'_>,
) -> Decision {
    if !src_exists {
        match t.answer {
            Answer::Int {
                missing_is_zero: true,
            } => out.integer(0),
            _ => CmdError::NoSuchKey.reply(out),
        }
        return Decision::Answer;
    }
    if same_key(t, db) {
        // RENAME of a key onto itself is a no-op that succeeds; RENAMENX
        // answers 0 because the destination exists.
        match t.answer {
            Answer::Ok => out.ok(),
            Answer::Int { .. } => out.integer(0),
        }
        return Decision::Answer;
    }
    if dst_exists && !t.replace {
        out.integer(0);
        return Decision::Answer;
    }
    Decision::Go
}

/// The answer of a transfer that went ahead.
pub fn answer_done(t: &Transfer, out: &mut ReplyWriter<'_>) {
    match t.answer {
        Answer::Ok => out.ok(),
        Answer::Int { .. } => out.integer(1),
    }
}

/// Runs a transfer whose keys both live on this shard.
pub fn run_local(
    ctx: &mut ShardCtx<'_>,
    argv: &[Bytes],
    parse: ParseFn,
    out: &mut ReplyWriter<'_>,
) {
    let databases = ctx.shard.dbs.len();
    let t = match parse(argv, databases).and_then(|t| check(&t, ctx.db).map(|()| t)) {
        Ok(t) => t,
        Err(e) => return e.reply(out),
    };
    let now = ctx.now_ms;
    let (src_db, dst_db) = (ctx.db, t.dst_db.unwrap_or(ctx.db));
    let src_exists = ctx.shard.dbs[src_db].contains(&t.src, now);
    let dst_exists = src_exists && ctx.shard.dbs[dst_db].contains(&t.dst, now);
    if decide(&t, src_db, src_exists, dst_exists, out) == Decision::Answer {
        return;
    }
    let moved = if t.keep_src {
        ctx.shard.dbs[src_db].peek(&t.src, now)
    } else {
        ctx.shard.dbs[src_db].take(&t.src)
    };
    if let Some((value, expire_at_ms)) = moved {
        // Redis deletes the destination, then adds the key anew ("new").
        ctx.shard.dbs[dst_db].remove(&t.dst);
        ctx.shard.dbs[dst_db].set(&t.dst, value, expire_at_ms, now);
    }
    for (db, name, key) in events(&t, src_db, dst_db) {
        ctx.shard.dbs[db].notify(notify::GENERIC, name, key);
    }
    answer_done(&t, out);
}

/// The keyspace events of a transfer that went ahead, after "new":
/// `(database, event, key)`.
pub fn events(t: &Transfer, src_db: usize, dst_db: usize) -> Vec<(usize, &'static str, &Bytes)> {
    if t.keep_src {
        vec![(dst_db, "copy_to", &t.dst)]
    } else {
        vec![
            (src_db, "rename_from", &t.src),
            (dst_db, "rename_to", &t.dst),
        ]
    }
}
