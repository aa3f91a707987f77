//! The channel mesh between cores: a request ring and a response ring for
//! every ordered pair of cores (glommio's SPSC shared channels). A core sends
//! each other core at most one batch per client read; replies come back as
//! one message and wake the waiting connection through a local channel.

use crate::dispatch::{execute, ShardBatch, Sink};
use crate::node::Node;
use glommio::channels::channel_mesh::{Receivers, Senders};
use glommio::channels::local_channel::{self, LocalReceiver, LocalSender};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

/// A batch for another core.
pub struct ShardRequest {
    from: usize,
    token: u64,
    batch: ShardBatch,
}

/// The answer: the batch (returned so its buffers are reused) and the sink.
pub struct ShardResponse {
    token: u64,
    batch: ShardBatch,
    sink: Sink,
}

/// This core's end of the mesh.
pub struct Peers {
    requests: Senders<ShardRequest>,
    responses: Senders<ShardResponse>,
    waiting: RefCell<HashMap<u64, LocalSender<(ShardBatch, Sink)>>>,
    next_token: Cell<u64>,
}

/// A reply not yet received.
pub struct PendingReply {
    rx: LocalReceiver<(ShardBatch, Sink)>,
}

impl PendingReply {
    /// The executed batch and its sink; `None` if the other core is gone.
    pub async fn wait(self) -> Option<(ShardBatch, Sink)> {
        self.rx.recv().await
    }
}

impl Peers {
    pub fn new(requests: Senders<ShardRequest>, responses: Senders<ShardResponse>) -> Peers {
        Peers {
            requests,
            responses,
            waiting: RefCell::new(HashMap::new()),
            next_token: Cell::new(0),
        }
    }

    /// Sends `batch` to core `to`. Gives the batch back if the ring is closed.
    pub async fn send(&self, to: usize, batch: ShardBatch) -> Result<PendingReply, ShardBatch> {
        let token = self.next_token.get();
        self.next_token.set(token.wrapping_add(1));
        let (tx, rx) = local_channel::new_bounded(1);
        self.waiting.borrow_mut().insert(token, tx);
        let request = ShardRequest {
            from: self.requests.peer_id(),
            token,
            batch,
        };
        match self.requests.send_to(to, request).await {
            Ok(()) => Ok(PendingReply { rx }),
            Err(e) => {
                self.waiting.borrow_mut().remove(&token);
                match e {
                    glommio::GlommioError::Closed(glommio::ResourceType::Channel(r)) => {
                        Err(r.batch)
                    }
                    _ => Err(ShardBatch::default()),
                }
            }
        }
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
                let mut sink = Sink::default();
                execute(&node_a, &req.batch, &mut sink);
                let Some(peers) = &node_a.peers else { return };
                let resp = ShardResponse {
                    token: req.token,
                    batch: req.batch,
                    sink,
                };
                if peers.responses.send_to(req.from, resp).await.is_err() {
                    return;
                }
            }
        })
        .detach();
        let (node_b, rx) = (node.clone(), responses.clone());
        glommio::spawn_local(async move {
            while let Ok(Some(resp)) = rx.recv_from(peer).await {
                let Some(peers) = &node_b.peers else { return };
                let waiter = peers.waiting.borrow_mut().remove(&resp.token);
                if let Some(tx) = waiter {
                    // The connection may have gone; then the reply is dropped.
                    let _ = tx.try_send((resp.batch, resp.sink));
                }
            }
        })
        .detach();
    }
}
