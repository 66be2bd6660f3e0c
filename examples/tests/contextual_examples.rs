//! Runs the `contextual` and `async_tasks` example binaries: klog text on stderr, the
//! callers' names, bound values and verbosity visible in the callees' lines.

use std::process::Command;

mod common;
use common::{is_klog_text, lines_with, successful_stderr};

/// A successful run's stderr (where the logs go), checked to be klog text only.
fn logs(bin: &str, file: &str) -> String {
    let out = Command::new(bin).output().expect("run the example binary");
    let stderr = successful_stderr(out, bin);
    assert!(!stderr.is_empty(), "{bin}");
    for line in stderr.lines() {
        assert!(is_klog_text(line, file), "{line}");
    }
    stderr
}

#[test]
fn contextual_callees_carry_the_callers_names_values_and_verbosity() {
    let stderr = logs(env!("CARGO_BIN_EXE_contextual"), "contextual.rs");

    // Story 1 and 2: per-pod values and `with_name(operation).with_name(plugin)` reach
    // the plugin's lines; the plugin never names itself or the pod.
    let checked = lines_with(&stderr, "Checked node");
    assert_eq!(checked.len(), 6, "{stderr}");
    for line in &checked[..3] {
        assert!(
            line.contains(
                "logger=\"scheduler.filter.NodeResourcesFit\" pod=\"kube-system/coredns-5d78c9869d-abcde\" node="
            ),
            "{line}"
        );
    }
    for line in &checked[3..] {
        assert!(
            line.contains(
                "logger=\"scheduler.filter.NodeResourcesFit\" pod=\"default/batch-job-7f9c\" node="
            ),
            "{line}"
        );
    }
    let nearly = lines_with(&stderr, "Node nearly fits");
    assert_eq!(nearly.len(), 1, "{stderr}");
    assert!(nearly[0].starts_with('W'), "{}", nearly[0]);
    assert!(
        nearly[0].contains(
            "logger=\"scheduler.filter.NodeResourcesFit\" pod=\"default/batch-job-7f9c\""
        ),
        "{}",
        nearly[0]
    );
    let failed = lines_with(&stderr, "Unable to schedule pod; no fit; waiting");
    assert_eq!(failed.len(), 1, "{stderr}");
    assert!(failed[0].starts_with('E'), "{}", failed[0]);
    assert!(
        failed[0].contains(" err=\"0/3 nodes are available: insufficient cpu (need 2000m, largest free 1500m)\" logger=\"scheduler\" pod=\"default/batch-job-7f9c\" retry_in=\"10s\""),
        "{}",
        failed[0]
    );

    // Story 3: the chatty helper got `v(2)`: its V(0) summary (now V(2)) is shown at -v=2,
    // its V(2) details (now V(4)) are not.
    let snapshot = lines_with(&stderr, "Snapshot updated");
    assert_eq!(snapshot.len(), 1, "{stderr}");
    assert!(
        snapshot[0].ends_with("] \"Snapshot updated\" logger=\"scheduler.cache\" nodes=3"),
        "{}",
        snapshot[0]
    );
    assert!(
        lines_with(&stderr, "Node added to snapshot").is_empty(),
        "{stderr}"
    );

    // Story 4: the library got `v(1)`: its V(0) summary is shown, its V(2) detail is not.
    let bound = lines_with(&stderr, "Binding complete");
    assert_eq!(bound.len(), 1, "{stderr}");
    assert!(
        bound[0].ends_with(
            "logger=\"scheduler.binder\" pod=\"kube-system/coredns-5d78c9869d-abcde\" node=\"worker-1\""
        ),
        "{}",
        bound[0]
    );
    assert!(
        lines_with(&stderr, "Sending binding request").is_empty(),
        "{stderr}"
    );

    // The caller's own lines: V(1) shown at -v=2, no pod on the unbound logger.
    assert_eq!(lines_with(&stderr, "Attempting to schedule pod").len(), 2);
    for msg in ["Starting scheduler", "Scheduling cycle done"] {
        let lines = lines_with(&stderr, msg);
        assert_eq!(lines.len(), 1, "{msg}: {stderr}");
        assert!(lines[0].contains(" logger=\"scheduler\" "), "{}", lines[0]);
        assert!(!lines[0].contains(" pod="), "{}", lines[0]);
    }
    assert_eq!(stderr.lines().count(), 15, "{stderr}");
}

const PODS: [&str; 3] = [
    "pod=\"kube-system/coredns-5d78c9869d-abcde\" worker=0",
    "pod=\"default/web-0\" worker=1",
    "pod=\"default/batch-job-7f9c\" worker=2",
];

#[test]
fn async_tasks_keep_their_own_logger_across_awaits_and_threads() {
    let stderr = logs(env!("CARGO_BIN_EXE_async_tasks"), "async_tasks.rs");

    let outside: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.contains("logger=\"kubelet.podWorker\""))
        .collect();
    assert_eq!(outside.len(), 2, "{stderr}");
    assert!(
        outside[0].ends_with("] \"Starting pod workers\" logger=\"kubelet\" workers=3"),
        "{}",
        outside[0]
    );
    assert!(
        outside[1].ends_with("] \"All pod workers done\" logger=\"kubelet\""),
        "{}",
        outside[1]
    );

    for pod in PODS {
        let prefix = format!(" logger=\"kubelet.podWorker\" {pod} ");
        let own: Vec<&str> = stderr.lines().filter(|l| l.contains(&prefix)).collect();
        // Per step: "Step started" (explicit logger), "Recorded step duration" (legacy
        // code, logger from the task's scope), "Metrics reported" (new code handed
        // `from_context()`); then "Pod synced".
        assert_eq!(own.len(), 3 * 3 + 1, "{pod}: {stderr}");
        for step in ["pullImage", "startContainer", "probe"] {
            let step = format!("step=\"{step}\"");
            for msg in ["Step started", "Recorded step duration", "Metrics reported"] {
                let found = own
                    .iter()
                    .filter(|l| l.contains(&format!("] \"{msg}\"")) && l.contains(&step))
                    .count();
                assert_eq!(found, 1, "{pod} {msg} {step}: {stderr}");
            }
        }
        assert!(
            own.iter()
                .filter(|l| !l.contains("\"Metrics reported\""))
                .all(|l| l.contains(" thread=\"ThreadId(")),
            "{pod}: {stderr}"
        );
        assert_eq!(lines_with(&own.join("\n"), "Pod synced").len(), 1, "{pod}");
    }
    // Every task line carries exactly one pod: none took another task's logger.
    for line in stderr
        .lines()
        .filter(|l| l.contains("logger=\"kubelet.podWorker\""))
    {
        assert_eq!(
            PODS.iter().filter(|pod| line.contains(*pod)).count(),
            1,
            "{line}"
        );
        assert_eq!(line.matches(" pod=").count(), 1, "{line}");
    }
    // -v=1: the V(2) details are hidden, the V(1) lines shown.
    assert!(lines_with(&stderr, "Step details").is_empty(), "{stderr}");
    assert_eq!(stderr.lines().count(), 2 + 3 * 10, "{stderr}");
}
