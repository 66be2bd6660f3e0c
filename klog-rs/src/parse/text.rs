//! klog's text lines: the header `Lmmdd hh:mm:ss.uuuuuu PPPPPPP file:line] ` and the
//! key/values after the message.

use super::spare::Spare;
use super::{ParsedRecord, ParsedValue};
use crate::record::Severity;

/// Drops one trailing `\r` (the line was `\r\n`-terminated).
pub(super) fn strip_eol(s: &str) -> &str {
    s.strip_suffix('\r').unwrap_or(s)
}

#[derive(Debug)]
pub(super) struct Header {
    pub(super) severity: Severity,
    pub(super) mdt: (u32, u32, u32, u32, u32, u32),
    pub(super) pid: Option<i64>,
    /// Where the file name is in the line.
    pub(super) file: std::ops::Range<usize>,
    pub(super) line: i64,
    pub(super) body_start: usize,
}

/// A header's line number: any count of digits that fits an `i64`.
fn line_number(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if b.len() <= 18 {
        // Eighteen digits always fit an i64: no overflow checks.
        return Some(
            b.iter()
                .fold(0i64, |acc, &d| acc * 10 + i64::from(d - b'0')),
        );
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

/// The month of a header's first 21 bytes `Lmmdd hh:mm:ss.uuuuuu`, checked as
/// [`parse_header`] checks them.
#[inline]
pub(super) fn header_month(b: &[u8]) -> Option<u32> {
    Severity::from_letter(*b.first()?)?;
    header_time(b).map(|(month, ..)| month)
}

/// See [`super::header_month_runs`]; `at_newline` is called with the index of each `\n`.
#[inline]
pub(super) fn header_month_runs(
    text: &[u8],
    months: &mut Vec<u8>,
    mut at_newline: impl FnMut(usize),
) {
    // Bytes no header has there stand for the month before the first one listed.
    let digits = |month: u8| [b'0' + month / 10, b'0' + month % 10];
    let mut current = months.last().map_or([0xff; 2], |&m| digits(m));
    let mut line = |start: usize, months: &mut Vec<u8>| {
        if text.get(start + 1..start + 3) == Some(&current[..]) {
            return;
        }
        if let Some(month) = header_month(&text[start..]).and_then(|m| u8::try_from(m).ok()) {
            if months.last() != Some(&month) {
                months.push(month);
            }
            current = digits(month);
        }
    };
    line(0, months);
    let mut at = 0;
    for group in text.chunks_exact(64) {
        let mut newlines = 0u64;
        for (i, block) in group.chunks_exact(16).enumerate() {
            if let Some(block) = block.first_chunk::<16>() {
                newlines |= u64::from(crate::go::scan::eq_mask16(block, b'\n')) << (16 * i);
            }
        }
        while newlines != 0 {
            let newline = at + newlines.trailing_zeros() as usize;
            at_newline(newline);
            line(newline + 1, months);
            newlines &= newlines - 1;
        }
        at += 64;
    }
    for newline in memchr::memchr_iter(b'\n', &text[at..]) {
        at_newline(at + newline);
        line(at + newline + 1, months);
    }
}

/// A header's `mmdd hh:mm:ss.uuuuuu` (bytes 1 to 20 of `b`) as month, day, hour, minute,
/// second and microseconds, if every digit is a digit, every separator is in place and
/// the date and time exist (February 29 included: the year is not known here).
///
/// Read as three overlapping 64-bit words instead of field by field: each word is XORed
/// with its expected bytes (`'0'` at digits, the separator elsewhere), which leaves 0 to 9
/// at a digit and 0 at a separator, then one addition per word puts the high bit into
/// every byte beyond its limit. `x·10 + (x >> 8)` makes each byte the two-digit number it
/// starts (no byte exceeds 99, so nothing carries).
#[inline]
fn header_time(b: &[u8]) -> Option<(u32, u32, u32, u32, u32, u32)> {
    /// Digits and separators, and per byte what brings a byte above its limit to 0x80.
    const DATE: (u64, u64) = pattern(*b"0000 00:");
    const CLOCK: (u64, u64) = pattern(*b"00:00.00");
    const MICROS: (u64, u64) = pattern(*b"0.000000");
    const fn pattern(expected: [u8; 8]) -> (u64, u64) {
        let mut limit = [0u8; 8];
        let mut i = 0;
        while i < 8 {
            limit[i] = if expected[i] == b'0' {
                0x80 - 10
            } else {
                0x80 - 1
            };
            i += 1;
        }
        (u64::from_le_bytes(expected), u64::from_le_bytes(limit))
    }
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let b = b.get(..21)?;
    let read = |at: usize, (expected, limit): (u64, u64)| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&b[at..at + 8]);
        let x = u64::from_le_bytes(word) ^ expected;
        let over = ((x & !HIGH) + limit) | x;
        if over & HIGH == 0 {
            Some(x * 10 + (x >> 8))
        } else {
            None
        }
    };
    let date = read(1, DATE)?; // mmdd hh:
    let clock = read(9, CLOCK)?; // mm:ss.uu
    let micros = read(13, MICROS)?; // s.uuuuuu
    let at = |pairs: u64, i: u32| ((pairs >> (8 * i)) & 0xFF) as u32;
    let (month, day, hour) = (at(date, 0), at(date, 2), at(date, 5));
    let (minute, second) = (at(clock, 0), at(clock, 3));
    let micros = at(micros, 2) * 10_000 + at(micros, 4) * 100 + at(micros, 6);
    // klog never writes an impossible date or time: `I0000` or `I0231` is no header (read as
    // one, a converter would roll it over into another day).
    let valid = (1..=12).contains(&month)
        && (1..=crate::go::time::days_in_month(2000, month)).contains(&day)
        && hour <= 23
        && minute <= 59
        && second <= 59;
    valid.then_some((month, day, hour, minute, second, micros))
}

/// The pid column as klog writes it (`b[22..29]`, after the space at `b[21]`): blank, or
/// spaces then digits. Read as one word (with the space before it, which stands for a
/// leading zero): spaces become `'0'`, and the eight bytes must then be digits, made into
/// a number without a loop. `None` for anything else, which
/// [`pid_column_bytewise`] reads as before (tabs, say).
#[inline]
fn pid_column(space_and_column: &[u8]) -> Option<Option<i64>> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut word = [0u8; 8];
    word.copy_from_slice(space_and_column);
    let w = u64::from_le_bytes(word);
    // The high bit of every byte that is not a space (exact: no carry leaves a byte).
    let x = w ^ (u64::from(b' ') * ONES);
    let not_space = (((x & !HIGHS) + !HIGHS) | x) & HIGHS;
    if not_space == 0 {
        return Some(None);
    }
    let spaces = !not_space & HIGHS;
    // No space after the first digit.
    if spaces >> (not_space.trailing_zeros() & !7) != 0 {
        return None;
    }
    let digits = w + (spaces >> 3);
    let pid = read_eight_digits(&digits.to_le_bytes())?;
    Some(Some(pid as i64))
}

/// The value of eight ASCII digits, `None` if a byte is not one (a word at a time: the
/// high nibbles must be 3 before and after adding 6). A JSON `ts` and a header's pid.
pub(super) fn read_eight_digits(bytes: &[u8]) -> Option<u64> {
    let mut word = [0u8; 8];
    word.copy_from_slice(bytes);
    let w = u64::from_le_bytes(word);
    const NIBBLES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    if w & NIBBLES != ZEROS || w.wrapping_add(0x0606_0606_0606_0606) & NIBBLES != ZEROS {
        return None;
    }
    // Pairs, quads, then all eight (the first digit is the lowest byte).
    let v = (w & 0x0F0F_0F0F_0F0F_0F0F).wrapping_mul(2561) >> 8;
    let v = (v & 0x00FF_00FF_00FF_00FF).wrapping_mul(6_553_601) >> 16;
    Some((v & 0x0000_FFFF_0000_FFFF).wrapping_mul(42_949_672_960_001) >> 32)
}

/// The pid column read byte by byte: leading ASCII whitespace, then digits (or nothing).
fn pid_column_bytewise(column: &[u8]) -> Option<Option<i64>> {
    let pid_digits = column.trim_ascii_start();
    if pid_digits.is_empty() {
        return Some(None);
    }
    Some(Some(i64::from(digits(pid_digits)?)))
}

/// `Lmmdd hh:mm:ss.uuuuuu PPPPPPP file:line] `
pub(super) fn parse_header(s: &str) -> Option<Header> {
    let b = s.as_bytes();
    if b.len() < 30 {
        return None;
    }
    let severity = Severity::from_letter(b[0])?;
    if b[21] != b' ' || b[29] != b' ' {
        return None;
    }
    // February 29 is possible here; whether its year is a leap year is for the year
    // inference to say.
    let mdt = header_time(b)?;
    let pid = match pid_column(&b[21..29]) {
        Some(pid) => pid,
        None => pid_column_bytewise(&b[22..29])?,
    };
    // The first "] " preceded by ":digits".
    let rest = &b[30..];
    let mut from = 0;
    // `]` is a few dozen bytes on: 16-byte blocks, not `memchr`'s set-up.
    while let Some(i) = crate::go::scan::find_byte_near(b']', &rest[from..]) {
        let end = from + i;
        from = end + 1;
        if rest.get(end + 1) != Some(&b' ') {
            continue;
        }
        // Back over the line number's digits to its colon (so the last colon before `]`,
        // as the line number has none).
        let before = &rest[..end];
        let digits_start = before
            .iter()
            .rposition(|b| !b.is_ascii_digit())
            .map_or(0, |at| at + 1);
        if digits_start == 0 || before[digits_start - 1] != b':' {
            continue;
        }
        if let Some(line) = line_number(&before[digits_start..]) {
            return Some(Header {
                severity,
                mdt,
                pid,
                file: 30..30 + digits_start - 1,
                line,
                body_start: 30 + end + 2,
            });
        }
    }
    None
}

/// A text value at the start of `s` (which has no line end) and its length: it is followed by the
/// end of `s` or by a space.
pub(super) fn parse_value(s: &str, spare: &mut Spare) -> (ParsedValue, usize) {
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
    // A quoted value cut off with the end of the line (a pager, `minikube logs`): the text
    // after the quote is the value's beginning; a string, so that it reads back the same
    // after every round trip (and a cut-off `err` is still the error).
    if b.first() == Some(&b'"') && !has_unescaped_quote(&b[1..]) {
        if let Some(v) = unquote_cut(&b[1..]) {
            return (ParsedValue::Str(spare.string(&v)), b.len());
        }
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

/// Whether `b` holds a `"` that no `\\` escapes.
fn has_unescaped_quote(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return true,
            _ => i += 1,
        }
    }
    false
}

/// The text of a Go-quoted string cut off before its closing quote: the escapes of `body`
/// decoded, an escape cut in the middle dropped.
fn unquote_cut(body: &[u8]) -> Option<String> {
    if let Some(bytes) = crate::go::escape::unquote_body(body) {
        return Some(go_lossy(bytes));
    }
    // The last escape, cut: it starts at one of the last ten bytes (`\U0010ffff` is ten long).
    let from = body.len().saturating_sub(10);
    let last = from + body[from..].iter().rposition(|&c| c == b'\\')?;
    crate::go::escape::unquote_body(&body[..last]).map(go_lossy)
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
pub(super) fn go_lossy(bytes: Vec<u8>) -> String {
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
pub(super) fn unquote_go(s: &str, spare: &mut Spare) -> Option<(String, usize)> {
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
    // Between special bytes (quote, backslash, control) the search jumps a word at a time.
    let mut end = plain_end;
    loop {
        match *b.get(end)? {
            b'"' => break,
            b'\n' => return None,
            b'\\' => end += 2,
            _ => end += 1,
        }
        end += crate::go::escape::find_quote_or_escape(b.get(end..)?);
    }
    let bytes = crate::go::escape::unquote_body(&b[1..end])?;
    Some((go_lossy(bytes), end + 1))
}

/// Takes klog's leading pairs out of the key/values: the error of an error call (written
/// first) and then the logger name.
pub(super) fn take_error_and_logger(rec: &mut ParsedRecord) {
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
}

#[cfg(test)]
mod header_time_tests {
    use super::{digits, header_time, parse_header};

    /// The word reading of the pid column agrees with the byte reading wherever it answers,
    /// and answers for every column klog writes.
    #[test]
    fn pid_column_word_reading_agrees_with_the_bytes() {
        use super::{pid_column, pid_column_bytewise};
        let mut column = [b' '; 7];
        let alphabet = [b' ', b'0', b'1', b'7', b'9', b'\t', b'a', b'/', b':'];
        // Every column over a small alphabet (9^7 would be slow: two positions vary fully,
        // the others over a few bytes each).
        for a in alphabet {
            for b in alphabet {
                for fill in [b' ', b'5', b'0', b'\t'] {
                    for at in 0..6 {
                        column.fill(fill);
                        column[at] = a;
                        column[at + 1] = b;
                        let mut word = [b' '; 8];
                        word[1..].copy_from_slice(&column);
                        let slow = pid_column_bytewise(&column);
                        match pid_column(&word) {
                            Some(fast) => assert_eq!(Some(fast), slow, "{column:?}"),
                            None => assert!(
                                slow.is_none() || column.contains(&b'\t'),
                                "{column:?}: the word reading refused {slow:?}"
                            ),
                        }
                    }
                }
            }
        }
        for pid in [1_i64, 7, 42, 4242, 1_234_567, 9_999_999] {
            let mut word = [b' '; 8];
            let text = pid.to_string();
            word[8 - text.len()..].copy_from_slice(text.as_bytes());
            assert_eq!(pid_column(&word), Some(Some(pid)));
        }
        assert_eq!(pid_column(b"        "), Some(None));
    }

    /// The caller ends at the first `] ` that follows `:digits`; the file is everything before
    /// that colon (colons and `]` included), however far the `] ` is.
    #[test]
    fn the_caller_ends_at_the_first_bracket_after_a_line_number() {
        let prefix = "I1128 09:00:01.250000    4242 ";
        let long = "d/".repeat(40) + "x.go";
        // The caller, and the file, line and message read from it.
        type Case = (String, Option<(String, i64, &'static str)>);
        let cases: Vec<Case> = vec![
            ("a.go:12] hi".into(), Some(("a.go".into(), 12, "hi"))),
            (
                "a:b.go:12:34] hi".into(),
                Some(("a:b.go:12".into(), 34, "hi")),
            ),
            (
                "a.go:1x] b.go:7] hi".into(),
                Some(("a.go:1x] b.go".into(), 7, "hi")),
            ),
            (
                "a.go:12]x b:3] hi".into(),
                Some(("a.go:12]x b".into(), 3, "hi")),
            ),
            ("a.go:] b:] hi".into(), None),
            ("a.go] hi".into(), None),
            ("a.go:12]".into(), None),
            (format!("{long}:99] hi"), Some((long.clone(), 99, "hi"))),
            (
                format!("{long}]]:5] hi"),
                Some((format!("{long}]]"), 5, "hi")),
            ),
        ];
        for (caller, want) in cases {
            let line = format!("{prefix}{caller}");
            let got = parse_header(&line)
                .map(|h| (line[h.file].to_string(), h.line, &line[h.body_start..]));
            assert_eq!(got, want, "{line}");
        }
    }

    /// The field-by-field reading `header_time` replaced.
    fn by_fields(b: &[u8]) -> Option<(u32, u32, u32, u32, u32, u32)> {
        let b = b.get(..21)?;
        if b[5] != b' ' || b[8] != b':' || b[11] != b':' || b[14] != b'.' {
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
        let (month, day, hour, minute, second, _) = mdt;
        let valid = (1..=12).contains(&month)
            && (1..=crate::go::time::days_in_month(2000, month)).contains(&day)
            && hour <= 23
            && minute <= 59
            && second <= 59;
        valid.then_some(mdt)
    }

    #[test]
    fn reads_headers_and_refuses_impossible_ones() {
        assert_eq!(
            header_time(b"I1231 23:59:59.999999"),
            Some((12, 31, 23, 59, 59, 999_999))
        );
        assert_eq!(
            header_time(b"E0229 00:00:00.000000 "),
            Some((2, 29, 0, 0, 0, 0))
        );
        assert_eq!(
            header_time(b"I0102 03:04:05.012345"),
            Some((1, 2, 3, 4, 5, 12_345))
        );
        for bad in [
            &b"I0000 00:00:00.000000"[..],
            b"I0230 00:00:00.000000",
            b"I1301 00:00:00.000000",
            b"I0101 24:00:00.000000",
            b"I0101 00:60:00.000000",
            b"I0101 00:00:60.000000",
            b"I0101 00:00:00.00000",
            b"I0101 00:00:00,000000",
            b"I0101T00:00:00.000000",
            b"I01/1 00:00:00.000000",
            b"I0101 00:00:00.0000:0",
            b"I0101 00:00:00.\xff00000",
        ] {
            assert_eq!(header_time(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_reading_field_by_field(
            month in 0u32..14, day in 0u32..33, hour in 0u32..26, minute in 0u32..62,
            second in 0u32..62, micros in 0u32..1_000_000,
            flips in proptest::collection::vec((1usize..21, proptest::num::u8::ANY), 0..3),
        ) {
            let mut b = format!(
                "I{month:02}{day:02} {hour:02}:{minute:02}:{second:02}.{micros:06}"
            ).into_bytes();
            for (at, byte) in flips {
                b[at] = byte;
            }
            proptest::prop_assert_eq!(header_time(&b), by_fields(&b));
        }
    }
}
