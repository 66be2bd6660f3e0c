//! Header times, log file names and `Log file created at:` in the local zone, as Go klog
//! writes them, under a non-UTC `TZ`: each test runs again in a child process with `TZ` set
//! (the local zone is resolved once per process, as Go's `time.Local`).
//!
//! The expected bytes are what Go's klog writes for the same instants: its header is
//! `now.Date()`/`now.Clock()` of `time.Now()` (local), its file name
//! `%04d%02d%02d-%02d%02d%02d` of the same, and its file header
//! `now.Format("2006/01/02 15:04:05")`.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use klog::{KlogFlags, SharedBuffer, TextSink, TimeZone};

/// 2024-03-10T07:00:00Z: New York springs forward (02:00 EST → 03:00 EDT).
const SPRING: u64 = 1_710_054_000;
/// 2024-11-03T06:00:00Z: New York falls back (02:00 EDT → 01:00 EST).
const FALL: u64 = 1_730_613_600;
/// 2024-01-02T03:04:05.123456Z.
const JAN: (u64, u32) = (1_704_164_645, 123_456_000);

const CHILD: &str = "KLOG_LOCAL_TIME_CHILD";
const DONE: &str = "local-time child checked";

/// Runs the test `name` again in a child process with `TZ=tz` and returns `false`, or,
/// in that child, returns `true` (run the body). The child must print [`DONE`].
fn in_child_with_tz(name: &str, tz: &str) -> bool {
    if std::env::var_os(CHILD).is_some_and(|v| v == name) {
        assert_eq!(std::env::var("TZ").as_deref(), Ok(tz));
        return true;
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = std::process::Command::new(exe)
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD, name)
        .env("TZ", tz)
        .output()
        .expect("run the test binary again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains(DONE),
        "{name} failed in the child process (TZ={tz}):\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    false
}

fn at(secs: u64, nanos: u32) -> SystemTime {
    UNIX_EPOCH + Duration::new(secs, nanos)
}

/// One record per time, each through a sink pinned to that time, in `zone` (`None`: the
/// default); the lines.
fn headers(zone: Option<TimeZone>, times: &[SystemTime]) -> Vec<String> {
    let out = SharedBuffer::default();
    for &time in times {
        let mut builder = TextSink::builder()
            .writer(out.clone())
            .fixed_time(time)
            .pid(4242)
            .fixed_caller(Some("main.go"), 7);
        if let Some(zone) = zone {
            builder = builder.time_zone(zone);
        }
        klog::info!(builder.build_logger(), "tick");
    }
    out.to_string().lines().map(str::to_owned).collect()
}

fn expect_lines(got: &[String], want: &[&str]) {
    let want: Vec<String> = want
        .iter()
        .map(|time| format!("I{time}    4242 main.go:7] \"tick\""))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn new_york_headers_follow_both_dst_changes() {
    if !in_child_with_tz(
        "tests::local_time::new_york_headers_follow_both_dst_changes",
        "America/New_York",
    ) {
        return;
    }
    let times = [
        at(SPRING - 1, 500_000_000),
        at(SPRING, 0),
        at(FALL - 1800, 0),
        at(FALL - 1, 999_999_000),
        at(FALL, 0),
        at(FALL + 1800, 0),
    ];
    let local = [
        "0310 01:59:59.500000",
        "0310 03:00:00.000000",
        "1103 01:30:00.000000",
        "1103 01:59:59.999999",
        "1103 01:00:00.000000",
        "1103 01:30:00.000000",
    ];
    expect_lines(&headers(None, &times), &local);
    expect_lines(&headers(Some(TimeZone::Local), &times), &local);
    expect_lines(
        &headers(Some(TimeZone::Utc), &times),
        &[
            "0310 06:59:59.500000",
            "0310 07:00:00.000000",
            "1103 05:30:00.000000",
            "1103 05:59:59.999999",
            "1103 06:00:00.000000",
            "1103 06:30:00.000000",
        ],
    );
    // One thread, one cached header second, two zones in turn: the cache tells them apart.
    let out = SharedBuffer::default();
    let sink = |zone| {
        TextSink::builder()
            .writer(out.clone())
            .fixed_time(at(SPRING, 0))
            .pid(4242)
            .fixed_caller(Some("main.go"), 7)
            .time_zone(zone)
            .build_logger()
    };
    let (local, utc) = (sink(TimeZone::Local), sink(TimeZone::Utc));
    for _ in 0..2 {
        klog::info!(local, "tick");
        klog::info!(utc, "tick");
    }
    let lines: Vec<String> = out.to_string().lines().map(str::to_owned).collect();
    expect_lines(
        &lines,
        &[
            "0310 03:00:00.000000",
            "0310 07:00:00.000000",
            "0310 03:00:00.000000",
            "0310 07:00:00.000000",
        ],
    );
    println!("{DONE}");
}

/// The regular files in `dir`, by name.
fn files_in(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("log dir")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.symlink_metadata().expect("metadata").is_file())
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).expect("log file"))
        })
        .collect();
    files.sort();
    files
}

/// Writes one INFO record at `time` into a fresh log directory and returns the one file's
/// name and contents.
fn log_file_at(dir: PathBuf, time: SystemTime, utc_flag: bool) -> (String, String) {
    let _ = std::fs::remove_dir_all(&dir);
    let mut flags = KlogFlags::default();
    flags.logtostderr = false;
    flags.log_dir = Some(dir.clone());
    flags.stderrthreshold = klog::Severity::Fatal;
    flags.log_time_utc = utc_flag;
    let logger = TextSink::builder()
        .verbosity(0)
        .klog_flags(&flags)
        .fixed_time(time)
        .pid(4242)
        .fixed_caller(Some("main.go"), 7)
        .build_logger();
    klog::info!(logger, "tick");
    logger.flush();
    drop(logger);
    let mut files = files_in(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(files.len(), 1, "{files:?}");
    files.remove(0)
}

/// Checks a log file against Go klog's: the name's stamp, `Log file created at:`, and the
/// record's header.
fn check_file((name, text): (String, String), stamp: &str, created: &str, header: &str) {
    let suffix = format!(".log.INFO.{stamp}.{}", std::process::id());
    assert!(name.ends_with(&suffix), "{name} should end with {suffix}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(lines[0], format!("Log file created at: {created}"));
    assert!(lines[1].starts_with("Running on machine: "), "{text}");
    assert!(
        lines[2].starts_with("Binary: Built with rustc for "),
        "{text}"
    );
    assert_eq!(
        lines[3],
        "Log line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg"
    );
    assert_eq!(lines[4], format!("I{header}    4242 main.go:7] \"tick\""));
}

#[test]
fn kolkata_files_are_named_and_headed_in_local_time() {
    if !in_child_with_tz(
        "tests::local_time::kolkata_files_are_named_and_headed_in_local_time",
        "Asia/Kolkata",
    ) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("klog-local-time-{}", std::process::id()));
    let jan = at(JAN.0, JAN.1);
    // +05:30: the half hour shows in every field.
    check_file(
        log_file_at(dir.join("local"), jan, false),
        "20240102-083405",
        "2024/01/02 08:34:05",
        "0102 08:34:05.123456",
    );
    // `--log-time-utc`: UTC everywhere.
    check_file(
        log_file_at(dir.join("utc"), jan, true),
        "20240102-030405",
        "2024/01/02 03:04:05",
        "0102 03:04:05.123456",
    );
    // 2024-12-31T20:00:00Z is already the new year in Kolkata.
    check_file(
        log_file_at(dir.join("new-year"), at(1_735_675_200, 0), false),
        "20250101-013000",
        "2025/01/01 01:30:00",
        "0101 01:30:00.000000",
    );
    let _ = std::fs::remove_dir_all(&dir);
    println!("{DONE}");
}

#[test]
fn new_york_file_after_spring_forward_is_named_in_edt() {
    if !in_child_with_tz(
        "tests::local_time::new_york_file_after_spring_forward_is_named_in_edt",
        ":America/New_York",
    ) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("klog-local-time-ny-{}", std::process::id()));
    check_file(
        log_file_at(dir.clone(), at(SPRING, 0), false),
        "20240310-030000",
        "2024/03/10 03:00:00",
        "0310 03:00:00.000000",
    );
    println!("{DONE}");
}

#[test]
fn converter_reads_and_writes_headers_in_the_zone() {
    use klog::convert::{Converter, Target};
    if !in_child_with_tz(
        "tests::local_time::converter_reads_and_writes_headers_in_the_zone",
        "America/New_York",
    ) {
        return;
    }
    let convert = |target, zone: Option<TimeZone>, input: &str| {
        let mut converter = Converter::new(target).year(2024);
        if let Some(zone) = zone {
            converter = converter.time_zone(zone);
        }
        let mut out = Vec::new();
        for line in klog::parse::Parser::new(input.as_bytes()) {
            converter.convert(&line.expect("line"), &mut out);
        }
        String::from_utf8(out).expect("UTF-8")
    };
    // Text (New York wall clock) → JSON (instants): both sides of the fall-back hour, and
    // the repeated 01:30 read as the first (EDT) one.
    let text = "I1103 00:59:59.000000    4242 a.go:1] \"m\"\n\
                I1103 01:30:00.000000    4242 a.go:1] \"m\"\n\
                I1103 02:00:00.000000    4242 a.go:1] \"m\"\n";
    let json = convert(Target::Json, None, text);
    let ts: Vec<&str> = json.lines().map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(
        ts,
        [
            "{\"ts\":1730609999000", // 04:59:59Z (EDT)
            "{\"ts\":1730611800000", // 05:30:00Z (EDT)
            "{\"ts\":1730617200000", // 07:00:00Z (EST)
        ]
    );
    // And back: JSON → text in New York time gives the input's headers again (JSON has no
    // pid, so the rest of the header differs).
    let header_times =
        |text: &str| -> Vec<String> { text.lines().map(|l| l[1..21].to_owned()).collect() };
    assert_eq!(
        header_times(&convert(Target::Text, None, &json)),
        header_times(text)
    );
    // In UTC, the same JSON reads as UTC headers.
    assert_eq!(
        header_times(&convert(Target::Text, Some(TimeZone::Utc), &json)),
        [
            "1103 04:59:59.000000",
            "1103 05:30:00.000000",
            "1103 07:00:00.000000"
        ]
    );
    // "Now" for the year inference is a date in the zone too: 2024-01-01T03:00Z is still
    // 2023-12-31 in New York, so a first record from January 1 is 2023's (UTC: 2024's).
    let now = at(1_704_078_000, 0);
    let jan_first = "I0101 00:30:00.000000    4242 a.go:1] \"m\"\n";
    for (zone, want) in [
        (TimeZone::Local, "{\"ts\":1672551000000,"), // 2023-01-01T05:30Z
        (TimeZone::Utc, "{\"ts\":1704069000000,"),   // 2024-01-01T00:30Z
    ] {
        let mut converter = Converter::new(Target::Json).time_zone(zone).now(now);
        let mut out = Vec::new();
        for line in klog::parse::Parser::new(jan_first.as_bytes()) {
            converter.convert(&line.expect("line"), &mut out);
        }
        let out = String::from_utf8(out).expect("UTF-8");
        assert!(out.starts_with(want), "{zone:?}: {out}");
    }
    // The pretty view shows the zone's time.
    let pretty = convert(Target::Pretty, None, text);
    assert!(
        pretty.starts_with("2024-11-03 00:59:59.000000 "),
        "{pretty}"
    );
    println!("{DONE}");
}
