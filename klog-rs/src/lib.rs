//! Kubernetes-compatible contextual structured logging for Rust.
//!
//! klog-rs writes the exact bytes Go's [klog](https://github.com/kubernetes/klog) writes,
//! so a Rust controller's logs look and are operated like a Go component's, and it
//! follows the contextual logging model of KEP-3077: a [`Logger`] is a value handed down
//! the call chain, and whoever hands it down controls its names, key/values and
//! verbosity.
//!
//! # Quick start
//! ```
//! use klog::{info, error, KObj};
//!
//! let logger = klog::background().with_name("controller");
//! info!(logger, "Pod status updated", pod = KObj::new("kube-system", "coredns"), attempt = 3);
//! let err = std::io::Error::other("connection refused");
//! error!(logger, err: &err, "Failed to sync", key = "kube-system/coredns");
//! ```
//! writes (to stderr):
//! ```text
//! I1128 04:46:38.123456   12345 main.rs:5] "Pod status updated" logger="controller" pod="kube-system/coredns" attempt=3
//! E1128 04:46:38.123500   12345 main.rs:7] "Failed to sync" err="connection refused" logger="controller" key="kube-system/coredns"
//! ```
//!
//! # Install
//! The package is `klog-rs`; its library is `klog`:
//! ```toml
//! [dependencies]
//! klog-rs = "0.1"                                       # or, for LoggingFlags:
//! # klog-rs = { version = "0.1", features = ["clap"] }
//! ```
//!
//! # Entry points
//! Every item the crate root re-exports, by job:
//!
//! Logging:
//! - [`Logger`]: the value handed down the call chain ([`with_name`](Logger::with_name),
//!   [`with_values`](Logger::with_values), [`v`](Logger::v)); `Logger::default()` discards.
//! - [`info!`], [`warning!`], [`error!`], [`fatal!`], [`enabled!`], [`with_values!`]: the
//!   macros, with `tracing`-like key/values (`key = value`, `%display`, `?debug`).
//! - [`Value`], [`ToValue`], [`KeyValue`]: key/values. [`KObj`], [`KRef`], [`KMetadata`],
//!   [`KObjSlice`], [`KObjItem`] and [`ObjectList`] for Kubernetes objects; [`Marshaler`]
//!   for custom representations; [`ErrorCauses`] for an error's chain; [`ValueList`],
//!   [`ValueMap`], [`MapKey`] and [`ToMapKey`] for lists and maps; [`Serde`], [`Format`],
//!   [`JsonString`] and [`SerdeValue`] for serde values (feature `serde`).
//!
//! Sinks and outputs:
//! - [`TextSink`]: klog text; [`JsonSink`]: Kubernetes JSON (`--logging-format=json`);
//!   both built with a [`SinkBuilder`] ([`TextSinkBuilder`], [`JsonSinkBuilder`]; the
//!   [`TextFormat`] and [`JsonFormat`] markers) that writes to stderr or any `Write`;
//!   [`TimeZone`]: header times and log file names in the local zone (Go's `time.Local`,
//!   the default) or UTC.
//! - [`Sink`]: the trait a logger writes through, for sinks of your own; [`Record`],
//!   [`RecordKind`], [`Severity`] (with [`ParseSeverityError`]) and [`Callsite`] describe
//!   one log call.
//! - [`output_stats`] ([`OutputStats`], [`DestinationStats`]): records written, lost and
//!   waiting, bytes, failed writes and failure episodes per destination; [`flush`] and
//!   [`flush_and_exit`]; [`flush_on_signals`] (feature `signals`): buffered records
//!   written out at SIGTERM and SIGINT; [`SharedBuffer`]: an in-memory writer for tests.
//!
//! Process-wide setup, as a Kubernetes component does it:
//! - [`init`] and [`init_with`]: apply a [`LoggingConfiguration`] (component-base's
//!   schema, from YAML or JSON: [`FormatOptions`], [`OutputRoutingOptions`],
//!   [`VModuleItem`], [`GoDuration`], [`Quantity`], [`ConfigError`]) and [`KlogFlags`]
//!   (klog's own flags), install the process-wide logger and return the [`FlushGuard`]
//!   (or an [`InitError`]); [`logger_from_config`] builds the logger without installing it.
//! - [`LoggingFlags`] (feature `clap`): `-v`, `--vmodule`, `--logging-format` and klog's
//!   flags for a clap parser; [`normalize_go_flags`] accepts Go's `-flag` spellings;
//!   [`init_from_args`], [`try_init_from`] and [`LoggingCli`] do parse-and-init in one
//!   call ([`StartupError`]).
//! - [`background`]: the process-wide logger; [`set_logger`] ([`SetLoggerError`]):
//!   replace it; [`set_verbosity`]/[`verbosity()`] and [`set_vmodule`]/[`vmodule()`]: the
//!   global `-v` and `-vmodule` ([`VModule`], [`VModuleMode`] and [`ParseVModuleError`]
//!   for their grammar).
//!
//! Contextual logging (KEP-3077) without changing signatures:
//! - [`with_logger`] runs a closure with a logger in scope, [`WithLogger`] does the same
//!   for a future (its `.with_logger(…)` returns a [`LoggerScoped`] future),
//!   [`from_context`] returns the logger in scope (or the background one);
//!   [`todo()`] marks code that should take a logger.
//! - [`logger_with_name`], [`logger_with_values`], [`enable_contextual_logging`] and
//!   [`contextual_logging_enabled`]: the KEP's feature-gate switch.
//!
//! Tests and tools:
//! - [`testing`]: per-test loggers (Go's `ktesting`) whose records the test can assert on.
//! - [`parse`] and [`convert`] (feature `serde`): read klog text and Kubernetes JSON,
//!   convert between them; the engine of the `klog-convert` binary (package
//!   `klog-convert`).
//! - [`bridge`]: the kit the bridge crates are built on (level table, loop guard, owned
//!   values), for bridges of your own.
//!
//! Bridges (separate packages): `klog-tracing` (a `tracing-subscriber` layer writing klog,
//! and a sink emitting tracing events), `klog-slog` (a `slog` drain and a sink) and
//! `klog-log` (a `log` backend keeping key/values, and a sink).
//!
//! # Verbosity
//! `info!(v: 4, logger, …)` is written iff `logger.verbosity() + 4` is at most the sink's
//! threshold (the global `-v` by default). The check is one relaxed atomic load and
//! happens before any value is evaluated. Error records are always written.
//!
//! # Contextual logging
//! Functions take `&Logger` and log through it; callers derive what they hand down:
//! ```
//! fn sync_pod(logger: &klog::Logger, name: &str) {
//!     klog::info!(v: 2, logger, "Syncing", pod = name);
//! }
//! let logger = klog::background().with_name("pods").v(1); // the callee's V2 is now V3
//! sync_pod(&logger, "coredns");
//! ```
//!
//! # Key naming
//! Use constant lowerCamelCase keys. `ts`, `caller`, `logger`, `msg`, `v` and `err` are
//! written by the formats themselves. Keys are written raw in text (klog does the same),
//! so never build a key from untrusted input.
//!
//! # Performance
//! A disabled call costs one atomic load and a compare. An enabled call formats into a
//! per-thread buffer without allocating and writes it with one `write_all`; the
//! repository's [performance notes](https://github.com/klog-rs/klog-rs/blob/main/docs/performance.md)
//! compare it with `tracing-subscriber` and `slog`.
//!
//! # Cargo features
//! - `serde` (default): [`Serde`] and [`Format`] values, encoded like Go's
//!   `encoding/json`; [`LoggingConfiguration::from_json`]; the [`convert`] module.
//! - `yaml` (default): [`LoggingConfiguration::from_yaml`], and YAML files in
//!   [`LoggingConfiguration::from_path`].
//! - `local-time` (default): [`TimeZone::Local`] is the process's local zone (`TZ`,
//!   `/etc/localtime`, read as Go reads them), through the `jiff` crate's zone database;
//!   without it, `Local` is UTC.
//! - `clap`: [`LoggingFlags`] and [`normalize_go_flags`].
//! - `signals` (Unix): [`flush_on_signals`], on the `signal-hook` crate.
//!
//! Without default features the crate depends on `itoa`, `ryu`, `parking_lot`,
//! `pin-project-lite`, `base64` and `gethostname` only (and on Unix `libc` and `uzers`).
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![warn(unreachable_pub, missing_debug_implementations)]

#[doc(hidden)]
#[path = "__private.rs"]
pub mod __private;
pub mod bridge;
mod callsite;
mod capture;
mod compact;
mod config;
mod context;
#[cfg(feature = "serde")]
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
pub mod convert;
mod format;
mod global;
mod go;
mod logger;
mod sinks;
#[macro_use]
mod macros;
mod output;
pub mod parse;
mod record;
#[cfg(feature = "clap")]
mod setup;
mod sink;
pub mod testing;
mod value;
mod verbosity;
mod vmodule;

pub use callsite::Callsite;
#[cfg(feature = "clap")]
pub use config::{normalize_go_flags, LoggingFlags};
pub use config::{
    ConfigError, FormatOptions, GoDuration, KlogFlags, LoggingConfiguration, OutputRoutingOptions,
    Quantity, VModuleItem,
};
pub use context::{
    contextual_logging_enabled, enable_contextual_logging, from_context, logger_with_name,
    logger_with_values, todo, with_logger, LoggerScoped, WithLogger,
};
pub use global::{
    background, flush, flush_and_exit, init, init_with, logger_from_config, set_logger, FlushGuard,
    InitError, SetLoggerError,
};
pub use go::zone::TimeZone;
pub use logger::Logger;
#[cfg(all(unix, feature = "signals"))]
pub use output::flush_on_signals;
pub use output::{output_stats, DestinationStats, OutputStats, SharedBuffer};
pub use record::{ParseSeverityError, Record, RecordKind, Severity};
#[cfg(feature = "clap")]
pub use setup::{init_from_args, try_init_from, LoggingCli, StartupError};
pub use sink::Sink;
pub use sinks::{
    JsonFormat, JsonSink, JsonSinkBuilder, SinkBuilder, TextFormat, TextSink, TextSinkBuilder,
};
pub use value::{
    ErrorCauses, KMetadata, KObj, KObjItem, KObjSlice, KRef, KeyValue, MapKey, Marshaler,
    ObjectList, ToMapKey, ToValue, Value, ValueList, ValueMap,
};
#[cfg(feature = "serde")]
pub use value::{Format, JsonString, Serde, SerdeValue};
pub use verbosity::{set_verbosity, set_vmodule, verbosity, vmodule};
pub use vmodule::{ParseVModuleError, VModule, VModuleMode};

/// The README's code blocks, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// `docs/format.md`'s code blocks, compiled and run as doctests.
#[doc = include_str!("../../docs/format.md")]
#[cfg(doctest)]
pub struct FormatDoctests;

/// `docs/contextual-logging.md`'s code blocks, compiled and run as doctests.
#[doc = include_str!("../../docs/contextual-logging.md")]
#[cfg(doctest)]
pub struct ContextualLoggingDoctests;

/// `docs/flags-and-config.md`'s code blocks, compiled and run as doctests.
#[doc = include_str!("../../docs/flags-and-config.md")]
#[cfg(all(doctest, feature = "clap"))]
pub struct FlagsAndConfigDoctests;

/// `docs/migration.md`'s code blocks, compiled and run as doctests.
#[doc = include_str!("../../docs/migration.md")]
#[cfg(doctest)]
pub struct MigrationDoctests;

/// `docs/converter.md`'s code blocks, compiled and run as doctests.
#[doc = include_str!("../../docs/converter.md")]
#[cfg(all(doctest, feature = "serde"))]
pub struct ConverterDoctests;
