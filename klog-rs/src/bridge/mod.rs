//! The kit the bridges between klog and other logging frameworks are built on
//! (`klog-tracing`, `klog-slog`, `klog-log`), for bridges of your own: what they need
//! from klog beyond the public logging API, kept once for all of them.
//!
//! - [`Level`]: the one level table, in both directions (`docs/format.md` §5.7), with
//!   [`carried_verbosity`], the V level that travels as a `v` field.
//! - [`enter`], [`enter_from`], [`active`], [`came_from`], [`while_filtering`]: the one loop guard, so
//!   that two bridges pointing at each other cannot feed each other's records round.
//! - [`intern_callsite`], [`find_callsite`], [`intern_key`]: the one interning table of
//!   what must be `'static` (klog call sites for other frameworks' call sites, keys).
//! - [`OwnedValue`], [`OwnedError`]: the one owned value type, for what a bridge keeps
//!   beyond the call that lent it.
//! - [`with_thread_buffer`], [`take_vec`], [`with_key_values`]: the one per-thread buffer
//!   pool, so a record crosses without allocating once warm.
//! - [`value_text`], [`value_text_form`], [`pairs_text`]: klog's text form of values a
//!   framework has no type for.
//! - [`record_into_klog`], [`join_name`]: the record a bridge writes into klog, and the
//!   logger name a bridge's sink carries out of it.
//! - [`register_threshold`], [`DEFAULT_MAX_VERBOSITY`], [`on_verbosity_change`],
//!   [`globally_enabled`]: hooks into klog's verbosity checks.
//! - [`on_flush`]: a hook into klog's flushes ([`flush`](crate::flush), `fatal!`, exit), for
//!   a sink whose records wait in a queue of its own.

mod callsites;
mod guard;
mod level;
mod owned;
mod pool;
mod text;

pub use callsites::{find_callsite, intern_callsite, intern_key};
pub use guard::{
    active, came_from, enter, enter_from, filtering, while_filtering, Direction, Forwarding, Origin,
};
pub use level::{carried_verbosity, Level};
pub use owned::{debug_text, render_into, OwnedError, OwnedValue};
pub use pool::{give_back_vec, take_vec, with_key_values, with_thread_buffer};
pub use text::{pairs_text, value_text, value_text_form, ValueText};

use std::error::Error;
use std::sync::Arc;

use crate::callsite::Callsite;
use crate::record::{Record, Severity};
use crate::value::KeyValue;

/// The record a bridge writes into klog for another framework's record: `verbosity` is
/// its V level (ignored for errors, which klog writes whatever the verbosity), `callsite`
/// its call site when the framework knows it.
///
/// ```
/// use klog::Severity;
/// let record = klog::bridge::record_into_klog(Severity::Info, "Synced", &[], None, 4, None);
/// assert_eq!(record.verbosity(), 4);
/// let error = klog::bridge::record_into_klog(Severity::Error, "Failed", &[], None, 4, None);
/// assert_eq!(error.verbosity(), 0);
/// ```
#[inline]
#[must_use]
pub fn record_into_klog<'a>(
    severity: Severity,
    message: &'a str,
    key_values: &'a [KeyValue<'a>],
    error: Option<&'a (dyn Error + 'static)>,
    verbosity: i32,
    callsite: Option<&'a Callsite>,
) -> Record<'a> {
    let mut record = Record::new(severity, message, key_values).with_error(error);
    if !matches!(severity, Severity::Error | Severity::Fatal) {
        record = record.with_verbosity(verbosity);
    }
    if let Some(callsite) = callsite {
        record = record.with_callsite(callsite);
    }
    record
}

/// A sink's logger name with `name` appended, as klog joins names: with `.`, empty ones
/// included.
///
/// ```
/// use klog::bridge::join_name;
/// assert_eq!(&*join_name(None, "controller"), "controller");
/// assert_eq!(&*join_name(Some("controller"), "pods"), "controller.pods");
/// assert_eq!(&*join_name(Some("a"), ""), "a.");
/// ```
#[must_use]
pub fn join_name(prefix: Option<&str>, name: &str) -> Arc<str> {
    match prefix {
        Some(prefix) => Arc::from(format!("{prefix}.{name}")),
        None => Arc::from(name),
    }
}

/// The V level up to which a bridge's sink lets klog's global fast check pass records by
/// default, so that the other framework, not klog's `-v`, decides (Kubernetes uses V
/// levels up to 10).
///
/// ```
/// let registration = klog::bridge::register_threshold(klog::bridge::DEFAULT_MAX_VERBOSITY);
/// # drop(registration);
/// ```
pub const DEFAULT_MAX_VERBOSITY: i32 = 10;

/// Keeps a verbosity threshold in klog's global fast check for as long as it lives.
///
/// Every klog call first compares its V level with one process-wide bound: the global `-v`,
/// raised to the highest threshold of the live sinks that have their own. klog's own sinks
/// register theirs when built; a bridge sink that writes records up to `V(max)` holds one of
/// these (shared by the sinks derived from it), so the bound comes down when it is gone.
///
/// ```
/// let registration = klog::bridge::register_threshold(7);
/// // ... a sink that writes up to V(7) lives here ...
/// drop(registration);
/// ```
#[derive(Debug)]
#[must_use = "the threshold counts only while the registration lives"]
pub struct ThresholdRegistration(#[allow(dead_code)] crate::verbosity::SinkThreshold);

/// Lets klog's fast check pass levels up to `max` while the returned registration lives; see
/// [`ThresholdRegistration`].
pub fn register_threshold(max: i32) -> ThresholdRegistration {
    ThresholdRegistration(crate::verbosity::register_sink_threshold(max))
}

/// Registers `listener` to be called after every change of the global `-v` or `-vmodule`
/// ([`set_verbosity`](crate::set_verbosity), [`set_vmodule`](crate::set_vmodule), and so
/// [`init`](crate::init), which calls them), on the thread that made the change, after the
/// new value took effect. For bridges into frameworks that cache filter decisions: the
/// tracing bridge rebuilds tracing's per-call-site interest and maximum level, so the
/// order in which the subscriber and klog are set up does not matter.
///
/// Listeners stay registered for the life of the process; register each once (a
/// [`std::sync::Once`]). A listener must not change `-v` or `-vmodule` itself.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// static CHANGES: AtomicUsize = AtomicUsize::new(0);
/// klog::bridge::on_verbosity_change(|| {
///     CHANGES.fetch_add(1, Ordering::Relaxed);
/// });
/// klog::set_verbosity(3);
/// assert_eq!(CHANGES.load(Ordering::Relaxed), 1);
/// # klog::set_verbosity(0);
/// ```
pub fn on_verbosity_change(listener: fn()) {
    crate::verbosity::add_listener(listener);
}

/// Whether the process-wide `-v` and `-vmodule` enable an info record at V level
/// `verbosity` from `callsite`: the decision klog's own sinks make when they have no
/// threshold of their own, for a bridge's sink that follows them
/// ([`Sink::uses_global_verbosity`](crate::Sink::uses_global_verbosity)) and is asked anyway
/// (by a tee whose other sink has a threshold of its own).
///
/// ```
/// klog::set_verbosity(2);
/// assert!(klog::bridge::globally_enabled(2, None));
/// assert!(!klog::bridge::globally_enabled(3, None));
/// # klog::set_verbosity(0);
/// ```
#[inline]
#[must_use]
pub fn globally_enabled(verbosity: i32, callsite: Option<&Callsite>) -> bool {
    crate::verbosity::globally_enabled(verbosity, callsite)
}

/// Keeps a flush callback registered with klog for as long as it lives (see [`on_flush`]).
#[must_use = "the callback runs only while the registration lives"]
pub struct FlushRegistration(#[allow(dead_code)] crate::output::hooks::FlushHook);

impl std::fmt::Debug for FlushRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlushRegistration").finish_non_exhaustive()
    }
}

/// Registers `flush` to run wherever klog flushes its own outputs: [`flush`](crate::flush),
/// and so `fatal!` and [`flush_and_exit`](crate::flush_and_exit), and at process exit (the
/// `atexit` hook on Unix, which registering installs), after klog's own outputs are
/// written out. Not from the periodic flush thread (`flushFrequency`): a sink with a queue
/// of its own flushes it on its own schedule. For sinks whose records wait somewhere klog
/// cannot see, such as an OpenTelemetry batch processor: the core crate needs to know
/// nothing about them.
///
/// The callback runs while the returned registration lives; it must bound its own wait
/// (at exit, nothing else will), and may log.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
///
/// let flushes = Arc::new(AtomicUsize::new(0));
/// let counted = flushes.clone();
/// let registration = klog::bridge::on_flush(move || {
///     counted.fetch_add(1, Ordering::Relaxed);
/// });
/// klog::flush();
/// assert_eq!(flushes.load(Ordering::Relaxed), 1);
/// drop(registration);
/// klog::flush();
/// assert_eq!(flushes.load(Ordering::Relaxed), 1);
/// ```
pub fn on_flush(flush: impl Fn() + Send + Sync + 'static) -> FlushRegistration {
    let hook: crate::output::hooks::FlushHook = Arc::new(flush);
    crate::output::hooks::register(&hook);
    FlushRegistration(hook)
}

#[cfg(test)]
mod tests;
