//! apimachinery's `resource.Quantity`, for the byte sizes of `infoBufferSize` and
//! `--log-*-info-buffer-size`: the same grammar and error messages, held as a byte count.

use std::fmt;
use std::str::FromStr;

use super::ConfigError;

pub(super) const QUANTITY_FORMAT_ERROR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
pub(super) const QUANTITY_SUFFIX_ERROR: &str = "unable to parse quantity's suffix";
pub(super) const QUANTITY_NEGATIVE_ERROR: &str = "must be greater than or equal to 0";

/// A Kubernetes resource quantity used as a byte count, as `infoBufferSize` and
/// `--log-*-info-buffer-size` take it.
///
/// Accepts what apimachinery's `resource.ParseQuantity` accepts: a decimal number (`512`,
/// `1.5`) with an optional binary suffix (`Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`: powers of
/// 1024), decimal suffix (`k`, `M`, `G`, `T`, `P`, `E`, and `m`, `u`, `n` for fractions)
/// or exponent (`1e3`). Fractional byte counts are rounded up, like `Quantity.Value()`.
/// Negative values are rejected. The text is kept as given, for display and
/// serialization; equality compares the byte count only.
///
/// ```
/// use klog::Quantity;
///
/// assert_eq!("64Ki".parse::<Quantity>().unwrap().bytes(), 65_536);
/// assert_eq!("1M".parse::<Quantity>().unwrap().bytes(), 1_000_000);
/// assert_eq!("1.5Ki".parse::<Quantity>().unwrap().to_string(), "1.5Ki");
/// assert!("12x".parse::<Quantity>().is_err());
/// assert!("-1Ki".parse::<Quantity>().is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Quantity {
    pub(super) text: String,
    pub(super) bytes: u64,
}

impl Quantity {
    /// A quantity of `bytes` bytes, written as a plain integer.
    ///
    /// ```
    /// assert_eq!(klog::Quantity::from_bytes(2048).to_string(), "2048");
    /// ```
    #[must_use]
    pub fn from_bytes(bytes: u64) -> Self {
        Quantity {
            text: bytes.to_string(),
            bytes,
        }
    }

    /// The number of bytes.
    ///
    /// ```
    /// assert_eq!("2Mi".parse::<klog::Quantity>().unwrap().bytes(), 2 * 1024 * 1024);
    /// ```
    #[must_use]
    pub const fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The text the quantity was parsed from.
    ///
    /// ```
    /// assert_eq!("1Gi".parse::<klog::Quantity>().unwrap().as_str(), "1Gi");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl Default for Quantity {
    /// `0`, component-base's default.
    fn default() -> Self {
        Quantity::from_bytes(0)
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl Eq for Quantity {}

impl FromStr for Quantity {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, ConfigError> {
        parse_quantity(s)
            .map(|bytes| Quantity {
                text: s.to_owned(),
                bytes,
            })
            .map_err(ConfigError::new)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// apimachinery's `resource.ParseQuantity` followed by `Value()` (rounding up), limited
/// to non-negative values that fit in a `u64`.
pub(super) fn parse_quantity(s: &str) -> Result<u64, String> {
    /// Significant digits that always fit in a u128 (which holds 38 full digits).
    const MAX_DIGITS: usize = 38;
    let too_large = || format!("must be less than or equal to {}", u64::MAX);

    let b = s.as_bytes();
    let mut i = 0;
    let mut negative = false;
    if let Some(&sign @ (b'+' | b'-')) = b.first() {
        negative = sign == b'-';
        i = 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = &s[int_start..i];
    let mut frac_digits = "";
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = &s[frac_start..i];
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return Err(QUANTITY_FORMAT_ERROR.to_owned());
    }
    let suffix_start = i;
    while i < b.len() && b"eEinumkKMGTP".contains(&b[i]) {
        i += 1;
    }
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i != b.len() {
        return Err(QUANTITY_FORMAT_ERROR.to_owned());
    }

    enum Multiplier {
        /// A power of 1024.
        Binary(u32),
        /// A power of 10.
        Decimal(i64),
    }
    let multiplier = match &s[suffix_start..] {
        "Ki" => Multiplier::Binary(1),
        "Mi" => Multiplier::Binary(2),
        "Gi" => Multiplier::Binary(3),
        "Ti" => Multiplier::Binary(4),
        "Pi" => Multiplier::Binary(5),
        "Ei" => Multiplier::Binary(6),
        "n" => Multiplier::Decimal(-9),
        "u" => Multiplier::Decimal(-6),
        "m" => Multiplier::Decimal(-3),
        "" => Multiplier::Decimal(0),
        "k" => Multiplier::Decimal(3),
        "M" => Multiplier::Decimal(6),
        "G" => Multiplier::Decimal(9),
        "T" => Multiplier::Decimal(12),
        "P" => Multiplier::Decimal(15),
        "E" => Multiplier::Decimal(18),
        other => {
            let exponent = other
                .strip_prefix(['e', 'E'])
                .filter(|e| !e.is_empty())
                .and_then(|e| e.parse::<i64>().ok())
                .ok_or_else(|| QUANTITY_SUFFIX_ERROR.to_owned())?;
            Multiplier::Decimal(exponent)
        }
    };

    // The significant digits as an integer `num`, divided by 10^`den_exp`.
    let int_digits = int_digits.trim_start_matches('0');
    let frac_digits = frac_digits.trim_end_matches('0');
    let mut num: u128 = 0;
    let mut significant = 0usize;
    let mut den_exp: u64 = 0;
    // Fraction digits beyond what fits are dropped; they only matter for rounding up.
    let mut inexact = false;
    for (index, c) in int_digits.bytes().chain(frac_digits.bytes()).enumerate() {
        let in_fraction = index >= int_digits.len();
        if num == 0 && c == b'0' {
            if in_fraction {
                den_exp += 1;
            }
            continue;
        }
        if significant == MAX_DIGITS {
            if in_fraction {
                inexact = true;
                break;
            }
            return Err(too_large());
        }
        num = num * 10 + u128::from(c - b'0');
        significant += 1;
        if in_fraction {
            den_exp += 1;
        }
    }
    if num == 0 && !inexact {
        return Ok(0);
    }
    if negative {
        return Err(QUANTITY_NEGATIVE_ERROR.to_owned());
    }
    match multiplier {
        Multiplier::Binary(power) => {
            num = num
                .checked_mul(1u128 << (10 * power))
                .ok_or_else(too_large)?;
        }
        Multiplier::Decimal(exp) if exp >= 0 => {
            let factor = u32::try_from(exp)
                .ok()
                .and_then(|e| 10u128.checked_pow(e))
                .ok_or_else(too_large)?;
            num = num.checked_mul(factor).ok_or_else(too_large)?;
        }
        Multiplier::Decimal(exp) => den_exp = den_exp.saturating_add(exp.unsigned_abs()),
    }
    let value = match u32::try_from(den_exp)
        .ok()
        .and_then(|e| 10u128.checked_pow(e))
    {
        // The divisor is larger than any u128: a positive fraction below 1.
        None => 1,
        Some(den) => num / den + u128::from(num % den != 0 || inexact),
    };
    u64::try_from(value).map_err(|_| too_large())
}

#[cfg(test)]
mod tests;
