//! Go's string quoting (`strconv.Quote`, `%+q`) and the two JSON string encodings
//! (`encoding/json` and zap), each appending to a byte buffer.
//!
//! Hot path: no allocation, no locks, no fmt machinery. Bytes that need no escaping are
//! copied in runs; a 256-entry table classifies each byte once.
//!
//! # Compatibility
//! Mirrors Go's `strconv/quote.go` (`appendQuotedWith`, `appendEscapedRune`), the string
//! encoder of `encoding/json` and zap's `jsonEncoder.safeAddString`. Invalid UTF-8 is
//! decoded as Go does: each byte that does not start a well-formed sequence is one
//! invalid byte on its own (see RULES.md §1.1), which is exactly what
//! [`<[u8]>::utf8_chunks`] reports byte by byte.

use crate::go::scan::{first_in_blocks, none_flagged_from, quote_mask16, zap_special_mask16};
use crate::go::unicode::is_printable;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Byte classes for Go quoting: 0 = copy as is, 1 = ASCII that needs an escape, 2 = start
/// (or part) of a non-ASCII sequence.
pub(crate) static QUOTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if i < 0x20 || i == 0x7f || i == b'"' as usize || i == b'\\' as usize {
            1
        } else if i >= 0x80 {
            2
        } else {
            0
        };
        i += 1;
    }
    t
};

/// Byte classes for JSON strings: 0 = copy, 1 = escape, 2 = non-ASCII (only `encoding/json`
/// looks at U+2028/U+2029), 3 = HTML-sensitive (`<`, `>`, `&`).
static JSON_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if i < 0x20 || i == b'"' as usize || i == b'\\' as usize {
            1
        } else if i >= 0x80 {
            2
        } else if i == b'<' as usize || i == b'>' as usize || i == b'&' as usize {
            3
        } else {
            0
        };
        i += 1;
    }
    t
};

/// Appends `"` + Go `strconv.Quote(s)` + `"` for a UTF-8 string.
#[inline]
pub(crate) fn write_quoted(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    write_quoted_body::<false>(out, s);
    out.push(b'"');
}

/// Appends Go `strconv.Quote(s)` without the surrounding quotes.
// Used by the converter, which needs the `serde` feature.
#[cfg_attr(not(feature = "serde"), allow(dead_code))]
pub(crate) fn write_escaped(out: &mut Vec<u8>, s: &str) {
    write_quoted_body::<false>(out, s);
}

/// Like [`write_quoted`], unless `s` contains a line break: then nothing is appended and
/// the result is `false`. Finding the break while quoting spares a separate scan.
#[inline]
pub(crate) fn write_quoted_line(out: &mut Vec<u8>, s: &str) -> bool {
    let start = out.len();
    out.push(b'"');
    if !write_quoted_body::<true>(out, s) {
        out.truncate(start);
        return false;
    }
    out.push(b'"');
    true
}

/// Appends Go `strconv.Quote` of a byte string that may hold invalid UTF-8 (each invalid
/// byte becomes `\xhh`), quotes included.
pub(crate) fn write_quoted_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    for chunk in bytes.utf8_chunks() {
        write_quoted_body::<false>(out, chunk.valid());
        for &b in chunk.invalid() {
            write_hex_byte(out, b);
        }
    }
    out.push(b'"');
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether none of the 8 bytes in `w` needs Go quoting: all are printable ASCII other
/// than `"` and `\` (false positives only cost the byte-wise path).
#[cfg(test)]
fn is_plain_word(w: u64) -> bool {
    quote_flags(w) == 0
}

/// The high bit of each byte of `w` that needs Go quoting, and maybe of bytes above the
/// first such byte (carries and borrows between bytes start only at a flagged byte); none
/// below it, so the lowest flag is exact.
#[inline(always)]
fn quote_flags(w: u64) -> u64 {
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let below_space = w.wrapping_sub(0x20 * ONES) & !w & HIGHS;
    let del_or_high = (w | w.wrapping_add(ONES)) & HIGHS;
    below_space
        | del_or_high
        | has_zero(w ^ (b'"' as u64 * ONES))
        | has_zero(w ^ (b'\\' as u64 * ONES))
}

/// The escaped body of `strconv.Quote(s)`, without the surrounding quotes. With
/// `STOP_AT_NEWLINE`, returns `false` at the first `\n` (leaving a partial write).
fn write_quoted_body<const STOP_AT_NEWLINE: bool>(out: &mut Vec<u8>, s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = 0;
    loop {
        // Plain runs are skipped (and copied in one go later).
        i = next_to_quote(bytes, i);
        let Some(&b) = bytes.get(i) else {
            break;
        };
        match QUOTE_CLASS[b as usize] {
            // A flag of the last, overlapping word that was not a byte to quote.
            0 => i += 1,
            1 => {
                if STOP_AT_NEWLINE && b == b'\n' {
                    return false;
                }
                out.extend_from_slice(&bytes[start..i]);
                write_ascii_escape(out, b);
                i += 1;
                start = i;
            }
            _ => {
                // Non-ASCII: decode the char (s is valid UTF-8) and keep it iff printable.
                let c = s[i..].chars().next().unwrap_or('\u{fffd}');
                let len = c.len_utf8();
                if !is_printable(c) {
                    out.extend_from_slice(&bytes[start..i]);
                    write_unicode_escape(out, c);
                    start = i + len;
                }
                i += len;
            }
        }
    }
    out.extend_from_slice(&bytes[start..]);
    true
}

/// The first byte from `bytes[i]` on that may need Go quoting (`bytes.len()` if none): a word
/// at a time, the flag's position read off the word; the last bytes as the last word of
/// `bytes` (overlapping the one before), whose flags below `i` are shifted out. Every byte
/// before the result is plain (flags above a true one may be false: the caller checks).
#[inline(always)]
fn next_to_quote(bytes: &[u8], mut i: usize) -> usize {
    let load = |at: usize| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(word)
    };
    let len = bytes.len();
    match first_in_blocks(bytes, i, quote_mask16) {
        Ok(at) => return at,
        Err(at) => i = at,
    }
    while i + 8 <= len {
        let flags = quote_flags(load(i));
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    if i < len && len >= 8 {
        let flags = quote_flags(load(len - 8)) >> ((i + 8 - len) * 8);
        return match flags {
            0 => len,
            _ => i + (flags.trailing_zeros() / 8) as usize,
        };
    }
    while i < len && QUOTE_CLASS[bytes[i] as usize] == 0 {
        i += 1;
    }
    i
}

/// Appends Go's `%+q` of a byte slice (`strconv.QuoteToASCII` with invalid bytes as `\xhh`):
/// only printable ASCII stays as it is.
pub(crate) fn write_quoted_ascii(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid().as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i < valid.len() {
            let b = valid[i];
            match QUOTE_CLASS[b as usize] {
                0 => i += 1,
                1 => {
                    out.extend_from_slice(&valid[start..i]);
                    write_ascii_escape(out, b);
                    i += 1;
                    start = i;
                }
                _ => {
                    out.extend_from_slice(&valid[start..i]);
                    let c = chunk.valid()[i..].chars().next().unwrap_or('\u{fffd}');
                    write_unicode_escape(out, c);
                    i += c.len_utf8();
                    start = i;
                }
            }
        }
        out.extend_from_slice(&valid[start..]);
        for &b in chunk.invalid() {
            write_hex_byte(out, b);
        }
    }
    out.push(b'"');
}

/// An ASCII byte that Go's quoting escapes: `"`, `\`, the C escapes and `\xhh`.
fn write_ascii_escape(out: &mut Vec<u8>, b: u8) {
    let short = match b {
        b'"' => b'"',
        b'\\' => b'\\',
        0x07 => b'a',
        0x08 => b'b',
        0x09 => b't',
        0x0a => b'n',
        0x0b => b'v',
        0x0c => b'f',
        0x0d => b'r',
        _ => return write_hex_byte(out, b),
    };
    out.extend_from_slice(&[b'\\', short]);
}

fn write_hex_byte(out: &mut Vec<u8>, b: u8) {
    out.extend_from_slice(&[b'\\', b'x', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
}

/// `\uhhhh` below U+10000, `\Uhhhhhhhh` above; ASCII controls keep their short forms.
fn write_unicode_escape(out: &mut Vec<u8>, c: char) {
    let r = c as u32;
    if r < 0x80 {
        return write_ascii_escape(out, r as u8);
    }
    if r < 0x10000 {
        out.extend_from_slice(b"\\u");
        write_hex(out, r, 4);
    } else {
        out.extend_from_slice(b"\\U");
        write_hex(out, r, 8);
    }
}

fn write_hex(out: &mut Vec<u8>, value: u32, digits: u32) {
    for shift in (0..digits).rev() {
        out.push(HEX[((value >> (shift * 4)) & 15) as usize]);
    }
}

/// Appends Go `encoding/json`'s encoding of a string, quotes included. With `html`,
/// `<`, `>` and `&` become `\u003c`, `\u003e`, `\u0026` (klog text format; the Kubernetes
/// JSON format never HTML-escapes).
pub(crate) fn write_json_str(out: &mut Vec<u8>, s: &str, html: bool) {
    out.push(b'"');
    write_json_body(out, s, html);
    out.push(b'"');
}

/// `encoding/json`'s encoding of a byte string: like [`write_json_str`], each invalid byte
/// becoming the character U+FFFD.
pub(crate) fn write_json_bytes(out: &mut Vec<u8>, bytes: &[u8], html: bool) {
    out.push(b'"');
    for chunk in bytes.utf8_chunks() {
        write_json_body(out, chunk.valid(), html);
        for _ in chunk.invalid() {
            out.extend_from_slice("\u{fffd}".as_bytes());
        }
    }
    out.push(b'"');
}

/// Whether none of the 8 bytes in `w` needs `encoding/json` escaping in either mode:
/// ASCII from 0x20 up, none of `"`, `\`, `<`, `>`, `&` (non-ASCII bytes take the byte
/// loop, which looks for U+2028 and U+2029).
#[inline]
fn is_json_plain_word(w: u64) -> bool {
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let below_space = w.wrapping_sub(0x20 * ONES) & !w & HIGHS;
    let special = [b'"', b'\\', b'<', b'>', b'&']
        .iter()
        .fold(0, |acc, &c| acc | has_zero(w ^ (u64::from(c) * ONES)));
    (below_space | (w & HIGHS) | special) == 0
}

fn write_json_body(out: &mut Vec<u8>, s: &str, html: bool) {
    let bytes = s.as_bytes();
    if is_json_plain(bytes) {
        out.extend_from_slice(bytes);
        return;
    }
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(Ok(word)) = bytes.get(i..i + 8).map(<[u8; 8]>::try_from) {
            if is_json_plain_word(u64::from_le_bytes(word)) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        match JSON_CLASS[b as usize] {
            0 => i += 1,
            3 if !html => i += 1,
            2 => {
                // Only U+2028 and U+2029 (E2 80 A8/A9) are escaped among non-ASCII chars.
                if b == 0xe2
                    && bytes.get(i + 1) == Some(&0x80)
                    && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9))
                {
                    out.extend_from_slice(&bytes[start..i]);
                    out.extend_from_slice(if bytes[i + 2] == 0xa8 {
                        b"\\u2028"
                    } else {
                        b"\\u2029"
                    });
                    i += 3;
                    start = i;
                } else {
                    i += 1;
                }
            }
            _ => {
                out.extend_from_slice(&bytes[start..i]);
                match b {
                    b'"' => out.extend_from_slice(b"\\\""),
                    b'\\' => out.extend_from_slice(b"\\\\"),
                    0x08 => out.extend_from_slice(b"\\b"),
                    0x0c => out.extend_from_slice(b"\\f"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b'\t' => out.extend_from_slice(b"\\t"),
                    _ => write_u00(out, b),
                }
                i += 1;
                start = i;
            }
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

fn write_u00(out: &mut Vec<u8>, b: u8) {
    out.extend_from_slice(&[
        b'\\',
        b'u',
        b'0',
        b'0',
        HEX[(b >> 4) as usize],
        HEX[(b & 15) as usize],
    ]);
}

/// Appends zap's encoding of a top-level string (Kubernetes JSON format), quotes included:
/// `"`, `\`, `\n`, `\r`, `\t` get short escapes, other bytes below 0x20 `\u00hh`, each
/// invalid byte the six characters `\ufffd`; everything else (DEL, U+2028, `<`) stays raw.
pub(crate) fn write_zap_str(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(b'"');
    write_zap_str_body(out, bytes);
    out.push(b'"');
}

/// zap's encoding of a UTF-8 string, quotes included: [`write_zap_str`] without the
/// UTF-8 validation, skipping plain 8-byte words (non-ASCII bytes are copied as they are).
#[inline]
pub(crate) fn write_zap_str_utf8(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    write_zap_body_utf8(out, s);
    out.push(b'"');
}

/// Whether none of the 8 bytes in `w` needs zap escaping: no byte below 0x20, no `"`, no
/// `\` (bytes from 0x7F up are copied raw in a valid UTF-8 string).
#[inline]
fn is_zap_plain_word(w: u64) -> bool {
    zap_special_flags(w) == 0
}

/// The high bit of each byte of `w` that is `"`, `\\` or below 0x20, and maybe of bytes
/// above the first such byte (a borrow between bytes only adds false positives there, which
/// callers sort out); none below it.
#[inline(always)]
fn zap_special_flags(w: u64) -> u64 {
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    // `& !w` keeps bytes from 0x80 up out of the "below 0x20" test.
    let below_space = w.wrapping_sub(0x20 * ONES) & !w & HIGHS;
    below_space | has_zero(w ^ (b'"' as u64 * ONES)) | has_zero(w ^ (b'\\' as u64 * ONES))
}

/// The body of [`write_zap_str_utf8`].
#[inline]
pub(crate) fn write_zap_body_utf8(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if is_zap_plain(bytes) {
        out.extend_from_slice(bytes);
    } else {
        write_zap_body_escaped(out, bytes);
    }
}

/// Whether no byte of `bytes` needs zap escaping.
#[inline]
fn is_zap_plain(bytes: &[u8]) -> bool {
    if bytes.len() < 16 {
        return all_plain(bytes, is_zap_plain_word, |b| JSON_CLASS[b as usize] != 1);
    }
    none_flagged_from(bytes, 0, zap_special_mask16)
}

/// The index of the first `"`, `\\` or byte below 0x20 in `bytes`, or its length: where a
/// quoted string (Go or JSON) ends or stops being plain. Skips 8 plain bytes at a time.
pub(crate) fn find_quote_or_escape(bytes: &[u8]) -> usize {
    let mut i = match first_in_blocks(bytes, 0, zap_special_mask16) {
        Ok(at) => return at,
        Err(at) => at,
    };
    while let Some(word) = bytes.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let flags = zap_special_flags(u64::from_le_bytes(w));
        if flags != 0 {
            // The lowest flag is exact (false positives only sit above a true one), so the
            // word tells where the special byte is without a byte loop.
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}

/// Whether no byte of `bytes` needs `encoding/json` escaping in either mode (ASCII only,
/// so U+2028 and U+2029 take the byte loop).
#[inline]
fn is_json_plain(bytes: &[u8]) -> bool {
    all_plain(bytes, is_json_plain_word, |b| JSON_CLASS[b as usize] == 0)
}

/// Tests `bytes` 8 at a time with `word_ok` (the last word overlaps the one before it),
/// or byte by byte with `byte_ok` when shorter than a word.
#[inline(always)]
fn all_plain(bytes: &[u8], word_ok: impl Fn(u64) -> bool, byte_ok: impl Fn(u8) -> bool) -> bool {
    if bytes.len() < 8 {
        // No early exit: the loop over a few bytes stays branch-free.
        return bytes.iter().fold(true, |ok, &b| ok & byte_ok(b));
    }
    let load = |at: usize| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(word)
    };
    let mut at = 0;
    while at + 8 <= bytes.len() {
        if !word_ok(load(at)) {
            return false;
        }
        at += 8;
    }
    at == bytes.len() || word_ok(load(bytes.len() - 8))
}

#[cold]
#[inline(never)]
fn write_zap_body_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    // The plain runs between escapes are found 8 bytes at a time (class 1 is exactly what
    // `find_quote_or_escape` stops at) and copied whole.
    let mut start = 0;
    while start < bytes.len() {
        let i = start + find_quote_or_escape(&bytes[start..]);
        out.extend_from_slice(&bytes[start..i]);
        let Some(&b) = bytes.get(i) else { break };
        write_zap_escape(out, b);
        start = i + 1;
    }
}

fn write_zap_escape(out: &mut Vec<u8>, b: u8) {
    match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        _ => write_u00(out, b),
    }
}

/// [`write_zap_str`] without the quotes.
pub(crate) fn write_zap_str_body(out: &mut Vec<u8>, bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid().as_bytes();
        let mut start = 0;
        for (i, &b) in valid.iter().enumerate() {
            if JSON_CLASS[b as usize] != 1 {
                continue;
            }
            out.extend_from_slice(&valid[start..i]);
            write_zap_escape(out, b);
            start = i + 1;
        }
        out.extend_from_slice(&valid[start..]);
        for _ in chunk.invalid() {
            out.extend_from_slice(b"\\ufffd");
        }
    }
}

/// The bytes that Go's `strconv.Quote` escaped into `body` (the text between the quotes):
/// the inverse of [`write_quoted_bytes`]. `None` for an escape Quote never writes.
pub(crate) fn unquote_body(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        // The plain run up to the next backslash, copied whole.
        let run = memchr::memchr(b'\\', &body[i..]).unwrap_or(body.len() - i);
        out.extend_from_slice(&body[i..i + run]);
        i += run;
        if i == body.len() {
            break;
        }
        let escape = *body.get(i + 1)?;
        i += 2;
        let simple = match escape {
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(0x0b),
            b'\\' => Some(b'\\'),
            b'"' => Some(b'"'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            continue;
        }
        let digits = match escape {
            b'x' => 2,
            b'u' => 4,
            b'U' => 8,
            _ => return None,
        };
        let hex = body.get(i..i + digits)?;
        if !hex.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let n = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
        i += digits;
        if escape == b'x' {
            out.push(u8::try_from(n).ok()?);
        } else {
            out.extend_from_slice(char::from_u32(n)?.encode_utf8(&mut [0; 4]).as_bytes());
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: impl Fn(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    macro_rules! table {
        ($name:ident, $f:expr, $( $input:expr => $expected:expr ),+ $(,)?) => {
            #[test]
            fn $name() {
                $( assert_eq!(run(|o| $f(o, $input)), $expected, "input {:?}", $input); )+
            }
        };
    }

    table!(quote_keeps_printable_and_escapes_controls_like_go, write_quoted,
        "abc" => r#""abc""#,
        "a\"b\\c" => r#""a\"b\\c""#,
        "\x07\x08\t\n\x0b\x0c\r" => r#""\a\b\t\n\v\f\r""#,
        "\x00\x1f\x7f" => r#""\x00\x1f\x7f""#,
        "日本😀é" => "\"日本😀é\"",
        "\u{85}\u{a0}\u{2028}\u{feff}" => r#""\u0085\u00a0\u2028\ufeff""#,
        "\u{e0080}\u{10ffff}" => r#""\U000e0080\U0010ffff""#,
        "\u{1fae8}" => "\"\u{1fae8}\"",
    );

    table!(quote_bytes_escapes_each_invalid_byte, write_quoted_bytes,
        b"\xe2\x82A".as_slice() => r#""\xe2\x82A""#,
        b"\xf0\x9f\x98A".as_slice() => r#""\xf0\x9f\x98A""#,
        b"\xed\xa0\x80".as_slice() => r#""\xed\xa0\x80""#,
        b"\xe2\x82\xe2\x82\xac".as_slice() => "\"\\xe2\\x82€\"",
        b"ok\xff\n".as_slice() => r#""ok\xff\n""#,
    );

    table!(quote_ascii_escapes_all_non_ascii, write_quoted_ascii,
        "日本😀".as_bytes() => r#""\u65e5\u672c\U0001f600""#,
        "é".as_bytes() => r#""\u00e9""#,
        b"a\x00\xff\"".as_slice() => r#""a\x00\xff\"""#,
    );

    #[test]
    fn plain_word_check_agrees_with_the_byte_table() {
        let interesting = [
            0x00, 0x1f, 0x20, 0x21, 0x22, 0x5b, 0x5c, 0x5d, 0x7e, 0x7f, 0x80, 0xff,
        ];
        for &b in &interesting {
            for pos in 0..8 {
                let mut word = [b'a'; 8];
                word[pos] = b;
                let expected = QUOTE_CLASS[b as usize] == 0;
                assert_eq!(
                    is_plain_word(u64::from_le_bytes(word)),
                    expected,
                    "byte {b:#x} at {pos}"
                );
            }
        }
        for b in 0..=255u8 {
            let word = [b; 8];
            let plain = is_plain_word(u64::from_le_bytes(word));
            // Never a false "plain".
            assert!(!plain || QUOTE_CLASS[b as usize] == 0, "byte {b:#x}");
        }
    }

    proptest::proptest! {
        #[test]
        fn lowest_word_flag_is_the_first_special_byte(word in proptest::array::uniform8(proptest::num::u8::ANY)) {
            let w = u64::from_le_bytes(word);
            let first = |special: &dyn Fn(u8) -> bool| word.iter().position(|&b| special(b));
            let lowest = |flags: u64| (flags != 0).then(|| (flags.trailing_zeros() / 8) as usize);
            proptest::prop_assert_eq!(lowest(quote_flags(w)), first(&|b| QUOTE_CLASS[b as usize] != 0));
            proptest::prop_assert_eq!(
                lowest(zap_special_flags(w)),
                first(&|b| b == b'"' || b == b'\\' || b < 0x20)
            );
        }

        #[test]
        fn unquoting_inverts_quoting(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let mut quoted = Vec::new();
            write_quoted_bytes(&mut quoted, &bytes);
            proptest::prop_assert_eq!(unquote_body(&quoted[1..quoted.len() - 1]), Some(bytes));
        }

        #[test]
        fn word_skipping_never_changes_the_output(s in ".{0,40}") {
            let mut fast = Vec::new();
            write_quoted(&mut fast, &s);
            let mut slow = Vec::new();
            // Reference: one char at a time (never 8 bytes at once).
            slow.push(b'"');
            for c in s.chars() {
                write_quoted_body::<false>(&mut slow, c.encode_utf8(&mut [0; 4]));
            }
            slow.push(b'"');
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    /// Go quoting one char at a time (never 8 bytes at once).
    fn quoted_char_by_char(s: &str) -> Vec<u8> {
        let mut slow = vec![b'"'];
        for c in s.chars() {
            write_quoted_body::<false>(&mut slow, c.encode_utf8(&mut [0; 4]));
        }
        slow.push(b'"');
        slow
    }

    #[test]
    fn quoting_finds_specials_at_every_position() {
        // One or two bytes to quote at every pair of positions of plain runs of every length
        // up to three words: the last word overlaps, and its flags below the position reached
        // (an escape already written) must not hide or invent one.
        let specials = [
            "\"", "\\", "\n", "\u{7f}", "\u{0}", "é", "\u{85}", "\u{2028}", "€x",
        ];
        for len in 0..24 {
            for p in 0..=len {
                for q in p..=len {
                    for a in specials {
                        for b in ["", "\"", "\t", "ß"] {
                            let plain = "abcdefghijklmnopqrstuvwxyz";
                            let s =
                                format!("{}{a}{}{b}{}", &plain[..p], &plain[p..q], &plain[q..len]);
                            let mut fast = Vec::new();
                            write_quoted(&mut fast, &s);
                            assert_eq!(fast, quoted_char_by_char(&s), "{s:?}");
                            let mut line = Vec::new();
                            assert_eq!(
                                write_quoted_line(&mut line, &s),
                                !s.contains('\n'),
                                "{s:?}"
                            );
                            if !s.contains('\n') {
                                assert_eq!(line, fast, "{s:?}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn quote_or_escape_is_found_at_every_position() {
        let first = |b: &[u8]| b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
        for len in 0..40 {
            for at in 0..len {
                for special in [b'"', b'\\', b'\n', 0, 0x1f] {
                    for later in [b'a', b'"', 0x7f, 0x80, 0xff] {
                        let mut bytes = vec![b'x'; len];
                        bytes[at] = special;
                        if at + 1 < len {
                            bytes[len - 1] = later;
                        }
                        // Bytes from 0x80 up and DEL before it are plain.
                        if at > 0 {
                            bytes[at - 1] = 0xe9;
                        }
                        assert_eq!(find_quote_or_escape(&bytes), at, "{bytes:?}");
                    }
                }
            }
            let plain = vec![b'~'; len];
            assert_eq!(find_quote_or_escape(&plain), len);
            assert_eq!(first(&plain), None);
        }
    }

    proptest::proptest! {
        #[test]
        fn quote_or_escape_agrees_with_a_byte_search(bytes in proptest::collection::vec(
            proptest::prop_oneof![30 => 0x20u8..=0xff, 1 => proptest::prelude::Just(b'"'), 1 => 0u8..0x20],
            0..80,
        )) {
            let first = bytes.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            proptest::prop_assert_eq!(find_quote_or_escape(&bytes), first.unwrap_or(bytes.len()));
        }

        #[test]
        fn word_skipping_never_changes_mostly_plain_output(s in "[a-z \"\\\\\n\x00-\x1f\x7f\u{80}-\u{a0}é€\u{2028}\u{fffd}]{0,40}", plain in "[a-z ]{0,40}") {
            // Plain runs around the special characters put them at every offset of a block.
            let s = format!("{plain}{s}{plain}");
            let mut fast = Vec::new();
            write_quoted(&mut fast, &s);
            proptest::prop_assert_eq!(fast, quoted_char_by_char(&s));
            let mut bytes = Vec::new();
            write_quoted_bytes(&mut bytes, s.as_bytes());
            proptest::prop_assert_eq!(bytes, quoted_char_by_char(&s));
        }
    }

    proptest::proptest! {
        #[test]
        fn json_word_skipping_never_changes_the_output(s in "[ -~\u{80}-\u{3000}\u{2028}\u{2029}\\x00-\\x1f]{0,40}", html in proptest::bool::ANY) {
            let mut fast = Vec::new();
            write_json_str(&mut fast, &s, html);
            let mut slow = Vec::new();
            slow.push(b'"');
            for c in s.chars() {
                // One char at a time never forms an 8-byte word.
                write_json_body(&mut slow, c.encode_utf8(&mut [0; 4]), html);
            }
            slow.push(b'"');
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn json_string_escapes_like_encoding_json() {
        assert_eq!(
            run(|o| write_json_str(
                o,
                "a\"\\\x08\x0c\n\r\t\x01<>&\u{2028}\u{2029}\u{7f}\u{85}",
                true
            )),
            "\"a\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u003c\\u003e\\u0026\\u2028\\u2029\u{7f}\u{85}\""
        );
        assert_eq!(run(|o| write_json_str(o, "<&>", false)), "\"<&>\"");
    }

    proptest::proptest! {
        #[test]
        fn zap_utf8_fast_path_matches_the_validating_encoder(s in ".{0,40}", ctl in "[\\x00-\\x1f\"\\\\a-z\u{80}-\u{10ffff}]{0,24}", plain in "[a-z]{0,40}") {
            let long = format!("{plain}{ctl}{plain}");
            for input in [&s, &ctl, &long] {
                let mut fast = Vec::new();
                write_zap_str_utf8(&mut fast, input);
                let mut slow = Vec::new();
                write_zap_str(&mut slow, input.as_bytes());
                proptest::prop_assert_eq!(fast, slow);
            }
        }
    }

    #[test]
    fn zap_string_escapes_like_zap() {
        assert_eq!(
            run(|o| write_zap_str(o, b"a\"\\\x08\x0c\n\r\t<\xe2\x80\xa8\x7f\xff")),
            "\"a\\\"\\\\\\u0008\\u000c\\n\\r\\t<\u{2028}\u{7f}\\ufffd\""
        );
    }
}
