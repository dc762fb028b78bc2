//! The charge handler without idempotency: every delivery charges.

mod charge_order;

use charge_order::{setup, ChargeRequest, Receipt};
use lambda_kit::{lambda_handler, Error};

#[lambda_handler(init = setup)]
async fn charge(event: ChargeRequest) -> Result<Receipt, Error> {
    charge_order::charge(event.order).await
}
