//! [`Function`]: a compiled bootstrap run against its own [`RuntimeApi`],
//! its output captured.

use std::ffi::OsStr;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;

use super::{Completion, EmulatorError, ErrorReport, Invocation, RuntimeApi};
use crate::Diagnostic;

/// A bootstrap process started against its own [`RuntimeApi`], with its
/// stdout and stderr captured. The process is killed when this is dropped.
pub struct Function {
    api: RuntimeApi,
    child: Child,
    output: Arc<watch::Sender<Captured>>,
}

/// What the capture tasks have read so far, and how many of the two pipes
/// they are still reading.
#[derive(Default)]
struct Captured {
    text: String,
    open: usize,
}

impl Function {
    /// Starts the program at `path` (e.g. `env!("CARGO_BIN_EXE_hello")`).
    pub async fn spawn(path: impl AsRef<OsStr>) -> Result<Self, EmulatorError> {
        Self::spawn_command(Command::new(path)).await
    }

    /// Starts a prepared command, adding the Lambda environment to it.
    pub async fn spawn_command(mut command: Command) -> Result<Self, EmulatorError> {
        let api = RuntimeApi::start().await?;
        api.configure(&mut command);
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let output = Arc::new(watch::channel(Captured::default()).0);
        // Counted open before either task starts, so no reader can see
        // zero open pipes while one is still to be read.
        let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
        output.send_modify(|captured| {
            captured.open = usize::from(stdout.is_some()) + usize::from(stderr.is_some());
        });
        if let Some(stdout) = stdout {
            tokio::spawn(capture(stdout, output.clone()));
        }
        if let Some(stderr) = stderr {
            tokio::spawn(capture(stderr, output.clone()));
        }
        Ok(Self { api, child, output })
    }

    /// The emulator this function talks to.
    pub fn api(&mut self) -> &mut RuntimeApi {
        &mut self.api
    }

    /// Invokes with a JSON event: `Ok(Ok(json))` for a response,
    /// `Ok(Err(document))` for an error the function reported.
    pub async fn invoke(
        &mut self,
        event: &impl Serialize,
    ) -> Result<Result<Value, Diagnostic>, EmulatorError> {
        let payload = serde_json::to_vec(event).map_err(EmulatorError::Event)?;
        Ok(self.invoke_raw(payload).await?.into_result())
    }

    /// Invokes with raw payload bytes (which need not be valid JSON).
    pub async fn invoke_raw(
        &mut self,
        payload: impl Into<Bytes>,
    ) -> Result<Completion, EmulatorError> {
        tokio::select! {
            completion = self.api.invoke_raw(payload) => completion,
            status = self.child.wait() => Err(EmulatorError::Exited(status?)),
        }
    }

    /// Invokes with an [`Invocation`] whose headers a test has changed; an
    /// exit of the process first is [`EmulatorError::Exited`].
    pub async fn invoke_with(
        &mut self,
        invocation: Invocation,
    ) -> Result<Completion, EmulatorError> {
        tokio::select! {
            completion = self.api.invoke(invocation) => completion,
            status = self.child.wait() => Err(EmulatorError::Exited(status?)),
        }
    }

    /// Waits for an init failure report.
    pub async fn init_error(&mut self) -> Result<ErrorReport, EmulatorError> {
        self.api.init_error().await
    }

    /// Waits for the process to exit and for its stdout and stderr to be
    /// read to the end, so that [`output`](Self::output) is then complete.
    /// Bounded by the emulator's timeout: a process that does not exit, or
    /// whose pipes stay open (held by a child of its own), is a
    /// [`EmulatorError::Timeout`].
    pub async fn wait(&mut self) -> Result<ExitStatus, EmulatorError> {
        let limit = self.api.timeout;
        let mut captured = self.output.subscribe();
        let finished = async {
            let status = self.child.wait().await?;
            captured
                .wait_for(|captured| captured.open == 0)
                .await
                .expect("the sender lives in `self`");
            Ok(status)
        };
        match tokio::time::timeout(limit, finished).await {
            Ok(outcome) => outcome,
            Err(_) => Err(EmulatorError::Timeout(limit)),
        }
    }

    /// Shuts the emulator down and waits for the bootstrap to exit by
    /// itself (letting it flush, e.g. a profiler's output), as
    /// [`wait`](Self::wait) does: [`output`](Self::output) is then complete.
    pub async fn shut_down(&mut self) -> Result<ExitStatus, EmulatorError> {
        self.api.shut_down();
        self.wait().await
    }

    /// Sends the process a signal by name (`"TERM"`, `"INT"`, ...), as
    /// Lambda or a person at the terminal would.
    pub fn signal(&self, name: &str) -> std::io::Result<()> {
        let pid = self
            .pid()
            .ok_or_else(|| std::io::Error::other("the process has exited"))?;
        let status = std::process::Command::new("kill")
            .args(["-s", name, &pid.to_string()])
            .status()?;
        if status.success() {
            Ok(())
        } else {
            Err(std::io::Error::other(format!(
                "kill -s {name} {pid}: {status}"
            )))
        }
    }

    /// The operating-system process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// What the process wrote to stdout and stderr, as far as it has been
    /// captured, one `\n`-terminated line after another (stdout and stderr
    /// interleaved as read; bytes that are not UTF-8 replaced).
    ///
    /// Capture runs in background tasks, so while the process runs a line
    /// it has already written (even one written before it answered an
    /// invocation) may not be here yet. The guarantee:
    ///
    /// - After [`wait`](Self::wait) or [`shut_down`](Self::shut_down)
    ///   returned `Ok`, the process has exited and both pipes were read to
    ///   the end: the output is complete and no longer changes. Assert that
    ///   something is *absent* only then.
    /// - While it runs, wait for an expected line with
    ///   [`wait_for_output`](Self::wait_for_output), which fails after a
    ///   bound instead of passing on output that has not arrived.
    pub fn output(&self) -> String {
        self.output.borrow().text.clone()
    }

    /// Waits until the captured output satisfies `ready` and returns it
    /// then. Fails with [`EmulatorError::Timeout`] after `limit`, or with
    /// [`EmulatorError::OutputEnded`] as soon as the process has closed
    /// both pipes without satisfying it.
    pub async fn wait_for_output(
        &self,
        mut ready: impl FnMut(&str) -> bool,
        limit: Duration,
    ) -> Result<String, EmulatorError> {
        let mut captured = self.output.subscribe();
        let mut found = false;
        let seen = captured.wait_for(|captured| {
            found = ready(&captured.text);
            found || captured.open == 0
        });
        let outcome = tokio::time::timeout(limit, seen)
            .await
            .map(|seen| seen.map(|captured| captured.text.clone()));
        match outcome {
            Ok(Ok(text)) if found => Ok(text),
            Ok(_) => Err(EmulatorError::OutputEnded),
            Err(_) => Err(EmulatorError::Timeout(limit)),
        }
    }
}

/// Reads one pipe to its end into `output`, line by line (lossily, so a
/// byte that is not UTF-8 never stops the capture and leaves the process
/// blocked on a full pipe), then counts the pipe as closed.
async fn capture(stream: impl AsyncRead + Unpin, output: Arc<watch::Sender<Captured>>) {
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                let text = text.strip_suffix('\n').unwrap_or(&text);
                output.send_modify(|captured| {
                    captured.text.push_str(text);
                    captured.text.push('\n');
                });
            }
        }
    }
    output.send_modify(|captured| captured.open -= 1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::DEFAULT_TIMEOUT;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[tokio::test]
    async fn wait_returns_with_both_pipes_read_to_the_end() {
        // More than a pipe buffer on each stream, the last lines written
        // just before exiting: all of it is there once `wait` returns.
        let script = "i=0; while [ $i -lt 2000 ]; do \
                      echo \"out $i ..............................\"; \
                      echo \"err $i ..............................\" >&2; \
                      i=$((i+1)); done; echo last-out; echo last-err >&2";
        let mut function = Function::spawn_command(shell(script)).await.unwrap();
        assert!(function.wait().await.unwrap().success());
        let output = function.output();
        assert_eq!(output.lines().count(), 4002, "{output}");
        assert!(output.contains("last-out\n") && output.contains("last-err\n"));
        assert!(output.contains("out 1999 ") && output.contains("err 1999 "));
    }

    #[tokio::test]
    async fn bytes_that_are_not_utf8_do_not_stop_the_capture() {
        let script = r"printf 'before \377 bytes\nafter\n'; printf 'no newline at the end'";
        let mut function = Function::spawn_command(shell(script)).await.unwrap();
        function.wait().await.unwrap();
        assert_eq!(
            function.output(),
            "before \u{fffd} bytes\nafter\nno newline at the end\n"
        );
    }

    #[tokio::test]
    async fn wait_for_output_returns_once_the_line_is_there() {
        let mut function = Function::spawn_command(shell("echo ready >&2; exec sleep 60"))
            .await
            .unwrap();
        let output = function
            .wait_for_output(|s| s.contains("ready\n"), DEFAULT_TIMEOUT)
            .await
            .unwrap();
        assert_eq!(output, "ready\n");
        // Still running: `wait` is bounded too.
        function.api().set_timeout(Duration::from_millis(10));
        assert!(matches!(
            function.wait().await,
            Err(EmulatorError::Timeout(_))
        ));
    }

    #[tokio::test]
    async fn wait_for_output_fails_when_the_output_ends_without_the_line() {
        let function = Function::spawn_command(shell("echo something else"))
            .await
            .unwrap();
        let outcome = function
            .wait_for_output(|s| s.contains("ready"), DEFAULT_TIMEOUT)
            .await;
        assert!(
            matches!(outcome, Err(EmulatorError::OutputEnded)),
            "{outcome:?}"
        );
        assert_eq!(function.output(), "something else\n");
    }

    #[tokio::test]
    async fn wait_for_output_fails_after_its_bound() {
        let function = Function::spawn_command(shell("exec sleep 60"))
            .await
            .unwrap();
        let outcome = function
            .wait_for_output(|s| s.contains("ready"), Duration::from_millis(10))
            .await;
        assert!(
            matches!(outcome, Err(EmulatorError::Timeout(_))),
            "{outcome:?}"
        );
    }
}
