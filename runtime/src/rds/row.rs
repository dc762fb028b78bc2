//! Rows into Rust values: [`FromRow`] (derived for structs, implemented for
//! tuples), single-column scalars, and the [`Shape`] each row type expects,
//! which `verify_queries` compares with the real result columns.
//!
//! Every read goes through `FromValue::from_value_opt`, never the panicking
//! `from_value`: a NULL or a value that does not fit is an [`Error`] naming
//! the query, the column and both types.

use std::any::type_name;
use std::marker::PhantomData;

use mysql_async::consts::{ColumnFlags, ColumnType};
use mysql_async::prelude::FromValue;
use mysql_async::{Column, Value};

use super::error::list;
use super::Error;
use crate::error::short_type_name;

/// A type built from one result row.
///
/// Derive it for structs with `#[derive(rds::FromRow)]`: named fields read
/// the column of the same name (`#[rds(rename = "col")]` to differ), tuple
/// structs read columns in order. Tuples of up to 12 readable types
/// implement it too. Field types are [`FromColumn`]s: anything
/// `mysql_async` reads (integers, floats, `bool`, `String`, `Vec<u8>`,
/// `Option<T>` for nullable columns, chrono/time types with the
/// `rds-chrono`/`rds-time` features, ...).
pub trait FromRow: Sized {
    /// Reads one row.
    fn from_row(row: &mut Row) -> Result<Self, Error>;

    /// The columns this type reads, for [`verify_queries`](super::verify_queries).
    fn shape() -> Shape;
}

/// One result row being read into a Rust value.
pub struct Row {
    inner: mysql_async::Row,
    query: &'static str,
    next: usize,
}

impl Row {
    pub(crate) fn new(inner: mysql_async::Row, query: &'static str) -> Self {
        Self {
            inner,
            query,
            next: 0,
        }
    }

    /// How many columns the row has.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// The column names, in order.
    pub fn column_names(&self) -> Vec<String> {
        self.inner
            .columns_ref()
            .iter()
            .map(|c| c.name_str().into_owned())
            .collect()
    }

    /// Reads the column named `name` (an exact match first, then ignoring
    /// ASCII case, as MySQL compares column names).
    pub fn column<T: FromColumn>(&mut self, name: &str) -> Result<T, Error> {
        let columns = self.inner.columns_ref();
        let index = columns
            .iter()
            .position(|c| c.name_ref() == name.as_bytes())
            .or_else(|| {
                columns
                    .iter()
                    .position(|c| c.name_str().eq_ignore_ascii_case(name))
            });
        match index {
            Some(index) => self.take(index),
            None => Err(Error::NoColumn {
                query: self.query,
                column: name.to_owned(),
                available: list(self.column_names()),
            }),
        }
    }

    /// Reads the next column in order (the first one on the first call).
    pub fn next_column<T: FromColumn>(&mut self) -> Result<T, Error> {
        let index = self.next;
        self.next += 1;
        if index >= self.inner.len() {
            return Err(Error::ColumnCount {
                query: self.query,
                expected: index + 1,
                found: self.inner.len(),
                rust_type: short_type_name(type_name::<T>()),
            });
        }
        self.take(index)
    }

    /// Fails unless the row has exactly `count` columns, which the
    /// positional reader `rust_type` needs.
    pub fn expect_columns(&self, count: usize, rust_type: &str) -> Result<(), Error> {
        if self.inner.len() == count {
            Ok(())
        } else {
            Err(Error::ColumnCount {
                query: self.query,
                expected: count,
                found: self.inner.len(),
                rust_type: short_type_name(rust_type),
            })
        }
    }

    fn take<T: FromValue>(&mut self, index: usize) -> Result<T, Error> {
        let column = |row: &Self| {
            row.inner
                .columns_ref()
                .get(index)
                .map_or_else(|| format!("#{index}"), |c| c.name_str().into_owned())
        };
        let value = match self.inner.take_opt::<Value, usize>(index) {
            Some(Ok(value)) => value,
            // Taken already: two fields read the same column.
            _ => {
                return Err(Error::NoColumn {
                    query: self.query,
                    column: column(self),
                    available: "it only once: two fields read it".to_owned(),
                })
            }
        };
        let was_null = value == Value::NULL;
        T::from_value_opt(value).map_err(|_| {
            let rust_type = short_type_name(type_name::<T>());
            if was_null {
                Error::Null {
                    query: self.query,
                    column: column(self),
                    rust_type,
                }
            } else {
                Error::Type {
                    query: self.query,
                    column: column(self),
                    sql_type: self
                        .inner
                        .columns_ref()
                        .get(index)
                        .map_or_else(String::new, sql_type),
                    rust_type,
                }
            }
        })
    }
}

/// The columns a row type reads: by name (structs with named fields) or in
/// order (tuples, tuple structs, scalars).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    rust_type: String,
    by_name: bool,
    fields: Vec<Field>,
}

/// One column a row type reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    name: Option<&'static str>,
    nullable: bool,
    rust_type: String,
}

impl Shape {
    /// A struct whose fields read columns by name.
    pub fn by_name(rust_type: &str, fields: Vec<Field>) -> Self {
        Self {
            rust_type: short_type_name(rust_type),
            by_name: true,
            fields,
        }
    }

    /// A tuple, tuple struct or scalar reading columns in order.
    pub fn in_order(rust_type: &str, fields: Vec<Field>) -> Self {
        Self {
            rust_type: short_type_name(rust_type),
            by_name: false,
            fields,
        }
    }

    /// The row type, as written in source.
    pub fn rust_type(&self) -> &str {
        &self.rust_type
    }

    /// Whether fields match columns by name rather than position.
    pub fn is_by_name(&self) -> bool {
        self.by_name
    }

    /// The fields, in declaration order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }
}

impl Field {
    /// A field of type `T` reading the column `name`.
    pub fn named<T: FromValue>(name: &'static str) -> Self {
        Self {
            name: Some(name),
            ..Self::positional::<T>()
        }
    }

    /// A field of type `T` reading the next column.
    pub fn positional<T: FromValue>() -> Self {
        Self {
            name: None,
            // The one reliable answer to "does T hold NULL": ask it.
            nullable: T::from_value_opt(Value::NULL).is_ok(),
            rust_type: short_type_name(type_name::<T>()),
        }
    }

    /// The column it reads by name, if it does.
    pub fn name(&self) -> Option<&'static str> {
        self.name
    }

    /// Whether the Rust type holds NULL (an `Option`).
    pub fn is_nullable(&self) -> bool {
        self.nullable
    }

    /// The field's Rust type, as written in source.
    pub fn rust_type(&self) -> &str {
        &self.rust_type
    }
}

macro_rules! tuple_from_row {
    ($count:literal: $($t:ident),+) => {
        impl<$($t: FromColumn),+> FromRow for ($($t,)+) {
            fn from_row(row: &mut Row) -> Result<Self, Error> {
                row.expect_columns($count, type_name::<Self>())?;
                Ok(($(row.next_column::<$t>()?,)+))
            }

            fn shape() -> Shape {
                Shape::in_order(type_name::<Self>(), vec![$(Field::positional::<$t>()),+])
            }
        }
    };
}

tuple_from_row!(1: A);
tuple_from_row!(2: A, B);
tuple_from_row!(3: A, B, C);
tuple_from_row!(4: A, B, C, D);
tuple_from_row!(5: A, B, C, D, E);
tuple_from_row!(6: A, B, C, D, E, F);
tuple_from_row!(7: A, B, C, D, E, F, G);
tuple_from_row!(8: A, B, C, D, E, F, G, H);
tuple_from_row!(9: A, B, C, D, E, F, G, H, I);
tuple_from_row!(10: A, B, C, D, E, F, G, H, I, J);
tuple_from_row!(11: A, B, C, D, E, F, G, H, I, J, K);
tuple_from_row!(12: A, B, C, D, E, F, G, H, I, J, K, L);

/// How the rows of one query become `R`s, chosen at compile time by
/// [`Probe`].
pub struct Decoder<R> {
    decode: fn(&mut Row) -> Result<R, Error>,
    shape: fn() -> Shape,
}

impl<R> Clone for Decoder<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Decoder<R> {}

impl<R> Decoder<R> {
    pub(crate) fn decode(&self, row: mysql_async::Row, query: &'static str) -> Result<R, Error> {
        (self.decode)(&mut Row::new(row, query))
    }

    /// The columns `R` reads.
    pub fn shape(&self) -> Shape {
        (self.shape)()
    }
}

/// Picks the [`Decoder`] for a row type written in an `#[rds_query]`
/// signature: its [`FromRow`] impl when it has one (structs, tuples),
/// otherwise a single column read with [`FromValue`]. The generated code
/// calls `(&&Probe::<R>::NEW).__lk_rows()`; method lookup tries the impls
/// on `&Probe`, `&&Probe` and `Probe` in that order, each only where its
/// impl's bounds hold (autoref specialization, as `init` does in
/// `crate::init`).
pub struct Probe<R>(PhantomData<fn() -> R>);

impl<R> Probe<R> {
    /// The probe for `R`.
    pub const NEW: Self = Probe(PhantomData);
}

/// Rows through the type's [`FromRow`] impl.
pub trait ViaFromRow<R> {
    /// The decoder.
    fn __lk_rows(&self) -> Decoder<R>;
}

impl<R: FromRow> ViaFromRow<R> for &Probe<R> {
    fn __lk_rows(&self) -> Decoder<R> {
        Decoder {
            decode: R::from_row,
            shape: R::shape,
        }
    }
}

/// A tuple whose [`FromRow`] impl does not hold: chosen over
/// [`ViaFromValue`] so the error names the element no column reads, not
/// the tuple as a whole.
pub trait ViaTuple<R> {
    /// The decoder; in a program that compiles, [`ViaFromRow`] is chosen
    /// instead.
    fn __lk_rows(&self) -> Decoder<R>
    where
        R: FromRow;
}

impl<R: Tuple> ViaTuple<R> for &&Probe<R> {
    fn __lk_rows(&self) -> Decoder<R>
    where
        R: FromRow,
    {
        Decoder {
            decode: R::from_row,
            shape: R::shape,
        }
    }
}

/// Every tuple [`FromRow`] is implemented for, whatever its elements.
pub trait Tuple {}

macro_rules! tuple {
    ($($t:ident),+) => {
        impl<$($t),+> Tuple for ($($t,)+) {}
    };
}

tuple!(A);
tuple!(A, B);
tuple!(A, B, C);
tuple!(A, B, C, D);
tuple!(A, B, C, D, E);
tuple!(A, B, C, D, E, F);
tuple!(A, B, C, D, E, F, G);
tuple!(A, B, C, D, E, F, G, H);
tuple!(A, B, C, D, E, F, G, H, I);
tuple!(A, B, C, D, E, F, G, H, I, J);
tuple!(A, B, C, D, E, F, G, H, I, J, K);
tuple!(A, B, C, D, E, F, G, H, I, J, K, L);

/// Rows of one column read as a scalar.
pub trait ViaFromValue<R> {
    /// The decoder.
    fn __lk_rows(&self) -> Decoder<R>
    where
        R: Column1;
}

impl<R> ViaFromValue<R> for Probe<R> {
    fn __lk_rows(&self) -> Decoder<R>
    where
        R: Column1,
    {
        Decoder {
            decode: |row| {
                row.expect_columns(1, type_name::<R>())?;
                row.next_column::<R>()
            },
            shape: || Shape::in_order(type_name::<R>(), vec![Field::positional::<R>()]),
        }
    }
}

/// A derived struct field's [`Field`], for `shape()`. Its fallback exists
/// only so a field type that cannot be read is reported once, by
/// `from_row`, rather than a second time here; a program that compiles
/// never uses it.
pub trait FieldOf {
    /// The field reading column `name` (`None`: the next column).
    fn __lk_field(&self, name: Option<&'static str>) -> Field;
}

impl<T: FromValue> FieldOf for Probe<T> {
    fn __lk_field(&self, name: Option<&'static str>) -> Field {
        Field {
            name,
            ..Field::positional::<T>()
        }
    }
}

/// See [`FieldOf`].
pub trait FieldFallback {
    /// A field whose type `from_row` rejects anyway.
    fn __lk_field(&self, name: Option<&'static str>) -> Field;
}

impl<T> FieldFallback for &Probe<T> {
    fn __lk_field(&self, name: Option<&'static str>) -> Field {
        Field {
            name,
            nullable: false,
            rust_type: short_type_name(type_name::<T>()),
        }
    }
}

/// A type one column reads into: every type `mysql_async` reads
/// ([`FromValue`]), so this trait is never implemented by hand.
///
/// That is integers, floats, `bool`, `String`, `Vec<u8>`,
/// [`std::time::Duration`], `serde_json::Value`, `Option<T>` of those for
/// columns that can be NULL, chrono/time types with the
/// `rds-chrono`/`rds-time` features, [`mysql_async::Value`], and any type
/// with a `FromValue` impl of its own.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from a column",
    label = "not a column type",
    note = "columns read into integers, floats, `bool`, `String`, `Vec<u8>`, `Duration`, `serde_json::Value`, \
            `Option<T>` of those for columns that can be NULL, chrono/time types with the `rds-chrono`/`rds-time` \
            features, or types implementing `lambda_kit::rds::mysql_async::prelude::FromValue`",
    note = "read the column as one of those and convert it after the query, or implement `FromValue` for your own type"
)]
pub trait FromColumn: FromValue {}

impl<T: FromValue> FromColumn for T {}

/// A type a one-column row reads into.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be read from a row",
    label = "not a row type",
    note = "derive `lambda_kit::rds::FromRow` for a struct, or use a tuple such as `(i64, String)`, \
            or a single type `mysql_async` reads (`i64`, `String`, `Option<T>`, ...) for one-column rows"
)]
pub trait Column1: FromValue {}

impl<T: FromValue> Column1 for T {}

/// The column's SQL type as a reader knows it, e.g. `BIGINT UNSIGNED`.
fn sql_type(column: &Column) -> String {
    const BINARY_CHARSET: u16 = 63;
    let binary = column.character_set() == BINARY_CHARSET;
    let name = match column.column_type() {
        ColumnType::MYSQL_TYPE_TINY => "TINYINT",
        ColumnType::MYSQL_TYPE_SHORT => "SMALLINT",
        ColumnType::MYSQL_TYPE_INT24 => "MEDIUMINT",
        ColumnType::MYSQL_TYPE_LONG => "INT",
        ColumnType::MYSQL_TYPE_LONGLONG => "BIGINT",
        ColumnType::MYSQL_TYPE_DECIMAL | ColumnType::MYSQL_TYPE_NEWDECIMAL => "DECIMAL",
        ColumnType::MYSQL_TYPE_VARCHAR | ColumnType::MYSQL_TYPE_VAR_STRING if binary => "VARBINARY",
        ColumnType::MYSQL_TYPE_VARCHAR | ColumnType::MYSQL_TYPE_VAR_STRING => "VARCHAR",
        ColumnType::MYSQL_TYPE_STRING if binary => "BINARY",
        ColumnType::MYSQL_TYPE_STRING => "CHAR",
        ColumnType::MYSQL_TYPE_TINY_BLOB
        | ColumnType::MYSQL_TYPE_BLOB
        | ColumnType::MYSQL_TYPE_MEDIUM_BLOB
        | ColumnType::MYSQL_TYPE_LONG_BLOB
            if binary =>
        {
            "BLOB"
        }
        ColumnType::MYSQL_TYPE_TINY_BLOB
        | ColumnType::MYSQL_TYPE_BLOB
        | ColumnType::MYSQL_TYPE_MEDIUM_BLOB
        | ColumnType::MYSQL_TYPE_LONG_BLOB => "TEXT",
        other => {
            let debug = format!("{other:?}");
            return debug.trim_start_matches("MYSQL_TYPE_").to_owned();
        }
    };
    if column.flags().contains(ColumnFlags::UNSIGNED_FLAG) {
        format!("{name} UNSIGNED")
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn column(name: &str, ty: ColumnType, flags: ColumnFlags) -> Column {
        Column::new(ty)
            .with_name(name.as_bytes())
            .with_flags(flags)
            .with_character_set(33)
    }

    fn row(values: Vec<Value>, columns: Vec<Column>) -> Row {
        let columns: Arc<[Column]> = columns.into();
        Row::new(mysql_common::row::new_row(values, columns), "find")
    }

    fn test_row() -> Row {
        row(
            vec![Value::Int(7), Value::Bytes(b"jhc".to_vec()), Value::NULL],
            vec![
                column(
                    "id",
                    ColumnType::MYSQL_TYPE_LONGLONG,
                    ColumnFlags::NOT_NULL_FLAG,
                ),
                column(
                    "name",
                    ColumnType::MYSQL_TYPE_VAR_STRING,
                    ColumnFlags::NOT_NULL_FLAG,
                ),
                column(
                    "email",
                    ColumnType::MYSQL_TYPE_VAR_STRING,
                    ColumnFlags::empty(),
                ),
            ],
        )
    }

    #[test]
    fn reads_columns_by_name_and_in_order() {
        let mut by_name = test_row();
        assert_eq!(by_name.column::<Option<String>>("EMAIL").unwrap(), None);
        assert_eq!(by_name.column::<String>("name").unwrap(), "jhc");
        assert_eq!(by_name.column::<i64>("id").unwrap(), 7);
        let mut in_order = test_row();
        assert_eq!(in_order.next_column::<u8>().unwrap(), 7);
        assert_eq!(in_order.next_column::<Vec<u8>>().unwrap(), b"jhc");
        assert_eq!(in_order.next_column::<Option<i32>>().unwrap(), None);
    }

    #[test]
    fn failures_name_query_column_and_types() {
        let message = |err: Error| err.to_string();
        assert_eq!(
            message(test_row().column::<String>("email").unwrap_err()),
            "find: column `email` is NULL, which `String` cannot hold: read it as `Option<String>`"
        );
        assert_eq!(
            message(test_row().column::<String>("id").unwrap_err()),
            "find: column `id` (BIGINT) does not convert to `String`: read it as a Rust type that holds every value of the column"
        );
        let err = test_row().column::<i64>("nmae").unwrap_err();
        assert!(message(err)
            .starts_with("find: the result has no column `nmae` (it has `id`, `name`, `email`)"),);
        let mut twice = test_row();
        twice.column::<i64>("id").unwrap();
        assert!(twice.column::<i64>("id").is_err());
        let mut past_end = test_row();
        for _ in 0..3 {
            past_end.next_column::<Value>().unwrap();
        }
        assert_eq!(
            message(past_end.next_column::<i64>().unwrap_err()),
            "find: rows have 3 column(s) but `i64` reads 4"
        );
    }

    #[test]
    fn out_of_range_values_are_errors_not_panics() {
        let mut big = row(
            vec![Value::Int(300), Value::Int(-1)],
            vec![
                column("n", ColumnType::MYSQL_TYPE_LONG, ColumnFlags::empty()),
                column("m", ColumnType::MYSQL_TYPE_LONG, ColumnFlags::UNSIGNED_FLAG),
            ],
        );
        assert!(matches!(big.column::<u8>("n"), Err(Error::Type { .. })));
        let err = big.column::<u64>("m").unwrap_err();
        assert!(
            err.to_string()
                .contains("(INT UNSIGNED) does not convert to `u64`"),
            "{err}"
        );
    }

    #[test]
    fn tuples_check_their_width() {
        let pair = <(i64, String)>::from_row(&mut test_row());
        assert_eq!(
            pair.unwrap_err().to_string(),
            "find: rows have 3 column(s) but `(i64, String)` reads 2"
        );
        let triple = <(i64, String, Option<String>)>::from_row(&mut test_row()).unwrap();
        assert_eq!(triple, (7, "jhc".to_owned(), None));
    }

    #[test]
    fn shapes_know_which_fields_hold_null() {
        let shape = <(i64, Option<String>)>::shape();
        assert_eq!(shape.rust_type(), "(i64, Option<String>)");
        assert!(!shape.is_by_name());
        let nullable: Vec<bool> = shape.fields().iter().map(Field::is_nullable).collect();
        assert_eq!(nullable, [false, true]);
        let field = Field::named::<Value>("raw");
        assert_eq!((field.name(), field.is_nullable()), (Some("raw"), true));
    }

    // The borrows are what rank the impls: `FromRow`, then tuples, then
    // one column.
    #[allow(clippy::needless_borrow)]
    #[test]
    fn the_probe_prefers_from_row() {
        #[allow(unused_imports)]
        use super::{ViaFromRow as _, ViaFromValue as _, ViaTuple as _};
        let tuple = (&&Probe::<(i64,)>::NEW).__lk_rows().shape();
        assert_eq!(tuple.rust_type(), "(i64,)");
        let scalar = (&&Probe::<i64>::NEW).__lk_rows();
        assert_eq!(scalar.shape().rust_type(), "i64");
        let err = scalar.decode(test_row().inner, "count").unwrap_err();
        assert_eq!(
            err.to_string(),
            "count: rows have 3 column(s) but `i64` reads 1"
        );
    }
}
