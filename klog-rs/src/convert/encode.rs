//! A parsed record as the input of the crate's two encoders.
//!
//! The converter has no writer of its own for klog text or component-base JSON: it hands
//! each record to `format/`, the encoders the sinks use, with what a parsed record has and a
//! logged one does not: its time, pid and `file:line` (as the encoders' context) and values
//! that are already JSON (as [`Value::RawJson`], written as they are). So a converted line
//! follows every rule the sinks follow, klog's duplicate-key rule included.

use super::object_ref::{object_ref, ObjectRef};
use crate::format::{encode_json, encode_text, Scratch};
use crate::format::{HeaderCaller, HeaderStyle, PidField, RenderedPairs, TextContext};
use crate::format::{JsonCaller, JsonContext};
use crate::parse::{ParsedRecord, ParsedValue};
use crate::record::Record;
use crate::value::{KObj, KeyValue, Value};

/// The encoders' reusable state; nothing in it outlives a record, so a clone starts afresh.
#[derive(Debug, Default)]
pub(super) struct Encoders {
    scratch: Scratch,
    /// The text encoder's context pairs: none (a parsed record's logger is one of its pairs).
    no_pairs: RenderedPairs,
    /// The JSON encoder's context: the record's logger name.
    json: JsonContext,
}

impl Clone for Encoders {
    fn clone(&self) -> Self {
        Encoders::default()
    }
}

impl Encoders {
    /// Appends `rec`, a JSON record, as a klog text line (or block of lines).
    pub(super) fn text(&mut self, rec: &ParsedRecord, time: Option<(i64, u32)>, out: &mut Vec<u8>) {
        // klog writes object references raw, without escaping: only those that read back as
        // the same reference are written so; the others stay JSON. A decoded reference may
        // own its strings, so the references live here while the pairs borrow them.
        let refs: Vec<(usize, ObjectRef<'_>)> = rec
            .key_values
            .iter()
            .enumerate()
            .filter_map(|(i, (_, value))| match value {
                ParsedValue::Raw(raw) => object_ref(raw)
                    .filter(ObjectRef::is_plain)
                    .map(|obj| (i, obj)),
                ParsedValue::Str(_) => None,
            })
            .collect();
        let mut refs = refs.iter().peekable();
        // klog's order: the error, the logger's name, the pairs.
        let mut kvs = Vec::with_capacity(rec.key_values.len() + 2);
        if let Some(err) = &rec.error {
            kvs.push(KeyValue::from_value("err", Value::Str(err)));
        }
        if let Some(logger) = &rec.logger {
            kvs.push(KeyValue::from_value("logger", Value::Str(logger)));
        }
        for (i, (key, value)) in rec.key_values.iter().enumerate() {
            let value = match value {
                ParsedValue::Str(s) => Value::Str(s),
                ParsedValue::Raw(raw) => match refs.next_if(|(at, _)| *at == i) {
                    Some((_, obj)) => Value::Object(KObj::new(&obj.namespace, &obj.name)),
                    None => Value::RawJson(raw),
                },
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
        let ctx = TextContext {
            pid: &PidField::new(rec.pid.unwrap_or(0)),
            caller: Some(caller),
            context: &self.no_pairs,
            header: HeaderStyle::Normal,
        };
        encode_text(&mut self.scratch, &record, &ctx, time.unwrap_or((0, 0)));
        out.extend_from_slice(&self.scratch.line);
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
        let mut kvs = Vec::with_capacity(rec.key_values.len() + 1);
        kvs.extend(pairs.iter().map(json_pair));
        if let Some(err) = &rec.error {
            kvs.push(KeyValue::from_value("err", Value::Str(err)));
        }
        kvs.extend(error_details.iter().map(json_pair));
        // Text has no V level: `"v":0`.
        let record = Record::new(rec.severity, &rec.message, &kvs);
        self.json
            .set_parsed(&mut self.scratch.line, rec.logger.as_deref());
        let caller = JsonCaller {
            short_path: rec.file.as_deref(),
            line: rec.line.unwrap_or(0),
        };
        // A text record always has a time (its header's).
        let time = time.unwrap_or((0, 0));
        encode_json(&mut self.scratch, &record, &self.json, Some(caller), time);
        out.extend_from_slice(&self.scratch.line);
    }
}

/// A text pair for JSON: JSON values as they are, other text (Go `%+v` structs, `NaN`) as a
/// string.
fn json_pair((key, value): &(String, ParsedValue)) -> KeyValue<'_> {
    let value = match value {
        ParsedValue::Raw(raw) if is_json(raw) => Value::RawJson(raw),
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
