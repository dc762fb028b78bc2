//! Running one statement: prepare (cached per connection), execute with
//! bound parameters, and collect the result into the shape the fn returns
//! (all rows, the first, exactly one, or the affected-row count). On the
//! pool, a statement whose connection turned out dead is retried once when
//! that is safe (see `retry`).

use mysql_async::prelude::Queryable;
use mysql_async::{Params, Statement, Value};

use super::registry::{Kind, Query};
use super::retry::{may_retry, Stage};
use super::row::Decoder;
use super::{Error, Pool};

/// What an INSERT, UPDATE, DELETE or REPLACE did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Exec {
    /// Rows changed (or matched, if the server reports found rows).
    pub affected_rows: u64,
    /// The AUTO_INCREMENT value the statement generated, if any.
    pub last_insert_id: Option<u64>,
}

/// Collects a statement's result into the value the fn returns.
pub(crate) trait Sink {
    type Output;

    /// Takes one row; `Ok(false)` when no more are wanted.
    fn row(&mut self, row: mysql_async::Row, query: &'static Query) -> Result<bool, Error>;

    /// Finishes after the last wanted row.
    fn finish(self, done: Exec, query: &'static Query) -> Result<Self::Output, Error>;
}

/// Every row: `Vec<R>`.
pub(crate) struct All<R>(pub Decoder<R>, pub Vec<R>);

impl<R> Sink for All<R> {
    type Output = Vec<R>;

    fn row(&mut self, row: mysql_async::Row, query: &'static Query) -> Result<bool, Error> {
        self.1.push(self.0.decode(row, query.name())?);
        Ok(true)
    }

    fn finish(self, _: Exec, _: &'static Query) -> Result<Vec<R>, Error> {
        Ok(self.1)
    }
}

/// The first row, if any: `Option<R>`.
pub(crate) struct First<R>(pub Decoder<R>, pub Option<R>);

impl<R> Sink for First<R> {
    type Output = Option<R>;

    fn row(&mut self, row: mysql_async::Row, query: &'static Query) -> Result<bool, Error> {
        self.1 = Some(self.0.decode(row, query.name())?);
        Ok(false)
    }

    fn finish(self, _: Exec, _: &'static Query) -> Result<Option<R>, Error> {
        Ok(self.1)
    }
}

/// Exactly one row: `R`.
pub(crate) struct One<R>(pub Decoder<R>, pub Option<R>);

impl<R> Sink for One<R> {
    type Output = R;

    fn row(&mut self, row: mysql_async::Row, query: &'static Query) -> Result<bool, Error> {
        if self.1.is_some() {
            return Err(Error::TooManyRows {
                query: query.name(),
            });
        }
        self.1 = Some(self.0.decode(row, query.name())?);
        // Read on, to see whether a second row breaks the promise.
        Ok(true)
    }

    fn finish(self, _: Exec, query: &'static Query) -> Result<R, Error> {
        self.1.ok_or(Error::NotFound {
            query: query.name(),
        })
    }
}

/// What a write did: `u64`, `rds::Exec` or `()`.
pub(crate) struct Outcome<T>(pub fn(Exec) -> T);

impl<T> Sink for Outcome<T> {
    type Output = T;

    fn row(&mut self, _: mysql_async::Row, _: &'static Query) -> Result<bool, Error> {
        Ok(false)
    }

    fn finish(self, done: Exec, _: &'static Query) -> Result<T, Error> {
        Ok((self.0)(done))
    }
}

/// A failure and where it happened.
pub(crate) struct Failure {
    stage: Stage,
    cause: Cause,
}

enum Cause {
    /// The driver or the server failed.
    Driver(mysql_async::Error),
    /// A row did not convert, or the row count broke the fn's promise.
    Result(Error),
}

impl Failure {
    fn driver(stage: Stage) -> impl FnOnce(mysql_async::Error) -> Self {
        move |error| Self {
            stage,
            cause: Cause::Driver(error),
        }
    }

    fn result(error: Error) -> Self {
        Self {
            stage: Stage::Execute,
            cause: Cause::Result(error),
        }
    }

    fn retryable(&self, kind: Kind) -> Option<&mysql_async::Error> {
        match &self.cause {
            Cause::Driver(error) if may_retry(kind, self.stage, error) => Some(error),
            _ => None,
        }
    }

    fn into_error(self, query: &'static Query) -> Error {
        match self.cause {
            Cause::Driver(error) => Error::driver(query.name(), error),
            Cause::Result(error) => error,
        }
    }
}

async fn prepare<Q: Queryable>(
    queryable: &mut Q,
    query: &'static Query,
) -> Result<Statement, Failure> {
    queryable
        .prep(query.sql())
        .await
        .map_err(Failure::driver(Stage::Prepare))
}

async fn run<Q: Queryable, S: Sink>(
    queryable: &mut Q,
    statement: &Statement,
    values: Vec<Value>,
    query: &'static Query,
    mut sink: S,
) -> Result<S::Output, Failure> {
    let params = if values.is_empty() {
        Params::Empty
    } else {
        Params::Positional(values)
    };
    let mut result = queryable
        .exec_iter(statement, params)
        .await
        .map_err(Failure::driver(Stage::Execute))?;
    while let Some(row) = result
        .next()
        .await
        .map_err(Failure::driver(Stage::Execute))?
    {
        match sink.row(row, query) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                // Leave the connection clean for its next user; the error
                // that matters is the conversion's.
                let _ = result.drop_result().await;
                return Err(Failure::result(error));
            }
        }
    }
    let done = Exec {
        affected_rows: result.affected_rows(),
        last_insert_id: result.last_insert_id(),
    };
    result
        .drop_result()
        .await
        .map_err(Failure::driver(Stage::Execute))?;
    sink.finish(done, query).map_err(Failure::result)
}

/// Runs `query` on a caller's connection or transaction: no retry, since
/// a fresh connection would be outside the caller's transaction.
pub(crate) async fn on<Q: Queryable, S: Sink>(
    queryable: &mut Q,
    query: &'static Query,
    values: Vec<Value>,
    sink: S,
) -> Result<S::Output, Error> {
    let result = match prepare(queryable, query).await {
        Ok(statement) => run(queryable, &statement, values, query, sink).await,
        Err(failure) => Err(failure),
    };
    result.map_err(|failure| failure.into_error(query))
}

/// Runs `query` on a pooled connection, once more on a fresh one if the
/// first was dead and a second run is safe.
pub(crate) async fn pooled<S: Sink>(
    pool: &Pool,
    query: &'static Query,
    mut values: Vec<Value>,
    sink: impl Fn() -> S,
) -> Result<S::Output, Error> {
    let kind = query.kind();
    let mut may_retry = true;
    loop {
        let mut conn = pool.acquire(kind != Kind::Read).await?;
        let (driver, in_doubt) = conn.tracked();
        let ran = in_doubt.around(async {
            let statement = prepare(&mut *driver, query).await?;
            // A read may run again, so it keeps its parameters; so does
            // any statement whose prepare failed (it never ran).
            let params = if may_retry && kind == Kind::Read {
                values.clone()
            } else {
                std::mem::take(&mut values)
            };
            run(driver, &statement, params, query, sink()).await
        });
        let failure = match ran.await {
            Ok(output) => return Ok(output),
            Err(failure) => failure,
        };
        match failure.retryable(kind) {
            Some(error) if may_retry => {
                tracing::warn!(
                    query = query.name(),
                    error = %error,
                    "the pooled connection was dead (closed while the instance was idle?); retrying on a new one"
                );
                may_retry = false;
            }
            _ => return Err(failure.into_error(query)),
        }
    }
}
