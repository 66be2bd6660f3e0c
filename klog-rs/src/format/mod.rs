//! The encoders: klog text ([`text`]) and their building blocks (Go quoting, JSON
//! spellings of floats, durations and times, the header).

pub(crate) mod compact;
pub(crate) mod header;
pub(crate) mod json;
pub(crate) mod nested;
pub(crate) mod text;

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
