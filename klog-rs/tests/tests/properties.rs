//! Property tests: no value can forge a log line; quoting round-trips.

use std::collections::BTreeMap;
use std::fmt;

use klog::{KeyValue, Value};
use proptest::prelude::*;

use super::common::pinned_logger;

struct RawDisplay(String);
impl fmt::Display for RawDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

struct RawDebug(String);
impl fmt::Debug for RawDebug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug)]
struct AnyError(String);
impl fmt::Display for AnyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for AnyError {}

/// Text biased towards what breaks logs: line breaks, quotes, controls, invalid UTF-8
/// look-alikes, non-printable and non-ASCII characters.
pub(crate) fn nasty_string() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("\n".to_owned()),
            Just("\r\n".to_owned()),
            Just("\"".to_owned()),
            Just("\\".to_owned()),
            Just(" >".to_owned()),
            Just("\t".to_owned()),
            Just("I0102 03:04:05.000000 1 x.go:1] \"forged\"".to_owned()),
            Just("\u{2028}\u{85}\u{feff}".to_owned()),
            any::<char>().prop_map(String::from),
            "[a-z =]{0,8}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

fn assert_no_forged_lines(bytes: &[u8]) -> Result<(), TestCaseError> {
    prop_assert_eq!(bytes.last(), Some(&b'\n'));
    let body = &bytes[..bytes.len() - 1];
    for (i, _) in body.iter().enumerate().filter(|(_, &b)| b == b'\n') {
        let next = &bytes[i + 1..];
        prop_assert!(
            next.starts_with(b"\t") || next.starts_with(b" >"),
            "line break at {} not followed by a tab or ` >`: {:?}",
            i,
            String::from_utf8_lossy(bytes)
        );
    }
    Ok(())
}

proptest! {
    #[test]
    fn values_never_start_a_new_log_line(
        message in nasty_string(),
        text in nasty_string(),
        display in nasty_string(),
        debug in nasty_string(),
        error in nasty_string(),
        bytes in prop::collection::vec(any::<u8>(), 0..40),
        nested in prop::collection::btree_map(nasty_string(), prop::collection::vec(nasty_string(), 0..3), 0..3),
        names in prop::collection::vec(nasty_string(), 0..3),
        key in "[a-zA-Z][a-zA-Z0-9_]{0,10}",
    ) {
        let (mut logger, out) = pinned_logger(0);
        for name in &names {
            logger = logger.with_name(name);
        }
        let bound_display = RawDisplay(display.clone());
        logger = logger.with_values(&[KeyValue::from_value("bound", Value::Display(&bound_display))]);
        let (d, g, e) = (RawDisplay(display), RawDebug(debug), AnyError(error));
        let nested: BTreeMap<String, Vec<String>> = nested;
        let kvs = [
            KeyValue::new(&key, &text),
            KeyValue::from_value("display", Value::Display(&d)),
            KeyValue::from_value("debug", Value::Debug(&g)),
            KeyValue::from_value("error", Value::Error(&e)),
            KeyValue::from_value("bytes", Value::Bytes(&bytes)),
            KeyValue::from_value("bytestr", Value::ByteStr(&bytes)),
            KeyValue::from_value("nested", Value::serde(&nested)),
            KeyValue::from_value("format", Value::format(&nested)),
        ];
        logger.info(&message, &kvs);
        logger.error(Some(&e), &message, &kvs);
        let written = out.take();
        let mut records = 0;
        // Two records: split where a line break is followed by a header letter.
        for record in split_records(&written) {
            assert_no_forged_lines(record)?;
            records += 1;
        }
        prop_assert_eq!(records, 2);
    }

    #[test]
    fn go_quoting_round_trips_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let (logger, out) = pinned_logger(0);
        // Without a line break a byte string is one quoted token.
        let bytes: Vec<u8> = bytes.into_iter().filter(|&b| b != b'\n').collect();
        logger.info("m", &[KeyValue::from_value("v", Value::ByteStr(&bytes))]);
        let written = out.take();
        let start = find(&written, b" v=\"").expect("value present") + 3;
        let quoted = &written[start..written.len() - 1];
        prop_assert!(quoted.iter().all(|&b| b >= 0x20 && b != 0x7f), "raw control byte in {:?}", quoted);
        prop_assert_eq!(go_unquote(quoted), bytes);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split_records(bytes: &[u8]) -> Vec<&[u8]> {
    let mut records = Vec::new();
    let mut start = 0;
    for i in 0..bytes.len() {
        let next_is_header = bytes.get(i + 1).is_some_and(|b| matches!(b, b'I' | b'E'))
            && bytes.get(i + 2..i + 6).is_some_and(|d| d == b"0102");
        if bytes[i] == b'\n' && (i + 1 == bytes.len() || next_is_header) {
            records.push(&bytes[start..=i]);
            start = i + 1;
        }
    }
    records
}

/// Go's `strconv.Unquote`, enough for what `strconv.Quote` produces.
fn go_unquote(quoted: &[u8]) -> Vec<u8> {
    assert_eq!(quoted.first(), Some(&b'"'));
    assert_eq!(quoted.last(), Some(&b'"'));
    let s = &quoted[1..quoted.len() - 1];
    let mut out = Vec::new();
    let mut i = 0;
    let hex =
        |digits: &[u8]| u32::from_str_radix(std::str::from_utf8(digits).unwrap(), 16).unwrap();
    while i < s.len() {
        if s[i] != b'\\' {
            assert_ne!(s[i], b'"', "unescaped quote");
            out.push(s[i]);
            i += 1;
            continue;
        }
        let (decoded, len): (Vec<u8>, usize) = match s[i + 1] {
            b'a' => (vec![7], 2),
            b'b' => (vec![8], 2),
            b'f' => (vec![12], 2),
            b'n' => (vec![b'\n'], 2),
            b'r' => (vec![b'\r'], 2),
            b't' => (vec![b'\t'], 2),
            b'v' => (vec![11], 2),
            b'\\' => (vec![b'\\'], 2),
            b'"' => (vec![b'"'], 2),
            b'x' => (vec![hex(&s[i + 2..i + 4]) as u8], 4),
            b'u' => (
                char::from_u32(hex(&s[i + 2..i + 6]))
                    .unwrap()
                    .to_string()
                    .into_bytes(),
                6,
            ),
            b'U' => (
                char::from_u32(hex(&s[i + 2..i + 10]))
                    .unwrap()
                    .to_string()
                    .into_bytes(),
                10,
            ),
            other => panic!("unknown escape {other}"),
        };
        out.extend_from_slice(&decoded);
        i += len;
    }
    out
}
