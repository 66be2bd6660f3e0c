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
//! Each file is buffered (256 KiB, klog's `bufferSize`) and opened with `O_APPEND`. A record
//! is handed to the buffer with one `write_all`, and [`BufWriter::write_all`] never splits
//! it: a record that fits the free space is copied into the buffer; one that does not makes
//! the buffer be written out first (a run of whole records), then is buffered whole or, when
//! it is as large as the buffer, written with one `write_all` of its own. Every write of the
//! file is thus a run of whole records, and with `O_APPEND` each lands whole at the file's
//! end even when other processes append to the same file (a regular file's `write` is only
//! ever partial on errors such as a full disk).
//!
//! Where this differs from klog:
//! - Times in file names and in `Log file created at:` are UTC (klog: local time), as every
//!   time klog-rs writes.
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
//!   the error is returned (the caller counts and reports it) and the next record tries again.
//!   At start-up, `init_with` checks the `--log_file` ([`check_file`]) or `--log_dir`
//!   ([`check_dir`]) and returns an error when it cannot be used.
//! - JSON log files (`--logging-format=json`) have no header lines (the caller sets
//!   `skip_headers`): every line is a JSON object, for `jq` and log shippers. (In Go, the
//!   JSON format is a logr backend writing to the streams; klog's files hold klog text.)
//! - A file that was deleted or moved away behind our back (its directory removed, another
//!   process rotating the shared `--log-file`) is noticed at the next [`LogFiles::flush`]
//!   (and before a rotation, and after a failed write): what is still buffered goes into a
//!   newly created file. klog keeps writing into the unlinked file. (Records written out
//!   between the removal and that flush, when the buffer filled up, went into the removed
//!   file; no check is made per record, which would cost two `stat`s each.)
//! - `max_size` applies to both kinds of files as the caller sets it; klog applies
//!   `--log-file-max-size` to `--log-file` only, and rotates per-severity files at a fixed
//!   1800 MiB (`klog.MaxSize`, also the flag's default).
//! - [`LogFiles::flush`] does not `fsync`: records that are written out survive the process
//!   ending, and klog-rs flushes on every error record, so an `fsync` there would cost a disk
//!   round trip per error (klog's flush daemon syncs every five seconds, ignoring errors).
//! - The header's `Binary:` line names rustc and Rust's OS and architecture names
//!   (`Built with rustc for linux/x86_64`; klog: `Built with gc go1.22.5 for linux/amd64`).
//! - The default user name comes from `USER` or `LOGNAME`, then (on Unix) `/etc/passwd`
//!   for the owner of `/proc/self`; klog asks the system for the current user.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use parking_lot::Mutex;

use crate::go::time::{civil_from_unix, unix_parts};
use crate::record::Severity;

/// The buffer of each file (klog's `bufferSize`).
const BUFFER_SIZE: usize = 256 * 1024;

/// How many counter suffixes are tried for a taken file name before giving up.
const MAX_NAME_ATTEMPTS: u32 = 1_000;

/// klog's severity names, in file-name and symlink order (index = [`slot`]).
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
}

/// klog's log files: created on first use, rotated by size, all behind one lock.
pub(crate) struct LogFiles {
    config: FileConfig,
    /// One slot per severity (INFO, WARNING, ERROR, FATAL); with `--log-file` only the
    /// first is used. Boxed: a `LogFiles` stays small next to other destinations.
    files: Mutex<Box<[Option<LogFile>; 4]>>,
    /// Each record is written out to its files before `write` returns (nothing stays in a
    /// buffer): see [`LogFiles::set_write_through`].
    write_through: bool,
}

impl fmt::Debug for LogFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogFiles")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// One open log file.
struct LogFile {
    path: PathBuf,
    writer: BufWriter<File>,
    /// Bytes in the file: what it held when opened, the header and every record since.
    size: u64,
    /// Whether the file holds a record (a file is only rotated once it does).
    has_record: bool,
    /// Whether it is a regular file: only those are rotated and checked for removal.
    regular: bool,
    /// A write or flush failed and the buffer may still hold what it did not write (whose
    /// first record may have been written in part): before the next record, check that the
    /// file is still there.
    failed: bool,
    /// The time of the latest record (names the file that replaces this one should it vanish).
    last_record: SystemTime,
}

impl LogFile {
    fn new(path: PathBuf, file: File, size: u64, regular: bool, now: SystemTime) -> LogFile {
        LogFile {
            path,
            writer: BufWriter::with_capacity(BUFFER_SIZE, file),
            size,
            has_record: size > 0,
            regular,
            failed: false,
            last_record: now,
        }
    }

    /// Writes (buffers) bytes, counting them.
    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self.writer.write_all(bytes) {
            Ok(()) => {
                self.size = self.size.saturating_add(bytes.len() as u64);
                // Nothing left from before this record: what failed was written out since.
                if self.writer.buffer().len() <= bytes.len() {
                    self.failed = false;
                }
                Ok(())
            }
            Err(e) => {
                self.failed = true;
                Err(e)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.writer.flush() {
            Ok(()) => {
                self.failed = false;
                Ok(())
            }
            Err(e) => {
                self.failed = true;
                Err(e)
            }
        }
    }

    /// Whether the file we write is still the one at its path (not removed, not moved away).
    fn still_at_path(&self) -> bool {
        !self.regular || same_file(self.writer.get_ref(), &self.path)
    }

    /// Closes the file without writing out the buffer, returning what it held.
    fn discard(self) -> Vec<u8> {
        let (_file, unwritten) = self.writer.into_parts();
        unwritten.unwrap_or_else(std::io::WriterPanicked::into_inner)
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
            config,
            files: Mutex::new(Box::new([None, None, None, None])),
            write_through: false,
        }
    }

    /// Stops buffering: from now on, [`write`](Self::write) writes each record out to its
    /// files before it returns (what is buffered already goes with the next record or
    /// [`flush`](Self::flush)). The files are still checked for removal at each `flush`
    /// only, not per record.
    pub(crate) fn set_write_through(&mut self) {
        self.write_through = true;
    }

    /// Writes one whole record of `severity` where klog would: the record's own severity
    /// file and, unless `one_output`, every lower severity's file too (the INFO file gets
    /// everything, WARNING gets W/E/F, ERROR gets E/F, FATAL gets F); with `--log-file`, the
    /// one file. Files are created on first use, and rotated first when the record would
    /// take them over the size limit. Returns the first error; the other files are still
    /// written.
    pub(crate) fn write(
        &self,
        severity: Severity,
        record: &[u8],
        now: SystemTime,
    ) -> io::Result<()> {
        let own = severity.number();
        let (lowest, highest) = match (&self.config.single_file, self.config.one_output) {
            (Some(_), _) => (0, 0),
            (None, true) => (own, own),
            (None, false) => (0, own),
        };
        let mut files = self.files.lock();
        let mut result = Ok(());
        // From the record's own severity down, as klog.
        for index in (lowest..=highest).rev() {
            result = result.and(self.write_slot(&mut files[index], index, record, now));
        }
        result
    }

    /// Writes out every file's buffer (FATAL first, as klog), returning the first error. A
    /// file that was removed or moved away meanwhile is replaced by a new one, which gets
    /// what was still buffered.
    pub(crate) fn flush(&self) -> io::Result<()> {
        let mut files = self.files.lock();
        let mut result = Ok(());
        for (index, file) in files.iter_mut().enumerate().rev() {
            result = result.and(self.flush_slot(file, index));
        }
        result
    }

    /// The paths of the files currently open (INFO first).
    #[cfg(test)]
    pub(crate) fn current_paths(&self) -> Vec<PathBuf> {
        self.files
            .lock()
            .iter()
            .flatten()
            .map(|f| f.path.clone())
            .collect()
    }

    fn write_slot(
        &self,
        file: &mut Option<LogFile>,
        index: usize,
        record: &[u8],
        now: SystemTime,
    ) -> io::Result<()> {
        if file.as_ref().is_some_and(|f| f.failed) {
            // The file may be gone, or its handle broken.
            self.replace_if_gone(file, index)?;
        }
        if self.is_full(file.as_ref(), record) {
            // Records still buffered for a file that was removed go to a new file rather
            // than after it; that one may have room.
            self.replace_if_gone(file, index)?;
            if self.is_full(file.as_ref(), record) {
                self.rotate(file, now)?;
            }
        }
        let f = match file {
            Some(f) => f,
            None => file.insert(self.open(index, now)?),
        };
        f.write(record)?;
        f.has_record = true;
        f.last_record = now;
        if self.write_through {
            f.flush()?;
        }
        Ok(())
    }

    /// Whether `record` would take the open file over the size limit (a file is rotated
    /// once it holds a record; a file that is not a regular file never is).
    fn is_full(&self, file: Option<&LogFile>, record: &[u8]) -> bool {
        let max = self.config.max_size;
        file.is_some_and(|f| {
            max > 0 && f.regular && f.has_record && f.size.saturating_add(record.len() as u64) > max
        })
    }

    /// Closes a full file, leaving the slot empty for the next file; with `--log-file`, the
    /// full file is first moved aside.
    fn rotate(&self, file: &mut Option<LogFile>, now: SystemTime) -> io::Result<()> {
        let Some(f) = file.as_mut() else {
            return Ok(());
        };
        // Should the buffer not go out, keep the file: the next record tries again.
        f.flush()?;
        if let Some(f) = file.take() {
            if self.config.single_file.is_some() {
                // Best effort, as klog's symlinks: should the move fail, the file is opened
                // again and grows past the limit rather than being truncated.
                let _ = move_aside(&f.path, f.writer.get_ref(), now, self.config.pid);
            }
            f.discard();
        }
        Ok(())
    }

    fn flush_slot(&self, file: &mut Option<LogFile>, index: usize) -> io::Result<()> {
        self.replace_if_gone(file, index)?;
        match file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }

    /// When the open file was removed or moved away behind our back (or its handle broke),
    /// closes it; what it still buffered goes into a new file, unless a failure left that
    /// beginning in the middle of a record (those records were reported as failed when
    /// they were). The slot is left empty when there is nothing to carry over.
    fn replace_if_gone(&self, file: &mut Option<LogFile>, index: usize) -> io::Result<()> {
        if file.as_ref().is_none_or(LogFile::still_at_path) {
            return Ok(());
        }
        let Some(old) = file.take() else {
            return Ok(());
        };
        let (failed, now) = (old.failed, old.last_record);
        let unwritten = old.discard();
        if failed || unwritten.is_empty() {
            return Ok(());
        }
        let f = file.insert(self.open(index, now)?);
        f.write(&unwritten)?;
        f.has_record = true;
        Ok(())
    }

    /// Opens the file for slot `index`: the `--log-file`, appended, or a new severity file
    /// (with its header lines and symlink).
    fn open(&self, index: usize, now: SystemTime) -> io::Result<LogFile> {
        if let Some(path) = &self.config.single_file {
            let file = with_parent_dir(path, |path| {
                OpenOptions::new().create(true).append(true).open(path)
            })?;
            let meta = file.metadata()?;
            let size = if meta.is_file() { meta.len() } else { 0 };
            let mut f = LogFile::new(path.clone(), file, size, meta.is_file(), now);
            if size == 0 {
                self.write_header(&mut f, now)?;
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
        self.write_header(&mut f, now)?;
        Ok(f)
    }

    /// Creates `program.host.user.log.SEVERITY.YYYYMMDD-hhmmss.pid` (with a counter suffix
    /// when taken), and the directory when missing. Returns the file name, path and file.
    fn create_severity_file(
        &self,
        severity: &str,
        now: SystemTime,
    ) -> io::Result<(String, PathBuf, File)> {
        let c = &self.config;
        let base = format!(
            "{}.{}.{}.log.{severity}.{}.{}",
            c.program,
            c.host,
            c.user,
            file_stamp(now),
            c.pid
        );
        let mut created_dir = false;
        let mut n = 0;
        while n < MAX_NAME_ATTEMPTS {
            let name = if n == 0 {
                base.clone()
            } else {
                format!("{base}.{n}")
            };
            let path = c.dir.join(&name);
            match OpenOptions::new().append(true).create_new(true).open(&path) {
                Ok(file) => return Ok((name, path, file)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => n += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound && !created_dir => {
                    fs::create_dir_all(&c.dir)?;
                    created_dir = true;
                }
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("log file names {base}.1 to .{MAX_NAME_ATTEMPTS} are all taken"),
        ))
    }

    fn write_header(&self, f: &mut LogFile, now: SystemTime) -> io::Result<()> {
        if self.config.skip_headers {
            return Ok(());
        }
        let (secs, _) = unix_parts(now);
        let (year, month, day, hour, min, sec) = civil_from_unix(secs);
        let header = format!(
            "Log file created at: {year:04}/{month:02}/{day:02} {hour:02}:{min:02}:{sec:02}\n\
             Running on machine: {}\n\
             Binary: Built with rustc for {}/{}\n\
             Log line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg\n",
            self.config.host,
            std::env::consts::OS,
            std::env::consts::ARCH,
        );
        f.write(header.as_bytes())
    }
}

/// Checks at start-up that a `--log_file` can be opened for appending (creating it, and
/// its directory, when missing), as the first record will open it. The file is left in
/// place, empty when it was created.
pub(crate) fn check_file(path: &Path) -> io::Result<()> {
    with_parent_dir(path, |path| {
        OpenOptions::new().create(true).append(true).open(path)
    })
    .map(drop)
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

/// `YYYYMMDD-hhmmss` of `now`, in UTC.
fn file_stamp(now: SystemTime) -> String {
    let (secs, _) = unix_parts(now);
    let (year, month, day, hour, min, sec) = civil_from_unix(secs);
    format!("{year:04}{month:02}{day:02}-{hour:02}{min:02}{sec:02}")
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

/// Whether `file` is the file at `path`.
fn same_file(file: &File, path: &Path) -> bool {
    let (Ok(open), Ok(named)) = (file.metadata(), fs::metadata(path)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        open.dev() == named.dev() && open.ino() == named.ino()
    }
    #[cfg(not(unix))]
    {
        // Without a stable file identity, a file of the same kind at the path will do.
        open.is_file() == named.is_file()
    }
}

/// Moves a full `--log-file` aside to `<log-file>.YYYYMMDD-hhmmss.pid` (a counter suffix
/// when taken), never replacing a file. Nothing is moved when the file at `path` is no
/// longer `file` (another process sharing it moved it already).
fn move_aside(path: &Path, file: &File, now: SystemTime, pid: u32) -> io::Result<()> {
    if !same_file(file, path) {
        return Ok(());
    }
    let mut base = path.as_os_str().to_owned();
    base.push(format!(".{}.{pid}", file_stamp(now)));
    for n in 0..MAX_NAME_ATTEMPTS {
        let mut target = base.clone();
        if n > 0 {
            target.push(format!(".{n}"));
        }
        // A hard link fails rather than replace a file; then the old name goes.
        match fs::hard_link(path, &target) {
            Ok(()) => return fs::remove_file(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(_) => {
                // No hard links here (some file systems): rename, unless the name is taken.
                if fs::symlink_metadata(&target).is_err() {
                    return fs::rename(path, &target);
                }
            }
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free name to move the full log file to",
    ))
}

/// Points the symlink `dir/link` at `target` (a name in `dir`), replacing it atomically: a
/// temporary symlink (named uniquely among processes and `LogFiles`) renamed over it.
/// Errors are ignored, as klog does.
#[cfg(unix)]
fn update_symlink(dir: &Path, link: &str, target: &str, pid: u32) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static TEMPORARIES: AtomicU64 = AtomicU64::new(0);
    let n = TEMPORARIES.fetch_add(1, Ordering::Relaxed);
    let temporary = dir.join(format!(".{link}.{pid}.{n}.tmp"));
    let _ = fs::remove_file(&temporary);
    if std::os::unix::fs::symlink(target, &temporary).is_ok()
        && fs::rename(&temporary, dir.join(link)).is_err()
    {
        let _ = fs::remove_file(&temporary);
    }
}

/// No symlinks outside Unix.
#[cfg(not(unix))]
fn update_symlink(_dir: &Path, _link: &str, _target: &str, _pid: u32) {}

/// Path separators replaced by `_` (klog replaces `\` in user names).
fn sanitize(name: &str) -> String {
    name.replace(['/', '\\'], "_")
}

/// klog's `shortHostname`: the host name up to its first `.` (`www.example.com` → `www`).
fn short_hostname(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// The host name as klog puts it in file names and headers: the system's host name (from
/// `/proc/sys/kernel/hostname` or `/etc/hostname`; `COMPUTERNAME` on Windows) up to its
/// first `.`; `unknownhost` when there is none.
pub(crate) fn default_host() -> String {
    let from_files = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| non_empty(fs::read_to_string(path).ok()));
    let name = from_files.or_else(|| {
        if cfg!(windows) {
            non_empty(std::env::var("COMPUTERNAME").ok())
        } else {
            None
        }
    });
    match name.as_deref().map(short_hostname) {
        Some(short) if !short.is_empty() => sanitize(short),
        _ => "unknownhost".to_owned(),
    }
}

/// The user name as klog puts it in file names: `USER`, `LOGNAME` (`USERNAME` on Windows),
/// else on Unix the `/etc/passwd` name of the user owning this process; `unknownuser` when
/// none is known. Path separators become `_` (klog: `\` on Windows).
pub(crate) fn default_user() -> String {
    let from_env = [
        "USER",
        "LOGNAME",
        if cfg!(windows) { "USERNAME" } else { "" },
    ]
    .iter()
    .filter(|var| !var.is_empty())
    .find_map(|var| non_empty(std::env::var(var).ok()));
    match from_env.or_else(passwd_user) {
        Some(name) => sanitize(&name),
        None => "unknownuser".to_owned(),
    }
}

/// The `/etc/passwd` name of the (effective) user owning this process, which owns `/proc/self`.
#[cfg(unix)]
fn passwd_user() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = fs::metadata("/proc/self").ok()?.uid().to_string();
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid && !name.is_empty()).then(|| name.to_owned())
    })
}

#[cfg(not(unix))]
fn passwd_user() -> Option<String> {
    None
}

/// The program name as klog puts it in file names: the file name of `argv[0]`
/// (`filepath.Base(os.Args[0])`), else of the executable; `unknownprogram` when neither is known.
pub(crate) fn default_program() -> String {
    let base = |path: PathBuf| {
        path.file_name()
            .map(|name| name.to_string_lossy().into_owned())
    };
    std::env::args_os()
        .next()
        .and_then(|arg| base(PathBuf::from(arg)))
        .or_else(|| std::env::current_exe().ok().and_then(base))
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknownprogram".to_owned())
}

/// The trimmed string, unless empty.
fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, UNIX_EPOCH};

    /// 2023-11-14 22:13:20 UTC.
    fn t0() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    const STAMP: &str = "20231114-221320";

    /// A fresh directory for one test, removed (with everything in it) when dropped.
    struct TestDir(PathBuf);

    impl TestDir {
        fn new(test: &str) -> TestDir {
            static COUNTER: AtomicU32 = AtomicU32::new(0);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir =
                std::env::temp_dir().join(format!("klog-files-{}-{test}-{n}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            TestDir(dir)
        }
    }

    impl Drop for TestDir {
        fn drop(&mut self) {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = fs::set_permissions(&self.0, fs::Permissions::from_mode(0o755));
            }
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn config(dir: &Path) -> FileConfig {
        FileConfig {
            dir: dir.to_owned(),
            single_file: None,
            max_size: 0,
            one_output: false,
            skip_headers: false,
            program: "prog".into(),
            host: "host".into(),
            user: "user".into(),
            pid: 4242,
        }
    }

    fn header() -> String {
        format!(
            "Log file created at: 2023/11/14 22:13:20\nRunning on machine: host\nBinary: Built with rustc for {}/{}\nLog line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg\n",
            std::env::consts::OS,
            std::env::consts::ARCH
        )
    }

    fn read(path: &Path) -> String {
        fs::read_to_string(path).unwrap()
    }

    fn name(severity: &str) -> String {
        format!("prog.host.user.log.{severity}.{STAMP}.4242")
    }

    #[test]
    fn names_symlinks_and_headers_as_klog_makes_them() {
        let dir = TestDir::new("names");
        let files = LogFiles::new(config(&dir.0));
        assert!(
            files.current_paths().is_empty(),
            "nothing is opened before the first record"
        );
        files
            .write(
                Severity::Error,
                b"E1114 22:13:20.000000 1 a.rs:1] e\n",
                t0(),
            )
            .unwrap();
        files.flush().unwrap();
        let expected: Vec<PathBuf> = ["INFO", "WARNING", "ERROR"]
            .iter()
            .map(|s| dir.0.join(name(s)))
            .collect();
        assert_eq!(files.current_paths(), expected);
        for severity in ["INFO", "WARNING", "ERROR"] {
            let path = dir.0.join(name(severity));
            assert_eq!(
                read(&path),
                format!("{}E1114 22:13:20.000000 1 a.rs:1] e\n", header())
            );
            #[cfg(unix)]
            assert_eq!(
                fs::read_link(dir.0.join(format!("prog.{severity}"))).unwrap(),
                PathBuf::from(name(severity))
            );
        }
        assert!(!dir.0.join(name("FATAL")).exists());
        assert!(!dir.0.join("prog.FATAL").exists());
        // No temporary symlink is left behind.
        let mut entries: Vec<String> = fs::read_dir(&dir.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        entries.sort();
        let mut expected_entries: Vec<String> = ["INFO", "WARNING", "ERROR"]
            .iter()
            .map(|s| name(s))
            .collect();
        if cfg!(unix) {
            expected_entries.extend(["prog.INFO", "prog.WARNING", "prog.ERROR"].map(String::from));
        }
        expected_entries.sort();
        assert_eq!(entries, expected_entries);
    }

    #[test]
    fn skip_headers_leaves_only_records() {
        let dir = TestDir::new("skip");
        let files = LogFiles::new(FileConfig {
            skip_headers: true,
            ..config(&dir.0)
        });
        files.write(Severity::Info, b"I1\n", t0()).unwrap();
        files.flush().unwrap();
        assert_eq!(read(&dir.0.join(name("INFO"))), "I1\n");
    }

    #[test]
    fn fan_out_to_lower_severities_or_one_output() {
        let records: [(Severity, &[u8]); 5] = [
            (Severity::Info, b"I\n"),
            (Severity::Warning, b"W\n"),
            (Severity::Error, b"E\n"),
            (Severity::Fatal, b"F\n"),
            (Severity::Info, b"I2\n"),
        ];
        for one_output in [false, true] {
            let dir = TestDir::new("fanout");
            let files = LogFiles::new(FileConfig {
                one_output,
                skip_headers: true,
                ..config(&dir.0)
            });
            for (severity, record) in records {
                files.write(severity, record, t0()).unwrap();
            }
            files.flush().unwrap();
            let contents = |s: &str| read(&dir.0.join(name(s)));
            if one_output {
                assert_eq!(contents("INFO"), "I\nI2\n");
                assert_eq!(contents("WARNING"), "W\n");
                assert_eq!(contents("ERROR"), "E\n");
                assert_eq!(contents("FATAL"), "F\n");
            } else {
                assert_eq!(contents("INFO"), "I\nW\nE\nF\nI2\n");
                assert_eq!(contents("WARNING"), "W\nE\nF\n");
                assert_eq!(contents("ERROR"), "E\nF\n");
                assert_eq!(contents("FATAL"), "F\n");
            }
        }
    }

    #[test]
    fn one_output_creates_only_the_files_logged_to() {
        let dir = TestDir::new("oneoutput");
        let files = LogFiles::new(FileConfig {
            one_output: true,
            ..config(&dir.0)
        });
        files.write(Severity::Error, b"E\n", t0()).unwrap();
        assert_eq!(files.current_paths(), vec![dir.0.join(name("ERROR"))]);
    }

    #[test]
    fn single_file_appends_every_severity() {
        let dir = TestDir::new("single");
        let path = dir.0.join("sub").join("app.log");
        // A new file gets the header lines (and its missing directory).
        let files = LogFiles::new(FileConfig {
            single_file: Some(path.clone()),
            ..config(&dir.0)
        });
        files.write(Severity::Info, b"I1\n", t0()).unwrap();
        files.write(Severity::Error, b"E1\n", t0()).unwrap();
        files.flush().unwrap();
        assert_eq!(files.current_paths(), vec![path.clone()]);
        drop(files);
        assert_eq!(read(&path), format!("{}I1\nE1\n", header()));
        // A second run appends, without header lines in the middle.
        let files = LogFiles::new(FileConfig {
            single_file: Some(path.clone()),
            ..config(&dir.0)
        });
        files.write(Severity::Warning, b"W2\n", t0()).unwrap();
        files.write(Severity::Fatal, b"F2\n", t0()).unwrap();
        files.flush().unwrap();
        assert_eq!(read(&path), format!("{}I1\nE1\nW2\nF2\n", header()));
        // Neither per-severity files nor symlinks.
        let entries: Vec<_> = fs::read_dir(&dir.0)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries, vec![std::ffi::OsString::from("sub")]);
    }

    #[test]
    fn a_record_larger_than_the_limit_still_goes_out_whole() {
        let dir = TestDir::new("large");
        let files = LogFiles::new(FileConfig {
            max_size: 100,
            skip_headers: true,
            ..config(&dir.0)
        });
        let big = vec![b'x'; 300];
        files.write(Severity::Info, &big, t0()).unwrap();
        files.write(Severity::Info, b"small\n", t0()).unwrap();
        files.write(Severity::Info, b"small\n", t0()).unwrap();
        files.flush().unwrap();
        assert_eq!(fs::read(dir.0.join(name("INFO"))).unwrap(), big);
        assert_eq!(
            read(&dir.0.join(format!("{}.1", name("INFO")))),
            "small\nsmall\n"
        );
        assert_eq!(
            files.current_paths(),
            vec![dir.0.join(format!("{}.1", name("INFO")))]
        );
    }

    /// The record thread `t` writes as its `n`th: `id=t-n`, padded with a letter that
    /// depends on both, to a length that varies.
    fn test_record(t: usize, n: usize) -> (Severity, Vec<u8>) {
        let severity = if n % 3 == 0 {
            Severity::Warning
        } else {
            Severity::Info
        };
        let letter = if severity == Severity::Warning {
            'W'
        } else {
            'I'
        };
        let pad_char = char::from(b'a' + ((t * 7 + n) % 26) as u8);
        let pad: String = std::iter::repeat_n(pad_char, 50 + (n * 37) % 1_000).collect();
        (
            severity,
            format!("{letter}1114 22:13:20.000000 {t} files.rs:1] id={t}-{n} pad={pad}\n")
                .into_bytes(),
        )
    }

    /// Parses records back, checking each is whole: `(t, n, severity letter)`.
    fn parse_records(body: &str) -> Vec<(usize, usize, char)> {
        assert!(
            body.is_empty() || body.ends_with('\n'),
            "a file ends with a whole record"
        );
        body.lines()
            .map(|line| {
                let letter = line.chars().next().unwrap();
                let id = line
                    .split(" id=")
                    .nth(1)
                    .expect(line)
                    .split(' ')
                    .next()
                    .unwrap();
                let (t, n) = id.split_once('-').unwrap();
                let (t, n): (usize, usize) = (t.parse().unwrap(), n.parse().unwrap());
                let (_, expected) = test_record(t, n);
                assert_eq!(
                    format!("{line}\n").as_bytes(),
                    expected,
                    "record {t}-{n} is torn"
                );
                (t, n, letter)
            })
            .collect()
    }

    /// Sorts one severity's files by creation: the base name, then `.1`, `.2`, …
    fn files_of(dir: &Path, severity: &str) -> Vec<PathBuf> {
        let base = name(severity);
        let mut files: Vec<(u32, PathBuf)> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|file| {
                let n = if file == base {
                    0
                } else {
                    file.strip_prefix(&format!("{base}."))?.parse().ok()?
                };
                Some((n, dir.join(file)))
            })
            .collect();
        files.sort();
        files.into_iter().map(|(_, path)| path).collect()
    }

    #[test]
    fn rotation_under_concurrent_writers_loses_and_tears_nothing() {
        const THREADS: usize = 4;
        const PER_THREAD: usize = 2_300; // ~580 bytes each: ~5.3 MiB in all.
        const LIMIT: u64 = 1024 * 1024;
        let dir = TestDir::new("rotation");
        let files = Arc::new(LogFiles::new(FileConfig {
            max_size: LIMIT,
            ..config(&dir.0)
        }));
        let threads: Vec<_> = (0..THREADS)
            .map(|t| {
                let files = Arc::clone(&files);
                std::thread::spawn(move || {
                    for n in 0..PER_THREAD {
                        let (severity, record) = test_record(t, n);
                        // The same second throughout: every rotation needs a counter suffix.
                        files.write(severity, &record, t0()).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        files.flush().unwrap();
        let longest = (0..THREADS)
            .flat_map(|t| (0..PER_THREAD).map(move |n| test_record(t, n).1.len()))
            .max()
            .unwrap() as u64;
        let header = header();
        for (severity, letters) in [("INFO", &['I', 'W'][..]), ("WARNING", &['W'][..])] {
            let paths = files_of(&dir.0, severity);
            assert!(
                paths.len() >= if severity == "INFO" { 5 } else { 2 },
                "{severity}: {paths:?}"
            );
            let mut seen: BTreeMap<(usize, usize), usize> = BTreeMap::new();
            let mut last = [None; THREADS];
            for path in &paths {
                let size = fs::metadata(path).unwrap().len();
                assert!(
                    size <= LIMIT + longest,
                    "{} holds {size} bytes",
                    path.display()
                );
                let body = read(path);
                let records = body.strip_prefix(&header).expect("header lines");
                let parsed = parse_records(records);
                assert!(!parsed.is_empty());
                for (t, n, letter) in parsed {
                    assert!(letters.contains(&letter));
                    *seen.entry((t, n)).or_default() += 1;
                    // Each thread's records in order, across files too.
                    assert!(last[t] < Some(n), "{t}-{n} after {:?}", last[t]);
                    last[t] = Some(n);
                }
            }
            let expected: Vec<(usize, usize)> = (0..THREADS)
                .flat_map(|t| (0..PER_THREAD).map(move |n| (t, n)))
                .filter(|&(t, n)| {
                    letters.contains(
                        &(if test_record(t, n).0 == Severity::Warning {
                            'W'
                        } else {
                            'I'
                        }),
                    )
                })
                .collect();
            assert_eq!(
                seen.keys().copied().collect::<Vec<_>>(),
                expected,
                "{severity}"
            );
            assert!(
                seen.values().all(|&count| count == 1),
                "{severity}: a record written twice"
            );
            #[cfg(unix)]
            {
                let newest = paths.last().unwrap();
                assert_eq!(
                    fs::read_link(dir.0.join(format!("prog.{severity}"))).unwrap(),
                    PathBuf::from(newest.file_name().unwrap())
                );
                assert!(files.current_paths().contains(newest));
            }
        }
    }

    #[test]
    fn write_through_leaves_nothing_in_the_buffer() {
        let dir = TestDir::new("writethrough");
        let mut files = LogFiles::new(FileConfig {
            skip_headers: true,
            ..config(&dir.0)
        });
        files.write(Severity::Info, b"I buffered\n", t0()).unwrap();
        assert!(!dir.0.join(name("INFO")).exists() || read(&dir.0.join(name("INFO"))).is_empty());
        files.flush().unwrap();
        files.set_write_through();
        for n in 0..3 {
            files
                .write(Severity::Warning, format!("W {n}\n").as_bytes(), t0())
                .unwrap();
            // Without a flush: in both files already.
            let expected: String = (0..=n).map(|k| format!("W {k}\n")).collect();
            assert_eq!(read(&dir.0.join(name("WARNING"))), expected);
            assert_eq!(
                read(&dir.0.join(name("INFO"))),
                format!("I buffered\n{expected}")
            );
        }
    }

    #[test]
    fn start_up_checks() {
        let dir = TestDir::new("checks");
        // Created when missing, and nothing left behind.
        check_dir(&dir.0.join("a/b")).unwrap();
        assert_eq!(fs::read_dir(dir.0.join("a/b")).unwrap().count(), 0);
        check_file(&dir.0.join("c/app.log")).unwrap();
        assert_eq!(read(&dir.0.join("c/app.log")), "");
        // An existing file is appended to, not truncated.
        fs::write(dir.0.join("c/app.log"), "kept\n").unwrap();
        check_file(&dir.0.join("c/app.log")).unwrap();
        assert_eq!(read(&dir.0.join("c/app.log")), "kept\n");
        // A regular file in the way.
        let plain = dir.0.join("plain");
        fs::write(&plain, "x").unwrap();
        assert!(check_dir(&plain.join("logs")).is_err());
        assert!(check_dir(&plain).is_err());
        assert!(check_file(&plain.join("app.log")).is_err());
    }

    #[test]
    fn single_file_rotation_moves_the_full_file_aside() {
        let dir = TestDir::new("singlerotation");
        let path = dir.0.join("app.log");
        let files = LogFiles::new(FileConfig {
            single_file: Some(path.clone()),
            max_size: 1_000,
            skip_headers: true,
            ..config(&dir.0)
        });
        let records: Vec<Vec<u8>> = (0..30)
            .map(|n| format!("I record {n:03} {}\n", "x".repeat(80)).into_bytes())
            .collect();
        for record in &records {
            files.write(Severity::Info, record, t0()).unwrap();
        }
        files.flush().unwrap();
        let aside = format!("app.log.{STAMP}.4242");
        let mut names: Vec<String> = fs::read_dir(&dir.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort_by_key(|name| {
            let suffix = name.strip_prefix(&aside).unwrap_or("");
            (
                name == "app.log",
                suffix.trim_start_matches('.').parse::<u32>().unwrap_or(0),
            )
        });
        assert_eq!(names[0], aside);
        assert_eq!(names[1], format!("{aside}.1"));
        assert_eq!(names.last().unwrap(), "app.log");
        let all: String = names.iter().map(|name| read(&dir.0.join(name))).collect();
        let expected: String = records
            .iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect();
        assert_eq!(all, expected, "every record, once, in order");
        for name in &names {
            assert!(fs::metadata(dir.0.join(name)).unwrap().len() <= 1_000);
        }
        assert_eq!(files.current_paths(), vec![path]);
    }

    #[test]
    fn a_removed_directory_is_created_again() {
        let dir = TestDir::new("removed");
        let log_dir = dir.0.join("logs");
        let files = LogFiles::new(config(&log_dir));
        files.write(Severity::Info, b"I first\n", t0()).unwrap();
        files.flush().unwrap();
        fs::remove_dir_all(&log_dir).unwrap();
        // The file is gone with its directory; the record is buffered, and the flush
        // notices and writes it into a new file.
        files.write(Severity::Info, b"I second\n", t0()).unwrap();
        files.flush().unwrap();
        assert_eq!(
            read(&log_dir.join(name("INFO"))),
            format!("{}I second\n", header())
        );
        files.write(Severity::Info, b"I third\n", t0()).unwrap();
        files.flush().unwrap();
        assert_eq!(
            read(&log_dir.join(name("INFO"))),
            format!("{}I second\nI third\n", header())
        );
        #[cfg(unix)]
        assert_eq!(
            fs::read_link(log_dir.join("prog.INFO")).unwrap(),
            PathBuf::from(name("INFO"))
        );
        // Removed while no file is open (a rotation closed it): the next file re-creates it.
        let files = LogFiles::new(FileConfig {
            max_size: 1,
            skip_headers: true,
            ..config(&log_dir)
        });
        files.write(Severity::Warning, b"W1\n", t0()).unwrap();
        files.flush().unwrap();
        fs::remove_dir_all(&log_dir).unwrap();
        files.write(Severity::Warning, b"W2\n", t0()).unwrap();
        files.flush().unwrap();
        // (The name is free again: the first file went with the directory.)
        assert_eq!(read(&log_dir.join(name("WARNING"))), "W2\n");
        assert_eq!(read(&log_dir.join(name("INFO"))), "W2\n");
        // Removed with records still buffered, as a record fills the file: they go into a
        // new file, and the record into the next.
        let files = LogFiles::new(FileConfig {
            max_size: 4,
            skip_headers: true,
            one_output: true,
            ..config(&log_dir)
        });
        fs::remove_dir_all(&log_dir).unwrap();
        files.write(Severity::Error, b"E1\n", t0()).unwrap();
        fs::remove_dir_all(&log_dir).unwrap();
        files.write(Severity::Error, b"E2\n", t0()).unwrap();
        files.flush().unwrap();
        assert_eq!(read(&log_dir.join(name("ERROR"))), "E1\n");
        assert_eq!(read(&log_dir.join(format!("{}.1", name("ERROR")))), "E2\n");
        #[cfg(unix)]
        assert_eq!(
            fs::read_link(log_dir.join("prog.ERROR")).unwrap(),
            PathBuf::from(format!("{}.1", name("ERROR")))
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_directory_gives_an_error() {
        use std::os::unix::fs::PermissionsExt;
        let dir = TestDir::new("readonly");
        fs::set_permissions(&dir.0, fs::Permissions::from_mode(0o555)).unwrap();
        let probe = dir.0.join("probe");
        if File::create(&probe).is_ok() {
            // Running as root: permissions do not stop us.
            let _ = fs::remove_file(&probe);
            return;
        }
        let files = LogFiles::new(config(&dir.0));
        for _ in 0..2 {
            let error = files.write(Severity::Error, b"E\n", t0()).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
        }
        assert!(files.current_paths().is_empty());
        files.flush().unwrap();
        // Once the directory is writable again, logging resumes.
        fs::set_permissions(&dir.0, fs::Permissions::from_mode(0o755)).unwrap();
        files.write(Severity::Info, b"I\n", t0()).unwrap();
        assert_eq!(files.current_paths().len(), 1);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_device_gives_errors_not_panics() {
        let full = PathBuf::from("/dev/full");
        if OpenOptions::new().append(true).open(&full).is_err() {
            return;
        }
        let dir = TestDir::new("full");
        let files = LogFiles::new(FileConfig {
            single_file: Some(full.clone()),
            max_size: 10,
            ..config(&dir.0)
        });
        files.write(Severity::Info, b"I\n", t0()).unwrap();
        assert_eq!(files.flush().unwrap_err().raw_os_error(), Some(28)); // ENOSPC
                                                                         // Not a regular file: never rotated nor moved aside; the errors keep coming.
        let record = vec![b'x'; BUFFER_SIZE];
        assert!(files.write(Severity::Error, &record, t0()).is_err());
        assert!(files.flush().is_err());
        assert_eq!(files.current_paths(), vec![full]);
    }

    /// `BufWriter::write_all` never splits a record across two writes of the file: every
    /// write is a run of whole records.
    #[test]
    fn bufwriter_writes_whole_records_only() {
        struct Recorder(Vec<Vec<u8>>);
        impl Write for Recorder {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.push(buf.to_vec());
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        const CAPACITY: usize = 64;
        let mut writer = BufWriter::with_capacity(CAPACITY, Recorder(Vec::new()));
        let mut records = Vec::new();
        for n in 0..200_usize {
            // Sizes below, at and above the capacity.
            let len = 1 + (n * 13) % (CAPACITY + 20);
            let record = vec![b'a' + (n % 26) as u8; len];
            writer.write_all(&record).unwrap();
            records.push(record);
        }
        writer.flush().unwrap();
        let writes = &writer.get_ref().0;
        let mut next = records.iter();
        for write in writes {
            let mut rest = &write[..];
            while !rest.is_empty() {
                let record = next.next().expect("more bytes than records");
                assert!(rest.starts_with(record), "a write ends inside a record");
                rest = &rest[record.len()..];
            }
        }
        assert!(next.next().is_none());
    }

    #[test]
    fn defaults_and_sanitizing() {
        assert_eq!(short_hostname("www.google.com"), "www");
        assert_eq!(short_hostname("node-1"), "node-1");
        assert_eq!(sanitize(r"DOMAIN\user"), "DOMAIN_user");
        for value in [default_host(), default_user(), default_program()] {
            assert!(!value.is_empty());
            assert!(!value.contains(['/', '\\']), "{value}");
        }
        assert!(!default_host().contains('.'));
        let files = LogFiles::new(FileConfig {
            user: r"DOMAIN\user".into(),
            host: "a/b".into(),
            ..config(Path::new("/nonexistent"))
        });
        assert_eq!(files.config.user, "DOMAIN_user");
        assert_eq!(files.config.host, "a_b");
    }

    #[test]
    fn log_files_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<LogFiles>();
    }
}
