//! J(x): the `encoding/json` form of a [`Value`] nested where Go would JSON-encode it
//! (the result of a [`Marshaler`](crate::Marshaler) in text output, list items).
//!
//! No `Display`, `Error` or `marshal_log` is called here: Go's `encoding/json` does not
//! call `String()`, `Error()` or `MarshalLog()`, and a Go value without exported fields
//! encodes as `{}`.

use std::fmt;

use base64::Engine as _;

use super::escape::{write_json_bytes, write_json_str};
use super::float::{write_f32_json, write_f64_json, NonFinite};
use super::gotime::{unix_parts, write_rfc3339};
use crate::value::{KObj, Value};

/// Why a value could not be JSON-encoded, worded as Go's `encoding/json` words it.
#[derive(Debug)]
pub(crate) enum EncodeError {
    NonFinite(NonFinite),
    #[cfg(feature = "serde")]
    Serde(super::gojson::JsonError),
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
        Value::Error(_)
        | Value::Display(_)
        | Value::Debug(_)
        | Value::Objects(_)
        | Value::Marshaler(_) => out.extend_from_slice(b"{}"),
        #[cfg(feature = "serde")]
        Value::Serde(v) => super::gojson::write_serde(
            out,
            v,
            super::gojson::JsonMode {
                html,
                indent: false,
            },
        )
        .map_err(EncodeError::Serde)?,
        #[cfg(feature = "serde")]
        Value::Format(v) => {
            out.extend_from_slice(b"{\"Object\":");
            super::gojson::write_serde(
                out,
                v,
                super::gojson::JsonMode {
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
