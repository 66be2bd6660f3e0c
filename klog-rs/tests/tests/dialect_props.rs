//! Property tests for the JSON dialects `klog::parse` reads besides component-base (zap and
//! etcd, logrus, slog): a line written the way each logger writes it is read back with its
//! severity, V level, time, logger, message, error and key/values, and converts to text and
//! to component-base JSON that read back as one record with the same message and pairs.

use proptest::prelude::*;

use klog::convert::{Converter, Target};
use klog::parse::{ParsedLine, ParsedRecord, ParsedValue, Parser, SourceFormat};
use klog::Severity;

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn one(line: &str) -> ParsedRecord {
    let lines: Vec<ParsedLine> = Parser::new(line.as_bytes()).map(Result::unwrap).collect();
    match &lines[..] {
        [ParsedLine::Record(rec)] => rec.clone(),
        other => panic!("{line:?} read as {other:?}"),
    }
}

/// A level name of `dialect` and what it stands for.
fn levels(dialect: SourceFormat) -> Vec<(&'static str, Severity, Option<i64>)> {
    use Severity::*;
    match dialect {
        SourceFormat::Zap => vec![
            ("debug", Info, Some(1)),
            ("info", Info, Some(0)),
            ("Level(-3)", Info, Some(3)),
            ("warn", Warning, None),
            ("error", Error, None),
            ("fatal", Fatal, None),
        ],
        SourceFormat::Logrus => vec![
            ("trace", Info, Some(5)),
            ("debug", Info, Some(4)),
            ("info", Info, Some(0)),
            ("warning", Warning, None),
            ("error", Error, None),
            ("fatal", Fatal, None),
        ],
        _ => vec![
            ("DEBUG", Info, Some(4)),
            ("INFO-2", Info, Some(2)),
            ("INFO", Info, Some(0)),
            ("WARN", Warning, None),
            ("ERROR", Error, None),
        ],
    }
}

#[derive(Debug, Clone)]
struct Entry {
    dialect: SourceFormat,
    level: usize,
    secs: i64,
    nanos: u32,
    logger: Option<String>,
    message: String,
    error: Option<String>,
    pairs: Vec<(String, String)>,
}

impl Entry {
    /// The line as the dialect's logger writes it.
    fn line(&self) -> String {
        let (level, ..) = levels(self.dialect)[self.level];
        let (y, mo, d, h, mi, s) = civil(self.secs);
        let rfc3339 = format!(
            "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:09}Z",
            self.nanos
        );
        let mut members: Vec<(String, String)> = Vec::new();
        let mut push = |k: &str, v: String| members.push((k.to_string(), v));
        match self.dialect {
            SourceFormat::Zap => {
                push("level", quote(level));
                // Float seconds as zap writes them, or etcd's RFC 3339 for odd seconds.
                if self.secs % 2 == 0 {
                    push("ts", format!("{}.{:09}", self.secs, self.nanos));
                } else {
                    push("ts", quote(&rfc3339));
                }
                if let Some(l) = &self.logger {
                    push("logger", quote(l));
                }
                push("msg", quote(&self.message));
            }
            SourceFormat::Slog => {
                push("time", quote(&rfc3339));
                push("level", quote(level));
                push("msg", quote(&self.message));
            }
            _ => {
                push("level", quote(level));
                push("msg", quote(&self.message));
                push("time", quote(&rfc3339));
            }
        }
        for (k, v) in &self.pairs {
            push(k, quote(v));
        }
        if let Some(e) = &self.error {
            let key = if self.dialect == SourceFormat::Slog {
                "err"
            } else {
                "error"
            };
            push(key, quote(e));
        }
        let body: Vec<String> = members
            .iter()
            .map(|(k, v)| format!("{}:{v}", quote(k)))
            .collect();
        format!("{{{}}}\n", body.join(","))
    }
}

/// (year, month, day, hour, minute, second) of Unix seconds (Hinnant's civil_from_days).
fn civil(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (sod / 3_600) as u32,
        (sod / 60 % 60) as u32,
        (sod % 60) as u32,
    )
}

fn entry() -> impl Strategy<Value = Entry> {
    let dialect = prop_oneof![
        Just(SourceFormat::Zap),
        Just(SourceFormat::Logrus),
        Just(SourceFormat::Slog)
    ];
    // Keys that are none of the dialects' own names.
    let key = "[a-k][a-z_]{0,7}".prop_filter("own names", |k| {
        !matches!(k.as_str(), "err" | "error" | "file" | "caller")
    });
    (
        dialect,
        0usize..5,
        1_000_000_000i64..4_000_000_000,
        0u32..1_000_000_000,
        proptest::option::of("[a-z][a-z.-]{0,12}"),
        "\\PC{0,24}",
        proptest::option::of("\\PC{1,16}"),
        proptest::collection::vec((key, "\\PC{0,12}"), 0..4),
    )
        .prop_map(
            |(dialect, level, secs, nanos, logger, message, error, pairs)| Entry {
                dialect,
                level,
                secs,
                nanos,
                logger: logger.filter(|_| dialect == SourceFormat::Zap),
                message,
                error,
                pairs,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn dialect_lines_read_back_with_every_field(e in entry()) {
        let line = e.line();
        let rec = one(&line);
        let (_, severity, verbosity) = levels(e.dialect)[e.level];
        prop_assert_eq!(rec.format, e.dialect);
        prop_assert_eq!((rec.severity, rec.verbosity), (severity, verbosity));
        prop_assert_eq!(rec.ts_unix, Some((e.secs, e.nanos)));
        prop_assert_eq!(&rec.logger, &e.logger);
        prop_assert_eq!(&rec.message, &e.message);
        let is_error = matches!(severity, Severity::Error | Severity::Fatal);
        let mut pairs: Vec<(String, ParsedValue)> = e
            .pairs
            .iter()
            .map(|(k, v)| (k.clone(), ParsedValue::Str(v.clone())))
            .collect();
        match (&e.error, is_error) {
            (Some(err), true) => prop_assert_eq!(rec.error.as_deref(), Some(err.as_str())),
            (Some(err), false) => {
                let key = if e.dialect == SourceFormat::Slog { "err" } else { "error" };
                pairs.push((key.to_string(), ParsedValue::Str(err.clone())));
            }
            (None, _) => prop_assert_eq!(&rec.error, &None),
        }
        prop_assert_eq!(&rec.key_values, &pairs);
    }

    #[test]
    fn dialect_lines_convert_to_text_and_json_that_read_back(e in entry()) {
        let rec = one(&e.line());
        for target in [Target::Json, Target::Text] {
            let mut out = Vec::new();
            prop_assert!(Converter::new(target).year(2024).convert_record(&rec, &mut out));
            let back = one(std::str::from_utf8(&out).unwrap());
            let format = if target == Target::Json { SourceFormat::Json } else { SourceFormat::Text };
            prop_assert_eq!(back.format, format);
            prop_assert_eq!(&back.message, &rec.message);
            prop_assert_eq!(&back.logger, &rec.logger);
            prop_assert_eq!(&back.error, &rec.error);
            if target == Target::Json {
                // Info entries keep their V level; warnings are info entries at V0.
                let v = match rec.severity {
                    Severity::Info => rec.verbosity,
                    Severity::Warning => Some(0),
                    _ => None,
                };
                prop_assert_eq!(back.verbosity, v);
            } else {
                prop_assert_eq!(back.severity, rec.severity);
            }
            // Pairs come back in order (klog's text writer keeps one pair per key: only
            // records with distinct keys are compared).
            let keys: Vec<&str> = back.key_values.iter().map(|(k, _)| k.as_str()).collect();
            let want: Vec<&str> = rec.key_values.iter().map(|(k, _)| k.as_str()).collect();
            let distinct: std::collections::HashSet<&&str> = want.iter().collect();
            if distinct.len() == want.len() {
                prop_assert_eq!(keys, want);
            }
        }
    }
}
