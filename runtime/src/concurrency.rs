//! Many invocations at once in one execution environment, as Lambda
//! Managed Instances run them: with `AWS_LAMBDA_MAX_CONCURRENCY` above 1,
//! a bootstrap whose handler can run on several threads serves that many
//! invocations concurrently (`lambda_runtime`'s `run_concurrent`, on a
//! multi-thread runtime); one that cannot serves them one at a time and
//! says why at startup.
//!
//! Whether a handler can is decided at compile time, in the generated
//! `main`, where every type is concrete. The choice is autoref-based
//! dispatch: [`__lambda_kit_concurrency!`](crate::__lambda_kit_concurrency)
//! calls a method on a [`Probe`] that two traits provide. [`Concurrent`] is
//! implemented for the probe itself, only when the handler, its future,
//! event, output and state are `Send`/`Sync`; [`Sequential`] is implemented
//! for a reference to it, without bounds. Method resolution tries the
//! probe's own type before adding a reference, so it takes `Concurrent`
//! when its bounds hold and falls back to `Sequential` otherwise, with no
//! error either way. The generic runtime code never needs to know: the
//! choice arrives as a function pointer instantiated where the bounds were
//! proven ([`Serving`]).
//!
//! The probe must see the handler's future as an item's return type (the
//! macro emits the handler's adapter as a nested fn returning
//! `impl Future`, its body an `async move` block that holds only what the
//! handler takes): an `async` block written in `main` itself would still be
//! being type-checked when the probe asks whether it is `Send`, and then
//! the question has no answer yet.

use std::any::type_name;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use lambda_runtime::Context;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::init::Init;
use crate::shutdown::Tracker;
use crate::Diagnostic;

/// Names the environment variable with which Lambda Managed Instances say
/// how many invocations one execution environment may run at once.
pub const MAX_CONCURRENCY_ENV: &str = "AWS_LAMBDA_MAX_CONCURRENCY";

/// How many invocations at once [`MAX_CONCURRENCY_ENV`] asks for: 1 when
/// it is unset. A value that is not a whole number from 1 up is an init
/// error (Lambda itself never sets one).
pub(crate) fn requested() -> Result<u32, Diagnostic> {
    parse(std::env::var(MAX_CONCURRENCY_ENV).ok().as_deref())
}

/// How many invocations one execution environment runs at once, as the
/// database pool's default size, from the setting's `value`: 1 when it is
/// unset or not valid (init then fails anyway).
#[cfg(feature = "rds")]
pub(crate) fn per_environment(value: Option<&str>) -> u32 {
    parse(value).unwrap_or(1)
}

fn parse(value: Option<&str>) -> Result<u32, Diagnostic> {
    // Read exactly as `lambda_runtime` reads it, so both agree on the
    // number (it ignores a value that does not parse).
    let Some(text) = value.filter(|text| !text.is_empty()) else {
        return Ok(1);
    };
    match text.parse::<u32>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(Diagnostic {
            error_type: "Runtime.InvalidEnvironment".to_owned(),
            error_message: format!(
                "{MAX_CONCURRENCY_ENV} must be a whole number from 1 up, not `{text}`"
            ),
        }),
    }
}

/// The invocation loop a bootstrap runs, boxed once per process.
pub(crate) type Loop = Pin<Box<dyn Future<Output = Result<(), lambda_runtime::Error>>>>;

/// Not public API: what the loop of a bootstrap shares with the code that
/// shuts it down.
#[doc(hidden)]
pub struct Parts {
    pub(crate) tracker: Tracker,
}

/// Not public API: how a bootstrap may serve invocations, as picked in the
/// generated `main`: `T` is what the loop is built from (the handler), `S`
/// the init state.
#[doc(hidden)]
pub struct Serving<T, S: 'static>(pub(crate) Result<BuildLoop<T, S>, Why>);

/// Builds the concurrent loop from what it is built from and the state.
pub(crate) type BuildLoop<T, S> = fn(T, &'static S, Parts) -> Loop;

impl<T, S: 'static> Serving<T, S> {
    /// Serving that never runs invocations concurrently (local runs, and
    /// bootstraps that build their loop themselves).
    pub(crate) fn sequential(why: Why) -> Self {
        Self(Err(why))
    }
}

/// Why a handler runs one invocation at a time, for the startup message.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Why {
    what: &'static str,
    ty: &'static str,
    lacks: &'static str,
}

impl Why {
    /// `what` (of type `ty`, when not empty) is not `lacks`.
    #[cfg(feature = "http")]
    pub(crate) const fn new(what: &'static str, ty: &'static str, lacks: &'static str) -> Self {
        Self { what, ty, lacks }
    }
}

impl std::fmt::Display for Why {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.ty.is_empty() {
            write!(f, "{} is not `{}`", self.what, self.lacks)
        } else {
            write!(f, "{} `{}` is not `{}`", self.what, self.ty, self.lacks)
        }
    }
}

/// The reason given when the state, event and output all are fine: the
/// handler's own future holds something that is not `Send`.
const FUTURE_NOT_SEND: Why = Why {
    what: "the handler's future (it holds a value that is not `Send` across an `.await`, \
           such as an `Rc` or a `RefCell` borrow)",
    ty: "",
    lacks: "Send",
};

/// Not public API: the types of a handler, for the dispatch of
/// [`__lambda_kit_concurrency!`](crate::__lambda_kit_concurrency). `E` is
/// the event, `O` the output, `S` the state, `T` what the loop is built
/// from, `H` the handler whose future is probed.
#[doc(hidden)]
pub struct Probe<E, O, S, T, H>(pub(crate) PhantomData<Named<E, O, S, T, H>>);

/// Types named without being owned (so `Send` and `Sync` whatever they are).
type Named<E, O, S, T, H> = fn() -> (E, O, S, T, H);

/// Not public API: a type, asked whether it is `Send` or `Sync`.
#[doc(hidden)]
pub struct Ty<T: ?Sized>(PhantomData<fn() -> PhantomData<T>>);

impl<E, O, S, T, H> Probe<E, O, S, T, H> {
    /// The state type, to ask whether it is `Sync`.
    pub fn state(&self) -> Ty<S> {
        Ty(PhantomData)
    }

    /// The event type, to ask whether it is `Send`.
    pub fn event(&self) -> Ty<E> {
        Ty(PhantomData)
    }

    /// The output type, to ask whether it is `Send`.
    pub fn output(&self) -> Ty<O> {
        Ty(PhantomData)
    }
}

/// Not public API: the probe of a plain handler, tying its state type to
/// `init`'s and its output type to the handler's, so both are known when
/// the dispatch is resolved.
#[doc(hidden)]
pub fn probe<E, O, S, H, F, I>(_init: &I, _handler: &H) -> Probe<E, O, S, &'static H, H>
where
    S: 'static,
    I: Init<S>,
    H: Fn(E, Context, &'static S) -> F,
    F: Future<Output = Result<O, Diagnostic>>,
{
    Probe(PhantomData)
}

/// Chosen for a `Sync` state.
#[doc(hidden)]
pub trait StateSync {
    /// Nothing to say.
    fn not_sync(&self) -> Option<Why> {
        None
    }
}
impl<T: Sync + ?Sized> StateSync for Ty<T> {}

/// Chosen for any other state (lower priority through autoref).
#[doc(hidden)]
pub trait StateAny {
    /// The state is not `Sync`.
    fn not_sync(&self) -> Option<Why>;
}
impl<T: ?Sized> StateAny for &Ty<T> {
    fn not_sync(&self) -> Option<Why> {
        Some(Why {
            what: "the init state",
            ty: type_name::<T>(),
            lacks: "Sync",
        })
    }
}

/// Chosen for a `Send` event or output.
#[doc(hidden)]
pub trait ValueSend {
    /// Nothing to say.
    fn not_send(&self, _what: &'static str) -> Option<Why> {
        None
    }
}
impl<T: Send + ?Sized> ValueSend for Ty<T> {}

/// Chosen for any other event or output (lower priority through autoref).
#[doc(hidden)]
pub trait ValueAny {
    /// The value is not `Send`.
    fn not_send(&self, what: &'static str) -> Option<Why>;
}
impl<T: ?Sized> ValueAny for &Ty<T> {
    fn not_send(&self, what: &'static str) -> Option<Why> {
        Some(Why {
            what,
            ty: type_name::<T>(),
            lacks: "Send",
        })
    }
}

/// Chosen for a plain handler that can serve invocations concurrently.
#[doc(hidden)]
pub trait Concurrent<T, S: 'static> {
    /// Serving with the concurrent loop.
    fn serving(&self, why_not: [Option<Why>; 3]) -> Serving<T, S>;
}

impl<E, O, S, H, F> Concurrent<&'static H, S> for Probe<E, O, S, &'static H, H>
where
    E: DeserializeOwned + Send + 'static,
    O: Serialize + Send + 'static,
    S: Sync + 'static,
    H: Fn(E, Context, &'static S) -> F + Sync + 'static,
    F: Future<Output = Result<O, Diagnostic>> + Send + 'static,
{
    fn serving(&self, _: [Option<Why>; 3]) -> Serving<&'static H, S> {
        Serving(Ok(crate::bootstrap::concurrent_loop::<E, S, H>))
    }
}

/// Chosen for every other handler (lower priority through autoref): it
/// runs one invocation at a time.
#[doc(hidden)]
pub trait Sequential<T, S: 'static> {
    /// Serving without the concurrent loop, and why.
    fn serving(&self, why_not: [Option<Why>; 3]) -> Serving<T, S>;
}

impl<P: Probed> Sequential<P::Loop, P::State> for &P {
    fn serving(&self, why_not: [Option<Why>; 3]) -> Serving<P::Loop, P::State> {
        let why = why_not.into_iter().flatten().next();
        Serving::sequential(why.unwrap_or(FUTURE_NOT_SEND))
    }
}

/// Not public API: what a probe names.
#[doc(hidden)]
pub trait Probed {
    /// What the loop is built from.
    type Loop;
    /// The init state.
    type State: 'static;
}

impl<E, O, S: 'static, T, H> Probed for Probe<E, O, S, T, H> {
    type Loop = T;
    type State = S;
}

/// Not public API: the dispatch of the generated `main`, resolved where
/// the handler's types are concrete; see the module docs.
#[doc(hidden)]
#[macro_export]
macro_rules! __lambda_kit_concurrency {
    ($probe:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::concurrency::{
            Concurrent as _, Sequential as _, StateAny as _, StateSync as _, ValueAny as _,
            ValueSend as _,
        };
        let __probe = $probe;
        let __why_not = [
            (&__probe.state()).not_sync(),
            (&__probe.event()).not_send("the event"),
            (&__probe.output()).not_send("the output"),
        ];
        (&__probe).serving(__why_not)
    }};
}

/// Not public API: the checks of `#[lambda_handler(concurrent)]`, each
/// spanned by the macro at what it checks, so that a handler that cannot
/// serve invocations concurrently does not compile and the error points
/// at the cause. Each is a trait of ours, so the error can say what to do.
#[doc(hidden)]
pub mod required {
    use std::future::Future;

    /// The init state is shared by every invocation in flight.
    #[diagnostic::on_unimplemented(
        message = "`#[lambda_handler(concurrent)]`: the init state `{Self}` is shared by invocations running at once, so it must be `Sync`",
        label = "not `Sync`",
        note = "hold shared data in `Arc`, `Mutex`, `RwLock` or atomics instead of `Rc`, `Cell` or `RefCell`, or remove `concurrent` to serve one invocation at a time"
    )]
    pub trait SharedState {}
    impl<T: Sync + ?Sized> SharedState for T {}

    /// The event and the output move between the threads of the runtime.
    #[diagnostic::on_unimplemented(
        message = "`#[lambda_handler(concurrent)]`: `{Self}` moves between threads, so it must be `Send`",
        label = "not `Send`",
        note = "use `Arc` instead of `Rc`, or remove `concurrent` to serve one invocation at a time"
    )]
    pub trait Moves {}
    impl<T: Send + ?Sized> Moves for T {}

    /// The handler's future runs on whichever worker thread is free.
    #[diagnostic::on_unimplemented(
        message = "`#[lambda_handler(concurrent)]`: the handler's future must be `Send`, so that invocations can run on several threads",
        label = "holds a value that is not `Send` across an `.await`",
        note = "drop `Rc`s, `RefCell` borrows and `MutexGuard`s of `std` before each `.await` (or use `Arc` and `tokio::sync::Mutex`), or remove `concurrent` to serve one invocation at a time"
    )]
    pub trait SendFuture {}
    impl<T: Future + Send> SendFuture for T {}

    /// Checks the state type.
    pub fn state<S: SharedState + ?Sized>() {}

    /// Checks the event or output type.
    pub fn moves<T: Moves + ?Sized>() {}

    /// Checks the output of `handler` (named or `impl Trait`).
    pub fn output<E, O, S, H, F, I>(_init: &I, _handler: &H)
    where
        S: 'static,
        I: crate::init::Init<S>,
        H: Fn(E, lambda_runtime::Context, &'static S) -> F,
        F: Future<Output = Result<O, crate::Diagnostic>>,
        O: Moves,
    {
    }

    /// Checks the future of `handler`, called with the state `init` builds.
    pub fn future<E, S, H, F, I>(_init: &I, _handler: &H)
    where
        S: 'static,
        I: crate::init::Init<S>,
        H: Fn(E, lambda_runtime::Context, &'static S) -> F,
        F: SendFuture,
    {
    }

    /// Checks the future of a batch handler's `handler`.
    #[cfg(feature = "events")]
    pub fn batch_future<Src, E, S, H, F, I>(_init: &I, _handler: &H)
    where
        Src: crate::events::__private::Source,
        S: 'static,
        I: crate::init::Init<S>,
        H: Fn(E, Src::Record, std::sync::Arc<lambda_runtime::Context>, &'static S) -> F,
        F: SendFuture,
    {
    }

    /// A route's future runs on whichever worker thread is free.
    #[cfg(feature = "http")]
    #[diagnostic::on_unimplemented(
        message = "`router!(concurrent, ..)`: the future of route `{R}` must be `Send`, so that requests can run on several threads",
        label = "this route's future is not `Send`",
        note = "drop `Rc`s, `RefCell` borrows and `MutexGuard`s of `std` before each `.await` in the route (or use `Arc` and `tokio::sync::Mutex`), or remove `concurrent` to serve one request at a time"
    )]
    pub trait SendRoute<R, Args> {}

    #[cfg(feature = "http")]
    impl<R, H, F> SendRoute<R, (crate::http::Request, lambda_runtime::Context)> for H
    where
        H: Fn(crate::http::Request, lambda_runtime::Context) -> F,
        F: Future + Send,
    {
    }

    #[cfg(feature = "http")]
    impl<R, S, H, F> SendRoute<R, (crate::http::Request, lambda_runtime::Context, &'static S)> for H
    where
        S: 'static,
        H: Fn(crate::http::Request, lambda_runtime::Context, &'static S) -> F,
        F: Future + Send,
    {
    }

    /// Checks the future of route `R` (its body, with or without a state).
    #[cfg(feature = "http")]
    pub fn route<R, Args, H: SendRoute<R, Args>>(_body: &H) {}

    /// Checks the state a router's `init` builds.
    pub fn init_state<S, I>(_init: &I)
    where
        S: SharedState + 'static,
        I: crate::init::Init<S>,
    {
    }

    /// Checks the future of an HTTP handler.
    #[cfg(feature = "http")]
    pub fn http_future<S, H, F, I>(_init: &I, _handler: &H)
    where
        S: 'static,
        I: crate::init::Init<S>,
        H: Fn(crate::http::Request, lambda_runtime::Context, &'static S) -> F,
        F: SendFuture,
    {
    }
}

/// The startup line of a handler that serves one invocation at a time
/// though [`MAX_CONCURRENCY_ENV`] asks for more.
pub(crate) fn sequential_notice(requested: u32, why: &Why) -> String {
    format!(
        "{MAX_CONCURRENCY_ENV} is {requested}, but this function serves one invocation at a time: \
         {why}. Make it `Send` and `Sync` (e.g. `Arc` and `Mutex` instead of `Rc` and `RefCell`, \
         no `Rc` or `RefCell` borrow held across an `.await`); on a `#[lambda_handler]` function, \
         the `concurrent` argument turns this into a compile error at the cause"
    )
}

/// Worker threads for `requested` concurrent invocations: one per CPU, and
/// no more threads than invocations.
pub(crate) fn worker_threads(requested: u32) -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    cpus.min(requested as usize).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_setting_is_a_whole_number_from_one_up() {
        assert_eq!(parse(None).unwrap(), 1);
        assert_eq!(parse(Some("")).unwrap(), 1);
        assert_eq!(parse(Some("8")).unwrap(), 8);
        assert_eq!(parse(Some("16")).unwrap(), 16);
        for bad in ["0", "-2", "eight", "1.5", " 8"] {
            let err = parse(Some(bad)).unwrap_err();
            assert_eq!(err.error_type, "Runtime.InvalidEnvironment");
            assert!(err.error_message.contains(MAX_CONCURRENCY_ENV), "{bad}");
        }
    }

    #[test]
    fn the_dispatch_picks_concurrency_only_for_send_handlers() {
        use std::rc::Rc;
        use std::sync::Arc;

        async fn pass(_: u32, _: Context, _: &'static Arc<u32>) -> Result<u32, Diagnostic> {
            Ok(1)
        }
        async fn holds_rc(x: u32, _: Context, _: &'static Arc<u32>) -> Result<u32, Diagnostic> {
            let rc = Rc::new(x);
            std::future::ready(()).await;
            Ok(*rc)
        }
        let arc = || async { Ok::<_, Diagnostic>(Arc::new(1_u32)) };
        let picked = crate::__lambda_kit_concurrency!(probe(&arc, &pass));
        assert!(picked.0.is_ok());
        let picked = crate::__lambda_kit_concurrency!(probe(&arc, &holds_rc));
        let why = picked.0.err().unwrap();
        assert!(why.to_string().contains("future"), "{why}");

        async fn rc_state(_: u32, _: Context, _: &'static Rc<u32>) -> Result<(), Diagnostic> {
            Ok(())
        }
        let rc = || async { Ok::<_, Diagnostic>(Rc::new(1_u32)) };
        let picked = crate::__lambda_kit_concurrency!(probe(&rc, &rc_state));
        let why = picked.0.err().unwrap().to_string();
        assert!(
            why.contains("init state `alloc::rc::Rc<u32>` is not `Sync`"),
            "{why}"
        );
    }
}
