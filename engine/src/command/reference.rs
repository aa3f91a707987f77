//! docs/commands.md, generated from the command table so that the reference
//! never disagrees with what the server does. A test keeps the checked-in
//! file current: run `SHOAL_BLESS=1 cargo test -p shoal-engine commands_md`
//! to rewrite it after changing the table.

use super::{table, CommandSpec};
use std::fmt::Write;

/// The whole reference, as Markdown.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Commands\n\n\
         Generated from the command table (`engine/src/command/`) by\n\
         `engine/src/command/reference.rs`; do not edit by hand. Arity counts the\n\
         command name, negative means \"at least\"; keys are Redis's\n\
         (first, last, step) positions; ACL categories include those Redis\n\
         derives from the flags. Commands not listed answer Redis's\n\
         unknown-command error.\n",
    );
    let mut groups: Vec<&str> = table::all().iter().map(|c| c.group).collect();
    groups.sort_unstable();
    groups.dedup();
    for group in groups {
        let _ = write!(out, "\n## {group}\n\n");
        out.push_str(
            "| command | arity | flags | keys | ACL categories | since | complexity | summary |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|---|\n");
        let mut specs: Vec<&CommandSpec> = table::all()
            .iter()
            .copied()
            .filter(|c| c.group == group)
            .collect();
        specs.sort_unstable_by_key(|c| c.name);
        for spec in specs {
            row(&mut out, spec);
            for sub in spec.subcommands {
                row(&mut out, sub);
            }
        }
    }
    out
}

fn row(out: &mut String, spec: &CommandSpec) {
    let name = spec.name.replace('|', " ").to_ascii_uppercase();
    let flags: Vec<&str> = spec.flags.names().collect();
    let acl: Vec<String> = spec
        .acl_categories()
        .names()
        .map(|n| format!("@{n}"))
        .collect();
    let keys = if spec.keys.has_keys() {
        format!(
            "{}, {}, {}",
            spec.keys.first, spec.keys.last, spec.keys.step
        )
    } else {
        "-".into()
    };
    let _ = writeln!(
        out,
        "| {name} | {} | {} | {keys} | {} | {} | {} | {} |",
        spec.arity,
        flags.join(" "),
        acl.join(" "),
        spec.since,
        cell(spec.complexity),
        cell(spec.summary),
    );
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_md_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/commands.md");
        let generated = markdown();
        if std::env::var("SHOAL_BLESS").as_deref() == Ok("1") {
            std::fs::write(path, &generated).expect("write docs/commands.md");
            return;
        }
        let current = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            current == generated,
            "docs/commands.md is out of date: run SHOAL_BLESS=1 cargo test -p shoal-engine commands_md"
        );
    }

    #[test]
    fn every_command_has_a_row() {
        let md = markdown();
        for spec in table::all() {
            let name = spec.name.to_ascii_uppercase();
            assert!(md.contains(&format!("| {name} |")), "{name}");
        }
    }
}
