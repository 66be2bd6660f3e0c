//! The pretty view: aligned columns, optional ANSI colours, multi-line values as indented
//! blocks, control characters from the log shown escaped. Meant for people, not for parsing
//! again; see `docs/converter.md`.

use super::object_ref::object_ref;
use crate::go::escape::{write_escaped, write_quoted};
use crate::go::time::write_date_time;
use crate::parse::{ParsedRecord, ParsedValue};
use crate::record::Severity;

const RESET: &str = "\x1b[0m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BLUE: &str = "\x1b[34m";
const MAGENTA: &str = "\x1b[35m";
const CYAN: &str = "\x1b[36m";
const BOLD_RED: &str = "\x1b[1;31m";

/// Logger names wider than this are not padded to (they would push every message right).
const MAX_LOGGER_WIDTH: usize = 28;

/// The logger column's width once a first logger name is seen: wide enough for most
/// Kubernetes names (`deployment-controller`), so the column rarely has to grow later.
const MIN_LOGGER_WIDTH: usize = 22;

/// Where the continuation lines of a multi-line value start.
const BLOCK_INDENT: &[u8] = b"      ";

/// The pretty view's state: colours on or off, and the logger column's width so far.
#[derive(Clone, Debug, Default)]
pub(super) struct Pretty {
    pub(super) color: bool,
    /// The widest logger name so far (names are padded to it, up to a limit).
    logger_width: usize,
}

impl Pretty {
    fn paint(&self, out: &mut Vec<u8>, color: &str, text: &[u8]) {
        self.color_on(out, color);
        out.extend_from_slice(text);
        self.color_off(out);
    }

    /// Starts `color` (when colours are on); what follows is written straight into `out`.
    fn color_on(&self, out: &mut Vec<u8>, color: &str) {
        if self.color {
            out.extend_from_slice(color.as_bytes());
        }
    }

    fn color_off(&self, out: &mut Vec<u8>) {
        if self.color {
            out.extend_from_slice(RESET.as_bytes());
        }
    }

    /// `2026-11-28 09:00:01.250000 INFO  deployment  Syncing  pod=default/web-0 attempt=2  controller.go:42`
    pub(super) fn write(
        &mut self,
        rec: &ParsedRecord,
        time: Option<(i64, u32)>,
        out: &mut Vec<u8>,
    ) {
        self.color_on(out, DIM);
        match time {
            Some((secs, nanos)) => {
                let nanos = write_date_time(out, secs, nanos, b' ');
                out.push(b'.');
                push_6(out, nanos / 1_000);
            }
            None => pad(out, 26),
        }
        self.color_off(out);
        out.push(b' ');

        let mut digits = itoa::Buffer::new();
        let (label, level, color) = match (rec.severity, rec.verbosity) {
            (Severity::Info, Some(v)) if v > 0 => ("V", digits.format(v), BLUE),
            (Severity::Info, _) => ("INFO", "", GREEN),
            (Severity::Warning, _) => ("WARN", "", YELLOW),
            (Severity::Error, _) => ("ERROR", "", RED),
            (Severity::Fatal, _) => ("FATAL", "", BOLD_RED),
        };
        self.color_on(out, color);
        out.extend_from_slice(label.as_bytes());
        out.extend_from_slice(level.as_bytes());
        self.color_off(out);
        pad(out, 5usize.saturating_sub(label.len() + level.len()) + 1);

        let logger = rec.logger.as_deref().unwrap_or("");
        let width = logger.chars().count();
        if !logger.is_empty() {
            let column = if width <= MAX_LOGGER_WIDTH { width } else { 0 };
            self.logger_width = self.logger_width.max(column.max(MIN_LOGGER_WIDTH));
            self.color_on(out, CYAN);
            write_visible(out, logger);
            self.color_off(out);
        }
        if self.logger_width > 0 {
            // A name wider than the column still gets a gap before the message.
            pad(out, self.logger_width.saturating_sub(width) + 1);
        }

        let mut blocks: Vec<(&str, &str)> = Vec::new();
        let message = if rec.message.contains('\n') {
            blocks.push(("msg", &rec.message));
            rec.message.split('\n').next().unwrap_or("")
        } else {
            &rec.message
        };
        self.color_on(out, BOLD);
        write_visible(out, message);
        self.color_off(out);

        if let Some(err) = &rec.error {
            out.extend_from_slice(b"  ");
            self.color_on(out, RED);
            out.extend_from_slice(b"err=");
            if err.contains('\n') {
                blocks.push(("err", err));
                out.extend_from_slice(b"<block>");
            } else {
                pretty_str(out, err);
            }
            self.color_off(out);
        }
        let mut sep: &[u8] = if rec.error.is_some() { b" " } else { b"  " };
        for (key, value) in &rec.key_values {
            out.extend_from_slice(sep);
            sep = b" ";
            self.color_on(out, MAGENTA);
            write_visible(out, key);
            out.push(b'=');
            self.color_off(out);
            match value {
                ParsedValue::Str(s) if s.contains('\n') => {
                    blocks.push((key, s));
                    out.extend_from_slice(b"<block>");
                }
                ParsedValue::Str(s) => pretty_str(out, s),
                ParsedValue::Raw(raw) => match object_ref(raw) {
                    Some(obj) => obj.write_text(out),
                    None => out.extend_from_slice(raw.as_bytes()),
                },
            }
        }
        if let Some(file) = &rec.file {
            out.extend_from_slice(b"  ");
            self.color_on(out, DIM);
            write_visible(out, file);
            if let Some(line) = rec.line {
                out.push(b':');
                out.extend_from_slice(itoa::Buffer::new().format(line).as_bytes());
            }
            self.color_off(out);
        }
        out.push(b'\n');
        for (key, text) in blocks {
            out.extend_from_slice(b"    ");
            self.paint(out, MAGENTA, key.as_bytes());
            out.extend_from_slice(b":\n");
            let text = text.strip_suffix('\n').unwrap_or(text);
            for line in text.split('\n') {
                out.extend_from_slice(BLOCK_INDENT);
                write_visible(out, line);
                out.push(b'\n');
            }
        }
    }
}

/// Appends `s` as it is, or Go-escaped (without quotes) if it holds a control character other
/// than a tab: text from a log must not move the cursor, clear the screen or change colours.
fn write_visible(out: &mut Vec<u8>, s: &str) {
    if s.chars().any(|c| c.is_control() && c != '\t') {
        write_escaped(out, s);
    } else {
        out.extend_from_slice(s.as_bytes());
    }
}

fn pad(out: &mut Vec<u8>, n: usize) {
    out.resize(out.len() + n, b' ');
}

/// A string value in the pretty view: bare when that is unambiguous, Go-quoted otherwise.
fn pretty_str(out: &mut Vec<u8>, s: &str) {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && c != '"' && c != '\\' && c != '=');
    if bare {
        out.extend_from_slice(s.as_bytes());
    } else {
        write_quoted(out, s);
    }
}

fn push_6(out: &mut Vec<u8>, v: u32) {
    let mut digits = [b'0'; 6];
    let mut rest = v;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    out.extend_from_slice(&digits);
}
