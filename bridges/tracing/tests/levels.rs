//! The level mapping table (the crate documentation's), checked through both bridges.

use std::sync::{Arc, Mutex};

use klog::Severity;
use klog_tracing::{KlogLayer, TracingSink};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

#[test]
fn tracing_levels_map_to_klog_severities_and_v_levels() {
    let logger = klog::testing::logger_with_verbosity(10);
    let subscriber = tracing_subscriber::registry().with(KlogLayer::new(logger.logger().clone()));
    tracing::subscriber::with_default(subscriber, || {
        tracing::error!("error");
        tracing::warn!("warn");
        tracing::info!("info");
        tracing::debug!("debug");
        tracing::trace!("trace");
        // A `v` field overrides the level's V level, except for errors.
        tracing::info!(v = 2, "info v=2");
        tracing::debug!(v = 1, "debug v=1");
        tracing::trace!(v = 9, "trace v=9");
        tracing::warn!(v = 3, "warn v=3");
        tracing::error!(v = 3, "error v=3");
        tracing::info!(v = -1, "info v=-1");
    });
    let got: Vec<(String, Severity, i32)> = logger
        .entries()
        .into_iter()
        .map(|e| (e.message, e.severity, e.verbosity))
        .collect();
    let want = [
        ("error", Severity::Error, 0),
        ("warn", Severity::Warning, 0),
        ("info", Severity::Info, 0),
        ("debug", Severity::Info, 4),
        ("trace", Severity::Info, 5),
        ("info v=2", Severity::Info, 2),
        ("debug v=1", Severity::Info, 1),
        ("trace v=9", Severity::Info, 9),
        ("warn v=3", Severity::Warning, 3),
        ("error v=3", Severity::Error, 0),
        ("info v=-1", Severity::Info, 0),
    ];
    let want: Vec<(String, Severity, i32)> =
        want.iter().map(|&(m, s, v)| (m.to_owned(), s, v)).collect();
    assert_eq!(got, want);
    // The `v` field is the level, not a key/value.
    assert!(logger.entries().iter().all(|e| e.call.is_empty()));
}

/// An event's level and `v` field.
type Seen = (Level, Option<i64>);

/// Records each event's level and `v` field.
#[derive(Clone, Default)]
struct Levels(Arc<Mutex<Vec<Seen>>>);

struct VField(Option<i64>);

impl Visit for VField {
    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
    fn record_i64(&mut self, field: &Field, value: i64) {
        if field.name() == "v" {
            self.0 = Some(value);
        }
    }
}

impl<S: Subscriber> Layer<S> for Levels {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut v = VField(None);
        event.record(&mut v);
        self.0
            .lock()
            .unwrap()
            .push((*event.metadata().level(), v.0));
    }
}

impl Levels {
    /// Runs `f` under a subscriber that records into `self` what `filter` lets through.
    fn watch(&self, filter: tracing_subscriber::filter::LevelFilter, f: impl FnOnce()) {
        let subscriber = tracing_subscriber::registry()
            .with(self.clone())
            .with(filter);
        tracing::subscriber::with_default(subscriber, f);
    }
}

#[test]
fn klog_records_map_back_to_tracing_levels() {
    let levels = Levels::default();
    let logger = TracingSink::new().logger();
    levels.watch(tracing_subscriber::filter::LevelFilter::TRACE, || {
        let err = std::io::Error::other("boom");
        klog::error!(logger, err: &err, "error");
        klog::warning!(logger, "warning");
        klog::warning!(v: 2, logger, "warning v2");
        for v in [0, 1, 3, 4, 5, 7] {
            klog::info!(v: v, logger, "info");
        }
        // A logger's offset counts: V1 + 3 is V4.
        klog::info!(v: 3, logger.v(1), "info");
    });
    assert_eq!(
        *levels.0.lock().unwrap(),
        [
            (Level::ERROR, None),
            (Level::WARN, None),
            (Level::WARN, Some(2)),
            (Level::INFO, None),
            (Level::DEBUG, Some(1)),
            (Level::DEBUG, Some(3)),
            (Level::DEBUG, None),
            (Level::TRACE, None),
            (Level::TRACE, Some(7)),
            (Level::DEBUG, None),
        ]
    );
}

#[test]
fn the_tracing_subscribers_filter_decides_for_a_tracing_sink() {
    let levels = Levels::default();
    let logger = TracingSink::new().logger();
    levels.watch(tracing_subscriber::filter::LevelFilter::INFO, || {
        klog::info!(logger, "shown");
        klog::info!(v: 1, logger, "hidden");
        klog::warning!(logger, "shown");
    });
    assert_eq!(
        *levels.0.lock().unwrap(),
        [(Level::INFO, None), (Level::WARN, None)]
    );
}

// === the kit's table ===

fn kit_level(level: Level) -> klog::bridge::Level {
    use klog::bridge::Level as Kit;
    [Kit::Error, Kit::Warn, Kit::Info, Kit::Debug, Kit::Trace]
        .into_iter()
        .find(|kit| kit.name() == level.as_str())
        .expect("one of tracing's five levels")
}

#[test]
fn klog_records_reach_tracing_at_the_kits_levels() {
    let levels = Levels::default();
    let logger = TracingSink::new().logger();
    levels.watch(tracing_subscriber::filter::LevelFilter::TRACE, || {
        klog_bridge_test_support::assert_out_of_klog(|severity, v| {
            logger.log(&klog::Record::new(severity, "m", &[]).with_verbosity(v));
            let (level, v) = levels.0.lock().unwrap().pop().expect("emitted");
            (kit_level(level), v)
        });
    });
}

#[test]
fn tracing_events_reach_klog_at_the_kits_levels() {
    let logger = klog::testing::logger_with_verbosity(10);
    let subscriber = tracing_subscriber::registry().with(KlogLayer::new(logger.logger().clone()));
    tracing::subscriber::with_default(subscriber, || {
        klog_bridge_test_support::assert_into_klog(|level, v| {
            use klog::bridge::Level as Kit;
            match (level, v) {
                (Kit::Error, _) => tracing::error!("m"),
                (Kit::Warn, None) => tracing::warn!("m"),
                (Kit::Warn, Some(v)) => tracing::warn!(v, "m"),
                (Kit::Info, None) => tracing::info!("m"),
                (Kit::Info, Some(v)) => tracing::info!(v, "m"),
                (Kit::Debug, None) => tracing::debug!("m"),
                (Kit::Debug, Some(v)) => tracing::debug!(v, "m"),
                (Kit::Trace, None) => tracing::trace!("m"),
                (Kit::Trace, Some(v)) => tracing::trace!(v, "m"),
            }
            let entry = logger.entries().pop().expect("written");
            (entry.severity, entry.verbosity)
        });
    });
}
