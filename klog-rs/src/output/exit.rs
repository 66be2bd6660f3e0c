//! Flushing at process exit: the one place klog-rs calls C (`atexit`), on Unix.
//!
//! Rust runs no destructors at `std::process::exit`, nor for statics when `main` returns,
//! and std's own exit-time flush of `stdout` is an internal hook with no public
//! counterpart. Without one, records still buffered when the process ends are lost: the
//! 256 KiB buffer of a log file, the `infoBufferSize` of split-stream stdout, a builder's
//! `buffered(bytes)`. Two safe mechanisms cover part of it: the guard `init` returns
//! flushes when dropped and turns its outputs write-through from then on (nothing can be
//! left buffered once no guard is alive), and the flush thread writes buffers out every
//! `flushFrequency`. Neither helps a process that calls `std::process::exit` while the
//! guard is alive (in `main`'s frame, which `exit` never unwinds), or a buffered sink
//! built without `init` and never dropped.
//!
//! C's `atexit` does: the C library runs its handlers in `exit`, which both
//! `std::process::exit` (from any thread) and the return from `main` end in. The first
//! destination that can hold unwritten bytes registers [`at_exit`] once; it flushes every
//! live destination (waiting for a destination another thread is writing to, up to a
//! bound). Nothing runs at an abort, at a signal that kills the process, or at `_exit`.
//!
//! Why the `unsafe` is sound: `atexit` takes a plain `extern "C" fn()` with no arguments
//! and no data, which the C library calls at most once, on the exiting thread, after the
//! Rust runtime's own exit-time cleanup (stdout is flushed and unbuffered by then, and
//! stays usable). The handler never unwinds into C (every panic is caught; an unwind out
//! of an `extern "C"` function would abort the process anyway), touches only `'static`
//! data (the destination registry and what it holds alive), and every lock it takes is
//! taken with a deadline, so an exit cannot hang on a writer that never returns. The
//! only failure of `atexit` is a full handler table; it is reported on stderr, and the
//! other guarantees still hold.
//!
//! Outside Unix there is no hook: dropping the guard (or returning from `main` with it)
//! still flushes, `std::process::exit` with the guard alive loses what is buffered.

#![allow(unsafe_code)]

/// Registers [`at_exit`] with the C library, once per process.
#[cfg(unix)]
pub(crate) fn install() {
    use std::io::Write;
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    REGISTERED.call_once(|| {
        // SAFETY: `at_exit` is a safe `extern "C" fn()` that never unwinds (see above);
        // `atexit` only stores the pointer.
        let status = unsafe { libc::atexit(at_exit) };
        if status != 0 {
            let _ = writeln!(
                std::io::stderr(),
                "klog: cannot register the exit-time flush (atexit failed): std::process::exit may lose buffered records"
            );
        }
    });
}

/// No exit hook outside Unix (see the module documentation).
#[cfg(not(unix))]
pub(crate) fn install() {}

/// Run by the C library in `exit`: writes out every buffered record.
#[cfg(unix)]
extern "C" fn at_exit() {
    let _ = std::panic::catch_unwind(super::flush_all_at_exit);
}
