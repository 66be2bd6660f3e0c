//! Converting parsed records between klog text, Kubernetes JSON and a coloured human view.
//!
//! A [`Converter`] takes the [`ParsedLine`]s of a [`Parser`](crate::parse::Parser) and appends
//! each one, in the [`Target`] format, to a byte buffer. It is the engine of the `klog-convert`
//! binary (package `klog-convert`), usable on its own:
//!
//! ```
//! use klog::convert::{Converter, Target};
//! use klog::parse::Parser;
//!
//! let input = "I1128 09:00:01.250000    4242 controller.go:42] \"Syncing\" logger=\"deployment\" pod=\"default/web-0\" attempt=2\n\
//!              not a log line\n";
//! let mut converter = Converter::new(Target::Json).year(2026);
//! let mut out = Vec::new();
//! for line in Parser::new(input.as_bytes()) {
//!     converter.convert(&line?, &mut out);
//! }
//! // `ts` is component-base's float64(Unix nanoseconds) / 1e6, rounding included.
//! assert_eq!(
//!     String::from_utf8(out)?,
//!     "{\"ts\":1795856401249.9998,\"logger\":\"deployment\",\"caller\":\"controller.go:42\",\"msg\":\"Syncing\",\"v\":0,\"pod\":\"default/web-0\",\"attempt\":2}\n\
//!      not a log line\n",
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What converts and what is lost
//! A record keeps its severity (as far as the target has it), time, caller, logger name,
//! message, error and key/values in order. Converting to the record's own format writes its
//! input bytes unchanged. Across formats these are lost (see `docs/converter.md`):
//!
//! * text → JSON: the pid (JSON has none); `W` becomes an info entry at `"v":0` and `F` an error
//!   entry (component-base JSON has only those two); a legacy unstructured line becomes a
//!   structured entry; values that are neither Go-quoted strings nor JSON (Go `%+v` structs,
//!   `NaN`) become JSON strings; the year comes from [`Converter::year`] or is inferred.
//! * JSON → text: the `"v"` level (text has none) and time below a microsecond; an object
//!   reference `{"name":…,"namespace":…}` becomes klog's `"namespace/name"` string (unless a
//!   quote, backslash or control character in it would not read back: then it stays JSON).
//! * Both: invalid UTF-8 in the input was already replaced by U+FFFD by the parser.
//!
//! Lines that are not records ([`ParsedLine::Raw`]) are written unchanged in every target.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::format::write_string_form_str;
use crate::format::write_timestamp;
use crate::format::PidField;
use crate::go::escape::{
    find_quote_or_escape, write_escaped, write_quoted, write_zap_body_utf8, write_zap_str_utf8,
};
use crate::go::time::{civil_from_unix, days_from_civil, unix_parts, write_2, write_date_time};
use crate::parse::{ParsedLine, ParsedRecord, ParsedValue, SourceFormat};
use crate::record::Severity;

/// The output format of a [`Converter`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// klog text, as Go klog writes it.
    Text,
    /// Kubernetes (component-base) JSON, one object per line.
    Json,
    /// A human view: aligned columns, optional ANSI colours, multi-line values as indented
    /// blocks. Not meant to be parsed again.
    Pretty,
}

/// Which records a [`Converter`] writes. The default lets everything through.
///
/// ```
/// use klog::convert::Filter;
/// use klog::Severity;
///
/// let filter = Filter::default()
///     .min_severity(Severity::Warning)
///     .logger("controller")
///     .matching("pod", "kube-system/coredns");
/// # let _ = filter;
/// ```
#[derive(Clone, Debug, Default)]
pub struct Filter {
    min_severity: Option<Severity>,
    max_verbosity: Option<i64>,
    loggers: Vec<String>,
    matches: Vec<(String, String)>,
    since: Option<(i64, u32)>,
    until: Option<(i64, u32)>,
    hide_unparsed: bool,
}

impl Filter {
    /// Only records of at least this severity (`W` counts as a warning; JSON has only info and
    /// error entries).
    ///
    /// ```
    /// # use klog::convert::{Converter, Filter, Target};
    /// # fn run(f: Filter, log: &str) -> String {
    /// #     let mut c = Converter::new(Target::Text).filter(f);
    /// #     let mut out = Vec::new();
    /// #     for l in klog::parse::Parser::new(log.as_bytes()) { c.convert(&l.unwrap(), &mut out); }
    /// #     String::from_utf8(out).unwrap()
    /// # }
    /// let log = "I1128 09:00:01.000000    4242 a.go:1] \"ok\"\n\
    ///            W1128 09:00:02.000000    4242 a.go:2] \"careful\"\n";
    /// let out = run(Filter::default().min_severity(klog::Severity::Warning), log);
    /// assert_eq!(out, "W1128 09:00:02.000000    4242 a.go:2] \"careful\"\n");
    /// ```
    #[must_use]
    pub fn min_severity(mut self, severity: Severity) -> Self {
        self.min_severity = Some(severity);
        self
    }

    /// Only records with a V level of at most `v` (text lines have no V level and count as 0).
    ///
    /// ```
    /// # use klog::convert::{Converter, Filter, Target};
    /// let log = "{\"ts\":1,\"msg\":\"chatty\",\"v\":4}\n{\"ts\":2,\"msg\":\"normal\",\"v\":1}\n";
    /// let mut converter = Converter::new(Target::Json).filter(Filter::default().max_verbosity(2));
    /// let mut out = Vec::new();
    /// for line in klog::parse::Parser::new(log.as_bytes()) {
    ///     converter.convert(&line?, &mut out);
    /// }
    /// assert_eq!(out, b"{\"ts\":2,\"msg\":\"normal\",\"v\":1}\n");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn max_verbosity(mut self, v: i64) -> Self {
        self.max_verbosity = Some(v);
        self
    }

    /// Only records whose logger name is `name` or starts with `name.` (a logger below it).
    /// Several calls: any of the names.
    ///
    /// ```
    /// # use klog::convert::{Converter, Filter, Target};
    /// let log = "I1128 09:00:01.000000    4242 a.go:1] \"a\" logger=\"ctrl.pods\"\n\
    ///            I1128 09:00:02.000000    4242 a.go:2] \"b\" logger=\"controller\"\n";
    /// let mut converter = Converter::new(Target::Text).filter(Filter::default().logger("ctrl"));
    /// let mut out = Vec::new();
    /// for line in klog::parse::Parser::new(log.as_bytes()) {
    ///     converter.convert(&line?, &mut out);
    /// }
    /// assert_eq!(out, log.lines().next().map(|l| format!("{l}\n")).unwrap().as_bytes());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn logger(mut self, name: impl Into<String>) -> Self {
        self.loggers.push(name.into());
        self
    }

    /// Only records with a key/value pair `key` whose value is `value`: the string itself for
    /// string values, the text as written for others, `namespace/name` for JSON object
    /// references. `msg`, `logger` and `err` match the message, logger name and error. Several
    /// calls: all of them.
    ///
    /// ```
    /// # use klog::convert::{Converter, Filter, Target};
    /// let log = "{\"ts\":1,\"msg\":\"a\",\"v\":0,\"pod\":{\"name\":\"dns\",\"namespace\":\"kube-system\"}}\n\
    ///            {\"ts\":2,\"msg\":\"b\",\"v\":0,\"pod\":{\"name\":\"web\",\"namespace\":\"default\"}}\n";
    /// let filter = Filter::default().matching("pod", "kube-system/dns");
    /// let mut converter = Converter::new(Target::Json).filter(filter);
    /// let mut out = Vec::new();
    /// for line in klog::parse::Parser::new(log.as_bytes()) {
    ///     converter.convert(&line?, &mut out);
    /// }
    /// assert_eq!(out, log.lines().next().map(|l| format!("{l}\n")).unwrap().as_bytes());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn matching(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.matches.push((key.into(), value.into()));
        self
    }

    /// Only records at or after `time`.
    ///
    /// ```
    /// use klog::convert::{parse_time, Filter};
    /// let filter = Filter::default().since(parse_time("2026-11-28T09:00:00Z")?);
    /// # let _ = filter;
    /// # Ok::<(), klog::convert::TimeParseError>(())
    /// ```
    #[must_use]
    pub fn since(mut self, time: SystemTime) -> Self {
        self.since = Some(unix_parts(time));
        self
    }

    /// Only records before `time`.
    ///
    /// ```
    /// use klog::convert::{parse_time, Filter};
    /// let filter = Filter::default().until(parse_time("2026-11-28 10:00")?);
    /// # let _ = filter;
    /// # Ok::<(), klog::convert::TimeParseError>(())
    /// ```
    #[must_use]
    pub fn until(mut self, time: SystemTime) -> Self {
        self.until = Some(unix_parts(time));
        self
    }

    /// Drop the lines that are not records (by default they are written unchanged).
    ///
    /// ```
    /// # use klog::convert::{Converter, Filter, Target};
    /// let log = "starting up\nI1128 09:00:01.000000    4242 a.go:1] \"ok\"\n";
    /// let mut converter = Converter::new(Target::Text).filter(Filter::default().hide_unparsed(true));
    /// let mut out = Vec::new();
    /// for line in klog::parse::Parser::new(log.as_bytes()) {
    ///     converter.convert(&line?, &mut out);
    /// }
    /// assert_eq!(out, b"I1128 09:00:01.000000    4242 a.go:1] \"ok\"\n");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn hide_unparsed(mut self, hide: bool) -> Self {
        self.hide_unparsed = hide;
        self
    }

    fn is_empty(&self) -> bool {
        self.min_severity.is_none()
            && self.max_verbosity.is_none()
            && self.loggers.is_empty()
            && self.matches.is_empty()
            && self.since.is_none()
            && self.until.is_none()
    }

    fn accepts(&self, rec: &ParsedRecord, time: Option<(i64, u32)>) -> bool {
        if self.min_severity.is_some_and(|min| rec.severity < min) {
            return false;
        }
        if self
            .max_verbosity
            .is_some_and(|max| rec.verbosity.unwrap_or(0) > max)
        {
            return false;
        }
        if !self.loggers.is_empty() {
            let Some(logger) = rec.logger.as_deref() else {
                return false;
            };
            let below = |name: &String| {
                logger == name
                    || (logger.starts_with(name.as_str())
                        && logger.as_bytes().get(name.len()) == Some(&b'.'))
            };
            if !self.loggers.iter().any(below) {
                return false;
            }
        }
        for (key, want) in &self.matches {
            if !record_has(rec, key, want) {
                return false;
            }
        }
        if self.since.is_some() || self.until.is_some() {
            let Some(t) = time else {
                return false;
            };
            if self.since.is_some_and(|since| t < since)
                || self.until.is_some_and(|until| t >= until)
            {
                return false;
            }
        }
        true
    }
}

fn record_has(rec: &ParsedRecord, key: &str, want: &str) -> bool {
    let special = match key {
        "msg" => Some(rec.message.as_str() == want),
        "logger" => Some(rec.logger.as_deref() == Some(want)),
        "err" if rec.error.as_deref() == Some(want) => Some(true),
        _ => None,
    };
    if special == Some(true) {
        return true;
    }
    rec.key_values.iter().any(|(k, v)| {
        k == key
            && match v {
                ParsedValue::Str(s) => s == want,
                ParsedValue::Raw(r) => {
                    r == want || object_ref(r).is_some_and(|o| o.text_matches(want))
                }
            }
    })
}

/// Years for klog text headers, which have none: the given year or the current one for the
/// first record, one more each time the month falls back by half a year or more (December →
/// January).
#[derive(Clone, Debug)]
struct YearInference {
    given: Option<i64>,
    now: (i64, u32),
    current: Option<(i64, u32)>,
}

impl YearInference {
    fn year_for(&mut self, month: u32) -> i64 {
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

/// Appends [`ParsedLine`]s to a buffer in a [`Target`] format; see the [module
/// documentation](self).
#[derive(Clone, Debug)]
pub struct Converter {
    target: Target,
    color: bool,
    filter: Filter,
    years: YearInference,
    /// Pretty view: the widest logger name so far (names are padded to it, up to a limit).
    logger_width: usize,
}

impl Converter {
    /// A converter to `target`, without colours or filters, inferring text years from the
    /// current date.
    ///
    /// ```
    /// use klog::convert::{Converter, Target};
    /// let converter = Converter::new(Target::Pretty);
    /// # let _ = converter;
    /// ```
    #[must_use]
    pub fn new(target: Target) -> Self {
        let (now, _) = unix_parts(SystemTime::now());
        let (year, month, ..) = civil_from_unix(now);
        Converter {
            target,
            color: false,
            filter: Filter::default(),
            years: YearInference {
                given: None,
                now: (year, month),
                current: None,
            },
            logger_width: 0,
        }
    }

    /// ANSI colours in the [`Target::Pretty`] view (ignored for text and JSON).
    ///
    /// ```
    /// # use klog::convert::{Converter, Target};
    /// let mut converter = Converter::new(Target::Pretty).color(true).year(2026);
    /// let mut out = Vec::new();
    /// for line in klog::parse::Parser::new(&b"E1128 09:00:01.000000    4242 a.go:1] \"failed\"\n"[..]) {
    ///     converter.convert(&line?, &mut out);
    /// }
    /// assert!(String::from_utf8_lossy(&out).contains("\x1b[31mERROR\x1b[0m"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn color(mut self, color: bool) -> Self {
        self.color = color;
        self
    }

    /// Write only the records `filter` accepts.
    ///
    /// ```
    /// use klog::convert::{Converter, Filter, Target};
    /// let converter = Converter::new(Target::Json).filter(Filter::default().max_verbosity(2));
    /// # let _ = converter;
    /// ```
    #[must_use]
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = filter;
        self
    }

    /// The year of the first klog text record of each input (text headers have no year);
    /// later records move to the next year when the month falls back from December to
    /// January. Without it the current year is used, or the last one for a first month later
    /// in the year than the current month.
    ///
    /// ```
    /// # use klog::convert::{Converter, Target};
    /// let log = "I1231 23:59:59.000000    4242 a.go:1] \"old\"\nI0101 00:00:01.000000    4242 a.go:2] \"new\"\n";
    /// let mut converter = Converter::new(Target::Json).year(2025);
    /// let mut out = Vec::new();
    /// for line in klog::parse::Parser::new(log.as_bytes()) {
    ///     converter.convert(&line?, &mut out);
    /// }
    /// let out = String::from_utf8(out).unwrap();
    /// assert!(out.starts_with("{\"ts\":1767225599000,")); // 2025-12-31T23:59:59Z
    /// assert!(out.contains("\n{\"ts\":1767225601000,")); // 2026-01-01T00:00:01Z
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn year(mut self, year: i64) -> Self {
        self.years.given = Some(year);
        self
    }

    /// The date the year inference takes as "now" (default: the system clock when the
    /// converter was made).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use klog::convert::{Converter, Target};
    /// // 2027-01-05: a first record from December is taken as 2026's.
    /// let now = UNIX_EPOCH + Duration::from_secs(1_799_107_200);
    /// let mut converter = Converter::new(Target::Json).now(now);
    /// let mut out = Vec::new();
    /// for line in klog::parse::Parser::new(&b"I1231 12:00:00.000000    4242 a.go:1] \"m\"\n"[..]) {
    ///     converter.convert(&line?, &mut out);
    /// }
    /// assert!(out.starts_with(b"{\"ts\":1798718400000,")); // 2026-12-31T12:00:00Z
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    pub fn now(mut self, now: SystemTime) -> Self {
        let (year, month, ..) = civil_from_unix(unix_parts(now).0);
        self.years.now = (year, month);
        self
    }

    /// Starts a new input: the year inference begins again.
    ///
    /// ```
    /// use klog::convert::{Converter, Target};
    /// let mut converter = Converter::new(Target::Json).year(2026);
    /// for file in ["a.log", "b.log"] {
    ///     converter.start_input();
    ///     // ... convert the lines of `file` ...
    /// #   let _ = file;
    /// }
    /// ```
    pub fn start_input(&mut self) {
        self.years.current = None;
    }

    /// Appends `line` converted (records) or unchanged (raw lines) to `out`; `false` if the
    /// filter dropped it.
    ///
    /// ```
    /// use klog::convert::{Converter, Target};
    /// use klog::parse::ParsedLine;
    /// let mut out = Vec::new();
    /// let kept = Converter::new(Target::Json).convert(&ParsedLine::Raw(b"banner\n".to_vec()), &mut out);
    /// assert!(kept);
    /// assert_eq!(out, b"banner\n");
    /// ```
    pub fn convert(&mut self, line: &ParsedLine, out: &mut Vec<u8>) -> bool {
        match line {
            ParsedLine::Record(rec) => self.convert_record(rec, out),
            ParsedLine::Raw(bytes) => {
                if self.filter.hide_unparsed {
                    return false;
                }
                out.extend_from_slice(bytes);
                true
            }
        }
    }

    /// Appends `rec` in the target format to `out`; `false` if the filter dropped it.
    ///
    /// ```
    /// use klog::convert::{Converter, Target};
    /// use klog::parse::{ParsedLine, Parser};
    /// let line = Parser::new(&b"{\"ts\":1795856401000,\"caller\":\"a.go:1\",\"msg\":\"hi\",\"v\":0}\n"[..])
    ///     .next()
    ///     .unwrap()?;
    /// let ParsedLine::Record(rec) = line else { unreachable!() };
    /// let mut out = Vec::new();
    /// Converter::new(Target::Text).convert_record(&rec, &mut out);
    /// assert_eq!(out, b"I1128 09:00:01.000000         a.go:1] \"hi\"\n");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn convert_record(&mut self, rec: &ParsedRecord, out: &mut Vec<u8>) -> bool {
        let own_format = matches!(
            (self.target, rec.format),
            (Target::Text, SourceFormat::Text) | (Target::Json, SourceFormat::Json)
        );
        // A record written as it was read needs no time, unless a filter asks for it.
        let time = if own_format && self.filter.is_empty() {
            None
        } else {
            self.record_time(rec)
        };
        if !self.filter.is_empty() && !self.filter.accepts(rec, time) {
            return false;
        }
        match (self.target, rec.format) {
            (Target::Text, SourceFormat::Text) | (Target::Json, SourceFormat::Json) => {
                out.extend_from_slice(&rec.raw);
            }
            (Target::Text, SourceFormat::Json) => write_text(rec, time, out),
            (Target::Json, SourceFormat::Text) => write_json(rec, time, out),
            (Target::Pretty, _) => self.write_pretty(rec, time, out),
        }
        true
    }

    /// The record's time as Unix seconds and nanoseconds (text: with the inferred year).
    fn record_time(&mut self, rec: &ParsedRecord) -> Option<(i64, u32)> {
        match rec.format {
            SourceFormat::Json => json_time(rec),
            SourceFormat::Text => {
                let (month, day, hour, minute, second, micros) = rec.month_day_time?;
                let year = self.years.year_for(month);
                let secs = days_from_civil(year, month, day) * 86_400
                    + i64::from(hour) * 3_600
                    + i64::from(minute) * 60
                    + i64::from(second);
                // A header's microseconds have at most 6 digits.
                Some((secs, micros.min(999_999) * 1_000))
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

/// `(month, day, hour, minute, second, microsecond)` of a header.
type HeaderTime = (u32, u32, u32, u32, u32, u32);

fn header_time(rec: &ParsedRecord, time: Option<(i64, u32)>) -> HeaderTime {
    if let Some(mdt) = rec.month_day_time {
        return mdt;
    }
    let (secs, nanos) = time.unwrap_or((0, 0));
    let (_, month, day, hour, minute, second) = civil_from_unix(secs);
    (month, day, hour, minute, second, nanos / 1_000)
}

fn push_6(out: &mut Vec<u8>, v: u32) {
    let mut digits = [b'0'; 6];
    let mut rest = v;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    out.extend_from_slice(&digits);
}

fn push_int(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

/// Appends `rec` as a klog text line (or block of lines).
fn write_text(rec: &ParsedRecord, time: Option<(i64, u32)>, out: &mut Vec<u8>) {
    let (month, day, hour, minute, second, micros) = header_time(rec, time);
    out.push(rec.severity.letter());
    write_2(out, month);
    write_2(out, day);
    out.push(b' ');
    write_2(out, hour);
    out.push(b':');
    write_2(out, minute);
    out.push(b':');
    write_2(out, second);
    out.push(b'.');
    push_6(out, micros);
    out.extend_from_slice(PidField::new(rec.pid.unwrap_or(0)).as_bytes());
    match &rec.file {
        // A control character (a line break!) or a `] ` (which ends the header) in the caller
        // would break the line: such a caller is written Go-escaped, without quotes, its
        // spaces after `]` as `\x20`.
        Some(file) if file.contains("] ") || file.chars().any(char::is_control) => {
            let start = out.len();
            write_escaped(out, file);
            let escaped = out.split_off(start);
            for (i, &b) in escaped.iter().enumerate() {
                if b == b' ' && i > 0 && escaped[i - 1] == b']' {
                    out.extend_from_slice(b"\\x20");
                } else {
                    out.push(b);
                }
            }
            out.push(b':');
            push_int(out, rec.line.unwrap_or(0).max(0));
        }
        Some(file) => {
            out.extend_from_slice(file.as_bytes());
            out.push(b':');
            push_int(out, rec.line.unwrap_or(0).max(0));
        }
        None => out.extend_from_slice(b"???:1"),
    }
    out.extend_from_slice(b"] ");
    if rec.unstructured {
        out.extend_from_slice(rec.message.as_bytes());
        out.push(b'\n');
        return;
    }
    write_quoted(out, &rec.message);
    if let Some(err) = &rec.error {
        out.extend_from_slice(b" err");
        write_string_form_str(out, err);
    }
    if let Some(logger) = &rec.logger {
        out.extend_from_slice(b" logger");
        write_string_form_str(out, logger);
    }
    for (key, value) in &rec.key_values {
        out.push(b' ');
        out.extend_from_slice(key.as_bytes());
        match value {
            ParsedValue::Str(s) => write_string_form_str(out, s),
            ParsedValue::Raw(raw) => {
                out.push(b'=');
                match object_ref(raw) {
                    // klog writes object references raw, without escaping.
                    Some(obj) if rec.format == SourceFormat::Json && obj.is_plain() => {
                        out.push(b'"');
                        obj.write_text(out);
                        out.push(b'"');
                    }
                    _ => out.extend_from_slice(raw.as_bytes()),
                }
            }
        }
    }
    out.push(b'\n');
}

/// Appends `rec` as a component-base JSON line.
fn write_json(rec: &ParsedRecord, time: Option<(i64, u32)>, out: &mut Vec<u8>) {
    out.push(b'{');
    let mut first = true;
    let mut key = |out: &mut Vec<u8>, name: &[u8]| {
        if !std::mem::take(&mut first) {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(name);
        out.extend_from_slice(b"\":");
    };
    if let Some(t) = time {
        key(out, b"ts");
        write_timestamp(out, t);
    }
    if let Some(logger) = &rec.logger {
        key(out, b"logger");
        write_zap_str_utf8(out, logger);
    }
    if let Some(file) = &rec.file {
        key(out, b"caller");
        out.push(b'"');
        write_zap_body_utf8(out, file);
        if let Some(line) = rec.line {
            out.push(b':');
            push_int(out, line);
        }
        out.push(b'"');
    }
    key(out, b"msg");
    write_zap_str_utf8(out, &rec.message);
    let error_entry = matches!(rec.severity, Severity::Error | Severity::Fatal);
    if !error_entry {
        key(out, b"v");
        push_int(out, rec.verbosity.unwrap_or(0));
    }
    // component-base writes the error of an error entry after all key/values, followed by
    // zap's details of it (`errVerbose`, `errCauses`, `errError`).
    let details = if rec.error.is_some() {
        rec.key_values
            .iter()
            .rev()
            .take_while(|(k, _)| matches!(k.as_str(), "errVerbose" | "errCauses" | "errError"))
            .count()
    } else {
        0
    };
    let (pairs, error_details) = rec.key_values.split_at(rec.key_values.len() - details);
    for (name, value) in pairs {
        out.push(b',');
        write_zap_str_utf8(out, name);
        out.push(b':');
        write_json_value(out, value);
    }
    if let Some(err) = &rec.error {
        out.extend_from_slice(b",\"err\":");
        write_zap_str_utf8(out, err);
    }
    for (name, value) in error_details {
        out.push(b',');
        write_zap_str_utf8(out, name);
        out.push(b':');
        write_json_value(out, value);
    }
    out.extend_from_slice(b"}\n");
}

fn write_json_value(out: &mut Vec<u8>, value: &ParsedValue) {
    match value {
        ParsedValue::Str(s) => write_zap_str_utf8(out, s),
        ParsedValue::Raw(raw) if is_json(raw) => out.extend_from_slice(raw.as_bytes()),
        ParsedValue::Raw(raw) => write_zap_str_utf8(out, raw),
    }
}

/// Whether a text value written as is (not a Go-quoted string) is valid JSON.
fn is_json(raw: &str) -> bool {
    match raw.as_bytes().first() {
        Some(b'-' | b'0'..=b'9') => crate::parse::is_json_number(raw.as_bytes()),
        Some(b't' | b'f' | b'n') => matches!(raw, "true" | "false" | "null"),
        // A string must decode as one (serde's IgnoredAny lets a lone surrogate `\ud800` through,
        // which no JSON reader turns into a string).
        Some(b'"') => serde_json::from_str::<String>(raw).is_ok(),
        Some(b'{' | b'[') => crate::parse::is_json_value(raw.as_bytes()),
        _ => false,
    }
}

/// A JSON object reference: `{"name":…}` or `{"name":…,"namespace":…}` (component-base's
/// form of klog's `KObj`/`KRef`).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectRef<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    namespace: Cow<'a, str>,
}

impl ObjectRef<'_> {
    /// klog's text: `namespace/name`, or `name` without a namespace.
    fn write_text(&self, out: &mut Vec<u8>) {
        if !self.namespace.is_empty() {
            out.extend_from_slice(self.namespace.as_bytes());
            out.push(b'/');
        }
        out.extend_from_slice(self.name.as_bytes());
    }

    /// Whether klog's raw `"namespace/name"` reads back as this reference: no quote,
    /// backslash or control character (a line break would even start a forged line).
    fn is_plain(&self) -> bool {
        let plain = |s: &str| !s.chars().any(|c| c == '"' || c == '\\' || c.is_control());
        plain(&self.name) && plain(&self.namespace)
    }

    fn text_matches(&self, want: &str) -> bool {
        match want.split_once('/') {
            Some((ns, name)) => self.namespace == ns && self.name == name,
            None => self.namespace.is_empty() && self.name == want,
        }
    }
}

fn object_ref(raw: &str) -> Option<ObjectRef<'_>> {
    let rest = raw.strip_prefix("{\"name\":")?;
    // component-base's own spelling, without escapes: read here (most references).
    /// A string without escapes at the start of `s`, and the rest.
    fn plain(s: &str) -> Option<(&str, &str)> {
        let s = s.strip_prefix('"')?;
        let n = find_quote_or_escape(s.as_bytes());
        (s.as_bytes().get(n) == Some(&b'"')).then(|| (&s[..n], &s[n + 1..]))
    }
    if let Some((name, after)) = plain(rest) {
        if after == "}" {
            return Some(ObjectRef {
                name: Cow::Borrowed(name),
                namespace: Cow::Borrowed(""),
            });
        }
        if let Some((namespace, "}")) = after.strip_prefix(",\"namespace\":").and_then(plain) {
            return Some(ObjectRef {
                name: Cow::Borrowed(name),
                namespace: Cow::Borrowed(namespace),
            });
        }
    }
    serde_json::from_str(raw).ok()
}

// ---------------------------------------------------------------------------------------
// The pretty view.

const RESET: &str = "\x1b[0m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BLUE: &str = "\x1b[34m";
const MAGENTA: &str = "\x1b[35m";
const CYAN: &str = "\x1b[36m";
const BOLD_RED: &str = "\x1b[1;31m";

/// Logger names wider than this are not padded to (they would push every message right).
const MAX_LOGGER_WIDTH: usize = 28;

/// The logger column's width once a first logger name is seen: wide enough for most
/// Kubernetes names (`deployment-controller`), so the column rarely has to grow later.
const MIN_LOGGER_WIDTH: usize = 22;

/// Where the continuation lines of a multi-line value start.
const BLOCK_INDENT: &[u8] = b"      ";

impl Converter {
    fn paint(&self, out: &mut Vec<u8>, color: &str, text: &[u8]) {
        self.color_on(out, color);
        out.extend_from_slice(text);
        self.color_off(out);
    }

    /// Starts `color` (when colours are on); what follows is written straight into `out`.
    fn color_on(&self, out: &mut Vec<u8>, color: &str) {
        if self.color {
            out.extend_from_slice(color.as_bytes());
        }
    }

    fn color_off(&self, out: &mut Vec<u8>) {
        if self.color {
            out.extend_from_slice(RESET.as_bytes());
        }
    }

    /// `2026-11-28 09:00:01.250000 INFO  deployment  Syncing  pod=default/web-0 attempt=2  controller.go:42`
    fn write_pretty(&mut self, rec: &ParsedRecord, time: Option<(i64, u32)>, out: &mut Vec<u8>) {
        self.color_on(out, DIM);
        match time {
            Some((secs, nanos)) => {
                let nanos = write_date_time(out, secs, nanos, b' ');
                out.push(b'.');
                push_6(out, nanos / 1_000);
            }
            None => pad(out, 26),
        }
        self.color_off(out);
        out.push(b' ');

        let mut digits = itoa::Buffer::new();
        let (label, level, color) = match (rec.severity, rec.verbosity) {
            (Severity::Info, Some(v)) if v > 0 => ("V", digits.format(v), BLUE),
            (Severity::Info, _) => ("INFO", "", GREEN),
            (Severity::Warning, _) => ("WARN", "", YELLOW),
            (Severity::Error, _) => ("ERROR", "", RED),
            (Severity::Fatal, _) => ("FATAL", "", BOLD_RED),
        };
        self.color_on(out, color);
        out.extend_from_slice(label.as_bytes());
        out.extend_from_slice(level.as_bytes());
        self.color_off(out);
        pad(out, 5usize.saturating_sub(label.len() + level.len()) + 1);

        let logger = rec.logger.as_deref().unwrap_or("");
        let width = logger.chars().count();
        if !logger.is_empty() {
            let column = if width <= MAX_LOGGER_WIDTH { width } else { 0 };
            self.logger_width = self.logger_width.max(column.max(MIN_LOGGER_WIDTH));
            self.color_on(out, CYAN);
            write_visible(out, logger);
            self.color_off(out);
        }
        if self.logger_width > 0 {
            // A name wider than the column still gets a gap before the message.
            pad(out, self.logger_width.saturating_sub(width) + 1);
        }

        let mut blocks: Vec<(&str, &str)> = Vec::new();
        let message = if rec.message.contains('\n') {
            blocks.push(("msg", &rec.message));
            rec.message.split('\n').next().unwrap_or("")
        } else {
            &rec.message
        };
        self.color_on(out, BOLD);
        write_visible(out, message);
        self.color_off(out);

        if let Some(err) = &rec.error {
            out.extend_from_slice(b"  ");
            self.color_on(out, RED);
            out.extend_from_slice(b"err=");
            if err.contains('\n') {
                blocks.push(("err", err));
                out.extend_from_slice(b"<block>");
            } else {
                pretty_str(out, err);
            }
            self.color_off(out);
        }
        let mut sep: &[u8] = if rec.error.is_some() { b" " } else { b"  " };
        for (key, value) in &rec.key_values {
            out.extend_from_slice(sep);
            sep = b" ";
            self.color_on(out, MAGENTA);
            write_visible(out, key);
            out.push(b'=');
            self.color_off(out);
            match value {
                ParsedValue::Str(s) if s.contains('\n') => {
                    blocks.push((key, s));
                    out.extend_from_slice(b"<block>");
                }
                ParsedValue::Str(s) => pretty_str(out, s),
                ParsedValue::Raw(raw) => match object_ref(raw) {
                    Some(obj) => obj.write_text(out),
                    None => out.extend_from_slice(raw.as_bytes()),
                },
            }
        }
        if let Some(file) = &rec.file {
            out.extend_from_slice(b"  ");
            self.color_on(out, DIM);
            write_visible(out, file);
            if let Some(line) = rec.line {
                out.push(b':');
                push_int(out, line);
            }
            self.color_off(out);
        }
        out.push(b'\n');
        for (key, text) in blocks {
            out.extend_from_slice(b"    ");
            self.paint(out, MAGENTA, key.as_bytes());
            out.extend_from_slice(b":\n");
            let text = text.strip_suffix('\n').unwrap_or(text);
            for line in text.split('\n') {
                out.extend_from_slice(BLOCK_INDENT);
                write_visible(out, line);
                out.push(b'\n');
            }
        }
    }
}

/// Appends `s` as it is, or Go-escaped (without quotes) if it holds a control character other
/// than a tab: text from a log must not move the cursor, clear the screen or change colours.
fn write_visible(out: &mut Vec<u8>, s: &str) {
    if s.chars().any(|c| c.is_control() && c != '\t') {
        write_escaped(out, s);
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

fn pad(out: &mut Vec<u8>, n: usize) {
    out.resize(out.len() + n, b' ');
}

/// A string value in the pretty view: bare when that is unambiguous, Go-quoted otherwise.
fn pretty_str(out: &mut Vec<u8>, s: &str) {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '"' && c != '\\' && c != '=');
    if bare {
        out.extend_from_slice(s.as_bytes());
    } else {
        write_quoted(out, s);
    }
}

// ---------------------------------------------------------------------------------------
// Time bounds for `--since`/`--until`.

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
    parse_time_parts(s.trim())
        .and_then(|(secs, nanos)| {
            let since_epoch = u64::try_from(secs).ok()?;
            UNIX_EPOCH.checked_add(Duration::new(since_epoch, nanos))
        })
        .ok_or_else(|| TimeParseError(s.to_string()))
}

fn parse_time_parts(s: &str) -> Option<(i64, u32)> {
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
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let offset =
                    i64::from(num(i + 1..i + 3)?) * 3_600 + i64::from(num(i + 4..i + 6)?) * 60;
                secs -= if *sign == b'+' { offset } else { -offset };
            }
            _ => return None,
        }
    }
    Some((secs, nanos))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}
