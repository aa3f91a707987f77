//! The Prometheus `/metrics` endpoint (`metrics-port`, served by core 0).
//!
//! INFO is the one source of the figures. A scrape runs a real
//! [`Connection`] over an in-memory stream that carries one
//! `INFO everything` and then ends, and takes the bulk string it answers
//! ([`scrape`]); so the endpoint reports exactly what INFO does, through
//! the same dispatch to every shard. [`render`] turns that text into the
//! Prometheus text exposition format 0.0.4, with names after Prometheus's
//! conventions (prefix `shoal_`, base units, counters ending in `_total`).
//! Fields it does not know, and values that are not plain decimal numbers,
//! are skipped, so INFO may grow without breaking the exposition.
//!
//! The HTTP side is the least a scraper needs: one request per connection
//! (parsed by `httparse`), its answer, then close. The runtime accepts the
//! connections and hands each to [`serve_http`].

mod exposition;

pub use exposition::render;

use crate::client::KillSwitch;
use crate::connection::{Close, Connection};
use crate::limits::{
    METRICS_CLIENT_TIMEOUT, METRICS_INFO_SIZE_MAX, METRICS_LINGER_SIZE_MAX,
    METRICS_REQUEST_HEADERS_MAX, METRICS_REQUEST_HEAD_SIZE_MAX,
};
use crate::node::Node;
use crate::runtime;
use futures_lite::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use shoal_proto::{decode_frame, Frame};
use std::fmt;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// The request a scrape's connection reads: `INFO everything`, in RESP2.
const INFO_REQUEST: &[u8] = b"*2\r\n$4\r\nINFO\r\n$10\r\neverything\r\n";

/// Why a scrape got no INFO text.
#[derive(Debug)]
pub enum ScrapeError {
    /// The connection ended otherwise than at the end of its request.
    Closed(Close),
    /// The connection's answer was not one bulk string.
    Reply(String),
}

impl fmt::Display for ScrapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScrapeError::Closed(close) => write!(f, "the INFO connection ended with {close:?}"),
            ScrapeError::Reply(what) => f.write_str(what),
        }
    }
}

/// Runs `INFO everything` through a real connection of this core and
/// returns its text. The connection gets a fresh client id but is not in
/// the client registry: it is not a client (CLIENT LIST, connected_clients
/// do not show it), though its INFO counts in the command and byte
/// counters as any INFO does.
pub async fn scrape(node: &Rc<Node>) -> Result<String, ScrapeError> {
    let id = node.global.next_client_id();
    let mut stream = OneRequest::new(INFO_REQUEST, METRICS_INFO_SIZE_MAX);
    let mut conn = Connection::new(node.clone(), id, Rc::new(KillSwitch::default()));
    // The connection answers each read's requests (and flushes) before it
    // reads again, so the reply is written before it sees the end.
    let close = conn.serve(&mut stream).await;
    conn.finish().await;
    if !matches!(close, Close::Eof) {
        return Err(ScrapeError::Closed(close));
    }
    info_text(&stream.written)
}

/// The text of the one INFO reply in `reply`.
fn info_text(reply: &[u8]) -> Result<String, ScrapeError> {
    match decode_frame(reply) {
        Ok(Some((Frame::Bulk(text), used))) if used == reply.len() => {
            Ok(String::from_utf8_lossy(&text).into_owned())
        }
        Ok(Some((Frame::Error(e), _))) => Err(ScrapeError::Reply(format!(
            "INFO answered -{}",
            String::from_utf8_lossy(&e)
        ))),
        Ok(Some(_)) => Err(ScrapeError::Reply(
            "INFO answered something other than one bulk string".into(),
        )),
        Ok(None) => Err(ScrapeError::Reply("INFO's reply is incomplete".into())),
        Err(e) => Err(ScrapeError::Reply(format!("INFO's reply is not RESP: {e}"))),
    }
}

/// The stream a scrape's connection runs over: reads give `request` and
/// then the end of the stream; writes are kept, up to `written_max` bytes
/// (more is an error, which ends the connection).
struct OneRequest {
    request: &'static [u8],
    read: usize,
    written: Vec<u8>,
    written_max: usize,
}

impl OneRequest {
    fn new(request: &'static [u8], written_max: usize) -> OneRequest {
        OneRequest {
            request,
            read: 0,
            written: Vec::new(),
            written_max,
        }
    }
}

impl AsyncRead for OneRequest {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let rest = &self.request[self.read..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.read += n;
        Poll::Ready(Ok(n))
    }
}

impl AsyncWrite for OneRequest {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if buf.len() > self.written_max.saturating_sub(self.written.len()) {
            let max = self.written_max;
            return Poll::Ready(Err(io::Error::other(format!(
                "INFO's reply is larger than {max} bytes"
            ))));
        }
        self.written.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Where the metrics are.
const METRICS_PATH: &str = "/metrics";
/// The content type of the text exposition format 0.0.4.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The answers the endpoint gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Ok,
    BadRequest,
    NotFound,
    MethodNotAllowed,
    HeaderFieldsTooLarge,
    InternalServerError,
}

impl Status {
    fn line(self) -> &'static str {
        match self {
            Status::Ok => "200 OK",
            Status::BadRequest => "400 Bad Request",
            Status::NotFound => "404 Not Found",
            Status::MethodNotAllowed => "405 Method Not Allowed",
            Status::HeaderFieldsTooLarge => "431 Request Header Fields Too Large",
            Status::InternalServerError => "500 Internal Server Error",
        }
    }
}

/// What a request head asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    /// GET or HEAD (`head_only`) of `/metrics`.
    Metrics { head_only: bool },
    /// Anything else, answered with this status and no metrics.
    Refuse { status: Status, head_only: bool },
}

impl Route {
    fn refuse(status: Status) -> Route {
        Route::Refuse {
            status,
            head_only: false,
        }
    }
}

/// What the request head in `head` asks for, or none while it is
/// incomplete and shorter than the limit.
fn route(head: &[u8]) -> Option<Route> {
    let mut headers = [httparse::EMPTY_HEADER; METRICS_REQUEST_HEADERS_MAX];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(head) {
        Ok(httparse::Status::Partial) if head.len() >= METRICS_REQUEST_HEAD_SIZE_MAX => {
            Some(Route::refuse(Status::HeaderFieldsTooLarge))
        }
        Ok(httparse::Status::Partial) => None,
        Err(httparse::Error::TooManyHeaders) => Some(Route::refuse(Status::HeaderFieldsTooLarge)),
        Err(_) => Some(Route::refuse(Status::BadRequest)),
        Ok(httparse::Status::Complete(_)) => {
            let (Some(method), Some(target)) = (request.method, request.path) else {
                return Some(Route::refuse(Status::BadRequest));
            };
            let head_only = method == "HEAD";
            let path = target.split_once('?').map_or(target, |(path, _)| path);
            let status = if path != METRICS_PATH {
                Status::NotFound
            } else if method != "GET" && !head_only {
                Status::MethodNotAllowed
            } else {
                return Some(Route::Metrics { head_only });
            };
            Some(Route::Refuse { status, head_only })
        }
    }
}

/// An HTTP/1.1 answer that closes the connection; a HEAD answer has the
/// headers of the GET answer and no body.
fn response(status: Status, head_only: bool, body: &[u8]) -> Vec<u8> {
    let content_type = match status {
        Status::Ok => CONTENT_TYPE,
        _ => "text/plain; charset=utf-8",
    };
    let mut head = format!(
        "HTTP/1.1 {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        status.line(),
        body.len()
    );
    if status == Status::MethodNotAllowed {
        head.push_str("Allow: GET, HEAD\r\n");
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    if !head_only {
        out.extend_from_slice(body);
    }
    out
}

/// Reads until `buf` holds a whole request head (or what it asks for is
/// clear without the rest). None: the client closed before sending
/// anything.
async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut [u8],
) -> io::Result<Option<Route>> {
    let mut filled = 0;
    loop {
        // `route` answers once the buffer is full, so there is room.
        debug_assert!(filled < buf.len());
        let n = stream.read(&mut buf[filled..]).await?;
        if n == 0 {
            return Ok((filled > 0).then(|| Route::refuse(Status::BadRequest)));
        }
        filled += n;
        if let Some(route) = route(&buf[..filled]) {
            return Ok(Some(route));
        }
    }
}

/// Serves one connection to the metrics port: reads one request, answers
/// it, and closes. A client gets [`METRICS_CLIENT_TIMEOUT`] to send its
/// request head, and as long again to take the answer.
pub async fn serve_http<S: AsyncRead + AsyncWrite + Unpin>(node: &Rc<Node>, stream: &mut S) {
    // The only buffer: its size is fixed, whatever the client declares.
    let mut buf = vec![0u8; METRICS_REQUEST_HEAD_SIZE_MAX];
    let route = match runtime::within(METRICS_CLIENT_TIMEOUT, read_head(stream, &mut buf)).await {
        Some(Ok(Some(route))) => route,
        Some(Ok(None)) => return,
        Some(Err(e)) => {
            tracing::debug!(error = %e, "metrics client: read failed");
            return;
        }
        None => {
            tracing::debug!("metrics client sent no whole request in time; dropped");
            return;
        }
    };
    // The scrape itself is not timed out: it runs shard work that must
    // not be abandoned halfway, and it is as quick as any INFO.
    let answer = match route {
        Route::Metrics { head_only } => match scrape(node).await {
            Ok(info) => response(Status::Ok, head_only, render(&info).as_bytes()),
            Err(e) => {
                tracing::warn!(error = %e, "metrics scrape failed");
                let body = format!("{}: {e}\n", Status::InternalServerError.line());
                response(Status::InternalServerError, head_only, body.as_bytes())
            }
        },
        Route::Refuse { status, head_only } => {
            let body = match status {
                Status::NotFound => {
                    format!("{}: the metrics are at {METRICS_PATH}\n", status.line())
                }
                _ => format!("{}\n", status.line()),
            };
            response(status, head_only, body.as_bytes())
        }
    };
    let answered = runtime::within(METRICS_CLIENT_TIMEOUT, async {
        stream.write_all(&answer).await?;
        // Half-close, then read what the client still sends until it
        // closes (a lingering close): closing with unread bytes, as after a
        // head that was too large, would reset the connection, and a reset
        // can destroy the answer before the client reads it.
        stream.close().await?;
        let mut drained = 0;
        while drained < METRICS_LINGER_SIZE_MAX {
            match stream.read(&mut buf).await? {
                0 => break,
                n => drained += n,
            }
        }
        Ok::<(), io::Error>(())
    })
    .await;
    match answered {
        Some(Ok(())) => {}
        Some(Err(e)) => tracing::debug!(error = %e, "metrics client: answer failed"),
        None => tracing::debug!("metrics client did not take its answer and close in time"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routed(head: &str) -> Option<Route> {
        route(head.as_bytes())
    }

    #[test]
    fn requests_are_routed() {
        let get = Route::Metrics { head_only: false };
        assert_eq!(
            routed("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
            Some(get)
        );
        assert_eq!(routed("GET /metrics HTTP/1.0\r\n\r\n"), Some(get));
        assert_eq!(routed("GET /metrics?name[]=x HTTP/1.1\r\n\r\n"), Some(get));
        assert_eq!(
            routed("HEAD /metrics HTTP/1.1\r\n\r\n"),
            Some(Route::Metrics { head_only: true })
        );
        let refused = |status, head_only| Some(Route::Refuse { status, head_only });
        assert_eq!(
            routed("GET / HTTP/1.1\r\n\r\n"),
            refused(Status::NotFound, false)
        );
        assert_eq!(
            routed("HEAD /metricsx HTTP/1.1\r\n\r\n"),
            refused(Status::NotFound, true)
        );
        assert_eq!(
            routed("POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"),
            refused(Status::MethodNotAllowed, false)
        );
        assert_eq!(
            routed("get /metrics HTTP/1.1\r\n\r\n"),
            refused(Status::MethodNotAllowed, false)
        );
        // Incomplete: wait for more.
        assert_eq!(routed(""), None);
        assert_eq!(routed("GET /metrics HTTP/1.1\r\nHost: x\r\n"), None);
        // Malformed.
        for bad in [
            "BLAH\r\n\r\n",
            "GET /metrics HTTP/9.9\r\n\r\n",
            "GET /metrics HTTP/1.1\r\nBad Header\r\n\r\n",
            "GET  HTTP/1.1\r\n\r\n",
            "\0\0\0\0",
        ] {
            assert_eq!(routed(bad), refused(Status::BadRequest, false), "{bad:?}");
        }
    }

    #[test]
    fn heads_past_the_limits_are_refused_431() {
        let too_large = refused_431(&format!(
            "GET /metrics HTTP/1.1\r\nX-Pad: {}",
            "a".repeat(METRICS_REQUEST_HEAD_SIZE_MAX)
        ));
        assert!(too_large);
        let headers: String = (0..=METRICS_REQUEST_HEADERS_MAX)
            .map(|i| format!("X-{i}: y\r\n"))
            .collect();
        assert!(refused_431(&format!(
            "GET /metrics HTTP/1.1\r\n{headers}\r\n"
        )));
        // Just under the size limit is still read.
        let fits = "GET /metrics HTTP/1.1\r\nX-Pad: ";
        let pad = "a".repeat(METRICS_REQUEST_HEAD_SIZE_MAX - fits.len() - 5);
        assert_eq!(
            routed(&format!("{fits}{pad}\r\n\r\n")),
            Some(Route::Metrics { head_only: false })
        );
    }

    /// Whether the first `METRICS_REQUEST_HEAD_SIZE_MAX` bytes of `head`
    /// (what the endpoint reads at most) are answered 431.
    fn refused_431(head: &str) -> bool {
        let bytes = &head.as_bytes()[..head.len().min(METRICS_REQUEST_HEAD_SIZE_MAX)];
        route(bytes) == Some(Route::refuse(Status::HeaderFieldsTooLarge))
    }

    #[test]
    fn responses_close_and_say_their_length() {
        let ok = response(Status::Ok, false, b"a 1\n");
        assert_eq!(
            ok,
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: 4\r\nConnection: close\r\n\r\na 1\n"
        );
        let head = response(Status::Ok, true, b"a 1\n");
        assert!(head.ends_with(b"Content-Length: 4\r\nConnection: close\r\n\r\n"));
        let not_allowed =
            String::from_utf8(response(Status::MethodNotAllowed, false, b"x\n")).unwrap();
        assert!(not_allowed.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
        assert!(not_allowed.contains("\r\nAllow: GET, HEAD\r\n"));
        assert!(not_allowed.contains("\r\nContent-Type: text/plain; charset=utf-8\r\n"));
    }

    #[test]
    fn the_info_reply_must_be_one_bulk_string() {
        assert_eq!(info_text(b"$5\r\nhello\r\n").unwrap(), "hello");
        assert_eq!(
            info_text(b"$2\r\n\xff\xfe\r\n").unwrap(),
            "\u{fffd}\u{fffd}"
        );
        for bad in [
            &b"-ERR no\r\n"[..],
            b"$5\r\nhel",
            b"$5\r\nhello\r\n+OK\r\n",
            b":1\r\n",
            b"",
            b"?",
        ] {
            assert!(info_text(bad).is_err(), "{bad:?}");
        }
        assert!(info_text(b"-ERR no\r\n")
            .unwrap_err()
            .to_string()
            .contains("ERR no"));
    }

    #[test]
    fn the_scrape_stream_reads_its_request_then_ends_and_bounds_writes() {
        let mut s = OneRequest::new(INFO_REQUEST, 8);
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut buf = [0u8; 10];
        let mut got = Vec::new();
        loop {
            match Pin::new(&mut s).poll_read(&mut cx, &mut buf) {
                Poll::Ready(Ok(0)) => break,
                Poll::Ready(Ok(n)) => got.extend_from_slice(&buf[..n]),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(got, INFO_REQUEST);
        assert!(matches!(
            Pin::new(&mut s).poll_write(&mut cx, b"12345"),
            Poll::Ready(Ok(5))
        ));
        assert!(matches!(
            Pin::new(&mut s).poll_write(&mut cx, b"6789"),
            Poll::Ready(Err(_))
        ));
        assert_eq!(s.written, b"12345");
    }
}
