//! Owned snapshots of field values: tracing lends a value only for one `record_*` call,
//! so whatever outlives that call (an event's fields until the record is written, a
//! span's fields for the span's life) is copied here.

use std::any::Any;
use std::error::Error;
use std::fmt::{self, Write as _};
use std::panic::{catch_unwind, AssertUnwindSafe};

use klog::Value;

/// What klog writes for a `Display` that returned an error (its `FMT_ERROR_MARKER`).
const FMT_ERROR_MARKER: &str = "<fmt error>";

/// How deep an error's `source()` chain is copied.
const MAX_SOURCES: usize = 32;

/// Appends what `f` writes to `buf`; like klog's renderer, a failing `fmt` becomes
/// `<fmt error>` and a panic `<panic: message>` (so a bad `Display` cannot unwind through
/// the subscriber).
pub(crate) fn render_into(buf: &mut String, f: impl FnOnce(&mut String) -> fmt::Result) {
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

/// A `Debug` value's text (tracing's `%x` arrives as a `Debug` wrapper of `Display`).
pub(crate) fn debug_text(value: &dyn fmt::Debug) -> String {
    let mut text = String::new();
    render_into(&mut text, |w| write!(w, "{value:?}"));
    text
}

/// A copy of an error: its `Display` text, its alternate (`{:#}`) text when that differs,
/// and its `source()` chain, so klog writes it (`err`, JSON's `errVerbose` and chain)
/// as it would the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OwnedError {
    text: Box<str>,
    alternate: Option<Box<str>>,
    source: Option<Box<OwnedError>>,
}

impl OwnedError {
    /// An error with only a text (a `%error` or string field named `error`).
    pub(crate) fn from_text(text: impl Into<Box<str>>) -> OwnedError {
        OwnedError {
            text: text.into(),
            alternate: None,
            source: None,
        }
    }

    /// Copies `err` and its sources.
    pub(crate) fn snapshot(err: &(dyn Error + 'static)) -> OwnedError {
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

/// A field value kept beyond the `record_*` call that lent it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OwnedValue {
    /// A string, or the text of a `Debug`/`Display` value.
    Str(Box<str>),
    Bytes(Box<[u8]>),
    I64(i64),
    U64(u64),
    I128(i128),
    U128(u128),
    F64(f64),
    Bool(bool),
    Error(Box<OwnedError>),
}

impl OwnedValue {
    /// The value as klog takes it.
    pub(crate) fn as_value(&self) -> Value<'_> {
        match self {
            OwnedValue::Str(s) => Value::Str(s),
            OwnedValue::Bytes(b) => Value::Bytes(b),
            OwnedValue::I64(v) => Value::I64(*v),
            OwnedValue::U64(v) => Value::U64(*v),
            OwnedValue::I128(v) => Value::I128(*v),
            OwnedValue::U128(v) => Value::U128(*v),
            OwnedValue::F64(v) => Value::F64(*v),
            OwnedValue::Bool(v) => Value::Bool(*v),
            OwnedValue::Error(e) => Value::Error(&**e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl fmt::Display for Outer {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            if f.alternate() {
                write!(f, "sync failed: {}", self.0)
            } else {
                f.write_str("sync failed")
            }
        }
    }
    impl Error for Outer {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn snapshots_keep_text_alternate_and_sources() {
        let err = Outer(std::io::Error::other("connection refused"));
        let owned = OwnedError::snapshot(&err);
        assert_eq!(owned.to_string(), "sync failed");
        assert_eq!(format!("{owned:#}"), "sync failed: connection refused");
        let source = owned.source().map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("connection refused"));
        // The plain io::Error has no distinct alternate form.
        assert_eq!(
            format!("{:#}", owned.source().unwrap()),
            "connection refused"
        );
    }

    #[test]
    fn failing_and_panicking_display_become_markers() {
        struct Failing;
        impl fmt::Debug for Failing {
            fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
                Err(fmt::Error)
            }
        }
        struct Panicking;
        impl fmt::Debug for Panicking {
            fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
                panic!("boom")
            }
        }
        assert_eq!(debug_text(&Failing), "<fmt error>");
        assert_eq!(debug_text(&Panicking), "<panic: boom>");
    }
}
