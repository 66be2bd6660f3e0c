//! The Kubernetes JSON format: layout, errors and their causes, names.

use std::error::Error;
use std::fmt;

use klog::{error, info, ErrorCauses, JsonSink, KObj, KeyValue, Logger, SharedBuffer, Value};

use super::common::corpus_time;

const PREFIX: &str = "{\"ts\":1704164645123.4568,\"caller\":\"controller/pods.rs:42\",";

fn json_logger() -> (Logger, SharedBuffer) {
    let out = SharedBuffer::default();
    let logger = JsonSink::builder()
        .writer(out.clone())
        .verbosity(5)
        .fixed_time(corpus_time())
        .time_zone(klog::TimeZone::Utc)
        .fixed_caller(Some("/src/controller/pods.rs"), 42)
        .build_logger();
    (logger, out)
}

#[test]
fn info_layout_matches_component_base() {
    let (logger, out) = json_logger();
    let logger = logger
        .with_name("controller")
        .with_name("")
        .with_name("pods")
        .with_values(&[KeyValue::new("node", &"worker-1")]);
    info!(v: 2, logger, "Pod status updated", pod = KObj::new("kube-system", "coredns"), latency_ms = 1e21);
    assert_eq!(
        out.to_string(),
        "{\"ts\":1704164645123.4568,\"logger\":\"controller.pods\",\"caller\":\"controller/pods.rs:42\",\
         \"msg\":\"Pod status updated\",\"node\":\"worker-1\",\"v\":2,\
         \"pod\":{\"name\":\"coredns\",\"namespace\":\"kube-system\"},\"latency_ms\":1000000000000000000000}\n"
    );
}

#[test]
fn duplicates_are_kept_and_err_comes_last() {
    let (logger, out) = json_logger();
    let logger = logger.with_values(&[KeyValue::new("err", &"wv")]);
    let boom = std::io::Error::other("boom");
    error!(logger, err: &boom, "m", err = "kv");
    assert_eq!(
        out.to_string(),
        format!("{PREFIX}\"msg\":\"m\",\"err\":\"wv\",\"err\":\"kv\",\"err\":\"boom\"}}\n")
    );
}

#[derive(Debug)]
struct Wrapped {
    source: std::io::Error,
}

impl fmt::Display for Wrapped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sync failed")
    }
}

impl Error for Wrapped {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.source)
    }
}

#[test]
fn an_error_source_chain_becomes_err_verbose() {
    let (logger, out) = json_logger();
    let err = Wrapped {
        source: std::io::Error::other("connection refused"),
    };
    error!(logger, err: &err, "m");
    assert_eq!(
        out.to_string(),
        format!("{PREFIX}\"msg\":\"m\",\"err\":\"sync failed\",\"errVerbose\":\"sync failed: connection refused\"}}\n")
    );
}

#[derive(Debug)]
struct Verbose;

impl fmt::Display for Verbose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.write_str("short\nstack")
        } else {
            f.write_str("short")
        }
    }
}

impl Error for Verbose {}

#[test]
fn an_alternate_form_becomes_the_verbose_field() {
    let (logger, out) = json_logger();
    info!(logger, "m", e = Value::error(&Verbose));
    assert_eq!(
        out.to_string(),
        format!("{PREFIX}\"msg\":\"m\",\"v\":0,\"e\":\"short\",\"eVerbose\":\"short\\nstack\"}}\n")
    );
}

#[derive(Debug)]
struct Aggregate(ErrorCauses);

impl fmt::Display for Aggregate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} errors", self.0.len())
    }
}

impl Error for Aggregate {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.0)
    }
}

#[test]
fn error_causes_become_err_causes() {
    let (logger, out) = json_logger();
    let err = Aggregate(ErrorCauses::new(vec!["first".into(), Box::new(Verbose)]));
    error!(logger, err: &err, "m");
    assert_eq!(
        out.to_string(),
        format!(
            "{PREFIX}\"msg\":\"m\",\"err\":\"2 errors\",\"errCauses\":[{{\"error\":\"first\"}},\
             {{\"error\":\"short\",\"errorVerbose\":\"short\\nstack\"}}]}}\n"
        )
    );
}

#[test]
fn panicking_values_become_key_error_fields() {
    struct Boom;
    impl fmt::Display for Boom {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            panic!("oops")
        }
    }
    let (logger, out) = json_logger();
    info!(logger, "m", k = %Boom, after = 1);
    assert_eq!(
        out.to_string(),
        format!("{PREFIX}\"msg\":\"m\",\"v\":0,\"kError\":\"PANIC=oops\",\"after\":1}}\n")
    );
}

#[test]
fn unencodable_serde_values_become_key_error_fields() {
    let (logger, out) = json_logger();
    info!(logger, "m", k = klog::Serde(&[f64::NAN]), f = f64::NAN);
    assert_eq!(
        out.to_string(),
        format!("{PREFIX}\"msg\":\"m\",\"v\":0,\"kError\":\"json: unsupported value: NaN\",\"f\":\"NaN\"}}\n")
    );
}

#[test]
fn time_values_are_written_as_their_own_epoch_millis() {
    let (logger, out) = json_logger();
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_500);
    info!(
        logger,
        "m",
        t = t,
        d = std::time::Duration::from_millis(1_500)
    );
    assert_eq!(
        out.to_string(),
        format!("{PREFIX}\"msg\":\"m\",\"v\":0,\"t\":1500,\"d\":\"1.5s\"}}\n")
    );
}

#[test]
fn literal_keys_that_need_escaping_are_escaped() {
    let (logger, out) = json_logger();
    info!(logger, "m", "say \"hi\"" = 1, "tab\there" = 2, plain = 3);
    assert_eq!(
        out.to_string(),
        format!(
            "{PREFIX}\"msg\":\"m\",\"v\":0,\"say \\\"hi\\\"\":1,\"tab\\there\":2,\"plain\":3}}\n"
        )
    );
}

#[test]
fn collections_are_encoding_json_without_html_escaping() {
    use std::collections::HashMap;
    let (logger, out) = json_logger();
    let names = vec!["web", "db<1>"];
    let labels = HashMap::from([("tier", "web"), ("app", "<nginx>")]);
    let none: Option<Vec<i32>> = None;
    let nan = [f64::NAN];
    let bytes = vec![vec![104u8, 105]];
    info!(
        logger,
        "m",
        names,
        labels,
        none,
        nan,
        bytes,
        empty = Vec::<i32>::new()
    );
    assert_eq!(
        out.to_string(),
        format!(
            "{PREFIX}\"msg\":\"m\",\"v\":0,\"names\":[\"web\",\"db<1>\"],\
             \"labels\":{{\"app\":\"<nginx>\",\"tier\":\"web\"}},\"none\":null,\
             \"nanError\":\"json: unsupported value: NaN\",\"bytes\":[\"aGk=\"],\"empty\":[]}}\n"
        )
    );
}
