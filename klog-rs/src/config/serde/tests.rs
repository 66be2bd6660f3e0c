// The tests set fields as users must (the structs are `#[non_exhaustive]`).
#![allow(clippy::field_reassign_with_default)]

use std::error::Error;

use super::super::quantity::QUANTITY_FORMAT_ERROR;
use super::*;
use crate::config::VModuleItem;

const GO_DEFAULT_JSON: &str = r#"{"format":"text","flushFrequency":"5s","verbosity":0,"options":{"text":{"infoBufferSize":"0"},"json":{"infoBufferSize":"0"}}}"#;

fn json_err(json: &str) -> String {
    LoggingConfiguration::from_json(json)
        .unwrap_err()
        .to_string()
}

#[test]
fn json_defaults_and_round_trip() {
    let config = LoggingConfiguration::from_json("{}").unwrap();
    assert_eq!(config, LoggingConfiguration::default());
    assert_eq!(config.to_json().unwrap(), GO_DEFAULT_JSON);
    let config = LoggingConfiguration::from_json(r#"{"verbosity": 3}"#).unwrap();
    let json = config.to_json().unwrap();
    assert_eq!(
        json,
        GO_DEFAULT_JSON.replace(r#""verbosity":0"#, r#""verbosity":3"#)
    );
    assert_eq!(LoggingConfiguration::from_json(&json).unwrap(), config);
    // Explicit nulls and empty values get the defaults, as in component-base.
    let config = LoggingConfiguration::from_json(
        r#"{"format": null, "flushFrequency": 0, "format": "", "vmodule": null, "options": {"json": null}}"#,
    );
    assert!(config.is_err(), "duplicate field");
    let config = LoggingConfiguration::from_json(
        r#"{"format": "", "flushFrequency": 0, "verbosity": null, "vmodule": null, "options": {"json": null}}"#,
    )
    .unwrap();
    assert_eq!(config, LoggingConfiguration::default());
}

#[test]
fn json_all_fields() {
    // component-base's TestCompatibility fixture.
    let config = LoggingConfiguration::from_json(
        r#"{
	"format": "json",
	"flushFrequency": 1,
	"verbosity": 5,
	"vmodule": [
		{"filePattern": "someFile", "verbosity": 10},
		{"filePattern": "anotherFile", "verbosity": 1}
	],
	"options": {
		"text": {
			"splitStream": true,
			"infoBufferSize": "2048"
		},
		"json": {
			"splitStream": true,
			"infoBufferSize": "1024"
		}
	}
}
"#,
    )
    .unwrap();
    let mut expected = LoggingConfiguration::default();
    expected.format = "json".into();
    expected.flush_frequency = GoDuration::from_nanos(1);
    expected.verbosity = 5;
    expected.vmodule = vec![
        VModuleItem::new("someFile", 10),
        VModuleItem::new("anotherFile", 1),
    ];
    expected.options.text.split_stream = true;
    expected.options.text.info_buffer_size = Quantity::from_bytes(2048);
    expected.options.json.split_stream = true;
    expected.options.json.info_buffer_size = Quantity::from_bytes(1024);
    assert_eq!(config, expected);
    config.validate().unwrap();
    let json = config.to_json().unwrap();
    assert_eq!(
        json,
        r#"{"format":"json","flushFrequency":1,"verbosity":5,"vmodule":[{"filePattern":"someFile","verbosity":10},{"filePattern":"anotherFile","verbosity":1}],"options":{"text":{"splitStream":true,"infoBufferSize":"2048"},"json":{"splitStream":true,"infoBufferSize":"1024"}}}"#
    );
    assert_eq!(LoggingConfiguration::from_json(&json).unwrap(), config);
}

#[test]
fn flush_frequency_forms() {
    for (json, form) in [
        (
            r#"{"flushFrequency": "1m30s"}"#,
            r#""flushFrequency":"1m30s""#,
        ),
        (
            r#"{"flushFrequency": 90000000000}"#,
            r#""flushFrequency":90000000000"#,
        ),
    ] {
        let config = LoggingConfiguration::from_json(json).unwrap();
        assert_eq!(config.flush_frequency.as_nanos(), 90_000_000_000, "{json}");
        assert!(config.to_json().unwrap().contains(form), "{json}");
    }
    #[cfg(feature = "yaml")]
    for (yaml, form) in [
        ("flushFrequency: 1m30s", "flushFrequency: 1m30s\n"),
        (
            "flushFrequency: 90000000000",
            "flushFrequency: 90000000000\n",
        ),
    ] {
        let config = LoggingConfiguration::from_yaml(yaml).unwrap();
        assert_eq!(config.flush_frequency.as_nanos(), 90_000_000_000, "{yaml}");
        assert!(config.to_yaml().unwrap().contains(form), "{yaml}");
    }
    assert_eq!(
        json_err(r#"{"flushFrequency": "soon"}"#),
        r#"flushFrequency: time: invalid duration "soon" at line 1 column 25"#
    );
    assert!(json_err(r#"{"flushFrequency": 1.5}"#)
        .starts_with(r#"flushFrequency: invalid duration "1.5": expected a duration string"#));
    assert!(json_err(r#"{"flushFrequency": 18446744073709551615}"#)
        .starts_with(r#"flushFrequency: invalid duration "18446744073709551615""#));
    assert!(json_err(r#"{"flushFrequency": true}"#).starts_with("flushFrequency: invalid type"));
}

#[test]
fn json_errors_name_the_field() {
    assert_eq!(
        json_err(r#"{"formt": "json"}"#),
        "unknown field `formt`, expected one of `format`, `flushFrequency`, `verbosity`, `vmodule`, `options` at line 1 column 8"
    );
    assert_eq!(
        json_err(r#"{"options": {"json": {"foo": 1}}}"#),
        "options.json: unknown field `foo`, expected `splitStream` or `infoBufferSize` at line 1 column 27"
    );
    assert_eq!(
        json_err(r#"{"options": {"json": {"infoBufferSize": "12x"}}}"#),
        format!(
            r#"options.json.infoBufferSize: Invalid value: "12x": {QUANTITY_FORMAT_ERROR} at line 1 column 45"#
        )
    );
    assert_eq!(
        json_err(r#"{"vmodule": [{"filePattern": "a"}, {"verbosity": -1}]}"#),
        "vmodule[1].verbosity: invalid value: integer `-1`, expected u32 at line 1 column 51"
    );
    assert!(json_err(r#"{"verbosity": 1} x"#).starts_with("trailing characters at line 1"));
    assert_eq!(
        json_err("[]"),
        "invalid type: sequence, expected a mapping at line 1 column 0"
    );
    assert!(json_err(r#"{"options": ["x"]}"#)
        .starts_with("options: invalid type: sequence, expected a mapping"));
    assert!(json_err(r#"{"options": {"text": [true]}}"#)
        .starts_with("options.text: invalid type: sequence"));
    assert!(
        json_err(r#"{"vmodule": [["a", 1]]}"#).starts_with("vmodule[0]: invalid type: sequence")
    );
    assert!(
        json_err("{").starts_with("EOF while parsing"),
        "{}",
        json_err("{")
    );
}

#[test]
fn json_numbers_as_quantities() {
    let config = LoggingConfiguration::from_json(
        r#"{"options": {"text": {"infoBufferSize": 1024}, "json": {"infoBufferSize": 1.5}}}"#,
    )
    .unwrap();
    assert_eq!(config.options.text.info_buffer_size.bytes(), 1024);
    assert_eq!(config.options.json.info_buffer_size.bytes(), 2);
    assert!(json_err(r#"{"options": {"text": {"infoBufferSize": -1}}}"#)
        .starts_with(r#"options.text.infoBufferSize: Invalid value: "-1": must be greater than or equal to 0"#));
}

#[cfg(feature = "yaml")]
fn yaml_err(yaml: &str) -> String {
    LoggingConfiguration::from_yaml(yaml)
        .unwrap_err()
        .to_string()
}

#[cfg(feature = "yaml")]
#[test]
fn yaml_defaults_and_round_trip() {
    assert_eq!(
        LoggingConfiguration::from_yaml("").unwrap(),
        LoggingConfiguration::default()
    );
    let config = LoggingConfiguration::from_yaml("verbosity: 3\n").unwrap();
    let yaml = config.to_yaml().unwrap();
    assert_eq!(
        yaml,
        "format: text\nflushFrequency: 5s\nverbosity: 3\noptions:\n  text:\n    infoBufferSize: '0'\n  json:\n    infoBufferSize: '0'\n"
    );
    assert_eq!(LoggingConfiguration::from_yaml(&yaml).unwrap(), config);

    let full = "format: json
flushFrequency: 100ms
verbosity: 4
vmodule:
- filePattern: controller*
  verbosity: 6
options:
  text:
    splitStream: true
    infoBufferSize: 1.5Ki
  json:
    infoBufferSize: 1M
";
    let config = LoggingConfiguration::from_yaml(full).unwrap();
    assert_eq!(config.flush_frequency.as_nanos(), 100_000_000);
    assert_eq!(config.options.text.info_buffer_size.bytes(), 1536);
    assert_eq!(config.options.json.info_buffer_size.bytes(), 1_000_000);
    config.validate().unwrap();
    assert_eq!(config.to_yaml().unwrap(), full);
    // A YAML document and a JSON document of the same configuration agree.
    let json = config.to_json().unwrap();
    assert_eq!(LoggingConfiguration::from_json(&json).unwrap(), config);
    assert_eq!(LoggingConfiguration::from_yaml(&json).unwrap(), config);
    // Integers where quantities go, nulls where anything goes.
    let config = LoggingConfiguration::from_yaml(
        "format:\nvmodule: ~\noptions:\n  text:\n    infoBufferSize: 2048\n",
    )
    .unwrap();
    assert_eq!(config.format, "text");
    assert_eq!(config.options.text.info_buffer_size.bytes(), 2048);
}

#[cfg(feature = "yaml")]
#[test]
fn yaml_errors_name_the_field() {
    assert_eq!(
        yaml_err("verbosity: 1\nformt: json\n"),
        "unknown field `formt`, expected one of `format`, `flushFrequency`, `verbosity`, `vmodule`, `options` at line 2 column 1"
    );
    assert_eq!(
        yaml_err("options:\n  json:\n    foo: 1\n"),
        "options.json: unknown field `foo`, expected `splitStream` or `infoBufferSize` at line 3 column 5"
    );
    assert_eq!(
        yaml_err("options:\n  json:\n    infoBufferSize: 12x\n"),
        format!(
            r#"options.json.infoBufferSize: Invalid value: "12x": {QUANTITY_FORMAT_ERROR} at line 3 column 21"#
        )
    );
    assert_eq!(
        yaml_err("verbosity: 1\nflushFrequency: soon\n"),
        r#"flushFrequency: time: invalid duration "soon" at line 2 column 17"#
    );
    assert_eq!(
        yaml_err("vmodule:\n- filePattern: a\n  verbosity: -2\n"),
        "vmodule[0].verbosity: invalid type: integer `-2`, expected u32 at line 3 column 14"
    );
    assert!(yaml_err("verbosity: [").contains("line 1"));
    assert!(yaml_err("- json\n").starts_with("invalid type: sequence, expected a mapping"));
    assert!(yaml_err("vmodule:\n- [a, 1]\n").starts_with("vmodule[0]: invalid type: sequence"));
    assert_eq!(
        LoggingConfiguration::from_yaml("# only a comment\n").unwrap(),
        LoggingConfiguration::default()
    );
}

#[test]
fn from_path_by_extension() {
    let dir = std::env::temp_dir();
    let base = format!("klog-config-test-{}", std::process::id());
    let json = dir.join(format!("{base}.JSON"));
    std::fs::write(&json, r#"{"verbosity": 7}"#).unwrap();
    assert_eq!(LoggingConfiguration::from_path(&json).unwrap().verbosity, 7);
    std::fs::write(&json, r#"{"verbosity": "x"}"#).unwrap();
    let err = LoggingConfiguration::from_path(&json)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(&format!("{}: verbosity: invalid type", json.display())),
        "{err}"
    );
    std::fs::remove_file(&json).unwrap();

    let yaml = dir.join(format!("{base}.yaml"));
    std::fs::write(&yaml, "verbosity: 6\n").unwrap();
    let result = LoggingConfiguration::from_path(&yaml);
    #[cfg(feature = "yaml")]
    assert_eq!(result.unwrap().verbosity, 6);
    #[cfg(not(feature = "yaml"))]
    assert!(result.unwrap_err().to_string().contains("`yaml` feature"));
    std::fs::remove_file(&yaml).unwrap();

    let err = LoggingConfiguration::from_path(&yaml).unwrap_err();
    assert!(
        err.to_string().starts_with("read logging configuration "),
        "{err}"
    );
    assert!(err.source().is_some());
}

proptest::proptest! {
    #[test]
    fn arbitrary_json_never_panics(text in ".*") {
        let _ = LoggingConfiguration::from_json(&text);
    }

    #[test]
    fn arbitrary_json_values_never_panic(
        key in "(format|flushFrequency|verbosity|vmodule|options|splitStream|infoBufferSize|filePattern|x)",
        value in "(\"[^\"\\\\]*\"|-?[0-9]{0,25}(\\.[0-9]{0,5})?(e-?[0-9]{1,3})?|true|null|\\[\\]|\\{\\})",
    ) {
        for doc in [
            format!("{{\"{key}\": {value}}}"),
            format!("{{\"options\": {{\"json\": {{\"{key}\": {value}}}}}}}"),
            format!("{{\"vmodule\": [{{\"{key}\": {value}}}]}}"),
        ] {
            if let Ok(config) = LoggingConfiguration::from_json(&doc) {
                let _ = config.validate();
                let _ = config.to_json();
            }
        }
    }
}

#[cfg(feature = "yaml")]
proptest::proptest! {
    #[test]
    fn arbitrary_yaml_never_panics(text in ".*") {
        let _ = LoggingConfiguration::from_yaml(&text);
    }

    #[test]
    fn arbitrary_yaml_values_never_panic(
        key in "(format|flushFrequency|verbosity|vmodule|options|splitStream|infoBufferSize|x)",
        value in ".*",
    ) {
        for doc in [
            format!("{key}: {value}"),
            format!("options:\n  text:\n    {key}: {value}\n"),
        ] {
            if let Ok(config) = LoggingConfiguration::from_yaml(&doc) {
                let _ = config.validate();
                let _ = config.to_yaml();
            }
        }
    }
}
