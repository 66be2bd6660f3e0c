//! Child-process tests of the `klog-convert` binary: formats, passthrough of
//! lines that are not records, colours, exit codes and a closed output (filters are in
//! `filters_cli.rs`, `--follow` in `follow_cli.rs`).
//!
//! The binary's output is read back with the library's parser (`klog::parse`), so these tests
//! check what a user of the binary sees, not how the converter is built.

use std::ffi::OsString;
use std::fs::{self};
use std::io::{BufRead, BufReader};
use std::process::{ExitStatus, Stdio};

use klog::parse::{ParsedLine, SourceFormat};
use klog::Severity;

mod common;

#[allow(unused_imports)]
use common::*;

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

/// A klog-convert child reading a pipe that the test writes to: the child, its input, its
/// output lines as they come, and the thread reading them.
fn live_child(
    args: &[OsString],
) -> (
    KillOnDrop,
    std::process::ChildStdin,
    std::sync::mpsc::Receiver<String>,
    std::thread::JoinHandle<()>,
) {
    let mut cmd = command(args);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = KillOnDrop(cmd.spawn().expect("starting klog-convert"));
    let stdin = child.0.stdin.take().unwrap();
    let stdout = child.0.stdout.take().unwrap();
    let (tx, lines) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.expect("reading the output")).is_err() {
                break;
            }
        }
    });
    (child, stdin, lines, reader)
}

/// A live stream on standard input (`kubectl logs -f … | klog-convert`) shows each line when
/// it comes: the converter writes out what it has before it waits for more input. (It held
/// up to 256 KiB, or everything until the stream ended.)
#[test]
fn a_live_stream_on_standard_input_shows_each_line_as_it_comes() {
    use std::io::Write;

    for target in ["json", "text", "pretty"] {
        let (mut child, mut stdin, lines, reader) =
            live_child(&args!["--to", target, "--year", "2026", "--color", "never"]);
        for (i, message) in ["first", "second", "third"].iter().enumerate() {
            writeln!(
                stdin,
                "I1128 09:00:0{i}.000000       1 live.go:{i}] \"{message}\" n={i}"
            )
            .expect("writing the input");
            stdin.flush().expect("writing the input");
            // The input stays open: the line must come out anyway.
            let line = lines.recv_timeout(FOLLOW_TIMEOUT).unwrap_or_else(|_| {
                panic!("{target}: \"{message}\" did not come out while the input stayed open")
            });
            assert!(line.contains(message), "{target}: {line}");
        }
        drop(stdin);
        reader.join().expect("the reader thread");
        assert!(child.0.wait().expect("klog-convert's exit").success());
    }
}

/// On a live stream, an unstructured message (whose end is only known when the next record
/// starts) comes out once the input has been quiet for a moment, and a message whose lines
/// come together stays whole.
#[test]
fn a_live_stream_shows_an_unstructured_message_after_a_pause_and_keeps_its_lines_together() {
    use std::io::Write;

    let (mut child, mut stdin, lines, reader) =
        live_child(&args!["--to", "json", "--year", "2026"]);
    let mut send = |text: &str| {
        stdin.write_all(text.as_bytes()).expect("writing the input");
        stdin.flush().expect("writing the input");
    };
    // One unstructured line, then nothing: it must come out while the input stays open.
    send("I1128 09:00:00.000000       1 live.go:1] waiting for the cache\n");
    let line = lines
        .recv_timeout(FOLLOW_TIMEOUT)
        .expect("the unstructured line did not come out while the input stayed open");
    assert!(line.contains(r#""msg":"waiting for the cache""#), "{line}");
    // A two-line message written in one go is one record.
    send("I1128 09:00:01.000000       1 live.go:2] request failed\n\tcaused by: timeout\n");
    let line = lines
        .recv_timeout(FOLLOW_TIMEOUT)
        .expect("the two-line message did not come out");
    assert!(
        line.contains(r#""msg":"request failed\n\tcaused by: timeout""#),
        "{line}"
    );
    drop(stdin);
    reader.join().expect("the reader thread");
    assert!(lines.try_recv().is_err(), "nothing else comes out");
    assert!(child.0.wait().expect("klog-convert's exit").success());
}

/// A pipe that never pauses converts exactly as the file does (the pause rule only ends
/// a message when the input is quiet).
#[test]
fn a_pipe_converts_as_the_file_does() {
    use std::io::Write;

    let sample = read(&data("sample.log"));
    let from_file = command(&args!["--to", "json", "--year", "2026", data("sample.log")])
        .output()
        .expect("running klog-convert");
    let mut cmd = command(&args!["--to", "json", "--year", "2026"]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("starting klog-convert");
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || stdin.write_all(&sample).expect("writing the input"));
    let from_pipe = child.wait_with_output().expect("running klog-convert");
    feeder.join().expect("the feeding thread");
    assert!(from_file.status.success() && from_pipe.status.success());
    assert_eq!(
        String::from_utf8_lossy(&from_pipe.stdout),
        String::from_utf8_lossy(&from_file.stdout)
    );
}
