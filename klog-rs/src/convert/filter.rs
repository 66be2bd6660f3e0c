//! Which records a [`Converter`](super::Converter) writes: severity, V level, logger,
//! key/value and time filters.

use std::time::SystemTime;

use super::object_ref::object_ref;
use crate::go::time::unix_parts;
use crate::parse::{ParsedRecord, ParsedValue};
use crate::record::Severity;

/// Which records a [`Converter`](super::Converter) writes. The default lets everything through.
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
    pub(super) hide_unparsed: bool,
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

    pub(super) fn is_empty(&self) -> bool {
        self.min_severity.is_none()
            && self.max_verbosity.is_none()
            && self.loggers.is_empty()
            && self.matches.is_empty()
            && self.since.is_none()
            && self.until.is_none()
    }

    pub(super) fn accepts(&self, rec: &ParsedRecord, time: Option<(i64, u32)>) -> bool {
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
