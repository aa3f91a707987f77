//! The set type in Redis 7.0's two encodings:
//! - `intset` while every member is an integer in canonical form and there
//!   are at most `set-max-intset-entries` of them: the integers sorted, packed
//!   at the narrowest width (2, 4 or 8 bytes) that holds them all, as
//!   Redis's intset. Lookups are binary searches.
//! - `hashtable` otherwise: a [`DenseTable`] of member strings.
//!
//! Redis 7.0 converts only from intset to hashtable, except that SPOP with
//! a count that leaves few members builds a new set from them (see
//! [`Set::pop_random`]).

use super::dense::{DenseTable, Full};
use crate::command::args::parse_i64;

/// The integer a member is stored as in an intset, if it is one: canonical
/// decimal form, as Redis's `string2ll`.
pub fn member_int(member: &[u8]) -> Option<i64> {
    parse_i64(member)
}

/// The narrowest width that holds `v`.
fn width_of(v: i64) -> u8 {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

/// Sorted distinct integers, packed little-endian at `width` bytes each.
/// Invariant: `bytes.len()` is a multiple of `width`; the values are
/// strictly increasing; `width` is 2, 4 or 8 and never narrows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntSet {
    width: u8,
    bytes: Vec<u8>,
}

impl Default for IntSet {
    fn default() -> Self {
        IntSet {
            width: 2,
            bytes: Vec::new(),
        }
    }
}

impl IntSet {
    pub fn len(&self) -> usize {
        self.bytes.len() / usize::from(self.width)
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The value at `index` (which must be < len).
    pub fn get(&self, index: usize) -> i64 {
        let w = usize::from(self.width);
        let b = &self.bytes[index * w..index * w + w];
        match self.width {
            2 => i64::from(i16::from_le_bytes([b[0], b[1]])),
            4 => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            _ => i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
        }
    }

    fn encode(v: i64, width: u8) -> ([u8; 8], usize) {
        let le = v.to_le_bytes();
        // Little-endian: the low `width` bytes are the narrower encoding.
        (le, usize::from(width))
    }

    /// Binary search: Ok(index) if present, Err(insertion index) if not.
    fn search(&self, v: i64) -> Result<usize, usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.get(mid).cmp(&v) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    pub fn contains(&self, v: i64) -> bool {
        self.search(v).is_ok()
    }

    /// Adds `v`; true if it was not there.
    pub fn insert(&mut self, v: i64) -> bool {
        let width = width_of(v);
        if width > self.width {
            let mut wider = Vec::with_capacity((self.len() + 1) * usize::from(width));
            for i in 0..self.len() {
                let (le, n) = IntSet::encode(self.get(i), width);
                wider.extend_from_slice(&le[..n]);
            }
            self.bytes = wider;
            self.width = width;
        }
        match self.search(v) {
            Ok(_) => false,
            Err(at) => {
                let (le, n) = IntSet::encode(v, self.width);
                let offset = at * usize::from(self.width);
                self.bytes.reserve_exact(n);
                self.bytes.splice(offset..offset, le[..n].iter().copied());
                true
            }
        }
    }

    /// Removes `v`; true if it was there.
    pub fn remove(&mut self, v: i64) -> bool {
        match self.search(v) {
            Ok(at) => {
                self.remove_at(at);
                true
            }
            Err(_) => false,
        }
    }

    /// Removes the value at `index` (which must be < len) and returns it.
    pub fn remove_at(&mut self, index: usize) -> i64 {
        let v = self.get(index);
        let w = usize::from(self.width);
        self.bytes.drain(index * w..index * w + w);
        v
    }

    /// Keeps the values `keep` says yes to, in one pass.
    pub fn retain_indexed(&mut self, mut keep: impl FnMut(usize) -> bool) {
        let w = usize::from(self.width);
        let mut index = 0;
        let mut write = 0;
        while index * w < self.bytes.len() {
            if keep(index) {
                self.bytes.copy_within(index * w..index * w + w, write);
                write += w;
            }
            index += 1;
        }
        self.bytes.truncate(write);
        self.bytes.shrink_to_fit();
    }

    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Checks the invariant; for tests and debug builds.
    pub fn verify_invariants(&self) {
        assert!(matches!(self.width, 2 | 4 | 8), "width");
        assert_eq!(self.bytes.len() % usize::from(self.width), 0, "length");
        let values: Vec<i64> = self.iter().collect();
        assert!(values.windows(2).all(|w| w[0] < w[1]), "not sorted");
    }
}

/// A set member as a reply writes it: an intset's integer or a table's
/// bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

impl Member<'_> {
    /// The member's bytes; an integer is formatted into `scratch`.
    pub fn bytes<'s>(&'s self, scratch: &'s mut itoa::Buffer) -> &'s [u8] {
        match self {
            Member::Int(n) => scratch.format(*n).as_bytes(),
            Member::Bytes(b) => b,
        }
    }

    pub fn to_boxed(self) -> Box<[u8]> {
        self.bytes(&mut itoa::Buffer::new()).into()
    }
}

/// A set, in either encoding.
#[derive(Debug, Clone)]
pub enum Set {
    Ints(IntSet),
    Table(Box<DenseTable<Box<[u8]>>>),
}

/// What a small set costs besides its integers: the box `Value` holds.
const _: () = assert!(std::mem::size_of::<Set>() == 32);

impl Set {
    /// Bytes this set owns beyond its own 32 (MEMORY USAGE).
    pub fn heap_size(&self, samples: usize) -> usize {
        use super::memory;
        match self {
            Set::Ints(i) => memory::of_vec(&i.bytes),
            Set::Table(t) => memory::of_box(&**t) + t.heap_size(samples, |m| memory::of_box(&**m)),
        }
    }

    /// An empty set of the encoding Redis's `setTypeCreate` picks for a set
    /// whose first member is `first`.
    pub fn for_member(first: &[u8]) -> Set {
        match member_int(first) {
            Some(_) => Set::Ints(IntSet::default()),
            None => Set::Table(Box::default()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Set::Ints(s) => s.len(),
            Set::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// OBJECT ENCODING's name.
    pub fn encoding(&self) -> &'static str {
        match self {
            Set::Ints(_) => "intset",
            Set::Table(_) => "hashtable",
        }
    }

    pub fn contains(&self, member: &[u8]) -> bool {
        match self {
            Set::Ints(s) => member_int(member).is_some_and(|v| s.contains(v)),
            Set::Table(t) => t.contains(member),
        }
    }

    fn convert_to_table(&mut self) {
        if let Set::Ints(s) = self {
            let mut table = DenseTable::with_capacity(s.len());
            let mut scratch = itoa::Buffer::new();
            for v in s.iter() {
                // An intset is far smaller than a table's limit.
                let _ = table.insert_new(scratch.format(v).as_bytes().into());
            }
            *self = Set::Table(Box::new(table));
        }
    }

    /// Adds `member` (Redis's `setTypeAdd`); true if it is new. An intset
    /// becomes a table for a non-integer member or past `intset_max`
    /// members.
    pub fn add(&mut self, member: &[u8], intset_max: usize) -> Result<bool, Full> {
        if let Set::Ints(s) = self {
            match member_int(member) {
                Some(v) => {
                    let added = s.insert(v);
                    if added && s.len() > intset_max {
                        self.convert_to_table();
                    }
                    return Ok(added);
                }
                None => self.convert_to_table(),
            }
        }
        match self {
            Set::Table(t) if t.contains(member) => Ok(false),
            Set::Table(t) => t.insert_new(member.into()).map(|()| true),
            Set::Ints(_) => Ok(false),
        }
    }

    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self {
            Set::Ints(s) => member_int(member).is_some_and(|v| s.remove(v)),
            Set::Table(t) => t.remove(member).is_some(),
        }
    }

    /// The member at `index` (< len): intsets in ascending order, tables in
    /// position order. O(1) in both encodings.
    pub fn at(&self, index: usize) -> Member<'_> {
        match self {
            Set::Ints(s) => Member::Int(s.get(index)),
            Set::Table(t) => Member::Bytes(t.at(index).map_or(&[][..], |b| &b[..])),
        }
    }

    /// Every member, in the encoding's order.
    pub fn iter(&self) -> impl Iterator<Item = Member<'_>> + '_ {
        (0..self.len()).map(|i| self.at(i))
    }

    /// SPOP with a count below the size: removes the members at the given
    /// distinct indices and returns them. When few members stay (Redis's
    /// "case 3", `remaining * 5 <= count`), Redis 7.0 builds a new set from
    /// the remaining members, so the result is an intset again if they are
    /// all integers and not too many; this does the same.
    pub fn pop_indices(&mut self, mut indices: Vec<usize>, intset_max: usize) -> Vec<Box<[u8]>> {
        let count = indices.len();
        let remaining = self.len() - count;
        indices.sort_unstable();
        let popped: Vec<Box<[u8]>> = indices.iter().map(|&i| self.at(i).to_boxed()).collect();
        match self {
            Set::Ints(s) => {
                let mut next = indices.iter().peekable();
                s.retain_indexed(|i| {
                    if next.peek() == Some(&&i) {
                        next.next();
                        false
                    } else {
                        true
                    }
                });
            }
            Set::Table(t) => {
                // Highest first, so each removal's swap leaves the lower
                // indices still to remove where they were.
                for &i in indices.iter().rev() {
                    t.remove_at(i);
                }
            }
        }
        let rebuilt = remaining.saturating_mul(5) <= count;
        if rebuilt {
            if let Set::Table(t) = self {
                let ints: Option<Vec<i64>> = t.items().iter().map(|m| member_int(m)).collect();
                if let Some(mut ints) = ints.filter(|v| v.len() <= intset_max) {
                    ints.sort_unstable();
                    let mut s = IntSet::default();
                    for v in ints {
                        s.insert(v);
                    }
                    *self = Set::Ints(s);
                }
            }
        }
        popped
    }

    /// Checks the invariants; for tests and debug builds.
    pub fn verify_invariants(&self) {
        match self {
            Set::Ints(s) => s.verify_invariants(),
            Set::Table(t) => t.verify_invariants(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intset_widens_and_stays_sorted() {
        let mut s = IntSet::default();
        for v in [5, -3, 100, 5, 0] {
            s.insert(v);
        }
        assert_eq!(s.width, 2);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![-3, 0, 5, 100]);
        assert!(s.insert(70_000));
        assert_eq!(s.width, 4);
        assert!(s.insert(i64::MIN));
        assert!(s.insert(i64::MAX));
        assert_eq!(s.width, 8);
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![i64::MIN, -3, 0, 5, 100, 70_000, i64::MAX]
        );
        assert!(s.remove(i64::MAX));
        assert!(!s.remove(i64::MAX));
        assert_eq!(s.width, 8, "never narrows");
        assert!(s.contains(-3) && !s.contains(4));
        s.verify_invariants();
        s.retain_indexed(|i| i % 2 == 0);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![i64::MIN, 0, 100]);
        s.verify_invariants();
    }

    #[test]
    fn set_converts_to_a_table_for_strings_and_size() {
        let mut s = Set::for_member(b"1");
        assert_eq!(s.encoding(), "intset");
        for i in 0..3 {
            assert_eq!(s.add(i.to_string().as_bytes(), 3), Ok(true));
        }
        assert_eq!(s.add(b"2", 3), Ok(false));
        assert_eq!(s.encoding(), "intset");
        // Non-canonical integers are strings.
        assert!(!s.contains(b"01") && !s.contains(b"+1"));
        assert_eq!(s.add(b"3", 3), Ok(true));
        assert_eq!(s.encoding(), "hashtable");
        let mut t = Set::for_member(b"1");
        t.add(b"1", 512).unwrap();
        t.add(b"01", 512).unwrap();
        assert_eq!(t.encoding(), "hashtable");
        assert!(t.contains(b"1") && t.contains(b"01"));
        assert_eq!(Set::for_member(b"x").encoding(), "hashtable");
        s.verify_invariants();
        t.verify_invariants();
    }

    #[test]
    fn popping_most_members_of_an_integer_table_gives_an_intset() {
        let mut s = Set::for_member(b"0");
        for i in 0..20 {
            s.add(i.to_string().as_bytes(), 10).unwrap();
        }
        assert_eq!(s.encoding(), "hashtable");
        // Few popped: stays a table.
        let popped = s.pop_indices(vec![0, 19, 7], 10);
        assert_eq!(popped.len(), 3);
        assert_eq!(s.len(), 17);
        assert_eq!(s.encoding(), "hashtable");
        for p in &popped {
            assert!(!s.contains(p));
        }
        // 15 of 17 popped: 2 * 5 <= 15, rebuilt as an intset.
        let popped = s.pop_indices((0..15).collect(), 10);
        assert_eq!(popped.len(), 15);
        assert_eq!(s.len(), 2);
        assert_eq!(s.encoding(), "intset");
        s.verify_invariants();
        // An intset pops in place.
        let mut s = Set::for_member(b"0");
        for i in 0..10 {
            s.add(i.to_string().as_bytes(), 10).unwrap();
        }
        let popped = s.pop_indices(vec![9, 0, 4], 10);
        let mut got: Vec<&[u8]> = popped.iter().map(|b| &b[..]).collect();
        got.sort();
        assert_eq!(got, vec![&b"0"[..], b"4", b"9"]);
        assert_eq!(s.len(), 7);
        s.verify_invariants();
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Adds, removes and pops match a set of strings, in either
        /// encoding; an intset holds only canonical integers.
        #[test]
        fn matches_a_set_model(
            ops in proptest::collection::vec((0u8..4, -40i64..40, proptest::bool::ANY), 1..200),
        ) {
            let mut s = Set::for_member(b"0");
            let mut model = std::collections::HashSet::new();
            for (op, n, as_text) in ops {
                let member = if as_text && n % 7 == 0 {
                    format!("x{n}").into_bytes()
                } else {
                    n.to_string().into_bytes()
                };
                match op {
                    0 | 1 => {
                        let new = s.add(&member, 16) == Ok(true);
                        proptest::prop_assert_eq!(new, model.insert(member));
                    }
                    2 => proptest::prop_assert_eq!(s.remove(&member), model.remove(&member)),
                    _ if s.len() > 1 => {
                        let count = (n.unsigned_abs() as usize) % s.len();
                        let indices: Vec<usize> = (0..count).map(|i| i * s.len() / count.max(1)).collect();
                        let mut unique = indices.clone();
                        unique.dedup();
                        for m in s.pop_indices(unique, 16) {
                            proptest::prop_assert!(model.remove(&m[..]));
                        }
                    }
                    _ => {}
                }
                s.verify_invariants();
                proptest::prop_assert_eq!(s.len(), model.len());
                if let Set::Ints(ints) = &s {
                    proptest::prop_assert!(ints.len() <= 16);
                }
            }
            for m in s.iter() {
                proptest::prop_assert!(model.contains(&m.to_boxed()[..]));
            }
        }
    }
}
