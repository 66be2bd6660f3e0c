//! slog bridges for [klog]: a [`slog::Drain`] that writes slog records as klog
//! output ([`KlogDrain`]), and a klog [`Sink`](klog::Sink) that forwards klog records to
//! a [`slog::Logger`] ([`SlogSink`]).
//!
//! # slog → klog
//! ```
//! use slog::{error, info, o};
//!
//! let logger = klog::TextSink::builder().writer(std::io::sink()).build_logger();
//! let log = slog::Logger::root(klog_slog::KlogDrain::new(logger), o!("node" => "worker-1"));
//! info!(log, "Pod status updated"; "pod" => "kube-system/coredns", "attempt" => 3);
//! let err = std::io::Error::other("connection refused");
//! error!(log, "Failed to sync"; "err" => #err, "key" => "kube-system/coredns");
//! ```
//! writes what the equivalent klog calls write, byte for byte:
//! ```text
//! I1128 04:46:38.123456   12345 main.rs:5] "Pod status updated" node="worker-1" pod="kube-system/coredns" attempt=3
//! E1128 04:46:38.123500   12345 main.rs:7] "Failed to sync" err="connection refused" node="worker-1" key="kube-system/coredns"
//! ```
//!
//! # klog → slog
//! ```
//! let slog_logger = slog::Logger::root(slog::Discard, slog::o!());
//! let logger = klog_slog::SlogSink::new(slog_logger).into_logger().with_name("controller");
//! klog::info!(logger, "Pod status updated", attempt = 3);
//! ```
//!
//! # Levels
//! klog's one table for every bridge ([`klog::bridge::Level`], `docs/format.md` §5.7):
//! slog's `Info` is klog V0, `Debug` V4 and `Trace` V5, `Warning` a warning, `Error` and
//! `Critical` errors; the other way, klog V0 is `Info`, V1–V4 `Debug` and V5 and up
//! `Trace`. A `v` key carries the V level where the slog level does not say it, and
//! overrides the level implied by the slog level, in both directions. The tables are on
//! [`KlogDrain`] and [`SlogSink`].
//!
//! # What does not cross unchanged
//! slog → [`KlogDrain`] writes the bytes of the klog calls that mean the same (text and
//! JSON). Going through slog and back (klog → [`SlogSink`] → slog → [`KlogDrain`] →
//! klog) writes the bytes klog writes directly, except for:
//! - values slog has no type for: object references, durations, times, lists of object
//!   references, byte slices, serde values and marshalers cross as strings. In text,
//!   object references, durations and times come back the same, while lists and JSON
//!   come back quoted; in JSON, all of them come back as strings;
//! - fatal records, which come back as error records (`E`), and unstructured records
//!   (klog's `Info(msg)`), which come back structured (`"msg"`, quoted);
//! - errors, which cross as their text (the JSON format's `errCauses` is lost).
//!
//! # Loops
//! Both directions can be in use at once. A thread forwards at most one record in each
//! direction at a time: a record that reaches a [`SlogSink`] while the thread is already
//! forwarding one to slog, or a [`KlogDrain`] while it is already forwarding one to klog,
//! is dropped. klog → slog → klog (to another klog logger) works; a klog logger writing
//! to slog whose drain writes back to the same klog logger writes a klog record twice
//! (when logged, and once after going round) and a slog record once, instead of looping
//! until the stack overflows. A record logged through the same direction while a
//! record's values are being written there (a `Display` that logs) is dropped too.
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod drain;
mod sink;

pub use drain::KlogDrain;
pub use sink::SlogSink;

/// The README's code blocks, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
