//! klog's log files: `--log-dir`, `--log-file`, `--log-file-max-size`, `--one-output` and
//! `--skip-log-headers`, as Go klog v2 writes them (`klog_file.go` and the `syncBuffer` of
//! `klog.go`).
//!
//! Without `--log-file`, each severity has its own file in the log directory, named
//! `program.host.user.log.SEVERITY.YYYYMMDD-hhmmss.pid`, with a symlink `program.SEVERITY`
//! to the newest one. A record goes to its own severity's file and, unless `--one-output`,
//! to every lower severity's file too: the INFO file holds everything. With `--log-file`,
//! every record goes to that one file, appended.
//!
//! Each file is buffered (256 KiB, klog's `bufferSize`) and opened with `O_APPEND`. A
//! record that does not fit the free space makes the buffer be written out first (a run of
//! whole records); one as large as the buffer is written on its own. Every write of the
//! file is thus a run of whole records, and with `O_APPEND` each lands whole at the file's
//! end even when other processes append to the same file. A write cut short (a full disk,
//! a file size limit) leaves the rest in the buffer's [`Backlog`], and the next write
//! finishes that record first.
//!
//! A full buffer is written out without holding the destination's lock ([`handoff`]): the
//! thread that fills it swaps it for an empty one and writes it under the files' own I/O
//! lock, which every write to a file takes, so buffers land whole and in the order they
//! were filled while other threads go on buffering records.
//!
//! Where this differs from klog:
//! - Times in file names and in `Log file created at:` are in the sink's zone: local time
//!   by default, as klog; UTC with `--log-time-utc` ([`TimeZone::Utc`]).
//! - A new file never replaces an existing one: klog's `os.Create` truncates a file of the
//!   same name (several rotations within one second), losing its records; here the file is
//!   created with `create_new`, and a taken name gets a counter suffix (`….pid.1`, `….pid.2`).
//! - A record rotates the file only when the file's size plus the record would *exceed*
//!   the limit (klog: reach it) and the file already holds a record (klog rotates before
//!   every record larger than the limit, leaving a file with only the header lines each time).
//!   A file thus holds at most the limit, or one record more when that record alone is larger.
//!   The header lines count toward the size, as in klog.
//! - With `--log-file`, rotation moves the full file aside to
//!   `<log-file>.YYYYMMDD-hhmmss.pid` (the naming of early klog v2, with a counter suffix
//!   when taken) and starts a new `<log-file>`; klog truncates the file instead, losing
//!   everything in it. A `--log-file` that is not a regular file (`/dev/stderr`, a pipe) is
//!   never rotated. The size of a file appended to includes what it held before (klog counts
//!   from zero when it opens it), and the header lines are only written into an empty file
//!   (klog writes them at each start, in the middle of an appended file).
//! - With `--one-output`, a file is only created for a severity that is logged (klog also
//!   creates the lower severities' files, empty but for their headers).
//! - The log directory is created (`create_dir_all`) when it does not exist, also when it
//!   vanishes while logging; klog gives up (it exits) when it cannot create a file.
//! - Failures never end the process: klog exits when it cannot create or write a file; here
//!   the error is returned (the caller counts and reports it), what was not written is kept
//!   (up to twice the buffer; records beyond are counted as lost) and the next record or
//!   flush tries again.
//!   At start-up, `init_with` checks the `--log_file` ([`check_file`]) or `--log_dir`
//!   ([`check_dir`]) and returns an error when it cannot be used.
//! - JSON log files (`--logging-format=json`) have no header lines (the caller sets
//!   `skip_headers`): every line is a JSON object, for `jq` and log shippers. (In Go, the
//!   JSON format is a logr backend writing to the streams; klog's files hold klog text.)
//! - A file that was deleted or moved away behind our back (its directory removed, another
//!   process rotating the shared `--log-file`) is noticed before its buffer is written out,
//!   at every flush, and, for records written through, at most once a second (a check
//!   costs two `stat`s): a new file is created and gets what is still buffered. For a
//!   removed file, what was written into it since it was last seen at its path is read
//!   back from the open file and copied into the new one first, so nothing written after
//!   the last check is lost; the removal is reported on stderr. klog keeps writing into
//!   the unlinked file.
//! - `max_size` applies to both kinds of files as the caller sets it; klog applies
//!   `--log-file-max-size` to `--log-file` only, and rotates per-severity files at a fixed
//!   1800 MiB (`klog.MaxSize`, also the flag's default).
//! - [`LogFiles::flush_out`] does not `fsync`: records that are written out survive the process
//!   ending, and klog-rs flushes on every error record, so an `fsync` there would cost a disk
//!   round trip per error (klog's flush daemon syncs every five seconds, ignoring errors).
//! - The header's `Binary:` line names rustc and Rust's OS and architecture names
//!   (`Built with rustc for linux/x86_64`; klog: `Built with gc go1.22.5 for linux/amd64`).
//! - The default user name comes from `USER` or `LOGNAME`, then (on Unix) the system's
//!   user database for the process's user; klog asks the system only (`user.Current()`).
//!
//! Inside: `naming` makes the file names (program, host, user, pid, time stamp) and the
//! symlinks, `rotation` decides when a file is full and replaces it.

mod handoff;
mod naming;
mod rotation;
#[cfg(test)]
mod tests;

pub(crate) use handoff::Handoff;
pub(crate) use naming::{default_host, default_program, default_user};

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::backlog::{Backlog, Outcome, Stall};
use crate::go::time::{civil_from_unix, unix_parts};
use crate::go::zone::TimeZone;
use crate::record::Severity;
use handoff::{Io, IoShared};
use naming::{sanitize, update_symlink};

/// The buffer of each file (klog's `bufferSize`).
const BUFFER_SIZE: usize = 256 * 1024;

/// What a file that cannot be written keeps to retry (the buffer and one more); records
/// beyond it are counted as lost.
const BACKLOG_LIMIT: usize = 2 * BUFFER_SIZE;

/// How often a file written record by record (write-through, error records) is checked
/// for removal, in record time: records written to a removed file meanwhile are copied
/// into its replacement, so the check need not run for every record.
const CHECK_INTERVAL: Duration = Duration::from_secs(1);

/// Where and how klog writes its files.
#[derive(Debug, Clone)]
pub(crate) struct FileConfig {
    /// `--log-dir` (the caller passes [`std::env::temp_dir`] when empty, as klog).
    pub(crate) dir: PathBuf,
    /// `--log-file`: every severity goes to this one file (appended), no per-severity
    /// files, no symlink.
    pub(crate) single_file: Option<PathBuf>,
    /// Bytes (`--log-file-max-size` MB × 1024 × 1024); 0 = unlimited.
    pub(crate) max_size: u64,
    /// `--one-output`: only the record's own severity file.
    pub(crate) one_output: bool,
    /// `--skip-log-headers`: no file header lines.
    pub(crate) skip_headers: bool,
    /// The program name in file names ([`default_program`]).
    pub(crate) program: String,
    /// The host name in file names and headers ([`default_host`]).
    pub(crate) host: String,
    /// The user name in file names ([`default_user`]).
    pub(crate) user: String,
    /// The process id in file names.
    pub(crate) pid: u32,
    /// The zone of the times in file names and in `Log file created at:`.
    pub(crate) zone: TimeZone,
}

/// klog's log files: created on first use, rotated by size. Owned by its destination and
/// used only under the destination's lock, which is the one lock its files need (a lock
/// of their own was a second lock per record, whose cache line moved between the cores
/// with every record when two threads logged).
pub(crate) struct LogFiles {
    /// One slot per severity (INFO, WARNING, ERROR, FATAL); with `--log-file` only the
    /// first is used. Boxed: a `LogFiles` stays small next to other destinations.
    slots: Box<[Option<LogFile>; 4]>,
    writer: FileWriter,
}

/// What opens, rotates and writes the files of the slots.
struct FileWriter {
    config: FileConfig,
    /// The I/O lock: every write to a file holds it (see [`handoff`]).
    io: Arc<IoShared>,
    /// Each record is written out to its files before `write` returns (nothing stays in a
    /// buffer): see [`LogFiles::set_write_through`].
    write_through: bool,
}

impl fmt::Debug for LogFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogFiles")
            .field("config", &self.writer.config)
            .finish_non_exhaustive()
    }
}

/// One open log file.
struct LogFile {
    path: PathBuf,
    /// Shared with a [`Handoff`] writing a full buffer outside the destination's lock.
    file: Arc<File>,
    /// Accepted and not yet written: the buffer, and after a failure what is kept to retry.
    backlog: Backlog,
    /// Bytes in the file: what it held when opened, the header and every record since.
    size: u64,
    /// Whether the file holds a record (a file is only rotated once it does).
    has_record: bool,
    /// Whether it is a regular file: only those are rotated and checked for removal.
    regular: bool,
    /// The offset up to which the file was seen at its path (its size at the latest check,
    /// on a record boundary): what it holds beyond may have gone with a removed file, and
    /// is copied into the file replacing it. `None` when it cannot be read back.
    seen: Option<u64>,
    /// The header lines this file begins with (should it be removed, its replacement has
    /// a header of its own: they are not copied).
    header_len: u64,
    /// The record time of the latest check for removal.
    checked: SystemTime,
    /// The time of the latest record (names the file that replaces this one should it vanish).
    last_record: SystemTime,
}

impl LogFile {
    fn new(path: PathBuf, file: File, size: u64, regular: bool, now: SystemTime) -> LogFile {
        let readable = regular && file_is_readable(&file);
        LogFile {
            path,
            file: Arc::new(file),
            backlog: Backlog::default(),
            size,
            has_record: size > 0,
            regular,
            seen: readable.then_some(size),
            header_len: 0,
            checked: now,
            last_record: now,
        }
    }
}

/// One file slot being written, with the I/O lock of the call (which also keeps the
/// buffers handed off).
struct Target<'s, 'io> {
    slot: &'s mut Option<LogFile>,
    index: usize,
    io: &'s mut Io<'io>,
}

/// Whether `file` can be read back (it was opened for reading too).
fn file_is_readable(file: &File) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_at(&mut [], 0).is_ok()
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        false
    }
}

impl LogFiles {
    /// klog's files as `config` describes them; nothing is opened yet.
    pub(crate) fn new(mut config: FileConfig) -> LogFiles {
        // The names become parts of a file name: no path separators.
        for part in [&mut config.program, &mut config.host, &mut config.user] {
            *part = sanitize(part);
        }
        LogFiles {
            slots: Box::new([None, None, None, None]),
            writer: FileWriter {
                config,
                io: Arc::default(),
                write_through: false,
            },
        }
    }

    /// Stops buffering: from now on, [`write_record`](Self::write_record) writes each
    /// record out to its files before it returns (what is buffered already goes with the
    /// next record or [`flush_out`](Self::flush_out)).
    pub(crate) fn set_write_through(&mut self) {
        self.writer.write_through = true;
    }

    /// Writes one whole record of `severity` where klog would: the record's own severity
    /// file and, unless `one_output`, every lower severity's file too (the INFO file gets
    /// everything, WARNING gets W/E/F, ERROR gets E/F, FATAL gets F); with `--log-file`, the
    /// one file. Files are created on first use, and rotated first when the record would
    /// take them over the size limit. `write_through` writes it out at once; `stall` is
    /// how long to wait for a file that would block (a FIFO). Each copy of the record
    /// counts as one record in the outcome. Buffers that filled up are returned as a
    /// [`Handoff`], to be written once the caller let its lock go.
    pub(crate) fn write_record(
        &mut self,
        severity: Severity,
        record: &[u8],
        now: SystemTime,
        write_through: bool,
        stall: &mut Stall,
    ) -> (Outcome, Option<Handoff>) {
        let LogFiles { slots, writer } = self;
        let own = severity.number();
        let (lowest, highest) = match (&writer.config.single_file, writer.config.one_output) {
            (Some(_), _) => (0, 0),
            (None, true) => (own, own),
            (None, false) => (0, own),
        };
        let write_through = write_through || writer.write_through;
        let mut outcome = Outcome::default();
        let mut io = Io::new(&writer.io);
        // From the record's own severity down, as klog.
        for index in (lowest..=highest).rev() {
            let target = Target {
                slot: &mut slots[index],
                index,
                io: &mut io,
            };
            outcome.and(writer.write_slot(target, record, now, write_through, stall));
        }
        (outcome, io.into_handoff())
    }

    /// Writes out every file's buffer (FATAL first, as klog). A file that was removed or
    /// moved away meanwhile is replaced by a new one, which gets what was still buffered
    /// (and, for a removed file, what was written into it since it was last seen).
    pub(crate) fn flush_out(&mut self, stall: &mut Stall) -> Outcome {
        let LogFiles { slots, writer } = self;
        let mut outcome = Outcome::default();
        let mut io = Io::new(&writer.io);
        for (index, slot) in slots.iter_mut().enumerate().rev() {
            if let Some(now) = slot.as_ref().map(|f| f.last_record) {
                outcome.and(writer.write_out(slot, index, &mut io, now, true, stall));
            }
        }
        outcome
    }

    /// Records waiting in the files' buffers (each copy counted).
    pub(crate) fn waiting(&self) -> u64 {
        let mut io = Io::new(&self.writer.io);
        let slots = &self.slots;
        let buffered: u64 = slots.iter().flatten().map(|f| f.backlog.records()).sum();
        let carried: u64 = (0..slots.len()).map(|index| io.carried(index)).sum();
        buffered + carried
    }

    /// Gives up on everything still waiting (at exit, after the last flush failed);
    /// returns the records dropped.
    pub(crate) fn drop_waiting(&mut self) -> u64 {
        let buffered: u64 = self
            .slots
            .iter_mut()
            .flatten()
            .map(|f| f.backlog.drop_all())
            .sum();
        buffered + Io::new(&self.writer.io).drop_carried()
    }

    /// [`write_record`](Self::write_record) without counting, for tests.
    #[cfg(test)]
    pub(crate) fn write(
        &mut self,
        severity: Severity,
        record: &[u8],
        now: SystemTime,
    ) -> io::Result<()> {
        let mut stall = Stall::new(None, Duration::ZERO);
        let (mut outcome, handoff) = self.write_record(severity, record, now, false, &mut stall);
        if let Some(handoff) = handoff {
            outcome.and(handoff.write(&mut stall));
        }
        outcome.result
    }

    /// [`flush_out`](Self::flush_out) without counting, for tests.
    #[cfg(test)]
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.flush_out(&mut Stall::new(None, Duration::ZERO)).result
    }

    /// The paths of the files currently open (INFO first).
    #[cfg(test)]
    pub(crate) fn current_paths(&self) -> Vec<PathBuf> {
        self.slots
            .iter()
            .flatten()
            .map(|f| f.path.clone())
            .collect()
    }
}

impl FileWriter {
    fn write_slot(
        &self,
        target: Target<'_, '_>,
        record: &[u8],
        now: SystemTime,
        write_through: bool,
        stall: &mut Stall,
    ) -> Outcome {
        let Target { slot, index, io } = target;
        let mut outcome = Outcome::default();
        if self.is_full(slot.as_ref(), record) {
            // What is still buffered goes to the full file (or, should it have been
            // removed, to its replacement, which may have room), then the file is closed.
            outcome.and(self.write_out(slot, index, io, now, true, stall));
            if self.is_full(slot.as_ref(), record) && outcome.result.is_ok() {
                self.rotate(slot, now);
            }
        }
        if slot.is_none() {
            match self.open(index, now) {
                Ok(f) => *slot = Some(f),
                Err(e) => {
                    outcome.and(Outcome::failed(e, 1));
                    return outcome;
                }
            }
        }
        let full =
            |f: &LogFile| !f.backlog.is_empty() && f.backlog.len() + record.len() > BUFFER_SIZE;
        if slot.as_ref().is_some_and(full) {
            // A full buffer is written out before the record is buffered (a run of whole
            // records), after checking that the file is still there: handed off, to be
            // written once the destination's lock is let go, unless what a failed write
            // left came back with it (then it is written here, within its bound).
            io.reclaim_unless_busy(slot, index);
            if let Some(f) = slot.as_mut() {
                f.checked = now;
            }
            outcome.and(self.replace_if_gone(slot, index));
            match slot.as_mut() {
                // A record as large as the buffer is written right after (below): the
                // buffer goes first, here.
                Some(f)
                    if full(f) && f.backlog.len() <= BUFFER_SIZE && record.len() < BUFFER_SIZE =>
                {
                    let buffer = std::mem::replace(&mut f.backlog, io.spare());
                    io.hand_off(index, &f.file, buffer);
                }
                Some(f) if full(f) => {
                    outcome.attempt(f.backlog.write_to(&mut &*f.file, stall));
                }
                _ => {}
            }
        }
        if slot
            .as_ref()
            .is_some_and(|f| f.backlog.is_empty() && record.len() >= BUFFER_SIZE)
        {
            // As large as the buffer: written on its own, no copy (after what a failed
            // write left, which `reclaim` puts back in front).
            io.reclaim(slot, index);
            if let Some(f) = slot.as_mut().filter(|f| f.backlog.is_empty()) {
                f.last_record = now;
                f.has_record = true;
                outcome.attempt(f.backlog.write_direct(&mut &*f.file, record, true, stall));
                f.size = f.size.saturating_add(record.len() as u64);
                return outcome;
            }
        }
        let Some(f) = slot.as_mut() else {
            return outcome;
        };
        f.last_record = now;
        f.has_record = true;
        if f.backlog.len() + record.len() <= BACKLOG_LIMIT {
            f.backlog.push(record, true);
        } else {
            outcome.lost += 1;
            return outcome;
        }
        f.size = f.size.saturating_add(record.len() as u64);
        if write_through && !f.backlog.is_empty() && outcome.result.is_ok() {
            let check = now
                .duration_since(f.checked)
                .is_ok_and(|since| since >= CHECK_INTERVAL);
            outcome.and(self.write_out(slot, index, io, now, check, stall));
        }
        outcome
    }

    /// Writes out a file's backlog, first (when `check`) making sure the file is still at
    /// its path and replacing it when it is not.
    fn write_out(
        &self,
        slot: &mut Option<LogFile>,
        index: usize,
        io: &mut Io<'_>,
        now: SystemTime,
        check: bool,
        stall: &mut Stall,
    ) -> Outcome {
        let mut outcome = Outcome::default();
        io.reclaim(slot, index);
        if check {
            if let Some(f) = slot.as_mut() {
                f.checked = now;
            }
            outcome.and(self.replace_if_gone(slot, index));
        }
        if let Some(f) = slot.as_mut().filter(|f| !f.backlog.is_empty()) {
            outcome.attempt(f.backlog.write_to(&mut &*f.file, stall));
        }
        outcome
    }

    /// Opens the file for slot `index`: the `--log-file`, appended, or a new severity file
    /// (with its header lines and symlink).
    fn open(&self, index: usize, now: SystemTime) -> io::Result<LogFile> {
        if let Some(path) = &self.config.single_file {
            let file = with_parent_dir(path, open_append)?;
            let meta = file.metadata()?;
            let size = if meta.is_file() { meta.len() } else { 0 };
            let mut f = LogFile::new(path.clone(), file, size, meta.is_file(), now);
            if size == 0 {
                self.write_header(&mut f, now);
            }
            return Ok(f);
        }
        let severity = Severity::ALL[index].name();
        let (name, path, file) = self.create_severity_file(severity, now)?;
        update_symlink(
            &self.config.dir,
            &format!("{}.{severity}", self.config.program),
            &name,
            self.config.pid,
        );
        let regular = file.metadata().map(|m| m.is_file()).unwrap_or(true);
        let mut f = LogFile::new(path, file, 0, regular, now);
        self.write_header(&mut f, now);
        Ok(f)
    }

    /// Puts the header lines first in a new file's buffer.
    fn write_header(&self, f: &mut LogFile, now: SystemTime) {
        if self.config.skip_headers {
            return;
        }
        let (secs, _) = unix_parts(now);
        let (year, month, day, hour, min, sec) = civil_from_unix(self.config.zone.wall_secs(secs));
        let header = format!(
            "Log file created at: {year:04}/{month:02}/{day:02} {hour:02}:{min:02}:{sec:02}\n\
             Running on machine: {}\n\
             Binary: Built with rustc for {}/{}\n\
             Log line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg\n",
            self.config.host,
            std::env::consts::OS,
            std::env::consts::ARCH,
        );
        f.backlog.push(header.as_bytes(), false);
        f.size = f.size.saturating_add(header.len() as u64);
        f.header_len = header.len() as u64;
    }
}

/// Opens a `--log-file` for appending, and for reading back when allowed (to rescue what
/// was written into it should it be removed).
fn open_append(path: &Path) -> io::Result<File> {
    match OpenOptions::new()
        .read(true)
        .create(true)
        .append(true)
        .open(path)
    {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            OpenOptions::new().create(true).append(true).open(path)
        }
        result => result,
    }
}

/// Checks at start-up that a `--log_file` can be opened for appending (creating it, and
/// its directory, when missing), as the first record will open it. The file is left in
/// place, empty when it was created.
pub(crate) fn check_file(path: &Path) -> io::Result<()> {
    with_parent_dir(path, open_append).map(drop)
}

/// Checks at start-up that files can be created in a `--log_dir` (creating it when
/// missing): a probe file `.klog-probe.PID` is created and removed at once.
pub(crate) fn check_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let probe = dir.join(format!(".klog-probe.{}", std::process::id()));
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&probe)?;
    // The file is created; should it not go away, it is empty and harmless.
    let _ = fs::remove_file(&probe);
    Ok(())
}

/// Runs `open` on `path`; when that fails because the parent directory is missing, creates
/// the directory and tries once more.
fn with_parent_dir(path: &Path, open: impl Fn(&Path) -> io::Result<File>) -> io::Result<File> {
    match open(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => {
                fs::create_dir_all(parent)?;
                open(path)
            }
            _ => Err(e),
        },
        result => result,
    }
}
