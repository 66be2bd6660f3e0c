//! The fast check every macro call makes first: sinks with their own `-v` raise its bound
//! while they live, and it comes down again when they are gone.
//!
//! Own test binary because the bound is process-wide; one test function, so the steps run
//! in order.

use klog::__private::gate_allows;
use klog::TextSink;

fn sink_at(v: i32) -> klog::Logger {
    TextSink::builder()
        .writer(std::io::sink())
        .verbosity(v)
        .build_logger()
}

#[test]
fn own_thresholds_raise_the_fast_check_only_while_their_sinks_live() {
    assert!(gate_allows(0));
    assert!(!gate_allows(5));

    let five = sink_at(5);
    assert!(gate_allows(5) && !gate_allows(6));
    let nine = sink_at(9);
    // Derived loggers share the registration of the sink they came from.
    let derived = nine
        .with_name("child")
        .with_values(&[klog::KeyValue::new("k", &1)]);
    assert!(gate_allows(9) && !gate_allows(10));

    drop(nine);
    assert!(gate_allows(9), "a derived logger still writes V(9)");
    drop(derived);
    assert!(gate_allows(5) && !gate_allows(6));

    let another_five = sink_at(5);
    drop(five);
    assert!(gate_allows(5), "one sink at 5 is left");
    drop(another_five);
    assert!(gate_allows(0) && !gate_allows(1));

    // The global -v is a floor the sinks' thresholds do not lower.
    klog::set_verbosity(3);
    let seven = sink_at(7);
    drop(seven);
    assert!(gate_allows(3) && !gate_allows(4));

    // A macro call site caches its own gate: every change of a sink's threshold or of
    // `-v` resets it, including changes racing with calls that recompute it.
    klog::set_verbosity(0);
    let quiet = sink_at(0);
    assert!(!v5(&quiet), "the call site's gate is computed: 0");
    let five = sink_at(5);
    assert!(v5(&five), "a new sink's threshold reaches a computed gate");
    assert!(!v5(&quiet));
    drop(five);
    assert!(!v5(&quiet));
    // A sink that follows the global `-v`.
    let quiet = TextSink::builder().writer(std::io::sink()).build_logger();
    assert!(!v5(&quiet));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let caller = {
        let stop = stop.clone();
        let quiet = quiet.clone();
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::hint::black_box(v5(&quiet));
            }
        })
    };
    for round in 0..2_000 {
        klog::set_verbosity(if round % 2 == 0 { 5 } else { 0 });
        assert_eq!(v5(&quiet), round % 2 == 0, "round {round}");
    }
    klog::set_verbosity(5);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    caller.join().expect("caller");
    assert!(v5(&quiet), "the last change is seen after the race");
    klog::set_verbosity(0);
    assert!(!v5(&quiet));
}

/// One macro call site, so its cached gate is reused across the steps above.
fn v5(logger: &klog::Logger) -> bool {
    klog::enabled!(v: 5, logger)
}
