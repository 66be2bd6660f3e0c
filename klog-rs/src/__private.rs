//! Support for the macros. Not public API: anything here may change in any release.

use std::error::Error;

pub use crate::callsite::Callsite;
pub use crate::logger::Logger;
pub use crate::record::{Record, RecordKind, Severity};
pub use crate::value::{KeyValue, RawJson, RenderedKey, ToValue, Value};

pub use crate::context::CurrentLogger;

/// The logger the macros use without an explicit one: the current scope's, else the
/// process-wide one.
#[inline]
pub fn current() -> CurrentLogger {
    crate::context::current()
}

/// Whether a call at `v` can be enabled at all, before the current logger is looked up
/// (a logger's own offset only raises the level).
#[inline(always)]
pub fn gate_allows(v: i32) -> bool {
    v.max(0) <= crate::verbosity::gate()
}

/// The non-generic end of every macro call, kept out of the expansion so call sites stay
/// small (log's `log_impl`).
#[inline(never)]
pub fn log(
    callsite: &'static Callsite,
    logger: &Logger,
    severity: Severity,
    level: i32,
    error: Option<&(dyn Error + 'static)>,
    message: &str,
    key_values: &[KeyValue<'_>],
) {
    logger.log(
        &Record::new(severity, message, key_values)
            .with_verbosity(level)
            .with_error(error)
            .with_callsite(callsite),
    );
}

/// Anything that can be the error of an error call: sized errors and `dyn Error` objects.
pub trait AsDynError {
    /// Borrows `self` as a `dyn Error`.
    fn as_dyn_error(&self) -> &(dyn Error + 'static);
}

impl<E: Error + 'static> AsDynError for E {
    #[inline]
    fn as_dyn_error(&self) -> &(dyn Error + 'static) {
        self
    }
}

impl AsDynError for dyn Error + 'static {
    #[inline]
    fn as_dyn_error(&self) -> &(dyn Error + 'static) {
        self
    }
}

impl AsDynError for dyn Error + Send + 'static {
    #[inline]
    fn as_dyn_error(&self) -> &(dyn Error + 'static) {
        self
    }
}

impl AsDynError for dyn Error + Send + Sync + 'static {
    #[inline]
    fn as_dyn_error(&self) -> &(dyn Error + 'static) {
        self
    }
}

/// The error of an error call from a reference to it.
#[inline]
pub fn as_dyn_error<E: AsDynError + ?Sized>(error: &E) -> &(dyn Error + 'static) {
    error.as_dyn_error()
}

// === `err:` of error! and fatal! ===
//
// `err: e` takes what a program holds, by reference or by value (the macro borrows it):
// an error (`E`, `dyn Error`), a box or `Arc` of one, an `anyhow::Error`-like type (no
// `Error` impl, but `Deref`/`AsRef` to `dyn Error`), or a reference to any of these. One
// blanket impl per kind would overlap (coherence cannot tell `E: Error` from
// `T: Deref<Target = dyn Error>`), so the macro picks the kind by method resolution:
// `(&&&&&&&&&&ErrArg(&e)).__klog_error()` finds the impl whose `Self` has the most
// references first, so the kinds below are tried in order, and the last one, which always
// applies, turns every other type into a compile error that says what `err:` takes.

/// The argument of `err:` (borrowed by the macro), wrapped for kind selection.
#[derive(Debug)]
pub struct ErrArg<'a, T: ?Sized>(pub &'a T);

/// The error an `err:` argument was found to be.
#[derive(Debug)]
pub struct ErrorResult<'a>(pub &'a (dyn Error + 'static));

macro_rules! err_kinds {
    ($(
        $(#[$doc:meta])*
        $name:ident for [$($refs:tt)*] ErrArg<$t:ty> where [$($bounds:tt)*] => |$inner:ident| $body:expr;
    )*) => {$(
        $(#[$doc])*
        pub trait $name<'a> {
            /// The error.
            fn __klog_error(&self) -> ErrorResult<'a>;
        }

        impl<'a, 'b: 'a, 'c: 'b, U> $name<'a> for $($refs)* ErrArg<'a, $t>
        where
            U: ?Sized,
            $($bounds)*
        {
            #[inline]
            fn __klog_error(&self) -> ErrorResult<'a> {
                let $inner: &'a $t = self.0;
                ErrorResult($body)
            }
        }
    )*};
}

err_kinds! {
    /// Kind 0: a reference to a reference to an error (`err: &e` with `e: &E`).
    ErrRefRefError for [&&&&&&&&&] ErrArg<&'b &'c U> where [U: AsDynError] =>
        |e| (**e).as_dyn_error();
    /// Kind 1: a reference to an error (`err: &e`, `e: E`, `dyn Error`, `Arc<dyn Error>`).
    ErrRefError for [&&&&&&&&] ErrArg<&'b U> where [U: AsDynError] => |e| (*e).as_dyn_error();
    /// Kind 2: a reference to a pointer to an error (`&Box<dyn Error + Send + Sync>`,
    /// `&anyhow::Error`, `&eyre::Report`).
    ErrRefDeref for [&&&&&&&] ErrArg<&'b U>
        where [U: std::ops::Deref, U::Target: AsDynError] => |e| (**e).as_dyn_error();
    /// Kind 3: a reference to an `AsRef<dyn Error + Send + Sync>`.
    ErrRefAsRefSendSync for [&&&&&&] ErrArg<&'b U>
        where [U: AsRef<dyn Error + Send + Sync + 'static>] =>
        |e| AsRef::<dyn Error + Send + Sync + 'static>::as_ref(*e);
    /// Kind 4: a reference to an `AsRef<dyn Error>`.
    ErrRefAsRef for [&&&&&] ErrArg<&'b U> where [U: AsRef<dyn Error + 'static>] =>
        |e| AsRef::<dyn Error + 'static>::as_ref(*e);
    /// Kind 5: an error (`err: e`).
    ErrError for [&&&&] ErrArg<U> where [U: AsDynError] => |e| e.as_dyn_error();
    /// Kind 6: a pointer to an error (`err: boxed`).
    ErrDeref for [&&&] ErrArg<U> where [U: std::ops::Deref, U::Target: AsDynError] =>
        |e| (**e).as_dyn_error();
    /// Kind 7: an `AsRef<dyn Error + Send + Sync>`.
    ErrAsRefSendSync for [&&] ErrArg<U> where [U: AsRef<dyn Error + Send + Sync + 'static>] =>
        |e| AsRef::<dyn Error + Send + Sync + 'static>::as_ref(e);
    /// Kind 8: an `AsRef<dyn Error>`.
    ErrAsRef for [&] ErrArg<U> where [U: AsRef<dyn Error + 'static>] =>
        |e| AsRef::<dyn Error + 'static>::as_ref(e);
}

/// The last kind: anything else, which [`error_arg`] rejects with a message.
pub trait ErrNothing<'a, T: ?Sized> {
    /// What `err:` was given.
    fn __klog_error(&self) -> NotAnError<'a, T>;
}

impl<'a, T: ?Sized> ErrNothing<'a, T> for ErrArg<'a, T> {
    #[inline]
    fn __klog_error(&self) -> NotAnError<'a, T> {
        NotAnError(self.0)
    }
}

/// An `err:` argument that is not an error.
#[derive(Debug)]
pub struct NotAnError<'a, T: ?Sized>(pub &'a T);

/// The outcome of kind selection: only an error is one.
#[diagnostic::on_unimplemented(
    message = "`err:` takes an error (a `std::error::Error`), and this is not one",
    label = "not an error",
    note = "`err:` takes an error by reference or by value: `E: std::error::Error`, `dyn Error`, `Box<dyn Error + Send + Sync>`, `Arc<dyn Error>`, or a type that derefs to `dyn Error` (`anyhow::Error`)",
    note = "to log a value that is not an error, use a key/value pair: `error!(logger, \"message\", key = value)`"
)]
pub trait ErrorArgument<'a> {
    /// The error.
    fn into_error(self) -> &'a (dyn Error + 'static);
}

impl<'a> ErrorArgument<'a> for ErrorResult<'a> {
    #[inline]
    fn into_error(self) -> &'a (dyn Error + 'static) {
        self.0
    }
}

/// The error of an `err:` argument, after kind selection.
#[inline(always)]
pub fn error_arg<'a, A: ErrorArgument<'a>>(arg: A) -> &'a (dyn Error + 'static) {
    arg.into_error()
}

// === messages ===

/// Rejects a literal message with `format!`-style placeholders (`{}`, `{name}`, `{0}`,
/// `{:?}`, `{name:>8}`): klog messages are constant, values go in key/values. Called by
/// the macros in a `const` block, so a placeholder is a compile error. `{{` is no
/// placeholder (and is written as it is).
pub const fn check_message(message: &str) {
    let b = message.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'{' {
            if i + 1 < b.len() && b[i + 1] == b'{' {
                i += 2;
                continue;
            }
            if is_placeholder(b, i + 1) {
                panic!(
                    "klog messages are constant: a literal message cannot have `{{}}` or `{{name}}` \
                     placeholders. Put the values in key/values, e.g. \
                     `info!(logger, \"Synced\", name)` instead of \
                     `info!(logger, \"Synced {{}}\", name)`; a message that must contain such \
                     braces can be passed as a constant (`const MSG: &str = ...;`)"
                );
            }
        }
        i += 1;
    }
}

/// Whether `b[start..]` (just after a `{`) continues as a format placeholder: an optional
/// argument (an identifier or an index), an optional `:` and spec, then `}`.
const fn is_placeholder(b: &[u8], start: usize) -> bool {
    let mut i = start;
    // Identifiers may be non-ASCII (`{é}`): any byte of a multi-byte character counts.
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
        i += 1;
    }
    if i < b.len() && b[i] == b':' {
        i += 1;
        while i < b.len() && b[i] != b'}' {
            if b[i] == b'{' || b[i] == b'\n' || b[i] == b'"' {
                return false;
            }
            i += 1;
        }
    }
    i < b.len() && b[i] == b'}'
}

/// `fatal!`: writes a fatal record, flushes, prints this thread's backtrace to stderr and
/// exits with 255 (klog's `Fatal`).
#[cold]
#[inline(never)]
pub fn fatal(
    callsite: &'static Callsite,
    logger: &Logger,
    error: Option<&(dyn Error + 'static)>,
    message: &str,
    key_values: &[KeyValue<'_>],
) -> ! {
    logger.log(
        &Record::new(Severity::Fatal, message, key_values)
            .with_error(error)
            .with_callsite(callsite),
    );
    crate::global::flush();
    let backtrace = std::backtrace::Backtrace::force_capture();
    let thread = std::thread::current();
    let name = thread.name().unwrap_or("<unnamed>");
    // Best effort: the process is ending, there is nobody to report a failure to.
    let _ = std::io::Write::write_all(
        &mut std::io::stderr(),
        format!("fatal error in thread '{name}':\n{backtrace}\n").as_bytes(),
    );
    std::process::exit(255)
}
