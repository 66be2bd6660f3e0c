//! A loop of text events for `valgrind --tool=callgrind` (instructions per event are stable
//! run to run, unlike times): `text_loop [N] [local|utc|pinned]` logs the `text` bench's
//! event N times (default 100,000) with the system clock in the local zone (the default)
//! or UTC, or with the time pinned.
//!
//! ```text
//! cargo build --release -p klog-benches --bin text_loop
//! TZ=America/New_York valgrind --tool=callgrind target/release/text_loop 100000 local
//! ```
//!
//! Instructions per event: (total for N events − total for 0 events) / N.

use std::hint::black_box;

use klog_benches::{klog_side, EVENT};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let logger = match args.next().as_deref() {
        Some("utc") => klog_side::logger_utc(),
        Some("pinned") => klog_side::logger_pinned_clock(),
        _ => klog_side::logger(),
    };
    for _ in 0..n {
        klog_side::text(&logger, black_box(&EVENT));
    }
}
