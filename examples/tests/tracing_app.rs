//! Runs the `tracing_app` example binary: a program written with `tracing` macros only,
//! writing klog text through `klog_tracing::KlogLayer`.

use std::process::Command;

mod common;
use common::{is_klog_text, lines_with, message, successful_stderr};

const BIN: &str = env!("CARGO_BIN_EXE_tracing_app");

/// The messages logged inside the `reconciling object` span.
const IN_SPAN: [&str; 7] = [
    "Fetched desired state",
    "Server-side apply patch built",
    "Applied",
    "Reconciled",
    "Nothing to apply",
    "Reconcile failed",
    "Requeuing",
];

/// A successful run's stderr (where the logs go), checked to be klog text only.
fn logs(args: &[&str], env: Option<(&str, &str)>) -> String {
    let mut command = Command::new(BIN);
    command.args(args).env_remove("KLOG_V");
    if let Some((key, value)) = env {
        command.env(key, value);
    }
    let out = command.output().expect("run the tracing_app binary");
    let stderr = successful_stderr(out, args);
    assert!(!stderr.is_empty(), "{args:?}");
    for line in stderr.lines() {
        assert!(is_klog_text(line, "tracing_app.rs"), "{line}");
    }
    stderr
}

#[test]
fn span_fields_are_bound_on_every_line_inside_the_span() {
    for stderr in [logs(&[], None), logs(&["-v=5"], None)] {
        let mut inside = 0;
        for line in stderr.lines() {
            if IN_SPAN.contains(&message(line)) {
                inside += 1;
                assert!(line.contains(" logger=\"reconciling object"), "{line}");
                assert!(line.contains(" object.ref=\""), "{line}");
                assert!(line.contains(" object.reason=\""), "{line}");
            } else {
                // Outside the span: no logger name, no bound values.
                assert!(!line.contains("logger="), "{line}");
                assert!(!line.contains("object.ref="), "{line}");
            }
        }
        assert!(inside >= 6, "{stderr}");
        assert_eq!(lines_with(&stderr, "Starting controller").len(), 1);
        assert_eq!(lines_with(&stderr, "Controller stopped").len(), 1);
    }

    let stderr = logs(&[], None);
    let reconciled = lines_with(&stderr, "Reconciled");
    assert_eq!(reconciled.len(), 2, "{stderr}");
    assert!(reconciled[0].ends_with(
        "] \"Reconciled\" logger=\"reconciling object\" \
         object.ref=\"Pod.v1./coredns.kube-system\" object.reason=\"object updated\""
    ));
    // `#[tracing::instrument]` nests: the function's name and arguments are appended.
    let applied = lines_with(&stderr, "Applied");
    assert_eq!(applied.len(), 1, "{stderr}");
    assert!(
        applied[0].contains(
            " logger=\"reconciling object.apply\" object.ref=\"Pod.v1./coredns.kube-system\" \
             object.reason=\"object updated\" replicas=1 resource_version=\"48213\""
        ),
        "{}",
        applied[0]
    );
}

#[test]
fn errors_carry_err_and_warnings_are_w() {
    let stderr = logs(&[], None);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with('E')).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    for line in &errors {
        assert!(
            line.contains(
                "] \"Reconcile failed\" err=\"admission webhook \\\"validate.example.com\\\" \
                 denied the request\" logger=\"reconciling object\" \
                 object.ref=\"Deployment.v1./web.default\""
            ),
            "{line}"
        );
    }
    let requeuing = lines_with(&stderr, "Requeuing");
    assert_eq!(requeuing.len(), 1, "{stderr}");
    assert!(requeuing[0].starts_with('W'), "{}", requeuing[0]);
    assert!(
        requeuing[0].ends_with(" requeue_after=\"10s\""),
        "{}",
        requeuing[0]
    );
}

#[test]
fn debug_is_v4_and_trace_v5() {
    let stderr = logs(&[], None);
    assert!(
        lines_with(&stderr, "Fetched desired state").is_empty(),
        "{stderr}"
    );
    assert!(lines_with(&stderr, "Server-side apply patch built").is_empty());

    for stderr in [
        logs(&["-v=4"], None),
        logs(&["--v", "4"], None),
        logs(&[], Some(("KLOG_V", "4"))),
    ] {
        let fetched = lines_with(&stderr, "Fetched desired state");
        assert_eq!(fetched.len(), 3, "{stderr}");
        assert!(
            fetched[0].ends_with(" replicas=1 generation=7"),
            "{}",
            fetched[0]
        );
        assert!(lines_with(&stderr, "Server-side apply patch built").is_empty());
    }

    let stderr = logs(&["-v=5"], None);
    assert_eq!(
        lines_with(&stderr, "Server-side apply patch built").len(),
        2
    );
    assert_eq!(lines_with(&stderr, "Fetched desired state").len(), 3);
}
