//! The process-wide logger used by the macros without an explicit logger.

use std::sync::LazyLock;

use crate::format_sink::TextSink;
use crate::logger::Logger;

static BACKGROUND: LazyLock<Logger> = LazyLock::new(|| TextSink::builder().build_logger());

/// The process-wide logger: klog text on stderr, following the global `-v`.
///
/// ```
/// let logger = klog::background();
/// klog::info!(logger, "Starting");
/// ```
#[must_use]
pub fn background() -> Logger {
    BACKGROUND.clone()
}

/// A reference to the process-wide logger, without a reference-count increment.
#[inline]
pub(crate) fn background_ref() -> &'static Logger {
    &BACKGROUND
}
