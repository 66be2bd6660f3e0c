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
        .time_zone(klog::TimeZone::Utc)
        .pid(12345);
    (configure(builder).build_logger(), out)
}

/// Runs the test `name` (its path in this binary) again in a child process and returns
/// what the child wrote, or `None` when this process is that child and the test body
/// should run. For tests whose subject writes to the real stderr (klog's report of a
/// failed destination): the parent asserts on it instead of letting it reach the terminal.
pub(crate) fn rerun_in_child(name: &str) -> Option<std::process::Output> {
    const CHILD: &str = "KLOG_TEST_CHILD";
    if std::env::var_os(CHILD).is_some_and(|v| v == name) {
        return None;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = std::process::Command::new(exe)
        .args([name, "--exact", "--test-threads=1", "--quiet"])
        .env(CHILD, name)
        .output()
        .expect("run the test binary again");
    assert!(
        output.status.success(),
        "{name} failed in the child process:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Some(output)
}
