//! Keyspace notifications (`notify-keyspace-events`): commands and expiry
//! record events on their core's [`Notifier`]; after each op the events are
//! published as pub/sub messages on `__keyspace@<db>__:<key>` (the event
//! name) and `__keyevent@<db>__:<event>` (the key), to the subscribers of
//! every core. With notifications off (the default) recording an event is
//! one load and one branch.

use bytes::Bytes;
use std::cell::{Cell, RefCell};

/// `K`: keyspace channel.
pub const KEYSPACE: u32 = 1 << 0;
/// `E`: keyevent channel.
pub const KEYEVENT: u32 = 1 << 1;
/// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
pub const GENERIC: u32 = 1 << 2;
/// `$`: string commands.
pub const STRING: u32 = 1 << 3;
/// `l`: list commands.
pub const LIST: u32 = 1 << 4;
/// `s`: set commands.
pub const SET: u32 = 1 << 5;
/// `h`: hash commands.
pub const HASH: u32 = 1 << 6;
/// `z`: sorted set commands.
pub const ZSET: u32 = 1 << 7;
/// `x`: expired keys.
pub const EXPIRED: u32 = 1 << 8;
/// `e`: evicted keys.
pub const EVICTED: u32 = 1 << 9;
/// `t`: stream commands.
pub const STREAM: u32 = 1 << 10;
/// `m`: key misses.
pub const KEY_MISS: u32 = 1 << 11;
/// `d`: module key types.
pub const MODULE: u32 = 1 << 12;
/// `n`: new keys.
pub const NEW: u32 = 1 << 13;
/// `A`: every class but `m` and `n`.
pub const ALL: u32 =
    GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// The classes of a `notify-keyspace-events` string (Redis's
/// `keyspaceEventsStringToFlags`), or `None` for a character it does not know.
pub fn parse(classes: &str) -> Option<u32> {
    classes.chars().try_fold(0, |flags, c| {
        let class = match c {
            'A' => ALL,
            'g' => GENERIC,
            '$' => STRING,
            'l' => LIST,
            's' => SET,
            'h' => HASH,
            'z' => ZSET,
            'x' => EXPIRED,
            'e' => EVICTED,
            'K' => KEYSPACE,
            'E' => KEYEVENT,
            't' => STREAM,
            'm' => KEY_MISS,
            'd' => MODULE,
            'n' => NEW,
            _ => return None,
        };
        Some(flags | class)
    })
}

/// The string CONFIG GET shows for `flags` (Redis's
/// `keyspaceEventsFlagsToString`, which folds `n` into `A`).
pub fn format(flags: u32) -> String {
    let mut s = String::new();
    if flags & ALL == ALL {
        s.push('A');
    } else {
        for (class, c) in [
            (GENERIC, 'g'),
            (STRING, '$'),
            (LIST, 'l'),
            (SET, 's'),
            (HASH, 'h'),
            (ZSET, 'z'),
            (EXPIRED, 'x'),
            (EVICTED, 'e'),
            (STREAM, 't'),
            (MODULE, 'd'),
            (NEW, 'n'),
        ] {
            if flags & class != 0 {
                s.push(c);
            }
        }
    }
    for (class, c) in [(KEYSPACE, 'K'), (KEYEVENT, 'E'), (KEY_MISS, 'm')] {
        if flags & class != 0 {
            s.push(c);
        }
    }
    s
}

/// One event: `name` happened to `key` in database `db`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub db: usize,
    pub name: &'static str,
    pub key: Bytes,
}

/// One core's events not yet published, and the classes to record.
#[derive(Default)]
pub struct Notifier {
    flags: Cell<u32>,
    /// While set, nothing is recorded (writes whose events a command
    /// reports itself, as SINTERSTORE's).
    muted: Cell<bool>,
    events: RefCell<Vec<Event>>,
    /// Whether `events` holds any: checked after every op, so a plain load.
    pending: Cell<bool>,
}

impl Notifier {
    pub fn set_flags(&self, flags: u32) {
        self.flags.set(flags);
    }

    /// Records that `name` (of class `class`) happened to `key` in `db`.
    #[inline]
    pub fn emit(&self, db: usize, class: u32, name: &'static str, key: &[u8]) {
        let flags = self.flags.get();
        if flags & class == 0 || flags & (KEYSPACE | KEYEVENT) == 0 || self.muted.get() {
            return;
        }
        self.events.borrow_mut().push(Event {
            db,
            name,
            key: Bytes::copy_from_slice(key),
        });
        self.pending.set(true);
    }

    /// Whether events wait to be published.
    #[inline]
    pub fn pending(&self) -> bool {
        self.pending.get()
    }

    /// The (channel, message) pairs of every recorded event, in order.
    pub fn take_messages(&self) -> Vec<(Bytes, Bytes)> {
        let flags = self.flags.get();
        self.pending.set(false);
        let events = std::mem::take(&mut *self.events.borrow_mut());
        let mut out = Vec::with_capacity(events.len() * 2);
        for e in events {
            if flags & KEYSPACE != 0 {
                let mut channel = format!("__keyspace@{}__:", e.db).into_bytes();
                channel.extend_from_slice(&e.key);
                out.push((Bytes::from(channel), Bytes::from_static(e.name.as_bytes())));
            }
            if flags & KEYEVENT != 0 {
                let channel = format!("__keyevent@{}__:{}", e.db, e.name);
                out.push((Bytes::from(channel), e.key));
            }
        }
        out
    }

    /// Runs `f` without recording events.
    pub fn muted<T>(&self, f: impl FnOnce() -> T) -> T {
        let was = self.muted.replace(true);
        let out = f();
        self.muted.set(was);
        out
    }
}

/// Messages for the other cores' subscribers, waiting for this core's
/// sender task (`runtime`), which sends them as PUBLISH ops.
#[derive(Default)]
pub struct Outbox {
    messages: RefCell<Vec<(Bytes, Bytes)>>,
    waker: RefCell<Option<std::task::Waker>>,
}

impl Outbox {
    pub fn push(&self, messages: &[(Bytes, Bytes)]) {
        self.messages.borrow_mut().extend_from_slice(messages);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    /// Waits until messages are waiting and takes them.
    pub async fn next(&self) -> Vec<(Bytes, Bytes)> {
        std::future::poll_fn(|cx| {
            let mut messages = self.messages.borrow_mut();
            if messages.is_empty() {
                *self.waker.borrow_mut() = Some(cx.waker().clone());
                return std::task::Poll::Pending;
            }
            std::task::Poll::Ready(std::mem::take(&mut *messages))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_round_trip_as_redis_writes_them() {
        for (given, shown) in [
            ("KEA", "AKE"),
            ("Kg$lshzxetmn", "g$lshzxetnKm"),
            ("Kx", "xK"),
            ("E", "E"),
            ("AKEmnd", "AKEm"),
            ("gd", "gd"),
            ("", ""),
        ] {
            assert_eq!(format(parse(given).unwrap()), shown, "{given}");
        }
        assert_eq!(parse("Q"), None);
    }

    #[test]
    fn events_become_keyspace_and_keyevent_messages() {
        let n = Notifier::default();
        n.emit(0, STRING, "set", b"k");
        assert!(!n.pending(), "off by default");
        n.set_flags(parse("K$").unwrap());
        n.emit(3, STRING, "set", b"k");
        n.emit(3, GENERIC, "del", b"k");
        assert_eq!(
            n.take_messages(),
            [(Bytes::from("__keyspace@3__:k"), Bytes::from("set"))]
        );
        n.set_flags(parse("KEA").unwrap());
        n.muted(|| n.emit(0, GENERIC, "del", b"k"));
        assert!(!n.pending());
        n.emit(0, GENERIC, "del", b"k");
        assert_eq!(n.take_messages().len(), 2);
    }
}
