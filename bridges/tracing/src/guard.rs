//! The re-entrancy guard that keeps the two directions from feeding each other.
//!
//! A thread-local flag is set while the layer writes a record into its klog logger and
//! while a [`TracingSink`](crate::TracingSink) dispatches a tracing event. A
//! `TracingSink` that is asked to log while the flag is set drops the record: it would
//! turn a record that came from tracing (or is on its way there) into another tracing
//! event, and around again. The layer itself never drops: a library logging through a
//! `TracingSink` into a subscriber whose [`KlogLayer`](crate::KlogLayer) writes to a
//! klog `TextSink` is the intended path, and it goes through exactly once.

use std::cell::Cell;

thread_local! {
    static BRIDGING: Cell<bool> = const { Cell::new(false) };
    static FILTERING: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread is computing a [`KlogLayer`](crate::KlogLayer)'s (or
/// [`KlogFilter`](crate::KlogFilter)'s) filter decision. A `TracingSink` asked then says
/// it enables everything: its records are filtered by the tracing subscriber itself, and
/// answering from tracing's own maximum level would feed the filter its own output.
pub(crate) fn filtering() -> bool {
    FILTERING.try_with(Cell::get).unwrap_or(false)
}

/// Runs `f` with the filtering flag set.
pub(crate) fn while_filtering<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            let previous = self.0;
            let _ = FILTERING.try_with(|b| b.set(previous));
        }
    }
    let _reset = Reset(FILTERING.try_with(|b| b.replace(true)).unwrap_or(false));
    f()
}

/// Whether this thread is inside a bridge write.
pub(crate) fn active() -> bool {
    BRIDGING.try_with(Cell::get).unwrap_or(true)
}

/// Sets the flag until dropped, restoring the previous state.
#[derive(Debug)]
pub(crate) struct Bridging {
    previous: bool,
}

impl Bridging {
    pub(crate) fn enter() -> Bridging {
        let previous = BRIDGING.try_with(|b| b.replace(true)).unwrap_or(true);
        Bridging { previous }
    }
}

impl Drop for Bridging {
    fn drop(&mut self) {
        let previous = self.previous;
        let _ = BRIDGING.try_with(|b| b.set(previous));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nests_and_restores() {
        assert!(!active());
        {
            let _outer = Bridging::enter();
            assert!(active());
            {
                let _inner = Bridging::enter();
                assert!(active());
            }
            assert!(active());
        }
        assert!(!active());
    }
}
