//! A node is what one core runs: its shard, the clients it accepted, its
//! counters and its links to the other cores. It lives in one thread and
//! is shared by that thread's tasks through `Rc`.

use crate::client::ClientRegistry;
use crate::config::Config;
use crate::global::Global;
use crate::notify::{Notifier, Outbox};
use crate::pubsub::PubSub;
use crate::runtime::Peers;
use crate::shard::{Shard, ShardId};
use crate::txn::TxId;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

/// Counters one core keeps for INFO stats.
#[derive(Default)]
pub struct NodeStats {
    pub commands_processed: Cell<u64>,
    pub net_input_bytes: Cell<u64>,
    pub net_output_bytes: Cell<u64>,
}

impl NodeStats {
    pub fn add(cell: &Cell<u64>, n: u64) {
        cell.set(cell.get().wrapping_add(n));
    }
    pub fn reset(&self) {
        self.commands_processed.set(0);
        self.net_input_bytes.set(0);
        self.net_output_bytes.set(0);
    }
}

pub struct Node {
    pub id: ShardId,
    pub shard_count: usize,
    pub global: Arc<Global>,
    pub shard: RefCell<Shard>,
    pub clients: RefCell<ClientRegistry>,
    /// This core's pub/sub subscriptions.
    pub pubsub: RefCell<PubSub>,
    /// Keyspace events of this core's shard, not yet published.
    pub notifier: Rc<Notifier>,
    /// Keyspace event messages for the other cores.
    pub outbox: Outbox,
    pub stats: NodeStats,
    /// Links to the other cores; `None` when this is the only one.
    pub peers: Option<Peers>,
    config: RefCell<(u64, Arc<Config>)>,
    /// Transactions this core has coordinated.
    tx_seq: Cell<u64>,
}

impl Node {
    pub fn new(id: ShardId, global: Arc<Global>, peers: Option<Peers>) -> Rc<Node> {
        let config = global.config();
        let notifier = Rc::new(Notifier::default());
        notifier.set_flags(config.notify_keyspace_events);
        let shard = Shard::new(
            id,
            config.databases,
            crate::global::unix_us() ^ (id.0 as u64) << 48,
            &notifier,
        );
        Rc::new(Node {
            id,
            shard_count: global.shard_count,
            shard: RefCell::new(shard),
            clients: RefCell::new(ClientRegistry::default()),
            pubsub: RefCell::new(PubSub::default()),
            notifier,
            outbox: Outbox::default(),
            stats: NodeStats::default(),
            peers,
            config: RefCell::new((global.config_epoch(), config)),
            tx_seq: Cell::new(0),
            global,
        })
    }

    /// Publishes the keyspace events recorded so far: to this core's
    /// subscribers now, to the other cores' through the outbox.
    pub fn publish_events(&self) {
        let messages = self.notifier.take_messages();
        if messages.is_empty() {
            return;
        }
        let limit = self.config().output_limit_pubsub;
        let now = crate::global::unix_ms();
        {
            let pubsub = self.pubsub.borrow();
            for (channel, message) in &messages {
                pubsub.publish(channel, message, false, limit, now);
            }
        }
        if self.shard_count > 1 {
            self.outbox.push(&messages);
        }
    }

    /// A new transaction coordinated by this core.
    pub fn new_tx(&self) -> TxId {
        let seq = self.tx_seq.get().wrapping_add(1);
        self.tx_seq.set(seq);
        TxId::new(self.id.0, seq)
    }

    /// This core's copy of the configuration, refreshed when it changed.
    pub fn config(&self) -> Arc<Config> {
        self.refresh_config();
        self.config.borrow().1.clone()
    }

    /// Takes a changed configuration into this core's copy (and the
    /// settings cached elsewhere on the core, as the notification classes).
    /// One atomic load when nothing changed; run before every batch.
    pub fn refresh_config(&self) {
        let epoch = self.global.config_epoch();
        let mut cached = self.config.borrow_mut();
        if cached.0 != epoch {
            *cached = (epoch, self.global.config());
            self.notifier.set_flags(cached.1.notify_keyspace_events);
        }
    }
}
