//! OTLP export against a real OTLP/HTTP endpoint on loopback (test-support's receiver,
//! decoding with `opentelemetry-proto`): every field of the received records, batching,
//! the tee, flush at exit and at `fatal!` in a child process, configuration from the
//! `OTEL_*` environment, and a receiver that is down.

use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use klog::{KObj, KeyValue, Logger, SharedBuffer};
use klog_bridge_test_support::otlp::{Received, Receiver};
use klog_opentelemetry::{OtlpSink, Tee};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, KeyValueList};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN: &str = "00f067aa0ba902b7";
const WAIT: Duration = Duration::from_secs(10);

/// Held by the tests that log in this process: `klog::flush()` flushes every live
/// `OtlpSink`, and one test's flush in the middle of another's batch would split it.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn sink(receiver: &Receiver) -> klog_opentelemetry::OtlpSinkBuilder {
    OtlpSink::builder()
        .endpoint(receiver.endpoint())
        .service_name("otel-test")
        .resource_attribute("k8s.pod.name", "pod-0")
        .scheduled_delay(Duration::from_millis(50))
        .timeout(Duration::from_secs(2))
}

fn s(v: &str) -> Value {
    Value::StringValue(v.to_owned())
}

fn any(v: Value) -> AnyValue {
    AnyValue { value: Some(v) }
}

/// The attributes of `r` as (key, value) pairs, maps' entries sorted by key (a map's
/// order is not part of the data model).
fn attributes(r: &Received) -> Vec<(String, Value)> {
    r.record
        .attributes
        .iter()
        .map(|kv| {
            let mut v = kv.value.clone().and_then(|v| v.value).expect("a value");
            if let Value::KvlistValue(list) = &mut v {
                list.values.sort_by(|a, b| a.key.cmp(&b.key));
            }
            (kv.key.clone(), v)
        })
        .collect()
}

#[test]
fn every_field_of_the_records_arrives() {
    let _serial = serial();
    let receiver = Receiver::start();
    let otlp = sink(&receiver).verbosity(4).build().expect("sink");
    let logger = Logger::new(Arc::new(otlp.clone()))
        .with_name("controller")
        .with_name("pods")
        .with_values(&[KeyValue::new("node", "n1")]);
    let start = std::time::SystemTime::now();
    {
        let _span = Context::current()
            .with_remote_span_context(SpanContext::new(
                TraceId::from_hex(TRACE).unwrap(),
                SpanId::from_hex(SPAN).unwrap(),
                TraceFlags::SAMPLED,
                true,
                TraceState::default(),
            ))
            .attach();
        klog::info!(
            logger,
            "Synced",
            pods = 3,
            ratio = 0.5,
            ready = true,
            pod = KObj::new("kube-system", "coredns"),
            big = u64::MAX,
            ports = [80u16, 443],
            nothing = (),
            took = Duration::from_millis(1500),
        );
    }
    klog::info!(logger.v(2), "Detail");
    klog::info!(logger.v(9), "Hidden: above the sink's V4");
    klog::warning!(logger, "Slow");
    klog::error!(logger, err: &std::io::Error::other("connection refused"), "Failed", attempt = 2);
    klog::flush();
    let records = receiver.wait_for(4, WAIT);
    assert_eq!(records.len(), 4, "{records:#?}");
    assert_eq!(otlp.stats().emitted, 4);
    assert_eq!(otlp.stats().exported, 4);

    let bodies: Vec<&str> = records.iter().map(Received::body).collect();
    assert_eq!(bodies, ["Synced", "Detail", "Slow", "Failed"]);
    let severities: Vec<(i32, &str)> = records
        .iter()
        .map(|r| (r.record.severity_number, r.record.severity_text.as_str()))
        .collect();
    assert_eq!(
        severities,
        [(9, "INFO"), (7, "INFO"), (13, "WARNING"), (17, "ERROR")]
    );

    let synced = &records[0];
    let node = ("node".to_owned(), s("n1"));
    let logger_name = ("logger".to_owned(), s("controller.pods"));
    assert_eq!(
        attributes(synced),
        [
            logger_name.clone(),
            node.clone(),
            ("pods".to_owned(), Value::IntValue(3)),
            ("ratio".to_owned(), Value::DoubleValue(0.5)),
            ("ready".to_owned(), Value::BoolValue(true)),
            (
                "pod".to_owned(),
                Value::KvlistValue(KeyValueList {
                    values: vec![
                        opentelemetry_proto::tonic::common::v1::KeyValue {
                            key: "name".into(),
                            value: Some(any(s("coredns"))),
                            ..Default::default()
                        },
                        opentelemetry_proto::tonic::common::v1::KeyValue {
                            key: "namespace".into(),
                            value: Some(any(s("kube-system"))),
                            ..Default::default()
                        },
                    ]
                })
            ),
            ("big".to_owned(), s("18446744073709551615")),
            (
                "ports".to_owned(),
                Value::ArrayValue(ArrayValue {
                    values: vec![any(Value::IntValue(80)), any(Value::IntValue(443))]
                })
            ),
            ("took".to_owned(), s("1.5s")),
        ]
    );
    assert_eq!(
        attributes(&records[3]),
        [
            logger_name,
            ("exception.message".to_owned(), s("connection refused")),
            node,
            ("attempt".to_owned(), Value::IntValue(2)),
        ]
    );

    // Trace context: the span's inside it, none outside.
    assert_eq!(
        synced.record.trace_id,
        TraceId::from_hex(TRACE).unwrap().to_bytes()
    );
    assert_eq!(
        synced.record.span_id,
        SpanId::from_hex(SPAN).unwrap().to_bytes()
    );
    assert_eq!(synced.record.flags & 0xff, 1);
    assert!(records[1].record.trace_id.is_empty());
    assert!(records[1].record.span_id.is_empty());

    // Times: the call's, and the SDK's observed time.
    let since = |nanos: u64| std::time::UNIX_EPOCH + Duration::from_nanos(nanos);
    for r in &records {
        let t = since(r.record.time_unix_nano);
        assert!(t >= start && t <= std::time::SystemTime::now(), "{t:?}");
        assert!(r.record.observed_time_unix_nano >= r.record.time_unix_nano);
    }

    // Resource and scope.
    assert_eq!(
        synced.resource_attribute("service.name"),
        Some(&s("otel-test"))
    );
    assert_eq!(synced.resource_attribute("k8s.pod.name"), Some(&s("pod-0")));
    assert_eq!(
        synced.resource_attribute("telemetry.sdk.language"),
        Some(&s("rust"))
    );
    assert_eq!(synced.scope.name, "klog");
    assert_eq!(synced.scope.version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn records_are_batched() {
    let _serial = serial();
    let receiver = Receiver::start();
    let otlp = sink(&receiver)
        .scheduled_delay(Duration::from_secs(60))
        .max_export_batch_size(3)
        .verbosity(0)
        .build()
        .expect("sink");
    let logger = Logger::new(Arc::new(otlp.clone()));
    for i in 0..7 {
        klog::info!(logger, "Batched", i = i);
    }
    klog::flush();
    let records = receiver.wait_for(7, WAIT);
    let sizes: Vec<usize> = receiver
        .requests()
        .iter()
        .map(|r| klog_bridge_test_support::otlp::flatten(std::slice::from_ref(r)).len())
        .collect();
    // The batch processor's thread exports when 3 records wait and at the flush; when it
    // wakes decides how the rest is cut ([3, 3, 1] or [3, 1, 3] were both seen), never a
    // batch above 3, and the first is full.
    assert_eq!(sizes.iter().sum::<usize>(), 7, "{sizes:?}");
    assert!(sizes.iter().all(|&n| (1..=3).contains(&n)), "{sizes:?}");
    assert_eq!(sizes[0], 3, "{sizes:?}");
    let order: Vec<_> = records.iter().map(|r| r.attribute("i").cloned()).collect();
    let expected: Vec<_> = (0..7).map(|i| Some(Value::IntValue(i))).collect();
    assert_eq!(order, expected);
    assert_eq!(otlp.stats().exported, 7);
}

#[test]
fn a_tee_sends_each_record_where_it_is_enabled() {
    let _serial = serial();
    let receiver = Receiver::start();
    let otlp = sink(&receiver).verbosity(0).build().expect("sink");
    let out = SharedBuffer::default();
    let text = klog::TextSink::builder()
        .writer(out.clone())
        .verbosity(2)
        .build();
    let logger = Logger::new(Arc::new(Tee::new(text, otlp.clone())));
    klog::info!(logger, "Both");
    klog::info!(logger.v(2), "Text only");
    klog::info!(logger.v(3), "Neither");
    klog::flush();
    let records = receiver.wait_for(1, WAIT);
    let bodies: Vec<&str> = records.iter().map(Received::body).collect();
    assert_eq!(bodies, ["Both"]);
    let lines: Vec<String> = out
        .to_string()
        .lines()
        .map(|l| l.split_once("] ").unwrap().1.to_owned())
        .collect();
    assert_eq!(lines, ["\"Both\"", "\"Text only\""]);
}

/// The child side of the process tests: does nothing unless `KLOG_OTEL_CHILD` names a case.
#[test]
fn child() {
    let Ok(case) = std::env::var("KLOG_OTEL_CHILD") else {
        return;
    };
    let otlp = match std::env::var("KLOG_OTEL_ENDPOINT") {
        // From the environment only (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, …).
        Err(_) => OtlpSink::builder().build(),
        Ok(url) => OtlpSink::builder()
            .endpoint(url)
            .timeout(Duration::from_millis(500))
            .build(),
    }
    .expect("sink");
    let logger = Logger::new(Arc::new(otlp.clone()));
    match case.as_str() {
        "exit" => {
            for i in 0..3 {
                klog::info!(logger, "Before exit", i = i);
            }
            // No flush: the exit hook must send them (the batch delay is 60 s).
            std::process::exit(0);
        }
        "fatal" => {
            klog::info!(logger, "Before fatal");
            klog::fatal!(logger, "Giving up", reason = "test");
        }
        "down" => {
            for round in 0..3 {
                for i in 0..5 {
                    klog::info!(logger, "Nobody listens", round = round, i = i);
                }
                klog::flush();
            }
            let stats = otlp.stats();
            println!(
                "STATS emitted={} exported={} failed={} failures={} episodes={}",
                stats.emitted, stats.exported, stats.failed, stats.failures, stats.episodes
            );
            // The endpoint comes back: one report of the recovery, and records flow.
            let port: u16 = std::env::var("KLOG_OTEL_PORT").unwrap().parse().unwrap();
            let receiver = Receiver::start_on(port);
            klog::info!(logger, "Listening again");
            klog::flush();
            println!("RECEIVED {}", receiver.wait_for(1, WAIT).len());
            let stats = otlp.stats();
            println!(
                "STATS emitted={} exported={} failed={} failures={} episodes={}",
                stats.emitted, stats.exported, stats.failed, stats.failures, stats.episodes
            );
        }
        other => panic!("unknown case {other}"),
    }
}

fn run_child(case: &str, env: &[(&str, String)]) -> std::process::Output {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env("KLOG_OTEL_CHILD", case)
        .env("OTEL_BLRP_SCHEDULE_DELAY", "60000")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")
        .env_remove("OTEL_SERVICE_NAME")
        .env_remove("OTEL_RESOURCE_ATTRIBUTES");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("child runs")
}

#[test]
fn exit_flushes_and_the_environment_configures() {
    let receiver = Receiver::start();
    let out = run_child(
        "exit",
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.base()),
            ("OTEL_SERVICE_NAME", "from-env".to_owned()),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment=test,team=infra".to_owned(),
            ),
        ],
    );
    assert!(out.status.success(), "{out:?}");
    let records = receiver.wait_for(3, WAIT);
    assert_eq!(records.len(), 3, "{out:?}");
    let bodies: Vec<&str> = records.iter().map(Received::body).collect();
    assert_eq!(bodies, ["Before exit"; 3]);
    let r = &records[0];
    assert_eq!(r.resource_attribute("service.name"), Some(&s("from-env")));
    assert_eq!(
        r.resource_attribute("deployment.environment"),
        Some(&s("test"))
    );
    assert_eq!(r.resource_attribute("team"), Some(&s("infra")));
}

#[test]
fn fatal_flushes() {
    let receiver = Receiver::start();
    let out = run_child("fatal", &[("KLOG_OTEL_ENDPOINT", receiver.endpoint())]);
    assert_eq!(out.status.code(), Some(255), "{out:?}");
    let records = receiver.wait_for(2, WAIT);
    let got: Vec<(&str, i32)> = records
        .iter()
        .map(|r| (r.body(), r.record.severity_number))
        .collect();
    assert_eq!(got, [("Before fatal", 9), ("Giving up", 21)]);
    assert_eq!(records[1].attribute("reason"), Some(&s("test")));
}

#[test]
fn a_receiver_that_is_down_is_counted_and_reported_once_without_a_hang_and_its_return_too() {
    // A port nobody listens on: bound, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let out = run_child(
        "down",
        &[
            (
                "KLOG_OTEL_ENDPOINT",
                format!("http://127.0.0.1:{port}/v1/logs"),
            ),
            ("KLOG_OTEL_PORT", port.to_string()),
        ],
    );
    let took = started.elapsed();
    assert!(out.status.success(), "{out:?}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("STATS emitted=15 exported=0 failed=15 failures=3 episodes=1\n"),
        "{stdout}"
    );
    assert!(stdout.contains("RECEIVED 1\n"), "{stdout}");
    assert!(
        stdout.contains("STATS emitted=16 exported=1 failed=15 failures=3 episodes=1\n"),
        "{stdout}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reports: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("klog: exporting to"))
        .collect();
    let endpoint = format!("http://127.0.0.1:{port}/v1/logs");
    assert_eq!(reports.len(), 2, "{stderr}");
    assert!(
        reports[0].starts_with(&format!("klog: exporting to {endpoint} failed: ")),
        "{stderr}"
    );
    assert_eq!(
        reports[1],
        format!("klog: exporting to {endpoint} works again (15 records failed while it did not)")
    );
}
