//! One segment of a [`Table`](super::table::Table): a small open-addressing
//! hash table laid out as folly's F14 is, so that a lookup usually reads one
//! 16-byte chunk of tags and then only the slots whose tag matches.
//!
//! A segment has a power-of-two number of chunks (at most [`CHUNKS_MAX`]
//! while it may still split). A chunk holds [`CHUNK_SLOTS`] one-byte tags
//! (0 = empty, otherwise 8 bits of the entry's hash) and an overflow count;
//! its slots live in a parallel array. An entry lives in the first chunk of
//! its probe sequence (home chunk, then steps of an odd stride) that had a
//! free slot when it was inserted, and every full chunk it passed counts it
//! in `overflow`. A lookup stops at the first chunk whose count is 0, so it
//! needs no tombstones: removing an entry decrements the counts along its
//! path. Counts saturate at 255 and then stay (a longer search, never a
//! wrong one) until the segment is rebuilt.
//!
//! The tags are compared eight bytes at a time with plain integer arithmetic
//! (SWAR), which needs neither `unsafe` nor a particular CPU.

use super::table::TableEntry;
use ahash::RandomState;
use std::mem;

/// Slots per chunk: 14 tags, an overflow count and a spare byte make 16.
pub const CHUNK_SLOTS: usize = 14;

/// Chunks of a segment that may still split: 64 × 14 = 896 slots.
pub const CHUNKS_MAX: usize = 64;

/// Entries per chunk, on average, before a segment grows (or splits): 12 of
/// 14, a load of 6/7, where probe sequences stay about one chunk long.
pub const CHUNK_LOAD_MAX: usize = 12;

const BYTES_LOW: u128 = u128::from_le_bytes([0x01; 16]);
const BYTES_LOW7: u128 = u128::from_le_bytes([0x7f; 16]);
/// Bit 7 of each of the first 14 bytes: the tag bytes.
const TAGS_HIGH: u128 = u128::from_le_bytes([
    0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0, 0,
]);
const OVERFLOW_BYTE: usize = CHUNK_SLOTS;
const OVERFLOW_SATURATED: u8 = u8::MAX;

#[derive(Clone, Copy, Default)]
#[repr(C, align(16))]
struct Chunk {
    /// Tags of the 14 slots, then the overflow count, then a spare byte.
    bytes: [u8; 16],
}

impl Chunk {
    fn word(&self) -> u128 {
        u128::from_le_bytes(self.bytes)
    }

    /// Bit 7 of byte i is set when slot i holds `tag`.
    fn matches(&self, tag: u8) -> u128 {
        zero_bytes(self.word() ^ BYTES_LOW.wrapping_mul(u128::from(tag))) & TAGS_HIGH
    }

    /// Bit 7 of byte i is set when slot i is empty.
    fn empties(&self) -> u128 {
        zero_bytes(self.word()) & TAGS_HIGH
    }

    fn overflow(&self) -> u8 {
        self.bytes[OVERFLOW_BYTE]
    }

    fn count_passing(&mut self) {
        let count = &mut self.bytes[OVERFLOW_BYTE];
        *count = count.saturating_add(1);
    }

    fn uncount_passing(&mut self) {
        let count = &mut self.bytes[OVERFLOW_BYTE];
        if *count != OVERFLOW_SATURATED {
            *count -= 1;
        }
    }
}

/// Prefetches what the entry in `slots[index]` points to, if there is one.
fn prefetch_entry<E: TableEntry>(slots: &[Option<E>], index: usize) {
    if let Some(Some(entry)) = slots.get(index) {
        entry.prefetch();
    }
}

/// 0x80 in exactly the bytes of `x` that are zero, 0 elsewhere.
fn zero_bytes(x: u128) -> u128 {
    !(((x & BYTES_LOW7).wrapping_add(BYTES_LOW7)) | x | BYTES_LOW7)
}

/// The slot numbers (0..14) of a `matches`/`empties` mask, lowest first.
fn slots_of(mut mask: u128) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if mask == 0 {
            return None;
        }
        let slot = mask.trailing_zeros() as usize / 8;
        mask &= mask - 1;
        Some(slot)
    })
}

/// The tag of a hash: bits 8..16, never 0. The home chunk uses the low bits
/// and the directory the high ones, so the three stay independent.
fn tag_of(hash: u64) -> u8 {
    let tag = (hash >> 8) as u8;
    tag | u8::from(tag == 0)
}

/// Most entries a segment of `chunks` chunks holds before it must grow.
fn load_limit(chunks: usize) -> usize {
    chunks * CHUNK_LOAD_MAX
}

/// How many slots ahead a walk that hashes every entry (grow, split,
/// retain) prefetches what the entry points to, so that the keys' cache
/// misses overlap instead of following one another.
const WALK_PREFETCH_AHEAD: usize = 8;

/// A hint that the cache line at `p` will be read soon. Never faults.
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint to the cache; it does not access
    // memory, so any address, even an invalid one, is allowed.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Prefetches every cache line `value` spans (a slot is not line-aligned,
/// so its fields may sit on two lines).
#[inline(always)]
fn prefetch_whole<T>(value: &T) {
    let start = std::ptr::from_ref(value).cast::<u8>();
    prefetch(start);
    if mem::size_of::<T>() > 1 {
        prefetch(start.wrapping_add(mem::size_of::<T>() - 1));
    }
}

/// Invariants: `chunks.len()` is 0 or a power of two; `slots.len()` is
/// `chunks.len() * CHUNK_SLOTS`; a slot is `Some` exactly when its tag is
/// non-zero, and its tag is `tag_of` its entry's hash; every entry is
/// reachable from its home chunk along its probe sequence through chunks
/// whose overflow count includes it; `len` counts the entries.
pub struct Segment<E> {
    chunks: Box<[Chunk]>,
    slots: Box<[Option<E>]>,
    len: usize,
    /// How many leading hash bits all entries of this segment share.
    pub local_depth: u32,
}

impl<E: TableEntry> Segment<E> {
    /// An empty segment; allocates nothing until the first insert.
    pub fn new(local_depth: u32) -> Self {
        Segment {
            chunks: Box::default(),
            slots: Box::default(),
            len: 0,
            local_depth,
        }
    }

    fn with_chunks(chunks: usize, local_depth: u32) -> Self {
        Segment {
            chunks: vec![Chunk::default(); chunks].into_boxed_slice(),
            slots: (0..chunks * CHUNK_SLOTS).map(|_| None).collect(),
            len: 0,
            local_depth,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Chunks allocated.
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// The probe sequence of `hash`: home chunk and stride.
    fn probe(&self, hash: u64) -> (usize, usize) {
        let mask = self.chunks.len() - 1;
        let home = hash as usize & mask;
        let stride = (usize::from(tag_of(hash)) << 1 | 1) & mask;
        (home, stride.max(1))
    }

    /// The slot holding `key` (whose hash is `hash`).
    pub fn find(&self, hash: u64, key: &[u8]) -> Option<usize> {
        if self.chunks.is_empty() {
            return None;
        }
        let tag = tag_of(hash);
        let (mut chunk, stride) = self.probe(hash);
        let mask = self.chunks.len() - 1;
        for _ in 0..self.chunks.len() {
            for slot in slots_of(self.chunks[chunk].matches(tag)) {
                let index = chunk * CHUNK_SLOTS + slot;
                if self.slots[index].as_ref().is_some_and(|e| e.key() == key) {
                    return Some(index);
                }
            }
            if self.chunks[chunk].overflow() == 0 {
                return None;
            }
            chunk = (chunk + stride) & mask;
        }
        None
    }

    /// The entry in slot `index`, which `find` returned.
    pub fn at_mut(&mut self, index: usize) -> Option<&mut E> {
        self.slots.get_mut(index)?.as_mut()
    }

    pub fn get(&self, hash: u64, key: &[u8]) -> Option<&E> {
        let index = self.find(hash, key)?;
        self.slots[index].as_ref()
    }

    pub fn get_mut(&mut self, hash: u64, key: &[u8]) -> Option<&mut E> {
        let index = self.find(hash, key)?;
        self.slots[index].as_mut()
    }

    /// Whether one more entry fits without growing.
    pub fn has_room(&self) -> bool {
        self.len < load_limit(self.chunks.len())
    }

    /// Rebuilds the segment with twice the chunks (one when empty).
    /// `hasher` gives the entries' hashes.
    pub fn grow(&mut self, hasher: &RandomState) {
        let chunks = (self.chunks.len() * 2).max(1);
        let mut grown = Segment::with_chunks(chunks, self.local_depth);
        let mut slots = mem::take(&mut self.slots);
        for index in 0..slots.len() {
            prefetch_entry(&slots, index + WALK_PREFETCH_AHEAD);
            if let Some(entry) = slots[index].take() {
                grown.insert_unique(hasher.hash_one(entry.key()), entry);
            }
        }
        *self = grown;
    }

    /// Inserts an entry whose key is not present. The caller makes room
    /// first (`has_room`, else `grow`).
    pub fn insert_unique(&mut self, hash: u64, entry: E) -> &mut E {
        debug_assert!(self.len < self.slots.len(), "insert into a full segment");
        let tag = tag_of(hash);
        let (mut chunk, stride) = self.probe(hash);
        let mask = self.chunks.len() - 1;
        loop {
            if let Some(slot) = slots_of(self.chunks[chunk].empties()).next() {
                self.chunks[chunk].bytes[slot] = tag;
                self.len += 1;
                return self.slots[chunk * CHUNK_SLOTS + slot].insert(entry);
            }
            self.chunks[chunk].count_passing();
            chunk = (chunk + stride) & mask;
        }
    }

    pub fn remove(&mut self, hash: u64, key: &[u8]) -> Option<E> {
        let index = self.find(hash, key)?;
        Some(self.remove_at(index, hash))
    }

    /// Empties slot `index`, whose entry's hash is `hash`, and uncounts the
    /// entry in the chunks its insert passed.
    pub fn remove_at(&mut self, index: usize, hash: u64) -> E {
        let (mut chunk, stride) = self.probe(hash);
        let mask = self.chunks.len() - 1;
        let found = index / CHUNK_SLOTS;
        while chunk != found {
            self.chunks[chunk].uncount_passing();
            chunk = (chunk + stride) & mask;
        }
        self.chunks[found].bytes[index % CHUNK_SLOTS] = 0;
        self.len -= 1;
        match self.slots[index].take() {
            Some(entry) => entry,
            None => unreachable!("removing an empty slot"),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &E> + '_ {
        self.slots.iter().flatten()
    }

    /// Keeps the entries `keep` returns true for; `hasher` gives hashes.
    pub fn retain(&mut self, hasher: &RandomState, mut keep: impl FnMut(&E) -> bool) {
        for index in 0..self.slots.len() {
            prefetch_entry(&self.slots, index + WALK_PREFETCH_AHEAD);
            let Some(entry) = &self.slots[index] else {
                continue;
            };
            if !keep(entry) {
                let hash = hasher.hash_one(entry.key());
                self.remove_at(index, hash);
            }
        }
    }

    /// Moves the entries whose hash has `bit` set into a new segment of
    /// local depth `local_depth` (this one's is set to it too). Returns the
    /// new segment.
    pub fn split_off(&mut self, hasher: &RandomState, bit: u64, local_depth: u32) -> Segment<E> {
        let mut upper = Segment::with_chunks(self.chunks.len().max(1), local_depth);
        self.local_depth = local_depth;
        for index in 0..self.slots.len() {
            prefetch_entry(&self.slots, index + WALK_PREFETCH_AHEAD);
            let Some(entry) = &self.slots[index] else {
                continue;
            };
            let hash = hasher.hash_one(entry.key());
            if hash & bit != 0 {
                let entry = self.remove_at(index, hash);
                upper.insert_unique(hash, entry);
            }
        }
        upper
    }

    /// Bytes this segment allocated (chunks and slots, not what entries own).
    pub fn allocation_size(&self) -> usize {
        self.chunks.len() * mem::size_of::<Chunk>() + self.slots.len() * mem::size_of::<Option<E>>()
    }

    /// Prefetch, first step: the home chunk's tags.
    pub fn prefetch_tags(&self, hash: u64) {
        if !self.chunks.is_empty() {
            prefetch(&self.chunks[self.probe(hash).0]);
        }
    }

    /// Prefetch, second step: the home chunk's slots whose tag matches, or
    /// when none does, the slot an insert would take.
    pub fn prefetch_slots(&self, hash: u64) {
        if self.chunks.is_empty() {
            return;
        }
        let home = self.probe(hash).0;
        let chunk = &self.chunks[home];
        let mut matches = chunk.matches(tag_of(hash));
        if matches == 0 {
            matches = chunk.empties() & chunk.empties().wrapping_neg();
        }
        for slot in slots_of(matches) {
            prefetch_whole(&self.slots[home * CHUNK_SLOTS + slot]);
        }
    }

    /// Prefetch, third step: what the matching entries of the home chunk
    /// point to (their key, their value).
    pub fn prefetch_entries(&self, hash: u64) {
        if self.chunks.is_empty() {
            return;
        }
        let home = self.probe(hash).0;
        for slot in slots_of(self.chunks[home].matches(tag_of(hash))) {
            if let Some(entry) = &self.slots[home * CHUNK_SLOTS + slot] {
                entry.prefetch();
            }
        }
    }

    /// Checks the segment's own invariants. Panics on violation.
    pub fn verify(&self, hasher: &RandomState) {
        assert!(self.chunks.is_empty() || self.chunks.len().is_power_of_two());
        assert_eq!(self.slots.len(), self.chunks.len() * CHUNK_SLOTS);
        let mut passing = vec![0usize; self.chunks.len()];
        let mut len = 0;
        for (index, slot) in self.slots.iter().enumerate() {
            let tag = self.chunks[index / CHUNK_SLOTS].bytes[index % CHUNK_SLOTS];
            let Some(entry) = slot else {
                assert_eq!(tag, 0, "tag on an empty slot");
                continue;
            };
            len += 1;
            let hash = hasher.hash_one(entry.key());
            assert_eq!(tag, tag_of(hash), "wrong tag");
            let (mut chunk, stride) = self.probe(hash);
            let mask = self.chunks.len() - 1;
            while chunk != index / CHUNK_SLOTS {
                passing[chunk] += 1;
                chunk = (chunk + stride) & mask;
            }
        }
        assert_eq!(len, self.len, "len differs from the occupied slots");
        for (chunk, &count) in self.chunks.iter().zip(&passing) {
            let overflow = chunk.overflow();
            assert!(
                overflow == OVERFLOW_SATURATED || usize::from(overflow) == count,
                "overflow count {overflow}, {count} entries passing"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swar_matches_exactly_the_equal_tag_bytes() {
        let mut chunk = Chunk::default();
        chunk.bytes[..CHUNK_SLOTS]
            .copy_from_slice(&[1, 0, 0x80, 0xff, 1, 0x7f, 2, 0, 0, 1, 0, 0, 0, 1]);
        chunk.bytes[OVERFLOW_BYTE] = 1; // never reported as a slot
        let slots = |m| slots_of(m).collect::<Vec<_>>();
        assert_eq!(slots(chunk.matches(1)), vec![0, 4, 9, 13]);
        assert_eq!(slots(chunk.matches(0x80)), vec![2]);
        assert_eq!(slots(chunk.matches(0xff)), vec![3]);
        assert_eq!(slots(chunk.matches(0x7f)), vec![5]);
        assert_eq!(slots(chunk.matches(3)), Vec::<usize>::new());
        assert_eq!(slots(chunk.empties()), vec![1, 7, 8, 10, 11, 12]);
    }

    #[test]
    fn every_byte_value_is_found_at_every_position() {
        for value in 1..=255u8 {
            for position in 0..CHUNK_SLOTS {
                let mut chunk = Chunk::default();
                chunk.bytes[..CHUNK_SLOTS].fill(value.wrapping_add(1).max(1));
                chunk.bytes[position] = value;
                chunk.bytes[OVERFLOW_BYTE] = value;
                let found: Vec<usize> = slots_of(chunk.matches(value)).collect();
                let expected: Vec<usize> = if value.wrapping_add(1).max(1) == value {
                    (0..CHUNK_SLOTS).collect()
                } else {
                    vec![position]
                };
                assert_eq!(found, expected, "value {value} at {position}");
            }
        }
    }

    struct Key(Vec<u8>);

    impl TableEntry for Key {
        fn key(&self) -> &[u8] {
            &self.0
        }
    }

    #[test]
    fn overflow_chains_stay_exact_through_removals() {
        // 40 keys with one home chunk (hash low bits 0) in a 4-chunk
        // segment: three chunks overflow into each other.
        let mut segment = Segment::with_chunks(4, 0);
        let hash = |i: u64| (i << 8) | (i << 16);
        for i in 0..40u64 {
            segment.insert_unique(hash(i), Key(i.to_le_bytes().to_vec()));
        }
        assert!(segment.chunks[0].overflow() > 0);
        for i in (0..40u64).step_by(3) {
            let removed = segment.remove(hash(i), &i.to_le_bytes());
            assert!(removed.is_some(), "key {i} not found for removal");
        }
        for i in 0..40u64 {
            let found = segment.get(hash(i), &i.to_le_bytes()).is_some();
            assert_eq!(found, i % 3 != 0, "key {i}");
        }
        for i in (0..40u64).filter(|i| i % 3 != 0) {
            assert!(segment.remove(hash(i), &i.to_le_bytes()).is_some());
        }
        assert!(segment.is_empty());
        assert!(segment
            .chunks
            .iter()
            .all(|c| c.overflow() == 0 && c.empties() == TAGS_HIGH));
    }

    #[test]
    fn tags_are_never_zero() {
        assert_eq!(tag_of(0), 1);
        assert_eq!(tag_of(0xff00), 0xff);
        assert_eq!(tag_of(0x0100), 1);
    }
}
