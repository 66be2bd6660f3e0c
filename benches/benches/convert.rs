//! Throughput of `klog::parse` + `klog::convert` (the engine of `klog-convert`) on the sample
//! logs and on real logs, one thread, in bytes of input per second. The real logs are read
//! from `../shared/realworld/` (not in the repository): without it that group is skipped,
//! with a note. The end-to-end run of the binary on 200 MB of real logs, beside `cat` and
//! with worker threads, is `benches/convert-throughput.sh`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use klog::convert::{Converter, Target};
use klog::parse::Parser;

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/../examples/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Converts all of `input`, reusing the parser's buffers as the binary does; returns the
/// output size.
fn convert(input: &[u8], target: Target, out: &mut Vec<u8>) -> usize {
    let mut converter = Converter::new(target).year(2026);
    let mut parser = Parser::new(input);
    let mut total = 0;
    while let Some(line) = parser.next() {
        let line = line.expect("reading from memory");
        out.clear();
        converter.convert(&line, out);
        total += out.len();
        parser.recycle(line);
    }
    total
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("convert");
    let mut out = Vec::with_capacity(1 << 16);
    for (name, file, target) in [
        ("text_to_json", "sample.log", Target::Json),
        ("json_to_text", "sample.json", Target::Text),
        ("text_to_pretty", "sample.log", Target::Pretty),
        ("json_to_json_passthrough", "sample.json", Target::Json),
    ] {
        let input = sample(file);
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| convert(black_box(&input), target, &mut out));
        });
    }
    group.finish();

    // Real kubelet, apiserver, controller-manager... lines, and their JSON.
    let path = format!(
        "{}/../../shared/realworld/klog-text-lines.log",
        env!("CARGO_MANIFEST_DIR")
    );
    let Ok(text) = std::fs::read(&path) else {
        eprintln!("SKIPPED convert_realworld: {path} is absent");
        return;
    };
    let mut json = Vec::new();
    let mut converter = Converter::new(Target::Json).year(2024);
    for line in Parser::new(&text[..]) {
        converter.convert(&line.expect("reading from memory"), &mut json);
    }
    let mut group = c.benchmark_group("convert_realworld");
    for (name, input, target) in [
        ("text_to_json", &text, Target::Json),
        ("json_to_text", &json, Target::Text),
        ("json_to_pretty", &json, Target::Pretty),
    ] {
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| convert(black_box(input), target, &mut out));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
