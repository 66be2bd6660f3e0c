//! Go's `time.Duration`, as component-base's `TimeOrMetaDuration` holds it: parsed and
//! printed with Go's spelling (from `go::time`), and remembering whether it was read as text
//! or as a number of nanoseconds so that it is written back the same way.

use std::fmt;
use std::str::FromStr;

use super::ConfigError;
use crate::go;

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
    pub(super) nanos: i64,
    /// Serialize as a string (it was read from one) rather than as nanoseconds.
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    pub(super) as_string: bool,
}

impl GoDuration {
    /// A duration read from Go's duration text, which is written back as text.
    pub(super) const fn parsed(nanos: i64) -> Self {
        GoDuration {
            nanos,
            as_string: true,
        }
    }

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
        go::time::parse_duration(s)
            .map(GoDuration::parsed)
            .map_err(ConfigError::new)
    }
}

impl fmt::Display for GoDuration {
    /// Go's `time.Duration.String`: `1h2m3.5s`, `1m30s`, `100ms`, `1.5µs`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = Vec::with_capacity(32);
        go::time::write_duration(&mut text, i128::from(self.nanos));
        // The writer only writes ASCII and `µ`.
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

#[cfg(test)]
mod tests;
