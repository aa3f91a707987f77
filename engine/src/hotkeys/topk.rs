//! The top-K sketch of HOTKEYS: a Cuckoo Heavy Keeper (Vinh Quang Ngo and
//! Marina Papatriantafilou, "Cuckoo Heavy Keeper and the balancing act of
//! maintaining heavy hitters in stream processing"), weighted, with a
//! min-heap naming the heaviest keys, as Redis 8.6's `src/chk.c`: two
//! cuckoo tables of buckets holding two heavy entries and one lobby entry
//! each; a key's counter climbs the lobby, decaying a rival's on collision,
//! and is promoted to a heavy entry past a threshold. Its memory is fixed
//! when it is made, whatever number of distinct keys passes.

use std::sync::OnceLock;

use crate::limits::{
    HOTKEYS_BUCKETS_PER_REPORTED, HOTKEYS_COUNT_MAX, HOTKEYS_TRACKED_PER_REPORTED,
};

/// Cuckoo tables per sketch.
const TABLES: usize = 2;
/// Heavy entries per bucket.
const HEAVY_PER_BUCKET: usize = 2;
/// A lobby entry whose counter reaches this tries to become heavy.
const LOBBY_PROMOTION: u64 = 16;
/// Largest lobby counter (it is a byte).
const LOBBY_COUNT_MAX: u64 = u8::MAX as u64;
/// Heavy entries one promotion may push on to their other bucket.
const KICKS_MAX: usize = 16;
/// A count of at least this share of the total is a heavy hitter.
const HEAVY_RATIO: f64 = 0.008;
/// The decay base the paper recommends (and Redis uses).
const DECAY: f64 = 1.08;
/// Entries of the decay tables: one per lobby counter value, 0 included.
const LUT_LEN: usize = LOBBY_COUNT_MAX as usize + 2;
/// Mixes a fingerprint into a bucket index for its other table (Redis's).
const ALT_MIX: usize = 0x5bd1_e995;

const _: () = assert!(LOBBY_PROMOTION < LOBBY_COUNT_MAX);
const _: () = assert!(HEAVY_PER_BUCKET == 2 && TABLES == 2);

/// The decay tables of the lobby counters (one set for every sketch: the
/// decay is a constant).
struct Decay {
    /// `exp[i]`: the expected decays that take counter `i` to 0.
    exp: [f64; LUT_LEN],
    /// `min[i]`: the expected decays that take counter `i` down by one.
    min: [f64; LUT_LEN],
    /// `prob[i]`: the probability that one decay takes counter `i` down by one.
    prob: [f64; LUT_LEN],
}

fn decay_tables() -> &'static Decay {
    static TABLES: OnceLock<Decay> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut d = Decay {
            exp: [0.0; LUT_LEN],
            min: [0.0; LUT_LEN],
            prob: [0.0; LUT_LEN],
        };
        for i in 1..LUT_LEN {
            let step = DECAY.powi(i as i32 - 1);
            d.exp[i] = d.exp[i - 1] + step;
            d.min[i] = step;
            d.prob[i] = DECAY.powi(-(i as i32));
        }
        d
    })
}

#[derive(Clone, Copy, Debug, Default)]
struct Heavy {
    count: u64,
    fp: u16,
}

#[derive(Clone, Copy, Debug, Default)]
struct Lobby {
    fp: u16,
    count: u8,
}

#[derive(Clone, Copy, Debug, Default)]
struct Bucket {
    heavy: [Heavy; HEAVY_PER_BUCKET],
    lobby: Lobby,
}

/// An item of the heap: a key, its database, and its count in the tables.
#[derive(Debug)]
struct Named {
    count: u64,
    /// Hash of (db, key), to compare before the names.
    hash: u64,
    db: usize,
    key: Box<[u8]>,
}

/// One key of a report: database, name, measure.
pub type Ranked = (usize, Box<[u8]>, u64);

/// The heaviest keys of a weighted stream in memory fixed by `k`, however
/// many distinct keys pass (Cuckoo Heavy Keeper, as Redis's `chk.c`).
///
/// Invariant: `heap` is a min-heap by count of at most `k` distinct keys,
/// and no count exceeds `total`.
pub struct TopK {
    tables: [Box<[Bucket]>; TABLES],
    /// Buckets per table minus one (their number is a power of two).
    mask: usize,
    heap: Vec<Named>,
    k: usize,
    /// Sum of every weight added.
    total: u64,
    rng: u64,
    hasher: ahash::RandomState,
}

/// Where an update left its item: a table, and the heavy entry if it is one.
type Placed = Option<(usize, Option<usize>)>;

impl TopK {
    /// A sketch naming `k` keys over `buckets` buckets per table (rounded
    /// up to a power of two); `seed` drives its random choices.
    pub fn new(k: usize, buckets: usize, seed: u64) -> TopK {
        let buckets = buckets.max(1).next_power_of_two();
        let table = || vec![Bucket::default(); buckets].into_boxed_slice();
        TopK {
            tables: [table(), table()],
            mask: buckets - 1,
            heap: Vec::with_capacity(k),
            k: k.max(1),
            total: 0,
            rng: seed | 1,
            // Fixed seeds: which bucket a key lands in need not be secret
            // (a session lasts minutes and is the operator's own).
            hasher: ahash::RandomState::with_seeds(
                0x243f_6a88_85a3_08d3,
                0x1319_8a2e_0370_7344,
                0xa409_3822_299f_31d0,
                0x082e_fa98_ec4e_6c89,
            ),
        }
    }

    /// The sketch HOTKEYS keeps for reporting `count` keys.
    pub fn for_count(count: usize, seed: u64) -> TopK {
        let count = count.clamp(1, HOTKEYS_COUNT_MAX);
        TopK::new(
            count * HOTKEYS_TRACKED_PER_REPORTED,
            count * HOTKEYS_BUCKETS_PER_REPORTED,
            seed,
        )
    }

    /// Sum of every weight added.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// A uniform number in [0, 1) (xorshift64*).
    fn uniform(&mut self) -> f64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn hash(&self, db: usize, key: &[u8]) -> u64 {
        self.hasher.hash_one((db, key))
    }

    fn alt(&self, fp: u16, idx: usize) -> usize {
        (idx ^ ALT_MIX.wrapping_mul(usize::from(fp))) & self.mask
    }

    /// Adds `weight` to key `key` of database `db`.
    pub fn update(&mut self, db: usize, key: &[u8], weight: u64) {
        if weight == 0 {
            return;
        }
        self.total = self.total.saturating_add(weight);
        let hash = self.hash(db, key);
        // 16 bits of fingerprint; the bucket from the high half (as Redis).
        let fp = (hash & 0xFFFF) as u16;
        let first = ((hash >> 32) as usize) & self.mask;
        let idx = [first, self.alt(fp, first)];
        let placed = self
            .bump_heavy(fp, idx, weight)
            .or_else(|| self.bump_lobby(fp, idx, weight))
            .or_else(|| self.enter_lobby(fp, idx, weight))
            .or_else(|| self.decay_lobby(fp, idx, weight));
        if let Some((t, Some(pos))) = placed {
            let count = self.tables[t][idx[t]].heavy[pos].count;
            self.name(db, key, hash, count);
        }
        #[cfg(debug_assertions)]
        self.verify_invariants();
    }

    /// The item's heavy entry gets the weight; an item that is not heavy
    /// takes an empty heavy entry if one of its buckets has one (skipping
    /// the lobby, as the paper allows).
    fn bump_heavy(&mut self, fp: u16, idx: [usize; TABLES], weight: u64) -> Placed {
        let mut empty = None;
        for (t, &i) in idx.iter().enumerate() {
            for (pos, e) in self.tables[t][i].heavy.iter_mut().enumerate() {
                if e.count > 0 {
                    if e.fp == fp {
                        e.count = e.count.saturating_add(weight);
                        return Some((t, Some(pos)));
                    }
                } else if empty.is_none() {
                    empty = Some((t, pos));
                }
            }
        }
        let (t, pos) = empty?;
        self.tables[t][idx[t]].heavy[pos] = Heavy { count: weight, fp };
        Some((t, Some(pos)))
    }

    /// The item's lobby entry gets the weight, and is promoted when it
    /// reaches the threshold (or stays at it).
    fn bump_lobby(&mut self, fp: u16, idx: [usize; TABLES], weight: u64) -> Placed {
        for (t, &i) in idx.iter().enumerate() {
            let lobby = self.tables[t][i].lobby;
            if lobby.fp != fp || lobby.count == 0 {
                continue;
            }
            let count = u64::from(lobby.count).saturating_add(weight);
            if count < LOBBY_PROMOTION {
                self.tables[t][i].lobby.count = count as u8;
                return Some((t, None));
            }
            let pos = self.promote(t, i, fp, count);
            if pos.is_none() {
                self.tables[t][i].lobby.count = LOBBY_PROMOTION as u8;
            }
            return Some((t, pos));
        }
        None
    }

    /// An untracked item takes an empty lobby entry of its buckets.
    fn enter_lobby(&mut self, fp: u16, idx: [usize; TABLES], weight: u64) -> Placed {
        let t = (0..TABLES).find(|&t| self.tables[t][idx[t]].lobby.count == 0)?;
        let i = idx[t];
        self.tables[t][i].lobby.fp = fp;
        if weight < LOBBY_PROMOTION {
            self.tables[t][i].lobby.count = weight as u8;
            return Some((t, None));
        }
        let pos = self.promote(t, i, fp, weight);
        if pos.is_none() {
            self.tables[t][i].lobby.count = LOBBY_PROMOTION as u8;
        }
        Some((t, pos))
    }

    /// No room: the lobby entry of one bucket (chosen by the fingerprint)
    /// decays by the weight, and the item takes it if it decays to 0.
    fn decay_lobby(&mut self, fp: u16, idx: [usize; TABLES], weight: u64) -> Placed {
        let t = usize::from(fp & 1);
        let i = idx[t];
        let old = self.tables[t][i].lobby.count;
        let decayed = self.decay(old, weight);
        let lobby = &mut self.tables[t][i].lobby;
        if decayed == 0 {
            // The item comes in with what its weight had left after
            // decaying the old counter away.
            let spent = decay_tables().exp[usize::from(old)] as u64;
            lobby.fp = fp;
            lobby.count = if spent >= weight {
                1
            } else {
                (weight - spent).min(LOBBY_COUNT_MAX) as u8
            };
        } else {
            lobby.count = decayed;
        }
        let count = u64::from(lobby.count);
        if lobby.fp == fp && count >= LOBBY_PROMOTION {
            return Some((t, self.promote(t, i, fp, count)));
        }
        Some((t, None))
    }

    /// Lobby counter `count` decayed by `weight` (probabilistic: each unit
    /// of weight takes it down by one with probability DECAY^-count).
    fn decay(&mut self, count: u8, weight: u64) -> u8 {
        let d = decay_tables();
        let c = usize::from(count);
        if weight == 1 {
            return if self.uniform() < d.prob[c] {
                count.saturating_sub(1)
            } else {
                count
            };
        }
        if (weight as f64) < d.min[c] {
            return if self.uniform() < weight as f64 / d.min[c] {
                count.saturating_sub(1)
            } else {
                count
            };
        }
        if weight as f64 >= d.exp[c] {
            return 0;
        }
        // The lowest counter whose expected decays plus the weight reach
        // those of `count`.
        let (mut lo, mut hi) = (0usize, c);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if d.exp[mid] + weight as f64 >= d.exp[c] {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo as u8
    }

    /// A lobby item of bucket `i` of table `t` with count `count` (at least
    /// the threshold) tries to become heavy: it takes an empty heavy entry,
    /// or replaces the lightest one (surely if lighter than itself, else
    /// with a probability that falls as that one is heavier), which then
    /// moves on to its other bucket if it is still a heavy hitter.
    fn promote(&mut self, t: usize, i: usize, fp: u16, count: u64) -> Option<usize> {
        let bucket = &mut self.tables[t][i];
        if let Some(pos) = bucket.heavy.iter().position(|e| e.count == 0) {
            bucket.heavy[pos] = Heavy { count, fp };
            bucket.lobby = Lobby::default();
            return Some(pos);
        }
        let pos = usize::from(bucket.heavy[1].count < bucket.heavy[0].count);
        let min = bucket.heavy[pos].count;
        if min > count {
            let chance = count.saturating_sub(LOBBY_PROMOTION) as f64
                / min.saturating_sub(LOBBY_PROMOTION) as f64;
            if self.uniform() >= chance {
                return None;
            }
        }
        let bucket = &mut self.tables[t][i];
        let out = bucket.heavy[pos];
        // As the paper (and Redis): the newcomer keeps the count it replaces.
        bucket.heavy[pos].fp = fp;
        bucket.lobby = Lobby::default();
        self.kick(out, i, t);
        Some(pos)
    }

    /// Moves heavy entry `e`, pushed out of bucket `i` of table `t`, to its
    /// bucket in the other table, pushing out that bucket's lightest, for
    /// at most `KICKS_MAX` moves and while the entry moved is a heavy hitter.
    fn kick(&mut self, mut e: Heavy, mut i: usize, mut t: usize) {
        for _ in 0..KICKS_MAX {
            if (e.count as f64) < self.total as f64 * HEAVY_RATIO {
                return;
            }
            t = 1 - t;
            i = self.alt(e.fp, i);
            let bucket = &mut self.tables[t][i];
            if let Some(pos) = bucket.heavy.iter().position(|h| h.count == 0) {
                bucket.heavy[pos] = e;
                return;
            }
            let pos = usize::from(bucket.heavy[1].count < bucket.heavy[0].count);
            e = std::mem::replace(&mut bucket.heavy[pos], e);
        }
    }

    /// The heap learns that key `key` of `db` now counts `count`.
    fn name(&mut self, db: usize, key: &[u8], hash: u64, count: u64) {
        let full = self.heap.len() == self.k;
        if full && self.heap.first().is_some_and(|m| count < m.count) {
            return;
        }
        let at = self
            .heap
            .iter()
            .position(|n| n.hash == hash && n.db == db && *n.key == *key);
        match at {
            Some(at) => {
                self.heap[at].count = count;
                let at = self.sift_up(at);
                self.sift_down(at);
            }
            None if full => {
                // Heavier than the lightest named key, which makes room.
                self.heap[0] = Named {
                    count,
                    hash,
                    db,
                    key: key.into(),
                };
                self.sift_down(0);
            }
            None => {
                self.heap.push(Named {
                    count,
                    hash,
                    db,
                    key: key.into(),
                });
                self.sift_up(self.heap.len() - 1);
            }
        }
    }

    fn sift_up(&mut self, mut at: usize) -> usize {
        while at > 0 {
            let parent = (at - 1) / 2;
            if self.heap[parent].count <= self.heap[at].count {
                break;
            }
            self.heap.swap(parent, at);
            at = parent;
        }
        at
    }

    fn sift_down(&mut self, mut at: usize) {
        loop {
            let (l, r) = (2 * at + 1, 2 * at + 2);
            let mut least = at;
            if l < self.heap.len() && self.heap[l].count < self.heap[least].count {
                least = l;
            }
            if r < self.heap.len() && self.heap[r].count < self.heap[least].count {
                least = r;
            }
            if least == at {
                return;
            }
            self.heap.swap(at, least);
            at = least;
        }
    }

    /// The `n` heaviest named keys, heaviest first (ties by database and
    /// name), leaving out keys that count 0.
    pub fn top(&self, n: usize) -> Vec<Ranked> {
        let mut named: Vec<&Named> = self.heap.iter().filter(|e| e.count > 0).collect();
        named.sort_unstable_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.db.cmp(&b.db))
                .then(a.key.cmp(&b.key))
        });
        named
            .into_iter()
            .take(n)
            .map(|e| (e.db, e.key.clone(), e.count))
            .collect()
    }

    /// Bytes the sketch holds: its tables (fixed by `k`) and its named keys
    /// (at most `k`).
    pub fn memory_usage(&self) -> usize {
        let tables = TABLES * (self.mask + 1) * std::mem::size_of::<Bucket>();
        let names: usize = self.heap.iter().map(|n| n.key.len()).sum();
        tables + self.heap.capacity() * std::mem::size_of::<Named>() + names
    }

    /// Checks the invariant (see [`TopK`]); panics when it does not hold.
    /// O(k): debug builds run it after every update.
    pub fn verify_invariants(&self) {
        assert!(self.heap.len() <= self.k, "heap over k");
        for (at, n) in self.heap.iter().enumerate() {
            if at > 0 {
                assert!(self.heap[(at - 1) / 2].count <= n.count, "heap order");
            }
            assert!(n.count <= self.total, "count over total");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic source for the tests (SplitMix64).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// Ranks 0..n drawn with probability proportional to 1 / (rank + 1)^s.
    struct Zipf {
        cdf: Vec<f64>,
    }
    impl Zipf {
        fn new(n: usize, s: f64) -> Zipf {
            let mut acc = 0.0;
            let mut cdf: Vec<f64> = (0..n)
                .map(|r| {
                    acc += 1.0 / ((r + 1) as f64).powf(s);
                    acc
                })
                .collect();
            for c in &mut cdf {
                *c /= acc;
            }
            Zipf { cdf }
        }
        fn draw(&self, rng: &mut Rng) -> usize {
            let u = rng.unit();
            self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1)
        }
    }

    fn key(rank: usize) -> Vec<u8> {
        format!("key:{rank}").into_bytes()
    }

    fn rank_of(k: &[u8]) -> usize {
        std::str::from_utf8(&k[4..]).unwrap().parse().unwrap()
    }

    #[test]
    fn heaviest_weights_come_first() {
        // Redis's chk.c testBasicTopK, in spirit.
        let mut t = TopK::new(5, 64, 1);
        for (k, w) in [(1, 100), (2, 200), (3, 150), (4, 50), (5, 300), (6, 75)] {
            t.update(0, &key(k), w);
        }
        t.verify_invariants();
        let top = t.top(5);
        assert_eq!(top[0], (0, key(5).into(), 300));
        let names: Vec<usize> = top.iter().map(|e| rank_of(&e.1)).collect();
        for k in [5, 2, 3] {
            assert!(names.contains(&k), "{names:?}");
        }
        assert_eq!(t.total(), 875);
    }

    #[test]
    fn zipf_heavy_keys_are_found_with_unit_and_byte_weights() {
        for weighted in [false, true] {
            let zipf = Zipf::new(10_000, 1.1);
            let mut rng = Rng(7);
            let mut t = TopK::for_count(10, 3);
            let mut truth = vec![0u64; 10_000];
            for _ in 0..200_000 {
                let r = zipf.draw(&mut rng);
                // Net bytes of a GET-sized request and reply vary a little.
                let w = if weighted { 30 + rng.next() % 40 } else { 1 };
                truth[r] += w;
                t.update(0, &key(r), w);
            }
            t.verify_invariants();
            let mut order: Vec<usize> = (0..truth.len()).collect();
            order.sort_by_key(|&r| std::cmp::Reverse(truth[r]));
            let reported: Vec<usize> = t.top(10).iter().map(|e| rank_of(&e.1)).collect();
            assert_eq!(reported[0], order[0], "heaviest first: {reported:?}");
            let hits = order[..10].iter().filter(|r| reported.contains(r)).count();
            assert!(hits >= 8, "found {hits} of the top 10: {reported:?}");
            // The counts are estimates near the truth for the heaviest.
            let (_, name, count) = &t.top(1)[0];
            let exact = truth[rank_of(name)];
            assert!(count.abs_diff(exact) * 10 <= exact, "{count} vs {exact}");
        }
    }

    #[test]
    fn memory_stays_bounded_whatever_the_distinct_keys() {
        let mut t = TopK::for_count(HOTKEYS_COUNT_MAX, 11);
        t.update(0, b"warm", 1);
        let tables_only = t.memory_usage() - 4;
        for i in 0..300_000u32 {
            t.update(0, &key(i as usize), 1 + u64::from(i % 7));
        }
        t.verify_invariants();
        let k = HOTKEYS_COUNT_MAX * HOTKEYS_TRACKED_PER_REPORTED;
        assert!(t.heap.len() <= k);
        let longest = key(299_999).len();
        assert!(t.memory_usage() <= tables_only + k * longest);
        // Tables fixed by COUNT: next power of two of 100 * COUNT buckets.
        assert_eq!(t.mask + 1, (HOTKEYS_COUNT_MAX * 100).next_power_of_two());
        for table in &t.tables {
            assert_eq!(table.len(), t.mask + 1);
            assert!(table
                .iter()
                .all(|b| b.heavy.iter().all(|h| h.count <= t.total)));
        }
        assert!(t.memory_usage() < 1 << 20, "{}", t.memory_usage());
    }

    #[test]
    fn databases_are_tracked_apart() {
        let mut t = TopK::for_count(10, 5);
        for _ in 0..100 {
            t.update(0, b"k", 1);
            t.update(3, b"k", 2);
        }
        let top = t.top(10);
        assert_eq!(top[0], (3, b"k"[..].into(), 200));
        assert_eq!(top[1], (0, b"k"[..].into(), 100));
    }
}
