//! The crate root documents every item it re-exports: a `pub use` added without a line
//! in the front page's "Entry points" fails here.

use std::collections::BTreeSet;

/// The names `lib.rs` re-exports with `pub use module::{…}` or `pub use module::Item`.
fn re_exported_names(lib: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = lib;
    while let Some(start) = rest.find("\npub use ") {
        let statement = &rest[start + "\npub use ".len()..];
        let end = statement.find(';').expect("a pub use ends with ';'");
        let body = &statement[..end];
        let items = match body.find('{') {
            Some(open) => &body[open + 1..body.rfind('}').expect("a braced list closes")],
            None => body.rsplit("::").next().unwrap_or(body),
        };
        for item in items.split(',') {
            let name = item.trim();
            // `a as b` re-exports `b`.
            let name = name.rsplit(" as ").next().unwrap_or(name).trim();
            if !name.is_empty() {
                names.insert(name.to_owned());
            }
        }
        rest = &statement[end..];
    }
    names
}

/// The front page: the leading `//!` lines of `lib.rs`.
fn front_page(lib: &str) -> String {
    lib.lines()
        .take_while(|line| line.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_re_export_is_on_the_front_page() {
    let lib = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs"))
        .expect("lib.rs is readable");
    let names = re_exported_names(&lib);
    assert!(names.len() > 40, "found only {names:?}");
    let docs = front_page(&lib);
    let missing: Vec<&String> = names
        .iter()
        .filter(|name| {
            // A link to the item: [`Name`], [`name()`] or [`Name`](…).
            ![format!("[`{name}`]"), format!("[`{name}()`]")]
                .iter()
                .any(|link| docs.contains(link.as_str()))
        })
        .collect();
    assert!(
        missing.is_empty(),
        "re-exported but not on the front page: {missing:?}"
    );
}

#[test]
fn the_scan_reads_braced_single_and_renamed_re_exports() {
    let lib = "//! docs\n\npub use a::Single;\npub use b::{One, Two as Three,\n    Four};\n";
    let names: Vec<String> = re_exported_names(lib).into_iter().collect();
    assert_eq!(names, ["Four", "One", "Single", "Three"]);
}
