//! What an `#[rds_query]` parameter may be: [`Param`] and its impls.

use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use mysql_async::{Serialized, Value};

/// A type an `#[rds_query]` fn takes as a parameter: every parameter is
/// bound through this trait, never spliced into the SQL.
///
/// Implemented for
///
/// - integers (`i8` to `i128`, `u8` to `u128`, `isize`, `usize`), `f32`,
///   `f64` and `bool`;
/// - text: `str`, `String`; bytes: `[u8]`, `[u8; N]`, `Vec<u8>`;
/// - [`std::time::Duration`] (a `TIME`), [`uuid::Uuid`], [`num_bigint::BigInt`]
///   and [`num_bigint::BigUint`];
/// - JSON: [`serde_json::Value`] and [`mysql_async::Serialized<T>`] for any
///   `T: Serialize`;
/// - dates and times: `chrono::{NaiveDate, NaiveDateTime, NaiveTime}` with
///   the `rds-chrono` feature, `time::{Date, PrimitiveDateTime, Time,
///   Duration}` with `rds-time`;
/// - [`mysql_async::Value`] itself;
/// - `Option<T>` of any of these (`None` is `NULL`), and `&T`, `Box<T>`,
///   `Rc<T>`, `Arc<T>` and `Cow<'_, T>` of any of these, so `&str`,
///   `Option<&str>`, `&[u8]` and `Arc<str>` bind.
///
/// Anything else converts at the call (`.to_string()`, a newtype's inner
/// value, a chrono/time type for a point in time), or implements `Param`:
///
/// ```
/// use lambda_kit::rds::{self, mysql_async::Value};
///
/// struct UserId(i64);
///
/// impl rds::Param for UserId {
///     fn to_param(&self) -> Value {
///         Value::Int(self.0)
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be bound as a query parameter",
    label = "not a SQL value",
    note = "parameters are integers, floats, `bool`, `String`/`&str`, `Vec<u8>`/`&[u8]`, `Duration`, `Uuid`, \
            `serde_json::Value`, chrono/time dates with the `rds-chrono`/`rds-time` features, `mysql_async::Value`, \
            and `Option<T>` of those (the full list is on `lambda_kit::rds::Param`)",
    note = "convert at the call (`.to_string()`, a newtype's inner value, `as i64` for a fieldless enum, \
            a chrono/time type for a point in time), or implement `lambda_kit::rds::Param` for your own type"
)]
pub trait Param {
    /// The value sent to the server for this parameter.
    fn to_param(&self) -> Value;
}

/// Types `Value` converts from by value and that are cheap to copy: the
/// conversion is mysql_async's own, so the bytes sent are the same.
macro_rules! copied {
    ($($ty:ty),* $(,)?) => {$(
        impl Param for $ty {
            #[inline]
            fn to_param(&self) -> Value {
                Value::from(*self)
            }
        }
    )*};
}

copied!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
copied!(f32, f64, bool, Duration, uuid::Uuid);

#[cfg(feature = "rds-chrono")]
copied!(chrono::NaiveDate, chrono::NaiveDateTime, chrono::NaiveTime);

#[cfg(feature = "rds-time")]
copied!(
    time::Date,
    time::PrimitiveDateTime,
    time::Time,
    time::Duration
);

impl Param for str {
    #[inline]
    fn to_param(&self) -> Value {
        Value::Bytes(self.as_bytes().to_vec())
    }
}

impl Param for String {
    #[inline]
    fn to_param(&self) -> Value {
        self.as_str().to_param()
    }
}

impl Param for [u8] {
    #[inline]
    fn to_param(&self) -> Value {
        Value::Bytes(self.to_vec())
    }
}

impl<const N: usize> Param for [u8; N] {
    #[inline]
    fn to_param(&self) -> Value {
        self.as_slice().to_param()
    }
}

impl Param for Vec<u8> {
    #[inline]
    fn to_param(&self) -> Value {
        self.as_slice().to_param()
    }
}

impl Param for num_bigint::BigInt {
    fn to_param(&self) -> Value {
        Value::from(self.clone())
    }
}

impl Param for num_bigint::BigUint {
    fn to_param(&self) -> Value {
        Value::from(self.clone())
    }
}

impl Param for serde_json::Value {
    fn to_param(&self) -> Value {
        // Compact JSON text, as mysql_async sends it.
        Value::Bytes(self.to_string().into_bytes())
    }
}

impl<T: serde::Serialize> Param for Serialized<T> {
    fn to_param(&self) -> Value {
        // Serialized by reference: `T` need not be `Clone`.
        Value::from(Serialized(&self.0))
    }
}

impl Param for Value {
    #[inline]
    fn to_param(&self) -> Value {
        self.clone()
    }
}

impl<T: Param> Param for Option<T> {
    #[inline]
    fn to_param(&self) -> Value {
        match self {
            Some(value) => value.to_param(),
            None => Value::NULL,
        }
    }
}

/// Forwards to the type behind a pointer.
macro_rules! pointer {
    ($($pointer:ty),* $(,)?) => {$(
        impl<T: Param + ?Sized> Param for $pointer {
            #[inline]
            fn to_param(&self) -> Value {
                T::to_param(self)
            }
        }
    )*};
}

pointer!(&T, Box<T>, Rc<T>, Arc<T>);

impl<T: Param + ToOwned + ?Sized> Param for Cow<'_, T> {
    #[inline]
    fn to_param(&self) -> Value {
        T::to_param(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mysql_async::prelude::ToValue;

    /// Every impl sends what mysql_async's own conversion sends.
    fn same<T: Param + ToValue + ?Sized>(value: &T) {
        assert_eq!(value.to_param(), value.to_value());
    }

    #[test]
    fn scalars_match_mysql_async() {
        same(&-5i8);
        same(&7u8);
        same(&-300i16);
        same(&300u16);
        same(&-70_000i32);
        same(&70_000u32);
        same(&i64::MIN);
        same(&u64::MAX);
        same(&-3isize);
        same(&3usize);
        same(&(i128::from(u64::MAX) + 1));
        same(&i128::from(i64::MIN));
        same(&(u128::from(u64::MAX) + 1));
        same(&1.5f32);
        same(&-2.25f64);
        same(&true);
        same(&Duration::new(90_061, 500_000_000));
        same(&uuid::Uuid::from_u128(
            0x1234_5678_9abc_def0_1234_5678_9abc_def0,
        ));
        same(&num_bigint::BigInt::from(-42));
        same(&num_bigint::BigUint::from(42u32));
        same(&Value::Int(4));
    }

    #[test]
    fn text_and_bytes_match_mysql_async() {
        same(&"text");
        same(&String::from("text"));
        same(&&b"bytes"[..]);
        same(b"bytes");
        same(&b"bytes".to_vec());
        same(&Box::<str>::from("boxed"));
        same(&Arc::<str>::from("shared"));
        same(&Rc::<[u8]>::from(&b"shared"[..]));
        // mysql_async has no conversion for these: the text and bytes are sent.
        assert_eq!(Cow::Borrowed("cow").to_param(), "cow".to_value());
        assert_eq!(
            Cow::<[u8]>::Owned(vec![1, 2]).to_param(),
            vec![1u8, 2].to_value()
        );
    }

    #[test]
    fn json_matches_mysql_async() {
        let json = serde_json::json!({"a": [1, "two", null], "b": {"c": true}});
        same(&json);
        assert_eq!(
            Serialized(vec![1, 2]).to_param(),
            Value::from(Serialized(vec![1, 2]))
        );
    }

    #[test]
    fn options_are_null_or_the_value() {
        same(&Some(5i64));
        same(&None::<i64>);
        same(&Some("x"));
        same(&None::<&str>);
        same(&Some(Some(1u8)));
        assert_eq!(None::<String>.to_param(), Value::NULL);
    }

    #[cfg(feature = "rds-chrono")]
    #[test]
    fn chrono_matches_mysql_async() {
        let day = chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let at = day.and_hms_micro_opt(23, 59, 58, 123_456).unwrap();
        same(&day);
        same(&at);
        same(&at.time());
    }

    #[cfg(feature = "rds-time")]
    #[test]
    fn time_matches_mysql_async() {
        let day = time::Date::from_calendar_date(2024, time::Month::February, 29).unwrap();
        let at = day.with_hms_micro(23, 59, 58, 123_456).unwrap();
        same(&day);
        same(&at);
        same(&at.time());
        same(&time::Duration::seconds(-90_061));
    }
}
