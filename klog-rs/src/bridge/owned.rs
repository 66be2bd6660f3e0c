//! The bridges' one owned value type: what a bridge keeps of a value beyond the call that
//! lent it (a klog logger's bound values inside a sink, a span's fields, an event's error).

use std::any::Any;
use std::error::Error;
use std::fmt::{self, Write as _};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::value::Value;

/// What klog writes for a `Display` that returned an error.
const FMT_ERROR_MARKER: &str = "<fmt error>";

/// How deep an error's `source()` chain is copied.
const MAX_SOURCES: usize = 32;

/// A value kept beyond the call that lent it.
///
/// Which kinds a bridge keeps typed depends on what its framework has types for: each
/// bridge builds these with its own small `match` on [`Value`], starting with
/// [`OwnedValue::typed`] for the kinds every framework has.
///
/// ```
/// use klog::bridge::OwnedValue;
/// let owned = OwnedValue::typed(klog::Value::I64(3)).unwrap();
/// assert!(matches!(owned.as_value(), klog::Value::I64(3)));
/// let text = OwnedValue::Text("node/a".into());
/// assert!(matches!(text.as_value(), klog::Value::Str("node/a")));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedValue {
    /// A string.
    Str(Box<str>),
    /// The text of a value the framework has no type for (a `Display` or `Debug` value,
    /// an object reference, a duration…), kept apart from strings for frameworks that
    /// show the two differently; a string to klog.
    Text(Box<str>),
    /// A byte slice.
    Bytes(Box<[u8]>),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A wide signed integer.
    I128(i128),
    /// A wide unsigned integer.
    U128(u128),
    /// A 64-bit float.
    F64(f64),
    /// A 32-bit float.
    F32(f32),
    /// A boolean.
    Bool(bool),
    /// `null`.
    Null,
    /// An error, copied ([`OwnedError`]).
    Error(Box<OwnedError>),
}

impl OwnedValue {
    /// A copy of `value` if it is of a kind every framework has a type for: strings,
    /// 64- and 128-bit integers, 64-bit floats and booleans.
    ///
    /// ```
    /// use klog::bridge::OwnedValue;
    /// assert_eq!(OwnedValue::typed(klog::Value::Str("a")), Some(OwnedValue::Str("a".into())));
    /// assert_eq!(OwnedValue::typed(klog::Value::Null), None);
    /// ```
    #[must_use]
    pub fn typed(value: Value<'_>) -> Option<OwnedValue> {
        Some(match value {
            Value::Str(s) => OwnedValue::Str(s.into()),
            Value::I64(v) => OwnedValue::I64(v),
            Value::U64(v) => OwnedValue::U64(v),
            Value::I128(v) => OwnedValue::I128(v),
            Value::U128(v) => OwnedValue::U128(v),
            Value::F64(v) => OwnedValue::F64(v),
            Value::Bool(v) => OwnedValue::Bool(v),
            _ => return None,
        })
    }

    /// The value as klog takes it.
    ///
    /// ```
    /// use klog::bridge::OwnedValue;
    /// assert!(matches!(OwnedValue::Bool(true).as_value(), klog::Value::Bool(true)));
    /// ```
    #[must_use]
    pub fn as_value(&self) -> Value<'_> {
        match self {
            OwnedValue::Str(s) | OwnedValue::Text(s) => Value::Str(s),
            OwnedValue::Bytes(b) => Value::Bytes(b),
            OwnedValue::I64(v) => Value::I64(*v),
            OwnedValue::U64(v) => Value::U64(*v),
            OwnedValue::I128(v) => Value::I128(*v),
            OwnedValue::U128(v) => Value::U128(*v),
            OwnedValue::F64(v) => Value::F64(*v),
            OwnedValue::F32(v) => Value::F32(*v),
            OwnedValue::Bool(v) => Value::Bool(*v),
            OwnedValue::Null => Value::Null,
            OwnedValue::Error(e) => Value::Error(&**e),
        }
    }
}

/// A copy of an error: its `Display` text, and, when copied with
/// [`snapshot`](OwnedError::snapshot), its alternate (`{:#}`) text when that differs and
/// its `source()` chain, so klog writes it (`err`, JSON's `errVerbose` and causes) as it
/// would the original.
///
/// ```
/// use klog::bridge::OwnedError;
/// let err = std::io::Error::other("connection refused");
/// assert_eq!(OwnedError::snapshot(&err).to_string(), "connection refused");
/// assert_eq!(OwnedError::from_text("timeout").to_string(), "timeout");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedError {
    text: Box<str>,
    alternate: Option<Box<str>>,
    source: Option<Box<OwnedError>>,
}

impl OwnedError {
    /// An error with only a text (for frameworks whose errors cross as their text).
    #[must_use]
    pub fn from_text(text: impl Into<Box<str>>) -> OwnedError {
        OwnedError {
            text: text.into(),
            alternate: None,
            source: None,
        }
    }

    /// Copies `err`'s text (a failing or panicking `Display` gives klog's markers), its
    /// alternate text and its sources (up to 32).
    #[must_use]
    pub fn snapshot(err: &(dyn Error + 'static)) -> OwnedError {
        OwnedError::snapshot_depth(err, 0)
    }

    fn snapshot_depth(err: &(dyn Error + 'static), depth: usize) -> OwnedError {
        let mut text = String::new();
        render_into(&mut text, |w| write!(w, "{err}"));
        let mut alternate = String::new();
        render_into(&mut alternate, |w| write!(w, "{err:#}"));
        let source = match err.source() {
            Some(source) if depth < MAX_SOURCES => {
                Some(Box::new(OwnedError::snapshot_depth(source, depth + 1)))
            }
            _ => None,
        };
        OwnedError {
            alternate: (alternate != text).then(|| alternate.into_boxed_str()),
            text: text.into_boxed_str(),
            source,
        }
    }
}

impl fmt::Display for OwnedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.alternate, f.alternate()) {
            (Some(alternate), true) => f.write_str(alternate),
            _ => f.write_str(&self.text),
        }
    }
}

impl Error for OwnedError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

/// Appends what `f` writes to `buf`; like klog's renderer, a failing `fmt` becomes
/// `<fmt error>` and a panic `<panic: message>`, so a bad `Display` cannot unwind
/// through the other framework.
///
/// ```
/// use std::fmt::Write as _;
/// let mut text = String::new();
/// klog::bridge::render_into(&mut text, |w| write!(w, "{}", 42));
/// assert_eq!(text, "42");
/// ```
pub fn render_into(buf: &mut String, f: impl FnOnce(&mut String) -> fmt::Result) {
    let start = buf.len();
    match catch_unwind(AssertUnwindSafe(|| f(buf))) {
        Ok(Ok(())) => {}
        Ok(Err(_)) => {
            buf.truncate(start);
            buf.push_str(FMT_ERROR_MARKER);
        }
        Err(payload) => {
            buf.truncate(start);
            panic_text(buf, &*payload);
        }
    }
}

/// `<panic: MSG>`, as klog writes a panicking `Display`.
#[cold]
fn panic_text(buf: &mut String, payload: &(dyn Any + Send)) {
    buf.push_str("<panic: ");
    if let Some(s) = payload.downcast_ref::<&str>() {
        buf.push_str(s);
    } else if let Some(s) = payload.downcast_ref::<String>() {
        buf.push_str(s);
    } else {
        buf.push_str("non-string panic payload");
    }
    buf.push('>');
}

/// A `Debug` value's text, rendered as [`render_into`] does.
///
/// ```
/// assert_eq!(klog::bridge::debug_text(&"a"), "\"a\"");
/// ```
#[must_use]
pub fn debug_text(value: &dyn fmt::Debug) -> String {
    let mut text = String::new();
    render_into(&mut text, |w| write!(w, "{value:?}"));
    text
}
