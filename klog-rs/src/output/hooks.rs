//! Flushes of other crates' outputs, run where klog flushes its own: [`flush`](crate::flush)
//! (and so `fatal!` and [`flush_and_exit`](crate::flush_and_exit)) and the exit hook. A
//! sink whose records wait somewhere klog cannot see (an OpenTelemetry batch processor's
//! queue) registers one through `klog::bridge::on_flush`, so that the core crate needs to
//! know nothing about it.

use std::sync::{Arc, Weak};
use std::time::Instant;

use parking_lot::Mutex;

/// A flush callback, shared with the registration that keeps it alive.
pub(crate) type FlushHook = Arc<dyn Fn() + Send + Sync>;

/// The live callbacks: weak, so that dropping a registration is all it takes to remove one.
static HOOKS: Mutex<Vec<Weak<dyn Fn() + Send + Sync>>> = Mutex::new(Vec::new());

/// Adds `hook` (while it lives) and installs the exit hook, which runs it at exit.
pub(crate) fn register(hook: &FlushHook) {
    let mut hooks = HOOKS.lock();
    // Registrations come and go with sinks: drop the dead ones so the list stays short.
    hooks.retain(|h| h.strong_count() > 0);
    hooks.push(Arc::downgrade(hook));
    drop(hooks);
    super::exit::install();
}

/// Runs every live callback, outside the registry's lock (a callback may log, or register).
pub(crate) fn run_all() {
    let live: Vec<FlushHook> = HOOKS.lock().iter().filter_map(Weak::upgrade).collect();
    for hook in live {
        hook();
    }
}

/// [`run_all`] for the exit hook: the registry's lock is waited for until `deadline` only;
/// each callback bounds its own wait (the OpenTelemetry SDK's flush times out).
#[cfg_attr(not(unix), allow(dead_code))]
pub(crate) fn run_all_until(deadline: Instant) {
    let Some(hooks) = HOOKS.try_lock_until(deadline) else {
        return;
    };
    let live: Vec<FlushHook> = hooks.iter().filter_map(Weak::upgrade).collect();
    drop(hooks);
    for hook in live {
        hook();
    }
}
