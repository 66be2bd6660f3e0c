//! A controller's unit test with `klog::testing`: the per-test logger is carried into the
//! reconcile, whose lines are asserted on.

use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use klog::{Severity, WithLogger};
use klog_kube::{KObjExt, ReconcileLogger};
use kube::core::ObjectMeta;
use kube::runtime::controller::Action;

#[derive(Debug)]
struct Error(&'static str);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Error {}

struct Context {
    replicas: u32,
}

/// The controller under test: logs through the context, as code that takes no logger.
async fn reconcile(pod: Arc<Pod>, ctx: Arc<Context>) -> Result<Action, Error> {
    klog::info!("Reconciling", replicas = ctx.replicas);
    tokio::task::yield_now().await; // the logger stays current across `.await`
    if pod.metadata.name.as_deref() == Some("broken") {
        return Err(Error("image pull failed"));
    }
    klog::info!(v: 2, "Pod is ready", owner = pod.kobj());
    Ok(Action::requeue(Duration::from_secs(300)))
}

fn error_policy(_pod: Arc<Pod>, _err: &Error, _ctx: Arc<Context>) -> Action {
    klog::info!("Backing off");
    Action::requeue(Duration::from_secs(5))
}

fn pod(name: &str) -> Arc<Pod> {
    Arc::new(Pod {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("default".into()),
            ..ObjectMeta::default()
        },
        ..Pod::default()
    })
}

#[tokio::test]
async fn the_test_logger_is_carried_into_the_reconcile() {
    let logger = klog::testing::logger();
    let logging = ReconcileLogger::new("pod-controller").logger(logger.logger().clone());
    let mut reconcile = logging.reconcile(reconcile);
    let ctx = Arc::new(Context { replicas: 3 });

    let action = reconcile(pod("web-0"), ctx.clone()).await.unwrap();
    assert_eq!(action, Action::requeue(Duration::from_secs(300)));

    let entries = logger.entries();
    let messages: Vec<&str> = entries.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        ["Reconciling", "Pod is ready", "Reconcile succeeded"]
    );
    for entry in &entries {
        assert_eq!(entry.names, ["pod-controller"]);
        assert_eq!(entry.value("pod"), Some("\"default/web-0\""));
        assert!(entry.value("reconcileID").is_some());
    }
    assert_eq!(entries[0].value("replicas"), Some("3"));
    assert_eq!(entries[2].verbosity, 4);
    assert_eq!(entries[2].value("requeueAfter"), Some("\"5m0s\""));
    assert!(logger
        .text()
        .contains("\"Reconciling\" logger=\"pod-controller\" pod=\"default/web-0\" reconcileID="));
}

#[tokio::test]
async fn errors_are_logged_with_err_and_the_requeue() {
    let logger = klog::testing::logger();
    let logging = ReconcileLogger::new("pod-controller").logger(logger.logger().clone());
    let mut reconcile = logging.reconcile(reconcile);
    let error_policy = logging.error_policy(error_policy);
    let ctx = Arc::new(Context { replicas: 1 });

    let err = reconcile(pod("broken"), ctx.clone()).await.unwrap_err();
    assert_eq!(err.inner().0, "image pull failed");
    let action = error_policy(pod("broken"), &err, ctx);
    assert_eq!(action, Action::requeue(Duration::from_secs(5)));

    let entries = logger.entries();
    let messages: Vec<&str> = entries.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, ["Reconciling", "Backing off", "Reconciler error"]);
    let id = entries[0].value("reconcileID");
    for entry in &entries {
        // The error policy runs with the failed reconcile's logger, reconcileID included.
        assert_eq!(entry.names, ["pod-controller"]);
        assert_eq!(entry.value("pod"), Some("\"default/broken\""));
        assert_eq!(entry.value("reconcileID"), id);
    }
    let error = &entries[2];
    assert_eq!(error.severity, Severity::Error);
    assert_eq!(error.error.as_deref(), Some("image pull failed"));
    assert_eq!(error.value("requeueAfter"), Some("\"5s\""));
}

#[tokio::test]
async fn without_a_logger_the_current_one_is_derived_from() {
    let logger = klog::testing::logger();
    let mut reconcile = ReconcileLogger::new("pod-controller")
        .object_key("object")
        .verbosity(6)
        .reconcile(reconcile);
    let ctx = Arc::new(Context { replicas: 1 });

    // The controller calls the reconcile function where its stream is polled: a
    // `with_logger` scope there (or around the whole controller future) is the base.
    let call =
        async { reconcile(pod("web-1"), ctx).await }.with_logger(logger.with_name("operator"));
    call.await.unwrap();

    let entries = logger.entries();
    let messages: Vec<&str> = entries.iter().map(|e| e.message.as_str()).collect();
    // "Reconcile succeeded" is V6 here, above the test logger's 5.
    assert_eq!(messages, ["Reconciling", "Pod is ready"]);
    assert_eq!(entries[0].names, ["operator", "pod-controller"]);
    assert_eq!(entries[0].value("object"), Some("\"default/web-1\""));
    assert_eq!(entries[0].value("pod"), None);
}

#[tokio::test]
async fn reconcile_ids_differ_between_reconciles() {
    let logger = klog::testing::logger();
    let mut reconcile = ReconcileLogger::new("pod-controller")
        .logger(logger.logger().clone())
        .reconcile(reconcile);
    let ctx = Arc::new(Context { replicas: 1 });
    reconcile(pod("a"), ctx.clone()).await.unwrap();
    reconcile(pod("b"), ctx).await.unwrap();
    let entries = logger.entries();
    assert_ne!(
        entries.first().unwrap().value("reconcileID"),
        entries.last().unwrap().value("reconcileID")
    );
}
