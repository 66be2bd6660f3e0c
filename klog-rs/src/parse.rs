//! Streaming readers for klog text lines and Kubernetes (component-base) JSON lines.
//!
//! [`Parser`] reads any [`BufRead`] line by line and yields a [`ParsedLine`] per record or per
//! unparseable piece of input. The format is detected per line:
//!
//! * a line starting with `{` that is a JSON object with a string `"msg"` member is a
//!   [`SourceFormat::Json`] record (needs the `serde` feature; without it such lines are raw);
//! * a line starting with a klog header `Lmmdd hh:mm:ss.uuuuuu PPPPPPP file:line] ` is a
//!   [`SourceFormat::Text`] record, together with the continuation lines of its multi-line
//!   (`key=<`) values;
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

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{self, BufRead, Read};

use crate::record::Severity;

/// Which format a [`ParsedRecord`] was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    /// klog text (`--logging-format=text`).
    Text,
    /// component-base JSON (`--logging-format=json`).
    Json,
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
    /// and zapr's warning entries), [`Severity::Info`] otherwise.
    pub severity: Severity,
    /// JSON: the first integer `"v"` after `"msg"`; `None` for text.
    pub verbosity: Option<i64>,
    /// Text header: month, day, hour, minute, second, microseconds.
    pub month_day_time: Option<(u32, u32, u32, u32, u32, u32)>,
    /// JSON `"ts"` (milliseconds since the Unix epoch).
    pub ts_millis: Option<f64>,
    /// JSON `"ts"` as Unix seconds and nanoseconds, read from its decimal digits (so exactly the
    /// time written, to the nanosecond, which the `f64` of [`ts_millis`](Self::ts_millis) is
    /// not); `None` for text and for a `ts` in exponent form.
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

enum Piece {
    /// A whole line (with its `\n` unless it was the last one).
    Line(Vec<u8>),
    /// A piece of an over-long line.
    Chunk(Vec<u8>),
}

/// Buffers of records given back with [`Parser::recycle`], reused for the next records: a
/// converter streaming millions of lines then allocates next to nothing.
#[derive(Debug, Default)]
struct Spare {
    strings: Vec<String>,
    bytes: Vec<Vec<u8>>,
    pairs: Vec<Vec<(String, ParsedValue)>>,
}

/// At most this many buffers of each kind are kept.
const SPARE_LIMIT: usize = 256;
/// Buffers larger than this are freed rather than kept (one huge line must not pin memory).
const SPARE_MAX_CAPACITY: usize = 64 << 10;

impl Spare {
    fn string(&mut self, s: &str) -> String {
        match self.strings.pop() {
            Some(mut spare) => {
                spare.clear();
                spare.push_str(s);
                spare
            }
            None => s.to_string(),
        }
    }

    fn pairs(&mut self) -> Vec<(String, ParsedValue)> {
        self.pairs.pop().unwrap_or_default()
    }

    fn line_buffer(&mut self) -> Vec<u8> {
        match self.bytes.pop() {
            Some(mut spare) => {
                spare.clear();
                spare
            }
            None => Vec::new(),
        }
    }

    fn recycle_string(&mut self, s: String) {
        if self.strings.len() < SPARE_LIMIT && s.capacity() <= SPARE_MAX_CAPACITY {
            self.strings.push(s);
        }
    }

    fn recycle_bytes(&mut self, b: Vec<u8>) {
        if self.bytes.len() < SPARE_LIMIT && b.capacity() <= SPARE_MAX_CAPACITY {
            self.bytes.push(b);
        }
    }

    fn take(&mut self, line: ParsedLine) {
        match line {
            ParsedLine::Raw(bytes) => self.recycle_bytes(bytes),
            ParsedLine::Record(rec) => {
                let ParsedRecord {
                    file,
                    logger,
                    message,
                    error,
                    mut key_values,
                    raw,
                    ..
                } = rec;
                for s in [file, logger, error].into_iter().flatten() {
                    self.recycle_string(s);
                }
                self.recycle_string(message);
                self.recycle_bytes(raw);
                for (key, value) in key_values.drain(..) {
                    self.recycle_string(key);
                    match value {
                        ParsedValue::Str(v) | ParsedValue::Raw(v) => self.recycle_string(v),
                    }
                }
                if self.pairs.len() < SPARE_LIMIT && key_values.capacity() <= 1024 {
                    self.pairs.push(key_values);
                }
            }
        }
    }
}

/// A streaming reader of klog text and JSON lines; see the [module documentation](self).
///
/// It holds at most one record (and one line of at most [`max_line_len`](Parser::max_line_len)
/// bytes) in memory. Longer lines are passed through as several [`ParsedLine::Raw`] pieces.
///
/// ```
/// use klog::parse::{ParsedLine, Parser};
///
/// let input = b"0123456789\nI0102 03:04:05.123456       1 a.go:1] hi\n";
/// let out: Vec<ParsedLine> = Parser::new(&input[..]).max_line_len(4).map(Result::unwrap).collect();
/// assert_eq!(out[0], ParsedLine::Raw(b"0123".to_vec()));
/// let mut bytes = Vec::new();
/// for line in &out {
///     match line {
///         ParsedLine::Raw(b) => bytes.extend_from_slice(b),
///         ParsedLine::Record(r) => bytes.extend_from_slice(&r.raw),
///     }
/// }
/// assert_eq!(bytes, input);
/// ```
#[derive(Debug)]
pub struct Parser<R: BufRead> {
    reader: R,
    max_line_len: usize,
    pending: VecDeque<Piece>,
    in_long_line: bool,
    pending_err: Option<io::Error>,
    spare: Spare,
}

impl std::fmt::Debug for Piece {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Piece::Line(b) => write!(f, "Line({} bytes)", b.len()),
            Piece::Chunk(b) => write!(f, "Chunk({} bytes)", b.len()),
        }
    }
}

impl<R: BufRead> Parser<R> {
    /// A parser reading from `reader`.
    pub fn new(reader: R) -> Self {
        Parser {
            reader,
            max_line_len: DEFAULT_MAX_LINE_LEN,
            pending: VecDeque::new(),
            in_long_line: false,
            pending_err: None,
            spare: Spare::default(),
        }
    }

    /// The longest line (and multi-line text record) that is parsed, in bytes including the
    /// `\n` (at least 1; default [`DEFAULT_MAX_LINE_LEN`]). Longer lines come back as raw pieces
    /// of at most this size.
    #[must_use]
    pub fn max_line_len(mut self, n: usize) -> Self {
        self.max_line_len = n.max(1);
        self
    }

    /// Gives a line that was read back, so its buffers hold the next lines (optional; saves
    /// most allocations when streaming).
    ///
    /// ```
    /// use klog::parse::Parser;
    ///
    /// let mut parser = Parser::new(&b"I0102 03:04:05.123456       1 a.go:1] \"hi\" n=1\n"[..]);
    /// while let Some(line) = parser.next() {
    ///     let line = line?;
    ///     // ... use the line ...
    ///     parser.recycle(line);
    /// }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn recycle(&mut self, line: ParsedLine) {
        self.spare.take(line);
    }

    fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        if let Some(p) = self.pending.pop_front() {
            return Ok(Some(p));
        }
        let mut buf = self.spare.line_buffer();
        // `read_until` finds the line end with memchr and retries interrupted reads; `take`
        // stops it at the length limit.
        let limit = self.max_line_len as u64;
        if let Err(e) = (&mut self.reader).take(limit).read_until(b'\n', &mut buf) {
            if buf.is_empty() {
                return Err(e);
            }
            // Hand out what was read; the rest of this line is raw.
            self.pending_err = Some(e);
            self.in_long_line = true;
            return Ok(Some(Piece::Chunk(buf)));
        }
        if buf.is_empty() {
            return Ok(None);
        }
        if buf.last() != Some(&b'\n') && buf.len() >= self.max_line_len {
            self.in_long_line = true;
            return Ok(Some(Piece::Chunk(buf)));
        }
        // A whole line, or the end of the input (or of an over-long line).
        let long = std::mem::take(&mut self.in_long_line);
        Ok(Some(if long {
            Piece::Chunk(buf)
        } else {
            Piece::Line(buf)
        }))
    }

    fn parse_line(&mut self, line: Vec<u8>) -> ParsedLine {
        if line.first() == Some(&b'{') {
            #[cfg(feature = "serde")]
            return match json::parse(line, &mut self.spare) {
                Ok(rec) => ParsedLine::Record(rec),
                Err(line) => ParsedLine::Raw(line),
            };
            #[cfg(not(feature = "serde"))]
            return ParsedLine::Raw(line);
        }
        self.parse_text(line)
    }

    /// A text record starting with `first`; reads the continuation lines of multi-line values.
    fn parse_text(&mut self, first: Vec<u8>) -> ParsedLine {
        let Ok(s) = std::str::from_utf8(&first) else {
            return ParsedLine::Raw(first);
        };
        let Some(h) = parse_header(s) else {
            return ParsedLine::Raw(first);
        };
        let body = &s[h.body_start..];
        let body = body.strip_suffix('\n').unwrap_or(body);
        let spare = &mut self.spare;
        let mut rec = ParsedRecord {
            format: SourceFormat::Text,
            severity: h.severity,
            verbosity: None,
            month_day_time: Some(h.mdt),
            ts_millis: None,
            ts_unix: None,
            pid: h.pid,
            file: Some(spare.string(&s[h.file])),
            line: Some(h.line),
            logger: None,
            message: String::new(),
            error: None,
            key_values: spare.pairs(),
            unstructured: false,
            raw: Vec::new(),
        };
        if !body.starts_with('"') {
            rec.message = spare.string(body);
            rec.unstructured = true;
            rec.raw = first;
            return ParsedLine::Record(rec);
        }
        // The text after the last line break read: the first line's, then what follows the
        // ` >` of a block. Continuation lines are collected in `extra`.
        let mut cur: Cow<'_, str> = Cow::Borrowed(strip_eol(body));
        let Some((msg, end)) = unquote_go(&cur, spare) else {
            self.spare.take(ParsedLine::Record(rec));
            return ParsedLine::Raw(first);
        };
        rec.message = msg;
        let mut extra: Vec<u8> = Vec::new();
        let joined = |first: Vec<u8>, extra: Vec<u8>| {
            let mut raw = first;
            raw.extend_from_slice(&extra);
            raw
        };
        let mut pos = end;
        loop {
            if pos == cur.len() {
                break;
            }
            if cur.as_bytes()[pos] != b' ' {
                self.spare.take(ParsedLine::Record(rec));
                return ParsedLine::Raw(joined(first, extra));
            }
            pos += 1;
            let Some(eq) = cur[pos..].find('=') else {
                self.spare.take(ParsedLine::Record(rec));
                return ParsedLine::Raw(joined(first, extra));
            };
            let key = self.spare.string(&cur[pos..pos + eq]);
            pos += eq + 1;
            let rest = &cur[pos..];
            let line_ended = if extra.is_empty() { &first } else { &extra }.ends_with(b"\n");
            if rest == "<" && line_ended {
                // Multi-line block: the following lines start with a tab, the last one with " >".
                let mut content = self.spare.string("");
                let mut block_lines = 0usize;
                let broken = loop {
                    let piece = match self.next_piece() {
                        Ok(Some(p)) => p,
                        Ok(None) => break true,
                        Err(e) => {
                            self.pending_err = Some(e);
                            break true;
                        }
                    };
                    let l = match piece {
                        Piece::Line(l) => l,
                        chunk @ Piece::Chunk(_) => {
                            self.pending.push_back(chunk);
                            break true;
                        }
                    };
                    if first.len() + extra.len() + l.len() > self.max_line_len {
                        self.pending.push_back(Piece::Line(l));
                        break true;
                    }
                    let Ok(ls) = std::str::from_utf8(&l) else {
                        if l.first() == Some(&b'\t') {
                            extra.extend_from_slice(&l);
                        } else {
                            self.pending.push_back(Piece::Line(l));
                        }
                        break true;
                    };
                    if let Some(c) = ls.strip_prefix('\t') {
                        if !c.ends_with('\n') {
                            extra.extend_from_slice(&l);
                            break true;
                        }
                        content.push_str(c);
                        block_lines += 1;
                        extra.extend_from_slice(&l);
                    } else if let Some(after) = ls.strip_prefix(" >") {
                        let after = strip_eol(after.strip_suffix('\n').unwrap_or(after));
                        cur = Cow::Owned(after.to_string());
                        extra.extend_from_slice(&l);
                        pos = 0;
                        break false;
                    } else {
                        self.pending.push_back(Piece::Line(l));
                        break true;
                    }
                };
                if broken {
                    self.spare.recycle_string(key);
                    self.spare.recycle_string(content);
                    self.spare.take(ParsedLine::Record(rec));
                    return ParsedLine::Raw(joined(first, extra));
                }
                // klog ends every line of a block with a line break, so "a\nb" and "a\nb\n"
                // look the same. A value needs a line break to become a block: one line is
                // "a\n"; from two lines on the value is taken to end without one, unless its
                // last line is empty ("a\n\n").
                if block_lines >= 2 && !content.ends_with("\n\n") {
                    content.pop();
                }
                rec.key_values.push((key, ParsedValue::Str(content)));
                continue;
            }
            let (value, len) = parse_value(rest, &mut self.spare);
            rec.key_values.push((key, value));
            pos += len;
        }
        let raw = joined(first, extra);
        // klog writes the error of an error call first; an `err` pair first in an info line
        // is an ordinary pair.
        let error_call = matches!(rec.severity, Severity::Error | Severity::Fatal);
        if let Some((k, ParsedValue::Str(_))) = rec.key_values.first() {
            if error_call && k == "err" {
                if let (_, ParsedValue::Str(e)) = rec.key_values.remove(0) {
                    rec.error = Some(e);
                }
            }
        }
        if let Some((k, ParsedValue::Str(_))) = rec.key_values.first() {
            if k == "logger" {
                if let (_, ParsedValue::Str(l)) = rec.key_values.remove(0) {
                    rec.logger = Some(l);
                }
            }
        }
        rec.raw = raw;
        ParsedLine::Record(rec)
    }
}

impl<R: BufRead> Iterator for Parser<R> {
    type Item = io::Result<ParsedLine>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.pending_err.take() {
            return Some(Err(e));
        }
        match self.next_piece() {
            Ok(None) => None,
            Err(e) => Some(Err(e)),
            Ok(Some(Piece::Chunk(b))) => Some(Ok(ParsedLine::Raw(b))),
            Ok(Some(Piece::Line(l))) => Some(Ok(self.parse_line(l))),
        }
    }
}

/// Drops one trailing `\r` (the line was `\r\n`-terminated).
fn strip_eol(s: &str) -> &str {
    s.strip_suffix('\r').unwrap_or(s)
}

struct Header {
    severity: Severity,
    mdt: (u32, u32, u32, u32, u32, u32),
    pid: Option<i64>,
    /// Where the file name is in the line.
    file: std::ops::Range<usize>,
    line: i64,
    body_start: usize,
}

/// A header's line number: any count of digits that fits an `i64`.
fn line_number(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter().try_fold(0i64, |acc, &d| {
        acc.checked_mul(10)?.checked_add(i64::from(d - b'0'))
    })
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if b.len() <= 9 {
        // Nine digits always fit a u32: no overflow checks (every header field but the line).
        return Some(
            b.iter()
                .fold(0u32, |acc, &d| acc * 10 + u32::from(d - b'0')),
        );
    }
    b.iter().try_fold(0u32, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })
}

/// `Lmmdd hh:mm:ss.uuuuuu PPPPPPP file:line] `
fn parse_header(s: &str) -> Option<Header> {
    let b = s.as_bytes();
    if b.len() < 30 {
        return None;
    }
    let severity = Severity::from_letter(b[0])?;
    if b[5] != b' '
        || b[8] != b':'
        || b[11] != b':'
        || b[14] != b'.'
        || b[21] != b' '
        || b[29] != b' '
    {
        return None;
    }
    let mdt = (
        digits(&b[1..3])?,
        digits(&b[3..5])?,
        digits(&b[6..8])?,
        digits(&b[9..11])?,
        digits(&b[12..14])?,
        digits(&b[15..21])?,
    );
    let pid_col = &b[22..29];
    let pid_digits = pid_col.trim_ascii_start();
    let pid = if pid_digits.is_empty() {
        None
    } else {
        Some(i64::from(digits(pid_digits)?))
    };
    // The first "] " preceded by ":digits".
    let rest = &s[30..];
    let mut from = 0;
    while let Some(i) = rest[from..].find("] ") {
        let end = from + i;
        let before = &rest[..end];
        if let Some(colon) = before.rfind(':') {
            if let Some(line) = line_number(&before.as_bytes()[colon + 1..]) {
                return Some(Header {
                    severity,
                    mdt,
                    pid,
                    file: 30..30 + colon,
                    line,
                    body_start: 30 + end + 2,
                });
            }
        }
        from = end + 1;
    }
    None
}

/// A text value at the start of `s` (which has no line end) and its length: it is followed by the
/// end of `s` or by a space.
fn parse_value(s: &str, spare: &mut Spare) -> (ParsedValue, usize) {
    let b = s.as_bytes();
    let ends_ok = |n: usize| n == b.len() || b[n] == b' ';
    match b.first() {
        Some(b'"') => {
            if let Some((v, n)) = unquote_go(s, spare) {
                if ends_ok(n) {
                    return (ParsedValue::Str(v), n);
                }
                spare.recycle_string(v);
            }
            // A raw (unescaped) object reference: up to a quote followed by the end or a space.
            if let Some(n) = (1..b.len()).find(|&i| b[i] == b'"' && ends_ok(i + 1)) {
                return (ParsedValue::Raw(spare.string(&s[..=n])), n + 1);
            }
        }
        Some(b'{' | b'[') => {
            if let Some(n) = balanced(b) {
                if ends_ok(n) {
                    return (ParsedValue::Raw(spare.string(&s[..n])), n);
                }
            }
        }
        _ => {}
    }
    // Bare: up to the next space that is followed by a `key=`; else the rest of the line.
    let mut n = b.len();
    for (i, &c) in b.iter().enumerate() {
        if c == b' ' && s[i + 1..].contains('=') {
            n = i;
            break;
        }
    }
    (ParsedValue::Raw(spare.string(&s[..n])), n)
}

/// The length of the JSON-ish bracketed value at the start of `b` (strings skipped).
fn balanced(b: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if i >= b.len() {
                    return None;
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Decodes bytes as UTF-8 the way Go does: each byte of an invalid sequence becomes one U+FFFD.
fn go_lossy(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            let bytes = e.into_bytes();
            let mut out = String::with_capacity(bytes.len() + 8);
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                match std::str::from_utf8(rest) {
                    Ok(s) => {
                        out.push_str(s);
                        break;
                    }
                    Err(e) => {
                        let (good, bad) = rest.split_at(e.valid_up_to());
                        out.push_str(std::str::from_utf8(good).unwrap_or_default());
                        let n = e.error_len().unwrap_or(bad.len());
                        out.extend(std::iter::repeat_n('\u{fffd}', n));
                        rest = &bad[n..];
                    }
                }
            }
            out
        }
    }
}

/// Reads a Go `strconv.Quote` string at the start of `s`: the unquoted text and the number of
/// bytes it took (both quotes included). `None` if it is not one. `\xhh` escapes that do not
/// form UTF-8 give one U+FFFD per byte (as Go's JSON encoders do).
fn unquote_go(s: &str, spare: &mut Spare) -> Option<(String, usize)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'"') {
        return None;
    }
    // Most strings have no escape: then the text between the quotes is the value.
    let plain_end = 1 + crate::go::escape::find_quote_or_escape(&b[1..]);
    if b.get(plain_end) == Some(&b'"') {
        return Some((spare.string(&s[1..plain_end]), plain_end + 1));
    }
    // The closing quote: the first `"` not escaped; a raw line break ends the attempt.
    let mut end = 1;
    loop {
        match *b.get(end)? {
            b'"' => break,
            b'\n' => return None,
            b'\\' => end += 2,
            _ => end += 1,
        }
    }
    let bytes = crate::go::escape::unquote_body(&b[1..end])?;
    Some((go_lossy(bytes), end + 1))
}

#[cfg(feature = "serde")]
mod json {
    //! The JSON half: a scanner walks the top-level object member by member, keeping their
    //! order, duplicates and the values' text as written. Strings without escapes, numbers and
    //! literals are checked here; serde_json decodes escaped strings and checks nested values.

    use std::borrow::Cow;

    use super::{ParsedRecord, ParsedValue, Severity, SourceFormat, Spare};
    use crate::go::escape::find_quote_or_escape;

    fn ws(b: &[u8], mut i: usize) -> usize {
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        i
    }

    /// The end of the JSON string starting at `b[i] == '"'`.
    fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
        i += 1;
        i += find_quote_or_escape(&b[i..]);
        while i < b.len() {
            match b[i] {
                b'"' => return Some(i + 1),
                b'\\' => i += 2,
                _ => i += 1,
            }
        }
        None
    }

    /// The JSON string starting at `s[i] == '"'`: its contents and where it ends.
    fn read_string(s: &str, i: usize) -> Option<(Cow<'_, str>, usize)> {
        let b = s.as_bytes();
        let plain_end = i + 1 + find_quote_or_escape(&b[i + 1..]);
        if b.get(plain_end) == Some(&b'"') {
            // No escape and no control character: the text between the quotes.
            return Some((Cow::Borrowed(&s[i + 1..plain_end]), plain_end + 1));
        }
        let end = string_end(b, i)?;
        let decoded = serde_json::from_str::<String>(&s[i..end]).ok()?;
        Some((Cow::Owned(decoded), end))
    }

    /// The record of a JSON line, or the line back if it is not one.
    pub(super) fn parse(line: Vec<u8>, spare: &mut Spare) -> Result<ParsedRecord, Vec<u8>> {
        match read_members(&line, spare) {
            Some(mut rec) => {
                rec.raw = line;
                Ok(rec)
            }
            None => Err(line),
        }
    }

    fn read_members(line: &[u8], spare: &mut Spare) -> Option<ParsedRecord> {
        let s = std::str::from_utf8(line).ok()?;
        let mut rec = new_record(spare);
        let read = read_members_into(s, &mut rec, spare);
        if read.is_none() {
            spare.take(super::ParsedLine::Record(rec));
            return None;
        }
        Some(rec)
    }

    fn new_record(spare: &mut Spare) -> ParsedRecord {
        ParsedRecord {
            format: SourceFormat::Json,
            severity: Severity::Info,
            verbosity: None,
            month_day_time: None,
            ts_millis: None,
            ts_unix: None,
            pid: None,
            file: None,
            line: None,
            logger: None,
            message: String::new(),
            error: None,
            key_values: spare.pairs(),
            unstructured: false,
            raw: Vec::new(),
        }
    }

    fn read_members_into(s: &str, rec: &mut ParsedRecord, spare: &mut Spare) -> Option<()> {
        let b = s.as_bytes();
        // component-base writes `ts`, `logger` and `caller` before `"msg"`, and `"v"` after it
        // and the logger's bound values (info entries only); these keys elsewhere are pairs.
        let (mut ts, mut logger, mut caller, mut msg, mut v) = (false, false, false, false, false);
        let mut i = ws(b, 0);
        if b.get(i) != Some(&b'{') {
            return None;
        }
        i = ws(b, i + 1);
        if b.get(i) == Some(&b'}') {
            i += 1;
        } else {
            loop {
                if b.get(i) != Some(&b'"') {
                    return None;
                }
                let (key, key_end) = read_string(s, i)?;
                i = ws(b, key_end);
                if b.get(i) != Some(&b':') {
                    return None;
                }
                i = ws(b, i + 1);
                let (string, value_end) = if b.get(i) == Some(&b'"') {
                    let (string, end) = read_string(s, i)?;
                    (Some(string), end)
                } else {
                    // Checked and skipped in one pass.
                    let mut end = i;
                    if !super::skip_json_value(b, &mut end, 0) {
                        return None;
                    }
                    (None, end)
                };
                let text = &s[i..value_end];
                let taken = match (key.as_ref(), &string) {
                    ("ts", None) if !ts && !msg => {
                        rec.ts_millis = text.parse::<f64>().ok();
                        ts = rec.ts_millis.is_some();
                        rec.ts_unix = ts.then(|| decimal_millis(text)).flatten();
                        ts
                    }
                    ("logger", Some(name)) if !logger && !msg => {
                        rec.logger = Some(spare.string(name));
                        logger = true;
                        true
                    }
                    ("caller", Some(c)) if !caller && !msg => {
                        caller = true;
                        match c.rsplit_once(':').map(|(f, l)| (f, l.parse::<i64>())) {
                            Some((f, Ok(l))) => {
                                rec.file = Some(spare.string(f));
                                rec.line = Some(l);
                            }
                            _ => rec.file = Some(spare.string(c)),
                        }
                        true
                    }
                    ("msg", Some(m)) if !msg => {
                        rec.message = spare.string(m);
                        msg = true;
                        true
                    }
                    ("v", None) if msg && !v => {
                        rec.verbosity = text.parse::<i64>().ok();
                        v = rec.verbosity.is_some();
                        v
                    }
                    _ => false,
                };
                if !taken {
                    let value = match string {
                        Some(Cow::Borrowed(s)) => ParsedValue::Str(spare.string(s)),
                        Some(Cow::Owned(s)) => ParsedValue::Str(s),
                        None => ParsedValue::Raw(spare.string(text)),
                    };
                    let key = match key {
                        Cow::Borrowed(k) => spare.string(k),
                        Cow::Owned(k) => k,
                    };
                    rec.key_values.push((key, value));
                }
                i = ws(b, value_end);
                match b.get(i) {
                    Some(b',') => i = ws(b, i + 1),
                    Some(b'}') => {
                        i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        if ws(b, i) != b.len() || !msg {
            return None;
        }
        if rec.verbosity.is_none() {
            rec.severity = Severity::Error;
            if let Some(i) = rec
                .key_values
                .iter()
                .rposition(|(k, v)| k == "err" && matches!(v, ParsedValue::Str(_)))
            {
                if let (_, ParsedValue::Str(e)) = rec.key_values.remove(i) {
                    rec.error = Some(e);
                }
            }
        }
        Some(())
    }

    /// `[-]digits[.digits]` milliseconds as Unix seconds and nanoseconds (digits beyond the
    /// nanosecond dropped).
    fn decimal_millis(text: &str) -> Option<(i64, u32)> {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || whole.len() > 19 || !all_digits(whole) || !all_digits(frac) {
            return None;
        }
        let mut nanos: i128 = i128::from(whole.parse::<u64>().ok()?) * 1_000_000;
        let mut scale = 100_000;
        for d in frac.bytes().take(6) {
            nanos += i128::from(d - b'0') * scale;
            scale /= 10;
        }
        if negative {
            nanos = -nanos;
        }
        let secs = i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
        Some((secs, nanos.rem_euclid(1_000_000_000) as u32))
    }
}

/// Whether `b` is exactly one JSON value (RFC 8259, at most 128 levels deep like serde_json;
/// escapes are checked for their form, so a lone surrogate `\ud800` passes as it does in
/// serde_json's `IgnoredAny`).
#[cfg_attr(not(feature = "serde"), allow(dead_code))]
pub(crate) fn is_json_value(b: &[u8]) -> bool {
    let mut i = json_ws(b, 0);
    if !skip_json_value(b, &mut i, 0) {
        return false;
    }
    json_ws(b, i) == b.len()
}

fn json_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// Moves `i` past the JSON value at `b[i]`; `false` if there is none.
fn skip_json_value(b: &[u8], i: &mut usize, depth: usize) -> bool {
    let (open, close) = match b.get(*i) {
        Some(b'"') => return skip_json_string(b, i),
        Some(b'{') => (b'{', b'}'),
        Some(b'[') => (b'[', b']'),
        Some(b't' | b'f' | b'n') => {
            let literal = [&b"true"[..], b"false", b"null"]
                .into_iter()
                .find(|l| b[*i..].starts_with(l));
            let Some(literal) = literal else {
                return false;
            };
            *i += literal.len();
            return true;
        }
        Some(b'-' | b'0'..=b'9') => {
            let start = *i;
            while matches!(
                b.get(*i),
                Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
            ) {
                *i += 1;
            }
            return is_json_number(&b[start..*i]);
        }
        _ => return false,
    };
    if depth >= 128 {
        return false;
    }
    *i = json_ws(b, *i + 1);
    if b.get(*i) == Some(&close) {
        *i += 1;
        return true;
    }
    loop {
        if open == b'{' {
            if b.get(*i) != Some(&b'"') || !skip_json_string(b, i) {
                return false;
            }
            *i = json_ws(b, *i);
            if b.get(*i) != Some(&b':') {
                return false;
            }
            *i = json_ws(b, *i + 1);
        }
        if !skip_json_value(b, i, depth + 1) {
            return false;
        }
        *i = json_ws(b, *i);
        match b.get(*i) {
            Some(b',') => *i = json_ws(b, *i + 1),
            Some(&c) if c == close => {
                *i += 1;
                return true;
            }
            _ => return false,
        }
    }
}

/// Moves `i` past the JSON string at `b[i] == '"'`; `false` if it is not one.
fn skip_json_string(b: &[u8], i: &mut usize) -> bool {
    *i += 1;
    loop {
        *i += crate::go::escape::find_quote_or_escape(&b[*i..]);
        match b.get(*i) {
            Some(b'"') => {
                *i += 1;
                return true;
            }
            Some(b'\\') => match b.get(*i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => *i += 2,
                Some(b'u')
                    if b.get(*i + 2..*i + 6)
                        .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
                {
                    *i += 6;
                }
                _ => return false,
            },
            // A control character, or the end.
            _ => return false,
        }
    }
}

/// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
// Used by the converter, which needs the `serde` feature.
#[cfg_attr(not(feature = "serde"), allow(dead_code))]
pub(crate) fn is_json_number(b: &[u8]) -> bool {
    let mut i = usize::from(b.first() == Some(&b'-'));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            digits(&mut i);
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse_all(input: &[u8], max: usize) -> Vec<ParsedLine> {
        Parser::new(input)
            .max_line_len(max)
            .map(|r| r.expect("no I/O error"))
            .collect()
    }

    fn rejoin(lines: &[ParsedLine]) -> Vec<u8> {
        let mut out = Vec::new();
        for l in lines {
            match l {
                ParsedLine::Raw(b) => out.extend_from_slice(b),
                ParsedLine::Record(r) => out.extend_from_slice(&r.raw),
            }
        }
        out
    }

    fn records(lines: &[ParsedLine]) -> Vec<&ParsedRecord> {
        lines
            .iter()
            .filter_map(|l| match l {
                ParsedLine::Record(r) => Some(r),
                ParsedLine::Raw(_) => None,
            })
            .collect()
    }

    fn corpus(name: &str) -> Vec<serde_json::Value> {
        let path = format!("{}/tests/conformance/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    const H: &str = "I0102 03:04:05.123456   12345 controller.go:42] ";

    #[test]
    fn text_corpus() {
        let mut checked = 0;
        for case in corpus("text.jsonl") {
            let id = case["id"].as_str().unwrap();
            let Some(expect) = case["expect"].as_str() else {
                continue;
            };
            let lines = parse_all(expect.as_bytes(), DEFAULT_MAX_LINE_LEN);
            assert_eq!(rejoin(&lines), expect.as_bytes(), "{id}");
            let call = &case["call"];
            let msg_b64 = call["msg_b64"].as_str().map(|b| {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD.decode(b).unwrap();
                go_lossy(bytes)
            });
            let msg = msg_b64
                .as_deref()
                .unwrap_or_else(|| call["msg"].as_str().unwrap());
            let kind = call["kind"].as_str().unwrap();
            // Raw newlines (in keys, object references, unstructured messages) split the entry
            // into lines that are not continuation lines of a multi-line value: such entries
            // cannot be read back as one record.
            let key_newline = expect
                .split_inclusive('\n')
                .skip(1)
                .any(|l| !l.starts_with('\t') && !l.starts_with(" >"));
            for l in &lines {
                if let ParsedLine::Raw(b) = l {
                    let starts_with_header = parse_header(&String::from_utf8_lossy(b)).is_some();
                    assert!(
                        !starts_with_header || key_newline,
                        "{id}: header line is raw: {b:?}"
                    );
                }
            }
            if key_newline || expect.is_empty() {
                continue;
            }
            let recs = records(&lines);
            assert!(!recs.is_empty(), "{id}");
            let rec = recs[0];
            assert_eq!(rec.format, SourceFormat::Text);
            assert_eq!(rec.month_day_time, Some((1, 2, 3, 4, 5, 123_456)), "{id}");
            assert_eq!((rec.pid, rec.line), (Some(12345), Some(42)), "{id}");
            assert_eq!(rec.file.as_deref(), Some("controller.go"), "{id}");
            if kind == "print" {
                assert!(rec.unstructured, "{id}");
                if !msg.trim_end_matches('\n').contains('\n') {
                    assert_eq!(rec.message, msg.strip_suffix('\n').unwrap_or(msg), "{id}");
                }
            } else {
                assert!(!rec.unstructured, "{id}");
                assert_eq!(rec.message, msg, "{id}");
                assert_eq!(recs.len(), 1, "{id}");
                assert_eq!(rec.raw, expect.as_bytes(), "{id}");
                assert_eq!(
                    rec.severity,
                    if kind == "error" {
                        Severity::Error
                    } else {
                        Severity::Info
                    },
                    "{id}"
                );
            }
            checked += 1;
        }
        assert!(checked > 300, "{checked}");
    }

    #[test]
    fn text_samples() {
        let corpus = corpus("text.jsonl");
        let get = |id: &str| {
            let case = corpus.iter().find(|c| c["id"] == id).unwrap();
            let lines = parse_all(case["expect"].as_str().unwrap().as_bytes(), 1 << 20);
            let [ParsedLine::Record(r)] = &lines[..] else {
                panic!("{lines:?}")
            };
            r.clone()
        };
        let r = get("klog-table/log-with-multiple-names-and-values");
        assert_eq!(r.logger.as_deref(), Some("hello.world"));
        assert_eq!(
            r.key_values,
            vec![("akey".into(), ParsedValue::Str("avalue".into()))]
        );
        let r = get("klog-table/multiple-withvalues-2");
        let keys: Vec<&str> = r.key_values.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["firstKey", "secondKey"]);
        assert_eq!(r.key_values[0].1, ParsedValue::Raw("1".into()));
    }

    #[test]
    fn text_values() {
        let line = format!(
            "E0102 03:04:05.123456   12345 controller.go:42] \"m\\t\\x01\\u00a0\\U0001f600\" err=\"boom\" logger=\"a.b\" \
             obj={{\"a\":\"x y\",\"b\":[1,2]}} list=[\"ns/a\",null] f=1.5 b=true n=null my key=\"v\" ml=<\n\
             \tline1\n\
             \tline \"2\"\n >\n{H}\"next\"\r\n"
        );
        let lines = parse_all(line.as_bytes(), 1 << 20);
        assert_eq!(rejoin(&lines), line.as_bytes());
        let recs = records(&lines);
        assert_eq!(recs.len(), 2);
        let r = recs[0];
        assert_eq!(r.severity, Severity::Error);
        assert_eq!(r.message, "m\t\u{1}\u{a0}😀");
        assert_eq!(r.error.as_deref(), Some("boom"));
        assert_eq!(r.logger.as_deref(), Some("a.b"));
        let raw = |s: &str| ParsedValue::Raw(s.into());
        assert_eq!(
            r.key_values,
            vec![
                ("obj".into(), raw("{\"a\":\"x y\",\"b\":[1,2]}")),
                ("list".into(), raw("[\"ns/a\",null]")),
                ("f".into(), raw("1.5")),
                ("b".into(), raw("true")),
                ("n".into(), raw("null")),
                ("my key".into(), ParsedValue::Str("v".into())),
                ("ml".into(), ParsedValue::Str("line1\nline \"2\"".into())),
            ]
        );
        assert_eq!(recs[1].message, "next");
        assert!(recs[1].raw.ends_with(b"\r\n"));
    }

    #[test]
    fn block_followed_by_pairs_and_broken_blocks() {
        let ok = format!("{H}\"m\" a=<\n\tx\n > b=1\n");
        let lines = parse_all(ok.as_bytes(), 1 << 20);
        let recs = records(&lines);
        assert_eq!(recs.len(), 1);
        assert_eq!(
            recs[0].key_values[1],
            ("b".into(), ParsedValue::Raw("1".into()))
        );

        // The block is cut off by the next record: the broken part is raw, the next record parses.
        let broken = format!("{H}\"m\" a=<\n\tx\n{H}\"second\"\n\tstray\n");
        let lines = parse_all(broken.as_bytes(), 1 << 20);
        assert_eq!(rejoin(&lines), broken.as_bytes());
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[0],
            ParsedLine::Raw(format!("{H}\"m\" a=<\n\tx\n").into_bytes())
        );
        assert!(matches!(&lines[1], ParsedLine::Record(r) if r.message == "second"));
        // ... or by the end of input.
        let eof = format!("{H}\"m\" a=<\n\tx");
        let lines = parse_all(eof.as_bytes(), 1 << 20);
        assert_eq!(lines, vec![ParsedLine::Raw(eof.into_bytes())]);
    }

    #[test]
    fn unstructured_crlf_and_no_final_newline() {
        let input = format!("W0102 03:04:05.123456       1 ???:1] plain text\r\n{H}\"last\" k=1");
        let lines = parse_all(input.as_bytes(), 1 << 20);
        assert_eq!(rejoin(&lines), input.as_bytes());
        let recs = records(&lines);
        assert_eq!(recs.len(), 2);
        assert!(recs[0].unstructured);
        assert_eq!(recs[0].severity, Severity::Warning);
        assert_eq!(recs[0].message, "plain text\r");
        assert_eq!(recs[0].file.as_deref(), Some("???"));
        assert_eq!(
            recs[1].key_values,
            vec![("k".into(), ParsedValue::Raw("1".into()))]
        );
        // A blank pid column.
        let lines = parse_all(b"I0102 03:04:05.123456         x.go:0] hi\n", 100);
        assert_eq!(records(&lines)[0].pid, None);
    }

    #[test]
    fn bad_lines_are_raw() {
        for bad in [
            format!("{H}\"unterminated\n"),
            format!("{H}\"m\" novalue\n"),
            format!("{H}\"m\\q\"\n"),
            format!("{H}\"m\\u12\"\n"),
            format!("{H}\"m\\ud800\"\n"),
            "I0102 03:04:05.123456   12345 controller.go] \"m\"\n".to_string(),
            "{\"ts\":1}\n".to_string(),
            "{\"msg\":\"x\",}\n".to_string(),
        ] {
            let lines = parse_all(bad.as_bytes(), 1 << 20);
            assert_eq!(
                lines,
                vec![ParsedLine::Raw(bad.clone().into_bytes())],
                "{bad:?}"
            );
        }
        let invalid = [H.as_bytes(), b"\xff\n"].concat();
        assert_eq!(
            parse_all(&invalid, 100),
            vec![ParsedLine::Raw(invalid.clone())]
        );
    }

    #[test]
    fn over_long_lines_pass_through_in_pieces() {
        let long = "x".repeat(25);
        let input = format!("{long}\n{H}\"ok\"\n{long}");
        let lines = parse_all(input.as_bytes(), 10);
        assert_eq!(rejoin(&lines), input.as_bytes());
        assert!(lines.iter().all(|l| match l {
            ParsedLine::Raw(b) => b.len() <= 10,
            ParsedLine::Record(_) => true,
        }));
        // The header line itself is longer than 10 bytes: raw too.
        assert!(records(&lines).is_empty());
        let lines = parse_all(input.as_bytes(), 60);
        assert_eq!(records(&lines).len(), 1);
        assert_eq!(rejoin(&lines), input.as_bytes());
        // A multi-line record larger than the limit is raw.
        let ml = format!("{H}\"m\" a=<\n{}\n >\n", "\tyyyyyyyyyy\n".repeat(10));
        let lines = parse_all(ml.as_bytes(), 80);
        assert!(records(&lines).is_empty());
        assert_eq!(rejoin(&lines), ml.as_bytes());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_corpus() {
        let mut n = 0;
        for case in corpus("json.jsonl") {
            let id = case["id"].as_str().unwrap();
            let expect = case["expect"].as_str().unwrap();
            let lines = parse_all(expect.as_bytes(), DEFAULT_MAX_LINE_LEN);
            assert_eq!(rejoin(&lines), expect.as_bytes(), "{id}");
            assert!(!lines.is_empty() || expect.is_empty(), "{id}");
            for l in &lines {
                let ParsedLine::Record(r) = l else {
                    panic!("{id}: raw {l:?}")
                };
                assert_eq!(r.format, SourceFormat::Json, "{id}");
                assert_eq!(r.ts_millis, Some(1_704_164_645_123.456_8), "{id}");
                assert_eq!(r.ts_unix, Some((1_704_164_645, 123_456_800)), "{id}");
                n += 1;
            }
            if let Some(ParsedLine::Record(last)) = lines.last() {
                let call = &case["call"];
                let warning = last.message.starts_with("odd number of arguments")
                    || last.message.starts_with("non-string key argument");
                if call["kind"] != "print" && call.get("msg_b64").is_none() && !warning {
                    assert_eq!(last.message, call["msg"].as_str().unwrap(), "{id}");
                }
                if call["kind"] == "info" && !warning {
                    assert_eq!(last.severity, Severity::Info, "{id}");
                    assert!(last.verbosity.is_some(), "{id}");
                }
            }
        }
        assert!(n > 300, "{n}");
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_fields() {
        let line = "{\"ts\":1704164645123.4568,\"logger\":\"a.b\",\"caller\":\"controller/controller.go:42\",\
                    \"msg\":\"boom \\u00e9\",\"k\":{\"z\":1,\"a\":[1e+21,\"x\"]},\"err\":\"wv\",\"n\":18446744073709551615,\
                    \"err\":\"real\",\"errVerbose\":\"v\"}\r\n";
        let lines = parse_all(line.as_bytes(), 1 << 20);
        let [ParsedLine::Record(r)] = &lines[..] else {
            panic!("{lines:?}")
        };
        assert_eq!(r.severity, Severity::Error);
        assert_eq!(r.verbosity, None);
        assert_eq!(r.logger.as_deref(), Some("a.b"));
        assert_eq!(r.file.as_deref(), Some("controller/controller.go"));
        assert_eq!(r.line, Some(42));
        assert_eq!(r.message, "boom é");
        assert_eq!(r.error.as_deref(), Some("real"));
        assert_eq!(
            r.key_values,
            vec![
                (
                    "k".into(),
                    ParsedValue::Raw("{\"z\":1,\"a\":[1e+21,\"x\"]}".into())
                ),
                ("err".into(), ParsedValue::Str("wv".into())),
                ("n".into(), ParsedValue::Raw("18446744073709551615".into())),
                ("errVerbose".into(), ParsedValue::Str("v".into())),
            ]
        );
        assert_eq!(r.raw, line.as_bytes());
        let info = "{\"ts\":1,\"caller\":\"x.go:-3\",\"msg\":\"m\",\"v\":2,\"err\":\"e\"}";
        let lines = parse_all(info.as_bytes(), 1 << 20);
        let [ParsedLine::Record(r)] = &lines[..] else {
            panic!("{lines:?}")
        };
        assert_eq!(
            (r.severity, r.verbosity, r.line),
            (Severity::Info, Some(2), Some(-3))
        );
        assert_eq!(r.error, None);
        assert_eq!(
            r.key_values,
            vec![("err".into(), ParsedValue::Str("e".into()))]
        );
    }

    fn fragments() -> impl Strategy<Value = Vec<u8>> {
        let frag = prop_oneof![
            Just(H.as_bytes().to_vec()),
            Just(b"\"msg\"".to_vec()),
            Just(b" k=".to_vec()),
            Just(b"<\n".to_vec()),
            Just(b"\t".to_vec()),
            Just(b" >".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"{\"msg\":\"x\"".to_vec()),
            Just(b"}".to_vec()),
            Just(b"[\"a\"".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..8),
        ];
        proptest::collection::vec(frag, 0..30).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn passthrough_random_bytes(
            input in proptest::collection::vec(prop_oneof![3 => any::<u8>(), 1 => Just(b'\n')], 0..300),
            max in 1usize..100,
        ) {
            let lines = parse_all(&input, max);
            prop_assert_eq!(rejoin(&lines), input);
        }

        #[test]
        fn passthrough_log_like(input in fragments(), max in prop_oneof![Just(1usize << 20), 1usize..80]) {
            let lines = parse_all(&input, max);
            prop_assert_eq!(rejoin(&lines), input);
        }

        #[test]
        fn json_validation_agrees_with_serde_json(
            text in prop_oneof![
                "[\\[\\]{}:,\" a-z0-9.eE+\\-\\\\u]{0,24}",
                any::<String>(),
                Just("{\"name\":\"a\",\"namespace\":\"b\"}".to_string()),
                Just("[{\"a\":[1,2.5e3,-0,true,null,\"\\u00e9\\n\"]}]".to_string()),
            ],
        ) {
            let serde = serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok();
            prop_assert_eq!(is_json_value(text.as_bytes()), serde, "{:?}", text);
        }

        #[test]
        fn recycled_buffers_do_not_change_what_is_read(
            input in fragments(),
            max in prop_oneof![Just(1usize << 20), 1usize..80],
        ) {
            let fresh = parse_all(&input, max);
            let mut parser = Parser::new(&input[..]).max_line_len(max);
            let mut recycled = Vec::new();
            while let Some(line) = parser.next() {
                let line = line.expect("no I/O error");
                recycled.push(line.clone());
                parser.recycle(line);
            }
            prop_assert_eq!(recycled, fresh);
        }
    }
}
