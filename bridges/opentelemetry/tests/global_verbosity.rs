//! A tee of a text sink and an `OtlpSink`, both on the global `-v` and `-vmodule`: one
//! decision, the same records on both sides. Its own test binary: it sets the global
//! verbosity.

use std::sync::Arc;

use klog::{Logger, SharedBuffer};
use klog_opentelemetry::{OtlpSink, Tee};
use opentelemetry_sdk::logs::InMemoryLogExporter;

#[test]
fn the_tee_sends_the_same_records_to_both_sides() {
    let exported = InMemoryLogExporter::default();
    let otlp = OtlpSink::builder().exporter(exported.clone(), "memory");
    let out = SharedBuffer::default();
    let text = klog::TextSink::builder().writer(out.clone()).build();
    let tee = Tee::new(text, otlp);
    assert!(klog::Sink::uses_global_verbosity(&tee));
    let logger = Logger::new(Arc::new(tee));

    klog::set_verbosity(2);
    for v in 0..5 {
        klog::info!(logger.v(v), "Level", v = v);
    }
    // -vmodule raises this file to V4.
    klog::set_vmodule("global_verbosity=4".parse().expect("a -vmodule"));
    klog::info!(logger.v(4), "Raised");
    klog::info!(logger.v(5), "Still hidden");
    klog::set_vmodule("".parse().expect("an empty -vmodule"));
    klog::set_verbosity(0);
    klog::flush();

    let lines: Vec<String> = out
        .to_string()
        .lines()
        .map(|l| l.split_once("] ").unwrap().1.to_owned())
        .collect();
    assert_eq!(
        lines,
        [
            "\"Level\" v=0",
            "\"Level\" v=1",
            "\"Level\" v=2",
            "\"Raised\""
        ]
    );
    let records: Vec<(String, i32)> = exported
        .get_emitted_logs()
        .unwrap()
        .iter()
        .map(|l| {
            let body = match l.record.body() {
                Some(opentelemetry::logs::AnyValue::String(s)) => s.to_string(),
                other => format!("{other:?}"),
            };
            (body, l.record.severity_number().map_or(0, |s| s as i32))
        })
        .collect();
    assert_eq!(
        records,
        [
            ("Level".to_owned(), 9),
            ("Level".to_owned(), 8),
            ("Level".to_owned(), 7),
            ("Raised".to_owned(), 5),
        ]
    );
}
