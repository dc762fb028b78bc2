//! The compiled bootstrap, driven through lambda-kit's Runtime API emulator
//! as Lambda would drive it.

use lambda_kit::testing::Function;
{% if http_function -%}
use lambda_kit::testing::http::{Reply, Req, SOURCES};
{% endif -%}
use serde_json::json;

#[tokio::test]
{% if http_function -%}
async fn answers_every_http_source() {
    let mut function = Function::spawn(env!("CARGO_BIN_EXE_{{ project_name }}"))
        .await
        .unwrap();
    for source in SOURCES {
        let request = Req::new("GET", "/hello").query("name", "Ada");
        let response = function.invoke(&request.event(source)).await.unwrap().unwrap();
        let reply = Reply::read(source, &response);
        assert_eq!(reply.status, 200, "{source:?}");
        assert_eq!(reply.json(), json!({"message": "Hello, Ada!"}), "{source:?}");
    }
    function.shut_down().await.unwrap();
}
{%- else -%}
async fn answers_and_reports_bad_events() {
    let mut function = Function::spawn(env!("CARGO_BIN_EXE_{{ project_name }}"))
        .await
        .unwrap();
    let reply = function.invoke(&json!({"name": "Ada"})).await.unwrap();
    assert_eq!(reply, Ok(json!({"message": "Hello, Ada!"})));
    let error = function.invoke(&json!({})).await.unwrap().unwrap_err();
    assert_eq!(error.error_type, "Runtime.UnmarshalError");
    function.shut_down().await.unwrap();
    assert!(function.output().contains("greeting"));
}
{%- endif %}
