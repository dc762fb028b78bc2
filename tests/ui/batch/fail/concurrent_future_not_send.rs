use std::rc::Rc;

#[lambda_kit::lambda_handler(sqs, concurrent)]
async fn handler(body: String) {
    let local = Rc::new(body);
    tokio::task::yield_now().await;
    drop(local);
}
