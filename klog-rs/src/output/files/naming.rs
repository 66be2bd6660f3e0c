//! File names as klog makes them: `program.host.user.log.SEVERITY.YYYYMMDD-hhmmss.pid`, the
//! `program.SEVERITY` symlinks, and the defaults for the program, host and user names.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::FileWriter;
use crate::go::time::{civil_from_unix, unix_parts};
use crate::go::zone::TimeZone;

/// How many counter suffixes are tried for a taken file name before giving up.
pub(super) const MAX_NAME_ATTEMPTS: u32 = 1_000;

impl FileWriter {
    /// Creates `program.host.user.log.SEVERITY.YYYYMMDD-hhmmss.pid` (with a counter suffix
    /// when taken), and the directory when missing. Returns the file name, path and file.
    pub(super) fn create_severity_file(
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
            file_stamp(now, c.zone),
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
            match OpenOptions::new()
                .read(true)
                .append(true)
                .create_new(true)
                .open(&path)
            {
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
}

/// `YYYYMMDD-hhmmss` of `now`, in `zone`.
pub(super) fn file_stamp(now: SystemTime, zone: TimeZone) -> String {
    let (secs, _) = unix_parts(now);
    let (year, month, day, hour, min, sec) = civil_from_unix(zone.wall_secs(secs));
    format!("{year:04}{month:02}{day:02}-{hour:02}{min:02}{sec:02}")
}

/// Points the symlink `dir/link` at `target` (a name in `dir`), replacing it atomically: a
/// temporary symlink (named uniquely among processes and `LogFiles`) renamed over it.
/// Errors are ignored, as klog does.
#[cfg(unix)]
pub(super) fn update_symlink(dir: &Path, link: &str, target: &str, pid: u32) {
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
pub(super) fn update_symlink(_dir: &Path, _link: &str, _target: &str, _pid: u32) {}

/// Path separators replaced by `_` (klog replaces `\` in user names).
pub(super) fn sanitize(name: &str) -> String {
    name.replace(['/', '\\'], "_")
}

/// klog's `shortHostname`: the host name up to its first `.` (`www.example.com` → `www`).
pub(super) fn short_hostname(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

/// The host name as klog puts it in file names and headers: the system's host name (Go's
/// `os.Hostname`: the `uname` node name on Unix, the physical DNS host name on Windows) up
/// to its first `.`; `unknownhost` when there is none.
pub(crate) fn default_host() -> String {
    let name = non_empty(gethostname::gethostname().into_string().ok());
    match name.as_deref().map(short_hostname) {
        Some(short) if !short.is_empty() => sanitize(short),
        _ => "unknownhost".to_owned(),
    }
}

/// The user name as klog puts it in file names: `USER`, `LOGNAME` (`USERNAME` on Windows),
/// else on Unix the name of the process's (real) user in the system's user database (Go's
/// `user.Current()`); `unknownuser` when none is known. Path separators become `_` (klog:
/// `\` on Windows).
pub(crate) fn default_user() -> String {
    let from_env = [
        "USER",
        "LOGNAME",
        if cfg!(windows) { "USERNAME" } else { "" },
    ]
    .iter()
    .filter(|var| !var.is_empty())
    .find_map(|var| non_empty(std::env::var(var).ok()));
    match from_env.or_else(system_user) {
        Some(name) => sanitize(&name),
        None => "unknownuser".to_owned(),
    }
}

/// The name of the process's real user (`getpwuid_r(getuid())`, as Go's `user.Current`).
#[cfg(unix)]
fn system_user() -> Option<String> {
    let name = uzers::get_current_username()?;
    Some(name.to_string_lossy().into_owned()).filter(|name| !name.is_empty())
}

#[cfg(not(unix))]
fn system_user() -> Option<String> {
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
