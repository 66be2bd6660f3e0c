//! Records a thread keeps for a moment while another thread holds a log file
//! destination's lock.
//!
//! Appending every record to the one shared buffer under the one lock moves the lock's
//! cache line and the buffer's tail between the cores at every record: two threads into
//! one file ran at 0.55–0.8× the lines per second of one thread (a stand-alone model of
//! just a lock and a `Vec` did the same, 0.8–0.94×). So a thread that finds the lock
//! held does not wait for it: it appends the record to a stage of its own (one per
//! counter stripe, on cache lines of its own) and goes on. The stage is handed to the
//! destination, records in order and each one whole, through the same per-record path
//! as a direct write (rotation, removal checks, counting), when it holds
//! [`STAGE_BYTES`], when the thread writes a record through (errors), when a thread
//! writing directly or handing over a full stage finds it older than [`STAGE_AGE_MICROS`]
//! (1 ms), and at every flush (the flush thread, `fatal!`, exit, a dropped guard). A full
//! stage is handed over with the stages that are that old, not with every stage: taking
//! the other threads' younger runs too moved their records between the cores and waited
//! for their appends (two threads into one file: 104-109 ns a line against 96-102).
//!
//! What this keeps and what it changes:
//! - One thread's records stay in order: a thread with records staged stages the next
//!   one too, or hands its stage over before writing it.
//! - Nothing is lost that the buffer would keep: a flush writes stages out first, and
//!   [`OutputStats::waiting`](crate::OutputStats::waiting) counts staged records.
//! - Lines of different threads logged at the same moment land in runs of up to
//!   [`STAGE_BYTES`] per thread instead of record by record (Go klog interleaves them in
//!   lock order). A run is at most [`STAGE_AGE_MICROS`] (1 ms) old when another thread writes, and no
//!   older than the flush period otherwise.
//! - One thread alone stages only when it meets a flush (the flush thread, a guard)
//!   holding the lock, and from then until that stage is handed over; its records reach
//!   the file no later than the next flush, as those in the buffer do.
//!
//! Lock order: the destination's lock, then a stage's. A thread appending to its stage
//! holds only the stage's lock, and lets it go before it takes the destination's.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use parking_lot::{Mutex, MutexGuard};

use super::backlog::Outcome;
use super::files::Handoff;
use super::{stripe, CacheAligned, Destination, Inner, Target, STRIPES};
use crate::record::Severity;

/// A stage is handed over once it holds this many bytes (about 40 klog text lines): at
/// 4 KiB two threads ran at 1.78–1.87× one thread in a stand-alone model, at 16 KiB
/// 1.85–1.96×; smaller runs keep the lines of different threads closer together.
pub(super) const STAGE_BYTES: usize = 8 * 1024;

/// A thread writing directly hands over stages whose first record is older than this
/// many microseconds.
pub(super) const STAGE_AGE_MICROS: u64 = 1_000;

/// The stages of one destination.
#[derive(Default)]
pub(super) struct Stages {
    stages: [CacheAligned<Stage>; STRIPES],
    /// Per stage, the time of its first record in microseconds since the Unix epoch, 0
    /// when empty: written once per run, read by threads writing directly.
    firsts: CacheAligned<[AtomicU64; STRIPES]>,
    /// Stages holding records.
    busy: AtomicUsize,
}

/// One stripe's stage.
#[derive(Default)]
pub(super) struct Stage {
    /// Bytes staged. Read without the lock by the stripe's threads: 0 means none of
    /// their records waits here, so the next one may go straight to the destination.
    len: AtomicUsize,
    staged: Mutex<Staged>,
}

/// The records of one stage, in order.
#[derive(Default)]
struct Staged {
    bytes: Vec<u8>,
    records: Vec<StagedRecord>,
}

#[derive(Clone, Copy)]
struct StagedRecord {
    severity: Severity,
    now: SystemTime,
    end: usize,
}

/// Microseconds since the Unix epoch, at least 1 (0 stands for "empty").
fn micros(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH)
        .map_or(1, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
        .max(1)
}

/// The first-record time (in [`micros`]) at or before which a stage is older than
/// [`STAGE_AGE_MICROS`] at `now`.
fn age_limit(now: SystemTime) -> u64 {
    micros(now).saturating_sub(STAGE_AGE_MICROS)
}

/// Which stages a drain hands over.
#[derive(Clone, Copy, Debug)]
pub(super) enum Which {
    /// Every stage.
    All,
    /// Stage `full`, and every other stage whose first record is older than
    /// [`STAGE_AGE_MICROS`] at `now`.
    FullAndOld { full: usize, now: SystemTime },
}

impl Stages {
    /// This thread's stage, and its index.
    #[inline]
    pub(super) fn mine(&self) -> (usize, &Stage) {
        let index = stripe();
        (index, &self.stages[index].0)
    }

    /// Appends one record to stage `index`; `true` when the stage is now full enough to
    /// be handed over.
    pub(super) fn push(
        &self,
        (index, stage): (usize, &Stage),
        severity: Severity,
        record: &[u8],
        now: SystemTime,
    ) -> bool {
        let mut staged = stage.staged.lock();
        if staged.records.is_empty() {
            self.firsts.0[index].store(micros(now), Ordering::Relaxed);
            self.busy.fetch_add(1, Ordering::Relaxed);
        }
        staged.bytes.extend_from_slice(record);
        let end = staged.bytes.len();
        staged.records.push(StagedRecord { severity, now, end });
        stage.len.store(end, Ordering::Release);
        end >= STAGE_BYTES
    }

    /// Whether a stage holds records older than [`STAGE_AGE_MICROS`] at `now`.
    #[inline]
    pub(super) fn any_older_than_age(&self, now: SystemTime) -> bool {
        if self.busy.load(Ordering::Relaxed) == 0 {
            return false;
        }
        let limit = age_limit(now);
        (0..STRIPES).any(|index| self.is_old(index, limit))
    }

    /// Whether stage `index` holds records whose first is at or before `limit`.
    fn is_old(&self, index: usize, limit: u64) -> bool {
        let first = self.firsts.0[index].load(Ordering::Relaxed);
        first != 0 && first <= limit
    }

    /// Hands the records of the stages `which` names to `write`, stage by stage, each
    /// stage's in order, and empties those stages. Called with the destination's lock
    /// held. `wait`: wait for a stage's lock (held only while a record is appended);
    /// otherwise skip a stage whose lock is held (the panic hook: the panic may have come
    /// from inside an append).
    pub(super) fn drain(
        &self,
        wait: bool,
        which: Which,
        mut write: impl FnMut(Severity, &[u8], SystemTime),
    ) {
        if self.busy.load(Ordering::Relaxed) == 0 {
            return;
        }
        let full_and_old = match which {
            Which::All => None,
            Which::FullAndOld { full, now } => Some((full, age_limit(now))),
        };
        for (index, stage) in self.stages.iter().enumerate() {
            if full_and_old.is_some_and(|(full, limit)| index != full && !self.is_old(index, limit))
            {
                continue;
            }
            let stage = &stage.0;
            if stage.len.load(Ordering::Relaxed) == 0 {
                continue;
            }
            let staged = if wait {
                Some(stage.staged.lock())
            } else {
                stage.staged.try_lock()
            };
            let Some(mut staged) = staged else {
                continue;
            };
            if staged.records.is_empty() {
                continue;
            }
            let mut start = 0;
            for r in &staged.records {
                write(
                    r.severity,
                    staged.bytes.get(start..r.end).unwrap_or_default(),
                    r.now,
                );
                start = r.end;
            }
            staged.bytes.clear();
            staged.records.clear();
            self.firsts.0[index].store(0, Ordering::Relaxed);
            self.busy.fetch_sub(1, Ordering::Relaxed);
            stage.len.store(0, Ordering::Release);
        }
    }

    /// Records staged. Called with the destination's lock held.
    pub(super) fn waiting(&self) -> u64 {
        self.stages
            .iter()
            .map(|stage| stage.0.staged.lock().records.len() as u64)
            .sum()
    }
}

impl Stage {
    /// Whether records of this stage's threads wait in it.
    #[inline]
    pub(super) fn holds_records(&self) -> bool {
        self.len.load(Ordering::Acquire) != 0
    }
}

/// The staging path of a destination with stages.
impl Destination {
    /// For a destination with stages: the destination's lock, to write `record`
    /// directly (this thread's staged records written first), or `None` when the
    /// record was staged (and, when that filled the stage, written with it).
    #[inline]
    pub(super) fn stage_or_lock(
        &self,
        stages: &Stages,
        severity: Severity,
        record: &[u8],
        now: SystemTime,
        write_through: bool,
    ) -> Option<MutexGuard<'_, Inner>> {
        let mine = stages.mine();
        if !mine.1.holds_records() {
            if let Some(mut guard) = self.inner.0.try_lock() {
                if stages.any_older_than_age(now) {
                    self.drain_stages(&mut guard, stages, true, Which::All);
                }
                return Some(guard);
            }
        }
        // The lock is held, or this thread's records wait in its stage: the record goes
        // after them. A record written through goes at once, after every staged one; a
        // full stage goes with those older than the age limit (see `stage`).
        if write_through || stages.push(mine, severity, record, now) {
            let mut guard = self.lock_spinning();
            let which = if write_through {
                Which::All
            } else {
                Which::FullAndOld { full: mine.0, now }
            };
            self.drain_stages(&mut guard, stages, true, which);
            if write_through {
                return Some(guard);
            }
        }
        None
    }

    /// Writes the staged records of the stages `which` names (under the destination's
    /// lock, `guard`); a buffer that filled up meanwhile is written with the lock let go,
    /// as for a direct write, and the lock is taken again. `wait`: wait for a stage whose
    /// lock is held.
    pub(super) fn drain_stages(
        &self,
        guard: &mut MutexGuard<'_, Inner>,
        stages: &Stages,
        wait: bool,
        which: Which,
    ) {
        if let Some(handoff) = self.drain_into(guard, stages, wait, which) {
            let mut stall = guard.stall();
            let outcome = MutexGuard::unlocked(guard, || handoff.write(&mut stall));
            self.settle(guard, outcome);
        }
    }

    /// Hands the staged records of the stages `which` names to the files (under the
    /// destination's lock) and counts what that did; the full buffers queued meanwhile are
    /// returned, to be written with the lock let go (or by a flush, which writes what is
    /// queued first).
    pub(super) fn drain_into(
        &self,
        inner: &mut Inner,
        stages: &Stages,
        wait: bool,
        which: Which,
    ) -> Option<Handoff> {
        let mut stall = inner.stall();
        let Target::Files(files) = &mut inner.target else {
            return None;
        };
        let mut outcome = Outcome::default();
        let mut handoff: Option<Handoff> = None;
        stages.drain(wait, which, |severity, record, now| {
            let (written, full) = files.write_record(severity, record, now, false, &mut stall);
            outcome.and(written);
            handoff = handoff.take().or(full);
        });
        self.settle(inner, outcome);
        handoff
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go::zone::TimeZone;
    use crate::output::files::{FileConfig, LogFiles};
    use crate::output::Destination;
    use std::path::PathBuf;
    use std::sync::Arc;
    use std::time::Duration;

    fn t0() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    fn collect(stages: &Stages) -> Vec<(Severity, Vec<u8>)> {
        let mut out = Vec::new();
        stages.drain(true, Which::All, |severity, record, _| {
            out.push((severity, record.to_vec()));
        });
        out
    }

    #[test]
    fn a_stage_gives_back_its_records_whole_and_in_order() {
        let stages = Stages::default();
        let mine = (3, &stages.stages[3].0);
        assert!(!mine.1.holds_records());
        assert!(!stages.push(mine, Severity::Info, b"one\n", t0()));
        assert!(!stages.push(mine, Severity::Error, b"two\n", t0()));
        assert!(mine.1.holds_records());
        assert_eq!(stages.waiting(), 2);
        assert_eq!(
            collect(&stages),
            vec![
                (Severity::Info, b"one\n".to_vec()),
                (Severity::Error, b"two\n".to_vec())
            ]
        );
        assert!(!mine.1.holds_records());
        assert_eq!(stages.waiting(), 0);
        assert!(collect(&stages).is_empty(), "drained stages are empty");
    }

    #[test]
    fn a_stage_is_full_at_stage_bytes() {
        let stages = Stages::default();
        let mine = (0, &stages.stages[0].0);
        let record = [b'x'; 100];
        let pushes = (1..)
            .find(|_| stages.push(mine, Severity::Info, &record, t0()))
            .unwrap();
        assert_eq!(pushes, STAGE_BYTES.div_ceil(record.len()));
        assert_eq!(collect(&stages).len(), pushes);
    }

    #[test]
    fn only_stages_older_than_the_age_are_old() {
        let stages = Stages::default();
        assert!(!stages.any_older_than_age(t0()));
        stages.push((5, &stages.stages[5].0), Severity::Info, b"a\n", t0());
        assert!(!stages.any_older_than_age(t0()));
        let just_before = t0() + Duration::from_micros(STAGE_AGE_MICROS - 1);
        assert!(!stages.any_older_than_age(just_before));
        let at_age = t0() + Duration::from_micros(STAGE_AGE_MICROS);
        assert!(stages.any_older_than_age(at_age));
        collect(&stages);
        assert!(!stages.any_older_than_age(at_age), "emptied");
    }

    #[test]
    fn a_full_stage_is_handed_over_with_the_old_ones_only() {
        let stages = Stages::default();
        let drain = |which: Which| {
            let mut out = Vec::new();
            stages.drain(true, which, |_, record, _| out.push(record.to_vec()));
            out
        };
        stages.push((0, &stages.stages[0].0), Severity::Info, b"full\n", t0());
        let young = t0() + Duration::from_micros(STAGE_AGE_MICROS / 2);
        stages.push((1, &stages.stages[1].0), Severity::Info, b"young\n", young);
        stages.push((2, &stages.stages[2].0), Severity::Info, b"old\n", t0());
        let now = t0() + Duration::from_micros(STAGE_AGE_MICROS);
        // Stage 2 is as old as stage 0 (`full` need not be old), stage 1 is younger.
        assert_eq!(
            drain(Which::FullAndOld { full: 0, now }),
            [b"full\n".to_vec(), b"old\n".to_vec()]
        );
        assert_eq!(stages.waiting(), 1);
        assert!(stages.stages[1].0.holds_records());
        assert_eq!(drain(Which::All), [b"young\n".to_vec()]);
        assert_eq!(stages.busy.load(Ordering::Relaxed), 0);
    }

    struct TempFile(PathBuf);

    impl TempFile {
        fn new(test: &str) -> TempFile {
            let dir =
                std::env::temp_dir().join(format!("klog-stage-{}-{test}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempFile(dir)
        }

        fn file(&self) -> PathBuf {
            self.0.join("all.log")
        }

        fn destination(&self) -> Arc<Destination> {
            let files = LogFiles::new(FileConfig {
                dir: self.0.clone(),
                single_file: Some(self.file()),
                max_size: 0,
                one_output: false,
                skip_headers: true,
                program: "prog".into(),
                host: "host".into(),
                user: "user".into(),
                pid: 1,
                zone: TimeZone::Utc,
            });
            Destination::files("stage test", files)
        }

        fn read(&self) -> String {
            std::fs::read_to_string(self.file()).unwrap_or_default()
        }
    }

    /// Another thread writes `lines` (info) while this one holds the destination's lock:
    /// that thread returns without the lock, so its records are staged.
    fn stage_from_another_thread(destination: &Destination, lines: &[&str]) {
        let held = destination.inner.0.lock();
        std::thread::scope(|s| {
            s.spawn(|| {
                for line in lines {
                    destination.write_record(Severity::Info, line.as_bytes(), t0(), false);
                }
            });
        });
        drop(held);
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn records_staged_while_the_lock_is_held_are_counted_and_flushed_in_order() {
        let dir = TempFile::new("flush");
        let destination = dir.destination();
        stage_from_another_thread(&destination, &["a\n", "b\n", "c\n"]);
        assert_eq!(destination.stats().waiting(), 3);
        destination.flush();
        assert_eq!(dir.read(), "a\nb\nc\n");
        let stats = destination.stats();
        assert_eq!((stats.waiting(), stats.lines()), (0, 3));
    }

    #[test]
    fn a_record_written_through_goes_after_the_threads_staged_ones() {
        let dir = TempFile::new("through");
        let destination = dir.destination();
        let held = destination.inner.0.lock();
        std::thread::scope(|s| {
            let writer = s.spawn(|| {
                destination.write_record(Severity::Info, b"staged 1\n", t0(), false);
                destination.write_record(Severity::Info, b"staged 2\n", t0(), false);
                // Waits for the lock, then writes both staged records first.
                destination.write_record(Severity::Error, b"through\n", t0(), true);
            });
            while destination.stages.as_ref().unwrap().waiting() < 2 {
                std::thread::yield_now();
            }
            drop(held);
            writer.join().unwrap();
        });
        // Written through: on disk before the flush.
        assert_eq!(dir.read(), "staged 1\nstaged 2\nthrough\n");
    }

    #[test]
    fn after_unbuffer_nothing_is_staged() {
        let dir = TempFile::new("unbuffer");
        let destination = dir.destination();
        stage_from_another_thread(&destination, &["staged\n"]);
        destination.unbuffer();
        assert_eq!(dir.read(), "staged\n", "unbuffer writes staged records out");
        destination.write_record(Severity::Info, b"next\n", t0(), false);
        assert_eq!(dir.read(), "staged\nnext\n");
        assert_eq!(destination.stats().waiting(), 0);
    }

    #[test]
    fn a_dropped_destination_writes_its_staged_records() {
        let dir = TempFile::new("drop");
        let destination = dir.destination();
        stage_from_another_thread(&destination, &["kept\n"]);
        drop(destination);
        assert_eq!(dir.read(), "kept\n");
    }
}
