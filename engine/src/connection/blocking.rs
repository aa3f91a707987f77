//! The connection's side of a blocking command (see `blocking.rs`): it
//! tries the command, waits for a shard to serve the client while it
//! watches the timeout and the client's socket, and withdraws what still
//! waits when the wait is over.

use super::{Close, Connection};
use crate::blocking::{self, BlockSpec, Claim};
use crate::client::Unblock;
use crate::command::CommandSpec;
use crate::dispatch::{OpHead, OpKind, Part};
use crate::node::NodeStats;
use crate::runtime::{self, PendingReply, ReadOutcome, Woken};
use crate::shard::shard_of;
use bytes::Bytes;
use futures_lite::{AsyncRead, AsyncWrite};
use shoal_proto::ReplyWriter;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How one wait ended.
enum Outcome {
    /// A shard served the client: its reply is in the output buffer.
    Answered,
    /// The command must be tried again (BLMOVE to another shard).
    Retry,
    TimedOut,
    /// CLIENT UNBLOCK ... ERROR.
    UnblockedWithError,
    Closed(Close),
}

impl Connection {
    /// Request `i`, a blocking command outside a transaction: answers it
    /// into the output buffer when a key holds something or the timeout
    /// passes; sets `closed` if the client goes away meanwhile.
    pub(super) async fn block<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        i: usize,
        b: BlockSpec,
        stream: &mut S,
    ) {
        let Ok(spec) = self.specs[i] else { return };
        let argv: Vec<Bytes> = self.args[self.requests[i].clone()].to_vec();
        let n = self.node.shard_count;
        let mut shards: Vec<usize> = blocking::waited_positions(spec, &b, &argv)
            .into_iter()
            .map(|p| shard_of(&argv[p], n).0)
            .collect();
        shards.sort_unstable();
        shards.dedup();
        if shards.is_empty() {
            // No key (a bad key count): the shard answers the error.
            shards.push(self.node.id.0);
        }
        let one_shard = spec
            .keys
            .positions(&argv)
            .all(|p| shard_of(&argv[p], n).0 == shards[0]);
        // A bad timeout is answered by the first try.
        let deadline = match blocking::timeout_of(&b, &argv) {
            Ok(ms) if ms > 0 => Instant::now().checked_add(Duration::from_millis(ms)),
            _ => None,
        };
        loop {
            if !one_shard {
                // As in Redis, the pop is from the first key, in argument
                // order, that holds something: one look at all of them,
                // as a transaction.
                let mark = self.outbuf.len();
                self.would_wait = false;
                self.run_transaction(i..i + 1, None).await;
                if !self.would_wait {
                    return;
                }
                self.outbuf.truncate(mark);
            }
            match self.wait_once(spec, &argv, &shards, deadline, stream).await {
                Outcome::Answered => return,
                Outcome::Retry => continue,
                Outcome::TimedOut => {
                    // Redis's replyToBlockedClientTimedOut: a null array
                    // whatever the command (BLMOVE's null is a bulk only
                    // when it does not wait, inside MULTI).
                    ReplyWriter::new(&mut self.outbuf, self.state.protocol).null_array();
                    return;
                }
                Outcome::UnblockedWithError => {
                    const UNBLOCKED: &[u8] = b"UNBLOCKED client unblocked via CLIENT UNBLOCK";
                    ReplyWriter::new(&mut self.outbuf, self.state.protocol).error(UNBLOCKED);
                    self.node.cmdstats.borrow_mut().error(UNBLOCKED);
                    return;
                }
                Outcome::Closed(close) => {
                    self.closed = Some(close);
                    return;
                }
            }
        }
    }

    /// Sends the command's `Block` op to `shards` and waits until one
    /// serves the client, the deadline passes or the client goes away;
    /// then withdraws the ops still waiting.
    async fn wait_once<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        spec: &'static CommandSpec,
        argv: &[Bytes],
        shards: &[usize],
        deadline: Option<Instant>,
        stream: &mut S,
    ) -> Outcome {
        let claim = Claim::default();
        self.begin_segment();
        let head = OpHead {
            kind: OpKind::Block,
            ..self.head(spec)
        };
        for &s in shards {
            self.batches[s].push(&head, argv.iter());
            self.batches[s].claim = Some(claim.clone());
        }
        let (waiting, mut pending): (Vec<usize>, Vec<Option<PendingReply>>) = self
            .send()
            .await
            .into_iter()
            .map(|(s, p)| (s, Some(p)))
            .unzip();
        // A shard that answered at once (this core's).
        let mut outcome = shards
            .iter()
            .filter(|s| !waiting.contains(s))
            .find_map(|&s| self.served(spec, s));
        if outcome.is_none() && !pending.is_empty() {
            // The replies before the command go out while it waits.
            if let Err(e) = self.flush(stream).await {
                outcome = Some(Outcome::Closed(Close::Io(e)));
            }
        }
        let global = self.node.global.clone();
        let timed = deadline.is_some();
        global.blocked_clients.fetch_add(1, Ordering::Relaxed);
        if timed {
            global.blocked_with_timeout.fetch_add(1, Ordering::Relaxed);
        }
        // A request that came too late for an earlier wait is not for this
        // one.
        self.kill.take_unblock();
        self.set_blocked(true);
        let mut deadline = deadline;
        while outcome.is_none() && pending.iter().any(Option::is_some) {
            let inbox = self.state.inbox.clone();
            let woken = runtime::wait_blocked(
                &mut pending,
                deadline,
                stream,
                &mut self.scratch,
                &self.kill,
                &inbox,
            )
            .await;
            match woken {
                Woken::Reply(k, reply) => {
                    if let Some(reply) = reply {
                        self.put_back(waiting[k], reply);
                        outcome = self.served(spec, waiting[k]);
                    }
                }
                Woken::Deadline if blocking::take(&claim) => outcome = Some(Outcome::TimedOut),
                // A shard is serving the client: its reply is on its way.
                Woken::Deadline => deadline = None,
                Woken::Unblocked(how) => {
                    self.kill.take_unblock();
                    if blocking::take(&claim) {
                        outcome = Some(match how {
                            Unblock::Timeout => Outcome::TimedOut,
                            Unblock::Error => Outcome::UnblockedWithError,
                        });
                    }
                }
                Woken::Read(read) => outcome = self.read_while_blocked(read, stream).await,
            }
        }
        global.blocked_clients.fetch_sub(1, Ordering::Relaxed);
        if timed {
            global.blocked_with_timeout.fetch_sub(1, Ordering::Relaxed);
        }
        self.set_blocked(false);
        // From here on no shard serves the client.
        blocking::take(&claim);
        let still: Vec<usize> = waiting
            .iter()
            .zip(&pending)
            .filter(|(_, p)| p.is_some())
            .map(|(&s, _)| s)
            .collect();
        if !still.is_empty() {
            self.begin_segment();
            let head = OpHead {
                kind: OpKind::Unblock,
                ..self.head(spec)
            };
            for &s in &still {
                self.batches[s].push(&head, []);
                self.batches[s].claim = Some(claim.clone());
            }
            let withdrawals = self.send().await;
            for (k, p) in pending.into_iter().enumerate() {
                let Some(p) = p else { continue };
                if let Some(reply) = p.wait().await {
                    self.put_back(waiting[k], reply);
                    // Served before it was withdrawn (then the claim was
                    // the shard's, and the deadline did not end the wait).
                    if outcome.is_none() {
                        outcome = self.served(spec, waiting[k]);
                    }
                }
            }
            self.collect(withdrawals).await;
        }
        outcome.unwrap_or(Outcome::TimedOut)
    }

    /// Marks the client blocked, or no longer, for CLIENT LIST.
    fn set_blocked(&self, blocked: bool) {
        if let Some(info) = self.node.clients.borrow_mut().get_mut(self.state.id) {
            info.blocked = blocked;
        }
    }

    /// What the `Block` op sent to shard `s` answered: the reply is copied
    /// to the output buffer.
    fn served(&mut self, spec: &'static CommandSpec, s: usize) -> Option<Outcome> {
        let sink = &self.sinks[s];
        match sink.parts.first() {
            Some(Part::Reply(r)) => {
                let reply = sink.bytes(r);
                if let Some(message) = reply.strip_prefix(b"-") {
                    let mut stats = self.node.cmdstats.borrow_mut();
                    stats.error(message);
                    stats.ran(spec, 0, true, false);
                }
                self.outbuf.extend_from_slice(reply);
                Some(Outcome::Answered)
            }
            Some(Part::Int(blocking::RETRY)) => Some(Outcome::Retry),
            _ => None,
        }
    }

    /// What the client did while blocked: more requests are kept for
    /// after the command (within the query buffer limit), pub/sub messages
    /// are written; a close or a kill ends the wait.
    async fn read_while_blocked<S: AsyncWrite + Unpin>(
        &mut self,
        read: ReadOutcome,
        stream: &mut S,
    ) -> Option<Outcome> {
        let close = match read {
            ReadOutcome::Data(n) => {
                self.inbuf.extend_from_slice(&self.scratch[..n]);
                NodeStats::add(&self.node.stats.net_input_bytes, n as u64);
                self.read_ahead = true;
                if self.inbuf.len() <= self.node.config().client_query_buffer_limit {
                    return None;
                }
                tracing::warn!(
                    client = self.state.id,
                    "closing client that reached max query buffer length"
                );
                Close::QueryBufferLimit
            }
            ReadOutcome::Inbox => match self.flush_inbox(stream).await {
                Ok(true) => return None,
                Ok(false) => Close::Killed,
                Err(e) => Close::Io(e),
            },
            ReadOutcome::Eof => Close::Eof,
            ReadOutcome::Error(e) => Close::Io(e),
            ReadOutcome::Killed => Close::Killed,
            ReadOutcome::Idle => return None,
        };
        Some(Outcome::Closed(close))
    }
}
