//! The bridges' one loop guard: per-thread flags, set while a record crosses a bridge
//! (and while a bridge computes a filter decision), so that two bridges pointing at each
//! other cannot feed each other's records round until the stack overflows.

use std::cell::Cell;

/// A direction records cross a bridge in.
///
/// ```
/// use klog::bridge::{enter, Direction};
/// let outer = enter(Direction::OutOfKlog).expect("first crossing");
/// assert!(enter(Direction::OutOfKlog).is_none()); // it went round: drop it
/// assert!(enter(Direction::IntoKlog).is_some()); // the other direction is free
/// drop(outer);
/// assert!(enter(Direction::OutOfKlog).is_some());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From klog into another framework (a klog `Sink` forwarding elsewhere).
    OutOfKlog = 1,
    /// From another framework into klog (a layer, drain or backend writing klog).
    IntoKlog = 2,
}

/// The framework a record came into klog from, for a sink whose output would otherwise
/// reach that framework's other consumers a second time (the tracing bridge's sink under a
/// subscriber whose layer writes klog). See [`enter_from`] and [`came_from`].
///
/// ```
/// use klog::bridge::{came_from, enter_from, Origin};
/// let _forwarding = enter_from(Origin::Tracing);
/// assert!(came_from(Origin::Tracing));
/// assert!(!came_from(Origin::Slog));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// `tracing` (a layer writing klog).
    Tracing = 8,
    /// `slog` (a drain writing klog).
    Slog = 16,
    /// `log` (a backend writing klog).
    Log = 32,
}

/// Not a direction: set while a bridge asks a klog logger for its host framework's filter
/// decision.
const FILTERING: u8 = 4;

thread_local! {
    static FLAGS: Cell<u8> = const { Cell::new(0) };
}

/// Holds a direction's flag while a record is being forwarded; clears it when dropped
/// (also when unwinding). See [`enter`].
#[derive(Debug)]
#[must_use = "the flag is cleared when this is dropped"]
pub struct Forwarding(u8);

impl Drop for Forwarding {
    fn drop(&mut self) {
        let bits = self.0;
        let _ = FLAGS.try_with(|f| f.set(f.get() & !bits));
    }
}

/// The bridges' loop guard: sets the flag of `direction` on this thread, or returns
/// `None` when it is already set (the record went round through bridges and must be
/// dropped). A record may thus cross out of klog once and into klog once per thread
/// stack, whichever bridges it takes. During thread teardown nothing is forwarded.
#[inline]
#[must_use]
pub fn enter(direction: Direction) -> Option<Forwarding> {
    set_unless(direction as u8, direction as u8)
}

/// Marks a record as coming into klog from `origin` (and crossing into klog), which
/// [`came_from`] then reports until the returned flag is dropped. Unlike [`enter`] it
/// never refuses: a layer that writes klog does so whatever bridge the record crossed
/// before, and the mark is what keeps a sink from sending the record back to `origin`.
/// Dropping the flag clears only what this call set.
///
/// ```
/// use klog::bridge::{came_from, enter, enter_from, Direction, Origin};
/// let from_slog = enter(Direction::IntoKlog);
/// let from_tracing = enter_from(Origin::Tracing);
/// assert!(came_from(Origin::Tracing));
/// drop(from_tracing);
/// assert!(!came_from(Origin::Tracing));
/// assert!(klog::bridge::active(Direction::IntoKlog)); // still crossing from slog
/// # drop(from_slog);
/// ```
#[inline]
pub fn enter_from(origin: Origin) -> Forwarding {
    let wanted = Direction::IntoKlog as u8 | origin as u8;
    let set = FLAGS
        .try_with(|f| {
            let flags = f.get();
            f.set(flags | wanted);
            wanted & !flags
        })
        .unwrap_or(0);
    Forwarding(set)
}

/// Whether the record being forwarded on this thread came into klog from `origin`
/// (during thread teardown: always).
#[inline]
#[must_use]
pub fn came_from(origin: Origin) -> bool {
    FLAGS
        .try_with(|f| f.get() & origin as u8 != 0)
        .unwrap_or(true)
}

/// Sets `bits` unless `guard` is already set; the flag clears `bits` when dropped.
#[inline]
fn set_unless(guard: u8, bits: u8) -> Option<Forwarding> {
    FLAGS
        .try_with(|f| {
            let flags = f.get();
            (flags & guard == 0).then(|| {
                f.set(flags | bits);
                Forwarding(bits)
            })
        })
        .ok()
        .flatten()
}

/// Whether a record is being forwarded in `direction` on this thread (during thread
/// teardown: always).
///
/// ```
/// assert!(!klog::bridge::active(klog::bridge::Direction::IntoKlog));
/// ```
#[inline]
#[must_use]
pub fn active(direction: Direction) -> bool {
    FLAGS
        .try_with(|f| f.get() & direction as u8 != 0)
        .unwrap_or(true)
}

/// Whether this thread is inside [`while_filtering`]: a bridge is asking a klog logger
/// for its framework's filter decision. A sink that forwards into that framework then
/// says it enables everything (the framework filters those records itself; answering
/// from the framework's own filter would feed the filter its own output).
///
/// ```
/// assert!(!klog::bridge::filtering());
/// assert!(klog::bridge::while_filtering(klog::bridge::filtering));
/// ```
#[inline]
#[must_use]
pub fn filtering() -> bool {
    FLAGS
        .try_with(|f| f.get() & FILTERING != 0)
        .unwrap_or(false)
}

/// Runs `f` with the [`filtering`] flag set, then restores it (also when unwinding).
pub fn while_filtering<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let was = self.0;
            let _ = FLAGS.try_with(|f| {
                let flags = f.get() & !FILTERING;
                f.set(if was { flags | FILTERING } else { flags });
            });
        }
    }
    let was = FLAGS
        .try_with(|f| {
            let flags = f.get();
            f.set(flags | FILTERING);
            flags & FILTERING != 0
        })
        .unwrap_or(false);
    let _restore = Restore(was);
    f()
}
