//! The process-wide logger: what the macros without an explicit logger write through.
//!
//! Until [`set_logger`] (or [`init`](crate::init)) installs one, it is klog text on
//! stderr following the global `-v` and `-vmodule`. Installing is set-once, as with the
//! `log` crate: libraries never install, the binary's `main` does.
//!
//! Tests never need this: they hand their own [`Logger`] down the call chain, or build
//! one from a configuration with [`logger_from_config`](crate::logger_from_config).

use std::fmt;
use std::sync::{LazyLock, OnceLock};

use crate::format_sink::TextSink;
use crate::logger::Logger;

static INSTALLED: OnceLock<Logger> = OnceLock::new();
static DEFAULT: LazyLock<Logger> = LazyLock::new(|| TextSink::builder().build_logger());

/// Installs `logger` as the process-wide logger (klog's `SetLogger`): the macros without
/// a logger and [`background`] write through it from now on. Set once; later calls fail.
///
/// ```
/// let logger = klog::JsonSink::builder().writer(std::io::sink()).build_logger();
/// match klog::set_logger(logger) {
///     Ok(()) => {}
///     Err(e) => eprintln!("{e}"),
/// }
/// ```
///
/// # Errors
/// [`SetLoggerError`] if a logger was installed before.
pub fn set_logger(logger: Logger) -> Result<(), SetLoggerError> {
    INSTALLED.set(logger).map_err(|_| SetLoggerError(()))
}

/// The process-wide logger was already installed.
///
/// ```
/// let e: Option<klog::SetLoggerError> = None;
/// # let _ = e;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetLoggerError(());

impl fmt::Display for SetLoggerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the process-wide logger was already installed")
    }
}

impl std::error::Error for SetLoggerError {}

/// The process-wide logger (KEP-3077's `Background()`): the installed one, or klog text
/// on stderr.
///
/// ```
/// let logger = klog::background();
/// klog::info!(logger, "Starting");
/// ```
#[must_use]
pub fn background() -> Logger {
    background_ref().clone()
}

/// A reference to the process-wide logger, without a reference-count increment.
#[inline]
pub(crate) fn background_ref() -> &'static Logger {
    match INSTALLED.get() {
        Some(logger) => logger,
        None => &DEFAULT,
    }
}

/// Flushes the process-wide logger's output (klog's `Flush`).
///
/// ```
/// klog::flush();
/// ```
pub fn flush() {
    background_ref().flush();
}

/// Flushes the process-wide logger, then exits with `code` (klog's `FlushAndExit`).
///
/// ```no_run
/// klog::flush_and_exit(1);
/// ```
pub fn flush_and_exit(code: i32) -> ! {
    flush();
    std::process::exit(code)
}
