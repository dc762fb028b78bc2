//! The SQS batch events: records of one standard queue as Lambda sends
//! them, each body a small order, and the partial batch response both
//! batch bootstraps must answer.

use serde_json::{json, Value};

/// Records per batch (SQS's default batch size for Lambda).
pub const RECORDS: usize = 10;

/// A batch of [`RECORDS`] orders and its expected answer: the records at
/// `failing` carry `qty: 0`, which both handlers reject.
pub fn sqs_batch(failing: &[usize]) -> (Value, Value) {
    let records: Vec<Value> = (0..RECORDS)
        .map(|i| record(i, if failing.contains(&i) { 0 } else { i % 4 + 1 }))
        .collect();
    let failures: Vec<Value> = failing
        .iter()
        .map(|&i| json!({ "itemIdentifier": message_id(i) }))
        .collect();
    (
        json!({ "Records": records }),
        json!({ "batchItemFailures": failures }),
    )
}

fn message_id(i: usize) -> String {
    format!(
        "{:08x}-87a3-44ab-83d2-{:012x}",
        0x059f_36b4 + i,
        0x6619_7583_0a7d + i
    )
}

/// One record with the fields and sizes of a real one (a receipt handle
/// is a few hundred characters of base64).
fn record(i: usize, qty: usize) -> Value {
    const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let receipt: String = (0..176)
        .map(|k| BASE64[(k * 7 + i * 13 + k * k) % 64] as char)
        .collect();
    let sent = 1_764_633_600_000_u64 + i as u64 * 37;
    json!({
        "messageId": message_id(i),
        "receiptHandle": format!("AQEB{receipt}"),
        "body": format!(r#"{{"id":{},"qty":{qty}}}"#, 1000 + i),
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": sent.to_string(),
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": (sent + 2).to_string(),
        },
        "messageAttributes": {},
        "md5OfBody": format!("{:032x}", 0x7b27_0e59_b47f_f90a_553c_af4b_6c5a_3d01_u128 + i as u128),
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:orders",
        "awsRegion": "us-east-1",
    })
}
