//! klog severities and V levels as OpenTelemetry severities: the one table, kept in
//! `docs/format.md` §5.8 (a test reads it from there).

use klog::Severity;
use opentelemetry::logs::Severity as OtelSeverity;

/// The OpenTelemetry severity number of a klog record: info V0 is `INFO` (9), each V level
/// above 0 one step lower (V1 `DEBUG4` … V4 `DEBUG`, V5 `TRACE4` … V8 and above `TRACE`),
/// warning `WARN` (13), error `ERROR` (17), fatal `FATAL` (21). It is what Go's OpenTelemetry
/// logr bridge does (severity = INFO − V), and it agrees with the bridges' table
/// (`docs/format.md` §5.7: V1–V4 are DEBUG, V5 and above TRACE). Errors ignore the V level,
/// as klog does.
///
/// ```
/// use klog::Severity;
/// use opentelemetry::logs::Severity as Otel;
/// use klog_opentelemetry::otel_severity;
/// assert_eq!(otel_severity(Severity::Info, 0), Otel::Info);
/// assert_eq!(otel_severity(Severity::Info, 2), Otel::Debug3);
/// assert_eq!(otel_severity(Severity::Info, 12), Otel::Trace);
/// assert_eq!(otel_severity(Severity::Error, 4), Otel::Error);
/// ```
#[must_use]
pub fn otel_severity(severity: Severity, verbosity: i32) -> OtelSeverity {
    match severity {
        Severity::Info => match verbosity {
            i32::MIN..=0 => OtelSeverity::Info,
            1 => OtelSeverity::Debug4,
            2 => OtelSeverity::Debug3,
            3 => OtelSeverity::Debug2,
            4 => OtelSeverity::Debug,
            5 => OtelSeverity::Trace4,
            6 => OtelSeverity::Trace3,
            7 => OtelSeverity::Trace2,
            _ => OtelSeverity::Trace,
        },
        Severity::Warning => OtelSeverity::Warn,
        Severity::Error => OtelSeverity::Error,
        Severity::Fatal => OtelSeverity::Fatal,
    }
}

/// The severity text of a klog record: klog's own name of the severity (`INFO`,
/// `WARNING`, `ERROR`, `FATAL`), as the log data model asks ("the original string
/// representation as it is known at the source"); the V level is in the number.
///
/// ```
/// assert_eq!(klog_opentelemetry::severity_text(klog::Severity::Warning), "WARNING");
/// ```
#[must_use]
pub fn severity_text(severity: Severity) -> &'static str {
    severity.name()
}
