//! klog values as OpenTelemetry values, their types kept: log attributes ([`AnyValue`]:
//! maps and lists nest) and span event attributes ([`opentelemetry::Value`]: no maps, so
//! what does not fit is klog's text form).

use std::collections::HashMap;

use klog::bridge::value_text;
use klog::{KObj, MapKey, Value};
use opentelemetry::logs::AnyValue;
use opentelemetry::{Key, StringValue};

/// Nesting depth past which values are written as klog's text form (klog's own bound for
/// serde values is 128; klog lists and maps rarely nest at all).
const MAX_DEPTH: usize = 32;

/// `value` as a log attribute value, or `None` for Go's `nil` (the OpenTelemetry Rust API
/// has no empty value: the attribute is left out).
///
/// ```
/// use opentelemetry::logs::AnyValue;
/// use klog_opentelemetry::any_value;
/// assert_eq!(any_value(klog::Value::I64(-3)), Some(AnyValue::Int(-3)));
/// assert_eq!(any_value(klog::Value::Str("ok")), Some(AnyValue::from("ok")));
/// assert_eq!(any_value(klog::Value::Null), None);
/// ```
#[must_use]
pub fn any_value(value: Value<'_>) -> Option<AnyValue> {
    any_value_at(value, 0)
}

fn any_value_at(value: Value<'_>, depth: usize) -> Option<AnyValue> {
    Some(match value {
        Value::Str(s) => AnyValue::String(StringValue::from(s.to_owned())),
        Value::ByteStr(b) => AnyValue::String(String::from_utf8_lossy(b).into_owned().into()),
        Value::Bytes(b) => AnyValue::Bytes(Box::new(b.to_vec())),
        Value::NilBytes => AnyValue::Bytes(Box::default()),
        Value::I64(i) => AnyValue::Int(i),
        Value::U64(u) => integer(i64::try_from(u).ok(), value),
        Value::I128(i) => integer(i64::try_from(i).ok(), value),
        Value::U128(u) => integer(i64::try_from(u).ok(), value),
        Value::F64(f) => AnyValue::Double(f),
        Value::F32(f) => AnyValue::Double(f64::from(f)),
        Value::Bool(b) => AnyValue::Boolean(b),
        Value::Null => return None,
        Value::Object(o) => object(o),
        Value::Objects(list) if depth < MAX_DEPTH => AnyValue::ListAny(Box::new(
            (0..list.len())
                .map(|i| list.get(i).map_or(AnyValue::Map(Box::default()), object))
                .collect(),
        )),
        Value::List(list) if depth < MAX_DEPTH => AnyValue::ListAny(Box::new(
            (0..list.len())
                .filter_map(|i| list.item(i).and_then(|v| any_value_at(v, depth + 1)))
                .collect(),
        )),
        Value::Map(map) if depth < MAX_DEPTH => {
            let mut entries = HashMap::with_capacity(map.len());
            map.for_each_entry(&mut |k, v| {
                if let Some(v) = any_value_at(v, depth + 1) {
                    entries.insert(map_key(k), v);
                }
            });
            AnyValue::Map(Box::new(entries))
        }
        // Errors, `Display` values, durations, times, marshalers, serde values, Debug
        // values, and anything nested too deep: klog's text form, as the text line shows
        // it (a panicking `Display` gives klog's marker there, not a panic here).
        other => AnyValue::String(value_text(other).into_string().into()),
    })
}

/// An integer that fits OTLP's `int64`, else its decimal digits (OTLP has no wider or
/// unsigned integer; a double would lose digits).
fn integer(fits: Option<i64>, value: Value<'_>) -> AnyValue {
    match fits {
        Some(i) => AnyValue::Int(i),
        None => AnyValue::String(value_text(value).into_string().into()),
    }
}

/// A `KObj` as a map, as klog's JSON format writes it: `name`, and `namespace` if any.
fn object(o: KObj<'_>) -> AnyValue {
    let mut map = HashMap::with_capacity(2);
    map.insert(Key::from("name"), AnyValue::from(o.name().to_owned()));
    if !o.namespace().is_empty() {
        map.insert(
            Key::from("namespace"),
            AnyValue::from(o.namespace().to_owned()),
        );
    }
    AnyValue::Map(Box::new(map))
}

fn map_key(k: MapKey<'_>) -> Key {
    match k {
        MapKey::Str(s) => Key::from(s.to_owned()),
        MapKey::I64(i) => Key::from(i.to_string()),
        MapKey::U64(u) => Key::from(u.to_string()),
        // `MapKey` is non-exhaustive: a future kind of key as its debug text.
        other => Key::from(format!("{other:?}")),
    }
}

/// `value` as a span event attribute value: scalars keep their type, everything else
/// (lists, maps, object references, durations…) is klog's text form, as the line shows it.
pub(crate) fn span_value(value: Value<'_>) -> opentelemetry::Value {
    use opentelemetry::Value as V;
    match value {
        Value::Str(s) => V::String(s.to_owned().into()),
        Value::I64(i) => V::I64(i),
        Value::U64(u) => i64::try_from(u).map_or_else(|_| text(value), V::I64),
        Value::F64(f) => V::F64(f),
        Value::F32(f) => V::F64(f64::from(f)),
        Value::Bool(b) => V::Bool(b),
        // Errors and `Display` values too: klog's text form guards a panicking `Display`.
        _ => text(value),
    }
}

/// An error's message as klog's text form gives it (a panicking `Display` becomes klog's
/// marker).
pub(crate) fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    value_text(Value::Error(err)).into_string()
}

fn text(value: Value<'_>) -> opentelemetry::Value {
    opentelemetry::Value::String(value_text(value).into_string().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Panics;

    impl std::fmt::Display for Panics {
        fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            panic!("boom")
        }
    }

    impl std::fmt::Debug for Panics {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Panics")
        }
    }

    impl std::error::Error for Panics {}

    #[test]
    fn a_panicking_display_becomes_a_marker_not_a_panic() {
        let text = error_text(&Panics);
        assert!(text.contains("boom"), "{text}");
        let Some(AnyValue::String(s)) = any_value(Value::Display(&Panics)) else {
            panic!("not a string");
        };
        assert!(s.as_str().contains("boom"), "{s}");
        let opentelemetry::Value::String(s) = span_value(Value::Error(&Panics)) else {
            panic!("not a string");
        };
        assert!(s.as_str().contains("boom"), "{s}");
        assert_eq!(
            error_text(&std::io::Error::other("connection refused")),
            "connection refused"
        );
    }
}
