//! The subscriber with a `KlogLayer` can be installed before or after `klog::init`: the
//! output is the same at every `-v`. (tracing caches each call site's interest and the
//! maximum level when the subscriber is installed; klog's `-v` changes rebuild them.)
//!
//! Each run needs a fresh process (the subscriber and klog's logger are set once), so the
//! test runs this binary again as a child for each order and `-v`, and compares what the
//! children wrote.

use std::process::Command;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

const ORDER: &str = "KLOG_TRACING_TEST_ORDER";
const LEVEL: &str = "KLOG_TRACING_TEST_V";

fn install_subscriber() {
    tracing_subscriber::registry()
        .with(klog_tracing::KlogLayer::new(klog::background()))
        .init();
}

fn log_everything() {
    tracing::error!("error");
    tracing::warn!("warn");
    tracing::info!("info");
    tracing::info!(v = 2, "info v2");
    tracing::debug!("debug");
    tracing::trace!("trace");
    let span = tracing::debug_span!("span", key = 1);
    let _entered = span.enter();
    tracing::debug!("debug in span");
}

/// The child: sets up in the order asked for, then logs (to stderr).
#[test]
fn child() {
    let (Ok(order), Ok(v)) = (std::env::var(ORDER), std::env::var(LEVEL)) else {
        return; // not a child
    };
    let mut config = klog::LoggingConfiguration::default();
    config.verbosity = v.parse().unwrap();
    if order == "subscriber-first" {
        install_subscriber();
        // Call sites registered before klog knows its -v.
        log_everything();
    }
    let _logging = klog::init(&config).unwrap();
    if order == "klog-first" {
        install_subscriber();
        log_everything();
    }
    log_everything();
}

/// The lines a child wrote on stderr, without their headers.
fn run(order: &str, v: u32) -> Vec<String> {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child", "--nocapture", "--test-threads=1"])
        .env(ORDER, order)
        .env(LEVEL, v.to_string())
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{order} -v={v}: {stderr}");
    stderr
        .lines()
        .map(|line| {
            line.split_once("] ")
                .map_or(line, |(_, rest)| rest)
                .to_owned()
        })
        .collect()
}

#[test]
fn same_output_whichever_is_set_up_first() {
    for v in [0, 2, 4, 5] {
        let subscriber_first = run("subscriber-first", v);
        let klog_first = run("klog-first", v);
        // Subscriber first: the lines before `klog::init` were logged at -v=0.
        let n = subscriber_first.len() - klog_first.len() / 2;
        assert_eq!(
            subscriber_first[n..],
            klog_first[klog_first.len() / 2..],
            "-v={v}"
        );
        let expected: &[&str] = match v {
            0 | 1 => &[r#""error""#, r#""warn""#, r#""info""#],
            2 | 3 => &[r#""error""#, r#""warn""#, r#""info""#, r#""info v2""#],
            4 => &[
                r#""error""#,
                r#""warn""#,
                r#""info""#,
                r#""info v2""#,
                r#""debug""#,
                r#""debug in span" logger="span" key=1"#,
            ],
            _ => &[
                r#""error""#,
                r#""warn""#,
                r#""info""#,
                r#""info v2""#,
                r#""debug""#,
                r#""trace""#,
                r#""debug in span" logger="span" key=1"#,
            ],
        };
        assert_eq!(klog_first[klog_first.len() / 2..], *expected, "-v={v}");
    }
}
