const ANSWER: u8 = 42;

#[lambda_kit::lambda_handler(init = ANSWER)]
async fn handler(answer: &u8) -> u8 {
    *answer
}
