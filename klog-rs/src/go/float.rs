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
/// arithmetic for the years 1987–3084 (the binades 2^39–2^45), [`write_f64_plain`]
/// elsewhere.
#[inline]
pub(crate) fn write_epoch_millis(out: &mut Vec<u8>, x: f64) {
    if !try_write_epoch_millis(out, x) {
        write_f64_plain(out, x);
    }
}

/// The shortest digits of x in [2^39, 2^45) without ryu. There x = m·2^-s exactly (s
/// from 8 to 13), and a decimal with k fraction digits parses back to x iff it lies
/// within half an ulp (2^-s / 2) of it (a tie rounds to the even m). Let K be the first
/// k whose spacing 10^-k is below the ulp (3 for s up to 9, else 4):
/// - with K − 1 digits at most one decimal is within reach (the spacing exceeds the
///   ulp), so the nearest one, c, is tried; a valid shorter decimal would be a valid
///   (K − 1)-digit one as well, so if c is valid its trailing zeros stripped give the
///   shortest, and if it is not, no shorter one exists;
/// - with K digits the nearest decimal always is valid, and it is Go's choice (the
///   shortest digits nearest to x; of two as near, the even one, which is common: a
///   timestamp of whole microseconds made from nanoseconds rounded to a double lands
///   exactly between two K-digit decimals about once in twenty). It ends in a zero
///   only if a valid (K − 1)-digit decimal existed.
///
/// A binade's lower edge (where the interval is lopsided) is left to ryu.
fn try_write_epoch_millis(out: &mut Vec<u8>, x: f64) -> bool {
    const HIDDEN: u64 = 1 << 52;
    let bits = x.to_bits();
    // A negative x has the sign bit set and falls out of the range too.
    let exponent = (bits >> 52) as i64 - 1023;
    if !(39..=44).contains(&exponent) {
        return false;
    }
    let m = (bits & (HIDDEN - 1)) | HIDDEN;
    if m == HIDDEN {
        return false;
    }
    let s = (52 - exponent) as u32;
    let k = if s >= 10 { 3 } else { 2 };
    let (c, diff) = nearest_decimal(m, s, k);
    let pow10 = POW10[k as usize];
    if 2 * diff < pow10 || (2 * diff == pow10 && m % 2 == 0) {
        write_fixed(out, c, k);
        return true;
    }
    let (mut c, diff) = nearest_decimal(m, s, k + 1);
    if diff == 1 << (s - 1) {
        // x lies exactly between two K-digit decimals: Go (and ryu) round half to even.
        c &= !1;
    }
    write_fixed(out, c, k + 1);
    true
}

/// 10^k for the fraction digit counts the fast path uses.
const POW10: [u64; 5] = [1, 10, 100, 1_000, 10_000];

/// The k-fraction-digit decimal nearest to m·2^-s, as c (the decimal is c / 10^k), and
/// its distance from m·2^-s in units of 2^-s / 10^k. m·10^k may not fit 64 bits, so m
/// is split at 2^s: the integer part of m·10^k / 2^s is (m >> s)·10^k plus the high
/// part of (m mod 2^s)·10^k, and the remainder is that product's low s bits.
#[inline]
fn nearest_decimal(m: u64, s: u32, k: u32) -> (u64, u64) {
    let pow10 = POW10[k as usize];
    let mask = (1u64 << s) - 1;
    let low_scaled = (m & mask) * pow10;
    let floor = (m >> s) * pow10 + (low_scaled >> s);
    let r = low_scaled & mask;
    if r > mask / 2 {
        (floor + 1, mask + 1 - r)
    } else {
        (floor, r)
    }
}

/// Writes `c / 10^k` with at most `k` (≤ 4) fraction digits: trailing zeros (and a
/// point left without digits) are not written. The fast path's `c` has 14 to 18 digits
/// (x in [2^39, 2^45) times 10^k for k from 2 to 4).
#[inline]
fn write_fixed(out: &mut Vec<u8>, c: u64, k: u32) {
    debug_assert!((10_000_000_000_000..1_000_000_000_000_000_000).contains(&c) && k <= 4);
    // All 18 digit places, zero-padded, in one buffer with room for the point.
    let mut buf = [b'0'; 21];
    let high = c / 100_000_000; // below 10^10
    let top = (high / 100_000_000) as u8; // below 100
    buf[0] = b'0' + top / 10;
    buf[1] = b'0' + top % 10;
    buf[2..10].copy_from_slice(&eight_digits((high % 100_000_000) as u32));
    buf[10..18].copy_from_slice(&eight_digits((c % 100_000_000) as u32));
    // At least 14 digits: at most the first 4 places are zeros, counted from `c` (reading
    // them back from `buf` as a word stalled: its bytes were just stored in pieces).
    let start = usize::from(c < 100_000_000_000_000_000)
        + usize::from(c < 10_000_000_000_000_000)
        + usize::from(c < 1_000_000_000_000_000)
        + usize::from(c < 100_000_000_000_000);
    let point = 18 - k as usize;
    let mut end = 18;
    while end > point && buf[end - 1] == b'0' {
        end -= 1;
    }
    if end > point {
        // The (up to 4) fraction digits move one place for the point, as one word.
        let fraction = [buf[point], buf[point + 1], buf[point + 2], buf[point + 3]];
        buf[point + 1..point + 5].copy_from_slice(&fraction);
        buf[point] = b'.';
        end += 1;
    }
    out.extend_from_slice(&buf[start..end]);
}

/// The 8 decimal digits of `n` (below 10^8, zero-padded) in a few multiplications on
/// one 64-bit word: split into two 4-digit halves (32-bit lanes), each into two 2-digit
/// ones (16-bit lanes), each into two digits (bytes). `x·10486 >> 20` is `x / 100` for
/// x < 10^4 and `x·103 >> 10` is `x / 10` for x < 100; no lane's product reaches the
/// next lane.
#[inline]
pub(crate) fn eight_digits(n: u32) -> [u8; 8] {
    let n = u64::from(n);
    let mut x = (n / 10_000) | ((n % 10_000) << 32);
    let hundreds = ((x * 10_486) >> 20) & 0x0000_007F_0000_007F;
    x = hundreds | ((x - hundreds * 100) << 16);
    let tens = ((x * 103) >> 10) & 0x000F_000F_000F_000F;
    x = tens | ((x - tens * 10) << 8);
    (x + 0x3030_3030_3030_3030).to_le_bytes()
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
        // Halfway between two integers, one ulp above 2^40, and exactly between two
        // 4-digit decimals (656 µs in 2027: the even one, as Go and ryu write it).
        for (x, want) in [
            (1_099_511_627_776.5, "1099511627776.5"),
            (f64::from_bits(0x4270_0000_0000_0001), "1099511627776.0002"),
            (1_800_001_547_348.0 + 0.656_25, "1800001547348.6562"),
            (1_800_001_547_348.0 + 0.343_75, "1800001547348.3438"),
        ] {
            out.clear();
            write_f64_plain(&mut out, x);
            assert_eq!(String::from_utf8_lossy(&out), want, "ryu");
            out.clear();
            assert!(try_write_epoch_millis(&mut out, x));
            assert_eq!(String::from_utf8_lossy(&out), want);
        }
    }

    #[test]
    fn eight_digits_match_itoa() {
        for n in (0..100_000_000u32)
            .step_by(9_973)
            .chain([0, 9, 10, 99_999_999, 12_345_678])
        {
            assert_eq!(eight_digits(n), *format!("{n:08}").as_bytes(), "{n}");
        }
    }

    #[test]
    fn epoch_millis_take_the_fast_path_from_1987_to_3084() {
        // Whole-microsecond timestamps through a day in each binade, exact ties between
        // two decimals included: ryu only at a binade's lower edge, which these are not.
        let days = [
            550_000_000_000_000i64, // 1987
            1_800_000_000_000_000,  // 2027
            2_500_000_000_000_000,  // 2049
            5_000_000_000_000_000,  // 2128
            9_000_000_000_000_000,  // 2255
            12_962_575_304_476_525, // 2380
            17_500_000_000_000_000, // 2524
            24_170_000_000_000_000, // 2736
            35_100_000_000_000_000, // 3082
        ];
        let mut fallbacks = 0;
        let mut out = Vec::new();
        for day in days {
            for micros in (day..day + 86_400_000_000).step_by(997_003) {
                let x = (i128::from(micros) * 1_000) as f64 / 1e6;
                out.clear();
                if !try_write_epoch_millis(&mut out, x) {
                    fallbacks += 1;
                }
            }
        }
        assert_eq!(fallbacks, 0);
        assert!(!try_write_epoch_millis(&mut out, 1_099_511_627_776.0)); // 2^40, an edge
        assert!(!try_write_epoch_millis(&mut out, 35_184_372_088_832.0)); // 2^45, out
        assert!(!try_write_epoch_millis(&mut out, -1_700_000_000_000.0));
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
        fn epoch_millis_digits_match_ryu(
            nanos in 550_000_000_000_000_000i64..i64::MAX,
            wide in 9_000_000_000_000_000_000i128..35_180_000_000_000_000_000_000,
            micros in 550_000_000_000_000i64..35_180_000_000_000_000,
            bits in 0x4260_0000_0000_0000u64..0x42C0_0000_0000_0000,
        ) {
            // Timestamps as the JSON encoder computes them (nanoseconds in an i64 until
            // 2262, in an i128 after), whole microseconds (klog text headers), and every
            // double of the binades 2^39–2^45 (the years 1987–3084).
            let (nanos, wide) = (nanos as f64, wide as f64);
            let micros = (i128::from(micros) * 1_000) as f64;
            for x in [nanos / 1e6, wide / 1e6, micros / 1e6, f64::from_bits(bits)] {
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
