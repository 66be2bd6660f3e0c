//! [`Sink`]: what a [`Logger`](crate::Logger) writes through (logr's `LogSink`).

use std::sync::Arc;

use crate::callsite::Callsite;
use crate::record::Record;
use crate::value::KeyValue;

/// The back end of a [`Logger`](crate::Logger): decides, renders and writes records.
///
/// A sink is immutable: [`with_values`](Sink::with_values) and
/// [`with_name`](Sink::with_name) return a new sink that carries the added context, so
/// a logger handed down a call chain never changes its caller's logger.
///
/// # For implementors
/// - `enabled`/`enabled_for` are consulted only after the global fast check passed
///   (`verbosity` at most the largest threshold in use, or raised by the global `-vmodule`
///   for the call site); the built-in sinks register their own thresholds so the fast
///   check never silences them.
/// - `log` receives info, warning, error and fatal records; error records ignore the
///   verbosity, as in logr. It must not panic and returns nothing: write errors are the
///   sink's to count.
/// - `with_values` may render the values right away (they are borrowed for the call
///   only), which makes every later call cheaper.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use klog::{KeyValue, Logger, Record, Sink};
///
/// #[derive(Default)]
/// struct Messages(Mutex<Vec<String>>);
/// struct Collect(Arc<Messages>);
/// impl Sink for Collect {
///     fn enabled(&self, verbosity: i32) -> bool { verbosity <= 1 }
///     fn log(&self, record: &Record<'_>) {
///         self.0 .0.lock().unwrap().push(record.message().to_owned());
///     }
///     fn with_values(&self, _: &[KeyValue<'_>]) -> Arc<dyn Sink> { Arc::new(Collect(self.0.clone())) }
///     fn with_name(&self, _: &str) -> Arc<dyn Sink> { Arc::new(Collect(self.0.clone())) }
/// }
///
/// let messages = Arc::new(Messages::default());
/// let logger = Logger::new(Arc::new(Collect(messages.clone())));
/// klog::info!(logger, "shown");
/// klog::info!(v: 2, logger, "hidden");
/// assert_eq!(*messages.0.lock().unwrap(), ["shown"]);
/// ```
pub trait Sink: Send + Sync + 'static {
    /// Whether an info record at V level `verbosity` would be written.
    fn enabled(&self, verbosity: i32) -> bool;

    /// Whether an info record at V level `verbosity` from `callsite` would be written: what the
    /// macros ask. The default ignores the call site; sinks that honour `-vmodule`
    /// override it.
    fn enabled_for(&self, verbosity: i32, callsite: &Callsite) -> bool {
        let _ = callsite;
        self.enabled(verbosity)
    }

    /// Whether this sink writes exactly what the process-wide `-v` and `-vmodule` enable
    /// ([`set_verbosity`](crate::set_verbosity), [`set_vmodule`](crate::set_vmodule)) and
    /// has no threshold of its own. When it says so, a [`Logger`](crate::Logger) makes
    /// the decision itself, once per call, and never asks [`enabled`](Sink::enabled) or
    /// [`enabled_for`](Sink::enabled_for). Asked when a logger is made from the sink. The
    /// default is `false`.
    ///
    /// ```
    /// use klog::Sink;
    /// assert!(klog::TextSink::builder().build().uses_global_verbosity());
    /// assert!(!klog::TextSink::builder().verbosity(3).build().uses_global_verbosity());
    /// ```
    fn uses_global_verbosity(&self) -> bool {
        false
    }

    /// Writes a record.
    fn log(&self, record: &Record<'_>);

    /// A sink that adds `key_values` to every record.
    fn with_values(&self, key_values: &[KeyValue<'_>]) -> Arc<dyn Sink>;

    /// A sink whose name is this one's with `name` appended (joined with `.`).
    fn with_name(&self, name: &str) -> Arc<dyn Sink>;

    /// A sink with `names` appended in order and `key_values` bound: what
    /// [`with_name`](Sink::with_name) for each name and then
    /// [`with_values`](Sink::with_values) give, which is what the default does. A sink
    /// that [derives lazily](Sink::derives_lazily) is handed a logger's derivations this
    /// way, in one call; it may build the result in one step.
    ///
    /// ```
    /// use klog::{KeyValue, Sink, TextSink};
    /// let out = klog::SharedBuffer::default();
    /// let sink = TextSink::builder().writer(out.clone()).build();
    /// let derived = sink.with_names_and_values(&["controller", "pods"], &[KeyValue::new("shard", &7)]);
    /// klog::Logger::new(derived).info("Synced", &[]);
    /// assert!(out.to_string().ends_with("\"Synced\" logger=\"controller.pods\" shard=7\n"));
    /// ```
    fn with_names_and_values(&self, names: &[&str], key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        let Some((first, rest)) = names.split_first() else {
            return self.with_values(key_values);
        };
        let mut sink = self.with_name(first);
        for name in rest {
            sink = sink.with_name(name);
        }
        if !key_values.is_empty() {
            sink = sink.with_values(key_values);
        }
        sink
    }

    /// Whether a [`Logger`](crate::Logger) may keep what is derived from it by
    /// [`with_name`](crate::Logger::with_name) and [`with_values`](crate::Logger::with_values)
    /// itself, as long as the values are plain (numbers, strings, booleans, object
    /// references, durations, times) and fit its fixed room, and hand it over in one
    /// [`with_names_and_values`](Sink::with_names_and_values) call when the first record
    /// is written through it. A logger derived and never used at an enabled level then
    /// costs no allocation and no call of the sink. The default is `false`: every
    /// derivation calls the sink at once.
    ///
    /// A sink that says yes promises that its derived sinks decide
    /// [`enabled`](Sink::enabled) exactly as it does (the logger asks the sink it was
    /// derived from), that the order between names and values does not matter, and that
    /// `with_names_and_values` does not log through the logger being derived. Asked when a
    /// logger is made from the sink. The built-in [`TextSink`](crate::TextSink) and
    /// [`JsonSink`](crate::JsonSink) say yes.
    ///
    /// ```
    /// use klog::Sink;
    /// assert!(klog::TextSink::builder().build().derives_lazily());
    /// ```
    fn derives_lazily(&self) -> bool {
        false
    }

    /// Writes out anything buffered. The default does nothing.
    fn flush(&self) {}
}
