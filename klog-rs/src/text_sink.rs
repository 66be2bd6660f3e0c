//! [`TextSink`]: klog's text format written to an output.

use std::cell::RefCell;
use std::fmt;
use std::io::Write;
use std::sync::Arc;
use std::time::SystemTime;

use crate::format::gotime::unix_parts;
use crate::format::header::{HeaderCaller, PidField};
use crate::format::text::{encode, RenderedPairs, TextContext, TextScratch};
use crate::logger::Logger;
use crate::output::{Output, OutputStats};
use crate::record::Record;
use crate::sink::Sink;
use crate::value::{KeyValue, Value};
use crate::verbosity;

/// A line buffer above this capacity is not kept for the next record (klog's `PutBuffer`
/// does the same), so one huge value does not pin memory in every thread.
const MAX_KEPT_CAPACITY: usize = 64 * 1024;

thread_local! {
    static SCRATCH: RefCell<TextScratch> = RefCell::new(TextScratch::default());
}

/// Runs `f` with this thread's scratch buffers, or fresh ones when they are in use (a
/// `Display` implementation that logs while being rendered).
fn with_scratch<R>(f: impl FnOnce(&mut TextScratch) -> R) -> R {
    // During thread teardown the thread-local is gone; `with` would panic.
    if SCRATCH.try_with(|_| ()).is_err() {
        return f(&mut TextScratch::default());
    }
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let result = f(&mut scratch);
            if scratch.line.capacity() > MAX_KEPT_CAPACITY {
                *scratch = TextScratch::default();
            }
            result
        }
        Err(_) => f(&mut TextScratch::default()),
    })
}

type Clock = dyn Fn() -> SystemTime + Send + Sync;

/// A file and line that replace every record's call site (test seam).
#[derive(Clone, Debug)]
struct FixedCaller {
    file: Option<Box<str>>,
    line: i64,
}

/// Threshold of a sink: the global `-v`, or its own.
#[derive(Clone, Copy, Debug)]
enum Threshold {
    Global,
    Fixed(i32),
}

struct Shared {
    output: Output,
    clock: Option<Box<Clock>>,
    pid: PidField,
    caller: Option<FixedCaller>,
    threshold: Threshold,
}

/// A [`Sink`] writing klog's text format: `I0102 03:04:05.123456   12345 file.rs:42] "msg" k="v"`.
///
/// Built with [`TextSink::builder`]; clones share the output. Names and bound values are
/// rendered once, when [`with_name`](Sink::with_name)/[`with_values`](Sink::with_values)
/// is called.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder()
///     .writer(out.clone())
///     .fixed_time(UNIX_EPOCH + Duration::from_secs(1704164645))
///     .pid(12345)
///     .fixed_caller(Some("/src/controller.rs"), 42)
///     .build_logger();
/// klog::info!(logger, "Pod status updated", pod = klog::KObj::new("kube-system", "coredns"), attempt = 3);
/// assert_eq!(
///     out.to_string(),
///     "I0102 03:04:05.000000   12345 controller.rs:42] \"Pod status updated\" pod=\"kube-system/coredns\" attempt=3\n"
/// );
/// ```
#[derive(Clone)]
pub struct TextSink {
    shared: Arc<Shared>,
    /// The joined name, if `with_name` was called.
    name: Option<Box<str>>,
    /// What every record gets after `err`: the `logger=` pair (when named), then the
    /// bound values. Owned: each derived sink lives in its own `Arc<dyn Sink>`.
    context: RenderedPairs,
}

impl fmt::Debug for TextSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextSink")
            .field("name", &self.name)
            .field("threshold", &self.shared.threshold)
            .finish_non_exhaustive()
    }
}

impl TextSink {
    /// A builder; the default writes to stderr and follows the global `-v`.
    #[must_use]
    pub fn builder() -> TextSinkBuilder {
        TextSinkBuilder::default()
    }

    /// A snapshot of the output's counters (shared by all sinks derived from this one).
    #[must_use]
    pub fn stats(&self) -> OutputStats {
        self.shared.output.stats()
    }

    fn time(&self, record: &Record<'_>) -> SystemTime {
        match (record.time(), &self.shared.clock) {
            (Some(t), _) => t,
            (None, Some(clock)) => clock(),
            (None, None) => SystemTime::now(),
        }
    }

    /// The number of leading context pairs that are the name, not bound values.
    fn name_pairs(&self) -> usize {
        usize::from(self.name.is_some())
    }
}

/// Room for a rendered pair, so deriving rarely grows a buffer twice.
const PAIR_CAPACITY_GUESS: usize = 24;

impl Sink for TextSink {
    #[inline]
    fn enabled(&self, level: i32) -> bool {
        match self.shared.threshold {
            Threshold::Global => level <= verbosity::verbosity(),
            Threshold::Fixed(v) => level <= v,
        }
    }

    fn log(&self, record: &Record<'_>) {
        let time = unix_parts(self.time(record));
        let caller = self.shared.caller.as_ref().map(|c| HeaderCaller {
            file: c.file.as_deref(),
            line: c.line,
        });
        let ctx = TextContext {
            pid: &self.shared.pid,
            caller,
            context: &self.context,
        };
        with_scratch(|scratch| {
            encode(scratch, record, &ctx, time);
            self.shared.output.write_record(&scratch.line);
        });
    }

    fn with_values(&self, key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        let mut context = RenderedPairs::with_capacity(
            self.context.byte_len() + key_values.len() * PAIR_CAPACITY_GUESS,
            self.context.len() + key_values.len(),
        );
        context.extend_from(&self.context, 0);
        with_scratch(|scratch| context.push_key_values(scratch, key_values));
        Arc::new(TextSink {
            shared: self.shared.clone(),
            name: self.name.clone(),
            context,
        })
    }

    fn with_name(&self, name: &str) -> Arc<dyn Sink> {
        let joined = match &self.name {
            None => Box::from(name),
            Some(prefix) => {
                let mut s = String::with_capacity(prefix.len() + 1 + name.len());
                s.push_str(prefix);
                s.push('.');
                s.push_str(name);
                s.into_boxed_str()
            }
        };
        let mut context = RenderedPairs::with_capacity(
            self.context.byte_len() + joined.len() + PAIR_CAPACITY_GUESS,
            self.context.len() + 1 - self.name_pairs(),
        );
        with_scratch(|scratch| context.push(scratch, b"logger", &Value::Str(&joined)));
        context.extend_from(&self.context, self.name_pairs());
        Arc::new(TextSink {
            shared: self.shared.clone(),
            name: Some(joined),
            context,
        })
    }

    fn flush(&self) {
        self.shared.output.flush();
    }
}

/// Configures a [`TextSink`]: output, verbosity, and the clock, pid and caller seams that
/// let tests replay records without global state.
///
/// ```
/// let sink = klog::TextSink::builder()
///     .writer(std::io::sink())
///     .verbosity(4)
///     .build();
/// # let _ = sink;
/// ```
#[derive(Default)]
pub struct TextSinkBuilder {
    writer: Option<Box<dyn Write + Send>>,
    clock: Option<Box<Clock>>,
    pid: Option<i64>,
    caller: Option<FixedCaller>,
    verbosity: Option<i32>,
}

impl fmt::Debug for TextSinkBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextSinkBuilder")
            .field("pid", &self.pid)
            .field("caller", &self.caller)
            .field("verbosity", &self.verbosity)
            .finish_non_exhaustive()
    }
}

impl TextSinkBuilder {
    /// Writes to `writer` instead of stderr. Each record is one `write_all` call.
    #[must_use]
    pub fn writer(mut self, writer: impl Write + Send + 'static) -> Self {
        self.writer = Some(Box::new(writer));
        self
    }

    /// Uses this threshold instead of the global `-v`: `V(n)` is written iff
    /// `max(n, 0) <= v`.
    #[must_use]
    pub fn verbosity(mut self, v: i32) -> Self {
        self.verbosity = Some(v);
        self
    }

    /// Reads the time from `clock` instead of the system clock.
    #[must_use]
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Box::new(clock));
        self
    }

    /// Stamps every record with `time`.
    #[must_use]
    pub fn fixed_time(self, time: SystemTime) -> Self {
        self.clock(move || time)
    }

    /// Writes `pid` in the header instead of this process' id.
    #[must_use]
    pub fn pid(mut self, pid: i64) -> Self {
        self.pid = Some(pid);
        self
    }

    /// Writes this file and line in every header instead of the call site (`None` file:
    /// unknown caller, `???:1`).
    #[must_use]
    pub fn fixed_caller(mut self, file: Option<&str>, line: i64) -> Self {
        self.caller = Some(FixedCaller {
            file: file.map(Into::into),
            line,
        });
        self
    }

    /// Builds the sink.
    #[must_use]
    pub fn build(self) -> TextSink {
        let threshold = match self.verbosity {
            Some(v) => {
                verbosity::register_sink_threshold(v);
                Threshold::Fixed(v)
            }
            None => Threshold::Global,
        };
        let pid = self.pid.unwrap_or_else(|| i64::from(std::process::id()));
        TextSink {
            shared: Arc::new(Shared {
                output: Output::new(self.writer.unwrap_or_else(|| Box::new(std::io::stderr()))),
                clock: self.clock,
                pid: PidField::new(pid),
                caller: self.caller,
                threshold,
            }),
            name: None,
            context: RenderedPairs::default(),
        }
    }

    /// Builds the sink and wraps it in a [`Logger`].
    #[must_use]
    pub fn build_logger(self) -> Logger {
        Logger::new(Arc::new(self.build()))
    }
}
