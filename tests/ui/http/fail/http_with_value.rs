use lambda_kit::http::{Json, Query};

#[derive(serde::Deserialize)]
struct Search {
    q: String,
}

#[lambda_kit::lambda_handler(http = 1)]
async fn handler(Query(search): Query<Search>) -> Json<String> {
    Json(search.q)
}
