//! Outputs at their edges, each failure made for real in a child process: a file size
//! limit that cuts a write part-way and is then lifted, a non-blocking pipe with a slow
//! reader, a stdout whose reader is gone, a log file and its directory removed while
//! records are written. Every line that arrives must be a whole record, and every record
//! must arrive or be counted.
//!
//! The children change process-wide things (descriptor flags, `dup2` over stdout, the
//! file size limit), so each runs alone in its own process (`KLOG_EDGE_CHILD=<mode>`).
//! Unix only: the failures are made with Unix system calls.
#![cfg(unix)]
// Setting up the failures takes `fcntl`, `pipe` and `dup2`.
#![allow(unsafe_code)]

use std::collections::BTreeSet;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use klog::{info, KlogFlags, LoggingConfiguration, TextSink};

fn child_mode() -> Option<String> {
    std::env::var("KLOG_EDGE_CHILD").ok()
}

/// This test binary again, running only `test`, as the child `mode`.
fn child(test: &str, mode: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("KLOG_EDGE_CHILD", mode);
    command
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("klog-edges-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The counters of every destination whose name starts with `prefix`, as one line the
/// parent reads back from the child's stderr.
fn print_stats(prefix: &str) {
    let mut total = (0, 0, 0, 0);
    for d in klog::output_stats() {
        if d.name().starts_with(prefix) {
            let s = d.stats();
            total.0 += s.lines();
            total.1 += s.lost();
            total.2 += s.waiting();
            total.3 += s.episodes();
        }
    }
    eprintln!(
        "stats lines={} lost={} waiting={} episodes={}",
        total.0, total.1, total.2, total.3
    );
}

#[derive(Debug, Default)]
struct Stats {
    lines: u64,
    lost: u64,
    waiting: u64,
    episodes: u64,
}

fn parse_stats(stderr: &str) -> Stats {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("stats "))
        .unwrap_or_else(|| panic!("no stats from the child: {stderr}"));
    let field = |name: &str| -> u64 {
        line.split(' ')
            .find_map(|f| f.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {line}"))
    };
    Stats {
        lines: field("lines"),
        lost: field("lost"),
        waiting: field("waiting"),
        episodes: field("episodes"),
    }
}

/// What the records of a run look like: `I… edges.rs:N] "line" seq=N` (plus the padding
/// that makes records of different sizes).
struct Found {
    seqs: Vec<u64>,
    torn: Vec<String>,
}

fn records(text: &str) -> Found {
    let mut found = Found {
        seqs: Vec::new(),
        torn: Vec::new(),
    };
    for line in text.lines() {
        if line.starts_with("Log file created at:")
            || line.starts_with("Running on machine:")
            || line.starts_with("Binary: Built with")
            || line.starts_with("Log line format:")
        {
            continue;
        }
        // libtest's own "test name ... " may precede the first record on stdout.
        let line = match line.strip_prefix("test ") {
            Some(rest) => rest.split_once(" ... ").map_or(line, |(_, record)| record),
            None => line,
        };
        let whole = line.starts_with('I') && line.contains(" edges.rs:") && line.ends_with("x\"");
        let seq = line
            .split_once("] \"line\" seq=")
            .and_then(|(_, rest)| rest.split_once(" pad=\""))
            .and_then(|(seq, pad)| {
                let pad = pad.strip_suffix('"')?;
                (!pad.is_empty() && pad.bytes().all(|b| b == b'x'))
                    .then(|| seq.parse().ok())
                    .flatten()
            });
        match seq {
            Some(seq) if whole => found.seqs.push(seq),
            _ if found.torn.len() < 5 => found.torn.push(line.chars().take(200).collect()),
            _ => found.torn.push(String::new()),
        }
    }
    found
}

/// Logs records `from..to`, of varied sizes (so that limits cut them at varied places).
fn log_records(logger: &klog::Logger, from: u64, to: u64) {
    let pad = "x".repeat(300);
    for seq in from..to {
        let pad = &pad[..1 + (seq as usize * 37) % 300];
        info!(logger, "line", seq, pad);
    }
}

fn count_reports(stderr: &str, what: &str) -> usize {
    stderr.lines().filter(|l| l.contains(what)).count()
}

// ===========================================================================================
// A write cut part-way by a file size limit, then the limit lifted ("disk full, then freed")
// ===========================================================================================

const FSIZE_RECORDS: u64 = 20_000;

#[test]
fn fsize_child() {
    if child_mode().as_deref() != Some("fsize") {
        return;
    }
    let file = PathBuf::from(std::env::var("KLOG_EDGE_FILE").expect("file"));
    let mut flags = KlogFlags::default();
    flags.logtostderr = false;
    flags.log_file = Some(file);
    flags.log_file_max_size = 0;
    flags.stderrthreshold = klog::Severity::Fatal;
    let logger = TextSink::builder()
        .verbosity(0)
        .klog_flags(&flags)
        .build_logger();
    // 100 KiB allowed: the first buffer written out is cut in the middle of a record.
    log_records(&logger, 0, FSIZE_RECORDS / 2);
    logger.flush();
    // Space is "freed": the limit goes.
    let lifted = Command::new("prlimit")
        .args([
            "--pid",
            &std::process::id().to_string(),
            "--fsize=unlimited",
        ])
        .status()
        .expect("prlimit");
    assert!(lifted.success());
    log_records(&logger, FSIZE_RECORDS / 2, FSIZE_RECORDS);
    logger.flush();
    print_stats("file:");
}

#[test]
fn a_write_cut_by_a_full_disk_is_finished_not_glued_to_the_next_record() {
    let tools = ["bash", "prlimit"];
    if tools
        .iter()
        .any(|t| Command::new(t).arg("--version").output().is_err())
    {
        eprintln!("SKIPPED: needs bash and prlimit to make and lift a file size limit");
        return;
    }
    let dir = temp_dir("fsize");
    let file = dir.join("app.log");
    // SIGXFSZ ignored (inherited through exec): the write past the limit is cut short and
    // the next one fails with EFBIG, as on a full disk.
    let output = Command::new("bash")
        .args(["-c", "trap '' XFSZ; ulimit -S -f 100; exec \"$0\" \"$@\""])
        .arg(std::env::current_exe().expect("test binary"))
        .args(["--exact", "fsize_child", "--nocapture", "--test-threads=1"])
        .env("KLOG_EDGE_CHILD", "fsize")
        .env("KLOG_EDGE_FILE", &file)
        .output()
        .expect("child");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let stats = parse_stats(&stderr);
    let found = records(&std::fs::read_to_string(&file).expect("log file"));
    assert!(found.torn.is_empty(), "torn lines: {:?}", found.torn);
    let unique: BTreeSet<u64> = found.seqs.iter().copied().collect();
    assert_eq!(unique.len(), found.seqs.len(), "duplicated records");
    assert!(found.seqs.windows(2).all(|w| w[0] < w[1]), "out of order");
    assert_eq!(found.seqs.len() as u64, stats.lines, "{stats:?}");
    assert_eq!(stats.lines + stats.lost, FSIZE_RECORDS, "{stats:?}");
    assert_eq!(stats.waiting, 0);
    assert_eq!(stats.episodes, 1, "{stats:?}");
    assert_eq!(
        count_reports(&stderr, "klog: writing to file:"),
        2,
        "{stderr}"
    );
    assert_eq!(count_reports(&stderr, "works again"), 1, "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ===========================================================================================
// A non-blocking stdout with a slow reader
// ===========================================================================================

const PIPE_RECORDS: u64 = 20_000;

fn set_nonblocking(fd: i32, on: bool) {
    // SAFETY: fcntl on a descriptor of this process, with integer arguments only.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        assert!(flags >= 0);
        let flags = if on {
            flags | libc::O_NONBLOCK
        } else {
            flags & !libc::O_NONBLOCK
        };
        assert_eq!(libc::fcntl(fd, libc::F_SETFL, flags), 0);
    }
}

#[test]
fn nonblocking_child() {
    let Some(buffer) = child_mode().and_then(|m| m.strip_prefix("nonblocking:")?.parse().ok())
    else {
        return;
    };
    set_nonblocking(1, true);
    let logger = TextSink::builder()
        .verbosity(0)
        .split_stream(buffer)
        .build_logger();
    log_records(&logger, 0, PIPE_RECORDS);
    logger.flush();
    set_nonblocking(1, false);
    print_stats("stdout");
}

#[test]
fn a_nonblocking_pipe_with_a_slow_reader_loses_and_tears_nothing() {
    for buffer in [0, 64 * 1024] {
        let mut child = child("nonblocking_child", &format!("nonblocking:{buffer}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("child");
        let mut stdout = child.stdout.take().expect("stdout");
        let mut text = Vec::new();
        let mut chunk = vec![0; 16 * 1024];
        loop {
            // A slow reader: the pipe is full most of the time.
            std::thread::sleep(Duration::from_micros(500));
            let n = stdout.read(&mut chunk).expect("read");
            if n == 0 {
                break;
            }
            text.extend_from_slice(&chunk[..n]);
        }
        let output = child.wait_with_output().expect("child");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        let text = String::from_utf8_lossy(&text);
        let found = records(
            &text
                .lines()
                .filter(|l| l.contains("\"line\""))
                .map(|l| format!("{l}\n"))
                .collect::<String>(),
        );
        assert!(
            found.torn.is_empty(),
            "buffer {buffer}: torn {:?}",
            found.torn
        );
        assert_eq!(
            found.seqs,
            (0..PIPE_RECORDS).collect::<Vec<_>>(),
            "buffer {buffer}: every record, once, in order"
        );
        let stats = parse_stats(&stderr);
        assert_eq!(
            (stats.lines, stats.lost, stats.episodes),
            (PIPE_RECORDS, 0, 0)
        );
        assert_eq!(count_reports(&stderr, "klog:"), 0, "{stderr}");
    }
}

// ===========================================================================================
// A stdout nobody reads any more, with component-base's info buffer
// ===========================================================================================

const DEAD_RECORDS: u64 = 100_000;

#[test]
fn dead_stdout_child() {
    if child_mode().as_deref() != Some("dead_stdout") {
        return;
    }
    let config = LoggingConfiguration::from_yaml(
        "format: text\nflushFrequency: 1h\noptions:\n  text:\n    splitStream: true\n    infoBufferSize: 64Ki\n",
    )
    .expect("config");
    // SAFETY: plain descriptor calls.
    let saved = unsafe {
        let mut ends = [0; 2];
        assert_eq!(libc::pipe(ends.as_mut_ptr()), 0);
        let saved = libc::dup(1);
        assert!(saved >= 0);
        libc::close(ends[0]); // nobody will ever read
        assert!(libc::dup2(ends[1], 1) >= 0);
        libc::close(ends[1]);
        saved
    };
    let guard = klog::init(&config).expect("init");
    for seq in 0..DEAD_RECORDS {
        info!("line", seq);
    }
    klog::flush();
    print_stats("stdout");
    drop(guard);
    // Nothing may write to the real stdout again (the records still waiting would, at
    // exit): the child ends here, its stdout still dead.
    let _ = saved;
    std::process::exit(0);
}

#[test]
fn a_dead_stdout_is_reported_once_and_every_record_counted() {
    let output = child("dead_stdout_child", "dead_stdout")
        .output()
        .expect("child");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(
        count_reports(&stderr, "klog: writing to stdout failed"),
        1,
        "{stderr}"
    );
    assert_eq!(count_reports(&stderr, "klog:"), 1, "{stderr}");
    let stats = parse_stats(&stderr);
    assert_eq!(stats.lines, 0, "{stats:?}");
    assert_eq!(stats.lost + stats.waiting, DEAD_RECORDS, "{stats:?}");
    assert_eq!(stats.episodes, 1, "{stats:?}");
}

// ===========================================================================================
// The log file, then its directory, removed while records are written
// ===========================================================================================

const REMOVED_RECORDS: u64 = 200_000;

#[test]
fn removed_file_child() {
    if child_mode().as_deref() != Some("removed") {
        return;
    }
    let file = PathBuf::from(std::env::var("KLOG_EDGE_FILE").expect("file"));
    let dir = file.parent().expect("dir").to_owned();
    let mut flags = KlogFlags::default();
    flags.logtostderr = false;
    flags.log_file = Some(file.clone());
    flags.log_file_max_size = 0;
    flags.stderrthreshold = klog::Severity::Fatal;
    let logger = TextSink::builder()
        .verbosity(0)
        .klog_flags(&flags)
        .build_logger();
    log_records(&logger, 0, 50_000);
    std::fs::remove_file(&file).expect("remove the log file");
    log_records(&logger, 50_000, 120_000);
    std::fs::remove_dir_all(&dir).expect("remove the log directory");
    log_records(&logger, 120_000, REMOVED_RECORDS);
    logger.flush();
    print_stats("file:");
}

#[test]
fn a_removed_log_file_loses_nothing_silently() {
    let dir = temp_dir("removed");
    let file = dir.join("logs").join("app.log");
    let output = child("removed_file_child", "removed")
        .env("KLOG_EDGE_FILE", &file)
        .output()
        .expect("child");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let found = records(&std::fs::read_to_string(&file).expect("log file"));
    assert!(found.torn.is_empty(), "torn: {:?}", found.torn);
    // The file now at the path holds, whole and in order, everything since the directory
    // was removed and what the removed file received since it was last seen; what the
    // removed files held before that went with them, and each removal was reported.
    let first = *found.seqs.first().expect("records");
    assert!(first <= 120_000, "first record {first}");
    assert_eq!(
        found.seqs,
        (first..REMOVED_RECORDS).collect::<Vec<_>>(),
        "no gap, no duplicate"
    );
    assert_eq!(count_reports(&stderr, "was removed"), 2, "{stderr}");
    let stats = parse_stats(&stderr);
    assert_eq!(
        (stats.lines, stats.lost, stats.waiting),
        (REMOVED_RECORDS, 0, 0)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ===========================================================================================
// SIGTERM with buffered output (pod termination)
// ===========================================================================================

#[cfg(feature = "signals")]
const SIGTERM_RECORDS: u64 = 1_000;

#[cfg(feature = "signals")]
#[test]
fn sigterm_child() {
    if child_mode().as_deref() != Some("sigterm") {
        return;
    }
    // component-base's split stream with an info buffer and a flush period that never comes.
    let config = LoggingConfiguration::from_yaml(
        "format: text\nflushFrequency: 1h\noptions:\n  text:\n    splitStream: true\n    infoBufferSize: 1Mi\n",
    )
    .expect("config");
    let _guard = klog::init(&config).expect("init");
    klog::flush_on_signals().expect("signals");
    let logger = klog::background();
    log_records(&logger, 0, SIGTERM_RECORDS);
    eprintln!("ready");
    std::thread::sleep(Duration::from_secs(60));
}

#[cfg(feature = "signals")]
#[test]
fn sigterm_with_flush_on_signals_writes_out_the_buffer_and_still_ends_by_the_signal() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    let mut child = child("sigterm_child", "sigterm")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("child");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    while line.trim() != "ready" {
        line.clear();
        assert!(
            stderr.read_line(&mut line).expect("stderr") > 0,
            "child ended early"
        );
    }
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: a signal to our own child, whose pid is alive (not waited for yet).
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let output = child.wait_with_output().expect("child");
    assert_eq!(
        output.status.signal(),
        Some(libc::SIGTERM),
        "{:?}",
        output.status
    );
    let found = records(
        &String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|l| l.contains("\"line\""))
            .map(|l| format!("{l}\n"))
            .collect::<String>(),
    );
    assert!(found.torn.is_empty(), "{:?}", found.torn);
    assert_eq!(found.seqs, (0..SIGTERM_RECORDS).collect::<Vec<_>>());
}
