//! A node is what one core runs: its shard, the clients it accepted, its
//! counters and its links to the other cores. It lives in one thread and
//! is shared by that thread's tasks through `Rc`.

use crate::client::ClientRegistry;
use crate::cmdstats::{self, CommandStats};
use crate::config::Config;
use crate::evict;
use crate::global::Global;
use crate::keyspace::access::Access;
use crate::latency::LatencyMonitor;
use crate::notify::{Notifier, Outbox};
use crate::pubsub::PubSub;
use crate::runtime::Peers;
use crate::shard::{Shard, ShardId};
use crate::slowlog::SlowLog;
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
    /// Recent rates of the three counters above, in that order.
    pub rates: RefCell<[Rate; 3]>,
}

/// A counter's recent rate per second, as Redis's instantaneous metrics:
/// the mean of the last [`RATE_SAMPLES`] rates, each sampled over about
/// [`RATE_SAMPLE_PERIOD`].
#[derive(Default)]
pub struct Rate {
    /// (ms, counter) when the last sample was taken.
    last: Option<(u64, u64)>,
    samples: [f64; RATE_SAMPLES],
    next: usize,
}

/// Samples a rate is the mean of (Redis's `STATS_METRIC_SAMPLES`).
pub const RATE_SAMPLES: usize = 16;
/// How often rates are sampled (Redis samples in its 100 ms cron).
pub const RATE_SAMPLE_PERIOD: std::time::Duration = std::time::Duration::from_millis(100);

impl Rate {
    /// Records the counter's value at `now_ms`.
    pub fn sample(&mut self, now_ms: u64, value: u64) {
        if let Some((ms, v)) = self.last {
            let elapsed = now_ms.saturating_sub(ms);
            self.samples[self.next] = if elapsed > 0 {
                value.wrapping_sub(v) as f64 * 1000.0 / elapsed as f64
            } else {
                0.0
            };
            self.next = (self.next + 1) % RATE_SAMPLES;
        }
        self.last = Some((now_ms, value));
    }

    /// Per second, over the last samples.
    pub fn per_second(&self) -> f64 {
        self.samples.iter().sum::<f64>() / RATE_SAMPLES as f64
    }
}

impl NodeStats {
    pub fn add(cell: &Cell<u64>, n: u64) {
        cell.set(cell.get().wrapping_add(n));
    }
    /// Samples the rates of the counters (every [`RATE_SAMPLE_PERIOD`]).
    pub fn sample_rates(&self, now_ms: u64) {
        let values = [
            self.commands_processed.get(),
            self.net_input_bytes.get(),
            self.net_output_bytes.get(),
        ];
        for (rate, v) in self.rates.borrow_mut().iter_mut().zip(values) {
            rate.sample(now_ms, v);
        }
    }

    pub fn reset(&self) {
        self.commands_processed.set(0);
        self.net_input_bytes.set(0);
        self.net_output_bytes.set(0);
        *self.rates.borrow_mut() = Default::default();
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
    /// How this core's keys' access fields are kept (the eviction policy's).
    pub access: Rc<Access>,
    /// Keyspace event messages for the other cores.
    pub outbox: Outbox,
    pub stats: NodeStats,
    /// What this core recorded of the commands it ran (see `cmdstats.rs`).
    pub cmdstats: RefCell<CommandStats>,
    /// The slow commands of this core's clients.
    pub slowlog: RefCell<SlowLog>,
    /// This core's latency monitor events.
    pub latency: RefCell<LatencyMonitor>,
    /// The duration (µs) of the last command run on this shard, when it
    /// belongs in the slow log; taken by whoever knows the client.
    pub slow: Cell<Option<u64>>,
    /// Times commands (the TSC where the kernel trusts it)...
    pub clock: quanta::Clock,
    /// ...from this reading: the end of the last command timed, or the
    /// start of the run of commands being planned or executed (see
    /// [`Node::lap`]).
    mark: Cell<u64>,
    /// Links to the other cores; `None` when this is the only one.
    pub peers: Option<Peers>,
    /// This core's own copy: reading it touches no memory other cores
    /// write (an `Arc` shared with them would, through its count).
    config: RefCell<(u64, Rc<Config>)>,
    /// The eviction settings of `config`, read before every command that
    /// may grow memory.
    eviction: Cell<evict::Settings>,
    /// The monitoring settings of `config`, read around every command.
    monitoring: Cell<cmdstats::Settings>,
    /// Transactions this core has coordinated.
    tx_seq: Cell<u64>,
}

impl Node {
    pub fn new(id: ShardId, global: Arc<Global>, peers: Option<Peers>) -> Rc<Node> {
        let config = global.config();
        let notifier = Rc::new(Notifier::default());
        notifier.set_flags(config.notify_keyspace_events);
        let access = Rc::new(Access::default());
        access.set_tracking(config.eviction().tracking());
        let shard = Shard::new(
            id,
            config.databases,
            crate::global::unix_us() ^ (id.0 as u64) << 48,
            &notifier,
            &access,
        );
        Rc::new(Node {
            id,
            shard_count: global.shard_count,
            shard: RefCell::new(shard),
            clients: RefCell::new(ClientRegistry::default()),
            pubsub: RefCell::new(PubSub::default()),
            notifier,
            access,
            outbox: Outbox::default(),
            stats: NodeStats::default(),
            cmdstats: RefCell::new(CommandStats::default()),
            slowlog: RefCell::new(SlowLog::default()),
            latency: RefCell::new(LatencyMonitor::default()),
            slow: Cell::new(None),
            clock: global.clock.clone(),
            mark: Cell::new(0),
            peers,
            config: RefCell::new((global.config_epoch(), Rc::new(Config::clone(&config)))),
            eviction: Cell::new(config.eviction()),
            monitoring: Cell::new(config.monitoring()),
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

    /// The eviction settings (as `config().eviction()`, without a copy of
    /// the configuration).
    pub fn eviction(&self) -> evict::Settings {
        self.refresh_config();
        self.eviction.get()
    }

    /// Starts timing a run of commands that follow one another with no
    /// wait between them (a connection's planning segment, a batch).
    pub fn restart_clock(&self) {
        self.mark.set(self.clock.raw());
    }

    /// Nanoseconds since the last lap or restart: a command's time, read
    /// when it ends (one clock read per command; what ran between two
    /// commands of a run, their routing, counts with the second).
    pub fn lap(&self) -> u64 {
        let now = self.clock.raw();
        let nanos = self.clock.delta_as_nanos(self.mark.get(), now);
        self.mark.set(now);
        nanos
    }

    /// The monitoring settings (as `config().monitoring()`).
    pub fn monitoring(&self) -> cmdstats::Settings {
        self.monitoring.get()
    }

    /// The epoch of this core's copy of the configuration.
    pub fn config_epoch(&self) -> u64 {
        self.config.borrow().0
    }

    /// This core's copy of the configuration, refreshed when it changed.
    pub fn config(&self) -> Rc<Config> {
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
            *cached = (epoch, Rc::new(Config::clone(&self.global.config())));
            self.notifier.set_flags(cached.1.notify_keyspace_events);
            let eviction = cached.1.eviction();
            self.access.set_tracking(eviction.tracking());
            self.eviction.set(eviction);
            self.monitoring.set(cached.1.monitoring());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_is_the_mean_of_the_last_samples() {
        let mut r = Rate::default();
        r.sample(1000, 0);
        assert_eq!(r.per_second(), 0.0);
        // 16 samples of 100 ms with 50 more each: 500 per second.
        for i in 1..=16u64 {
            r.sample(1000 + i * 100, i * 50);
        }
        assert_eq!(r.per_second(), 500.0);
        // Idle samples replace them one by one.
        for i in 17..=24u64 {
            r.sample(1000 + i * 100, 16 * 50);
        }
        assert_eq!(r.per_second(), 250.0);
        // A clock that did not move counts as no rate, not a division by 0.
        r.sample(1000 + 24 * 100, 16 * 50 + 7);
        assert!(r.per_second().is_finite());
    }
}
