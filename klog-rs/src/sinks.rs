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

use crate::callsite::{short_path, Callsite};
use crate::capture::SinkCapture as Capture;
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

mod builder;

pub use builder::{JsonFormat, JsonSinkBuilder, SinkBuilder, TextFormat, TextSinkBuilder};

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
    let Some(capture) = capture else {
        return E::Context::default();
    };
    let (names, pairs) = capture.decode();
    extend::<E>(&E::Context::default(), scratch, &names, &pairs)
}

/// `context` with `names` appended in order, then `pairs` bound.
fn extend<E: Encoding>(
    context: &E::Context,
    scratch: &mut Scratch,
    names: &[&str],
    pairs: &[KeyValue<'_>],
) -> E::Context {
    let mut context = context.clone();
    for name in names {
        let mut next = E::Context::default();
        E::with_name(&context, scratch, name, &mut next);
        context = next;
    }
    if !pairs.is_empty() {
        let mut next = E::Context::default();
        E::with_values(&context, scratch, pairs, &mut next);
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

    fn with_names_and_values(&self, names: &[&str], key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        self.derive(
            |capture| {
                names.iter().all(|name| capture.push_name(name))
                    && capture.push_key_values(key_values)
            },
            |parent, scratch, out| *out = extend::<E>(parent, scratch, names, key_values),
        )
    }

    #[inline]
    fn derives_lazily(&self) -> bool {
        true
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

    fn with_names_and_values(&self, names: &[&str], key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        self.inner.with_names_and_values(names, key_values)
    }

    #[inline]
    fn derives_lazily(&self) -> bool {
        true
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

    fn with_names_and_values(&self, names: &[&str], key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        self.inner.with_names_and_values(names, key_values)
    }

    #[inline]
    fn derives_lazily(&self) -> bool {
        true
    }

    fn flush(&self) {
        self.inner.flush();
    }
}
