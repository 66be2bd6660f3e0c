//! Rotation: when a record would take a file over the size limit, the file is closed (a
//! `--log-file` moved aside first) and the next record opens a new one; a file removed
//! behind our back is replaced.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;
use std::time::SystemTime;

use super::naming::{file_stamp, MAX_NAME_ATTEMPTS};
use super::{FileWriter, LogFile};
use crate::go::zone::TimeZone;
use crate::output::backlog::Outcome;

impl FileWriter {
    /// Whether `record` would take the open file over the size limit (a file is rotated
    /// once it holds a record; a file that is not a regular file never is).
    pub(super) fn is_full(&self, file: Option<&LogFile>, record: &[u8]) -> bool {
        let max = self.config.max_size;
        file.is_some_and(|f| {
            max > 0 && f.regular && f.has_record && f.size.saturating_add(record.len() as u64) > max
        })
    }

    /// Closes a full file whose buffer was written out, leaving the slot empty for the
    /// next file; with `--log-file`, the full file is first moved aside.
    pub(super) fn rotate(&self, file: &mut Option<LogFile>, now: SystemTime) {
        if file.as_ref().is_none_or(|f| !f.backlog.is_empty()) {
            return;
        }
        if let Some(f) = file.take() {
            if self.config.single_file.is_some() {
                // Best effort, as klog's symlinks: should the move fail, the file is opened
                // again and grows past the limit rather than being truncated.
                let _ = move_aside(&f.path, &f.file, now, self.config.pid, self.config.zone);
            }
        }
    }

    /// Checks that the open file is still the one at its path. When it was removed or
    /// moved away behind our back, it is replaced: a new file gets, after its header, what
    /// a removed file received since it was last seen at its path (copied back from the
    /// open file, so nothing written into the removed file is lost), then what is still
    /// waiting (the rest of a record that was cut by a failed write is dropped and
    /// counted: the new file starts on a record). A file moved away keeps what was
    /// written into it (logrotate's `create`); with nothing waiting, the slot is left
    /// empty for the next record.
    pub(super) fn replace_if_gone(&self, slot: &mut Option<LogFile>, index: usize) -> Outcome {
        let Some(f) = slot.as_mut().filter(|f| f.regular) else {
            return Outcome::default();
        };
        let identity = identify(&f.file, &f.path);
        if identity.still_at_path {
            if let Some(seen) = f.seen.as_mut() {
                *seen = identity
                    .size
                    .saturating_sub(f.backlog.head_written() as u64);
            }
            return Outcome::default();
        }
        let mut outcome = Outcome::default();
        let rescued = match f.seen.filter(|_| identity.removed) {
            Some(seen) => read_from(&f.file, seen.max(f.header_len), identity.size),
            None => Vec::new(),
        };
        let lost = f.backlog.drop_torn();
        outcome.lost += lost;
        if f.backlog.is_empty() && rescued.is_empty() {
            *slot = None;
            return outcome;
        }
        let mut replacement = match self.open(index, f.last_record) {
            Ok(new) => new,
            Err(e) => {
                // The old file is kept: the next write or flush tries again.
                outcome.and(Outcome::failed(e, 0));
                return outcome;
            }
        };
        let Some(old) = slot.take() else {
            return outcome;
        };
        if !rescued.is_empty() {
            replacement.backlog.push(&rescued, false);
            let _ = writeln!(
                io::stderr(),
                "klog: log file {} was removed; writing to {} now, and the {} bytes written into the removed file since it was last seen were copied there",
                old.path.display(),
                replacement.path.display(),
                rescued.len()
            );
        }
        replacement.size = replacement
            .size
            .saturating_add((rescued.len() + old.backlog.len()) as u64);
        replacement.has_record = true;
        replacement.last_record = old.last_record;
        replacement.backlog.append(old.backlog);
        *slot = Some(replacement);
        outcome
    }
}

/// What a check of an open file against its path found.
struct Identity {
    /// The file at the path is the open file.
    still_at_path: bool,
    /// The open file has no name left (removed, not moved).
    removed: bool,
    /// The open file's size.
    size: u64,
}

fn identify(file: &File, path: &Path) -> Identity {
    let open = file.metadata().ok();
    let size = open.as_ref().map_or(0, fs::Metadata::len);
    let still_at_path = open
        .as_ref()
        .is_some_and(|open| fs::metadata(path).is_ok_and(|named| same_identity(open, &named)));
    #[cfg(unix)]
    let removed = {
        use std::os::unix::fs::MetadataExt;
        open.as_ref().is_some_and(|m| m.nlink() == 0)
    };
    #[cfg(not(unix))]
    let removed = false;
    Identity {
        still_at_path,
        removed,
        size,
    }
}

/// The bytes of `file` from `from` to `to` (what could be read of them).
fn read_from(file: &File, from: u64, to: u64) -> Vec<u8> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        let mut out = vec![0; usize::try_from(to.saturating_sub(from)).unwrap_or(0)];
        let mut done = 0;
        while done < out.len() {
            match file.read_at(&mut out[done..], from + done as u64) {
                Ok(0) => break,
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        out.truncate(done);
        out
    }
    #[cfg(not(unix))]
    {
        let _ = (file, from, to);
        Vec::new()
    }
}

/// Whether `file` is the file at `path`.
pub(super) fn same_file(file: &File, path: &Path) -> bool {
    let (Ok(open), Ok(named)) = (file.metadata(), fs::metadata(path)) else {
        return false;
    };
    same_identity(&open, &named)
}

fn same_identity(open: &fs::Metadata, named: &fs::Metadata) -> bool {
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
fn move_aside(
    path: &Path,
    file: &File,
    now: SystemTime,
    pid: u32,
    zone: TimeZone,
) -> io::Result<()> {
    if !same_file(file, path) {
        return Ok(());
    }
    let mut base = path.as_os_str().to_owned();
    base.push(format!(".{}.{pid}", file_stamp(now, zone)));
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
