//! Go's spellings, and nothing else: the leaf layer every other module builds on.
//!
//! Each file ports one piece of Go's standard library (or zap) that klog's output depends on,
//! so that the encoders, outputs, parsers and configuration spell values exactly as a Go
//! component does. This module imports nothing from the rest of the crate.
//!
//! - `escape`: `strconv.Quote` quoting and unquoting, `encoding/json` and zap string escaping.
//! - `float`: `strconv.FormatFloat` and `encoding/json` float spelling (on `ryu`).
//! - `scan`: byte scans 16 bytes at a time (the bytes `escape` must escape, UTF-8), shared
//!   with the log readers.
//! - `time`: `time.Duration` and `time.Time` text, civil dates from Unix time.
//! - `unicode`: `unicode.IsPrint`.
//! - `zone`: `time.Local` (the local zone, resolved as Go does) and UTC: [`TimeZone`](zone::TimeZone).
//! - `json` (feature `serde`): `encoding/json` for serde values.

pub(crate) mod escape;
pub(crate) mod float;
#[cfg(feature = "serde")]
pub(crate) mod json;
pub(crate) mod scan;
pub(crate) mod time;
pub(crate) mod unicode;
pub(crate) mod zone;
