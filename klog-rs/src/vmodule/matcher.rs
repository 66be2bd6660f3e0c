//! Matching call sites: each entry's pattern is classified once (base name, path or
//! module pattern; literal or glob), so a look-up neither re-scans nor allocates.

use super::glob::glob_match;
use super::{VModule, VModuleMode};

/// One surviving `pattern=N` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    /// Always >= 1 for raising entries (zero entries are dropped, negative ones
    /// rejected); >= 0 for exact ones.
    pub(super) level: i32,
    /// An exact entry (`pattern==N`, Extended mode): the call site's level is `level`,
    /// whatever `-v` is.
    pub(super) exact: bool,
    pub(super) matcher: Matcher,
}

impl Entry {
    pub(super) fn new(pattern: &str, level: i32, exact: bool, mode: VModuleMode) -> Entry {
        Entry {
            level,
            exact,
            matcher: Matcher::new(pattern, mode),
        }
    }
}

/// A pattern, classified once at parse time so `verbosity_for` neither re-scans nor allocates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Matcher {
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
pub(super) struct Part {
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
    /// The level of the first entry matching a call site, `None` if none matches.
    ///
    /// `file` is the path as `file!()` gives it, `module_path` as `module_path!()` gives it
    /// (empty if unknown). Never allocates, so it can run on every uncached call site.
    ///
    /// ```
    /// use klog::VModule;
    ///
    /// let vm: VModule = "kubelet=2,file.rs=3,*=1".parse().unwrap();
    /// assert_eq!(vm.verbosity_for(file!(), module_path!()), Some(1));
    /// assert_eq!(vm.verbosity_for("/src/pkg/kubelet.rs", ""), Some(2));
    /// assert_eq!(vm.verbosity_for("src/file.rs.rs", ""), Some(3)); // one `.rs` is removed
    /// assert_eq!(vm.verbosity_for("src/sub/", ""), Some(1)); // `*` matches the empty base name
    /// ```
    pub fn verbosity_for(&self, file: &str, module_path: &str) -> Option<i32> {
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
                .verbosity_for(file, module_path)
                .is_some_and(|n| level <= n)
    }
}
