//! Values in klog's text form, for frameworks that have no type for them.

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
        zone: crate::go::zone::TimeZone::Utc,
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
