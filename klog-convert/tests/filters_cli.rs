//! Child-process tests of `klog-convert`'s filters: severity, V level, unparsed lines,
//! loggers, key/values and time windows.

use std::ffi::OsString;

use klog::parse::{ParsedRecord, SourceFormat};
use klog::Severity;

mod common;

#[allow(unused_imports)]
use common::*;

#[test]
fn filter_severity() {
    let input = read(&data("sample.log"));
    let lines = parse(&input);
    let errors = |r: &ParsedRecord| r.severity >= Severity::Error;
    let n_errors = records(&lines).into_iter().filter(|r| errors(r)).count();
    assert!(n_errors > 10, "{n_errors} error records in the sample");

    let out = run(&args![
        "--to",
        "json",
        "--year",
        "2026",
        "--severity",
        "error",
        data("sample.log")
    ]);
    assert_success(&out);
    let out_lines = parse(&out.stdout);
    let recs = records(&out_lines);
    assert_eq!(recs.len(), n_errors);
    for rec in &recs {
        assert_eq!(rec.format, SourceFormat::Json);
        assert_eq!(
            rec.verbosity, None,
            "{:?} is not an error entry",
            rec.message
        );
        assert_eq!(rec.severity, Severity::Error);
    }
    assert_eq!(raw_lines(&out_lines), raw_lines(&lines), "unparsed lines");

    assert_filtered(
        &args!["--to", "text", "--severity", "e", data("sample.log")],
        &lines,
        errors,
        "--severity e",
    );

    let warnings = |r: &ParsedRecord| r.severity >= Severity::Warning;
    assert_filtered(
        &args!["--to", "text", "--severity", "warning", data("sample.log")],
        &lines,
        warnings,
        "--severity warning",
    );
}

#[test]
fn filter_max_v() {
    let json = read(&data("sample.json"));
    let lines = parse(&json);
    let up_to_2 = |r: &ParsedRecord| r.verbosity.unwrap_or(0) <= 2;
    let total = records(&lines).len();
    let n = records(&lines).into_iter().filter(|r| up_to_2(r)).count();
    assert!(n > 100 && n < total, "{n} of {total} records up to V(2)");
    assert_filtered(
        &args!["--to", "json", "--max-v", "2", data("sample.json")],
        &lines,
        up_to_2,
        "--max-v 2",
    );

    // Text has no V levels: everything passes.
    let input = read(&data("sample.log"));
    let out = run(&args!["--to", "text", "--max-v", "0", data("sample.log")]);
    assert_success(&out);
    assert_same_bytes(&out.stdout, &input, "--max-v 0 on text");
}

#[test]
fn filter_hide_unparsed() {
    let input = read(&data("sample.log"));
    let lines = parse(&input);

    let out = run(&args![
        "--to",
        "text",
        "--hide-unparsed",
        data("sample.log")
    ]);
    assert_success(&out);
    let expected: Vec<u8> = records(&lines).iter().flat_map(|r| r.raw.clone()).collect();
    assert_same_bytes(&out.stdout, &expected, "--to text --hide-unparsed");

    let out = run(&args![
        "--to",
        "json",
        "--year",
        "2026",
        "--hide-unparsed",
        data("sample.log")
    ]);
    assert_success(&out);
    let out_lines = parse(&out.stdout);
    assert!(
        raw_lines(&out_lines).is_empty(),
        "unparsed lines in the output"
    );
    assert_eq!(records(&out_lines).len(), records(&lines).len());
}

#[test]
fn filter_logger() {
    let input = read(&data("sample.log"));
    let lines = parse(&input);
    let scheduler =
        |r: &ParsedRecord| matches!(r.logger.as_deref(), Some("scheduler" | "scheduler.binder"));
    let n = records(&lines).into_iter().filter(|r| scheduler(r)).count();
    assert!(n > 10, "{n} scheduler records in the sample");

    let out = run(&args![
        "--to",
        "text",
        "--logger",
        "scheduler",
        data("sample.log")
    ]);
    assert_success(&out);
    assert_same_bytes(
        &out.stdout,
        &expected_text(&lines, scheduler),
        "--logger scheduler",
    );
    let out_lines = parse(&out.stdout);
    let loggers: std::collections::BTreeSet<_> = records(&out_lines)
        .iter()
        .map(|r| r.logger.clone().unwrap())
        .collect();
    assert_eq!(
        loggers.into_iter().collect::<Vec<_>>(),
        ["scheduler", "scheduler.binder"],
        "the logger and its child"
    );

    // A child's name does not select its parent; "sched" is no logger of its own.
    let out = run(&args![
        "--to",
        "text",
        "--hide-unparsed",
        "--logger",
        "scheduler.binder",
        data("sample.log")
    ]);
    assert_success(&out);
    let binder = |r: &ParsedRecord| r.logger.as_deref() == Some("scheduler.binder");
    let expected: Vec<u8> = records(&lines)
        .into_iter()
        .filter(|r| binder(r))
        .flat_map(|r| r.raw.clone())
        .collect();
    assert!(!expected.is_empty());
    assert_same_bytes(&out.stdout, &expected, "--logger scheduler.binder");
    let out = run(&args![
        "--to",
        "text",
        "--hide-unparsed",
        "--logger",
        "sched",
        data("sample.log")
    ]);
    assert_success(&out);
    assert!(out.stdout.is_empty(), "--logger sched selected records");

    // Repeated: any of them.
    let either = |r: &ParsedRecord| scheduler(r) || r.logger.as_deref() == Some("leader-election");
    assert_filtered(
        &args![
            "--to",
            "text",
            "--logger",
            "scheduler",
            "--logger",
            "leader-election",
            data("sample.log")
        ],
        &lines,
        either,
        "two --logger",
    );
}

#[test]
fn filter_match() {
    // Text: a string value.
    let input = read(&data("sample.log"));
    let lines = parse(&input);
    let checkout = |r: &ParsedRecord| has_pair(r, "deployment", "payments/checkout");
    let n = records(&lines).into_iter().filter(|r| checkout(r)).count();
    assert!(n > 10, "{n} records of payments/checkout in sample.log");
    assert_filtered(
        &args![
            "--to",
            "text",
            "--match",
            "deployment=payments/checkout",
            data("sample.log")
        ],
        &lines,
        checkout,
        "--match (text)",
    );

    // Repeated: all of them; `msg` is the message.
    let finished = |r: &ParsedRecord| checkout(r) && r.message == "Finished syncing deployment";
    let out = run(&args![
        "--to",
        "text",
        "--match",
        "deployment=payments/checkout",
        "--match",
        "msg=Finished syncing deployment",
        data("sample.log")
    ]);
    assert_success(&out);
    let expected = expected_text(&lines, finished);
    assert!(expected.len() < expected_text(&lines, checkout).len());
    assert_same_bytes(&out.stdout, &expected, "two --match");

    // JSON: an object reference matches as namespace/name.
    let json = read(&data("sample.json"));
    let json_lines = parse(&json);
    let n = records(&json_lines)
        .into_iter()
        .filter(|r| checkout(r))
        .count();
    assert!(n > 10, "{n} records of payments/checkout in sample.json");
    assert_filtered(
        &args![
            "--to",
            "json",
            "--match",
            "deployment=payments/checkout",
            data("sample.json")
        ],
        &json_lines,
        checkout,
        "--match (JSON)",
    );
}

#[test]
fn filter_time_window() {
    let input = read(&data("sample.log"));
    let lines = parse(&input);
    // [09:00:30, 09:01:00)
    let window = |r: &ParsedRecord| (30_000_000..60_000_000).contains(&text_offset_micros(r));
    let total = records(&lines).len();
    let n = records(&lines).into_iter().filter(|r| window(r)).count();
    assert!(n > 100 && n < total, "{n} of {total} records in the window");
    for (since, until) in [
        ("2026-11-28T09:00:30Z", "2026-11-28T09:01:00Z"),
        ("2026-11-28 09:00:30", "2026-11-28 10:01:00+01:00"),
    ] {
        let out = run(&args![
            "--to",
            "text",
            "--year",
            "2026",
            "--since",
            since,
            "--until",
            until,
            data("sample.log")
        ]);
        assert_success(&out);
        assert_same_bytes(
            &out.stdout,
            &expected_text(&lines, window),
            &format!("--since {since} --until {until}"),
        );
    }

    // Another year: nothing is in the window.
    let out = run(&args![
        "--to",
        "json",
        "--year",
        "2025",
        "--hide-unparsed",
        "--since",
        "2026-11-28T09:00:30Z",
        "--until",
        "2026-11-28T09:01:00Z",
        data("sample.log")
    ]);
    assert_success(&out);
    assert!(
        out.stdout.is_empty(),
        "--year 2025 records in a 2026 window"
    );

    // JSON times.
    let json = read(&data("sample.json"));
    let json_lines = parse(&json);
    let json_window = |r: &ParsedRecord| {
        let ms = r.ts_millis.unwrap();
        ms >= (SAMPLE_START * 1000 + 30_000) as f64 && ms < (SAMPLE_START * 1000 + 60_000) as f64
    };
    let n = records(&json_lines)
        .into_iter()
        .filter(|r| json_window(r))
        .count();
    assert!(n > 100, "{n} JSON records in the window");
    assert_filtered(
        &args![
            "--to",
            "json",
            "--since",
            "2026-11-28T09:00:30Z",
            "--until",
            "2026-11-28T09:01:00Z",
            data("sample.json")
        ],
        &json_lines,
        json_window,
        "JSON window",
    );
}
