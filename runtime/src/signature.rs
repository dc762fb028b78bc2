//! The bounds a handler's event and return types must meet, each a trait
//! of ours with a message saying what to derive. `start` takes both types
//! as written in the handler's signature, so rustc reports an unmet bound
//! once, at that type, rather than again inside the generated `main`.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A type a handler can take as its event.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a handler's event: it does not implement `Deserialize`",
    label = "not `Deserialize`",
    note = "derive it: `#[derive(serde::Deserialize)]` on `{Self}`, or take `serde_json::Value`"
)]
pub trait Event: DeserializeOwned {}

impl<T: DeserializeOwned> Event for T {}

/// A type a handler can return, alone or as the `Ok` of a `Result`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned by a handler: it does not implement `Serialize`",
    label = "not `Serialize`",
    note = "derive it: `#[derive(serde::Serialize)]` on `{Self}`, or return `serde_json::Value`"
)]
pub trait Output: Serialize {}

impl<T: Serialize> Output for T {}

/// The `Ok` type of a handler's `Result`, whatever alias names it.
pub trait Fallible {
    /// `T` of `Result<T, E>`.
    type Ok;
}

impl<T, E> Fallible for Result<T, E> {
    type Ok = T;
}
