//! Logging a kube object allocates nothing at the call site: the reference borrows the
//! name and namespace from `ObjectMeta`. Own test binary: the counting allocator is
//! process-wide (allocations are counted per thread).
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use k8s_openapi::api::core::v1::Pod;
use klog::{info, JsonSink, Logger, TextSink};
use klog_kube::KObjExt;
use kube::core::ObjectMeta;
use kube::runtime::reflector::ObjectRef;

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every method forwards to `System` unchanged; the only addition is a
// thread-local counter increment, which neither allocates nor unwinds.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: forwarded unchanged; `ptr` came from `System` through this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Allocations per call of `f`, after a warm-up that fills per-thread buffers.
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

fn pod(name: &str) -> Pod {
    Pod {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("kube-system".into()),
            ..ObjectMeta::default()
        },
        ..Pod::default()
    }
}

fn loggers() -> [Logger; 2] {
    [
        TextSink::builder()
            .writer(std::io::sink())
            .verbosity(0)
            .build_logger()
            .with_name("pod-controller"),
        JsonSink::builder()
            .writer(std::io::sink())
            .verbosity(0)
            .build_logger()
            .with_name("pod-controller"),
    ]
}

#[test]
fn logging_objects_allocates_nothing() {
    let pods = vec![
        pod("coredns-5d78c9869d-abcde"),
        pod("coredns-5d78c9869d-fghij"),
    ];
    let object_ref = ObjectRef::from_obj(&pods[0]);
    let state: Vec<std::sync::Arc<Pod>> = pods.iter().cloned().map(Into::into).collect();
    for logger in loggers() {
        let count = allocations_per_call(|| {
            info!(
                logger,
                "Pod status updated",
                pod = klog_kube::kobj(&pods[0]),
                same = pods[1].kobj(),
                object = klog_kube::kref(&object_ref),
                pods = klog_kube::kobjs(&pods),
                cached = klog_kube::kobjs_arc(&state),
            );
        });
        assert_eq!(count, 0);
    }
}

#[test]
fn objects_at_a_disabled_level_allocate_nothing() {
    let pods = vec![pod("coredns-5d78c9869d-abcde")];
    for logger in loggers() {
        let count = allocations_per_call(|| {
            info!(v: 5, logger, "Pod status updated", pod = pods[0].kobj(), pods = klog_kube::kobjs(&pods));
        });
        assert_eq!(count, 0);
    }
}

#[test]
fn counter_sees_allocations() {
    let count = allocations_per_call(|| {
        std::hint::black_box(Vec::<u8>::with_capacity(16));
    });
    assert_eq!(count, 1);
}
