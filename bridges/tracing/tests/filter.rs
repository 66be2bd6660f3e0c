//! The layer honours klog's `-v` and `-vmodule` (by the event's file and module path)
//! and tells tracing, so disabled events are rejected before their fields are evaluated.
//!
//! One test: it changes the global `-v` and `-vmodule`.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use klog::SharedBuffer;
use klog_tracing::{KlogFilter, KlogLayer};
use tracing::level_filters::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::Layer as _;

/// Counts how often it is formatted.
struct Costly<'a>(&'a AtomicUsize);

impl fmt::Display for Costly<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fetch_add(1, Ordering::SeqCst);
        f.write_str("costly")
    }
}

mod reconciler {
    pub(crate) fn trace() {
        tracing::trace!("reconciler trace");
    }
}

/// The messages written.
fn messages(out: &SharedBuffer) -> Vec<String> {
    let text = out.take();
    String::from_utf8(text)
        .unwrap()
        .lines()
        .map(|l| l.split('"').nth(1).unwrap_or_default().to_owned())
        .collect()
}

fn emit_all(formatted: &AtomicUsize) {
    tracing::info!("info");
    tracing::debug!(value = %Costly(formatted), "debug");
    tracing::trace!("trace");
    tracing::info!(v = 2, "info v=2");
    reconciler::trace();
    tracing::error!("error");
}

#[test]
fn v_and_vmodule_filter_events_and_level_hints() {
    let out = SharedBuffer::default();
    let logger = klog::TextSink::builder().writer(out.clone()).build_logger();
    let fmt_out = SharedBuffer::default();
    let fmt_writer = fmt_out.clone();
    let layer = KlogLayer::new(logger);
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .without_time()
                .with_writer(move || fmt_writer.clone())
                .with_filter(layer.filter()),
        )
        .with(layer);
    let dispatch = tracing::Dispatch::new(subscriber);
    let formatted = AtomicUsize::new(0);

    tracing::dispatcher::with_default(&dispatch, || {
        // -v=0: INFO is the most verbose level tracing lets through.
        assert_eq!(LevelFilter::current(), LevelFilter::INFO);
        emit_all(&formatted);
        assert_eq!(messages(&out), ["info", "error"].map(String::from));
        assert_eq!(
            formatted.load(Ordering::SeqCst),
            0,
            "disabled fields are not evaluated"
        );
        // The per-layer KlogFilter lets the fmt layer see the same events (`v` is
        // decided per event by the KlogLayer only: the filter lets it through).
        let fmt_text = fmt_out.to_string();
        assert_eq!(fmt_text.lines().count(), 3, "{fmt_text}");

        // -v=4: DEBUG.
        klog_tracing::set_verbosity(4);
        assert_eq!(LevelFilter::current(), LevelFilter::DEBUG);
        emit_all(&formatted);
        assert_eq!(
            messages(&out),
            ["info", "debug", "info v=2", "error"].map(String::from)
        );
        // Formatted once by the klog layer, once by the fmt layer.
        assert_eq!(formatted.load(Ordering::SeqCst), 2);

        // -v=1: `info!(v = 2)` is decided per event.
        klog_tracing::set_verbosity(1);
        assert_eq!(LevelFilter::current(), LevelFilter::INFO);
        emit_all(&formatted);
        assert_eq!(messages(&out), ["info", "error"].map(String::from));

        // -v=0 -vmodule by module path: the reconciler module's TRACE only.
        klog_tracing::set_verbosity(0);
        klog_tracing::set_vmodule("filter::reconciler=5".parse().unwrap());
        assert_eq!(LevelFilter::current(), LevelFilter::TRACE);
        emit_all(&formatted);
        assert_eq!(
            messages(&out),
            ["info", "reconciler trace", "error"].map(String::from)
        );
        assert_eq!(formatted.load(Ordering::SeqCst), 2);

        // -vmodule by file: this file up to V4.
        klog_tracing::set_vmodule("filter=4".parse().unwrap());
        assert_eq!(LevelFilter::current(), LevelFilter::DEBUG);
        emit_all(&formatted);
        assert_eq!(
            messages(&out),
            ["info", "debug", "info v=2", "error"].map(String::from)
        );

        // A non-matching -vmodule changes nothing.
        klog_tracing::set_vmodule("nomatch=5".parse().unwrap());
        emit_all(&formatted);
        assert_eq!(messages(&out), ["info", "error"].map(String::from));

        // Cleared: back to -v=0, and tracing's hint back to INFO.
        klog_tracing::set_vmodule(klog::VModule::default());
        assert_eq!(LevelFilter::current(), LevelFilter::INFO);
        emit_all(&formatted);
        assert_eq!(messages(&out), ["info", "error"].map(String::from));
    });

    // tracing's maximum level is the most verbose of all live subscribers' hints.
    drop(dispatch);

    // A logger with its own offset: `base.v(3)` writes info only at -v=3.
    let out = SharedBuffer::default();
    let logger = klog::TextSink::builder()
        .writer(out.clone())
        .build_logger()
        .v(3);
    let subscriber = tracing_subscriber::registry().with(KlogFilter::new(logger.clone()));
    let subscriber = subscriber.with(KlogLayer::new(logger));
    tracing::subscriber::with_default(subscriber, || {
        assert_eq!(LevelFilter::current(), LevelFilter::ERROR);
        emit_all(&formatted);
        assert_eq!(messages(&out), ["error"].map(String::from));
    });

    // Wrapped in its own filter, the layer filters only itself: another layer still sees
    // the debug event klog does not write.
    let out = SharedBuffer::default();
    let layer = KlogLayer::new(klog::TextSink::builder().writer(out.clone()).build_logger());
    let seen = SharedBuffer::default();
    let seen_writer = seen.clone();
    let subscriber = tracing_subscriber::registry()
        .with(layer.clone().with_filter(layer.filter()))
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .without_time()
                .with_writer(move || seen_writer.clone()),
        );
    tracing::subscriber::with_default(subscriber, || {
        tracing::debug!("debug");
        tracing::info!("info");
    });
    assert_eq!(messages(&out), ["info"].map(String::from));
    assert_eq!(seen.to_string().lines().count(), 2, "{seen}");
}
