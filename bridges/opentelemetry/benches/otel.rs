//! What klog-opentelemetry costs the caller.
//!
//! - `trace_ids`: the benches' text event (`klog_bridge_test_support::klog_event`: a
//!   `KObj`, a string, an integer, a float; pid 12345, to `io::sink`) through a plain
//!   `TextSink` (`plain`), through `TraceContextSink` outside a span (`no_span`) and inside
//!   an attached span context (`with_ids`: the two hex ids on the line).
//! - `otlp_caller`: the same event into an SDK batch processor whose exporter drops
//!   everything (the caller's side only: building the log record and queueing it; the
//!   batch thread's export is not timed), through `OtlpSink` (`klog`) and through
//!   `opentelemetry-appender-tracing`'s layer for `tracing::info!` with the same fields
//!   (`appender_tracing`, the peer; the `KObj` is its `Display` text there, a map in klog).

use std::hint::black_box;
use std::io;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use klog::KObj;
use klog_bridge_test_support::{bench_logger, klog_event, EVENT};
use klog_opentelemetry::{OtlpSink, TraceContextSink};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::logs::{LogBatch, LogExporter, SdkLoggerProvider};
use tracing_subscriber::layer::SubscriberExt;

/// An exporter that drops every batch: the bench times the caller, not the network.
#[derive(Debug)]
struct Drop;

impl LogExporter for Drop {
    async fn export(&self, batch: LogBatch<'_>) -> OTelSdkResult {
        black_box(batch.iter().count());
        Ok(())
    }
}

fn span() -> Context {
    Context::current().with_remote_span_context(SpanContext::new(
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    ))
}

fn trace_ids(c: &mut Criterion) {
    let mut group = c.benchmark_group("trace_ids");
    let plain = bench_logger();
    let wrapped = klog::Logger::new(TraceContextSink::wrap(
        klog::TextSink::builder()
            .writer(io::sink())
            .pid(12345)
            .build(),
    ));
    group.bench_function("plain", |b| {
        b.iter(|| klog_event(&plain, black_box(&EVENT)))
    });
    group.bench_function("no_span", |b| {
        b.iter(|| klog_event(&wrapped, black_box(&EVENT)))
    });
    let entered = span().attach();
    group.bench_function("with_ids", |b| {
        b.iter(|| klog_event(&wrapped, black_box(&EVENT)))
    });
    drop(entered);
    group.finish();
}

fn otlp_caller(c: &mut Criterion) {
    let mut group = c.benchmark_group("otlp_caller");
    let otlp = OtlpSink::builder().verbosity(0).exporter(Drop, "nowhere");
    let logger = klog::Logger::new(Arc::new(otlp));
    group.bench_function("klog", |b| {
        b.iter(|| klog_event(&logger, black_box(&EVENT)))
    });

    let provider = SdkLoggerProvider::builder()
        .with_batch_exporter(Drop)
        .build();
    let layer = opentelemetry_appender_tracing::layer::OpenTelemetryTracingBridge::new(&provider);
    let dispatch = tracing::Dispatch::new(tracing_subscriber::registry().with(layer));
    tracing::dispatcher::with_default(&dispatch, || {
        group.bench_function("appender_tracing", |b| {
            b.iter(|| {
                let e = black_box(&EVENT);
                tracing::info!(
                    pod = %KObj::new(e.ns, e.name),
                    status = e.status,
                    attempt = e.attempt,
                    latency_ms = e.latency_ms,
                    "Pod status updated"
                );
            });
        });
    });
    group.finish();
}

criterion_group!(benches, trace_ids, otlp_caller);
criterion_main!(benches);
