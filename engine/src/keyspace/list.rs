//! The list type, as Redis 7.0's `quicklist` (the one list encoding 7.0
//! has): a deque of nodes, each node one packed buffer of elements.
//!
//! An element in a node is an *entry*: its length (LEB128), its bytes, and
//! the size of those two again written backwards (the "back length"), so a
//! node is walked from either end as Redis's listpack is. A node holds at
//! most what `list-max-listpack-size` (the list's *fill*, fixed when the
//! list is created, as in Redis) allows: -1 ..= -5 cap its bytes at 4 to 64
//! KiB, a positive fill caps its element count (and its bytes at 8 KiB);
//! one element too large for any node gets a node of its own.
//!
//! Push and pop at either end touch one end node: O(1) (a node is bounded,
//! so moving bytes inside it is too). Reaching index *i* walks the nodes
//! from the nearer end, skipping whole nodes by their counts, then the
//! entries of one node from its nearer end. Node splits (an insert or a
//! replacement that overfills a node) and merges (neighbours that fit in
//! one node after a removal) keep nodes full without ever moving more than
//! a few nodes' bytes.

use super::hash::{get_len, len_size};
use crate::limits::{LIST_NODE_COUNT_MAX, LIST_NODE_SIZES, LIST_NODE_SIZE_SAFETY};
use std::collections::VecDeque;

/// Bytes an element of `len` bytes takes in a node.
fn entry_size(len: usize) -> usize {
    let head = len_size(len) + len;
    head + len_size(head)
}

/// Writes `e` as an entry into `slot`, which is exactly
/// `entry_size(e.len())` bytes.
fn write_entry(slot: &mut [u8], e: &[u8]) {
    let mut at = 0;
    let mut n = e.len();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            slot[at] = byte;
            at += 1;
            break;
        }
        slot[at] = byte | 0x80;
        at += 1;
    }
    slot[at..at + e.len()].copy_from_slice(e);
    at += e.len();
    // The back length: its last byte holds the lowest 7 bits, and every
    // byte but the first has the high bit set, so a reader going backwards
    // knows when to stop.
    let head = at;
    let width = len_size(head);
    let mut n = head;
    for i in 0..width {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        slot[at + width - 1 - i] = if i + 1 < width { byte | 0x80 } else { byte };
    }
}

/// The element of the entry starting at `at`, and where the next entry
/// starts. Buffers are only written by [`write_entry`], so a malformed one
/// is a bug.
fn entry_at(buf: &[u8], at: usize) -> (&[u8], usize) {
    let mut p = at;
    let len = get_len(buf, &mut p);
    let data = &buf[p..p + len];
    let head = p + len - at;
    (data, p + len + len_size(head))
}

/// Where the entry that ends at `end` starts.
fn entry_start_before(buf: &[u8], end: usize) -> usize {
    let mut at = end;
    let mut head = 0usize;
    let mut shift = 0;
    loop {
        at -= 1;
        let byte = buf[at];
        head |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return at - head;
        }
        shift += 7;
    }
}

/// What one node may hold, from the list's fill.
#[derive(Clone, Copy, Debug)]
struct NodeLimit {
    bytes_max: usize,
    count_max: usize,
}

impl NodeLimit {
    /// Redis's `_quicklistNodeAllowInsert`: a negative fill is a size
    /// level, a positive one an element count under the safety size (and
    /// 0 lets no node hold two elements).
    fn of(fill: i16) -> NodeLimit {
        if fill < 0 {
            let level = usize::from(fill.unsigned_abs()).clamp(1, LIST_NODE_SIZES.len());
            NodeLimit {
                bytes_max: LIST_NODE_SIZES[level - 1],
                count_max: usize::MAX,
            }
        } else {
            NodeLimit {
                bytes_max: LIST_NODE_SIZE_SAFETY,
                count_max: usize::from(fill.unsigned_abs()),
            }
        }
    }

    fn fits(self, bytes: usize, count: usize) -> bool {
        bytes <= self.bytes_max && count <= self.count_max
    }
}

/// One node: `count` entries, packed.
#[derive(Debug, Clone, Default)]
struct Node {
    buf: Vec<u8>,
    count: u32,
}

impl Node {
    fn single(e: &[u8]) -> Node {
        let mut buf = vec![0; entry_size(e.len())];
        write_entry(&mut buf, e);
        Node { buf, count: 1 }
    }

    fn count(&self) -> usize {
        self.count as usize
    }

    /// The byte offset of entry `i` (< count), walked from the nearer end.
    fn offset_of(&self, i: usize) -> usize {
        if i <= self.count() / 2 {
            self.skip(0, i)
        } else {
            let mut at = self.buf.len();
            for _ in i..self.count() {
                at = entry_start_before(&self.buf, at);
            }
            at
        }
    }

    /// The offset `k` entries after the entry at `at`.
    fn skip(&self, mut at: usize, k: usize) -> usize {
        for _ in 0..k {
            at = entry_at(&self.buf, at).1;
        }
        at
    }

    /// Makes room for `extra` more bytes: at least an eighth more than now
    /// (so a growing node is copied O(1) times per byte, as a size-classed
    /// allocator would), but no more than the node may hold.
    fn reserve(&mut self, extra: usize, bytes_max: usize) {
        let need = self.buf.len() + extra;
        if need > self.buf.capacity() {
            let target = need
                .max(self.buf.len() + self.buf.len() / 8)
                .min(need.max(bytes_max));
            self.buf.reserve_exact(target - self.buf.len());
        }
    }

    /// Gives back capacity after a removal left much of it unused.
    fn shrink(&mut self) {
        if self.buf.capacity() > 2 * self.buf.len() + 64 {
            self.buf.shrink_to_fit();
        }
    }

    /// Inserts `e` as an entry at byte offset `at`.
    fn insert(&mut self, at: usize, e: &[u8], bytes_max: usize) {
        let size = entry_size(e.len());
        self.reserve(size, bytes_max);
        let old = self.buf.len();
        self.buf.resize(old + size, 0);
        self.buf.copy_within(at..old, at + size);
        write_entry(&mut self.buf[at..at + size], e);
        self.count += 1;
    }

    /// Replaces the entry at `at` with `e`.
    fn replace(&mut self, at: usize, e: &[u8], bytes_max: usize) {
        let end = entry_at(&self.buf, at).1;
        let (old_size, size) = (end - at, entry_size(e.len()));
        let len = self.buf.len();
        if size > old_size {
            self.reserve(size - old_size, bytes_max);
            self.buf.resize(len + size - old_size, 0);
            self.buf.copy_within(end..len, at + size);
        } else if size < old_size {
            self.buf.copy_within(end..len, at + size);
            self.buf.truncate(len - (old_size - size));
            self.shrink();
        }
        write_entry(&mut self.buf[at..at + size], e);
    }

    /// Removes the `k` entries in bytes `start..end`.
    fn remove(&mut self, start: usize, end: usize, k: usize) {
        self.buf.drain(start..end);
        self.count -= k as u32;
        self.shrink();
    }
}

/// A list. Invariant: no node is empty; each node's buffer holds exactly
/// `count` well-formed entries; a node of more than one element is within
/// the fill's limit; the counts sum to `len`.
#[derive(Debug, Clone)]
pub struct List {
    nodes: VecDeque<Node>,
    len: usize,
    /// `list-max-listpack-size` when the list was created, clamped to
    /// -5 ..= `LIST_NODE_COUNT_MAX` as Redis's `quicklistSetFill`.
    fill: i16,
}

/// What a list costs besides its nodes: the box `Value` holds.
const _: () = assert!(std::mem::size_of::<List>() == 48);

impl List {
    /// Bytes this list owns beyond its own 48 (MEMORY USAGE): the node
    /// ring, and the nodes' buffers sampled.
    pub fn heap_size(&self, samples: usize) -> usize {
        use super::memory;
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + memory::sampled(self.nodes.iter(), self.nodes.len(), samples, |n| {
                memory::of_vec(&n.buf)
            })
    }

    /// An empty list whose nodes follow `fill` (`list-max-listpack-size`).
    pub fn new(fill: i64) -> List {
        List {
            nodes: VecDeque::new(),
            len: 0,
            // Clamped into i16's range just here.
            fill: fill.clamp(-(LIST_NODE_SIZES.len() as i64), LIST_NODE_COUNT_MAX) as i16,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// OBJECT ENCODING's name: Redis 7.0 has no other list encoding.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    fn limit(&self) -> NodeLimit {
        NodeLimit::of(self.fill)
    }

    /// Whether node `n` has room for one more entry of `size` bytes.
    fn has_room(&self, n: usize, size: usize) -> bool {
        let node = &self.nodes[n];
        self.limit().fits(node.buf.len() + size, node.count() + 1)
    }

    /// Adds a node at `n`. A list's first node gets a deque of one slot, so
    /// a small list pays for one node only.
    fn insert_node(&mut self, n: usize, node: Node) {
        if self.nodes.capacity() == 0 {
            self.nodes.reserve_exact(1);
        }
        self.nodes.insert(n, node);
    }

    pub fn push_front(&mut self, e: &[u8]) {
        let limit = self.limit();
        if !self.nodes.is_empty() && self.has_room(0, entry_size(e.len())) {
            self.nodes[0].insert(0, e, limit.bytes_max);
        } else {
            self.insert_node(0, Node::single(e));
        }
        self.len += 1;
    }

    pub fn push_back(&mut self, e: &[u8]) {
        let limit = self.limit();
        let last = self.nodes.len().wrapping_sub(1);
        if !self.nodes.is_empty() && self.has_room(last, entry_size(e.len())) {
            let node = &mut self.nodes[last];
            node.insert(node.buf.len(), e, limit.bytes_max);
        } else {
            self.insert_node(self.nodes.len(), Node::single(e));
        }
        self.len += 1;
    }

    /// Node, index in the node and byte offset of element `index` (<
    /// len), walking from the nearer end.
    fn locate(&self, index: usize) -> (usize, usize, usize) {
        debug_assert!(index < self.len);
        if index < self.len / 2 {
            let mut i = index;
            for (n, node) in self.nodes.iter().enumerate() {
                if i < node.count() {
                    return (n, i, node.offset_of(i));
                }
                i -= node.count();
            }
        } else {
            let mut back = self.len - 1 - index;
            for (n, node) in self.nodes.iter().enumerate().rev() {
                if back < node.count() {
                    let i = node.count() - 1 - back;
                    return (n, i, node.offset_of(i));
                }
                back -= node.count();
            }
        }
        unreachable!("node counts sum to the list's length")
    }

    /// The element at `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&[u8]> {
        if index >= self.len {
            return None;
        }
        let (n, _, at) = self.locate(index);
        Some(entry_at(&self.nodes[n].buf, at).0)
    }

    /// Replaces the element at `index`; false if there is none.
    pub fn set(&mut self, index: usize, e: &[u8]) -> bool {
        if index >= self.len {
            return false;
        }
        let (n, _, at) = self.locate(index);
        let bytes_max = self.limit().bytes_max;
        self.nodes[n].replace(at, e, bytes_max);
        if !self.split_if_over(n) {
            self.merge_near(n);
        }
        true
    }

    /// Inserts `e` so that it becomes element `index` (<= len).
    pub fn insert(&mut self, index: usize, e: &[u8]) {
        if index == 0 {
            return self.push_front(e);
        }
        if index >= self.len {
            return self.push_back(e);
        }
        let (n, i, at) = self.locate(index);
        let bytes_max = self.limit().bytes_max;
        let size = entry_size(e.len());
        if i == 0 && n > 0 && self.has_room(n - 1, size) {
            // Before a node's first element: the end of the previous node
            // is the same place, and it has room.
            let prev = &mut self.nodes[n - 1];
            prev.insert(prev.buf.len(), e, bytes_max);
        } else {
            self.nodes[n].insert(at, e, bytes_max);
            self.split_if_over(n);
        }
        self.len += 1;
    }

    /// Splits node `n` if it holds more than its limit (after an insert or
    /// a longer replacement): its entries are packed greedily into as few
    /// nodes as fit. Returns whether it split.
    fn split_if_over(&mut self, n: usize) -> bool {
        let limit = self.limit();
        let node = &self.nodes[n];
        if node.count() <= 1 || limit.fits(node.buf.len(), node.count()) {
            return false;
        }
        let mut pieces: Vec<Node> = Vec::new();
        let (mut start, mut at, mut count) = (0, 0, 0);
        while at < node.buf.len() {
            let next = entry_at(&node.buf, at).1;
            if count > 0 && !limit.fits(next - start, count + 1) {
                pieces.push(Node {
                    buf: node.buf[start..at].to_vec(),
                    count: count as u32,
                });
                (start, count) = (at, 0);
            }
            count += 1;
            at = next;
        }
        pieces.push(Node {
            buf: node.buf[start..].to_vec(),
            count: count as u32,
        });
        let last = n + pieces.len() - 1;
        self.nodes.remove(n);
        for (k, piece) in pieces.into_iter().enumerate() {
            self.nodes.insert(n + k, piece);
        }
        // The last piece may be small: its next neighbour may take it.
        self.try_merge(last);
        true
    }

    /// Merges node `n + 1` into node `n` when both exist and fit in one.
    fn try_merge(&mut self, n: usize) -> bool {
        if n + 1 >= self.nodes.len() {
            return false;
        }
        let (a, b) = (&self.nodes[n], &self.nodes[n + 1]);
        if !self
            .limit()
            .fits(a.buf.len() + b.buf.len(), a.count() + b.count())
        {
            return false;
        }
        let Some(next) = self.nodes.remove(n + 1) else {
            return false;
        };
        let node = &mut self.nodes[n];
        node.buf.reserve_exact(next.buf.len());
        node.buf.extend_from_slice(&next.buf);
        node.count += next.count;
        true
    }

    /// After node `n` shrank: merges it with a neighbour it now fits with.
    fn merge_near(&mut self, n: usize) {
        self.try_merge(n);
        if n > 0 {
            self.try_merge(n - 1);
        }
    }

    /// Removes `count` elements from `start` (`start + count` <= len).
    /// Whole nodes in the range are dropped without being read.
    pub fn remove_range(&mut self, start: usize, count: usize) {
        if count == 0 {
            return;
        }
        debug_assert!(start + count <= self.len);
        let (mut n, i, at) = self.locate(start);
        let mut remaining = count;
        let node = &mut self.nodes[n];
        if i > 0 || remaining < node.count() {
            // The range starts or ends inside this node.
            let k = remaining.min(node.count() - i);
            let end = node.skip(at, k);
            node.remove(at, end, k);
            remaining -= k;
            n += 1;
        }
        let first_whole = n;
        while n < self.nodes.len() && remaining > 0 && self.nodes[n].count() <= remaining {
            remaining -= self.nodes[n].count();
            n += 1;
        }
        self.nodes.drain(first_whole..n);
        if remaining > 0 {
            let node = &mut self.nodes[first_whole];
            let end = node.skip(0, remaining);
            node.remove(0, end, remaining);
        }
        self.len -= count;
        if self.nodes.is_empty() {
            self.nodes = VecDeque::new();
        } else if first_whole > 0 {
            // The nodes on either side of the cut may fit in one now.
            self.merge_near(first_whole - 1);
        } else {
            self.try_merge(0);
        }
    }

    /// Removes the elements equal to `e` whose index is in `from..to`;
    /// returns how many. O(len) for the pass, plus one pass over the nodes
    /// merging those that fit together afterwards.
    fn remove_equal_in(&mut self, e: &[u8], from: usize, to: usize) -> usize {
        let mut removed = 0;
        let mut index = 0;
        for node in self.nodes.iter_mut() {
            let count = node.count();
            if index + count <= from || index >= to {
                index += count;
                continue;
            }
            let (mut read, mut write, mut kept) = (0, 0, 0u32);
            let mut i = index;
            while read < node.buf.len() {
                let (element, next) = entry_at(&node.buf, read);
                let drop = i >= from && i < to && element == e;
                if drop {
                    removed += 1;
                } else {
                    node.buf.copy_within(read..next, write);
                    write += next - read;
                    kept += 1;
                }
                read = next;
                i += 1;
            }
            node.buf.truncate(write);
            node.count = kept;
            node.shrink();
            index += count;
        }
        if removed > 0 {
            self.len -= removed;
            self.repack();
        }
        removed
    }

    /// Drops empty nodes and merges neighbours that fit in one node, in
    /// one pass.
    fn repack(&mut self) {
        let limit = self.limit();
        let old = std::mem::take(&mut self.nodes);
        let mut nodes: VecDeque<Node> = VecDeque::with_capacity(old.len());
        for node in old.into_iter().filter(|n| n.count > 0) {
            match nodes.back_mut() {
                Some(last)
                    if limit.fits(last.buf.len() + node.buf.len(), last.count() + node.count()) =>
                {
                    last.buf.reserve_exact(node.buf.len());
                    last.buf.extend_from_slice(&node.buf);
                    last.count += node.count;
                }
                _ => nodes.push_back(node),
            }
        }
        nodes.shrink_to_fit();
        self.nodes = nodes;
    }

    /// LREM: removes up to `limit` elements equal to `e` (all of them for
    /// 0), the first ones from the head, or from the tail with
    /// `from_tail`. Returns how many.
    pub fn remove_equal(&mut self, e: &[u8], limit: u64, from_tail: bool) -> usize {
        let (mut from, mut to) = (0, self.len);
        if limit > 0 {
            // The index of the limit-th match bounds the removal.
            let nth = usize::try_from(limit - 1).unwrap_or(usize::MAX);
            if from_tail {
                let hit = self
                    .iter()
                    .enumerate()
                    .rev()
                    .filter(|(_, x)| *x == e)
                    .nth(nth);
                if let Some((i, _)) = hit {
                    from = i;
                }
            } else {
                let hit = self.iter().enumerate().filter(|(_, x)| *x == e).nth(nth);
                if let Some((i, _)) = hit {
                    to = i + 1;
                }
            }
        }
        self.remove_equal_in(e, from, to)
    }

    /// The elements `start..end` (`start <= end <= len`), walked from the
    /// nearer end to `start` (and to `end` for reverse iteration).
    pub fn range(&self, start: usize, end: usize) -> Iter<'_> {
        debug_assert!(start <= end && end <= self.len);
        if start >= end {
            return Iter {
                nodes: &self.nodes,
                front: (0, 0),
                back: (0, 0),
                remaining: 0,
            };
        }
        let (fnode, _, fat) = self.locate(start);
        let (bnode, _, bat) = self.locate(end - 1);
        let bend = entry_at(&self.nodes[bnode].buf, bat).1;
        Iter {
            nodes: &self.nodes,
            front: (fnode, fat),
            back: (bnode, bend),
            remaining: end - start,
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        self.range(0, self.len)
    }

    /// Number of nodes (for tests and the architecture notes).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Checks the invariant; for tests and debug builds.
    pub fn verify_invariants(&self) {
        let limit = self.limit();
        let mut total = 0;
        for node in &self.nodes {
            assert!(node.count > 0, "empty node");
            let (mut at, mut count) = (0, 0);
            while at < node.buf.len() {
                let next = entry_at(&node.buf, at).1;
                assert_eq!(entry_start_before(&node.buf, next), at, "back length");
                at = next;
                count += 1;
            }
            assert_eq!(at, node.buf.len(), "entries end with the buffer");
            assert_eq!(count, node.count(), "node count");
            assert!(
                count == 1 || limit.fits(node.buf.len(), count),
                "node over its limit: {} bytes, {count} elements",
                node.buf.len()
            );
            total += count;
        }
        assert_eq!(total, self.len, "length");
    }
}

/// The elements of a range, from either end.
pub struct Iter<'a> {
    nodes: &'a VecDeque<Node>,
    /// Node and byte offset of the next element from the front.
    front: (usize, usize),
    /// Node and byte offset just past the next element from the back.
    back: (usize, usize),
    remaining: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.remaining == 0 {
            return None;
        }
        let (mut n, mut at) = self.front;
        if at >= self.nodes[n].buf.len() {
            (n, at) = (n + 1, 0);
        }
        let (e, next) = entry_at(&self.nodes[n].buf, at);
        self.front = (n, next);
        self.remaining -= 1;
        Some(e)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<'a> DoubleEndedIterator for Iter<'a> {
    fn next_back(&mut self) -> Option<&'a [u8]> {
        if self.remaining == 0 {
            return None;
        }
        let (mut n, mut end) = self.back;
        if end == 0 {
            n -= 1;
            end = self.nodes[n].buf.len();
        }
        let start = entry_start_before(&self.nodes[n].buf, end);
        self.back = (n, start);
        self.remaining -= 1;
        Some(entry_at(&self.nodes[n].buf, start).0)
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn elements(l: &List) -> Vec<Vec<u8>> {
        l.iter().map(<[u8]>::to_vec).collect()
    }

    #[test]
    fn entries_read_from_either_end() {
        for len in [0usize, 1, 126, 127, 128, 200, 16_383, 16_384, 70_000] {
            let e: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut buf = vec![0; entry_size(len)];
            write_entry(&mut buf, &e);
            let (got, next) = entry_at(&buf, 0);
            assert_eq!((got, next), (&e[..], buf.len()), "{len}");
            assert_eq!(entry_start_before(&buf, buf.len()), 0, "{len}");
        }
    }

    #[test]
    fn pushes_fill_nodes_up_to_the_size_limit() {
        let mut l = List::new(-1);
        for i in 0..1000 {
            l.push_back(format!("element-{i:05}").as_bytes());
        }
        l.verify_invariants();
        // 15 bytes an entry, 4 KiB a node: 273 entries fit.
        assert_eq!(l.node_count(), 1000usize.div_ceil(4096 / 15));
        for i in 0..1000 {
            l.push_front(format!("front-{i:05}").as_bytes());
        }
        l.verify_invariants();
        assert_eq!(l.len(), 2000);
        assert_eq!(l.get(0), Some(&b"front-00999"[..]));
        assert_eq!(l.get(1999), Some(&b"element-00999"[..]));
        assert_eq!(l.get(1000), Some(&b"element-00000"[..]));
        assert_eq!(l.get(2000), None);
        // A positive fill counts elements; 0 gives every element a node.
        let mut l = List::new(3);
        for i in 0..10 {
            l.push_back(&[i]);
        }
        assert_eq!(l.node_count(), 4);
        let mut l = List::new(0);
        for i in 0..10 {
            l.push_front(&[i]);
        }
        assert_eq!(l.node_count(), 10);
        l.verify_invariants();
    }

    #[test]
    fn an_element_larger_than_a_node_gets_its_own() {
        let mut l = List::new(-1);
        l.push_back(b"a");
        l.push_back(&[b'x'; 5000]);
        l.push_back(b"b");
        assert_eq!(l.node_count(), 3);
        l.verify_invariants();
        // Replacing a small element with a large one splits its node.
        let mut l = List::new(-1);
        for i in 0..10u8 {
            l.push_back(&[i]);
        }
        assert!(l.set(5, &[b'y'; 5000]));
        l.verify_invariants();
        assert_eq!(l.node_count(), 3);
        assert_eq!(l.get(5).map(<[u8]>::len), Some(5000));
        // And back: the nodes merge again.
        assert!(l.set(5, b"5"));
        l.verify_invariants();
        assert_eq!(l.node_count(), 1);
        assert!(!l.set(10, b"x"));
    }

    #[test]
    fn inserts_split_full_nodes_and_removals_merge_them() {
        let mut l = List::new(4);
        for i in 0..8u8 {
            l.push_back(&[b'0' + i]);
        }
        assert_eq!(l.node_count(), 2);
        l.insert(2, b"x");
        l.verify_invariants();
        assert_eq!(l.node_count(), 3);
        assert_eq!(
            elements(&l),
            ["0", "1", "x", "2", "3", "4", "5", "6", "7"]
                .map(|s| s.as_bytes().to_vec())
                .to_vec()
        );
        // Before a node's first element with room in the previous node.
        l.insert(4, b"y");
        l.verify_invariants();
        l.remove_range(1, 6);
        l.verify_invariants();
        assert_eq!(l.node_count(), 1);
        assert_eq!(
            elements(&l),
            ["0", "5", "6", "7"].map(|s| s.as_bytes().to_vec()).to_vec()
        );
        l.remove_range(0, 4);
        assert!(l.is_empty());
        assert_eq!(l.node_count(), 0);
        l.verify_invariants();
    }

    #[test]
    fn ranges_iterate_from_both_ends() {
        let mut l = List::new(2);
        for i in 0..9u8 {
            l.push_back(&[i]);
        }
        let fwd: Vec<u8> = l.range(2, 7).map(|e| e[0]).collect();
        assert_eq!(fwd, vec![2, 3, 4, 5, 6]);
        let back: Vec<u8> = l.range(2, 7).rev().map(|e| e[0]).collect();
        assert_eq!(back, vec![6, 5, 4, 3, 2]);
        let mut it = l.range(0, 9);
        assert_eq!(it.next(), Some(&[0u8][..]));
        assert_eq!(it.next_back(), Some(&[8u8][..]));
        assert_eq!(it.len(), 7);
        assert_eq!(l.range(4, 4).count(), 0);
    }

    #[test]
    fn remove_equal_counts_from_either_end() {
        let mut l = List::new(3);
        for e in ["a", "b", "a", "c", "a", "a", "b"] {
            l.push_back(e.as_bytes());
        }
        assert_eq!(l.remove_equal(b"a", 2, true), 2);
        assert_eq!(
            elements(&l),
            ["a", "b", "a", "c", "b"]
                .map(|s| s.as_bytes().to_vec())
                .to_vec()
        );
        assert_eq!(l.remove_equal(b"a", 1, false), 1);
        assert_eq!(l.remove_equal(b"zz", 0, false), 0);
        assert_eq!(l.remove_equal(b"b", 0, false), 2);
        assert_eq!(elements(&l), vec![b"a".to_vec(), b"c".to_vec()]);
        l.verify_invariants();
        assert_eq!(l.node_count(), 1);
    }

    /// The model's slice `start..start+count` removed.
    fn model_remove(m: &mut std::collections::VecDeque<Vec<u8>>, start: usize, count: usize) {
        m.drain(start..start + count);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

        /// Pushes, pops, inserts, sets, range removals, trims and LREMs
        /// match a VecDeque, at several fills, with elements from empty to
        /// larger than a node.
        #[test]
        fn matches_a_deque_model(
            fill in proptest::sample::select(vec![-1i64, -2, 0, 1, 3, 5]),
            ops in proptest::collection::vec(
                (0u8..9, 0usize..64, 0usize..8, proptest::sample::select(vec![0usize, 1, 2, 7, 130, 5000])),
                1..160,
            ),
        ) {
            let mut l = List::new(fill);
            let mut m: std::collections::VecDeque<Vec<u8>> = Default::default();
            for (op, a, b, size) in ops {
                let e: Vec<u8> = (0..size).map(|i| b'a' + ((i + a) % 3) as u8).collect();
                match op {
                    0 => { l.push_front(&e); m.push_front(e); }
                    1 => { l.push_back(&e); m.push_back(e); }
                    2 if !m.is_empty() => {
                        let n = b.min(m.len());
                        l.remove_range(0, n);
                        model_remove(&mut m, 0, n);
                    }
                    3 if !m.is_empty() => {
                        let n = b.min(m.len());
                        l.remove_range(m.len() - n, n);
                        let len = m.len();
                        model_remove(&mut m, len - n, n);
                    }
                    4 => {
                        let at = a % (m.len() + 1);
                        l.insert(at, &e);
                        m.insert(at, e);
                    }
                    5 if !m.is_empty() => {
                        let at = a % m.len();
                        proptest::prop_assert!(l.set(at, &e));
                        m[at] = e;
                    }
                    6 if !m.is_empty() => {
                        let start = a % m.len();
                        let n = b.min(m.len() - start);
                        l.remove_range(start, n);
                        model_remove(&mut m, start, n);
                    }
                    7 => {
                        let limit = (b % 3) as u64;
                        let from_tail = a % 2 == 0;
                        let removed = l.remove_equal(&e, limit, from_tail);
                        let mut expect = 0;
                        let mut keep: Vec<bool> = vec![true; m.len()];
                        let order: Vec<usize> = if from_tail { (0..m.len()).rev().collect() } else { (0..m.len()).collect() };
                        for i in order {
                            if m[i] == e && (limit == 0 || expect < limit as usize) {
                                keep[i] = false;
                                expect += 1;
                            }
                        }
                        let mut k = keep.iter();
                        m.retain(|_| *k.next().unwrap_or(&true));
                        proptest::prop_assert_eq!(removed, expect);
                    }
                    _ => {
                        if let Some(x) = m.get(a) {
                            proptest::prop_assert_eq!(l.get(a), Some(&x[..]));
                        } else {
                            proptest::prop_assert_eq!(l.get(a), None);
                        }
                    }
                }
                l.verify_invariants();
                proptest::prop_assert_eq!(l.len(), m.len());
            }
            let fwd: Vec<Vec<u8>> = l.iter().map(<[u8]>::to_vec).collect();
            proptest::prop_assert_eq!(&fwd, &m.iter().cloned().collect::<Vec<_>>());
            let mut back: Vec<Vec<u8>> = l.iter().rev().map(<[u8]>::to_vec).collect();
            back.reverse();
            proptest::prop_assert_eq!(fwd, back);
            for start in 0..=m.len() {
                let end = (start + 5).min(m.len());
                let got: Vec<&[u8]> = l.range(start, end).rev().collect();
                let want: Vec<&[u8]> = m.range(start..end).rev().map(|v| &v[..]).collect();
                proptest::prop_assert_eq!(got, want);
            }
        }
    }
}
