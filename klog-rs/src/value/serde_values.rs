//! serde values (feature `serde`): [`SerdeValue`], what [`Value::Serde`] and
//! [`Value::Format`] hold, and the wrappers [`Serde`], [`Format`] and [`JsonString`].

use std::fmt;

use super::{ToValue, Value};

/// A borrowed serde value, as [`Value::Serde`] and [`Value::Format`] hold it.
///
/// It keeps the type erasure klog uses for serde values out of klog's API. Build one with
/// [`SerdeValue::new`] or [`Value::serde`]/[`Value::format`] (the [`Serde`] and [`Format`]
/// wrappers do it for you). It serializes as the value it borrows.
///
/// ```
/// use klog::{SerdeValue, Value};
///
/// let ports = vec![80, 443];
/// let value = SerdeValue::new(&ports);
/// assert_eq!(serde_json::to_string(&value).unwrap(), "[80,443]");
/// assert!(matches!(Value::Serde(value), Value::Serde(_)));
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
#[derive(Clone, Copy)]
pub struct SerdeValue<'a>(&'a dyn erased_serde::Serialize);

impl<'a> SerdeValue<'a> {
    /// Borrows `value`.
    ///
    /// ```
    /// let spec = std::collections::BTreeMap::from([("replicas", 3)]);
    /// let value = klog::SerdeValue::new(&spec);
    /// # let _ = value;
    /// ```
    #[inline]
    #[must_use]
    pub fn new<T: serde::Serialize>(value: &'a T) -> SerdeValue<'a> {
        SerdeValue(value)
    }

    /// The value behind the type erasure, for the encoders.
    #[inline]
    pub(crate) fn erased(self) -> &'a dyn erased_serde::Serialize {
        self.0
    }
}

impl fmt::Debug for SerdeValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SerdeValue(..)")
    }
}

impl serde::Serialize for SerdeValue<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        erased_serde::serialize(self.0, serializer)
    }
}

impl<'a> Value<'a> {
    /// A serde value, encoded like Go's `encoding/json` ([`Value::Serde`]).
    ///
    /// ```
    /// let ports = vec![80, 443];
    /// assert!(matches!(klog::Value::serde(&ports), klog::Value::Serde(_)));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    #[must_use]
    pub fn serde<T: serde::Serialize>(value: &'a T) -> Value<'a> {
        Value::Serde(SerdeValue::new(value))
    }

    /// A serde value shown as indented JSON, like `klog.Format` ([`Value::Format`]).
    ///
    /// ```
    /// let spec = std::collections::BTreeMap::from([("replicas", 3)]);
    /// assert!(matches!(klog::Value::format(&spec), klog::Value::Format(_)));
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    #[must_use]
    pub fn format<T: serde::Serialize>(value: &'a T) -> Value<'a> {
        Value::Format(SerdeValue::new(value))
    }
}

/// Logs any `serde::Serialize` value, JSON-encoded like Go's `encoding/json` (map keys
/// sorted, floats and strings spelled as Go does).
///
/// ```
/// let ports = vec![80, 443];
/// let value = klog::Serde(&ports);
/// # use klog::ToValue;
/// assert!(matches!(value.to_value(), klog::Value::Serde(_)));
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
#[derive(Debug, Clone, Copy)]
pub struct Serde<T>(pub T);

impl<T: serde::Serialize> ToValue for Serde<T> {
    fn to_value(&self) -> Value<'_> {
        Value::Serde(SerdeValue::new(&self.0))
    }
}

/// Logs a serde value as indented JSON in a multi-line block (klog's `Format`); the JSON
/// format writes it compactly.
///
/// ```
/// let spec = std::collections::BTreeMap::from([("replicas", 3)]);
/// let value = klog::Format(&spec);
/// # use klog::ToValue;
/// assert!(matches!(value.to_value(), klog::Value::Format(_)));
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
#[derive(Debug, Clone, Copy)]
pub struct Format<T>(pub T);

impl<T: serde::Serialize> ToValue for Format<T> {
    fn to_value(&self) -> Value<'_> {
        Value::Format(SerdeValue::new(&self.0))
    }
}

/// Serializes the wrapped value as a JSON string holding its JSON text, like Go's
/// `json:",string"` struct tag option (`5` → `"5"`, `true` → `"true"`), when encoded by
/// klog; other serializers see the inner value unchanged.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct Limits { #[serde(rename = "cpu")] cpu: klog::JsonString<u32> }
/// let limits = Limits { cpu: klog::JsonString(2) };
/// # let _ = klog::Serde(&limits);
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
#[derive(Debug, Clone, Copy)]
pub struct JsonString<T>(pub T);

impl<T: serde::Serialize> serde::Serialize for JsonString<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(crate::go::json::JSON_STRING_TOKEN, &self.0)
    }
}
