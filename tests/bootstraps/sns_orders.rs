//! An SNS handler for the end-to-end tests: answers the total quantity of
//! the orders in the notification.

use lambda_kit::events::SnsEventObj;
use lambda_kit::lambda_handler;

#[derive(serde::Deserialize, serde::Serialize)]
struct Order {
    id: String,
    qty: u32,
}

#[lambda_handler]
async fn total(event: SnsEventObj<Order>) -> u32 {
    event
        .records
        .iter()
        .map(|record| record.sns.message.qty)
        .sum()
}
