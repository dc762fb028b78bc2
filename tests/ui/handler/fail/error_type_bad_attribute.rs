#[derive(Debug, lambda_kit::ErrorType)]
#[error_type(rename = "Declined")]
struct PaymentDeclined;

#[derive(Debug, lambda_kit::ErrorType)]
#[error_type(name = "")]
struct Empty;

#[derive(Debug, lambda_kit::ErrorType)]
#[error_type(name = Declined)]
struct NotAString;

fn main() {}
