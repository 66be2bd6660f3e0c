//! [`SlogSink`]: klog records forwarded to a [`slog::Logger`].

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use klog::bridge::{self, value_text, Direction, OwnedError, OwnedValue};
use klog::{KeyValue, Record, Severity, Sink, Value};
use slog::{Key, Level, RecordLocation, RecordStatic, Serializer, KV};

/// A klog [`Sink`] that forwards every record to a [`slog::Logger`], so klog calls (and
/// libraries logging through klog) end up in a slog drain.
///
/// | klog | slog |
/// |---|---|
/// | info record, V0 | `Info` |
/// | info record, V1–V4 | `Debug` |
/// | info record, V5 and above | `Trace` |
/// | warning record | `Warning` |
/// | error record | `Error` |
/// | fatal record | `Critical` |
///
/// (klog's one table, [`klog::bridge::Level`]; fatal records are slog's own `Critical`.)
///
/// - Each record's key/values are the slog record's, in order, after `logger` (the
///   logger's name, from [`with_name`](Sink::with_name)), `err` (the error of an error
///   record, as an error value) and `v` (the V level, only when the slog level does not
///   imply it: V1–V3, V6 and above, or a warning's).
/// - Values bound with [`with_values`](Sink::with_values) become the slog logger's own
///   (`o!`) values.
/// - Strings, integers, floats, booleans, `null` (slog's `None`) and errors keep their
///   types. Other values are written as strings: `Display`/`Debug` values and object
///   references with their text, durations and times as Go writes them, and lists,
///   serde values and byte slices with the text klog's format writes for them.
/// - Keys are slog's `&'static str`: each distinct klog key is copied once and kept (by
///   [`klog::bridge::intern_key`], up to 4096 keys; later ones are written as `!BADKEY`).
/// - The slog record's location is the klog call site (file, line, module; column 0).
/// - Verbosity: a klog call reaches this sink only if klog's `-v` (or `-vmodule`)
///   allows its V level; [`enabled`](Sink::enabled) then asks the slog drain
///   (`Drain::is_enabled`) for the mapped level.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use slog::Drain;
///
/// // A slog drain that keeps the messages.
/// struct Keep(Arc<Mutex<Vec<String>>>);
/// impl Drain for Keep {
///     type Ok = ();
///     type Err = slog::Never;
///     fn log(&self, r: &slog::Record<'_>, _: &slog::OwnedKVList) -> Result<(), slog::Never> {
///         self.0.lock().unwrap().push(format!("{:?} {}", r.level(), r.msg()));
///         Ok(())
///     }
/// }
///
/// let kept = Arc::new(Mutex::new(Vec::new()));
/// let slog_logger = slog::Logger::root(Keep(kept.clone()), slog::o!());
/// let logger = klog_slog::SlogSink::new(slog_logger).into_logger();
/// klog::info!(logger, "Pod status updated", attempt = 3);
/// klog::warning!(logger, "Slow response");
/// assert_eq!(*kept.lock().unwrap(), ["Info Pod status updated", "Warning Slow response"]);
/// ```
#[derive(Clone)]
pub struct SlogSink {
    logger: slog::Logger,
    name: Option<Arc<str>>,
    /// Lets klog's fast check pass records up to [`DEFAULT_MAX_VERBOSITY`](bridge::DEFAULT_MAX_VERBOSITY) to slog, which decides,
    /// while this sink or one derived from it lives.
    threshold: Arc<klog::bridge::ThresholdRegistration>,
}

impl fmt::Debug for SlogSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlogSink")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl SlogSink {
    /// A sink forwarding to `logger`.
    ///
    /// ```
    /// let slog_logger = slog::Logger::root(slog::Discard, slog::o!());
    /// let sink = klog_slog::SlogSink::new(slog_logger);
    /// # let _ = sink;
    /// ```
    #[must_use]
    pub fn new(logger: slog::Logger) -> SlogSink {
        SlogSink {
            logger,
            name: None,
            threshold: Arc::new(bridge::register_threshold(bridge::DEFAULT_MAX_VERBOSITY)),
        }
    }

    /// A klog [`Logger`](klog::Logger) writing through this sink.
    ///
    /// ```
    /// let slog_logger = slog::Logger::root(slog::Discard, slog::o!());
    /// let logger = klog_slog::SlogSink::new(slog_logger).into_logger();
    /// klog::info!(logger, "Started");
    /// ```
    #[must_use]
    pub fn into_logger(self) -> klog::Logger {
        klog::Logger::new(Arc::new(self))
    }

    /// The slog logger records are forwarded to (with the bound values).
    ///
    /// ```
    /// let slog_logger = slog::Logger::root(slog::Discard, slog::o!());
    /// let sink = klog_slog::SlogSink::new(slog_logger);
    /// slog::info!(sink.slog_logger(), "Directly through slog");
    /// ```
    pub fn slog_logger(&self) -> &slog::Logger {
        &self.logger
    }
}

/// The slog level for a klog record: the kit's table, with slog's own `Critical` for
/// fatal records.
#[inline]
fn slog_level(severity: Severity, v: i32) -> Level {
    match bridge::Level::from_klog(severity, v) {
        bridge::Level::Error if severity == Severity::Fatal => Level::Critical,
        bridge::Level::Error => Level::Error,
        bridge::Level::Warn => Level::Warning,
        bridge::Level::Info => Level::Info,
        bridge::Level::Debug => Level::Debug,
        bridge::Level::Trace => Level::Trace,
    }
}

/// The key written in place of one that could not be kept.
const OVERFLOW_KEY: &str = "!BADKEY";

/// A `'static` copy of a klog key (slog's keys are `&'static str`).
#[inline]
fn static_key(key: &str) -> &'static str {
    bridge::intern_key(key).unwrap_or(OVERFLOW_KEY)
}

impl Sink for SlogSink {
    fn enabled(&self, level: i32) -> bool {
        slog::Drain::is_enabled(&self.logger, slog_level(Severity::Info, level))
    }

    fn log(&self, record: &Record<'_>) {
        // This thread is already forwarding a record to slog: the record went round.
        let Some(_forwarding) = bridge::enter(Direction::OutOfKlog) else {
            return;
        };
        let level = slog_level(record.severity(), record.verbosity());
        let location = match record.callsite() {
            Some(c) => RecordLocation {
                file: c.file(),
                line: c.line(),
                column: 0,
                function: "",
                module: c.module_path(),
            },
            None => RecordLocation {
                file: "",
                line: 0,
                column: 0,
                function: "",
                module: "",
            },
        };
        let record_static = RecordStatic {
            location: &location,
            tag: "",
            level,
        };
        let pairs = RecordPairs {
            name: self.name.as_deref(),
            error: record.error(),
            v: bridge::carried_verbosity(record.severity(), record.verbosity()),
            pairs: record.key_values(),
        };
        self.logger.log(&slog::Record::new(
            &record_static,
            &format_args!("{}", record.message()),
            slog::BorrowedKV(&pairs),
        ));
    }

    fn with_values(&self, key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        let owned = OwnedPairs(
            key_values
                .iter()
                .map(|kv| (static_key(kv.key()), owned(kv.value())))
                .collect(),
        );
        Arc::new(SlogSink {
            logger: self.logger.new(slog::OwnedKV(owned)),
            name: self.name.clone(),
            threshold: self.threshold.clone(),
        })
    }

    fn with_name(&self, name: &str) -> Arc<dyn Sink> {
        let joined = bridge::join_name(self.name.as_deref(), name);
        Arc::new(SlogSink {
            logger: self.logger.clone(),
            name: Some(joined),
            threshold: self.threshold.clone(),
        })
    }

    fn flush(&self) {
        let _ = self.logger.flush();
    }
}

/// A slog key for a `'static` key name.
#[allow(clippy::useless_conversion)] // `Key` is `&'static str` unless slog's `dynamic-keys`.
#[inline]
fn slog_key(key: &'static str) -> Key {
    Key::from(key)
}

/// One record's pairs as slog sees them: `logger`, `err`, `v`, then the call's.
struct RecordPairs<'a> {
    name: Option<&'a str>,
    error: Option<&'a (dyn Error + 'static)>,
    v: Option<i32>,
    pairs: &'a [KeyValue<'a>],
}

impl KV for RecordPairs<'_> {
    fn serialize(&self, _: &slog::Record<'_>, serializer: &mut dyn Serializer) -> slog::Result {
        // slog's order: the last pair first.
        for kv in self.pairs.iter().rev() {
            emit(serializer, slog_key(static_key(kv.key())), kv.value())?;
        }
        if let Some(v) = self.v {
            serializer.emit_i32(slog_key("v"), v)?;
        }
        if let Some(error) = self.error {
            serializer.emit_error(slog_key("err"), error)?;
        }
        if let Some(name) = self.name {
            serializer.emit_str(slog_key("logger"), name)?;
        }
        Ok(())
    }
}

/// Writes one klog value to a slog serializer, typed where slog has the type.
fn emit(serializer: &mut dyn Serializer, key: Key, value: Value<'_>) -> slog::Result {
    match value {
        Value::Str(s) => serializer.emit_str(key, s),
        Value::I64(v) => serializer.emit_i64(key, v),
        Value::U64(v) => serializer.emit_u64(key, v),
        Value::I128(v) => serializer.emit_i128(key, v),
        Value::U128(v) => serializer.emit_u128(key, v),
        Value::F64(v) => serializer.emit_f64(key, v),
        Value::F32(v) => serializer.emit_f32(key, v),
        Value::Bool(v) => serializer.emit_bool(key, v),
        Value::Null => serializer.emit_none(key),
        Value::Error(e) => serializer.emit_error(key, e),
        Value::Display(d) => serializer.emit_arguments(key, &format_args!("{d}")),
        Value::Debug(d) => serializer.emit_arguments(key, &format_args!("{d:?}")),
        Value::Object(o) => serializer.emit_arguments(key, &format_args!("{o}")),
        other => serializer.emit_str(key, &value_text(other).into_string()),
    }
}

/// A value bound with `with_values`, as the sink keeps it: typed where slog has the
/// type, errors as their text, anything else as its text (a string).
fn owned(value: Value<'_>) -> OwnedValue {
    OwnedValue::typed(value).unwrap_or_else(|| match value {
        Value::F32(v) => OwnedValue::F32(v),
        Value::Null => OwnedValue::Null,
        Value::Error(e) => OwnedValue::Error(Box::new(OwnedError::from_text(e.to_string()))),
        Value::Display(d) => OwnedValue::Str(d.to_string().into()),
        Value::Debug(d) => OwnedValue::Str(format!("{d:?}").into()),
        Value::Object(o) => OwnedValue::Str(o.to_string().into()),
        other => OwnedValue::Str(value_text(other).into_string().into()),
    })
}

/// Writes a bound value to a slog serializer.
fn emit_owned(serializer: &mut dyn Serializer, key: Key, value: &OwnedValue) -> slog::Result {
    match value {
        OwnedValue::Str(s) | OwnedValue::Text(s) => serializer.emit_str(key, s),
        OwnedValue::I64(v) => serializer.emit_i64(key, *v),
        OwnedValue::U64(v) => serializer.emit_u64(key, *v),
        OwnedValue::I128(v) => serializer.emit_i128(key, *v),
        OwnedValue::U128(v) => serializer.emit_u128(key, *v),
        OwnedValue::F64(v) => serializer.emit_f64(key, *v),
        OwnedValue::F32(v) => serializer.emit_f32(key, *v),
        OwnedValue::Bool(v) => serializer.emit_bool(key, *v),
        OwnedValue::Null => serializer.emit_none(key),
        OwnedValue::Error(e) => serializer.emit_error(key, &**e),
        OwnedValue::Bytes(b) => emit(serializer, key, Value::Bytes(b)),
    }
}

/// Values bound with `with_values`: the slog logger's `o!` values.
struct OwnedPairs(Vec<(&'static str, OwnedValue)>);

impl KV for OwnedPairs {
    fn serialize(&self, _: &slog::Record<'_>, serializer: &mut dyn Serializer) -> slog::Result {
        // slog's order: the last pair first.
        for (key, value) in self.0.iter().rev() {
            emit_owned(serializer, slog_key(key), value)?;
        }
        Ok(())
    }
}
