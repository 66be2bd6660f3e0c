use proptest::prelude::*;

use super::glob::{glob_match, BadPattern};
use super::matcher::Matcher;
use super::*;

const SYNTAX: &str = "syntax error: expect comma-separated list of filename=N";
const NEGATIVE: &str = "negative value for vmodule level";

fn klog(value: &str) -> VModule {
    VModule::parse(value, VModuleMode::Klog).unwrap()
}

impl VModule {
    fn parse_again(&self) -> VModule {
        VModule::parse(&self.to_string(), self.mode).unwrap()
    }
}

fn extended(value: &str) -> VModule {
    VModule::parse(value, VModuleMode::Extended).unwrap()
}

// === Conformance corpus

/// One corpus record's outcome: the parse error (or `None`) and, per check,
/// `(file, level, enabled)`.
struct Outcome {
    error: Option<String>,
    checks: Vec<(String, i32, bool)>,
}

fn corpus() -> Vec<serde_json::Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/conformance/vmodule.jsonl"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// The corpus records Go paths; our call sites are Rust files.
fn rust_file(go_file: &str) -> String {
    match go_file.strip_suffix(".go") {
        Some(stem) => format!("{stem}.rs"),
        None => go_file.to_owned(),
    }
}

fn replay(record: &serde_json::Value, mode: VModuleMode) -> Outcome {
    let v = i32::try_from(record["v"].as_i64().unwrap()).unwrap();
    let value = record["vmodule"].as_str().unwrap();
    match VModule::parse(value, mode) {
        Err(err) => Outcome {
            error: Some(err.to_string()),
            checks: Vec::new(),
        },
        Ok(vm) => Outcome {
            error: None,
            checks: record["checks"]
                .as_array()
                .map(|checks| {
                    checks
                        .iter()
                        .map(|check| {
                            let file = rust_file(check["file"].as_str().unwrap());
                            let level = i32::try_from(check["level"].as_i64().unwrap()).unwrap();
                            let enabled = vm.enabled(v, level, &file, "");
                            (file, level, enabled)
                        })
                        .collect()
                })
                .unwrap_or_default(),
        },
    }
}

#[test]
fn corpus_passes_in_klog_mode() {
    let records = corpus();
    assert!(!records.is_empty(), "empty corpus");
    let mut failures = Vec::new();
    for record in &records {
        let id = record["id"].as_str().unwrap();
        let value = record["vmodule"].as_str().unwrap();
        let outcome = replay(record, VModuleMode::Klog);
        let want_error = record["error"].as_str().map(str::to_owned);
        if outcome.error != want_error {
            failures.push(format!(
                "{id} ({value:?}): error {:?}, want {want_error:?}",
                outcome.error
            ));
            continue;
        }
        let want_checks = record["checks"].as_array().cloned().unwrap_or_default();
        assert_eq!(outcome.checks.len(), want_checks.len(), "{id}");
        for ((file, level, enabled), want) in outcome.checks.iter().zip(&want_checks) {
            if *enabled != want["enabled"].as_bool().unwrap() {
                failures.push(format!(
                    "{id} ({value:?}): {file} V({level}) enabled={enabled}"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!(
        "vmodule corpus: {} records passed in Klog mode",
        records.len()
    );
}

#[test]
fn extended_mode_differs_from_klog_only_for_patterns_with_a_slash() {
    let mut differing = Vec::new();
    let mut unexpected = Vec::new();
    for record in &corpus() {
        let id = record["id"].as_str().unwrap();
        let value = record["vmodule"].as_str().unwrap();
        let klog = replay(record, VModuleMode::Klog);
        let extended = replay(record, VModuleMode::Extended);
        // Parsing does not depend on the mode at all.
        assert_eq!(klog.error, extended.error, "{id}");
        for (k, e) in klog.checks.iter().zip(&extended.checks) {
            if k != e {
                let line = format!(
                    "{id} ({value:?}): {} V({}): klog={} extended={}",
                    k.0, k.1, k.2, e.2
                );
                if value.contains('/') {
                    differing.push(line);
                } else {
                    unexpected.push(line);
                }
            }
        }
    }
    assert!(
        unexpected.is_empty(),
        "Extended differs from Klog for values without '/':\n{}\n(expected differences:\n{})",
        unexpected.join("\n"),
        differing.join("\n")
    );
    // A guard that the replay really exercises path patterns (`pkg/kubelet/kubelet=3`).
    assert!(!differing.is_empty(), "no record exercised path patterns");
}

// === Grammar

#[test]
fn parse_accepts_and_rejects_like_klog() {
    // (value, expected error or None)
    let table: &[(&str, Option<&str>)] = &[
        ("", None),
        (",,,", None),
        (",,a=1,", None),
        ("kubelet=3,", None),
        (" kubelet=3", None),
        ("kubelet=+3", None),
        ("kubelet=007", None),
        ("kubelet=-0", None),
        ("kubelet=+0", None),
        ("kubelet=2147483647", None),
        ("kubelet=00000000000000000000000000003", None),
        ("[=1", None), // malformed patterns are accepted, they just never match
        ("kubelet=", Some(SYNTAX)),
        ("=3", Some(SYNTAX)),
        ("=", Some(SYNTAX)),
        ("kubelet", Some(SYNTAX)),
        ("kubelet=x", Some(SYNTAX)),
        ("kubelet=3=4", Some(SYNTAX)),
        ("kubelet= 3", Some(SYNTAX)),
        ("kubelet=3 ", Some(SYNTAX)),
        ("kubelet=0x3", Some(SYNTAX)),
        ("kubelet=1_0", Some(SYNTAX)),
        ("kubelet=３", Some(SYNTAX)),
        ("kubelet=+", Some(SYNTAX)),
        ("kubelet=-", Some(SYNTAX)),
        ("kubelet=+-3", Some(SYNTAX)),
        ("kubelet=++3", Some(SYNTAX)),
        ("kubelet=3.0", Some(SYNTAX)),
        ("kubelet=2147483648", Some(SYNTAX)),
        ("kubelet=-2147483649", Some(SYNTAX)),
        ("kubelet=99999999999999999999999", Some(SYNTAX)),
        ("kubelet=-99999999999999999999999", Some(SYNTAX)),
        ("kubelet=-1", Some(NEGATIVE)),
        ("kubelet=-2147483648", Some(NEGATIVE)),
        ("kubelet=3,bad", Some(SYNTAX)),
        ("kubelet=-1,bad", Some(NEGATIVE)),
        ("bad,kubelet=-1", Some(SYNTAX)),
        ("a=1,,b=-0,c=-5", Some(NEGATIVE)),
    ];
    for &(value, want) in table {
        for mode in [VModuleMode::Klog, VModuleMode::Extended] {
            let got = VModule::parse(value, mode).err().map(|e| e.to_string());
            assert_eq!(got.as_deref(), want, "{value:?} in {mode:?}");
        }
    }
}

#[test]
fn exact_entries_only_in_extended_mode() {
    const SYNTAX: &str = "syntax error: expect comma-separated list of filename=N";
    for value in ["kubelet==3", "a=1,kubelet==0", "x::y==2"] {
        let err = VModule::parse(value, VModuleMode::Klog).unwrap_err();
        assert_eq!(err.to_string(), SYNTAX, "{value}");
        assert!(VModule::parse_entries(value).is_err(), "{value}");
        let vm = VModule::parse(value, VModuleMode::Extended).unwrap();
        assert!(vm.has_exact(), "{value}");
        assert_eq!(vm.to_string(), value);
        assert_eq!(vm.parse_again(), vm);
    }
    for (value, want) in [
        ("kubelet===3", SYNTAX),
        ("kubelet==", SYNTAX),
        ("==3", SYNTAX),
        ("kubelet== 3", SYNTAX),
        ("kubelet==x", SYNTAX),
        ("kubelet=3=", SYNTAX),
        ("kubelet==-1", "negative value for vmodule level"),
    ] {
        let got = VModule::parse(value, VModuleMode::Extended).unwrap_err();
        assert_eq!(got.to_string(), want, "{value}");
    }
    assert!(
        VModule::from_items([("a", 1, true)], VModuleMode::Klog).is_err(),
        "Klog mode has no exact entries"
    );
    let built = VModule::from_items([("a", 0, true), ("b", 2, false)], VModuleMode::Extended);
    assert_eq!(built.unwrap(), extended("a==0,b=2"));
}

#[test]
fn exact_entries_set_the_level_below_and_above_v() {
    let vm = extended("chatty::*==1,chatty_other=2,*/noisy==0,loud==6");
    let decide = |v, level, file, module| vm.enabled(v, level, file, module);
    // Lowered: V(2)..V(5) off at -v=5, V(0) and V(1) still on.
    assert!(decide(5, 1, "src/conn.rs", "chatty::conn"));
    assert!(!decide(5, 2, "src/conn.rs", "chatty::conn"));
    assert!(decide(5, 0, "src/x/noisy.rs", "app::x"));
    assert!(!decide(5, 1, "src/x/noisy.rs", "app::x"));
    assert!(decide(5, -1, "src/x/noisy.rs", "app::x")); // V(<0) counts as V(0)
                                                        // Raised, like a raising entry.
    assert!(decide(0, 6, "src/loud.rs", "app::loud"));
    assert!(!decide(0, 7, "src/loud.rs", "app::loud"));
    // Raising entries and unmatched call sites are unchanged.
    assert!(decide(5, 5, "src/chatty_other.rs", "app"));
    assert!(decide(0, 2, "src/chatty_other.rs", "app"));
    assert!(decide(5, 5, "src/main.rs", "app"));
    assert!(!decide(4, 5, "src/main.rs", "app"));
    // First match wins, exact or not.
    let vm = extended("conn=5,chatty::*==0");
    assert!(vm.enabled(0, 5, "src/conn.rs", "chatty::conn"));
    assert_eq!(vm.verbosity_for("src/conn.rs", "chatty::conn"), Some(5));
    assert_eq!(vm.verbosity_for("src/other.rs", "chatty::other"), Some(0));
    assert_eq!(vm.max_verbosity(), Some(5));
}

#[test]
fn zero_entries_are_dropped_so_later_patterns_match() {
    for value in [
        "kubelet=0,kube*=3",
        "kubelet=-0,kube*=3",
        "kubelet=+0,kube*=3",
    ] {
        assert_eq!(
            klog(value).verbosity_for("pkg/kubelet.rs", ""),
            Some(3),
            "{value}"
        );
    }
    assert!(klog("a=0,b=0").is_empty());
    assert!(klog(",,,").is_empty());
    assert!(!klog("a=1").is_empty());
}

#[test]
fn from_entries_validates_like_parse() {
    let ok: &[&[(&str, i32)]] = &[
        &[],
        &[("kubelet", 0), ("kube*", 3)],
        &[("a b", 1), ("[", 2)],
    ];
    for &pairs in ok {
        let built = VModule::from_entries(pairs.iter().copied(), VModuleMode::Klog).unwrap();
        let text = built.to_string();
        assert_eq!(
            VModule::parse(&text, VModuleMode::Klog).unwrap(),
            built,
            "{pairs:?}"
        );
    }
    assert_eq!(
        VModule::from_entries([("kubelet", 0), ("kube*", 3)], VModuleMode::Klog)
            .unwrap()
            .to_string(),
        "kubelet=0,kube*=3"
    );
    let bad: &[(&[(&str, i32)], &str)] = &[
        (&[("", 1)], SYNTAX),
        (&[("a,b", 1)], SYNTAX),
        (&[("a=b", 1)], SYNTAX),
        (&[("a", -1)], NEGATIVE),
        (&[("a", i32::MIN)], NEGATIVE),
        (&[("a", -1), ("", 1)], NEGATIVE), // the first bad entry decides
        (&[("", 1), ("a", -1)], SYNTAX),
        (&[("", -1)], SYNTAX), // the pattern is checked before the level
    ];
    for &(pairs, want) in bad {
        let err = VModule::from_entries(pairs.iter().copied(), VModuleMode::Extended).unwrap_err();
        assert_eq!(err.to_string(), want, "{pairs:?}");
    }
}

#[test]
fn display_gives_the_value_as_given_and_from_str_is_extended() {
    let vm: VModule = ",,kubelet=0,kube*=+3,".parse().unwrap();
    assert_eq!(vm.to_string(), ",,kubelet=0,kube*=+3,");
    assert_eq!(vm.mode(), VModuleMode::Extended);
    assert_eq!(VModule::default(), "".parse().unwrap());
    assert_eq!(VModule::default().mode(), VModuleMode::Extended);
    assert_eq!(klog("a=1").mode(), VModuleMode::Klog);
}

// === Matching

#[test]
fn klog_mode_matches_the_base_name_without_one_rs_suffix() {
    // (vmodule, file, expected level)
    let table: &[(&str, &str, Option<i32>)] = &[
        ("kubelet=3", "/go/src/pkg/kubelet/kubelet.rs", Some(3)),
        ("kubelet=3", "kubelet.rs", Some(3)),
        ("kubelet=3", "kubelet", Some(3)),
        ("kubelet=3", "/go/src/pkg/kubelet/kubelet_pods.rs", None),
        ("kubelet.rs=3", "src/kubelet.rs", None),
        ("file.rs=3", "src/file.rs.rs", Some(3)),
        ("script=3", "bin/script", Some(3)),
        ("main=3", "src/Main.rs", None),
        ("v1.2=3", "src/v1.2.rs", Some(3)),
        ("日本=3", "src/日本.rs", Some(3)),
        (" kubelet=3", "src/kubelet.rs", None),
        ("pkg/kubelet/kubelet=3", "pkg/kubelet/kubelet.rs", None),
        ("*/*=3", "pkg/kubelet/kubelet.rs", None),
        ("/go/src/kubelet=3", "/go/src/kubelet.rs", None),
        ("kube_runtime::controller=3", "src/controller.rs", None),
        ("*=1", "src/sub/", Some(1)), // the base name is empty
        ("kubelet=1,kube*=4", "src/kubelet.rs", Some(1)),
        ("kube*=4,kubelet=1", "src/kubelet.rs", Some(4)),
        ("*.*=3", "src/v1.2.rs", Some(3)),
        ("*.*=3", "src/file.rs.rs", Some(3)),
        ("*.*=3", "src/main.rs", None),
        ("a\\*b=3", "src/a*b.rs", Some(3)),
        ("a\\*b=3", "src/axb.rs", None),
        ("\\[x\\]=3", "src/[x].rs", Some(3)),
        ("\\[x]=3", "src/[x].rs", Some(3)),
        ("[\\]x]=3", "src/x.rs", Some(3)),
        ("*]=3", "src/x].rs", Some(3)),
        ("[^k]*=3", "src/main.rs", Some(3)),
        ("[^k]*=3", "src/kubelet.rs", None),
        ("[!k]*=3", "src/main.rs", None),
        ("[!k]*=3", "src/!x.rs", Some(3)),
        ("?ubelet=2", "src/kubelet.rs", Some(2)),
        ("??=2", "src/日本.rs", Some(2)),
    ];
    for &(value, file, want) in table {
        assert_eq!(
            klog(value).verbosity_for(file, "kube_runtime::controller"),
            want,
            "{value:?} {file:?}"
        );
    }
}

#[test]
fn malformed_patterns_never_match_and_are_not_errors() {
    let patterns = [
        "[", "a[", "[a", "[^", "[^a", "[]", "[^]", "[]x]", "[-x]", "[x-]", "[a-b-c]", "[\\",
        "[a-\\", "main\\", "*[", "*a[", "a*[", "*\\", "*x*[]", "[]a]*",
    ];
    for pattern in patterns {
        for file in [
            "src/main.rs",
            "src/[.rs",
            "src/a[.rs",
            "src/-.rs",
            "src/x.rs",
            "src/main\\.rs",
            "src/.rs",
        ] {
            for mode in [VModuleMode::Klog, VModuleMode::Extended] {
                let vm = VModule::parse(&format!("{pattern}=3,*=1"), mode).unwrap();
                // The broken entry is skipped, the next one still applies.
                assert_eq!(
                    vm.verbosity_for(file, ""),
                    Some(1),
                    "{pattern:?} {file:?} {mode:?}"
                );
            }
        }
        assert_eq!(
            glob_match(pattern.as_bytes(), b""),
            Err(BadPattern),
            "{pattern:?}"
        );
    }
}

#[test]
fn glob_match_agrees_with_go_filepath_match() {
    // Go's own path/filepath match_test.go table, plus the byte-wise star quirk.
    let table: &[(&str, &str, Result<bool, BadPattern>)] = &[
        ("abc", "abc", Ok(true)),
        ("*", "abc", Ok(true)),
        ("*c", "abc", Ok(true)),
        ("a*", "a", Ok(true)),
        ("a*", "abc", Ok(true)),
        ("a*", "ab/c", Ok(false)),
        ("a*/b", "abc/b", Ok(true)),
        ("a*/b", "a/c/b", Ok(false)),
        ("a*b*c*d*e*/f", "axbxcxdxe/f", Ok(true)),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/f", Ok(true)),
        ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Ok(false)),
        ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Ok(false)),
        ("a*b?c*x", "abxbbxdbxebxczzx", Ok(true)),
        ("a*b?c*x", "abxbbxdbxebxczzy", Ok(false)),
        ("ab[c]", "abc", Ok(true)),
        ("ab[b-d]", "abc", Ok(true)),
        ("ab[e-g]", "abc", Ok(false)),
        ("ab[^c]", "abc", Ok(false)),
        ("ab[^b-d]", "abc", Ok(false)),
        ("ab[^e-g]", "abc", Ok(true)),
        ("a\\*b", "a*b", Ok(true)),
        ("a\\*b", "ab", Ok(false)),
        ("a?b", "a☺b", Ok(true)),
        ("a[^a]b", "a☺b", Ok(true)),
        ("a???b", "a☺b", Ok(false)),
        ("a[^a][^a][^a]b", "a☺b", Ok(false)),
        ("[a-ζ]*", "α", Ok(true)),
        ("*[a-ζ]", "A", Ok(false)),
        ("a?b", "a/b", Ok(false)),
        ("a*b", "a/b", Ok(false)),
        ("[\\]a]", "]", Ok(true)),
        ("[\\-]", "-", Ok(true)),
        ("[x\\-]", "x", Ok(true)),
        ("[x\\-]", "-", Ok(true)),
        ("[x\\-]", "z", Ok(false)),
        ("[\\-x]", "x", Ok(true)),
        ("[\\-x]", "-", Ok(true)),
        ("[\\-x]", "a", Ok(false)),
        ("[]a]", "]", Err(BadPattern)),
        ("[-]", "-", Err(BadPattern)),
        ("[x-]", "x", Err(BadPattern)),
        ("[x-]", "-", Err(BadPattern)),
        ("[x-]", "z", Err(BadPattern)),
        ("[-x]", "x", Err(BadPattern)),
        ("[-x]", "-", Err(BadPattern)),
        ("[-x]", "a", Err(BadPattern)),
        ("\\", "a", Err(BadPattern)),
        ("[a-b-c]", "a", Err(BadPattern)),
        ("[", "a", Err(BadPattern)),
        ("[^", "a", Err(BadPattern)),
        ("[^bc", "a", Err(BadPattern)),
        ("a[", "a", Err(BadPattern)),
        ("a[", "ab", Err(BadPattern)),
        ("a[", "x", Err(BadPattern)),
        ("a/b[", "x", Err(BadPattern)),
        ("*x", "xxx", Ok(true)),
        // The star advances byte by byte, so a chunk may restart mid-character, where
        // `?` consumes a single (invalid) byte.
        ("*??", "日", Ok(true)),
        ("??", "日", Ok(false)),
        ("?", "日", Ok(true)),
        ("*[^a]", "日", Ok(true)),
    ];
    for &(pattern, name, want) in table {
        assert_eq!(
            glob_match(pattern.as_bytes(), name.as_bytes()),
            want,
            "{pattern:?} {name:?}"
        );
    }
}

#[test]
fn path_patterns_match_the_last_components_in_extended_mode() {
    // (vmodule, file, expected in Extended mode); Klog mode never matches these.
    let table: &[(&str, &str, Option<i32>)] = &[
        ("controller/mod=4", "src/controller/mod.rs", Some(4)),
        ("controller/mod=4", "src/node/mod.rs", None),
        ("controller/mod=4", "controller/mod.rs", Some(4)),
        ("controller/mod=4", "mod.rs", None),
        (
            "pkg/kubelet/kubelet=3",
            "/go/src/k8s.io/kubernetes/pkg/kubelet/kubelet.rs",
            Some(3),
        ),
        (
            "pkg/kubelet/kubelet=3",
            "/go/src/example.com/other/kubelet.rs",
            None,
        ),
        ("*/*=3", "src/main.rs", Some(3)),
        ("*/*=3", "/main.rs", Some(3)),
        ("*/*=3", "main.rs", None),
        ("src/*=2", "src/lib.rs", Some(2)),
        ("src/*=2", "src/a/lib.rs", None),
        ("/src/main=2", "/src/main.rs", Some(2)),
        ("/src/main=2", "src/main.rs", None),
        ("/src/main=2", "/a/src/main.rs", None),
        ("contr?ller/m[a-z]d=4", "src/controller/mod.rs", Some(4)),
        ("app/file.rs=3", "src/app/file.rs.rs", Some(3)),
        ("app/main.rs=3", "src/app/main.rs", None),
        ("controller/[=4", "src/controller/[.rs", None),
        ("a\\/b=1", "a/b.rs", None), // `/` cannot be escaped: `a\` is malformed
        ("controller/=4", "src/controller/mod.rs", None),
    ];
    for &(value, file, want) in table {
        assert_eq!(
            extended(value).verbosity_for(file, "app::controller"),
            want,
            "{value:?} {file:?}"
        );
        assert_eq!(
            klog(value).verbosity_for(file, "app::controller"),
            None,
            "Klog {value:?} {file:?}"
        );
    }
}

#[test]
fn path_patterns_and_base_name_patterns_share_first_match_precedence() {
    let vm = extended("controller/mod=4,mod=1");
    assert_eq!(vm.verbosity_for("src/controller/mod.rs", ""), Some(4));
    assert_eq!(vm.verbosity_for("src/node/mod.rs", ""), Some(1));
    let vm = extended("mod=1,controller/mod=4");
    assert_eq!(vm.verbosity_for("src/controller/mod.rs", ""), Some(1));
}

#[test]
fn module_patterns_match_a_module_and_its_submodules_in_extended_mode() {
    // (vmodule, module_path, expected in Extended mode)
    let table: &[(&str, &str, Option<i32>)] = &[
        (
            "kube_runtime::controller=4",
            "kube_runtime::controller",
            Some(4),
        ),
        (
            "kube_runtime::controller=4",
            "kube_runtime::controller::runner",
            Some(4),
        ),
        (
            "kube_runtime::controller=4",
            "kube_runtime::controllers",
            None,
        ),
        ("kube_runtime::controller=4", "kube_runtime", None),
        (
            "kube_runtime::controller=4",
            "other::kube_runtime::controller",
            None,
        ),
        ("kube_runtime::controller=4", "", None),
        ("my_app::*::reconcile=5", "my_app::pods::reconcile", Some(5)),
        (
            "my_app::*::reconcile=5",
            "my_app::pods::reconcile::inner",
            Some(5),
        ),
        ("my_app::*::reconcile=5", "my_app::reconcile", None),
        ("kube_*::controller=4", "kube_runtime::controller", Some(4)),
        ("kube_runtime::[=4", "kube_runtime::[", None),
        ("src/x::y=1", "src::x::y", None), // `::` wins over `/`: a module pattern
        (
            "kube_runtime::*=2,controller=5",
            "kube_runtime::controller",
            Some(2),
        ),
        (
            "controller=5,kube_runtime::*=2",
            "kube_runtime::controller",
            Some(5),
        ),
    ];
    for &(value, module_path, want) in table {
        let file = "src/controller.rs";
        assert_eq!(
            extended(value).verbosity_for(file, module_path),
            want,
            "{value:?} {module_path:?}"
        );
    }
    let vm = extended("src/x::y=1");
    assert!(matches!(vm.entries[0].matcher, Matcher::Module(_)));
    // Klog mode compares such patterns with the base name.
    assert_eq!(
        klog("kube_runtime::controller=4")
            .verbosity_for("src/controller.rs", "kube_runtime::controller"),
        None
    );
}

#[test]
fn enabled_combines_v_and_the_first_match_and_only_raises() {
    let vm = klog("kubelet=3,kube*=5");
    // (v, level, file, expected)
    let table: &[(i32, i32, &str, bool)] = &[
        (0, 0, "src/main.rs", true),
        (0, 1, "src/main.rs", false),
        (0, -1, "src/main.rs", true),
        (-1, -1, "src/main.rs", false), // max(n, 0) is compared with -v
        (0, 3, "src/kubelet.rs", true),
        (0, 4, "src/kubelet.rs", false), // the first match (3) decides, not kube* (5)
        (0, 5, "src/kube_proxy.rs", true),
        (10, 10, "src/kubelet.rs", true), // vmodule never lowers -v
        (10, 11, "src/kubelet.rs", false),
        (i32::MAX, i32::MAX, "src/main.rs", true),
    ];
    for &(v, level, file, want) in table {
        assert_eq!(
            vm.enabled(v, level, file, ""),
            want,
            "v={v} V({level}) {file}"
        );
    }
    assert!(!VModule::default().enabled(0, 1, "src/main.rs", "main"));
    assert!(klog("kubelet=2147483647").enabled(0, i32::MAX, "kubelet.rs", ""));
}

// === Properties

const NASTY: &str = "[=,*\\[\\]\\\\?^!a-c0-9/:.\\-+ 日é_]{0,24}";

proptest! {
    #[test]
    fn parse_and_level_for_never_panic(value in NASTY, file in NASTY, module in NASTY) {
        for mode in [VModuleMode::Klog, VModuleMode::Extended] {
            if let Ok(vm) = VModule::parse(&value, mode) {
                let _ = vm.verbosity_for(&file, &module);
                let _ = vm.enabled(0, 1, &file, &module);
            }
        }
    }

    #[test]
    fn arbitrary_unicode_never_panics(value in any::<String>(), file in any::<String>(), module in any::<String>()) {
        for mode in [VModuleMode::Klog, VModuleMode::Extended] {
            let _ = VModule::parse(&value, mode).map(|vm| vm.verbosity_for(&file, &module));
            let _ = VModule::parse(&format!("{value}=1,{file}=2"), mode).map(|vm| vm.verbosity_for(&file, &module));
        }
        let _ = glob_match(value.as_bytes(), file.as_bytes());
    }

    #[test]
    fn glob_errors_do_not_depend_on_the_name(pattern in NASTY, name in NASTY) {
        prop_assert_eq!(
            glob_match(pattern.as_bytes(), name.as_bytes()).is_err(),
            glob_match(pattern.as_bytes(), b"").is_err()
        );
    }

    #[test]
    fn literal_patterns_glob_like_string_equality(pattern in "[a-c.日_]{0,6}", name in "[a-c.日_]{0,6}") {
        prop_assert_eq!(glob_match(pattern.as_bytes(), name.as_bytes()), Ok(pattern == name));
    }

    #[test]
    fn valid_entries_give_each_file_its_first_matching_level(
        entries in proptest::collection::vec(("[a-z_][a-z0-9_.]{0,8}", 1..100i32), 1..8)
    ) {
        let value = entries.iter().map(|(p, n)| format!("{p}={n}")).collect::<Vec<_>>().join(",");
        for mode in [VModuleMode::Klog, VModuleMode::Extended] {
            let vm = VModule::parse(&value, mode).unwrap();
            for (pattern, _) in &entries {
                let want = entries.iter().find(|(p, _)| p == pattern).map(|&(_, n)| n);
                prop_assert_eq!(vm.verbosity_for(&format!("src/{pattern}.rs"), "app"), want);
            }
            prop_assert_eq!(vm.verbosity_for("src/Z.rs", "app"), None);
            let pairs = entries.iter().map(|(p, n)| (p.as_str(), *n));
            prop_assert_eq!(VModule::from_entries(pairs, mode).unwrap(), vm);
        }
    }

    #[test]
    fn display_reparses_to_an_equal_value(value in NASTY) {
        for mode in [VModuleMode::Klog, VModuleMode::Extended] {
            if let Ok(vm) = VModule::parse(&value, mode) {
                prop_assert_eq!(VModule::parse(&vm.to_string(), mode).unwrap(), vm);
            }
        }
    }

    #[test]
    fn from_entries_display_reparses_to_an_equal_value(
        entries in proptest::collection::vec(("[a-c*?\\[\\]\\\\/:日]{1,6}", 0..5i32), 0..6)
    ) {
        let pairs = entries.iter().map(|(p, n)| (p.as_str(), *n));
        let vm = VModule::from_entries(pairs, VModuleMode::Extended).unwrap();
        prop_assert_eq!(vm.to_string().parse::<VModule>().unwrap(), vm);
    }
}
