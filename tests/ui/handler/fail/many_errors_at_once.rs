// Every rule is checked: all errors are reported in one compile.
#[lambda_kit::lambda_handler(bogus)]
async fn handler<T>(a: String, b: String, c: impl Sized) {
    let _ = (a, b, c);
}
