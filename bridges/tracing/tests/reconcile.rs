//! A kube-rs-style reconcile span: kube-runtime's controller runs each reconcile inside
//! `info_span!("reconciling object", "object.ref" = %obj_ref, object.reason = %reason)`.
//! Through the [`KlogLayer`], both fields are bound key/values on every line logged
//! inside the span (nested spans and every level included): flattened into the text line
//! and into the JSON root object, byte for byte as klog's `with_values` writes them.

use std::error::Error;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use klog::{KeyValue, Logger, SharedBuffer};
use klog_bridge_test_support::{Format, Pinned};
use klog_tracing::KlogLayer;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// kube-runtime's `ObjectRef` shows as `Kind.version.group/name.namespace`.
struct ObjectRef {
    name: &'static str,
    namespace: &'static str,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pod.v1./{}.{}", self.name, self.namespace)
    }
}

/// kube-runtime's `ReconcileReason`.
struct Reason;

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("object updated")
    }
}

const OBJECT_REF: ObjectRef = ObjectRef {
    name: "coredns",
    namespace: "kube-system",
};

/// The reconcile function: logs at every level, in a nested span too.
fn reconcile() {
    let err = std::io::Error::other("conflict");
    tracing::info!("Reconciling");
    tracing::debug!(generation = 4, "Observed generation");
    {
        let apply = tracing::info_span!("apply", dry_run = false);
        let _apply = apply.enter();
        tracing::warn!(latency_ms = 250, "Slow apply");
        tracing::error!(error = &err as &dyn Error, "Apply failed");
    }
    tracing::info!(requeue_after_s = 30, "Reconciled");
}

/// Keeps the line of every event: the callers to pin for the direct calls.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u32>>>);

impl<S: tracing::Subscriber> Layer<S> for Lines {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let line = event.metadata().line().unwrap_or(0);
        self.0.lock().unwrap().push(line);
    }
}

/// The same calls with klog, each with the caller pinned to the tracing event's line.
fn reconcile_klog(make: &dyn Fn(u32) -> Logger, lines: &[u32]) {
    let bound = |logger: Logger| {
        logger.with_name("reconciling object").with_values(&[
            KeyValue::from_value("object.ref", klog::Value::Display(&OBJECT_REF)),
            KeyValue::from_value("object.reason", klog::Value::Display(&Reason)),
        ])
    };
    let err = std::io::Error::other("conflict");
    klog::info!(bound(make(lines[0])), "Reconciling");
    klog::info!(v: 4, bound(make(lines[1])), "Observed generation", generation = 4);
    let apply = |line| {
        bound(make(line))
            .with_name("apply")
            .with_values(&[KeyValue::new("dry_run", &false)])
    };
    klog::warning!(apply(lines[2]), "Slow apply", latency_ms = 250);
    klog::error!(apply(lines[3]), err: &err, "Apply failed");
    klog::info!(bound(make(lines[4])), "Reconciled", requeue_after_s = 30);
}

fn run(json: bool) -> (String, String) {
    let time = UNIX_EPOCH + Duration::from_secs(1_704_164_645);
    let make = |out: &SharedBuffer, caller: Option<u32>| {
        Pinned {
            time,
            pid: 7,
            verbosity: Some(4),
            caller: caller.map(|line| (file!(), i64::from(line))),
        }
        .logger(if json { Format::Json } else { Format::Text }, out)
    };

    let bridged = SharedBuffer::default();
    let lines = Lines::default();
    let subscriber = tracing_subscriber::registry()
        .with(KlogLayer::new(make(&bridged, None)))
        .with(lines.clone());
    tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!(
            "reconciling object",
            "object.ref" = %OBJECT_REF,
            object.reason = %Reason,
        );
        span.in_scope(reconcile);
    });

    let direct = SharedBuffer::default();
    let lines = lines.0.lock().unwrap().clone();
    assert_eq!(lines.len(), 5);
    reconcile_klog(&|line| make(&direct, Some(line)), &lines);
    (bridged.to_string(), direct.to_string())
}

#[test]
fn reconcile_span_fields_are_bound_on_every_text_line() {
    let (bridged, direct) = run(false);
    assert_eq!(bridged, direct);
    let lines: Vec<&str> = bridged.lines().collect();
    assert_eq!(lines.len(), 5, "{bridged}");
    for line in &lines {
        assert!(
            line.contains(
                " object.ref=\"Pod.v1./coredns.kube-system\" object.reason=\"object updated\""
            ),
            "{line}"
        );
    }
    assert!(lines[0].ends_with(
        "] \"Reconciling\" logger=\"reconciling object\" \
         object.ref=\"Pod.v1./coredns.kube-system\" object.reason=\"object updated\""
    ));
    assert!(lines[3].ends_with(
        "] \"Apply failed\" err=\"conflict\" logger=\"reconciling object.apply\" \
         object.ref=\"Pod.v1./coredns.kube-system\" object.reason=\"object updated\" dry_run=false"
    ));
}

#[test]
fn reconcile_span_fields_are_in_the_json_root_on_every_line() {
    let (bridged, direct) = run(true);
    assert_eq!(bridged, direct);
    let lines: Vec<&str> = bridged.lines().collect();
    assert_eq!(lines.len(), 5, "{bridged}");
    for line in &lines {
        assert!(
            line.contains(
                ",\"object.ref\":\"Pod.v1./coredns.kube-system\",\"object.reason\":\"object updated\""
            ),
            "{line}"
        );
    }
    assert!(lines[0].starts_with(
        "{\"ts\":1704164645000,\"logger\":\"reconciling object\",\"caller\":\"tests/reconcile.rs:"
    ));
    assert!(lines[0].ends_with(
        ",\"msg\":\"Reconciling\",\"object.ref\":\"Pod.v1./coredns.kube-system\",\
         \"object.reason\":\"object updated\",\"v\":0}"
    ));
}
