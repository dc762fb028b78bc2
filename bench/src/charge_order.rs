//! What both charge bootstraps run per invocation: the handler of
//! examples/charge/src/main.rs, one `#[rds_query]` INSERT into `charges`,
//! so only the idempotency around it differs between `bench_charge` and
//! `bench_charge_idempotent`. The receipt leaves out the example's
//! `charge_id` (the row's auto-increment id), so that every reply can be
//! checked against the event; that repeats did not charge again is checked
//! on the table afterwards.

use lambda_kit::{rds, rds_query, Error};
use serde::{Deserialize, Serialize};

/// `{"order": {...}}`, as the charge example takes it.
#[derive(Debug, Deserialize)]
pub struct ChargeRequest {
    pub order: Order,
}

/// What to charge; `id` identifies the order, and so the delivery.
#[derive(Debug, Deserialize)]
pub struct Order {
    id: String,
    customer: String,
    amount_cents: i64,
}

/// The handler's answer (kept and replayed by the idempotent one).
#[derive(Debug, Serialize)]
pub struct Receipt {
    order_id: String,
    amount_cents: i64,
}

#[rds_query(
    "INSERT INTO charges (order_id, customer, amount_cents) VALUES (:order_id, :customer, :amount_cents)"
)]
async fn insert_charge(
    order_id: &str,
    customer: &str,
    amount_cents: i64,
) -> Result<rds::Exec, rds::Error>;

/// Once per cold start: the first invocation finds its connection open.
pub async fn setup() -> Result<(), rds::Error> {
    rds::conn().await.map(drop)
}

/// The charge: one row, one log line, the receipt.
pub async fn charge(order: Order) -> Result<Receipt, Error> {
    insert_charge(&order.id, &order.customer, order.amount_cents).await?;
    lambda_kit::tracing::info!(order = %order.id, "charged");
    Ok(Receipt {
        order_id: order.id,
        amount_cents: order.amount_cents,
    })
}
