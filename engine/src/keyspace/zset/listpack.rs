//! The small form of a sorted set (Redis's `listpack` encoding): every
//! member and its score in one buffer, in the set's order (by score, then
//! member bytes). Each element is the member's length (LEB128), the member,
//! then the score as 8 little-endian bytes of an `f64` (exact, where Redis
//! stores the score's text; both give back the same double). Every
//! operation walks the buffer, which is cheap at the sizes the setting
//! allows (128 elements by default), as in Redis.

use super::order;
use crate::keyspace::hash::{get_str, len_size, put_len};
use std::cmp::Ordering;

/// Invariant: `buf` holds exactly `len` well-formed elements, strictly
/// increasing in (score, member) order, with distinct members and no NaN.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ZListpack {
    buf: Vec<u8>,
    len: u32,
}

/// Where one element lies in the buffer, and what it holds.
struct Found {
    start: usize,
    end: usize,
    rank: usize,
    score: f64,
}

/// Reads the element at `*at`, advancing past it.
fn read<'a>(buf: &'a [u8], at: &mut usize) -> (&'a [u8], f64) {
    let member = get_str(buf, at);
    let mut score = [0u8; 8];
    score.copy_from_slice(&buf[*at..*at + 8]);
    *at += 8;
    (member, f64::from_le_bytes(score))
}

fn encode(member: &[u8], score: f64) -> Vec<u8> {
    let mut e = Vec::with_capacity(len_size(member.len()) + member.len() + 8);
    put_len(&mut e, member.len());
    e.extend_from_slice(member);
    e.extend_from_slice(&score.to_le_bytes());
    e
}

impl ZListpack {
    /// Bytes of the buffer.
    pub fn heap_size(&self) -> usize {
        crate::keyspace::memory::of_vec(&self.buf)
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes of the buffer (for the size safety limit).
    pub fn byte_len(&self) -> usize {
        self.buf.len()
    }

    /// The elements in order.
    pub fn iter(&self) -> ZListpackIter<'_> {
        ZListpackIter {
            buf: &self.buf,
            at: 0,
        }
    }

    fn find(&self, member: &[u8]) -> Option<Found> {
        let mut at = 0;
        let mut rank = 0;
        while at < self.buf.len() {
            let start = at;
            let (m, score) = read(&self.buf, &mut at);
            if m == member {
                return Some(Found {
                    start,
                    end: at,
                    rank,
                    score,
                });
            }
            rank += 1;
        }
        None
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.find(member).map(|f| f.score)
    }

    /// The member's 0-based rank (ascending) and score.
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        self.find(member).map(|f| (f.rank, f.score))
    }

    /// Adds `member`, which must not be present, at its place in the order.
    /// A score of -0 is stored as 0: Redis's listpack keeps scores as text
    /// it reads back as integers where it can, which loses the sign.
    pub fn insert(&mut self, member: &[u8], score: f64) {
        let score = score + 0.0;
        debug_assert!(self.find(member).is_none(), "member already present");
        let mut at = 0;
        while at < self.buf.len() {
            let start = at;
            let (m, s) = read(&self.buf, &mut at);
            if order(s, m, score, member) == Ordering::Greater {
                at = start;
                break;
            }
        }
        let e = encode(member, score);
        self.buf.reserve_exact(e.len());
        self.buf.splice(at..at, e);
        self.len += 1;
    }

    /// Appends an element that sorts after every present one (conversion
    /// from the large form, which walks in order).
    pub fn push_back(&mut self, member: &[u8], score: f64) {
        self.buf.extend_from_slice(&encode(member, score + 0.0));
        self.len += 1;
    }

    /// Removes `member`; gives its score if it was there.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let f = self.find(member)?;
        self.buf.drain(f.start..f.end);
        self.len -= 1;
        self.shrink_if_sparse();
        Some(f.score)
    }

    fn shrink_if_sparse(&mut self) {
        if self.buf.capacity() > 2 * self.buf.len() + 64 {
            self.buf.shrink_to_fit();
        }
    }

    /// Byte offset of the element at `rank` (the end for `rank == len`).
    fn offset_of(&self, rank: usize) -> usize {
        let mut at = 0;
        for _ in 0..rank {
            if at >= self.buf.len() {
                break;
            }
            read(&self.buf, &mut at);
        }
        at
    }

    /// Removes the elements of ranks `lo..hi` (clamped to the length).
    pub fn remove_range(&mut self, lo: usize, hi: usize) -> usize {
        let hi = hi.min(self.len());
        if lo >= hi {
            return 0;
        }
        let start = self.offset_of(lo);
        let mut end = start;
        for _ in lo..hi {
            read(&self.buf, &mut end);
        }
        self.buf.drain(start..end);
        self.len -= (hi - lo) as u32;
        self.shrink_if_sparse();
        hi - lo
    }

    /// The number of leading elements for which `pred` is false (`pred`
    /// must be false then true along the order).
    pub fn partition_point(&self, pred: impl Fn(&[u8], f64) -> bool) -> usize {
        self.iter().take_while(|&(m, s)| !pred(m, s)).count()
    }

    /// Checks the invariant; for tests and debug builds.
    pub fn verify_invariants(&self) {
        let elements: Vec<(&[u8], f64)> = self.iter().collect();
        assert_eq!(elements.len(), self.len(), "element count");
        assert!(elements.iter().all(|(_, s)| !s.is_nan()), "NaN score");
        assert!(
            elements
                .windows(2)
                .all(|w| order(w[0].1, w[0].0, w[1].1, w[1].0) == Ordering::Less),
            "out of order"
        );
        let mut members: Vec<&[u8]> = elements.iter().map(|e| e.0).collect();
        members.sort_unstable();
        members.dedup();
        assert_eq!(members.len(), elements.len(), "duplicate member");
    }
}

pub struct ZListpackIter<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Iterator for ZListpackIter<'a> {
    type Item = (&'a [u8], f64);
    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.buf.len() {
            return None;
        }
        Some(read(self.buf, &mut self.at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_score_then_member_order() {
        let mut l = ZListpack::default();
        l.insert(b"b", 1.0);
        l.insert(b"a", 1.0);
        l.insert(b"z", -0.5);
        l.insert(b"", f64::INFINITY);
        l.insert(b"neg", f64::NEG_INFINITY);
        l.verify_invariants();
        let members: Vec<&[u8]> = l.iter().map(|e| e.0).collect();
        assert_eq!(members, vec![&b"neg"[..], b"z", b"a", b"b", b""]);
        assert_eq!(l.rank(b"b"), Some((3, 1.0)));
        assert_eq!(l.score(b""), Some(f64::INFINITY));
        assert_eq!(l.partition_point(|_, s| s >= 1.0), 2);
        assert_eq!(l.remove(b"a"), Some(1.0));
        assert_eq!(l.remove(b"a"), None);
        assert_eq!(l.remove_range(1, 10), 3);
        assert_eq!(l.iter().map(|e| e.0).collect::<Vec<_>>(), vec![&b"neg"[..]]);
        l.verify_invariants();
    }
}
