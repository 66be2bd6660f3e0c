//! OpenTelemetry for klog-rs: the trace and span ids on klog lines, records as span events,
//! and OTLP log export.
//!
//! - [`TraceContextSink`] wraps any klog [`Sink`](klog::Sink) (text, JSON, a tee) and adds
//!   `trace_id` and `span_id` (and, if asked, `trace_flags`) to every record logged inside
//!   an OpenTelemetry span, without allocating; optionally it adds each record to the span
//!   as an event ([`TraceContextOptions::span_events`]).
//! - [`OtlpSink`] turns records into OpenTelemetry log records and exports them through
//!   `opentelemetry_sdk`'s batch processor and `opentelemetry-otlp` (OTLP/HTTP, protobuf),
//!   configured by the standard `OTEL_*` environment variables and [`OtlpSinkBuilder`].
//!   [`klog::flush`], `fatal!` and process exit flush it.
//! - [`Tee`] writes one logger's records to two sinks: klog lines and OTLP export side by
//!   side, with the same `-v`/`-vmodule` decision.
//!
//! The span is that of the current [`opentelemetry::Context`]: `Context::attach`,
//! `Tracer::in_span`, or a `tracing` span entered under `tracing-opentelemetry`'s layer
//! (which makes its span the current context while it is entered).
//!
//! ```
//! use opentelemetry::trace::{Tracer, TracerProvider as _};
//! use opentelemetry_sdk::logs::InMemoryLogExporter;
//! use opentelemetry_sdk::trace::SdkTracerProvider;
//!
//! let lines = klog::SharedBuffer::default();
//! let exported = InMemoryLogExporter::default();
//! let otlp = klog_opentelemetry::OtlpSink::builder().exporter(exported.clone(), "memory");
//! let text = klog_opentelemetry::TraceContextSink::wrap(klog::TextSink::builder().writer(lines.clone()).build());
//! let tee = klog_opentelemetry::Tee::of(text, std::sync::Arc::new(otlp));
//! let logger = klog::Logger::new(std::sync::Arc::new(tee));
//!
//! let tracer = SdkTracerProvider::builder().build().tracer("example");
//! tracer.in_span("sync", |_cx| klog::info!(logger, "Synced", pods = 3));
//! klog::flush();
//!
//! assert!(lines.to_string().contains(" pods=3 trace_id=\""));
//! let records = exported.get_emitted_logs().unwrap();
//! assert_eq!(records.len(), 1);
//! assert!(records[0].record.trace_context().is_some());
//! ```
//!
//! See `docs/opentelemetry.md` for a collector configuration, the severity table
//! (`docs/format.md` §5.8) and what is exported and what is not.

mod otlp;
mod severity;
mod tee;
mod trace_context;
mod values;

pub use otlp::{BuildError, OtlpSink, OtlpSinkBuilder, OtlpStats};
pub use severity::{otel_severity, severity_text};
pub use tee::Tee;
pub use trace_context::{TraceContextOptions, TraceContextSink};
pub use values::any_value;
