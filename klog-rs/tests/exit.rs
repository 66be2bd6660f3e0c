//! Setup that cannot lose lines: every record a program logs through `init`/`init_with`
//! reaches its log file or stream, however `main` ends (returning, `std::process::exit`
//! with the guard alive, the guard dropped at once with `let _ = …`); a JSON log file holds
//! JSON lines only; an unusable `--log_dir`/`--log_file` is an error from `init_with`.
//!
//! Own binary with `harness = false`: each case runs this binary again as a child
//! (`KLOG_EXIT_CHILD=<case>`) whose own `main` logs and then returns, exits or aborts, and
//! the parent counts every line the child left behind. A real `main`, not a libtest
//! thread: what happens after `main` returns is the point.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use klog::{KlogFlags, LoggingConfiguration};

const LINES: usize = 1_000;

/// Where the child's records go.
#[derive(Clone, Copy, Debug)]
enum Output {
    /// `--logtostderr=false --log_file=DIR/app.log`.
    LogFile,
    /// `--logtostderr=false --log_dir=DIR/logs`: per-severity files.
    LogDir,
    /// Split stream, info records to stdout in a 1 MiB buffer.
    InfoBuffer,
    /// No `init`: an explicit sink buffering 1 MiB into stdout, never dropped.
    BufferedBuilder,
}

/// What happens to the guard `init` returns.
#[derive(Clone, Copy, Debug)]
enum Guard {
    /// `let _ = klog::init_with(…)`: dropped at once.
    Dropped,
    /// `let _logging = …`: alive until `main` ends.
    Held,
    /// `std::mem::forget`: never dropped.
    Forgotten,
}

/// How the child ends.
#[derive(Clone, Copy, Debug)]
enum End {
    /// Returns from `main`.
    Return,
    /// `std::process::exit(0)` from `main`.
    Exit,
    /// `std::process::exit(0)` from another thread while `main` waits.
    ExitFromThread,
    /// `std::process::abort()`: no exit hook runs; only what was written is there.
    Abort,
}

#[derive(Clone, Copy, Debug)]
struct Case {
    name: &'static str,
    output: Output,
    guard: Guard,
    end: End,
    json: bool,
}

const fn case(name: &'static str, output: Output, guard: Guard, end: End, json: bool) -> Case {
    Case {
        name,
        output,
        guard,
        end,
        json,
    }
}

const CASES: &[Case] = &[
    // The two programs.
    case(
        "log_file_let_underscore_return",
        Output::LogFile,
        Guard::Dropped,
        End::Return,
        false,
    ),
    case(
        "log_file_guard_held_exit",
        Output::LogFile,
        Guard::Held,
        End::Exit,
        false,
    ),
    // The guard dropped at once: every record is written through, even an abort loses none.
    case(
        "log_file_let_underscore_exit",
        Output::LogFile,
        Guard::Dropped,
        End::Exit,
        false,
    ),
    case(
        "log_file_let_underscore_abort",
        Output::LogFile,
        Guard::Dropped,
        End::Abort,
        false,
    ),
    case(
        "info_buffer_let_underscore_return",
        Output::InfoBuffer,
        Guard::Dropped,
        End::Return,
        false,
    ),
    case(
        "info_buffer_let_underscore_abort",
        Output::InfoBuffer,
        Guard::Dropped,
        End::Abort,
        true,
    ),
    case(
        "log_dir_let_underscore_return",
        Output::LogDir,
        Guard::Dropped,
        End::Return,
        false,
    ),
    // The guard alive (or never dropped): the exit hook writes the buffers out.
    case(
        "log_file_guard_held_return",
        Output::LogFile,
        Guard::Held,
        End::Return,
        false,
    ),
    case(
        "log_file_guard_forgotten_return",
        Output::LogFile,
        Guard::Forgotten,
        End::Return,
        false,
    ),
    case(
        "log_file_guard_held_exit_from_thread",
        Output::LogFile,
        Guard::Held,
        End::ExitFromThread,
        false,
    ),
    case(
        "info_buffer_guard_held_exit",
        Output::InfoBuffer,
        Guard::Held,
        End::Exit,
        false,
    ),
    case(
        "info_buffer_guard_held_exit_from_thread",
        Output::InfoBuffer,
        Guard::Held,
        End::ExitFromThread,
        true,
    ),
    case(
        "log_dir_guard_held_exit",
        Output::LogDir,
        Guard::Held,
        End::Exit,
        false,
    ),
    case(
        "buffered_builder_return",
        Output::BufferedBuilder,
        Guard::Held,
        End::Return,
        false,
    ),
    case(
        "buffered_builder_exit",
        Output::BufferedBuilder,
        Guard::Held,
        End::Exit,
        true,
    ),
    // JSON log files: JSON lines only.
    case(
        "json_log_file_guard_held_exit",
        Output::LogFile,
        Guard::Held,
        End::Exit,
        true,
    ),
    case(
        "json_log_dir_let_underscore_return",
        Output::LogDir,
        Guard::Dropped,
        End::Return,
        true,
    ),
];

fn main() -> ExitCode {
    if let Ok(name) = std::env::var("KLOG_EXIT_CHILD") {
        let case = CASES
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("unknown case {name}"));
        let dir = PathBuf::from(std::env::var_os("KLOG_EXIT_DIR").expect("KLOG_EXIT_DIR"));
        run_child(case, &dir);
        return ExitCode::SUCCESS;
    }
    let mut failed = 0;
    let mut run = |name: &str, test: &dyn Fn()| match std::panic::catch_unwind(
        std::panic::AssertUnwindSafe(test),
    ) {
        Ok(()) => println!("test {name} ... ok"),
        Err(_) => {
            println!("test {name} ... FAILED");
            failed += 1;
        }
    };
    for case in CASES {
        run(case.name, &|| check_case(case));
    }
    run(
        "unusable_log_dir_and_log_file_are_init_errors",
        &init_errors,
    );
    if failed > 0 {
        println!("exit: {failed} failed");
        ExitCode::FAILURE
    } else {
        println!("exit: {} passed", CASES.len() + 1);
        ExitCode::SUCCESS
    }
}

fn config(case: &Case) -> LoggingConfiguration {
    let mut config = LoggingConfiguration::default();
    config.format = if case.json { "json" } else { "text" }.into();
    // No flush thread in the way: only the guard, the exit hook or write-through can
    // bring the records out.
    config.flush_frequency = "1h".parse().expect("duration");
    if let Output::InfoBuffer = case.output {
        let routing = if case.json {
            &mut config.options.json
        } else {
            &mut config.options.text
        };
        routing.split_stream = true;
        routing.info_buffer_size = "1Mi".parse().expect("quantity");
    }
    config
}

fn flags(case: &Case, dir: &Path) -> KlogFlags {
    let mut flags = KlogFlags::default();
    match case.output {
        Output::LogFile => {
            flags.logtostderr = false;
            flags.log_file = Some(dir.join("app.log"));
        }
        Output::LogDir => {
            flags.logtostderr = false;
            flags.log_dir = Some(dir.join("logs"));
        }
        Output::InfoBuffer | Output::BufferedBuilder => {}
    }
    flags
}

fn run_child(case: &Case, dir: &Path) {
    let config = config(case);
    let flags = flags(case, dir);
    let guard = match case.output {
        Output::BufferedBuilder => {
            let logger = if case.json {
                klog::JsonSink::builder()
                    .writer(std::io::stdout())
                    .buffered(1 << 20)
                    .build_logger()
            } else {
                klog::TextSink::builder()
                    .writer(std::io::stdout())
                    .buffered(1 << 20)
                    .build_logger()
            };
            klog::set_logger(logger).expect("set_logger");
            None
        }
        _ => match case.guard {
            Guard::Dropped => {
                let _ = klog::init_with(&config, &flags).expect("init");
                None
            }
            Guard::Held => Some(klog::init_with(&config, &flags).expect("init")),
            Guard::Forgotten => {
                std::mem::forget(klog::init_with(&config, &flags).expect("init"));
                None
            }
        },
    };
    if case.json {
        // Into the WARNING (and ERROR) files as well; to stderr from ERROR up. Before the
        // info records: an error writes out what was buffered before it.
        klog::warning!("a warning", quoted = "a \"value\"\nover two lines");
        klog::error!("an error");
    }
    for seq in 0..LINES {
        klog::info!("line", seq);
    }
    match case.end {
        End::Return => drop(guard),
        End::Exit => std::process::exit(0),
        End::ExitFromThread => {
            let _keep = guard;
            std::thread::spawn(|| std::process::exit(0))
                .join()
                .expect("join");
            unreachable!("the process exited");
        }
        End::Abort => std::process::abort(),
    }
}

/// Runs `case` in a child and checks every record it logged is there, once.
fn check_case(case: &Case) {
    let dir = std::env::temp_dir().join(format!("klog-exit-{}-{}", case.name, std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let output = Command::new(std::env::current_exe().expect("test binary"))
        .env("KLOG_EXIT_CHILD", case.name)
        .env("KLOG_EXIT_DIR", &dir)
        .output()
        .expect("child");
    let stderr = String::from_utf8_lossy(&output.stderr);
    match case.end {
        End::Abort => assert!(!output.status.success(), "{}: {stderr}", case.name),
        _ => assert!(output.status.success(), "{}: {stderr}", case.name),
    }
    let text = match case.output {
        Output::LogFile => read(&dir.join("app.log")),
        Output::LogDir => {
            let info = files(&dir.join("logs"))
                .into_iter()
                .find(|p| p.to_string_lossy().contains(".log.INFO."))
                .unwrap_or_else(|| panic!("{}: no INFO file", case.name));
            read(&info)
        }
        Output::InfoBuffer | Output::BufferedBuilder => {
            String::from_utf8_lossy(&output.stdout).into_owned()
        }
    };
    let seen = count_lines(&text, case.json);
    assert_eq!(
        seen.len(),
        LINES,
        "{}: {} of {LINES} lines arrived",
        case.name,
        seen.len()
    );
    if case.json {
        check_json_files(case, &dir, &text);
    } else if matches!(case.output, Output::LogFile | Output::LogDir) {
        assert!(
            text.starts_with("Log file created at: "),
            "{}: klog text files keep their header",
            case.name
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `seq` of every `line` record, checking none is torn or duplicated.
fn count_lines(text: &str, json: bool) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    for line in text.lines() {
        let seq = if json {
            if !line.contains("\"msg\":\"line\"") {
                continue;
            }
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
            value["seq"].as_u64().expect("seq") as usize
        } else {
            let Some((_, rest)) = line.split_once("] \"line\" seq=") else {
                continue;
            };
            rest.parse()
                .unwrap_or_else(|_| panic!("torn record: {line:?}"))
        };
        assert!(seen.insert(seq), "duplicate record {seq}");
    }
    assert!(seen.iter().all(|&seq| seq < LINES));
    seen
}

/// Every line of every log file (the one `text` came from, and for per-severity files all
/// of them) parses as JSON.
fn check_json_files(case: &Case, dir: &Path, text: &str) {
    let mut texts = vec![(case.name.to_owned(), text.to_owned())];
    if let Output::LogDir = case.output {
        let all = files(&dir.join("logs"));
        for severity in ["INFO", "WARNING", "ERROR"] {
            assert!(
                all.iter()
                    .any(|p| p.to_string_lossy().contains(&format!(".log.{severity}."))),
                "{}: no {severity} file in {all:?}",
                case.name
            );
        }
        texts.extend(all.iter().map(|p| (p.display().to_string(), read(p))));
    }
    for (name, text) in texts {
        if matches!(case.output, Output::LogFile | Output::LogDir) {
            assert!(text.ends_with('\n'), "{name}: ends with a whole line");
            // The warning, the error and the info records.
            let expected = if name.contains(".log.WARNING.") {
                2
            } else if name.contains(".log.ERROR.") {
                1
            } else {
                LINES + 2
            };
            assert_eq!(text.lines().count(), expected, "{name}");
        }
        for line in text.lines() {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(line) {
                panic!("{name}: not JSON ({e}): {line:?}");
            }
        }
    }
}

/// Regular files in `dir` (symlinks left out).
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.symlink_metadata().is_ok_and(|m| m.is_file()))
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A `--log_dir` that cannot be created, a `--log_file` that cannot be opened, and (when
/// permissions apply) a directory no file can be created in: `init_with` fails, naming
/// the flag and the OS error, and installs nothing.
fn init_errors() {
    let dir = std::env::temp_dir().join(format!("klog-exit-errors-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    // A regular file where a directory should be: fails for root too.
    let plain = dir.join("plain");
    std::fs::write(&plain, "not a directory").expect("plain file");
    let config = LoggingConfiguration::default();

    let mut flags = KlogFlags::default();
    flags.logtostderr = false;
    flags.log_dir = Some(plain.join("logs"));
    let err = klog::init_with(&config, &flags).expect_err("log_dir under a file");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("--log_dir={}: ", plain.join("logs").display())),
        "{message}"
    );
    assert!(message.contains("(os error "), "{message}");
    assert!(std::error::Error::source(&err).is_some());

    let mut flags = KlogFlags::default();
    flags.logtostderr = false;
    flags.log_file = Some(plain.join("app.log"));
    let err = klog::init_with(&config, &flags).expect_err("log_file under a file");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("--log_file={}: ", plain.join("app.log").display())),
        "{message}"
    );
    assert!(message.contains("(os error "), "{message}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let read_only = dir.join("read-only");
        std::fs::create_dir(&read_only).expect("dir");
        std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o555))
            .expect("chmod");
        let probe = read_only.join("probe");
        if std::fs::File::create(&probe).is_err() {
            let mut flags = KlogFlags::default();
            flags.logtostderr = false;
            flags.log_dir = Some(read_only.clone());
            let err = klog::init_with(&config, &flags).expect_err("read-only log_dir");
            assert!(
                err.to_string().contains("(os error 13)"),
                "permission denied: {err}"
            );
        } // else running as root: permissions do not stop us.
        let _ = std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o755));
    }

    // Nothing was installed, and a usable directory works (and leaves no probe file).
    let mut flags = KlogFlags::default();
    flags.logtostderr = false;
    flags.log_dir = Some(dir.join("fine"));
    let guard = klog::init_with(&config, &flags).expect("usable log_dir");
    assert!(
        files(&dir.join("fine")).is_empty(),
        "no file before the first record"
    );
    drop(guard);
    let _ = std::fs::remove_dir_all(&dir);
}
