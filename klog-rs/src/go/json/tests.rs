//! Tests of `encoding/json` for serde values.

use super::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

const COMPACT: JsonMode = JsonMode {
    html: false,
    indent: false,
};
const HTML: JsonMode = JsonMode {
    html: true,
    indent: false,
};
const INDENT: JsonMode = JsonMode {
    html: true,
    indent: true,
};

fn encode(value: &dyn erased_serde::Serialize, mode: JsonMode) -> String {
    let mut out = Vec::new();
    match write_serde(&mut out, value, mode) {
        Ok(()) => String::from_utf8(out).expect("JSON is UTF-8"),
        Err(e) => format!("error: {e}"),
    }
}

/// Checks each `(value, expected)` row in `mode`.
fn check(mode: JsonMode, rows: &[(&dyn erased_serde::Serialize, &str)]) {
    for (i, (value, want)) in rows.iter().enumerate() {
        assert_eq!(encode(*value, mode), *want, "row {i}");
    }
}

/// Serializes through `serialize_bytes`, like `serde_bytes`.
struct Bytes(&'static [u8]);

impl Serialize for Bytes {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// Go's `json:",string"` option around any value.
struct JsonString<T>(T);

impl<T: Serialize> Serialize for JsonString<T> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(JSON_STRING_TOKEN, &self.0)
    }
}

/// A map serialized from a list of pairs, which may repeat keys.
struct Pairs<K, V>(Vec<(K, V)>);

impl<K: Serialize, V: Serialize> Serialize for Pairs<K, V> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// A value whose `Serialize` fails with its own message.
struct Failing;

impl Serialize for Failing {
    fn serialize<S: ser::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(ser::Error::custom("cannot encode Failing"))
    }
}

#[derive(Serialize)]
struct Unit;

#[derive(Serialize)]
struct Point(i32, i32);

#[derive(Serialize)]
struct Meters(f64);

#[derive(Serialize)]
struct Name(&'static str);

#[derive(Serialize)]
enum Shape {
    Empty,
    Circle(f64),
    Line(i32, i32),
    Rect { w: u8, h: u8 },
}

#[derive(Serialize)]
struct Pod {
    #[serde(rename = "podName")]
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    node: Option<&'static str>,
    ready: bool,
    #[serde(rename = "z<")]
    last: u8,
}

fn raw(text: &str) -> Box<serde_json::value::RawValue> {
    serde_json::value::RawValue::from_string(text.to_owned()).expect("valid JSON")
}

#[test]
fn scalars_are_written_like_go() {
    check(
        COMPACT,
        &[
            (&true, "true"),
            (&false, "false"),
            (&-5i8, "-5"),
            (&u16::MAX, "65535"),
            (&i64::MIN, "-9223372036854775808"),
            (&u64::MAX, "18446744073709551615"),
            (&i128::MIN, "-170141183460469231731687303715884105728"),
            (&u128::MAX, "340282366920938463463374607431768211455"),
            (&'x', "\"x\""),
            (&'"', "\"\\\"\""),
            (&(), "null"),
            (&Unit, "null"),
            (&None::<i32>, "null"),
            (&Some(7), "7"),
            (&Meters(2.5), "2.5"),
        ],
    );
}

#[test]
fn floats_use_go_spelling() {
    check(
        COMPACT,
        &[
            (&1.0f64, "1"),
            (&0.1f64, "0.1"),
            (&-0.0f64, "-0"),
            (&1e21f64, "1e+21"),
            (&1e20f64, "100000000000000000000"),
            (&1e-7f64, "1e-7"),
            (&5e-324f64, "5e-324"),
            (&0.1f32, "0.1"),
            (&f32::MAX, "3.4028235e+38"),
        ],
    );
}

#[test]
fn non_finite_floats_fail_the_whole_value() {
    check(
        HTML,
        &[
            (&f64::NAN, "error: json: unsupported value: NaN"),
            (&f64::INFINITY, "error: json: unsupported value: +Inf"),
            (&f32::NEG_INFINITY, "error: json: unsupported value: -Inf"),
            (&vec![1.0, f64::NAN], "error: json: unsupported value: NaN"),
            (
                &BTreeMap::from([("a", vec![Some(f64::INFINITY)])]),
                "error: json: unsupported value: +Inf",
            ),
        ],
    );
}

#[test]
fn custom_serialize_errors_keep_their_message() {
    check(COMPACT, &[(&vec![Failing], "error: cannot encode Failing")]);
    let mut out = Vec::new();
    let err = write_serialize(&mut out, &[Failing], COMPACT).unwrap_err();
    assert_eq!(err.to_string(), "cannot encode Failing");
}

#[test]
fn strings_escape_html_only_in_html_mode() {
    let s = "a<b>&c\"\\\n\u{2028}é";
    check(HTML, &[(&s, r#""a\u003cb\u003e\u0026c\"\\\n\u2028é""#)]);
    check(COMPACT, &[(&s, r#""a<b>&c\"\\\n\u2028é""#)]);
}

#[test]
fn bytes_are_standard_base64_with_padding() {
    check(
        COMPACT,
        &[
            (&Bytes(b""), r#""""#),
            (&Bytes(b"a"), r#""YQ==""#),
            (&Bytes(b"ab"), r#""YWI=""#),
            (&Bytes(b"abc"), r#""YWJj""#),
            (&Bytes(&[0xfb, 0xff, 0xbf]), r#""+/+/""#),
            (&vec![1u8, 2], "[1,2]"),
        ],
    );
}

#[test]
fn enums_take_serde_json_shapes() {
    check(
        COMPACT,
        &[
            (&Shape::Empty, r#""Empty""#),
            (&Shape::Circle(1.5), r#"{"Circle":1.5}"#),
            (&Shape::Line(1, 2), r#"{"Line":[1,2]}"#),
            (&Shape::Rect { w: 3, h: 4 }, r#"{"Rect":{"w":3,"h":4}}"#),
        ],
    );
}

#[test]
fn sequences_tuples_and_structs_keep_their_order() {
    let pod = Pod {
        name: "web-0",
        node: None,
        ready: true,
        last: 1,
    };
    let placed = Pod {
        node: Some("n1"),
        ..pod
    };
    check(
        HTML,
        &[
            (&Vec::<i32>::new(), "[]"),
            (&[1, 2, 3], "[1,2,3]"),
            (&(1, "a", false), r#"[1,"a",false]"#),
            (&Point(-1, 2), "[-1,2]"),
            (&pod, r#"{"podName":"web-0","ready":true,"z\u003c":1}"#),
            (
                &placed,
                r#"{"podName":"web-0","node":"n1","ready":true,"z\u003c":1}"#,
            ),
        ],
    );
}

#[test]
fn maps_are_sorted_by_raw_key_bytes() {
    let unicode: HashMap<String, i32> = [
        "\u{1f600}",
        "\u{10000}",
        "\u{ffff}",
        "\u{e000}",
        "é",
        "z",
        "a",
    ]
    .iter()
    .zip(0..)
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let ints: HashMap<i64, u8> = [(2, 0), (100, 1), (-9, 2), (i64::MIN, 3), (-10, 4)].into();
    check(
        HTML,
        &[
            (&BTreeMap::<String, i32>::new(), "{}"),
            (&BTreeMap::from([("b", 1), ("a", 2)]), r#"{"a":2,"b":1}"#),
            (
                &unicode,
                "{\"a\":6,\"z\":5,\"é\":4,\"\u{e000}\":3,\"\u{ffff}\":2,\
                 \"\u{10000}\":1,\"\u{1f600}\":0}",
            ),
            (
                &ints,
                r#"{"-10":4,"-9":2,"-9223372036854775808":3,"100":1,"2":0}"#,
            ),
            // Raw `<` sorts before `=` although its escape `\u003c` would not.
            (&Pairs(vec![("=", 1), ("<", 2)]), r#"{"\u003c":2,"=":1}"#),
            (
                &Pairs(vec![("\"", 1), ("!", 2), ("\n", 3)]),
                r#"{"\n":3,"!":2,"\"":1}"#,
            ),
            // Duplicate keys keep their serialization order.
            (
                &Pairs(vec![("b", 1), ("a", 2), ("b", 3)]),
                r#"{"a":2,"b":1,"b":3}"#,
            ),
            (
                &Pairs(vec![
                    ('y', Pairs(vec![(2u8, 0), (10u8, 1)])),
                    ('x', Pairs(vec![])),
                ]),
                r#"{"x":{},"y":{"10":1,"2":0}}"#,
            ),
            (
                &Pairs(vec![(Shape::Empty, 1), (Shape::Empty, 0)]),
                r#"{"Empty":1,"Empty":0}"#,
            ),
            (
                &Pairs(vec![(Name("b"), 1), (Name("a"), 0)]),
                r#"{"a":0,"b":1}"#,
            ),
        ],
    );
}

#[test]
fn non_string_map_keys_are_unsupported() {
    check(
        COMPACT,
        &[
            (
                &HashMap::from([(true, 1)]),
                "error: json: unsupported type: map key of type bool",
            ),
            (
                &Pairs(vec![(1.5, 1)]),
                "error: json: unsupported type: map key of type float64",
            ),
            (
                &BTreeMap::from([((1, 2), 1)]),
                "error: json: unsupported type: map key of type array",
            ),
            (
                &Pairs(vec![(Shape::Circle(1.0), 1)]),
                "error: json: unsupported type: map key of type Shape::Circle",
            ),
        ],
    );
}

#[test]
fn raw_values_are_compacted_and_html_escaped() {
    let spaced = raw(" { \"a\" : [1, 2], \"b\":\"<x> y\" } ");
    check(HTML, &[(&spaced, r#"{"a":[1,2],"b":"\u003cx\u003e y"}"#)]);
    check(COMPACT, &[(&spaced, r#"{"a":[1,2],"b":"<x> y"}"#)]);
    let value = raw(" { \"a\" : [1, 2], \"b\":\"<x> y\\\"\u{2028}\" } ");
    check(
        HTML,
        &[(&value, r#"{"a":[1,2],"b":"\u003cx\u003e y\"\u2028"}"#)],
    );
    check(
        COMPACT,
        &[
            (&value, "{\"a\":[1,2],\"b\":\"<x> y\\\"\u{2028}\"}"),
            (&vec![raw(" 1 "), raw("\"a  b\"")], r#"[1,"a  b"]"#),
            (&BTreeMap::from([("k", raw(" [ ] "))]), r#"{"k":[]}"#),
        ],
    );
}

#[test]
fn json_string_token_quotes_the_inner_json() {
    check(
        HTML,
        &[
            (&JsonString("a\"b<"), r#""\"a\\\"b\\u003c\"""#),
            (&JsonString(5), r#""5""#),
            (&JsonString(1e21), r#""1e+21""#),
            (&JsonString(true), r#""true""#),
            (&JsonString(f64::NAN), "error: json: unsupported value: NaN"),
        ],
    );
    check(COMPACT, &[(&JsonString("a\"b<"), r#""\"a\\\"b<\"""#)]);
    check(INDENT, &[(&JsonString(vec![1, 2]), r#""[1,2]""#)]);
}

#[test]
fn indented_output_matches_go_encoder_set_indent() {
    let nested = Pairs(vec![
        ("b", serde_json::json!({})),
        ("a", serde_json::json!([1, 2])),
        ("c", serde_json::json!({"y": [], "x": [{"k": "<"}]})),
    ]);
    check(
        INDENT,
        &[
            (&1, "1"),
            (&"<", r#""\u003c""#),
            (&Vec::<u8>::new(), "[]"),
            (&BTreeMap::<u8, u8>::new(), "{}"),
            (
                &Pairs(vec![("b", serde_json::json!({})), ("a", serde_json::json!([1, 2]))]),
                "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}",
            ),
            (
                &nested,
                "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": {\n    \"x\": [\n      \
                 {\n        \"k\": \"\\u003c\"\n      }\n    ],\n    \"y\": []\n  }\n}",
            ),
            (
                &Shape::Rect { w: 1, h: 2 },
                "{\n  \"Rect\": {\n    \"w\": 1,\n    \"h\": 2\n  }\n}",
            ),
            (&Shape::Line(1, 2), "{\n  \"Line\": [\n    1,\n    2\n  ]\n}"),
            (
                &vec![raw(r#"{"a":[1,{}],"b":[]}"#)],
                "[\n  {\n    \"a\": [\n      1,\n      {}\n    ],\n    \"b\": []\n  }\n]",
            ),
            (
                &raw(r#"{"a":"{,:}\\", "b" : [ "x\"]" ] }"#),
                "{\n  \"a\": \"{,:}\\\\\",\n  \"b\": [\n    \"x\\\"]\"\n  ]\n}",
            ),
        ],
    );
}

proptest::proptest! {
    #[test]
    fn compact_output_parses_back_to_serde_json_value(
        value in proptest::collection::btree_map(
            ".*",
            proptest::collection::vec(
                (proptest::num::i64::ANY, proptest::bool::ANY, ".*"),
                0..4,
            ),
            0..6,
        )
    ) {
        let mut out = Vec::new();
        write_serialize(&mut out, &value, COMPACT).unwrap();
        let ours: serde_json::Value = serde_json::from_slice(&out).unwrap();
        proptest::prop_assert_eq!(ours, serde_json::to_value(&value).unwrap());
    }

    #[test]
    fn hash_maps_encode_like_the_same_sorted_map(
        value in proptest::collection::hash_map(
            ".*",
            proptest::collection::hash_map(proptest::num::u8::ANY, proptest::num::i32::ANY, 0..8),
            0..8,
        )
    ) {
        let sorted: BTreeMap<&String, BTreeMap<String, i32>> = value
            .iter()
            .map(|(k, inner)| (k, inner.iter().map(|(k, v)| (k.to_string(), *v)).collect()))
            .collect();
        for mode in [COMPACT, HTML, INDENT] {
            proptest::prop_assert_eq!(encode(&value, mode), encode(&sorted, mode));
        }
    }
}
