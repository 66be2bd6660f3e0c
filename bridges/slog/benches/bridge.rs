//! The core event (`"Pod status updated"` with `pod`, `status`, `attempt`, `latency_ms`)
//! through each direction of the bridge, against slog-term and direct klog. Everything
//! writes to `io::sink()`; klog reads the system clock, like slog-term.
//!
//! ```sh
//! cargo bench -p klog-slog --bench bridge -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;
use std::io;

use criterion::{criterion_group, criterion_main, Criterion};
use klog::{KObj, KeyValue};
use klog_bridge_test_support::{bench_logger as klog_logger, klog_event, BenchEvent, EVENT};
use klog_slog::{KlogDrain, SlogSink};
use slog::{o, Drain};

fn slog_term() -> slog::Logger {
    let decorator = slog_term::PlainSyncDecorator::new(io::sink());
    let drain = slog_term::FullFormat::new(decorator).build().fuse();
    slog::Logger::root(drain, o!())
}

fn slog_to_klog() -> slog::Logger {
    slog::Logger::root(KlogDrain::new(klog_logger()), o!())
}

fn slog_event(log: &slog::Logger, e: &BenchEvent) {
    slog::info!(log, "Pod status updated"; "pod" => %KObj::new(e.ns, e.name),
        "status" => e.status, "attempt" => e.attempt, "latency_ms" => e.latency_ms);
}

/// slog calls written as klog text, against slog-term and the direct klog call.
fn slog_to_klog_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("slog_to_klog");
    let klog = klog_logger();
    g.bench_function("klog_direct", |b| {
        b.iter(|| klog_event(&klog, black_box(&EVENT)))
    });
    let bridged = slog_to_klog();
    g.bench_function("slog_klog_drain", |b| {
        b.iter(|| slog_event(&bridged, black_box(&EVENT)))
    });
    let term = slog_term();
    g.bench_function("slog_term", |b| {
        b.iter(|| slog_event(&term, black_box(&EVENT)))
    });
    g.finish();
}

/// The same with a name and 2 bound values (`o!` / `with_values`), bound once.
fn contextual_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("slog_to_klog_contextual");
    let klog = klog_logger().with_name("controller").with_values(&[
        KeyValue::new("node", &"worker-1"),
        KeyValue::new("shard", &7),
    ]);
    g.bench_function("klog_direct", |b| {
        b.iter(|| klog_event(&klog, black_box(&EVENT)))
    });
    let bridged =
        slog_to_klog().new(o!("logger" => "controller", "node" => "worker-1", "shard" => 7));
    g.bench_function("slog_klog_drain", |b| {
        b.iter(|| slog_event(&bridged, black_box(&EVENT)))
    });
    let term = slog_term().new(o!("logger" => "controller", "node" => "worker-1", "shard" => 7));
    g.bench_function("slog_term", |b| {
        b.iter(|| slog_event(&term, black_box(&EVENT)))
    });
    g.finish();
}

/// klog calls forwarded to slog-term, against the slog call to slog-term; and klog → slog
/// → klog.
fn klog_to_slog_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("klog_to_slog");
    let term = slog_term();
    g.bench_function("slog_term_direct", |b| {
        b.iter(|| slog_event(&term, black_box(&EVENT)))
    });
    let bridged = SlogSink::new(slog_term()).into_logger();
    g.bench_function("klog_slog_sink_term", |b| {
        b.iter(|| klog_event(&bridged, black_box(&EVENT)))
    });
    let round_trip = SlogSink::new(slog_to_klog()).into_logger();
    g.bench_function("klog_slog_klog_round_trip", |b| {
        b.iter(|| klog_event(&round_trip, black_box(&EVENT)));
    });
    g.finish();
}

/// A debug record (klog V4) at the default `-v` 0: dropped by the drain.
fn disabled_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("slog_to_klog_disabled");
    let bridged = slog_to_klog();
    g.bench_function("slog_klog_drain_debug", |b| {
        b.iter(|| {
            let e = black_box(&EVENT);
            slog::debug!(bridged, "Pod status updated"; "status" => e.status, "attempt" => e.attempt);
        });
    });
    let filtered = slog::Logger::root(
        slog::LevelFilter::new(
            slog_term::FullFormat::new(slog_term::PlainSyncDecorator::new(io::sink())).build(),
            slog::Level::Info,
        )
        .fuse(),
        o!(),
    );
    g.bench_function("slog_term_level_filter_debug", |b| {
        b.iter(|| {
            let e = black_box(&EVENT);
            slog::debug!(filtered, "Pod status updated"; "status" => e.status, "attempt" => e.attempt);
        });
    });
    g.finish();
}

criterion_group!(
    benches,
    slog_to_klog_group,
    contextual_group,
    klog_to_slog_group,
    disabled_group
);
criterion_main!(benches);
