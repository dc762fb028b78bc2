//! Graceful shutdown: on SIGTERM or SIGINT a bootstrap lets the work in
//! flight finish (bounded by the grace period), runs the user's `shutdown`
//! hook (bounded too), closes the process-wide database pool, logs one
//! line saying what happened, and exits.
//!
//! Lambda sends SIGTERM only to functions with a registered extension, and
//! then gives the runtime 500 ms before SIGKILL (AWS Lambda Developer Guide,
//! "Lambda Extensions API", shutdown phase: 500 ms with internal extensions
//! only). The defaults fit in it with 100 ms to spare: [`DEFAULT_GRACE`]
//! for the invocation in flight, the same again for the hook,
//! [`POOL_CLOSE_LIMIT`] for the pool; answering work cut short is bounded
//! too ([`ANSWER_LIMIT`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures_util::task::AtomicWaker;
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

/// The grace period unless [`GRACE_ENV`] sets another: 150 ms for the work
/// in flight plus 150 ms for the hook plus [`POOL_CLOSE_LIMIT`] is 400 ms of
/// Lambda's 500 ms shutdown window, leaving room for answering work cut
/// short (at most 50 ms) and the summary log line.
pub const DEFAULT_GRACE: Duration = Duration::from_millis(150);

/// How long closing the process-wide database pool may take.
pub const POOL_CLOSE_LIMIT: Duration = Duration::from_millis(100);

/// How long answering the work cut short may take: posting the error of an
/// invocation under Lambda, or writing the `503` of `--serve` requests.
pub(crate) const ANSWER_LIMIT: Duration = Duration::from_millis(50);

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

/// [`GRACE_ENV`] and [`EXTENSION_ENV`] as read at startup.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Config {
    grace: Duration,
    /// `None`: the default, on exactly when there is a hook.
    extension: Option<bool>,
}

static CONFIG: OnceLock<Config> = OnceLock::new();

/// Reads [`GRACE_ENV`] and [`EXTENSION_ENV`] once, before init: a value
/// that means nothing is an init error (`Runtime.InvalidEnvironment`),
/// found at startup rather than when the signal comes.
pub(crate) fn configure() -> Result<(), Diagnostic> {
    let grace = std::env::var(GRACE_ENV).ok();
    let extension = std::env::var(EXTENSION_ENV).ok();
    let config = parse_config(grace.as_deref(), extension.as_deref()).map_err(|error_message| {
        Diagnostic {
            error_type: "Runtime.InvalidEnvironment".to_owned(),
            error_message,
        }
    })?;
    let _ = CONFIG.set(config);
    Ok(())
}

fn set(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|text| !text.is_empty())
}

fn parse_config(grace: Option<&str>, extension: Option<&str>) -> Result<Config, String> {
    let grace = match set(grace) {
        None => DEFAULT_GRACE,
        Some(text) => text
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|_| {
                format!(
                    "{GRACE_ENV} must be a whole number of milliseconds, not `{text}`; \
                 unset, the grace period is {} ms",
                    DEFAULT_GRACE.as_millis()
                )
            })?,
    };
    let extension = match set(extension) {
        None => None,
        Some(text) => match text.to_ascii_lowercase().as_str() {
            "on" | "1" | "true" => Some(true),
            "off" | "0" | "false" => Some(false),
            _ => {
                return Err(format!(
                    "{EXTENSION_ENV} must be `on` or `off`, not `{text}`; \
                     unset, the extension is registered exactly when there is a shutdown hook"
                ))
            }
        },
    };
    Ok(Config { grace, extension })
}

fn config() -> Config {
    *CONFIG.get_or_init(|| {
        parse_config(
            std::env::var(GRACE_ENV).ok().as_deref(),
            std::env::var(EXTENSION_ENV).ok().as_deref(),
        )
        .unwrap_or(Config {
            grace: DEFAULT_GRACE,
            extension: None,
        })
    })
}

/// Whether to register the extension: [`EXTENSION_ENV`], else `has_hook`.
pub(crate) fn wants_extension(has_hook: bool) -> bool {
    config().extension.unwrap_or(has_hook)
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

/// The grace period: [`GRACE_ENV`] as read by [`configure`], else
/// [`DEFAULT_GRACE`].
pub(crate) fn grace() -> Duration {
    config().grace
}

/// SIGTERM and SIGINT, listened for from creation on (so one that arrives
/// before [`recv`](Self::recv) is first awaited is not lost).
///
/// A task of its own waits on the two signal streams and hands each signal
/// over here: the bootstrap races [`recv`](Self::recv) against its loop on
/// every wake-up of every invocation, and with nothing received that poll
/// is one atomic load, where polling the streams themselves locks each
/// one's waiter list.
pub(crate) struct Signals {
    received: Arc<Received>,
    /// How many of `received.names` [`recv`](Self::recv) has returned.
    taken: usize,
    /// The data pointer of the waker last registered with `received`: the
    /// same waker again (the bootstrap's task, every time) need not be
    /// registered anew. Only a signal takes it out, and that signal is
    /// returned next, which clears this. Compared by data pointer because
    /// `Waker::will_wake` tells a task's waker from its own clone apart
    /// when their vtables are distinct copies, as tokio's can be.
    registered: Option<usize>,
}

#[derive(Default)]
struct Received {
    /// How many signals have arrived: `names.len()`, read without the lock.
    count: AtomicUsize,
    names: Mutex<Vec<&'static str>>,
    waker: AtomicWaker,
}

impl Received {
    fn push(&self, name: &'static str) {
        let mut names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        names.push(name);
        self.count.store(names.len(), Ordering::Release);
        drop(names);
        self.waker.wake();
    }
}

impl Signals {
    /// Starts listening; a signal that cannot be listened for is logged and
    /// keeps its default action. Must be called within the runtime.
    pub(crate) fn listen() -> Self {
        let received = Arc::new(Received::default());
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, Signal, SignalKind};
            let listen = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(signal) => Some(signal),
                Err(err) => {
                    tracing::warn!("cannot listen for {name}: {err}");
                    None
                }
            };
            // Registered here, before the task first runs, so that none is
            // missed in between.
            let mut term = listen(SignalKind::terminate(), "SIGTERM");
            let mut int = listen(SignalKind::interrupt(), "SIGINT");
            async fn next(signal: &mut Option<Signal>) {
                if let Some(signal) = signal {
                    if signal.recv().await.is_some() {
                        return;
                    }
                }
                // Not listened for, or the runtime is shutting down.
                std::future::pending().await
            }
            if term.is_some() || int.is_some() {
                let received = received.clone();
                tokio::spawn(async move {
                    loop {
                        let name = tokio::select! {
                            () = next(&mut term) => "SIGTERM",
                            () = next(&mut int) => "SIGINT",
                        };
                        received.push(name);
                    }
                });
            }
        }
        Self {
            received,
            taken: 0,
            registered: None,
        }
    }

    /// Waits for the next SIGTERM or SIGINT and names it.
    pub(crate) fn recv(&mut self) -> Recv<'_> {
        Recv(self)
    }

    fn poll_recv(&mut self, cx: &mut TaskContext<'_>) -> Poll<&'static str> {
        if self.received.count.load(Ordering::Acquire) == self.taken {
            // A null data pointer (a no-op waker's) says nothing about
            // which waker it is.
            let data = cx.waker().data() as usize;
            if data == 0 || self.registered != Some(data) {
                self.received.waker.register(cx.waker());
                self.registered = Some(data);
            }
            // One may have arrived before the waker was in place.
            if self.received.count.load(Ordering::Acquire) == self.taken {
                return Poll::Pending;
            }
        }
        self.registered = None;
        let names = self
            .received
            .names
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let name = names[self.taken];
        self.taken += 1;
        Poll::Ready(name)
    }
}

/// The future of [`Signals::recv`]: the name of the next signal.
pub(crate) struct Recv<'a>(&'a mut Signals);

impl Future for Recv<'_> {
    type Output = &'static str;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<&'static str> {
        let name = std::task::ready!(self.0.poll_recv(cx));
        // The summary line comes once shutdown is done; this one marks when
        // it began.
        tracing::debug!("{name} received");
        Poll::Ready(name)
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

/// Which invocations are running, shared between the [`TrackInFlight`]
/// layer (in every worker of a concurrent loop) and the bootstrap that
/// waits for them.
#[derive(Clone, Default)]
pub(crate) struct Tracker(Arc<TrackerInner>);

#[derive(Default)]
struct TrackerInner {
    running: Mutex<Running>,
    /// Set on SIGTERM/SIGINT: no invocation after those in flight.
    stopping: AtomicBool,
    /// Set when the grace period ran out with invocations still running on
    /// the workers of a concurrent loop, which dropping the loop does not
    /// cancel (they run on tasks of their own): each drops its handler.
    cancelled: AtomicBool,
    idle: Notify,
}

#[derive(Default)]
struct Running {
    /// The number the next invocation gets.
    next: u64,
    /// The number and request id of each invocation running.
    now: Vec<(u64, String)>,
    /// The wakers of the invocations running on a concurrent loop's
    /// workers, by number, for [`Tracker::cancel`].
    wakers: Vec<(u64, std::task::Waker)>,
    /// Request id buffers of finished invocations, reused so that tracking
    /// allocates nothing per invocation once ids stop growing.
    spare: Vec<String>,
}

impl Tracker {
    fn running(&self) -> std::sync::MutexGuard<'_, Running> {
        self.0
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The request ids of the invocations running now.
    pub(crate) fn current(&self) -> Vec<String> {
        self.running()
            .now
            .iter()
            .map(|(_, id)| id.clone())
            .collect()
    }

    /// Shutdown has begun: the invocations in flight are the last ones.
    /// Once each is answered, its worker is held there instead of polling
    /// `next`, which could hand it an invocation that would never be
    /// answered.
    pub(crate) fn stop(&self) {
        self.0.stopping.store(true, Ordering::Release);
    }

    /// Resolves once no invocation runs (at once if none does). Only
    /// notified after [`stop`](Self::stop): a running loop does not pay
    /// for waking waiters nobody has.
    pub(crate) async fn idle(&self) {
        loop {
            let notified = self.0.idle.notified();
            if self.running().now.is_empty() {
                return;
            }
            notified.await;
        }
    }

    fn begin(&self, request_id: &str) -> u64 {
        let mut running = self.running();
        let number = running.next;
        running.next = number.wrapping_add(1);
        let mut id = running.spare.pop().unwrap_or_default();
        id.clear();
        id.push_str(request_id);
        running.now.push((number, id));
        number
    }

    /// Ends the invocations still running on a concurrent loop's workers:
    /// each drops its handler when next polled, which this wakes it for.
    /// [`idle`](Self::idle) then resolves once all have.
    pub(crate) fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::Release);
        let wakers = std::mem::take(&mut self.running().wakers);
        for (_, waker) in wakers {
            waker.wake();
        }
    }

    /// Registers the waker of invocation `number` for [`cancel`](Self::cancel),
    /// then says whether it has been cancelled (in that order, so a cancel
    /// in between is not missed).
    fn cancelled(&self, number: u64, waker: &std::task::Waker) -> bool {
        {
            let mut running = self.running();
            match running.wakers.iter_mut().find(|(n, _)| *n == number) {
                Some((_, known)) => known.clone_from(waker),
                None => running.wakers.push((number, waker.clone())),
            }
        }
        self.0.cancelled.load(Ordering::Acquire)
    }

    /// Marks invocation `number` finished, if it still runs.
    fn end(&self, number: u64) {
        let mut running = self.running();
        if let Some(at) = running.wakers.iter().position(|(n, _)| *n == number) {
            running.wakers.swap_remove(at);
        }
        if let Some(at) = running.now.iter().position(|(n, _)| *n == number) {
            let (_, id) = running.now.swap_remove(at);
            running.spare.push(id);
            let idle = running.now.is_empty();
            drop(running);
            if idle && self.stopping() {
                self.0.idle.notify_waiters();
            }
        }
    }

    fn stopping(&self) -> bool {
        self.0.stopping.load(Ordering::Acquire)
    }
}

/// The outermost layer: marks an invocation in flight from its start until
/// its response (or error) has been posted to the Runtime API. With
/// `cancellable` (a concurrent loop), [`Tracker::cancel`] ends it.
pub(crate) struct TrackInFlight {
    pub(crate) tracker: Tracker,
    pub(crate) cancellable: bool,
}

impl<S> Layer<S> for TrackInFlight {
    type Service = Tracked<S>;

    fn layer(&self, inner: S) -> Tracked<S> {
        Tracked {
            inner,
            tracker: self.tracker.clone(),
            cancellable: self.cancellable,
        }
    }
}

/// See [`TrackInFlight`].
#[derive(Clone)]
pub(crate) struct Tracked<S> {
    inner: S,
    tracker: Tracker,
    cancellable: bool,
}

impl<S: Service<LambdaInvocation>> Service<LambdaInvocation> for Tracked<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = TrackedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, invocation: LambdaInvocation) -> Self::Future {
        let number = self.tracker.begin(&invocation.context.request_id);
        TrackedFuture {
            inner: Some(self.inner.call(invocation)),
            done: Done(self.tracker.clone(), number),
            held: false,
            cancellable: self.cancellable,
        }
    }
}

/// Marks its invocation finished: once it completed, or when dropped with
/// it still running (the loop dropped). Never another invocation's mark.
struct Done(Tracker, u64);

impl Done {
    fn finish(&self) {
        self.0.end(self.1);
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
        // `None` once cancelled.
        #[pin]
        inner: Option<F>,
        done: Done,
        // Answered during shutdown (or cancelled): pending for good, so the
        // loop never goes on to poll `next`.
        held: bool,
        cancellable: bool,
    }
}

impl<F: Future> Future for TrackedFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        if *this.held {
            return Poll::Pending;
        }
        if *this.cancellable && this.done.0.cancelled(this.done.1, cx.waker()) {
            // Dropping the handler here, on its worker, cancels it before
            // the shutdown hook runs; the bootstrap answers it.
            this.inner.set(None);
            this.done.finish();
            *this.held = true;
            return Poll::Pending;
        }
        let Some(inner) = this.inner.as_mut().as_pin_mut() else {
            return Poll::Pending;
        };
        let output = std::task::ready!(inner.poll(cx));
        this.done.finish();
        if this.done.0.stopping() {
            // The bootstrap drops the loop once it sees the invocation done.
            *this.held = true;
            return Poll::Pending;
        }
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
/// Bounded by [`ANSWER_LIMIT`], as it runs inside Lambda's shutdown window.
pub(crate) async fn answer_cut_short(request_id: &str) {
    let error = cut_short_error();
    let segment = crate::layers::path_segment(request_id);
    let request_id = segment.as_deref().unwrap_or(request_id);
    let path = format!("/2018-06-01/runtime/invocation/{request_id}/error");
    match tokio::time::timeout(ANSWER_LIMIT, crate::init_error::post_error(&path, &error)).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => tracing::warn!("could not answer the invocation cut short: {err}"),
        Err(_) => tracing::warn!(
            "could not answer the invocation cut short within {} ms",
            ANSWER_LIMIT.as_millis()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn idle_resolves_once_the_invocation_is_done() {
        let tracker = Tracker::default();
        tracker.idle().await;
        let number = tracker.begin("id");
        assert_eq!(tracker.current(), ["id"]);
        tracker.stop();
        let done = Done(tracker.clone(), number);
        let idle = tracker.idle();
        tokio::pin!(idle);
        assert!(futures_util::poll!(idle.as_mut()).is_pending());
        // Another invocation's mark is left alone.
        drop(Done(tracker.clone(), number + 1));
        assert_eq!(tracker.current(), ["id"]);
        drop(done);
        idle.await;
        assert!(tracker.current().is_empty());
    }

    #[tokio::test]
    async fn with_invocations_running_concurrently_idle_waits_for_all() {
        let tracker = Tracker::default();
        let first = tracker.begin("a");
        let second = tracker.begin("b");
        let mut ids = tracker.current();
        ids.sort();
        assert_eq!(ids, ["a", "b"]);
        tracker.stop();
        let idle = tracker.idle();
        tokio::pin!(idle);
        drop(Done(tracker.clone(), first));
        assert_eq!(tracker.current(), ["b"]);
        assert!(futures_util::poll!(idle.as_mut()).is_pending());
        drop(Done(tracker.clone(), second));
        idle.await;
        // Buffers are reused, never handed back with an old id.
        let third = tracker.begin("c");
        assert_eq!(tracker.current(), ["c"]);
        drop(Done(tracker.clone(), third));
    }

    #[tokio::test]
    async fn a_cancelled_invocation_drops_its_handler_and_counts_as_done() {
        let tracker = Tracker::default();
        let layer = TrackInFlight {
            tracker: tracker.clone(),
            cancellable: true,
        };
        let mut service = layer.layer(lambda_runtime::service_fn(|_: LambdaInvocation| {
            std::future::pending::<Result<(), Diagnostic>>()
        }));
        let invocation = LambdaInvocation {
            parts: http::Response::new(()).into_parts().0,
            body: Default::default(),
            context: lambda_runtime::Context::default(),
        };
        let running = tokio::spawn(service.call(invocation));
        while tracker.current().is_empty() || tracker.running().wakers.is_empty() {
            tokio::task::yield_now().await;
        }
        tracker.stop();
        tracker.cancel();
        tracker.idle().await;
        assert!(tracker.current().is_empty());
        assert!(
            !running.is_finished(),
            "held, so the worker never polls `next`"
        );
        running.abort();
    }

    #[tokio::test]
    async fn an_invocation_answered_while_stopping_holds_the_loop_there() {
        let tracker = Tracker::default();
        let layer = TrackInFlight {
            tracker: tracker.clone(),
            cancellable: false,
        };
        let mut service = layer.layer(lambda_runtime::service_fn(|_: LambdaInvocation| async {
            Ok::<(), Diagnostic>(())
        }));
        let invocation = || LambdaInvocation {
            parts: http::Response::new(()).into_parts().0,
            body: Default::default(),
            context: lambda_runtime::Context::default(),
        };
        // Running: an answered invocation lets the loop go on to `next`.
        assert!(service.call(invocation()).await.is_ok());
        // Stopping: answered (no longer in flight), but the loop never
        // gets to poll `next` again.
        let last = service.call(invocation());
        tracker.stop();
        tokio::pin!(last);
        assert!(futures_util::poll!(last.as_mut()).is_pending());
        assert!(tracker.current().is_empty());
        tracker.idle().await;
        assert!(futures_util::poll!(last.as_mut()).is_pending());
    }

    /// Sends `signal` to this process and waits until it is delivered.
    #[cfg(unix)]
    fn raise(signal: &str) {
        let status = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &std::process::id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn each_signal_is_handed_over_once_even_before_it_is_awaited() {
        let mut signals = Signals::listen();
        // Before the first `recv`: not lost.
        raise("TERM");
        assert_eq!(signals.recv().await, "SIGTERM");
        // While a `recv` waits: it is woken.
        let second = signals.recv();
        tokio::pin!(second);
        assert!(futures_util::poll!(second.as_mut()).is_pending());
        raise("INT");
        assert_eq!(second.await, "SIGINT");
        // Handed over once: nothing is left to receive.
        let third = signals.recv();
        tokio::pin!(third);
        assert!(futures_util::poll!(third.as_mut()).is_pending());
        // The waker registered anew after a signal is woken too.
        raise("TERM");
        assert_eq!(third.await, "SIGTERM");
    }

    #[test]
    fn bad_grace_or_extension_settings_are_refused() {
        let config = parse_config(None, None).unwrap();
        assert_eq!(config.grace, DEFAULT_GRACE);
        assert_eq!(config.extension, None);
        let config = parse_config(Some(" 50 "), Some("OFF")).unwrap();
        assert_eq!(config.grace, Duration::from_millis(50));
        assert_eq!(config.extension, Some(false));
        assert!(parse_config(Some("1s"), None)
            .unwrap_err()
            .contains(GRACE_ENV));
        assert!(parse_config(None, Some("yes please"))
            .unwrap_err()
            .contains(EXTENSION_ENV));
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
