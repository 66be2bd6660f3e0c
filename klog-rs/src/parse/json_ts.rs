//! component-base's `ts` (`float64` milliseconds, e.g. `1795856401249.9998`) read in one
//! pass: its end, its `f64` and its Unix seconds and nanoseconds. This runs for every JSON
//! record; checking the number, `str::parse::<f64>` and the decimal reading were three
//! passes (about 11 % of JSON -> text).

/// `10^k` for `k` up to 22: exact in an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The number `digits[.digits]` at `b[i]` (no sign, no exponent, at most 19 whole digits),
/// followed by a byte that cannot continue a JSON number: where it ends, its value as
/// `str::parse::<f64>` reads it and the time [`super::json::decimal_millis`] reads from it.
/// `None` for any other form (negative, exponent, invalid...), left to the general path.
pub(super) fn read_ts(b: &[u8], i: usize) -> Option<(usize, f64, (i64, u32))> {
    let mut j = i;
    let mut ms: u64 = 0;
    // Eight digits at a time while there are (a `ts` today has 13 before the dot).
    while j - i <= 11 {
        match b.get(j..j + 8).and_then(super::text::read_eight_digits) {
            Some(eight) => {
                ms = ms * 100_000_000 + eight;
                j += 8;
            }
            None => break,
        }
    }
    while let Some(&d) = b.get(j).filter(|d| d.is_ascii_digit()) {
        if j - i == 19 {
            return None;
        }
        ms = ms * 10 + u64::from(d - b'0');
        j += 1;
    }
    let whole_len = j - i;
    // JSON: at least one digit, and no leading zero.
    if whole_len == 0 || (b[i] == b'0' && whole_len > 1) {
        return None;
    }
    // The digits as one integer while they fit in 19 (`mantissa / 10^scale`).
    let (mut mantissa, mut scale, mut digits) = (ms, 0u32, whole_len);
    let mut sub_ms: u64 = 0;
    if b.get(j) == Some(&b'.') {
        j += 1;
        let frac_start = j;
        let mut unit = 100_000;
        while let Some(&d) = b.get(j).filter(|d| d.is_ascii_digit()) {
            let d = u64::from(d - b'0');
            sub_ms += d * unit;
            unit /= 10;
            if digits < 19 {
                mantissa = mantissa * 10 + d;
                scale += 1;
                digits += 1;
            } else {
                digits += 1;
            }
            j += 1;
        }
        if j == frac_start {
            return None;
        }
    }
    if matches!(
        b.get(j),
        Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
    ) {
        return None;
    }
    let value = if digits <= 19 {
        exact_f64(mantissa, scale)
    } else {
        None
    };
    // More than 19 digits, or the check failed: the standard library's reading.
    let value = match value {
        Some(v) => v,
        None => std::str::from_utf8(&b[i..j]).ok()?.parse::<f64>().ok()?,
    };
    let secs = i64::try_from(ms / 1000).ok()?;
    let nanos = ((ms % 1000) * 1_000_000 + sub_ms) as u32;
    Some((j, value, (secs, nanos)))
}

/// `mantissa / 10^scale` correctly rounded (as `str::parse` gives it), or `None` when this
/// cheap way cannot tell: one division of the two `f64`s, then a check in integers that the
/// result is within half a unit in the last place of the exact quotient.
pub(super) fn exact_f64(mantissa: u64, scale: u32) -> Option<f64> {
    if scale > 19 {
        return None;
    }
    let pow = POW10[scale as usize];
    if mantissa <= 1 << 53 {
        // Clinger's fast path: both exact, one rounding.
        return Some(mantissa as f64 / pow);
    }
    // `mantissa as f64` rounds too: the quotient may be one unit off. c = m * 2^e.
    let c = mantissa as f64 / pow;
    let bits = c.to_bits();
    let (field_e, field_m) = ((bits >> 52) as i32, bits & ((1 << 52) - 1));
    // A power of two has a closer neighbour below: not handled here.
    if field_e == 0 || field_m == 0 {
        return None;
    }
    let (m, e) = (u128::from(field_m | 1 << 52), field_e - 1075);
    if !(-62..0).contains(&e) {
        return None;
    }
    // |mantissa / 10^scale - m 2^e| < 2^e / 2  <=>  |2 mantissa 2^-e - 2 m 10^scale| < 10^scale.
    let ten_k = u128::from(10u64.pow(scale));
    let exact = u128::from(mantissa) << (1 - e);
    let near = 2 * m * ten_k;
    (exact.abs_diff(near) < ten_k).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::{exact_f64, read_ts};

    fn read(s: &str) -> Option<(usize, f64, (i64, u32))> {
        read_ts(s.as_bytes(), 0)
    }

    #[test]
    fn reads_component_base_ts() {
        let (end, v, t) = read("1904385747983.1528,").unwrap();
        assert_eq!(end, 18);
        assert_eq!(v, "1904385747983.1528".parse::<f64>().unwrap());
        assert_eq!(t, (1_904_385_747, 983_152_800));
        assert_eq!(read("0}").unwrap(), (1, 0.0, (0, 0)));
        assert_eq!(read("12.5").unwrap(), (4, 12.5, (0, 12_500_000)));
        // Digits beyond the nanosecond are dropped; beyond 19 digits `str::parse` decides.
        let (_, v, t) = read("1795856401249.99987654321").unwrap();
        assert_eq!(v, "1795856401249.99987654321".parse::<f64>().unwrap());
        assert_eq!(t, (1_795_856_401, 249_999_876));
        assert_eq!(
            read("9999999999999999999").unwrap().2,
            (9_999_999_999_999_999, 999_000_000)
        );
    }

    #[test]
    fn leaves_other_forms_to_the_general_path() {
        for s in [
            "",
            "-1",
            "01",
            "00.5",
            "1.",
            "1.e3",
            "1e3",
            "1.5E3",
            "1.5-",
            "1+",
            "1..2",
            ".5",
            "12345678901234567890",
            "x",
        ] {
            assert_eq!(read(s), None, "{s:?}");
        }
    }

    #[test]
    fn exact_f64_is_str_parse_or_none() {
        for (m, k) in [
            (19_043_857_479_831_528, 4),
            (9_007_199_254_740_993, 0),
            (9_007_199_254_740_993, 3),
            (u64::MAX, 19),
            (u64::MAX, 0),
            (1, 20),
        ] {
            let text = format!("{m}e-{k}");
            if let Some(v) = exact_f64(m, k) {
                assert_eq!(v, text.parse::<f64>().unwrap(), "{text}");
            }
        }
    }

    #[test]
    fn eight_digits_reads_only_digits() {
        assert_eq!(
            super::super::text::read_eight_digits(b"12345678"),
            Some(12_345_678)
        );
        assert_eq!(super::super::text::read_eight_digits(b"00000000"), Some(0));
        assert_eq!(
            super::super::text::read_eight_digits(b"99999999"),
            Some(99_999_999)
        );
        for at in 0..8 {
            for bad in [b'/', b':', b'.', b' ', b'a', 0x80, 0xb0, 0xf9, b'\0', b'j'] {
                let mut digits = *b"12345678";
                digits[at] = bad;
                assert_eq!(
                    super::super::text::read_eight_digits(&digits),
                    None,
                    "{digits:?}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn eight_digits_agrees_with_str_parse(bytes in proptest::array::uniform8(proptest::num::u8::ANY)) {
            let expected = bytes.iter().all(u8::is_ascii_digit).then(|| {
                std::str::from_utf8(&bytes).unwrap().parse::<u64>().unwrap()
            });
            proptest::prop_assert_eq!(super::super::text::read_eight_digits(&bytes), expected);
        }

        #[test]
        fn agrees_with_str_parse(m in 0u64.., k in 0u32..21) {
            let text = format!("{m}e-{k}");
            if let Some(v) = exact_f64(m, k) {
                proptest::prop_assert_eq!(v.to_bits(), text.parse::<f64>().unwrap().to_bits());
            }
        }

        #[test]
        fn ts_like_values_agree_with_str_parse(whole in 0u64..10_000_000_000_000, frac in "[0-9]{1,12}", tail in "[,} ]") {
            let text = format!("{whole}.{frac}");
            let (end, v, t) = read_ts(format!("{text}{tail}").as_bytes(), 0).unwrap();
            proptest::prop_assert_eq!(end, text.len());
            proptest::prop_assert_eq!(v.to_bits(), text.parse::<f64>().unwrap().to_bits());
            proptest::prop_assert_eq!(Some(t), super::super::json::decimal_millis(&text));
        }

        #[test]
        fn any_prefix_reads_as_the_general_path_would(s in "[0-9.eE+-]{0,24}[,}]?") {
            let b = s.as_bytes();
            if let Some((end, v, t)) = read_ts(b, 0) {
                let mut general_end = 0;
                proptest::prop_assert!(super::super::json::skip_number(b, &mut general_end));
                proptest::prop_assert_eq!(end, general_end);
                let text = &s[..end];
                proptest::prop_assert_eq!(v.to_bits(), text.parse::<f64>().unwrap().to_bits());
                proptest::prop_assert_eq!(Some(t), super::super::json::decimal_millis(text));
            }
        }
    }
}
