//! Reading lines: whole lines up to the length limit, pieces of longer ones, and the
//! continuation lines of a text record's multi-line values.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::{self, BufRead};

use super::spare::Spare;
use super::text::{
    go_lossy, parse_header, parse_value, strip_eol, take_error_and_logger, unquote_go, Header,
};
use super::{ParsedLine, ParsedRecord, ParsedValue, SourceFormat, DEFAULT_MAX_LINE_LEN};

enum Piece {
    /// A whole line (with its `\n` unless it was the last one).
    Line(Vec<u8>),
    /// A piece of an over-long line.
    Chunk(Vec<u8>),
}

/// A streaming reader of klog text and JSON lines; see the [module documentation](super).
///
/// It holds at most one record (and one line of at most [`max_line_len`](Parser::max_line_len)
/// bytes) in memory. Longer lines are passed through as several [`ParsedLine::Raw`] pieces.
///
/// At the end of the input `next` returns `None`; called again, it reads on, so an input
/// that grows, or one that reports a pause as an end (klog-convert's live input does, so
/// that an unstructured message is finished when its writer goes quiet), goes on being
/// parsed.
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
    only: Option<SourceFormat>,
    /// The header of the line at the front of `pending`, with that line's length, when the
    /// continuation search read it (so that it is not parsed twice).
    front_header: Option<(usize, Header)>,
    /// Where the input's lines end (each `\n`, counted from where `consumed` was 0), when
    /// [`header_month_runs`](Parser::header_month_runs) found them: read without a second
    /// search.
    line_ends: Vec<u32>,
    /// The first of `line_ends` not yet passed.
    next_end: usize,
    /// The bytes consumed from the reader since the input was given or indexed.
    consumed: u64,
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
            only: None,
            front_header: None,
            line_ends: Vec::new(),
            next_end: 0,
            consumed: 0,
        }
    }

    /// Reads only `format` (`--from`): every line is read as that format, without detection,
    /// and lines that are not records of it come back raw.
    ///
    /// ```
    /// use klog::parse::{ParsedLine, Parser, SourceFormat};
    ///
    /// let input = b"{\"level\":\"info\",\"ts\":1.5,\"msg\":\"zap\"}\nI0102 03:04:05.123456       1 a.go:1] hi\n";
    /// let lines: Vec<ParsedLine> = Parser::new(&input[..])
    ///     .source_format(SourceFormat::Zap)
    ///     .map(Result::unwrap)
    ///     .collect();
    /// // JSON dialects are read with the `serde` feature (a default one).
    /// # #[cfg(feature = "serde")]
    /// assert!(matches!(&lines[0], ParsedLine::Record(r) if r.format == SourceFormat::Zap));
    /// assert!(matches!(&lines[1], ParsedLine::Raw(_)));
    /// ```
    #[must_use]
    pub fn source_format(mut self, format: SourceFormat) -> Self {
        self.only = Some(format);
        self
    }

    /// The longest line (and multi-line text record) that is parsed, in bytes including the
    /// `\n` (at least 1; default [`DEFAULT_MAX_LINE_LEN`]). Longer lines come back as raw pieces
    /// of at most this size.
    #[must_use]
    pub fn max_line_len(mut self, n: usize) -> Self {
        self.max_line_len = n.max(1);
        self
    }

    /// The reader this parser reads from: with a [`BufReader`](std::io::BufReader), whether its
    /// buffer is empty tells that the next line will wait for the input (a streaming converter
    /// writes out what it has before that, so that a live stream shows each line as it comes).
    ///
    /// ```
    /// use std::io::BufReader;
    /// use klog::parse::Parser;
    ///
    /// let input = b"I0102 03:04:05.123456       1 a.go:1] \"hi\"\n";
    /// let mut parser = Parser::new(BufReader::new(&input[..]));
    /// let _ = parser.next();
    /// assert!(parser.get_ref().buffer().is_empty());
    /// ```
    #[must_use]
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// Reads `reader` from here on, as a new parser with the same settings would, keeping
    /// the buffers of the lines given back with [`recycle`](Self::recycle) (a program that
    /// parses many pieces of input keeps one parser); gives back the reader read so far and
    /// forgets what was left of it.
    ///
    /// `within_long_line`: `reader` starts inside a line longer than
    /// [`max_line_len`](Self::max_line_len) that the input before it began, at a multiple of
    /// the limit from that line's start: the rest of that line then comes back in raw pieces
    /// as it would have from one input (without it, a part shorter than the limit would be
    /// read as a line of its own).
    ///
    /// ```
    /// use klog::parse::{ParsedLine, Parser};
    ///
    /// let mut parser = Parser::new(&b"first\n"[..]);
    /// assert!(matches!(parser.next(), Some(Ok(ParsedLine::Raw(_)))));
    /// let next = b"I0102 03:04:05.123456       1 a.go:1] \"hi\"\n";
    /// let _first = parser.replace_input(&next[..], false);
    /// assert!(matches!(parser.next(), Some(Ok(ParsedLine::Record(r))) if r.message == "hi"));
    ///
    /// // A line of 12 bytes read 8 at a time, cut into two inputs at 8.
    /// let mut parser = Parser::new(&b"I0102 03"[..]).max_line_len(8);
    /// assert_eq!(parser.next().unwrap()?, ParsedLine::Raw(b"I0102 03".to_vec()));
    /// parser.replace_input(&b":04\n"[..], true);
    /// assert_eq!(parser.next().unwrap()?, ParsedLine::Raw(b":04\n".to_vec()));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn replace_input(&mut self, reader: R, within_long_line: bool) -> R {
        self.pending.clear();
        self.pending_err = None;
        self.front_header = None;
        self.in_long_line = within_long_line;
        self.forget_line_ends();
        std::mem::replace(&mut self.reader, reader)
    }

    fn forget_line_ends(&mut self) {
        self.line_ends.clear();
        self.next_end = 0;
        self.consumed = 0;
    }

    /// The length of the next line, where the index of `header_month_runs` has its end and
    /// the line is read whole (not inside a line over the limit, not itself over it).
    fn indexed_line_len(&mut self) -> Option<usize> {
        if self.in_long_line {
            return None;
        }
        while let Some(&end) = self.line_ends.get(self.next_end) {
            let end = u64::from(end);
            if end < self.consumed {
                // Passed by pieces of a line over the limit.
                self.next_end += 1;
                continue;
            }
            let len = usize::try_from(end + 1 - self.consumed).ok()?;
            return (len <= self.max_line_len).then_some(len);
        }
        None
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
        if let Some(len) = self.indexed_line_len() {
            // Anything but the whole line at hand: read it as any other.
            if let Some(line) = self.reader.fill_buf().ok().and_then(|a| a.get(..len)) {
                buf.extend_from_slice(line);
                self.reader.consume(len);
                self.consumed += len as u64;
                self.next_end += 1;
                return Ok(Some(Piece::Line(buf)));
            }
        }
        let read = read_line(&mut self.reader, &mut buf, self.max_line_len);
        self.consumed += buf.len() as u64;
        if let Err(e) = read {
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
        // Only the line parsed right after the continuation search may use its header.
        let known = self
            .front_header
            .take()
            .filter(|(len, _)| *len == line.len());
        if line.first() == Some(&b'{') {
            if self.only == Some(SourceFormat::Text) {
                return ParsedLine::Raw(line);
            }
            #[cfg(feature = "serde")]
            return match super::json::parse(line, &mut self.spare, self.only) {
                Ok(rec) => ParsedLine::Record(rec),
                Err(line) => ParsedLine::Raw(line),
            };
            #[cfg(not(feature = "serde"))]
            return ParsedLine::Raw(line);
        }
        if self.only.is_some_and(|f| f != SourceFormat::Text) {
            return ParsedLine::Raw(line);
        }
        self.parse_text(line, known.map(|(_, h)| h))
    }

    /// The lines after an unstructured record's first one that belong to its message: klog
    /// writes a message with line breaks as it is, so every following line up to the next
    /// record (a klog header or a `{`) is the message's (a Go stack trace, `utiltrace`
    /// steps, the lines of a wrapped error). A line that is not UTF-8, is cut by the length
    /// limit, or would take the record over it ends the message.
    fn continuation(&mut self, rec: &mut ParsedRecord) {
        loop {
            let l = match self.next_piece() {
                Ok(Some(Piece::Line(l))) => l,
                Ok(Some(chunk)) => {
                    self.pending.push_front(chunk);
                    return;
                }
                Ok(None) => return,
                Err(e) => {
                    self.pending_err = Some(e);
                    return;
                }
            };
            let fits = rec.raw.len() + l.len() <= self.max_line_len;
            let text = crate::go::scan::utf8(&l).filter(|_| fits);
            // `starts_record` without checking the UTF-8 again; a header is kept for the
            // line's own record.
            let header = text.filter(|t| !t.starts_with('{')).and_then(parse_header);
            let Some(text) = text.filter(|t| !t.starts_with('{') && header.is_none()) else {
                self.front_header = header.map(|h| (l.len(), h));
                self.pending.push_front(Piece::Line(l));
                return;
            };
            let text = text.strip_suffix('\n').unwrap_or(text);
            rec.message.push('\n');
            rec.message.push_str(strip_eol(text));
            rec.raw.extend_from_slice(&l);
            self.spare.recycle_bytes(l);
        }
    }

    /// A text record starting with `first`; reads the continuation lines of multi-line values.
    fn parse_text(&mut self, first: Vec<u8>, known: Option<Header>) -> ParsedLine {
        let Some(s) = crate::go::scan::utf8(&first) else {
            return ParsedLine::Raw(first);
        };
        let Some(h) = known.or_else(|| parse_header(s)) else {
            return ParsedLine::Raw(first);
        };
        let body = &s[h.body_start..];
        let body = body.strip_suffix('\n').unwrap_or(body);
        let spare = &mut self.spare;
        // Go klog writes `???:1` when it could not find the caller: no caller.
        let unknown = &s[h.file.clone()] == "???" && h.line == 1;
        let mut rec = ParsedRecord {
            month_day_time: Some(h.mdt),
            pid: h.pid,
            file: (!unknown).then(|| spare.string(&s[h.file])),
            line: (!unknown).then_some(h.line),
            ..spare.record(SourceFormat::Text, h.severity)
        };
        if !body.starts_with('"') {
            rec.message = spare.string(strip_eol(body));
            rec.unstructured = true;
            rec.raw = first;
            if rec.raw.ends_with(b"\n") {
                self.continuation(&mut rec);
            }
            return ParsedLine::Record(rec);
        }
        // The text after the last line break read: the first line's, then what follows the
        // ` >` of a block. Continuation lines are collected in `extra`.
        // Padding after the last value (`minikube logs` pads lines with blanks) is no value.
        let mut cur: Cow<'_, str> = Cow::Borrowed(strip_eol(body).trim_end_matches([' ', '\t']));
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
            let Some(eq) = crate::go::scan::find_byte_near(b'=', &cur.as_bytes()[pos..]) else {
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
                    // A block line that is not UTF-8 (an `OsStr` value) is read as Go reads it:
                    // one U+FFFD per bad byte.
                    let ls: Cow<'_, str> = match std::str::from_utf8(&l) {
                        Ok(ls) => Cow::Borrowed(ls),
                        Err(_) if l.first() == Some(&b'\t') => Cow::Owned(go_lossy(l.clone())),
                        Err(_) => {
                            self.pending.push_back(Piece::Line(l));
                            break true;
                        }
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
        take_error_and_logger(&mut rec);
        rec.raw = joined(first, extra);
        ParsedLine::Record(rec)
    }
}

impl<T: AsRef<[u8]>> Parser<std::io::Cursor<T>> {
    /// Appends to `months` the months of the klog text headers of the input not read yet,
    /// as [`header_month_runs`](super::header_month_runs) does, and keeps where its lines
    /// end (4 bytes a line, until the next input): the lines are then read without a second
    /// search for their ends. A program that converts a log in pieces needs each piece's
    /// months before the piece is parsed (for the year of its headers); this way that look
    /// costs the parser nothing (3 % of klog-convert's `-j 2` on text).
    ///
    /// ```
    /// use std::io::Cursor;
    /// use klog::parse::{ParsedLine, Parser};
    ///
    /// let log = b"I1230 00:00:00.000000    4242 a.go:1] \"a\"\n\
    ///             E0101 00:00:01.000000    4242 a.go:1] \"b\"\n";
    /// let mut parser = Parser::new(Cursor::new(&log[..]));
    /// let mut months = Vec::new();
    /// parser.header_month_runs(&mut months);
    /// assert_eq!(months, [12, 1]);
    /// let lines: Vec<ParsedLine> = parser.map(Result::unwrap).collect();
    /// assert!(matches!(&lines[1], ParsedLine::Record(r) if r.message == "b"));
    /// ```
    pub fn header_month_runs(&mut self, months: &mut Vec<u8>) {
        self.forget_line_ends();
        let bytes = self.reader.get_ref().as_ref();
        let from =
            usize::try_from(self.reader.position()).map_or(bytes.len(), |p| p.min(bytes.len()));
        let text = &bytes[from..];
        // Line ends are kept as 32-bit offsets: an input of 4 GiB or more is not indexed.
        let index = u32::try_from(text.len()).is_ok();
        let line_ends = &mut self.line_ends;
        super::text::header_month_runs(text, months, |newline| {
            if index {
                // Below `text.len()`, which fits.
                line_ends.push(newline as u32);
            }
        });
    }
}

/// Appends to `buf` the bytes up to and including the next `\n`, at most `limit` bytes in
/// all: `BufRead::read_until` on `take(limit)`, with the `memchr` crate's vectorised search
/// (the standard library's is a word at a time, and this loop is most of a converter's
/// reading).
fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>, limit: usize) -> io::Result<()> {
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(());
        }
        let room = limit.saturating_sub(buf.len());
        let window = &available[..available.len().min(room)];
        let (used, done) = match memchr::memchr(b'\n', window) {
            Some(i) => (i + 1, true),
            None => (window.len(), window.len() == room),
        };
        buf.extend_from_slice(&window[..used]);
        reader.consume(used);
        if done {
            return Ok(());
        }
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
