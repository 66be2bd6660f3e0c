use super::*;

fn quantity(s: &str) -> Result<u64, String> {
    s.parse::<Quantity>()
        .map(|q| q.bytes())
        .map_err(|e| e.to_string())
}

#[test]
fn quantities() {
    let ok: &[(&str, u64)] = &[
        ("0", 0),
        ("1Ki", 1024),
        ("64Ki", 65_536),
        ("1Mi", 1_048_576),
        ("1Gi", 1 << 30),
        ("1Ei", 1 << 60),
        ("1M", 1_000_000),
        ("1k", 1000),
        ("4G", 4_000_000_000),
        ("1.5Ki", 1536),
        ("100", 100),
        ("512", 512),
        ("+7", 7),
        ("007", 7),
        (".5Ki", 512),
        ("1.", 1),
        ("1.5", 2), // rounded up, like Quantity.Value()
        ("1m", 1),  // 0.001 rounds up to 1
        ("1500m", 2),
        ("0.0000000000000000000000000000000000000000001", 1),
        ("1e3", 1000),
        ("1E3", 1000),
        ("1e+3", 1000),
        ("1e-3", 1),
        ("-0", 0),
        ("0.000", 0),
        ("15E", 15_000_000_000_000_000_000),
        ("18446744073709551615", u64::MAX),
        ("1.00000000000000000000000000000000000000000000001", 2),
    ];
    for &(text, want) in ok {
        assert_eq!(quantity(text), Ok(want), "{text}");
    }
    let bad: &[(&str, &str)] = &[
        ("12x", QUANTITY_FORMAT_ERROR),
        ("", QUANTITY_FORMAT_ERROR),
        (".", QUANTITY_FORMAT_ERROR),
        ("Ki", QUANTITY_FORMAT_ERROR),
        (" 1", QUANTITY_FORMAT_ERROR),
        ("1 ", QUANTITY_FORMAT_ERROR),
        ("1..2", QUANTITY_FORMAT_ERROR),
        ("1K", QUANTITY_SUFFIX_ERROR), // Kubernetes spells kilo `k`
        ("1e", QUANTITY_SUFFIX_ERROR),
        ("1k3", QUANTITY_SUFFIX_ERROR),
        ("1Kii", QUANTITY_SUFFIX_ERROR),
        ("-1Ki", QUANTITY_NEGATIVE_ERROR),
        ("-1", QUANTITY_NEGATIVE_ERROR),
        ("-0.5", QUANTITY_NEGATIVE_ERROR),
        (
            "18446744073709551616",
            "must be less than or equal to 18446744073709551615",
        ),
        ("16Ei", "must be less than or equal to 18446744073709551615"),
        (
            "1e99999999999999",
            "must be less than or equal to 18446744073709551615",
        ),
        ("1e999999999999999999999", QUANTITY_SUFFIX_ERROR),
    ];
    for &(text, want) in bad {
        assert_eq!(quantity(text), Err(want.to_owned()), "{text:?}");
    }
    let q: Quantity = "1.5Ki".parse().unwrap();
    assert_eq!((q.as_str(), q.to_string().as_str()), ("1.5Ki", "1.5Ki"));
    assert_eq!(q, Quantity::from_bytes(1536));
    assert_eq!(Quantity::default().as_str(), "0");
}

proptest::proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in ".*") {
        let _ = text.parse::<Quantity>();
    }

    #[test]
    fn numeric_like_values_never_panic(
        text in "[-+]?[0-9]{0,45}(\\.[0-9]{0,45})?([eE][-+]?[0-9]{0,25}|[KMGTPE]i|[numkMGTPE])?",
    ) {
        if let Ok(q) = text.parse::<Quantity>() {
            proptest::prop_assert_eq!(q.as_str(), text.as_str());
        }
    }
}
