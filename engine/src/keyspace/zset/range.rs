//! Score and lex ranges as Redis parses them (`zslParseRange`,
//! `zslParseLexRange`), and the ranks of a set they cover.

use super::ZSet;

/// Parses a score bound as Redis's `zslParseRange` does with `strtod`: the
/// text ends at the first NUL byte (C strings), leading white space is
/// skipped, the rest must all be a number, an overflow is an infinity, the
/// empty text is 0, and NaN is refused. Hexadecimal floats, which `strtod`
/// also reads, are not accepted.
pub fn parse_bound_score(text: &[u8]) -> Option<f64> {
    let text = match text.iter().position(|&b| b == 0) {
        Some(nul) => &text[..nul],
        None => text,
    };
    if text.is_empty() {
        return Some(0.0);
    }
    let start = text
        .iter()
        .position(|&b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))?;
    let value: f64 = std::str::from_utf8(&text[start..]).ok()?.parse().ok()?;
    (!value.is_nan()).then_some(value)
}

/// A score interval, each end inclusive or exclusive (`(`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    pub min_exclusive: bool,
    pub max_exclusive: bool,
}

impl ScoreRange {
    /// `None` for Redis's "min or max is not a float".
    pub fn parse(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
        let bound = |t: &[u8]| match t.strip_prefix(b"(") {
            Some(rest) => parse_bound_score(rest).map(|v| (v, true)),
            None => parse_bound_score(t).map(|v| (v, false)),
        };
        let (min, min_exclusive) = bound(min)?;
        let (max, max_exclusive) = bound(max)?;
        Some(ScoreRange {
            min,
            max,
            min_exclusive,
            max_exclusive,
        })
    }

    pub fn above_min(&self, score: f64) -> bool {
        if self.min_exclusive {
            score > self.min
        } else {
            score >= self.min
        }
    }

    pub fn below_max(&self, score: f64) -> bool {
        if self.max_exclusive {
            score < self.max
        } else {
            score <= self.max
        }
    }

    /// The ascending ranks `lo..hi` of the elements in range (empty when
    /// `hi <= lo`). O(log n) on a skip list.
    pub fn ranks(&self, z: &ZSet) -> (usize, usize) {
        let lo = z.partition_point(|_, s| self.above_min(s));
        let hi = z.partition_point(|_, s| !self.below_max(s));
        (lo, hi.max(lo))
    }
}

/// One end of a lex range: `-`, `+`, `[member` or `(member`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexBound<'a> {
    Min,
    Max,
    Inclusive(&'a [u8]),
    Exclusive(&'a [u8]),
}

impl<'a> LexBound<'a> {
    /// `None` for Redis's "min or max not valid string range item". As in
    /// Redis, a `+` or `-` is one when nothing (or a NUL byte) follows.
    fn parse(item: &'a [u8]) -> Option<LexBound<'a>> {
        let alone = item.get(1).is_none_or(|&b| b == 0);
        match item.first() {
            Some(b'+') if alone => Some(LexBound::Max),
            Some(b'-') if alone => Some(LexBound::Min),
            Some(b'(') => Some(LexBound::Exclusive(&item[1..])),
            Some(b'[') => Some(LexBound::Inclusive(&item[1..])),
            _ => None,
        }
    }
}

/// A range of members (for a set whose scores are all equal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LexRange<'a> {
    pub min: LexBound<'a>,
    pub max: LexBound<'a>,
}

impl<'a> LexRange<'a> {
    pub fn parse(min: &'a [u8], max: &'a [u8]) -> Option<LexRange<'a>> {
        Some(LexRange {
            min: LexBound::parse(min)?,
            max: LexBound::parse(max)?,
        })
    }

    pub fn above_min(&self, member: &[u8]) -> bool {
        match self.min {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Inclusive(m) => member >= m,
            LexBound::Exclusive(m) => member > m,
        }
    }

    pub fn below_max(&self, member: &[u8]) -> bool {
        match self.max {
            LexBound::Max => true,
            LexBound::Min => false,
            LexBound::Inclusive(m) => member <= m,
            LexBound::Exclusive(m) => member < m,
        }
    }

    /// The ascending ranks `lo..hi` of the members in range.
    pub fn ranks(&self, z: &ZSet) -> (usize, usize) {
        let lo = z.partition_point(|m, _| self.above_min(m));
        let hi = z.partition_point(|m, _| !self.below_max(m));
        (lo, hi.max(lo))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_bounds_read_as_strtod() {
        assert_eq!(parse_bound_score(b""), Some(0.0));
        assert_eq!(parse_bound_score(b" 1.5"), Some(1.5));
        assert_eq!(parse_bound_score(b"1\x002"), Some(1.0));
        assert_eq!(parse_bound_score(b"-inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_bound_score(b"+Infinity"), Some(f64::INFINITY));
        assert_eq!(parse_bound_score(b"1e999"), Some(f64::INFINITY));
        assert_eq!(parse_bound_score(b"nan"), None);
        assert_eq!(parse_bound_score(b" "), None);
        assert_eq!(parse_bound_score(b"1 "), None);
        assert_eq!(parse_bound_score(b"x"), None);
        let r = ScoreRange::parse(b"(1", b"+inf").unwrap();
        assert!(!r.above_min(1.0) && r.above_min(1.5) && r.below_max(f64::INFINITY));
        assert_eq!(ScoreRange::parse(b"(", b"1").map(|r| r.min), Some(0.0));
        assert!(ScoreRange::parse(b"((1", b"2").is_none());
    }

    #[test]
    fn lex_bounds() {
        assert!(LexRange::parse(b"-", b"+").is_some());
        assert!(LexRange::parse(b"-x", b"+").is_none());
        assert!(LexRange::parse(b"a", b"+").is_none());
        assert!(LexRange::parse(b"", b"+").is_none());
        let r = LexRange::parse(b"(a", b"[c").unwrap();
        assert!(
            !r.above_min(b"a") && r.above_min(b"aa") && r.below_max(b"c") && !r.below_max(b"ca")
        );
        let r = LexRange::parse(b"+", b"-").unwrap();
        assert!(!r.above_min(b"") && !r.below_max(b""));
    }
}
