//! The standard streams as klog writes them: straight to file descriptors 1 and 2 (as Go
//! writes `os.Stderr`), and waiting for a descriptor that would block.
//!
//! std's `Stdout` keeps a line buffer of its own in front of the descriptor: a record it
//! accepted may fail later, out of our sight, and a write it cut part-way cannot be told
//! from one that succeeded. Writing the descriptor directly shows every partial write and
//! every `EAGAIN` (a non-blocking pipe), so nothing is dropped or torn unnoticed.
//!
//! Why the `unsafe` is sound: `write` is given a pointer and length of a live slice, which
//! it only reads; `poll` is given one `pollfd` on the stack for its duration. The
//! descriptors are 1 and 2, which the process has (or not: then the calls fail with
//! `EBADF`, which is returned as an error).

#![allow(unsafe_code)]

use std::io::{self, Write};
use std::time::Duration;

/// A standard stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StdStream {
    Stdout,
    Stderr,
}

impl StdStream {
    /// Its name in reports and statistics.
    pub(crate) fn name(self) -> &'static str {
        match self {
            StdStream::Stdout => "stdout",
            StdStream::Stderr => "stderr",
        }
    }

    /// The descriptor to wait on when a write would block.
    pub(crate) fn fd(self) -> Option<i32> {
        if cfg!(unix) {
            Some(match self {
                StdStream::Stdout => 1,
                StdStream::Stderr => 2,
            })
        } else {
            None
        }
    }

    /// A writer for the stream, without any buffer of its own.
    pub(crate) fn writer(self) -> Box<dyn Write + Send> {
        #[cfg(unix)]
        {
            Box::new(FdWriter(self.fd().unwrap_or(2)))
        }
        #[cfg(not(unix))]
        {
            match self {
                StdStream::Stdout => Box::new(io::stdout()),
                StdStream::Stderr => Box::new(io::stderr()),
            }
        }
    }
}

/// Writes to a file descriptor the process owns for its whole life (1 or 2).
#[cfg(unix)]
#[derive(Debug)]
struct FdWriter(i32);

#[cfg(unix)]
impl Write for FdWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A write larger than `isize::MAX` is not allowed; Linux takes at most ~2 GiB.
        let len = buf.len().min(isize::MAX as usize);
        // SAFETY: `buf` is a live slice of at least `len` bytes, only read by `write`.
        let n = unsafe { libc::write(self.0, buf.as_ptr().cast(), len) };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n.unsigned_abs())
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Waits until `fd` can be written to, at most `timeout`; `false` when it cannot be waited
/// on (then the caller sleeps instead).
#[cfg(unix)]
pub(crate) fn wait_writable(fd: i32, timeout: Duration) -> bool {
    let mut pollfd = libc::pollfd {
        fd,
        events: libc::POLLOUT,
        revents: 0,
    };
    let millis = i32::try_from(timeout.as_millis().max(1)).unwrap_or(i32::MAX);
    // SAFETY: one valid `pollfd` on the stack, for the duration of the call.
    let status = unsafe { libc::poll(&mut pollfd, 1, millis) };
    status >= 0
}

#[cfg(not(unix))]
pub(crate) fn wait_writable(_fd: i32, _timeout: Duration) -> bool {
    false
}
