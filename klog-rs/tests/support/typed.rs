//! The corpus' typed values (SCHEMA.md §2.3) as Rust values.
//!
//! Each Go type maps to what a Rust program would log in its place: strings to `&str`
//! (or byte strings for invalid UTF-8), errors to a `std::error::Error`, Stringers to a
//! `Display`, `logr.Marshaler`s to a [`klog::Marshaler`], object references to `KObj`,
//! and collections and structs to serde values whose serialization is what the Rust
//! type would derive (a Go struct's tags become serde renames, `skip_serializing_if` and
//! `klog::JsonString`). Nothing here renders klog output itself.

#![allow(dead_code)]

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use klog::{KObj, MapKey as KlogMapKey, Marshaler, ObjectList, Value, ValueList, ValueMap};
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde_json::Value as Json;

/// A typed corpus value.
#[derive(Debug)]
pub(crate) enum Typed {
    Str(String),
    StrBytes(Vec<u8>),
    Int(i64),
    Uint(u64),
    Float(f64),
    Float32(f32),
    Bool(bool),
    Null,
    Error {
        text: String,
        /// Go's `%+v` text: the Rust error's alternate form (`{:#}`).
        verbose: Option<String>,
        /// Go's `Errors()`: the Rust error's source is an `ErrorCauses`.
        causes: Option<klog::ErrorCauses>,
    },
    ErrorJson(String),
    ErrorPanic(String),
    Stringer(String),
    StringerPanic(String),
    Marshaler(Box<Typed>),
    MarshalerPanic(String),
    MarshalerSelf,
    StringerMarshaler {
        string: String,
        value: Box<Typed>,
    },
    Bytes(Option<Vec<u8>>),
    KObj(Option<(String, String)>),
    KObjs(Vec<(String, String)>),
    KObjSlice(Option<Vec<Option<(String, String)>>>),
    Format(Box<Typed>),
    Duration(i64),
    Time(SystemTime),
    Map(Option<Vec<(MapKey, Typed)>>),
    List(Option<Vec<Typed>>),
    Struct(Vec<Field>),
    JsonMarshaler(String),
}

#[derive(Debug)]
pub(crate) enum MapKey {
    Str(String),
    Int(i64),
}

#[derive(Debug)]
pub(crate) struct Field {
    name: String,
    tag: Option<String>,
    value: Typed,
}

pub(crate) fn base64(text: &str) -> Result<Vec<u8>, String> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| format!("bad base64: {e}"))
}

/// Parses `key/value` entries of a kvs or with_values list (keys are strings here).
pub(crate) fn parse_kvs(list: &Json) -> Result<Vec<(String, Typed)>, String> {
    let mut out = Vec::new();
    for entry in list.as_array().ok_or("kv list is not an array")? {
        let key = entry[0].as_str().ok_or("non-string key")?;
        out.push((key.to_owned(), Typed::parse(&entry[1])?));
    }
    Ok(out)
}

fn str_member(v: &Json, name: &str) -> Result<String, String> {
    v[name]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("missing string member {name} in {v}"))
}

fn number_text(v: &Json) -> Result<String, String> {
    match v {
        Json::Number(n) => Ok(n.to_string()),
        Json::String(s) => Ok(s.clone()),
        other => Err(format!("not a number: {other}")),
    }
}

fn parse_f64(text: &str) -> Result<f64, String> {
    match text {
        "NaN" => Ok(f64::NAN),
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        t => t.parse().map_err(|e| format!("bad float {t}: {e}")),
    }
}

fn parse_f32(text: &str) -> Result<f32, String> {
    match text {
        "NaN" => Ok(f32::NAN),
        "+Inf" => Ok(f32::INFINITY),
        "-Inf" => Ok(f32::NEG_INFINITY),
        // Straight to binary32 (never through f64: double rounding).
        t => t.parse().map_err(|e| format!("bad float32 {t}: {e}")),
    }
}

/// An error's `causes`: strings are plain errors, typed items errors of their own; a
/// `null` cause (Go-specific: a nil error in the list) cannot be expressed.
fn parse_causes(list: &Json) -> Result<klog::ErrorCauses, String> {
    let mut causes: Vec<Box<dyn std::error::Error + Send + Sync>> = Vec::new();
    for item in list.as_array().ok_or("causes")? {
        let cause = match item {
            Json::String(text) => Typed::Error {
                text: text.clone(),
                verbose: None,
                causes: None,
            },
            typed => Typed::parse(typed)?,
        };
        causes.push(Box::new(cause));
    }
    Ok(klog::ErrorCauses::new(causes))
}

fn object_ref(v: &Json) -> Result<Option<(String, String)>, String> {
    if v["nil"] == true {
        return Ok(None);
    }
    Ok(Some((str_member(v, "ns")?, str_member(v, "name")?)))
}

impl Typed {
    pub(crate) fn parse(v: &Json) -> Result<Typed, String> {
        let t = v["t"]
            .as_str()
            .ok_or_else(|| format!("untyped value {v}"))?;
        let nil = v["nil"] == true;
        Ok(match t {
            "str" => match v.get("b64") {
                Some(b) => Typed::StrBytes(base64(b.as_str().ok_or("b64")?)?),
                None => Typed::Str(str_member(v, "v")?),
            },
            "int" => Typed::Int(
                number_text(&v["v"])?
                    .parse()
                    .map_err(|e| format!("int: {e}"))?,
            ),
            "uint" => Typed::Uint(
                number_text(&v["v"])?
                    .parse()
                    .map_err(|e| format!("uint: {e}"))?,
            ),
            "float" => Typed::Float(parse_f64(&number_text(&v["v"])?)?),
            "float32" => Typed::Float32(parse_f32(&number_text(&v["v"])?)?),
            "bool" => Typed::Bool(v["v"].as_bool().ok_or("bool")?),
            "null" => Typed::Null,
            // `verbose` and `causes` matter for the JSON format only.
            "error" => Typed::Error {
                text: str_member(v, "v")?,
                verbose: v["verbose"].as_str().map(str::to_owned),
                causes: match v.get("causes") {
                    None => None,
                    Some(list) => Some(parse_causes(list)?),
                },
            },
            "error_json" => Typed::ErrorJson(str_member(v, "v")?),
            "error_panic" => Typed::ErrorPanic(str_member(v, "v")?),
            "stringer" => Typed::Stringer(str_member(v, "v")?),
            "stringer_panic" => Typed::StringerPanic(str_member(v, "v")?),
            "marshaler" => Typed::Marshaler(Box::new(Typed::parse(&v["v"])?)),
            "marshaler_panic" => Typed::MarshalerPanic(str_member(v, "v")?),
            "marshaler_self" => Typed::MarshalerSelf,
            "stringer_marshaler" => Typed::StringerMarshaler {
                string: str_member(v, "string")?,
                value: Box::new(Typed::parse(&v["v"])?),
            },
            "bytes" if nil => Typed::Bytes(None),
            "bytes" => Typed::Bytes(Some(base64(v["b64"].as_str().ok_or("bytes b64")?)?)),
            "kobj" | "kref" => Typed::KObj(object_ref(v)?),
            "kobjs" => Typed::KObjs(
                v["v"]
                    .as_array()
                    .ok_or("kobjs")?
                    .iter()
                    .map(|o| Ok((str_member(o, "ns")?, str_member(o, "name")?)))
                    .collect::<Result<_, String>>()?,
            ),
            "kobjslice" if nil => Typed::KObjSlice(None),
            "kobjslice" => {
                let items = v["v"]
                    .as_array()
                    .ok_or("kobjslice without a slice cannot be expressed in Rust")?;
                let mut refs = Vec::new();
                for item in items {
                    match item["t"].as_str() {
                        Some("null") => refs.push(None),
                        Some("kobj") => refs.push(Some(object_ref(item)?.unwrap_or_default())),
                        other => return Err(format!("kobjslice item {other:?} is Go-only")),
                    }
                }
                Typed::KObjSlice(Some(refs))
            }
            "format" => Typed::Format(Box::new(Typed::parse(&v["v"])?)),
            "duration" => Typed::Duration(
                number_text(&v["v"])?
                    .parse()
                    .map_err(|e| format!("duration: {e}"))?,
            ),
            "time" => Typed::Time(parse_time(&str_member(v, "v")?)?),
            "map" if nil => Typed::Map(None),
            "map" => {
                let int_keys = v["keys"] == "int";
                let mut entries = Vec::new();
                for pair in v["v"].as_array().ok_or("map entries")? {
                    let key = if int_keys {
                        MapKey::Int(
                            number_text(&pair[0])?
                                .parse()
                                .map_err(|e| format!("key: {e}"))?,
                        )
                    } else {
                        MapKey::Str(pair[0].as_str().ok_or("map key")?.to_owned())
                    };
                    entries.push((key, Typed::parse(&pair[1])?));
                }
                Typed::Map(Some(entries))
            }
            "list" if nil => Typed::List(None),
            "list" => Typed::List(Some(
                v["v"]
                    .as_array()
                    .ok_or("list")?
                    .iter()
                    .map(Typed::parse)
                    .collect::<Result<_, _>>()?,
            )),
            "struct" => {
                let mut fields = Vec::new();
                for f in v["fields"].as_array().into_iter().flatten() {
                    fields.push(Field {
                        name: str_member(f, "name")?,
                        tag: f["json"].as_str().map(str::to_owned),
                        value: Typed::parse(&f["v"])?,
                    });
                }
                Typed::Struct(fields)
            }
            "json_marshaler" => Typed::JsonMarshaler(str_member(v, "v")?),
            other => return Err(format!("type {other} has no Rust counterpart")),
        })
    }

    /// The value a Rust call site would log for this Go value.
    pub(crate) fn to_value(&self) -> Value<'_> {
        match self {
            Typed::Str(s) => Value::Str(s),
            Typed::StrBytes(b) => Value::ByteStr(b),
            Typed::Int(v) => Value::I64(*v),
            Typed::Uint(v) => Value::U64(*v),
            Typed::Float(v) => Value::F64(*v),
            Typed::Float32(v) => Value::F32(*v),
            Typed::Bool(v) => Value::Bool(*v),
            Typed::Null => Value::Null,
            Typed::Error { .. } | Typed::ErrorJson(_) | Typed::ErrorPanic(_) => Value::Error(self),
            Typed::Stringer(_) | Typed::StringerPanic(_) => Value::Display(self),
            Typed::Marshaler(_)
            | Typed::MarshalerPanic(_)
            | Typed::MarshalerSelf
            | Typed::StringerMarshaler { .. } => Value::Marshaler(self),
            Typed::Bytes(Some(b)) => Value::Bytes(b),
            Typed::Bytes(None) => Value::NilBytes,
            Typed::KObj(Some((ns, name))) => Value::Object(KObj::new(ns, name)),
            Typed::KObj(None) => Value::Object(KObj::new("", "")),
            Typed::KObjSlice(None) => Value::Null,
            Typed::KObjSlice(Some(_)) => Value::Objects(self),
            Typed::Format(inner) => Value::format(&**inner),
            Typed::Duration(ns) => Value::Duration(i128::from(*ns)),
            Typed::Time(t) => Value::Time(*t),
            // A Go nil slice or map is a Rust `None`.
            Typed::List(None) | Typed::Map(None) => Value::Null,
            // Slices and maps of values a Rust collection can hold are logged as one
            // (`Vec<T>`, `HashMap<K, V>`); the others (structs, values with their own JSON)
            // as the serde value a Rust program would log.
            Typed::List(Some(_)) if self.is_native() => Value::List(self),
            Typed::Map(Some(_)) if self.is_native() => Value::Map(self),
            Typed::KObjs(_)
            | Typed::Map(_)
            | Typed::List(_)
            | Typed::Struct(_)
            | Typed::JsonMarshaler(_) => Value::serde(self),
        }
    }

    /// Whether a native klog value nested in a list or map is JSON-encoded the way Go
    /// encodes this value: scalars, strings, bytes, times, object references, collections of
    /// these, and values without exported fields (`{}`: errors, Stringers, marshalers). Not
    /// a Go struct, `json.Marshaler`, or an error with `MarshalJSON`.
    pub(crate) fn is_native(&self) -> bool {
        match self {
            Typed::List(Some(items)) => items.iter().all(Typed::is_native),
            Typed::Map(Some(entries)) => entries.iter().all(|(_, v)| v.is_native()),
            Typed::Struct(_)
            | Typed::JsonMarshaler(_)
            | Typed::ErrorJson(_)
            | Typed::KObjs(_)
            | Typed::Format(_) => false,
            _ => true,
        }
    }
}

impl ValueList for Typed {
    fn len(&self) -> usize {
        match self {
            Typed::List(Some(items)) => items.len(),
            _ => 0,
        }
    }

    fn item(&self, index: usize) -> Option<Value<'_>> {
        match self {
            Typed::List(Some(items)) => items.get(index).map(Typed::to_value),
            _ => None,
        }
    }
}

impl ValueMap for Typed {
    fn len(&self) -> usize {
        match self {
            Typed::Map(Some(entries)) => entries.len(),
            _ => 0,
        }
    }

    fn for_each_entry<'a>(&'a self, f: &mut dyn FnMut(KlogMapKey<'a>, Value<'a>)) {
        if let Typed::Map(Some(entries)) = self {
            for (key, value) in entries {
                let key = match key {
                    MapKey::Str(s) => KlogMapKey::Str(s),
                    MapKey::Int(i) => KlogMapKey::I64(*i),
                };
                f(key, value.to_value());
            }
        }
    }
}

impl fmt::Display for Typed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Typed::Error {
                verbose: Some(verbose),
                ..
            } if f.alternate() => f.write_str(verbose),
            Typed::Error { text, .. } | Typed::ErrorJson(text) | Typed::Stringer(text) => {
                f.write_str(text)
            }
            Typed::StringerMarshaler { string, .. } => f.write_str(string),
            Typed::ErrorPanic(msg) | Typed::StringerPanic(msg) => panic!("{msg}"),
            other => write!(f, "{other:?}"),
        }
    }
}

impl std::error::Error for Typed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Typed::Error {
                causes: Some(causes),
                ..
            } => Some(causes),
            _ => None,
        }
    }
}

impl ObjectList for Typed {
    fn len(&self) -> usize {
        match self {
            Typed::KObjSlice(Some(items)) => items.len(),
            _ => 0,
        }
    }

    fn get(&self, index: usize) -> Option<KObj<'_>> {
        match self {
            Typed::KObjSlice(Some(items)) => items
                .get(index)?
                .as_ref()
                .map(|(ns, name)| KObj::new(ns, name)),
            _ => None,
        }
    }
}

/// A Go struct without exported fields.
struct NoFields;

impl serde::Serialize for NoFields {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_struct("NoFields", 0)?.end()
    }
}

impl Marshaler for Typed {
    fn marshal_log(&self, emit: &mut dyn FnMut(Value<'_>)) {
        match self {
            Typed::Marshaler(inner) | Typed::StringerMarshaler { value: inner, .. } => {
                emit(inner.to_value())
            }
            Typed::MarshalerPanic(msg) => panic!("{msg}"),
            Typed::MarshalerSelf => emit(Value::serde(&NoFields)),
            other => emit(other.to_value()),
        }
    }

    fn as_display(&self) -> Option<&dyn fmt::Display> {
        match self {
            Typed::StringerMarshaler { .. } => Some(self),
            _ => None,
        }
    }
}

// === nested values: what the equivalent Rust type's Serialize writes ===

/// Go's nested string: invalid bytes become U+FFFD one by one (what a Rust `String`
/// holding the same text would contain).
fn lossy_per_byte(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for _ in chunk.invalid() {
            out.push('\u{fffd}');
        }
    }
    out
}

struct ObjectRef<'a>(&'a str, &'a str);

impl serde::Serialize for ObjectRef<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        KObj::new(self.0, self.1).serialize(s)
    }
}

impl serde::Serialize for Typed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Typed::Str(v) => s.serialize_str(v),
            Typed::StrBytes(b) => s.serialize_str(&lossy_per_byte(b)),
            Typed::Int(v) => s.serialize_i64(*v),
            Typed::Uint(v) => s.serialize_u64(*v),
            Typed::Float(v) => s.serialize_f64(*v),
            Typed::Float32(v) => s.serialize_f32(*v),
            Typed::Bool(v) => s.serialize_bool(*v),
            Typed::Null => s.serialize_none(),
            Typed::ErrorJson(text) => s.serialize_str(&text.to_uppercase()),
            Typed::Bytes(None) | Typed::List(None) | Typed::Map(None) => s.serialize_none(),
            Typed::Bytes(Some(b)) => s.serialize_bytes(b),
            Typed::KObj(Some((ns, name))) => ObjectRef(ns, name).serialize(s),
            Typed::KObj(None) => ObjectRef("", "").serialize(s),
            Typed::KObjs(refs) => {
                let mut seq = s.serialize_seq(Some(refs.len()))?;
                for (ns, name) in refs {
                    seq.serialize_element(&ObjectRef(ns, name))?;
                }
                seq.end()
            }
            Typed::Duration(ns) => s.serialize_i64(*ns),
            Typed::Time(t) => s.serialize_str(&rfc3339(*t)),
            Typed::List(Some(items)) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Typed::Map(Some(entries)) => {
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    match key {
                        MapKey::Str(k) => map.serialize_entry(k, value)?,
                        MapKey::Int(k) => map.serialize_entry(k, value)?,
                    }
                }
                map.end()
            }
            Typed::Struct(fields) => serialize_struct(fields, s),
            Typed::JsonMarshaler(raw) => {
                let raw = serde_json::value::RawValue::from_string(raw.clone())
                    .map_err(serde::ser::Error::custom)?;
                raw.serialize(s)
            }
            // Values without exported fields (Stringers, errors, marshalers, KObjSlice):
            // encoding/json writes `{}` and never calls their methods.
            Typed::Error { .. }
            | Typed::ErrorPanic(_)
            | Typed::Stringer(_)
            | Typed::StringerPanic(_)
            | Typed::Marshaler(_)
            | Typed::MarshalerPanic(_)
            | Typed::MarshalerSelf
            | Typed::StringerMarshaler { .. }
            | Typed::KObjSlice(_) => NoFields.serialize(s),
            Typed::Format(inner) => {
                let mut st = s.serialize_struct("Format", 1)?;
                st.serialize_field("Object", &**inner)?;
                st.end()
            }
        }
    }
}

// === Go structs: the fields a derived Serialize with the equivalent attributes writes ===

struct Visible<'a> {
    name: String,
    value: &'a Typed,
    as_string: bool,
}

fn exported(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}

/// Go encoding/json's field rules (RULES.md §1.7), as serde attributes would express them.
fn visible_fields(fields: &[Field]) -> Vec<Visible<'_>> {
    struct Candidate<'a> {
        name: String,
        tagged: bool,
        omitempty: bool,
        omitzero: bool,
        as_string: bool,
        value: &'a Typed,
    }
    let mut candidates = Vec::new();
    for f in fields {
        if !exported(&f.name) {
            continue;
        }
        let (mut name, options) = match &f.tag {
            Some(tag) if tag == "-" => continue,
            Some(tag) => match tag.split_once(',') {
                Some((n, o)) => (n.to_owned(), o.to_owned()),
                None => (tag.clone(), String::new()),
            },
            None => (String::new(), String::new()),
        };
        if let Some(quote) = name.find('\'') {
            name.truncate(quote);
        }
        let tagged = !name.is_empty();
        if !tagged {
            name = f.name.clone();
        }
        let has = |o: &str| options.split(',').any(|x| x == o);
        candidates.push(Candidate {
            name,
            tagged,
            omitempty: has("omitempty"),
            omitzero: has("omitzero"),
            as_string: has("string"),
            value: &f.value,
        });
    }
    let mut out = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        let same: Vec<&Candidate<'_>> = candidates.iter().filter(|o| o.name == c.name).collect();
        if same.len() > 1 {
            let tagged: Vec<_> = same.iter().filter(|o| o.tagged).collect();
            if tagged.len() != 1 || !c.tagged {
                continue;
            }
        }
        let _ = i;
        if c.omitempty && is_empty(c.value) {
            continue;
        }
        if c.omitzero && is_zero(c.value) {
            continue;
        }
        let scalar = matches!(
            c.value,
            Typed::Bool(_)
                | Typed::Int(_)
                | Typed::Uint(_)
                | Typed::Float(_)
                | Typed::Float32(_)
                | Typed::Str(_)
                | Typed::StrBytes(_)
                // time.Duration is an int64 to encoding/json.
                | Typed::Duration(_)
        );
        out.push(Visible {
            name: c.name.clone(),
            value: c.value,
            as_string: c.as_string && scalar,
        });
    }
    out
}

fn is_empty(v: &Typed) -> bool {
    match v {
        Typed::Bool(b) => !b,
        Typed::Int(i) => *i == 0,
        Typed::Uint(u) => *u == 0,
        Typed::Float(f) => *f == 0.0,
        Typed::Float32(f) => *f == 0.0,
        Typed::Str(s) => s.is_empty(),
        Typed::StrBytes(b) => b.is_empty(),
        Typed::Duration(d) => *d == 0,
        Typed::Null => true,
        Typed::Bytes(b) => b.as_ref().is_none_or(Vec::is_empty),
        Typed::List(l) => l.as_ref().is_none_or(Vec::is_empty),
        Typed::Map(m) => m.as_ref().is_none_or(Vec::is_empty),
        _ => false,
    }
}

fn is_zero(v: &Typed) -> bool {
    match v {
        Typed::Bytes(b) => b.is_none(),
        Typed::List(l) => l.is_none(),
        Typed::Map(m) => m.is_none(),
        Typed::Struct(fields) => fields.iter().all(|f| is_zero(&f.value)),
        other => is_empty(other),
    }
}

fn serialize_struct<S: serde::Serializer>(fields: &[Field], s: S) -> Result<S::Ok, S::Error> {
    let visible = visible_fields(fields);
    let mut st = s.serialize_struct("GoStruct", visible.len())?;
    for field in visible {
        // serde wants `&'static str` field names, as a derive would have; leaking a few
        // short names per test run is fine.
        let name: &'static str = Box::leak(field.name.into_boxed_str());
        if field.as_string {
            st.serialize_field(name, &klog::JsonString(field.value))?;
        } else {
            st.serialize_field(name, field.value)?;
        }
    }
    st.end()
}

// === time ===

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Parses `YYYY-MM-DDThh:mm:ss[.frac]Z` (UTC) into a `SystemTime`.
pub(crate) fn parse_time(text: &str) -> Result<SystemTime, String> {
    let bad = || format!("bad time {text}");
    let b = text.as_bytes();
    if b.len() < 20 || *b.last().ok_or_else(bad)? != b'Z' {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
        text.get(r).ok_or_else(bad)?.parse().map_err(|_| bad())
    };
    let days = days_from_civil(num(0..4)?, num(5..7)?, num(8..10)?);
    let secs = days * 86400 + num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?;
    let mut nanos = 0u32;
    if b[19] == b'.' {
        let frac = &text[20..text.len() - 1];
        let padded = format!("{frac:0<9}");
        nanos = padded.parse().map_err(|_| bad())?;
    }
    Ok(if secs >= 0 {
        UNIX_EPOCH + Duration::new(secs as u64, nanos)
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
            + Duration::from_nanos(u64::from(nanos))
    })
}

/// RFC 3339 with the fraction's trailing zeros removed, as a Rust time type's serde
/// implementation (chrono, time) writes it for UTC.
fn rfc3339(t: SystemTime) -> String {
    let (secs, nanos) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            let mut secs = -(d.as_secs() as i64);
            let mut nanos = d.subsec_nanos();
            if nanos > 0 {
                secs -= 1;
                nanos = 1_000_000_000 - nanos;
            }
            (secs, nanos)
        }
    };
    let (y, m, d) = civil_from_days(secs.div_euclid(86400));
    let sod = secs.rem_euclid(86400);
    let mut out = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    );
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push('Z');
    out
}
