//! J(x): the `encoding/json` form of a [`Value`] nested where Go would JSON-encode it
//! (the result of a [`Marshaler`](crate::Marshaler) in text output, list items).
//!
//! No `Display`, `Error` or `marshal_log` is called here: Go's `encoding/json` does not
//! call `String()`, `Error()` or `MarshalLog()`, and a Go value without exported fields
//! encodes as `{}`.

use std::fmt;

use base64::Engine as _;

use crate::go::escape::{write_json_bytes, write_json_str};
use crate::go::float::{write_f32_json, write_f64_json, NonFinite};
use crate::go::time::{unix_parts, write_rfc3339};
use crate::value::{KObj, MapKey, Value, ValueList, ValueMap};

/// Why a value could not be JSON-encoded, worded as Go's `encoding/json` words it.
#[derive(Debug)]
pub(crate) enum EncodeError {
    NonFinite(NonFinite),
    #[cfg(feature = "serde")]
    Serde(crate::go::json::JsonError),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::NonFinite(n) => write!(f, "json: unsupported value: {}", n.0),
            #[cfg(feature = "serde")]
            EncodeError::Serde(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl From<NonFinite> for EncodeError {
    fn from(n: NonFinite) -> Self {
        EncodeError::NonFinite(n)
    }
}

/// Appends `{"name":…,"namespace":…}` (namespace omitted when empty).
pub(crate) fn write_object_json(out: &mut Vec<u8>, object: KObj<'_>, html: bool) {
    out.extend_from_slice(b"{\"name\":");
    write_json_str(out, object.name(), html);
    if !object.namespace().is_empty() {
        out.extend_from_slice(b",\"namespace\":");
        write_json_str(out, object.namespace(), html);
    }
    out.push(b'}');
}

/// Appends standard base64 (with padding) in quotes.
pub(crate) fn write_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    let start = out.len();
    out.resize(start + bytes.len().div_ceil(3) * 4, 0);
    let written = base64::engine::general_purpose::STANDARD
        .encode_slice(bytes, &mut out[start..])
        .unwrap_or(0);
    out.truncate(start + written);
    out.push(b'"');
}

/// Appends J(value). On error `out` may hold a partial write: the caller truncates.
pub(crate) fn write_value_json(
    out: &mut Vec<u8>,
    value: &Value<'_>,
    html: bool,
) -> Result<(), EncodeError> {
    match *value {
        Value::Str(s) => write_json_str(out, s, html),
        Value::ByteStr(b) => write_json_bytes(out, b, html),
        Value::Bytes(b) => write_base64(out, b),
        Value::I64(v) => out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
        Value::U64(v) => out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
        Value::I128(v) => out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
        Value::U128(v) => out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes()),
        Value::F64(v) => write_f64_json(out, v)?,
        Value::F32(v) => write_f32_json(out, v)?,
        Value::Bool(v) => out.extend_from_slice(if v { b"true" } else { b"false" }),
        Value::Null | Value::NilBytes => out.extend_from_slice(b"null"),
        Value::Object(o) => write_object_json(out, o, html),
        Value::Duration(nanos) => {
            out.extend_from_slice(itoa::Buffer::new().format(nanos).as_bytes())
        }
        Value::Time(t) => {
            let (secs, nanos) = unix_parts(t);
            out.push(b'"');
            write_rfc3339(out, secs, nanos);
            out.push(b'"');
        }
        Value::List(list) => write_list_json(out, list, html)?,
        Value::RawJson(json) => out.extend_from_slice(json.as_str().as_bytes()),
        Value::Map(map) => write_map_json(out, map, html)?,
        Value::Error(_)
        | Value::Display(_)
        | Value::Debug(_)
        | Value::Objects(_)
        | Value::Marshaler(_) => out.extend_from_slice(b"{}"),
        #[cfg(feature = "serde")]
        Value::Serde(v) => crate::go::json::write_serde(
            out,
            v.erased(),
            crate::go::json::JsonMode {
                html,
                indent: false,
            },
        )
        .map_err(EncodeError::Serde)?,
        #[cfg(feature = "serde")]
        Value::Format(v) => {
            out.extend_from_slice(b"{\"Object\":");
            crate::go::json::write_serde(
                out,
                v.erased(),
                crate::go::json::JsonMode {
                    html,
                    indent: false,
                },
            )
            .map_err(EncodeError::Serde)?;
            out.push(b'}');
        }
    }
    Ok(())
}

/// `[` + J(item) joined by `,` + `]`.
fn write_list_json(out: &mut Vec<u8>, list: &dyn ValueList, html: bool) -> Result<(), EncodeError> {
    out.push(b'[');
    for i in 0..list.len() {
        if i > 0 {
            out.push(b',');
        }
        write_value_json(out, &list.item(i).unwrap_or(Value::Null), html)?;
    }
    out.push(b']');
    Ok(())
}

/// Entries sorted on the stack up to this many; larger maps borrow a heap buffer.
const INLINE_ENTRIES: usize = 16;

/// `{` + `"key":J(value)` joined by `,` + `}`, keys sorted byte-wise as strings (Go's
/// `encoding/json`; integer keys as their decimal text).
fn write_map_json(out: &mut Vec<u8>, map: &dyn ValueMap, html: bool) -> Result<(), EncodeError> {
    let mut inline = [(MapKey::I64(0), Value::Null); INLINE_ENTRIES];
    let mut n = 0;
    let mut overflow = false;
    map.for_each_entry(&mut |k, v| match inline.get_mut(n) {
        Some(slot) => {
            *slot = (k, v);
            n += 1;
        }
        None => overflow = true,
    });
    if !overflow {
        return write_sorted_entries(out, &mut inline[..n], html);
    }
    let mut entries = Vec::with_capacity(map.len());
    map.for_each_entry(&mut |k, v| entries.push((k, v)));
    write_sorted_entries(out, &mut entries, html)
}

fn write_sorted_entries(
    out: &mut Vec<u8>,
    entries: &mut [(MapKey<'_>, Value<'_>)],
    html: bool,
) -> Result<(), EncodeError> {
    // Unstable sort: in place, and Go map keys are unique.
    entries.sort_unstable_by(|a, b| compare_keys(a.0, b.0));
    out.push(b'{');
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match *key {
            MapKey::Str(s) => write_json_str(out, s, html),
            MapKey::I64(v) => write_quoted_int(out, v),
            MapKey::U64(v) => write_quoted_int(out, v),
        }
        out.push(b':');
        write_value_json(out, value, html)?;
    }
    out.push(b'}');
    Ok(())
}

fn write_quoted_int(out: &mut Vec<u8>, v: impl itoa::Integer) {
    out.push(b'"');
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    out.push(b'"');
}

/// Go's order of map keys: byte-wise on the key's string (integers as decimal text).
fn compare_keys(a: MapKey<'_>, b: MapKey<'_>) -> std::cmp::Ordering {
    let (mut buf_a, mut buf_b) = (itoa::Buffer::new(), itoa::Buffer::new());
    key_text(a, &mut buf_a)
        .as_bytes()
        .cmp(key_text(b, &mut buf_b).as_bytes())
}

fn key_text<'a>(key: MapKey<'a>, buf: &'a mut itoa::Buffer) -> &'a str {
    match key {
        MapKey::Str(s) => s,
        MapKey::I64(v) => buf.format(v),
        MapKey::U64(v) => buf.format(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashMap};

    fn json(value: &Value<'_>) -> String {
        let mut out = Vec::new();
        write_value_json(&mut out, value, true).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn map_keys_sort_as_strings() {
        let ints = BTreeMap::from([(10, "x"), (9, "y"), (-1, "z"), (-10, "w")]);
        assert_eq!(
            json(&Value::Map(&ints)),
            r#"{"-1":"z","-10":"w","10":"x","9":"y"}"#
        );
        let strs = HashMap::from([("é", 1), ("e", 2), ("😀", 3), ("Z", 4), ("\u{e000}", 5)]);
        assert_eq!(
            json(&Value::Map(&strs)),
            "{\"Z\":4,\"e\":2,\"é\":1,\"\u{e000}\":5,\"😀\":3}"
        );
    }

    #[test]
    fn large_maps_sort_too() {
        let map: HashMap<u32, u32> = (0..100).map(|i| (i, i)).collect();
        let text = json(&Value::Map(&map));
        assert!(
            text.starts_with(r#"{"0":0,"1":1,"10":10,"11":11,"#),
            "{text}"
        );
        assert!(text.ends_with(r#""98":98,"99":99}"#), "{text}");
        assert_eq!(text.matches(':').count(), 100);
    }

    #[test]
    fn lists_nest_and_fail_as_a_whole() {
        let nested = vec![vec![1.5], vec![]];
        assert_eq!(json(&Value::List(&nested)), "[[1.5],[]]");
        let nan = [1.0, f64::NAN];
        let mut out = Vec::new();
        let err = write_value_json(&mut out, &Value::List(&nan), false).unwrap_err();
        assert_eq!(err.to_string(), "json: unsupported value: NaN");
    }
}
