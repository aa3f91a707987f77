//! The hash type in Redis 7.0's two encodings:
//! - `listpack` while small: every field and value in one contiguous buffer,
//!   each as a LEB128 length then its bytes, field, value, field, value, in
//!   insertion order (as Redis's listpack, so HGETALL's order matches);
//!   lookups scan it, which is cheap at these sizes.
//! - `hashtable` past `hash-max-listpack-entries` fields, or once a field or
//!   value is longer than `hash-max-listpack-value`: a [`DenseTable`] of
//!   pairs, each pair one allocation (field length, field, value).
//!
//! As in Redis, a hash never converts back to a listpack.

use super::dense::{DenseItem, DenseTable, Full};
use crate::limits::LISTPACK_SIZE_MAX;

/// The thresholds (`hash-max-listpack-entries`, `hash-max-listpack-value`).
#[derive(Clone, Copy, Debug)]
pub struct HashLimits {
    pub entries_max: usize,
    pub value_len_max: usize,
}

/// Appends `n` as LEB128.
pub(super) fn put_len(buf: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            buf.push(byte);
            return;
        }
        buf.push(byte | 0x80);
    }
}

/// Reads a LEB128 length at `*at`, advancing past it. The buffers are only
/// ever written by [`put_len`], so a malformed one is a bug.
pub(super) fn get_len(buf: &[u8], at: &mut usize) -> usize {
    let mut n = 0usize;
    let mut shift = 0;
    loop {
        let byte = buf[*at];
        *at += 1;
        n |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return n;
        }
        shift += 7;
    }
}

/// Bytes LEB128 takes for `n`.
pub(super) fn len_size(n: usize) -> usize {
    (usize::BITS - (n | 1).leading_zeros()).div_ceil(7) as usize
}

/// Reads one length-prefixed string at `*at`, advancing past it.
pub(super) fn get_str<'a>(buf: &'a [u8], at: &mut usize) -> &'a [u8] {
    let len = get_len(buf, at);
    let s = &buf[*at..*at + len];
    *at += len;
    s
}

/// A small hash: fields and values, length-prefixed, in one buffer.
/// Invariant: `buf` holds exactly `len` well-formed (field, value) pairs
/// with distinct fields.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Listpack {
    buf: Vec<u8>,
    len: u32,
}

/// Where one pair lies in a listpack's buffer.
struct PairAt {
    start: usize,
    value: std::ops::Range<usize>,
}

impl Listpack {
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

    pub fn iter(&self) -> ListpackIter<'_> {
        ListpackIter {
            buf: &self.buf,
            at: 0,
        }
    }

    fn find(&self, field: &[u8]) -> Option<PairAt> {
        let mut at = 0;
        while at < self.buf.len() {
            let start = at;
            let f = get_str(&self.buf, &mut at);
            let len = get_len(&self.buf, &mut at);
            let value = at..at + len;
            at += len;
            if f == field {
                return Some(PairAt { start, value });
            }
        }
        None
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        self.find(field).map(|p| &self.buf[p.value])
    }

    /// Sets `field` to `value`; true if the field is new. An existing field
    /// keeps its place, as in Redis.
    pub fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        match self.find(field) {
            Some(p) => {
                let mut encoded = Vec::with_capacity(len_size(value.len()) + value.len());
                put_len(&mut encoded, value.len());
                encoded.extend_from_slice(value);
                let len_start = p.value.start - len_size(p.value.len());
                let old_len = p.value.end - len_start;
                self.buf
                    .reserve_exact(encoded.len().saturating_sub(old_len));
                self.buf.splice(len_start..p.value.end, encoded);
                false
            }
            None => {
                let extra =
                    len_size(field.len()) + field.len() + len_size(value.len()) + value.len();
                self.buf.reserve_exact(extra);
                put_len(&mut self.buf, field.len());
                self.buf.extend_from_slice(field);
                put_len(&mut self.buf, value.len());
                self.buf.extend_from_slice(value);
                self.len += 1;
                true
            }
        }
    }

    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self.find(field) {
            Some(p) => {
                self.buf.drain(p.start..p.value.end);
                self.len -= 1;
                if self.buf.capacity() > 2 * self.buf.len() + 64 {
                    self.buf.shrink_to_fit();
                }
                true
            }
            None => false,
        }
    }

    /// Checks the invariant; for tests and debug builds.
    pub fn verify_invariants(&self) {
        let fields: Vec<&[u8]> = self.iter().map(|(f, _)| f).collect();
        assert_eq!(fields.len(), self.len(), "pair count");
        let mut sorted = fields.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), fields.len(), "duplicate field");
    }
}

pub struct ListpackIter<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Iterator for ListpackIter<'a> {
    type Item = (&'a [u8], &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.buf.len() {
            return None;
        }
        let f = get_str(self.buf, &mut self.at);
        let v = get_str(self.buf, &mut self.at);
        Some((f, v))
    }
}

/// One field and its value in one allocation: the field's length (LEB128),
/// the field, the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair(Box<[u8]>);

impl Pair {
    pub fn new(field: &[u8], value: &[u8]) -> Pair {
        let mut buf = Vec::with_capacity(len_size(field.len()) + field.len() + value.len());
        put_len(&mut buf, field.len());
        buf.extend_from_slice(field);
        buf.extend_from_slice(value);
        Pair(buf.into_boxed_slice())
    }

    fn value_start(&self) -> usize {
        let mut at = 0;
        let len = get_len(&self.0, &mut at);
        at + len
    }

    pub fn field(&self) -> &[u8] {
        let mut at = 0;
        get_str(&self.0, &mut at)
    }

    pub fn value(&self) -> &[u8] {
        &self.0[self.value_start()..]
    }

    fn set_value(&mut self, value: &[u8]) {
        *self = Pair::new(self.field(), value);
    }
}

impl DenseItem for Pair {
    fn key(&self) -> &[u8] {
        self.field()
    }
}

/// A hash, in either encoding.
#[derive(Debug, Clone)]
pub enum Hash {
    Listpack(Listpack),
    Table(Box<DenseTable<Pair>>),
}

/// What a small hash costs besides its buffer: the box `Value` holds.
const _: () = assert!(std::mem::size_of::<Hash>() == 32);

impl Default for Hash {
    fn default() -> Self {
        Hash::Listpack(Listpack::default())
    }
}

impl Hash {
    /// Bytes this hash owns beyond its own 32 (MEMORY USAGE).
    pub fn heap_size(&self, samples: usize) -> usize {
        use super::memory;
        match self {
            Hash::Listpack(l) => memory::of_vec(&l.buf),
            Hash::Table(t) => {
                memory::of_box(&**t) + t.heap_size(samples, |p| memory::of_box(&*p.0))
            }
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Hash::Listpack(l) => l.len(),
            Hash::Table(t) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// OBJECT ENCODING's name.
    pub fn encoding(&self) -> &'static str {
        match self {
            Hash::Listpack(_) => "listpack",
            Hash::Table(_) => "hashtable",
        }
    }

    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self {
            Hash::Listpack(l) => l.get(field),
            Hash::Table(t) => t.get(field).map(Pair::value),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Converts a listpack to a table (a no-op for a table).
    pub fn convert_to_table(&mut self) {
        if let Hash::Listpack(l) = self {
            let mut table = DenseTable::with_capacity(l.len());
            for (f, v) in l.iter() {
                // A listpack holds at most LISTPACK_SIZE_MAX bytes, far
                // fewer pairs than a table can.
                let _ = table.insert_new(Pair::new(f, v));
            }
            *self = Hash::Table(Box::new(table));
        }
    }

    /// Redis's `hashTypeTryConversion`: before a write of these field and
    /// value arguments, converts a listpack that one of them is too long
    /// for, or whose buffer they would take past the safety limit.
    pub fn prepare_for<'a>(
        &mut self,
        args: impl IntoIterator<Item = &'a [u8]>,
        limits: HashLimits,
    ) {
        let Hash::Listpack(l) = self else {
            return;
        };
        let mut sum = 0usize;
        for a in args {
            if a.len() > limits.value_len_max {
                return self.convert_to_table();
            }
            sum = sum.saturating_add(a.len());
        }
        if l.byte_len().saturating_add(sum) > LISTPACK_SIZE_MAX {
            self.convert_to_table();
        }
    }

    /// Sets `field` to `value` (Redis's `hashTypeSet`); true if the field is
    /// new. Converts to a table when the field or value is too long for a
    /// listpack, or when the hash grows past the entry limit.
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: HashLimits) -> Result<bool, Full> {
        if let Hash::Listpack(l) = self {
            let too_long = field.len() > limits.value_len_max || value.len() > limits.value_len_max;
            let too_big =
                l.byte_len().saturating_add(field.len() + value.len()) > LISTPACK_SIZE_MAX;
            if too_long || too_big {
                self.convert_to_table();
            }
        }
        let inserted = match self {
            Hash::Listpack(l) => l.set(field, value),
            Hash::Table(t) => match t.get_mut(field) {
                Some(pair) => {
                    pair.set_value(value);
                    false
                }
                None => {
                    t.insert_new(Pair::new(field, value))?;
                    true
                }
            },
        };
        if matches!(self, Hash::Listpack(_)) && self.len() > limits.entries_max {
            self.convert_to_table();
        }
        Ok(inserted)
    }

    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self {
            Hash::Listpack(l) => l.remove(field),
            Hash::Table(t) => t.remove(field).is_some(),
        }
    }

    /// Every pair, in the encoding's order (insertion order for a listpack,
    /// position order for a table).
    pub fn iter(&self) -> HashIter<'_> {
        match self {
            Hash::Listpack(l) => HashIter::Listpack(l.iter()),
            Hash::Table(t) => HashIter::Table(t.items().iter()),
        }
    }

    /// Checks the invariants; for tests and debug builds.
    pub fn verify_invariants(&self) {
        match self {
            Hash::Listpack(l) => l.verify_invariants(),
            Hash::Table(t) => t.verify_invariants(),
        }
    }
}

pub enum HashIter<'a> {
    Listpack(ListpackIter<'a>),
    Table(std::slice::Iter<'a, Pair>),
}

impl<'a> Iterator for HashIter<'a> {
    type Item = (&'a [u8], &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            HashIter::Listpack(i) => i.next(),
            HashIter::Table(i) => i.next().map(|p| (p.field(), p.value())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: HashLimits = HashLimits {
        entries_max: 4,
        value_len_max: 8,
    };

    #[test]
    fn lengths_round_trip() {
        for n in [
            0usize,
            1,
            127,
            128,
            300,
            16_383,
            16_384,
            1 << 30,
            usize::MAX,
        ] {
            let mut buf = Vec::new();
            put_len(&mut buf, n);
            assert_eq!(buf.len(), len_size(n), "{n}");
            let mut at = 0;
            assert_eq!(get_len(&buf, &mut at), n);
            assert_eq!(at, buf.len());
        }
    }

    #[test]
    fn listpack_keeps_insertion_order_and_updates_in_place() {
        let mut l = Listpack::default();
        assert!(l.set(b"a", b"1"));
        assert!(l.set(b"b", b""));
        assert!(l.set(b"", b"empty field"));
        assert!(!l.set(b"a", &[b'x'; 200]));
        l.verify_invariants();
        let pairs: Vec<(&[u8], &[u8])> = l.iter().collect();
        assert_eq!(
            pairs,
            vec![
                (&b"a"[..], &[b'x'; 200][..]),
                (b"b", b""),
                (b"", b"empty field")
            ]
        );
        assert!(l.remove(b"b"));
        assert!(!l.remove(b"b"));
        assert_eq!(l.get(b"a"), Some(&[b'x'; 200][..]));
        assert_eq!(l.get(b""), Some(&b"empty field"[..]));
        assert_eq!(l.len(), 2);
        l.verify_invariants();
    }

    #[test]
    fn converts_past_the_entry_limit() {
        let mut h = Hash::default();
        for i in 0..4 {
            assert_eq!(h.set(format!("f{i}").as_bytes(), b"v", LIMITS), Ok(true));
        }
        assert_eq!(h.encoding(), "listpack");
        assert_eq!(h.set(b"f0", b"w", LIMITS), Ok(false));
        assert_eq!(h.encoding(), "listpack");
        assert_eq!(h.set(b"f4", b"v", LIMITS), Ok(true));
        assert_eq!(h.encoding(), "hashtable");
        h.verify_invariants();
        // Order survives the conversion; removals never convert back.
        let fields: Vec<&[u8]> = h.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, vec![&b"f0"[..], b"f1", b"f2", b"f3", b"f4"]);
        assert_eq!(h.get(b"f0"), Some(&b"w"[..]));
        for i in 0..4 {
            assert!(h.remove(format!("f{i}").as_bytes()));
        }
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 1);
        h.verify_invariants();
    }

    #[test]
    fn converts_for_long_fields_or_values() {
        let mut h = Hash::default();
        h.set(b"f", &[b'v'; 8], LIMITS).unwrap();
        assert_eq!(h.encoding(), "listpack");
        h.set(b"g", &[b'v'; 9], LIMITS).unwrap();
        assert_eq!(h.encoding(), "hashtable");
        let mut h = Hash::default();
        h.set(&[b'f'; 9], b"v", LIMITS).unwrap();
        assert_eq!(h.encoding(), "hashtable");
        // The pre-write check converts before any pair is written.
        let mut h = Hash::default();
        h.set(b"f", b"v", LIMITS).unwrap();
        h.prepare_for([&b"f"[..], &b"v"[..], &b"g"[..], &[b'v'; 9][..]], LIMITS);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.get(b"f"), Some(&b"v"[..]));
    }

    #[test]
    fn pairs_hold_field_and_value() {
        let mut p = Pair::new(&[b'f'; 130], b"value");
        assert_eq!(p.field(), &[b'f'; 130][..]);
        assert_eq!(p.value(), b"value");
        p.set_value(b"");
        assert_eq!(p.value(), b"");
        assert_eq!(p.field().len(), 130);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Any sequence of sets and removes matches a map, in either
        /// encoding and across conversions.
        #[test]
        fn matches_a_map_model(
            ops in proptest::collection::vec((0u8..3, 0u8..12, 0usize..12), 1..200),
        ) {
            let mut h = Hash::default();
            let mut model = std::collections::HashMap::new();
            for (op, field, value_len) in ops {
                let field = vec![b'f'; usize::from(field)];
                let value = vec![b'v'; value_len];
                if op == 2 {
                    proptest::prop_assert_eq!(h.remove(&field), model.remove(&field).is_some());
                } else {
                    let new = h.set(&field, &value, LIMITS) == Ok(true);
                    proptest::prop_assert_eq!(new, model.insert(field, value).is_none());
                }
                h.verify_invariants();
                proptest::prop_assert_eq!(h.len(), model.len());
                if h.len() > LIMITS.entries_max {
                    proptest::prop_assert_eq!(h.encoding(), "hashtable");
                }
            }
            for (f, v) in h.iter() {
                proptest::prop_assert_eq!(model.get(f).map(|v| &v[..]), Some(v));
            }
        }
    }
}
