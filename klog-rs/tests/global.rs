//! The process-wide `-v` and `-vmodule`: changed at run time, from any thread.
//!
//! Own test binary because it changes process-wide settings; one test function, so the
//! steps run in order.

use klog::{info, Logger, SharedBuffer, TextSink, VModule, VModuleMode};

fn global_logger() -> (Logger, SharedBuffer) {
    let out = SharedBuffer::default();
    // No `.verbosity(..)`: follows the global -v and -vmodule.
    let logger = TextSink::builder().writer(out.clone()).build_logger();
    (logger, out)
}

fn lines(out: &SharedBuffer) -> Vec<String> {
    out.take()
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let l = String::from_utf8_lossy(l);
            l.split_once("] ")
                .map_or(l.to_string(), |(_, rest)| rest.to_owned())
        })
        .collect()
}

mod inner {
    pub(super) fn log_v5(logger: &klog::Logger) {
        klog::info!(v: 5, logger, "inner v5");
    }
}

fn log_at_two_callsites(logger: &Logger) {
    info!(v: 2, logger, "first v2");
    info!(v: 3, logger, "second v3");
}

#[test]
fn verbosity_and_vmodule_changes_reach_every_callsite() {
    let (logger, out) = global_logger();

    klog::set_verbosity(0);
    log_at_two_callsites(&logger);
    assert!(lines(&out).is_empty());

    // -v raised from another thread: the next call at every call site sees it.
    std::thread::spawn(|| klog::set_verbosity(3))
        .join()
        .unwrap();
    log_at_two_callsites(&logger);
    assert_eq!(lines(&out), ["\"first v2\"", "\"second v3\""]);

    std::thread::spawn(|| klog::set_verbosity(2))
        .join()
        .unwrap();
    log_at_two_callsites(&logger);
    assert_eq!(lines(&out), ["\"first v2\""]);

    // vmodule by base name raises this file only.
    klog::set_verbosity(0);
    klog::set_vmodule("global=3".parse().unwrap());
    log_at_two_callsites(&logger);
    assert_eq!(lines(&out), ["\"first v2\"", "\"second v3\""]);

    // A new vmodule invalidates every call site's cached level.
    std::thread::spawn(|| klog::set_vmodule("other=9".parse().unwrap()))
        .join()
        .unwrap();
    log_at_two_callsites(&logger);
    assert!(lines(&out).is_empty());

    // Beyond klog: a path pattern and a module pattern.
    klog::set_vmodule("tests/global=2".parse().unwrap());
    log_at_two_callsites(&logger);
    assert_eq!(lines(&out), ["\"first v2\""]);

    klog::set_vmodule("global::inner=5".parse().unwrap());
    inner::log_v5(&logger);
    log_at_two_callsites(&logger);
    assert_eq!(lines(&out), ["\"inner v5\""]);

    // klog's own matcher: a path pattern never matches.
    klog::set_vmodule(VModule::parse("tests/global=9", VModuleMode::Klog).unwrap());
    log_at_two_callsites(&logger);
    assert!(lines(&out).is_empty());

    // First match wins and only raises: `global=0` is dropped, `glob*=1` decides.
    klog::set_verbosity(1);
    klog::set_vmodule("global=0,glob*=1,global=5".parse().unwrap());
    log_at_two_callsites(&logger);
    assert!(lines(&out).is_empty());

    // Cleared: back to -v alone.
    klog::set_vmodule(VModule::default());
    klog::set_verbosity(3);
    log_at_two_callsites(&logger);
    assert_eq!(lines(&out), ["\"first v2\"", "\"second v3\""]);
}

/// Runs the named test of this binary in a child process with `KLOG_TEST_CHILD` set.
fn run_child(test: &str) -> std::process::Output {
    std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("KLOG_TEST_CHILD", "1")
        .output()
        .expect("spawn child")
}

fn in_child() -> bool {
    std::env::var_os("KLOG_TEST_CHILD").is_some()
}

#[test]
fn fatal_child() {
    if in_child() {
        let err = std::io::Error::other("cannot bind :8080");
        klog::fatal!(klog::background(), err: &err, "Failed to start", port = 8080);
    }
}

#[test]
fn fatal_logs_flushes_prints_a_backtrace_and_exits_255() {
    let output = run_child("fatal_child");
    assert_eq!(output.status.code(), Some(255));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with('F'))
        .unwrap_or_else(|| panic!("no fatal line in {stderr}"));
    assert!(
        line.ends_with("] \"Failed to start\" err=\"cannot bind :8080\" port=8080"),
        "{line}"
    );
    assert!(
        stderr.contains("fatal error in thread 'fatal_child'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("global::fatal_child"),
        "no backtrace frame in {stderr}"
    );
}

#[test]
fn flush_and_exit_child() {
    if in_child() {
        klog::info!("before exit");
        klog::flush_and_exit(3);
    }
}

#[test]
fn flush_and_exit_writes_then_exits_with_the_code() {
    let output = run_child("flush_and_exit_child");
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("] \"before exit\""));
}

#[test]
fn init_child() {
    if in_child() {
        let mut config = klog::LoggingConfiguration::from_yaml(
            "format: json\nverbosity: 1\nvmodule:\n- filePattern: global\n  verbosity: 3\n",
        )
        .expect("config");
        config.flush_frequency = "2s".parse().expect("duration");
        let _guard = klog::init(&config).expect("init");
        klog::info!(v: 3, "raised by vmodule");
        klog::info!(v: 4, "hidden");
        assert!(klog::init(&config).is_err(), "second init must fail");
    }
}

#[test]
fn init_installs_the_configured_format_verbosity_and_vmodule() {
    let output = run_child("init_child");
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].contains("\"msg\":\"raised by vmodule\",\"v\":3"),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains("\"caller\":\"tests/global.rs:"),
        "{}",
        lines[0]
    );
}

#[test]
fn the_contextual_logging_switch_turns_propagation_off() {
    // In a child: with the switch off, a macro without a logger writes to the process-wide
    // logger, which is stderr.
    let output = run_child("contextual_switch_child");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let process_wide: Vec<&str> = stderr.lines().filter(|l| l.contains("] \"")).collect();
    assert_eq!(process_wide.len(), 1, "{stderr}");
    assert!(
        process_wide[0].ends_with("] \"not into the scope's logger\""),
        "{stderr}"
    );
}

#[test]
fn contextual_switch_child() {
    if !in_child() {
        return;
    }
    // Only this test changes the switch; the other tests of this binary pass loggers
    // explicitly, which the switch does not affect.
    let (logger, out) = global_logger();
    let named = logger.with_name("scoped");
    klog::enable_contextual_logging(false);
    assert!(!klog::contextual_logging_enabled());
    klog::with_logger(named.clone(), || {
        // Off: from_context is the process-wide logger, not the scope's.
        klog::info!("not into the scope's logger");
    });
    let unchanged = klog::logger_with_name(logger.clone(), "ignored");
    let unchanged = klog::logger_with_values(unchanged, &[klog::KeyValue::new("k", &1)]);
    klog::info!(unchanged, "plain");
    klog::enable_contextual_logging(true);
    klog::with_logger(named, || klog::info!("into the scope's logger"));
    let got = lines(&out);
    assert_eq!(
        got,
        ["\"plain\"", "\"into the scope's logger\" logger=\"scoped\""]
    );
}
