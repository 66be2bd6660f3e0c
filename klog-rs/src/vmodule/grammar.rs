//! klog's `-vmodule` grammar: `pattern=N` entries separated by commas (and, in extended
//! mode, exact `pattern==N` entries).

use std::fmt;
use std::str::FromStr;

use super::matcher::Entry;
use super::{VModule, VModuleMode};

/// Why a `-vmodule` value was rejected; `Display` gives klog's exact message.
///
/// ```
/// use klog::{VModule, VModuleMode};
///
/// let err = VModule::parse("kubelet=3,bad", VModuleMode::Klog).unwrap_err();
/// assert_eq!(err.to_string(), "syntax error: expect comma-separated list of filename=N");
/// let err = VModule::parse("kubelet=-1,bad", VModuleMode::Klog).unwrap_err();
/// assert_eq!(err.to_string(), "negative value for vmodule level");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseVModuleError {
    kind: ErrorKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorKind {
    Syntax,
    Negative,
}

impl ParseVModuleError {
    const SYNTAX: Self = Self {
        kind: ErrorKind::Syntax,
    };
    const NEGATIVE: Self = Self {
        kind: ErrorKind::Negative,
    };
}

impl fmt::Display for ParseVModuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // klog's messages, byte for byte, because tooling and tests compare them.
        f.write_str(match self.kind {
            ErrorKind::Syntax => "syntax error: expect comma-separated list of filename=N",
            ErrorKind::Negative => "negative value for vmodule level",
        })
    }
}

impl std::error::Error for ParseVModuleError {}

impl VModule {
    /// Parses a `-vmodule` value by klog's grammar.
    ///
    /// The value is a comma-separated list of `pattern=N` (empty entries ignored, nothing
    /// trimmed); `N` is a decimal `i32` with an optional sign. The first bad entry decides
    /// the error; `N = 0` entries are accepted and dropped. A malformed glob is not an
    /// error, it just never matches. `mode` decides how patterns are matched, see
    /// [`VModuleMode`].
    ///
    /// ```
    /// use klog::{VModule, VModuleMode};
    ///
    /// let vm = VModule::parse(",,kubelet=+3,", VModuleMode::Klog).unwrap();
    /// assert_eq!(vm.verbosity_for("/src/kubelet.rs", ""), Some(3));
    /// assert!(VModule::parse("kubelet= 3", VModuleMode::Klog).is_err());
    /// assert!(VModule::parse("kubelet=3=4", VModuleMode::Klog).is_err());
    /// assert!(VModule::parse(",,,", VModuleMode::Klog).unwrap().is_empty());
    /// ```
    pub fn parse(value: &str, mode: VModuleMode) -> Result<VModule, ParseVModuleError> {
        let mut entries = Vec::new();
        for (pattern, level, exact) in parse_items(value, mode == VModuleMode::Extended)? {
            push_entry(&mut entries, pattern, level, exact, mode)?;
        }
        let has_exact = entries.iter().any(|e| e.exact);
        Ok(VModule {
            text: value.to_owned(),
            mode,
            entries,
            has_exact,
        })
    }

    /// The `(pattern, N)` entries of a `-vmodule` value by klog's grammar, in order, `N = 0`
    /// entries included (the one copy of the grammar: [`VModule::parse`] and the
    /// configuration's `--vmodule` flag both use it).
    ///
    /// ```
    /// let entries = klog::VModule::parse_entries("a=1,,b*=0,").unwrap();
    /// assert_eq!(entries, [("a", 1), ("b*", 0)]);
    /// assert!(klog::VModule::parse_entries("a=-1").is_err());
    /// ```
    ///
    /// # Errors
    /// klog's syntax error for a malformed entry, `negative value for vmodule level` for a
    /// negative `N`; the first bad entry decides.
    pub fn parse_entries(value: &str) -> Result<Vec<(&str, i32)>, ParseVModuleError> {
        Ok(parse_items(value, false)?
            .into_iter()
            .map(|(pattern, level, _)| (pattern, level))
            .collect())
    }

    /// Builds a value from `(pattern, level)` pairs, e.g. component-base's
    /// `vmodule: [{filePattern, verbosity}]` configuration, with the same validation as
    /// [`VModule::parse`]: a pattern must be non-empty and contain no `,` or `=` (it could
    /// not be written as a `-vmodule` value otherwise), a level must be `>= 0`, and level 0
    /// entries are dropped. `Display` then gives the equivalent `pattern=N,…` value.
    ///
    /// ```
    /// use klog::{VModule, VModuleMode};
    ///
    /// let vm = VModule::from_entries([("kubelet", 0), ("kube*", 3)], VModuleMode::Klog).unwrap();
    /// assert_eq!(vm.verbosity_for("pkg/kubelet/kubelet.rs", ""), Some(3));
    /// assert_eq!(vm.to_string(), "kubelet=0,kube*=3");
    /// assert!(VModule::from_entries([("a=b", 1)], VModuleMode::Klog).is_err());
    /// assert!(VModule::from_entries([("a", -1)], VModuleMode::Klog).is_err());
    /// ```
    pub fn from_entries<'a>(
        entries: impl IntoIterator<Item = (&'a str, i32)>,
        mode: VModuleMode,
    ) -> Result<VModule, ParseVModuleError> {
        VModule::from_items(
            entries
                .into_iter()
                .map(|(pattern, level)| (pattern, level, false)),
            mode,
        )
    }

    /// [`from_entries`](Self::from_entries) with exact entries (`true`: `pattern==N`),
    /// which only [`VModuleMode::Extended`] accepts.
    pub(crate) fn from_items<'a>(
        entries: impl IntoIterator<Item = (&'a str, i32, bool)>,
        mode: VModuleMode,
    ) -> Result<VModule, ParseVModuleError> {
        let mut text = String::new();
        let mut parsed = Vec::new();
        for (pattern, level, exact) in entries {
            if pattern.is_empty()
                || pattern.contains([',', '='])
                || (exact && mode != VModuleMode::Extended)
            {
                return Err(ParseVModuleError::SYNTAX);
            }
            push_entry(&mut parsed, pattern, level, exact, mode)?;
            if !text.is_empty() {
                text.push(',');
            }
            text.push_str(pattern);
            text.push_str(if exact { "==" } else { "=" });
            text.push_str(&level.to_string());
        }
        let has_exact = parsed.iter().any(|e| e.exact);
        Ok(VModule {
            text,
            mode,
            entries: parsed,
            has_exact,
        })
    }
}

impl FromStr for VModule {
    type Err = ParseVModuleError;

    /// Parses in [`VModuleMode::Extended`], klog-rs's default.
    fn from_str(value: &str) -> Result<VModule, ParseVModuleError> {
        VModule::parse(value, VModuleMode::Extended)
    }
}

/// Checks the level and stores the entry unless it is 0, shared by both constructors so
/// they validate identically.
fn push_entry(
    entries: &mut Vec<Entry>,
    pattern: &str,
    level: i32,
    exact: bool,
    mode: VModuleMode,
) -> Result<(), ParseVModuleError> {
    if level < 0 {
        return Err(ParseVModuleError::NEGATIVE);
    }
    // klog drops zero entries: they can never enable anything and would only shadow later
    // patterns. An exact zero entry is kept: it lowers its call sites to V(0).
    if level > 0 || exact {
        entries.push(Entry::new(pattern, level, exact, mode));
    }
    Ok(())
}

/// The `(pattern, N, exact)` entries of a `-vmodule` value: klog's grammar, and with
/// `exact_entries` also `pattern==N` (`exact`), which klog rejects as a syntax error.
pub(crate) fn parse_items(
    value: &str,
    exact_entries: bool,
) -> Result<Vec<(&str, i32, bool)>, ParseVModuleError> {
    let mut entries = Vec::new();
    for entry in value.split(',') {
        if entry.is_empty() {
            // klog skips these so that trailing commas are harmless.
            continue;
        }
        let mut fields = entry.split('=');
        let (pattern, level, exact) =
            match (fields.next(), fields.next(), fields.next(), fields.next()) {
                (Some(pattern), Some(level), None, None) => (pattern, level, false),
                (Some(pattern), Some(""), Some(level), None) if exact_entries => {
                    (pattern, level, true)
                }
                _ => return Err(ParseVModuleError::SYNTAX),
            };
        if pattern.is_empty() {
            return Err(ParseVModuleError::SYNTAX);
        }
        let level = parse_level(level).ok_or(ParseVModuleError::SYNTAX)?;
        if level < 0 {
            return Err(ParseVModuleError::NEGATIVE);
        }
        entries.push((pattern, level, exact));
    }
    Ok(entries)
}

/// Go's `strconv.ParseInt(s, 10, 32)`: one optional sign, then ASCII digits only, in range.
fn parse_level(s: &str) -> Option<i32> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'+') => (false, &s.as_bytes()[1..]),
        Some(b'-') => (true, &s.as_bytes()[1..]),
        _ => (false, s.as_bytes()),
    };
    if digits.is_empty() {
        return None;
    }
    let mut magnitude: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        magnitude = magnitude * 10 + i64::from(b - b'0');
        // Stop as soon as no i32 can be reached, so that any number of digits is safe.
        if magnitude > 1 << 31 {
            return None;
        }
    }
    i32::try_from(if negative { -magnitude } else { magnitude }).ok()
}
