//! Bytes written through the bridge equal the bytes of a direct klog call, in both
//! directions:
//! - slog → `KlogDrain` → klog `TextSink`, against the klog call that means the same;
//! - klog → `SlogSink` → slog → `KlogDrain` → klog `TextSink` (the round trip), against
//!   the same klog call written directly.
//!
//! Every sink has the same pinned clock and pid; the slog-side comparisons pin the caller
//! too (a slog call is on another line than its klog twin), while the round trip keeps
//! the real call site: it must survive the trip.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use klog::bridge::Level;
use klog::{KObj, KeyValue, Logger, SharedBuffer, Value};
use klog_bridge_test_support::{
    assert_calls_write_klog_bytes, assert_into_klog, assert_out_of_klog, assert_round_trips,
    assert_same, json_logger, klog_calls, log_fatal_and_unstructured, sync_error, text_logger,
    v3_logger, written, Build, Case, FATAL_AND_UNSTRUCTURED, V3_WRITTEN,
};
use klog_slog::{KlogDrain, SlogSink};
use slog::{o, Drain};

fn slog_root(logger: Logger) -> slog::Logger {
    slog::Logger::root(KlogDrain::new(logger).fuse(), o!())
}

/// klog through slog and back: `SlogSink` → slog → `KlogDrain` → `logger`.
fn round_trip(logger: Logger) -> Logger {
    SlogSink::new(slog_root(logger)).into_logger()
}

/// One event, as a klog call and as the slog call that means the same. The JSON output
/// differs where object references cross as strings, which the JSON format writes as
/// strings instead of objects.
type Event = Case<fn(&slog::Logger)>;

fn events() -> Vec<Event> {
    vec![
        Case {
            name: "strings and numbers",
            klog: |l| {
                klog::info!(
                    l,
                    "Pod status updated",
                    pod = "kube-system/coredns",
                    status = "ready",
                    attempt = 3,
                    delta = -7,
                    big = u64::MAX,
                    latency_ms = 12.5,
                    ratio = 0.1f32,
                    ready = true,
                    missing = None::<u32>,
                    wide = 1u128 << 100
                );
            },
            other: |s| {
                slog::info!(s, "Pod status updated"; "pod" => "kube-system/coredns",
                    "status" => "ready", "attempt" => 3, "delta" => -7, "big" => u64::MAX,
                    "latency_ms" => 12.5, "ratio" => 0.1f32, "ready" => true,
                    "missing" => None::<u32>, "wide" => 1u128 << 100);
            },
            json_same: true,
        },
        Case {
            name: "quoting and multi-line strings",
            klog: klog_calls::quoting,
            other: |s| {
                slog::info!(s, "Config \"loaded\""; "config" => "a: 1\nb: 2\nc: 3",
                    "quote" => "say \"hi\"\t", "unicode" => "naïve ☃", "control" => "\u{1}\u{7f}");
            },
            json_same: true,
        },
        Case {
            name: "formatted message and values",
            klog: |l| {
                let n = 3;
                klog::info!(l, &format!("Synced {n} pods"), addr = %"10.0.0.1", elapsed = ?1.5,
                    pod = KObj::new("default", "web-0"), node = KObj::new("", "worker-1"));
            },
            other: |s| {
                let n = 3;
                slog::info!(s, "Synced {} pods", n; "addr" => %"10.0.0.1", "elapsed" => ?1.5,
                    "pod" => %KObj::new("default", "web-0"), "node" => %KObj::new("", "worker-1"));
            },
            json_same: false,
        },
        Case {
            name: "error with err",
            klog: klog_calls::error_with_err,
            other: |s| {
                let err = sync_error();
                slog::error!(s, "Failed to sync"; "key" => "kube-system/coredns", "err" => #err);
            },
            json_same: true,
        },
        Case {
            name: "error without err, critical, error values as key/values",
            klog: |l| {
                let err = sync_error();
                klog::error!(
                    l,
                    "Invariant violated",
                    shard = 7,
                    cause = Value::error(&err)
                );
                klog::error!(l, "Out of memory");
            },
            other: |s| {
                let err = sync_error();
                slog::error!(s, "Invariant violated"; "shard" => 7, "cause" => #err);
                slog::crit!(s, "Out of memory");
            },
            json_same: true,
        },
        Case {
            name: "warning",
            klog: klog_calls::warning,
            other: |s| slog::warn!(s, "Slow response"; "elapsed_ms" => 1500),
            json_same: true,
        },
        Case {
            name: "verbosity: debug, trace and v",
            klog: klog_calls::verbosity,
            other: |s| {
                slog::debug!(s, "Probe ok"; "probe" => "liveness");
                slog::trace!(s, "Cache hit"; "key" => "a");
                slog::info!(s, "Retrying"; "attempt" => 2, "v" => 2);
                slog::trace!(s, "Dump"; "v" => 7, "size" => 10);
            },
            json_same: true,
        },
        Case {
            name: "names",
            klog: klog_calls::names,
            other: |s| {
                let s = s.new(o!("logger" => "controller.pods"));
                slog::info!(s, "Pod status updated"; "attempt" => 3);
                let err = sync_error();
                slog::error!(s, "Failed to sync"; "err" => #err);
            },
            json_same: true,
        },
        Case {
            name: "bound values",
            klog: |l| {
                let l = l
                    .with_name("controller")
                    .with_values(&[
                        KeyValue::new("node", &"worker-1"),
                        KeyValue::new("shard", &7),
                    ])
                    .with_values(&[KeyValue::new("reconcile", &"a1b2")]);
                klog::info!(
                    l,
                    "Pod status updated",
                    pod = "kube-system/coredns",
                    attempt = 3
                );
                let err = sync_error();
                klog::error!(l, err: &err, "Failed to sync", key = "kube-system/coredns");
            },
            other: |s| {
                let s = s
                    .new(o!("logger" => "controller", "node" => "worker-1", "shard" => 7))
                    .new(o!("reconcile" => "a1b2"));
                slog::info!(s, "Pod status updated"; "pod" => "kube-system/coredns", "attempt" => 3);
                let err = sync_error();
                slog::error!(s, "Failed to sync"; "err" => #err, "key" => "kube-system/coredns");
            },
            json_same: true,
        },
        Case {
            name: "duplicate keys",
            klog: |l| {
                let l = l.with_values(&[KeyValue::new("pod", &"a"), KeyValue::new("zone", &"z1")]);
                klog::info!(l, "Moved", pod = "b", zone = "z1", pod = "c");
            },
            other: |s| {
                let s = s.new(o!("pod" => "a", "zone" => "z1"));
                slog::info!(s, "Moved"; "pod" => "b", "zone" => "z1", "pod" => "c");
            },
            json_same: true,
        },
    ]
}

fn through_slog(event: &Event, build: Build) -> String {
    written(build, true, |logger| (event.other)(&slog_root(logger)))
}

fn through_round_trip(event: &Event, build: Build, pin_caller: bool) -> String {
    event.bridged(build, pin_caller, round_trip)
}

#[test]
fn slog_records_write_the_bytes_of_klog_calls() {
    assert_calls_write_klog_bytes(&events(), text_logger, through_slog);
}

#[test]
fn klog_through_slog_and_back_writes_the_same_bytes() {
    assert_round_trips(&events(), through_round_trip);
}

#[test]
fn json_output_is_the_same_too() {
    for event in events() {
        if !event.json_same {
            continue;
        }
        let expected = event.direct(json_logger, true);
        assert_same(event.name, &through_slog(&event, json_logger), &expected);
        let tripped = through_round_trip(&event, json_logger, true);
        assert_same(event.name, &tripped, &expected);
    }
}

#[test]
fn slog_call_sites_become_klog_call_sites() {
    let out = SharedBuffer::default();
    let log = slog_root(text_logger(&out, false));
    let line = line!() + 1;
    slog::info!(log, "Here");
    assert_eq!(
        out.to_string(),
        format!("I0102 03:04:05.000000    4242 equivalence.rs:{line}] \"Here\"\n")
    );
}

#[test]
fn verbosity_follows_the_klog_logger() {
    let out = SharedBuffer::default();
    let logger = v3_logger(&out);
    let log = slog_root(logger.clone());
    slog::debug!(log, "debug is V4: hidden");
    slog::debug!(log, "debug with v 3: shown"; "v" => 3);
    slog::info!(log, "info with v 4: hidden"; "v" => 4);
    slog::info!(log, "info: shown");
    // The logger's own V offset adds to the record's.
    let log = slog_root(logger.v(2));
    slog::info!(log, "V2 with v 1: shown"; "v" => 1);
    slog::info!(log, "V2 with v 2: hidden"; "v" => 2);
    slog::error!(log, "errors ignore verbosity"; "v" => 9);
    assert!(slog::Drain::is_enabled(&log, slog::Level::Info));
    assert!(!slog::Drain::is_enabled(&log, slog::Level::Debug));
    assert_eq!(out.to_string(), V3_WRITTEN);
}

/// The differences the crate documents: values slog has no type for cross as strings.
#[test]
fn untyped_values_cross_as_strings() {
    let refs = [KObj::new("ns", "a"), KObj::new("ns", "b")];
    let list = klog::KObjSlice::new(&refs);
    let ports = vec![80, 443];
    let elapsed = Duration::from_millis(1500);

    let out = SharedBuffer::default();
    let direct = text_logger(&out, true);
    klog::info!(
        direct,
        "Values",
        pods = list,
        ports = klog::Serde(&ports),
        elapsed = elapsed
    );
    let expected = out.take();
    klog::info!(
        round_trip(direct.clone()),
        "Values",
        pods = list,
        ports = klog::Serde(&ports),
        elapsed = elapsed
    );
    let tripped = out.take();
    assert_eq!(
        String::from_utf8(expected).unwrap(),
        "I0102 03:04:05.000000    4242 pods.rs:42] \"Values\" pods=[\"ns/a\",\"ns/b\"] ports=[80,443] elapsed=\"1.5s\"\n"
    );
    assert_eq!(
        String::from_utf8(tripped).unwrap(),
        "I0102 03:04:05.000000    4242 pods.rs:42] \"Values\" pods=\"[\\\"ns/a\\\",\\\"ns/b\\\"]\" ports=\"[80,443]\" elapsed=\"1.5s\"\n"
    );

    // slog's nested (serde) values: their JSON, as a string.
    slog::info!(slog_root(direct), "Values"; "ports" => slog::Serde(ports));
    assert_eq!(
        out.to_string(),
        "I0102 03:04:05.000000    4242 pods.rs:42] \"Values\" ports=\"[80,443]\"\n"
    );
}

/// JSON writes object references as objects; through slog they are strings.
#[test]
fn object_references_are_strings_in_json() {
    let out = SharedBuffer::default();
    klog::info!(
        round_trip(json_logger(&out, true)),
        "Synced",
        pod = KObj::new("default", "web-0")
    );
    assert_eq!(
        out.to_string(),
        "{\"ts\":1704164645000,\"caller\":\"controller/pods.rs:42\",\"msg\":\"Synced\",\"v\":0,\"pod\":\"default/web-0\"}\n"
    );
}

/// Fatal records come back as error records; unstructured ones as structured.
#[test]
fn fatal_and_unstructured_records_are_mapped() {
    let out = SharedBuffer::default();
    log_fatal_and_unstructured(&round_trip(text_logger(&out, true)));
    assert_eq!(out.to_string(), FATAL_AND_UNSTRUCTURED);
}

#[test]
fn klog_records_reach_slog_with_their_fields() {
    let out = SharedBuffer::default();
    let decorator = slog_term::PlainSyncDecorator::new(out.clone());
    let drain = slog_term::FullFormat::new(decorator)
        .use_original_order()
        .build()
        .fuse();
    let logger = SlogSink::new(slog::Logger::root(drain, o!()))
        .into_logger()
        .with_name("ctrl")
        .with_values(&[KeyValue::new("node", &"worker-1")]);
    let err = sync_error();
    klog::error!(logger, err: &err, "Failed to sync", key = "a", attempt = 3);
    klog::info!(v: 2, logger, "Retrying");
    let text = out.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    // slog-term in original order: `TIME LEVEL MSG, logger pairs…, record pairs…`.
    assert!(
        lines[0].ends_with(" ERRO Failed to sync, node: worker-1, logger: ctrl, err: connection refused, key: a, attempt: 3"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].ends_with(" DEBG Retrying, node: worker-1, logger: ctrl, v: 2"),
        "{}",
        lines[1]
    );
}

#[test]
fn drains_and_sinks_are_debug_send_sync() {
    fn assert_traits<T: std::fmt::Debug + Send + Sync>() {}
    assert_traits::<KlogDrain>();
    assert_traits::<SlogSink>();
    let sink = Arc::new(SlogSink::new(slog::Logger::root(slog::Discard, o!())));
    assert!(format!("{sink:?}").starts_with("SlogSink"));
}

// === the level table ===

fn kit_level(level: slog::Level) -> Level {
    match level {
        slog::Level::Critical | slog::Level::Error => Level::Error,
        slog::Level::Warning => Level::Warn,
        slog::Level::Info => Level::Info,
        slog::Level::Debug => Level::Debug,
        slog::Level::Trace => Level::Trace,
    }
}

/// A record's level and `v` key.
type Seen = (slog::Level, Option<i64>);

/// Keeps each record's level and `v` key.
#[derive(Clone, Default)]
struct Levels(Arc<Mutex<Vec<Seen>>>);

struct FindV(Option<i64>);

impl slog::Serializer for FindV {
    fn emit_arguments(&mut self, _: slog::Key, _: &std::fmt::Arguments<'_>) -> slog::Result {
        Ok(())
    }
    fn emit_i32(&mut self, key: slog::Key, value: i32) -> slog::Result {
        if key == "v" {
            self.0 = Some(i64::from(value));
        }
        Ok(())
    }
}

impl Drain for Levels {
    type Ok = ();
    type Err = slog::Never;
    fn log(&self, record: &slog::Record<'_>, _: &slog::OwnedKVList) -> Result<(), slog::Never> {
        let mut v = FindV(None);
        let _ = slog::KV::serialize(&record.kv(), record, &mut v);
        self.0.lock().unwrap().push((record.level(), v.0));
        Ok(())
    }
}

#[test]
fn klog_records_reach_slog_at_the_kits_levels() {
    let levels = Levels::default();
    let logger = SlogSink::new(slog::Logger::root(levels.clone(), o!())).into_logger();
    klog::info!(v: 2, logger, "Retrying");
    assert_eq!(
        levels.0.lock().unwrap().pop(),
        Some((slog::Level::Debug, Some(2))),
        "a V2 record is a debug record"
    );
    assert_out_of_klog(|severity, v| {
        logger.log(&klog::Record::new(severity, "m", &[]).with_verbosity(v));
        let (level, v) = levels.0.lock().unwrap().pop().expect("forwarded");
        // slog's own level for fatal records.
        assert_eq!(
            level == slog::Level::Critical,
            severity == klog::Severity::Fatal
        );
        (kit_level(level), v)
    });
}

#[test]
fn slog_records_reach_klog_at_the_kits_levels() {
    let logger = klog::testing::logger_with_verbosity(10);
    let log = slog_root(logger.logger().clone());
    assert_into_klog(|level, v| {
        match (level, v) {
            (Level::Error, _) => slog::error!(log, "m"),
            (Level::Warn, None) => slog::warn!(log, "m"),
            (Level::Warn, Some(v)) => slog::warn!(log, "m"; "v" => v),
            (Level::Info, None) => slog::info!(log, "m"),
            (Level::Info, Some(v)) => slog::info!(log, "m"; "v" => v),
            (Level::Debug, None) => slog::debug!(log, "m"),
            (Level::Debug, Some(v)) => slog::debug!(log, "m"; "v" => v),
            (Level::Trace, None) => slog::trace!(log, "m"),
            (Level::Trace, Some(v)) => slog::trace!(log, "m"; "v" => v),
        }
        let entry = logger.entries().pop().expect("written");
        (entry.severity, entry.verbosity)
    });
    slog::crit!(log, "m");
    assert_eq!(
        logger.entries().pop().unwrap().severity,
        klog::Severity::Error
    );
    assert!(logger.entries().iter().all(|e| e.call.is_empty()));
}
