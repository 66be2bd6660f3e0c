//! JSON log dialects besides component-base: zap (controller-runtime operators, etcd),
//! logrus and Go's `log/slog`. `json.rs` reads a line's members in order; here the level,
//! time, error and caller are taken out of them by the dialect's names (the table is in
//! `docs/converter.md`). Every other member stays a key/value pair, in order.

use super::spare::Spare;
use super::{ParsedRecord, ParsedValue, SourceFormat};
use crate::record::Severity;

/// The dialect of a JSON line that has a string `level` before `msg`; `None` if none fits.
pub(super) fn detect(rec: &ParsedRecord) -> Option<SourceFormat> {
    let level = str_pair(rec, "level")?;
    // zap names its time `ts`; etcd and controller-runtime too, others keep zap's `caller`
    // beside a `time` (kubermatic). logrus sorts its keys and spells levels in lower case,
    // slog writes `time`, `level`, `msg` first and levels in upper case.
    if rec.ts_millis.is_some() || str_pair(rec, "ts").is_some() {
        return Some(SourceFormat::Zap);
    }
    if str_pair(rec, "time").is_some() && rec.file.is_none() {
        let upper = level.bytes().next()?.is_ascii_uppercase();
        return Some(if upper {
            SourceFormat::Slog
        } else {
            SourceFormat::Logrus
        });
    }
    Some(SourceFormat::Zap)
}

/// Turns `rec`, read with component-base's rules, into a record of `dialect`; `None` if it is
/// not one (an unknown level). `ts_text` is the number of a `ts` read before `msg`.
pub(super) fn finish(
    dialect: SourceFormat,
    rec: &mut ParsedRecord,
    ts_text: &str,
    spare: &mut Spare,
) -> Option<()> {
    rec.format = dialect;
    let (severity, verbosity) = match take_str(rec, "level", spare) {
        Some(level) => {
            let parsed = level_of(dialect, &level);
            spare.recycle_string(level);
            parsed?
        }
        None => (Severity::Info, Some(0)),
    };
    rec.severity = severity;
    rec.verbosity = verbosity;
    let number_ts = rec.ts_millis.take().is_some();
    rec.ts_unix = None;
    match dialect {
        SourceFormat::Zap if number_ts => rec.ts_unix = epoch_number(ts_text),
        SourceFormat::Zap => {
            rec.ts_unix = take_time(rec, "ts", spare).or_else(|| take_time(rec, "time", spare))
        }
        _ => {
            if number_ts {
                // Not this dialect's time: a pair like any other.
                let value = ParsedValue::Raw(spare.string(ts_text));
                rec.key_values.insert(0, (spare.string("ts"), value));
            }
            rec.ts_unix = take_time(rec, "time", spare);
        }
    }
    if matches!(severity, Severity::Error | Severity::Fatal) {
        let error = match dialect {
            SourceFormat::Slog => {
                take_last_str(rec, "err", spare).or_else(|| take_last_str(rec, "error", spare))
            }
            _ => take_last_str(rec, "error", spare),
        };
        rec.error = error;
    }
    if rec.file.is_none() {
        match dialect {
            SourceFormat::Slog => slog_source(rec),
            SourceFormat::Logrus => logrus_file(rec, spare),
            _ => {}
        }
    }
    Some(())
}

/// Severity and V level of a level name (without allocating: this runs for every record).
fn level_of(dialect: SourceFormat, level: &str) -> Option<(Severity, Option<i64>)> {
    let info = |v: i64| Some((Severity::Info, Some(v)));
    let is = |name: &str| level.eq_ignore_ascii_case(name);
    match dialect {
        // zapr: V(n) is zap level -n, written `debug` for -1 and `Level(-n)` below.
        SourceFormat::Zap => {
            if is("info") {
                info(0)
            } else if is("debug") {
                info(1)
            } else if is("warn") || is("warning") {
                Some((Severity::Warning, None))
            } else if is("error") || is("dpanic") {
                Some((Severity::Error, None))
            } else if is("panic") || is("fatal") {
                Some((Severity::Fatal, None))
            } else {
                let prefix = level.get(..7)?;
                if !prefix.eq_ignore_ascii_case("level(-") {
                    return None;
                }
                let n = level[7..].strip_suffix(')')?;
                info(n.parse::<i64>().ok().filter(|&n| n > 0)?)
            }
        }
        // The bridges' table (docs/format.md): debug is V4, trace V5.
        SourceFormat::Logrus => {
            if is("info") {
                info(0)
            } else if is("debug") {
                info(4)
            } else if is("trace") {
                info(5)
            } else if is("warning") || is("warn") {
                Some((Severity::Warning, None))
            } else if is("error") {
                Some((Severity::Error, None))
            } else if is("fatal") || is("panic") {
                Some((Severity::Fatal, None))
            } else {
                None
            }
        }
        // slog levels are numbers (DEBUG -4, INFO 0, WARN 4, ERROR 8) written as the name
        // below them and the distance (`INFO-2`, `DEBUG+1`); logr's slog handler writes V(n)
        // as level -n.
        SourceFormat::Slog => {
            let split = level.find(['+', '-']).unwrap_or(level.len());
            let base = match &level[..split] {
                "DEBUG" => -4,
                "INFO" => 0,
                "WARN" => 4,
                "ERROR" => 8,
                _ => return None,
            };
            let offset = match &level[split..] {
                "" => 0,
                n => n.parse::<i64>().ok()?,
            };
            match base + offset {
                n if n < 0 => info(-n),
                n if n < 4 => info(0),
                n if n < 8 => Some((Severity::Warning, None)),
                _ => Some((Severity::Error, None)),
            }
        }
        SourceFormat::Text | SourceFormat::Json => None,
    }
}

fn str_pair<'a>(rec: &'a ParsedRecord, key: &str) -> Option<&'a str> {
    rec.key_values.iter().find_map(|(k, v)| match v {
        ParsedValue::Str(s) if k == key => Some(s.as_str()),
        _ => None,
    })
}

/// Removes the first string pair `key` and returns its value.
fn take_str(rec: &mut ParsedRecord, key: &str, spare: &mut Spare) -> Option<String> {
    let i = rec
        .key_values
        .iter()
        .position(|(k, v)| k == key && matches!(v, ParsedValue::Str(_)))?;
    Some(take_at(rec, i, spare))
}

/// Removes pair `i`, keeping its key's buffer for later records, and returns its value.
fn take_at(rec: &mut ParsedRecord, i: usize, spare: &mut Spare) -> String {
    let (key, value) = rec.key_values.remove(i);
    spare.recycle_string(key);
    match value {
        ParsedValue::Str(s) | ParsedValue::Raw(s) => s,
    }
}

/// Removes the last string pair `key` and returns its value.
fn take_last_str(rec: &mut ParsedRecord, key: &str, spare: &mut Spare) -> Option<String> {
    let i = rec
        .key_values
        .iter()
        .rposition(|(k, v)| k == key && matches!(v, ParsedValue::Str(_)))?;
    Some(take_at(rec, i, spare))
}

/// Removes the first string pair `key` that is a date and time, and returns the time.
fn take_time(rec: &mut ParsedRecord, key: &str, spare: &mut Spare) -> Option<(i64, u32)> {
    let (i, time) = rec
        .key_values
        .iter()
        .enumerate()
        .find_map(|(i, (k, v))| match v {
            ParsedValue::Str(s) if k == key => crate::go::time::parse_date_time(s).map(|t| (i, t)),
            _ => None,
        })?;
    let value = take_at(rec, i, spare);
    spare.recycle_string(value);
    Some(time)
}

/// A zap epoch number: float seconds (zap's default), or milliseconds, microseconds or
/// nanoseconds (its other encoders), told apart by the number of whole digits.
fn epoch_number(text: &str) -> Option<(i64, u32)> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 19 || !all_digits(whole) || !all_digits(frac) {
        // Exponent form: to the precision of the float.
        let secs = text.parse::<f64>().ok()?;
        if !secs.is_finite() || secs.abs() > 1e12 {
            return None;
        }
        let whole = secs.floor();
        let nanos = (((secs - whole) * 1e9).round() as u32).min(999_999_999);
        return Some((whole as i64, nanos));
    }
    // Digits below the nanosecond: 9 for seconds, 6 for ms, 3 for µs, 0 for ns.
    let scale: u32 = match whole.len() {
        0..=11 => 9,
        12..=14 => 6,
        15..=17 => 3,
        _ => 0,
    };
    let mut nanos: i128 = i128::from(whole.parse::<u64>().ok()?) * 10i128.pow(scale);
    let mut unit = 10i128.pow(scale) / 10;
    for d in frac.bytes().take(scale as usize) {
        nanos += i128::from(d - b'0') * unit;
        unit /= 10;
    }
    if negative {
        nanos = -nanos;
    }
    let secs = i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
    Some((secs, nanos.rem_euclid(1_000_000_000) as u32))
}

/// slog's `source` group (`AddSource`): `{"function":…,"file":…,"line":…}` as the caller.
fn slog_source(rec: &mut ParsedRecord) {
    #[derive(serde::Deserialize)]
    struct Source {
        file: String,
        line: i64,
    }
    let Some(i) = rec.key_values.iter().position(|(k, v)| {
        k == "source" && matches!(v, ParsedValue::Raw(raw) if raw.starts_with('{'))
    }) else {
        return;
    };
    if let Ok(source) = serde_json::from_str::<Source>(rec.key_values[i].1.text()) {
        rec.file = Some(source.file);
        rec.line = Some(source.line);
        rec.key_values.remove(i);
    }
}

/// logrus's `file` (`ReportCaller`): `path/file.go:42` as the caller.
fn logrus_file(rec: &mut ParsedRecord, spare: &mut Spare) {
    let Some(i) = rec.key_values.iter().position(|(k, v)| {
        k == "file"
            && matches!(v, ParsedValue::Str(s)
                if s.rsplit_once(':').is_some_and(|(_, l)| l.parse::<i64>().is_ok()))
    }) else {
        return;
    };
    if let (_, ParsedValue::Str(s)) = rec.key_values.remove(i) {
        if let Some((file, line)) = s.rsplit_once(':') {
            rec.line = line.parse().ok();
            rec.file = Some(spare.string(file));
        }
    }
}
