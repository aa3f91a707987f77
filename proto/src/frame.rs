//! A decoder for RESP2 and RESP3 *replies*, the other direction from [`crate::ReplyWriter`].
//!
//! It exists for the property tests (encode with the writer, decode, compare), for the fuzzers
//! and for clients such as the load generator; the server's only use is reading the one INFO
//! reply its metrics endpoint asks of itself, whole. It is strict where the
//! writer is strict (every line ends in `\r\n`, lengths are well-formed) and bounds the nesting
//! depth so that hostile input cannot overflow the stack.
//!
//! Decoding restarts from the beginning of the buffer on every call, so feeding a large frame in
//! many small pieces costs quadratic time; fine for tests and clients that read whole replies.

use std::fmt;

use bytes::Bytes;

use crate::limits::{FRAME_DEPTH_MAX, FRAME_RESERVE_MAX};

/// One decoded reply.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// `+text`.
    Simple(Bytes),
    /// `-CODE message`, without the `-`.
    Error(Bytes),
    /// `:n`.
    Integer(i64),
    /// `$len\r\nbytes`.
    Bulk(Bytes),
    /// RESP2's null bulk `$-1`, or RESP3's `_`.
    Null,
    /// RESP2's null array `*-1`.
    NullArray,
    /// `*len`.
    Array(Vec<Frame>),
    /// RESP3 `%len`: key, value pairs in wire order.
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~len`.
    Set(Vec<Frame>),
    /// RESP3 `>len`.
    Push(Vec<Frame>),
    /// RESP3 `,`: `inf`, `-inf`, `nan` or a decimal number.
    Double(f64),
    /// RESP3 `#t` / `#f`.
    Boolean(bool),
    /// RESP3 `(`: the decimal digits, with their sign.
    BigNumber(Bytes),
    /// RESP3 `=len\r\nfmt:text`.
    Verbatim {
        /// The three-letter format, `txt` or `mkd`.
        format: [u8; 3],
        /// The text after `fmt:`.
        text: Bytes,
    },
    /// RESP3 `!len\r\nbytes`: an error carried as a blob.
    BlobError(Bytes),
    /// RESP3 `|len` attribute pairs and the reply they describe, which follows them on the wire.
    Attribute {
        /// The attribute's key, value pairs.
        attributes: Vec<(Frame, Frame)>,
        /// The reply the attributes describe.
        value: Box<Frame>,
    },
}

/// A reply that is not valid RESP2 or RESP3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The first byte names no RESP type.
    UnknownType(u8),
    /// A line is not ended by `\r\n`, or holds a stray `\r` or `\n`.
    InvalidLine,
    /// A length is not an integer, or is negative where no null form exists.
    InvalidLength,
    /// A bulk body is not followed by `\r\n`.
    MissingCrlf,
    /// An integer reply is not an integer within `i64`.
    InvalidInteger,
    /// A double reply is not a number.
    InvalidDouble,
    /// A boolean reply is neither `t` nor `f`.
    InvalidBoolean,
    /// A big number reply is not an optionally signed run of digits.
    InvalidBigNumber,
    /// A verbatim string is shorter than its `fmt:` prefix or lacks the `:`.
    InvalidVerbatim,
    /// Aggregates nest deeper than [`FRAME_DEPTH_MAX`].
    TooDeep,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::UnknownType(byte) => write!(f, "unknown RESP type byte 0x{byte:02x}"),
            FrameError::InvalidLine => f.write_str("line not terminated by CRLF"),
            FrameError::InvalidLength => f.write_str("invalid length"),
            FrameError::MissingCrlf => f.write_str("bulk body not followed by CRLF"),
            FrameError::InvalidInteger => f.write_str("invalid integer"),
            FrameError::InvalidDouble => f.write_str("invalid double"),
            FrameError::InvalidBoolean => f.write_str("invalid boolean"),
            FrameError::InvalidBigNumber => f.write_str("invalid big number"),
            FrameError::InvalidVerbatim => f.write_str("invalid verbatim string"),
            FrameError::TooDeep => write!(f, "aggregates nested deeper than {FRAME_DEPTH_MAX}"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Decodes one reply from the front of `buf`.
///
/// Returns the frame and how many bytes it took, `Ok(None)` if `buf` holds only part of a reply,
/// or an error if the bytes cannot be a reply. Declared lengths are not trusted: nothing is
/// allocated for elements that have not arrived.
///
/// # Errors
///
/// A [`FrameError`] naming the first malformed part.
pub fn decode_frame(buf: &[u8]) -> Result<Option<(Frame, usize)>, FrameError> {
    let mut decoder = Decoder { buf, pos: 0 };
    Ok(decoder.frame(0)?.map(|frame| (frame, decoder.pos)))
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

struct Decoder<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    /// Decodes a frame whose aggregates sit `depth` levels deep.
    fn frame(&mut self, depth: usize) -> Result<Option<Frame>, FrameError> {
        let Some(&kind) = self.buf.get(self.pos) else {
            return Ok(None);
        };
        self.pos += 1;
        let frame = match kind {
            b'+' => Frame::Simple(Bytes::copy_from_slice(ready!(self.line()))),
            b'-' => Frame::Error(Bytes::copy_from_slice(ready!(self.line()))),
            b':' => Frame::Integer(
                parse_integer(ready!(self.line())).ok_or(FrameError::InvalidInteger)?,
            ),
            b'$' => match ready!(self.length(true)) {
                None => Frame::Null,
                Some(len) => Frame::Bulk(Bytes::copy_from_slice(ready!(self.body(len)))),
            },
            b'!' => match ready!(self.length(false)) {
                Some(len) => Frame::BlobError(Bytes::copy_from_slice(ready!(self.body(len)))),
                None => return Err(FrameError::InvalidLength),
            },
            b'=' => match ready!(self.length(false)) {
                Some(len) => {
                    let body = ready!(self.body(len));
                    match body {
                        [a, b, c, b':', text @ ..] => Frame::Verbatim {
                            format: [*a, *b, *c],
                            text: Bytes::copy_from_slice(text),
                        },
                        _ => return Err(FrameError::InvalidVerbatim),
                    }
                }
                None => return Err(FrameError::InvalidLength),
            },
            b'_' => {
                if !ready!(self.line()).is_empty() {
                    return Err(FrameError::InvalidLine);
                }
                Frame::Null
            }
            b',' => {
                Frame::Double(parse_double(ready!(self.line())).ok_or(FrameError::InvalidDouble)?)
            }
            b'#' => match ready!(self.line()) {
                b"t" => Frame::Boolean(true),
                b"f" => Frame::Boolean(false),
                _ => return Err(FrameError::InvalidBoolean),
            },
            b'(' => {
                let digits = ready!(self.line());
                let magnitude = digits.strip_prefix(b"-").unwrap_or(digits);
                if magnitude.is_empty() || !magnitude.iter().all(u8::is_ascii_digit) {
                    return Err(FrameError::InvalidBigNumber);
                }
                Frame::BigNumber(Bytes::copy_from_slice(digits))
            }
            b'*' => match ready!(self.length(true)) {
                None => Frame::NullArray,
                Some(len) => Frame::Array(ready!(self.elements(len, depth))),
            },
            b'~' => match ready!(self.length(false)) {
                Some(len) => Frame::Set(ready!(self.elements(len, depth))),
                None => return Err(FrameError::InvalidLength),
            },
            b'>' => match ready!(self.length(false)) {
                Some(len) => Frame::Push(ready!(self.elements(len, depth))),
                None => return Err(FrameError::InvalidLength),
            },
            b'%' => match ready!(self.length(false)) {
                Some(len) => Frame::Map(ready!(self.pairs(len, depth))),
                None => return Err(FrameError::InvalidLength),
            },
            b'|' => match ready!(self.length(false)) {
                Some(len) => {
                    let attributes = ready!(self.pairs(len, depth));
                    // The described reply counts as nested too, or `|0` repeated would recurse unbounded.
                    let value = ready!(self.frame(nested(depth)?));
                    Frame::Attribute {
                        attributes,
                        value: Box::new(value),
                    }
                }
                None => return Err(FrameError::InvalidLength),
            },
            other => return Err(FrameError::UnknownType(other)),
        };
        Ok(Some(frame))
    }

    /// The rest of the current line, without its `\r\n`.
    fn line(&mut self) -> Result<Option<&'a [u8]>, FrameError> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let Some(end) = memchr::memchr2(b'\r', b'\n', rest) else {
            return Ok(None);
        };
        match (rest.get(end), rest.get(end + 1)) {
            (Some(b'\r'), Some(b'\n')) => {}
            (Some(b'\r'), None) => return Ok(None),
            _ => return Err(FrameError::InvalidLine),
        }
        self.pos += end + 2;
        Ok(rest.get(..end))
    }

    /// A length line: `Some(None)` for `-1` where `nullable`, else the length.
    fn length(&mut self, nullable: bool) -> Result<Option<Option<usize>>, FrameError> {
        let text = ready!(self.line());
        if nullable && text == b"-1" {
            return Ok(Some(None));
        }
        let len = parse_integer(text)
            .and_then(|len| usize::try_from(len).ok())
            .ok_or(FrameError::InvalidLength)?;
        Ok(Some(Some(len)))
    }

    /// `len` bytes followed by `\r\n`.
    fn body(&mut self, len: usize) -> Result<Option<&'a [u8]>, FrameError> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        let Some(total) = len.checked_add(2) else {
            return Err(FrameError::InvalidLength);
        };
        if rest.len() < total {
            return Ok(None);
        }
        if rest.get(len..total) != Some(b"\r\n") {
            return Err(FrameError::MissingCrlf);
        }
        self.pos += total;
        Ok(rest.get(..len))
    }

    /// `len` frames one level below `depth`.
    fn elements(&mut self, len: usize, depth: usize) -> Result<Option<Vec<Frame>>, FrameError> {
        let depth = nested(depth)?;
        let mut elements = Vec::with_capacity(len.min(FRAME_RESERVE_MAX));
        for _ in 0..len {
            elements.push(ready!(self.frame(depth)));
        }
        Ok(Some(elements))
    }

    /// `len` key, value pairs one level below `depth`.
    fn pairs(
        &mut self,
        len: usize,
        depth: usize,
    ) -> Result<Option<Vec<(Frame, Frame)>>, FrameError> {
        let depth = nested(depth)?;
        let mut pairs = Vec::with_capacity(len.min(FRAME_RESERVE_MAX));
        for _ in 0..len {
            let key = ready!(self.frame(depth));
            let value = ready!(self.frame(depth));
            pairs.push((key, value));
        }
        Ok(Some(pairs))
    }
}

/// The depth of an aggregate's elements, refusing to go past [`FRAME_DEPTH_MAX`].
fn nested(depth: usize) -> Result<usize, FrameError> {
    let inner = depth.saturating_add(1);
    if inner > FRAME_DEPTH_MAX {
        Err(FrameError::TooDeep)
    } else {
        Ok(inner)
    }
}

/// An optionally signed decimal integer within `i64`.
fn parse_integer(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut magnitude: u64 = 0;
    for &byte in digits {
        if !byte.is_ascii_digit() {
            return None;
        }
        magnitude = magnitude
            .checked_mul(10)?
            .checked_add(u64::from(byte - b'0'))?;
    }
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// A RESP3 double: `inf`, `-inf`, `nan` (glibc's `-nan` too) or a decimal number.
fn parse_double(text: &[u8]) -> Option<f64> {
    match text {
        b"inf" => return Some(f64::INFINITY),
        b"-inf" => return Some(f64::NEG_INFINITY),
        b"nan" => return Some(f64::NAN),
        b"-nan" => return Some(-f64::NAN),
        _ => {}
    }
    // Rust's parser also takes words like "infinity"; RESP3 numbers are digits, sign, point and
    // exponent only.
    if text.is_empty()
        || !text
            .iter()
            .all(|byte| byte.is_ascii_digit() || matches!(byte, b'-' | b'+' | b'.' | b'e' | b'E'))
    {
        return None;
    }
    std::str::from_utf8(text).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::{FormattedDouble, Protocol, ReplyWriter};
    use bytes::BytesMut;
    use proptest::prelude::*;

    /// Writes `frame` through the reply writer, the way a handler would.
    fn write_frame(writer: &mut ReplyWriter<'_>, frame: &Frame) {
        match frame {
            Frame::Simple(text) => writer.simple(text),
            Frame::Error(text) => writer.error(text),
            Frame::Integer(n) => writer.integer(*n),
            Frame::Bulk(bytes) => writer.bulk(bytes),
            Frame::Null => writer.null(),
            Frame::NullArray => writer.null_array(),
            Frame::Array(elements) => {
                writer.array(elements.len());
                elements
                    .iter()
                    .for_each(|element| write_frame(writer, element));
            }
            Frame::Set(elements) => {
                writer.set(elements.len());
                elements
                    .iter()
                    .for_each(|element| write_frame(writer, element));
            }
            Frame::Push(elements) => {
                writer.push(elements.len());
                elements
                    .iter()
                    .for_each(|element| write_frame(writer, element));
            }
            Frame::Map(pairs) => {
                writer.map(pairs.len());
                for (key, value) in pairs {
                    write_frame(writer, key);
                    write_frame(writer, value);
                }
            }
            Frame::Double(d) => writer.double(*d),
            Frame::Boolean(b) => writer.boolean(*b),
            Frame::BigNumber(digits) => writer.big_number(digits),
            Frame::Verbatim { format, text } => writer.verbatim(format, text),
            Frame::BlobError(_) => unreachable!("the writer has no blob errors"),
            Frame::Attribute { attributes, value } => {
                writer.attribute(attributes.len());
                // Attributes do not exist in RESP2: the caller skips them, as documented.
                if writer.protocol() == Protocol::Resp3 {
                    for (key, value) in attributes {
                        write_frame(writer, key);
                        write_frame(writer, value);
                    }
                }
                write_frame(writer, value);
            }
        }
    }

    fn encode(frame: &Frame, protocol: Protocol) -> Vec<u8> {
        let mut buf = BytesMut::new();
        write_frame(&mut ReplyWriter::new(&mut buf, protocol), frame);
        buf.to_vec()
    }

    /// What a client sees of `frame` in `protocol`.
    fn as_seen(frame: &Frame, protocol: Protocol) -> Frame {
        let all = |elements: &[Frame]| elements.iter().map(|e| as_seen(e, protocol)).collect();
        let pairs = |pairs: &[(Frame, Frame)]| {
            pairs
                .iter()
                .map(|(k, v)| (as_seen(k, protocol), as_seen(v, protocol)))
                .collect()
        };
        match (protocol, frame) {
            (_, Frame::Simple(text)) => Frame::Simple(without_line_breaks(text)),
            (_, Frame::Error(text)) => Frame::Error(without_line_breaks(text)),
            (_, Frame::Array(elements)) => Frame::Array(all(elements)),
            (Protocol::Resp3, Frame::NullArray) => Frame::Null,
            (Protocol::Resp3, Frame::Set(elements)) => Frame::Set(all(elements)),
            (Protocol::Resp3, Frame::Push(elements)) => Frame::Push(all(elements)),
            (Protocol::Resp3, Frame::Map(entries)) => Frame::Map(pairs(entries)),
            (Protocol::Resp3, Frame::Attribute { attributes, value }) => Frame::Attribute {
                attributes: pairs(attributes),
                value: Box::new(as_seen(value, protocol)),
            },
            (Protocol::Resp2, Frame::Set(elements) | Frame::Push(elements)) => {
                Frame::Array(all(elements))
            }
            (Protocol::Resp2, Frame::Map(entries)) => Frame::Array(
                entries
                    .iter()
                    .flat_map(|(k, v)| [as_seen(k, protocol), as_seen(v, protocol)])
                    .collect(),
            ),
            (Protocol::Resp2, Frame::Attribute { value, .. }) => as_seen(value, protocol),
            (Protocol::Resp2, Frame::Double(d)) => {
                Frame::Bulk(Bytes::copy_from_slice(FormattedDouble::g17(*d).as_bytes()))
            }
            (Protocol::Resp2, Frame::Boolean(b)) => Frame::Integer(i64::from(*b)),
            (Protocol::Resp2, Frame::BigNumber(digits)) => Frame::Bulk(digits.clone()),
            (Protocol::Resp2, Frame::Verbatim { text, .. }) => Frame::Bulk(text.clone()),
            (_, other) => other.clone(),
        }
    }

    fn without_line_breaks(text: &Bytes) -> Bytes {
        text.iter()
            .map(|&byte| {
                if byte == b'\r' || byte == b'\n' {
                    b' '
                } else {
                    byte
                }
            })
            .collect::<Vec<u8>>()
            .into()
    }

    fn bytes_strategy() -> impl Strategy<Value = Bytes> {
        prop::collection::vec(any::<u8>(), 0..24).prop_map(Bytes::from)
    }

    fn frame_strategy() -> impl Strategy<Value = Frame> {
        let leaf = prop_oneof![
            bytes_strategy().prop_map(Frame::Simple),
            bytes_strategy().prop_map(Frame::Error),
            any::<i64>().prop_map(Frame::Integer),
            bytes_strategy().prop_map(Frame::Bulk),
            Just(Frame::Null),
            Just(Frame::NullArray),
            any::<f64>()
                .prop_filter("NaN never equals itself", |d| !d.is_nan())
                .prop_map(Frame::Double),
            any::<bool>().prop_map(Frame::Boolean),
            ("-?[1-9][0-9]{0,40}").prop_map(|digits| Frame::BigNumber(Bytes::from(digits))),
            (prop::array::uniform3(any::<u8>()), bytes_strategy())
                .prop_map(|(format, text)| Frame::Verbatim { format, text }),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Frame::Array),
                prop::collection::vec(inner.clone(), 0..6).prop_map(Frame::Set),
                prop::collection::vec(inner.clone(), 0..6).prop_map(Frame::Push),
                prop::collection::vec((inner.clone(), inner.clone()), 0..4).prop_map(Frame::Map),
                (
                    prop::collection::vec((inner.clone(), inner.clone()), 0..3),
                    inner,
                )
                    .prop_map(|(attributes, value)| Frame::Attribute {
                        attributes,
                        value: Box::new(value),
                    }),
            ]
        })
    }

    fn decode_all(bytes: &[u8]) -> (Frame, usize) {
        decode_frame(bytes)
            .expect("a valid frame")
            .expect("a complete frame")
    }

    #[test]
    fn decodes_every_type() {
        let cases: Vec<(&[u8], Frame)> = vec![
            (b"+OK\r\n", Frame::Simple(Bytes::from_static(b"OK"))),
            (b"-ERR x\r\n", Frame::Error(Bytes::from_static(b"ERR x"))),
            (b":-7\r\n", Frame::Integer(-7)),
            (b":+7\r\n", Frame::Integer(7)),
            (b"$2\r\n\r\n\r\n", Frame::Bulk(Bytes::from_static(b"\r\n"))),
            (b"$-1\r\n", Frame::Null),
            (b"*-1\r\n", Frame::NullArray),
            (b"_\r\n", Frame::Null),
            (b",1.5\r\n", Frame::Double(1.5)),
            (b",-inf\r\n", Frame::Double(f64::NEG_INFINITY)),
            (b"#t\r\n", Frame::Boolean(true)),
            (b"(-12\r\n", Frame::BigNumber(Bytes::from_static(b"-12"))),
            (
                b"!3\r\nERR\r\n",
                Frame::BlobError(Bytes::from_static(b"ERR")),
            ),
            (
                b"=6\r\ntxt:hi\r\n",
                Frame::Verbatim {
                    format: *b"txt",
                    text: Bytes::from_static(b"hi"),
                },
            ),
            (
                b"*2\r\n:1\r\n*0\r\n",
                Frame::Array(vec![Frame::Integer(1), Frame::Array(vec![])]),
            ),
            (
                b"%1\r\n+a\r\n:1\r\n",
                Frame::Map(vec![(
                    Frame::Simple(Bytes::from_static(b"a")),
                    Frame::Integer(1),
                )]),
            ),
            (b"~1\r\n#f\r\n", Frame::Set(vec![Frame::Boolean(false)])),
            (b">1\r\n_\r\n", Frame::Push(vec![Frame::Null])),
            (
                b"*2\r\n|1\r\n+k\r\n+v\r\n:1\r\n:2\r\n",
                Frame::Array(vec![
                    Frame::Attribute {
                        attributes: vec![(
                            Frame::Simple(Bytes::from_static(b"k")),
                            Frame::Simple(Bytes::from_static(b"v")),
                        )],
                        value: Box::new(Frame::Integer(1)),
                    },
                    Frame::Integer(2),
                ]),
            ),
        ];
        for (bytes, frame) in cases {
            let mut with_tail = bytes.to_vec();
            with_tail.extend_from_slice(b"+next\r\n");
            assert_eq!(
                decode_frame(&with_tail),
                Ok(Some((frame, bytes.len()))),
                "{bytes:?}"
            );
        }
        let (frame, _) = decode_all(b",nan\r\n");
        assert!(matches!(frame, Frame::Double(d) if d.is_nan()));
    }

    #[test]
    fn incomplete_frames_need_more_bytes() {
        let full = b"*3\r\n$5\r\nhello\r\n%1\r\n+a\r\n,2.5\r\n|1\r\n:1\r\n:2\r\n#t\r\n";
        for cut in 0..full.len() {
            assert_eq!(decode_frame(&full[..cut]), Ok(None), "cut {cut}");
        }
        assert!(matches!(decode_frame(full), Ok(Some(_))));
    }

    #[test]
    fn malformed_frames() {
        let cases: &[(&[u8], FrameError)] = &[
            (b"?x\r\n", FrameError::UnknownType(b'?')),
            (b"+a\nb\r\n", FrameError::InvalidLine),
            (b"+a\rb\r\n", FrameError::InvalidLine),
            (b"$-2\r\n", FrameError::InvalidLength),
            (b"$x\r\n", FrameError::InvalidLength),
            (b"~-1\r\n", FrameError::InvalidLength),
            (b"$1\r\nab\r\n", FrameError::MissingCrlf),
            (b":1.5\r\n", FrameError::InvalidInteger),
            (b":9223372036854775808\r\n", FrameError::InvalidInteger),
            (b",infinity\r\n", FrameError::InvalidDouble),
            (b",\r\n", FrameError::InvalidDouble),
            (b"#x\r\n", FrameError::InvalidBoolean),
            (b"(1a\r\n", FrameError::InvalidBigNumber),
            (b"(\r\n", FrameError::InvalidBigNumber),
            (b"=3\r\ntxt\r\n", FrameError::InvalidVerbatim),
            (b"=4\r\ntxt-\r\n", FrameError::InvalidVerbatim),
            (b"_x\r\n", FrameError::InvalidLine),
        ];
        for (bytes, error) in cases {
            assert_eq!(decode_frame(bytes), Err(*error), "{bytes:?}");
            assert!(!error.to_string().is_empty());
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let mut deep = b"*1\r\n".repeat(FRAME_DEPTH_MAX);
        deep.extend_from_slice(b":1\r\n");
        assert!(matches!(decode_frame(&deep), Ok(Some(_))));
        let mut deeper = b"*1\r\n".repeat(FRAME_DEPTH_MAX + 1);
        deeper.extend_from_slice(b":1\r\n");
        assert_eq!(decode_frame(&deeper), Err(FrameError::TooDeep));
        // Attributes nest too.
        let hostile = b"|1\r\n".repeat(100_000);
        assert_eq!(decode_frame(&hostile), Err(FrameError::TooDeep));
        let hostile = b"*1\r\n|0\r\n".repeat(100_000);
        assert_eq!(decode_frame(&hostile), Err(FrameError::TooDeep));
    }

    #[test]
    fn huge_declared_lengths_are_not_trusted() {
        assert_eq!(decode_frame(b"*1000000000000\r\n:1\r\n"), Ok(None));
        assert_eq!(decode_frame(b"$1000000000000\r\nab"), Ok(None));
        assert_eq!(
            decode_frame(b"$18446744073709551615\r\n"),
            Err(FrameError::InvalidLength)
        );
    }

    proptest! {
        #[test]
        fn writer_and_decoder_round_trip(frame in frame_strategy()) {
            for protocol in [Protocol::Resp2, Protocol::Resp3] {
                let bytes = encode(&frame, protocol);
                let decoded = decode_frame(&bytes);
                prop_assert_eq!(
                    decoded,
                    Ok(Some((as_seen(&frame, protocol), bytes.len()))),
                    "{:?} in {:?}", String::from_utf8_lossy(&bytes), protocol
                );
            }
        }

        #[test]
        fn resp2_downgrade_shapes(n in 0usize..20, d in any::<f64>(), b in any::<bool>()) {
            let mut buf = BytesMut::new();
            let mut writer = ReplyWriter::new(&mut buf, Protocol::Resp2);
            writer.map(n);
            for i in 0..n {
                writer.integer(i as i64);
                writer.set(1);
                writer.boolean(b);
            }
            let (frame, len) = decode_all(&buf);
            prop_assert_eq!(len, buf.len());
            let Frame::Array(elements) = frame else {
                return Err(TestCaseError::fail("a RESP2 map is an array"));
            };
            prop_assert_eq!(elements.len(), 2 * n);
            for pair in elements.chunks(2) {
                prop_assert_eq!(&pair[1], &Frame::Array(vec![Frame::Integer(i64::from(b))]));
            }

            let mut buf = BytesMut::new();
            ReplyWriter::new(&mut buf, Protocol::Resp2).double(d);
            let (frame, _) = decode_all(&buf);
            let Frame::Bulk(text) = frame else {
                return Err(TestCaseError::fail("a RESP2 double is a bulk string"));
            };
            let parsed = parse_double(&text).expect("a number");
            prop_assert!(parsed.to_bits() == d.to_bits() || (d.is_nan() && parsed.is_nan()));
        }

        #[test]
        fn resp3_doubles_read_back_exactly(d in any::<f64>()) {
            let mut buf = BytesMut::new();
            ReplyWriter::new(&mut buf, Protocol::Resp3).double(d);
            let (frame, _) = decode_all(&buf);
            let Frame::Double(parsed) = frame else {
                return Err(TestCaseError::fail("a RESP3 double"));
            };
            prop_assert!(parsed.to_bits() == d.to_bits() || (d.is_nan() && parsed.is_nan()));
        }

        #[test]
        fn decoder_never_panics(bytes in prop::collection::vec(
            prop_oneof![
                Just(b'*'), Just(b'$'), Just(b'%'), Just(b'|'), Just(b'\r'), Just(b'\n'),
                Just(b'1'), Just(b'-'), Just(b':'), Just(b','), any::<u8>(),
            ],
            0..256,
        )) {
            if let Ok(Some((_, len))) = decode_frame(&bytes) {
                prop_assert!(len <= bytes.len());
            }
        }
    }
}
