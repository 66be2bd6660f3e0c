//! Support for bridges between klog and other logging frameworks (`klog-tracing`,
//! `klog-slog`, `klog-log`): what they need from klog beyond the public logging API.

use crate::format::text::write_value;
use crate::value::Value;

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
    let mut written = Vec::new();
    write_value(&mut written, &mut Vec::new(), &value);
    decode(&written)
}

/// The text form `=VALUE` as the text encoder writes it, decoded.
fn decode(written: &[u8]) -> ValueText {
    let value = written.strip_prefix(b"=").unwrap_or(written);
    if value.len() >= 2 && value.starts_with(b"\"") && value.ends_with(b"\"") {
        if let Some(s) = unquote(&value[1..value.len() - 1]) {
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

/// The inside of a Go `strconv.Quote` string, `None` if it is not valid UTF-8 once
/// unescaped (invalid bytes are written `\xhh`).
fn unquote(quoted: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(quoted.len());
    let mut i = 0;
    while i < quoted.len() {
        let b = quoted[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let esc = *quoted.get(i + 1)?;
        i += 2;
        let simple = match esc {
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(0x0b),
            b'\\' => Some(b'\\'),
            b'"' => Some(b'"'),
            b'\'' => Some(b'\''),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            continue;
        }
        let digits = match esc {
            b'x' => 2,
            b'u' => 4,
            b'U' => 8,
            _ => return None,
        };
        let hex = std::str::from_utf8(quoted.get(i..i + digits)?).ok()?;
        let n = u32::from_str_radix(hex, 16).ok()?;
        i += digits;
        if esc == b'x' {
            out.push(u8::try_from(n).ok()?);
        } else {
            let mut buf = [0; 4];
            out.extend_from_slice(char::from_u32(n)?.encode_utf8(&mut buf).as_bytes());
        }
    }
    String::from_utf8(out).ok()
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
}
