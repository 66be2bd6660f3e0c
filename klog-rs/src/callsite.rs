//! [`Callsite`]: where a log call is, known at compile time.
//!
//! Each macro invocation declares one `static` callsite, so a record's file and line cost
//! nothing at run time (Go's klog pays ~350 ns per line for `runtime.Caller`).

/// The source location of a log call: file, line and module path.
///
/// The macros create one `static` per call site; the [`Logger`](crate::Logger) methods
/// build one from `#[track_caller]`'s location.
///
/// ```
/// static CALLSITE: klog::Callsite = klog::Callsite::new("src/pods.rs", 42, "controller::pods");
/// assert_eq!(CALLSITE.file(), "src/pods.rs");
/// assert_eq!(CALLSITE.line(), 42);
/// ```
#[derive(Debug)]
pub struct Callsite {
    file: &'static str,
    line: u32,
    module_path: &'static str,
}

impl Callsite {
    /// A call site from `file!()`, `line!()` and `module_path!()`.
    #[must_use]
    pub const fn new(file: &'static str, line: u32, module_path: &'static str) -> Callsite {
        Callsite {
            file,
            line,
            module_path,
        }
    }

    /// A call site from a `#[track_caller]` location (no module path).
    #[must_use]
    pub fn from_location(location: &'static std::panic::Location<'static>) -> Callsite {
        Callsite::new(location.file(), location.line(), "")
    }

    /// The source file as `file!()` wrote it.
    #[must_use]
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The line.
    #[must_use]
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The module path (empty when unknown).
    #[must_use]
    pub fn module_path(&self) -> &'static str {
        self.module_path
    }
}
