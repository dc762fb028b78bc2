// With `init` and no `&State`, the second value may be the state or a
// second event: the message gives both ways out.
fn setup() -> u32 {
    7
}

#[lambda_kit::lambda_handler(init = setup)]
async fn handler(name: String, limit: u32) -> String {
    format!("{name} {limit}")
}
