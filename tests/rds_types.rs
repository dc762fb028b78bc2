//! Date and time types through `#[rds_query]` against a real MariaDB/MySQL:
//! chrono (`rds-chrono`) and time (`rds-time`) values bound as parameters,
//! stored in DATE / DATETIME(6) columns, read back into the same types, and
//! NULL read into `Option`. What the server stored is checked as text too,
//! so a bind and a read that were wrong the same way would not pass.
//!
//! `cargo test --test rds_types` (needs `DATABASE_URL` or a local server).

mod rds_common;

use lambda_kit::{rds, rds_query};
use rds_common::TestDb;

const SCHEMA: &str = "
CREATE TABLE moments (
    id BIGINT NOT NULL PRIMARY KEY,
    day DATE NOT NULL,
    at DATETIME(6) NOT NULL,
    maybe_day DATE NULL,
    maybe_at DATETIME(6) NULL
);
";

// --- chrono ----------------------------------------------------------------

#[derive(Debug, PartialEq, rds::FromRow)]
struct ChronoRow {
    id: i64,
    day: chrono::NaiveDate,
    at: chrono::NaiveDateTime,
    maybe_day: Option<chrono::NaiveDate>,
    maybe_at: Option<chrono::NaiveDateTime>,
}

#[rds_query(
    "INSERT INTO moments (id, day, at, maybe_day, maybe_at) \
     VALUES (:id, :day, :at, :maybe_day, :maybe_at)"
)]
async fn insert_chrono(
    db: &rds::Pool,
    id: i64,
    day: chrono::NaiveDate,
    at: chrono::NaiveDateTime,
    maybe_day: Option<chrono::NaiveDate>,
    maybe_at: Option<chrono::NaiveDateTime>,
) -> Result<u64, rds::Error>;

#[rds_query("SELECT id, day, at, maybe_day, maybe_at FROM moments WHERE id = :id")]
async fn chrono_row(db: &rds::Pool, id: i64) -> Result<ChronoRow, rds::Error>;

#[rds_query("SELECT id FROM moments WHERE day = :day AND at > :after ORDER BY id")]
async fn ids_on_chrono(
    db: &rds::Pool,
    day: chrono::NaiveDate,
    after: chrono::NaiveDateTime,
) -> Result<Vec<i64>, rds::Error>;

#[rds_query("SELECT maybe_day FROM moments WHERE id = :id")]
async fn chrono_maybe_day(
    db: &rds::Pool,
    id: i64,
) -> Result<Option<Option<chrono::NaiveDate>>, rds::Error>;

#[rds_query("SELECT maybe_at FROM moments WHERE id = ?")]
async fn chrono_at_not_null(db: &rds::Pool, id: i64) -> Result<chrono::NaiveDateTime, rds::Error>;

// --- time ------------------------------------------------------------------

#[derive(Debug, PartialEq, rds::FromRow)]
struct TimeRow {
    id: i64,
    day: time::Date,
    at: time::PrimitiveDateTime,
    maybe_day: Option<time::Date>,
    maybe_at: Option<time::PrimitiveDateTime>,
}

#[rds_query(
    "INSERT INTO moments (id, day, at, maybe_day, maybe_at) \
     VALUES (:id, :day, :at, :maybe_day, :maybe_at)"
)]
async fn insert_time(
    db: &rds::Pool,
    id: i64,
    day: time::Date,
    at: time::PrimitiveDateTime,
    maybe_day: Option<time::Date>,
    maybe_at: Option<time::PrimitiveDateTime>,
) -> Result<u64, rds::Error>;

#[rds_query("SELECT id, day, at, maybe_day, maybe_at FROM moments WHERE id = :id")]
async fn time_row(db: &rds::Pool, id: i64) -> Result<TimeRow, rds::Error>;

#[rds_query("SELECT id FROM moments WHERE day = :day AND at > :after ORDER BY id")]
async fn ids_on_time(
    db: &rds::Pool,
    day: time::Date,
    after: time::PrimitiveDateTime,
) -> Result<Vec<i64>, rds::Error>;

#[rds_query("SELECT day, at FROM moments WHERE id = :id")]
async fn time_tuple(
    db: &rds::Pool,
    id: i64,
) -> Result<Option<(time::Date, time::PrimitiveDateTime)>, rds::Error>;

#[rds_query("SELECT maybe_day FROM moments WHERE id = ?")]
async fn time_day_not_null(db: &rds::Pool, id: i64) -> Result<time::Date, rds::Error>;

// --- what the server stored, as text ---------------------------------------

#[rds_query(
    "SELECT DATE_FORMAT(day, '%Y-%m-%d'), DATE_FORMAT(at, '%Y-%m-%d %H:%i:%s.%f'), \
     DATE_FORMAT(maybe_day, '%Y-%m-%d'), DATE_FORMAT(maybe_at, '%Y-%m-%d %H:%i:%s.%f') \
     FROM moments WHERE id = :id"
)]
async fn stored(
    db: &rds::Pool,
    id: i64,
) -> Result<(String, String, Option<String>, Option<String>), rds::Error>;

fn chrono_date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn chrono_at(
    date: chrono::NaiveDate,
    h: u32,
    min: u32,
    s: u32,
    micro: u32,
) -> chrono::NaiveDateTime {
    date.and_hms_micro_opt(h, min, s, micro).unwrap()
}

fn time_date(y: i32, m: time::Month, d: u8) -> time::Date {
    time::Date::from_calendar_date(y, m, d).unwrap()
}

fn time_at(date: time::Date, h: u8, min: u8, s: u8, micro: u32) -> time::PrimitiveDateTime {
    time::PrimitiveDateTime::new(date, time::Time::from_hms_micro(h, min, s, micro).unwrap())
}

#[tokio::test]
async fn chrono_dates_round_trip() {
    let db = TestDb::create(SCHEMA).await;
    let pool = db.pool();

    let leap = chrono_date(2024, 2, 29);
    let full = ChronoRow {
        id: 1,
        day: leap,
        at: chrono_at(leap, 23, 59, 58, 123_456),
        maybe_day: Some(chrono_date(1999, 12, 31)),
        maybe_at: Some(chrono_at(chrono_date(2038, 1, 19), 3, 14, 8, 1)),
    };
    let empty = ChronoRow {
        id: 2,
        day: chrono_date(1000, 1, 1),
        at: chrono_at(chrono_date(9999, 12, 31), 0, 0, 0, 0),
        maybe_day: None,
        maybe_at: None,
    };
    for row in [&full, &empty] {
        let inserted = insert_chrono(&pool, row.id, row.day, row.at, row.maybe_day, row.maybe_at)
            .await
            .unwrap();
        assert_eq!(inserted, 1);
    }

    assert_eq!(chrono_row(&pool, 1).await.unwrap(), full);
    assert_eq!(chrono_row(&pool, 2).await.unwrap(), empty);
    assert_eq!(
        stored(&pool, 1).await.unwrap(),
        (
            "2024-02-29".to_owned(),
            "2024-02-29 23:59:58.123456".to_owned(),
            Some("1999-12-31".to_owned()),
            Some("2038-01-19 03:14:08.000001".to_owned()),
        )
    );
    assert_eq!(
        stored(&pool, 2).await.unwrap(),
        (
            "1000-01-01".to_owned(),
            "9999-12-31 00:00:00.000000".to_owned(),
            None,
            None,
        )
    );

    // Bound in a WHERE clause: the comparison happens on the server.
    assert_eq!(
        ids_on_chrono(&pool, leap, chrono_at(leap, 23, 59, 58, 123_455))
            .await
            .unwrap(),
        vec![1]
    );
    assert_eq!(
        ids_on_chrono(&pool, leap, chrono_at(leap, 23, 59, 58, 123_456))
            .await
            .unwrap(),
        Vec::<i64>::new()
    );

    // NULL: `None` in an Option, an error naming the column otherwise.
    assert_eq!(chrono_maybe_day(&pool, 2).await.unwrap(), Some(None));
    assert_eq!(
        chrono_maybe_day(&pool, 1).await.unwrap(),
        Some(Some(chrono_date(1999, 12, 31)))
    );
    assert_eq!(chrono_maybe_day(&pool, 3).await.unwrap(), None);
    let err = chrono_at_not_null(&pool, 2).await.unwrap_err();
    assert!(matches!(err, rds::Error::Null { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("chrono_at_not_null") && message.contains("`maybe_at` is NULL"),
        "{message}"
    );
}

#[tokio::test]
async fn time_dates_round_trip() {
    use time::Month;

    let db = TestDb::create(SCHEMA).await;
    let pool = db.pool();

    let leap = time_date(2024, Month::February, 29);
    let full = TimeRow {
        id: 1,
        day: leap,
        at: time_at(leap, 23, 59, 58, 123_456),
        maybe_day: Some(time_date(1999, Month::December, 31)),
        maybe_at: Some(time_at(time_date(2038, Month::January, 19), 3, 14, 8, 1)),
    };
    let empty = TimeRow {
        id: 2,
        day: time_date(1000, Month::January, 1),
        at: time_at(time_date(9999, Month::December, 31), 0, 0, 0, 0),
        maybe_day: None,
        maybe_at: None,
    };
    for row in [&full, &empty] {
        let inserted = insert_time(&pool, row.id, row.day, row.at, row.maybe_day, row.maybe_at)
            .await
            .unwrap();
        assert_eq!(inserted, 1);
    }

    assert_eq!(time_row(&pool, 1).await.unwrap(), full);
    assert_eq!(time_row(&pool, 2).await.unwrap(), empty);
    assert_eq!(
        stored(&pool, 1).await.unwrap(),
        (
            "2024-02-29".to_owned(),
            "2024-02-29 23:59:58.123456".to_owned(),
            Some("1999-12-31".to_owned()),
            Some("2038-01-19 03:14:08.000001".to_owned()),
        )
    );
    assert_eq!(
        stored(&pool, 2).await.unwrap(),
        (
            "1000-01-01".to_owned(),
            "9999-12-31 00:00:00.000000".to_owned(),
            None,
            None,
        )
    );

    assert_eq!(
        ids_on_time(&pool, leap, time_at(leap, 23, 59, 58, 123_455))
            .await
            .unwrap(),
        vec![1]
    );
    assert_eq!(
        ids_on_time(&pool, leap, time_at(leap, 23, 59, 58, 123_456))
            .await
            .unwrap(),
        Vec::<i64>::new()
    );
    assert_eq!(
        time_tuple(&pool, 1).await.unwrap(),
        Some((full.day, full.at))
    );
    assert_eq!(time_tuple(&pool, 3).await.unwrap(), None);

    let err = time_day_not_null(&pool, 2).await.unwrap_err();
    assert!(matches!(err, rds::Error::Null { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("time_day_not_null") && message.contains("`maybe_day` is NULL"),
        "{message}"
    );
}
