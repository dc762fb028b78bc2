use lambda_kit::http::Query;

#[derive(serde::Deserialize)]
struct Search {
    q: String,
}

#[lambda_kit::lambda_handler]
async fn handler(Query(search): Query<Search>) -> String {
    search.q
}
