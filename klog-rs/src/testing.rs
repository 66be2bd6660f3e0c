//! Per-test loggers: the analogue of Go's `k8s.io/klog/v2/ktesting`.
//!
//! [`logger()`] returns a [`TestLogger`]: a [`Logger`] of its own, at verbosity 5 (see
//! [`logger_with_verbosity`] for another), that
//! - writes klog text lines (the bytes [`TextSink`] writes, with the
//!   real time, pid and call site) into the test's captured output, and
//! - records every record as an [`Entry`] (severity, verbosity, names, message, error,
//!   bound and call key/values) that the test can assert on.
//!
//! Hand it (or loggers derived from it) to the code under test; whatever those log ends
//! up in the same test logger.
//!
//! ```
//! use klog::{KObj, KeyValue};
//!
//! let logger = klog::testing::logger();
//! let pods = logger.with_name("pods").with_values(&[KeyValue::new("node", &"worker-1")]);
//! klog::info!(v: 4, pods, "Pod status updated", pod = KObj::new("kube-system", "coredns"), attempt = 3);
//!
//! let entries = logger.entries();
//! assert_eq!(entries.len(), 1);
//! let entry = &entries[0];
//! assert_eq!(entry.message, "Pod status updated");
//! assert_eq!(entry.verbosity, 4);
//! assert_eq!(entry.names, ["pods"]);
//! assert_eq!(entry.value("node"), Some("\"worker-1\""));
//! assert_eq!(entry.value("pod"), Some("\"kube-system/coredns\""));
//! assert_eq!(entry.value("attempt"), Some("3"));
//! assert!(logger.text().ends_with(
//!     "] \"Pod status updated\" logger=\"pods\" node=\"worker-1\" pod=\"kube-system/coredns\" attempt=3\n"
//! ));
//! ```
//!
//! # Where the text goes
//! The lines are printed with `eprint!`, which libtest captures: like any test output
//! they are shown only for a failing test, or for every test with
//! `cargo test -- --nocapture`. The capture is set on the test's thread and inherited by
//! the threads it spawns with [`std::thread`] (this module's tests check both); threads
//! the test did not spawn (say, a runtime's worker pool built before the test) print to
//! the real stderr, as `eprint!` does there. [`TestLogger::text`] keeps a copy of the
//! lines either way.
//!
//! # Verbosity
//! The threshold is the logger's own, not the global `-v`: a test logger at verbosity 5
//! writes `V(5)` records while the global `-v` is 0 (it raises the global fast check, as
//! every sink with its own threshold does), and never writes `V(6)`. Error records
//! ignore verbosity, as in logr.
//!
//! # Isolation
//! Each [`TestLogger`] has its own buffers, shared only with the loggers derived from it,
//! so tests running in parallel, each with its own test logger, never see each other's
//! entries or text; libtest captures printed output per test, so the printed lines do
//! not mix either.

use std::error::Error;
use std::fmt::{self, Write as _};
use std::io::{self, Write};
use std::ops::Deref;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::format::{render, write_value, Rendered, FMT_ERROR_MARKER};
use crate::logger::Logger;
use crate::record::{Record, Severity};
use crate::sink::Sink;
use crate::sinks::TextSink;
use crate::value::{KeyValue, Value};

/// The verbosity of [`logger()`], as in ktesting.
///
/// ```
/// assert_eq!(klog::testing::logger().verbosity(), klog::testing::DEFAULT_VERBOSITY);
/// ```
pub const DEFAULT_VERBOSITY: i32 = 5;

/// A test logger at verbosity [`DEFAULT_VERBOSITY`] (5).
///
/// ```
/// let logger = klog::testing::logger();
/// klog::info!(v: 5, logger, "shown");
/// klog::info!(v: 6, logger, "not shown");
/// assert_eq!(logger.entries().len(), 1);
/// ```
#[must_use]
pub fn logger() -> TestLogger {
    logger_with_verbosity(DEFAULT_VERBOSITY)
}

/// A test logger at verbosity `v`: info records up to `V(v)` are written, whatever the
/// global `-v`.
///
/// ```
/// let logger = klog::testing::logger_with_verbosity(2);
/// klog::info!(v: 2, logger, "shown");
/// klog::info!(v: 3, logger, "not shown");
/// klog::error!(logger, "errors ignore verbosity");
/// let messages: Vec<_> = logger.entries().into_iter().map(|e| e.message).collect();
/// assert_eq!(messages, ["shown", "errors ignore verbosity"]);
/// ```
#[must_use]
pub fn logger_with_verbosity(v: i32) -> TestLogger {
    let shared = Arc::new(Shared {
        verbosity: v,
        entries: Mutex::new(Vec::new()),
        text: Mutex::new(Vec::new()),
    });
    // Built with its own threshold, the text sink registers it: the global fast check
    // then lets through every level this logger writes.
    let text = TextSink::builder()
        .writer(CaptureWriter(shared.clone()))
        .verbosity(v)
        .build();
    let sink = TestSink {
        shared: shared.clone(),
        text: Arc::new(text),
        names: Vec::new(),
        bound: Vec::new(),
    };
    TestLogger {
        logger: Logger::new(Arc::new(sink)),
        shared,
    }
}

/// A per-test logger: a [`Logger`] (it dereferences to one, so the macros take it
/// directly) and the entries and text it and the loggers derived from it wrote.
///
/// Clones share the buffers.
///
/// ```
/// let logger = klog::testing::logger();
/// klog::info!(logger, "Starting", workers = 2);
/// let derived: klog::Logger = logger.with_name("worker");
/// klog::warning!(derived, "Slow");
/// assert_eq!(logger.entries().len(), 2);
/// assert_eq!(logger.entries()[1].severity, klog::Severity::Warning);
/// ```
#[derive(Clone)]
pub struct TestLogger {
    logger: Logger,
    shared: Arc<Shared>,
}

impl TestLogger {
    /// The logger, to hand to the code under test (clone it for an owned one).
    ///
    /// ```
    /// fn sync(logger: &klog::Logger) {
    ///     klog::info!(logger, "Syncing");
    /// }
    /// let logger = klog::testing::logger();
    /// sync(logger.logger());
    /// sync(&logger); // the same, by deref coercion
    /// assert_eq!(logger.entries().len(), 2);
    /// ```
    #[must_use]
    pub fn logger(&self) -> &Logger {
        &self.logger
    }

    /// The verbosity threshold.
    ///
    /// ```
    /// assert_eq!(klog::testing::logger_with_verbosity(3).verbosity(), 3);
    /// ```
    #[must_use]
    pub fn verbosity(&self) -> i32 {
        self.shared.verbosity
    }

    /// A copy of the entries recorded so far, oldest first.
    ///
    /// ```
    /// let logger = klog::testing::logger();
    /// klog::info!(logger, "one");
    /// klog::info!(logger, "two");
    /// let messages: Vec<_> = logger.entries().into_iter().map(|e| e.message).collect();
    /// assert_eq!(messages, ["one", "two"]);
    /// ```
    #[must_use]
    pub fn entries(&self) -> Vec<Entry> {
        self.shared.entries.lock().clone()
    }

    /// The entries recorded so far, oldest first, leaving none (the text is kept).
    ///
    /// ```
    /// let logger = klog::testing::logger();
    /// klog::info!(logger, "one");
    /// assert_eq!(logger.take_entries().len(), 1);
    /// assert!(logger.entries().is_empty());
    /// ```
    #[must_use]
    pub fn take_entries(&self) -> Vec<Entry> {
        std::mem::take(&mut *self.shared.entries.lock())
    }

    /// The klog text lines written so far (invalid UTF-8 replaced): exactly what was
    /// printed into the test's output.
    ///
    /// ```
    /// let logger = klog::testing::logger();
    /// klog::info!(logger, "Pod status updated", attempt = 3);
    /// let text = logger.text();
    /// assert!(text.starts_with('I'));
    /// assert!(text.ends_with("] \"Pod status updated\" attempt=3\n"));
    /// ```
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.shared.text.lock()).into_owned()
    }
}

impl Deref for TestLogger {
    type Target = Logger;

    fn deref(&self) -> &Logger {
        &self.logger
    }
}

impl fmt::Debug for TestLogger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestLogger")
            .field("verbosity", &self.shared.verbosity)
            .field("entries", &self.shared.entries.lock().len())
            .field("logger", &self.logger)
            .finish()
    }
}

/// One record written through a [`TestLogger`] (or a logger derived from it).
///
/// Values are rendered as klog's text format writes them, without the `=`: strings
/// quoted (`"\"ready\""`), numbers bare (`3`), object references quoted
/// (`"\"kube-system/coredns\""`), multi-line strings as klog's `<` … ` >` block. Pairs
/// are kept as given, duplicates included; [`value`](Entry::value) resolves a key as
/// klog does (the last pair wins). Call values are rendered once for the entry and once
/// for the text line, so a `Display` with side effects runs twice.
///
/// ```
/// use klog::KeyValue;
/// let logger = klog::testing::logger();
/// let err = std::io::Error::other("connection refused");
/// let bound = logger.with_name("ctrl").with_values(&[KeyValue::new("shard", &7)]);
/// klog::error!(bound, err: &err, "Failed to sync", key = "kube-system/coredns");
///
/// let entry = &logger.entries()[0];
/// assert_eq!(entry.severity, klog::Severity::Error);
/// assert_eq!(entry.verbosity, 0);
/// assert_eq!(entry.names, ["ctrl"]);
/// assert_eq!(entry.message, "Failed to sync");
/// assert_eq!(entry.error.as_deref(), Some("connection refused"));
/// assert_eq!(entry.bound, [("shard".to_owned(), "7".to_owned())]);
/// assert_eq!(entry.call, [("key".to_owned(), "\"kube-system/coredns\"".to_owned())]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// The severity.
    pub severity: Severity,
    /// The V level of an info or warning record (the logger's level plus the call's);
    /// 0 for errors.
    pub verbosity: i32,
    /// The names added by `with_name`, in order (klog joins them with `.` as `logger=`).
    pub names: Vec<String>,
    /// The message.
    pub message: String,
    /// The error's `Display` text, for an error record with an error.
    pub error: Option<String>,
    /// The key/values bound by `with_values`, in order, values in klog's text form.
    pub bound: Vec<(String, String)>,
    /// The call's key/values, in order, values in klog's text form.
    pub call: Vec<(String, String)>,
}

impl Entry {
    /// The value klog writes for `key`: the last call pair with that key, else the last
    /// bound one (klog's duplicate rule). `logger` and `err` are not pairs here: see
    /// [`names`](Entry::names) and [`error`](Entry::error).
    ///
    /// ```
    /// let logger = klog::testing::logger();
    /// let bound = logger.with_values(&[klog::KeyValue::new("pod", &"a")]);
    /// klog::info!(bound, "Synced", pod = "b", ready = true);
    /// let entry = &logger.entries()[0];
    /// assert_eq!(entry.value("pod"), Some("\"b\""));
    /// assert_eq!(entry.value("ready"), Some("true"));
    /// assert_eq!(entry.value("missing"), None);
    /// ```
    #[must_use]
    pub fn value(&self, key: &str) -> Option<&str> {
        self.bound
            .iter()
            .chain(&self.call)
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// What a test logger and every sink derived from it share.
#[derive(Debug)]
struct Shared {
    verbosity: i32,
    entries: Mutex<Vec<Entry>>,
    /// Every text line written, as printed.
    text: Mutex<Vec<u8>>,
}

/// The inner text sink's writer: keeps each record and prints it where libtest
/// captures it (`eprint!`; writes to `io::stderr()` are not captured).
struct CaptureWriter(Arc<Shared>);

impl Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.text.lock().extend_from_slice(buf);
        // `eprint!` panics when stderr fails (outside the capture); a sink must not.
        let _ = std::panic::catch_unwind(|| eprint!("{}", String::from_utf8_lossy(buf)));
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The sink of a test logger: records entries and writes through a [`TextSink`] derived
/// alongside, so the text is klog's bytes.
struct TestSink {
    shared: Arc<Shared>,
    text: Arc<dyn Sink>,
    names: Vec<String>,
    bound: Vec<(String, String)>,
}

impl Sink for TestSink {
    fn enabled(&self, level: i32) -> bool {
        level <= self.shared.verbosity
    }

    fn log(&self, record: &Record<'_>) {
        // Rendered before the lock is taken: a value's `Display` may log through this
        // very logger.
        let entry = Entry {
            severity: record.severity(),
            verbosity: record.verbosity(),
            names: self.names.clone(),
            message: record.message().to_owned(),
            error: record.error().map(error_text),
            bound: self.bound.clone(),
            call: render_pairs(record.key_values()),
        };
        self.shared.entries.lock().push(entry);
        self.text.log(record);
    }

    fn with_values(&self, key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        let mut bound = self.bound.clone();
        bound.extend(render_pairs(key_values));
        Arc::new(TestSink {
            shared: self.shared.clone(),
            text: self.text.with_values(key_values),
            names: self.names.clone(),
            bound,
        })
    }

    fn with_name(&self, name: &str) -> Arc<dyn Sink> {
        let mut names = self.names.clone();
        names.push(name.to_owned());
        Arc::new(TestSink {
            shared: self.shared.clone(),
            text: self.text.with_name(name),
            names,
            bound: self.bound.clone(),
        })
    }
}

fn render_pairs(key_values: &[KeyValue<'_>]) -> Vec<(String, String)> {
    key_values
        .iter()
        .map(|kv| (kv.key().to_owned(), value_text(&kv.value())))
        .collect()
}

/// A value as klog's text format writes it, without the leading `=`.
fn value_text(value: &Value<'_>) -> String {
    let mut line = Vec::new();
    write_value(&mut line, &mut Vec::new(), value);
    let text = line.strip_prefix(b"=").unwrap_or(&line);
    String::from_utf8_lossy(text).into_owned()
}

/// An error's `Display` text, with the text format's markers for a failing or
/// panicking `Display`.
fn error_text(error: &(dyn Error + 'static)) -> String {
    let mut text = Vec::new();
    if let Rendered::FmtError = render(&mut text, |w| write!(w, "{error}")) {
        text.clear();
        text.extend_from_slice(FMT_ERROR_MARKER);
    }
    String::from_utf8_lossy(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{KObj, SharedBuffer};

    #[test]
    fn entries_record_every_field() {
        let logger = logger();
        let err = io::Error::other("connection refused");
        let derived = logger
            .with_name("controller")
            .with_values(&[KeyValue::new("shard", &7)])
            .with_name("pods")
            .with_values(&[KeyValue::new("node", &"worker-1")])
            .v(1);
        crate::info!(v: 2, derived, "Pod status updated", pod = KObj::new("kube-system", "coredns"), phase = "ready");
        crate::warning!(derived, "Slow", ratio = 0.5);
        crate::error!(derived, err: &err, "Failed to sync", attempt = 3);

        let entries = logger.entries();
        assert_eq!(entries.len(), 3, "{entries:#?}");
        let names = ["controller", "pods"];
        let bound = [("shard", "7"), ("node", "\"worker-1\"")];
        let owned = |kvs: &[(&str, &str)]| -> Vec<(String, String)> {
            kvs.iter()
                .map(|&(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        };

        let info = &entries[0];
        assert_eq!(info.severity, Severity::Info);
        assert_eq!(info.verbosity, 3);
        assert_eq!(info.names, names);
        assert_eq!(info.message, "Pod status updated");
        assert_eq!(info.error, None);
        assert_eq!(info.bound, owned(&bound));
        assert_eq!(
            info.call,
            owned(&[("pod", "\"kube-system/coredns\""), ("phase", "\"ready\"")])
        );

        let warning = &entries[1];
        assert_eq!(warning.severity, Severity::Warning);
        assert_eq!(warning.verbosity, 1);
        assert_eq!(warning.call, owned(&[("ratio", "0.5")]));

        let error = &entries[2];
        assert_eq!(error.severity, Severity::Error);
        assert_eq!(error.verbosity, 0);
        assert_eq!(error.names, names);
        assert_eq!(error.error.as_deref(), Some("connection refused"));
        assert_eq!(error.bound, owned(&bound));
        assert_eq!(error.call, owned(&[("attempt", "3")]));
    }

    #[test]
    fn values_use_the_text_form() {
        let logger = logger();
        let err = io::Error::other("boom");
        crate::info!(
            logger,
            "m",
            s = "a\"b",
            multi = "line 1\nline 2",
            n = -4,
            b = false,
            none = Option::<i32>::None,
            e = &err as &(dyn Error + 'static),
            d = std::time::Duration::from_millis(1500),
            disp = %KObj::new("", "node-1"),
            dbg = ?vec![1, 2],
        );
        let entry = logger.take_entries().remove(0);
        let call: Vec<(&str, &str)> = entry
            .call
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            call,
            [
                ("s", "\"a\\\"b\""),
                ("multi", "<\n\tline 1\n\tline 2\n >"),
                ("n", "-4"),
                ("b", "false"),
                ("none", "null"),
                ("e", "\"boom\""),
                ("d", "\"1.5s\""),
                ("disp", "\"node-1\""),
                ("dbg", "\"[1, 2]\""),
            ]
        );
        assert!(logger.entries().is_empty());
    }

    #[test]
    fn default_verbosity_is_five_whatever_the_global_v() {
        assert_eq!(crate::verbosity(), 0, "no unit test changes the global -v");
        let logger = logger();
        assert_eq!(logger.verbosity(), 5);
        assert!(crate::enabled!(v: 5, logger));
        assert!(!crate::enabled!(v: 6, logger));
        crate::info!(v: 5, logger, "five");
        crate::info!(v: 6, logger, "six");
        crate::info!(v: 4, logger.v(1), "four plus one");
        crate::info!(v: 5, logger.v(1), "five plus one");
        logger.v(5).info("method at five", &[]);
        logger.v(6).info("method at six", &[]);
        crate::error!(logger.v(9), "errors ignore verbosity");
        let got: Vec<(String, i32)> = logger
            .entries()
            .into_iter()
            .map(|e| (e.message, e.verbosity))
            .collect();
        let want = [
            ("five", 5),
            ("four plus one", 5),
            ("method at five", 5),
            ("errors ignore verbosity", 0),
        ];
        assert_eq!(
            got,
            want.map(|(m, v)| (m.to_owned(), v)),
            "text: {}",
            logger.text()
        );
        assert_eq!(logger.text().lines().count(), 4);
    }

    #[test]
    fn verbosity_is_adjustable() {
        for v in [0, 2, 9] {
            let logger = logger_with_verbosity(v);
            for level in 0..=10 {
                crate::info!(v: level, logger, "m");
            }
            let levels: Vec<i32> = logger.entries().iter().map(|e| e.verbosity).collect();
            assert_eq!(levels, (0..=v).collect::<Vec<_>>(), "verbosity {v}");
        }
        let quiet = logger_with_verbosity(-1);
        crate::info!(quiet, "dropped");
        crate::error!(quiet, "kept");
        assert_eq!(quiet.entries().len(), 1);
    }

    #[test]
    fn parallel_loggers_see_only_their_own_entries() {
        const THREADS: usize = 8;
        const PER_THREAD: usize = 200;
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                std::thread::spawn(move || {
                    let logger = logger();
                    let named = logger.with_name(&format!("thread-{t}"));
                    for i in 0..PER_THREAD {
                        crate::info!(named, "tick", thread = t, i = i);
                    }
                    (t, logger)
                })
            })
            .collect();
        for handle in handles {
            let (t, logger) = handle.join().unwrap();
            let entries = logger.entries();
            assert_eq!(entries.len(), PER_THREAD);
            let thread = t.to_string();
            for (i, entry) in entries.iter().enumerate() {
                assert_eq!(entry.names, [format!("thread-{t}")]);
                assert_eq!(entry.value("thread"), Some(thread.as_str()));
                assert_eq!(entry.value("i"), Some(i.to_string().as_str()));
            }
            assert_eq!(logger.text().lines().count(), PER_THREAD);
            let tag = format!("thread={t} ");
            assert!(logger.text().lines().all(|l| l.contains(&tag)));
        }
    }

    #[test]
    fn clones_and_derived_loggers_share_the_buffers() {
        let logger = logger();
        let clone = logger.clone();
        crate::info!(clone, "from the clone");
        crate::info!(logger.with_name("x"), "from a derived logger");
        assert_eq!(logger.entries().len(), 2);
        assert_eq!(clone.take_entries().len(), 2);
        assert!(logger.entries().is_empty());
        assert_eq!(logger.text().lines().count(), 2);
    }

    #[test]
    fn text_matches_the_text_sink() {
        let logger = logger();
        let out = SharedBuffer::default();
        let plain = TextSink::builder()
            .writer(out.clone())
            .verbosity(5)
            .build_logger();
        let err = io::Error::other("multi\nline");
        for l in [&*logger, &plain] {
            let l = l
                .with_name("controller")
                .with_values(&[KeyValue::new("pod", &KObj::new("ns", "p"))]);
            crate::info!(v: 3, l, "Pod \"status\"", attempt = 3, pod = KObj::new("ns", "q"));
            crate::error!(l, err: &err, "Failed", key = "k");
            l.info("Method call", &[KeyValue::new("bytes", &b"\xff")]);
        }
        let body = |text: &str| -> Vec<String> {
            text.split_inclusive('\n')
                .filter(|l| l.starts_with(['I', 'W', 'E']))
                .map(|l| l.split_once("] ").unwrap().1.to_owned())
                .collect()
        };
        let ours = logger.text();
        let theirs = out.to_string();
        assert_eq!(body(&ours), body(&theirs));
        assert_eq!(body(&ours).len(), 3, "{ours}");
        assert!(ours.starts_with('I'), "{ours}");
        assert!(ours.contains(" testing.rs:"), "the call site: {ours}");
        assert!(ours.contains("err=<\n\tmulti\n\tline\n >"), "{ours}");
        assert_eq!(
            logger.entries()[1].error.as_deref(),
            Some("multi\nline"),
            "the error's Display text, unquoted"
        );
    }

    #[test]
    fn a_value_that_logs_while_rendered_does_not_deadlock() {
        struct Noisy(TestLogger);
        impl fmt::Display for Noisy {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                crate::info!(self.0, "inner");
                f.write_str("noisy")
            }
        }
        let logger = logger();
        crate::info!(logger, "outer", v = %Noisy(logger.clone()));
        let messages: Vec<String> = logger.entries().into_iter().map(|e| e.message).collect();
        // Rendered once for the entry and once for the text line.
        assert_eq!(messages, ["inner", "outer", "inner"]);
        assert_eq!(logger.entries()[1].value("v"), Some("\"noisy\""));
    }

    #[test]
    fn failing_display_of_an_error_is_marked() {
        #[derive(Debug)]
        struct Bad;
        impl fmt::Display for Bad {
            fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
                Err(fmt::Error)
            }
        }
        impl Error for Bad {}
        let logger = logger();
        crate::error!(logger, err: &Bad, "m");
        assert_eq!(logger.entries()[0].error.as_deref(), Some("<fmt error>"));
    }

    #[test]
    fn debug_shows_verbosity_and_entry_count() {
        let logger = logger_with_verbosity(3);
        crate::info!(logger, "m");
        let debug = format!("{logger:?}");
        assert!(
            debug.starts_with("TestLogger { verbosity: 3, entries: 1,"),
            "{debug}"
        );
    }

    /// Set in the child process [`output_is_captured_per_test`] runs: the `capture_child_*`
    /// tests then log and fail, so that libtest shows what it captured for each.
    const CHILD_ENV: &str = "KLOG_TESTING_CAPTURE_CHILD";

    fn capture_child(marker: &str) {
        if std::env::var_os(CHILD_ENV).is_none() {
            return;
        }
        let logger = logger();
        crate::info!(v: 5, logger, "On the test thread", marker = marker);
        let spawned = logger.logger().clone();
        let owned = marker.to_owned();
        std::thread::spawn(move || {
            crate::info!(spawned, "On a spawned thread", marker = owned);
        })
        .join()
        .unwrap();
        // Keep both tests running at once.
        std::thread::sleep(std::time::Duration::from_millis(200));
        crate::info!(logger, "Done", marker = marker);
        panic!("failing on purpose: libtest shows the captured output");
    }

    #[test]
    fn capture_child_a() {
        capture_child("child-a");
    }

    #[test]
    fn capture_child_b() {
        capture_child("child-b");
    }

    /// Runs this test binary again on the two `capture_child_*` tests, in parallel, and
    /// reads libtest's report: each failing test's captured output holds its own lines,
    /// those of the thread it spawned included, and none of the other test's.
    #[test]
    fn output_is_captured_per_test() {
        if std::env::var_os(CHILD_ENV).is_some() {
            return;
        }
        let module = module_path!()
            .split_once("::")
            .map_or(module_path!(), |(_, rest)| rest);
        let names = ["capture_child_a", "capture_child_b"].map(|n| format!("{module}::{n}"));
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .env(CHILD_ENV, "1")
            .env_remove("RUST_TEST_NOCAPTURE")
            .env("RUST_BACKTRACE", "0")
            .args(["--exact", "--test-threads=2", "--color=never"])
            .args(&names)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&output.stdout);
        assert!(!output.status.success(), "{report}");
        let section = |name: &str| -> &str {
            let header = format!("---- {name} stdout ----\n");
            let start = report.find(&header).unwrap_or_else(|| panic!("{report}")) + header.len();
            let rest = &report[start..];
            let end = ["\n---- ", "\nfailures:\n"]
                .iter()
                .filter_map(|s| rest.find(s))
                .min()
                .unwrap_or(rest.len());
            &rest[..end]
        };
        for (name, (own, other)) in names
            .iter()
            .zip([("child-a", "child-b"), ("child-b", "child-a")])
        {
            let captured = section(name);
            for message in ["On the test thread", "On a spawned thread", "Done"] {
                let line = format!("] \"{message}\" marker=\"{own}\"\n");
                assert!(captured.contains(&line), "{line:?} in {captured:?}");
            }
            assert!(!captured.contains(other), "{other} in {captured:?}");
            assert!(captured.contains("failing on purpose"), "{captured:?}");
        }
    }
}
