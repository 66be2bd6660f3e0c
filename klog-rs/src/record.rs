//! [`Record`]: one log call, borrowed from the caller's stack.

use std::error::Error;
use std::time::SystemTime;

use crate::callsite::Callsite;
use crate::value::KeyValue;

/// The severity of a record: klog's `I`, `W`, `E` and `F` header letters.
///
/// ```
/// assert_eq!(klog::Severity::Warning.letter(), b'W');
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Informational (`I`): every `info` call, whatever its verbosity.
    Info,
    /// Warning (`W`).
    Warning,
    /// Error (`E`): `error` calls.
    Error,
    /// Fatal (`F`): the process ends after the record is written.
    Fatal,
}

impl Severity {
    /// The header letter.
    #[must_use]
    pub const fn letter(self) -> u8 {
        match self {
            Severity::Info => b'I',
            Severity::Warning => b'W',
            Severity::Error => b'E',
            Severity::Fatal => b'F',
        }
    }

    /// The severity a klog header letter stands for: `I`, `W`, `E` or `F`.
    ///
    /// ```
    /// use klog::Severity;
    /// assert_eq!(Severity::from_letter(b'E'), Some(Severity::Error));
    /// assert_eq!(Severity::from_letter(b'V'), None);
    /// ```
    #[must_use]
    pub const fn from_letter(letter: u8) -> Option<Severity> {
        match letter {
            b'I' => Some(Severity::Info),
            b'W' => Some(Severity::Warning),
            b'E' => Some(Severity::Error),
            b'F' => Some(Severity::Fatal),
            _ => None,
        }
    }

    /// klog's name of the severity, as in log file names and `-stderrthreshold`:
    /// `INFO`, `WARNING`, `ERROR`, `FATAL`.
    ///
    /// ```
    /// assert_eq!(klog::Severity::Warning.name(), "WARNING");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Warning => "WARNING",
            Severity::Error => "ERROR",
            Severity::Fatal => "FATAL",
        }
    }

    /// klog's number of the severity (`INFO` = 0 … `FATAL` = 3), as `-stderrthreshold` takes it.
    ///
    /// ```
    /// assert_eq!(klog::Severity::Error.number(), 2);
    /// ```
    #[must_use]
    pub const fn number(self) -> usize {
        self as usize
    }

    /// All four severities, least severe first.
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Warning,
        Severity::Error,
        Severity::Fatal,
    ];
}

/// Parses a severity as klog's `-stderrthreshold` does: a name in any case
/// (`info`, `WARNING`, …) or its number (`0` … `3`).
///
/// ```
/// use klog::Severity;
/// assert_eq!("warning".parse::<Severity>(), Ok(Severity::Warning));
/// assert_eq!("2".parse::<Severity>(), Ok(Severity::Error));
/// assert!("loud".parse::<Severity>().is_err());
/// ```
impl std::str::FromStr for Severity {
    type Err = ParseSeverityError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(found) = Severity::ALL
            .into_iter()
            .find(|severity| severity.name().eq_ignore_ascii_case(s))
        {
            return Ok(found);
        }
        match s.parse::<usize>() {
            Ok(n) if n < Severity::ALL.len() => Ok(Severity::ALL[n]),
            _ => Err(ParseSeverityError),
        }
    }
}

/// The error of parsing a [`Severity`] from text that is neither a severity name nor
/// a number from 0 to 3.
///
/// ```
/// let err = "loud".parse::<klog::Severity>().unwrap_err();
/// assert_eq!(err.to_string(), "must be INFO, WARNING, ERROR, FATAL or a number from 0 to 3");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseSeverityError;

impl std::fmt::Display for ParseSeverityError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("must be INFO, WARNING, ERROR, FATAL or a number from 0 to 3")
    }
}

impl Error for ParseSeverityError {}

/// Whether a record is a structured call or klog's unstructured legacy print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordKind {
    /// `"message" key=value…` (logr `Info`/`Error`, klog `InfoS`/`ErrorS`).
    Structured,
    /// klog's `Info(msg)`/`Warning(msg)`/`Error(msg)`: the message verbatim, no key/values.
    Unstructured,
}

/// One log call: severity, verbosity, message, optional error, the call's key/values, the
/// call site and (optionally) the time.
///
/// Records are built by the macros and the [`Logger`](crate::Logger) methods, and
/// handed to a [`Sink`](crate::Sink). Fields are private so that adding one later does
/// not break sinks.
///
/// ```
/// use klog::{Record, Severity, KeyValue};
/// let kvs = [KeyValue::new("attempt", &3)];
/// let record = Record::new(Severity::Info, "Retrying", &kvs);
/// assert_eq!(record.message(), "Retrying");
/// assert_eq!(record.key_values().len(), 1);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    severity: Severity,
    kind: RecordKind,
    verbosity: i32,
    message: &'a str,
    error: Option<&'a (dyn Error + 'static)>,
    key_values: &'a [KeyValue<'a>],
    callsite: Option<&'a Callsite>,
    time: Option<SystemTime>,
}

impl<'a> Record<'a> {
    /// A structured record at verbosity 0 without error, call site or time.
    #[must_use]
    pub fn new(severity: Severity, message: &'a str, key_values: &'a [KeyValue<'a>]) -> Self {
        Record {
            severity,
            kind: RecordKind::Structured,
            verbosity: 0,
            message,
            error: None,
            key_values,
            callsite: None,
            time: None,
        }
    }

    /// An unstructured (legacy print) record: the message is written verbatim.
    #[must_use]
    pub fn unstructured(severity: Severity, message: &'a str) -> Self {
        Record {
            kind: RecordKind::Unstructured,
            ..Record::new(severity, message, &[])
        }
    }

    /// Sets the verbosity (negative values are clamped to 0).
    #[must_use]
    pub fn with_verbosity(mut self, verbosity: i32) -> Self {
        self.verbosity = verbosity.max(0);
        self
    }

    /// Sets the error of an error record.
    #[must_use]
    pub fn with_error(mut self, error: Option<&'a (dyn Error + 'static)>) -> Self {
        self.error = error;
        self
    }

    /// Sets the call site.
    #[must_use]
    pub fn with_callsite(mut self, callsite: &'a Callsite) -> Self {
        self.callsite = Some(callsite);
        self
    }

    /// Replaces the call's key/values (a sink that adds pairs of its own, such as trace
    /// ids, hands its inner sink the record with the longer list). An unstructured
    /// record stays unstructured: its line has no key/values.
    ///
    /// ```
    /// use klog::{KeyValue, Record, Severity};
    /// let kvs = [KeyValue::new("attempt", &3)];
    /// let more = [kvs[0], KeyValue::new("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736")];
    /// let record = Record::new(Severity::Info, "Retrying", &kvs).with_key_values(&more);
    /// assert_eq!(record.key_values().len(), 2);
    /// ```
    #[must_use]
    pub fn with_key_values(mut self, key_values: &'a [KeyValue<'a>]) -> Self {
        self.key_values = key_values;
        self
    }

    /// Sets the time; without one the sink reads its clock.
    #[must_use]
    pub fn with_time(mut self, time: SystemTime) -> Self {
        self.time = Some(time);
        self
    }

    /// The severity.
    #[must_use]
    pub fn severity(&self) -> Severity {
        self.severity
    }

    /// Structured or unstructured.
    #[must_use]
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    /// The V level of an info record (0 for the others).
    #[must_use]
    pub fn verbosity(&self) -> i32 {
        self.verbosity
    }

    /// The message.
    #[must_use]
    pub fn message(&self) -> &'a str {
        self.message
    }

    /// The error of an error record, if any.
    #[must_use]
    pub fn error(&self) -> Option<&'a (dyn Error + 'static)> {
        self.error
    }

    /// The key/values of the call (the logger's bound values are the sink's).
    #[must_use]
    pub fn key_values(&self) -> &'a [KeyValue<'a>] {
        self.key_values
    }

    /// The call site, if known.
    #[must_use]
    pub fn callsite(&self) -> Option<&'a Callsite> {
        self.callsite
    }

    /// The time, if the record carries one.
    #[must_use]
    pub fn time(&self) -> Option<SystemTime> {
        self.time
    }
}
