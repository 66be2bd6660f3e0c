//! Rotation: when a record would take a file over the size limit, the file is closed (a
//! `--log-file` moved aside first) and the next record opens a new one; a file removed
//! behind our back is replaced.

use std::fs::{self, File};
use std::io;
use std::path::Path;
use std::time::SystemTime;

use super::naming::{file_stamp, MAX_NAME_ATTEMPTS};
use super::{LogFile, LogFiles};

impl LogFiles {
    /// Whether `record` would take the open file over the size limit (a file is rotated
    /// once it holds a record; a file that is not a regular file never is).
    pub(super) fn is_full(&self, file: Option<&LogFile>, record: &[u8]) -> bool {
        let max = self.config.max_size;
        file.is_some_and(|f| {
            max > 0 && f.regular && f.has_record && f.size.saturating_add(record.len() as u64) > max
        })
    }

    /// Closes a full file, leaving the slot empty for the next file; with `--log-file`, the
    /// full file is first moved aside.
    pub(super) fn rotate(&self, file: &mut Option<LogFile>, now: SystemTime) -> io::Result<()> {
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

    /// When the open file was removed or moved away behind our back (or its handle broke),
    /// closes it; what it still buffered goes into a new file, unless a failure left that
    /// beginning in the middle of a record (those records were reported as failed when
    /// they were). The slot is left empty when there is nothing to carry over.
    pub(super) fn replace_if_gone(
        &self,
        file: &mut Option<LogFile>,
        index: usize,
    ) -> io::Result<()> {
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
}

/// Whether `file` is the file at `path`.
pub(super) fn same_file(file: &File, path: &Path) -> bool {
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
