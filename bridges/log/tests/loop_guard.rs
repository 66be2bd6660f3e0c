//! Both directions at once: a klog logger that writes to the `log` facade, whose backend
//! writes back to the same klog logger. The re-entrancy guard stops each record instead
//! of looping until the stack overflows.

mod common;

use std::fmt;
use std::sync::Arc;

use klog::{Logger, SharedBuffer};
use klog_bridge_test_support::{loop_logger, Tee};
use klog_log::{KlogLog, LogSink};

/// klog logger → `Tee` (writes `out`) → `LogSink` → the `log` facade → `KlogLog` → the
/// klog logger. Installs the `log` backend for this thread.
fn looped(out: &SharedBuffer) -> Logger {
    let (logger, next) = Tee::logger(loop_logger(out, "loop.rs"));
    common::use_backend(Arc::new(KlogLog::new(logger.clone())));
    let _ = next.set(LogSink::new().into_logger());
    logger
}

#[test]
fn a_klog_record_goes_round_once_and_stops() {
    let out = SharedBuffer::default();
    let logger = looped(&out);
    klog::info!(logger, "From klog", attempt = 1);
    // Written when logged, and once more after crossing to log and back; the second
    // arrival at the `LogSink` is dropped.
    assert_eq!(
        out.to_string(),
        "I0101 00:00:00.000000       1 loop.rs:1] \"From klog\" attempt=1\n".repeat(2)
    );
}

#[test]
fn a_log_record_crosses_once_and_stops() {
    let out = SharedBuffer::default();
    let _logger = looped(&out);
    log::info!(attempt = 1; "From log");
    // The record comes back to the `KlogLog` while it is still being forwarded: dropped.
    assert_eq!(
        out.to_string(),
        "I0101 00:00:00.000000       1 loop.rs:1] \"From log\" attempt=1\n"
    );
    // The flags are cleared: the next record is written too.
    log::info!("Again");
    assert!(out.to_string().ends_with("\"Again\"\n"));
}

#[test]
fn a_given_backend_loop_stops_too() {
    let out = SharedBuffer::default();
    let (logger, next) = Tee::logger(loop_logger(&out, "loop.rs"));
    let _ = next.set(LogSink::with_log(Arc::new(KlogLog::new(logger.clone()))).into_logger());
    klog::error!(logger, "Looped");
    assert_eq!(out.to_string().lines().count(), 2);
}

/// A value whose text logs another record through `log` while the first is written.
struct LogsWhileShown;

impl fmt::Display for LogsWhileShown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        log::info!("Inner");
        f.write_str("shown")
    }
}

#[test]
fn logging_while_a_value_is_written_is_dropped_not_looped() {
    let out = SharedBuffer::default();
    common::use_backend(Arc::new(KlogLog::new(loop_logger(&out, "loop.rs"))));
    // `log` values are written by klog while the record is forwarded: the inner record
    // arrives at the `KlogLog` on the same thread and is dropped.
    log::info!(value:% = LogsWhileShown; "Outer");
    assert_eq!(
        out.to_string(),
        "I0101 00:00:00.000000       1 loop.rs:1] \"Outer\" value=\"shown\"\n"
    );
}
