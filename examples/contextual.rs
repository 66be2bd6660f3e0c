//! Contextual logging (KEP-3077) with klog-rs: a scheduler-like pipeline.
//!
//! Every function takes the logger it should log through, and the caller decides what
//! the callee's lines carry. The KEP's user stories, each marked `Story N` below:
//! 1. per-pod key/values (`with_values`), bound once and shown on every line below;
//! 2. names for the operation and the plugin: `with_name(operation).with_name(plugin)`
//!    gives `logger="scheduler.filter.NodeResourcesFit"`;
//! 3. a caller lowering a chatty callee's verbosity: the snapshot helper gets
//!    `logger.v(2)`, so its V(0) summary is logged at V(2) and its V(2) details at V(4),
//!    hidden at `-v=2`;
//! 4. a library called with `logger.v(1)`: the binder's V(2) details become V(3),
//!    hidden at `-v=2`, without the library knowing.
//!
//! Run: `cargo run -q -p klog-examples --bin contextual` (lines go to stderr).

use klog::{error, info, warning, KMetadata, KObj, KeyValue, Logger};

struct Pod {
    namespace: &'static str,
    name: &'static str,
    cpu_millis: u32,
}

impl KMetadata for Pod {
    fn name(&self) -> &str {
        self.name
    }
    fn namespace(&self) -> &str {
        self.namespace
    }
}

#[derive(Debug)]
struct Unschedulable {
    needed: u32,
    free: u32,
}

impl std::fmt::Display for Unschedulable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "0/3 nodes are available: insufficient cpu (need {}m, largest free {}m)",
            self.needed, self.free
        )
    }
}

impl std::error::Error for Unschedulable {}

const NODES: [(&str, u32); 3] = [("worker-1", 500), ("worker-2", 1500), ("worker-3", 250)];

fn main() {
    // As if started with `-v=2`.
    klog::set_verbosity(2);
    let logger = klog::background().with_name("scheduler");
    info!(
        logger,
        "Starting scheduler",
        nodes = NODES.len(),
        "profile name" = "default-scheduler"
    );

    // Story 3: our own helper is chatty. Handing it `v(2)` makes its summary V(2) (shown
    // at -v=2) and its per-node V(2) lines V(4) (hidden).
    update_snapshot(&logger.with_name("cache").v(2));

    let pods = [
        Pod {
            namespace: "kube-system",
            name: "coredns-5d78c9869d-abcde",
            cpu_millis: 100,
        },
        Pod {
            namespace: "default",
            name: "batch-job-7f9c",
            cpu_millis: 2000,
        },
    ];
    for pod in &pods {
        schedule_one(&logger, pod);
    }
    info!(logger, "Scheduling cycle done", pods = pods.len());
}

/// One scheduling attempt. Everything logged below carries the pod.
fn schedule_one(logger: &Logger, pod: &Pod) {
    // Story 1: the pod is bound once; every line below, in every callee, carries it.
    let logger = logger.with_values(&[KeyValue::new("pod", &KObj::from_meta(pod))]);
    info!(v: 1, logger, "Attempting to schedule pod", cpu_millis = pod.cpu_millis);

    // Story 2: operation, then plugin. The names go into the logger, not into every
    // message; derived once per attempt, not once per node.
    let fit = logger.with_name("filter").with_name("NodeResourcesFit");
    let mut feasible = Vec::new();
    for (node, free) in NODES {
        if node_resources_fit(&fit, node, free, pod.cpu_millis) {
            feasible.push(node);
        }
    }

    match feasible.first() {
        Some(node) => {
            // Story 4: a library we do not own, called with `v(1)`: its V(2) details
            // become V(3), hidden at -v=2; its V(0) summary (V(1)) stays.
            bind(&logger.with_name("binder").v(1), node);
            info!(
                logger,
                "Successfully bound pod to node",
                node = *node,
                evaluated = NODES.len(),
                feasible = feasible.len()
            );
        }
        None => {
            let largest = NODES.iter().map(|(_, free)| *free).max().unwrap_or(0);
            let err = Unschedulable {
                needed: pod.cpu_millis,
                free: largest,
            };
            error!(logger, err: &err, "Unable to schedule pod; no fit; waiting", retry_in = std::time::Duration::from_secs(10));
        }
    }
}

/// A chatty helper: a V(2) line per node and a V(0) summary. How loud it is depends on
/// the logger its caller hands it (story 3).
fn update_snapshot(logger: &Logger) {
    for (node, free_millis) in NODES {
        info!(v: 2, logger, "Node added to snapshot", node, free_millis);
    }
    info!(logger, "Snapshot updated", nodes = NODES.len());
}

/// A filter plugin: logs through whatever logger it is given.
fn node_resources_fit(logger: &Logger, node: &str, free_millis: u32, needed: u32) -> bool {
    let fits = free_millis >= needed;
    info!(v: 2, logger, "Checked node", node, free_millis, fits);
    if !fits && free_millis * 2 >= needed {
        warning!(
            logger,
            "Node nearly fits",
            node,
            missing_millis = needed - free_millis
        );
    }
    fits
}

/// Binding, as a library would log it: V(2) detail and a V(0) summary.
fn bind(logger: &Logger, node: &str) {
    info!(v: 2, logger, "Sending binding request", node, "api call" = "POST /api/v1/namespaces/…/pods/…/binding");
    info!(logger, "Binding complete", node);
}
