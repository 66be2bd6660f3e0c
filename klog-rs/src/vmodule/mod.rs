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
//! assert_eq!(vm.verbosity_for("pkg/kubelet/kubelet.rs", ""), Some(1)); // first match wins
//! assert_eq!(vm.verbosity_for("pkg/kubelet/kube_pods.rs", ""), Some(4));
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
//! assert_eq!(vm.verbosity_for("src/controller/mod.rs", "app::controller"), Some(4));
//! assert_eq!(vm.verbosity_for("src/runner.rs", "kube_runtime::controller::runner"), Some(3));
//! assert_eq!(vm.verbosity_for("src/node/mod.rs", "app::node"), Some(1)); // any file in a directory
//! assert_eq!(vm.verbosity_for("main.rs", "app"), None);
//! ```
//!
//! Inside: `grammar` reads `-vmodule` values, `matcher` matches call sites against the
//! entries, and `glob` is Go's `filepath.Match`, ported byte for byte.

mod glob;
mod grammar;
mod matcher;
#[cfg(test)]
mod tests;

use std::fmt;

pub(crate) use grammar::parse_items;
pub use grammar::ParseVModuleError;
use matcher::Entry;

/// How patterns are matched.
///
/// ```
/// use klog::{VModule, VModuleMode};
///
/// assert_eq!(VModuleMode::default(), VModuleMode::Extended);
/// let file = "src/controller/mod.rs";
/// let extended = VModule::parse("controller/mod=4", VModuleMode::Extended).unwrap();
/// let klog = VModule::parse("controller/mod=4", VModuleMode::Klog).unwrap();
/// assert_eq!(extended.verbosity_for(file, ""), Some(4));
/// assert_eq!(klog.verbosity_for(file, ""), None); // klog only ever looks at the base name `mod`
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
    /// assert_eq!(vm.verbosity_for("src/pods.rs", "my_app::pods::reconcile"), Some(5));
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
    /// assert_eq!(vm.verbosity_for("pkg/kubelet/kubelet.rs", ""), None);
    /// ```
    Klog,
}

/// A parsed `-vmodule` value.
///
/// Parse it with [`VModule::parse`] (or [`str::parse`], which uses
/// [`VModuleMode::Extended`]), build it from pairs with [`VModule::from_entries`], and ask
/// it about call sites with [`VModule::verbosity_for`] and [`VModule::enabled`]. The default
/// value has no entries.
///
/// ```
/// use klog::VModule;
///
/// let vm: VModule = "kubelet=0,kube*=3".parse().unwrap();
/// assert_eq!(vm.verbosity_for("pkg/kubelet/kubelet.rs", ""), Some(3)); // `kubelet=0` was dropped
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
    /// In order, with `N = 0` entries already dropped, so `verbosity_for` just scans.
    entries: Vec<Entry>,
    /// Whether any entry is exact (`pattern==N`): only then can a match lower `-v`.
    has_exact: bool,
}

impl VModule {
    /// The highest level any entry can raise a call site to (`None` without entries;
    /// exact entries count too).
    ///
    /// ```
    /// let vm: klog::VModule = "a=2,b=7,c=0".parse().unwrap();
    /// assert_eq!(vm.max_verbosity(), Some(7));
    /// ```
    #[must_use]
    pub fn max_verbosity(&self) -> Option<i32> {
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
}

impl fmt::Display for VModule {
    /// The value as given, including entries dropped for level 0, so that it re-parses to
    /// an equal value and reads like the flag the user passed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}
