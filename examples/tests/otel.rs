//! Runs the `otel` example: its receiver gets the three records logged, with the span's
//! ids on the two logged inside the span, and the stderr lines carry the same ids.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_otel");

#[test]
fn the_receiver_gets_the_records_with_the_span_ids() {
    let out = Command::new(BIN)
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_SERVICE_NAME")
        .output()
        .expect("run the otel example");
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let span = stdout
        .lines()
        .find_map(|l| l.strip_prefix("span: "))
        .expect("the span's ids");
    let (trace_id, span_id) = span
        .strip_prefix("trace_id=")
        .and_then(|s| s.split_once(" span_id="))
        .expect("trace_id=… span_id=…");
    assert_eq!((trace_id.len(), span_id.len()), (32, 16), "{span}");

    let records: Vec<&str> = stdout.lines().filter(|l| l.starts_with("- ")).collect();
    assert!(
        stdout.contains("the receiver got 3 log records:"),
        "{stdout}"
    );
    assert_eq!(records.len(), 3, "{stdout}");
    let common = "- service=otel-example scope=klog";
    assert!(
        records[0].starts_with(&format!(
            "{common} severity=9 INFO body=\"Starting\" trace_id= span_id= "
        )),
        "{}",
        records[0]
    );
    assert!(
        records[1].starts_with(&format!(
            "{common} severity=9 INFO body=\"Reconciling\" trace_id={trace_id} span_id={span_id} "
        )),
        "{}",
        records[1]
    );
    assert!(records[2].starts_with(&format!("{common} severity=17 ERROR body=\"Patch failed\" trace_id={trace_id} span_id={span_id} ")), "{}", records[2]);
    assert!(
        records[2].contains("exception.message=Some(StringValue(\"connection refused\"))"),
        "{}",
        records[2]
    );
    assert!(
        records[1].contains("logger=Some(StringValue(\"reconciler\"))"),
        "{}",
        records[1]
    );
    assert!(stdout.contains("exported=3 failed=0"), "{stdout}");

    // The text lines: ids inside the span only.
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("] \"")).collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    let ids = format!("trace_id=\"{trace_id}\" span_id=\"{span_id}\"");
    assert!(!lines[0].contains("trace_id="), "{}", lines[0]);
    assert!(lines[1].ends_with(&ids), "{}", lines[1]);
    assert!(lines[2].ends_with(&ids), "{}", lines[2]);
}
