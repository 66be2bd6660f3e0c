//! The workloads log what the benches claim they log: enabled events produce the expected
//! line, disabled ones nothing. Guards against timing a silently disabled call.

use klog::SharedBuffer;
use klog_benches::{klog_side, slog_side, sync_error, tracing_side, EVENT};
use tracing::dispatcher;
use tracing::level_filters::LevelFilter;

const HEADER: &str = "1128 05:06:33.279669   12345 ";
const POD_KVS: &str =
    "pod=\"kube-system/coredns-5d78c9869d-abcde\" status=\"ready\" attempt=3 latency_ms=12.5\n";

#[test]
fn klog_lines() {
    let out = SharedBuffer::default();
    let logger = klog_side::logger_to(out.clone());

    klog_side::disabled(&logger, &EVENT);
    assert_eq!(out.take(), b"");

    klog_side::text(&logger, &EVENT);
    let line = String::from_utf8(out.take()).unwrap();
    assert!(line.starts_with(&format!("I{HEADER}")), "{line}");
    assert!(
        line.ends_with(&format!("] \"Pod status updated\" {POD_KVS}")),
        "{line}"
    );

    klog_side::text(&klog_side::contextual(&logger, &EVENT), &EVENT);
    let line = String::from_utf8(out.take()).unwrap();
    let want = format!(
        "] \"Pod status updated\" logger=\"controller.pods\" node=\"worker-1\" shard=7 {POD_KVS}"
    );
    assert!(line.ends_with(&want), "{line}");

    klog_side::error(&logger, &sync_error(), &EVENT);
    let line = String::from_utf8(out.take()).unwrap();
    assert!(line.starts_with(&format!("E{HEADER}")), "{line}");
    let want = "] \"Failed to sync\" err=\"connection refused\" key=\"kube-system/coredns\"\n";
    assert!(line.ends_with(want), "{line}");

    klog_side::multiline(&logger, &EVENT);
    let line = String::from_utf8(out.take()).unwrap();
    let want = "] \"Config loaded\" config=<\n\tapiVersion: v1\n\tkind: Pod\n\tmetadata: {}\n >\n";
    assert!(line.ends_with(want), "{line}");
}

#[test]
fn tracing_lines() {
    let out = SharedBuffer::default();
    let w = out.clone();
    let dispatch = tracing_side::dispatch_to(LevelFilter::INFO, move || w.clone());
    dispatcher::with_default(&dispatch, || {
        tracing_side::disabled(&EVENT);
        assert_eq!(out.take(), b"");

        tracing_side::text(&EVENT);
        let line = String::from_utf8(out.take()).unwrap();
        let want = " Pod status updated pod=kube-system/coredns-5d78c9869d-abcde \
                    status=\"ready\" attempt=3 latency_ms=12.5\n";
        assert!(line.contains(" INFO ") && line.ends_with(want), "{line}");

        tracing_side::in_context(&EVENT, || tracing_side::text(&EVENT));
        let line = String::from_utf8(out.take()).unwrap();
        assert!(
            line.contains(" controller:pods{node=\"worker-1\" shard=7}: "),
            "{line}"
        );

        tracing_side::derive_chain(&EVENT);
        tracing_side::derive_values(&EVENT);
        assert_eq!(out.take(), b"");

        tracing_side::error(&sync_error(), &EVENT);
        let line = String::from_utf8(out.take()).unwrap();
        let want = "Failed to sync error=connection refused key=\"kube-system/coredns\"\n";
        assert!(line.contains("ERROR ") && line.ends_with(want), "{line}");

        tracing_side::multiline(&EVENT);
        let line = String::from_utf8(out.take()).unwrap();
        assert!(
            line.contains("config=\"apiVersion: v1\\nkind: Pod"),
            "{line}"
        );
    });
}

#[test]
fn slog_lines() {
    let out = SharedBuffer::default();
    slog_side::disabled(&slog_side::filtered_logger_to(out.clone()), &EVENT);
    assert_eq!(out.take(), b"");
    // The filter passes Info.
    slog_side::text(&slog_side::filtered_logger_to(out.clone()), &EVENT);
    assert!(!out.take().is_empty());

    let logger = slog_side::logger_to(out.clone());
    slog_side::text(&logger, &EVENT);
    let line = String::from_utf8(out.take()).unwrap();
    let want = " INFO Pod status updated, latency_ms: 12.5, attempt: 3, status: ready, \
                pod: kube-system/coredns-5d78c9869d-abcde\n";
    assert!(line.ends_with(want), "{line}");

    slog_side::text(&slog_side::contextual(&logger, &EVENT), &EVENT);
    let line = String::from_utf8(out.take()).unwrap();
    assert!(
        line.contains("shard: 7, node: worker-1, logger: controller.pods"),
        "{line}"
    );

    slog_side::error(&logger, &sync_error(), &EVENT);
    let line = String::from_utf8(out.take()).unwrap();
    let want = " ERRO Failed to sync, key: kube-system/coredns, err: connection refused\n";
    assert!(line.ends_with(want), "{line}");

    slog_side::multiline(&logger, &EVENT);
    assert!(!out.take().is_empty());
}
