//! Byte scans 16 bytes at a time: one bit per byte of a 16-byte block that is of a class
//! (SSE2 compares and one `pmovmskb` on x86-64, where SSE2 is part of the baseline; byte by
//! byte elsewhere). The string escapers and the log readers skip plain runs with them.

/// The first byte at or after `from` that `mask` flags, looking at whole 16-byte blocks:
/// `Ok(its index)`, or `Err(where the bytes too few for a block begin)`.
#[inline(always)]
pub(crate) fn first_in_blocks(
    bytes: &[u8],
    mut from: usize,
    mask: impl Fn(&[u8; 16]) -> u32,
) -> Result<usize, usize> {
    while let Some(block) = bytes
        .get(from..from + 16)
        .and_then(|b| <&[u8; 16]>::try_from(b).ok())
    {
        let flags = mask(block);
        if flags != 0 {
            return Ok(from + flags.trailing_zeros() as usize);
        }
        from += 16;
    }
    Err(from)
}

/// Whether `mask` flags no byte of `bytes` from `from` on: whole 16-byte blocks, then the
/// last 16 bytes of `bytes` (overlapping the block before). `bytes` has at least 16.
#[inline(always)]
pub(crate) fn none_flagged_from(
    bytes: &[u8],
    from: usize,
    mask: impl Fn(&[u8; 16]) -> u32,
) -> bool {
    match first_in_blocks(bytes, from, &mask) {
        Ok(_) => false,
        Err(at) => at == bytes.len() || mask(&block_at(bytes, bytes.len() - 16)) == 0,
    }
}

/// The 16 bytes of `bytes` from `at` (which has at least 16 after it).
#[inline(always)]
pub(crate) fn block_at(bytes: &[u8], at: usize) -> [u8; 16] {
    let mut block = [0u8; 16];
    block.copy_from_slice(&bytes[at..at + 16]);
    block
}

/// `bytes` as a `str` if it is UTF-8: `std::str::from_utf8` after a check that finds most
/// log lines to be ASCII 64 bytes at a time (the standard library's validation takes
/// 16 bytes per step; on a converter's input it was 5 % of the time).
#[inline]
#[allow(unsafe_code)]
pub(crate) fn utf8(bytes: &[u8]) -> Option<&str> {
    if is_ascii(bytes) {
        // SAFETY: every ASCII byte sequence is valid UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).ok()
}

/// Whether every byte of `bytes` is below 0x80: the high bits of 64 bytes ORed together per
/// step, the last block overlapping the one before it.
#[inline]
fn is_ascii(bytes: &[u8]) -> bool {
    if bytes.len() < 16 {
        return bytes.is_ascii();
    }
    let high = |at: usize| high_bits16(&block_at(bytes, at));
    let mut at = 0;
    while at + 64 <= bytes.len() {
        if high(at) | high(at + 16) | high(at + 32) | high(at + 48) != 0 {
            return false;
        }
        at += 64;
    }
    none_flagged_from(bytes, at, high_bits16)
}

/// The first `needle` in `hay`, for a needle usually a few dozen bytes away (a header's `]`,
/// the `=` after a key): 16-byte blocks, then `memchr` for what is left after 64 bytes (its
/// set-up costs more than the search on short distances).
#[inline]
pub(crate) fn find_byte_near(needle: u8, hay: &[u8]) -> Option<usize> {
    let near = &hay[..hay.len().min(64)];
    match first_in_blocks(near, 0, |block| eq_mask16(block, needle)) {
        Ok(at) => Some(at),
        Err(at) if at < 64 => hay[at..].iter().position(|&b| b == needle).map(|i| at + i),
        Err(at) => memchr::memchr(needle, &hay[at..]).map(|i| at + i),
    }
}

/// One bit per byte of the 16 in `block` (bit `i` for `block[i]`) that is `"`, `\\` or below
/// 0x20 (what zap escapes in a UTF-8 string): three compares and one `pmovmskb`. The
/// compiler does not find this form in a byte loop.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn zap_special_mask16(block: &[u8; 16]) -> u32 {
    let v = sse2::load(block);
    sse2::bits(sse2::or(quote_or_backslash(v), sse2::at_most(v, 0x1f)))
}

/// One bit per byte of the 16 in `block` that needs Go quoting: below 0x20, 0x7F and up, `"`
/// and `\\`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn quote_mask16(block: &[u8; 16]) -> u32 {
    let v = sse2::load(block);
    // Signed, bytes from 0x80 up are negative: printable ASCII is above 0x1F and not 0x7F.
    let printable = sse2::bits(sse2::signed_above(v, 0x1f));
    let special = sse2::bits(sse2::or(quote_or_backslash(v), sse2::eq(v, 0x7f)));
    (special | !printable) & 0xffff
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn quote_or_backslash(v: std::arch::x86_64::__m128i) -> std::arch::x86_64::__m128i {
    sse2::or(sse2::eq(v, b'"'), sse2::eq(v, b'\\'))
}

/// One bit per byte of the 16 in `block` that equals `needle`.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn eq_mask16(block: &[u8; 16], needle: u8) -> u32 {
    sse2::bits(sse2::eq(sse2::load(block), needle))
}

/// One bit per byte of the 16 in `block` that is 0x80 or above (`pmovmskb` alone).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn high_bits16(block: &[u8; 16]) -> u32 {
    sse2::bits(sse2::load(block))
}

/// The SSE2 operations the masks are made of. `std::arch` calls need `unsafe` outside
/// `#[target_feature]` functions even where the feature is always on, so they are kept here.
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8,
        _mm_or_si128, _mm_set1_epi8,
    };

    // SAFETY (every `unsafe` below): SSE2 is part of x86-64's baseline, so every x86-64
    // CPU has these instructions; the one load reads exactly the 16 bytes of `block`.

    #[inline(always)]
    pub(super) fn load(block: &[u8; 16]) -> __m128i {
        unsafe { _mm_loadu_si128(block.as_ptr().cast()) }
    }

    /// 0xFF in each byte of `v` equal to `byte`.
    #[inline(always)]
    pub(super) fn eq(v: __m128i, byte: u8) -> __m128i {
        unsafe { _mm_cmpeq_epi8(v, _mm_set1_epi8(byte as i8)) }
    }

    /// 0xFF in each byte of `v` at most `max` (unsigned: the byte is its own minimum).
    #[inline(always)]
    pub(super) fn at_most(v: __m128i, max: u8) -> __m128i {
        unsafe { _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(max as i8)), v) }
    }

    /// 0xFF in each byte of `v` above `min`, both read as signed.
    #[inline(always)]
    pub(super) fn signed_above(v: __m128i, min: i8) -> __m128i {
        unsafe { _mm_cmpgt_epi8(v, _mm_set1_epi8(min)) }
    }

    #[inline(always)]
    pub(super) fn or(a: __m128i, b: __m128i) -> __m128i {
        unsafe { _mm_or_si128(a, b) }
    }

    /// The high bit of each byte, bit `i` for byte `i`.
    #[inline(always)]
    pub(super) fn bits(v: __m128i) -> u32 {
        unsafe { _mm_movemask_epi8(v) as u32 }
    }
}

#[cfg(not(target_arch = "x86_64"))]
pub(crate) use portable::{eq_mask16, high_bits16, quote_mask16, zap_special_mask16};

/// The masks byte by byte: the form for targets other than x86-64, and the tests' reference
/// for the SSE2 form.
#[cfg(any(test, not(target_arch = "x86_64")))]
mod portable {
    use crate::go::escape::QUOTE_CLASS;

    #[inline(always)]
    pub(crate) fn high_bits16(block: &[u8; 16]) -> u32 {
        let mut mask = 0u32;
        for (i, &b) in block.iter().enumerate() {
            mask |= u32::from(b >> 7) << i;
        }
        mask
    }

    #[inline(always)]
    pub(crate) fn eq_mask16(block: &[u8; 16], needle: u8) -> u32 {
        let mut mask = 0u32;
        for (i, &b) in block.iter().enumerate() {
            mask |= u32::from(b == needle) << i;
        }
        mask
    }

    #[inline(always)]
    pub(crate) fn quote_mask16(block: &[u8; 16]) -> u32 {
        let mut mask = 0u32;
        for (i, &b) in block.iter().enumerate() {
            mask |= u32::from(QUOTE_CLASS[b as usize] != 0) << i;
        }
        mask
    }

    #[inline(always)]
    pub(crate) fn zap_special_mask16(block: &[u8; 16]) -> u32 {
        let mut mask = 0u32;
        for (i, &b) in block.iter().enumerate() {
            mask |= u32::from((b < 0x20) | (b == b'"') | (b == b'\\')) << i;
        }
        mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::escape::QUOTE_CLASS;

    #[test]
    fn sixteen_byte_masks_flag_exactly_the_special_bytes() {
        for b in 0..=255u8 {
            let zap = b < 0x20 || b == b'"' || b == b'\\';
            let go = QUOTE_CLASS[b as usize] != 0;
            for at in 0..16 {
                let mut block = [b'a'; 16];
                block[at] = b;
                assert_eq!(
                    zap_special_mask16(&block),
                    u32::from(zap) << at,
                    "{b:#x} at {at}"
                );
                assert_eq!(quote_mask16(&block), u32::from(go) << at, "{b:#x} at {at}");
                assert_eq!(portable::zap_special_mask16(&block), u32::from(zap) << at);
                assert_eq!(portable::quote_mask16(&block), u32::from(go) << at);
            }
        }
    }

    #[test]
    fn equality_masks_and_the_near_search_find_the_needle() {
        for at in 0..16 {
            let mut block = [b'a'; 16];
            block[at] = b']';
            assert_eq!(eq_mask16(&block, b']'), 1 << at);
            assert_eq!(portable::eq_mask16(&block, b']'), 1 << at);
        }
        for len in 0..150 {
            for at in 0..len {
                let mut hay = vec![b'x'; len];
                hay[at] = b']';
                if at + 1 < len {
                    hay[len - 1] = b']';
                }
                assert_eq!(find_byte_near(b']', &hay), Some(at), "{len} {at}");
            }
            assert_eq!(find_byte_near(b']', &vec![b'x'; len]), None);
        }
    }

    #[test]
    fn utf8_agrees_with_the_standard_library() {
        for b in 0..=255u8 {
            for at in 0..16 {
                let mut block = [b'a'; 16];
                block[at] = b;
                assert_eq!(high_bits16(&block), u32::from(b >= 0x80) << at);
                assert_eq!(portable::high_bits16(&block), u32::from(b >= 0x80) << at);
            }
        }
        let pieces: [&[u8]; 6] = [
            b"plain ascii text ",
            "é".as_bytes(),
            b"\xff",
            b"\xe2\x82",
            "€".as_bytes(),
            b"\n",
        ];
        // Every combination of up to 4 pieces, each padded to move it through the blocks.
        for pad in [0usize, 7, 15, 16, 47, 63, 64, 100] {
            for combo in 0..6usize.pow(4) {
                let mut bytes = vec![b'x'; pad];
                let mut c = combo;
                for _ in 0..4 {
                    bytes.extend_from_slice(pieces[c % 6]);
                    c /= 6;
                }
                assert_eq!(utf8(&bytes), std::str::from_utf8(&bytes).ok(), "{bytes:?}");
                assert_eq!(is_ascii(&bytes), bytes.is_ascii());
            }
        }
    }
}
