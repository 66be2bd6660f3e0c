//! Where encoded records go: one `write_all` per record under a lock, with counters.
//!
//! Formatting happens before the lock is taken (into a per-thread buffer), so only the
//! write itself is serialised. Write errors are counted, never panicked on.

use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use parking_lot::Mutex;

/// A destination for encoded records: a writer and its counters behind one mutex. The
/// counters are plain integers updated under the lock the write takes anyway: separate
/// atomics would add two locked instructions per record and bounce between cores.
pub(crate) struct Output {
    inner: CacheAligned<Mutex<Inner>>,
}

/// Keeps the lock, which every record from every thread writes, on cache lines of its
/// own: read-mostly data that happened to share its line (a call site's rendering, say)
/// would otherwise bounce between cores with it.
#[repr(align(128))]
struct CacheAligned<T>(T);

struct Inner {
    writer: Box<dyn Write + Send>,
    stats: OutputStats,
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Output")
            .field("stats", &self.stats())
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
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OutputStats {
    lines: u64,
    bytes: u64,
    errors: u64,
}

impl OutputStats {
    /// Records written completely.
    #[must_use]
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Bytes written.
    #[must_use]
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Records whose write failed.
    #[must_use]
    pub fn errors(&self) -> u64 {
        self.errors
    }
}

impl Output {
    pub(crate) fn new(writer: Box<dyn Write + Send>) -> Output {
        Output {
            inner: CacheAligned(Mutex::new(Inner {
                writer,
                stats: OutputStats::default(),
            })),
        }
    }

    /// Writes one whole record.
    #[inline]
    pub(crate) fn write_record(&self, record: &[u8]) {
        let mut inner = self.inner.0.lock();
        match inner.writer.write_all(record) {
            Ok(()) => {
                inner.stats.lines += 1;
                inner.stats.bytes += record.len() as u64;
            }
            Err(_) => inner.stats.errors += 1,
        }
    }

    pub(crate) fn flush(&self) {
        let mut inner = self.inner.0.lock();
        if inner.writer.flush().is_err() {
            inner.stats.errors += 1;
        }
    }

    /// A snapshot of the counters.
    pub(crate) fn stats(&self) -> OutputStats {
        self.inner.0.lock().stats
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
