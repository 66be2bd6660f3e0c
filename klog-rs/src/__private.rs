//! Support for the macros. Not public API: anything here may change in any release.

use std::error::Error;

pub use crate::callsite::Callsite;
pub use crate::logger::Logger;
pub use crate::record::{Record, RecordKind, Severity};
pub use crate::value::{KeyValue, RenderedKey, ToValue, Value};

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
