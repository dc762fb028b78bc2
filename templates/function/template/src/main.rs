{% if http_function -%}
//! {{ project_name }}: an HTTP function on lambda-kit, for API Gateway (REST
//! and HTTP APIs), an ALB or a Function URL.
//!
//! Serve it locally: `cargo run -- --serve 127.0.0.1:3000`, then
//! `curl 'http://127.0.0.1:3000/hello?name=Ada'`. Test it: `cargo test`.
//! Deploy it: `cargo lambda build --release && cargo lambda deploy`, or
//! `sam build && sam deploy --guided` with template.yaml.

use lambda_kit::http::{Json, Query};
use lambda_kit::{lambda_handler, tracing};
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

#[lambda_handler(http)]
async fn handler(Query(greeting): Query<Greeting>) -> Json<Reply> {
    let name = greeting.name.unwrap_or_else(|| "World".to_owned());
    tracing::info!(%name, "greeting");
    Json(Reply {
        message: format!("Hello, {name}!"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn greets_by_name() {
        let Json(reply) = handler(Query(Greeting {
            name: Some("Ada".to_owned()),
        }))
        .await;
        assert_eq!(reply.message, "Hello, Ada!");
    }
}
{%- else -%}
//! {{ project_name }}: an AWS Lambda function on lambda-kit.
//!
//! Run it locally: `cargo run -- '{"name": "Ada"}'`. Test it: `cargo test`.
//! Deploy it: `cargo lambda build --release && cargo lambda deploy`, or
//! `sam build && sam deploy --guided` with template.yaml.

use lambda_kit::{lambda_handler, tracing};
use serde::{Deserialize, Serialize};

/// The event the function is invoked with.
#[derive(Debug, Deserialize)]
pub struct Request {
    name: String,
}

/// What it answers.
#[derive(Debug, PartialEq, Serialize)]
pub struct Response {
    message: String,
}

#[lambda_handler]
async fn handler(request: Request) -> Response {
    tracing::info!(name = %request.name, "greeting");
    Response {
        message: format!("Hello, {}!", request.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn greets_by_name() {
        let request = Request {
            name: "Ada".to_owned(),
        };
        assert_eq!(
            handler(request).await,
            Response {
                message: "Hello, Ada!".to_owned()
            }
        );
    }
}
{%- endif %}
