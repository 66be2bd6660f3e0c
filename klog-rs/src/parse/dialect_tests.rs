//! The JSON dialects (zap/etcd, logrus, slog) and the fixes for real logs (issue 15):
//! continuation lines, padding, CRLF, cut-off values, impossible dates, `???:1`, non-UTF-8
//! block lines. Lines here are written for the tests (the real ones stay outside the
//! repository; `klog-convert/tests/realworld.rs` reads them).

use super::*;
use crate::record::Severity;

fn parse(input: &str) -> Vec<ParsedLine> {
    Parser::new(input.as_bytes())
        .map(|r| r.expect("no I/O error"))
        .collect()
}

fn one(input: &str) -> ParsedRecord {
    match &parse(input)[..] {
        [ParsedLine::Record(rec)] => rec.clone(),
        other => panic!("not one record: {other:?}"),
    }
}

fn pair<'a>(rec: &'a ParsedRecord, key: &str) -> Option<&'a ParsedValue> {
    rec.key_values
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

#[test]
fn zap_float_seconds_logger_caller_and_levels() {
    let rec = one("{\"level\":\"info\",\"ts\":1592985320.2246182,\"logger\":\"kubebuilder.controller\",\"caller\":\"controller/controller.go:164\",\"msg\":\"Starting Controller\",\"controller\":\"db\"}\n");
    assert_eq!(rec.format, SourceFormat::Zap);
    assert_eq!((rec.severity, rec.verbosity), (Severity::Info, Some(0)));
    assert_eq!(rec.ts_unix, Some((1_592_985_320, 224_618_200)));
    assert_eq!(rec.ts_millis, None);
    assert_eq!(rec.logger.as_deref(), Some("kubebuilder.controller"));
    assert_eq!(
        (rec.file.as_deref(), rec.line),
        (Some("controller/controller.go"), Some(164))
    );
    assert_eq!(rec.message, "Starting Controller");
    assert_eq!(
        rec.key_values,
        vec![("controller".into(), ParsedValue::Str("db".into()))]
    );

    let level = |l: &str| {
        let rec = one(&format!("{{\"level\":\"{l}\",\"ts\":1.5,\"msg\":\"m\"}}\n"));
        (rec.severity, rec.verbosity)
    };
    assert_eq!(level("debug"), (Severity::Info, Some(1)));
    assert_eq!(level("Level(-4)"), (Severity::Info, Some(4)));
    assert_eq!(level("warn"), (Severity::Warning, None));
    assert_eq!(level("error"), (Severity::Error, None));
    assert_eq!(level("dpanic"), (Severity::Error, None));
    assert_eq!(level("fatal"), (Severity::Fatal, None));
    assert_eq!(level("INFO"), (Severity::Info, Some(0)));
}

#[test]
fn zap_error_and_stacktrace() {
    let rec = one("{\"level\":\"error\",\"ts\":1631176483.1,\"logger\":\"ctrl\",\"msg\":\"Reconciler error\",\"name\":\"a\",\"error\":\"boom\",\"stacktrace\":\"main.f\\n\\t/a.go:1\"}\n");
    assert_eq!(rec.severity, Severity::Error);
    assert_eq!(rec.error.as_deref(), Some("boom"));
    assert_eq!(
        pair(&rec, "stacktrace"),
        Some(&ParsedValue::Str("main.f\n\t/a.go:1".into()))
    );
    assert!(pair(&rec, "error").is_none());
    // An info entry's `error` is a pair like any other.
    let rec = one("{\"level\":\"info\",\"ts\":1.0,\"msg\":\"m\",\"error\":\"not the error\"}\n");
    assert_eq!(rec.error, None);
    assert!(pair(&rec, "error").is_some());
}

#[test]
fn etcd_rfc3339_and_zap_iso8601_times() {
    let rec = one("{\"level\":\"warn\",\"ts\":\"2024-10-25T16:06:01.355710Z\",\"caller\":\"embed/config.go:687\",\"msg\":\"Running http and grpc server on single port.\"}\n");
    assert_eq!(rec.format, SourceFormat::Zap);
    assert_eq!(rec.severity, Severity::Warning);
    assert_eq!(rec.ts_unix, Some((1_729_872_361, 355_710_000)));
    assert!(rec.key_values.is_empty());
    // zap's ISO 8601 encoder: `+0200` without a colon, under `time` beside a `caller`.
    let rec = one("{\"level\":\"debug\",\"time\":\"2019-05-15T19:45:57.627+0200\",\"caller\":\"main.go:105\",\"msg\":\"Starting\"}\n");
    assert_eq!(rec.format, SourceFormat::Zap);
    assert_eq!(rec.ts_unix, Some((1_557_942_357, 627_000_000)));
    assert_eq!((rec.severity, rec.verbosity), (Severity::Info, Some(1)));
    // Milliseconds (zap's EpochMillisTimeEncoder) are told apart by their digits.
    let rec = one("{\"level\":\"info\",\"ts\":1592985320224.5,\"msg\":\"m\"}\n");
    assert_eq!(rec.ts_unix, Some((1_592_985_320, 224_500_000)));
}

#[test]
fn logrus_sorted_keys_levels_error_and_file() {
    let rec = one("{\"animal\":\"walrus\",\"level\":\"warning\",\"msg\":\"The group's number increased\",\"number\":122,\"time\":\"2024-01-02T03:04:05+01:00\"}\n");
    assert_eq!(rec.format, SourceFormat::Logrus);
    assert_eq!(rec.severity, Severity::Warning);
    assert_eq!(rec.ts_unix, Some((1_704_161_045, 0)));
    assert_eq!(
        rec.key_values,
        vec![
            ("animal".into(), ParsedValue::Str("walrus".into())),
            ("number".into(), ParsedValue::Raw("122".into())),
        ]
    );
    let rec = one("{\"error\":\"disk full\",\"file\":\"/src/app/main.go:42\",\"func\":\"main.main\",\"level\":\"error\",\"msg\":\"write failed\",\"time\":\"2024-01-02T03:04:05Z\"}\n");
    assert_eq!(rec.severity, Severity::Error);
    assert_eq!(rec.error.as_deref(), Some("disk full"));
    assert_eq!(
        (rec.file.as_deref(), rec.line),
        (Some("/src/app/main.go"), Some(42))
    );
    let v = |l: &str| {
        one(&format!(
            "{{\"level\":\"{l}\",\"msg\":\"m\",\"time\":\"2024-01-02T03:04:05Z\"}}\n"
        ))
        .verbosity
    };
    assert_eq!(
        (v("trace"), v("debug"), v("info")),
        (Some(5), Some(4), Some(0))
    );
}

#[test]
fn slog_levels_source_and_err() {
    let rec = one("{\"time\":\"2024-01-02T03:04:05.123456789Z\",\"level\":\"INFO\",\"source\":{\"function\":\"main.main\",\"file\":\"/app/main.go\",\"line\":17},\"msg\":\"hello\",\"count\":3}\n");
    assert_eq!(rec.format, SourceFormat::Slog);
    assert_eq!(rec.ts_unix, Some((1_704_164_645, 123_456_789)));
    assert_eq!(
        (rec.file.as_deref(), rec.line),
        (Some("/app/main.go"), Some(17))
    );
    assert_eq!(
        rec.key_values,
        vec![("count".into(), ParsedValue::Raw("3".into()))]
    );
    let level = |l: &str| {
        let rec = one(&format!(
            "{{\"time\":\"2024-01-02T03:04:05Z\",\"level\":\"{l}\",\"msg\":\"m\",\"err\":\"e\"}}\n"
        ));
        (rec.severity, rec.verbosity, rec.error)
    };
    assert_eq!(level("DEBUG"), (Severity::Info, Some(4), None));
    assert_eq!(level("INFO-2"), (Severity::Info, Some(2), None));
    assert_eq!(level("INFO+2"), (Severity::Info, Some(0), None));
    assert_eq!(level("WARN"), (Severity::Warning, None, None));
    assert_eq!(level("ERROR"), (Severity::Error, None, Some("e".into())));
}

#[test]
fn unknown_levels_and_other_json_pass_through() {
    for line in [
        "{\"level\":\"loud\",\"ts\":1.5,\"msg\":\"m\"}\n",
        "{\"time\":\"2024-01-02T03:04:05Z\",\"level\":\"NOTICE\",\"msg\":\"m\"}\n",
        "{\"level\":\"info\",\"ts\":1.5}\n",
    ] {
        assert_eq!(parse(line), vec![ParsedLine::Raw(line.as_bytes().to_vec())]);
    }
    // component-base with a pair named `level` (after `msg`) stays component-base.
    let rec = one("{\"ts\":1000,\"msg\":\"m\",\"v\":2,\"level\":\"debug\"}\n");
    assert_eq!(rec.format, SourceFormat::Json);
    assert_eq!(rec.verbosity, Some(2));
    assert!(pair(&rec, "level").is_some());
}

#[test]
fn source_format_overrides_detection() {
    let zap = "{\"level\":\"info\",\"ts\":1.5,\"msg\":\"m\"}\n";
    let read = |format: SourceFormat| -> Vec<ParsedLine> {
        Parser::new(zap.as_bytes())
            .source_format(format)
            .map(Result::unwrap)
            .collect()
    };
    // As component-base: `level` is a pair and `ts` milliseconds.
    let [ParsedLine::Record(rec)] = &read(SourceFormat::Json)[..] else {
        panic!()
    };
    assert_eq!((rec.format, rec.ts_millis), (SourceFormat::Json, Some(1.5)));
    assert!(pair(rec, "level").is_some());
    assert!(matches!(
        &read(SourceFormat::Text)[..],
        [ParsedLine::Raw(_)]
    ));
    let text = "I0102 03:04:05.123456       1 a.go:1] \"m\"\n";
    let lines: Vec<_> = Parser::new(text.as_bytes())
        .source_format(SourceFormat::Zap)
        .map(Result::unwrap)
        .collect();
    assert_eq!(lines, vec![ParsedLine::Raw(text.as_bytes().to_vec())]);
}

const H: &str = "I0102 03:04:05.123456   12345 controller.go:42] ";

#[test]
fn unstructured_messages_keep_their_continuation_lines() {
    let input = format!(
        "E0610 02:55:28.185750   64201 aws.go:77] while getting AWS credentials\n\
         \tFor verbose messaging see aws.Config\n\
         {H}\"next\"\n\
         I0720 00:23:31.949027       5 trace.go:61] Trace \"GuaranteedUpdate\" (started 2017):\n\
         [68.006µs] [68.006µs] initial value restored\r\n\
         \n\
         \"GuaranteedUpdate etcd3\" [1.43s] END\n\
         {{\"ts\":1,\"msg\":\"json ends it\",\"v\":0}}\n"
    );
    let lines = parse(&input);
    let recs: Vec<&ParsedRecord> = lines
        .iter()
        .filter_map(|l| match l {
            ParsedLine::Record(r) => Some(r),
            ParsedLine::Raw(_) => None,
        })
        .collect();
    assert_eq!(recs.len(), 4, "{lines:?}");
    assert_eq!(
        recs[0].message,
        "while getting AWS credentials\n\tFor verbose messaging see aws.Config"
    );
    assert_eq!(recs[1].message, "next");
    assert_eq!(
        recs[2].message,
        "Trace \"GuaranteedUpdate\" (started 2017):\n[68.006µs] [68.006µs] initial value restored\n\n\"GuaranteedUpdate etcd3\" [1.43s] END"
    );
    let mut joined = Vec::new();
    for r in &recs {
        joined.extend_from_slice(&r.raw);
    }
    assert_eq!(joined, input.as_bytes());
    // A structured record has no such lines.
    let lines = parse(&format!("{H}\"m\"\nnot a record\n"));
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1], ParsedLine::Raw(b"not a record\n".to_vec()));
}

#[test]
fn continuation_stops_at_the_length_limit() {
    let input = format!("{H}unstructured\nsecond line\n");
    let lines: Vec<_> = Parser::new(input.as_bytes())
        .max_line_len(H.len() + 14)
        .map(Result::unwrap)
        .collect();
    assert!(matches!(&lines[0], ParsedLine::Record(r) if r.message == "unstructured"));
    assert_eq!(lines[1], ParsedLine::Raw(b"second line\n".to_vec()));
}

#[test]
fn padded_structured_lines_and_crlf() {
    let rec = one(&format!(
        "{H}\"Started controller\" controller=\"a\" n=1   \n"
    ));
    assert_eq!(rec.message, "Started controller");
    assert_eq!(
        rec.key_values,
        vec![
            ("controller".into(), ParsedValue::Str("a".into())),
            ("n".into(), ParsedValue::Raw("1".into())),
        ]
    );
    let rec = one(&format!("{H}plain text\r\n"));
    assert_eq!(rec.message, "plain text");
    let rec = one(&format!("{H}\"quoted\" k=\"v\"\r\n"));
    assert_eq!(
        (rec.message.as_str(), rec.raw.ends_with(b"\r\n")),
        ("quoted", true)
    );
}

#[test]
fn cut_off_quoted_values_are_strings_and_errors() {
    let rec = one(
        "E0102 03:04:05.123456   12345 a.go:1] \"Failed\" err=\"dial tcp 10.0.0.1:443: i/o tim\n",
    );
    assert_eq!(rec.error.as_deref(), Some("dial tcp 10.0.0.1:443: i/o tim"));
    let rec = one(&format!("{H}\"m\" a=1 path=\"/var/lib/\\\"x\\u00\n"));
    assert_eq!(
        pair(&rec, "path"),
        Some(&ParsedValue::Str("/var/lib/\"x".into()))
    );
}

#[test]
fn impossible_dates_are_no_headers() {
    for header in [
        "I0000 03:04:05.123456       1 a.go:1] m\n",
        "I0230 03:04:05.123456       1 a.go:1] m\n",
        "I1301 03:04:05.123456       1 a.go:1] m\n",
        "I0431 03:04:05.123456       1 a.go:1] m\n",
        "I0102 24:04:05.123456       1 a.go:1] m\n",
        "I0102 03:60:05.123456       1 a.go:1] m\n",
        "I0102 03:04:60.123456       1 a.go:1] m\n",
    ] {
        assert_eq!(
            parse(header),
            vec![ParsedLine::Raw(header.as_bytes().to_vec())]
        );
        assert!(!starts_record(header.as_bytes()));
        assert_eq!(header_month(header.as_bytes()), None);
    }
    // February 29 may be right: its year is the converter's to infer.
    assert!(starts_record(b"I0229 03:04:05.123456       1 a.go:1] m\n"));
}

#[test]
fn unknown_caller_and_non_utf8_block_lines() {
    let rec = one("I0102 03:04:05.123456       1 ???:1] \"m\"\n");
    assert_eq!((rec.file, rec.line), (None, None));
    let mut input = format!("{H}\"m\" path=<\n\ta").into_bytes();
    input.extend_from_slice(b"\xff\xfeb\n\tc\n >\n");
    let lines: Vec<_> = Parser::new(&input[..]).map(Result::unwrap).collect();
    let [ParsedLine::Record(rec)] = &lines[..] else {
        panic!("{lines:?}")
    };
    assert_eq!(
        pair(rec, "path"),
        Some(&ParsedValue::Str("a\u{fffd}\u{fffd}b\nc".into()))
    );
    assert_eq!(rec.raw, input);
}
