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
#![cfg_attr(not(test), allow(dead_code))]

use std::collections::{BTreeMap, BTreeSet};

use ::metrics::Unit;
use serde_json::{Map, Number, Value as Json};

/// One metric as recorded during the invocation.
pub(crate) struct Metric {
    pub name: String,
    /// Its unit from `describe_counter!`/`describe_gauge!`/`describe_histogram!`, if any.
    pub unit: Option<Unit>,
    /// The facade's labels, in the order given; they become dimensions.
    pub labels: Vec<(String, String)>,
    pub value: Value,
}

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
