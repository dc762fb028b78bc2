//! Graceful shutdown: on SIGTERM or SIGINT a bootstrap lets the work in
//! flight finish (bounded by the grace period), runs the user's `shutdown`
//! hook (bounded too), closes the process-wide database pool, logs one
//! line saying what happened, and exits.
//!
//! Lambda sends SIGTERM only to functions with a registered extension, and
//! then gives the runtime 500 ms before SIGKILL (AWS Lambda Developer Guide,
//! "Lambda Extensions API", shutdown phase: 500 ms with internal extensions
//! only). The defaults fit in it: [`DEFAULT_GRACE`] for the invocation in
//! flight, the same again for the hook, [`POOL_CLOSE_LIMIT`] for the pool.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use lambda_runtime::tower::{Layer, Service};
use lambda_runtime::LambdaInvocation;
use tokio::sync::Notify;

use crate::invoke::guard;
use crate::Diagnostic;

mod hook;

pub use hook::{hook_outcome, no_shutdown, Shutdown, ShutdownFn, ShutdownWithState};

/// Names the environment variable that sets the grace period in
/// milliseconds: how long the invocation (or `--serve` requests) in flight
/// may still take after SIGTERM/SIGINT, and separately how long the
/// `shutdown` hook may take.
pub const GRACE_ENV: &str = "LAMBDA_KIT_SHUTDOWN_GRACE_MS";

/// The grace period unless [`GRACE_ENV`] sets another: 200 ms for the work
/// in flight plus 200 ms for the hook plus [`POOL_CLOSE_LIMIT`] is Lambda's
/// 500 ms shutdown window.
pub const DEFAULT_GRACE: Duration = Duration::from_millis(200);

/// How long closing the process-wide database pool may take.
pub const POOL_CLOSE_LIMIT: Duration = Duration::from_millis(100);

/// The `errorType` an invocation is answered with when it was still running
/// when the grace period after SIGTERM/SIGINT ran out.
pub const SHUTDOWN_TIMEOUT_ERROR: &str = "Runtime.ShutdownTimeout";

/// Names the environment variable that decides whether a bootstrap under
/// Lambda registers a no-op internal extension, without which Lambda sends
/// no SIGTERM (it ends the environment with SIGKILL): `on`, `off`, or unset
/// for the default, on exactly when the handler has a `shutdown` hook.
///
/// The trade-off is cold-start time: registering is one more Runtime API
/// round trip before the first poll for an invocation, plus a long poll
/// held open for the life of the instance. Measured with
/// `bench/src/shutdown_extension.rs` (the `hello` example, debug build,
/// under the emulator on loopback, 400 interleaved cold starts each way,
/// spawn to first answer): median 3.93 ms off, 4.72 ms on, +0.8 ms. Hence
/// the default: functions without a hook do not pay it; those with one
/// need the signal to run it.
pub const EXTENSION_ENV: &str = "LAMBDA_KIT_SHUTDOWN_EXTENSION";

/// The name the no-op extension registers under.
pub(crate) const EXTENSION_NAME: &str = "lambda-kit-shutdown";

/// Whether to register the extension: [`EXTENSION_ENV`], else `has_hook`.
pub(crate) fn wants_extension(has_hook: bool) -> bool {
    match std::env::var(EXTENSION_ENV) {
        Ok(value) => match value.trim().to_ascii_lowercase().as_str() {
            "on" | "1" | "true" => true,
            "off" | "0" | "false" => false,
            _ => {
                tracing::warn!(
                    "{EXTENSION_ENV}={value:?} is neither `on` nor `off`; using the default"
                );
                has_hook
            }
        },
        Err(_) => has_hook,
    }
}

/// Registers the no-op internal extension so that Lambda sends SIGTERM
/// before it ends the environment, and keeps its `event/next` long poll
/// open (the call that tells Lambda the extension is ready). A failure is
/// logged, never fatal: the function then works without the signal.
pub(crate) async fn register_extension() {
    use http::header::CONTENT_TYPE;
    use lambda_runtime_api_client::body::Body;
    use lambda_runtime_api_client::{build_request, Client};

    let registered = async {
        let client = Client::builder().build()?;
        let request = build_request()
            .method("POST")
            .uri("/2020-01-01/extension/register")
            .header("Lambda-Extension-Name", EXTENSION_NAME)
            .header(CONTENT_TYPE, "application/json")
            .body(Body::from(r#"{"events":[]}"#))?;
        let response = client.call(request).await?;
        if !response.status().is_success() {
            return Err(format!("the Extensions API answered {}", response.status()).into());
        }
        let id = response
            .headers()
            .get("Lambda-Extension-Identifier")
            .and_then(|id| id.to_str().ok())
            .ok_or("the Extensions API gave no extension identifier")?
            .to_owned();
        Ok::<_, lambda_runtime::Error>((client, id))
    };
    let (client, id) = match registered.await {
        Ok(registered) => registered,
        Err(err) => {
            tracing::warn!(
                "cannot register the shutdown extension (SIGTERM will not be sent): {err}"
            );
            return;
        }
    };
    let Ok(next) = build_request()
        .method("GET")
        .uri("/2020-01-01/extension/event/next")
        .header("Lambda-Extension-Identifier", &id)
        .body(Body::empty())
    else {
        return;
    };
    // Subscribed to nothing, so Lambda never answers this; an emulator
    // answers SHUTDOWN when it stops, and then there is nothing left to do.
    tokio::spawn(async move {
        let _ = client.call(next).await;
    });
}

/// The grace period: [`GRACE_ENV`] if it is a number of milliseconds,
/// else [`DEFAULT_GRACE`] (with a warning for a value that is not one).
pub(crate) fn grace() -> Duration {
    match std::env::var(GRACE_ENV) {
        Ok(value) => match value.trim().parse::<u64>() {
            Ok(ms) => Duration::from_millis(ms),
            Err(_) => {
                tracing::warn!(
                    "{GRACE_ENV}={value:?} is not a number of milliseconds; using {} ms",
                    DEFAULT_GRACE.as_millis()
                );
                DEFAULT_GRACE
            }
        },
        Err(_) => DEFAULT_GRACE,
    }
}

/// SIGTERM and SIGINT, listened for from creation on (so one that arrives
/// before [`recv`](Self::recv) is first awaited is not lost).
pub(crate) struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    /// Starts listening; a signal that cannot be listened for is logged and
    /// keeps its default action.
    pub(crate) fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let listen = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(signal) => Some(signal),
                Err(err) => {
                    tracing::warn!("cannot listen for {name}: {err}");
                    None
                }
            };
            Self {
                term: listen(SignalKind::terminate(), "SIGTERM"),
                int: listen(SignalKind::interrupt(), "SIGINT"),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    /// Waits for the next SIGTERM or SIGINT and names it.
    pub(crate) async fn recv(&mut self) -> &'static str {
        #[cfg(unix)]
        {
            async fn next(signal: &mut Option<tokio::signal::unix::Signal>) {
                match signal {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending().await,
                }
            }
            let name = tokio::select! {
                () = next(&mut self.term) => "SIGTERM",
                () = next(&mut self.int) => "SIGINT",
            };
            // The summary line comes once shutdown is done; this one marks
            // when it began.
            tracing::debug!("{name} received");
            name
        }
        #[cfg(not(unix))]
        std::future::pending().await
    }
}

/// What happened to the work in flight when the signal came.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum InFlight {
    /// Nothing was running.
    Idle,
    /// It finished (and was answered) within the grace period.
    Finished,
    /// It was still running when the grace period ran out: cut short.
    CutShort,
}

/// Lets `work` (the invocation loop, or the open connections) run on until
/// `idle` resolves, for at most `grace`; a second signal ends the wait.
pub(crate) async fn drain<W: Future + Unpin>(
    work: &mut W,
    idle: impl Future<Output = ()>,
    grace: Duration,
    signals: &mut Signals,
) -> InFlight {
    tokio::select! {
        () = idle => InFlight::Finished,
        _ = work => InFlight::Finished,
        () = tokio::time::sleep(grace) => InFlight::CutShort,
        _ = signals.recv() => InFlight::CutShort,
    }
}

/// After the work in flight: the hook, the pool, the one log line.
pub(crate) async fn finish<S: 'static>(
    signal: &str,
    in_flight: InFlight,
    hook: impl Shutdown<S>,
    state: &'static S,
    has_hook: bool,
    grace: Duration,
) {
    let hook_outcome = if has_hook {
        match tokio::time::timeout(grace, guard(hook.run(state))).await {
            Ok(Ok(())) => "shutdown hook ran",
            Ok(Err(error)) => {
                tracing::error!(error_type = %error.error_type, "shutdown hook failed: {}", error.error_message);
                "shutdown hook failed"
            }
            Err(_) => "shutdown hook cut short after the grace period",
        }
    } else {
        "no shutdown hook"
    };
    let pool = close_pool().await;
    let in_flight = match in_flight {
        InFlight::Idle => "nothing in flight",
        InFlight::Finished => "in-flight work finished",
        InFlight::CutShort => "in-flight work cut short after the grace period",
    };
    tracing::info!("shutting down on {signal}: {in_flight}, {hook_outcome}, {pool}");
}

#[cfg(feature = "rds")]
async fn close_pool() -> &'static str {
    match tokio::time::timeout(POOL_CLOSE_LIMIT, crate::rds::close_global()).await {
        Ok(None) => "no database pool open",
        Ok(Some(Ok(()))) => "database pool closed",
        Ok(Some(Err(err))) => {
            tracing::warn!("closing the database pool failed: {err}");
            "database pool close failed"
        }
        Err(_) => "database pool close cut short",
    }
}

#[cfg(not(feature = "rds"))]
async fn close_pool() -> &'static str {
    "no database pool"
}

/// Which invocation is running, shared between the [`TrackInFlight`]
/// layer and the bootstrap that waits for it.
#[derive(Clone, Default)]
pub(crate) struct Tracker(Rc<TrackerInner>);

#[derive(Default)]
struct TrackerInner {
    current: RefCell<Option<String>>,
    idle: Notify,
}

impl Tracker {
    /// The request id of the invocation running now.
    pub(crate) fn current(&self) -> Option<String> {
        self.0.current.borrow().clone()
    }

    /// Resolves once no invocation runs (at once if none does).
    pub(crate) async fn idle(&self) {
        loop {
            let notified = self.0.idle.notified();
            if self.0.current.borrow().is_none() {
                return;
            }
            notified.await;
        }
    }
}

/// The outermost layer: marks an invocation in flight from its start until
/// its response (or error) has been posted to the Runtime API.
pub(crate) struct TrackInFlight(pub(crate) Tracker);

impl<S> Layer<S> for TrackInFlight {
    type Service = Tracked<S>;

    fn layer(&self, inner: S) -> Tracked<S> {
        Tracked {
            inner,
            tracker: self.0.clone(),
        }
    }
}

/// See [`TrackInFlight`].
pub(crate) struct Tracked<S> {
    inner: S,
    tracker: Tracker,
}

impl<S: Service<LambdaInvocation>> Service<LambdaInvocation> for Tracked<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = TrackedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, invocation: LambdaInvocation) -> Self::Future {
        let request_id = invocation.context.request_id.clone();
        *self.tracker.0.current.borrow_mut() = Some(request_id.clone());
        TrackedFuture {
            inner: self.inner.call(invocation),
            done: Done(self.tracker.clone(), request_id),
        }
    }
}

/// Marks its invocation finished: once it completed, or when dropped with
/// it still running (the loop dropped). Never another invocation's mark.
struct Done(Tracker, String);

impl Done {
    fn finish(&self) {
        let inner = &self.0 .0;
        let mut current = inner.current.borrow_mut();
        if current.as_deref() == Some(self.1.as_str()) {
            *current = None;
            inner.idle.notify_waiters();
        }
    }
}

impl Drop for Done {
    fn drop(&mut self) {
        self.finish();
    }
}

pin_project_lite::pin_project! {
    /// See [`TrackInFlight`].
    pub(crate) struct TrackedFuture<F> {
        #[pin]
        inner: F,
        done: Done,
    }
}

impl<F: Future> Future for TrackedFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let output = std::task::ready!(this.inner.poll(cx));
        this.done.finish();
        Poll::Ready(output)
    }
}

/// The error document of an invocation cut short.
pub(crate) fn cut_short_error() -> Diagnostic {
    Diagnostic {
        error_type: SHUTDOWN_TIMEOUT_ERROR.to_owned(),
        error_message: "the function was shutting down and the invocation did not finish within the grace period".to_owned(),
    }
}

/// Answers an invocation cut short by the end of the grace period, so its
/// caller gets an error document rather than nothing.
pub(crate) async fn answer_cut_short(request_id: &str) {
    let error = cut_short_error();
    let path = format!("/2018-06-01/runtime/invocation/{request_id}/error");
    if let Err(err) = crate::init_error::post_error(&path, &error).await {
        tracing::warn!("could not answer the invocation cut short: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn idle_resolves_once_the_invocation_is_done() {
        let tracker = Tracker::default();
        tracker.idle().await;
        *tracker.0.current.borrow_mut() = Some("id".to_owned());
        assert_eq!(tracker.current().as_deref(), Some("id"));
        let done = Done(tracker.clone(), "id".to_owned());
        let idle = tracker.idle();
        tokio::pin!(idle);
        assert!(futures_util::poll!(idle.as_mut()).is_pending());
        // Another invocation's mark is left alone.
        drop(Done(tracker.clone(), "other".to_owned()));
        assert_eq!(tracker.current().as_deref(), Some("id"));
        drop(done);
        idle.await;
        assert_eq!(tracker.current(), None);
    }

    #[tokio::test]
    async fn every_hook_shape_is_accepted() {
        struct State(u32);
        static STATE: State = State(7);
        fn sync_plain(state: &State) {
            assert_eq!(state.0, 7);
        }
        async fn async_fallible(_: &State) -> Result<(), crate::Error> {
            Err(crate::Error::msg("flush failed"))
        }
        fn no_state() -> Result<(), std::fmt::Error> {
            Ok(())
        }
        crate::__lambda_kit_shutdown!(state: sync_plain)
            .run(&STATE)
            .await
            .unwrap();
        let err = crate::__lambda_kit_shutdown!(state: async_fallible)
            .run(&STATE)
            .await
            .unwrap_err();
        assert_eq!(err.error_message, "flush failed");
        crate::__lambda_kit_shutdown!(no_state)
            .run(&())
            .await
            .unwrap();
    }
}
