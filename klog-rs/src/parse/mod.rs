//! Streaming readers for klog text lines and Kubernetes (component-base) JSON lines.
//!
//! [`Parser`] reads any [`BufRead`](std::io::BufRead) line by line and yields a
//! [`ParsedLine`] per record or per unparseable piece of input. The format is detected per
//! line:
//!
//! * a line starting with `{` that is a JSON object with a string `"msg"` member is a record
//!   of one of the JSON dialects (needs the `serde` feature; without it such lines are raw):
//!   [`SourceFormat::Json`] (component-base) unless a string `"level"` comes before `"msg"`;
//!   then [`SourceFormat::Zap`] (zap, controller-runtime, etcd) with a `"ts"` (or a `"time"`
//!   and a `"caller"`), [`SourceFormat::Slog`] (Go `log/slog`) with a `"time"` and an
//!   upper-case level, [`SourceFormat::Logrus`] with a `"time"` and a lower-case one. A level
//!   the dialect does not know makes the line raw. `docs/converter.md` has the table of what
//!   each dialect's members become; [`Parser::source_format`] turns detection off;
//! * a line starting with a klog header `Lmmdd hh:mm:ss.uuuuuu PPPPPPP file:line] ` (with a
//!   possible date and time) is a [`SourceFormat::Text`] record, together with the
//!   continuation lines of its multi-line (`key=<`) values, or, for an unstructured message,
//!   every following line up to the next one that [starts a record](starts_record) (klog
//!   writes such a message's line breaks as they are);
//! * everything else (and every line that does not parse completely, or is not valid UTF-8)
//!   comes back as [`ParsedLine::Raw`], byte for byte.
//!
//! Nothing is dropped or altered: concatenating the [`ParsedRecord::raw`] bytes of the records
//! and the bytes of the raw pieces, in order, gives back the input exactly.
//!
//! ```
//! use klog::parse::{ParsedLine, ParsedValue, Parser};
//!
//! let input = "I0102 03:04:05.123456   12345 controller.go:42] \"hello\" pod=\"kube-system/dns\" n=1\n\
//!              not a log line\n";
//! let mut lines = Parser::new(input.as_bytes());
//! let Some(Ok(ParsedLine::Record(rec))) = lines.next() else { panic!() };
//! assert_eq!(rec.message, "hello");
//! assert_eq!(rec.file.as_deref(), Some("controller.go"));
//! assert_eq!(rec.key_values[0], ("pod".to_string(), ParsedValue::Str("kube-system/dns".into())));
//! assert_eq!(rec.key_values[1], ("n".to_string(), ParsedValue::Raw("1".into())));
//! let Some(Ok(ParsedLine::Raw(raw))) = lines.next() else { panic!() };
//! assert_eq!(raw, b"not a log line\n");
//! assert!(lines.next().is_none());
//! ```
//!
//! Inside, one file per job: `reader` reads lines (and the continuation lines of a text
//! record's multi-line values), `text` reads klog's header and key/values, `json` reads
//! component-base JSON lines (and checks JSON values for the converter), `spare` keeps
//! the buffers given back with [`Parser::recycle`].

#[cfg(feature = "serde")]
mod dialect;
#[cfg(all(test, feature = "serde"))]
mod dialect_tests;
#[cfg(feature = "serde")]
mod json;
#[cfg(feature = "serde")]
mod json_ts;
mod reader;
mod spare;
#[cfg(test)]
mod tests;
mod text;

pub use reader::Parser;

#[cfg(feature = "serde")]
pub(crate) use json::{is_json_number, is_json_value};

use crate::record::Severity;

/// Which format a [`ParsedRecord`] was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    /// klog text (`--logging-format=text`).
    Text,
    /// component-base JSON (`--logging-format=json`).
    Json,
    /// zap JSON as controller-runtime operators and etcd write it (`level`, `ts` in float
    /// seconds or ISO 8601, `logger`, `caller`, `msg`, `error`, `stacktrace`).
    Zap,
    /// logrus's `JSONFormatter` (`level`, `time`, `msg`, `error`).
    Logrus,
    /// Go's `log/slog` `JSONHandler` (`time`, `level`, `msg`, `source`).
    Slog,
}

impl SourceFormat {
    /// Whether this is one of the JSON dialects.
    ///
    /// ```
    /// use klog::parse::SourceFormat;
    /// assert!(SourceFormat::Zap.is_json());
    /// assert!(!SourceFormat::Text.is_json());
    /// ```
    #[must_use]
    pub fn is_json(self) -> bool {
        self != SourceFormat::Text
    }
}

/// Whether `line` starts a record rather than continuing one: it starts with `{` or with a klog
/// text header. The lines of an unstructured text message end at such a line.
///
/// ```
/// use klog::parse::starts_record;
/// assert!(starts_record(b"I0102 03:04:05.123456       1 a.go:1] hi\n"));
/// assert!(starts_record(b"{\"msg\":\"x\"}\n"));
/// assert!(!starts_record(b"\tat main.go:12\n"));
/// assert!(!starts_record(b"I0000 03:04:05.123456       1 a.go:1] impossible date\n"));
/// ```
#[must_use]
pub fn starts_record(line: &[u8]) -> bool {
    line.first() == Some(&b'{')
        || crate::go::scan::utf8(line)
            .and_then(text::parse_header)
            .is_some()
}

/// The month of a line's klog text header (`I1128 …` → 11), from its first 21 bytes only: a
/// cheap look for tools that split a log into pieces (the line may still fail to be a record).
///
/// ```
/// assert_eq!(klog::parse::header_month(b"W1128 09:00:00.000000    1 a.go:1] x"), Some(11));
/// assert_eq!(klog::parse::header_month(b"W1328 09:00:00.000000    1 a.go:1] x"), None);
/// ```
#[must_use]
pub fn header_month(line: &[u8]) -> Option<u32> {
    text::header_month(line)
}

/// Appends to `months` the month of each klog text header at a line start of `text`, in
/// order, a run of one month listed once (`months`' last entry, if any, counts as the month
/// before `text`): what the year inference of a converter goes through, for tools that
/// convert a log in pieces. Each header is looked at as [`header_month`] does (a line may
/// still fail to be a record).
///
/// A line whose month digits are those of the last month listed is passed over without a
/// further look (it is that month's header or no header at all), and line starts are found
/// 64 bytes at a time: most lines of a log cost a two-byte compare.
///
/// ```
/// let log = b"I1230 00:00:00.000000 1 a.go:1] a\nI1230 00:00:01.000000 1 a.go:1] b\n\
///             not a header\nE0101 00:00:02.000000 1 a.go:1] c\nI1231 00:00:03.000000 1 a.go:1] d\n";
/// let mut months = vec![12];
/// klog::parse::header_month_runs(log, &mut months);
/// assert_eq!(months, [12, 1, 12]);
/// ```
pub fn header_month_runs(text: &[u8], months: &mut Vec<u8>) {
    text::header_month_runs(text, months, |_| {});
}

/// A value of a key/value pair.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ParsedValue {
    /// A string: text `key="quoted"` (unquoted) or a `key=<` multi-line block (re-joined; a block
    /// of two or more lines whose last line is not empty is taken to have no final line break,
    /// which klog's form does not show), JSON string (decoded).
    Str(String),
    /// Anything else, as written: numbers, `true`/`false`/`null`, JSON objects and lists, KObjSlice
    /// lists, and text values that are not Go-quoted strings.
    Raw(String),
}

impl ParsedValue {
    /// The string of a [`Str`](ParsedValue::Str), the text as written of a
    /// [`Raw`](ParsedValue::Raw).
    ///
    /// ```
    /// use klog::parse::ParsedValue;
    /// assert_eq!(ParsedValue::Str("a b".into()).text(), "a b");
    /// assert_eq!(ParsedValue::Raw("[1,2]".into()).text(), "[1,2]");
    /// ```
    #[must_use]
    pub fn text(&self) -> &str {
        match self {
            ParsedValue::Str(s) | ParsedValue::Raw(s) => s,
        }
    }
}

/// One log entry read back.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedRecord {
    /// The format of the source line(s).
    pub format: SourceFormat,
    /// Text: the header letter. JSON: [`Severity::Error`] if there is no `"v"` member (error entries
    /// and zapr's warning entries), [`Severity::Info`] otherwise. Other JSON dialects: their
    /// level (see `docs/converter.md`).
    pub severity: Severity,
    /// JSON: the first integer `"v"` after `"msg"`; `None` for text. Other JSON dialects: the V
    /// level of an info entry (zap's `debug` is 1, `Level(-3)` 3; logrus `debug` 4, `trace` 5;
    /// slog's `DEBUG` 4, `INFO-2` 2).
    pub verbosity: Option<i64>,
    /// Text header: month, day, hour, minute, second, microseconds.
    pub month_day_time: Option<(u32, u32, u32, u32, u32, u32)>,
    /// JSON `"ts"` (milliseconds since the Unix epoch).
    pub ts_millis: Option<f64>,
    /// JSON `"ts"` as Unix seconds and nanoseconds, read from its decimal digits (so exactly the
    /// time written, to the nanosecond, which the `f64` of [`ts_millis`](Self::ts_millis) is
    /// not); `None` for text and for a `ts` in exponent form. Other JSON dialects: their time.
    pub ts_unix: Option<(i64, u32)>,
    /// Text header process id (`None` when the column is blank).
    pub pid: Option<i64>,
    /// Text: the file name of the header. JSON: `"caller"` before its last `:`.
    pub file: Option<String>,
    /// Text: the header line number. JSON: the number after the last `:` of `"caller"`.
    pub line: Option<i64>,
    /// Text: a string `logger` pair at the start of the pairs (after `err`). JSON: `"logger"`.
    pub logger: Option<String>,
    /// The message: unquoted for structured text, verbatim (minus the `\n`) for unstructured text.
    pub message: String,
    /// Text (`E` and `F` lines): the first pair when its key is `err` and its value a string.
    /// JSON (entries without
    /// `"v"` only): the last string `"err"` member, the one component-base writes for the error.
    pub error: Option<String>,
    /// The remaining pairs in order (JSON: without the `ts`, `logger` and `caller` before `msg`, the
    /// first `msg`, the `v` taken above and the `err` taken above; other members with these keys
    /// stay here).
    pub key_values: Vec<(String, ParsedValue)>,
    /// A text line whose message is not a quoted string (klog's `Info(msg)` and friends).
    pub unstructured: bool,
    /// The exact bytes this record was read from, including all its lines and the final `\n`
    /// (if any).
    pub raw: Vec<u8>,
}

/// What [`Parser`] yields.
// The variants follow the converter's API; records are yielded one at a time, so the size of the
// enum does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum ParsedLine {
    /// A record.
    Record(ParsedRecord),
    /// Bytes that are not (part of) a record, exactly as read: one or more whole lines including
    /// their `\n` if there was one, or one piece of an over-long line.
    Raw(Vec<u8>),
}

/// The default [`Parser::max_line_len`]: 16 MiB.
pub const DEFAULT_MAX_LINE_LEN: usize = 16 << 20;
