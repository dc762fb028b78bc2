//! An SQS batch through `#[lambda_handler(sqs)]`: one call per record, the
//! body decoded into an [`Order`], failures answered as
//! `{"batchItemFailures": [...]}` by the generated bootstrap.

mod batch_order;

use batch_order::{EmptyOrder, Order};
use lambda_kit::lambda_handler;

#[lambda_handler(sqs)]
async fn place(order: Order) -> Result<(), EmptyOrder> {
    batch_order::place(&order)
}
