use super::*;

#[test]
fn durations() {
    let ok: &[(&str, i64, &str)] = &[
        ("5s", 5_000_000_000, "5s"),
        ("1m30s", 90_000_000_000, "1m30s"),
        ("90s", 90_000_000_000, "1m30s"),
        ("100ms", 100_000_000, "100ms"),
        ("1.5h", 5_400_000_000_000, "1h30m0s"),
        ("1h", 3_600_000_000_000, "1h0m0s"),
        ("0", 0, "0s"),
        ("-0", 0, "0s"),
        ("+5s", 5_000_000_000, "5s"),
        ("-1.5s", -1_500_000_000, "-1.5s"),
        ("1ns", 1, "1ns"),
        ("1500ns", 1500, "1.5\u{b5}s"),
        ("2us", 2000, "2\u{b5}s"),
        ("2\u{b5}s", 2000, "2\u{b5}s"),
        ("2\u{3bc}s", 2000, "2\u{b5}s"),
        ("1.000000001s", 1_000_000_001, "1.000000001s"),
        (".5s", 500_000_000, "500ms"),
        ("1.s", 1_000_000_000, "1s"),
        ("1h2m3.5s", 3_723_500_000_000, "1h2m3.5s"),
        (
            "2562047h47m16.854775807s",
            i64::MAX,
            "2562047h47m16.854775807s",
        ),
        (
            "-2562047h47m16.854775808s",
            i64::MIN,
            "-2562047h47m16.854775808s",
        ),
    ];
    for &(text, nanos, display) in ok {
        let d: GoDuration = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(d.as_nanos(), nanos, "{text}");
        assert_eq!(d.to_string(), display, "{text}");
    }
    let bad: &[(&str, &str)] = &[
        ("", r#"time: invalid duration """#),
        ("5", r#"time: missing unit in duration "5""#),
        ("1x", r#"time: unknown unit "x" in duration "1x""#),
        (".s", r#"time: invalid duration ".s""#),
        ("s", r#"time: invalid duration "s""#),
        ("-", r#"time: invalid duration "-""#),
        ("1s ", r#"time: unknown unit "s " in duration "1s ""#),
        (
            "2562047h47m16.854775808s",
            r#"time: invalid duration "2562047h47m16.854775808s""#,
        ),
        (
            "9999999999999999999h",
            r#"time: invalid duration "9999999999999999999h""#,
        ),
    ];
    for &(text, want) in bad {
        let err = text.parse::<GoDuration>().unwrap_err();
        assert_eq!(err.to_string(), want, "{text:?}");
    }
    assert_eq!(
        GoDuration::from_std(std::time::Duration::from_secs(u64::MAX)).as_nanos(),
        i64::MAX
    );
    assert_eq!(GoDuration::from_nanos(-1).to_std(), None);
}

proptest::proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in ".*") {
        let _ = text.parse::<GoDuration>();
    }

    #[test]
    fn durations_round_trip(nanos in proptest::num::i64::ANY) {
        let d = GoDuration::from_nanos(nanos);
        let parsed: GoDuration = d.to_string().parse().unwrap();
        proptest::prop_assert_eq!(parsed.as_nanos(), nanos);
    }
}
