//! The deadline race: every invocation ends before its deadline. The
//! handler's future runs against a timer set to the deadline less a
//! margin; when the timer wins, the handler's future is dropped (which
//! cancels whatever it was awaiting) and the invocation is answered with a
//! [`TIMEOUT_ERROR`] document, so the instance stays warm.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_runtime::Context;
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};

use crate::Diagnostic;

/// The `errorType` of an invocation the bootstrap cut short because its
/// time ran out; the message gives the handler's budget in milliseconds.
pub const TIMEOUT_ERROR: &str = "Runtime.Timeout";

/// How long before the deadline the bootstrap cancels a handler, unless
/// `LAMBDA_KIT_DEADLINE_MARGIN_MS` says otherwise. Posting the error
/// document is one small request on loopback (well under a millisecond);
/// the rest is headroom for a CPU-throttled instance at the smallest
/// memory sizes, whose next time slice can be tens of milliseconds away.
pub const DEFAULT_MARGIN: Duration = Duration::from_millis(100);

/// The environment variable that sets the margin, in whole milliseconds.
pub const MARGIN_ENV: &str = "LAMBDA_KIT_DEADLINE_MARGIN_MS";

/// The largest margin accepted: Lambda's longest timeout, 15 minutes.
const MAX_MARGIN_MS: u64 = 900_000;

static MARGIN: OnceLock<Duration> = OnceLock::new();

/// Reads the margin from the environment once, before init; a value that
/// is not a number of milliseconds is an init error, never a silent
/// default.
pub(crate) fn configure() -> Result<Duration, Diagnostic> {
    let value = std::env::var(MARGIN_ENV).ok();
    let margin = parse_margin(value.as_deref()).map_err(|error_message| Diagnostic {
        error_type: "Runtime.InvalidEnvironment".to_owned(),
        error_message,
    })?;
    Ok(*MARGIN.get_or_init(|| margin))
}

/// The margin in force.
pub(crate) fn margin() -> Duration {
    *MARGIN.get_or_init(|| {
        parse_margin(std::env::var(MARGIN_ENV).ok().as_deref()).unwrap_or(DEFAULT_MARGIN)
    })
}

fn parse_margin(value: Option<&str>) -> Result<Duration, String> {
    let Some(text) = value.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(DEFAULT_MARGIN);
    };
    match text.parse::<u64>() {
        Ok(ms) if ms <= MAX_MARGIN_MS => Ok(Duration::from_millis(ms)),
        _ => Err(format!(
            "{MARGIN_ENV} must be a whole number of milliseconds from 0 to {MAX_MARGIN_MS}, \
             not `{text}`; unset, the margin is {} ms",
            DEFAULT_MARGIN.as_millis()
        )),
    }
}

/// Time from now until `deadline_ms` (milliseconds since the Unix epoch),
/// zero once past.
fn remaining(deadline_ms: u64) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Duration::from_millis(deadline_ms).saturating_sub(now)
}

/// Time budgeting for handlers, on [`Context`]: how long the invocation
/// has left.
///
/// The bootstrap cancels a handler [`budget`](ContextExt::budget) from
/// now: it drops the handler's future, so whatever the handler was
/// awaiting (a query, an HTTP call, a sleep) stops at that `.await`, and
/// the invocation is answered with a [`TIMEOUT_ERROR`] document. Work the
/// handler spawned onto other tasks is not cancelled. Give your own calls
/// a timeout inside the budget to answer something better yourself.
///
/// ```
/// use std::time::{Duration, SystemTime, UNIX_EPOCH};
/// use lambda_kit::{Context, ContextExt};
///
/// let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
/// let mut ctx = Context::default();
/// ctx.deadline = (now + Duration::from_secs(3)).as_millis() as u64;
/// assert!(ctx.remaining() <= Duration::from_secs(3));
/// assert!(ctx.remaining() > Duration::from_secs(2));
/// // The bootstrap keeps a margin (100 ms by default) to report a timeout.
/// assert!(ctx.budget() < ctx.remaining());
///
/// ctx.deadline = 1; // long past
/// assert_eq!(ctx.remaining(), Duration::ZERO);
/// assert_eq!(ctx.budget(), Duration::ZERO);
/// ```
pub trait ContextExt {
    /// Time until the invocation's deadline (`Lambda-Runtime-Deadline-Ms`,
    /// or the function's timeout outside Lambda), zero once past.
    fn remaining(&self) -> Duration;

    /// Time until the bootstrap cancels the handler: [`remaining`] less
    /// the margin (`LAMBDA_KIT_DEADLINE_MARGIN_MS`, default 100 ms), zero
    /// once past. Budget the handler's own work against this.
    ///
    /// [`remaining`]: ContextExt::remaining
    fn budget(&self) -> Duration;
}

impl ContextExt for Context {
    fn remaining(&self) -> Duration {
        remaining(self.deadline)
    }

    fn budget(&self) -> Duration {
        remaining(self.deadline).saturating_sub(margin())
    }
}

#[cfg(feature = "rds")]
tokio::task_local! {
    /// When the running invocation's handler is cancelled.
    static BUDGET_END: Instant;
}

/// When the running invocation's handler will be cancelled, if this task
/// is running one.
#[cfg(feature = "rds")]
pub(crate) fn budget_end() -> Option<Instant> {
    BUDGET_END.try_with(|end| *end).ok()
}

#[cfg(feature = "rds")]
type Scoped<F> = tokio::task::futures::TaskLocalFuture<Instant, F>;
#[cfg(not(feature = "rds"))]
type Scoped<F> = F;

pin_project! {
    /// A handler's future raced against its budget; see [`bounded`].
    pub(crate) struct Bounded<F> {
        #[pin]
        future: Option<Scoped<F>>,
        // Armed on the first poll the handler does not finish in: most
        // finish at once and never touch the timer wheel.
        #[pin]
        timer: Option<Sleep>,
        // When the handler is cancelled, if placed yet.
        end: Option<Instant>,
        deadline_ms: u64,
        budget: Duration,
        expired: bool,
    }
}

/// Deadlines before this (September 2001) cannot be the epoch milliseconds
/// of an invocation happening now: some local emulators of the Runtime API
/// (`cargo lambda watch`) send the function's timeout in milliseconds
/// instead.
const EPOCH_FLOOR_MS: u64 = 1_000_000_000_000;

static RELATIVE_DEADLINE_WARNED: AtomicBool = AtomicBool::new(false);

/// Makes `context.deadline` an epoch timestamp: one that cannot be
/// (below [`EPOCH_FLOOR_MS`]) is taken as that many milliseconds from now,
/// with a warning the first time, rather than as a deadline long past.
pub(crate) fn settle_deadline(context: &mut Context) {
    if context.deadline >= EPOCH_FLOOR_MS {
        return;
    }
    let relative = context.deadline;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    context.deadline = u64::try_from(now)
        .unwrap_or(u64::MAX)
        .saturating_add(relative);
    if !RELATIVE_DEADLINE_WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "Lambda-Runtime-Deadline-Ms {relative} is not a timestamp (as a local emulator may send); \
             taken as {relative} ms from receipt"
        );
    }
}

/// Races `future` against the deadline (epoch milliseconds) less the
/// margin. A budget already spent answers at once, without polling the
/// handler.
pub(crate) fn bounded<F: Future>(deadline_ms: u64, future: F) -> Bounded<F> {
    let budget = remaining(deadline_ms).saturating_sub(margin());
    // Database operations budget against it from the start; without them
    // the end is placed only if the handler does not finish at once.
    #[cfg(feature = "rds")]
    let (end, future) = {
        let end = Instant::now() + budget;
        (Some(end), BUDGET_END.scope(end, future))
    };
    #[cfg(not(feature = "rds"))]
    let end = None;
    Bounded {
        future: Some(future),
        timer: None,
        end,
        deadline_ms,
        budget,
        expired: budget.is_zero(),
    }
}

impl<F, T> Future for Bounded<F>
where
    F: Future<Output = Result<T, Diagnostic>>,
{
    type Output = Result<T, Diagnostic>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if !*this.expired {
            let future = this
                .future
                .as_mut()
                .as_pin_mut()
                .expect("a bounded invocation is not polled after it ended");
            if let Poll::Ready(output) = future.poll(cx) {
                return Poll::Ready(output);
            }
            if this.timer.is_none() {
                // Placed now from the deadline itself, it is the same end
                // as if placed when the invocation began.
                let end = this.end.unwrap_or_else(|| {
                    Instant::now() + remaining(*this.deadline_ms).saturating_sub(margin())
                });
                this.timer.set(Some(tokio::time::sleep_until(end)));
            }
            let timer = this.timer.as_mut().as_pin_mut().expect("armed above");
            if timer.poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
        // Dropping the future is the cancellation; do it now, so what it
        // held (a pooled connection) is released before the answer goes
        // out. A `Drop` impl that panics must not take the process down.
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| this.future.set(None)));
        let error = timed_out(*this.budget);
        tracing::error!(
            error_type = TIMEOUT_ERROR,
            budget_ms = this.budget.as_millis() as u64,
            "{}",
            error.error_message
        );
        Poll::Ready(Err(error))
    }
}

fn timed_out(budget: Duration) -> Diagnostic {
    Diagnostic {
        error_type: TIMEOUT_ERROR.to_owned(),
        error_message: format!(
            "the handler did not finish within its {} ms budget (the invocation's deadline \
             less a {} ms margin to report it) and was cancelled",
            budget.as_millis(),
            margin().as_millis()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// The margin in force, which `LAMBDA_KIT_DEADLINE_MARGIN_MS` may set:
    /// deadlines below are placed relative to it.
    fn margin_ms() -> u64 {
        margin().as_millis() as u64
    }

    fn in_ms(ms: u64) -> u64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        now + ms
    }

    #[test]
    fn deadlines_that_are_not_timestamps_are_taken_as_durations() {
        let mut context = Context::default();
        context.deadline = in_ms(3_000);
        let sent = context.deadline;
        settle_deadline(&mut context);
        assert_eq!(context.deadline, sent);

        context.deadline = 600_000;
        let before = in_ms(600_000);
        settle_deadline(&mut context);
        assert!(context.deadline >= before && context.deadline <= in_ms(600_000));
    }

    #[test]
    fn margins_parse_or_explain() {
        assert_eq!(parse_margin(None), Ok(DEFAULT_MARGIN));
        assert_eq!(parse_margin(Some(" ")), Ok(DEFAULT_MARGIN));
        assert_eq!(parse_margin(Some("0")), Ok(Duration::ZERO));
        assert_eq!(parse_margin(Some("250")), Ok(Duration::from_millis(250)));
        for bad in ["-5", "1.5", "100ms", "900001"] {
            let err = parse_margin(Some(bad)).unwrap_err();
            assert!(
                err.starts_with("LAMBDA_KIT_DEADLINE_MARGIN_MS must be a whole number")
                    && err.contains(&format!("not `{bad}`")),
                "{err}"
            );
        }
    }

    /// Sets `flag` when dropped.
    struct DropFlag(Arc<AtomicBool>);

    impl Drop for DropFlag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_handler_past_its_budget_is_dropped_and_answered() {
        let dropped = Arc::new(AtomicBool::new(false));
        let flag = DropFlag(dropped.clone());
        let margin = margin_ms();
        let err = bounded(in_ms(margin + 2_000), async move {
            let _flag = flag;
            std::future::pending::<Result<(), Diagnostic>>().await
        })
        .await
        .unwrap_err();
        assert_eq!(err.error_type, TIMEOUT_ERROR);
        let budget: u64 = err
            .error_message
            .strip_prefix("the handler did not finish within its ")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|ms| ms.parse().ok())
            .unwrap_or_else(|| panic!("{}", err.error_message));
        assert!((1_900..=2_000).contains(&budget), "{}", err.error_message);
        assert!(err
            .error_message
            .contains(&format!("less a {margin} ms margin")));
        assert!(dropped.load(Ordering::SeqCst));
    }

    #[tokio::test(start_paused = true)]
    async fn a_handler_within_its_budget_is_untouched() {
        let value = bounded(in_ms(margin_ms() + 2_000), async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            Ok::<_, Diagnostic>(7)
        })
        .await;
        assert_eq!(value.unwrap(), 7);
    }

    #[tokio::test]
    async fn a_spent_budget_answers_without_running_the_handler() {
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        // Less time left than the margin (or none at all).
        let err = bounded(in_ms(margin_ms() / 2), async move {
            flag.store(true, Ordering::SeqCst);
            Ok::<_, Diagnostic>(())
        })
        .await
        .unwrap_err();
        assert_eq!(err.error_type, TIMEOUT_ERROR);
        assert!(err.error_message.contains("within its 0 ms budget"));
        assert!(!ran.load(Ordering::SeqCst));
    }

    #[test]
    fn remaining_time_saturates() {
        let mut ctx = Context::default();
        ctx.deadline = in_ms(10_000);
        let remaining = ctx.remaining();
        let budget = ctx.budget();
        assert!(remaining > Duration::from_secs(9));
        assert!(budget <= remaining.saturating_sub(margin()));
        ctx.deadline = 0;
        assert_eq!(ctx.remaining(), Duration::ZERO);
        assert_eq!(ctx.budget(), Duration::ZERO);
    }
}
