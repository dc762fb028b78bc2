//! The `shutdown = teardown` hook: the trait `start` takes, the traits that
//! turn a hook of the wrong shape into an error saying what to write, and
//! the macro that adapts any accepted shape.

use std::future::Future;

use futures_util::future::{ready, Ready};

use crate::Diagnostic;

/// The `shutdown` hook `start` runs: what `__lambda_kit_shutdown!` or
/// [`no_shutdown`] produce, given the init state.
pub trait Shutdown<S> {
    /// Runs the hook.
    type Future: Future<Output = Result<(), Diagnostic>>;

    /// Starts the hook.
    fn run(self, state: &'static S) -> Self::Future;
}

impl<S: 'static, F, K> Shutdown<S> for K
where
    K: FnOnce(&'static S) -> F,
    F: Future<Output = Result<(), Diagnostic>>,
{
    type Future = F;

    fn run(self, state: &'static S) -> F {
        self(state)
    }
}

/// The hook of a handler without `shutdown`.
pub fn no_shutdown<S>(_state: &'static S) -> Ready<Result<(), Diagnostic>> {
    ready(Ok(()))
}

/// Implemented by every function `shutdown` accepts when the handler has
/// `init`: it takes the init state.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as `shutdown`: with `init`, it must take the init state",
    label = "`shutdown` must name a function taking `&State`",
    note = "write `fn teardown(state: &State)` or `async fn teardown(state: &State)`, \
            returning `()` or `Result<(), E>`"
)]
pub trait ShutdownWithState<S, R> {
    /// Calls the function.
    fn call_shutdown(self, state: &'static S) -> R;
}

impl<S: 'static, R, F: FnOnce(&'static S) -> R> ShutdownWithState<S, R> for F {
    fn call_shutdown(self, state: &'static S) -> R {
        self(state)
    }
}

/// Implemented by every function `shutdown` accepts when the handler has
/// no `init`: it takes nothing.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as `shutdown`: without `init`, it must take no parameters",
    label = "`shutdown` must name a function with no parameters",
    note = "write `fn teardown()` or `async fn teardown()`, returning `()` or `Result<(), E>`; \
            with `init = setup`, it may take the state: `fn teardown(state: &State)`"
)]
pub trait ShutdownFn<R> {
    /// Calls the function.
    fn call_shutdown(self) -> R;
}

impl<R, F: FnOnce() -> R> ShutdownFn<R> for F {
    fn call_shutdown(self) -> R {
        self()
    }
}

/// A hook's outcome, which must be `()` (or `Result<(), E>`, already
/// turned into `Result<(), Diagnostic>` by the caller).
#[inline(always)]
pub fn hook_outcome(outcome: Result<(), Diagnostic>) -> Result<(), Diagnostic> {
    outcome
}

/// Expands to the hook closure for `shutdown = teardown`: it calls
/// `teardown` (with the state when the handler has `init`), awaits it when
/// async, and turns `Result<(), E>` into `Result<(), Diagnostic>`.
#[doc(hidden)]
#[macro_export]
macro_rules! __lambda_kit_shutdown {
    (state: $hook:expr) => {{
        let hook = $hook;
        move |__state: &'static _| async move {
            #[allow(unused_imports)]
            use $crate::__private::{
                InitFallible as _, InitFuture as _, InitPlain as _, InitValue as _,
            };
            let produced = $crate::__private::ShutdownWithState::call_shutdown(hook, __state);
            let output = (&produced).__lk_init_kind().into_future(produced).await;
            $crate::__private::hook_outcome((&output).__lk_state_kind().into_state(output))
        }
    }};
    ($hook:expr) => {{
        let hook = $hook;
        move |_: &'static _| async move {
            #[allow(unused_imports)]
            use $crate::__private::{
                InitFallible as _, InitFuture as _, InitPlain as _, InitValue as _,
            };
            let produced = $crate::__private::ShutdownFn::call_shutdown(hook);
            let output = (&produced).__lk_init_kind().into_future(produced).await;
            $crate::__private::hook_outcome((&output).__lk_state_kind().into_state(output))
        }
    }};
}
