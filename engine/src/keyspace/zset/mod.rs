//! The sorted set type in Redis 7.0's two encodings:
//! - `listpack` while at most `zset-max-listpack-entries` members (128) and
//!   none longer than `zset-max-listpack-value` bytes (64): one buffer in
//!   order ([`ZListpack`]);
//! - `skiplist` otherwise: a skip list with spans plus a member index
//!   ([`SkipList`], whose doc says why).
//!
//! Both keep the elements ordered by score, then by member bytes, and every
//! query is phrased on that order: a rank, or the rank where a monotone
//! condition starts to hold (a score or lex bound), then a walk over ranks.
//!
//! As in Redis 7.0, the single-key commands convert only from listpack to
//! skiplist; [`ZSet::convert_to_listpack_if_fits`] is Redis's
//! `zsetConvertToListpackIfNeeded`, for the commands that build a new set
//! from others (ZRANGESTORE, ZUNIONSTORE and the like).

pub mod listpack;
pub mod range;
pub mod skiplist;

use super::dense::Full;
use crate::limits::LISTPACK_SIZE_MAX;
pub use listpack::ZListpack;
pub use skiplist::SkipList;
use std::cmp::Ordering;

/// The sorted set order: by score, then by member bytes (Redis's `sdscmp`,
/// a `memcmp` then the length). Scores are never NaN.
pub fn order(a_score: f64, a_member: &[u8], b_score: f64, b_member: &[u8]) -> Ordering {
    a_score
        .partial_cmp(&b_score)
        .unwrap_or(Ordering::Equal)
        .then_with(|| a_member.cmp(b_member))
}

/// The thresholds (`zset-max-listpack-entries`, `zset-max-listpack-value`).
#[derive(Clone, Copy, Debug)]
pub struct ZsetLimits {
    pub entries_max: usize,
    pub value_len_max: usize,
}

/// ZADD's options.
#[derive(Clone, Copy, Debug, Default)]
pub struct AddFlags {
    pub nx: bool,
    pub xx: bool,
    pub gt: bool,
    pub lt: bool,
    pub incr: bool,
}

/// What one `ZSet::add` did, with the element's score after it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Added {
    /// A new element.
    New(f64),
    /// An existing element's score changed.
    Updated(f64),
    /// An existing element kept its score (which was the one asked for).
    Same(f64),
    /// Nothing done: NX on an existing member, XX on a missing one, or GT
    /// or LT not met.
    Skipped,
}

/// Why `ZSet::add` refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddError {
    /// The increment made the score NaN (`inf` plus `-inf`).
    Nan,
    /// The set cannot index another element.
    Full,
}

/// A sorted set, in either encoding.
#[derive(Debug, Clone)]
pub enum ZSet {
    Listpack(ZListpack),
    SkipList(Box<SkipList>),
}

/// What a small sorted set costs besides its buffer: the box `Value` holds.
const _: () = assert!(std::mem::size_of::<ZSet>() == 32);

impl Default for ZSet {
    fn default() -> Self {
        ZSet::Listpack(ZListpack::default())
    }
}

impl ZSet {
    /// Bytes this sorted set owns beyond its own 32 (MEMORY USAGE).
    pub fn heap_size(&self, samples: usize) -> usize {
        match self {
            ZSet::Listpack(l) => l.heap_size(),
            ZSet::SkipList(s) => super::memory::of_box(&**s) + s.heap_size(samples),
        }
    }

    /// An empty set of the encoding Redis 7.0's ZADD creates for a first
    /// member of `first_len` bytes (`zaddGenericCommand`).
    pub fn for_first_member(first_len: usize, limits: ZsetLimits) -> ZSet {
        if limits.entries_max == 0 || first_len > limits.value_len_max {
            ZSet::SkipList(Box::default())
        } else {
            ZSet::default()
        }
    }

    pub fn len(&self) -> usize {
        match self {
            ZSet::Listpack(l) => l.len(),
            ZSet::SkipList(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// OBJECT ENCODING's name.
    pub fn encoding(&self) -> &'static str {
        match self {
            ZSet::Listpack(_) => "listpack",
            ZSet::SkipList(_) => "skiplist",
        }
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            ZSet::Listpack(l) => l.score(member),
            ZSet::SkipList(s) => s.score(member),
        }
    }

    /// The member's 0-based ascending rank and its score.
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        match self {
            ZSet::Listpack(l) => l.rank(member),
            ZSet::SkipList(s) => s.rank(member),
        }
    }

    /// Converts a listpack to a skip list (a no-op for a skip list).
    pub fn convert_to_skiplist(&mut self) {
        if let ZSet::Listpack(l) = self {
            let mut s = SkipList::default();
            for (m, score) in l.iter() {
                // A listpack holds far fewer elements than a skip list can.
                let _ = s.insert(m, score);
            }
            *self = ZSet::SkipList(Box::new(s));
        }
    }

    /// Redis's `zsetConvertToListpackIfNeeded`: a skip list that is within
    /// both limits (its longest member given by `member_len_max`) becomes a
    /// listpack.
    pub fn convert_to_listpack_if_fits(&mut self, member_len_max: usize, limits: ZsetLimits) {
        if let ZSet::SkipList(s) = self {
            if s.len() <= limits.entries_max && member_len_max <= limits.value_len_max {
                let mut l = ZListpack::default();
                for (m, score) in s.iter() {
                    l.push_back(m, score);
                }
                *self = ZSet::Listpack(l);
            }
        }
    }

    /// Adds or updates `member` as Redis's `zsetAdd` (NaN `score`s are
    /// refused by the caller's parsing): NX and XX on presence, INCR adds
    /// to the current score, GT and LT compare the new score with it. A
    /// listpack becomes a skip list before an insert that would take it
    /// past `limits`.
    pub fn add(
        &mut self,
        member: &[u8],
        score: f64,
        flags: AddFlags,
        limits: ZsetLimits,
    ) -> Result<Added, AddError> {
        if let Some(current) = self.score(member) {
            if flags.nx {
                return Ok(Added::Skipped);
            }
            let mut score = score;
            if flags.incr {
                score += current;
                if score.is_nan() {
                    return Err(AddError::Nan);
                }
            }
            if (flags.lt && score >= current) || (flags.gt && score <= current) {
                return Ok(Added::Skipped);
            }
            // -0 equals 0: the stored score (and its sign) stays.
            if score == current {
                return Ok(Added::Same(score));
            }
            match self {
                ZSet::Listpack(l) => {
                    l.remove(member);
                    l.insert(member, score);
                }
                ZSet::SkipList(s) => s.update_score(member, score),
            }
            return Ok(Added::Updated(score));
        }
        if flags.xx {
            return Ok(Added::Skipped);
        }
        if let ZSet::Listpack(l) = self {
            if l.len() + 1 > limits.entries_max
                || member.len() > limits.value_len_max
                || l.byte_len().saturating_add(member.len()) > LISTPACK_SIZE_MAX
            {
                self.convert_to_skiplist();
            }
        }
        match self {
            ZSet::Listpack(l) => l.insert(member, score),
            ZSet::SkipList(s) => s.insert(member, score).map_err(|Full| AddError::Full)?,
        }
        Ok(Added::New(score))
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            ZSet::Listpack(l) => l.remove(member).is_some(),
            ZSet::SkipList(s) => s.remove(member).is_some(),
        }
    }

    /// The number of leading elements for which `pred` is false; `pred`
    /// must turn from false to true at most once along the order (a lower
    /// bound, or the negation of an upper bound). O(log n) on a skip list.
    pub fn partition_point(&self, pred: impl Fn(&[u8], f64) -> bool) -> usize {
        match self {
            ZSet::Listpack(l) => l.partition_point(pred),
            ZSet::SkipList(s) => s.partition_point(pred),
        }
    }

    /// Visits the elements of ascending ranks `lo..hi` (clamped), from `lo`
    /// up, or with `rev` from `hi - 1` down.
    pub fn for_range(&self, lo: usize, hi: usize, rev: bool, mut f: impl FnMut(&[u8], f64)) {
        match self {
            ZSet::Listpack(l) => {
                let hi = hi.min(l.len());
                if lo >= hi {
                    return;
                }
                if rev {
                    let all: Vec<(&[u8], f64)> = l.iter().take(hi).collect();
                    for &(m, s) in all[lo..].iter().rev() {
                        f(m, s);
                    }
                } else {
                    for (m, s) in l.iter().skip(lo).take(hi - lo) {
                        f(m, s);
                    }
                }
            }
            ZSet::SkipList(s) => s.for_range(lo, hi, rev, f),
        }
    }

    /// Removes the elements of ascending ranks `lo..hi` (clamped); returns
    /// how many.
    pub fn remove_range(&mut self, lo: usize, hi: usize) -> usize {
        match self {
            ZSet::Listpack(l) => l.remove_range(lo, hi),
            ZSet::SkipList(s) => s.remove_range(lo, hi),
        }
    }

    /// Every element, in order.
    pub fn iter(&self) -> Box<dyn Iterator<Item = (&[u8], f64)> + '_> {
        match self {
            ZSet::Listpack(l) => Box::new(l.iter()),
            ZSet::SkipList(s) => Box::new(s.iter()),
        }
    }

    /// Checks the invariants; for tests and debug builds.
    pub fn verify_invariants(&self) {
        match self {
            ZSet::Listpack(l) => l.verify_invariants(),
            ZSet::SkipList(s) => s.verify_invariants(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const LIMITS: ZsetLimits = ZsetLimits {
        entries_max: 4,
        value_len_max: 8,
    };

    fn members(z: &ZSet) -> Vec<Vec<u8>> {
        z.iter().map(|(m, _)| m.to_vec()).collect()
    }

    #[test]
    fn converts_past_the_limits_and_back_when_asked() {
        let mut z = ZSet::for_first_member(1, LIMITS);
        for (i, m) in [b"d", b"c", b"b", b"a"].iter().enumerate() {
            assert_eq!(
                z.add(&m[..], i as f64, AddFlags::default(), LIMITS),
                Ok(Added::New(i as f64))
            );
        }
        assert_eq!(z.encoding(), "listpack");
        assert_eq!(
            z.add(b"e", 0.5, AddFlags::default(), LIMITS),
            Ok(Added::New(0.5))
        );
        assert_eq!(z.encoding(), "skiplist");
        z.verify_invariants();
        assert_eq!(
            members(&z),
            vec![
                b"d".to_vec(),
                b"e".to_vec(),
                b"c".to_vec(),
                b"b".to_vec(),
                b"a".to_vec()
            ]
        );
        // Removals never convert back on their own.
        z.remove(b"a");
        assert_eq!(z.encoding(), "skiplist");
        z.convert_to_listpack_if_fits(1, LIMITS);
        assert_eq!(z.encoding(), "listpack");
        z.verify_invariants();
        assert_eq!(
            members(&z),
            vec![b"d".to_vec(), b"e".to_vec(), b"c".to_vec(), b"b".to_vec()]
        );
        // A long member converts at once; a long first member starts large.
        z.add(&[b'x'; 9], 1.0, AddFlags::default(), LIMITS).unwrap();
        assert_eq!(z.encoding(), "skiplist");
        z.convert_to_listpack_if_fits(9, LIMITS);
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(ZSet::for_first_member(9, LIMITS).encoding(), "skiplist");
        let zero = ZsetLimits {
            entries_max: 0,
            value_len_max: 8,
        };
        assert_eq!(ZSet::for_first_member(1, zero).encoding(), "skiplist");
    }

    #[test]
    fn add_follows_zsetadd() {
        let mut z = ZSet::default();
        let f = |nx, xx, gt, lt, incr| AddFlags {
            nx,
            xx,
            gt,
            lt,
            incr,
        };
        assert_eq!(
            z.add(b"m", 1.0, f(false, true, false, false, false), LIMITS),
            Ok(Added::Skipped)
        );
        assert_eq!(
            z.add(b"m", 1.0, f(true, false, false, false, false), LIMITS),
            Ok(Added::New(1.0))
        );
        assert_eq!(
            z.add(b"m", 2.0, f(true, false, false, false, false), LIMITS),
            Ok(Added::Skipped)
        );
        assert_eq!(
            z.add(b"m", 0.0, f(false, false, true, false, false), LIMITS),
            Ok(Added::Skipped)
        );
        assert_eq!(
            z.add(b"m", 3.0, f(false, false, true, false, false), LIMITS),
            Ok(Added::Updated(3.0))
        );
        assert_eq!(
            z.add(b"m", 1.0, f(false, false, false, true, true), LIMITS),
            Ok(Added::Skipped)
        );
        assert_eq!(
            z.add(b"m", -1.0, f(false, false, false, true, true), LIMITS),
            Ok(Added::Updated(2.0))
        );
        assert_eq!(
            z.add(b"m", 2.0, AddFlags::default(), LIMITS),
            Ok(Added::Same(2.0))
        );
        assert_eq!(
            z.add(
                b"m",
                f64::INFINITY,
                f(false, false, false, false, true),
                LIMITS
            ),
            Ok(Added::Updated(f64::INFINITY))
        );
        assert_eq!(
            z.add(
                b"m",
                f64::NEG_INFINITY,
                f(false, false, false, false, true),
                LIMITS
            ),
            Err(AddError::Nan)
        );
        assert_eq!(z.score(b"m"), Some(f64::INFINITY));
        z.verify_invariants();
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Adds, removes, rank queries and range removals match a model (a
        /// map of scores, sorted on demand), in either encoding and across
        /// conversions.
        #[test]
        fn matches_a_model(
            ops in proptest::collection::vec((0u8..5, 0u8..40, -5i32..5, 0usize..12), 1..300),
        ) {
            let mut z = ZSet::default();
            let mut model: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
            for (op, m, score, len) in ops {
                let member = format!("m{m}").into_bytes();
                let score = f64::from(score) / 2.0;
                match op {
                    0 | 1 => {
                        let added = z.add(&member, score, AddFlags::default(), LIMITS).unwrap();
                        let old = model.insert(member.clone(), score);
                        match old {
                            None => proptest::prop_assert_eq!(added, Added::New(score)),
                            Some(o) if o == score => proptest::prop_assert_eq!(added, Added::Same(score)),
                            Some(_) => proptest::prop_assert_eq!(added, Added::Updated(score)),
                        }
                    }
                    2 => {
                        proptest::prop_assert_eq!(z.remove(&member), model.remove(&member).is_some());
                    }
                    3 => {
                        let lo = len / 2;
                        let removed = z.remove_range(lo, len);
                        let mut sorted: Vec<(Vec<u8>, f64)> = model.iter().map(|(m, s)| (m.clone(), *s)).collect();
                        sorted.sort_by(|a, b| order(a.1, &a.0, b.1, &b.0));
                        let hi = len.min(sorted.len());
                        let expect = hi.saturating_sub(lo);
                        proptest::prop_assert_eq!(removed, expect);
                        for (m, _) in sorted.iter().skip(lo).take(expect) {
                            model.remove(m);
                        }
                    }
                    _ => {
                        let wide = vec![b'w'; len];
                        z.add(&wide, score, AddFlags::default(), LIMITS).unwrap();
                        model.insert(wide, score);
                    }
                }
                z.verify_invariants();
                let mut sorted: Vec<(Vec<u8>, f64)> = model.iter().map(|(m, s)| (m.clone(), *s)).collect();
                sorted.sort_by(|a, b| order(a.1, &a.0, b.1, &b.0));
                proptest::prop_assert_eq!(z.len(), sorted.len());
                let got: Vec<(Vec<u8>, f64)> = z.iter().map(|(m, s)| (m.to_vec(), s)).collect();
                proptest::prop_assert_eq!(&got, &sorted);
                for (rank, (m, s)) in sorted.iter().enumerate() {
                    proptest::prop_assert_eq!(z.rank(m), Some((rank, *s)));
                }
                let below = sorted.iter().filter(|(_, s)| *s < 0.5).count();
                proptest::prop_assert_eq!(z.partition_point(|_, s| s >= 0.5), below);
                let mut back = Vec::new();
                z.for_range(1, 5, true, |m, _| back.push(m.to_vec()));
                let expect: Vec<Vec<u8>> = sorted.iter().take(5).skip(1).rev().map(|e| e.0.clone()).collect();
                proptest::prop_assert_eq!(back, expect);
                if z.len() > LIMITS.entries_max {
                    proptest::prop_assert_eq!(z.encoding(), "skiplist");
                }
            }
        }
    }
}
