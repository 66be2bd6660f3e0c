//! Go's `time.Duration.String`, `time.ParseDuration`, `time.Time.String` (UTC) and the RFC 3339
//! nano form of `encoding/json`.
//!
//! The writers are on the hot path: no allocation, no locks, no fmt machinery. Parsing is for
//! configuration and flags, and allocates only its error messages.

use std::time::{SystemTime, UNIX_EPOCH};

const NANOS_PER_SEC: u32 = 1_000_000_000;
const SECS_PER_DAY: i64 = 86_400;
/// Days in one 400-year Gregorian cycle.
const DAYS_PER_ERA: i64 = 146_097;
/// Days from 0000-03-01 (the start of the shifted calendar) to 1970-01-01.
const EPOCH_SHIFT: i64 = 719_468;

/// Go's `time.Duration.String()` for a signed nanosecond count (the `i64` range of Go, extended naturally to `i128`).
pub(crate) fn write_duration(out: &mut Vec<u8>, nanos: i128) {
    if nanos == 0 {
        out.extend_from_slice(b"0s");
        return;
    }
    if nanos < 0 {
        out.push(b'-');
    }
    let u = nanos.unsigned_abs();
    let mut buf = itoa::Buffer::new();
    if u < 1_000 {
        out.extend_from_slice(buf.format(u).as_bytes());
        out.extend_from_slice(b"ns");
    } else if u < 1_000_000 {
        out.extend_from_slice(buf.format(u / 1_000).as_bytes());
        write_frac(out, (u % 1_000) as u32, 3);
        out.extend_from_slice("µs".as_bytes());
    } else if u < 1_000_000_000 {
        out.extend_from_slice(buf.format(u / 1_000_000).as_bytes());
        write_frac(out, (u % 1_000_000) as u32, 6);
        out.extend_from_slice(b"ms");
    } else {
        let secs = u / 1_000_000_000;
        let hours = secs / 3_600;
        let mins = (secs / 60) % 60;
        if hours > 0 {
            out.extend_from_slice(buf.format(hours).as_bytes());
            out.push(b'h');
        }
        if hours > 0 || mins > 0 {
            out.extend_from_slice(buf.format(mins).as_bytes());
            out.push(b'm');
        }
        out.extend_from_slice(buf.format(secs % 60).as_bytes());
        write_frac(out, (u % 1_000_000_000) as u32, 9);
        out.push(b's');
    }
}

/// Go's `time.ParseDuration`, with its error messages: the nanoseconds of `1m30s`, `-1.5h`,
/// `100ms`, `2µs`.
pub(crate) fn parse_duration(orig: &str) -> Result<i64, String> {
    const LIMIT: u64 = 1 << 63;
    const SECOND: u64 = NANOS_PER_SEC as u64;
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
            "s" => SECOND,
            "m" => 60 * SECOND,
            "h" => 3600 * SECOND,
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

/// Civil UTC date/time of a Unix timestamp: (year, month 1-12, day 1-31, hour, minute, second).
/// Proleptic Gregorian, valid for the whole `i64` range (before 1970 as well).
pub(crate) fn civil_from_unix(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(SECS_PER_DAY);
    // In 0..86_400, so it fits a u32.
    let sod = secs.rem_euclid(SECS_PER_DAY) as u32;
    let (year, month, day) = civil_from_days(days);
    (year, month, day, sod / 3_600, (sod / 60) % 60, sod % 60)
}

/// Date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
///
/// The calendar is shifted so that years begin on March 1: the leap day then
/// falls on the last day of the year, and month lengths from March on follow a
/// regular 153-days-per-5-months pattern.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // `days` is at most |i64::MIN / 86_400| ~ 1.1e14, so nothing below overflows.
    let z = days + EPOCH_SHIFT;
    let era = z.div_euclid(DAYS_PER_ERA);
    // Day of the 400-year era: 0..=146_096.
    let doe = z.rem_euclid(DAYS_PER_ERA);
    // Year of the era, 0..=399: drop the leap days seen so far, then divide.
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    // Day of the (March-based) year, 0..=365.
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    // Month index counted from March, 0..=11.
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Day count since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`),
/// the inverse of `civil_from_days`.
// Used by the converter, which needs the `serde` feature.
#[cfg_attr(not(feature = "serde"), allow(dead_code))]
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * DAYS_PER_ERA + doe - EPOCH_SHIFT
}

/// Go's `time.Time.String()` of a UTC time: `YYYY-MM-DD hh:mm:ss[.FRAC] +0000 UTC`.
pub(crate) fn write_time_string(out: &mut Vec<u8>, secs: i64, nanos: u32) {
    let nanos = write_date_time(out, secs, nanos, b' ');
    write_frac(out, nanos, 9);
    out.extend_from_slice(b" +0000 UTC");
}

/// RFC 3339 with nanoseconds as Go's `encoding/json` writes a UTC time (without quotes): `YYYY-MM-DDThh:mm:ss[.FRAC]Z`.
pub(crate) fn write_rfc3339(out: &mut Vec<u8>, secs: i64, nanos: u32) {
    let nanos = write_date_time(out, secs, nanos, b'T');
    write_frac(out, nanos, 9);
    out.push(b'Z');
}

/// Unix seconds and sub-second nanos of a `SystemTime` (negative secs before the epoch, nanos always 0..1e9 forward from secs).
pub(crate) fn unix_parts(t: SystemTime) -> (i64, u32) {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (
            i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            d.subsec_nanos(),
        ),
        Err(e) => {
            let d = e.duration();
            let (secs, sub) = (i128::from(d.as_secs()), d.subsec_nanos());
            // Round the seconds down (towards the past) so that the nanos count forward.
            let (secs, nanos) = if sub == 0 {
                (-secs, 0)
            } else {
                (-secs - 1, NANOS_PER_SEC - sub)
            };
            (i64::try_from(secs).unwrap_or(i64::MIN), nanos)
        }
    }
}

/// Writes `YYYY-MM-DD<sep>hh:mm:ss` and returns the sub-second nanos left to write.
/// Nanos of a second or more carry into the seconds (saturating), so any input is accepted.
/// `YYYY-MM-DD<sep>hh:mm:ss` of a UTC time; returns the nanoseconds within the second.
pub(crate) fn write_date_time(out: &mut Vec<u8>, secs: i64, nanos: u32, sep: u8) -> u32 {
    let secs = secs.saturating_add(i64::from(nanos / NANOS_PER_SEC));
    let (year, month, day, hour, min, sec) = civil_from_unix(secs);
    write_year(out, year);
    out.push(b'-');
    write_2(out, month);
    out.push(b'-');
    write_2(out, day);
    out.push(sep);
    write_2(out, hour);
    out.push(b':');
    write_2(out, min);
    out.push(b':');
    write_2(out, sec);
    nanos % NANOS_PER_SEC
}

/// Year with at least four digits, `-` in front of negative years (Go's appendInt with width 4).
fn write_year(out: &mut Vec<u8>, year: i64) {
    if year < 0 {
        out.push(b'-');
    }
    let u = year.unsigned_abs();
    if u < 10_000 {
        let u = u as u32;
        write_2(out, u / 100);
        write_2(out, u % 100);
    } else {
        out.extend_from_slice(itoa::Buffer::new().format(u).as_bytes());
    }
}

/// Two zero-padded digits of `v` (< 100).
/// Two digits of `v` (0–99).
pub(crate) fn write_2(out: &mut Vec<u8>, v: u32) {
    out.push(b'0' + (v / 10 % 10) as u8);
    out.push(b'0' + (v % 10) as u8);
}

/// `.` and `frac` as `digits` zero-padded digits with trailing zeros removed; nothing if `frac` is 0.
/// `digits` is at most 9 and `frac < 10^digits`.
fn write_frac(out: &mut Vec<u8>, mut frac: u32, digits: usize) {
    if frac == 0 {
        return;
    }
    let mut buf = [b'0'; 9];
    let digits = digits.min(buf.len());
    let mut end = 0;
    for i in (0..digits).rev() {
        let d = (frac % 10) as u8;
        frac /= 10;
        buf[i] = b'0' + d;
        if end == 0 && d != 0 {
            end = i + 1;
        }
    }
    out.push(b'.');
    out.extend_from_slice(&buf[..end]);
}

/// A date and time as Unix seconds and nanoseconds: RFC 3339 (`2026-11-28T09:00:00.5Z`,
/// `…+01:00`), zap's ISO 8601 (`…+0100`), a UTC date and time with `T` or a space and optional
/// seconds and fraction, or a date (midnight UTC). `None` for anything else, impossible dates
/// and times included.
#[cfg_attr(not(feature = "serde"), allow(dead_code))]
pub(crate) fn parse_date_time(s: &str) -> Option<(i64, u32)> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let mut secs = days_from_civil(i64::from(year), month, day) * 86_400;
    let mut nanos = 0;
    let mut i = 10;
    if i < b.len() {
        if !matches!(b[i], b'T' | b't' | b' ') {
            return None;
        }
        let (hour, minute) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
        if b.get(i + 3) != Some(&b':') || hour > 23 || minute > 59 {
            return None;
        }
        i += 6;
        let mut second = 0;
        if b.get(i) == Some(&b':') {
            second = num(i + 1..i + 3)?;
            if second > 59 {
                return None;
            }
            i += 3;
            if b.get(i) == Some(&b'.') {
                i += 1;
                let start = i;
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                if i == start {
                    return None;
                }
                for (k, d) in b[start..i].iter().take(9).enumerate() {
                    nanos += u32::from(d - b'0') * 10u32.pow(8 - k as u32);
                }
            }
        }
        secs += i64::from(hour) * 3_600 + i64::from(minute) * 60 + i64::from(second);
        match &b[i..] {
            [] | [b'Z' | b'z'] => {}
            [sign @ (b'+' | b'-'), _, _, b':', _, _] | [sign @ (b'+' | b'-'), _, _, _, _] => {
                // `+01:00` (RFC 3339) or `+0100` (zap's ISO 8601).
                let m = if b.len() - i == 6 { i + 4 } else { i + 3 };
                let offset = i64::from(num(i + 1..i + 3)?) * 3_600 + i64::from(num(m..m + 2)?) * 60;
                secs -= if *sign == b'+' { offset } else { -offset };
            }
            _ => return None,
        }
    }
    Some((secs, nanos))
}

/// Days in `month` of `year` (proleptic Gregorian).
pub(crate) fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// (year, month, day, hour, minute, second)
    type Civil = (i64, u32, u32, u32, u32, u32);

    const NS: i128 = 1;
    const US: i128 = 1_000;
    const MS: i128 = 1_000_000;
    const S: i128 = 1_000_000_000;
    const M: i128 = 60 * S;
    const H: i128 = 60 * M;

    /// 0001-01-01T00:00:00Z
    const YEAR_1_SECS: i64 = -62_135_596_800;
    /// 9999-12-31T23:59:59Z
    const YEAR_9999_END_SECS: i64 = 253_402_300_799;

    fn duration(nanos: i128) -> String {
        let mut out = Vec::new();
        write_duration(&mut out, nanos);
        String::from_utf8(out).unwrap()
    }

    fn time_string(secs: i64, nanos: u32) -> String {
        let mut out = Vec::new();
        write_time_string(&mut out, secs, nanos);
        String::from_utf8(out).unwrap()
    }

    fn rfc3339(secs: i64, nanos: u32) -> String {
        let mut out = Vec::new();
        write_rfc3339(&mut out, secs, nanos);
        String::from_utf8(out).unwrap()
    }

    fn is_leap(year: i64) -> bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    fn days_in_month(year: i64, month: u32) -> u32 {
        match month {
            2 if is_leap(year) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    #[test]
    fn duration_matches_go_duration_string() {
        let cases: &[(i128, &str)] = &[
            (0, "0s"),
            (NS, "1ns"),
            (-NS, "-1ns"),
            (999 * NS, "999ns"),
            (US + NS, "1.001µs"),
            (999 * US + 999 * NS, "999.999µs"),
            (-(US + 500 * NS), "-1.5µs"),
            (MS + NS, "1.000001ms"),
            (S - NS, "999.999999ms"),
            (S, "1s"),
            (59 * S + 999_999_999 * NS, "59.999999999s"),
            (M, "1m0s"),
            (M + S, "1m1s"),
            (M + NS, "1m0.000000001s"),
            (3_600 * S, "1h0m0s"),
            (H, "1h0m0s"),
            (100 * H, "100h0m0s"),
            (2 * H + 3 * M + 4 * S + 5 * NS, "2h3m4.000000005s"),
            (-(H + S / 2), "-1h0m0.5s"),
            (i128::from(i64::MAX), "2562047h47m16.854775807s"),
            (i128::from(i64::MIN), "-2562047h47m16.854775808s"),
        ];
        for &(nanos, want) in cases {
            assert_eq!(duration(nanos), want, "nanos = {nanos}");
        }
    }

    #[test]
    fn duration_micro_sign_is_u00b5() {
        assert_eq!(duration(US).as_bytes(), b"1\xC2\xB5s");
    }

    #[test]
    fn duration_beyond_i64_extends_naturally_without_panicking() {
        let beyond = i128::from(i64::MAX) + 1;
        assert_eq!(duration(beyond), "2562047h47m16.854775808s");
        assert_eq!(duration(-beyond - 1), "-2562047h47m16.854775809s");
        assert!(duration(i128::MAX).ends_with('s'));
        assert!(duration(i128::MIN).starts_with('-'));
    }

    #[test]
    fn time_string_matches_go_time_string() {
        let cases: &[((i64, u32), &str)] = &[
            ((0, 0), "1970-01-01 00:00:00 +0000 UTC"),
            (
                (1_683_356_889, 500_000_000),
                "2023-05-06 07:08:09.5 +0000 UTC",
            ),
            ((YEAR_1_SECS, 0), "0001-01-01 00:00:00 +0000 UTC"),
            (
                (YEAR_9999_END_SECS, 999_999_999),
                "9999-12-31 23:59:59.999999999 +0000 UTC",
            ),
            (
                (1_709_164_800, 1),
                "2024-02-29 00:00:00.000000001 +0000 UTC",
            ),
            ((951_868_800, 0), "2000-03-01 00:00:00 +0000 UTC"),
        ];
        for &((secs, nanos), want) in cases {
            assert_eq!(
                time_string(secs, nanos),
                want,
                "secs = {secs}, nanos = {nanos}"
            );
        }
    }

    #[test]
    fn rfc3339_matches_go_json_time() {
        let cases: &[((i64, u32), &str)] = &[
            ((0, 0), "1970-01-01T00:00:00Z"),
            ((1_683_356_889, 120_000_000), "2023-05-06T07:08:09.12Z"),
            ((YEAR_1_SECS, 0), "0001-01-01T00:00:00Z"),
            (
                (YEAR_9999_END_SECS, 999_999_999),
                "9999-12-31T23:59:59.999999999Z",
            ),
            ((1_709_251_199, 0), "2024-02-29T23:59:59Z"),
            ((951_782_400, 0), "2000-02-29T00:00:00Z"),
            ((951_868_800, 0), "2000-03-01T00:00:00Z"),
            ((-1, 500_000_000), "1969-12-31T23:59:59.5Z"),
            ((1, 10), "1970-01-01T00:00:01.00000001Z"),
        ];
        for &((secs, nanos), want) in cases {
            assert_eq!(rfc3339(secs, nanos), want, "secs = {secs}, nanos = {nanos}");
        }
    }

    #[test]
    fn system_time_before_epoch_counts_nanos_forward() {
        let t = UNIX_EPOCH - Duration::from_millis(500);
        assert_eq!(unix_parts(t), (-1, 500_000_000));
        let (secs, nanos) = unix_parts(t);
        assert_eq!(rfc3339(secs, nanos), "1969-12-31T23:59:59.5Z");
    }

    #[test]
    fn system_time_parts_on_whole_seconds_and_after_epoch() {
        let cases: &[(SystemTime, (i64, u32))] = &[
            (UNIX_EPOCH, (0, 0)),
            (UNIX_EPOCH - Duration::from_secs(2), (-2, 0)),
            (UNIX_EPOCH - Duration::new(2, 1), (-3, 999_999_999)),
            (
                UNIX_EPOCH + Duration::new(1_683_356_889, 7),
                (1_683_356_889, 7),
            ),
        ];
        for &(t, want) in cases {
            assert_eq!(unix_parts(t), want, "{t:?}");
        }
    }

    #[test]
    fn years_outside_1_to_9999_use_at_least_four_digits() {
        assert_eq!(rfc3339(YEAR_9999_END_SECS + 1, 0), "10000-01-01T00:00:00Z");
        assert_eq!(rfc3339(YEAR_1_SECS - 1, 0), "0000-12-31T23:59:59Z");
        let year_minus_1 = days_from_civil(-1, 1, 1) * SECS_PER_DAY;
        assert_eq!(rfc3339(year_minus_1, 0), "-0001-01-01T00:00:00Z");
        let year_minus_12345 = days_from_civil(-12_345, 6, 7) * SECS_PER_DAY;
        assert_eq!(rfc3339(year_minus_12345, 0), "-12345-06-07T00:00:00Z");
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        for secs in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
            for nanos in [0, 1, NANOS_PER_SEC - 1, NANOS_PER_SEC, u32::MAX] {
                assert!(time_string(secs, nanos).ends_with(" +0000 UTC"));
                assert!(rfc3339(secs, nanos).ends_with('Z'));
            }
        }
        let _ = unix_parts(SystemTime::now());
    }

    #[test]
    fn nanos_of_a_second_or_more_carry_into_seconds() {
        assert_eq!(
            rfc3339(0, NANOS_PER_SEC + 5),
            "1970-01-01T00:00:01.000000005Z"
        );
        assert_eq!(rfc3339(-1, NANOS_PER_SEC), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn civil_from_unix_splits_time_of_day() {
        let cases: &[(i64, Civil)] = &[
            (0, (1970, 1, 1, 0, 0, 0)),
            (-1, (1969, 12, 31, 23, 59, 59)),
            (1_683_356_889, (2023, 5, 6, 7, 8, 9)),
            (YEAR_1_SECS, (1, 1, 1, 0, 0, 0)),
            (YEAR_9999_END_SECS, (9999, 12, 31, 23, 59, 59)),
        ];
        for &(secs, want) in cases {
            assert_eq!(civil_from_unix(secs), want, "secs = {secs}");
        }
    }

    #[test]
    fn civil_from_unix_round_trips_every_day_from_year_1_to_9999() {
        let first = days_from_civil(1, 1, 1);
        let last = days_from_civil(9999, 12, 31);
        assert_eq!(first * SECS_PER_DAY, YEAR_1_SECS);
        assert_eq!(last * SECS_PER_DAY + SECS_PER_DAY - 1, YEAR_9999_END_SECS);
        assert_eq!(days_from_civil(1970, 1, 1), 0);

        let mut expected = (1_i64, 1_u32, 1_u32);
        for days in first..=last {
            // Midday, so a wrong floor on seconds would show.
            let (y, m, d, hh, mm, ss) = civil_from_unix(days * SECS_PER_DAY + 43_201);
            assert_eq!((y, m, d), expected, "days = {days}");
            assert_eq!((hh, mm, ss), (12, 0, 1), "days = {days}");
            assert_eq!(days_from_civil(y, m, d), days);
            // Next day by plain calendar rules, an oracle independent of the algorithm.
            expected = if d < days_in_month(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
        assert_eq!(expected, (10_000, 1, 1));
    }
}
