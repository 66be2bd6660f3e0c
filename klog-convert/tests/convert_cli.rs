//! Child-process tests of the `klog-convert` binary: formats, passthrough of
//! lines that are not records, filters, colours, exit codes, a closed output and `--follow`.
//!
//! The binary's output is read back with the library's parser (`klog::parse`), so these tests
//! check what a user of the binary sees, not how the converter is built.

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

const BIN: &str = env!("CARGO_BIN_EXE_klog-convert");

/// How long one run of the binary may take before the test gives up (and kills it).
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// How long `--follow` may take to show lines written to the file.
const FOLLOW_TIMEOUT: Duration = Duration::from_secs(10);

/// 2026-11-28T09:00:00Z, where the sample logs' clock starts, in Unix seconds.
const SAMPLE_START: i64 = 1_795_856_400;

/// The first and the last line of `sample.log`, neither of them a klog record.
const SAMPLE_LOG_FIRST: &str = "Starting sample controller manager v1.31.0\n";
const SAMPLE_LOG_LAST: &str = "sample controller manager exited cleanly\n";

macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        [$(OsString::from($arg)),*]
    };
}

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/data")
        .join(name)
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A directory under the system temp dir, unique per process and test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("klog-convert-cli-test-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        TempDir(path)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
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
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Output {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: String,
}

fn command(args: &[OsString]) -> Command {
    let mut cmd = Command::new(BIN);
    // The expected outputs are in UTC; the converter's default zone is the local one.
    cmd.env("TZ", "UTC");
    cmd.args(args);
    cmd
}

/// Reads `r` to its end on a thread.
fn drain(mut r: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut buf = Vec::new();
        r.read_to_end(&mut buf)
            .expect("reading the output of klog-convert");
        buf
    })
}

fn wait_timeout(child: &mut Child, limit: Duration) -> ExitStatus {
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
fn output(mut cmd: Command, stdin: Option<Vec<u8>>) -> Output {
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

fn run(args: &[OsString]) -> Output {
    output(command(args), None)
}

#[track_caller]
fn assert_success(out: &Output) {
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "klog-convert failed: {:?}, stderr: {}",
        out.status,
        out.stderr
    );
}

#[track_caller]
fn assert_usage_error(args: &[OsString], mentions: &[&str]) {
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
fn assert_same_bytes(actual: &[u8], expected: &[u8], what: &str) {
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
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse(bytes: &[u8]) -> Vec<ParsedLine> {
    parse_max(bytes, klog::parse::DEFAULT_MAX_LINE_LEN)
}

fn parse_max(bytes: &[u8], max_line_len: usize) -> Vec<ParsedLine> {
    Parser::new(bytes)
        .max_line_len(max_line_len)
        .map(|line| line.expect("reading from memory cannot fail"))
        .collect()
}

fn records(lines: &[ParsedLine]) -> Vec<&ParsedRecord> {
    lines
        .iter()
        .filter_map(|line| match line {
            ParsedLine::Record(rec) => Some(rec),
            ParsedLine::Raw(_) => None,
        })
        .collect()
}

fn raw_lines(lines: &[ParsedLine]) -> Vec<&[u8]> {
    lines
        .iter()
        .filter_map(|line| match line {
            ParsedLine::Raw(raw) => Some(&raw[..]),
            ParsedLine::Record(_) => None,
        })
        .collect()
}

fn keys(rec: &ParsedRecord) -> Vec<&str> {
    rec.key_values.iter().map(|(k, _)| k.as_str()).collect()
}

/// What `--to text` writes for a text input whose records `keep` selects: every line that is not
/// a record, and the kept records, byte for byte.
fn expected_text(lines: &[ParsedLine], keep: impl Fn(&ParsedRecord) -> bool) -> Vec<u8> {
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
fn assert_filtered(
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
fn text_offset_micros(rec: &ParsedRecord) -> i64 {
    let (month, day, hour, minute, second, micros) = rec.month_day_time.expect("a text record");
    assert_eq!((month, day), (11, 28), "{:?}", rec.message);
    ((i64::from(hour) - 9) * 3600 + i64::from(minute) * 60 + i64::from(second)) * 1_000_000
        + i64::from(micros)
}

/// Whether a pair `key` has the string `want`, or is a JSON object reference
/// `{"name":…,"namespace":…}` that reads `namespace/name`.
fn has_pair(rec: &ParsedRecord, key: &str, want: &str) -> bool {
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

fn has_ansi(bytes: &[u8]) -> bool {
    find(bytes, b"\x1b[").is_some()
}

#[test]
fn text_to_json_converts_records_and_keeps_other_lines() {
    let input = read(&data("sample.log"));
    let out = run(&args!["--to", "json", "--year", "2026", data("sample.log")]);
    assert_success(&out);

    let lines_in = parse(&input);
    let lines_out = parse(&out.stdout);
    assert_eq!(
        records(&lines_out).len(),
        records(&lines_in).len(),
        "records in and out"
    );
    assert_eq!(lines_out.len(), lines_in.len(), "lines in and out");
    let (mut n_records, mut n_raw) = (0, 0);
    for (i, (a, b)) in lines_in.iter().zip(&lines_out).enumerate() {
        match (a, b) {
            (ParsedLine::Raw(a), ParsedLine::Raw(b)) => {
                assert_eq!(
                    String::from_utf8_lossy(b),
                    String::from_utf8_lossy(a),
                    "unparsed piece {i}"
                );
                assert_eq!(a, b, "unparsed piece {i}");
                n_raw += 1;
            }
            (ParsedLine::Record(a), ParsedLine::Record(b)) => {
                assert_eq!(a.format, SourceFormat::Text);
                assert_eq!(b.format, SourceFormat::Json, "record {i}: {:?}", a.message);
                // One JSON object on one line.
                let line = b
                    .raw
                    .strip_suffix(b"\n")
                    .expect("a JSON line ends with \\n");
                assert!(!line.contains(&b'\n'), "record {i} spans lines");
                let value: serde_json::Value = serde_json::from_slice(line).unwrap_or_else(|e| {
                    panic!("record {i}: {e}: {}", String::from_utf8_lossy(line))
                });
                assert!(value.is_object(), "record {i}");
                assert_eq!(b.message, a.message, "record {i}");
                assert_eq!(b.logger, a.logger, "record {i}");
                assert_eq!(b.error, a.error, "record {i}");
                assert_eq!(keys(b), keys(a), "record {i}: {:?}", a.message);
                // Error entries have no "v"; info (and warning) entries have one.
                assert_eq!(
                    b.verbosity.is_none(),
                    a.severity >= Severity::Error,
                    "record {i}: {:?}",
                    a.message
                );
                n_records += 1;
            }
            _ => panic!("piece {i} changed kind: {a:?} → {b:?}"),
        }
    }
    assert!(n_records > 2000, "{n_records} records");
    assert!(n_raw >= 10, "{n_raw} unparsed lines");
    assert_eq!(
        raw_lines(&lines_out).first(),
        Some(&SAMPLE_LOG_FIRST.as_bytes())
    );
    assert_eq!(
        raw_lines(&lines_out).last(),
        Some(&SAMPLE_LOG_LAST.as_bytes())
    );
}

#[test]
fn json_to_text_and_back_keeps_messages_loggers_and_keys() {
    let json = read(&data("sample.json"));
    let text = run(&args!["--to", "text", data("sample.json")]);
    assert_success(&text);

    let json_lines = parse(&json);
    let text_lines = parse(&text.stdout);
    assert_eq!(text_lines.len(), json_lines.len(), "lines JSON → text");
    for (i, (a, t)) in json_lines.iter().zip(&text_lines).enumerate() {
        match (a, t) {
            (ParsedLine::Raw(a), ParsedLine::Raw(t)) => assert_eq!(a, t, "unparsed piece {i}"),
            (ParsedLine::Record(a), ParsedLine::Record(t)) => {
                assert_eq!(a.format, SourceFormat::Json);
                assert_eq!(t.format, SourceFormat::Text, "record {i}: {:?}", a.message);
                assert_eq!(t.message, a.message, "record {i}");
            }
            _ => panic!("piece {i} changed kind: {a:?} → {t:?}"),
        }
    }

    // Back to JSON, through standard input.
    let back = output(
        command(&args!["--to", "json", "--year", "2026"]),
        Some(text.stdout),
    );
    assert_success(&back);
    let back_lines = parse(&back.stdout);
    assert_eq!(back_lines.len(), json_lines.len(), "lines text → JSON");
    let mut n_records = 0;
    for (i, (a, b)) in json_lines.iter().zip(&back_lines).enumerate() {
        match (a, b) {
            (ParsedLine::Raw(a), ParsedLine::Raw(b)) => assert_eq!(a, b, "unparsed piece {i}"),
            (ParsedLine::Record(a), ParsedLine::Record(b)) => {
                assert_eq!(b.format, SourceFormat::Json, "record {i}: {:?}", a.message);
                assert_eq!(b.message, a.message, "record {i}");
                assert_eq!(b.logger, a.logger, "record {i}: {:?}", a.message);
                assert_eq!(keys(b), keys(a), "record {i}: {:?}", a.message);
                assert_eq!(b.error, a.error, "record {i}: {:?}", a.message);
                assert_eq!(b.severity, a.severity, "record {i}: {:?}", a.message);
                // Text keeps microseconds.
                let (ta, tb) = (a.ts_millis.unwrap(), b.ts_millis.unwrap());
                assert!(
                    (ta - tb).abs() <= 0.0011,
                    "record {i}: ts {ta} came back as {tb}"
                );
                n_records += 1;
            }
            _ => panic!("piece {i} changed kind: {a:?} → {b:?}"),
        }
    }
    assert!(n_records > 2000, "{n_records} records");
}

#[test]
fn converting_to_the_own_format_changes_nothing() {
    for (to, name) in [("text", "sample.log"), ("json", "sample.json")] {
        let input = read(&data(name));
        let out = run(&args!["--to", to, data(name)]);
        assert_success(&out);
        assert_same_bytes(&out.stdout, &input, &format!("--to {to} {name}"));

        let out = output(command(&args!["--to", to, "-"]), Some(input.clone()));
        assert_success(&out);
        assert_same_bytes(&out.stdout, &input, &format!("--to {to} < {name}"));
    }
}

#[test]
fn a_repeated_json_key_becomes_one_text_pair() {
    // zap keeps every member; klog's text writer keeps the last value of a key, at its own
    // position, and drops a repeat of the same pair.
    let input = b"{\"ts\":0,\"caller\":\"a.go:1\",\"msg\":\"m\",\"v\":0,\"a\":1,\"b\":2,\"a\":3}\n\
                  {\"ts\":0,\"caller\":\"a.go:2\",\"msg\":\"m\",\"v\":0,\"a\":1,\"b\":2,\"a\":1}\n";
    let out = output(command(&args!["--to", "text"]), Some(input.to_vec()));
    assert_success(&out);
    assert_same_bytes(
        &out.stdout,
        b"I0101 00:00:00.000000         a.go:1] \"m\" b=2 a=3\n\
          I0101 00:00:00.000000         a.go:2] \"m\" a=1 b=2\n",
        "--to text",
    );
}

#[test]
fn lines_that_are_not_records_pass_through_byte_for_byte() {
    let long_junk = "long junk line ".repeat(200) + "\n";
    let long_record = format!(
        "I1128 09:00:05.000000    4242 a.go:3] \"too long to parse\" data=\"{}\"\n",
        "y".repeat(2000)
    );
    let long_json = format!(
        "{{\"ts\":1795856405000,\"msg\":\"too long to parse\",\"v\":0,\"data\":\"{}\"}}\n",
        "y".repeat(2000)
    );
    // What is not a record, the same in both inputs.
    let unparsed: Vec<Vec<u8>> = vec![
        b"plain line\n".to_vec(),
        b"invalid utf-8 \xff\xfe\xc3( here\n".to_vec(),
        b"I1128 09:00:02.000000    4242 a.go:2] \"bad \xff utf-8 record\"\n".to_vec(),
        b"{\"ts\":1795856402000,\"msg\":\"bad \xff json\"}\n".to_vec(),
        long_junk.into_bytes(),
        long_record.into_bytes(),
        long_json.into_bytes(),
        b"crlf plain line\r\n".to_vec(),
        b"{not json}\r\n".to_vec(),
        b"\r\n".to_vec(),
        b"last line without newline".to_vec(),
    ];
    // The records, in text and in JSON: before unparsed[0], [3] and [7].
    let text_records: [&[u8]; 3] = [
        b"I1128 09:00:01.000000    4242 a.go:1] \"first record\" k=\"v\"\n",
        b"I1128 09:00:03.000000    4242 a.go:4] \"second record\"\n",
        b"I1128 09:00:06.000000    4242 a.go:5] \"crlf record\" k=\"v\"\r\n",
    ];
    let json_records: [&[u8]; 3] = [
        b"{\"ts\":1795856401000,\"caller\":\"a.go:1\",\"msg\":\"first record\",\"v\":0,\"k\":\"v\"}\n",
        b"{\"ts\":1795856403000.5,\"caller\":\"a.go:4\",\"msg\":\"second record\",\"v\":0}\n",
        b"{\"ts\":1795856406000,\"caller\":\"a.go:5\",\"msg\":\"crlf record\",\"v\":0,\"k\":\"v\"}\r\n",
    ];
    let messages = ["first record", "second record", "crlf record"];
    let interleave = |records: &[&[u8]; 3]| -> Vec<u8> {
        let mut out = Vec::new();
        for (i, piece) in unparsed.iter().enumerate() {
            if let Some(j) = [0, 3, 7].iter().position(|&k| k == i) {
                out.extend_from_slice(records[j]);
            }
            out.extend_from_slice(piece);
        }
        out
    };
    let dir = TempDir::new();

    for (own, input) in [
        ("text", interleave(&text_records)),
        ("json", interleave(&json_records)),
    ] {
        let file = dir.write(&format!("mixed.{own}"), &input);
        // The parser agrees on what is a record (and so on what must pass through).
        let lines = parse_max(&input, 1000);
        assert_eq!(
            records(&lines)
                .iter()
                .map(|r| r.message.as_str())
                .collect::<Vec<_>>(),
            messages,
            "{own} input"
        );
        assert_eq!(raw_lines(&lines).concat(), unparsed.concat(), "{own} input");

        for to in ["text", "json", "pretty"] {
            let what = format!("{own} input --to {to}");
            let out = run(&args![
                "--to",
                to,
                "--max-line-len",
                "1000",
                "--year",
                "2026",
                "--color",
                "never",
                &file
            ]);
            assert_success(&out);
            if to == own {
                assert_same_bytes(&out.stdout, &input, &what);
            }
            // Every piece that is not a record, in order.
            let mut pos = 0;
            for (i, piece) in unparsed.iter().enumerate() {
                let at = find(&out.stdout[pos..], piece).unwrap_or_else(|| {
                    panic!(
                        "{what}: piece {i} {:?} missing (after byte {pos}) in:\n{}",
                        String::from_utf8_lossy(&piece[..piece.len().min(80)]),
                        String::from_utf8_lossy(&out.stdout)
                    )
                });
                pos += at + piece.len();
            }
            assert!(
                out.stdout.ends_with(b"\nlast line without newline"),
                "{what}: the last line changed"
            );
            if to == "pretty" {
                for msg in messages {
                    assert!(
                        find(&out.stdout, msg.as_bytes()).is_some(),
                        "{what}: {msg:?} missing"
                    );
                }
            } else {
                // The records were converted, the rest passed through.
                let lines = parse_max(&out.stdout, 1000);
                let recs = records(&lines);
                assert_eq!(
                    recs.iter().map(|r| r.message.as_str()).collect::<Vec<_>>(),
                    messages,
                    "{what}"
                );
                let format = if to == "json" {
                    SourceFormat::Json
                } else {
                    SourceFormat::Text
                };
                assert!(recs.iter().all(|r| r.format == format), "{what}");
                assert_eq!(raw_lines(&lines).concat(), unparsed.concat(), "{what}");
            }
        }
    }
}

#[test]
fn unreadable_inputs_exit_1_and_the_others_are_converted() {
    let dir = TempDir::new();
    let a = dir.write(
        "a.log",
        "I1128 09:00:01.000000    4242 a.go:1] \"a one\"\n\
         I1128 09:00:02.000000    4242 a.go:2] \"a two\"\n",
    );
    let b = dir.write(
        "b.json",
        "{\"ts\":1795856403000,\"caller\":\"b.go:1\",\"msg\":\"b one\",\"v\":0}\n",
    );
    let missing = dir.path("missing.log");
    let subdir = dir.path("subdir");
    fs::create_dir(&subdir).unwrap();

    // A file that cannot be opened, and one that cannot be read (a directory).
    for bad in [&missing, &subdir] {
        let out = run(&args!["--to", "json", "--year", "2026", &a, bad, &b]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}: status {:?}, stderr: {}",
            bad.display(),
            out.status,
            out.stderr
        );
        assert!(
            out.stderr.contains(&bad.display().to_string()),
            "stderr does not name {}: {}",
            bad.display(),
            out.stderr
        );
        assert!(!out.stderr.contains("a.log") && !out.stderr.contains("b.json"));
        let lines = parse(&out.stdout);
        let recs = records(&lines);
        assert_eq!(
            recs.iter().map(|r| r.message.as_str()).collect::<Vec<_>>(),
            ["a one", "a two", "b one"]
        );
        assert!(recs.iter().all(|r| r.format == SourceFormat::Json));
        assert_eq!(lines.len(), 3);
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_usage_error(&args!["--to", "yaml"], &["yaml", "--to"]);
    assert_usage_error(&args!["--match", "nokey"], &["nokey", "--match"]);
    assert_usage_error(&args!["--match", "=value"], &["--match"]);
    assert_usage_error(&args!["--since", "yesterday"], &["yesterday", "--since"]);
    assert_usage_error(&args!["--until", "2026-13-01"], &["--until"]);
    assert_usage_error(&args!["--year", "0"], &["--year"]);
    assert_usage_error(&args!["--max-line-len", "0"], &["--max-line-len"]);
    assert_usage_error(&args!["--no-such-flag"], &["--no-such-flag"]);

    let dir = TempDir::new();
    let a = dir.write("a.log", "x\n");
    let b = dir.write("b.log", "y\n");
    assert_usage_error(&args!["--follow", &a, &b], &["--follow"]);
    assert_usage_error(&args!["-f"], &["--follow"]);
    assert_usage_error(&args!["-f", "-"], &["--follow"]);
}

/// Runs `args` with a pipe as standard output, reads one line and closes the pipe; the exit
/// status, the first line and standard error.
fn read_first_line_and_close(args: &[OsString]) -> (ExitStatus, String, String) {
    let mut cmd = command(args);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = KillOnDrop(cmd.spawn().expect("starting klog-convert"));
    let stderr = drain(child.0.stderr.take().unwrap());
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    drop(stdout);
    let status = wait_timeout(&mut child.0, RUN_TIMEOUT);
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
    (status, first, stderr)
}

#[test]
fn a_closed_output_ends_quietly() {
    // Some 10 MB of JSON: far more than a pipe holds.
    let mut args = args!["--to", "json", "--year", "2026"].to_vec();
    args.extend((0..20).map(|_| OsString::from(data("sample.log"))));
    let (status, first, stderr) = read_first_line_and_close(&args);
    assert_eq!(first, SAMPLE_LOG_FIRST);
    assert!(
        status.success(),
        "status {status:?} after the reader went away, stderr: {stderr}"
    );
    assert!(stderr.is_empty(), "stderr: {stderr}");

    // An input that could not be read before that is still an error (exit status 1).
    let dir = TempDir::new();
    let missing = dir.path("missing.log");
    let mut args = args!["--to", "json", "--year", "2026", &missing].to_vec();
    args.extend((0..20).map(|_| OsString::from(data("sample.log"))));
    let (status, first, stderr) = read_first_line_and_close(&args);
    assert_eq!(first, SAMPLE_LOG_FIRST);
    assert_eq!(
        status.code(),
        Some(1),
        "status {status:?}, stderr: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "stderr: {stderr}");
    assert!(
        stderr.contains(&missing.display().to_string()),
        "stderr: {stderr}"
    );
}

/// An output that cannot be written (other than a closed pipe) is exit status 2.
#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_output_exits_2() {
    let mut cmd = command(&args!["--to", "json", "--year", "2026", data("sample.log")]);
    cmd.stdin(Stdio::null())
        .stdout(fs::File::create("/dev/full").expect("/dev/full"))
        .stderr(Stdio::piped());
    let mut child = KillOnDrop(cmd.spawn().expect("starting klog-convert"));
    let stderr = drain(child.0.stderr.take().unwrap());
    let status = wait_timeout(&mut child.0, RUN_TIMEOUT);
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
    assert_eq!(
        status.code(),
        Some(2),
        "status {status:?}, stderr: {stderr}"
    );
    assert!(stderr.contains("writing the output"), "stderr: {stderr}");
}

#[test]
fn help_lists_the_options_and_exit_codes() {
    let out = run(&args!["--help"]);
    assert_success(&out);
    let help = String::from_utf8(out.stdout).unwrap();
    for option in [
        "--to",
        "--color",
        "--severity",
        "--max-v",
        "--logger",
        "--match",
        "--since",
        "--until",
        "--year",
        "--follow",
        "--hide-unparsed",
        "--max-line-len",
    ] {
        assert!(help.contains(option), "--help does not mention {option}");
    }
    let status = &help[help.find("Exit status").expect("--help has no exit status")..];
    for code in ["0 on success", "1 if", "2 for"] {
        assert!(
            status.contains(code),
            "exit status without {code:?}: {status}"
        );
    }
}

#[test]
fn colours_only_when_asked_for() {
    let sample = data("sample.log");
    let pretty = |color: &str| {
        let mut cmd = command(&args!["--to", "pretty", "--color", color, &sample]);
        cmd.env_remove("NO_COLOR");
        let out = output(cmd, None);
        assert_success(&out);
        out.stdout
    };
    let always = pretty("always");
    assert!(has_ansi(&always), "--color always: no ANSI escapes");
    let auto = pretty("auto");
    assert!(!has_ansi(&auto), "--color auto into a pipe: ANSI escapes");
    let never = pretty("never");
    assert!(!has_ansi(&never), "--color never: ANSI escapes");
    assert!(never.len() < always.len());
    assert_eq!(auto, never);

    // Colours are for the pretty view only.
    let out = run(&args![
        "--to", "json", "--year", "2026", "--color", "always", &sample
    ]);
    assert_success(&out);
    assert!(
        !has_ansi(&out.stdout),
        "--to json --color always: ANSI escapes"
    );
}

#[test]
fn filter_severity() {
    let input = read(&data("sample.log"));
    let lines = parse(&input);
    let errors = |r: &ParsedRecord| r.severity >= Severity::Error;
    let n_errors = records(&lines).into_iter().filter(|r| errors(r)).count();
    assert!(n_errors > 10, "{n_errors} error records in the sample");

    let out = run(&args![
        "--to",
        "json",
        "--year",
        "2026",
        "--severity",
        "error",
        data("sample.log")
    ]);
    assert_success(&out);
    let out_lines = parse(&out.stdout);
    let recs = records(&out_lines);
    assert_eq!(recs.len(), n_errors);
    for rec in &recs {
        assert_eq!(rec.format, SourceFormat::Json);
        assert_eq!(
            rec.verbosity, None,
            "{:?} is not an error entry",
            rec.message
        );
        assert_eq!(rec.severity, Severity::Error);
    }
    assert_eq!(raw_lines(&out_lines), raw_lines(&lines), "unparsed lines");

    assert_filtered(
        &args!["--to", "text", "--severity", "e", data("sample.log")],
        &lines,
        errors,
        "--severity e",
    );

    let warnings = |r: &ParsedRecord| r.severity >= Severity::Warning;
    assert_filtered(
        &args!["--to", "text", "--severity", "warning", data("sample.log")],
        &lines,
        warnings,
        "--severity warning",
    );
}

#[test]
fn filter_max_v() {
    let json = read(&data("sample.json"));
    let lines = parse(&json);
    let up_to_2 = |r: &ParsedRecord| r.verbosity.unwrap_or(0) <= 2;
    let total = records(&lines).len();
    let n = records(&lines).into_iter().filter(|r| up_to_2(r)).count();
    assert!(n > 100 && n < total, "{n} of {total} records up to V(2)");
    assert_filtered(
        &args!["--to", "json", "--max-v", "2", data("sample.json")],
        &lines,
        up_to_2,
        "--max-v 2",
    );

    // Text has no V levels: everything passes.
    let input = read(&data("sample.log"));
    let out = run(&args!["--to", "text", "--max-v", "0", data("sample.log")]);
    assert_success(&out);
    assert_same_bytes(&out.stdout, &input, "--max-v 0 on text");
}

#[test]
fn filter_hide_unparsed() {
    let input = read(&data("sample.log"));
    let lines = parse(&input);

    let out = run(&args![
        "--to",
        "text",
        "--hide-unparsed",
        data("sample.log")
    ]);
    assert_success(&out);
    let expected: Vec<u8> = records(&lines).iter().flat_map(|r| r.raw.clone()).collect();
    assert_same_bytes(&out.stdout, &expected, "--to text --hide-unparsed");

    let out = run(&args![
        "--to",
        "json",
        "--year",
        "2026",
        "--hide-unparsed",
        data("sample.log")
    ]);
    assert_success(&out);
    let out_lines = parse(&out.stdout);
    assert!(
        raw_lines(&out_lines).is_empty(),
        "unparsed lines in the output"
    );
    assert_eq!(records(&out_lines).len(), records(&lines).len());
}

#[test]
fn filter_logger() {
    let input = read(&data("sample.log"));
    let lines = parse(&input);
    let scheduler =
        |r: &ParsedRecord| matches!(r.logger.as_deref(), Some("scheduler" | "scheduler.binder"));
    let n = records(&lines).into_iter().filter(|r| scheduler(r)).count();
    assert!(n > 10, "{n} scheduler records in the sample");

    let out = run(&args![
        "--to",
        "text",
        "--logger",
        "scheduler",
        data("sample.log")
    ]);
    assert_success(&out);
    assert_same_bytes(
        &out.stdout,
        &expected_text(&lines, scheduler),
        "--logger scheduler",
    );
    let out_lines = parse(&out.stdout);
    let loggers: std::collections::BTreeSet<_> = records(&out_lines)
        .iter()
        .map(|r| r.logger.clone().unwrap())
        .collect();
    assert_eq!(
        loggers.into_iter().collect::<Vec<_>>(),
        ["scheduler", "scheduler.binder"],
        "the logger and its child"
    );

    // A child's name does not select its parent; "sched" is no logger of its own.
    let out = run(&args![
        "--to",
        "text",
        "--hide-unparsed",
        "--logger",
        "scheduler.binder",
        data("sample.log")
    ]);
    assert_success(&out);
    let binder = |r: &ParsedRecord| r.logger.as_deref() == Some("scheduler.binder");
    let expected: Vec<u8> = records(&lines)
        .into_iter()
        .filter(|r| binder(r))
        .flat_map(|r| r.raw.clone())
        .collect();
    assert!(!expected.is_empty());
    assert_same_bytes(&out.stdout, &expected, "--logger scheduler.binder");
    let out = run(&args![
        "--to",
        "text",
        "--hide-unparsed",
        "--logger",
        "sched",
        data("sample.log")
    ]);
    assert_success(&out);
    assert!(out.stdout.is_empty(), "--logger sched selected records");

    // Repeated: any of them.
    let either = |r: &ParsedRecord| scheduler(r) || r.logger.as_deref() == Some("leader-election");
    assert_filtered(
        &args![
            "--to",
            "text",
            "--logger",
            "scheduler",
            "--logger",
            "leader-election",
            data("sample.log")
        ],
        &lines,
        either,
        "two --logger",
    );
}

#[test]
fn filter_match() {
    // Text: a string value.
    let input = read(&data("sample.log"));
    let lines = parse(&input);
    let checkout = |r: &ParsedRecord| has_pair(r, "deployment", "payments/checkout");
    let n = records(&lines).into_iter().filter(|r| checkout(r)).count();
    assert!(n > 10, "{n} records of payments/checkout in sample.log");
    assert_filtered(
        &args![
            "--to",
            "text",
            "--match",
            "deployment=payments/checkout",
            data("sample.log")
        ],
        &lines,
        checkout,
        "--match (text)",
    );

    // Repeated: all of them; `msg` is the message.
    let finished = |r: &ParsedRecord| checkout(r) && r.message == "Finished syncing deployment";
    let out = run(&args![
        "--to",
        "text",
        "--match",
        "deployment=payments/checkout",
        "--match",
        "msg=Finished syncing deployment",
        data("sample.log")
    ]);
    assert_success(&out);
    let expected = expected_text(&lines, finished);
    assert!(expected.len() < expected_text(&lines, checkout).len());
    assert_same_bytes(&out.stdout, &expected, "two --match");

    // JSON: an object reference matches as namespace/name.
    let json = read(&data("sample.json"));
    let json_lines = parse(&json);
    let n = records(&json_lines)
        .into_iter()
        .filter(|r| checkout(r))
        .count();
    assert!(n > 10, "{n} records of payments/checkout in sample.json");
    assert_filtered(
        &args![
            "--to",
            "json",
            "--match",
            "deployment=payments/checkout",
            data("sample.json")
        ],
        &json_lines,
        checkout,
        "--match (JSON)",
    );
}

#[test]
fn filter_time_window() {
    let input = read(&data("sample.log"));
    let lines = parse(&input);
    // [09:00:30, 09:01:00)
    let window = |r: &ParsedRecord| (30_000_000..60_000_000).contains(&text_offset_micros(r));
    let total = records(&lines).len();
    let n = records(&lines).into_iter().filter(|r| window(r)).count();
    assert!(n > 100 && n < total, "{n} of {total} records in the window");
    for (since, until) in [
        ("2026-11-28T09:00:30Z", "2026-11-28T09:01:00Z"),
        ("2026-11-28 09:00:30", "2026-11-28 10:01:00+01:00"),
    ] {
        let out = run(&args![
            "--to",
            "text",
            "--year",
            "2026",
            "--since",
            since,
            "--until",
            until,
            data("sample.log")
        ]);
        assert_success(&out);
        assert_same_bytes(
            &out.stdout,
            &expected_text(&lines, window),
            &format!("--since {since} --until {until}"),
        );
    }

    // Another year: nothing is in the window.
    let out = run(&args![
        "--to",
        "json",
        "--year",
        "2025",
        "--hide-unparsed",
        "--since",
        "2026-11-28T09:00:30Z",
        "--until",
        "2026-11-28T09:01:00Z",
        data("sample.log")
    ]);
    assert_success(&out);
    assert!(
        out.stdout.is_empty(),
        "--year 2025 records in a 2026 window"
    );

    // JSON times.
    let json = read(&data("sample.json"));
    let json_lines = parse(&json);
    let json_window = |r: &ParsedRecord| {
        let ms = r.ts_millis.unwrap();
        ms >= (SAMPLE_START * 1000 + 30_000) as f64 && ms < (SAMPLE_START * 1000 + 60_000) as f64
    };
    let n = records(&json_lines)
        .into_iter()
        .filter(|r| json_window(r))
        .count();
    assert!(n > 100, "{n} JSON records in the window");
    assert_filtered(
        &args![
            "--to",
            "json",
            "--since",
            "2026-11-28T09:00:30Z",
            "--until",
            "2026-11-28T09:01:00Z",
            data("sample.json")
        ],
        &json_lines,
        json_window,
        "JSON window",
    );
}

/// A `klog-convert -f --to json` child following `path`, its output lines arriving on a
/// channel.
struct Following {
    child: KillOnDrop,
    lines: mpsc::Receiver<String>,
    reader: thread::JoinHandle<()>,
    stderr: thread::JoinHandle<Vec<u8>>,
}

fn follow(path: &Path) -> Following {
    let mut cmd = command(&args!["-f", "--to", "json", "--year", "2026", path]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = KillOnDrop(cmd.spawn().expect("starting klog-convert"));
    let stderr = drain(child.0.stderr.take().unwrap());
    let stdout = child.0.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel::<String>();
    let reader = thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx
                .send(line.expect("reading klog-convert's output"))
                .is_err()
            {
                break;
            }
        }
    });
    Following {
        child,
        lines,
        reader,
        stderr,
    }
}

#[test]
fn follow_reads_appends_rotation_and_truncation() {
    let dir = TempDir::new();
    let path = dir.path("follow.log");
    let line = |second: u32, msg: &str| {
        format!(
            "I1128 09:00:{second:02}.000000    4242 follow.go:{second}] \"{msg}\" step=\"{msg}\"\n"
        )
    };
    let mut expected: Vec<String> = Vec::new();
    let mut lines_of = |second: u32, msgs: &[&str]| -> String {
        expected.extend(msgs.iter().map(|m| m.to_string()));
        msgs.iter()
            .enumerate()
            .map(|(i, m)| line(second + i as u32, m))
            .collect()
    };
    let initial = lines_of(1, &["initial one", "initial two", "initial three"]);
    let appended = lines_of(10, &["appended one", "appended two"]);
    let rotated = lines_of(20, &["rotated one", "rotated two"]);
    let truncated = lines_of(30, &["after truncation"]);
    // Truncation is noticed as the file getting shorter than what was read.
    assert!(truncated.len() < rotated.len());
    fs::write(&path, &initial).unwrap();

    let Following {
        mut child,
        lines: rx,
        reader,
        stderr,
    } = follow(&path);

    let mut seen: Vec<String> = Vec::new();
    let mut wait_for = |n: usize, step: &str| {
        let deadline = Instant::now() + FOLLOW_TIMEOUT;
        let want = seen.len() + n;
        while seen.len() < want {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => seen.push(line),
                Err(e) => panic!(
                    "{step}: {e:?} after {} of {want} lines: {seen:#?}",
                    seen.len()
                ),
            }
        }
        let messages: Vec<String> = seen.iter().map(|json| json_message(json)).collect();
        assert_eq!(messages, expected[..want], "{step}");
    };

    wait_for(3, "initial lines");

    let mut file = OpenOptions::new().append(true).open(&path).unwrap();
    file.write_all(appended.as_bytes()).unwrap();
    drop(file);
    wait_for(2, "appended lines");

    fs::rename(&path, dir.path("follow.log.1")).unwrap();
    fs::write(&path, &rotated).unwrap();
    wait_for(2, "lines after rotation");

    let mut file = OpenOptions::new().write(true).open(&path).unwrap();
    file.set_len(0).unwrap();
    file.write_all(truncated.as_bytes()).unwrap();
    drop(file);
    wait_for(1, "line after truncation");

    // Nothing more (a line read twice would show up by now).
    thread::sleep(Duration::from_millis(500));
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    reader.join().unwrap();
    seen.extend(rx.try_iter());
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
    assert!(stderr.is_empty(), "stderr: {stderr}");

    let messages: Vec<String> = seen.iter().map(|json| json_message(json)).collect();
    assert_eq!(messages, expected);
}

/// The message of a JSON record on one line.
fn json_message(json: &str) -> String {
    let lines = parse(format!("{json}\n").as_bytes());
    match &lines[..] {
        [ParsedLine::Record(rec)] if rec.format == SourceFormat::Json => rec.message.clone(),
        _ => panic!("not a JSON record: {json}"),
    }
}

#[test]
fn follow_waits_for_a_file_that_does_not_exist_yet() {
    let dir = TempDir::new();
    let path = dir.path("later.log");
    let Following {
        mut child,
        lines: rx,
        reader,
        stderr,
    } = follow(&path);
    thread::sleep(Duration::from_millis(300));
    fs::write(
        &path,
        "I1128 09:00:01.000000    4242 later.go:1] \"first\"\n\
         I1128 09:00:02.000000    4242 later.go:2] \"second\"\n",
    )
    .unwrap();
    let mut seen = Vec::new();
    let deadline = Instant::now() + FOLLOW_TIMEOUT;
    while seen.len() < 2 {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => seen.push(json_message(&line)),
            Err(e) => panic!("{e:?} after {seen:?}"),
        }
    }
    assert_eq!(seen, ["first", "second"]);
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    reader.join().unwrap();
    let stderr = String::from_utf8_lossy(&stderr.join().unwrap()).into_owned();
    assert!(
        stderr.contains("waiting for the file to appear"),
        "{stderr}"
    );
}

/// `--tz`: header times read and written in the local zone (`TZ`) by default, in UTC with
/// `--tz utc`.
#[test]
fn tz_picks_the_zone_of_header_times() {
    let json = "{\"ts\":1704164645123,\"caller\":\"a.go:1\",\"msg\":\"m\",\"v\":0}\n";
    let text = "I0102 08:34:05.123000         a.go:1] \"m\"\n";
    let convert = |args: &[&str], input: &str| {
        let mut cmd = command(&args.iter().map(OsString::from).collect::<Vec<_>>());
        cmd.env("TZ", "Asia/Kolkata");
        let out = output(cmd, Some(input.as_bytes().to_vec()));
        assert_success(&out);
        String::from_utf8(out.stdout).unwrap()
    };
    // JSON → text: 03:04:05Z is 08:34:05 in Kolkata (+05:30).
    assert_eq!(convert(&["--to", "text"], json), text);
    assert_eq!(convert(&["--to", "text", "--tz", "local"], json), text);
    assert_eq!(
        convert(&["--to", "text", "--tz", "utc"], json),
        "I0102 03:04:05.123000         a.go:1] \"m\"\n"
    );
    // Text → JSON: the Kolkata header is the same instant again.
    assert_eq!(convert(&["--to", "json", "--year", "2024"], text), json);
    let utc = convert(&["--to", "json", "--year", "2024", "--tz", "utc"], text);
    assert!(utc.starts_with("{\"ts\":1704184445123,"), "{utc}");
}
