//! Both directions at once: a klog logger that writes to slog, whose drain writes back to
//! the same klog logger. The re-entrancy guard stops each record instead of looping
//! until the stack overflows.

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::UNIX_EPOCH;

use klog::{KeyValue, Logger, Record, SharedBuffer, Sink, TextSink};
use klog_slog::{KlogDrain, SlogSink};
use slog::o;

/// A klog sink that writes to `out` and then to `next` (set once the loop is built).
struct Tee {
    out: Logger,
    next: Arc<OnceLock<Logger>>,
}

impl Sink for Tee {
    fn enabled(&self, _: i32) -> bool {
        true
    }

    fn log(&self, record: &Record<'_>) {
        self.out.log(record);
        if let Some(next) = self.next.get() {
            next.log(record);
        }
    }

    fn with_values(&self, kvs: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        Arc::new(Tee {
            out: self.out.with_values(kvs),
            next: self.next.clone(),
        })
    }

    fn with_name(&self, name: &str) -> Arc<dyn Sink> {
        Arc::new(Tee {
            out: self.out.with_name(name),
            next: self.next.clone(),
        })
    }
}

/// klog logger → `Tee` (writes `out`) → `SlogSink` → slog → `KlogDrain` → the klog logger.
fn looped(out: &SharedBuffer) -> (Logger, slog::Logger) {
    let text = TextSink::builder()
        .writer(out.clone())
        .fixed_time(UNIX_EPOCH)
        .pid(1)
        .fixed_caller(Some("loop.rs"), 1)
        .build_logger();
    let next = Arc::new(OnceLock::new());
    let logger = Logger::new(Arc::new(Tee {
        out: text,
        next: next.clone(),
    }));
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
    let text = TextSink::builder()
        .writer(out.clone())
        .fixed_time(UNIX_EPOCH)
        .pid(1)
        .fixed_caller(Some("a.rs"), 1)
        .build_logger();
    let log = slog::Logger::root(KlogDrain::new(text), o!());
    slog::info!(log, "Outer"; "value" => %LogsWhileShown(log.clone()));
    assert_eq!(
        out.to_string(),
        "I0101 00:00:00.000000       1 a.rs:1] \"Inner\"\n\
         I0101 00:00:00.000000       1 a.rs:1] \"Outer\" value=\"shown\"\n"
    );
}
