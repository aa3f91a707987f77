//! The transactions family: MULTI, EXEC, DISCARD, WATCH, UNWATCH. The
//! connection runs them as the coordinator of its transaction (see
//! `connection/transaction.rs`); here are their table entries.

use crate::command::{Acl, CommandSpec, Exec, Flags, TxCmd};

const TX_FLAGS: Flags = Flags::NOSCRIPT.or(Flags::LOADING).or(Flags::STALE);
const TX_FAST: Flags = TX_FLAGS.or(Flags::FAST).or(Flags::ALLOW_BUSY);

/// Where EXEC is in [`COMMANDS`].
const EXEC_INDEX: usize = 1;

/// EXEC's entry, which the lock and unlock ops of a transaction carry.
pub fn exec_spec() -> &'static CommandSpec {
    &COMMANDS[EXEC_INDEX]
}

#[rustfmt::skip]
pub static COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("multi", 1, Exec::Tx(TxCmd::Multi))
        .flags(TX_FAST)
        .acl(Acl::TRANSACTION)
        .doc("transactions", "1.2.0", "O(1)", "Mark the start of a transaction block"),
    CommandSpec::new("exec", 1, Exec::Tx(TxCmd::Exec))
        .flags(TX_FLAGS.or(Flags::SKIP_SLOWLOG))
        .acl(Acl::TRANSACTION)
        .doc("transactions", "1.2.0", "Depends on commands in the transaction", "Execute all commands issued after MULTI"),
    CommandSpec::new("discard", 1, Exec::Tx(TxCmd::Discard))
        .flags(TX_FAST)
        .acl(Acl::TRANSACTION)
        .doc("transactions", "2.0.0", "O(N), when N is the number of queued commands", "Discard all commands issued after MULTI"),
    CommandSpec::new("watch", -2, Exec::Tx(TxCmd::Watch))
        .flags(TX_FAST)
        .keys(1, -1, 1)
        .acl(Acl::TRANSACTION)
        .doc("transactions", "2.2.0", "O(1) for every key.", "Watch the given keys to determine execution of the MULTI/EXEC block"),
    CommandSpec::new("unwatch", 1, Exec::Tx(TxCmd::Unwatch))
        .flags(TX_FAST)
        .acl(Acl::TRANSACTION)
        .doc("transactions", "2.2.0", "O(1)", "Forget about all watched keys"),
];

#[cfg(test)]
mod tests {
    #[test]
    fn exec_spec_is_exec() {
        assert_eq!(super::exec_spec().name, "exec");
    }
}
