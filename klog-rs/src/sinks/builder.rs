//! [`SinkBuilder`]: the options both sinks share, and where their output goes.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The options both builders share.
#[derive(Default)]
struct BuilderOptions {
    writer: Option<Box<dyn Write + Send>>,
    /// The writer is `io::sink()`.
    discards: bool,
    buffer: usize,
    split_stream: Option<usize>,
    klog_flags: Option<KlogFlags>,
    flush_frequency: Option<std::time::Duration>,
    clock: Option<Box<Clock>>,
    pid: Option<i64>,
    caller: Option<FixedCaller>,
    verbosity: Option<i32>,
    vmodule: Option<VModule>,
    time_zone: Option<TimeZone>,
}

impl BuilderOptions {
    fn build<E: Encoding>(self) -> FormatSink<E> {
        let (threshold, own_threshold) = match (self.verbosity, self.vmodule) {
            (None, None) => (Threshold::Global, None),
            (v, vmodule) => {
                let v = v.unwrap_or(0);
                let vmodule = vmodule.filter(|vm| !vm.is_empty());
                // The fast check must let through every level this sink may write.
                let raised = vmodule
                    .as_ref()
                    .and_then(VModule::max_verbosity)
                    .unwrap_or(v);
                let registration = verbosity::register_sink_threshold(v.max(raised));
                (
                    Threshold::Fixed(v, vmodule.map(Arc::new)),
                    Some(registration),
                )
            }
        };
        let pid = self.pid.unwrap_or_else(|| i64::from(std::process::id()));
        if let Some(period) = self.flush_frequency {
            crate::output::start_flush_thread(period);
        }
        // An explicit zone wins over `--log-time-utc`.
        let zone = self.time_zone.unwrap_or(match &self.klog_flags {
            Some(flags) if flags.log_time_utc => TimeZone::Utc,
            _ => TimeZone::Local,
        });
        let header = match &self.klog_flags {
            Some(flags) if flags.skip_headers => HeaderStyle::Skip,
            Some(flags) if flags.add_dir_header => HeaderStyle::WithDirectory,
            _ => HeaderStyle::Normal,
        };
        let output = router(
            self.writer,
            self.discards,
            self.buffer,
            self.split_stream,
            self.klog_flags.as_ref(),
            E::FILE_HEADERS,
            zone,
        );
        FormatSink {
            shared: Arc::new(Shared {
                output,
                clock: self.clock,
                pid: PidField::new(pid),
                caller: self.caller,
                threshold,
                header,
                zone,
                _own_threshold: own_threshold,
            }),
            context: Context::default(),
        }
    }
}

/// The destinations a builder's options ask for: klog's files (unless `-logtostderr`),
/// else component-base's split stream, else the writer (stderr by default). Files get
/// klog's header lines when `file_headers` (and not `--skip_log_headers`); their names and
/// `Log file created at:` are in `zone`.
fn router(
    writer: Option<Box<dyn Write + Send>>,
    discards: bool,
    buffer: usize,
    split_stream: Option<usize>,
    klog_flags: Option<&KlogFlags>,
    file_headers: bool,
    zone: TimeZone,
) -> Router {
    if let Some(flags) = klog_flags.filter(|f| !f.logtostderr) {
        let dir = flags.log_dir.clone().unwrap_or_else(std::env::temp_dir);
        let name = match &flags.log_file {
            Some(file) => format!("file:{}", file.display()),
            None => format!("files:{}", dir.display()),
        };
        let files = LogFiles::new(FileConfig {
            dir,
            single_file: flags.log_file.clone(),
            max_size: flags.log_file_max_size.saturating_mul(1024 * 1024),
            one_output: flags.one_output,
            skip_headers: flags.skip_log_headers || !file_headers,
            program: default_program(),
            host: default_host(),
            user: default_user(),
            pid: std::process::id(),
            zone,
        });
        return Router::Files {
            files: Destination::files(&name, files),
            stderr: Destination::stream(StdStream::Stderr, 0),
            stderr_threshold: if flags.alsologtostderr {
                Severity::Info
            } else {
                flags.stderrthreshold
            },
        };
    }
    if let Some(info_buffer) = split_stream {
        return Router::Split {
            info: Destination::stream(StdStream::Stdout, info_buffer),
            problems: Destination::stream(StdStream::Stderr, 0),
        };
    }
    match writer {
        Some(writer) => Router::Single(Destination::writer("writer", writer, buffer, discards)),
        None => Router::Single(Destination::stream(StdStream::Stderr, buffer)),
    }
}

impl fmt::Debug for BuilderOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BuilderOptions")
            .field("pid", &self.pid)
            .field("caller", &self.caller)
            .field("verbosity", &self.verbosity)
            .field("vmodule", &self.vmodule)
            .finish_non_exhaustive()
    }
}

/// A sink builder: output, verbosity, and the clock, pid and caller seams that let tests
/// replay records without global state. `F` is the format it builds a sink for
/// ([`TextFormat`] or [`JsonFormat`]); use it as [`TextSinkBuilder`] or [`JsonSinkBuilder`],
/// from [`TextSink::builder`] or [`JsonSink::builder`].
///
/// ```
/// let sink = klog::TextSink::builder()
///     .writer(std::io::sink())
///     .verbosity(4)
///     .build();
/// # let _ = sink;
/// ```
pub struct SinkBuilder<F> {
    options: BuilderOptions,
    format: PhantomData<fn() -> F>,
}

/// Builds a [`TextSink`].
///
/// ```
/// let builder: klog::TextSinkBuilder = klog::TextSink::builder();
/// let logger = builder.writer(std::io::sink()).pid(1).build_logger();
/// # let _ = logger;
/// ```
pub type TextSinkBuilder = SinkBuilder<TextFormat>;

/// Builds a [`JsonSink`].
///
/// ```
/// let builder: klog::JsonSinkBuilder = klog::JsonSink::builder();
/// let logger = builder.writer(std::io::sink()).verbosity(2).build_logger();
/// # let _ = logger;
/// ```
pub type JsonSinkBuilder = SinkBuilder<JsonFormat>;

/// The klog text format, as a [`SinkBuilder`] parameter (never a value).
///
/// ```
/// let _builder: klog::SinkBuilder<klog::TextFormat> = klog::TextSink::builder();
/// ```
#[derive(Debug)]
pub enum TextFormat {}

/// The Kubernetes JSON format, as a [`SinkBuilder`] parameter (never a value).
///
/// ```
/// let _builder: klog::SinkBuilder<klog::JsonFormat> = klog::JsonSink::builder();
/// ```
#[derive(Debug)]
pub enum JsonFormat {}

impl<F> Default for SinkBuilder<F> {
    fn default() -> Self {
        SinkBuilder {
            options: BuilderOptions::default(),
            format: PhantomData,
        }
    }
}

impl<F> fmt::Debug for SinkBuilder<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SinkBuilder")
            .field("options", &self.options)
            .finish()
    }
}

/// The options both formats have.
impl<F> SinkBuilder<F> {
    /// Writes to `writer` instead of stderr. Each record is one `write_all` call.
    #[must_use]
    pub fn writer<W: Write + Send + 'static>(mut self, writer: W) -> Self {
        // `io::sink()` (what benchmarks and tests that only count use) takes the
        // destination's lock-free path.
        self.options.discards = TypeId::of::<W>() == TypeId::of::<std::io::Sink>();
        self.options.writer = Some(Box::new(writer));
        self
    }

    /// Uses this threshold instead of the global `-v`: `V(n)` is written iff
    /// `max(n, 0) <= v`.
    #[must_use]
    pub fn verbosity(mut self, v: i32) -> Self {
        self.options.verbosity = Some(v);
        self
    }

    /// Gives the sink its own `-vmodule` instead of the global one (with the sink's
    /// own `-v` from [`verbosity`](Self::verbosity), 0 if not set). Matched on each
    /// call, without the global per-call-site cache: for tests and special sinks;
    /// components set the global one with [`set_vmodule`](crate::set_vmodule).
    #[must_use]
    pub fn vmodule(mut self, vmodule: VModule) -> Self {
        self.options.vmodule = Some(vmodule);
        self
    }

    /// Collects records in a buffer of up to `bytes` bytes before writing them
    /// (whole records only); errors and fatal records are written through at once.
    /// Flushed by [`flush`](crate::flush), the flush thread
    /// ([`flush_frequency`](Self::flush_frequency)), the panic hook `init` installs,
    /// `fatal!` and `flush_and_exit`, when the last sink sharing the buffer is
    /// dropped, and (on Unix) when the process exits, by returning from `main` or by
    /// `std::process::exit`.
    #[must_use]
    pub fn buffered(mut self, bytes: usize) -> Self {
        self.options.buffer = bytes;
        self
    }

    /// component-base's split stream: info records to stdout (buffered up to
    /// `info_buffer_size` bytes, 0 for none), warnings, errors and fatal records to
    /// stderr. Overrides [`writer`](Self::writer).
    #[must_use]
    pub fn split_stream(mut self, info_buffer_size: usize) -> Self {
        self.options.split_stream = Some(info_buffer_size);
        self
    }

    /// klog's output flags. `skip_headers` drops the text header, `add_dir_header`
    /// adds the file's directory to it. With `logtostderr` off, records go to klog's log
    /// files (`log_dir` or the temp directory, or the one `log_file`, rotated at
    /// `log_file_max_size` MB), and to stderr from `stderrthreshold` up (every record
    /// with `alsologtostderr`). With `logtostderr` on (the default) they change
    /// nothing. Overrides [`writer`](Self::writer) and
    /// [`split_stream`](Self::split_stream).
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("klog-doc-{}", std::process::id()));
    /// let mut flags = klog::KlogFlags::default();
    /// flags.logtostderr = false;
    /// flags.log_dir = Some(dir.clone());
    /// let logger = klog::TextSink::builder().klog_flags(&flags).build_logger();
    /// klog::info!(logger, "to a file");
    /// klog::flush();
    /// assert!(std::fs::read_dir(&dir).unwrap().count() >= 1);
    /// # drop(logger); // first: its last flush would bring back files it finds removed
    /// # let _ = std::fs::remove_dir_all(dir);
    /// ```
    #[must_use]
    pub fn klog_flags(mut self, flags: &KlogFlags) -> Self {
        self.options.klog_flags = Some(flags.clone());
        self
    }

    /// Starts the flush thread (once per process), flushing every destination this
    /// often (component-base's `flushFrequency`, 5 s by default there).
    #[must_use]
    pub fn flush_frequency(mut self, period: std::time::Duration) -> Self {
        self.options.flush_frequency = Some(period);
        self
    }

    /// The zone of the text header's time, of log file names and of `Log file created
    /// at:`: [`TimeZone::Local`] (the default, as Go klog) or [`TimeZone::Utc`]. Without
    /// it, [`KlogFlags::log_time_utc`] (`--log-time-utc`) picks UTC. JSON's `ts` is the
    /// same in every zone.
    ///
    /// ```
    /// use std::time::UNIX_EPOCH;
    /// let out = klog::SharedBuffer::default();
    /// let logger = klog::TextSink::builder()
    ///     .writer(out.clone())
    ///     .time_zone(klog::TimeZone::Utc)
    ///     .fixed_time(UNIX_EPOCH)
    ///     .pid(1)
    ///     .fixed_caller(Some("main.rs"), 1)
    ///     .build_logger();
    /// klog::info!(logger, "epoch");
    /// assert!(out.to_string().starts_with("I0101 00:00:00.000000 "));
    /// ```
    #[must_use]
    pub fn time_zone(mut self, zone: TimeZone) -> Self {
        self.options.time_zone = Some(zone);
        self
    }

    /// Reads the time from `clock` instead of the system clock.
    #[must_use]
    pub fn clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.options.clock = Some(Box::new(clock));
        self
    }

    /// Stamps every record with `time`.
    #[must_use]
    pub fn fixed_time(self, time: SystemTime) -> Self {
        self.clock(move || time)
    }

    /// Writes this file and line for every record instead of its call site (`None`
    /// file: unknown caller).
    #[must_use]
    pub fn fixed_caller(mut self, file: Option<&str>, line: i64) -> Self {
        self.options.caller = Some(FixedCaller {
            file: file.map(Into::into),
            line,
        });
        self
    }
}

/// The text sink's own option, and building it.
impl SinkBuilder<TextFormat> {
    /// Writes `pid` in the header instead of this process' id.
    #[must_use]
    pub fn pid(mut self, pid: i64) -> Self {
        self.options.pid = Some(pid);
        self
    }

    /// Builds the sink.
    #[must_use]
    pub fn build(self) -> TextSink {
        TextSink {
            inner: self.options.build(),
        }
    }

    /// Builds the sink and wraps it in a [`Logger`].
    #[must_use]
    pub fn build_logger(self) -> Logger {
        Logger::new(Arc::new(self.build()))
    }
}

/// Building the JSON sink.
impl SinkBuilder<JsonFormat> {
    /// Builds the sink.
    #[must_use]
    pub fn build(self) -> JsonSink {
        JsonSink {
            inner: self.options.build(),
        }
    }

    /// Builds the sink and wraps it in a [`Logger`].
    #[must_use]
    pub fn build_logger(self) -> Logger {
        Logger::new(Arc::new(self.build()))
    }
}
