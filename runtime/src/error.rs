//! The error type handlers return, and how any error becomes the
//! `{"errorType", "errorMessage"}` document Lambda expects.

use std::any::{type_name, Any};
use std::error::Error as StdError;
use std::fmt::{self, Debug, Display};
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

impl Error {
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
