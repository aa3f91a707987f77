//! One shard's keyspace: databases of entries, each entry a key, a value and
//! an optional expiry. Expired entries are removed lazily on access (here)
//! and actively by the shard's bounded sweep (`Db::sweep_expired`).

pub mod access;
pub mod dense;
pub mod entry;
pub mod glob;
pub mod hash;
pub mod list;
pub mod memory;
pub mod segment;
pub mod set;
pub mod table;
pub mod zset;

use crate::notify::{self, Notifier};
use access::Access;
pub use entry::{Entry, NewValue, ValueMut};
use hash::Hash;
use list::List;
use set::Set;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;
use table::{Slot, Table, TableEntry};
use zset::ZSet;

/// A value owned outside the keyspace (copied out, moved between shards,
/// about to be stored). Strings keep Redis's three encodings: integers as
/// integers, short immutable strings, and growable strings (APPEND,
/// SETRANGE). In the keyspace a value lives in its key's record
/// ([`Entry`]) and is read through a [`ValueRef`].
#[derive(Debug, Clone)]
pub enum Value {
    Int(i64),
    Str(Box<[u8]>),
    Raw(Vec<u8>),
    Hash(Box<Hash>),
    Set(Box<Set>),
    List(Box<List>),
    ZSet(Box<ZSet>),
}

/// A value borrowed from a record or from a [`Value`].
#[derive(Debug, Clone, Copy)]
pub enum ValueRef<'a> {
    Int(i64),
    Str(&'a [u8]),
    Raw(&'a [u8]),
    Hash(&'a Hash),
    Set(&'a Set),
    List(&'a List),
    ZSet(&'a ZSet),
}

/// Redis stores strings of up to this many bytes as `embstr`.
const EMBSTR_LEN_MAX: usize = 44;

impl Value {
    /// A string value encoded as Redis's `tryObjectEncoding` would: an
    /// integer when the bytes are one in canonical form.
    pub fn from_bytes(b: &[u8]) -> Value {
        match Value::integer_of(b) {
            Some(n) => Value::Int(n),
            None => Value::Str(b.into()),
        }
    }

    /// The integer `b` is stored as, if it is one in canonical form.
    fn integer_of(b: &[u8]) -> Option<i64> {
        (b.len() <= 20)
            .then(|| crate::command::args::parse_i64(b))
            .flatten()
    }

    /// The value, borrowed.
    pub fn view(&self) -> ValueRef<'_> {
        match self {
            Value::Int(n) => ValueRef::Int(*n),
            Value::Str(b) => ValueRef::Str(b),
            Value::Raw(v) => ValueRef::Raw(v),
            Value::Hash(h) => ValueRef::Hash(h),
            Value::Set(s) => ValueRef::Set(s),
            Value::List(l) => ValueRef::List(l),
            Value::ZSet(z) => ValueRef::ZSet(z),
        }
    }
}

impl<'a> ValueRef<'a> {
    /// The TYPE name.
    pub fn type_name(self) -> &'static str {
        match self {
            ValueRef::Int(_) | ValueRef::Str(_) | ValueRef::Raw(_) => "string",
            ValueRef::Hash(_) => "hash",
            ValueRef::Set(_) => "set",
            ValueRef::List(_) => "list",
            ValueRef::ZSet(_) => "zset",
        }
    }

    /// The OBJECT ENCODING name.
    pub fn encoding(self) -> &'static str {
        match self {
            ValueRef::Int(_) => "int",
            ValueRef::Str(b) if b.len() <= EMBSTR_LEN_MAX => "embstr",
            ValueRef::Str(_) | ValueRef::Raw(_) => "raw",
            ValueRef::Hash(h) => h.encoding(),
            ValueRef::Set(s) => s.encoding(),
            ValueRef::List(l) => l.encoding(),
            ValueRef::ZSet(z) => z.encoding(),
        }
    }

    /// Whether this is a string (of any encoding).
    pub fn is_string(self) -> bool {
        matches!(self, ValueRef::Int(_) | ValueRef::Str(_) | ValueRef::Raw(_))
    }

    /// The string's bytes; integers are formatted into `scratch`. Empty for
    /// a value that is not a string (callers check [`ValueRef::is_string`]).
    pub fn string_bytes<'s>(self, scratch: &'s mut itoa::Buffer) -> &'s [u8]
    where
        'a: 's,
    {
        match self {
            ValueRef::Int(n) => scratch.format(n).as_bytes(),
            ValueRef::Str(b) | ValueRef::Raw(b) => b,
            ValueRef::Hash(_) | ValueRef::Set(_) | ValueRef::List(_) | ValueRef::ZSet(_) => &[],
        }
    }

    /// The string's length in bytes (0 for a value that is not a string).
    pub fn string_len(self) -> usize {
        match self {
            ValueRef::Int(n) => itoa::Buffer::new().format(n).len(),
            ValueRef::Str(b) | ValueRef::Raw(b) => b.len(),
            ValueRef::Hash(_) | ValueRef::Set(_) | ValueRef::List(_) | ValueRef::ZSet(_) => 0,
        }
    }

    /// About how many allocations freeing the value takes (Redis's
    /// `lazyfreeGetFreeEffort`): 1 for strings and compact encodings, the
    /// elements of a hash table, set or skip list, the nodes of a list.
    pub fn free_effort(self) -> usize {
        match self {
            ValueRef::Int(_) | ValueRef::Str(_) | ValueRef::Raw(_) => 1,
            ValueRef::Hash(h) if h.encoding() == "hashtable" => h.len(),
            ValueRef::Set(s) if s.encoding() == "hashtable" => s.len(),
            ValueRef::ZSet(z) if z.encoding() == "skiplist" => z.len(),
            ValueRef::List(l) => l.node_count(),
            ValueRef::Hash(_) | ValueRef::Set(_) | ValueRef::ZSet(_) => 1,
        }
    }

    /// An owned copy.
    pub fn to_value(self) -> Value {
        match self {
            ValueRef::Int(n) => Value::Int(n),
            ValueRef::Str(b) => Value::Str(b.into()),
            ValueRef::Raw(b) => Value::Raw(b.to_vec()),
            ValueRef::Hash(h) => Value::Hash(Box::new(h.clone())),
            ValueRef::Set(s) => Value::Set(Box::new(s.clone())),
            ValueRef::List(l) => Value::List(Box::new(l.clone())),
            ValueRef::ZSet(z) => Value::ZSet(Box::new(z.clone())),
        }
    }
}

impl TableEntry for Entry {
    fn key(&self) -> &[u8] {
        Entry::key(self)
    }

    /// The record's start and 48 bytes on: a record of up to 64 bytes
    /// (key and short value), even one that straddles two cache lines. Not
    /// what a boxed value points to: finding that would read the record,
    /// which is what a prefetch must not wait for.
    fn prefetch(&self) {
        let record = self.as_ptr();
        segment::prefetch(record);
        segment::prefetch(record.wrapping_add(48));
    }
}

/// Stamps `entry` as used at `now_ms`; writes the record only when the
/// field changes (an LRU clock ticks once a second).
fn stamp(access: &Access, entry: &Entry, now_ms: u64) {
    let old = entry.access();
    let new = access.used(old, now_ms);
    if new != old {
        entry.set_access(new);
    }
}

/// A key some client WATCHes: when it was last modified, and by how many
/// clients it is watched.
struct Watched {
    touched_seq: u64,
    watchers: u32,
}

/// What WATCH saw of a key, for EXEC to compare against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchMark {
    /// The database's modification count of watched keys at WATCH.
    pub seq: u64,
    /// The key was already expired (but not yet removed) at WATCH.
    pub expired: bool,
}

/// [`Db::touch`] over the two fields it needs, so that it can run while
/// the table is borrowed.
fn touch_watched(
    watched: &mut HashMap<Box<[u8]>, Watched, ahash::RandomState>,
    seq: &mut u64,
    key: &[u8],
) {
    if watched.is_empty() {
        return;
    }
    if let Some(w) = watched.get_mut(key) {
        *seq += 1;
        w.touched_seq = *seq;
    }
}

/// Marks `key`, just created, ready if clients wait on it; a free function
/// over the two fields it needs, so that it can run while the table is
/// borrowed. One emptiness check while no client waits.
fn signal_ready(
    blocked: &HashMap<Box<[u8]>, VecDeque<u64>, ahash::RandomState>,
    ready: &mut Vec<Box<[u8]>>,
    key: &[u8],
) {
    if blocked.is_empty() || !blocked.contains_key(key) {
        return;
    }
    if !ready.iter().any(|k| **k == *key) {
        ready.push(key.into());
    }
}

impl WatchMark {
    /// Nine bytes, to travel as an op argument.
    pub fn encode(self) -> bytes::Bytes {
        let mut b = Vec::with_capacity(9);
        b.extend_from_slice(&self.seq.to_le_bytes());
        b.push(u8::from(self.expired));
        b.into()
    }

    pub fn decode(b: &[u8]) -> Option<WatchMark> {
        let (seq, rest) = b.split_first_chunk::<8>()?;
        Some(WatchMark {
            seq: u64::from_le_bytes(*seq),
            expired: *rest.first()? != 0,
        })
    }
}

/// What steps of active expiry saw: entries looked at, those of them with
/// an expiry, and those removed as expired.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub visited: usize,
    pub volatile: usize,
    pub expired: usize,
}

impl std::ops::AddAssign for Swept {
    fn add_assign(&mut self, other: Swept) {
        self.visited += other.visited;
        self.volatile += other.volatile;
        self.expired += other.expired;
    }
}

/// One database of one shard.
/// Invariant: `volatile` equals the number of entries with an expiry.
pub struct Db {
    table: Table<Entry>,
    volatile: usize,
    sweep_cursor: u64,
    /// Keys removed because they expired (lazily or by the sweep).
    pub expired_total: u64,
    /// Keys that clients WATCH. Every change to a key goes through
    /// [`Db::touch`], which costs one emptiness check while none is watched.
    watched: HashMap<Box<[u8]>, Watched, ahash::RandomState>,
    /// Modifications of watched keys so far.
    touch_seq: u64,
    /// Keys clients wait on (blocking commands, see `blocking.rs`): the
    /// waiting clients' ids, in the order they started waiting.
    blocked: HashMap<Box<[u8]>, VecDeque<u64>, ahash::RandomState>,
    /// Keys waited on that writes created since the waiting clients were
    /// last served, in the order they were created.
    ready: Vec<Box<[u8]>>,
    /// Where this database's own events (expired, new) are recorded, and
    /// its index for them.
    notifier: Rc<Notifier>,
    index: usize,
    /// How keys' access fields are stamped (the shard's, per its policy).
    access: Rc<Access>,
}

impl Db {
    /// A database of its own, whose events go nowhere.
    pub fn new(hasher: ahash::RandomState) -> Db {
        Db::attached(hasher, 0, Rc::default(), Rc::default())
    }

    /// Database `index` of a shard whose events go to `notifier` and whose
    /// keys' access fields are kept as `access` says.
    pub fn attached(
        hasher: ahash::RandomState,
        index: usize,
        notifier: Rc<Notifier>,
        access: Rc<Access>,
    ) -> Db {
        Db {
            table: Table::new(hasher),
            volatile: 0,
            sweep_cursor: 0,
            expired_total: 0,
            watched: HashMap::default(),
            touch_seq: 0,
            blocked: HashMap::default(),
            ready: Vec::new(),
            notifier,
            index,
            access,
        }
    }

    /// Records event `name` of class `class` for `key` of this database.
    pub fn notify(&self, class: u32, name: &'static str, key: &[u8]) {
        self.notifier.emit(self.index, class, name, key);
    }

    /// Records that `key` was modified (written, deleted or expired), for
    /// the clients that WATCH it. Commands that edit a value in place call
    /// it; the store and remove methods here call it themselves.
    pub fn touch(&mut self, key: &[u8]) {
        touch_watched(&mut self.watched, &mut self.touch_seq, key);
    }

    /// Starts watching `key` for one more client.
    pub fn watch(&mut self, key: &[u8], now_ms: u64) -> WatchMark {
        let w = self.watched.entry(key.into()).or_insert(Watched {
            touched_seq: 0,
            watchers: 0,
        });
        w.watchers += 1;
        let expired = self.table.get(key).is_some_and(|e| e.is_expired(now_ms));
        WatchMark {
            seq: self.touch_seq,
            expired,
        }
    }

    /// One client stops watching `key`.
    pub fn unwatch(&mut self, key: &[u8]) {
        if let Some(w) = self.watched.get_mut(key) {
            w.watchers -= 1;
            if w.watchers == 0 {
                self.watched.remove(key);
            }
        }
    }

    /// Whether `key` was modified since WATCH saw `mark`, or has expired
    /// since (Redis's `isWatchedKeyExpired`).
    pub fn watch_broken(&self, key: &[u8], mark: WatchMark, now_ms: u64) -> bool {
        let touched = self
            .watched
            .get(key)
            .is_some_and(|w| w.touched_seq > mark.seq);
        let expired = !mark.expired && self.table.get(key).is_some_and(|e| e.is_expired(now_ms));
        touched || expired
    }

    /// Keys watched in this database (for tests and INFO).
    pub fn watched_len(&self) -> usize {
        self.watched.len()
    }

    /// Queues `client` as waiting on `key`.
    pub fn block(&mut self, key: &[u8], client: u64) {
        self.blocked
            .entry(key.into())
            .or_default()
            .push_back(client);
    }

    /// `client` no longer waits on `key`.
    pub fn unblock(&mut self, key: &[u8], client: u64) {
        if let Some(queue) = self.blocked.get_mut(key) {
            queue.retain(|&c| c != client);
            if queue.is_empty() {
                self.blocked.remove(key);
            }
        }
    }

    /// The clients waiting on `key`, in the order they started waiting.
    pub fn waiting_on(&self, key: &[u8]) -> Vec<u64> {
        self.blocked
            .get(key)
            .map(|q| q.iter().copied().collect())
            .unwrap_or_default()
    }

    /// The first key made ready and not served yet, taken off the list.
    pub fn next_ready(&mut self) -> Option<Box<[u8]>> {
        (!self.ready.is_empty()).then(|| self.ready.remove(0))
    }

    /// Marks `key` ready again (its clients could not be served yet).
    pub fn mark_ready(&mut self, key: &[u8]) {
        signal_ready(&self.blocked, &mut self.ready, key);
    }

    /// Forgets the ready keys (no client waits any more).
    pub fn clear_ready(&mut self) {
        self.ready.clear();
    }

    /// Marks ready every waited-on key that exists (Redis's
    /// `scanDatabaseForReadyKeys`, after SWAPDB).
    fn signal_existing(&mut self) {
        if self.blocked.is_empty() {
            return;
        }
        for key in self.blocked.keys() {
            if self.table.get(key).is_some() {
                signal_ready(&self.blocked, &mut self.ready, key);
            }
        }
    }

    /// Keys, counting those expired but not yet removed.
    pub fn len(&self) -> usize {
        self.table.len()
    }
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
    /// Keys with an expiry.
    pub fn volatile_len(&self) -> usize {
        self.volatile
    }

    /// The live entry for `key`, stamped as used (Redis's `lookupKey`);
    /// an expired one is removed first.
    pub fn get(&mut self, key: &[u8], now_ms: u64) -> Option<&mut Entry> {
        let (entry, access) = self.find(key, now_ms);
        let entry = entry?;
        stamp(access, entry, now_ms);
        Some(entry)
    }

    /// The live entry for `key`, not stamped as used (Redis's
    /// `LOOKUP_NOTOUCH`: TYPE, EXISTS, TTL, OBJECT); an expired one is
    /// removed first.
    pub fn get_untouched(&mut self, key: &[u8], now_ms: u64) -> Option<&mut Entry> {
        self.find(key, now_ms).0
    }

    /// The live entry for `key` (an expired one is removed first), and the
    /// access tracking to stamp it with.
    fn find(&mut self, key: &[u8], now_ms: u64) -> (Option<&mut Entry>, &Access) {
        let found = match self.table.get_mut_unless(key, |e| e.is_expired(now_ms)) {
            None => None,
            Some(Ok(entry)) => Some(entry),
            // An expired entry had an expiry, so it was counted as volatile.
            Some(Err(_expired)) => {
                self.volatile -= 1;
                self.expired_total += 1;
                touch_watched(&mut self.watched, &mut self.touch_seq, key);
                self.notifier
                    .emit(self.index, notify::EXPIRED, "expired", key);
                None
            }
        };
        (found, &self.access)
    }

    /// Hints the cache to load the entries of `keys` (see `Table::prefetch`).
    pub fn prefetch<'k>(&self, keys: impl IntoIterator<Item = &'k [u8]>) {
        self.table.prefetch(keys);
    }

    /// Whether `key` is live (removes it if expired); not a use.
    pub fn contains(&mut self, key: &[u8], now_ms: u64) -> bool {
        self.get_untouched(key, now_ms).is_some()
    }

    /// Stores `value` at `key` with the given expiry (0 = none), replacing
    /// any previous entry.
    pub fn set(&mut self, key: &[u8], value: Value, expire_at_ms: u64, now_ms: u64) {
        self.store(key, NewValue::Value(value), expire_at_ms, now_ms);
    }

    /// Stores the string `bytes` at `key` (encoded as [`Value::from_bytes`]
    /// does) with the given expiry (0 = none), replacing any previous entry;
    /// an existing string of the same length is overwritten in place.
    pub fn set_string(&mut self, key: &[u8], bytes: &[u8], expire_at_ms: u64, now_ms: u64) {
        self.store(key, NewValue::Bytes(bytes), expire_at_ms, now_ms);
    }

    /// An existing entry is updated in place (its key is kept, not
    /// reallocated); otherwise a new one is inserted.
    fn store(&mut self, key: &[u8], value: NewValue<'_>, expire_at_ms: u64, now_ms: u64) {
        self.touch(key);
        match self.table.entry(key) {
            Slot::Occupied(entry) => {
                if entry.is_expired(now_ms) {
                    self.expired_total += 1;
                    self.notifier
                        .emit(self.index, notify::EXPIRED, "expired", key);
                    self.notifier.emit(self.index, notify::NEW, "new", key);
                    signal_ready(&self.blocked, &mut self.ready, key);
                }
                match (entry.expire_at_ms().is_some(), expire_at_ms != 0) {
                    (false, true) => self.volatile += 1,
                    (true, false) => self.volatile -= 1,
                    _ => {}
                }
                let access = if entry.is_expired(now_ms) {
                    self.access.initial(now_ms)
                } else {
                    self.access.used(entry.access(), now_ms)
                };
                entry.replace(value, expire_at_ms);
                entry.set_access(access);
            }
            Slot::Vacant(vacant) => {
                self.notifier.emit(self.index, notify::NEW, "new", key);
                signal_ready(&self.blocked, &mut self.ready, key);
                if expire_at_ms != 0 {
                    self.volatile += 1;
                }
                let access = self.access.initial(now_ms);
                vacant.insert(Entry::new(key, value, expire_at_ms, access));
            }
        }
    }

    /// The live entry for `key`, or a new one holding `make()` (without an
    /// expiry) if there is none; one lookup either way. An expired entry is
    /// replaced as if absent. The flag says whether the entry is new.
    pub fn get_or_insert_with(
        &mut self,
        key: &[u8],
        now_ms: u64,
        make: impl FnOnce() -> Value,
    ) -> (&mut Entry, bool) {
        match self.table.entry(key) {
            Slot::Occupied(entry) => {
                if !entry.is_expired(now_ms) {
                    stamp(&self.access, entry, now_ms);
                    return (entry, false);
                }
                let value = make();
                self.expired_total += 1;
                self.volatile -= 1;
                touch_watched(&mut self.watched, &mut self.touch_seq, key);
                self.notifier
                    .emit(self.index, notify::EXPIRED, "expired", key);
                self.notifier.emit(self.index, notify::NEW, "new", key);
                signal_ready(&self.blocked, &mut self.ready, key);
                entry.replace(NewValue::Value(value), 0);
                entry.set_access(self.access.initial(now_ms));
                (entry, true)
            }
            Slot::Vacant(vacant) => {
                self.notifier.emit(self.index, notify::NEW, "new", key);
                signal_ready(&self.blocked, &mut self.ready, key);
                let access = self.access.initial(now_ms);
                let entry = vacant.insert(Entry::new(key, NewValue::Value(make()), 0, access));
                (entry, true)
            }
        }
    }

    /// Replaces the value of a live entry, keeping its expiry.
    pub fn set_keep_ttl(&mut self, key: &[u8], value: Value, now_ms: u64) {
        match self.get(key, now_ms) {
            Some(e) => {
                e.assign(NewValue::Value(value));
                self.touch(key);
            }
            None => {
                self.set(key, value, 0, now_ms);
            }
        }
    }

    /// Sets or clears (0) the expiry of a live key. Returns false if the key
    /// does not exist.
    pub fn set_expire(&mut self, key: &[u8], expire_at_ms: u64, now_ms: u64) -> bool {
        let Some(e) = self.get(key, now_ms) else {
            return false;
        };
        let had = e.expire_at_ms().is_some();
        e.set_expire(expire_at_ms);
        match (had, expire_at_ms != 0) {
            (false, true) => self.volatile += 1,
            (true, false) => self.volatile -= 1,
            _ => {}
        }
        self.touch(key);
        true
    }

    /// Removes `key` whether or not it expired. Returns the entry.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let e = self.table.remove(key)?;
        if e.expire_at_ms().is_some() {
            self.volatile -= 1;
        }
        self.touch(key);
        Some(e)
    }

    /// The live value at `key`, read without removing an expired entry.
    pub fn live(&self, key: &[u8], now_ms: u64) -> Option<ValueRef<'_>> {
        self.live_entry(key, now_ms).map(Entry::value)
    }

    /// The entry at `key`, expired or not.
    pub fn stored(&self, key: &[u8]) -> Option<&Entry> {
        self.table.get(key)
    }

    /// The live entry at `key`, read without removing an expired one.
    pub fn live_entry(&self, key: &[u8], now_ms: u64) -> Option<&Entry> {
        self.table.get(key).filter(|e| !e.is_expired(now_ms))
    }

    /// A copy of a live key's value and its expiry (0 = none).
    pub fn peek(&mut self, key: &[u8], now_ms: u64) -> Option<(Value, u64)> {
        self.get(key, now_ms)
            .map(|e| (e.value().to_value(), e.expire_at_ms().unwrap_or(0)))
    }

    /// Removes `key` and gives its value and expiry (0 = none).
    pub fn take(&mut self, key: &[u8]) -> Option<(Value, u64)> {
        self.remove(key).map(Entry::into_parts)
    }

    /// Removes a live key (not a use); gives its entry.
    pub fn delete(&mut self, key: &[u8], now_ms: u64) -> Option<Entry> {
        self.contains(key, now_ms)
            .then(|| self.remove(key))
            .flatten()
    }

    /// Touches the watched keys that exist here or in `other` (Redis's
    /// `touchAllWatchedKeysInDb`).
    fn touch_existing(&mut self, other: Option<&Db>) {
        if self.watched.is_empty() {
            return;
        }
        let existing: Vec<Box<[u8]>> = self
            .watched
            .keys()
            .filter(|k| {
                self.table.get(k).is_some() || other.is_some_and(|o| o.table.get(k).is_some())
            })
            .cloned()
            .collect();
        for k in existing {
            self.touch(&k);
        }
    }

    pub fn clear(&mut self) {
        self.touch_existing(None);
        self.table.clear();
        self.volatile = 0;
        self.sweep_cursor = 0;
    }

    /// Empties the database and gives back its old table, to be freed
    /// elsewhere (FLUSHDB ASYNC). The watched keys stay watched here.
    pub fn take_contents(&mut self) -> Table<Entry> {
        self.touch_existing(None);
        let fresh = Table::new(ahash::RandomState::new());
        self.volatile = 0;
        self.sweep_cursor = 0;
        std::mem::replace(&mut self.table, fresh)
    }

    /// Exchanges the contents of two databases (SWAPDB); which keys are
    /// watched stays with each database index, as in Redis.
    pub fn swap_contents(a: &mut Db, b: &mut Db) {
        a.touch_existing(Some(b));
        b.touch_existing(Some(a));
        std::mem::swap(&mut a.table, &mut b.table);
        std::mem::swap(&mut a.volatile, &mut b.volatile);
        std::mem::swap(&mut a.sweep_cursor, &mut b.sweep_cursor);
        a.signal_existing();
        b.signal_existing();
    }

    /// All entries, expired ones included (callers filter with `now_ms`).
    pub fn iter(&self) -> impl Iterator<Item = &Entry> + '_ {
        self.table.iter()
    }

    /// Whether an entry is live at `now_ms`.
    pub fn is_live(entry: &Entry, now_ms: u64) -> bool {
        !entry.is_expired(now_ms)
    }

    /// SCAN over this database (see `Table::scan`).
    pub fn scan(&self, cursor: u64, count: usize, visit: impl FnMut(&Entry)) -> u64 {
        self.table.scan(cursor, count, visit)
    }

    /// A random live key, if any (tries a bounded number of samples, as
    /// Redis's RANDOMKEY does when it meets expired keys).
    pub fn random_key(&mut self, seed: u64, now_ms: u64) -> Option<Box<[u8]>> {
        let mut seed = seed;
        for _ in 0..100 {
            let e = self.table.random(seed)?;
            if !e.is_expired(now_ms) {
                return Some(e.key().into());
            }
            let key: Box<[u8]> = e.key().into();
            self.remove(&key);
            self.expired_total += 1;
            self.notify(notify::EXPIRED, "expired", &key);
            seed = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1);
        }
        None
    }

    /// One bounded step of active expiry: looks at up to `budget` entries
    /// from where the last step stopped.
    pub fn sweep_expired(&mut self, budget: usize, now_ms: u64) -> Swept {
        if self.volatile == 0 {
            return Swept::default();
        }
        let watched = &self.watched;
        let mut touched: Vec<Box<[u8]>> = Vec::new();
        let (notifier, index) = (&self.notifier, self.index);
        let (mut visited, mut volatile) = (0, 0);
        let (next, removed) = self.table.sweep(self.sweep_cursor, budget, |e| {
            visited += 1;
            volatile += usize::from(e.expire_at_ms().is_some());
            let expired = e.is_expired(now_ms);
            if expired {
                notifier.emit(index, notify::EXPIRED, "expired", e.key());
                if !watched.is_empty() && watched.contains_key(e.key()) {
                    touched.push(e.key().into());
                }
            }
            expired
        });
        for k in touched {
            self.touch(&k);
        }
        self.sweep_cursor = next;
        self.volatile -= removed;
        self.expired_total += removed as u64;
        Swept {
            visited,
            volatile,
            expired: removed,
        }
    }

    /// Visits up to `max` entries from a pseudo-random place (see
    /// `Table::sample`), for eviction.
    pub fn sample(&self, seed: u64, max: usize, visit: impl FnMut(&Entry)) {
        self.table.sample(seed, max, visit);
    }

    /// The access tracking of this database's keys.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// Removes `key` to make room under maxmemory (Redis's
    /// `deleteEvictedKeyAndPropagate`): WATCH sees it modified, and the
    /// "evicted" event is recorded. Returns whether it was there.
    pub fn evict(&mut self, key: &[u8]) -> bool {
        let Some(entry) = self.remove(key) else {
            return false;
        };
        drop(entry);
        self.notify(notify::EVICTED, "evicted", key);
        true
    }

    /// Checks the invariants; for tests and debug builds.
    pub fn verify_invariants(&self) {
        self.table.verify_invariants();
        let volatile = self
            .table
            .iter()
            .filter(|e| e.expire_at_ms().is_some())
            .count();
        assert_eq!(volatile, self.volatile, "volatile count");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Db {
        Db::new(ahash::RandomState::with_seeds(1, 2, 3, 4))
    }

    #[test]
    fn keys_of_any_length_behave_alike() {
        let mut d = db();
        let keys: Vec<Vec<u8>> = [0, 1, 22, 127, 128, 300]
            .iter()
            .map(|&n| (0..n).map(|i| b'a' + (i % 26) as u8).collect())
            .collect();
        for (i, k) in keys.iter().enumerate() {
            d.set(k, Value::Int(i as i64), 0, 0);
        }
        for (i, k) in keys.iter().enumerate() {
            let e = d.get(k, 0).expect("present");
            assert_eq!(e.key(), &k[..]);
            assert!(matches!(e.value(), ValueRef::Int(n) if n == i as i64));
        }
        // A key that is a prefix of another is a different key.
        assert!(d.get(&keys[2][..21], 0).is_none());
        assert!(d.delete(&keys[3], 0).is_some());
        assert!(d.get(&keys[3], 0).is_none());
        assert_eq!(d.len(), keys.len() - 1);
        d.verify_invariants();
    }

    #[test]
    fn set_string_overwrites_in_place_and_keeps_encodings() {
        let mut d = db();
        d.set_string(b"k", b"abcd", 0, 0);
        let before = d.get(b"k", 0).expect("present").as_ptr();
        d.set_string(b"k", b"wxyz", 0, 0);
        let e = d.get(b"k", 0).expect("present");
        assert_eq!(e.as_ptr(), before, "same size, same record");
        assert!(matches!(e.value(), ValueRef::Str(b"wxyz")));
        d.set_string(b"k", b"abcd", 100, 0);
        assert_eq!(d.get(b"k", 0).and_then(|e| e.expire_at_ms()), Some(100));
        assert_eq!(d.volatile_len(), 1);
        d.set_string(b"k", b"1234", 0, 0);
        assert!(matches!(
            d.get(b"k", 0).map(|e| e.value()),
            Some(ValueRef::Int(1234))
        ));
        d.set_string(b"k", b"abcdefgh", 0, 0);
        assert_eq!(d.get(b"k", 0).map(|e| e.value().encoding()), Some("embstr"));
        d.verify_invariants();
        // Replacing an expired entry counts it as expired.
        d.set_string(b"e", b"v", 5, 0);
        d.set_string(b"e", b"w", 0, 10);
        assert_eq!(d.expired_total, 1);
        d.verify_invariants();
    }

    #[test]
    fn encodings_follow_redis() {
        let encoding = |b: &[u8]| Value::from_bytes(b).view().encoding();
        assert_eq!(encoding(b"123"), "int");
        assert_eq!(encoding(b"-0"), "embstr");
        assert_eq!(encoding(b"0123"), "embstr");
        assert_eq!(encoding(&[b'a'; 44]), "embstr");
        assert_eq!(encoding(&[b'a'; 45]), "raw");
        let mut d = db();
        d.set_string(b"k", b"12", 0, 0);
        let e = d.get(b"k", 0).expect("present");
        e.make_raw().expect("a string").extend_from_slice(b"3");
        assert_eq!(e.value().encoding(), "raw");
        assert_eq!(e.value().string_bytes(&mut itoa::Buffer::new()), b"123");
    }

    #[test]
    fn expiry_is_lazy_and_counted() {
        let mut d = db();
        d.set(b"a", Value::Int(1), 100, 0);
        d.set(b"b", Value::Int(2), 0, 0);
        assert_eq!(d.volatile_len(), 1);
        assert!(d.get(b"a", 99).is_some());
        assert!(d.get(b"a", 100).is_none());
        assert_eq!(d.expired_total, 1);
        assert_eq!(d.volatile_len(), 0);
        assert_eq!(d.len(), 1);
        d.verify_invariants();
    }

    #[test]
    fn set_replacing_volatile_keeps_count() {
        let mut d = db();
        d.set(b"a", Value::Int(1), 100, 0);
        d.set(b"a", Value::Int(2), 0, 0);
        assert_eq!(d.volatile_len(), 0);
        d.set(b"a", Value::Int(2), 50, 0);
        assert!(d.set_expire(b"a", 0, 0));
        assert_eq!(d.volatile_len(), 0);
        d.verify_invariants();
    }

    #[test]
    fn get_or_insert_creates_once_and_replaces_expired_entries() {
        let mut d = db();
        let (e, created) = d.get_or_insert_with(b"h", 0, || Value::Hash(Box::default()));
        assert!(created);
        if let ValueMut::Hash(h) = e.value_mut() {
            let limits = hash::HashLimits {
                entries_max: 8,
                value_len_max: 8,
            };
            assert_eq!(h.set(b"f", b"v", limits), Ok(true));
        }
        let (e, created) = d.get_or_insert_with(b"h", 0, || Value::Int(0));
        assert!(!created);
        assert_eq!(e.value().type_name(), "hash");
        // An expired collection is replaced as if absent, and counted.
        assert!(d.set_expire(b"h", 10, 0));
        assert_eq!(d.volatile_len(), 1);
        let (e, created) = d.get_or_insert_with(b"h", 20, || {
            Value::Set(Box::new(set::Set::for_member(b"1")))
        });
        assert!(created);
        assert_eq!(e.value().encoding(), "intset");
        assert_eq!(e.expire_at_ms(), None);
        assert_eq!((d.volatile_len(), d.expired_total), (0, 1));
        d.verify_invariants();
    }

    #[test]
    fn collections_expire_and_are_swept_like_strings() {
        let mut d = db();
        for i in 0..100u32 {
            let key = format!("h{i}");
            let (e, _) = d.get_or_insert_with(key.as_bytes(), 0, || Value::Hash(Box::default()));
            assert_eq!(e.value().type_name(), "hash");
            let key = format!("s{i}");
            d.set(
                key.as_bytes(),
                Value::Set(Box::new(set::Set::for_member(b"x"))),
                10,
                0,
            );
        }
        assert_eq!((d.len(), d.volatile_len()), (200, 100));
        let mut removed = 0;
        while d.volatile_len() > 0 {
            removed += d.sweep_expired(50, 20).expired;
        }
        assert_eq!((removed, d.len()), (100, 100));
        d.verify_invariants();
    }

    #[test]
    fn sweep_removes_expired_within_budget() {
        let mut d = db();
        for i in 0..5000u32 {
            let exp = if i % 2 == 0 { 10 } else { 0 };
            d.set(format!("k{i}").as_bytes(), Value::Int(i64::from(i)), exp, 0);
        }
        let mut removed = 0;
        for _ in 0..1000 {
            let swept = d.sweep_expired(100, 20);
            let r = swept.expired;
            assert!(r <= swept.volatile && swept.volatile <= swept.visited);
            assert!(swept.visited <= 100);
            removed += r;
            if d.volatile_len() == 0 {
                break;
            }
        }
        assert_eq!(removed, 2500);
        assert_eq!(d.len(), 2500);
        d.verify_invariants();
    }
}
