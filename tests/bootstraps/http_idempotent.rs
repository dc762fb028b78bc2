//! The idempotent HTTP handler of tests/idempotency_http.rs: creates an
//! item, one row in `items` per request that really ran, answered 201 with
//! a `Location` header; `"fail": true` answers 500 after the insert, a
//! name that is too long 400 before it.

use lambda_kit::http::{HttpError, Json, StatusCode};
use lambda_kit::{lambda_handler, rds, rds_query};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
struct NewItem {
    name: String,
    #[serde(default)]
    fail: bool,
}

#[rds_query("INSERT INTO items (name) VALUES (:name)")]
async fn insert_item(name: &str) -> Result<rds::Exec, rds::Error>;

async fn setup() -> Result<(), rds::Error> {
    rds::conn().await.map(drop)
}

type Created = (StatusCode, [(&'static str, String); 1], Json<Value>);

#[lambda_handler(http, init = setup, idempotent)]
async fn create(Json(new): Json<NewItem>) -> Result<Created, HttpError> {
    if new.name.len() > 16 {
        return Err(HttpError::bad_request("`name` is 16 bytes at most"));
    }
    let id = insert_item(&new.name)
        .await
        .map_err(|err| HttpError::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?
        .last_insert_id
        .unwrap_or_default();
    if new.fail {
        return Err(HttpError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "failed after the insert",
        ));
    }
    Ok((
        StatusCode::CREATED,
        [("location", format!("/items/{id}"))],
        Json(json!({"id": id, "name": new.name})),
    ))
}
