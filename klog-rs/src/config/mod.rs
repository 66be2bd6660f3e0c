//! Logging configuration and command-line flags, as Kubernetes components define them.
//!
//! [`LoggingConfiguration`] is the `logging` section of a component's configuration file
//! (`k8s.io/component-base/logs/api/v1`), with the same JSON/YAML field names, defaults
//! and validation. [`LoggingFlags`] (feature `clap`) holds the component-base flags
//! (`--logging-format`, `-v`, `--vmodule`, …) and Go klog's own flags (`--log_dir`,
//! `--logtostderr`, …) for a component's clap parser; flags that were given override the
//! configuration file.
//!
//! Deliberate differences from component-base, all documented where they apply:
//! - `vmodule` is accepted with the `json` format too (component-base rejects it).
//! - There are no feature gates: the `[Alpha]` options (`splitStream`, `infoBufferSize`)
//!   are accepted as if `LoggingAlphaOptions` were enabled.
//! - `flushFrequency` must be positive (component-base replaces 0 with the default when
//!   it fills in defaults, which [`LoggingConfiguration::set_recommended_defaults`] does
//!   too, and does not check negative values).
//! - `infoBufferSize` must not be negative and is held as a byte count (`u64`).
//!
//! One file per job: `schema` (the configuration, its validation, klog's own options and
//! [`ConfigError`]), `duration` ([`GoDuration`]), `quantity` ([`Quantity`]), `serde` (the
//! JSON and YAML loaders, feature `serde`) and `flags` ([`LoggingFlags`], feature `clap`).

mod duration;
#[cfg(feature = "clap")]
mod flags;
mod quantity;
mod schema;
#[cfg(feature = "serde")]
mod serde;

pub use duration::GoDuration;
#[cfg(feature = "clap")]
pub use flags::{normalize_go_flags, LoggingFlags};
pub use quantity::Quantity;
pub use schema::{
    ConfigError, FormatOptions, KlogFlags, LoggingConfiguration, OutputRoutingOptions, VModuleItem,
};
