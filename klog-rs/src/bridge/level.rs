//! The one level table of every bridge, in both directions (`docs/format.md` §5.7).

use crate::record::Severity;

/// The five levels `tracing`, `slog` and `log` have in common, between klog's severity and
/// V level and each framework's own level type. Every bridge maps through it, so the
/// table is the same for all of them: a bridge only turns a [`Level`] into its framework's
/// level (or back) with a plain `match`.
///
/// Into klog ([`Level::to_klog`]): `Error` is an error record, `Warn` a warning, `Info` an
/// info record at V0, `Debug` V4 and `Trace` V5. Out of klog ([`Level::from_klog`]): error
/// and fatal records are `Error`, warnings `Warn`, info records `Info` at V0, `Debug` at
/// V1–V4 and `Trace` from V5. Where the level alone does not say the V level, it travels
/// as a `v` field ([`carried_verbosity`]), which overrides the mapped V level on the way
/// back in.
///
/// ```
/// use klog::bridge::Level;
/// use klog::Severity;
///
/// assert_eq!(Level::from_klog(Severity::Info, 2), Level::Debug);
/// assert_eq!(Level::Debug.to_klog(), (Severity::Info, 4));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Errors (klog's error and fatal severities).
    Error,
    /// Warnings.
    Warn,
    /// Info records at V0.
    Info,
    /// Info records at V1–V4 (V4 on the way into klog).
    Debug,
    /// Info records from V5.
    Trace,
}

impl Level {
    /// Every level, most severe first.
    ///
    /// ```
    /// assert_eq!(klog::bridge::Level::ALL.len(), 5);
    /// ```
    pub const ALL: [Level; 5] = [
        Level::Error,
        Level::Warn,
        Level::Info,
        Level::Debug,
        Level::Trace,
    ];

    /// The level of a klog record with `severity` at V level `verbosity`.
    ///
    /// ```
    /// use klog::bridge::Level;
    /// use klog::Severity;
    ///
    /// assert_eq!(Level::from_klog(Severity::Fatal, 0), Level::Error);
    /// assert_eq!(Level::from_klog(Severity::Error, 0), Level::Error);
    /// assert_eq!(Level::from_klog(Severity::Warning, 3), Level::Warn);
    /// assert_eq!(Level::from_klog(Severity::Info, 0), Level::Info);
    /// assert_eq!(Level::from_klog(Severity::Info, 1), Level::Debug);
    /// assert_eq!(Level::from_klog(Severity::Info, 4), Level::Debug);
    /// assert_eq!(Level::from_klog(Severity::Info, 5), Level::Trace);
    /// assert_eq!(Level::from_klog(Severity::Info, 10), Level::Trace);
    /// ```
    #[inline]
    #[must_use]
    pub const fn from_klog(severity: Severity, verbosity: i32) -> Level {
        match severity {
            Severity::Error | Severity::Fatal => Level::Error,
            Severity::Warning => Level::Warn,
            Severity::Info => match verbosity {
                ..=0 => Level::Info,
                1..=4 => Level::Debug,
                _ => Level::Trace,
            },
        }
    }

    /// The klog severity and V level of a record logged at this level (without a `v`
    /// field).
    ///
    /// ```
    /// use klog::bridge::Level;
    /// use klog::Severity;
    ///
    /// assert_eq!(Level::Error.to_klog(), (Severity::Error, 0));
    /// assert_eq!(Level::Warn.to_klog(), (Severity::Warning, 0));
    /// assert_eq!(Level::Info.to_klog(), (Severity::Info, 0));
    /// assert_eq!(Level::Debug.to_klog(), (Severity::Info, 4));
    /// assert_eq!(Level::Trace.to_klog(), (Severity::Info, 5));
    /// ```
    #[inline]
    #[must_use]
    pub const fn to_klog(self) -> (Severity, i32) {
        match self {
            Level::Error => (Severity::Error, 0),
            Level::Warn => (Severity::Warning, 0),
            Level::Info => (Severity::Info, 0),
            Level::Debug => (Severity::Info, 4),
            Level::Trace => (Severity::Info, 5),
        }
    }

    /// The level's name as the frameworks spell it in capitals (`docs/format.md` writes
    /// them so).
    ///
    /// ```
    /// assert_eq!(klog::bridge::Level::Warn.name(), "WARN");
    /// ```
    #[inline]
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        }
    }
}

/// The V level a klog record carries as a `v` field when it leaves klog: `Some` where its
/// [`Level`] alone would come back as another V level (info V1–V3 and V6 and up, warnings
/// with a V level), `None` where the level says it, and for errors, whose V level klog
/// ignores.
///
/// ```
/// use klog::bridge::carried_verbosity;
/// use klog::Severity;
///
/// assert_eq!(carried_verbosity(Severity::Info, 0), None);
/// assert_eq!(carried_verbosity(Severity::Info, 2), Some(2));
/// assert_eq!(carried_verbosity(Severity::Info, 4), None);
/// assert_eq!(carried_verbosity(Severity::Info, 5), None);
/// assert_eq!(carried_verbosity(Severity::Info, 7), Some(7));
/// assert_eq!(carried_verbosity(Severity::Warning, 1), Some(1));
/// assert_eq!(carried_verbosity(Severity::Error, 3), None);
/// ```
#[inline]
#[must_use]
pub const fn carried_verbosity(severity: Severity, verbosity: i32) -> Option<i32> {
    match severity {
        Severity::Error | Severity::Fatal => None,
        Severity::Warning | Severity::Info => {
            let verbosity = if verbosity < 0 { 0 } else { verbosity };
            if Level::from_klog(severity, verbosity).to_klog().1 == verbosity {
                None
            } else {
                Some(verbosity)
            }
        }
    }
}
