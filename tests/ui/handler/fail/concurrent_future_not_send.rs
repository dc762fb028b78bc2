use std::rc::Rc;

#[lambda_kit::lambda_handler(concurrent)]
async fn handler(n: u32) -> u32 {
    let local = Rc::new(n);
    tokio::task::yield_now().await;
    *local
}
