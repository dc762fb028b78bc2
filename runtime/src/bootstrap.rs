//! What `main` does: logging, panic hook, one runtime, init once, then
//! either the Runtime API loop or a single local run.

use std::future::Future;
use std::process::ExitCode;

use futures_util::future::Either;
use lambda_runtime::Runtime;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::concurrency::{self, Loop, Parts, Serving};
use crate::init::Init;
use crate::invoke::{guard, invoke_once, Handler, HandlerService};
use crate::layers::{DecodeFirst, InvocationSpans};
use crate::logging::{self, LogTarget};
use crate::shutdown::{self, InFlight, Shutdown, Signals, TrackInFlight, Tracker};
use crate::signature::{Event, Output};
use crate::{local, Diagnostic};

/// Environment variables Lambda always sets; `lambda_runtime` needs them.
const REQUIRED_ENV: [&str; 3] = [
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

/// What the macro knows about the handler's signature.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// Whether the handler takes an event (local mode then reads one).
    pub reads_event: bool,
    /// Whether the handler has a `shutdown` hook.
    pub shutdown: bool,
}

/// Runs a bootstrap to completion; the generated `main` is this one call.
/// It names the event `E` and output `O` types as the user wrote them, so
/// a type that does not fit is reported there, once. `serving` is what
/// the generated `main` found the handler can do under Managed Instances
/// (see the `concurrency` module).
pub fn start<E, O, S, H, I, K>(
    spec: Spec,
    init: I,
    shutdown: K,
    handler: H,
    serving: Serving<&'static H, S>,
) -> ExitCode
where
    E: Event + 'static,
    O: Output + 'static,
    S: 'static,
    H: Handler<E, S, Output = O> + 'static,
    H::Future: 'static,
    I: Init<S>,
    K: Shutdown<S>,
{
    // Lives as long as the process, like the init state, so that every
    // worker of a concurrent loop can share it.
    let handler: &'static H = Box::leak(Box::new(handler));
    start_as(
        spec,
        local::EVENT_MODE,
        init,
        shutdown,
        handler,
        handler,
        serving,
    )
}

/// [`start`], with what local mode says and does for this kind of handler:
/// `handler` serves invocations one at a time (and local runs), `serving`
/// builds the concurrent loop from `source` when the handler can run one.
pub(crate) fn start_as<E, S, H, T, I, K>(
    spec: Spec,
    mode: local::Mode,
    init: I,
    shutdown: K,
    handler: &'static H,
    source: T,
    serving: Serving<T, S>,
) -> ExitCode
where
    E: DeserializeOwned + 'static,
    S: 'static,
    H: Handler<E, S>,
    H::Future: 'static,
    H::Output: Serialize + 'static,
    I: Init<S>,
    K: Shutdown<S>,
{
    let under_lambda = under_lambda();
    let requested = concurrency::requested();
    let threads = match (&requested, &serving.0) {
        (Ok(n), Ok(_)) if under_lambda && *n > 1 => Some(concurrency::worker_threads(*n)),
        _ => None,
    };
    block_on(under_lambda, threads, async move {
        if under_lambda {
            let serving = Loops {
                handler,
                source,
                serving,
                requested,
            };
            serve(spec, init, shutdown, serving).await
        } else {
            run_local(spec, mode, init, shutdown, handler).await
        }
    })
}

/// Whether the process runs under Lambda (or an emulator of its API).
pub(crate) fn under_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some()
}

/// Logging, the panic hook and one runtime, then `body` to completion:
/// a multi-thread runtime with `threads` workers when invocations run
/// concurrently, else a current-thread one.
pub(crate) fn block_on(
    under_lambda: bool,
    threads: Option<usize>,
    body: impl Future<Output = ExitCode>,
) -> ExitCode {
    logging::init(if under_lambda {
        LogTarget::Stdout
    } else {
        LogTarget::Stderr
    });
    crate::panic::install_hook();
    #[cfg(feature = "metrics")]
    crate::metrics::install(under_lambda);

    // One invocation at a time (classic Lambda): a current-thread runtime
    // avoids cross-thread wake-ups on every request.
    let built = match threads {
        None => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        Some(threads) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build(),
    };
    let runtime = match built {
        Ok(runtime) => runtime,
        Err(err) => {
            tracing::error!(error = %err, "cannot start the tokio runtime");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(body);
    if threads.is_some() {
        // Workers of a concurrent loop may still wait on the Runtime API:
        // the process exits without waiting for them.
        runtime.shutdown_background();
    }
    code
}

/// What [`serve`] builds its loop from.
struct Loops<H: 'static, T, S: 'static> {
    handler: &'static H,
    source: T,
    serving: Serving<T, S>,
    requested: Result<u32, Diagnostic>,
}

/// The layers every bootstrap puts around its handler, and the runtime;
/// a macro so that each loop gets the concrete service type it needs
/// (`run_concurrent` requires it `Send` and `Clone`).
macro_rules! runtime {
    ($handler:expr, $state:expr, $parts:expr, $concurrent:expr) => {{
        let (decode_first, decoded) = DecodeFirst::new();
        let service = HandlerService::new($handler, $state, decoded);
        Runtime::new(service)
            .layer(decode_first)
            .layer(crate::layers::per_invocation_metrics())
            .layer(InvocationSpans::default())
            .layer(TrackInFlight {
                tracker: $parts.tracker,
                cancellable: $concurrent,
            })
    }};
}

/// The loop that serves as many invocations at once as
/// `AWS_LAMBDA_MAX_CONCURRENCY` says, each worker on a task of its own.
pub(crate) fn concurrent_loop<E, S, H>(handler: &'static H, state: &'static S, parts: Parts) -> Loop
where
    E: DeserializeOwned + Send + 'static,
    S: Sync + 'static,
    H: Handler<E, S> + Sync + 'static,
    H::Future: Send + 'static,
    H::Output: Serialize + Send + 'static,
{
    Box::pin(runtime!(handler, state, parts, true).run_concurrent())
}

async fn serve<E, S, H, T, I, K>(
    spec: Spec,
    init: I,
    shutdown: K,
    loops: Loops<H, T, S>,
) -> ExitCode
where
    E: DeserializeOwned + 'static,
    S: 'static,
    H: Handler<E, S>,
    H::Future: 'static,
    H::Output: Serialize + 'static,
    I: Init<S>,
    K: Shutdown<S>,
{
    let missing: Vec<&str> = REQUIRED_ENV
        .into_iter()
        .filter(|name| std::env::var_os(name).is_none())
        .collect();
    let state = if let Err(error) = &loops.requested {
        Err(error.clone())
    } else if missing.is_empty() {
        configured_init(init).await
    } else {
        Err(Diagnostic {
            error_type: "Runtime.InvalidEnvironment".to_owned(),
            error_message: format!("not set: {}", missing.join(", ")),
        })
    };
    let state: &'static S = match state {
        // The state lives as long as the process, like a module global in
        // the managed runtimes; leaking it lets handlers borrow it freely.
        Ok(state) => Box::leak(Box::new(state)),
        Err(error) => {
            tracing::error!(error_type = %error.error_type, "init failed: {}", error.error_message);
            crate::init_error::report(&error).await;
            return ExitCode::FAILURE;
        }
    };
    if shutdown::wants_extension(spec.shutdown) {
        shutdown::register_extension().await;
    }
    let mut signals = Signals::listen();
    let tracker = Tracker::default();
    let parts = Parts {
        tracker: tracker.clone(),
    };
    let requested = loops.requested.unwrap_or(1);
    // Boxed so that it can be dropped, cancelling a handler cut short,
    // before the hook runs (a concurrent loop's workers run on tasks of
    // their own: the tracker cancels those, see below).
    let mut run = match loops.serving.0 {
        Ok(concurrent) if requested > 1 => {
            tracing::info!("serving up to {requested} invocations at once");
            Either::Right(concurrent(loops.source, state, parts))
        }
        serving => {
            if let (Err(why), true) = (serving, requested > 1) {
                tracing::warn!("{}", concurrency::sequential_notice(requested, &why));
            }
            if std::env::var_os(concurrency::MAX_CONCURRENCY_ENV).is_some() {
                // `lambda_runtime`'s sequential loop would warn that a
                // feature is missing, which is not why.
                std::env::remove_var(concurrency::MAX_CONCURRENCY_ENV);
            }
            // Its own type, not the boxed `Loop`: the classic path stays
            // as the compiler inlines it without concurrency.
            Either::Left(Box::pin(runtime!(loops.handler, state, parts, false).run()))
        }
    };
    let concurrent = matches!(run, Either::Right(_));
    let signal = tokio::select! {
        // The signal first: checking it is cheap, and one that came while
        // the loop was waiting stops the loop before it can go on to the
        // next invocation.
        biased;
        signal = signals.recv() => signal,
        ended = &mut run => return match ended {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                tracing::error!(error = %err, "{}", run_failure(&*err, concurrent));
                ExitCode::FAILURE
            }
        },
    };
    // The invocations in flight run on until their answers are posted; the
    // tracker then holds each worker there (it never polls `next` again) and
    // the loop is dropped.
    tracker.stop();
    let grace = shutdown::grace();
    let in_flight = if tracker.current().is_empty() {
        InFlight::Idle
    } else {
        let mut logged = Box::pin(async {
            if let Err(err) = (&mut run).await {
                tracing::error!(error = %err, "{} during shutdown", run_failure(&*err, concurrent));
            }
        });
        shutdown::drain(&mut logged, tracker.idle(), grace, &mut signals).await
    };
    let cut_short = tracker.current();
    if concurrent && !cut_short.is_empty() {
        tracker.cancel();
        // Each worker drops its handler when woken; one stuck in blocking
        // code is not waited for.
        let _ = tokio::time::timeout(shutdown::ANSWER_LIMIT, tracker.idle()).await;
    }
    drop(run);
    // At once, so that all of them fit in the one answering allowance.
    futures_util::future::join_all(cut_short.iter().map(|id| shutdown::answer_cut_short(id))).await;
    shutdown::finish(signal, in_flight, shutdown, state, spec.shutdown, grace).await;
    ExitCode::SUCCESS
}

/// Why `lambda_runtime`'s loop ended. Some invocations it rejects before
/// any layer of ours sees them, and then ends the loop: say which, so the
/// exit is explained (Lambda reports it as `Runtime.ExitError` for that
/// invocation and starts a fresh environment). A concurrent loop instead
/// loses the one worker such an invocation reached and serves on with the
/// others; it ends once none is left, each worker's cause logged by
/// `lambda_runtime` as it stopped.
fn run_failure(err: &(dyn std::error::Error + 'static), concurrent: bool) -> &'static str {
    if concurrent {
        concat!(
            "every worker of the concurrent loop has stopped (lambda_runtime logged ",
            "the cause of each: an invocation whose Runtime API headers it rejects, ",
            "or the Runtime API connection)"
        )
    } else if err.is::<serde_json::Error>() {
        concat!(
            "lambda_runtime rejected an invocation before the handler: ",
            "its Lambda-Runtime-Client-Context or Lambda-Runtime-Cognito-Identity ",
            "header is not the JSON Lambda sends"
        )
    } else if err.is::<http::header::ToStrError>() {
        concat!(
            "lambda_runtime rejected an invocation before the handler: ",
            "a Runtime API header holds bytes that are not visible ASCII"
        )
    } else if err.is::<std::num::ParseIntError>() {
        concat!(
            "lambda_runtime rejected an invocation before the handler: ",
            "its Lambda-Runtime-Deadline-Ms header is not a number"
        )
    } else {
        "the Runtime API connection failed"
    }
}

async fn run_local<E, S, H, I, K>(
    spec: Spec,
    mode: local::Mode,
    init: I,
    shutdown: K,
    handler: &'static H,
) -> ExitCode
where
    E: DeserializeOwned + 'static,
    S: 'static,
    H: Handler<E, S>,
    H::Future: 'static,
    H::Output: Serialize + 'static,
    I: Init<S>,
    K: Shutdown<S>,
{
    let event = match local::event_from_command_line(spec.reads_event, mode) {
        Ok(event) => event,
        Err(code) => return code,
    };
    let timeout = match local_settings() {
        Ok(timeout) => timeout,
        Err(code) => return code,
    };
    let state = match init_local(init).await {
        Ok(state) => state,
        Err(code) => return code,
    };
    let mut signals = Signals::listen();
    let mut invocation = Box::pin(invoke_once(
        handler,
        &event,
        local::local_context(timeout),
        state,
        true,
    ));
    let signal = tokio::select! {
        outcome = &mut invocation => return local::report(outcome),
        signal = signals.recv() => signal,
    };
    let grace = shutdown::grace();
    let outcome = tokio::select! {
        outcome = &mut invocation => Some(outcome),
        () = tokio::time::sleep(grace) => None,
        _ = signals.recv() => None,
    };
    drop(invocation);
    // The outcome is printed as in any local run, so the exit status is the
    // invocation's; one cut short is an error.
    let (in_flight, code) = match outcome {
        Some(outcome) => (InFlight::Finished, local::report(outcome)),
        None => {
            local::print_error(&shutdown::cut_short_error());
            (InFlight::CutShort, ExitCode::FAILURE)
        }
    };
    shutdown::finish(signal, in_flight, shutdown, state, spec.shutdown, grace).await;
    code
}

/// Runs `init` outside Lambda; a failure is printed with its type and
/// message, saying it was init that failed (no invocation ran).
pub(crate) async fn init_local<S: 'static>(init: impl Init<S>) -> Result<&'static S, ExitCode> {
    match configured_init(init).await {
        Ok(state) => Ok(Box::leak(Box::new(state))),
        Err(error) => {
            eprintln!(
                "error: init failed: {}: {}",
                error.error_type, error.error_message
            );
            Err(ExitCode::FAILURE)
        }
    }
}

/// Outside Lambda, the shutdown settings and the function timeout every
/// invocation is bounded by; a bad value is a usage error (exit status 2),
/// reported before init runs.
pub(crate) fn local_settings() -> Result<std::time::Duration, ExitCode> {
    let usage = |message: &str| {
        eprintln!("error: {message}");
        ExitCode::from(2)
    };
    shutdown::configure().map_err(|error| usage(&error.error_message))?;
    local::function_timeout().map_err(|message| usage(&message))
}

/// The deadline margin and shutdown settings read (a bad value fails
/// init), then `init` run under the panic guard.
async fn configured_init<S>(init: impl Init<S>) -> Result<S, Diagnostic> {
    crate::layers::deadline::configure()?;
    shutdown::configure()?;
    guard(init.run()).await
}
