//! [`Tee`]: one logger, two sinks (klog text or JSON on stderr, and OTLP export).

use std::sync::Arc;

use klog::{Callsite, KeyValue, Record, Severity, Sink};

/// A sink that writes every record to two sinks: the usual klog text or JSON output and an
/// [`OtlpSink`](crate::OtlpSink), say. When both follow the global `-v`/`-vmodule`
/// ([`Sink::uses_global_verbosity`], klog's sinks built without a verbosity of their own
/// and `OtlpSink` by default), the tee does too, and the logger decides once for both.
/// Otherwise each info record goes to the sinks that enable it.
///
/// ```
/// let text = klog::SharedBuffer::default();
/// let json = klog::SharedBuffer::default();
/// let logger = klog::Logger::new(std::sync::Arc::new(klog_opentelemetry::Tee::new(
///     klog::TextSink::builder().writer(text.clone()).build(),
///     klog::JsonSink::builder().writer(json.clone()).build(),
/// )));
/// klog::info!(logger, "Started");
/// assert!(text.to_string().contains("\"Started\""));
/// assert!(json.to_string().contains("\"msg\":\"Started\""));
/// ```
pub struct Tee {
    first: Arc<dyn Sink>,
    second: Arc<dyn Sink>,
    global: [bool; 2],
}

impl std::fmt::Debug for Tee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tee").finish_non_exhaustive()
    }
}

impl Tee {
    /// A tee of `first` and `second`, written in that order.
    ///
    /// ```
    /// let sink = klog_opentelemetry::Tee::new(
    ///     klog::TextSink::builder().build(),
    ///     klog::JsonSink::builder().build(),
    /// );
    /// # let _ = sink;
    /// ```
    #[must_use]
    pub fn new(first: impl Sink, second: impl Sink) -> Tee {
        Tee::of(Arc::new(first), Arc::new(second))
    }

    /// A tee of two shared sinks.
    ///
    /// ```
    /// let text: std::sync::Arc<dyn klog::Sink> = std::sync::Arc::new(klog::TextSink::builder().build());
    /// let sink = klog_opentelemetry::Tee::of(text.clone(), text);
    /// # let _ = sink;
    /// ```
    #[must_use]
    pub fn of(first: Arc<dyn Sink>, second: Arc<dyn Sink>) -> Tee {
        let global = [
            first.uses_global_verbosity(),
            second.uses_global_verbosity(),
        ];
        Tee {
            first,
            second,
            global,
        }
    }

    /// Whether `sink` takes `record`.
    #[inline]
    fn takes(&self, sink: &dyn Sink, record: &Record<'_>) -> bool {
        if self.global == [true, true] || record.severity() != Severity::Info {
            return true;
        }
        // The logger asked the tee, which said yes if either sink did: ask this one (a sink
        // on the global `-v` answers from it, `-vmodule` included).
        match record.callsite() {
            Some(callsite) => sink.enabled_for(record.verbosity(), callsite),
            None => sink.enabled(record.verbosity()),
        }
    }
}

impl Sink for Tee {
    fn enabled(&self, verbosity: i32) -> bool {
        self.first.enabled(verbosity) || self.second.enabled(verbosity)
    }

    fn enabled_for(&self, verbosity: i32, callsite: &Callsite) -> bool {
        self.first.enabled_for(verbosity, callsite) || self.second.enabled_for(verbosity, callsite)
    }

    fn uses_global_verbosity(&self) -> bool {
        self.global == [true, true]
    }

    fn log(&self, record: &Record<'_>) {
        if self.takes(&*self.first, record) {
            self.first.log(record);
        }
        if self.takes(&*self.second, record) {
            self.second.log(record);
        }
    }

    fn with_values(&self, key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        Arc::new(Tee {
            first: self.first.with_values(key_values),
            second: self.second.with_values(key_values),
            global: self.global,
        })
    }

    fn with_name(&self, name: &str) -> Arc<dyn Sink> {
        Arc::new(Tee {
            first: self.first.with_name(name),
            second: self.second.with_name(name),
            global: self.global,
        })
    }

    fn flush(&self) {
        self.first.flush();
        self.second.flush();
    }
}
