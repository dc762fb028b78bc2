#[derive(serde::Deserialize)]
struct MyEvent {
    name: String,
}

#[lambda_kit::lambda_handler(http)]
async fn handler(event: MyEvent) -> String {
    event.name
}
