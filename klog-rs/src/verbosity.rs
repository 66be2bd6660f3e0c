//! The global `-v` threshold and the fast upper bound the macros check first.
//!
//! `max_v()` is one relaxed atomic load: the upper bound of every threshold any live sink
//! uses (the global `-v` and the thresholds sinks were built with). A call whose level is
//! above it is disabled everywhere, so its values are never evaluated.

use std::sync::atomic::{AtomicI32, Ordering};

/// klog's `-v`.
static GLOBAL_V: AtomicI32 = AtomicI32::new(0);
/// The largest threshold a sink was built with.
static SINK_MAX_V: AtomicI32 = AtomicI32::new(i32::MIN);
/// `max(GLOBAL_V, SINK_MAX_V)`: the first check of every call.
static MAX_V: AtomicI32 = AtomicI32::new(0);

/// Sets the global `-v` threshold: `V(n)` calls with `n` above it are disabled in sinks
/// that follow the global threshold. Takes effect at once, on every thread.
///
/// ```
/// klog::set_verbosity(2);
/// assert_eq!(klog::verbosity(), 2);
/// # klog::set_verbosity(0);
/// ```
pub fn set_verbosity(v: i32) {
    GLOBAL_V.store(v, Ordering::Relaxed);
    recompute();
}

/// The global `-v` threshold.
///
/// ```
/// assert!(klog::verbosity() >= i32::MIN);
/// ```
#[must_use]
pub fn verbosity() -> i32 {
    GLOBAL_V.load(Ordering::Relaxed)
}

/// Called by sinks with their own threshold so the fast check never silences them.
pub(crate) fn register_sink_threshold(v: i32) {
    SINK_MAX_V.fetch_max(v, Ordering::Relaxed);
    recompute();
}

fn recompute() {
    let max = GLOBAL_V
        .load(Ordering::Relaxed)
        .max(SINK_MAX_V.load(Ordering::Relaxed));
    MAX_V.store(max, Ordering::Relaxed);
}

/// The upper bound of all thresholds: a level above it is disabled everywhere.
#[inline(always)]
pub(crate) fn max_v() -> i32 {
    MAX_V.load(Ordering::Relaxed)
}
