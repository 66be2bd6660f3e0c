//! Throughput of `klog::parse` + `klog::convert` (the engine of `klog-convert`) on the sample
//! logs, one thread, in bytes of input per second. The end-to-end run of the binary on a
//! generated 200 MB log (with peak memory) is `benches/convert-throughput.sh`.

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
}

criterion_group!(benches, bench);
criterion_main!(benches);
