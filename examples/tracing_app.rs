//! An existing `tracing` program switched to klog output by changing its subscriber setup
//! only: a small kube-rs-style controller written purely with `tracing` macros. Only
//! `main`'s first lines know about klog.
//!
//! Run (the logs go to stderr):
//! - `cargo run -q -p klog-examples --bin tracing_app`
//! - `cargo run -q -p klog-examples --bin tracing_app -- -v=4` (the `debug!` lines too)
//! - `KLOG_V=5 cargo run -q -p klog-examples --bin tracing_app` (and `trace!`)
//!
//! What the layer makes of it: the `reconciling object` span becomes
//! `logger="reconciling object"` and its fields are bound, so every line inside carries
//! `object.ref=… object.reason=…`; the `#[instrument]`ed `apply` nests as
//! `logger="reconciling object.apply"`; `error = %e` becomes `err="…"`; `debug!` is V4 and
//! `trace!` V5, hidden at the default `-v=0`.

use std::fmt;
use std::time::Duration;

use tracing::{debug, error, info, info_span, trace, warn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// kube-rs's `ObjectRef` as its `Display` writes it: `Kind.version.group/name.namespace`.
struct ObjectRef(&'static str, &'static str, &'static str);

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ObjectRef(kind, namespace, name) = self;
        write!(f, "{kind}.v1./{name}.{namespace}")
    }
}

/// The objects to reconcile, why, and their desired replicas.
#[rustfmt::skip]
const QUEUE: [(ObjectRef, &str, u32); 3] = [
    (ObjectRef("Pod", "kube-system", "coredns"), "object updated", 1),
    (ObjectRef("Deployment", "default", "web"), "related object updated", 3),
    (ObjectRef("ConfigMap", "default", "settings"), "reconciler requested retry", 0),
];

fn main() {
    // Before: tracing_subscriber::fmt().init();
    // The layer is its own filter (-v and -vmodule, per call site); `KlogFilter` is the
    // same filter for other layers, such as a fmt layer next to it.
    tracing_subscriber::registry()
        .with(klog_tracing::KlogLayer::new(klog::background()))
        .init();
    klog_tracing::set_verbosity(verbosity()); // -v, also rebuilds tracing's filter caches

    info!(objects = QUEUE.len(), "Starting controller");
    for (object, reason, replicas) in &QUEUE {
        let span = info_span!("reconciling object", object.ref = %object, object.reason = reason);
        let _entered = span.enter();
        match reconcile(object, *replicas) {
            Ok(()) => info!("Reconciled"),
            Err(e) => {
                error!(error = %e, "Reconcile failed");
                warn!(requeue_after = ?Duration::from_secs(10), "Requeuing");
            }
        }
    }
    info!("Controller stopped");
    klog::flush();
}

fn reconcile(object: &ObjectRef, replicas: u32) -> Result<(), std::io::Error> {
    debug!(replicas, generation = 7, "Fetched desired state");
    if replicas == 0 {
        info!("Nothing to apply");
        return Ok(());
    }
    apply(object, replicas)
}

#[tracing::instrument(skip(object))]
fn apply(object: &ObjectRef, replicas: u32) -> Result<(), std::io::Error> {
    trace!(bytes = 412, "Server-side apply patch built");
    if object.0 == "Deployment" {
        return Err(std::io::Error::other(
            "admission webhook \"validate.example.com\" denied the request",
        ));
    }
    info!(resource_version = "48213", "Applied");
    Ok(())
}

/// `-v=N` (`--v=N`, `-v N`), else `$KLOG_V`, else 0.
fn verbosity() -> i32 {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = match arg.as_str() {
            "-v" | "--v" => args.next(),
            _ => arg
                .strip_prefix("-v=")
                .or(arg.strip_prefix("--v="))
                .map(str::to_owned),
        };
        if let Some(v) = value.and_then(|v| v.parse().ok()) {
            return v;
        }
    }
    std::env::var("KLOG_V")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
