//! The tracing layer against tracing-subscriber's fmt layer, on the same tracing events.
//!
//! - `text`: the core issue's text event, `tracing::info!(pod = %kobj, status = "ready",
//!   attempt = 3, latency_ms = 12.5, "Pod status updated")`, through
//!   `registry().with(KlogLayer)` (klog text, pid 12345, to `io::sink`) and through
//!   `tracing_subscriber::fmt()` (no ANSI, INFO, to `io::sink`).
//! - `disabled`: the same fields in a `tracing::debug!`, at klog's `-v=0` and with the
//!   fmt subscriber's `LevelFilter::INFO`.
//! - `span`: the text event inside the spans `controller` > `pods{node, shard}` (klog:
//!   `logger="controller.pods" node=… shard=…`; fmt: its span-context prefix).
//!
//! The event data goes through `black_box`, so nothing is constant-folded.

use std::hint::black_box;
use std::io;

use criterion::{criterion_group, criterion_main, Criterion};
use klog::KObj;
use klog_tracing::KlogLayer;
use tracing::level_filters::LevelFilter;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt;

#[derive(Clone, Copy)]
struct Event<'a> {
    ns: &'a str,
    name: &'a str,
    status: &'a str,
    attempt: i64,
    latency_ms: f64,
    node: &'a str,
    shard: i64,
}

const EVENT: Event<'static> = Event {
    ns: "kube-system",
    name: "coredns-5d78c9869d-abcde",
    status: "ready",
    attempt: 3,
    latency_ms: 12.5,
    node: "worker-1",
    shard: 7,
};

fn klog_dispatch() -> Dispatch {
    let logger = klog::TextSink::builder()
        .writer(io::sink())
        .pid(12345)
        .build_logger();
    Dispatch::new(tracing_subscriber::registry().with(KlogLayer::new(logger)))
}

fn fmt_dispatch() -> Dispatch {
    Dispatch::new(
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(io::sink)
            .with_max_level(LevelFilter::INFO)
            .finish(),
    )
}

#[inline]
fn text(e: &Event<'_>) {
    tracing::info!(pod = %KObj::new(e.ns, e.name), status = e.status,
        attempt = e.attempt, latency_ms = e.latency_ms, "Pod status updated");
}

#[inline]
fn disabled(e: &Event<'_>) {
    tracing::debug!(pod = %KObj::new(e.ns, e.name), status = e.status,
        attempt = e.attempt, latency_ms = e.latency_ms, "Pod status updated");
}

fn in_spans(e: &Event<'_>, f: impl FnOnce()) {
    let controller = tracing::info_span!("controller");
    let _controller = controller.enter();
    let pods = tracing::info_span!("pods", node = e.node, shard = e.shard);
    let _pods = pods.enter();
    f();
}

fn benches(c: &mut Criterion) {
    let subscribers = [("klog_layer", klog_dispatch()), ("fmt", fmt_dispatch())];

    let mut group = c.benchmark_group("text");
    for (name, dispatch) in &subscribers {
        tracing::dispatcher::with_default(dispatch, || {
            group.bench_function(*name, |b| b.iter(|| text(black_box(&EVENT))));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("disabled");
    for (name, dispatch) in &subscribers {
        tracing::dispatcher::with_default(dispatch, || {
            group.bench_function(*name, |b| b.iter(|| disabled(black_box(&EVENT))));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("span");
    for (name, dispatch) in &subscribers {
        tracing::dispatcher::with_default(dispatch, || {
            in_spans(&EVENT, || {
                group.bench_function(*name, |b| b.iter(|| text(black_box(&EVENT))));
            });
        });
    }
    group.finish();
}

criterion_group!(layer, benches);
criterion_main!(layer);
