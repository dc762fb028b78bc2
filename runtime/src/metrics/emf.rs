//! Embedded Metric Format documents from one invocation's metrics.
//!
//! [`documents`] turns what the recorder collected during one invocation
//! into the JSON lines CloudWatch Logs extracts metrics from
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>):
//!
//! ```json
//! {"_aws": {"Timestamp": 1700000000000,
//!           "CloudWatchMetrics": [{"Namespace": "shop",
//!                                  "Dimensions": [["service", "route"]],
//!                                  "Metrics": [{"Name": "latency", "Unit": "Milliseconds"}]}]},
//!  "service": "checkout", "route": "/cart",
//!  "latency": {"Values": [1.5, 3.0], "Counts": [2, 1]}}
//! ```
//!
//! - Metrics whose labels form the same set share documents: dimension
//!   values are top-level members, so each set of values needs its own.
//!   The dimensions of a document are the default dimensions in the
//!   frame's order, then the labels' names sorted; a label named like a
//!   default dimension gives it its value instead.
//! - CloudWatch's limits are met by splitting, never by dropping: at most
//!   100 metrics per document, 30 dimensions per dimension set (more
//!   become several sets over the same members), 100 values per metric
//!   per document (a histogram's distinct values beyond that continue in
//!   further documents with the same dimensions). Two metrics with the
//!   same name and dimensions (a counter and a gauge of one name, say)
//!   go to different documents too: a document has one member per name.
//! - What CloudWatch would reject (a name, a dimension, a value JSON cannot
//!   carry) is dropped and reported once per occurrence through the
//!   `rejected` callback; the rest is still written.
//! - Units: see [`cloudwatch_unit`]. Binary byte units become their decimal
//!   names and nanoseconds are converted to microseconds.
//!
//! The output is deterministic: documents in the order of their dimension
//! values, metrics within one by name (then in the order given).

// The recorder in `metrics/mod.rs` is the only caller; until it calls
// `documents`, only the tests use this module.

use std::collections::{BTreeMap, BTreeSet};

use ::metrics::Unit;
use serde_json::{Map, Number, Value as Json};

/// One metric as recorded during the invocation.
#[derive(Debug)]
pub(crate) struct Metric {
    pub name: String,
    /// Its unit from `describe_counter!`/`describe_gauge!`/`describe_histogram!`, if any.
    pub unit: Option<Unit>,
    /// The facade's labels, in the order given; they become dimensions.
    pub labels: Vec<(String, String)>,
    pub value: Value,
}

/// A metric's value, as the recorder aggregated it.
#[derive(Debug)]
pub(crate) enum Value {
    /// Counters sum.
    Counter(u64),
    /// Gauges keep the last value.
    Gauge(f64),
    /// Histograms keep every value.
    Histogram(Vec<f64>),
}

/// What every document of a flush shares.
pub(crate) struct Frame<'a> {
    pub namespace: &'a str,
    /// Default dimensions (service first, then the function name if asked, then the user's), in order.
    pub dimensions: &'a [(String, String)],
    pub timestamp_ms: u64,
}

/// Something CloudWatch would reject, dropped: the caller warns once per name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Rejected {
    MetricName(String),
    DimensionName(String),
    /// A dimension value CloudWatch refuses (empty, whitespace only, too long, ...), named by its dimension.
    DimensionValue(String),
    /// A value that is not finite (NaN, ±inf): JSON cannot carry it.
    NotFinite(String),
}

/// Metrics per document (CloudWatch's limit).
const MAX_METRICS: usize = 100;
/// Dimensions per dimension set (CloudWatch's limit).
const MAX_DIMENSIONS: usize = 30;
/// Values of one metric per document (CloudWatch's limit).
const MAX_VALUES: usize = 100;
/// Characters of a metric or dimension name.
const MAX_NAME_CHARS: usize = 255;
/// Characters of a dimension value.
const MAX_DIMENSION_VALUE_CHARS: usize = 1024;
/// The member holding the metadata; no metric or dimension may take it.
const AWS: &str = "_aws";

/// The EMF documents (one JSON object each, no newline) for `metrics`, in a deterministic order.
///
/// Each invalid default dimension is reported once per call; each invalid
/// metric name, label, or metric with non-finite values once per metric.
pub(crate) fn documents(
    frame: &Frame<'_>,
    metrics: Vec<Metric>,
    rejected: &mut dyn FnMut(Rejected),
) -> Vec<String> {
    let defaults = default_dimensions(frame.dimensions, rejected);
    // Effective dimensions (name, value) in document order -> its metrics.
    let mut groups: BTreeMap<Vec<(String, String)>, Vec<Entry>> = BTreeMap::new();
    for metric in metrics {
        let Metric {
            name,
            unit,
            labels,
            value,
        } = metric;
        if !valid_metric_name(&name) {
            rejected(Rejected::MetricName(name));
            continue;
        }
        let dimensions = dimensions(&defaults, labels, rejected);
        if dimensions.iter().any(|(dimension, _)| *dimension == name) {
            rejected(Rejected::MetricName(name));
            continue;
        }
        let Some((unit, pieces)) = pieces(&name, unit, value, rejected) else {
            continue;
        };
        groups
            .entry(dimensions)
            .or_default()
            .push(Entry { name, unit, pieces });
    }
    let mut out = Vec::new();
    for (dimensions, mut entries) in groups {
        // Stable: two metrics of one name keep the order they were given in.
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        for document in pack(entries) {
            out.push(render(frame, &dimensions, document));
        }
    }
    out
}

/// One accepted metric: its value split in pieces of at most
/// [`MAX_VALUES`] values, one per document.
struct Entry {
    name: String,
    unit: Option<&'static str>,
    pieces: Vec<Json>,
}

/// The metrics of one document: (name, unit, value), names distinct.
type Document = Vec<(String, Option<&'static str>, Json)>;

/// Spreads the entries' pieces over as few documents as first fit gives:
/// each piece goes to the first document that has room and no member of
/// its name yet. Entries sorted by name keep each document sorted by name.
fn pack(entries: Vec<Entry>) -> Vec<Document> {
    let mut documents: Vec<(BTreeSet<String>, Document)> = Vec::new();
    // Every document before this one is full.
    let mut first_open = 0;
    for entry in entries {
        for piece in entry.pieces {
            while documents
                .get(first_open)
                .is_some_and(|(_, metrics)| metrics.len() >= MAX_METRICS)
            {
                first_open += 1;
            }
            let slot = documents[first_open..]
                .iter()
                .position(|(names, metrics)| {
                    metrics.len() < MAX_METRICS && !names.contains(&entry.name)
                })
                .map(|index| first_open + index);
            let index = match slot {
                Some(index) => index,
                None => {
                    documents.push((BTreeSet::new(), Vec::new()));
                    documents.len() - 1
                }
            };
            let (names, metrics) = &mut documents[index];
            names.insert(entry.name.clone());
            metrics.push((entry.name.clone(), entry.unit, piece));
        }
    }
    documents.into_iter().map(|(_, metrics)| metrics).collect()
}

/// One document as a JSON line (without the newline).
fn render(frame: &Frame<'_>, dimensions: &[(String, String)], metrics: Document) -> String {
    let mut root = Map::new();
    let sets: Vec<Json> = if dimensions.is_empty() {
        // One empty set: the metrics without dimensions.
        vec![Json::Array(Vec::new())]
    } else {
        dimensions
            .chunks(MAX_DIMENSIONS)
            .map(|set| {
                Json::Array(
                    set.iter()
                        .map(|(name, _)| Json::String(name.clone()))
                        .collect(),
                )
            })
            .collect()
    };
    for (name, value) in dimensions {
        root.insert(name.clone(), Json::String(value.clone()));
    }
    let mut definitions = Vec::with_capacity(metrics.len());
    for (name, unit, value) in metrics {
        let mut definition = Map::new();
        definition.insert("Name".to_owned(), Json::String(name.clone()));
        if let Some(unit) = unit {
            definition.insert("Unit".to_owned(), Json::String(unit.to_owned()));
        }
        definitions.push(Json::Object(definition));
        root.insert(name, value);
    }
    let mut directive = Map::new();
    directive.insert(
        "Namespace".to_owned(),
        Json::String(frame.namespace.to_owned()),
    );
    directive.insert("Dimensions".to_owned(), Json::Array(sets));
    directive.insert("Metrics".to_owned(), Json::Array(definitions));
    let mut aws = Map::new();
    aws.insert("Timestamp".to_owned(), Json::from(frame.timestamp_ms));
    aws.insert(
        "CloudWatchMetrics".to_owned(),
        Json::Array(vec![Json::Object(directive)]),
    );
    root.insert(AWS.to_owned(), Json::Object(aws));
    // Display of a `Value` is compact JSON: one line, and it cannot fail.
    Json::Object(root).to_string()
}

/// The valid default dimensions, in order; a name given twice keeps its
/// first place and takes its last valid value.
fn default_dimensions(
    given: &[(String, String)],
    rejected: &mut dyn FnMut(Rejected),
) -> Vec<(String, String)> {
    let mut dimensions: Vec<(String, String)> = Vec::with_capacity(given.len());
    for (name, value) in given {
        if !valid_dimension_name(name) {
            rejected(Rejected::DimensionName(name.clone()));
        } else if !valid_dimension_value(value) {
            rejected(Rejected::DimensionValue(name.clone()));
        } else if let Some(slot) = dimensions.iter_mut().find(|(n, _)| n == name) {
            slot.1 = value.clone();
        } else {
            dimensions.push((name.clone(), value.clone()));
        }
    }
    dimensions
}

/// A metric's dimensions: the defaults in order (a label of the same name
/// gives its value), then the other labels sorted by name (the last of
/// one name wins). Invalid labels are reported and dropped.
fn dimensions(
    defaults: &[(String, String)],
    labels: Vec<(String, String)>,
    rejected: &mut dyn FnMut(Rejected),
) -> Vec<(String, String)> {
    let mut dimensions = defaults.to_vec();
    let mut others = BTreeMap::new();
    for (name, value) in labels {
        if !valid_dimension_name(&name) {
            rejected(Rejected::DimensionName(name));
        } else if !valid_dimension_value(&value) {
            rejected(Rejected::DimensionValue(name));
        } else if let Some(slot) = dimensions[..defaults.len()]
            .iter_mut()
            .find(|(n, _)| *n == name)
        {
            slot.1 = value;
        } else {
            others.insert(name, value);
        }
    }
    dimensions.extend(others);
    dimensions
}

/// CloudWatch names: 1 to 255 printable ASCII characters, not only spaces.
fn valid_name(name: &str) -> bool {
    !name.trim().is_empty()
        && name.len() <= MAX_NAME_CHARS
        && name.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
}

fn valid_metric_name(name: &str) -> bool {
    valid_name(name) && name != AWS
}

/// As a metric name, and not starting with ':' (CloudWatch reserves it).
fn valid_dimension_name(name: &str) -> bool {
    valid_name(name) && !name.starts_with(':') && name != AWS
}

/// Any UTF-8, 1 to 1024 characters, not only whitespace.
fn valid_dimension_value(value: &str) -> bool {
    !value.trim().is_empty() && value.chars().count() <= MAX_DIMENSION_VALUE_CHARS
}

/// CloudWatch's name for `unit`, and what its values are divided by if
/// they must be converted.
///
/// CloudWatch has no binary units: kibibytes, mebibytes, gibibytes and
/// tebibytes are written as Kilobytes, Megabytes, Gigabytes and Terabytes
/// with their values unchanged (CloudWatch does not convert between units,
/// so only the label differs). It has no nanoseconds either: those values
/// are divided by 1000 and written as Microseconds, so that they stay
/// comparable with the other time units.
fn cloudwatch_unit(unit: Unit) -> (&'static str, Option<f64>) {
    let name = match unit {
        Unit::Count => "Count",
        Unit::Percent => "Percent",
        Unit::Seconds => "Seconds",
        Unit::Milliseconds => "Milliseconds",
        Unit::Microseconds => "Microseconds",
        Unit::Nanoseconds => return ("Microseconds", Some(1000.0)),
        Unit::Tebibytes => "Terabytes",
        Unit::Gibibytes => "Gigabytes",
        Unit::Mebibytes => "Megabytes",
        Unit::Kibibytes => "Kilobytes",
        Unit::Bytes => "Bytes",
        Unit::TerabitsPerSecond => "Terabits/Second",
        Unit::GigabitsPerSecond => "Gigabits/Second",
        Unit::MegabitsPerSecond => "Megabits/Second",
        Unit::KilobitsPerSecond => "Kilobits/Second",
        Unit::BitsPerSecond => "Bits/Second",
        Unit::CountPerSecond => "Count/Second",
    };
    (name, None)
}

/// The unit to write and the value in pieces of at most [`MAX_VALUES`]
/// values; `None` when nothing is left to write. Non-finite values are
/// dropped and reported once for the metric.
fn pieces(
    name: &str,
    unit: Option<Unit>,
    value: Value,
    rejected: &mut dyn FnMut(Rejected),
) -> Option<(Option<&'static str>, Vec<Json>)> {
    let (unit, divisor) = match unit.map(cloudwatch_unit) {
        Some((unit, divisor)) => (Some(unit), divisor),
        None => (None, None),
    };
    let convert = |value: f64| divisor.map_or(value, |divisor| value / divisor);
    match value {
        Value::Counter(count) => {
            let value = match divisor {
                None => Json::from(count),
                Some(divisor) => float(count as f64 / divisor)?,
            };
            // A counter counts: without a unit, Count.
            Some((unit.or(Some("Count")), vec![value]))
        }
        Value::Gauge(value) => {
            if !value.is_finite() {
                rejected(Rejected::NotFinite(name.to_owned()));
                return None;
            }
            Some((unit, vec![float(convert(value))?]))
        }
        Value::Histogram(values) => {
            let recorded = values.len();
            let mut finite: Vec<f64> = values
                .into_iter()
                .filter(|value| value.is_finite())
                // `+ 0.0` makes -0 and 0 one value.
                .map(|value| convert(value) + 0.0)
                .collect();
            if finite.len() < recorded {
                rejected(Rejected::NotFinite(name.to_owned()));
            }
            finite.sort_by(f64::total_cmp);
            let mut distinct: Vec<(f64, u64)> = Vec::new();
            for value in finite {
                match distinct.last_mut() {
                    Some((last, count)) if *last == value => *count += 1,
                    _ => distinct.push((value, 1)),
                }
            }
            if distinct.is_empty() {
                return None;
            }
            let pieces = distinct
                .chunks(MAX_VALUES)
                .map(|chunk| {
                    let mut piece = Map::new();
                    let values = chunk.iter().filter_map(|(value, _)| float(*value));
                    piece.insert("Values".to_owned(), Json::Array(values.collect()));
                    let counts = chunk.iter().map(|(_, count)| Json::from(*count));
                    piece.insert("Counts".to_owned(), Json::Array(counts.collect()));
                    Json::Object(piece)
                })
                .collect();
            Some((unit, pieces))
        }
    }
}

/// A finite number as JSON (`None` for NaN and infinities, never passed).
fn float(value: f64) -> Option<Json> {
    Number::from_f64(value).map(Json::Number)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use ::metrics::Unit;
    use proptest::prelude::*;
    use serde_json::{json, Value as Json};

    use super::{documents, Frame, Metric, Rejected, Value};

    /// Every unit name CloudWatch accepts.
    const UNITS: [&str; 27] = [
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    ];

    const ALL_UNITS: [Unit; 17] = [
        Unit::Count,
        Unit::Percent,
        Unit::Seconds,
        Unit::Milliseconds,
        Unit::Microseconds,
        Unit::Nanoseconds,
        Unit::Tebibytes,
        Unit::Gibibytes,
        Unit::Mebibytes,
        Unit::Kibibytes,
        Unit::Bytes,
        Unit::TerabitsPerSecond,
        Unit::GigabitsPerSecond,
        Unit::MegabitsPerSecond,
        Unit::KilobitsPerSecond,
        Unit::BitsPerSecond,
        Unit::CountPerSecond,
    ];

    const NAMESPACE: &str = "shop";
    const TIMESTAMP: u64 = 1_700_000_000_123;

    fn is_number(value: &Json) -> bool {
        value.is_u64() || value.is_i64() || value.is_f64()
    }

    /// Parses one document and checks it against the EMF specification
    /// and CloudWatch's limits; returns it parsed.
    fn check(document: &str) -> Json {
        assert!(!document.contains('\n'), "one line: {document}");
        let parsed: Json = serde_json::from_str(document).expect("a JSON document");
        let root = parsed.as_object().expect("an object");
        let aws = root["_aws"].as_object().expect("_aws is an object");
        assert!(aws["Timestamp"].is_u64(), "Timestamp: {document}");
        let directives = aws["CloudWatchMetrics"].as_array().expect("directives");
        assert!(!directives.is_empty(), "no directive: {document}");
        let mut referenced = HashSet::new();
        for directive in directives {
            assert!(directive["Namespace"].is_string(), "Namespace: {document}");
            let sets = directive["Dimensions"].as_array().expect("Dimensions");
            assert!(!sets.is_empty(), "no dimension set: {document}");
            let mut dimensions = HashSet::new();
            for set in sets {
                let set = set.as_array().expect("a dimension set");
                assert!(set.len() <= 30, "{} dimensions in a set", set.len());
                for name in set {
                    let name = name.as_str().expect("a dimension name");
                    assert!(
                        !name.is_empty()
                            && name.len() <= 255
                            && name.bytes().all(|b| (0x20..0x7f).contains(&b))
                            && !name.starts_with(':')
                            && name != "_aws",
                        "dimension name {name:?}"
                    );
                    let value = root
                        .get(name)
                        .and_then(Json::as_str)
                        .unwrap_or_else(|| panic!("dimension {name} without a string member"));
                    assert!(
                        !value.trim().is_empty() && value.chars().count() <= 1024,
                        "dimension value {value:?}"
                    );
                    dimensions.insert(name);
                    referenced.insert(name);
                }
            }
            let metrics = directive["Metrics"].as_array().expect("Metrics");
            assert!(
                !metrics.is_empty() && metrics.len() <= 100,
                "{} metrics",
                metrics.len()
            );
            let mut names = HashSet::new();
            for metric in metrics {
                let metric = metric.as_object().expect("a metric definition");
                let name = metric["Name"].as_str().expect("Name");
                assert!(
                    !name.trim().is_empty()
                        && name.len() <= 255
                        && name.bytes().all(|b| (0x20..0x7f).contains(&b))
                        && name != "_aws",
                    "metric name {name:?}"
                );
                assert!(names.insert(name), "{name} twice in a directive");
                assert!(!dimensions.contains(name), "{name} is a dimension too");
                referenced.insert(name);
                if let Some(unit) = metric.get("Unit") {
                    let unit = unit.as_str().expect("Unit is a string");
                    assert!(UNITS.contains(&unit), "unit {unit}");
                }
                let value = root
                    .get(name)
                    .unwrap_or_else(|| panic!("metric {name} without a member"));
                match value {
                    value if is_number(value) => {}
                    Json::Array(values) => {
                        assert!(values.len() <= 100 && values.iter().all(is_number))
                    }
                    Json::Object(distribution) => {
                        assert_eq!(distribution.len(), 2, "{distribution:?}");
                        let values = distribution["Values"].as_array().expect("Values");
                        let counts = distribution["Counts"].as_array().expect("Counts");
                        assert!(!values.is_empty() && values.len() <= 100);
                        assert_eq!(values.len(), counts.len());
                        assert!(values.iter().all(is_number));
                        assert!(counts.iter().all(|c| c.as_u64().is_some_and(|c| c > 0)));
                    }
                    other => panic!("metric {name}: {other}"),
                }
            }
        }
        for name in root.keys() {
            assert!(
                name == "_aws" || referenced.contains(name.as_str()),
                "stray member {name}"
            );
        }
        parsed
    }

    /// Runs `documents` with the default dimensions `defaults`; every
    /// document checked, parsed, and the rejections in order.
    fn run(defaults: &[(&str, &str)], metrics: Vec<Metric>) -> (Vec<Json>, Vec<Rejected>) {
        let defaults: Vec<(String, String)> = defaults
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        let frame = Frame {
            namespace: NAMESPACE,
            dimensions: &defaults,
            timestamp_ms: TIMESTAMP,
        };
        let mut rejected = Vec::new();
        let out = documents(&frame, metrics, &mut |r| rejected.push(r));
        (out.iter().map(|d| check(d)).collect(), rejected)
    }

    fn metric(name: &str, value: Value) -> Metric {
        Metric {
            name: name.to_owned(),
            unit: None,
            labels: Vec::new(),
            value,
        }
    }

    fn labelled(name: &str, value: Value, labels: &[(&str, &str)]) -> Metric {
        Metric {
            labels: labels
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            ..metric(name, value)
        }
    }

    fn with_unit(unit: Unit, metric: Metric) -> Metric {
        Metric {
            unit: Some(unit),
            ..metric
        }
    }

    fn directive(document: &Json) -> &Json {
        &document["_aws"]["CloudWatchMetrics"][0]
    }

    /// The metric names of a document, in order.
    fn names(document: &Json) -> Vec<&str> {
        directive(document)["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap())
            .collect()
    }

    /// The unit of `name` in `document`, if written.
    fn unit_of<'a>(document: &'a Json, name: &str) -> Option<&'a str> {
        directive(document)["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["Name"] == name)
            .unwrap_or_else(|| panic!("{name} not in {document}"))
            .get("Unit")
            .map(|u| u.as_str().unwrap())
    }

    fn dimension_sets(document: &Json) -> Vec<Vec<&str>> {
        directive(document)["Dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|set| {
                set.as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_str().unwrap())
                    .collect()
            })
            .collect()
    }

    fn sum_of_counts(distribution: &Json) -> u64 {
        distribution["Counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_u64().unwrap())
            .sum()
    }

    #[test]
    fn counters_gauges_and_histograms() {
        let (documents, rejected) = run(
            &[("service", "checkout")],
            vec![
                metric("requests", Value::Counter(3)),
                metric("temperature", Value::Gauge(21.5)),
                with_unit(
                    Unit::Milliseconds,
                    metric("latency", Value::Histogram(vec![2.0, 1.5, 2.0, 3.0])),
                ),
            ],
        );
        assert!(rejected.is_empty());
        assert_eq!(documents.len(), 1);
        let document = &documents[0];
        assert_eq!(document["_aws"]["Timestamp"], TIMESTAMP);
        assert_eq!(directive(document)["Namespace"], NAMESPACE);
        assert_eq!(dimension_sets(document), [["service"]]);
        assert_eq!(document["service"], "checkout");
        // By name.
        assert_eq!(names(document), ["latency", "requests", "temperature"]);
        assert_eq!(document["requests"], 3);
        assert!(document["requests"].is_u64());
        assert_eq!(unit_of(document, "requests"), Some("Count"));
        assert_eq!(document["temperature"], 21.5);
        assert_eq!(unit_of(document, "temperature"), None);
        assert_eq!(
            document["latency"],
            json!({"Values": [1.5, 2.0, 3.0], "Counts": [1, 2, 1]})
        );
        assert_eq!(unit_of(document, "latency"), Some("Milliseconds"));
    }

    #[test]
    fn a_counter_keeps_a_described_unit() {
        let (documents, _) = run(
            &[],
            vec![with_unit(Unit::Bytes, metric("sent", Value::Counter(10)))],
        );
        assert_eq!(unit_of(&documents[0], "sent"), Some("Bytes"));
    }

    #[test]
    fn labels_become_dimensions_and_one_set_shares_documents() {
        let (documents, rejected) = run(
            &[("service", "checkout"), ("function", "f")],
            vec![
                labelled(
                    "a",
                    Value::Counter(1),
                    &[("route", "/cart"), ("method", "GET")],
                ),
                // The same set in another order: the same document.
                labelled(
                    "b",
                    Value::Counter(2),
                    &[("method", "GET"), ("route", "/cart")],
                ),
                labelled(
                    "c",
                    Value::Counter(3),
                    &[("method", "POST"), ("route", "/cart")],
                ),
                metric("d", Value::Counter(4)),
            ],
        );
        assert!(rejected.is_empty());
        assert_eq!(documents.len(), 3);
        // The defaults alone first, then by the labels' values.
        assert_eq!(names(&documents[0]), ["d"]);
        assert_eq!(dimension_sets(&documents[0]), [["service", "function"]]);
        assert_eq!(names(&documents[1]), ["a", "b"]);
        assert_eq!(names(&documents[2]), ["c"]);
        for (document, method) in [(&documents[1], "GET"), (&documents[2], "POST")] {
            // Defaults in order, then the labels by name.
            assert_eq!(
                dimension_sets(document),
                [["service", "function", "method", "route"]]
            );
            assert_eq!(document["method"], method);
            assert_eq!(document["route"], "/cart");
            assert_eq!(document["service"], "checkout");
            assert_eq!(document["function"], "f");
        }
    }

    #[test]
    fn a_label_overrides_a_default_dimension() {
        let (documents, rejected) = run(
            &[("service", "checkout"), ("function", "f")],
            vec![
                labelled(
                    "a",
                    Value::Counter(1),
                    &[("service", "billing"), ("x", "1")],
                ),
                metric("b", Value::Counter(1)),
            ],
        );
        assert!(rejected.is_empty());
        assert_eq!(documents.len(), 2);
        let overridden = documents
            .iter()
            .find(|d| names(d) == ["a"])
            .expect("a's document");
        assert_eq!(dimension_sets(overridden), [["service", "function", "x"]]);
        assert_eq!(overridden["service"], "billing");
        let plain = documents.iter().find(|d| names(d) == ["b"]).unwrap();
        assert_eq!(plain["service"], "checkout");
    }

    #[test]
    fn the_last_label_of_a_name_wins() {
        let (documents, _) = run(
            &[("service", "s"), ("service", "t")],
            vec![labelled("a", Value::Counter(1), &[("x", "1"), ("x", "2")])],
        );
        assert_eq!(dimension_sets(&documents[0]), [["service", "x"]]);
        assert_eq!(documents[0]["service"], "t");
        assert_eq!(documents[0]["x"], "2");
    }

    #[test]
    fn no_dimensions_is_one_empty_set() {
        let (documents, _) = run(&[], vec![metric("a", Value::Gauge(1.0))]);
        assert_eq!(documents.len(), 1);
        assert_eq!(dimension_sets(&documents[0]), [Vec::<&str>::new()]);
    }

    #[test]
    fn more_than_100_metrics_split_into_documents_of_100() {
        let metrics = (0..250)
            .map(|i| labelled(&format!("m{i:03}"), Value::Counter(i), &[("x", "1")]))
            .collect();
        let (documents, rejected) = run(&[("service", "s")], metrics);
        assert!(rejected.is_empty());
        let sizes: Vec<usize> = documents.iter().map(|d| names(d).len()).collect();
        assert_eq!(sizes, [100, 100, 50]);
        let all: Vec<&str> = documents.iter().flat_map(names).collect();
        let expected: Vec<String> = (0..250).map(|i| format!("m{i:03}")).collect();
        assert_eq!(all, expected);
        for document in &documents {
            assert_eq!(dimension_sets(document), [["service", "x"]]);
            assert_eq!(document["x"], "1");
        }
        assert_eq!(documents[2]["m249"], 249);
    }

    #[test]
    fn more_than_30_dimensions_split_into_dimension_sets() {
        let labels: Vec<(String, String)> = (0..40)
            .map(|i| (format!("label{i:02}"), format!("v{i}")))
            .collect();
        let labels: Vec<(&str, &str)> = labels
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let (documents, rejected) = run(
            &[("service", "s"), ("function", "f")],
            vec![labelled("a", Value::Counter(1), &labels)],
        );
        assert!(rejected.is_empty());
        assert_eq!(documents.len(), 1);
        let sets = dimension_sets(&documents[0]);
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0].len(), 30);
        assert_eq!(sets[1].len(), 12);
        assert_eq!(sets[0][..3], ["service", "function", "label00"]);
        assert_eq!(sets[1].last(), Some(&"label39"));
        for (name, value) in &labels {
            assert_eq!(documents[0][*name], *value);
        }
        assert_eq!(documents[0]["function"], "f");
    }

    #[test]
    fn more_than_100_distinct_histogram_values_split_into_documents() {
        // 250 distinct values, each twice, and one more metric.
        let values: Vec<f64> = (0..500).map(|i| f64::from(i % 250) / 4.0).collect();
        let (documents, rejected) = run(
            &[("service", "s")],
            vec![
                metric("latency", Value::Histogram(values)),
                metric("requests", Value::Counter(7)),
            ],
        );
        assert!(rejected.is_empty());
        assert_eq!(documents.len(), 3);
        let lengths: Vec<usize> = documents
            .iter()
            .map(|d| d["latency"]["Values"].as_array().unwrap().len())
            .collect();
        assert_eq!(lengths, [100, 100, 50]);
        let counts: u64 = documents.iter().map(|d| sum_of_counts(&d["latency"])).sum();
        assert_eq!(counts, 500);
        // The other metric is written once, beside the first piece.
        assert_eq!(names(&documents[0]), ["latency", "requests"]);
        assert_eq!(names(&documents[1]), ["latency"]);
        for document in &documents {
            assert_eq!(document["service"], "s");
        }
        // Ascending and disjoint across the documents.
        let all: Vec<f64> = documents
            .iter()
            .flat_map(|d| d["latency"]["Values"].as_array().unwrap().clone())
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(all.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn equal_histogram_values_are_counted_once() {
        let (documents, _) = run(
            &[],
            vec![metric(
                "h",
                Value::Histogram(vec![5.0, 1.0, 5.0, -0.0, 5.0, 0.0]),
            )],
        );
        let h = &documents[0]["h"];
        assert_eq!(h["Counts"], json!([2, 1, 3]));
        assert_eq!(h["Values"].as_array().unwrap().len(), 3);
        assert_eq!(h["Values"][0].as_f64(), Some(0.0));
        assert_eq!(h["Values"][1].as_f64(), Some(1.0));
        assert_eq!(h["Values"][2].as_f64(), Some(5.0));
    }

    #[test]
    fn one_name_twice_with_one_set_of_labels_goes_to_two_documents() {
        // The facade keeps counters and gauges apart: both may be named x.
        let (documents, rejected) = run(
            &[],
            vec![
                labelled("x", Value::Counter(2), &[("a", "1")]),
                labelled("x", Value::Gauge(0.5), &[("a", "1")]),
                labelled("y", Value::Counter(1), &[("a", "1")]),
            ],
        );
        assert!(rejected.is_empty());
        assert_eq!(documents.len(), 2);
        assert_eq!(names(&documents[0]), ["x", "y"]);
        assert_eq!(documents[0]["x"], 2);
        assert_eq!(names(&documents[1]), ["x"]);
        assert_eq!(documents[1]["x"], 0.5);
    }

    #[test]
    fn invalid_metric_names_are_reported_and_dropped() {
        let long = "m".repeat(256);
        let longest = "m".repeat(255);
        let (documents, rejected) = run(
            &[("service", "s")],
            vec![
                metric("", Value::Counter(1)),
                metric("   ", Value::Counter(1)),
                metric(&long, Value::Counter(1)),
                metric("caf\u{e9}", Value::Counter(1)),
                metric("tab\there", Value::Counter(1)),
                metric("_aws", Value::Counter(1)),
                // A dimension of its document: the default, or its label.
                metric("service", Value::Counter(1)),
                labelled("route", Value::Counter(1), &[("route", "/")]),
                // Kept: the label makes no collision in this document.
                metric("route", Value::Counter(2)),
                metric(&longest, Value::Counter(3)),
                metric("with space & symbols!", Value::Counter(4)),
            ],
        );
        assert_eq!(
            rejected,
            [
                Rejected::MetricName(String::new()),
                Rejected::MetricName("   ".to_owned()),
                Rejected::MetricName(long),
                Rejected::MetricName("caf\u{e9}".to_owned()),
                Rejected::MetricName("tab\there".to_owned()),
                Rejected::MetricName("_aws".to_owned()),
                Rejected::MetricName("service".to_owned()),
                Rejected::MetricName("route".to_owned()),
            ]
        );
        assert_eq!(documents.len(), 1);
        assert_eq!(
            names(&documents[0]),
            [longest.as_str(), "route", "with space & symbols!"]
        );
        assert_eq!(documents[0]["route"], 2);
    }

    #[test]
    fn invalid_labels_are_reported_and_dropped_and_the_metric_kept() {
        let long_name = "d".repeat(256);
        let long_value = "v".repeat(1025);
        let longest_value = "v".repeat(1024);
        let (documents, rejected) = run(
            &[],
            vec![labelled(
                "a",
                Value::Counter(1),
                &[
                    ("", "1"),
                    (":reserved", "1"),
                    ("_aws", "1"),
                    (&long_name, "1"),
                    ("na\u{ef}ve", "1"),
                    ("empty", ""),
                    ("blank", " \t "),
                    ("long", &long_value),
                    ("ok", "caf\u{e9} \u{2603}"),
                    ("longest", &longest_value),
                ],
            )],
        );
        assert_eq!(
            rejected,
            [
                Rejected::DimensionName(String::new()),
                Rejected::DimensionName(":reserved".to_owned()),
                Rejected::DimensionName("_aws".to_owned()),
                Rejected::DimensionName(long_name),
                Rejected::DimensionName("na\u{ef}ve".to_owned()),
                Rejected::DimensionValue("empty".to_owned()),
                Rejected::DimensionValue("blank".to_owned()),
                Rejected::DimensionValue("long".to_owned()),
            ]
        );
        assert_eq!(documents.len(), 1);
        assert_eq!(dimension_sets(&documents[0]), [["longest", "ok"]]);
        assert_eq!(documents[0]["ok"], "caf\u{e9} \u{2603}");
        assert_eq!(documents[0]["a"], 1);
    }

    #[test]
    fn an_invalid_label_of_a_default_leaves_the_default() {
        let (documents, rejected) = run(
            &[("service", "s")],
            vec![labelled("a", Value::Counter(1), &[("service", "")])],
        );
        assert_eq!(rejected, [Rejected::DimensionValue("service".to_owned())]);
        assert_eq!(documents[0]["service"], "s");
    }

    #[test]
    fn invalid_default_dimensions_are_reported_once_and_dropped() {
        let (documents, rejected) = run(
            &[("service", "s"), (":x", "1"), ("function", " ")],
            vec![
                metric("a", Value::Counter(1)),
                metric("b", Value::Counter(1)),
            ],
        );
        assert_eq!(
            rejected,
            [
                Rejected::DimensionName(":x".to_owned()),
                Rejected::DimensionValue("function".to_owned()),
            ]
        );
        assert_eq!(dimension_sets(&documents[0]), [["service"]]);
        assert_eq!(names(&documents[0]), ["a", "b"]);
    }

    #[test]
    fn values_that_are_not_finite_are_dropped() {
        let (documents, rejected) = run(
            &[],
            vec![
                metric("g_nan", Value::Gauge(f64::NAN)),
                metric("g_inf", Value::Gauge(f64::NEG_INFINITY)),
                metric(
                    "h",
                    Value::Histogram(vec![1.0, f64::NAN, f64::INFINITY, 2.0, f64::NAN]),
                ),
                metric("h_nan", Value::Histogram(vec![f64::NAN, f64::NAN])),
                metric("ok", Value::Gauge(-1.25)),
            ],
        );
        // Once per metric, however many values.
        assert_eq!(
            rejected,
            [
                Rejected::NotFinite("g_nan".to_owned()),
                Rejected::NotFinite("g_inf".to_owned()),
                Rejected::NotFinite("h".to_owned()),
                Rejected::NotFinite("h_nan".to_owned()),
            ]
        );
        assert_eq!(documents.len(), 1);
        assert_eq!(names(&documents[0]), ["h", "ok"]);
        assert_eq!(
            documents[0]["h"],
            json!({"Values": [1.0, 2.0], "Counts": [1, 1]})
        );
        assert_eq!(documents[0]["ok"], -1.25);
    }

    #[test]
    fn units_map_to_cloudwatch_names() {
        let expected = [
            (Unit::Count, "Count"),
            (Unit::Percent, "Percent"),
            (Unit::Seconds, "Seconds"),
            (Unit::Milliseconds, "Milliseconds"),
            (Unit::Microseconds, "Microseconds"),
            (Unit::Nanoseconds, "Microseconds"),
            (Unit::Tebibytes, "Terabytes"),
            (Unit::Gibibytes, "Gigabytes"),
            (Unit::Mebibytes, "Megabytes"),
            (Unit::Kibibytes, "Kilobytes"),
            (Unit::Bytes, "Bytes"),
            (Unit::TerabitsPerSecond, "Terabits/Second"),
            (Unit::GigabitsPerSecond, "Gigabits/Second"),
            (Unit::MegabitsPerSecond, "Megabits/Second"),
            (Unit::KilobitsPerSecond, "Kilobits/Second"),
            (Unit::BitsPerSecond, "Bits/Second"),
            (Unit::CountPerSecond, "Count/Second"),
        ];
        for (unit, name) in expected {
            let (documents, _) = run(
                &[],
                vec![
                    with_unit(unit, metric("c", Value::Counter(4000))),
                    with_unit(unit, metric("g", Value::Gauge(2.0))),
                    with_unit(unit, metric("h", Value::Histogram(vec![3.0]))),
                ],
            );
            for metric in ["c", "g", "h"] {
                assert_eq!(unit_of(&documents[0], metric), Some(name), "{unit:?}");
            }
            if unit != Unit::Nanoseconds {
                // Only nanoseconds are converted.
                assert_eq!(documents[0]["c"], 4000);
                assert_eq!(documents[0]["g"], 2.0);
            }
        }
    }

    #[test]
    fn nanoseconds_are_written_as_microseconds() {
        let (documents, _) = run(
            &[],
            vec![
                with_unit(Unit::Nanoseconds, metric("c", Value::Counter(2500))),
                with_unit(Unit::Nanoseconds, metric("g", Value::Gauge(1500.0))),
                with_unit(
                    Unit::Nanoseconds,
                    metric("h", Value::Histogram(vec![1000.0, 250.0, 1000.0])),
                ),
            ],
        );
        let document = &documents[0];
        assert_eq!(document["c"].as_f64(), Some(2.5));
        assert_eq!(document["g"].as_f64(), Some(1.5));
        assert_eq!(
            document["h"],
            json!({"Values": [0.25, 1.0], "Counts": [1, 2]})
        );
        for metric in ["c", "g", "h"] {
            assert_eq!(unit_of(document, metric), Some("Microseconds"));
        }
    }

    #[test]
    fn nothing_recorded_or_nothing_valid_writes_no_document() {
        assert_eq!(run(&[("service", "s")], Vec::new()).0.len(), 0);
        let (documents, rejected) = run(
            &[("service", "s")],
            vec![
                metric("", Value::Counter(1)),
                metric("g", Value::Gauge(f64::NAN)),
                metric("h", Value::Histogram(Vec::new())),
            ],
        );
        assert!(documents.is_empty());
        assert_eq!(rejected.len(), 2);
    }

    #[test]
    fn the_output_does_not_depend_on_the_order_given() {
        let metrics = || {
            vec![
                labelled("b", Value::Counter(1), &[("x", "2")]),
                labelled(
                    "a",
                    Value::Histogram(vec![3.0, 1.0]),
                    &[("y", "1"), ("x", "1")],
                ),
                labelled("c", Value::Gauge(1.0), &[("x", "1"), ("y", "1")]),
                metric("d", Value::Counter(1)),
            ]
        };
        let defaults = vec![("service".to_owned(), "s".to_owned())];
        let frame = Frame {
            namespace: NAMESPACE,
            dimensions: &defaults,
            timestamp_ms: TIMESTAMP,
        };
        let forward = documents(&frame, metrics(), &mut |_| {});
        let mut reversed = metrics();
        reversed.reverse();
        assert_eq!(forward, documents(&frame, reversed, &mut |_| {}));
        assert_eq!(forward.len(), 3);
    }

    // ---- Property test --------------------------------------------------

    /// Test-side statement of CloudWatch's naming rules (the oracle).
    fn printable(name: &str) -> bool {
        name.chars().any(|c| c != ' ')
            && name.chars().count() <= 255
            && name.chars().all(|c| (' '..='~').contains(&c))
    }

    fn dimension_ok(name: &str, value: &str) -> Result<(), Rejected> {
        if !printable(name) || name.starts_with(':') || name == "_aws" {
            Err(Rejected::DimensionName(name.to_owned()))
        } else if value.trim().is_empty() || value.chars().count() > 1024 {
            Err(Rejected::DimensionValue(name.to_owned()))
        } else {
            Ok(())
        }
    }

    fn strings(choices: Vec<String>) -> impl Strategy<Value = String> {
        prop::sample::select(choices)
    }

    fn metric_name() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => (0..130u32).prop_map(|i| format!("m{i}")),
            1 => strings(
                ["a", "b", "x", "service", "", " ", "_aws", "caf\u{e9}", "new\nline"]
                    .map(String::from)
                    .into_iter()
                    .chain(["n".repeat(255), "n".repeat(256)])
                    .collect()
            ),
        ]
    }

    fn dimension_name() -> impl Strategy<Value = String> {
        strings(
            [
                "x", "y", "z", "service", "function", "", ":c", "_aws", "\u{e9}",
            ]
            .map(String::from)
            .into_iter()
            .chain(["d".repeat(256)])
            .collect(),
        )
    }

    fn dimension_value() -> impl Strategy<Value = String> {
        strings(
            ["1", "2", "", " ", "\u{e9}t\u{e9}", "a b"]
                .map(String::from)
                .into_iter()
                .chain(["v".repeat(1024), "v".repeat(1025)])
                .collect(),
        )
    }

    fn number() -> impl Strategy<Value = f64> {
        prop_oneof![
            3 => prop::sample::select(vec![0.0, -0.0, 1.0, 2.5, -3.0, 1e300, 5e-324]),
            3 => any::<f64>(),
            1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY]),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<u64>().prop_map(Value::Counter),
            number().prop_map(Value::Gauge),
            prop::collection::vec(number(), 0..8).prop_map(Value::Histogram),
            prop::collection::vec(number(), 0..350).prop_map(Value::Histogram),
        ]
    }

    fn a_metric() -> impl Strategy<Value = Metric> {
        (
            metric_name(),
            prop::option::of(prop::sample::select(ALL_UNITS.to_vec())),
            prop_oneof![
                // Often none: the documents without labels then pass 100 metrics.
                3 => Just(Vec::new()),
                3 => prop::collection::vec((dimension_name(), dimension_value()), 0..4),
            ],
            value(),
        )
            .prop_map(|(name, unit, labels, value)| Metric {
                name,
                unit,
                labels,
                value,
            })
    }

    fn proptest_config(cases: u32) -> ProptestConfig {
        let mut config = ProptestConfig::default();
        if std::env::var_os("PROPTEST_CASES").is_none() {
            config.cases = cases;
        }
        config
    }

    /// What one (dimensions, name) should add up to across documents.
    #[derive(Debug, Default, PartialEq)]
    struct Totals {
        /// Counters and gauges, sorted.
        scalars: Vec<f64>,
        /// Histogram values recorded, and how many distinct.
        recorded: u64,
        distinct: usize,
    }

    type Expected = BTreeMap<(BTreeMap<String, String>, String), Totals>;

    /// The oracle: which metrics are kept, what they add up to, and what
    /// is reported, from the rules alone.
    fn expect(defaults: &[(String, String)], metrics: &[Metric]) -> (Expected, Vec<Rejected>) {
        let mut reports = Vec::new();
        let mut base = BTreeMap::new();
        for (name, value) in defaults {
            match dimension_ok(name, value) {
                Ok(()) => {
                    base.insert(name.clone(), value.clone());
                }
                Err(r) => reports.push(r),
            }
        }
        let mut expected = Expected::new();
        for metric in metrics {
            if !printable(&metric.name) || metric.name == "_aws" {
                reports.push(Rejected::MetricName(metric.name.clone()));
                continue;
            }
            let mut dimensions = base.clone();
            for (name, value) in &metric.labels {
                match dimension_ok(name, value) {
                    Ok(()) => {
                        dimensions.insert(name.clone(), value.clone());
                    }
                    Err(r) => reports.push(r),
                }
            }
            if dimensions.contains_key(&metric.name) {
                reports.push(Rejected::MetricName(metric.name.clone()));
                continue;
            }
            let scale = if metric.unit == Some(Unit::Nanoseconds) {
                1000.0
            } else {
                1.0
            };
            let key = (dimensions, metric.name.clone());
            match &metric.value {
                Value::Counter(n) => {
                    let totals = expected.entry(key).or_default();
                    totals.scalars.push(*n as f64 / scale);
                }
                Value::Gauge(g) if g.is_finite() => {
                    let totals = expected.entry(key).or_default();
                    totals.scalars.push(g / scale);
                }
                Value::Gauge(_) => reports.push(Rejected::NotFinite(metric.name.clone())),
                Value::Histogram(values) => {
                    let finite: Vec<f64> = values
                        .iter()
                        .filter(|v| v.is_finite())
                        .map(|v| v / scale + 0.0)
                        .collect();
                    if finite.len() < values.len() {
                        reports.push(Rejected::NotFinite(metric.name.clone()));
                    }
                    if !finite.is_empty() {
                        let distinct: HashSet<u64> = finite.iter().map(|v| v.to_bits()).collect();
                        let totals = expected.entry(key).or_default();
                        totals.recorded += finite.len() as u64;
                        totals.distinct += distinct.len();
                    }
                }
            }
        }
        for totals in expected.values_mut() {
            totals.scalars.sort_by(f64::total_cmp);
        }
        (expected, reports)
    }

    /// What the documents add up to, keyed like [`expect`].
    fn totals(documents: &[Json]) -> Expected {
        let mut found = Expected::new();
        for document in documents {
            let dimensions: BTreeMap<String, String> = dimension_sets(document)
                .into_iter()
                .flatten()
                .map(|name| (name.to_owned(), document[name].as_str().unwrap().to_owned()))
                .collect();
            for name in names(document) {
                let totals = found
                    .entry((dimensions.clone(), name.to_owned()))
                    .or_default();
                let value = &document[name];
                if value.is_object() {
                    totals.recorded += sum_of_counts(value);
                    totals.distinct += value["Values"].as_array().unwrap().len();
                } else {
                    totals.scalars.push(value.as_f64().unwrap());
                }
            }
        }
        for totals in found.values_mut() {
            totals.scalars.sort_by(f64::total_cmp);
        }
        found
    }

    /// Equal up to serde_json's parsing of floats (without its
    /// `float_roundtrip` feature, a few ulps off, more for subnormals).
    fn close(a: f64, b: f64) -> bool {
        let difference = (a - b).abs();
        a == b
            || difference <= f64::EPSILON * 4.0 * a.abs().max(b.abs())
            || difference < f64::MIN_POSITIVE
    }

    proptest! {
        #![proptest_config(proptest_config(64))]

        #[test]
        fn random_metrics_make_valid_documents_that_keep_every_value(
            defaults in prop::collection::vec((dimension_name(), dimension_value()), 0..4),
            metrics in prop::collection::vec(a_metric(), 0..400),
        ) {
            let (expected, expected_reports) = expect(&defaults, &metrics);
            let frame = Frame {
                namespace: NAMESPACE,
                dimensions: &defaults,
                timestamp_ms: TIMESTAMP,
            };
            let mut reports = Vec::new();
            let out = documents(&frame, metrics, &mut |r| reports.push(r));
            let parsed: Vec<Json> = out.iter().map(|d| check(d)).collect();
            prop_assert_eq!(reports, expected_reports);
            prop_assert_eq!(parsed.is_empty(), expected.is_empty());
            let found = totals(&parsed);
            prop_assert_eq!(
                found.keys().collect::<Vec<_>>(),
                expected.keys().collect::<Vec<_>>()
            );
            for (key, want) in &expected {
                let got = &found[key];
                prop_assert_eq!(got.recorded, want.recorded, "{:?}", key);
                prop_assert_eq!(got.distinct, want.distinct, "{:?}", key);
                prop_assert_eq!(got.scalars.len(), want.scalars.len(), "{:?}", key);
                for (g, w) in got.scalars.iter().zip(&want.scalars) {
                    prop_assert!(close(*g, *w), "{:?}: {} != {}", key, g, w);
                }
            }
        }
    }
}
