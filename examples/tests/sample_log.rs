//! Runs the `sample_log` example binary and checks that the committed data files
//! (`examples/data/sample.log`, `examples/data/sample.json`) are exactly what it writes, and
//! that the text sample has the variety the `klog-convert` demo and tests rely on.

use std::path::PathBuf;
use std::process::Command;

/// The binary's stdout for `--format <format>`.
fn run(format: &str) -> String {
    let bin = env!("CARGO_BIN_EXE_sample_log");
    let out = Command::new(bin)
        .args(["--format", format])
        .output()
        .expect("run sample_log");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "sample_log --format {format}: {stderr}"
    );
    assert!(stderr.is_empty(), "sample_log --format {format}: {stderr}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A committed data file.
fn data_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Asserts that `actual` equals the data file `name`, pointing at the first difference and
/// at the command that regenerates it.
fn assert_matches_data_file(format: &str, name: &str, actual: &str) {
    let expected = data_file(name);
    if actual == expected {
        return;
    }
    let regenerate = format!(
        "cargo run -q -p klog-examples --bin sample_log -- --format {format} > examples/data/{name}"
    );
    let first_difference = actual
        .lines()
        .zip(expected.lines())
        .position(|(a, e)| a != e)
        .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
    panic!(
        "examples/data/{name} is not what `sample_log --format {format}` writes \
         ({} lines, {} bytes written; {} lines, {} bytes committed).\n\
         First difference at line {}:\n  written:   {:?}\n  committed: {:?}\n\
         If the change is intended (editing examples/sample_log.rs moves call sites), regenerate \
         from the workspace root:\n  {regenerate}",
        actual.lines().count(),
        actual.len(),
        expected.lines().count(),
        expected.len(),
        first_difference + 1,
        actual
            .lines()
            .nth(first_difference)
            .unwrap_or("<end of output>"),
        expected
            .lines()
            .nth(first_difference)
            .unwrap_or("<end of file>"),
    );
}

#[test]
fn text_output_matches_committed_sample_log() {
    assert_matches_data_file("text", "sample.log", &run("text"));
}

#[test]
fn json_output_matches_committed_sample_json() {
    assert_matches_data_file("json", "sample.json", &run("json"));
}

/// Whether `line` starts like a klog text header: `Lmmdd hh:mm:ss.uuuuuu `.
fn is_klog_header(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 22
        && b"IWEF".contains(&b[0])
        && b[1..5].iter().all(u8::is_ascii_digit)
        && b[5] == b' '
        && b[8] == b':'
        && b[14] == b'.'
        && b[15..21].iter().all(u8::is_ascii_digit)
        && b[21] == b' '
}

#[test]
fn sample_log_has_the_variety_the_converter_needs() {
    let text = data_file("sample.log");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() >= 2000, "sample.log has {} lines", lines.len());

    // Multi-line values: `key=<`, tab-indented lines, ` >`.
    let blocks = lines.iter().filter(|l| l.ends_with("=<")).count();
    assert!(blocks >= 1, "no multi-line value block");
    assert!(lines.iter().any(|l| l.starts_with('\t')), "no block body");
    assert!(lines.iter().any(|l| l.starts_with(" >")), "no block end");
    assert!(
        lines
            .iter()
            .any(|l| is_klog_header(l) && l.contains(" err=<")),
        "no multi-line error"
    );

    let count = |severity: u8| {
        lines
            .iter()
            .filter(|l| is_klog_header(l) && l.as_bytes()[0] == severity)
            .count()
    };
    assert!(count(b'I') > 1000, "info lines: {}", count(b'I'));
    assert!(count(b'W') >= 5, "warnings: {}", count(b'W'));
    assert!(count(b'E') >= 5, "errors: {}", count(b'E'));

    let mut names: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.split(" logger=\"").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in [
        "deployment-controller",
        "replicaset-controller",
        "node-lifecycle",
        "scheduler",
        "scheduler.binder",
        "leader-election",
    ] {
        assert!(names.contains(&name), "no logger {name:?} in {names:?}");
    }

    // Lines that are not klog (to be passed through by converters), about 1 in 200.
    // Block bodies start with a tab, block ends with " >" (maybe followed by more pairs).
    let foreign: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !is_klog_header(l) && !l.starts_with('\t') && !l.starts_with(" >"))
        .collect();
    assert_eq!(
        foreign.first(),
        Some(&"Starting sample controller manager v1.31.0"),
        "{foreign:#?}"
    );
    assert!(
        (5..=lines.len() / 100).contains(&foreign.len()),
        "{} lines that are not klog: {foreign:#?}",
        foreign.len()
    );
}
