//! `flush_on_signals`: buffered records written out when the process is asked to stop
//! (SIGTERM from the kubelet at pod termination, SIGINT at Ctrl-C), then the signal's
//! default action (the process ends, killed by that signal, as it would have been).
//!
//! The signals are received on a thread of their own (signal-hook's iterator), not in a
//! signal handler: writing out buffers takes locks and system calls that a handler may
//! not use. The default action is then re-created with signal-hook's
//! `emulate_default_handler`, so the exit status (killed by SIGTERM) stays what the
//! supervisor expects.

use std::io;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// Writes out every buffered record when the process receives SIGTERM or SIGINT, then
/// lets the signal end the process as it would have without klog (requires the `signals`
/// feature; Unix only).
///
/// Without it, a process ended by SIGTERM loses what is still buffered (at most one
/// `flushFrequency`, or one buffer), as Go klog does. Call it once, early in `main`,
/// after [`init`](crate::init). A program that handles these signals itself (for a
/// graceful shutdown, e.g. with `tokio::signal`) should not call it: call
/// [`klog::flush`](crate::flush) at the end of its own shutdown instead.
///
/// ```no_run
/// let config = klog::LoggingConfiguration::default();
/// let _logging = klog::init(&config).expect("logging");
/// klog::flush_on_signals().expect("signal handling");
/// klog::info!("Serving");
/// ```
///
/// # Errors
/// When the signal handlers or their thread cannot be set up.
pub fn flush_on_signals() -> io::Result<()> {
    let mut signals = Signals::new([SIGTERM, SIGINT])?;
    std::thread::Builder::new()
        .name("klog-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                super::flush_all_at_exit();
                // Restores the default action and raises the signal again.
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                // A default action that does not end the process (it never is, for
                // these two): end it as that signal would.
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}
