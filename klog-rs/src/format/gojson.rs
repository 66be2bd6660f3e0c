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
use serde::ser::{self, Impossible, Serialize};

use super::escape::write_json_str;
use super::float::{write_f32_json, write_f64_json, NonFinite};

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
    keys: Vec<u8>,
    entries: Vec<Entry>,
}

impl Encoder<'_> {
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
        value.serialize(self)
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
            _ => value.serialize(self),
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
        value.serialize(&mut *self)?;
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
        value.serialize(&mut *self.enc)
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
        value.serialize(&mut *self.enc)
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
        value.serialize(&mut *self.enc)?;
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

/// What a [`Restricted`] serializer accepts.
#[derive(Debug, Clone, Copy)]
enum Purpose {
    /// A map key: strings, chars, integers, unit variants (Go's string and integer keys).
    Key,
    /// The text of a serde_json `RawValue`: a string only.
    Raw,
}

/// A serializer for the places that take a single scalar: map keys and raw JSON text.
#[derive(Debug)]
struct Restricted<'a, 'o> {
    enc: &'a mut Encoder<'o>,
    purpose: Purpose,
}

impl Restricted<'_, '_> {
    fn reject(&self, type_name: &str) -> JsonError {
        JsonError::new(match self.purpose {
            Purpose::Key => format!("json: unsupported type: map key of type {type_name}"),
            Purpose::Raw => format!("json: unsupported type: raw JSON of type {type_name}"),
        })
    }

    /// A map key is recorded raw (for sorting) and written escaped.
    fn key(self, key: &str) -> Result<(), JsonError> {
        self.enc.keys.extend_from_slice(key.as_bytes());
        self.enc.write_str(key);
        Ok(())
    }

    fn int(self, digits: &str, type_name: &str) -> Result<(), JsonError> {
        match self.purpose {
            Purpose::Key => self.key(digits),
            Purpose::Raw => Err(self.reject(type_name)),
        }
    }
}

impl ser::Serializer for Restricted<'_, '_> {
    type Ok = ();
    type Error = JsonError;
    type SerializeSeq = Impossible<(), JsonError>;
    type SerializeTuple = Impossible<(), JsonError>;
    type SerializeTupleStruct = Impossible<(), JsonError>;
    type SerializeTupleVariant = Impossible<(), JsonError>;
    type SerializeMap = Impossible<(), JsonError>;
    type SerializeStruct = Impossible<(), JsonError>;
    type SerializeStructVariant = Impossible<(), JsonError>;

    fn serialize_bool(self, _v: bool) -> Result<(), JsonError> {
        Err(self.reject("bool"))
    }

    fn serialize_i8(self, v: i8) -> Result<(), JsonError> {
        self.int(itoa::Buffer::new().format(v), "int8")
    }

    fn serialize_i16(self, v: i16) -> Result<(), JsonError> {
        self.int(itoa::Buffer::new().format(v), "int16")
    }

    fn serialize_i32(self, v: i32) -> Result<(), JsonError> {
        self.int(itoa::Buffer::new().format(v), "int32")
    }

    fn serialize_i64(self, v: i64) -> Result<(), JsonError> {
        self.int(itoa::Buffer::new().format(v), "int64")
    }

    fn serialize_i128(self, v: i128) -> Result<(), JsonError> {
        self.int(itoa::Buffer::new().format(v), "int128")
    }

    fn serialize_u8(self, v: u8) -> Result<(), JsonError> {
        self.int(itoa::Buffer::new().format(v), "uint8")
    }

    fn serialize_u16(self, v: u16) -> Result<(), JsonError> {
        self.int(itoa::Buffer::new().format(v), "uint16")
    }

    fn serialize_u32(self, v: u32) -> Result<(), JsonError> {
        self.int(itoa::Buffer::new().format(v), "uint32")
    }

    fn serialize_u64(self, v: u64) -> Result<(), JsonError> {
        self.int(itoa::Buffer::new().format(v), "uint64")
    }

    fn serialize_u128(self, v: u128) -> Result<(), JsonError> {
        self.int(itoa::Buffer::new().format(v), "uint128")
    }

    fn serialize_f32(self, _v: f32) -> Result<(), JsonError> {
        Err(self.reject("float32"))
    }

    fn serialize_f64(self, _v: f64) -> Result<(), JsonError> {
        Err(self.reject("float64"))
    }

    fn serialize_char(self, v: char) -> Result<(), JsonError> {
        match self.purpose {
            Purpose::Key => self.key(v.encode_utf8(&mut [0; 4])),
            Purpose::Raw => Err(self.reject("rune")),
        }
    }

    fn serialize_str(self, v: &str) -> Result<(), JsonError> {
        match self.purpose {
            Purpose::Key => self.key(v),
            Purpose::Raw => {
                self.enc.write_raw(v);
                Ok(())
            }
        }
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<(), JsonError> {
        Err(self.reject("[]uint8"))
    }

    fn serialize_none(self) -> Result<(), JsonError> {
        Err(self.reject("option"))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), JsonError> {
        Err(self.reject("option"))
    }

    fn serialize_unit(self) -> Result<(), JsonError> {
        Err(self.reject("struct {}"))
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<(), JsonError> {
        Err(self.reject(name))
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), JsonError> {
        match self.purpose {
            Purpose::Key => self.key(variant),
            Purpose::Raw => Err(self.reject(name)),
        }
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), JsonError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _value: &T,
    ) -> Result<(), JsonError> {
        Err(self.reject(&format!("{name}::{variant}")))
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, JsonError> {
        Err(self.reject("slice"))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, JsonError> {
        Err(self.reject("array"))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, JsonError> {
        Err(self.reject(name))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, JsonError> {
        Err(self.reject(&format!("{name}::{variant}")))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, JsonError> {
        Err(self.reject("map"))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, JsonError> {
        Err(self.reject(name))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, JsonError> {
        Err(self.reject(&format!("{name}::{variant}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::{BTreeMap, HashMap};

    const COMPACT: JsonMode = JsonMode {
        html: false,
        indent: false,
    };
    const HTML: JsonMode = JsonMode {
        html: true,
        indent: false,
    };
    const INDENT: JsonMode = JsonMode {
        html: true,
        indent: true,
    };

    fn encode(value: &dyn erased_serde::Serialize, mode: JsonMode) -> String {
        let mut out = Vec::new();
        match write_serde(&mut out, value, mode) {
            Ok(()) => String::from_utf8(out).expect("JSON is UTF-8"),
            Err(e) => format!("error: {e}"),
        }
    }

    /// Checks each `(value, expected)` row in `mode`.
    fn check(mode: JsonMode, rows: &[(&dyn erased_serde::Serialize, &str)]) {
        for (i, (value, want)) in rows.iter().enumerate() {
            assert_eq!(encode(*value, mode), *want, "row {i}");
        }
    }

    /// Serializes through `serialize_bytes`, like `serde_bytes`.
    struct Bytes(&'static [u8]);

    impl Serialize for Bytes {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    /// Go's `json:",string"` option around any value.
    struct JsonString<T>(T);

    impl<T: Serialize> Serialize for JsonString<T> {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_newtype_struct(JSON_STRING_TOKEN, &self.0)
        }
    }

    /// A map serialized from a list of pairs, which may repeat keys.
    struct Pairs<K, V>(Vec<(K, V)>);

    impl<K: Serialize, V: Serialize> Serialize for Pairs<K, V> {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }

    /// A value whose `Serialize` fails with its own message.
    struct Failing;

    impl Serialize for Failing {
        fn serialize<S: ser::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(ser::Error::custom("cannot encode Failing"))
        }
    }

    #[derive(Serialize)]
    struct Unit;

    #[derive(Serialize)]
    struct Point(i32, i32);

    #[derive(Serialize)]
    struct Meters(f64);

    #[derive(Serialize)]
    struct Name(&'static str);

    #[derive(Serialize)]
    enum Shape {
        Empty,
        Circle(f64),
        Line(i32, i32),
        Rect { w: u8, h: u8 },
    }

    #[derive(Serialize)]
    struct Pod {
        #[serde(rename = "podName")]
        name: &'static str,
        #[serde(skip_serializing_if = "Option::is_none")]
        node: Option<&'static str>,
        ready: bool,
        #[serde(rename = "z<")]
        last: u8,
    }

    fn raw(text: &str) -> Box<serde_json::value::RawValue> {
        serde_json::value::RawValue::from_string(text.to_owned()).expect("valid JSON")
    }

    #[test]
    fn scalars_are_written_like_go() {
        check(
            COMPACT,
            &[
                (&true, "true"),
                (&false, "false"),
                (&-5i8, "-5"),
                (&u16::MAX, "65535"),
                (&i64::MIN, "-9223372036854775808"),
                (&u64::MAX, "18446744073709551615"),
                (&i128::MIN, "-170141183460469231731687303715884105728"),
                (&u128::MAX, "340282366920938463463374607431768211455"),
                (&'x', "\"x\""),
                (&'"', "\"\\\"\""),
                (&(), "null"),
                (&Unit, "null"),
                (&None::<i32>, "null"),
                (&Some(7), "7"),
                (&Meters(2.5), "2.5"),
            ],
        );
    }

    #[test]
    fn floats_use_go_spelling() {
        check(
            COMPACT,
            &[
                (&1.0f64, "1"),
                (&0.1f64, "0.1"),
                (&-0.0f64, "-0"),
                (&1e21f64, "1e+21"),
                (&1e20f64, "100000000000000000000"),
                (&1e-7f64, "1e-7"),
                (&5e-324f64, "5e-324"),
                (&0.1f32, "0.1"),
                (&f32::MAX, "3.4028235e+38"),
            ],
        );
    }

    #[test]
    fn non_finite_floats_fail_the_whole_value() {
        check(
            HTML,
            &[
                (&f64::NAN, "error: json: unsupported value: NaN"),
                (&f64::INFINITY, "error: json: unsupported value: +Inf"),
                (&f32::NEG_INFINITY, "error: json: unsupported value: -Inf"),
                (&vec![1.0, f64::NAN], "error: json: unsupported value: NaN"),
                (
                    &BTreeMap::from([("a", vec![Some(f64::INFINITY)])]),
                    "error: json: unsupported value: +Inf",
                ),
            ],
        );
    }

    #[test]
    fn custom_serialize_errors_keep_their_message() {
        check(COMPACT, &[(&vec![Failing], "error: cannot encode Failing")]);
        let mut out = Vec::new();
        let err = write_serialize(&mut out, &[Failing], COMPACT).unwrap_err();
        assert_eq!(err.to_string(), "cannot encode Failing");
    }

    #[test]
    fn strings_escape_html_only_in_html_mode() {
        let s = "a<b>&c\"\\\n\u{2028}é";
        check(HTML, &[(&s, r#""a\u003cb\u003e\u0026c\"\\\n\u2028é""#)]);
        check(COMPACT, &[(&s, r#""a<b>&c\"\\\n\u2028é""#)]);
    }

    #[test]
    fn bytes_are_standard_base64_with_padding() {
        check(
            COMPACT,
            &[
                (&Bytes(b""), r#""""#),
                (&Bytes(b"a"), r#""YQ==""#),
                (&Bytes(b"ab"), r#""YWI=""#),
                (&Bytes(b"abc"), r#""YWJj""#),
                (&Bytes(&[0xfb, 0xff, 0xbf]), r#""+/+/""#),
                (&vec![1u8, 2], "[1,2]"),
            ],
        );
    }

    #[test]
    fn enums_take_serde_json_shapes() {
        check(
            COMPACT,
            &[
                (&Shape::Empty, r#""Empty""#),
                (&Shape::Circle(1.5), r#"{"Circle":1.5}"#),
                (&Shape::Line(1, 2), r#"{"Line":[1,2]}"#),
                (&Shape::Rect { w: 3, h: 4 }, r#"{"Rect":{"w":3,"h":4}}"#),
            ],
        );
    }

    #[test]
    fn sequences_tuples_and_structs_keep_their_order() {
        let pod = Pod {
            name: "web-0",
            node: None,
            ready: true,
            last: 1,
        };
        let placed = Pod {
            node: Some("n1"),
            ..pod
        };
        check(
            HTML,
            &[
                (&Vec::<i32>::new(), "[]"),
                (&[1, 2, 3], "[1,2,3]"),
                (&(1, "a", false), r#"[1,"a",false]"#),
                (&Point(-1, 2), "[-1,2]"),
                (&pod, r#"{"podName":"web-0","ready":true,"z\u003c":1}"#),
                (
                    &placed,
                    r#"{"podName":"web-0","node":"n1","ready":true,"z\u003c":1}"#,
                ),
            ],
        );
    }

    #[test]
    fn maps_are_sorted_by_raw_key_bytes() {
        let unicode: HashMap<String, i32> = [
            "\u{1f600}",
            "\u{10000}",
            "\u{ffff}",
            "\u{e000}",
            "é",
            "z",
            "a",
        ]
        .iter()
        .zip(0..)
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let ints: HashMap<i64, u8> = [(2, 0), (100, 1), (-9, 2), (i64::MIN, 3), (-10, 4)].into();
        check(
            HTML,
            &[
                (&BTreeMap::<String, i32>::new(), "{}"),
                (&BTreeMap::from([("b", 1), ("a", 2)]), r#"{"a":2,"b":1}"#),
                (
                    &unicode,
                    "{\"a\":6,\"z\":5,\"é\":4,\"\u{e000}\":3,\"\u{ffff}\":2,\
                     \"\u{10000}\":1,\"\u{1f600}\":0}",
                ),
                (
                    &ints,
                    r#"{"-10":4,"-9":2,"-9223372036854775808":3,"100":1,"2":0}"#,
                ),
                // Raw `<` sorts before `=` although its escape `\u003c` would not.
                (&Pairs(vec![("=", 1), ("<", 2)]), r#"{"\u003c":2,"=":1}"#),
                (
                    &Pairs(vec![("\"", 1), ("!", 2), ("\n", 3)]),
                    r#"{"\n":3,"!":2,"\"":1}"#,
                ),
                // Duplicate keys keep their serialization order.
                (
                    &Pairs(vec![("b", 1), ("a", 2), ("b", 3)]),
                    r#"{"a":2,"b":1,"b":3}"#,
                ),
                (
                    &Pairs(vec![
                        ('y', Pairs(vec![(2u8, 0), (10u8, 1)])),
                        ('x', Pairs(vec![])),
                    ]),
                    r#"{"x":{},"y":{"10":1,"2":0}}"#,
                ),
                (
                    &Pairs(vec![(Shape::Empty, 1), (Shape::Empty, 0)]),
                    r#"{"Empty":1,"Empty":0}"#,
                ),
                (
                    &Pairs(vec![(Name("b"), 1), (Name("a"), 0)]),
                    r#"{"a":0,"b":1}"#,
                ),
            ],
        );
    }

    #[test]
    fn non_string_map_keys_are_unsupported() {
        check(
            COMPACT,
            &[
                (
                    &HashMap::from([(true, 1)]),
                    "error: json: unsupported type: map key of type bool",
                ),
                (
                    &Pairs(vec![(1.5, 1)]),
                    "error: json: unsupported type: map key of type float64",
                ),
                (
                    &BTreeMap::from([((1, 2), 1)]),
                    "error: json: unsupported type: map key of type array",
                ),
                (
                    &Pairs(vec![(Shape::Circle(1.0), 1)]),
                    "error: json: unsupported type: map key of type Shape::Circle",
                ),
            ],
        );
    }

    #[test]
    fn raw_values_are_compacted_and_html_escaped() {
        let spaced = raw(" { \"a\" : [1, 2], \"b\":\"<x> y\" } ");
        check(HTML, &[(&spaced, r#"{"a":[1,2],"b":"\u003cx\u003e y"}"#)]);
        check(COMPACT, &[(&spaced, r#"{"a":[1,2],"b":"<x> y"}"#)]);
        let value = raw(" { \"a\" : [1, 2], \"b\":\"<x> y\\\"\u{2028}\" } ");
        check(
            HTML,
            &[(&value, r#"{"a":[1,2],"b":"\u003cx\u003e y\"\u2028"}"#)],
        );
        check(
            COMPACT,
            &[
                (&value, "{\"a\":[1,2],\"b\":\"<x> y\\\"\u{2028}\"}"),
                (&vec![raw(" 1 "), raw("\"a  b\"")], r#"[1,"a  b"]"#),
                (&BTreeMap::from([("k", raw(" [ ] "))]), r#"{"k":[]}"#),
            ],
        );
    }

    #[test]
    fn json_string_token_quotes_the_inner_json() {
        check(
            HTML,
            &[
                (&JsonString("a\"b<"), r#""\"a\\\"b\\u003c\"""#),
                (&JsonString(5), r#""5""#),
                (&JsonString(1e21), r#""1e+21""#),
                (&JsonString(true), r#""true""#),
                (&JsonString(f64::NAN), "error: json: unsupported value: NaN"),
            ],
        );
        check(COMPACT, &[(&JsonString("a\"b<"), r#""\"a\\\"b<\"""#)]);
        check(INDENT, &[(&JsonString(vec![1, 2]), r#""[1,2]""#)]);
    }

    #[test]
    fn indented_output_matches_go_encoder_set_indent() {
        let nested = Pairs(vec![
            ("b", serde_json::json!({})),
            ("a", serde_json::json!([1, 2])),
            ("c", serde_json::json!({"y": [], "x": [{"k": "<"}]})),
        ]);
        check(
            INDENT,
            &[
                (&1, "1"),
                (&"<", r#""\u003c""#),
                (&Vec::<u8>::new(), "[]"),
                (&BTreeMap::<u8, u8>::new(), "{}"),
                (
                    &Pairs(vec![("b", serde_json::json!({})), ("a", serde_json::json!([1, 2]))]),
                    "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}",
                ),
                (
                    &nested,
                    "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": {\n    \"x\": [\n      \
                     {\n        \"k\": \"\\u003c\"\n      }\n    ],\n    \"y\": []\n  }\n}",
                ),
                (
                    &Shape::Rect { w: 1, h: 2 },
                    "{\n  \"Rect\": {\n    \"w\": 1,\n    \"h\": 2\n  }\n}",
                ),
                (&Shape::Line(1, 2), "{\n  \"Line\": [\n    1,\n    2\n  ]\n}"),
                (
                    &vec![raw(r#"{"a":[1,{}],"b":[]}"#)],
                    "[\n  {\n    \"a\": [\n      1,\n      {}\n    ],\n    \"b\": []\n  }\n]",
                ),
                (
                    &raw(r#"{"a":"{,:}\\", "b" : [ "x\"]" ] }"#),
                    "{\n  \"a\": \"{,:}\\\\\",\n  \"b\": [\n    \"x\\\"]\"\n  ]\n}",
                ),
            ],
        );
    }

    proptest::proptest! {
        #[test]
        fn compact_output_parses_back_to_serde_json_value(
            value in proptest::collection::btree_map(
                ".*",
                proptest::collection::vec(
                    (proptest::num::i64::ANY, proptest::bool::ANY, ".*"),
                    0..4,
                ),
                0..6,
            )
        ) {
            let mut out = Vec::new();
            write_serialize(&mut out, &value, COMPACT).unwrap();
            let ours: serde_json::Value = serde_json::from_slice(&out).unwrap();
            proptest::prop_assert_eq!(ours, serde_json::to_value(&value).unwrap());
        }

        #[test]
        fn hash_maps_encode_like_the_same_sorted_map(
            value in proptest::collection::hash_map(
                ".*",
                proptest::collection::hash_map(proptest::num::u8::ANY, proptest::num::i32::ANY, 0..8),
                0..8,
            )
        ) {
            let sorted: BTreeMap<&String, BTreeMap<String, i32>> = value
                .iter()
                .map(|(k, inner)| (k, inner.iter().map(|(k, v)| (k.to_string(), *v)).collect()))
                .collect();
            for mode in [COMPACT, HTML, INDENT] {
                proptest::prop_assert_eq!(encode(&value, mode), encode(&sorted, mode));
            }
        }
    }
}
