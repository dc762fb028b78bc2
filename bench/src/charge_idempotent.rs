//! The charge handler as examples/charge/src/main.rs declares it: keyed by
//! `order.id`, a repeat whose `order` differs refused. A first delivery
//! claims the key, charges and keeps the receipt; a repeat gets the kept
//! receipt without the handler running.

mod charge_order;

use charge_order::{setup, ChargeRequest, Receipt};
use lambda_kit::{lambda_handler, Error};

#[lambda_handler(init = setup, idempotency_key = "order.id", idempotency_payload = "order")]
async fn charge(event: ChargeRequest) -> Result<Receipt, Error> {
    charge_order::charge(event.order).await
}
