//! Full buffers written outside the destination's lock.
//!
//! A log file's buffer holds 256 KiB; writing it out takes a system call long enough for
//! another thread to format and buffer hundreds of records. So the thread that fills a
//! buffer swaps it for an empty one under the destination's lock, takes the files' I/O
//! lock *before* letting the destination's lock go, and writes the full buffer holding
//! only the I/O lock. Records go on into the new buffer meanwhile; every write to a file
//! takes the I/O lock, so buffers reach a file whole and in the order they were filled.
//!
//! Locks are always taken in that order (the destination's, then I/O), and the I/O lock's
//! holder takes the destination's lock only after letting the I/O lock go: no cycle.
//! What a failed write leaves is kept under the I/O lock ([`IoState::carry`]) and put back
//! in front of the file's buffer by the next thread that holds both locks.

use std::fs::File;
use std::mem;
use std::sync::Arc;

use parking_lot::{Mutex, RawMutex};

use super::LogFile;
use crate::output::backlog::{Backlog, Outcome, Stall};

/// What only the I/O lock's holder touches.
#[derive(Debug, Default)]
pub(crate) struct IoState {
    /// Per file slot: what a write outside the destination's lock could not write.
    carry: [Backlog; 4],
    /// Emptied buffers, to be filled again without allocating.
    spare: Vec<Backlog>,
}

type IoGuard = parking_lot::lock_api::ArcMutexGuard<RawMutex, IoState>;

/// The I/O lock for one call: taken when first needed, and held until the call ends or
/// handed, with the buffers filled in this call, to a [`Handoff`].
pub(super) struct Io<'a> {
    lock: &'a Arc<Mutex<IoState>>,
    guard: Option<IoGuard>,
    /// Per file slot: a full buffer to write once the destination's lock is let go.
    pending: [Option<(Arc<File>, Backlog)>; 4],
}

impl<'a> Io<'a> {
    pub(super) fn new(lock: &'a Arc<Mutex<IoState>>) -> Io<'a> {
        Io {
            lock,
            guard: None,
            pending: Default::default(),
        }
    }

    fn state(&mut self) -> &mut IoState {
        self.guard.get_or_insert_with(|| self.lock.lock_arc())
    }

    /// Takes the I/O lock and puts what a failed write left for slot `index`, and a buffer
    /// handed off in this call, back in front of the file's buffer: whoever writes to the
    /// file next writes them first.
    pub(super) fn reclaim(&mut self, slot: &mut Option<LogFile>, index: usize) {
        let pending = self.pending[index].take();
        let state = self.state();
        let carry = &mut state.carry[index];
        if let Some((_, buffer)) = pending {
            carry.append(buffer);
        }
        if let Some(f) = slot.as_mut() {
            if !carry.is_empty() {
                let mut front = mem::take(carry);
                front.append(mem::take(&mut f.backlog));
                f.backlog = front;
            }
        }
    }

    /// Records waiting for slot `index` after a failed write.
    pub(super) fn carried(&mut self, index: usize) -> u64 {
        self.state().carry[index].records()
    }

    /// Gives up on what failed writes left; returns the records dropped.
    pub(super) fn drop_carried(&mut self) -> u64 {
        self.state().carry.iter_mut().map(Backlog::drop_all).sum()
    }

    /// An empty buffer (a used one when there is one).
    pub(super) fn spare(&mut self) -> Backlog {
        self.state().spare.pop().unwrap_or_default()
    }

    /// Hands slot `index`'s full `buffer` of `file` over, to be written once the
    /// destination's lock is let go.
    pub(super) fn hand_off(&mut self, index: usize, file: &Arc<File>, buffer: Backlog) {
        match &mut self.pending[index] {
            Some((_, earlier)) => earlier.append(buffer),
            free => *free = Some((Arc::clone(file), buffer)),
        }
    }

    /// The buffers handed off in this call, with the I/O lock, or `None` when there are
    /// none (the lock is then let go).
    pub(super) fn into_handoff(mut self) -> Option<Handoff> {
        if self.pending.iter().all(Option::is_none) {
            return None;
        }
        let guard = match self.guard.take() {
            Some(guard) => guard,
            None => self.lock.lock_arc(),
        };
        Some(Handoff {
            guard,
            buffers: mem::take(&mut self.pending),
        })
    }
}

/// Full buffers to write, with the I/O lock that was taken while the destination's lock
/// was held.
pub(crate) struct Handoff {
    guard: IoGuard,
    buffers: [Option<(Arc<File>, Backlog)>; 4],
}

impl std::fmt::Debug for Handoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handoff").finish_non_exhaustive()
    }
}

impl Handoff {
    /// Writes the buffers (the destination's lock no longer held); what a file does not
    /// take is kept for the next thread that holds both locks.
    pub(crate) fn write(mut self, stall: &mut Stall) -> Outcome {
        let mut outcome = Outcome::default();
        for (index, pending) in self.buffers.iter_mut().enumerate() {
            let Some((file, mut buffer)) = pending.take() else {
                continue;
            };
            let mut writer: &File = &file;
            outcome.attempt(buffer.write_to(&mut writer, stall));
            if buffer.is_empty() {
                self.guard.spare.push(buffer);
            } else {
                self.guard.carry[index].append(buffer);
            }
        }
        outcome
    }
}
