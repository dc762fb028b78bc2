//! The `errorType` strings Lambda receives, pinned. Step Functions
//! `ErrorEquals` and CloudWatch metric filters match on them, so a change
//! to any line of this table breaks users' state machines and alarms.

use std::fmt;

use lambda_kit::{error_type, ErrorType};

#[derive(Debug, ErrorType)]
struct OutOfStock;

#[derive(Debug, ErrorType)]
#[error_type(name = "Payment.Declined")]
struct Declined;

#[derive(Debug, ErrorType)]
struct Batch<T>(#[allow(dead_code)] T);

/// Not derived: named by the short type name.
#[derive(Debug)]
struct Plain<T>(#[allow(dead_code)] T);

macro_rules! display_and_error {
    ($($ty:ty),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(stringify!($ty))
            }
        }
        impl std::error::Error for $ty {}
    )*};
}
display_and_error!(OutOfStock, Declined);

#[test]
fn error_types_are_pinned() {
    let boxed: Box<dyn std::error::Error + Send + Sync> = "boom".into();
    let table: [(String, &str); 11] = [
        (error_type!(std::io::Error::other("disk")), "io::Error"),
        (
            error_type!("x".parse::<i32>().unwrap_err()),
            "ParseIntError",
        ),
        (error_type!(OutOfStock), "OutOfStock"),
        (error_type!(Declined), "Payment.Declined"),
        (error_type!(Batch(7u8)), "Batch"),
        (
            error_type!(Plain("x".parse::<u8>().unwrap_err())),
            "Plain<ParseIntError>",
        ),
        (error_type!(boxed), "Error + Send + Sync"),
        (error_type!(String::from("no")), "String"),
        (error_type!(lambda_kit::Error::msg("no")), "Error"),
        (
            error_type!(lambda_kit::Error::typed(Declined)),
            "Payment.Declined",
        ),
        // `?` cannot see `ErrorType` (no specialization): the type's name.
        (error_type!(lambda_kit::Error::from(Declined)), "Declined"),
    ];
    for (got, expected) in table {
        assert_eq!(got, expected);
    }
}
