//! The reply writer: handlers say what they answer (a map, a null, a double) and the writer
//! encodes it for the connection's protocol, downgrading RESP3 types to their RESP2 shapes the
//! way redis/redis `src/networking.c` (`addReplyMapLen`, `addReplyNull`, `addReplyDouble`, ...)
//! does, so no handler branches on the protocol version.
//!
//! Numbers are formatted into stack buffers; the only allocation is the output buffer's growth.

use bytes::BytesMut;

use crate::error::ProtoError;

/// The protocol a connection speaks, chosen with `HELLO`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Protocol {
    /// RESP2, what every connection starts with.
    #[default]
    Resp2,
    /// RESP3, after `HELLO 3`.
    Resp3,
}

/// Appends encoded replies to an output buffer.
///
/// Aggregates are written as a header (`array`, `map`, `set`, `push`, `attribute`) followed by
/// their elements written with further calls; the writer does not track nesting, so the caller
/// writes exactly as many elements as it declared (twice as many for a map: key, value, ...).
#[derive(Debug)]
pub struct ReplyWriter<'a> {
    buf: &'a mut BytesMut,
    protocol: Protocol,
}

impl<'a> ReplyWriter<'a> {
    /// A writer appending to `buf` in `protocol`.
    pub fn new(buf: &'a mut BytesMut, protocol: Protocol) -> Self {
        ReplyWriter { buf, protocol }
    }

    /// The protocol replies are encoded in.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The output buffer, to append pre-encoded replies.
    pub fn buf(&mut self) -> &mut BytesMut {
        self.buf
    }

    /// `+OK`.
    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    /// A simple string, `+s`. A `\r` or `\n` inside `s` would end the line early, so each is sent
    /// as a space.
    pub fn simple(&mut self, s: &[u8]) {
        self.put_line(b'+', s);
    }

    /// An error, `-msg`. `msg` starts with its code and has no leading `-`: `b"ERR syntax error"`,
    /// `b"WRONGTYPE Operation against a key holding the wrong kind of value"`. Line breaks inside
    /// are sent as spaces, as Redis's `addReplyErrorFormat` does.
    pub fn error(&mut self, msg: &[u8]) {
        self.put_line(b'-', msg);
    }

    /// The reply to a protocol error: `-ERR <message>` with Redis's exact bytes. The connection
    /// should be closed after it is flushed.
    pub fn protocol_error(&mut self, error: ProtoError) {
        self.buf.extend_from_slice(b"-ERR ");
        error.write_message(self.buf);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer, `:n`.
    pub fn integer(&mut self, n: i64) {
        put_int_line(self.buf, b':', n.is_negative(), n.unsigned_abs());
    }

    /// A bulk string, `$len\r\nb\r\n`.
    pub fn bulk(&mut self, b: &[u8]) {
        self.buf.reserve(b.len().saturating_add(LEN_LINE_MAX + 2));
        put_len_line(self.buf, b'$', b.len());
        self.buf.extend_from_slice(b);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A missing value: RESP2 `$-1`, RESP3 `_`.
    pub fn null(&mut self) {
        self.buf.extend_from_slice(match self.protocol {
            Protocol::Resp2 => b"$-1\r\n",
            Protocol::Resp3 => b"_\r\n",
        });
    }

    /// A missing aggregate (a timed-out `BLPOP`, an aborted `EXEC`): RESP2 `*-1`, RESP3 `_`.
    pub fn null_array(&mut self) {
        self.buf.extend_from_slice(match self.protocol {
            Protocol::Resp2 => b"*-1\r\n",
            Protocol::Resp3 => b"_\r\n",
        });
    }

    /// An array header, `*len`; `len` elements follow.
    pub fn array(&mut self, len: usize) {
        put_len_line(self.buf, b'*', len);
    }

    /// A map header of `len` pairs; `2 * len` elements follow, key then value. RESP3 `%len`,
    /// RESP2 a flat array `*(2*len)`.
    pub fn map(&mut self, len: usize) {
        match self.protocol {
            Protocol::Resp3 => put_len_line(self.buf, b'%', len),
            // No reply can hold usize::MAX / 2 pairs, so saturating never changes a real length.
            Protocol::Resp2 => put_int_line(self.buf, b'*', false, (len as u64).saturating_mul(2)),
        }
    }

    /// A set header, `len` elements follow. RESP3 `~len`, RESP2 `*len`.
    pub fn set(&mut self, len: usize) {
        let prefix = match self.protocol {
            Protocol::Resp3 => b'~',
            Protocol::Resp2 => b'*',
        };
        put_len_line(self.buf, prefix, len);
    }

    /// An out-of-band push header (pub/sub messages, invalidations), `len` elements follow.
    /// RESP3 `>len`, RESP2 `*len`.
    pub fn push(&mut self, len: usize) {
        let prefix = match self.protocol {
            Protocol::Resp3 => b'>',
            Protocol::Resp2 => b'*',
        };
        put_len_line(self.buf, prefix, len);
    }

    /// A double, as Redis 7.0's `addReplyDouble`: RESP3 `,<%.17g>`, RESP2 a bulk string of the
    /// same text. Infinities are `inf` and `-inf` in both. NaN is sent as `nan` whatever its sign
    /// bit (glibc would print `-nan`; Redis never stores a NaN, and RESP3 only defines `nan`).
    pub fn double(&mut self, d: f64) {
        let text = if d.is_nan() {
            FormattedDouble::from_static(b"nan")
        } else {
            FormattedDouble::g17(d)
        };
        match self.protocol {
            Protocol::Resp3 => self.put_line(b',', text.as_bytes()),
            Protocol::Resp2 => self.bulk(text.as_bytes()),
        }
    }

    /// A boolean: RESP3 `#t` / `#f`, RESP2 the integers `:1` / `:0`.
    pub fn boolean(&mut self, b: bool) {
        self.buf.extend_from_slice(match (self.protocol, b) {
            (Protocol::Resp3, true) => b"#t\r\n",
            (Protocol::Resp3, false) => b"#f\r\n",
            (Protocol::Resp2, true) => b":1\r\n",
            (Protocol::Resp2, false) => b":0\r\n",
        });
    }

    /// A big number given as its decimal digits (optionally signed): RESP3 `(digits`, RESP2 a
    /// bulk string of the digits.
    pub fn big_number(&mut self, digits: &[u8]) {
        match self.protocol {
            Protocol::Resp3 => self.put_line(b'(', digits),
            Protocol::Resp2 => self.bulk(digits),
        }
    }

    /// Verbatim text with its three-letter format (`b"txt"`, `b"mkd"`): RESP3
    /// `=len\r\nfmt:text`, RESP2 a bulk string of the text alone.
    pub fn verbatim(&mut self, format: &[u8; 3], text: &[u8]) {
        match self.protocol {
            Protocol::Resp3 => {
                let len = text.len().saturating_add(4);
                self.buf.reserve(len.saturating_add(LEN_LINE_MAX + 2));
                put_len_line(self.buf, b'=', len);
                self.buf.extend_from_slice(format);
                self.buf.extend_from_slice(b":");
                self.buf.extend_from_slice(text);
                self.buf.extend_from_slice(b"\r\n");
            }
            Protocol::Resp2 => self.bulk(text),
        }
    }

    /// An attribute header of `len` pairs, RESP3 `|len`, which then precede the reply they
    /// describe.
    ///
    /// RESP2 has no attributes and this writes nothing there: a caller that writes an attribute
    /// must also skip its `2 * len` elements when [`ReplyWriter::protocol`] is
    /// [`Protocol::Resp2`], and write only the reply itself.
    pub fn attribute(&mut self, len: usize) {
        if self.protocol == Protocol::Resp3 {
            put_len_line(self.buf, b'|', len);
        }
    }

    /// Writes `prefix`, `text` with line breaks turned into spaces, and CRLF.
    fn put_line(&mut self, prefix: u8, text: &[u8]) {
        self.buf.reserve(text.len().saturating_add(3));
        self.buf.extend_from_slice(&[prefix]);
        let mut rest = text;
        while let Some(index) = memchr::memchr2(b'\r', b'\n', rest) {
            let (clean, tail) = rest.split_at(index);
            self.buf.extend_from_slice(clean);
            self.buf.extend_from_slice(b" ");
            rest = tail.get(1..).unwrap_or_default();
        }
        self.buf.extend_from_slice(rest);
        self.buf.extend_from_slice(b"\r\n");
    }
}

/// The longest `<prefix><u64>\r\n` line: a prefix, 20 digits and CRLF.
const LEN_LINE_MAX: usize = 1 + 20 + 2;

/// Writes `<prefix><len>\r\n`.
fn put_len_line(out: &mut BytesMut, prefix: u8, len: usize) {
    // usize is at most 64 bits on every target Rust supports.
    put_int_line(out, prefix, false, len as u64);
}

/// Writes `<prefix>[-]<magnitude>\r\n` from a stack buffer.
fn put_int_line(out: &mut BytesMut, prefix: u8, negative: bool, magnitude: u64) {
    // A prefix, a sign, 20 digits and CRLF.
    let mut line = [0u8; 24];
    let mut start = line.len() - 2;
    line[start..].copy_from_slice(b"\r\n");
    let mut rest = magnitude;
    loop {
        start -= 1;
        // rest % 10 < 10, so the cast cannot truncate.
        line[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if negative {
        start -= 1;
        line[start] = b'-';
    }
    start -= 1;
    line[start] = prefix;
    out.extend_from_slice(&line[start..]);
}

/// A double formatted as C's `printf("%.17g")` formats it, held on the stack.
///
/// `%.17g` gives 17 significant digits, enough to read back the same `f64`, in fixed notation
/// when the decimal exponent is in `-4..17` and in `d.ddde±XX` notation otherwise, with trailing
/// zeros removed. Infinities are `inf` / `-inf` and NaN is `nan`, or `-nan` with the sign bit set,
/// as glibc prints them.
#[derive(Clone, Copy)]
pub struct FormattedDouble {
    bytes: [u8; Self::CAPACITY],
    len: usize,
}

impl FormattedDouble {
    /// The longest output is `-1.2345678901234567e-308`: 24 bytes.
    const CAPACITY: usize = 32;

    /// Formats `d` as `%.17g`.
    pub fn g17(d: f64) -> Self {
        if d.is_nan() {
            return Self::from_static(if d.is_sign_negative() {
                b"-nan"
            } else {
                b"nan"
            });
        }
        if d.is_infinite() {
            return Self::from_static(if d.is_sign_negative() {
                b"-inf"
            } else {
                b"inf"
            });
        }
        // Rust's `{:.16e}` is exact and rounds ties to even, as glibc's printf does in the
        // default rounding mode: it yields the 17 significant digits and the exponent that
        // `%.17g` is defined in terms of. Only the layout differs, and is redone below.
        let mut scientific = Self::empty();
        if std::fmt::Write::write_fmt(&mut scientific, format_args!("{d:.16e}")).is_err() {
            // Unreachable: the text is at most 25 bytes. Never panic on a reply path.
            return Self::from_static(b"nan");
        }
        let text = scientific.as_bytes();
        let (negative, text) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        let Some(e_index) = text.iter().position(|&byte| byte == b'e') else {
            return Self::from_static(b"nan");
        };
        let (mantissa, exponent) = text.split_at(e_index);
        let exponent = parse_exponent(exponent.get(1..).unwrap_or_default());
        // The mantissa is `d.dddddddddddddddd`: 17 significant digits around a point.
        let mut digits = [0u8; 17];
        let mut count = 0;
        for &byte in mantissa.iter().filter(|byte| byte.is_ascii_digit()) {
            if let Some(slot) = digits.get_mut(count) {
                *slot = byte;
                count += 1;
            }
        }
        let digits = &digits[..count];

        let mut out = Self::empty();
        if negative {
            out.push(b'-');
        }
        if !(-4..17).contains(&exponent) {
            // d[.ddd]e±XX, the exponent with at least two digits.
            let (first, fraction) = digits.split_at(1.min(digits.len()));
            out.extend(first);
            let fraction = trim_trailing_zeros(fraction);
            if !fraction.is_empty() {
                out.push(b'.');
                out.extend(fraction);
            }
            out.push(b'e');
            out.push(if exponent < 0 { b'-' } else { b'+' });
            let magnitude = exponent.unsigned_abs();
            if magnitude < 10 {
                out.push(b'0');
            }
            let mut exponent_digits = [0u8; 3];
            let mut start = exponent_digits.len();
            let mut rest = magnitude;
            loop {
                start -= 1;
                exponent_digits[start] = b'0' + (rest % 10) as u8;
                rest /= 10;
                if rest == 0 || start == 0 {
                    break;
                }
            }
            out.extend(&exponent_digits[start..]);
        } else if exponent >= 0 {
            // Integer digits, then the fraction without trailing zeros.
            let split = (exponent as usize + 1).min(digits.len());
            let (integer, fraction) = digits.split_at(split);
            out.extend(integer);
            let fraction = trim_trailing_zeros(fraction);
            if !fraction.is_empty() {
                out.push(b'.');
                out.extend(fraction);
            }
        } else {
            // 0.000ddd for exponents -1 to -4.
            out.extend(b"0.");
            for _ in 0..(exponent.unsigned_abs() - 1) {
                out.push(b'0');
            }
            out.extend(trim_trailing_zeros(digits));
        }
        out
    }

    /// The formatted text.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    fn empty() -> Self {
        FormattedDouble {
            bytes: [0; Self::CAPACITY],
            len: 0,
        }
    }

    fn from_static(text: &[u8]) -> Self {
        let mut out = Self::empty();
        out.extend(text);
        out
    }

    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    fn extend(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.push(byte);
        }
    }
}

impl std::fmt::Write for FormattedDouble {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(std::fmt::Error)?;
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl std::fmt::Debug for FormattedDouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("FormattedDouble")
            .field(&String::from_utf8_lossy(self.as_bytes()))
            .finish()
    }
}

/// Parses the exponent of Rust's `{:e}` output (`5`, `-308`), which is always well formed.
fn parse_exponent(text: &[u8]) -> i32 {
    std::str::from_utf8(text)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(0)
}

fn trim_trailing_zeros(digits: &[u8]) -> &[u8] {
    let end = digits
        .iter()
        .rposition(|&byte| byte != b'0')
        .map_or(0, |index| index + 1);
    &digits[..end]
}

/// Appends `d` formatted as C's `printf("%.17g")`, exactly as glibc prints it, to `out`.
///
/// This is how Redis 7.0 prints doubles in replies (scores, `INCRBYFLOAT`); see
/// [`FormattedDouble`] for the rules and for a version that stays on the stack.
pub fn format_double_g17(d: f64, out: &mut Vec<u8>) {
    out.extend_from_slice(FormattedDouble::g17(d).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn written(protocol: Protocol, write: impl FnOnce(&mut ReplyWriter<'_>)) -> Vec<u8> {
        let mut buf = BytesMut::new();
        let mut writer = ReplyWriter::new(&mut buf, protocol);
        write(&mut writer);
        buf.to_vec()
    }

    fn both(write: impl Fn(&mut ReplyWriter<'_>)) -> (Vec<u8>, Vec<u8>) {
        (
            written(Protocol::Resp2, &write),
            written(Protocol::Resp3, &write),
        )
    }

    fn c_g17(d: f64) -> Vec<u8> {
        let mut buf = [0u8; 64];
        // SAFETY: the buffer is 64 bytes, the size passed, and the format takes one double.
        let len =
            unsafe { libc::snprintf(buf.as_mut_ptr().cast(), buf.len(), c"%.17g".as_ptr(), d) };
        buf[..usize::try_from(len).expect("snprintf succeeds")].to_vec()
    }

    fn g17(d: f64) -> String {
        let mut out = Vec::new();
        format_double_g17(d, &mut out);
        String::from_utf8(out).expect("ASCII")
    }

    #[test]
    fn scalar_replies() {
        assert_eq!(both(|w| w.ok()), (b"+OK\r\n".to_vec(), b"+OK\r\n".to_vec()));
        assert_eq!(
            written(Protocol::Resp2, |w| w.simple(b"PONG")),
            b"+PONG\r\n"
        );
        assert_eq!(
            written(Protocol::Resp2, |w| w.simple(b"a\r\nb\nc\r")),
            b"+a  b c \r\n"
        );
        assert_eq!(
            written(Protocol::Resp2, |w| w.error(b"ERR bad\r\nthing")),
            b"-ERR bad  thing\r\n"
        );
        assert_eq!(
            written(Protocol::Resp2, |w| w
                .protocol_error(ProtoError::ExpectedDollar(0xfe))),
            b"-ERR Protocol error: expected '$', got '\xfe'\r\n"
        );
        assert_eq!(written(Protocol::Resp2, |w| w.integer(0)), b":0\r\n");
        assert_eq!(written(Protocol::Resp2, |w| w.integer(-42)), b":-42\r\n");
        assert_eq!(
            written(Protocol::Resp2, |w| w.integer(i64::MIN)),
            b":-9223372036854775808\r\n"
        );
        assert_eq!(
            written(Protocol::Resp2, |w| w.integer(i64::MAX)),
            b":9223372036854775807\r\n"
        );
        assert_eq!(written(Protocol::Resp2, |w| w.bulk(b"")), b"$0\r\n\r\n");
        assert_eq!(
            written(Protocol::Resp3, |w| w.bulk(b"a\r\n")),
            b"$3\r\na\r\n\r\n"
        );
    }

    #[test]
    fn resp3_types_downgrade_as_redis_does() {
        assert_eq!(both(|w| w.null()), (b"$-1\r\n".to_vec(), b"_\r\n".to_vec()));
        assert_eq!(
            both(|w| w.null_array()),
            (b"*-1\r\n".to_vec(), b"_\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.array(3)),
            (b"*3\r\n".to_vec(), b"*3\r\n".to_vec())
        );
        assert_eq!(both(|w| w.map(3)), (b"*6\r\n".to_vec(), b"%3\r\n".to_vec()));
        assert_eq!(both(|w| w.set(2)), (b"*2\r\n".to_vec(), b"~2\r\n".to_vec()));
        assert_eq!(
            both(|w| w.push(3)),
            (b"*3\r\n".to_vec(), b">3\r\n".to_vec())
        );
        assert_eq!(both(|w| w.attribute(1)), (b"".to_vec(), b"|1\r\n".to_vec()));
        assert_eq!(
            both(|w| w.boolean(true)),
            (b":1\r\n".to_vec(), b"#t\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.boolean(false)),
            (b":0\r\n".to_vec(), b"#f\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.big_number(b"-123456789012345678901234567890")),
            (
                b"$31\r\n-123456789012345678901234567890\r\n".to_vec(),
                b"(-123456789012345678901234567890\r\n".to_vec()
            )
        );
        assert_eq!(
            both(|w| w.verbatim(b"txt", b"hi\r\nthere")),
            (
                b"$9\r\nhi\r\nthere\r\n".to_vec(),
                b"=13\r\ntxt:hi\r\nthere\r\n".to_vec()
            )
        );
        assert_eq!(
            both(|w| w.double(1.5)),
            (b"$3\r\n1.5\r\n".to_vec(), b",1.5\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.double(0.1)),
            (
                b"$19\r\n0.10000000000000001\r\n".to_vec(),
                b",0.10000000000000001\r\n".to_vec()
            )
        );
        assert_eq!(
            both(|w| w.double(f64::INFINITY)),
            (b"$3\r\ninf\r\n".to_vec(), b",inf\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.double(f64::NEG_INFINITY)),
            (b"$4\r\n-inf\r\n".to_vec(), b",-inf\r\n".to_vec())
        );
        assert_eq!(
            both(|w| w.double(-f64::NAN)),
            (b"$3\r\nnan\r\n".to_vec(), b",nan\r\n".to_vec())
        );
    }

    #[test]
    fn writer_accessors() {
        let mut buf = BytesMut::new();
        let mut writer = ReplyWriter::new(&mut buf, Protocol::Resp3);
        assert_eq!(writer.protocol(), Protocol::Resp3);
        writer.buf().extend_from_slice(b"+raw\r\n");
        writer.ok();
        assert_eq!(&buf[..], b"+raw\r\n+OK\r\n");
        assert_eq!(Protocol::default(), Protocol::Resp2);
    }

    #[test]
    fn g17_known_values() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.1, "0.10000000000000001"),
            (100.0, "100"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (123456789012345680.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1.0000000000000001e-05"),
            (1e-300, "1e-300"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "4.9406564584124654e-324"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (-f64::NAN, "-nan"),
            // A tie at the 17th digit rounds to even, as glibc does.
            (1234567890123456.0 + 0.25, "1234567890123456.2"),
            (1234567890123456.0 + 0.75, "1234567890123456.8"),
        ];
        for &(d, text) in cases {
            assert_eq!(g17(d), text, "{d:e}");
            assert_eq!(c_g17(d), text.as_bytes(), "libc disagrees on {d:e}");
        }
        assert_eq!(
            format!("{:?}", FormattedDouble::g17(2.5)),
            "FormattedDouble(\"2.5\")"
        );
    }

    proptest! {
        #[test]
        fn g17_matches_glibc_on_any_bit_pattern(bits in any::<u64>()) {
            let d = f64::from_bits(bits);
            prop_assert_eq!(g17(d).into_bytes(), c_g17(d));
        }

        #[test]
        fn g17_matches_glibc_on_ordinary_numbers(d in -1e20f64..1e20) {
            prop_assert_eq!(g17(d).into_bytes(), c_g17(d));
        }

        #[test]
        fn g17_matches_glibc_on_integers_and_halves(n in any::<i64>(), shift in 0u32..12) {
            let d = n as f64 / f64::from(1u32 << shift);
            prop_assert_eq!(g17(d).into_bytes(), c_g17(d));
        }

        #[test]
        fn integers_format_as_display(n in any::<i64>()) {
            prop_assert_eq!(
                written(Protocol::Resp2, |w| w.integer(n)),
                format!(":{n}\r\n").into_bytes()
            );
        }

        #[test]
        fn lengths_format_as_display(len in any::<usize>()) {
            prop_assert_eq!(
                written(Protocol::Resp3, |w| w.array(len)),
                format!("*{len}\r\n").into_bytes()
            );
        }
    }
}
