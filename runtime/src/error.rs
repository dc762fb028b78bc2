//! The error type handlers return, and how any error becomes the
//! `{"errorType", "errorMessage"}` document Lambda expects.
//!
//! An error's `errorType` is the name it states through [`ErrorType`]
//! (`#[derive(ErrorType)]`), else the short form of
//! `std::any::type_name`, whose exact format std does not promise: state
//! the name of any error a Step Functions `ErrorEquals` or a metric filter
//! matches on.

use std::any::{type_name, Any};
use std::error::Error as StdError;
use std::fmt::{self, Debug, Display};
use std::marker::PhantomData;
use std::ops::Deref;

pub use lambda_runtime::Diagnostic;

/// A handler error that remembers the short name of the type it was built
/// from, so `Err(ValidationError { .. })?` is reported to Lambda with
/// `errorType: "ValidationError"` rather than a boxed trait object's name.
///
/// Any `std::error::Error + Send + Sync + 'static` converts into it with `?`;
/// [`Error::msg`] builds one from a plain message.
pub struct Error {
    error_type: String,
    inner: Box<dyn StdError + Send + Sync + 'static>,
}

/// An error that states its Lambda `errorType` itself, rather than
/// leaving it to the type's name as the compiler spells it.
///
/// Derive it: the name is the type's identifier as written in the source
/// (generic parameters left out), or the one given with
/// `#[error_type(name = "...")]`:
///
/// ```
/// use lambda_kit::ErrorType;
///
/// #[derive(Debug, ErrorType)]
/// struct OutOfStock;
///
/// #[derive(Debug, ErrorType)]
/// #[error_type(name = "Payment.Declined")]
/// struct Declined { code: u16 }
///
/// assert_eq!(OutOfStock.error_type(), "OutOfStock");
/// assert_eq!(Declined { code: 51 }.error_type(), "Payment.Declined");
/// ```
///
/// A handler returning `Result<T, E>` reports `E`'s stated name when
/// `E: ErrorType` and the short type name otherwise ([`error_type!`](crate::error_type!) shows
/// which an error gets). `?` into [`Error`] cannot see the trait (that
/// would need specialization): build the [`Error`] with [`Error::typed`] to
/// keep the stated name.
///
/// Implement it by hand to name each variant of an enum on its own.
pub trait ErrorType {
    /// The `errorType` Lambda reports for this error.
    fn error_type(&self) -> &str;
}

impl ErrorType for Error {
    fn error_type(&self) -> &str {
        &self.error_type
    }
}

/// The `errorType` Lambda reports when a handler returns `Err(error)`: the
/// name an [`ErrorType`] states, else the short type name. For tests that
/// pin the names other systems match on.
///
/// ```
/// use lambda_kit::{error_type, ErrorType};
///
/// #[derive(Debug, ErrorType)]
/// struct OutOfStock;
///
/// assert_eq!(error_type!(OutOfStock), "OutOfStock");
/// assert_eq!(error_type!("x".parse::<u8>().unwrap_err()), "ParseIntError");
/// ```
#[macro_export]
macro_rules! error_type {
    ($error:expr) => {{
        let error = $error;
        let result = ::core::result::Result::<(), _>::Err(error);
        let namer = $crate::__private::namer!(&result);
        match &result {
            ::core::result::Result::Err(error) => namer(error),
            ::core::result::Result::Ok(()) => ::core::unreachable!(),
        }
    }};
}

/// Not public API: `namer!(&result)` is the function that names the error
/// of a `Result`, chosen at compile time by whether it is an [`ErrorType`]
/// (autoref dispatch: the by-name impl is on `Probe`, the fallback on
/// `&Probe`, so method lookup tries the by-name one first).
#[doc(hidden)]
#[macro_export]
macro_rules! __lambda_kit_namer {
    ($result:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::{NameByErrorType as _, NameByTypeName as _};
        (&$crate::__private::Probe::of($result)).namer()
    }};
}

/// Not public API: carries the error type for the dispatch of `namer!`.
#[doc(hidden)]
pub struct Probe<E>(PhantomData<fn(&E)>);

impl<E> Probe<E> {
    /// The probe for a `Result`'s error type.
    pub fn of<T>(_: &Result<T, E>) -> Self {
        Probe(PhantomData)
    }
}

/// Not public API: the stated name, for `E: ErrorType`.
#[doc(hidden)]
pub trait NameByErrorType<E> {
    /// Names an `E`.
    fn namer(&self) -> fn(&E) -> String;
}

impl<E: ErrorType> NameByErrorType<E> for Probe<E> {
    fn namer(&self) -> fn(&E) -> String {
        |error| error.error_type().to_owned()
    }
}

/// Not public API: the short type name, for any other `E`.
#[doc(hidden)]
pub trait NameByTypeName<E> {
    /// Names an `E`.
    fn namer(&self) -> fn(&E) -> String;
}

// No bounds: an error that cannot be reported at all is diagnosed once,
// at the call that reports it.
impl<E> NameByTypeName<E> for &Probe<E> {
    fn namer(&self) -> fn(&E) -> String {
        |_| short_type_name(type_name::<E>())
    }
}

impl Error {
    /// An error that keeps the name `error` states through [`ErrorType`]
    /// (`?` and `From` use the short type name).
    pub fn typed<E>(error: E) -> Self
    where
        E: ErrorType + StdError + Send + Sync + 'static,
    {
        Self {
            error_type: error.error_type().to_owned(),
            inner: Box::new(error),
        }
    }

    /// An error carrying only a message; its `errorType` is `"Error"`.
    pub fn msg(message: impl Display) -> Self {
        Self {
            error_type: "Error".to_owned(),
            inner: message.to_string().into(),
        }
    }

    /// An error with an explicit `errorType`, for callers that want the
    /// Lambda document to name a category of their own.
    pub fn with_type(error_type: impl Into<String>, message: impl Display) -> Self {
        Self {
            error_type: error_type.into(),
            inner: message.to_string().into(),
        }
    }

    /// The `errorType` Lambda will report for this error.
    pub fn error_type(&self) -> &str {
        &self.error_type
    }

    /// The wrapped error, for downcasting or walking its `source()` chain.
    pub fn into_inner(self) -> Box<dyn StdError + Send + Sync + 'static> {
        self.inner
    }
}

impl<E> From<E> for Error
where
    E: StdError + Send + Sync + 'static,
{
    fn from(error: E) -> Self {
        Self {
            error_type: short_type_name(type_name::<E>()),
            inner: Box::new(error),
        }
    }
}

impl Deref for Error {
    type Target = dyn StdError + Send + Sync + 'static;

    fn deref(&self) -> &Self::Target {
        &*self.inner
    }
}

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Display::fmt(&self.inner, f)
    }
}

impl Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.inner)?;
        let mut source = self.inner.source();
        while let Some(cause) = source {
            write!(f, "\n  caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

/// The Lambda error document for any error value: `errorType` is the short
/// name of `E` (or the name an [`Error`] captured), `errorMessage` its
/// `Display` text.
pub fn diagnostic<E: Display + 'static>(error: &E) -> Diagnostic {
    let error_type = match (error as &dyn Any).downcast_ref::<Error>() {
        Some(kit) => kit.error_type.clone(),
        None => short_type_name(type_name::<E>()),
    };
    Diagnostic {
        error_type,
        error_message: error.to_string(),
    }
}

/// Shortens a `std::any::type_name` to what a reader calls the type:
/// `my_app::errors::ValidationError` becomes `ValidationError`,
/// `std::io::error::Error` becomes `io::Error` (a bare `Error` says
/// nothing, so it keeps the module that names it), generic arguments are
/// shortened the same way and a `Box` is looked through.
pub fn short_type_name(full: &str) -> String {
    let full = full.trim_start_matches('&').trim();
    if let Some(inner) = full
        .strip_prefix("alloc::boxed::Box<")
        .and_then(|rest| rest.strip_suffix('>'))
    {
        return short_type_name(inner.trim_start_matches("dyn "));
    }
    let mut out = String::with_capacity(full.len());
    let mut path = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            path.push(c);
        } else {
            out.push_str(&short_path(&path));
            path.clear();
            out.push(c);
        }
    }
    out.push_str(&short_path(&path));
    out
}

fn short_path(path: &str) -> String {
    let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let Some((&last, modules)) = segments.split_last() else {
        return path.to_owned();
    };
    if last != "Error" {
        return last.to_owned();
    }
    // `io::error::Error`: skip the module named after the type itself.
    let qualifier = modules
        .iter()
        .rev()
        .find(|m| !m.eq_ignore_ascii_case(last))
        .filter(|m| !matches!(**m, "core" | "std" | "alloc"));
    match qualifier {
        Some(module) => format!("{module}::{last}"),
        None => last.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct ValidationError;
    impl Display for ValidationError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("name must not be empty")
        }
    }
    impl StdError for ValidationError {}

    #[test]
    fn short_names_read_like_the_source() {
        let cases = [
            ("my_app::errors::ValidationError", "ValidationError"),
            ("alloc::string::String", "String"),
            ("&str", "str"),
            ("std::io::error::Error", "io::Error"),
            ("serde_json::error::Error", "serde_json::Error"),
            ("anyhow::Error", "anyhow::Error"),
            ("core::num::error::ParseIntError", "ParseIntError"),
            ("app::Wrapper<app::inner::Inner, u8>", "Wrapper<Inner, u8>"),
            (
                "alloc::boxed::Box<dyn core::error::Error + core::marker::Send + core::marker::Sync>",
                "Error + Send + Sync",
            ),
        ];
        for (full, short) in cases {
            assert_eq!(short_type_name(full), short, "for {full}");
        }
    }

    #[test]
    fn question_mark_keeps_the_concrete_type_name() {
        fn fails() -> Result<(), Error> {
            Err(ValidationError)?
        }
        let err = fails().unwrap_err();
        assert_eq!(err.error_type(), "ValidationError");
        let doc = diagnostic(&err);
        assert_eq!(doc.error_type, "ValidationError");
        assert_eq!(doc.error_message, "name must not be empty");
    }

    #[test]
    fn any_display_type_is_reported_by_its_name() {
        assert_eq!(diagnostic(&ValidationError).error_type, "ValidationError");
        let parse = "x".parse::<i32>().unwrap_err();
        let doc = diagnostic(&parse);
        assert_eq!(doc.error_type, "ParseIntError");
        assert_eq!(doc.error_message, "invalid digit found in string");
        assert_eq!(diagnostic(&"plain").error_type, "str");
        let io = std::io::Error::other("disk on fire");
        assert_eq!(diagnostic(&io).error_type, "io::Error");
    }

    #[test]
    fn message_errors_and_explicit_types() {
        let doc = diagnostic(&Error::msg("Something went wrong"));
        assert_eq!(doc.error_type, "Error");
        assert_eq!(doc.error_message, "Something went wrong");
        let doc = diagnostic(&Error::with_type("Exception", "boom"));
        assert_eq!(doc.error_type, "Exception");
    }

    #[derive(Debug)]
    struct SaveFailed(ValidationError);
    impl Display for SaveFailed {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("could not save the item")
        }
    }
    impl StdError for SaveFailed {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn debug_shows_type_and_causes() {
        let err = Error::from(SaveFailed(ValidationError));
        assert_eq!(
            format!("{err:?}"),
            "SaveFailed: could not save the item\n  caused by: name must not be empty"
        );
        assert_eq!(err.source().unwrap().to_string(), "name must not be empty");
    }
}
