//! The channel mesh between cores: a request ring and a response ring for
//! every ordered pair of cores (glommio's SPSC shared channels). A core sends
//! each other core at most one batch per client read, with the sink the
//! replies go into (both are the connection's, so their buffers are reused
//! and freed on the core that allocated them); they come back as one message
//! and wake the waiting connection through its `ReplySlot`.

use crate::dispatch::{execute, OpHead, OpKind, ShardBatch, Sink};
use crate::node::Node;
use crate::txn::locks::Done;
use crate::txn::TxId;
use glommio::channels::channel_mesh::{Receivers, Senders};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// A batch for another core, and the sink to answer into.
pub struct ShardRequest {
    from: usize,
    token: u64,
    batch: ShardBatch,
    sink: Sink,
}

/// The answer: the batch (returned so its buffers are reused) and the sink.
pub struct ShardResponse {
    token: u64,
    batch: ShardBatch,
    sink: Sink,
}

/// Where a response waits for its connection: a one-shot, single-core cell.
#[derive(Default)]
struct ReplySlot {
    reply: Cell<Option<(ShardBatch, Sink)>>,
    waker: Cell<Option<Waker>>,
    /// The mesh is gone: no reply will come.
    closed: Cell<bool>,
}

impl ReplySlot {
    fn fill(&self, reply: Option<(ShardBatch, Sink)>) {
        match reply {
            Some(r) => self.reply.set(Some(r)),
            None => self.closed.set(true),
        }
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

/// This core's end of the mesh.
pub struct Peers {
    requests: Senders<ShardRequest>,
    responses: Senders<ShardResponse>,
    waiting: RefCell<HashMap<u64, Rc<ReplySlot>, ahash::RandomState>>,
    next_token: Cell<u64>,
}

impl Drop for Peers {
    fn drop(&mut self) {
        for (_, slot) in self.waiting.get_mut().drain() {
            slot.fill(None);
        }
    }
}

/// A reply not yet received.
pub struct PendingReply {
    slot: Rc<ReplySlot>,
}

impl PendingReply {
    /// A reply for work on this core's own shard that was parked behind a
    /// lock: the pending end, and what the shard calls when it finished.
    pub fn local() -> (PendingReply, Done) {
        let slot = Rc::new(ReplySlot::default());
        let filler = slot.clone();
        let done: Done = Box::new(move |batch, sink| filler.fill(Some((batch, sink))));
        (PendingReply { slot }, done)
    }

    /// The executed batch and its sink; `None` if the other core is gone.
    pub async fn wait(self) -> Option<(ShardBatch, Sink)> {
        poll_fn(|cx| self.poll(cx)).await
    }

    /// [`PendingReply::wait`] as a poll: ready once, with the reply.
    pub fn poll(&self, cx: &mut Context<'_>) -> Poll<Option<(ShardBatch, Sink)>> {
        if let Some(reply) = self.slot.reply.take() {
            return Poll::Ready(Some(reply));
        }
        if self.slot.closed.get() {
            return Poll::Ready(None);
        }
        self.slot.waker.set(Some(cx.waker().clone()));
        Poll::Pending
    }
}

impl Peers {
    pub fn new(requests: Senders<ShardRequest>, responses: Senders<ShardResponse>) -> Peers {
        Peers {
            requests,
            responses,
            waiting: RefCell::new(HashMap::default()),
            next_token: Cell::new(0),
        }
    }

    /// Sends `batch` to core `to`, to be answered into `sink`. Gives both
    /// back if the ring is closed.
    pub async fn send(
        &self,
        to: usize,
        batch: ShardBatch,
        sink: Sink,
    ) -> Result<PendingReply, (ShardBatch, Sink)> {
        let token = self.next_token.get();
        self.next_token.set(token.wrapping_add(1));
        let slot = Rc::new(ReplySlot::default());
        self.waiting.borrow_mut().insert(token, slot.clone());
        let request = ShardRequest {
            from: self.requests.peer_id(),
            token,
            batch,
            sink,
        };
        match self.requests.send_to(to, request).await {
            Ok(()) => Ok(PendingReply { slot }),
            Err(e) => {
                self.waiting.borrow_mut().remove(&token);
                match e {
                    glommio::GlommioError::Closed(glommio::ResourceType::Channel(r)) => {
                        Err((r.batch, r.sink))
                    }
                    _ => Err((ShardBatch::default(), Sink::default())),
                }
            }
        }
    }
}

/// Sends the keyspace event messages this core records to the other cores,
/// as PUBLISH ops (each delivers to its own subscribers).
pub async fn notify_loop(node: Rc<Node>) {
    let Some(publish) = crate::command::table::lookup(b"publish") else {
        return;
    };
    let head = OpHead {
        spec: publish,
        kind: OpKind::Command,
        tx: TxId::NONE,
        db: 0,
        protocol: shoal_proto::Protocol::Resp2,
        client_id: 0,
    };
    let name = bytes::Bytes::from_static(b"PUBLISH");
    loop {
        let messages = node.outbox.next().await;
        let Some(peers) = &node.peers else { return };
        for s in (0..node.shard_count).filter(|&s| s != node.id.0) {
            let mut batch = ShardBatch::default();
            for (channel, message) in &messages {
                batch.push(&head, [&name, channel, message]);
            }
            // Nobody waits for the counts: the pending reply is dropped.
            if peers.send(s, batch, Sink::default()).await.is_err() {
                return;
            }
        }
    }
}

/// Sends a response to core `to`; false when the mesh is gone.
async fn respond(node: Rc<Node>, to: usize, resp: ShardResponse) -> bool {
    match &node.peers {
        Some(peers) => peers.responses.send_to(to, resp).await.is_ok(),
        None => false,
    }
}

/// Spawns, for every other core, a task that executes its requests on this
/// shard and one that routes its responses to the waiting connections.
pub fn spawn_peer_tasks(
    node: &Rc<Node>,
    requests: Receivers<ShardRequest>,
    responses: Receivers<ShardResponse>,
) {
    let requests = Rc::new(requests);
    let responses = Rc::new(responses);
    let me = node.id.0;
    for peer in 0..node.shard_count {
        if peer == me {
            continue;
        }
        let (node_a, rx) = (node.clone(), requests.clone());
        glommio::spawn_local(async move {
            while let Ok(Some(req)) = rx.recv_from(peer).await {
                let (from, token) = (req.from, req.token);
                // Work parked behind a lock answers from its own task when
                // it has finished; this one goes on with the next request.
                let parked_node = node_a.clone();
                let park = move || -> Done {
                    Box::new(move |batch, sink| {
                        let resp = ShardResponse { token, batch, sink };
                        glommio::spawn_local(respond(parked_node, from, resp)).detach();
                    })
                };
                if let Some((batch, sink)) = execute(&node_a, req.batch, req.sink, park) {
                    let resp = ShardResponse { token, batch, sink };
                    if !respond(node_a.clone(), from, resp).await {
                        return;
                    }
                }
            }
        })
        .detach();
        let (node_b, rx) = (node.clone(), responses.clone());
        glommio::spawn_local(async move {
            while let Ok(Some(resp)) = rx.recv_from(peer).await {
                let Some(peers) = &node_b.peers else { return };
                let waiter = peers.waiting.borrow_mut().remove(&resp.token);
                // The connection may have gone; then the reply is dropped
                // with the slot.
                if let Some(slot) = waiter {
                    slot.fill(Some((resp.batch, resp.sink)));
                }
            }
        })
        .detach();
    }
}
