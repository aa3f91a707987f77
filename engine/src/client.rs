//! The clients one core accepted: what CLIENT LIST shows, and the switch
//! CLIENT KILL (or the idle timeout) uses to close a connection.

use bytes::Bytes;
use shoal_proto::Protocol;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// How CLIENT UNBLOCK ends a blocking command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unblock {
    /// As if its timeout had passed.
    Timeout,
    /// With the `UNBLOCKED` error.
    Error,
}

/// Closes a connection (CLIENT KILL, the idle timeout), or ends its
/// blocking command (CLIENT UNBLOCK), from outside its task. Only the
/// connection's own task waits on it, so one waker serves both.
#[derive(Default)]
pub struct KillSwitch {
    killed: Cell<bool>,
    unblock: Cell<Option<Unblock>>,
    waker: RefCell<Option<Waker>>,
}

impl KillSwitch {
    pub fn kill(&self) {
        self.killed.set(true);
        self.wake();
    }
    pub fn is_killed(&self) -> bool {
        self.killed.get()
    }
    /// Resolves once the switch is thrown.
    pub fn wait(self: &Rc<Self>) -> KillWait {
        KillWait(self.clone())
    }

    /// Asks the blocking command the client waits in to end.
    pub fn unblock(&self, how: Unblock) {
        self.unblock.set(Some(how));
        self.wake();
    }
    /// Takes the request to end the blocking command, if one came.
    pub fn take_unblock(&self) -> Option<Unblock> {
        self.unblock.take()
    }
    /// Resolves once the blocking command is asked to end.
    pub async fn unblocked(self: &Rc<Self>) -> Unblock {
        std::future::poll_fn(|cx| match self.unblock.get() {
            Some(how) => Poll::Ready(how),
            None => {
                *self.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }

    fn wake(&self) {
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }
}

pub struct KillWait(Rc<KillSwitch>);

impl Future for KillWait {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0.killed.get() {
            Poll::Ready(())
        } else {
            *self.0.waker.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

/// One client, as CLIENT LIST shows it.
pub struct ClientInfo {
    pub id: u64,
    pub addr: String,
    pub laddr: String,
    pub fd: i32,
    pub name: Option<Bytes>,
    pub db: usize,
    pub created_ms: u64,
    pub last_interaction_ms: u64,
    /// Full name of the last command (`client|list`).
    pub last_cmd: &'static str,
    pub protocol: Protocol,
    pub query_buffer_len: usize,
    pub query_buffer_cap: usize,
    /// Channels, patterns and shard channels subscribed to.
    pub subscriptions: [usize; 3],
    /// Commands queued since MULTI; None outside a transaction.
    pub multi: Option<usize>,
    /// Waiting in a blocking command.
    pub blocked: bool,
    /// Closes once its replies are written (QUIT, CLIENT KILL of itself).
    pub close_after_reply: bool,
    pub kill: Rc<KillSwitch>,
}

impl ClientInfo {
    /// Subscribed to anything: CLIENT LIST's `pubsub` type.
    pub fn is_pubsub(&self) -> bool {
        self.subscriptions.iter().any(|&n| n > 0)
    }

    /// CLIENT LIST's `flags`, the letters Redis 7.0 uses for the states a
    /// Shoal client can be in, in Redis's order (`N` for none).
    fn flags(&self) -> String {
        let mut flags = String::new();
        let states = [
            (self.is_pubsub(), 'P'),
            (self.multi.is_some(), 'x'),
            (self.blocked, 'b'),
            (self.close_after_reply, 'c'),
        ];
        flags.extend(states.iter().filter(|(on, _)| *on).map(|&(_, c)| c));
        if flags.is_empty() {
            flags.push('N');
        }
        flags
    }

    /// The CLIENT LIST / CLIENT INFO line, with Redis 7.0's fields.
    pub fn line(&self, now_ms: u64) -> String {
        let age = now_ms.saturating_sub(self.created_ms) / 1000;
        let idle = now_ms.saturating_sub(self.last_interaction_ms) / 1000;
        let name = self
            .name
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let resp = match self.protocol {
            Protocol::Resp2 => 2,
            Protocol::Resp3 => 3,
        };
        let [sub, psub, ssub] = self.subscriptions;
        let multi = self.multi.map_or("-1".into(), |n| n.to_string());
        format!(
            "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={sub} psub={psub} ssub={ssub} multi={multi} qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs={} rbp=0 obl=0 oll=0 omem=0 tot-mem={} events=r cmd={} user=default redir=-1 resp={}\n",
            self.id,
            self.addr,
            self.laddr,
            self.fd,
            name,
            age,
            idle,
            self.flags(),
            self.db,
            self.query_buffer_len,
            self.query_buffer_cap.saturating_sub(self.query_buffer_len),
            self.query_buffer_cap,
            self.query_buffer_cap,
            self.last_cmd,
            resp
        )
    }
}

/// The clients of one core, by id.
#[derive(Default)]
pub struct ClientRegistry {
    clients: HashMap<u64, ClientInfo, ahash::RandomState>,
}

impl ClientRegistry {
    pub fn insert(&mut self, info: ClientInfo) {
        self.clients.insert(info.id, info);
    }
    pub fn remove(&mut self, id: u64) {
        self.clients.remove(&id);
    }
    pub fn get_mut(&mut self, id: u64) -> Option<&mut ClientInfo> {
        self.clients.get_mut(&id)
    }
    pub fn get(&self, id: u64) -> Option<&ClientInfo> {
        self.clients.get(&id)
    }
    pub fn iter(&self) -> impl Iterator<Item = &ClientInfo> + '_ {
        self.clients.values()
    }
    pub fn len(&self) -> usize {
        self.clients.len()
    }
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }
}
