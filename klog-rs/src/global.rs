//! The process-wide logger: what the macros without an explicit logger write through.
//!
//! Until [`set_logger`] (or [`init`](crate::init)) installs one, it is klog text on
//! stderr following the global `-v` and `-vmodule`. Installing is set-once, as with the
//! `log` crate: libraries never install, the binary's `main` does.
//!
//! Tests never need this: they hand their own [`Logger`] down the call chain, or build
//! one from a configuration with [`logger_from_config`](crate::logger_from_config).

use std::fmt;
use std::sync::{LazyLock, OnceLock};

use std::time::Duration;

use crate::config::{ConfigError, KlogFlags, LoggingConfiguration};
use crate::format_sink::{JsonSink, TextSink};
use crate::logger::Logger;
use crate::vmodule::{VModule, VModuleMode};

static INSTALLED: OnceLock<Logger> = OnceLock::new();
static DEFAULT: LazyLock<Logger> = LazyLock::new(|| TextSink::builder().build_logger());

/// Installs `logger` as the process-wide logger (klog's `SetLogger`): the macros without
/// a logger and [`background`] write through it from now on. Set once; later calls fail.
///
/// ```
/// let logger = klog::JsonSink::builder().writer(std::io::sink()).build_logger();
/// match klog::set_logger(logger) {
///     Ok(()) => {}
///     Err(e) => eprintln!("{e}"),
/// }
/// ```
///
/// # Errors
/// [`SetLoggerError`] if a logger was installed before.
pub fn set_logger(logger: Logger) -> Result<(), SetLoggerError> {
    INSTALLED.set(logger).map_err(|_| SetLoggerError(()))
}

/// The process-wide logger was already installed.
///
/// ```
/// let e: Option<klog::SetLoggerError> = None;
/// # let _ = e;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetLoggerError(());

impl fmt::Display for SetLoggerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the process-wide logger was already installed")
    }
}

impl std::error::Error for SetLoggerError {}

/// The process-wide logger (KEP-3077's `Background()`): the installed one, or klog text
/// on stderr.
///
/// ```
/// let logger = klog::background();
/// klog::info!(logger, "Starting");
/// ```
#[must_use]
pub fn background() -> Logger {
    background_ref().clone()
}

/// A reference to the process-wide logger, without a reference-count increment.
#[inline]
pub(crate) fn background_ref() -> &'static Logger {
    match INSTALLED.get() {
        Some(logger) => logger,
        None => &DEFAULT,
    }
}

/// Flushes every sink's buffered output (klog's `Flush`): the process-wide logger's and
/// those of sinks built explicitly.
///
/// ```
/// klog::flush();
/// ```
pub fn flush() {
    crate::output::flush_all();
}

/// Flushes the process-wide logger, then exits with `code` (klog's `FlushAndExit`).
///
/// ```no_run
/// klog::flush_and_exit(1);
/// ```
pub fn flush_and_exit(code: i32) -> ! {
    flush();
    std::process::exit(code)
}

/// Builds a logger from a configuration without installing anything: klog text or
/// Kubernetes JSON on stderr, with the configuration's own `-v` and `-vmodule` (not the
/// global ones). For tests, which can each run with their own configuration, and for
/// programs that hand their logger down explicitly.
///
/// ```
/// let mut config = klog::LoggingConfiguration::default();
/// config.format = "json".into();
/// config.verbosity = 2;
/// let logger = klog::logger_from_config(&config).unwrap();
/// assert!(klog::enabled!(v: 2, logger));
/// ```
///
/// # Errors
/// The configuration's validation error.
pub fn logger_from_config(config: &LoggingConfiguration) -> Result<Logger, ConfigError> {
    config.validate()?;
    let vmodule = config_vmodule(config)?;
    let verbosity = config_verbosity(config);
    Ok(if config.format == LoggingConfiguration::JSON_FORMAT {
        JsonSink::builder()
            .verbosity(verbosity)
            .vmodule(vmodule)
            .build_logger()
    } else {
        TextSink::builder()
            .verbosity(verbosity)
            .vmodule(vmodule)
            .build_logger()
    })
}

fn config_verbosity(config: &LoggingConfiguration) -> i32 {
    i32::try_from(config.verbosity).unwrap_or(i32::MAX)
}

fn config_vmodule(config: &LoggingConfiguration) -> Result<VModule, ConfigError> {
    let entries = config.vmodule.iter().map(|item| {
        let level = i32::try_from(item.verbosity).unwrap_or(i32::MAX);
        (item.file_pattern.as_str(), level, item.exact)
    });
    VModule::from_items(entries, VModuleMode::Extended)
        .map_err(|e| ConfigError::new(format!("vmodule: {e}")))
}

/// Sets up process-wide logging from a configuration, as a Kubernetes component does at
/// start-up (component-base's `ValidateAndApply`): validates it, sets the global `-v`
/// and `-vmodule`, installs klog text or Kubernetes JSON on stderr (or split into
/// stdout and stderr with `options.*.splitStream`, the info side buffered up to
/// `infoBufferSize`) as the process-wide logger, starts the flush thread at
/// `flushFrequency`, and installs a panic hook that flushes before the previous hook
/// runs. Keep the returned guard in `main`: dropping it flushes.
///
/// ```no_run
/// let config = klog::LoggingConfiguration::default();
/// let _logging = klog::init(&config).expect("logging configuration");
/// klog::info!("Starting");
/// ```
///
/// # Errors
/// [`InitError`] for an invalid configuration or when a process-wide logger was
/// installed before.
pub fn init(config: &LoggingConfiguration) -> Result<FlushGuard, InitError> {
    init_with(config, &KlogFlags::default())
}

/// [`init`] with klog's own destination flags as well (`--logtostderr=false`,
/// `--log-dir`, `--log-file`, `--alsologtostderr`, `--stderrthreshold`, ...): with
/// `logtostderr` off, records go to klog's log files instead of the streams.
///
/// ```no_run
/// let config = klog::LoggingConfiguration::default();
/// let mut flags = klog::KlogFlags::default();
/// flags.logtostderr = false;
/// flags.log_dir = Some("/var/log/controller".into());
/// let _logging = klog::init_with(&config, &flags).expect("logging");
/// ```
///
/// # Errors
/// As [`init`].
pub fn init_with(
    config: &LoggingConfiguration,
    flags: &KlogFlags,
) -> Result<FlushGuard, InitError> {
    config.validate().map_err(InitError::Config)?;
    let vmodule = config_vmodule(config).map_err(InitError::Config)?;
    let json = config.format == LoggingConfiguration::JSON_FORMAT;
    let routing = if json {
        &config.options.json
    } else {
        &config.options.text
    };
    let info_buffer = usize::try_from(routing.info_buffer_size.bytes()).unwrap_or(usize::MAX);
    let flush_frequency = config
        .flush_frequency
        .to_std()
        .unwrap_or(Duration::from_secs(5));
    macro_rules! configure {
        ($builder:expr) => {{
            let builder = $builder.flush_frequency(flush_frequency).klog_flags(flags);
            if routing.split_stream {
                builder.split_stream(info_buffer).build_logger()
            } else {
                builder.build_logger()
            }
        }};
    }
    let logger = if json {
        configure!(JsonSink::builder())
    } else {
        configure!(TextSink::builder())
    };
    set_logger(logger).map_err(InitError::AlreadyInstalled)?;
    crate::verbosity::set_verbosity(config_verbosity(config));
    crate::verbosity::set_vmodule(vmodule);
    crate::output::install_panic_hook();
    Ok(FlushGuard(()))
}

/// Why [`init`] failed: an invalid configuration, or a logger installed before.
///
/// ```
/// let mut config = klog::LoggingConfiguration::default();
/// config.format = "xml".into();
/// let err = klog::init(&config).unwrap_err();
/// assert_eq!(err.to_string(), "format: Invalid value: \"xml\": Unsupported log format");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum InitError {
    /// The configuration did not validate.
    Config(ConfigError),
    /// A process-wide logger was installed before.
    AlreadyInstalled(SetLoggerError),
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Config(e) => fmt::Display::fmt(e, f),
            InitError::AlreadyInstalled(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for InitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InitError::Config(e) => Some(e),
            InitError::AlreadyInstalled(e) => Some(e),
        }
    }
}

/// Flushes the process-wide logger when dropped: keep it alive in `main`.
///
/// ```no_run
/// let _logging = klog::init(&klog::LoggingConfiguration::default()).unwrap();
/// ```
#[derive(Debug)]
#[must_use = "dropping the guard flushes at once; keep it alive until main returns"]
pub struct FlushGuard(());

impl Drop for FlushGuard {
    fn drop(&mut self) {
        flush();
    }
}
