//! Runs one klog workload `N` times, for instruction counts under callgrind: the count
//! of a run with `N` events minus that of a run with 0, divided by `N`, is the cost of
//! one event (start-up and set-up cancel out). `benches/instructions.sh` does that for
//! every workload.
//!
//! `instr_loop WORKLOAD N` with WORKLOAD one of `text`, `json`, `contextual`,
//! `contextual_json`, `derive`, `with_values`, `disabled`, `vmodule`.

use std::hint::black_box;

use klog_benches::{klog_side, EVENT};

fn main() {
    let mut args = std::env::args().skip(1);
    let workload = args.next().unwrap_or_default();
    let n: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let text = klog_side::logger();
    let json = klog_side::json_logger();
    let contextual = klog_side::contextual(&text, &EVENT);
    let contextual_json = klog_side::contextual(&json, &EVENT);
    // One enabled record first: per-thread buffers, the header's per-second cache and a
    // derived logger's cached rendering are set up outside the counted loop.
    klog_side::text(&text, &EVENT);
    klog_side::text(&json, &EVENT);
    klog_side::text(&contextual, &EVENT);
    klog_side::text(&contextual_json, &EVENT);
    if workload == "vmodule" {
        klog::set_vmodule("nomatch=5,othernomatch*=3".parse().expect("vmodule"));
    }
    let e = black_box(&EVENT);
    // The workload is chosen once, outside the counted loop.
    let run: &dyn Fn() = match workload.as_str() {
        "text" => &|| klog_side::text(&text, e),
        "json" => &|| klog_side::text(&json, e),
        "contextual" => &|| klog_side::text(&contextual, e),
        "contextual_json" => &|| klog_side::text(&contextual_json, e),
        "derive" => &|| drop(black_box(klog_side::contextual(&text, e))),
        "with_values" => &|| drop(black_box(klog_side::with_values(&text, e))),
        "disabled" | "vmodule" => &|| klog_side::disabled(&text, e),
        other => {
            eprintln!("unknown workload {other:?}");
            std::process::exit(2);
        }
    };
    for _ in 0..n {
        run();
    }
}
