//! The klog text encoder: `HEADER "message" err=… logger=… bound… call…\n`.
//!
//! Hot path: no allocation, no locks, no fmt machinery. A record is encoded into a
//! reused per-thread buffer ([`Scratch`]); values are written straight into it, and
//! `Display`/`Debug`/error text goes through a second reused buffer to be quoted.
//!
//! # Compatibility
//! Mirrors klog's `textlogger` and `internal/serialize` (`KVListFormat`, `dedupe`): see
//! RULES.md §2 of the conformance corpus and `docs/format.md`.

use std::any::Any;
use std::fmt::{self, Write as _};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::header::{write_header, HeaderCaller, PidField};
use super::nested::write_value_json;
use super::Scratch;
use crate::compact::CompactVec;
use crate::go::escape::{write_quoted, write_quoted_ascii, write_quoted_bytes, write_quoted_line};
use crate::go::float::{write_f32_json, write_f64_json};
use crate::go::time::{unix_parts, write_duration, write_time_string};
use crate::go::zone::TimeZone;
use crate::record::{Record, RecordKind};
use crate::value::{KeyValue, Value};

/// Where a written ` key=value` pair sits in the line.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PairPos {
    start: usize,
    key_end: usize,
    end: usize,
}

/// Inline room of [`RenderedPairs`]: most derived loggers bind a few short pairs, which then
/// live inside the sink's own allocation.
const INLINE_PAIR_BYTES: usize = 128;
const INLINE_PAIRS: usize = 6;

/// Pairs rendered ahead of time (a logger's name and bound values): ` key=value` bytes
/// back to back, with the end of each key and pair.
#[derive(Clone, Debug, Default)]
pub(crate) struct RenderedPairs {
    bytes: CompactVec<u8, INLINE_PAIR_BYTES>,
    /// (key end, pair end), relative to `bytes`; each pair starts where the previous ends.
    bounds: CompactVec<(usize, usize), INLINE_PAIRS>,
}

impl RenderedPairs {
    /// Replaces the pairs with those `build` makes, rendered into the reusable buffers `bytes`
    /// and `bounds` (cleared first) and then copied into place.
    pub(crate) fn build(
        &mut self,
        bytes: &mut Vec<u8>,
        bounds: &mut Vec<(usize, usize)>,
        build: impl FnOnce(&mut PairsBuilder<'_>),
    ) {
        bytes.clear();
        bounds.clear();
        build(&mut PairsBuilder { bytes, bounds });
        self.bytes.set(bytes);
        self.bounds.set(bounds);
    }
}

/// Renders the pairs of a [`RenderedPairs`].
pub(crate) struct PairsBuilder<'a> {
    bytes: &'a mut Vec<u8>,
    bounds: &'a mut Vec<(usize, usize)>,
}

impl PairsBuilder<'_> {
    /// Renders `key_values` (each pair as it would appear in a line, not deduplicated:
    /// duplicates are resolved per record, against the call's pairs too).
    pub(crate) fn push_key_values(&mut self, text: &mut Vec<u8>, key_values: &[KeyValue<'_>]) {
        for kv in key_values {
            self.push(text, kv.key().as_bytes(), &kv.value());
        }
    }

    /// Renders one pair.
    pub(crate) fn push(&mut self, text: &mut Vec<u8>, key: &[u8], value: &Value<'_>) {
        self.bytes.push(b' ');
        self.bytes.extend_from_slice(key);
        let key_end = self.bytes.len();
        write_value(self.bytes, text, value);
        self.bounds.push((key_end, self.bytes.len()));
    }

    /// Appends the pairs of `other` from the pair at index `skip` on.
    pub(crate) fn extend_from(&mut self, other: &RenderedPairs, skip: usize) {
        let start = match skip.checked_sub(1) {
            None => 0,
            Some(i) => other
                .bounds
                .get(i)
                .map_or(other.bytes.len(), |&(_, end)| end),
        };
        let offset = self.bytes.len();
        self.bytes.extend_from_slice(&other.bytes[start..]);
        self.bounds.extend(
            other
                .bounds
                .iter()
                .skip(skip)
                .map(|&(k, e)| (k - start + offset, e - start + offset)),
        );
    }
}

/// What a sink adds to each record: the header's pid and caller override, and the
/// pre-rendered context pairs (`logger=` first, then bound values).
#[derive(Debug)]
pub(crate) struct TextContext<'a> {
    pub(crate) pid: &'a PidField,
    pub(crate) caller: Option<HeaderCaller<'a>>,
    pub(crate) context: &'a RenderedPairs,
    pub(crate) header: HeaderStyle,
    /// The header time's zone.
    pub(crate) zone: TimeZone,
}

/// klog's `-skip_headers` and `-add_dir_header`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum HeaderStyle {
    /// `I0102 03:04:05.123456   12345 file.rs:42] `.
    #[default]
    Normal,
    /// No header at all (`-skip_headers`).
    Skip,
    /// The file's directory too: `dir/file.rs:42` (`-add_dir_header`).
    WithDirectory,
}

/// Encodes `record` as one klog text line (or several, for multi-line values) into
/// `scratch.line`, which is cleared first.
pub(crate) fn encode(
    scratch: &mut Scratch,
    record: &Record<'_>,
    ctx: &TextContext<'_>,
    time: (i64, u32),
) {
    let Scratch {
        line,
        text,
        pairs,
        header,
        ..
    } = scratch;
    line.clear();
    pairs.clear();
    match ctx.header {
        HeaderStyle::Normal => {
            let caller = ctx.caller.unwrap_or_else(|| match record.callsite() {
                Some(c) => match c.rendered().and_then(|r| r.text()) {
                    Some(text) => HeaderCaller::Rendered(text),
                    None => HeaderCaller::Location(c.base_name(), i64::from(c.line())),
                },
                None => HeaderCaller::Unknown,
            });
            write_header(
                line,
                header,
                record.severity().letter(),
                time,
                ctx.zone,
                ctx.pid,
                caller,
            );
        }
        HeaderStyle::WithDirectory => {
            // The last directory and the file: klog's `-add_dir_header`.
            let caller = match (ctx.caller, record.callsite()) {
                (Some(HeaderCaller::Location(file, n)), _) => {
                    HeaderCaller::Path(crate::callsite::short_path(file), n)
                }
                (Some(other), _) => other,
                (None, Some(c)) => HeaderCaller::Path(c.short_path(), i64::from(c.line())),
                (None, None) => HeaderCaller::Unknown,
            };
            write_header(
                line,
                header,
                record.severity().letter(),
                time,
                ctx.zone,
                ctx.pid,
                caller,
            );
        }
        HeaderStyle::Skip => {}
    }

    if record.kind() == RecordKind::Unstructured {
        let message = record.message().as_bytes();
        line.extend_from_slice(message);
        if message.last() != Some(&b'\n') {
            line.push(b'\n');
        }
        return;
    }

    write_quoted(line, record.message());
    if let Some(err) = record.error() {
        let start = line.len();
        line.extend_from_slice(b" err");
        let key_end = line.len();
        let rendered = render(text, |w| write!(w, "{err}"));
        write_rendered(line, text, rendered);
        finish_pair(line, pairs, start, key_end);
    }
    let mut start = 0;
    for &(key_end, end) in ctx.context.bounds.iter() {
        let at = line.len();
        line.extend_from_slice(&ctx.context.bytes[start..end]);
        finish_pair(line, pairs, at, at + key_end - start);
        start = end;
    }
    for kv in record.key_values() {
        let start = line.len();
        match kv.rendered_key() {
            Some(rendered) => line.extend_from_slice(rendered.text()),
            None => {
                line.push(b' ');
                line.extend_from_slice(kv.key().as_bytes());
            }
        }
        let key_end = line.len();
        write_value(line, text, &kv.value());
        finish_pair(line, pairs, start, key_end);
    }
    line.push(b'\n');
}

/// klog's duplicate rule, applied as each pair is written: a pair whose key was written
/// before either repeats its bytes (then it is dropped) or replaces the earlier pair,
/// which is removed from the line.
#[inline(always)]
fn finish_pair(line: &mut Vec<u8>, pairs: &mut Vec<PairPos>, start: usize, key_end: usize) {
    let key = &line[start..key_end];
    for (index, p) in pairs.iter().enumerate() {
        if p.key_end - p.start == key_end - start && line[p.start..p.key_end] == *key {
            return replace_duplicate(line, pairs, index, start, key_end);
        }
    }
    pairs.push(PairPos {
        start,
        key_end,
        end: line.len(),
    });
}

#[cold]
#[inline(never)]
fn replace_duplicate(
    line: &mut Vec<u8>,
    pairs: &mut Vec<PairPos>,
    index: usize,
    start: usize,
    key_end: usize,
) {
    let old = pairs[index];
    if line[old.start..old.end] == line[start..] {
        line.truncate(start);
        return;
    }
    let removed = old.end - old.start;
    line.drain(old.start..old.end);
    pairs.remove(index);
    for p in &mut pairs[index..] {
        p.start -= removed;
        p.key_end -= removed;
        p.end -= removed;
    }
    pairs.push(PairPos {
        start: start - removed,
        key_end: key_end - removed,
        end: line.len(),
    });
}

/// How rendering `Display` text into the scratch buffer ended.
pub(crate) enum Rendered {
    Ok,
    /// `Display::fmt` returned an error: a marker replaces the text.
    FmtError,
    /// It panicked: the scratch holds `<panic: …>`.
    Panic,
}

/// Collects `fmt::Write` output into a byte buffer.
pub(crate) struct ByteWriter<'a>(pub(crate) &'a mut Vec<u8>);

impl fmt::Write for ByteWriter<'_> {
    #[inline]
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Renders text into `text` (cleared first), catching panics.
#[inline]
pub(crate) fn render(
    text: &mut Vec<u8>,
    f: impl FnOnce(&mut ByteWriter<'_>) -> fmt::Result,
) -> Rendered {
    text.clear();
    match catch_unwind(AssertUnwindSafe(|| f(&mut ByteWriter(text)))) {
        Ok(Ok(())) => Rendered::Ok,
        Ok(Err(_)) => Rendered::FmtError,
        Err(payload) => {
            panic_text(text, &*payload);
            Rendered::Panic
        }
    }
}

/// `<panic: MSG>` for a caught panic payload.
#[cold]
#[inline(never)]
pub(crate) fn panic_text(text: &mut Vec<u8>, payload: &(dyn Any + Send)) {
    text.clear();
    text.extend_from_slice(b"<panic: ");
    if let Some(s) = payload.downcast_ref::<&str>() {
        text.extend_from_slice(s.as_bytes());
    } else if let Some(s) = payload.downcast_ref::<String>() {
        text.extend_from_slice(s.as_bytes());
    } else {
        text.extend_from_slice(b"non-string panic payload");
    }
    text.push(b'>');
}

/// The marker written when a `Display` implementation reports an error.
pub(crate) const FMT_ERROR_MARKER: &[u8] = b"<fmt error>";

fn write_rendered(line: &mut Vec<u8>, text: &mut Vec<u8>, rendered: Rendered) {
    if let Rendered::FmtError = rendered {
        text.clear();
        text.extend_from_slice(FMT_ERROR_MARKER);
    }
    write_string_form(line, text);
}

/// S(s): `=` + Go-quoted s, or a `=<` … ` >` block when s contains a line break.
#[inline]
fn write_string_form(line: &mut Vec<u8>, s: &[u8]) {
    if s.contains(&b'\n') {
        return write_block(line, s);
    }
    line.push(b'=');
    write_quoted_bytes(line, s);
}

/// Like [`write_string_form`] for a `&str` (no UTF-8 validation needed).
#[inline]
pub(crate) fn write_string_form_str(line: &mut Vec<u8>, s: &str) {
    line.push(b'=');
    if !write_quoted_line(line, s) {
        line.pop();
        write_block(line, s.as_bytes());
    }
}

/// The multi-line form: each line after a tab, raw, then ` >`.
#[cold]
#[inline(never)]
fn write_block(line: &mut Vec<u8>, s: &[u8]) {
    line.extend_from_slice(b"=<\n");
    for part in s.split_inclusive(|&b| b == b'\n') {
        line.push(b'\t');
        line.extend_from_slice(part);
        if part.last() != Some(&b'\n') {
            line.push(b'\n');
        }
    }
    line.extend_from_slice(b" >");
}

fn write_int(line: &mut Vec<u8>, v: impl itoa::Integer) {
    line.push(b'=');
    line.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// `="<internal error: MSG>"`, MSG raw, for a value Go's encoding/json rejects.
#[cold]
#[inline(never)]
fn write_internal_error(line: &mut Vec<u8>, start: usize, error: &dyn fmt::Display) {
    line.truncate(start);
    line.extend_from_slice(b"=\"<internal error: ");
    let _ = write!(ByteWriter(line), "{error}");
    line.extend_from_slice(b">\"");
}

/// Appends `=value` for one value.
pub(crate) fn write_value(line: &mut Vec<u8>, text: &mut Vec<u8>, value: &Value<'_>) {
    match *value {
        Value::Str(s) => write_string_form_str(line, s),
        Value::ByteStr(b) => write_string_form(line, b),
        Value::Bytes(b) => {
            line.push(b'=');
            write_quoted_ascii(line, b);
        }
        Value::NilBytes => line.extend_from_slice(b"=\"\""),
        Value::I64(v) => write_int(line, v),
        Value::U64(v) => write_int(line, v),
        Value::I128(v) => write_int(line, v),
        Value::U128(v) => write_int(line, v),
        Value::F64(v) => {
            let start = line.len();
            line.push(b'=');
            if let Err(e) = write_f64_json(line, v) {
                write_internal_error(line, start, &super::nested::EncodeError::from(e));
            }
        }
        Value::F32(v) => {
            let start = line.len();
            line.push(b'=');
            if let Err(e) = write_f32_json(line, v) {
                write_internal_error(line, start, &super::nested::EncodeError::from(e));
            }
        }
        Value::Bool(v) => line.extend_from_slice(if v { b"=true" } else { b"=false" }),
        Value::Null => line.extend_from_slice(b"=null"),
        Value::RawJson(json) => {
            line.push(b'=');
            line.extend_from_slice(json.as_str().as_bytes());
        }
        Value::Error(e) => {
            let rendered = render(text, |w| write!(w, "{e}"));
            write_rendered(line, text, rendered);
        }
        Value::Display(d) => {
            let rendered = render(text, |w| write!(w, "{d}"));
            write_rendered(line, text, rendered);
        }
        Value::Debug(d) => {
            let rendered = render(text, |w| write!(w, "{d:?}"));
            write_rendered(line, text, rendered);
        }
        Value::Object(o) => {
            // klog writes object references raw, without any escaping.
            line.extend_from_slice(b"=\"");
            if !o.namespace().is_empty() {
                line.extend_from_slice(o.namespace().as_bytes());
                line.push(b'/');
            }
            line.extend_from_slice(o.name().as_bytes());
            line.push(b'"');
        }
        Value::Objects(list) => {
            line.extend_from_slice(b"=[");
            for i in 0..list.len() {
                if i > 0 {
                    line.push(b',');
                }
                match list.get(i) {
                    Some(o) => {
                        line.push(b'"');
                        if !o.namespace().is_empty() {
                            line.extend_from_slice(o.namespace().as_bytes());
                            line.push(b'/');
                        }
                        line.extend_from_slice(o.name().as_bytes());
                        line.push(b'"');
                    }
                    None => line.extend_from_slice(b"null"),
                }
            }
            line.push(b']');
        }
        Value::List(_) | Value::Map(_) => write_collection(line, text, value),
        Value::Duration(nanos) => {
            text.clear();
            write_duration(text, nanos);
            write_string_form(line, text);
        }
        Value::Time(t) => {
            text.clear();
            let (secs, nanos) = unix_parts(t);
            write_time_string(text, secs, nanos);
            write_string_form(line, text);
        }
        Value::Marshaler(m) => match m.as_display() {
            Some(d) => {
                let rendered = render(text, |w| write!(w, "{d}"));
                write_rendered(line, text, rendered);
            }
            None => write_marshaled(line, text, m),
        },
        #[cfg(feature = "serde")]
        Value::Serde(v) => {
            let start = line.len();
            line.push(b'=');
            let mode = crate::go::json::JsonMode {
                html: true,
                indent: false,
            };
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                crate::go::json::write_serde(line, v.erased(), mode)
            }));
            finish_json_value(line, text, start, outcome);
        }
        #[cfg(feature = "serde")]
        Value::Format(v) => {
            text.clear();
            let mode = crate::go::json::JsonMode {
                html: true,
                indent: true,
            };
            match catch_unwind(AssertUnwindSafe(|| {
                crate::go::json::write_serde(text, v.erased(), mode)
            })) {
                Ok(Ok(())) => text.push(b'\n'),
                Ok(Err(e)) => {
                    text.clear();
                    let _ = write!(
                        ByteWriter(text),
                        "error marshaling klog.formatAny to JSON: {e}"
                    );
                }
                Err(payload) => panic_text(text, &*payload),
            }
            write_string_form(line, text);
        }
    }
}

/// A list or map: `=` + J(x) with HTML escaping; an encoding error (a NaN anywhere) is the
/// internal-error string, a panicking `to_value` the panic string.
fn write_collection(line: &mut Vec<u8>, text: &mut Vec<u8>, value: &Value<'_>) {
    let start = line.len();
    line.push(b'=');
    let outcome = catch_unwind(AssertUnwindSafe(|| write_value_json(line, value, true)));
    finish_json_value(line, text, start, outcome);
}

/// After `=` + a nested JSON value was written from `start`: an encoding error becomes the
/// internal-error string, a panic the panic string.
fn finish_json_value<E: std::fmt::Display>(
    line: &mut Vec<u8>,
    text: &mut Vec<u8>,
    start: usize,
    outcome: std::thread::Result<Result<(), E>>,
) {
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => write_internal_error(line, start, &e),
        Err(payload) => {
            line.truncate(start);
            panic_text(text, &*payload);
            write_string_form(line, text);
        }
    }
}

/// A [`Marshaler`](crate::Marshaler) in text: its result once; a string is written as a
/// string, anything else JSON-encoded.
#[cold]
#[inline(never)]
fn write_marshaled(line: &mut Vec<u8>, text: &mut Vec<u8>, m: &dyn crate::value::Marshaler) {
    let start = line.len();
    let mut written = false;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        m.marshal_log(&mut |result: Value<'_>| {
            if written {
                return;
            }
            written = true;
            match result {
                Value::Str(s) => write_string_form_str(line, s),
                Value::ByteStr(b) => write_string_form(line, b),
                other => {
                    let at = line.len();
                    line.push(b'=');
                    if let Err(e) = write_value_json(line, &other, true) {
                        write_internal_error(line, at, &e);
                    }
                }
            }
        });
    }));
    match outcome {
        Ok(()) if written => {}
        Ok(()) => line.extend_from_slice(b"=null"),
        Err(payload) => {
            line.truncate(start);
            panic_text(text, &*payload);
            write_string_form(line, text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs_line(kvs: &[(&str, &str)]) -> String {
        let mut line = Vec::new();
        let mut pairs = Vec::new();
        let mut text = Vec::new();
        for (k, v) in kvs {
            let start = line.len();
            line.push(b' ');
            line.extend_from_slice(k.as_bytes());
            let key_end = line.len();
            write_value(&mut line, &mut text, &Value::Str(v));
            finish_pair(&mut line, &mut pairs, start, key_end);
        }
        String::from_utf8(line).unwrap()
    }

    #[test]
    fn duplicate_keys_follow_klog_rule() {
        assert_eq!(
            pairs_line(&[
                ("a", "1"),
                ("b", "1"),
                ("a", "2"),
                ("c", "1"),
                ("b", "2"),
                ("a", "3")
            ]),
            r#" c="1" b="2" a="3""#
        );
        assert_eq!(
            pairs_line(&[("a", "1"), ("a", "2"), ("a", "1")]),
            r#" a="1""#
        );
        assert_eq!(
            pairs_line(&[("a", "1"), ("b", "2"), ("a", "1")]),
            r#" a="1" b="2""#
        );
    }

    #[test]
    fn multi_line_strings_become_blocks() {
        for (input, want) in [
            ("a\nb", "=<\n\ta\n\tb\n >"),
            ("a\n", "=<\n\ta\n >"),
            ("\n", "=<\n\t\n >"),
            ("x\"\r", "=\"x\\\"\\r\""),
        ] {
            let mut line = Vec::new();
            write_value(&mut line, &mut Vec::new(), &Value::Str(input));
            assert_eq!(String::from_utf8(line).unwrap(), want, "{input:?}");
        }
    }

    #[test]
    fn panicking_display_becomes_marker() {
        struct Boom;
        impl fmt::Display for Boom {
            fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
                panic!("boom")
            }
        }
        let mut line = Vec::new();
        write_value(&mut line, &mut Vec::new(), &Value::Display(&Boom));
        assert_eq!(line, b"=\"<panic: boom>\"");
    }

    #[test]
    fn failing_display_becomes_marker() {
        struct Fails;
        impl fmt::Display for Fails {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("partial")?;
                Err(fmt::Error)
            }
        }
        let mut line = Vec::new();
        write_value(&mut line, &mut Vec::new(), &Value::Display(&Fails));
        assert_eq!(line, b"=\"<fmt error>\"");
    }
}
