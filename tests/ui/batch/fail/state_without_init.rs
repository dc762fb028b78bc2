struct State;

#[lambda_kit::lambda_handler(sqs)]
async fn place(body: String, state: &State) {
    let _ = (body, state);
}
