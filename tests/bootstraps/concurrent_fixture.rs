//! A bootstrap for the concurrency tests: a plain `#[lambda_handler]`
//! whose future, event, output and state are `Send`, so that under
//! `AWS_LAMBDA_MAX_CONCURRENCY` it serves invocations at once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lambda_kit::{lambda_handler, Context};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

/// Shared by every invocation in flight.
#[derive(Default)]
struct State {
    /// Jobs that asked to gather, counted up only.
    gathering: AtomicUsize,
    changed: Notify,
}

async fn setup() -> State {
    tracing::info!("fixture initialised");
    State::default()
}

/// `{"id": 7, "sleep_ms": 5}`, `{"id": 7, "gather": 8}` or
/// `{"id": 7, "panic": true}`.
#[derive(Deserialize)]
struct Job {
    id: u64,
    #[serde(default)]
    sleep_ms: u64,
    /// Wait until this many invocations run at once.
    #[serde(default)]
    gather: usize,
    #[serde(default)]
    panic: bool,
}

#[derive(Serialize)]
struct Done {
    id: u64,
    request_id: String,
}

/// Logs the invocation's end when it did not finish: dropped by a panic or
/// a cancellation.
struct Ending {
    id: u64,
    finished: bool,
}

impl Drop for Ending {
    fn drop(&mut self) {
        if !self.finished {
            tracing::info!(id = self.id, "dropped unfinished");
        }
    }
}

#[lambda_handler(init = setup, concurrent)]
async fn concurrent_fixture(state: &State, job: Job, ctx: Context) -> Done {
    let mut ending = Ending {
        id: job.id,
        finished: false,
    };
    tracing::info!(id = job.id, "started");
    if job.gather > 0 {
        // Done only once that many have arrived, none of them done:
        // sequential serving never gets there and the deadline cuts the
        // invocation short.
        state.gathering.fetch_add(1, Ordering::SeqCst);
        state.changed.notify_waiters();
        loop {
            let changed = state.changed.notified();
            if state.gathering.load(Ordering::SeqCst) >= job.gather {
                break;
            }
            changed.await;
        }
        tracing::info!(id = job.id, "gathered");
    }
    tokio::time::sleep(Duration::from_millis(job.sleep_ms)).await;
    if job.panic {
        panic!("job {} panicked", job.id);
    }
    tracing::info!(id = job.id, "finished");
    ending.finished = true;
    drop(ending);
    Done {
        id: job.id,
        request_id: ctx.request_id,
    }
}
