//! Logger semantics: names, bound values, ordering, duplicates, discard.

use klog::{info, KeyValue, Logger, Severity};

use super::common::{pinned_logger, HEADER};

#[test]
fn names_join_with_dots_and_come_before_bound_values() {
    let (logger, out) = pinned_logger(0);
    let logger = logger
        .with_values(&[KeyValue::new("node", &"worker-1")])
        .with_name("controller")
        .with_values(&[KeyValue::new("shard", &7)])
        .with_name("pods");
    info!(logger, "msg", attempt = 3);
    assert_eq!(
        out.to_string(),
        format!("{HEADER}\"msg\" logger=\"controller.pods\" node=\"worker-1\" shard=7 attempt=3\n")
    );
}

#[test]
fn derived_loggers_do_not_change_their_parent() {
    let (logger, out) = pinned_logger(0);
    let child = logger
        .with_name("child")
        .with_values(&[KeyValue::new("k", &1)]);
    info!(logger, "parent");
    info!(child, "child");
    let text = out.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], format!("{HEADER}\"parent\""));
    assert_eq!(lines[1], format!("{HEADER}\"child\" logger=\"child\" k=1"));
}

#[test]
fn call_values_replace_bound_values_with_the_same_key() {
    let (logger, out) = pinned_logger(0);
    let logger = logger.with_values(&[KeyValue::new("a", &1), KeyValue::new("b", &1)]);
    info!(logger, "msg", a = 2, b = 1, c = 3);
    // a=2 differs from the bound a=1, which is dropped; b=1 repeats and is dropped.
    assert_eq!(out.to_string(), format!("{HEADER}\"msg\" b=1 a=2 c=3\n"));
}

#[test]
fn error_records_ignore_verbosity() {
    let (logger, out) = pinned_logger(-1);
    info!(logger, "hidden");
    logger.error(None, "shown", &[]);
    assert_eq!(out.to_string().lines().count(), 1);
}

#[test]
fn default_logger_discards_everything() {
    let logger = Logger::default();
    info!(logger, "nothing");
    logger.error(None, "nothing", &[]);
    assert!(!logger.enabled());
    assert!(logger.sink().is_none());
}

#[test]
fn unstructured_records_are_written_verbatim() {
    let (logger, out) = pinned_logger(0);
    logger.log(&klog::Record::unstructured(
        Severity::Warning,
        "careful \"raw\"\n",
    ));
    assert_eq!(
        out.to_string(),
        "W0102 03:04:05.123456   12345 controller.rs:42] careful \"raw\"\n"
    );
}

#[test]
fn sinks_can_be_used_directly() {
    let (logger, out) = pinned_logger(0);
    let sink = logger.sink().expect("text sink").clone();
    assert!(sink.enabled(0));
    assert!(!sink.enabled(1));
    sink.log(&klog::Record::new(Severity::Info, "direct", &[]));
    sink.flush();
    assert!(out.to_string().ends_with("] \"direct\"\n"));
}

#[test]
fn a_sink_can_carry_its_own_vmodule() {
    let out = klog::SharedBuffer::default();
    let logger = klog::TextSink::builder()
        .writer(out.clone())
        .verbosity(1)
        .vmodule("logger=4".parse().unwrap())
        .build_logger();
    info!(v: 4, logger, "raised for this file");
    info!(v: 5, logger, "hidden");
    let other = klog::TextSink::builder()
        .writer(out.clone())
        .verbosity(1)
        .vmodule("other=4".parse().unwrap())
        .build_logger();
    info!(v: 4, other, "not this file");
    let text = out.to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("\"raised for this file\""));
}

#[test]
fn skip_headers_and_add_dir_header_follow_klog() {
    let run = |flags: &klog::KlogFlags| {
        let out = klog::SharedBuffer::default();
        let logger = klog::TextSink::builder()
            .writer(out.clone())
            .verbosity(0)
            .fixed_time(super::common::corpus_time())
            .time_zone(klog::TimeZone::Utc)
            .pid(12345)
            .fixed_caller(Some("/src/controller/pods.rs"), 42)
            .klog_flags(flags)
            .build_logger();
        info!(logger, "m", k = 1);
        out.to_string()
    };
    let mut flags = klog::KlogFlags::default();
    flags.skip_headers = true;
    assert_eq!(run(&flags), "\"m\" k=1\n");
    flags.skip_headers = false;
    flags.add_dir_header = true;
    assert_eq!(
        run(&flags),
        "I0102 03:04:05.123456   12345 controller/pods.rs:42] \"m\" k=1\n"
    );
}

/// Every kind of value a derived logger captures (copies now, renders at the first
/// record) reads the same as when it is rendered at derive time (forced by a `Display`
/// value in the same chain, which is not captured) and as the call's own pair, in text
/// and in JSON; a long chain spills the captured copy out of its inline room.
#[test]
fn captured_values_render_like_eagerly_rendered_ones_and_like_call_pairs() {
    use klog::{KObj, Value};
    use std::time::{Duration, UNIX_EPOCH};
    let long = "x".repeat(300);
    // Past what a capture keeps (64 KiB): rendered at derive time instead.
    let huge = "y".repeat(70_000);
    let values = [
        Value::Str(&huge),
        Value::Str("ready"),
        Value::Str("two\nlines"),
        Value::Str(&long),
        Value::ByteStr(b"/tmp/\xff"),
        Value::Bytes(b"\x00ab"),
        Value::NilBytes,
        Value::I64(-3),
        Value::U64(u64::MAX),
        Value::F64(12.5),
        Value::F32(0.1),
        Value::Bool(true),
        Value::Null,
        Value::Object(KObj::new("kube-system", "coredns")),
        Value::Object(KObj::new("", "node-1")),
        Value::Duration(-1_500_000),
        Value::Time(UNIX_EPOCH + Duration::new(1_704_164_645, 123)),
        Value::Time(UNIX_EPOCH - Duration::new(5, 7)),
    ];
    let marker = "marker";
    for json in [false, true] {
        for (i, value) in values.iter().enumerate() {
            let out = klog::SharedBuffer::default();
            let base = if json {
                klog::JsonSink::builder()
                    .writer(out.clone())
                    .fixed_time(UNIX_EPOCH)
                    .fixed_caller(Some("a/b.rs"), 1)
                    .verbosity(0)
                    .build_logger()
            } else {
                klog::TextSink::builder()
                    .writer(out.clone())
                    .fixed_time(UNIX_EPOCH)
                    .fixed_caller(Some("a/b.rs"), 1)
                    .pid(1)
                    .verbosity(0)
                    .build_logger()
            };
            let kv = [KeyValue::from_value("k", *value)];
            // Captured: names and the value copied, rendered by the first record.
            let lazy = base
                .with_name("a")
                .with_values(&[KeyValue::from_value("m", Value::Str(marker))])
                .with_values(&kv)
                .with_name("b");
            // Rendered at derive time: the `Display` value is not captured.
            let eager = base
                .with_name("a")
                .with_values(&[KeyValue::from_value("m", Value::Display(&marker))])
                .with_values(&kv)
                .with_name("b");
            info!(lazy, "msg");
            info!(eager, "msg");
            info!(base.with_name("a.b"), "msg", m = marker, k = *value);
            let text = out.to_string();
            let records: Vec<&str> = if json {
                text.lines().collect()
            } else {
                // Multi-line values: compare whole records.
                text.split("I0101").filter(|r| !r.is_empty()).collect()
            };
            assert_eq!(records.len(), 3, "value {i}: {text}");
            assert_eq!(records[0], records[1], "value {i}, json {json}");
            // JSON writes bound fields before `"v"`, call pairs after it.
            assert_eq!(
                records[0].replace(",\"v\":0", ""),
                records[2].replace(",\"v\":0", ""),
                "value {i}, json {json}"
            );
        }
    }
    // Many names and pairs: past the inline room, into one heap block.
    let (logger, out) = pinned_logger(0);
    let mut derived = logger.clone();
    for n in 0..20 {
        derived = derived
            .with_name("n")
            .with_values(&[KeyValue::new("key", &long), KeyValue::new("n", &n)]);
    }
    info!(derived, "msg");
    let text = out.to_string();
    assert!(text.contains(&format!("logger=\"{}\"", ["n"; 20].join("."))));
    assert_eq!(text.matches(&format!("key=\"{long}\"")).count(), 1);
    assert!(text.contains(" n=19\n"), "{text}");
}
