#[lambda_kit::lambda_handler]
async fn handler(event: &mut String) {
    event.push('!');
}
