//! Implicit logger propagation (KEP-3077), for code whose signatures cannot take a
//! `&Logger`.
//!
//! Passing the logger explicitly stays the first-class style: a function that takes
//! `&Logger` shows in its signature that its caller decides how it logs. Where that is
//! not possible (a trait method you do not own, a callback), the caller makes a logger
//! current for a scope, and the callee asks for it:
//!
//! - [`with_logger`] makes a logger current on this thread for a closure;
//! - [`WithLogger::with_logger`] makes it current on every poll of a future, so an async
//!   task carries its logger across `.await` points and worker threads (executor
//!   agnostic);
//! - [`from_context`] returns the current logger, else [`background`](crate::background);
//!   the macros without an explicit logger use it.
//!
//! Until a scope is entered for the first time anywhere in the process, `from_context`
//! costs one relaxed atomic load: no thread-local is touched (the same trick as tracing's
//! scoped dispatchers).
//!
//! [`enable_contextual_logging`] is KEP-3077's switch: with it off, `from_context`
//! returns the process-wide logger and [`logger_with_name`]/[`logger_with_values`] return
//! their input unchanged, as klog does when the `ContextualLogging` feature gate is off.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use crate::global::background_ref;
use crate::logger::Logger;
use crate::value::KeyValue;

/// Set the first time any scope is entered; until then no thread-local is consulted.
static SCOPES_USED: AtomicBool = AtomicBool::new(false);
/// KEP-3077's feature gate; on by default.
static CONTEXTUAL: AtomicBool = AtomicBool::new(true);

thread_local! {
    /// The loggers made current on this thread, innermost last.
    static CURRENT: RefCell<Vec<Logger>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with `logger` as this thread's current logger: [`from_context`] and the
/// macros without an explicit logger use it until `f` returns (or panics). Scopes nest.
///
/// ```
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder().writer(out.clone()).build_logger().with_name("reconciler");
///
/// fn legacy_callback() {
///     // Cannot take a logger parameter: asks for the current one.
///     klog::info!("Callback ran", phase = "sync");
/// }
///
/// klog::with_logger(logger, legacy_callback);
/// assert!(out.to_string().contains("\"Callback ran\" logger=\"reconciler\" phase=\"sync\""));
/// ```
pub fn with_logger<R>(logger: Logger, f: impl FnOnce() -> R) -> R {
    SCOPES_USED.store(true, Ordering::Relaxed);
    let _guard = enter(logger);
    f()
}

/// Pops the scope's logger when dropped, also while unwinding.
struct ScopeGuard {
    /// Whether a logger was pushed (not during thread teardown).
    pushed: bool,
}

fn enter(logger: Logger) -> ScopeGuard {
    let pushed = CURRENT
        .try_with(|current| match current.try_borrow_mut() {
            Ok(mut stack) => {
                stack.push(logger);
                true
            }
            Err(_) => false,
        })
        .unwrap_or(false);
    ScopeGuard { pushed }
}

impl Drop for ScopeGuard {
    fn drop(&mut self) {
        if self.pushed {
            let _ = CURRENT.try_with(|current| {
                if let Ok(mut stack) = current.try_borrow_mut() {
                    stack.pop();
                }
            });
        }
    }
}

/// The current logger: the innermost [`with_logger`] scope's on this thread (or the
/// future's, inside [`WithLogger::with_logger`]), else the process-wide
/// [`background`](crate::background) logger. With contextual logging disabled, always
/// the process-wide logger (KEP-3077's `FromContext`).
///
/// ```
/// let logger = klog::Logger::discard().with_name("inner");
/// klog::with_logger(logger, || {
///     assert!(!klog::from_context().enabled()); // the discarding scope logger
/// });
/// ```
#[must_use]
pub fn from_context() -> Logger {
    (*current()).clone()
}

/// The current logger as the macros hold it: a reference to the process-wide logger
/// (no reference-count change), or a clone of the scope's.
#[derive(Debug)]
pub enum CurrentLogger {
    /// The process-wide logger.
    Background(&'static Logger),
    /// A scope's logger. A clone, so that logging may itself enter scopes (a `Display`
    /// that logs).
    Scoped(Logger),
}

impl std::ops::Deref for CurrentLogger {
    type Target = Logger;

    #[inline]
    fn deref(&self) -> &Logger {
        match self {
            CurrentLogger::Background(logger) => logger,
            CurrentLogger::Scoped(logger) => logger,
        }
    }
}

/// The current logger (see [`from_context`]). When no scope was ever entered, this is
/// one relaxed load and no reference-count change.
#[inline]
pub(crate) fn current() -> CurrentLogger {
    if !SCOPES_USED.load(Ordering::Relaxed) || !CONTEXTUAL.load(Ordering::Relaxed) {
        return CurrentLogger::Background(background_ref());
    }
    scoped()
}

#[cold]
#[inline(never)]
fn scoped() -> CurrentLogger {
    let scoped = CURRENT
        .try_with(|current| current.try_borrow().ok().and_then(|s| s.last().cloned()))
        .ok()
        .flatten();
    match scoped {
        Some(logger) => CurrentLogger::Scoped(logger),
        None => CurrentLogger::Background(background_ref()),
    }
}

/// KEP-3077's `TODO()`: the process-wide logger, marking code that should receive a
/// logger from its caller but does not yet.
///
/// ```
/// klog::info!(klog::todo(), "Not yet contextual");
/// ```
#[must_use]
pub fn todo() -> Logger {
    background_ref().clone()
}

/// Turns contextual logging on or off (KEP-3077's `ContextualLogging` gate, on by
/// default). Off: [`from_context`] returns the process-wide logger and
/// [`logger_with_name`]/[`logger_with_values`] return their input unchanged. Loggers
/// passed explicitly are not affected.
///
/// ```
/// klog::enable_contextual_logging(false);
/// let logger = klog::logger_with_name(klog::Logger::discard(), "ignored");
/// # let _ = logger;
/// klog::enable_contextual_logging(true);
/// ```
pub fn enable_contextual_logging(enabled: bool) {
    CONTEXTUAL.store(enabled, Ordering::Relaxed);
}

/// Whether contextual logging is on (see [`enable_contextual_logging`]).
///
/// ```
/// assert!(klog::contextual_logging_enabled() || !klog::contextual_logging_enabled());
/// ```
#[must_use]
pub fn contextual_logging_enabled() -> bool {
    CONTEXTUAL.load(Ordering::Relaxed)
}

/// KEP-3077's `LoggerWithName`: `logger.with_name(name)`, or `logger` unchanged while
/// contextual logging is off.
///
/// ```
/// let logger = klog::logger_with_name(klog::background(), "controller");
/// # let _ = logger;
/// ```
#[must_use]
pub fn logger_with_name(logger: Logger, name: &str) -> Logger {
    if contextual_logging_enabled() {
        logger.with_name(name)
    } else {
        logger
    }
}

/// KEP-3077's `LoggerWithValues`: `logger.with_values(key_values)`, or `logger` unchanged
/// while contextual logging is off.
///
/// ```
/// let logger = klog::logger_with_values(klog::background(), &[klog::KeyValue::new("shard", &7)]);
/// # let _ = logger;
/// ```
#[must_use]
pub fn logger_with_values(logger: Logger, key_values: &[KeyValue<'_>]) -> Logger {
    if contextual_logging_enabled() {
        logger.with_values(key_values)
    } else {
        logger
    }
}

/// Makes a logger current for a future: `.with_logger(logger)` on any future.
///
/// The logger is current on every poll, whichever thread polls, so a task carries its
/// logger across `.await` points and worker threads. No executor dependency.
///
/// ```
/// use klog::WithLogger;
/// use std::future::Future;
/// use std::task::{Context, Poll, Waker};
///
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder().writer(out.clone()).build_logger().with_name("task");
/// let mut task = Box::pin(async { klog::info!("Polled") }.with_logger(logger));
/// let mut cx = Context::from_waker(Waker::noop());
/// assert!(task.as_mut().poll(&mut cx).is_ready());
/// assert!(out.to_string().contains("\"Polled\" logger=\"task\""));
/// ```
pub trait WithLogger: Future + Sized {
    /// Wraps `self` so that `logger` is current whenever it is polled.
    fn with_logger(self, logger: Logger) -> LoggerScoped<Self> {
        LoggerScoped {
            inner: self,
            logger,
        }
    }
}

impl<F: Future> WithLogger for F {}

pin_project_lite::pin_project! {
    /// A future with its own current logger: see [`WithLogger::with_logger`].
    ///
    /// ```
    /// use klog::WithLogger;
    /// let future = async {}.with_logger(klog::Logger::discard());
    /// assert!(future.logger().sink().is_none());
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct LoggerScoped<F> {
        #[pin]
        inner: F,
        logger: Logger,
    }
}

impl<F> LoggerScoped<F> {
    /// The logger made current on each poll.
    pub fn logger(&self) -> &Logger {
        &self.logger
    }
}

impl<F: Future> Future for LoggerScoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        with_logger(this.logger.clone(), || this.inner.poll(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::SharedBuffer;
    use crate::TextSink;

    fn logger(out: &SharedBuffer, name: &str) -> Logger {
        TextSink::builder()
            .writer(out.clone())
            .verbosity(0)
            .build_logger()
            .with_name(name)
    }

    #[test]
    fn scopes_nest_and_unwind() {
        let out = SharedBuffer::default();
        with_logger(logger(&out, "outer"), || {
            crate::info!("a");
            with_logger(logger(&out, "inner"), || crate::info!("b"));
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                with_logger(logger(&out, "panicking"), || panic!("boom"))
            }));
            assert!(result.is_err());
            crate::info!("c");
        });
        let text = out.to_string();
        let names: Vec<&str> = text
            .lines()
            .map(|l| l.split("logger=").nth(1).unwrap_or(""))
            .collect();
        assert_eq!(names, ["\"outer\"", "\"inner\"", "\"outer\""]);
    }

    #[test]
    fn a_display_that_logs_inside_a_scope_works() {
        struct LogsInside(Logger);
        impl std::fmt::Display for LogsInside {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                with_logger(self.0.clone(), || crate::info!("nested"));
                f.write_str("v")
            }
        }
        let out = SharedBuffer::default();
        let l = logger(&out, "s");
        with_logger(
            l.clone(),
            || crate::info!("outer", x = %LogsInside(l.clone())),
        );
        assert_eq!(out.to_string().lines().count(), 2);
    }
}
