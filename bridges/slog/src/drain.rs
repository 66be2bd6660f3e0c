//! [`KlogDrain`]: slog records written by a klog [`Logger`].

use std::cell::RefCell;
use std::error::Error;
use std::fmt::{self, Write as _};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use klog::bridge::{self, Direction};
use klog::{Callsite, KeyValue, Logger, Severity, Value};
use slog::{Key, Level, OwnedKVList, Serializer, KV};

/// Derived loggers kept per drain (one per distinct name and `o!` values); when full, the
/// oldest is replaced.
const MAX_DERIVED: usize = 32;

/// A [`slog::Drain`] that writes every record through a klog [`Logger`], so a slog user's
/// records come out as klog text (or Kubernetes JSON, with a `JsonSink`).
///
/// | slog | klog |
/// |---|---|
/// | `Critical`, `Error` | error record (`E`) |
/// | `Warning` | warning record (`W`), V0 |
/// | `Info` | info record (`I`), V0 |
/// | `Debug` | info record, V4 |
/// | `Trace` | info record, V5 |
///
/// - The slog logger's `o!` values are the klog logger's bound values (`with_values`),
///   the record's key/values the call's: the output is that of a klog logger derived with
///   `with_values`, in text and JSON alike. The derived klog loggers are kept (up to 32
///   per drain, one per distinct set of `o!` values and name), so binding costs nothing
///   per record once a slog logger has logged; `o!` values that change on every record
///   (a closure returning a counter) derive a logger each time.
/// - A `logger` key with a string value (in `o!` or in the record) is the klog logger
///   name, appended to the klog logger's own (`logger="…"`); it is not a key/value.
/// - A `v` key with an integer value in a `Warning`, `Info`, `Debug` or `Trace` record
///   sets the V level instead of the mapping above; it is not a key/value.
/// - An error value under the key `err` (`"err" => #err`) in an error record is the
///   record's error (klog's `err="…"`, written after the message).
/// - The file, line and module of the slog call are the record's call site (`-vmodule`
///   applies to it).
/// - Verbosity (`-v`, `-vmodule`) is the klog logger's: records above it are dropped.
///   Error records are always written.
/// - Values keep their types where klog has them (strings, integers, floats, booleans,
///   `None`, errors, bytes); `%`/`?` and other formatted values are strings, and nested
///   (serde) values are strings holding their JSON.
///
/// ```
/// use slog::{info, o};
///
/// let out = klog::SharedBuffer::default();
/// let klog_logger = klog::TextSink::builder()
///     .writer(out.clone())
///     .fixed_time(std::time::UNIX_EPOCH)
///     .time_zone(klog::TimeZone::Utc)
///     .pid(7)
///     .fixed_caller(Some("main.rs"), 10)
///     .build_logger();
/// let log = slog::Logger::root(klog_slog::KlogDrain::new(klog_logger), o!("node" => "worker-1"));
/// info!(log, "Pod status updated"; "pod" => "kube-system/coredns", "attempt" => 3);
/// assert_eq!(
///     out.to_string(),
///     "I0101 00:00:00.000000       7 main.rs:10] \"Pod status updated\" \
///      node=\"worker-1\" pod=\"kube-system/coredns\" attempt=3\n"
/// );
/// ```
#[derive(Debug)]
pub struct KlogDrain {
    // slog wants drains to be `RefUnwindSafe`; klog sinks are written not to be left
    // inconsistent by a panic (one `write_all` per record).
    logger: AssertUnwindSafe<Logger>,
    derived: RwLock<Vec<Arc<Derived>>>,
    /// The next entry of `derived` to replace once it is full.
    next_evicted: AtomicUsize,
}

/// A klog logger derived for a name and a set of `o!` values, with what it was derived
/// from (compared as collected: same keys, same values, same order).
#[derive(Debug)]
struct Derived {
    name: Option<Box<str>>,
    items: Box<[Item]>,
    text: Box<str>,
    bytes: Box<[u8]>,
    logger: AssertUnwindSafe<Logger>,
}

impl KlogDrain {
    /// A drain writing through `logger` (its sink, names, bound values and V offset).
    ///
    /// ```
    /// let drain = klog_slog::KlogDrain::new(klog::background());
    /// let log = slog::Logger::root(drain, slog::o!());
    /// slog::info!(log, "Started"; "port" => 8080);
    /// ```
    #[must_use]
    pub fn new(logger: Logger) -> KlogDrain {
        KlogDrain {
            logger: AssertUnwindSafe(logger),
            derived: RwLock::new(Vec::new()),
            next_evicted: AtomicUsize::new(0),
        }
    }

    /// The klog logger records are written through.
    ///
    /// ```
    /// let drain = klog_slog::KlogDrain::new(klog::Logger::discard());
    /// assert!(!drain.logger().enabled());
    /// ```
    #[must_use]
    pub fn logger(&self) -> &Logger {
        &self.logger
    }

    /// Whether an info or warning record at `level` (offset included) is written.
    #[inline]
    fn enabled(&self, callsite: Option<&Callsite>, level: i32) -> bool {
        match callsite {
            Some(callsite) => self.logger.enabled_for(level, callsite),
            None => self.logger.enabled_at(level),
        }
    }

    /// The klog logger for the collected name and `o!` values: kept, or derived now.
    fn derive(&self, c: &Collector, name: Option<&str>) -> Logger {
        let bound = c.bound();
        {
            let derived = self.derived.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(d) = derived.iter().find(|d| {
                same_bytes(
                    d.name.as_deref().map(str::as_bytes),
                    name.map(str::as_bytes),
                ) && same_items(&d.items, bound.items)
                    && same_bytes(Some(d.text.as_bytes()), Some(bound.text.as_bytes()))
                    && same_bytes(Some(&d.bytes), Some(bound.bytes))
            }) {
                return d.logger.0.clone();
            }
        }
        let mut logger = self.logger.0.clone();
        if let Some(name) = name {
            logger = logger.with_name(name);
        }
        if bound.items.iter().any(|item| !item.consumed) {
            c.with_pairs(bound.items, |pairs| logger = logger.with_values(pairs));
        }
        let entry = Arc::new(Derived {
            name: name.map(Into::into),
            items: bound.items.into(),
            text: bound.text.into(),
            bytes: bound.bytes.into(),
            logger: AssertUnwindSafe(logger.clone()),
        });
        let mut derived = self.derived.write().unwrap_or_else(PoisonError::into_inner);
        if derived.len() < MAX_DERIVED {
            derived.push(entry);
        } else {
            let i = self.next_evicted.fetch_add(1, Ordering::Relaxed) % MAX_DERIVED;
            derived[i] = entry;
        }
        logger
    }
}

/// Whether `a` and `b` hold the same bytes, compared 8 at a time: the contents compared
/// here are short, and a call to `memcmp` per comparison cost more than the comparison.
#[inline]
fn same_bytes(a: Option<&[u8]>, b: Option<&[u8]>) -> bool {
    let (a, b) = match (a, b) {
        (Some(a), Some(b)) => (a, b),
        (None, None) => return true,
        _ => return false,
    };
    if a.len() != b.len() {
        return false;
    }
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let (a_rest, b_rest) = (a_chunks.remainder(), b_chunks.remainder());
    let word = |c: &[u8]| u64::from_ne_bytes(c.try_into().unwrap_or([0; 8]));
    a_chunks.zip(b_chunks).all(|(x, y)| word(x) == word(y))
        && a_rest.iter().zip(b_rest).all(|(x, y)| x == y)
}

/// Whether two lists of collected items are the same: same keys and values (floats bit
/// for bit: `-0.0` and `0.0` are written differently), taken the same way.
fn same_items(a: &[Item], b: &[Item]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.key == y.key
                && x.consumed == y.consumed
                && match (x.slot, y.slot) {
                    (Slot::Static(p), Slot::Static(q)) => {
                        same_bytes(Some(p.as_bytes()), Some(q.as_bytes()))
                    }
                    (Slot::F64(p), Slot::F64(q)) => p.to_bits() == q.to_bits(),
                    (Slot::F32(p), Slot::F32(q)) => p.to_bits() == q.to_bits(),
                    (p, q) => p == q,
                }
        })
}

/// klog's severity and V level for a slog level: the kit's table.
#[inline]
fn klog_level(level: Level) -> (Severity, i32) {
    let level = match level {
        Level::Critical | Level::Error => bridge::Level::Error,
        Level::Warning => bridge::Level::Warn,
        Level::Info => bridge::Level::Info,
        Level::Debug => bridge::Level::Debug,
        Level::Trace => bridge::Level::Trace,
    };
    level.to_klog()
}

impl slog::Drain for KlogDrain {
    type Ok = ();
    type Err = slog::Never;

    fn log(&self, record: &slog::Record<'_>, values: &OwnedKVList) -> Result<(), slog::Never> {
        // This thread is already forwarding a record to klog: the record went round.
        if bridge::active(Direction::IntoKlog) {
            return Ok(());
        }
        let (severity, mapped) = klog_level(record.level());
        let stack_callsite;
        let callsite = if record.file().is_empty() {
            None
        } else {
            match bridge::intern_callsite(record.file(), record.line(), record.module()) {
                Some(callsite) => Some(callsite),
                None => {
                    stack_callsite = Callsite::new(record.file(), record.line(), record.module());
                    Some(&stack_callsite)
                }
            }
        };
        let offset = self.logger.verbosity();
        let verbose = severity != Severity::Error;
        if verbose {
            if !self.enabled(callsite, offset.saturating_add(mapped)) {
                // Only a `v` key can still enable it.
                match find_v(record) {
                    Some(v) if self.enabled(callsite, offset.saturating_add(v)) => {}
                    _ => return Ok(()),
                }
            }
        } else if self.logger.is_discard() {
            return Ok(());
        }
        with_collector(|c| {
            c.collect(record, values, severity);
            let level = offset.saturating_add(c.v.unwrap_or(mapped));
            if verbose && c.v.is_some_and(|v| v != mapped) && !self.enabled(callsite, level) {
                return;
            }
            let name = c.name();
            let derived;
            let logger = if name.is_none() && c.bound == 0 {
                &self.logger.0
            } else {
                derived = self.derive(c, name);
                &derived
            };
            let message = c.static_message.unwrap_or(&c.message);
            let error = c.error.then_some(&c.error_text as &(dyn Error + 'static));
            c.with_pairs(&c.items[c.bound..], |pairs| {
                // Built here rather than with `klog::bridge::record_into_klog`: returning the
                // record from it cost this path a few percent (the `slog_to_klog` bench).
                let mut record = klog::Record::new(severity, message, pairs).with_error(error);
                if verbose {
                    record = record.with_verbosity(level);
                }
                if let Some(callsite) = callsite {
                    record = record.with_callsite(callsite);
                }
                if let Some(_forwarding) = bridge::enter(Direction::IntoKlog) {
                    logger.log(&record);
                }
            });
        });
        Ok(())
    }

    fn is_enabled(&self, level: Level) -> bool {
        match klog_level(level) {
            (Severity::Error, _) => !self.logger.is_discard(),
            (_, v) => self
                .logger
                .enabled_at(self.logger.verbosity().saturating_add(v)),
        }
    }
}

/// The record's `v` key's value, without collecting anything else (for records whose
/// mapped level is disabled).
fn find_v(record: &slog::Record<'_>) -> Option<i32> {
    let mut scan = FindV(None);
    let _ = record.kv().serialize(record, &mut scan);
    scan.0
}

/// Finds the first `v` pair of slog's reversed order: the last one written.
struct FindV(Option<i32>);

macro_rules! find_v_int {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(&mut self, key: Key, value: $t) -> slog::Result {
            if self.0.is_none() && key_str(&key) == "v" {
                self.0 = i32::try_from(value).ok().map(|v| v.max(0));
            }
            Ok(())
        }
    )*};
}

impl Serializer for FindV {
    find_v_int!(emit_u8: u8, emit_i8: i8, emit_u16: u16, emit_i16: i16, emit_u32: u32,
        emit_i32: i32, emit_u64: u64, emit_i64: i64, emit_usize: usize, emit_isize: isize);

    fn emit_arguments(&mut self, _: Key, _: &fmt::Arguments<'_>) -> slog::Result {
        Ok(())
    }
}

/// A key as a `&str`, whether slog's keys are `&'static str` or (with slog's
/// `dynamic-keys` feature) its own type.
#[inline]
fn key_str<K: AsRef<str> + ?Sized>(key: &K) -> &str {
    key.as_ref()
}

/// A collected value; strings and bytes live in the collector's buffers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Slot {
    Static(&'static str),
    Str(u32, u32),
    Bytes(u32, u32),
    /// An error's `Display` text (in `text`).
    Error(u32, u32),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    F32(f32),
    Bool(bool),
    Null,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Item {
    key: (u32, u32),
    slot: Slot,
    /// A `logger`, `v` or `err` pair taken as the name, level or error.
    consumed: bool,
}

/// An error record's error, as text.
#[derive(Debug, Default)]
struct ErrorText(String);

impl fmt::Display for ErrorText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for ErrorText {}

/// A record's message and key/values, copied out of slog's serializer calls into reused
/// buffers: first the `o!` values (`items[..bound]`, their text and bytes first in the
/// buffers), then the record's.
#[derive(Debug, Default)]
struct Collector {
    text: String,
    bytes: Vec<u8>,
    items: Vec<Item>,
    /// How many items are `o!` values.
    bound: usize,
    /// Where the `o!` values' text and bytes end.
    bound_text: usize,
    bound_bytes: usize,
    /// The message, when it is not a string literal.
    message: String,
    /// The message, when it is a string literal.
    static_message: Option<&'static str>,
    /// The name: the index of the last `logger` pair with a string value.
    name_at: Option<usize>,
    /// The record's `v`.
    v: Option<i32>,
    /// Whether `error_text` holds the error record's error.
    error: bool,
    error_text: ErrorText,
}

/// The `o!` values as collected: compared to find a derived logger.
struct Bound<'a> {
    items: &'a [Item],
    text: &'a str,
    bytes: &'a [u8],
}

thread_local! {
    static COLLECTOR: RefCell<Collector> = RefCell::new(Collector::default());
}

/// Runs `f` with this thread's collector, or a fresh one when it is in use (a value that
/// logs through slog while being serialized) or gone (thread teardown).
fn with_collector(f: impl FnOnce(&mut Collector)) {
    bridge::with_thread_buffer(&COLLECTOR, |c| {
        f(c);
        c.shrink();
    });
}

fn range(start: usize, end: usize) -> (u32, u32) {
    (
        u32::try_from(start).unwrap_or(u32::MAX),
        u32::try_from(end).unwrap_or(u32::MAX),
    )
}

fn get(s: &str, (start, end): (u32, u32)) -> &str {
    s.get(start as usize..end as usize).unwrap_or("")
}

impl Collector {
    /// Keeps one huge record from pinning memory in the thread.
    fn shrink(&mut self) {
        const KEEP: usize = 16 * 1024;
        if self.text.capacity() > KEEP
            || self.bytes.capacity() > KEEP
            || self.message.capacity() > KEEP
            || self.items.capacity() > 1024
        {
            *self = Collector::default();
        }
    }

    fn collect(&mut self, record: &slog::Record<'_>, values: &OwnedKVList, severity: Severity) {
        self.text.clear();
        self.bytes.clear();
        self.items.clear();
        self.message.clear();
        self.name_at = None;
        self.v = None;
        self.error = false;
        // slog serializes pairs last first, and a logger's `o!` values before its
        // parent's: reversing each part gives the order they were written in.
        let _ = values.serialize(record, self);
        self.items.reverse();
        self.bound = self.items.len();
        self.bound_text = self.text.len();
        self.bound_bytes = self.bytes.len();
        let _ = record.kv().serialize(record, self);
        self.items[self.bound..].reverse();
        self.static_message = record.msg().as_str();
        if self.static_message.is_none() {
            let _ = write!(self.message, "{}", record.msg());
        }
        self.take_fields(severity);
    }

    /// Marks the pairs that are not key/values (the last of each kind wins): `logger`
    /// anywhere; `v` and `err` among the record's own.
    fn take_fields(&mut self, severity: Severity) {
        let mut error_at = None;
        let mut v_at = None;
        for i in 0..self.items.len() {
            let item = self.items[i];
            match (get(&self.text, item.key), item.slot) {
                ("logger", Slot::Static(_) | Slot::Str(..)) => {
                    self.items[i].consumed = true;
                    self.name_at = Some(i);
                }
                ("v", Slot::I64(_) | Slot::U64(_))
                    if i >= self.bound && severity != Severity::Error =>
                {
                    v_at = Some(i);
                }
                ("err", Slot::Error(..)) if i >= self.bound && severity == Severity::Error => {
                    error_at = Some(i);
                }
                _ => {}
            }
        }
        if let Some(i) = v_at {
            self.items[i].consumed = true;
            self.v = match self.items[i].slot {
                Slot::I64(v) => i32::try_from(v.max(0)).ok(),
                Slot::U64(v) => i32::try_from(v).ok(),
                _ => None,
            };
        }
        if let Some(i) = error_at {
            self.items[i].consumed = true;
            if let Slot::Error(a, b) = self.items[i].slot {
                self.error = true;
                self.error_text.0.clear();
                self.error_text.0.push_str(get(&self.text, (a, b)));
            }
        }
    }

    fn name(&self) -> Option<&str> {
        match self.items[self.name_at?].slot {
            Slot::Static(s) => Some(s),
            Slot::Str(a, b) => Some(get(&self.text, (a, b))),
            _ => None,
        }
    }

    fn bound(&self) -> Bound<'_> {
        Bound {
            items: &self.items[..self.bound],
            text: &self.text[..self.bound_text],
            bytes: &self.bytes[..self.bound_bytes],
        }
    }

    fn value(&self, slot: Slot) -> Value<'_> {
        match slot {
            Slot::Static(s) => Value::Str(s),
            Slot::Str(a, b) | Slot::Error(a, b) => Value::Str(get(&self.text, (a, b))),
            Slot::Bytes(a, b) => {
                Value::Bytes(self.bytes.get(a as usize..b as usize).unwrap_or(&[]))
            }
            Slot::I64(v) => Value::I64(v),
            Slot::U64(v) => Value::U64(v),
            Slot::I128(v) => Value::I128(v),
            Slot::U128(v) => Value::U128(v),
            Slot::F64(v) => Value::F64(v),
            Slot::F32(v) => Value::F32(v),
            Slot::Bool(v) => Value::Bool(v),
            Slot::Null => Value::Null,
        }
    }

    /// Calls `f` with `items` as klog pairs (consumed ones left out), in a reused buffer.
    fn with_pairs(&self, items: &[Item], f: impl FnOnce(&[KeyValue<'_>])) {
        bridge::with_key_values(
            items
                .iter()
                .filter(|item| !item.consumed)
                .map(|item| KeyValue::from_value(get(&self.text, item.key), self.value(item.slot))),
            f,
        );
    }

    fn push(&mut self, key: &str, slot: Slot) {
        let start = self.text.len();
        self.text.push_str(key);
        let key = range(start, self.text.len());
        self.items.push(Item {
            key,
            slot,
            consumed: false,
        });
    }

    fn push_text(&mut self, key: &str, error: bool, f: impl FnOnce(&mut String) -> fmt::Result) {
        // The key first, then the value (`push` would copy the key after it).
        let key_start = self.text.len();
        self.text.push_str(key);
        let key = range(key_start, self.text.len());
        let start = self.text.len();
        if f(&mut self.text).is_err() {
            self.text.truncate(start);
            self.text.push_str("<fmt error>");
        }
        let (a, b) = range(start, self.text.len());
        self.items.push(Item {
            key,
            slot: if error {
                Slot::Error(a, b)
            } else {
                Slot::Str(a, b)
            },
            consumed: false,
        });
    }
}

macro_rules! emit_as {
    ($($method:ident: $t:ty => $variant:ident),* $(,)?) => {$(
        fn $method(&mut self, key: Key, value: $t) -> slog::Result {
            self.push(key_str(&key), Slot::$variant(value.into()));
            Ok(())
        }
    )*};
}

impl Serializer for Collector {
    emit_as!(
        emit_u8: u8 => U64, emit_u16: u16 => U64, emit_u32: u32 => U64, emit_u64: u64 => U64,
        emit_i8: i8 => I64, emit_i16: i16 => I64, emit_i32: i32 => I64, emit_i64: i64 => I64,
        emit_u128: u128 => U128, emit_i128: i128 => I128,
        emit_f64: f64 => F64, emit_f32: f32 => F32, emit_bool: bool => Bool,
    );

    fn emit_usize(&mut self, key: Key, value: usize) -> slog::Result {
        self.push(key_str(&key), Slot::U64(value as u64));
        Ok(())
    }

    fn emit_isize(&mut self, key: Key, value: isize) -> slog::Result {
        self.push(key_str(&key), Slot::I64(value as i64));
        Ok(())
    }

    fn emit_char(&mut self, key: Key, value: char) -> slog::Result {
        self.push_text(key_str(&key), false, |s| {
            s.push(value);
            Ok(())
        });
        Ok(())
    }

    fn emit_str(&mut self, key: Key, value: &str) -> slog::Result {
        self.push_text(key_str(&key), false, |s| {
            s.push_str(value);
            Ok(())
        });
        Ok(())
    }

    fn emit_unit(&mut self, key: Key) -> slog::Result {
        self.push(key_str(&key), Slot::Null);
        Ok(())
    }

    fn emit_none(&mut self, key: Key) -> slog::Result {
        self.push(key_str(&key), Slot::Null);
        Ok(())
    }

    fn emit_bytes(&mut self, key: Key, bytes: &[u8], _: slog::BytesKind) -> slog::Result {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(bytes);
        let (a, b) = range(start, self.bytes.len());
        self.push(key_str(&key), Slot::Bytes(a, b));
        Ok(())
    }

    fn emit_arguments(&mut self, key: Key, value: &fmt::Arguments<'_>) -> slog::Result {
        match value.as_str() {
            Some(s) => self.push(key_str(&key), Slot::Static(s)),
            None => self.push_text(key_str(&key), false, |s| s.write_fmt(*value)),
        }
        Ok(())
    }

    fn emit_error(&mut self, key: Key, error: &(dyn Error + 'static)) -> slog::Result {
        // klog writes an error's own text, not its sources'.
        self.push_text(key_str(&key), true, |s| write!(s, "{error}"));
        Ok(())
    }

    fn emit_serde(&mut self, key: Key, value: &dyn slog::SerdeValue) -> slog::Result {
        let serde = klog::Serde(value.as_serde());
        let json = bridge::value_text(klog::ToValue::to_value(&serde)).into_string();
        self.push_text(key_str(&key), false, |s| {
            s.push_str(&json);
            Ok(())
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slog::o;

    #[test]
    fn derived_loggers_are_reused() {
        let drain = Arc::new(KlogDrain::new(
            klog::TextSink::builder()
                .writer(std::io::sink())
                .build_logger(),
        ));
        let log = slog::Logger::root(
            Arc::clone(&drain),
            o!("logger" => "controller", "node" => "worker-1", "shard" => 7),
        );
        for attempt in 0..10 {
            slog::info!(log, "Pod status updated"; "attempt" => attempt, "latency" => %attempt);
        }
        let child = log.new(o!("zone" => "z1"));
        slog::info!(child, "Child");
        slog::info!(child, "Child");
        assert_eq!(drain.derived.read().unwrap().len(), 2);
    }
}
