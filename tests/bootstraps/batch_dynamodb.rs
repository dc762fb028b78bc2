//! A DynamoDB Streams batch handler for the end-to-end tests: a change
//! that leaves an order with no items is rejected.

use lambda_kit::events::{Change, ChangeKind, DynamoDbRecord};
use lambda_kit::lambda_handler;

#[derive(serde::Deserialize)]
struct Order {
    id: String,
    qty: u32,
}

#[derive(serde::Deserialize)]
struct Key {
    id: String,
}

#[lambda_handler(dynamodb)]
async fn changed(change: Change<Order>, record: &DynamoDbRecord) -> Result<(), lambda_kit::Error> {
    let key: Key = change.keys_as()?;
    lambda_kit::tracing::info!(key = %key.id, event = %record.event_id, kind = ?change.kind, "change");
    match (change.kind, change.new) {
        (ChangeKind::Remove, _) => Ok(()),
        (_, Some(order)) if order.qty == 0 => Err(lambda_kit::Error::msg(format!(
            "order {} has no items",
            order.id
        ))),
        (_, Some(_)) => Ok(()),
        (_, None) => Err(lambda_kit::Error::msg("the stream records no new images")),
    }
}
