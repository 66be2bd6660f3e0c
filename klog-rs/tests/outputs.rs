//! Outputs lose nothing: every accepted record arrives whole, through exits, panics,
//! closed pipes and full disks.
//!
//! Own test binary: most tests run this binary again as a child process
//! (`KLOG_OUTPUT_CHILD=<mode>`) and look at what it wrote, and some install process-wide
//! state (the panic hook, the process-wide logger) that only a child may have.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Output, Stdio};

use klog::{info, KlogFlags, LoggingConfiguration, TextSink};

const THREADS: usize = 8;
const LINES_PER_THREAD: usize = 100_000;

fn child_mode() -> Option<String> {
    std::env::var("KLOG_OUTPUT_CHILD").ok()
}

fn child(test: &str, mode: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().expect("test binary"));
    command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env("KLOG_OUTPUT_CHILD", mode);
    command
}

/// The (thread, seq) of each `... "line" thread=T seq=N` record of `text`, in order;
/// panics at a torn record (`what` says where it was).
fn line_records<'a>(text: &'a str, what: &'a str) -> impl Iterator<Item = (usize, usize)> + 'a {
    text.lines()
        .filter(|l| l.contains("\"line\""))
        .map(move |line| {
            let record = line
                .split_once("] \"line\" thread=")
                .and_then(|(_, fields)| fields.split_once(" seq="))
                .and_then(|(thread, seq)| Some((thread.parse().ok()?, seq.parse().ok()?)));
            record.unwrap_or_else(|| panic!("torn record in {what}: {line:?}"))
        })
}

/// Parses `... "line" thread=T seq=N` records and checks each appears once, and each
/// thread's in the order it logged them.
fn count_records(text: &str, threads: usize, per_thread: usize) {
    let mut seen = HashSet::new();
    let mut next_seq = std::collections::HashMap::new();
    for id in line_records(text, "the output") {
        assert!(seen.insert(id), "duplicate record {id:?}");
        let expected = next_seq.entry(id.0).or_insert(0);
        assert_eq!(id.1, *expected, "thread {}'s records out of order", id.0);
        *expected += 1;
    }
    assert_eq!(seen.len(), threads * per_thread, "records lost");
}

/// A text logger at `-v=0` writing to log files only (nothing to stderr, no size limit
/// unless `configure` sets one), as `configure` says where.
fn to_log_files(configure: impl FnOnce(&mut KlogFlags)) -> klog::Logger {
    let mut flags = KlogFlags::default();
    flags.logtostderr = false;
    flags.log_file = None;
    flags.log_file_max_size = 0;
    flags.stderrthreshold = klog::Severity::Fatal;
    configure(&mut flags);
    TextSink::builder()
        .verbosity(0)
        .klog_flags(&flags)
        .build_logger()
}

fn log_from_threads(logger: &klog::Logger, threads: usize, per_thread: usize) {
    std::thread::scope(|s| {
        for thread in 0..threads {
            s.spawn(move || {
                for seq in 0..per_thread {
                    info!(logger, "line", thread, seq);
                }
            });
        }
    });
}

#[test]
fn many_threads_to_one_file_lose_and_tear_nothing() {
    let dir = std::env::temp_dir().join(format!("klog-outputs-file-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("all.log");
    let logger = to_log_files(|flags| flags.log_file = Some(file.clone()));
    log_from_threads(&logger, THREADS, LINES_PER_THREAD);
    // Dropped (which flushes) before the file is removed: its last flush would bring back
    // a file it finds removed.
    drop(logger);
    let text = std::fs::read_to_string(&file).expect("log file");
    count_records(&text, THREADS, LINES_PER_THREAD);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Per-severity files, rotated every megabyte, from several threads logging info, warning
/// and error records (errors are written through, after the thread's staged records):
/// every record is in each file its severity goes to exactly once, whole, and in each file
/// every thread's records are in the order it logged them.
#[test]
fn many_threads_to_rotated_severity_files_lose_tear_and_reorder_nothing() {
    const THREADS: usize = 4;
    const PER_THREAD: usize = 25_000;
    use klog::Severity::{Error, Info, Warning};
    let severity_of = |seq: usize| match seq {
        s if s % 97 == 0 => Error,
        s if s % 7 == 0 => Warning,
        _ => Info,
    };
    let dir = std::env::temp_dir().join(format!("klog-outputs-rotated-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let logger = to_log_files(|flags| {
        flags.log_dir = Some(dir.clone());
        flags.log_file_max_size = 1;
    });
    std::thread::scope(|s| {
        for thread in 0..THREADS {
            let logger = &logger;
            s.spawn(move || {
                for seq in 0..PER_THREAD {
                    match severity_of(seq) {
                        Error => klog::error!(logger, "line", thread, seq),
                        Warning => klog::warning!(logger, "line", thread, seq),
                        _ => info!(logger, "line", thread, seq),
                    }
                }
            });
        }
    });
    // Dropped before the files are read (and removed): its last flush would otherwise
    // find them gone and bring them back.
    drop(logger);
    // Per file kind: the records seen (thread, seq), and how many files.
    type Seen = (HashSet<(usize, usize)>, usize);
    let mut seen: std::collections::HashMap<klog::Severity, Seen> =
        std::collections::HashMap::new();
    for entry in std::fs::read_dir(&dir).expect("log dir") {
        let path = entry.expect("entry").path();
        if !path.symlink_metadata().expect("metadata").is_file() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let kind = [Info, Warning, Error]
            .into_iter()
            .find(|kind| name.contains(&format!(".log.{}.", kind.name())))
            .unwrap_or_else(|| panic!("unexpected file {name}"));
        let (records, files) = seen.entry(kind).or_default();
        *files += 1;
        let text = std::fs::read_to_string(&path).expect("log file");
        let mut last_seq: std::collections::HashMap<usize, usize> = Default::default();
        for id in line_records(&text, &name) {
            assert!(records.insert(id), "{id:?} twice in the {kind:?} files");
            if let Some(before) = last_seq.insert(id.0, id.1) {
                assert!(before < id.1, "thread {} out of order in {name}", id.0);
            }
        }
    }
    let expected = |kinds: &[klog::Severity]| {
        (0..THREADS)
            .flat_map(|t| (0..PER_THREAD).map(move |s| (t, s)))
            .filter(|&(_, s)| kinds.contains(&severity_of(s)))
            .collect::<HashSet<_>>()
    };
    let info = &seen[&Info];
    assert_eq!(info.0, expected(&[Info, Warning, Error]), "INFO files");
    assert!(info.1 > 3, "INFO rotated: {} files", info.1);
    assert_eq!(
        seen[&Warning].0,
        expected(&[Warning, Error]),
        "WARNING files"
    );
    assert_eq!(seen[&Error].0, expected(&[Error]), "ERROR files");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pipe_writer() {
    if child_mode().as_deref() == Some("pipe") {
        let logger = TextSink::builder()
            .writer(std::io::stdout())
            .buffered(64 * 1024)
            .verbosity(0)
            .build_logger();
        log_from_threads(&logger, THREADS, LINES_PER_THREAD);
        logger.flush();
    }
}

#[test]
fn many_threads_to_one_pipe_lose_and_tear_nothing() {
    let output = child("pipe_writer", "pipe").output().expect("child");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    count_records(
        &String::from_utf8_lossy(&output.stdout),
        THREADS,
        LINES_PER_THREAD,
    );
}

/// A component set up like Kubernetes does it: split stream with a 1 MiB info buffer and
/// a long flush period, so nothing reaches stdout unless something flushes.
fn buffered_component() -> klog::FlushGuard {
    let config = LoggingConfiguration::from_yaml(
        "format: text\nflushFrequency: 1h\noptions:\n  text:\n    splitStream: true\n    infoBufferSize: 1Mi\n",
    )
    .expect("config");
    klog::init(&config).expect("init")
}

const BUFFERED_LINES: usize = 1_000;

#[test]
fn exit_child() {
    let Some(mode) = child_mode() else { return };
    let guard = buffered_component();
    for seq in 0..BUFFERED_LINES {
        info!("line", thread = 0, seq);
    }
    match mode.as_str() {
        "return" => drop(guard),
        "panic" => panic!("child panics on purpose"),
        "fatal" => klog::fatal!("child gives up", reason = "test"),
        "flush_and_exit" => klog::flush_and_exit(3),
        other => panic!("unknown mode {other}"),
    }
}

fn run_exit_child(mode: &str) -> Output {
    let output = child("exit_child", mode)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("child");
    count_records(&String::from_utf8_lossy(&output.stdout), 1, BUFFERED_LINES);
    output
}

#[test]
fn returning_from_main_flushes_buffered_lines() {
    let output = run_exit_child("return");
    assert!(output.status.success());
}

#[test]
fn a_panic_flushes_buffered_lines_and_shows_message_and_backtrace() {
    let output = run_exit_child("panic");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("child panics on purpose"), "{stderr}");
    assert!(
        stderr.contains("exit_child"),
        "no backtrace frame: {stderr}"
    );
}

#[test]
fn fatal_flushes_buffered_lines_and_shows_message_and_backtrace() {
    let output = run_exit_child("fatal");
    assert_eq!(output.status.code(), Some(255));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("\"child gives up\" reason=\"test\""),
        "{stderr}"
    );
    assert!(stderr.contains("fatal error in thread"), "{stderr}");
    assert!(
        stderr.contains("exit_child"),
        "no backtrace frame: {stderr}"
    );
}

#[test]
fn flush_and_exit_flushes_buffered_lines() {
    let output = run_exit_child("flush_and_exit");
    assert_eq!(output.status.code(), Some(3));
}

#[test]
fn closed_pipe_child() {
    if child_mode().as_deref() == Some("closed_pipe") {
        let logger = TextSink::builder()
            .writer(std::io::stdout())
            .verbosity(0)
            .build_logger();
        for seq in 0..50_000 {
            info!(logger, "line", thread = 0, seq);
        }
        let errors: u64 = klog::output_stats()
            .iter()
            .map(|d| d.stats().errors())
            .sum();
        eprintln!("child finished with {errors} errors");
    }
}

#[test]
fn a_closed_pipe_neither_kills_nor_panics_the_writer() {
    let mut child = child("closed_pipe_child", "closed_pipe")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("child");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    // libtest prints its own lines first; wait for the first record.
    let mut first = String::new();
    while !first.contains("\"line\"") {
        first.clear();
        assert!(stdout.read_line(&mut first).expect("read") > 0, "no record");
    }
    drop(stdout); // the reader goes away: further writes fail with EPIPE
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    // The child's own work ends normally; libtest's summary afterwards may fail on the
    // closed stdout, which is libtest's business, so the exit status is not checked.
    child.wait().expect("wait");
    assert!(stderr.contains("child finished with"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let reports = stderr.matches("klog: writing to writer failed").count();
    assert_eq!(reports, 1, "reported once per failure episode: {stderr}");
}

#[cfg(target_os = "linux")]
#[test]
fn full_disk_child() {
    if child_mode().as_deref() == Some("full") {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let sink = TextSink::builder().writer(full).verbosity(0).build();
        let logger = klog::Logger::new(std::sync::Arc::new(sink.clone()));
        for seq in 0..100 {
            info!(logger, "line", thread = 0, seq);
        }
        eprintln!(
            "errors={} lines={}",
            sink.stats().errors(),
            sink.stats().lines()
        );
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_counted_and_reported_once() {
    let output = child("full_disk_child", "full").output().expect("child");
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("errors=100 lines=0"), "{stderr}");
    assert_eq!(
        stderr.matches("klog: writing to writer failed").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn shared_file_child() {
    if child_mode().as_deref() == Some("shared_file") {
        let file = std::env::var("KLOG_SHARED_FILE").expect("file");
        let process: usize = std::env::var("KLOG_PROCESS")
            .expect("process")
            .parse()
            .unwrap();
        let mut flags = KlogFlags::default();
        flags.logtostderr = false;
        flags.log_file = Some(file.into());
        flags.log_file_max_size = 0;
        flags.stderrthreshold = klog::Severity::Fatal;
        let logger = TextSink::builder()
            .verbosity(0)
            .klog_flags(&flags)
            .build_logger();
        for seq in 0..LINES_PER_THREAD / 2 {
            info!(logger, "line", thread = process, seq);
        }
        logger.flush();
    }
}

#[test]
fn two_processes_appending_to_one_file_never_interleave_inside_a_line() {
    let dir = std::env::temp_dir().join(format!("klog-outputs-shared-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("shared.log");
    let children: Vec<_> = (0..2)
        .map(|process| {
            child("shared_file_child", "shared_file")
                .env("KLOG_SHARED_FILE", &file)
                .env("KLOG_PROCESS", process.to_string())
                .stdout(Stdio::null())
                .spawn()
                .expect("child")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("wait").success());
    }
    let text = std::fs::read_to_string(&file).expect("shared file");
    count_records(&text, 2, LINES_PER_THREAD / 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn flush_thread_child() {
    if child_mode().as_deref() == Some("flush_thread") {
        let config = LoggingConfiguration::from_yaml(
            "format: json\nflushFrequency: 100ms\noptions:\n  json:\n    splitStream: true\n    infoBufferSize: 1Mi\n",
        )
        .expect("config");
        let _guard = klog::init(&config).expect("init");
        for seq in 0..100 {
            info!("line", thread = 0, seq);
        }
        std::thread::sleep(std::time::Duration::from_millis(600));
        // No flush on the way out: only the flush thread can have written the lines.
        std::process::abort();
    }
}

#[test]
fn the_flush_thread_writes_buffered_lines_within_the_flush_frequency() {
    let output = child("flush_thread_child", "flush_thread")
        .output()
        .expect("child");
    assert!(!output.status.success(), "the child aborts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let records = stdout
        .lines()
        .filter(|l| l.contains("\"msg\":\"line\""))
        .count();
    assert_eq!(records, 100, "{stdout}");
}

#[test]
fn a_dropped_buffered_sink_writes_out_its_buffer() {
    let out = klog::SharedBuffer::default();
    let logger = TextSink::builder()
        .writer(out.clone())
        .buffered(1 << 20)
        .verbosity(0)
        .build_logger();
    for seq in 0..100 {
        info!(logger, "line", thread = 0, seq);
    }
    assert!(out.contents().is_empty(), "still buffered");
    drop(logger);
    count_records(&out.to_string(), 1, 100);
}

#[test]
fn json_log_files_hold_json_lines_only() {
    let dir = std::env::temp_dir().join(format!("klog-outputs-json-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut flags = KlogFlags::default();
    flags.logtostderr = false;
    flags.log_dir = Some(dir.join("logs"));
    flags.log_file = None;
    flags.stderrthreshold = klog::Severity::Fatal;
    let logger = klog::JsonSink::builder()
        .verbosity(0)
        .klog_flags(&flags)
        .build_logger();
    info!(logger, "first", n = 1);
    klog::warning!(logger, "second", text = "two\nlines");
    drop(logger); // flushes; and is gone before the files are removed
    let mut files = 0;
    for entry in std::fs::read_dir(dir.join("logs")).expect("log dir") {
        let path = entry.expect("entry").path();
        if !path.symlink_metadata().expect("metadata").is_file() {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).expect("log file");
        assert!(!text.is_empty(), "{}", path.display());
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line)
                .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {line:?}", path.display()));
        }
    }
    assert_eq!(files, 2, "INFO and WARNING files");
    let _ = std::fs::remove_dir_all(&dir);
}
