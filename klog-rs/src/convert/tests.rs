//! The converter writes through the crate's encoders: what that brings to converted lines.

use std::time::{Duration, UNIX_EPOCH};

use super::{Converter, Target};
use crate::parse::Parser;
use crate::{KeyValue, SharedBuffer, TextSink};

fn convert(input: &str, target: Target) -> String {
    let mut converter = Converter::new(target)
        .time_zone(crate::TimeZone::Utc)
        .year(2024);
    let mut out = Vec::new();
    for line in Parser::new(input.as_bytes()) {
        converter.convert(&line.unwrap(), &mut out);
    }
    String::from_utf8(out).unwrap()
}

/// `{"ts":…,"caller":"controller.rs:42","msg":"m","v":0,` + `members` + `}`.
fn json_entry(members: &str) -> String {
    format!("{{\"ts\":1704164645123.4568,\"caller\":\"controller.rs:42\",\"msg\":\"m\",\"v\":0,{members}}}\n")
}

const HEADER: &str = "I0102 03:04:05.123456         controller.rs:42] ";

#[test]
fn a_repeated_json_key_becomes_one_text_pair_as_klog_writes_it() {
    let text = convert(&json_entry("\"a\":1,\"b\":2,\"a\":3"), Target::Text);
    assert_eq!(text, format!("{HEADER}\"m\" b=2 a=3\n"));

    // The same call logged by klog-rs's own text sink.
    let out = SharedBuffer::default();
    let logger = TextSink::builder()
        .writer(out.clone())
        .fixed_time(UNIX_EPOCH + Duration::new(1_704_164_645, 123_456_789))
        .time_zone(crate::TimeZone::Utc)
        .fixed_caller(Some("controller.rs"), 42)
        .pid(0)
        .build_logger();
    let (a1, b, a3) = (1, 2, 3);
    let kvs = [
        KeyValue::new("a", &a1),
        KeyValue::new("b", &b),
        KeyValue::new("a", &a3),
    ];
    logger.info("m", &kvs);
    assert_eq!(String::from_utf8(out.contents()).unwrap(), text);
}

#[test]
fn klogs_duplicate_rule_covers_the_logger_and_the_error() {
    for (members, pairs) in [
        // A repeat of the same pair is dropped.
        ("\"a\":1,\"b\":2,\"a\":1", " a=1 b=2"),
        ("\"a\":\"x\",\"a\":\"x\",\"a\":\"y\"", " a=\"y\""),
        // The logger name is a pair like the others (RULES.md §2).
        ("\"logger\":\"kv\",\"k\":\"v\"", " logger=\"kv\" k=\"v\""),
    ] {
        assert_eq!(
            convert(&json_entry(members), Target::Text),
            format!("{HEADER}\"m\"{pairs}\n"),
            "{members}"
        );
    }
    let named = "{\"ts\":0,\"logger\":\"n\",\"msg\":\"m\",\"v\":0,\"logger\":\"kv\"}\n";
    assert_eq!(
        convert(named, Target::Text),
        "I0101 00:00:00.000000         ???:1] \"m\" logger=\"kv\"\n"
    );
    // An error entry's error is its last `err`; an earlier `err` pair replaces it in text.
    let error = "{\"ts\":0,\"msg\":\"m\",\"err\":\"kv\",\"err\":\"boom\"}\n";
    assert_eq!(
        convert(error, Target::Text),
        "E0101 00:00:00.000000         ???:1] \"m\" err=\"kv\"\n"
    );
}

#[test]
fn json_values_pass_verbatim_and_object_references_as_klog_text() {
    let members = "\"n\":1e3,\"list\":[1,\"<\"],\"pod\":{\"name\":\"web\",\"namespace\":\"ns\"},\
                   \"odd\":{\"name\":\"a\\\"b\"},\"s\":\"two\\nlines\"";
    assert_eq!(
        convert(&json_entry(members), Target::Text),
        format!(
            "{HEADER}\"m\" n=1e3 list=[1,\"<\"] pod=\"ns/web\" odd={{\"name\":\"a\\\"b\"}} s=<\n\ttwo\n\tlines\n >\n"
        )
    );
}

#[test]
fn object_references_that_would_not_read_back_stay_json() {
    for name in ["a\\\"b", "a\\\\b", "a\\u0001b", "a\u{85}b"] {
        let member = format!("\"pod\":{{\"name\":\"{name}\"}}");
        let want = format!("{HEADER}\"m\" pod={{\"name\":\"{name}\"}}\n");
        assert_eq!(convert(&json_entry(&member), Target::Text), want, "{name}");
    }
    let member = "\"pod\":{\"name\":\"é\\u2028\"}";
    let want = format!("{HEADER}\"m\" pod=\"é\u{2028}\"\n");
    assert_eq!(convert(&json_entry(member), Target::Text), want);
}

#[test]
fn text_values_that_are_not_json_become_strings() {
    let text = "E1128 09:00:01.250000    4242 a.go:7] \"m\" err=\"boom\" logger=\"\" \
                s={Name:x} n=NaN j={\"a\":1} q=\"x\" errVerbose=\"v\"\n";
    assert_eq!(
        convert(text, Target::Json),
        "{\"ts\":1732784401249.9998,\"logger\":\"\",\"caller\":\"a.go:7\",\"msg\":\"m\",\
         \"s\":\"{Name:x}\",\"n\":\"NaN\",\"j\":{\"a\":1},\"q\":\"x\",\"err\":\"boom\",\"errVerbose\":\"v\"}\n"
    );
}

// === Issue 15: other JSON dialects and real logs' edges.

#[test]
fn zap_and_etcd_lines_convert_with_their_severity_and_time() {
    let zap = "{\"level\":\"debug\",\"ts\":1592985320.2246182,\"logger\":\"ctrl\",\"msg\":\"Starting\",\"n\":1}\n";
    assert_eq!(
        convert(zap, Target::Json),
        "{\"ts\":1592985320224.6182,\"logger\":\"ctrl\",\"msg\":\"Starting\",\"v\":1,\"n\":1}\n"
    );
    assert_eq!(
        convert(zap, Target::Text),
        "I0624 07:55:20.224618         ???:1] \"Starting\" logger=\"ctrl\" n=1\n"
    );
    let etcd = "{\"level\":\"error\",\"ts\":\"2024-10-25T16:06:01.355710Z\",\"caller\":\"embed/etcd.go:1\",\"msg\":\"failed\",\"error\":\"boom\"}\n";
    assert_eq!(
        convert(etcd, Target::Text),
        "E1025 16:06:01.355710         embed/etcd.go:1] \"failed\" err=\"boom\"\n"
    );
    assert_eq!(
        convert(etcd, Target::Json),
        "{\"ts\":1729872361355.71,\"caller\":\"embed/etcd.go:1\",\"msg\":\"failed\",\"err\":\"boom\"}\n"
    );
    let warn = "{\"time\":\"2024-01-02T03:04:05Z\",\"level\":\"WARN\",\"msg\":\"careful\"}\n";
    assert!(convert(warn, Target::Text).starts_with("W0102 03:04:05.000000 "));
}

#[test]
fn february_29_of_a_year_without_one_passes_through() {
    let line = "I0229 03:04:05.000000       1 a.go:1] \"m\"\n";
    let mut converter = Converter::new(Target::Json).year(2025);
    let mut out = Vec::new();
    for parsed in Parser::new(line.as_bytes()) {
        converter.convert(&parsed.unwrap(), &mut out);
    }
    assert_eq!(out, line.as_bytes());
    let leap = convert(line, Target::Json); // 2024
    assert!(leap.starts_with("{\"ts\":1709175845000,"), "{leap}");
}

#[test]
fn a_json_key_with_a_line_break_never_forges_a_text_line() {
    let json = "{\"ts\":1000,\"msg\":\"m\",\"v\":0,\"a\\nE0101 00:00:00.000000       1 forged.go:1] \\\"forged\\\" x\":1}\n";
    let text = convert(json, Target::Text);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("a\\nE0101"), "{text}");
    let lines: Vec<_> = Parser::new(text.as_bytes()).map(Result::unwrap).collect();
    assert_eq!(lines.len(), 1);
}

#[test]
fn json_without_caller_stays_without_one_through_text() {
    let json = "{\"ts\":1704164645123.456,\"msg\":\"m\",\"v\":0}\n";
    let text = convert(json, Target::Text);
    assert_eq!(text, "I0102 03:04:05.123456         ???:1] \"m\"\n");
    assert_eq!(convert(&text, Target::Json), json);
}
