//! Shared fixtures: a text logger with pinned time, pid and caller.

use std::time::{Duration, UNIX_EPOCH};

use klog::{Logger, SharedBuffer, TextSink, TextSinkBuilder};

/// 2024-01-02T03:04:05.123456789Z, the corpus' time.
pub(crate) fn corpus_time() -> std::time::SystemTime {
    UNIX_EPOCH + Duration::new(1_704_164_645, 123_456_789)
}

/// The header every line of [`pinned_logger`] starts with.
pub(crate) const HEADER: &str = "I0102 03:04:05.123456   12345 controller.rs:42] ";

/// A logger at verbosity `v` writing into the returned buffer, with pinned time, pid and
/// caller so lines can be compared whole.
pub(crate) fn pinned_logger(v: i32) -> (Logger, SharedBuffer) {
    build(v, |b| b.fixed_caller(Some("/src/controller.rs"), 42))
}

/// A logger at verbosity `v` that keeps real call sites.
pub(crate) fn located_logger(v: i32) -> (Logger, SharedBuffer) {
    build(v, |b| b)
}

fn build(
    v: i32,
    configure: impl FnOnce(TextSinkBuilder) -> TextSinkBuilder,
) -> (Logger, SharedBuffer) {
    let out = SharedBuffer::default();
    let builder = TextSink::builder()
        .writer(out.clone())
        .verbosity(v)
        .fixed_time(corpus_time())
        .pid(12345);
    (configure(builder).build_logger(), out)
}
