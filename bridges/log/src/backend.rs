//! [`KlogLog`]: `log` records written by a klog [`Logger`].

use std::cell::RefCell;
use std::error::Error;
use std::fmt::Write as _;
use std::sync::{PoisonError, RwLock};

use klog::bridge::{self, Direction};
use klog::{Callsite, KeyValue, Logger, Severity, Value};
use log::kv::{self, Key, VisitSource, VisitValue};
use log::{Level, LevelFilter, Metadata};

/// Names kept per backend (each a derived [`Logger`]); further names are derived per
/// record.
const MAX_CACHED_NAMES: usize = 32;

/// A [`log::Log`] backend that writes every record through a klog [`Logger`], keeping
/// the record's key/values (`log`'s `kv` feature), so `log` users' records come out as
/// klog text (or Kubernetes JSON, with a `JsonSink`).
///
/// | log | klog |
/// |---|---|
/// | `Error` | error record (`E`) |
/// | `Warn` | warning record (`W`), V0 |
/// | `Info` | info record (`I`), V0 |
/// | `Debug` | info record, V4 |
/// | `Trace` | info record, V5 |
///
/// - The record's key/values are the klog call's, in order, typed where klog has the
///   type (strings, integers, floats, booleans, `null`, errors); other values (`:%`,
///   `:?`, `char`s) are written as strings.
/// - A `logger` key with a string value is the klog logger name, appended to the klog
///   logger's own (`logger="…"`); it is not a key/value.
/// - A `v` key with an integer value (in a `Warn`, `Info`, `Debug` or `Trace` record)
///   sets the V level instead of the mapping above; it is not a key/value.
/// - An error under the key `err` (`err:err = e`) in an error record is the record's
///   error (klog's `err="…"`, written after the message).
/// - The file, line and module of the `log` call are the record's call site (`-vmodule`
///   applies to it). The target is not used.
/// - Verbosity (`-v`, `-vmodule`) is the klog logger's: records above it are dropped.
///   Error records are always written. `log`'s own filter, [`log::max_level`], applies
///   first: [`init`](crate::init) sets it from klog's `-v`.
///
/// ```
/// use log::Log;
///
/// let out = klog::SharedBuffer::default();
/// let klog_logger = klog::TextSink::builder()
///     .writer(out.clone())
///     .fixed_time(std::time::UNIX_EPOCH)
///     .time_zone(klog::TimeZone::Utc)
///     .pid(7)
///     .fixed_caller(Some("main.rs"), 10)
///     .build_logger();
/// let backend = klog_log::KlogLog::new(klog_logger);
/// let kvs = [("pod", log::kv::Value::from("kube-system/coredns")), ("attempt", 3.into())];
/// backend.log(
///     &log::Record::builder()
///         .level(log::Level::Info)
///         .args(format_args!("Pod status updated"))
///         .key_values(&kvs)
///         .build(),
/// );
/// assert_eq!(
///     out.to_string(),
///     "I0101 00:00:00.000000       7 main.rs:10] \"Pod status updated\" \
///      pod=\"kube-system/coredns\" attempt=3\n"
/// );
/// ```
#[derive(Debug)]
pub struct KlogLog {
    logger: Logger,
    names: RwLock<Vec<(Box<str>, Logger)>>,
}

impl KlogLog {
    /// A backend writing through `logger` (its sink, names, bound values and V offset).
    ///
    /// ```
    /// let backend = klog_log::KlogLog::new(klog::background());
    /// # let _ = backend;
    /// ```
    #[must_use]
    pub fn new(logger: Logger) -> KlogLog {
        KlogLog {
            logger,
            names: RwLock::new(Vec::new()),
        }
    }

    /// The klog logger records are written through.
    ///
    /// ```
    /// let backend = klog_log::KlogLog::new(klog::Logger::discard());
    /// assert!(!backend.logger().enabled());
    /// ```
    #[must_use]
    pub fn logger(&self) -> &Logger {
        &self.logger
    }

    /// The logger for records with a `logger` key: `self.logger` with `name` appended,
    /// derived once per name.
    fn named(&self, name: &str) -> Logger {
        let names = self.names.read().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, logger)) = names.iter().find(|(n, _)| **n == *name) {
            return logger.clone();
        }
        let full = names.len() >= MAX_CACHED_NAMES;
        drop(names);
        let logger = self.logger.with_name(name);
        if !full {
            let mut names = self.names.write().unwrap_or_else(PoisonError::into_inner);
            if names.len() < MAX_CACHED_NAMES && !names.iter().any(|(n, _)| **n == *name) {
                names.push((name.into(), logger.clone()));
            }
        }
        logger
    }

    #[inline]
    fn enabled_at(&self, callsite: Option<&Callsite>, level: i32) -> bool {
        match callsite {
            Some(callsite) => self.logger.enabled_for(level, callsite),
            None => self.logger.enabled_at(level),
        }
    }
}

/// klog's severity and V level for a `log` level: the kit's table.
#[inline]
fn klog_level(level: Level) -> (Severity, i32) {
    let level = match level {
        Level::Error => bridge::Level::Error,
        Level::Warn => bridge::Level::Warn,
        Level::Info => bridge::Level::Info,
        Level::Debug => bridge::Level::Debug,
        Level::Trace => bridge::Level::Trace,
    };
    level.to_klog()
}

/// The `log` level filter that lets through every record klog writes at `-v` `v` (the
/// level of an info record at `V(v)`: `Trace` from V5, `Debug` from V1, else `Info`), so
/// that a klog record a [`LogSink`](crate::LogSink) forwards is not dropped by `log`'s
/// own filter.
///
/// ```
/// assert_eq!(klog_log::max_level_for(0), log::LevelFilter::Info);
/// assert_eq!(klog_log::max_level_for(2), log::LevelFilter::Debug);
/// assert_eq!(klog_log::max_level_for(4), log::LevelFilter::Debug);
/// assert_eq!(klog_log::max_level_for(9), log::LevelFilter::Trace);
/// ```
#[must_use]
pub fn max_level_for(v: i32) -> LevelFilter {
    crate::sink::log_level(bridge::Level::from_klog(Severity::Info, v)).to_level_filter()
}

/// Installs a [`KlogLog`] writing through `logger` as the `log` backend
/// ([`log::set_boxed_logger`]), and sets `log`'s level filter ([`log::set_max_level`])
/// to `max_level`, or, with `None`, to what klog's global `-v` lets through
/// ([`max_level_for`]`(klog::verbosity())`: call it after setting `-v`).
///
/// # Errors
/// When a `log` backend is already installed.
///
/// ```
/// klog::set_verbosity(4);
/// klog_log::init(klog::background(), None).expect("no other log backend");
/// assert_eq!(log::max_level(), log::LevelFilter::Debug);
/// log::debug!(attempt = 3; "Retrying");
/// # klog::set_verbosity(0);
/// ```
pub fn init(logger: Logger, max_level: Option<LevelFilter>) -> Result<(), log::SetLoggerError> {
    log::set_boxed_logger(Box::new(KlogLog::new(logger)))?;
    log::set_max_level(max_level.unwrap_or_else(|| max_level_for(klog::verbosity())));
    Ok(())
}

impl log::Log for KlogLog {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        match klog_level(metadata.level()) {
            (Severity::Error, _) => !self.logger.is_discard(),
            (_, v) => self
                .logger
                .enabled_at(self.logger.verbosity().saturating_add(v)),
        }
    }

    fn log(&self, record: &log::Record<'_>) {
        // This thread is already forwarding a record to klog: the record went round.
        if bridge::active(Direction::IntoKlog) {
            return;
        }
        let (severity, mapped) = klog_level(record.level());
        let stack_callsite;
        let callsite = match record.file_static() {
            Some(file) => {
                let line = record.line().unwrap_or(0);
                let module = record.module_path_static().unwrap_or("");
                match bridge::intern_callsite(file, line, module) {
                    Some(callsite) => Some(callsite),
                    None => {
                        stack_callsite = Callsite::new(file, line, module);
                        Some(&stack_callsite)
                    }
                }
            }
            None => None,
        };
        let source = record.key_values();
        let offset = self.logger.verbosity();
        let verbose = severity != Severity::Error;
        if verbose {
            if !self.enabled_at(callsite, offset.saturating_add(mapped)) {
                // Only a `v` key can still enable it.
                match source.get(Key::from_str("v")).and_then(|v| int_value(&v)) {
                    Some(v) if self.enabled_at(callsite, offset.saturating_add(v)) => {}
                    _ => return,
                }
            }
        } else if self.logger.is_discard() {
            return;
        }

        let mut pairs = Pairs::new();
        let _ = source.visit(&mut pairs);
        let at = pairs.mark_fields(severity);
        let fields = pairs.fields(at);
        let level = offset.saturating_add(fields.v.unwrap_or(mapped));
        if verbose && fields.v.is_some_and(|v| v != mapped) && !self.enabled_at(callsite, level) {
            return;
        }
        let named;
        let logger = match fields.name {
            Some(name) => {
                named = self.named(name);
                &named
            }
            None => &self.logger,
        };
        with_message(record.args(), |message| {
            pairs.with_key_values(|kvs| {
                let record =
                    bridge::record_into_klog(severity, message, kvs, fields.error, level, callsite);
                if let Some(_forwarding) = bridge::enter(Direction::IntoKlog) {
                    logger.log(&record);
                }
            });
        });
    }

    fn flush(&self) {
        self.logger.flush();
    }
}

thread_local! {
    static MESSAGE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Calls `f` with the message as a `&str`: the literal itself, or formatted into a reused
/// buffer.
fn with_message(args: &std::fmt::Arguments<'_>, f: impl FnOnce(&str)) {
    if let Some(message) = args.as_str() {
        return f(message);
    }
    bridge::with_thread_buffer(&MESSAGE, |buf| {
        buf.clear();
        let _ = buf.write_fmt(*args);
        f(buf);
        if buf.capacity() > 16 * 1024 {
            *buf = String::new();
        }
    });
}

/// An integer value as a V level.
fn int_value(value: &kv::Value<'_>) -> Option<i32> {
    match (value.to_i64(), value.to_u64()) {
        (Some(v), _) => i32::try_from(v.max(0)).ok(),
        (None, Some(v)) => i32::try_from(v).ok(),
        _ => None,
    }
}

/// What a value is, for klog; `Other` values are written with their `Display` text.
// Not an `Option<Value>`: copying the nested enum out into each pair cost the record path
// a store-forwarding stall per pair.
#[derive(Clone, Copy)]
enum Kind<'kvs> {
    Str(&'kvs str),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
    Null,
    Error(&'kvs (dyn Error + 'static)),
    Other,
}

/// Finds a value's kind (`Other` unless a typed `visit_*` method is called).
struct Classify<'kvs>(Kind<'kvs>);

impl<'kvs> VisitValue<'kvs> for Classify<'kvs> {
    fn visit_any(&mut self, _: kv::Value<'_>) -> Result<(), kv::Error> {
        Ok(())
    }
    fn visit_null(&mut self) -> Result<(), kv::Error> {
        self.0 = Kind::Null;
        Ok(())
    }
    fn visit_u64(&mut self, value: u64) -> Result<(), kv::Error> {
        self.0 = Kind::U64(value);
        Ok(())
    }
    fn visit_i64(&mut self, value: i64) -> Result<(), kv::Error> {
        self.0 = Kind::I64(value);
        Ok(())
    }
    fn visit_u128(&mut self, value: u128) -> Result<(), kv::Error> {
        self.0 = Kind::U128(value);
        Ok(())
    }
    fn visit_i128(&mut self, value: i128) -> Result<(), kv::Error> {
        self.0 = Kind::I128(value);
        Ok(())
    }
    fn visit_f64(&mut self, value: f64) -> Result<(), kv::Error> {
        self.0 = Kind::F64(value);
        Ok(())
    }
    fn visit_bool(&mut self, value: bool) -> Result<(), kv::Error> {
        self.0 = Kind::Bool(value);
        Ok(())
    }
    fn visit_borrowed_str(&mut self, value: &'kvs str) -> Result<(), kv::Error> {
        self.0 = Kind::Str(value);
        Ok(())
    }
    fn visit_borrowed_error(&mut self, err: &'kvs (dyn Error + 'static)) -> Result<(), kv::Error> {
        self.0 = Kind::Error(err);
        Ok(())
    }
}

/// One collected pair: the key and value as `log` holds them, and the value's kind.
struct Pair<'kvs> {
    key: Key<'kvs>,
    value: kv::Value<'kvs>,
    kind: Kind<'kvs>,
    /// A `logger`, `v` or `err` pair taken as the name, level or error.
    consumed: bool,
}

impl<'kvs> Pair<'kvs> {
    fn new(key: Key<'kvs>, value: kv::Value<'kvs>) -> Pair<'kvs> {
        let mut classify = Classify(Kind::Other);
        let _ = value.visit(&mut classify);
        Pair {
            key,
            value,
            kind: classify.0,
            consumed: false,
        }
    }

    fn klog_value(&self) -> Value<'_> {
        match self.kind {
            Kind::Str(s) => Value::Str(s),
            Kind::I64(v) => Value::I64(v),
            Kind::U64(v) => Value::U64(v),
            Kind::I128(v) => Value::I128(v),
            Kind::U128(v) => Value::U128(v),
            Kind::F64(v) => Value::F64(v),
            Kind::Bool(v) => Value::Bool(v),
            Kind::Null => Value::Null,
            Kind::Error(e) => Value::Error(e),
            Kind::Other => Value::Display(&self.value),
        }
    }

    fn error(&self) -> Option<&(dyn Error + 'static)> {
        match self.kind {
            Kind::Error(e) => Some(e),
            _ => self.value.to_borrowed_error(),
        }
    }
}

/// A record's pairs, visited out of its `Source` into a reused buffer.
struct Pairs<'kvs> {
    pairs: Vec<Pair<'kvs>>,
}

impl Pairs<'_> {
    fn new() -> Self {
        Pairs {
            pairs: bridge::take_vec(&PAIR_BUFFER),
        }
    }
}

impl Drop for Pairs<'_> {
    fn drop(&mut self) {
        bridge::give_back_vec(&PAIR_BUFFER, std::mem::take(&mut self.pairs));
    }
}

/// What the pairs say besides key/values.
struct Fields<'a> {
    name: Option<&'a str>,
    v: Option<i32>,
    error: Option<&'a (dyn Error + 'static)>,
}

impl<'kvs> VisitSource<'kvs> for Pairs<'kvs> {
    fn visit_pair(&mut self, key: Key<'kvs>, value: kv::Value<'kvs>) -> Result<(), kv::Error> {
        self.pairs.push(Pair::new(key, value));
        Ok(())
    }
}

impl<'kvs> Pairs<'kvs> {
    fn iter(&self) -> impl Iterator<Item = &Pair<'kvs>> {
        self.pairs.iter()
    }

    fn get_mut(&mut self, i: usize) -> Option<&mut Pair<'kvs>> {
        self.pairs.get_mut(i)
    }

    /// Marks the pairs that are not key/values (the last of each kind wins), and returns
    /// their indices: name, level, error.
    fn mark_fields(&mut self, severity: Severity) -> [Option<usize>; 3] {
        let (mut name_at, mut v_at, mut error_at) = (None, None, None);
        for (i, pair) in self.iter().enumerate() {
            match pair.key.as_str() {
                "logger"
                    if matches!(pair.kind, Kind::Str(_))
                        || pair.value.to_borrowed_str().is_some() =>
                {
                    name_at = Some(i);
                }
                "v" if severity != Severity::Error
                    && matches!(pair.kind, Kind::I64(_) | Kind::U64(_)) =>
                {
                    v_at = Some(i);
                }
                "err" if severity == Severity::Error && pair.error().is_some() => {
                    error_at = Some(i)
                }
                _ => {}
            }
        }
        for i in [name_at, v_at, error_at].into_iter().flatten() {
            if let Some(pair) = self.get_mut(i) {
                pair.consumed = true;
            }
        }
        [name_at, v_at, error_at]
    }

    /// What the pairs at `at` (from [`mark_fields`](Self::mark_fields)) say.
    fn fields(&self, [name_at, v_at, error_at]: [Option<usize>; 3]) -> Fields<'_> {
        let nth = |i: Option<usize>| i.and_then(|i| self.iter().nth(i));
        Fields {
            name: nth(name_at).and_then(|p| match p.kind {
                Kind::Str(s) => Some(s),
                _ => p.value.to_borrowed_str(),
            }),
            v: nth(v_at).and_then(|p| int_value(&p.value)),
            error: nth(error_at).and_then(Pair::error),
        }
    }

    /// Calls `f` with the pairs as klog key/values (consumed ones left out), in a reused
    /// buffer.
    fn with_key_values(&self, f: impl FnOnce(&[KeyValue<'_>])) {
        bridge::with_key_values(
            self.iter()
                .filter(|p| !p.consumed)
                .map(|p| KeyValue::from_value(p.key.as_str(), p.klog_value())),
            f,
        );
    }
}

thread_local! {
    /// The pairs of the record being written: kept empty between records, so that their
    /// allocation serves the next one.
    static PAIR_BUFFER: RefCell<Vec<Pair<'static>>> = const { RefCell::new(Vec::new()) };
}
