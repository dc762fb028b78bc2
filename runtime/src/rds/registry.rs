//! Every `#[rds_query]` fn registers its [`Query`] at program start
//! (through `inventory`), so one call, [`verify_queries`], can check all of
//! a binary's SQL against a live schema: sqlx-like safety without a
//! database at build time.

use std::fmt;

use mysql_async::consts::ColumnFlags;
use mysql_async::prelude::Queryable;
use mysql_async::Column;

use super::error::{list, plain};
use super::row::{Field, Shape};
use super::{Error, Pool};

/// What a statement does, read from its first keyword at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// SELECT, SHOW, DESCRIBE, EXPLAIN, VALUES, TABLE, or WITH ... SELECT:
    /// running it twice is harmless.
    Read,
    /// INSERT, UPDATE, DELETE or REPLACE.
    Write,
    /// Anything else (CALL, SET, DDL, ...).
    Other,
}

/// One `#[rds_query]`: its SQL as sent (`:name` rewritten to `?`) and what
/// the macro learned about it.
pub struct Query {
    module: &'static str,
    name: &'static str,
    sql: &'static str,
    params: usize,
    kind: Kind,
    file: &'static str,
    line: u32,
    shape: Option<fn() -> Shape>,
}

impl Query {
    /// Built by `#[rds_query]`; not public API.
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        module: &'static str,
        name: &'static str,
        sql: &'static str,
        params: usize,
        kind: Kind,
        file: &'static str,
        line: u32,
        shape: Option<fn() -> Shape>,
    ) -> Self {
        Self {
            module,
            name,
            sql,
            params,
            kind,
            file,
            line,
            shape,
        }
    }

    /// The fn's name, which errors start with.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The module the fn is in.
    pub fn module(&self) -> &'static str {
        self.module
    }

    /// The SQL sent to the server, every placeholder a `?`.
    pub fn sql(&self) -> &'static str {
        self.sql
    }

    /// How many values each run binds.
    pub fn params(&self) -> usize {
        self.params
    }

    /// What the statement does.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// `file:line` of the fn.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// The columns the fn's row type reads; `None` for fns returning
    /// affected rows, `Exec` or `()`.
    pub fn shape(&self) -> Option<Shape> {
        self.shape.map(|shape| shape())
    }
}

impl fmt::Debug for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query")
            .field("name", &format_args!("{}::{}", self.module, self.name))
            .field("sql", &self.sql)
            .field("location", &self.location())
            .finish_non_exhaustive()
    }
}

/// A query's entry in the registry; not public API.
#[doc(hidden)]
pub struct Registered(pub &'static Query);

inventory::collect!(Registered);

/// A table the bootstrap creates at init when it is missing (an
/// idempotent handler's), registered so that
/// [`verify_queries_with_schema`](super::verify_queries_with_schema)
/// creates it too before checking the statements that use it; not public
/// API.
#[doc(hidden)]
pub struct Creates(pub &'static Query);

inventory::collect!(Creates);

/// The `CREATE TABLE IF NOT EXISTS` statements of [`Creates`].
pub(crate) fn created_tables() -> Vec<&'static str> {
    let mut sql: Vec<&'static str> = inventory::iter::<Creates>()
        .map(|entry| entry.0.sql())
        .collect();
    sql.sort_unstable();
    sql.dedup();
    sql
}

/// Every `#[rds_query]` linked into this binary, sorted by module and name.
pub fn queries() -> Vec<&'static Query> {
    let mut queries: Vec<&'static Query> = inventory::iter::<Registered>()
        .map(|entry| entry.0)
        .collect();
    queries.sort_by_key(|q| (q.module, q.name, q.file, q.line));
    queries.dedup_by(|a, b| std::ptr::eq(*a, *b));
    queries
}

/// Prepares every registered query on a connection from `pool` (nothing
/// is executed) and checks, for all of them at once: that the server
/// accepts the SQL, that it takes as many parameters as the fn binds, that
/// its columns are the ones the row type reads (by name for structs, by
/// count for tuples and scalars), and that no table column that can be
/// NULL (outer joins included) goes into a field that cannot hold it.
/// Computed columns are not checked for NULL: servers report many as
/// nullable that are not.
///
/// Put it in one test of the crate whose queries it should check (they
/// register where they are compiled):
///
/// ```no_run
/// # async fn test() {
/// let pool = lambda_kit::rds::Pool::new(lambda_kit::rds::Config::from_env().unwrap()).unwrap();
/// let checked = lambda_kit::rds::verify_queries(&pool).await.unwrap();
/// assert!(checked.queries > 0);
/// # }
/// ```
pub async fn verify_queries(pool: &Pool) -> Result<Verified, VerifyError> {
    let mut conn = pool.conn().await.map_err(VerifyError::Database)?;
    let all = queries();
    let mut problems = Vec::new();
    for query in &all {
        let statement = match conn.as_mysql().prep(query.sql()).await {
            Ok(statement) => statement,
            Err(mysql_async::Error::Server(server)) => {
                problems.push(Problem {
                    query,
                    kind: ProblemKind::Sql {
                        code: server.code,
                        message: server.message,
                    },
                });
                continue;
            }
            Err(other) => return Err(VerifyError::Database(Error::driver(query.name(), other))),
        };
        if usize::from(statement.num_params()) != query.params() {
            problems.push(Problem {
                query,
                kind: ProblemKind::ParamCount {
                    binds: query.params(),
                    takes: statement.num_params().into(),
                },
            });
        }
        if let Some(shape) = query.shape() {
            check_columns(&shape, &statement.columns(), query.kind(), &mut |kind| {
                problems.push(Problem { query, kind })
            });
        }
        // Leave the connection's statement cache to the real queries.
        conn.as_mysql()
            .close(statement)
            .await
            .map_err(|err| VerifyError::Database(Error::driver(query.name(), err)))?;
    }
    if problems.is_empty() {
        Ok(Verified { queries: all.len() })
    } else {
        Err(VerifyError::Queries {
            checked: all.len(),
            problems,
        })
    }
}

/// Compares a row type with the columns the server says the statement
/// returns.
fn check_columns(
    shape: &Shape,
    columns: &[Column],
    kind: Kind,
    report: &mut dyn FnMut(ProblemKind),
) {
    let names: Vec<String> = columns.iter().map(|c| c.name_str().into_owned()).collect();
    if columns.is_empty() {
        // CALL and friends describe their results only when run.
        if kind == Kind::Read {
            report(ProblemKind::NoColumns {
                rust_type: shape.rust_type().to_owned(),
            });
        }
        return;
    }
    let nullable = |field: &Field, column: &Column| {
        (!field.is_nullable() && may_be_null(column)).then(|| ProblemKind::Nullable {
            column: column.name_str().into_owned(),
            rust_type: field.rust_type().to_owned(),
        })
    };
    if shape.is_by_name() {
        let mut read = vec![false; columns.len()];
        for field in shape.fields() {
            let Some(name) = field.name() else { continue };
            let index = names
                .iter()
                .position(|n| n == name)
                .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(name)));
            match index {
                Some(index) => {
                    read[index] = true;
                    if let Some(problem) = nullable(field, &columns[index]) {
                        report(problem);
                    }
                }
                None => report(ProblemKind::MissingColumn {
                    column: name.to_owned(),
                    available: list(&names),
                }),
            }
        }
        let unread: Vec<&String> = names
            .iter()
            .zip(&read)
            .filter(|(_, read)| !**read)
            .map(|(n, _)| n)
            .collect();
        if !unread.is_empty() {
            report(ProblemKind::UnreadColumns {
                columns: list(unread),
                rust_type: shape.rust_type().to_owned(),
            });
        }
    } else if shape.fields().len() != columns.len() {
        report(ProblemKind::ColumnCount {
            columns: columns.len(),
            reads: shape.fields().len(),
            rust_type: shape.rust_type().to_owned(),
        });
    } else {
        for (field, column) in shape.fields().iter().zip(columns) {
            if let Some(problem) = nullable(field, column) {
                report(problem);
            }
        }
    }
}

/// Whether a table column can hold NULL (outer joins included). Computed
/// columns are given the benefit of the doubt: servers report many of them
/// as nullable when they are not (MariaDB: `UPPER(name)`, `id + 1`).
fn may_be_null(column: &Column) -> bool {
    !column.flags().contains(ColumnFlags::NOT_NULL_FLAG) && !column.org_table_ref().is_empty()
}

/// How many queries [`verify_queries`] checked, all fine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Registered queries checked.
    pub queries: usize,
}

/// Why [`verify_queries`] or
/// [`verify_queries_with_schema`](super::verify_queries_with_schema) failed.
pub enum VerifyError {
    /// No connection, or it broke while checking.
    Database(Error),
    /// [`verify_queries_with_schema`](super::verify_queries_with_schema)
    /// reached no server at `DATABASE_URL`; the message says how to start
    /// one or point it elsewhere.
    NoServer(Error),
    /// A statement of the schema script failed, so nothing was verified.
    Script {
        /// The script's line (from 1) the statement starts on.
        line: usize,
        /// The statement as sent.
        statement: String,
        /// The driver's error, usually the server rejecting it.
        source: mysql_async::Error,
    },
    /// Some queries do not fit the schema.
    Queries {
        /// Registered queries checked.
        checked: usize,
        /// What is wrong, query by query.
        problems: Vec<Problem>,
    },
}

/// One mismatch between a query and the schema.
pub struct Problem {
    /// The query at fault.
    pub query: &'static Query,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// What is wrong with a query.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The server rejects the SQL (unknown column or table, syntax).
    Sql {
        /// The server's error number.
        code: u16,
        /// The server's message.
        message: String,
    },
    /// The statement takes a different number of parameters than the fn binds.
    ParamCount {
        /// Values the fn binds.
        binds: usize,
        /// Parameters the server counts.
        takes: usize,
    },
    /// A tuple or scalar reading a different number of columns than returned.
    ColumnCount {
        /// Columns returned.
        columns: usize,
        /// Columns the row type reads.
        reads: usize,
        /// The row type.
        rust_type: String,
    },
    /// A struct field with no column of its name.
    MissingColumn {
        /// The column the field reads.
        column: String,
        /// The columns returned.
        available: String,
    },
    /// Columns returned but read by no field.
    UnreadColumns {
        /// The columns.
        columns: String,
        /// The row type.
        rust_type: String,
    },
    /// A column that can be NULL read into a field that cannot hold NULL.
    Nullable {
        /// The column.
        column: String,
        /// The field's type.
        rust_type: String,
    },
    /// The fn reads rows but the statement returns no columns.
    NoColumns {
        /// The row type.
        rust_type: String,
    },
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sql { code, message } => write!(f, "the server rejects it: {message} (error {code})"),
            Self::ParamCount { binds, takes } => {
                write!(f, "the statement takes {takes} parameter(s) but the fn binds {binds}")
            }
            Self::ColumnCount {
                columns,
                reads,
                rust_type,
            } => write!(f, "rows have {columns} column(s) but `{rust_type}` reads {reads}"),
            Self::MissingColumn { column, available } => {
                write!(f, "no column `{column}` in the result (it has {available})")
            }
            Self::UnreadColumns { columns, rust_type } => write!(
                f,
                "column(s) {columns} are selected but no field of `{rust_type}` reads them: \
                 select only what the fields read"
            ),
            Self::Nullable { column, rust_type } => write!(
                f,
                "column `{column}` can be NULL but is read into `{rust_type}`: use `Option<{rust_type}>`"
            ),
            Self::NoColumns { rust_type } => {
                write!(f, "the statement returns no columns but the fn reads `{rust_type}` rows")
            }
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}::{} ({}): {}\n    {}",
            self.query.module(),
            self.query.name(),
            self.query.location(),
            self.kind,
            self.query.sql()
        )
    }
}

impl fmt::Debug for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Database(error) => write!(f, "cannot verify the queries: {error}"),
            Self::NoServer(error) => write!(
                f,
                "cannot verify the queries: {error}\n\
                 Start MariaDB (`start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd`) \
                 or set DATABASE_URL=mysql://user:password@host:3306/test to a MySQL or MariaDB server \
                 where the tests may create and drop databases"
            ),
            Self::Script {
                line,
                statement,
                source,
            } => write!(
                f,
                "cannot verify the queries: the schema script failed at line {line}: {}\n    {statement}",
                plain(source)
            ),
            Self::Queries { checked, problems } => {
                let at_fault = by_query(problems);
                let verb = if at_fault.len() == 1 { "does" } else { "do" };
                write!(
                    f,
                    "{} of {checked} queries {verb} not fit the schema:",
                    at_fault.len()
                )?;
                for (query, kinds) in at_fault {
                    write!(
                        f,
                        "\n- {}::{} ({}):",
                        query.module(),
                        query.name(),
                        query.location()
                    )?;
                    match kinds.as_slice() {
                        [kind] => write!(f, " {kind}")?,
                        kinds => {
                            for kind in kinds {
                                write!(f, "\n    - {kind}")?;
                            }
                        }
                    }
                    write!(f, "\n    {}", query.sql())?;
                }
                Ok(())
            }
        }
    }
}

/// The problems grouped by query, queries in the order first reported.
fn by_query(problems: &[Problem]) -> Vec<(&'static Query, Vec<&ProblemKind>)> {
    let mut grouped: Vec<(&'static Query, Vec<&ProblemKind>)> = Vec::new();
    for problem in problems {
        match grouped
            .iter_mut()
            .find(|(query, _)| std::ptr::eq(*query, problem.query))
        {
            Some((_, kinds)) => kinds.push(&problem.kind),
            None => grouped.push((problem.query, vec![&problem.kind])),
        }
    }
    grouped
}

// `unwrap()` in a test prints the list, not a struct dump.
impl fmt::Debug for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for VerifyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Database(error) | Self::NoServer(error) => Some(error),
            Self::Script { source, .. } => Some(source),
            Self::Queries { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mysql_async::consts::ColumnType;

    fn column(name: &str, flags: ColumnFlags) -> Column {
        Column::new(ColumnType::MYSQL_TYPE_VAR_STRING)
            .with_name(name.as_bytes())
            .with_org_table(b"test")
            .with_flags(flags)
    }

    fn problems(shape: Shape, columns: &[Column]) -> Vec<String> {
        let mut found = Vec::new();
        check_columns(&shape, columns, Kind::Read, &mut |p| {
            found.push(p.to_string())
        });
        found
    }

    const NOT_NULL: ColumnFlags = ColumnFlags::NOT_NULL_FLAG;

    #[test]
    fn structs_match_columns_by_name() {
        let shape = || {
            Shape::by_name(
                "app::Test",
                vec![Field::named::<i64>("id"), Field::named::<String>("name")],
            )
        };
        assert!(problems(shape(), &[column("ID", NOT_NULL), column("name", NOT_NULL)]).is_empty());
        assert_eq!(
            problems(shape(), &[column("id", NOT_NULL), column("full_name", NOT_NULL)]),
            [
                "no column `name` in the result (it has `id`, `full_name`)",
                "column(s) `full_name` are selected but no field of `Test` reads them: select only what the fields read",
            ]
        );
        assert_eq!(
            problems(
                shape(),
                &[column("id", NOT_NULL), column("name", ColumnFlags::empty())]
            ),
            ["column `name` can be NULL but is read into `String`: use `Option<String>`"]
        );
    }

    #[test]
    fn tuples_match_columns_by_count() {
        let shape = || {
            Shape::in_order(
                "(i64, Option<String>)",
                vec![
                    Field::positional::<i64>(),
                    Field::positional::<Option<String>>(),
                ],
            )
        };
        assert!(problems(
            shape(),
            &[column("a", NOT_NULL), column("b", ColumnFlags::empty())]
        )
        .is_empty());
        assert_eq!(
            problems(shape(), &[column("a", NOT_NULL)]),
            ["rows have 1 column(s) but `(i64, Option<String>)` reads 2"]
        );
        assert_eq!(
            problems(
                shape(),
                &[
                    column("a", ColumnFlags::empty()),
                    column("b", ColumnFlags::empty())
                ]
            ),
            ["column `a` can be NULL but is read into `i64`: use `Option<i64>`"]
        );
        assert_eq!(
            problems(shape(), &[]),
            ["the statement returns no columns but the fn reads `(i64, Option<String>)` rows"]
        );
    }

    static NARROW: Query = Query::new(
        "app",
        "narrow",
        "SELECT a FROM t",
        0,
        Kind::Read,
        "src/app.rs",
        3,
        None,
    );
    static WIDE: Query = Query::new(
        "app",
        "wide",
        "SELECT * FROM t",
        0,
        Kind::Read,
        "src/app.rs",
        9,
        None,
    );

    #[test]
    fn the_report_counts_queries_and_lists_problems_per_query() {
        let problem = |query, column: &str| Problem {
            query,
            kind: ProblemKind::MissingColumn {
                column: column.into(),
                available: "`a`".into(),
            },
        };
        let error = VerifyError::Queries {
            checked: 2,
            problems: vec![
                problem(&NARROW, "b"),
                problem(&NARROW, "c"),
                problem(&WIDE, "d"),
            ],
        };
        assert_eq!(
            error.to_string(),
            "2 of 2 queries do not fit the schema:\n\
             - app::narrow (src/app.rs:3):\n\
             \x20   - no column `b` in the result (it has `a`)\n\
             \x20   - no column `c` in the result (it has `a`)\n\
             \x20   SELECT a FROM t\n\
             - app::wide (src/app.rs:9): no column `d` in the result (it has `a`)\n\
             \x20   SELECT * FROM t"
        );
        let one = VerifyError::Queries {
            checked: 2,
            problems: vec![problem(&WIDE, "d"), problem(&WIDE, "e")],
        };
        assert!(
            one.to_string().starts_with(
                "1 of 2 queries does not fit the schema:\n- app::wide (src/app.rs:9):\n"
            ),
            "{one}"
        );
    }

    #[test]
    fn setup_failures_say_what_to_do() {
        let refused = VerifyError::NoServer(Error::Connect {
            address: "127.0.0.1:3306".to_owned(),
            source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused).into(),
        });
        assert_eq!(
            refused.to_string(),
            "cannot verify the queries: cannot connect to the database at 127.0.0.1:3306: \
             connection refused\n\
             Start MariaDB (`start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd`) \
             or set DATABASE_URL=mysql://user:password@host:3306/test to a MySQL or MariaDB server \
             where the tests may create and drop databases"
        );
        let rejected = VerifyError::Script {
            line: 12,
            statement: "CREATE TABLE t (id INTEGR)".to_owned(),
            source: mysql_async::Error::Server(mysql_async::ServerError {
                code: 1064,
                message: "You have an error in your SQL syntax".to_owned(),
                state: "42000".to_owned(),
            }),
        };
        assert_eq!(
            rejected.to_string(),
            "cannot verify the queries: the schema script failed at line 12: \
             You have an error in your SQL syntax (server error 1064)\n    \
             CREATE TABLE t (id INTEGR)"
        );
    }

    #[test]
    fn computed_columns_are_not_checked_for_null() {
        let computed = Column::new(ColumnType::MYSQL_TYPE_VAR_STRING).with_name(b"UPPER(name)");
        let shape = Shape::in_order("String", vec![Field::positional::<String>()]);
        assert!(problems(shape, &[computed]).is_empty());
    }
}
