//! Contextual logging (KEP-3077) in async code: per-pod worker tasks on a multi-threaded
//! tokio runtime, each carrying its own logger across `.await` points.
//!
//! Each worker gets `with_name("podWorker")` and its pod bound with `with_values`, and is
//! spawned as `sync_pod(…).with_logger(logger)`: the logger is current on every poll,
//! whichever worker thread polls. Inside, new code takes `&Logger` explicitly; legacy code
//! that cannot take one yet calls `klog::info!` without a logger and gets the task's
//! logger from `from_context()`. The `thread` values show tasks moving between threads
//! while their lines keep their own name and pod.
//!
//! Run: `cargo run -q -p klog-examples --bin async_tasks` (lines go to stderr).

use std::time::Duration;

use klog::{info, KObj, KeyValue, Logger, WithLogger};

const PODS: [(&str, &str); 3] = [
    ("kube-system", "coredns-5d78c9869d-abcde"),
    ("default", "web-0"),
    ("default", "batch-job-7f9c"),
];

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    klog::set_verbosity(1); // As if started with `-v=1`: the V(2) lines are hidden.
    let logger = klog::background().with_name("kubelet");
    info!(logger, "Starting pod workers", workers = PODS.len());

    let mut tasks = Vec::new();
    for (worker, (namespace, name)) in PODS.into_iter().enumerate() {
        // Derived once per task: its name and pod are on every line the task writes.
        let task_logger = logger.with_name("podWorker").with_values(&[
            KeyValue::new("pod", &KObj::new(namespace, name)),
            KeyValue::new("worker", &worker),
        ]);
        let task = sync_pod(task_logger.clone(), worker).with_logger(task_logger);
        tasks.push(tokio::spawn(task));
    }
    for task in tasks {
        task.await.expect("pod worker panicked");
    }
    info!(logger, "All pod workers done");
    klog::flush();
}

/// New code: takes the logger explicitly, and owns it across `.await` points.
async fn sync_pod(logger: Logger, worker: usize) {
    for step in ["pullImage", "startContainer", "probe"] {
        info!(logger, "Step started", step, thread = ?std::thread::current().id());
        // Different pauses per worker, so the tasks interleave and hop threads.
        tokio::time::sleep(Duration::from_millis(2 + 3 * worker as u64)).await;
        legacy_record_step(step);
        tokio::task::yield_now().await;
        info!(v: 2, logger, "Step details", step, cache = "warm"); // V(2): hidden at -v=1
    }
    info!(logger, "Pod synced", thread = ?std::thread::current().id());
}

/// Legacy code whose signature cannot change yet: no logger parameter, so the macro
/// uses `from_context()`, the task's logger.
fn legacy_record_step(step: &str) {
    info!(v: 1, "Recorded step duration", step, thread = ?std::thread::current().id());
    // Migrating piece by piece: fetch the logger once, hand it to new code.
    report_metrics(&klog::from_context(), step);
}

/// New code called from legacy code.
fn report_metrics(logger: &Logger, step: &str) {
    info!(v: 1, logger, "Metrics reported", step, "metric name" = "pod_step_seconds");
}
