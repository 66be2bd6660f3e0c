//! Logging a kube object allocates nothing at the call site: the reference borrows the
//! name and namespace from `ObjectMeta`. Own test binary: the counting allocator is
//! process-wide (allocations are counted per thread).

use k8s_openapi::api::core::v1::Pod;
use klog::{info, JsonSink, Logger, TextSink};
use klog_bridge_test_support::alloc::{allocations_per_call, CountingAllocator};
use klog_kube::KObjExt;
use kube::core::ObjectMeta;
use kube::runtime::reflector::ObjectRef;

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

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
