//! Go's `time.Local`: the zone klog writes header times, log file names and `Log file
//! created at:` in, and the UTC alternative ([`TimeZone`]).
//!
//! The local zone is resolved once per process, by Go's rules (`initLocal` in
//! `zoneinfo_unix.go`): `TZ` unset → `/etc/localtime`; `TZ=""` → UTC; `TZ=name` or
//! `TZ=:name` → the zone file `name` of the system's zone database (an absolute path is
//! read as it is); a zone that cannot be loaded → UTC. Like Go, a later change of `TZ` or
//! of `/etc/localtime` is not seen by a running process.
//!
//! The zone database and the offset rules (DST transitions, the POSIX rule that extends a
//! zone file past its last transition) come from `jiff` (feature `local-time`). Without
//! that feature, [`TimeZone::Local`] is UTC.
//!
//! Callers resolve an offset once per second of record time (the header's cached prefix,
//! a new log file), never per record.

/// The time zone of the text header's time, log file names and `Log file created at:`.
///
/// [`Local`](TimeZone::Local) (the default) is what Go klog writes: the process's local
/// zone, from `TZ` or `/etc/localtime`, as Go's `time.Local` reads it (see
/// `docs/format.md`). [`Utc`](TimeZone::Utc) writes UTC whatever the machine's zone.
/// JSON's `ts` is an instant and does not depend on the zone.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let out = klog::SharedBuffer::default();
/// let logger = klog::TextSink::builder()
///     .writer(out.clone())
///     .time_zone(klog::TimeZone::Utc)
///     .fixed_time(UNIX_EPOCH + Duration::from_secs(1704164645))
///     .pid(1)
///     .fixed_caller(Some("main.rs"), 7)
///     .build_logger();
/// klog::info!(logger, "Started");
/// assert_eq!(out.to_string(), "I0102 03:04:05.000000       1 main.rs:7] \"Started\"\n");
/// assert_eq!(klog::TimeZone::default(), klog::TimeZone::Local);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TimeZone {
    /// The process's local zone, as Go's `time.Local` (UTC without the `local-time`
    /// feature).
    #[default]
    Local,
    /// Coordinated Universal Time.
    Utc,
}

impl TimeZone {
    /// The offset from UTC, in seconds east, at Unix time `secs`.
    pub(crate) fn offset_at(self, secs: i64) -> i32 {
        match self {
            TimeZone::Utc => 0,
            TimeZone::Local => local::offset_at(secs),
        }
    }

    /// `secs` (Unix time) shifted to this zone's wall clock: the Unix time whose UTC civil
    /// date and time read as the local ones.
    pub(crate) fn wall_secs(self, secs: i64) -> i64 {
        secs.saturating_add(i64::from(self.offset_at(secs)))
    }

    /// The Unix time of a wall-clock time in this zone (given as [`wall_secs`](Self::wall_secs)
    /// gives it), as Go's `time.Date` finds it: a time that occurs twice (the hour a DST
    /// change repeats) is the first; a time that a DST change skips is read with the
    /// offset after the change (New York's 02:30 on the spring-forward day is 01:30 EST).
    // Only the converter, which needs the `serde` feature, reads wall-clock times.
    #[cfg_attr(not(feature = "serde"), allow(dead_code))]
    pub(crate) fn unix_from_wall(self, wall: i64) -> i64 {
        match self {
            TimeZone::Utc => wall,
            TimeZone::Local => unix_from_wall_in(local::offset_at, wall),
        }
    }
}

/// [`TimeZone::unix_from_wall`] for the zone whose offsets `offset_at` gives: Go's
/// `time.Date`, which takes the offset at the wall time read as UTC, and when the time that
/// gives has another offset (a DST change lies between them), that one.
#[cfg_attr(not(feature = "serde"), allow(dead_code))]
fn unix_from_wall_in(offset_at: impl Fn(i64) -> i32, wall: i64) -> i64 {
    let guess = offset_at(wall);
    let unix = wall.saturating_sub(i64::from(guess));
    let offset = offset_at(unix);
    if offset == guess {
        unix
    } else {
        wall.saturating_sub(i64::from(offset))
    }
}

#[cfg(feature = "local-time")]
mod local {
    use std::sync::OnceLock;

    use jiff::tz::TimeZone;
    use jiff::Timestamp;

    /// The offset of the process's local zone at Unix time `secs`.
    pub(super) fn offset_at(secs: i64) -> i32 {
        static LOCAL: OnceLock<TimeZone> = OnceLock::new();
        offset_in(LOCAL.get_or_init(load), secs)
    }

    /// The offset of `zone` at Unix time `secs` (outside jiff's years -9999 to 9999, the
    /// offset at the nearer end).
    pub(crate) fn offset_in(zone: &TimeZone, secs: i64) -> i32 {
        let at = Timestamp::from_second(secs).unwrap_or(if secs < 0 {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        });
        zone.to_offset(at).seconds()
    }

    /// Go's `initLocal` with the process's `TZ`.
    fn load() -> TimeZone {
        zone_for(std::env::var("TZ").ok().as_deref())
    }

    /// Go's `initLocal` for a `TZ` value (`None`: unset).
    pub(crate) fn zone_for(tz: Option<&str>) -> TimeZone {
        let Some(tz) = tz else {
            return system_zone();
        };
        let name = tz.strip_prefix(':').unwrap_or(tz);
        if name.starts_with('/') {
            // An absolute path is read as it is.
            return std::fs::read(name)
                .ok()
                .and_then(|data| TimeZone::tzif(name, &data).ok())
                .unwrap_or(TimeZone::UTC);
        }
        if name.is_empty() || name == "UTC" {
            return TimeZone::UTC;
        }
        // Go reads names from the zone database only (no POSIX rule strings), and falls
        // back to UTC.
        database_zone(name).unwrap_or(TimeZone::UTC)
    }

    /// The zone file `name` from where Go's `platformZoneSources` look on Unix: one file
    /// read, not jiff's walk of the whole database (milliseconds at start-up).
    #[cfg(unix)]
    fn database_zone(name: &str) -> Option<TimeZone> {
        // Go refuses names that would leave the database.
        if name.split('/').any(|part| part == "..") || name.starts_with('\\') {
            return None;
        }
        [
            "/usr/share/zoneinfo/",
            "/usr/share/lib/zoneinfo/",
            "/usr/lib/locale/TZ/",
            "/etc/zoneinfo/",
        ]
        .iter()
        .find_map(|dir| {
            let data = std::fs::read(format!("{dir}{name}")).ok()?;
            TimeZone::tzif(name, &data).ok()
        })
    }

    /// Elsewhere, jiff's zone database (bundled on Windows).
    #[cfg(not(unix))]
    fn database_zone(name: &str) -> Option<TimeZone> {
        jiff::tz::db().get(name).ok()
    }

    /// `TZ` unset: `/etc/localtime` on Unix (as Go reads it), the system's setting
    /// elsewhere; UTC when there is none.
    fn system_zone() -> TimeZone {
        #[cfg(unix)]
        {
            std::fs::read("/etc/localtime")
                .ok()
                .and_then(|data| TimeZone::tzif("Local", &data).ok())
                .unwrap_or(TimeZone::UTC)
        }
        #[cfg(not(unix))]
        {
            TimeZone::try_system().unwrap_or(TimeZone::UTC)
        }
    }
}

#[cfg(not(feature = "local-time"))]
mod local {
    /// Without the `local-time` feature, the local zone is UTC.
    pub(super) fn offset_at(_secs: i64) -> i32 {
        0
    }
}

#[cfg(all(test, feature = "local-time"))]
mod tests {
    use super::local::{offset_in, zone_for};
    use super::unix_from_wall_in;

    /// 2024-03-10T07:00:00Z: New York springs forward (02:00 EST → 03:00 EDT).
    const SPRING: i64 = 1_710_054_000;
    /// 2024-11-03T06:00:00Z: New York falls back (02:00 EDT → 01:00 EST).
    const FALL: i64 = 1_730_613_600;

    #[test]
    fn offsets_follow_dst_to_the_second() {
        let ny = zone_for(Some("America/New_York"));
        assert_eq!(offset_in(&ny, SPRING - 1), -5 * 3600);
        assert_eq!(offset_in(&ny, SPRING), -4 * 3600);
        assert_eq!(offset_in(&ny, FALL - 1), -4 * 3600);
        assert_eq!(offset_in(&ny, FALL), -5 * 3600);
        // Past the zone file's last transition, its POSIX rule: 2100-07-01 is EDT.
        assert_eq!(offset_in(&ny, 4_118_054_400), -4 * 3600);
        let kolkata = zone_for(Some("Asia/Kolkata"));
        assert_eq!(offset_in(&kolkata, SPRING), 5 * 3600 + 1800);
        // Beyond jiff's range: the nearer end's offset, no panic.
        assert_eq!(offset_in(&kolkata, i64::MAX), 5 * 3600 + 1800);
        assert_eq!(offset_in(&ny, i64::MIN), offset_in(&ny, -377_705_116_800));
    }

    #[test]
    fn tz_values_resolve_as_go_does() {
        let ist = 5 * 3600 + 1800;
        for (tz, want) in [
            (Some(""), 0),
            (Some("UTC"), 0),
            (Some(":"), 0),
            (Some("Asia/Kolkata"), ist),
            (Some(":Asia/Kolkata"), ist),
            (Some("/usr/share/zoneinfo/Asia/Kolkata"), ist),
            (Some(":/usr/share/zoneinfo/Asia/Kolkata"), ist),
            // Not in the database: Go falls back to UTC (jiff alone would not).
            (Some("Nowhere/Bogus"), 0),
            (Some("../zoneinfo/Asia/Kolkata"), 0),
            (Some("/no/such/file"), 0),
            // A POSIX rule string is no zone file name to Go: UTC.
            (Some("IST-5:30"), 0),
        ] {
            assert_eq!(offset_in(&zone_for(tz), SPRING), want, "TZ={tz:?}");
        }
    }

    #[test]
    fn wall_times_map_back_across_dst_changes() {
        let ny = zone_for(Some("America/New_York"));
        let offset = |secs: i64| i64::from(offset_in(&ny, secs));
        let unix_from_wall = |wall: i64| unix_from_wall_in(|secs| offset_in(&ny, secs), wall);
        for secs in [SPRING - 3600, SPRING - 1, SPRING, SPRING + 1, FALL + 3600] {
            assert_eq!(unix_from_wall(secs + offset(secs)), secs, "{secs}");
        }
        // 01:30 on the fall-back day happens twice: the first (EDT) one.
        assert_eq!(unix_from_wall(FALL - 1800 - 4 * 3600), FALL - 1800);
        assert_eq!(
            unix_from_wall(FALL + 1800 - 5 * 3600),
            FALL - 1800,
            "the EST 01:30 reads as the EDT one"
        );
        // 02:30 on the spring-forward day does not exist: Go reads it with EDT, the offset
        // after the change (→ 01:30 EST).
        let wall = SPRING + 1800 - 5 * 3600;
        assert_eq!(unix_from_wall(wall), SPRING - 1800);
    }
}
