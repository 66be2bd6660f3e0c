//! Where encoded records go: one `write_all` per record under a lock, with counters.
//!
//! Formatting happens before the lock is taken (into a per-thread buffer), so only the
//! write itself is serialised. Write errors are counted, never panicked on.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

/// A destination for encoded records: a writer behind a mutex, plus line, byte and error
/// counters.
pub(crate) struct Output {
    writer: Mutex<Box<dyn Write + Send>>,
    stats: OutputStats,
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Output")
            .field("stats", &self.stats)
            .finish()
    }
}

/// Counters of one output: records written, bytes written and failed writes.
///
/// ```
/// let out = klog::SharedBuffer::default();
/// let sink = klog::TextSink::builder().writer(out.clone()).build();
/// let logger = klog::Logger::new(std::sync::Arc::new(sink.clone()));
/// klog::info!(logger, "hello");
/// assert_eq!(sink.stats().lines(), 1);
/// assert_eq!(sink.stats().errors(), 0);
/// ```
#[derive(Debug, Default)]
pub struct OutputStats {
    lines: AtomicU64,
    bytes: AtomicU64,
    errors: AtomicU64,
}

impl OutputStats {
    /// Records written completely.
    #[must_use]
    pub fn lines(&self) -> u64 {
        self.lines.load(Ordering::Relaxed)
    }

    /// Bytes written.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Records whose write failed.
    #[must_use]
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }
}

impl Output {
    pub(crate) fn new(writer: Box<dyn Write + Send>) -> Output {
        Output {
            writer: Mutex::new(writer),
            stats: OutputStats::default(),
        }
    }

    /// Writes one whole record.
    #[inline]
    pub(crate) fn write_record(&self, record: &[u8]) {
        let result = self.writer.lock().write_all(record);
        match result {
            Ok(()) => {
                self.stats.lines.fetch_add(1, Ordering::Relaxed);
                self.stats
                    .bytes
                    .fetch_add(record.len() as u64, Ordering::Relaxed);
            }
            Err(_) => {
                self.stats.errors.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    pub(crate) fn flush(&self) {
        if self.writer.lock().flush().is_err() {
            self.stats.errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn stats(&self) -> &OutputStats {
        &self.stats
    }
}

/// An in-memory, cloneable writer: every clone appends to the same buffer. Handy for
/// tests and examples that look at what was logged.
///
/// ```
/// use std::io::Write;
/// let buffer = klog::SharedBuffer::default();
/// let mut writer = buffer.clone();
/// writer.write_all(b"line\n").unwrap();
/// assert_eq!(buffer.to_string(), "line\n");
/// assert_eq!(buffer.take(), b"line\n");
/// assert!(buffer.contents().is_empty());
/// ```
#[derive(Clone, Debug, Default)]
pub struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    /// A copy of everything written so far.
    #[must_use]
    pub fn contents(&self) -> Vec<u8> {
        self.0.lock().clone()
    }

    /// Everything written so far, leaving the buffer empty.
    #[must_use]
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock())
    }
}

impl fmt::Display for SharedBuffer {
    /// The contents, invalid UTF-8 replaced.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0.lock()))
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
