//! The encoders: klog text ([`text`]) and their building blocks (Go quoting, JSON
//! spellings of floats, durations and times, the header).

pub(crate) mod escape;
pub(crate) mod float;
#[cfg(feature = "serde")]
pub(crate) mod gojson;
pub(crate) mod gotime;
pub(crate) mod header;
pub(crate) mod nested;
pub(crate) mod text;
pub(crate) mod unicode;
