//! Trace and span ids on klog text and JSON lines, from an attached OpenTelemetry context,
//! an SDK span and a `tracing` span under tracing-opentelemetry; span events; no
//! allocation.

use std::sync::Arc;

use klog::{Logger, SharedBuffer, Sink};
use klog_bridge_test_support::alloc::{allocations_per_call, CountingAllocator};
use klog_opentelemetry::{TraceContextOptions, TraceContextSink};
use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, Tracer as _,
    TracerProvider as _,
};
use opentelemetry::Context;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN: &str = "00f067aa0ba902b7";

fn remote(flags: TraceFlags) -> Context {
    Context::current().with_remote_span_context(SpanContext::new(
        TraceId::from_hex(TRACE).unwrap(),
        SpanId::from_hex(SPAN).unwrap(),
        flags,
        true,
        TraceState::default(),
    ))
}

fn text(out: &SharedBuffer) -> Arc<dyn Sink> {
    Arc::new(klog::TextSink::builder().writer(out.clone()).build())
}

fn json(out: &SharedBuffer) -> Arc<dyn Sink> {
    Arc::new(klog::JsonSink::builder().writer(out.clone()).build())
}

/// The ` key=value…` part of each text line after the message.
fn pairs(out: &SharedBuffer) -> Vec<String> {
    out.to_string()
        .lines()
        .map(|l| l.split_once("] ").expect("a header").1.to_owned())
        .collect()
}

#[test]
fn text_and_json_lines_carry_the_ids_inside_a_span_only() {
    let (t, j) = (SharedBuffer::default(), SharedBuffer::default());
    let text_logger = Logger::new(TraceContextSink::with_options(text(&t), Default::default()));
    let json_logger = Logger::new(TraceContextSink::with_options(json(&j), Default::default()));
    klog::info!(text_logger, "Before");
    klog::info!(json_logger, "Before");
    {
        let _entered = remote(TraceFlags::SAMPLED).attach();
        klog::info!(text_logger, "Inside", pods = 3);
        klog::error!(text_logger, err: &std::io::Error::other("boom"), "Failed");
        klog::info!(json_logger, "Inside", pods = 3);
        // Derived loggers keep the wrapper.
        let named = text_logger
            .with_name("sync")
            .with_values(&[klog::KeyValue::new("node", "n1")]);
        klog::info!(named, "Named");
    }
    klog::info!(text_logger, "After");
    let ids = format!("trace_id=\"{TRACE}\" span_id=\"{SPAN}\"");
    assert_eq!(
        pairs(&t),
        [
            "\"Before\"".to_owned(),
            format!("\"Inside\" pods=3 {ids}"),
            format!("\"Failed\" err=\"boom\" {ids}"),
            format!("\"Named\" logger=\"sync\" node=\"n1\" {ids}"),
            "\"After\"".to_owned(),
        ]
    );
    let lines: Vec<serde_json::Value> = j
        .to_string()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].get("trace_id").is_none());
    assert_eq!(lines[1]["trace_id"], TRACE);
    assert_eq!(lines[1]["span_id"], SPAN);
    assert_eq!(lines[1]["pods"], 3);
    assert!(lines[1].get("trace_flags").is_none());
}

#[test]
fn each_key_is_an_option() {
    let out = SharedBuffer::default();
    let only_flags = TraceContextOptions::default()
        .trace_id(false)
        .span_id(false)
        .trace_flags(true);
    let all = TraceContextOptions::default().trace_flags(true);
    let a = Logger::new(TraceContextSink::with_options(text(&out), only_flags));
    let b = Logger::new(TraceContextSink::with_options(text(&out), all));
    {
        let _entered = remote(TraceFlags::SAMPLED).attach();
        klog::info!(a, "A");
        klog::info!(b, "B");
    }
    {
        let _entered = remote(TraceFlags::NOT_SAMPLED).attach();
        klog::info!(a, "C");
    }
    assert_eq!(
        pairs(&out),
        [
            "\"A\" trace_flags=\"01\"".to_owned(),
            format!("\"B\" trace_id=\"{TRACE}\" span_id=\"{SPAN}\" trace_flags=\"01\""),
            "\"C\" trace_flags=\"00\"".to_owned(),
        ]
    );
}

#[test]
fn an_invalid_context_and_unstructured_records_pass_unchanged() {
    let out = SharedBuffer::default();
    let logger = Logger::new(TraceContextSink::with_options(
        text(&out),
        Default::default(),
    ));
    {
        let _entered = Context::current()
            .with_remote_span_context(SpanContext::empty_context())
            .attach();
        klog::info!(logger, "Invalid");
    }
    {
        let _entered = remote(TraceFlags::SAMPLED).attach();
        logger.log(&klog::Record::unstructured(
            klog::Severity::Info,
            "legacy print",
        ));
    }
    assert_eq!(pairs(&out), ["\"Invalid\"", "legacy print"]);
}

#[test]
fn an_sdk_span_gives_its_ids_and_gets_the_record_as_an_event() {
    let spans = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(spans.clone())
        .build();
    let tracer = provider.tracer("test");
    let out = SharedBuffer::default();
    let logger = Logger::new(TraceContextSink::with_options(
        text(&out),
        TraceContextOptions::default().span_events(true),
    ));
    let (trace_id, span_id) = tracer.in_span("reconcile", |cx| {
        klog::info!(
            logger.v(2),
            "Synced",
            pods = 3,
            node = "n1",
            ratio = 0.5,
            ok = true
        );
        klog::error!(logger, err: &std::io::Error::other("boom"), "Failed");
        let sc = cx.span().span_context().clone();
        (sc.trace_id(), sc.span_id())
    });
    let _ = provider.force_flush();
    klog::set_verbosity(0);
    let lines = pairs(&out);
    let ids = format!("trace_id=\"{trace_id}\" span_id=\"{span_id}\"");
    assert_eq!(lines, [format!("\"Failed\" err=\"boom\" {ids}")]);

    let finished = spans.get_finished_spans().unwrap();
    assert_eq!(finished.len(), 1);
    let events: Vec<_> = finished[0].events.iter().collect();
    // The V2 record was not enabled (-v 0): no line, no event.
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].name, "Failed");
    let attrs: Vec<(String, String)> = events[0]
        .attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect();
    assert_eq!(
        attrs,
        [
            ("log.severity".to_owned(), "ERROR".to_owned()),
            ("exception.message".to_owned(), "boom".to_owned()),
        ]
    );
}

#[test]
fn span_event_attributes_keep_their_types() {
    let spans = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(spans.clone())
        .build();
    let tracer = provider.tracer("test");
    let out = SharedBuffer::default();
    let sink = klog::TextSink::builder()
        .writer(out.clone())
        .verbosity(3)
        .build();
    let logger = Logger::new(TraceContextSink::with_options(
        Arc::new(sink),
        TraceContextOptions::default().span_events(true),
    ));
    tracer.in_span("reconcile", |_cx| {
        klog::info!(
            logger.v(2),
            "Synced",
            pods = 3,
            node = "n1",
            ratio = 0.5,
            ok = true,
            pod = klog::KObj::new("ns", "p")
        );
    });
    let _ = provider.force_flush();
    let finished = spans.get_finished_spans().unwrap();
    let event = &finished[0].events.iter().next().expect("an event");
    use opentelemetry::Value as V;
    let attrs: Vec<(String, V)> = event
        .attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect();
    assert_eq!(
        attrs,
        [
            ("log.severity".to_owned(), V::from("INFO")),
            ("log.verbosity".to_owned(), V::I64(2)),
            ("pods".to_owned(), V::I64(3)),
            ("node".to_owned(), V::from("n1")),
            ("ratio".to_owned(), V::F64(0.5)),
            ("ok".to_owned(), V::Bool(true)),
            ("pod".to_owned(), V::from("ns/p")),
        ]
    );
    assert_eq!(out.to_string().lines().count(), 1);
}

#[test]
fn a_tracing_span_under_tracing_opentelemetry_gives_its_ids() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let provider = SdkTracerProvider::builder().build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("tracing")));
    let out = SharedBuffer::default();
    let logger = Logger::new(TraceContextSink::with_options(
        text(&out),
        Default::default(),
    ));
    let expected = tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("reconcile");
        let _entered = span.enter();
        klog::info!(logger, "In tracing span");
        let cx = Context::current();
        let sc = cx.span().span_context().clone();
        assert!(
            sc.is_valid(),
            "tracing-opentelemetry activates the span's context"
        );
        format!(
            "trace_id=\"{}\" span_id=\"{}\"",
            sc.trace_id(),
            sc.span_id()
        )
    });
    assert_eq!(pairs(&out), [format!("\"In tracing span\" {expected}")]);
}

#[test]
fn ids_cost_no_allocation() {
    let sink = klog::TextSink::builder().writer(std::io::sink()).build();
    let logger = Logger::new(TraceContextSink::wrap(sink));
    let entered = remote(TraceFlags::SAMPLED).attach();
    let with_ids = allocations_per_call(|| klog::info!(logger, "Synced", pods = 3, node = "n1"));
    assert_eq!(with_ids, 0, "a record with trace ids allocates");
    drop(entered);
    let without = allocations_per_call(|| klog::info!(logger, "Synced", pods = 3, node = "n1"));
    assert_eq!(without, 0, "a record outside a span allocates");
    // The wrapper lets loggers keep plain derivations, as the wrapped sink does.
    let derive = allocations_per_call(|| {
        std::hint::black_box(
            logger
                .with_name("pods")
                .with_values(&[klog::KeyValue::new("node", "n1")]),
        );
    });
    assert_eq!(derive, 0, "deriving from the wrapper allocates");
    // The counter counts: span events (opt-in) allocate.
    let provider = SdkTracerProvider::builder().build();
    let events = Logger::new(TraceContextSink::with_options(
        Arc::new(klog::TextSink::builder().writer(std::io::sink()).build()),
        TraceContextOptions::default().span_events(true),
    ));
    provider.tracer("t").in_span("s", |_cx| {
        assert!(allocations_per_call(|| klog::info!(events, "Synced", pods = 3)) > 0);
    });
}
