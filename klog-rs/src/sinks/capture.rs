//! A derived logger's names and bound values, captured at derive time as owned compact
//! copies (integers as integers, strings copied once into one byte buffer) and rendered
//! by the sink's format only when the first record is written through it.
//!
//! KEP-3077's model derives a logger per call chain (`WithName`, `WithValues` per object,
//! per reconcile), often for a V level that is off: rendering at derive time would be
//! paid by every derived logger, capturing is a few copies into storage kept inline in
//! the derived sink's one allocation.
//!
//! Values whose text comes from user code (`Display`, `Debug`, errors, lists, maps,
//! marshalers, serde values) are not captured: they are borrowed only for the call, and
//! rendering them later could also run user code while a record is being written. A
//! logger bound to one of them is rendered at derive time instead, as before.

use std::time::{Duration, UNIX_EPOCH};

use smallvec::SmallVec;

use crate::compact::CompactVec;
use crate::value::{KObj, KeyValue, Value};

/// Writes into room made by [`CompactVec::grow`], front to back (sized by the caller, so every
/// write fits).
struct Writer<'a> {
    out: &'a mut [u8],
    at: usize,
}

impl<'a> Writer<'a> {
    #[inline(always)]
    fn new(out: &'a mut [u8]) -> Self {
        Writer { out, at: 0 }
    }

    #[inline(always)]
    fn put(&mut self, src: &[u8]) {
        if let Some(dst) = self.out.get_mut(self.at..self.at + src.len()) {
            dst.copy_from_slice(src);
        }
        self.at += src.len();
    }

    #[inline(always)]
    fn byte(&mut self, byte: u8) {
        self.put(&[byte]);
    }

    /// A length (checked by the caller to fit 2 bytes) and the bytes.
    #[inline(always)]
    fn str(&mut self, s: &[u8]) {
        self.put(&u16::try_from(s.len()).unwrap_or_default().to_le_bytes());
        self.put(s);
    }
}

/// Bytes kept inline, in the derived sink's own allocation: the common derived logger
/// (two names, an object reference and a number: about 70 bytes) fits. Not much more,
/// because deriving copies the parent's inline room whole.
const INLINE_BYTES: usize = 96;

/// Item tags: a name, or a pair (its key, then one value tag and the value).
const NAME: u8 = 0;
const PAIR: u8 = 1;

// Value tags.
const STR: u8 = 0;
const BYTE_STR: u8 = 1;
const BYTES: u8 = 2;
const NIL_BYTES: u8 = 3;
const I64: u8 = 4;
const U64: u8 = 5;
const F64: u8 = 6;
const F32: u8 = 7;
const FALSE: u8 = 8;
const TRUE: u8 = 9;
const NULL: u8 = 10;
const OBJECT: u8 = 11;
const DURATION: u8 = 12;
/// A time at or after the Unix epoch: seconds (8 bytes) and nanoseconds (4) after it.
const TIME_AFTER: u8 = 13;
/// A time before the Unix epoch: seconds and nanoseconds before it.
const TIME_BEFORE: u8 = 14;

/// The names (in order) and the bound pairs (in order) of a derived logger, owned, as
/// one byte string: each item a tag, then its parts, each string as a 2-byte length and
/// its bytes (longer strings are not captured). Copying a parent's capture is one copy of a few dozen bytes.
#[derive(Clone, Debug, Default)]
pub(super) struct Capture {
    bytes: CompactVec<u8, INLINE_BYTES>,
}

/// A value's tag and parts, as `captured_len` counted them.
#[inline(always)]
fn write_value(w: &mut Writer<'_>, value: &Value<'_>) {
    match *value {
        Value::Str(s) => {
            w.byte(STR);
            w.str(s.as_bytes());
        }
        Value::ByteStr(s) => {
            w.byte(BYTE_STR);
            w.str(s);
        }
        Value::Bytes(s) => {
            w.byte(BYTES);
            w.str(s);
        }
        Value::NilBytes => w.byte(NIL_BYTES),
        Value::I64(v) => {
            w.byte(I64);
            w.put(&v.to_le_bytes());
        }
        Value::U64(v) => {
            w.byte(U64);
            w.put(&v.to_le_bytes());
        }
        Value::F64(v) => {
            w.byte(F64);
            w.put(&v.to_bits().to_le_bytes());
        }
        Value::F32(v) => {
            w.byte(F32);
            w.put(&v.to_bits().to_le_bytes());
        }
        Value::Bool(v) => w.byte(if v { TRUE } else { FALSE }),
        Value::Object(o) => {
            w.byte(OBJECT);
            w.str(o.namespace().as_bytes());
            w.str(o.name().as_bytes());
        }
        Value::Duration(nanos) => {
            w.byte(DURATION);
            // `captured_len` checked that it fits.
            w.put(&i64::try_from(nanos).unwrap_or_default().to_le_bytes());
        }
        Value::Time(t) => {
            let (tag, since) = match t.duration_since(UNIX_EPOCH) {
                Ok(after) => (TIME_AFTER, after),
                Err(before) => (TIME_BEFORE, before.duration()),
            };
            w.byte(tag);
            w.put(&since.as_secs().to_le_bytes());
            w.put(&since.subsec_nanos().to_le_bytes());
        }
        // `captured_len` let only the variants above through.
        _ => w.byte(NULL),
    }
}

/// Bytes `value` takes after its tag, `None` if it cannot be captured (it holds a
/// reference to user code, or is too large).
fn captured_len(value: &Value<'_>) -> Option<usize> {
    Some(match value {
        Value::Str(s) => 2 + s.len(),
        Value::ByteStr(b) | Value::Bytes(b) => 2 + b.len(),
        Value::NilBytes | Value::Bool(_) | Value::Null => 0,
        Value::I64(_) | Value::U64(_) | Value::F64(_) => 8,
        Value::F32(_) => 4,
        Value::Object(o) => 4 + o.namespace().len() + o.name().len(),
        Value::Duration(nanos) => i64::try_from(*nanos).map(|_| 8).ok()?,
        Value::Time(_) => 12,
        _ => return None,
    })
}

impl Capture {
    /// Appends a name; `false` (nothing kept) for a name of 64 KiB or more.
    pub(super) fn push_name(&mut self, name: &str) -> bool {
        if u16::try_from(name.len()).is_err() {
            return false;
        }
        let mut w = Writer::new(self.bytes.grow(3 + name.len()));
        w.byte(NAME);
        w.str(name.as_bytes());
        true
    }

    /// Appends `key_values` if every value can be captured; `false` (nothing kept: the
    /// caller renders instead) otherwise.
    pub(super) fn push_key_values(&mut self, key_values: &[KeyValue<'_>]) -> bool {
        let mut total = 0;
        for kv in key_values {
            match captured_len(&kv.value()) {
                // Each string of the value is shorter than the whole.
                Some(len) if u16::try_from(kv.key().len().max(len)).is_ok() => {
                    total += 4 + kv.key().len() + len;
                }
                _ => return false,
            }
        }
        let mut w = Writer::new(self.bytes.grow(total));
        for kv in key_values {
            w.byte(PAIR);
            w.str(kv.key().as_bytes());
            write_value(&mut w, &kv.value());
        }
        true
    }

    /// The names and the pairs, borrowing the captured copies.
    pub(super) fn decode(&self) -> (SmallVec<[&str; 4]>, SmallVec<[KeyValue<'_>; 8]>) {
        let mut names = SmallVec::new();
        let mut pairs = SmallVec::new();
        let mut r = Reader(&self.bytes[..]);
        while let Some(tag) = r.u8() {
            if tag == NAME {
                names.push(r.str());
                continue;
            }
            let key = r.str();
            let value = match r.u8().unwrap_or(NULL) {
                STR => Value::Str(r.str()),
                BYTE_STR => Value::ByteStr(r.bytes()),
                BYTES => Value::Bytes(r.bytes()),
                NIL_BYTES => Value::NilBytes,
                I64 => Value::I64(r.u64() as i64),
                U64 => Value::U64(r.u64()),
                F64 => Value::F64(f64::from_bits(r.u64())),
                F32 => Value::F32(f32::from_bits(r.u32())),
                FALSE => Value::Bool(false),
                TRUE => Value::Bool(true),
                OBJECT => {
                    let namespace = r.str();
                    Value::Object(KObj::new(namespace, r.str()))
                }
                DURATION => Value::Duration(i128::from(r.u64() as i64)),
                tag @ (TIME_AFTER | TIME_BEFORE) => {
                    let since = Duration::new(r.u64(), r.u32());
                    let time = if tag == TIME_AFTER {
                        UNIX_EPOCH.checked_add(since)
                    } else {
                        UNIX_EPOCH.checked_sub(since)
                    };
                    time.map_or(Value::Null, Value::Time)
                }
                _ => Value::Null,
            };
            pairs.push(KeyValue::from_value(key, value));
        }
        (names, pairs)
    }
}

/// Reads what [`Capture`] wrote (a short read gives zeros and empty strings, never a
/// panic; it cannot happen, the bytes are only written here).
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        taken
    }

    fn u8(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    fn u16(&mut self) -> u16 {
        self.take(2).try_into().map_or(0, u16::from_le_bytes)
    }

    fn u32(&mut self) -> u32 {
        self.take(4).try_into().map_or(0, u32::from_le_bytes)
    }

    fn u64(&mut self) -> u64 {
        self.take(8).try_into().map_or(0, u64::from_le_bytes)
    }

    fn bytes(&mut self) -> &'a [u8] {
        let len = usize::from(self.u16());
        self.take(len)
    }

    /// Written from a `str`, so valid UTF-8.
    fn str(&mut self) -> &'a str {
        std::str::from_utf8(self.bytes()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_copies_that_read_back_as_the_values() {
        let node = String::from("worker-1");
        let mut capture = Capture::default();
        assert!(capture.push_name("controller"));
        assert!(capture.push_key_values(&[
            KeyValue::new("node", &node),
            KeyValue::new("shard", &7),
            KeyValue::new("pod", &KObj::new("kube-system", "coredns")),
            KeyValue::new("ready", &true),
            KeyValue::from_value("wait", Value::Duration(-1_500)),
            KeyValue::from_value("at", Value::Time(UNIX_EPOCH - Duration::new(5, 7))),
            KeyValue::from_value("ratio", Value::F32(0.5)),
            KeyValue::from_value("raw", Value::Bytes(b"\x00a")),
            KeyValue::from_value("path", Value::ByteStr(b"/tmp")),
            KeyValue::from_value("nil", Value::NilBytes),
            KeyValue::from_value("none", Value::Null),
            KeyValue::new("big", &u64::MAX),
            KeyValue::new("f", &12.5),
        ]));
        drop(node);
        let mut child = capture.clone();
        assert!(child.push_name("pods"));
        let (names, kvs) = child.decode();
        assert_eq!(&names[..], ["controller", "pods"]);
        let shown: Vec<String> = kvs
            .iter()
            .map(|kv| format!("{}={:?}", kv.key(), kv.value()))
            .collect();
        assert_eq!(
            shown,
            [
                "node=Str(\"worker-1\")",
                "shard=I64(7)",
                "pod=Object(KObj { namespace: \"kube-system\", name: \"coredns\" })",
                "ready=Bool(true)",
                "wait=Duration(-1500)",
                format!("at={:?}", Value::Time(UNIX_EPOCH - Duration::new(5, 7))).as_str(),
                "ratio=F32(0.5)",
                "raw=Bytes([0, 97])",
                "path=ByteStr([47, 116, 109, 112])",
                "nil=NilBytes",
                "none=Null",
                "big=U64(18446744073709551615)",
                "f=F64(12.5)",
            ]
        );
    }

    #[test]
    fn refuses_values_that_borrow_user_code_and_keeps_nothing() {
        let addr = std::net::Ipv4Addr::LOCALHOST;
        let mut capture = Capture::default();
        assert!(!capture.push_key_values(&[
            KeyValue::new("shard", &7),
            KeyValue::from_value("addr", Value::Display(&addr)),
        ]));
        assert!(capture.decode().1.is_empty());
        assert!(
            !capture.push_key_values(&[KeyValue::from_value("long", Value::Duration(i128::MAX))])
        );
        assert!(capture.bytes.is_empty());
    }
}
