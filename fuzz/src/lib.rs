//! The invariants checked by the fuzz targets in `fuzz_targets/`, as plain functions so that
//! `cargo test` (on stable, see `tests/smoke.rs`) can run them too.
//!
//! Each function panics when an invariant does not hold; that panic is what libFuzzer reports
//! as a crash.

use klog::convert::{Converter, Target};
use klog::parse::{ParsedLine, ParsedRecord, Parser, SourceFormat};

/// `max_line_len` from a control byte: 1 to 16,321 bytes, small enough that over-long lines
/// and multi-line records cut by the limit are common.
fn max_line_len(control: u8) -> usize {
    1 + usize::from(control) * 64
}

/// All the items of `Parser` over `input`; panics on an `Err` (the input is a byte slice, so
/// there is no I/O error to report).
fn parse_all(input: &[u8], max_line_len: Option<usize>) -> Vec<ParsedLine> {
    let mut parser = Parser::new(input);
    if let Some(n) = max_line_len {
        parser = parser.max_line_len(n);
    }
    parser
        .map(|item| match item {
            Ok(line) => line,
            Err(e) => panic!("Parser yielded an error on an in-memory input: {e}"),
        })
        .collect()
}

/// The bytes of the items in order: every record's `raw` and every raw piece.
fn rejoin(lines: &[ParsedLine]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in lines {
        match line {
            ParsedLine::Record(rec) => out.extend_from_slice(&rec.raw),
            ParsedLine::Raw(bytes) => out.extend_from_slice(bytes),
        }
    }
    out
}

fn assert_rejoins(input: &[u8], lines: &[ParsedLine]) {
    let joined = rejoin(lines);
    assert!(
        joined == input,
        "records' raw bytes and raw pieces do not give back the input\n input: {:?}\noutput: {:?}",
        String::from_utf8_lossy(input),
        String::from_utf8_lossy(&joined),
    );
}

/// Whether `bytes` is one JSON object (syntax only: numbers out of `f64` range and lone
/// surrogate escapes are valid JSON text).
fn is_json_object(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    start.is_some_and(|i| bytes[i] == b'{')
        && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok()
}

/// `parse_text` target: the first byte sets `max_line_len`, the rest is the input.
///
/// Invariants: the parser does not panic, yields no error, and the records' `raw` bytes and
/// the raw pieces, in order, are the input.
pub fn check_parse_text(data: &[u8]) {
    let Some((&control, input)) = data.split_first() else {
        return;
    };
    let lines = parse_all(input, Some(max_line_len(control)));
    assert_rejoins(input, &lines);
}

/// The input of the `parse_json` target: `data` itself when it starts with `{` (with the
/// default `max_line_len`), otherwise every line of `data[1..]` after `{"ts":1,"msg":` (with
/// `max_line_len` from `data[0]`).
pub fn json_input(data: &[u8]) -> (Vec<u8>, Option<usize>) {
    match data.split_first() {
        None => (Vec::new(), None),
        Some((b'{', _)) => (data.to_vec(), None),
        Some((&control, rest)) => {
            let mut input = Vec::with_capacity(rest.len() + 16);
            for line in rest.split_inclusive(|&b| b == b'\n') {
                input.extend_from_slice(br#"{"ts":1,"msg":"#);
                input.extend_from_slice(line);
            }
            (input, Some(max_line_len(control)))
        }
    }
}

/// `parse_json` target: JSON-ish lines (see [`json_input`]).
///
/// Invariants: those of [`check_parse_text`], and the `raw` of every JSON record is one JSON
/// object.
pub fn check_parse_json(data: &[u8]) {
    let (input, max) = json_input(data);
    let lines = parse_all(&input, max);
    assert_rejoins(&input, &lines);
    for line in &lines {
        if let ParsedLine::Record(rec) = line {
            if rec.format.is_json() {
                assert!(
                    is_json_object(&rec.raw),
                    "JSON record whose raw bytes are not a JSON object: {:?}",
                    String::from_utf8_lossy(&rec.raw),
                );
            }
        }
    }
}

/// Whether the text form of `rec` cannot be read back as one record because of a key: one
/// that is empty or holds `=` (klog writes keys as they are; the converter escapes control
/// characters, so a line break can no longer split the record).
fn has_ambiguous_key(rec: &ParsedRecord) -> bool {
    rec.key_values
        .iter()
        .any(|(k, _)| k.is_empty() || k.contains('='))
}

/// Parses `out` (one converted record) and checks that it is exactly one record of `format`.
fn assert_one_record(out: &[u8], format: SourceFormat, rec: &ParsedRecord) {
    let lines = parse_all(out, None);
    let ok = matches!(&lines[..], [ParsedLine::Record(r)] if r.format == format);
    assert!(
        ok,
        "{format:?} output of a {:?} record does not read back as one {format:?} record\n \
         source: {:?}\n output: {:?}\n parsed: {lines:?}",
        rec.format,
        String::from_utf8_lossy(&rec.raw),
        String::from_utf8_lossy(out),
    );
}

/// The converters the `convert` target runs every line through.
const TARGETS: [(Target, bool); 4] = [
    (Target::Text, true),
    (Target::Json, true),
    (Target::Pretty, false),
    (Target::Pretty, true),
];

/// `convert` target: parses `data` (default `max_line_len`) and converts every line to each
/// target.
///
/// Invariants: no panic; the converter writes every line (there is no filter); raw lines come
/// out byte for byte; a record converted to its own format comes out as its `raw` bytes; the
/// JSON output of a record reads back as one JSON record; the text output of a JSON record
/// reads back as one text record (unless a key is empty or holds `=` or a line break).
pub fn check_convert(data: &[u8]) {
    let lines = parse_all(data, None);
    assert_rejoins(data, &lines);
    for (target, color) in TARGETS {
        let mut converter = Converter::new(target).year(2024).color(color);
        for line in &lines {
            let mut out = Vec::new();
            assert!(
                converter.convert(line, &mut out),
                "{target:?} converter without a filter dropped {line:?}"
            );
            let rec = match line {
                ParsedLine::Raw(bytes) => {
                    assert!(
                        &out == bytes,
                        "{target:?} converter altered a raw line: {:?} -> {:?}",
                        String::from_utf8_lossy(bytes),
                        String::from_utf8_lossy(&out),
                    );
                    continue;
                }
                ParsedLine::Record(rec) => rec,
            };
            let own = matches!(
                (target, rec.format),
                (Target::Text, SourceFormat::Text) | (Target::Json, SourceFormat::Json)
            );
            if own {
                assert!(
                    out == rec.raw,
                    "{target:?} output of a record in that format is not its raw bytes: \
                     {:?} -> {:?}",
                    String::from_utf8_lossy(&rec.raw),
                    String::from_utf8_lossy(&out),
                );
            }
            // February 29 of a year without one is no klog header: the record passes through.
            let leap_day = rec
                .month_day_time
                .is_some_and(|(m, d, ..)| (m, d) == (2, 29));
            if leap_day && out == rec.raw {
                continue;
            }
            match target {
                Target::Json => assert_one_record(&out, SourceFormat::Json, rec),
                Target::Text if rec.format.is_json() && !has_ambiguous_key(rec) => {
                    assert_one_record(&out, SourceFormat::Text, rec);
                }
                Target::Text | Target::Pretty => {}
            }
        }
    }
}

/// The line starts of the `parse_dialects` target: a zap, an etcd, a logrus and a slog line
/// up to their message's value, and a klog text header.
const DIALECT_PREFIXES: [&[u8]; 6] = [
    br#"{"level":"info","ts":1592985320.2246182,"logger":"ctrl","msg":"#,
    br#"{"level":"error","ts":"2024-10-25T16:06:01.355710Z","caller":"embed/etcd.go:1","msg":"#,
    br#"{"level":"Level(-3)","ts":1592985320,"msg":"m","error":"#,
    br#"{"animal":"walrus","level":"warning","msg":"#,
    br#"{"time":"2024-01-02T03:04:05.123456789Z","level":"INFO-2","msg":"#,
    b"E0229 03:04:05.123456   12345 controller.go:42] ",
];

/// The input of the `parse_dialects` target: each line of `data[1..]` after one of
/// [`DIALECT_PREFIXES`], chosen by the line's first byte; `data[0]` picks a `--from` format
/// (or detection).
pub fn dialect_input(data: &[u8]) -> (Vec<u8>, Option<SourceFormat>) {
    let Some((&control, rest)) = data.split_first() else {
        return (Vec::new(), None);
    };
    let only = match control % 8 {
        0 => Some(SourceFormat::Text),
        1 => Some(SourceFormat::Json),
        2 => Some(SourceFormat::Zap),
        3 => Some(SourceFormat::Logrus),
        4 => Some(SourceFormat::Slog),
        _ => None,
    };
    let mut input = Vec::with_capacity(rest.len() * 2);
    for line in rest.split_inclusive(|&b| b == b'\n') {
        let pick = line.first().map_or(0, |&b| usize::from(b)) % DIALECT_PREFIXES.len();
        input.extend_from_slice(DIALECT_PREFIXES[pick]);
        input.extend_from_slice(line);
    }
    (input, only)
}

/// `parse_dialects` target: lines of every JSON dialect and klog text (see
/// [`dialect_input`]), detected or read as one format.
///
/// Invariants: those of [`check_parse_json`] with and without `--from`; a dialect record has
/// its dialect's format (or the forced one); and [`check_convert`] on the lines.
pub fn check_dialects(data: &[u8]) {
    let (input, only) = dialect_input(data);
    let mut parser = Parser::new(&input[..]);
    if let Some(format) = only {
        parser = parser.source_format(format);
    }
    let lines: Vec<ParsedLine> = parser
        .map(|item| item.unwrap_or_else(|e| panic!("in-memory input: {e}")))
        .collect();
    assert_rejoins(&input, &lines);
    for line in &lines {
        if let ParsedLine::Record(rec) = line {
            if let Some(format) = only {
                assert_eq!(
                    rec.format,
                    format,
                    "{:?}",
                    String::from_utf8_lossy(&rec.raw)
                );
            }
            if rec.format.is_json() {
                assert!(
                    is_json_object(&rec.raw),
                    "{:?}",
                    String::from_utf8_lossy(&rec.raw)
                );
            }
        }
    }
    check_convert(&input);
}
