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
