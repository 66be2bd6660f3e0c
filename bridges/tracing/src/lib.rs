//! Bridges between [klog-rs](klog) and [`tracing`], in both directions.
//!
//! - [`KlogLayer`]: a [`tracing_subscriber::Layer`] that writes tracing events through a
//!   [`klog::Logger`], so an application instrumented with `tracing` writes klog text or
//!   Kubernetes JSON with klog's outputs, `-v` and `-vmodule`. Span names become the
//!   `logger` name chain, span fields become bound key/values (flattened into the text
//!   line, into the JSON root object), rendered once when the span is created.
//! - [`TracingSink`]: a [`klog::Sink`] that emits klog records as tracing events, so a
//!   library that takes a [`klog::Logger`] logs into the application's tracing
//!   subscriber.
//!
//! klog's one loop guard ([`klog::bridge::enter`]) keeps the two from looping when both
//! are in use: a record that reaches a `TracingSink` while this thread is already inside
//! a bridge (any klog bridge, either direction) is dropped.
//!
//! ```
//! use std::time::UNIX_EPOCH;
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let out = klog::SharedBuffer::default();
//! let logger = klog::TextSink::builder()
//!     .writer(out.clone())
//!     .fixed_time(UNIX_EPOCH)
//!     .time_zone(klog::TimeZone::Utc)
//!     .pid(1)
//!     .fixed_caller(Some("src/controller.rs"), 7)
//!     .build_logger();
//! let subscriber = tracing_subscriber::registry().with(klog_tracing::KlogLayer::new(logger));
//!
//! tracing::subscriber::with_default(subscriber, || {
//!     let reconcile = tracing::info_span!(
//!         "reconciling object",
//!         "object.ref" = "Pod.v1./coredns.kube-system",
//!         object.reason = "object updated",
//!     );
//!     let _entered = reconcile.enter();
//!     let err = std::io::Error::other("connection refused");
//!     tracing::error!(error = &err as &dyn std::error::Error, attempt = 3, "Failed to sync");
//! });
//! assert_eq!(
//!     out.to_string(),
//!     "E0101 00:00:00.000000       1 controller.rs:7] \"Failed to sync\" err=\"connection refused\" \
//!      logger=\"reconciling object\" object.ref=\"Pod.v1./coredns.kube-system\" \
//!      object.reason=\"object updated\" attempt=3\n"
//! );
//! ```
//!
//! # Level mapping
//! klog's one table for every bridge ([`klog::bridge::Level`], `docs/format.md` §5.7):
//!
//! | tracing | klog | klog → tracing |
//! | --- | --- | --- |
//! | `ERROR` | error severity (`E`) | error and fatal → `ERROR` |
//! | `WARN` | warning severity (`W`), V0 | warning → `WARN` |
//! | `INFO` | info, V0 | V0 → `INFO` |
//! | `DEBUG` | info, V4 | V1–V4 → `DEBUG` |
//! | `TRACE` | info, V5 | V5 and up → `TRACE` |
//!
//! An integer `v` field on a tracing event overrides the V level (`info!(v = 2, …)` is a
//! V2 info record); it is ignored on errors, which klog writes whatever the verbosity.
//! The other way, a [`TracingSink`] event carries a `v` field whenever its level alone
//! does not say the V level (V1–V3, V6 and up, warnings logged at a V level), so a
//! record that goes through both bridges keeps its V level. See [`klog_level`] and
//! [`tracing_level`].
//!
//! Since tracing filters by level before a `v` field is read, a `v` field takes effect
//! within the level's range: use `info!(v = n, …)` for V levels that `-v` may enable.
//!
//! # Filtering
//! [`KlogLayer`] decides as klog does: an event is written iff its V level (plus the
//! logger's offset) is at most `-v`, or at most the `-vmodule` level of its file or
//! module path, or the sink's own threshold. It tells tracing so when call sites are
//! registered (per call site, so `-vmodule` costs nothing per event) and through its
//! maximum level hint, so a disabled `tracing::debug!` at `-v=0` is rejected by the
//! macro's level check, as with tracing-subscriber's `LevelFilter`. Those decisions are
//! cached by tracing; every change of klog's `-v` or `-vmodule` (`klog::init`,
//! `klog::set_verbosity`, `klog::set_vmodule`, or this crate's [`set_verbosity`] and
//! [`set_vmodule`]) rebuilds tracing's caches once a [`KlogLayer`] or [`KlogFilter`]
//! exists, so the subscriber can be installed before or after `klog::init`.
//! [`KlogFilter`] is the same filter on its own, for other layers.
//!
//! The maximum level hint reads klog's public thresholds: the global `-v` and
//! `-vmodule`, and the sink's own `-v` (probed with `Logger::v(n).enabled()`). A sink's
//! own `-vmodule` (the builders' `vmodule`) is honoured per call site and per event, but
//! cannot raise the hint: levels above the rest are rejected by tracing's macros.
//!
//! # Values
//! tracing lends each field value only for one visitor call, so the layer copies what it
//! needs into per-thread buffers (no allocation once warm): strings, numbers and
//! booleans keep their klog type; `%display` and `?debug` values are rendered to text
//! (written like klog's `Display`/`Debug` values); errors are copied with their sources.
//!
//! # Reserved names
//! On events, these fields are not key/values: `message` (the message), `error` (the
//! error, `err` in klog, when no error-typed field precedes it), an integer `v` (the V
//! level) and `logger` (a name appended to the logger's name for this event, as
//! [`TracingSink`] emits it: a library's `logger="library"` inside the application's
//! `controller` span is written `logger="controller.library"`). On spans every field is
//! a bound key/value.
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod layer;
mod sink;

pub use layer::{KlogFilter, KlogLayer};
pub use sink::{TracingSink, DEFAULT_MAX_VERBOSITY};

use klog::bridge;
use klog::Severity;
use tracing::Level;

/// The klog severity and V level of a tracing level (see [Level mapping](crate#level-mapping)).
///
/// ```
/// use klog::Severity;
/// use tracing::Level;
/// assert_eq!(klog_tracing::klog_level(Level::ERROR), (Severity::Error, 0));
/// assert_eq!(klog_tracing::klog_level(Level::WARN), (Severity::Warning, 0));
/// assert_eq!(klog_tracing::klog_level(Level::INFO), (Severity::Info, 0));
/// assert_eq!(klog_tracing::klog_level(Level::DEBUG), (Severity::Info, 4));
/// assert_eq!(klog_tracing::klog_level(Level::TRACE), (Severity::Info, 5));
/// ```
#[must_use]
pub fn klog_level(level: Level) -> (Severity, i32) {
    let level = if level == Level::ERROR {
        bridge::Level::Error
    } else if level == Level::WARN {
        bridge::Level::Warn
    } else if level == Level::INFO {
        bridge::Level::Info
    } else if level == Level::DEBUG {
        bridge::Level::Debug
    } else {
        bridge::Level::Trace
    };
    level.to_klog()
}

/// The tracing level of a klog record (see [Level mapping](crate#level-mapping)).
///
/// ```
/// use klog::Severity;
/// use tracing::Level;
/// assert_eq!(klog_tracing::tracing_level(Severity::Fatal, 0), Level::ERROR);
/// assert_eq!(klog_tracing::tracing_level(Severity::Error, 0), Level::ERROR);
/// assert_eq!(klog_tracing::tracing_level(Severity::Warning, 3), Level::WARN);
/// assert_eq!(klog_tracing::tracing_level(Severity::Info, 0), Level::INFO);
/// assert_eq!(klog_tracing::tracing_level(Severity::Info, 1), Level::DEBUG);
/// assert_eq!(klog_tracing::tracing_level(Severity::Info, 4), Level::DEBUG);
/// assert_eq!(klog_tracing::tracing_level(Severity::Info, 5), Level::TRACE);
/// assert_eq!(klog_tracing::tracing_level(Severity::Info, 10), Level::TRACE);
/// ```
#[must_use]
pub fn tracing_level(severity: Severity, verbosity: i32) -> Level {
    match bridge::Level::from_klog(severity, verbosity) {
        bridge::Level::Error => Level::ERROR,
        bridge::Level::Warn => Level::WARN,
        bridge::Level::Info => Level::INFO,
        bridge::Level::Debug => Level::DEBUG,
        bridge::Level::Trace => Level::TRACE,
    }
}

/// Sets klog's global `-v` ([`klog::set_verbosity`]) and rebuilds tracing's per-call-site
/// filter caches, so [`KlogLayer`] and [`KlogFilter`] decide by the new value. Once a
/// layer or filter exists, `klog::set_verbosity` does the same.
///
/// ```
/// klog_tracing::set_verbosity(4); // tracing::debug! is now written
/// assert_eq!(klog::verbosity(), 4);
/// # klog_tracing::set_verbosity(0);
/// ```
pub fn set_verbosity(v: i32) {
    follow_klog_settings();
    klog::set_verbosity(v);
}

/// Sets (or with an empty value, clears) klog's global `-vmodule` ([`klog::set_vmodule`])
/// and rebuilds tracing's per-call-site filter caches (as `klog::set_vmodule` does once a
/// layer or filter exists). Patterns match the event's file
/// (as `file!()` gives it) and module path.
///
/// ```
/// klog_tracing::set_vmodule("reconciler=4".parse().unwrap());
/// assert!(klog::vmodule().is_some());
/// # klog_tracing::set_vmodule(klog::VModule::default());
/// ```
pub fn set_vmodule(vmodule: klog::VModule) {
    follow_klog_settings();
    klog::set_vmodule(vmodule);
}

/// Makes every later change of klog's `-v` and `-vmodule` (also by `klog::init`) rebuild
/// tracing's interest caches; done once per process, by the first layer or filter.
pub(crate) fn follow_klog_settings() {
    static REGISTER: std::sync::Once = std::sync::Once::new();
    REGISTER.call_once(|| {
        klog::bridge::on_verbosity_change(tracing_core::callsite::rebuild_interest_cache);
    });
}

/// The README's code blocks, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
