//! Equivalence: what goes through a bridge is byte for byte what the direct call writes.
//!
//! tracing → klog: each tracing event goes through a [`KlogLayer`] into a klog sink; the
//! same event logged with klog's macros into a sink with the same clock and pid, and the
//! tracing event's file and line injected with `fixed_caller`, must write the same bytes,
//! in klog text and in JSON.
//!
//! klog → tracing: each klog call goes through a [`TracingSink`] into tracing-subscriber's
//! fmt subscriber, and must write what the same event logged with `tracing::event!`
//! writes; and through a `TracingSink` into a `KlogLayer` (the round trip), what the
//! direct klog call writes.

use std::error::Error;
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use klog::{KObj, KeyValue, Logger, SharedBuffer};
use klog_bridge_test_support::{Format, Pinned};
use klog_tracing::{KlogLayer, TracingSink};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// 2024-01-02 03:04:05.123456 UTC.
fn time() -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(1_704_164_645_123_456)
}

const PID: i64 = 12345;

/// A sink with the pinned clock and pid, at V5, caller pinned to `caller` if given.
fn sink(format: Format, out: &SharedBuffer, caller: Option<(&str, u32)>) -> Logger {
    Pinned {
        time: time(),
        pid: PID,
        verbosity: Some(5),
        caller: caller.map(|(file, line)| (file, i64::from(line))),
    }
    .logger(format, out)
}

/// Keeps the line of the last event: the caller to pin for the direct call.
#[derive(Clone, Default)]
struct LastLine(Arc<AtomicU32>);

impl<S: tracing::Subscriber> Layer<S> for LastLine {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        self.0
            .store(event.metadata().line().unwrap_or(0), Ordering::SeqCst);
    }
}

impl LastLine {
    fn get(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }
}

/// Runs `emit` under a registry with a [`KlogLayer`]; returns what the layer wrote and
/// the line of the (last) event.
fn through_layer(format: Format, emit: impl FnOnce()) -> (String, u32) {
    let out = SharedBuffer::default();
    let line = LastLine::default();
    let subscriber = tracing_subscriber::registry()
        .with(KlogLayer::new(sink(format, &out, None)))
        .with(line.clone());
    tracing::subscriber::with_default(subscriber, emit);
    (out.to_string(), line.get())
}

/// What `log` writes through a sink whose caller is this file at `line`.
fn direct(format: Format, line: u32, log: impl FnOnce(&Logger)) -> String {
    let out = SharedBuffer::default();
    log(&sink(format, &out, Some((file!(), line))));
    out.to_string()
}

/// Asserts that the tracing side and the klog side write the same non-empty bytes, in
/// text and JSON; returns the text.
fn assert_equivalent(emit: impl Fn(), log: impl Fn(&Logger)) -> String {
    let mut text = String::new();
    for format in [Format::Text, Format::Json] {
        let (bridged, line) = through_layer(format, &emit);
        let expected = direct(format, line, &log);
        assert!(
            !expected.is_empty(),
            "{format:?}: the direct call wrote nothing"
        );
        assert_eq!(bridged, expected, "{format:?}");
        if format == Format::Text {
            text = bridged;
        }
    }
    text
}

// === tracing → klog ===

#[test]
fn the_core_text_event() {
    let text = assert_equivalent(
        || {
            tracing::info!(pod = %KObj::new("kube-system", "coredns"), status = "ready",
                attempt = 3, latency_ms = 12.5, "Pod status updated")
        },
        |l| {
            klog::info!(l, "Pod status updated", pod = %KObj::new("kube-system", "coredns"),
                status = "ready", attempt = 3, latency_ms = 12.5);
        },
    );
    assert!(
        text.starts_with("I0102 03:04:05.123456   12345 equivalence.rs:"),
        "{text}"
    );
    assert!(text.ends_with(
        "] \"Pod status updated\" pod=\"kube-system/coredns\" status=\"ready\" attempt=3 latency_ms=12.5\n"
    ));
}

#[test]
fn numbers() {
    assert_equivalent(
        || {
            tracing::info!(
                neg = -7i64,
                big = u64::MAX,
                ratio = 0.1,
                huge = 1e21,
                tiny = 1.5e-7,
                whole = 3.0,
                ok = true,
                no = false,
                wide = i128::MIN,
                uwide = u128::MAX,
                "Numbers"
            )
        },
        |l| {
            klog::info!(
                l,
                "Numbers",
                neg = -7i64,
                big = u64::MAX,
                ratio = 0.1,
                huge = 1e21,
                tiny = 1.5e-7,
                whole = 3.0,
                ok = true,
                no = false,
                wide = i128::MIN,
                uwide = u128::MAX
            );
        },
    );
}

#[test]
fn strings() {
    let text = assert_equivalent(
        || {
            tracing::info!(
                quoted = "say \"hi\"\t",
                unicode = "héllo ✓",
                empty = "",
                config = "apiVersion: v1\nkind: Pod",
                "Strings \"quoted\""
            )
        },
        |l| {
            klog::info!(
                l,
                "Strings \"quoted\"",
                quoted = "say \"hi\"\t",
                unicode = "héllo ✓",
                empty = "",
                config = "apiVersion: v1\nkind: Pod"
            );
        },
    );
    assert!(
        text.contains("config=<\n\tapiVersion: v1\n\tkind: Pod\n >\n"),
        "{text}"
    );
}

#[derive(Debug)]
#[allow(dead_code)] // read through `Debug`
struct Phase {
    name: &'static str,
    ready: bool,
}

struct Node(&'static str);

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node/{}", self.0)
    }
}

#[test]
fn display_and_debug_values() {
    assert_equivalent(
        || {
            tracing::info!(
                node = %Node("worker-1"),
                phase = ?Phase { name: "Running", ready: true },
                ports = ?vec![80, 443],
                "Values"
            )
        },
        |l| {
            klog::info!(
                l,
                "Values",
                node = %Node("worker-1"),
                phase = ?Phase { name: "Running", ready: true },
                ports = ?vec![80, 443]
            );
        },
    );
}

#[test]
fn formatted_and_missing_messages() {
    assert_equivalent(
        || tracing::info!("Synced {} pods in {:?}", 3, Duration::from_millis(5)),
        |l| klog::info!(l, "Synced 3 pods in 5ms"),
    );
    assert_equivalent(
        || tracing::info!(shard = 7),
        |l| klog::info!(l, "", shard = 7),
    );
}

/// An error whose `Display` leaves out its source (the Rust convention), with an
/// alternate form that includes it.
#[derive(Debug)]
struct SyncError(std::io::Error);

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sync failed")?;
        if f.alternate() {
            write!(f, ": {}", self.0)?;
        }
        Ok(())
    }
}

impl Error for SyncError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

#[test]
fn errors() {
    let err = std::io::Error::other("connection refused");
    let text = assert_equivalent(
        || {
            tracing::error!(
                error = &err as &dyn Error,
                key = "kube-system/coredns",
                "Failed to sync"
            )
        },
        |l| klog::error!(l, err: &err, "Failed to sync", key = "kube-system/coredns"),
    );
    assert!(text.starts_with("E0102"), "{text}");
    assert!(text.ends_with(
        "] \"Failed to sync\" err=\"connection refused\" key=\"kube-system/coredns\"\n"
    ));

    // `error = %err`, the common tracing spelling, is the error too.
    assert_equivalent(
        || tracing::error!(error = %err, key = "kube-system/coredns", "Failed to sync"),
        |l| klog::error!(l, err: &err, "Failed to sync", key = "kube-system/coredns"),
    );

    // Sources and the alternate form: JSON's `errVerbose`.
    let wrapped = SyncError(std::io::Error::other("connection refused"));
    assert_equivalent(
        || tracing::error!(error = &wrapped as &dyn Error, "Failed to sync"),
        |l| klog::error!(l, err: &wrapped, "Failed to sync"),
    );

    // A second error-typed field is a key/value.
    let cause = std::io::Error::other("timeout");
    assert_equivalent(
        || {
            tracing::error!(
                error = &err as &dyn Error,
                cause = &cause as &dyn Error,
                "Failed to sync"
            )
        },
        |l| klog::error!(l, err: &err, "Failed to sync", cause = klog::Value::error(&cause)),
    );

    // An error without an error field.
    assert_equivalent(
        || tracing::error!(shard = 7, "Invariant violated"),
        |l| klog::error!(l, "Invariant violated", shard = 7),
    );
}

#[test]
fn warnings_and_v_levels() {
    assert_equivalent(
        || tracing::warn!(latency_ms = 250, "Slow response"),
        |l| klog::warning!(l, "Slow response", latency_ms = 250),
    );
    assert_equivalent(
        || tracing::debug!(attempt = 2, "Retrying"),
        |l| klog::info!(v: 4, l, "Retrying", attempt = 2),
    );
    assert_equivalent(
        || tracing::trace!(bytes = 512, "Request body"),
        |l| klog::info!(v: 5, l, "Request body", bytes = 512),
    );
    assert_equivalent(
        || tracing::info!(v = 2, pod = "coredns", "Syncing"),
        |l| klog::info!(v: 2, l, "Syncing", pod = "coredns"),
    );
    assert_equivalent(
        || tracing::warn!(v = 1, "Slow response"),
        |l| klog::warning!(v: 1, l, "Slow response"),
    );
}

#[test]
fn names_and_bound_values_from_spans() {
    let text = assert_equivalent(
        || {
            let controller = tracing::info_span!("controller");
            let _controller = controller.enter();
            let pods = tracing::info_span!("pods", node = "worker-1", shard = 7);
            let _pods = pods.enter();
            tracing::info!(pod = %KObj::new("kube-system", "coredns"), attempt = 3,
                "Pod status updated")
        },
        |l| {
            let l = l.with_name("controller").with_name("pods").with_values(&[
                KeyValue::new("node", "worker-1"),
                KeyValue::new("shard", &7),
            ]);
            klog::info!(l, "Pod status updated", pod = %KObj::new("kube-system", "coredns"),
                attempt = 3);
        },
    );
    assert!(text.ends_with(
        "] \"Pod status updated\" logger=\"controller.pods\" node=\"worker-1\" shard=7 \
         pod=\"kube-system/coredns\" attempt=3\n"
    ));

    // Fields recorded after the span was created, and an explicit parent.
    assert_equivalent(
        || {
            let sync =
                tracing::info_span!("sync", pod = "coredns", attempt = tracing::field::Empty);
            sync.record("attempt", 2);
            let child = tracing::info_span!(parent: &sync, "apply", dry_run = false);
            tracing::info!(parent: &child, "Applied")
        },
        |l| {
            let l = l
                .with_name("sync")
                .with_values(&[
                    KeyValue::new("pod", "coredns"),
                    KeyValue::new("attempt", &2),
                ])
                .with_name("apply")
                .with_values(&[KeyValue::new("dry_run", &false)]);
            klog::info!(l, "Applied");
        },
    );

    // A bound error and a bound Display value.
    let err = std::io::Error::other("stale cache");
    assert_equivalent(
        || {
            let span = tracing::info_span!(
                "cache",
                last_error = &err as &dyn Error,
                node = %Node("worker-1"),
            );
            let _entered = span.enter();
            tracing::info!("Resynced")
        },
        |l| {
            let l = l.with_name("cache").with_values(&[
                KeyValue::from_value("last_error", klog::Value::error(&err)),
                KeyValue::from_value("node", klog::Value::Display(&Node("worker-1"))),
            ]);
            klog::info!(l, "Resynced");
        },
    );
}

// === klog → tracing ===

/// A fmt subscriber (no ANSI, no time, TRACE) writing to `out`.
fn fmt_subscriber(out: &SharedBuffer) -> impl tracing::Subscriber + Send + Sync {
    let out = out.clone();
    tracing_subscriber::fmt()
        .with_ansi(false)
        .without_time()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || out.clone())
        .finish()
}

/// Asserts that `log` through a [`TracingSink`] and `emit` directly write the same
/// non-empty bytes through tracing-subscriber's fmt subscriber; returns them.
fn assert_fmt_equivalent(log: impl FnOnce(&Logger), emit: impl FnOnce()) -> String {
    let bridged = SharedBuffer::default();
    let logger = TracingSink::new().logger();
    tracing::subscriber::with_default(fmt_subscriber(&bridged), || log(&logger));
    let direct = SharedBuffer::default();
    tracing::subscriber::with_default(fmt_subscriber(&direct), emit);
    let (bridged, direct) = (bridged.to_string(), direct.to_string());
    assert!(!direct.is_empty());
    assert_eq!(bridged, direct);
    bridged
}

#[test]
fn klog_into_fmt() {
    let text = assert_fmt_equivalent(
        |l| {
            let l = l
                .with_name("controller")
                .with_values(&[KeyValue::new("node", "worker-1")]);
            klog::info!(l, "Pod status updated", pod = %KObj::new("kube-system", "coredns"),
                status = "ready", attempt = 3, latency_ms = 12.5);
        },
        || {
            tracing::info!(logger = "controller", node = "worker-1",
                pod = %KObj::new("kube-system", "coredns"), status = "ready", attempt = 3,
                latency_ms = 12.5, "Pod status updated");
        },
    );
    assert_eq!(
        text,
        " INFO equivalence: Pod status updated logger=\"controller\" node=\"worker-1\" \
         pod=kube-system/coredns status=\"ready\" attempt=3 latency_ms=12.5\n"
    );

    let err = std::io::Error::other("connection refused");
    assert_fmt_equivalent(
        |l| klog::error!(l, err: &err, "Failed to sync", key = "kube-system/coredns"),
        || {
            tracing::error!(
                error = &err as &dyn Error,
                key = "kube-system/coredns",
                "Failed to sync"
            );
        },
    );
    assert_fmt_equivalent(
        |l| klog::warning!(l, "Slow response", latency_ms = 250),
        || tracing::warn!(latency_ms = 250, "Slow response"),
    );
    assert_fmt_equivalent(
        |l| klog::info!(v: 2, l, "Syncing", ok = true, big = u64::MAX, neg = -1),
        || tracing::debug!(v = 2, ok = true, big = u64::MAX, neg = -1, "Syncing"),
    );
    assert_fmt_equivalent(
        |l| klog::info!(v: 4, l, "Retrying"),
        || tracing::debug!("Retrying"),
    );
    assert_fmt_equivalent(
        |l| klog::info!(v: 7, l, "Dump", phase = ?Phase { name: "Running", ready: true }),
        || tracing::trace!(v = 7, phase = ?Phase { name: "Running", ready: true }, "Dump"),
    );
    // Inside the application's span: the event is the span's child.
    assert_fmt_equivalent(
        |l| {
            let span = tracing::info_span!("reconcile", pod = "coredns");
            let _entered = span.enter();
            klog::info!(l, "Synced");
        },
        || {
            let span = tracing::info_span!("reconcile", pod = "coredns");
            let _entered = span.enter();
            tracing::info!("Synced");
        },
    );
}

/// A klog call through a [`TracingSink`] into a [`KlogLayer`] text sink writes what the
/// direct klog call writes (the names and bound values arrive as the event's first
/// fields, which klog's text format writes in the same place).
fn assert_round_trip(log: impl Fn(&Logger)) -> String {
    let out = SharedBuffer::default();
    let line = LastLine::default();
    let subscriber = tracing_subscriber::registry()
        .with(KlogLayer::new(sink(Format::Text, &out, None)))
        .with(line.clone());
    let logger = TracingSink::new().logger();
    tracing::subscriber::with_default(subscriber, || log(&logger));
    let expected = direct(Format::Text, line.get(), log);
    let bridged = out.to_string();
    assert!(!expected.is_empty());
    assert_eq!(bridged, expected);
    bridged
}

#[test]
fn klog_round_trip() {
    let text = assert_round_trip(|l| {
        let l = l.with_name("controller").with_name("pods").with_values(&[
            KeyValue::new("node", "worker-1"),
            KeyValue::new("shard", &7),
        ]);
        klog::info!(l, "Pod status updated", pod = %KObj::new("kube-system", "coredns"),
            status = "ready", attempt = 3, latency_ms = 12.5)
    });
    assert!(text.ends_with(
        "] \"Pod status updated\" logger=\"controller.pods\" node=\"worker-1\" shard=7 \
         pod=\"kube-system/coredns\" status=\"ready\" attempt=3 latency_ms=12.5\n"
    ));
    let err = std::io::Error::other("connection refused");
    assert_round_trip(|l| {
        let l = l.with_name("controller");
        klog::error!(l, err: &err, "Failed to sync", key = "kube-system/coredns")
    });
    assert_round_trip(|l| klog::warning!(l, "Slow response", latency_ms = 250));
    for v in [1, 2, 4, 5] {
        assert_round_trip(|l| klog::info!(v: v, l, "Syncing", v_level = v));
    }
}
