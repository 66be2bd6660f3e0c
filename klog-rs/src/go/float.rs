//! Float spellings of Go: `encoding/json` (shortest digits, exponent outside
//! [1e-6, 1e21)) and zap / `strconv.FormatFloat(x, 'f', -1, bits)` (never an exponent).
//!
//! Hot path: no allocation, no locks, no fmt machinery. Short decimals such as `12.5`
//! take an exact integer fast path; everything else gets its shortest round-trip digits
//! from `ryu`, which are then laid out the Go way.

/// Shortest round-trip decimal digits of a finite non-zero float: the value is
/// `0.d1d2…dn × 10^point`, as in Go's `strconv` `decimal` type.
struct Digits {
    negative: bool,
    digits: [u8; 24],
    len: usize,
    point: i32,
}

impl Digits {
    fn from_ryu(text: &str) -> Digits {
        let bytes = text.as_bytes();
        let mut d = Digits {
            negative: false,
            digits: [0; 24],
            len: 0,
            point: 0,
        };
        let mut i = 0;
        if bytes.first() == Some(&b'-') {
            d.negative = true;
            i = 1;
        }
        let mut seen_point = false;
        let mut int_digits = 0i32;
        let mut leading_zeros_after_point = 0i32;
        while i < bytes.len() {
            match bytes[i] {
                b'.' => seen_point = true,
                b'e' | b'E' => break,
                c @ b'0'..=b'9' => {
                    if d.len == 0 && c == b'0' {
                        // A leading zero: "0.0001" contributes to the point, not the digits.
                        if seen_point {
                            leading_zeros_after_point += 1;
                        }
                    } else {
                        if d.len < d.digits.len() {
                            d.digits[d.len] = c;
                            d.len += 1;
                        }
                        if !seen_point {
                            int_digits += 1;
                        }
                    }
                }
                _ => {}
            }
            i += 1;
        }
        let mut exp = 0i32;
        if i < bytes.len() {
            let (neg, start) = match bytes.get(i + 1) {
                Some(b'-') => (true, i + 2),
                Some(b'+') => (false, i + 2),
                _ => (false, i + 1),
            };
            for &c in &bytes[start..] {
                exp = exp * 10 + i32::from(c - b'0');
            }
            if neg {
                exp = -exp;
            }
        }
        while d.len > 0 && d.digits[d.len - 1] == b'0' {
            d.len -= 1;
        }
        d.point = if int_digits > 0 {
            int_digits + exp
        } else {
            exp - leading_zeros_after_point
        };
        d
    }

    /// Plain form (`'f'` with shortest digits).
    fn write_plain(&self, out: &mut Vec<u8>) {
        if self.negative {
            out.push(b'-');
        }
        let digits = &self.digits[..self.len];
        if self.point <= 0 {
            out.extend_from_slice(b"0.");
            out.resize(out.len() + (-self.point) as usize, b'0');
            out.extend_from_slice(digits);
        } else if self.point as usize >= digits.len() {
            out.extend_from_slice(digits);
            out.resize(out.len() + self.point as usize - digits.len(), b'0');
        } else {
            let (int, frac) = digits.split_at(self.point as usize);
            out.extend_from_slice(int);
            out.push(b'.');
            out.extend_from_slice(frac);
        }
    }

    /// encoding/json's exponent form: `d[.ddd]e±X` without exponent leading zeros.
    fn write_exponent(&self, out: &mut Vec<u8>) {
        if self.negative {
            out.push(b'-');
        }
        out.push(self.digits[0]);
        if self.len > 1 {
            out.push(b'.');
            out.extend_from_slice(&self.digits[1..self.len]);
        }
        let exp = self.point - 1;
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        out.extend_from_slice(itoa::Buffer::new().format(exp.unsigned_abs()).as_bytes());
    }
}

/// A NaN or an infinity, which `encoding/json` cannot encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NonFinite(pub(crate) &'static str);

impl NonFinite {
    fn of(x: f64) -> NonFinite {
        NonFinite(if x.is_nan() {
            "NaN"
        } else if x > 0.0 {
            "+Inf"
        } else {
            "-Inf"
        })
    }
}

/// The exact fast path for short decimals: the first k ≤ 4 for which `x·10^k` is an
/// integer m (in floating point) with `m / 10^k == x` exactly, then trailing zeros of m
/// removed (the product can round, so a smaller k may have been missed).
///
/// Below 4e11 the spacing of doubles is under 10^-4, so at most one decimal with ≤ 4
/// fractional digits rounds to x: the one found is the one Go's shortest formatting
/// picks, laid out without an exponent (the property test checks this against ryu).
// Always: at `#[inline]` LLVM kept it out of `write_f64_json` after unrelated changes
// elsewhere in the crate (+18 instructions per text log event).
#[inline(always)]
fn try_write_short_decimal(out: &mut Vec<u8>, x: f64) -> bool {
    const POW10: [f64; 5] = [1.0, 10.0, 100.0, 1000.0, 10000.0];
    let abs = x.abs();
    if !(1e-4..4e11).contains(&abs) {
        return false;
    }
    for (mut k, &p) in POW10.iter().enumerate() {
        let product = abs * p;
        // Below 2^53 the round trip through i64 is exact iff the product is an integer
        // (and cheaper than `trunc`, which is a library call).
        if product >= 9_007_199_254_740_992.0
            || (product as i64) as f64 != product
            || product / p != abs
        {
            continue;
        }
        let mut m = product as u64;
        while k > 0 && m % 10 == 0 {
            m /= 10;
            k -= 1;
        }
        if x < 0.0 {
            out.push(b'-');
        }
        let mut buf = itoa::Buffer::new();
        let digits = buf.format(m).as_bytes();
        if k == 0 {
            out.extend_from_slice(digits);
        } else if digits.len() > k {
            let (int, frac) = digits.split_at(digits.len() - k);
            out.extend_from_slice(int);
            out.push(b'.');
            out.extend_from_slice(frac);
        } else {
            out.extend_from_slice(b"0.");
            out.resize(out.len() + k - digits.len(), b'0');
            out.extend_from_slice(digits);
        }
        return true;
    }
    false
}

fn write_zero(out: &mut Vec<u8>, negative: bool) {
    out.extend_from_slice(if negative { b"-0" } else { b"0" });
}

/// Go `encoding/json` spelling of a float64 (JF).
#[inline]
pub(crate) fn write_f64_json(out: &mut Vec<u8>, x: f64) -> Result<(), NonFinite> {
    if !x.is_finite() {
        return Err(NonFinite::of(x));
    }
    if x == 0.0 {
        write_zero(out, x.is_sign_negative());
        return Ok(());
    }
    if try_write_short_decimal(out, x) {
        return Ok(());
    }
    let abs = x.abs();
    let digits = Digits::from_ryu(ryu::Buffer::new().format_finite(x));
    if !(1e-6..1e21).contains(&abs) {
        digits.write_exponent(out);
    } else {
        digits.write_plain(out);
    }
    Ok(())
}

/// Go `encoding/json` spelling of a float32 (JF with 32-bit shortest digits; the exponent
/// thresholds are compared in 32-bit precision).
pub(crate) fn write_f32_json(out: &mut Vec<u8>, x: f32) -> Result<(), NonFinite> {
    if !x.is_finite() {
        return Err(NonFinite::of(f64::from(x)));
    }
    if x == 0.0 {
        write_zero(out, x.is_sign_negative());
        return Ok(());
    }
    let abs = x.abs();
    let digits = Digits::from_ryu(ryu::Buffer::new().format_finite(x));
    if !(1e-6f32..1e21f32).contains(&abs) {
        digits.write_exponent(out);
    } else {
        digits.write_plain(out);
    }
    Ok(())
}

/// zap's spelling of a float64 (ZF): shortest digits, never an exponent; NaN and the
/// infinities as the JSON strings `"NaN"`, `"+Inf"`, `"-Inf"`.
pub(crate) fn write_f64_plain(out: &mut Vec<u8>, x: f64) {
    if !x.is_finite() {
        out.push(b'"');
        out.extend_from_slice(NonFinite::of(x).0.as_bytes());
        out.push(b'"');
    } else if x == 0.0 {
        write_zero(out, x.is_sign_negative());
    } else if !try_write_short_decimal(out, x) {
        write_ryu_plain(out, ryu::Buffer::new().format_finite(x));
    }
}

/// ryu's text laid out without an exponent. Between 1e-5 and 1e16 ryu already writes the
/// plain form, only with a `.0` on integers that Go leaves out; that common case (epoch
/// milliseconds, for one) is copied without taking the digits apart.
#[inline]
fn write_ryu_plain(out: &mut Vec<u8>, text: &str) {
    if text.as_bytes().contains(&b'e') {
        Digits::from_ryu(text).write_plain(out);
    } else {
        out.extend_from_slice(text.strip_suffix(".0").unwrap_or(text).as_bytes());
    }
}

/// ZF of an epoch-milliseconds value (the JSON format's `ts`): exact integer
/// arithmetic for the binade of the years 2004–2039, [`write_f64_plain`] elsewhere.
#[inline]
pub(crate) fn write_epoch_millis(out: &mut Vec<u8>, x: f64) {
    if !try_write_epoch_millis(out, x) {
        write_f64_plain(out, x);
    }
}

/// The shortest digits of x in [2^40, 2^41) without ryu. There x = m·2^-12 exactly and
/// a decimal with k fraction digits parses back to x iff it lies within half an ulp
/// (2^-13) of it (a tie rounds to the even m); c is the k-digit decimal nearest to x. Spacings 10^-k for k ≤ 3 exceed the ulp,
/// so at most one such decimal exists, and the first k with one gives the shortest;
/// with k = 4 some always exists, and the nearest is Go's choice. Exact ties and the
/// binade's lower edge (where the interval is lopsided) are left to ryu.
fn try_write_epoch_millis(out: &mut Vec<u8>, x: f64) -> bool {
    const LOW: f64 = 1_099_511_627_776.0; // 2^40
    if !(LOW..2.0 * LOW).contains(&x) {
        return false;
    }
    let bits = x.to_bits();
    let m = (bits & ((1 << 52) - 1)) | (1 << 52);
    if m == 1 << 52 {
        return false;
    }
    // m·10^k overflows 64 bits for k = 4, so it is split at 2^12: the quotient by 2^12
    // is (m >> 12)·10^k plus the high part of (m mod 2^12)·10^k, and the remainder r
    // is that product's low 12 bits.
    let (high, low) = (m >> 12, m & 4095);
    let mut pow10: u64 = 1;
    for k in 0..=4u32 {
        let low_scaled = low * pow10;
        let floor = high * pow10 + (low_scaled >> 12);
        let r = low_scaled & 4095;
        // c is the k-digit decimal nearest to x; diff = |c·2^12 − m·10^k|. In these
        // units half an ulp is 10^k / 2, hence the doubling.
        let (c, diff) = if r >= 2048 {
            (floor + 1, 4096 - r)
        } else {
            (floor, r)
        };
        if k == 4 && diff == 2048 {
            return false; // x lies exactly between two 4-digit decimals, both valid
        }
        if 2 * diff < pow10 || (2 * diff == pow10 && m % 2 == 0) {
            write_fixed(out, c, k);
            return true;
        }
        pow10 *= 10;
    }
    false
}

/// Writes `c / 10^k` with exactly `k` fraction digits (none when `k` is 0).
fn write_fixed(out: &mut Vec<u8>, c: u64, k: u32) {
    let scale = 10u64.pow(k);
    out.extend_from_slice(itoa::Buffer::new().format(c / scale).as_bytes());
    if k > 0 {
        out.push(b'.');
        let mut digits = [b'0'; 4];
        let mut rest = c % scale;
        for d in digits[..k as usize].iter_mut().rev() {
            *d = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        out.extend_from_slice(&digits[..k as usize]);
    }
}

/// zap's spelling of a float32 (ZF with 32-bit shortest digits).
pub(crate) fn write_f32_plain(out: &mut Vec<u8>, x: f32) {
    if !x.is_finite() {
        write_f64_plain(out, f64::from(x));
    } else if x == 0.0 {
        write_zero(out, x.is_sign_negative());
    } else {
        write_ryu_plain(out, ryu::Buffer::new().format_finite(x));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json64(x: f64) -> String {
        let mut out = Vec::new();
        match write_f64_json(&mut out, x) {
            Ok(()) => String::from_utf8(out).unwrap(),
            Err(e) => format!("error {}", e.0),
        }
    }
    fn json32(x: f32) -> String {
        let mut out = Vec::new();
        write_f32_json(&mut out, x).unwrap();
        String::from_utf8(out).unwrap()
    }
    fn plain64(x: f64) -> String {
        let mut out = Vec::new();
        write_f64_plain(&mut out, x);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_floats_use_exponent_outside_1e_minus6_to_1e21() {
        for (x, want) in [
            (0.0, "0"),
            (-0.0, "-0"),
            (12.5, "12.5"),
            (3.0, "3"),
            (-1.5, "-1.5"),
            (0.1, "0.1"),
            (100.0, "100"),
            (1e21, "1e+21"),
            (-1e21, "-1e+21"),
            (999999999999999900000.0, "999999999999999900000"),
            (1e-7, "1e-7"),
            (0.000001, "0.000001"),
            (9.999999999999997e-7, "9.999999999999997e-7"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (123456789.123, "123456789.123"),
            (f64::NAN, "error NaN"),
            (f64::INFINITY, "error +Inf"),
            (f64::NEG_INFINITY, "error -Inf"),
        ] {
            assert_eq!(json64(x), want, "{x:e}");
        }
    }

    #[test]
    fn json_float32_compares_thresholds_in_32_bits() {
        assert_eq!(json32(0.1), "0.1");
        assert_eq!(json32(1e-6), "0.000001");
        assert_eq!(json32(f32::from_bits(1e-6f32.to_bits() - 1)), "9.999999e-7");
        assert_eq!(json32(f32::MAX), "3.4028235e+38");
        assert_eq!(json32(16777216.0), "16777216");
    }

    #[test]
    fn epoch_millis_match_the_corpus() {
        let mut out = Vec::new();
        write_epoch_millis(&mut out, 1_704_164_645_123_456_789i64 as f64 / 1e6);
        assert_eq!(out, b"1704164645123.4568");
        out.clear();
        write_epoch_millis(&mut out, 1_715_933_350_250_000_000i64 as f64 / 1e6);
        assert_eq!(out, b"1715933350249.9998");
        out.clear();
        write_epoch_millis(&mut out, 1_735_689_599_999_999_999i64 as f64 / 1e6);
        assert_eq!(out, b"1735689600000");
        // Halfway between two integers, and one ulp above 2^40.
        for (x, want) in [
            (1_099_511_627_776.5, "1099511627776.5"),
            (f64::from_bits(0x4270_0000_0000_0001), "1099511627776.0002"),
        ] {
            out.clear();
            write_epoch_millis(&mut out, x);
            assert_eq!(String::from_utf8_lossy(&out), want);
            out.clear();
            assert!(try_write_epoch_millis(&mut out, x) || x == 1_099_511_627_776.5);
        }
    }

    #[test]
    fn plain_floats_never_use_an_exponent() {
        assert_eq!(plain64(1e21), "1000000000000000000000");
        assert_eq!(plain64(1.5e-7), "0.00000015");
        assert_eq!(plain64(-0.0), "-0");
        assert_eq!(plain64(f64::NAN), "\"NaN\"");
        assert_eq!(plain64(f64::NEG_INFINITY), "\"-Inf\"");
        assert_eq!(plain64(1704164645123.4568), "1704164645123.4568");
        let mut out = Vec::new();
        write_f32_plain(&mut out, f32::MAX);
        assert_eq!(out, b"340282350000000000000000000000000000000");
    }

    proptest::proptest! {
        #[test]
        fn epoch_millis_digits_match_ryu(nanos in 1_000_000_000_000_000_000i64..2_300_000_000_000_000_000, bits in 0x4270_0000_0000_0000u64..0x4280_0000_0000_0000) {
            // Timestamps as the JSON encoder computes them, and every double in the binade.
            for x in [nanos as f64 / 1e6, f64::from_bits(bits)] {
                let mut fast = Vec::new();
                let mut slow = Vec::new();
                write_f64_plain(&mut slow, x);
                if try_write_epoch_millis(&mut fast, x) {
                    proptest::prop_assert_eq!(&fast, &slow, "{:?}", x);
                }
            }
        }

        #[test]
        fn plain_copy_of_ryu_matches_the_digits_layout(bits in proptest::num::u64::ANY, ms in 0u64..4_102_444_800_000_000) {
            for x in [f64::from_bits(bits), ms as f64 / 1e3, (ms * 1_000 + 123) as f64 / 1e6] {
                if !x.is_finite() || x == 0.0 { continue; }
                let text = ryu::Buffer::new().format_finite(x).to_owned();
                let mut copied = Vec::new();
                write_ryu_plain(&mut copied, &text);
                let mut laid_out = Vec::new();
                Digits::from_ryu(&text).write_plain(&mut laid_out);
                proptest::prop_assert_eq!(copied, laid_out, "{}", text);
            }
        }

        #[test]
        fn fast_path_matches_ryu_digits(bits in proptest::num::u64::ANY, k in 0u32..7, int in -1_000_000_000_000i64..1_000_000_000_000) {
            // Both arbitrary doubles and short decimals (the fast path's domain).
            for x in [f64::from_bits(bits), int as f64 / 10f64.powi(k as i32)] {
                if !x.is_finite() || x == 0.0 { continue; }
                let mut fast = Vec::new();
                if try_write_short_decimal(&mut fast, x) {
                    let mut slow = Vec::new();
                    Digits::from_ryu(ryu::Buffer::new().format_finite(x)).write_plain(&mut slow);
                    proptest::prop_assert_eq!(&fast, &slow, "{:e}", x);
                    proptest::prop_assert_eq!(String::from_utf8(fast).unwrap().parse::<f64>().unwrap(), x);
                }
            }
        }
    }
}
