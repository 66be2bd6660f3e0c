//! The klog text header: `Lmmdd hh:mm:ss.uuuuuu PPPPPPP file:line] `.
//!
//! Hot path: no allocation, no locks, no fmt machinery. The `mmdd hh:mm:ss.` part changes
//! once a second, so each thread keeps it formatted ([`HeaderCache`]), and the time zone's
//! offset is looked up only then: a record in the same second and zone pays nothing for
//! the zone. The pid column is formatted once per sink ([`PidField`]).
//!
//! # Compatibility
//! Mirrors klog's `internal/buffer` `FormatHeader`, in the local zone as klog (or in UTC,
//! [`TimeZone::Utc`]); see `docs/format.md`.

use crate::go::escape::write_escaped;
use crate::go::time::civil_from_unix;
use crate::go::zone::TimeZone;

/// The 7-column process id field with its surrounding spaces (` 1234567 `): the lowest 7
/// digits of a positive pid, right-aligned; 7 spaces for a pid ≤ 0.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PidField([u8; 9]);

impl Default for PidField {
    /// The column of no pid (pid 0): blank.
    fn default() -> Self {
        PidField::new(0)
    }
}

impl PidField {
    pub(crate) fn new(pid: i64) -> PidField {
        let mut field = [b' '; 9];
        if pid > 0 {
            let mut rest = pid % 10_000_000;
            let mut i = 7;
            loop {
                field[i] = b'0' + (rest % 10) as u8;
                rest /= 10;
                i -= 1;
                // klog zero-pads within the 7 digits only when the pid had more digits.
                if rest == 0 && (pid < 10_000_000 || i == 0) {
                    break;
                }
            }
        }
        PidField(field)
    }
}

/// The formatted `mmdd hh:mm:ss.` of the last second (and zone) this thread wrote.
#[derive(Debug)]
pub(crate) struct HeaderCache {
    secs: i64,
    zone: TimeZone,
    prefix: [u8; 14],
}

impl Default for HeaderCache {
    fn default() -> Self {
        HeaderCache {
            secs: i64::MIN,
            zone: TimeZone::Utc,
            prefix: [0; 14],
        }
    }
}

impl HeaderCache {
    // The zone's offset is resolved here only: once a second, never per record. An offset
    // changes on whole seconds, so the prefix of a second holds for all of it.
    #[cold]
    #[inline(never)]
    fn refresh(&mut self, secs: i64, zone: TimeZone) {
        let (_, month, day, hour, minute, second) = civil_from_unix(zone.wall_secs(secs));
        let p = &mut self.prefix;
        two_digits(&mut p[0..2], month);
        two_digits(&mut p[2..4], day);
        p[4] = b' ';
        two_digits(&mut p[5..7], hour);
        p[7] = b':';
        two_digits(&mut p[8..10], minute);
        p[10] = b':';
        two_digits(&mut p[11..13], second);
        p[13] = b'.';
        self.secs = secs;
        self.zone = zone;
    }
}

fn two_digits(out: &mut [u8], v: u32) {
    out[0] = b'0' + (v / 10 % 10) as u8;
    out[1] = b'0' + (v % 10) as u8;
}

/// Where a record was logged, as the header shows it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum HeaderCaller<'a> {
    /// A source path (or already its base name) and a line; negative lines are written
    /// as 0.
    Location(&'a str, i64),
    /// A path written as it is (already cut to what the header shows) and a line.
    Path(&'a str, i64),
    /// A `file:line` read from a log line (by the converter): written as it is, unless a
    /// control character (a line break!) or a `] ` (which ends the header) would break the
    /// line. Negative lines are written as 0.
    // Only the converter, which needs the `serde` feature, reads log lines.
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    Parsed(&'a str, i64),
    /// `file.rs:42`, rendered before.
    Rendered(&'a [u8]),
    /// `???:1`.
    Unknown,
}

/// Appends the header for a record at `secs.nanos` (Unix time), in `zone`.
#[inline]
pub(crate) fn write_header(
    out: &mut Vec<u8>,
    cache: &mut HeaderCache,
    severity: u8,
    (secs, nanos): (i64, u32),
    zone: TimeZone,
    pid: &PidField,
    caller: HeaderCaller<'_>,
) {
    if cache.secs != secs || cache.zone != zone {
        cache.refresh(secs, zone);
    }
    out.push(severity);
    out.extend_from_slice(&cache.prefix);
    // The last six of eight digits made in one word (a byte at a time, they were stored
    // singly and read back whole, which the store buffer cannot forward).
    out.extend_from_slice(&crate::go::float::eight_digits(nanos / 1000)[2..]);
    out.extend_from_slice(&pid.0);
    match caller {
        HeaderCaller::Rendered(text) => out.extend_from_slice(text),
        HeaderCaller::Location(file, line) => {
            let base = match memrchr_slash(file.as_bytes()) {
                Some(i) => &file[i + 1..],
                None => file,
            };
            out.extend_from_slice(base.as_bytes());
            out.push(b':');
            out.extend_from_slice(itoa::Buffer::new().format(line.max(0)).as_bytes());
        }
        HeaderCaller::Path(path, line) => {
            out.extend_from_slice(path.as_bytes());
            out.push(b':');
            out.extend_from_slice(itoa::Buffer::new().format(line.max(0)).as_bytes());
        }
        HeaderCaller::Parsed(file, line) => {
            if breaks_header(file) {
                write_escaped_caller(out, file);
            } else {
                out.extend_from_slice(file.as_bytes());
            }
            out.push(b':');
            out.extend_from_slice(itoa::Buffer::new().format(line.max(0)).as_bytes());
        }
        HeaderCaller::Unknown => out.extend_from_slice(b"???:1"),
    }
    out.extend_from_slice(b"] ");
}

/// Whether `file` holds a control character (a line break!) or a `] ` (which ends the
/// header).
fn breaks_header(file: &str) -> bool {
    // One pass without early exit (vectorized) clears the usual path; a `]` or a byte
    // outside printable ASCII gets the exact look.
    let suspect = file.bytes().fold(false, |suspect, b| {
        suspect | !(b' '..=b'~').contains(&b) | (b == b']')
    });
    suspect && (file.contains("] ") || file.chars().any(char::is_control))
}

/// A caller that would break the header, Go-escaped without quotes; a space after `]`
/// becomes `\x20`, so no `] ` ends the header early.
#[cold]
#[inline(never)]
fn write_escaped_caller(out: &mut Vec<u8>, file: &str) {
    let start = out.len();
    write_escaped(out, file);
    let mut i = start + 1;
    while i < out.len() {
        if out[i] == b' ' && out[i - 1] == b']' {
            out.splice(i..=i, *b"\\x20");
            i += 4;
        } else {
            i += 1;
        }
    }
}

fn memrchr_slash(bytes: &[u8]) -> Option<usize> {
    bytes.iter().rposition(|&b| b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_field_keeps_lowest_seven_digits() {
        for (pid, want) in [
            (12345, "   12345"),
            (1, "       1"),
            (1234567, " 1234567"),
            (12345678, " 2345678"),
            (10000001, " 0000001"),
            (20000000, " 0000000"),
            (2147483647, " 7483647"),
            (0, "        "),
            (-5, "        "),
        ] {
            let field = PidField::new(pid);
            assert_eq!(&field.0[..8], want.as_bytes(), "pid {pid}");
            assert_eq!(field.0[8], b' ');
        }
    }

    #[test]
    fn header_matches_klog_layout() {
        let mut out = Vec::new();
        let mut cache = HeaderCache::default();
        let caller =
            HeaderCaller::Location("/go/src/k8s.io/kubernetes/pkg/controller/controller.go", 42);
        // 2024-01-02T03:04:05.123456789Z
        write_header(
            &mut out,
            &mut cache,
            b'I',
            (1704164645, 123456789),
            TimeZone::Utc,
            &PidField::new(12345),
            caller,
        );
        assert_eq!(out, b"I0102 03:04:05.123456   12345 controller.go:42] ");
        out.clear();
        let unknown = HeaderCaller::Unknown;
        write_header(
            &mut out,
            &mut cache,
            b'E',
            (0, 0),
            TimeZone::Utc,
            &PidField::new(0),
            unknown,
        );
        assert_eq!(out, b"E0101 00:00:00.000000         ???:1] ");
    }

    #[test]
    fn parsed_callers_keep_the_header_one_line() {
        for (file, want) in [
            ("pkg/a.go", "pkg/a.go:7] "),
            ("a\nb.go", "a\\nb.go:7] "),
            ("x.go:1] y.go", "x.go:1]\\x20y.go:7] "),
            ("]  x.go", "]\\x20 x.go:7] "),
            ("a]b.go", "a]b.go:7] "),
            ("a\u{85}b.go", "a\\u0085b.go:7] "),
            ("é.go", "é.go:7] "),
        ] {
            let mut out = Vec::new();
            let caller = HeaderCaller::Parsed(file, 7);
            let pid = PidField::new(0);
            write_header(
                &mut out,
                &mut HeaderCache::default(),
                b'I',
                (0, 0),
                TimeZone::Utc,
                &pid,
                caller,
            );
            assert_eq!(String::from_utf8_lossy(&out[30..]), want, "{file:?}");
        }
    }
}
