use proptest::prelude::*;

#[cfg(feature = "serde")]
use super::json::is_json_value;
use super::text::{go_lossy, parse_header};
use super::*;

fn parse_all(input: &[u8], max: usize) -> Vec<ParsedLine> {
    Parser::new(input)
        .max_line_len(max)
        .map(|r| r.expect("no I/O error"))
        .collect()
}

fn rejoin(lines: &[ParsedLine]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        match l {
            ParsedLine::Raw(b) => out.extend_from_slice(b),
            ParsedLine::Record(r) => out.extend_from_slice(&r.raw),
        }
    }
    out
}

fn records(lines: &[ParsedLine]) -> Vec<&ParsedRecord> {
    lines
        .iter()
        .filter_map(|l| match l {
            ParsedLine::Record(r) => Some(r),
            ParsedLine::Raw(_) => None,
        })
        .collect()
}

fn corpus(name: &str) -> Vec<serde_json::Value> {
    let path = format!("{}/tests/conformance/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const H: &str = "I0102 03:04:05.123456   12345 controller.go:42] ";

#[test]
fn text_corpus() {
    let mut checked = 0;
    for case in corpus("text.jsonl") {
        let id = case["id"].as_str().unwrap();
        let Some(expect) = case["expect"].as_str() else {
            continue;
        };
        let lines = parse_all(expect.as_bytes(), DEFAULT_MAX_LINE_LEN);
        assert_eq!(rejoin(&lines), expect.as_bytes(), "{id}");
        let call = &case["call"];
        let msg_b64 = call["msg_b64"].as_str().map(|b| {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD.decode(b).unwrap();
            go_lossy(bytes)
        });
        let msg = msg_b64
            .as_deref()
            .unwrap_or_else(|| call["msg"].as_str().unwrap());
        let kind = call["kind"].as_str().unwrap();
        // Raw newlines (in keys, object references, unstructured messages) split the entry
        // into lines that are not continuation lines of a multi-line value: such entries
        // cannot be read back as one record.
        let key_newline = expect
            .split_inclusive('\n')
            .skip(1)
            .any(|l| !l.starts_with('\t') && !l.starts_with(" >"));
        for l in &lines {
            if let ParsedLine::Raw(b) = l {
                let starts_with_header = parse_header(&String::from_utf8_lossy(b)).is_some();
                assert!(
                    !starts_with_header || key_newline,
                    "{id}: header line is raw: {b:?}"
                );
            }
        }
        if key_newline || expect.is_empty() {
            continue;
        }
        let recs = records(&lines);
        assert!(!recs.is_empty(), "{id}");
        let rec = recs[0];
        assert_eq!(rec.format, SourceFormat::Text);
        assert_eq!(rec.month_day_time, Some((1, 2, 3, 4, 5, 123_456)), "{id}");
        assert_eq!((rec.pid, rec.line), (Some(12345), Some(42)), "{id}");
        assert_eq!(rec.file.as_deref(), Some("controller.go"), "{id}");
        if kind == "print" {
            assert!(rec.unstructured, "{id}");
            if !msg.trim_end_matches('\n').contains('\n') {
                // A message ending in `\r` is written as a CRLF line would be: read back as
                // one (a CRLF log's messages must not keep the `\r`), so the `\r` is lost.
                let msg = msg.strip_suffix('\n').unwrap_or(msg);
                assert_eq!(rec.message, msg.strip_suffix('\r').unwrap_or(msg), "{id}");
            }
        } else {
            assert!(!rec.unstructured, "{id}");
            assert_eq!(rec.message, msg, "{id}");
            assert_eq!(recs.len(), 1, "{id}");
            assert_eq!(rec.raw, expect.as_bytes(), "{id}");
            assert_eq!(
                rec.severity,
                if kind == "error" {
                    Severity::Error
                } else {
                    Severity::Info
                },
                "{id}"
            );
        }
        checked += 1;
    }
    assert!(checked > 300, "{checked}");
}

#[test]
fn text_samples() {
    let corpus = corpus("text.jsonl");
    let get = |id: &str| {
        let case = corpus.iter().find(|c| c["id"] == id).unwrap();
        let lines = parse_all(case["expect"].as_str().unwrap().as_bytes(), 1 << 20);
        let [ParsedLine::Record(r)] = &lines[..] else {
            panic!("{lines:?}")
        };
        r.clone()
    };
    let r = get("klog-table/log-with-multiple-names-and-values");
    assert_eq!(r.logger.as_deref(), Some("hello.world"));
    assert_eq!(
        r.key_values,
        vec![("akey".into(), ParsedValue::Str("avalue".into()))]
    );
    let r = get("klog-table/multiple-withvalues-2");
    let keys: Vec<&str> = r.key_values.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["firstKey", "secondKey"]);
    assert_eq!(r.key_values[0].1, ParsedValue::Raw("1".into()));
}

#[test]
fn text_values() {
    let line = format!(
        "E0102 03:04:05.123456   12345 controller.go:42] \"m\\t\\x01\\u00a0\\U0001f600\" err=\"boom\" logger=\"a.b\" \
         obj={{\"a\":\"x y\",\"b\":[1,2]}} list=[\"ns/a\",null] f=1.5 b=true n=null my key=\"v\" ml=<\n\
         \tline1\n\
         \tline \"2\"\n >\n{H}\"next\"\r\n"
    );
    let lines = parse_all(line.as_bytes(), 1 << 20);
    assert_eq!(rejoin(&lines), line.as_bytes());
    let recs = records(&lines);
    assert_eq!(recs.len(), 2);
    let r = recs[0];
    assert_eq!(r.severity, Severity::Error);
    assert_eq!(r.message, "m\t\u{1}\u{a0}😀");
    assert_eq!(r.error.as_deref(), Some("boom"));
    assert_eq!(r.logger.as_deref(), Some("a.b"));
    let raw = |s: &str| ParsedValue::Raw(s.into());
    assert_eq!(
        r.key_values,
        vec![
            ("obj".into(), raw("{\"a\":\"x y\",\"b\":[1,2]}")),
            ("list".into(), raw("[\"ns/a\",null]")),
            ("f".into(), raw("1.5")),
            ("b".into(), raw("true")),
            ("n".into(), raw("null")),
            ("my key".into(), ParsedValue::Str("v".into())),
            ("ml".into(), ParsedValue::Str("line1\nline \"2\"".into())),
        ]
    );
    assert_eq!(recs[1].message, "next");
    assert!(recs[1].raw.ends_with(b"\r\n"));
}

#[test]
fn block_followed_by_pairs_and_broken_blocks() {
    let ok = format!("{H}\"m\" a=<\n\tx\n > b=1\n");
    let lines = parse_all(ok.as_bytes(), 1 << 20);
    let recs = records(&lines);
    assert_eq!(recs.len(), 1);
    assert_eq!(
        recs[0].key_values[1],
        ("b".into(), ParsedValue::Raw("1".into()))
    );

    // The block is cut off by the next record: the broken part is raw, the next record parses.
    let broken = format!("{H}\"m\" a=<\n\tx\n{H}\"second\"\n\tstray\n");
    let lines = parse_all(broken.as_bytes(), 1 << 20);
    assert_eq!(rejoin(&lines), broken.as_bytes());
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0],
        ParsedLine::Raw(format!("{H}\"m\" a=<\n\tx\n").into_bytes())
    );
    assert!(matches!(&lines[1], ParsedLine::Record(r) if r.message == "second"));
    // ... or by the end of input.
    let eof = format!("{H}\"m\" a=<\n\tx");
    let lines = parse_all(eof.as_bytes(), 1 << 20);
    assert_eq!(lines, vec![ParsedLine::Raw(eof.into_bytes())]);
}

#[test]
fn unstructured_crlf_and_no_final_newline() {
    let input = format!("W0102 03:04:05.123456       1 ???:1] plain text\r\n{H}\"last\" k=1");
    let lines = parse_all(input.as_bytes(), 1 << 20);
    assert_eq!(rejoin(&lines), input.as_bytes());
    let recs = records(&lines);
    assert_eq!(recs.len(), 2);
    assert!(recs[0].unstructured);
    assert_eq!(recs[0].severity, Severity::Warning);
    // CRLF line ends are no part of the message; `???:1` is Go klog's unknown caller.
    assert_eq!(recs[0].message, "plain text");
    assert_eq!((recs[0].file.as_deref(), recs[0].line), (None, None));
    assert_eq!(
        recs[1].key_values,
        vec![("k".into(), ParsedValue::Raw("1".into()))]
    );
    // A blank pid column.
    let lines = parse_all(b"I0102 03:04:05.123456         x.go:0] hi\n", 100);
    assert_eq!(records(&lines)[0].pid, None);
}

#[test]
fn bad_lines_are_raw() {
    for bad in [
        format!("{H}\"unterminated\n"),
        format!("{H}\"m\" novalue\n"),
        format!("{H}\"m\\q\"\n"),
        format!("{H}\"m\\u12\"\n"),
        format!("{H}\"m\\ud800\"\n"),
        "I0102 03:04:05.123456   12345 controller.go] \"m\"\n".to_string(),
        "{\"ts\":1}\n".to_string(),
        "{\"msg\":\"x\",}\n".to_string(),
    ] {
        let lines = parse_all(bad.as_bytes(), 1 << 20);
        assert_eq!(
            lines,
            vec![ParsedLine::Raw(bad.clone().into_bytes())],
            "{bad:?}"
        );
    }
    let invalid = [H.as_bytes(), b"\xff\n"].concat();
    assert_eq!(
        parse_all(&invalid, 100),
        vec![ParsedLine::Raw(invalid.clone())]
    );
}

#[test]
fn over_long_lines_pass_through_in_pieces() {
    let long = "x".repeat(25);
    let input = format!("{long}\n{H}\"ok\"\n{long}");
    let lines = parse_all(input.as_bytes(), 10);
    assert_eq!(rejoin(&lines), input.as_bytes());
    assert!(lines.iter().all(|l| match l {
        ParsedLine::Raw(b) => b.len() <= 10,
        ParsedLine::Record(_) => true,
    }));
    // The header line itself is longer than 10 bytes: raw too.
    assert!(records(&lines).is_empty());
    let lines = parse_all(input.as_bytes(), 60);
    assert_eq!(records(&lines).len(), 1);
    assert_eq!(rejoin(&lines), input.as_bytes());
    // A multi-line record larger than the limit is raw.
    let ml = format!("{H}\"m\" a=<\n{}\n >\n", "\tyyyyyyyyyy\n".repeat(10));
    let lines = parse_all(ml.as_bytes(), 80);
    assert!(records(&lines).is_empty());
    assert_eq!(rejoin(&lines), ml.as_bytes());
}

#[cfg(feature = "serde")]
#[test]
fn json_corpus() {
    let mut n = 0;
    for case in corpus("json.jsonl") {
        let id = case["id"].as_str().unwrap();
        let expect = case["expect"].as_str().unwrap();
        let lines = parse_all(expect.as_bytes(), DEFAULT_MAX_LINE_LEN);
        assert_eq!(rejoin(&lines), expect.as_bytes(), "{id}");
        assert!(!lines.is_empty() || expect.is_empty(), "{id}");
        for l in &lines {
            let ParsedLine::Record(r) = l else {
                panic!("{id}: raw {l:?}")
            };
            assert_eq!(r.format, SourceFormat::Json, "{id}");
            assert_eq!(r.ts_millis, Some(1_704_164_645_123.456_8), "{id}");
            assert_eq!(r.ts_unix, Some((1_704_164_645, 123_456_800)), "{id}");
            n += 1;
        }
        if let Some(ParsedLine::Record(last)) = lines.last() {
            let call = &case["call"];
            let warning = last.message.starts_with("odd number of arguments")
                || last.message.starts_with("non-string key argument");
            if call["kind"] != "print" && call.get("msg_b64").is_none() && !warning {
                assert_eq!(last.message, call["msg"].as_str().unwrap(), "{id}");
            }
            if call["kind"] == "info" && !warning {
                assert_eq!(last.severity, Severity::Info, "{id}");
                assert!(last.verbosity.is_some(), "{id}");
            }
        }
    }
    assert!(n > 300, "{n}");
}

#[cfg(feature = "serde")]
#[test]
fn json_fields() {
    let line = "{\"ts\":1704164645123.4568,\"logger\":\"a.b\",\"caller\":\"controller/controller.go:42\",\
                \"msg\":\"boom \\u00e9\",\"k\":{\"z\":1,\"a\":[1e+21,\"x\"]},\"err\":\"wv\",\"n\":18446744073709551615,\
                \"err\":\"real\",\"errVerbose\":\"v\"}\r\n";
    let lines = parse_all(line.as_bytes(), 1 << 20);
    let [ParsedLine::Record(r)] = &lines[..] else {
        panic!("{lines:?}")
    };
    assert_eq!(r.severity, Severity::Error);
    assert_eq!(r.verbosity, None);
    assert_eq!(r.logger.as_deref(), Some("a.b"));
    assert_eq!(r.file.as_deref(), Some("controller/controller.go"));
    assert_eq!(r.line, Some(42));
    assert_eq!(r.message, "boom é");
    assert_eq!(r.error.as_deref(), Some("real"));
    assert_eq!(
        r.key_values,
        vec![
            (
                "k".into(),
                ParsedValue::Raw("{\"z\":1,\"a\":[1e+21,\"x\"]}".into())
            ),
            ("err".into(), ParsedValue::Str("wv".into())),
            ("n".into(), ParsedValue::Raw("18446744073709551615".into())),
            ("errVerbose".into(), ParsedValue::Str("v".into())),
        ]
    );
    assert_eq!(r.raw, line.as_bytes());
    let info = "{\"ts\":1,\"caller\":\"x.go:-3\",\"msg\":\"m\",\"v\":2,\"err\":\"e\"}";
    let lines = parse_all(info.as_bytes(), 1 << 20);
    let [ParsedLine::Record(r)] = &lines[..] else {
        panic!("{lines:?}")
    };
    assert_eq!(
        (r.severity, r.verbosity, r.line),
        (Severity::Info, Some(2), Some(-3))
    );
    assert_eq!(r.error, None);
    assert_eq!(
        r.key_values,
        vec![("err".into(), ParsedValue::Str("e".into()))]
    );
}

fn fragments() -> impl Strategy<Value = Vec<u8>> {
    let frag = prop_oneof![
        Just(H.as_bytes().to_vec()),
        Just(b"\"msg\"".to_vec()),
        Just(b" k=".to_vec()),
        Just(b"<\n".to_vec()),
        Just(b"\t".to_vec()),
        Just(b" >".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"{\"msg\":\"x\"".to_vec()),
        Just(b"}".to_vec()),
        Just(b"[\"a\"".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(frag, 0..30).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn passthrough_random_bytes(
        input in proptest::collection::vec(prop_oneof![3 => any::<u8>(), 1 => Just(b'\n')], 0..300),
        max in 1usize..100,
    ) {
        let lines = parse_all(&input, max);
        prop_assert_eq!(rejoin(&lines), input);
    }

    #[test]
    fn passthrough_log_like(input in fragments(), max in prop_oneof![Just(1usize << 20), 1usize..80]) {
        let lines = parse_all(&input, max);
        prop_assert_eq!(rejoin(&lines), input);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_validation_agrees_with_serde_json(
        text in prop_oneof![
            "[\\[\\]{}:,\" a-z0-9.eE+\\-\\\\u]{0,24}",
            any::<String>(),
            Just("{\"name\":\"a\",\"namespace\":\"b\"}".to_string()),
            Just("[{\"a\":[1,2.5e3,-0,true,null,\"\\u00e9\\n\"]}]".to_string()),
        ],
    ) {
        let serde = serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok();
        prop_assert_eq!(is_json_value(text.as_bytes()), serde, "{:?}", text);
    }

    #[test]
    fn recycled_buffers_do_not_change_what_is_read(
        input in fragments(),
        max in prop_oneof![Just(1usize << 20), 1usize..80],
    ) {
        let fresh = parse_all(&input, max);
        let mut parser = Parser::new(&input[..]).max_line_len(max);
        let mut recycled = Vec::new();
        while let Some(line) = parser.next() {
            let line = line.expect("no I/O error");
            recycled.push(line.clone());
            parser.recycle(line);
        }
        prop_assert_eq!(recycled, fresh);
    }
}

#[cfg(feature = "serde")]
proptest! {
    /// `ts` is read in one pass for its usual form: every form reads as `str::parse::<f64>`
    /// and the decimal digits say, or the line is no record when the number is not JSON.
    #[test]
    fn json_ts_reads_as_parse_and_decimal_digits(
        ts in prop_oneof![
            "[0-9]{1,21}(\\.[0-9]{1,22})?",
            "-?[0-9.eE+-]{1,24}",
            (0u64..4_000_000_000_000, 0u32..10_000).prop_map(|(w, f)| format!("{w}.{f:04}")),
        ],
        ws in prop_oneof![Just(""), Just(" ")],
    ) {
        let line = format!("{{\"ts\":{ts}{ws},\"msg\":\"m\",\"v\":0}}\n");
        let lines = parse_all(line.as_bytes(), 1 << 20);
        let json_number = serde_json::from_str::<serde::de::IgnoredAny>(&ts).is_ok()
            && ts.bytes().all(|b| b"-+.eE0123456789".contains(&b));
        match &lines[..] {
            [ParsedLine::Record(r)] => {
                prop_assert!(json_number, "{:?}", ts);
                prop_assert_eq!(r.ts_millis.map(f64::to_bits), Some(ts.parse::<f64>().unwrap().to_bits()));
                prop_assert_eq!(r.ts_unix, json::decimal_millis(&ts));
            }
            _ => prop_assert!(!json_number, "{:?}", ts),
        }
    }
}

#[cfg(feature = "serde")]
proptest! {
    /// Member names written plainly (read by the known-name shortcut) and the same names
    /// written with `\u` escapes (read by the general string reader) give the same record.
    #[test]
    fn known_member_names_read_as_escaped_ones(
        members in proptest::collection::vec(
            (
                prop_oneof![
                    Just("ts"), Just("t"), Just("tsx"), Just("caller"), Just("calle"),
                    Just("callerx"), Just("msg"), Just("ms"), Just("msgs"), Just("v"),
                    Just("vv"), Just("logger"), Just("log"), Just("loggers"), Just("level"),
                    Just("lev"), Just("l"), Just(""), Just("err"),
                ],
                prop_oneof![
                    Just("1715083457597.069"), Just("\"a.go:12\""), Just("\"x\""), Just("2"),
                    Just("{\"a\":1}"), Just("-1.5e3"), Just("\"info\""),
                ],
            ),
            0..8,
        ),
    ) {
        let line = |escape: bool| {
            let body: Vec<String> = members
                .iter()
                .map(|(k, v)| {
                    let k: String = if escape {
                        k.chars().map(|c| format!("\\u{:04x}", c as u32)).collect()
                    } else {
                        k.to_string()
                    };
                    format!("\"{k}\":{v}")
                })
                .collect();
            format!("{{{}}}\n", body.join(","))
        };
        let (plain, escaped) = (line(false), line(true));
        let mut a = parse_all(plain.as_bytes(), 1 << 20);
        let mut b = parse_all(escaped.as_bytes(), 1 << 20);
        prop_assert_eq!(a.len(), 1);
        match (&mut a[0], &mut b[0]) {
            (ParsedLine::Record(a), ParsedLine::Record(b)) => {
                a.raw.clear();
                b.raw.clear();
                prop_assert_eq!(a, b, "{}", plain);
            }
            (ParsedLine::Raw(_), ParsedLine::Raw(_)) => {}
            (a, b) => prop_assert!(false, "{:?} vs {:?}", a, b),
        }
    }
}

#[cfg(feature = "serde")]
fn json_string_pieces() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-z ]{0,12}",
        1 => "[\u{80}-\u{10ffff}]{1,3}",
        1 => prop_oneof![
            Just("\\\""), Just("\\\\"), Just("\\/"), Just("\\b"), Just("\\f"), Just("\\n"),
            Just("\\r"), Just("\\t"), Just("\\u00e9"), Just("\\u00E9"), Just("\\u0000"),
            Just("\\ud83d\\ude00"), Just("\\uD83D\\uDE00"), Just("\\ud800"), Just("\\udc00"),
            Just("\\ud800\\u0041"), Just("\\ud800x"), Just("\\ud800\\n"), Just("\\x"),
            Just("\\u12"), Just("\\u12g4"), Just("\u{1}"), Just("\u{7f}"), Just("\t"),
            Just("\\"), Just("\\U0041"),
        ]
        .prop_map(str::to_string),
    ];
    proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
}

#[cfg(feature = "serde")]
proptest! {
    /// The string reader decodes (and rejects) escaped strings as serde_json does.
    #[test]
    fn json_strings_decode_as_serde_json(body in json_string_pieces(), tail in prop_oneof![Just(""), Just("\""), Just(",\"k\":1}")]) {
        let text = format!("\"{body}\"{tail}");
        let ours = json::read_string(&text, 0);
        // serde_json on the string as far as an unescaped quote ends it.
        let mut end = 0;
        let skipped = json::skip_string_for_tests(text.as_bytes(), &mut end);
        let serde = serde_json::from_str::<String>(&text[..if skipped { end } else { text.len() }]).ok();
        match (&ours, &serde) {
            (Some((decoded, ours_end)), Some(expected)) => {
                prop_assert_eq!(decoded.as_ref(), expected.as_str());
                prop_assert_eq!(*ours_end, end);
            }
            (None, None) => {}
            _ => prop_assert!(false, "{:?}: ours {:?}, serde_json {:?}", text, ours, serde),
        }
    }
}

#[cfg(feature = "serde")]
proptest! {
    #[test]
    fn integers_read_as_str_parse(text in prop_oneof!["[+-]?[0-9]{0,21}", "[0-9]{0,4}[a-z:/+-]?[0-9]{0,4}", any::<String>()]) {
        prop_assert_eq!(json::parse_i64(&text), text.parse::<i64>().ok(), "{:?}", text);
    }

    /// `caller` splits at its last colon; the line is the number after it, if any.
    #[test]
    fn json_caller_splits_at_the_last_colon(caller in "[a-zé0-9.:/+-]{0,16}") {
        let line = format!("{{\"caller\":\"{caller}\",\"msg\":\"m\",\"v\":0}}\n");
        let lines = parse_all(line.as_bytes(), 1 << 20);
        let [ParsedLine::Record(r)] = &lines[..] else {
            panic!("{lines:?}")
        };
        let (file, number) = match caller.rsplit_once(':').map(|(f, l)| (f, l.parse::<i64>())) {
            Some((f, Ok(l))) => (f, Some(l)),
            _ => (caller.as_str(), None),
        };
        prop_assert_eq!(r.file.as_deref(), Some(file));
        prop_assert_eq!(r.line, number);
    }
}

proptest! {
    /// The header's caller splits at the last colon before `] `; its line is any count of
    /// digits that fits an `i64` (else the `]` is not the header's end).
    #[test]
    fn header_caller_and_line(file in "[a-z:./]{0,12}", line in "[0-9]{0,22}", tail in "[a-z:]{0,4}") {
        let text = format!("I0102 03:04:05.123456   12345 {file}:{line}] \"m\"{tail}\n");
        let expected = (!line.is_empty()).then(|| line.parse::<i64>().ok()).flatten();
        match parse_header(&text) {
            Some(h) => {
                prop_assert_eq!(Some(h.line), expected);
                prop_assert_eq!(&text[h.file], file.as_str());
            }
            None => prop_assert_eq!(expected, None),
        }
    }
}

/// `unquote_go` as it was before its escaped path jumped between special bytes: the closing
/// quote found byte by byte, the escapes decoded byte by byte.
fn unquote_go_bytewise(s: &str) -> Option<(String, usize)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'"') {
        return None;
    }
    let mut end = 1;
    loop {
        match *b.get(end)? {
            b'"' => break,
            b'\n' => return None,
            b'\\' => end += 2,
            _ => end += 1,
        }
    }
    let body = &b[1..end];
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            out.push(body[i]);
            i += 1;
            continue;
        }
        // One escape, decoded by the library on its own.
        let len = match *body.get(i + 1)? {
            b'x' => 4,
            b'u' => 6,
            b'U' => 10,
            _ => 2,
        };
        out.extend(crate::go::escape::unquote_body(body.get(i..i + len)?)?);
        i += len;
    }
    Some((go_lossy(out), end + 1))
}

/// Go-quoted strings with escapes, quotes, line breaks and bad UTF-8 at any position, cut
/// anywhere.
fn go_quoted_ish() -> impl Strategy<Value = String> {
    let frag = prop_oneof![
        4 => "[a-z ]{0,12}",
        1 => Just("\\\"".to_string()),
        1 => Just("\\\\".to_string()),
        1 => Just("\\n".to_string()),
        1 => Just("\\t".to_string()),
        1 => Just("\\xff".to_string()),
        1 => Just("\\xc3\\xa9".to_string()),
        1 => Just("\\u00e9".to_string()),
        1 => Just("\\U0001f600".to_string()),
        1 => Just("\\ud800".to_string()),
        1 => Just("\\q".to_string()),
        1 => Just("\\x4".to_string()),
        1 => Just("\\".to_string()),
        1 => Just("\"".to_string()),
        1 => Just("\n".to_string()),
        1 => Just("\u{1}".to_string()),
        1 => Just("é€".to_string()),
    ];
    proptest::collection::vec(frag, 0..12).prop_map(|v| format!("\"{}", v.concat()))
}

proptest! {
    #[test]
    fn unquote_go_matches_the_bytewise_reading(s in go_quoted_ish(), cut in 0usize..200) {
        let mut cut = cut.min(s.len());
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        for s in [&s[..], &s[..cut]] {
            let mut spare = super::spare::Spare::default();
            prop_assert_eq!(super::text::unquote_go(s, &mut spare), unquote_go_bytewise(s));
        }
    }
}

#[test]
fn unquote_go_finds_escapes_at_every_position() {
    for len in 0..20 {
        for at in 0..=len {
            for esc in [
                "\\\"", "\\\\", "\\n", "\\xff", "\\u00e9", "\n", "\u{1}", "\\",
            ] {
                let s = format!("\"{}{esc}{}\" tail", "a".repeat(at), "b".repeat(len - at));
                let mut spare = super::spare::Spare::default();
                assert_eq!(
                    super::text::unquote_go(&s, &mut spare),
                    unquote_go_bytewise(&s),
                    "{s:?}"
                );
            }
        }
    }
}

#[test]
#[cfg(feature = "serde")] // The JSON line in the middle is raw without serde.
fn header_read_by_the_continuation_search_is_the_next_records() {
    // The header of the line after an unstructured message is parsed once, while looking
    // for the message's end, and used for that line's record; a line of the same length
    // that follows must not take it.
    let input = b"I0102 03:04:05.123456       1 a.go:1] unstructured\n\tat x\nW0203 04:05:06.654321      22 bb.go:33] \"m\" k=1\n{\"msg\":\"j\"}\nE0304 05:06:07.000001     333 c.go:4] e\n";
    let lines = parse_all(input, 1 << 20);
    let recs: Vec<_> = lines
        .iter()
        .map(|l| match l {
            ParsedLine::Record(r) => r,
            ParsedLine::Raw(_) => panic!("raw line"),
        })
        .collect();
    assert_eq!(recs.len(), 4);
    assert_eq!(recs[0].message, "unstructured\n\tat x");
    assert_eq!(recs[1].severity, crate::record::Severity::Warning);
    assert_eq!(recs[1].month_day_time, Some((2, 3, 4, 5, 6, 654321)));
    assert_eq!(
        (recs[1].pid, recs[1].file.as_deref(), recs[1].line),
        (Some(22), Some("bb.go"), Some(33))
    );
    assert_eq!(recs[1].message, "m");
    assert_eq!(recs[3].severity, crate::record::Severity::Error);
    assert_eq!(
        (recs[3].file.as_deref(), recs[3].line),
        (Some("c.go"), Some(4))
    );
    assert_eq!(rejoin(&lines), input.to_vec());
}

/// `next` after `None` reads on: an input that reports a pause as an end ends an
/// unstructured message there, and the lines after the pause are parsed as they come.
#[test]
fn parsing_goes_on_after_an_end() {
    /// Hands out its pieces one `fill_buf` at a time, an empty one standing for a pause.
    struct Pauses(std::collections::VecDeque<&'static [u8]>, usize);
    impl std::io::Read for Pauses {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            unreachable!("the parser reads through fill_buf")
        }
    }
    impl std::io::BufRead for Pauses {
        fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
            while self
                .0
                .front()
                .is_some_and(|piece| self.1 == piece.len() && !piece.is_empty())
            {
                self.0.pop_front();
                self.1 = 0;
            }
            match self.0.front() {
                Some([]) => {
                    self.0.pop_front();
                    Ok(&[])
                }
                Some(piece) => Ok(&piece[self.1..]),
                None => Ok(&[]),
            }
        }
        fn consume(&mut self, n: usize) {
            self.1 += n;
        }
    }
    let input = Pauses(
        [
            &b"I0102 03:04:05.123456       1 a.go:1] unstructured\n"[..],
            b"",
            b"\tafter the pause\n",
            b"",
            b"I0102 03:04:06.000000       1 a.go:2] \"next\"\n",
        ]
        .into_iter()
        .collect(),
        0,
    );
    let mut parser = Parser::new(input);
    let Some(Ok(ParsedLine::Record(first))) = parser.next() else {
        panic!("no record before the pause")
    };
    // The pause ended the message (its continuation search met it).
    assert_eq!(first.message, "unstructured");
    assert_eq!(
        parser.next().map(Result::unwrap),
        Some(ParsedLine::Raw(b"\tafter the pause\n".to_vec()))
    );
    assert!(
        parser.next().is_none(),
        "a pause between records reads as an end"
    );
    let Some(Ok(ParsedLine::Record(next))) = parser.next() else {
        panic!("no record after the pause")
    };
    assert_eq!(next.message, "next");
    assert!(parser.next().is_none());
}

/// What `header_month_runs` lists, line by line: every line's `header_month`, a run of one
/// month once.
fn month_runs_line_by_line(text: &[u8], mut months: Vec<u8>) -> Vec<u8> {
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        // `split` gives an empty last piece after a final line break: no line starts there.
        if i > 0 && line.is_empty() {
            continue;
        }
        if let Some(month) = header_month(line).and_then(|m| u8::try_from(m).ok()) {
            if months.last() != Some(&month) {
                months.push(month);
            }
        }
    }
    months
}

proptest! {
    #[test]
    fn header_month_runs_lists_every_lines_month_in_turn(
        lines in prop::collection::vec(
            (0usize..5, 1u32..=13, 0usize..90),
            0..60,
        ),
        before in prop::option::of(1u8..=12),
    ) {
        // Headers of months 1 to 12 (13: a line that only looks like one), other lines,
        // and padding that moves line starts across the 16- and 64-byte blocks.
        let mut text = Vec::new();
        for (kind, month, pad) in lines {
            match kind {
                0..=2 => text.extend_from_slice(
                    format!("I{month:02}01 00:00:00.000000 1 a.go:1] m{}\n", "x".repeat(pad))
                        .as_bytes(),
                ),
                3 => text.extend_from_slice(format!("{}\n", "y".repeat(pad)).as_bytes()),
                _ => text.extend_from_slice(format!("W{month:02}\n").as_bytes()),
            }
        }
        let start: Vec<u8> = before.into_iter().collect();
        let mut months = start.clone();
        header_month_runs(&text, &mut months);
        prop_assert_eq!(months, month_runs_line_by_line(&text, start));
    }
}

#[test]
fn header_month_runs_finds_headers_at_every_block_position() {
    for pad in 0..130 {
        let mut text = vec![b'z'; pad];
        text.extend_from_slice(
            b"\nE0301 00:00:00.000000 1 a.go:1] m\nI0401 00:00:00.000000 1 a.go:1] m",
        );
        let mut months = vec![2];
        header_month_runs(&text, &mut months);
        assert_eq!(months, [2, 3, 4], "after {pad} bytes");
    }
}

/// A log's line for the indexed-reading property: records of any month, unstructured ones
/// with continuation lines, JSON, header-like lines, empty lines, carriage returns, bytes
/// that are not UTF-8, long lines.
fn indexed_line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (1u32..=12, "[a-z =\"]{0,30}").prop_map(|(m, body)| {
            format!("I{m:02}01 10:00:00.000000    4242 a.go:1] \"m\" k=\"{body}\"").into_bytes()
        }),
        (1u32..=12, "[a-z ]{0,20}", 0usize..3).prop_map(|(m, text, more)| {
            let mut line = format!("E{m:02}01 10:00:00.000000    4242 b.go:2] {text}");
            for i in 0..more {
                line.push_str(&format!("\n  at {i}\r"));
            }
            line.into_bytes()
        }),
        Just(b"{\"ts\":1700000000000.5,\"caller\":\"c.go:1\",\"msg\":\"j\",\"v\":0}".to_vec()),
        Just(b"W0615 10:00:00.000000 no record".to_vec()),
        Just(Vec::new()),
        prop::collection::vec(any::<u8>().prop_filter("one line", |&b| b != b'\n'), 0..150),
    ]
}

proptest! {
    #[test]
    fn indexed_lines_read_as_searched_ones(
        lines in prop::collection::vec(indexed_line(), 0..60),
        final_line_feed in any::<bool>(),
        read_first in 0usize..5,
        max_line_len in prop_oneof![Just(40usize), Just(DEFAULT_MAX_LINE_LEN)],
        within_long_line in any::<bool>(),
    ) {
        let mut input = lines.join(&b'\n');
        if final_line_feed {
            input.push(b'\n');
        }
        let parse = |index: bool| {
            let mut parser = Parser::new(std::io::Cursor::new(&input[..])).max_line_len(max_line_len);
            parser.replace_input(std::io::Cursor::new(&input[..]), within_long_line);
            let mut out: Vec<ParsedLine> = Vec::new();
            // Some lines read before the index is made, which covers the rest.
            for _ in 0..read_first {
                match parser.next() {
                    Some(line) => out.push(line.unwrap()),
                    None => break,
                }
            }
            let mut months = Vec::new();
            if index {
                parser.header_month_runs(&mut months);
            }
            out.extend(parser.map(Result::unwrap));
            (out, months)
        };
        let (searched, _) = parse(false);
        let (indexed, months) = parse(true);
        prop_assert_eq!(indexed, searched);
        // The months are those of the input not yet read when the index was made.
        let mut expected = Vec::new();
        let mut reader = Parser::new(std::io::Cursor::new(&input[..])).max_line_len(max_line_len);
        reader.replace_input(std::io::Cursor::new(&input[..]), within_long_line);
        for _ in 0..read_first {
            if reader.next().is_none() {
                break;
            }
        }
        let rest = usize::try_from(reader.get_ref().position()).unwrap();
        header_month_runs(&input[rest..], &mut expected);
        prop_assert_eq!(months, expected);
    }
}

#[test]
fn indexed_reading_keeps_records_and_multi_line_messages() {
    let log = b"I1230 00:00:00.000000    4242 a.go:1] \"a\" k=1\n\
                E1230 00:00:01.000000    4242 b.go:2] failed\n  at frame 1\r\n  at frame 2\n\
                xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\
                xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\
                W0101 00:00:02.000000    4242 c.go:3] \"c\"\n";
    let mut indexed = Parser::new(std::io::Cursor::new(&log[..])).max_line_len(100);
    let mut months = Vec::new();
    indexed.header_month_runs(&mut months);
    assert_eq!(months, [12, 1]);
    let indexed: Vec<ParsedLine> = indexed.map(Result::unwrap).collect();
    let searched: Vec<ParsedLine> = Parser::new(&log[..])
        .max_line_len(100)
        .map(Result::unwrap)
        .collect();
    assert_eq!(indexed, searched);
    let messages: Vec<&str> = indexed
        .iter()
        .filter_map(|line| match line {
            ParsedLine::Record(r) => Some(r.message.as_str()),
            ParsedLine::Raw(_) => None,
        })
        .collect();
    assert_eq!(messages, ["a", "failed\n  at frame 1\n  at frame 2", "c"]);
    // The line over the limit (100 bytes) comes back in two raw pieces.
    assert_eq!(indexed.len(), 5);
}
