//! One call for a component's `main`: parse the command line, build the logging
//! configuration, validate, apply, and on bad input print one line and exit 2.
//!
//! component-base's shape: a Go component parses its flags, calls
//! `logsapi.ValidateAndApply`, and on an error prints it and exits. Here that is
//! [`init_from_args`], for any clap parser that flattens [`LoggingFlags`] and implements
//! [`LoggingCli`]; [`try_init_from`] is the same without printing or exiting.

use std::ffi::OsString;
use std::fmt;

use crate::config::{ConfigError, LoggingConfiguration, LoggingFlags};
use crate::global::{FlushGuard, InitError};

/// A component's command line: a clap parser with [`LoggingFlags`] flattened into it,
/// for [`init_from_args`].
///
/// [`logging_flags`](Self::logging_flags) hands out the flattened flags;
/// [`logging_configuration`](Self::logging_configuration) the configuration they
/// override, by default [`LoggingConfiguration::default()`]: override it to read the
/// component's configuration file.
///
/// ```
/// use clap::Parser;
///
/// #[derive(Parser)]
/// struct Cli {
///     /// Logging configuration file.
///     #[arg(long)]
///     config: Option<std::path::PathBuf>,
///     #[command(flatten)]
///     logging: klog::LoggingFlags,
/// }
///
/// impl klog::LoggingCli for Cli {
///     fn logging_flags(&self) -> &klog::LoggingFlags {
///         &self.logging
///     }
///
///     fn logging_configuration(&self) -> Result<klog::LoggingConfiguration, klog::ConfigError> {
///         match &self.config {
///             Some(path) => klog::LoggingConfiguration::from_path(path),
///             None => Ok(klog::LoggingConfiguration::default()),
///         }
///     }
/// }
/// # let cli = Cli::try_parse_from(["prog", "-v=3"]).unwrap();
/// # assert_eq!(klog::LoggingCli::logging_flags(&cli).v, Some(3));
/// ```
pub trait LoggingCli: clap::Parser {
    /// The flattened logging flags.
    ///
    /// ```
    /// # use clap::Parser;
    /// #[derive(Parser)]
    /// struct Cli {
    ///     #[command(flatten)]
    ///     logging: klog::LoggingFlags,
    /// }
    ///
    /// impl klog::LoggingCli for Cli {
    ///     fn logging_flags(&self) -> &klog::LoggingFlags {
    ///         &self.logging
    ///     }
    /// }
    /// # let cli = Cli::try_parse_from(["prog"]).unwrap();
    /// # assert_eq!(klog::LoggingCli::logging_flags(&cli).v, None);
    /// ```
    fn logging_flags(&self) -> &LoggingFlags;

    /// The configuration the flags override (the component's configuration file): the
    /// defaults unless overridden. Its error is printed like a bad flag's.
    ///
    /// ```
    /// # use clap::Parser;
    /// # #[derive(Parser, Debug)]
    /// # struct Cli {
    /// #     #[command(flatten)]
    /// #     logging: klog::LoggingFlags,
    /// # }
    /// # impl klog::LoggingCli for Cli {
    /// #     fn logging_flags(&self) -> &klog::LoggingFlags { &self.logging }
    /// # }
    /// use klog::LoggingCli as _;
    ///
    /// let cli = Cli::try_parse_from(["prog"]).unwrap();
    /// assert_eq!(cli.logging_configuration().unwrap(), klog::LoggingConfiguration::default());
    /// ```
    ///
    /// # Errors
    /// Whatever keeps the configuration from being read, as a one-line [`ConfigError`].
    fn logging_configuration(&self) -> Result<LoggingConfiguration, ConfigError> {
        Ok(LoggingConfiguration::default())
    }
}

/// Why [`try_init_from`] failed: a bad command line (or `--help`/`--version`, which
/// clap reports as errors), or a configuration or flag value that did not validate.
///
/// `Display` is one line: clap's first line without its `error: ` prefix, or the
/// [`InitError`].
///
/// ```
/// # use clap::Parser;
/// # #[derive(Parser, Debug)]
/// # struct Cli {
/// #     #[command(flatten)]
/// #     logging: klog::LoggingFlags,
/// # }
/// # impl klog::LoggingCli for Cli {
/// #     fn logging_flags(&self) -> &klog::LoggingFlags { &self.logging }
/// # }
/// let err = klog::try_init_from::<Cli, _, _>(["prog", "--logging-format=xml"]).unwrap_err();
/// assert_eq!(err.to_string(), r#"format: Invalid value: "xml": Unsupported log format"#);
/// assert_eq!(err.exit_code(), 2);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum StartupError {
    /// The command line did not parse, or asked for `--help` or `--version`.
    Args(clap::Error),
    /// The configuration could not be read, did not validate with the flags applied, or
    /// logging was set up before.
    Init(InitError),
}

impl StartupError {
    /// The exit status component-base's shape gives it: 0 for `--help` and `--version`
    /// (they print to stdout), 2 for everything else.
    ///
    /// ```
    /// # use clap::Parser;
    /// # #[derive(Parser, Debug)]
    /// # struct Cli {
    /// #     #[command(flatten)]
    /// #     logging: klog::LoggingFlags,
    /// # }
    /// # impl klog::LoggingCli for Cli {
    /// #     fn logging_flags(&self) -> &klog::LoggingFlags { &self.logging }
    /// # }
    /// let err = klog::try_init_from::<Cli, _, _>(["prog", "--help"]).unwrap_err();
    /// assert_eq!(err.exit_code(), 0);
    /// let err = klog::try_init_from::<Cli, _, _>(["prog", "-v=x"]).unwrap_err();
    /// assert_eq!(err.exit_code(), 2);
    /// ```
    #[must_use]
    pub fn exit_code(&self) -> i32 {
        match self {
            StartupError::Args(e) if !e.use_stderr() => 0,
            _ => 2,
        }
    }
}

impl fmt::Display for StartupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartupError::Args(e) => {
                let text = e.render().to_string();
                let line = text.lines().next().unwrap_or_default();
                f.write_str(line.strip_prefix("error: ").unwrap_or(line))
            }
            StartupError::Init(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl std::error::Error for StartupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartupError::Args(e) => Some(e),
            StartupError::Init(e) => Some(e),
        }
    }
}

/// Sets up logging for a component's `main` in one call: parses the process's
/// arguments into `C` (Go's single-dash spellings too, see [`normalize_go_flags`](crate::normalize_go_flags)),
/// reads `C`'s [configuration](LoggingCli::logging_configuration), overrides it with the
/// flags that were given, validates, and applies it with klog's own flags
/// ([`LoggingFlags::init`]). Returns the parsed command line and the guard to keep in
/// `main` (dropping it flushes).
///
/// On bad input it prints one line, `<name>: <error>` (the command's name), to stderr
/// and exits with status 2, as a Go component does; `--help` and `--version` print to
/// stdout and exit 0. Use [`try_init_from`] to handle those yourself.
///
/// ```no_run
/// use clap::Parser;
///
/// /// A controller.
/// #[derive(Parser)]
/// #[command(name = "controller")]
/// struct Cli {
///     #[arg(long, default_value_t = 2)]
///     workers: u32,
///     #[command(flatten)]
///     logging: klog::LoggingFlags,
/// }
///
/// impl klog::LoggingCli for Cli {
///     fn logging_flags(&self) -> &klog::LoggingFlags {
///         &self.logging
///     }
/// }
///
/// fn main() {
///     let (cli, _logging) = klog::init_from_args::<Cli>();
///     klog::info!("Starting controller", workers = cli.workers);
/// }
/// ```
#[must_use = "dropping the guard flushes at once; keep it alive until main returns"]
pub fn init_from_args<C: LoggingCli>() -> (C, FlushGuard) {
    match try_init_from::<C, _, _>(std::env::args_os()) {
        Ok(setup) => setup,
        Err(StartupError::Args(e)) if !e.use_stderr() => e.exit(),
        Err(e) => {
            let command = C::command();
            eprintln!("{}: {e}", command.get_name());
            std::process::exit(e.exit_code())
        }
    }
}

/// [`init_from_args`] with the arguments given (the first is the program name), and
/// the error returned instead of printed: nothing is printed and the process does not
/// exit. On success, logging is set up exactly as [`init_from_args`] sets it up.
///
/// ```
/// # use clap::Parser;
/// # #[derive(Parser, Debug)]
/// # struct Cli {
/// #     #[command(flatten)]
/// #     logging: klog::LoggingFlags,
/// # }
/// # impl klog::LoggingCli for Cli {
/// #     fn logging_flags(&self) -> &klog::LoggingFlags { &self.logging }
/// # }
/// match klog::try_init_from::<Cli, _, _>(["controller", "-v=2", "-vmodule=pods=4"]) {
///     Ok((_cli, _logging)) => klog::info!(v: 2, "Starting"),
///     Err(e) => eprintln!("controller: {e}"),
/// }
/// ```
///
/// # Errors
/// [`StartupError::Args`] when the arguments do not parse (or ask for help),
/// [`StartupError::Init`] when the configuration cannot be read, does not validate or
/// logging was set up before.
pub fn try_init_from<C, I, T>(args: I) -> Result<(C, FlushGuard), StartupError>
where
    C: LoggingCli,
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let args = crate::config::normalize_go_flags(args.into_iter().map(Into::into));
    let cli = C::try_parse_from(args).map_err(StartupError::Args)?;
    let config = cli
        .logging_configuration()
        .map_err(|e| StartupError::Init(InitError::Config(e)))?;
    let guard = cli
        .logging_flags()
        .init(config)
        .map_err(StartupError::Init)?;
    Ok((cli, guard))
}
