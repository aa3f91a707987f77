//! A non-allocating RESP2/RESP3 reply scanner for the hot path: it finds where a reply ends and
//! whether it is an error, a nil or something else, without building it.
//!
//! shoal-proto's [`decode_frame`](shoal_proto::decode_frame) builds the whole reply (copying
//! every string); the load generator only needs the boundary and the kind, at millions of
//! replies per second. The tests check that both agree on every boundary.

use std::ops::Range;

use shoal_proto::FrameError;

use crate::limits::REPLY_DEPTH_MAX;

/// What a reply says, as far as the statistics care.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplyKind {
    /// Any reply that is neither nil nor an error.
    Value,
    /// RESP2's null bulk `$-1` or null array `*-1`, or RESP3's `_`: a GET miss.
    Nil,
    /// `-ERR ...` or RESP3's blob error `!len`: the byte range of the message within the
    /// scanned buffer.
    Error(Range<usize>),
    /// A RESP3 push (`>`): out-of-band data that answers no request.
    Push,
}

/// Scans one reply from the front of `buf`.
///
/// Returns its kind and length, or `Ok(None)` if `buf` holds only part of it. An attribute
/// (`|`) is skipped together with the reply it describes, whose kind it takes.
///
/// # Errors
///
/// When the bytes cannot be a reply.
#[inline]
pub fn scan_reply(buf: &[u8]) -> Result<Option<(ReplyKind, usize)>, FrameError> {
    let mut scanner = Scanner { buf, pos: 0 };
    Ok(scanner.reply(0)?.map(|kind| (kind, scanner.pos)))
}

/// Unwraps a `Result<Option<T>, _>`, returning `Ok(None)` (need more bytes) from the caller.
macro_rules! ready {
    ($e:expr) => {
        match $e? {
            Some(value) => value,
            None => return Ok(None),
        }
    };
}

struct Scanner<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn reply(&mut self, depth: usize) -> Result<Option<ReplyKind>, FrameError> {
        if depth > REPLY_DEPTH_MAX {
            return Err(FrameError::TooDeep);
        }
        let Some(&kind) = self.buf.get(self.pos) else {
            return Ok(None);
        };
        self.pos += 1;
        Ok(Some(match kind {
            b'+' | b':' | b',' | b'#' | b'(' => {
                ready!(self.line());
                ReplyKind::Value
            }
            b'_' => {
                if !ready!(self.line()).is_empty() {
                    return Err(FrameError::InvalidLine);
                }
                ReplyKind::Nil
            }
            b'-' => ReplyKind::Error(ready!(self.line())),
            b'$' => match ready!(self.length(true)) {
                None => ReplyKind::Nil,
                Some(len) => {
                    ready!(self.body(len));
                    ReplyKind::Value
                }
            },
            b'=' => {
                let len = ready!(self.length(false)).ok_or(FrameError::InvalidLength)?;
                ready!(self.body(len));
                ReplyKind::Value
            }
            b'!' => {
                let len = ready!(self.length(false)).ok_or(FrameError::InvalidLength)?;
                ReplyKind::Error(ready!(self.body(len)))
            }
            b'*' => match ready!(self.length(true)) {
                None => ReplyKind::Nil,
                Some(len) => {
                    ready!(self.elements(len, depth));
                    ReplyKind::Value
                }
            },
            b'~' | b'>' => {
                let len = ready!(self.length(false)).ok_or(FrameError::InvalidLength)?;
                ready!(self.elements(len, depth));
                if kind == b'>' && depth == 0 {
                    ReplyKind::Push
                } else {
                    ReplyKind::Value
                }
            }
            b'%' | b'|' => {
                let len = ready!(self.length(false)).ok_or(FrameError::InvalidLength)?;
                let elements = len.checked_mul(2).ok_or(FrameError::InvalidLength)?;
                ready!(self.elements(elements, depth));
                if kind == b'|' {
                    // The described reply counts as nested, or `|0` repeated would recurse
                    // without bound.
                    ready!(self.reply(depth + 1))
                } else {
                    ReplyKind::Value
                }
            }
            other => return Err(FrameError::UnknownType(other)),
        }))
    }

    /// The range of the rest of the current line, without its `\r\n`.
    #[inline]
    fn line(&mut self) -> Result<Option<Range<usize>>, FrameError> {
        let rest = &self.buf[self.pos..];
        let Some(newline) = memchr::memchr(b'\n', rest) else {
            return Ok(None);
        };
        if newline == 0 || rest[newline - 1] != b'\r' {
            return Err(FrameError::InvalidLine);
        }
        let start = self.pos;
        self.pos += newline + 1;
        Ok(Some(start..start + newline - 1))
    }

    /// A length line: `Some(None)` for `-1` where `nullable`, else the length.
    #[inline]
    fn length(&mut self, nullable: bool) -> Result<Option<Option<usize>>, FrameError> {
        let range = ready!(self.line());
        let text = &self.buf[range];
        if nullable && text == b"-1" {
            return Ok(Some(None));
        }
        let digits = text.strip_prefix(b"+").unwrap_or(text);
        if digits.is_empty() {
            return Err(FrameError::InvalidLength);
        }
        let mut len = 0usize;
        for &byte in digits {
            if !byte.is_ascii_digit() {
                return Err(FrameError::InvalidLength);
            }
            len = len
                .checked_mul(10)
                .and_then(|len| len.checked_add(usize::from(byte - b'0')))
                .ok_or(FrameError::InvalidLength)?;
        }
        Ok(Some(Some(len)))
    }

    /// `len` bytes followed by `\r\n`; their range.
    #[inline]
    fn body(&mut self, len: usize) -> Result<Option<Range<usize>>, FrameError> {
        let total = len.checked_add(2).ok_or(FrameError::InvalidLength)?;
        let rest = &self.buf[self.pos..];
        if rest.len() < total {
            return Ok(None);
        }
        if &rest[len..total] != b"\r\n" {
            return Err(FrameError::MissingCrlf);
        }
        let start = self.pos;
        self.pos += total;
        Ok(Some(start..start + len))
    }

    fn elements(&mut self, count: usize, depth: usize) -> Result<Option<()>, FrameError> {
        for _ in 0..count {
            ready!(self.reply(depth + 1));
        }
        Ok(Some(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;
    use shoal_proto::{decode_frame, Protocol, ReplyWriter};

    /// Replies of every type, written by shoal-proto's writer where it can.
    fn samples() -> Vec<(Vec<u8>, ReplyKind)> {
        let mut out = Vec::new();
        for protocol in [Protocol::Resp2, Protocol::Resp3] {
            let mut write = |f: &dyn Fn(&mut ReplyWriter<'_>), kind: ReplyKind| {
                let mut buf = BytesMut::new();
                f(&mut ReplyWriter::new(&mut buf, protocol));
                out.push((buf.to_vec(), kind));
            };
            write(&|w| w.ok(), ReplyKind::Value);
            write(&|w| w.integer(-42), ReplyKind::Value);
            write(&|w| w.bulk(b"hello\r\nworld"), ReplyKind::Value);
            write(&|w| w.bulk(b""), ReplyKind::Value);
            write(&|w| w.null(), ReplyKind::Nil);
            write(&|w| w.double(1.5), ReplyKind::Value);
            write(&|w| w.boolean(true), ReplyKind::Value);
            write(
                &|w| w.big_number(b"-12345678901234567890"),
                ReplyKind::Value,
            );
            write(&|w| w.verbatim(b"txt", b"some text"), ReplyKind::Value);
            write(
                &|w| {
                    w.array(3);
                    w.bulk(b"a");
                    w.null();
                    w.integer(1);
                },
                ReplyKind::Value,
            );
            write(
                &|w| {
                    w.map(2);
                    w.bulk(b"k");
                    w.array(1);
                    w.bulk(b"v");
                    w.simple(b"k2");
                    w.double(f64::INFINITY);
                },
                ReplyKind::Value,
            );
            write(
                &|w| {
                    w.set(2);
                    w.integer(1);
                    w.integer(2);
                },
                ReplyKind::Value,
            );
            write(&|w| w.array(0), ReplyKind::Value);
        }
        out.push((b"*-1\r\n".to_vec(), ReplyKind::Nil));
        out.push((
            b"-ERR unknown command\r\n".to_vec(),
            ReplyKind::Error(1..20),
        ));
        out.push((
            b"!21\r\nSYNTAX invalid syntax\r\n".to_vec(),
            ReplyKind::Error(5..26),
        ));
        out.push((b">2\r\n+message\r\n:1\r\n".to_vec(), ReplyKind::Push));
        out.push((b"|1\r\n+ttl\r\n:3\r\n$-1\r\n".to_vec(), ReplyKind::Nil));
        out.push((b"*1\r\n>1\r\n:1\r\n".to_vec(), ReplyKind::Value));
        out
    }

    #[test]
    fn agrees_with_shoal_proto_on_every_boundary() {
        for (bytes, kind) in samples() {
            let (_, expected_len) = decode_frame(&bytes).unwrap().unwrap();
            assert_eq!(expected_len, bytes.len());
            assert_eq!(
                scan_reply(&bytes).unwrap(),
                Some((kind.clone(), bytes.len())),
                "{:?}",
                String::from_utf8_lossy(&bytes)
            );
            // Every strict prefix needs more bytes, in both decoders.
            for cut in 0..bytes.len() {
                assert_eq!(decode_frame(&bytes[..cut]).unwrap(), None);
                assert_eq!(scan_reply(&bytes[..cut]).unwrap(), None, "cut {cut}");
            }
            // Trailing bytes (the next reply) are left alone.
            let mut two = bytes.clone();
            two.extend_from_slice(b"+OK\r\n");
            assert_eq!(scan_reply(&two).unwrap(), Some((kind, bytes.len())));
        }
    }

    #[test]
    fn error_ranges_hold_the_message() {
        let buf = b"-WRONGTYPE Operation against a key\r\n";
        let (kind, _) = scan_reply(buf).unwrap().unwrap();
        let ReplyKind::Error(range) = kind else {
            panic!("{kind:?}")
        };
        assert_eq!(&buf[range], b"WRONGTYPE Operation against a key");
    }

    #[test]
    fn malformed_replies_are_errors() {
        assert_eq!(scan_reply(b"?x\r\n"), Err(FrameError::UnknownType(b'?')));
        assert_eq!(scan_reply(b"+OK\n"), Err(FrameError::InvalidLine));
        assert_eq!(scan_reply(b"$x\r\n"), Err(FrameError::InvalidLength));
        assert_eq!(scan_reply(b"$-2\r\n"), Err(FrameError::InvalidLength));
        assert_eq!(scan_reply(b"~-1\r\n"), Err(FrameError::InvalidLength));
        assert_eq!(scan_reply(b"$2\r\nabcd"), Err(FrameError::MissingCrlf));
        assert_eq!(
            scan_reply(b"$99999999999999999999999\r\n"),
            Err(FrameError::InvalidLength)
        );
        assert_eq!(
            scan_reply(b"%9223372036854775808\r\n"),
            Err(FrameError::InvalidLength)
        );
        let deep = "*1\r\n".repeat(REPLY_DEPTH_MAX + 2);
        assert_eq!(scan_reply(deep.as_bytes()), Err(FrameError::TooDeep));
        let attributes = "|0\r\n".repeat(REPLY_DEPTH_MAX + 2);
        assert_eq!(scan_reply(attributes.as_bytes()), Err(FrameError::TooDeep));
    }
}
