//! Full buffers written outside the destination's lock.
//!
//! A log file's buffer holds 256 KiB; writing it out takes a system call long enough for
//! another thread to format and buffer hundreds of records. So the thread that fills a
//! buffer swaps it for an empty one and queues the full one under the destination's lock,
//! lets that lock go, and only then takes the files' I/O lock and writes every queued
//! buffer, oldest first. Records go on into the new buffer meanwhile, and a thread that
//! fills the next buffer while the previous one is still being written queues it and
//! waits for the I/O lock without holding the destination's lock: no other thread waits
//! behind it. (The first version took the I/O lock before letting the destination's lock
//! go; whenever a buffer filled up while the previous one was being written, every thread
//! waited for that write, and two threads ran at half the speed of one.)
//!
//! Every write to a file holds the I/O lock, and buffers are taken from the queue in the
//! order they were filled, so buffers reach a file whole and in order. The queue has a
//! lock of its own, a leaf: held only to add or take a buffer, never while waiting for
//! another lock. Other locks are taken in one order (the destination's, then I/O), and
//! the I/O lock's holder takes the destination's lock only after letting the I/O lock go:
//! no cycle. What a failed write leaves is kept under the I/O lock
//! ([`IoState::carry`]) and written before anything newer for that file: by the next
//! handoff, or put back in front of the file's buffer by the next thread that writes
//! under both locks (flush, rotation, write-through).

use std::collections::VecDeque;
use std::fs::File;
use std::mem;
use std::sync::Arc;

use parking_lot::{Mutex, MutexGuard};

use super::LogFile;
use crate::output::backlog::{Backlog, Outcome, Stall};

/// Full buffers that may wait to be written before a thread filling the next one waits
/// for the writes: one being written and one more (the buffer memory stays bounded at a
/// few buffers per file).
const MAX_QUEUED: usize = 2;

/// The files' I/O lock and the queue of full buffers.
#[derive(Debug, Default)]
pub(crate) struct IoShared {
    /// The I/O lock: every write to a file holds it.
    io: Mutex<IoState>,
    /// The leaf lock: full buffers waiting to be written, and emptied ones.
    queue: Mutex<Queue>,
}

#[cfg(test)]
impl IoShared {
    /// The I/O lock, as a thread writing a buffer holds it.
    pub(super) fn hold(&self) -> MutexGuard<'_, IoState> {
        self.io.lock()
    }

    /// Full buffers queued.
    pub(super) fn queued(&self) -> usize {
        self.queue.lock().pending.len()
    }
}

/// What only the I/O lock's holder touches.
#[derive(Debug, Default)]
pub(crate) struct IoState {
    /// Per file slot: what a write outside the destination's lock could not write; older
    /// than anything queued for that slot.
    carry: [Backlog; 4],
}

/// Full buffers and spare ones.
#[derive(Debug, Default)]
struct Queue {
    /// Full buffers handed off (slot, file, buffer), in the order they were filled.
    pending: VecDeque<(usize, Arc<File>, Backlog)>,
    /// Emptied buffers, to be filled again without allocating.
    spare: Vec<Backlog>,
}

/// The I/O lock for one call under the destination's lock: taken when first needed (only
/// by the rarer paths that write under the destination's lock) and held until the call
/// ends; and whether the call queued a full buffer ([`into_handoff`](Io::into_handoff)).
pub(super) struct Io<'a> {
    shared: &'a Arc<IoShared>,
    guard: Option<MutexGuard<'a, IoState>>,
    /// A buffer was queued in this call.
    handed: bool,
}

impl<'a> Io<'a> {
    pub(super) fn new(shared: &'a Arc<IoShared>) -> Io<'a> {
        Io {
            shared,
            guard: None,
            handed: false,
        }
    }

    fn state(&mut self) -> &mut IoState {
        self.guard.get_or_insert_with(|| self.shared.io.lock())
    }

    /// Takes the I/O lock and puts what a failed write left for slot `index`, then the
    /// buffers queued for it, back in front of the file's buffer: whoever writes to the
    /// file next writes them first, in order.
    pub(super) fn reclaim(&mut self, slot: &mut Option<LogFile>, index: usize) {
        let shared = self.shared;
        let carry = &mut self.state().carry[index];
        {
            let mut queue = shared.queue.lock();
            let mut kept = VecDeque::new();
            for (slot_index, file, buffer) in queue.pending.drain(..) {
                if slot_index == index {
                    carry.append(buffer);
                } else {
                    kept.push_back((slot_index, file, buffer));
                }
            }
            queue.pending = kept;
        }
        if let Some(f) = slot.as_mut() {
            if !carry.is_empty() {
                let mut front = mem::take(carry);
                front.append(mem::take(&mut f.backlog));
                f.backlog = front;
            }
        }
    }

    /// [`reclaim`](Io::reclaim) before a full buffer is queued, unless another thread is
    /// writing (the I/O lock is held) and fewer than [`MAX_QUEUED`] buffers wait: then the
    /// writer that takes the queue writes what failed writes left first. With more
    /// waiting, this waits for the I/O lock (holding the destination's), so a file that
    /// takes long to write holds the loggers back instead of buffers piling up.
    pub(super) fn reclaim_unless_busy(&mut self, slot: &mut Option<LogFile>, index: usize) {
        if self.guard.is_none() {
            match self.shared.io.try_lock() {
                Some(guard) => self.guard = Some(guard),
                None if self.shared.queue.lock().pending.len() < MAX_QUEUED => return,
                None => {}
            }
        }
        self.reclaim(slot, index);
    }

    /// Records waiting for slot `index` outside its buffer: after a failed write, or
    /// queued.
    pub(super) fn carried(&mut self, index: usize) -> u64 {
        let shared = self.shared;
        let carried = self.state().carry[index].records();
        let queued: u64 = shared
            .queue
            .lock()
            .pending
            .iter()
            .filter(|(slot, _, _)| *slot == index)
            .map(|(_, _, buffer)| buffer.records())
            .sum();
        carried + queued
    }

    /// Gives up on what failed writes left and what is queued; returns the records
    /// dropped.
    pub(super) fn drop_carried(&mut self) -> u64 {
        let shared = self.shared;
        let carried: u64 = self.state().carry.iter_mut().map(Backlog::drop_all).sum();
        let queued: u64 = shared
            .queue
            .lock()
            .pending
            .drain(..)
            .map(|(_, _, mut buffer)| buffer.drop_all())
            .sum();
        carried + queued
    }

    /// An empty buffer (a used one when there is one).
    pub(super) fn spare(&mut self) -> Backlog {
        self.shared.queue.lock().spare.pop().unwrap_or_default()
    }

    /// Queues slot `index`'s full `buffer` of `file`, to be written once the destination's
    /// lock is let go.
    pub(super) fn hand_off(&mut self, index: usize, file: &Arc<File>, buffer: Backlog) {
        self.handed = true;
        self.shared
            .queue
            .lock()
            .pending
            .push_back((index, Arc::clone(file), buffer));
    }

    /// A [`Handoff`] when this call queued a buffer. The I/O lock, if this call took it,
    /// is let go here.
    pub(super) fn into_handoff(self) -> Option<Handoff> {
        self.handed.then(|| Handoff {
            shared: Arc::clone(self.shared),
        })
    }
}

/// Queued full buffers to write, once the destination's lock is let go.
pub(crate) struct Handoff {
    shared: Arc<IoShared>,
}

impl std::fmt::Debug for Handoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handoff").finish_non_exhaustive()
    }
}

impl Handoff {
    /// Takes the I/O lock (the destination's lock no longer held) and writes every queued
    /// buffer, oldest first, each after what failed writes left for its file; what a file
    /// does not take is kept for the next writer.
    pub(crate) fn write(self, stall: &mut Stall) -> Outcome {
        let mut outcome = Outcome::default();
        let mut state = self.shared.io.lock();
        loop {
            // Taken under the I/O lock: no other writer can come between this buffer and
            // the one queued before it.
            let next = self.shared.queue.lock().pending.pop_front();
            let Some((index, file, mut buffer)) = next else {
                break;
            };
            let mut writer: &File = &file;
            let carry = &mut state.carry[index];
            if !carry.is_empty() {
                outcome.attempt(carry.write_to(&mut writer, stall));
            }
            if carry.is_empty() {
                outcome.attempt(buffer.write_to(&mut writer, stall));
            }
            if buffer.is_empty() {
                self.shared.queue.lock().spare.push(buffer);
            } else {
                carry.append(buffer);
            }
        }
        outcome
    }
}
