//! Runs the `kube_controller` example binary: a kube-runtime controller against its own
//! fake API server, reconciling four Pods and exiting by itself.

use std::process::Command;

mod common;
use common::{lines_with, successful_stderr};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kube_controller");

/// The Pods the fake API server lists, as `namespace/name`.
const PODS: [&str; 4] = [
    "kube-system/coredns-5d78c9869d-abcde",
    "default/web-0",
    "default/web-1",
    "default/batch-job-x2k9",
];

/// A successful run's stderr (where the logs go).
fn logs(args: &[&str]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .env_remove("KLOG_V")
        .output()
        .expect("run the kube_controller binary");
    let stderr = successful_stderr(out, args);
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    stderr
}

#[test]
fn text_lines_carry_the_controller_and_the_pod() {
    let text = logs(&[]);
    for line in text.lines() {
        assert!(b"IWE".contains(&line.as_bytes()[0]), "{line}");
    }
    let reconciling = lines_with(&text, "Reconciling pod");
    // Each Pod once, and the failed one again after its requeue.
    assert_eq!(reconciling.len(), PODS.len() + 1, "{text}");
    for pod in PODS {
        let expected =
            format!("\"Reconciling pod\" logger=\"pod-controller\" pod=\"{pod}\" reconcileID=");
        assert!(
            reconciling.iter().any(|l| l.contains(&expected)),
            "{expected} in {text}"
        );
    }
    // A cluster-scoped reference has no namespace.
    assert!(
        reconciling.iter().all(|l| l.contains(" node=\"worker-")),
        "{text}"
    );

    // kube-runtime's span, through klog-tracing, on the tracing events inside the reconcile.
    let pulling = lines_with(&text, "Pulling image");
    assert_eq!(pulling.len(), PODS.len() + 1, "{text}");
    for line in &pulling {
        assert!(
            line.contains(" logger=\"reconciling object\" object.ref=\"Pod.v1./"),
            "{line}"
        );
        assert!(line.contains(" object.reason=\""), "{line}");
    }
    assert!(pulling
        .iter()
        .any(|l| l.contains("object.reason=\"error policy requested retry\"")));

    let errors: Vec<&str> = text.lines().filter(|l| l.starts_with('E')).collect();
    assert_eq!(errors.len(), 1, "{text}");
    assert!(
        errors[0].contains(
            "] \"Reconciler error\" err=\"back-off pulling image \
             \\\"registry.example.com/batch-job-x2k9:v1\\\"\" logger=\"pod-controller\" \
             pod=\"default/batch-job-x2k9\" reconcileID="
        ),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].ends_with(" requeueAfter=\"50ms\""),
        "{}",
        errors[0]
    );

    let starting = lines_with(&text, "Starting controller");
    assert_eq!(starting.len(), 1, "{text}");
    assert!(starting[0].ends_with(&format!(
        " pods=[{}]",
        PODS.map(|p| format!("\"{p}\"")).join(",")
    )));
    assert_eq!(lines_with(&text, "Controller stopped").len(), 1, "{text}");
}

#[test]
fn successful_reconciles_and_their_requeues_are_v4() {
    assert!(lines_with(&logs(&[]), "Reconcile succeeded").is_empty());
    let text = logs(&["-v=4"]);
    let succeeded = lines_with(&text, "Reconcile succeeded");
    assert_eq!(succeeded.len(), PODS.len(), "{text}");
    for line in succeeded {
        assert!(line.contains(" logger=\"pod-controller\" pod=\""), "{line}");
        assert!(line.ends_with(" requeueAfter=\"5m0s\""), "{line}");
    }
    // kube-runtime's own debug events, written by klog at V4.
    assert_eq!(
        lines_with(&text, "store is ready, starting runner").len(),
        1,
        "{text}"
    );
}

#[test]
fn json_records_carry_object_references() {
    let text = logs(&["--logging-format=json"]);
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let reconciling: Vec<&Value> = records
        .iter()
        .filter(|r| r["msg"] == "Reconciling pod")
        .collect();
    assert_eq!(reconciling.len(), PODS.len() + 1, "{text}");
    for pod in PODS {
        let (namespace, name) = pod.split_once('/').unwrap();
        let expected = serde_json::json!({"name": name, "namespace": namespace});
        assert!(
            reconciling
                .iter()
                .any(|r| r["logger"] == "pod-controller" && r["pod"] == expected),
            "{pod} in {text}"
        );
    }
    for record in &reconciling {
        assert!(record["reconcileID"].is_u64(), "{record}");
        // Cluster-scoped: no namespace.
        assert_eq!(record["node"].as_object().unwrap().len(), 1, "{record}");
    }

    let error = records
        .iter()
        .find(|r| r["msg"] == "Reconciler error")
        .expect("the reconciler error");
    assert_eq!(error["logger"], "pod-controller");
    assert_eq!(
        error["pod"],
        serde_json::json!({"name": "batch-job-x2k9", "namespace": "default"})
    );
    assert_eq!(
        error["err"],
        "back-off pulling image \"registry.example.com/batch-job-x2k9:v1\""
    );
    assert_eq!(error["requeueAfter"], "50ms");

    let pulling = records
        .iter()
        .find(|r| r["msg"] == "Pulling image")
        .expect("a tracing event");
    assert_eq!(pulling["logger"], "reconciling object");
    assert!(pulling["object.ref"]
        .as_str()
        .unwrap()
        .starts_with("Pod.v1./"));

    let starting = records
        .iter()
        .find(|r| r["msg"] == "Starting controller")
        .expect("the start");
    assert_eq!(starting["pods"].as_array().unwrap().len(), PODS.len());
}
