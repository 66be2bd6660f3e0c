//! The kit's own tests; `levels_match_the_format_doc` reads the table in `docs/format.md`.

use super::*;
use crate::record::Severity;
use crate::value::Value;
use std::time::{Duration, UNIX_EPOCH};

#[test]
fn durations_times_and_strings_come_back_unquoted() {
    assert_eq!(
        value_text(Value::Duration(90_000_000_000)),
        ValueText::Str("1m30s".into())
    );
    assert_eq!(
        value_text(Value::Time(UNIX_EPOCH + Duration::from_secs(1))),
        ValueText::Str("1970-01-01 00:00:01 +0000 UTC".into())
    );
    assert_eq!(
        value_text(Value::Str("tab\there \"q\" \u{1}é")),
        ValueText::Str("tab\there \"q\" \u{1}é".into())
    );
    assert_eq!(
        value_text(Value::Str("a\nb")),
        ValueText::Str("a\nb\n".into())
    );
}

#[test]
fn other_forms_are_kept_raw() {
    let refs = [crate::KObj::new("ns", "a"), crate::KObj::new("", "b")];
    let list = crate::KObjSlice::new(&refs);
    assert_eq!(
        value_text(Value::Objects(&list)),
        ValueText::Raw("[\"ns/a\",\"b\"]".into())
    );
    assert_eq!(value_text(Value::I64(-3)), ValueText::Raw("-3".into()));
}

#[test]
fn callsites_are_shared_per_location() {
    let a = intern_callsite("src/a.rs", 3, "app::a").expect("kept");
    let b = intern_callsite("src/a.rs", 3, "app::a").expect("kept");
    assert!(std::ptr::eq(a, b));
    assert_eq!(
        (a.file(), a.line(), a.module_path()),
        ("src/a.rs", 3, "app::a")
    );
    let c = intern_callsite("src/a.rs", 4, "app::a").expect("kept");
    assert!(!std::ptr::eq(a, c));
}

// === the level table against docs/format.md §5.7 ===

/// The rows of the tables of `docs/format.md` §5.7, each as its cells: the first table's
/// rows, then the second's.
fn doc_tables() -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/format.md");
    let doc = std::fs::read_to_string(path).expect("docs/format.md");
    let section = doc
        .split("\n### ")
        .find(|s| s.starts_with("5.7 "))
        .expect("§5.7 in docs/format.md");
    let mut tables: Vec<Vec<Vec<String>>> = Vec::new();
    let mut in_table = false;
    for line in section.lines() {
        let Some(row) = line.trim().strip_prefix('|') else {
            in_table = false;
            continue;
        };
        if !in_table {
            tables.push(Vec::new());
            in_table = true;
        }
        let cells: Vec<String> = row
            .trim_end_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect();
        if cells.iter().all(|c| c.chars().all(|ch| ch == '-')) {
            continue;
        }
        tables.last_mut().expect("a table").push(cells);
    }
    assert_eq!(tables.len(), 2, "§5.7 has two tables");
    let mut tables = tables.into_iter().map(|mut t| {
        t.remove(0); // the header
        t
    });
    (tables.next().unwrap(), tables.next().unwrap())
}

/// The level named at the start of a cell (`ERROR (slog: …)`).
fn doc_level(cell: &str) -> Level {
    let name = cell.split_whitespace().next().unwrap_or_default();
    Level::ALL
        .into_iter()
        .find(|l| l.name() == name)
        .unwrap_or_else(|| panic!("no level in {cell:?}"))
}

/// The severities a cell names (`error, fatal`, `warning severity`, `info, V4`).
fn doc_severities(cell: &str) -> Vec<Severity> {
    let words: Vec<&str> = cell
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let found: Vec<Severity> = Severity::ALL
        .into_iter()
        .filter(|s| words.contains(&s.name().to_ascii_lowercase().as_str()))
        .collect();
    assert!(!found.is_empty(), "no severity in {cell:?}");
    found
}

/// The V levels a cell names: `V4` is 4..=4, `V1–V4` 1..=4, `V5 and above` 5..; none: 0..
/// (every V level of that severity).
fn doc_verbosities(cell: &str) -> (i32, Option<i32>) {
    let numbers: Vec<i32> = cell
        .split('V')
        .skip(1)
        .filter_map(|s| {
            let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect();
    match numbers[..] {
        [] => (0, None),
        [v] if cell.contains("and above") => (v, None),
        [v] => (v, Some(v)),
        [from, to] => (from, Some(to)),
        _ => panic!("V levels in {cell:?}"),
    }
}

#[test]
fn levels_into_klog_match_the_format_doc() {
    let (into_klog, _) = doc_tables();
    let mut seen = Vec::new();
    for row in &into_klog {
        let level = doc_level(&row[0]);
        let severities = doc_severities(&row[1]);
        let (v, _) = doc_verbosities(&row[1]);
        assert_eq!(level.to_klog(), (severities[0], v), "{row:?}");
        seen.push(level);
    }
    assert_eq!(seen, Level::ALL, "one row per level, in order");
}

#[test]
fn levels_out_of_klog_match_the_format_doc() {
    let (_, out_of_klog) = doc_tables();
    let mut covered = std::collections::HashSet::new();
    for row in &out_of_klog {
        let level = doc_level(&row[1]);
        let (from, to) = doc_verbosities(&row[0]);
        for severity in doc_severities(&row[0]) {
            for v in from..=to.unwrap_or(20) {
                assert_eq!(Level::from_klog(severity, v), level, "{row:?} at V{v}");
                assert!(covered.insert((severity, v)), "{severity:?} V{v} twice");
            }
        }
    }
    for severity in Severity::ALL {
        for v in 0..=20 {
            assert!(
                covered.contains(&(severity, v)),
                "{severity:?} V{v} missing"
            );
        }
    }
}

#[test]
fn a_level_comes_back_as_itself_and_v_travels_where_it_would_not() {
    for level in Level::ALL {
        let (severity, v) = level.to_klog();
        assert_eq!(Level::from_klog(severity, v), level);
        assert_eq!(carried_verbosity(severity, v), None);
    }
    for severity in Severity::ALL {
        for v in 0..=12 {
            let level = Level::from_klog(severity, v);
            let back = match carried_verbosity(severity, v) {
                Some(carried) => carried,
                None => level.to_klog().1,
            };
            if matches!(severity, Severity::Info | Severity::Warning) {
                assert_eq!(back, v, "{severity:?} V{v}");
            }
        }
    }
}

// === interning, guard and pool ===

#[test]
fn keys_are_interned_by_content() {
    let owned = String::from("podName");
    let a = intern_key(&owned).expect("kept");
    let b = intern_key("podName").expect("kept");
    assert!(std::ptr::eq(a, b));
    assert_eq!(intern_key("other"), Some("other"));
}

#[test]
fn a_callsite_is_found_only_once_interned() {
    static FILE: &str = "src/found.rs";
    assert!(find_callsite(FILE, 1, "").is_none());
    let made = intern_callsite(FILE, 1, "").expect("kept");
    assert!(std::ptr::eq(
        find_callsite(FILE, 1, "").expect("found"),
        made
    ));
}

#[test]
fn filtering_nests_and_restores() {
    assert!(!filtering());
    while_filtering(|| {
        assert!(filtering());
        while_filtering(|| assert!(filtering()));
        assert!(filtering());
    });
    assert!(!filtering());
    let guard = enter(Direction::OutOfKlog);
    while_filtering(|| assert!(active(Direction::OutOfKlog)));
    assert!(active(Direction::OutOfKlog) && !active(Direction::IntoKlog));
    drop(guard);
    assert!(!active(Direction::OutOfKlog) && !active(Direction::IntoKlog));
}

#[test]
fn pooled_vectors_keep_their_allocation() {
    thread_local! {
        static POOL: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let text = String::from("a b c");
    let mut words: Vec<&str> = take_vec(&POOL);
    words.extend(text.split(' '));
    let address = words.as_ptr() as usize;
    give_back_vec(&POOL, words);
    let again: Vec<&str> = take_vec(&POOL);
    assert!(again.is_empty());
    assert_eq!(again.as_ptr() as usize, address);
    assert!(again.capacity() >= 3);
    // While taken, a second taker gets a vector of its own.
    let other: Vec<&str> = take_vec(&POOL);
    assert_eq!(other.capacity(), 0);
}

#[test]
fn a_busy_thread_buffer_lends_a_fresh_one() {
    thread_local! {
        static BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    let nested = with_thread_buffer(&BUFFER, |outer| {
        outer.push_str("outer");
        with_thread_buffer(&BUFFER, |inner| inner.clone())
    });
    assert_eq!(nested, "");
    assert_eq!(with_thread_buffer(&BUFFER, |b| b.clone()), "outer");
}

#[test]
fn owned_errors_keep_text_alternate_and_sources() {
    #[derive(Debug)]
    struct Outer(std::io::Error);
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            if f.alternate() {
                write!(f, "sync failed: {}", self.0)
            } else {
                f.write_str("sync failed")
            }
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    use std::error::Error as _;
    let owned = OwnedError::snapshot(&Outer(std::io::Error::other("connection refused")));
    assert_eq!(owned.to_string(), "sync failed");
    assert_eq!(format!("{owned:#}"), "sync failed: connection refused");
    let source = owned.source().map(ToString::to_string);
    assert_eq!(source.as_deref(), Some("connection refused"));
    assert_eq!(
        format!("{:#}", owned.source().unwrap()),
        "connection refused"
    );
}

#[test]
fn failing_and_panicking_debug_become_markers() {
    struct Failing;
    impl std::fmt::Debug for Failing {
        fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            Err(std::fmt::Error)
        }
    }
    struct Panicking;
    impl std::fmt::Debug for Panicking {
        fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            panic!("boom")
        }
    }
    assert_eq!(debug_text(&Failing), "<fmt error>");
    assert_eq!(debug_text(&Panicking), "<panic: boom>");
}
