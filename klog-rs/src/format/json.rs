//! The Kubernetes JSON encoder: component-base's `--logging-format=json` (zap + zapr).
//!
//! Hot path: no allocation, no locks, no fmt machinery. The record is written into the
//! reused per-thread buffer; values that need `Display` go through the second buffer.
//!
//! ```text
//! {"ts":1704164645123.4568,"logger":"a.b","caller":"controller/pods.rs:42","msg":"…","k":1,"v":0,"attempt":3}
//! ```
//!
//! # Compatibility
//! Mirrors zap's `jsonEncoder` with component-base's encoder configuration and zapr's
//! `Info`/`Error`: see RULES.md §3 of the conformance corpus and `docs/format.md`.
//! Duplicate keys are all kept, as zap does.

use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::nested::{write_base64, write_object_json};
use super::text::{panic_text, render, ByteWriter, Rendered, FMT_ERROR_MARKER};
use super::Scratch;
use crate::compact::CompactVec;
use crate::go::escape::{write_zap_body_utf8, write_zap_str, write_zap_str_utf8};
use crate::go::float::{write_epoch_millis, write_f32_plain, write_f64_plain};
use crate::go::time::{unix_parts, write_duration};
use crate::record::{Record, RecordKind, Severity};
use crate::value::{ErrorCauses, KeyValue, RenderedKey, Value};

/// What a sink adds to each JSON record: the joined name and the pre-encoded bound
/// fields (`,"k":v` each), encoded when the logger was derived. Both usually fit inside the
/// sink's own allocation.
#[derive(Clone, Debug, Default)]
pub(crate) struct JsonContext {
    /// The names joined with `.`, empty names skipped (zapr's rule), zap-escaped (escaping
    /// each name and joining gives the escaped joined name); `None` writes no `"logger"`.
    name: Option<CompactVec<u8, 64>>,
    /// `,"key":value` for each bound value, in order.
    fields: CompactVec<u8, 192>,
}

impl JsonContext {
    /// Makes `out` (a new context) this one with `key_values` appended, rendered in the
    /// reusable buffers of `scratch`.
    pub(crate) fn with_values(
        &self,
        scratch: &mut Scratch,
        key_values: &[KeyValue<'_>],
        out: &mut JsonContext,
    ) {
        let Scratch { line, text, .. } = scratch;
        line.clear();
        line.extend_from_slice(&self.fields);
        for kv in key_values {
            write_field(line, text, kv);
        }
        set_name(&mut out.name, self.name.as_deref());
        out.fields.set(line);
    }

    /// Makes `out` (a new context) this one with `name` appended to the name (skipped when
    /// empty).
    pub(crate) fn with_name(&self, scratch: &mut Scratch, name: &str, out: &mut JsonContext) {
        let line = &mut scratch.line;
        line.clear();
        let joined = self.name.as_deref().unwrap_or_default();
        line.extend_from_slice(joined);
        if !joined.is_empty() && !name.is_empty() {
            line.push(b'.');
        }
        write_zap_body_utf8(line, name);
        set_name(&mut out.name, (!line.is_empty()).then_some(&line[..]));
        out.fields.set(&self.fields);
    }

    /// Makes this the context of a record read from a log line: `name` as it was read
    /// (an empty one too: `"logger":""` is written back as it was) and no bound fields;
    /// `buf` is scratch space.
    // Only the converter, which needs the `serde` feature, reads log lines.
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    pub(crate) fn set_parsed(&mut self, buf: &mut Vec<u8>, name: Option<&str>) {
        let escaped = name.map(|name| {
            buf.clear();
            write_zap_body_utf8(buf, name);
            &buf[..]
        });
        set_name(&mut self.name, escaped);
        self.fields.set(&[]);
    }
}

/// Sets `name` to a copy of `to`, in place when it fits.
fn set_name(name: &mut Option<CompactVec<u8, 64>>, to: Option<&[u8]>) {
    match to {
        Some(to) => name.get_or_insert_with(CompactVec::default).set(to),
        None => *name = None,
    }
}

/// The caller as the JSON format shows it: the short path and the line.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JsonCaller<'a> {
    /// The last two path components (zap's short caller); `None` for an unknown caller.
    pub(crate) short_path: Option<&'a str>,
    /// The line, written as it is.
    pub(crate) line: i64,
}

/// Encodes `record` as one JSON line into `scratch.line`, which is cleared first.
pub(crate) fn encode(
    scratch: &mut Scratch,
    record: &Record<'_>,
    ctx: &JsonContext,
    caller: Option<JsonCaller<'_>>,
    time: (i64, u32),
) {
    let Scratch { line, text, .. } = scratch;
    line.clear();
    line.extend_from_slice(b"{\"ts\":");
    write_timestamp(line, time);
    if let Some(name) = &ctx.name {
        line.extend_from_slice(b",\"logger\":\"");
        line.extend_from_slice(name);
        line.push(b'"');
    }
    match (caller, record.callsite()) {
        (
            Some(JsonCaller {
                short_path: Some(path),
                line: number,
            }),
            _,
        ) => write_caller(line, path, number),
        (Some(_), _) | (None, None) => {}
        (None, Some(c)) => match c.rendered().and_then(|r| r.json()) {
            Some(json) => {
                line.extend_from_slice(b",\"caller\":\"");
                line.extend_from_slice(json);
                line.push(b'"');
            }
            None => write_caller(line, c.short_path(), i64::from(c.line())),
        },
    }
    line.extend_from_slice(b",\"msg\":");
    let message = record.message();
    match record.kind() {
        // klog forwards `Info(msg)` with one trailing line break removed.
        RecordKind::Unstructured => {
            write_zap_str_utf8(line, message.strip_suffix('\n').unwrap_or(message));
        }
        RecordKind::Structured => write_zap_str_utf8(line, message),
    }
    line.extend_from_slice(&ctx.fields);
    let is_error = matches!(record.severity(), Severity::Error | Severity::Fatal);
    if !is_error {
        line.extend_from_slice(b",\"v\":");
        line.extend_from_slice(itoa::Buffer::new().format(record.verbosity()).as_bytes());
    }
    for kv in record.key_values() {
        write_field(line, text, kv);
    }
    if let Some(err) = record.error() {
        write_error_fields(line, text, "err", err);
    }
    line.extend_from_slice(b"}\n");
}

/// `,"caller":"dir/file.rs:42"`
fn write_caller(line: &mut Vec<u8>, short_path: &str, number: i64) {
    line.extend_from_slice(b",\"caller\":\"");
    write_zap_body_utf8(line, short_path);
    line.push(b':');
    line.extend_from_slice(itoa::Buffer::new().format(number).as_bytes());
    line.push(b'"');
}

/// `float64(unix nanoseconds) / 1e6`, written without an exponent (component-base's
/// epoch-millis time encoder).
#[inline]
pub(crate) fn write_timestamp(line: &mut Vec<u8>, (secs, nanos): (i64, u32)) {
    // Until the year 2262 the nanosecond count fits an i64, whose conversion is one
    // instruction (i128's is a library call); both round to the nearest double.
    let unix_nanos = match secs
        .checked_mul(1_000_000_000)
        .and_then(|n| n.checked_add(i64::from(nanos)))
    {
        Some(n) => n as f64,
        None => (i128::from(secs) * 1_000_000_000 + i128::from(nanos)) as f64,
    };
    write_epoch_millis(line, unix_nanos / 1e6);
}

/// `,"key":`
#[inline]
fn write_key(line: &mut Vec<u8>, key: &str) {
    line.push(b',');
    write_zap_str_utf8(line, key);
    line.push(b':');
}

/// Replaces the field begun at `start` with `,"<key>Error":"<message>"` (zap's field
/// for a value that failed to encode or panicked).
#[cold]
#[inline(never)]
fn write_key_error(line: &mut Vec<u8>, start: usize, key: &str, message: &[u8]) {
    line.truncate(start);
    line.extend_from_slice(b",\"");
    write_zap_body_utf8(line, key);
    line.extend_from_slice(b"Error\":");
    write_zap_str(line, message);
}

/// Writes `,"key":value` for a key/value pair (bound or of the call).
pub(crate) fn write_field(line: &mut Vec<u8>, text: &mut Vec<u8>, kv: &KeyValue<'_>) {
    let prefix = kv.rendered_key().and_then(RenderedKey::json);
    write_field_value(line, text, kv.key(), prefix, &kv.value(), Origin::Pair);
}

/// Where a value comes from: a key/value pair, or a [`Marshaler`](crate::Marshaler)'s
/// result, which zapr writes by its Go type without calling `MarshalLog` again (so an
/// object reference there is a Stringer: `"ns/name"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Pair,
    Marshaled,
}

/// `prefix`: the key's `,"key":` rendered at compile time, if it was.
fn write_field_value(
    line: &mut Vec<u8>,
    text: &mut Vec<u8>,
    key: &str,
    prefix: Option<&[u8]>,
    value: &Value<'_>,
    origin: Origin,
) {
    let start = line.len();
    match *value {
        Value::Error(e) => return write_error_fields(line, text, key, e),
        Value::Marshaler(m) if origin == Origin::Pair => {
            return write_marshaled(line, text, key, m)
        }
        _ => {}
    }
    match prefix {
        Some(prefix) => line.extend_from_slice(prefix),
        None => write_key(line, key),
    }
    match *value {
        Value::Str(s) => write_zap_str_utf8(line, s),
        Value::ByteStr(b) => write_zap_str(line, b),
        Value::Bytes(b) => write_base64(line, b),
        Value::NilBytes => line.extend_from_slice(b"\"\""),
        Value::I64(v) => line.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
        Value::U64(v) => line.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
        Value::I128(v) => line.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
        Value::U128(v) => line.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
        Value::F64(v) => write_f64_plain(line, v),
        Value::F32(v) => write_f32_plain(line, v),
        Value::Bool(v) => line.extend_from_slice(if v { b"true" } else { b"false" }),
        Value::Null => line.extend_from_slice(b"null"),
        Value::RawJson(json) => line.extend_from_slice(json.as_str().as_bytes()),
        Value::Display(d) => {
            let rendered = render(text, |w| write!(w, "{d}"));
            write_rendered(line, text, start, key, rendered);
        }
        Value::Debug(d) => {
            let rendered = render(text, |w| write!(w, "{d:?}"));
            write_rendered(line, text, start, key, rendered);
        }
        Value::Object(o) => match origin {
            Origin::Pair => write_object_json(line, o, false),
            Origin::Marshaled => {
                text.clear();
                let _ = write!(ByteWriter(text), "{o}");
                write_zap_str(line, text);
            }
        },
        Value::Objects(list) => match origin {
            Origin::Pair => {
                line.push(b'[');
                for i in 0..list.len() {
                    if i > 0 {
                        line.push(b',');
                    }
                    match list.get(i) {
                        Some(o) => write_object_json(line, o, false),
                        None => line.extend_from_slice(b"null"),
                    }
                }
                line.push(b']');
            }
            // A KObjSlice is a Stringer: `[ns/a ns/b]`, `<nil>` for an absent item.
            Origin::Marshaled => {
                text.clear();
                text.push(b'[');
                for i in 0..list.len() {
                    if i > 0 {
                        text.push(b' ');
                    }
                    match list.get(i) {
                        Some(o) => {
                            let _ = write!(ByteWriter(text), "{o}");
                        }
                        None => text.extend_from_slice(b"<nil>"),
                    }
                }
                text.push(b']');
                write_zap_str(line, text);
            }
        },
        Value::Duration(nanos) => {
            text.clear();
            write_duration(text, nanos);
            write_zap_str(line, text);
        }
        // component-base writes the current time for every time value (a quirk, see
        // docs/format.md); klog-rs writes the value itself, in the same unit.
        Value::Time(t) => write_timestamp(line, unix_parts(t)),
        Value::List(_) | Value::Map(_) => write_collection(line, text, start, key, value),
        // Only reached for a marshaler's result: not marshaled again, JSON-encoded.
        Value::Marshaler(_) | Value::Error(_) => line.extend_from_slice(b"{}"),
        #[cfg(feature = "serde")]
        Value::Serde(_) | Value::Format(_) => write_json_or_error(line, text, start, key, value),
    }
}

/// A list or map: J(x) without HTML escaping; an encoding error or a panicking `to_value`
/// gives the `<key>Error` field.
fn write_collection(
    line: &mut Vec<u8>,
    text: &mut Vec<u8>,
    start: usize,
    key: &str,
    value: &Value<'_>,
) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        super::nested::write_value_json(line, value, false)
    }));
    finish_json_field(line, text, start, key, outcome);
}

/// After a nested JSON value was written: an encoding error becomes the `<key>Error`
/// field with its text, a panic the panic field.
fn finish_json_field<E: std::fmt::Display>(
    line: &mut Vec<u8>,
    text: &mut Vec<u8>,
    start: usize,
    key: &str,
    outcome: std::thread::Result<Result<(), E>>,
) {
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            text.clear();
            let _ = write!(ByteWriter(text), "{e}");
            write_key_error(line, start, key, text);
        }
        Err(payload) => {
            panic_text(text, &*payload);
            write_panic_field(line, text, start, key);
        }
    }
}

/// A serde value: J(x) without HTML escaping (for `Format` too, compact).
#[cfg(feature = "serde")]
fn write_json_or_error(
    line: &mut Vec<u8>,
    text: &mut Vec<u8>,
    start: usize,
    key: &str,
    value: &Value<'_>,
) {
    let (Value::Serde(v) | Value::Format(v)) = *value else {
        return;
    };
    let mode = crate::go::json::JsonMode {
        html: false,
        indent: false,
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        crate::go::json::write_serde(line, v.erased(), mode)
    }));
    finish_json_field(line, text, start, key, outcome);
}

/// The rendered text as a string value, or the `<key>Error` field after a panic.
fn write_rendered(line: &mut Vec<u8>, text: &[u8], start: usize, key: &str, rendered: Rendered) {
    match rendered {
        Rendered::Ok => write_zap_str(line, text),
        Rendered::FmtError => write_zap_str(line, FMT_ERROR_MARKER),
        Rendered::Panic => write_panic_field(line, text, start, key),
    }
}

/// `,"<key>Error":"PANIC=<msg>"` from the `<panic: msg>` text in `text`.
#[cold]
#[inline(never)]
fn write_panic_field(line: &mut Vec<u8>, text: &[u8], start: usize, key: &str) {
    let message = text
        .strip_prefix(b"<panic: ")
        .and_then(|m| m.strip_suffix(b">"))
        .unwrap_or(text);
    let mut field = Vec::with_capacity(message.len() + 6);
    field.extend_from_slice(b"PANIC=");
    field.extend_from_slice(message);
    write_key_error(line, start, key, &field);
}

/// A [`Marshaler`](crate::Marshaler) as zapr writes it: `marshal_log` once, its result
/// by the result's type.
#[cold]
#[inline(never)]
fn write_marshaled(line: &mut Vec<u8>, text: &mut Vec<u8>, key: &str, m: &dyn crate::Marshaler) {
    let start = line.len();
    let mut written = false;
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        m.marshal_log(&mut |result: Value<'_>| {
            if !written {
                written = true;
                write_field_value(line, text, key, None, &result, Origin::Marshaled);
            }
        });
    }));
    match outcome {
        Ok(()) if written => {}
        Ok(()) => {
            write_key(line, key);
            line.extend_from_slice(b"null");
        }
        Err(payload) => {
            panic_text(text, &*payload);
            write_panic_field(line, text, start, key);
        }
    }
}

/// The error fields for key K (zap's `encodeError`): `"K":Error()`, then `"KCauses"`
/// for an error whose source is an [`ErrorCauses`], else `"KVerbose"` when the error's
/// alternate form (`{:#}`) differs from its `Display`, or, for an error with a source,
/// the chain `outer: inner: root`.
pub(crate) fn write_error_fields(
    line: &mut Vec<u8>,
    text: &mut Vec<u8>,
    key: &str,
    err: &(dyn std::error::Error + 'static),
) {
    let start = line.len();
    match render(text, |w| write!(w, "{err}")) {
        Rendered::Panic => return write_panic_field(line, text, start, key),
        Rendered::FmtError => {
            write_key(line, key);
            write_zap_str(line, FMT_ERROR_MARKER);
        }
        Rendered::Ok => {
            write_key(line, key);
            write_zap_str(line, text);
        }
    }
    let source = err.source();
    if let Some(causes) = source.and_then(|s| s.downcast_ref::<ErrorCauses>()) {
        return write_causes(line, text, key, causes);
    }
    let plain_len = text.len();
    // `{:#}` after the plain text, so the two can be compared without a second buffer.
    let alternate = catch_unwind(AssertUnwindSafe(|| write!(ByteWriter(text), "{err:#}")));
    if matches!(alternate, Ok(Ok(()))) && text[plain_len..] != text[..plain_len] {
        line.extend_from_slice(b",\"");
        write_zap_body_utf8(line, key);
        line.extend_from_slice(b"Verbose\":");
        write_zap_str(line, &text[plain_len..]);
    } else if source.is_some() {
        write_chain(line, text, key, err);
    }
}

/// `,"KVerbose":"outer: inner: root"` for an error whose `Display` leaves out its
/// sources (the Rust convention; Go's wrapped errors include them in `Error()`).
#[cold]
#[inline(never)]
fn write_chain(
    line: &mut Vec<u8>,
    text: &mut Vec<u8>,
    key: &str,
    err: &(dyn std::error::Error + 'static),
) {
    text.clear();
    let mut current = Some(err);
    while let Some(e) = current {
        if !text.is_empty() {
            text.extend_from_slice(b": ");
        }
        let at = text.len();
        if !matches!(
            catch_unwind(AssertUnwindSafe(|| write!(ByteWriter(text), "{e}"))),
            Ok(Ok(()))
        ) {
            text.truncate(at);
            text.extend_from_slice(FMT_ERROR_MARKER);
        }
        current = e.source();
    }
    line.extend_from_slice(b",\"");
    write_zap_body_utf8(line, key);
    line.extend_from_slice(b"Verbose\":");
    write_zap_str(line, text);
}

/// `,"KCauses":[{…},…]`: each cause written with key `error`; a cause whose `Display`
/// panics ends the list as `{}`, followed by `"KError":"PANIC=…"` (zap's behaviour).
#[cold]
#[inline(never)]
fn write_causes(line: &mut Vec<u8>, text: &mut Vec<u8>, key: &str, causes: &ErrorCauses) {
    line.extend_from_slice(b",\"");
    write_zap_body_utf8(line, key);
    line.extend_from_slice(b"Causes\":[");
    for (i, cause) in causes.iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        line.push(b'{');
        let fields = line.len();
        if let Rendered::Panic = render(text, |w| write!(w, "{cause}")) {
            line.extend_from_slice(b"}]");
            let at = line.len();
            return write_panic_field(line, text, at, key);
        }
        write_error_fields(line, text, "error", cause);
        // The object's first field has no leading comma.
        if line.get(fields) == Some(&b',') {
            line.remove(fields);
        }
        line.push(b'}');
    }
    line.push(b']');
}
