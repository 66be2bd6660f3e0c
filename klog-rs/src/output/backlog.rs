//! What a destination accepted and has not written yet, kept as whole records so that a
//! failed or partial write never glues two records together.
//!
//! A write can fail part-way: a full disk takes the first bytes of a buffer, a
//! non-blocking pipe takes what fits, a signal interrupts it. Whatever the destination did
//! not take stays here, starting exactly at the first byte it did not take, so the next
//! write finishes the record that was cut before it starts another one. Record
//! boundaries are kept beside the bytes, so the counters know how many records were
//! written, and a destination that must start afresh (a log file replaced by a new one)
//! can drop the rest of a cut record and begin on a record boundary.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::time::{Duration, Instant};

/// How long a write waits, in all, for a destination that would block (a non-blocking
/// pipe whose reader is slow) before the record is kept for later and the failure
/// reported: long enough for any reader that still reads, short enough that a reader that
/// stopped cannot hang the process (Go's writes wait forever).
pub(crate) const STALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Records written and bytes written by one attempt.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Progress {
    /// Whole records completed (header lines of log files are not records).
    pub(crate) records: u64,
    /// Bytes the destination took.
    pub(crate) bytes: u64,
}

impl Progress {
    pub(crate) fn add(&mut self, other: Progress) {
        self.records += other.records;
        self.bytes += other.bytes;
    }
}

/// What one call did: records and bytes that reached the files, records given up on, and
/// the first error.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) progress: Progress,
    pub(crate) lost: u64,
    /// Whether a write was attempted (only then can a failing destination recover).
    pub(crate) attempted: bool,
    pub(crate) result: io::Result<()>,
}

impl Default for Outcome {
    fn default() -> Outcome {
        Outcome {
            progress: Progress::default(),
            lost: 0,
            attempted: false,
            result: Ok(()),
        }
    }
}

impl Outcome {
    /// Adds the outcome of writing one more file, keeping the first error.
    pub(crate) fn and(&mut self, other: Outcome) {
        self.progress.add(other.progress);
        self.lost += other.lost;
        self.attempted |= other.attempted;
        if self.result.is_ok() {
            self.result = other.result;
        }
    }

    pub(crate) fn attempt(&mut self, (progress, result): (Progress, io::Result<()>)) {
        self.and(Outcome {
            progress,
            lost: 0,
            attempted: true,
            result,
        });
    }

    pub(crate) fn failed(error: io::Error, lost: u64) -> Outcome {
        Outcome {
            progress: Progress::default(),
            lost,
            attempted: true,
            result: Err(error),
        }
    }
}

/// The end of one entry in the backlog: a record or (for log files) header lines.
#[derive(Debug, Clone, Copy)]
struct End {
    at: usize,
    record: bool,
}

/// Bytes accepted and not yet written, as whole entries (the first of which may have been
/// written in part).
#[derive(Debug, Default)]
pub(crate) struct Backlog {
    bytes: Vec<u8>,
    /// Offset in `bytes` of the first byte not written yet.
    start: usize,
    /// Offset in `bytes` where the first entry begins: `start > head` means it was cut.
    head: usize,
    /// Where each entry ends, oldest first.
    ends: VecDeque<End>,
}

impl Backlog {
    /// Nothing waits to be written.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.start == self.bytes.len()
    }

    /// Bytes waiting to be written.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.bytes.len() - self.start
    }

    /// Records waiting (a record already written in part included).
    pub(crate) fn records(&self) -> u64 {
        self.ends.iter().filter(|e| e.record).count() as u64
    }

    /// Whether the first entry was written in part: the destination ends in the middle of it.
    pub(crate) fn is_torn(&self) -> bool {
        self.start > self.head
    }

    /// Appends one whole entry.
    #[inline]
    pub(crate) fn push(&mut self, bytes: &[u8], record: bool) {
        if self.is_empty() {
            self.clear();
        }
        self.bytes.extend_from_slice(bytes);
        self.ends.push_back(End {
            at: self.bytes.len(),
            record,
        });
    }

    /// Keeps the rest of an entry of which the destination took the first `written` bytes.
    pub(crate) fn push_rest(&mut self, entry: &[u8], written: usize, record: bool) {
        debug_assert!(self.is_empty());
        self.push(entry, record);
        self.start = self.head + written.min(entry.len());
    }

    /// How many bytes of the first entry the destination took already.
    pub(crate) fn head_written(&self) -> usize {
        self.start - self.head
    }

    /// Moves every entry waiting in `other` behind these, boundaries kept (a torn first
    /// entry of `other` is moved as its rest).
    pub(crate) fn append(&mut self, other: Backlog) {
        let mut from = other.start;
        for end in &other.ends {
            self.push(&other.bytes[from..end.at], end.record);
            from = end.at;
        }
    }

    /// Drops the rest of an entry that was written in part (for a destination that starts
    /// afresh, where that rest would begin a line); returns 1 when it was a record.
    pub(crate) fn drop_torn(&mut self) -> u64 {
        if !self.is_torn() {
            return 0;
        }
        let Some(end) = self.ends.pop_front() else {
            return 0;
        };
        self.start = end.at;
        self.head = end.at;
        u64::from(end.record)
    }

    /// Drops everything; returns the number of records that were waiting.
    pub(crate) fn drop_all(&mut self) -> u64 {
        let records = self.records();
        self.clear();
        records
    }

    /// The bytes waiting, as they would be written.
    #[cfg(test)]
    pub(crate) fn pending(&self) -> &[u8] {
        &self.bytes[self.start..]
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
        self.start = 0;
        self.head = 0;
    }

    /// Marks `n` more bytes as taken by the destination.
    fn advance(&mut self, n: usize, progress: &mut Progress) {
        self.start += n;
        progress.bytes += n as u64;
        while let Some(end) = self.ends.front().copied() {
            if end.at > self.start {
                break;
            }
            self.ends.pop_front();
            self.head = end.at;
            progress.records += u64::from(end.record);
        }
        if self.is_empty() {
            self.clear();
        }
    }

    /// Writes what waits to `writer`, retrying interrupted writes and waiting (as `stall`
    /// allows) while it would block. Whatever is not taken stays, starting at the first
    /// byte not taken.
    pub(crate) fn write_to(
        &mut self,
        writer: &mut dyn Write,
        stall: &mut Stall,
    ) -> (Progress, io::Result<()>) {
        let mut progress = Progress::default();
        while !self.is_empty() {
            match writer.write(&self.bytes[self.start..]) {
                Ok(0) => return (progress, Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.advance(n.min(self.len()), &mut progress),
                Err(e) => {
                    if let Err(e) = stall.retry(e) {
                        return (progress, Err(e));
                    }
                }
            }
        }
        (progress, Ok(()))
    }

    /// Writes one entry straight to `writer` when nothing waits before it (no copy); what
    /// the writer does not take is kept.
    pub(crate) fn write_direct(
        &mut self,
        writer: &mut dyn Write,
        entry: &[u8],
        record: bool,
        stall: &mut Stall,
    ) -> (Progress, io::Result<()>) {
        debug_assert!(self.is_empty());
        let mut written = 0;
        while written < entry.len() {
            match writer.write(&entry[written..]) {
                Ok(0) => {
                    self.push_rest(entry, written, record);
                    let progress = Progress {
                        records: 0,
                        bytes: written as u64,
                    };
                    return (progress, Err(io::ErrorKind::WriteZero.into()));
                }
                Ok(n) => written += n.min(entry.len() - written),
                Err(e) => {
                    if let Err(e) = stall.retry(e) {
                        self.push_rest(entry, written, record);
                        let progress = Progress {
                            records: 0,
                            bytes: written as u64,
                        };
                        return (progress, Err(e));
                    }
                }
            }
        }
        let progress = Progress {
            records: u64::from(record),
            bytes: entry.len() as u64,
        };
        (progress, Ok(()))
    }
}

/// How to wait when a write would block (`EAGAIN` on a non-blocking descriptor) or was
/// interrupted: until the descriptor is writable (`poll`), or, for a writer without one,
/// in short sleeps; in all no longer than the budget.
#[derive(Debug)]
pub(crate) struct Stall {
    fd: Option<i32>,
    budget: Duration,
    deadline: Option<Instant>,
    nap: Duration,
}

impl Stall {
    /// Waits at most `budget` in all (zero: never waits), polling `fd` when there is one.
    pub(crate) fn new(fd: Option<i32>, budget: Duration) -> Stall {
        Stall {
            fd,
            budget,
            deadline: None,
            nap: Duration::from_micros(200),
        }
    }

    /// Decides about a failed write: `Ok` to try again (after waiting, for a write that
    /// would block), or the error to give up with.
    fn retry(&mut self, error: io::Error) -> io::Result<()> {
        match error.kind() {
            io::ErrorKind::Interrupted => Ok(()),
            io::ErrorKind::WouldBlock => {
                let now = Instant::now();
                let deadline = *self.deadline.get_or_insert(now + self.budget);
                let Some(left) = deadline
                    .checked_duration_since(now)
                    .filter(|d| !d.is_zero())
                else {
                    return Err(io::Error::new(
                        io::ErrorKind::WouldBlock,
                        "the reader took nothing for too long (a non-blocking descriptor stayed full)",
                    ));
                };
                match self.fd {
                    Some(fd) if super::fd::wait_writable(fd, left) => {}
                    _ => {
                        std::thread::sleep(self.nap.min(left));
                        self.nap = (self.nap * 2).min(Duration::from_millis(20));
                    }
                }
                Ok(())
            }
            _ => Err(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes at most `room` bytes, then fails (or would block) until given more room.
    struct Tight {
        out: Vec<u8>,
        room: usize,
        would_block: bool,
    }

    impl Write for Tight {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(if self.would_block {
                    io::ErrorKind::WouldBlock.into()
                } else {
                    io::Error::other("no space")
                });
            }
            let n = buf.len().min(self.room).min(7);
            self.out.extend_from_slice(&buf[..n]);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn record(i: usize) -> Vec<u8> {
        format!("record {i} {}\n", "x".repeat(i % 13)).into_bytes()
    }

    #[test]
    fn a_cut_record_is_finished_before_the_next_one() {
        let mut w = Tight {
            out: Vec::new(),
            room: 5,
            would_block: false,
        };
        let mut backlog = Backlog::default();
        let mut stall = Stall::new(None, Duration::ZERO);
        let (p, r) = backlog.write_direct(&mut w, b"first record\n", true, &mut stall);
        assert!(r.is_err());
        assert_eq!(p.records, 0);
        assert_eq!(p.bytes, 5);
        assert!(backlog.is_torn());
        backlog.push(b"second\n", true);
        w.room = usize::MAX;
        let (p, r) = backlog.write_to(&mut w, &mut stall);
        r.unwrap();
        assert_eq!(p.records, 2);
        assert_eq!(w.out, b"first record\nsecond\n");
        assert!(backlog.is_empty());
    }

    #[test]
    fn every_byte_lands_once_in_order_whatever_the_writer_takes() {
        for room_step in [1, 3, 10, 50] {
            let mut w = Tight {
                out: Vec::new(),
                room: 0,
                would_block: false,
            };
            let mut backlog = Backlog::default();
            let mut stall = Stall::new(None, Duration::ZERO);
            let mut want = Vec::new();
            let mut written = 0;
            for i in 0..200 {
                let r = record(i);
                want.extend_from_slice(&r);
                if backlog.is_empty() {
                    written += backlog.write_direct(&mut w, &r, true, &mut stall).0.records;
                } else {
                    backlog.push(&r, true);
                    written += backlog.write_to(&mut w, &mut stall).0.records;
                }
                w.room += room_step;
            }
            w.room = usize::MAX;
            written += backlog.write_to(&mut w, &mut stall).0.records;
            assert_eq!(w.out, want, "room step {room_step}");
            assert_eq!(written, 200);
        }
    }

    #[test]
    fn a_torn_rest_can_be_dropped_to_start_on_a_boundary() {
        let mut w = Tight {
            out: Vec::new(),
            room: 3,
            would_block: false,
        };
        let mut backlog = Backlog::default();
        let mut stall = Stall::new(None, Duration::ZERO);
        let _ = backlog.write_direct(&mut w, b"cut record\n", true, &mut stall);
        backlog.push(b"header\n", false);
        backlog.push(b"whole\n", true);
        assert_eq!(backlog.records(), 2);
        assert_eq!(backlog.drop_torn(), 1);
        assert_eq!(backlog.pending(), b"header\nwhole\n");
        assert_eq!(backlog.drop_torn(), 0);
        assert_eq!(backlog.drop_all(), 1);
        assert!(backlog.is_empty());
    }

    #[test]
    fn a_writer_that_would_block_is_waited_for_within_the_budget() {
        let mut w = Tight {
            out: Vec::new(),
            room: 0,
            would_block: true,
        };
        let mut backlog = Backlog::default();
        let mut stall = Stall::new(None, Duration::from_millis(30));
        let started = Instant::now();
        let (_, r) = backlog.write_direct(&mut w, b"waits\n", true, &mut stall);
        assert_eq!(r.unwrap_err().kind(), io::ErrorKind::WouldBlock);
        assert!(started.elapsed() >= Duration::from_millis(30));
        assert_eq!(backlog.pending(), b"waits\n");
    }
}
