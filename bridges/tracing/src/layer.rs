//! tracing → klog: [`KlogLayer`] and [`KlogFilter`].

use std::cell::RefCell;
use std::error::Error;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};

use klog::bridge::{self, render_into, Origin, OwnedError, OwnedValue};
use klog::{Callsite, KeyValue, Logger, Record, Severity, Value};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span;
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Filter, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::klog_level;

/// A [`tracing_subscriber::Layer`] that writes tracing events through a klog
/// [`Logger`]: klog text or Kubernetes JSON, with klog's outputs, `-v` and `-vmodule`.
///
/// - An event becomes one record: its `message` field the message, its first
///   error-typed field (recorded with `record_error`, such as `error = &err as &dyn
///   Error`) or else a field named `error` the record's error (`err`), an integer `v`
///   field the V level, every other field a key/value of the call, in order.
/// - A span becomes a derived logger, created once when the span is created: the span's
///   name is appended to the logger name (`logger="controller.pods"`), its fields are
///   bound with `with_values` (text: after `logger=`; JSON: in the root object).
///   Fields recorded later with `Span::record` re-derive the span's logger.
/// - Levels map as the [crate documentation](crate#level-mapping) says.
///
/// The layer is also a filter: events and spans that klog would not write (above `-v`,
/// not raised by `-vmodule` for their file and module path) are rejected when tracing
/// registers their call site, and its `max_level_hint` lets tracing's macros skip
/// disabled levels with one comparison, as with tracing-subscriber's `LevelFilter`. Like
/// any filtering layer, it filters the whole subscriber: to filter only itself next to
/// other layers, wrap it in its own per-layer filter
/// (`layer.clone().with_filter(layer.filter())`); to filter other layers the same way,
/// use [`KlogLayer::filter`].
///
/// ```
/// use std::time::UNIX_EPOCH;
/// use tracing_subscriber::layer::SubscriberExt;
///
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder()
///     .writer(out.clone())
///     .fixed_time(UNIX_EPOCH)
///     .time_zone(klog::TimeZone::Utc)
///     .pid(1)
///     .fixed_caller(Some("src/pods.rs"), 42)
///     .build_logger();
/// let subscriber = tracing_subscriber::registry().with(klog_tracing::KlogLayer::new(logger));
///
/// tracing::subscriber::with_default(subscriber, || {
///     let span = tracing::info_span!("pods", node = "worker-1");
///     let _entered = span.enter();
///     tracing::info!(attempt = 3, "Pod status updated");
/// });
/// assert_eq!(
///     out.to_string(),
///     "I0101 00:00:00.000000       1 pods.rs:42] \"Pod status updated\" logger=\"pods\" node=\"worker-1\" attempt=3\n"
/// );
/// ```
#[derive(Clone, Debug)]
pub struct KlogLayer {
    base: Logger,
    /// Tells this layer's span state from other `KlogLayer`s' in the same subscriber.
    id: u64,
}

impl KlogLayer {
    /// A layer writing through `logger` (and loggers derived from it for spans).
    ///
    /// ```
    /// let layer = klog_tracing::KlogLayer::new(klog::background());
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn new(logger: Logger) -> KlogLayer {
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        crate::follow_klog_settings();
        KlogLayer {
            base: logger,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    /// The logger events outside any span are written through.
    ///
    /// ```
    /// let layer = klog_tracing::KlogLayer::new(klog::Logger::discard());
    /// assert!(!layer.logger().enabled());
    /// ```
    #[must_use]
    pub fn logger(&self) -> &Logger {
        &self.base
    }

    /// A filter that enables what this layer would write, to filter other layers by
    /// klog's `-v` and `-vmodule` (as a global filter layer or a per-layer filter).
    ///
    /// ```
    /// use tracing_subscriber::layer::SubscriberExt;
    /// use tracing_subscriber::Layer as _;
    ///
    /// let layer = klog_tracing::KlogLayer::new(klog::background());
    /// let fmt = tracing_subscriber::fmt::layer().with_filter(layer.filter());
    /// let subscriber = tracing_subscriber::registry().with(layer).with(fmt);
    /// # let _ = subscriber;
    /// ```
    #[must_use]
    pub fn filter(&self) -> KlogFilter {
        KlogFilter::new(self.base.clone())
    }
}

/// The filtering half of [`KlogLayer`] on its own: enables the events and spans klog
/// would write through a logger, by level, `-v` and `-vmodule`.
///
/// It is a [`Layer`] (add it to a subscriber to filter every layer) and a per-layer
/// [`Filter`] (`layer.with_filter(filter)`). Like any tracing filter, its decisions are
/// cached per call site; every change of klog's `-v` and `-vmodule` rebuilds tracing's
/// caches once a filter or [`KlogLayer`] exists.
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt;
///
/// let filter = klog_tracing::KlogFilter::new(klog::background());
/// let subscriber = tracing_subscriber::registry()
///     .with(filter)
///     .with(tracing_subscriber::fmt::layer());
/// # let _ = subscriber;
/// ```
#[derive(Clone, Debug)]
pub struct KlogFilter {
    base: Logger,
}

impl KlogFilter {
    /// A filter by `logger`'s thresholds (its sink's, the global `-v` and `-vmodule`)
    /// and its verbosity offset.
    ///
    /// ```
    /// let filter = klog_tracing::KlogFilter::new(klog::background().v(1));
    /// # let _ = filter;
    /// ```
    #[must_use]
    pub fn new(logger: Logger) -> KlogFilter {
        crate::follow_klog_settings();
        KlogFilter { base: logger }
    }
}

// === the decision ===

/// A call site's file (`""` when unknown), as one `'static` address: the kit's interner
/// keys call sites by their strings' addresses.
static NO_FILE: &str = "";

/// The location klog knows a tracing call site by.
fn location<'a>(metadata: &Metadata<'a>) -> (&'a str, u32, &'a str) {
    (
        metadata.file().unwrap_or(NO_FILE),
        metadata.line().unwrap_or(0),
        metadata.module_path().unwrap_or(NO_FILE),
    )
}

/// The klog call site of a tracing call site: the kit's, kept for the program's
/// lifetime, or (once the kit keeps no more) one made in `made`.
fn klog_callsite<'a>(
    metadata: &'static Metadata<'static>,
    made: &'a mut Option<Callsite>,
) -> &'a Callsite {
    let (file, line, module) = location(metadata);
    match bridge::intern_callsite(file, line, module) {
        Some(callsite) => callsite,
        None => made.insert(Callsite::new(file, line, module)),
    }
}

/// Whether the call site has a `v` field (its level is known only per event).
fn has_v(metadata: &Metadata<'_>) -> bool {
    metadata.fields().field("v").is_some()
}

/// Whether klog writes what the call site of `metadata` logs through `base`.
fn callsite_enabled(base: &Logger, callsite: &Callsite, metadata: &Metadata<'_>) -> bool {
    if base.is_discard() {
        return false;
    }
    if metadata.is_event() && has_v(metadata) {
        // The level is the value of the `v` field: decided per event.
        return true;
    }
    match klog_level(*metadata.level()) {
        (Severity::Error | Severity::Fatal, _) => true,
        (_, v) => base.enabled_for(base.verbosity().saturating_add(v), callsite),
    }
}

fn register(base: &Logger, metadata: &'static Metadata<'static>) -> Interest {
    let mut made = None;
    let callsite = klog_callsite(metadata, &mut made);
    let enabled = bridge::while_filtering(|| callsite_enabled(base, callsite, metadata));
    if enabled {
        Interest::always()
    } else if klog::vmodule().is_some() {
        // A new -vmodule may enable the call site: ask again per event (klog's own
        // per-call-site cache makes that a few loads).
        Interest::sometimes()
    } else {
        Interest::never()
    }
}

fn enabled(base: &Logger, metadata: &Metadata<'_>) -> bool {
    let (file, line, module) = location(metadata);
    match bridge::find_callsite(file, line, module) {
        Some(callsite) => bridge::while_filtering(|| callsite_enabled(base, callsite, metadata)),
        // Not registered through a layer: let the event through, `on_event` decides.
        None => true,
    }
}

/// The most verbose tracing level `base` can write: what `-v` and the sink's own
/// threshold enable, raised by the highest `-vmodule` level.
fn level_hint(base: &Logger) -> Option<LevelFilter> {
    bridge::while_filtering(|| level_hint_of(base))
}

fn level_hint_of(base: &Logger) -> Option<LevelFilter> {
    if base.is_discard() {
        return Some(LevelFilter::OFF);
    }
    let vmodule_max = klog::vmodule().and_then(|vm| vm.max_verbosity());
    let on = |v: i32| {
        base.v(v).enabled()
            || vmodule_max.is_some_and(|max| base.verbosity().saturating_add(v) <= max)
    };
    let verbose = [
        (bridge::Level::Trace, LevelFilter::TRACE),
        (bridge::Level::Debug, LevelFilter::DEBUG),
        (bridge::Level::Info, LevelFilter::INFO),
    ];
    Some(
        verbose
            .into_iter()
            .find(|(level, _)| on(level.to_klog().1))
            .map_or(
                // Warnings follow the logger's level too; errors are always written.
                LevelFilter::ERROR,
                |(_, filter)| filter,
            ),
    )
}

impl<S: Subscriber> Layer<S> for KlogFilter {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        register(&self.base, metadata)
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        enabled(&self.base, metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        level_hint(&self.base)
    }
}

impl<S> Filter<S> for KlogFilter {
    fn enabled(&self, metadata: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        enabled(&self.base, metadata)
    }

    fn callsite_enabled(&self, metadata: &'static Metadata<'static>) -> Interest {
        register(&self.base, metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        level_hint(&self.base)
    }
}

// === spans ===

/// What the layer keeps in a span's extensions.
#[derive(Debug)]
struct SpanState {
    /// The parent's logger with this span's name appended.
    named: Logger,
    /// The span's fields, in order.
    fields: Vec<(&'static str, OwnedValue)>,
    /// `named` with `fields` bound: what events in the span write through.
    logger: Logger,
}

/// The state of every `KlogLayer` of the subscriber, by layer id (a span's extensions
/// hold one value per type).
#[derive(Debug, Default)]
struct SpanStates(Vec<(u64, SpanState)>);

impl SpanStates {
    fn get(&self, id: u64) -> Option<&SpanState> {
        self.0
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, state)| state)
    }

    fn get_mut(&mut self, id: u64) -> Option<&mut SpanState> {
        self.0
            .iter_mut()
            .find(|(i, _)| *i == id)
            .map(|(_, state)| state)
    }
}

impl KlogLayer {
    /// The logger this layer derived for `span`, if it did.
    fn span_logger<S>(&self, span: &tracing_subscriber::registry::SpanRef<'_, S>) -> Option<Logger>
    where
        S: for<'a> LookupSpan<'a>,
    {
        let extensions = span.extensions();
        Some(extensions.get::<SpanStates>()?.get(self.id)?.logger.clone())
    }
}

fn derive(named: &Logger, fields: &[(&'static str, OwnedValue)]) -> Logger {
    if fields.is_empty() {
        return named.clone();
    }
    let kvs: Vec<KeyValue<'_>> = fields
        .iter()
        .map(|(key, value)| KeyValue::from_value(key, value.as_value()))
        .collect();
    named.with_values(&kvs)
}

/// Where [`Visitor`] puts each kind of field value: tracing's `Visit` is implemented
/// once, for span fields and event fields alike.
trait FieldSink {
    /// A string, or a `Debug` value (tracing's `%` arrives as one) that `write` renders.
    fn text(&mut self, field: &Field, write: impl FnOnce(&mut String));
    fn bytes(&mut self, field: &Field, value: &[u8]);
    /// A number or a boolean.
    fn scalar(&mut self, field: &Field, value: Value<'static>);
    fn error(&mut self, field: &Field, value: &(dyn Error + 'static));
}

/// Visits a span's or an event's fields into a [`FieldSink`].
struct Visitor<T>(T);

impl<T: FieldSink> Visit for Visitor<T> {
    #[inline]
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .text(field, |buf| render_into(buf, |w| write!(w, "{value:?}")));
    }
    #[inline]
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.text(field, |buf| buf.push_str(value));
    }
    #[inline]
    fn record_bytes(&mut self, field: &Field, value: &[u8]) {
        self.0.bytes(field, value);
    }
    #[inline]
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.scalar(field, Value::I64(value));
    }
    #[inline]
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.scalar(field, Value::U64(value));
    }
    #[inline]
    fn record_i128(&mut self, field: &Field, value: i128) {
        self.0.scalar(field, Value::I128(value));
    }
    #[inline]
    fn record_u128(&mut self, field: &Field, value: u128) {
        self.0.scalar(field, Value::U128(value));
    }
    #[inline]
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.scalar(field, Value::F64(value));
    }
    #[inline]
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.scalar(field, Value::Bool(value));
    }
    #[inline]
    fn record_error(&mut self, field: &Field, value: &(dyn Error + 'static)) {
        self.0.error(field, value);
    }
}

/// Collects span fields as owned values; a field recorded again replaces its value.
struct SpanFields<'a>(&'a mut Vec<(&'static str, OwnedValue)>);

impl SpanFields<'_> {
    fn set(&mut self, field: &Field, value: OwnedValue) {
        set_field(self.0, field.name(), value);
    }
}

fn set_field(fields: &mut Vec<(&'static str, OwnedValue)>, key: &'static str, value: OwnedValue) {
    match fields.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => fields.push((key, value)),
    }
}

impl FieldSink for SpanFields<'_> {
    fn text(&mut self, field: &Field, write: impl FnOnce(&mut String)) {
        let mut text = String::new();
        write(&mut text);
        self.set(field, OwnedValue::Str(text.into_boxed_str()));
    }
    fn bytes(&mut self, field: &Field, value: &[u8]) {
        self.set(field, OwnedValue::Bytes(value.into()));
    }
    fn scalar(&mut self, field: &Field, value: Value<'static>) {
        if let Some(owned) = OwnedValue::typed(value) {
            self.set(field, owned);
        }
    }
    fn error(&mut self, field: &Field, value: &(dyn Error + 'static)) {
        self.set(
            field,
            OwnedValue::Error(Box::new(OwnedError::snapshot(value))),
        );
    }
}

// === events ===

/// An event's field value, its text kept in the scratch buffers.
#[derive(Clone, Copy, Debug)]
// Numbers are variants of their own, not a nested `Value`: copying a nested enum out cost
// the event path a store-forwarding stall per pair.
enum Slot {
    Text(usize, usize),
    Bytes(usize, usize),
    Error(usize),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
}

/// Per-thread buffers an event's fields are copied into (reused: no allocation once
/// warm, except for errors).
#[derive(Debug, Default)]
struct EventScratch {
    text: String,
    bytes: Vec<u8>,
    slots: Vec<(&'static str, Slot)>,
    errors: Vec<OwnedError>,
    message: Option<(usize, usize)>,
    /// A `logger` field: a name appended to the logger's (what a `TracingSink` emits).
    name: Option<(usize, usize)>,
    error: Option<usize>,
    v: Option<i64>,
}

/// Buffers above this size are not kept for the next event.
const MAX_KEPT_CAPACITY: usize = 64 * 1024;

impl EventScratch {
    fn clear(&mut self) {
        self.text.clear();
        self.bytes.clear();
        self.slots.clear();
        self.errors.clear();
        self.message = None;
        self.name = None;
        self.error = None;
        self.v = None;
    }

    fn trim(&mut self) {
        if self.text.capacity() > MAX_KEPT_CAPACITY || self.bytes.capacity() > MAX_KEPT_CAPACITY {
            *self = EventScratch::default();
        }
    }

    fn text_of(&self, (start, end): (usize, usize)) -> &str {
        self.text.get(start..end).unwrap_or_default()
    }

    fn pair(&self, key: &'static str, slot: Slot) -> KeyValue<'_> {
        KeyValue::from_value(key, self.value(slot))
    }

    fn value(&self, slot: Slot) -> Value<'_> {
        match slot {
            Slot::Text(start, end) => Value::Str(self.text_of((start, end))),
            Slot::Bytes(start, end) => Value::Bytes(self.bytes.get(start..end).unwrap_or_default()),
            Slot::I64(v) => Value::I64(v),
            Slot::U64(v) => Value::U64(v),
            Slot::I128(v) => Value::I128(v),
            Slot::U128(v) => Value::U128(v),
            Slot::F64(v) => Value::F64(v),
            Slot::Bool(v) => Value::Bool(v),
            Slot::Error(i) => match self.errors.get(i) {
                Some(e) => Value::Error(e),
                None => Value::Null,
            },
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<EventScratch> = RefCell::new(EventScratch::default());
}

/// Runs `f` with this thread's scratch, or a fresh one when it is in use (a `Debug` that
/// emits an event while it is being rendered).
fn with_scratch<R>(f: impl FnOnce(&mut EventScratch) -> R) -> R {
    bridge::with_thread_buffer(&SCRATCH, |scratch| {
        scratch.clear();
        let result = f(scratch);
        scratch.trim();
        result
    })
}

/// Copies an event's fields into the scratch.
struct EventFields<'a>(&'a mut EventScratch);

impl FieldSink for EventFields<'_> {
    #[inline]
    fn text(&mut self, field: &Field, write: impl FnOnce(&mut String)) {
        let scratch = &mut *self.0;
        match field.name() {
            "message" => {
                let start = scratch.text.len();
                write(&mut scratch.text);
                scratch.message = Some((start, scratch.text.len()));
            }
            "logger" if scratch.name.is_none() => {
                let start = scratch.text.len();
                write(&mut scratch.text);
                scratch.name = Some((start, scratch.text.len()));
            }
            "error" if scratch.error.is_none() => {
                let mut text = String::new();
                write(&mut text);
                scratch.error = Some(scratch.errors.len());
                scratch.errors.push(OwnedError::from_text(text));
            }
            name => {
                let start = scratch.text.len();
                write(&mut scratch.text);
                scratch
                    .slots
                    .push((name, Slot::Text(start, scratch.text.len())));
            }
        }
    }
    #[inline]
    fn bytes(&mut self, field: &Field, value: &[u8]) {
        let bytes = &mut self.0.bytes;
        let start = bytes.len();
        bytes.extend_from_slice(value);
        let end = bytes.len();
        self.0.slots.push((field.name(), Slot::Bytes(start, end)));
    }
    #[inline]
    fn scalar(&mut self, field: &Field, value: Value<'static>) {
        let slot = match (field.name(), value) {
            ("v", Value::I64(v)) => return self.0.v = Some(v),
            ("v", Value::U64(v)) => return self.0.v = Some(i64::try_from(v).unwrap_or(i64::MAX)),
            (_, Value::I64(v)) => Slot::I64(v),
            (_, Value::U64(v)) => Slot::U64(v),
            (_, Value::I128(v)) => Slot::I128(v),
            (_, Value::U128(v)) => Slot::U128(v),
            (_, Value::F64(v)) => Slot::F64(v),
            (_, Value::Bool(v)) => Slot::Bool(v),
            _ => return,
        };
        self.0.slots.push((field.name(), slot));
    }
    #[inline]
    fn error(&mut self, field: &Field, value: &(dyn Error + 'static)) {
        let scratch = &mut *self.0;
        let index = scratch.errors.len();
        scratch.errors.push(OwnedError::snapshot(value));
        if scratch.error.is_none() {
            scratch.error = Some(index);
        } else {
            scratch.slots.push((field.name(), Slot::Error(index)));
        }
    }
}

/// Reads only an event's integer `v` field.
struct VField(Option<i64>);

impl Visit for VField {
    fn record_debug(&mut self, _: &Field, _: &dyn fmt::Debug) {}
    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "v" {
            self.0 = Some(value);
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "v" {
            self.0 = Some(i64::try_from(value).unwrap_or(i64::MAX));
        }
    }
}

/// A `v` field's value as a V level (negative counts as 0, as in klog).
fn v_level(v: i64) -> i32 {
    i32::try_from(v.max(0)).unwrap_or(i32::MAX)
}

/// Writes the event in `scratch` through `logger`.
fn write(
    logger: &Logger,
    callsite: Option<&Callsite>,
    severity: Severity,
    level: i32,
    scratch: &EventScratch,
) {
    let named;
    let logger = match scratch.name {
        Some(range) => {
            named = logger.with_name(scratch.text_of(range));
            &named
        }
        None => logger,
    };
    let event = Written {
        logger,
        callsite,
        severity,
        level,
        scratch,
    };
    // The call's pairs in an array just large enough (most events have a few fields).
    match scratch.slots.len() {
        0..=4 => event.with_pairs::<4>(),
        5..=8 => event.with_pairs::<8>(),
        9..=16 => event.with_pairs::<16>(),
        _ => event.emit(
            &scratch
                .slots
                .iter()
                .map(|&(k, s)| scratch.pair(k, s))
                .collect::<Vec<_>>(),
        ),
    }
}

/// An event about to be written.
struct Written<'a> {
    logger: &'a Logger,
    /// The call site, when the tracing metadata has a file (else the header shows an
    /// unknown caller).
    callsite: Option<&'a Callsite>,
    severity: Severity,
    level: i32,
    scratch: &'a EventScratch,
}

impl Written<'_> {
    #[inline]
    fn with_pairs<const N: usize>(&self) {
        let mut kvs = [KeyValue::from_value("", Value::Null); N];
        for (kv, &(key, slot)) in kvs.iter_mut().zip(&self.scratch.slots) {
            *kv = self.scratch.pair(key, slot);
        }
        self.emit(kvs.get(..self.scratch.slots.len()).unwrap_or_default());
    }

    #[inline]
    fn emit(&self, kvs: &[KeyValue<'_>]) {
        let scratch = self.scratch;
        let message = scratch.message.map_or("", |range| scratch.text_of(range));
        let error = scratch
            .error
            .and_then(|i| scratch.errors.get(i))
            .map(|e| e as &(dyn Error + 'static));
        // Built here rather than with `klog::bridge::record_into_klog`: returning the record
        // from it cost this path ~5% (measured on the `span` bench).
        let mut record = Record::new(self.severity, message, kvs).with_error(error);
        if !matches!(self.severity, Severity::Error | Severity::Fatal) {
            record = record.with_verbosity(self.level);
        }
        if let Some(callsite) = self.callsite {
            record = record.with_callsite(callsite);
        }
        // Set for what the write reaches (a `TracingSink` drops it), also when an outer
        // bridge set it already: the layer itself never drops.
        let _forwarding = bridge::enter_from(Origin::Tracing);
        self.logger.log(&record);
    }
}

impl<S> Layer<S> for KlogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        register(&self.base, metadata)
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        enabled(&self.base, metadata)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        level_hint(&self.base)
    }

    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let parent = span
            .scope()
            .skip(1)
            .find_map(|s| self.span_logger(&s))
            .unwrap_or_else(|| self.base.clone());
        // Visited before any lock is taken: a field's `Debug` may itself log.
        let mut fields = Vec::new();
        attrs.record(&mut Visitor(SpanFields(&mut fields)));
        let named = parent.with_name(span.metadata().name());
        let logger = derive(&named, &fields);
        let state = SpanState {
            named,
            fields,
            logger,
        };
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<SpanStates>() {
            Some(states) => match states.get_mut(self.id) {
                Some(existing) => *existing = state,
                None => states.0.push((self.id, state)),
            },
            None => extensions.insert(SpanStates(vec![(self.id, state)])),
        }
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut updates = Vec::new();
        values.record(&mut Visitor(SpanFields(&mut updates)));
        let mut extensions = span.extensions_mut();
        if let Some(state) = extensions
            .get_mut::<SpanStates>()
            .and_then(|states| states.get_mut(self.id))
        {
            for (key, value) in updates {
                set_field(&mut state.fields, key, value);
            }
            state.logger = derive(&state.named, &state.fields);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let mut made = None;
        let callsite = klog_callsite(metadata, &mut made);
        let (severity, mapped) = klog_level(*metadata.level());
        let is_error = matches!(severity, Severity::Error | Severity::Fatal);
        let span_logger = ctx
            .event_span(event)
            .and_then(|span| span.scope().find_map(|s| self.span_logger(&s)));
        let logger = span_logger.as_ref().unwrap_or(&self.base);
        let enabled_at = |v: i32| {
            if is_error {
                !logger.is_discard()
            } else {
                logger.enabled_for(logger.verbosity().saturating_add(v), callsite)
            }
        };
        // A `v` field sets the V level (not on errors). Read ahead only where the mapped
        // level is off: the field may turn it on.
        if !enabled_at(mapped) {
            if is_error || !has_v(metadata) {
                return;
            }
            let mut field = VField(None);
            event.record(&mut field);
            if !field.0.is_some_and(|n| enabled_at(v_level(n))) {
                return;
            }
        }
        with_scratch(|scratch| {
            event.record(&mut Visitor(EventFields(scratch)));
            let v = match scratch.v {
                Some(n) if !is_error => v_level(n),
                _ => mapped,
            };
            if v != mapped && !enabled_at(v) {
                return;
            }
            let level = logger.verbosity().saturating_add(v);
            let callsite = metadata.file().is_some().then_some(callsite);
            write(logger, callsite, severity, level, scratch);
        });
    }
}
