//! A small REST resource on MySQL/MariaDB, routed inside one function (an
//! API Gateway `{proxy+}` resource or an HTTP API `ANY /items/{proxy+}`
//! route): list, get, create and delete items.
//!
//! ```text
//! mariadb --host=127.0.0.1 --user=root test < examples/items/items.sql
//! DATABASE_URL=mysql://root@127.0.0.1:3306/test cargo run --bin items -- --serve 127.0.0.1:3000
//! curl -X POST -H 'content-type: application/json' -d '{"name":"pear"}' http://127.0.0.1:3000/items
//! curl http://127.0.0.1:3000/items/1
//! ```

use lambda_kit::http::{delete, get, post, router, HttpError, Json, Path, StatusCode};
use lambda_kit::{rds, rds_query};
use serde::{Deserialize, Serialize};

/// One row of `items` (examples/items/items.sql), as stored and as sent.
#[derive(Debug, PartialEq, Serialize, rds::FromRow)]
pub struct Item {
    id: i64,
    name: String,
}

/// The body of `POST /items`.
#[derive(Debug, Deserialize)]
pub struct NewItem {
    name: String,
}

#[rds_query("SELECT id, name FROM items ORDER BY id")]
async fn all_items() -> Result<Vec<Item>, rds::Error>;

#[rds_query("SELECT id, name FROM items WHERE id = :id")]
async fn item_by_id(id: i64) -> Result<Option<Item>, rds::Error>;

#[rds_query("INSERT INTO items (name) VALUES (:name)")]
async fn insert_item(name: &str) -> Result<rds::Exec, rds::Error>;

#[rds_query("DELETE FROM items WHERE id = :id")]
async fn delete_item(id: i64) -> Result<u64, rds::Error>;

/// What a handler can fail with: a database error (503 when the database
/// cannot be reached, else 500) or an answer for the client (404, 400).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The database failed.
    #[error(transparent)]
    Database(#[from] rds::Error),
    /// The client asked for something that is not there or not valid.
    #[error(transparent)]
    Client(#[from] HttpError),
}

impl lambda_kit::http::ResponseError for ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Database(err) => lambda_kit::http::ResponseError::status(err),
            ApiError::Client(err) => err.status,
        }
    }
}

#[get("/items")]
async fn list() -> Result<Json<Vec<Item>>, ApiError> {
    Ok(Json(all_items().await?))
}

#[get("/items/{id}")]
async fn show(Path(id): Path<i64>) -> Result<Json<Item>, ApiError> {
    match item_by_id(id).await? {
        Some(item) => Ok(Json(item)),
        None => Err(HttpError::not_found(format!("no item {id}")).into()),
    }
}

#[post("/items")]
async fn create(
    Json(new): Json<NewItem>,
) -> Result<(StatusCode, [(&'static str, String); 1], Json<Item>), ApiError> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return Err(HttpError::bad_request("`name` must be 1 to 255 characters").into());
    }
    let exec = insert_item(name).await?;
    let id = exec.last_insert_id.unwrap_or_default() as i64;
    let item = Item {
        id,
        name: name.to_owned(),
    };
    Ok((
        StatusCode::CREATED,
        [("location", format!("/items/{id}"))],
        Json(item),
    ))
}

#[delete("/items/{id}")]
async fn remove(Path(id): Path<i64>) -> Result<StatusCode, ApiError> {
    match delete_item(id).await? {
        0 => Err(HttpError::not_found(format!("no item {id}")).into()),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

/// Once per cold start: a wrong configuration fails init, and the first
/// request finds its connection open.
async fn setup() -> Result<(), rds::Error> {
    rds::conn().await.map(drop)
}

// Deployed behind `ItemsHttpApi`, an HTTP API template.yaml defines.
router!(
    init = setup,
    deploy(database, api = "ItemsHttpApi"),
    list,
    show,
    create,
    remove
);
