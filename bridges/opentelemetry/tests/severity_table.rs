//! `otel_severity` and `severity_text` against the table of `docs/format.md` §5.8, row by
//! row, and every V level from 0 to 20 covered by exactly one row.

use klog::Severity;
use klog_opentelemetry::{otel_severity, severity_text};

/// The rows of §5.8's table, each as its cells, without the header.
fn rows() -> Vec<Vec<String>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/format.md");
    let doc = std::fs::read_to_string(path).expect("docs/format.md");
    let section = doc
        .split("\n### ")
        .find(|s| s.starts_with("5.8 "))
        .expect("§5.8 in docs/format.md");
    let rows: Vec<Vec<String>> = section
        .lines()
        .filter_map(|l| l.trim().strip_prefix('|'))
        .map(|row| {
            row.trim_end_matches('|')
                .split('|')
                .map(|c| c.trim().to_owned())
                .collect::<Vec<String>>()
        })
        .filter(|cells| !cells.iter().all(|c| c.chars().all(|ch| ch == '-')))
        .skip(1)
        .collect();
    assert_eq!(rows.len(), 12, "§5.8's table has 12 rows");
    rows
}

fn severity(cell: &str) -> Severity {
    let word = cell.split(',').next().unwrap().trim();
    Severity::ALL
        .into_iter()
        .find(|s| s.name().eq_ignore_ascii_case(word))
        .unwrap_or_else(|| panic!("no severity in {cell:?}"))
}

/// `V3` → 3..=3, `V8 and above` → 8..=20 (the range tested), none → 0..=20.
fn verbosities(cell: &str) -> std::ops::RangeInclusive<i32> {
    match cell.split_once('V') {
        None => 0..=20,
        Some((_, rest)) => {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let v: i32 = digits.parse().expect("a V level");
            if rest.contains("and above") {
                v..=20
            } else {
                v..=v
            }
        }
    }
}

#[test]
fn the_mapping_is_the_table_of_the_format_doc() {
    let mut covered = std::collections::BTreeMap::new();
    for row in rows() {
        let [klog_cell, number_cell, text_cell] = &row[..] else {
            panic!("three cells in {row:?}");
        };
        let sev = severity(klog_cell);
        let (number, name) = number_cell.split_once(' ').expect("`N NAME`");
        let number: i32 = number.parse().expect("a number");
        for v in verbosities(klog_cell) {
            let got = otel_severity(sev, v);
            assert_eq!(got as i32, number, "{klog_cell} V{v}");
            assert_eq!(got.name(), name, "{klog_cell} V{v}");
            assert_eq!(severity_text(sev), text_cell, "{klog_cell}");
            *covered.entry((sev.name(), v)).or_insert(0) += 1;
        }
    }
    for sev in Severity::ALL {
        for v in 0..=20 {
            let count = covered.get(&(sev.name(), v)).copied().unwrap_or(0);
            // Info rows split by V level; the others cover every V level in one row.
            assert_eq!(count, 1, "{} V{v} is in {count} rows", sev.name());
        }
    }
}
