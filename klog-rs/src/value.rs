//! Values of key/value pairs: [`Value`], the [`ToValue`] conversion, Kubernetes object
//! references ([`KObj`], [`KRef`], [`KObjSlice`]), [`Marshaler`] and the serde wrappers.
//!
//! A `Value` borrows what it shows and never allocates: building one is a copy of a few
//! words, and nothing is rendered until a sink decides to write the record.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::error::Error;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

mod objects;
#[cfg(feature = "serde")]
mod serde_values;

pub use objects::{KMetadata, KObj, KObjItem, KObjSlice, KRef, ObjectList};
#[cfg(feature = "serde")]
pub use serde_values::{Format, JsonString, Serde, SerdeValue};

/// The value of one key/value pair, borrowed from the call site.
///
/// Each variant corresponds to a Go type that klog renders in its own way; see
/// `docs/format.md` for the table of Rust types and their text output. Build values with
/// [`ToValue::to_value`] (what the macros do) or with the constructors below.
///
/// ```
/// use klog::{ToValue, Value};
/// assert!(matches!(3u8.to_value(), Value::U64(3)));
/// assert!(matches!("ready".to_value(), Value::Str("ready")));
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Value<'a> {
    /// A UTF-8 string: quoted like Go's `strconv.Quote`, or a `<` … `>` block if it
    /// contains a line break.
    Str(&'a str),
    /// A string that may hold invalid UTF-8 ([`OsStr`], [`Path`]): logged like a Go string,
    /// each invalid byte as `\xhh`.
    ByteStr(&'a [u8]),
    /// A byte slice (Go `[]byte`): quoted with only printable ASCII kept.
    Bytes(&'a [u8]),
    /// Go's nil `[]byte`: written like an empty slice at the top level, `null` where it is
    /// JSON-encoded (a [`Marshaler`]'s result in text, nested values).
    NilBytes,
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A signed 128-bit integer.
    I128(i128),
    /// An unsigned 128-bit integer.
    U128(u128),
    /// A 64-bit float, spelled like Go's `encoding/json`.
    F64(f64),
    /// A 32-bit float, with its own shortest digits.
    F32(f32),
    /// A boolean.
    Bool(bool),
    /// Go's `nil`: `null`.
    Null,
    /// An error: its `Display` text.
    Error(&'a (dyn Error + 'static)),
    /// Anything with a `Display` form (a Go `fmt.Stringer`).
    Display(&'a dyn fmt::Display),
    /// Anything with a `Debug` form, logged like a Stringer.
    Debug(&'a dyn fmt::Debug),
    /// A Kubernetes object reference: `"namespace/name"` in text.
    Object(KObj<'a>),
    /// A list of object references ([`KObjSlice`]).
    Objects(&'a dyn ObjectList),
    /// A list of values (a Go slice): slices, arrays, `Vec` and `VecDeque` of [`ToValue`]
    /// items (byte slices excepted: they are [`Value::Bytes`]). Written as Go's
    /// `encoding/json` writes a `[]interface{}`: `[1,"a",null]`.
    List(&'a dyn ValueList),
    /// A map of values (a Go map): `HashMap` and `BTreeMap` with string or integer keys.
    /// Written as Go's `encoding/json` writes a map, keys sorted byte-wise as strings:
    /// `{"a":1,"b":2}`.
    Map(&'a dyn ValueMap),
    /// A duration in nanoseconds, logged as Go's `time.Duration` text (`1m0s`).
    Duration(i128),
    /// A point in time, logged as Go's `time.Time` text in UTC.
    Time(SystemTime),
    /// A value that chooses its own log representation ([`Marshaler`]).
    Marshaler(&'a dyn Marshaler),
    /// JSON text written as it is: after `=` in klog text, as the member's value in JSON.
    /// Not public API: the converter's input for a JSON value read from a log line, which it
    /// has already checked.
    #[doc(hidden)]
    RawJson(RawJson<'a>),
    /// A serde value, encoded like Go's `encoding/json` ([`Serde`], [`Value::serde`]).
    #[cfg(feature = "serde")]
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    Serde(SerdeValue<'a>),
    /// A serde value shown as indented JSON, like `klog.Format` ([`Format`],
    /// [`Value::format`]).
    #[cfg(feature = "serde")]
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    Format(SerdeValue<'a>),
}

impl<'a> Value<'a> {
    /// An error value (Go's `error`), for key/values other than the error of an error call.
    ///
    /// ```
    /// let err = std::io::Error::other("connection refused");
    /// let value = klog::Value::error(&err);
    /// assert!(matches!(value, klog::Value::Error(_)));
    /// ```
    #[must_use]
    pub fn error<E: Error + 'static>(err: &'a E) -> Value<'a> {
        Value::Error(err)
    }

    /// A signed duration from nanoseconds (Go's `time.Duration` can be negative; Rust's
    /// [`Duration`] cannot).
    ///
    /// ```
    /// let value = klog::Value::duration_nanos(-1_500);
    /// assert!(matches!(value, klog::Value::Duration(-1_500)));
    /// ```
    #[must_use]
    pub fn duration_nanos(nanos: i128) -> Value<'a> {
        Value::Duration(nanos)
    }
}

/// JSON text the converter has checked, written as it is. Only the crate can make one
/// (the field is private), so a value can never carry unchecked bytes into a line.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct RawJson<'a>(&'a str);

impl<'a> RawJson<'a> {
    /// `json` must be one complete, valid JSON value without a raw newline.
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    pub(crate) fn checked(json: &'a str) -> Self {
        RawJson(json)
    }

    /// The JSON text.
    pub(crate) fn as_str(self) -> &'a str {
        self.0
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.debug_tuple("Str").field(s).finish(),
            Value::ByteStr(b) => f.debug_tuple("ByteStr").field(b).finish(),
            Value::Bytes(b) => f.debug_tuple("Bytes").field(b).finish(),
            Value::NilBytes => f.write_str("NilBytes"),
            Value::I64(v) => f.debug_tuple("I64").field(v).finish(),
            Value::U64(v) => f.debug_tuple("U64").field(v).finish(),
            Value::I128(v) => f.debug_tuple("I128").field(v).finish(),
            Value::U128(v) => f.debug_tuple("U128").field(v).finish(),
            Value::F64(v) => f.debug_tuple("F64").field(v).finish(),
            Value::F32(v) => f.debug_tuple("F32").field(v).finish(),
            Value::Bool(v) => f.debug_tuple("Bool").field(v).finish(),
            Value::Null => f.write_str("Null"),
            Value::Error(_) => f.write_str("Error(..)"),
            Value::Display(_) => f.write_str("Display(..)"),
            Value::Debug(_) => f.write_str("Debug(..)"),
            Value::Object(o) => f.debug_tuple("Object").field(o).finish(),
            Value::Objects(_) => f.write_str("Objects(..)"),
            Value::List(l) => {
                let mut list = f.debug_list();
                for i in 0..l.len() {
                    list.entry(&l.item(i).unwrap_or(Value::Null));
                }
                list.finish()
            }
            Value::Map(m) => {
                let mut map = f.debug_map();
                m.for_each_entry(&mut |k, v| {
                    map.entry(&k, &v);
                });
                map.finish()
            }
            Value::Duration(d) => f.debug_tuple("Duration").field(d).finish(),
            Value::Time(t) => f.debug_tuple("Time").field(t).finish(),
            Value::Marshaler(_) => f.write_str("Marshaler(..)"),
            Value::RawJson(j) => f.debug_tuple("RawJson").field(&j.0).finish(),
            #[cfg(feature = "serde")]
            Value::Serde(_) => f.write_str("Serde(..)"),
            #[cfg(feature = "serde")]
            Value::Format(_) => f.write_str("Format(..)"),
        }
    }
}

/// Conversion into a [`Value`]: what `key = expr` in the macros calls.
///
/// Implemented for strings, every integer width, floats, `bool`, `Option` (`None` is
/// `null`), [`OsStr`]/[`Path`], byte slices (Go's `[]byte`), slices, arrays, `Vec` and
/// `VecDeque` of other `ToValue` items ([`Value::List`]), `HashMap` and `BTreeMap` with
/// string or integer keys ([`Value::Map`]), [`Duration`], [`SystemTime`], the object
/// references and the wrappers of this module. Use `%x` (Display) or `?x` (Debug) in the
/// macros for other types, or implement this trait.
///
/// ```
/// use klog::{ToValue, Value};
/// struct Phase(&'static str);
/// impl ToValue for Phase {
///     fn to_value(&self) -> Value<'_> {
///         Value::Str(self.0)
///     }
/// }
/// assert!(matches!(Phase("Running").to_value(), Value::Str("Running")));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a klog value",
    label = "not a klog value",
    note = "log it with `key = %value` (Display) or `key = ?value` (Debug), as `klog::Serde(&value)` (serde), or implement `klog::ToValue` for it"
)]
pub trait ToValue {
    /// Borrows `self` as a [`Value`].
    fn to_value(&self) -> Value<'_>;

    /// A list of `Self` (`Vec`, array, slice reference…) as a [`Value`]: a
    /// [`Value::List`], except for `u8`, whose lists are Go's `[]byte` ([`Value::Bytes`]).
    /// Not meant to be overridden.
    #[doc(hidden)]
    fn __list_to_value<L: ValueList + AsRef<[Self]>>(list: &L) -> Value<'_>
    where
        Self: Sized,
    {
        Value::List(list)
    }
}

impl<'a> ToValue for Value<'a> {
    fn to_value(&self) -> Value<'_> {
        *self
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

impl<T: ToValue + ?Sized> ToValue for &mut T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

macro_rules! to_value_via_deref {
    ($($t:ty),*) => {$(
        impl<T: ToValue + ?Sized> ToValue for $t {
            fn to_value(&self) -> Value<'_> {
                (**self).to_value()
            }
        }
    )*};
}
to_value_via_deref!(Box<T>, Arc<T>, Rc<T>);

impl ToValue for str {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        Value::Str(self)
    }
}

impl ToValue for String {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        Value::Str(self)
    }
}

impl ToValue for Cow<'_, str> {
    fn to_value(&self) -> Value<'_> {
        Value::Str(self)
    }
}

macro_rules! to_value_int {
    ($variant:ident: $($t:ty),*) => {$(
        impl ToValue for $t {
            #[inline]
            fn to_value(&self) -> Value<'_> {
                Value::$variant((*self).into())
            }
        }
    )*};
}
to_value_int!(I64: i8, i16, i32, i64);
to_value_int!(U64: u16, u32, u64);

impl ToValue for u8 {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        Value::U64((*self).into())
    }

    fn __list_to_value<L: ValueList + AsRef<[u8]>>(list: &L) -> Value<'_> {
        Value::Bytes(list.as_ref())
    }
}
to_value_int!(I128: i128);
to_value_int!(U128: u128);

impl ToValue for isize {
    fn to_value(&self) -> Value<'_> {
        Value::I64(*self as i64)
    }
}

impl ToValue for usize {
    fn to_value(&self) -> Value<'_> {
        Value::U64(*self as u64)
    }
}

impl ToValue for f64 {
    #[inline]
    fn to_value(&self) -> Value<'_> {
        Value::F64(*self)
    }
}

impl ToValue for f32 {
    fn to_value(&self) -> Value<'_> {
        Value::F32(*self)
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Bool(*self)
    }
}

impl ToValue for () {
    fn to_value(&self) -> Value<'_> {
        Value::Null
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value<'_> {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
}

impl ToValue for OsStr {
    fn to_value(&self) -> Value<'_> {
        Value::ByteStr(self.as_encoded_bytes())
    }
}

impl ToValue for OsString {
    fn to_value(&self) -> Value<'_> {
        Value::ByteStr(self.as_encoded_bytes())
    }
}

impl ToValue for Path {
    fn to_value(&self) -> Value<'_> {
        Value::ByteStr(self.as_os_str().as_encoded_bytes())
    }
}

impl ToValue for PathBuf {
    fn to_value(&self) -> Value<'_> {
        self.as_path().to_value()
    }
}

// === Collections

// Lists: every sized container of a slice (a bare `[T]` cannot be a `dyn ValueList`).
macro_rules! list_impls {
    ($(impl[$($g:tt)*] $t:ty;)*) => {$(
        impl<$($g)*> ToValue for $t {
            #[inline]
            fn to_value(&self) -> Value<'_> {
                T::__list_to_value(self)
            }
        }

        impl<$($g)*> ValueList for $t {
            #[inline]
            fn len(&self) -> usize {
                <[T]>::len(self)
            }
            #[inline]
            fn item(&self, index: usize) -> Option<Value<'_>> {
                <[T]>::get(self, index).map(ToValue::to_value)
            }
        }
    )*};
}
list_impls! {
    impl['s, T: ToValue] &'s [T];
    impl[T: ToValue] Vec<T>;
    impl[T: ToValue, const N: usize] [T; N];
    impl[T: ToValue] Box<[T]>;
    impl[T: ToValue] Arc<[T]>;
    impl[T: ToValue] Rc<[T]>;
}

impl<T: ToValue> ToValue for VecDeque<T> {
    fn to_value(&self) -> Value<'_> {
        Value::List(self)
    }
}

/// A list of values, as [`Value::List`] presents it to the encoders: implemented for
/// slices and `VecDeque`s of [`ToValue`] items; implement it for a collection of your own.
///
/// ```
/// use klog::{ToValue, Value, ValueList};
/// struct Ports([u16; 2]);
/// impl ValueList for Ports {
///     fn len(&self) -> usize { self.0.len() }
///     fn item(&self, index: usize) -> Option<Value<'_>> { self.0.get(index).map(ToValue::to_value) }
/// }
/// impl ToValue for Ports {
///     fn to_value(&self) -> Value<'_> { Value::List(self) }
/// }
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder().writer(out.clone()).build_logger();
/// klog::info!(logger, "Listening", ports = Ports([80, 443]));
/// assert!(out.to_string().ends_with("\"Listening\" ports=[80,443]\n"));
/// ```
pub trait ValueList {
    /// The number of items.
    fn len(&self) -> usize;
    /// Whether the list is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The item at `index`; `None` past the end. (Not `get`, which would shadow the
    /// slice method of the types that implement this trait.)
    fn item(&self, index: usize) -> Option<Value<'_>>;
}

impl<T: ToValue> ValueList for VecDeque<T> {
    fn len(&self) -> usize {
        VecDeque::len(self)
    }
    fn item(&self, index: usize) -> Option<Value<'_>> {
        VecDeque::get(self, index).map(ToValue::to_value)
    }
}

/// The key of a map entry: Go's `encoding/json` takes string and integer keys (integers
/// are written as strings, `"10"`, and sorted as strings).
///
/// ```
/// use klog::{MapKey, ToMapKey};
/// assert!(matches!("app".to_map_key(), MapKey::Str("app")));
/// assert!(matches!(7u16.to_map_key(), MapKey::U64(7)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MapKey<'a> {
    /// A string key.
    Str(&'a str),
    /// A signed integer key.
    I64(i64),
    /// An unsigned integer key.
    U64(u64),
}

/// Conversion into a [`MapKey`]: strings and integers (the key types Go's `encoding/json`
/// writes without an error).
///
/// ```
/// use klog::{MapKey, ToMapKey};
/// struct Zone(&'static str);
/// impl ToMapKey for Zone {
///     fn to_map_key(&self) -> MapKey<'_> { MapKey::Str(self.0) }
/// }
/// assert!(matches!(Zone("eu-west-1a").to_map_key(), MapKey::Str("eu-west-1a")));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the key of a logged map",
    label = "not a string or an integer",
    note = "Go's encoding/json writes maps with string or integer keys; implement `klog::ToMapKey` to log another key type"
)]
pub trait ToMapKey {
    /// Borrows `self` as a [`MapKey`].
    fn to_map_key(&self) -> MapKey<'_>;
}

impl ToMapKey for str {
    fn to_map_key(&self) -> MapKey<'_> {
        MapKey::Str(self)
    }
}

impl ToMapKey for String {
    fn to_map_key(&self) -> MapKey<'_> {
        MapKey::Str(self)
    }
}

impl ToMapKey for Cow<'_, str> {
    fn to_map_key(&self) -> MapKey<'_> {
        MapKey::Str(self)
    }
}

impl<T: ToMapKey + ?Sized> ToMapKey for &T {
    fn to_map_key(&self) -> MapKey<'_> {
        (**self).to_map_key()
    }
}

macro_rules! to_map_key_via_deref {
    ($($t:ty),*) => {$(
        impl<T: ToMapKey + ?Sized> ToMapKey for $t {
            fn to_map_key(&self) -> MapKey<'_> {
                (**self).to_map_key()
            }
        }
    )*};
}
to_map_key_via_deref!(Box<T>, Arc<T>, Rc<T>);

macro_rules! to_map_key_int {
    ($variant:ident: $($t:ty),*) => {$(
        impl ToMapKey for $t {
            fn to_map_key(&self) -> MapKey<'_> {
                MapKey::$variant((*self) as _)
            }
        }
    )*};
}
to_map_key_int!(I64: i8, i16, i32, i64, isize);
to_map_key_int!(U64: u8, u16, u32, u64, usize);

/// A map of values, as [`Value::Map`] presents it to the encoders: implemented for
/// `HashMap` and `BTreeMap` with [`ToMapKey`] keys and [`ToValue`] values. The encoders
/// sort the entries (Go's order), so the order of `for_each_entry` does not matter.
///
/// ```
/// use std::collections::HashMap;
/// let labels = HashMap::from([("tier", "web"), ("app", "nginx")]);
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder().writer(out.clone()).build_logger();
/// klog::info!(logger, "Scheduled", labels);
/// assert!(out.to_string().ends_with("\"Scheduled\" labels={\"app\":\"nginx\",\"tier\":\"web\"}\n"));
/// ```
pub trait ValueMap {
    /// The number of entries.
    fn len(&self) -> usize;
    /// Whether the map is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Calls `f` with each entry, in any order.
    fn for_each_entry<'a>(&'a self, f: &mut dyn FnMut(MapKey<'a>, Value<'a>));
}

impl<K: ToMapKey, V: ToValue, S> ValueMap for HashMap<K, V, S> {
    fn len(&self) -> usize {
        HashMap::len(self)
    }
    fn for_each_entry<'a>(&'a self, f: &mut dyn FnMut(MapKey<'a>, Value<'a>)) {
        for (k, v) in self {
            f(k.to_map_key(), v.to_value());
        }
    }
}

impl<K: ToMapKey, V: ToValue> ValueMap for BTreeMap<K, V> {
    fn len(&self) -> usize {
        BTreeMap::len(self)
    }
    fn for_each_entry<'a>(&'a self, f: &mut dyn FnMut(MapKey<'a>, Value<'a>)) {
        for (k, v) in self {
            f(k.to_map_key(), v.to_value());
        }
    }
}

impl<K: ToMapKey, V: ToValue, S> ToValue for HashMap<K, V, S> {
    fn to_value(&self) -> Value<'_> {
        Value::Map(self)
    }
}

impl<K: ToMapKey, V: ToValue> ToValue for BTreeMap<K, V> {
    fn to_value(&self) -> Value<'_> {
        Value::Map(self)
    }
}

impl ToValue for Duration {
    fn to_value(&self) -> Value<'_> {
        Value::Duration(self.as_nanos() as i128)
    }
}

impl ToValue for SystemTime {
    fn to_value(&self) -> Value<'_> {
        Value::Time(*self)
    }
}

impl ToValue for dyn Error + 'static {
    fn to_value(&self) -> Value<'_> {
        Value::Error(self)
    }
}

impl ToValue for dyn Error + Send + Sync + 'static {
    fn to_value(&self) -> Value<'_> {
        Value::Error(self)
    }
}

// === Custom representations, key/value pairs, error causes

/// A value that decides how it is logged (logr's `Marshaler`).
///
/// `marshal_log` passes the value to log instead of `self` to `emit`, once. A string
/// result is logged as a string; any other result is JSON-encoded in text output (it is
/// not marshaled again). A panic inside `marshal_log` is caught and logged as
/// `<panic: …>`.
///
/// A type that also has a separate text form (Go: a `Stringer` that is also a
/// `Marshaler`) returns it from [`Marshaler::as_display`]: the text format then uses it,
/// the JSON format uses `marshal_log`.
///
/// ```
/// struct Secret<'a>(&'a str);
/// impl klog::Marshaler for Secret<'_> {
///     fn marshal_log(&self, emit: &mut dyn FnMut(klog::Value<'_>)) {
///         emit(klog::Value::Str("<redacted>"))
///     }
/// }
/// impl klog::ToValue for Secret<'_> {
///     fn to_value(&self) -> klog::Value<'_> {
///         klog::Value::Marshaler(self)
///     }
/// }
///
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder().writer(out.clone()).build_logger();
/// klog::info!(logger, "Login", password = Secret("hunter2"));
/// assert!(out.to_string().ends_with("\"Login\" password=\"<redacted>\"\n"));
/// ```
pub trait Marshaler {
    /// Calls `emit` with the value to log in place of `self`.
    fn marshal_log(&self, emit: &mut dyn FnMut(Value<'_>));

    /// The text format's representation, if it differs from `marshal_log`'s.
    fn as_display(&self) -> Option<&dyn fmt::Display> {
        None
    }
}

/// A key and its value: one pair of a record's or a logger's key/value list.
///
/// ```
/// let kv = klog::KeyValue::new("attempt", &3);
/// assert_eq!(kv.key(), "attempt");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct KeyValue<'a> {
    key: &'a str,
    value: Value<'a>,
    /// The key as each format writes it, rendered at compile time by the macros.
    rendered: Option<&'static RenderedKey>,
}

/// A key rendered at compile time (the macros' keys are literals): ` key` for the text
/// format and `,"key":` for JSON, so encoding it is one copy. Not public API.
#[doc(hidden)]
#[derive(Debug)]
pub struct RenderedKey {
    text: &'static str,
    /// `None` when the key needs JSON escaping.
    json: Option<&'static str>,
}

impl RenderedKey {
    /// From ` key` and `,"key":` as `concat!` built them; the JSON form is kept only if
    /// `key` needs no escaping.
    #[must_use]
    pub const fn new(key: &str, text: &'static str, json: &'static str) -> RenderedKey {
        let bytes = key.as_bytes();
        let mut i = 0;
        let mut plain = true;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x20 || b == b'"' || b == b'\\' {
                plain = false;
            }
            i += 1;
        }
        RenderedKey {
            text,
            json: if plain { Some(json) } else { None },
        }
    }

    /// ` key`.
    #[inline]
    pub(crate) fn text(&self) -> &'static [u8] {
        self.text.as_bytes()
    }

    /// `,"key":`, if the key needs no escaping.
    #[inline]
    pub(crate) fn json(&self) -> Option<&'static [u8]> {
        match self.json {
            Some(json) => Some(json.as_bytes()),
            None => None,
        }
    }
}

impl<'a> KeyValue<'a> {
    /// A pair from a key and anything [`ToValue`].
    #[inline]
    #[must_use]
    pub fn new<V: ToValue + ?Sized>(key: &'a str, value: &'a V) -> KeyValue<'a> {
        KeyValue {
            key,
            value: value.to_value(),
            rendered: None,
        }
    }

    /// A pair from a key and a [`Value`].
    #[inline]
    #[must_use]
    pub const fn from_value(key: &'a str, value: Value<'a>) -> KeyValue<'a> {
        KeyValue {
            key,
            value,
            rendered: None,
        }
    }

    /// The same pair with its key rendered at compile time (what the macros do).
    #[doc(hidden)]
    #[inline]
    #[must_use]
    pub const fn with_rendered_key(mut self, rendered: &'static RenderedKey) -> KeyValue<'a> {
        self.rendered = Some(rendered);
        self
    }

    /// The key as rendered at compile time, if it was.
    #[inline]
    pub(crate) fn rendered_key(&self) -> Option<&'static RenderedKey> {
        self.rendered
    }

    /// The key.
    #[must_use]
    pub fn key(&self) -> &'a str {
        self.key
    }

    /// The value.
    #[must_use]
    pub fn value(&self) -> Value<'a> {
        self.value
    }
}

/// Several errors behind one: return it from [`Error::source`] to have each logged as a
/// cause (Go's `Errors() []error`, written as `errCauses` by the JSON format).
///
/// ```
/// use std::error::Error;
/// use std::fmt;
///
/// #[derive(Debug)]
/// struct SyncErrors(klog::ErrorCauses);
/// impl fmt::Display for SyncErrors {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         write!(f, "{} errors", self.0.len())
///     }
/// }
/// impl Error for SyncErrors {
///     fn source(&self) -> Option<&(dyn Error + 'static)> {
///         Some(&self.0)
///     }
/// }
///
/// let err = SyncErrors(klog::ErrorCauses::new(vec![
///     "pod a: timeout".into(),
///     "pod b: conflict".into(),
/// ]));
/// assert_eq!(err.0.len(), 2);
/// ```
#[derive(Debug, Default)]
pub struct ErrorCauses(Vec<Box<dyn Error + Send + Sync + 'static>>);

impl ErrorCauses {
    /// Wraps the causes, in order.
    #[must_use]
    pub fn new(causes: Vec<Box<dyn Error + Send + Sync + 'static>>) -> ErrorCauses {
        ErrorCauses(causes)
    }

    /// The number of causes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The causes, in order.
    pub fn iter(&self) -> impl Iterator<Item = &(dyn Error + 'static)> {
        self.0.iter().map(|e| &**e as &(dyn Error + 'static))
    }
}

impl fmt::Display for ErrorCauses {
    /// The causes' texts joined with `; ` (multierr's format).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, cause) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            fmt::Display::fmt(cause, f)?;
        }
        Ok(())
    }
}

impl Error for ErrorCauses {}
