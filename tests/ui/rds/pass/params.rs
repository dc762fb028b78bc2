//! Every kind of parameter, named or positional.
use lambda_kit::{rds, rds_query};

/// Doc comments and attributes stay on the fn.
#[allow(clippy::too_many_arguments)]
#[rds_query(
    "INSERT INTO kinds (a, b, c, d, e, f, g, h, i, j, k, l, m)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)]
pub async fn positional(
    a: i8,
    b: u8,
    c: i16,
    d: u32,
    e: i64,
    f: u64,
    g: f32,
    h: f64,
    i: bool,
    j: &str,
    k: String,
    l: &[u8],
    m: Vec<u8>,
) -> Result<u64, rds::Error>;

#[rds_query("UPDATE t SET a = :value, b = :value WHERE id = :id AND note = :note")]
pub async fn named_twice(id: i64, value: Option<i32>, note: Option<&str>) -> Result<u64, rds::Error>;

#[rds_query(r#"SELECT id FROM t WHERE label = 'a ? :b' AND `c?` = :c -- :d ?
              AND e = :e /* ? */"#)]
pub async fn ignores_strings_and_comments(c: i32, e: i32) -> Result<Vec<i64>, rds::Error>;

#[rds_query("SELECT id FROM t WHERE name = :name")]
pub async fn borrowed<'a>(name: &'a str) -> Result<Vec<i64>, rds::Error>;

#[rds_query("SELECT id FROM t WHERE name = :name")]
pub(crate) async fn owned(name: String) -> Result<Vec<i64>, rds::Error>;

#[rds_query("SELECT id FROM t WHERE `type` = :type")]
pub async fn raw_identifier_is_plain(r#type: i32) -> Result<Vec<i64>, rds::Error>;

fn main() {
    drop(positional(1, 2, 3, 4, 5, 6, 7.0, 8.0, true, "j", "k".into(), b"l", vec![1]));
    drop((named_twice(1, None, Some("x")), ignores_strings_and_comments(1, 2)));
    drop((borrowed("x"), owned("y".into()), raw_identifier_is_plain(1)));
    let named = rds::queries().into_iter().find(|q| q.name() == "named_twice").unwrap();
    assert_eq!(named.sql(), "UPDATE t SET a = ?, b = ? WHERE id = ? AND note = ?");
    assert_eq!(named.params(), 4);
}
