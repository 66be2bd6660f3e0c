//! The process-wide logger: what the macros without an explicit logger write through.
//!
//! Until [`set_logger`] (or [`init`](crate::init)) installs one, it is klog text on
//! stderr following the global `-v` and `-vmodule`. Installing is set-once, as with the
//! `log` crate: libraries never install, the binary's `main` does.
//!
//! Tests never need this: they hand their own [`Logger`] down the call chain, or build
//! one from a configuration with [`logger_from_config`](crate::logger_from_config).

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::Duration;

use crate::config::{ConfigError, KlogFlags, LoggingConfiguration};
use crate::logger::Logger;
use crate::output::{files, Router};
use crate::sinks::{JsonSink, TextSink};
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
/// runs.
///
/// Keep the returned [`FlushGuard`] alive in `main`: while it lives, outputs may buffer.
/// No accepted record is lost when the process ends normally, whatever happens to the
/// guard: dropping it writes out every buffer and makes the outputs write-through from
/// then on (so `let _ = klog::init(…)` costs speed, not records), and on Unix an exit
/// hook writes out every buffer at `std::process::exit` too, guard or not. What ends the
/// process abnormally (an abort, a killing signal) loses what is still buffered, at most
/// `flushFrequency`'s worth. See [`FlushGuard`].
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
/// `--log_dir`, `--log_file`, `--alsologtostderr`, `--stderrthreshold`, ...): with
/// `logtostderr` off, records go to klog's log files instead of the streams. With
/// `--logging-format=json` the files hold JSON lines only (no header lines).
///
/// The files must be usable at start-up: the `--log_file` is opened (created, with its
/// directory, when missing), or the `--log_dir` created and a file created in it; when
/// that fails, nothing is installed and the error names the flag and the OS error (Go
/// klog exits with status 2 at the first record instead). Failures after start-up are
/// counted and reported, never returned (see [`output_stats`](crate::output_stats)).
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
/// As [`init`], and [`InitError::Output`] for a `--log_dir` or `--log_file` that cannot
/// be used.
pub fn init_with(
    config: &LoggingConfiguration,
    flags: &KlogFlags,
) -> Result<FlushGuard, InitError> {
    config.validate().map_err(InitError::Config)?;
    let vmodule = config_vmodule(config).map_err(InitError::Config)?;
    if INSTALLED.get().is_some() {
        return Err(InitError::AlreadyInstalled(SetLoggerError(())));
    }
    check_files(flags)?;
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
            let sink = if routing.split_stream {
                builder.split_stream(info_buffer).build()
            } else {
                builder.build()
            };
            let outputs = sink.router().clone();
            (Logger::new(Arc::new(sink)), outputs)
        }};
    }
    let (logger, outputs) = if json {
        configure!(JsonSink::builder())
    } else {
        configure!(TextSink::builder())
    };
    set_logger(logger).map_err(InitError::AlreadyInstalled)?;
    crate::verbosity::set_verbosity(config_verbosity(config));
    crate::verbosity::set_vmodule(vmodule);
    crate::output::install_panic_hook();
    Ok(FlushGuard { outputs })
}

/// The start-up check of klog's files: the `--log_file` when given (klog then ignores
/// `--log_dir`), else the `--log_dir` (the temp directory when not given).
fn check_files(flags: &KlogFlags) -> Result<(), InitError> {
    if flags.logtostderr {
        return Ok(());
    }
    let (flag, path, result) = match &flags.log_file {
        Some(file) => ("--log_file", file.clone(), files::check_file(file)),
        None => {
            let dir = flags.log_dir.clone().unwrap_or_else(std::env::temp_dir);
            let result = files::check_dir(&dir);
            ("--log_dir", dir, result)
        }
    };
    result.map_err(|error| InitError::Output { flag, path, error })
}

/// Why [`init`] failed: an invalid configuration, a logger installed before, or a log
/// file or directory that cannot be used.
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
    /// A log file or directory cannot be used at start-up
    /// (`--log_dir=/x: Not a directory (os error 20)`).
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("klog-doc-initerror-{}", std::process::id()));
    /// std::fs::write(&dir, "a file, not a directory").unwrap();
    /// let mut flags = klog::KlogFlags::default();
    /// flags.logtostderr = false;
    /// flags.log_dir = Some(dir.join("logs"));
    /// let err = klog::init_with(&klog::LoggingConfiguration::default(), &flags).unwrap_err();
    /// match &err {
    ///     klog::InitError::Output { flag, path, error } => {
    ///         assert_eq!(*flag, "--log_dir");
    ///         assert_eq!(path, &dir.join("logs"));
    ///         assert!(error.raw_os_error().is_some());
    ///     }
    ///     other => panic!("{other}"),
    /// }
    /// assert!(err.to_string().starts_with(&format!("--log_dir={}: ", dir.join("logs").display())));
    /// # std::fs::remove_file(dir).unwrap();
    /// ```
    Output {
        /// The flag that names it: `--log_dir` or `--log_file`.
        flag: &'static str,
        /// The directory or file.
        path: PathBuf,
        /// Why it cannot be used.
        error: io::Error,
    },
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Config(e) => fmt::Display::fmt(e, f),
            InitError::AlreadyInstalled(e) => fmt::Display::fmt(e, f),
            InitError::Output { flag, path, error } => {
                write!(f, "{flag}={}: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for InitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InitError::Config(e) => Some(e),
            InitError::AlreadyInstalled(e) => Some(e),
            InitError::Output { error, .. } => Some(error),
        }
    }
}

/// What [`init`] returns: keep it alive in `main` (`let _logging = klog::init(…)?;`).
///
/// While it lives, the process-wide logger's outputs may buffer (log files, split-stream
/// stdout with `infoBufferSize`); the flush thread writes them out every
/// `flushFrequency`, and error and fatal records are written through at once.
///
/// Dropping it (at the end of `main`, or at once with `let _ = klog::init(…)`) writes
/// out every buffer and makes `init`'s outputs write-through from then on: every later
/// record is at its destination when the log call returns, so nothing can be left
/// behind when the process ends, by any means. Dropping it early costs a write per
/// record; it loses nothing.
///
/// With the guard alive, records may sit in a buffer. A normal exit still writes them
/// out: returning from `main`, and on Unix `std::process::exit` (from any thread; Go's
/// `os.Exit` loses them), by an `atexit` hook, as do [`flush_and_exit`], `fatal!` and a
/// panic (the panic hook). An abort, a killing signal or `_exit` loses them: at most
/// `flushFrequency`'s worth. Outside Unix there is no exit hook: call
/// [`flush_and_exit`] rather than `std::process::exit`.
///
/// ```no_run
/// let _logging = klog::init(&klog::LoggingConfiguration::default()).unwrap();
/// klog::info!("Starting");
/// // Written out when `_logging` is dropped at the end of `main`, or at
/// // `std::process::exit` (Unix).
/// ```
#[derive(Debug)]
#[must_use = "while the guard lives, outputs may buffer; once dropped, every record is written through at once (slower); keep it alive until main returns"]
pub struct FlushGuard {
    /// The outputs `init` built, made write-through when the guard goes.
    outputs: Router,
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        self.outputs.unbuffer();
        flush();
    }
}
