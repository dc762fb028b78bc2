//! `#[lambda_handler(init = setup)]`: `setup` may be sync or async and may
//! return the state or `Result<state, E>`. The generated code cannot see
//! which, so these marker traits pick the right conversion at compile time
//! from the type `setup()` returns (autoref specialization), and
//! [`InitFn`] turns a wrong `setup` into an error that says what to write.

use std::fmt::Display;
use std::future::Future;

use futures_util::future::{ready, Ready};

use crate::error::diagnostic;
use crate::Diagnostic;

/// Implemented by every function `init` accepts.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as `init`: it must be a function taking no parameters",
    label = "`init` must name a function with no parameters",
    note = "write `fn setup() -> State`, `fn setup() -> Result<State, E>`, or the same as `async fn`; \
            the handler then takes `&State`"
)]
pub trait InitFn<R> {
    /// Calls the function.
    fn call_init(self) -> R;
}

impl<F: FnOnce() -> R, R> InitFn<R> for F {
    fn call_init(self) -> R {
        self()
    }
}

/// The init step `start` runs once: what `__lambda_kit_init!` or
/// [`no_init`] produce.
pub trait Init<S> {
    /// Runs `setup`.
    type Future: Future<Output = Result<S, Diagnostic>>;

    /// Starts the init step.
    fn run(self) -> Self::Future;
}

impl<S, F, I> Init<S> for I
where
    I: FnOnce() -> F,
    F: Future<Output = Result<S, Diagnostic>>,
{
    type Future = F;

    fn run(self) -> F {
        self()
    }
}

/// `setup()` returned a future: await it.
pub struct FutureKind;
/// `setup()` returned a value: use it as is.
pub struct ValueKind;
/// `setup` produced `Result<S, E>`: `Err` is an init failure.
pub struct FallibleKind;
/// `setup` produced the state itself.
pub struct PlainKind;

/// Chosen when `setup()` returned a future.
pub trait InitFuture {
    /// Names the conversion for this type.
    fn __lk_init_kind(&self) -> FutureKind {
        FutureKind
    }
}
impl<F: Future> InitFuture for F {}

/// Chosen for every other value (lower priority through autoref).
pub trait InitValue {
    /// Names the conversion for this type.
    fn __lk_init_kind(&self) -> ValueKind {
        ValueKind
    }
}
impl<T> InitValue for &T {}

/// Chosen when the produced value is a `Result`.
pub trait InitFallible {
    /// Names the conversion for this type.
    fn __lk_state_kind(&self) -> FallibleKind {
        FallibleKind
    }
}
impl<S, E: Display + 'static> InitFallible for Result<S, E> {}

/// Chosen for every other produced value.
pub trait InitPlain {
    /// Names the conversion for this type.
    fn __lk_state_kind(&self) -> PlainKind {
        PlainKind
    }
}
impl<T> InitPlain for &T {}

impl FutureKind {
    /// The future itself.
    pub fn into_future<F: Future>(self, future: F) -> F {
        future
    }
}

impl ValueKind {
    /// An already finished future.
    pub fn into_future<T>(self, value: T) -> Ready<T> {
        ready(value)
    }
}

impl FallibleKind {
    /// `Err` becomes the init error document.
    pub fn into_state<S, E: Display + 'static>(
        self,
        result: Result<S, E>,
    ) -> Result<S, Diagnostic> {
        result.map_err(|err| diagnostic(&err))
    }
}

impl PlainKind {
    /// Infallible setup.
    pub fn into_state<S>(self, state: S) -> Result<S, Diagnostic> {
        Ok(state)
    }
}

/// The init step of a handler without `init`.
pub fn no_init() -> Ready<Result<(), Diagnostic>> {
    ready(Ok(()))
}

/// Expands to a closure that runs `setup` once and yields
/// `Result<State, Diagnostic>`, whichever of the four shapes `setup` has.
#[doc(hidden)]
#[macro_export]
macro_rules! __lambda_kit_init {
    ($setup:expr) => {{
        let setup = $setup;
        move || async move {
            #[allow(unused_imports)]
            use $crate::__private::{
                InitFallible as _, InitFuture as _, InitPlain as _, InitValue as _,
            };
            let produced = $crate::__private::InitFn::call_init(setup);
            let output = (&produced).__lk_init_kind().into_future(produced).await;
            (&output).__lk_state_kind().into_state(output)
        }
    }};
}

#[cfg(test)]
mod tests {
    use crate::Error;

    struct State(u32);

    fn sync_plain() -> State {
        State(1)
    }
    fn sync_fallible() -> Result<State, Error> {
        Err(Error::msg("no config"))
    }
    async fn async_plain() -> State {
        State(3)
    }
    async fn async_fallible() -> Result<State, std::num::ParseIntError> {
        "x".parse::<u32>().map(State)
    }

    #[tokio::test]
    async fn every_setup_shape_is_accepted() {
        assert_eq!(crate::__lambda_kit_init!(sync_plain)().await.unwrap().0, 1);
        assert_eq!(crate::__lambda_kit_init!(async_plain)().await.unwrap().0, 3);
        let err = crate::__lambda_kit_init!(sync_fallible)()
            .await
            .err()
            .unwrap();
        assert_eq!(
            (err.error_type.as_str(), err.error_message.as_str()),
            ("Error", "no config")
        );
        let err = crate::__lambda_kit_init!(async_fallible)()
            .await
            .err()
            .unwrap();
        assert_eq!(err.error_type, "ParseIntError");
        let unit: () = crate::__lambda_kit_init!(|| ())().await.unwrap();
        assert_eq!(unit, ());
    }
}
