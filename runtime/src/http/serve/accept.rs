//! Accepting connections without spinning: a failed `accept` (out of file
//! descriptors, out of memory, a connection aborted before it was taken)
//! is retried after an exponentially growing pause, and a burst of
//! failures is logged twice (when it starts, and when accepting works
//! again, with the count) rather than once per attempt.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// The first pause after a failure.
const FIRST_PAUSE: Duration = Duration::from_millis(5);
/// The longest pause: a freed descriptor is used within a second.
const LONGEST_PAUSE: Duration = Duration::from_secs(1);

/// The state of the current burst of failures.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    failures: u64,
    pause: Duration,
}

impl Backoff {
    /// Records a failure and returns how long to pause before the next
    /// attempt; logs only the first failure of a burst.
    pub(crate) fn failed(&mut self, err: &std::io::Error) -> Duration {
        if self.failures == 0 {
            tracing::warn!(
                "accept failed: {err}; retrying with back-off until it works again \
                 (further failures are counted, not logged)"
            );
            self.pause = FIRST_PAUSE;
        } else {
            self.pause = (self.pause * 2).min(LONGEST_PAUSE);
        }
        self.failures += 1;
        self.pause
    }

    /// Records a success; ends (and logs) a burst of failures.
    pub(crate) fn succeeded(&mut self) {
        if self.failures > 0 {
            tracing::warn!(
                "accepting connections again after {} failed attempts",
                self.failures
            );
            *self = Backoff::default();
        }
    }
}

/// The next connection; failures are paused over and retried.
pub(crate) async fn accept(
    listener: &TcpListener,
    backoff: &mut Backoff,
) -> (TcpStream, SocketAddr) {
    retry(backoff, || listener.accept()).await
}

/// `attempt` until it succeeds, pausing as `backoff` says after each failure.
async fn retry<T, F>(backoff: &mut Backoff, mut attempt: impl FnMut() -> F) -> T
where
    F: Future<Output = std::io::Result<T>>,
{
    loop {
        match attempt().await {
            Ok(accepted) => {
                backoff.succeeded();
                return accepted;
            }
            Err(err) => {
                let pause = backoff.failed(&err);
                tokio::time::sleep(pause).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_a_second_and_reset_on_success() {
        let err = std::io::Error::from_raw_os_error(24);
        let mut backoff = Backoff::default();
        let pauses: Vec<_> = (0..12).map(|_| backoff.failed(&err)).collect();
        assert_eq!(pauses[0], FIRST_PAUSE);
        assert_eq!(pauses[1], FIRST_PAUSE * 2);
        assert!(pauses.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(*pauses.last().unwrap(), LONGEST_PAUSE);
        assert_eq!(backoff.failures, 12);
        backoff.succeeded();
        assert_eq!(backoff.failures, 0);
        assert_eq!(backoff.failed(&err), FIRST_PAUSE);
    }

    /// On tokio's paused clock, attempts are exactly a pause apart.
    #[tokio::test(start_paused = true)]
    async fn each_failure_is_followed_by_its_pause() {
        let attempts = std::cell::RefCell::new(Vec::new());
        let mut backoff = Backoff::default();
        let outcome = retry(&mut backoff, || {
            let mut attempts = attempts.borrow_mut();
            attempts.push(tokio::time::Instant::now());
            let outcome = if attempts.len() <= 10 {
                Err(std::io::Error::from_raw_os_error(24))
            } else {
                Ok(attempts.len())
            };
            async move { outcome }
        })
        .await;
        assert_eq!(outcome, 11);
        let attempts = attempts.into_inner();
        let pauses: Vec<_> = attempts.windows(2).map(|w| w[1] - w[0]).collect();
        let ms = Duration::from_millis;
        assert_eq!(
            pauses,
            [5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000].map(ms)
        );
        // The success ended the burst.
        assert_eq!(backoff.failures, 0);
    }
}
