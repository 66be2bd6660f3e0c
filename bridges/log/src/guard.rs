//! The re-entrancy guard: thread-local flags, one per direction, set while a record
//! crosses the bridge.
//!
//! A record may cross each direction once per thread stack: klog → [`LogSink`] → log →
//! [`KlogLog`] → klog is fine, but a record that arrives at a [`LogSink`] while this
//! thread is already forwarding a record to log (or at a [`KlogLog`] while it is
//! already forwarding one to klog) is dropped. With both directions in use at once (a
//! klog logger writing through a [`LogSink`] to the log facade whose backend is a
//! [`KlogLog`] writing back to that klog logger), a record then goes round once and
//! stops instead of looping forever.
//!
//! [`LogSink`]: crate::LogSink
//! [`KlogLog`]: crate::KlogLog

use std::cell::Cell;

/// A direction of the bridge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    /// klog → log ([`LogSink`](crate::LogSink)).
    ToLog = 1,
    /// log → klog ([`KlogLog`](crate::KlogLog)).
    ToKlog = 2,
}

thread_local! {
    static FORWARDING: Cell<u8> = const { Cell::new(0) };
}

/// Holds a direction's flag while a record is being forwarded; clears it when dropped
/// (also when unwinding).
#[derive(Debug)]
pub(crate) struct Forwarding(Direction);

impl Drop for Forwarding {
    fn drop(&mut self) {
        let bit = self.0 as u8;
        let _ = FORWARDING.try_with(|f| f.set(f.get() & !bit));
    }
}

/// Sets the flag of `direction`, or returns `None` when it is already set on this thread
/// (the record went round and must be dropped). During thread teardown, when the flags
/// are gone, nothing is forwarded either.
#[inline]
pub(crate) fn enter(direction: Direction) -> Option<Forwarding> {
    let bit = direction as u8;
    FORWARDING
        .try_with(|f| {
            let flags = f.get();
            (flags & bit == 0).then(|| {
                f.set(flags | bit);
                Forwarding(direction)
            })
        })
        .ok()
        .flatten()
}

/// Whether a record is being forwarded in `direction` on this thread.
#[inline]
pub(crate) fn active(direction: Direction) -> bool {
    FORWARDING
        .try_with(|f| f.get() & direction as u8 != 0)
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_direction_is_entered_once() {
        assert!(!active(Direction::ToLog));
        let to_log = enter(Direction::ToLog).expect("first entry");
        assert!(active(Direction::ToLog));
        assert!(enter(Direction::ToLog).is_none());
        let to_klog = enter(Direction::ToKlog).expect("the other direction");
        assert!(enter(Direction::ToKlog).is_none());
        drop(to_klog);
        assert!(!active(Direction::ToKlog));
        assert!(active(Direction::ToLog));
        drop(to_log);
        assert!(!active(Direction::ToLog));
        assert!(enter(Direction::ToLog).is_some());
    }
}
