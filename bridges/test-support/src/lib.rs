//! What the klog bridges' tests and benches share: sinks with a pinned clock, pid and
//! caller, the loop-guard tee, the checks that a bridge maps levels through
//! [`klog::bridge::Level`], the benches' event, and a counting allocator ([`alloc`]). A dev-dependency only (`publish =
//! false`): the bridges' published packages do not carry it.

pub mod alloc;
#[cfg(feature = "otlp")]
pub mod otlp;

use std::io;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use klog::bridge::{carried_verbosity, Level};
use klog::{KObj, KeyValue, Logger, Record, Severity, SharedBuffer, Sink};

// === pinned sinks ===

/// The pinned clock of the equivalence tests: 2024-01-02 03:04:05 UTC.
pub const TIME: u64 = 1_704_164_645;

/// The caller the equivalence tests pin where the bridged call and its klog twin are on
/// different lines.
pub const PINNED_CALLER: (&str, i64) = ("/src/controller/pods.rs", 42);

/// The output format of a pinned sink.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// klog text.
    Text,
    /// Kubernetes JSON.
    Json,
}

/// What a pinned sink pins.
#[derive(Clone, Copy, Debug)]
pub struct Pinned<'a> {
    /// The time of every record.
    pub time: SystemTime,
    /// The pid in text headers.
    pub pid: i64,
    /// The sink's own `-v`, if it has one.
    pub verbosity: Option<i32>,
    /// The caller of every record, or the real one.
    pub caller: Option<(&'a str, i64)>,
}

impl Default for Pinned<'_> {
    fn default() -> Self {
        Pinned {
            time: UNIX_EPOCH + Duration::from_secs(TIME),
            pid: 4242,
            verbosity: Some(10),
            caller: None,
        }
    }
}

impl Pinned<'_> {
    /// A logger writing `format` to `out` with these pins.
    #[must_use]
    pub fn logger(&self, format: Format, out: &SharedBuffer) -> Logger {
        match format {
            Format::Text => {
                let mut builder = klog::TextSink::builder()
                    .writer(out.clone())
                    .fixed_time(self.time)
                    .time_zone(klog::TimeZone::Utc)
                    .pid(self.pid);
                if let Some(v) = self.verbosity {
                    builder = builder.verbosity(v);
                }
                if let Some((file, line)) = self.caller {
                    builder = builder.fixed_caller(Some(file), line);
                }
                builder.build_logger()
            }
            Format::Json => {
                let mut builder = klog::JsonSink::builder()
                    .writer(out.clone())
                    .fixed_time(self.time)
                    .time_zone(klog::TimeZone::Utc);
                if let Some(v) = self.verbosity {
                    builder = builder.verbosity(v);
                }
                if let Some((file, line)) = self.caller {
                    builder = builder.fixed_caller(Some(file), line);
                }
                builder.build_logger()
            }
        }
    }
}

/// The equivalence tests' text logger: pinned clock and pid, V10, the caller pinned to
/// [`PINNED_CALLER`] if `pin_caller`.
#[must_use]
pub fn text_logger(out: &SharedBuffer, pin_caller: bool) -> Logger {
    pinned(pin_caller).logger(Format::Text, out)
}

/// [`text_logger`] in Kubernetes JSON.
#[must_use]
pub fn json_logger(out: &SharedBuffer, pin_caller: bool) -> Logger {
    pinned(pin_caller).logger(Format::Json, out)
}

fn pinned(pin_caller: bool) -> Pinned<'static> {
    Pinned {
        caller: pin_caller.then_some(PINNED_CALLER),
        ..Pinned::default()
    }
}

/// The error the equivalence tests log.
#[must_use]
pub fn sync_error() -> io::Error {
    io::Error::other("connection refused")
}

// === equivalence cases ===

/// Makes a logger writing to a buffer, the caller pinned or not: [`text_logger`] or
/// [`json_logger`].
pub type Build = fn(&SharedBuffer, bool) -> Logger;

/// What `write` logs through the logger `build` makes (`pin_caller` passed on).
#[must_use]
pub fn written(build: Build, pin_caller: bool, write: impl FnOnce(Logger)) -> String {
    let out = SharedBuffer::default();
    write(build(&out, pin_caller));
    out.to_string()
}

/// One case of an equivalence test: a klog call, and the other framework's call (`F`)
/// that means the same.
#[derive(Debug)]
pub struct Case<F> {
    /// What the case is about.
    pub name: &'static str,
    /// The klog call.
    pub klog: fn(&Logger),
    /// The other framework's call.
    pub other: F,
    /// Whether the JSON output is the same too.
    pub json_same: bool,
}

impl<F> Case<F> {
    /// What the klog call writes directly through the logger `build` makes.
    #[must_use]
    pub fn direct(&self, build: Build, pin_caller: bool) -> String {
        written(build, pin_caller, |logger| (self.klog)(&logger))
    }

    /// What the klog call writes when it logs to the logger `bridge` makes of the logger
    /// `build` makes (a bridge out of klog and back into it).
    #[must_use]
    pub fn bridged(
        &self,
        build: Build,
        pin_caller: bool,
        bridge: impl FnOnce(Logger) -> Logger,
    ) -> String {
        written(build, pin_caller, |logger| (self.klog)(&bridge(logger)))
    }
}

/// Asserts that the case `name` wrote `bridged`, the same bytes as `direct`, which are not
/// none.
///
/// # Panics
/// When they differ, or `direct` is empty.
pub fn assert_same(name: &str, bridged: &str, direct: &str) {
    assert!(!direct.is_empty(), "{name}: nothing written");
    assert_eq!(bridged, direct, "{name}");
}

/// Asserts, for every case, that the other framework's call through the bridge into klog
/// (`through`, onto the logger `build` makes with the caller pinned) writes the bytes of
/// the klog call.
///
/// # Panics
/// When a case writes other bytes, or nothing.
pub fn assert_calls_write_klog_bytes<F>(
    cases: &[Case<F>],
    build: Build,
    through: impl Fn(&Case<F>, Build) -> String,
) {
    for case in cases {
        assert_same(case.name, &through(case, build), &case.direct(build, true));
    }
}

/// Asserts, for every case, that the klog call through the bridge out of klog and back
/// (`trip`) writes the bytes of the direct klog call, its real call site included: it
/// must survive the trip.
///
/// # Panics
/// When a case writes other bytes, or nothing.
pub fn assert_round_trips<F>(cases: &[Case<F>], trip: impl Fn(&Case<F>, Build, bool) -> String) {
    for case in cases {
        let expected = case.direct(text_logger, false);
        // The real call site, not the pinned one.
        assert!(!expected.contains(" pods.rs:42]"), "{}", case.name);
        assert_same(case.name, &trip(case, text_logger, false), &expected);
    }
}

// === klog calls the bridges' equivalence cases share ===

/// The klog halves of the equivalence cases every bridge has (the other framework's
/// halves are each bridge's own).
pub mod klog_calls {
    use klog::Logger;

    use super::sync_error;

    /// Quoted, escaped and multi-line strings.
    pub fn quoting(l: &Logger) {
        klog::info!(
            l,
            "Config \"loaded\"",
            config = "a: 1\nb: 2\nc: 3",
            quote = "say \"hi\"\t",
            unicode = "naïve ☃",
            control = "\u{1}\u{7f}"
        );
    }

    /// An error record with its error.
    pub fn error_with_err(l: &Logger) {
        let err = sync_error();
        klog::error!(l, err: &err, "Failed to sync", key = "kube-system/coredns");
    }

    /// A warning.
    pub fn warning(l: &Logger) {
        klog::warning!(l, "Slow response", elapsed_ms = 1500);
    }

    /// Info records at V4, V5, V2 and V7 (the frameworks' debug, trace, and `v` fields).
    pub fn verbosity(l: &Logger) {
        klog::info!(v: 4, l, "Probe ok", probe = "liveness");
        klog::info!(v: 5, l, "Cache hit", key = "a");
        klog::info!(v: 2, l, "Retrying", attempt = 2);
        klog::info!(v: 7, l, "Dump", size = 10);
    }

    /// A named logger's info and error records.
    pub fn names(l: &Logger) {
        let l = l.with_name("controller").with_name("pods");
        klog::info!(l, "Pod status updated", attempt = 3);
        let err = sync_error();
        klog::error!(l, err: &err, "Failed to sync");
    }
}

// === records every bridge maps the same ===

/// Logs a fatal and an unstructured record through `logger`: through a bridge and back,
/// they come back as [`FATAL_AND_UNSTRUCTURED`] (on a [`text_logger`] with the caller
/// pinned).
pub fn log_fatal_and_unstructured(logger: &Logger) {
    logger.log(&Record::new(Severity::Fatal, "Cannot start", &[]));
    logger.log(&Record::unstructured(Severity::Info, "plain text"));
}

/// What [`log_fatal_and_unstructured`] writes after a round trip: an error record, and a
/// structured one.
pub const FATAL_AND_UNSTRUCTURED: &str =
    "E0102 03:04:05.000000    4242 pods.rs:42] \"Cannot start\"\n\
     I0102 03:04:05.000000    4242 pods.rs:42] \"plain text\"\n";

/// The logger of the "verbosity follows the klog logger" tests: text at `-v=3`, caller
/// `a.rs:1`, clock at the epoch, pid 1.
#[must_use]
pub fn v3_logger(out: &SharedBuffer) -> Logger {
    Pinned {
        time: UNIX_EPOCH,
        pid: 1,
        verbosity: Some(3),
        caller: Some(("a.rs", 1)),
    }
    .logger(Format::Text, out)
}

/// What those tests write: the records a `-v=3` logger (and its `v(2)`) lets through.
pub const V3_WRITTEN: &str = "I0101 00:00:00.000000       1 a.rs:1] \"debug with v 3: shown\"\n\
     I0101 00:00:00.000000       1 a.rs:1] \"info: shown\"\n\
     I0101 00:00:00.000000       1 a.rs:1] \"V2 with v 1: shown\"\n\
     E0101 00:00:00.000000       1 a.rs:1] \"errors ignore verbosity\" v=9\n";

// === the loop-guard tee ===

/// A klog sink that writes to `out` and then to `next` (set once the loop is built): the
/// first half of a loop through a bridge and back.
#[derive(Debug)]
pub struct Tee {
    out: Logger,
    next: Arc<OnceLock<Logger>>,
}

impl Tee {
    /// A logger that writes to `out`, then to what is put in the returned cell.
    #[must_use]
    pub fn logger(out: Logger) -> (Logger, Arc<OnceLock<Logger>>) {
        let next = Arc::new(OnceLock::new());
        let tee = Tee {
            out,
            next: next.clone(),
        };
        (Logger::new(Arc::new(tee)), next)
    }
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

/// The loop tests' text logger: clock at the epoch, pid 1, caller `file:1`.
#[must_use]
pub fn loop_logger(out: &SharedBuffer, file: &str) -> Logger {
    Pinned {
        time: UNIX_EPOCH,
        pid: 1,
        verbosity: None,
        caller: Some((file, 1)),
    }
    .logger(Format::Text, out)
}

// === the level table ===

/// Asserts that a bridge's sink maps klog records to its framework's levels by the kit's
/// table: `emit` logs a record of `severity` at `V(v)` through the bridge's sink and
/// returns the level it arrived at (as a [`Level`]) and its `v` field.
///
/// # Panics
/// When a record arrives at another level, or with another `v`, than the kit says.
pub fn assert_out_of_klog(mut emit: impl FnMut(Severity, i32) -> (Level, Option<i64>)) {
    for severity in Severity::ALL {
        for v in 0..=12 {
            let want = (
                Level::from_klog(severity, v),
                carried_verbosity(severity, v).map(i64::from),
            );
            assert_eq!(emit(severity, v), want, "{severity:?} V{v}");
        }
    }
}

/// Asserts that a bridge's writer maps its framework's levels to klog records by the kit's
/// table: `log` logs at `level` (with a `v` field when given) through the framework into
/// the bridge and returns the severity and V level of the klog record written.
///
/// # Panics
/// When a record is written at another severity or V level than the kit says.
pub fn assert_into_klog(mut log: impl FnMut(Level, Option<i64>) -> (Severity, i32)) {
    for level in Level::ALL {
        assert_eq!(log(level, None), level.to_klog(), "{level:?}");
        let (severity, _) = level.to_klog();
        if severity != Severity::Error {
            // A `v` field overrides the mapped V level (not on errors).
            assert_eq!(log(level, Some(2)), (severity, 2), "{level:?} with v=2");
        }
    }
}

// === the benches' event ===

/// The core event of the benches: `"Pod status updated"` with `pod`, `status`,
/// `attempt`, `latency_ms`.
#[derive(Clone, Copy, Debug)]
pub struct BenchEvent {
    /// The pod's namespace.
    pub ns: &'static str,
    /// The pod's name.
    pub name: &'static str,
    /// `status`.
    pub status: &'static str,
    /// `attempt`.
    pub attempt: i64,
    /// `latency_ms`.
    pub latency_ms: f64,
}

/// The values of the benches' event.
pub const EVENT: BenchEvent = BenchEvent {
    ns: "kube-system",
    name: "coredns-5d78c9869d-abcde",
    status: "ready",
    attempt: 3,
    latency_ms: 12.5,
};

/// The benches' klog text logger: pid 12345, the system clock, to `io::sink()`.
#[must_use]
pub fn bench_logger() -> Logger {
    klog::TextSink::builder()
        .writer(io::sink())
        .pid(12345)
        .build_logger()
}

/// The event as a klog call.
pub fn klog_event(logger: &Logger, e: &BenchEvent) {
    klog::info!(
        logger,
        "Pod status updated",
        pod = KObj::new(e.ns, e.name),
        status = e.status,
        attempt = e.attempt,
        latency_ms = e.latency_ms
    );
}
