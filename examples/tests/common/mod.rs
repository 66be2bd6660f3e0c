//! What the example binaries' tests share: reading a successful run's logs and picking
//! klog text lines apart. Each test binary uses a part of it.
#![allow(dead_code)]

use std::fmt::Debug;
use std::process::Output;

/// A run's stderr (where the logs go), checked to have exited 0 with nothing on stdout;
/// `what` names the run in failure messages.
pub(crate) fn successful_stderr(out: Output, what: impl Debug) -> String {
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{what:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{what:?}");
    stderr
}

/// Whether `line` looks like a klog text line from `file`:
/// `Lmmdd hh:mm:ss.uuuuuu <pid> file:line] "…`.
pub(crate) fn is_klog_text(line: &str, file: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 30
        && b"IWEF".contains(&b[0])
        && b[1..5].iter().all(u8::is_ascii_digit)
        && &b[5..6] == b" "
        && line[6..21]
            .bytes()
            .all(|c| c.is_ascii_digit() || c == b':' || c == b'.')
        && line.contains(&format!(" {file}:"))
        && line.contains("] \"")
}

/// The message of a klog text line.
pub(crate) fn message(line: &str) -> &str {
    let rest = line.split_once("] \"").map_or("", |(_, rest)| rest);
    rest.split_once('"').map_or("", |(msg, _)| msg)
}

/// The lines whose message is `msg`.
pub(crate) fn lines_with<'a>(text: &'a str, msg: &str) -> Vec<&'a str> {
    let needle = format!("] \"{msg}\"");
    text.lines().filter(|l| l.contains(&needle)).collect()
}
