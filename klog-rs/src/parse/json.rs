//! component-base JSON lines (feature `serde`): a scanner walks the top-level object member
//! by member, keeping their order, duplicates and the values' text as written. Strings
//! without escapes, numbers and literals are checked here; serde_json decodes escaped
//! strings and checks nested values.

use std::borrow::Cow;

use super::spare::Spare;
use super::{ParsedLine, ParsedRecord, ParsedValue, SourceFormat};
use crate::go::escape::find_quote_or_escape;
use crate::record::Severity;

/// The end of the JSON string whose first `"`, `\\` or control byte after the opening
/// quote is at `b[i]`. Plain runs between escapes are skipped a word at a time (escaped
/// strings are long messages and values: the byte loop here was 1.8 % of JSON -> text).
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        match b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            // A control byte: serde_json rejects the string after.
            _ => i += 1,
        }
        i += find_quote_or_escape(b.get(i..)?);
    }
}

/// The JSON string starting at `s[i] == '"'`: its contents and where it ends.
///
/// Inlined: returned through memory, its 32-byte result was written as words and read back
/// as a 16-byte vector, which the store buffer cannot forward (a stall on every string).
#[inline(always)]
pub(super) fn read_string(s: &str, i: usize) -> Option<(Cow<'_, str>, usize)> {
    let b = s.as_bytes();
    let plain_end = i + 1 + find_quote_or_escape(&b[i + 1..]);
    if b.get(plain_end) == Some(&b'"') {
        // No escape and no control character: the text between the quotes.
        return Some((Cow::Borrowed(&s[i + 1..plain_end]), plain_end + 1));
    }
    read_escaped_string(s, i, plain_end)
}

/// [`read_string`] of a string with an escape (or control byte) at `s[first]`.
#[inline(never)]
fn read_escaped_string(s: &str, i: usize, first: usize) -> Option<(Cow<'_, str>, usize)> {
    let end = string_end(s.as_bytes(), first)?;
    let decoded = decode_escaped(s, i + 1, end - 1, first)?;
    Some((Cow::Owned(decoded), end))
}

/// The text of the JSON string whose contents are `s[start..end]` (between the quotes; the
/// first escape or control byte at `s[first]`), as serde_json decodes it into a `String`:
/// `None` where serde_json fails (an unknown escape, a control byte, a lone surrogate).
/// Plain runs between escapes are copied whole, into a string allocated once (decoding
/// never lengthens it); serde_json grew its buffer byte by byte (8 % of JSON -> text).
fn decode_escaped(s: &str, start: usize, end: usize, first: usize) -> Option<String> {
    let b = &s.as_bytes()[..end];
    let mut out = String::with_capacity(end - start);
    out.push_str(&s[start..first]);
    let mut i = first;
    while i < end {
        // Not a quote: the string ends at the first one that is not escaped.
        if b[i] != b'\\' {
            return None;
        }
        let c = match *b.get(i + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let n = hex4(b.get(i + 2..i + 6)?)?;
                i += 6;
                let c = match n {
                    0xD800..=0xDBFF => {
                        // A leading surrogate: a trailing one must follow, as `\\uDC00`.
                        if b.get(i..i + 2)? != b"\\u" {
                            return None;
                        }
                        let low = hex4(b.get(i + 2..i + 6)?)?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        i += 6;
                        0x1_0000 + ((n - 0xD800) << 10 | (low - 0xDC00))
                    }
                    0xDC00..=0xDFFF => return None,
                    _ => n,
                };
                out.push(char::from_u32(c)?);
                let run = find_quote_or_escape(&b[i..]);
                out.push_str(&s[i..i + run]);
                i += run;
                continue;
            }
            _ => return None,
        };
        out.push(c);
        i += 2;
        let run = find_quote_or_escape(&b[i..]);
        out.push_str(&s[i..i + run]);
        i += run;
    }
    Some(out)
}

/// Four hex digits (either case) as a number.
fn hex4(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0, |n, &d| {
        let v = (d as char).to_digit(16)?;
        Some(n << 4 | v)
    })
}

/// The member names the reader looks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Key {
    Ts,
    Level,
    Logger,
    Caller,
    Msg,
    V,
    Other,
}

impl Key {
    fn of(name: &str) -> Key {
        match name {
            "ts" => Key::Ts,
            "level" => Key::Level,
            "logger" => Key::Logger,
            "caller" => Key::Caller,
            "msg" => Key::Msg,
            "v" => Key::V,
            _ => Key::Other,
        }
    }
}

/// The member name at `b[i] == '"'` when it is one of [`Key`]'s written plainly (as
/// component-base writes them): which, its text and where it ends. Spares the general
/// string reader four of the five names of a usual line.
#[inline]
fn known_key(b: &[u8], i: usize) -> Option<(Key, &'static str, usize)> {
    /// A name and its closing quote as the low bytes of a little-endian word, and the mask
    /// of those bytes: constants (the word was built per call, byte by byte in memory, and
    /// read back whole, which the store buffer cannot forward).
    const fn word(name: &str) -> (u64, u64) {
        let mut bytes = [0u8; 8];
        let mut i = 0;
        while i < name.len() {
            bytes[i] = name.as_bytes()[i];
            i += 1;
        }
        bytes[name.len()] = b'"';
        (
            u64::from_le_bytes(bytes),
            u64::MAX >> (8 * (7 - name.len())),
        )
    }
    const TS: (u64, u64) = word("ts");
    const CALLER: (u64, u64) = word("caller");
    const MSG: (u64, u64) = word("msg");
    const V: (u64, u64) = word("v");
    const LOGGER: (u64, u64) = word("logger");
    const LEVEL: (u64, u64) = word("level");
    let (key, name, (expected, mask)) = match b.get(i + 1)? {
        b't' => (Key::Ts, "ts", TS),
        b'c' => (Key::Caller, "caller", CALLER),
        b'm' => (Key::Msg, "msg", MSG),
        b'v' => (Key::V, "v", V),
        b'l' => match b.get(i + 2)? {
            b'o' => (Key::Logger, "logger", LOGGER),
            _ => (Key::Level, "level", LEVEL),
        },
        _ => return None,
    };
    let end = i + 1 + name.len();
    // The name and its closing quote (at most 7 bytes) against the next 8 bytes as a word
    // (a byte compare near the end of the line).
    let matches = match b.get(i + 1..i + 9) {
        Some(next) => {
            let mut word = [0u8; 8];
            word.copy_from_slice(next);
            u64::from_le_bytes(word) & mask == expected
        }
        None => b.get(i + 1..end)? == name.as_bytes() && b.get(end) == Some(&b'"'),
    };
    matches.then_some((key, name, end + 1))
}

/// The record of a JSON line, or the line back if it is not one.
pub(super) fn parse(
    line: Vec<u8>,
    spare: &mut Spare,
    only: Option<SourceFormat>,
) -> Result<ParsedRecord, Vec<u8>> {
    match read_members(&line, spare, only) {
        Some(mut rec) => {
            rec.raw = line;
            Ok(rec)
        }
        None => Err(line),
    }
}

fn read_members(
    line: &[u8],
    spare: &mut Spare,
    only: Option<SourceFormat>,
) -> Option<ParsedRecord> {
    let s = crate::go::scan::utf8(line)?;
    let mut rec = new_record(spare);
    let read = read_members_into(s, &mut rec, spare, only);
    if read.is_none() {
        spare.take(ParsedLine::Record(rec));
        return None;
    }
    Some(rec)
}

fn new_record(spare: &mut Spare) -> ParsedRecord {
    spare.record(SourceFormat::Json, Severity::Info)
}

fn read_members_into(
    s: &str,
    rec: &mut ParsedRecord,
    spare: &mut Spare,
    only: Option<SourceFormat>,
) -> Option<()> {
    let b = s.as_bytes();
    // component-base writes `ts`, `logger` and `caller` before `"msg"`, and `"v"` after it
    // and the logger's bound values (info entries only); these keys elsewhere are pairs.
    let (mut ts, mut logger, mut caller, mut msg, mut v) = (false, false, false, false, false);
    // The other dialects write a string `level` before `msg` (component-base never does).
    let mut level_before_msg = false;
    let mut ts_text = 0..0;
    let component_base = |level_before_msg: bool| match only {
        None => !level_before_msg,
        Some(f) => f == SourceFormat::Json,
    };
    let mut i = json_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = json_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            if b.get(i) != Some(&b'"') {
                return None;
            }
            let (key, name, key_end) = match known_key(b, i) {
                Some((name, text, end)) => (Cow::Borrowed(text), name, end),
                None => {
                    let (key, end) = read_string(s, i)?;
                    let name = Key::of(&key);
                    (key, name, end)
                }
            };
            i = json_ws(b, key_end);
            if b.get(i) != Some(&b':') {
                return None;
            }
            i = json_ws(b, i + 1);
            // component-base's `ts` read in one pass (its end, `f64` and time).
            let fast_ts = if !ts && !msg && name == Key::Ts {
                super::json_ts::read_ts(b, i)
            } else {
                None
            };
            let (string, value_end) = if let Some((end, ..)) = fast_ts {
                (None, end)
            } else if b.get(i) == Some(&b'"') {
                let (string, end) = read_string(s, i)?;
                (Some(string), end)
            } else {
                // Checked and skipped in one pass.
                let mut end = i;
                if !skip_json_value(b, &mut end, 0) {
                    return None;
                }
                (None, end)
            };
            // The value as written (only some members need it).
            let text = || &s[i..value_end];
            let taken = match (name, &string) {
                (Key::Ts, None) if !ts && !msg => {
                    if let Some((_, millis, unix)) = fast_ts {
                        rec.ts_millis = Some(millis);
                        rec.ts_unix = Some(unix);
                        ts = true;
                    } else {
                        rec.ts_millis = text().parse::<f64>().ok();
                        ts = rec.ts_millis.is_some();
                        rec.ts_unix = ts.then(|| decimal_millis(text())).flatten();
                    }
                    ts_text = i..value_end;
                    ts
                }
                (Key::Level, Some(_)) if !msg => {
                    level_before_msg = true;
                    false
                }
                (Key::Logger, Some(name)) if !logger && !msg => {
                    rec.logger = Some(spare.string(name));
                    logger = true;
                    true
                }
                (Key::Caller, Some(c)) if !caller && !msg => {
                    caller = true;
                    // `file:line`, split at the last colon (a short look from the end).
                    let colon = c.as_bytes().iter().rposition(|&b| b == b':');
                    match colon.map(|at| (&c[..at], parse_i64(&c[at + 1..]))) {
                        Some((f, Some(l))) => {
                            rec.file = Some(spare.string(f));
                            rec.line = Some(l);
                        }
                        _ => rec.file = Some(spare.string(c)),
                    }
                    true
                }
                (Key::Msg, Some(m)) if !msg => {
                    rec.message = spare.string(m);
                    msg = true;
                    true
                }
                (Key::V, None) if msg && !v && component_base(level_before_msg) => {
                    rec.verbosity = parse_i64(text());
                    v = rec.verbosity.is_some();
                    v
                }
                _ => false,
            };
            if !taken {
                let value = match string {
                    Some(Cow::Borrowed(s)) => ParsedValue::Str(spare.string(s)),
                    Some(Cow::Owned(s)) => ParsedValue::Str(s),
                    None => ParsedValue::Raw(spare.string(text())),
                };
                let key = match key {
                    Cow::Borrowed(k) => spare.string(k),
                    Cow::Owned(k) => k,
                };
                rec.key_values.push((key, value));
            }
            i = json_ws(b, value_end);
            match b.get(i) {
                Some(b',') => i = json_ws(b, i + 1),
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    if json_ws(b, i) != b.len() || !msg {
        return None;
    }
    if !component_base(level_before_msg) {
        let dialect = only.or_else(|| super::dialect::detect(rec))?;
        return super::dialect::finish(dialect, rec, &s[ts_text], spare);
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
/// nanosecond dropped). One pass over the bytes, in `u64` while the value fits (every `ts`
/// of this age does), as it runs for every JSON record.
/// `text.parse::<i64>().ok()`, with a shortcut for the usual few plain digits.
#[inline]
pub(super) fn parse_i64(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.is_empty() || b.len() > 18 {
        return text.parse::<i64>().ok();
    }
    let mut n = 0;
    for &d in b {
        let digit = d.wrapping_sub(b'0');
        if digit > 9 {
            return text.parse::<i64>().ok();
        }
        n = n * 10 + i64::from(digit);
    }
    Some(n)
}

pub(super) fn decimal_millis(text: &str) -> Option<(i64, u32)> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.as_bytes()),
        None => (false, text.as_bytes()),
    };
    let dot = digits
        .iter()
        .position(|&b| b == b'.')
        .unwrap_or(digits.len());
    let (whole, frac) = (&digits[..dot], digits.get(dot + 1..).unwrap_or_default());
    if whole.is_empty() || whole.len() > 19 || (dot < digits.len() && frac.is_empty()) {
        return None;
    }
    let mut ms: u64 = 0;
    for &d in whole {
        if !d.is_ascii_digit() {
            return None;
        }
        ms = ms.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    let mut sub_ms: u64 = 0;
    let mut scale = 100_000;
    for (i, &d) in frac.iter().enumerate() {
        if !d.is_ascii_digit() {
            return None;
        }
        if i < 6 {
            sub_ms += u64::from(d - b'0') * scale;
            scale /= 10;
        }
    }
    if !negative {
        // No 128-bit division (a library call) for the usual positive `ts`.
        let secs = i64::try_from(ms / 1000).ok()?;
        return Some((secs, ((ms % 1000) * 1_000_000 + sub_ms) as u32));
    }
    let nanos = -(i128::from(ms) * 1_000_000 + i128::from(sub_ms));
    let secs = i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
    Some((secs, nanos.rem_euclid(1_000_000_000) as u32))
}

// === JSON values, checked without decoding (for the converter)

/// Whether `b` is exactly one JSON value (RFC 8259, at most 128 levels deep like serde_json;
/// escapes are checked for their form, so a lone surrogate `\ud800` passes as it does in
/// serde_json's `IgnoredAny`).
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
        Some(b'-' | b'0'..=b'9') => return skip_number(b, i),
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

/// Moves `i` past the JSON number at `b[i]` (and any bytes that could continue one); `false`
/// if they are not one.
pub(super) fn skip_number(b: &[u8], i: &mut usize) -> bool {
    let start = *i;
    while matches!(
        b.get(*i),
        Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
    ) {
        *i += 1;
    }
    is_json_number(&b[start..*i])
}

/// [`skip_json_string`] for the tests of the string reader.
#[cfg(test)]
pub(super) fn skip_string_for_tests(b: &[u8], i: &mut usize) -> bool {
    skip_json_string(b, i)
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
