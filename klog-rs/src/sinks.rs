//! [`TextSink`] and [`JsonSink`]: an encoder, a threshold and an output.
//!
//! Both share one implementation (`FormatSink`), generic over the encoding; they differ
//! only in how a record and a derived logger's context are rendered. A log call runs
//! decide (the threshold, once: see [`Sink::uses_global_verbosity`]) → encode
//! (`format::encode_text`/`encode_json` into a per-thread buffer) → write (`output`).

use std::any::TypeId;
use std::cell::RefCell;
use std::fmt;
use std::io::Write;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use capture::Capture;

use crate::callsite::{short_path, Callsite};
use crate::compact::CompactVec;
use crate::config::KlogFlags;
use crate::format::Scratch;
use crate::format::{HeaderCaller, PidField};
use crate::format::{HeaderStyle, RenderedPairs, TextContext};
use crate::format::{JsonCaller, JsonContext};
use crate::go::time::unix_parts;
use crate::go::zone::TimeZone;
use crate::logger::Logger;
use crate::output::files::{default_host, default_program, default_user, FileConfig, LogFiles};
use crate::output::{Destination, OutputStats, Router, StdStream};
use crate::record::Record;
use crate::record::Severity;
use crate::sink::Sink;
use crate::value::{KeyValue, Value};
use crate::verbosity;
use crate::vmodule::VModule;

mod capture;

/// A line buffer above this capacity is not kept for the next record (klog's `PutBuffer`
/// does the same), so one huge value does not pin memory in every thread.
const MAX_KEPT_CAPACITY: usize = 64 * 1024;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers, or fresh ones when they are in use (a
/// `Display` implementation that logs while being rendered).
fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    // During thread teardown the thread-local is gone; `with` would panic.
    if SCRATCH.try_with(|_| ()).is_err() {
        return f(&mut Scratch::default());
    }
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let result = f(&mut scratch);
            if scratch.line.capacity() > MAX_KEPT_CAPACITY {
                *scratch = Scratch::default();
            }
            result
        }
        Err(_) => f(&mut Scratch::default()),
    })
}

type Clock = dyn Fn() -> SystemTime + Send + Sync;

/// A file and line that replace every record's call site (test seam).
#[derive(Clone, Debug)]
struct FixedCaller {
    file: Option<Box<str>>,
    line: i64,
}

/// Threshold of a sink: the global `-v` and `-vmodule`, or its own.
#[derive(Clone, Debug)]
enum Threshold {
    Global,
    /// The sink's own `-v`, and optionally its own `-vmodule` (matched on each call,
    /// without the global per-call-site cache: meant for tests and special sinks).
    Fixed(i32, Option<Arc<VModule>>),
}

/// What every sink derived from one builder shares.
struct Shared {
    output: Router,
    clock: Option<Box<Clock>>,
    pid: PidField,
    caller: Option<FixedCaller>,
    threshold: Threshold,
    header: HeaderStyle,
    /// The zone of the header's time.
    zone: TimeZone,
    /// Keeps this sink's own threshold in the global fast check while it lives.
    _own_threshold: Option<verbosity::SinkThreshold>,
}

impl Shared {
    fn time(&self, record: &Record<'_>) -> SystemTime {
        match (record.time(), &self.clock) {
            (Some(t), _) => t,
            (None, Some(clock)) => clock(),
            (None, None) => SystemTime::now(),
        }
    }

    #[inline]
    fn enabled(&self, level: i32, callsite: Option<&Callsite>) -> bool {
        match &self.threshold {
            Threshold::Global => verbosity::globally_enabled(level, callsite),
            Threshold::Fixed(v, vmodule) => match (vmodule, callsite) {
                (Some(vm), Some(c)) if vm.has_exact() => {
                    vm.enabled(*v, level, c.file(), c.module_path())
                }
                (Some(vm), Some(c)) => {
                    level <= *v
                        || vm
                            .verbosity_for(c.file(), c.module_path())
                            .is_some_and(|n| level <= n)
                }
                _ => level <= *v,
            },
        }
    }
}

/// How one format renders records and derived loggers' context.
trait Encoding: Send + Sync + 'static {
    /// What derived loggers add to every record, rendered once per derived logger.
    type Context: Clone + Default + Send + Sync + fmt::Debug;

    /// Whether klog's log files start with its header lines (`Log file created at: …`):
    /// klog text, yes; JSON, no (every line of a JSON log file is a JSON object).
    const FILE_HEADERS: bool;

    /// The public sink's name, for `Debug`.
    const NAME: &'static str;

    /// `text`: room for rendering `Display` values (empty; allocates only if used).
    /// Makes `out`, a new (default) context, `ctx` with `kvs` bound.
    fn with_values(
        ctx: &Self::Context,
        scratch: &mut Scratch,
        kvs: &[KeyValue<'_>],
        out: &mut Self::Context,
    );
    /// Makes `out`, a new (default) context, `ctx` with `name` appended.
    fn with_name(ctx: &Self::Context, scratch: &mut Scratch, name: &str, out: &mut Self::Context);
    fn encode(
        scratch: &mut Scratch,
        record: &Record<'_>,
        ctx: &Self::Context,
        shared: &Shared,
        time: SystemTime,
    );
}

/// klog text.
#[derive(Debug)]
struct TextEncoding;

/// The text sink's context: the joined name and the `logger=` pair plus bound pairs.
#[derive(Clone, Debug, Default)]
struct TextSinkContext {
    /// The joined name (UTF-8), kept to join the next name to.
    name: Option<CompactVec<u8, 48>>,
    /// The `logger=` pair (when named), then the bound values.
    pairs: RenderedPairs,
}

impl Encoding for TextEncoding {
    type Context = TextSinkContext;
    const FILE_HEADERS: bool = true;
    const NAME: &'static str = "TextSink";

    fn with_values(
        ctx: &TextSinkContext,
        scratch: &mut Scratch,
        kvs: &[KeyValue<'_>],
        out: &mut TextSinkContext,
    ) {
        let Scratch {
            line, text, bounds, ..
        } = scratch;
        out.pairs.build(line, bounds, |pairs| {
            pairs.extend_from(&ctx.pairs, 0);
            pairs.push_key_values(text, kvs);
        });
        out.name.clone_from(&ctx.name);
    }

    fn with_name(
        ctx: &TextSinkContext,
        scratch: &mut Scratch,
        name: &str,
        out: &mut TextSinkContext,
    ) {
        let Scratch {
            line, text, bounds, ..
        } = scratch;
        // klog joins every name, empty ones included.
        text.clear();
        if let Some(prefix) = &ctx.name {
            text.extend_from_slice(prefix);
            text.push(b'.');
        }
        text.extend_from_slice(name.as_bytes());
        let joined = out.name.insert(CompactVec::default());
        joined.set(text);
        // Names joined with '.' are UTF-8.
        let joined_str = std::str::from_utf8(joined).unwrap_or_default();
        let name_pairs = usize::from(ctx.name.is_some());
        out.pairs.build(line, bounds, |pairs| {
            pairs.push(text, b"logger", &Value::Str(joined_str));
            pairs.extend_from(&ctx.pairs, name_pairs);
        });
    }

    #[inline]
    fn encode(
        scratch: &mut Scratch,
        record: &Record<'_>,
        ctx: &TextSinkContext,
        shared: &Shared,
        time: SystemTime,
    ) {
        let caller = shared.caller.as_ref().map(|c| match c.file.as_deref() {
            Some(file) => HeaderCaller::Location(file, c.line),
            None => HeaderCaller::Unknown,
        });
        let text_ctx = TextContext {
            pid: &shared.pid,
            caller,
            context: &ctx.pairs,
            header: shared.header,
            zone: shared.zone,
        };
        crate::format::encode_text(scratch, record, &text_ctx, unix_parts(time));
    }
}

/// Kubernetes JSON.
#[derive(Debug)]
struct JsonEncoding;

impl Encoding for JsonEncoding {
    type Context = JsonContext;
    const FILE_HEADERS: bool = false;
    const NAME: &'static str = "JsonSink";

    fn with_values(
        ctx: &JsonContext,
        scratch: &mut Scratch,
        kvs: &[KeyValue<'_>],
        out: &mut JsonContext,
    ) {
        ctx.with_values(scratch, kvs, out);
    }

    fn with_name(ctx: &JsonContext, scratch: &mut Scratch, name: &str, out: &mut JsonContext) {
        ctx.with_name(scratch, name, out);
    }

    #[inline]
    fn encode(
        scratch: &mut Scratch,
        record: &Record<'_>,
        ctx: &JsonContext,
        shared: &Shared,
        time: SystemTime,
    ) {
        let caller = shared.caller.as_ref().map(|c| JsonCaller {
            short_path: c.file.as_deref().map(short_path),
            line: c.line,
        });
        crate::format::encode_json(scratch, record, ctx, caller, unix_parts(time));
    }
}

/// What a sink adds to every record: its names and bound values, captured when the
/// logger was derived and rendered by the first record written through it (a derived
/// logger that never writes at an enabled level never renders), or rendered at derive
/// time when a value could not be captured (see `capture.rs`).
struct Context<E: Encoding> {
    /// The names and pairs of this sink, owned; `None` when `rendered` was filled at
    /// derive time.
    capture: Option<Capture>,
    /// `capture` as this format renders it, once. Boxed: deriving copies the sink into
    /// its allocation, and a rendered context takes a few hundred bytes.
    rendered: OnceLock<Box<E::Context>>,
}

impl<E: Encoding> Default for Context<E> {
    fn default() -> Self {
        Context {
            capture: Some(Capture::default()),
            rendered: OnceLock::new(),
        }
    }
}

impl<E: Encoding> Clone for Context<E> {
    fn clone(&self) -> Self {
        Context {
            capture: self.capture.clone(),
            rendered: self.rendered.clone(),
        }
    }
}

impl<E: Encoding> fmt::Debug for Context<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("capture", &self.capture)
            .field("rendered", &self.rendered.get())
            .finish()
    }
}

impl<E: Encoding> Context<E> {
    /// The rendered context, rendered now if this is its first use.
    #[inline]
    fn rendered(&self, scratch: &mut Scratch) -> &E::Context {
        self.rendered
            .get_or_init(|| Box::new(render::<E>(self.capture.as_ref(), scratch)))
    }
}

/// Renders a capture: the names in order, then the pairs, as the derive calls would have
/// (both formats put the name apart from the pairs, so the order between them does not
/// matter). Runs no user code: only plain values are captured.
#[cold]
#[inline(never)]
fn render<E: Encoding>(capture: Option<&Capture>, scratch: &mut Scratch) -> E::Context {
    let mut context = E::Context::default();
    let Some(capture) = capture else {
        return context;
    };
    let (names, pairs) = capture.decode();
    for name in names {
        let mut next = E::Context::default();
        E::with_name(&context, scratch, name, &mut next);
        context = next;
    }
    if !pairs.is_empty() {
        let mut next = E::Context::default();
        E::with_values(&context, scratch, &pairs, &mut next);
        context = next;
    }
    context
}

/// The implementation behind [`TextSink`] and [`JsonSink`].
struct FormatSink<E: Encoding> {
    shared: Arc<Shared>,
    context: Context<E>,
}

impl<E: Encoding> Clone for FormatSink<E> {
    fn clone(&self) -> Self {
        FormatSink {
            shared: self.shared.clone(),
            context: self.context.clone(),
        }
    }
}

impl<E: Encoding> FormatSink<E> {
    /// A sink sharing this one's output, in one allocation: its context is captured in
    /// place (`capture` adds to the copy of this sink's capture; `false` when it cannot),
    /// else rendered now by `render` from this sink's rendered context.
    fn derive(
        &self,
        capture: impl FnOnce(&mut Capture) -> bool,
        render: impl FnOnce(&E::Context, &mut Scratch, &mut E::Context),
    ) -> Arc<dyn Sink> {
        // The parent's capture is copied whole into the new allocation (a fixed-size copy
        // while it is inline) and added to in place.
        let mut sink = Arc::new(FormatSink::<E> {
            shared: self.shared.clone(),
            context: Context {
                capture: self.context.capture.clone(),
                rendered: OnceLock::new(),
            },
        });
        if let Some(new) = Arc::get_mut(&mut sink) {
            if let Some(own) = &mut new.context.capture {
                if capture(own) {
                    return sink;
                }
                new.context.capture = None;
            }
            with_scratch(|scratch| {
                let parent = self.context.rendered(scratch);
                let mut out = E::Context::default();
                render(parent, scratch, &mut out);
                let _ = new.context.rendered.set(Box::new(out));
            });
        }
        sink
    }
}

impl<E: Encoding> fmt::Debug for FormatSink<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(E::NAME)
            .field("context", &self.context)
            .field("threshold", &self.shared.threshold)
            .finish_non_exhaustive()
    }
}

/// Derived sinks (from [`Sink::with_values`] and [`Sink::with_name`]) are this type; the
/// public [`TextSink`] and [`JsonSink`] hand every call to it.
impl<E: Encoding> Sink for FormatSink<E> {
    #[inline]
    fn enabled(&self, verbosity: i32) -> bool {
        self.shared.enabled(verbosity, None)
    }

    #[inline]
    fn enabled_for(&self, verbosity: i32, callsite: &Callsite) -> bool {
        self.shared.enabled(verbosity, Some(callsite))
    }

    #[inline]
    fn uses_global_verbosity(&self) -> bool {
        matches!(self.shared.threshold, Threshold::Global)
    }

    fn log(&self, record: &Record<'_>) {
        let time = self.shared.time(record);
        with_scratch(|scratch| {
            let context = self.context.rendered(scratch);
            E::encode(scratch, record, context, &self.shared, time);
            self.shared
                .output
                .write_record(record.severity(), &scratch.line, time);
        });
    }

    fn with_values(&self, key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        self.derive(
            |capture| capture.push_key_values(key_values),
            |parent, scratch, out| E::with_values(parent, scratch, key_values, out),
        )
    }

    fn with_name(&self, name: &str) -> Arc<dyn Sink> {
        self.derive(
            |capture| capture.push_name(name),
            |parent, scratch, out| E::with_name(parent, scratch, name, out),
        )
    }

    fn flush(&self) {
        self.shared.output.flush();
    }
}

/// A [`Sink`] writing klog's text format: `I0102 03:04:05.123456   12345 file.rs:42] "msg" k="v"`.
///
/// Built with [`TextSink::builder`]; clones share the output. Names and bound values
/// ([`with_name`](Sink::with_name)/[`with_values`](Sink::with_values)) are copied when
/// the logger is derived and rendered once, by the first record written through it.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder()
///     .writer(out.clone())
///     .fixed_time(UNIX_EPOCH + Duration::from_secs(1704164645))
///     .time_zone(klog::TimeZone::Utc)
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
    inner: FormatSink<TextEncoding>,
}

impl TextSink {
    /// A builder; the default writes to stderr and follows the global `-v`.
    #[must_use]
    pub fn builder() -> TextSinkBuilder {
        TextSinkBuilder::default()
    }
}

impl TextSink {
    /// A snapshot of the output's counters (shared by all sinks derived from this one).
    #[must_use]
    pub fn stats(&self) -> OutputStats {
        self.inner.shared.output.stats()
    }

    /// The destinations this sink writes to (for `init`'s guard).
    pub(crate) fn router(&self) -> &Router {
        &self.inner.shared.output
    }
}

impl fmt::Debug for TextSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl Sink for TextSink {
    #[inline]
    fn enabled(&self, verbosity: i32) -> bool {
        self.inner.enabled(verbosity)
    }

    #[inline]
    fn enabled_for(&self, verbosity: i32, callsite: &Callsite) -> bool {
        self.inner.enabled_for(verbosity, callsite)
    }

    #[inline]
    fn uses_global_verbosity(&self) -> bool {
        self.inner.uses_global_verbosity()
    }

    fn log(&self, record: &Record<'_>) {
        self.inner.log(record);
    }

    fn with_values(&self, key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        self.inner.with_values(key_values)
    }

    fn with_name(&self, name: &str) -> Arc<dyn Sink> {
        self.inner.with_name(name)
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

/// A [`Sink`] writing the Kubernetes JSON format (component-base
/// `--logging-format=json`): `{"ts":…,"caller":"…","msg":"…","v":0,…}`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let out = klog::SharedBuffer::default();
/// let logger = klog::JsonSink::builder()
///     .writer(out.clone())
///     .fixed_time(UNIX_EPOCH + Duration::from_secs(1704164645))
///     .time_zone(klog::TimeZone::Utc)
///     .fixed_caller(Some("/src/controller/pods.rs"), 42)
///     .build_logger()
///     .with_name("controller");
/// klog::info!(logger, "Pod status updated", pod = klog::KObj::new("kube-system", "coredns"), attempt = 3);
/// assert_eq!(
///     out.to_string(),
///     "{\"ts\":1704164645000,\"logger\":\"controller\",\"caller\":\"controller/pods.rs:42\",\
///      \"msg\":\"Pod status updated\",\"v\":0,\"pod\":{\"name\":\"coredns\",\"namespace\":\"kube-system\"},\"attempt\":3}\n"
/// );
/// ```
#[derive(Clone)]
pub struct JsonSink {
    inner: FormatSink<JsonEncoding>,
}

impl JsonSink {
    /// A builder; the default writes to stderr and follows the global `-v`.
    #[must_use]
    pub fn builder() -> JsonSinkBuilder {
        JsonSinkBuilder::default()
    }
}

impl JsonSink {
    /// A snapshot of the output's counters (shared by all sinks derived from this one).
    #[must_use]
    pub fn stats(&self) -> OutputStats {
        self.inner.shared.output.stats()
    }

    /// The destinations this sink writes to (for `init`'s guard).
    pub(crate) fn router(&self) -> &Router {
        &self.inner.shared.output
    }
}

impl fmt::Debug for JsonSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl Sink for JsonSink {
    #[inline]
    fn enabled(&self, verbosity: i32) -> bool {
        self.inner.enabled(verbosity)
    }

    #[inline]
    fn enabled_for(&self, verbosity: i32, callsite: &Callsite) -> bool {
        self.inner.enabled_for(verbosity, callsite)
    }

    #[inline]
    fn uses_global_verbosity(&self) -> bool {
        self.inner.uses_global_verbosity()
    }

    fn log(&self, record: &Record<'_>) {
        self.inner.log(record);
    }

    fn with_values(&self, key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        self.inner.with_values(key_values)
    }

    fn with_name(&self, name: &str) -> Arc<dyn Sink> {
        self.inner.with_name(name)
    }

    fn flush(&self) {
        self.inner.flush();
    }
}

/// The options both builders share.
#[derive(Default)]
struct BuilderOptions {
    writer: Option<Box<dyn Write + Send>>,
    /// The writer is `io::sink()`.
    discards: bool,
    buffer: usize,
    split_stream: Option<usize>,
    klog_flags: Option<KlogFlags>,
    flush_frequency: Option<std::time::Duration>,
    clock: Option<Box<Clock>>,
    pid: Option<i64>,
    caller: Option<FixedCaller>,
    verbosity: Option<i32>,
    vmodule: Option<VModule>,
    time_zone: Option<TimeZone>,
}

impl BuilderOptions {
    fn build<E: Encoding>(self) -> FormatSink<E> {
        let (threshold, own_threshold) = match (self.verbosity, self.vmodule) {
            (None, None) => (Threshold::Global, None),
            (v, vmodule) => {
                let v = v.unwrap_or(0);
                let vmodule = vmodule.filter(|vm| !vm.is_empty());
                // The fast check must let through every level this sink may write.
                let raised = vmodule
                    .as_ref()
                    .and_then(VModule::max_verbosity)
                    .unwrap_or(v);
                let registration = verbosity::register_sink_threshold(v.max(raised));
                (
                    Threshold::Fixed(v, vmodule.map(Arc::new)),
                    Some(registration),
                )
            }
        };
        let pid = self.pid.unwrap_or_else(|| i64::from(std::process::id()));
        if let Some(period) = self.flush_frequency {
            crate::output::start_flush_thread(period);
        }
        // An explicit zone wins over `--log-time-utc`.
        let zone = self.time_zone.unwrap_or(match &self.klog_flags {
            Some(flags) if flags.log_time_utc => TimeZone::Utc,
            _ => TimeZone::Local,
        });
        let header = match &self.klog_flags {
            Some(flags) if flags.skip_headers => HeaderStyle::Skip,
            Some(flags) if flags.add_dir_header => HeaderStyle::WithDirectory,
            _ => HeaderStyle::Normal,
        };
        let output = router(
            self.writer,
            self.discards,
            self.buffer,
            self.split_stream,
            self.klog_flags.as_ref(),
            E::FILE_HEADERS,
            zone,
        );
        FormatSink {
            shared: Arc::new(Shared {
                output,
                clock: self.clock,
                pid: PidField::new(pid),
                caller: self.caller,
                threshold,
                header,
                zone,
                _own_threshold: own_threshold,
            }),
            context: Context::default(),
        }
    }
}

/// The destinations a builder's options ask for: klog's files (unless `-logtostderr`),
/// else component-base's split stream, else the writer (stderr by default). Files get
/// klog's header lines when `file_headers` (and not `--skip_log_headers`); their names and
/// `Log file created at:` are in `zone`.
fn router(
    writer: Option<Box<dyn Write + Send>>,
    discards: bool,
    buffer: usize,
    split_stream: Option<usize>,
    klog_flags: Option<&KlogFlags>,
    file_headers: bool,
    zone: TimeZone,
) -> Router {
    if let Some(flags) = klog_flags.filter(|f| !f.logtostderr) {
        let dir = flags.log_dir.clone().unwrap_or_else(std::env::temp_dir);
        let name = match &flags.log_file {
            Some(file) => format!("file:{}", file.display()),
            None => format!("files:{}", dir.display()),
        };
        let files = LogFiles::new(FileConfig {
            dir,
            single_file: flags.log_file.clone(),
            max_size: flags.log_file_max_size.saturating_mul(1024 * 1024),
            one_output: flags.one_output,
            skip_headers: flags.skip_log_headers || !file_headers,
            program: default_program(),
            host: default_host(),
            user: default_user(),
            pid: std::process::id(),
            zone,
        });
        return Router::Files {
            files: Destination::files(&name, files),
            stderr: Destination::stream(StdStream::Stderr, 0),
            stderr_threshold: if flags.alsologtostderr {
                Severity::Info
            } else {
                flags.stderrthreshold
            },
        };
    }
    if let Some(info_buffer) = split_stream {
        return Router::Split {
            info: Destination::stream(StdStream::Stdout, info_buffer),
            problems: Destination::stream(StdStream::Stderr, 0),
        };
    }
    match writer {
        Some(writer) => Router::Single(Destination::writer("writer", writer, buffer, discards)),
        None => Router::Single(Destination::stream(StdStream::Stderr, buffer)),
    }
}

impl fmt::Debug for BuilderOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BuilderOptions")
            .field("pid", &self.pid)
            .field("caller", &self.caller)
            .field("verbosity", &self.verbosity)
            .field("vmodule", &self.vmodule)
            .finish_non_exhaustive()
    }
}

/// A sink builder: output, verbosity, and the clock, pid and caller seams that let tests
/// replay records without global state. `F` is the format it builds a sink for
/// ([`TextFormat`] or [`JsonFormat`]); use it as [`TextSinkBuilder`] or [`JsonSinkBuilder`],
/// from [`TextSink::builder`] or [`JsonSink::builder`].
///
/// ```
/// let sink = klog::TextSink::builder()
///     .writer(std::io::sink())
///     .verbosity(4)
///     .build();
/// # let _ = sink;
/// ```
pub struct SinkBuilder<F> {
    options: BuilderOptions,
    format: PhantomData<fn() -> F>,
}

/// Builds a [`TextSink`].
///
/// ```
/// let builder: klog::TextSinkBuilder = klog::TextSink::builder();
/// let logger = builder.writer(std::io::sink()).pid(1).build_logger();
/// # let _ = logger;
/// ```
pub type TextSinkBuilder = SinkBuilder<TextFormat>;

/// Builds a [`JsonSink`].
///
/// ```
/// let builder: klog::JsonSinkBuilder = klog::JsonSink::builder();
/// let logger = builder.writer(std::io::sink()).verbosity(2).build_logger();
/// # let _ = logger;
/// ```
pub type JsonSinkBuilder = SinkBuilder<JsonFormat>;

/// The klog text format, as a [`SinkBuilder`] parameter (never a value).
///
/// ```
/// let _builder: klog::SinkBuilder<klog::TextFormat> = klog::TextSink::builder();
/// ```
#[derive(Debug)]
pub enum TextFormat {}

/// The Kubernetes JSON format, as a [`SinkBuilder`] parameter (never a value).
///
/// ```
/// let _builder: klog::SinkBuilder<klog::JsonFormat> = klog::JsonSink::builder();
/// ```
#[derive(Debug)]
pub enum JsonFormat {}

impl<F> Default for SinkBuilder<F> {
    fn default() -> Self {
        SinkBuilder {
            options: BuilderOptions::default(),
            format: PhantomData,
        }
    }
}

impl<F> fmt::Debug for SinkBuilder<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SinkBuilder")
            .field("options", &self.options)
            .finish()
    }
}

/// The options both formats have.
impl<F> SinkBuilder<F> {
    /// Writes to `writer` instead of stderr. Each record is one `write_all` call.
    #[must_use]
    pub fn writer<W: Write + Send + 'static>(mut self, writer: W) -> Self {
        // `io::sink()` (what benchmarks and tests that only count use) takes the
        // destination's lock-free path.
        self.options.discards = TypeId::of::<W>() == TypeId::of::<std::io::Sink>();
        self.options.writer = Some(Box::new(writer));
        self
    }

    /// Uses this threshold instead of the global `-v`: `V(n)` is written iff
    /// `max(n, 0) <= v`.
    #[must_use]
    pub fn verbosity(mut self, v: i32) -> Self {
        self.options.verbosity = Some(v);
        self
    }

    /// Gives the sink its own `-vmodule` instead of the global one (with the sink's
    /// own `-v` from [`verbosity`](Self::verbosity), 0 if not set). Matched on each
    /// call, without the global per-call-site cache: for tests and special sinks;
    /// components set the global one with [`set_vmodule`](crate::set_vmodule).
    #[must_use]
    pub fn vmodule(mut self, vmodule: VModule) -> Self {
        self.options.vmodule = Some(vmodule);
        self
    }

    /// Collects records in a buffer of up to `bytes` bytes before writing them
    /// (whole records only); errors and fatal records are written through at once.
    /// Flushed by [`flush`](crate::flush), the flush thread
    /// ([`flush_frequency`](Self::flush_frequency)), the panic hook `init` installs,
    /// `fatal!` and `flush_and_exit`, when the last sink sharing the buffer is
    /// dropped, and (on Unix) when the process exits, by returning from `main` or by
    /// `std::process::exit`.
    #[must_use]
    pub fn buffered(mut self, bytes: usize) -> Self {
        self.options.buffer = bytes;
        self
    }

    /// component-base's split stream: info records to stdout (buffered up to
    /// `info_buffer_size` bytes, 0 for none), warnings, errors and fatal records to
    /// stderr. Overrides [`writer`](Self::writer).
    #[must_use]
    pub fn split_stream(mut self, info_buffer_size: usize) -> Self {
        self.options.split_stream = Some(info_buffer_size);
        self
    }

    /// klog's output flags. `skip_headers` drops the text header, `add_dir_header`
    /// adds the file's directory to it. With `logtostderr` off, records go to klog's log
    /// files (`log_dir` or the temp directory, or the one `log_file`, rotated at
    /// `log_file_max_size` MB), and to stderr from `stderrthreshold` up (every record
    /// with `alsologtostderr`). With `logtostderr` on (the default) they change
    /// nothing. Overrides [`writer`](Self::writer) and
    /// [`split_stream`](Self::split_stream).
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("klog-doc-{}", std::process::id()));
    /// let mut flags = klog::KlogFlags::default();
    /// flags.logtostderr = false;
    /// flags.log_dir = Some(dir.clone());
    /// let logger = klog::TextSink::builder().klog_flags(&flags).build_logger();
    /// klog::info!(logger, "to a file");
    /// klog::flush();
    /// assert!(std::fs::read_dir(&dir).unwrap().count() >= 1);
    /// # let _ = std::fs::remove_dir_all(dir);
    /// ```
    #[must_use]
    pub fn klog_flags(mut self, flags: &KlogFlags) -> Self {
        self.options.klog_flags = Some(flags.clone());
        self
    }

    /// Starts the flush thread (once per process), flushing every destination this
    /// often (component-base's `flushFrequency`, 5 s by default there).
    #[must_use]
    pub fn flush_frequency(mut self, period: std::time::Duration) -> Self {
        self.options.flush_frequency = Some(period);
        self
    }

    /// The zone of the text header's time, of log file names and of `Log file created
    /// at:`: [`TimeZone::Local`] (the default, as Go klog) or [`TimeZone::Utc`]. Without
    /// it, [`KlogFlags::log_time_utc`] (`--log-time-utc`) picks UTC. JSON's `ts` is the
    /// same in every zone.
    ///
    /// ```
    /// use std::time::UNIX_EPOCH;
    /// let out = klog::SharedBuffer::default();
    /// let logger = klog::TextSink::builder()
    ///     .writer(out.clone())
    ///     .time_zone(klog::TimeZone::Utc)
    ///     .fixed_time(UNIX_EPOCH)
    ///     .pid(1)
    ///     .fixed_caller(Some("main.rs"), 1)
    ///     .build_logger();
    /// klog::info!(logger, "epoch");
    /// assert!(out.to_string().starts_with("I0101 00:00:00.000000 "));
    /// ```
    #[must_use]
    pub fn time_zone(mut self, zone: TimeZone) -> Self {
        self.options.time_zone = Some(zone);
        self
    }

    /// Reads the time from `clock` instead of the system clock.
    #[must_use]
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.options.clock = Some(Box::new(clock));
        self
    }

    /// Stamps every record with `time`.
    #[must_use]
    pub fn fixed_time(self, time: SystemTime) -> Self {
        self.clock(move || time)
    }

    /// Writes this file and line for every record instead of its call site (`None`
    /// file: unknown caller).
    #[must_use]
    pub fn fixed_caller(mut self, file: Option<&str>, line: i64) -> Self {
        self.options.caller = Some(FixedCaller {
            file: file.map(Into::into),
            line,
        });
        self
    }
}

/// The text sink's own option, and building it.
impl SinkBuilder<TextFormat> {
    /// Writes `pid` in the header instead of this process' id.
    #[must_use]
    pub fn pid(mut self, pid: i64) -> Self {
        self.options.pid = Some(pid);
        self
    }

    /// Builds the sink.
    #[must_use]
    pub fn build(self) -> TextSink {
        TextSink {
            inner: self.options.build(),
        }
    }

    /// Builds the sink and wraps it in a [`Logger`].
    #[must_use]
    pub fn build_logger(self) -> Logger {
        Logger::new(Arc::new(self.build()))
    }
}

/// Building the JSON sink.
impl SinkBuilder<JsonFormat> {
    /// Builds the sink.
    #[must_use]
    pub fn build(self) -> JsonSink {
        JsonSink {
            inner: self.options.build(),
        }
    }

    /// Builds the sink and wraps it in a [`Logger`].
    #[must_use]
    pub fn build_logger(self) -> Logger {
        Logger::new(Arc::new(self.build()))
    }
}
