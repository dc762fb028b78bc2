// Idempotent handlers: keyed by a path into the event (with a payload
// check and a table of their own), by the whole event, by each batch
// record's id or by a path into its payload, and by the Idempotency-Key
// header over HTTP. They build; `main` is not run.
#![allow(dead_code)]

#[derive(serde::Deserialize)]
pub struct Charge {
    order: Order,
}

#[derive(serde::Deserialize)]
pub struct Order {
    id: String,
    amount_cents: i64,
}

#[derive(serde::Serialize)]
pub struct Receipt {
    order_id: String,
}

mod by_path {
    use super::*;
    async fn setup() -> Result<(), lambda_kit::rds::Error> {
        Ok(())
    }
    #[lambda_kit::lambda_handler(
        init = setup,
        idempotency_key = "order.id",
        idempotency_payload = "order",
        idempotency_table = "charge_idempotency"
    )]
    async fn charge(event: Charge, ctx: &lambda_kit::Context) -> Result<Receipt, lambda_kit::Error> {
        let _ = (ctx, event.order.amount_cents);
        Ok(Receipt {
            order_id: event.order.id,
        })
    }
}

mod whole_event {
    // No event parameter: the event is still the key.
    #[lambda_kit::lambda_handler(idempotent)]
    fn ping() -> &'static str {
        "pong"
    }
}

mod indexed_path {
    #[lambda_kit::lambda_handler(idempotency_key = "orders[0].id", concurrent)]
    async fn first(event: serde_json::Value) -> impl serde::Serialize {
        event
    }
}

mod by_function {
    use super::*;
    fn order_key(event: &Charge) -> (&str, i64) {
        (&event.order.id, event.order.amount_cents)
    }
    #[lambda_kit::lambda_handler(idempotency_key = order_key)]
    async fn charge(event: Charge) -> Receipt {
        Receipt {
            order_id: event.order.id,
        }
    }

    // A closure, and in a batch: the record's payload.
    mod batch {
        use super::super::Order;
        #[lambda_kit::lambda_handler(sqs, idempotency_key = |order: &Order| order.id.clone())]
        async fn place(order: Order) {
            let _ = order.amount_cents;
        }
    }
}

mod batch_by_record_id {
    #[lambda_kit::lambda_handler(sqs, idempotent)]
    async fn place(order: super::Order, message: &lambda_kit::events::SqsMessage) -> Result<(), lambda_kit::Error> {
        let _ = (order.id, &message.message_id);
        Ok(())
    }
}

mod batch_by_path {
    #[lambda_kit::lambda_handler(kinesis, idempotency_key = "id")]
    async fn place(order: super::Order) {
        let _ = order.amount_cents;
    }
}

mod http_by_header {
    use lambda_kit::http::{Json, StatusCode};
    #[lambda_kit::lambda_handler(http, idempotent)]
    async fn create(Json(order): Json<serde_json::Value>) -> (StatusCode, Json<serde_json::Value>) {
        (StatusCode::CREATED, Json(order))
    }
}

fn main() {}
