//! A whole run: connect every connection (failing early and clearly), set up RESP3 if asked,
//! start the workers, print progress once a second, and merge what they measured.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::AtomicBool;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use shoal_proto::{decode_frame, Frame};

use crate::config::{Config, Stop};
use crate::limits::{CONNECT_TIMEOUT, HANDSHAKE_TIMEOUT};
use crate::report::{progress_line, Report};
use crate::stats::{Progress, ProgressSnapshot, ThreadStats};
use crate::worker::{self, ConnSpec, Shared, Timeline};

/// The text of an I/O error without Rust's ` (os error N)` suffix, as C tools print it:
/// `Connection refused`.
pub fn io_reason(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

/// Runs the benchmark `config` describes.
///
/// # Errors
///
/// A message for the user: the server could not be reached or set up, or a worker failed.
pub fn run(config: Config) -> Result<Report, String> {
    let config = Arc::new(config);
    let addrs = resolve(&config)?;
    let mut streams = Vec::with_capacity(usize::try_from(config.connections).unwrap_or(0));
    for _ in 0..config.connections {
        streams.push(connect(&config, &addrs)?);
    }
    if config.resp == 3 {
        for stream in &mut streams {
            hello3(&config, stream)?;
        }
    }

    let epoch = Instant::now();
    let warmup_ns = u64::try_from(config.warmup.as_nanos()).unwrap_or(u64::MAX);
    let timeline = Timeline {
        epoch,
        measure_start_ns: warmup_ns,
        send_end_ns: match config.stop {
            Stop::Duration(d) => {
                Some(warmup_ns.saturating_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)))
            }
            _ => None,
        },
    };
    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        progress: (0..config.threads).map(|_| Progress::default()).collect(),
    });

    // Connection i goes to thread i / clients, so that --total-requests' remainder lands on
    // the first connections of the first threads.
    let mut per_thread: Vec<Vec<ConnSpec>> = (0..config.threads).map(|_| Vec::new()).collect();
    for (index, stream) in (0u64..).zip(streams) {
        let thread = usize::try_from(index / u64::from(config.clients)).unwrap_or(0);
        per_thread[thread].push(ConnSpec { stream, index });
    }

    // Values are prefixes of one shared buffer, as memtier fills them: with 'x'.
    let data: Arc<[u8]> = vec![b'x'; config.data_size.max as usize].into();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let mut handles = Vec::with_capacity(per_thread.len());
    for (thread_index, specs) in per_thread.into_iter().enumerate() {
        let (config, data, shared) = (Arc::clone(&config), Arc::clone(&data), Arc::clone(&shared));
        let done_tx = done_tx.clone();
        let handle = std::thread::Builder::new()
            .name(format!("shoal-bench-{thread_index}"))
            .spawn(move || {
                let result = worker::run(thread_index, specs, config, data, timeline, shared);
                let _ = done_tx.send(());
                result
            })
            .map_err(|e| format!("cannot start a worker thread: {e}"))?;
        handles.push(handle);
    }
    drop(done_tx);

    watch(&config, timeline, &shared, &done_rx, handles.len());

    let mut merged = ThreadStats::new(config.workload.templates.len());
    let mut fatal = None;
    for handle in handles {
        match handle.join() {
            Ok(Ok(stats)) => merged.merge(&stats),
            Ok(Err(message)) => {
                fatal.get_or_insert(message);
            }
            Err(_) => {
                fatal.get_or_insert_with(|| "a worker thread panicked".to_owned());
            }
        }
    }
    if let Some(message) = fatal {
        return Err(message);
    }
    let measured_ns = merged
        .last_reply_ns
        .saturating_sub(timeline.measure_start_ns);
    Ok(Report::new(
        &config,
        &merged,
        Duration::from_nanos(measured_ns),
    ))
}

/// Prints a progress line every second until every worker has finished.
fn watch(
    config: &Config,
    timeline: Timeline,
    shared: &Shared,
    done: &mpsc::Receiver<()>,
    workers: usize,
) {
    let mut finished = 0;
    let mut tick = 1u64;
    let mut last = ProgressSnapshot::default();
    let mut last_at = Duration::ZERO;
    while finished < workers {
        let next = Duration::from_secs(tick);
        let wait = next.saturating_sub(timeline.epoch.elapsed());
        match done.recv_timeout(wait) {
            Ok(()) => {
                finished += 1;
                continue;
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        tick += 1;
        if config.quiet {
            continue;
        }
        let now = timeline.epoch.elapsed();
        let snapshot = ProgressSnapshot::read(&shared.progress);
        let phase = if now.as_nanos() < u128::from(timeline.measure_start_ns) {
            "warm-up"
        } else if timeline
            .send_end_ns
            .is_some_and(|end| now.as_nanos() >= u128::from(end))
        {
            "drain"
        } else {
            "run"
        };
        eprintln!(
            "{}",
            progress_line(now, phase, &last, &snapshot, now - last_at)
        );
        last = snapshot;
        last_at = now;
    }
}

fn resolve(config: &Config) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> = (config.server.as_str(), config.port)
        .to_socket_addrs()
        .map_err(|e| format!("Could not resolve {}: {}", config.server, io_reason(&e)))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("Could not resolve {}: no addresses", config.server));
    }
    Ok(addrs)
}

/// Connects to the first address that accepts, as redis-benchmark does.
fn connect(config: &Config, addrs: &[SocketAddr]) -> Result<TcpStream, String> {
    let mut last_error = None;
    for addr in addrs {
        match TcpStream::connect_timeout(addr, CONNECT_TIMEOUT) {
            Ok(stream) => {
                stream
                    .set_nodelay(true)
                    .map_err(|e| format!("cannot set TCP_NODELAY: {}", io_reason(&e)))?;
                return Ok(stream);
            }
            Err(e) => last_error = Some(e),
        }
    }
    let reason = last_error.map_or_else(|| "no address".to_owned(), |e| io_reason(&e));
    Err(format!(
        "Could not connect to {}: {reason}",
        config.address()
    ))
}

/// Switches a connection to RESP3 with `HELLO 3`, waiting for the reply.
fn hello3(config: &Config, stream: &mut TcpStream) -> Result<(), String> {
    let failed = |why: String| format!("HELLO 3 to {} failed: {why}", config.address());
    stream
        .set_read_timeout(Some(HANDSHAKE_TIMEOUT))
        .map_err(|e| failed(io_reason(&e)))?;
    stream
        .write_all(b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n")
        .map_err(|e| failed(io_reason(&e)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
    loop {
        match decode_frame(&buf) {
            Ok(Some((frame, _))) => {
                return match frame {
                    Frame::Error(message) | Frame::BlobError(message) => {
                        Err(failed(String::from_utf8_lossy(&message).into_owned()))
                    }
                    Frame::Map(_) => stream
                        .set_read_timeout(None)
                        .map_err(|e| failed(io_reason(&e))),
                    other => Err(failed(format!("unexpected reply {other:?}"))),
                };
            }
            Ok(None) => {}
            Err(e) => return Err(failed(format!("malformed reply: {e}"))),
        }
        if Instant::now() >= deadline {
            return Err(failed("no reply".to_owned()));
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Err(failed("the server closed the connection".to_owned())),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(failed(io_reason(&e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_reasons_read_like_c_tools() {
        let refused = io::Error::from_raw_os_error(111);
        assert_eq!(io_reason(&refused), "Connection refused");
        let custom = io::Error::other("plain");
        assert_eq!(io_reason(&custom), "plain");
    }
}
