//! Orders from an SQS queue, each written once into table `orders`
//! (examples/orders_queue/orders_queue.sql). The function handles one record
//! at a time; an invalid order, a body that is not an order, or a failed
//! insert is reported in `batchItemFailures`, so only those records are
//! redelivered (and after the queue's `maxReceiveCount`, moved to its
//! dead-letter queue) while the rest of the batch is done.
//!
//! SQS delivers at least once: the same order may arrive again, in a later
//! batch or in the same one. The insert is idempotent at the database, so a
//! redelivery neither fails nor adds a row.
//!
//! ```text
//! mariadb --host=127.0.0.1 --user=root < examples/orders_queue/orders_queue.sql
//! DATABASE_URL=mysql://root@127.0.0.1:3306/web cargo run -p orders_queue -- --event examples/orders_queue/sqs_event.json
//! ```
//!
//! Deployed (template.yaml, `OrdersQueueFunction`), set `DATABASE_URL` (or the
//! `RDS_*` variables) and run it in the database's VPC, like rds_lookup.

use lambda_kit::events::SqsMessage;
use lambda_kit::tracing::info;
use lambda_kit::{lambda_handler, rds, rds_query, Error, ErrorType};
use serde::Deserialize;

/// The most items one order may ask for.
pub const MAX_QTY: u32 = 100;

/// One message body, e.g. `{"id": "o-1001", "customer": "ada", "sku":
/// "tea-250g", "qty": 2}`, and one row of `orders`.
#[derive(Debug, PartialEq, Deserialize, rds::FromRow)]
pub struct Order {
    id: String,
    customer: String,
    sku: String,
    qty: u32,
}

/// Why an order is refused. Its record is reported as failed, so it stays
/// in the queue and ends in the dead-letter queue for someone to look at;
/// logged with `errorType: "InvalidOrder"`.
#[derive(Debug, PartialEq, thiserror::Error, ErrorType)]
pub enum InvalidOrder {
    /// A text field is empty, blank or longer than its column.
    #[error("order {id:?}: `{field}` must be 1 to {max} characters")]
    Text {
        /// The order.
        id: String,
        /// The field's name.
        field: &'static str,
        /// Its column's length.
        max: usize,
    },
    /// Nothing, or more than [`MAX_QTY`], ordered.
    #[error("order {id:?}: qty {qty} is not between 1 and {MAX_QTY}")]
    Qty {
        /// The order.
        id: String,
        /// What it asked for.
        qty: u32,
    },
    /// The id was already placed with other data: not a redelivery but a
    /// second order under a used id, which must not be dropped silently.
    #[error("order {0:?} was already placed with another customer, sku or qty")]
    Conflict(String),
}

impl Order {
    /// Checks the order against its columns and [`MAX_QTY`].
    pub fn validate(&self) -> Result<(), InvalidOrder> {
        for (field, value, max) in [
            ("id", &self.id, 64),
            ("customer", &self.customer, 255),
            ("sku", &self.sku, 64),
        ] {
            if value.trim().is_empty() || value.chars().count() > max {
                let id = self.id.clone();
                return Err(InvalidOrder::Text { id, field, max });
            }
        }
        if !(1..=MAX_QTY).contains(&self.qty) {
            let (id, qty) = (self.id.clone(), self.qty);
            return Err(InvalidOrder::Qty { id, qty });
        }
        Ok(())
    }
}

// Idempotent at the database: a second delivery hits the primary key and
// the no-op update leaves the row as it is, affecting 0 rows (1 when
// inserted; lambda-kit's connections count changed rows, not found rows).
// Unlike INSERT IGNORE, it does not turn every other error (a value too
// long, a NULL) into a warning, and the 0 tells a repeat from a new order,
// so a repeat can be checked for conflicting data.
#[rds_query(
    "INSERT INTO orders (id, customer, sku, qty) VALUES (:id, :customer, :sku, :qty) \
     ON DUPLICATE KEY UPDATE id = id"
)]
async fn insert_order(id: &str, customer: &str, sku: &str, qty: u32) -> Result<u64, rds::Error>;

#[rds_query("SELECT id, customer, sku, qty FROM orders WHERE id = :id")]
async fn order_by_id(id: &str) -> Result<Option<Order>, rds::Error>;

/// Once per cold start: a wrong configuration fails init, and the first
/// batch finds its connection open.
async fn setup() -> Result<(), rds::Error> {
    rds::conn().await.map(drop)
}

/// One record's order: stored, or found stored by an earlier delivery. An
/// [`InvalidOrder`] is logged with `errorType: "InvalidOrder"`, a database
/// failure with `"rds::Error"`; either way only this record is reported.
///
/// Deployed reading `OrdersQueue` (a queue template.yaml defines) in
/// batches of up to 10.
#[lambda_handler(
    sqs,
    init = setup,
    deploy(database, queue = "OrdersQueue", batch_size = 10, timeout = 10)
)]
async fn orders_queue(order: Order, message: &SqsMessage) -> Result<(), Error> {
    order.validate().map_err(Error::typed)?;
    let id = order.id.as_str();
    if insert_order(id, &order.customer, &order.sku, order.qty).await? == 1 {
        info!(id, qty = order.qty, "order placed");
        return Ok(());
    }
    // The id was there already: the same order again is done, another one
    // under its id is refused.
    if order_by_id(id).await?.as_ref() != Some(&order) {
        return Err(Error::typed(InvalidOrder::Conflict(order.id)));
    }
    let receives = message.attributes.get("ApproximateReceiveCount");
    info!(id, receives, "order already placed: a repeated delivery");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_kit::error_type;

    fn order(customer: &str, qty: u32) -> Order {
        Order {
            id: "o-1".to_owned(),
            customer: customer.to_owned(),
            sku: "tea-250g".to_owned(),
            qty,
        }
    }

    #[test]
    fn valid_orders_pass() {
        assert_eq!(order("ada", 1).validate(), Ok(()));
        assert_eq!(order("ada", MAX_QTY).validate(), Ok(()));
        assert_eq!(order(&"é".repeat(255), 2).validate(), Ok(()));
    }

    #[test]
    fn quantities_outside_the_limit_are_refused() {
        for qty in [0, MAX_QTY + 1, u32::MAX] {
            let err = order("ada", qty).validate().unwrap_err();
            assert_eq!(
                err,
                InvalidOrder::Qty {
                    id: "o-1".to_owned(),
                    qty
                }
            );
            assert_eq!(error_type!(err), "InvalidOrder");
        }
        assert_eq!(
            order("ada", 0).validate().unwrap_err().to_string(),
            format!("order \"o-1\": qty 0 is not between 1 and {MAX_QTY}")
        );
    }

    #[test]
    fn blank_or_too_long_text_is_refused() {
        for customer in ["", "  ", &"a".repeat(256)] {
            assert_eq!(
                order(customer, 1).validate(),
                Err(InvalidOrder::Text {
                    id: "o-1".to_owned(),
                    field: "customer",
                    max: 255
                })
            );
        }
        let mut no_sku = order("ada", 1);
        no_sku.sku.clear();
        assert_eq!(
            no_sku.validate().unwrap_err().to_string(),
            "order \"o-1\": `sku` must be 1 to 64 characters"
        );
        let mut long_id = order("ada", 1);
        long_id.id = "o".repeat(65);
        assert!(matches!(
            long_id.validate(),
            Err(InvalidOrder::Text { field: "id", .. })
        ));
    }

    #[test]
    fn bodies_that_are_not_orders_do_not_decode() {
        let order: Order = lambda_kit::decode_event(
            br#"{"id": "o-1", "customer": "ada", "sku": "tea-250g", "qty": 2}"#,
        )
        .unwrap();
        assert_eq!(order.qty, 2);
        for body in [
            &br#"{"id": "o-1"}"#[..],
            br#"{"id": "o-1", "customer": "ada", "sku": "x", "qty": -1}"#,
            b"not json",
        ] {
            let err = lambda_kit::decode_event::<Order>(body).unwrap_err();
            assert_eq!(err.error_type, "Runtime.UnmarshalError");
        }
    }

    /// Every query of the binary against the real schema
    /// (examples/orders_queue/orders_queue.sql, loaded into a scratch
    /// database of its own on the server of `DATABASE_URL`).
    #[tokio::test]
    async fn every_query_fits_the_schema() {
        let checked = rds::verify_queries_with_schema(include_str!("../orders_queue.sql"))
            .await
            .unwrap();
        assert_eq!(checked.queries, 2);
    }
}
