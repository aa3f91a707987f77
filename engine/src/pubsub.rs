//! Publish/subscribe on one core: which of this core's clients subscribe to
//! which channels and patterns, and each client's inbox of messages not yet
//! written to its socket.
//!
//! A client subscribes on the core it is connected to. PUBLISH runs on every
//! core (see `commands/pubsub.rs`): each delivers to its own subscribers and
//! counts them, and the counts are summed. Messages from one publisher reach
//! a subscriber in the order they were published, because a connection's
//! requests reach each core in order.
//!
//! An inbox is bounded by `client-output-buffer-limit pubsub`: past the hard
//! limit, or past the soft limit for longer than its seconds, the client is
//! disconnected and its inbox dropped, so a subscriber that does not read
//! cannot make the server's memory grow.

use crate::client::KillSwitch;
use crate::keyspace::glob::glob_match;
use bytes::{Bytes, BytesMut};
use shoal_proto::{Protocol, ReplyWriter};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Redis's `client-output-buffer-limit` for one client class; all zero is
/// no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutputLimit {
    /// Bytes past which the client is closed at once; 0 = none.
    pub hard_bytes: usize,
    /// Bytes past which, held for `soft_seconds`, the client is closed.
    pub soft_bytes: usize,
    pub soft_seconds: u64,
}

/// Messages waiting for one subscribed client.
pub struct Inbox {
    client_id: u64,
    protocol: Cell<Protocol>,
    buf: RefCell<BytesMut>,
    waker: RefCell<Option<Waker>>,
    kill: Rc<KillSwitch>,
    /// When the inbox went past the soft limit (Unix ms), while it stays.
    over_soft_since_ms: Cell<Option<u64>>,
}

impl Inbox {
    pub fn new(client_id: u64, protocol: Protocol, kill: Rc<KillSwitch>) -> Rc<Inbox> {
        Rc::new(Inbox {
            client_id,
            protocol: Cell::new(protocol),
            buf: RefCell::new(BytesMut::new()),
            waker: RefCell::new(None),
            kill,
            over_soft_since_ms: Cell::new(None),
        })
    }

    pub fn set_protocol(&self, protocol: Protocol) {
        self.protocol.set(protocol);
    }

    pub fn is_empty(&self) -> bool {
        self.buf.borrow().is_empty()
    }

    /// Bytes waiting.
    pub fn len(&self) -> usize {
        self.buf.borrow().len()
    }

    /// Takes what is waiting, to be written to the socket.
    pub fn take(&self) -> BytesMut {
        self.over_soft_since_ms.set(None);
        self.buf.borrow_mut().split()
    }

    /// Resolves when a message is waiting.
    pub fn ready(self: &Rc<Self>) -> InboxReady {
        InboxReady(self.clone())
    }

    /// Appends one message written by `write` in the client's protocol,
    /// unless the client is over its limit, which closes it instead.
    fn deliver(&self, limit: OutputLimit, now_ms: u64, write: impl FnOnce(&mut ReplyWriter<'_>)) {
        if self.kill.is_killed() {
            return;
        }
        let len = {
            let mut buf = self.buf.borrow_mut();
            write(&mut ReplyWriter::new(&mut buf, self.protocol.get()));
            buf.len()
        };
        if limit.hard_bytes > 0 && len > limit.hard_bytes {
            return self.overflow("hard");
        }
        if limit.soft_bytes > 0 && len > limit.soft_bytes {
            let since = *self.over_soft_since_ms.get().get_or_insert(now_ms);
            self.over_soft_since_ms.set(Some(since));
            if now_ms.saturating_sub(since) >= limit.soft_seconds.saturating_mul(1000) {
                return self.overflow("soft");
            }
        } else {
            self.over_soft_since_ms.set(None);
        }
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    fn overflow(&self, which: &str) {
        tracing::warn!(
            client = self.client_id,
            limit = which,
            "client scheduled to be closed ASAP for overcoming of output buffer limits"
        );
        *self.buf.borrow_mut() = BytesMut::new();
        self.kill.kill();
    }
}

pub struct InboxReady(Rc<Inbox>);

impl Future for InboxReady {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.0.is_empty() {
            return Poll::Ready(());
        }
        *self.0.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// The three kinds of subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Channel,
    Pattern,
    ShardChannel,
}

impl Kind {
    /// The reply word of a subscription and of its end.
    pub fn words(self) -> (&'static [u8], &'static [u8]) {
        match self {
            Kind::Channel => (b"subscribe", b"unsubscribe"),
            Kind::Pattern => (b"psubscribe", b"punsubscribe"),
            Kind::ShardChannel => (b"ssubscribe", b"sunsubscribe"),
        }
    }
}

type Subscribers = HashMap<Bytes, Vec<Rc<Inbox>>, ahash::RandomState>;

/// This core's subscriptions.
#[derive(Default)]
pub struct PubSub {
    channels: Subscribers,
    patterns: Subscribers,
    shard_channels: Subscribers,
}

impl PubSub {
    fn map(&mut self, kind: Kind) -> &mut Subscribers {
        match kind {
            Kind::Channel => &mut self.channels,
            Kind::Pattern => &mut self.patterns,
            Kind::ShardChannel => &mut self.shard_channels,
        }
    }

    fn map_ref(&self, kind: Kind) -> &Subscribers {
        match kind {
            Kind::Channel => &self.channels,
            Kind::Pattern => &self.patterns,
            Kind::ShardChannel => &self.shard_channels,
        }
    }

    /// Adds a subscription (the caller knows the client did not have it).
    pub fn subscribe(&mut self, kind: Kind, name: &Bytes, inbox: &Rc<Inbox>) {
        self.map(kind)
            .entry(name.clone())
            .or_default()
            .push(inbox.clone());
    }

    /// Removes a subscription of client `client_id`.
    pub fn unsubscribe(&mut self, kind: Kind, name: &[u8], client_id: u64) {
        let map = self.map(kind);
        if let Some(list) = map.get_mut(name) {
            list.retain(|i| i.client_id != client_id);
            if list.is_empty() {
                map.remove(name);
            }
        }
    }

    /// Delivers `message` on `channel` (a shard channel if `sharded`) to
    /// this core's subscribers. Returns how many received it.
    pub fn publish(
        &self,
        channel: &[u8],
        message: &[u8],
        sharded: bool,
        limit: OutputLimit,
        now_ms: u64,
    ) -> usize {
        let mut received = 0;
        let (map, word): (&Subscribers, &[u8]) = if sharded {
            (&self.shard_channels, b"smessage")
        } else {
            (&self.channels, b"message")
        };
        for inbox in map.get(channel).into_iter().flatten() {
            inbox.deliver(limit, now_ms, |w| {
                w.push(3);
                w.bulk(word);
                w.bulk(channel);
                w.bulk(message);
            });
            received += 1;
        }
        if sharded {
            return received;
        }
        for (pattern, inboxes) in &self.patterns {
            if !glob_match(pattern, channel, false) {
                continue;
            }
            for inbox in inboxes {
                inbox.deliver(limit, now_ms, |w| {
                    w.push(4);
                    w.bulk(b"pmessage");
                    w.bulk(pattern);
                    w.bulk(channel);
                    w.bulk(message);
                });
                received += 1;
            }
        }
        received
    }

    /// The channels (or shard channels) with a subscriber here that match
    /// `pattern` (all when `None`).
    pub fn names(&self, kind: Kind, pattern: Option<&[u8]>) -> Vec<Bytes> {
        self.map_ref(kind)
            .keys()
            .filter(|c| pattern.is_none_or(|p| glob_match(p, c, false)))
            .cloned()
            .collect()
    }

    /// Subscribers here of `name`.
    pub fn count(&self, kind: Kind, name: &[u8]) -> usize {
        self.map_ref(kind).get(name).map_or(0, Vec::len)
    }
}

/// One client's subscriptions (on the connection; the core's [`PubSub`]
/// holds the same facts by channel). Most clients never subscribe: the
/// sets live behind one box made at the first subscription, and `any`,
/// asked for every command, reads one counter.
#[derive(Default)]
pub struct Subscriptions {
    /// Subscriptions of every kind.
    total: usize,
    /// Channels, patterns and shard channels, in `Kind` order.
    sets: Option<Box<[HashSet<Bytes, ahash::RandomState>; 3]>>,
}

impl Subscriptions {
    /// Whether the client subscribes to anything (then, in RESP2, only the
    /// subscription commands, PING, QUIT and RESET are allowed).
    #[inline]
    pub fn any(&self) -> bool {
        self.total > 0
    }

    fn slot(kind: Kind) -> usize {
        match kind {
            Kind::Channel => 0,
            Kind::Pattern => 1,
            Kind::ShardChannel => 2,
        }
    }

    /// Adds a subscription; false if the client had it.
    pub fn insert(&mut self, kind: Kind, name: &Bytes) -> bool {
        let sets = self.sets.get_or_insert_with(Default::default);
        let added = sets[Self::slot(kind)].insert(name.clone());
        self.total += usize::from(added);
        added
    }

    /// Ends a subscription; false if the client did not have it.
    pub fn remove(&mut self, kind: Kind, name: &[u8]) -> bool {
        let Some(sets) = &mut self.sets else {
            return false;
        };
        let removed = sets[Self::slot(kind)].remove(name);
        self.total -= usize::from(removed);
        removed
    }

    /// The names subscribed to, of one kind.
    pub fn names(&self, kind: Kind) -> Vec<Bytes> {
        self.sets
            .as_ref()
            .map(|sets| sets[Self::slot(kind)].iter().cloned().collect())
            .unwrap_or_default()
    }

    fn len(&self, kind: Kind) -> usize {
        self.sets
            .as_ref()
            .map_or(0, |sets| sets[Self::slot(kind)].len())
    }

    /// Channels, patterns and shard channels subscribed to (CLIENT LIST's
    /// `sub`, `psub` and `ssub`).
    pub fn counts(&self) -> [usize; 3] {
        [Kind::Channel, Kind::Pattern, Kind::ShardChannel].map(|k| self.len(k))
    }

    /// The count a (un)subscribe reply carries: channels and patterns
    /// together, shard channels on their own (as Redis counts them).
    pub fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Channel | Kind::Pattern => self.len(Kind::Channel) + self.len(Kind::Pattern),
            Kind::ShardChannel => self.len(Kind::ShardChannel),
        }
    }

    /// Ends every subscription, in this core's registry too.
    pub fn clear(&mut self, registry: &mut PubSub, client_id: u64) {
        if let Some(sets) = self.sets.take() {
            for (kind, set) in [Kind::Channel, Kind::Pattern, Kind::ShardChannel]
                .into_iter()
                .zip(sets.iter())
            {
                for name in set {
                    registry.unsubscribe(kind, name, client_id);
                }
            }
        }
        self.total = 0;
    }
}
