//! A counting global allocator for the bridges' allocation tests: exact heap allocation
//! counts per thread (a const-initialised thread-local, which never allocates itself), so
//! tests running in parallel do not disturb each other's counts.
//!
//! A test binary installs it as its global allocator:
//!
//! ```
//! use klog_bridge_test_support::alloc::{allocations, CountingAllocator};
//!
//! #[global_allocator]
//! static GLOBAL: CountingAllocator = CountingAllocator;
//!
//! assert_eq!(allocations(|| drop(std::hint::black_box(Box::new(1)))), 1);
//! assert_eq!(allocations(|| ()), 0);
//! ```
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Forwards to the system allocator and counts this thread's allocations.
#[derive(Debug)]
pub struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: during thread teardown the slot may be gone; such allocations are not
    // part of any measurement.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// only addition is a thread-local counter increment, which neither allocates nor unwinds.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: as above; `ptr` was allocated by `System` through this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// This thread's allocations while `f` runs (0 unless [`CountingAllocator`] is the
/// binary's global allocator).
pub fn allocations(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

/// Allocations per call of `f`, after a warm-up that fills per-thread buffers and caches.
pub fn allocations_per_call(mut f: impl FnMut()) -> u64 {
    for _ in 0..100 {
        f();
    }
    allocations(|| {
        for _ in 0..1_000 {
            f();
        }
    }) / 1_000
}
