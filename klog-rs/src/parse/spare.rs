//! Recycled buffers: what a streaming converter gives back is reused for the next records.

use super::{ParsedLine, ParsedRecord, ParsedValue, SourceFormat};
use crate::record::Severity;

/// Buffers of records given back with [`Parser::recycle`](super::Parser::recycle), reused
/// for the next records: a converter streaming millions of lines then allocates next to
/// nothing.
#[derive(Debug, Default)]
pub(super) struct Spare {
    strings: Vec<String>,
    bytes: Vec<Vec<u8>>,
    pairs: Vec<Vec<(String, ParsedValue)>>,
}

/// At most this many buffers of each kind are kept.
const SPARE_LIMIT: usize = 256;
/// Buffers larger than this are freed rather than kept (one huge line must not pin memory).
const SPARE_MAX_CAPACITY: usize = 64 << 10;

impl Spare {
    pub(super) fn string(&mut self, s: &str) -> String {
        match self.strings.pop() {
            Some(mut spare) => {
                spare.clear();
                spare.push_str(s);
                spare
            }
            None => s.to_string(),
        }
    }

    /// An empty record of `format` and `severity`, its buffers taken from the spares.
    pub(super) fn record(&mut self, format: SourceFormat, severity: Severity) -> ParsedRecord {
        ParsedRecord {
            format,
            severity,
            verbosity: None,
            month_day_time: None,
            ts_millis: None,
            ts_unix: None,
            pid: None,
            file: None,
            line: None,
            logger: None,
            message: String::new(),
            error: None,
            key_values: self.pairs(),
            unstructured: false,
            raw: Vec::new(),
        }
    }

    pub(super) fn pairs(&mut self) -> Vec<(String, ParsedValue)> {
        self.pairs.pop().unwrap_or_default()
    }

    pub(super) fn line_buffer(&mut self) -> Vec<u8> {
        match self.bytes.pop() {
            Some(mut spare) => {
                spare.clear();
                spare
            }
            None => Vec::new(),
        }
    }

    pub(super) fn recycle_string(&mut self, s: String) {
        if self.strings.len() < SPARE_LIMIT && s.capacity() <= SPARE_MAX_CAPACITY {
            self.strings.push(s);
        }
    }

    pub(super) fn recycle_bytes(&mut self, b: Vec<u8>) {
        if self.bytes.len() < SPARE_LIMIT && b.capacity() <= SPARE_MAX_CAPACITY {
            self.bytes.push(b);
        }
    }

    pub(super) fn take(&mut self, line: ParsedLine) {
        match line {
            ParsedLine::Raw(bytes) => self.recycle_bytes(bytes),
            ParsedLine::Record(rec) => {
                let ParsedRecord {
                    file,
                    logger,
                    message,
                    error,
                    mut key_values,
                    raw,
                    ..
                } = rec;
                // Three `if let`s, not a flattened array (whose drop glue cost more).
                if let Some(s) = file {
                    self.recycle_string(s);
                }
                if let Some(s) = logger {
                    self.recycle_string(s);
                }
                if let Some(s) = error {
                    self.recycle_string(s);
                }
                self.recycle_string(message);
                self.recycle_bytes(raw);
                // `pop`, not `drain(..)`: the drain's guard cost more than the loop.
                while let Some((key, value)) = key_values.pop() {
                    self.recycle_string(key);
                    match value {
                        ParsedValue::Str(v) | ParsedValue::Raw(v) => self.recycle_string(v),
                    }
                }
                if self.pairs.len() < SPARE_LIMIT && key_values.capacity() <= 1024 {
                    self.pairs.push(key_values);
                }
            }
        }
    }
}
