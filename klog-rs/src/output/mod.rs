//! Where encoded records go: destinations (a writer with optional buffering, or klog's
//! log files), routed by severity, with counters.
//!
//! Formatting happens before any lock is taken (into a per-thread buffer); a record is
//! handed to its destinations whole, and each destination writes it with one `write_all`
//! (or appends it whole to its buffer) under its own lock. Write errors are counted and
//! reported once on stderr per failure episode, never panicked on, and never end the
//! process: the next record tries again.
//!
//! Every destination is registered, so [`flush_all`] (the flush thread, the panic hook,
//! `fatal!`, `flush_and_exit`, the guard `init` returns, the exit hook) reaches all of
//! them, and [`output_stats`](crate::output_stats) reports them.
//!
//! Nothing accepted is left in a buffer when the process ends normally: a destination
//! flushes when it is dropped; one that can hold unwritten bytes registers the exit hook
//! ([`exit`]), which flushes every live destination when the process exits (on Unix);
//! and [`Destination::unbuffer`] (what dropping `init`'s guard does) writes the buffer out
//! and makes every later record go straight to the destination.

mod exit;
pub(crate) mod files;

use std::fmt;
use std::io::{self, Write};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime};

use parking_lot::Mutex;

use crate::record::Severity;
use files::LogFiles;

/// Keeps a lock that every record from every thread writes on cache lines of its own:
/// read-mostly data that happened to share its line would otherwise bounce between cores.
#[repr(align(128))]
struct CacheAligned<T>(T);

/// Counters of one destination: records written, bytes written and failed writes.
///
/// ```
/// let out = klog::SharedBuffer::default();
/// let sink = klog::TextSink::builder().writer(out.clone()).build();
/// let logger = klog::Logger::new(std::sync::Arc::new(sink.clone()));
/// klog::info!(logger, "hello");
/// assert_eq!(sink.stats().lines(), 1);
/// assert_eq!(sink.stats().errors(), 0);
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OutputStats {
    lines: u64,
    bytes: u64,
    errors: u64,
}

impl OutputStats {
    /// Records accepted (written, or buffered to be written).
    #[must_use]
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Bytes accepted.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Failed writes (records or flushes that did not reach the destination).
    #[must_use]
    pub fn errors(&self) -> u64 {
        self.errors
    }

    fn add(&mut self, other: OutputStats) {
        self.lines += other.lines;
        self.bytes += other.bytes;
        self.errors += other.errors;
    }
}

/// The counters of one destination, by name (`stderr`, `stdout`, `writer`, `files:DIR`).
///
/// ```
/// for destination in klog::output_stats() {
///     println!("{}: {} lines, {} errors", destination.name(), destination.stats().lines(), destination.stats().errors());
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationStats {
    name: String,
    stats: OutputStats,
}

impl DestinationStats {
    /// The destination's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its counters.
    #[must_use]
    pub fn stats(&self) -> OutputStats {
        self.stats
    }
}

/// What a destination writes to.
enum Target {
    /// Any writer; with `capacity > 0`, records are collected in `buffer` and written in
    /// whole-record chunks of at most that size.
    Writer {
        writer: Box<dyn Write + Send>,
        buffer: Vec<u8>,
        capacity: usize,
    },
    /// klog's log files (they buffer themselves).
    Files(LogFiles),
}

struct Inner {
    target: Target,
    stats: OutputStats,
    /// Whether the current failure episode was reported on stderr.
    reported: bool,
}

/// One destination: a target, its counters and its failure reporting, behind one lock.
pub(crate) struct Destination {
    name: Box<str>,
    inner: CacheAligned<Mutex<Inner>>,
}

impl fmt::Debug for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Destination")
            .field("name", &self.name)
            .field("stats", &self.stats())
            .finish()
    }
}

impl Destination {
    /// A registered destination writing to `writer`, buffering up to `capacity` bytes
    /// (0: each record is written at once).
    pub(crate) fn writer(name: &str, writer: Box<dyn Write + Send>, capacity: usize) -> Arc<Self> {
        Destination::register(
            name,
            Target::Writer {
                writer,
                buffer: Vec::new(),
                capacity,
            },
        )
    }

    /// A registered destination for klog's log files.
    pub(crate) fn files(name: &str, files: LogFiles) -> Arc<Self> {
        Destination::register(name, Target::Files(files))
    }

    fn register(name: &str, target: Target) -> Arc<Self> {
        let buffers = match &target {
            Target::Writer { capacity, .. } => *capacity > 0,
            Target::Files(_) => true,
        };
        if buffers {
            exit::install();
        }
        let destination = Arc::new(Destination {
            name: name.into(),
            inner: CacheAligned(Mutex::new(Inner {
                target,
                stats: OutputStats::default(),
                reported: false,
            })),
        });
        let mut registry = REGISTRY.lock();
        registry.retain(|d| d.strong_count() > 0);
        registry.push(Arc::downgrade(&destination));
        destination
    }

    /// Writes (or buffers) one whole record; `write_through` empties the buffer too
    /// (errors and fatal records, as klog does).
    #[inline]
    pub(crate) fn write_record(
        &self,
        severity: Severity,
        record: &[u8],
        now: SystemTime,
        write_through: bool,
    ) {
        let mut inner = self.inner.0.lock();
        let inner = &mut *inner;
        let result = match &mut inner.target {
            Target::Writer {
                writer,
                buffer,
                capacity,
            } => guard_writer(|| write_buffered(writer, buffer, *capacity, record, write_through)),
            Target::Files(files) => files.write(severity, record, now).and_then(|()| {
                if write_through {
                    files.flush()
                } else {
                    Ok(())
                }
            }),
        };
        match result {
            Ok(()) => {
                inner.stats.lines += 1;
                inner.stats.bytes += record.len() as u64;
                inner.reported = false;
            }
            Err(e) => self.failed(inner, &e),
        }
    }

    /// Writes out anything buffered.
    pub(crate) fn flush(&self) {
        let mut inner = self.inner.0.lock();
        self.flush_locked(&mut inner);
    }

    /// Writes out anything buffered and stops buffering: from now on, each record is
    /// written to the destination before the log call returns.
    pub(crate) fn unbuffer(&self) {
        let mut inner = self.inner.0.lock();
        self.flush_locked(&mut inner);
        match &mut inner.target {
            Target::Writer { capacity, .. } => *capacity = 0,
            Target::Files(files) => files.set_write_through(),
        }
    }

    /// Like [`flush`](Self::flush), but gives up on a destination whose lock is not free
    /// by `deadline` (for the exit hook: the thread holding it may never let go).
    #[cfg_attr(not(unix), allow(dead_code))]
    fn flush_until(&self, deadline: Instant) {
        if let Some(mut inner) = self.inner.0.try_lock_until(deadline) {
            self.flush_locked(&mut inner);
        }
    }

    /// Like [`flush`](Self::flush), but skips a destination whose lock is held (for the
    /// panic hook: the panic may have come from inside this destination's writer, on this
    /// very thread, and waiting for the lock would never end).
    fn try_flush(&self) {
        if let Some(mut inner) = self.inner.0.try_lock() {
            self.flush_locked(&mut inner);
        }
    }

    fn flush_locked(&self, inner: &mut Inner) {
        if let Err(e) = flush_target(&mut inner.target) {
            self.failed(inner, &e);
        }
    }

    /// Counts a failure and reports the first of an episode on stderr (a destination
    /// that is itself stderr may not show it: nothing else can be done there).
    #[cold]
    #[inline(never)]
    fn failed(&self, inner: &mut Inner, error: &io::Error) {
        inner.stats.errors += 1;
        if !inner.reported {
            inner.reported = true;
            let _ = writeln!(
                io::stderr(),
                "klog: writing to {} failed: {error} (further failures are counted, see klog::output_stats)",
                self.name
            );
        }
    }

    pub(crate) fn stats(&self) -> OutputStats {
        self.inner.0.lock().stats
    }
}

impl Drop for Destination {
    /// The last sink using this destination is gone: what it buffered is written out.
    fn drop(&mut self) {
        let inner = self.inner.0.get_mut();
        if let Err(e) = flush_target(&mut inner.target) {
            if !inner.reported {
                let _ = writeln!(
                    io::stderr(),
                    "klog: writing to {} failed: {e} (when it was closed)",
                    self.name
                );
            }
        }
    }
}

/// Writes out what `target` buffered, and flushes its writer.
fn flush_target(target: &mut Target) -> io::Result<()> {
    match target {
        Target::Writer { writer, buffer, .. } => {
            guard_writer(|| flush_buffer(writer, buffer).and_then(|()| writer.flush()))
        }
        Target::Files(files) => files.flush(),
    }
}

/// Runs a user writer's operation; a panic in it becomes an error (counted and reported
/// like any failed write) instead of unwinding out of the log call.
#[inline]
fn guard_writer(op: impl FnOnce() -> io::Result<()>) -> io::Result<()> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(op))
        .unwrap_or_else(|_| Err(io::Error::other("the writer panicked")))
}

/// Appends `record` to the buffer, writing the buffer out first when the record would
/// not fit; a record that alone exceeds the capacity is written directly. A record is
/// thus never split across two writes.
#[inline]
fn write_buffered(
    writer: &mut Box<dyn Write + Send>,
    buffer: &mut Vec<u8>,
    capacity: usize,
    record: &[u8],
    write_through: bool,
) -> io::Result<()> {
    if capacity == 0 {
        return writer.write_all(record);
    }
    if buffer.len() + record.len() > capacity {
        flush_buffer(writer, buffer)?;
    }
    if record.len() >= capacity {
        writer.write_all(record)?;
    } else {
        buffer.extend_from_slice(record);
    }
    if write_through {
        flush_buffer(writer, buffer)?;
    }
    Ok(())
}

fn flush_buffer(writer: &mut Box<dyn Write + Send>, buffer: &mut Vec<u8>) -> io::Result<()> {
    if buffer.is_empty() {
        return Ok(());
    }
    // Whatever happens, the buffered records are handed over once: a failed write is
    // counted, not retried forever with an ever-growing buffer.
    let result = writer.write_all(buffer);
    buffer.clear();
    result
}

/// Where a sink's records go, by severity.
#[derive(Debug, Clone)]
pub(crate) enum Router {
    /// Everything to one destination.
    Single(Arc<Destination>),
    /// Info records to one destination, warnings, errors and fatals to the other
    /// (component-base's split stream).
    Split {
        info: Arc<Destination>,
        problems: Arc<Destination>,
    },
    /// klog's files, plus stderr for records at or above a threshold (`-alsologtostderr`
    /// makes that every record).
    Files {
        files: Arc<Destination>,
        stderr: Arc<Destination>,
        stderr_threshold: Severity,
    },
}

impl Router {
    /// Routes one whole record.
    #[inline]
    pub(crate) fn write_record(&self, severity: Severity, record: &[u8], now: SystemTime) {
        let write_through = severity >= Severity::Error;
        match self {
            Router::Single(d) => d.write_record(severity, record, now, write_through),
            Router::Split { info, problems } => {
                if severity == Severity::Info {
                    info.write_record(severity, record, now, write_through);
                } else {
                    problems.write_record(severity, record, now, write_through);
                }
            }
            Router::Files {
                files,
                stderr,
                stderr_threshold,
            } => {
                files.write_record(severity, record, now, write_through);
                if severity >= *stderr_threshold {
                    stderr.write_record(severity, record, now, write_through);
                }
            }
        }
    }

    pub(crate) fn flush(&self) {
        for d in self.destinations() {
            d.flush();
        }
    }

    /// [`Destination::unbuffer`] for every destination.
    pub(crate) fn unbuffer(&self) {
        for d in self.destinations() {
            d.unbuffer();
        }
    }

    fn destinations(&self) -> Vec<&Arc<Destination>> {
        match self {
            Router::Single(d) => vec![d],
            Router::Split { info, problems } => vec![info, problems],
            Router::Files { files, stderr, .. } => vec![files, stderr],
        }
    }

    /// The counters of all destinations added up.
    pub(crate) fn stats(&self) -> OutputStats {
        let mut total = OutputStats::default();
        for d in self.destinations() {
            total.add(d.stats());
        }
        total
    }
}

/// Every live destination, for flushing and statistics.
static REGISTRY: Mutex<Vec<Weak<Destination>>> = Mutex::new(Vec::new());

fn live_destinations() -> Vec<Arc<Destination>> {
    REGISTRY.lock().iter().filter_map(Weak::upgrade).collect()
}

/// Flushes every destination of every sink.
pub(crate) fn flush_all() {
    for d in live_destinations() {
        d.flush();
    }
}

/// How long the exit hook waits for the destinations other threads are writing to (Go
/// klog's `ExitFlushTimeout`).
#[cfg_attr(not(unix), allow(dead_code))]
const EXIT_FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// [`flush_all`] for the exit hook: every destination is waited for, but altogether no
/// longer than [`EXIT_FLUSH_TIMEOUT`] (a thread may be stuck in a writer, or `exit` may
/// have been called from inside one, with its lock held).
#[cfg_attr(not(unix), allow(dead_code))]
fn flush_all_at_exit() {
    let deadline = Instant::now() + EXIT_FLUSH_TIMEOUT;
    let Some(registry) = REGISTRY.try_lock_until(deadline) else {
        return;
    };
    let live: Vec<Arc<Destination>> = registry.iter().filter_map(Weak::upgrade).collect();
    drop(registry);
    for d in live {
        d.flush_until(deadline);
    }
}

/// [`flush_all`] for the panic hook: destinations that are busy are skipped rather than
/// waited for.
fn flush_all_without_waiting() {
    let Some(registry) = REGISTRY.try_lock() else {
        return;
    };
    let live: Vec<Arc<Destination>> = registry.iter().filter_map(Weak::upgrade).collect();
    drop(registry);
    for d in live {
        d.try_flush();
    }
}

/// The counters of every destination of every sink, by name.
///
/// ```
/// let logger = klog::TextSink::builder().writer(std::io::sink()).build_logger();
/// klog::info!(logger, "counted");
/// assert!(klog::output_stats().iter().any(|d| d.name() == "writer" && d.stats().lines() >= 1));
/// ```
#[must_use]
pub fn output_stats() -> Vec<DestinationStats> {
    live_destinations()
        .iter()
        .map(|d| DestinationStats {
            name: d.name.to_string(),
            stats: d.stats(),
        })
        .collect()
}

/// The flush thread's period in nanoseconds (0: no thread yet).
static FLUSH_PERIOD: Mutex<Option<Duration>> = Mutex::new(None);

/// Starts (once) a thread that flushes every destination every `period` (component-base's
/// `flushFrequency`); a later call with a shorter period shortens it.
pub(crate) fn start_flush_thread(period: Duration) {
    let period = period.max(Duration::from_millis(1));
    let mut current = FLUSH_PERIOD.lock();
    let start = current.is_none();
    if current.is_none_or(|p| period < p) {
        *current = Some(period);
    }
    drop(current);
    if start {
        let spawned = std::thread::Builder::new()
            .name("klog-flush".into())
            .spawn(|| loop {
                let period = FLUSH_PERIOD.lock().unwrap_or(Duration::from_secs(5));
                std::thread::sleep(period);
                flush_all();
            });
        if let Err(e) = spawned {
            let _ = writeln!(io::stderr(), "klog: cannot start the flush thread: {e}");
        }
    }
}

/// Installs (once) a panic hook that flushes every destination, then runs the hook that
/// was installed before (the default one prints the message and, with
/// `RUST_BACKTRACE`, the backtrace).
pub(crate) fn install_panic_hook() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            flush_all_without_waiting();
            previous(info);
        }));
    });
}

/// An in-memory, cloneable writer: every clone appends to the same buffer. Handy for
/// tests and examples that look at what was logged.
///
/// ```
/// use std::io::Write;
/// let buffer = klog::SharedBuffer::default();
/// let mut writer = buffer.clone();
/// writer.write_all(b"line\n").unwrap();
/// assert_eq!(buffer.to_string(), "line\n");
/// assert_eq!(buffer.take(), b"line\n");
/// assert!(buffer.contents().is_empty());
/// ```
#[derive(Clone, Debug, Default)]
pub struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    /// A copy of everything written so far.
    #[must_use]
    pub fn contents(&self) -> Vec<u8> {
        self.0.lock().clone()
    }

    /// Everything written so far, leaving the buffer empty.
    #[must_use]
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock())
    }
}

impl fmt::Display for SharedBuffer {
    /// The contents, invalid UTF-8 replaced.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0.lock()))
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
