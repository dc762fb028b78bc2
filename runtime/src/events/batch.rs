//! One batch invocation: the records handed to the user's function one at
//! a time (or a bounded number at once on standard queues), each decoded,
//! called under the panic guard and within the batch's cutoff, and the
//! failures answered as the source's partial batch response.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::stream::{FuturesUnordered, StreamExt};
use lambda_runtime::Context;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;
use tracing::{Instrument, Span};

use crate::invoke::{guard, panic_diagnostic};
use crate::layers::deadline::margin;
use crate::{Diagnostic, UNMARSHAL_ERROR};

/// The `errorType` of a batch none of whose records succeeded: the
/// invocation fails as a whole, so the source retries the batch and the
/// function's error metrics and alarms see the outage.
pub const BATCH_FAILED_ERROR: &str = "Runtime.BatchFailed";

/// What a failure of one record means for the rest of its batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ordering {
    /// Standard SQS queues: every record stands alone.
    Independent,
    /// FIFO queues: processing stops at the first failure, and that record
    /// and every later one are reported, so the group's order holds.
    StopReportingRest,
    /// Kinesis and DynamoDB Streams: processing stops at the first failure
    /// and only it is reported; the service checkpoints before it.
    StopReportingFirst,
}

/// An event source whose batches are handled a record at a time.
pub trait Source: 'static {
    /// The whole batch as Lambda sends it.
    type Event: DeserializeOwned;
    /// One record of it, given to the handler's metadata parameter.
    type Record;
    /// The partial batch response.
    type Response: Serialize;
    /// What the identifier of a record is called in the error messages
    /// (`messageId`, `sequenceNumber`).
    const ID: &'static str;

    /// How failures affect the rest of this batch.
    fn ordering(event: &Self::Event) -> Ordering;
    /// The batch's records, in order.
    fn records(event: Self::Event) -> Vec<Self::Record>;
    /// The identifier the response reports a failed record by.
    fn id(record: &Self::Record) -> Option<&str>;
    /// What identifies the record across deliveries, for
    /// `#[lambda_handler(..., idempotent)]`: unique in its stream or queue.
    fn delivery_id(record: &Self::Record) -> Option<&str> {
        Self::id(record)
    }
    /// The span a record is handled in, carrying its identifier.
    fn span(id: &str) -> Span;
    /// The response reporting these identifiers as failed.
    fn response(failed: Vec<String>) -> Self::Response;
}

/// Decodes a record into the handler's event parameter.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the event of this batch handler",
    label = "not an event this source's records decode into",
    note = "SQS bodies and Kinesis data decode into any `Deserialize` type (`String` takes an SQS body as \
            it is, `Vec<u8>` Kinesis data as it is); DynamoDB Streams records into \
            `lambda_kit::events::Change<T>` with `T: Deserialize`"
)]
pub trait FromRecord<Src: Source>: Sized {
    /// The event, or why the record does not decode.
    fn from_record(record: &Src::Record) -> Result<Self, Diagnostic>;
}

/// A batch handler's return type: `()`, alone or as the `Ok` of a `Result`.
#[diagnostic::on_unimplemented(
    message = "a batch handler returns `()` or `Result<(), E>`, not `{Self}`",
    label = "the outcome of one record: success or an error",
    note = "each record's `Err` or panic is reported in `batchItemFailures`; a value has nowhere to go: \
            write `-> Result<(), MyError>` (or nothing)"
)]
pub trait BatchOutput {}

impl BatchOutput for () {}

/// The closure `#[lambda_handler(sqs | kinesis | dynamodb)]` generates: one
/// record's event and metadata, the context and the init state in, the
/// record's outcome out.
pub trait RecordHandler<E, R, S: 'static> {
    /// `()` for every handler that compiles (see [`BatchOutput`]).
    type Output;
    /// What one call returns.
    type Future: Future<Output = Result<Self::Output, Diagnostic>>;

    /// Starts the handling of one record.
    fn call(&self, event: E, record: R, context: Arc<Context>, state: &'static S) -> Self::Future;
}

impl<E, R, S, T, F, H> RecordHandler<E, R, S> for H
where
    S: 'static,
    F: Future<Output = Result<T, Diagnostic>>,
    H: Fn(E, R, Arc<Context>, &'static S) -> F,
{
    type Output = T;
    type Future = F;

    fn call(&self, event: E, record: R, context: Arc<Context>, state: &'static S) -> F {
        self(event, record, context, state)
    }
}

/// How many records of a standard queue's batch run at once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) concurrency: usize,
}

/// Handles one batch: the invocation's outcome is the partial batch
/// response, or an error when no record succeeded.
pub(crate) async fn run<Src, E, S, H>(
    handler: &H,
    event: Src::Event,
    context: Context,
    state: &'static S,
    limits: Limits,
) -> Result<Src::Response, Diagnostic>
where
    Src: Source,
    E: FromRecord<Src>,
    S: 'static,
    H: RecordHandler<E, Src::Record, S>,
{
    let ordering = Src::ordering(&event);
    let records = Src::records(event);
    let ids = ids::<Src>(&records)?;
    // Records start, and run, until the deadline less twice the margin:
    // the invocation itself is cut at one margin, and the second is the
    // batch's time to answer with what it has.
    let cutoff = Instant::now()
        + crate::ContextExt::remaining(&context).saturating_sub(margin().saturating_mul(2));
    let context = Arc::new(context);
    let total = records.len();
    let mut outcome = Outcome::default();
    if ordering == Ordering::Independent && limits.concurrency > 1 {
        concurrently::<Src, E, S, H>(handler, records, &ids, &context, state, cutoff, limits)
            .await
            .into_iter()
            .for_each(|index| outcome.fail(index));
    } else {
        for (index, record) in records.into_iter().enumerate() {
            if Instant::now() >= cutoff {
                outcome.not_started(index, total);
                break;
            }
            let result = one::<Src, E, S, H>(handler, record, &context, state, cutoff)
                .instrument(Src::span(&ids[index]))
                .await;
            if result.is_err() {
                outcome.fail(index);
                if ordering != Ordering::Independent {
                    outcome.stopped(index, total);
                    break;
                }
            }
        }
    }
    outcome.answer::<Src>(ids, total, ordering)
}

/// The identifier of every record; a record without one could not be
/// reported, so the batch is refused whole (and retried) rather than
/// risking it.
fn ids<Src: Source>(records: &[Src::Record]) -> Result<Vec<String>, Diagnostic> {
    records
        .iter()
        .enumerate()
        .map(|(index, record)| match Src::id(record) {
            Some(id) => Ok(id.to_owned()),
            None => Err(Diagnostic {
                error_type: UNMARSHAL_ERROR.to_owned(),
                error_message: format!(
                    "Records[{index}] has no {}, so its failure could not be reported; \
                     the batch is failed whole",
                    Src::ID
                ),
            }),
        })
        .collect()
}

/// One record: decoded, then handled, under the panic guard and against
/// the cutoff.
async fn one<Src, E, S, H>(
    handler: &H,
    record: Src::Record,
    context: &Arc<Context>,
    state: &'static S,
    cutoff: Instant,
) -> Result<(), Diagnostic>
where
    Src: Source,
    E: FromRecord<Src>,
    S: 'static,
    H: RecordHandler<E, Src::Record, S>,
{
    // A `Deserialize` impl of the user's may panic: that is this record's
    // failure (the handler's body runs in its future, under `guard`).
    let started = std::panic::catch_unwind(AssertUnwindSafe(|| {
        E::from_record(&record).map(|event| handler.call(event, record, Arc::clone(context), state))
    }))
    .unwrap_or_else(|payload| Err(panic_diagnostic(&*payload)));
    let result = match started {
        Ok(future) => match tokio::time::timeout_at(cutoff, guard(future)).await {
            Ok(result) => result.map(drop),
            Err(_) => Err(cut_short()),
        },
        Err(unmarshal) => Err(unmarshal),
    };
    if let Err(error) = &result {
        report(error);
    }
    result
}

/// Records of an independent batch, up to `limits.concurrency` at once,
/// each in its own span; the indices of those that failed (or never
/// started before the cutoff).
async fn concurrently<Src, E, S, H>(
    handler: &H,
    records: Vec<Src::Record>,
    ids: &[String],
    context: &Arc<Context>,
    state: &'static S,
    cutoff: Instant,
    limits: Limits,
) -> Vec<usize>
where
    Src: Source,
    E: FromRecord<Src>,
    S: 'static,
    H: RecordHandler<E, Src::Record, S>,
{
    let total = records.len();
    let mut failed = Vec::new();
    let mut pending = records.into_iter().enumerate();
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < limits.concurrency && Instant::now() < cutoff {
            let Some((index, record)) = pending.next() else {
                break;
            };
            let future = one::<Src, E, S, H>(handler, record, context, state, cutoff)
                .instrument(Src::span(&ids[index]));
            running.push(async move { (index, future.await) });
        }
        let Some((index, result)) = running.next().await else {
            break;
        };
        if result.is_err() {
            failed.push(index);
        }
    }
    let not_started: Vec<usize> = pending.map(|(index, _)| index).collect();
    if let Some(&first) = not_started.first() {
        warn_not_started(first, total);
    }
    failed.extend(not_started);
    // The response lists failures in batch order, however they finished.
    failed.sort_unstable();
    failed
}

/// The failures of a batch so far, by record index.
#[derive(Default)]
struct Outcome {
    failed: Vec<usize>,
}

impl Outcome {
    fn fail(&mut self, index: usize) {
        self.failed.push(index);
    }

    /// Records `from..total` were never started: the cutoff came first.
    fn not_started(&mut self, from: usize, total: usize) {
        warn_not_started(from, total);
        self.failed.extend(from..total);
    }

    /// An ordered batch stopped at `at`'s failure: the later records are
    /// left for the redelivery.
    fn stopped(&mut self, at: usize, total: usize) {
        if at + 1 < total {
            tracing::warn!(
                "{} later record(s) not processed, to keep the order: they are redelivered after the failed one",
                total - at - 1
            );
        }
        self.failed.extend(at + 1..total);
    }

    fn answer<Src: Source>(
        self,
        ids: Vec<String>,
        total: usize,
        ordering: Ordering,
    ) -> Result<Src::Response, Diagnostic> {
        if total > 0 && self.failed.len() == total {
            return Err(Diagnostic {
                error_type: BATCH_FAILED_ERROR.to_owned(),
                error_message: format!(
                    "none of the batch's {total} record(s) succeeded (each failure is logged with its {}); \
                     the batch is retried whole",
                    Src::ID
                ),
            });
        }
        let mut ids: Vec<Option<String>> = ids.into_iter().map(Some).collect();
        let mut failed: Vec<String> = Vec::with_capacity(self.failed.len());
        for id in self
            .failed
            .into_iter()
            .filter_map(|index| ids.get_mut(index).and_then(Option::take))
        {
            // A message delivered twice in one batch is reported once.
            if !failed.contains(&id) {
                failed.push(id);
            }
        }
        if ordering == Ordering::StopReportingFirst {
            failed.truncate(1);
        }
        Ok(Src::response(failed))
    }
}

fn warn_not_started(from: usize, total: usize) {
    tracing::warn!(
        "{} record(s) not started: the invocation's deadline is near; they are reported as failures \
         and redelivered",
        total - from
    );
}

/// The error of a record still running when the batch's cutoff came.
fn cut_short() -> Diagnostic {
    Diagnostic {
        error_type: crate::TIMEOUT_ERROR.to_owned(),
        error_message: format!(
            "the record was cancelled {} ms before the invocation's deadline, to answer the batch in time",
            margin().saturating_mul(2).as_millis()
        ),
    }
}

/// Logs a record's failure (in its span, which the caller entered).
fn report(error: &Diagnostic) {
    tracing::error!(
        error_type = %error.error_type,
        "record failed: {}",
        error.error_message
    );
}

/// The `LAMBDA_KIT_BATCH_CONCURRENCY` setting: a whole number from 1.
pub(crate) fn parse_concurrency(value: Option<&str>) -> Result<usize, String> {
    let Some(text) = value.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(1);
    };
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => Ok(n),
        _ => Err(format!(
            "{CONCURRENCY_ENV} must be a whole number of records from 1 to {MAX_CONCURRENCY}, \
             not `{text}`; unset, records are handled one at a time"
        )),
    }
}

/// The environment variable that lets a standard SQS queue's records run
/// concurrently, up to that many at once.
pub const CONCURRENCY_ENV: &str = "LAMBDA_KIT_BATCH_CONCURRENCY";

/// SQS's largest batch.
const MAX_CONCURRENCY: usize = 10_000;

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::events::sources::{Kinesis, Sqs};

    fn sqs(arn: &str, bodies: &[&str]) -> SqsEvent {
        let records: Vec<_> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| json!({"messageId": format!("m{i}"), "body": body, "eventSourceARN": arn}))
            .collect();
        serde_json::from_value(json!({ "Records": records })).unwrap()
    }

    fn context(budget: Duration) -> Context {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let mut context = Context::default();
        context.deadline = (now + budget).as_millis() as u64;
        context
    }

    fn failed(response: &aws_lambda_events::event::sqs::SqsBatchResponse) -> Vec<&str> {
        response
            .batch_item_failures
            .iter()
            .map(|failure| failure.item_identifier.as_str())
            .collect()
    }

    static STATE: () = ();

    /// Fails odd quantities; waits `wait` ms (virtual time) first.
    async fn handle(order: serde_json::Value) -> Result<(), Diagnostic> {
        let wait = order["wait"].as_u64().unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        match order["qty"].as_u64() {
            Some(qty) if qty % 2 == 1 => Err(Diagnostic {
                error_type: "Odd".into(),
                error_message: format!("qty {qty}"),
            }),
            Some(_) => Ok(()),
            None => std::future::pending().await,
        }
    }

    fn handler() -> impl RecordHandler<serde_json::Value, SqsMessage, (), Output = ()> {
        |order: serde_json::Value, _: SqsMessage, _: Arc<Context>, _: &'static ()| handle(order)
    }

    const ONE: Limits = Limits { concurrency: 1 };

    #[tokio::test(start_paused = true)]
    async fn concurrent_failures_are_reported_in_batch_order() {
        // Later records finish first.
        let event = sqs(
            "arn:aws:sqs:eu-west-1:1:q",
            &[
                r#"{"qty": 1, "wait": 40}"#,
                r#"{"qty": 2, "wait": 30}"#,
                r#"{"qty": 3, "wait": 20}"#,
                r#"{"qty": 5, "wait": 10}"#,
            ],
        );
        let limits = Limits { concurrency: 4 };
        let response = run::<Sqs, _, _, _>(
            &handler(),
            event,
            context(Duration::from_secs(5)),
            &STATE,
            limits,
        )
        .await
        .unwrap();
        assert_eq!(failed(&response), ["m0", "m2", "m3"]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_cutoff_cancels_the_running_record_and_skips_the_rest() {
        let event = sqs(
            "arn:aws:sqs:eu-west-1:1:q",
            &[r#"{"qty": 2}"#, r#"{"stuck": true}"#, r#"{"qty": 2}"#],
        );
        let started = Instant::now();
        let response = run::<Sqs, _, _, _>(
            &handler(),
            event,
            context(Duration::from_secs(2)),
            &STATE,
            ONE,
        )
        .await
        .unwrap();
        assert_eq!(failed(&response), ["m1", "m2"]);
        // Cut at twice the margin before the deadline, in virtual time.
        let cut = started.elapsed();
        assert!(cut <= Duration::from_secs(2) - margin() * 2, "{cut:?}");
        assert!(cut >= Duration::from_secs(1) - margin() * 2, "{cut:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_records_not_started_by_the_cutoff_are_reported() {
        // Two run at once and never finish; the other three never start.
        let event = sqs(
            "arn:aws:sqs:eu-west-1:1:q",
            &[
                r#"{"stuck": 1}"#,
                r#"{"stuck": 2}"#,
                r#"{"qty": 2}"#,
                r#"{"qty": 2}"#,
                r#"{"qty": 2}"#,
            ],
        );
        let limits = Limits { concurrency: 2 };
        let error = run::<Sqs, _, _, _>(
            &handler(),
            event,
            context(Duration::from_secs(2)),
            &STATE,
            limits,
        )
        .await
        .unwrap_err();
        assert_eq!(error.error_type, BATCH_FAILED_ERROR);
        let event = sqs(
            "arn:aws:sqs:eu-west-1:1:q",
            &[
                r#"{"qty": 2}"#,
                r#"{"stuck": 1}"#,
                r#"{"stuck": 2}"#,
                r#"{"qty": 2}"#,
                r#"{"qty": 3}"#,
            ],
        );
        let response = run::<Sqs, _, _, _>(
            &handler(),
            event,
            context(Duration::from_secs(2)),
            &STATE,
            limits,
        )
        .await
        .unwrap();
        assert_eq!(failed(&response), ["m1", "m2", "m3", "m4"]);
    }

    #[test]
    fn a_message_delivered_twice_in_a_batch_is_reported_once() {
        let outcome = Outcome {
            failed: vec![0, 1, 2],
        };
        let ids = ["a", "b", "a"].map(String::from).to_vec();
        let response = outcome
            .answer::<Sqs>(ids, 4, Ordering::Independent)
            .unwrap();
        assert_eq!(failed(&response), ["a", "b"]);
    }

    #[tokio::test(start_paused = true)]
    async fn an_ordered_batch_stops_and_reports_according_to_its_source() {
        let fifo = sqs(
            "arn:aws:sqs:eu-west-1:1:q.fifo",
            &[r#"{"qty": 2}"#, r#"{"qty": 1}"#, r#"{"qty": 2}"#],
        );
        let response = run::<Sqs, _, _, _>(
            &handler(),
            fifo,
            context(Duration::from_secs(5)),
            &STATE,
            Limits { concurrency: 8 },
        )
        .await
        .unwrap();
        assert_eq!(
            failed(&response),
            ["m1", "m2"],
            "FIFO ignores the concurrency"
        );

        let outcome = Outcome {
            failed: vec![1, 2, 3],
        };
        let ids = (0..4).map(|i| format!("s{i}")).collect();
        let response = outcome
            .answer::<Kinesis>(ids, 4, Ordering::StopReportingFirst)
            .unwrap();
        let reported: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|failure| failure.item_identifier.as_deref().unwrap())
            .collect();
        assert_eq!(reported, ["s1"]);
    }

    #[tokio::test]
    async fn a_panicking_decode_fails_only_its_record() {
        #[derive(Debug)]
        struct Explodes;
        impl<'de> serde::Deserialize<'de> for Explodes {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let value = serde_json::Value::deserialize(d)?;
                if value == json!("boom") {
                    panic!("a Deserialize impl that panics");
                }
                Ok(Explodes)
            }
        }
        let event = sqs("arn:aws:sqs:eu-west-1:1:q", &[r#""fine""#, r#""boom""#]);
        let handler = |_: Explodes, _: SqsMessage, _: Arc<Context>, _: &'static ()| async {
            Ok::<(), Diagnostic>(())
        };
        let response = run::<Sqs, _, _, _>(
            &handler,
            event,
            context(Duration::from_secs(5)),
            &STATE,
            ONE,
        )
        .await
        .unwrap();
        assert_eq!(failed(&response), ["m1"]);
    }

    #[derive(serde::Deserialize)]
    struct Order {
        qty: u64,
    }

    proptest! {
        /// Whatever the bodies (orders, other JSON, any text), the batch is
        /// answered, and exactly the records that do not decode or whose
        /// handler fails are reported, in batch order.
        #[test]
        fn exactly_the_failed_records_are_reported(
            bodies in proptest::collection::vec(
                prop_oneof![
                    (0_u64..6).prop_map(|qty| format!(r#"{{"qty": {qty}}}"#)),
                    ".*",
                    any::<i64>().prop_map(|n| n.to_string()),
                ],
                0..12,
            ),
            concurrency in 1_usize..4,
        ) {
            let expected: Vec<String> = bodies
                .iter()
                .enumerate()
                .filter(|(_, body)| {
                    serde_json::from_str::<Order>(body).map_or(true, |order| order.qty % 2 == 1)
                })
                .map(|(i, _)| format!("m{i}"))
                .collect();
            let refs: Vec<&str> = bodies.iter().map(String::as_str).collect();
            let event = sqs("arn:aws:sqs:eu-west-1:1:q", &refs);
            let handler = |order: Order, _: SqsMessage, _: Arc<Context>, _: &'static ()| async move {
                if order.qty % 2 == 1 {
                    return Err(Diagnostic { error_type: "Odd".into(), error_message: String::new() });
                }
                Ok(())
            };
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let outcome = runtime.block_on(run::<Sqs, _, _, _>(
                &handler,
                event,
                context(Duration::from_secs(60)),
                &STATE,
                Limits { concurrency },
            ));
            match outcome {
                Ok(response) => prop_assert_eq!(failed(&response), expected),
                Err(error) => {
                    prop_assert_eq!(error.error_type, BATCH_FAILED_ERROR);
                    prop_assert!(!bodies.is_empty() && expected.len() == bodies.len());
                }
            }
        }
    }

    #[test]
    fn concurrency_is_a_whole_number_from_one() {
        assert_eq!(parse_concurrency(None), Ok(1));
        assert_eq!(parse_concurrency(Some(" ")), Ok(1));
        assert_eq!(parse_concurrency(Some("10")), Ok(10));
        for bad in ["0", "-1", "ten", "10001", "1.5"] {
            let message = parse_concurrency(Some(bad)).unwrap_err();
            assert!(message.contains(&format!("not `{bad}`")), "{message}");
        }
    }
}
