//! KEP-3077 behaviours: callers control names, values and verbosity; loggers travel
//! through scopes and across `.await` points on other threads.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use klog::{info, KeyValue, Logger, WithLogger};

use super::common::pinned_logger;

fn message_and_fields(line: &str) -> &str {
    line.split_once("] ").map_or(line, |(_, rest)| rest)
}

/// A library function: it knows nothing about its caller.
fn sync_pod(logger: &Logger, name: &str) {
    info!(logger, "Syncing", pod = name);
    info!(v: 3, logger, "Sync details", step = "fetch");
}

#[test]
fn names_and_values_added_by_the_caller_appear_in_the_callees_lines() {
    let (logger, out) = pinned_logger(10);
    let caller = logger
        .with_name("controller")
        .with_values(&[KeyValue::new("shard", &7)]);
    sync_pod(&caller, "coredns");
    let text = out.to_string();
    let lines: Vec<&str> = text.lines().map(message_and_fields).collect();
    assert_eq!(
        lines,
        [
            "\"Syncing\" logger=\"controller\" shard=7 pod=\"coredns\"",
            "\"Sync details\" logger=\"controller\" shard=7 step=\"fetch\"",
        ]
    );
}

#[test]
fn a_callers_v_shifts_the_callees_levels() {
    let (logger, out) = pinned_logger(3);
    sync_pod(&logger, "a"); // V0 and V3: both shown
    sync_pod(&logger.v(1), "b"); // V1 and V4: the V4 detail is hidden
    let text = out.to_string();
    let lines: Vec<&str> = text.lines().map(message_and_fields).collect();
    assert_eq!(
        lines,
        [
            "\"Syncing\" pod=\"a\"",
            "\"Sync details\" step=\"fetch\"",
            "\"Syncing\" pod=\"b\"",
        ]
    );
}

/// A callback whose signature cannot take a logger.
fn legacy_callback() {
    info!("Callback", phase = "sync");
}

#[test]
fn scoped_loggers_reach_code_that_cannot_take_one() {
    let (logger, out) = pinned_logger(0);
    klog::with_logger(logger.with_name("scoped"), legacy_callback);
    assert!(out
        .to_string()
        .ends_with("\"Callback\" logger=\"scoped\" phase=\"sync\"\n"));
    // The scope ended: this one goes to the process-wide logger, not into `out`.
    let before = out.to_string();
    assert!(klog::from_context().sink().is_some());
    assert_eq!(out.to_string(), before);
}

#[test]
fn loggers_survive_awaits_across_worker_threads() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .expect("runtime");
    let (logger, out) = pinned_logger(0);
    let threads = Arc::new(Mutex::new(HashSet::new()));
    runtime.block_on(async {
        let mut tasks = Vec::new();
        for task in 0..8 {
            let logger = logger.with_name(&format!("task{task}"));
            let threads = threads.clone();
            tasks.push(tokio::spawn(
                async move {
                    for step in 0..20 {
                        threads.lock().unwrap().insert(std::thread::current().id());
                        info!("Step", step);
                        tokio::task::yield_now().await;
                        tokio::time::sleep(std::time::Duration::from_micros(50)).await;
                    }
                }
                .with_logger(logger),
            ));
        }
        for task in tasks {
            task.await.expect("task");
        }
    });
    let text = out.to_string();
    for task in 0..8 {
        let count = text
            .lines()
            .filter(|l| l.contains(&format!("logger=\"task{task}\" step=")))
            .count();
        assert_eq!(count, 20, "task{task}: {text}");
    }
    assert_eq!(text.lines().count(), 160);
    assert!(
        threads.lock().unwrap().len() > 1,
        "the tasks should have run on several worker threads"
    );
}

#[test]
fn from_context_outside_any_scope_is_the_process_wide_logger() {
    std::thread::spawn(|| {
        // A fresh thread has no scope.
        let logger = klog::from_context();
        assert!(logger.sink().is_some());
    })
    .join()
    .unwrap();
}
