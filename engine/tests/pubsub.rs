//! Pub/sub, black box: the same subscriber and publisher conversation
//! against redis-server and `shoal-server --threads 2` (byte for byte, but
//! for the order of channel listings), delivery to subscribers on every
//! core, and the slow-subscriber limit.
//!
//! Set `SHOAL_SKIP_REDIS_DIFF=1` to skip the comparison when
//! `/usr/bin/redis-server` is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly by design

mod support;

use shoal_proto::decode_frame;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::{start_redis, Server};

/// How long a client waits for replies that should come.
const REPLY_WAIT: Duration = Duration::from_secs(5);

struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    /// Sends each command; its arguments are split at spaces, or at `|`
    /// when it has one (for arguments with spaces).
    fn send(&mut self, commands: &[&str]) {
        let mut out = Vec::new();
        for c in commands {
            let sep = if c.contains('|') { '|' } else { ' ' };
            let words: Vec<&str> = c.split(sep).collect();
            out.extend_from_slice(format!("*{}\r\n", words.len()).as_bytes());
            for w in words {
                out.extend_from_slice(format!("${}\r\n{w}\r\n", w.len()).as_bytes());
            }
        }
        self.stream.write_all(&out).unwrap();
    }

    /// The next `n` frames, raw.
    fn frames(&mut self, n: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + REPLY_WAIT;
        let mut frames = Vec::new();
        while frames.len() < n {
            match decode_frame(&self.buf).unwrap() {
                Some((_, len)) => {
                    frames.push(self.buf.drain(..len).collect());
                    continue;
                }
                None => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    assert!(!left.is_zero(), "timed out after {frames:?}");
                    self.stream.set_read_timeout(Some(left)).unwrap();
                    let mut chunk = [0u8; 65536];
                    let got = self.stream.read(&mut chunk).unwrap();
                    assert!(got > 0, "connection closed after {frames:?}");
                    self.buf.extend_from_slice(&chunk[..got]);
                }
            }
        }
        frames
    }

    /// Sends `commands` and reads `n` frames.
    fn talk(&mut self, commands: &[&str], n: usize) -> Vec<Vec<u8>> {
        self.send(commands);
        self.frames(n)
    }

    /// Whether nothing more arrives within `wait` (what does arrive is
    /// kept in the buffer).
    fn quiet_for(&mut self, wait: Duration) -> bool {
        self.stream.set_read_timeout(Some(wait)).unwrap();
        let mut chunk = [0u8; 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => true,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                false
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => true,
            Err(e) => panic!("{e}"),
        }
    }
}

/// The elements of a flat array reply, sorted (channel listings come in
/// hash order on both servers).
fn sorted_elements(frame: &[u8]) -> Vec<Vec<u8>> {
    let mut out = elements(frame);
    out.sort();
    out
}

/// The elements of a flat array reply, in order.
fn elements(frame: &[u8]) -> Vec<Vec<u8>> {
    let header_end = frame.windows(2).position(|w| w == b"\r\n").unwrap() + 2;
    let mut rest = &frame[header_end..];
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (_, len) = decode_frame(rest).unwrap().unwrap();
        out.push(rest[..len].to_vec());
        rest = &rest[len..];
    }
    out
}

/// The whole conversation; returns every frame each client got, with
/// channel listings (marked by the caller's indexes) sorted.
fn conversation(port: u16) -> Vec<Vec<Vec<u8>>> {
    let mut a = Client::connect(port);
    let mut b = Client::connect(port);
    let mut log = Vec::new();
    log.push(a.talk(
        &[
            "SUBSCRIBE a b",
            "GET x",
            "PING",
            "PING hi",
            "SUBSCRIBE a",
            "PSUBSCRIBE p*",
            "SSUBSCRIBE s1 s2",
        ],
        9,
    ));
    let mut published = b.talk(
        &[
            "PUBLISH a m1",
            "PUBLISH pq m2",
            "SPUBLISH s1 m3",
            "PUBLISH zz m4",
            "PUBSUB NUMSUB a b zz",
            "PUBSUB NUMPAT",
            "PUBSUB SHARDNUMSUB s1 zz",
            "PUBSUB CHANNELS a*",
            "PUBSUB CHANNELS",
            "PUBSUB SHARDCHANNELS",
            "PUBSUB SHARDCHANNELS s*",
        ],
        11,
    );
    for f in &mut published[8..] {
        *f = sorted_elements(f).concat();
    }
    log.push(published);
    log.push(a.frames(3));
    let mut unsubscribed = a.talk(
        &[
            "UNSUBSCRIBE a",
            "PUNSUBSCRIBE",
            "SUNSUBSCRIBE s1",
            "UNSUBSCRIBE",
            "SUNSUBSCRIBE",
            "UNSUBSCRIBE",
            "PUNSUBSCRIBE x",
            "GET x",
            "PING",
        ],
        9,
    );
    unsubscribed.sort();
    log.push(unsubscribed);
    a.talk(&["HELLO 3"], 1);
    log.push(a.talk(&["SUBSCRIBE c", "GET x", "PING", "PUBLISH c self"], 5));
    log.push(a.talk(&["RESET", "PUBLISH c after"], 2));
    log.push(b.talk(
        &[
            "PUBSUB",
            "PUBSUB FOO",
            "PUBSUB NUMPAT x",
            "SUBSCRIBE",
            "PUBLISH a",
            "SSUBSCRIBE",
            "PUBSUB NUMSUB",
            "PUBSUB NUMPAT",
        ],
        8,
    ));
    assert!(a.quiet_for(Duration::from_millis(100)));
    log
}

#[test]
fn pubsub_conversation_matches_redis() {
    let Some(redis) = start_redis() else {
        return;
    };
    let port = redis.port;
    let expected = conversation(port);
    drop(redis);
    for threads in ["1", "2"] {
        let shoal = Server::start(&["--threads", threads]);
        let got = conversation(shoal.port);
        for (step, (g, e)) in got.iter().zip(&expected).enumerate() {
            let show = |v: &Vec<Vec<u8>>| {
                v.iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect::<Vec<_>>()
            };
            assert_eq!(show(g), show(e), "threads {threads}, step {step}");
        }
    }
}

#[test]
fn publish_reaches_subscribers_on_every_core() {
    let server = Server::start(&["--threads", "2"]);
    // Enough connections that both cores get some.
    let mut subscribers: Vec<Client> = (0..8).map(|_| Client::connect(server.port)).collect();
    for (i, s) in subscribers.iter_mut().enumerate() {
        let frames = if i % 2 == 0 {
            s.talk(&["SUBSCRIBE news"], 1)
        } else {
            s.talk(&["PSUBSCRIBE n*"], 1)
        };
        assert_eq!(frames.len(), 1);
    }
    let mut publisher = Client::connect(server.port);
    for round in 0..20 {
        let reply = publisher.talk(&[&format!("PUBLISH news m{round}")], 1);
        assert_eq!(reply[0], b":8\r\n");
    }
    for (i, s) in subscribers.iter_mut().enumerate() {
        let frames = s.frames(20);
        for (round, f) in frames.iter().enumerate() {
            let text = String::from_utf8_lossy(f);
            let kind = if i % 2 == 0 { "message" } else { "pmessage" };
            assert!(
                text.contains(kind) && text.ends_with(&format!("m{round}\r\n")),
                "{text}"
            );
        }
    }
    let reply = publisher.talk(&["PUBSUB NUMSUB news", "PUBSUB NUMPAT"], 2);
    assert_eq!(reply[0], b"*2\r\n$4\r\nnews\r\n:4\r\n");
    assert_eq!(reply[1], b":1\r\n");
    // Subscribers that leave are forgotten on their core.
    drop(subscribers);
    let deadline = Instant::now() + REPLY_WAIT;
    loop {
        let reply = publisher.talk(&["PUBLISH news late"], 1);
        if reply[0] == b":0\r\n" {
            break;
        }
        assert!(Instant::now() < deadline, "subscribers were not cleaned up");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_subscriber_that_does_not_read_is_disconnected() {
    let server = Server::start(&["--threads", "2"]);
    let mut admin = Client::connect(server.port);
    let reply = admin.talk(&["CONFIG GET client-output-buffer-limit"], 1);
    assert!(String::from_utf8_lossy(&reply[0])
        .contains("normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"));
    let reply = admin.talk(
        &[
            "CONFIG|SET|client-output-buffer-limit|pubsub 1mb 256kb 60",
            "CONFIG|SET|client-output-buffer-limit|normal 1 1 1",
            "CONFIG|SET|client-output-buffer-limit|pubsub 1 1",
        ],
        3,
    );
    assert_eq!(reply[0], b"+OK\r\n");
    assert!(reply[1].starts_with(b"-ERR CONFIG SET failed"));
    assert!(reply[2].starts_with(b"-ERR CONFIG SET failed"));
    // The hard limit, then the soft one held for 0 seconds.
    for limit in ["pubsub 1mb 0 0", "pubsub 0 256kb 0"] {
        let set = format!("CONFIG|SET|client-output-buffer-limit|{limit}");
        assert_eq!(admin.talk(&[&set], 1)[0], b"+OK\r\n");
        slow_subscriber_is_dropped(&mut admin, server.port);
    }
    let reply = admin.talk(&["PUBSUB NUMSUB firehose"], 1);
    assert_eq!(reply[0], b"*2\r\n$8\r\nfirehose\r\n:0\r\n");
}

/// Subscribes a client with a small receive buffer that never reads, and
/// publishes until no one receives: the server must have dropped it.
fn slow_subscriber_is_dropped(admin: &mut Client, port: u16) {
    // A subscriber with a small receive buffer that never reads.
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    sock.connect(&addr.into()).unwrap();
    let mut slow = Client {
        stream: sock.into(),
        buf: Vec::new(),
    };
    slow.talk(&["SUBSCRIBE firehose"], 1);
    let message = "x".repeat(64 * 1024);
    let publish = format!("PUBLISH firehose {message}");
    let deadline = Instant::now() + REPLY_WAIT;
    let mut sent = 0usize;
    loop {
        let reply = admin.talk(&[&publish], 1);
        sent += message.len();
        if reply[0] == b":0\r\n" {
            break;
        }
        // Well before the default limits (32mb): the configured one applies.
        assert!(
            Instant::now() < deadline && sent < 16 * 1024 * 1024,
            "the slow subscriber was not disconnected after {sent} bytes"
        );
    }
    // The server closed it: what it had received ends in EOF.
    slow.stream.set_read_timeout(Some(REPLY_WAIT)).unwrap();
    let mut drained = Vec::new();
    match slow.stream.read_to_end(&mut drained) {
        Ok(_) => {}
        Err(e) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
    }
}

/// Commands whose keyspace events the notification test compares.
const EVENTFUL: &[&str] = &[
    "SET k v",
    "SET k v EX 100",
    "SETNX k x",
    "SETEX k2 10 v",
    "GETSET k w",
    "GETDEL k2",
    "INCR n",
    "INCRBYFLOAT f 1.5",
    "APPEND s a",
    "APPEND s b",
    "SETRANGE s 5 x",
    "SETRANGE s2 0 ",
    "MSET a 1 b 2",
    "MSETNX c 1 d 2",
    "MSETNX c 1 e 2",
    "EXPIRE a 100",
    "PERSIST a",
    "PERSIST a",
    "GETEX a PX 100000",
    "GETEX a PERSIST",
    "EXPIRE a 0",
    "DEL b c d nokey",
    "GET nokey",
    "EXISTS nokey",
    "HSET h f v",
    "HSETNX h f v",
    "HSETNX h g v",
    "HINCRBY h n 1",
    "HINCRBYFLOAT h x 1.5",
    "HDEL h nofield",
    "HDEL h f g n x",
    "SADD s1 a b",
    "SADD s1 a",
    "SREM s1 a",
    "SREM s1 a",
    "SPOP s1",
    "SADD s1 a b c",
    "SADD s2 c d",
    "SINTERSTORE s3 s1 s2",
    "SUNIONSTORE s3 s1 s2",
    "SDIFFSTORE s3 s2 s2",
    "SDIFFSTORE s3 s2 s2",
    "SUNIONSTORE s3 s1 nokey",
    "SDIFFSTORE s3 nokey",
    "SMOVE s1 s2 a",
    "SMOVE s1 s2 zz",
    "RENAME s2 s4",
    "COPY s4 s5",
    "COPY s4 s5 REPLACE",
    "MOVE s5 1",
    "BITOP OR bo n f",
    "BITOP OR bo n f",
    "BITOP AND bo nokey",
    "RPUSH l a b c d",
    "LPUSH l z",
    "LPUSHX l y",
    "RPUSHX nolist y",
    "LPOP l",
    "RPOP l 2",
    "LSET l 0 q",
    "LINSERT l BEFORE q p",
    "LINSERT l BEFORE nopivot p",
    "LREM l 0 nothing",
    "LREM l 1 p",
    "LTRIM l 0 -1",
    "LTRIM l 5 10",
    "RPUSH l2 x",
    "RPOP l2",
    "RPUSH l3 a b",
    "LMOVE l3 l4 LEFT RIGHT",
    "RPOPLPUSH l3 l4",
    "LMOVE l4 l4 LEFT RIGHT",
    "LMPOP 2 l3 l4 LEFT COUNT 5",
    "SETBIT bits 7 1",
    "SETBIT bits 7 1",
    "BITFIELD bits SET u8 0 255",
    "BITFIELD bits GET u8 0",
    "ZADD z 1 a 2 b",
    "ZADD z 1 a",
    "ZADD z INCR 5 a",
    "ZINCRBY z 1 b",
    "ZREM z nomember",
    "ZREM z a",
    "ZADD z 3 c 4 d 5 e",
    "ZPOPMIN z",
    "ZPOPMAX z 1",
    "ZREMRANGEBYRANK z 0 0",
    "ZREMRANGEBYSCORE z 100 200",
    "ZREMRANGEBYSCORE z -inf +inf",
    "ZADD z2 1 a",
    "ZREMRANGEBYLEX z2 - +",
    "ZADD z3 1 a 2 b",
    "ZUNIONSTORE z4 2 z3 nokey",
    "ZINTERSTORE z4 2 z3 z3",
    "ZINTERSTORE z4 2 z3 nokey",
    "ZUNION 2 z3 nokey",
    "ZADD z5 1 a 2 b",
    "ZMPOP 2 nokey z5 MAX",
    "ZMPOP 1 z5 MIN COUNT 5",
    "ZADD z6 1 a 2 b",
    "ZRANGESTORE z7 z6 0 0",
    "ZRANGESTORE z7 z6 5 6",
    "ZRANGESTORE z7 nokey 0 1",
    "SET e v PX 1",
];

/// Runs [`EVENTFUL`] with every event class on and returns the messages a
/// pattern subscriber got.
fn events_of(port: u16) -> Vec<Vec<u8>> {
    let mut admin = Client::connect(port);
    admin.talk(&["FLUSHALL", "CONFIG|SET|notify-keyspace-events|KEAnm"], 2);
    let mut sub = Client::connect(port);
    sub.talk(&["PSUBSCRIBE __key*__:*"], 1);
    for c in EVENTFUL {
        admin.talk(&[c], 1);
    }
    std::thread::sleep(Duration::from_millis(20));
    admin.talk(&["GET e"], 1);
    let mut messages = Vec::new();
    loop {
        if let Some((_, len)) = decode_frame(&sub.buf).unwrap() {
            messages.push(sub.buf.drain(..len).collect());
            continue;
        }
        // A whole frame needs more bytes; none for a while ends the list.
        if sub.quiet_for(Duration::from_millis(300)) {
            break;
        }
    }
    admin.talk(&["CONFIG|SET|notify-keyspace-events|"], 1);
    messages
}

#[test]
fn keyspace_notifications_match_redis() {
    let Some(redis) = start_redis() else {
        return;
    };
    let port = redis.port;
    let expected = events_of(port);
    drop(redis);
    assert!(expected.len() > 100, "{}", expected.len());
    // "channel message", one per line, for a readable difference.
    let show = |v: &[Vec<u8>]| -> Vec<String> {
        v.iter()
            .map(|f| {
                let parts = elements(f);
                format!(
                    "{} {}",
                    String::from_utf8_lossy(&parts[2]).trim(),
                    String::from_utf8_lossy(&parts[3]).trim()
                )
            })
            .collect()
    };
    if let Ok(path) = std::env::var("SHOAL_DUMP_EVENTS") {
        std::fs::write(path, show(&expected).join("\n")).unwrap();
    }
    // One shard: the same messages in the same order.
    let shoal = Server::start(&["--threads", "1"]);
    let got = show(&events_of(shoal.port));
    if let Ok(path) = std::env::var("SHOAL_DUMP_EVENTS") {
        std::fs::write(format!("{path}.shoal"), got.join("\n")).unwrap();
    }
    assert_eq!(got, show(&expected));
    // Two shards: each core publishes its own events, so only the order
    // of events of different keys may differ.
    let shoal = Server::start(&["--threads", "2"]);
    let mut got = show(&events_of(shoal.port));
    if let Ok(path) = std::env::var("SHOAL_DUMP_EVENTS") {
        std::fs::write(format!("{path}.shoal2"), got.join("\n")).unwrap();
    }
    let mut want = show(&expected);
    got.sort();
    want.sort();
    assert_eq!(got, want);
}
