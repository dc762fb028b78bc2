//! The records in the database: claimed atomically by a unique key, kept
//! with the response once the handler succeeded, removed when it failed.
//!
//! A record's `valid_until` (milliseconds since the Unix epoch) is the
//! invocation's deadline while it is in progress and the expiry once it
//! is complete; past it, the record counts as absent and the next delivery
//! takes it over. Every write after the claim names the record's state as
//! this delivery left it (compare and set), so a delivery whose lock
//! expired cannot overwrite the one that took over.

use std::time::{SystemTime, UNIX_EPOCH};

use mysql_async::Value;
use serde_json::value::RawValue;

use super::key::{Claim, Hash};
use super::{Idempotency, IN_PROGRESS_ERROR, PAYLOAD_MISMATCH_ERROR, STORE_ERROR};
use crate::rds::support::{self, Via};
use crate::rds::Error;
use crate::Diagnostic;

/// `status` of a record whose handler runs.
pub(crate) const IN_PROGRESS: u8 = 0;
/// `status` of a record holding the handler's response.
pub(crate) const COMPLETED: u8 = 1;
/// `status` of a record holding an error every repeat gets (the response
/// was too large to keep, but the handler's effects happened).
pub(crate) const FAILED: u8 = 2;

/// MySQL's "duplicate entry" error.
const DUPLICATE_KEY: u16 = 1062;
/// InnoDB's deadlock error: the statement was rolled back, try again.
const DEADLOCK: u16 = 1213;
/// MySQL's "table doesn't exist" error.
const NO_SUCH_TABLE: u16 = 1146;

/// How many times a claim is tried when the record changes under it.
const ATTEMPTS: usize = 3;

/// What a stored outcome replays as.
pub(crate) type Replay = Result<Box<RawValue>, Diagnostic>;

/// What claiming a key found.
pub(crate) enum Found {
    /// This delivery holds the record: run the handler.
    Fresh(Lease),
    /// An earlier delivery completed: its outcome, and until when it holds.
    Replay(Replay, i64),
}

/// This delivery's hold on a record: its id and the `valid_until` it wrote.
#[derive(Debug)]
pub(crate) struct Lease {
    id: Hash,
    until: i64,
}

/// Milliseconds since the Unix epoch, as deadlines are counted.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

type Row = (u8, i64, Option<Vec<u8>>, Option<Vec<u8>>);

impl Idempotency {
    /// Creates the table unless it exists (reading it first, so a role
    /// without DDL rights works with a table made by the README's DDL).
    pub(crate) async fn prepare_table(&self) -> Result<(), Diagnostic> {
        let statements = self.statements;
        let failed = |doing: &str, err| {
            let mut error = store_error(&format!("{doing} table `{}`", statements.table), err);
            error.error_message.push_str(&format!(
                " (to run without idempotency, e.g. locally without a database, set {}=off)",
                super::ENABLED_ENV
            ));
            error
        };
        match self.select(&[0; 32]).await {
            Ok(_) => Ok(()),
            Err(err) if err.server_code() == Some(NO_SUCH_TABLE) => {
                support::unit(Via::Global, statements.create, Vec::new())
                    .await
                    .map_err(|err| failed("creating", err))?;
                tracing::info!(table = statements.table, "created the idempotency table");
                Ok(())
            }
            Err(err) => Err(failed("reading", err)),
        }
    }

    async fn select(&self, id: &Hash) -> Result<Option<Row>, Error> {
        support::optional(
            Via::Global,
            self.statements.select,
            crate::__lambda_kit_rds_rows!(Row),
            vec![Value::Bytes(id.to_vec())],
        )
        .await
    }

    /// Claims `claim`'s record for a delivery whose deadline is
    /// `deadline_ms`, or finds what an earlier delivery left.
    pub(crate) async fn begin(&self, claim: &Claim, deadline_ms: i64) -> Result<Found, Diagnostic> {
        let statements = self.statements;
        let id = Value::Bytes(claim.id.to_vec());
        let payload = claim
            .payload
            .map_or(Value::NULL, |hash| Value::Bytes(hash.to_vec()));
        let lease = || {
            Found::Fresh(Lease {
                id: claim.id,
                until: deadline_ms,
            })
        };
        for _ in 0..ATTEMPTS {
            let inserted = support::affected(
                Via::Global,
                statements.insert,
                vec![id.clone(), Value::Int(deadline_ms), payload.clone()],
            )
            .await;
            match inserted {
                Ok(_) => return Ok(lease()),
                Err(err) if err.server_code() == Some(DUPLICATE_KEY) => {}
                // Two claims of one key at once can deadlock on its index
                // entry; the server rolled this one back.
                Err(err) if err.server_code() == Some(DEADLOCK) => continue,
                Err(err) => return Err(store_error("claiming the key", err)),
            }
            let Some((status, valid_until, stored_payload, response)) = self
                .select(&claim.id)
                .await
                .map_err(|err| store_error("reading the record", err))?
            else {
                // Removed since (its delivery failed): claim it again.
                continue;
            };
            let now = now_ms();
            if valid_until > now {
                if let (Some(expected), Some(stored)) = (&claim.payload, &stored_payload) {
                    if expected.as_slice() != stored.as_slice() {
                        return Err(mismatch());
                    }
                }
                return match status {
                    IN_PROGRESS => Err(in_progress(valid_until - now)),
                    _ => Ok(Found::Replay(
                        replay(status, response.unwrap_or_default()),
                        valid_until,
                    )),
                };
            }
            // Expired, or its delivery died: take it over, provided nobody
            // else has since.
            let taken = support::affected(
                Via::Global,
                statements.take_over,
                vec![
                    Value::Int(deadline_ms),
                    payload.clone(),
                    id.clone(),
                    Value::Int(valid_until),
                    Value::UInt(status.into()),
                ],
            )
            .await
            .map_err(|err| store_error("taking over an expired record", err))?;
            if taken == 1 {
                return Ok(lease());
            }
        }
        Err(in_progress(0))
    }

    /// Keeps the outcome (`COMPLETED` with the response, or `FAILED` with
    /// an error document) until the expiry; `Some(until)` once kept.
    pub(crate) async fn keep(&self, lease: &Lease, status: u8, stored: &[u8]) -> Option<i64> {
        let until = now_ms()
            .saturating_add(i64::try_from(self.settings().expiry.as_millis()).unwrap_or(i64::MAX));
        let kept = support::affected(
            Via::Global,
            self.statements.complete,
            vec![
                Value::UInt(status.into()),
                Value::Int(until),
                Value::Bytes(stored.to_vec()),
                Value::Bytes(lease.id.to_vec()),
                Value::Int(lease.until),
            ],
        )
        .await;
        match kept {
            Ok(1) => Some(until),
            Ok(_) => {
                tracing::warn!(
                    "the idempotency record was taken over by another delivery after this one's \
                     deadline; this response is not kept"
                );
                None
            }
            Err(err) => {
                tracing::error!(
                    error = %err,
                    "the response could not be kept in the idempotency table; a repeat after this \
                     invocation's deadline runs the handler again"
                );
                None
            }
        }
    }

    /// Removes the record, so that a retry runs the handler again.
    pub(crate) async fn release(&self, lease: &Lease) {
        let released = support::affected(
            Via::Global,
            self.statements.release,
            vec![Value::Bytes(lease.id.to_vec()), Value::Int(lease.until)],
        )
        .await;
        if let Err(err) = released {
            tracing::warn!(
                error = %err,
                "the idempotency record of this failed invocation could not be removed; a retry \
                 waits for this invocation's deadline to pass"
            );
        }
    }
}

/// A kept outcome as it replays.
fn replay(status: u8, stored: Vec<u8>) -> Replay {
    let text = String::from_utf8(stored).map_err(|_| corrupt())?;
    if status == COMPLETED {
        return RawValue::from_string(text).map_err(|_| corrupt());
    }
    Err(serde_json::from_str::<Diagnostic>(&text).map_err(|_| corrupt())?)
}

pub(crate) fn corrupt() -> Diagnostic {
    Diagnostic {
        error_type: STORE_ERROR.to_owned(),
        error_message: "the idempotency record's response is not the JSON this bootstrap stored"
            .to_owned(),
    }
}

fn store_error(doing: &str, err: Error) -> Diagnostic {
    Diagnostic {
        error_type: STORE_ERROR.to_owned(),
        error_message: format!("idempotency: {doing} failed, so the handler did not run: {err}"),
    }
}

pub(crate) fn in_progress(for_ms: i64) -> Diagnostic {
    Diagnostic {
        error_type: IN_PROGRESS_ERROR.to_owned(),
        error_message: format!(
            "another delivery of this event is being handled (its lock ends within {} ms, at its \
             deadline); retry later",
            for_ms.max(0)
        ),
    }
}

pub(crate) fn mismatch() -> Diagnostic {
    Diagnostic {
        error_type: PAYLOAD_MISMATCH_ERROR.to_owned(),
        error_message: "this idempotency key was first used with a different payload; \
                        the handler did not run (use a new key for a new request)"
            .to_owned(),
    }
}
