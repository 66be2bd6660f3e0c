//! Support for bridges between klog and other logging frameworks (`klog-tracing`,
//! `klog-slog`, `klog-log`): what they need from klog beyond the public logging API.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use crate::callsite::Callsite;
use crate::format::PidField;
use crate::format::Scratch;
use crate::format::{encode_text as encode, write_value, HeaderStyle, RenderedPairs, TextContext};
use crate::go::escape::unquote_body;
use crate::record::{Record, Severity};
use crate::value::{KeyValue, Value};

/// A value in klog's text form.
///
/// ```
/// use klog::bridge::{value_text, ValueText};
/// assert_eq!(value_text(klog::Value::Duration(90_000_000_000)), ValueText::Str("1m30s".into()));
/// assert_eq!(value_text(klog::Value::I64(-3)), ValueText::Raw("-3".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValueText {
    /// A string (quoted or a multi-line block in klog's output), unquoted: written as a
    /// string again, it gives klog's bytes back.
    Str(String),
    /// Anything else (JSON, a list of object references, a number), as written.
    Raw(String),
}

impl ValueText {
    /// The text, whatever its kind.
    ///
    /// ```
    /// let text = klog::bridge::value_text(klog::Value::Bool(true));
    /// assert_eq!(text.into_string(), "true");
    /// ```
    #[must_use]
    pub fn into_string(self) -> String {
        match self {
            ValueText::Str(s) | ValueText::Raw(s) => s,
        }
    }
}

/// klog's text form of `value`, for frameworks that have no type for it (durations,
/// times, byte strings, object lists, serde values, marshalers): strings come back
/// unquoted, everything else as klog writes it.
///
/// ```
/// use klog::bridge::{value_text, ValueText};
/// assert_eq!(value_text(klog::Value::Str("a\"b")), ValueText::Str("a\"b".into()));
/// let refs = [klog::KObj::new("ns", "a")];
/// let list = klog::KObjSlice::new(&refs);
/// assert_eq!(value_text(klog::Value::Objects(&list)), ValueText::Raw("[\"ns/a\"]".into()));
/// ```
#[must_use]
pub fn value_text(value: Value<'_>) -> ValueText {
    decode(&text_form(value))
}

/// `value` as the text encoder writes it after the key, without the `=`.
fn text_form(value: Value<'_>) -> Vec<u8> {
    let mut written = Vec::new();
    write_value(&mut written, &mut Vec::new(), &value);
    if written.first() == Some(&b'=') {
        written.remove(0);
    }
    written
}

/// Keeps a verbosity threshold in klog's global fast check for as long as it lives.
///
/// Every klog call first compares its V level with one process-wide bound: the global `-v`,
/// raised to the highest threshold of the live sinks that have their own. klog's own sinks
/// register theirs when built; a bridge sink that writes records up to `V(max)` holds one of
/// these (shared by the sinks derived from it), so the bound comes down when it is gone.
///
/// ```
/// let registration = klog::bridge::register_threshold(7);
/// // ... a sink that writes up to V(7) lives here ...
/// drop(registration);
/// ```
#[derive(Debug)]
#[must_use = "the threshold counts only while the registration lives"]
pub struct ThresholdRegistration(#[allow(dead_code)] crate::verbosity::SinkThreshold);

/// Lets klog's fast check pass levels up to `max` while the returned registration lives; see
/// [`ThresholdRegistration`].
pub fn register_threshold(max: i32) -> ThresholdRegistration {
    ThresholdRegistration(crate::verbosity::register_sink_threshold(max))
}

/// Registers `listener` to be called after every change of the global `-v` or `-vmodule`
/// ([`set_verbosity`](crate::set_verbosity), [`set_vmodule`](crate::set_vmodule), and so
/// [`init`](crate::init), which calls them), on the thread that made the change, after the
/// new value took effect. For bridges into frameworks that cache filter decisions: the
/// tracing bridge rebuilds tracing's per-call-site interest and maximum level, so the
/// order in which the subscriber and klog are set up does not matter.
///
/// Listeners stay registered for the life of the process; register each once (a
/// [`std::sync::Once`]). A listener must not change `-v` or `-vmodule` itself.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// static CHANGES: AtomicUsize = AtomicUsize::new(0);
/// klog::bridge::on_verbosity_change(|| {
///     CHANGES.fetch_add(1, Ordering::Relaxed);
/// });
/// klog::set_verbosity(3);
/// assert_eq!(CHANGES.load(Ordering::Relaxed), 1);
/// # klog::set_verbosity(0);
/// ```
pub fn on_verbosity_change(listener: fn()) {
    crate::verbosity::add_listener(listener);
}

/// `value` exactly as klog's text format writes it after `key=`: strings quoted, multi-line
/// strings as `<`…` >` blocks, numbers and JSON as they are.
///
/// ```
/// use klog::bridge::value_text_form;
/// assert_eq!(value_text_form(klog::Value::Duration(90_000_000_000)), "\"1m30s\"");
/// assert_eq!(value_text_form(klog::Value::Str("a\nb")), "<\n\ta\n\tb\n >");
/// assert_eq!(value_text_form(klog::Value::Null), "null");
/// ```
#[must_use]
pub fn value_text_form(value: Value<'_>) -> String {
    String::from_utf8_lossy(&text_form(value)).into_owned()
}

/// `key=value key=value`: the pairs as klog's text format writes them after the message,
/// duplicates resolved as klog does (for a framework that needs them as one text).
///
/// ```
/// use klog::KeyValue;
/// let text = klog::bridge::pairs_text(&[KeyValue::new("a", &1), KeyValue::new("b", "x")]);
/// assert_eq!(text, "a=1 b=\"x\"");
/// ```
#[must_use]
pub fn pairs_text(key_values: &[KeyValue<'_>]) -> String {
    let record = Record::new(Severity::Info, "", key_values);
    let mut scratch = Scratch::default();
    let pid = PidField::new(0);
    let context = RenderedPairs::default();
    let ctx = TextContext {
        pid: &pid,
        caller: None,
        context: &context,
        header: HeaderStyle::Skip,
    };
    encode(&mut scratch, &record, &ctx, (0, 0));
    let line = String::from_utf8_lossy(&scratch.line);
    // The line is `""` (the empty message), the pairs, and a line break.
    let pairs = line.strip_prefix("\"\"").unwrap_or(&line);
    let pairs = pairs.strip_suffix('\n').unwrap_or(pairs);
    pairs.strip_prefix(' ').unwrap_or(pairs).to_owned()
}

/// A value's text form as the text encoder writes it, decoded.
fn decode(value: &[u8]) -> ValueText {
    if value.len() >= 2 && value.starts_with(b"\"") && value.ends_with(b"\"") {
        // Invalid UTF-8 (written `\xhh`) stays raw, so the text round-trips exactly.
        if let Some(s) =
            unquote_body(&value[1..value.len() - 1]).and_then(|b| String::from_utf8(b).ok())
        {
            return ValueText::Str(s);
        }
    } else if let Some(block) = value
        .strip_prefix(b"<\n")
        .and_then(|b| b.strip_suffix(b" >"))
    {
        let mut s = Vec::with_capacity(block.len());
        for line in block.split_inclusive(|&b| b == b'\n') {
            s.extend_from_slice(line.strip_prefix(b"\t").unwrap_or(line));
        }
        if let Ok(s) = String::from_utf8(s) {
            return ValueText::Str(s);
        }
    }
    ValueText::Raw(String::from_utf8_lossy(value).into_owned())
}

// === call sites ===

/// At most this many call sites are kept; later ones are built per record.
const MAX_CALLSITES: usize = 1 << 16;
/// Slots of the per-thread caches (a power of two).
const CACHE_SLOTS: usize = 64;

/// A call site by the addresses of its `'static` strings and its line: two records
/// from the same `log` macro call always have the same key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct CallsiteKey {
    file: (usize, usize),
    module: (usize, usize),
    line: u32,
}

impl CallsiteKey {
    fn new(file: &'static str, line: u32, module: &'static str) -> Self {
        CallsiteKey {
            file: (file.as_ptr() as usize, file.len()),
            module: (module.as_ptr() as usize, module.len()),
            line,
        }
    }

    fn slot(&self) -> usize {
        let h = (self.file.0 ^ self.module.0.rotate_left(17) ^ (self.line as usize))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize);
        (h >> 7) & (CACHE_SLOTS - 1)
    }
}

type CallsiteCache = [Option<(CallsiteKey, &'static Callsite)>; CACHE_SLOTS];

thread_local! {
    static CALLSITE_CACHE: RefCell<CallsiteCache> = const { RefCell::new([None; CACHE_SLOTS]) };
}

static CALLSITES: RwLock<Option<HashMap<CallsiteKey, &'static Callsite>>> = RwLock::new(None);

/// A shared `'static` klog call site for a location of another framework's call site
/// (klog records refer to a `'static` call site, which caches its `-vmodule` level and
/// its rendering): one per location, kept for the program's lifetime like the `static`
/// the klog macros declare. `None` once 65,536 locations are kept (then build a
/// [`Callsite`] per record). A lookup first tries a small per-thread cache.
///
/// The strings must be the other framework's `'static` strings of that call site: the
/// table is keyed by their addresses.
///
/// ```
/// let a = klog::bridge::intern_callsite("src/a.rs", 3, "app::a").unwrap();
/// let b = klog::bridge::intern_callsite("src/a.rs", 3, "app::a").unwrap();
/// assert!(std::ptr::eq(a, b));
/// assert_eq!(a.line(), 3);
/// ```
#[must_use]
pub fn intern_callsite(
    file: &'static str,
    line: u32,
    module: &'static str,
) -> Option<&'static Callsite> {
    let key = CallsiteKey::new(file, line, module);
    let slot = key.slot();
    let cached = CALLSITE_CACHE
        .try_with(|c| match c.borrow()[slot] {
            Some((k, callsite)) if k == key => Some(callsite),
            _ => None,
        })
        .ok()
        .flatten();
    if cached.is_some() {
        return cached;
    }
    let callsite = shared_callsite(key, file, line, module)?;
    let _ = CALLSITE_CACHE.try_with(|c| c.borrow_mut()[slot] = Some((key, callsite)));
    Some(callsite)
}

#[cold]
#[inline(never)]
fn shared_callsite(
    key: CallsiteKey,
    file: &'static str,
    line: u32,
    module: &'static str,
) -> Option<&'static Callsite> {
    if let Some(found) = CALLSITES
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .and_then(|map| map.get(&key).copied())
    {
        return Some(found);
    }
    let mut guard = CALLSITES.write().unwrap_or_else(PoisonError::into_inner);
    let map = guard.get_or_insert_with(HashMap::new);
    if let Some(found) = map.get(&key) {
        return Some(found);
    }
    if map.len() >= MAX_CALLSITES {
        return None;
    }
    // One per call site of the program, kept for its lifetime, like the `static` the klog
    // macros declare: it caches the call site's `-vmodule` level and its rendering.
    let callsite: &'static Callsite = Box::leak(Box::new(Callsite::new(file, line, module)));
    map.insert(key, callsite);
    Some(callsite)
}

// === loop guard ===

/// A direction records cross a bridge in.
///
/// ```
/// use klog::bridge::{enter, Direction};
/// let outer = enter(Direction::OutOfKlog).expect("first crossing");
/// assert!(enter(Direction::OutOfKlog).is_none()); // it went round: drop it
/// assert!(enter(Direction::IntoKlog).is_some()); // the other direction is free
/// drop(outer);
/// assert!(enter(Direction::OutOfKlog).is_some());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From klog into another framework (a klog `Sink` forwarding elsewhere).
    OutOfKlog = 1,
    /// From another framework into klog (a layer, drain or backend writing klog).
    IntoKlog = 2,
}

thread_local! {
    static FORWARDING: std::cell::Cell<u8> = const { std::cell::Cell::new(0) };
}

/// Holds a direction's flag while a record is being forwarded; clears it when dropped
/// (also when unwinding). See [`enter`].
#[derive(Debug)]
#[must_use = "the flag is cleared when this is dropped"]
pub struct Forwarding(Direction);

impl Drop for Forwarding {
    fn drop(&mut self) {
        let bit = self.0 as u8;
        let _ = FORWARDING.try_with(|f| f.set(f.get() & !bit));
    }
}

/// The bridges' loop guard: sets the flag of `direction` on this thread, or returns
/// `None` when it is already set (the record went round through bridges and must be
/// dropped). A record may thus cross out of klog once and into klog once per thread
/// stack, whichever bridges it takes. During thread teardown nothing is forwarded.
#[inline]
#[must_use]
pub fn enter(direction: Direction) -> Option<Forwarding> {
    let bit = direction as u8;
    FORWARDING
        .try_with(|f| {
            let flags = f.get();
            (flags & bit == 0).then(|| {
                f.set(flags | bit);
                Forwarding(direction)
            })
        })
        .ok()
        .flatten()
}

/// Whether a record is being forwarded in `direction` on this thread.
///
/// ```
/// assert!(!klog::bridge::active(klog::bridge::Direction::IntoKlog));
/// ```
#[inline]
#[must_use]
pub fn active(direction: Direction) -> bool {
    FORWARDING
        .try_with(|f| f.get() & direction as u8 != 0)
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn durations_times_and_strings_come_back_unquoted() {
        assert_eq!(
            value_text(Value::Duration(90_000_000_000)),
            ValueText::Str("1m30s".into())
        );
        assert_eq!(
            value_text(Value::Time(UNIX_EPOCH + Duration::from_secs(1))),
            ValueText::Str("1970-01-01 00:00:01 +0000 UTC".into())
        );
        assert_eq!(
            value_text(Value::Str("tab\there \"q\" \u{1}é")),
            ValueText::Str("tab\there \"q\" \u{1}é".into())
        );
        assert_eq!(
            value_text(Value::Str("a\nb")),
            ValueText::Str("a\nb\n".into())
        );
    }

    #[test]
    fn other_forms_are_kept_raw() {
        let refs = [crate::KObj::new("ns", "a"), crate::KObj::new("", "b")];
        let list = crate::KObjSlice::new(&refs);
        assert_eq!(
            value_text(Value::Objects(&list)),
            ValueText::Raw("[\"ns/a\",\"b\"]".into())
        );
        assert_eq!(value_text(Value::I64(-3)), ValueText::Raw("-3".into()));
    }

    #[test]
    fn callsites_are_shared_per_location() {
        let a = intern_callsite("src/a.rs", 3, "app::a").expect("kept");
        let b = intern_callsite("src/a.rs", 3, "app::a").expect("kept");
        assert!(std::ptr::eq(a, b));
        assert_eq!(
            (a.file(), a.line(), a.module_path()),
            ("src/a.rs", 3, "app::a")
        );
        let c = intern_callsite("src/a.rs", 4, "app::a").expect("kept");
        assert!(!std::ptr::eq(a, c));
    }
}
