//! The key table of one database on one shard: extendible hashing, so it
//! grows one small segment at a time and never stalls the shard on a rehash.
//!
//! A directory of `2^global_depth` slots is indexed by the top bits of a key's
//! 64-bit hash; each slot names a segment, a small open-addressing table
//! (`segment.rs`).
//! A segment with `local_depth` d holds every key whose top d hash bits equal
//! its prefix, so it owns an aligned run of `2^(global_depth - d)` slots. When
//! an insert finds its segment full, only that segment is split by its next
//! hash bit (the directory doubles first if the segment already uses every
//! bit). A split moves at most [`SEGMENT_LEN_MAX`] entries, which bounds the
//! pause growth can cause, where a single hash map would rehash everything.
//!
//! Because segments are ranges of hash prefixes, the table is ordered by
//! *position* (the top 56 bits of the hash) at segment granularity. SCAN walks
//! positions in increasing order and its cursor is a position, which does not
//! change when segments split; this is what makes a walk see every key that
//! stays present, exactly once, however the table grows in between.

use std::mem;

use super::segment::{Segment, CHUNKS_MAX, CHUNK_LOAD_MAX};
use ahash::RandomState;

/// Most entries a segment holds before it is split: its largest size
/// ([`CHUNKS_MAX`] chunks) at its highest load. Below that a segment grows by
/// doubling its chunks, which moves at most this many entries too.
pub const SEGMENT_LEN_MAX: usize = CHUNKS_MAX * CHUNK_LOAD_MAX;

/// Bits of the hash that make up a SCAN position: the top 56, so a cursor
/// leaves its top 8 bits free for the caller and stays far below 2^63 for
/// clients that parse cursors as signed integers.
const POSITION_BITS: u32 = 56;

/// First value past the position space; cursors at or past it mean "end".
const POSITION_END: u64 = 1 << POSITION_BITS;

/// Deepest a segment may split. Past this, splitting would stop lining up
/// with positions; reaching it needs more than [`SEGMENT_LEN_MAX`] keys that
/// share 56 hash bits, which a keyed hash makes practically impossible. A
/// segment at this depth may exceed [`SEGMENT_LEN_MAX`] instead of splitting.
const DEPTH_MAX: u32 = POSITION_BITS;

/// Keys [`Table::prefetch`] takes through its three steps at a time: about
/// as many cache lines as a core can wait for at once, per step.
const PREFETCH_GROUP: usize = 16;

/// Attempts [`Table::random`] makes at picking a non-empty segment before it
/// walks the directory for one.
const RANDOM_TRIES_MAX: usize = 8;

/// Index of a segment in `Table::segments`.
type SegmentIndex = u32;

/// What [`Table::entry`] found.
pub enum Slot<'t, E: TableEntry> {
    Occupied(&'t mut E),
    Vacant(Vacant<'t, E>),
}

/// Room for one new entry, in the segment its key belongs to.
pub struct Vacant<'t, E: TableEntry> {
    table: &'t mut Table<E>,
    segment_index: usize,
    hash: u64,
}

impl<'t, E: TableEntry> Vacant<'t, E> {
    /// Inserts `entry`, whose key must be the one [`Table::entry`] was
    /// asked for, and returns it in its place.
    pub fn insert(self, entry: E) -> &'t mut E {
        debug_assert_eq!(self.table.hash_key(entry.key()), self.hash, "another key");
        self.table.len += 1;
        self.table.segments[self.segment_index].insert_unique(self.hash, entry)
    }
}

/// What the table stores: anything that can name its key.
pub trait TableEntry {
    /// The entry's key. It must not change while the entry is in a table.
    fn key(&self) -> &[u8];

    /// Hints the cache to load what the entry points to (its key and value
    /// bytes), for [`Table::prefetch`]. The default does nothing.
    fn prefetch(&self) {}
}

/// Invariant: the directory has 2^global_depth slots (none before the first
/// insert); each segment owns one aligned run of 2^(global_depth -
/// local_depth) slots and holds exactly the entries whose hash's top
/// local_depth bits name that run, at most [`SEGMENT_LEN_MAX`] of them, and
/// `len` is their total.
pub struct Table<E: TableEntry> {
    hasher: RandomState,
    /// Segment index per slot, indexed by the hash's top `global_depth` bits.
    directory: Vec<SegmentIndex>,
    segments: Vec<Segment<E>>,
    global_depth: u32,
    len: usize,
    /// Most entries any single split has moved (for the bounded-pause test).
    #[cfg(test)]
    split_moved_max: usize,
}

impl<E: TableEntry> Table<E> {
    /// An empty table; allocates nothing until the first insert. `hasher` is
    /// used for every key of this table.
    pub fn new(hasher: RandomState) -> Self {
        Table {
            hasher,
            directory: Vec::new(),
            segments: Vec::new(),
            global_depth: 0,
            len: 0,
            #[cfg(test)]
            split_moved_max: 0,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The 64-bit hash the table files `key` under.
    pub fn hash_key(&self, key: &[u8]) -> u64 {
        self.hasher.hash_one(key)
    }

    pub fn get(&self, key: &[u8]) -> Option<&E> {
        if self.directory.is_empty() {
            return None;
        }
        let hash = self.hash_key(key);
        self.segments[self.segment_index_of(hash)].get(hash, key)
    }

    /// The entry for `key`, mutably. The caller must not change its key.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut E> {
        if self.directory.is_empty() {
            return None;
        }
        let hash = self.hash_key(key);
        let segment_index = self.segment_index_of(hash);
        self.segments[segment_index].get_mut(hash, key)
    }

    /// The entry for `key`, mutably, unless `stale` says it must go: then it
    /// is removed and handed back as `Err`. One lookup either way.
    pub fn get_mut_unless(
        &mut self,
        key: &[u8],
        stale: impl FnOnce(&E) -> bool,
    ) -> Option<Result<&mut E, E>> {
        if self.directory.is_empty() {
            return None;
        }
        let hash = self.hash_key(key);
        let segment_index = self.segment_index_of(hash);
        let segment = &mut self.segments[segment_index];
        let index = segment.find(hash, key)?;
        if stale(segment.at_mut(index)?) {
            self.len -= 1;
            return Some(Err(segment.remove_at(index, hash)));
        }
        segment.at_mut(index).map(Ok)
    }

    /// Inserts, replacing (and returning) an entry with the same key.
    pub fn insert(&mut self, entry: E) -> Option<E> {
        match self.entry(entry.key()) {
            Slot::Occupied(existing) => Some(mem::replace(existing, entry)),
            Slot::Vacant(vacant) => {
                vacant.insert(entry);
                None
            }
        }
    }

    /// The entry for `key`, or the place to insert one, found with one
    /// lookup. Making the place may grow or split the key's segment first.
    pub fn entry(&mut self, key: &[u8]) -> Slot<'_, E> {
        let hash = self.hash_key(key);
        if self.directory.is_empty() {
            self.segments.push(Segment::new(0));
            self.directory.push(0);
        }
        loop {
            let segment_index = self.segment_index_of(hash);
            let Table {
                hasher, segments, ..
            } = self;
            let segment = &mut segments[segment_index];
            if let Some(index) = segment.find(hash, key) {
                return match self.segments[segment_index].at_mut(index) {
                    Some(existing) => Slot::Occupied(existing),
                    None => unreachable!("a found slot is occupied"),
                };
            }
            if !segment.has_room() {
                if segment.len() >= SEGMENT_LEN_MAX && segment.local_depth < DEPTH_MAX {
                    self.split(segment_index, hash);
                    continue;
                }
                segment.grow(hasher);
            }
            return Slot::Vacant(Vacant {
                table: self,
                segment_index,
                hash,
            });
        }
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<E> {
        if self.directory.is_empty() {
            return None;
        }
        let hash = self.hash_key(key);
        let segment_index = self.segment_index_of(hash);
        let removed = self.segments[segment_index].remove(hash, key)?;
        self.len -= 1;
        Some(removed)
    }

    /// Removes every entry and frees the table's own structures.
    pub fn clear(&mut self) {
        self.directory = Vec::new();
        self.segments = Vec::new();
        self.global_depth = 0;
        self.len = 0;
    }

    /// Entries in an unspecified order (for KEYS).
    pub fn iter(&self) -> impl Iterator<Item = &E> + '_ {
        self.segments.iter().flat_map(|segment| segment.iter())
    }

    /// Hints the cache to load what looking up `keys` will read: for each,
    /// its home chunk's tags, then the slots whose tag matches, then what
    /// those entries point to. Each step reads what the previous one
    /// loaded, so a batch of lookups waits for memory about once instead of
    /// three times per key. Changes nothing; a key not present costs a
    /// wasted hint.
    pub fn prefetch<'k>(&self, keys: impl IntoIterator<Item = &'k [u8]>) {
        if self.directory.is_empty() {
            return;
        }
        // Each key is hashed once; the steps run over groups of keys.
        let mut group = [(0usize, 0u64); PREFETCH_GROUP];
        let mut keys = keys.into_iter();
        loop {
            let mut len = 0;
            for (slot, key) in group.iter_mut().zip(keys.by_ref()) {
                let hash = self.hash_key(key);
                *slot = (self.segment_index_of(hash), hash);
                len += 1;
            }
            let group = &group[..len];
            for &(segment, hash) in group {
                self.segments[segment].prefetch_tags(hash);
            }
            for &(segment, hash) in group {
                self.segments[segment].prefetch_slots(hash);
            }
            for &(segment, hash) in group {
                self.segments[segment].prefetch_entries(hash);
            }
            if len < PREFETCH_GROUP {
                return;
            }
        }
    }

    /// SCAN: visits entries whose position (hash >> 8, a 56-bit value) is >=
    /// `cursor`, in increasing position order, stopping after at least `count`
    /// entries (a `count` of 0 counts as 1) have been visited and the next
    /// entry has a different position (so entries sharing a position are never
    /// split across calls), or at the end. Returns the next cursor: the
    /// position of the first entry not visited, or 0 when the walk is complete.
    ///
    /// Guarantee for a walk from cursor 0 back to 0, whatever inserts, removes
    /// and splits happen between calls: every entry present during the whole
    /// walk is visited, and no entry is ever visited twice, not even one that
    /// is removed and inserted again, because the calls cover disjoint,
    /// increasing position ranges and an entry's position never changes.
    ///
    /// Cost per call: the segments covering [cursor, next), sorting their
    /// in-range entries by position, and finding the least position in the
    /// first non-empty segment after them. Empty segments are skipped at O(1)
    /// each. `cursor` values >= 2^56 are treated as the end (return 0, visit
    /// nothing).
    pub fn scan(&self, cursor: u64, count: usize, mut visit: impl FnMut(&E)) -> u64 {
        if cursor >= POSITION_END || self.directory.is_empty() {
            return 0;
        }
        let count = count.max(1);
        let mut visited = 0;
        let mut slot = self.slot_of_position(cursor);
        let mut in_range: Vec<(u64, &E)> = Vec::new();
        while slot < self.directory.len() && visited < count {
            let segment = &self.segments[self.directory[slot] as usize];
            in_range.clear();
            in_range.extend(
                segment
                    .iter()
                    .map(|entry| (self.position_of(entry), entry))
                    .filter(|&(position, _)| position >= cursor),
            );
            in_range.sort_unstable_by_key(|&(position, _)| position);
            let mut last_position = None;
            for &(position, entry) in &in_range {
                if visited >= count && last_position != Some(position) {
                    return position;
                }
                visit(entry);
                visited += 1;
                last_position = Some(position);
            }
            // Entries sharing a position share a segment, so the next
            // segment never continues a run of equal positions.
            slot = self.slot_range_end(slot);
        }
        self.first_position_from(slot).unwrap_or(0)
    }

    /// Same walk as [`Table::scan`], but may remove: `decide` returns true to
    /// remove the entry (used by active expiry). Visits at most `budget`
    /// entries, except that entries sharing a position are never split across
    /// calls (so a call may exceed `budget` by a run of equal positions, which
    /// a 56-bit position makes practically never happen). Within a segment the
    /// visiting order is unspecified; across segments it is by position.
    /// Returns the next cursor (the position of the first entry not visited, 0
    /// when it reached the end) and how many entries were removed. A `budget`
    /// of 0 visits nothing and returns `cursor` unchanged. Same guarantee as
    /// `scan`: over a whole walk, every entry present throughout is visited
    /// exactly once.
    pub fn sweep(
        &mut self,
        cursor: u64,
        budget: usize,
        mut decide: impl FnMut(&E) -> bool,
    ) -> (u64, usize) {
        if cursor >= POSITION_END || self.directory.is_empty() {
            return (0, 0);
        }
        if budget == 0 {
            return (cursor, 0);
        }
        let mut visited = 0;
        let mut removed = 0;
        let mut slot = self.slot_of_position(cursor);
        let mut positions: Vec<u64> = Vec::new();
        let mut next_cursor = None;
        while slot < self.directory.len() && visited < budget {
            let segment_index = self.directory[slot] as usize;
            let Table {
                hasher, segments, ..
            } = self;
            let segment = &mut segments[segment_index];
            let position_of = |entry: &E| hasher.hash_one(entry.key()) >> (64 - POSITION_BITS);
            positions.clear();
            positions.extend(
                segment
                    .iter()
                    .map(position_of)
                    .filter(|&position| position >= cursor),
            );
            positions.sort_unstable();
            let take = take_without_splitting_runs(&positions, budget - visited);
            // Entries in [cursor, stop) are exactly the `take` least positions.
            let stop = positions.get(take).copied();
            let stop_or_max = stop.unwrap_or(u64::MAX);
            segment.retain(hasher, |entry| {
                let position = position_of(entry);
                if position < cursor || position >= stop_or_max || !decide(entry) {
                    return true;
                }
                removed += 1;
                false
            });
            visited += take;
            if stop.is_some() {
                next_cursor = stop;
                break;
            }
            slot = self.slot_range_end(slot);
        }
        self.len -= removed;
        let next_cursor = next_cursor.or_else(|| self.first_position_from(slot));
        (next_cursor.unwrap_or(0), removed)
    }

    /// A pseudo-random entry chosen using `seed` (for RANDOMKEY); None if
    /// empty. Picks a directory slot, then an entry of that slot's segment,
    /// so an entry's chance is about 1/len; retries a few slots if segments
    /// are empty, then walks the directory from the last one. Cost: one
    /// segment, plus O(1) per directory slot passed over.
    pub fn random(&self, seed: u64) -> Option<&E> {
        if self.len == 0 {
            return None;
        }
        let mut state = seed;
        let slot_mask = self.directory.len() - 1;
        let mut slot = 0;
        for _ in 0..RANDOM_TRIES_MAX {
            slot = (split_mix64(&mut state) as usize) & slot_mask;
            let segment = &self.segments[self.directory[slot] as usize];
            if !segment.is_empty() {
                return nth_entry(segment, split_mix64(&mut state));
            }
        }
        (0..self.directory.len())
            .map(|step| &self.segments[self.directory[(slot + step) & slot_mask] as usize])
            .find(|segment| !segment.is_empty())
            .and_then(|segment| nth_entry(segment, split_mix64(&mut state)))
    }

    /// Visits up to `count` entries from a pseudo-random place chosen using
    /// `seed`: a random entry of a random segment, the entries after it in
    /// that segment, then the next segments in directory order, as Redis's
    /// `dictGetSomeKeys` samples a run of buckets (for eviction). Cost:
    /// the segments passed, at most one lap of the directory.
    pub fn sample(&self, seed: u64, count: usize, mut visit: impl FnMut(&E)) {
        if self.len == 0 || count == 0 {
            return;
        }
        let mut state = seed;
        let slots = self.directory.len();
        let mut slot = (split_mix64(&mut state) as usize) & (slots - 1);
        let mut left = count.min(self.len);
        let mut start = Some(split_mix64(&mut state));
        let mut passed = 0;
        while left > 0 && passed < slots {
            let segment = &self.segments[self.directory[slot] as usize];
            let run_len = 1usize << (self.global_depth - segment.local_depth);
            let len = segment.len();
            if len > 0 {
                let skip = start.take().map_or(0, |r| (r % len as u64) as usize);
                let take = left.min(len);
                for e in segment
                    .iter()
                    .skip(skip)
                    .chain(segment.iter().take(skip))
                    .take(take)
                {
                    visit(e);
                }
                left -= take;
            }
            // The next segment starts after this one's aligned run.
            let next = (slot & !(run_len - 1)) + run_len;
            passed += next - slot;
            slot = next & (slots - 1);
        }
    }

    /// Checks the invariants (every entry sits in the segment its hash prefix
    /// names; local_depth <= global_depth; each segment's directory slots are
    /// one aligned, contiguous run; segment len <= SEGMENT_LEN_MAX; len()
    /// equals the sum). Panics on violation. O(len): for tests and debug
    /// builds after mutations.
    pub fn verify_invariants(&self) {
        if self.directory.is_empty() {
            assert!(self.segments.is_empty(), "segments without a directory");
            assert_eq!(self.global_depth, 0, "depth without a directory");
            assert_eq!(self.len, 0, "entries without a directory");
            return;
        }
        assert!(self.global_depth <= DEPTH_MAX, "global depth too large");
        assert_eq!(
            self.directory.len(),
            1usize << self.global_depth,
            "directory size is not 2^global_depth"
        );
        let mut run_start = vec![None; self.segments.len()];
        let mut slot = 0;
        while slot < self.directory.len() {
            let segment_index = self.directory[slot] as usize;
            assert!(segment_index < self.segments.len(), "dangling slot {slot}");
            let segment = &self.segments[segment_index];
            assert!(
                segment.local_depth <= self.global_depth,
                "segment {segment_index}: local depth exceeds global depth"
            );
            let run_len = 1usize << (self.global_depth - segment.local_depth);
            assert_eq!(slot % run_len, 0, "segment {segment_index}: misaligned run");
            assert!(
                self.directory[slot..slot + run_len]
                    .iter()
                    .all(|&index| index as usize == segment_index),
                "segment {segment_index}: run of slots is not contiguous"
            );
            assert!(
                run_start[segment_index].is_none(),
                "segment {segment_index}: owns two runs of slots"
            );
            run_start[segment_index] = Some(slot);
            slot += run_len;
        }
        let mut total = 0;
        for (segment_index, segment) in self.segments.iter().enumerate() {
            assert!(
                run_start[segment_index].is_some(),
                "segment {segment_index}: not in the directory"
            );
            segment.verify(&self.hasher);
            if segment.local_depth < DEPTH_MAX {
                assert!(
                    segment.len() <= SEGMENT_LEN_MAX,
                    "segment {segment_index}: too many entries"
                );
                assert!(
                    segment.chunk_count() <= CHUNKS_MAX,
                    "segment {segment_index}: grew past {CHUNKS_MAX} chunks"
                );
            }
            for entry in segment.iter() {
                let hash = self.hash_key(entry.key());
                assert_eq!(
                    self.segment_index_of(hash),
                    segment_index,
                    "entry in the wrong segment"
                );
                assert!(
                    self.get(entry.key())
                        .is_some_and(|found| std::ptr::eq(found, entry)),
                    "entry not found by its key, or key present twice"
                );
            }
            total += segment.len();
        }
        assert_eq!(total, self.len, "len() differs from the segments' total");
    }

    /// Bytes allocated by the table's own structures (directory and segment
    /// tables), not what the entries own.
    pub fn overhead_bytes(&self) -> usize {
        self.directory.capacity() * mem::size_of::<SegmentIndex>()
            + self.segments.capacity() * mem::size_of::<Segment<E>>()
            + self
                .segments
                .iter()
                .map(|segment| segment.allocation_size())
                .sum::<usize>()
    }

    /// Splits the full segment `segment_index` (which `hash` maps to) by its
    /// next hash bit, doubling the directory first if needed. Moves at most
    /// the segment's entries, never any other segment's.
    fn split(&mut self, segment_index: usize, hash: u64) {
        let local_depth = self.segments[segment_index].local_depth;
        debug_assert!(local_depth < DEPTH_MAX);
        if local_depth == self.global_depth {
            // Each slot becomes two adjacent slots naming the same segment.
            self.directory = self
                .directory
                .iter()
                .flat_map(|&index| [index, index])
                .collect();
            self.global_depth += 1;
        }
        let new_index = self.segments.len();
        let new_index_compact = SegmentIndex::try_from(new_index)
            .unwrap_or_else(|_| panic!("more than {} segments", SegmentIndex::MAX));
        let Table {
            hasher, segments, ..
        } = self;
        // Entries whose next bit (below the shared prefix) is 1 move out.
        let split_bit = 1u64 << (63 - local_depth);
        let upper = segments[segment_index].split_off(hasher, split_bit, local_depth + 1);
        #[cfg(test)]
        {
            self.split_moved_max = self.split_moved_max.max(upper.len());
        }
        segments.push(upper);
        // The old run of slots: its upper half now names the new segment.
        let run_len = 1usize << (self.global_depth - local_depth);
        let run_start = self.slot_of_hash(hash) & !(run_len - 1);
        self.directory[run_start + run_len / 2..run_start + run_len].fill(new_index_compact);
    }

    fn slot_of_hash(&self, hash: u64) -> usize {
        if self.global_depth == 0 {
            0
        } else {
            (hash >> (64 - self.global_depth)) as usize
        }
    }

    fn segment_index_of(&self, hash: u64) -> usize {
        self.directory[self.slot_of_hash(hash)] as usize
    }

    /// The slot whose run holds `position` (< 2^56; global depth <= 56).
    fn slot_of_position(&self, position: u64) -> usize {
        (position >> (POSITION_BITS - self.global_depth)) as usize
    }

    fn position_of(&self, entry: &E) -> u64 {
        self.hash_key(entry.key()) >> (64 - POSITION_BITS)
    }

    /// The slot just past the run of slots that contains `slot`.
    fn slot_range_end(&self, slot: usize) -> usize {
        let segment = &self.segments[self.directory[slot] as usize];
        let run_len = 1usize << (self.global_depth - segment.local_depth);
        (slot & !(run_len - 1)) + run_len
    }

    /// The least position in the first non-empty segment at or after `slot`.
    fn first_position_from(&self, mut slot: usize) -> Option<u64> {
        while slot < self.directory.len() {
            let segment = &self.segments[self.directory[slot] as usize];
            if let Some(position) = segment.iter().map(|entry| self.position_of(entry)).min() {
                return Some(position);
            }
            slot = self.slot_range_end(slot);
        }
        None
    }
}

/// How many of the sorted `positions` to take for a budget of `budget`,
/// extended so that a run of equal positions is never cut.
fn take_without_splitting_runs(positions: &[u64], budget: usize) -> usize {
    let mut take = positions.len().min(budget);
    while take > 0 && take < positions.len() && positions[take] == positions[take - 1] {
        take += 1;
    }
    take
}

/// The entry at a pseudo-random index of a non-empty segment.
fn nth_entry<E: TableEntry>(segment: &Segment<E>, random: u64) -> Option<&E> {
    let len = segment.len() as u64;
    if len == 0 {
        return None;
    }
    segment.iter().nth((random % len) as usize)
}

/// SplitMix64: a tiny, well-mixed generator for turning one seed into the
/// few random numbers `random` needs.
fn split_mix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{HashMap, HashSet};

    #[derive(Clone, Debug, PartialEq, Eq)]
    struct Entry {
        key: Vec<u8>,
        value: u64,
    }

    impl TableEntry for Entry {
        fn key(&self) -> &[u8] {
            &self.key
        }
    }

    fn entry(id: u64, value: u64) -> Entry {
        Entry {
            key: key(id),
            value,
        }
    }

    fn key(id: u64) -> Vec<u8> {
        format!("key:{id}").into_bytes()
    }

    fn table() -> Table<Entry> {
        Table::new(RandomState::with_seeds(1, 2, 3, 4))
    }

    fn table_with(ids: impl IntoIterator<Item = u64>) -> Table<Entry> {
        let mut table = table();
        for id in ids {
            assert!(table.insert(entry(id, id)).is_none());
        }
        table
    }

    /// Every key a complete walk visits, in order, with count `count`.
    fn full_scan(table: &Table<Entry>, count: usize) -> Vec<Vec<u8>> {
        let mut keys = Vec::new();
        let mut cursor = 0;
        loop {
            cursor = table.scan(cursor, count, |e| keys.push(e.key.clone()));
            if cursor == 0 {
                return keys;
            }
        }
    }

    #[test]
    fn empty_table_allocates_nothing() {
        let table = table();
        assert!(table.is_empty());
        assert_eq!(table.len(), 0);
        assert_eq!(table.overhead_bytes(), 0);
        assert!(table.get(b"x").is_none());
        assert!(table.random(7).is_none());
        assert_eq!(table.scan(0, 10, |_| panic!("visited")), 0);
        assert_eq!(table.iter().count(), 0);
        table.verify_invariants();
    }

    #[test]
    fn insert_get_replace_remove() {
        let mut table = table();
        assert!(table.insert(entry(1, 10)).is_none());
        assert!(table.insert(entry(2, 20)).is_none());
        assert_eq!(table.len(), 2);
        assert_eq!(table.get(&key(1)).map(|e| e.value), Some(10));
        assert_eq!(table.insert(entry(1, 11)).map(|e| e.value), Some(10));
        assert_eq!(table.len(), 2);
        if let Some(e) = table.get_mut(&key(2)) {
            e.value = 21;
        }
        assert_eq!(table.get(&key(2)).map(|e| e.value), Some(21));
        assert_eq!(table.remove(&key(1)).map(|e| e.value), Some(11));
        assert!(table.remove(&key(1)).is_none());
        assert!(table.get(&key(1)).is_none());
        assert_eq!(table.len(), 1);
        table.verify_invariants();
        assert!(table.overhead_bytes() > 0);
        table.clear();
        assert!(table.is_empty());
        assert_eq!(table.overhead_bytes(), 0);
        table.verify_invariants();
        assert!(table.insert(entry(3, 30)).is_none());
        table.verify_invariants();
    }

    #[test]
    fn growth_splits_one_segment_at_a_time() {
        let count = 200_000;
        let mut table = table();
        for id in 0..count {
            assert!(table.insert(entry(id, id)).is_none());
            if id % 20_000 == 0 {
                table.verify_invariants();
            }
        }
        table.verify_invariants();
        assert_eq!(table.len(), count as usize);
        assert!(
            table.segments.len() > 200,
            "{} segments",
            table.segments.len()
        );
        assert!(table.split_moved_max > 0);
        assert!(
            table.split_moved_max <= SEGMENT_LEN_MAX,
            "a split moved {} entries",
            table.split_moved_max
        );
        for id in 0..count {
            assert_eq!(table.get(&key(id)).map(|e| e.value), Some(id));
        }
        assert_eq!(table.iter().count(), count as usize);
        // Directory stays small next to the entries.
        assert!(table.directory.len() <= 4 * table.segments.len());
        let per_entry = table.overhead_bytes() / table.len();
        assert!(per_entry < 3 * mem::size_of::<Entry>(), "{per_entry} bytes");
    }

    #[test]
    fn scan_visits_everything_in_position_order() {
        let table = table_with(0..5_000);
        for count in [1, 7, 100, 10_000] {
            let keys = full_scan(&table, count);
            assert_eq!(keys.len(), 5_000, "count {count}");
            let positions: Vec<u64> = keys.iter().map(|k| table.hash_key(k) >> 8).collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn scan_returns_next_position_and_zero_at_end() {
        let table = table_with(0..3_000);
        let mut positions: Vec<u64> = (0..3_000).map(|id| table.hash_key(&key(id)) >> 8).collect();
        positions.sort_unstable();
        let mut seen = 0;
        let next = table.scan(0, 10, |_| seen += 1);
        assert_eq!(seen, 10);
        assert_eq!(next, positions[10]);
        // Starting exactly at a position includes it.
        let mut first = None;
        table.scan(positions[10], 1, |e| {
            first = Some(table.hash_key(&e.key) >> 8)
        });
        assert_eq!(first, Some(positions[10]));
        // The last entry's call ends the walk.
        let last = positions[2_999];
        let mut seen = 0;
        assert_eq!(table.scan(last, 10, |_| seen += 1), 0);
        assert_eq!(seen, 1);
        assert_eq!(table.scan(last + 1, 10, |_| panic!("visited")), 0);
        // Cursors past the position space end the walk.
        assert_eq!(table.scan(POSITION_END, 10, |_| panic!("visited")), 0);
        assert_eq!(table.scan(u64::MAX, 10, |_| panic!("visited")), 0);
        // A count of 0 still makes progress.
        let mut seen = 0;
        assert_eq!(table.scan(0, 0, |_| seen += 1), positions[1]);
        assert_eq!(seen, 1);
    }

    #[test]
    fn scan_skips_empty_segments() {
        let mut table = table_with(0..10_000);
        for id in 0..10_000 {
            if id % 1_000 != 0 {
                table.remove(&key(id));
            }
        }
        table.verify_invariants();
        assert_eq!(full_scan(&table, 1).len(), 10);
        assert_eq!(full_scan(&table, 3).len(), 10);
    }

    #[test]
    fn runs_of_equal_positions_are_not_cut() {
        assert_eq!(take_without_splitting_runs(&[], 3), 0);
        assert_eq!(take_without_splitting_runs(&[1, 2, 3], 0), 0);
        assert_eq!(take_without_splitting_runs(&[1, 2, 3], 2), 2);
        assert_eq!(take_without_splitting_runs(&[1, 2, 2, 3], 2), 3);
        assert_eq!(take_without_splitting_runs(&[1, 1, 1, 1], 1), 4);
        assert_eq!(take_without_splitting_runs(&[1, 2], 5), 2);
    }

    #[test]
    fn sweep_removes_what_decide_picks() {
        let mut table = table_with(0..4_000);
        let mut cursor = 0;
        let mut visited = HashSet::new();
        let mut removed_total = 0;
        loop {
            let (next, removed) = table.sweep(cursor, 37, |e| {
                assert!(visited.insert(e.key.clone()), "visited twice");
                e.value % 3 == 0
            });
            removed_total += removed;
            table.verify_invariants();
            if next == 0 {
                break;
            }
            assert!(next > cursor);
            cursor = next;
        }
        assert_eq!(visited.len(), 4_000);
        assert_eq!(removed_total, (0..4_000).filter(|v| v % 3 == 0).count());
        assert_eq!(table.len(), 4_000 - removed_total);
        assert!(table.iter().all(|e| e.value % 3 != 0));
        // Budget 0 does nothing; a cursor past the end visits nothing.
        assert_eq!(table.sweep(5, 0, |_| panic!("visited")), (5, 0));
        assert_eq!(table.sweep(u64::MAX, 9, |_| panic!("visited")), (0, 0));
    }

    #[test]
    fn sweep_budget_bounds_visits() {
        let mut table = table_with(0..2_000);
        let mut seen = 0;
        let (next, removed) = table.sweep(0, 25, |_| {
            seen += 1;
            true
        });
        assert_eq!(seen, 25);
        assert_eq!(removed, 25);
        assert_ne!(next, 0);
        assert_eq!(table.len(), 1_975);
        // Everything visited lay below the returned cursor.
        assert!(table.iter().all(|e| table.hash_key(&e.key) >> 8 >= next));
        table.verify_invariants();
    }

    #[test]
    fn random_finds_entries_even_among_empty_segments() {
        let mut table = table_with(0..20_000);
        let mut picked = HashSet::new();
        for seed in 0..2_000 {
            let entry = table.random(seed).map(|e| e.value);
            assert!(entry.is_some());
            picked.extend(entry);
        }
        assert!(picked.len() > 1_500, "only {} distinct", picked.len());
        for id in 1..20_000 {
            table.remove(&key(id));
        }
        for seed in 0..100 {
            assert_eq!(table.random(seed).map(|e| e.value), Some(0));
        }
        table.remove(&key(0));
        assert!(table.random(1).is_none());
    }

    #[test]
    fn samples_are_distinct_runs_from_random_places() {
        let mut table = table_with(0..20_000);
        let mut seen = HashSet::new();
        for seed in 0..400 {
            let mut run = Vec::new();
            table.sample(seed, 5, |e| run.push(e.value));
            assert_eq!(run.len(), 5);
            let distinct: HashSet<u64> = run.iter().copied().collect();
            assert_eq!(distinct.len(), 5, "{run:?}");
            seen.extend(run);
        }
        // Runs start all over the table.
        assert!(seen.len() > 1_500, "only {} distinct", seen.len());
        // Asking for more than there is visits each entry once.
        for id in 10..20_000 {
            table.remove(&key(id));
        }
        let mut all = Vec::new();
        table.sample(7, 100, |e| all.push(e.value));
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        table.sample(7, 0, |_| panic!("visited with a count of 0"));
        table_with(0..0).sample(7, 5, |_| panic!("visited an empty table"));
    }

    #[test]
    fn small_table_random_covers_all() {
        let table = table_with(0..5);
        let picked: HashSet<u64> = (0..200)
            .filter_map(|seed| table.random(seed).map(|e| e.value))
            .collect();
        assert_eq!(picked.len(), 5);
    }

    #[test]
    fn churn_keeps_segments_within_their_chunk_limit() {
        let mut table = table();
        let mut next_id = 0;
        for round in 0..200 {
            for _ in 0..300 {
                table.insert(entry(next_id, next_id));
                next_id += 1;
            }
            for id in next_id - 300..next_id {
                if id % 4 != round % 4 {
                    table.remove(&key(id));
                }
            }
        }
        table.verify_invariants();
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u16, u64),
        InsertRange(u16, u16),
        Remove(u16),
        RemoveRange(u16, u16),
        Get(u16),
        Sweep(u64, usize, u64),
        Clear,
    }

    fn op_strategy() -> impl Strategy<Value = Op> {
        prop_oneof![
            20 => (0..4_000u16, any::<u64>()).prop_map(|(k, v)| Op::Insert(k, v)),
            4 => (0..4_000u16, 0..1_500u16).prop_map(|(k, n)| Op::InsertRange(k, n)),
            10 => (0..4_000u16).prop_map(Op::Remove),
            2 => (0..4_000u16, 0..1_000u16).prop_map(|(k, n)| Op::RemoveRange(k, n)),
            10 => (0..4_000u16).prop_map(Op::Get),
            2 => (any::<u64>(), 0..300usize, 1..5u64).prop_map(|(c, b, m)| Op::Sweep(c >> 8, b, m)),
            1 => Just(Op::Clear),
        ]
    }

    /// A walk step: scan (or sweep) with this count, then apply these
    /// mutations (inserts of fresh or old keys, removals).
    #[derive(Clone, Debug)]
    struct WalkStep {
        count: usize,
        inserts: u16,
        removes: Vec<u16>,
    }

    fn walk_strategy() -> impl Strategy<Value = (u16, Vec<WalkStep>)> {
        let step = (
            1..200usize,
            0..600u16,
            proptest::collection::vec(0..6_000u16, 0..80),
        )
            .prop_map(|(count, inserts, removes)| WalkStep {
                count,
                inserts,
                removes,
            });
        (0..3_000u16, proptest::collection::vec(step, 1..60))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn matches_hash_map_model(ops in proptest::collection::vec(op_strategy(), 1..300)) {
            let mut table = table();
            let mut model: HashMap<Vec<u8>, u64> = HashMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        let old = table.insert(entry(u64::from(k), v)).map(|e| e.value);
                        prop_assert_eq!(old, model.insert(key(u64::from(k)), v));
                    }
                    Op::InsertRange(start, n) => {
                        for k in u64::from(start)..u64::from(start) + u64::from(n) {
                            let old = table.insert(entry(k, k)).map(|e| e.value);
                            prop_assert_eq!(old, model.insert(key(k), k));
                        }
                    }
                    Op::Remove(k) => {
                        let old = table.remove(&key(u64::from(k))).map(|e| e.value);
                        prop_assert_eq!(old, model.remove(&key(u64::from(k))));
                    }
                    Op::RemoveRange(start, n) => {
                        for k in u64::from(start)..u64::from(start) + u64::from(n) {
                            let old = table.remove(&key(k)).map(|e| e.value);
                            prop_assert_eq!(old, model.remove(&key(k)));
                        }
                    }
                    Op::Get(k) => {
                        let found = table.get(&key(u64::from(k))).map(|e| e.value);
                        prop_assert_eq!(found, model.get(&key(u64::from(k))).copied());
                    }
                    Op::Sweep(cursor, budget, modulus) => {
                        let (_, removed) = table.sweep(cursor, budget, |e| e.value % modulus == 0);
                        let before = model.len();
                        let hasher = RandomState::with_seeds(1, 2, 3, 4);
                        let mut vanished = 0;
                        // The model cannot know the budget cut, so check
                        // against what the table kept instead.
                        model.retain(|k, v| {
                            let position = hasher.hash_one(k.as_slice()) >> 8;
                            if position < cursor || table.get(k).is_some() {
                                return true;
                            }
                            vanished += 1;
                            *v % modulus != 0
                        });
                        prop_assert_eq!(before - model.len(), removed);
                        prop_assert_eq!(vanished, removed);
                    }
                    Op::Clear => {
                        table.clear();
                        model.clear();
                    }
                }
                prop_assert_eq!(table.len(), model.len());
                table.verify_invariants();
            }
            let mut from_table: Vec<(Vec<u8>, u64)> =
                table.iter().map(|e| (e.key.clone(), e.value)).collect();
            let mut from_model: Vec<(Vec<u8>, u64)> = model.into_iter().collect();
            from_table.sort();
            from_model.sort();
            prop_assert_eq!(from_table, from_model);
        }

        #[test]
        fn scan_under_growth_visits_stable_entries_exactly_once(
            (initial, steps) in walk_strategy(),
        ) {
            let mut table = table_with(0..u64::from(initial));
            let mut next_id = u64::from(initial);
            let mut stable: HashSet<Vec<u8>> = table.iter().map(|e| e.key.clone()).collect();
            let mut visits: HashMap<Vec<u8>, usize> = HashMap::new();
            let mut cursor = 0;
            let mut last_position = None;
            // The steps mutate between calls; then the walk runs to its end.
            let finish = WalkStep { count: 100, inserts: 0, removes: Vec::new() };
            for step in steps.iter().chain(std::iter::repeat(&finish)) {
                cursor = table.scan(cursor, step.count, |e| {
                    *visits.entry(e.key.clone()).or_default() += 1;
                    let position = table.hash_key(&e.key) >> 8;
                    assert!(last_position < Some(position), "position order");
                    last_position = Some(position);
                });
                if cursor == 0 {
                    break;
                }
                for _ in 0..step.inserts {
                    table.insert(entry(next_id, next_id));
                    next_id += 1;
                }
                for &k in &step.removes {
                    // Removes old and new keys; re-inserting some of them
                    // keeps them out of `stable` but must not double-visit.
                    let k = u64::from(k) * 7 % (next_id + 1);
                    if table.remove(&key(k)).is_some() {
                        stable.remove(&key(k));
                        if k % 2 == 0 {
                            table.insert(entry(k, k));
                        }
                    }
                }
            }
            table.verify_invariants();
            for k in &stable {
                prop_assert_eq!(visits.get(k).copied(), Some(1));
            }
            prop_assert!(visits.values().all(|&n| n == 1));
        }

        #[test]
        fn sweep_under_growth_visits_stable_entries_exactly_once(
            (initial, steps) in walk_strategy(),
        ) {
            let mut table = table_with(0..u64::from(initial));
            let mut next_id = u64::from(initial);
            let mut stable: HashSet<Vec<u8>> = table.iter().map(|e| e.key.clone()).collect();
            let mut visits: HashMap<Vec<u8>, usize> = HashMap::new();
            let mut cursor = 0;
            let finish = WalkStep { count: 100, inserts: 0, removes: Vec::new() };
            for step in steps.iter().chain(std::iter::repeat(&finish)) {
                let (next, removed) = table.sweep(cursor, step.count, |e| {
                    *visits.entry(e.key.clone()).or_default() += 1;
                    e.value % 5 == 0
                });
                prop_assert!(removed <= step.count);
                cursor = next;
                if cursor == 0 {
                    break;
                }
                for _ in 0..step.inserts {
                    table.insert(entry(next_id, next_id));
                    next_id += 1;
                }
                for &k in &step.removes {
                    let k = u64::from(k) * 7 % (next_id + 1);
                    if table.remove(&key(k)).is_some() {
                        stable.remove(&key(k));
                        if k % 2 == 0 {
                            table.insert(entry(k, k));
                        }
                    }
                }
                if step.inserts > 0 {
                    table.verify_invariants();
                }
            }
            table.verify_invariants();
            for k in &stable {
                prop_assert_eq!(visits.get(k).copied(), Some(1));
                let id: u64 = String::from_utf8_lossy(&k[4..]).parse().unwrap_or(1);
                prop_assert_eq!(table.get(k).is_some(), !id.is_multiple_of(5));
            }
            prop_assert!(visits.values().all(|&n| n == 1));
        }
    }
}
