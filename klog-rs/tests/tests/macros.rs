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

/// The messages of the error calls in `out`, with their `err=`.
fn error_texts(out: &klog::SharedBuffer) -> Vec<String> {
    out.to_string()
        .lines()
        .map(|l| l.split_once("] ").map_or(l, |(_, rest)| rest).to_owned())
        .collect()
}

#[test]
fn err_takes_errors_as_programs_hold_them() {
    use std::error::Error;
    use std::sync::Arc;

    #[derive(Debug)]
    struct Conflict;
    impl std::fmt::Display for Conflict {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("conflict")
        }
    }
    impl Error for Conflict {}

    /// Only `AsRef<dyn Error + Send + Sync>`, like a report type without `Deref`.
    struct Report(Box<dyn Error + Send + Sync>);
    impl AsRef<dyn Error + Send + Sync> for Report {
        fn as_ref(&self) -> &(dyn Error + Send + Sync + 'static) {
            &*self.0
        }
    }

    let (logger, out) = pinned_logger(0);
    let io = std::io::Error::other("io");
    let by_ref: &std::io::Error = &io;
    let dynamic: &dyn Error = &io;
    let send_sync: &(dyn Error + Send + Sync) = &io;
    let boxed: Box<dyn Error + Send + Sync> = "boxed".into();
    let boxed_local: Box<dyn Error> = Box::new(Conflict);
    let arc: Arc<dyn Error + Send + Sync> = Arc::new(Conflict);
    let any = anyhow::anyhow!("anyhow").context("outer");
    let report = Report("report".into());
    error!(logger, err: &io, "ref");
    error!(logger, err: io, "value");
    error!(logger, err: by_ref, "ref held");
    error!(logger, err: &by_ref, "ref to ref");
    error!(logger, err: dynamic, "dyn");
    error!(logger, err: &dynamic, "ref to dyn");
    error!(logger, err: send_sync, "dyn send sync");
    error!(logger, err: &boxed, "box");
    error!(logger, err: boxed, "box value");
    error!(logger, err: &*boxed, "deref box");
    error!(logger, err: &boxed_local, "local box");
    error!(logger, err: &arc, "arc");
    error!(logger, err: &Conflict, "custom");
    error!(logger, err: &any, "anyhow");
    error!(logger, err: any, "anyhow value");
    error!(logger, err: &report, "as ref");
    error!(err: &io, logger, "err before logger", k = 1);
    assert_eq!(
        error_texts(&out),
        [
            "\"ref\" err=\"io\"",
            "\"value\" err=\"io\"",
            "\"ref held\" err=\"io\"",
            "\"ref to ref\" err=\"io\"",
            "\"dyn\" err=\"io\"",
            "\"ref to dyn\" err=\"io\"",
            "\"dyn send sync\" err=\"io\"",
            "\"box\" err=\"boxed\"",
            "\"box value\" err=\"boxed\"",
            "\"deref box\" err=\"boxed\"",
            "\"local box\" err=\"conflict\"",
            "\"arc\" err=\"conflict\"",
            "\"custom\" err=\"conflict\"",
            // anyhow's Display is the outermost context.
            "\"anyhow\" err=\"outer\"",
            "\"anyhow value\" err=\"outer\"",
            "\"as ref\" err=\"report\"",
            "\"err before logger\" err=\"io\" k=1",
        ]
    );
}

#[test]
fn anyhow_errors_keep_their_chain_in_json() {
    let out = klog::SharedBuffer::default();
    let logger = klog::JsonSink::builder()
        .writer(out.clone())
        .fixed_time(super::common::corpus_time())
        .time_zone(klog::TimeZone::Utc)
        .fixed_caller(Some("/src/controller/pods.rs"), 42)
        .build_logger();
    let err = anyhow::anyhow!("connection refused").context("sync pod");
    error!(logger, err: &err, "Failed");
    // The dyn Error behind anyhow::Error: its Display, and its source chain as errVerbose.
    assert_eq!(
        out.to_string(),
        "{\"ts\":1704164645123.4568,\"caller\":\"controller/pods.rs:42\",\"msg\":\"Failed\",\
         \"err\":\"sync pod\",\"errVerbose\":\"sync pod: connection refused\"}\n"
    );
}

#[test]
fn verbosity_may_follow_the_logger() {
    let (logger, out) = pinned_logger(2);
    info!(logger, v: 2, "shown", a = 1);
    info!(logger, v: 3, "hidden");
    warning!(logger, v: 2, "warned");
    warning!(logger, v: 3, "hidden");
    assert!(enabled!(logger, v: 2));
    assert!(!enabled!(logger, v: 3));
    assert_eq!(
        out.to_string(),
        format!("{HEADER}\"shown\" a=1\nW{}\"warned\"\n", &HEADER[1..])
    );
}

#[test]
fn with_values_macro_derives_a_logger() {
    let (logger, out) = pinned_logger(0);
    let pod = KObj::new("kube-system", "coredns");
    let attempt = 2;
    let phase = Some("Running");
    let derived = klog::with_values!(
        logger,
        pod,
        attempt,
        "node name" = "worker-1",
        ?phase,
        ports = [80, 443]
    );
    let plain = klog::with_values!(logger);
    info!(derived, "Synced", attempt = 3);
    info!(plain, "Plain");
    assert_eq!(
        out.to_string(),
        format!(
            "{HEADER}\"Synced\" pod=\"kube-system/coredns\" node name=\"worker-1\" \
             phase=\"Some(\\\"Running\\\")\" ports=[80,443] attempt=3\n{HEADER}\"Plain\"\n"
        )
    );
}

#[test]
fn messages_without_placeholders_are_written_as_they_are() {
    let (logger, out) = pinned_logger(0);
    const TEMPLATE: &str = "Rendered {name}";
    info!(logger, "Escaped {{name}}");
    info!(logger, "Spec {\"replicas\":3}");
    info!(logger, "Unclosed { brace");
    info!(logger, TEMPLATE);
    assert_eq!(
        out.to_string(),
        format!(
            "{HEADER}\"Escaped {{{{name}}}}\"\n{HEADER}\"Spec {{\\\"replicas\\\":3}}\"\n\
             {HEADER}\"Unclosed {{ brace\"\n{HEADER}\"Rendered {{name}}\"\n"
        )
    );
}

#[test]
fn placeholder_check_rejects_format_arguments_only() {
    // The const fn behind the macros' compile-time check, run here to see each verdict.
    let rejects = |message: &'static str| {
        std::panic::catch_unwind(|| klog::__private::check_message(message)).is_err()
    };
    for message in [
        "{}",
        "Synced {}",
        "{name}",
        "{0}",
        "{:?}",
        "{name:>8}",
        "a {{ {} }}",
        "{x_1}",
        "{é}",
    ] {
        assert!(rejects(message), "{message:?} should be rejected");
    }
    for message in [
        "",
        "Synced",
        "{{}}",
        "{{name}}",
        "{\"a\":1}",
        "{ }",
        "{",
        "}",
        "{a b}",
        "{:\"}",
    ] {
        assert!(!rejects(message), "{message:?} should be accepted");
    }
}
