//! An SQS batch handler for the end-to-end tests: orders with `qty: 0`
//! are rejected, `qty: 13` panics, `qty: 99` waits until cancelled, and
//! `qty` from 1000 waits until `qty - 1000` records have arrived. Each
//! record logs how many were running when it started.

use std::sync::atomic::{AtomicUsize, Ordering};

use lambda_kit::events::SqsMessage;
use lambda_kit::{lambda_handler, Context};

#[derive(serde::Deserialize)]
struct Order {
    id: u64,
    qty: u32,
}

#[derive(Debug, thiserror::Error)]
#[error("order {0} has no items")]
struct EmptyOrder(u64);

#[derive(Default)]
struct State {
    arrived: AtomicUsize,
    running: AtomicUsize,
    changed: tokio::sync::Notify,
}

/// Counts a record as running until dropped (also when cancelled).
struct Running<'a>(&'a AtomicUsize);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn setup() -> State {
    State::default()
}

#[lambda_handler(sqs, init = setup)]
async fn place(
    order: Order,
    message: &SqsMessage,
    ctx: &Context,
    state: &State,
) -> Result<(), EmptyOrder> {
    let receives = message
        .attributes
        .get("ApproximateReceiveCount")
        .map_or("?", String::as_str);
    let running = state.running.fetch_add(1, Ordering::SeqCst) + 1;
    let _running = Running(&state.running);
    lambda_kit::tracing::info!(
        id = order.id,
        receives,
        running,
        request = %ctx.request_id,
        "placing order"
    );
    match order.qty {
        0 => return Err(EmptyOrder(order.id)),
        13 => panic!("unlucky order {}", order.id),
        99 => std::future::pending::<()>().await,
        n if n >= 1000 => {
            let wanted = (n - 1000) as usize;
            state.arrived.fetch_add(1, Ordering::SeqCst);
            state.changed.notify_waiters();
            loop {
                let changed = state.changed.notified();
                if state.arrived.load(Ordering::SeqCst) >= wanted {
                    break;
                }
                changed.await;
            }
        }
        _ => {}
    }
    lambda_kit::tracing::info!(id = order.id, "placed");
    Ok(())
}
