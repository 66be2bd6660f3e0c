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
}
