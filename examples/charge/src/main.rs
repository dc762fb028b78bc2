//! Charges an order exactly once, however often Lambda delivers it: an
//! asynchronous invocation retried after a timeout, or a client that sends
//! the same request again, gets the first delivery's receipt, and the
//! `charges` table gets one row.
//!
//! ```text
//! mariadb --host=127.0.0.1 --user=root < examples/charge/charge.sql
//! DATABASE_URL=mysql://root@127.0.0.1:3306/shop cargo run --bin charge -- \
//!     '{"order": {"id": "o-1", "customer": "alice", "amount_cents": 1250}}'
//! ```
//!
//! Run it twice: the second run answers the same receipt without charging.

use lambda_kit::{lambda_handler, rds, rds_query, Error};
use serde::{Deserialize, Serialize};

/// `{"order": {...}}`, as an order service sends it.
#[derive(Debug, Deserialize)]
pub struct ChargeRequest {
    order: Order,
}

/// What to charge; `id` identifies the order, and so the delivery.
#[derive(Debug, Deserialize)]
pub struct Order {
    id: String,
    customer: String,
    amount_cents: i64,
}

/// The handler's answer, kept and replayed for every repeat.
#[derive(Debug, Serialize)]
pub struct Receipt {
    order_id: String,
    charge_id: u64,
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
async fn setup() -> Result<(), rds::Error> {
    rds::conn().await.map(drop)
}

/// Keyed by `order.id`; a repeat whose `order` differs from the first is
/// refused rather than answered with the first order's receipt.
#[lambda_handler(
    init = setup,
    idempotency_key = "order.id",
    idempotency_payload = "order",
    deploy(database)
)]
async fn charge(event: ChargeRequest) -> Result<Receipt, Error> {
    let order = event.order;
    if order.amount_cents <= 0 {
        return Err(Error::msg(format!(
            "order {}: the amount must be positive, not {}",
            order.id, order.amount_cents
        )));
    }
    let charged = insert_charge(&order.id, &order.customer, order.amount_cents).await?;
    lambda_kit::tracing::info!(order = %order.id, "charged");
    Ok(Receipt {
        order_id: order.id,
        charge_id: charged.last_insert_id.unwrap_or_default(),
        amount_cents: order.amount_cents,
    })
}

#[cfg(test)]
mod tests {
    use lambda_kit::rds;

    /// The charge statement and the idempotency table's, against the
    /// schema script (the bootstrap's own table included).
    #[tokio::test]
    async fn every_query_fits_the_schema() {
        let checked = rds::verify_queries_with_schema(include_str!("../charge.sql"))
            .await
            .unwrap();
        // One charge statement, six of the idempotency table.
        assert_eq!(checked.queries, 7);
    }
}
