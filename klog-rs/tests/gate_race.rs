//! A call site's cached gate under changes of `-v` racing with calls that compute it:
//! right after a change, the changing thread's own call must see it. A gate computed from
//! the replaced settings by another thread must never be visible, not even until that
//! thread notices the change (it was, for a moment, before the gate was stamped with the
//! generation of its last reset).
//!
//! Own test binary because `-v` is process-wide.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use klog::TextSink;

/// One macro call site, shared by every thread.
fn v5(logger: &klog::Logger) -> bool {
    klog::enabled!(v: 5, logger)
}

#[test]
fn a_gate_computed_from_replaced_settings_is_never_seen() {
    // A sink that follows the global `-v`: the gate is the whole decision's bound.
    let logger = TextSink::builder().writer(std::io::sink()).build_logger();
    let stop = Arc::new(AtomicBool::new(false));
    let callers: Vec<_> = (0..2)
        .map(|_| {
            let stop = stop.clone();
            let logger = logger.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::hint::black_box(v5(&logger));
                }
            })
        })
        .collect();
    let mut wrong = Vec::new();
    for round in 0..50_000 {
        let on = round % 2 == 0;
        klog::set_verbosity(if on { 5 } else { 0 });
        if v5(&logger) != on {
            wrong.push(round);
        }
    }
    stop.store(true, Ordering::Relaxed);
    for caller in callers {
        caller.join().expect("caller");
    }
    assert!(
        wrong.is_empty(),
        "{} rounds saw a stale gate: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );
}
