//! Go's `filepath.Match`, ported byte for byte (klog matches `-vmodule` patterns with it).

/// Go's `filepath.Match` reported `ErrBadPattern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BadPattern;

/// A byte-for-byte port of Go's `filepath.Match` (Unix, `Separator = '/'`).
///
/// It works on bytes like Go does, because Go's star loop advances one **byte** at a time
/// and may restart a chunk in the middle of a multi-byte character, where `?` and classes
/// then see `U+FFFD` of width 1 (so Go's `Match("*??", "日")` is true). Reproducing that
/// keeps klog's answers for every name, not just for ASCII ones.
pub(super) fn glob_match(mut pattern: &[u8], mut name: &[u8]) -> Result<bool, BadPattern> {
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            // A trailing `*` matches the rest unless it contains a `/`.
            return Ok(!name.contains(&b'/'));
        }
        // Try the chunk at the current position first; the last chunk must also use up the
        // whole name, otherwise a later start might still work through the star.
        let (rest_of_name, ok) = match_chunk(chunk, name)?;
        if ok && (rest_of_name.is_empty() || !pattern.is_empty()) {
            name = rest_of_name;
            continue;
        }
        if star {
            // Let the star swallow i+1 bytes, but never a `/`.
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                let (rest_of_name, ok) = match_chunk(chunk, &name[i + 1..])?;
                if ok && (rest_of_name.is_empty() || !pattern.is_empty()) {
                    name = rest_of_name;
                    continue 'pattern;
                }
                i += 1;
            }
        }
        // No match; like Go, still report a malformed rest of the pattern.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, b"")?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Go's `scanChunk`: the leading stars, then everything up to the next `*` outside a class.
fn scan_chunk(mut pattern: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while let Some((b'*', rest)) = pattern.split_first() {
        pattern = rest;
        star = true;
    }
    let mut in_range = false;
    let mut i = 0;
    while i < pattern.len() {
        match pattern[i] {
            // Skip the escaped byte; a trailing `\` is reported by `match_chunk`.
            b'\\' if i + 1 < pattern.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    let (chunk, rest) = pattern.split_at(i);
    (star, chunk, rest)
}

/// Go's `matchChunk`: matches a star-free chunk at the start of `s`, returning the rest of
/// `s`. After a mismatch it keeps parsing the chunk (without reading `s`) so that a
/// malformed chunk is always reported, whatever the name.
fn match_chunk<'a>(mut chunk: &[u8], mut s: &'a [u8]) -> Result<(&'a [u8], bool), BadPattern> {
    let mut failed = false;
    while let Some(&c) = chunk.first() {
        if s.is_empty() {
            failed = true;
        }
        match c {
            b'[' => {
                let mut r = 0;
                if !failed {
                    let (rune, n) = decode_rune(s);
                    r = rune;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let mut negated = false;
                if let Some((b'^', rest)) = chunk.split_first() {
                    negated = true;
                    chunk = rest;
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if ranges > 0 {
                        if let Some((b']', rest)) = chunk.split_first() {
                            chunk = rest;
                            break;
                        }
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    // `get_esc` guarantees a byte follows, so an unterminated class is an
                    // error there, not here.
                    if let Some((b'-', rest)) = chunk.split_first() {
                        let (h, rest) = get_esc(rest)?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if let (false, Some(&first)) = (failed, s.first()) {
                    if first == b'/' {
                        failed = true;
                    }
                    let (_, n) = decode_rune(s);
                    s = &s[n..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                // `\x` matches the byte `x`; a lone trailing `\` is malformed.
                let literal = if c == b'\\' {
                    chunk = &chunk[1..];
                    *chunk.first().ok_or(BadPattern)?
                } else {
                    c
                };
                if let (false, Some((&first, rest))) = (failed, s.split_first()) {
                    if first != literal {
                        failed = true;
                    }
                    s = rest;
                }
                chunk = &chunk[1..];
            }
        }
    }
    Ok(if failed { (&[], false) } else { (s, true) })
}

/// Go's `getEsc`: one possibly escaped character of a class, which must be followed by more
/// of the class.
fn get_esc(chunk: &[u8]) -> Result<(u32, &[u8]), BadPattern> {
    let chunk = match chunk.split_first() {
        None | Some((b'-' | b']', _)) => return Err(BadPattern),
        Some((b'\\', [])) => return Err(BadPattern),
        Some((b'\\', rest)) => rest,
        Some(_) => chunk,
    };
    let (r, n) = decode_rune(chunk);
    let rest = &chunk[n..];
    if (r == REPLACEMENT && n == 1) || rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((r, rest))
}

const REPLACEMENT: u32 = 0xFFFD;

/// Go's `utf8.DecodeRune`: the first character and its width; `(U+FFFD, 1)` for an invalid
/// byte (which happens here only mid-character, see [`glob_match`]), `(U+FFFD, 0)` for empty
/// input.
fn decode_rune(s: &[u8]) -> (u32, usize) {
    let width = match s.first() {
        None => return (REPLACEMENT, 0),
        Some(&b) if b < 0x80 => return (u32::from(b), 1),
        Some(0xC2..=0xDF) => 2,
        Some(0xE0..=0xEF) => 3,
        Some(0xF0..=0xF4) => 4,
        Some(_) => return (REPLACEMENT, 1),
    };
    match s
        .get(..width)
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|t| t.chars().next())
    {
        Some(c) => (u32::from(c), width),
        None => (REPLACEMENT, 1),
    }
}
