//! A parsed record as the input of the crate's two encoders.
//!
//! The converter has no writer of its own for klog text or component-base JSON: it hands
//! each record to `format/`, the encoders the sinks use, with what a parsed record has and a
//! logged one does not: its time, pid and `file:line` (as the encoders' context) and values
//! that are already JSON (as `Value::RawJson`, written as they are). So a converted line
//! follows every rule the sinks follow, klog's duplicate-key rule included.

use super::object_ref::{object_ref, ObjectRef};
use crate::format::{encode_json, encode_text, Scratch};
use crate::format::{HeaderCaller, HeaderStyle, PidField, RenderedPairs, TextContext};
use crate::format::{JsonCaller, JsonContext};
use crate::go::zone::TimeZone;
use crate::parse::{ParsedRecord, ParsedValue};
use crate::record::Record;
use crate::value::{KObj, KeyValue, RawJson, Value};

/// The encoders' reusable state: buffers and a cache, so a clone starts afresh.
#[derive(Debug, Default)]
pub(super) struct Encoders {
    scratch: Scratch,
    /// The text encoder's context pairs: none (a parsed record's logger is one of its pairs).
    no_pairs: RenderedPairs,
    /// The JSON encoder's context: the record's logger name.
    json: JsonContext,
    /// The logger name `json` holds, unescaped: names repeat from record to record.
    json_logger: Option<String>,
    /// The allocations of a record's pairs and object references, kept from record to
    /// record (see [`PairSlot`]).
    pairs: Vec<PairSlot>,
    object_refs: Vec<RefSlot>,
    /// The last pid's header column (a log's records mostly share one).
    pid: (i64, PidField),
}

impl Clone for Encoders {
    fn clone(&self) -> Self {
        Encoders::default()
    }
}

impl Encoders {
    /// Appends `rec`, a JSON record, as a klog text line (or block of lines).
    pub(super) fn text(
        &mut self,
        rec: &ParsedRecord,
        time: Option<(i64, u32)>,
        zone: TimeZone,
        out: &mut Vec<u8>,
    ) {
        // klog writes object references raw, without escaping: only those that read back as
        // the same reference are written so; the others stay JSON. A decoded reference may
        // own its strings, so the references live here while the pairs borrow them.
        let mut refs: Vec<(usize, ObjectRef<'_>)> = relabel(std::mem::take(&mut self.object_refs));
        // klog writes keys as they are: a JSON key with a line break would start a line of
        // its own, which could read as a record. Such keys are written Go-escaped (`a\nb`),
        // as the caller is; the usual record has none and allocates nothing here.
        let mut escaped_keys: Vec<(usize, String)> = Vec::new();
        // One pass for both (they were two iterator chains: 2 % of JSON -> text).
        for (i, (key, value)) in rec.key_values.iter().enumerate() {
            if let ParsedValue::Raw(raw) = value {
                if let Some(obj) = object_ref(raw).filter(ObjectRef::is_plain) {
                    refs.push((i, obj));
                }
            }
            if has_control(key) {
                let mut bytes = Vec::with_capacity(key.len() + 8);
                crate::go::escape::write_escaped(&mut bytes, key);
                escaped_keys.push((i, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
        let mut next_ref = refs.iter().peekable();
        // klog's order: the error, the logger's name, the pairs.
        let mut kvs: Vec<KeyValue<'_>> = relabel(std::mem::take(&mut self.pairs));
        if let Some(err) = &rec.error {
            kvs.push(KeyValue::from_value("err", Value::Str(err)));
        }
        if let Some(logger) = &rec.logger {
            kvs.push(KeyValue::from_value("logger", Value::Str(logger)));
        }
        for (i, (key, value)) in rec.key_values.iter().enumerate() {
            let value = match value {
                ParsedValue::Str(s) => Value::Str(s),
                ParsedValue::Raw(raw) => match next_ref.next_if(|(at, _)| *at == i) {
                    Some((_, obj)) => Value::Object(KObj::new(&obj.namespace, &obj.name)),
                    None => Value::RawJson(RawJson::checked(raw)),
                },
            };
            let key = match escaped_keys.iter().find(|(at, _)| *at == i) {
                Some((_, escaped)) => escaped.as_str(),
                None => key.as_str(),
            };
            kvs.push(KeyValue::from_value(key, value));
        }
        let record = if rec.unstructured {
            Record::unstructured(rec.severity, &rec.message)
        } else {
            Record::new(rec.severity, &rec.message, &kvs)
        };
        let caller = match &rec.file {
            Some(file) => HeaderCaller::Parsed(file, rec.line.unwrap_or(0)),
            None => HeaderCaller::Unknown,
        };
        let pid = rec.pid.unwrap_or(0);
        if self.pid.0 != pid {
            self.pid = (pid, PidField::new(pid));
        }
        let ctx = TextContext {
            pid: &self.pid.1,
            caller: Some(caller),
            context: &self.no_pairs,
            header: HeaderStyle::Normal,
            zone,
        };
        into(out, &mut self.scratch, |scratch| {
            encode_text(scratch, &record, &ctx, time.unwrap_or((0, 0)));
        });
        self.pairs = relabel(kvs);
        self.object_refs = relabel(refs);
    }

    /// Appends `rec`, a text record, as a component-base JSON line.
    pub(super) fn json(&mut self, rec: &ParsedRecord, time: Option<(i64, u32)>, out: &mut Vec<u8>) {
        // component-base writes the error of an error entry after all key/values, followed by
        // zap's details of it (`errVerbose`, `errCauses`, `errError`).
        let details = if rec.error.is_some() {
            rec.key_values
                .iter()
                .rev()
                .take_while(|(k, _)| matches!(k.as_str(), "errVerbose" | "errCauses" | "errError"))
                .count()
        } else {
            0
        };
        let (pairs, error_details) = rec.key_values.split_at(rec.key_values.len() - details);
        let mut kvs: Vec<KeyValue<'_>> = relabel(std::mem::take(&mut self.pairs));
        kvs.extend(pairs.iter().map(json_pair));
        if let Some(err) = &rec.error {
            kvs.push(KeyValue::from_value("err", Value::Str(err)));
        }
        kvs.extend(error_details.iter().map(json_pair));
        // Text has no V level: `"v":0`; the other JSON dialects' info entries have one.
        let v = rec.verbosity.unwrap_or(0).clamp(0, i64::from(i32::MAX));
        let record = Record::new(rec.severity, &rec.message, &kvs).with_verbosity(v as i32);
        if self.json_logger != rec.logger {
            self.json
                .set_parsed(&mut self.scratch.line, rec.logger.as_deref());
            self.json_logger.clone_from(&rec.logger);
        }
        let caller = JsonCaller {
            short_path: rec.file.as_deref(),
            line: rec.line.unwrap_or(0),
        };
        // A text record always has a time (its header's).
        let time = time.unwrap_or((0, 0));
        let ctx = &self.json;
        into(out, &mut self.scratch, |scratch| {
            encode_json(scratch, &record, ctx, Some(caller), time);
        });
        self.pairs = relabel(kvs);
    }
}

/// Whether `key` holds a control character (U+0000 to U+001F, U+007F to U+009F): a look at
/// its bytes first (C1 controls start with 0xC2), which clears the usual key without
/// decoding it.
fn has_control(key: &str) -> bool {
    /// The bytes that may start a control character (0xC2: U+0080 to U+00BF).
    static SUSPECT: [bool; 256] = {
        let mut table = [false; 256];
        let mut b = 0;
        while b < 0x20 {
            table[b] = true;
            b += 1;
        }
        table[0x7f] = true;
        table[0xc2] = true;
        table
    };
    key.bytes().any(|b| SUSPECT[b as usize]) && key.chars().any(char::is_control)
}

/// Runs `encode`, which writes into `scratch.line`, and appends the result to `out`: when
/// `out` is empty (as the binary's is for every record) by lending it to the encoder, without
/// a copy.
fn into(out: &mut Vec<u8>, scratch: &mut Scratch, encode: impl FnOnce(&mut Scratch)) {
    if out.is_empty() {
        std::mem::swap(out, &mut scratch.line);
        encode(scratch);
        std::mem::swap(out, &mut scratch.line);
    } else {
        encode(scratch);
        out.extend_from_slice(&scratch.line);
    }
}

/// A text pair for JSON: JSON values as they are, other text (Go `%+v` structs, `NaN`) as a
/// string.
#[inline]
fn json_pair((key, value): &(String, ParsedValue)) -> KeyValue<'_> {
    let value = match value {
        ParsedValue::Raw(raw) if is_json(raw) => Value::RawJson(RawJson::checked(raw)),
        ParsedValue::Str(s) | ParsedValue::Raw(s) => Value::Str(s),
    };
    KeyValue::from_value(key, value)
}

/// Whether a text value written as is (not a Go-quoted string) is valid JSON.
fn is_json(raw: &str) -> bool {
    match raw.as_bytes().first() {
        Some(b'-' | b'0'..=b'9') => crate::parse::is_json_number(raw.as_bytes()),
        Some(b't' | b'f' | b'n') => matches!(raw, "true" | "false" | "null"),
        // A string must decode as one (serde's IgnoredAny lets a lone surrogate `\ud800` through,
        // which no JSON reader turns into a string).
        Some(b'"') => serde_json::from_str::<String>(raw).is_ok(),
        Some(b'{' | b'[') => crate::parse::is_json_value(raw.as_bytes()),
        _ => false,
    }
}

// === Reused vectors: the pairs of one record borrow from it, and a `Value` is not `Send`
// (the converter is), so the converter keeps their allocations as vectors of plain words of
// the same size and alignment, relabelled per record. (Thread-locals did this before, at
// four thread-local accesses per record: 1.6 % of JSON -> text.)

/// Bytes of the size and alignment of a [`KeyValue`] (16: a value may be an `i128`).
#[derive(Debug)]
#[repr(C, align(16))]
struct PairSlot([u8; std::mem::size_of::<KeyValue<'static>>()]);

/// Words of the size and alignment of an object reference and its position.
#[derive(Debug)]
#[repr(C)]
struct RefSlot(
    [usize; std::mem::size_of::<(usize, ObjectRef<'static>)>() / std::mem::size_of::<usize>()],
);

// Where size or alignment differ the allocation is not kept (each record allocates):
// `relabel_keeps_the_allocation` checks they agree.

/// `items`, emptied, as a vector for other lifetimes: the standard library collects a vector
/// of one type into one of the same layout in place, so the allocation is kept.
fn relabel<T, U>(mut items: Vec<T>) -> Vec<U> {
    items.clear();
    items.into_iter().map(|_| unreachable!()).collect()
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        #[test]
        fn control_check_agrees_with_char_is_control(key in "[a-z\\x00-\\x1f\\x7f-\\u{a1}é\\u{2028}]{0,12}") {
            proptest::prop_assert_eq!(super::has_control(&key), key.chars().any(char::is_control));
        }
    }

    #[test]
    fn each_record_gets_its_own_pid_column() {
        let input = "I0102 03:04:05.123456       7 a.go:1] \"one\"\n\
                     I0102 03:04:05.123456 1234567 a.go:1] \"two\"\n\
                     I0102 03:04:05.123456         a.go:1] \"three\"\n\
                     I0102 03:04:05.123456       7 a.go:1] \"four\"\n";
        let mut encoders = super::Encoders::default();
        let mut out = Vec::new();
        for line in crate::parse::Parser::new(input.as_bytes()) {
            let crate::parse::ParsedLine::Record(rec) = line.unwrap() else {
                panic!("not a record")
            };
            let time = Some((1_704_164_645, 123_456_000));
            encoders.text(&rec, time, crate::go::zone::TimeZone::Utc, &mut out);
        }
        assert_eq!(String::from_utf8(out).unwrap(), input);
    }

    #[test]
    fn relabel_keeps_the_allocation() {
        let mut pairs: Vec<crate::KeyValue<'static>> = Vec::with_capacity(40);
        pairs.push(crate::KeyValue::from_value("k", crate::Value::Null));
        let ptr = pairs.as_ptr() as usize;
        let relabelled: Vec<crate::KeyValue<'_>> = super::relabel(pairs);
        assert!(relabelled.is_empty());
        assert_eq!(relabelled.capacity(), 40);
        assert_eq!(relabelled.as_ptr() as usize, ptr);
        // And through the words the converter keeps them as.
        let slots: Vec<super::PairSlot> = super::relabel(relabelled);
        assert_eq!((slots.capacity(), slots.as_ptr() as usize), (40, ptr));
        let back: Vec<crate::KeyValue<'_>> = super::relabel(slots);
        assert_eq!((back.capacity(), back.as_ptr() as usize), (40, ptr));
        let refs: Vec<(usize, super::ObjectRef<'static>)> = Vec::with_capacity(8);
        let ptr = refs.as_ptr() as usize;
        let slots: Vec<super::RefSlot> = super::relabel(refs);
        assert_eq!((slots.capacity(), slots.as_ptr() as usize), (8, ptr));
    }
}
