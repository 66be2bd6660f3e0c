// The tests set fields as users must (the structs are `#[non_exhaustive]`).
#![allow(clippy::field_reassign_with_default)]

use super::*;

fn validation_error(f: impl FnOnce(&mut LoggingConfiguration)) -> String {
    let mut config = LoggingConfiguration::default();
    f(&mut config);
    config.validate().unwrap_err().to_string()
}

#[test]
fn validation_errors_name_the_field() {
    assert!(LoggingConfiguration::default().validate().is_ok());
    assert_eq!(
        validation_error(|c| c.format = "xml".into()),
        r#"format: Invalid value: "xml": Unsupported log format"#
    );
    assert_eq!(
        validation_error(|c| c.format = String::new()),
        r#"format: Invalid value: "": Unsupported log format"#
    );
    assert_eq!(
        validation_error(|c| c.flush_frequency = GoDuration::from_nanos(0)),
        r#"flushFrequency: Invalid value: "0s": Must be greater than zero"#
    );
    assert_eq!(
        validation_error(|c| c.flush_frequency = "-1s".parse().unwrap()),
        r#"flushFrequency: Invalid value: "-1s": Must be greater than zero"#
    );
    assert_eq!(
        validation_error(|c| c.verbosity = 1 << 31),
        "verbosity: Invalid value: 0x80000000: Must be <= 2147483647"
    );
    assert_eq!(
        validation_error(|c| c.vmodule = vec![VModuleItem::new("gopher*", 1 << 31)]),
        "vmodule[0]: Invalid value: 0x80000000: Must be <= 2147483647"
    );
    assert_eq!(
        validation_error(|c| c.vmodule = vec![VModuleItem::new("", 1)]),
        "vmodule[0]: Required value: File pattern must not be empty"
    );
    assert_eq!(
        validation_error(|c| {
            c.vmodule = vec![
                VModuleItem::new("foo,bar", 1),
                VModuleItem::new("foo=bar", 1),
            ]
        }),
        r#"[vmodule[0]: Invalid value: "foo,bar": File pattern must not contain equal sign or comma, vmodule[1]: Invalid value: "foo=bar": File pattern must not contain equal sign or comma]"#
    );
    assert_eq!(
        validation_error(|c| {
            c.format = "xml".into();
            c.verbosity = u32::MAX;
        }),
        r#"[format: Invalid value: "xml": Unsupported log format, verbosity: Invalid value: 0xffffffff: Must be <= 2147483647]"#
    );
}

#[test]
fn accepted_where_component_base_differs() {
    // vmodule with the json format: component-base forbids it, klog-rs allows it.
    let mut config = LoggingConfiguration::default();
    config.format = "json".into();
    config.vmodule = vec![VModuleItem::new("foo", 1)];
    config.validate().unwrap();
    // [Alpha] options without a feature gate, and a buffer size without split streams
    // (component-base does not tie them together either).
    config.options.text.info_buffer_size = "1Mi".parse().unwrap();
    config.options.json.split_stream = true;
    config.validate().unwrap();
    config.verbosity = i32::MAX.unsigned_abs();
    config.validate().unwrap();
}

#[test]
fn vmodule_grammar() {
    let items = VModuleItem::parse_list("a=1,b*=2,,c=+3,d=0,").unwrap();
    let expected = [
        VModuleItem::new("a", 1),
        VModuleItem::new("b*", 2),
        VModuleItem::new("c", 3),
        VModuleItem::new("d", 0),
    ];
    assert_eq!(items, expected);
    assert_eq!(VModuleItem::parse_list("").unwrap(), []);
    let syntax = "syntax error: expect comma-separated list of filename=N";
    for bad in [
        "a",
        "=1",
        "a=",
        "a=1=2",
        "a=x",
        "a=2147483648",
        "a= 1",
        "a=1.0",
    ] {
        assert_eq!(
            VModuleItem::parse_list(bad).unwrap_err().to_string(),
            syntax,
            "{bad}"
        );
    }
    for negative in ["a=-1", "a=-2147483648"] {
        assert_eq!(
            VModuleItem::parse_list(negative).unwrap_err().to_string(),
            "negative value for vmodule level"
        );
    }
}

#[test]
fn config_error_is_an_error() {
    fn assert_error<E: Error + Send + Sync + 'static>() {}
    assert_error::<ConfigError>();
    let err = ConfigError::aggregate(vec!["a".into(), "a".into()]).unwrap_err();
    assert_eq!(err.to_string(), "a");
    assert!(err.source().is_none());
    assert!(ConfigError::aggregate(Vec::new()).is_ok());
}

proptest::proptest! {
    #[test]
    fn arbitrary_vmodule_never_panics(text in ".*") {
        let _ = VModuleItem::parse_list(&text);
    }
}
