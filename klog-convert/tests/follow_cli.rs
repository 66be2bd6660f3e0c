//! Child-process tests of `klog-convert --follow`: appends, rotation, truncation and a file
//! that does not exist yet.

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use klog::parse::{ParsedLine, SourceFormat};

mod common;

#[allow(unused_imports)]
use common::*;

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
