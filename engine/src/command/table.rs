//! The one command table: every family's specs gathered behind a lookup that
//! allocates nothing. Checks its own consistency in a test.

use super::CommandSpec;
#[cfg(test)]
use super::{Exec, Flags};
use crate::commands;
use crate::limits::COMMAND_NAME_LEN_MAX;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Every family's commands, in the order `COMMAND` lists them.
fn families() -> [&'static [CommandSpec]; 15] {
    [
        commands::connection::COMMANDS,
        commands::server::COMMANDS,
        commands::diagnostics::COMMANDS,
        commands::hotkeys::COMMANDS,
        commands::strings::COMMANDS,
        commands::bitmaps::COMMANDS,
        commands::hashes::COMMANDS,
        commands::sets::COMMANDS,
        commands::lists::COMMANDS,
        commands::zsets::COMMANDS,
        commands::keys::COMMANDS,
        commands::sort::COMMANDS,
        commands::introspection::COMMANDS,
        commands::transactions::COMMANDS,
        commands::pubsub::COMMANDS,
    ]
}

struct Table {
    by_name: HashMap<&'static [u8], &'static CommandSpec, ahash::RandomState>,
    all: Vec<&'static CommandSpec>,
    /// Every command and subcommand, each at its [`index`].
    numbered: Vec<&'static CommandSpec>,
    /// A spec's address to its place in `numbered`.
    index: HashMap<usize, usize, ahash::RandomState>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let all: Vec<&'static CommandSpec> = families().into_iter().flatten().collect();
        let by_name = all.iter().map(|c| (c.name.as_bytes(), *c)).collect();
        let numbered: Vec<&'static CommandSpec> = all
            .iter()
            .flat_map(|c| std::iter::once(*c).chain(c.subcommands.iter()))
            .collect();
        let index = numbered
            .iter()
            .enumerate()
            .map(|(i, c)| (address(c), i))
            .collect();
        Table {
            by_name,
            all,
            numbered,
            index,
        }
    })
}

fn address(spec: &'static CommandSpec) -> usize {
    spec as *const CommandSpec as usize
}

/// Lower-cases `name` into `buf` when it fits.
fn lower<'b>(name: &[u8], buf: &'b mut [u8; COMMAND_NAME_LEN_MAX]) -> Option<&'b [u8]> {
    let out = buf.get_mut(..name.len())?;
    for (o, &b) in out.iter_mut().zip(name) {
        *o = b.to_ascii_lowercase();
    }
    Some(out)
}

/// The top-level command called `name` (any case).
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut buf = [0u8; COMMAND_NAME_LEN_MAX];
    let key = lower(name, &mut buf)?;
    table().by_name.get(key).copied()
}

/// The subcommand `sub` (any case) of a container command.
pub fn lookup_sub(parent: &'static CommandSpec, sub: &[u8]) -> Option<&'static CommandSpec> {
    parent
        .subcommands
        .iter()
        .find(|c| c.short_name().as_bytes().eq_ignore_ascii_case(sub))
}

/// All top-level commands.
pub fn all() -> &'static [&'static CommandSpec] {
    &table().all
}

/// Every command and subcommand, numbered: `numbered()[index(spec)]` is
/// `spec`. Per-command figures are kept in vectors by this number.
pub fn numbered() -> &'static [&'static CommandSpec] {
    &table().numbered
}

/// `spec`'s number in [`numbered`] (every spec is a table's static).
pub fn index(spec: &'static CommandSpec) -> usize {
    table().index.get(&address(spec)).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn check(spec: &CommandSpec, parent: Option<&CommandSpec>) {
        let name = spec.name;
        assert!(
            !name.is_empty() && name.len() <= COMMAND_NAME_LEN_MAX,
            "{name}"
        );
        assert_eq!(name, name.to_ascii_lowercase(), "{name} must be lower-case");
        assert!(spec.arity != 0, "{name}: arity 0");
        if let Some(p) = parent {
            assert!(name.starts_with(&format!("{}|", p.name)), "{name}");
            assert!(
                spec.arity.unsigned_abs() >= 2,
                "{name}: a subcommand counts two words"
            );
        }
        let k = spec.keys;
        if k.first != 0 {
            assert!(k.first > 0 && k.step > 0, "{name}: key spec");
            assert!(k.last < 0 || k.last >= k.first, "{name}: last before first");
            let min_argc = spec.arity.unsigned_abs() as i32;
            assert!(
                k.first < min_argc || spec.arity < 0,
                "{name}: key beyond arity"
            );
        } else {
            assert!(k.last == 0 && k.step == 0, "{name}: partial key spec");
        }
        let f = spec.flags;
        assert!(
            !(f.contains(Flags::WRITE) && f.contains(Flags::READONLY)),
            "{name}: write and readonly"
        );
        match spec.exec {
            Exec::Container => {
                assert!(!spec.subcommands.is_empty(), "{name}: empty container");
                assert_eq!(spec.arity, -2, "{name}: containers take a subcommand");
            }
            Exec::PerKey { .. } | Exec::Guarded { .. } => {
                assert!(k.first > 0, "{name}: per-key without keys")
            }
            Exec::Shard(_) => assert!(
                k.first == 0 || k.last == k.first || k.step > 0,
                "{name}: shard command key spec"
            ),
            _ => {}
        }
        assert!(!spec.summary.is_empty(), "{name}: summary");
        let mut seen = HashSet::new();
        for sub in spec.subcommands {
            assert!(seen.insert(sub.name), "{}: duplicate", sub.name);
            check(sub, Some(spec));
        }
    }

    #[test]
    fn table_is_consistent() {
        let mut seen = HashSet::new();
        for spec in all() {
            assert!(seen.insert(spec.name), "duplicate command {}", spec.name);
            check(spec, None);
        }
        assert!(lookup(b"get").is_some());
        assert!(lookup(b"GeT").is_some());
        assert!(lookup(b"no-such-command").is_none());
        assert!(lookup(&[b'a'; 100]).is_none());
        for (i, spec) in numbered().iter().enumerate() {
            assert_eq!(index(spec), i, "{}", spec.name);
        }
        let get = lookup(b"get").expect("get");
        assert_eq!(numbered()[index(get)].name, "get");
    }
}
