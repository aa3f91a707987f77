//! The per-core runtime, and the only module that touches glommio: one
//! executor per core, pinned, each with its own SO_REUSEPORT listeners, its
//! node (shard + clients), its active-expiry tick, and its end of the channel
//! mesh to every other core. Keeping glommio here keeps a move to another
//! io_uring runtime possible.

mod mesh;

pub use mesh::{Peers, PendingReply};

use crate::client::{ClientInfo, KillSwitch};
use crate::config::Config;
use crate::connection::{Close, Connection};
use crate::evict::Outcome;
use crate::global::{unix_ms, Global};
use crate::keyspace::Swept;
use crate::limits::{EXPIRE_SLICE, EXPIRE_SWEEP_BUDGET, METRICS_CONNECTIONS_MAX, SHUTDOWN_POLL_MS};
use crate::node::Node;
use crate::pubsub::Inbox;
use crate::shard::ShardId;
use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use glommio::net::{TcpListener, TcpStream};
use glommio::{LocalExecutorBuilder, Placement};
use std::cell::Cell;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The CPUs this process may run on (its affinity mask), in order.
pub fn allowed_cpus() -> Vec<usize> {
    // SAFETY: cpu_set_t is plain data; sched_getaffinity writes at most its size.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let ok =
        unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) }
            == 0;
    if !ok {
        return (0..std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1))
            .collect();
    }
    (0..libc::CPU_SETSIZE as usize)
        // SAFETY: i is below CPU_SETSIZE.
        .filter(|&i| unsafe { libc::CPU_ISSET(i, &set) })
        .collect()
}

/// Runs the server until SIGINT, SIGTERM or SHUTDOWN. Returns an error
/// message if it could not start.
pub fn run(config: Config) -> Result<(), String> {
    let cpus = allowed_cpus();
    let threads = if config.threads == 0 {
        cpus.len().max(1)
    } else {
        config.threads
    };
    let pinning = config.cpu_pinning;
    let global = Arc::new(Global::new(config, threads));

    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])
    .map_err(|e| format!("cannot install signal handlers: {e}"))?;
    let signal_handle = signals.handle();
    {
        let global = global.clone();
        std::thread::Builder::new()
            .name("shoal-signals".into())
            .spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    tracing::info!(signal = sig, "received signal, scheduling shutdown");
                    global.request_shutdown();
                }
            })
            .map_err(|e| format!("cannot start signal thread: {e}"))?;
    }

    let requests = glommio::channels::channel_mesh::MeshBuilder::full(
        threads,
        crate::limits::MESH_RING_CAPACITY,
    );
    let responses = glommio::channels::channel_mesh::MeshBuilder::full(
        threads,
        crate::limits::MESH_RING_CAPACITY,
    );
    let bound = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::with_capacity(threads);
    for i in 0..threads {
        let placement = if pinning {
            Placement::Fixed(cpus[i % cpus.len()])
        } else {
            Placement::Unbound
        };
        let (global, requests, responses, bound) = (
            global.clone(),
            requests.clone(),
            responses.clone(),
            bound.clone(),
        );
        let handle = LocalExecutorBuilder::new(placement)
            .name(&format!("shoal-{i}"))
            .io_memory(crate::limits::EXECUTOR_IO_MEMORY)
            .spawn(move || async move {
                let result =
                    executor_main(ShardId(i), global.clone(), requests, responses, bound).await;
                if result.is_err() {
                    global.request_shutdown();
                }
                result
            })
            .map_err(|e| format!("cannot start executor {i}: {e}"))?;
        handles.push(handle);
    }
    let mut first_error = None;
    for h in handles {
        match h.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(format!("executor failed: {e}"));
            }
        }
    }
    signal_handle.close();
    match first_error {
        Some(e) => Err(e),
        None => {
            tracing::info!("Shoal is now ready to exit, bye bye...");
            Ok(())
        }
    }
}

async fn executor_main(
    id: ShardId,
    global: Arc<Global>,
    requests: glommio::channels::channel_mesh::MeshBuilder<
        mesh::ShardRequest,
        glommio::channels::channel_mesh::Full,
    >,
    responses: glommio::channels::channel_mesh::MeshBuilder<
        mesh::ShardResponse,
        glommio::channels::channel_mesh::Full,
    >,
    bound: Arc<AtomicUsize>,
) -> Result<(), String> {
    let threads = global.shard_count;
    let joined = if threads > 1 {
        let (req_tx, req_rx) = requests
            .join()
            .await
            .map_err(|_| "cannot join the request mesh".to_string())?;
        let (resp_tx, resp_rx) = responses
            .join()
            .await
            .map_err(|_| "cannot join the response mesh".to_string())?;
        Some((req_tx, req_rx, resp_tx, resp_rx))
    } else {
        None
    };
    let (peers, receivers) = match joined {
        Some((req_tx, req_rx, resp_tx, resp_rx)) => {
            (Some(Peers::new(req_tx, resp_tx)), Some((req_rx, resp_rx)))
        }
        None => (None, None),
    };
    let node = Node::new(id, global.clone(), peers);
    if let Some((req_rx, resp_rx)) = receivers {
        mesh::spawn_peer_tasks(&node, req_rx, resp_rx);
    }

    let config = node.config();
    let listeners = bind_all(&config.bind, config.port, "server")?;
    // One metrics listener, on core 0, bound before the node says it is
    // ready so that a port in use stops the start.
    let metrics_listeners = if id.0 == 0 && config.metrics_port != 0 {
        let listeners = bind_all(&config.bind, config.metrics_port, "metrics")?;
        tracing::info!(
            port = config.metrics_port,
            "Serving Prometheus metrics at /metrics"
        );
        listeners
    } else {
        Vec::new()
    };
    if bound.fetch_add(1, Ordering::AcqRel) + 1 == threads {
        tracing::info!(
            port = config.port,
            threads,
            "Ready to accept connections tcp"
        );
    }
    for listener in listeners {
        glommio::spawn_local(accept_loop(node.clone(), listener)).detach();
    }
    let metrics_open = Rc::new(Cell::new(0));
    for listener in metrics_listeners {
        glommio::spawn_local(metrics_accept_loop(
            node.clone(),
            listener,
            metrics_open.clone(),
        ))
        .detach();
    }
    glommio::spawn_local(expiry_loop(node.clone())).detach();
    glommio::spawn_local(rates_loop(node.clone())).detach();
    glommio::spawn_local(memory_loop(node.clone())).detach();
    if threads > 1 {
        glommio::spawn_local(mesh::notify_loop(node.clone())).detach();
    }

    while !global.shutting_down() {
        glommio::timer::sleep(Duration::from_millis(SHUTDOWN_POLL_MS)).await;
    }
    for info in node.clients.borrow().iter() {
        info.kill.kill();
    }
    Ok(())
}

/// Binds every `bind` address on `port`; an address starting with '-' may
/// be unavailable (as in Redis). `what` names the port in errors.
fn bind_all(bind: &[String], port: u16, what: &str) -> Result<Vec<TcpListener>, String> {
    let mut listeners = Vec::new();
    for addr in bind {
        let (optional, host) = match addr.strip_prefix('-') {
            Some(h) => (true, h),
            None => (false, addr.as_str()),
        };
        let host = match host {
            "*" => "0.0.0.0",
            "::*" => "::",
            h => h,
        };
        let target = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        match TcpListener::bind(target.as_str()) {
            Ok(l) => listeners.push(l),
            Err(e) if optional => {
                tracing::debug!(addr = %target, error = %e, "optional bind address unavailable")
            }
            Err(e) => {
                return Err(format!(
                    "Could not create {what} TCP listening socket {target}: {e}"
                ))
            }
        }
    }
    if listeners.is_empty() {
        return Err(format!(
            "Failed listening on any address ({what} port {port})"
        ));
    }
    Ok(listeners)
}

async fn accept_loop(node: Rc<Node>, listener: TcpListener) {
    loop {
        let mut stream = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                glommio::timer::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let global = &node.global;
        global
            .total_connections_received
            .fetch_add(1, Ordering::Relaxed);
        let config = node.config();
        if global.connected_clients.fetch_add(1, Ordering::AcqRel) >= config.maxclients {
            global.connected_clients.fetch_sub(1, Ordering::AcqRel);
            global.rejected_connections.fetch_add(1, Ordering::Relaxed);
            let _ = stream
                .write_all(b"-ERR max number of clients reached\r\n")
                .await;
            let _ = stream.close().await;
            continue;
        }
        let _ = stream.set_nodelay(true);
        set_keepalive(&stream, config.tcp_keepalive_s);
        glommio::spawn_local(serve_client(node.clone(), stream)).detach();
    }
}

/// Accepts connections to the metrics port and serves each in its own
/// task (`metrics::serve_http`). They are not clients: not counted in
/// connected_clients, not in the registry. At most
/// [`METRICS_CONNECTIONS_MAX`] are served at once (`open`, shared by the
/// listeners of every `bind` address); more are closed at once.
async fn metrics_accept_loop(node: Rc<Node>, listener: TcpListener, open: Rc<Cell<usize>>) {
    loop {
        let mut stream = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "metrics accept failed");
                glommio::timer::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        if open.get() >= METRICS_CONNECTIONS_MAX {
            tracing::debug!("too many metrics connections; closing a new one");
            continue;
        }
        open.set(open.get() + 1);
        let (node, open) = (node.clone(), open.clone());
        glommio::spawn_local(async move {
            let _ = stream.set_nodelay(true);
            crate::metrics::serve_http(&node, &mut stream).await;
            open.set(open.get() - 1);
        })
        .detach();
    }
}

/// `f`'s output, or none if `limit` passes first (`f` is then dropped).
pub async fn within<T>(limit: Duration, f: impl std::future::Future<Output = T>) -> Option<T> {
    let timer = async {
        glommio::timer::sleep(limit).await;
        None
    };
    futures_lite::future::or(async { Some(f.await) }, timer).await
}

fn set_keepalive(stream: &TcpStream, interval_s: u64) {
    if interval_s == 0 {
        return;
    }
    // SAFETY: the descriptor belongs to `stream`, which outlives this borrow.
    let fd = unsafe { BorrowedFd::borrow_raw(stream.as_raw_fd()) };
    let sock = socket2::SockRef::from(&fd);
    let d = Duration::from_secs(interval_s);
    let ka = socket2::TcpKeepalive::new()
        .with_time(d)
        .with_interval(Duration::from_secs((interval_s / 3).max(1)))
        .with_retries(3);
    if let Err(e) = sock.set_tcp_keepalive(&ka) {
        tracing::debug!(error = %e, "cannot set TCP keepalive");
    }
}

async fn serve_client(node: Rc<Node>, mut stream: TcpStream) {
    let id = node.global.next_client_id();
    let kill = Rc::new(KillSwitch::default());
    let now = unix_ms();
    node.clients.borrow_mut().insert(ClientInfo {
        id,
        addr: stream
            .peer_addr()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        laddr: stream
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        fd: stream.as_raw_fd(),
        name: None,
        db: 0,
        created_ms: now,
        last_interaction_ms: now,
        last_cmd: "NULL",
        protocol: shoal_proto::Protocol::Resp2,
        query_buffer_len: 0,
        query_buffer_cap: 0,
        subscriptions: [0; 3],
        multi: None,
        blocked: false,
        close_after_reply: false,
        kill: kill.clone(),
    });
    let mut conn = Connection::new(node.clone(), id, kill);
    let close = conn.serve(&mut stream).await;
    conn.finish().await;
    match &close {
        Close::Eof | Close::Quit | Close::Killed => {
            tracing::debug!(client = id, ?close, "client closed")
        }
        other => tracing::debug!(client = id, close = ?other, "client dropped"),
    }
    let _ = stream.close().await;
    node.clients.borrow_mut().remove(id);
    node.global.connected_clients.fetch_sub(1, Ordering::AcqRel);
}

/// How a read ended.
pub enum ReadOutcome {
    Data(usize),
    Eof,
    Error(std::io::Error),
    Killed,
    Idle,
    /// Pub/sub messages are waiting in the client's inbox.
    Inbox,
}

/// Reads into `buf` unless, first, the client is killed, a message arrives
/// in its inbox, or it stays idle for `idle`.
pub async fn read_or_stop<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut [u8],
    kill: &Rc<KillSwitch>,
    inbox: &Rc<Inbox>,
    idle: Option<Duration>,
) -> ReadOutcome {
    if kill.is_killed() {
        return ReadOutcome::Killed;
    }
    if !inbox.is_empty() {
        return ReadOutcome::Inbox;
    }
    let read = async {
        match stream.read(buf).await {
            Ok(0) => ReadOutcome::Eof,
            Ok(n) => ReadOutcome::Data(n),
            Err(e) => ReadOutcome::Error(e),
        }
    };
    let killed = async {
        kill.wait().await;
        ReadOutcome::Killed
    };
    let message = async {
        inbox.ready().await;
        ReadOutcome::Inbox
    };
    let killed = futures_lite::future::or(killed, message);
    match idle {
        Some(d) => {
            let timer = async {
                glommio::timer::sleep(d).await;
                ReadOutcome::Idle
            };
            futures_lite::future::or(read, futures_lite::future::or(killed, timer)).await
        }
        None => futures_lite::future::or(read, killed).await,
    }
}

/// What ended a blocked client's wait.
pub enum Woken {
    /// The pending reply at this index arrived (`None`: its core is gone).
    Reply(
        usize,
        Option<(crate::dispatch::ShardBatch, crate::dispatch::Sink)>,
    ),
    /// The command's timeout passed.
    Deadline,
    /// CLIENT UNBLOCK asked the command to end.
    Unblocked(crate::client::Unblock),
    /// The client sent more, closed, or was killed, as [`read_or_stop`].
    Read(ReadOutcome),
}

/// Waits, for a client blocked on a command, for the first of: one of the
/// `pending` replies (taken from the list when it arrives), the
/// `deadline` (none waits for ever), CLIENT UNBLOCK, or what
/// [`read_or_stop`] reports of the client (blocked clients are never idle,
/// as in Redis).
pub async fn wait_blocked<S: AsyncRead + Unpin>(
    pending: &mut [Option<PendingReply>],
    deadline: Option<std::time::Instant>,
    stream: &mut S,
    buf: &mut [u8],
    kill: &Rc<KillSwitch>,
    inbox: &Rc<Inbox>,
) -> Woken {
    let reply = std::future::poll_fn(|cx| {
        for (i, slot) in pending.iter_mut().enumerate() {
            let Some(p) = slot else { continue };
            if let std::task::Poll::Ready(r) = p.poll(cx) {
                *slot = None;
                return std::task::Poll::Ready(Woken::Reply(i, r));
            }
        }
        std::task::Poll::Pending
    });
    let timer = async {
        match deadline {
            Some(at) => {
                glommio::timer::sleep(at.saturating_duration_since(std::time::Instant::now()))
                    .await;
                Woken::Deadline
            }
            None => std::future::pending().await,
        }
    };
    let unblocked = async { Woken::Unblocked(kill.unblocked().await) };
    let read = async { Woken::Read(read_or_stop(stream, buf, kill, inbox, None).await) };
    let ended = futures_lite::future::or(timer, unblocked);
    futures_lite::future::or(reply, futures_lite::future::or(ended, read)).await
}

/// Writes all of `buf` unless the client is killed first (a subscriber that
/// stopped reading is killed when its inbox overflows). Returns false when
/// killed.
pub async fn write_or_stop<S: AsyncWrite + Unpin>(
    stream: &mut S,
    buf: &[u8],
    kill: &Rc<KillSwitch>,
) -> std::io::Result<bool> {
    let write = async { stream.write_all(buf).await.map(|()| true) };
    let killed = async {
        kill.wait().await;
        Ok(false)
    };
    futures_lite::future::or(write, killed).await
}

/// Samples the rates INFO reports as `instantaneous_*`.
async fn rates_loop(node: Rc<Node>) {
    loop {
        glommio::timer::sleep(crate::node::RATE_SAMPLE_PERIOD).await;
        node.stats.sample_rates(unix_ms());
    }
}

/// Keeps the node under maxmemory when no batch comes (Redis's cron and
/// `evictionTimeProc`): every 1/hz seconds this core adds up the memory
/// counters, samples the peak and evicts its keys while the node is over;
/// while an eviction run ends on its time limit still over, it goes on
/// after the connections have had the CPU.
async fn memory_loop(node: Rc<Node>) {
    let mut outcome = Outcome::Under;
    loop {
        let pause = if outcome == Outcome::Running {
            Duration::from_micros(1)
        } else {
            Duration::from_millis(1000 / u64::from(node.config().hz.max(1)))
        };
        glommio::timer::sleep(pause).await;
        node.global.used_memory();
        outcome = {
            let mut shard = node.shard.borrow_mut();
            crate::dispatch::make_room(&node, &mut shard, unix_ms(), true)
        };
        node.publish_events();
    }
}

/// How long one cycle of active expiry may run, after Redis 7.0's slow
/// cycle (expire.c) with `active-expire-effort` E (1-10): up to
/// 25 + 2(E-1) percent of the cycle while more than 10 - (E-1) percent of
/// the keys with an expiry it looks at have expired. Redis samples its
/// index of keys with an expiry; Shoal keeps no such index (it would cost
/// memory on each of those keys) and walks the table with a cursor, so a
/// cycle also runs for a base of E percent of the cycle when it finds
/// nothing stale: a key that expires untouched is found within one walk of
/// the table at that pace.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExpireCycle {
    base: Duration,
    limit: Duration,
    acceptable_stale_percent: usize,
}

impl ExpireCycle {
    pub fn new(hz: u32, effort: u32) -> ExpireCycle {
        let period = Duration::from_millis(1000 / u64::from(hz.max(1)));
        let effort = effort.clamp(1, 10) - 1;
        ExpireCycle {
            base: period * (1 + effort) / 100,
            limit: period * (25 + 2 * effort) / 100,
            acceptable_stale_percent: 10 - effort as usize,
        }
    }

    /// How long one slice runs before the connections get the CPU: at most
    /// [`EXPIRE_SLICE`], and no more than the base (at a high `hz` the
    /// base is shorter than a slice).
    pub fn slice(&self) -> Duration {
        EXPIRE_SLICE.min(self.base)
    }

    /// Whether the cycle goes on after a slice, given the time it has run,
    /// what the slice saw, what the whole cycle saw, and the shard's keys.
    pub fn goes_on(&self, elapsed: Duration, slice: Swept, cycle: Swept, keys: usize) -> bool {
        if cycle.visited >= keys || elapsed >= self.limit {
            return false;
        }
        let stale = slice.expired * 100 > slice.volatile * self.acceptable_stale_percent;
        elapsed < self.base || stale
    }
}

/// Active expiry: every 1/hz seconds, a cycle of sweep steps bounded by
/// [`ExpireCycle`], in slices (`ExpireCycle::slice`) between which the
/// shard's connections run.
async fn expiry_loop(node: Rc<Node>) {
    loop {
        let config = node.config();
        let hz = config.hz.max(1);
        glommio::timer::sleep(Duration::from_millis(1000 / u64::from(hz))).await;
        let cycle = ExpireCycle::new(hz, config.active_expire_effort);
        let start = Instant::now();
        let now = unix_ms();
        let mut swept = Swept::default();
        loop {
            let mut slice = Swept::default();
            let slice_start = Instant::now();
            while slice_start.elapsed() < cycle.slice() {
                let mut shard = node.shard.borrow_mut();
                let step = shard.sweep_expired(EXPIRE_SWEEP_BUDGET, now);
                slice += step;
                if step.visited == 0 && shard.volatile_keys() == 0 {
                    break;
                }
            }
            swept += slice;
            node.publish_events();
            let (keys, volatile) = {
                let shard = node.shard.borrow();
                (shard.keys(), shard.volatile_keys())
            };
            if volatile == 0 || !cycle.goes_on(start.elapsed(), slice, swept, keys) {
                break;
            }
            // Let the connections run; the timer wakes this task after the
            // executor's next poll of its rings.
            glommio::timer::sleep(Duration::from_micros(1)).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn swept(visited: usize, volatile: usize, expired: usize) -> Swept {
        Swept {
            visited,
            volatile,
            expired,
        }
    }

    #[test]
    fn expire_cycle_follows_redis_slow_cycle_limits() {
        let c = ExpireCycle::new(10, 1);
        assert_eq!(c.base, Duration::from_millis(1));
        assert_eq!(c.limit, Duration::from_millis(25));
        assert_eq!(c.acceptable_stale_percent, 10);
        let c = ExpireCycle::new(10, 10);
        assert_eq!(c.base, Duration::from_millis(10));
        assert_eq!(c.limit, Duration::from_millis(43));
        assert_eq!(c.acceptable_stale_percent, 1);
        // Out-of-range values (never accepted by CONFIG SET) are clamped.
        assert_eq!(ExpireCycle::new(0, 0), ExpireCycle::new(1, 1));
        // Slices never outlast the base: at hz 500 the base is 20 µs.
        assert_eq!(ExpireCycle::new(10, 1).slice(), EXPIRE_SLICE);
        assert_eq!(ExpireCycle::new(500, 1).slice(), Duration::from_micros(20));
    }

    #[test]
    fn expire_cycle_runs_its_base_then_only_while_stale() {
        let c = ExpireCycle::new(10, 1);
        let ms = Duration::from_millis;
        let keys = 1_000_000;
        let fresh = swept(1000, 100, 10);
        let stale = swept(1000, 100, 11);
        let cycle = swept(5000, 500, 50);
        assert!(c.goes_on(ms(0), fresh, cycle, keys));
        assert!(!c.goes_on(ms(1), fresh, cycle, keys));
        assert!(c.goes_on(ms(1), stale, cycle, keys));
        assert!(c.goes_on(ms(24), stale, cycle, keys));
        assert!(!c.goes_on(ms(25), stale, cycle, keys));
        // A slice that saw no key with an expiry is not stale.
        assert!(!c.goes_on(ms(2), swept(1000, 0, 0), cycle, keys));
        // One whole walk of the table is enough for a cycle.
        assert!(!c.goes_on(ms(0), stale, swept(keys, 500, 50), keys));
    }
}
