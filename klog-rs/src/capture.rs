//! A derived logger's names and bound values, captured at derive time as owned compact
//! copies (integers as integers, strings copied once into one byte string) and rendered
//! by the sink's format only when the first record is written through it.
//!
//! KEP-3077's model derives a logger per call chain (`WithName`, `WithValues` per object,
//! per reconcile), often for a V level that is off: rendering at derive time would be
//! paid by every derived logger, capturing is a few copies. Two owners keep captures: a
//! [`Logger`](crate::Logger) keeps what was derived from its sink inline, in a fixed
//! room ([`InlineBytes`], no allocation at all), and a derived sink keeps the whole
//! chain in its one allocation ([`CompactVec`], spilling to the heap when long).
//!
//! Values whose text comes from user code (`Display`, `Debug`, errors, lists, maps,
//! marshalers, serde values) are not captured: they are borrowed only for the call, and
//! rendering them later could also run user code while a record is being written. A
//! logger bound to one of them is rendered at derive time instead.

use std::fmt;
use std::time::{Duration, UNIX_EPOCH};

use smallvec::SmallVec;

use crate::compact::CompactVec;
use crate::value::{KObj, KeyValue, Value};

/// Where a capture's bytes live.
pub(crate) trait Storage {
    /// Room for `n` more bytes at the end (to overwrite), `None` (nothing changed) when
    /// they do not fit.
    fn room(&mut self, n: usize) -> Option<&mut [u8]>;

    /// The bytes written so far.
    fn bytes(&self) -> &[u8];
}

impl<const N: usize> Storage for CompactVec<u8, N> {
    #[inline]
    fn room(&mut self, n: usize) -> Option<&mut [u8]> {
        Some(self.grow(n))
    }

    #[inline]
    fn bytes(&self) -> &[u8] {
        self
    }
}

/// At most `8 * W` (< 256) bytes, inline and `Copy`: a logger's own captures, which a
/// full room turns into a derived sink instead of a heap copy.
///
/// Kept as words, not bytes: LLVM splits a struct it copies into its scalar fields, and a
/// byte array in a logger made every copy of the logger (returning it, moving it) 80 byte
/// moves instead of 10 word moves (criterion's `with_values` took 60 ns instead of 21).
#[derive(Clone, Copy)]
pub(crate) struct InlineBytes<const W: usize> {
    len: u8,
    words: [u64; W],
}

impl<const W: usize> InlineBytes<W> {
    /// No bytes.
    pub(crate) const fn new() -> Self {
        InlineBytes {
            len: 0,
            words: [0; W],
        }
    }

    /// All of the room, as bytes.
    #[inline(always)]
    #[allow(unsafe_code)]
    fn room_bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: the pointer and length cover exactly the `8 * W` bytes of `words`, which
        // are initialised; `u8` has no alignment requirement, and every bit pattern is a
        // valid `u8` and (for writes through the slice) a valid `u64`. The slice borrows
        // `self` mutably, so nothing else reads or writes the words meanwhile.
        unsafe { std::slice::from_raw_parts_mut(self.words.as_mut_ptr().cast::<u8>(), 8 * W) }
    }

    /// All of the room, as bytes.
    #[inline(always)]
    #[allow(unsafe_code)]
    fn room_bytes(&self) -> &[u8] {
        // SAFETY: as in `room_bytes_mut`, borrowed shared.
        unsafe { std::slice::from_raw_parts(self.words.as_ptr().cast::<u8>(), 8 * W) }
    }
}

impl<const W: usize> Default for InlineBytes<W> {
    fn default() -> Self {
        InlineBytes::new()
    }
}

impl<const W: usize> Storage for InlineBytes<W> {
    #[inline]
    fn room(&mut self, n: usize) -> Option<&mut [u8]> {
        let start = usize::from(self.len);
        let end = start.checked_add(n).filter(|&end| end <= 8 * W)?;
        self.len = u8::try_from(end).ok()?;
        self.room_bytes_mut().get_mut(start..end)
    }

    #[inline]
    fn bytes(&self) -> &[u8] {
        self.room_bytes()
            .get(..usize::from(self.len))
            .unwrap_or_default()
    }
}

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

/// Bytes a derived sink keeps inline, in its own allocation: the common derived logger
/// (two names, an object reference and a number: about 70 bytes) fits. Not much more,
/// because deriving copies the parent's inline room whole.
const SINK_INLINE_BYTES: usize = 96;

/// A derived sink's capture: the whole chain of names and pairs from the root sink.
pub(crate) type SinkCapture = Capture<CompactVec<u8, SINK_INLINE_BYTES>>;

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
#[derive(Clone, Copy, Default)]
pub(crate) struct Capture<S> {
    bytes: S,
}

impl<S: Storage> fmt::Debug for Capture<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (names, pairs) = self.decode();
        let pairs: SmallVec<[(&str, Value<'_>); 8]> =
            pairs.iter().map(|kv| (kv.key(), kv.value())).collect();
        f.debug_struct("Capture")
            .field("names", &names)
            .field("pairs", &pairs)
            .finish()
    }
}

impl<const W: usize> Capture<InlineBytes<W>> {
    /// Nothing captured.
    pub(crate) const fn new() -> Self {
        Capture {
            bytes: InlineBytes::new(),
        }
    }
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

impl<S: Storage> Capture<S> {
    /// Whether nothing is captured.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.bytes().is_empty()
    }

    /// Appends a name; `false` (nothing kept) for a name of 64 KiB or more, or one that
    /// does not fit the storage.
    #[inline]
    pub(crate) fn push_name(&mut self, name: &str) -> bool {
        if u16::try_from(name.len()).is_err() {
            return false;
        }
        let Some(room) = self.bytes.room(3 + name.len()) else {
            return false;
        };
        let mut w = Writer::new(room);
        w.byte(NAME);
        w.str(name.as_bytes());
        true
    }

    /// Appends `key_values` if every value can be captured and they fit the storage;
    /// `false` (nothing kept: the caller renders instead) otherwise.
    #[inline]
    pub(crate) fn push_key_values(&mut self, key_values: &[KeyValue<'_>]) -> bool {
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
        let Some(room) = self.bytes.room(total) else {
            return false;
        };
        let mut w = Writer::new(room);
        for kv in key_values {
            w.byte(PAIR);
            w.str(kv.key().as_bytes());
            write_value(&mut w, &kv.value());
        }
        true
    }

    /// The names and the pairs, borrowing the captured copies.
    pub(crate) fn decode(&self) -> (SmallVec<[&str; 4]>, SmallVec<[KeyValue<'_>; 8]>) {
        let mut names = SmallVec::new();
        let mut pairs = SmallVec::new();
        let mut r = Reader(self.bytes.bytes());
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
        let mut capture = SinkCapture::default();
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
        let mut capture = SinkCapture::default();
        assert!(!capture.push_key_values(&[
            KeyValue::new("shard", &7),
            KeyValue::from_value("addr", Value::Display(&addr)),
        ]));
        assert!(capture.decode().1.is_empty());
        assert!(
            !capture.push_key_values(&[KeyValue::from_value("long", Value::Duration(i128::MAX))])
        );
        assert!(capture.is_empty());
    }

    #[test]
    fn a_fixed_room_takes_what_fits_and_leaves_the_rest_unchanged() {
        // 16 bytes.
        let mut room = Capture::<InlineBytes<2>>::new();
        assert!(room.is_empty());
        // A name: tag, 2-byte length, 7 bytes.
        assert!(room.push_name("control"));
        // 8 bytes (tag, key, value tag, value) and 7: neither fits the 6 left.
        assert!(!room.push_key_values(&[KeyValue::new("k", &"v")]));
        assert!(!room.push_name("pods"));
        // 5 bytes: fits, and the room is then full but for 1.
        assert!(room.push_key_values(&[KeyValue::new("k", &true)]));
        let before = room;
        assert!(!room.push_name(""));
        for capture in [before, room] {
            let (names, pairs) = capture.decode();
            assert_eq!(&names[..], ["control"]);
            let pairs: Vec<String> = pairs
                .iter()
                .map(|kv| format!("{}={:?}", kv.key(), kv.value()))
                .collect();
            assert_eq!(pairs, ["k=Bool(true)"]);
        }
    }
}
