//! Contextual logging (KEP-3077) with klog-rs: a scheduler-like pipeline.
//!
//! Every function takes the logger it should log through. The caller decides what the
//! callee's lines carry:
//! - per-pod key/values (`with_values`) bound once and shown on every line below,
//! - names (`with_name`) for the operation and the plugin,
//! - verbosity: a library called with `logger.v(1)` logs its V(2) details at V(3),
//!   so `-v=2` hides them without the library knowing.
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
    let logger = logger.with_values(&[KeyValue::new("pod", &KObj::from_meta(pod))]);
    info!(v: 1, logger, "Attempting to schedule pod", cpu_millis = pod.cpu_millis);

    let filter = logger.with_name("filter");
    let mut feasible = Vec::new();
    for (node, free) in NODES {
        // The plugin's name goes into the logger, not into every message.
        if node_resources_fit(
            &filter.with_name("NodeResourcesFit"),
            node,
            free,
            pod.cpu_millis,
        ) {
            feasible.push(node);
        }
    }

    match feasible.first() {
        Some(node) => {
            // A library we do not own: make its V(2) details V(3), hidden at -v=2.
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
