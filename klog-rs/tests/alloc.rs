//! Exact heap allocation counts of the hot path, with a counting global allocator.
//!
//! Own test binary because the global allocator is process-wide. Allocations are counted
//! per thread (a const-initialised thread-local, which never allocates itself), so tests
//! running in parallel do not disturb each other's counts.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt;

use klog::{error, info, JsonSink, KObj, KeyValue, Logger, TextSink};

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: during thread teardown the slot may be gone; such allocations are not
    // part of any measurement.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// only addition is a thread-local counter increment, which neither allocates nor unwinds.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: as above; `ptr` was allocated by `System` through this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations per call of `f`, after a warm-up that fills per-thread buffers and caches.
fn allocations_per_call(mut f: impl FnMut()) -> u64 {
    for _ in 0..100 {
        f();
    }
    let before = ALLOCATIONS.with(Cell::get);
    for _ in 0..1_000 {
        f();
    }
    (ALLOCATIONS.with(Cell::get) - before) / 1_000
}

fn text_logger(verbosity: Option<i32>) -> Logger {
    let builder = TextSink::builder().writer(std::io::sink()).pid(12345);
    match verbosity {
        Some(v) => builder.verbosity(v).build_logger(),
        None => builder.build_logger(),
    }
}

#[test]
fn disabled_call_allocates_nothing() {
    // Follows the global -v, which stays 0 in this binary.
    let logger = text_logger(None);
    let pod = KObj::new("kube-system", "coredns-5d78c9869d-abcde");
    let count = allocations_per_call(|| {
        info!(v: 5, logger, "Pod status updated", pod = pod, status = "ready", attempt = 3, latency_ms = 12.5);
    });
    assert_eq!(count, 0);
}

/// Allocations per call of the benchmark event (str, KObj, int, float) through `logger`.
fn event_allocations(logger: &Logger) -> u64 {
    let pod = KObj::new("kube-system", "coredns-5d78c9869d-abcde");
    allocations_per_call(|| {
        info!(
            logger,
            "Pod status updated",
            pod = pod,
            status = "ready",
            attempt = 3,
            latency_ms = 12.5
        );
    })
}

#[test]
fn enabled_text_info_allocates_nothing() {
    assert_eq!(event_allocations(&text_logger(Some(0))), 0);
}

#[test]
fn contextual_text_info_allocates_nothing() {
    let logger = text_logger(Some(0))
        .with_name("controller")
        .with_name("pods")
        .with_values(&[
            KeyValue::new("node", &"worker-1"),
            KeyValue::new("shard", &7),
        ]);
    assert_eq!(event_allocations(&logger), 0);
}

#[derive(Debug)]
struct ConnectionRefused;

impl fmt::Display for ConnectionRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection refused")
    }
}

impl std::error::Error for ConnectionRefused {}

#[test]
fn error_call_allocates_nothing() {
    let logger = text_logger(Some(0));
    let err = ConnectionRefused;
    let count = allocations_per_call(|| {
        error!(logger, err: &err, "Failed to sync", key = "kube-system/coredns");
    });
    assert_eq!(count, 0);
}

#[test]
fn display_debug_and_multiline_values_allocate_nothing() {
    let logger = text_logger(Some(0));
    let addr = std::net::Ipv4Addr::new(10, 0, 0, 1);
    let count = allocations_per_call(|| {
        info!(logger, "Config loaded", config = "apiVersion: v1\nkind: Pod\nmetadata: {}", %addr, ?addr,
            elapsed = std::time::Duration::from_millis(1500));
    });
    assert_eq!(count, 0);
}

#[test]
fn counter_sees_allocations() {
    // Guards against a counter that never counts.
    let count = allocations_per_call(|| {
        std::hint::black_box(Vec::<u8>::with_capacity(16));
    });
    assert_eq!(count, 1);
}

fn json_logger() -> Logger {
    JsonSink::builder()
        .writer(std::io::sink())
        .verbosity(0)
        .build_logger()
}

#[test]
fn json_info_allocates_nothing() {
    assert_eq!(event_allocations(&json_logger()), 0);
}

#[test]
fn contextual_json_info_allocates_nothing() {
    let logger = json_logger()
        .with_name("controller")
        .with_name("pods")
        .with_values(&[
            KeyValue::new("node", &"worker-1"),
            KeyValue::new("shard", &7),
        ]);
    assert_eq!(event_allocations(&logger), 0);
}

#[test]
fn json_error_call_allocates_nothing() {
    let logger = json_logger();
    let err = ConnectionRefused;
    let count = allocations_per_call(|| {
        error!(logger, err: &err, "Failed to sync", key = "kube-system/coredns");
    });
    assert_eq!(count, 0);
}

#[test]
fn a_call_through_a_scoped_logger_allocates_nothing() {
    let logger = text_logger(Some(0)).with_name("scoped");
    let count = klog::with_logger(logger, || {
        let pod = KObj::new("kube-system", "coredns-5d78c9869d-abcde");
        allocations_per_call(|| {
            info!(
                "Pod status updated",
                pod = pod,
                status = "ready",
                attempt = 3
            );
        })
    });
    assert_eq!(count, 0);
}

#[test]
fn deriving_a_logger_allocates_nothing_until_it_writes() {
    for base in [text_logger(Some(0)), json_logger()] {
        let derive = || {
            base.with_name("controller")
                .with_name("pods")
                .with_values(&[
                    KeyValue::new("pod", &KObj::new("kube-system", "coredns")),
                    KeyValue::new("attempt", &3),
                ])
        };
        let chain = allocations_per_call(|| {
            std::hint::black_box(&derive());
        });
        assert_eq!(chain, 0, "{base:?}");
        let with_values = allocations_per_call(|| {
            let logger = base.with_values(&[KeyValue::new("node", &"worker-1")]);
            std::hint::black_box(&logger);
        });
        assert_eq!(with_values, 0, "{base:?}");
        // The first record through a derived logger hands its derivations to the sink
        // (one derived sink) and renders them (cached): no more allocations, derivation
        // and first record together, than deriving through the sink at once (one sink per
        // step) and writing. Later records, and clones, reuse both.
        // Warm-up: the call site's registration and the thread's rendering buffers.
        event_allocations_once(&derive());
        let logger = derive();
        let lazy_first = event_allocations_once(&logger);
        assert_eq!(lazy_first, 2, "{base:?}");
        let eager_derive = {
            let before = ALLOCATIONS.with(Cell::get);
            let sink = base.sink().expect("sink");
            let eager = sink
                .with_name("controller")
                .with_name("pods")
                .with_values(&[
                    KeyValue::new("pod", &KObj::new("kube-system", "coredns")),
                    KeyValue::new("attempt", &3),
                ]);
            (Logger::new(eager), ALLOCATIONS.with(Cell::get) - before)
        };
        let eager_first = event_allocations_once(&eager_derive.0);
        assert_eq!(eager_derive.1, 3, "{base:?}");
        assert!(
            lazy_first <= eager_derive.1 + eager_first,
            "{base:?}: lazy {lazy_first}, eager {} + {eager_first}",
            eager_derive.1
        );
        assert_eq!(event_allocations_once(&logger), 0, "{base:?}");
        let clone = allocations_per_call(|| {
            std::hint::black_box(&logger.clone());
        });
        assert_eq!(clone, 0, "{base:?}");
        // A clone taken before any record makes the derived sink (once, for both); the
        // first record through either renders it (once, for both).
        let fresh = derive();
        let before = ALLOCATIONS.with(Cell::get);
        let copy = fresh.clone();
        assert_eq!(ALLOCATIONS.with(Cell::get) - before, 1, "{base:?}");
        assert_eq!(event_allocations_once(&copy), 1, "{base:?}");
        assert_eq!(event_allocations_once(&fresh), 0, "{base:?}");
        // A context beyond the logger's room is handed to the sink at once: the derived
        // sink and its names and values, which are beyond the sink's inline room too.
        let long = "x".repeat(300);
        let big = allocations_per_call(|| {
            let logger = base.with_values(&[KeyValue::new("big", &long.as_str())]);
            std::hint::black_box(&logger);
        });
        assert_eq!(big, 2, "{base:?}");
    }
}

/// Allocations of one info record through `logger` (no warm-up: the first record
/// through a logger is what is counted). The thread's buffers are warmed by the caller's
/// earlier records through the same sink.
fn event_allocations_once(logger: &Logger) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    info!(logger, "Pod status updated", attempt = 3);
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn collections_allocate_nothing_up_to_sixteen_map_entries() {
    use std::collections::HashMap;
    let names = vec!["web", "db", "cache"];
    let ports: &[u16] = &[80, 443];
    let labels: HashMap<String, String> = (0..16)
        .map(|i| (format!("label-{i}"), format!("value-{i}")))
        .collect();
    let nested = vec![Some(vec![1.5, 2.0]), None];
    for logger in [text_logger(Some(0)), json_logger()] {
        let count = allocations_per_call(|| {
            info!(logger, "Scheduled", names, ports, labels, nested);
        });
        assert_eq!(count, 0);
    }
    // A bigger map is sorted in one heap buffer.
    let big: HashMap<u32, u32> = (0..17).map(|i| (i, i)).collect();
    for logger in [text_logger(Some(0)), json_logger()] {
        let count = allocations_per_call(|| info!(logger, "Scheduled", big));
        assert_eq!(count, 1);
    }
}
