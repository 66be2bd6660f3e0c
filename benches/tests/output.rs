//! The workloads log what the benches claim they log: enabled events produce the expected
//! line, disabled ones nothing. Guards against timing a silently disabled call.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use klog::SharedBuffer;
use klog_benches::{klog_side, slog_side, sync_error, tracing_side, EVENT};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{json, Value};
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

/// The `file` group's writers: every line reaches the file (the tracing-appender queue
/// is far from full here), klog's after its file header.
#[test]
fn file_lines() {
    let dir = std::env::temp_dir().join(format!("klog-benches-file-lines-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let klog_path = dir.join("klog.log");
    let logger = klog_side::file_logger(&klog_path);
    for _ in 0..3 {
        klog_side::text(&logger, &EVENT);
    }
    drop(logger);
    klog::flush();
    let text = std::fs::read_to_string(&klog_path).unwrap();
    assert!(text.starts_with("Log file created at: "), "{text}");
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| {
            !l.starts_with("Log ") && !l.starts_with("Running ") && !l.starts_with("Binary: ")
        })
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    for line in lines {
        assert!(
            line.starts_with('I') && line.contains("   12345 "),
            "{line}"
        );
        let want = format!("] \"Pod status updated\" {}", POD_KVS.trim_end());
        assert!(line.ends_with(&want), "{line}");
    }

    let tracing_path = dir.join("tracing.log");
    let file = std::fs::File::create(&tracing_path).unwrap();
    let tracing = tracing_side::file_dispatch(file);
    dispatcher::with_default(&tracing.dispatch, || {
        for _ in 0..3 {
            tracing_side::text(&EVENT);
        }
    });
    assert_eq!(tracing.dropped.dropped_lines(), 0);
    drop(tracing); // the guard writes out what is queued
    let text = std::fs::read_to_string(&tracing_path).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.lines()
            .all(|l| l.contains(" INFO ") && l.contains(" Pod status updated pod=")),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A JSON object with its keys in the order they were written (`serde_json::Map` sorts
/// them without the `preserve_order` feature).
#[derive(Debug)]
struct Ordered(Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }
        d.deserialize_map(V)
    }
}

impl Ordered {
    /// Parses one output line: a single JSON object followed by `\n`.
    fn parse(line: &str) -> Ordered {
        let body = line
            .strip_suffix('\n')
            .unwrap_or_else(|| panic!("no newline: {line}"));
        assert!(!body.contains('\n'), "{line}");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(k, _)| k.as_str()).collect()
    }

    fn get(&self, key: &str) -> &Value {
        let found = self.0.iter().find(|(k, _)| k == key);
        &found.unwrap_or_else(|| panic!("no {key}: {self:?}")).1
    }
}

/// Unix milliseconds now.
fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1e3
}

#[test]
fn klog_json_lines() {
    let out = SharedBuffer::default();
    let logger = klog_side::json_logger_to(out.clone());

    klog_side::disabled(&logger, &EVENT);
    assert_eq!(out.take(), b"");

    let before = now_ms();
    klog_side::text(&logger, &EVENT);
    let line = String::from_utf8(out.take()).unwrap();
    let obj = Ordered::parse(&line);
    assert_eq!(
        obj.keys(),
        [
            "ts",
            "caller",
            "msg",
            "v",
            "pod",
            "status",
            "attempt",
            "latency_ms"
        ],
        "{line}"
    );
    // The system clock (float milliseconds since the epoch), not a pinned time.
    let ts = obj.get("ts").as_f64().unwrap();
    assert!(ts >= before.floor() && ts <= now_ms() + 1.0, "{line}");
    // The real call site of the workload.
    let caller = obj.get("caller").as_str().unwrap();
    assert!(caller.starts_with("src/lib.rs:"), "{line}");
    assert_eq!(obj.get("msg"), &json!("Pod status updated"));
    assert_eq!(obj.get("v"), &json!(0));
    let pod = Ordered::parse(&format!("{}\n", obj.get("pod")));
    assert_eq!(pod.keys(), ["name", "namespace"], "{line}");
    assert_eq!(
        obj.get("pod"),
        &json!({"name": "coredns-5d78c9869d-abcde", "namespace": "kube-system"})
    );
    assert_eq!(obj.get("status"), &json!("ready"));
    assert_eq!(obj.get("attempt"), &json!(3));
    assert_eq!(obj.get("latency_ms").as_f64(), Some(12.5));
    // The raw text too: `pod` as a nested object, in key order name, namespace.
    let tail = ",\"msg\":\"Pod status updated\",\"v\":0,\"pod\":{\"name\":\"coredns-5d78c9869d-abcde\",\
                \"namespace\":\"kube-system\"},\"status\":\"ready\",\"attempt\":3,\"latency_ms\":12.5}\n";
    assert!(line.ends_with(tail), "{line}");

    klog_side::text(&klog_side::contextual(&logger, &EVENT), &EVENT);
    let line = String::from_utf8(out.take()).unwrap();
    let obj = Ordered::parse(&line);
    assert_eq!(
        obj.keys(),
        [
            "ts",
            "logger",
            "caller",
            "msg",
            "node",
            "shard",
            "v",
            "pod",
            "status",
            "attempt",
            "latency_ms"
        ],
        "{line}"
    );
    assert_eq!(obj.get("logger"), &json!("controller.pods"));
    assert_eq!(obj.get("node"), &json!("worker-1"));
    assert_eq!(obj.get("shard"), &json!(7));
}

#[test]
fn tracing_json_lines() {
    let out = SharedBuffer::default();
    let w = out.clone();
    dispatcher::with_default(&tracing_side::json_dispatch_to(move || w.clone()), || {
        tracing_side::disabled(&EVENT);
        assert_eq!(out.take(), b"");

        tracing_side::text(&EVENT);
        let line = String::from_utf8(out.take()).unwrap();
        let obj = Ordered::parse(&line);
        assert_eq!(obj.get("level"), &json!("INFO"));
        assert_eq!(
            obj.get("fields"),
            &json!({"message": "Pod status updated",
                    "pod": "kube-system/coredns-5d78c9869d-abcde",
                    "status": "ready", "attempt": 3, "latency_ms": 12.5}),
            "{line}"
        );
        assert!(!obj.keys().contains(&"span"), "{line}");

        tracing_side::in_context(&EVENT, || tracing_side::text(&EVENT));
        let line = String::from_utf8(out.take()).unwrap();
        let obj = Ordered::parse(&line);
        assert_eq!(
            obj.get("span"),
            &json!({"name": "pods", "node": "worker-1", "shard": 7}),
            "{line}"
        );
        assert_eq!(
            obj.get("spans"),
            &json!([{"name": "controller"}, {"name": "pods", "node": "worker-1", "shard": 7}]),
            "{line}"
        );
    });
}

#[test]
fn slog_json_lines() {
    let out = SharedBuffer::default();
    let logger = slog_side::json_logger_to(out.clone());
    slog_side::text(&logger, &EVENT);
    let line = String::from_utf8(out.take()).unwrap();
    let obj = Ordered::parse(&line);
    assert_eq!(
        obj.keys(),
        [
            "msg",
            "level",
            "ts",
            "latency_ms",
            "attempt",
            "status",
            "pod"
        ],
        "{line}"
    );
    assert_eq!(obj.get("msg"), &json!("Pod status updated"));
    assert_eq!(obj.get("level"), &json!("INFO"));
    assert_eq!(
        obj.get("pod"),
        &json!("kube-system/coredns-5d78c9869d-abcde")
    );
    assert_eq!(obj.get("attempt"), &json!(3));
    assert_eq!(obj.get("latency_ms").as_f64(), Some(12.5));

    slog_side::text(&slog_side::contextual(&logger, &EVENT), &EVENT);
    let line = String::from_utf8(out.take()).unwrap();
    let obj = Ordered::parse(&line);
    assert_eq!(obj.get("logger"), &json!("controller.pods"), "{line}");
    assert_eq!(obj.get("node"), &json!("worker-1"));
    assert_eq!(obj.get("shard"), &json!(7));
}
