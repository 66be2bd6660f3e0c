use super::naming::{sanitize, short_hostname};
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
        zone: crate::go::zone::TimeZone::Utc,
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
    let mut files = LogFiles::new(config(&dir.0));
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
    let mut files = LogFiles::new(FileConfig {
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
        let mut files = LogFiles::new(FileConfig {
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
    let mut files = LogFiles::new(FileConfig {
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
    let mut files = LogFiles::new(FileConfig {
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
    let mut files = LogFiles::new(FileConfig {
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
    let mut files = LogFiles::new(FileConfig {
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
        format!("{letter}1114 22:13:20.000000 {t} files.rs:1] id={t}-{n} pad={pad}\n").into_bytes(),
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
    // As a destination holds them: behind its lock.
    let files = Arc::new(parking_lot::Mutex::new(LogFiles::new(FileConfig {
        max_size: LIMIT,
        ..config(&dir.0)
    })));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let files = Arc::clone(&files);
            std::thread::spawn(move || {
                for n in 0..PER_THREAD {
                    let (severity, record) = test_record(t, n);
                    // The same second throughout: every rotation needs a counter suffix.
                    files.lock().write(severity, &record, t0()).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    files.lock().flush().unwrap();
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
            assert!(files.lock().current_paths().contains(newest));
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
    let mut files = LogFiles::new(FileConfig {
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
    let mut files = LogFiles::new(config(&log_dir));
    files.write(Severity::Info, b"I first\n", t0()).unwrap();
    files.flush().unwrap();
    fs::remove_dir_all(&log_dir).unwrap();
    // The file is gone with its directory; the record is buffered, and the flush
    // notices and writes it into a new file, after what the removed file held since it
    // was last seen (read back from the open file).
    files.write(Severity::Info, b"I second\n", t0()).unwrap();
    files.flush().unwrap();
    assert_eq!(
        read(&log_dir.join(name("INFO"))),
        format!("{}I first\nI second\n", header())
    );
    files.write(Severity::Info, b"I third\n", t0()).unwrap();
    files.flush().unwrap();
    assert_eq!(
        read(&log_dir.join(name("INFO"))),
        format!("{}I first\nI second\nI third\n", header())
    );
    #[cfg(unix)]
    assert_eq!(
        fs::read_link(log_dir.join("prog.INFO")).unwrap(),
        PathBuf::from(name("INFO"))
    );
    // Removed while no file is open (a rotation closed it): the next file re-creates it.
    let mut files = LogFiles::new(FileConfig {
        max_size: 1,
        skip_headers: true,
        ..config(&log_dir)
    });
    files.write(Severity::Warning, b"W1\n", t0()).unwrap();
    files.flush().unwrap();
    fs::remove_dir_all(&log_dir).unwrap();
    files.write(Severity::Warning, b"W2\n", t0()).unwrap();
    files.flush().unwrap();
    // (The name is free again: the first file went with the directory. What it held is
    // copied into a new file of that name, and W2 rotates into the next.)
    assert_eq!(read(&log_dir.join(name("WARNING"))), "W1\n");
    assert_eq!(
        read(&log_dir.join(format!("{}.1", name("WARNING")))),
        "W2\n"
    );
    assert_eq!(read(&log_dir.join(name("INFO"))), "W1\n");
    assert_eq!(read(&log_dir.join(format!("{}.1", name("INFO")))), "W2\n");
    // Removed with records still buffered, as a record fills the file: they go into a
    // new file, and the record into the next.
    let mut files = LogFiles::new(FileConfig {
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
    let mut files = LogFiles::new(config(&dir.0));
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
    let mut files = LogFiles::new(FileConfig {
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
    assert_eq!(files.writer.config.user, "DOMAIN_user");
    assert_eq!(files.writer.config.host, "a_b");
}

/// Go's `os.Hostname` reads `/proc/sys/kernel/hostname` on Linux: the same name.
#[cfg(target_os = "linux")]
#[test]
fn the_host_name_is_the_one_go_reads_on_linux() {
    let proc = read(Path::new("/proc/sys/kernel/hostname"));
    let short = sanitize(short_hostname(proc.trim()));
    let expected = if short.is_empty() {
        "unknownhost"
    } else {
        &short
    };
    assert_eq!(default_host(), expected);
}

#[test]
fn log_files_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<LogFiles>();
}

#[test]
fn full_buffers_queue_while_a_buffer_is_written_and_reach_the_file_whole_and_in_order() {
    let dir = TestDir::new("queue");
    let mut files = LogFiles::new(FileConfig {
        skip_headers: true,
        ..config(&dir.0)
    });
    let record = |n: usize| format!("I{n:07} {}\n", "x".repeat(200));
    let mut stall = Stall::new(None, Duration::ZERO);
    let mut written = 0;
    let mut handoffs = Vec::new();
    // Another thread is writing a buffer: full buffers are queued, not waited for.
    let io = Arc::clone(&files.writer.io);
    let busy = io.hold();
    while handoffs.len() < 2 {
        buffer_record(&mut files, &record(written), &mut stall, &mut handoffs);
        written += 1;
    }
    assert_eq!(io.queued(), 2);
    // With two waiting, the thread that fills the next one waits for the writer.
    std::thread::scope(|scope| {
        let (done, finished) = std::sync::mpsc::channel();
        let files = &mut files;
        let more = scope.spawn(move || {
            let mut stall = Stall::new(None, Duration::ZERO);
            let mut later = Vec::new();
            for n in written..written + 2_000 {
                buffer_record(files, &record(n), &mut stall, &mut later);
            }
            for handoff in later {
                assert!(handoff.write(&mut stall).result.is_ok());
            }
            let _ = done.send(());
        });
        assert!(
            finished.recv_timeout(Duration::from_millis(300)).is_err(),
            "a third full buffer did not wait for the writer"
        );
        assert_eq!(io.queued(), 2);
        drop(busy);
        more.join().unwrap();
        written += 2_000;
    });
    // The first handoff writes everything queued, oldest first; the second finds nothing.
    for handoff in handoffs {
        assert!(handoff.write(&mut stall).result.is_ok());
    }
    assert_eq!(io.queued(), 0);
    files.flush().unwrap();
    let text = read(&dir.0.join(name("INFO")));
    let expected: String = (0..written).map(record).collect();
    assert!(text == expected, "records missing, torn or out of order");
}

/// Buffers an INFO record, keeping a handoff (not written) if one comes back.
fn buffer_record(
    files: &mut LogFiles,
    record: &str,
    stall: &mut Stall,
    handoffs: &mut Vec<Handoff>,
) {
    let (outcome, handoff) =
        files.write_record(Severity::Info, record.as_bytes(), t0(), false, stall);
    assert!(outcome.result.is_ok());
    handoffs.extend(handoff);
}
