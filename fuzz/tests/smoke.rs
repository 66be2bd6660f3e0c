//! Runs the fuzz targets' checks on stable, without libFuzzer: on the conformance corpus'
//! expected output, the example logs and a few thousand pseudo-random inputs.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;

use klog_fuzz::{check_convert, check_dialects, check_parse_json, check_parse_text};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Standard base64 (the corpus' `expect_b64`).
fn base64_decode(s: &str) -> Vec<u8> {
    fn val(c: u8) -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    }
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|&c| c != b'=') {
        acc = (acc << 6) | val(c);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// The `expect` (or `expect_b64`) strings of a conformance corpus file.
fn corpus_expects(name: &str) -> Vec<Vec<u8>> {
    let path = repo_root().join("klog-rs/tests/conformance").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .filter_map(|l| {
            let case: serde_json::Value = serde_json::from_str(l).unwrap();
            if let Some(s) = case["expect"].as_str() {
                Some(s.as_bytes().to_vec())
            } else {
                case["expect_b64"].as_str().map(base64_decode)
            }
        })
        .collect()
}

fn sample(name: &str) -> Vec<u8> {
    let path = repo_root().join("examples/data").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Pieces that make up klog text and JSON lines, so that random inputs often come close to
/// records.
const TOKENS: &[&str] = &[
    "I0102 03:04:05.123456   12345 controller.go:42] ",
    "E1231 23:59:59.999999       1 a.go:1] ",
    "W0229 00:00:00.000000         x:7] ",
    "F0101 00:00:00.000000 9999999 f.go:0] ",
    "\"msg\"",
    "\"hello world\"",
    " key=",
    " err=",
    " logger=",
    " k=<\n",
    "\t",
    "\n",
    "\r\n",
    " >",
    "\"",
    "\\",
    "\\n",
    "\\u00e9",
    "\\ud800",
    "\\x",
    "=",
    " ",
    "1",
    "-2.5e3",
    "1e400",
    "true",
    "null",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "{\"name\":\"web\",\"namespace\":\"default\"}",
    "{\"ts\":1704164645123.4568,",
    "\"caller\":\"pkg/a.go:3\",",
    "\"logger\":\"ctl\",",
    "\"msg\":",
    "\"msg\":\"m\"",
    ",\"v\":0",
    ",\"v\":2",
    ",\"err\":\"boom\"",
    ",\"k\":\"v\"",
    ",\"\":1",
    ",\"a=b\":\"x\"",
    ",\"multi\":\"a\\nb\\n\"",
    "}\n",
    "é",
    "\u{fffd}",
    "<",
    ">",
];

fn random_input(rng: &mut Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    match rng.below(4) {
        // A seed with a few random edits.
        0 => {
            let seed: &Vec<u8> = rng.pick(seeds);
            out.extend_from_slice(seed);
            for _ in 0..rng.below(4) {
                let at = rng.below(out.len() + 1);
                match rng.below(3) {
                    0 if at < out.len() => {
                        out.remove(at);
                    }
                    1 => out.insert(at, rng.next() as u8),
                    _ => {
                        let tok = rng.pick(TOKENS).as_bytes();
                        out.splice(at..at, tok.iter().copied());
                    }
                }
            }
        }
        // Tokens and random bytes.
        _ => {
            for _ in 0..rng.below(40) {
                if rng.below(8) == 0 {
                    out.push(rng.next() as u8);
                } else {
                    out.extend_from_slice(rng.pick(TOKENS).as_bytes());
                }
            }
        }
    }
    out
}

type Check = fn(&[u8]);

const CHECKS: [(&str, Check); 4] = [
    ("parse_text", check_parse_text),
    ("parse_json", check_parse_json),
    ("convert", check_convert),
    ("parse_dialects", check_dialects),
];

thread_local! {
    /// Set while a check runs: its panic is collected, not printed.
    static IN_CHECK: Cell<bool> = const { Cell::new(false) };
}

/// A panic hook that stays quiet for the panics of checks.
fn quiet_checks() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_CHECK.with(Cell::get) {
                default(info);
            }
        }));
    });
}

/// Runs every check on every input (with a few control bytes in front where the target takes
/// one) and fails with the first failures.
fn run_all(inputs: &[Vec<u8>]) {
    quiet_checks();
    let mut failures = Vec::new();
    let mut runs = 0usize;
    let mut run = |name: &str, check: Check, data: &[u8]| {
        runs += 1;
        IN_CHECK.with(|c| c.set(true));
        let result = catch_unwind(AssertUnwindSafe(|| check(data)));
        IN_CHECK.with(|c| c.set(false));
        if let Err(e) = result {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!(
                "{name} on {:?}:\n{msg}",
                String::from_utf8_lossy(data)
            ));
        }
    };
    for input in inputs {
        for (name, check) in CHECKS {
            run(name, check, input);
        }
        // `parse_text` and (for input not starting with `{`) `parse_json` take their first
        // byte as the line limit: also run them on the whole input, with a generous and a
        // small limit.
        for control in [0xff, 0, 1] {
            let mut data = vec![control];
            data.extend_from_slice(input);
            run("parse_text", check_parse_text, &data);
            run("parse_json", check_parse_json, &data);
        }
        // `parse_dialects` reads its first byte as the `--from` format: each of them.
        for control in 0..6 {
            let mut data = vec![control];
            data.extend_from_slice(input);
            run("parse_dialects", check_dialects, &data);
        }
    }
    eprintln!("{runs} checks run, {} failed", failures.len());
    if !failures.is_empty() {
        for f in failures.iter().take(10) {
            eprintln!("---\n{f}");
        }
        panic!("{} of {runs} checks failed", failures.len());
    }
}

fn conformance_inputs() -> Vec<Vec<u8>> {
    let mut inputs = Vec::new();
    for name in ["text.jsonl", "json.jsonl", "header.jsonl"] {
        let expects = corpus_expects(name);
        assert!(!expects.is_empty(), "{name}");
        // All of a file's entries as one input, too.
        inputs.push(expects.concat());
        inputs.extend(expects);
    }
    inputs
}

#[test]
fn conformance_corpus() {
    run_all(&conformance_inputs());
}

#[test]
fn sample_logs() {
    let log = sample("sample.log");
    let json = sample("sample.json");
    let mut mixed = log.clone();
    mixed.extend_from_slice(&json);
    run_all(&[log, json, mixed]);
}

#[test]
fn pseudo_random() {
    let mut seeds = conformance_inputs();
    for name in ["sample.log", "sample.json"] {
        seeds.extend(
            sample(name)
                .split_inclusive(|&b| b == b'\n')
                .map(<[u8]>::to_vec),
        );
    }
    // SMOKE_ITERS and SMOKE_SEED run more or other inputs (e.g. `SMOKE_ITERS=100000`).
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let mut rng = Rng(env("SMOKE_SEED", 0x9E37_79B9_7F4A_7C15).max(1));
    let inputs: Vec<Vec<u8>> = (0..env("SMOKE_ITERS", 2000))
        .map(|_| random_input(&mut rng, &seeds))
        .collect();
    run_all(&inputs);
}
