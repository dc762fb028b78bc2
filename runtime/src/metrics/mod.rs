//! CloudWatch metrics through the [`metrics`](https://docs.rs/metrics/0.24)
//! facade (feature `metrics`), written as [Embedded Metric
//! Format](https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
//! when each invocation ends.
//!
//! ```no_run
//! use lambda_kit::lambda_handler;
//! use lambda_kit::metrics::{counter, histogram};
//!
//! #[lambda_handler]
//! async fn place(order: serde_json::Value) -> &'static str {
//!     counter!("orders_placed").increment(1);
//!     counter!("orders_by_channel", "channel" => "web").increment(1);
//!     histogram!("basket_items").record(3.0);
//!     "placed"
//! }
//! ```
//!
//! Everything the facade records during an invocation, from the handler
//! or from any library using `metrics`, is written when the invocation
//! ends (success, error, panic or timeout alike), before the bootstrap asks
//! for the next one: one JSON line per document on stdout, which CloudWatch
//! Logs turns into metrics without any API call. Counters are summed,
//! gauges keep their last value, histograms every value (EMF `Values` and
//! `Counts`). Labels become dimensions, next to the default ones (the
//! service, the function name when asked, and your own); units come from
//! `describe_counter!`/`describe_gauge!`/`describe_histogram!`. An
//! invocation that records nothing writes nothing, except the first of an
//! environment, which records the `ColdStart` metric (a count of 1 with
//! the service and function name as dimensions; off with
//! [`Settings::cold_start_metric`], and not in local runs).
//!
//! CloudWatch's limits are kept by splitting into more documents, never by
//! dropping: at most 100 metrics a document, 30 dimensions a dimension set,
//! 100 values a metric. A metric or dimension CloudWatch would reject
//! (an empty or over-long name, a name that is not printable ASCII, a
//! value that is not a finite number) is dropped with one warning naming
//! it. Concurrent invocations (Lambda Managed Instances) each flush their
//! own metrics; metrics recorded outside any invocation (during `init`, or
//! on a task the handler spawned) go out with the next flush.
//!
//! Settings, from the environment (Powertools' names are read too, so a
//! function moving over keeps its configuration) or from code in `init`
//! with [`configure`]:
//!
//! | variable | default | |
//! |---|---|---|
//! | [`NAMESPACE_ENV`] or `POWERTOOLS_METRICS_NAMESPACE` | the service | the CloudWatch namespace |
//! | [`SERVICE_ENV`] or `POWERTOOLS_SERVICE_NAME` | the function's name | the `service` dimension |
//! | [`ENABLED_ENV`]`=off` or `POWERTOOLS_METRICS_DISABLED=true` | on | nothing is written (e.g. for local runs) |
//!
//! Outside Lambda (local mode and `--serve`) the documents go to stderr, so
//! stdout keeps only the handler's result.

mod emf;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::task::{Context as TaskContext, Poll};

// The facade itself: `counter!`, `gauge!`, `histogram!`, `describe_*!`,
// `Unit`, and what libraries implement against.
pub use ::metrics::*;

/// The namespace of the metrics.
pub const NAMESPACE_ENV: &str = "LAMBDA_KIT_METRICS_NAMESPACE";
/// The `service` dimension of every metric.
pub const SERVICE_ENV: &str = "LAMBDA_KIT_SERVICE_NAME";
/// `off` (or `false`, `0`) writes no metrics.
pub const ENABLED_ENV: &str = "LAMBDA_KIT_METRICS";

/// The dimension every metric carries, naming the service.
pub const SERVICE_DIMENSION: &str = "service";
/// The dimension naming the function, when [`Settings::function_name_dimension`]
/// is set (and always on `ColdStart`).
pub const FUNCTION_NAME_DIMENSION: &str = "function_name";
/// The metric the first invocation of an environment records.
pub const COLD_START_METRIC: &str = "ColdStart";

/// Where the metrics go and which dimensions they all carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// The CloudWatch namespace (default: the service).
    pub namespace: Option<String>,
    /// The `service` dimension (default: the function's name).
    pub service: Option<String>,
    /// Whether every metric also carries the `function_name` dimension.
    pub function_name_dimension: bool,
    /// Dimensions every metric carries, after `service` (and
    /// `function_name`); a label of the same name overrides one.
    pub default_dimensions: Vec<(String, String)>,
    /// Whether the first invocation of an environment records
    /// `ColdStart` (default: yes).
    pub cold_start_metric: bool,
    /// Whether metrics are written at all.
    pub enabled: bool,
}

impl Settings {
    /// The settings the environment gives (see the module's table).
    pub fn from_env() -> Settings {
        Settings::from_vars(|name| std::env::var(name).ok())
    }

    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Settings {
        let first = |names: [&str; 2]| {
            names
                .into_iter()
                .find_map(|name| var(name).filter(|value| !value.trim().is_empty()))
        };
        let off = |value: Option<String>, off: &[&str]| {
            value.is_some_and(|v| off.contains(&v.trim().to_ascii_lowercase().as_str()))
        };
        Settings {
            namespace: first([NAMESPACE_ENV, "POWERTOOLS_METRICS_NAMESPACE"]),
            service: first([SERVICE_ENV, "POWERTOOLS_SERVICE_NAME"]),
            function_name_dimension: false,
            default_dimensions: Vec::new(),
            cold_start_metric: true,
            enabled: !off(var(ENABLED_ENV), &["off", "false", "0"])
                && !off(var("POWERTOOLS_METRICS_DISABLED"), &["true", "1"]),
        }
    }
}

/// Replaces the settings, e.g. from `init`; what is recorded from then on
/// is written with them.
///
/// ```no_run
/// # fn setup() {
/// use lambda_kit::metrics::{configure, Settings};
///
/// configure(Settings {
///     namespace: Some("Shop".into()),
///     default_dimensions: vec![("stage".into(), "prod".into())],
///     ..Settings::from_env()
/// });
/// # }
/// ```
pub fn configure(settings: Settings) {
    let resolved = Arc::new(Resolved::new(settings));
    *state()
        .settings
        .write()
        .unwrap_or_else(PoisonError::into_inner) = resolved;
}

/// The settings as every flush uses them.
struct Resolved {
    enabled: bool,
    cold_start_metric: bool,
    namespace: String,
    /// Service, function name if asked, the user's.
    dimensions: Vec<(String, String)>,
    /// Service and function name, for `ColdStart`.
    cold_start_dimensions: Vec<(String, String)>,
}

impl Resolved {
    fn new(settings: Settings) -> Resolved {
        let function_name =
            std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "local".to_owned());
        let service = settings.service.unwrap_or_else(|| function_name.clone());
        let namespace = settings.namespace.unwrap_or_else(|| service.clone());
        let mut dimensions = vec![(SERVICE_DIMENSION.to_owned(), service.clone())];
        if settings.function_name_dimension {
            dimensions.push((FUNCTION_NAME_DIMENSION.to_owned(), function_name.clone()));
        }
        dimensions.extend(settings.default_dimensions);
        Resolved {
            enabled: settings.enabled,
            cold_start_metric: settings.cold_start_metric,
            namespace,
            cold_start_dimensions: vec![
                (SERVICE_DIMENSION.to_owned(), service),
                (FUNCTION_NAME_DIMENSION.to_owned(), function_name),
            ],
            dimensions,
        }
    }
}

/// The process-wide part: settings, units, the metrics recorded outside
/// any invocation, and what was warned about.
struct State {
    settings: RwLock<Arc<Resolved>>,
    units: RwLock<HashMap<String, Unit>>,
    outside: Mutex<Collector>,
    warned: Mutex<HashSet<emf::Rejected>>,
    cold: AtomicBool,
    /// Stdout under Lambda, stderr outside it.
    to_stdout: AtomicBool,
}

fn state() -> &'static State {
    static STATE: OnceLock<State> = OnceLock::new();
    STATE.get_or_init(|| State {
        settings: RwLock::new(Arc::new(Resolved::new(Settings::from_env()))),
        units: RwLock::default(),
        outside: Mutex::default(),
        warned: Mutex::default(),
        cold: AtomicBool::new(true),
        to_stdout: AtomicBool::new(true),
    })
}

/// Installs the recorder, unless metrics are off or the application
/// installed a recorder of its own (which then gets everything). Called by
/// the bootstrap before `init`.
pub(crate) fn install(under_lambda: bool) {
    let state = state();
    state.to_stdout.store(under_lambda, Ordering::Relaxed);
    if !state
        .settings
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .enabled
    {
        return;
    }
    if ::metrics::set_global_recorder(EmfRecorder).is_ok() {
        ACTIVE.store(true, Ordering::Relaxed);
    } else {
        tracing::debug!("a metrics recorder is already installed: lambda-kit writes no EMF");
    }
}

/// Whether this module's recorder is the facade's: invocations collect
/// and flush only then.
static ACTIVE: AtomicBool = AtomicBool::new(false);

tokio::task_local! {
    /// The metrics of the invocation whose future is being polled.
    static CURRENT: Arc<Mutex<Collector>>;
}

/// What one invocation (or the time outside invocations) recorded.
#[derive(Default)]
struct Collector {
    counters: HashMap<Key, u64>,
    gauges: HashMap<Key, f64>,
    histograms: HashMap<Key, Vec<f64>>,
}

enum Op {
    Increment(u64),
    Absolute(u64),
    GaugeAdd(f64),
    GaugeSet(f64),
    Record(f64, usize),
}

impl Collector {
    fn apply(&mut self, key: &Key, op: Op) {
        match op {
            Op::Increment(value) => {
                let total = self.counters.entry(key.clone()).or_default();
                *total = total.saturating_add(value);
            }
            Op::Absolute(value) => {
                self.counters.insert(key.clone(), value);
            }
            Op::GaugeAdd(delta) => *self.gauges.entry(key.clone()).or_default() += delta,
            Op::GaugeSet(value) => {
                self.gauges.insert(key.clone(), value);
            }
            Op::Record(value, count) => self
                .histograms
                .entry(key.clone())
                .or_default()
                .extend(std::iter::repeat_n(value, count)),
        }
    }

    fn is_empty(&self) -> bool {
        self.counters.is_empty() && self.gauges.is_empty() && self.histograms.is_empty()
    }

    fn merge(&mut self, other: Collector) {
        for (key, value) in other.counters {
            self.apply(&key, Op::Increment(value));
        }
        // A gauge set during the invocation is taken as newer than one set
        // outside it.
        self.gauges.extend(other.gauges);
        for (key, values) in other.histograms {
            self.histograms.entry(key).or_default().extend(values);
        }
    }

    fn into_metrics(self, units: &HashMap<String, Unit>) -> Vec<emf::Metric> {
        let metric = |key: Key, value| {
            let (name, labels) = key.into_parts();
            let name = name.as_str().to_owned();
            emf::Metric {
                unit: units.get(&name).copied(),
                name,
                labels: labels
                    .into_iter()
                    .map(|label| {
                        let (key, value) = label.into_parts();
                        (key.into_owned(), value.into_owned())
                    })
                    .collect(),
                value,
            }
        };
        let counters = self
            .counters
            .into_iter()
            .map(|(key, value)| metric(key, emf::Value::Counter(value)));
        let gauges = self
            .gauges
            .into_iter()
            .map(|(key, value)| metric(key, emf::Value::Gauge(value)));
        let histograms = self
            .histograms
            .into_iter()
            .map(|(key, values)| metric(key, emf::Value::Histogram(values)));
        counters.chain(gauges).chain(histograms).collect()
    }
}

/// Records into the current invocation's collector, or the process's when
/// there is none.
fn record(key: &Key, op: Op) {
    let mut op = Some(op);
    let _ = CURRENT.try_with(|collector| {
        if let Some(op) = op.take() {
            collector
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .apply(key, op);
        }
    });
    if let Some(op) = op {
        state()
            .outside
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .apply(key, op);
    }
}

/// The facade's recorder: every handle records into the collector of the
/// invocation it is used in, whenever it was registered.
struct EmfRecorder;

struct Handle(Key);

impl CounterFn for Handle {
    fn increment(&self, value: u64) {
        record(&self.0, Op::Increment(value));
    }
    fn absolute(&self, value: u64) {
        record(&self.0, Op::Absolute(value));
    }
}

impl GaugeFn for Handle {
    fn increment(&self, value: f64) {
        record(&self.0, Op::GaugeAdd(value));
    }
    fn decrement(&self, value: f64) {
        record(&self.0, Op::GaugeAdd(-value));
    }
    fn set(&self, value: f64) {
        record(&self.0, Op::GaugeSet(value));
    }
}

impl HistogramFn for Handle {
    fn record(&self, value: f64) {
        record(&self.0, Op::Record(value, 1));
    }
    fn record_many(&self, value: f64, count: usize) {
        record(&self.0, Op::Record(value, count));
    }
}

impl EmfRecorder {
    fn describe(key: KeyName, unit: Option<Unit>) {
        if let Some(unit) = unit {
            state()
                .units
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key.as_str().to_owned(), unit);
        }
    }
}

impl ::metrics::Recorder for EmfRecorder {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, _: SharedString) {
        Self::describe(key, unit);
    }
    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, _: SharedString) {
        Self::describe(key, unit);
    }
    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, _: SharedString) {
        Self::describe(key, unit);
    }
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(Arc::new(Handle(key.clone())))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(Arc::new(Handle(key.clone())))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(Arc::new(Handle(key.clone())))
    }
}

/// Writes what `collector` holds (and what was recorded outside any
/// invocation), plus `ColdStart` the first time.
fn flush(collector: Collector) {
    let state = state();
    let mut all =
        std::mem::take(&mut *state.outside.lock().unwrap_or_else(PoisonError::into_inner));
    all.merge(collector);
    let cold = state.cold.load(Ordering::Relaxed) && state.cold.swap(false, Ordering::Relaxed);
    if all.is_empty() && !cold {
        return;
    }
    let settings = state
        .settings
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    if !settings.enabled {
        return;
    }
    let timestamp_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as u64);
    let metrics = all.into_metrics(&state.units.read().unwrap_or_else(PoisonError::into_inner));
    let mut rejected = |what: emf::Rejected| {
        let new = state
            .warned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(what.clone());
        if new {
            tracing::warn!("{}", what);
        }
    };
    let mut lines = emf::documents(
        &emf::Frame {
            namespace: &settings.namespace,
            dimensions: &settings.dimensions,
            timestamp_ms,
        },
        metrics,
        &mut rejected,
    );
    // A local run is no Lambda environment's cold start.
    if cold && settings.cold_start_metric && state.to_stdout.load(Ordering::Relaxed) {
        lines.extend(emf::documents(
            &emf::Frame {
                namespace: &settings.namespace,
                dimensions: &settings.cold_start_dimensions,
                timestamp_ms,
            },
            vec![emf::Metric {
                name: COLD_START_METRIC.to_owned(),
                unit: Some(Unit::Count),
                labels: Vec::new(),
                value: emf::Value::Counter(1),
            }],
            &mut rejected,
        ));
    }
    if lines.is_empty() {
        return;
    }
    let mut text = String::with_capacity(lines.iter().map(|line| line.len() + 1).sum());
    for line in lines {
        text.push_str(&line);
        text.push('\n');
    }
    // One write, so no log line of a concurrent invocation lands inside.
    let written = if state.to_stdout.load(Ordering::Relaxed) {
        std::io::stdout().lock().write_all(text.as_bytes())
    } else {
        std::io::stderr().lock().write_all(text.as_bytes())
    };
    if let Err(err) = written {
        tracing::warn!(error = %err, "cannot write the metrics");
    }
}

/// Runs an invocation's future with a collector of its own and flushes it
/// when the future ends (or is dropped: a cancelled invocation's metrics
/// are written too).
pub(crate) fn scoped<F: std::future::Future>(future: F) -> Scoped<F> {
    if !ACTIVE.load(Ordering::Relaxed) {
        return Scoped {
            inner: Inner::Plain { future },
        };
    }
    let collector = Arc::new(Mutex::new(Collector::default()));
    Scoped {
        inner: Inner::Collecting {
            future: CURRENT.scope(collector.clone(), future),
            flush: Flush(Some(collector)),
        },
    }
}

pin_project_lite::pin_project! {
    /// See [`scoped`].
    pub(crate) struct Scoped<F: std::future::Future> {
        #[pin]
        inner: Inner<F>,
    }
}

pin_project_lite::pin_project! {
    #[project = InnerProjection]
    enum Inner<F: std::future::Future> {
        Plain { #[pin] future: F },
        Collecting { #[pin] future: tokio::task::futures::TaskLocalFuture<Arc<Mutex<Collector>>, F>, flush: Flush },
    }
}

/// Flushes its collector once: when the invocation ends, else when dropped.
struct Flush(Option<Arc<Mutex<Collector>>>);

impl Flush {
    fn now(&mut self) {
        if let Some(collector) = self.0.take() {
            let collected =
                std::mem::take(&mut *collector.lock().unwrap_or_else(PoisonError::into_inner));
            flush(collected);
        }
    }
}

impl Drop for Flush {
    fn drop(&mut self) {
        self.now();
    }
}

impl<F: std::future::Future> std::future::Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        match self.project().inner.project() {
            InnerProjection::Plain { future } => future.poll(cx),
            InnerProjection::Collecting { future, flush } => {
                let output = std::task::ready!(future.poll(cx));
                flush.now();
                Poll::Ready(output)
            }
        }
    }
}

/// The layer that gives every invocation its own collector (see
/// [`scoped`]), between the invocation's span and the decoding.
#[derive(Clone, Copy, Default)]
pub(crate) struct PerInvocation;

impl<S> lambda_runtime::tower::Layer<S> for PerInvocation {
    type Service = PerInvocationService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PerInvocationService(inner)
    }
}

/// See [`PerInvocation`].
#[derive(Clone)]
pub(crate) struct PerInvocationService<S>(S);

impl<S, R> lambda_runtime::tower::Service<R> for PerInvocationService<S>
where
    S: lambda_runtime::tower::Service<R>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Scoped<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        scoped(self.0.call(request))
    }
}

impl std::fmt::Display for emf::Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            emf::Rejected::MetricName(name) => write!(
                f,
                "metric `{name}` dropped: CloudWatch takes names of 1 to 255 printable ASCII \
                 characters, other than `_aws` and the dimensions' names"
            ),
            emf::Rejected::DimensionName(name) => write!(
                f,
                "dimension `{name}` dropped: CloudWatch takes names of 1 to 255 printable ASCII \
                 characters, not starting with `:`"
            ),
            emf::Rejected::DimensionValue(name) => write!(
                f,
                "dimension `{name}` dropped: its value is empty, blank or over 1024 characters"
            ),
            emf::Rejected::NotFinite(name) => write!(
                f,
                "a value of metric `{name}` dropped: it is not a finite number"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn settings_read_ours_then_powertools_names() {
        let settings = Settings::from_vars(vars(&[
            ("POWERTOOLS_METRICS_NAMESPACE", "Shop"),
            ("POWERTOOLS_SERVICE_NAME", "orders"),
        ]));
        assert_eq!(settings.namespace.as_deref(), Some("Shop"));
        assert_eq!(settings.service.as_deref(), Some("orders"));
        assert!(settings.enabled);
        let settings = Settings::from_vars(vars(&[
            (NAMESPACE_ENV, "Ours"),
            ("POWERTOOLS_METRICS_NAMESPACE", "Shop"),
            (SERVICE_ENV, " "),
            ("POWERTOOLS_SERVICE_NAME", "orders"),
        ]));
        assert_eq!(settings.namespace.as_deref(), Some("Ours"));
        assert_eq!(
            settings.service.as_deref(),
            Some("orders"),
            "blank is unset"
        );
    }

    #[test]
    fn metrics_can_be_turned_off_either_way() {
        for pairs in [
            [(ENABLED_ENV, "off")],
            [(ENABLED_ENV, "FALSE")],
            [("POWERTOOLS_METRICS_DISABLED", "true")],
        ] {
            assert!(!Settings::from_vars(vars(&pairs)).enabled);
        }
        for pairs in [
            [(ENABLED_ENV, "on")],
            [("POWERTOOLS_METRICS_DISABLED", "false")],
        ] {
            assert!(Settings::from_vars(vars(&pairs)).enabled);
        }
    }

    #[test]
    fn collectors_sum_counters_keep_the_last_gauge_and_every_value() {
        let mut collector = Collector::default();
        let key = Key::from_static_name("a");
        collector.apply(&key, Op::Increment(2));
        collector.apply(&key, Op::Increment(3));
        collector.apply(&key, Op::GaugeSet(1.0));
        collector.apply(&key, Op::GaugeAdd(2.5));
        collector.apply(&key, Op::Record(1.0, 2));
        collector.apply(&key, Op::Record(4.0, 1));
        assert_eq!(collector.counters[&key], 5);
        assert_eq!(collector.gauges[&key], 3.5);
        assert_eq!(collector.histograms[&key], [1.0, 1.0, 4.0]);
        let mut outside = Collector::default();
        outside.apply(&key, Op::Increment(1));
        outside.apply(&key, Op::GaugeSet(9.0));
        outside.merge(collector);
        assert_eq!(outside.counters[&key], 6);
        assert_eq!(
            outside.gauges[&key], 3.5,
            "the invocation's value is the newer"
        );
    }
}
