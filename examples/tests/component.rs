//! Runs the `component` example binary: flags, configuration files, output formats and
//! one-line errors with exit status 2.

use std::path::PathBuf;
use std::process::{Command, Output};

mod common;
use common::{is_klog_text, successful_stderr};

const BIN: &str = env!("CARGO_BIN_EXE_component");
const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/logging.yaml");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run the component binary")
}

/// A successful run's stderr (where the logs go).
fn logs(args: &[&str]) -> String {
    let stderr = successful_stderr(run(args), args);
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    stderr
}

/// A failed run's single stderr line, without the `component: ` prefix.
fn error_line(args: &[&str]) -> String {
    let out = run(args);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(stderr.ends_with('\n'), "{args:?}: {stderr:?}");
    stderr
        .trim_end()
        .strip_prefix("component: ")
        .unwrap_or_else(|| panic!("{args:?}: {stderr}"))
        .to_owned()
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("klog-component-{}-{name}", std::process::id()));
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn default_run_writes_klog_text() {
    let stderr = logs(&[]);
    assert!(stderr.lines().count() >= 3, "{stderr}");
    for line in stderr.lines() {
        assert!(is_klog_text(line, "component.rs"), "{line}");
        assert!(line.contains(" logger=\"controller\""), "{line}");
    }
    assert!(stderr.contains("] \"Starting controller\" "), "{stderr}");
    assert!(stderr.lines().any(|l| l.starts_with('W')), "{stderr}");
    assert!(
        stderr.contains(" err=\"the server could not find"),
        "{stderr}"
    );
    // -v=0: no V(1) and above.
    assert!(!stderr.contains("\"Pod synced\""), "{stderr}");
    assert!(!stderr.contains("\"Reconciling pod\""), "{stderr}");
}

#[test]
fn json_with_verbosity_2() {
    let stderr = logs(&["--logging-format=json", "-v=2"]);
    for line in stderr.lines() {
        assert!(
            line.starts_with("{\"ts\":") && line.ends_with('}'),
            "{line}"
        );
        assert!(line.contains("\"logger\":\"controller\""), "{line}");
    }
    assert!(stderr.lines().any(|l| l.contains("\"v\":2")), "{stderr}");
    assert!(stderr.contains("\"msg\":\"Reconciling pod\""), "{stderr}");
    assert!(!stderr.contains("\"v\":3"), "{stderr}");
    assert!(!stderr.contains("\"v\":4"), "{stderr}");
}

#[test]
fn vmodule_raises_this_file() {
    let stderr = logs(&["--vmodule=component=4"]);
    assert!(stderr.contains("] \"Desired state\" "), "{stderr}");
    assert!(stderr.contains("] \"Response\" "), "{stderr}");
    let stderr = logs(&["--logging-format=json", "--vmodule=component=4"]);
    assert!(stderr.contains("\"v\":4"), "{stderr}");
}

#[test]
fn config_file_and_flags_override_it() {
    // verbosity 1, and the `library` module raised to V(4) by a module pattern.
    let stderr = logs(&["--config", CONFIG]);
    assert!(
        stderr
            .lines()
            .all(|line| is_klog_text(line, "component.rs")),
        "{stderr}"
    );
    assert!(stderr.contains("] \"Pod synced\" "), "{stderr}");
    assert!(stderr.contains("] \"Response\" "), "{stderr}");
    assert!(!stderr.contains("] \"Reconciling pod\" "), "{stderr}");

    let stderr = logs(&["--config", CONFIG, "--logging-format=json", "-v=2"]);
    assert!(stderr.lines().all(|l| l.starts_with('{')), "{stderr}");
    assert!(stderr.contains("\"msg\":\"Reconciling pod\""), "{stderr}");
    assert!(stderr.contains("\"msg\":\"Response\""), "{stderr}");

    // --vmodule replaces the file's list.
    let stderr = logs(&["--config", CONFIG, "--vmodule=other=9"]);
    assert!(!stderr.contains("] \"Response\" "), "{stderr}");
}

#[test]
fn json_config_file() {
    let path = temp_file(
        "good.json",
        r#"{"format": "json", "flushFrequency": 1000000000, "verbosity": 2}"#,
    );
    let stderr = logs(&["--config", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert!(stderr.contains("\"v\":2"), "{stderr}");
}

#[test]
fn go_single_dash_spellings() {
    let dir = std::env::temp_dir().join(format!("klog-component-{}", std::process::id()));
    let stderr = logs(&[
        "-v=2",
        "-logtostderr=false",
        "-alsologtostderr=true",
        "-log_dir",
        dir.to_str().unwrap(),
    ]);
    assert!(stderr.contains("] \"Reconciling pod\" "), "{stderr}");
    // With -logtostderr=false the records also went to klog's files.
    let info_log = std::fs::read_dir(&dir)
        .expect("log dir")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().contains(".log.INFO."))
        .expect("INFO log file");
    let text = std::fs::read_to_string(info_log.path()).unwrap();
    assert!(text.contains("] \"Reconciling pod\" "), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
    logs(&[
        "-vmodule=component=3",
        "-one_output",
        "-alsologtostderr=true",
    ]);
    logs(&[
        "--log_flush_frequency=1s",
        "--logging_format=text",
        "-v",
        "1",
    ]);
}

#[test]
fn repeated_flags_override_like_go() {
    let stderr = logs(&["-v=4", "-v=0"]);
    assert!(!stderr.contains("\"Pod synced\""), "{stderr}");
    let stderr = logs(&[
        "--logging-format=json",
        "--logging-format=text",
        "--v=0",
        "-v=2",
    ]);
    assert!(
        stderr
            .lines()
            .all(|line| is_klog_text(line, "component.rs")),
        "{stderr}"
    );
    assert!(stderr.contains("] \"Reconciling pod\" "), "{stderr}");
}

#[test]
fn invalid_format() {
    let line = error_line(&["--logging-format=xml"]);
    assert_eq!(
        line,
        r#"format: Invalid value: "xml": Unsupported log format"#
    );
}

#[test]
fn invalid_vmodule() {
    let line = error_line(&["--vmodule=bad"]);
    assert!(line.starts_with("--vmodule: "), "{line}");
}

#[test]
fn clap_errors_are_one_line() {
    for args in [
        &["-v=abc"][..],
        &["--v", "-1"],
        &["--no-such-flag"],
        &["--workers=0"],
        &["--logtostderr=maybe"],
        &["--log-flush-frequency=5"],
        &["--log-text-info-buffer-size=12x"],
        &["--stderrthreshold=DEBUG"],
    ] {
        let line = error_line(args);
        assert!(!line.starts_with("error:"), "{line}");
    }
    assert!(error_line(&["-v=abc"]).contains("'abc'"));
}

#[test]
fn validation_errors_are_one_line() {
    let line = error_line(&["--log-flush-frequency=0s"]);
    assert_eq!(
        line,
        r#"flushFrequency: Invalid value: "0s": Must be greater than zero"#
    );
}

#[test]
fn missing_config_file() {
    let line = error_line(&["--config", "/nonexistent.yaml"]);
    assert!(line.contains("/nonexistent.yaml"), "{line}");
}

#[test]
fn config_file_with_unknown_field() {
    let path = temp_file("unknown.yaml", "format: text\nverbositty: 2\n");
    let line = error_line(&["--config", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert!(line.contains("unknown field `verbositty`"), "{line}");

    let path = temp_file(
        "unknown.json",
        r#"{"options": {"json": {"splitStreem": true}}}"#,
    );
    let line = error_line(&["--config", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert!(
        line.contains("options.json: unknown field `splitStreem`"),
        "{line}"
    );
}

#[test]
fn help_and_version_exit_0() {
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "--config <path>",
        "--workers <n>",
        "Logging flags:",
        "--logging-format",
    ] {
        assert!(help.contains(needle), "{needle}: {help}");
    }
    let out = run(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("component "));
}
