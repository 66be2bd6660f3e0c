//! The two encoders, record → bytes: klog text (`text.rs`) and component-base JSON
//! (`json.rs`), plus the one value-to-text kit both use and the rest of the crate may use.
//!
//! Everything else in here (the header cache, nested JSON values, pair bookkeeping) is
//! private to the encoders: outside `format/`, code imports only the items re-exported
//! below. Go's spellings (quoting, floats, times) live in `go/`, not here.

mod header;
mod json;
mod nested;
mod text;

// === The encoders and their inputs.
pub(crate) use header::{HeaderCaller, PidField};
pub(crate) use json::{encode as encode_json, JsonCaller, JsonContext};
pub(crate) use text::{encode as encode_text, HeaderStyle, RenderedPairs, TextContext};

// === The value-to-text kit: how one value reads in a text line.
pub(crate) use text::{render, write_value, Rendered, FMT_ERROR_MARKER};

/// Reused per-thread state of the encoders.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// The encoded line.
    pub(crate) line: Vec<u8>,
    /// Rendered `Display`/`Debug`/error text, escaped into `line` afterwards.
    pub(crate) text: Vec<u8>,
    /// The text encoder's pairs so far, for klog's duplicate-key rule.
    pub(crate) pairs: Vec<text::PairPos>,
    /// Where each pair ends, while a derived logger's pairs are rendered.
    pub(crate) bounds: Vec<(usize, usize)>,
    /// The text header's cached date and time.
    pub(crate) header: header::HeaderCache,
}
