//! Bytes written through the bridge equal the bytes of a direct klog call, in both
//! directions:
//! - `log` → `KlogLog` → klog `TextSink`, against the klog call that means the same;
//! - klog → `LogSink` → the `log` facade → `KlogLog` → klog `TextSink` (the round trip),
//!   against the same klog call written directly.
//!
//! Every sink has the same pinned clock and pid; the `log`-side comparisons pin the
//! caller too (a `log` call is on another line than its klog twin), while the round trip
//! keeps the real call site: it must survive the trip.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use klog::bridge::Level;
use klog::{KObj, KeyValue, SharedBuffer, Value};
use klog_bridge_test_support::{
    assert_calls_write_klog_bytes, assert_into_klog, assert_out_of_klog, assert_round_trips,
    assert_same, json_logger, klog_calls, log_fatal_and_unstructured, sync_error, text_logger,
    v3_logger, written, Build, Case, FATAL_AND_UNSTRUCTURED, V3_WRITTEN,
};
use klog_log::{KlogLog, LogSink};

/// One event, as a klog call and as the `log` call that means the same.
type Event = Case<fn()>;

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
                    ratio = 0.25,
                    ready = true,
                    missing = None::<u32>,
                    wide = 1u128 << 100
                );
            },
            other: || {
                log::info!(pod = "kube-system/coredns", status = "ready", attempt = 3, delta = -7,
                    big = u64::MAX, latency_ms = 12.5, ratio = 0.25, ready = true,
                    missing = None::<u32>, wide = 1u128 << 100; "Pod status updated");
            },
            json_same: true,
        },
        Case {
            name: "quoting and multi-line strings",
            klog: klog_calls::quoting,
            other: || {
                log::info!(config = "a: 1\nb: 2\nc: 3", quote = "say \"hi\"\t", unicode = "naïve ☃",
                    control = "\u{1}\u{7f}"; "Config \"loaded\"");
            },
            json_same: true,
        },
        Case {
            name: "formatted message and values",
            klog: |l| {
                let n = 3;
                klog::info!(l, &format!("Synced {n} pods"), addr = %"10.0.0.1", elapsed = ?1.5,
                    initial = %'x');
            },
            other: || {
                let n = 3;
                log::info!(addr:% = "10.0.0.1", elapsed:? = 1.5, initial = 'x'; "Synced {} pods", n);
            },
            json_same: true,
        },
        Case {
            name: "object references",
            klog: |l| {
                klog::info!(
                    l,
                    "Synced",
                    pod = KObj::new("default", "web-0"),
                    node = KObj::new("", "worker-1")
                );
            },
            other: || {
                log::info!(pod:% = KObj::new("default", "web-0"), node:% = KObj::new("", "worker-1"); "Synced");
            },
            // JSON writes object references as objects; through `log` they are strings.
            json_same: false,
        },
        Case {
            name: "error with err",
            klog: klog_calls::error_with_err,
            other: || {
                let err = sync_error();
                log::error!(key = "kube-system/coredns", err:err = err; "Failed to sync");
            },
            json_same: true,
        },
        Case {
            name: "error without err, error values as key/values",
            klog: |l| {
                let err = sync_error();
                klog::error!(
                    l,
                    "Invariant violated",
                    shard = 7,
                    cause = Value::error(&err)
                );
            },
            other: || {
                let err = sync_error();
                log::error!(shard = 7, cause:err = err; "Invariant violated");
            },
            json_same: true,
        },
        Case {
            name: "warning",
            klog: klog_calls::warning,
            other: || log::warn!(elapsed_ms = 1500; "Slow response"),
            json_same: true,
        },
        Case {
            name: "verbosity: debug, trace and v",
            klog: klog_calls::verbosity,
            other: || {
                log::debug!(probe = "liveness"; "Probe ok");
                log::trace!(key = "a"; "Cache hit");
                log::info!(attempt = 2, v = 2; "Retrying");
                log::trace!(v = 7, size = 10; "Dump");
            },
            json_same: true,
        },
        Case {
            name: "names",
            klog: klog_calls::names,
            other: || {
                log::info!(logger = "controller.pods", attempt = 3; "Pod status updated");
                let err = sync_error();
                log::error!(err:err = err, logger = "controller.pods"; "Failed to sync");
            },
            json_same: true,
        },
        Case {
            name: "bound values and duplicates",
            klog: |l| {
                let l = l.with_name("controller").with_values(&[
                    KeyValue::new("node", &"worker-1"),
                    KeyValue::new("pod", &"a"),
                ]);
                klog::info!(l, "Moved", pod = "b", zone = "z1", pod = "c");
            },
            other: || {
                log::info!(logger = "controller", node = "worker-1", pod = "a", pod = "b",
                    zone = "z1", pod = "c"; "Moved");
            },
            // `log` has no bound values: JSON writes them after `"v"`.
            json_same: false,
        },
    ]
}

fn through_log(event: &Event, build: Build) -> String {
    written(build, true, |logger| {
        common::use_backend(Arc::new(KlogLog::new(logger)));
        (event.other)();
    })
}

/// klog through the `log` facade and back.
fn through_round_trip(event: &Event, build: Build, pin_caller: bool) -> String {
    event.bridged(build, pin_caller, |logger| {
        common::use_backend(Arc::new(KlogLog::new(logger)));
        LogSink::new().into_logger()
    })
}

#[test]
fn log_records_write_the_bytes_of_klog_calls() {
    assert_calls_write_klog_bytes(&events(), text_logger, through_log);
}

#[test]
fn klog_through_log_and_back_writes_the_same_bytes() {
    assert_round_trips(&events(), through_round_trip);
}

#[test]
fn a_given_backend_works_like_the_facade() {
    for event in events() {
        let given = event.bridged(text_logger, false, |logger| {
            LogSink::with_log(Arc::new(KlogLog::new(logger))).into_logger()
        });
        assert_same(event.name, &given, &event.direct(text_logger, false));
    }
}

#[test]
fn json_output_is_the_same_too() {
    for event in events() {
        let expected = event.direct(json_logger, true);
        let tripped = through_round_trip(&event, json_logger, true);
        if event.json_same {
            assert_same(event.name, &through_log(&event, json_logger), &expected);
            assert_same(event.name, &tripped, &expected);
        } else {
            assert_ne!(tripped, expected, "{}", event.name);
        }
    }
}

#[test]
fn log_call_sites_become_klog_call_sites() {
    let out = SharedBuffer::default();
    common::use_backend(Arc::new(KlogLog::new(text_logger(&out, false))));
    let line = line!() + 1;
    log::info!("Here");
    assert_eq!(
        out.to_string(),
        format!("I0102 03:04:05.000000    4242 equivalence.rs:{line}] \"Here\"\n")
    );
}

#[test]
fn verbosity_follows_the_klog_logger() {
    let out = SharedBuffer::default();
    let logger = v3_logger(&out);
    common::use_backend(Arc::new(KlogLog::new(logger.clone())));
    log::debug!("debug is V4: hidden");
    log::debug!(v = 3; "debug with v 3: shown");
    log::info!(v = 4; "info with v 4: hidden");
    log::info!("info: shown");
    // The logger's own V offset adds to the record's.
    let backend = Arc::new(KlogLog::new(logger.v(2)));
    common::use_backend(backend.clone());
    log::info!(v = 1; "V2 with v 1: shown");
    log::info!(v = 2; "V2 with v 2: hidden");
    log::error!(v = 9; "errors ignore verbosity");
    let meta = |level| log::Metadata::builder().level(level).build();
    assert!(log::Log::enabled(&*backend, &meta(log::Level::Info)));
    assert!(!log::Log::enabled(&*backend, &meta(log::Level::Debug)));
    assert_eq!(out.to_string(), V3_WRITTEN);
}

/// The differences the crate documents.
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
        elapsed = elapsed,
        ratio = 0.1f32
    );
    assert_eq!(
        out.take(),
        b"I0102 03:04:05.000000    4242 pods.rs:42] \"Values\" pods=[\"ns/a\",\"ns/b\"] ports=[80,443] elapsed=\"1.5s\" ratio=0.1\n"
    );
    common::use_backend(Arc::new(KlogLog::new(direct)));
    klog::info!(
        LogSink::new().into_logger(),
        "Values",
        pods = list,
        ports = klog::Serde(&ports),
        elapsed = elapsed,
        ratio = 0.1f32
    );
    assert_eq!(
        out.to_string(),
        "I0102 03:04:05.000000    4242 pods.rs:42] \"Values\" pods=\"[\\\"ns/a\\\",\\\"ns/b\\\"]\" ports=\"[80,443]\" elapsed=\"1.5s\" ratio=0.1\n"
    );
    // A `log` call's `f32` is widened by `log` itself.
    let _ = out.take();
    log::info!(ratio = 0.1f32; "Widened");
    assert!(
        out.to_string()
            .ends_with("\"Widened\" ratio=0.10000000149011612\n"),
        "{out}"
    );
}

/// Fatal records come back as error records; unstructured ones as structured.
#[test]
fn fatal_and_unstructured_records_are_mapped() {
    let out = SharedBuffer::default();
    common::use_backend(Arc::new(KlogLog::new(text_logger(&out, true))));
    log_fatal_and_unstructured(&LogSink::new().into_logger());
    assert_eq!(out.to_string(), FATAL_AND_UNSTRUCTURED);
}

/// What a plain `log` backend receives from klog.
#[test]
fn klog_records_reach_log_with_their_fields() {
    #[derive(Default)]
    struct Keep(std::sync::Mutex<Vec<String>>);
    impl log::Log for Keep {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            struct Pairs(String);
            impl<'kvs> log::kv::VisitSource<'kvs> for Pairs {
                fn visit_pair(
                    &mut self,
                    k: log::kv::Key<'kvs>,
                    v: log::kv::Value<'kvs>,
                ) -> Result<(), log::kv::Error> {
                    self.0.push_str(&format!(" {k}={v}"));
                    Ok(())
                }
            }
            let mut pairs = Pairs(String::new());
            let _ = record.key_values().visit(&mut pairs);
            self.0.lock().unwrap().push(format!(
                "{} {} {}:{} [{}]{}",
                record.level(),
                record.target(),
                record
                    .file()
                    .unwrap_or("?")
                    .rsplit('/')
                    .next()
                    .unwrap_or(""),
                record.line().unwrap_or(0),
                record.args(),
                pairs.0
            ));
        }
        fn flush(&self) {}
    }
    let keep = Arc::new(Keep::default());
    let logger = LogSink::with_log(keep.clone())
        .into_logger()
        .with_name("ctrl")
        .with_values(&[KeyValue::new("node", &"worker-1")]);
    let err = sync_error();
    let line = line!() + 1;
    klog::error!(logger, err: &err, "Failed to sync", key = "a", attempt = 3);
    klog::info!(v: 2, logger, "Retrying");
    assert_eq!(
        *keep.0.lock().unwrap(),
        [
            format!("ERROR equivalence equivalence.rs:{line} [Failed to sync] logger=ctrl err=connection refused node=worker-1 key=a attempt=3"),
            format!("DEBUG equivalence equivalence.rs:{} [Retrying] logger=ctrl v=2 node=worker-1", line + 1),
        ]
    );
}

#[test]
fn backends_and_sinks_are_debug_send_sync() {
    fn assert_traits<T: std::fmt::Debug + Send + Sync>() {}
    assert_traits::<KlogLog>();
    assert_traits::<LogSink>();
    assert!(format!("{:?}", LogSink::default()).starts_with("LogSink"));
}

// === the level table ===

fn kit_level(level: log::Level) -> Level {
    match level {
        log::Level::Error => Level::Error,
        log::Level::Warn => Level::Warn,
        log::Level::Info => Level::Info,
        log::Level::Debug => Level::Debug,
        log::Level::Trace => Level::Trace,
    }
}

fn log_level(level: Level) -> log::Level {
    match level {
        Level::Error => log::Level::Error,
        Level::Warn => log::Level::Warn,
        Level::Info => log::Level::Info,
        Level::Debug => log::Level::Debug,
        Level::Trace => log::Level::Trace,
    }
}

/// Keeps each record's level and `v` key.
#[derive(Default)]
struct Levels(Mutex<Vec<(log::Level, Option<i64>)>>);

impl log::Log for Levels {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let v = record
            .key_values()
            .get(log::kv::Key::from_str("v"))
            .and_then(|v| v.to_i64());
        self.0.lock().unwrap().push((record.level(), v));
    }
    fn flush(&self) {}
}

#[test]
fn klog_records_reach_log_at_the_kits_levels() {
    let levels = Arc::new(Levels::default());
    let logger = LogSink::with_log(levels.clone()).into_logger();
    klog::info!(v: 2, logger, "Retrying");
    assert_eq!(
        levels.0.lock().unwrap().pop(),
        Some((log::Level::Debug, Some(2))),
        "a V2 record is a debug record"
    );
    assert_out_of_klog(|severity, v| {
        logger.log(&klog::Record::new(severity, "m", &[]).with_verbosity(v));
        let (level, v) = levels.0.lock().unwrap().pop().expect("forwarded");
        (kit_level(level), v)
    });
    assert_eq!(klog_log::max_level_for(2), log::LevelFilter::Debug);
}

#[test]
fn log_records_reach_klog_at_the_kits_levels() {
    let logger = klog::testing::logger_with_verbosity(10);
    let backend = KlogLog::new(logger.logger().clone());
    assert_into_klog(|level, v| {
        let kvs = v.map(|v| [("v", log::kv::Value::from(v))]);
        let record = log::Record::builder()
            .level(log_level(level))
            .args(format_args!("m"))
            .key_values(&kvs)
            .build();
        log::Log::log(&backend, &record);
        let entry = logger.entries().pop().expect("written");
        (entry.severity, entry.verbosity)
    });
    assert!(logger.entries().iter().all(|e| e.call.is_empty()));
}
