//! Freeing large values away from the shards' cores, as Redis's lazyfree:
//! UNLINK of a value whose freeing takes more than [`LAZYFREE_THRESHOLD`]
//! allocations, and the old tables of FLUSHALL / FLUSHDB ASYNC, go to one
//! background thread (started on first use) that drops them in order.
//! Memory freed there leaves `used_memory` as it goes (`alloc.rs` sums
//! every thread's counter).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::OnceLock;

/// Values whose freeing takes more allocations than this are freed in the
/// background by UNLINK (Redis's `LAZYFREE_THRESHOLD`).
pub const LAZYFREE_THRESHOLD: usize = 64;

/// What the thread frees, and how many objects (keys) it stands for.
type Garbage = (Box<dyn Send>, usize);

static FREER: OnceLock<Option<Sender<Garbage>>> = OnceLock::new();
/// Handed over and not yet freed (INFO's `lazyfree_pending_objects`).
static PENDING: AtomicUsize = AtomicUsize::new(0);
/// Freed in the background so far (INFO's `lazyfreed_objects`).
static FREED: AtomicU64 = AtomicU64::new(0);

/// The background thread's queue; `None` if it could not be started.
fn freer() -> Option<&'static Sender<Garbage>> {
    FREER
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel::<Garbage>();
            let started = std::thread::Builder::new()
                .name("shoal-free".into())
                .spawn(move || {
                    for (garbage, objects) in rx {
                        drop(garbage);
                        PENDING.fetch_sub(objects, Ordering::Relaxed);
                        FREED.fetch_add(objects as u64, Ordering::Relaxed);
                    }
                });
            match started {
                Ok(_) => Some(tx),
                Err(e) => {
                    tracing::warn!("cannot start the background free thread ({e}); freeing inline");
                    None
                }
            }
        })
        .as_ref()
}

/// Frees `garbage`, which holds `objects` keys (Redis counts a flushed
/// database's keys, an unlinked value as one), on the background thread;
/// inline if there is none.
pub fn free_later(garbage: Box<dyn Send>, objects: usize) {
    let Some(tx) = freer() else {
        drop(garbage);
        return;
    };
    PENDING.fetch_add(objects, Ordering::Relaxed);
    if let Err(mpsc::SendError((garbage, objects))) = tx.send((garbage, objects)) {
        PENDING.fetch_sub(objects, Ordering::Relaxed);
        drop(garbage);
    }
}

/// Objects handed over and not yet freed.
pub fn pending() -> usize {
    PENDING.load(Ordering::Relaxed)
}

/// Objects freed in the background so far.
pub fn freed() -> u64 {
    FREED.load(Ordering::Relaxed)
}

/// Starts `lazyfreed_objects` again (CONFIG RESETSTAT).
pub fn reset_freed() {
    FREED.store(0, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn garbage_is_freed_in_the_background() {
        let before = freed();
        struct Noisy(std::sync::mpsc::Sender<()>);
        impl Drop for Noisy {
            fn drop(&mut self) {
                let _ = self.0.send(());
            }
        }
        let (tx, rx) = mpsc::channel();
        free_later(Box::new(Noisy(tx)), 1);
        rx.recv_timeout(Duration::from_secs(10)).expect("dropped");
        let deadline = Instant::now() + Duration::from_secs(10);
        while freed() == before {
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
