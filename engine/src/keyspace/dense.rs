//! The large form of hashes and sets (Redis's `hashtable` encoding): the
//! items in one dense vector, and a hash index (hashbrown's `HashTable`)
//! that holds each item's position in it.
//!
//! Why dense rather than a plain hash map: random picks (SPOP, SRANDMEMBER,
//! HRANDFIELD) are a uniform index into the vector, O(1) each, where a hash
//! map would need a walk over empty buckets (Redis's
//! `dictGetFairRandomKey`, which is only approximately fair); and a removal
//! moves the last item into the hole (`swap_remove`), so positions stay
//! dense at O(1) per removal.
//!
//! Scanning (HSCAN, SSCAN) walks positions from the end down: the cursor is
//! the number of positions not yet visited. A removal only ever moves the
//! last item to a lower position, and inserts append at the end, so an item
//! present for the whole walk never moves from the unvisited range
//! `[0, cursor)` into the visited one: it is returned at least once, as
//! Redis guarantees. (An item may be returned twice when a removal moves an
//! already visited one down; Redis allows that too.)

use ahash::RandomState;
use hashbrown::HashTable;
use std::sync::OnceLock;

/// Positions are `u32`s in the index, to keep it at about 5 bytes a slot.
pub const DENSE_LEN_MAX: usize = u32::MAX as usize;

/// An item of a [`DenseTable`]: anything that names its key.
pub trait DenseItem {
    fn key(&self) -> &[u8];
}

impl DenseItem for Box<[u8]> {
    fn key(&self) -> &[u8] {
        self
    }
}

/// The one hasher of every dense table in the process: keyed at random when
/// first used (so clients cannot aim for collisions), and stored once
/// rather than in each of the tables.
fn hasher() -> &'static RandomState {
    static HASHER: OnceLock<RandomState> = OnceLock::new();
    HASHER.get_or_init(RandomState::new)
}

/// The process-wide keyed hash of `key` (also the sorted set's index and
/// skip-list levels use it).
pub(crate) fn hash_of(key: &[u8]) -> u64 {
    hasher().hash_one(key)
}

/// The table already holds [`DENSE_LEN_MAX`] items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

/// Invariant: `index` holds exactly the positions `0..items.len()`, each
/// filed under the hash of the key of the item at that position, and no
/// two items share a key.
#[derive(Debug, Default, Clone)]
pub struct DenseTable<T: DenseItem> {
    items: Vec<T>,
    index: HashTable<u32>,
}

impl<T: DenseItem> DenseTable<T> {
    /// Bytes this table owns (items array and index), with the items' own
    /// allocations, `item_size` of each, sampled (see `memory::sampled`).
    pub fn heap_size(&self, samples: usize, item_size: impl Fn(&T) -> usize) -> usize {
        super::memory::of_vec(&self.items)
            + self.index.allocation_size()
            + super::memory::sampled(self.items.iter(), self.items.len(), samples, item_size)
    }

    /// An empty table with room for `capacity` items (callers size it from
    /// items they already hold, never from a client's number).
    pub fn with_capacity(capacity: usize) -> Self {
        DenseTable {
            items: Vec::with_capacity(capacity),
            index: HashTable::with_capacity(capacity),
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items, in position order.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The item at `position`, if there is one.
    pub fn at(&self, position: usize) -> Option<&T> {
        self.items.get(position)
    }

    /// The position of the item whose key is `key`.
    pub fn position(&self, key: &[u8]) -> Option<usize> {
        let items = &self.items;
        self.index
            .find(hash_of(key), |&p| items[p as usize].key() == key)
            .map(|&p| p as usize)
    }

    pub fn get(&self, key: &[u8]) -> Option<&T> {
        self.position(key).map(|p| &self.items[p])
    }

    /// The item for `key`, mutably. The caller must not change its key.
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut T> {
        let p = self.position(key)?;
        self.items.get_mut(p)
    }

    pub fn contains(&self, key: &[u8]) -> bool {
        self.position(key).is_some()
    }

    /// Adds `item`, whose key must not be in the table yet.
    pub fn insert_new(&mut self, item: T) -> Result<(), Full> {
        if self.items.len() >= DENSE_LEN_MAX {
            return Err(Full);
        }
        debug_assert!(!self.contains(item.key()), "key already present");
        let position = self.items.len() as u32;
        let hash = hash_of(item.key());
        self.items.push(item);
        let items = &self.items;
        self.index
            .insert_unique(hash, position, |&p| hash_of(items[p as usize].key()));
        Ok(())
    }

    /// Removes the item for `key` and returns it.
    pub fn remove(&mut self, key: &[u8]) -> Option<T> {
        let p = self.position(key)?;
        Some(self.remove_at(p))
    }

    /// Removes the item at `position` (which must exist) and returns it; the
    /// last item takes its place.
    pub fn remove_at(&mut self, position: usize) -> T {
        let items = &self.items;
        let hash = hash_of(items[position].key());
        if let Ok(found) = self.index.find_entry(hash, |&p| p as usize == position) {
            found.remove();
        }
        let last = self.items.len() - 1;
        if position != last {
            let moved_hash = hash_of(self.items[last].key());
            if let Some(slot) = self.index.find_mut(moved_hash, |&p| p as usize == last) {
                *slot = position as u32;
            }
        }
        let item = self.items.swap_remove(position);
        self.shrink_if_sparse();
        item
    }

    /// Gives memory back once the table is down to a quarter of its room
    /// (Redis's dicts shrink when under 10% full).
    fn shrink_if_sparse(&mut self) {
        let len = self.items.len();
        if self.items.capacity() > 16 && len * 4 < self.items.capacity() {
            self.items.shrink_to(len * 2);
            let items = &self.items;
            self.index
                .shrink_to(len * 2, |&p| hash_of(items[p as usize].key()));
        }
    }

    /// One step of a scan (see the module doc): visits up to `count` (at
    /// least one) items below `cursor` (0 starts a walk), from the highest
    /// position down, and returns the next cursor, 0 when the walk is done.
    pub fn scan<'a>(&'a self, cursor: u64, count: usize, mut visit: impl FnMut(&'a T)) -> u64 {
        let len = self.items.len();
        let end = match cursor {
            0 => len,
            c => usize::try_from(c).map_or(len, |c| c.min(len)),
        };
        let start = end.saturating_sub(count.max(1));
        for item in self.items[start..end].iter().rev() {
            visit(item);
        }
        start as u64
    }

    /// Checks the invariant; for tests and debug builds. O(len).
    pub fn verify_invariants(&self) {
        assert_eq!(self.index.len(), self.items.len(), "index size");
        for (p, item) in self.items.iter().enumerate() {
            assert_eq!(self.position(item.key()), Some(p), "position of an item");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn key(i: u32) -> Box<[u8]> {
        format!("m{i}").into_bytes().into_boxed_slice()
    }

    #[test]
    fn insert_find_remove_keep_positions_dense() {
        let mut t: DenseTable<Box<[u8]>> = DenseTable::default();
        for i in 0..1000 {
            t.insert_new(key(i)).unwrap();
        }
        t.verify_invariants();
        for i in (0..1000).step_by(3) {
            assert_eq!(t.remove(&key(i)), Some(key(i)));
        }
        assert!(t.remove(&key(0)).is_none());
        t.verify_invariants();
        assert_eq!(t.len(), 1000 - 334);
        for i in 0..1000 {
            assert_eq!(t.contains(&key(i)), i % 3 != 0);
        }
        while !t.is_empty() {
            t.remove_at(0);
        }
        t.verify_invariants();
        assert!(t.items.capacity() <= 32);
    }

    #[test]
    fn scan_returns_items_present_throughout_despite_removals_and_inserts() {
        let mut t: DenseTable<Box<[u8]>> = DenseTable::default();
        for i in 0..500 {
            t.insert_new(key(i)).unwrap();
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut next_new = 500;
        let mut removed = HashSet::new();
        loop {
            cursor = t.scan(cursor, 7, |k| {
                seen.insert(k.clone());
            });
            if cursor == 0 {
                break;
            }
            // Remove some items (low and high positions), add new ones.
            for p in [0usize, 3, t.len() - 1] {
                if p < t.len() {
                    let k = t.remove_at(p);
                    removed.insert(k);
                }
            }
            for _ in 0..2 {
                t.insert_new(key(next_new)).unwrap();
                next_new += 1;
            }
        }
        t.verify_invariants();
        for i in 0..500 {
            let k = key(i);
            if !removed.contains(&k) {
                assert!(seen.contains(&k), "m{i} missed");
            }
        }
    }

    #[test]
    fn scan_cursor_past_the_end_is_clamped() {
        let mut t: DenseTable<Box<[u8]>> = DenseTable::default();
        for i in 0..10 {
            t.insert_new(key(i)).unwrap();
        }
        let mut n = 0;
        assert_eq!(t.scan(u64::MAX, 100, |_| n += 1), 0);
        assert_eq!(n, 10);
        assert_eq!(t.scan(0, 4, |_| {}), 6);
        assert_eq!(t.scan(6, 0, |_| {}), 5);
    }
}
