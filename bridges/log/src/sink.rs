//! [`LogSink`]: klog records forwarded to the `log` facade (or to a given `log::Log`).

use std::error::Error;
use std::fmt;
use std::io::Write as _;
use std::sync::Arc;

use klog::bridge::{self, Direction, OwnedError, OwnedValue};
use klog::{Callsite, KeyValue, Record, Severity, Sink, Value};
use log::kv::{self, Key, Source, VisitSource};
use log::{Level, Log, Metadata};

/// The target of records without a call site module path.
const DEFAULT_TARGET: &str = "klog";
/// Call pairs prepared on the stack.
const INLINE_PAIRS: usize = 32;

/// A klog [`Sink`] that forwards every record to the `log` facade ([`log::logger`]), or
/// to a given [`log::Log`], with its key/values (`log`'s `kv` feature).
///
/// | klog | log |
/// |---|---|
/// | info record, V0 | `Info` |
/// | info record, V1–V4 | `Debug` |
/// | info record, V5 and above | `Trace` |
/// | warning record | `Warn` |
/// | error and fatal records | `Error` |
///
/// (klog's one table, [`klog::bridge::Level`].)
///
/// - The `log` record's key/values are, in order: `logger` (the logger's name, from
///   [`with_name`](Sink::with_name)), `err` (the error of an error record, as an error
///   value), `v` (the V level, only when the `log` level does not imply it: V1–V3, V6
///   and above, or a warning's), the values bound with
///   [`with_values`](Sink::with_values), then the call's.
/// - Strings, integers, 64-bit floats, booleans, `null` and errors keep their types;
///   32-bit floats become the 64-bit float of their shortest decimal form (`0.1f32` is
///   `0.1`); other values are written as strings: `Display`/`Debug` values and object
///   references with their text, durations and times as Go writes them, lists, serde
///   values and byte slices with the text klog's format writes for them.
/// - The target is the call site's module path (`klog` when unknown); file, line and
///   module path are the klog call site's.
/// - Verbosity: a klog call reaches this sink only if klog's `-v` (or `-vmodule`)
///   allows its V level; [`enabled`](Sink::enabled) then asks `log`
///   ([`log::max_level`] and the backend's `enabled`) about the mapped level. Records
///   above [`log::max_level`] are not forwarded to the facade.
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// // A `log` backend that keeps what it receives.
/// #[derive(Default)]
/// struct Keep(Mutex<Vec<String>>);
/// impl log::Log for Keep {
///     fn enabled(&self, _: &log::Metadata<'_>) -> bool { true }
///     fn log(&self, record: &log::Record<'_>) {
///         let attempt = record.key_values().get(log::kv::Key::from_str("attempt"));
///         self.0.lock().unwrap().push(format!("{} {} attempt={attempt:?}", record.level(), record.args()));
///     }
///     fn flush(&self) {}
/// }
///
/// let keep = Arc::new(Keep::default());
/// let logger = klog_log::LogSink::with_log(keep.clone()).into_logger();
/// klog::info!(logger, "Pod status updated", attempt = 3);
/// assert_eq!(*keep.0.lock().unwrap(), ["INFO Pod status updated attempt=Some(3)"]);
/// ```
#[derive(Clone)]
pub struct LogSink {
    backend: Option<Arc<dyn Log>>,
    name: Option<Arc<str>>,
    bound: Arc<[(Box<str>, OwnedValue)]>,
    /// Lets klog's fast check pass records up to [`DEFAULT_MAX_VERBOSITY`](bridge::DEFAULT_MAX_VERBOSITY) to `log`, which
    /// decides, while this sink or one derived from it lives.
    threshold: Arc<klog::bridge::ThresholdRegistration>,
}

impl fmt::Debug for LogSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSink")
            .field("facade", &self.backend.is_none())
            .field("name", &self.name)
            .field("bound", &self.bound)
            .finish()
    }
}

impl Default for LogSink {
    fn default() -> Self {
        LogSink::new()
    }
}

impl LogSink {
    /// A sink forwarding to the `log` facade: the backend installed with
    /// [`log::set_logger`], filtered by [`log::max_level`].
    ///
    /// ```
    /// let logger = klog_log::LogSink::new().into_logger();
    /// klog::info!(logger, "Through log");
    /// ```
    #[must_use]
    pub fn new() -> LogSink {
        LogSink {
            backend: None,
            name: None,
            bound: Arc::new([]),
            threshold: Arc::new(bridge::register_threshold(bridge::DEFAULT_MAX_VERBOSITY)),
        }
    }

    /// A sink forwarding to `backend` directly (not through the facade, nor its
    /// [`log::max_level`]).
    ///
    /// ```
    /// let backend = std::sync::Arc::new(klog_log::KlogLog::new(klog::Logger::discard()));
    /// let logger = klog_log::LogSink::with_log(backend).into_logger();
    /// klog::info!(logger, "Through a given backend");
    /// ```
    #[must_use]
    pub fn with_log(backend: Arc<dyn Log>) -> LogSink {
        LogSink {
            backend: Some(backend),
            ..LogSink::new()
        }
    }

    /// A klog [`Logger`](klog::Logger) writing through this sink.
    ///
    /// ```
    /// let logger = klog_log::LogSink::new().into_logger().with_name("controller");
    /// # let _ = logger;
    /// ```
    #[must_use]
    pub fn into_logger(self) -> klog::Logger {
        klog::Logger::new(Arc::new(self))
    }

    fn backend(&self) -> &dyn Log {
        match &self.backend {
            Some(backend) => &**backend,
            None => log::logger(),
        }
    }

    fn enabled_with_target(&self, level: Level, target: &str) -> bool {
        (self.backend.is_some() || level <= log::max_level())
            && self
                .backend()
                .enabled(&Metadata::builder().level(level).target(target).build())
    }
}

/// The `log` level of a level of the kit's table.
#[inline]
pub(crate) fn log_level(level: bridge::Level) -> Level {
    match level {
        bridge::Level::Error => Level::Error,
        bridge::Level::Warn => Level::Warn,
        bridge::Level::Info => Level::Info,
        bridge::Level::Debug => Level::Debug,
        bridge::Level::Trace => Level::Trace,
    }
}

/// The `log` level of an info record at `V(v)`.
#[inline]
fn info_level(v: i32) -> Level {
    log_level(bridge::Level::from_klog(Severity::Info, v))
}

fn target(callsite: Option<&Callsite>) -> &'static str {
    match callsite.map(Callsite::module_path) {
        Some(module) if !module.is_empty() => module,
        _ => DEFAULT_TARGET,
    }
}

impl Sink for LogSink {
    fn enabled(&self, level: i32) -> bool {
        self.enabled_with_target(info_level(level), DEFAULT_TARGET)
    }

    fn enabled_for(&self, level: i32, callsite: &Callsite) -> bool {
        self.enabled_with_target(info_level(level), target(Some(callsite)))
    }

    fn log(&self, record: &Record<'_>) {
        let level = log_level(bridge::Level::from_klog(
            record.severity(),
            record.verbosity(),
        ));
        if self.backend.is_none() && level > log::max_level() {
            return;
        }
        // This thread is already forwarding a record to log: the record went round.
        let Some(_forwarding) = bridge::enter(Direction::OutOfKlog) else {
            return;
        };
        let callsite = record.callsite();
        let call = record.key_values();
        let mut values = [Shown(Value::Null); INLINE_PAIRS];
        let spill: Vec<Shown<'_>>;
        let values: &[Shown<'_>] = if call.len() <= INLINE_PAIRS {
            for (slot, kv) in values.iter_mut().zip(call) {
                *slot = Shown(kv.value());
            }
            &values[..call.len()]
        } else {
            spill = call.iter().map(|kv| Shown(kv.value())).collect();
            &spill
        };
        let pairs = RecordPairs {
            name: self.name.as_deref(),
            error: record.error(),
            v: bridge::carried_verbosity(record.severity(), record.verbosity()),
            bound: &self.bound,
            call,
            values,
        };
        self.backend().log(
            &log::Record::builder()
                .level(level)
                .target(target(callsite))
                .args(format_args!("{}", record.message()))
                .file_static(callsite.map(Callsite::file))
                .line(callsite.map(Callsite::line))
                .module_path_static(
                    callsite
                        .map(Callsite::module_path)
                        .filter(|m| !m.is_empty()),
                )
                .key_values(&pairs)
                .build(),
        );
    }

    fn with_values(&self, key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        let bound = self
            .bound
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .chain(
                key_values
                    .iter()
                    .map(|kv| (kv.key().into(), owned(kv.value()))),
            )
            .collect();
        Arc::new(LogSink {
            backend: self.backend.clone(),
            name: self.name.clone(),
            bound,
            threshold: self.threshold.clone(),
        })
    }

    fn with_name(&self, name: &str) -> Arc<dyn Sink> {
        let joined = bridge::join_name(self.name.as_deref(), name);
        Arc::new(LogSink {
            backend: self.backend.clone(),
            name: Some(joined),
            bound: self.bound.clone(),
            threshold: self.threshold.clone(),
        })
    }

    fn flush(&self) {
        self.backend().flush();
    }
}

/// A klog value shown with the text klog's format writes for it (strings unquoted), for
/// the values `log` has no type for.
#[derive(Clone, Copy)]
struct Shown<'a>(Value<'a>);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::Object(o) => fmt::Display::fmt(&o, f),
            other => f.write_str(&bridge::value_text(other).into_string()),
        }
    }
}

/// The 64-bit float of `v`'s shortest decimal form: `0.1f32` is `0.1`, not
/// `0.10000000149011612` (`log`'s values have no 32-bit floats).
fn f32_as_f64(v: f32) -> f64 {
    let mut buf = [0u8; 32];
    let mut cursor = std::io::Cursor::new(&mut buf[..]);
    if !v.is_finite() || write!(cursor, "{v:e}").is_err() {
        return f64::from(v);
    }
    let len = usize::try_from(cursor.position()).unwrap_or(0);
    std::str::from_utf8(&buf[..len])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(f64::from(v))
}

/// A `log` value for a klog value, borrowing it.
fn log_value<'k>(value: &'k Shown<'_>) -> kv::Value<'k> {
    match value.0 {
        Value::Str(s) => kv::Value::from(s),
        Value::I64(v) => kv::Value::from(v),
        Value::U64(v) => kv::Value::from(v),
        Value::I128(v) => kv::Value::from(v),
        Value::U128(v) => kv::Value::from(v),
        Value::F64(v) => kv::Value::from(v),
        Value::F32(v) => kv::Value::from(f32_as_f64(v)),
        Value::Bool(v) => kv::Value::from(v),
        Value::Null => kv::Value::null(),
        Value::Error(e) => kv::Value::from_dyn_error(e),
        Value::Display(d) => kv::Value::from_dyn_display(d),
        Value::Debug(d) => kv::Value::from_dyn_debug(d),
        _ => kv::Value::from_display(value),
    }
}

/// One record's pairs as `log` sees them.
struct RecordPairs<'a> {
    name: Option<&'a str>,
    error: Option<&'a (dyn Error + 'static)>,
    v: Option<i32>,
    bound: &'a [(Box<str>, OwnedValue)],
    call: &'a [KeyValue<'a>],
    /// The call's values, where the `log` values can borrow them.
    values: &'a [Shown<'a>],
}

impl Source for RecordPairs<'_> {
    fn visit<'kvs>(&'kvs self, visitor: &mut dyn VisitSource<'kvs>) -> Result<(), kv::Error> {
        if let Some(name) = self.name {
            visitor.visit_pair(Key::from_str("logger"), kv::Value::from(name))?;
        }
        if let Some(error) = self.error {
            visitor.visit_pair(Key::from_str("err"), kv::Value::from_dyn_error(error))?;
        }
        if let Some(v) = self.v {
            visitor.visit_pair(Key::from_str("v"), kv::Value::from(v))?;
        }
        for (key, value) in self.bound {
            visitor.visit_pair(Key::from_str(key), bound_value(value))?;
        }
        for (kv, value) in self.call.iter().zip(self.values) {
            visitor.visit_pair(Key::from_str(kv.key()), log_value(value))?;
        }
        Ok(())
    }

    fn count(&self) -> usize {
        usize::from(self.name.is_some())
            + usize::from(self.error.is_some())
            + usize::from(self.v.is_some())
            + self.bound.len()
            + self.call.len()
    }
}

/// A value bound with `with_values`, as the sink keeps it: typed where `log` has the
/// type (32-bit floats widened as [`f32_as_f64`] does), errors as their text, anything
/// else as its text (a string).
fn owned(value: Value<'_>) -> OwnedValue {
    OwnedValue::typed(value).unwrap_or_else(|| match value {
        Value::F32(v) => OwnedValue::F64(f32_as_f64(v)),
        Value::Null => OwnedValue::Null,
        Value::Error(e) => OwnedValue::Error(Box::new(OwnedError::from_text(e.to_string()))),
        other => OwnedValue::Str(Shown(other).to_string().into()),
    })
}

/// A `log` value for a bound value, borrowing it.
fn bound_value(value: &OwnedValue) -> kv::Value<'_> {
    match value {
        OwnedValue::Str(s) | OwnedValue::Text(s) => kv::Value::from(&**s),
        OwnedValue::I64(v) => kv::Value::from(*v),
        OwnedValue::U64(v) => kv::Value::from(*v),
        OwnedValue::I128(v) => kv::Value::from(*v),
        OwnedValue::U128(v) => kv::Value::from(*v),
        OwnedValue::F64(v) => kv::Value::from(*v),
        OwnedValue::F32(v) => kv::Value::from(f32_as_f64(*v)),
        OwnedValue::Bool(v) => kv::Value::from(*v),
        OwnedValue::Null => kv::Value::null(),
        OwnedValue::Error(e) => kv::Value::from_dyn_error(&**e),
        // `owned` keeps bytes as their text; shown as `Debug` should another path keep them.
        OwnedValue::Bytes(b) => kv::Value::from_dyn_debug(b),
    }
}
