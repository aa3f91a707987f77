//! A key with its value and expiry, packed into one heap record behind a
//! thin pointer, so that a table slot costs 8 bytes and a small key costs
//! one allocation.
//!
//! Memory per key is a headline figure (DESIGN.md, "The shard"): a record
//! holds exactly what its key uses. Its bytes, in order:
//!
//! ```text
//! kind      1 byte: the value's kind (low 3 bits), HAS_EXPIRY (bit 3)
//! access    3 bytes, little-endian: when the key was last used (LRU clock)
//!           or how often (LFU), for eviction; see `keyspace::access`
//! key len   LEB128
//! key       the key's bytes
//! expiry    8 bytes, little-endian Unix ms; only when HAS_EXPIRY is set
//! payload   Int: 8 bytes, little-endian i64
//!           Str: LEB128 length, then the string's bytes (any length)
//!           Raw, Hash, Set, List, ZSet: 8 bytes, the address of the boxed
//!           growable string or collection this record owns
//! ```
//!
//! A 16-byte key with a 16-byte value is a 38-byte record (48 in
//! mimalloc's size classes), where a struct with inline key, value enum and
//! expiry took 56 bytes in the slot plus the value's own allocation.
//!
//! The record has alignment 1, so the expiry, integers and addresses in it
//! are read and written unaligned. Any change of the record's size (an
//! expiry added or removed, a string of another length) builds a new record
//! and frees the old one; changes that keep its size are made in place.

use super::hash::{len_size, Hash};
use super::list::List;
use super::set::Set;
use super::zset::ZSet;
use super::{memory, Value, ValueRef};
use std::alloc::{self, Layout};
use std::ptr::NonNull;

const KIND_INT: u8 = 0;
const KIND_STR: u8 = 1;
const KIND_RAW: u8 = 2;
const KIND_HASH: u8 = 3;
const KIND_SET: u8 = 4;
const KIND_LIST: u8 = 5;
const KIND_ZSET: u8 = 6;
const KIND_MASK: u8 = 0x07;
const HAS_EXPIRY: u8 = 0x08;

const EXPIRY_SIZE: usize = 8;
const WORD_SIZE: usize = 8;
/// Offset and size of the access field.
const ACCESS_AT: usize = 1;
const ACCESS_SIZE: usize = 3;
/// Where the key's length starts.
const HEADER_SIZE: usize = ACCESS_AT + ACCESS_SIZE;

/// An owned record (see the module documentation). Invariant: `ptr` is an
/// allocation of exactly `Shape::size` bytes with alignment 1, laid out as
/// the module documentation says, and owns the box its payload names.
pub struct Entry {
    ptr: NonNull<u8>,
}

// SAFETY: an `Entry` owns its record and the boxes it names, like a
// `Box<(Box<[u8]>, Value, u64)>` would, and shares them with nothing; the
// check below keeps every boxed value `Send` (FLUSHALL ASYNC drops tables
// on another thread).
unsafe impl Send for Entry {}
const _: () = {
    const fn value_is_send<T: Send>() {}
    value_is_send::<Value>();
};

const _: () = assert!(std::mem::size_of::<Option<Entry>>() == 8);

/// What a record is built from: a value, or string bytes (which become an
/// integer when they are one in canonical form, see [`Value::from_bytes`]).
pub enum NewValue<'a> {
    Value(Value),
    Bytes(&'a [u8]),
}

/// The payload a new record gets: an integer, string bytes to copy in, or
/// the address of a box to take over (with its kind).
enum Payload<'a> {
    Int(i64),
    Str(&'a [u8]),
    Boxed(u8, *mut u8),
}

/// Runs `f` with the payload for `value`. A boxed value's box is moved into
/// the payload, which `f` must store in a record.
fn with_payload<R>(value: NewValue<'_>, f: impl FnOnce(Payload<'_>) -> R) -> R {
    match value {
        NewValue::Bytes(b) => match Value::integer_of(b) {
            Some(n) => f(Payload::Int(n)),
            None => f(Payload::Str(b)),
        },
        NewValue::Value(Value::Int(n)) => f(Payload::Int(n)),
        NewValue::Value(Value::Str(b)) => f(Payload::Str(&b)),
        NewValue::Value(Value::Raw(v)) => {
            f(Payload::Boxed(KIND_RAW, Box::into_raw(Box::new(v)).cast()))
        }
        NewValue::Value(Value::Hash(h)) => f(Payload::Boxed(KIND_HASH, Box::into_raw(h).cast())),
        NewValue::Value(Value::Set(s)) => f(Payload::Boxed(KIND_SET, Box::into_raw(s).cast())),
        NewValue::Value(Value::List(l)) => f(Payload::Boxed(KIND_LIST, Box::into_raw(l).cast())),
        NewValue::Value(Value::ZSet(z)) => f(Payload::Boxed(KIND_ZSET, Box::into_raw(z).cast())),
    }
}

/// Where the parts of a record are.
#[derive(Clone, Copy)]
struct Shape {
    kind: u8,
    key_start: usize,
    key_len: usize,
    /// Offset of the expiry, when the record has one.
    expiry: Option<usize>,
    payload: usize,
}

/// Writes `n` as LEB128 at `dst`; returns the bytes written.
///
/// # Safety
/// `dst` must be valid for `len_size(n)` bytes of writes.
unsafe fn write_leb128(dst: *mut u8, mut n: usize) -> usize {
    let mut i = 0;
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        // SAFETY: the caller made room for all `len_size(n)` bytes.
        unsafe {
            if n == 0 {
                dst.add(i).write(byte);
                return i + 1;
            }
            dst.add(i).write(byte | 0x80);
        }
        i += 1;
    }
}

/// Reads a LEB128 number at `src`; returns it and the bytes it took.
///
/// # Safety
/// `src` must start a LEB128 number written by `write_leb128`.
unsafe fn read_leb128(src: *const u8) -> (usize, usize) {
    let (mut n, mut shift, mut i) = (0usize, 0, 0);
    loop {
        // SAFETY: the caller's number continues while bit 7 is set.
        let byte = unsafe { src.add(i).read() };
        n |= usize::from(byte & 0x7f) << shift;
        i += 1;
        if byte & 0x80 == 0 {
            return (n, i);
        }
        shift += 7;
    }
}

/// Size of a record for this key length, expiry and payload.
fn record_size(key_len: usize, expiry: bool, payload: &Payload<'_>) -> usize {
    let payload_size = match payload {
        Payload::Int(_) => WORD_SIZE,
        Payload::Str(b) => len_size(b.len()) + b.len(),
        Payload::Boxed(..) => WORD_SIZE,
    };
    HEADER_SIZE + len_size(key_len) + key_len + if expiry { EXPIRY_SIZE } else { 0 } + payload_size
}

fn layout(size: usize) -> Layout {
    match Layout::from_size_align(size, 1) {
        Ok(layout) => layout,
        Err(_) => alloc::handle_alloc_error(Layout::new::<u8>()),
    }
}

impl Entry {
    /// A record for `key` holding `value`, with expiry `expire_at_ms`
    /// (0 = none) and access field `access` (24 bits).
    pub(super) fn new(key: &[u8], value: NewValue<'_>, expire_at_ms: u64, access: u32) -> Entry {
        with_payload(value, |payload| {
            Entry::build(key, payload, expire_at_ms, access)
        })
    }

    fn build(key: &[u8], payload: Payload<'_>, expire_at_ms: u64, access: u32) -> Entry {
        let expiry = expire_at_ms != 0;
        let size = record_size(key.len(), expiry, &payload);
        let layout = layout(size);
        // SAFETY: `layout` has a non-zero size (at least the kind byte).
        let raw = unsafe { alloc::alloc(layout) };
        let Some(ptr) = NonNull::new(raw) else {
            alloc::handle_alloc_error(layout)
        };
        // SAFETY: every write below stays within the `size` bytes just
        // allocated, which `record_size` computed for exactly these parts.
        unsafe {
            raw.add(ACCESS_AT)
                .copy_from_nonoverlapping(access.to_le_bytes().as_ptr(), ACCESS_SIZE);
            let mut at = HEADER_SIZE;
            at += write_leb128(raw.add(at), key.len());
            raw.add(at)
                .copy_from_nonoverlapping(key.as_ptr(), key.len());
            at += key.len();
            if expiry {
                raw.add(at)
                    .cast::<[u8; 8]>()
                    .write(expire_at_ms.to_le_bytes());
                at += EXPIRY_SIZE;
            }
            let kind = match payload {
                Payload::Int(n) => {
                    raw.add(at).cast::<[u8; 8]>().write(n.to_le_bytes());
                    at += WORD_SIZE;
                    KIND_INT
                }
                Payload::Str(b) => {
                    at += write_leb128(raw.add(at), b.len());
                    raw.add(at).copy_from_nonoverlapping(b.as_ptr(), b.len());
                    at += b.len();
                    KIND_STR
                }
                Payload::Boxed(kind, b) => {
                    raw.add(at).cast::<*mut u8>().write_unaligned(b);
                    at += WORD_SIZE;
                    kind
                }
            };
            debug_assert_eq!(at, size, "record layout");
            raw.write(kind | if expiry { HAS_EXPIRY } else { 0 });
        }
        Entry { ptr }
    }

    fn shape(&self) -> Shape {
        let raw = self.ptr.as_ptr();
        // SAFETY: the record's header is laid out as the module says.
        unsafe {
            let head = raw.read();
            let (key_len, len_size) = read_leb128(raw.add(HEADER_SIZE));
            let key_start = HEADER_SIZE + len_size;
            let after_key = key_start + key_len;
            let (expiry, payload) = if head & HAS_EXPIRY != 0 {
                (Some(after_key), after_key + EXPIRY_SIZE)
            } else {
                (None, after_key)
            };
            debug_assert!(head & KIND_MASK <= KIND_ZSET, "unknown kind {head:#x}");
            Shape {
                kind: head & KIND_MASK,
                key_start,
                key_len,
                expiry,
                payload,
            }
        }
    }

    /// The record's size in bytes, from its contents.
    fn size(&self, shape: Shape) -> usize {
        match shape.kind {
            KIND_STR => {
                let (len, len_size) = self.str_at(shape.payload);
                shape.payload + len_size + len
            }
            _ => shape.payload + WORD_SIZE,
        }
    }

    /// Length and length-prefix size of the string payload at `at`.
    fn str_at(&self, at: usize) -> (usize, usize) {
        // SAFETY: a Str payload starts with its LEB128 length.
        unsafe { read_leb128(self.ptr.as_ptr().add(at)) }
    }

    fn word_at(&self, at: usize) -> [u8; 8] {
        // SAFETY: `at` is the offset of an 8-byte field of the record.
        unsafe { self.ptr.as_ptr().add(at).cast::<[u8; 8]>().read() }
    }

    fn boxed_at(&self, at: usize) -> *mut u8 {
        // SAFETY: `at` is the offset of a boxed payload's address.
        unsafe { self.ptr.as_ptr().add(at).cast::<*mut u8>().read_unaligned() }
    }

    pub fn key(&self) -> &[u8] {
        let shape = self.shape();
        // SAFETY: the key's bytes are at `key_start`, `key_len` of them,
        // and live as long as the record.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(shape.key_start), shape.key_len) }
    }

    /// The access field (24 bits): what eviction knows of the key's use.
    pub fn access(&self) -> u32 {
        let mut b = [0u8; 4];
        // SAFETY: every record has the 3-byte access field at ACCESS_AT.
        unsafe {
            self.ptr
                .as_ptr()
                .add(ACCESS_AT)
                .copy_to_nonoverlapping(b.as_mut_ptr(), ACCESS_SIZE)
        };
        u32::from_le_bytes(b)
    }

    /// Sets the access field (its low 24 bits). Through `&self`: reads
    /// update it (Redis's LRU/LFU stamp on lookup) while the key may be
    /// borrowed elsewhere.
    pub fn set_access(&self, access: u32) {
        // SAFETY: the field is in the record's allocation; no reference to
        // it is ever handed out (`access` copies it), and an `Entry` is
        // not `Sync`, so no other thread reads it meanwhile.
        unsafe {
            self.ptr
                .as_ptr()
                .add(ACCESS_AT)
                .copy_from_nonoverlapping(access.to_le_bytes().as_ptr(), ACCESS_SIZE)
        };
    }

    /// Unix ms of expiry, if the key has one.
    pub fn expire_at_ms(&self) -> Option<u64> {
        let at = self.shape().expiry?;
        Some(u64::from_le_bytes(self.word_at(at)))
    }

    /// Whether the key has expired at `now_ms`.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        self.expire_at_ms().is_some_and(|at| at <= now_ms)
    }

    /// The value, borrowed.
    pub fn value(&self) -> ValueRef<'_> {
        let shape = self.shape();
        let at = shape.payload;
        // SAFETY: the payload is the kind's, as `build` wrote it; a boxed
        // payload's address names a live box this record owns.
        unsafe {
            match shape.kind {
                KIND_INT => ValueRef::Int(i64::from_le_bytes(self.word_at(at))),
                KIND_STR => {
                    let (len, len_size) = self.str_at(at);
                    let start = self.ptr.as_ptr().add(at + len_size);
                    ValueRef::Str(std::slice::from_raw_parts(start, len))
                }
                KIND_RAW => ValueRef::Raw(&*self.boxed_at(at).cast::<Vec<u8>>()),
                KIND_HASH => ValueRef::Hash(&*self.boxed_at(at).cast::<Hash>()),
                KIND_SET => ValueRef::Set(&*self.boxed_at(at).cast::<Set>()),
                KIND_LIST => ValueRef::List(&*self.boxed_at(at).cast::<List>()),
                _ => ValueRef::ZSet(&*self.boxed_at(at).cast::<ZSet>()),
            }
        }
    }

    /// The value, for edits in place: collections and growable strings
    /// mutably, integers and short strings by value (they change through
    /// [`Entry::assign`] or [`Entry::make_raw`]).
    pub fn value_mut(&mut self) -> ValueMut<'_> {
        let shape = self.shape();
        let at = shape.payload;
        // SAFETY: as in `value`; `&mut self` makes the borrow unique.
        unsafe {
            match shape.kind {
                KIND_RAW => ValueMut::Raw(&mut *self.boxed_at(at).cast::<Vec<u8>>()),
                KIND_HASH => ValueMut::Hash(&mut *self.boxed_at(at).cast::<Hash>()),
                KIND_SET => ValueMut::Set(&mut *self.boxed_at(at).cast::<Set>()),
                KIND_LIST => ValueMut::List(&mut *self.boxed_at(at).cast::<List>()),
                KIND_ZSET => ValueMut::ZSet(&mut *self.boxed_at(at).cast::<ZSet>()),
                _ => ValueMut::Inline,
            }
        }
    }

    /// Replaces the value, keeping the key and expiry. A string of the
    /// same length, or an integer over an integer, is written in place.
    pub fn assign(&mut self, value: NewValue<'_>) {
        let expire_at_ms = self.expire_at_ms().unwrap_or(0);
        self.replace(value, expire_at_ms);
    }

    /// Replaces the value and the expiry (0 = none), keeping the key.
    pub(super) fn replace(&mut self, value: NewValue<'_>, expire_at_ms: u64) {
        with_payload(value, |payload| self.replace_payload(payload, expire_at_ms));
    }

    fn replace_payload(&mut self, payload: Payload<'_>, expire_at_ms: u64) {
        let shape = self.shape();
        let same_expiry = shape.expiry.is_some() == (expire_at_ms != 0);
        let raw = self.ptr.as_ptr();
        match (&payload, shape.kind) {
            (Payload::Int(n), KIND_INT) if same_expiry => {
                // SAFETY: an Int payload is 8 bytes at `payload`.
                unsafe {
                    raw.add(shape.payload)
                        .cast::<[u8; 8]>()
                        .write(n.to_le_bytes())
                };
                self.set_expiry_in_place(shape, expire_at_ms);
            }
            (Payload::Str(b), KIND_STR)
                if same_expiry && self.str_at(shape.payload).0 == b.len() =>
            {
                let len_size = len_size(b.len());
                // SAFETY: the old string has `b.len()` bytes at this offset.
                unsafe {
                    raw.add(shape.payload + len_size)
                        .copy_from_nonoverlapping(b.as_ptr(), b.len())
                };
                self.set_expiry_in_place(shape, expire_at_ms);
            }
            _ => {
                let fresh = Entry::build(self.key(), payload, expire_at_ms, self.access());
                *self = fresh;
            }
        }
    }

    fn set_expiry_in_place(&mut self, shape: Shape, expire_at_ms: u64) {
        if let Some(at) = shape.expiry {
            // SAFETY: the record has an 8-byte expiry at `at`.
            unsafe {
                self.ptr
                    .as_ptr()
                    .add(at)
                    .cast::<[u8; 8]>()
                    .write(expire_at_ms.to_le_bytes())
            };
        }
    }

    /// Sets or clears (0) the expiry, keeping key and value.
    pub(super) fn set_expire(&mut self, expire_at_ms: u64) {
        let shape = self.shape();
        if shape.expiry.is_some() == (expire_at_ms != 0) {
            self.set_expiry_in_place(shape, expire_at_ms);
            return;
        }
        // The record changes size: move key and value into a new one. A
        // boxed payload's address is copied as is, and the old record is
        // freed without dropping the box it shared.
        let size = self.size(shape);
        let payload_len = size - shape.payload;
        let old = self.ptr.as_ptr();
        let new_size = if expire_at_ms != 0 {
            size + EXPIRY_SIZE
        } else {
            size - EXPIRY_SIZE
        };
        let layout = layout(new_size);
        // SAFETY: `layout` is non-zero; the copies stay within the old
        // record's `size` bytes and the new one's `new_size` bytes, which
        // differ exactly by the expiry field.
        unsafe {
            let raw = alloc::alloc(layout);
            let Some(ptr) = NonNull::new(raw) else {
                alloc::handle_alloc_error(layout)
            };
            let after_key = shape.key_start + shape.key_len;
            raw.copy_from_nonoverlapping(old, after_key);
            let mut at = after_key;
            if expire_at_ms != 0 {
                raw.add(at)
                    .cast::<[u8; 8]>()
                    .write(expire_at_ms.to_le_bytes());
                at += EXPIRY_SIZE;
                raw.write(shape.kind | HAS_EXPIRY);
            } else {
                raw.write(shape.kind);
            }
            raw.add(at)
                .copy_from_nonoverlapping(old.add(shape.payload), payload_len);
            alloc::dealloc(old, self::layout(size));
            self.ptr = ptr;
        }
    }

    /// Turns a string value into a growable one (Redis's "raw" encoding)
    /// for edits in place, and gives it; `None` if the value is not a
    /// string.
    pub fn make_raw(&mut self) -> Option<&mut Vec<u8>> {
        let bytes = match self.value() {
            ValueRef::Raw(_) => None,
            value if value.is_string() => {
                Some(value.string_bytes(&mut itoa::Buffer::new()).to_vec())
            }
            _ => return None,
        };
        if let Some(bytes) = bytes {
            let expire_at_ms = self.expire_at_ms().unwrap_or(0);
            let raw = Box::into_raw(Box::new(bytes)).cast();
            let fresh = Entry::build(
                self.key(),
                Payload::Boxed(KIND_RAW, raw),
                expire_at_ms,
                self.access(),
            );
            *self = fresh;
        }
        match self.value_mut() {
            ValueMut::Raw(v) => Some(v),
            _ => None,
        }
    }

    /// The value and expiry (0 = none), moved out; the key is dropped.
    pub(super) fn into_parts(self) -> (Value, u64) {
        let shape = self.shape();
        let expire_at_ms = self.expire_at_ms().unwrap_or(0);
        let at = shape.payload;
        // SAFETY: a boxed payload's box is taken over here and the record
        // is then freed without dropping it again (`forget`).
        let value = unsafe {
            match shape.kind {
                KIND_INT => Value::Int(i64::from_le_bytes(self.word_at(at))),
                KIND_STR => Value::Str(self.value().string_bytes(&mut itoa::Buffer::new()).into()),
                KIND_RAW => Value::Raw(*Box::from_raw(self.boxed_at(at).cast::<Vec<u8>>())),
                KIND_HASH => Value::Hash(Box::from_raw(self.boxed_at(at).cast())),
                KIND_SET => Value::Set(Box::from_raw(self.boxed_at(at).cast())),
                KIND_LIST => Value::List(Box::from_raw(self.boxed_at(at).cast())),
                _ => Value::ZSet(Box::from_raw(self.boxed_at(at).cast())),
            }
        };
        let size = self.size(shape);
        // SAFETY: the record was allocated with this layout.
        unsafe { alloc::dealloc(self.ptr.as_ptr(), layout(size)) };
        std::mem::forget(self);
        (value, expire_at_ms)
    }

    /// Bytes the record itself takes (not the boxes it names).
    pub fn record_size(&self) -> usize {
        self.size(self.shape())
    }

    /// Bytes this key takes (MEMORY USAGE): its table slot and tag, its
    /// record, and what the record owns, collections sampled up to
    /// `samples` elements (see `memory::sampled`).
    pub fn memory_usage(&self, samples: usize) -> usize {
        let slot = std::mem::size_of::<Entry>() + 1;
        let record = memory::allocated(self.as_ptr(), self.record_size());
        let owned = match self.value() {
            ValueRef::Int(_) | ValueRef::Str(_) => 0,
            ValueRef::Raw(_) => {
                let shape = self.shape();
                // SAFETY: a Raw payload names the record's `Vec<u8>` box.
                let v = unsafe { &*self.boxed_at(shape.payload).cast::<Vec<u8>>() };
                memory::of_box(v) + memory::of_vec(v)
            }
            ValueRef::Hash(h) => memory::of_box(h) + h.heap_size(samples),
            ValueRef::Set(s) => memory::of_box(s) + s.heap_size(samples),
            ValueRef::List(l) => memory::of_box(l) + l.heap_size(samples),
            ValueRef::ZSet(z) => memory::of_box(z) + z.heap_size(samples),
        };
        slot + record + owned
    }

    /// The record's address, for prefetching.
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr.as_ptr()
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        let shape = self.shape();
        let at = shape.payload;
        // SAFETY: the record owns its boxed payload, dropped here once, and
        // was allocated with the layout of its size.
        unsafe {
            match shape.kind {
                KIND_RAW => drop(Box::from_raw(self.boxed_at(at).cast::<Vec<u8>>())),
                KIND_HASH => drop(Box::from_raw(self.boxed_at(at).cast::<Hash>())),
                KIND_SET => drop(Box::from_raw(self.boxed_at(at).cast::<Set>())),
                KIND_LIST => drop(Box::from_raw(self.boxed_at(at).cast::<List>())),
                KIND_ZSET => drop(Box::from_raw(self.boxed_at(at).cast::<ZSet>())),
                _ => {}
            }
            alloc::dealloc(self.ptr.as_ptr(), layout(self.size(shape)));
        }
    }
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("key", &String::from_utf8_lossy(self.key()))
            .field("value", &self.value())
            .field("expire_at_ms", &self.expire_at_ms())
            .finish()
    }
}

/// A value borrowed for edits in place (see [`Entry::value_mut`]).
pub enum ValueMut<'a> {
    /// An integer or a short string: replaced, not edited.
    Inline,
    Raw(&'a mut Vec<u8>),
    Hash(&'a mut Hash),
    Set(&'a mut Set),
    List(&'a mut List),
    ZSet(&'a mut ZSet),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of(len: usize) -> Vec<u8> {
        (0..len).map(|i| b'a' + (i % 26) as u8).collect()
    }

    #[test]
    fn a_small_string_key_is_one_small_record() {
        let e = Entry::new(b"key:000000123456", NewValue::Bytes(&[b'x'; 16]), 0, 0);
        assert_eq!(e.record_size(), 38);
        assert_eq!(e.key(), b"key:000000123456");
        assert!(matches!(e.value(), ValueRef::Str(b) if b == [b'x'; 16]));
        assert_eq!(e.expire_at_ms(), None);
        let e = Entry::new(b"n", NewValue::Bytes(b"-42"), 7, 0);
        assert!(matches!(e.value(), ValueRef::Int(-42)));
        assert_eq!(
            (e.record_size(), e.expire_at_ms()),
            (4 + 1 + 1 + 8 + 8, Some(7))
        );
    }

    #[test]
    fn every_kind_round_trips_with_and_without_expiry() {
        let values = || {
            vec![
                Value::Int(i64::MIN),
                Value::Str(key_of(300).into()),
                Value::Str(Box::default()),
                Value::Raw(b"raw".to_vec()),
                Value::Hash(Box::default()),
                Value::Set(Box::new(Set::for_member(b"m"))),
                Value::List(Box::new(List::new(-2))),
                Value::ZSet(Box::new(ZSet::for_first_member(
                    1,
                    super::super::zset::ZsetLimits {
                        entries_max: 128,
                        value_len_max: 64,
                    },
                ))),
            ]
        };
        for key_len in [0, 1, 127, 128, 20_000] {
            let key = key_of(key_len);
            for expiry in [0, 1, u64::MAX] {
                for value in values() {
                    let type_name = value.view().type_name();
                    let bytes = value.view().string_bytes(&mut itoa::Buffer::new()).to_vec();
                    let mut e = Entry::new(&key, NewValue::Value(value), expiry, 0xAB_CDEF);
                    assert_eq!(e.key(), &key[..]);
                    assert_eq!(e.access(), 0xAB_CDEF);
                    assert_eq!(e.expire_at_ms().unwrap_or(0), expiry);
                    assert_eq!(e.value().type_name(), type_name);
                    assert_eq!(e.value().string_bytes(&mut itoa::Buffer::new()), &bytes[..]);
                    // Expiry added, changed and removed keeps the rest.
                    for next in [5, 6, 0, 9] {
                        e.set_expire(next);
                        assert_eq!(e.expire_at_ms().unwrap_or(0), next);
                        assert_eq!(e.key(), &key[..]);
                        assert_eq!(e.access(), 0xAB_CDEF);
                        assert_eq!(e.value().type_name(), type_name);
                        assert_eq!(e.value().string_bytes(&mut itoa::Buffer::new()), &bytes[..]);
                    }
                    let (value, at) = e.into_parts();
                    assert_eq!((value.view().type_name(), at), (type_name, 9));
                }
            }
        }
    }

    #[test]
    fn assign_writes_in_place_when_the_size_stays() {
        let mut e = Entry::new(b"k", NewValue::Bytes(b"abcd"), 100, 7);
        e.set_access(0x12_3456);
        let before = e.as_ptr();
        e.assign(NewValue::Bytes(b"wxyz"));
        assert_eq!(e.as_ptr(), before);
        assert!(matches!(e.value(), ValueRef::Str(b"wxyz")));
        assert_eq!(e.expire_at_ms(), Some(100));
        e.assign(NewValue::Bytes(b"12"));
        assert!(matches!(e.value(), ValueRef::Int(12)));
        let before = e.as_ptr();
        e.replace(NewValue::Value(Value::Int(-5)), 200);
        assert_eq!(e.as_ptr(), before);
        assert_eq!(e.expire_at_ms(), Some(200));
        e.replace(NewValue::Bytes(b"longer string"), 0);
        assert!(matches!(e.value(), ValueRef::Str(b"longer string")));
        assert_eq!(e.expire_at_ms(), None);
        e.assign(NewValue::Value(Value::Hash(Box::default())));
        assert_eq!(e.value().type_name(), "hash");
        e.assign(NewValue::Bytes(b"back"));
        assert!(matches!(e.value(), ValueRef::Str(b"back")));
        assert_eq!(e.access(), 0x12_3456, "a new record keeps the access field");
    }

    #[test]
    fn make_raw_keeps_the_string_and_the_expiry() {
        let mut e = Entry::new(b"k", NewValue::Bytes(b"12"), 50, 99);
        e.make_raw().expect("a string").extend_from_slice(b"3");
        assert_eq!(e.access(), 99);
        assert!(matches!(e.value(), ValueRef::Raw(b) if b == b"123"));
        assert_eq!(e.expire_at_ms(), Some(50));
        e.make_raw().expect("a string").push(b'4');
        assert_eq!(e.value().string_bytes(&mut itoa::Buffer::new()), b"1234");
        let mut e = Entry::new(b"h", NewValue::Value(Value::Hash(Box::default())), 0, 0);
        assert!(e.make_raw().is_none());
        assert_eq!(e.value().type_name(), "hash");
    }
}
