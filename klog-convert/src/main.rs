//! `klog-convert`: streams klog text and Kubernetes JSON logs to text, JSON or a coloured view.
//!
//! Run `klog-convert --help` for the options; `docs/converter.md` has the details and the table
//! of what converts losslessly.

mod live;
mod parallel;

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, SystemTime};

use clap::{Parser as _, ValueEnum};
use klog::convert::{parse_time, Converter, Filter, Target};
use klog::parse::{Parser, SourceFormat, DEFAULT_MAX_LINE_LEN};
use klog::Severity;

const ABOUT: &str = "Convert klog text, Kubernetes JSON and zap/etcd/logrus/slog JSON logs to \
                     text, JSON or a coloured human view";

const LONG_ABOUT: &str = "\
Convert klog text and Kubernetes JSON logs to text, JSON or a coloured human view.

Reads the FILEs in order (standard input without FILEs or for `-`) and detects the format of \
every line: klog text (`I1128 09:00:00.000000   1234 file.go:42] \"msg\" key=\"value\"`, with \
multi-line `key=<` blocks and multi-line unstructured messages), component-base JSON \
(`{\"ts\":…,\"msg\":…}`), or the JSON of zap (controller-runtime, etcd), logrus or slog \
(`{\"level\":…,\"msg\":…}`); --from reads one format only. Lines that are none of these are \
written unchanged in every output format, byte for byte.

Converting to the input's own format writes its bytes unchanged. Across formats the pid \
(JSON has none), the year (text has none; see --year), V levels and the W/F severities \
(component-base JSON has only info at \"v\" and error entries), the JSON shape of object \
references (text shows namespace/name) and repeated JSON keys (klog text keeps one pair per \
key) are lost; see docs/converter.md.";

const AFTER_HELP: &str = "\
Exit status: 0 on success (also when the reader of the output goes away, as with `| head`), \
1 if an input could not be read (the others are still converted), 2 for a usage error or when \
the output cannot be written.

Examples:
  klog-convert kube-controller-manager.log                 # pretty view
  klog-convert --to json < scheduler.log > scheduler.json
  kubectl logs pod/x | klog-convert --severity warning --logger scheduler
  klog-convert -f --match pod=kube-system/coredns /var/log/kubelet.log";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum To {
    /// klog text
    Text,
    /// Kubernetes (component-base) JSON
    Json,
    /// aligned, coloured view for people (not meant to be parsed)
    Pretty,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum InputFormat {
    /// detect the format of every line
    Auto,
    /// klog text
    Text,
    /// Kubernetes (component-base) JSON
    #[value(alias = "kubernetes")]
    Json,
    /// zap JSON (controller-runtime operators, etcd)
    #[value(alias = "etcd", alias = "controller-runtime")]
    Zap,
    /// logrus JSON
    Logrus,
    /// Go log/slog JSON
    Slog,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Color {
    /// when standard output is a terminal and NO_COLOR is not set
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Level {
    #[value(alias = "i")]
    Info,
    #[value(alias = "warn", alias = "w")]
    Warning,
    #[value(alias = "e")]
    Error,
    #[value(alias = "f")]
    Fatal,
}

/// `--tz`: the zone of klog text header times.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Tz {
    /// the local zone (TZ, /etc/localtime), as Go klog writes headers
    Local,
    /// UTC
    Utc,
}

#[derive(Debug, clap::Parser)]
#[command(name = "klog-convert", version, about = ABOUT, long_about = LONG_ABOUT, after_help = AFTER_HELP)]
struct Args {
    /// Input files; none or `-` reads standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = To::Pretty)]
    to: To,

    /// Input format: detected per line (auto), or only this one (other lines pass through).
    #[arg(long, value_enum, default_value_t = InputFormat::Auto, value_name = "FORMAT")]
    from: InputFormat,

    /// Threads converting regular files to text and JSON (0: one per core; default: the
    /// idle cores, by the load average). The pretty view, standard input from a pipe and
    /// --follow use one thread. The output is the same for every N.
    #[arg(short = 'j', long, value_name = "N")]
    jobs: Option<usize>,

    /// Colours in the pretty view.
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    color: Color,

    /// Only records of this severity or above (JSON entries are info or error).
    #[arg(long, value_enum, value_name = "LEVEL")]
    severity: Option<Level>,

    /// Only records with a V level up to N (text lines count as 0).
    #[arg(long, value_name = "N")]
    max_v: Option<i64>,

    /// Only records of logger NAME or a logger below it (NAME.child); repeatable: any of them.
    #[arg(long, value_name = "NAME")]
    logger: Vec<String>,

    /// Only records with this key/value pair (object references match as namespace/name; msg,
    /// logger and err match the message, logger name and error); repeatable: all of them.
    #[arg(long = "match", value_name = "KEY=VALUE", value_parser = parse_match)]
    matches: Vec<(String, String)>,

    /// Only records at or after TIME (RFC 3339, `2026-11-28 09:00[:00]` UTC, or a date).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    since: Option<SystemTime>,

    /// Only records before TIME (same forms as --since).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    until: Option<SystemTime>,

    /// Drop lines that are not log records (by default they are written unchanged).
    #[arg(long)]
    hide_unparsed: bool,

    /// Year of the first klog text record of each input (text headers have none; December →
    /// January moves to the next year). Default: the current year, or the last one if the first
    /// record's month is later in the year than now.
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..=9999))]
    year: Option<i64>,

    /// Zone of klog text header times, read and written (and of the pretty view's times).
    #[arg(long, value_enum, default_value_t = Tz::Local, value_name = "ZONE")]
    tz: Tz,

    /// Keep reading FILE as it grows, across rotation (a new file at the path) and truncation;
    /// a FILE that does not exist yet is waited for.
    #[arg(short, long)]
    follow: bool,

    /// Longest line (or multi-line text record) parsed, in bytes; longer ones pass through
    /// unchanged.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_LINE_LEN as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    max_line_len: u64,
}

fn parse_match(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.follow && (args.files.len() != 1 || args.files[0] == Path::new("-")) {
        eprintln!("klog-convert: --follow needs exactly one FILE (not standard input)");
        return ExitCode::from(2);
    }
    let mut filter = Filter::default().hide_unparsed(args.hide_unparsed);
    if let Some(level) = args.severity {
        filter = filter.min_severity(match level {
            Level::Info => Severity::Info,
            Level::Warning => Severity::Warning,
            Level::Error => Severity::Error,
            Level::Fatal => Severity::Fatal,
        });
    }
    if let Some(v) = args.max_v {
        filter = filter.max_verbosity(v);
    }
    for name in &args.logger {
        filter = filter.logger(name.clone());
    }
    for (key, value) in &args.matches {
        filter = filter.matching(key.clone(), value.clone());
    }
    if let Some(t) = args.since {
        filter = filter.since(t);
    }
    if let Some(t) = args.until {
        filter = filter.until(t);
    }
    let target = match args.to {
        To::Text => Target::Text,
        To::Json => Target::Json,
        To::Pretty => Target::Pretty,
    };
    let stdout = io::stdout();
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            stdout.is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    };
    let zone = match args.tz {
        Tz::Local => klog::TimeZone::Local,
        Tz::Utc => klog::TimeZone::Utc,
    };
    let mut converter = Converter::new(target)
        .color(color)
        .filter(filter)
        .time_zone(zone);
    if let Some(year) = args.year {
        converter = converter.year(year);
    }
    let only = match args.from {
        InputFormat::Auto => None,
        InputFormat::Text => Some(SourceFormat::Text),
        InputFormat::Json => Some(SourceFormat::Json),
        InputFormat::Zap => Some(SourceFormat::Zap),
        InputFormat::Logrus => Some(SourceFormat::Logrus),
        InputFormat::Slog => Some(SourceFormat::Slog),
    };
    let cores = thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let jobs = match args.jobs {
        Some(0) => cores,
        Some(n) => n,
        None => default_jobs(cores),
    };
    let mut run = Run {
        converter,
        only,
        jobs: if target == Target::Pretty || args.follow {
            1
        } else {
            jobs
        },
        out: io::BufWriter::with_capacity(256 << 10, io::stdout()),
        buf: Vec::with_capacity(64 << 10),
        max_line_len: usize::try_from(args.max_line_len).unwrap_or(usize::MAX),
        failed_inputs: 0,
    };
    let stdin = || {
        // Standard input redirected from a file is read as the file, from its offset on.
        #[cfg(unix)]
        if stdin_is_file() {
            use std::os::fd::AsFd;
            if let Ok(fd) = io::stdin().as_fd().try_clone_to_owned() {
                return Input::File(File::from(fd));
            }
        }
        Input::Stream(Box::new(io::stdin()))
    };
    let result = if args.files.is_empty() {
        run.input("standard input", stdin())
    } else {
        args.files.iter().try_for_each(|path| {
            if path == Path::new("-") {
                return run.input("standard input", stdin());
            }
            let name = path.display().to_string();
            let opened = if args.follow {
                Follower::open(path).map(|f| Input::Stream(Box::new(f)))
            } else {
                File::open(path).map(|f| {
                    if f.metadata().is_ok_and(|m| m.is_file()) {
                        Input::File(f)
                    } else {
                        Input::Stream(Box::new(f))
                    }
                })
            };
            match opened {
                Ok(input) => run.input(&name, input),
                Err(e) => {
                    eprintln!("klog-convert: {name}: {e}");
                    run.failed_inputs += 1;
                    Ok(())
                }
            }
        })
    };
    let result = result.and_then(|()| run.out.flush());
    match result {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!("klog-convert: writing the output: {e}");
            ExitCode::from(2)
        }
        // Done, or the reader of the output went away (`| head`), which is no error; an input
        // that could not be read before that still is.
        _ if run.failed_inputs > 0 => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

struct Run<W: Write> {
    converter: Converter,
    only: Option<SourceFormat>,
    /// Threads for regular files (1: convert on this thread).
    jobs: usize,
    out: io::BufWriter<W>,
    /// One converted line (or a few); written out whole.
    buf: Vec<u8>,
    max_line_len: usize,
    failed_inputs: usize,
}

impl<W: Write + Send> Run<W> {
    /// Converts one input; `Err` only for output errors (input errors are reported and
    /// counted).
    fn input(&mut self, name: &str, input: Input) -> io::Result<()> {
        self.converter.start_input();
        match input {
            #[cfg(any(unix, windows))]
            Input::File(file) if self.jobs > 1 => {
                let options = parallel::ParseOptions {
                    max_line_len: self.max_line_len,
                    only: self.only,
                };
                // Pieces are written whole, past the buffer (copying them into it cost 1 %).
                self.out.flush()?;
                let read_error = parallel::convert_parallel(
                    &mut self.converter,
                    options,
                    self.jobs,
                    &file,
                    self.out.get_mut(),
                )?;
                if let Some(e) = read_error {
                    eprintln!("klog-convert: {name}: {e}");
                    self.failed_inputs += 1;
                }
                Ok(())
            }
            Input::File(file) => {
                self.convert_stream(name, BufReader::with_capacity(256 << 10, file))
            }
            Input::Stream(reader) => self.convert_stream(name, live::LiveInput::new(reader)),
        }
    }

    /// Converts `reader` on this thread. A live input reports a pause as an end (see
    /// `live.rs`): the parser then finishes an unstructured message, what was converted is
    /// written out, and reading goes on until the real end.
    fn convert_stream(
        &mut self,
        name: &str,
        reader: impl BufRead + live::InputEnd,
    ) -> io::Result<()> {
        let mut parser = Parser::new(reader).max_line_len(self.max_line_len);
        if let Some(format) = self.only {
            parser = parser.source_format(format);
        }
        loop {
            while let Some(line) = parser.next() {
                let line = match line {
                    Ok(line) => line,
                    Err(e) => {
                        eprintln!("klog-convert: {name}: {e}");
                        self.failed_inputs += 1;
                        return Ok(());
                    }
                };
                self.buf.clear();
                if self.converter.convert(&line, &mut self.buf) {
                    self.out.write_all(&self.buf)?;
                }
                parser.recycle(line);
                // Before the parser waits for more input, what was converted goes out: a
                // live stream shows each line when it comes, not when 256 KiB have gathered
                // or the stream ends. A file read in one go flushes once per 256 KiB read.
                if parser.get_ref().drained() {
                    self.out.flush()?;
                }
            }
            self.out.flush()?;
            if parser.get_ref().ended() {
                return Ok(());
            }
        }
    }
}

/// A FILE (or standard input), by how it is read.
enum Input {
    /// A regular file: read in one go, cut into pieces for threads with `-j`.
    File(File),
    /// A pipe, a terminal or `--follow`: read as it comes (see `live.rs`).
    Stream(Box<dyn Read + Send>),
}

/// The threads without `-j`: the cores not busy with other work (the cores less the
/// one-minute load average, at least one). Measured on 2 cores under a load of 8 (see
/// docs/converter.md#speed): two workers took as long as one and 10% more CPU; they only pay
/// when cores are idle. The output is the same for every `-j`.
fn default_jobs(cores: usize) -> usize {
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok());
    match load {
        Some(load) if load.is_finite() && load >= 0.0 => {
            let idle = (cores as f64 - load).floor();
            if idle >= 1.0 {
                (idle as usize).min(cores)
            } else {
                1
            }
        }
        _ => cores,
    }
}

/// Whether standard input is a regular file (`< file`): then it is read as that file, in
/// pieces for the threads of `-j`.
fn stdin_is_file() -> bool {
    #[cfg(unix)]
    {
        std::fs::metadata("/dev/stdin").is_ok_and(|m| m.is_file())
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// How long `--follow` waits before it looks for new data again.
const FOLLOW_POLL: Duration = Duration::from_millis(100);

/// A file read like `tail -F`: at its end it waits for more, and switches to a new file at the
/// same path (rotation) or starts again from the beginning when the file shrank (truncation).
struct Follower {
    path: PathBuf,
    /// `None` until the file first exists.
    file: Option<File>,
    identity: Option<(u64, u64)>,
    position: u64,
}

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

impl Follower {
    /// Follows `path`; a file that does not exist yet is waited for (as `tail -F` does).
    fn open(path: &Path) -> io::Result<Follower> {
        let mut follower = Follower {
            path: path.to_path_buf(),
            file: None,
            identity: None,
            position: 0,
        };
        match File::open(path) {
            Ok(file) => follower.switch_to(file),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                eprintln!(
                    "klog-convert: {}: waiting for the file to appear",
                    path.display()
                );
            }
            Err(e) => return Err(e),
        }
        Ok(follower)
    }

    fn switch_to(&mut self, file: File) {
        self.identity = file.metadata().ok().as_ref().and_then(identity);
        self.file = Some(file);
        self.position = 0;
    }
}

impl Read for Follower {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(file) = &mut self.file else {
                match File::open(&self.path) {
                    Ok(file) => self.switch_to(file),
                    Err(_) => std::thread::sleep(FOLLOW_POLL),
                }
                continue;
            };
            let n = file.read(buf)?;
            if n > 0 {
                self.position += n as u64;
                return Ok(n);
            }
            if let Ok(meta) = std::fs::metadata(&self.path) {
                let replaced = identity(&meta) != self.identity;
                if replaced {
                    // Lines may have reached the old file between the read above and the
                    // rename: read it to its end before switching.
                    let n = file.read(buf)?;
                    if n > 0 {
                        self.position += n as u64;
                        return Ok(n);
                    }
                    if let Ok(file) = File::open(&self.path) {
                        self.switch_to(file);
                        continue;
                    }
                } else if meta.len() < self.position {
                    use std::io::Seek;
                    file.seek(io::SeekFrom::Start(0))?;
                    self.position = 0;
                    continue;
                }
            }
            std::thread::sleep(FOLLOW_POLL);
        }
    }
}
