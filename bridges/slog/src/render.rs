//! klog's text form of a value that the other library has no type for (durations, times,
//! byte strings, object lists, serde values, marshalers), obtained through klog's public
//! API: the value is written by a private [`TextSink`] and read back from its line.

use std::cell::RefCell;
use std::time::UNIX_EPOCH;

use klog::{KeyValue, Logger, Record, Severity, SharedBuffer, TextSink, Value};

/// A value as klog's text format shows it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Text {
    /// A string (quoted or a multi-line block in klog's output), unquoted: written as a
    /// string again, it gives klog's bytes back.
    Str(String),
    /// Anything else (JSON, a list of object references, a number), as written.
    Raw(String),
}

impl Text {
    /// The text, whatever its kind.
    pub(crate) fn into_string(self) -> String {
        match self {
            Text::Str(s) | Text::Raw(s) => s,
        }
    }
}

struct Renderer {
    logger: Logger,
    out: SharedBuffer,
}

impl Renderer {
    fn new() -> Renderer {
        let out = SharedBuffer::default();
        let logger = TextSink::builder()
            .writer(out.clone())
            .fixed_time(UNIX_EPOCH)
            .pid(0)
            .fixed_caller(None, 0)
            .build_logger();
        Renderer { logger, out }
    }

    fn render(&self, value: Value<'_>) -> Text {
        let pair = [KeyValue::from_value("v", value)];
        self.logger.log(&Record::new(Severity::Info, "", &pair));
        decode(&self.out.take())
    }
}

thread_local! {
    static RENDERER: RefCell<Option<Renderer>> = const { RefCell::new(None) };
}

/// klog's text form of `value`.
pub(crate) fn render(value: Value<'_>) -> Text {
    let done = RENDERER.try_with(|cell| {
        // A value whose `Display` renders another value while being rendered gets a
        // renderer of its own.
        let mut slot = cell.try_borrow_mut().ok()?;
        Some(slot.get_or_insert_with(Renderer::new).render(value))
    });
    match done {
        Ok(Some(text)) => text,
        _ => Renderer::new().render(value),
    }
}

/// The value of `HEADER] "" v=VALUE\n`.
fn decode(line: &[u8]) -> Text {
    const MARK: &[u8] = b"] \"\" v=";
    let start = line
        .windows(MARK.len())
        .position(|w| w == MARK)
        .map_or(line.len(), |i| i + MARK.len());
    let value = &line[start..];
    let value = value.strip_suffix(b"\n").unwrap_or(value);
    if value.len() >= 2 && value.starts_with(b"\"") && value.ends_with(b"\"") {
        if let Some(s) = unquote(&value[1..value.len() - 1]) {
            return Text::Str(s);
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
            return Text::Str(s);
        }
    }
    Text::Raw(String::from_utf8_lossy(value).into_owned())
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
    use std::time::Duration;

    #[test]
    fn durations_times_and_strings_come_back_unquoted() {
        assert_eq!(
            render(Value::Duration(90_000_000_000)),
            Text::Str("1m30s".into())
        );
        assert_eq!(
            render(Value::Time(UNIX_EPOCH + Duration::from_secs(1))),
            Text::Str("1970-01-01 00:00:01 +0000 UTC".into())
        );
        assert_eq!(
            render(Value::Str("tab\there \"q\" \u{1}é")),
            Text::Str("tab\there \"q\" \u{1}é".into())
        );
        assert_eq!(render(Value::Str("a\nb")), Text::Str("a\nb\n".into()));
    }

    #[test]
    fn other_forms_are_kept_raw() {
        let refs = [klog::KObj::new("ns", "a"), klog::KObj::new("", "b")];
        let list = klog::KObjSlice::new(&refs);
        assert_eq!(
            render(Value::Objects(&list)),
            Text::Raw("[\"ns/a\",\"b\"]".into())
        );
        assert_eq!(render(Value::I64(-3)), Text::Raw("-3".into()));
    }
}
