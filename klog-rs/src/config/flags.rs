//! The command-line side: component-base's logging flags and Go klog's own flags as one
//! clap [`LoggingFlags`] (the single table of names, aliases, value parsers and help), the
//! rewriting of Go's single-dash spellings, and the value parsers with Go's `flag` rules.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

use super::{ConfigError, GoDuration, KlogFlags, LoggingConfiguration, Quantity, VModuleItem};
use crate::Severity;

// === The flags

/// The logging flags of a Kubernetes component (component-base's `logs/api/v1`
/// flags) and of Go klog (`klog.InitFlags`), for a component's clap parser.
///
/// Flatten it into the component's parser, then let the flags override the
/// configuration file with [`apply_to`](Self::apply_to). Every field is `None`
/// unless its flag was given.
///
/// A flag given twice takes its last value, as Go's flag package does.
///
/// Go spellings are accepted: `--log_dir` as well as `--log-dir` (every flag with a
/// word separator takes both, as Kubernetes components do), bool flags as
/// `--logtostderr`, `--logtostderr=true` or `--logtostderr=false`, and single-dash
/// long flags (`-logtostderr`, `-vmodule=x=2`) after [`normalize_go_flags`].
///
/// ```
/// use clap::Parser;
///
/// #[derive(Parser, Debug)]
/// struct Cli {
///     #[command(flatten)]
///     logging: klog::LoggingFlags,
/// }
///
/// let args = klog::normalize_go_flags(
///     ["controller", "-v=4", "--vmodule=sched*=6", "-logtostderr=false"].map(Into::into),
/// );
/// let cli = Cli::try_parse_from(args).unwrap();
///
/// let mut config = klog::LoggingConfiguration::default(); // or from the config file
/// cli.logging.apply_to(&mut config)?;
/// assert_eq!(config.verbosity, 4);
/// assert_eq!(config.vmodule, [klog::VModuleItem::new("sched*", 6)]);
/// assert!(!cli.logging.klog_options().logtostderr);
/// # Ok::<(), klog::ConfigError>(())
/// ```
#[derive(clap::Args, Debug, Clone, Default, PartialEq, Eq)]
// The doc comment above is for rustdoc, not the component's `--help`.
#[command(next_help_heading = "Logging flags", about = None, long_about = None)]
#[non_exhaustive]
pub struct LoggingFlags {
    /// `--logging-format`: overrides `format`.
    #[arg(
        overrides_with = "logging_format",
        long = "logging-format",
        alias = "logging_format",
        value_name = "string",
        help = "Sets the log format. Permitted formats: \"json\", \"text\". (default \"text\")"
    )]
    pub logging_format: Option<String>,

    /// `--log-flush-frequency`: overrides `flushFrequency`.
    #[arg(
        overrides_with = "log_flush_frequency",
        long = "log-flush-frequency",
        alias = "log_flush_frequency",
        value_name = "duration",
        value_parser = parse_duration_flag,
        help = "Maximum number of seconds between log flushes (default 5s)"
    )]
    pub log_flush_frequency: Option<GoDuration>,

    /// `-v`/`--v`: overrides `verbosity`.
    #[arg(
        overrides_with = "v",
        short = 'v',
        long = "v",
        value_name = "Level",
        value_parser = parse_level,
        help = "number for the log level verbosity (default 0)"
    )]
    pub v: Option<u32>,

    /// `--vmodule` (`pattern=N,...`): replaces `vmodule`; parsed by
    /// [`apply_to`](Self::apply_to).
    #[arg(
        overrides_with = "vmodule",
        long = "vmodule",
        value_name = "pattern=N,...",
        help = "comma-separated list of pattern=N settings for file-filtered logging"
    )]
    pub vmodule: Option<String>,

    /// `--log-text-split-stream`: overrides `options.text.splitStream`.
    #[arg(
        overrides_with = "log_text_split_stream",
        long = "log-text-split-stream",
        alias = "log_text_split_stream",
        value_name = "true|false",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        action = clap::ArgAction::Set,
        value_parser = parse_go_bool,
        help = "[Alpha] In text format, write error messages to stderr and info messages to stdout. By default both go to stderr."
    )]
    pub log_text_split_stream: Option<bool>,

    /// `--log-text-info-buffer-size`: overrides `options.text.infoBufferSize`.
    #[arg(
        overrides_with = "log_text_info_buffer_size",
        long = "log-text-info-buffer-size",
        alias = "log_text_info_buffer_size",
        value_name = "quantity",
        value_parser = parse_quantity_flag,
        help = "[Alpha] In text format with split output streams, the info messages can be buffered for a while to increase performance. The default value of zero bytes disables buffering. The size can be specified as number of bytes (512), multiples of 1000 (1k), multiples of 1024 (2Ki), or powers of those (3M, 4G, 5Mi, 6Gi)."
    )]
    pub log_text_info_buffer_size: Option<Quantity>,

    /// `--log-json-split-stream`: overrides `options.json.splitStream`.
    #[arg(
        overrides_with = "log_json_split_stream",
        long = "log-json-split-stream",
        alias = "log_json_split_stream",
        value_name = "true|false",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        action = clap::ArgAction::Set,
        value_parser = parse_go_bool,
        help = "[Alpha] In JSON format, write error messages to stderr and info messages to stdout. By default both go to stderr."
    )]
    pub log_json_split_stream: Option<bool>,

    /// `--log-json-info-buffer-size`: overrides `options.json.infoBufferSize`.
    #[arg(
        overrides_with = "log_json_info_buffer_size",
        long = "log-json-info-buffer-size",
        alias = "log_json_info_buffer_size",
        value_name = "quantity",
        value_parser = parse_quantity_flag,
        help = "[Alpha] In JSON format with split output streams, the info messages can be buffered for a while to increase performance. The default value of zero bytes disables buffering. The size can be specified as number of bytes (512), multiples of 1000 (1k), multiples of 1024 (2Ki), or powers of those (3M, 4G, 5Mi, 6Gi)."
    )]
    pub log_json_info_buffer_size: Option<Quantity>,

    /// Go klog's `-logtostderr`.
    #[arg(
        overrides_with = "logtostderr",
        long = "logtostderr",
        value_name = "true|false",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        action = clap::ArgAction::Set,
        value_parser = parse_go_bool,
        help = "log to standard error instead of files (default true)"
    )]
    pub logtostderr: Option<bool>,

    /// Go klog's `-alsologtostderr`.
    #[arg(
        overrides_with = "alsologtostderr",
        long = "alsologtostderr",
        value_name = "true|false",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        action = clap::ArgAction::Set,
        value_parser = parse_go_bool,
        help = "log to standard error as well as files (no effect when --logtostderr=true)"
    )]
    pub alsologtostderr: Option<bool>,

    /// Go klog's `-log_dir`.
    #[arg(
        overrides_with = "log_dir",
        long = "log-dir",
        alias = "log_dir",
        value_name = "string",
        value_parser = path_value,
        help = "If non-empty, write log files in this directory (no effect when --logtostderr=true) [Go klog: -log_dir]"
    )]
    pub log_dir: Option<PathBuf>,

    /// Go klog's `-log_file`.
    #[arg(
        overrides_with = "log_file",
        long = "log-file",
        alias = "log_file",
        value_name = "string",
        value_parser = path_value,
        help = "If non-empty, use this log file (no effect when --logtostderr=true) [Go klog: -log_file]"
    )]
    pub log_file: Option<PathBuf>,

    /// Go klog's `-log_file_max_size` (megabytes).
    #[arg(
        overrides_with = "log_file_max_size",
        long = "log-file-max-size",
        alias = "log_file_max_size",
        value_name = "uint",
        value_parser = parse_go_uint64,
        help = "Defines the maximum size a log file can grow to (no effect when --logtostderr=true). Unit is megabytes. If the value is 0, the maximum file size is unlimited. (default 1800) [Go klog: -log_file_max_size]"
    )]
    pub log_file_max_size: Option<u64>,

    /// Go klog's `-one_output`.
    #[arg(
        overrides_with = "one_output",
        long = "one-output",
        alias = "one_output",
        value_name = "true|false",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        action = clap::ArgAction::Set,
        value_parser = parse_go_bool,
        help = "If true, only write logs to their native severity level (vs also writing to each lower severity level; no effect when --logtostderr=true) [Go klog: -one_output]"
    )]
    pub one_output: Option<bool>,

    /// Go klog's `-skip_headers`.
    #[arg(
        overrides_with = "skip_headers",
        long = "skip-headers",
        alias = "skip_headers",
        value_name = "true|false",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        action = clap::ArgAction::Set,
        value_parser = parse_go_bool,
        help = "If true, avoid header prefixes in the log messages [Go klog: -skip_headers]"
    )]
    pub skip_headers: Option<bool>,

    /// Go klog's `-skip_log_headers`.
    #[arg(
        overrides_with = "skip_log_headers",
        long = "skip-log-headers",
        alias = "skip_log_headers",
        value_name = "true|false",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        action = clap::ArgAction::Set,
        value_parser = parse_go_bool,
        help = "If true, avoid headers when opening log files (no effect when --logtostderr=true) [Go klog: -skip_log_headers]"
    )]
    pub skip_log_headers: Option<bool>,

    /// Go klog's `-add_dir_header`.
    #[arg(
        overrides_with = "add_dir_header",
        long = "add-dir-header",
        alias = "add_dir_header",
        value_name = "true|false",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        action = clap::ArgAction::Set,
        value_parser = parse_go_bool,
        help = "If true, adds the file directory to the header of the log messages [Go klog: -add_dir_header]"
    )]
    pub add_dir_header: Option<bool>,

    /// Go klog's `-stderrthreshold`: `INFO`, `WARNING`, `ERROR`, `FATAL` (any case)
    /// or `0`–`3`.
    #[arg(
        overrides_with = "stderrthreshold",
        long = "stderrthreshold",
        value_name = "severity",
        value_parser = parse_severity,
        help = "logs at or above this threshold go to stderr when writing to files and stderr (no effect when --logtostderr=true or --alsologtostderr=false): INFO, WARNING, ERROR, FATAL or 0-3 (default ERROR)"
    )]
    pub stderrthreshold: Option<Severity>,

    /// `--log-time-utc` (klog-rs only): times in UTC instead of the local zone.
    #[arg(
        overrides_with = "log_time_utc",
        long = "log-time-utc",
        alias = "log_time_utc",
        value_name = "true|false",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        action = clap::ArgAction::Set,
        value_parser = parse_go_bool,
        help = "If true, write header times, log file names and 'Log file created at:' in UTC instead of the local time zone (TZ, /etc/localtime) [klog-rs only]"
    )]
    pub log_time_utc: Option<bool>,
}

impl LoggingFlags {
    /// Overrides `config` with the component-base flags that were given (a
    /// configuration file's values stay where no flag was given; `--vmodule`
    /// replaces the whole list), then [validates](LoggingConfiguration::validate) it.
    ///
    /// `--vmodule` is parsed here, with Go klog's grammar
    /// ([`VModuleItem::parse_list`]); its errors name the flag:
    /// `--vmodule: syntax error: expect comma-separated list of filename=N`.
    ///
    /// ```
    /// use clap::Parser;
    ///
    /// #[derive(Parser)]
    /// struct Cli {
    ///     #[command(flatten)]
    ///     logging: klog::LoggingFlags,
    /// }
    ///
    /// let mut config = klog::LoggingConfiguration::default();
    /// config.verbosity = 2; // from the configuration file
    /// config.format = "json".into();
    ///
    /// let cli = Cli::try_parse_from(["prog", "-v", "5"]).unwrap();
    /// cli.logging.apply_to(&mut config)?;
    /// assert_eq!((config.verbosity, config.format.as_str()), (5, "json"));
    ///
    /// let cli = Cli::try_parse_from(["prog", "--logging-format=xml"]).unwrap();
    /// let err = cli.logging.apply_to(&mut config).unwrap_err();
    /// assert_eq!(err.to_string(), r#"format: Invalid value: "xml": Unsupported log format"#);
    /// # Ok::<(), klog::ConfigError>(())
    /// ```
    pub fn apply_to(&self, config: &mut LoggingConfiguration) -> Result<(), ConfigError> {
        if let Some(format) = &self.logging_format {
            config.format.clone_from(format);
        }
        if let Some(frequency) = self.log_flush_frequency {
            config.flush_frequency = frequency;
        }
        if let Some(v) = self.v {
            config.verbosity = v;
        }
        if let Some(spec) = &self.vmodule {
            config.vmodule = VModuleItem::parse_list(spec)
                .map_err(|e| ConfigError::new(format!("--vmodule: {e}")))?;
        }
        if let Some(split) = self.log_text_split_stream {
            config.options.text.split_stream = split;
        }
        if let Some(size) = &self.log_text_info_buffer_size {
            config.options.text.info_buffer_size = size.clone();
        }
        if let Some(split) = self.log_json_split_stream {
            config.options.json.split_stream = split;
        }
        if let Some(size) = &self.log_json_info_buffer_size {
            config.options.json.info_buffer_size = size.clone();
        }
        config.validate()
    }

    /// Sets up process-wide logging from `config` (the component's configuration
    /// file, or the defaults) with these flags: [`apply_to`](Self::apply_to) (the
    /// flags that were given override `config`, then it is validated), then
    /// [`init_with`](crate::init_with) with [`klog_options`](Self::klog_options).
    /// component-base's `ValidateAndApply`. [`init_from_args`](crate::init_from_args)
    /// does this, and parsing and error reporting too, in one call.
    ///
    /// ```no_run
    /// use clap::Parser;
    ///
    /// #[derive(Parser)]
    /// struct Cli {
    ///     #[command(flatten)]
    ///     logging: klog::LoggingFlags,
    /// }
    ///
    /// let cli = Cli::parse_from(klog::normalize_go_flags(std::env::args_os()));
    /// let _logging = match cli.logging.init(klog::LoggingConfiguration::default()) {
    ///     Ok(guard) => guard,
    ///     Err(e) => {
    ///         eprintln!("controller: {e}");
    ///         std::process::exit(2);
    ///     }
    /// };
    /// ```
    ///
    /// # Errors
    /// [`InitError::Config`](crate::InitError::Config) when `--vmodule` does not parse or the result does not
    /// validate; [`InitError::AlreadyInstalled`](crate::InitError::AlreadyInstalled) when a process-wide logger was
    /// installed before.
    pub fn init(
        &self,
        mut config: LoggingConfiguration,
    ) -> Result<crate::FlushGuard, crate::InitError> {
        self.apply_to(&mut config)
            .map_err(crate::InitError::Config)?;
        crate::init_with(&config, &self.klog_options())
    }

    /// Go klog's own options, with klog's defaults where no flag was given (an
    /// empty `--log_dir=` or `--log_file=` counts as not given, as in klog).
    ///
    /// ```
    /// use clap::Parser;
    ///
    /// #[derive(Parser)]
    /// struct Cli {
    ///     #[command(flatten)]
    ///     logging: klog::LoggingFlags,
    /// }
    ///
    /// let cli = Cli::try_parse_from(["prog", "--log_dir=/var/log/x", "--stderrthreshold=warning"]).unwrap();
    /// let options = cli.logging.klog_options();
    /// assert_eq!(options.log_dir.as_deref(), Some(std::path::Path::new("/var/log/x")));
    /// assert_eq!(options.stderrthreshold, klog::Severity::Warning);
    /// assert!(options.logtostderr); // klog's default
    /// ```
    #[must_use]
    pub fn klog_options(&self) -> KlogFlags {
        let defaults = KlogFlags::default();
        let non_empty = |path: &Option<PathBuf>| path.clone().filter(|p| !p.as_os_str().is_empty());
        KlogFlags {
            logtostderr: self.logtostderr.unwrap_or(defaults.logtostderr),
            alsologtostderr: self.alsologtostderr.unwrap_or(defaults.alsologtostderr),
            log_dir: non_empty(&self.log_dir),
            log_file: non_empty(&self.log_file),
            log_file_max_size: self.log_file_max_size.unwrap_or(defaults.log_file_max_size),
            one_output: self.one_output.unwrap_or(defaults.one_output),
            skip_headers: self.skip_headers.unwrap_or(defaults.skip_headers),
            skip_log_headers: self.skip_log_headers.unwrap_or(defaults.skip_log_headers),
            add_dir_header: self.add_dir_header.unwrap_or(defaults.add_dir_header),
            stderrthreshold: self.stderrthreshold.unwrap_or(defaults.stderrthreshold),
            log_time_utc: self.log_time_utc.unwrap_or(defaults.log_time_utc),
        }
    }
}

// === Go's single-dash spellings

/// Rewrites Go-style single-dash long logging flags (`-logtostderr`, `-v=2` stays,
/// `-vmodule=x=1`, `-log_dir /tmp`) to the double-dash form clap parses, so a
/// component keeps accepting the command lines its Go predecessor accepted.
///
/// The first item is the program name and is kept as is, as are `-v` (clap parses
/// `-v 2` and `-v=2` as the short flag), flags that are not logging flags, arguments
/// that are not UTF-8, and everything after `--`.
///
/// ```
/// use std::ffi::OsString;
///
/// let args = klog::normalize_go_flags(
///     ["prog", "-logtostderr=false", "-v=2", "-other", "--", "-log_dir"].map(OsString::from),
/// );
/// assert_eq!(args, ["prog", "--logtostderr=false", "-v=2", "-other", "--", "-log_dir"]);
/// ```
pub fn normalize_go_flags<I: IntoIterator<Item = OsString>>(args: I) -> Vec<OsString> {
    let mut rewrite = true;
    let mut out = Vec::new();
    for (index, arg) in args.into_iter().enumerate() {
        if index == 0 || !rewrite {
            out.push(arg);
            continue;
        }
        if arg == "--" {
            rewrite = false;
            out.push(arg);
            continue;
        }
        let go_flag = arg.to_str().and_then(|s| {
            let body = s.strip_prefix('-').filter(|b| !b.starts_with('-'))?;
            let name = body.split('=').next().unwrap_or(body);
            go_long_flag_names()
                .iter()
                .any(|known| known == name)
                .then(|| OsString::from(format!("-{s}")))
        });
        out.push(go_flag.unwrap_or(arg));
    }
    out
}

/// The names Go spells with one dash and clap only with two, read from the parser itself so
/// that no list is kept beside the flag definitions: every long name and alias of
/// [`LoggingFlags`], except those of flags that also have a short form (`-v`), which clap
/// parses as they are.
pub(super) fn go_long_flag_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let command = <LoggingFlags as clap::Args>::augment_args(clap::Command::new("klog"));
        command
            .get_arguments()
            .filter(|arg| arg.get_short().is_none())
            .flat_map(|arg| {
                let aliases = arg.get_all_aliases().unwrap_or_default();
                arg.get_long().into_iter().chain(aliases)
            })
            .map(str::to_owned)
            .collect()
    })
}

// === Value parsers (Go's flag package spellings)

/// Any path, also the empty one (`--log_dir=`, klog's "none").
fn path_value(s: &str) -> Result<PathBuf, String> {
    Ok(PathBuf::from(s))
}

/// Go's `strconv.ParseBool`, which Go's bool flags use.
fn parse_go_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => {
            Err("must be true or false (or 1, t, T, TRUE, True, 0, f, F, FALSE, False)".to_owned())
        }
    }
}

/// component-base's `-v`: a decimal number from 0 to `i32::MAX`.
fn parse_level(s: &str) -> Result<u32, String> {
    s.bytes()
        .all(|c| c.is_ascii_digit())
        .then(|| s.parse::<u32>().ok())
        .flatten()
        .filter(|&v| i32::try_from(v).is_ok())
        .ok_or_else(|| format!("must be a decimal number from 0 to {}", i32::MAX))
}

fn parse_duration_flag(s: &str) -> Result<GoDuration, String> {
    s.parse().map_err(|e: ConfigError| e.to_string())
}

fn parse_quantity_flag(s: &str) -> Result<Quantity, String> {
    s.parse().map_err(|e: ConfigError| e.to_string())
}

/// klog's `-stderrthreshold`: a severity name in any case, or its number.
fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
        .map_err(|e: crate::record::ParseSeverityError| e.to_string())
}

/// Go's `flag.Uint64Var` parsing (`strconv.ParseUint(s, 0, 64)`): decimal, `0x` hex,
/// `0o`/leading-`0` octal, `0b` binary, with `_` between digits.
pub(super) fn parse_go_uint64(s: &str) -> Result<u64, String> {
    let invalid = || "must be an unsigned integer".to_owned();
    let lower = s.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d, true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d, true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d, true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower.as_str(), false)
    } else {
        (10, lower.as_str(), false)
    };
    // Underscores must sit between digits (or right after a 0x/0o/0b prefix).
    let bytes = digits.as_bytes();
    for (i, &c) in bytes.iter().enumerate() {
        if c == b'_' {
            let before_ok = if i == 0 {
                prefixed
            } else {
                bytes[i - 1] != b'_'
            };
            let after_ok = bytes.get(i + 1).is_some_and(|&n| n != b'_');
            if !before_ok || !after_ok {
                return Err(invalid());
            }
        }
    }
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    if cleaned.is_empty() || !cleaned.chars().all(|c| c.is_digit(radix)) {
        return Err(invalid());
    }
    u64::from_str_radix(&cleaned, radix).map_err(|_| format!("must be at most {}", u64::MAX))
}

#[cfg(test)]
mod tests;
