//! klog with OpenTelemetry: every line logged inside a span carries its `trace_id` and
//! `span_id`, and the same records are exported as OTLP log records to a collector.
//!
//! Run: `cargo run -q -p klog-examples --features otel --bin otel`
//!
//! The example starts its own OTLP/HTTP receiver on loopback (in place of an OpenTelemetry
//! Collector) and points the exporter at it, logs a few records inside and outside a
//! span, flushes, and prints every log record the receiver got, decoded with the
//! OpenTelemetry protocol's definitions. The klog text lines go to stderr as usual.
//! Against a real collector, leave `.endpoint(…)` out and set
//! `OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318` (see docs/opentelemetry.md).

use std::sync::Arc;
use std::time::Duration;

use klog_bridge_test_support::otlp::Receiver;
use klog_opentelemetry::{OtlpSink, Tee, TraceContextOptions, TraceContextSink};
use opentelemetry::trace::{TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_sdk::trace::SdkTracerProvider;

fn main() {
    let receiver = Receiver::start();

    // Text lines on stderr with the ids; OTLP export beside them; one -v for both.
    let text = TraceContextSink::with_options(
        Arc::new(klog::TextSink::builder().build()),
        TraceContextOptions::default().span_events(true),
    );
    let otlp = match OtlpSink::builder()
        .endpoint(receiver.endpoint())
        .service_name("otel-example")
        .scheduled_delay(Duration::from_millis(100))
        .build()
    {
        Ok(otlp) => otlp,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let logger =
        klog::Logger::new(Arc::new(Tee::of(text, Arc::new(otlp.clone())))).with_name("reconciler");

    // A tracer whose spans are real (sampled) spans; export them too in a real program.
    let tracer = SdkTracerProvider::builder().build().tracer("otel-example");

    klog::info!(logger, "Starting", workers = 2);
    tracer.in_span("reconcile", |cx| {
        let span = cx.span().span_context().clone();
        klog::info!(logger, "Reconciling", pod = klog::KObj::new("kube-system", "coredns"));
        klog::error!(logger, err: &std::io::Error::other("connection refused"), "Patch failed", attempt = 1);
        println!("span: trace_id={} span_id={}", span.trace_id(), span.span_id());
    });
    klog::flush();

    let records = receiver.wait_for(3, Duration::from_secs(10));
    println!("the receiver got {} log records:", records.len());
    for r in &records {
        let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let service = match r.resource_attribute("service.name") {
            Some(Value::StringValue(s)) => s.as_str(),
            _ => "?",
        };
        let attributes: Vec<String> = r
            .record
            .attributes
            .iter()
            .map(|kv| {
                format!(
                    "{}={:?}",
                    kv.key,
                    kv.value.as_ref().and_then(|v| v.value.as_ref())
                )
            })
            .collect();
        println!(
            "- service={service} scope={} severity={} {} body={:?} trace_id={} span_id={} attributes=[{}]",
            r.scope.name,
            r.record.severity_number,
            r.record.severity_text,
            r.body(),
            hex(&r.record.trace_id),
            hex(&r.record.span_id),
            attributes.join(", "),
        );
    }
    let stats = otlp.stats();
    println!("exported={} failed={}", stats.exported, stats.failed);
}
