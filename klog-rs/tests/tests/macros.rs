//! The macros: syntax forms, verbosity before evaluation, call sites.

use std::cell::Cell;

use klog::{enabled, error, info, warning, KObj};

use super::common::{located_logger, pinned_logger, HEADER};

#[test]
fn key_value_forms_render_like_klog() {
    let (logger, out) = pinned_logger(0);
    let attempt = 3;
    let addr = std::net::Ipv4Addr::new(10, 0, 0, 1);
    let phase = Some("Running");
    info!(logger, "Pod status updated",
        pod = KObj::new("kube-system", "coredns"),
        "any key" = "x",
        display = %addr,
        debug = ?phase,
        attempt,
        %addr,
        ?phase,
    );
    assert_eq!(
        out.to_string(),
        format!(
            "{HEADER}\"Pod status updated\" pod=\"kube-system/coredns\" any key=\"x\" \
             display=\"10.0.0.1\" debug=\"Some(\\\"Running\\\")\" attempt=3 addr=\"10.0.0.1\" \
             phase=\"Some(\\\"Running\\\")\"\n"
        )
    );
}

#[test]
fn error_and_warning_macros_set_severity_and_err_first() {
    let (logger, out) = pinned_logger(0);
    let err = std::io::Error::other("connection refused");
    error!(logger, err: &err, "Failed to sync", key = "kube-system/coredns");
    error!(logger, "No error value", shard = 7);
    warning!(logger, "Slow", ms = 1500);
    let text = out.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "E0102 03:04:05.123456   12345 controller.rs:42] \"Failed to sync\" err=\"connection refused\" key=\"kube-system/coredns\"",
            "E0102 03:04:05.123456   12345 controller.rs:42] \"No error value\" shard=7",
            "W0102 03:04:05.123456   12345 controller.rs:42] \"Slow\" ms=1500",
        ]
    );
}

#[test]
fn dyn_error_and_boxed_errors_are_accepted() {
    let (logger, out) = pinned_logger(0);
    let boxed: Box<dyn std::error::Error + Send + Sync> = "boxed failure".into();
    error!(logger, err: &*boxed, "Failed");
    assert!(out
        .to_string()
        .ends_with("\"Failed\" err=\"boxed failure\"\n"));
}

#[test]
fn disabled_calls_do_not_evaluate_values() {
    let (logger, out) = pinned_logger(2);
    let evaluated = Cell::new(0);
    let expensive = || {
        evaluated.set(evaluated.get() + 1);
        42
    };
    info!(v: 3, logger, "hidden", value = expensive());
    assert_eq!(evaluated.get(), 0);
    info!(v: 2, logger, "shown", value = expensive());
    assert_eq!(evaluated.get(), 1);
    assert_eq!(out.to_string().lines().count(), 1);
}

#[test]
fn logger_v_offset_adds_to_macro_level() {
    let (logger, out) = pinned_logger(3);
    let callee = logger.v(1);
    info!(v: 2, callee, "level 3");
    info!(v: 3, callee, "level 4");
    assert!(enabled!(v: 2, callee));
    assert!(!enabled!(v: 3, callee));
    assert!(enabled!(callee));
    assert_eq!(out.to_string().lines().count(), 1);
}

#[test]
fn negative_verbosity_counts_as_zero() {
    let (logger, out) = pinned_logger(0);
    info!(v: -3, logger, "shown");
    assert_eq!(out.to_string().lines().count(), 1);
}

#[test]
fn macros_record_their_own_file_and_line() {
    let (logger, out) = located_logger(0);
    let line = line!() + 1;
    info!(logger, "here");
    assert!(
        out.to_string()
            .contains(&format!(" macros.rs:{line}] \"here\"")),
        "{out}"
    );
}

#[test]
fn methods_record_the_callers_location() {
    let (logger, out) = located_logger(0);
    let line = line!() + 1;
    logger.info("from a method", &[]);
    assert!(
        out.to_string()
            .contains(&format!(" macros.rs:{line}] \"from a method\"")),
        "{out}"
    );
}

#[test]
fn messages_may_be_expressions_with_an_explicit_logger() {
    let (logger, out) = pinned_logger(0);
    let message = String::from("computed");
    info!(logger, &message, n = 1);
    assert_eq!(out.to_string(), format!("{HEADER}\"computed\" n=1\n"));
}
