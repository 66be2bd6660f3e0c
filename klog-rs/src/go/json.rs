//! A `serde::Serializer` that writes any `Serialize` value the way Go's `encoding/json`
//! (`json.Marshal`, or `json.Encoder` with `SetIndent("", "  ")`) writes the equivalent
//! Go value, appending to a byte buffer.
//!
//! # Compatibility
//! Strings, floats, `[]byte` (base64) and error texts follow `encoding/json`. Map entries
//! are sorted byte-wise by their key string, as Go sorts every map it encodes: the same
//! map always yields the same bytes, whatever its iteration order (a `HashMap` included),
//! so a log line never depends on hashing seeds and matches Go's output exactly. Structs
//! keep their field order, as Go does (but serde hands a `#[serde(flatten)]` struct over as
//! a map, so its fields come out sorted). Enums, which Go lacks, take serde_json's shapes.
//!
//! Two names are magic: the newtype struct [`JSON_STRING_TOKEN`] (Go's `json:",string"`
//! option) and serde_json's `RawValue` struct (a `json.Marshaler`'s output, which Go
//! re-compacts, HTML-escapes and, in an indenting `Encoder`, re-indents).

use std::fmt;
use std::ops::Range;

use base64::Engine as _;
use serde::ser::{self, Serialize};

use crate::go::escape::write_json_str;
use crate::go::float::{write_f32_json, write_f64_json, NonFinite};

/// How deep values may nest (serde_json's parser stops at 128 too). Go's encoding/json
/// has no such bound when it encodes; a log line is no place for deeper values.
pub(crate) const MAX_NESTING: usize = 128;

/// Magic newtype-struct name: the inner value is first encoded to JSON, and that JSON
/// text is then written as a JSON string (Go's `json:",string"` option).
pub(crate) const JSON_STRING_TOKEN: &str = "$klog::private::JsonString";

/// The struct (and newtype-struct) name under which serde_json's `RawValue` hands over its
/// JSON text. Only the name is recognised, so the library does not depend on serde_json.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";
/// The struct name under which serde_json (with its `arbitrary_precision` feature, which
/// any crate in a build can switch on) hands over a number's text: written as it is.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// How to lay out the JSON.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JsonMode {
    /// Escape `<`, `>` and `&` (Go's `SetEscapeHTML(true)`, the `json.Marshal` default).
    pub(crate) html: bool,
    /// One element per line, two spaces per level (`SetIndent("", "  ")`).
    pub(crate) indent: bool,
}

/// An encoding error, displayed exactly as Go's encoding/json words it.
#[derive(Debug)]
pub(crate) struct JsonError {
    message: String,
}

impl JsonError {
    fn unsupported_value(value: NonFinite) -> JsonError {
        JsonError {
            message: format!("json: unsupported value: {}", value.0),
        }
    }

    fn new(message: String) -> JsonError {
        JsonError { message }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsonError {}

impl ser::Error for JsonError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        JsonError::new(msg.to_string())
    }
}

/// Appends the JSON of `value`. On error, `out` may hold a partial write: the caller truncates.
pub(crate) fn write_serde(
    out: &mut Vec<u8>,
    value: &dyn erased_serde::Serialize,
    mode: JsonMode,
) -> Result<(), JsonError> {
    write_serialize(out, value, mode)
}

/// Same as [`write_serde`] for a generic value.
pub(crate) fn write_serialize<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
    mode: JsonMode,
) -> Result<(), JsonError> {
    let mut encoder = Encoder {
        out,
        mode,
        depth: 0,
        nesting: 0,
        keys: Vec::new(),
        entries: Vec::new(),
    };
    value.serialize(&mut encoder)
}

/// One written map entry: its raw key (in `Encoder::keys`) and its bytes in `out`
/// (key, colon and value, without the separator before it).
#[derive(Debug)]
struct Entry {
    key: Range<usize>,
    text: Range<usize>,
}

/// The serializer state. `keys` and `entries` are stacks shared by all maps being written
/// (a nested map's entries sit above its parent's and are popped when it ends), so one
/// allocation serves a whole value.
#[derive(Debug)]
struct Encoder<'o> {
    out: &'o mut Vec<u8>,
    mode: JsonMode,
    depth: usize,
    /// Values being written inside one another (arrays, objects, options, newtypes):
    /// bounded by [`MAX_NESTING`].
    nesting: usize,
    keys: Vec<u8>,
    entries: Vec<Entry>,
}

impl Encoder<'_> {
    /// Writes a value nested in the one being written, unless that would go deeper than
    /// [`MAX_NESTING`]: a value nested without end (or 100,000 levels deep) would
    /// otherwise overflow the stack, and its indented form grow with the square of its
    /// depth.
    fn nested<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), JsonError> {
        if self.nesting >= MAX_NESTING {
            return Err(JsonError::new(format!(
                "json: value nested deeper than {MAX_NESTING} levels"
            )));
        }
        self.nesting += 1;
        let result = value.serialize(&mut *self);
        self.nesting -= 1;
        result
    }

    fn newline(&mut self) {
        self.out.push(b'\n');
        for _ in 0..self.depth {
            self.out.extend_from_slice(b"  ");
        }
    }

    fn open(&mut self, bracket: u8) {
        self.out.push(bracket);
        self.depth += 1;
    }

    /// Separator before an element or member; `first` tracks whether one was written yet.
    fn element(&mut self, first: &mut bool) {
        if !*first {
            self.out.push(b',');
        }
        *first = false;
        if self.mode.indent {
            self.newline();
        }
    }

    /// Go's `Indent` keeps empty containers as `[]` and `{}`.
    fn close(&mut self, bracket: u8, empty: bool) {
        self.depth = self.depth.saturating_sub(1);
        if self.mode.indent && !empty {
            self.newline();
        }
        self.out.push(bracket);
    }

    fn key(&mut self, name: &str) {
        write_json_str(self.out, name, self.mode.html);
        self.colon();
    }

    fn colon(&mut self) {
        self.out
            .extend_from_slice(if self.mode.indent { b": " } else { b":" });
    }

    /// Opens `{"variant":` for the enum shapes that wrap their content in an object.
    fn open_variant(&mut self, variant: &str) {
        self.open(b'{');
        self.element(&mut true);
        self.key(variant);
    }

    fn write_str(&mut self, s: &str) {
        write_json_str(self.out, s, self.mode.html);
    }

    fn write_int(&mut self, digits: &str) {
        self.out.extend_from_slice(digits.as_bytes());
    }

    /// Go's `,string` option: the value's own (compact) JSON, quoted. Go escapes the inner
    /// text with the HTML setting and the outer quoting without it, since the inner pass
    /// already removed every `<`, `>` and `&` when HTML escaping is on; `Indent` never
    /// touches string contents, so the inner JSON stays compact in indented mode too.
    fn write_json_string<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), JsonError> {
        let start = self.out.len();
        let indent = self.mode.indent;
        self.mode.indent = false;
        let result = value.serialize(&mut *self);
        self.mode.indent = indent;
        result?;
        let inner = self.out.split_off(start);
        let text = std::str::from_utf8(&inner)
            .map_err(|_| JsonError::new("json: invalid UTF-8 in JSON text".to_owned()))?;
        write_json_str(self.out, text, false);
        Ok(())
    }

    /// A `json.Marshaler`'s output as Go writes it: compacted (whitespace outside strings
    /// dropped), HTML-escaped when enabled (`<`, `>`, `&`, U+2028, U+2029, as Go's
    /// `compact` does), and, in indented mode, re-indented at the current depth because
    /// Go's `Encoder` indents the whole marshalled text. Valid JSON is assumed (serde_json
    /// checks it); other text is passed through without panicking.
    fn write_raw(&mut self, text: &str) {
        let html = self.mode.html;
        let indent = self.mode.indent;
        let base = self.depth;
        let bytes = text.as_bytes();
        let mut in_string = false;
        let mut escaped = false;
        let mut need_indent = false;
        let mut i = 0;
        while i < bytes.len() {
            let c = bytes[i];
            i += 1;
            if html && matches!(c, b'<' | b'>' | b'&') {
                self.out.extend_from_slice(match c {
                    b'<' => b"\\u003c",
                    b'>' => b"\\u003e",
                    _ => b"\\u0026",
                });
                escaped = false;
                continue;
            }
            if html
                && c == 0xe2
                && bytes.get(i) == Some(&0x80)
                && matches!(bytes.get(i + 1), Some(0xa8 | 0xa9))
            {
                let last = if bytes[i + 1] == 0xa8 { b'8' } else { b'9' };
                self.out
                    .extend_from_slice(&[b'\\', b'u', b'2', b'0', b'2', last]);
                i += 2;
                escaped = false;
                continue;
            }
            if in_string {
                self.out.push(c);
                if escaped {
                    escaped = false;
                } else if c == b'\\' {
                    escaped = true;
                } else if c == b'"' {
                    in_string = false;
                }
                continue;
            }
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                continue;
            }
            if !indent {
                in_string = c == b'"';
                self.out.push(c);
                continue;
            }
            // Go's `appendIndent`, with the opening newline delayed so that `{}` stays.
            if need_indent && c != b'}' && c != b']' {
                need_indent = false;
                self.depth += 1;
                self.newline();
            }
            match c {
                b'{' | b'[' => {
                    need_indent = true;
                    self.out.push(c);
                }
                b',' => {
                    self.out.push(c);
                    self.newline();
                }
                b':' => self.out.extend_from_slice(b": "),
                b'}' | b']' => {
                    if need_indent {
                        need_indent = false;
                    } else {
                        self.depth = self.depth.saturating_sub(1);
                        self.newline();
                    }
                    self.out.push(c);
                }
                _ => {
                    in_string = c == b'"';
                    self.out.push(c);
                }
            }
        }
        self.depth = base;
    }
}

impl<'a, 'o> ser::Serializer for &'a mut Encoder<'o> {
    type Ok = ();
    type Error = JsonError;
    type SerializeSeq = Seq<'a, 'o>;
    type SerializeTuple = Seq<'a, 'o>;
    type SerializeTupleStruct = Seq<'a, 'o>;
    type SerializeTupleVariant = Seq<'a, 'o>;
    type SerializeMap = Map<'a, 'o>;
    type SerializeStruct = Struct<'a, 'o>;
    type SerializeStructVariant = Struct<'a, 'o>;

    fn serialize_bool(self, v: bool) -> Result<(), JsonError> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), JsonError> {
        self.serialize_i64(v.into())
    }

    fn serialize_i16(self, v: i16) -> Result<(), JsonError> {
        self.serialize_i64(v.into())
    }

    fn serialize_i32(self, v: i32) -> Result<(), JsonError> {
        self.serialize_i64(v.into())
    }

    fn serialize_i64(self, v: i64) -> Result<(), JsonError> {
        self.write_int(itoa::Buffer::new().format(v));
        Ok(())
    }

    fn serialize_i128(self, v: i128) -> Result<(), JsonError> {
        self.write_int(itoa::Buffer::new().format(v));
        Ok(())
    }

    fn serialize_u8(self, v: u8) -> Result<(), JsonError> {
        self.serialize_u64(v.into())
    }

    fn serialize_u16(self, v: u16) -> Result<(), JsonError> {
        self.serialize_u64(v.into())
    }

    fn serialize_u32(self, v: u32) -> Result<(), JsonError> {
        self.serialize_u64(v.into())
    }

    fn serialize_u64(self, v: u64) -> Result<(), JsonError> {
        self.write_int(itoa::Buffer::new().format(v));
        Ok(())
    }

    fn serialize_u128(self, v: u128) -> Result<(), JsonError> {
        self.write_int(itoa::Buffer::new().format(v));
        Ok(())
    }

    fn serialize_f32(self, v: f32) -> Result<(), JsonError> {
        write_f32_json(self.out, v).map_err(JsonError::unsupported_value)
    }

    fn serialize_f64(self, v: f64) -> Result<(), JsonError> {
        write_f64_json(self.out, v).map_err(JsonError::unsupported_value)
    }

    fn serialize_char(self, v: char) -> Result<(), JsonError> {
        self.write_str(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), JsonError> {
        self.write_str(v);
        Ok(())
    }

    /// Go encodes `[]byte` as standard base64 with padding.
    fn serialize_bytes(self, v: &[u8]) -> Result<(), JsonError> {
        let engine = &base64::engine::general_purpose::STANDARD;
        let len = base64::encoded_len(v.len(), true)
            .ok_or_else(|| JsonError::new("json: byte slice too long".to_owned()))?;
        self.out.push(b'"');
        let start = self.out.len();
        self.out.resize(start + len, 0);
        let written = engine
            .encode_slice(v, &mut self.out[start..])
            .map_err(|e| JsonError::new(format!("json: base64: {e}")))?;
        self.out.truncate(start + written);
        self.out.push(b'"');
        Ok(())
    }

    fn serialize_none(self) -> Result<(), JsonError> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), JsonError> {
        self.nested(value)
    }

    fn serialize_unit(self) -> Result<(), JsonError> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), JsonError> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), JsonError> {
        self.write_str(variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), JsonError> {
        match name {
            JSON_STRING_TOKEN => self.write_json_string(value),
            RAW_VALUE_TOKEN | NUMBER_TOKEN => value.serialize(Restricted {
                enc: self,
                purpose: Purpose::Raw,
            }),
            _ => self.nested(value),
        }
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), JsonError> {
        self.open_variant(variant);
        self.nested(value)?;
        self.close(b'}', false);
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'a, 'o>, JsonError> {
        self.open(b'[');
        Ok(Seq {
            enc: self,
            first: true,
            variant: false,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Seq<'a, 'o>, JsonError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Seq<'a, 'o>, JsonError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Seq<'a, 'o>, JsonError> {
        self.open_variant(variant);
        self.open(b'[');
        Ok(Seq {
            enc: self,
            first: true,
            variant: true,
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Map<'a, 'o>, JsonError> {
        self.open(b'{');
        Ok(Map {
            entries_base: self.entries.len(),
            keys_base: self.keys.len(),
            enc: self,
            first: true,
            pending: None,
        })
    }

    fn serialize_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<Struct<'a, 'o>, JsonError> {
        // serde_json's RawValue is a one-field struct carrying its text under this name.
        let raw = name == RAW_VALUE_TOKEN || name == NUMBER_TOKEN;
        if !raw {
            self.open(b'{');
        }
        Ok(Struct {
            enc: self,
            first: true,
            variant: false,
            raw,
        })
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Struct<'a, 'o>, JsonError> {
        self.open_variant(variant);
        self.open(b'{');
        Ok(Struct {
            enc: self,
            first: true,
            variant: true,
            raw: false,
        })
    }
}

/// Arrays: sequences, tuples, tuple structs and the array inside a tuple variant.
#[derive(Debug)]
struct Seq<'a, 'o> {
    enc: &'a mut Encoder<'o>,
    first: bool,
    variant: bool,
}

impl Seq<'_, '_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), JsonError> {
        self.enc.element(&mut self.first);
        self.enc.nested(value)
    }

    fn finish(self) -> Result<(), JsonError> {
        self.enc.close(b']', self.first);
        if self.variant {
            self.enc.close(b'}', false);
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Seq<'_, '_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), JsonError> {
        self.element(value)
    }

    fn end(self) -> Result<(), JsonError> {
        self.finish()
    }
}

impl ser::SerializeTuple for Seq<'_, '_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), JsonError> {
        self.element(value)
    }

    fn end(self) -> Result<(), JsonError> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Seq<'_, '_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), JsonError> {
        self.element(value)
    }

    fn end(self) -> Result<(), JsonError> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Seq<'_, '_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), JsonError> {
        self.element(value)
    }

    fn end(self) -> Result<(), JsonError> {
        self.finish()
    }
}

/// Objects from structs and struct variants (fields in declaration order), or the text of
/// a serde_json `RawValue` when `raw`.
#[derive(Debug)]
struct Struct<'a, 'o> {
    enc: &'a mut Encoder<'o>,
    first: bool,
    variant: bool,
    raw: bool,
}

impl Struct<'_, '_> {
    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), JsonError> {
        if self.raw {
            self.first = false;
            return value.serialize(Restricted {
                enc: &mut *self.enc,
                purpose: Purpose::Raw,
            });
        }
        self.enc.element(&mut self.first);
        self.enc.key(key);
        self.enc.nested(value)
    }

    fn finish(self) -> Result<(), JsonError> {
        if self.raw {
            if self.first {
                return Err(JsonError::new(
                    "json: raw JSON value without text".to_owned(),
                ));
            }
            return Ok(());
        }
        self.enc.close(b'}', self.first);
        if self.variant {
            self.enc.close(b'}', false);
        }
        Ok(())
    }
}

impl ser::SerializeStruct for Struct<'_, '_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), JsonError> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), JsonError> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Struct<'_, '_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), JsonError> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), JsonError> {
        self.finish()
    }
}

/// Objects from maps: entries are written as they come and reordered by key at the end.
#[derive(Debug)]
struct Map<'a, 'o> {
    enc: &'a mut Encoder<'o>,
    first: bool,
    entries_base: usize,
    keys_base: usize,
    /// The key written last (range in `keys`) and where its entry starts in `out`.
    pending: Option<(Range<usize>, usize)>,
}

impl Map<'_, '_> {
    /// Go sorts map entries by key with `strings.Compare` (bytes, not UTF-16 units, and
    /// the raw key, not its escaped form). The sort is stable, so duplicate keys keep the
    /// order they were serialized in.
    fn sort_entries(&mut self) {
        let enc = &mut *self.enc;
        let keys = &enc.keys;
        let Some(entries) = enc.entries.get_mut(self.entries_base..) else {
            return;
        };
        let key = |e: &Entry| keys.get(e.key.clone()).unwrap_or_default();
        if entries.windows(2).all(|w| key(&w[0]) <= key(&w[1])) {
            return;
        }
        // All separators between entries are alike (`,` plus the newline and indent of
        // this depth), so the one after the first entry serves for the sorted order.
        let separator = entries[0].text.end..entries[1].text.start;
        let body_start = entries[0].text.start;
        let body_end = enc.out.len();
        entries.sort_by(|a, b| key(a).cmp(key(b)));
        for (i, entry) in entries.iter().enumerate() {
            if i > 0 {
                enc.out.extend_from_within(separator.clone());
            }
            enc.out.extend_from_within(entry.text.clone());
        }
        enc.out.drain(body_start..body_end);
    }
}

impl ser::SerializeMap for Map<'_, '_> {
    type Ok = ();
    type Error = JsonError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), JsonError> {
        if self.pending.is_some() {
            return Err(JsonError::new("json: map key without value".to_owned()));
        }
        self.enc.element(&mut self.first);
        let start = self.enc.out.len();
        let key_start = self.enc.keys.len();
        key.serialize(Restricted {
            enc: &mut *self.enc,
            purpose: Purpose::Key,
        })?;
        self.enc.colon();
        self.pending = Some((key_start..self.enc.keys.len(), start));
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), JsonError> {
        let (key, start) = self
            .pending
            .take()
            .ok_or_else(|| JsonError::new("json: map value without key".to_owned()))?;
        self.enc.nested(value)?;
        let end = self.enc.out.len();
        self.enc.entries.push(Entry {
            key,
            text: start..end,
        });
        Ok(())
    }

    fn end(mut self) -> Result<(), JsonError> {
        if self.pending.is_some() {
            return Err(JsonError::new("json: map key without value".to_owned()));
        }
        self.sort_entries();
        self.enc.entries.truncate(self.entries_base);
        self.enc.keys.truncate(self.keys_base);
        self.enc.close(b'}', self.first);
        Ok(())
    }
}

mod restricted;
#[cfg(test)]
mod tests;

use restricted::{Purpose, Restricted};
