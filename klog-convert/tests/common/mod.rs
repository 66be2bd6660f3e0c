//! Helpers shared by the `klog-convert` child-process tests (each test file uses some).
#![allow(dead_code, unused_imports, unused_macros)]

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use klog::parse::{ParsedLine, ParsedRecord, ParsedValue, Parser, SourceFormat};
use klog::Severity;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_klog-convert");

/// How long one run of the binary may take before the test gives up (and kills it).
pub(crate) const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// How long `--follow` may take to show lines written to the file.
pub(crate) const FOLLOW_TIMEOUT: Duration = Duration::from_secs(10);

/// 2026-11-28T09:00:00Z, where the sample logs' clock starts, in Unix seconds.
pub(crate) const SAMPLE_START: i64 = 1_795_856_400;

/// The first and the last line of `sample.log`, neither of them a klog record.
pub(crate) const SAMPLE_LOG_FIRST: &str = "Starting sample controller manager v1.31.0\n";
pub(crate) const SAMPLE_LOG_LAST: &str = "sample controller manager exited cleanly\n";

#[macro_export]
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        [$(OsString::from($arg)),*]
    };
}

pub(crate) fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/data")
        .join(name)
}

pub(crate) fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A directory under the system temp dir, unique per process and test, removed when dropped.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("klog-convert-cli-test-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        TempDir(path)
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    pub(crate) fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        fs::write(&path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// A child process that is killed when dropped, so that a failing test leaves nothing running.
pub(crate) struct KillOnDrop(pub(crate) Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) struct Output {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: String,
}

pub(crate) fn command(args: &[OsString]) -> Command {
    let mut cmd = Command::new(BIN);
    // The expected outputs are in UTC; the converter's default zone is the local one.
    cmd.env("TZ", "UTC");
    cmd.args(args);
    cmd
}

/// Reads `r` to its end on a thread.
pub(crate) fn drain(mut r: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        r.read_to_end(&mut buf)
            .expect("reading the output of klog-convert");
        buf
    })
}

pub(crate) fn wait_timeout(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("waiting for klog-convert") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "klog-convert did not exit within {limit:?}"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `cmd` to its end with `stdin` (or an empty standard input) and collects its output.
pub(crate) fn output(mut cmd: Command, stdin: Option<Vec<u8>>) -> Output {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = KillOnDrop(cmd.spawn().expect("starting klog-convert"));
    let writer = child.0.stdin.take().map(|mut pipe| {
        let input = stdin.unwrap_or_default();
        // The binary may stop reading early (and the pipe break); its exit status tells.
        thread::spawn(move || drop(pipe.write_all(&input)))
    });
    let stdout = drain(child.0.stdout.take().unwrap());
    let stderr = drain(child.0.stderr.take().unwrap());
    let status = wait_timeout(&mut child.0, RUN_TIMEOUT);
    if let Some(writer) = writer {
        writer.join().unwrap();
    }
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: String::from_utf8_lossy(&stderr.join().unwrap()).into_owned(),
    }
}

pub(crate) fn run(args: &[OsString]) -> Output {
    output(command(args), None)
}

#[track_caller]
pub(crate) fn assert_success(out: &Output) {
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "klog-convert failed: {:?}, stderr: {}",
        out.status,
        out.stderr
    );
}

#[track_caller]
pub(crate) fn assert_usage_error(args: &[OsString], mentions: &[&str]) {
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: status {:?}, stderr: {}",
        out.status,
        out.stderr
    );
    assert!(
        out.stdout.is_empty(),
        "{args:?} wrote: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    for m in mentions {
        assert!(
            out.stderr.contains(m),
            "{args:?}: stderr does not mention {m:?}: {}",
            out.stderr
        );
    }
}

/// Compares large byte strings, reporting the first difference instead of both whole.
#[track_caller]
pub(crate) fn assert_same_bytes(actual: &[u8], expected: &[u8], what: &str) {
    if actual == expected {
        return;
    }
    let at = actual
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(actual.len().min(expected.len()));
    let show = |b: &[u8]| {
        String::from_utf8_lossy(&b[at.min(b.len())..(at + 120).min(b.len())]).into_owned()
    };
    panic!(
        "{what}: {} bytes, expected {}; first difference at byte {at}:\n  actual:   {:?}\n  expected: {:?}",
        actual.len(),
        expected.len(),
        show(actual),
        show(expected)
    );
}

/// Where `needle` first occurs in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub(crate) fn parse(bytes: &[u8]) -> Vec<ParsedLine> {
    parse_max(bytes, klog::parse::DEFAULT_MAX_LINE_LEN)
}

pub(crate) fn parse_max(bytes: &[u8], max_line_len: usize) -> Vec<ParsedLine> {
    Parser::new(bytes)
        .max_line_len(max_line_len)
        .map(|line| line.expect("reading from memory cannot fail"))
        .collect()
}

pub(crate) fn records(lines: &[ParsedLine]) -> Vec<&ParsedRecord> {
    lines
        .iter()
        .filter_map(|line| match line {
            ParsedLine::Record(rec) => Some(rec),
            ParsedLine::Raw(_) => None,
        })
        .collect()
}

pub(crate) fn raw_lines(lines: &[ParsedLine]) -> Vec<&[u8]> {
    lines
        .iter()
        .filter_map(|line| match line {
            ParsedLine::Raw(raw) => Some(&raw[..]),
            ParsedLine::Record(_) => None,
        })
        .collect()
}

pub(crate) fn keys(rec: &ParsedRecord) -> Vec<&str> {
    rec.key_values.iter().map(|(k, _)| k.as_str()).collect()
}

/// What `--to text` writes for a text input whose records `keep` selects: every line that is not
/// a record, and the kept records, byte for byte.
pub(crate) fn expected_text(lines: &[ParsedLine], keep: impl Fn(&ParsedRecord) -> bool) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines {
        match line {
            ParsedLine::Raw(raw) => out.extend_from_slice(raw),
            ParsedLine::Record(rec) if keep(rec) => out.extend_from_slice(&rec.raw),
            ParsedLine::Record(_) => {}
        }
    }
    out
}

/// Runs klog-convert with `args` and checks that it succeeded and wrote exactly `lines` with
/// only the records `keep` accepts (and every line that is not a record).
pub(crate) fn assert_filtered(
    args: &[OsString],
    lines: &[ParsedLine],
    keep: impl Fn(&ParsedRecord) -> bool,
    what: &str,
) {
    let out = run(args);
    assert_success(&out);
    assert_same_bytes(&out.stdout, &expected_text(lines, keep), what);
}

/// A text record's time in microseconds since [`SAMPLE_START`] (all of the sample is on 11-28).
pub(crate) fn text_offset_micros(rec: &ParsedRecord) -> i64 {
    let (month, day, hour, minute, second, micros) = rec.month_day_time.expect("a text record");
    assert_eq!((month, day), (11, 28), "{:?}", rec.message);
    ((i64::from(hour) - 9) * 3600 + i64::from(minute) * 60 + i64::from(second)) * 1_000_000
        + i64::from(micros)
}

/// Whether a pair `key` has the string `want`, or is a JSON object reference
/// `{"name":…,"namespace":…}` that reads `namespace/name`.
pub(crate) fn has_pair(rec: &ParsedRecord, key: &str, want: &str) -> bool {
    rec.key_values.iter().any(|(k, v)| {
        k == key
            && match v {
                ParsedValue::Str(s) => s == want,
                ParsedValue::Raw(r) => match serde_json::from_str::<serde_json::Value>(r) {
                    Ok(serde_json::Value::Object(o)) => match (o.get("namespace"), o.get("name")) {
                        (Some(ns), Some(name)) => {
                            format!("{}/{}", ns.as_str().unwrap(), name.as_str().unwrap()) == want
                        }
                        _ => false,
                    },
                    _ => r == want,
                },
            }
    })
}

pub(crate) fn has_ansi(bytes: &[u8]) -> bool {
    find(bytes, b"\x1b[").is_some()
}
