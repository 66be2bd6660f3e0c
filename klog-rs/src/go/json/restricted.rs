//! The serializer for the places that take a single scalar: map keys and the text of raw
//! JSON values.

use serde::ser::{self, Impossible, Serialize};

use super::{Encoder, JsonError};

/// What a [`Restricted`] serializer accepts.
#[derive(Debug, Clone, Copy)]
pub(super) enum Purpose {
    /// A map key: strings, chars, integers, unit variants (Go's string and integer keys).
    Key,
    /// The text of a serde_json `RawValue`: a string only.
    Raw,
}

/// A serializer for the places that take a single scalar: map keys and raw JSON text.
#[derive(Debug)]
pub(super) struct Restricted<'a, 'o> {
    pub(super) enc: &'a mut Encoder<'o>,
    pub(super) purpose: Purpose,
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
