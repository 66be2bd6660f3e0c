//! klog → tracing: [`TracingSink`].

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::error::Error;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, LazyLock, OnceLock, PoisonError, RwLock};

use klog::bridge::{
    self, debug_text, pairs_text, value_text_form, Direction, Origin, OwnedError, OwnedValue,
};
use klog::{Callsite, KObj, KeyValue, Logger, Record, RecordKind, Severity, Sink, Value};
use tracing::field::{display, DebugValue, DisplayValue, Field};
use tracing::level_filters::{LevelFilter, STATIC_MAX_LEVEL};
use tracing::{Level, Metadata};
use tracing_core::callsite::Callsite as TracingCallsite;
use tracing_core::metadata::Kind;
use tracing_core::subscriber::Interest;
use tracing_core::{field::FieldSet, Event};

use crate::{klog_level, tracing_level};

/// The V level up to which [`TracingSink::new`] lets klog's global fast check pass
/// records, so that the tracing subscriber, not klog's `-v`, decides (Kubernetes uses
/// V levels up to 10).
///
/// ```
/// let logger = klog_tracing::TracingSink::new().logger();
/// // klog asks the tracing subscriber about V10…
/// let _ = logger.v(klog_tracing::DEFAULT_MAX_VERBOSITY).enabled();
/// // …and decides V11 by itself (with the global -v at 0).
/// assert!(!logger.v(klog_tracing::DEFAULT_MAX_VERBOSITY + 1).enabled());
/// ```
pub const DEFAULT_MAX_VERBOSITY: i32 = bridge::DEFAULT_MAX_VERBOSITY;

/// A klog [`Sink`] that emits every record as a `tracing` event, so a library that
/// takes a [`klog::Logger`] logs into the application's tracing subscriber.
///
/// Each record becomes one event, in the current span:
/// - level: error and fatal → `ERROR`, warning → `WARN`, info V0 → `INFO`, V1–V4 →
///   `DEBUG`, V5 and up → `TRACE` (see the [crate documentation](crate#level-mapping));
/// - fields, in order: `message` (the message), `error` (the record's error, as a
///   `dyn Error`), `logger` (the joined names, when named), `v` (the V level, when the
///   level alone does not say it: V1–V3, V6 and up, warnings with a V level), then the
///   bound key/values and the call's key/values under their own keys;
/// - values: strings, integers, floats, booleans and errors keep their type; `Display`
///   and `Debug` values and object references are shown with their `Display`/`Debug`;
///   anything else with its klog text form;
/// - file, line and module path (the event's target) are the klog call site's.
///
/// Whether a record is written is the subscriber's decision (its level filter and
/// per-call-site interest); klog's `-v` does not apply. Records the subscriber would
/// drop cost klog's check plus one comparison with tracing's maximum level.
///
/// Records that came into klog from tracing (a [`KlogLayer`](crate::KlogLayer) writing:
/// [`klog::bridge::came_from`]) or that are logged while a record is already leaving klog
/// on this thread ([`klog::bridge::enter`]) are dropped, so the two directions cannot
/// loop; records that came from slog or log go on to tracing.
///
/// ```
/// let out = klog::SharedBuffer::default();
/// let writer = out.clone();
/// let subscriber = tracing_subscriber::fmt()
///     .with_ansi(false)
///     .without_time()
///     .with_target(false)
///     .with_writer(move || writer.clone())
///     .finish();
///
/// // A library that takes a klog::Logger…
/// fn sync_pod(logger: &klog::Logger) {
///     klog::info!(logger, "Pod status updated", pod = "kube-system/coredns", attempt = 3);
///     klog::info!(v: 2, logger, "Cache hit");
/// }
///
/// // …logs into the application's tracing subscriber.
/// let logger = klog_tracing::TracingSink::new().logger().with_name("pods");
/// tracing::subscriber::with_default(subscriber, || sync_pod(&logger));
/// assert_eq!(
///     out.to_string(),
///     " INFO Pod status updated logger=\"pods\" pod=\"kube-system/coredns\" attempt=3\n"
/// );
/// ```
#[derive(Clone, Debug, Default)]
pub struct TracingSink {
    name: Option<Arc<str>>,
    bound: Arc<[(Box<str>, OwnedValue)]>,
    /// Keeps klog's fast check open up to this sink's maximum V while it (or a sink derived
    /// from it) lives.
    threshold: Option<Arc<klog::bridge::ThresholdRegistration>>,
}

impl TracingSink {
    /// A sink emitting tracing events; lets klog's global fast check pass records up to
    /// V[`DEFAULT_MAX_VERBOSITY`].
    ///
    /// ```
    /// let sink = klog_tracing::TracingSink::new();
    /// # let _ = sink;
    /// ```
    #[must_use]
    pub fn new() -> TracingSink {
        TracingSink::with_max_verbosity(DEFAULT_MAX_VERBOSITY)
    }

    /// A sink for which klog's global fast check passes records up to `V(max)`: klog
    /// decides in one comparison that a more verbose record is not written, before the
    /// subscriber is asked. Raising it makes other klog sinks' disabled calls up to
    /// `V(max)` take klog's second check (a few nanoseconds).
    ///
    /// ```
    /// let sink = klog_tracing::TracingSink::with_max_verbosity(5);
    /// # let _ = sink;
    /// ```
    #[must_use]
    pub fn with_max_verbosity(max: i32) -> TracingSink {
        TracingSink {
            threshold: Some(Arc::new(klog::bridge::register_threshold(max))),
            ..TracingSink::default()
        }
    }

    /// A [`Logger`] writing through this sink.
    ///
    /// ```
    /// let logger = klog_tracing::TracingSink::new().logger();
    /// klog::info!(logger, "Starting");
    /// ```
    #[must_use]
    pub fn logger(self) -> Logger {
        Logger::new(Arc::new(self))
    }

    fn pair_count(&self) -> usize {
        self.bound.len()
    }
}

/// Whether tracing's global maximum level enables `level`.
#[inline]
fn level_enabled(level: Level) -> bool {
    level <= STATIC_MAX_LEVEL && level <= LevelFilter::current()
}

/// The V level tracing's level implies for an info record (that the layer maps back).
fn implied_verbosity(level: Level) -> i32 {
    klog_level(level).1
}

impl Sink for TracingSink {
    fn enabled(&self, level: i32) -> bool {
        if bridge::filtering() {
            // A KlogLayer/KlogFilter asks: the subscriber filters these records itself.
            return true;
        }
        !bridge::came_from(Origin::Tracing)
            && !bridge::active(Direction::OutOfKlog)
            && level_enabled(tracing_level(Severity::Info, level))
    }

    fn log(&self, record: &Record<'_>) {
        // From a `KlogLayer`: the event would reach every layer of the subscriber a second
        // time. Records that came into klog from slog or log go on to tracing.
        if bridge::came_from(Origin::Tracing) {
            return;
        }
        let level = tracing_level(record.severity(), record.verbosity());
        if !level_enabled(level) {
            return;
        }
        // Already emitting a record out of klog on this thread: it went round.
        let Some(_forwarding) = bridge::enter(Direction::OutOfKlog) else {
            return;
        };
        emit(self, record, level);
    }

    fn with_values(&self, key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        let mut bound = Vec::with_capacity(self.bound.len() + key_values.len());
        bound.extend(self.bound.iter().cloned());
        bound.extend(
            key_values
                .iter()
                .map(|kv| (Box::from(kv.key()), bound_value(kv.value()))),
        );
        Arc::new(TracingSink {
            name: self.name.clone(),
            bound: bound.into(),
            threshold: self.threshold.clone(),
        })
    }

    fn with_name(&self, name: &str) -> Arc<dyn Sink> {
        let joined = bridge::join_name(self.name.as_deref(), name);
        Arc::new(TracingSink {
            name: Some(joined),
            bound: self.bound.clone(),
            threshold: self.threshold.clone(),
        })
    }
}

/// A bound value, kept for the sink's life: typed where tracing has the type, errors
/// with their sources, anything else as the text shown for it (`Text`).
fn bound_value(value: Value<'_>) -> OwnedValue {
    OwnedValue::typed(value).unwrap_or_else(|| match value {
        Value::Error(e) => OwnedValue::Error(Box::new(OwnedError::snapshot(e))),
        Value::Display(d) => OwnedValue::Text(debug_text(&display(d)).into()),
        Value::Debug(d) => OwnedValue::Text(debug_text(d).into()),
        Value::Object(o) => OwnedValue::Text(o.to_string().into()),
        other => OwnedValue::Text(value_text_form(other).into()),
    })
}

// === event values ===

/// One field value of an emitted event.
enum FieldValue<'a> {
    Str(&'a str),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
    Error(&'a (dyn Error + 'static)),
    Display(DisplayValue<&'a dyn fmt::Display>),
    Debug(DebugValue<&'a dyn fmt::Debug>),
    Object(DisplayValue<KObj<'a>>),
    Text(DisplayValue<&'a str>),
    Owned(DisplayValue<String>),
}

impl FieldValue<'_> {
    fn as_value(&self) -> &dyn tracing::Value {
        match self {
            FieldValue::Str(v) => v,
            FieldValue::I64(v) => v,
            FieldValue::U64(v) => v,
            FieldValue::I128(v) => v,
            FieldValue::U128(v) => v,
            FieldValue::F64(v) => v,
            FieldValue::Bool(v) => v,
            FieldValue::Error(v) => v,
            FieldValue::Display(v) => v,
            FieldValue::Debug(v) => v,
            FieldValue::Object(v) => v,
            FieldValue::Text(v) => v,
            FieldValue::Owned(v) => v,
        }
    }

    fn of_call(value: Value<'_>) -> FieldValue<'_> {
        match value {
            Value::Str(s) => FieldValue::Str(s),
            Value::I64(v) => FieldValue::I64(v),
            Value::U64(v) => FieldValue::U64(v),
            Value::I128(v) => FieldValue::I128(v),
            Value::U128(v) => FieldValue::U128(v),
            Value::F64(v) => FieldValue::F64(v),
            Value::Bool(v) => FieldValue::Bool(v),
            Value::Error(e) => FieldValue::Error(e),
            Value::Display(d) => FieldValue::Display(display(d)),
            Value::Debug(d) => FieldValue::Debug(tracing::field::debug(d)),
            Value::Object(o) => FieldValue::Object(display(o)),
            other => FieldValue::Owned(display(value_text_form(other))),
        }
    }

    fn of_bound(value: &OwnedValue) -> FieldValue<'_> {
        match value {
            OwnedValue::Str(s) => FieldValue::Str(s),
            OwnedValue::I64(v) => FieldValue::I64(*v),
            OwnedValue::U64(v) => FieldValue::U64(*v),
            OwnedValue::I128(v) => FieldValue::I128(*v),
            OwnedValue::U128(v) => FieldValue::U128(*v),
            OwnedValue::F64(v) => FieldValue::F64(*v),
            OwnedValue::Bool(v) => FieldValue::Bool(*v),
            OwnedValue::Error(e) => FieldValue::Error(&**e),
            OwnedValue::Text(text) => FieldValue::Text(display(text)),
            // Not built by `bound_value`; shown as any other value tracing has no type for.
            other @ (OwnedValue::Bytes(_) | OwnedValue::F32(_) | OwnedValue::Null) => {
                FieldValue::Owned(display(value_text_form(other.as_value())))
            }
        }
    }
}

/// The most fields one event carries (tracing's value sets are fixed-size arrays).
const MAX_FIELDS: usize = 32;

fn emit(sink: &TracingSink, record: &Record<'_>, level: Level) {
    let message = match record.kind() {
        RecordKind::Unstructured => {
            let m = record.message();
            m.strip_suffix('\n').unwrap_or(m)
        }
        _ => record.message(),
    };
    let is_error = matches!(record.severity(), Severity::Error | Severity::Fatal);
    let v = (!is_error && record.verbosity() != implied_verbosity(level))
        .then(|| i64::from(record.verbosity()));

    let mut fields: Vec<(&str, FieldValue<'_>)> =
        Vec::with_capacity(4 + sink.pair_count() + record.key_values().len());
    fields.push(("message", FieldValue::Text(display(message))));
    if let Some(err) = record.error() {
        fields.push(("error", FieldValue::Error(err)));
    }
    if let Some(name) = &sink.name {
        fields.push(("logger", FieldValue::Str(name)));
    }
    if let Some(v) = v {
        fields.push(("v", FieldValue::I64(v)));
    }
    let fixed = fields.len();
    fields.extend(
        sink.bound
            .iter()
            .map(|(key, value)| (&**key, FieldValue::of_bound(value))),
    );
    fields.extend(
        record
            .key_values()
            .iter()
            .map(|kv| (kv.key(), FieldValue::of_call(kv.value()))),
    );

    let location = Location::of(record.callsite());
    let callsite = if fields.len() <= MAX_FIELDS {
        let mut names = [""; MAX_FIELDS];
        for (name, (key, _)) in names.iter_mut().zip(&fields) {
            *name = key;
        }
        lookup(level, location, &names[..fields.len()])
    } else {
        None
    };
    match callsite {
        Some(callsite) => dispatch(callsite, &fields),
        None => {
            // Too many fields, or too many distinct call sites: the key/values go into
            // one `key_values` field in klog's text form.
            let kvs: Vec<KeyValue<'_>> = sink
                .bound
                .iter()
                .map(|(key, value)| KeyValue::from_value(key, value.as_value()))
                .chain(record.key_values().iter().copied())
                .collect();
            fields.truncate(fixed);
            fields.push(("key_values", FieldValue::Owned(display(pairs_text(&kvs)))));
            let names: Vec<&'static str> = fields.iter().map(|(key, _)| fixed_name(key)).collect();
            let generic = Location {
                file: None,
                line: None,
                module: "",
            };
            dispatch(generic_callsite(level, generic, &names), &fields);
        }
    }
}

fn dispatch(callsite: &'static DynCallsite, values: &[(&str, FieldValue<'_>)]) {
    let interest = callsite.interest.load(Ordering::Relaxed);
    if interest == INTEREST_NEVER {
        return;
    }
    let (Some(metadata), Some(fields)) = (callsite.metadata.get(), callsite.fields.get()) else {
        return;
    };
    let Some(first) = fields.first() else { return };
    let mut pairs: [(&Field, Option<&dyn tracing::Value>); MAX_FIELDS] =
        [(first, None); MAX_FIELDS];
    for (pair, (field, (_, value))) in pairs.iter_mut().zip(fields.iter().zip(values)) {
        *pair = (field, Some(value.as_value()));
    }
    let value_set = metadata.fields().value_set(&pairs);
    let event = Event::new(metadata, &value_set);
    tracing_core::dispatcher::get_default(|current| {
        if interest == INTEREST_ALWAYS || current.enabled(metadata) {
            current.event(&event);
        }
    });
}

// === dynamic call sites ===

/// Where a record was logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Location {
    file: Option<&'static str>,
    line: Option<u32>,
    module: &'static str,
}

impl Location {
    fn of(callsite: Option<&Callsite>) -> Location {
        match callsite {
            Some(c) => Location {
                file: (!c.file().is_empty()).then_some(c.file()),
                line: (!c.file().is_empty()).then_some(c.line()),
                module: c.module_path(),
            },
            None => Location {
                file: None,
                line: None,
                module: "",
            },
        }
    }
}

const INTEREST_NEVER: u8 = 0;
const INTEREST_SOMETIMES: u8 = 1;
const INTEREST_ALWAYS: u8 = 2;
const INTEREST_UNKNOWN: u8 = 0xff;

/// A tracing call site made at run time for one klog call site, level and list of keys
/// (tracing's metadata names every field statically).
struct DynCallsite {
    level: Level,
    location: Location,
    names: &'static [&'static str],
    metadata: OnceLock<Metadata<'static>>,
    fields: OnceLock<Box<[Field]>>,
    interest: AtomicU8,
}

impl fmt::Debug for DynCallsite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynCallsite")
            .field("level", &self.level)
            .field("location", &self.location)
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

impl TracingCallsite for DynCallsite {
    fn set_interest(&self, interest: Interest) {
        let value = if interest.is_never() {
            INTEREST_NEVER
        } else if interest.is_always() {
            INTEREST_ALWAYS
        } else {
            INTEREST_SOMETIMES
        };
        self.interest.store(value, Ordering::Relaxed);
    }

    fn metadata(&self) -> &Metadata<'_> {
        self.metadata
            .get()
            .expect("a call site's metadata is set before it is registered")
    }
}

/// Up to this many call sites are made; past it records share generic ones.
const MAX_CALLSITES: usize = 4096;

#[derive(Default)]
struct Registry {
    by_hash: HashMap<u64, Vec<&'static DynCallsite>>,
    count: usize,
}

/// The fields an event carries besides the record's key/values (in this order).
const FIXED_NAMES: [&str; 5] = ["message", "error", "logger", "v", "key_values"];

/// `name`, one of [`FIXED_NAMES`], as its `'static` string.
fn fixed_name(name: &str) -> &'static str {
    FIXED_NAMES
        .into_iter()
        .find(|fixed| *fixed == name)
        .unwrap_or("key_values")
}

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(|| RwLock::new(Registry::default()));

fn hash_of(level: Level, location: Location, names: &[&str]) -> u64 {
    let mut hasher = DefaultHasher::new();
    level.hash(&mut hasher);
    location.hash(&mut hasher);
    names.hash(&mut hasher);
    hasher.finish()
}

fn find(
    registry: &Registry,
    hash: u64,
    level: Level,
    location: Location,
    names: &[&str],
) -> Option<&'static DynCallsite> {
    registry.by_hash.get(&hash)?.iter().copied().find(|c| {
        c.level == level
            && c.location == location
            && c.names.iter().copied().eq(names.iter().copied())
    })
}

/// The call site for `level`, `location` and `names`, made on first use (`None` once
/// [`MAX_CALLSITES`] are made, or when klog keeps no more keys for the names).
fn lookup(level: Level, location: Location, names: &[&str]) -> Option<&'static DynCallsite> {
    let hash = hash_of(level, location, names);
    {
        let registry = REGISTRY.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = find(&registry, hash, level, location, names) {
            return Some(found);
        }
        if registry.count >= MAX_CALLSITES {
            return None;
        }
    }
    let interned = names
        .iter()
        .map(|name| bridge::intern_key(name))
        .collect::<Option<Vec<&'static str>>>()?;
    Some(make(hash, level, location, interned))
}

/// The call site of events whose key/values are in one field: made whatever the count.
fn generic_callsite(
    level: Level,
    location: Location,
    names: &[&'static str],
) -> &'static DynCallsite {
    let hash = hash_of(level, location, names);
    let found = find(
        &REGISTRY.read().unwrap_or_else(PoisonError::into_inner),
        hash,
        level,
        location,
        names,
    );
    found.unwrap_or_else(|| make(hash, level, location, names.to_vec()))
}

#[cold]
#[inline(never)]
fn make(
    hash: u64,
    level: Level,
    location: Location,
    names: Vec<&'static str>,
) -> &'static DynCallsite {
    let callsite = {
        let mut registry = REGISTRY.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = find(&registry, hash, level, location, &names) {
            return found;
        }
        let callsite: &'static DynCallsite = Box::leak(Box::new(DynCallsite {
            level,
            location,
            names: Box::leak(names.into_boxed_slice()),
            metadata: OnceLock::new(),
            fields: OnceLock::new(),
            interest: AtomicU8::new(INTEREST_UNKNOWN),
        }));
        let metadata = Metadata::new(
            "klog",
            if location.module.is_empty() {
                "klog"
            } else {
                location.module
            },
            level,
            location.file,
            location.line,
            (!location.module.is_empty()).then_some(location.module),
            FieldSet::new(callsite.names, tracing_core::identify_callsite!(callsite)),
            Kind::EVENT,
        );
        let _ = callsite.metadata.set(metadata);
        if let Some(metadata) = callsite.metadata.get() {
            let _ = callsite.fields.set(metadata.fields().iter().collect());
        }
        registry.by_hash.entry(hash).or_default().push(callsite);
        registry.count += 1;
        callsite
    };
    // Outside the lock: registering asks every subscriber, which may log.
    tracing_core::callsite::register(callsite);
    callsite
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use tracing::field::Visit;
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

    /// Records each event's fields as `name=value` (Debug).
    #[derive(Clone, Default)]
    struct Fields(Arc<Mutex<Vec<Vec<String>>>>);

    struct Collect(Vec<String>);

    impl Visit for Collect {
        fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
            self.0.push(format!("{}={value:?}", field.name()));
        }
    }

    impl<S: tracing::Subscriber> Layer<S> for Fields {
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            let mut collect = Collect(Vec::new());
            event.record(&mut collect);
            self.0.lock().unwrap().push(collect.0);
        }
    }

    #[test]
    fn more_fields_than_tracing_allows_go_into_one_field() {
        let fields = Fields::default();
        let subscriber = tracing_subscriber::registry().with(fields.clone());
        let keys: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        let kvs: Vec<KeyValue<'_>> = keys.iter().map(|k| KeyValue::new(k, &1)).collect();
        let logger = TracingSink::new().logger().with_name("many");
        tracing::subscriber::with_default(subscriber, || {
            logger.info("Many", &kvs);
            logger.info("Few", &kvs[..2]);
        });
        let events = fields.0.lock().unwrap().clone();
        let many = (0..40)
            .map(|i| format!("k{i}=1"))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            events,
            [
                vec![
                    "message=Many".to_owned(),
                    "logger=\"many\"".to_owned(),
                    format!("key_values={many}"),
                ],
                vec![
                    "message=Few".to_owned(),
                    "logger=\"many\"".to_owned(),
                    "k0=1".to_owned(),
                    "k1=1".to_owned(),
                ],
            ]
        );
    }

    #[test]
    fn klog_text_forms() {
        assert_eq!(
            value_text_form(Value::Duration(90_000_000_000)),
            "\"1m30s\""
        );
        assert_eq!(value_text_form(Value::Null), "null");
        assert_eq!(value_text_form(Value::Str("a\nb")), "<\n\ta\n\tb\n >");
        assert_eq!(
            pairs_text(&[KeyValue::new("a", &1), KeyValue::new("b", "x")]),
            "a=1 b=\"x\""
        );
    }
}
