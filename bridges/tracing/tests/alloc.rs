//! The layer's enabled event path does not allocate once warm (fields go into reused
//! per-thread buffers), inside spans too; disabled events do not allocate either.

use klog::KObj;
use klog_bridge_test_support::alloc::{allocations, CountingAllocator};
use klog_tracing::KlogLayer;
use tracing_subscriber::layer::SubscriberExt;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn text_event() {
    tracing::info!(pod = %KObj::new("kube-system", "coredns"), status = "ready",
        attempt = 3, latency_ms = 12.5, "Pod status updated");
}

#[test]
fn enabled_and_disabled_events_do_not_allocate_once_warm() {
    let logger = klog::TextSink::builder()
        .writer(std::io::sink())
        .build_logger();
    let subscriber = tracing_subscriber::registry().with(KlogLayer::new(logger));
    tracing::subscriber::with_default(subscriber, || {
        text_event();
        assert_eq!(allocations(text_event), 0, "enabled text event");
        let debug = || {
            tracing::debug!(pod = %KObj::new("kube-system", "coredns"), "Pod status updated");
        };
        debug();
        assert_eq!(allocations(debug), 0, "disabled event");

        let span = tracing::info_span!("pods", node = "worker-1", shard = 7);
        let _entered = span.enter();
        text_event();
        assert_eq!(allocations(text_event), 0, "enabled text event in a span");
    });
}
