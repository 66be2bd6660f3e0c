//! Rust types rendered the klog way.

use std::ffi::OsStr;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use klog::{info, KMetadata, KObj, KObjSlice, Value};

use super::common::{pinned_logger, HEADER};

fn line_of(f: impl FnOnce(&klog::Logger)) -> String {
    let (logger, out) = pinned_logger(0);
    f(&logger);
    let text = out.to_string();
    text.strip_prefix(HEADER).unwrap_or(&text).to_owned()
}

#[test]
fn integers_of_every_width() {
    let line = line_of(|l| {
        info!(
            l,
            "m",
            a = -5i8,
            b = 200u8,
            c = i64::MIN,
            d = u64::MAX,
            e = i128::MIN,
            f = u128::MAX,
            g = -1isize
        )
    });
    assert_eq!(
        line,
        "\"m\" a=-5 b=200 c=-9223372036854775808 d=18446744073709551615 \
         e=-170141183460469231731687303715884105728 f=340282366920938463463374607431768211455 g=-1\n"
    );
}

#[test]
fn floats_use_go_json_spelling() {
    let line = line_of(|l| {
        info!(
            l,
            "m",
            a = 12.5,
            b = 1e21,
            c = 1e-7,
            d = 0.1f32,
            e = -0.0,
            f = f64::NAN,
            g = 3.0
        )
    });
    assert_eq!(
        line,
        "\"m\" a=12.5 b=1e+21 c=1e-7 d=0.1 e=-0 f=\"<internal error: json: unsupported value: NaN>\" g=3\n"
    );
}

#[test]
fn options_bools_and_unit() {
    let none: Option<i32> = None;
    let line = line_of(|l| info!(l, "m", a = none, b = Some(1), c = true, d = ()));
    assert_eq!(line, "\"m\" a=null b=1 c=true d=null\n");
}

#[test]
fn byte_slices_are_quoted_ascii() {
    let bytes: &[u8] = b"a\x00\xff\"\xe6\x97\xa5";
    let line = line_of(|l| info!(l, "m", b = bytes, v = vec![104u8, 105]));
    assert_eq!(line, "\"m\" b=\"a\\x00\\xff\\\"\\u65e5\" v=\"hi\"\n");
}

#[cfg(unix)]
#[test]
fn os_strings_and_paths_log_like_go_strings() {
    use std::os::unix::ffi::OsStrExt;
    let os = OsStr::from_bytes(b"caf\xe9 \xe2\x82");
    let path = Path::new("/var/log/pods");
    let line = line_of(|l| info!(l, "m", os = os, path = path));
    assert_eq!(
        line,
        "\"m\" os=\"caf\\xe9 \\xe2\\x82\" path=\"/var/log/pods\"\n"
    );
}

#[test]
fn durations_and_times_use_go_text() {
    let time = UNIX_EPOCH + Duration::new(1_683_356_889, 500_000_000);
    let line = line_of(|l| {
        info!(
            l,
            "m",
            a = Duration::from_secs(60),
            b = Duration::from_nanos(1_500),
            c = Value::duration_nanos(-3_600_500_000_000),
            t = time
        )
    });
    assert_eq!(
        line,
        "\"m\" a=\"1m0s\" b=\"1.5µs\" c=\"-1h0m0.5s\" t=\"2023-05-06 07:08:09.5 +0000 UTC\"\n"
    );
}

struct Pod {
    namespace: String,
    name: String,
}

impl KMetadata for Pod {
    fn name(&self) -> &str {
        &self.name
    }
    fn namespace(&self) -> &str {
        &self.namespace
    }
}

#[test]
fn object_references_and_slices() {
    let pods = [
        Pod {
            namespace: "default".into(),
            name: "a".into(),
        },
        Pod {
            namespace: String::new(),
            name: "node-1".into(),
        },
    ];
    let optional = [Some(KObj::new("ns", "x")), None];
    let line = line_of(|l| {
        info!(
            l,
            "m",
            pod = KObj::from_meta(&pods[0]),
            node = klog::KRef::new("", "node-1"),
            pods = KObjSlice::new(&pods),
            some = KObjSlice::new(&optional)
        )
    });
    assert_eq!(
        line,
        "\"m\" pod=\"default/a\" node=\"node-1\" pods=[\"default/a\",\"node-1\"] some=[\"ns/x\",null]\n"
    );
}

#[test]
fn errors_as_values() {
    let err = std::io::Error::other("disk full");
    let line = line_of(|l| info!(l, "m", cause = Value::error(&err)));
    assert_eq!(line, "\"m\" cause=\"disk full\"\n");
}

#[test]
fn serde_values_use_go_encoding_json() {
    use std::collections::HashMap;
    #[derive(serde::Serialize)]
    struct Spec<'a> {
        replicas: u32,
        image: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<&'a str>,
    }
    let labels: HashMap<&str, &str> = [("tier", "web"), ("app", "<nginx>")].into();
    let spec = Spec {
        replicas: 3,
        image: "nginx&co",
        note: None,
    };
    let line = line_of(|l| {
        info!(
            l,
            "m",
            labels = klog::Serde(&labels),
            spec = klog::Serde(&spec)
        )
    });
    assert_eq!(
        line,
        "\"m\" labels={\"app\":\"\\u003cnginx\\u003e\",\"tier\":\"web\"} \
         spec={\"replicas\":3,\"image\":\"nginx\\u0026co\"}\n"
    );
}

#[test]
fn format_writes_indented_json_block() {
    let spec = std::collections::BTreeMap::from([("a", vec![1, 2])]);
    let line = line_of(|l| info!(l, "m", spec = klog::Format(&spec)));
    assert_eq!(
        line,
        "\"m\" spec=<\n\t{\n\t  \"a\": [\n\t    1,\n\t    2\n\t  ]\n\t}\n >\n"
    );
}

#[test]
fn marshalers_choose_their_representation() {
    struct Secret;
    impl klog::Marshaler for Secret {
        fn marshal_log(&self, emit: &mut dyn FnMut(Value<'_>)) {
            emit(Value::Str("<redacted>"))
        }
    }
    struct Point(i64, i64);
    impl klog::Marshaler for Point {
        fn marshal_log(&self, emit: &mut dyn FnMut(Value<'_>)) {
            emit(Value::serde(&[self.0, self.1]))
        }
    }
    let (s, p) = (Secret, Point(1, -2));
    let line = line_of(|l| info!(l, "m", s = Value::Marshaler(&s), p = Value::Marshaler(&p)));
    assert_eq!(line, "\"m\" s=\"<redacted>\" p=[1,-2]\n");
}

#[test]
fn slices_arrays_and_vecs_are_go_slices() {
    use std::collections::VecDeque;
    let names = vec!["web".to_owned(), "db<1>".to_owned()];
    let ports: &[u16] = &[80, 443];
    let empty: Vec<i32> = Vec::new();
    let nested = [vec![1.5, -0.0], vec![]];
    let options = [Some(1), None];
    let pods = vec![KObj::new("ns", "a"), KObj::new("", "b")];
    let queue = VecDeque::from([true, false]);
    let boxed: Box<[&str]> = Box::new(["x"]);
    let line = line_of(|l| {
        info!(
            l,
            "m",
            names,
            ports,
            empty,
            nested,
            options,
            pods,
            queue,
            boxed,
            arr = [1i64, -2]
        )
    });
    // Go's []interface{} in klog text: `=` + encoding/json with HTML escaping.
    assert_eq!(
        line,
        "\"m\" names=[\"web\",\"db\\u003c1\\u003e\"] ports=[80,443] empty=[] nested=[[1.5,-0],[]] \
         options=[1,null] pods=[{\"name\":\"a\",\"namespace\":\"ns\"},{\"name\":\"b\"}] \
         queue=[true,false] boxed=[\"x\"] arr=[1,-2]\n"
    );
}

#[test]
fn byte_lists_stay_go_byte_slices() {
    let v: Vec<u8> = vec![104, 105];
    let boxed: Box<[u8]> = Box::new([0xff]);
    let nested = vec![vec![104u8]];
    let line = line_of(|l| info!(l, "m", v, boxed, arr = [104u8], nested));
    // A nested []byte is base64 (encoding/json), a top-level one %+q.
    assert_eq!(
        line,
        "\"m\" v=\"hi\" boxed=\"\\xff\" arr=\"h\" nested=[\"aA==\"]\n"
    );
}

#[test]
fn maps_sort_keys_like_go() {
    use std::collections::{BTreeMap, HashMap};
    let labels = HashMap::from([("tier", "web"), ("app", "nginx"), ("B", "x"), ("é", "y")]);
    let by_int = BTreeMap::from([(10, "x"), (9, "y"), (-1, "z")]);
    let nested = HashMap::from([("b".to_owned(), vec![1]), ("a".to_owned(), vec![])]);
    let empty: HashMap<String, i32> = HashMap::new();
    let absent: Option<HashMap<String, i32>> = None;
    let line = line_of(|l| info!(l, "m", labels, by_int, nested, empty, absent));
    assert_eq!(
        line,
        "\"m\" labels={\"B\":\"x\",\"app\":\"nginx\",\"tier\":\"web\",\"é\":\"y\"} \
         by_int={\"-1\":\"z\",\"10\":\"x\",\"9\":\"y\"} nested={\"a\":[],\"b\":[1]} empty={} absent=null\n"
    );
}

#[test]
fn collection_errors_and_panics_replace_the_value() {
    struct Boom;
    impl klog::ToValue for Boom {
        fn to_value(&self) -> Value<'_> {
            panic!("boom")
        }
    }
    let nan = vec![1.0, f64::NAN];
    let items = [Boom];
    let err = std::io::Error::other("e");
    let errors = [Value::error(&err)];
    let line = line_of(|l| info!(l, "m", nan, items, errors, after = 1));
    // Nested errors are JSON-encoded like Go's (no exported fields): `{}`.
    assert_eq!(
        line,
        "\"m\" nan=\"<internal error: json: unsupported value: NaN>\" items=\"<panic: boom>\" \
         errors=[{}] after=1\n"
    );
}

#[test]
fn big_maps_are_sorted_too() {
    let map: std::collections::HashMap<String, usize> =
        (0..40).map(|i| (format!("k{i:02}"), i)).collect();
    let line = line_of(|l| info!(l, "m", map));
    let expected: Vec<String> = (0..40).map(|i| format!("\"k{i:02}\":{i}")).collect();
    assert_eq!(line, format!("\"m\" map={{{}}}\n", expected.join(",")));
}
