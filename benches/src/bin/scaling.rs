//! Two-thread scaling of klog's text and JSON sinks (into `io::sink()`) and of its log
//! file, measured in alternation: each round times N lines from one thread and then N
//! lines split across two threads, and the round's ratio is one-thread time over
//! two-thread time (lines per second from two threads, relative to one).
//!
//! ```text
//! cargo run --release -p klog-benches --bin scaling [ROUNDS] [LINES]
//! ```
//!
//! Defaults: 21 rounds of 200,000 lines. A reference workload comes first: a line's worth
//! of formatting that shares nothing between the threads, whose speed-up is the most two
//! threads get from this machine at that time. Criterion's `threads` and `file` groups time the
//! one-thread and two-thread rows seconds apart, and on a shared machine other tenants'
//! load moves in between (the one-thread text row took 179 ns in one run and 263 ns in
//! another); here both halves of a ratio run back to back, so drift cancels in the ratio.
//! Prints, per workload, the median ratio with the lowest and highest, and the median
//! nanoseconds per line of each half.

use std::hint::black_box;
use std::thread;
use std::time::{Duration, Instant};

use klog::Logger;
use klog_benches::{klog_side, trim_log_file, EVENT};

/// What one line is: a text event to a klog logger, or the reference work.
#[derive(Clone, Copy)]
enum Work<'a> {
    Klog(&'a Logger),
    /// The event's line formatted with `std::fmt` into a buffer of the thread's own and
    /// thrown away: work of about a line's length that shares nothing, so its 2-thread
    /// speed-up is what this machine gives at that moment (the ceiling for the others).
    Reference,
}

/// The reference line: the event's fields through `std::fmt`, into `buf`.
fn reference_line(buf: &mut Vec<u8>, i: u64) {
    use std::io::Write;
    let e = black_box(&EVENT);
    buf.clear();
    let _ = writeln!(
        buf,
        "I1205 09:00:{:02}.{:06} {:>7} scaling.rs:{}] \"Pod status updated\" pod=\"{}/{}\" status=\"{}\" attempt={} latency_ms={}",
        i % 60,
        i % 1_000_000,
        4242,
        i % 1000,
        e.ns,
        e.name,
        e.status,
        e.attempt,
        e.latency_ms
    );
    black_box(&buf);
}

/// Does `lines` lines of `work` from `threads` threads (split evenly); the wall time,
/// thread start included (as in the criterion groups).
fn timed(work: Work<'_>, threads: u64, lines: u64) -> Duration {
    let start = Instant::now();
    thread::scope(|s| {
        for i in 0..threads {
            let n = lines / threads + u64::from(i < lines % threads);
            s.spawn(move || match work {
                Work::Klog(logger) => {
                    for _ in 0..n {
                        klog_side::text(logger, black_box(&EVENT));
                    }
                }
                Work::Reference => {
                    let mut buf = Vec::with_capacity(256);
                    for i in 0..n {
                        reference_line(&mut buf, i);
                    }
                }
            });
        }
    });
    start.elapsed()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One workload's timings over the rounds.
#[derive(Default)]
struct Rows {
    ratios: Vec<f64>,
    one: Vec<f64>,
    two: Vec<f64>,
}

impl Rows {
    /// Times one round (one thread, then two); `between` runs after each half, untimed.
    fn round(&mut self, work: Work<'_>, lines: u64, between: &dyn Fn()) {
        let t1 = timed(work, 1, lines);
        between();
        let t2 = timed(work, 2, lines);
        between();
        self.ratios.push(t1.as_secs_f64() / t2.as_secs_f64());
        self.one.push(t1.as_nanos() as f64 / lines as f64);
        self.two.push(t2.as_nanos() as f64 / lines as f64);
    }

    fn print(&mut self, name: &str, reference: Option<&[f64]>) {
        let (low, high) = self
            .ratios
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), &r| (lo.min(r), hi.max(r)));
        let relative = reference.map(|reference| {
            let mut relative: Vec<f64> = self
                .ratios
                .iter()
                .zip(reference)
                .map(|(r, reference)| r / reference)
                .collect();
            format!(
                "; {:.2} of the reference's in the same rounds",
                median(&mut relative)
            )
        });
        println!(
            "{name:<10} 2-thread speed-up {:.2}x (lowest {low:.2}x, highest {high:.2}x); \
             {:.1} ns/line from 1 thread, {:.1} from 2{}",
            median(&mut self.ratios.clone()),
            median(&mut self.one),
            median(&mut self.two),
            relative.unwrap_or_default(),
        );
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(21)
        .max(1);
    let lines: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000)
        .max(2);
    let text = klog_side::logger();
    let json = klog_side::json_logger();
    let dir = std::env::temp_dir().join(format!("klog-scaling-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the temp directory");
    let path = dir.join("klog.log");
    let file = klog_side::file_logger(&path);
    let no_op = || {};
    let trim_file = || trim_log_file(&path);
    let workloads: [(&str, Work<'_>, &dyn Fn()); 4] = [
        ("reference", Work::Reference, &no_op),
        ("text", Work::Klog(&text), &no_op),
        ("JSON", Work::Klog(&json), &no_op),
        ("file", Work::Klog(&file), &trim_file),
    ];
    println!(
        "{rounds} rounds of {lines} lines per workload and thread count, one thread then two, \
         back to back, the workloads in turn within each round"
    );
    let mut rows: Vec<Rows> = workloads.iter().map(|_| Rows::default()).collect();
    // One untimed round: page faults of fresh buffers, thread stacks.
    for (_, work, between) in &workloads {
        Rows::default().round(*work, lines, between);
    }
    for _ in 0..rounds {
        for ((_, work, between), rows) in workloads.iter().zip(&mut rows) {
            rows.round(*work, lines, between);
        }
    }
    let reference = rows[0].ratios.clone();
    for (i, ((name, ..), rows)) in workloads.iter().zip(&mut rows).enumerate() {
        rows.print(name, (i > 0).then_some(&reference[..]));
    }
    // Write out what is still buffered before the directory goes.
    drop(file);
    klog::flush();
    let _ = std::fs::remove_dir_all(&dir);
}
