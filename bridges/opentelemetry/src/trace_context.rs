//! Trace context on klog lines: [`TraceContextSink`] adds `trace_id` and `span_id` (and,
//! if asked, `trace_flags`) to every record logged inside an OpenTelemetry span, and can
//! add the record to that span as an event.

use std::cell::RefCell;
use std::sync::Arc;

use klog::__private::RenderedKey;
use klog::{Callsite, KeyValue, Record, RecordKind, Sink, Value};
use opentelemetry::trace::{SpanContext, TraceContextExt};
use opentelemetry::Context;

use crate::severity::severity_text;
use crate::values::span_value;

/// What [`TraceContextSink`] adds. The keys are those of OpenTelemetry's "Trace Context in
/// Non-OTLP Log Formats" (`trace_id`, `span_id`, `trace_flags`, lowercase hex), which the
/// collector's `trace_parser` and the common log back ends read by default.
///
/// ```
/// let options = klog_opentelemetry::TraceContextOptions::default().trace_flags(true);
/// # let _ = options;
/// ```
#[derive(Clone, Copy, Debug)]
pub struct TraceContextOptions {
    trace_id: bool,
    span_id: bool,
    trace_flags: bool,
    span_events: bool,
}

impl Default for TraceContextOptions {
    /// `trace_id` and `span_id`; no `trace_flags`, no span events.
    fn default() -> Self {
        TraceContextOptions {
            trace_id: true,
            span_id: true,
            trace_flags: false,
            span_events: false,
        }
    }
}

impl TraceContextOptions {
    /// Whether lines carry `trace_id` (32 hex digits). Default: yes.
    ///
    /// ```
    /// let options = klog_opentelemetry::TraceContextOptions::default().trace_id(false);
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn trace_id(mut self, on: bool) -> Self {
        self.trace_id = on;
        self
    }

    /// Whether lines carry `span_id` (16 hex digits). Default: yes.
    ///
    /// ```
    /// let options = klog_opentelemetry::TraceContextOptions::default().span_id(false);
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn span_id(mut self, on: bool) -> Self {
        self.span_id = on;
        self
    }

    /// Whether lines carry `trace_flags` (2 hex digits, `01` when sampled). Default: no:
    /// a line is worth correlating whether or not its trace was kept, and the ids alone
    /// find the trace wherever it was.
    ///
    /// ```
    /// let options = klog_opentelemetry::TraceContextOptions::default().trace_flags(true);
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn trace_flags(mut self, on: bool) -> Self {
        self.trace_flags = on;
        self
    }

    /// Whether each record logged inside a recording span is also added to that span as
    /// an event: the message as the event's name, `log.severity` (klog's severity name),
    /// `log.verbosity` for info records above V0, `exception.message` for the error, and
    /// the record's key/values as attributes. Default: no. This costs allocations (the
    /// SDK owns what an event carries); the ids on lines do not.
    ///
    /// ```
    /// let options = klog_opentelemetry::TraceContextOptions::default().span_events(true);
    /// # let _ = options;
    /// ```
    #[must_use]
    pub fn span_events(mut self, on: bool) -> Self {
        self.span_events = on;
        self
    }
}

/// A sink that adds the current OpenTelemetry span's ids to every record before handing it
/// to the sink it wraps (klog's `TextSink` or `JsonSink`, a tee, any [`Sink`]).
///
/// The span is that of the current [`opentelemetry::Context`]: a span made current with
/// `Context::attach` or `Tracer::in_span`, or a `tracing` span entered under
/// `tracing-opentelemetry`'s layer (which makes its span the current context while it is
/// entered, its default). Outside a span, or in one with an invalid context, the record
/// passes unchanged. The ids go after the call's own key/values. Unstructured records
/// (klog's legacy prints) are written verbatim and get no ids.
///
/// Cost: one thread-local read when there is no span; with one, two hex encodings into
/// stack buffers and the record's pairs copied into a reused per-thread buffer. No
/// allocation either way (a test counts them).
///
/// ```
/// use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
/// use opentelemetry::Context;
///
/// let out = klog::SharedBuffer::default();
/// let text = klog::TextSink::builder().writer(out.clone()).build();
/// let logger = klog::Logger::new(klog_opentelemetry::TraceContextSink::wrap(text));
///
/// let span = SpanContext::new(
///     TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
///     SpanId::from_hex("00f067aa0ba902b7").unwrap(),
///     TraceFlags::SAMPLED,
///     true,
///     TraceState::default(),
/// );
/// let _entered = Context::current().with_remote_span_context(span).attach();
/// klog::info!(logger, "Synced", pods = 3);
/// assert!(out.to_string().ends_with(
///     "\"Synced\" pods=3 trace_id=\"4bf92f3577b34da6a3ce929d0e0e4736\" span_id=\"00f067aa0ba902b7\"\n"
/// ));
/// ```
pub struct TraceContextSink {
    inner: Arc<dyn Sink>,
    options: TraceContextOptions,
}

impl std::fmt::Debug for TraceContextSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceContextSink")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl TraceContextSink {
    /// `inner` with the default options: `trace_id` and `span_id` on every line logged
    /// inside a span.
    ///
    /// ```
    /// let sink = klog_opentelemetry::TraceContextSink::wrap(klog::TextSink::builder().build());
    /// let logger = klog::Logger::new(sink);
    /// # let _ = logger;
    /// ```
    #[must_use]
    pub fn wrap(inner: impl Sink) -> Arc<dyn Sink> {
        Self::with_options(Arc::new(inner), TraceContextOptions::default())
    }

    /// `inner` with `options`.
    ///
    /// ```
    /// use klog_opentelemetry::{TraceContextOptions, TraceContextSink};
    /// let json: std::sync::Arc<dyn klog::Sink> = std::sync::Arc::new(klog::JsonSink::builder().build());
    /// let sink = TraceContextSink::with_options(json, TraceContextOptions::default().trace_flags(true));
    /// # let _ = sink;
    /// ```
    #[must_use]
    pub fn with_options(inner: Arc<dyn Sink>, options: TraceContextOptions) -> Arc<dyn Sink> {
        Arc::new(TraceContextSink { inner, options })
    }
}

/// Each byte's two lowercase hex digits.
const HEX: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut table = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = [DIGITS[i >> 4], DIGITS[i & 0xf]];
        i += 1;
    }
    table
};

/// The keys rendered once, as the macros render literal keys: encoding them is a copy.
/// (`RenderedKey` is the macros' hidden API, stable for this workspace's crates.)
static TRACE_ID: RenderedKey = RenderedKey::new("trace_id", " trace_id", ",\"trace_id\":");
static SPAN_ID: RenderedKey = RenderedKey::new("span_id", " span_id", ",\"span_id\":");
static TRACE_FLAGS: RenderedKey =
    RenderedKey::new("trace_flags", " trace_flags", ",\"trace_flags\":");

/// The three ids of a span context in lowercase hex, in one buffer: trace id (32
/// digits), span id (16), flags (2).
#[inline]
fn hex_ids(span: &SpanContext, out: &mut [u8; 50]) {
    let mut bytes = [0u8; 25];
    bytes[..16].copy_from_slice(&span.trace_id().to_bytes());
    bytes[16..24].copy_from_slice(&span.span_id().to_bytes());
    bytes[24] = span.trace_flags().to_u8();
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&HEX[usize::from(b)]);
    }
}

impl TraceContextSink {
    /// Logs `record` through the inner sink with the ids of `span` appended.
    #[inline]
    fn log_with_ids(&self, record: &Record<'_>, span: &SpanContext) {
        let mut buf = [0u8; 50];
        hex_ids(span, &mut buf);
        // Only ASCII hex digits were written: this cannot fail (and is checked once).
        let ids = std::str::from_utf8(&buf).unwrap_or_default();
        let (trace_id, rest) = ids.split_at_checked(32).unwrap_or_default();
        let (span_id, flags) = rest.split_at_checked(16).unwrap_or_default();
        let o = self.options;
        let mut kvs: Vec<KeyValue<'_>> = klog::bridge::take_vec(&PAIRS);
        kvs.extend_from_slice(record.key_values());
        if o.trace_id {
            kvs.push(
                KeyValue::from_value("trace_id", Value::Str(trace_id)).with_rendered_key(&TRACE_ID),
            );
        }
        if o.span_id {
            kvs.push(
                KeyValue::from_value("span_id", Value::Str(span_id)).with_rendered_key(&SPAN_ID),
            );
        }
        if o.trace_flags {
            kvs.push(
                KeyValue::from_value("trace_flags", Value::Str(flags))
                    .with_rendered_key(&TRACE_FLAGS),
            );
        }
        self.inner.log(&record.with_key_values(&kvs));
        klog::bridge::give_back_vec(&PAIRS, kvs);
    }
}

thread_local! {
    /// The pairs of the record handed on, reused from record to record.
    static PAIRS: RefCell<Vec<KeyValue<'static>>> = const { RefCell::new(Vec::new()) };
}

/// Adds `record` to the current span as an event (see
/// [`TraceContextOptions::span_events`]).
fn add_span_event(cx: &Context, record: &Record<'_>) {
    let span = cx.span();
    if !span.is_recording() {
        return;
    }
    let mut attributes = Vec::with_capacity(record.key_values().len() + 3);
    attributes.push(opentelemetry::KeyValue::new(
        "log.severity",
        severity_text(record.severity()),
    ));
    if record.verbosity() > 0 {
        attributes.push(opentelemetry::KeyValue::new(
            "log.verbosity",
            i64::from(record.verbosity()),
        ));
    }
    if let Some(err) = record.error() {
        attributes.push(opentelemetry::KeyValue::new(
            "exception.message",
            crate::values::error_text(err),
        ));
    }
    attributes.extend(
        record
            .key_values()
            .iter()
            .map(|kv| opentelemetry::KeyValue::new(kv.key().to_owned(), span_value(kv.value()))),
    );
    span.add_event(record.message().to_owned(), attributes);
}

impl Sink for TraceContextSink {
    fn enabled(&self, verbosity: i32) -> bool {
        self.inner.enabled(verbosity)
    }

    fn enabled_for(&self, verbosity: i32, callsite: &Callsite) -> bool {
        self.inner.enabled_for(verbosity, callsite)
    }

    fn uses_global_verbosity(&self) -> bool {
        self.inner.uses_global_verbosity()
    }

    fn log(&self, record: &Record<'_>) {
        Context::map_current(|cx| {
            if !cx.has_active_span() {
                return self.inner.log(record);
            }
            if self.options.span_events {
                add_span_event(cx, record);
            }
            let span = cx.span();
            let span_context = span.span_context();
            if !span_context.is_valid() || record.kind() == RecordKind::Unstructured {
                return self.inner.log(record);
            }
            self.log_with_ids(record, span_context);
        });
    }

    fn with_values(&self, key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        Arc::new(TraceContextSink {
            inner: self.inner.with_values(key_values),
            options: self.options,
        })
    }

    fn with_name(&self, name: &str) -> Arc<dyn Sink> {
        Arc::new(TraceContextSink {
            inner: self.inner.with_name(name),
            options: self.options,
        })
    }

    fn with_names_and_values(&self, names: &[&str], key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        Arc::new(TraceContextSink {
            inner: self.inner.with_names_and_values(names, key_values),
            options: self.options,
        })
    }

    /// As the wrapped sink: this one decides nothing itself and keeps no context of its
    /// own, so loggers may keep derivations when the wrapped sink allows it.
    fn derives_lazily(&self) -> bool {
        self.inner.derives_lazily()
    }

    fn flush(&self) {
        self.inner.flush();
    }
}
