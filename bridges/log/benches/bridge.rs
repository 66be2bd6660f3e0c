//! The core event (`"Pod status updated"` with `pod`, `status`, `attempt`, `latency_ms`)
//! through each direction of the bridge, against a simple `log` backend (a line of level,
//! target, message and `key=value`s, formatted into a reused buffer and written once)
//! and direct klog. Everything writes to `io::sink()` and reads the system clock.
//!
//! ```sh
//! cargo bench -p klog-log --bench bridge -- --warm-up-time 1 --measurement-time 3
//! ```

use std::cell::RefCell;
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::{self, Write as _};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, Criterion};
use klog::KObj;
use klog_bridge_test_support::{bench_logger as klog_logger, klog_event, BenchEvent, EVENT};
use klog_log::{KlogLog, LogSink};
use log::{Log, Metadata, Record};

/// `SECS.NANOS LEVEL target] message key=value…`, written with one `write_all`.
struct SimpleLog;

thread_local! {
    static LINE: RefCell<String> = const { RefCell::new(String::new()) };
}

impl Log for SimpleLog {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &Record<'_>) {
        struct Pairs<'a>(&'a mut String);
        impl<'kvs> log::kv::VisitSource<'kvs> for Pairs<'_> {
            fn visit_pair(
                &mut self,
                key: log::kv::Key<'kvs>,
                value: log::kv::Value<'kvs>,
            ) -> Result<(), log::kv::Error> {
                let _ = write!(self.0, " {key}={value}");
                Ok(())
            }
        }
        LINE.with(|line| {
            let mut line = line.borrow_mut();
            line.clear();
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            let _ = write!(
                line,
                "{}.{:09} {} {}] {}",
                now.as_secs(),
                now.subsec_nanos(),
                record.level(),
                record.target(),
                record.args()
            );
            let _ = record.key_values().visit(&mut Pairs(&mut line));
            line.push('\n');
            let _ = io::sink().write_all(line.as_bytes());
        });
    }

    fn flush(&self) {}
}

/// The process-wide `log` backend, switched per benchmark.
struct Switch;

const SIMPLE: u8 = 0;
const KLOG: u8 = 1;
static CURRENT: AtomicU8 = AtomicU8::new(SIMPLE);
static KLOG_BACKEND: OnceLock<KlogLog> = OnceLock::new();

impl Switch {
    fn current(&self) -> &dyn Log {
        match CURRENT.load(Ordering::Relaxed) {
            KLOG => KLOG_BACKEND.get_or_init(|| KlogLog::new(klog_logger())),
            _ => &SimpleLog,
        }
    }
}

impl Log for Switch {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.current().enabled(metadata)
    }
    fn log(&self, record: &Record<'_>) {
        self.current().log(record);
    }
    fn flush(&self) {}
}

static SWITCH: Switch = Switch;

fn use_backend(backend: u8) {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&SWITCH).expect("the only log backend");
        log::set_max_level(log::LevelFilter::Info);
    });
    CURRENT.store(backend, Ordering::Relaxed);
}

fn log_event(e: &BenchEvent) {
    log::info!(pod:% = KObj::new(e.ns, e.name), status = e.status, attempt = e.attempt,
        latency_ms = e.latency_ms; "Pod status updated");
}

/// `log` calls written as klog text, against the simple backend and the direct klog call.
fn log_to_klog_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("log_to_klog");
    let klog = klog_logger();
    g.bench_function("klog_direct", |b| {
        b.iter(|| klog_event(&klog, black_box(&EVENT)))
    });
    use_backend(KLOG);
    g.bench_function("log_klog_backend", |b| {
        b.iter(|| log_event(black_box(&EVENT)))
    });
    use_backend(SIMPLE);
    g.bench_function("log_simple_backend", |b| {
        b.iter(|| log_event(black_box(&EVENT)))
    });
    g.finish();
}

/// klog calls forwarded to the simple backend through the facade, against the `log` call
/// to it; and klog → log → klog.
fn klog_to_log_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("klog_to_log");
    use_backend(SIMPLE);
    g.bench_function("log_simple_direct", |b| {
        b.iter(|| log_event(black_box(&EVENT)))
    });
    let bridged = LogSink::new().into_logger();
    g.bench_function("klog_log_sink_simple", |b| {
        b.iter(|| klog_event(&bridged, black_box(&EVENT)))
    });
    use_backend(KLOG);
    g.bench_function("klog_log_klog_round_trip", |b| {
        b.iter(|| klog_event(&bridged, black_box(&EVENT)));
    });
    g.finish();
}

/// A `debug!` record (klog V4) at the default `-v` 0 with `log`'s filter at `Debug`: the
/// backend drops it.
fn disabled_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("log_to_klog_disabled");
    use_backend(KLOG);
    log::set_max_level(log::LevelFilter::Debug);
    g.bench_function("log_klog_backend_debug", |b| {
        b.iter(|| {
            let e = black_box(&EVENT);
            log::debug!(status = e.status, attempt = e.attempt; "Pod status updated");
        });
    });
    log::set_max_level(log::LevelFilter::Info);
    g.finish();
}

criterion_group!(
    benches,
    log_to_klog_group,
    klog_to_log_group,
    disabled_group
);
criterion_main!(benches);
