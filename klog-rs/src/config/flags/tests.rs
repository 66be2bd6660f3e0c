// The tests set fields as users must (the structs are `#[non_exhaustive]`).
#![allow(clippy::field_reassign_with_default)]

use std::ffi::OsString;

use clap::{CommandFactory, Parser};

use super::super::quantity::{QUANTITY_FORMAT_ERROR, QUANTITY_NEGATIVE_ERROR};
use super::*;

/// The test program.
#[derive(Parser, Debug)]
#[command(name = "prog")]
struct Cli {
    #[command(flatten)]
    logging: LoggingFlags,
    #[arg(long)]
    other: Option<String>,
}

fn parse(args: &[&str]) -> LoggingFlags {
    let mut argv = vec!["prog"];
    argv.extend_from_slice(args);
    Cli::try_parse_from(argv)
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
        .logging
}

fn parse_err(args: &[&str]) -> String {
    let mut argv = vec!["prog"];
    argv.extend_from_slice(args);
    Cli::try_parse_from(argv).unwrap_err().to_string()
}

#[test]
fn command_is_well_formed() {
    Cli::command().debug_assert();
}

#[test]
fn a_repeated_flag_takes_its_last_value() {
    let flags = parse(&[
        "-v=1",
        "--v=2",
        "--vmodule=a=1",
        "--vmodule=b=2",
        "--logtostderr",
        "--logtostderr=false",
    ]);
    assert_eq!(flags.v, Some(2));
    assert_eq!(flags.vmodule.as_deref(), Some("b=2"));
    assert!(!flags.klog_options().logtostderr);
}

#[test]
fn verbosity_forms() {
    for args in [
        &["--v=3"][..],
        &["-v", "3"],
        &["-v=3"],
        &["-v3"],
        &["--v", "3"],
    ] {
        assert_eq!(parse(args).v, Some(3), "{args:?}");
    }
    assert_eq!(parse(&[]).v, None);
    assert!(parse_err(&["--v=-1"]).contains("must be a decimal number"));
    assert!(parse_err(&["--v=2147483648"]).contains("must be a decimal number"));
    assert!(parse_err(&["--v=+1"]).contains("must be a decimal number"));
    assert_eq!(parse(&["--v=2147483647"]).v, Some(2_147_483_647));
}

#[test]
fn vmodule_flag() {
    let flags = parse(&["--vmodule=a=1,b*=2"]);
    assert_eq!(flags.vmodule.as_deref(), Some("a=1,b*=2"));
    let mut config = LoggingConfiguration::default();
    config.vmodule = vec![VModuleItem::new("old", 9)];
    flags.apply_to(&mut config).unwrap();
    assert_eq!(
        config.vmodule,
        [VModuleItem::new("a", 1), VModuleItem::new("b*", 2)]
    );
    let mut config = LoggingConfiguration::default();
    assert_eq!(
        parse(&["--vmodule=a"])
            .apply_to(&mut config)
            .unwrap_err()
            .to_string(),
        "--vmodule: syntax error: expect comma-separated list of filename=N"
    );
    assert_eq!(
        parse(&["--vmodule", "a=-1"])
            .apply_to(&mut config)
            .unwrap_err()
            .to_string(),
        "--vmodule: negative value for vmodule level"
    );
    // An empty --vmodule clears the configuration file's list.
    config.vmodule = vec![VModuleItem::new("old", 9)];
    parse(&["--vmodule="]).apply_to(&mut config).unwrap();
    assert!(config.vmodule.is_empty());
}

#[test]
fn klog_flags_both_spellings() {
    for args in [
        &["--log_dir=/tmp/x"][..],
        &["--log-dir", "/tmp/x"],
        &["--log-dir=/tmp/x"],
    ] {
        let options = parse(args).klog_options();
        assert_eq!(options.log_dir, Some("/tmp/x".into()), "{args:?}");
    }
    let flags = parse(&[
        "--log_file=/tmp/f.log",
        "--log_file_max_size=0x10",
        "--one_output",
        "--skip_headers=true",
        "--skip_log_headers=1",
        "--add_dir_header=T",
        "--alsologtostderr",
        "--stderrthreshold=warning",
        "--log_time_utc",
    ]);
    let options = flags.klog_options();
    assert!(options.log_time_utc);
    assert_eq!(options.log_file, Some("/tmp/f.log".into()));
    assert_eq!(options.log_file_max_size, 16);
    assert!(options.one_output && options.skip_headers && options.skip_log_headers);
    assert!(options.add_dir_header && options.alsologtostderr && options.logtostderr);
    assert_eq!(options.stderrthreshold, Severity::Warning);
    let flags = parse(&[
        "--log-file-max-size=100",
        "--one-output=false",
        "--skip-headers",
        "--skip-log-headers",
        "--add-dir-header",
        "--stderrthreshold=3",
        "--log_dir=",
        "--log-time-utc=false",
    ]);
    let options = flags.klog_options();
    assert!(!options.log_time_utc);
    assert_eq!(options.log_file_max_size, 100);
    assert!(!options.one_output);
    assert_eq!(options.stderrthreshold, Severity::Fatal);
    assert_eq!(options.log_dir, None);
    assert_eq!(parse(&[]).klog_options(), KlogFlags::default());
    for bad in [
        "--stderrthreshold=4",
        "--stderrthreshold=DEBUG",
        "--stderrthreshold=-1",
    ] {
        assert!(parse_err(&[bad]).contains("must be INFO, WARNING"), "{bad}");
    }
    for (text, severity) in [
        ("INFO", Severity::Info),
        ("Error", Severity::Error),
        ("+1", Severity::Warning),
    ] {
        let flags = parse(&[&format!("--stderrthreshold={text}")]);
        assert_eq!(flags.stderrthreshold, Some(severity));
    }
}

#[test]
fn bool_flags_take_go_forms() {
    assert_eq!(parse(&["--logtostderr=false"]).logtostderr, Some(false));
    assert_eq!(parse(&["--logtostderr"]).logtostderr, Some(true));
    assert_eq!(parse(&["--logtostderr=true"]).logtostderr, Some(true));
    assert_eq!(parse(&["--logtostderr=F"]).logtostderr, Some(false));
    assert_eq!(parse(&[]).logtostderr, None);
    assert!(!parse(&["--logtostderr=false"]).klog_options().logtostderr);
    assert!(parse_err(&["--logtostderr=no"]).contains("must be true or false"));
    // Like Go, a bool flag does not take a separate value.
    assert!(parse_err(&["--logtostderr", "false"]).contains("unexpected argument"));
    let flags = parse(&["--log-text-split-stream", "--log_json_split_stream=false"]);
    assert_eq!(flags.log_text_split_stream, Some(true));
    assert_eq!(flags.log_json_split_stream, Some(false));
}

#[test]
fn component_base_flags() {
    let flags = parse(&[
        "--logging-format=json",
        "--log-flush-frequency=1m30s",
        "--log-text-split-stream",
        "--log-text-info-buffer-size=64Ki",
        "--log_json_split_stream=true",
        "--log_json_info_buffer_size",
        "1M",
    ]);
    let mut config = LoggingConfiguration::default();
    flags.apply_to(&mut config).unwrap();
    assert_eq!(config.format, "json");
    assert_eq!(config.flush_frequency.as_nanos(), 90_000_000_000);
    assert!(config.options.text.split_stream && config.options.json.split_stream);
    assert_eq!(config.options.text.info_buffer_size.bytes(), 65_536);
    assert_eq!(config.options.json.info_buffer_size.as_str(), "1M");
    assert!(parse_err(&["--log-json-info-buffer-size=12x"]).contains(QUANTITY_FORMAT_ERROR));
    assert!(parse_err(&["--log-json-info-buffer-size=-1Ki"]).contains(QUANTITY_NEGATIVE_ERROR));
    assert!(parse_err(&["--log-flush-frequency=5"]).contains("missing unit"));
    let mut config = LoggingConfiguration::default();
    assert_eq!(
        parse(&["--log-flush-frequency=0s"])
            .apply_to(&mut config)
            .unwrap_err()
            .to_string(),
        r#"flushFrequency: Invalid value: "0s": Must be greater than zero"#
    );
}

#[test]
fn logging_format_validated_by_apply_to() {
    let flags = parse(&["--logging-format=xml"]);
    assert_eq!(flags.logging_format.as_deref(), Some("xml"));
    let mut config = LoggingConfiguration::default();
    assert_eq!(
        flags.apply_to(&mut config).unwrap_err().to_string(),
        r#"format: Invalid value: "xml": Unsupported log format"#
    );
}

#[test]
fn flags_override_the_file() {
    let mut file = LoggingConfiguration::default();
    file.verbosity = 2;
    file.format = "json".into();
    file.options.json.split_stream = true;

    let mut config = file.clone();
    parse(&["--v=5"]).apply_to(&mut config).unwrap();
    assert_eq!(config.verbosity, 5);
    assert_eq!(config.format, "json");
    assert!(config.options.json.split_stream);

    let mut config = file.clone();
    parse(&["--other=x"]).apply_to(&mut config).unwrap();
    assert_eq!(config, file);
}

#[test]
fn normalize() {
    let args = |list: &[&str]| list.iter().map(OsString::from).collect::<Vec<_>>();
    assert_eq!(
        normalize_go_flags(args(&[
            "prog",
            "-logtostderr=false",
            "-v=2",
            "--",
            "-log_dir"
        ])),
        args(&["prog", "--logtostderr=false", "-v=2", "--", "-log_dir"])
    );
    assert_eq!(
        normalize_go_flags(args(&[
            "-log_dir",
            "-log_dir",
            "/tmp",
            "-vmodule=a=1",
            "-v",
            "3",
            "-other",
            "--log-file=x",
            "-",
            "-stderrthreshold=INFO",
            "-logging-format=json",
        ])),
        args(&[
            "-log_dir",
            "--log_dir",
            "/tmp",
            "--vmodule=a=1",
            "-v",
            "3",
            "-other",
            "--log-file=x",
            "-",
            "--stderrthreshold=INFO",
            "--logging-format=json",
        ])
    );
    let cli = Cli::try_parse_from(normalize_go_flags(args(&[
        "prog",
        "-vmodule=x=1",
        "-v=2",
        "-log_dir",
        "/tmp/d",
        "-logtostderr=false",
    ])))
    .unwrap();
    assert_eq!(cli.logging.vmodule.as_deref(), Some("x=1"));
    assert_eq!(cli.logging.v, Some(2));
    assert_eq!(cli.logging.log_dir, Some("/tmp/d".into()));
    assert_eq!(cli.logging.logtostderr, Some(false));
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        let odd = OsString::from_vec(vec![b'-', 0xff]);
        assert_eq!(
            normalize_go_flags([OsString::from("p"), odd.clone()]),
            [OsString::from("p"), odd]
        );
    }
}

#[test]
fn go_flag_names_come_from_the_parser() {
    let names = go_long_flag_names();
    let command = Cli::command();
    let mut flags = 0;
    for arg in command.get_arguments() {
        if arg.get_id() == "other" || arg.get_id() == "help" {
            assert!(!names.iter().any(|n| Some(n.as_str()) == arg.get_long()));
            continue;
        }
        flags += 1;
        let long = arg.get_long().unwrap();
        let aliases = arg.get_all_aliases().unwrap_or_default();
        // Every word-separated flag takes both spellings.
        if long.contains('-') {
            let underscored = long.replace('-', "_");
            assert!(
                aliases.contains(&underscored.as_str()),
                "{long} lacks {underscored}"
            );
        }
        // clap already parses `-v`, `-v=2` and `-v2` as the short flag.
        let listed = arg.get_short().is_none();
        for name in std::iter::once(long).chain(aliases) {
            assert_eq!(names.iter().any(|n| n == name), listed, "{name}");
        }
    }
    assert_eq!(flags, 19);
    assert_eq!(names.len(), 32);
}

#[test]
fn help_names_go_counterparts() {
    let help = Cli::command().render_long_help().to_string();
    for needle in [
        "Logging flags:",
        "--logging-format <string>",
        "-v, --v <Level>",
        "--vmodule <pattern=N,...>",
        "--log-flush-frequency <duration>",
        "--logtostderr[=<true|false>]",
        "[Go klog: -log_dir]",
        "[Go klog: -log_file_max_size]",
        "[Go klog: -one_output]",
        "[Go klog: -skip_headers]",
        "[Go klog: -skip_log_headers]",
        "[Go klog: -add_dir_header]",
    ] {
        assert!(help.contains(needle), "{needle:?} missing from:\n{help}");
    }
    assert!(help.starts_with("The test program\n"), "{help}");
    // The underscore spellings are hidden aliases.
    assert!(!help.contains("--log_dir"), "{help}");
}

#[test]
fn go_uint64() {
    for (text, want) in [
        ("0", 0),
        ("1800", 1800),
        ("0x10", 16),
        ("0X1f", 31),
        ("010", 8),
        ("0o10", 8),
        ("0b101", 5),
        ("1_000", 1000),
        ("0x_10", 16),
        ("18446744073709551615", u64::MAX),
    ] {
        assert_eq!(parse_go_uint64(text), Ok(want), "{text}");
    }
    for bad in [
        "",
        "-1",
        "+1",
        "0x",
        "1__0",
        "_1",
        "1_",
        "09",
        "1.5",
        "18446744073709551616",
        "0b2",
    ] {
        assert!(parse_go_uint64(bad).is_err(), "{bad}");
    }
}

/// The long name of every logging flag, from the parser.
fn flag_value_names() -> Vec<String> {
    <LoggingFlags as clap::Args>::augment_args(clap::Command::new("prog"))
        .get_arguments()
        .filter_map(|arg| arg.get_long().map(str::to_owned))
        .collect()
}

proptest::proptest! {
    #[test]
    fn arbitrary_flag_values_never_panic(
        name in proptest::sample::select(flag_value_names()),
        value in ".*",
    ) {
        for argv in [
            vec!["prog".to_owned(), format!("--{name}={value}")],
            vec!["prog".to_owned(), format!("-{name}={value}")],
            vec!["prog".to_owned(), format!("--{name}"), value.clone()],
        ] {
            let argv = normalize_go_flags(argv.into_iter().map(OsString::from));
            if let Ok(cli) = Cli::try_parse_from(argv) {
                let mut config = LoggingConfiguration::default();
                let _ = cli.logging.apply_to(&mut config);
                let _ = cli.logging.klog_options();
            }
        }
    }

    #[test]
    fn arbitrary_arguments_never_panic(args in proptest::collection::vec(".*", 0..6)) {
        let argv = normalize_go_flags(
            std::iter::once("prog".to_owned()).chain(args).map(OsString::from),
        );
        if let Ok(cli) = Cli::try_parse_from(argv) {
            let mut config = LoggingConfiguration::default();
            let _ = cli.logging.apply_to(&mut config);
        }
    }
}
