//! Replays the conformance corpus (expected output of the real Go klog) through klog-rs.
//!
//! It replays the `text*`, `header*`, `json*` and `vmodule*` `.jsonl` files of the copy of
//! the published corpus in `tests/conformance/` (the run fails if the copy is missing), or
//! of `KLOG_CONFORMANCE_DIR=<dir>` instead, choosing the check by the file name's prefix.
//! Cases tagged `component-base-quirk` that deviate are counted as quirks, not failures;
//! `KLOG_CONFORMANCE_QUIRKS=1` prints each deviation; `KLOG_CONFORMANCE_VERBOSE=1` lists the
//! ids of the cases set aside by each of the README's rules.
//!
//! Whether a case applies is decided from the record alone, by the rules of the corpus
//! README (`not_applicable`). Own binary with `harness = false`: it prints one summary line
//! per file, which libtest would capture.

#[path = "support/typed.rs"]
mod typed;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use klog::{
    JsonSink, KeyValue, Logger, Record, Severity, SharedBuffer, TextSink, VModule, VModuleMode,
};
use serde_json::Value as Json;
use typed::Typed;

/// The pinned environment of every corpus record (SCHEMA.md §1).
const CORPUS_TIME: &str = "2024-01-02T03:04:05.123456789Z";
const CORPUS_PID: i64 = 12345;
const CORPUS_FILE: &str = "/go/src/k8s.io/kubernetes/pkg/controller/controller.go";
const CORPUS_LINE: i64 = 42;
const DEFAULT_VERBOSITY: i32 = 10;

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    not_applicable: usize,
    quirks: usize,
    /// The ids of the cases each rule made not applicable.
    reasons: std::collections::BTreeMap<&'static str, Vec<String>>,
    failures: Vec<String>,
    quirk_notes: Vec<String>,
}

impl Tally {
    /// One line of counts; with `ids`, the not-applicable case ids follow, per rule.
    fn summary(&self, file: &str, ids: bool) -> String {
        let mut line = format!(
            "{file}: {} passed, {} failed, {} not applicable, {} quirks",
            self.passed, self.failed, self.not_applicable, self.quirks
        );
        if !self.reasons.is_empty() {
            line.push_str(" (not applicable:");
            for (i, (reason, ids)) in self.reasons.iter().enumerate() {
                let sep = if i == 0 { " " } else { "; " };
                let _ = write!(line, "{sep}{reason}: {}", ids.len());
            }
            line.push(')');
            for (reason, case_ids) in self.reasons.iter().filter(|_| ids) {
                let _ = write!(line, "\n    {reason}: {}", case_ids.join(", "));
            }
        }
        line
    }
}

/// The README's rules, in its order. `None` when the case must pass.
fn not_applicable(record: &Json) -> Option<&'static str> {
    let call = &record["call"];
    let mut lists: Vec<&Json> = vec![&call["kvs"]];
    if let Some(wv) = record["with_values"].as_array() {
        lists.extend(wv.iter());
    }
    let entries = || {
        lists
            .iter()
            .filter_map(|l| l.as_array())
            .flatten()
            .filter_map(|e| e.as_array())
    };
    if entries().any(|e| e.len() == 1) {
        return Some("rule 1 (key without value)");
    }
    let bad_key = |k: &Json| !k.is_string();
    if entries().any(|e| e.first().is_some_and(bad_key)) {
        return Some("rule 2 (key not a string)");
    }
    if has_tag(record, "go-specific") {
        return Some("rule 3 (go-specific)");
    }
    let b64_error = |v: &Json| v["t"] == "error" && v.get("b64").is_some();
    if call.get("msg_b64").is_some()
        || b64_error(&call["err"])
        || entries().any(|e| e.get(1).is_some_and(b64_error))
    {
        return Some("rule 4 (message or error text not UTF-8)");
    }
    if contains_type(call, "error_stringer")
        || contains_type(&record["with_values"], "error_stringer")
    {
        return Some("rule 5 (error_stringer)");
    }
    None
}

fn has_tag(record: &Json, tag: &str) -> bool {
    record["tags"]
        .as_array()
        .is_some_and(|t| t.iter().any(|x| x == tag))
}

fn contains_type(v: &Json, t: &str) -> bool {
    match v {
        Json::Object(map) => {
            map.get("t").is_some_and(|x| x == t) || map.values().any(|x| contains_type(x, t))
        }
        Json::Array(items) => items.iter().any(|x| contains_type(x, t)),
        _ => false,
    }
}

fn frame(id: &str, expected: &[u8], got: &[u8], note: &str) -> String {
    let bar = "─".repeat(72);
    format!(
        "\n┌{bar}\n│ FAILED {id}{note}\n├── expected ──\n{}├── got ──\n{}└{bar}",
        indent(expected),
        indent(got)
    )
}

fn indent(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        let _ = writeln!(out, "│ {:?}", line);
    }
    if text.is_empty() {
        out.push_str("│ (nothing)\n");
    }
    out
}

fn expected_bytes(record: &Json) -> Result<Vec<u8>, String> {
    match &record["expect"] {
        Json::String(s) => Ok(s.as_bytes().to_vec()),
        Json::Null => typed::base64(record["expect_b64"].as_str().ok_or("no expect_b64")?),
        other => Err(format!("bad expect {other}")),
    }
}

/// The output format a record is replayed through.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    Text,
    Json,
}

fn corpus_logger(format: Format, verbosity: i32, out: &SharedBuffer) -> Logger {
    let time = typed::parse_time(CORPUS_TIME).expect("corpus time");
    match format {
        Format::Text => TextSink::builder()
            .writer(out.clone())
            .verbosity(verbosity)
            .fixed_time(time)
            .time_zone(klog::TimeZone::Utc)
            .pid(CORPUS_PID)
            .fixed_caller(Some(CORPUS_FILE), CORPUS_LINE)
            .build_logger(),
        Format::Json => JsonSink::builder()
            .writer(out.clone())
            .verbosity(verbosity)
            .fixed_time(time)
            .time_zone(klog::TimeZone::Utc)
            .fixed_caller(Some(CORPUS_FILE), CORPUS_LINE)
            .build_logger(),
    }
}

fn key_values<'a>(list: &'a [(String, Typed)]) -> Vec<KeyValue<'a>> {
    list.iter()
        .map(|(k, v)| KeyValue::from_value(k, v.to_value()))
        .collect()
}

/// Replays one text or JSON record; `Ok(bytes written)` or an error saying what could not
/// be expressed.
fn replay(record: &Json, format: Format) -> Result<Vec<u8>, String> {
    let verbosity = record["verbosity"].as_i64().map_or(DEFAULT_VERBOSITY, |v| {
        v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
    });
    let out = SharedBuffer::default();
    let mut logger = corpus_logger(format, verbosity, &out);
    for name in record["names"].as_array().ok_or("names")? {
        logger = logger.with_name(name.as_str().ok_or("name")?);
    }
    let mut bound: Vec<Vec<(String, Typed)>> = Vec::new();
    for list in record["with_values"].as_array().ok_or("with_values")? {
        bound.push(typed::parse_kvs(list)?);
    }
    for list in &bound {
        logger = logger.with_values(&key_values(list));
    }
    let call = &record["call"];
    let msg = call["msg"].as_str().ok_or("msg")?;
    let kvs = typed::parse_kvs(&call["kvs"])?;
    let kvs = key_values(&kvs);
    match call["kind"].as_str().ok_or("kind")? {
        "info" => {
            let v = call["v"].as_i64().ok_or("v")?;
            logger
                .v(v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
                .info(msg, &kvs);
        }
        "error" => {
            let err = match &call["err"] {
                Json::Null => None,
                v => Some(Typed::parse(v)?),
            };
            let err_ref = match &err {
                Some(Typed::Null) | None => None,
                Some(e) => Some(e as &(dyn std::error::Error + 'static)),
            };
            logger.error(err_ref, msg, &kvs);
        }
        "print" => {
            let severity = match call["severity"].as_str() {
                Some("I") => Severity::Info,
                Some("W") => Severity::Warning,
                Some("E") => Severity::Error,
                other => return Err(format!("bad severity {other:?}")),
            };
            logger.log(&Record::unstructured(severity, msg));
        }
        other => return Err(format!("unknown call kind {other}")),
    }
    Ok(out.take())
}

/// Replays a header record: the text header, and the JSON `ts` and `caller` for the same
/// time and call site. An unstructured record with an empty message is exactly the text
/// header plus the line break klog appends. Returns what differs, if anything.
fn replay_header(record: &Json) -> Result<Vec<String>, String> {
    let severity = match record["severity"].as_str() {
        Some("I") => Severity::Info,
        Some("W") => Severity::Warning,
        Some("E") => Severity::Error,
        Some("F") => Severity::Fatal,
        other => return Err(format!("bad severity {other:?}")),
    };
    let time = typed::parse_time(record["time"].as_str().ok_or("time")?)?;
    let pid = record["pid"].as_i64().ok_or("pid")?;
    let line = record["line"].as_i64().unwrap_or(0);
    let file = record["file"].as_str();
    let mut differences = Vec::new();

    let out = SharedBuffer::default();
    TextSink::builder()
        .writer(out.clone())
        .fixed_time(time)
        .time_zone(klog::TimeZone::Utc)
        .pid(pid)
        .fixed_caller(file, line)
        .build_logger()
        .log(&Record::unstructured(severity, ""));
    let mut text = out.take();
    if text.pop() != Some(b'\n') {
        return Err("header line did not end with a line break".into());
    }
    let expected = expected_bytes(record)?;
    if text != expected {
        differences.push(frame("text header", &expected, &text, ""));
    }

    JsonSink::builder()
        .writer(out.clone())
        .fixed_time(time)
        .time_zone(klog::TimeZone::Utc)
        .fixed_caller(file, line)
        .build_logger()
        .log(&Record::unstructured(severity, ""));
    let entry: Json =
        serde_json::from_slice(&out.take()).map_err(|e| format!("JSON entry: {e}"))?;
    let raw = serde_json::to_string(&entry["ts"]).unwrap_or_default();
    let want_ts = record["json_ts"].as_str().unwrap_or_default();
    if raw != want_ts {
        differences.push(frame("json ts", want_ts.as_bytes(), raw.as_bytes(), ""));
    }
    if entry.get("caller") != record.get("json_caller").filter(|c| !c.is_null()) {
        let got = entry.get("caller").map(Json::to_string).unwrap_or_default();
        differences.push(frame(
            "json caller",
            record["json_caller"].to_string().as_bytes(),
            got.as_bytes(),
            "",
        ));
    }
    Ok(differences)
}

/// Replays a vmodule record through klog's matcher (`VModuleMode::Klog`; the default
/// mode's path and module patterns are extensions klog lacks), with a final `.go` of each
/// checked path replaced by `.rs`. Returns the differences.
fn replay_vmodule(record: &Json) -> Result<Vec<String>, String> {
    let value = record["vmodule"].as_str().ok_or("vmodule")?;
    let v = record["v"].as_i64().ok_or("v")?;
    let v = v.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
    let mut differences = Vec::new();
    let parsed = VModule::parse(value, VModuleMode::Klog);
    let got_error = parsed.as_ref().err().map(ToString::to_string);
    let want_error = record["error"].as_str().map(str::to_owned);
    if got_error != want_error {
        differences.push(format!(
            "  error: expected {want_error:?}, got {got_error:?}"
        ));
    }
    if let (Ok(vmodule), Some(checks)) = (parsed, record["checks"].as_array()) {
        for check in checks {
            let file = check["file"].as_str().ok_or("file")?;
            let file = match file.strip_suffix(".go") {
                Some(stem) => format!("{stem}.rs"),
                None => file.to_owned(),
            };
            let level = check["level"].as_i64().ok_or("level")? as i32;
            let want = check["enabled"].as_bool().ok_or("enabled")?;
            let got = vmodule.enabled(v, level, &file, "");
            if got != want {
                differences.push(format!("  {file} V({level}): expected {want}, got {got}"));
            }
        }
    }
    Ok(differences)
}

#[derive(Clone, Copy, PartialEq)]
enum Check {
    Text,
    Json,
    Header,
    VModule,
}

fn check_for(file_name: &str) -> Option<Check> {
    if !file_name.ends_with(".jsonl") {
        return None;
    }
    if file_name.starts_with("text") {
        Some(Check::Text)
    } else if file_name.starts_with("header") {
        Some(Check::Header)
    } else if file_name.starts_with("json") {
        Some(Check::Json)
    } else if file_name.starts_with("vmodule") {
        Some(Check::VModule)
    } else {
        None
    }
}

fn run_file(path: &Path, check: Check) -> Result<Tally, String> {
    let content = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut tally = Tally::default();
    for (n, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let record: Json =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        let id = record["id"].as_str().unwrap_or("?").to_owned();
        let format = match check {
            Check::Text => Format::Text,
            Check::Json => Format::Json,
            Check::Header => {
                match replay_header(&record) {
                    Ok(differences) if differences.is_empty() => tally.passed += 1,
                    Ok(differences) => {
                        tally.failed += 1;
                        tally
                            .failures
                            .push(format!("{id}:{}", differences.concat()));
                    }
                    Err(why) => {
                        tally.failed += 1;
                        tally.failures.push(format!("{id}: cannot replay: {why}"));
                    }
                }
                continue;
            }
            Check::VModule => {
                match replay_vmodule(&record) {
                    Ok(differences) if differences.is_empty() => tally.passed += 1,
                    Ok(differences) => {
                        tally.failed += 1;
                        tally
                            .failures
                            .push(format!("{id}:\n{}", differences.join("\n")));
                    }
                    Err(why) => {
                        tally.failed += 1;
                        tally.failures.push(format!("{id}: cannot replay: {why}"));
                    }
                }
                continue;
            }
        };
        if let Some(reason) = not_applicable(&record) {
            tally.not_applicable += 1;
            tally.reasons.entry(reason).or_default().push(id);
            continue;
        }
        // Quirks of component-base's JSON logger: matched or deviated, never failed.
        let quirk = format == Format::Json && has_tag(&record, "component-base-quirk");
        let expected = expected_bytes(&record)?;
        match replay(&record, format) {
            Ok(got) if got == expected => tally.passed += 1,
            Ok(got) if quirk => {
                tally.quirks += 1;
                tally.quirk_notes.push(frame(
                    &id,
                    &expected,
                    &got,
                    " (component-base quirk, deviation documented)",
                ));
            }
            Ok(got) => {
                tally.failed += 1;
                tally.failures.push(frame(&id, &expected, &got, ""));
            }
            Err(why) => {
                tally.failed += 1;
                tally.failures.push(frame(
                    &id,
                    &expected,
                    b"",
                    &format!(" (cannot replay: {why})"),
                ));
            }
        }
    }
    Ok(tally)
}

fn corpus_files() -> Result<Vec<(PathBuf, Check)>, String> {
    let (dir, all) = match std::env::var_os("KLOG_CONFORMANCE_DIR") {
        Some(dir) => (PathBuf::from(dir), true),
        None => (
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance"),
            false,
        ),
    };
    let entries = std::fs::read_dir(&dir)
        .map_err(|e| format!("conformance corpus {} is missing: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(check) = check_for(&name) {
            files.push((entry.path(), check));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let has = |prefix: &str| {
        files.iter().any(|(p, _)| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
    };
    if files.is_empty() {
        return Err(format!(
            "no text*, header*, json* or vmodule* .jsonl files in {}",
            dir.display()
        ));
    }
    if !(all || has("text") && has("header")) {
        return Err(format!(
            "conformance corpus copy in {} lacks text.jsonl or header.jsonl",
            dir.display()
        ));
    }
    Ok(files)
}

/// Corpus values whose `Display`/`marshal_log` panic on purpose would print a panic
/// message each; only panics elsewhere (real bugs) are shown.
fn quiet_intentional_panics() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let intentional = info
            .location()
            .is_some_and(|l| l.file().ends_with("typed.rs"));
        if !intentional {
            default_hook(info);
        }
    }));
}

fn main() -> ExitCode {
    quiet_intentional_panics();
    let files = match corpus_files() {
        Ok(files) => files,
        Err(e) => {
            eprintln!("conformance: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut failed = false;
    let mut summaries = Vec::new();
    for (path, check) in files {
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        match run_file(&path, check) {
            Ok(tally) => {
                for failure in &tally.failures {
                    println!("{failure}");
                }
                failed |= tally.failed > 0;
                if std::env::var_os("KLOG_CONFORMANCE_QUIRKS").is_some() {
                    for note in &tally.quirk_notes {
                        println!("{note}");
                    }
                }
                // Quiet on success: the ids of the cases set aside are shown on request.
                let ids = std::env::var_os("KLOG_CONFORMANCE_VERBOSE").is_some();
                summaries.push(tally.summary(&name, ids));
            }
            Err(e) => {
                failed = true;
                summaries.push(format!("{name}: error: {e}"));
            }
        }
    }
    for summary in &summaries {
        println!("{summary}");
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
