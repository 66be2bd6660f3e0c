//! A Kubernetes-style component: a fake pod controller with component-base logging
//! flags, an optional logging configuration file, and contextual logging.
//!
//! Run (the logs go to stderr):
//! - `cargo run -q -p klog-examples --bin component -- -v=2 --logging-format=json`
//! - `cargo run -q -p klog-examples --bin component -- --vmodule=component=4`
//! - `cargo run -q -p klog-examples --bin component -- --config examples/data/logging.yaml`
//! - `cargo run -q -p klog-examples --bin component -- --help`
//!
//! Flags override the configuration file, and Go's spellings work too (`-v=2`,
//! `-logtostderr=false`, `--log_dir`). A bad flag, file or value is reported as one line,
//! `component: <error>`, with exit status 2.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use klog::{error, info, warning, KObj, KeyValue, Logger, LoggingConfiguration};

/// A fake pod controller that logs like a Kubernetes component.
#[derive(Parser, Debug)]
// Like Go's flag package, a repeated flag overrides the earlier value (`-v=1 -v=4`).
#[command(name = "component", version)]
struct Cli {
    /// Logging configuration file (YAML, or JSON with a .json extension); flags override it.
    #[arg(long, value_name = "path")]
    config: Option<PathBuf>,
    /// Number of concurrent workers.
    #[arg(long, value_name = "n", default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    workers: u32,
    /// Number of passes over all pods.
    #[arg(long, value_name = "count", default_value_t = 1)]
    resync: u32,
    #[command(flatten)]
    logging: klog::LoggingFlags,
}

/// Namespace, name and restart count of the pods to reconcile.
const PODS: [(&str, &str, u32); 4] = [
    ("kube-system", "coredns-5d78c9869d-abcde", 0),
    ("default", "web-7f9c4d", 5),
    ("default", "batch-job-x2k9", 0),
    ("monitoring", "prometheus-0", 1),
];

fn main() {
    // Parse the flags (Go's spellings too), read `--config`, let the flags override it,
    // validate and apply; on bad input print one line and exit 2. Keep the guard until
    // main returns: dropping it flushes.
    let (cli, _logging) = klog::init_from_args::<Cli>();

    let logger = klog::background().with_name("controller");
    let (workers, resync) = (cli.workers, cli.resync);
    info!(logger, "Starting controller", workers, resync);
    for pass in 1..=resync {
        info!(v: 1, logger, "Resync started", pass, pods = PODS.len());
        std::thread::scope(|scope| {
            for (worker, pods) in PODS
                .chunks(PODS.len().div_ceil(workers as usize))
                .enumerate()
            {
                let logger = logger.with_values(&[KeyValue::new("worker", &worker)]);
                scope.spawn(move || pods.iter().for_each(|pod| reconcile(&logger, pod)));
            }
        });
    }
    info!(logger, "Controller stopped");
}

impl klog::LoggingCli for Cli {
    fn logging_flags(&self) -> &klog::LoggingFlags {
        &self.logging
    }

    /// The configuration file (or the defaults); the flags override it.
    fn logging_configuration(&self) -> Result<LoggingConfiguration, klog::ConfigError> {
        match &self.config {
            Some(path) => LoggingConfiguration::from_path(path),
            None => Ok(LoggingConfiguration::default()),
        }
    }
}

/// One reconcile: everything logged below carries the pod.
fn reconcile(logger: &Logger, &(namespace, name, restarts): &(&str, &str, u32)) {
    let logger = logger.with_values(&[KeyValue::new("pod", &KObj::new(namespace, name))]);
    info!(v: 2, logger, "Reconciling pod");
    info!(v: 4, logger, "Desired state", replicas = 1, restarts);
    // A library we do not own: its V(1) becomes V(2), its V(3) becomes V(4).
    match library::fetch_phase(&logger.v(1), namespace, name) {
        Ok(phase) => info!(v: 1, logger, "Pod synced", phase),
        Err(err) => {
            error!(logger, err: &err, "Failed to sync pod", retryAfter = Duration::from_secs(10))
        }
    }
    if restarts > 3 {
        warning!(logger, "Pod is restarting often", restarts);
    }
}

/// Stands for a client library: it logs through whatever logger it is given.
mod library {
    use klog::{info, Logger};

    pub(crate) fn fetch_phase(
        logger: &Logger,
        namespace: &str,
        name: &str,
    ) -> std::io::Result<&'static str> {
        let path = format!("/api/v1/namespaces/{namespace}/pods/{name}/status");
        info!(v: 1, logger, "GET", path = path.as_str());
        if name.starts_with("batch-job") {
            return Err(std::io::Error::other(format!(
                "the server could not find the requested resource (get pods {name})"
            )));
        }
        info!(v: 3, logger, "Response", status = 200, bytes = 1432);
        Ok("Running")
    }
}
