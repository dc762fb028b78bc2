//! What both SQS batch bootstraps do with one record's body: the same
//! type and the same trivial check, so only the plumbing around differs.

use std::fmt;

use serde::Deserialize;

/// One record's body, `{"id":N,"qty":M}`.
#[derive(Deserialize)]
pub struct Order {
    pub id: u64,
    pub qty: u32,
}

/// An order without items: the record fails.
#[derive(Debug)]
pub struct EmptyOrder(pub u64);

impl fmt::Display for EmptyOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "order {} has no items", self.0)
    }
}

impl std::error::Error for EmptyOrder {}

/// The handler's work on one record: accept it unless `qty` is zero.
pub fn place(order: &Order) -> Result<(), EmptyOrder> {
    if order.qty > 0 {
        Ok(())
    } else {
        Err(EmptyOrder(order.id))
    }
}
