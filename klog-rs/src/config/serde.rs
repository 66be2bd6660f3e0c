//! The serde side of the configuration: strict JSON and YAML loaders (Go's encoding/json
//! rules: unknown fields are errors, `null` means the zero value, structs only as mappings),
//! errors that name the field path, and the value types' (de)serializers.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Unexpected, Visitor};
use serde::{Serialize, Serializer};

use super::quantity::parse_quantity;
use super::{ConfigError, GoDuration, LoggingConfiguration, Quantity};
use crate::go;

// === Loaders

impl LoggingConfiguration {
    /// Parses a JSON configuration, fills in defaults
    /// ([`set_recommended_defaults`](Self::set_recommended_defaults)) and returns it
    /// without validating it (call [`validate`](Self::validate), or
    /// `LoggingFlags::apply_to`, which does).
    ///
    /// Errors name the field path and the position:
    /// ``options.json: unknown field `foo`, expected `splitStream` or `infoBufferSize` at line 1 column 25``.
    ///
    /// ```
    /// let config = klog::LoggingConfiguration::from_json(r#"{"format": "json", "flushFrequency": 1000000000}"#)?;
    /// assert_eq!(config.format, "json");
    /// assert_eq!(config.flush_frequency.to_string(), "1s");
    /// assert_eq!(config.verbosity, 0);
    ///
    /// let err = klog::LoggingConfiguration::from_json(r#"{"formt": "json"}"#).unwrap_err();
    /// assert!(err.to_string().starts_with("unknown field `formt`"));
    /// # Ok::<(), klog::ConfigError>(())
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    pub fn from_json(json: &str) -> Result<Self, ConfigError> {
        let mut de = serde_json::Deserializer::from_str(json);
        let MapOnly::<Self>(mut config) = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| ConfigError::new(json_error_message(&e)))?;
        de.end().map_err(|e| ConfigError::new(e.to_string()))?;
        config.set_recommended_defaults();
        Ok(config)
    }

    /// Parses a YAML configuration, fills in defaults
    /// ([`set_recommended_defaults`](Self::set_recommended_defaults)) and returns it
    /// without validating it.
    ///
    /// Errors name the field path and the position:
    /// `flushFrequency: time: invalid duration "soon" at line 2 column 17`.
    ///
    /// ```
    /// let config = klog::LoggingConfiguration::from_yaml("
    /// format: text
    /// flushFrequency: 1m30s
    /// verbosity: 3
    /// vmodule:
    /// - filePattern: controller*
    ///   verbosity: 5
    /// options:
    ///   text:
    ///     splitStream: true
    ///     infoBufferSize: 64Ki
    /// ")?;
    /// assert_eq!(config.flush_frequency.as_nanos(), 90_000_000_000);
    /// assert_eq!(config.vmodule[0].file_pattern, "controller*");
    /// assert_eq!(config.options.text.info_buffer_size.bytes(), 65_536);
    /// config.validate()?;
    /// # Ok::<(), klog::ConfigError>(())
    /// ```
    #[cfg(feature = "yaml")]
    #[cfg_attr(docsrs, doc(cfg(feature = "yaml")))]
    pub fn from_yaml(yaml: &str) -> Result<Self, ConfigError> {
        // serde_norway: the maintained fork of the deprecated serde_yaml (same API and
        // error messages, with field paths and positions), on a maintained libyaml port.
        let MapOnly::<Self>(mut config) = serde_norway::from_str(yaml).map_err(|e| {
            let mut message = e.to_string();
            // Errors at the start of a mapping (unknown and duplicate fields) are printed
            // without their position.
            if let (false, Some(location)) = (message.contains(" at line "), e.location()) {
                message.push_str(&format!(
                    " at line {} column {}",
                    location.line(),
                    location.column()
                ));
            }
            ConfigError::new(message)
        })?;
        config.set_recommended_defaults();
        Ok(config)
    }

    /// Reads a configuration file: JSON if its extension is `.json`, YAML otherwise
    /// (YAML needs the `yaml` feature). Errors start with the path.
    ///
    /// ```
    /// let path = std::env::temp_dir().join(format!("klog-doc-{}.yaml", std::process::id()));
    /// std::fs::write(&path, "verbosity: 2\n").unwrap();
    /// # #[cfg(feature = "yaml")]
    /// assert_eq!(klog::LoggingConfiguration::from_path(&path)?.verbosity, 2);
    /// std::fs::remove_file(&path).unwrap();
    /// assert!(klog::LoggingConfiguration::from_path(&path).is_err());
    /// # Ok::<(), klog::ConfigError>(())
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    pub fn from_path(path: impl AsRef<std::path::Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError::with_source(
                format!("read logging configuration {}: {e}", path.display()),
                e,
            )
        })?;
        let is_json = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
        let result = if is_json {
            Self::from_json(&text)
        } else {
            #[cfg(feature = "yaml")]
            {
                Self::from_yaml(&text)
            }
            #[cfg(not(feature = "yaml"))]
            {
                Err(ConfigError::new(
                    "YAML configuration files need klog's `yaml` feature",
                ))
            }
        };
        result.map_err(|e| ConfigError::new(format!("{}: {e}", path.display())))
    }

    /// The configuration as compact JSON, with component-base's field names (fields at
    /// their zero value that component-base omits are omitted).
    ///
    /// ```
    /// assert_eq!(
    ///     klog::LoggingConfiguration::default().to_json()?,
    ///     r#"{"format":"text","flushFrequency":"5s","verbosity":0,"options":{"text":{"infoBufferSize":"0"},"json":{"infoBufferSize":"0"}}}"#,
    /// );
    /// # Ok::<(), klog::ConfigError>(())
    /// ```
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    pub fn to_json(&self) -> Result<String, ConfigError> {
        serde_json::to_string(self).map_err(|e| ConfigError::new(e.to_string()))
    }

    /// The configuration as YAML.
    ///
    /// ```
    /// let yaml = klog::LoggingConfiguration::default().to_yaml()?;
    /// assert!(yaml.contains("flushFrequency: 5s\n"));
    /// # Ok::<(), klog::ConfigError>(())
    /// ```
    #[cfg(feature = "yaml")]
    #[cfg_attr(docsrs, doc(cfg(feature = "yaml")))]
    pub fn to_yaml(&self) -> Result<String, ConfigError> {
        serde_norway::to_string(self).map_err(|e| ConfigError::new(e.to_string()))
    }
}

// === Decoding helpers

/// The key under which serde_json's `arbitrary_precision` feature hands a number to
/// `deserialize_any`, as a one-entry map.
const JSON_NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Like Go's encoding/json, `null` leaves a field at its zero value.
pub(super) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A struct that must be written as a mapping: serde's derived structs also accept
/// sequences (positional fields), which Go's encoding/json rejects.
pub(super) struct MapOnly<T>(pub(super) T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MapOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for MapVisitor<T> {
            type Value = MapOnly<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<MapOnly<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(MapOnly)
            }
        }

        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// A struct written as a mapping, or `null` for its default.
pub(super) fn null_or_map<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<MapOnly<T>>::deserialize(deserializer)?.map_or_else(T::default, |m| m.0))
}

/// A list of structs written as mappings, or `null` for an empty list.
pub(super) fn null_or_map_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let list = Option::<Vec<MapOnly<T>>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(list.into_iter().map(|m| m.0).collect())
}

/// A number that serde_json (`arbitrary_precision`) passed as a map, as text.
fn json_number_in_map<'de, A: MapAccess<'de>>(
    mut map: A,
    expecting: &dyn de::Expected,
) -> Result<String, A::Error> {
    match map.next_key::<String>()? {
        Some(key) if key == JSON_NUMBER_TOKEN => map.next_value::<String>(),
        _ => Err(de::Error::invalid_type(Unexpected::Map, expecting)),
    }
}

/// A JSON error with its field path (serde_json's messages have none).
pub(super) fn json_error_message(error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    use serde_path_to_error::Segment;
    let inner = error.inner().to_string();
    let mut segments: Vec<&Segment> = error.path().iter().collect();
    // For an unknown field the path ends with that field; name its parent, as the
    // YAML errors do.
    if inner.starts_with("unknown field") {
        segments.pop();
    }
    let mut path = String::new();
    for segment in segments {
        match segment {
            Segment::Seq { index } => path.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Segment::Enum { variant } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(variant);
            }
            // A key that could not be read: the path ends before it.
            Segment::Unknown => break,
        }
    }
    if path.is_empty() {
        inner
    } else {
        format!("{path}: {inner}")
    }
}

// === Value types

impl Serialize for GoDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.as_string {
            serializer.collect_str(self)
        } else {
            serializer.serialize_i64(self.nanos)
        }
    }
}

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DurationVisitor;

        impl DurationVisitor {
            fn number<E: de::Error>(text: &str) -> Result<GoDuration, E> {
                text.parse::<i64>().map(GoDuration::from_nanos).map_err(|_| {
                    E::custom(format!(
                        "invalid duration {text:?}: expected a duration string such as \"5s\" or an integer number of nanoseconds"
                    ))
                })
            }
        }

        impl<'de> Visitor<'de> for DurationVisitor {
            type Value = GoDuration;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration string such as \"5s\" or an integer number of nanoseconds")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<GoDuration, E> {
                go::time::parse_duration(v)
                    .map(GoDuration::parsed)
                    .map_err(E::custom)
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<GoDuration, E> {
                Ok(GoDuration::from_nanos(v))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<GoDuration, E> {
                Self::number(&v.to_string())
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<GoDuration, E> {
                Self::number(&v.to_string())
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<GoDuration, A::Error> {
                let text = json_number_in_map(map, &self)?;
                Self::number(&text)
            }
        }

        deserializer.deserialize_any(DurationVisitor)
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct QuantityVisitor;

        impl QuantityVisitor {
            fn text<E: de::Error>(text: &str) -> Result<Quantity, E> {
                parse_quantity(text)
                    .map(|bytes| Quantity {
                        text: text.to_owned(),
                        bytes,
                    })
                    .map_err(|reason| E::custom(format!("Invalid value: {text:?}: {reason}")))
            }
        }

        impl<'de> Visitor<'de> for QuantityVisitor {
            type Value = Quantity;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a quantity such as \"64Ki\" or a number of bytes")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
                Self::text(v)
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
                Self::text(&v.to_string())
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
                Self::text(&v.to_string())
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
                Self::text(&v.to_string())
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Quantity, A::Error> {
                let text = json_number_in_map(map, &self)?;
                Self::text(&text)
            }
        }

        deserializer.deserialize_any(QuantityVisitor)
    }
}

#[cfg(test)]
mod tests;
