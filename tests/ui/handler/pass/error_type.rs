// `#[derive(ErrorType)]` on every kind of type, and handlers returning
// such errors.
use lambda_kit::{error_type, ErrorType};

#[derive(Debug, ErrorType)]
struct OutOfStock;

#[derive(Debug, ErrorType)]
#[error_type(name = "Payment.Declined")]
struct Declined {
    #[allow(dead_code)]
    code: u16,
}

#[derive(Debug, ErrorType)]
enum OrderError {
    #[allow(dead_code)]
    Missing(String),
}

#[derive(Debug, lambda_kit::ErrorType)]
struct Wrapped<T: std::fmt::Debug, const N: usize>(#[allow(dead_code)] [T; N])
where
    T: Clone;

impl std::fmt::Display for OutOfStock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("out of stock")
    }
}

mod handler {
    #[lambda_kit::lambda_handler]
    async fn handler() -> Result<String, super::OutOfStock> {
        Err(super::OutOfStock)
    }
}

fn main() {
    assert_eq!(error_type!(OutOfStock), "OutOfStock");
    assert_eq!(error_type!(Declined { code: 51 }), "Payment.Declined");
    assert_eq!(error_type!(OrderError::Missing("sku".into())), "OrderError");
    assert_eq!(error_type!(Wrapped([1u8; 2])), "Wrapped");
    assert_eq!(OutOfStock.error_type(), "OutOfStock");
}
