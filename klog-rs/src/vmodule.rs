//! klog's `-vmodule` flag: per-file verbosity overrides.
//!
//! A `-vmodule` value raises the verbosity of selected call sites above the global `-v`:
//! with `-v=2 -vmodule=controller=4`, `V(3)` and `V(4)` are enabled in `controller.rs`
//! while every other file stays at `V(2)`.
//!
//! # Grammar (klog's, unchanged)
//! * The value is split at `,`; empty entries are ignored (`,,a=1,` and `,,,` are fine). No
//!   whitespace is trimmed anywhere: ` kubelet=3` is the pattern `" kubelet"`.
//! * Each entry is `pattern=N` with exactly one `=`, a non-empty pattern and a non-empty `N`.
//! * `N` is a 32-bit decimal integer: an optional `+` or `-`, then ASCII digits only (no spaces,
//!   `_`, `0x` or non-ASCII digits).
//! * Entries are checked in order and the first bad one decides the error; one bad entry
//!   rejects the whole value. A malformed entry or `N` gives
//!   `syntax error: expect comma-separated list of filename=N`, a negative `N` gives
//!   `negative value for vmodule level`.
//! * `N = 0` (also `-0`, `+0`) is accepted and the entry is dropped, so a later pattern can
//!   still match the file.
//!
//! # Matching
//! The name a pattern is compared with is the caller's base name (after the last `/`) with
//! **one** `.rs` suffix removed: `src/kubelet.rs` → `kubelet`, `file.rs.rs` → `file.rs`,
//! `script` → `script` (klog removes `.go`; this is the Rust equivalent).
//!
//! A pattern without any of `\ * ? [ ]` is compared literally. Otherwise it is a Go
//! `filepath.Match` glob:
//! * `*` matches any run of characters except `/`; `?` exactly one character (a UTF-8
//!   character, not a byte);
//! * `[…]` matches one character from a class of single characters and ranges (`[a-m_]`),
//!   negated by a leading `^` (`!` is an ordinary character);
//! * `\` escapes the next character, inside and outside classes; `]` outside a class is an
//!   ordinary character.
//!
//! A malformed pattern (an unclosed `[`, an empty class, a class item starting with an
//! unescaped `]` or `-` as in `[]x]` or `[-x]`, a trailing lone `\`) is **not** an error: it
//! simply never matches, wherever the malformed part is (`*[` never matches either). That is
//! what klog does, because it ignores the error Go's `filepath.Match` returns for them.
//!
//! # Precedence
//! The **first** entry whose pattern matches decides the call site's vmodule level `M`;
//! later entries are not looked at. `V(n)` is then enabled iff `max(n, 0) <= -v` **or**
//! `n <= M`: vmodule can only raise the verbosity of a file, never lower it.
//!
//! ```
//! use klog::{VModule, VModuleMode};
//!
//! let vm = VModule::parse("kubelet=1,kube*=4", VModuleMode::Klog).unwrap();
//! assert_eq!(vm.level_for("pkg/kubelet/kubelet.rs", ""), Some(1)); // first match wins
//! assert_eq!(vm.level_for("pkg/kubelet/kube_pods.rs", ""), Some(4));
//! assert!(vm.enabled(2, 2, "pkg/kubelet/kubelet.rs", "")); // -v=2 still counts
//! assert!(!vm.enabled(0, 2, "pkg/kubelet/kubelet.rs", ""));
//! ```
//!
//! # Modes and extensions
//! [`VModuleMode::Klog`] is exactly klog's behaviour: every pattern is matched against the
//! base name, so a pattern containing `/` can never match. [`VModuleMode::Extended`] (the
//! default) adds two kinds of pattern that klog does not have; every other pattern behaves
//! as in klog:
//!
//! * **Path patterns** (containing `/`) tell apart files with the same base name
//!   (Kubernetes issue 135198). The pattern is split at `/` and its components must match
//!   the **last** components of the call site's path (with one `.rs` removed), each
//!   component literally or as a glob by the rules above. A pattern starting with `/` must
//!   match the whole path. A `/` always separates components; it cannot be escaped or put
//!   in a class.
//! * **Module patterns** (containing `::`) match the call site's `module_path!()`: the
//!   pattern is split at `::` and its segments must match the module path's **first**
//!   segments, so the pattern selects a module and all its submodules. A call site with an
//!   unknown (empty) module path never matches a module pattern. A pattern containing both
//!   `::` and `/` is a module pattern (its `/` can then never match, since module paths
//!   contain no `/`).
//!
//! ```
//! use klog::VModule;
//!
//! let vm: VModule = "controller/mod=4,kube_runtime::controller=3,*/*=1".parse().unwrap();
//! assert_eq!(vm.level_for("src/controller/mod.rs", "app::controller"), Some(4));
//! assert_eq!(vm.level_for("src/runner.rs", "kube_runtime::controller::runner"), Some(3));
//! assert_eq!(vm.level_for("src/node/mod.rs", "app::node"), Some(1)); // any file in a directory
//! assert_eq!(vm.level_for("main.rs", "app"), None);
//! ```

use std::fmt;
use std::str::FromStr;

/// How patterns are matched.
///
/// ```
/// use klog::{VModule, VModuleMode};
///
/// assert_eq!(VModuleMode::default(), VModuleMode::Extended);
/// let file = "src/controller/mod.rs";
/// let extended = VModule::parse("controller/mod=4", VModuleMode::Extended).unwrap();
/// let klog = VModule::parse("controller/mod=4", VModuleMode::Klog).unwrap();
/// assert_eq!(extended.level_for(file, ""), Some(4));
/// assert_eq!(klog.level_for(file, ""), None); // klog only ever looks at the base name `mod`
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VModuleMode {
    /// klog-rs's default: klog's rules, plus path patterns (containing `/`) and module
    /// patterns (containing `::`).
    ///
    /// ```
    /// use klog::{VModule, VModuleMode};
    ///
    /// let vm = VModule::parse("my_app::*::reconcile=5", VModuleMode::Extended).unwrap();
    /// assert_eq!(vm.level_for("src/pods.rs", "my_app::pods::reconcile"), Some(5));
    /// ```
    #[default]
    Extended,
    /// Exactly klog's rules: every pattern is matched against the base name, so a pattern
    /// with `/` never matches.
    ///
    /// ```
    /// use klog::{VModule, VModuleMode};
    ///
    /// let vm = VModule::parse("pkg/kubelet/kubelet=3", VModuleMode::Klog).unwrap();
    /// assert_eq!(vm.level_for("pkg/kubelet/kubelet.rs", ""), None);
    /// ```
    Klog,
}

/// A parsed `-vmodule` value.
///
/// Parse it with [`VModule::parse`] (or [`str::parse`], which uses
/// [`VModuleMode::Extended`]), build it from pairs with [`VModule::from_entries`], and ask
/// it about call sites with [`VModule::level_for`] and [`VModule::enabled`]. The default
/// value has no entries.
///
/// ```
/// use klog::VModule;
///
/// let vm: VModule = "kubelet=0,kube*=3".parse().unwrap();
/// assert_eq!(vm.level_for("pkg/kubelet/kubelet.rs", ""), Some(3)); // `kubelet=0` was dropped
/// assert_eq!(vm.to_string(), "kubelet=0,kube*=3"); // Display gives the value as given
/// assert!(VModule::default().is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VModule {
    /// The value as given (or as built by `from_entries`), for `Display`: re-parsing it gives
    /// an equal `VModule`, which a canonical form without the dropped entries would too, but
    /// the original is what the user recognises.
    text: String,
    mode: VModuleMode,
    /// In order, with `N = 0` entries already dropped, so `level_for` just scans.
    entries: Vec<Entry>,
    /// Whether any entry is exact (`pattern==N`): only then can a match lower `-v`.
    has_exact: bool,
}

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

/// One surviving `pattern=N` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    /// Always >= 1 for raising entries (zero entries are dropped, negative ones
    /// rejected); >= 0 for exact ones.
    level: i32,
    /// An exact entry (`pattern==N`, Extended mode): the call site's level is `level`,
    /// whatever `-v` is.
    exact: bool,
    matcher: Matcher,
}

/// A pattern, classified once at parse time so `level_for` neither re-scans nor allocates.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Matcher {
    /// A malformed glob somewhere in the pattern: Go's `filepath.Match` reports
    /// `ErrBadPattern` for every name, which klog treats as "no match".
    Never,
    /// klog's pattern: compared with the base name without `.rs`.
    BaseName(Part),
    /// Extended mode, the pattern contains `/` (and no `::`): compared with the last
    /// `parts.len()` components of the path, or all of them if `absolute`.
    Path { absolute: bool, parts: Vec<Part> },
    /// Extended mode, the pattern contains `::`: compared with the first `len()` segments of
    /// the module path.
    Module(Vec<Part>),
}

/// One pattern, or one component/segment of an extended pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Part {
    text: Box<str>,
    /// klog's `isLiteral`: no glob metacharacters, so plain string equality is enough (and
    /// gives the same answer as the glob matcher would).
    literal: bool,
}

impl Part {
    /// `None` if the glob is malformed, because then no name can ever match it.
    fn new(text: &str) -> Option<Part> {
        let literal = !text.contains(['\\', '*', '?', '[', ']']);
        // Go's own `filepath.Glob` checks a pattern this way: whether a pattern is malformed
        // does not depend on the name, and matching against "" reaches every chunk.
        if !literal && glob_match(text.as_bytes(), b"").is_err() {
            return None;
        }
        Some(Part {
            text: text.into(),
            literal,
        })
    }

    fn matches(&self, name: &str) -> bool {
        if self.literal {
            *self.text == *name
        } else {
            glob_match(self.text.as_bytes(), name.as_bytes()) == Ok(true)
        }
    }
}

impl Matcher {
    fn new(pattern: &str, mode: VModuleMode) -> Matcher {
        let compiled = match mode {
            VModuleMode::Extended if pattern.contains("::") => pattern
                .split("::")
                .map(Part::new)
                .collect::<Option<Vec<_>>>()
                .map(Matcher::Module),
            VModuleMode::Extended if pattern.contains('/') => pattern
                .split('/')
                .map(Part::new)
                .collect::<Option<Vec<_>>>()
                .map(|parts| Matcher::Path {
                    absolute: pattern.starts_with('/'),
                    parts,
                }),
            _ => Part::new(pattern).map(Matcher::BaseName),
        };
        compiled.unwrap_or(Matcher::Never)
    }

    fn matches(&self, path: &str, base: &str, module_path: &str) -> bool {
        match self {
            Matcher::Never => false,
            Matcher::BaseName(part) => part.matches(base),
            Matcher::Path { absolute, parts } => {
                // Walk both from the end; `split` and `rsplit` do not allocate.
                let mut components = path.rsplit('/');
                for part in parts.iter().rev() {
                    match components.next() {
                        Some(component) if part.matches(component) => {}
                        _ => return false,
                    }
                }
                !*absolute || components.next().is_none()
            }
            Matcher::Module(parts) => {
                if module_path.is_empty() {
                    return false;
                }
                let mut segments = module_path.split("::");
                parts
                    .iter()
                    .all(|part| segments.next().is_some_and(|s| part.matches(s)))
            }
        }
    }
}

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
    /// assert_eq!(vm.level_for("/src/kubelet.rs", ""), Some(3));
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
    /// assert_eq!(vm.level_for("pkg/kubelet/kubelet.rs", ""), Some(3));
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

    /// The highest level any entry can raise a call site to (`None` without entries;
    /// exact entries count too).
    ///
    /// ```
    /// let vm: klog::VModule = "a=2,b=7,c=0".parse().unwrap();
    /// assert_eq!(vm.max_level(), Some(7));
    /// ```
    #[must_use]
    pub fn max_level(&self) -> Option<i32> {
        self.entries.iter().map(|e| e.level).max()
    }

    /// Whether no entries are left (none given, or all with level 0); then only `-v` counts.
    ///
    /// ```
    /// use klog::VModule;
    ///
    /// assert!("".parse::<VModule>().unwrap().is_empty());
    /// assert!("kubelet=0".parse::<VModule>().unwrap().is_empty());
    /// assert!(!"kubelet=1".parse::<VModule>().unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The mode the value was parsed with.
    ///
    /// ```
    /// use klog::{VModule, VModuleMode};
    ///
    /// assert_eq!("a=1".parse::<VModule>().unwrap().mode(), VModuleMode::Extended);
    /// assert_eq!(VModule::parse("a=1", VModuleMode::Klog).unwrap().mode(), VModuleMode::Klog);
    /// ```
    pub fn mode(&self) -> VModuleMode {
        self.mode
    }

    /// The level of the first entry matching a call site, `None` if none matches.
    ///
    /// `file` is the path as `file!()` gives it, `module_path` as `module_path!()` gives it
    /// (empty if unknown). Never allocates, so it can run on every uncached call site.
    ///
    /// ```
    /// use klog::VModule;
    ///
    /// let vm: VModule = "kubelet=2,file.rs=3,*=1".parse().unwrap();
    /// assert_eq!(vm.level_for(file!(), module_path!()), Some(1));
    /// assert_eq!(vm.level_for("/src/pkg/kubelet.rs", ""), Some(2));
    /// assert_eq!(vm.level_for("src/file.rs.rs", ""), Some(3)); // one `.rs` is removed
    /// assert_eq!(vm.level_for("src/sub/", ""), Some(1)); // `*` matches the empty base name
    /// ```
    pub fn level_for(&self, file: &str, module_path: &str) -> Option<i32> {
        self.rule_for(file, module_path).map(|(level, _)| level)
    }

    /// The level of the first entry matching a call site and whether that entry is exact
    /// (`pattern==N`), `None` if none matches.
    pub(crate) fn rule_for(&self, file: &str, module_path: &str) -> Option<(i32, bool)> {
        if self.entries.is_empty() {
            return None;
        }
        let path = file.strip_suffix(".rs").unwrap_or(file);
        // `rsplit` always yields at least one item; the fallback is never used.
        let base = path.rsplit('/').next().unwrap_or(path);
        self.entries
            .iter()
            .find(|entry| entry.matcher.matches(path, base, module_path))
            .map(|entry| (entry.level, entry.exact))
    }

    /// Whether an entry is exact (`pattern==N`), so that a match can lower `-v`.
    pub(crate) fn has_exact(&self) -> bool {
        self.has_exact
    }

    /// Whether `V(level)` is enabled for this call site given the global `-v`: iff
    /// `max(level, 0) <= v` or `level` is at most the level of the first matching entry;
    /// when that entry is exact (`pattern==N`), iff `max(level, 0) <= N`.
    ///
    /// ```
    /// use klog::VModule;
    ///
    /// let vm: VModule = "kubelet=3".parse().unwrap();
    /// assert!(vm.enabled(0, 3, "pkg/kubelet.rs", ""));
    /// assert!(!vm.enabled(0, 4, "pkg/kubelet.rs", ""));
    /// assert!(vm.enabled(5, 4, "pkg/kubelet.rs", "")); // vmodule never lowers -v
    /// assert!(!vm.enabled(0, 1, "pkg/other.rs", ""));
    ///
    /// let vm: VModule = "chatty::*==1".parse().unwrap();
    /// assert!(!vm.enabled(5, 2, "src/conn.rs", "chatty::conn")); // lowered to V(1)
    /// assert!(vm.enabled(5, 2, "src/main.rs", "app"));
    /// ```
    pub fn enabled(&self, v: i32, level: i32, file: &str, module_path: &str) -> bool {
        if self.has_exact {
            return match self.rule_for(file, module_path) {
                Some((n, true)) => level.max(0) <= n,
                Some((n, false)) => level.max(0) <= v || level <= n,
                None => level.max(0) <= v,
            };
        }
        // The -v check first: it is cheaper than matching, and it is what klog does too.
        level.max(0) <= v
            || self
                .level_for(file, module_path)
                .is_some_and(|n| level <= n)
    }
}

impl FromStr for VModule {
    type Err = ParseVModuleError;

    /// Parses in [`VModuleMode::Extended`], klog-rs's default.
    fn from_str(value: &str) -> Result<VModule, ParseVModuleError> {
        VModule::parse(value, VModuleMode::Extended)
    }
}

impl fmt::Display for VModule {
    /// The value as given, including entries dropped for level 0, so that it re-parses to
    /// an equal value and reads like the flag the user passed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
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
        entries.push(Entry {
            level,
            exact,
            matcher: Matcher::new(pattern, mode),
        });
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

/// Go's `filepath.Match` reported `ErrBadPattern`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BadPattern;

/// A byte-for-byte port of Go's `filepath.Match` (Unix, `Separator = '/'`).
///
/// It works on bytes like Go does, because Go's star loop advances one **byte** at a time
/// and may restart a chunk in the middle of a multi-byte character, where `?` and classes
/// then see `U+FFFD` of width 1 (so Go's `Match("*??", "日")` is true). Reproducing that
/// keeps klog's answers for every name, not just for ASCII ones.
fn glob_match(mut pattern: &[u8], mut name: &[u8]) -> Result<bool, BadPattern> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SYNTAX: &str = "syntax error: expect comma-separated list of filename=N";
    const NEGATIVE: &str = "negative value for vmodule level";

    fn klog(value: &str) -> VModule {
        VModule::parse(value, VModuleMode::Klog).unwrap()
    }

    impl VModule {
        fn parse_again(&self) -> VModule {
            VModule::parse(&self.to_string(), self.mode).unwrap()
        }
    }

    fn extended(value: &str) -> VModule {
        VModule::parse(value, VModuleMode::Extended).unwrap()
    }

    // ---- conformance corpus -------------------------------------------------------------

    /// One corpus record's outcome: the parse error (or `None`) and, per check,
    /// `(file, level, enabled)`.
    struct Outcome {
        error: Option<String>,
        checks: Vec<(String, i32, bool)>,
    }

    fn corpus() -> Vec<serde_json::Value> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/conformance/vmodule.jsonl"
        );
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    /// The corpus records Go paths; our call sites are Rust files.
    fn rust_file(go_file: &str) -> String {
        match go_file.strip_suffix(".go") {
            Some(stem) => format!("{stem}.rs"),
            None => go_file.to_owned(),
        }
    }

    fn replay(record: &serde_json::Value, mode: VModuleMode) -> Outcome {
        let v = i32::try_from(record["v"].as_i64().unwrap()).unwrap();
        let value = record["vmodule"].as_str().unwrap();
        match VModule::parse(value, mode) {
            Err(err) => Outcome {
                error: Some(err.to_string()),
                checks: Vec::new(),
            },
            Ok(vm) => Outcome {
                error: None,
                checks: record["checks"]
                    .as_array()
                    .map(|checks| {
                        checks
                            .iter()
                            .map(|check| {
                                let file = rust_file(check["file"].as_str().unwrap());
                                let level =
                                    i32::try_from(check["level"].as_i64().unwrap()).unwrap();
                                let enabled = vm.enabled(v, level, &file, "");
                                (file, level, enabled)
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            },
        }
    }

    #[test]
    fn corpus_passes_in_klog_mode() {
        let records = corpus();
        assert!(!records.is_empty(), "empty corpus");
        let mut failures = Vec::new();
        for record in &records {
            let id = record["id"].as_str().unwrap();
            let value = record["vmodule"].as_str().unwrap();
            let outcome = replay(record, VModuleMode::Klog);
            let want_error = record["error"].as_str().map(str::to_owned);
            if outcome.error != want_error {
                failures.push(format!(
                    "{id} ({value:?}): error {:?}, want {want_error:?}",
                    outcome.error
                ));
                continue;
            }
            let want_checks = record["checks"].as_array().cloned().unwrap_or_default();
            assert_eq!(outcome.checks.len(), want_checks.len(), "{id}");
            for ((file, level, enabled), want) in outcome.checks.iter().zip(&want_checks) {
                if *enabled != want["enabled"].as_bool().unwrap() {
                    failures.push(format!(
                        "{id} ({value:?}): {file} V({level}) enabled={enabled}"
                    ));
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
        println!(
            "vmodule corpus: {} records passed in Klog mode",
            records.len()
        );
    }

    #[test]
    fn extended_mode_differs_from_klog_only_for_patterns_with_a_slash() {
        let mut differing = Vec::new();
        let mut unexpected = Vec::new();
        for record in &corpus() {
            let id = record["id"].as_str().unwrap();
            let value = record["vmodule"].as_str().unwrap();
            let klog = replay(record, VModuleMode::Klog);
            let extended = replay(record, VModuleMode::Extended);
            // Parsing does not depend on the mode at all.
            assert_eq!(klog.error, extended.error, "{id}");
            for (k, e) in klog.checks.iter().zip(&extended.checks) {
                if k != e {
                    let line = format!(
                        "{id} ({value:?}): {} V({}): klog={} extended={}",
                        k.0, k.1, k.2, e.2
                    );
                    if value.contains('/') {
                        differing.push(line);
                    } else {
                        unexpected.push(line);
                    }
                }
            }
        }
        assert!(
            unexpected.is_empty(),
            "Extended differs from Klog for values without '/':\n{}\n(expected differences:\n{})",
            unexpected.join("\n"),
            differing.join("\n")
        );
        // A guard that the replay really exercises path patterns (`pkg/kubelet/kubelet=3`).
        assert!(!differing.is_empty(), "no record exercised path patterns");
    }

    // ---- grammar --------------------------------------------------------------------------

    #[test]
    fn parse_accepts_and_rejects_like_klog() {
        // (value, expected error or None)
        let table: &[(&str, Option<&str>)] = &[
            ("", None),
            (",,,", None),
            (",,a=1,", None),
            ("kubelet=3,", None),
            (" kubelet=3", None),
            ("kubelet=+3", None),
            ("kubelet=007", None),
            ("kubelet=-0", None),
            ("kubelet=+0", None),
            ("kubelet=2147483647", None),
            ("kubelet=00000000000000000000000000003", None),
            ("[=1", None), // malformed patterns are accepted, they just never match
            ("kubelet=", Some(SYNTAX)),
            ("=3", Some(SYNTAX)),
            ("=", Some(SYNTAX)),
            ("kubelet", Some(SYNTAX)),
            ("kubelet=x", Some(SYNTAX)),
            ("kubelet=3=4", Some(SYNTAX)),
            ("kubelet= 3", Some(SYNTAX)),
            ("kubelet=3 ", Some(SYNTAX)),
            ("kubelet=0x3", Some(SYNTAX)),
            ("kubelet=1_0", Some(SYNTAX)),
            ("kubelet=３", Some(SYNTAX)),
            ("kubelet=+", Some(SYNTAX)),
            ("kubelet=-", Some(SYNTAX)),
            ("kubelet=+-3", Some(SYNTAX)),
            ("kubelet=++3", Some(SYNTAX)),
            ("kubelet=3.0", Some(SYNTAX)),
            ("kubelet=2147483648", Some(SYNTAX)),
            ("kubelet=-2147483649", Some(SYNTAX)),
            ("kubelet=99999999999999999999999", Some(SYNTAX)),
            ("kubelet=-99999999999999999999999", Some(SYNTAX)),
            ("kubelet=-1", Some(NEGATIVE)),
            ("kubelet=-2147483648", Some(NEGATIVE)),
            ("kubelet=3,bad", Some(SYNTAX)),
            ("kubelet=-1,bad", Some(NEGATIVE)),
            ("bad,kubelet=-1", Some(SYNTAX)),
            ("a=1,,b=-0,c=-5", Some(NEGATIVE)),
        ];
        for &(value, want) in table {
            for mode in [VModuleMode::Klog, VModuleMode::Extended] {
                let got = VModule::parse(value, mode).err().map(|e| e.to_string());
                assert_eq!(got.as_deref(), want, "{value:?} in {mode:?}");
            }
        }
    }

    #[test]
    fn exact_entries_only_in_extended_mode() {
        const SYNTAX: &str = "syntax error: expect comma-separated list of filename=N";
        for value in ["kubelet==3", "a=1,kubelet==0", "x::y==2"] {
            let err = VModule::parse(value, VModuleMode::Klog).unwrap_err();
            assert_eq!(err.to_string(), SYNTAX, "{value}");
            assert!(VModule::parse_entries(value).is_err(), "{value}");
            let vm = VModule::parse(value, VModuleMode::Extended).unwrap();
            assert!(vm.has_exact(), "{value}");
            assert_eq!(vm.to_string(), value);
            assert_eq!(vm.parse_again(), vm);
        }
        for (value, want) in [
            ("kubelet===3", SYNTAX),
            ("kubelet==", SYNTAX),
            ("==3", SYNTAX),
            ("kubelet== 3", SYNTAX),
            ("kubelet==x", SYNTAX),
            ("kubelet=3=", SYNTAX),
            ("kubelet==-1", "negative value for vmodule level"),
        ] {
            let got = VModule::parse(value, VModuleMode::Extended).unwrap_err();
            assert_eq!(got.to_string(), want, "{value}");
        }
        assert!(
            VModule::from_items([("a", 1, true)], VModuleMode::Klog).is_err(),
            "Klog mode has no exact entries"
        );
        let built = VModule::from_items([("a", 0, true), ("b", 2, false)], VModuleMode::Extended);
        assert_eq!(built.unwrap(), extended("a==0,b=2"));
    }

    #[test]
    fn exact_entries_set_the_level_below_and_above_v() {
        let vm = extended("chatty::*==1,chatty_other=2,*/noisy==0,loud==6");
        let decide = |v, level, file, module| vm.enabled(v, level, file, module);
        // Lowered: V(2)..V(5) off at -v=5, V(0) and V(1) still on.
        assert!(decide(5, 1, "src/conn.rs", "chatty::conn"));
        assert!(!decide(5, 2, "src/conn.rs", "chatty::conn"));
        assert!(decide(5, 0, "src/x/noisy.rs", "app::x"));
        assert!(!decide(5, 1, "src/x/noisy.rs", "app::x"));
        assert!(decide(5, -1, "src/x/noisy.rs", "app::x")); // V(<0) counts as V(0)
                                                            // Raised, like a raising entry.
        assert!(decide(0, 6, "src/loud.rs", "app::loud"));
        assert!(!decide(0, 7, "src/loud.rs", "app::loud"));
        // Raising entries and unmatched call sites are unchanged.
        assert!(decide(5, 5, "src/chatty_other.rs", "app"));
        assert!(decide(0, 2, "src/chatty_other.rs", "app"));
        assert!(decide(5, 5, "src/main.rs", "app"));
        assert!(!decide(4, 5, "src/main.rs", "app"));
        // First match wins, exact or not.
        let vm = extended("conn=5,chatty::*==0");
        assert!(vm.enabled(0, 5, "src/conn.rs", "chatty::conn"));
        assert_eq!(vm.level_for("src/conn.rs", "chatty::conn"), Some(5));
        assert_eq!(vm.level_for("src/other.rs", "chatty::other"), Some(0));
        assert_eq!(vm.max_level(), Some(5));
    }

    #[test]
    fn zero_entries_are_dropped_so_later_patterns_match() {
        for value in [
            "kubelet=0,kube*=3",
            "kubelet=-0,kube*=3",
            "kubelet=+0,kube*=3",
        ] {
            assert_eq!(
                klog(value).level_for("pkg/kubelet.rs", ""),
                Some(3),
                "{value}"
            );
        }
        assert!(klog("a=0,b=0").is_empty());
        assert!(klog(",,,").is_empty());
        assert!(!klog("a=1").is_empty());
    }

    #[test]
    fn from_entries_validates_like_parse() {
        let ok: &[&[(&str, i32)]] = &[
            &[],
            &[("kubelet", 0), ("kube*", 3)],
            &[("a b", 1), ("[", 2)],
        ];
        for &pairs in ok {
            let built = VModule::from_entries(pairs.iter().copied(), VModuleMode::Klog).unwrap();
            let text = built.to_string();
            assert_eq!(
                VModule::parse(&text, VModuleMode::Klog).unwrap(),
                built,
                "{pairs:?}"
            );
        }
        assert_eq!(
            VModule::from_entries([("kubelet", 0), ("kube*", 3)], VModuleMode::Klog)
                .unwrap()
                .to_string(),
            "kubelet=0,kube*=3"
        );
        let bad: &[(&[(&str, i32)], &str)] = &[
            (&[("", 1)], SYNTAX),
            (&[("a,b", 1)], SYNTAX),
            (&[("a=b", 1)], SYNTAX),
            (&[("a", -1)], NEGATIVE),
            (&[("a", i32::MIN)], NEGATIVE),
            (&[("a", -1), ("", 1)], NEGATIVE), // the first bad entry decides
            (&[("", 1), ("a", -1)], SYNTAX),
            (&[("", -1)], SYNTAX), // the pattern is checked before the level
        ];
        for &(pairs, want) in bad {
            let err =
                VModule::from_entries(pairs.iter().copied(), VModuleMode::Extended).unwrap_err();
            assert_eq!(err.to_string(), want, "{pairs:?}");
        }
    }

    #[test]
    fn display_gives_the_value_as_given_and_from_str_is_extended() {
        let vm: VModule = ",,kubelet=0,kube*=+3,".parse().unwrap();
        assert_eq!(vm.to_string(), ",,kubelet=0,kube*=+3,");
        assert_eq!(vm.mode(), VModuleMode::Extended);
        assert_eq!(VModule::default(), "".parse().unwrap());
        assert_eq!(VModule::default().mode(), VModuleMode::Extended);
        assert_eq!(klog("a=1").mode(), VModuleMode::Klog);
    }

    // ---- matching -------------------------------------------------------------------------

    #[test]
    fn klog_mode_matches_the_base_name_without_one_rs_suffix() {
        // (vmodule, file, expected level)
        let table: &[(&str, &str, Option<i32>)] = &[
            ("kubelet=3", "/go/src/pkg/kubelet/kubelet.rs", Some(3)),
            ("kubelet=3", "kubelet.rs", Some(3)),
            ("kubelet=3", "kubelet", Some(3)),
            ("kubelet=3", "/go/src/pkg/kubelet/kubelet_pods.rs", None),
            ("kubelet.rs=3", "src/kubelet.rs", None),
            ("file.rs=3", "src/file.rs.rs", Some(3)),
            ("script=3", "bin/script", Some(3)),
            ("main=3", "src/Main.rs", None),
            ("v1.2=3", "src/v1.2.rs", Some(3)),
            ("日本=3", "src/日本.rs", Some(3)),
            (" kubelet=3", "src/kubelet.rs", None),
            ("pkg/kubelet/kubelet=3", "pkg/kubelet/kubelet.rs", None),
            ("*/*=3", "pkg/kubelet/kubelet.rs", None),
            ("/go/src/kubelet=3", "/go/src/kubelet.rs", None),
            ("kube_runtime::controller=3", "src/controller.rs", None),
            ("*=1", "src/sub/", Some(1)), // the base name is empty
            ("kubelet=1,kube*=4", "src/kubelet.rs", Some(1)),
            ("kube*=4,kubelet=1", "src/kubelet.rs", Some(4)),
            ("*.*=3", "src/v1.2.rs", Some(3)),
            ("*.*=3", "src/file.rs.rs", Some(3)),
            ("*.*=3", "src/main.rs", None),
            ("a\\*b=3", "src/a*b.rs", Some(3)),
            ("a\\*b=3", "src/axb.rs", None),
            ("\\[x\\]=3", "src/[x].rs", Some(3)),
            ("\\[x]=3", "src/[x].rs", Some(3)),
            ("[\\]x]=3", "src/x.rs", Some(3)),
            ("*]=3", "src/x].rs", Some(3)),
            ("[^k]*=3", "src/main.rs", Some(3)),
            ("[^k]*=3", "src/kubelet.rs", None),
            ("[!k]*=3", "src/main.rs", None),
            ("[!k]*=3", "src/!x.rs", Some(3)),
            ("?ubelet=2", "src/kubelet.rs", Some(2)),
            ("??=2", "src/日本.rs", Some(2)),
        ];
        for &(value, file, want) in table {
            assert_eq!(
                klog(value).level_for(file, "kube_runtime::controller"),
                want,
                "{value:?} {file:?}"
            );
        }
    }

    #[test]
    fn malformed_patterns_never_match_and_are_not_errors() {
        let patterns = [
            "[", "a[", "[a", "[^", "[^a", "[]", "[^]", "[]x]", "[-x]", "[x-]", "[a-b-c]", "[\\",
            "[a-\\", "main\\", "*[", "*a[", "a*[", "*\\", "*x*[]", "[]a]*",
        ];
        for pattern in patterns {
            for file in [
                "src/main.rs",
                "src/[.rs",
                "src/a[.rs",
                "src/-.rs",
                "src/x.rs",
                "src/main\\.rs",
                "src/.rs",
            ] {
                for mode in [VModuleMode::Klog, VModuleMode::Extended] {
                    let vm = VModule::parse(&format!("{pattern}=3,*=1"), mode).unwrap();
                    // The broken entry is skipped, the next one still applies.
                    assert_eq!(
                        vm.level_for(file, ""),
                        Some(1),
                        "{pattern:?} {file:?} {mode:?}"
                    );
                }
            }
            assert_eq!(
                glob_match(pattern.as_bytes(), b""),
                Err(BadPattern),
                "{pattern:?}"
            );
        }
    }

    #[test]
    fn glob_match_agrees_with_go_filepath_match() {
        // Go's own path/filepath match_test.go table, plus the byte-wise star quirk.
        let table: &[(&str, &str, Result<bool, BadPattern>)] = &[
            ("abc", "abc", Ok(true)),
            ("*", "abc", Ok(true)),
            ("*c", "abc", Ok(true)),
            ("a*", "a", Ok(true)),
            ("a*", "abc", Ok(true)),
            ("a*", "ab/c", Ok(false)),
            ("a*/b", "abc/b", Ok(true)),
            ("a*/b", "a/c/b", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Ok(false)),
            ("a*b?c*x", "abxbbxdbxebxczzx", Ok(true)),
            ("a*b?c*x", "abxbbxdbxebxczzy", Ok(false)),
            ("ab[c]", "abc", Ok(true)),
            ("ab[b-d]", "abc", Ok(true)),
            ("ab[e-g]", "abc", Ok(false)),
            ("ab[^c]", "abc", Ok(false)),
            ("ab[^b-d]", "abc", Ok(false)),
            ("ab[^e-g]", "abc", Ok(true)),
            ("a\\*b", "a*b", Ok(true)),
            ("a\\*b", "ab", Ok(false)),
            ("a?b", "a☺b", Ok(true)),
            ("a[^a]b", "a☺b", Ok(true)),
            ("a???b", "a☺b", Ok(false)),
            ("a[^a][^a][^a]b", "a☺b", Ok(false)),
            ("[a-ζ]*", "α", Ok(true)),
            ("*[a-ζ]", "A", Ok(false)),
            ("a?b", "a/b", Ok(false)),
            ("a*b", "a/b", Ok(false)),
            ("[\\]a]", "]", Ok(true)),
            ("[\\-]", "-", Ok(true)),
            ("[x\\-]", "x", Ok(true)),
            ("[x\\-]", "-", Ok(true)),
            ("[x\\-]", "z", Ok(false)),
            ("[\\-x]", "x", Ok(true)),
            ("[\\-x]", "-", Ok(true)),
            ("[\\-x]", "a", Ok(false)),
            ("[]a]", "]", Err(BadPattern)),
            ("[-]", "-", Err(BadPattern)),
            ("[x-]", "x", Err(BadPattern)),
            ("[x-]", "-", Err(BadPattern)),
            ("[x-]", "z", Err(BadPattern)),
            ("[-x]", "x", Err(BadPattern)),
            ("[-x]", "-", Err(BadPattern)),
            ("[-x]", "a", Err(BadPattern)),
            ("\\", "a", Err(BadPattern)),
            ("[a-b-c]", "a", Err(BadPattern)),
            ("[", "a", Err(BadPattern)),
            ("[^", "a", Err(BadPattern)),
            ("[^bc", "a", Err(BadPattern)),
            ("a[", "a", Err(BadPattern)),
            ("a[", "ab", Err(BadPattern)),
            ("a[", "x", Err(BadPattern)),
            ("a/b[", "x", Err(BadPattern)),
            ("*x", "xxx", Ok(true)),
            // The star advances byte by byte, so a chunk may restart mid-character, where
            // `?` consumes a single (invalid) byte.
            ("*??", "日", Ok(true)),
            ("??", "日", Ok(false)),
            ("?", "日", Ok(true)),
            ("*[^a]", "日", Ok(true)),
        ];
        for &(pattern, name, want) in table {
            assert_eq!(
                glob_match(pattern.as_bytes(), name.as_bytes()),
                want,
                "{pattern:?} {name:?}"
            );
        }
    }

    #[test]
    fn path_patterns_match_the_last_components_in_extended_mode() {
        // (vmodule, file, expected in Extended mode); Klog mode never matches these.
        let table: &[(&str, &str, Option<i32>)] = &[
            ("controller/mod=4", "src/controller/mod.rs", Some(4)),
            ("controller/mod=4", "src/node/mod.rs", None),
            ("controller/mod=4", "controller/mod.rs", Some(4)),
            ("controller/mod=4", "mod.rs", None),
            (
                "pkg/kubelet/kubelet=3",
                "/go/src/k8s.io/kubernetes/pkg/kubelet/kubelet.rs",
                Some(3),
            ),
            (
                "pkg/kubelet/kubelet=3",
                "/go/src/example.com/other/kubelet.rs",
                None,
            ),
            ("*/*=3", "src/main.rs", Some(3)),
            ("*/*=3", "/main.rs", Some(3)),
            ("*/*=3", "main.rs", None),
            ("src/*=2", "src/lib.rs", Some(2)),
            ("src/*=2", "src/a/lib.rs", None),
            ("/src/main=2", "/src/main.rs", Some(2)),
            ("/src/main=2", "src/main.rs", None),
            ("/src/main=2", "/a/src/main.rs", None),
            ("contr?ller/m[a-z]d=4", "src/controller/mod.rs", Some(4)),
            ("app/file.rs=3", "src/app/file.rs.rs", Some(3)),
            ("app/main.rs=3", "src/app/main.rs", None),
            ("controller/[=4", "src/controller/[.rs", None),
            ("a\\/b=1", "a/b.rs", None), // `/` cannot be escaped: `a\` is malformed
            ("controller/=4", "src/controller/mod.rs", None),
        ];
        for &(value, file, want) in table {
            assert_eq!(
                extended(value).level_for(file, "app::controller"),
                want,
                "{value:?} {file:?}"
            );
            assert_eq!(
                klog(value).level_for(file, "app::controller"),
                None,
                "Klog {value:?} {file:?}"
            );
        }
    }

    #[test]
    fn path_patterns_and_base_name_patterns_share_first_match_precedence() {
        let vm = extended("controller/mod=4,mod=1");
        assert_eq!(vm.level_for("src/controller/mod.rs", ""), Some(4));
        assert_eq!(vm.level_for("src/node/mod.rs", ""), Some(1));
        let vm = extended("mod=1,controller/mod=4");
        assert_eq!(vm.level_for("src/controller/mod.rs", ""), Some(1));
    }

    #[test]
    fn module_patterns_match_a_module_and_its_submodules_in_extended_mode() {
        // (vmodule, module_path, expected in Extended mode)
        let table: &[(&str, &str, Option<i32>)] = &[
            (
                "kube_runtime::controller=4",
                "kube_runtime::controller",
                Some(4),
            ),
            (
                "kube_runtime::controller=4",
                "kube_runtime::controller::runner",
                Some(4),
            ),
            (
                "kube_runtime::controller=4",
                "kube_runtime::controllers",
                None,
            ),
            ("kube_runtime::controller=4", "kube_runtime", None),
            (
                "kube_runtime::controller=4",
                "other::kube_runtime::controller",
                None,
            ),
            ("kube_runtime::controller=4", "", None),
            ("my_app::*::reconcile=5", "my_app::pods::reconcile", Some(5)),
            (
                "my_app::*::reconcile=5",
                "my_app::pods::reconcile::inner",
                Some(5),
            ),
            ("my_app::*::reconcile=5", "my_app::reconcile", None),
            ("kube_*::controller=4", "kube_runtime::controller", Some(4)),
            ("kube_runtime::[=4", "kube_runtime::[", None),
            ("src/x::y=1", "src::x::y", None), // `::` wins over `/`: a module pattern
            (
                "kube_runtime::*=2,controller=5",
                "kube_runtime::controller",
                Some(2),
            ),
            (
                "controller=5,kube_runtime::*=2",
                "kube_runtime::controller",
                Some(5),
            ),
        ];
        for &(value, module_path, want) in table {
            let file = "src/controller.rs";
            assert_eq!(
                extended(value).level_for(file, module_path),
                want,
                "{value:?} {module_path:?}"
            );
        }
        let vm = extended("src/x::y=1");
        assert!(matches!(vm.entries[0].matcher, Matcher::Module(_)));
        // Klog mode compares such patterns with the base name.
        assert_eq!(
            klog("kube_runtime::controller=4")
                .level_for("src/controller.rs", "kube_runtime::controller"),
            None
        );
    }

    #[test]
    fn enabled_combines_v_and_the_first_match_and_only_raises() {
        let vm = klog("kubelet=3,kube*=5");
        // (v, level, file, expected)
        let table: &[(i32, i32, &str, bool)] = &[
            (0, 0, "src/main.rs", true),
            (0, 1, "src/main.rs", false),
            (0, -1, "src/main.rs", true),
            (-1, -1, "src/main.rs", false), // max(n, 0) is compared with -v
            (0, 3, "src/kubelet.rs", true),
            (0, 4, "src/kubelet.rs", false), // the first match (3) decides, not kube* (5)
            (0, 5, "src/kube_proxy.rs", true),
            (10, 10, "src/kubelet.rs", true), // vmodule never lowers -v
            (10, 11, "src/kubelet.rs", false),
            (i32::MAX, i32::MAX, "src/main.rs", true),
        ];
        for &(v, level, file, want) in table {
            assert_eq!(
                vm.enabled(v, level, file, ""),
                want,
                "v={v} V({level}) {file}"
            );
        }
        assert!(!VModule::default().enabled(0, 1, "src/main.rs", "main"));
        assert!(klog("kubelet=2147483647").enabled(0, i32::MAX, "kubelet.rs", ""));
    }

    // ---- properties -----------------------------------------------------------------------

    const NASTY: &str = "[=,*\\[\\]\\\\?^!a-c0-9/:.\\-+ 日é_]{0,24}";

    proptest! {
        #[test]
        fn parse_and_level_for_never_panic(value in NASTY, file in NASTY, module in NASTY) {
            for mode in [VModuleMode::Klog, VModuleMode::Extended] {
                if let Ok(vm) = VModule::parse(&value, mode) {
                    let _ = vm.level_for(&file, &module);
                    let _ = vm.enabled(0, 1, &file, &module);
                }
            }
        }

        #[test]
        fn arbitrary_unicode_never_panics(value in any::<String>(), file in any::<String>(), module in any::<String>()) {
            for mode in [VModuleMode::Klog, VModuleMode::Extended] {
                let _ = VModule::parse(&value, mode).map(|vm| vm.level_for(&file, &module));
                let _ = VModule::parse(&format!("{value}=1,{file}=2"), mode).map(|vm| vm.level_for(&file, &module));
            }
            let _ = glob_match(value.as_bytes(), file.as_bytes());
        }

        #[test]
        fn glob_errors_do_not_depend_on_the_name(pattern in NASTY, name in NASTY) {
            prop_assert_eq!(
                glob_match(pattern.as_bytes(), name.as_bytes()).is_err(),
                glob_match(pattern.as_bytes(), b"").is_err()
            );
        }

        #[test]
        fn literal_patterns_glob_like_string_equality(pattern in "[a-c.日_]{0,6}", name in "[a-c.日_]{0,6}") {
            prop_assert_eq!(glob_match(pattern.as_bytes(), name.as_bytes()), Ok(pattern == name));
        }

        #[test]
        fn valid_entries_give_each_file_its_first_matching_level(
            entries in proptest::collection::vec(("[a-z_][a-z0-9_.]{0,8}", 1..100i32), 1..8)
        ) {
            let value = entries.iter().map(|(p, n)| format!("{p}={n}")).collect::<Vec<_>>().join(",");
            for mode in [VModuleMode::Klog, VModuleMode::Extended] {
                let vm = VModule::parse(&value, mode).unwrap();
                for (pattern, _) in &entries {
                    let want = entries.iter().find(|(p, _)| p == pattern).map(|&(_, n)| n);
                    prop_assert_eq!(vm.level_for(&format!("src/{pattern}.rs"), "app"), want);
                }
                prop_assert_eq!(vm.level_for("src/Z.rs", "app"), None);
                let pairs = entries.iter().map(|(p, n)| (p.as_str(), *n));
                prop_assert_eq!(VModule::from_entries(pairs, mode).unwrap(), vm);
            }
        }

        #[test]
        fn display_reparses_to_an_equal_value(value in NASTY) {
            for mode in [VModuleMode::Klog, VModuleMode::Extended] {
                if let Ok(vm) = VModule::parse(&value, mode) {
                    prop_assert_eq!(VModule::parse(&vm.to_string(), mode).unwrap(), vm);
                }
            }
        }

        #[test]
        fn from_entries_display_reparses_to_an_equal_value(
            entries in proptest::collection::vec(("[a-c*?\\[\\]\\\\/:日]{1,6}", 0..5i32), 0..6)
        ) {
            let pairs = entries.iter().map(|(p, n)| (p.as_str(), *n));
            let vm = VModule::from_entries(pairs, VModuleMode::Extended).unwrap();
            prop_assert_eq!(vm.to_string().parse::<VModule>().unwrap(), vm);
        }
    }
}
