//! A kube-rs controller that logs like a Go controller-runtime one: a real
//! `kube_runtime::Controller` watching Pods, against a fake API server this program starts
//! on loopback (no cluster needed), reconciling each Pod once and then shutting down.
//!
//! Run (the logs go to stderr):
//! - `cargo run -q -p klog-examples --bin kube_controller`
//! - `cargo run -q -p klog-examples --bin kube_controller -- --logging-format=json`
//! - `cargo run -q -p klog-examples --bin kube_controller -- -v=4` (kube-runtime's debug
//!   events, and the `"Reconcile succeeded"` lines)
//!
//! What it shows:
//! - `klog_kube::ReconcileLogger` makes each reconcile's logger current:
//!   `logger="pod-controller" pod="default/web-0" reconcileID=3`, so plain `klog::info!`
//!   calls inside the reconcile carry them; a failed reconcile is logged as
//!   `"Reconciler error" err="…" requeueAfter="50ms"` and retried;
//! - Pods logged as klog object references (`klog_kube::kobj`, `kobjs`, `kref`): `"ns/name"`
//!   in text, `{"name":…,"namespace":…}` in JSON; the cluster-scoped node has no namespace;
//! - kube-runtime's own tracing span (`reconciling object` with `object.ref` and
//!   `object.reason`) reaching klog through `klog_tracing::KlogLayer`: the tracing events
//!   of code called by the reconcile are written as klog lines into the same output.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use futures::channel::oneshot;
use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use klog::{error, info, KObj};
use klog_kube::{KObjExt, ReconcileLogger};
use kube::runtime::controller::{Action, Controller, Error as ControllerError};
use kube::runtime::watcher;
use kube::{Api, Client, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// A pod controller against an in-process fake API server.
#[derive(Parser, Debug)]
#[command(name = "kube_controller")]
struct Cli {
    #[command(flatten)]
    logging: klog::LoggingFlags,
}

impl klog::LoggingCli for Cli {
    fn logging_flags(&self) -> &klog::LoggingFlags {
        &self.logging
    }
}

/// Namespace, name, node and phase of the Pods the fake API server lists.
const PODS: [(&str, &str, &str, &str); 4] = [
    (
        "kube-system",
        "coredns-5d78c9869d-abcde",
        "worker-1",
        "Running",
    ),
    ("default", "web-0", "worker-1", "Running"),
    ("default", "web-1", "worker-2", "Pending"),
    ("default", "batch-job-x2k9", "worker-2", "Pending"),
];

/// Shared by the reconciles.
struct Context {
    /// Pods whose image pull failed once already (the first attempt fails).
    pulled: Mutex<HashSet<String>>,
    /// Pods reconciled successfully; when all are, the controller shuts down.
    done: Mutex<HashSet<String>>,
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
}

#[derive(Debug)]
struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

#[tokio::main]
async fn main() {
    // Flags (`-v`, `--logging-format=json`, …) and klog's outputs; keep the guard.
    let (_cli, _logging) = klog::init_from_args::<Cli>();
    // kube-runtime and kube-client log with tracing: written by klog, with -v and -vmodule.
    tracing_subscriber::registry()
        .with(klog_tracing::KlogLayer::new(klog::background()))
        .init();
    let logger = klog::background().with_name("main");

    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(fake_api_server(listener));

    let config = Config::new(format!("http://{addr}").parse().expect("server URL"));
    let client = Client::try_from(config).expect("kube client");
    let pods = pod_objects();
    info!(logger, "Starting controller", server = %addr, pods = klog_kube::kobjs(&pods));

    let (shutdown, stopped) = oneshot::channel();
    let context = Arc::new(Context {
        pulled: Mutex::new(HashSet::new()),
        done: Mutex::new(HashSet::new()),
        shutdown: Mutex::new(Some(shutdown)),
    });
    let logging = ReconcileLogger::new("pod-controller");
    let controller = Controller::new(Api::<Pod>::all(client), watcher::Config::default())
        .graceful_shutdown_on(async move {
            let _ = stopped.await;
        })
        .run(
            logging.reconcile(reconcile),
            logging.error_policy(error_policy),
            context,
        )
        .for_each(|result| {
            match result {
                Ok((object, _action)) => {
                    info!(v: 2, logger, "Reconcile finished", pod = klog_kube::kref(&object))
                }
                // Already logged by the error policy, with the reconcile's logger.
                Err(ControllerError::ReconcilerFailed(..)) => {}
                Err(err) => error!(logger, err: &err, "Controller error"),
            }
            std::future::ready(())
        });
    if tokio::time::timeout(Duration::from_secs(30), controller)
        .await
        .is_err()
    {
        error!(logger, "Controller did not finish in time");
        klog::flush();
        std::process::exit(1);
    }
    info!(logger, "Controller stopped");
}

/// The reconcile: plain klog macros, whose logger the wrapper made current.
async fn reconcile(pod: Arc<Pod>, ctx: Arc<Context>) -> Result<Action, Error> {
    let status = pod.status.as_ref();
    let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("Unknown");
    let node = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .unwrap_or_default();
    info!("Reconciling pod", phase, node = KObj::new("", node));

    kubelet::pull_image(&pod, &ctx).await?;
    if phase == "Pending" {
        info!(v: 1, "Pod not running yet", pod = pod.kobj());
    }
    let name = pod.metadata.name.clone().unwrap_or_default();
    let mut done = ctx.done.lock().unwrap();
    done.insert(name);
    if done.len() == PODS.len() {
        if let Some(shutdown) = ctx.shutdown.lock().unwrap().take() {
            info!("All pods reconciled, shutting down");
            let _ = shutdown.send(());
        }
    }
    Ok(Action::requeue(Duration::from_secs(300)))
}

/// Retry soon: the image pull of the demo fails once.
fn error_policy(_pod: Arc<Pod>, _err: &Error, _ctx: Arc<Context>) -> Action {
    Action::requeue(Duration::from_millis(50))
}

/// Stands for a client library instrumented with tracing, not klog: its events are
/// inside kube-runtime's `reconciling object` span.
mod kubelet {
    use std::sync::Arc;

    use k8s_openapi::api::core::v1::Pod;

    use super::{Context, Error};

    pub(crate) async fn pull_image(pod: &Arc<Pod>, ctx: &Context) -> Result<(), Error> {
        let name = pod.metadata.name.as_deref().unwrap_or_default();
        let image = format!("registry.example.com/{name}:v1");
        tracing::info!(image = image.as_str(), "Pulling image");
        tokio::task::yield_now().await;
        if name.starts_with("batch-job") && ctx.pulled.lock().unwrap().insert(name.to_owned()) {
            return Err(Error(format!("back-off pulling image \"{image}\"")));
        }
        Ok(())
    }
}

/// The Pods as the fake API server serves them.
fn pod_objects() -> Vec<Pod> {
    let list: kube::core::ObjectList<Pod> =
        serde_json::from_str(&pod_list()).expect("the fake API server's pod list");
    list.items
}

/// `GET /api/v1/pods`: a PodList.
fn pod_list() -> String {
    let items: Vec<String> = PODS
        .iter()
        .map(|(namespace, name, node, phase)| {
            format!(
                r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}","namespace":"{namespace}","resourceVersion":"100","uid":"{namespace}-{name}"}},"spec":{{"nodeName":"{node}","containers":[{{"name":"main","image":"registry.example.com/{name}:v1"}}]}},"status":{{"phase":"{phase}"}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"apiVersion":"v1","kind":"PodList","metadata":{{"resourceVersion":"100"}},"items":[{}]}}"#,
        items.join(",")
    )
}

/// A minimal Kubernetes API server over HTTP/1.1: lists the Pods, and holds watches open
/// without events (nothing changes in this demo).
async fn fake_api_server(listener: TcpListener) {
    let list: Arc<str> = pod_list().into();
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(serve(stream, list.clone()));
    }
}

async fn serve(mut stream: TcpStream, list: Arc<str>) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let target = head.split(' ').nth(1).unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default();
    if path != "/api/v1/pods" {
        let body = r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#;
        return respond(&mut stream, "404 Not Found", body).await;
    }
    if target.contains("watch=true") || target.contains("watch=1") {
        stream
            .write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            )
            .await?;
        // No events: hold the watch until the controller hangs up.
        while stream.read(&mut buf).await? > 0 {}
        return Ok(());
    }
    respond(&mut stream, "200 OK", &list).await
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pod_list_parses() {
        let pods = pod_objects();
        assert_eq!(pods.len(), PODS.len());
        assert_eq!(pods[1].kobj(), KObj::new("default", "web-0"));
    }
}
