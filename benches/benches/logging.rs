//! klog against tracing-subscriber fmt and slog-term on the same events, and against
//! tracing-subscriber `fmt().json()` and slog-json in the `json` groups (see README.md).
//!
//! Every group times klog and its baselines side by side; all of them but `file` write to
//! `std::io::sink()`. Each library's logger (or subscriber) is built once per group;
//! tracing's subscriber is installed with a scoped `with_default`, so the groups can run
//! in one process.

use std::fs::{self, OpenOptions};
use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use klog_benches::{klog_side, slog_side, sync_error, tracing_side, trim_log_file, EVENT};
use tracing::dispatcher;
use tracing::level_filters::LevelFilter;

/// W1: a `V(5)` call at `-v` 0 / `trace!` under an INFO filter.
fn disabled(c: &mut Criterion) {
    let mut g = c.benchmark_group("disabled");
    let klog = klog_side::logger();
    g.bench_function("klog", |b| {
        b.iter(|| klog_side::disabled(&klog, black_box(&EVENT)));
    });
    dispatcher::with_default(&tracing_side::dispatch(LevelFilter::INFO), || {
        g.bench_function("tracing_fmt", |b| {
            b.iter(|| tracing_side::disabled(black_box(&EVENT)));
        });
    });
    let slog = slog_side::filtered_logger();
    g.bench_function("slog_term", |b| {
        b.iter(|| slog_side::disabled(&slog, black_box(&EVENT)));
    });
    g.finish();
}

/// W1v: the disabled `V(5)` call with a `-vmodule` that matches no file
/// (`nomatch=5,othernomatch*=3`); tracing: an `EnvFilter` enabling TRACE elsewhere.
fn vmodule(c: &mut Criterion) {
    let mut g = c.benchmark_group("vmodule");
    let klog = klog_side::logger();
    klog::set_vmodule("nomatch=5,othernomatch*=3".parse().expect("vmodule"));
    g.bench_function("klog", |b| {
        b.iter(|| klog_side::disabled(&klog, black_box(&EVENT)));
    });
    klog::set_vmodule(klog::VModule::default());
    dispatcher::with_default(&tracing_side::vmodule_dispatch(), || {
        g.bench_function("tracing_env_filter", |b| {
            b.iter(|| tracing_side::disabled(black_box(&EVENT)));
        });
    });
    g.finish();
}

/// The text event through the current logger: no scope ever entered (the process-wide
/// logger, installed once here), then inside a `with_logger` scope, against the same
/// logger passed explicitly.
fn context(c: &mut Criterion) {
    let mut g = c.benchmark_group("context");
    let klog = klog_side::logger();
    // The benchmark binary's process-wide logger: this group is its only user.
    let _ = klog::set_logger(klog.clone());
    g.bench_function("explicit", |b| {
        b.iter(|| klog_side::text(&klog, black_box(&EVENT)));
    });
    g.bench_function("from_context_no_scope", |b| {
        b.iter(|| klog_side::text_current(black_box(&EVENT)));
    });
    // From here on scopes are in use in this process: keep this row last.
    klog::with_logger(klog.clone(), || {
        g.bench_function("from_context_scoped", |b| {
            b.iter(|| klog_side::text_current(black_box(&EVENT)));
        });
    });
    g.finish();
}

/// W2: the V0 info event, formatted in each library's text format.
fn text(c: &mut Criterion) {
    let mut g = c.benchmark_group("text");
    let klog = klog_side::logger();
    g.bench_function("klog", |b| {
        b.iter(|| klog_side::text(&klog, black_box(&EVENT)));
    });
    // Header times in UTC instead of the local zone: the same cost per record, the offset
    // being looked up once a second (run with a non-UTC `TZ` to see it).
    let klog_utc = klog_side::logger_utc();
    g.bench_function("klog_utc", |b| {
        b.iter(|| klog_side::text(&klog_utc, black_box(&EVENT)));
    });
    // The same with the time pinned: the formatting alone, without the ~25 ns clock read
    // that tracing and slog always pay (they have no clock seam).
    let klog_clock = klog_side::logger_pinned_clock();
    g.bench_function("klog_pinned_clock", |b| {
        b.iter(|| klog_side::text(&klog_clock, black_box(&EVENT)));
    });
    dispatcher::with_default(&tracing_side::dispatch(LevelFilter::INFO), || {
        g.bench_function("tracing_fmt", |b| {
            b.iter(|| tracing_side::text(black_box(&EVENT)));
        });
    });
    let slog = slog_side::logger();
    g.bench_function("slog_term", |b| {
        b.iter(|| slog_side::text(&slog, black_box(&EVENT)));
    });
    g.finish();
}

/// W4: the text event on a logger with 2 names and 2 bound values, derived once.
fn contextual(c: &mut Criterion) {
    let mut g = c.benchmark_group("contextual");
    let klog = klog_side::contextual(&klog_side::logger(), &EVENT);
    g.bench_function("klog", |b| {
        b.iter(|| klog_side::text(&klog, black_box(&EVENT)));
    });
    dispatcher::with_default(&tracing_side::dispatch(LevelFilter::INFO), || {
        tracing_side::in_context(&EVENT, || {
            g.bench_function("tracing_fmt", |b| {
                b.iter(|| tracing_side::text(black_box(&EVENT)));
            });
        });
    });
    let slog = slog_side::contextual(&slog_side::logger(), &EVENT);
    g.bench_function("slog_term", |b| {
        b.iter(|| slog_side::text(&slog, black_box(&EVENT)));
    });
    g.finish();
}

/// W4d: deriving the contextual logger per call (`chain`), and binding the 2 values alone
/// (`with_values`). The derived logger (span) is dropped (closed) inside the loop.
fn derive(c: &mut Criterion) {
    let mut g = c.benchmark_group("derive");
    let klog = klog_side::logger();
    g.bench_function(BenchmarkId::new("klog", "chain"), |b| {
        b.iter(|| klog_side::contextual(&klog, black_box(&EVENT)));
    });
    g.bench_function(BenchmarkId::new("klog", "with_values"), |b| {
        b.iter(|| klog_side::with_values(&klog, black_box(&EVENT)));
    });
    dispatcher::with_default(&tracing_side::dispatch(LevelFilter::INFO), || {
        g.bench_function(BenchmarkId::new("tracing_fmt", "chain"), |b| {
            b.iter(|| tracing_side::derive_chain(black_box(&EVENT)));
        });
        g.bench_function(BenchmarkId::new("tracing_fmt", "with_values"), |b| {
            b.iter(|| tracing_side::derive_values(black_box(&EVENT)));
        });
    });
    let slog = slog_side::logger();
    g.bench_function(BenchmarkId::new("slog_term", "chain"), |b| {
        b.iter(|| slog_side::contextual(&slog, black_box(&EVENT)));
    });
    g.bench_function(BenchmarkId::new("slog_term", "with_values"), |b| {
        b.iter(|| slog_side::with_values(&slog, black_box(&EVENT)));
    });
    g.finish();
}

/// W5: an error event with an `err` and one key/value.
fn error(c: &mut Criterion) {
    let mut g = c.benchmark_group("error");
    let err = sync_error();
    let klog = klog_side::logger();
    g.bench_function("klog", |b| {
        b.iter(|| klog_side::error(&klog, black_box(&err), black_box(&EVENT)));
    });
    dispatcher::with_default(&tracing_side::dispatch(LevelFilter::INFO), || {
        g.bench_function("tracing_fmt", |b| {
            b.iter(|| tracing_side::error(black_box(&err), black_box(&EVENT)));
        });
    });
    let slog = slog_side::logger();
    g.bench_function("slog_term", |b| {
        b.iter(|| slog_side::error(&slog, black_box(&err), black_box(&EVENT)));
    });
    g.finish();
}

/// W6: a value holding a 3-line string.
fn multiline(c: &mut Criterion) {
    let mut g = c.benchmark_group("multiline");
    let klog = klog_side::logger();
    g.bench_function("klog", |b| {
        b.iter(|| klog_side::multiline(&klog, black_box(&EVENT)));
    });
    dispatcher::with_default(&tracing_side::dispatch(LevelFilter::INFO), || {
        g.bench_function("tracing_fmt", |b| {
            b.iter(|| tracing_side::multiline(black_box(&EVENT)));
        });
    });
    let slog = slog_side::logger();
    g.bench_function("slog_term", |b| {
        b.iter(|| slog_side::multiline(&slog, black_box(&EVENT)));
    });
    g.finish();
}

/// W8: the text event through each library's JSON output.
fn json(c: &mut Criterion) {
    let mut g = c.benchmark_group("json");
    let klog = klog_side::json_logger();
    g.bench_function("klog", |b| {
        b.iter(|| klog_side::text(&klog, black_box(&EVENT)));
    });
    dispatcher::with_default(&tracing_side::json_dispatch(), || {
        g.bench_function("tracing_json", |b| {
            b.iter(|| tracing_side::text(black_box(&EVENT)));
        });
    });
    let slog = slog_side::json_logger();
    g.bench_function("slog_json", |b| {
        b.iter(|| slog_side::text(&slog, black_box(&EVENT)));
    });
    g.finish();
}

/// W8c: the `contextual` workload (logger derived once, spans entered once) in JSON.
fn json_contextual(c: &mut Criterion) {
    let mut g = c.benchmark_group("json_contextual");
    let klog = klog_side::contextual(&klog_side::json_logger(), &EVENT);
    g.bench_function("klog", |b| {
        b.iter(|| klog_side::text(&klog, black_box(&EVENT)));
    });
    dispatcher::with_default(&tracing_side::json_dispatch(), || {
        tracing_side::in_context(&EVENT, || {
            g.bench_function("tracing_json", |b| {
                b.iter(|| tracing_side::text(black_box(&EVENT)));
            });
        });
    });
    let slog = slog_side::contextual(&slog_side::json_logger(), &EVENT);
    g.bench_function("slog_json", |b| {
        b.iter(|| slog_side::text(&slog, black_box(&EVENT)));
    });
    g.finish();
}

/// Runs `iters` calls of `run(n)` split across `threads` scoped threads; the wall time.
fn split_across(threads: u64, iters: u64, run: impl Fn(u64) + Sync) -> Duration {
    let run = &run;
    let start = Instant::now();
    thread::scope(|s| {
        for i in 0..threads {
            let n = iters / threads + u64::from(i < iters % threads);
            s.spawn(move || run(n));
        }
    });
    start.elapsed()
}

/// W7: the text event from 1 and 2 threads into one shared logger; wall time per line
/// (`klog_json`: the same event into klog's JSON sink).
fn threads(c: &mut Criterion) {
    let mut g = c.benchmark_group("threads");
    let klog = klog_side::logger();
    let klog_json = klog_side::json_logger();
    let dispatch = tracing_side::dispatch(LevelFilter::INFO);
    let slog = slog_side::logger();
    for n in [1, 2] {
        g.bench_function(BenchmarkId::new("klog", n), |b| {
            b.iter_custom(|iters| {
                split_across(n, iters, |k| {
                    for _ in 0..k {
                        klog_side::text(&klog, black_box(&EVENT));
                    }
                })
            });
        });
        g.bench_function(BenchmarkId::new("klog_json", n), |b| {
            b.iter_custom(|iters| {
                split_across(n, iters, |k| {
                    for _ in 0..k {
                        klog_side::text(&klog_json, black_box(&EVENT));
                    }
                })
            });
        });
        g.bench_function(BenchmarkId::new("tracing_fmt", n), |b| {
            b.iter_custom(|iters| {
                split_across(n, iters, |k| {
                    dispatcher::with_default(&dispatch, || {
                        for _ in 0..k {
                            tracing_side::text(black_box(&EVENT));
                        }
                    });
                })
            });
        });
        g.bench_function(BenchmarkId::new("slog_term", n), |b| {
            b.iter_custom(|iters| {
                split_across(n, iters, |k| {
                    for _ in 0..k {
                        slog_side::text(&slog, black_box(&EVENT));
                    }
                })
            });
        });
    }
    g.finish();
}

/// W9: the text event into a real file from 1 and 2 threads; wall time per line.
///
/// The two libraries buffer differently, and the rows measure what the calling threads
/// pay:
/// - klog writes in the caller's thread: each record is formatted, then appended whole
///   to klog's 256 KiB file buffer under the destination's lock, or, when another thread
///   holds that lock, to the calling thread's 8 KiB stage, handed to the buffer whole when
///   full; the thread that fills the buffer writes it out after letting the lock go (one
///   `write(2)` of whole records). Nothing is ever dropped.
/// - tracing-appender's non-blocking writer hands each formatted line (copied into a
///   `Vec`) over a bounded channel (128,000 lines) to a background thread, which writes
///   it to the unbuffered file with one `write(2)` per line. Its default is lossy
///   (`NonBlockingBuilder::lossy(true)`): when the channel is full the line is dropped and
///   counted, and the caller does not wait. The group prints how many lines it dropped.
///   The background thread also competes with the callers for this machine's CPUs.
fn file(c: &mut Criterion) {
    let mut g = c.benchmark_group("file");
    let dir = std::env::temp_dir().join(format!("klog-bench-file-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("create the temp directory");
    let klog_path = dir.join("klog.log");
    let klog = klog_side::file_logger(&klog_path);
    let tracing_path = dir.join("tracing.log");
    let tracing_file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&tracing_path)
        .expect("create the tracing-appender file");
    let tracing = tracing_side::file_dispatch(tracing_file);
    for n in [1, 2] {
        g.bench_function(BenchmarkId::new("klog", n), |b| {
            b.iter_custom(|iters| {
                let elapsed = split_across(n, iters, |k| {
                    for _ in 0..k {
                        klog_side::text(&klog, black_box(&EVENT));
                    }
                });
                trim_log_file(&klog_path);
                elapsed
            });
        });
        let dropped_before = tracing.dropped.dropped_lines();
        let mut logged: u64 = 0;
        g.bench_function(BenchmarkId::new("tracing_appender", n), |b| {
            b.iter_custom(|iters| {
                logged += iters;
                let elapsed = split_across(n, iters, |k| {
                    dispatcher::with_default(&tracing.dispatch, || {
                        for _ in 0..k {
                            tracing_side::text(black_box(&EVENT));
                        }
                    });
                });
                trim_log_file(&tracing_path);
                elapsed
            });
        });
        // Warm-up included: what share of the timed calls only formatted and dropped.
        let dropped = tracing.dropped.dropped_lines() - dropped_before;
        if logged > 0 {
            let share = dropped as f64 * 100.0 / logged as f64;
            eprintln!(
                "file/tracing_appender/{n}: {dropped} of {logged} lines dropped ({share:.1}%)"
            );
        }
    }
    g.finish();
    // Write out what is still buffered or queued, then remove the files.
    drop(klog);
    klog::flush();
    drop(tracing);
    let _ = fs::remove_dir_all(&dir);
}

criterion_group!(
    benches,
    disabled,
    vmodule,
    text,
    contextual,
    derive,
    error,
    multiline,
    threads,
    file,
    json,
    json_contextual,
    context
);
criterion_main!(benches);
