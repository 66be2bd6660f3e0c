//! Times of parsed records (text headers have no year, JSON's `ts` is a float) and the
//! time bounds of `--since`/`--until`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::go::time::{days_from_civil, days_in_month, parse_date_time};
use crate::go::zone::TimeZone;
use crate::parse::{ParsedRecord, SourceFormat};

/// Years for klog text headers, which have none: the given year or the current one for the
/// first record, one more each time the month falls back by half a year or more (December →
/// January).
#[derive(Clone, Debug)]
pub(super) struct YearInference {
    /// `--year`: the year of the first record of each input.
    pub(super) given: Option<i64>,
    /// The year and month taken as "now" for the first record without a given year.
    pub(super) now: (i64, u32),
    /// The year and month of the last record of this input.
    pub(super) current: Option<(i64, u32)>,
}

impl YearInference {
    /// The record's time as Unix seconds and nanoseconds (text: the header's wall clock,
    /// with the inferred year, as if it were UTC).
    // Inlined: once per record, and LLVM's budget otherwise drops it when the parser grows.
    #[inline]
    pub(super) fn record_time(&mut self, rec: &ParsedRecord) -> Option<(i64, u32)> {
        match rec.format {
            SourceFormat::Json => json_time(rec),
            // The other dialects' times are read exactly.
            SourceFormat::Zap | SourceFormat::Logrus | SourceFormat::Slog => rec.ts_unix,
            SourceFormat::Text => {
                let (month, day, hour, minute, second, micros) = rec.month_day_time?;
                let year = self.year_for(month);
                // February 29 of a year that has none: no time klog wrote.
                if month == 2 && day == 29 && days_in_month(year.rem_euclid(400) as u32, 2) == 28 {
                    return None;
                }
                let secs = days_from_civil(year, month, day) * 86_400
                    + i64::from(hour) * 3_600
                    + i64::from(minute) * 60
                    + i64::from(second);
                // A header's microseconds have at most 6 digits.
                Some((secs, micros.min(999_999) * 1_000))
            }
        }
    }

    pub(super) fn year_for(&mut self, month: u32) -> i64 {
        let year = match self.current {
            None => self.given.unwrap_or_else(|| {
                // A month later in the year than now was last year's.
                let (year, now_month) = self.now;
                if month > now_month {
                    year - 1
                } else {
                    year
                }
            }),
            Some((year, last_month)) if month + 6 <= last_month => year + 1,
            Some((year, _)) => year,
        };
        self.current = Some((year, month));
        year
    }
}

/// Text headers' times between Unix time and the wall clock of the converter's zone: one
/// offset look-up per second of input, not per record (records come many to a second).
#[derive(Clone, Debug)]
pub(super) struct ZoneClock {
    pub(super) zone: TimeZone,
    /// The last wall-clock second read, and its Unix time.
    from_wall: Option<(i64, i64)>,
    /// The last Unix second written, and its wall-clock time.
    to_wall: Option<(i64, i64)>,
}

impl ZoneClock {
    pub(super) fn new(zone: TimeZone) -> ZoneClock {
        ZoneClock {
            zone,
            from_wall: None,
            to_wall: None,
        }
    }

    /// The Unix time of a header's wall-clock second.
    pub(super) fn unix(&mut self, wall: i64) -> i64 {
        match self.from_wall {
            Some((w, unix)) if w == wall => unix,
            _ => {
                let unix = self.zone.unix_from_wall(wall);
                self.from_wall = Some((wall, unix));
                unix
            }
        }
    }

    /// The wall-clock second of a Unix second.
    pub(super) fn wall(&mut self, unix: i64) -> i64 {
        match self.to_wall {
            Some((u, wall)) if u == unix => wall,
            _ => {
                let wall = self.zone.wall_secs(unix);
                self.to_wall = Some((unix, wall));
                wall
            }
        }
    }
}

/// The time of a JSON record.
///
/// component-base's `ts` is `float64(unix nanoseconds) / 1e6`, which today holds the time to
/// about a quarter of a microsecond: the digits may stop just short of the microsecond the
/// time began in. When the nearest whole microsecond gives exactly this `ts`, it is taken (so a
/// time from a text header, always whole microseconds, comes back unchanged); otherwise the
/// digits as written.
fn json_time(rec: &ParsedRecord) -> Option<(i64, u32)> {
    let (secs, nanos) = rec
        .ts_unix
        .or_else(|| rec.ts_millis.and_then(millis_to_parts))?;
    if let Some(ms) = rec.ts_millis {
        // In `i64` for times after 1970 (no 128-bit division, a library call).
        if let Some(total) = secs
            .checked_mul(1_000_000_000)
            .and_then(|n| n.checked_add(i64::from(nanos) + 500))
            .filter(|&n| n >= 0)
        {
            let whole_micro = total / 1_000 * 1_000;
            if whole_micro as f64 / 1e6 == ms {
                return Some((
                    whole_micro / 1_000_000_000,
                    (whole_micro % 1_000_000_000) as u32,
                ));
            }
            return Some((secs, nanos));
        }
        let total = i128::from(secs) * 1_000_000_000 + i128::from(nanos);
        let whole_micro = (total + 500).div_euclid(1_000) * 1_000;
        if let Ok(n) = i64::try_from(whole_micro) {
            if n as f64 / 1e6 == ms {
                let secs = i64::try_from(whole_micro.div_euclid(1_000_000_000)).ok()?;
                return Some((secs, whole_micro.rem_euclid(1_000_000_000) as u32));
            }
        }
    }
    Some((secs, nanos))
}

/// Epoch milliseconds (component-base's `ts`) as Unix seconds and nanoseconds, to the
/// nanosecond the `f64` holds.
fn millis_to_parts(ms: f64) -> Option<(i64, u32)> {
    // Beyond ±10^15 ms (31,000 years) the value is no time any klog wrote.
    if !ms.is_finite() || ms.abs() > 1e15 {
        return None;
    }
    let whole = ms.floor();
    let sub_ms_nanos = ((ms - whole) * 1e6).round() as i64;
    let whole = whole as i64;
    let nanos_total = whole.rem_euclid(1000) * 1_000_000 + sub_ms_nanos;
    let secs = whole.div_euclid(1000) + nanos_total / 1_000_000_000;
    Some((secs, (nanos_total % 1_000_000_000) as u32))
}

// === Time bounds for `--since`/`--until`.

/// Why [`parse_time`] rejected its input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeParseError(String);

impl std::fmt::Display for TimeParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invalid time {:?}: expected RFC 3339 (2026-11-28T09:00:00Z, 2026-11-28T10:00:00+01:00), \
             a UTC date and time (2026-11-28 09:00[:00[.123]]) or a date (2026-11-28)",
            self.0
        )
    }
}

impl std::error::Error for TimeParseError {}

/// Reads a time bound: RFC 3339 (`2026-11-28T09:00:00.5Z`, `…+01:00`), a UTC date and time
/// with `T` or a space and optional seconds and fraction, or a date (midnight UTC).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = klog::convert::parse_time("2026-11-28T09:00:00.5Z")?;
/// assert_eq!(t, UNIX_EPOCH + Duration::from_millis(1_795_856_400_500));
/// assert_eq!(klog::convert::parse_time("2026-11-28 10:00:00.5+01:00")?, t);
/// assert!(klog::convert::parse_time("yesterday").is_err());
/// # Ok::<(), klog::convert::TimeParseError>(())
/// ```
pub fn parse_time(s: &str) -> Result<SystemTime, TimeParseError> {
    parse_date_time(s.trim())
        .and_then(|(secs, nanos)| {
            let since_epoch = u64::try_from(secs).ok()?;
            UNIX_EPOCH.checked_add(Duration::new(since_epoch, nanos))
        })
        .ok_or_else(|| TimeParseError(s.to_string()))
}
