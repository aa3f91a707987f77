//! What a key costs in memory, for MEMORY USAGE: the allocator's own size
//! of each allocation where it can tell (mimalloc's usable size), the
//! requested size elsewhere; large collections are sampled as Redis does
//! (`objectComputeSize`: the mean size of the first `samples` elements
//! times their number).

use std::mem;

/// Elements MEMORY USAGE looks at in a collection unless told otherwise
/// (Redis's `OBJ_COMPUTE_SIZE_DEF_SAMPLES`).
pub const SAMPLES_DEFAULT: usize = 5;

/// Bytes the allocator gave to the live allocation at `ptr`, whose
/// requested size was `requested`: mimalloc's usable size when mimalloc
/// owns it (the server's global allocator), else `requested`.
pub fn allocated(ptr: *const u8, requested: usize) -> usize {
    if requested == 0 {
        return 0;
    }
    // SAFETY: `mi_is_in_heap_region` takes any address (it looks it up in
    // mimalloc's page map); `mi_usable_size` needs the start of a live
    // mimalloc allocation, which `ptr` is when mimalloc owns its page:
    // callers pass the start of a live box, vector buffer or record.
    unsafe {
        if libmimalloc_sys::mi_is_in_heap_region(ptr.cast()) {
            libmimalloc_sys::mi_usable_size(ptr.cast())
        } else {
            requested
        }
    }
}

/// The process's figures from mimalloc: (committed bytes, resident set
/// size).
pub fn process() -> (usize, usize) {
    let mut v = [0usize; 8];
    let [elapsed, user, system, rss, peak_rss, commit, peak_commit, faults] = &mut v;
    // SAFETY: mi_process_info only writes through the pointers it is given.
    unsafe {
        libmimalloc_sys::mi_process_info(
            elapsed,
            user,
            system,
            rss,
            peak_rss,
            commit,
            peak_commit,
            faults,
        );
    }
    (v[5], v[3])
}

/// Bytes mimalloc has committed from the OS.
pub fn committed() -> usize {
    process().0
}

/// Bytes of a vector's buffer.
pub fn of_vec<T>(v: &Vec<T>) -> usize {
    allocated(v.as_ptr().cast(), v.capacity() * mem::size_of::<T>())
}

/// Bytes of a box's allocation (the box itself, not what it points to).
pub fn of_box<T: ?Sized>(b: &T) -> usize {
    allocated((b as *const T).cast(), mem::size_of_val(b))
}

/// The estimated bytes of `len` elements from the sizes of the first
/// `samples` of them (all when `samples` covers them).
pub fn sampled<T>(
    items: impl Iterator<Item = T>,
    len: usize,
    samples: usize,
    size: impl Fn(T) -> usize,
) -> usize {
    let (mut seen, mut bytes) = (0usize, 0usize);
    for item in items.take(samples) {
        seen += 1;
        bytes += size(item);
    }
    if seen == 0 || seen >= len {
        return bytes;
    }
    (bytes as f64 / seen as f64 * len as f64) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_extrapolates_the_mean_and_is_exact_when_it_sees_all() {
        let sizes = [10usize, 20, 30, 40];
        assert_eq!(sampled(sizes.iter(), 4, 2, |&s| s), 60);
        assert_eq!(sampled(sizes.iter(), 4, 4, |&s| s), 100);
        assert_eq!(sampled(sizes.iter(), 4, usize::MAX, |&s| s), 100);
        assert_eq!(sampled(sizes.iter().take(0), 0, 5, |&s| s), 0);
    }

    #[test]
    fn sizes_are_at_least_what_was_asked_for() {
        let v: Vec<u64> = Vec::with_capacity(3);
        assert!(of_vec(&v) >= 24);
        assert_eq!(of_vec(&Vec::<u64>::new()), 0);
        let b: Box<[u8]> = vec![1; 5].into();
        assert!(of_box(&*b) >= 5);
    }
}
