//! The layering rules of `src/` (docs/architecture.md), checked on the source text: a
//! change that reaches across a layer fails here, not in review.

use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Every `.rs` file under `dir`, with its path relative to `dir` (`/`-separated).
fn rust_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).expect("source directory is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path
                    .strip_prefix(dir)
                    .expect("under dir")
                    .to_string_lossy()
                    .replace('\\', "/");
                found.push((relative, path));
            }
        }
    }
    found.sort();
    found
}

/// The lines of `text` that are code (not comments), with their numbers.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim_start()))
        .filter(|(_, line)| !line.starts_with("//"))
}

/// `(file, line, text)` of every code line in `files` that `bad` flags.
fn violations(
    files: &[(String, PathBuf)],
    applies: impl Fn(&str) -> bool,
    bad: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut found = Vec::new();
    for (name, path) in files.iter().filter(|(name, _)| applies(name)) {
        let text = std::fs::read_to_string(path).expect("source file is readable");
        for (number, line) in code_lines(&text) {
            if bad(line) {
                found.push(format!("{name}:{number}: {line}"));
            }
        }
    }
    found
}

#[test]
fn go_is_a_leaf_layer() {
    let files = rust_files(Path::new(SRC));
    let found = violations(
        &files,
        |name| name.starts_with("go/"),
        |line| {
            line.match_indices("crate::")
                .any(|(at, _)| !line[at..].starts_with("crate::go::"))
        },
    );
    assert!(
        found.is_empty(),
        "go/ imports the rest of the crate:\n{}",
        found.join("\n")
    );
}

#[test]
fn only_the_encoders_and_the_value_kit_leave_format() {
    let files = rust_files(Path::new(SRC));
    // `crate::format::{…}` or `crate::format::item` are the re-exports of format/mod.rs;
    // `crate::format::text::…` and the like reach into an encoder's internals.
    let submodules = ["text::", "json::", "header::", "nested::"];
    let found = violations(
        &files,
        |name| !name.starts_with("format/"),
        |line| {
            submodules
                .iter()
                .any(|module| line.contains(&format!("crate::format::{module}")))
        },
    );
    assert!(
        found.is_empty(),
        "format/ internals used outside it:\n{}",
        found.join("\n")
    );
}

#[test]
fn outputs_do_not_use_the_encoders() {
    let files = rust_files(Path::new(SRC));
    let found = violations(
        &files,
        |name| name.starts_with("output/"),
        |line| line.contains("crate::format"),
    );
    assert!(
        found.is_empty(),
        "output/ imports format/:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_source_file_is_over_a_thousand_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root");
    let mut dirs = vec![PathBuf::from(SRC)];
    for bridge in std::fs::read_dir(root.join("bridges")).expect("bridges/ is readable") {
        let src = bridge.expect("directory entry").path().join("src");
        if src.is_dir() {
            dirs.push(src);
        }
    }
    let mut long = Vec::new();
    for dir in &dirs {
        for (name, path) in rust_files(dir) {
            let lines = std::fs::read_to_string(&path)
                .expect("source file is readable")
                .lines()
                .count();
            if lines > 1000 {
                long.push(format!("{}/{name}: {lines} lines", dir.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "files over 1,000 lines:\n{}",
        long.join("\n")
    );
}
