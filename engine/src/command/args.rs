//! Argument parsing: a cursor over a request's arguments that latches the
//! first error, so a handler parses everything and checks once at the end.
//! The number parsers follow Redis's exact acceptance rules.

use super::CmdError;
use bytes::Bytes;

/// An int as Redis's `getIntFromObjectOrReply` reads one: an integer (else
/// `NotInteger`) that fits 32 bits (else `NotInt32`).
pub fn parse_int(s: &[u8]) -> Result<i32, CmdError> {
    let n = parse_i64(s).ok_or(CmdError::NotInteger)?;
    i32::try_from(n).map_err(|_| CmdError::NotInt32)
}

/// A database index (SELECT, MOVE, COPY ... DB): an int, then one of the
/// `databases`.
pub fn parse_db_index(s: &[u8], databases: usize) -> Result<usize, CmdError> {
    usize::try_from(parse_int(s)?)
        .ok()
        .filter(|&i| i < databases)
        .ok_or(CmdError::DbIndexOutOfRange)
}

/// Parses an i64 exactly as Redis's `string2ll`: optional '-', no '+', no
/// spaces, no leading zeros (except "0" itself), no overflow.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut value: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    if negative {
        if value > i64::MAX as u64 + 1 {
            return None;
        }
        Some((value as i128).wrapping_neg() as i64)
    } else {
        i64::try_from(value).ok()
    }
}

/// Parses a double as Redis's `getDoubleFromObject` (strtod): no leading
/// space, the whole string consumed, no NaN, no overflow or underflow
/// (ERANGE) unless the text says infinity.
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(s).ok()?;
    if text.is_empty() || text.as_bytes()[0].is_ascii_whitespace() {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    if value.is_nan() {
        return None;
    }
    let lower = text.to_ascii_lowercase();
    let says_infinity = lower.trim_start_matches(['+', '-']).starts_with("inf");
    if value.is_infinite() && !says_infinity {
        return None; // strtod overflow: ERANGE
    }
    if value == 0.0 {
        // strtod underflow (ERANGE) when the mantissa is not zero.
        let mantissa = lower.split('e').next().unwrap_or("");
        if mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
            return None;
        }
    }
    Some(value)
}

/// A cursor over a request's arguments (position 0 is the command name).
/// The first error is latched: later calls return defaults, and
/// [`ArgCursor::finish`] reports it.
pub struct ArgCursor<'a> {
    argv: &'a [Bytes],
    pos: usize,
    error: Option<CmdError>,
}

impl<'a> ArgCursor<'a> {
    /// Starts at position `pos` (1 to skip the command name).
    pub fn new(argv: &'a [Bytes], pos: usize) -> Self {
        ArgCursor {
            argv,
            pos,
            error: None,
        }
    }

    pub fn has_more(&self) -> bool {
        self.error.is_none() && self.pos < self.argv.len()
    }

    pub fn remaining(&self) -> usize {
        self.argv.len().saturating_sub(self.pos)
    }

    /// Records `e` unless an error is already latched.
    pub fn fail(&mut self, e: CmdError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
    }

    /// The next argument; a missing argument is a syntax error.
    pub fn next_bytes(&mut self) -> &'a [u8] {
        match self.argv.get(self.pos) {
            Some(b) => {
                self.pos += 1;
                b
            }
            None => {
                self.fail(CmdError::Syntax);
                &[]
            }
        }
    }

    /// The next argument parsed as Redis parses integers.
    pub fn next_i64(&mut self) -> i64 {
        let b = self.next_bytes();
        if self.error.is_some() {
            return 0;
        }
        parse_i64(b).unwrap_or_else(|| {
            self.fail(CmdError::NotInteger);
            0
        })
    }

    /// Advances past the next argument if it equals `word` (ASCII
    /// case-insensitive).
    pub fn eat(&mut self, word: &str) -> bool {
        match self.argv.get(self.pos) {
            Some(b) if self.error.is_none() && b.eq_ignore_ascii_case(word.as_bytes()) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// The latched error, if any.
    pub fn finish(self) -> Result<(), CmdError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_follow_string2ll() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-1"), Some(-1));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"+1",
            b" 1",
            b"1 ",
            b"01",
            b"-0",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"1a",
            b"99999999999999999999",
        ] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn doubles_follow_strtod_with_redis_checks() {
        assert_eq!(parse_f64(b"1.5"), Some(1.5));
        assert_eq!(parse_f64(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"+inf"), Some(f64::INFINITY));
        assert_eq!(parse_f64(b"1e3"), Some(1000.0));
        assert_eq!(parse_f64(b"0"), Some(0.0));
        assert_eq!(parse_f64(b"0e10"), Some(0.0));
        for bad in [
            &b""[..],
            b" 1",
            b"nan",
            b"1e400",
            b"1e-400",
            b"abc",
            b"1.5x",
        ] {
            assert_eq!(parse_f64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn cursor_latches_the_first_error() {
        let argv: Vec<Bytes> = ["SET", "k", "x", "EX"]
            .iter()
            .map(|s| Bytes::from(*s))
            .collect();
        let mut c = ArgCursor::new(&argv, 1);
        assert_eq!(c.next_bytes(), b"k");
        assert_eq!(c.next_i64(), 0);
        assert!(!c.eat("EX"));
        let _ = c.next_bytes();
        assert_eq!(c.finish(), Err(CmdError::NotInteger));
    }
}
