//! Prints a Markdown table of heap allocations per event for klog, tracing-subscriber fmt
//! and slog-term (the `json` rows: tracing-subscriber `fmt().json()` and slog-json), on
//! the workloads of the `logging` bench.
//!
//! `cargo run --release -p klog-benches --bin alloc_counts`
// Implementing `GlobalAlloc` needs `unsafe impl` and unsafe calls; this binary is the only
// place in the workspace that does it, and it only forwards to `System`.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use klog_benches::{klog_side, slog_side, sync_error, tracing_side, EVENT};
use tracing::dispatcher;
use tracing::level_filters::LevelFilter;

/// `System`, counting every allocation (`alloc`, `alloc_zeroed` and `realloc`).
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the only addition is a relaxed counter increment.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwards to `System` with the caller's layout (same contract).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwards to `System` with the caller's layout (same contract).
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwards to `System`; `ptr` was allocated by `System` (every allocation
        // goes through this allocator) with `layout`, as the caller guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwards to `System`; `ptr` was allocated by `System` with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const WARM_UP: u64 = 1_000;
const N: u64 = 10_000;

/// Allocations per call of `f`, after a warm-up.
fn per_event(mut f: impl FnMut()) -> f64 {
    for _ in 0..WARM_UP {
        f();
    }
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..N {
        f();
    }
    (ALLOCS.load(Ordering::Relaxed) - before) as f64 / N as f64
}

fn cell(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn main() {
    let err = sync_error();
    let klog = klog_side::logger();
    let klog_ctx = klog_side::contextual(&klog, &EVENT);
    let slog = slog_side::logger();
    let slog_filtered = slog_side::filtered_logger();
    let slog_ctx = slog_side::contextual(&slog, &EVENT);
    let dispatch = tracing_side::dispatch(LevelFilter::INFO);
    let tracing = |f: &mut dyn FnMut()| dispatcher::with_default(&dispatch, || per_event(f));
    let klog_json = klog_side::json_logger();
    let klog_json_ctx = klog_side::contextual(&klog_json, &EVENT);
    let slog_json = slog_side::json_logger();
    let slog_json_ctx = slog_side::contextual(&slog_json, &EVENT);
    let json_dispatch = tracing_side::json_dispatch();

    let rows: [(&str, f64, f64, f64); 9] = [
        (
            "disabled",
            per_event(|| klog_side::disabled(&klog, black_box(&EVENT))),
            tracing(&mut || tracing_side::disabled(black_box(&EVENT))),
            per_event(|| slog_side::disabled(&slog_filtered, black_box(&EVENT))),
        ),
        (
            "text",
            per_event(|| klog_side::text(&klog, black_box(&EVENT))),
            tracing(&mut || tracing_side::text(black_box(&EVENT))),
            per_event(|| slog_side::text(&slog, black_box(&EVENT))),
        ),
        (
            "contextual",
            per_event(|| klog_side::text(&klog_ctx, black_box(&EVENT))),
            dispatcher::with_default(&dispatch, || {
                tracing_side::in_context(&EVENT, || {
                    per_event(|| tracing_side::text(black_box(&EVENT)))
                })
            }),
            per_event(|| slog_side::text(&slog_ctx, black_box(&EVENT))),
        ),
        (
            "derive (chain)",
            per_event(|| drop(black_box(klog_side::contextual(&klog, black_box(&EVENT))))),
            tracing(&mut || tracing_side::derive_chain(black_box(&EVENT))),
            per_event(|| drop(black_box(slog_side::contextual(&slog, black_box(&EVENT))))),
        ),
        (
            "derive (with_values)",
            per_event(|| drop(black_box(klog_side::with_values(&klog, black_box(&EVENT))))),
            tracing(&mut || tracing_side::derive_values(black_box(&EVENT))),
            per_event(|| drop(black_box(slog_side::with_values(&slog, black_box(&EVENT))))),
        ),
        (
            "error",
            per_event(|| klog_side::error(&klog, black_box(&err), black_box(&EVENT))),
            tracing(&mut || tracing_side::error(black_box(&err), black_box(&EVENT))),
            per_event(|| slog_side::error(&slog, black_box(&err), black_box(&EVENT))),
        ),
        (
            "multiline",
            per_event(|| klog_side::multiline(&klog, black_box(&EVENT))),
            tracing(&mut || tracing_side::multiline(black_box(&EVENT))),
            per_event(|| slog_side::multiline(&slog, black_box(&EVENT))),
        ),
        (
            "json",
            per_event(|| klog_side::text(&klog_json, black_box(&EVENT))),
            dispatcher::with_default(&json_dispatch, || {
                per_event(|| tracing_side::text(black_box(&EVENT)))
            }),
            per_event(|| slog_side::text(&slog_json, black_box(&EVENT))),
        ),
        (
            "json contextual",
            per_event(|| klog_side::text(&klog_json_ctx, black_box(&EVENT))),
            dispatcher::with_default(&json_dispatch, || {
                tracing_side::in_context(&EVENT, || {
                    per_event(|| tracing_side::text(black_box(&EVENT)))
                })
            }),
            per_event(|| slog_side::text(&slog_json_ctx, black_box(&EVENT))),
        ),
    ];

    println!("Allocations per event (warm-up {WARM_UP}, then {N} events; all to io::sink):");
    println!();
    println!("| workload | klog | tracing | slog |");
    println!("|---|---|---|---|");
    for (name, k, t, s) in rows {
        println!("| {name} | {} | {} | {} |", cell(k), cell(t), cell(s));
    }
    println!();
    println!(
        "klog: TextSink (json rows: JsonSink). tracing: tracing-subscriber fmt \
         (json rows: fmt().json()). slog: slog-term FullFormat (json rows: slog-json \
         behind a Mutex)."
    );
}
