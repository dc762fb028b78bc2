//! An idempotent SQS batch handler for the end-to-end tests
//! (tests/idempotency_e2e.rs): each record is keyed by its `messageId`, its
//! records kept in a table of its own (`sqs_idempotency`). Every run of a
//! record inserts a row into `effects` (the message id), so a test counts
//! on the server how often each record was really handled; a body with
//! `"fail_first": true` fails on the message's first receive
//! (`ApproximateReceiveCount` 1) and succeeds when it is redelivered.

use lambda_kit::events::SqsMessage;
use lambda_kit::{lambda_handler, rds, rds_query, Error};
use serde::Deserialize;

#[derive(Deserialize)]
struct Job {
    n: u32,
    #[serde(default)]
    fail_first: bool,
}

#[rds_query("INSERT INTO effects (idem_key, action, pid) VALUES (:key, 'sqs', :pid)")]
async fn record_effect(key: &str, pid: u32) -> Result<u64, rds::Error>;

#[lambda_handler(sqs, idempotent, idempotency_table = "sqs_idempotency")]
async fn work(job: Job, message: &SqsMessage) -> Result<(), Error> {
    let id = message.message_id.as_deref().unwrap_or_default();
    record_effect(id, std::process::id()).await?;
    let receives = message
        .attributes
        .get("ApproximateReceiveCount")
        .map_or("1", String::as_str);
    if job.fail_first && receives == "1" {
        return Err(Error::msg(format!(
            "job {} fails on its first receive",
            job.n
        )));
    }
    Ok(())
}
