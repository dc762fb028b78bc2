//! A bootstrap whose init state holds an `Rc`: it cannot serve
//! invocations concurrently, so under `AWS_LAMBDA_MAX_CONCURRENCY` it
//! serves them one at a time and says why at startup.

use std::cell::Cell;
use std::rc::Rc;

use lambda_kit::lambda_handler;

fn setup() -> Rc<Cell<u64>> {
    Rc::new(Cell::new(0))
}

#[lambda_handler(init = setup)]
async fn sequential_fixture(count: &Rc<Cell<u64>>) -> u64 {
    count.set(count.get() + 1);
    count.get()
}
