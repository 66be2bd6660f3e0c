//! [`OtlpSink`]: klog records as OpenTelemetry log records, exported through the SDK's
//! batch processor (a thread of its own) and `opentelemetry-otlp`.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use klog::bridge::{join_name, FlushRegistration, ThresholdRegistration};
use klog::{Callsite, KeyValue, Record, Sink};
use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _};
use opentelemetry::{InstrumentationScope, Key, StringValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{
    BatchConfigBuilder, BatchLogProcessor, LogBatch, LogExporter, SdkLogger, SdkLoggerProvider,
};
use opentelemetry_sdk::Resource;

use crate::severity::{otel_severity, severity_text};
use crate::values::any_value;

/// The instrumentation scope of every record: the library that made it. The logger name
/// (`with_name`) is the `logger` attribute, as on klog's JSON lines.
const SCOPE_NAME: &str = "klog";

/// What an [`OtlpSink`] has sent, counted from its creation (shared by every sink derived
/// from it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OtlpStats {
    /// Records handed to the SDK.
    pub emitted: u64,
    /// Records in batches the endpoint accepted.
    pub exported: u64,
    /// Records in batches that failed (the endpoint down or refusing, a time-out).
    pub failed: u64,
    /// Export calls that failed.
    pub failures: u64,
    /// Failure episodes: runs of failed exports ended by a successful one (each reported
    /// once on stderr, with its recovery).
    pub episodes: u64,
}

impl OtlpStats {
    /// Records neither exported nor failed: still queued, or dropped by the SDK's full
    /// queue (after a flush, only the latter).
    ///
    /// ```
    /// let stats = klog_opentelemetry::OtlpStats { emitted: 10, exported: 7, failed: 2, ..Default::default() };
    /// assert_eq!(stats.unaccounted(), 1);
    /// ```
    #[must_use]
    pub fn unaccounted(&self) -> u64 {
        self.emitted.saturating_sub(self.exported + self.failed)
    }
}

#[derive(Debug, Default)]
struct Counters {
    emitted: AtomicU64,
    exported: AtomicU64,
    failed: AtomicU64,
    failures: AtomicU64,
    episodes: AtomicU64,
    failing: AtomicBool,
    /// `failed` when the current episode began.
    failed_before: AtomicU64,
}

/// The exporter, wrapped to count what it sends and report the first failure of an
/// episode and its end on stderr, as klog's own outputs do.
#[derive(Debug)]
struct Counting<E> {
    inner: E,
    counters: Arc<Counters>,
    endpoint: Arc<str>,
}

impl<E: LogExporter> LogExporter for Counting<E> {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        let records = batch.iter().count() as u64;
        let result = self.inner.export(batch).await;
        let c = &self.counters;
        match &result {
            Ok(()) => {
                c.exported.fetch_add(records, Ordering::Relaxed);
                if c.failing.swap(false, Ordering::Relaxed) {
                    let lost =
                        c.failed.load(Ordering::Relaxed) - c.failed_before.load(Ordering::Relaxed);
                    let _ = writeln!(
                        std::io::stderr(),
                        "klog: exporting to {} works again ({lost} records failed while it did not)",
                        self.endpoint,
                    );
                }
            }
            Err(e) => {
                let before = c.failed.fetch_add(records, Ordering::Relaxed);
                c.failures.fetch_add(1, Ordering::Relaxed);
                if !c.failing.swap(true, Ordering::Relaxed) {
                    c.failed_before.store(before, Ordering::Relaxed);
                    c.episodes.fetch_add(1, Ordering::Relaxed);
                    let _ = writeln!(
                        std::io::stderr(),
                        "klog: exporting to {} failed: {e} (further failures are counted, see OtlpSink::stats)",
                        self.endpoint,
                    );
                }
            }
        }
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// What every sink derived from one [`OtlpSink`] shares.
struct Shared {
    logger: SdkLogger,
    provider: SdkLoggerProvider,
    counters: Arc<Counters>,
    // Held for their effect: klog's flushes reach the provider, klog's fast check lets
    // this sink's V levels through.
    _flush: FlushRegistration,
    _threshold: Option<ThresholdRegistration>,
}

/// A klog [`Sink`] that turns records into OpenTelemetry log records and exports them
/// through `opentelemetry_sdk`'s batch processor and `opentelemetry-otlp` (OTLP/HTTP with
/// protobuf bodies; any other [`LogExporter`] through [`OtlpSinkBuilder::exporter`]).
///
/// Each record becomes one log record: severity number and text from klog's severity and
/// V level (`docs/format.md` §5.8), body = the message, attributes = the logger's name
/// (`logger`), bound values and the call's key/values with their types kept (`KObj` as a
/// map of `name` and `namespace`), the error as `exception.message`; the time of the call;
/// the trace context of the current OpenTelemetry span. The instrumentation scope is
/// `klog`. The resource comes from the SDK: `OTEL_SERVICE_NAME`,
/// `OTEL_RESOURCE_ATTRIBUTES`, and what the builder adds.
///
/// The caller pays for building the record and a bounded queue's send; the batch
/// processor's thread exports. A full queue drops records rather than block; failed
/// exports are counted ([`stats`](OtlpSink::stats)) and reported once per episode on
/// stderr. [`klog::flush`], `fatal!` and process exit flush the queue (each flush waits 5 s
/// at most, the SDK's bound).
///
/// ```no_run
/// let otlp = klog_opentelemetry::OtlpSink::builder()
///     .endpoint("http://127.0.0.1:4318/v1/logs")
///     .service_name("controller")
///     .build()
///     .expect("OTLP exporter");
/// let tee = klog_opentelemetry::Tee::new(klog::TextSink::builder().build(), otlp);
/// let logger = klog::Logger::new(std::sync::Arc::new(tee));
/// klog::info!(logger, "Started", workers = 4);
/// ```
#[derive(Clone)]
pub struct OtlpSink {
    shared: Arc<Shared>,
    name: Option<Arc<str>>,
    bound: Arc<[(Key, AnyValue)]>,
    verbosity: Option<i32>,
}

impl std::fmt::Debug for OtlpSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtlpSink")
            .field("name", &self.name)
            .field("verbosity", &self.verbosity)
            .finish_non_exhaustive()
    }
}

/// Why an [`OtlpSink`] could not be built: the OTLP exporter's configuration (an invalid
/// endpoint, a header that does not parse).
#[derive(Debug)]
pub struct BuildError(opentelemetry_otlp::ExporterBuildError);

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot build the OTLP log exporter: {}", self.0)
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Configures an [`OtlpSink`]. Everything left unset comes from the OpenTelemetry
/// environment variables, through the SDK: `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` or
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (default `http://localhost:4318`, `/v1/logs` appended),
/// `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_SERVICE_NAME`,
/// `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_BLRP_*` (the batch processor).
///
/// ```
/// let builder = klog_opentelemetry::OtlpSink::builder()
///     .service_name("scheduler")
///     .resource_attribute("k8s.pod.name", "scheduler-0")
///     .scheduled_delay(std::time::Duration::from_millis(200));
/// # let _ = builder;
/// ```
#[derive(Debug, Default)]
pub struct OtlpSinkBuilder {
    endpoint: Option<String>,
    timeout: Option<Duration>,
    service_name: Option<String>,
    resource: Vec<opentelemetry::KeyValue>,
    scheduled_delay: Option<Duration>,
    max_queue_size: Option<usize>,
    max_export_batch_size: Option<usize>,
    verbosity: Option<i32>,
}

impl OtlpSink {
    /// A builder; see [`OtlpSinkBuilder`].
    ///
    /// ```
    /// let builder = klog_opentelemetry::OtlpSink::builder();
    /// # let _ = builder;
    /// ```
    #[must_use]
    pub fn builder() -> OtlpSinkBuilder {
        OtlpSinkBuilder::default()
    }

    /// What this sink and those derived from it have sent.
    ///
    /// ```no_run
    /// let sink = klog_opentelemetry::OtlpSink::builder().build().unwrap();
    /// klog::flush();
    /// assert_eq!(sink.stats().failed, 0);
    /// ```
    #[must_use]
    pub fn stats(&self) -> OtlpStats {
        let c = &self.shared.counters;
        OtlpStats {
            emitted: c.emitted.load(Ordering::Relaxed),
            exported: c.exported.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            failures: c.failures.load(Ordering::Relaxed),
            episodes: c.episodes.load(Ordering::Relaxed),
        }
    }

    /// The SDK's provider, for what this crate does not wrap (its own `force_flush`, or
    /// `shutdown` before the process ends without klog's exit hook).
    ///
    /// ```no_run
    /// let sink = klog_opentelemetry::OtlpSink::builder().build().unwrap();
    /// let _ = sink.provider().force_flush();
    /// ```
    #[must_use]
    pub fn provider(&self) -> &SdkLoggerProvider {
        &self.shared.provider
    }
}

impl OtlpSinkBuilder {
    /// The full URL records are posted to (`http://collector:4318/v1/logs`): taken as it
    /// is, no path appended. Default: from the environment.
    ///
    /// ```
    /// let b = klog_opentelemetry::OtlpSink::builder().endpoint("http://127.0.0.1:4318/v1/logs");
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// How long one export may take. Default: `OTEL_EXPORTER_OTLP_TIMEOUT`, else 10 s.
    ///
    /// ```
    /// let b = klog_opentelemetry::OtlpSink::builder().timeout(std::time::Duration::from_secs(2));
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The resource's `service.name` (over `OTEL_SERVICE_NAME`).
    ///
    /// ```
    /// let b = klog_opentelemetry::OtlpSink::builder().service_name("kubelet");
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// A resource attribute (beside `OTEL_RESOURCE_ATTRIBUTES`'s).
    ///
    /// ```
    /// let b = klog_opentelemetry::OtlpSink::builder().resource_attribute("k8s.namespace.name", "kube-system");
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn resource_attribute(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.resource
            .push(opentelemetry::KeyValue::new(key, value.into()));
        self
    }

    /// How long the batch processor waits before exporting what it has. Default:
    /// `OTEL_BLRP_SCHEDULE_DELAY`, else 1 s.
    ///
    /// ```
    /// let b = klog_opentelemetry::OtlpSink::builder().scheduled_delay(std::time::Duration::from_millis(100));
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn scheduled_delay(mut self, delay: Duration) -> Self {
        self.scheduled_delay = Some(delay);
        self
    }

    /// How many records may wait for export; more are dropped (and are
    /// [`unaccounted`](OtlpStats::unaccounted)). Default: `OTEL_BLRP_MAX_QUEUE_SIZE`, else
    /// 2048.
    ///
    /// ```
    /// let b = klog_opentelemetry::OtlpSink::builder().max_queue_size(8192);
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn max_queue_size(mut self, records: usize) -> Self {
        self.max_queue_size = Some(records);
        self
    }

    /// How many records one export carries at most. Default:
    /// `OTEL_BLRP_MAX_EXPORT_BATCH_SIZE`, else 512.
    ///
    /// ```
    /// let b = klog_opentelemetry::OtlpSink::builder().max_export_batch_size(100);
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn max_export_batch_size(mut self, records: usize) -> Self {
        self.max_export_batch_size = Some(records);
        self
    }

    /// Exports info records up to V level `v`, whatever the global `-v`. Default: the
    /// global `-v` and `-vmodule` decide, as for klog's own sinks, so a tee of this sink
    /// and a text sink sends the same records to both.
    ///
    /// ```
    /// let b = klog_opentelemetry::OtlpSink::builder().verbosity(2);
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn verbosity(mut self, v: i32) -> Self {
        self.verbosity = Some(v);
        self
    }

    /// Builds the sink with the OTLP/HTTP (protobuf) exporter.
    ///
    /// # Errors
    /// The exporter's configuration is invalid ([`BuildError`]).
    ///
    /// ```
    /// let sink = klog_opentelemetry::OtlpSink::builder()
    ///     .endpoint("http://127.0.0.1:4318/v1/logs")
    ///     .build();
    /// assert!(sink.is_ok());
    /// ```
    #[cfg(feature = "otlp-http")]
    pub fn build(self) -> Result<OtlpSink, BuildError> {
        use opentelemetry_otlp::{Protocol, WithExportConfig as _};
        let mut exporter = opentelemetry_otlp::LogExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary);
        if let Some(endpoint) = &self.endpoint {
            exporter = exporter.with_endpoint(endpoint.clone());
        }
        if let Some(timeout) = self.timeout {
            exporter = exporter.with_timeout(timeout);
        }
        let exporter = exporter.build().map_err(BuildError)?;
        let endpoint = self.endpoint.clone().unwrap_or_else(endpoint_from_env);
        Ok(self.build_with(exporter, &endpoint))
    }

    /// Builds the sink with `exporter` (the OTLP gRPC exporter of `opentelemetry-otlp`'s
    /// `grpc-tonic` feature, an in-memory exporter in tests…); `endpoint` names it in
    /// reports. The endpoint and time-out settings of this builder are the exporter's own
    /// business then.
    ///
    /// ```
    /// use opentelemetry_sdk::logs::InMemoryLogExporter;
    /// let exporter = InMemoryLogExporter::default();
    /// let sink = klog_opentelemetry::OtlpSink::builder().exporter(exporter.clone(), "memory");
    /// let logger = klog::Logger::new(std::sync::Arc::new(sink));
    /// klog::info!(logger, "Kept");
    /// klog::flush();
    /// assert_eq!(exporter.get_emitted_logs().unwrap().len(), 1);
    /// ```
    pub fn exporter(self, exporter: impl LogExporter + 'static, endpoint: &str) -> OtlpSink {
        self.build_with(exporter, endpoint)
    }

    fn build_with(self, exporter: impl LogExporter + 'static, endpoint: &str) -> OtlpSink {
        let counters = Arc::new(Counters::default());
        let counting = Counting {
            inner: exporter,
            counters: counters.clone(),
            endpoint: Arc::from(endpoint),
        };
        // The builder's values over the environment's (read by `BatchConfig::default`).
        let mut batch = BatchConfigBuilder::default();
        if let Some(delay) = self.scheduled_delay {
            batch = batch.with_scheduled_delay(delay);
        }
        if let Some(size) = self.max_queue_size {
            batch = batch.with_max_queue_size(size);
        }
        if let Some(size) = self.max_export_batch_size {
            batch = batch.with_max_export_batch_size(size);
        }
        let processor = BatchLogProcessor::builder(counting)
            .with_batch_config(batch.build())
            .build();
        let mut resource = Resource::builder().with_attributes(self.resource);
        if let Some(name) = self.service_name {
            resource = resource.with_service_name(name);
        }
        let provider = SdkLoggerProvider::builder()
            .with_resource(resource.build())
            .with_log_processor(processor)
            .build();
        let scope = InstrumentationScope::builder(SCOPE_NAME)
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        let logger = provider.logger_with_scope(scope);
        let flushed = provider.clone();
        let flush = klog::bridge::on_flush(move || {
            // Bounded by the SDK (5 s); a failure is the exporter's, counted there.
            let _ = flushed.force_flush();
        });
        OtlpSink {
            shared: Arc::new(Shared {
                logger,
                provider,
                counters,
                _flush: flush,
                _threshold: self.verbosity.map(klog::bridge::register_threshold),
            }),
            name: None,
            bound: Arc::from([]),
            verbosity: self.verbosity,
        }
    }
}

/// The logs endpoint the SDK uses when the builder names none, for reports.
#[cfg(feature = "otlp-http")]
fn endpoint_from_env() -> String {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(url) = var("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT") {
        return url;
    }
    let base = var("OTEL_EXPORTER_OTLP_ENDPOINT").unwrap_or_else(|| "http://localhost:4318".into());
    format!("{}/v1/logs", base.trim_end_matches('/'))
}

impl OtlpSink {
    /// `kvs` as attributes (Go's `nil` left out, see [`any_value`]).
    fn attributes<'a>(kvs: &'a [KeyValue<'a>]) -> impl Iterator<Item = (Key, AnyValue)> + 'a {
        kvs.iter()
            .filter_map(|kv| any_value(kv.value()).map(|v| (key(kv.key()), v)))
    }
}

/// `key` as an attribute key: interned (klog's one table of keys), so that neither making
/// it nor the batch processor's copy of the record allocates; an owned copy past the
/// table's bound.
#[inline]
fn key(key: &str) -> Key {
    match klog::bridge::intern_key(key) {
        Some(interned) => Key::from_static_str(interned),
        None => Key::from(key.to_owned()),
    }
}

/// A bound value made cheap to copy into every record: strings shared, not owned.
fn shared(value: AnyValue) -> AnyValue {
    match value {
        AnyValue::String(s) => AnyValue::String(StringValue::from(Arc::<str>::from(s.as_str()))),
        other => other,
    }
}

impl Sink for OtlpSink {
    fn enabled(&self, verbosity: i32) -> bool {
        match self.verbosity {
            Some(max) => verbosity <= max,
            None => klog::bridge::globally_enabled(verbosity, None),
        }
    }

    fn uses_global_verbosity(&self) -> bool {
        self.verbosity.is_none()
    }

    fn enabled_for(&self, verbosity: i32, callsite: &Callsite) -> bool {
        match self.verbosity {
            Some(max) => verbosity <= max,
            // The global decision, `-vmodule` included, as klog's own sinks make it.
            None => klog::bridge::globally_enabled(verbosity, Some(callsite)),
        }
    }

    fn log(&self, record: &Record<'_>) {
        let logger = &self.shared.logger;
        let mut out = logger.create_log_record();
        out.set_severity_number(otel_severity(record.severity(), record.verbosity()));
        out.set_severity_text(severity_text(record.severity()));
        out.set_timestamp(record.time().unwrap_or_else(std::time::SystemTime::now));
        out.set_body(AnyValue::from(record.message().to_owned()));
        if let Some(name) = &self.name {
            out.add_attribute(
                "logger",
                AnyValue::from(opentelemetry::StringValue::from(name.clone())),
            );
        }
        if let Some(err) = record.error() {
            out.add_attribute("exception.message", crate::values::error_text(err));
        }
        out.add_attributes(self.bound.iter().cloned());
        out.add_attributes(Self::attributes(record.key_values()));
        // The trace context: the SDK takes the current span's when the record has none.
        logger.emit(out);
        self.shared.counters.emitted.fetch_add(1, Ordering::Relaxed);
    }

    fn with_values(&self, key_values: &[KeyValue<'_>]) -> Arc<dyn Sink> {
        let bound: Vec<(Key, AnyValue)> = self
            .bound
            .iter()
            .cloned()
            .chain(Self::attributes(key_values).map(|(k, v)| (k, shared(v))))
            .collect();
        Arc::new(OtlpSink {
            bound: Arc::from(bound),
            ..self.clone()
        })
    }

    fn with_name(&self, name: &str) -> Arc<dyn Sink> {
        Arc::new(OtlpSink {
            name: Some(join_name(self.name.as_deref(), name)),
            ..self.clone()
        })
    }

    fn flush(&self) {
        let _ = self.shared.provider.force_flush();
    }
}
