//! Loggers keep plain derivations themselves and hand them to the sink at the first
//! record (`Sink::derives_lazily`): whatever the chain, the bytes written are those of the
//! same chain derived through the sink at once, step by step.

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use klog::{JsonSink, KObj, KeyValue, Logger, SharedBuffer, Sink, TextSink, Value};
use proptest::prelude::*;

/// One value of a derivation: plain ones are kept by the logger, `Display` is not.
#[derive(Clone, Debug)]
enum Bound {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Object(String, String),
    Display(String),
}

#[derive(Clone, Debug)]
enum Step {
    Name(String),
    Values(Vec<(String, Bound)>),
    /// Write a record through the logger derived so far (hands over what is pending).
    Log,
    /// Continue with a clone.
    Clone,
    /// Continue with `v(0)` (a copy that keeps what is pending).
    V,
}

struct Shown(String);

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn text() -> impl Strategy<Value = String> {
    // Short and long (beyond the logger's room), with quotes and line breaks.
    prop_oneof!["[a-z]{0,12}", "[a-z\"\n ]{0,20}", "[a-z]{60,90}",]
}

fn bound() -> impl Strategy<Value = Bound> {
    prop_oneof![
        text().prop_map(Bound::Str),
        any::<i64>().prop_map(Bound::Int),
        (-1e6f64..1e6).prop_map(Bound::Float),
        any::<bool>().prop_map(Bound::Bool),
        ("[a-z]{0,10}", "[a-z-]{1,30}").prop_map(|(ns, n)| Bound::Object(ns, n)),
        "[a-z]{0,8}".prop_map(Bound::Display),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => text().prop_map(Step::Name),
        3 => prop::collection::vec(("[a-z]{1,6}", bound()), 0..4).prop_map(Step::Values),
        1 => Just(Step::Log),
        1 => Just(Step::Clone),
        1 => Just(Step::V),
    ]
}

/// Calls `f` with the values of `pairs` as klog values.
fn with_key_values<R>(pairs: &[(String, Bound)], f: impl FnOnce(&[KeyValue<'_>]) -> R) -> R {
    let shown: Vec<Shown> = pairs
        .iter()
        .map(|(_, b)| {
            Shown(match b {
                Bound::Display(s) => s.clone(),
                _ => String::new(),
            })
        })
        .collect();
    let objects: Vec<KObj<'_>> = pairs
        .iter()
        .map(|(_, b)| match b {
            Bound::Object(ns, n) => KObj::new(ns, n),
            _ => KObj::new("", ""),
        })
        .collect();
    let kvs: Vec<KeyValue<'_>> = pairs
        .iter()
        .zip(shown.iter().zip(&objects))
        .map(|((key, b), (shown, object))| match b {
            Bound::Str(s) => KeyValue::new(key, s),
            Bound::Int(i) => KeyValue::new(key, i),
            Bound::Float(x) => KeyValue::new(key, x),
            Bound::Bool(v) => KeyValue::new(key, v),
            Bound::Object(..) => KeyValue::from_value(key, Value::Object(*object)),
            Bound::Display(_) => KeyValue::from_value(key, Value::Display(shown)),
        })
        .collect();
    f(&kvs)
}

/// What `steps` write through a logger derived lazily and through sinks derived at once.
fn both(json: bool, steps: &[Step]) -> (String, String) {
    let lazy_out = SharedBuffer::default();
    let eager_out = SharedBuffer::default();
    let sink = |out: &SharedBuffer| -> Arc<dyn Sink> {
        if json {
            Arc::new(
                JsonSink::builder()
                    .writer(out.clone())
                    .fixed_time(UNIX_EPOCH)
                    .fixed_caller(Some("/src/controller.rs"), 42)
                    .build(),
            )
        } else {
            Arc::new(
                TextSink::builder()
                    .writer(out.clone())
                    .fixed_time(UNIX_EPOCH)
                    .time_zone(klog::TimeZone::Utc)
                    .pid(1)
                    .fixed_caller(Some("/src/controller.rs"), 42)
                    .build(),
            )
        }
    };
    let mut lazy = Logger::new(sink(&lazy_out));
    let mut eager = sink(&eager_out);
    assert!(eager.derives_lazily());
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::Name(name) => {
                lazy = lazy.with_name(name);
                eager = eager.with_name(name);
            }
            Step::Values(pairs) => {
                lazy = with_key_values(pairs, |kvs| lazy.with_values(kvs));
                eager = with_key_values(pairs, |kvs| eager.with_values(kvs));
            }
            Step::Log => {
                let step = KeyValue::new("step", &i);
                lazy.info("Step", &[step]);
                Logger::new(eager.clone()).info("Step", &[step]);
            }
            Step::Clone => lazy = lazy.clone(),
            Step::V => lazy = lazy.v(0),
        }
    }
    lazy.info("Done", &[]);
    Logger::new(eager).info("Done", &[]);
    (lazy_out.to_string(), eager_out.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn lazy_derivation_writes_what_deriving_at_once_writes(
        json in any::<bool>(),
        steps in prop::collection::vec(step(), 0..10),
    ) {
        let (lazy, eager) = both(json, &steps);
        prop_assert_eq!(lazy, eager);
    }
}

#[test]
fn a_full_room_and_a_display_value_are_handed_over_in_order() {
    let long = "n".repeat(70);
    let steps = [
        Step::Name("controller".into()),
        Step::Values(vec![("a".into(), Bound::Int(1))]),
        // Does not fit the room: the pending name and value go to the sink first.
        Step::Name(long),
        Step::Values(vec![("b".into(), Bound::Display("shown".into()))]),
        Step::Name("pods".into()),
        Step::Values(vec![("c".into(), Bound::Str("x".into()))]),
    ];
    for json in [false, true] {
        let (lazy, eager) = both(json, &steps);
        assert_eq!(lazy, eager);
        assert!(lazy.contains("a=1") || lazy.contains("\"a\":1"), "{lazy}");
        assert!(lazy.contains("shown"), "{lazy}");
    }
}
