//! [`Logger`]: the value that is handed down a call chain (logr's `Logger`).

use std::error::Error;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::callsite::Callsite;
use crate::capture::{Capture, InlineBytes};
use crate::record::{Record, Severity};
use crate::sink::Sink;
use crate::value::KeyValue;
use crate::verbosity::{
    gate, globally_enabled, max_v, refresh_gate, vmodule_enables, vmodule_gate,
};

/// A logger: a [`Sink`] plus a verbosity offset, and the names and plain values derived
/// from it that it has not handed to the sink yet ([`Sink::derives_lazily`]). `Send +
/// Sync`, a 128-byte value, and the default value discards everything. Deriving with
/// plain values allocates nothing; the first record or clone hands the derivations to the
/// sink once, and later clones are one reference count.
///
/// Whoever holds a logger controls what the code it hands the logger to logs: names
/// ([`with_name`](Logger::with_name)), key/values ([`with_values`](Logger::with_values)),
/// verbosity ([`v`](Logger::v)) and the format (the sink).
///
/// ```
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder()
///     .writer(out.clone())
///     .fixed_time(std::time::UNIX_EPOCH)
///     .time_zone(klog::TimeZone::Utc)
///     .pid(1)
///     .build_logger();
/// let pods = logger.with_name("pods").with_values(&[klog::KeyValue::new("node", &"worker-1")]);
/// klog::info!(pods, "Pod status updated", attempt = 3);
/// assert!(out.to_string().ends_with(
///     "] \"Pod status updated\" logger=\"pods\" node=\"worker-1\" attempt=3\n"
/// ));
/// ```
#[derive(Default)]
pub struct Logger {
    sink: Option<Arc<dyn Sink>>,
    /// `sink` with `pending` handed to it, made when the first record needs it.
    derived: OnceLock<Arc<dyn Sink>>,
    verbosity: i32,
    /// The sink follows the global `-v`/`-vmodule` only
    /// ([`Sink::uses_global_verbosity`]): the logger decides alone.
    global_threshold: bool,
    /// The sink lets this logger keep derivations in `pending` ([`Sink::derives_lazily`]).
    lazy: bool,
    /// Names and plain values derived from `sink` and not yet handed to it: deriving a
    /// logger is a copy of this fixed room and one reference count, so a logger derived
    /// per call and only used at a disabled level allocates nothing.
    pending: Capture<InlineBytes<PENDING_WORDS>>,
}

/// The room a logger keeps derivations in, in 8-byte words: 72 bytes, which two names, an
/// object reference and a number fit, and the whole logger stays 128 bytes. A derivation
/// that does not fit is handed to the sink at once.
const PENDING_WORDS: usize = 9;

/// A clone shares the sink made from what is pending: it is made here if it was not yet
/// (a clone is kept or handed on, and clones that each derived their own sink would each
/// allocate and render), so a logger derived per call and never cloned stays free.
impl Clone for Logger {
    fn clone(&self) -> Logger {
        let _ = self.sink();
        Logger {
            derived: self.derived.clone(),
            ..self.child()
        }
    }
}

impl fmt::Debug for Logger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logger")
            .field("discard", &self.sink.is_none())
            .field("verbosity", &self.verbosity)
            .field("pending", &self.pending)
            .finish()
    }
}

impl Logger {
    /// A logger writing through `sink`.
    #[must_use]
    pub fn new(sink: Arc<dyn Sink>) -> Logger {
        Logger::with_sink(sink, 0)
    }

    fn with_sink(sink: Arc<dyn Sink>, verbosity: i32) -> Logger {
        Logger {
            global_threshold: sink.uses_global_verbosity(),
            lazy: sink.derives_lazily(),
            sink: Some(sink),
            derived: OnceLock::new(),
            verbosity,
            pending: Capture::new(),
        }
    }

    /// A logger that discards everything (the same as `Logger::default()`).
    ///
    /// ```
    /// assert!(!klog::Logger::discard().enabled());
    /// ```
    #[must_use]
    pub const fn discard() -> Logger {
        Logger {
            sink: None,
            derived: OnceLock::new(),
            verbosity: 0,
            global_threshold: false,
            lazy: false,
            pending: Capture::new(),
        }
    }

    /// Whether this logger discards everything ([`discard`](Logger::discard), or the
    /// default value): it has no sink.
    ///
    /// ```
    /// assert!(klog::Logger::discard().is_discard());
    /// assert!(!klog::TextSink::builder().writer(std::io::sink()).build_logger().is_discard());
    /// ```
    #[must_use]
    #[inline]
    pub fn is_discard(&self) -> bool {
        self.sink.is_none()
    }

    /// The sink records are written to, `None` for a discarding logger. For a logger
    /// that still keeps its derivations itself ([`Sink::derives_lazily`]), this is the
    /// first use that needs them handed to the sink: it derives the sink now (once; later
    /// calls and records reuse it).
    ///
    /// ```
    /// let logger = klog::TextSink::builder().writer(std::io::sink()).build_logger();
    /// assert!(logger.with_name("pods").sink().is_some());
    /// assert!(klog::Logger::discard().sink().is_none());
    /// ```
    #[must_use]
    #[inline]
    pub fn sink(&self) -> Option<&Arc<dyn Sink>> {
        let sink = self.sink.as_ref()?;
        if self.pending.is_empty() {
            return Some(sink);
        }
        Some(self.derived.get_or_init(|| {
            let (names, pairs) = self.pending.decode();
            sink.with_names_and_values(&names, &pairs)
        }))
    }

    /// The verbosity offset added by [`v`](Logger::v): the V level an `info!` without
    /// `v:` is logged at.
    ///
    /// ```
    /// assert_eq!(klog::Logger::discard().v(2).verbosity(), 2);
    /// ```
    #[must_use]
    pub fn verbosity(&self) -> i32 {
        self.verbosity
    }

    /// A logger whose info calls are `n` levels more verbose: `logger.v(1)` handed to a
    /// function turns its `v(3)` into `v(4)`. Negative `n` counts as 0 (logr).
    ///
    /// ```
    /// let logger = klog::Logger::discard().v(2).v(-5).v(1);
    /// assert_eq!(logger.verbosity(), 3);
    /// ```
    #[must_use]
    pub fn v(&self, n: i32) -> Logger {
        Logger {
            verbosity: self.verbosity.saturating_add(n.max(0)),
            derived: self.derived.clone(),
            ..self.child()
        }
    }

    /// A logger with `name` appended to its name (joined with `.`), shown as `logger=`.
    ///
    /// ```
    /// let logger = klog::Logger::discard().with_name("controller").with_name("pods");
    /// # let _ = logger;
    /// ```
    #[must_use]
    #[inline(always)]
    pub fn with_name(&self, name: &str) -> Logger {
        let mut logger = self.child();
        if !(self.lazy && logger.pending.push_name(name)) {
            logger.derive_from(self, |sink| sink.with_name(name));
        }
        logger
    }

    /// A logger that adds `key_values` to every record.
    ///
    /// ```
    /// let logger = klog::Logger::discard().with_values(&[klog::KeyValue::new("shard", &7)]);
    /// # let _ = logger;
    /// ```
    #[must_use]
    #[inline(always)]
    pub fn with_values(&self, key_values: &[KeyValue<'_>]) -> Logger {
        let mut logger = self.child();
        if !(self.lazy && logger.pending.push_key_values(key_values)) {
            logger.derive_from(self, |sink| sink.with_values(key_values));
        }
        logger
    }

    /// A copy of this logger to derive from: its pending derivations, not the sink made
    /// from them.
    #[inline(always)]
    fn child(&self) -> Logger {
        Logger {
            sink: self.sink.clone(),
            derived: OnceLock::new(),
            verbosity: self.verbosity,
            global_threshold: self.global_threshold,
            lazy: self.lazy,
            pending: self.pending,
        }
    }

    /// Makes this [`child`](Logger::child) of `parent` the logger `derive` gives from the
    /// parent's sink (what is pending handed over first): the derivation could not be
    /// kept pending.
    #[cold]
    #[inline(never)]
    fn derive_from(
        &mut self,
        parent: &Logger,
        derive: impl FnOnce(&Arc<dyn Sink>) -> Arc<dyn Sink>,
    ) {
        if let Some(sink) = parent.sink() {
            *self = Logger::with_sink(derive(sink), parent.verbosity);
        }
    }

    /// Whether an info call at this logger's verbosity would be written.
    #[must_use]
    #[inline]
    pub fn enabled(&self) -> bool {
        self.enabled_at(self.verbosity)
    }

    /// Whether an info call at the absolute `verbosity` (offset already added) would be
    /// written, without a call site: the global fast check, then the sink's.
    #[doc(hidden)]
    #[must_use]
    #[inline(always)]
    pub fn enabled_at(&self, verbosity: i32) -> bool {
        verbosity <= max_v()
            && match &self.sink {
                Some(_) if self.global_threshold => globally_enabled(verbosity, None),
                Some(sink) => sink.enabled(verbosity),
                None => false,
            }
    }

    /// Whether an info call at the absolute `verbosity` (this logger's offset already added)
    /// from `callsite` would be written: the global fast check (`-v` bound, then the call
    /// site's cached `-vmodule` level), then the sink's. What the macros call; bridges
    /// that build records themselves use it too.
    ///
    /// ```
    /// static CALLSITE: klog::Callsite = klog::Callsite::new(file!(), line!(), module_path!());
    /// let logger = klog::TextSink::builder().writer(std::io::sink()).verbosity(2).build_logger();
    /// assert!(logger.enabled_for(2, &CALLSITE));
    /// assert!(!logger.enabled_for(3, &CALLSITE));
    /// ```
    #[must_use]
    #[inline(always)]
    pub fn enabled_for(&self, verbosity: i32, callsite: &Callsite) -> bool {
        // Only the gate is inlined into every call site: a disabled call is one load and
        // one compare, and the expansion stays small enough for callers to be inlined.
        verbosity <= gate() && self.enabled_past_gate(verbosity, callsite)
    }

    /// [`enabled_for`](Logger::enabled_for) for a `static` call site, what the macros
    /// call: whether a call at `v(v)` is enabled through this logger, at the level
    /// [`level_at_v`](Logger::level_at_v). The inline check is the call site's own gate
    /// (the highest level any sink can write there, `-vmodule` included), and the logger's
    /// offset only raises the level, so a
    /// `v` above the gate is rejected before the logger is read: a disabled call is one
    /// load and one compare whether or not a `-vmodule` is set.
    ///
    /// ```
    /// static CALLSITE: klog::Callsite = klog::Callsite::new(file!(), line!(), module_path!());
    /// let logger = klog::TextSink::builder().writer(std::io::sink()).verbosity(2).build_logger();
    /// assert!(logger.enabled_v_at_callsite(2, &CALLSITE));
    /// assert!(!logger.enabled_v_at_callsite(3, &CALLSITE));
    /// assert!(logger.v(1).enabled_v_at_callsite(1, &CALLSITE));
    /// assert!(!logger.v(1).enabled_v_at_callsite(2, &CALLSITE));
    /// ```
    #[doc(hidden)]
    #[must_use]
    #[inline(always)]
    pub fn enabled_v_at_callsite(&self, v: i32, callsite: &'static Callsite) -> bool {
        let gate = callsite.gate();
        v <= gate && {
            let level = self.level_at_v(v);
            level <= gate && self.enabled_past_callsite_gate(level, gate, callsite)
        }
    }

    /// The level of a call at `v(v)` through this logger: `v` (0 when negative, as `V(-1)`
    /// is `V(0)` in klog) plus the logger's [`verbosity`](Logger::verbosity), saturating.
    ///
    /// ```
    /// let logger = klog::Logger::discard().v(2);
    /// assert_eq!(logger.level_at_v(1), 3);
    /// assert_eq!(logger.level_at_v(-5), 2);
    /// ```
    #[doc(hidden)]
    #[must_use]
    #[inline(always)]
    pub fn level_at_v(&self, v: i32) -> i32 {
        self.verbosity.saturating_add(v.max(0))
    }

    /// The out-of-line part of [`enabled_v_at_callsite`](Logger::enabled_v_at_callsite):
    /// computes the call site's gate if it is unknown, then the full decision. A known
    /// gate already holds what `vmodule_gate` would check, so it is not asked again.
    #[inline(never)]
    fn enabled_past_callsite_gate(
        &self,
        level: i32,
        gate: i32,
        callsite: &'static Callsite,
    ) -> bool {
        refresh_gate(gate, callsite);
        self.decide(level, callsite)
    }

    /// A small function, so that a call a global `-vmodule` does not raise is rejected
    /// (two loads and compares) before the full decision's frame is set up.
    #[inline(never)]
    fn enabled_past_gate(&self, level: i32, callsite: &Callsite) -> bool {
        vmodule_gate(level, callsite) && self.decide(level, callsite)
    }

    #[inline(never)]
    fn decide(&self, level: i32, callsite: &Callsite) -> bool {
        match &self.sink {
            // The one decision for the built-in sinks; the sink is not asked again.
            Some(_) if self.global_threshold => globally_enabled(level, Some(callsite)),
            Some(sink) => {
                (level <= max_v() || vmodule_enables(callsite, level))
                    && sink.enabled_for(level, callsite)
            }
            None => false,
        }
    }

    /// Logs an info record at this logger's verbosity; `key_values` are the call's pairs.
    ///
    /// ```
    /// let logger = klog::Logger::discard();
    /// logger.info("Pod status updated", &[klog::KeyValue::new("attempt", &3)]);
    /// ```
    #[track_caller]
    pub fn info(&self, message: &str, key_values: &[KeyValue<'_>]) {
        let callsite = Callsite::from_location(std::panic::Location::caller());
        if self.enabled_for(self.verbosity, &callsite) {
            self.log(
                &Record::new(Severity::Info, message, key_values)
                    .with_verbosity(self.verbosity)
                    .with_callsite(&callsite),
            );
        }
    }

    /// Logs a warning record (klog severity `W`), subject to this logger's verbosity.
    ///
    /// ```
    /// klog::Logger::discard().warning("Slow response", &[]);
    /// ```
    #[track_caller]
    pub fn warning(&self, message: &str, key_values: &[KeyValue<'_>]) {
        let callsite = Callsite::from_location(std::panic::Location::caller());
        if self.enabled_for(self.verbosity, &callsite) {
            self.log(
                &Record::new(Severity::Warning, message, key_values)
                    .with_verbosity(self.verbosity)
                    .with_callsite(&callsite),
            );
        }
    }

    /// Logs an error record; errors ignore verbosity (logr).
    ///
    /// ```
    /// let err = std::io::Error::other("connection refused");
    /// klog::Logger::discard().error(Some(&err), "Failed to sync", &[]);
    /// ```
    #[track_caller]
    pub fn error(
        &self,
        error: Option<&(dyn Error + 'static)>,
        message: &str,
        key_values: &[KeyValue<'_>],
    ) {
        if !self.is_discard() {
            let callsite = Callsite::from_location(std::panic::Location::caller());
            self.log(
                &Record::new(Severity::Error, message, key_values)
                    .with_error(error)
                    .with_callsite(&callsite),
            );
        }
    }

    /// Writes a record as it is (no verbosity check): the common end of every call.
    #[inline]
    pub fn log(&self, record: &Record<'_>) {
        if let Some(sink) = self.sink() {
            sink.log(record);
        }
    }

    /// Flushes the sink.
    ///
    /// ```
    /// klog::Logger::discard().flush();
    /// ```
    pub fn flush(&self) {
        if let Some(sink) = &self.sink {
            sink.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone + Default>() {}

    #[test]
    fn logger_is_send_sync_clone_default() {
        assert_send_sync::<Logger>();
    }

    #[test]
    fn logger_stays_two_cache_lines_at_most() {
        assert!(
            std::mem::size_of::<Logger>() <= 128,
            "{}",
            std::mem::size_of::<Logger>()
        );
    }

    #[test]
    fn v_is_additive_and_clamps_negatives() {
        let l = Logger::discard().v(1).v(-3).v(2);
        assert_eq!(l.verbosity(), 3);
        assert_eq!(Logger::discard().v(i32::MAX).v(5).verbosity(), i32::MAX);
    }

    #[test]
    fn macros_add_the_loggers_offset_to_v_at_every_call() {
        let test = crate::testing::logger_with_verbosity(3);
        let logger: &Logger = &test;
        let offset = logger.v(2);
        // Each call site twice: the first computes its gate, the second uses it.
        for _ in 0..2 {
            crate::info!(offset, v: 1, "at 3");
            crate::info!(offset, v: 2, "at 4");
            crate::info!(offset, v: -5, "at 2");
            crate::info!(logger.v(i32::MAX), v: 1, "saturated");
            crate::info!(logger, v: 3, "plain at 3");
            crate::info!(logger, v: 4, "plain at 4");
            assert!(crate::enabled!(offset, v: 1) && !crate::enabled!(offset, v: 2));
        }
        let text = test.text();
        let messages: Vec<&str> = text
            .lines()
            .filter_map(|line| line.split_once("] ").map(|(_, m)| m))
            .collect();
        assert_eq!(
            messages,
            [
                "\"at 3\"",
                "\"at 2\"",
                "\"plain at 3\"",
                "\"at 3\"",
                "\"at 2\"",
                "\"plain at 3\""
            ]
        );
    }

    /// A sink that follows the global threshold and counts how often it is asked anyway.
    #[derive(Default)]
    struct CountingSink {
        asked: std::sync::atomic::AtomicUsize,
        logged: std::sync::atomic::AtomicUsize,
        global: bool,
    }

    impl Sink for CountingSink {
        fn enabled(&self, _: i32) -> bool {
            self.asked
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            true
        }
        fn uses_global_verbosity(&self) -> bool {
            self.global
        }
        fn log(&self, _: &Record<'_>) {
            self.logged
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        fn with_values(&self, _: &[KeyValue<'_>]) -> Arc<dyn Sink> {
            Arc::new(CountingSink::default())
        }
        fn with_name(&self, _: &str) -> Arc<dyn Sink> {
            Arc::new(CountingSink::default())
        }
    }

    #[test]
    fn the_decision_is_made_once_for_a_sink_on_the_global_threshold() {
        use std::sync::atomic::Ordering::Relaxed;
        for global in [true, false] {
            let sink = Arc::new(CountingSink {
                global,
                ..CountingSink::default()
            });
            let logger = Logger::new(sink.clone());
            // V0 is enabled by any global `-v`.
            logger.info("shown", &[]);
            assert_eq!(sink.logged.load(Relaxed), 1);
            assert_eq!(
                sink.asked.load(Relaxed),
                usize::from(!global),
                "global={global}"
            );
        }
    }

    #[test]
    fn deriving_from_a_discarding_logger_keeps_its_level() {
        assert_eq!(Logger::discard().v(2).with_name("x").verbosity(), 2);
        assert_eq!(Logger::discard().v(3).with_values(&[]).verbosity(), 3);
    }

    #[test]
    fn default_logger_discards() {
        assert!(!Logger::default().enabled());
        assert!(!Logger::default().v(0).enabled_at(0));
    }
}
