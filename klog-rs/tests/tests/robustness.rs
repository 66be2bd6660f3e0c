//! Bad input never panics and never loses the line.

use std::fmt;
use std::io::{self, Write};

use klog::{info, TextSink, Value};

use super::common::{pinned_logger, rerun_in_child, HEADER};

struct PanicsInDisplay;

impl fmt::Display for PanicsInDisplay {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("display exploded")
    }
}

impl fmt::Debug for PanicsInDisplay {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        panic!("debug exploded\nwith a second line")
    }
}

#[test]
fn panicking_display_and_debug_become_markers_and_the_line_is_written() {
    let (logger, out) = pinned_logger(0);
    let value = PanicsInDisplay;
    info!(logger, "still written", a = %value, b = ?value, after = 1);
    assert_eq!(
        out.to_string(),
        format!(
            "{HEADER}\"still written\" a=\"<panic: display exploded>\" \
             b=<\n\t<panic: debug exploded\n\twith a second line>\n > after=1\n"
        )
    );
}

#[test]
fn panicking_marshaler_becomes_marker() {
    struct Bad;
    impl klog::Marshaler for Bad {
        fn marshal_log(&self, _: &mut dyn FnMut(Value<'_>)) {
            panic!("cannot marshal")
        }
    }
    let (logger, out) = pinned_logger(0);
    info!(logger, "m", v = Value::Marshaler(&Bad));
    assert_eq!(
        out.to_string(),
        format!("{HEADER}\"m\" v=\"<panic: cannot marshal>\"\n")
    );
}

#[test]
fn display_returning_an_error_gets_a_marker() {
    struct Fails;
    impl fmt::Display for Fails {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            Err(fmt::Error)
        }
    }
    let (logger, out) = pinned_logger(0);
    info!(logger, "m", v = %Fails);
    assert_eq!(
        out.to_string(),
        format!("{HEADER}\"m\" v=\"<fmt error>\"\n")
    );
}

#[test]
fn logging_from_inside_display_does_not_deadlock_or_panic() {
    struct LogsWhileRendering(klog::Logger);
    impl fmt::Display for LogsWhileRendering {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            info!(self.0, "inner");
            f.write_str("outer value")
        }
    }
    let (logger, out) = pinned_logger(0);
    let value = LogsWhileRendering(logger.clone());
    info!(logger, "outer", v = %value);
    let text = out.to_string();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("\"inner\""));
    assert!(text.contains("v=\"outer value\""));
}

struct FailingWriter;

impl Write for FailingWriter {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn write_errors_are_counted_not_panicked_on() {
    if let Some(child) =
        rerun_in_child("tests::robustness::write_errors_are_counted_not_panicked_on")
    {
        // Reported once on stderr, however many writes failed.
        assert_eq!(
            String::from_utf8_lossy(&child.stderr),
            "klog: writing to writer failed: closed (records are kept and retried, up to a bound; failures and lost records are counted, see klog::output_stats)\n"
        );
        return;
    }
    let sink = TextSink::builder()
        .writer(FailingWriter)
        .verbosity(0)
        .build();
    let logger = klog::Logger::new(std::sync::Arc::new(sink.clone()));
    for _ in 0..3 {
        info!(logger, "lost");
    }
    assert_eq!(sink.stats().errors(), 3);
    assert_eq!(sink.stats().lines(), 0);
}

#[test]
fn huge_values_are_written_whole() {
    let (logger, out) = pinned_logger(0);
    let big = "x".repeat(1 << 20);
    info!(logger, "big", v = big.as_str());
    info!(logger, "small");
    let text = out.to_string();
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().next().is_some_and(|l| l.len() > 1 << 20));
}

#[test]
fn panicking_serialize_becomes_marker() {
    struct Bad;
    impl serde::Serialize for Bad {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            panic!("serialize exploded")
        }
    }
    let (logger, out) = pinned_logger(0);
    info!(
        logger,
        "m",
        a = klog::Serde(&Bad),
        b = klog::Format(&Bad),
        c = 1
    );
    assert_eq!(
        out.to_string(),
        format!("{HEADER}\"m\" a=\"<panic: serialize exploded>\" b=\"<panic: serialize exploded>\" c=1\n")
    );
}

struct PanickingWriter;

impl Write for PanickingWriter {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        panic!("writer exploded")
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_panicking_writer_is_counted_as_a_failure_not_propagated() {
    if let Some(child) = rerun_in_child(
        "tests::robustness::a_panicking_writer_is_counted_as_a_failure_not_propagated",
    ) {
        assert_eq!(
            String::from_utf8_lossy(&child.stderr),
            "klog: writing to writer failed: the writer panicked (records are kept and retried, up to a bound; failures and lost records are counted, see klog::output_stats)\n"
        );
        return;
    }
    let sink = TextSink::builder()
        .writer(PanickingWriter)
        .verbosity(0)
        .build();
    let logger = klog::Logger::new(std::sync::Arc::new(sink.clone()));
    info!(logger, "first");
    info!(logger, "second");
    klog::flush();
    assert_eq!(sink.stats().errors(), 2);
    assert_eq!(sink.stats().lines(), 0);
}

/// A value nested `0` levels deep: arrays inside arrays, written by recursion through the
/// serializer (as derived `Serialize` impls of recursive types do).
struct Nested(usize);

impl serde::Serialize for Nested {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(1))?;
        if self.0 > 0 {
            seq.serialize_element(&Nested(self.0 - 1))?;
        }
        seq.end()
    }
}

/// `Option<Box<Chain>>` nests without brackets: serde hands it over as `Some(...)`.
struct Chain(usize);

impl serde::Serialize for Chain {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 == 0 {
            serializer.serialize_none()
        } else {
            serializer.serialize_some(&Chain(self.0 - 1))
        }
    }
}

#[test]
fn deeply_nested_values_become_a_marker_not_an_abort() {
    // A spawned thread has a 2 MiB stack: 100,000 levels would overflow it many times over.
    let lines = std::thread::spawn(|| {
        let (logger, out) = pinned_logger(0);
        info!(
            logger,
            "deep",
            a = klog::Serde(&Nested(100_000)),
            b = klog::Format(&Nested(100_000)),
            c = klog::Serde(&Chain(100_000)),
            d = 1
        );
        let json_out = klog::SharedBuffer::default();
        let json = klog::JsonSink::builder()
            .writer(json_out.clone())
            .verbosity(0)
            .build_logger();
        info!(json, "deep", a = klog::Serde(&Nested(100_000)), d = 1);
        (out.to_string(), json_out.to_string())
    })
    .join()
    .expect("no overflow, no panic");
    let marker = "json: value nested deeper than 128 levels";
    let (text, json) = lines;
    assert!(text.len() < 2_000, "bounded output: {} bytes", text.len());
    assert_eq!(text.matches(marker).count(), 3, "{text}");
    assert!(text.ends_with(" d=1\n"), "{text}");
    let json: serde_json::Value = serde_json::from_str(json.trim_end()).expect("one JSON line");
    assert_eq!(json["aError"], marker, "{json}");
    assert_eq!(json["d"], 1);
    // 128 levels are written whole.
    let (logger, out) = pinned_logger(0);
    info!(logger, "m", a = klog::Serde(&Nested(127)));
    let want = format!("{}{}", "[".repeat(128), "]".repeat(128));
    assert!(out.to_string().contains(&want), "{}", out);
}
