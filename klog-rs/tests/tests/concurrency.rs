//! Many threads, one logger: every line arrives once and whole.

use std::collections::HashSet;

use klog::info;

use super::common::{pinned_logger, HEADER};

#[test]
fn every_line_from_every_thread_arrives_whole() {
    const THREADS: usize = 8;
    const LINES: usize = 2_000;
    let (logger, out) = pinned_logger(0);
    let logger = logger.with_name("worker");
    std::thread::scope(|s| {
        for thread in 0..THREADS {
            let logger = logger.clone();
            s.spawn(move || {
                for seq in 0..LINES {
                    info!(
                        logger,
                        "tick",
                        thread,
                        seq,
                        payload = "some\nmulti-line\nvalue"
                    );
                }
            });
        }
    });
    let text = out.to_string();
    let mut seen = HashSet::new();
    let records: Vec<&str> = text.split_inclusive(" >\n").collect();
    assert_eq!(records.len(), THREADS * LINES);
    for record in records {
        let rest = record
            .strip_prefix(HEADER)
            .unwrap_or_else(|| panic!("torn record: {record:?}"));
        let fields = rest
            .strip_prefix("\"tick\" logger=\"worker\" thread=")
            .unwrap_or_else(|| panic!("torn record: {record:?}"));
        let (thread, rest) = fields.split_once(" seq=").expect("seq");
        let (seq, rest) = rest.split_once(' ').expect("payload");
        assert_eq!(rest, "payload=<\n\tsome\n\tmulti-line\n\tvalue\n >\n");
        let id: (usize, usize) = (thread.parse().unwrap(), seq.parse().unwrap());
        assert!(seen.insert(id), "duplicate {id:?}");
    }
    assert_eq!(seen.len(), THREADS * LINES);
}

/// A sink writing to `io::sink()` counts without its destination's lock, each thread on
/// a stripe of its own: the counts still add up to every line and byte, from more threads
/// than there are stripes, text and JSON.
#[test]
fn a_discarding_writer_counts_every_line_and_byte_from_every_thread() {
    use std::sync::Arc;
    use std::time::UNIX_EPOCH;
    const THREADS: usize = 12;
    const LINES: u64 = 5_000;
    for json in [false, true] {
        let out = klog::SharedBuffer::default();
        // The sink under test, its stats, and a logger like it writing to `out`.
        let (stats, logger, one): (Box<dyn Fn() -> klog::OutputStats>, _, _) = if json {
            let sink = klog::JsonSink::builder()
                .writer(std::io::sink())
                .fixed_time(UNIX_EPOCH)
                .verbosity(0)
                .build();
            let one = klog::JsonSink::builder()
                .writer(out.clone())
                .fixed_time(UNIX_EPOCH)
                .verbosity(0)
                .build_logger();
            let logger = klog::Logger::new(Arc::new(sink.clone()));
            (Box::new(move || sink.stats()), logger, one)
        } else {
            let sink = klog::TextSink::builder()
                .writer(std::io::sink())
                .fixed_time(UNIX_EPOCH)
                .pid(1)
                .verbosity(0)
                .build();
            let one = klog::TextSink::builder()
                .writer(out.clone())
                .fixed_time(UNIX_EPOCH)
                .pid(1)
                .verbosity(0)
                .build_logger();
            let logger = klog::Logger::new(Arc::new(sink.clone()));
            (Box::new(move || sink.stats()), logger, one)
        };
        // The same call site, so the same bytes: one line written for reference.
        let log = |logger: &klog::Logger| info!(logger, "tick", seq = 1234);
        log(&one);
        let line = out.to_string().len() as u64;
        assert!(line > 20);
        std::thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| {
                    for _ in 0..LINES {
                        log(&logger);
                    }
                });
            }
        });
        let stats = stats();
        let lines = THREADS as u64 * LINES;
        assert_eq!(stats.lines(), lines, "json {json}");
        assert_eq!(stats.bytes(), lines * line, "json {json}");
        assert_eq!((stats.lost(), stats.waiting(), stats.errors()), (0, 0, 0));
    }
}
