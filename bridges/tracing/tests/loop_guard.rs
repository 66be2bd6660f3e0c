//! Both directions at once cannot loop: a [`KlogLayer`] whose logger is a
//! [`TracingSink`] would turn every tracing event into a klog record, that record into
//! another tracing event, and so on.
//!
//! With a global default subscriber and no scoped one anywhere in the process (what an
//! application does), tracing has no re-entrancy protection of its own (`get_default`
//! takes its fast path straight to the global dispatcher), so without the bridge's guard
//! this test overflows the stack. This binary therefore never calls `with_default`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use klog::SharedBuffer;
use klog_tracing::{KlogLayer, TracingSink};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Counts the events the subscriber dispatches.
#[derive(Clone, Default)]
struct Count(Arc<AtomicUsize>);

impl<S: Subscriber> Layer<S> for Count {
    fn on_event(&self, _: &Event<'_>, _: Context<'_, S>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Count {
    fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

#[test]
fn both_directions_at_once_do_not_loop() {
    let count = Count::default();
    let out = SharedBuffer::default();
    let text = klog::TextSink::builder()
        .writer(out.clone())
        .build_logger()
        .with_name("text");
    let subscriber = tracing_subscriber::registry()
        // The loop: tracing → klog → tracing → …
        .with(KlogLayer::new(TracingSink::new().logger()))
        // The intended path: tracing → klog text, once.
        .with(KlogLayer::new(text))
        .with(count.clone());
    tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");

    tracing::info!(attempt = 1, "from tracing");
    assert_eq!(
        count.get(),
        1,
        "the event is dispatched once, not re-emitted"
    );

    // A library logging through a TracingSink into the same subscriber: the event
    // reaches the first layer, whose TracingSink logger drops it instead of emitting it
    // again, and the second layer, which writes it.
    let library = TracingSink::new().logger().with_name("library");
    klog::info!(library, "from klog", attempt = 2);
    assert_eq!(count.get(), 2);

    let span = tracing::info_span!("reconcile", pod = "coredns");
    let entered = span.enter();
    tracing::warn!("inside a span");
    klog::error!(library, "error from klog");
    drop(entered);
    assert_eq!(count.get(), 4);

    // A record that came into klog from another framework (a slog drain, say) and goes
    // on to tracing through a TracingSink: tracing sees it once, and the klog text layer
    // writes it, though it crossed into klog twice.
    {
        let _from_slog =
            klog::bridge::enter(klog::bridge::Direction::IntoKlog).expect("not crossing yet");
        klog::info!(library, "from slog", attempt = 3);
    }
    assert_eq!(count.get(), 5, "a record from slog reaches tracing");

    let written = out.to_string();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 5, "{written}");
    assert!(lines[4].ends_with("] \"from slog\" logger=\"text.library\" attempt=3"));
    assert!(lines[0].ends_with("] \"from tracing\" logger=\"text\" attempt=1"));
    assert!(lines[1].ends_with("] \"from klog\" logger=\"text.library\" attempt=2"));
    assert!(lines[2].ends_with("] \"inside a span\" logger=\"text.reconcile\" pod=\"coredns\""));
    assert!(lines[3]
        .ends_with("] \"error from klog\" logger=\"text.reconcile.library\" pod=\"coredns\""));
}
