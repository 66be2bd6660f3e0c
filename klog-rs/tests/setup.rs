//! The one-call setup (`klog::init_from_args`, `klog::try_init_from`,
//! `LoggingFlags::init`), the `--help` texts of `LoggingFlags`, and applications that have
//! their own `-v`.
//!
//! Own test binary: one test installs the process-wide logger.

use clap::{Args, CommandFactory, Parser};
use klog::{LoggingCli, LoggingConfiguration, LoggingFlags, StartupError};

/// The test component.
#[derive(Parser, Debug)]
#[command(name = "component")]
struct Cli {
    /// Logging configuration file (YAML).
    #[arg(long)]
    config: Option<std::path::PathBuf>,
    #[command(flatten)]
    logging: LoggingFlags,
}

impl LoggingCli for Cli {
    fn logging_flags(&self) -> &LoggingFlags {
        &self.logging
    }

    fn logging_configuration(&self) -> Result<LoggingConfiguration, klog::ConfigError> {
        match &self.config {
            Some(path) => LoggingConfiguration::from_path(path),
            None => Ok(LoggingConfiguration::default()),
        }
    }
}

/// An application with its own `-v`/`--verbose` (a count): it drops the short `-v` of
/// `LoggingFlags` and keeps `--v=N`.
#[derive(Parser, Debug)]
#[command(name = "tool", mut_arg("v", |arg| arg.short(None)))]
struct OwnVerbose {
    /// More output (repeat for more).
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(flatten)]
    logging: LoggingFlags,
}

fn error(args: &[&str]) -> StartupError {
    match klog::try_init_from::<Cli, _, _>(args.iter().copied()) {
        Ok(_) => panic!("{args:?} was accepted"),
        Err(e) => e,
    }
}

#[test]
fn bad_input_is_one_line_with_exit_status_2() {
    let path = std::env::temp_dir().join(format!("klog-setup-{}.yaml", std::process::id()));
    std::fs::write(&path, "format: xml\n").unwrap();
    let config = format!("--config={}", path.display());
    for (args, want) in [
        (
            &["component", "--logging-format=xml"][..],
            r#"format: Invalid value: "xml": Unsupported log format"#.to_owned(),
        ),
        (
            &["component", "-v=x"],
            "invalid value 'x' for '--v <Level>': must be a decimal number from 0 to 2147483647"
                .to_owned(),
        ),
        (
            &["component", "-vmodule=a"],
            "--vmodule: syntax error: expect comma-separated list of filename=N".to_owned(),
        ),
        (
            &["component", "--no-such-flag"],
            "unexpected argument '--no-such-flag' found".to_owned(),
        ),
        (
            &["component", &config],
            r#"format: Invalid value: "xml": Unsupported log format"#.to_owned(),
        ),
        (
            // The flag fixes the file's bad value.
            &[
                "component",
                &config,
                "-logging-format=json",
                "-log_file_max_size=x",
            ],
            "invalid value 'x' for '--log-file-max-size <uint>': must be an unsigned integer"
                .to_owned(),
        ),
    ] {
        let err = error(args);
        assert_eq!(err.to_string(), want, "{args:?}");
        assert_eq!(err.exit_code(), 2, "{args:?}");
        assert!(!err.to_string().contains('\n'), "{args:?}");
    }
    let missing = error(&["component", "--config=/nonexistent/klog-setup.yaml"]);
    assert!(
        matches!(missing, StartupError::Init(klog::InitError::Config(_))),
        "{missing:?}"
    );
    assert_eq!(missing.exit_code(), 2);
    let _ = std::fs::remove_file(path);
}

#[test]
fn help_and_version_exit_0() {
    let help = error(&["component", "--help"]);
    assert_eq!(help.exit_code(), 0);
    let StartupError::Args(e) = help else {
        panic!("{help:?}")
    };
    assert_eq!(e.kind(), clap::error::ErrorKind::DisplayHelp);
}

/// The only test that installs: logging is set up with the flags over the file.
#[test]
fn sets_up_from_file_and_flags() {
    let path = std::env::temp_dir().join(format!("klog-setup-ok-{}.yaml", std::process::id()));
    std::fs::write(
        &path,
        "verbosity: 2\nvmodule:\n- filePattern: pods\n  verbosity: 6\n",
    )
    .unwrap();
    let config = format!("--config={}", path.display());
    let (cli, guard) =
        klog::try_init_from::<Cli, _, _>(["component", config.as_str(), "-v=3"]).unwrap();
    assert_eq!(cli.logging.v, Some(3));
    assert_eq!(klog::verbosity(), 3); // the flag over the file
    assert_eq!(klog::vmodule().unwrap().to_string(), "pods=6"); // the file's
    drop(guard);
    // Set up once per process, like klog::init.
    let again = error(&["component"]);
    assert!(
        matches!(
            again,
            StartupError::Init(klog::InitError::AlreadyInstalled(_))
        ),
        "{again:?}"
    );
    assert_eq!(
        again.to_string(),
        "the process-wide logger was already installed"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn parsers_pass_clap_debug_asserts() {
    Cli::command().debug_assert();
    OwnVerbose::command().debug_assert();
}

#[test]
fn an_application_with_its_own_v_keeps_long_v() {
    let normalized =
        |args: &[&str]| klog::normalize_go_flags(args.iter().map(std::ffi::OsString::from));
    let cli =
        OwnVerbose::try_parse_from(normalized(&["tool", "-vv", "--v=4", "-vmodule=a=5"])).unwrap();
    assert_eq!(cli.verbose, 2);
    assert_eq!(cli.logging.v, Some(4));
    assert_eq!(cli.logging.vmodule.as_deref(), Some("a=5"));
    let cli = OwnVerbose::try_parse_from(normalized(&["tool", "--verbose", "--v", "1"])).unwrap();
    assert_eq!((cli.verbose, cli.logging.v), (1, Some(1)));
    // `-v=4` is the application's flag now, and a count takes no value.
    assert!(OwnVerbose::try_parse_from(normalized(&["tool", "-v=4"])).is_err());
    let help = OwnVerbose::command().render_long_help().to_string();
    assert!(help.contains("      --v <Level>"), "{help}");
    assert!(help.contains("-v, --verbose"), "{help}");
}

#[test]
fn without_dropping_the_short_v_clap_rejects_the_parser() {
    /// The mistake the documentation warns about.
    #[derive(Parser, Debug)]
    struct Clash {
        #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
        verbose: u8,
        #[command(flatten)]
        logging: LoggingFlags,
    }
    let result = std::panic::catch_unwind(|| Clash::command().debug_assert());
    assert!(result.is_err(), "clap accepted two -v");
}

/// Help texts are for the people running the program: no Rust API names.
#[test]
fn help_texts_name_no_rust_api() {
    let help = Cli::command().render_long_help().to_string();
    let short_help = Cli::command().render_help().to_string();
    assert!(help.contains("--log-dir <string>"), "{help}");
    for text in [&help, &short_help] {
        for word in [
            "::",
            "klog_options",
            "init_with",
            "apply_to",
            "LoggingFlags",
            "LoggingConfiguration",
            "KlogFlags",
            "FlushGuard",
            "Severity",
            "Option<",
            "`",
        ] {
            assert!(!text.contains(word), "{word:?} in:\n{text}");
        }
    }
    // Every logging flag has a help text.
    for arg in LoggingFlags::augment_args(clap::Command::new("x")).get_arguments() {
        assert!(
            arg.get_help().is_some_and(|h| !h.to_string().is_empty()),
            "{:?}",
            arg.get_id()
        );
    }
}
