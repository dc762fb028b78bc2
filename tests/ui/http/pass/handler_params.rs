//! `#[lambda_handler(http)]` takes any mix of extractors, the whole
//! request and the context, in any order.
use lambda_kit::http::{HeaderMap, Json, Method, Path, Query, Request, Uri};
use lambda_kit::{lambda_handler, Context};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct Search {
    pub q: Option<String>,
}

#[derive(Deserialize, Serialize)]
pub struct Item {
    pub name: String,
}

mod no_params {
    #[lambda_kit::lambda_handler(http)]
    async fn handler() -> &'static str {
        "Hello World!!"
    }
}

mod json_body {
    use super::*;
    #[lambda_handler(http)]
    async fn handler(Json(item): Json<Item>) -> Json<Item> {
        Json(item)
    }
}

mod query {
    use super::*;
    #[lambda_handler(http)]
    async fn handler(Query(search): Query<Search>) -> String {
        search.q.unwrap_or_default()
    }
}

mod path {
    use super::*;
    #[lambda_handler(http)]
    async fn handler(Path(id): Path<u64>) -> String {
        id.to_string()
    }
}

mod request_parts {
    use super::*;
    #[lambda_handler(http)]
    async fn handler(method: Method, uri: Uri, headers: HeaderMap) -> String {
        format!("{method} {uri} {}", headers.len())
    }
}

mod whole_request {
    use super::*;
    #[lambda_handler(http)]
    async fn handler(request: Request) -> String {
        request.uri().to_string()
    }
}

mod context_by_ref {
    use super::*;
    #[lambda_handler(http)]
    async fn handler(ctx: &Context, Query(search): Query<Search>) -> String {
        format!("{} {:?}", ctx.request_id, search.q)
    }
}

mod context_owned {
    use super::*;
    #[lambda_handler(http)]
    async fn handler(ctx: Context) -> String {
        ctx.request_id
    }
}

mod everything {
    use super::*;
    // The request is moved in after every other extractor has read it.
    #[lambda_handler(http)]
    async fn handler(
        request: Request,
        Path(id): Path<u64>,
        ctx: &Context,
        Query(search): Query<Search>,
        headers: HeaderMap,
        lambda_kit::http::Json(item): lambda_kit::http::Json<Item>,
    ) -> String {
        format!(
            "{} {id} {} {:?} {} {}",
            request.method(),
            ctx.request_id,
            search.q,
            headers.len(),
            item.name
        )
    }
}

// The generated `main`s above are never run: an HTTP bootstrap run
// outside Lambda needs an event or `--serve`.
fn main() {}
