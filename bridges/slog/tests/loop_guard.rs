//! Both directions at once: a klog logger that writes to slog, whose drain writes back to
//! the same klog logger. The re-entrancy guard stops each record instead of looping
//! until the stack overflows.

use std::fmt;

use klog::{Logger, SharedBuffer};
use klog_bridge_test_support::{loop_logger, Tee};
use klog_slog::{KlogDrain, SlogSink};
use slog::o;

/// klog logger → `Tee` (writes `out`) → `SlogSink` → slog → `KlogDrain` → the klog logger.
fn looped(out: &SharedBuffer) -> (Logger, slog::Logger) {
    let (logger, next) = Tee::logger(loop_logger(out, "loop.rs"));
    let slog_logger = slog::Logger::root(KlogDrain::new(logger.clone()), o!());
    let _ = next.set(SlogSink::new(slog_logger.clone()).into_logger());
    (logger, slog_logger)
}

#[test]
fn a_klog_record_goes_round_once_and_stops() {
    let out = SharedBuffer::default();
    let (logger, _) = looped(&out);
    klog::info!(logger, "From klog", attempt = 1);
    // Written when logged, and once more after crossing to slog and back; the second
    // arrival at the `SlogSink` is dropped.
    assert_eq!(
        out.to_string(),
        "I0101 00:00:00.000000       1 loop.rs:1] \"From klog\" attempt=1\n".repeat(2)
    );
}

#[test]
fn a_slog_record_crosses_once_and_stops() {
    let out = SharedBuffer::default();
    let (_, slog_logger) = looped(&out);
    slog::info!(slog_logger, "From slog"; "attempt" => 1);
    // The record comes back to the `KlogDrain` while it is still being forwarded: dropped.
    assert_eq!(
        out.to_string(),
        "I0101 00:00:00.000000       1 loop.rs:1] \"From slog\" attempt=1\n"
    );
    // The flags are cleared: the next record is written too.
    slog::info!(slog_logger, "Again");
    assert!(out.to_string().ends_with("\"Again\"\n"));
}

#[test]
fn the_guard_is_per_thread() {
    let out = SharedBuffer::default();
    let (logger, _) = looped(&out);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| klog::info!(logger, "Threaded"));
        }
    });
    assert_eq!(out.to_string().lines().count(), 8);
}

/// A value whose text logs another record through slog while the first is collected.
struct LogsWhileShown(slog::Logger);

impl fmt::Display for LogsWhileShown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        slog::info!(self.0, "Inner");
        f.write_str("shown")
    }
}

#[test]
fn logging_while_a_value_is_collected_is_not_a_loop() {
    let out = SharedBuffer::default();
    let log = slog::Logger::root(KlogDrain::new(loop_logger(&out, "a.rs")), o!());
    slog::info!(log, "Outer"; "value" => %LogsWhileShown(log.clone()));
    assert_eq!(
        out.to_string(),
        "I0101 00:00:00.000000       1 a.rs:1] \"Inner\"\n\
         I0101 00:00:00.000000       1 a.rs:1] \"Outer\" value=\"shown\"\n"
    );
}
