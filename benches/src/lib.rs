//! The workloads shared by the `logging` criterion bench and the `alloc_counts` binary.
//!
//! Each workload is defined once per library ([`klog_side`], [`tracing_side`],
//! [`slog_side`]) so that the timings and the allocation counts measure the same call.
//! Every logger writes to [`std::io::sink`]. The `json` workloads run the same calls
//! through each library's JSON output (klog [`klog::JsonSink`], tracing-subscriber
//! `fmt().json()`, slog-json). The event data comes in through a `&Event`
//! the callers pass through [`std::hint::black_box`], so nothing is constant-folded.
//!
//! The `file` group is the exception: it writes to real files, klog through its own log
//! file ([`klog_side::file_logger`]), tracing through tracing-appender's non-blocking
//! writer ([`tracing_side::file_dispatch`]).

/// The data of one logging event (the same in every library and workload).
#[derive(Clone, Copy, Debug)]
pub struct Event<'a> {
    /// `pod` namespace.
    pub ns: &'a str,
    /// `pod` name.
    pub name: &'a str,
    /// `status` value.
    pub status: &'a str,
    /// `attempt` value.
    pub attempt: i64,
    /// `latency_ms` value.
    pub latency_ms: f64,
    /// `key` of the error event.
    pub key: &'a str,
    /// The 3-line `config` value of the multi-line event.
    pub config: &'a str,
    /// Bound value `node` of the contextual logger.
    pub node: &'static str,
    /// Bound value `shard` of the contextual logger.
    pub shard: i64,
}

/// The event every workload logs.
pub const EVENT: Event<'static> = Event {
    ns: "kube-system",
    name: "coredns-5d78c9869d-abcde",
    status: "ready",
    attempt: 3,
    latency_ms: 12.5,
    key: "kube-system/coredns",
    config: "apiVersion: v1\nkind: Pod\nmetadata: {}",
    node: "worker-1",
    shard: 7,
};

/// The error of the error workload.
#[must_use]
pub fn sync_error() -> std::io::Error {
    std::io::Error::other("connection refused")
}

/// klog: a [`klog::TextSink`] (or [`klog::JsonSink`]) to `io::sink`, pid 12345, global
/// `-v` 0.
/// Empties the log file at `path` once it holds more than 256 MiB, between timed batches:
/// the writers append (`O_APPEND`), so they carry on at the new end. Keeps a run's disk use
/// bounded (klog writes about 1 GB/s here).
pub fn trim_log_file(path: &std::path::Path) {
    if std::fs::metadata(path).is_ok_and(|m| m.len() > 256 << 20) {
        if let Ok(file) = std::fs::OpenOptions::new().write(true).open(path) {
            let _ = file.set_len(0);
        }
    }
}

pub mod klog_side {
    use std::io::Write;
    use std::path::Path;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use klog::{error, info, JsonSink, KObj, KeyValue, KlogFlags, Logger, Severity, TextSink};

    use crate::Event;

    /// The pinned time: 2026-11-28 05:06:33.279669 UTC.
    #[must_use]
    pub fn pinned_time() -> SystemTime {
        UNIX_EPOCH + Duration::from_micros(1_795_842_393_279_669)
    }

    /// The benchmark logger: reads the system clock on every record (as tracing and
    /// slog do), pid 12345, real call sites, global `-v` (set to 0 here).
    #[must_use]
    pub fn logger() -> Logger {
        klog::set_verbosity(0);
        TextSink::builder()
            .writer(std::io::sink())
            .pid(12345)
            .build_logger()
    }

    /// Like [`logger`], with header times in UTC instead of the local zone (the default):
    /// the zone's offset is looked up once per second of record time, so both cost the same
    /// per record.
    #[must_use]
    pub fn logger_utc() -> Logger {
        klog::set_verbosity(0);
        TextSink::builder()
            .writer(std::io::sink())
            .time_zone(klog::TimeZone::Utc)
            .pid(12345)
            .build_logger()
    }

    /// Like [`logger`], with the time pinned: what the formatting costs without the
    /// clock read.
    #[must_use]
    pub fn logger_pinned_clock() -> Logger {
        logger_to(std::io::sink())
    }

    /// A pinned-clock logger writing to `writer` (for tests that compare whole lines).
    #[must_use]
    pub fn logger_to(writer: impl Write + Send + 'static) -> Logger {
        klog::set_verbosity(0);
        TextSink::builder()
            .writer(writer)
            .fixed_time(pinned_time())
            .time_zone(klog::TimeZone::Utc)
            .pid(12345)
            .build_logger()
    }

    /// The `file` group's logger: klog text into klog's own log file, as
    /// `--logtostderr=false --log-file=PATH --log-file-max-size=0 --stderrthreshold=FATAL`
    /// set it (one file, appended with `O_APPEND`, never rotated, nothing on stderr).
    /// klog buffers its files itself (a 256 KiB `BufWriter`, written out in the caller's
    /// thread when full). System clock, pid 12345, real call sites, global `-v` 0.
    #[must_use]
    pub fn file_logger(path: &Path) -> Logger {
        klog::set_verbosity(0);
        let mut flags = KlogFlags::default();
        flags.logtostderr = false;
        flags.log_file = Some(path.to_path_buf());
        flags.log_file_max_size = 0;
        flags.stderrthreshold = Severity::Fatal;
        TextSink::builder()
            .klog_flags(&flags)
            .pid(12345)
            .build_logger()
    }

    /// The JSON benchmark logger: a [`JsonSink`] (component-base `--logging-format=json`)
    /// reading the system clock, real call sites, global `-v` (set to 0 here). The same
    /// workloads ([`text`], and [`contextual`] on top of it) log through it.
    #[must_use]
    pub fn json_logger() -> Logger {
        json_logger_to(std::io::sink())
    }

    /// [`json_logger`] writing to `writer` (same clock and call sites).
    #[must_use]
    pub fn json_logger_to(writer: impl Write + Send + 'static) -> Logger {
        klog::set_verbosity(0);
        JsonSink::builder().writer(writer).build_logger()
    }

    /// `with_name("controller").with_name("pods").with_values(node, shard)`.
    #[inline]
    #[must_use]
    pub fn contextual(base: &Logger, e: &Event<'_>) -> Logger {
        base.with_name("controller")
            .with_name("pods")
            .with_values(&[
                KeyValue::new("node", &e.node),
                KeyValue::new("shard", &e.shard),
            ])
    }

    /// `with_values(node, shard)` alone.
    #[inline]
    #[must_use]
    pub fn with_values(base: &Logger, e: &Event<'_>) -> Logger {
        base.with_values(&[
            KeyValue::new("node", &e.node),
            KeyValue::new("shard", &e.shard),
        ])
    }

    /// W1: `V(5)` info with 4 key/values, disabled at `-v` 0.
    #[inline]
    pub fn disabled(logger: &Logger, e: &Event<'_>) {
        info!(v: 5, logger, "Pod status updated",
            pod = KObj::new(e.ns, e.name), status = e.status, attempt = e.attempt,
            latency_ms = e.latency_ms);
    }

    /// W2/W4: the V0 info event.
    #[inline]
    pub fn text(logger: &Logger, e: &Event<'_>) {
        info!(
            logger,
            "Pod status updated",
            pod = KObj::new(e.ns, e.name),
            status = e.status,
            attempt = e.attempt,
            latency_ms = e.latency_ms
        );
    }

    /// W2 through the current logger (`from_context()`): no logger argument.
    #[inline]
    pub fn text_current(e: &Event<'_>) {
        info!(
            "Pod status updated",
            pod = KObj::new(e.ns, e.name),
            status = e.status,
            attempt = e.attempt,
            latency_ms = e.latency_ms
        );
    }

    /// W5: an error record with `err` and one key/value.
    #[inline]
    pub fn error(logger: &Logger, err: &std::io::Error, e: &Event<'_>) {
        error!(logger, err: err, "Failed to sync", key = e.key);
    }

    /// W6: a value holding a 3-line string (klog's `=<` block).
    #[inline]
    pub fn multiline(logger: &Logger, e: &Event<'_>) {
        info!(logger, "Config loaded", config = e.config);
    }
}

/// tracing: a tracing-subscriber fmt subscriber (no ANSI) writing to `io::sink`.
pub mod tracing_side {
    use std::fs::File;

    use klog::KObj;
    use tracing::level_filters::LevelFilter;
    use tracing::Dispatch;
    use tracing_appender::non_blocking::{ErrorCounter, WorkerGuard};
    use tracing_subscriber::fmt::MakeWriter;

    use crate::Event;

    /// The `file` group's subscriber and what must outlive it.
    #[derive(Debug)]
    pub struct FileDispatch {
        /// The fmt subscriber (no ANSI, INFO) writing through the non-blocking writer.
        pub dispatch: Dispatch,
        /// Keeps the background thread; dropping it writes out what is still queued.
        pub guard: WorkerGuard,
        /// Lines the writer dropped because its queue was full.
        pub dropped: ErrorCounter,
    }

    /// The `file` group's baseline: [`dispatch`] writing through
    /// `tracing_appender::non_blocking(file)` with its defaults. Each event is formatted
    /// in the caller's thread, copied into a `Vec` and sent over a bounded channel
    /// (128,000 lines) to a background thread, which writes each line to `file` with one
    /// `write_all` (the file is not buffered). The default writer is lossy: when the
    /// channel is full, the line is dropped (counted in [`FileDispatch::dropped`]) instead
    /// of making the caller wait.
    #[must_use]
    pub fn file_dispatch(file: File) -> FileDispatch {
        let (writer, guard) = tracing_appender::non_blocking(file);
        let dropped = writer.error_counter();
        FileDispatch {
            dispatch: dispatch_to(LevelFilter::INFO, writer),
            guard,
            dropped,
        }
    }

    /// A fmt subscriber at `max_level`, writer `io::sink`, no ANSI, as a [`Dispatch`]
    /// to install with `tracing::dispatcher::with_default`.
    #[must_use]
    pub fn dispatch(max_level: LevelFilter) -> Dispatch {
        dispatch_to(max_level, std::io::sink)
    }

    /// The fmt subscriber behind an `EnvFilter` that enables TRACE for a module that does
    /// not exist: the max-level hint rises to TRACE, so each call site's interest cache
    /// must reject the event (the analogue of a non-matching `-vmodule`).
    #[must_use]
    pub fn vmodule_dispatch() -> Dispatch {
        Dispatch::new(
            tracing_subscriber::fmt()
                .with_ansi(false)
                .with_writer(std::io::sink)
                .with_env_filter(tracing_subscriber::EnvFilter::new("info,nomatch=trace"))
                .finish(),
        )
    }

    /// [`dispatch`] writing to `make_writer`.
    #[must_use]
    pub fn dispatch_to<W>(max_level: LevelFilter, make_writer: W) -> Dispatch
    where
        W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
    {
        Dispatch::new(
            tracing_subscriber::fmt()
                .with_ansi(false)
                .with_writer(make_writer)
                .with_max_level(max_level)
                .finish(),
        )
    }

    /// A JSON fmt subscriber (`tracing_subscriber::fmt().json()`, default options:
    /// `with_current_span(true)`, `with_span_list(true)`, event fields flattened = false)
    /// at INFO, writer `io::sink`, no ANSI.
    #[must_use]
    pub fn json_dispatch() -> Dispatch {
        json_dispatch_to(std::io::sink)
    }

    /// [`json_dispatch`] writing to `make_writer`.
    #[must_use]
    pub fn json_dispatch_to<W>(make_writer: W) -> Dispatch
    where
        W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
    {
        Dispatch::new(
            tracing_subscriber::fmt()
                .json()
                .with_ansi(false)
                .with_writer(make_writer)
                .with_max_level(LevelFilter::INFO)
                .finish(),
        )
    }

    /// Runs `f` inside the two entered spans `controller` > `pods{node, shard}`.
    pub fn in_context<R>(e: &Event<'_>, f: impl FnOnce() -> R) -> R {
        let controller = tracing::info_span!("controller");
        let _controller = controller.enter();
        let pods = tracing::info_span!("pods", node = e.node, shard = e.shard);
        let _pods = pods.enter();
        f()
    }

    /// Derive: create, enter, exit and close `controller` and `pods{node, shard}`.
    #[inline]
    pub fn derive_chain(e: &Event<'_>) {
        let controller = tracing::info_span!("controller");
        let _controller = controller.enter();
        let pods = tracing::info_span!("pods", node = e.node, shard = e.shard);
        let _pods = pods.enter();
    }

    /// Derive: create, enter, exit and close `pods{node, shard}` (the values alone).
    #[inline]
    pub fn derive_values(e: &Event<'_>) {
        let pods = tracing::info_span!("pods", node = e.node, shard = e.shard);
        let _pods = pods.enter();
    }

    /// W1: `trace!` with the 4 fields, under an INFO subscriber.
    #[inline]
    pub fn disabled(e: &Event<'_>) {
        tracing::trace!(pod = %KObj::new(e.ns, e.name), status = e.status,
            attempt = e.attempt, latency_ms = e.latency_ms, "Pod status updated");
    }

    /// W2/W4: the info event.
    #[inline]
    pub fn text(e: &Event<'_>) {
        tracing::info!(pod = %KObj::new(e.ns, e.name), status = e.status,
            attempt = e.attempt, latency_ms = e.latency_ms, "Pod status updated");
    }

    /// W5: the error event.
    #[inline]
    pub fn error(err: &std::io::Error, e: &Event<'_>) {
        tracing::error!(error = %err, key = e.key, "Failed to sync");
    }

    /// W6: the multi-line value.
    #[inline]
    pub fn multiline(e: &Event<'_>) {
        tracing::info!(config = e.config, "Config loaded");
    }
}

/// slog: slog-term `FullFormat` over a `PlainSyncDecorator` writing to `io::sink` (or
/// slog-json behind a `Mutex`).
pub mod slog_side {
    use std::io::Write;
    use std::sync::Mutex;

    use klog::KObj;
    use slog::{error, info, o, trace, Drain, Logger};

    use crate::Event;

    /// The root logger: `FullFormat` over `PlainSyncDecorator(io::sink())`.
    pub fn logger() -> Logger {
        logger_to(std::io::sink())
    }

    /// [`logger`] writing to `writer`.
    pub fn logger_to(writer: impl Write + Send + 'static) -> Logger {
        let decorator = slog_term::PlainSyncDecorator::new(writer);
        let drain = slog_term::FullFormat::new(decorator).build().fuse();
        Logger::root(drain, o!())
    }

    /// The root logger with its drain filtered at `Info`.
    pub fn filtered_logger() -> Logger {
        filtered_logger_to(std::io::sink())
    }

    /// [`filtered_logger`] writing to `writer`.
    pub fn filtered_logger_to(writer: impl Write + Send + 'static) -> Logger {
        let decorator = slog_term::PlainSyncDecorator::new(writer);
        let drain = slog_term::FullFormat::new(decorator)
            .build()
            .filter_level(slog::Level::Info)
            .fuse();
        Logger::root(drain, o!())
    }

    /// The JSON root logger: `slog_json::Json::default(io::sink())` (default keys `ts`,
    /// `level`, `msg`) behind a `Mutex`, since the slog-json drain is not `Sync`.
    pub fn json_logger() -> Logger {
        json_logger_to(std::io::sink())
    }

    /// [`json_logger`] writing to `writer`.
    pub fn json_logger_to(writer: impl Write + Send + 'static) -> Logger {
        let drain = Mutex::new(slog_json::Json::default(writer)).fuse();
        Logger::root(drain, o!())
    }

    /// `log.new(o!("logger" => "controller.pods", "node" => …, "shard" => …))`.
    #[inline]
    pub fn contextual(log: &Logger, e: &Event<'_>) -> Logger {
        log.new(o!("logger" => "controller.pods", "node" => e.node, "shard" => e.shard))
    }

    /// `log.new(o!("node" => …, "shard" => …))`: the values alone.
    #[inline]
    pub fn with_values(log: &Logger, e: &Event<'_>) -> Logger {
        log.new(o!("node" => e.node, "shard" => e.shard))
    }

    /// W1: `trace!` with the 4 key/values, drain filtered at `Info`.
    #[inline]
    pub fn disabled(log: &Logger, e: &Event<'_>) {
        trace!(log, "Pod status updated"; "pod" => %KObj::new(e.ns, e.name),
            "status" => e.status, "attempt" => e.attempt, "latency_ms" => e.latency_ms);
    }

    /// W2/W4: the info event.
    #[inline]
    pub fn text(log: &Logger, e: &Event<'_>) {
        info!(log, "Pod status updated"; "pod" => %KObj::new(e.ns, e.name),
            "status" => e.status, "attempt" => e.attempt, "latency_ms" => e.latency_ms);
    }

    /// W5: the error event.
    #[inline]
    pub fn error(log: &Logger, err: &std::io::Error, e: &Event<'_>) {
        error!(log, "Failed to sync"; "err" => %err, "key" => e.key);
    }

    /// W6: the multi-line value.
    #[inline]
    pub fn multiline(log: &Logger, e: &Event<'_>) {
        info!(log, "Config loaded"; "config" => e.config);
    }
}
