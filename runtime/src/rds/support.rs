//! Runtime support for the code `#[rds_query]` and `#[derive(rds::FromRow)]`
//! generate, reached as `lambda_kit::__private::rds`.
//! Not public API: a generated body is one `query!` (the registered
//! statement) and one call to the function named after its result shape.

pub use super::registry::{Creates, Kind, Query, Registered};
pub use super::row::{Decoder, FieldFallback, FieldOf, Probe, ViaFromRow, ViaFromValue, ViaTuple};
pub use crate::{__lambda_kit_rds_query as query, __lambda_kit_rds_rows as rows};
pub use inventory;
pub use mysql_async::Value;

use super::budget::within;
use super::exec::{self, All, First, One, Outcome, Sink};
use super::{pool, Conn, Error, Exec, Pool, Transaction};

/// Where a query runs: the fn's first parameter, or the process-wide pool.
pub enum Via<'a, 't> {
    /// The process-wide pool (`rds::pool()`).
    Global,
    /// A pool passed as `pool: &rds::Pool`.
    Pool(&'a Pool),
    /// A connection passed as `conn: &mut rds::Conn`.
    Conn(&'a mut Conn),
    /// A transaction passed as `tx: &mut rds::Transaction<'_>`.
    Tx(&'a mut Transaction<'t>),
}

/// What the first parameter of an `#[rds_query]` fn may be.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot run queries",
    label = "expected `&rds::Pool`, `&mut rds::Conn` or `&mut rds::Transaction<'_>`",
    note = "the first parameter, when it is a reference to a type named `Pool`, `Conn` or `Transaction`, \
            says where the query runs; rename the type or pass a value parameter instead"
)]
pub trait Executor<'a, 't> {
    /// Where to run.
    fn via(self) -> Via<'a, 't>;
}

impl<'a> Executor<'a, 'static> for &'a Pool {
    fn via(self) -> Via<'a, 'static> {
        Via::Pool(self)
    }
}

impl<'a> Executor<'a, 'static> for &'a mut Pool {
    fn via(self) -> Via<'a, 'static> {
        Via::Pool(self)
    }
}

impl<'a> Executor<'a, 'static> for &'a mut Conn {
    fn via(self) -> Via<'a, 'static> {
        Via::Conn(self)
    }
}

impl<'a, 't> Executor<'a, 't> for &'a mut Transaction<'t> {
    fn via(self) -> Via<'a, 't> {
        Via::Tx(self)
    }
}

/// The executor parameter, checked at its own span.
pub fn via<'a, 't>(executor: impl Executor<'a, 't>) -> Via<'a, 't> {
    executor.via()
}

/// `-> Result<Vec<R>, _>`: every row.
pub async fn all<R>(
    via: Via<'_, '_>,
    query: &'static Query,
    rows: Decoder<R>,
    params: Vec<Value>,
) -> Result<Vec<R>, Error> {
    run(via, query, params, || All(rows, Vec::new())).await
}

/// `-> Result<Option<R>, _>`: the first row, if any.
pub async fn optional<R>(
    via: Via<'_, '_>,
    query: &'static Query,
    rows: Decoder<R>,
    params: Vec<Value>,
) -> Result<Option<R>, Error> {
    run(via, query, params, || First(rows, None)).await
}

/// `-> Result<R, _>`: exactly one row.
pub async fn one<R>(
    via: Via<'_, '_>,
    query: &'static Query,
    rows: Decoder<R>,
    params: Vec<Value>,
) -> Result<R, Error> {
    run(via, query, params, || One(rows, None)).await
}

/// `-> Result<u64, _>` on a write: the affected-row count.
pub async fn affected(
    via: Via<'_, '_>,
    query: &'static Query,
    params: Vec<Value>,
) -> Result<u64, Error> {
    run(via, query, params, || {
        Outcome(|done: Exec| done.affected_rows)
    })
    .await
}

/// `-> Result<rds::Exec, _>`: affected rows and last insert id.
pub async fn exec(
    via: Via<'_, '_>,
    query: &'static Query,
    params: Vec<Value>,
) -> Result<Exec, Error> {
    run(via, query, params, || Outcome(|done: Exec| done)).await
}

/// `-> Result<(), _>`: run it, ignore what it returns.
pub async fn unit(
    via: Via<'_, '_>,
    query: &'static Query,
    params: Vec<Value>,
) -> Result<(), Error> {
    run(via, query, params, || Outcome(|_: Exec| ())).await
}

async fn run<S: Sink>(
    via: Via<'_, '_>,
    query: &'static Query,
    params: Vec<Value>,
    sink: impl Fn() -> S,
) -> Result<S::Output, Error> {
    let what = || query.name().to_owned();
    match via {
        Via::Global => within(what, exec::pooled(pool()?, query, params, sink)).await,
        Via::Pool(pool) => within(what, exec::pooled(pool, query, params, sink)).await,
        Via::Conn(conn) => {
            let ran = async {
                // Outside any transaction dropped on it unfinished.
                conn.settle().await?;
                let (driver, in_doubt) = conn.tracked();
                in_doubt
                    .around(exec::on(driver, query, params, sink()))
                    .await
            };
            within(what, ran).await
        }
        Via::Tx(tx) => {
            let (driver, in_doubt) = tx.tracked();
            let ran = in_doubt.around(exec::on(driver, query, params, sink()));
            within(what, ran).await
        }
    }
}

/// Declares a query's `static` and registers it for `verify_queries`.
/// `reads f` names the fn returning the row decoder of row-returning shapes.
#[doc(hidden)]
#[macro_export]
macro_rules! __lambda_kit_rds_query {
    (static $query:ident = ($name:literal, $sql:literal, $params:literal, $kind:ident) $(reads $rows:ident)?) => {
        static $query: $crate::__private::rds::Query = $crate::__private::rds::Query::new(
            ::core::module_path!(),
            $name,
            $sql,
            $params,
            $crate::__private::rds::Kind::$kind,
            ::core::file!(),
            ::core::line!(),
            $crate::__lambda_kit_rds_query!(@shape $($rows)?),
        );
        $crate::__private::rds::inventory::submit!($crate::__private::rds::Registered(&$query));
    };
    (@shape) => {
        ::core::option::Option::None
    };
    (@shape $rows:ident) => {{
        fn shape() -> $crate::rds::Shape {
            $rows().shape()
        }
        ::core::option::Option::Some(shape)
    }};
}

/// The [`Decoder`] for row type `R`: its `FromRow` impl, or one column.
#[doc(hidden)]
#[macro_export]
macro_rules! __lambda_kit_rds_rows {
    ($row:ty) => {{
        #[allow(unused_imports)]
        use $crate::__private::rds::{ViaFromRow as _, ViaFromValue as _, ViaTuple as _};
        (&&$crate::__private::rds::Probe::<$row>::NEW).__lk_rows()
    }};
}
