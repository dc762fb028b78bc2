//! The documented API Gateway + Lambda pair: `GET /hello` answers the
//! hello-world message, `GET /hello?name=Ada` greets Ada. The same binary
//! serves a REST API (payload v1), an HTTP API (v2), an ALB target group or
//! a Function URL.
//!
//! ```text
//! cargo run --bin api_hello -- --serve 127.0.0.1:3000
//! curl 'http://127.0.0.1:3000/hello?name=Ada'
//! ```

use lambda_kit::http::{Json, Query};
use lambda_kit::lambda_handler;
use serde::{Deserialize, Serialize};

/// `?name=...`, optional.
#[derive(Debug, Deserialize)]
pub struct Greeting {
    name: Option<String>,
}

/// The JSON body of every answer.
#[derive(Debug, PartialEq, Serialize)]
pub struct Reply {
    message: String,
}

// template.yaml wires API Gateway by hand (the REST API the console
// workflow builds), so `lambda-kit template` generates no trigger.
#[lambda_handler(http, deploy(trigger = "none"))]
async fn api_hello(Query(greeting): Query<Greeting>) -> Json<Reply> {
    let message = match greeting.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => format!("Hello, {name}!"),
        _ => "Hello World!!".to_owned(),
    };
    Json(Reply { message })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn greets_by_name_or_the_world() {
        let Json(reply) = api_hello(Query(Greeting { name: None })).await;
        assert_eq!(reply.message, "Hello World!!");
        let Json(reply) = api_hello(Query(Greeting {
            name: Some("Ada".into()),
        }))
        .await;
        assert_eq!(reply.message, "Hello, Ada!");
    }
}
