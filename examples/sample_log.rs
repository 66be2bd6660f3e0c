//! A deterministic sample log: a small simulated Kubernetes controller manager (deployment,
//! replica set, scheduler, node lifecycle, autoscaler, endpoint slice and leader election
//! loops) logging through klog-rs for about a minute and a half of simulated time.
//!
//! Its output is committed as `examples/data/sample.log` (klog text) and
//! `examples/data/sample.json` (the same records in the Kubernetes JSON format); the
//! `klog-convert` converter's README demo and tests read them, and `tests/sample_log.rs`
//! checks that they are what this program writes. After changing this file, regenerate:
//!
//! ```sh
//! cargo run -q -p klog-examples --bin sample_log -- --format text > examples/data/sample.log
//! cargo run -q -p klog-examples --bin sample_log -- --format json > examples/data/sample.json
//! ```
//!
//! Everything that could vary between runs is pinned: the clock is simulated (it starts at
//! 2026-11-28T09:00:00Z and advances by a pseudo-random 0.1–50 ms per record, plus the
//! simulated waits of backoffs and leader election), the text header's pid is 4242, the
//! verbosity is 4, and every choice comes from a fixed-seed xorshift generator. Call sites
//! are the real `file:line` of the macros, so any edit here changes the data files.
//!
//! The text output also carries about one line in 200 that is not klog (a banner, a Go
//! `log` line, a sidecar's logfmt line…), as a real container's stdout does; converters
//! must pass such lines through. The JSON output has only the records.
//!
//! Run: `cargo run -q -p klog-examples --bin sample_log -- --format json --lines 200`.

use std::error::Error;
use std::fmt;
use std::io::{self, BufWriter, Stdout, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::{Parser, ValueEnum};
use klog::{
    error, info, warning, Callsite, KObj, KObjSlice, KeyValue, Logger, Record, Severity, ToValue,
    Value,
};

/// 2026-11-28T09:00:00Z, the simulated start.
const START_UNIX_SECS: u64 = 1_795_856_400;
/// The pid in the text header.
const PID: i64 = 4242;
/// The sinks' `-v`.
const VERBOSITY: i32 = 4;
/// Seeds of the clock's and the simulation's generators.
const CLOCK_SEED: u64 = 0x9e37_79b9_7f4a_7c15;
const SIM_SEED: u64 = 0x2545_f491_4f6c_dd1d;
/// Records written by default: about 3000 text lines with the multi-line values and the
/// lines that are not klog.
const DEFAULT_RECORDS: u64 = 2870;

const VERSION: &str = "v1.31.0";
const IDENTITY: &str = "sample-cm-7d4b9f6c8-qx2lp_3f1c2a6e-5b1d-4c8e-9a0f-2e7d1b6c4a93";
const LEASE: (&str, &str) = ("kube-system", "kube-controller-manager");
const API_SERVER: &str = "https://10.96.0.1:443";
const TARGET_UTILIZATION: f64 = 0.7;

/// The component's configuration file, logged as a multi-line value.
const CONFIG_YAML: &str = "\
apiVersion: kubecontrollermanager.config.k8s.io/v1alpha1
kind: KubeControllerManagerConfiguration
generic:
  leaderElection:
    leaderElect: true
    leaseDuration: 15s
    renewDeadline: 10s
  controllers: [\"deployment\", \"replicaset\", \"nodelifecycle\", \"endpointslice\"]
nodeLifecycleController:
  nodeMonitorGracePeriod: 40s
  unhealthyZoneThreshold: 0.55";

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// klog text (`I1128 09:00:00.000123    4242 sample_log.rs:42] "msg" k="v"`).
    Text,
    /// Kubernetes JSON (`--logging-format=json`).
    Json,
}

/// Writes a deterministic sample log of a simulated controller manager to stdout.
#[derive(Parser, Debug)]
#[command(name = "sample_log")]
struct Cli {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Approximate number of log records to write.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_RECORDS,
          value_parser = clap::value_parser!(u64).range(1..))]
    lines: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = SharedStdout::default();
    let clock = Arc::new(SimClock::new(CLOCK_SEED));
    let record_time = {
        let clock = clock.clone();
        move || clock.record_time()
    };
    let logger = match cli.format {
        Format::Text => klog::TextSink::builder()
            .writer(stdout.clone())
            .pid(PID)
            .verbosity(VERBOSITY)
            .clock(record_time)
            .time_zone(klog::TimeZone::Utc) // the committed sample is in UTC
            .build_logger(),
        Format::Json => klog::JsonSink::builder()
            .writer(stdout.clone())
            .verbosity(VERBOSITY)
            .clock(record_time)
            .build_logger(),
    };
    // Lines that are not klog share the records' buffer, so they keep their place among them.
    let plain = (cli.format == Format::Text).then(|| stdout.clone());
    let mut sim = Sim::new(logger.clone(), clock, plain, cli.lines);
    sim.run();
    logger.flush();
    match stdout.clone().flush() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("sample_log: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Stdout behind one buffer, shared by the sink and the lines that are not klog.
#[derive(Clone, Debug)]
struct SharedStdout(Arc<Mutex<BufWriter<Stdout>>>);

impl Default for SharedStdout {
    fn default() -> Self {
        SharedStdout(Arc::new(Mutex::new(BufWriter::with_capacity(
            64 * 1024,
            io::stdout(),
        ))))
    }
}

impl Write for SharedStdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .flush()
    }
}

/// xorshift64: tiny, fast, and the same sequence everywhere.
#[derive(Clone, Debug)]
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> XorShift {
        XorShift(seed | 1)
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in `0..n` (`n > 0`; the modulo bias is irrelevant here).
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A random suffix in the alphabet of Kubernetes' generated names.
    fn suffix(&mut self, len: usize) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        (0..len)
            .map(|_| char::from(ALPHABET[self.index(ALPHABET.len())]))
            .collect()
    }
}

/// The simulated clock: every record advances it 0.1–50 ms (mostly a few ms), and the
/// simulation can wait.
#[derive(Debug)]
struct SimClock(Mutex<ClockState>);

#[derive(Debug)]
struct ClockState {
    /// Microseconds since the start: the text format shows microseconds, so nothing
    /// finer is used and both formats carry the same times.
    micros: u64,
    rng: XorShift,
    records: u64,
}

impl SimClock {
    fn new(seed: u64) -> SimClock {
        SimClock(Mutex::new(ClockState {
            micros: 0,
            rng: XorShift::new(seed),
            records: 0,
        }))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The sink's clock: advances by 100 µs + r² µs (r uniform in 0..224, so at most
    /// ~49.8 ms) and counts the record.
    fn record_time(&self) -> SystemTime {
        let mut state = self.state();
        let r = state.rng.below(224);
        state.micros += 100 + r * r;
        state.records += 1;
        time_at(state.micros)
    }

    fn now(&self) -> SystemTime {
        time_at(self.state().micros)
    }

    fn micros(&self) -> u64 {
        self.state().micros
    }

    fn sleep(&self, d: Duration) {
        self.state().micros += d.as_micros() as u64;
    }

    fn records(&self) -> u64 {
        self.state().records
    }
}

fn time_at(micros: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(START_UNIX_SECS) + Duration::from_micros(micros)
}

/// UTC `(year, month, day, hour, minute, second)` of a time after 1970.
fn civil(t: SystemTime) -> (u64, u64, u64, u64, u64, u64) {
    let secs = t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days after 1970-01-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day, rest / 3600, rest / 60 % 60, rest % 60)
}

/// Go's `Duration.String()` of `d`, as klog writes durations.
fn go_duration(d: Duration) -> String {
    klog::bridge::value_text(Duration::to_value(&d)).into_string()
}

/// klog's `Infof`/`Warningf`: an unstructured line, the text verbatim.
fn legacy(logger: &Logger, severity: Severity, text: &str) {
    static CALLSITE: Callsite = Callsite::new(file!(), line!(), module_path!());
    logger.log(&Record::unstructured(severity, text).with_callsite(&CALLSITE));
}

/// The scheduler's "no fit" error.
#[derive(Debug)]
struct Unschedulable {
    nodes: usize,
    insufficient_cpu: usize,
    unreachable: usize,
}

impl fmt::Display for Unschedulable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0/{} nodes are available: ", self.nodes)?;
        if self.unreachable > 0 {
            write!(
                f,
                "{} node(s) had untolerated taint {{node.kubernetes.io/unreachable: }}, ",
                self.unreachable
            )?;
        }
        write!(
            f,
            "{} Insufficient cpu. preemption: 0/{} nodes are available: {} No preemption victims found for incoming pod.",
            self.insufficient_cpu, self.nodes, self.nodes
        )
    }
}

impl Error for Unschedulable {}

/// An optimistic-concurrency conflict, as the API server words it.
#[derive(Debug)]
struct Conflict {
    resource: &'static str,
    name: &'static str,
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Operation cannot be fulfilled on {} \"{}\": the object has been modified; please apply your changes to the latest version and try again",
            self.resource, self.name
        )
    }
}

impl Error for Conflict {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Pending,
    ContainerCreating,
    Running,
}

impl Phase {
    fn as_str(self) -> &'static str {
        match self {
            Phase::Pending => "Pending",
            Phase::ContainerCreating => "ContainerCreating",
            Phase::Running => "Running",
        }
    }
}

#[derive(Debug)]
struct Pod {
    name: String,
    replica_set: String,
    node: Option<usize>,
    phase: Phase,
    created_micros: u64,
    restarts: u32,
    /// The scheduler's backoff: not retried before this many records.
    retry_at: u64,
    attempts: u32,
}

#[derive(Debug)]
struct ReplicaSet {
    name: String,
    revision: u32,
    desired: u32,
}

/// A deployment with its replica sets (the last is the current revision) and pods.
#[derive(Debug)]
struct Deployment {
    namespace: &'static str,
    name: &'static str,
    container: &'static str,
    repository: &'static str,
    tag_prefix: &'static str,
    patch: u32,
    replicas: u32,
    cpu_millis: u32,
    autoscaled: bool,
    /// The autoscaler's view: busy replicas' worth of CPU, and when it last rescaled (in
    /// records).
    load: f64,
    last_rescale: u64,
    replica_sets: Vec<ReplicaSet>,
    pods: Vec<Pod>,
    /// When the running rollout started (µs since the start).
    rollout_started: Option<u64>,
}

impl Deployment {
    fn image(&self) -> String {
        format!("{}:{}{}", self.repository, self.tag_prefix, self.patch)
    }

    fn current(&self) -> &ReplicaSet {
        self.replica_sets
            .last()
            .expect("a deployment has a replica set")
    }

    fn pods_of(&self, replica_set: &str) -> impl Iterator<Item = &Pod> {
        let replica_set = replica_set.to_owned();
        self.pods
            .iter()
            .filter(move |p| p.replica_set == replica_set)
    }

    fn running(&self, replica_set: &str) -> u32 {
        self.pods_of(replica_set)
            .filter(|p| p.phase == Phase::Running)
            .count() as u32
    }
}

#[derive(Debug)]
struct Node {
    name: &'static str,
    zone: &'static str,
    cpu_millis: u32,
    ready: bool,
    /// While not ready: 0 reported, 1 tainted, 2 pods evicted.
    outage_stage: u32,
    down_since: u64,
}

const NODES: [(&str, &str); 6] = [
    ("worker-a-4f7k", "eu-west-1a"),
    ("worker-a-9wzq", "eu-west-1a"),
    ("worker-b-2lmc", "eu-west-1b"),
    ("worker-b-8tdr", "eu-west-1b"),
    ("worker-c-5hnv", "eu-west-1c"),
    ("worker-c-r6xs", "eu-west-1c"),
];

/// Namespace, name, container, image repository, tag prefix, patch, replicas, CPU
/// request (millicores), autoscaled.
type DeploymentSpec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u32,
    u32,
    u32,
    bool,
);

#[rustfmt::skip]
const DEPLOYMENTS: [DeploymentSpec; 7] = [
    ("default", "web", "nginx", "nginx", "1.27.", 2, 3, 250, true),
    ("default", "api", "api", "ghcr.io/example/api", "v2.14.", 0, 4, 500, false),
    ("payments", "checkout", "checkout", "ghcr.io/example/checkout", "v3.2.", 7, 3, 1000, true),
    ("kube-system", "coredns", "coredns", "registry.k8s.io/coredns/coredns", "v1.11.", 3, 2, 100, false),
    ("monitoring", "prometheus-adapter", "adapter", "registry.k8s.io/prometheus-adapter/prometheus-adapter", "v0.12.", 0, 1, 200, false),
    ("batch", "report-worker", "worker", "ghcr.io/example/report-worker", "v1.0.", 9, 5, 750, false),
    // Asks for more CPU than any node has: the scheduler keeps failing to place it.
    ("ml", "inference", "model-server", "ghcr.io/example/model-server", "v0.9.", 1, 1, 6000, false),
];

/// The controllers, with their worker counts.
const CONTROLLERS: [(&str, u32); 5] = [
    ("deployment", 5),
    ("replicaset", 5),
    ("endpointslice", 5),
    ("horizontal-pod-autoscaler", 1),
    ("node-lifecycle", 1),
];

/// The simulation: the cluster's state, the controllers' loggers and the generator.
struct Sim {
    rng: XorShift,
    clock: Arc<SimClock>,
    /// Where lines that are not klog go (text only).
    plain: Option<SharedStdout>,
    target: u64,
    root: Logger,
    deploy: Logger,
    replicaset: Logger,
    scheduler: Logger,
    binder: Logger,
    nodes_log: Logger,
    lease: Logger,
    gc: Logger,
    hpa: Logger,
    endpoints: Logger,
    status: Logger,
    reflector: Logger,
    nodes: Vec<Node>,
    deployments: Vec<Deployment>,
    next_plain: u64,
    plain_lines: u64,
    resyncs: u64,
    one_offs_done: usize,
}

impl Sim {
    fn new(root: Logger, clock: Arc<SimClock>, plain: Option<SharedStdout>, target: u64) -> Sim {
        let scheduler = root.with_name("scheduler");
        let mut sim = Sim {
            rng: XorShift::new(SIM_SEED),
            clock,
            plain,
            target,
            deploy: root.with_name("deployment-controller"),
            replicaset: root.with_name("replicaset-controller"),
            binder: scheduler.with_name("binder"),
            scheduler,
            nodes_log: root.with_name("node-lifecycle"),
            lease: root.with_name("leader-election"),
            gc: root.with_name("garbage-collector"),
            hpa: root.with_name("horizontal-pod-autoscaler"),
            endpoints: root.with_name("endpointslice-controller"),
            status: root.with_name("pod-status"),
            reflector: root.with_name("reflector"),
            root,
            nodes: Vec::new(),
            deployments: Vec::new(),
            next_plain: 0,
            plain_lines: 0,
            resyncs: 0,
            one_offs_done: 0,
        };
        sim.nodes = NODES
            .iter()
            .map(|&(name, zone)| Node {
                name,
                zone,
                cpu_millis: 4000,
                ready: true,
                outage_stage: 0,
                down_since: 0,
            })
            .collect();
        for (namespace, name, container, repository, tag_prefix, patch, replicas, cpu, hpa) in
            DEPLOYMENTS
        {
            let replica_set = format!("{name}-{}", sim.rng.suffix(10));
            sim.deployments.push(Deployment {
                namespace,
                name,
                container,
                repository,
                tag_prefix,
                patch,
                replicas,
                cpu_millis: cpu,
                autoscaled: hpa,
                load: f64::from(replicas) * 0.65,
                last_rescale: 0,
                replica_sets: vec![ReplicaSet {
                    name: replica_set.clone(),
                    revision: 3 + patch % 4,
                    desired: replicas,
                }],
                pods: Vec::new(),
                rollout_started: None,
            });
            // The pods that already run when the controller manager starts.
            for _ in 0..replicas {
                let node = sim.best_node(cpu);
                let pod = Pod {
                    name: format!("{replica_set}-{}", sim.rng.suffix(5)),
                    replica_set: replica_set.clone(),
                    node,
                    phase: if node.is_some() {
                        Phase::Running
                    } else {
                        Phase::Pending
                    },
                    created_micros: 0,
                    restarts: 0,
                    retry_at: 0,
                    attempts: 0,
                };
                sim.deployments
                    .last_mut()
                    .expect("just pushed")
                    .pods
                    .push(pod);
            }
        }
        sim
    }

    /// Writes a line that is not klog (text only). The values are drawn either way, so
    /// both formats see the same sequence.
    fn plain_line(&self, line: &str) {
        if let Some(out) = &self.plain {
            let mut out = out.clone();
            // A closed stdout is reported by the sink; nothing to add here.
            let _ = out.write_all(line.as_bytes());
            let _ = out.write_all(b"\n");
        }
    }

    fn run(&mut self) {
        self.plain_line(&format!("Starting sample controller manager {VERSION}"));
        self.plain_line(
            "Flag --port has been deprecated, This flag has no effect now and will be removed in v1.32.",
        );
        self.next_plain = self.rng.range(150, 250);
        self.startup();
        while self.clock.records() < self.target {
            self.step();
            self.one_offs();
            self.maybe_plain();
        }
        self.shutdown();
        self.plain_line("sample controller manager exited cleanly");
    }

    fn node_used(&self, node: usize) -> u32 {
        self.deployments
            .iter()
            .map(|d| d.pods.iter().filter(|p| p.node == Some(node)).count() as u32 * d.cpu_millis)
            .sum()
    }

    fn node_free(&self, node: usize) -> u32 {
        self.nodes[node]
            .cpu_millis
            .saturating_sub(self.node_used(node))
    }

    /// The ready node with the most free CPU that fits `cpu` (the first of equals).
    fn best_node(&self, cpu: u32) -> Option<usize> {
        let mut best: Option<(usize, u32)> = None;
        for i in 0..self.nodes.len() {
            let free = self.node_free(i);
            if self.nodes[i].ready && free >= cpu && best.is_none_or(|(_, f)| free > f) {
                best = Some((i, free));
            }
        }
        best.map(|(i, _)| i)
    }

    fn lease_ref() -> KObj<'static> {
        KObj::new(LEASE.0, LEASE.1)
    }

    fn startup(&mut self) {
        let root = self.root.clone();
        legacy(&root, Severity::Info, &format!("Version: {VERSION}+sample"));
        info!(
            root,
            "Starting sample controller manager",
            version = VERSION,
            featureGates = "ContextualLogging=true,LoggingBetaOptions=true",
            concurrentSyncs = 5
        );
        info!(v: 1, root, "Loaded configuration", file = Path::new("/etc/kubernetes/controller-manager.yaml"), config = CONFIG_YAML);
        info!(
            root,
            "Serving securely",
            address = "[::]:10257",
            certFile = Path::new("/var/run/kubernetes/kube-controller-manager.crt")
        );
        info!(v: 2, root, "Leader election enabled", leaseDuration = Duration::from_secs(15), renewDeadline = Duration::from_secs(10), retryPeriod = Duration::from_secs(2));

        info!(
            self.lease,
            "Attempting to acquire leader lease",
            lease = Self::lease_ref()
        );
        self.clock.sleep(Duration::from_millis(2_130));
        info!(
            self.lease,
            "Successfully acquired lease",
            lease = Self::lease_ref(),
            identity = IDENTITY
        );
        legacy(
            &root,
            Severity::Info,
            &format!("Event occurred: object=\"kube-system/kube-controller-manager\" kind=\"Lease\" reason=\"LeaderElection\" message=\"{IDENTITY} became leader\""),
        );

        for (controller, workers) in CONTROLLERS {
            info!(root, "Starting controller", controller, workers);
            legacy(
                &root,
                Severity::Info,
                &format!("Waiting for caches to sync for {controller}"),
            );
        }
        let counts = [
            ("*v1.Node", self.nodes.len()),
            ("*v1.Deployment", self.deployments.len()),
            ("*v1.ReplicaSet", self.deployments.len() * 3),
            (
                "*v1.Pod",
                self.deployments.iter().map(|d| d.pods.len()).sum(),
            ),
            ("*v1.Service", self.deployments.len() + 2),
            ("*v1.HorizontalPodAutoscaler", 2),
            ("*v1.EndpointSlice", self.deployments.len() + 3),
        ];
        for (kind, items) in counts {
            let took = Duration::from_micros(self.rng.range(2_000, 180_000));
            info!(v: 2, self.reflector, "Caches populated", "type" = kind, items, took, reflector = "k8s.io/client-go/informers/factory.go:160");
        }
        for (controller, _) in CONTROLLERS {
            legacy(
                &root,
                Severity::Info,
                &format!("Caches are synced for {controller}"),
            );
        }

        let mut zones: Vec<&str> = self.nodes.iter().map(|n| n.zone).collect();
        zones.dedup();
        for zone in zones {
            info!(
                self.nodes_log,
                "Initializing eviction metric for zone", zone
            );
        }
        for i in 0..self.nodes.len() {
            let used = self.node_used(i);
            let node = &self.nodes[i];
            info!(v: 2, self.nodes_log, "Node registered", node = KObj::new("", node.name), zone = node.zone, cpuAllocatable = node.cpu_millis, cpuRequested = used, ready = true);
        }
        for d in &self.deployments {
            let rs = d.current();
            info!(v: 2, self.deploy, "Observed deployment", deployment = KObj::new(d.namespace, d.name), replicaSet = KObj::new(d.namespace, &rs.name), revision = rs.revision, replicas = d.replicas, image = d.image());
            if d.name == "checkout" {
                info!(v: 3, self.deploy, "Deployment annotations", deployment = KObj::new(d.namespace, d.name), owner = "Zoë Åkesson <zoe@example.com>", description = "Zahlungsdienst für Bestellungen – „Kasse“ ✓", "change-cause" = "kubectl set image deployment/checkout checkout=\"ghcr.io/example/checkout:v3.2.7\"");
            }
        }
    }

    fn step(&mut self) {
        // The first records are routine work only: no failures yet.
        let calm = self.clock.records() < 200;
        let done = match self.rng.below(if calm { 74 } else { 100 }) {
            0..=21 => false,
            22..=37 => self.sync_replica_sets(),
            38..=49 => self.schedule_pending(),
            50..=61 => self.update_pod_status(),
            62..=73 => self.node_heartbeat(),
            74..=75 => self.start_rollout(),
            76 => self.node_outage(),
            77 => self.status_update_with_retries(),
            78 => self.conflict(),
            79..=82 => self.autoscale(),
            83..=87 => self.renew_lease(),
            88..=97 => self.sync_service(),
            _ => self.container_trouble(),
        };
        // Nothing to do for the chosen loop: a routine sync instead.
        if !done {
            match self.rng.below(4) {
                0 | 1 => self.sync_deployment(),
                2 => self.sync_service(),
                _ => self.node_heartbeat() || self.sync_deployment(),
            };
        }
    }

    /// Writes a line that is not klog about every 200 records.
    fn maybe_plain(&mut self) {
        if self.clock.records() < self.next_plain {
            return;
        }
        self.next_plain += self.rng.range(150, 250);
        let kind = self.plain_lines % 4;
        self.plain_lines += 1;
        let (a, b, port, ms) = (
            self.rng.range(1, 9),
            self.rng.range(2, 250),
            self.rng.range(32_768, 60_999),
            self.rng.range(4, 95),
        );
        let (y, mo, d, h, mi, s) = civil(self.clock.now());
        let line = match kind {
            0 => format!(
                "{y}/{mo:02}/{d:02} {h:02}:{mi:02}:{s:02} http: TLS handshake error from 10.0.{a}.{b}:{port}: EOF"
            ),
            1 => format!(
                "time=\"{y}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z\" level=info msg=\"metrics scraped\" sidecar=otel-agent targets={} duration={ms}ms",
                10 + a
            ),
            2 => format!("[healthz] ok: ping, log, leaderElection, informer-sync ({} checks passed)", 4 + a),
            _ => {
                self.resyncs += 1;
                let pods: usize = self.deployments.iter().map(|d| d.pods.len()).sum();
                let ready = self.nodes.iter().filter(|n| n.ready).count();
                format!(
                    "=== resync {}: {} deployments, {pods} pods, {ready}/{} nodes ready ===",
                    self.resyncs,
                    self.deployments.len(),
                    self.nodes.len()
                )
            }
        };
        self.plain_line(&line);
    }

    /// A deployment sync: scales replica sets for rollouts and autoscaling.
    fn sync_deployment(&mut self) -> bool {
        // Rollouts progress through syncs: prefer a deployment that is rolling out.
        let rolling = self
            .deployments
            .iter()
            .position(|d| d.rollout_started.is_some());
        let i = match rolling {
            Some(i) if self.rng.chance(35) => i,
            _ => self.rng.index(self.deployments.len()),
        };
        let took = Duration::from_micros(self.rng.range(150, 9_000));
        let show_status = self.rng.chance(20);
        let now_micros = self.clock.micros();
        let d = &mut self.deployments[i];
        let log = self
            .deploy
            .with_values(&[KeyValue::new("deployment", &KObj::new(d.namespace, d.name))]);
        info!(v: 4, log, "Started syncing deployment", startTime = time_at(now_micros));

        let current = d.replica_sets.len() - 1;
        let new_running = d.running(&d.replica_sets[current].name);
        let old_desired: u32 = d.replica_sets[..current].iter().map(|r| r.desired).sum();
        let new_desired = d.replica_sets[current].desired;
        if let Some(started) = d.rollout_started {
            // RollingUpdate with maxSurge 1, maxUnavailable 0.
            if new_desired + old_desired <= d.replicas && new_desired < d.replicas {
                if new_running == new_desired {
                    let rs = &mut d.replica_sets[current];
                    rs.desired += 1;
                    info!(
                        log,
                        "Scaled up replica set",
                        replicaSet = KObj::new(d.namespace, &rs.name),
                        from = new_desired,
                        to = rs.desired
                    );
                } else {
                    info!(v: 4, log, "Waiting for new replicas to become available", replicaSet = KObj::new(d.namespace, &d.replica_sets[current].name), ready = new_running, desired = new_desired);
                }
            } else if old_desired > 0 && new_running == new_desired {
                let old = d.replica_sets[..current]
                    .iter_mut()
                    .rfind(|r| r.desired > 0)
                    .expect("some old replicas");
                old.desired -= 1;
                info!(
                    log,
                    "Scaled down replica set",
                    replicaSet = KObj::new(d.namespace, &old.name),
                    from = old.desired + 1,
                    to = old.desired
                );
            } else if old_desired == 0 && new_running == d.replicas {
                d.rollout_started = None;
                let rs = &d.replica_sets[current];
                info!(
                    log,
                    "Deployment rollout complete",
                    revision = rs.revision,
                    image = d.image(),
                    duration = Duration::from_micros(now_micros - started)
                );
                // revisionHistoryLimit: 1.
                if d.replica_sets.len() > 2 {
                    let old = d.replica_sets.remove(0);
                    info!(v: 2, self.gc, "Deleting object", object = KObj::new(d.namespace, &old.name), kind = "ReplicaSet", propagationPolicy = "Background", revision = old.revision);
                }
            }
        } else if new_desired != d.replicas {
            let rs = &mut d.replica_sets[current];
            rs.desired = d.replicas;
            let message = if new_desired < d.replicas {
                "Scaled up replica set"
            } else {
                "Scaled down replica set"
            };
            info!(
                log,
                message,
                replicaSet = KObj::new(d.namespace, &rs.name),
                from = new_desired,
                to = rs.desired
            );
        } else if show_status {
            let ready = d.running(&d.replica_sets[current].name);
            info!(v: 2, log, "Updated deployment status", replicas = d.pods.len(), updatedReplicas = new_desired, readyReplicas = ready, availableReplicas = ready, observedGeneration = 10 + d.replica_sets[current].revision);
        }
        info!(v: 4, log, "Finished syncing deployment", duration = took);
        true
    }

    /// The replica set controller: creates or deletes one pod of a replica set whose pod
    /// count differs from its desired count.
    fn sync_replica_sets(&mut self) -> bool {
        let start = self.rng.index(self.deployments.len());
        let suffix = self.rng.suffix(5);
        let now = self.clock.micros();
        for k in 0..self.deployments.len() {
            let i = (start + k) % self.deployments.len();
            let d = &mut self.deployments[i];
            let Some(rs) = d.replica_sets.iter().find(|rs| {
                d.pods.iter().filter(|p| p.replica_set == rs.name).count() as u32 != rs.desired
            }) else {
                continue;
            };
            let have = d.pods_of(&rs.name).count() as u32;
            let log = self.replicaset.with_values(&[KeyValue::new(
                "replicaSet",
                &KObj::new(d.namespace, &rs.name),
            )]);
            if have < rs.desired {
                info!(v: 2, log, "Too few replicas", need = rs.desired, have, creating = 1);
                let pod = Pod {
                    name: format!("{}-{suffix}", rs.name),
                    replica_set: rs.name.clone(),
                    node: None,
                    phase: Phase::Pending,
                    created_micros: now,
                    restarts: 0,
                    retry_at: 0,
                    attempts: 0,
                };
                info!(v: 4, log, "Created pod", pod = KObj::new(d.namespace, &pod.name), revision = rs.revision);
                d.pods.push(pod);
            } else {
                info!(v: 2, log, "Too many replicas", need = rs.desired, have, deleting = 1);
                // Unscheduled pods go first, then the youngest.
                let name = rs.name.clone();
                let victim = d
                    .pods
                    .iter()
                    .rposition(|p| p.replica_set == name && p.node.is_none())
                    .or_else(|| d.pods.iter().rposition(|p| p.replica_set == name))
                    .expect("a pod to delete");
                let pod = d.pods.remove(victim);
                info!(v: 2, log, "Deleting pod", pod = KObj::new(d.namespace, &pod.name), phase = pod.phase.as_str(), node = pod.node.map(|n| KObj::new("", self.nodes[n].name)));
            }
            return true;
        }
        false
    }

    /// The scheduler: places one pending pod, or fails to and backs off.
    fn schedule_pending(&mut self) -> bool {
        let records = self.clock.records();
        let found = self.deployments.iter().enumerate().find_map(|(i, d)| {
            d.pods
                .iter()
                .position(|p| p.node.is_none() && p.retry_at <= records)
                .map(|j| (i, j))
        });
        let Some((i, j)) = found else {
            return false;
        };
        let (cpu, namespace) = (
            self.deployments[i].cpu_millis,
            self.deployments[i].namespace,
        );
        let pod_name = self.deployments[i].pods[j].name.clone();
        let log = self
            .scheduler
            .with_values(&[KeyValue::new("pod", &KObj::new(namespace, &pod_name))]);
        info!(v: 3, log, "Attempting to schedule pod", cpuRequest = format!("{cpu}m"));
        let feasible: Vec<KObj<'_>> = (0..self.nodes.len())
            .filter(|&n| self.nodes[n].ready && self.node_free(n) >= cpu)
            .map(|n| KObj::new("", self.nodes[n].name))
            .collect();
        info!(v: 4, log, "Filtered nodes", evaluatedNodes = self.nodes.len(), feasible = KObjSlice::new(&feasible));
        match self.best_node(cpu) {
            Some(n) => {
                let score = self.rng.range(40, 100);
                let node = KObj::new("", self.nodes[n].name);
                info!(v: 4, log, "Scored node", node, score, plugin = "NodeResourcesBalancedAllocation");
                let took = Duration::from_micros(self.rng.range(900, 45_000));
                info!(v: 3, self.binder, "Binding pod to node", pod = KObj::new(namespace, &pod_name), node);
                info!(v: 2, log, "Successfully bound pod to node", node, evaluatedNodes = self.nodes.len(), feasibleNodes = feasible.len(), took);
                let pod = &mut self.deployments[i].pods[j];
                pod.node = Some(n);
                pod.attempts = 0;
            }
            None => {
                let unreachable = self.nodes.iter().filter(|n| !n.ready).count();
                let err = Unschedulable {
                    nodes: self.nodes.len(),
                    insufficient_cpu: self.nodes.len() - unreachable,
                    unreachable,
                };
                let pod = &mut self.deployments[i].pods[j];
                pod.attempts += 1;
                // Exponential backoff, 1 s doubling up to 10 s, here counted in records.
                let backoff =
                    Duration::from_secs(1 << pod.attempts.min(4)).min(Duration::from_secs(10));
                pod.retry_at = records + 60 * (1 << pod.attempts.min(3));
                error!(log, err: &err, "Unable to schedule pod; no fit; waiting", attempts = pod.attempts, backoff);
                info!(v: 4, log, "Pod marked unschedulable", nominatedNode = Option::<&str>::None, reason = "Unschedulable");
            }
        }
        true
    }

    /// The pods' status: one scheduled pod moves on to its next phase.
    fn update_pod_status(&mut self) -> bool {
        let start = self.rng.index(self.deployments.len());
        let pull_fails = self.rng.chance(6);
        let now = self.clock.micros();
        for k in 0..self.deployments.len() {
            let i = (start + k) % self.deployments.len();
            let d = &mut self.deployments[i];
            let image = d.image();
            let Some(pod) = d
                .pods
                .iter_mut()
                .find(|p| p.node.is_some() && p.phase != Phase::Running)
            else {
                continue;
            };
            let node = KObj::new("", self.nodes[pod.node.expect("scheduled")].name);
            let log = self
                .status
                .with_values(&[KeyValue::new("pod", &KObj::new(d.namespace, &pod.name))]);
            match pod.phase {
                Phase::Pending => {
                    pod.phase = Phase::ContainerCreating;
                    info!(v: 3, log, "Pod status updated", node, phase = pod.phase.as_str(), ready = false);
                }
                _ if pull_fails => {
                    warning!(log, "Failed to pull image", image, reason = "ErrImagePull", message = format!("rpc error: code = Unknown desc = failed to pull and unpack image \"docker.io/library/{image}\": failed to resolve reference: unexpected status from HEAD request: 429 Too Many Requests"));
                    info!(v: 2, log, "Back-off pulling image", image, backoff = Duration::from_secs(10));
                    self.clock.sleep(Duration::from_millis(1_500));
                }
                _ => {
                    pod.phase = Phase::Running;
                    let latency = Duration::from_micros(now - pod.created_micros);
                    info!(v: 2, log, "Pod status updated", node, phase = pod.phase.as_str(), ready = true, container = d.container, startupLatency = latency);
                }
            }
            return true;
        }
        false
    }

    fn node_heartbeat(&mut self) -> bool {
        let n = self.rng.index(self.nodes.len());
        if !self.nodes[n].ready {
            return false;
        }
        let skew_nanos = i128::from(self.rng.range(0, 8_000_000)) - 4_000_000;
        let age = Duration::from_micros(self.rng.range(100_000, 9_000_000));
        let heartbeat = self.clock.now() - age;
        let used = self.node_used(n);
        let node = &self.nodes[n];
        info!(v: 4, self.nodes_log, "Node heartbeat", node = KObj::new("", node.name), lastHeartbeatTime = heartbeat, clockSkew = Value::duration_nanos(skew_nanos), cpuUtilization = f64::from(used) / f64::from(node.cpu_millis), conditions = "Ready=True,MemoryPressure=False,DiskPressure=False,PIDPressure=False");
        true
    }

    /// A node stops reporting, is tainted, its pods are evicted, and it comes back.
    fn node_outage(&mut self) -> bool {
        if self.nodes.iter().any(|n| !n.ready) {
            return false;
        }
        if !self.rng.chance(25) {
            return false;
        }
        let n = self.rng.index(self.nodes.len());
        let last = self.clock.now() - Duration::from_secs(40);
        let node = &mut self.nodes[n];
        node.ready = false;
        node.outage_stage = 0;
        node.down_since = self.clock.micros();
        warning!(
            self.nodes_log,
            "Node not ready",
            node = KObj::new("", node.name),
            reason = "NodeStatusUnknown",
            message = "Kubelet stopped posting node status.",
            lastHeartbeatTime = last,
            gracePeriod = Duration::from_secs(40)
        );
        true
    }

    /// Moves an outage on, now and then.
    fn progress_outage(&mut self) {
        let Some(n) = self.nodes.iter().position(|n| !n.ready) else {
            return;
        };
        if !self.rng.chance(2) {
            return;
        }
        let node_ref = KObj::new("", self.nodes[n].name);
        match self.nodes[n].outage_stage {
            0 => {
                self.clock.sleep(Duration::from_secs(5));
                info!(
                    self.nodes_log,
                    "Node is unresponsive. Adding it to the Taint queue",
                    node = node_ref,
                    taint = "node.kubernetes.io/unreachable:NoExecute"
                );
                self.nodes[n].outage_stage = 1;
            }
            1 => {
                let mut evicted: Vec<KObj<'_>> = Vec::new();
                for d in &self.deployments {
                    for p in d.pods.iter().filter(|p| p.node == Some(n)) {
                        evicted.push(KObj::new(d.namespace, &p.name));
                    }
                }
                if evicted.is_empty() {
                    info!(v: 2, self.nodes_log, "No pods to evict from node", node = node_ref);
                } else {
                    warning!(
                        self.nodes_log,
                        "Evicting pods from node",
                        node = node_ref,
                        count = evicted.len(),
                        pods = KObjSlice::new(&evicted),
                        reason = "NodeUnreachable"
                    );
                }
                for d in &mut self.deployments {
                    d.pods.retain(|p| p.node != Some(n));
                }
                self.nodes[n].outage_stage = 2;
            }
            _ => {
                let downtime =
                    Duration::from_micros(self.clock.micros() - self.nodes[n].down_since);
                self.nodes[n].ready = true;
                info!(
                    self.nodes_log,
                    "Node became ready",
                    node = node_ref,
                    downtime
                );
                info!(v: 2, self.nodes_log, "Removed taint from node", node = node_ref, taint = "node.kubernetes.io/unreachable:NoExecute");
            }
        }
    }

    /// A new image for a deployment: a new replica set and a rolling update.
    fn start_rollout(&mut self) -> bool {
        if self.deployments.iter().any(|d| d.rollout_started.is_some()) {
            return false;
        }
        let i = self.rng.index(self.deployments.len());
        let suffix = self.rng.suffix(10);
        let now = self.clock.micros();
        let d = &mut self.deployments[i];
        if d.name == "inference" {
            return false;
        }
        let previous = d.image();
        d.patch += 1;
        let image = d.image();
        let revision = d.current().revision + 1;
        let name = format!("{}-{suffix}", d.name);
        let diff = format!(
            "--- revision {}\n+++ revision {revision}\n spec:\n   template:\n     spec:\n       containers:\n       - name: {}\n-        image: {previous}\n+        image: {image}\n         resources:\n           requests:\n             cpu: {}m",
            revision - 1,
            d.container,
            d.cpu_millis
        );
        let log = self
            .deploy
            .with_values(&[KeyValue::new("deployment", &KObj::new(d.namespace, d.name))]);
        info!(
            log,
            "Rolling out new revision",
            revision,
            image,
            previousImage = previous,
            strategy = "RollingUpdate",
            maxSurge = 1,
            maxUnavailable = 0
        );
        info!(v: 4, log, "Pod template changed", diff);
        info!(v: 2, log, "Created new replica set", replicaSet = KObj::new(d.namespace, &name), revision);
        d.replica_sets.push(ReplicaSet {
            name,
            revision,
            desired: 0,
        });
        d.rollout_started = Some(now);
        true
    }

    /// A status update that fails and is retried with exponential backoff.
    fn status_update_with_retries(&mut self) -> bool {
        let i = self.rng.index(self.deployments.len());
        let failures = self.rng.range(1, 3);
        let (namespace, name) = (self.deployments[i].namespace, self.deployments[i].name);
        let log = self
            .deploy
            .with_values(&[KeyValue::new("deployment", &KObj::new(namespace, name))]);
        let url =
            format!("{API_SERVER}/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status");
        let started = self.clock.micros();
        let mut backoff = Duration::from_millis(200);
        for attempt in 1..=failures {
            let err = if attempt == 2 {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("Put \"{url}\": net/http: TLS handshake timeout"),
                )
            } else {
                io::Error::new(
                    io::ErrorKind::ConnectionRefused,
                    format!("Put \"{url}\": dial tcp 10.96.0.1:443: connect: connection refused"),
                )
            };
            error!(log, err: &err, "Failed to update deployment status", attempt);
            let jitter = Duration::from_micros(self.rng.range(0, 50_000));
            let wait = backoff + jitter;
            info!(v: 2, log, "Retrying after backoff", attempt, backoff = wait);
            self.clock.sleep(wait);
            backoff *= 2;
        }
        let elapsed = Duration::from_micros(self.clock.micros() - started);
        info!(
            log,
            "Deployment status updated after retries",
            attempts = failures + 1,
            elapsed
        );
        true
    }

    fn conflict(&mut self) -> bool {
        let i = self.rng.index(self.deployments.len());
        let requeues = self.rng.range(0, 3);
        let d = &self.deployments[i];
        let err = Conflict {
            resource: "deployments.apps",
            name: d.name,
        };
        let deployment = KObj::new(d.namespace, d.name);
        error!(self.deploy, err: &err, "Error syncing deployment", deployment);
        let after = Duration::from_millis(5 << requeues);
        info!(v: 4, self.deploy, "Requeued", deployment, after, requeues);
        true
    }

    /// The horizontal pod autoscaler of an autoscaled deployment.
    fn autoscale(&mut self) -> bool {
        let candidates: Vec<usize> = (0..self.deployments.len())
            .filter(|&i| self.deployments[i].autoscaled)
            .collect();
        let i = candidates[self.rng.index(candidates.len())];
        // The load (in busy replicas) drifts; utilization is load per replica.
        let drift = (self.rng.range(0, 60) as f64 - 30.0) / 100.0;
        let records = self.clock.records();
        let d = &mut self.deployments[i];
        d.load = (d.load + drift).clamp(1.0, 5.5);
        let current = d.replicas;
        let utilization = (d.load / f64::from(current) * 1000.0).round() / 1000.0;
        let ratio = utilization / TARGET_UTILIZATION;
        let desired = ((f64::from(current) * ratio).ceil() as u32).clamp(2, 8);
        let hpa = KObj::new(d.namespace, d.name);
        info!(v: 2, self.hpa, "Computed desired replicas", hpa, currentUtilization = utilization, targetUtilization = TARGET_UTILIZATION, usageRatio = ratio, currentReplicas = current, desiredReplicas = desired);
        let within_tolerance = (ratio - 1.0).abs() <= 0.1;
        if within_tolerance || desired == current || d.rollout_started.is_some() {
            info!(v: 4, self.hpa, "No rescale needed", hpa, withinTolerance = within_tolerance);
            return true;
        }
        // Scale-downs wait for a stabilization window (here counted in records).
        if desired < current && records < d.last_rescale + 600 {
            info!(v: 3, self.hpa, "Scale down stabilized", hpa, recommended = desired, window = Duration::from_secs(300));
            return true;
        }
        let reason = if desired > current {
            "cpu resource utilization (percentage of request) above target"
        } else {
            "All metrics below target"
        };
        d.replicas = desired;
        d.last_rescale = records;
        info!(
            self.hpa,
            "Successful rescale",
            hpa,
            oldSize = current,
            newSize = desired,
            reason
        );
        true
    }

    fn renew_lease(&mut self) -> bool {
        let roll = self.rng.below(100);
        let took = Duration::from_micros(self.rng.range(1_500, 40_000));
        match roll {
            0..=5 => {
                let err = io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("Put \"{API_SERVER}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager?timeout=5s\": context deadline exceeded"),
                );
                error!(self.lease, err: &err, "Failed to update lock optimistically, falling back to slow path", lease = Self::lease_ref());
                self.clock.sleep(Duration::from_secs(2));
                warning!(
                    self.lease,
                    "Lease renewal slow",
                    lease = Self::lease_ref(),
                    elapsed = Duration::from_millis(7_340) + took,
                    renewDeadline = Duration::from_secs(10)
                );
            }
            _ => {
                info!(v: 4, self.lease, "Successfully renewed lease", lease = Self::lease_ref(), took);
            }
        }
        true
    }

    /// The endpoint slice controller: one service.
    fn sync_service(&mut self) -> bool {
        let i = self.rng.index(self.deployments.len());
        let changed = self.rng.chance(25);
        let took = Duration::from_micros(self.rng.range(80, 4_000));
        let d = &self.deployments[i];
        let ready = d.pods.iter().filter(|p| p.phase == Phase::Running).count();
        let service = KObj::new(d.namespace, d.name);
        info!(v: 4, self.endpoints, "Syncing service", service);
        if changed {
            info!(v: 2, self.endpoints, "Endpoints changed", service, ready, notReady = d.pods.len() - ready, slices = 1, addressType = "IPv4");
        }
        info!(v: 4, self.endpoints, "Finished syncing service", service, duration = took);
        true
    }

    /// A running container crashes or fails its probe.
    fn container_trouble(&mut self) -> bool {
        let i = self.rng.index(self.deployments.len());
        let crash = self.rng.chance(50);
        let ip = (self.rng.range(0, 5), self.rng.range(2, 250));
        let d = &mut self.deployments[i];
        let Some(pod) = d.pods.iter_mut().find(|p| p.phase == Phase::Running) else {
            return false;
        };
        let log = self
            .status
            .with_values(&[KeyValue::new("pod", &KObj::new(d.namespace, &pod.name))]);
        if crash {
            pod.restarts += 1;
            let backoff =
                Duration::from_secs(10 << pod.restarts.min(5)).min(Duration::from_secs(300));
            warning!(
                log,
                "Container restarting",
                container = d.container,
                restartCount = pod.restarts,
                exitCode = 137,
                reason = "OOMKilled",
                message = format!(
                    "back-off {} restarting failed container={} pod={}_{}",
                    go_duration(backoff),
                    d.container,
                    pod.name,
                    d.namespace
                )
            );
        } else {
            warning!(log, "Probe failed", probeType = "Readiness", container = d.container, output = format!("Get \"http://10.244.{}.{}:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", ip.0, ip.1), failureThreshold = 3);
        }
        true
    }

    /// Events that happen once, at fixed points of the run.
    fn one_offs(&mut self) {
        self.progress_outage();
        let progress = self.clock.records() * 100 / self.target;
        let due = [20, 45, 65, 80];
        if self.one_offs_done >= due.len() || progress < due[self.one_offs_done] {
            return;
        }
        self.one_offs_done += 1;
        match self.one_offs_done {
            1 => {
                // An admission webhook's denial: an error whose text has several lines.
                let err = io::Error::other(
                    "admission webhook \"validate.policy.example.com\" denied the request:\n\n\
                     resource Deployment/payments/checkout was blocked due to the following policies\n\n\
                     require-requests-limits:\n  \
                     validate-resources: 'validation error: CPU and memory resource requests and limits are required. rule validate-resources failed at path /spec/template/spec/containers/0/resources/limits/'",
                );
                let deployment = KObj::new("payments", "checkout");
                error!(self.deploy, err: &err, "Failed to update deployment", deployment, field = "spec.template.metadata.annotations[\"kubectl.kubernetes.io/restartedAt\"]");
                info!(v: 2, self.deploy, "Requeued", deployment, after = Duration::from_secs(5), requeues = 1);
            }
            2 => {
                // A recovered panic, with its backtrace as a multi-line value.
                let d = &self.deployments[5];
                let rs = KObj::new(d.namespace, &d.current().name);
                let backtrace = "\
thread 'replicaset-worker-3' panicked at src/controller/replicaset.rs:214:17:
index out of bounds: the len is 3 but the index is 3
stack backtrace:
   0: rust_begin_unwind
   1: core::panicking::panic_fmt
   2: core::panicking::panic_bounds_check
   3: sample_controller::replicaset::ReplicaSetController::manage_replicas
             at ./src/controller/replicaset.rs:214:17
   4: sample_controller::replicaset::ReplicaSetController::sync
             at ./src/controller/replicaset.rs:131:9
   5: sample_controller::worker::run
note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.";
                error!(
                    self.replicaset,
                    "Observed a panic; recovered, requeuing",
                    replicaSet = rs,
                    panic = "index out of bounds: the len is 3 but the index is 3",
                    backtrace
                );
                legacy(
                    &self.replicaset,
                    Severity::Warning,
                    "worker replicaset-worker-3 restarted after panic (1 restart in the last 10m0s)",
                );
            }
            3 => {
                // A label value with an invisible character and non-ASCII text.
                warning!(self.endpoints, "Ignoring invalid label value", service = KObj::new("payments", "checkout"), label = "team", value = "zahlungs\u{200b}verkehr", hint = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.' (e.g. 'MyValue', or 'my_value', or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
            }
            _ => {
                // An informer loses its watch.
                let url = format!("{API_SERVER}/apis/discovery.k8s.io/v1/endpointslices?allowWatchBookmarks=true&resourceVersion=84215337&timeout=8m41s&timeoutSeconds=521&watch=true");
                legacy(
                    &self.reflector,
                    Severity::Warning,
                    "k8s.io/client-go/informers/factory.go:160: watch of *v1.EndpointSlice ended with: an error on the server (\"unable to decode an event from the watch stream: http2: client connection lost\") has prevented the request from succeeding",
                );
                let err = io::Error::new(
                    io::ErrorKind::ConnectionReset,
                    format!("Get \"{url}\": http2: client connection lost"),
                );
                error!(self.reflector, err: &err, "Failed to watch", "type" = "*v1.EndpointSlice", resourceVersion = 84_215_337_u64, retryAfter = Duration::from_millis(800));
                self.clock.sleep(Duration::from_millis(800));
                info!(v: 2, self.reflector, "Caches populated", "type" = "*v1.EndpointSlice", items = self.deployments.len() + 3, took = Duration::from_micros(35_612), reflector = "k8s.io/client-go/informers/factory.go:160");
            }
        }
    }

    fn shutdown(&mut self) {
        let root = self.root.clone();
        info!(
            root,
            "Received signal, shutting down",
            signal = "terminated"
        );
        for (controller, _) in CONTROLLERS.iter().rev() {
            legacy(
                &root,
                Severity::Info,
                &format!("Shutting down {controller} controller"),
            );
        }
        let held = Duration::from_micros(self.clock.micros()) - Duration::from_millis(2_130);
        info!(
            self.lease,
            "Released lease",
            lease = Self::lease_ref(),
            held
        );
        let pods: usize = self.deployments.iter().map(|d| d.pods.len()).sum();
        let running = self
            .deployments
            .iter()
            .flat_map(|d| &d.pods)
            .filter(|p| p.phase == Phase::Running)
            .count();
        info!(
            root,
            "Stopped",
            uptime = Duration::from_micros(self.clock.micros()),
            pods,
            running,
            cleanShutdown = true
        );
    }
}
