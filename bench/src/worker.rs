//! One worker thread: a mio event loop over its connections, as memtier_benchmark runs one
//! libevent loop per thread.
//!
//! Each connection keeps up to `--pipeline` requests in flight. Without `--rate` it refills its
//! pipeline as soon as replies arrive, encoding every new request into one reused output buffer
//! and writing it with one system call. With `--rate` each connection has a schedule: request *i*
//! is due at `start + i * interval`; a request is sent when it is due and the pipeline has room,
//! and its latency is measured from when it was due, not from when it could be sent, so a
//! server that stalls is charged for the requests it held up (no coordinated omission).
//!
//! Replies are scanned in place ([`crate::reply`]) and matched to requests in order. Nothing is
//! allocated per request: buffers, the in-flight queue and the histograms are sized up front
//! or grow to their working size once.
//!
//! With `--read-through` a GET that answers nil queues its key on its connection; the
//! connection sends those SETs before any new GET, in the next pipeline slots it has, whether
//! or not the run has stopped sending GETs (time or count over), and is done only when every
//! one was answered. A queued key stands for the pipeline slot its GET freed, so the queue
//! never holds more than `--pipeline` keys.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use rand::rngs::SmallRng;
use rand::SeedableRng;

use crate::command::Fill;
use crate::config::Config;
use crate::keys::KeyGen;
use crate::limits::{
    POLL_INTERVAL_MAX, RATE_SPIN, READ_BUF_BYTES, REPLY_BYTES_MAX, REPLY_TIMEOUT,
    WRITE_BATCH_BYTES, WRITE_BUF_BYTES,
};
use crate::reply::{scan_reply, ReplyKind};
use crate::stats::{Progress, ThreadStats};

/// The timeline every thread shares, in nanoseconds since `epoch`.
#[derive(Clone, Copy, Debug)]
pub struct Timeline {
    /// The start of the run.
    pub epoch: Instant,
    /// Requests due at or after this are measured; before it is the warm-up.
    pub measure_start_ns: u64,
    /// With `--test-time`: requests due at or after this are not sent.
    pub send_end_ns: Option<u64>,
}

impl Timeline {
    /// Nanoseconds since the epoch.
    #[inline]
    pub fn now_ns(&self) -> u64 {
        // u64 nanoseconds last 584 years.
        self.epoch.elapsed().as_nanos() as u64
    }
}

/// What every thread shares with the main thread.
#[derive(Debug)]
pub struct Shared {
    /// Set to make every worker stop (a fatal error elsewhere).
    pub stop: AtomicBool,
    /// One per worker, for the progress line.
    pub progress: Vec<Progress>,
}

/// A connection handed to a worker, already connected (and set up for RESP3).
#[derive(Debug)]
pub struct ConnSpec {
    /// The socket, blocking or not.
    pub stream: std::net::TcpStream,
    /// Index of the connection over all threads, from 0.
    pub index: u64,
}

/// A request sent and not answered yet.
#[derive(Clone, Copy, Debug)]
struct InFlight {
    /// When it was sent, or was due with `--rate`.
    intended_ns: u64,
    /// With `--read-through`, the key number of a GET (what a miss refills); otherwise 0.
    key: u64,
    /// Its command template.
    template: u16,
    /// Sent after the warm-up.
    measured: bool,
}

/// `--read-through`: the SET owed to a GET that missed.
#[derive(Clone, Copy, Debug)]
struct Refill {
    /// The key the GET read.
    key: u64,
    /// The GET was measured: so is its SET, and the SETs in the report are the measured
    /// misses' SETs, exactly.
    measured: bool,
}

struct Conn {
    stream: TcpStream,
    /// Unparsed replies are `rbuf[rstart..rend]`.
    rbuf: Vec<u8>,
    rstart: usize,
    rend: usize,
    /// Unwritten requests are `wbuf[wpos..]`.
    wbuf: Vec<u8>,
    wpos: usize,
    inflight: VecDeque<InFlight>,
    /// `--read-through`: GETs that missed and whose SET is not sent yet. Invariant:
    /// `inflight.len() + refills.len() <= --pipeline`.
    refills: VecDeque<Refill>,
    /// One per template.
    keys: Vec<KeyGen>,
    /// Requests sent (warm-up included): the position in the workload's cycle.
    sent: u64,
    /// Measured requests still to send, when the run stops on a count.
    remaining: Option<u64>,
    /// With `--rate`: when the next request is due.
    next_due_ns: u64,
    /// When a reply last arrived, or the pipeline last became non-empty.
    last_activity_ns: u64,
    /// Nothing more will be sent.
    sending_done: bool,
    /// Sending is over and every reply has arrived.
    done: bool,
}

/// A worker's fatal error: the message to print.
pub type Fatal = String;

/// Runs one worker until its connections are done or `shared.stop` is set.
///
/// # Errors
///
/// A lost connection, a malformed reply, a server that stops answering or, with
/// `--fail-on-error`, an error reply. The worker sets `shared.stop` first so that the others
/// stop too.
pub fn run(
    thread_index: usize,
    specs: Vec<ConnSpec>,
    config: Arc<Config>,
    data: Arc<[u8]>,
    timeline: Timeline,
    shared: Arc<Shared>,
) -> Result<ThreadStats, Fatal> {
    let result = Worker::new(thread_index, specs, &config, &data, timeline, &shared)
        .and_then(|mut worker| worker.run().map(|()| worker.stats));
    if result.is_err() {
        shared.stop.store(true, Ordering::Relaxed);
    }
    result
}

struct Worker<'a> {
    config: &'a Config,
    timeline: Timeline,
    shared: &'a Shared,
    progress: &'a Progress,
    poll: Poll,
    conns: Vec<Conn>,
    rng: SmallRng,
    /// Values are prefixes of this.
    data: &'a [u8],
    scratch: Vec<u64>,
    stats: ThreadStats,
    pipeline: usize,
    interval_ns: Option<u64>,
    /// Progress counters not yet published.
    replies: u64,
    latency_ns_sum: u64,
    errors: u64,
    /// Connections not done yet.
    active: usize,
    /// The test time is over and every connection was told so.
    ended: bool,
}

impl<'a> Worker<'a> {
    fn new(
        thread_index: usize,
        specs: Vec<ConnSpec>,
        config: &'a Config,
        data: &'a [u8],
        timeline: Timeline,
        shared: &'a Shared,
    ) -> Result<Worker<'a>, Fatal> {
        let poll = Poll::new().map_err(|e| format!("cannot create an event loop: {e}"))?;
        let pipeline = config.pipeline as usize;
        let mut conns = Vec::with_capacity(specs.len());
        for (slot, spec) in specs.into_iter().enumerate() {
            spec.stream
                .set_nonblocking(true)
                .map_err(|e| format!("cannot make a socket non-blocking: {e}"))?;
            let mut stream = TcpStream::from_std(spec.stream);
            poll.registry()
                .register(
                    &mut stream,
                    Token(slot),
                    Interest::READABLE | Interest::WRITABLE,
                )
                .map_err(|e| format!("cannot register a socket: {e}"))?;
            // Sequential keys: connections start spread over the range; the cycle position is
            // staggered too so that not every connection sends its SETs at once.
            let span = config.key_range.span();
            let start = if config.connections > 1 {
                ((u128::from(span) + 1) * u128::from(spec.index) / u128::from(config.connections))
                    as u64
            } else {
                0
            };
            let keys = config
                .workload
                .patterns
                .iter()
                .map(|&pattern| KeyGen::new(pattern, config.key_range, start))
                .collect::<Result<Vec<_>, _>>()?;
            let remaining = config.requests_of(spec.index);
            conns.push(Conn {
                stream,
                rbuf: vec![0; READ_BUF_BYTES],
                rstart: 0,
                rend: 0,
                wbuf: Vec::with_capacity(WRITE_BUF_BYTES),
                wpos: 0,
                inflight: VecDeque::with_capacity(pipeline),
                refills: VecDeque::with_capacity(if config.workload.refill.is_some() {
                    pipeline
                } else {
                    0
                }),
                keys,
                sent: if config.workload.staggered {
                    spec.index % config.workload.cycle
                } else {
                    0
                },
                remaining,
                // Spread the first sends of the connections over one interval.
                next_due_ns: config.interval_ns().map_or(0, |interval| {
                    (u128::from(interval) * u128::from(spec.index) / u128::from(config.connections))
                        as u64
                }),
                last_activity_ns: 0,
                sending_done: remaining == Some(0),
                done: false,
            });
        }
        let seed = config.seed ^ (thread_index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Ok(Worker {
            config,
            timeline,
            shared,
            progress: &shared.progress[thread_index],
            poll,
            active: conns.len(),
            conns,
            rng: SmallRng::seed_from_u64(seed),
            data,
            scratch: Vec::new(),
            stats: ThreadStats::new(config.workload.templates.len()),
            pipeline,
            interval_ns: config.interval_ns(),
            replies: 0,
            latency_ns_sum: 0,
            errors: 0,
            ended: false,
        })
    }

    fn run(&mut self) -> Result<(), Fatal> {
        let mut events = Events::with_capacity(self.conns.len().clamp(16, 4096));
        let now = self.timeline.now_ns();
        for slot in 0..self.conns.len() {
            self.service(slot, now)?;
        }
        let mut last_check_ns = now;
        while self.active > 0 {
            if self.shared.stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            let timeout = self.poll_timeout();
            if let Err(e) = self.poll.poll(&mut events, Some(timeout)) {
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(format!("event loop failed: {e}"));
                }
            }
            for event in &events {
                let slot = event.token().0;
                if event.is_readable() || event.is_read_closed() || event.is_error() {
                    self.read(slot)?;
                }
                let now = self.timeline.now_ns();
                self.service(slot, now)?;
            }
            let now = self.timeline.now_ns();
            if self.interval_ns.is_some() {
                for slot in 0..self.conns.len() {
                    let conn = &self.conns[slot];
                    if !conn.done && conn.next_due_ns <= now {
                        self.service(slot, now)?;
                    }
                }
            }
            if !self.ended && self.timeline.send_end_ns.is_some_and(|end| now >= end) {
                self.ended = true;
                for slot in 0..self.conns.len() {
                    self.conns[slot].sending_done = true;
                    self.service(slot, now)?;
                }
            }
            if now.saturating_sub(last_check_ns) >= POLL_INTERVAL_MAX.as_nanos() as u64 {
                last_check_ns = now;
                self.check_timeouts(now)?;
            }
        }
        self.publish();
        Ok(())
    }

    /// How long the next poll may sleep.
    fn poll_timeout(&self) -> Duration {
        let now = self.timeline.now_ns();
        let mut wake_ns = now + POLL_INTERVAL_MAX.as_nanos() as u64;
        if let Some(end) = self.timeline.send_end_ns {
            if !self.ended {
                wake_ns = wake_ns.min(end);
            }
        }
        if self.interval_ns.is_some() {
            for conn in &self.conns {
                if !conn.sending_done && conn.inflight.len() < self.pipeline {
                    wake_ns = wake_ns.min(conn.next_due_ns);
                }
            }
        }
        let sleep = Duration::from_nanos(wake_ns.saturating_sub(now));
        // epoll sleeps whole milliseconds, rounded up: wake early and spin the rest.
        if sleep <= RATE_SPIN {
            Duration::ZERO
        } else {
            sleep - RATE_SPIN
        }
    }

    /// Flushes pending output, sends what is due, and notes when the connection is done.
    fn service(&mut self, slot: usize, now: u64) -> Result<(), Fatal> {
        if self.conns[slot].done {
            return Ok(());
        }
        loop {
            self.fill(slot, now);
            if !self.flush(slot, now)? {
                break; // the socket is full: wait for it to be writable
            }
            let conn = &self.conns[slot];
            if conn.inflight.len() >= self.pipeline {
                break;
            }
            // Read-through SETs go out as soon as there is room, due or not.
            if conn.refills.is_empty()
                && (conn.sending_done || (self.interval_ns.is_some() && conn.next_due_ns > now))
            {
                break;
            }
        }
        let conn = &mut self.conns[slot];
        if conn.sending_done
            && conn.inflight.is_empty()
            && conn.refills.is_empty()
            && conn.wpos == conn.wbuf.len()
        {
            conn.done = true;
            self.active -= 1;
        }
        Ok(())
    }

    /// Encodes requests while the pipeline and the output batch have room: first the SETs of
    /// read-through misses, then new requests.
    #[inline]
    fn fill(&mut self, slot: usize, now: u64) {
        let conn = &mut self.conns[slot];
        let workload = &self.config.workload;
        debug_assert!(conn.inflight.len() + conn.refills.len() <= self.pipeline);
        while conn.inflight.len() < self.pipeline && conn.wbuf.len() - conn.wpos < WRITE_BATCH_BYTES
        {
            if let (Some(template), Some(refill)) = (workload.refill, conn.refills.pop_front()) {
                // Not scheduled by --rate and not counted in --requests: the GET was.
                let mut fill = Fill {
                    keys: &mut conn.keys[template],
                    rng: &mut self.rng,
                    key_prefix: &self.config.key_prefix,
                    data: self.data,
                    data_size: self.config.data_size,
                    scratch: &mut self.scratch,
                };
                let key = refill.key;
                workload.templates[template].encode_with_key(&mut conn.wbuf, &mut fill, key);
                if conn.inflight.is_empty() {
                    conn.last_activity_ns = now;
                }
                conn.inflight.push_back(InFlight {
                    intended_ns: now,
                    key,
                    template: template as u16,
                    measured: refill.measured,
                });
                continue;
            }
            if conn.sending_done {
                break;
            }
            let intended_ns = match self.interval_ns {
                Some(_) => {
                    if conn.next_due_ns > now {
                        break;
                    }
                    conn.next_due_ns
                }
                None => now,
            };
            if self
                .timeline
                .send_end_ns
                .is_some_and(|end| intended_ns >= end)
            {
                conn.sending_done = true;
                break;
            }
            let measured = intended_ns >= self.timeline.measure_start_ns;
            if measured {
                if let Some(remaining) = &mut conn.remaining {
                    if *remaining == 0 {
                        conn.sending_done = true;
                        break;
                    }
                    *remaining -= 1;
                }
            }
            let template = workload.pick(conn.sent);
            conn.sent += 1;
            let mut fill = Fill {
                keys: &mut conn.keys[template],
                rng: &mut self.rng,
                key_prefix: &self.config.key_prefix,
                data: self.data,
                data_size: self.config.data_size,
                scratch: &mut self.scratch,
            };
            let key = if workload.refill.is_some() {
                // Read-through: draw the key here, to SET it if the GET misses.
                let key = fill.keys.next(fill.rng);
                workload.templates[template].encode_with_key(&mut conn.wbuf, &mut fill, key);
                key
            } else {
                workload.templates[template].encode(&mut conn.wbuf, &mut fill);
                0
            };
            if conn.inflight.is_empty() {
                conn.last_activity_ns = now;
            }
            conn.inflight.push_back(InFlight {
                intended_ns,
                key,
                // At most COMMAND templates: two.
                template: template as u16,
                measured,
            });
            if let Some(interval) = self.interval_ns {
                conn.next_due_ns = conn.next_due_ns.saturating_add(interval);
            }
            if conn.remaining == Some(0) && measured {
                conn.sending_done = true;
            }
        }
    }

    /// Writes pending output. Returns false if the socket could not take all of it.
    fn flush(&mut self, slot: usize, now: u64) -> Result<bool, Fatal> {
        let measured = now >= self.timeline.measure_start_ns;
        let conn = &mut self.conns[slot];
        while conn.wpos < conn.wbuf.len() {
            match conn.stream.write(&conn.wbuf[conn.wpos..]) {
                Ok(0) => return Err(self.lost(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    conn.wpos += n;
                    if measured {
                        self.stats.bytes_sent += n as u64;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.lost(e)),
            }
        }
        conn.wbuf.clear();
        conn.wpos = 0;
        Ok(true)
    }

    /// Reads and handles every reply that has arrived.
    fn read(&mut self, slot: usize) -> Result<(), Fatal> {
        loop {
            let conn = &mut self.conns[slot];
            if conn.rend == conn.rbuf.len() {
                if conn.rstart > 0 {
                    conn.rbuf.copy_within(conn.rstart..conn.rend, 0);
                    conn.rend -= conn.rstart;
                    conn.rstart = 0;
                } else if conn.rbuf.len() >= REPLY_BYTES_MAX {
                    return Err(format!(
                        "a reply from {} is larger than {REPLY_BYTES_MAX} bytes",
                        self.config.address()
                    ));
                } else {
                    let len = (conn.rbuf.len() * 2).min(REPLY_BYTES_MAX);
                    conn.rbuf.resize(len, 0);
                }
            }
            let space = conn.rbuf.len() - conn.rend;
            match conn.stream.read(&mut conn.rbuf[conn.rend..]) {
                Ok(0) => {
                    if conn.done
                        || (conn.sending_done
                            && conn.inflight.is_empty()
                            && conn.refills.is_empty())
                    {
                        return Ok(());
                    }
                    return Err(format!(
                        "{} closed the connection with {} requests in flight",
                        self.config.address(),
                        conn.inflight.len()
                    ));
                }
                Ok(n) => {
                    conn.rend += n;
                    let now = self.timeline.now_ns();
                    if now >= self.timeline.measure_start_ns {
                        self.stats.bytes_received += n as u64;
                    }
                    self.handle_replies(slot, now)?;
                    self.publish();
                    // A short read drained the socket; another edge comes with more data.
                    if n < space {
                        return Ok(());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.lost(e)),
            }
        }
    }

    /// Matches complete replies in the read buffer to requests in flight.
    #[inline]
    fn handle_replies(&mut self, slot: usize, now: u64) -> Result<(), Fatal> {
        let conn = &mut self.conns[slot];
        conn.last_activity_ns = now;
        loop {
            let (kind, len) = match scan_reply(&conn.rbuf[conn.rstart..conn.rend]) {
                Ok(Some(reply)) => reply,
                Ok(None) => break,
                Err(e) => {
                    return Err(format!(
                        "malformed reply from {}: {e}",
                        self.config.address()
                    ))
                }
            };
            let start = conn.rstart;
            conn.rstart += len;
            if kind == ReplyKind::Push {
                continue;
            }
            let Some(request) = conn.inflight.pop_front() else {
                return Err(format!(
                    "{} sent a reply to no request",
                    self.config.address()
                ));
            };
            let template = usize::from(request.template);
            let counts_hits = self.config.workload.templates[template].counts_hits();
            if kind == ReplyKind::Nil && counts_hits && self.config.workload.refill.is_some() {
                // A miss, warm-up or not: its SET takes the pipeline slot the GET frees.
                conn.refills.push_back(Refill {
                    key: request.key,
                    measured: request.measured,
                });
            }
            let latency_ns = now.saturating_sub(request.intended_ns);
            self.replies += 1;
            self.latency_ns_sum += latency_ns;
            if let ReplyKind::Error(range) = &kind {
                self.errors += 1;
                let message = &conn.rbuf[start + range.start..start + range.end];
                if self.config.fail_on_error {
                    return Err(format!(
                        "error reply from {} (--fail-on-error): {}",
                        self.config.address(),
                        String::from_utf8_lossy(message)
                    ));
                }
                if request.measured {
                    self.stats.errors.record(message);
                }
            }
            if !request.measured {
                continue;
            }
            let command = &mut self.stats.commands[template];
            command.record(latency_ns);
            match kind {
                ReplyKind::Error(_) => command.errors += 1,
                ReplyKind::Nil if counts_hits => command.misses += 1,
                ReplyKind::Value if counts_hits => command.hits += 1,
                ReplyKind::Nil | ReplyKind::Value | ReplyKind::Push => {}
            }
            self.stats.last_reply_ns = now;
        }
        if conn.rstart == conn.rend {
            conn.rstart = 0;
            conn.rend = 0;
        }
        Ok(())
    }

    /// Makes the progress counters visible to the main thread.
    #[inline]
    fn publish(&self) {
        self.progress.replies.store(self.replies, Ordering::Relaxed);
        self.progress
            .latency_ns_sum
            .store(self.latency_ns_sum, Ordering::Relaxed);
        self.progress.errors.store(self.errors, Ordering::Relaxed);
    }

    /// Fails the run if a connection waits too long for a reply.
    fn check_timeouts(&self, now: u64) -> Result<(), Fatal> {
        let limit = REPLY_TIMEOUT.as_nanos() as u64;
        for conn in &self.conns {
            if !conn.inflight.is_empty() && now.saturating_sub(conn.last_activity_ns) > limit {
                return Err(format!(
                    "no reply from {} for {} s with {} requests in flight",
                    self.config.address(),
                    REPLY_TIMEOUT.as_secs(),
                    conn.inflight.len()
                ));
            }
        }
        Ok(())
    }

    fn lost(&self, e: io::Error) -> Fatal {
        format!(
            "lost the connection to {}: {}",
            self.config.address(),
            crate::run::io_reason(&e)
        )
    }
}
