//! The large form of a sorted set (Redis's `skiplist` encoding): a skip list
//! with spans, for order and rank, and a hash index from member to node, for
//! scores.
//!
//! Why a skip list with spans rather than an order-statistic B-tree: it is
//! Redis's own structure, so every rank, range and removal has exactly
//! Redis's complexity (O(log n) expected to find a rank or a score bound,
//! then O(1) per element walked in either direction), and its algorithms
//! are short and well understood. A B-tree would pack elements more densely
//! but needs splits, merges and count maintenance for the same bounds.
//!
//! Nodes live in one dense vector and link to each other by position (`u32`),
//! not by pointer, which halves the links' size and needs no `unsafe`. A
//! removal moves the last node into the hole, as [`DenseTable`] does, so
//! positions stay dense: a random element (ZRANDMEMBER) is a uniform index,
//! O(1), and ZSCAN walks positions with DenseTable's guarantee (an element
//! present for the whole walk is returned).
//!
//! A node's height comes from bits of its member's keyed hash (the process-
//! wide random key of [`hash_of`]) rather than from a random draw: each extra
//! level with probability 1/4, as Redis's `zslRandomLevel`, reproducible
//! without threading a random source through every write, and not
//! predictable by clients, who do not know the key.
//!
//! [`DenseTable`]: crate::keyspace::dense::DenseTable

use super::order;
use crate::keyspace::dense::{hash_of, Full};
use hashbrown::HashTable;
use std::cmp::Ordering;

/// Levels a node may have: 1 plus up to 16 more, one per pair of zero bits
/// of 32 hash bits, enough for the 2^32 elements positions can address.
const LEVEL_MAX: usize = 17;

/// The "no node" link.
const NIL: u32 = u32::MAX;
/// The header, which is not a node of the vector.
const HEAD: u32 = u32::MAX - 1;

/// Nodes a skip list may hold (positions below `HEAD`).
pub const SKIPLIST_LEN_MAX: usize = (u32::MAX - 1) as usize;

/// A forward link at one level and how many level-0 steps it spans.
#[derive(Clone, Copy, Debug, Default)]
struct Link {
    next: u32,
    span: u32,
}

const UNLINKED: Link = Link { next: NIL, span: 0 };

#[derive(Clone, Debug)]
struct Node {
    member: Box<[u8]>,
    score: f64,
    /// The previous node at level 0, or NIL for the first.
    prev: u32,
    /// Level 0 inline: three nodes in four have no other level, and pay for
    /// no second allocation.
    link0: Link,
    upper: Box<[Link]>,
}

impl Node {
    fn height(&self) -> usize {
        1 + self.upper.len()
    }
}

/// The height of a node for a member whose hash is `hash`: one level, plus
/// one for each pair of zero bits at the bottom of hash bits 8..40 (bits
/// the index's hash table does not use to place the member).
fn height_for(hash: u64) -> usize {
    let bits = (hash >> 8) as u32;
    (1 + bits.trailing_zeros() as usize / 2).min(LEVEL_MAX)
}

/// Invariant: the nodes reachable at level 0 from the header are exactly
/// the `len` nodes of the vector, in strictly increasing (score, member)
/// order; each link's span is the number of level-0 steps it covers; `prev`
/// mirrors level 0; `tail` is the last node; `index` holds each position
/// once, under its member's hash.
#[derive(Clone, Debug)]
pub struct SkipList {
    nodes: Vec<Node>,
    head: [Link; LEVEL_MAX],
    /// Levels in use (at least 1).
    level: usize,
    tail: u32,
    /// Nodes linked into the list (all of them, except inside an update).
    linked: usize,
    index: HashTable<u32>,
}

impl Default for SkipList {
    fn default() -> Self {
        SkipList {
            nodes: Vec::new(),
            head: [UNLINKED; LEVEL_MAX],
            level: 1,
            tail: NIL,
            linked: 0,
            index: HashTable::new(),
        }
    }
}

impl SkipList {
    /// Bytes this skip list owns: its node array and index, and the
    /// nodes' members and upper levels, sampled.
    pub fn heap_size(&self, samples: usize) -> usize {
        use crate::keyspace::memory;
        memory::of_vec(&self.nodes)
            + self.index.allocation_size()
            + memory::sampled(self.nodes.iter(), self.nodes.len(), samples, |n| {
                memory::of_box(&*n.member) + memory::of_box(&*n.upper)
            })
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn link(&self, x: u32, i: usize) -> Link {
        if x == HEAD {
            self.head[i]
        } else {
            let n = &self.nodes[x as usize];
            if i == 0 {
                n.link0
            } else {
                n.upper[i - 1]
            }
        }
    }

    fn link_mut(&mut self, x: u32, i: usize) -> &mut Link {
        if x == HEAD {
            &mut self.head[i]
        } else {
            let n = &mut self.nodes[x as usize];
            if i == 0 {
                &mut n.link0
            } else {
                &mut n.upper[i - 1]
            }
        }
    }

    fn node(&self, x: u32) -> &Node {
        &self.nodes[x as usize]
    }

    /// The position of `member`'s node.
    fn position(&self, member: &[u8]) -> Option<u32> {
        let nodes = &self.nodes;
        self.index
            .find(hash_of(member), |&p| {
                &nodes[p as usize].member[..] == member
            })
            .copied()
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.position(member).map(|p| self.node(p).score)
    }

    /// For each level, the last node before (score, member), and its rank
    /// (the header's is 0, the first node's 1).
    fn search(&self, score: f64, member: &[u8]) -> ([u32; LEVEL_MAX], [u32; LEVEL_MAX]) {
        let mut update = [HEAD; LEVEL_MAX];
        let mut rank = [0u32; LEVEL_MAX];
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            rank[i] = if i + 1 == self.level { 0 } else { rank[i + 1] };
            loop {
                let l = self.link(x, i);
                if l.next == NIL {
                    break;
                }
                let n = self.node(l.next);
                if order(n.score, &n.member, score, member) != Ordering::Less {
                    break;
                }
                rank[i] += l.span;
                x = l.next;
            }
            update[i] = x;
        }
        (update, rank)
    }

    /// Links node `x` (in the vector, unlinked) at its place in the order
    /// (Redis's `zslInsert`).
    fn link_in(&mut self, x: u32) {
        let (score, height) = (self.node(x).score, self.node(x).height());
        let (mut update, mut rank) = {
            let member = &self.node(x).member;
            self.search(score, member)
        };
        if height > self.level {
            for i in self.level..height {
                rank[i] = 0;
                update[i] = HEAD;
                self.head[i].span = self.linked as u32;
            }
            self.level = height;
        }
        for i in 0..height {
            let u = self.link(update[i], i);
            let steps = rank[0] - rank[i];
            *self.link_mut(x, i) = Link {
                next: u.next,
                span: u.span - steps,
            };
            *self.link_mut(update[i], i) = Link {
                next: x,
                span: steps + 1,
            };
        }
        for (i, &u) in update.iter().enumerate().take(self.level).skip(height) {
            self.link_mut(u, i).span += 1;
        }
        self.nodes[x as usize].prev = if update[0] == HEAD { NIL } else { update[0] };
        match self.link(x, 0).next {
            NIL => self.tail = x,
            next => self.nodes[next as usize].prev = x,
        }
        self.linked += 1;
    }

    /// Unlinks node `x`, leaving it in the vector (Redis's `zslDeleteNode`).
    fn unlink(&mut self, x: u32) {
        let (update, _) = {
            let n = self.node(x);
            self.search(n.score, &n.member)
        };
        for (i, &u) in update.iter().enumerate().take(self.level) {
            if self.link(u, i).next == x {
                let xl = self.link(x, i);
                let ul = self.link_mut(u, i);
                ul.span = ul.span + xl.span - 1;
                ul.next = xl.next;
            } else {
                self.link_mut(u, i).span -= 1;
            }
        }
        let prev = self.node(x).prev;
        match self.link(x, 0).next {
            NIL => self.tail = prev,
            next => self.nodes[next as usize].prev = prev,
        }
        while self.level > 1 && self.head[self.level - 1].next == NIL {
            self.level -= 1;
        }
        self.linked -= 1;
    }

    /// Adds `member`, which must not be present.
    pub fn insert(&mut self, member: &[u8], score: f64) -> Result<(), Full> {
        if self.nodes.len() >= SKIPLIST_LEN_MAX {
            return Err(Full);
        }
        debug_assert!(self.position(member).is_none(), "member already present");
        let hash = hash_of(member);
        let height = height_for(hash);
        let x = self.nodes.len() as u32;
        self.nodes.push(Node {
            member: member.into(),
            score,
            prev: NIL,
            link0: UNLINKED,
            upper: vec![UNLINKED; height - 1].into_boxed_slice(),
        });
        let nodes = &self.nodes;
        self.index
            .insert_unique(hash, x, |&p| hash_of(&nodes[p as usize].member));
        self.link_in(x);
        Ok(())
    }

    /// Changes the score of a present member (Redis's `zslUpdateScore`): in
    /// place when the node keeps its place, else unlinked and linked again.
    pub fn update_score(&mut self, member: &[u8], score: f64) {
        let Some(x) = self.position(member) else {
            return;
        };
        let n = self.node(x);
        let after_prev = n.prev == NIL || {
            let p = self.node(n.prev);
            order(p.score, &p.member, score, member) == Ordering::Less
        };
        let next = n.link0.next;
        let before_next = next == NIL || {
            let q = self.node(next);
            order(score, member, q.score, &q.member) == Ordering::Less
        };
        if after_prev && before_next {
            self.nodes[x as usize].score = score;
        } else {
            self.unlink(x);
            self.nodes[x as usize].score = score;
            self.link_in(x);
        }
    }

    /// Removes the unlinked node `x` from the vector and the index: the last
    /// node moves into its place, and what pointed at it is redirected.
    fn free(&mut self, x: u32) -> Node {
        let nodes = &self.nodes;
        if let Ok(found) = self
            .index
            .find_entry(hash_of(&nodes[x as usize].member), |&p| p == x)
        {
            found.remove();
        }
        let last = (self.nodes.len() - 1) as u32;
        if x != last {
            let (update, _) = {
                let n = self.node(last);
                self.search(n.score, &n.member)
            };
            for (i, &u) in update.iter().enumerate().take(self.node(last).height()) {
                let l = self.link_mut(u, i);
                debug_assert_eq!(l.next, last, "predecessor of the moved node");
                l.next = x;
            }
            match self.link(last, 0).next {
                NIL => self.tail = x,
                next => self.nodes[next as usize].prev = x,
            }
            let nodes = &self.nodes;
            let hash = hash_of(&nodes[last as usize].member);
            if let Some(slot) = self.index.find_mut(hash, |&p| p == last) {
                *slot = x;
            }
        }
        let node = self.nodes.swap_remove(x as usize);
        self.shrink_if_sparse();
        node
    }

    fn shrink_if_sparse(&mut self) {
        let len = self.nodes.len();
        if self.nodes.capacity() > 16 && len * 4 < self.nodes.capacity() {
            self.nodes.shrink_to(len * 2);
            let nodes = &self.nodes;
            self.index
                .shrink_to(len * 2, |&p| hash_of(&nodes[p as usize].member));
        }
    }

    /// Removes `member`; gives its score if it was there.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let x = self.position(member)?;
        self.unlink(x);
        Some(self.free(x).score)
    }

    /// The number of leading elements for which `pred` is false (`pred`
    /// must be false then true along the order). O(log n).
    pub fn partition_point(&self, pred: impl Fn(&[u8], f64) -> bool) -> usize {
        let mut x = HEAD;
        let mut rank = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if l.next == NIL {
                    break;
                }
                let n = self.node(l.next);
                if pred(&n.member, n.score) {
                    break;
                }
                rank += l.span as usize;
                x = l.next;
            }
        }
        rank
    }

    /// The member's 0-based rank (ascending) and score. O(log n).
    pub fn rank(&self, member: &[u8]) -> Option<(usize, f64)> {
        let score = self.score(member)?;
        let rank = self.partition_point(|m, s| order(s, m, score, member) != Ordering::Less);
        Some((rank, score))
    }

    /// The node at 0-based `rank` (< len), Redis's `zslGetElementByRank`.
    fn at_rank(&self, rank: usize) -> u32 {
        let target = rank + 1;
        let mut traversed = 0usize;
        let mut x = HEAD;
        for i in (0..self.level).rev() {
            loop {
                let l = self.link(x, i);
                if l.next == NIL || traversed + l.span as usize > target {
                    break;
                }
                traversed += l.span as usize;
                x = l.next;
            }
            if traversed == target {
                return x;
            }
        }
        NIL
    }

    /// Visits the elements of ranks `lo..hi` (clamped to the length), in
    /// ascending order or, with `rev`, descending. O(log n + (hi - lo)).
    pub fn for_range(&self, lo: usize, hi: usize, rev: bool, mut f: impl FnMut(&[u8], f64)) {
        let hi = hi.min(self.len());
        if lo >= hi {
            return;
        }
        let mut x = self.at_rank(if rev { hi - 1 } else { lo });
        for _ in lo..hi {
            if x == NIL || x == HEAD {
                return;
            }
            let n = self.node(x);
            f(&n.member, n.score);
            x = if rev { n.prev } else { n.link0.next };
        }
    }

    /// Removes the elements of ranks `lo..hi` (clamped); returns how many.
    pub fn remove_range(&mut self, lo: usize, hi: usize) -> usize {
        let hi = hi.min(self.len());
        if lo >= hi {
            return 0;
        }
        for _ in lo..hi {
            let x = self.at_rank(lo);
            if x == NIL || x == HEAD {
                break;
            }
            self.unlink(x);
            self.free(x);
        }
        hi - lo
    }

    /// The element at vector position `position` (< len), for uniform
    /// random picks.
    pub fn at_position(&self, position: usize) -> (&[u8], f64) {
        let n = &self.nodes[position];
        (&n.member, n.score)
    }

    /// Every element, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], f64)> + '_ {
        let mut x = self.head[0].next;
        std::iter::from_fn(move || {
            if x == NIL {
                return None;
            }
            let n = self.node(x);
            x = n.link0.next;
            Some((&n.member[..], n.score))
        })
    }

    /// One step of ZSCAN: as `DenseTable::scan`, positions from `cursor`
    /// (0 starts) downwards, at least one; returns the next cursor.
    pub fn scan<'a>(
        &'a self,
        cursor: u64,
        count: usize,
        mut visit: impl FnMut(&'a [u8], f64),
    ) -> u64 {
        let len = self.nodes.len();
        let end = match cursor {
            0 => len,
            c => usize::try_from(c).map_or(len, |c| c.min(len)),
        };
        let start = end.saturating_sub(count.max(1));
        for n in self.nodes[start..end].iter().rev() {
            visit(&n.member, n.score);
        }
        start as u64
    }

    /// Checks the invariant; for tests and debug builds. O(n log n).
    pub fn verify_invariants(&self) {
        assert_eq!(self.linked, self.nodes.len(), "linked count");
        assert_eq!(self.index.len(), self.nodes.len(), "index size");
        // Level 0: order, prev, tail, and each node's rank.
        let mut rank_of = vec![0usize; self.nodes.len()];
        let mut x = self.head[0].next;
        let mut prev = NIL;
        let mut rank = 0;
        while x != NIL {
            rank += 1;
            let n = self.node(x);
            assert_eq!(n.prev, prev, "prev link");
            assert!(!n.score.is_nan(), "NaN score");
            if prev != NIL {
                let p = self.node(prev);
                assert_eq!(
                    order(p.score, &p.member, n.score, &n.member),
                    Ordering::Less,
                    "order"
                );
            }
            rank_of[x as usize] = rank;
            prev = x;
            x = n.link0.next;
        }
        assert_eq!(rank, self.nodes.len(), "nodes reachable");
        assert_eq!(self.tail, prev, "tail");
        // Every level: spans of real links match the ranks.
        let rank_at = |x: u32| if x == HEAD { 0 } else { rank_of[x as usize] };
        for i in 0..self.level {
            let mut x = HEAD;
            loop {
                let l = self.link(x, i);
                if l.next == NIL {
                    break;
                }
                assert!(self.node(l.next).height() > i, "link to a lower node");
                assert_eq!(l.span as usize, rank_at(l.next) - rank_at(x), "span");
                x = l.next;
            }
        }
        for i in self.level..LEVEL_MAX {
            assert_eq!(self.head[i].next, NIL, "header above the level");
        }
        for (p, n) in self.nodes.iter().enumerate() {
            assert_eq!(self.position(&n.member), Some(p as u32), "index");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(i: u32) -> Vec<u8> {
        format!("m{i:05}").into_bytes()
    }

    #[test]
    fn ranks_ranges_and_removals() {
        let mut s = SkipList::default();
        for i in (0..2000).rev() {
            s.insert(&member(i), f64::from(i / 10)).unwrap();
        }
        s.verify_invariants();
        assert!(s.level > 2, "some nodes are tall");
        for i in (0..2000).step_by(37) {
            assert_eq!(s.rank(&member(i)), Some((i as usize, f64::from(i / 10))));
        }
        let mut seen = Vec::new();
        s.for_range(5, 9, true, |m, _| seen.push(m.to_vec()));
        assert_eq!(seen, vec![member(8), member(7), member(6), member(5)]);
        assert_eq!(s.partition_point(|_, sc| sc >= 3.0), 30);
        assert_eq!(s.remove_range(10, 20), 10);
        s.verify_invariants();
        assert_eq!(s.rank(&member(20)), Some((10, 2.0)));
        for i in (20..2000).step_by(3) {
            assert_eq!(s.remove(&member(i)), Some(f64::from(i / 10)));
        }
        s.verify_invariants();
        s.update_score(&member(21), -1.0);
        s.update_score(&member(22), 1e9);
        s.update_score(&member(23), 2.0);
        s.verify_invariants();
        assert_eq!(s.rank(&member(21)), Some((0, -1.0)));
        assert_eq!(s.rank(&member(22)).map(|r| r.0), Some(s.len() - 1));
        while !s.is_empty() {
            s.remove_range(0, 7);
        }
        s.verify_invariants();
        assert_eq!(s.level, 1);
    }
}
