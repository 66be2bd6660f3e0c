//! The schema: component-base's `LoggingConfiguration` and its parts, their defaults and
//! validation, Go klog's own options, and the error all of `config` reports.

use std::error::Error;
use std::fmt;
use std::path::PathBuf;

use super::{GoDuration, Quantity};
use crate::Severity;

// === Errors

/// Why a logging configuration, a flag or a value in them was rejected.
///
/// The message is one line and, like Kubernetes' field errors, names the offending field
/// path first: `format: Invalid value: "xml": Unsupported log format`. Several
/// validation errors are joined as Kubernetes joins them: `[first, second]`.
///
/// ```
/// let mut config = klog::LoggingConfiguration::default();
/// config.format = "xml".into();
/// let err = config.validate().unwrap_err();
/// assert_eq!(err.to_string(), r#"format: Invalid value: "xml": Unsupported log format"#);
/// ```
#[derive(Debug)]
pub struct ConfigError {
    message: String,
    source: Option<Box<dyn Error + Send + Sync + 'static>>,
}

impl ConfigError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by `source` (an I/O error reading a configuration file).
    #[cfg(feature = "serde")]
    pub(super) fn with_source(
        message: impl Into<String>,
        source: impl Error + Send + Sync + 'static,
    ) -> Self {
        ConfigError {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// Joins field errors the way apimachinery's `utilerrors.Aggregate` prints them: one
    /// error as is, several (deduplicated, in order) as `[a, b]`.
    fn aggregate(errors: Vec<String>) -> Result<(), ConfigError> {
        let mut unique: Vec<String> = Vec::with_capacity(errors.len());
        for e in errors {
            if !unique.contains(&e) {
                unique.push(e);
            }
        }
        match unique.len() {
            0 => Ok(()),
            1 => Err(ConfigError::new(unique.remove(0))),
            _ => Err(ConfigError::new(format!("[{}]", unique.join(", ")))),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for ConfigError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn Error + 'static))
    }
}

// === The configuration

/// A component's logging configuration: component-base's `LoggingConfiguration`
/// (`k8s.io/component-base/logs/api/v1`), the `logging` section of kubelet's and the
/// schedulers' configuration files.
///
/// The JSON/YAML field names and defaults are component-base's:
///
/// | field | type | default |
/// |---|---|---|
/// | `format` | `"text"` or `"json"` | `"text"` |
/// | `flushFrequency` | duration string (`"5s"`) or integer nanoseconds | `"5s"` |
/// | `verbosity` | integer ≥ 0 | `0` |
/// | `vmodule` | list of `{filePattern, verbosity}` | empty |
/// | `options.text.splitStream`, `options.json.splitStream` | bool | `false` |
/// | `options.text.infoBufferSize`, `options.json.infoBufferSize` | quantity (`"64Ki"`) | `"0"` |
///
/// Unknown fields are errors. `vmodule` is accepted with the `json` format too, which
/// component-base rejects ("Only supported for text log format"): klog-rs applies
/// per-file verbosity whatever the output format.
///
/// ```
/// let mut config = klog::LoggingConfiguration::default();
/// assert_eq!(config.format, "text");
/// assert_eq!(config.flush_frequency.to_string(), "5s");
/// config.verbosity = 4;
/// config.vmodule.push(klog::VModuleItem::new("controller*", 6));
/// config.validate().unwrap();
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields, rename_all = "camelCase")
)]
#[non_exhaustive]
pub struct LoggingConfiguration {
    /// The output format: `"text"` (klog's text format, the default) or `"json"`.
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "String::is_empty",
            deserialize_with = "super::serde::null_as_default"
        )
    )]
    pub format: String,
    /// The longest time between log flushes (default 5s). Ignored by outputs that write
    /// without buffering.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "super::serde::null_as_default")
    )]
    pub flush_frequency: GoDuration,
    /// The verbosity threshold (`-v`): `V(n)` messages with `n` above it are discarded.
    /// Error messages are always written. At most `i32::MAX`.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "super::serde::null_as_default")
    )]
    pub verbosity: u32,
    /// Per-file verbosity thresholds (`--vmodule`), overriding [`verbosity`](Self::verbosity).
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "Vec::is_empty",
            deserialize_with = "super::serde::null_or_map_list"
        )
    )]
    pub vmodule: Vec<VModuleItem>,
    /// Options of the output formats. Only those of the selected format are used, but
    /// all are validated.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "super::serde::null_or_map")
    )]
    pub options: FormatOptions,
}

/// Options of the output formats: `options` in a [`LoggingConfiguration`].
///
/// ```
/// let mut config = klog::LoggingConfiguration::default();
/// config.options.json.split_stream = true;
/// config.options.json.info_buffer_size = "64Ki".parse().unwrap();
/// assert_eq!(config.options.json.info_buffer_size.bytes(), 65_536);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields, rename_all = "camelCase")
)]
#[non_exhaustive]
pub struct FormatOptions {
    /// `[Alpha]` options of the `text` format.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "super::serde::null_or_map")
    )]
    pub text: OutputRoutingOptions,
    /// `[Alpha]` options of the `json` format.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "super::serde::null_or_map")
    )]
    pub json: OutputRoutingOptions,
}

/// Where a format writes: `options.text` and `options.json` in a
/// [`LoggingConfiguration`] (component-base's `OutputRoutingOptions`).
///
/// Component-base does not require `split_stream` for `info_buffer_size` (the size is
/// simply unused without it), and neither does klog-rs.
///
/// ```
/// let options = klog::OutputRoutingOptions::default();
/// assert!(!options.split_stream);
/// assert_eq!(options.info_buffer_size.bytes(), 0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields, rename_all = "camelCase")
)]
#[non_exhaustive]
pub struct OutputRoutingOptions {
    /// `[Alpha]` Write error messages to stderr and info messages to stdout, instead of
    /// everything to one stream.
    #[cfg_attr(
        feature = "serde",
        serde(
            skip_serializing_if = "std::ops::Not::not",
            deserialize_with = "super::serde::null_as_default"
        )
    )]
    pub split_stream: bool,
    /// `[Alpha]` With split streams, buffer this many bytes of info messages; 0 (the
    /// default) disables buffering.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "super::serde::null_as_default")
    )]
    pub info_buffer_size: Quantity,
}

/// One per-file verbosity threshold: `pattern=N` in `--vmodule`.
///
/// `file_pattern` is a file's base name without its extension, or a glob pattern for
/// such names (`controller*`); it must not contain `,` or `=`.
///
/// ```
/// let items = klog::VModuleItem::parse_list("sched*=3,,queue=5").unwrap();
/// assert_eq!(items, [klog::VModuleItem::new("sched*", 3), klog::VModuleItem::new("queue", 5)]);
/// assert_eq!(items[0].to_string(), "sched*=3");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(default, deny_unknown_fields, rename_all = "camelCase")
)]
pub struct VModuleItem {
    /// The file name or glob pattern.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "super::serde::null_as_default")
    )]
    pub file_pattern: String,
    /// The verbosity threshold for matching files. At most `i32::MAX`.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "super::serde::null_as_default")
    )]
    pub verbosity: u32,
    /// klog-rs extension: `verbosity` is the exact level of matching call sites, also
    /// below `-v` (`--vmodule=pattern==N`; in a file, `exact: true`). Not written when
    /// `false`, so configurations without it stay component-base's.
    #[cfg_attr(
        feature = "serde",
        serde(
            deserialize_with = "super::serde::null_as_default",
            skip_serializing_if = "std::ops::Not::not"
        )
    )]
    pub exact: bool,
}

impl VModuleItem {
    /// A threshold for files matching `file_pattern`.
    ///
    /// ```
    /// let item = klog::VModuleItem::new("gopher*", 3);
    /// assert_eq!(item.file_pattern, "gopher*");
    /// ```
    #[must_use]
    pub fn new(file_pattern: impl Into<String>, verbosity: u32) -> Self {
        VModuleItem {
            file_pattern: file_pattern.into(),
            verbosity,
            exact: false,
        }
    }

    /// An exact level for call sites matching `file_pattern` (`pattern==N`, a klog-rs
    /// extension): they log `V(0)` to `V(verbosity)` whatever `-v` is, so a chatty
    /// dependency can be quieted below `-v`.
    ///
    /// ```
    /// let item = klog::VModuleItem::exact("hyper::*", 0);
    /// assert_eq!(item.to_string(), "hyper::*==0");
    /// assert_eq!(klog::VModuleItem::parse_list("hyper::*==0").unwrap(), [item]);
    /// ```
    #[must_use]
    pub fn exact(file_pattern: impl Into<String>, verbosity: u32) -> Self {
        VModuleItem {
            exact: true,
            ..VModuleItem::new(file_pattern, verbosity)
        }
    }

    /// Parses a `--vmodule` value with Go klog's grammar: a comma-separated list of
    /// `pattern=N`, where empty entries are skipped, each entry has exactly one `=`, a
    /// non-empty pattern and a decimal `N` (an `i32`, optionally signed) that is not
    /// negative. Entries with `N = 0` are kept. klog-rs's extension `pattern==N` (an
    /// [exact](Self::exact) entry, which Go rejects) is accepted too.
    ///
    /// ```
    /// use klog::VModuleItem;
    /// assert_eq!(VModuleItem::parse_list("a=1,b*=2").unwrap().len(), 2);
    /// assert_eq!(
    ///     VModuleItem::parse_list("a").unwrap_err().to_string(),
    ///     "syntax error: expect comma-separated list of filename=N",
    /// );
    /// assert_eq!(
    ///     VModuleItem::parse_list("a=-1").unwrap_err().to_string(),
    ///     "negative value for vmodule level",
    /// );
    /// ```
    pub fn parse_list(spec: &str) -> Result<Vec<VModuleItem>, ConfigError> {
        let entries =
            crate::vmodule::parse_items(spec, true).map_err(|e| ConfigError::new(e.to_string()))?;
        Ok(entries
            .into_iter()
            .map(|(pattern, level, exact)| VModuleItem {
                exact,
                ..VModuleItem::new(pattern, level.unsigned_abs())
            })
            .collect())
    }
}

impl fmt::Display for VModuleItem {
    /// `pattern=N`, or `pattern==N` when exact.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let equals = if self.exact { "==" } else { "=" };
        write!(f, "{}{equals}{}", self.file_pattern, self.verbosity)
    }
}

impl Default for LoggingConfiguration {
    /// Component-base's recommended configuration: format `text`, flush frequency 5s,
    /// verbosity 0, no vmodule, no split streams, no buffering.
    fn default() -> Self {
        LoggingConfiguration {
            format: LoggingConfiguration::TEXT_FORMAT.to_owned(),
            flush_frequency: LoggingConfiguration::DEFAULT_FLUSH_FREQUENCY,
            verbosity: 0,
            vmodule: Vec::new(),
            options: FormatOptions::default(),
        }
    }
}

impl LoggingConfiguration {
    /// The klog text format, the default.
    pub const TEXT_FORMAT: &'static str = "text";
    /// The JSON format.
    pub const JSON_FORMAT: &'static str = "json";
    /// The default flush frequency: 5s.
    pub const DEFAULT_FLUSH_FREQUENCY: GoDuration = GoDuration::parsed(5_000_000_000);

    /// Fills in defaults for unset fields, like component-base's
    /// `SetRecommendedLoggingConfiguration`: an empty format becomes `"text"` and a zero
    /// flush frequency becomes 5s. The `from_*` constructors call it.
    ///
    /// ```
    /// let mut config = klog::LoggingConfiguration::default();
    /// config.format.clear();
    /// config.flush_frequency = klog::GoDuration::from_nanos(0);
    /// config.set_recommended_defaults();
    /// assert_eq!(config, klog::LoggingConfiguration::default());
    /// ```
    pub fn set_recommended_defaults(&mut self) {
        if self.format.is_empty() {
            self.format = Self::TEXT_FORMAT.to_owned();
        }
        if self.flush_frequency.as_nanos() == 0 {
            self.flush_frequency = Self::DEFAULT_FLUSH_FREQUENCY;
        }
    }

    /// Checks the configuration as component-base's `Validate` does, and reports every
    /// problem with the field path and component-base's wording:
    ///
    /// - `format` must be `text` or `json`: `format: Invalid value: "xml": Unsupported log format`;
    /// - `flushFrequency` must be positive (a klog-rs check):
    ///   `flushFrequency: Invalid value: "0s": Must be greater than zero`;
    /// - `verbosity` and each `vmodule[i].verbosity` must fit in an `i32`:
    ///   `verbosity: Invalid value: 0x80000000: Must be <= 2147483647`;
    /// - each `vmodule[i].filePattern` must be non-empty and contain no `,` or `=`:
    ///   `vmodule[0]: Required value: File pattern must not be empty`,
    ///   `vmodule[1]: Invalid value: "a,b": File pattern must not contain equal sign or comma`.
    ///
    /// Unlike component-base, `vmodule` is allowed with the `json` format, and the
    /// `[Alpha]` `options` need no feature gate; `options.*.infoBufferSize` is checked
    /// when it is parsed.
    ///
    /// ```
    /// let mut config = klog::LoggingConfiguration::default();
    /// config.vmodule.push(klog::VModuleItem::new("", 2));
    /// assert_eq!(
    ///     config.validate().unwrap_err().to_string(),
    ///     "vmodule[0]: Required value: File pattern must not be empty",
    /// );
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        let max = i32::MAX.unsigned_abs();
        let mut errors = Vec::new();
        if self.format != Self::TEXT_FORMAT && self.format != Self::JSON_FORMAT {
            errors.push(format!(
                "format: Invalid value: {:?}: Unsupported log format",
                self.format
            ));
        }
        if self.flush_frequency.as_nanos() <= 0 {
            errors.push(format!(
                "flushFrequency: Invalid value: {:?}: Must be greater than zero",
                self.flush_frequency.to_string()
            ));
        }
        if self.verbosity > max {
            errors.push(format!(
                "verbosity: Invalid value: {:#x}: Must be <= {max}",
                self.verbosity
            ));
        }
        for (i, item) in self.vmodule.iter().enumerate() {
            if item.file_pattern.is_empty() {
                errors.push(format!(
                    "vmodule[{i}]: Required value: File pattern must not be empty"
                ));
            }
            if item.file_pattern.contains([',', '=']) {
                errors.push(format!(
                    "vmodule[{i}]: Invalid value: {:?}: File pattern must not contain equal sign or comma",
                    item.file_pattern
                ));
            }
            if item.verbosity > max {
                errors.push(format!(
                    "vmodule[{i}]: Invalid value: {:#x}: Must be <= {max}",
                    item.verbosity
                ));
            }
        }
        ConfigError::aggregate(errors)
    }
}

// === klog's own options

/// Go klog's own options (the flags of `klog.InitFlags` beyond `-v` and `-vmodule`),
/// resolved with klog's defaults: what a standalone tool's `--logtostderr`,
/// `--log_dir`, … ask for. Kubernetes components no longer have these flags.
///
/// Only `logtostderr=true` output (the default) is implemented so far; the other
/// options are parsed and validated for when file output is.
///
/// ```
/// let klog_flags = klog::KlogFlags::default();
/// assert!(klog_flags.logtostderr);
/// assert_eq!(klog_flags.log_file_max_size, 1800);
/// assert_eq!(klog_flags.stderrthreshold, klog::Severity::Error);
/// assert!(!klog_flags.log_time_utc); // local time, as Go klog
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct KlogFlags {
    /// `-logtostderr`: log to standard error instead of files (default `true`).
    pub logtostderr: bool,
    /// `-alsologtostderr`: log to standard error as well as files (default `false`).
    pub alsologtostderr: bool,
    /// `-log_dir`: write log files in this directory (default: none).
    pub log_dir: Option<PathBuf>,
    /// `-log_file`: write logs to this file (default: none).
    pub log_file: Option<PathBuf>,
    /// `-log_file_max_size`: the size in megabytes at which a log file is rotated; 0 for
    /// no limit (default 1800).
    pub log_file_max_size: u64,
    /// `-one_output`: write each record only to the file of its own severity (default
    /// `false`).
    pub one_output: bool,
    /// `-skip_headers`: omit the header prefix of each line (default `false`).
    pub skip_headers: bool,
    /// `-skip_log_headers`: omit the header klog writes when it opens a log file
    /// (default `false`).
    pub skip_log_headers: bool,
    /// `-add_dir_header`: add the file's directory to the header (default `false`).
    pub add_dir_header: bool,
    /// `-stderrthreshold`: records at or above this severity also go to stderr when
    /// writing to files (default `ERROR`).
    pub stderrthreshold: Severity,
    /// `--log-time-utc` (klog-rs; no Go klog flag): header times, log file names and
    /// `Log file created at:` in UTC instead of the local zone (default `false`: local,
    /// as Go klog). See [`TimeZone`](crate::TimeZone).
    pub log_time_utc: bool,
}

impl Default for KlogFlags {
    /// Go klog's defaults.
    fn default() -> Self {
        KlogFlags {
            logtostderr: true,
            alsologtostderr: false,
            log_dir: None,
            log_file: None,
            log_file_max_size: 1800,
            one_output: false,
            skip_headers: false,
            skip_log_headers: false,
            add_dir_header: false,
            stderrthreshold: Severity::Error,
            log_time_utc: false,
        }
    }
}

#[cfg(test)]
mod tests;
