//! The server's global allocator: mimalloc, counting the bytes it hands
//! out per thread, as Redis's zmalloc counts `used_memory`.
//!
//! Each thread adds the usable size of what it allocates to its own
//! counter and subtracts the usable size of what it frees. A thread's
//! counter is written only by that thread (a plain load and store, no
//! locked instruction, no cache line shared with another writer); others
//! only read it. The sum over all threads is the bytes in use, exactly,
//! even when a block is freed by another thread than the one that
//! allocated it (a value moved between shards, FLUSHALL ASYNC's
//! background free): one counter went up, another down. A single
//! thread's counter is therefore not what that thread holds; eviction
//! (`evict.rs`) uses it only to tell how much its own core changed the
//! sum since it last added the counters up.
//!
//! When another global allocator is in use (unit tests of this crate) the
//! counters stay at zero and [`installed`] says so.

use mimalloc::MiMalloc;
use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering};

/// Threads with a counter of their own; later threads share one counter
/// (updated with atomic adds), which changes nothing but speed.
const OWN_COUNTERS: usize = 128;

/// One thread's counter, alone on its cache line.
#[repr(align(64))]
struct Counter(AtomicIsize);

static COUNTERS: [Counter; OWN_COUNTERS + 1] =
    [const { Counter(AtomicIsize::new(0)) }; OWN_COUNTERS + 1];
/// Index of the shared counter.
const SHARED: usize = OWN_COUNTERS;
/// Counters handed out so far.
static NEXT: AtomicUsize = AtomicUsize::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// This thread's counter index plus one (0: not assigned yet).
    static INDEX: Cell<usize> = const { Cell::new(0) };
}

/// This thread's counter index, assigned on first use.
fn index() -> usize {
    INDEX
        .try_with(|i| {
            if i.get() == 0 {
                let next = NEXT.fetch_add(1, Ordering::Relaxed);
                i.set(next.min(SHARED) + 1);
            }
            i.get() - 1
        })
        // During thread teardown: the shared counter.
        .unwrap_or(SHARED)
}

/// Adds `delta` bytes to this thread's counter.
#[inline]
fn count(delta: isize) {
    let i = index();
    let counter = &COUNTERS[i].0;
    if i == SHARED {
        counter.fetch_add(delta, Ordering::Relaxed);
    } else {
        // Only this thread writes its counter.
        counter.store(
            counter.load(Ordering::Relaxed).wrapping_add(delta),
            Ordering::Relaxed,
        );
    }
}

fn usable(ptr: *mut u8) -> isize {
    // SAFETY: `ptr` is a live mimalloc allocation (callers pass what
    // mimalloc just returned or is about to free).
    unsafe { libmimalloc_sys::mi_usable_size(ptr.cast()) as isize }
}

/// mimalloc, counting (see the module documentation).
pub struct Counting;

// SAFETY: every call is passed to mimalloc unchanged; the counting reads
// the usable size of blocks mimalloc owns and touches no allocation.
unsafe impl GlobalAlloc for Counting {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is MiMalloc's.
        let p = unsafe { MiMalloc.alloc(layout) };
        if !p.is_null() {
            count(usable(p));
        }
        p
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { MiMalloc.alloc_zeroed(layout) };
        if !p.is_null() {
            count(usable(p));
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-usable(ptr));
        // SAFETY: as `alloc`.
        unsafe { MiMalloc.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let before = usable(ptr);
        // SAFETY: as `alloc`.
        let p = unsafe { MiMalloc.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            count(usable(p) - before);
        }
        p
    }
}

/// Records that the counting allocator is the global one; `shoal-server`
/// calls it first thing.
pub fn install() {
    INSTALLED.store(true, Ordering::Relaxed);
}

/// Whether the counting allocator is the global one.
pub fn installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// Bytes allocated and not yet freed, all threads.
pub fn used_total() -> usize {
    let sum: isize = COUNTERS
        .iter()
        .map(|c| c.0.load(Ordering::Relaxed))
        .fold(0, isize::wrapping_add);
    sum.max(0) as usize
}

/// This thread's counter: bytes it allocated less bytes it freed,
/// whoever allocated them (see the module documentation). Threads past
/// the first [`OWN_COUNTERS`] share one.
pub fn this_thread() -> isize {
    COUNTERS[index()].0.load(Ordering::Relaxed)
}
