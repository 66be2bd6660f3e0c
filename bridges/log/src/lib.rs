//! `log` bridges for [klog]: a [`log::Log`] backend that writes `log` records as
//! klog output and keeps their key/values ([`KlogLog`], installed with [`init`]), and a
//! klog [`Sink`](klog::Sink) that forwards klog records to the `log` facade
//! ([`LogSink`]).
//!
//! # log → klog
//! ```
//! klog_log::init(klog::background(), None).expect("no other log backend");
//! log::info!(pod = "kube-system/coredns", attempt = 3; "Pod status updated");
//! let err = std::io::Error::other("connection refused");
//! log::error!(err:err = err, key = "kube-system/coredns"; "Failed to sync");
//! ```
//! writes what the equivalent klog calls write, byte for byte:
//! ```text
//! I1128 04:46:38.123456   12345 main.rs:2] "Pod status updated" pod="kube-system/coredns" attempt=3
//! E1128 04:46:38.123500   12345 main.rs:4] "Failed to sync" err="connection refused" key="kube-system/coredns"
//! ```
//! Unlike the bridges that go through `tracing-log`, the key/values are kept.
//!
//! # klog → log
//! ```
//! let logger = klog_log::LogSink::new().into_logger().with_name("controller");
//! klog::info!(logger, "Pod status updated", attempt = 3);
//! ```
//!
//! # Levels
//! klog's one table for every bridge ([`klog::bridge::Level`], `docs/format.md` §5.7):
//! `log`'s `Info` is klog V0, `Debug` V4 and `Trace` V5, `Warn` a warning and `Error` an
//! error; the other way, klog V0 is `Info`, V1–V4 `Debug` and V5 and up `Trace`. A `v`
//! key carries the V level where the `log` level does not say it, and overrides the
//! level implied by the `log` level, in both directions. The tables are on [`KlogLog`]
//! and [`LogSink`].
//!
//! # What does not cross unchanged
//! `log` → [`KlogLog`] writes the bytes of the klog calls that mean the same (text and
//! JSON; `log` has no bound values, so its key/values are the call's). Going through
//! `log` and back (klog → [`LogSink`] → `log` → [`KlogLog`] → klog) writes the bytes klog
//! writes directly in text, except for:
//! - values `log` has no type for: object references, durations, times, lists of object
//!   references, byte slices, serde values and marshalers cross as strings. In text,
//!   object references, durations and times come back the same, while lists and JSON
//!   come back quoted;
//! - fatal records, which come back as error records (`E`), and unstructured records
//!   (klog's `Info(msg)`), which come back structured (`"msg"`, quoted);
//! - errors, which cross as the error (its text is the same; the JSON format's
//!   `errCauses` are kept only while the error is borrowed, not for bound errors).
//!
//! In JSON, bound values also come back as the call's (after `"v"` instead of before),
//! and object references as strings.
//!
//! `log`'s values have no 32-bit floats: a `log` call's `f32` is widened (`0.1f32` is
//! written `0.10000000149011612`, where klog writes `0.1`); klog's `f32` values cross as
//! the 64-bit float of their shortest decimal form, so they come back the same.
//!
//! # Loops
//! Both directions can be in use at once. A thread forwards at most one record in each
//! direction at a time: a record that reaches a [`LogSink`] while the thread is already
//! forwarding one to `log`, or a [`KlogLog`] while it is already forwarding one to klog,
//! is dropped. klog → log → klog (to another klog logger) works; a klog logger writing
//! to `log` whose backend writes back to the same klog logger writes a klog record twice
//! (when logged, and once after going round) and a `log` record once, instead of looping
//! until the stack overflows.
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod backend;
mod sink;

pub use backend::{init, max_level_for, KlogLog};
pub use sink::LogSink;

/// The README's code blocks, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
