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

mod backlog;
mod exit;
mod fd;
pub(crate) mod files;
pub(crate) mod hooks;
#[cfg(all(unix, feature = "signals"))]
mod signals;
mod stage;

pub(crate) use fd::StdStream;
#[cfg(all(unix, feature = "signals"))]
pub use signals::flush_on_signals;

use std::cell::Cell;
use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime};

use parking_lot::Mutex;

use crate::record::Severity;
use backlog::{Backlog, Outcome, Progress, Stall, STALL_TIMEOUT};
use files::LogFiles;
use parking_lot::MutexGuard;
use stage::{Stages, Which};

/// Keeps a lock that every record from every thread writes on cache lines of its own:
/// read-mostly data that happened to share its line would otherwise bounce between cores.
#[derive(Default)]
#[repr(align(128))]
struct CacheAligned<T>(T);

/// Counter stripes of a discarding destination: threads take them in turn, so up to this
/// many threads each count on a cache line of their own.
const STRIPES: usize = 8;

/// One thread's share of a discarding destination's counters.
#[derive(Default)]
struct Stripe {
    lines: AtomicU64,
    bytes: AtomicU64,
}

/// The counters of a destination that discards every record (a writer that is
/// `io::sink()`): there is nothing to keep whole or in order, so records skip the
/// destination's lock, and each thread counts on a stripe of its own. With one lock or
/// one counter, every record would move a cache line between the cores: most of what
/// two threads logging into one sink had left to serialise.
#[derive(Default)]
struct Discard {
    stripes: [CacheAligned<Stripe>; STRIPES],
}

impl Discard {
    #[inline]
    fn count(&self, bytes: usize) {
        let stripe = &self.stripes[stripe()].0;
        stripe.lines.fetch_add(1, Ordering::Relaxed);
        stripe.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// `stats` plus what the stripes counted.
    fn add_to(&self, stats: &mut OutputStats) {
        for stripe in &self.stripes {
            stats.lines += stripe.0.lines.load(Ordering::Relaxed);
            stats.bytes += stripe.0.bytes.load(Ordering::Relaxed);
        }
    }
}

/// This thread's counter stripe (taken in turn on first use).
#[inline]
fn stripe() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static STRIPE: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    STRIPE
        .try_with(|stripe| {
            if stripe.get() >= STRIPES {
                stripe.set(NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES);
            }
            stripe.get()
        })
        .unwrap_or(0)
}

/// Counters of one destination: records written, lost and waiting, bytes written,
/// failed writes and failure episodes.
///
/// Every record a destination accepted is in exactly one of three places: written
/// ([`lines`](Self::lines)), waiting in its buffer ([`waiting`](Self::waiting)), or given
/// up on and counted ([`lost`](Self::lost)). klog's per-severity log files count each copy
/// of a record (an error record goes to the ERROR, WARNING and INFO files: three).
///
/// ```
/// let out = klog::SharedBuffer::default();
/// let sink = klog::TextSink::builder().writer(out.clone()).build();
/// let logger = klog::Logger::new(std::sync::Arc::new(sink.clone()));
/// klog::info!(logger, "hello");
/// let stats = sink.stats();
/// assert_eq!((stats.lines(), stats.lost(), stats.waiting()), (1, 0, 0));
/// assert_eq!((stats.errors(), stats.episodes()), (0, 0));
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OutputStats {
    lines: u64,
    bytes: u64,
    errors: u64,
    lost: u64,
    episodes: u64,
    waiting: u64,
}

impl OutputStats {
    /// Records written: the destination took every byte of them.
    #[must_use]
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Bytes written.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Failed writes (of records, buffers or flushes).
    #[must_use]
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Records given up on: the destination failed and what it keeps to retry was full, a
    /// file could not be created for them, or they were still waiting when it was closed.
    #[must_use]
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Failure episodes: each began with a failed write (and one report on stderr) and
    /// ended with the next write that went through (and one more).
    #[must_use]
    pub fn episodes(&self) -> u64 {
        self.episodes
    }

    /// Records accepted and not written yet: buffered, or kept to retry after a failure.
    #[must_use]
    pub fn waiting(&self) -> u64 {
        self.waiting
    }

    fn add(&mut self, other: OutputStats) {
        self.lines += other.lines;
        self.bytes += other.bytes;
        self.errors += other.errors;
        self.lost += other.lost;
        self.episodes += other.episodes;
        self.waiting += other.waiting;
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

/// What a destination that cannot write keeps to retry, at least (a buffered one keeps
/// twice its buffer); records beyond it are counted as lost.
const MIN_BACKLOG: usize = 64 * 1024;

/// What a destination writes to.
enum Target {
    /// A stream or any writer.
    Stream(Stream),
    /// klog's log files (they buffer themselves).
    Files(LogFiles),
}

/// A writer, with a buffer when `capacity > 0` (records are collected and written in
/// runs of whole records of at most that size), and what it has not taken yet.
struct Stream {
    writer: Box<dyn Write + Send>,
    /// The descriptor to wait on when a write would block.
    fd: Option<i32>,
    backlog: Backlog,
    capacity: usize,
}

impl Stream {
    /// Writes (or buffers) one record; `write_through` writes out the buffer too.
    #[inline]
    fn write_record(&mut self, record: &[u8], write_through: bool, stall: &mut Stall) -> Outcome {
        let mut outcome = Outcome::default();
        let writer = &mut *self.writer;
        let backlog = &mut self.backlog;
        if backlog.is_empty() && (self.capacity == 0 || record.len() >= self.capacity) {
            outcome.attempt(backlog.write_direct(writer, record, true, stall));
            return outcome;
        }
        if self.capacity > 0 && backlog.len() + record.len() > self.capacity {
            outcome.attempt(backlog.write_to(writer, stall));
            if backlog.is_empty() && record.len() >= self.capacity {
                outcome.attempt(backlog.write_direct(writer, record, true, stall));
                return outcome;
            }
        }
        if backlog.len() + record.len() <= (2 * self.capacity).max(MIN_BACKLOG) {
            backlog.push(record, true);
        } else {
            outcome.lost += 1;
        }
        if (write_through || self.capacity == 0) && outcome.result.is_ok() {
            outcome.attempt(backlog.write_to(writer, stall));
        }
        outcome
    }

    /// Writes out what waits, and flushes the writer.
    fn flush(&mut self, stall: &mut Stall) -> Outcome {
        let mut outcome = Outcome::default();
        if !self.backlog.is_empty() {
            outcome.attempt(self.backlog.write_to(&mut *self.writer, stall));
        }
        if outcome.result.is_ok() {
            let flushed = self.writer.flush();
            if flushed.is_err() || outcome.attempted {
                outcome.attempt((Progress::default(), flushed));
            }
        }
        outcome
    }
}

impl Target {
    fn fd(&self) -> Option<i32> {
        match self {
            Target::Stream(s) => s.fd,
            Target::Files(_) => None,
        }
    }

    /// Records waiting to be written.
    fn waiting(&self) -> u64 {
        match self {
            Target::Stream(s) => s.backlog.records(),
            Target::Files(files) => files.waiting(),
        }
    }

    /// Writes out what waits (and flushes the writer).
    fn flush(&mut self, stall: &mut Stall) -> Outcome {
        match self {
            Target::Stream(s) => guard_writer(|| s.flush(stall)),
            Target::Files(files) => files.flush_out(stall),
        }
    }

    /// Gives up on what waits; returns the records dropped.
    fn drop_waiting(&mut self) -> u64 {
        match self {
            Target::Stream(s) => s.backlog.drop_all(),
            Target::Files(files) => files.drop_waiting(),
        }
    }
}

struct Inner {
    target: Target,
    stats: OutputStats,
    /// In a failure episode: it was reported on stderr, and the next write that goes
    /// through ends it (and is reported too).
    failing: bool,
    /// `stats.lost` when the episode began.
    lost_before: u64,
}

impl Inner {
    /// How long a write may wait for a destination that would block: in a failure
    /// episode not at all (the writer was waited for when it began).
    fn stall(&self) -> Stall {
        let budget = if self.failing {
            Duration::ZERO
        } else {
            STALL_TIMEOUT
        };
        Stall::new(self.target.fd(), budget)
    }
}

/// One destination: a target, its counters and its failure reporting, behind one lock.
pub(crate) struct Destination {
    name: Box<str>,
    inner: CacheAligned<Mutex<Inner>>,
    /// Set when the writer discards everything (`io::sink()`) and nothing is buffered:
    /// records are counted here, without the lock (see [`Discard`]).
    discard: Option<Box<Discard>>,
    /// Set for buffered log files: records of threads that find the lock held wait in
    /// stages of their own ([`stage`]).
    stages: Option<Box<Stages>>,
    /// Records are no longer staged ([`unbuffer`](Self::unbuffer)).
    unstaged: AtomicBool,
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
    /// (0: each record is written at once). `discards`: the writer is `io::sink()`.
    pub(crate) fn writer(
        name: &str,
        writer: Box<dyn Write + Send>,
        capacity: usize,
        discards: bool,
    ) -> Arc<Self> {
        let target = Target::Stream(Stream {
            writer,
            fd: None,
            backlog: Backlog::default(),
            capacity,
        });
        if discards && capacity == 0 {
            return Destination::register_with(name, target, Some(Box::default()), None);
        }
        Destination::register(name, target)
    }

    /// A registered destination writing to a standard stream's descriptor.
    pub(crate) fn stream(stream: StdStream, capacity: usize) -> Arc<Self> {
        Destination::register(
            stream.name(),
            Target::Stream(Stream {
                writer: stream.writer(),
                fd: stream.fd(),
                backlog: Backlog::default(),
                capacity,
            }),
        )
    }

    /// A registered destination for klog's log files.
    pub(crate) fn files(name: &str, files: LogFiles) -> Arc<Self> {
        Destination::register_with(name, Target::Files(files), None, Some(Box::default()))
    }

    fn register(name: &str, target: Target) -> Arc<Self> {
        Destination::register_with(name, target, None, None)
    }

    fn register_with(
        name: &str,
        target: Target,
        discard: Option<Box<Discard>>,
        stages: Option<Box<Stages>>,
    ) -> Arc<Self> {
        let buffers = match &target {
            Target::Stream(s) => s.capacity > 0,
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
                failing: false,
                lost_before: 0,
            })),
            discard,
            stages,
            unstaged: AtomicBool::new(false),
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
        if let Some(discard) = &self.discard {
            discard.count(record.len());
            return;
        }
        let guard = match &self.stages {
            Some(stages) if !self.unstaged.load(Ordering::Relaxed) => {
                match self.stage_or_lock(stages, severity, record, now, write_through) {
                    Some(guard) => guard,
                    None => return,
                }
            }
            Some(stages) => {
                let mut guard = self.lock_spinning();
                self.drain_stages(&mut guard, stages, true, Which::All);
                guard
            }
            None => self.lock_spinning(),
        };
        self.write_locked(guard, severity, record, now, write_through);
    }

    /// Writes (or buffers) `record` under the destination's lock, `guard`.
    #[inline]
    fn write_locked(
        &self,
        mut guard: MutexGuard<'_, Inner>,
        severity: Severity,
        record: &[u8],
        now: SystemTime,
        write_through: bool,
    ) {
        let inner = &mut *guard;
        // The usual case first: an unbuffered stream with nothing waiting, and one write
        // that takes the whole record.
        let mut taken = 0;
        let mut kept = false;
        if let Target::Stream(s) = &mut inner.target {
            if s.capacity == 0 && s.backlog.is_empty() && !inner.failing {
                let writer = &mut s.writer;
                let once =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| writer.write(record)));
                match once {
                    Ok(Ok(n)) if n >= record.len() => {
                        inner.stats.lines += 1;
                        inner.stats.bytes += record.len() as u64;
                        return;
                    }
                    // Cut short, or failed: the rest is kept, and written (or retried, or
                    // reported) below like any backlog.
                    Ok(result) => {
                        taken = result.unwrap_or(0);
                        s.backlog.push_rest(record, taken, true);
                        kept = true;
                    }
                    Err(_) => {
                        let outcome = Outcome::failed(io::Error::other("the writer panicked"), 1);
                        self.settle(inner, outcome);
                        return;
                    }
                }
            }
        }
        let mut stall = inner.stall();
        let mut handoff = None;
        let mut outcome = match &mut inner.target {
            Target::Stream(s) if kept => guard_writer(|| {
                let mut outcome = Outcome::default();
                outcome.attempt(s.backlog.write_to(&mut *s.writer, &mut stall));
                outcome
            }),
            Target::Stream(s) => guard_writer(|| s.write_record(record, write_through, &mut stall)),
            Target::Files(files) => {
                let (outcome, full) =
                    files.write_record(severity, record, now, write_through, &mut stall);
                handoff = full;
                outcome
            }
        };
        outcome.progress.bytes += taken as u64;
        self.settle(inner, outcome);
        if let Some(handoff) = handoff {
            // A full buffer is written with this destination's lock let go (the handoff
            // holds the files' I/O lock, which keeps writes in order): other threads go
            // on logging into the next buffer meanwhile.
            drop(guard);
            let outcome = handoff.write(&mut stall);
            let mut inner = self.inner.0.lock();
            self.settle(&mut inner, outcome);
        }
    }

    /// The destination's lock for a record. A record holds it for well under a
    /// microsecond, so a thread that finds it held spins for about that long before it
    /// sleeps: a sleeping waiter costs the holder a wake-up system call at every unlock,
    /// and two threads that take turns sleeping ran at a third of one thread's speed.
    #[inline]
    fn lock_spinning(&self) -> parking_lot::MutexGuard<'_, Inner> {
        for _ in 0..SPINS_BEFORE_SLEEP {
            if let Some(guard) = self.inner.0.try_lock() {
                return guard;
            }
            std::hint::spin_loop();
        }
        self.inner.0.lock()
    }

    /// Writes out anything buffered.
    pub(crate) fn flush(&self) {
        let mut inner = self.inner.0.lock();
        self.flush_locked(&mut inner, true);
    }

    /// Writes out anything buffered and stops buffering: from now on, each record is
    /// written to the destination before the log call returns.
    pub(crate) fn unbuffer(&self) {
        let mut inner = self.inner.0.lock();
        // Records staged by threads that saw the flag too late are written by the flush
        // below or, after it, by the next record (which finds its stage holding records).
        self.unstaged.store(true, Ordering::Relaxed);
        self.flush_locked(&mut inner, true);
        match &mut inner.target {
            Target::Stream(s) => s.capacity = 0,
            Target::Files(files) => files.set_write_through(),
        }
    }

    /// Like [`flush`](Self::flush), but gives up on a destination whose lock is not free
    /// by `deadline` (for the exit hook: the thread holding it may never let go).
    #[cfg_attr(not(unix), allow(dead_code))]
    fn flush_until(&self, deadline: Instant) {
        if let Some(mut inner) = self.inner.0.try_lock_until(deadline) {
            self.flush_locked(&mut inner, true);
        }
    }

    /// Like [`flush`](Self::flush), but skips a destination whose lock is held (for the
    /// panic hook: the panic may have come from inside this destination's writer, on this
    /// very thread, and waiting for the lock would never end).
    fn try_flush(&self) {
        if let Some(mut inner) = self.inner.0.try_lock() {
            self.flush_locked(&mut inner, false);
        }
    }

    /// Writes out staged records (`wait`: waiting for a stage being appended to), then
    /// the buffers.
    fn flush_locked(&self, inner: &mut Inner, wait: bool) {
        if let Some(stages) = &self.stages {
            // Full buffers queued here are written first by the flush below.
            drop(self.drain_into(inner, stages, wait, Which::All));
        }
        let mut stall = inner.stall();
        let outcome = inner.target.flush(&mut stall);
        self.settle(inner, outcome);
    }

    /// Counts what a write did, and reports the beginning and the end of a failure
    /// episode (buffering a record is not a write: it neither begins nor ends one).
    #[inline]
    fn settle(&self, inner: &mut Inner, outcome: Outcome) {
        inner.stats.lines += outcome.progress.records;
        inner.stats.bytes += outcome.progress.bytes;
        inner.stats.lost += outcome.lost;
        match outcome.result {
            Err(e) => self.failed(inner, &e),
            Ok(()) if inner.failing && outcome.attempted => self.recovered(inner),
            Ok(()) => {}
        }
    }

    /// Counts a failure and reports the first of an episode on stderr (a destination
    /// that is itself stderr may not show it: nothing else can be done there).
    #[cold]
    #[inline(never)]
    fn failed(&self, inner: &mut Inner, error: &io::Error) {
        inner.stats.errors += 1;
        if !inner.failing {
            inner.failing = true;
            inner.stats.episodes += 1;
            inner.lost_before = inner.stats.lost;
            let _ = writeln!(
                io::stderr(),
                "klog: writing to {} failed: {error} (records are kept and retried, up to a bound; failures and lost records are counted, see klog::output_stats)",
                self.name
            );
        }
    }

    #[cold]
    #[inline(never)]
    fn recovered(&self, inner: &mut Inner) {
        inner.failing = false;
        let _ = writeln!(
            io::stderr(),
            "klog: writing to {} works again ({} records lost while it failed)",
            self.name,
            inner.stats.lost - inner.lost_before
        );
    }

    pub(crate) fn stats(&self) -> OutputStats {
        let inner = self.inner.0.lock();
        let staged = self.stages.as_ref().map_or(0, |stages| stages.waiting());
        let mut stats = OutputStats {
            waiting: inner.target.waiting() + staged,
            ..inner.stats
        };
        if let Some(discard) = &self.discard {
            discard.add_to(&mut stats);
        }
        stats
    }
}

impl Drop for Destination {
    /// The last sink using this destination is gone: what it buffered is written out, and
    /// what cannot be is counted as lost.
    fn drop(&mut self) {
        if let Some(stages) = self.stages.take() {
            let mut inner = self.inner.0.lock();
            drop(self.drain_into(&mut inner, &stages, true, Which::All));
        }
        let inner = self.inner.0.get_mut();
        let mut stall = inner.stall();
        let outcome = inner.target.flush(&mut stall);
        if let Err(e) = outcome.result {
            if !inner.failing {
                let _ = writeln!(
                    io::stderr(),
                    "klog: writing to {} failed: {e} (when it was closed)",
                    self.name
                );
            }
        }
        inner.target.drop_waiting();
    }
}

/// Runs a user writer's operation; a panic in it becomes an error (counted and reported
/// like any failed write) instead of unwinding out of the log call.
/// The record being written when it panicked counts as lost.
#[inline]
fn guard_writer(op: impl FnOnce() -> Outcome) -> Outcome {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(op))
        .unwrap_or_else(|_| Outcome::failed(io::Error::other("the writer panicked"), 1))
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
/// Tries of the destination's lock before a record's thread sleeps on it (each a pause
/// instruction apart: a microsecond or two in all).
const SPINS_BEFORE_SLEEP: u32 = 64;

static REGISTRY: Mutex<Vec<Weak<Destination>>> = Mutex::new(Vec::new());

fn live_destinations() -> Vec<Arc<Destination>> {
    REGISTRY.lock().iter().filter_map(Weak::upgrade).collect()
}

/// Flushes every destination of every sink, then the outputs of other crates
/// ([`hooks`]).
pub(crate) fn flush_all() {
    for d in live_destinations() {
        d.flush();
    }
    hooks::run_all();
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
    if let Some(registry) = REGISTRY.try_lock_until(deadline) {
        let live: Vec<Arc<Destination>> = registry.iter().filter_map(Weak::upgrade).collect();
        drop(registry);
        for d in live {
            d.flush_until(deadline);
        }
    }
    // Other crates' queues even when klog's registry was not to be had.
    hooks::run_all_until(deadline);
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
                // klog's own buffers only: other crates' outputs (hooks) flush on a
                // schedule of their own, and one stuck there must not hold these up.
                for d in live_destinations() {
                    d.flush();
                }
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
