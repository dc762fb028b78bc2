//! Property tests of event decoding: any bytes decode or give an
//! `UnmarshalError`, and the path an error names is one the document has.
//! `PROPTEST_CASES=100000` for a long run.

use std::collections::HashMap;

use proptest::prelude::*;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use serde_path_to_error::Segment;

use super::{decode, locate, UNMARSHAL_ERROR};

#[allow(dead_code)] // Only decoded: the fields shape the document.
#[derive(Debug, Deserialize)]
struct Order {
    id: u64,
    name: String,
    lines: Vec<Line>,
    meta: Option<Meta>,
    kind: Kind,
    extra: HashMap<String, i32>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct Line {
    sku: String,
    qty: u32,
    tags: Vec<String>,
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
struct Meta {
    note: String,
    flags: (bool, bool),
}

#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Retail,
    Wholesale { tier: u8 },
}

/// Any JSON value, small.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,3}|sku|qty|id", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Mostly the right value, sometimes anything.
fn maybe(good: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    prop_oneof![12 => good, 1 => any_json()]
}

/// An object with these fields, each sometimes left out.
fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> impl Strategy<Value = Value> {
    let (names, values): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
    let present = values
        .into_iter()
        .map(|value| prop::option::weighted(0.95, value))
        .collect::<Vec<_>>();
    present.prop_map(move |values| {
        let mut map = Map::new();
        for (name, value) in names.iter().zip(values) {
            if let Some(value) = value {
                map.insert((*name).to_owned(), value);
            }
        }
        Value::Object(map)
    })
}

fn line() -> impl Strategy<Value = Value> {
    object(vec![
        ("sku", maybe(".{0,6}".prop_map(Value::String)).boxed()),
        ("qty", maybe(any::<u32>().prop_map(Value::from)).boxed()),
        (
            "tags",
            maybe(
                prop::collection::vec(maybe(".{0,4}".prop_map(Value::String)), 0..3)
                    .prop_map(Value::Array),
            )
            .boxed(),
        ),
    ])
}

/// Documents shaped like an `Order`, with wrong values here and there.
fn order_like() -> impl Strategy<Value = Value> {
    let meta = object(vec![
        ("note", maybe(".{0,6}".prop_map(Value::String)).boxed()),
        (
            "flags",
            maybe((any::<bool>(), any::<bool>()).prop_map(|(a, b)| json!([a, b]))).boxed(),
        ),
    ]);
    let kind = prop_oneof![
        Just(json!("retail")),
        any::<u8>().prop_map(|tier| json!({"wholesale": {"tier": tier}})),
        any::<i64>().prop_map(|tier| json!({"wholesale": {"tier": tier}})),
    ];
    let extra = prop::collection::btree_map(
        "[a-z]{1,3}",
        maybe(any::<i32>().prop_map(Value::from)),
        0..3,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()));
    maybe(object(vec![
        ("id", maybe(any::<u64>().prop_map(Value::from)).boxed()),
        ("name", maybe(".{0,6}".prop_map(Value::String)).boxed()),
        (
            "lines",
            maybe(prop::collection::vec(maybe(line()), 0..3).prop_map(Value::Array)).boxed(),
        ),
        ("meta", maybe(prop_oneof![Just(Value::Null), meta]).boxed()),
        ("kind", maybe(kind).boxed()),
        ("extra", maybe(extra).boxed()),
    ]))
}

/// The value at `path` in `document`, if the document has one there.
fn resolve<'v>(document: &'v Value, path: &serde_path_to_error::Path) -> Option<&'v Value> {
    path.iter()
        .try_fold(document, |value, segment| match segment {
            Segment::Seq { index } => value.as_array()?.get(*index),
            Segment::Map { key } | Segment::Enum { variant: key } => value.as_object()?.get(key),
            _ => None,
        })
}

proptest! {
    #[test]
    fn errors_name_a_path_the_document_has(document in order_like()) {
        let bytes = serde_json::to_vec(&document).unwrap();
        match decode::<Order>(&bytes) {
            Ok(_) => {}
            Err(error) => {
                prop_assert_eq!(&error.error_type, UNMARSHAL_ERROR);
                let (path, problem) = locate::<Order>(&bytes);
                match path {
                    Some(path) => {
                        prop_assert!(
                            resolve(&document, &path).is_some(),
                            "`{}` is not in {}", path, document
                        );
                        prop_assert_eq!(error.error_message, format!("{path}: {problem}"));
                    }
                    None => prop_assert_eq!(error.error_message, problem),
                }
            }
        }
    }

    #[test]
    fn any_bytes_decode_or_give_an_unmarshal_error(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Err(error) = decode::<Order>(&bytes) {
            prop_assert_eq!(error.error_type, UNMARSHAL_ERROR);
        }
        if let Err(error) = decode::<Value>(&bytes) {
            prop_assert_eq!(error.error_type, UNMARSHAL_ERROR);
        }
    }
}
