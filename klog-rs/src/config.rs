//! Logging configuration and command-line flags, as Kubernetes components define them.
//!
//! [`LoggingConfiguration`] is the `logging` section of a component's configuration file
//! (`k8s.io/component-base/logs/api/v1`), with the same JSON/YAML field names, defaults
//! and validation. [`LoggingFlags`] (feature `clap`) holds the component-base flags
//! (`--logging-format`, `-v`, `--vmodule`, …) and Go klog's own flags (`--log_dir`,
//! `--logtostderr`, …) for a component's clap parser; flags that were given override the
//! configuration file.
//!
//! Deliberate differences from component-base, all documented where they apply:
//! - `vmodule` is accepted with the `json` format too (component-base rejects it).
//! - There are no feature gates: the `[Alpha]` options (`splitStream`, `infoBufferSize`)
//!   are accepted as if `LoggingAlphaOptions` were enabled.
//! - `flushFrequency` must be positive (component-base replaces 0 with the default when
//!   it fills in defaults, which [`LoggingConfiguration::set_recommended_defaults`] does
//!   too, and does not check negative values).
//! - `infoBufferSize` must not be negative and is held as a byte count (`u64`).

use std::error::Error;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::Severity;

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/// Why a logging configuration, a flag or a value in them was rejected.
///
/// The message is one line and, like Kubernetes' field errors, names the offending field
/// path first: `format: Invalid value: "xml": Unsupported log format`. Several
/// validation errors are joined as Kubernetes joins them: `[first, second]`.
///
/// ```
/// let mut config = klog::LoggingConfiguration::default();
/// config.format = "xml".into();
/// let err = config.validate().unwrap_err();
/// assert_eq!(err.to_string(), r#"format: Invalid value: "xml": Unsupported log format"#);
/// ```
#[derive(Debug)]
pub struct ConfigError {
    message: String,
    source: Option<Box<dyn Error + Send + Sync + 'static>>,
}

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
            source: None,
        }
    }

    /// Joins field errors the way apimachinery's `utilerrors.Aggregate` prints them: one
    /// error as is, several (deduplicated, in order) as `[a, b]`.
    fn aggregate(errors: Vec<String>) -> Result<(), ConfigError> {
        let mut unique: Vec<String> = Vec::with_capacity(errors.len());
        for e in errors {
            if !unique.contains(&e) {
                unique.push(e);
            }
        }
        match unique.len() {
            0 => Ok(()),
            1 => Err(ConfigError::new(unique.remove(0))),
            _ => Err(ConfigError::new(format!("[{}]", unique.join(", ")))),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for ConfigError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

// ---------------------------------------------------------------------------------------
// Durations (Go's time.Duration and component-base's TimeOrMetaDuration)
// ---------------------------------------------------------------------------------------

const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// A Go `time.Duration` (signed nanoseconds), as `flushFrequency` and
/// `--log-flush-frequency` take it.
///
/// Parsed from Go's duration syntax (`"5s"`, `"1m30s"`, `"100ms"`, `"1.5h"`, `"-2us"`)
/// with [`FromStr`], displayed the way Go prints durations. In a configuration file it
/// is either such a string or an integer number of nanoseconds, like component-base's
/// `TimeOrMetaDuration`, and it is written back in the form it was read in.
///
/// Equality compares the length only, not the form it is written in.
///
/// ```
/// use klog::GoDuration;
///
/// let d: GoDuration = "1m30s".parse().unwrap();
/// assert_eq!(d.as_nanos(), 90_000_000_000);
/// assert_eq!(d.to_std(), Some(std::time::Duration::from_secs(90)));
/// assert_eq!(d.to_string(), "1m30s");
/// assert_eq!(GoDuration::from_nanos(1_500_000).to_string(), "1.5ms");
/// assert!("5".parse::<GoDuration>().is_err()); // Go requires a unit
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct GoDuration {
    nanos: i64,
    /// Serialize as a string (it was read from one) rather than as nanoseconds.
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    as_string: bool,
}

impl GoDuration {
    /// A duration of `nanos` nanoseconds; serialized as an integer, like Go's
    /// `TimeOrMetaDuration` read from an integer.
    ///
    /// ```
    /// assert_eq!(klog::GoDuration::from_nanos(5_000_000_000).to_string(), "5s");
    /// ```
    #[must_use]
    pub const fn from_nanos(nanos: i64) -> Self {
        GoDuration {
            nanos,
            as_string: false,
        }
    }

    /// Converts a [`std::time::Duration`], saturating at Go's maximum (about 292 years);
    /// serialized as a string.
    ///
    /// ```
    /// use std::time::Duration;
    /// let d = klog::GoDuration::from_std(Duration::from_millis(100));
    /// assert_eq!(d.to_string(), "100ms");
    /// ```
    #[must_use]
    pub fn from_std(duration: std::time::Duration) -> Self {
        GoDuration {
            nanos: i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX),
            as_string: true,
        }
    }

    /// The length in nanoseconds (negative for negative durations).
    ///
    /// ```
    /// assert_eq!("-1.5s".parse::<klog::GoDuration>().unwrap().as_nanos(), -1_500_000_000);
    /// ```
    #[must_use]
    pub const fn as_nanos(&self) -> i64 {
        self.nanos
    }

    /// The length as a [`std::time::Duration`], `None` if it is negative.
    ///
    /// ```
    /// use std::time::Duration;
    /// let d: klog::GoDuration = "2h".parse().unwrap();
    /// assert_eq!(d.to_std(), Some(Duration::from_secs(7200)));
    /// assert_eq!("-1s".parse::<klog::GoDuration>().unwrap().to_std(), None);
    /// ```
    #[must_use]
    pub fn to_std(&self) -> Option<std::time::Duration> {
        u64::try_from(self.nanos)
            .ok()
            .map(std::time::Duration::from_nanos)
    }
}

impl PartialEq for GoDuration {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for GoDuration {}

impl FromStr for GoDuration {
    type Err = ConfigError;

    /// Go's `time.ParseDuration`.
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        parse_go_duration(s)
            .map(|nanos| GoDuration {
                nanos,
                as_string: true,
            })
            .map_err(ConfigError::new)
    }
}

impl fmt::Display for GoDuration {
    /// Go's `time.Duration.String`: `1h2m3.5s`, `1m30s`, `100ms`, `1.5µs`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_go_duration(self.nanos))
    }
}

/// Go's `time.ParseDuration`, with its error messages.
fn parse_go_duration(orig: &str) -> Result<i64, String> {
    const LIMIT: u64 = 1 << 63;
    let invalid = || format!("time: invalid duration {orig:?}");
    let mut s = orig;
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        let first = s.as_bytes()[0];
        if !(first == b'.' || first.is_ascii_digit()) {
            return Err(invalid());
        }
        // The integer part.
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let mut value: u64 = 0;
        for c in s[..int_len].bytes() {
            if value > LIMIT / 10 {
                return Err(invalid());
            }
            value = value * 10 + u64::from(c - b'0');
            if value > LIMIT {
                return Err(invalid());
            }
        }
        let had_int = int_len > 0;
        s = &s[int_len..];
        // The fraction: Go keeps the digits that fit and scales in floating point.
        let mut frac: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut had_frac = false;
        if let Some(rest) = s.strip_prefix('.') {
            s = rest;
            let frac_len = s.bytes().take_while(u8::is_ascii_digit).count();
            let mut overflow = false;
            for c in s[..frac_len].bytes() {
                if overflow {
                    continue;
                }
                if frac > (LIMIT - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let next = frac * 10 + u64::from(c - b'0');
                if next > LIMIT {
                    overflow = true;
                    continue;
                }
                frac = next;
                scale *= 10.0;
            }
            had_frac = frac_len > 0;
            s = &s[frac_len..];
        }
        if !had_int && !had_frac {
            return Err(invalid());
        }
        // The unit: everything up to the next digit or '.'.
        let unit_len = s
            .bytes()
            .position(|c| c == b'.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(format!("time: missing unit in duration {orig:?}"));
        }
        let unit_name = &s[..unit_len];
        s = &s[unit_len..];
        let unit: u64 = match unit_name {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => NANOS_PER_SECOND,
            "m" => 60 * NANOS_PER_SECOND,
            "h" => 3600 * NANOS_PER_SECOND,
            _ => {
                return Err(format!(
                    "time: unknown unit {unit_name:?} in duration {orig:?}"
                ))
            }
        };
        if value > LIMIT / unit {
            return Err(invalid());
        }
        value *= unit;
        if frac > 0 {
            // Float to integer conversion truncates, as in Go.
            let extra = (frac as f64 * (unit as f64 / scale)) as u64;
            value = value.checked_add(extra).ok_or_else(invalid)?;
            if value > LIMIT {
                return Err(invalid());
            }
        }
        total = total.checked_add(value).ok_or_else(invalid)?;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if negative {
        // `total` is at most 2^63, so the negation fits.
        return Ok(0i64.wrapping_sub_unsigned(total));
    }
    i64::try_from(total).map_err(|_| invalid())
}

/// Go's `time.Duration.String`.
fn format_go_duration(nanos: i64) -> String {
    /// Appends `.digits` of `frac` (which has `prec` digits) without trailing zeros.
    fn push_frac(out: &mut String, frac: u64, prec: usize) {
        if frac != 0 {
            let digits = format!("{frac:0prec$}");
            out.push('.');
            out.push_str(digits.trim_end_matches('0'));
        }
    }

    let mut out = String::new();
    if nanos < 0 {
        out.push('-');
    }
    let u = nanos.unsigned_abs();
    if u == 0 {
        return "0s".to_owned();
    }
    if u < 1_000 {
        out.push_str(&format!("{u}ns"));
    } else if u < 1_000_000 {
        out.push_str(&(u / 1_000).to_string());
        push_frac(&mut out, u % 1_000, 3);
        out.push_str("\u{b5}s");
    } else if u < NANOS_PER_SECOND {
        out.push_str(&(u / 1_000_000).to_string());
        push_frac(&mut out, u % 1_000_000, 6);
        out.push_str("ms");
    } else {
        let secs = u / NANOS_PER_SECOND;
        let (hours, minutes, seconds) = (secs / 3600, (secs / 60) % 60, secs % 60);
        if hours > 0 {
            out.push_str(&format!("{hours}h"));
        }
        if secs >= 60 {
            out.push_str(&format!("{minutes}m"));
        }
        out.push_str(&seconds.to_string());
        push_frac(&mut out, u % NANOS_PER_SECOND, 9);
        out.push('s');
    }
    out
}

// ---------------------------------------------------------------------------------------
// Quantities (apimachinery's resource.Quantity, for byte sizes)
// ---------------------------------------------------------------------------------------

const QUANTITY_FORMAT_ERROR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const QUANTITY_SUFFIX_ERROR: &str = "unable to parse quantity's suffix";
const QUANTITY_NEGATIVE_ERROR: &str = "must be greater than or equal to 0";

/// A Kubernetes resource quantity used as a byte count, as `infoBufferSize` and
/// `--log-*-info-buffer-size` take it.
///
/// Accepts what apimachinery's `resource.ParseQuantity` accepts: a decimal number (`512`,
/// `1.5`) with an optional binary suffix (`Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`: powers of
/// 1024), decimal suffix (`k`, `M`, `G`, `T`, `P`, `E`, and `m`, `u`, `n` for fractions)
/// or exponent (`1e3`). Fractional byte counts are rounded up, like `Quantity.Value()`.
/// Negative values are rejected. The text is kept as given, for display and
/// serialization; equality compares the byte count only.
///
/// ```
/// use klog::Quantity;
///
/// assert_eq!("64Ki".parse::<Quantity>().unwrap().bytes(), 65_536);
/// assert_eq!("1M".parse::<Quantity>().unwrap().bytes(), 1_000_000);
/// assert_eq!("1.5Ki".parse::<Quantity>().unwrap().to_string(), "1.5Ki");
/// assert!("12x".parse::<Quantity>().is_err());
/// assert!("-1Ki".parse::<Quantity>().is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Quantity {
    text: String,
    bytes: u64,
}

impl Quantity {
    /// A quantity of `bytes` bytes, written as a plain integer.
    ///
    /// ```
    /// assert_eq!(klog::Quantity::from_bytes(2048).to_string(), "2048");
    /// ```
    #[must_use]
    pub fn from_bytes(bytes: u64) -> Self {
        Quantity {
            text: bytes.to_string(),
            bytes,
        }
    }

    /// The number of bytes.
    ///
    /// ```
    /// assert_eq!("2Mi".parse::<klog::Quantity>().unwrap().bytes(), 2 * 1024 * 1024);
    /// ```
    #[must_use]
    pub const fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The text the quantity was parsed from.
    ///
    /// ```
    /// assert_eq!("1Gi".parse::<klog::Quantity>().unwrap().as_str(), "1Gi");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl Default for Quantity {
    /// `0`, component-base's default.
    fn default() -> Self {
        Quantity::from_bytes(0)
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for Quantity {}

impl FromStr for Quantity {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, ConfigError> {
        parse_quantity(s)
            .map(|bytes| Quantity {
                text: s.to_owned(),
                bytes,
            })
            .map_err(ConfigError::new)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// apimachinery's `resource.ParseQuantity` followed by `Value()` (rounding up), limited
/// to non-negative values that fit in a `u64`.
fn parse_quantity(s: &str) -> Result<u64, String> {
    /// Significant digits that always fit in a u128 (which holds 38 full digits).
    const MAX_DIGITS: usize = 38;
    let too_large = || format!("must be less than or equal to {}", u64::MAX);

    let b = s.as_bytes();
    let mut i = 0;
    let mut negative = false;
    if let Some(&sign @ (b'+' | b'-')) = b.first() {
        negative = sign == b'-';
        i = 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = &s[int_start..i];
    let mut frac_digits = "";
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = &s[frac_start..i];
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return Err(QUANTITY_FORMAT_ERROR.to_owned());
    }
    let suffix_start = i;
    while i < b.len() && b"eEinumkKMGTP".contains(&b[i]) {
        i += 1;
    }
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i != b.len() {
        return Err(QUANTITY_FORMAT_ERROR.to_owned());
    }

    enum Multiplier {
        /// A power of 1024.
        Binary(u32),
        /// A power of 10.
        Decimal(i64),
    }
    let multiplier = match &s[suffix_start..] {
        "Ki" => Multiplier::Binary(1),
        "Mi" => Multiplier::Binary(2),
        "Gi" => Multiplier::Binary(3),
        "Ti" => Multiplier::Binary(4),
        "Pi" => Multiplier::Binary(5),
        "Ei" => Multiplier::Binary(6),
        "n" => Multiplier::Decimal(-9),
        "u" => Multiplier::Decimal(-6),
        "m" => Multiplier::Decimal(-3),
        "" => Multiplier::Decimal(0),
        "k" => Multiplier::Decimal(3),
        "M" => Multiplier::Decimal(6),
        "G" => Multiplier::Decimal(9),
        "T" => Multiplier::Decimal(12),
        "P" => Multiplier::Decimal(15),
        "E" => Multiplier::Decimal(18),
        other => {
            let exponent = other
                .strip_prefix(['e', 'E'])
                .filter(|e| !e.is_empty())
                .and_then(|e| e.parse::<i64>().ok())
                .ok_or_else(|| QUANTITY_SUFFIX_ERROR.to_owned())?;
            Multiplier::Decimal(exponent)
        }
    };

    // The significant digits as an integer `num`, divided by 10^`den_exp`.
    let int_digits = int_digits.trim_start_matches('0');
    let frac_digits = frac_digits.trim_end_matches('0');
    let mut num: u128 = 0;
    let mut significant = 0usize;
    let mut den_exp: u64 = 0;
    // Fraction digits beyond what fits are dropped; they only matter for rounding up.
    let mut inexact = false;
    for (index, c) in int_digits.bytes().chain(frac_digits.bytes()).enumerate() {
        let in_fraction = index >= int_digits.len();
        if num == 0 && c == b'0' {
            if in_fraction {
                den_exp += 1;
            }
            continue;
        }
        if significant == MAX_DIGITS {
            if in_fraction {
                inexact = true;
                break;
            }
            return Err(too_large());
        }
        num = num * 10 + u128::from(c - b'0');
        significant += 1;
        if in_fraction {
            den_exp += 1;
        }
    }
    if num == 0 && !inexact {
        return Ok(0);
    }
    if negative {
        return Err(QUANTITY_NEGATIVE_ERROR.to_owned());
    }
    match multiplier {
        Multiplier::Binary(power) => {
            num = num
                .checked_mul(1u128 << (10 * power))
                .ok_or_else(too_large)?;
        }
        Multiplier::Decimal(exp) if exp >= 0 => {
            let factor = u32::try_from(exp)
                .ok()
                .and_then(|e| 10u128.checked_pow(e))
                .ok_or_else(too_large)?;
            num = num.checked_mul(factor).ok_or_else(too_large)?;
        }
        Multiplier::Decimal(exp) => den_exp = den_exp.saturating_add(exp.unsigned_abs()),
    }
    let value = match u32::try_from(den_exp)
        .ok()
        .and_then(|e| 10u128.checked_pow(e))
    {
        // The divisor is larger than any u128: a positive fraction below 1.
        None => 1,
        Some(den) => num / den + u128::from(num % den != 0 || inexact),
    };
    u64::try_from(value).map_err(|_| too_large())
}

// ---------------------------------------------------------------------------------------
// The configuration
// ---------------------------------------------------------------------------------------

/// A component's logging configuration: component-base's `LoggingConfiguration`
/// (`k8s.io/component-base/logs/api/v1`), the `logging` section of kubelet's and the
/// schedulers' configuration files.
///
/// The JSON/YAML field names and defaults are component-base's:
///
/// | field | type | default |
/// |---|---|---|
/// | `format` | `"text"` or `"json"` | `"text"` |
/// | `flushFrequency` | duration string (`"5s"`) or integer nanoseconds | `"5s"` |
/// | `verbosity` | integer ≥ 0 | `0` |
/// | `vmodule` | list of `{filePattern, verbosity}` | empty |
/// | `options.text.splitStream`, `options.json.splitStream` | bool | `false` |
/// | `options.text.infoBufferSize`, `options.json.infoBufferSize` | quantity (`"64Ki"`) | `"0"` |
///
/// Unknown fields are errors. `vmodule` is accepted with the `json` format too, which
/// component-base rejects ("Only supported for text log format"): klog-rs applies
/// per-file verbosity whatever the output format.
///
/// ```
/// let mut config = klog::LoggingConfiguration::default();
/// assert_eq!(config.format, "text");
/// assert_eq!(config.flush_frequency.to_string(), "5s");
/// config.verbosity = 4;
/// config.vmodule.push(klog::VModuleItem::new("controller*", 6));
/// config.validate().unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields, rename_all = "camelCase")
)]
#[non_exhaustive]
pub struct LoggingConfiguration {
    /// The output format: `"text"` (klog's text format, the default) or `"json"`.
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "String::is_empty",
            deserialize_with = "de::null_as_default"
        )
    )]
    pub format: String,
    /// The longest time between log flushes (default 5s). Ignored by outputs that write
    /// without buffering.
    #[cfg_attr(feature = "serde", serde(deserialize_with = "de::null_as_default"))]
    pub flush_frequency: GoDuration,
    /// The verbosity threshold (`-v`): `V(n)` messages with `n` above it are discarded.
    /// Error messages are always written. At most `i32::MAX`.
    #[cfg_attr(feature = "serde", serde(deserialize_with = "de::null_as_default"))]
    pub verbosity: u32,
    /// Per-file verbosity thresholds (`--vmodule`), overriding [`verbosity`](Self::verbosity).
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "Vec::is_empty",
            deserialize_with = "de::null_or_map_list"
        )
    )]
    pub vmodule: Vec<VModuleItem>,
    /// Options of the output formats. Only those of the selected format are used, but
    /// all are validated.
    #[cfg_attr(feature = "serde", serde(deserialize_with = "de::null_or_map"))]
    pub options: FormatOptions,
}

/// Options of the output formats: `options` in a [`LoggingConfiguration`].
///
/// ```
/// let mut config = klog::LoggingConfiguration::default();
/// config.options.json.split_stream = true;
/// config.options.json.info_buffer_size = "64Ki".parse().unwrap();
/// assert_eq!(config.options.json.info_buffer_size.bytes(), 65_536);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields, rename_all = "camelCase")
)]
#[non_exhaustive]
pub struct FormatOptions {
    /// `[Alpha]` options of the `text` format.
    #[cfg_attr(feature = "serde", serde(deserialize_with = "de::null_or_map"))]
    pub text: OutputRoutingOptions,
    /// `[Alpha]` options of the `json` format.
    #[cfg_attr(feature = "serde", serde(deserialize_with = "de::null_or_map"))]
    pub json: OutputRoutingOptions,
}

/// Where a format writes: `options.text` and `options.json` in a
/// [`LoggingConfiguration`] (component-base's `OutputRoutingOptions`).
///
/// Component-base does not require `split_stream` for `info_buffer_size` (the size is
/// simply unused without it), and neither does klog-rs.
///
/// ```
/// let options = klog::OutputRoutingOptions::default();
/// assert!(!options.split_stream);
/// assert_eq!(options.info_buffer_size.bytes(), 0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields, rename_all = "camelCase")
)]
#[non_exhaustive]
pub struct OutputRoutingOptions {
    /// `[Alpha]` Write error messages to stderr and info messages to stdout, instead of
    /// everything to one stream.
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "std::ops::Not::not",
            deserialize_with = "de::null_as_default"
        )
    )]
    pub split_stream: bool,
    /// `[Alpha]` With split streams, buffer this many bytes of info messages; 0 (the
    /// default) disables buffering.
    #[cfg_attr(feature = "serde", serde(deserialize_with = "de::null_as_default"))]
    pub info_buffer_size: Quantity,
}

/// One per-file verbosity threshold: `pattern=N` in `--vmodule`.
///
/// `file_pattern` is a file's base name without its extension, or a glob pattern for
/// such names (`controller*`); it must not contain `,` or `=`.
///
/// ```
/// let items = klog::VModuleItem::parse_list("sched*=3,,queue=5").unwrap();
/// assert_eq!(items, [klog::VModuleItem::new("sched*", 3), klog::VModuleItem::new("queue", 5)]);
/// assert_eq!(items[0].to_string(), "sched*=3");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields, rename_all = "camelCase")
)]
pub struct VModuleItem {
    /// The file name or glob pattern.
    #[cfg_attr(feature = "serde", serde(deserialize_with = "de::null_as_default"))]
    pub file_pattern: String,
    /// The verbosity threshold for matching files. At most `i32::MAX`.
    #[cfg_attr(feature = "serde", serde(deserialize_with = "de::null_as_default"))]
    pub verbosity: u32,
    /// klog-rs extension: `verbosity` is the exact level of matching call sites, also
    /// below `-v` (`--vmodule=pattern==N`; in a file, `exact: true`). Not written when
    /// `false`, so configurations without it stay component-base's.
    #[cfg_attr(
        feature = "serde",
        serde(
            deserialize_with = "de::null_as_default",
            skip_serializing_if = "std::ops::Not::not"
        )
    )]
    pub exact: bool,
}

impl VModuleItem {
    /// A threshold for files matching `file_pattern`.
    ///
    /// ```
    /// let item = klog::VModuleItem::new("gopher*", 3);
    /// assert_eq!(item.file_pattern, "gopher*");
    /// ```
    #[must_use]
    pub fn new(file_pattern: impl Into<String>, verbosity: u32) -> Self {
        VModuleItem {
            file_pattern: file_pattern.into(),
            verbosity,
            exact: false,
        }
    }

    /// An exact level for call sites matching `file_pattern` (`pattern==N`, a klog-rs
    /// extension): they log `V(0)` to `V(verbosity)` whatever `-v` is, so a chatty
    /// dependency can be quieted below `-v`.
    ///
    /// ```
    /// let item = klog::VModuleItem::exact("hyper::*", 0);
    /// assert_eq!(item.to_string(), "hyper::*==0");
    /// assert_eq!(klog::VModuleItem::parse_list("hyper::*==0").unwrap(), [item]);
    /// ```
    #[must_use]
    pub fn exact(file_pattern: impl Into<String>, verbosity: u32) -> Self {
        VModuleItem {
            exact: true,
            ..VModuleItem::new(file_pattern, verbosity)
        }
    }

    /// Parses a `--vmodule` value with Go klog's grammar: a comma-separated list of
    /// `pattern=N`, where empty entries are skipped, each entry has exactly one `=`, a
    /// non-empty pattern and a decimal `N` (an `i32`, optionally signed) that is not
    /// negative. Entries with `N = 0` are kept. klog-rs's extension `pattern==N` (an
    /// [exact](Self::exact) entry, which Go rejects) is accepted too.
    ///
    /// ```
    /// use klog::VModuleItem;
    /// assert_eq!(VModuleItem::parse_list("a=1,b*=2").unwrap().len(), 2);
    /// assert_eq!(
    ///     VModuleItem::parse_list("a").unwrap_err().to_string(),
    ///     "syntax error: expect comma-separated list of filename=N",
    /// );
    /// assert_eq!(
    ///     VModuleItem::parse_list("a=-1").unwrap_err().to_string(),
    ///     "negative value for vmodule level",
    /// );
    /// ```
    pub fn parse_list(spec: &str) -> Result<Vec<VModuleItem>, ConfigError> {
        let entries =
            crate::vmodule::parse_items(spec, true).map_err(|e| ConfigError::new(e.to_string()))?;
        Ok(entries
            .into_iter()
            .map(|(pattern, level, exact)| VModuleItem {
                exact,
                ..VModuleItem::new(pattern, level.unsigned_abs())
            })
            .collect())
    }
}

impl fmt::Display for VModuleItem {
    /// `pattern=N`, or `pattern==N` when exact.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let equals = if self.exact { "==" } else { "=" };
        write!(f, "{}{equals}{}", self.file_pattern, self.verbosity)
    }
}

impl Default for LoggingConfiguration {
    /// Component-base's recommended configuration: format `text`, flush frequency 5s,
    /// verbosity 0, no vmodule, no split streams, no buffering.
    fn default() -> Self {
        LoggingConfiguration {
            format: LoggingConfiguration::TEXT_FORMAT.to_owned(),
            flush_frequency: LoggingConfiguration::DEFAULT_FLUSH_FREQUENCY,
            verbosity: 0,
            vmodule: Vec::new(),
            options: FormatOptions::default(),
        }
    }
}

impl LoggingConfiguration {
    /// The klog text format, the default.
    pub const TEXT_FORMAT: &'static str = "text";
    /// The JSON format.
    pub const JSON_FORMAT: &'static str = "json";
    /// The default flush frequency: 5s.
    pub const DEFAULT_FLUSH_FREQUENCY: GoDuration = GoDuration {
        nanos: 5 * NANOS_PER_SECOND as i64,
        as_string: true,
    };

    /// Fills in defaults for unset fields, like component-base's
    /// `SetRecommendedLoggingConfiguration`: an empty format becomes `"text"` and a zero
    /// flush frequency becomes 5s. The `from_*` constructors call it.
    ///
    /// ```
    /// let mut config = klog::LoggingConfiguration::default();
    /// config.format.clear();
    /// config.flush_frequency = klog::GoDuration::from_nanos(0);
    /// config.set_recommended_defaults();
    /// assert_eq!(config, klog::LoggingConfiguration::default());
    /// ```
    pub fn set_recommended_defaults(&mut self) {
        if self.format.is_empty() {
            self.format = Self::TEXT_FORMAT.to_owned();
        }
        if self.flush_frequency.nanos == 0 {
            self.flush_frequency = Self::DEFAULT_FLUSH_FREQUENCY;
        }
    }

    /// Checks the configuration as component-base's `Validate` does, and reports every
    /// problem with the field path and component-base's wording:
    ///
    /// - `format` must be `text` or `json`: `format: Invalid value: "xml": Unsupported log format`;
    /// - `flushFrequency` must be positive (a klog-rs check):
    ///   `flushFrequency: Invalid value: "0s": Must be greater than zero`;
    /// - `verbosity` and each `vmodule[i].verbosity` must fit in an `i32`:
    ///   `verbosity: Invalid value: 0x80000000: Must be <= 2147483647`;
    /// - each `vmodule[i].filePattern` must be non-empty and contain no `,` or `=`:
    ///   `vmodule[0]: Required value: File pattern must not be empty`,
    ///   `vmodule[1]: Invalid value: "a,b": File pattern must not contain equal sign or comma`.
    ///
    /// Unlike component-base, `vmodule` is allowed with the `json` format, and the
    /// `[Alpha]` `options` need no feature gate; `options.*.infoBufferSize` is checked
    /// when it is parsed.
    ///
    /// ```
    /// let mut config = klog::LoggingConfiguration::default();
    /// config.vmodule.push(klog::VModuleItem::new("", 2));
    /// assert_eq!(
    ///     config.validate().unwrap_err().to_string(),
    ///     "vmodule[0]: Required value: File pattern must not be empty",
    /// );
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        let max = i32::MAX.unsigned_abs();
        let mut errors = Vec::new();
        if self.format != Self::TEXT_FORMAT && self.format != Self::JSON_FORMAT {
            errors.push(format!(
                "format: Invalid value: {:?}: Unsupported log format",
                self.format
            ));
        }
        if self.flush_frequency.nanos <= 0 {
            errors.push(format!(
                "flushFrequency: Invalid value: {:?}: Must be greater than zero",
                self.flush_frequency.to_string()
            ));
        }
        if self.verbosity > max {
            errors.push(format!(
                "verbosity: Invalid value: {:#x}: Must be <= {max}",
                self.verbosity
            ));
        }
        for (i, item) in self.vmodule.iter().enumerate() {
            if item.file_pattern.is_empty() {
                errors.push(format!(
                    "vmodule[{i}]: Required value: File pattern must not be empty"
                ));
            }
            if item.file_pattern.contains([',', '=']) {
                errors.push(format!(
                    "vmodule[{i}]: Invalid value: {:?}: File pattern must not contain equal sign or comma",
                    item.file_pattern
                ));
            }
            if item.verbosity > max {
                errors.push(format!(
                    "vmodule[{i}]: Invalid value: {:#x}: Must be <= {max}",
                    item.verbosity
                ));
            }
        }
        ConfigError::aggregate(errors)
    }
}

#[cfg(feature = "serde")]
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
        let de::MapOnly::<Self>(mut config) = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| ConfigError::new(de::json_error_message(&e)))?;
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
        let de::MapOnly::<Self>(mut config) = serde_norway::from_str(yaml).map_err(|e| {
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
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            message: format!("read logging configuration {}: {e}", path.display()),
            source: Some(Box::new(e)),
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
        result.map_err(|e| ConfigError::new(format!("{}: {}", path.display(), e.message)))
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

/// serde support: the value types' (de)serializers and error formatting.
#[cfg(feature = "serde")]
mod de {
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::{self, Deserialize, Deserializer, MapAccess, Unexpected, Visitor};
    use serde::{Serialize, Serializer};

    use super::{parse_go_duration, parse_quantity, GoDuration, Quantity};

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
    pub(super) fn json_error_message(
        error: &serde_path_to_error::Error<serde_json::Error>,
    ) -> String {
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
                    f.write_str(
                        "a duration string such as \"5s\" or an integer number of nanoseconds",
                    )
                }

                fn visit_str<E: de::Error>(self, v: &str) -> Result<GoDuration, E> {
                    parse_go_duration(v)
                        .map(|nanos| GoDuration {
                            nanos,
                            as_string: true,
                        })
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
}

// ---------------------------------------------------------------------------------------
// klog's own options
// ---------------------------------------------------------------------------------------

/// Go klog's own options (the flags of `klog.InitFlags` beyond `-v` and `-vmodule`),
/// resolved with klog's defaults: what a standalone tool's `--logtostderr`,
/// `--log_dir`, … ask for. Kubernetes components no longer have these flags.
///
/// Only `logtostderr=true` output (the default) is implemented so far; the other
/// options are parsed and validated for when file output is.
///
/// ```
/// let klog_flags = klog::KlogFlags::default();
/// assert!(klog_flags.logtostderr);
/// assert_eq!(klog_flags.log_file_max_size, 1800);
/// assert_eq!(klog_flags.stderrthreshold, klog::Severity::Error);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KlogFlags {
    /// `-logtostderr`: log to standard error instead of files (default `true`).
    pub logtostderr: bool,
    /// `-alsologtostderr`: log to standard error as well as files (default `false`).
    pub alsologtostderr: bool,
    /// `-log_dir`: write log files in this directory (default: none).
    pub log_dir: Option<PathBuf>,
    /// `-log_file`: write logs to this file (default: none).
    pub log_file: Option<PathBuf>,
    /// `-log_file_max_size`: the size in megabytes at which a log file is rotated; 0 for
    /// no limit (default 1800).
    pub log_file_max_size: u64,
    /// `-one_output`: write each record only to the file of its own severity (default
    /// `false`).
    pub one_output: bool,
    /// `-skip_headers`: omit the header prefix of each line (default `false`).
    pub skip_headers: bool,
    /// `-skip_log_headers`: omit the header klog writes when it opens a log file
    /// (default `false`).
    pub skip_log_headers: bool,
    /// `-add_dir_header`: add the file's directory to the header (default `false`).
    pub add_dir_header: bool,
    /// `-stderrthreshold`: records at or above this severity also go to stderr when
    /// writing to files (default `ERROR`).
    pub stderrthreshold: Severity,
}

impl Default for KlogFlags {
    /// Go klog's defaults.
    fn default() -> Self {
        KlogFlags {
            logtostderr: true,
            alsologtostderr: false,
            log_dir: None,
            log_file: None,
            log_file_max_size: 1800,
            one_output: false,
            skip_headers: false,
            skip_log_headers: false,
            add_dir_header: false,
            stderrthreshold: Severity::Error,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------

#[cfg(feature = "clap")]
pub use flags::{normalize_go_flags, LoggingFlags};

#[cfg(feature = "clap")]
mod flags {
    use std::ffi::OsString;
    use std::path::PathBuf;

    use super::{ConfigError, GoDuration, KlogFlags, LoggingConfiguration, Quantity, VModuleItem};
    use crate::Severity;

    /// Every long flag name and alias except `v`, for [`normalize_go_flags`]. A test
    /// checks it against the parser.
    pub(super) const LONG_FLAG_NAMES: &[&str] = &[
        "logging-format",
        "logging_format",
        "log-flush-frequency",
        "log_flush_frequency",
        "vmodule",
        "log-text-split-stream",
        "log_text_split_stream",
        "log-text-info-buffer-size",
        "log_text_info_buffer_size",
        "log-json-split-stream",
        "log_json_split_stream",
        "log-json-info-buffer-size",
        "log_json_info_buffer_size",
        "logtostderr",
        "alsologtostderr",
        "log-dir",
        "log_dir",
        "log-file",
        "log_file",
        "log-file-max-size",
        "log_file_max_size",
        "one-output",
        "one_output",
        "skip-headers",
        "skip_headers",
        "skip-log-headers",
        "skip_log_headers",
        "add-dir-header",
        "add_dir_header",
        "stderrthreshold",
    ];

    /// The logging flags of a Kubernetes component (component-base's `logs/api/v1`
    /// flags) and of Go klog (`klog.InitFlags`), for a component's clap parser.
    ///
    /// Flatten it into the component's parser, then let the flags override the
    /// configuration file with [`apply_to`](Self::apply_to). Every field is `None`
    /// unless its flag was given.
    ///
    /// A flag given twice takes its last value, as Go's flag package does.
    ///
    /// Go spellings are accepted: `--log_dir` as well as `--log-dir` (every flag with a
    /// word separator takes both, as Kubernetes components do), bool flags as
    /// `--logtostderr`, `--logtostderr=true` or `--logtostderr=false`, and single-dash
    /// long flags (`-logtostderr`, `-vmodule=x=2`) after [`normalize_go_flags`].
    ///
    /// ```
    /// use clap::Parser;
    ///
    /// #[derive(Parser, Debug)]
    /// struct Cli {
    ///     #[command(flatten)]
    ///     logging: klog::LoggingFlags,
    /// }
    ///
    /// let args = klog::normalize_go_flags(
    ///     ["controller", "-v=4", "--vmodule=sched*=6", "-logtostderr=false"].map(Into::into),
    /// );
    /// let cli = Cli::try_parse_from(args).unwrap();
    ///
    /// let mut config = klog::LoggingConfiguration::default(); // or from the config file
    /// cli.logging.apply_to(&mut config)?;
    /// assert_eq!(config.verbosity, 4);
    /// assert_eq!(config.vmodule, [klog::VModuleItem::new("sched*", 6)]);
    /// assert!(!cli.logging.klog_options().logtostderr);
    /// # Ok::<(), klog::ConfigError>(())
    /// ```
    #[derive(clap::Args, Debug, Clone, Default, PartialEq, Eq)]
    // The doc comment above is for rustdoc, not the component's `--help`.
    #[command(next_help_heading = "Logging flags", about = None, long_about = None)]
    #[non_exhaustive]
    pub struct LoggingFlags {
        /// `--logging-format`: overrides `format`.
        #[arg(
            overrides_with = "logging_format",
            long = "logging-format",
            alias = "logging_format",
            value_name = "string",
            help = "Sets the log format. Permitted formats: \"json\", \"text\". (default \"text\")"
        )]
        pub logging_format: Option<String>,

        /// `--log-flush-frequency`: overrides `flushFrequency`.
        #[arg(
            overrides_with = "log_flush_frequency",
            long = "log-flush-frequency",
            alias = "log_flush_frequency",
            value_name = "duration",
            value_parser = parse_duration_flag,
            help = "Maximum number of seconds between log flushes (default 5s)"
        )]
        pub log_flush_frequency: Option<GoDuration>,

        /// `-v`/`--v`: overrides `verbosity`.
        #[arg(
            overrides_with = "v",
            short = 'v',
            long = "v",
            value_name = "Level",
            value_parser = parse_level,
            help = "number for the log level verbosity (default 0)"
        )]
        pub v: Option<u32>,

        /// `--vmodule` (`pattern=N,...`): replaces `vmodule`; parsed by
        /// [`apply_to`](Self::apply_to).
        #[arg(
            overrides_with = "vmodule",
            long = "vmodule",
            value_name = "pattern=N,...",
            help = "comma-separated list of pattern=N settings for file-filtered logging"
        )]
        pub vmodule: Option<String>,

        /// `--log-text-split-stream`: overrides `options.text.splitStream`.
        #[arg(
            overrides_with = "log_text_split_stream",
            long = "log-text-split-stream",
            alias = "log_text_split_stream",
            value_name = "true|false",
            num_args = 0..=1,
            require_equals = true,
            default_missing_value = "true",
            action = clap::ArgAction::Set,
            value_parser = parse_go_bool,
            help = "[Alpha] In text format, write error messages to stderr and info messages to stdout. By default both go to stderr."
        )]
        pub log_text_split_stream: Option<bool>,

        /// `--log-text-info-buffer-size`: overrides `options.text.infoBufferSize`.
        #[arg(
            overrides_with = "log_text_info_buffer_size",
            long = "log-text-info-buffer-size",
            alias = "log_text_info_buffer_size",
            value_name = "quantity",
            value_parser = parse_quantity_flag,
            help = "[Alpha] In text format with split output streams, the info messages can be buffered for a while to increase performance. The default value of zero bytes disables buffering. The size can be specified as number of bytes (512), multiples of 1000 (1k), multiples of 1024 (2Ki), or powers of those (3M, 4G, 5Mi, 6Gi)."
        )]
        pub log_text_info_buffer_size: Option<Quantity>,

        /// `--log-json-split-stream`: overrides `options.json.splitStream`.
        #[arg(
            overrides_with = "log_json_split_stream",
            long = "log-json-split-stream",
            alias = "log_json_split_stream",
            value_name = "true|false",
            num_args = 0..=1,
            require_equals = true,
            default_missing_value = "true",
            action = clap::ArgAction::Set,
            value_parser = parse_go_bool,
            help = "[Alpha] In JSON format, write error messages to stderr and info messages to stdout. By default both go to stderr."
        )]
        pub log_json_split_stream: Option<bool>,

        /// `--log-json-info-buffer-size`: overrides `options.json.infoBufferSize`.
        #[arg(
            overrides_with = "log_json_info_buffer_size",
            long = "log-json-info-buffer-size",
            alias = "log_json_info_buffer_size",
            value_name = "quantity",
            value_parser = parse_quantity_flag,
            help = "[Alpha] In JSON format with split output streams, the info messages can be buffered for a while to increase performance. The default value of zero bytes disables buffering. The size can be specified as number of bytes (512), multiples of 1000 (1k), multiples of 1024 (2Ki), or powers of those (3M, 4G, 5Mi, 6Gi)."
        )]
        pub log_json_info_buffer_size: Option<Quantity>,

        /// Go klog's `-logtostderr`.
        #[arg(
            overrides_with = "logtostderr",
            long = "logtostderr",
            value_name = "true|false",
            num_args = 0..=1,
            require_equals = true,
            default_missing_value = "true",
            action = clap::ArgAction::Set,
            value_parser = parse_go_bool,
            help = "log to standard error instead of files (default true)"
        )]
        pub logtostderr: Option<bool>,

        /// Go klog's `-alsologtostderr`.
        #[arg(
            overrides_with = "alsologtostderr",
            long = "alsologtostderr",
            value_name = "true|false",
            num_args = 0..=1,
            require_equals = true,
            default_missing_value = "true",
            action = clap::ArgAction::Set,
            value_parser = parse_go_bool,
            help = "log to standard error as well as files (no effect when --logtostderr=true)"
        )]
        pub alsologtostderr: Option<bool>,

        /// Go klog's `-log_dir`.
        #[arg(
            overrides_with = "log_dir",
            long = "log-dir",
            alias = "log_dir",
            value_name = "string",
            value_parser = path_value,
            help = "If non-empty, write log files in this directory (no effect when --logtostderr=true) [Go klog: -log_dir]"
        )]
        pub log_dir: Option<PathBuf>,

        /// Go klog's `-log_file`.
        #[arg(
            overrides_with = "log_file",
            long = "log-file",
            alias = "log_file",
            value_name = "string",
            value_parser = path_value,
            help = "If non-empty, use this log file (no effect when --logtostderr=true) [Go klog: -log_file]"
        )]
        pub log_file: Option<PathBuf>,

        /// Go klog's `-log_file_max_size` (megabytes).
        #[arg(
            overrides_with = "log_file_max_size",
            long = "log-file-max-size",
            alias = "log_file_max_size",
            value_name = "uint",
            value_parser = parse_go_uint64,
            help = "Defines the maximum size a log file can grow to (no effect when --logtostderr=true). Unit is megabytes. If the value is 0, the maximum file size is unlimited. (default 1800) [Go klog: -log_file_max_size]"
        )]
        pub log_file_max_size: Option<u64>,

        /// Go klog's `-one_output`.
        #[arg(
            overrides_with = "one_output",
            long = "one-output",
            alias = "one_output",
            value_name = "true|false",
            num_args = 0..=1,
            require_equals = true,
            default_missing_value = "true",
            action = clap::ArgAction::Set,
            value_parser = parse_go_bool,
            help = "If true, only write logs to their native severity level (vs also writing to each lower severity level; no effect when --logtostderr=true) [Go klog: -one_output]"
        )]
        pub one_output: Option<bool>,

        /// Go klog's `-skip_headers`.
        #[arg(
            overrides_with = "skip_headers",
            long = "skip-headers",
            alias = "skip_headers",
            value_name = "true|false",
            num_args = 0..=1,
            require_equals = true,
            default_missing_value = "true",
            action = clap::ArgAction::Set,
            value_parser = parse_go_bool,
            help = "If true, avoid header prefixes in the log messages [Go klog: -skip_headers]"
        )]
        pub skip_headers: Option<bool>,

        /// Go klog's `-skip_log_headers`.
        #[arg(
            overrides_with = "skip_log_headers",
            long = "skip-log-headers",
            alias = "skip_log_headers",
            value_name = "true|false",
            num_args = 0..=1,
            require_equals = true,
            default_missing_value = "true",
            action = clap::ArgAction::Set,
            value_parser = parse_go_bool,
            help = "If true, avoid headers when opening log files (no effect when --logtostderr=true) [Go klog: -skip_log_headers]"
        )]
        pub skip_log_headers: Option<bool>,

        /// Go klog's `-add_dir_header`.
        #[arg(
            overrides_with = "add_dir_header",
            long = "add-dir-header",
            alias = "add_dir_header",
            value_name = "true|false",
            num_args = 0..=1,
            require_equals = true,
            default_missing_value = "true",
            action = clap::ArgAction::Set,
            value_parser = parse_go_bool,
            help = "If true, adds the file directory to the header of the log messages [Go klog: -add_dir_header]"
        )]
        pub add_dir_header: Option<bool>,

        /// Go klog's `-stderrthreshold`: `INFO`, `WARNING`, `ERROR`, `FATAL` (any case)
        /// or `0`–`3`.
        #[arg(
            overrides_with = "stderrthreshold",
            long = "stderrthreshold",
            value_name = "severity",
            value_parser = parse_severity,
            help = "logs at or above this threshold go to stderr when writing to files and stderr (no effect when --logtostderr=true or --alsologtostderr=false): INFO, WARNING, ERROR, FATAL or 0-3 (default ERROR)"
        )]
        pub stderrthreshold: Option<Severity>,
    }

    impl LoggingFlags {
        /// Overrides `config` with the component-base flags that were given (a
        /// configuration file's values stay where no flag was given; `--vmodule`
        /// replaces the whole list), then [validates](LoggingConfiguration::validate) it.
        ///
        /// `--vmodule` is parsed here, with Go klog's grammar
        /// ([`VModuleItem::parse_list`]); its errors name the flag:
        /// `--vmodule: syntax error: expect comma-separated list of filename=N`.
        ///
        /// ```
        /// use clap::Parser;
        ///
        /// #[derive(Parser)]
        /// struct Cli {
        ///     #[command(flatten)]
        ///     logging: klog::LoggingFlags,
        /// }
        ///
        /// let mut config = klog::LoggingConfiguration::default();
        /// config.verbosity = 2; // from the configuration file
        /// config.format = "json".into();
        ///
        /// let cli = Cli::try_parse_from(["prog", "-v", "5"]).unwrap();
        /// cli.logging.apply_to(&mut config)?;
        /// assert_eq!((config.verbosity, config.format.as_str()), (5, "json"));
        ///
        /// let cli = Cli::try_parse_from(["prog", "--logging-format=xml"]).unwrap();
        /// let err = cli.logging.apply_to(&mut config).unwrap_err();
        /// assert_eq!(err.to_string(), r#"format: Invalid value: "xml": Unsupported log format"#);
        /// # Ok::<(), klog::ConfigError>(())
        /// ```
        pub fn apply_to(&self, config: &mut LoggingConfiguration) -> Result<(), ConfigError> {
            if let Some(format) = &self.logging_format {
                config.format.clone_from(format);
            }
            if let Some(frequency) = self.log_flush_frequency {
                config.flush_frequency = frequency;
            }
            if let Some(v) = self.v {
                config.verbosity = v;
            }
            if let Some(spec) = &self.vmodule {
                config.vmodule = VModuleItem::parse_list(spec)
                    .map_err(|e| ConfigError::new(format!("--vmodule: {e}")))?;
            }
            if let Some(split) = self.log_text_split_stream {
                config.options.text.split_stream = split;
            }
            if let Some(size) = &self.log_text_info_buffer_size {
                config.options.text.info_buffer_size = size.clone();
            }
            if let Some(split) = self.log_json_split_stream {
                config.options.json.split_stream = split;
            }
            if let Some(size) = &self.log_json_info_buffer_size {
                config.options.json.info_buffer_size = size.clone();
            }
            config.validate()
        }

        /// Sets up process-wide logging from `config` (the component's configuration
        /// file, or the defaults) with these flags: [`apply_to`](Self::apply_to) (the
        /// flags that were given override `config`, then it is validated), then
        /// [`init_with`](crate::init_with) with [`klog_options`](Self::klog_options).
        /// component-base's `ValidateAndApply`. [`init_from_args`](crate::init_from_args)
        /// does this, and parsing and error reporting too, in one call.
        ///
        /// ```no_run
        /// use clap::Parser;
        ///
        /// #[derive(Parser)]
        /// struct Cli {
        ///     #[command(flatten)]
        ///     logging: klog::LoggingFlags,
        /// }
        ///
        /// let cli = Cli::parse_from(klog::normalize_go_flags(std::env::args_os()));
        /// let _logging = match cli.logging.init(klog::LoggingConfiguration::default()) {
        ///     Ok(guard) => guard,
        ///     Err(e) => {
        ///         eprintln!("controller: {e}");
        ///         std::process::exit(2);
        ///     }
        /// };
        /// ```
        ///
        /// # Errors
        /// [`InitError::Config`](crate::InitError::Config) when `--vmodule` does not parse or the result does not
        /// validate; [`InitError::AlreadyInstalled`](crate::InitError::AlreadyInstalled) when a process-wide logger was
        /// installed before.
        pub fn init(
            &self,
            mut config: LoggingConfiguration,
        ) -> Result<crate::FlushGuard, crate::InitError> {
            self.apply_to(&mut config)
                .map_err(crate::InitError::Config)?;
            crate::init_with(&config, &self.klog_options())
        }

        /// Go klog's own options, with klog's defaults where no flag was given (an
        /// empty `--log_dir=` or `--log_file=` counts as not given, as in klog).
        ///
        /// ```
        /// use clap::Parser;
        ///
        /// #[derive(Parser)]
        /// struct Cli {
        ///     #[command(flatten)]
        ///     logging: klog::LoggingFlags,
        /// }
        ///
        /// let cli = Cli::try_parse_from(["prog", "--log_dir=/var/log/x", "--stderrthreshold=warning"]).unwrap();
        /// let options = cli.logging.klog_options();
        /// assert_eq!(options.log_dir.as_deref(), Some(std::path::Path::new("/var/log/x")));
        /// assert_eq!(options.stderrthreshold, klog::Severity::Warning);
        /// assert!(options.logtostderr); // klog's default
        /// ```
        #[must_use]
        pub fn klog_options(&self) -> KlogFlags {
            let defaults = KlogFlags::default();
            let non_empty =
                |path: &Option<PathBuf>| path.clone().filter(|p| !p.as_os_str().is_empty());
            KlogFlags {
                logtostderr: self.logtostderr.unwrap_or(defaults.logtostderr),
                alsologtostderr: self.alsologtostderr.unwrap_or(defaults.alsologtostderr),
                log_dir: non_empty(&self.log_dir),
                log_file: non_empty(&self.log_file),
                log_file_max_size: self.log_file_max_size.unwrap_or(defaults.log_file_max_size),
                one_output: self.one_output.unwrap_or(defaults.one_output),
                skip_headers: self.skip_headers.unwrap_or(defaults.skip_headers),
                skip_log_headers: self.skip_log_headers.unwrap_or(defaults.skip_log_headers),
                add_dir_header: self.add_dir_header.unwrap_or(defaults.add_dir_header),
                stderrthreshold: self.stderrthreshold.unwrap_or(defaults.stderrthreshold),
            }
        }
    }

    /// Rewrites Go-style single-dash long logging flags (`-logtostderr`, `-v=2` stays,
    /// `-vmodule=x=1`, `-log_dir /tmp`) to the double-dash form clap parses, so a
    /// component keeps accepting the command lines its Go predecessor accepted.
    ///
    /// The first item is the program name and is kept as is, as are `-v` (clap parses
    /// `-v 2` and `-v=2` as the short flag), flags that are not logging flags, arguments
    /// that are not UTF-8, and everything after `--`.
    ///
    /// ```
    /// use std::ffi::OsString;
    ///
    /// let args = klog::normalize_go_flags(
    ///     ["prog", "-logtostderr=false", "-v=2", "-other", "--", "-log_dir"].map(OsString::from),
    /// );
    /// assert_eq!(args, ["prog", "--logtostderr=false", "-v=2", "-other", "--", "-log_dir"]);
    /// ```
    pub fn normalize_go_flags<I: IntoIterator<Item = OsString>>(args: I) -> Vec<OsString> {
        let mut rewrite = true;
        let mut out = Vec::new();
        for (index, arg) in args.into_iter().enumerate() {
            if index == 0 || !rewrite {
                out.push(arg);
                continue;
            }
            if arg == "--" {
                rewrite = false;
                out.push(arg);
                continue;
            }
            let go_flag = arg.to_str().and_then(|s| {
                let body = s.strip_prefix('-').filter(|b| !b.starts_with('-'))?;
                let name = body.split('=').next().unwrap_or(body);
                LONG_FLAG_NAMES
                    .contains(&name)
                    .then(|| OsString::from(format!("-{s}")))
            });
            out.push(go_flag.unwrap_or(arg));
        }
        out
    }

    /// Any path, also the empty one (`--log_dir=`, klog's "none").
    fn path_value(s: &str) -> Result<PathBuf, String> {
        Ok(PathBuf::from(s))
    }

    /// Go's `strconv.ParseBool`, which Go's bool flags use.
    fn parse_go_bool(s: &str) -> Result<bool, String> {
        match s {
            "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
            "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
            _ => Err(
                "must be true or false (or 1, t, T, TRUE, True, 0, f, F, FALSE, False)".to_owned(),
            ),
        }
    }

    /// component-base's `-v`: a decimal number from 0 to `i32::MAX`.
    fn parse_level(s: &str) -> Result<u32, String> {
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse::<u32>().ok())
            .flatten()
            .filter(|&v| i32::try_from(v).is_ok())
            .ok_or_else(|| format!("must be a decimal number from 0 to {}", i32::MAX))
    }

    fn parse_duration_flag(s: &str) -> Result<GoDuration, String> {
        s.parse().map_err(|e: ConfigError| e.to_string())
    }

    fn parse_quantity_flag(s: &str) -> Result<Quantity, String> {
        s.parse().map_err(|e: ConfigError| e.to_string())
    }

    /// klog's `-stderrthreshold`: a severity name in any case, or its number.
    fn parse_severity(s: &str) -> Result<Severity, String> {
        s.parse()
            .map_err(|e: crate::record::ParseSeverityError| e.to_string())
    }

    /// Go's `flag.Uint64Var` parsing (`strconv.ParseUint(s, 0, 64)`): decimal, `0x` hex,
    /// `0o`/leading-`0` octal, `0b` binary, with `_` between digits.
    pub(super) fn parse_go_uint64(s: &str) -> Result<u64, String> {
        let invalid = || "must be an unsigned integer".to_owned();
        let lower = s.to_ascii_lowercase();
        let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
            (16, d, true)
        } else if let Some(d) = lower.strip_prefix("0o") {
            (8, d, true)
        } else if let Some(d) = lower.strip_prefix("0b") {
            (2, d, true)
        } else if lower.len() > 1 && lower.starts_with('0') {
            (8, lower.as_str(), false)
        } else {
            (10, lower.as_str(), false)
        };
        // Underscores must sit between digits (or right after a 0x/0o/0b prefix).
        let bytes = digits.as_bytes();
        for (i, &c) in bytes.iter().enumerate() {
            if c == b'_' {
                let before_ok = if i == 0 {
                    prefixed
                } else {
                    bytes[i - 1] != b'_'
                };
                let after_ok = bytes.get(i + 1).is_some_and(|&n| n != b'_');
                if !before_ok || !after_ok {
                    return Err(invalid());
                }
            }
        }
        let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
        if cleaned.is_empty() || !cleaned.chars().all(|c| c.is_digit(radix)) {
            return Err(invalid());
        }
        u64::from_str_radix(&cleaned, radix).map_err(|_| format!("must be at most {}", u64::MAX))
    }
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    // The tests set fields as users must (the structs are `#[non_exhaustive]`).
    #![allow(clippy::field_reassign_with_default)]

    use super::*;

    fn quantity(s: &str) -> Result<u64, String> {
        s.parse::<Quantity>()
            .map(|q| q.bytes())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn quantities() {
        let ok: &[(&str, u64)] = &[
            ("0", 0),
            ("1Ki", 1024),
            ("64Ki", 65_536),
            ("1Mi", 1_048_576),
            ("1Gi", 1 << 30),
            ("1Ei", 1 << 60),
            ("1M", 1_000_000),
            ("1k", 1000),
            ("4G", 4_000_000_000),
            ("1.5Ki", 1536),
            ("100", 100),
            ("512", 512),
            ("+7", 7),
            ("007", 7),
            (".5Ki", 512),
            ("1.", 1),
            ("1.5", 2), // rounded up, like Quantity.Value()
            ("1m", 1),  // 0.001 rounds up to 1
            ("1500m", 2),
            ("0.0000000000000000000000000000000000000000001", 1),
            ("1e3", 1000),
            ("1E3", 1000),
            ("1e+3", 1000),
            ("1e-3", 1),
            ("-0", 0),
            ("0.000", 0),
            ("15E", 15_000_000_000_000_000_000),
            ("18446744073709551615", u64::MAX),
            ("1.00000000000000000000000000000000000000000000001", 2),
        ];
        for &(text, want) in ok {
            assert_eq!(quantity(text), Ok(want), "{text}");
        }
        let bad: &[(&str, &str)] = &[
            ("12x", QUANTITY_FORMAT_ERROR),
            ("", QUANTITY_FORMAT_ERROR),
            (".", QUANTITY_FORMAT_ERROR),
            ("Ki", QUANTITY_FORMAT_ERROR),
            (" 1", QUANTITY_FORMAT_ERROR),
            ("1 ", QUANTITY_FORMAT_ERROR),
            ("1..2", QUANTITY_FORMAT_ERROR),
            ("1K", QUANTITY_SUFFIX_ERROR), // Kubernetes spells kilo `k`
            ("1e", QUANTITY_SUFFIX_ERROR),
            ("1k3", QUANTITY_SUFFIX_ERROR),
            ("1Kii", QUANTITY_SUFFIX_ERROR),
            ("-1Ki", QUANTITY_NEGATIVE_ERROR),
            ("-1", QUANTITY_NEGATIVE_ERROR),
            ("-0.5", QUANTITY_NEGATIVE_ERROR),
            (
                "18446744073709551616",
                "must be less than or equal to 18446744073709551615",
            ),
            ("16Ei", "must be less than or equal to 18446744073709551615"),
            (
                "1e99999999999999",
                "must be less than or equal to 18446744073709551615",
            ),
            ("1e999999999999999999999", QUANTITY_SUFFIX_ERROR),
        ];
        for &(text, want) in bad {
            assert_eq!(quantity(text), Err(want.to_owned()), "{text:?}");
        }
        let q: Quantity = "1.5Ki".parse().unwrap();
        assert_eq!((q.as_str(), q.to_string().as_str()), ("1.5Ki", "1.5Ki"));
        assert_eq!(q, Quantity::from_bytes(1536));
        assert_eq!(Quantity::default().as_str(), "0");
    }

    #[test]
    fn durations() {
        let ok: &[(&str, i64, &str)] = &[
            ("5s", 5_000_000_000, "5s"),
            ("1m30s", 90_000_000_000, "1m30s"),
            ("90s", 90_000_000_000, "1m30s"),
            ("100ms", 100_000_000, "100ms"),
            ("1.5h", 5_400_000_000_000, "1h30m0s"),
            ("1h", 3_600_000_000_000, "1h0m0s"),
            ("0", 0, "0s"),
            ("-0", 0, "0s"),
            ("+5s", 5_000_000_000, "5s"),
            ("-1.5s", -1_500_000_000, "-1.5s"),
            ("1ns", 1, "1ns"),
            ("1500ns", 1500, "1.5\u{b5}s"),
            ("2us", 2000, "2\u{b5}s"),
            ("2\u{b5}s", 2000, "2\u{b5}s"),
            ("2\u{3bc}s", 2000, "2\u{b5}s"),
            ("1.000000001s", 1_000_000_001, "1.000000001s"),
            (".5s", 500_000_000, "500ms"),
            ("1.s", 1_000_000_000, "1s"),
            ("1h2m3.5s", 3_723_500_000_000, "1h2m3.5s"),
            (
                "2562047h47m16.854775807s",
                i64::MAX,
                "2562047h47m16.854775807s",
            ),
            (
                "-2562047h47m16.854775808s",
                i64::MIN,
                "-2562047h47m16.854775808s",
            ),
        ];
        for &(text, nanos, display) in ok {
            let d: GoDuration = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(d.as_nanos(), nanos, "{text}");
            assert_eq!(d.to_string(), display, "{text}");
        }
        let bad: &[(&str, &str)] = &[
            ("", r#"time: invalid duration """#),
            ("5", r#"time: missing unit in duration "5""#),
            ("1x", r#"time: unknown unit "x" in duration "1x""#),
            (".s", r#"time: invalid duration ".s""#),
            ("s", r#"time: invalid duration "s""#),
            ("-", r#"time: invalid duration "-""#),
            ("1s ", r#"time: unknown unit "s " in duration "1s ""#),
            (
                "2562047h47m16.854775808s",
                r#"time: invalid duration "2562047h47m16.854775808s""#,
            ),
            (
                "9999999999999999999h",
                r#"time: invalid duration "9999999999999999999h""#,
            ),
        ];
        for &(text, want) in bad {
            let err = text.parse::<GoDuration>().unwrap_err();
            assert_eq!(err.to_string(), want, "{text:?}");
        }
        assert_eq!(
            GoDuration::from_std(std::time::Duration::from_secs(u64::MAX)).as_nanos(),
            i64::MAX
        );
        assert_eq!(GoDuration::from_nanos(-1).to_std(), None);
    }

    fn validation_error(f: impl FnOnce(&mut LoggingConfiguration)) -> String {
        let mut config = LoggingConfiguration::default();
        f(&mut config);
        config.validate().unwrap_err().to_string()
    }

    #[test]
    fn validation_errors_name_the_field() {
        assert!(LoggingConfiguration::default().validate().is_ok());
        assert_eq!(
            validation_error(|c| c.format = "xml".into()),
            r#"format: Invalid value: "xml": Unsupported log format"#
        );
        assert_eq!(
            validation_error(|c| c.format = String::new()),
            r#"format: Invalid value: "": Unsupported log format"#
        );
        assert_eq!(
            validation_error(|c| c.flush_frequency = GoDuration::from_nanos(0)),
            r#"flushFrequency: Invalid value: "0s": Must be greater than zero"#
        );
        assert_eq!(
            validation_error(|c| c.flush_frequency = "-1s".parse().unwrap()),
            r#"flushFrequency: Invalid value: "-1s": Must be greater than zero"#
        );
        assert_eq!(
            validation_error(|c| c.verbosity = 1 << 31),
            "verbosity: Invalid value: 0x80000000: Must be <= 2147483647"
        );
        assert_eq!(
            validation_error(|c| c.vmodule = vec![VModuleItem::new("gopher*", 1 << 31)]),
            "vmodule[0]: Invalid value: 0x80000000: Must be <= 2147483647"
        );
        assert_eq!(
            validation_error(|c| c.vmodule = vec![VModuleItem::new("", 1)]),
            "vmodule[0]: Required value: File pattern must not be empty"
        );
        assert_eq!(
            validation_error(|c| {
                c.vmodule = vec![
                    VModuleItem::new("foo,bar", 1),
                    VModuleItem::new("foo=bar", 1),
                ]
            }),
            r#"[vmodule[0]: Invalid value: "foo,bar": File pattern must not contain equal sign or comma, vmodule[1]: Invalid value: "foo=bar": File pattern must not contain equal sign or comma]"#
        );
        assert_eq!(
            validation_error(|c| {
                c.format = "xml".into();
                c.verbosity = u32::MAX;
            }),
            r#"[format: Invalid value: "xml": Unsupported log format, verbosity: Invalid value: 0xffffffff: Must be <= 2147483647]"#
        );
    }

    #[test]
    fn accepted_where_component_base_differs() {
        // vmodule with the json format: component-base forbids it, klog-rs allows it.
        let mut config = LoggingConfiguration::default();
        config.format = "json".into();
        config.vmodule = vec![VModuleItem::new("foo", 1)];
        config.validate().unwrap();
        // [Alpha] options without a feature gate, and a buffer size without split streams
        // (component-base does not tie them together either).
        config.options.text.info_buffer_size = "1Mi".parse().unwrap();
        config.options.json.split_stream = true;
        config.validate().unwrap();
        config.verbosity = i32::MAX.unsigned_abs();
        config.validate().unwrap();
    }

    #[test]
    fn vmodule_grammar() {
        let items = VModuleItem::parse_list("a=1,b*=2,,c=+3,d=0,").unwrap();
        let expected = [
            VModuleItem::new("a", 1),
            VModuleItem::new("b*", 2),
            VModuleItem::new("c", 3),
            VModuleItem::new("d", 0),
        ];
        assert_eq!(items, expected);
        assert_eq!(VModuleItem::parse_list("").unwrap(), []);
        let syntax = "syntax error: expect comma-separated list of filename=N";
        for bad in [
            "a",
            "=1",
            "a=",
            "a=1=2",
            "a=x",
            "a=2147483648",
            "a= 1",
            "a=1.0",
        ] {
            assert_eq!(
                VModuleItem::parse_list(bad).unwrap_err().to_string(),
                syntax,
                "{bad}"
            );
        }
        for negative in ["a=-1", "a=-2147483648"] {
            assert_eq!(
                VModuleItem::parse_list(negative).unwrap_err().to_string(),
                "negative value for vmodule level"
            );
        }
    }

    #[test]
    fn config_error_is_an_error() {
        fn assert_error<E: Error + Send + Sync + 'static>() {}
        assert_error::<ConfigError>();
        let err = ConfigError::aggregate(vec!["a".into(), "a".into()]).unwrap_err();
        assert_eq!(err.to_string(), "a");
        assert!(err.source().is_none());
        assert!(ConfigError::aggregate(Vec::new()).is_ok());
    }

    #[cfg(feature = "serde")]
    mod serde_tests {
        use super::*;

        const GO_DEFAULT_JSON: &str = r#"{"format":"text","flushFrequency":"5s","verbosity":0,"options":{"text":{"infoBufferSize":"0"},"json":{"infoBufferSize":"0"}}}"#;

        fn json_err(json: &str) -> String {
            LoggingConfiguration::from_json(json)
                .unwrap_err()
                .to_string()
        }

        #[test]
        fn json_defaults_and_round_trip() {
            let config = LoggingConfiguration::from_json("{}").unwrap();
            assert_eq!(config, LoggingConfiguration::default());
            assert_eq!(config.to_json().unwrap(), GO_DEFAULT_JSON);
            let config = LoggingConfiguration::from_json(r#"{"verbosity": 3}"#).unwrap();
            let json = config.to_json().unwrap();
            assert_eq!(
                json,
                GO_DEFAULT_JSON.replace(r#""verbosity":0"#, r#""verbosity":3"#)
            );
            assert_eq!(LoggingConfiguration::from_json(&json).unwrap(), config);
            // Explicit nulls and empty values get the defaults, as in component-base.
            let config = LoggingConfiguration::from_json(
                r#"{"format": null, "flushFrequency": 0, "format": "", "vmodule": null, "options": {"json": null}}"#,
            );
            assert!(config.is_err(), "duplicate field");
            let config = LoggingConfiguration::from_json(
                r#"{"format": "", "flushFrequency": 0, "verbosity": null, "vmodule": null, "options": {"json": null}}"#,
            )
            .unwrap();
            assert_eq!(config, LoggingConfiguration::default());
        }

        #[test]
        fn json_all_fields() {
            // component-base's TestCompatibility fixture.
            let config = LoggingConfiguration::from_json(
                r#"{
	"format": "json",
	"flushFrequency": 1,
	"verbosity": 5,
	"vmodule": [
		{"filePattern": "someFile", "verbosity": 10},
		{"filePattern": "anotherFile", "verbosity": 1}
	],
	"options": {
		"text": {
			"splitStream": true,
			"infoBufferSize": "2048"
		},
		"json": {
			"splitStream": true,
			"infoBufferSize": "1024"
		}
	}
}
"#,
            )
            .unwrap();
            let mut expected = LoggingConfiguration::default();
            expected.format = "json".into();
            expected.flush_frequency = GoDuration::from_nanos(1);
            expected.verbosity = 5;
            expected.vmodule = vec![
                VModuleItem::new("someFile", 10),
                VModuleItem::new("anotherFile", 1),
            ];
            expected.options.text.split_stream = true;
            expected.options.text.info_buffer_size = Quantity::from_bytes(2048);
            expected.options.json.split_stream = true;
            expected.options.json.info_buffer_size = Quantity::from_bytes(1024);
            assert_eq!(config, expected);
            config.validate().unwrap();
            let json = config.to_json().unwrap();
            assert_eq!(
                json,
                r#"{"format":"json","flushFrequency":1,"verbosity":5,"vmodule":[{"filePattern":"someFile","verbosity":10},{"filePattern":"anotherFile","verbosity":1}],"options":{"text":{"splitStream":true,"infoBufferSize":"2048"},"json":{"splitStream":true,"infoBufferSize":"1024"}}}"#
            );
            assert_eq!(LoggingConfiguration::from_json(&json).unwrap(), config);
        }

        #[test]
        fn flush_frequency_forms() {
            for (json, form) in [
                (
                    r#"{"flushFrequency": "1m30s"}"#,
                    r#""flushFrequency":"1m30s""#,
                ),
                (
                    r#"{"flushFrequency": 90000000000}"#,
                    r#""flushFrequency":90000000000"#,
                ),
            ] {
                let config = LoggingConfiguration::from_json(json).unwrap();
                assert_eq!(config.flush_frequency.as_nanos(), 90_000_000_000, "{json}");
                assert!(config.to_json().unwrap().contains(form), "{json}");
            }
            #[cfg(feature = "yaml")]
            for (yaml, form) in [
                ("flushFrequency: 1m30s", "flushFrequency: 1m30s\n"),
                (
                    "flushFrequency: 90000000000",
                    "flushFrequency: 90000000000\n",
                ),
            ] {
                let config = LoggingConfiguration::from_yaml(yaml).unwrap();
                assert_eq!(config.flush_frequency.as_nanos(), 90_000_000_000, "{yaml}");
                assert!(config.to_yaml().unwrap().contains(form), "{yaml}");
            }
            assert_eq!(
                json_err(r#"{"flushFrequency": "soon"}"#),
                r#"flushFrequency: time: invalid duration "soon" at line 1 column 25"#
            );
            assert!(json_err(r#"{"flushFrequency": 1.5}"#).starts_with(
                r#"flushFrequency: invalid duration "1.5": expected a duration string"#
            ));
            assert!(json_err(r#"{"flushFrequency": 18446744073709551615}"#)
                .starts_with(r#"flushFrequency: invalid duration "18446744073709551615""#));
            assert!(
                json_err(r#"{"flushFrequency": true}"#).starts_with("flushFrequency: invalid type")
            );
        }

        #[test]
        fn json_errors_name_the_field() {
            assert_eq!(
                json_err(r#"{"formt": "json"}"#),
                "unknown field `formt`, expected one of `format`, `flushFrequency`, `verbosity`, `vmodule`, `options` at line 1 column 8"
            );
            assert_eq!(
                json_err(r#"{"options": {"json": {"foo": 1}}}"#),
                "options.json: unknown field `foo`, expected `splitStream` or `infoBufferSize` at line 1 column 27"
            );
            assert_eq!(
                json_err(r#"{"options": {"json": {"infoBufferSize": "12x"}}}"#),
                format!(
                    r#"options.json.infoBufferSize: Invalid value: "12x": {QUANTITY_FORMAT_ERROR} at line 1 column 45"#
                )
            );
            assert_eq!(
                json_err(r#"{"vmodule": [{"filePattern": "a"}, {"verbosity": -1}]}"#),
                "vmodule[1].verbosity: invalid value: integer `-1`, expected u32 at line 1 column 51"
            );
            assert!(json_err(r#"{"verbosity": 1} x"#).starts_with("trailing characters at line 1"));
            assert_eq!(
                json_err("[]"),
                "invalid type: sequence, expected a mapping at line 1 column 0"
            );
            assert!(json_err(r#"{"options": ["x"]}"#)
                .starts_with("options: invalid type: sequence, expected a mapping"));
            assert!(json_err(r#"{"options": {"text": [true]}}"#)
                .starts_with("options.text: invalid type: sequence"));
            assert!(json_err(r#"{"vmodule": [["a", 1]]}"#)
                .starts_with("vmodule[0]: invalid type: sequence"));
            assert!(
                json_err("{").starts_with("EOF while parsing"),
                "{}",
                json_err("{")
            );
        }

        #[test]
        fn json_numbers_as_quantities() {
            let config = LoggingConfiguration::from_json(
                r#"{"options": {"text": {"infoBufferSize": 1024}, "json": {"infoBufferSize": 1.5}}}"#,
            )
            .unwrap();
            assert_eq!(config.options.text.info_buffer_size.bytes(), 1024);
            assert_eq!(config.options.json.info_buffer_size.bytes(), 2);
            assert!(json_err(r#"{"options": {"text": {"infoBufferSize": -1}}}"#)
                .starts_with(r#"options.text.infoBufferSize: Invalid value: "-1": must be greater than or equal to 0"#));
        }

        #[cfg(feature = "yaml")]
        fn yaml_err(yaml: &str) -> String {
            LoggingConfiguration::from_yaml(yaml)
                .unwrap_err()
                .to_string()
        }

        #[cfg(feature = "yaml")]
        #[test]
        fn yaml_defaults_and_round_trip() {
            assert_eq!(
                LoggingConfiguration::from_yaml("").unwrap(),
                LoggingConfiguration::default()
            );
            let config = LoggingConfiguration::from_yaml("verbosity: 3\n").unwrap();
            let yaml = config.to_yaml().unwrap();
            assert_eq!(
                yaml,
                "format: text\nflushFrequency: 5s\nverbosity: 3\noptions:\n  text:\n    infoBufferSize: '0'\n  json:\n    infoBufferSize: '0'\n"
            );
            assert_eq!(LoggingConfiguration::from_yaml(&yaml).unwrap(), config);

            let full = "format: json
flushFrequency: 100ms
verbosity: 4
vmodule:
- filePattern: controller*
  verbosity: 6
options:
  text:
    splitStream: true
    infoBufferSize: 1.5Ki
  json:
    infoBufferSize: 1M
";
            let config = LoggingConfiguration::from_yaml(full).unwrap();
            assert_eq!(config.flush_frequency.as_nanos(), 100_000_000);
            assert_eq!(config.options.text.info_buffer_size.bytes(), 1536);
            assert_eq!(config.options.json.info_buffer_size.bytes(), 1_000_000);
            config.validate().unwrap();
            assert_eq!(config.to_yaml().unwrap(), full);
            // A YAML document and a JSON document of the same configuration agree.
            let json = config.to_json().unwrap();
            assert_eq!(LoggingConfiguration::from_json(&json).unwrap(), config);
            assert_eq!(LoggingConfiguration::from_yaml(&json).unwrap(), config);
            // Integers where quantities go, nulls where anything goes.
            let config = LoggingConfiguration::from_yaml(
                "format:\nvmodule: ~\noptions:\n  text:\n    infoBufferSize: 2048\n",
            )
            .unwrap();
            assert_eq!(config.format, "text");
            assert_eq!(config.options.text.info_buffer_size.bytes(), 2048);
        }

        #[cfg(feature = "yaml")]
        #[test]
        fn yaml_errors_name_the_field() {
            assert_eq!(
                yaml_err("verbosity: 1\nformt: json\n"),
                "unknown field `formt`, expected one of `format`, `flushFrequency`, `verbosity`, `vmodule`, `options` at line 2 column 1"
            );
            assert_eq!(
                yaml_err("options:\n  json:\n    foo: 1\n"),
                "options.json: unknown field `foo`, expected `splitStream` or `infoBufferSize` at line 3 column 5"
            );
            assert_eq!(
                yaml_err("options:\n  json:\n    infoBufferSize: 12x\n"),
                format!(
                    r#"options.json.infoBufferSize: Invalid value: "12x": {QUANTITY_FORMAT_ERROR} at line 3 column 21"#
                )
            );
            assert_eq!(
                yaml_err("verbosity: 1\nflushFrequency: soon\n"),
                r#"flushFrequency: time: invalid duration "soon" at line 2 column 17"#
            );
            assert_eq!(
                yaml_err("vmodule:\n- filePattern: a\n  verbosity: -2\n"),
                "vmodule[0].verbosity: invalid type: integer `-2`, expected u32 at line 3 column 14"
            );
            assert!(yaml_err("verbosity: [").contains("line 1"));
            assert!(yaml_err("- json\n").starts_with("invalid type: sequence, expected a mapping"));
            assert!(
                yaml_err("vmodule:\n- [a, 1]\n").starts_with("vmodule[0]: invalid type: sequence")
            );
            assert_eq!(
                LoggingConfiguration::from_yaml("# only a comment\n").unwrap(),
                LoggingConfiguration::default()
            );
        }

        #[test]
        fn from_path_by_extension() {
            let dir = std::env::temp_dir();
            let base = format!("klog-config-test-{}", std::process::id());
            let json = dir.join(format!("{base}.JSON"));
            std::fs::write(&json, r#"{"verbosity": 7}"#).unwrap();
            assert_eq!(LoggingConfiguration::from_path(&json).unwrap().verbosity, 7);
            std::fs::write(&json, r#"{"verbosity": "x"}"#).unwrap();
            let err = LoggingConfiguration::from_path(&json)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with(&format!("{}: verbosity: invalid type", json.display())),
                "{err}"
            );
            std::fs::remove_file(&json).unwrap();

            let yaml = dir.join(format!("{base}.yaml"));
            std::fs::write(&yaml, "verbosity: 6\n").unwrap();
            let result = LoggingConfiguration::from_path(&yaml);
            #[cfg(feature = "yaml")]
            assert_eq!(result.unwrap().verbosity, 6);
            #[cfg(not(feature = "yaml"))]
            assert!(result.unwrap_err().to_string().contains("`yaml` feature"));
            std::fs::remove_file(&yaml).unwrap();

            let err = LoggingConfiguration::from_path(&yaml).unwrap_err();
            assert!(
                err.to_string().starts_with("read logging configuration "),
                "{err}"
            );
            assert!(err.source().is_some());
        }

        proptest::proptest! {
            #[test]
            fn arbitrary_json_never_panics(text in ".*") {
                let _ = LoggingConfiguration::from_json(&text);
            }

            #[test]
            fn arbitrary_json_values_never_panic(
                key in "(format|flushFrequency|verbosity|vmodule|options|splitStream|infoBufferSize|filePattern|x)",
                value in "(\"[^\"\\\\]*\"|-?[0-9]{0,25}(\\.[0-9]{0,5})?(e-?[0-9]{1,3})?|true|null|\\[\\]|\\{\\})",
            ) {
                for doc in [
                    format!("{{\"{key}\": {value}}}"),
                    format!("{{\"options\": {{\"json\": {{\"{key}\": {value}}}}}}}"),
                    format!("{{\"vmodule\": [{{\"{key}\": {value}}}]}}"),
                ] {
                    if let Ok(config) = LoggingConfiguration::from_json(&doc) {
                        let _ = config.validate();
                        let _ = config.to_json();
                    }
                }
            }
        }

        #[cfg(feature = "yaml")]
        proptest::proptest! {
            #[test]
            fn arbitrary_yaml_never_panics(text in ".*") {
                let _ = LoggingConfiguration::from_yaml(&text);
            }

            #[test]
            fn arbitrary_yaml_values_never_panic(
                key in "(format|flushFrequency|verbosity|vmodule|options|splitStream|infoBufferSize|x)",
                value in ".*",
            ) {
                for doc in [
                    format!("{key}: {value}"),
                    format!("options:\n  text:\n    {key}: {value}\n"),
                ] {
                    if let Ok(config) = LoggingConfiguration::from_yaml(&doc) {
                        let _ = config.validate();
                        let _ = config.to_yaml();
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_values_never_panic(text in ".*") {
            let _ = text.parse::<Quantity>();
            let _ = text.parse::<GoDuration>();
            let _ = VModuleItem::parse_list(&text);
        }

        #[test]
        fn numeric_like_values_never_panic(
            text in "[-+]?[0-9]{0,45}(\\.[0-9]{0,45})?([eE][-+]?[0-9]{0,25}|[KMGTPE]i|[numkMGTPE])?",
        ) {
            if let Ok(q) = text.parse::<Quantity>() {
                proptest::prop_assert_eq!(q.as_str(), text.as_str());
            }
        }

        #[test]
        fn durations_round_trip(nanos in proptest::num::i64::ANY) {
            let d = GoDuration::from_nanos(nanos);
            let parsed: GoDuration = d.to_string().parse().unwrap();
            proptest::prop_assert_eq!(parsed.as_nanos(), nanos);
        }
    }

    #[cfg(feature = "clap")]
    mod flag_tests {
        use std::ffi::OsString;

        use clap::{CommandFactory, Parser};

        use super::super::flags::{parse_go_uint64, LONG_FLAG_NAMES};
        use super::*;

        /// The test program.
        #[derive(Parser, Debug)]
        #[command(name = "prog")]
        struct Cli {
            #[command(flatten)]
            logging: LoggingFlags,
            #[arg(long)]
            other: Option<String>,
        }

        fn parse(args: &[&str]) -> LoggingFlags {
            let mut argv = vec!["prog"];
            argv.extend_from_slice(args);
            Cli::try_parse_from(argv)
                .unwrap_or_else(|e| panic!("{args:?}: {e}"))
                .logging
        }

        fn parse_err(args: &[&str]) -> String {
            let mut argv = vec!["prog"];
            argv.extend_from_slice(args);
            Cli::try_parse_from(argv).unwrap_err().to_string()
        }

        #[test]
        fn command_is_well_formed() {
            Cli::command().debug_assert();
        }

        #[test]
        fn a_repeated_flag_takes_its_last_value() {
            let flags = parse(&[
                "-v=1",
                "--v=2",
                "--vmodule=a=1",
                "--vmodule=b=2",
                "--logtostderr",
                "--logtostderr=false",
            ]);
            assert_eq!(flags.v, Some(2));
            assert_eq!(flags.vmodule.as_deref(), Some("b=2"));
            assert!(!flags.klog_options().logtostderr);
        }

        #[test]
        fn verbosity_forms() {
            for args in [
                &["--v=3"][..],
                &["-v", "3"],
                &["-v=3"],
                &["-v3"],
                &["--v", "3"],
            ] {
                assert_eq!(parse(args).v, Some(3), "{args:?}");
            }
            assert_eq!(parse(&[]).v, None);
            assert!(parse_err(&["--v=-1"]).contains("must be a decimal number"));
            assert!(parse_err(&["--v=2147483648"]).contains("must be a decimal number"));
            assert!(parse_err(&["--v=+1"]).contains("must be a decimal number"));
            assert_eq!(parse(&["--v=2147483647"]).v, Some(2_147_483_647));
        }

        #[test]
        fn vmodule_flag() {
            let flags = parse(&["--vmodule=a=1,b*=2"]);
            assert_eq!(flags.vmodule.as_deref(), Some("a=1,b*=2"));
            let mut config = LoggingConfiguration::default();
            config.vmodule = vec![VModuleItem::new("old", 9)];
            flags.apply_to(&mut config).unwrap();
            assert_eq!(
                config.vmodule,
                [VModuleItem::new("a", 1), VModuleItem::new("b*", 2)]
            );
            let mut config = LoggingConfiguration::default();
            assert_eq!(
                parse(&["--vmodule=a"])
                    .apply_to(&mut config)
                    .unwrap_err()
                    .to_string(),
                "--vmodule: syntax error: expect comma-separated list of filename=N"
            );
            assert_eq!(
                parse(&["--vmodule", "a=-1"])
                    .apply_to(&mut config)
                    .unwrap_err()
                    .to_string(),
                "--vmodule: negative value for vmodule level"
            );
            // An empty --vmodule clears the configuration file's list.
            config.vmodule = vec![VModuleItem::new("old", 9)];
            parse(&["--vmodule="]).apply_to(&mut config).unwrap();
            assert!(config.vmodule.is_empty());
        }

        #[test]
        fn klog_flags_both_spellings() {
            for args in [
                &["--log_dir=/tmp/x"][..],
                &["--log-dir", "/tmp/x"],
                &["--log-dir=/tmp/x"],
            ] {
                let options = parse(args).klog_options();
                assert_eq!(options.log_dir, Some("/tmp/x".into()), "{args:?}");
            }
            let flags = parse(&[
                "--log_file=/tmp/f.log",
                "--log_file_max_size=0x10",
                "--one_output",
                "--skip_headers=true",
                "--skip_log_headers=1",
                "--add_dir_header=T",
                "--alsologtostderr",
                "--stderrthreshold=warning",
            ]);
            let options = flags.klog_options();
            assert_eq!(options.log_file, Some("/tmp/f.log".into()));
            assert_eq!(options.log_file_max_size, 16);
            assert!(options.one_output && options.skip_headers && options.skip_log_headers);
            assert!(options.add_dir_header && options.alsologtostderr && options.logtostderr);
            assert_eq!(options.stderrthreshold, Severity::Warning);
            let flags = parse(&[
                "--log-file-max-size=100",
                "--one-output=false",
                "--skip-headers",
                "--skip-log-headers",
                "--add-dir-header",
                "--stderrthreshold=3",
                "--log_dir=",
            ]);
            let options = flags.klog_options();
            assert_eq!(options.log_file_max_size, 100);
            assert!(!options.one_output);
            assert_eq!(options.stderrthreshold, Severity::Fatal);
            assert_eq!(options.log_dir, None);
            assert_eq!(parse(&[]).klog_options(), KlogFlags::default());
            for bad in [
                "--stderrthreshold=4",
                "--stderrthreshold=DEBUG",
                "--stderrthreshold=-1",
            ] {
                assert!(parse_err(&[bad]).contains("must be INFO, WARNING"), "{bad}");
            }
            for (text, severity) in [
                ("INFO", Severity::Info),
                ("Error", Severity::Error),
                ("+1", Severity::Warning),
            ] {
                let flags = parse(&[&format!("--stderrthreshold={text}")]);
                assert_eq!(flags.stderrthreshold, Some(severity));
            }
        }

        #[test]
        fn bool_flags_take_go_forms() {
            assert_eq!(parse(&["--logtostderr=false"]).logtostderr, Some(false));
            assert_eq!(parse(&["--logtostderr"]).logtostderr, Some(true));
            assert_eq!(parse(&["--logtostderr=true"]).logtostderr, Some(true));
            assert_eq!(parse(&["--logtostderr=F"]).logtostderr, Some(false));
            assert_eq!(parse(&[]).logtostderr, None);
            assert!(!parse(&["--logtostderr=false"]).klog_options().logtostderr);
            assert!(parse_err(&["--logtostderr=no"]).contains("must be true or false"));
            // Like Go, a bool flag does not take a separate value.
            assert!(parse_err(&["--logtostderr", "false"]).contains("unexpected argument"));
            let flags = parse(&["--log-text-split-stream", "--log_json_split_stream=false"]);
            assert_eq!(flags.log_text_split_stream, Some(true));
            assert_eq!(flags.log_json_split_stream, Some(false));
        }

        #[test]
        fn component_base_flags() {
            let flags = parse(&[
                "--logging-format=json",
                "--log-flush-frequency=1m30s",
                "--log-text-split-stream",
                "--log-text-info-buffer-size=64Ki",
                "--log_json_split_stream=true",
                "--log_json_info_buffer_size",
                "1M",
            ]);
            let mut config = LoggingConfiguration::default();
            flags.apply_to(&mut config).unwrap();
            assert_eq!(config.format, "json");
            assert_eq!(config.flush_frequency.as_nanos(), 90_000_000_000);
            assert!(config.options.text.split_stream && config.options.json.split_stream);
            assert_eq!(config.options.text.info_buffer_size.bytes(), 65_536);
            assert_eq!(config.options.json.info_buffer_size.as_str(), "1M");
            assert!(parse_err(&["--log-json-info-buffer-size=12x"]).contains(QUANTITY_FORMAT_ERROR));
            assert!(
                parse_err(&["--log-json-info-buffer-size=-1Ki"]).contains(QUANTITY_NEGATIVE_ERROR)
            );
            assert!(parse_err(&["--log-flush-frequency=5"]).contains("missing unit"));
            let mut config = LoggingConfiguration::default();
            assert_eq!(
                parse(&["--log-flush-frequency=0s"])
                    .apply_to(&mut config)
                    .unwrap_err()
                    .to_string(),
                r#"flushFrequency: Invalid value: "0s": Must be greater than zero"#
            );
        }

        #[test]
        fn logging_format_validated_by_apply_to() {
            let flags = parse(&["--logging-format=xml"]);
            assert_eq!(flags.logging_format.as_deref(), Some("xml"));
            let mut config = LoggingConfiguration::default();
            assert_eq!(
                flags.apply_to(&mut config).unwrap_err().to_string(),
                r#"format: Invalid value: "xml": Unsupported log format"#
            );
        }

        #[test]
        fn flags_override_the_file() {
            let mut file = LoggingConfiguration::default();
            file.verbosity = 2;
            file.format = "json".into();
            file.options.json.split_stream = true;

            let mut config = file.clone();
            parse(&["--v=5"]).apply_to(&mut config).unwrap();
            assert_eq!(config.verbosity, 5);
            assert_eq!(config.format, "json");
            assert!(config.options.json.split_stream);

            let mut config = file.clone();
            parse(&["--other=x"]).apply_to(&mut config).unwrap();
            assert_eq!(config, file);
        }

        #[test]
        fn normalize() {
            let args = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
            assert_eq!(
                normalize_go_flags(args(&[
                    "prog",
                    "-logtostderr=false",
                    "-v=2",
                    "--",
                    "-log_dir"
                ])),
                args(&["prog", "--logtostderr=false", "-v=2", "--", "-log_dir"])
            );
            assert_eq!(
                normalize_go_flags(args(&[
                    "-log_dir",
                    "-log_dir",
                    "/tmp",
                    "-vmodule=a=1",
                    "-v",
                    "3",
                    "-other",
                    "--log-file=x",
                    "-",
                    "-stderrthreshold=INFO",
                    "-logging-format=json",
                ])),
                args(&[
                    "-log_dir",
                    "--log_dir",
                    "/tmp",
                    "--vmodule=a=1",
                    "-v",
                    "3",
                    "-other",
                    "--log-file=x",
                    "-",
                    "--stderrthreshold=INFO",
                    "--logging-format=json",
                ])
            );
            let cli = Cli::try_parse_from(normalize_go_flags(args(&[
                "prog",
                "-vmodule=x=1",
                "-v=2",
                "-log_dir",
                "/tmp/d",
                "-logtostderr=false",
            ])))
            .unwrap();
            assert_eq!(cli.logging.vmodule.as_deref(), Some("x=1"));
            assert_eq!(cli.logging.v, Some(2));
            assert_eq!(cli.logging.log_dir, Some("/tmp/d".into()));
            assert_eq!(cli.logging.logtostderr, Some(false));
            #[cfg(unix)]
            {
                use std::os::unix::ffi::OsStringExt;
                let odd = OsString::from_vec(vec![b'-', 0xff]);
                assert_eq!(
                    normalize_go_flags([OsString::from("p"), odd.clone()]),
                    [OsString::from("p"), odd]
                );
            }
        }

        #[test]
        fn flag_name_list_matches_the_parser() {
            let command = Cli::command();
            let mut names: Vec<String> = Vec::new();
            for arg in command.get_arguments() {
                if arg.get_id() == "other" || arg.get_id() == "help" {
                    continue;
                }
                let long = arg.get_long().unwrap();
                if long != "v" {
                    names.push(long.to_owned());
                }
                for alias in arg.get_all_aliases().unwrap_or_default() {
                    names.push(alias.to_owned());
                }
                // Every word-separated flag takes both spellings.
                if long.contains('-') {
                    let underscored = long.replace('-', "_");
                    assert!(names.contains(&underscored), "{long} lacks {underscored}");
                }
            }
            let mut expected: Vec<String> =
                LONG_FLAG_NAMES.iter().map(|s| (*s).to_owned()).collect();
            names.sort();
            expected.sort();
            assert_eq!(names, expected);
        }

        #[test]
        fn help_names_go_counterparts() {
            let help = Cli::command().render_long_help().to_string();
            for needle in [
                "Logging flags:",
                "--logging-format <string>",
                "-v, --v <Level>",
                "--vmodule <pattern=N,...>",
                "--log-flush-frequency <duration>",
                "--logtostderr[=<true|false>]",
                "[Go klog: -log_dir]",
                "[Go klog: -log_file_max_size]",
                "[Go klog: -one_output]",
                "[Go klog: -skip_headers]",
                "[Go klog: -skip_log_headers]",
                "[Go klog: -add_dir_header]",
            ] {
                assert!(help.contains(needle), "{needle:?} missing from:\n{help}");
            }
            assert!(help.starts_with("The test program\n"), "{help}");
            // The underscore spellings are hidden aliases.
            assert!(!help.contains("--log_dir"), "{help}");
        }

        #[test]
        fn go_uint64() {
            for (text, want) in [
                ("0", 0),
                ("1800", 1800),
                ("0x10", 16),
                ("0X1f", 31),
                ("010", 8),
                ("0o10", 8),
                ("0b101", 5),
                ("1_000", 1000),
                ("0x_10", 16),
                ("18446744073709551615", u64::MAX),
            ] {
                assert_eq!(parse_go_uint64(text), Ok(want), "{text}");
            }
            for bad in [
                "",
                "-1",
                "+1",
                "0x",
                "1__0",
                "_1",
                "1_",
                "09",
                "1.5",
                "18446744073709551616",
                "0b2",
            ] {
                assert!(parse_go_uint64(bad).is_err(), "{bad}");
            }
        }

        const FLAG_VALUE_NAMES: &[&str] = &[
            "logging-format",
            "log-flush-frequency",
            "v",
            "vmodule",
            "log-text-split-stream",
            "log-text-info-buffer-size",
            "log-json-split-stream",
            "log-json-info-buffer-size",
            "logtostderr",
            "alsologtostderr",
            "log-dir",
            "log-file",
            "log-file-max-size",
            "one-output",
            "skip-headers",
            "skip-log-headers",
            "add-dir-header",
            "stderrthreshold",
        ];

        proptest::proptest! {
            #[test]
            fn arbitrary_flag_values_never_panic(
                index in 0..FLAG_VALUE_NAMES.len(),
                value in ".*",
            ) {
                let name = FLAG_VALUE_NAMES[index];
                for argv in [
                    vec!["prog".to_owned(), format!("--{name}={value}")],
                    vec!["prog".to_owned(), format!("-{name}={value}")],
                    vec!["prog".to_owned(), format!("--{name}"), value.clone()],
                ] {
                    let argv = normalize_go_flags(argv.into_iter().map(OsString::from));
                    if let Ok(cli) = Cli::try_parse_from(argv) {
                        let mut config = LoggingConfiguration::default();
                        let _ = cli.logging.apply_to(&mut config);
                        let _ = cli.logging.klog_options();
                    }
                }
            }

            #[test]
            fn arbitrary_arguments_never_panic(args in proptest::collection::vec(".*", 0..6)) {
                let argv = normalize_go_flags(
                    std::iter::once("prog".to_owned()).chain(args).map(OsString::from),
                );
                if let Ok(cli) = Cli::try_parse_from(argv) {
                    let mut config = LoggingConfiguration::default();
                    let _ = cli.logging.apply_to(&mut config);
                }
            }
        }
    }
}
