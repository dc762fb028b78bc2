//! Every kind of `rds::Param`, a user's own impl, and `impl rds::Param`.
use std::borrow::Cow;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use lambda_kit::rds::mysql_async::{Serialized, Value};
use lambda_kit::{rds, rds_query};

struct UserId(i64);

impl rds::Param for UserId {
    fn to_param(&self) -> Value {
        Value::Int(self.0)
    }
}

#[allow(clippy::too_many_arguments)]
#[rds_query(
    "INSERT INTO kinds (a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)]
pub async fn wide(
    a: i128,
    b: u128,
    c: isize,
    d: usize,
    e: Duration,
    f: [u8; 4],
    g: Box<str>,
    h: Arc<str>,
    i: Rc<[u8]>,
    j: Cow<'_, str>,
    k: serde_json::Value,
    l: Serialized<Vec<i32>>,
    m: Value,
    n: Option<Option<i64>>,
    o: &Option<&str>,
    p: chrono::NaiveDateTime,
    q: time::Date,
    r: Option<Box<[u8]>>,
) -> Result<u64, rds::Error>;

#[rds_query("SELECT name FROM users WHERE id = :id AND team = :team")]
pub async fn own_impl(id: UserId, team: impl rds::Param) -> Result<Option<String>, rds::Error>;

fn main() {
    drop(own_impl(UserId(1), "core"));
    drop(own_impl(UserId(2), Some(7u8)));
}
