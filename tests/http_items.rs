//! The `items` example end to end: its routed bootstrap on a database of
//! its own (schema examples/items/items.sql), driven through the Runtime API
//! emulator with HTTP API and REST API events, then with a database that
//! is gone.

mod example_bins;
use example_bins::Example;

mod rds_common;

use lambda_kit::testing::http::{Reply, Req, Source};
use lambda_kit::testing::Function;
use rds_common::TestDb;
use serde_json::{json, Value};

const ITEMS: Example = Example("items");

async fn start(url: &str) -> Function {
    let mut command = tokio::process::Command::new(ITEMS);
    command
        .env("DATABASE_URL", url)
        .env("RDS_CONNECT_TIMEOUT_MS", "1000");
    Function::spawn_command(command)
        .await
        .expect("the bootstrap starts")
}

async fn send(function: &mut Function, source: Source, req: Req) -> Reply {
    let response: Value = function
        .invoke(&req.event(source))
        .await
        .expect("the function answers")
        .unwrap_or_else(|error| panic!("invocation error: {error:?}\n{}", function.output()));
    Reply::read(source, &response)
}

#[tokio::test]
async fn list_create_get_delete_behind_http_and_rest_apis() {
    let db = TestDb::create(include_str!("../examples/items/items.sql")).await;
    let mut function = start(&db.url()).await;
    for source in [Source::HttpApi, Source::RestApi] {
        let reply = send(&mut function, source, Req::new("GET", "/items")).await;
        assert_eq!((reply.status, reply.json()), (200, json!([])), "{source:?}");

        let reply = send(
            &mut function,
            source,
            Req::new("POST", "/items").json(&json!({"name": " pear "})),
        )
        .await;
        assert_eq!(reply.status, 201, "{source:?}: {reply:?}");
        let item = reply.json();
        let id = item["id"].as_i64().expect("an id");
        assert_eq!(item, json!({"id": id, "name": "pear"}));
        assert_eq!(
            reply.header("location"),
            Some(format!("/items/{id}").as_str())
        );

        let reply = send(
            &mut function,
            source,
            Req::new("GET", &format!("/items/{id}")),
        )
        .await;
        assert_eq!((reply.status, reply.json()), (200, item.clone()));
        let reply = send(&mut function, source, Req::new("GET", "/items")).await;
        assert_eq!(reply.json(), json!([item]));

        let reply = send(
            &mut function,
            source,
            Req::new("DELETE", &format!("/items/{id}")),
        )
        .await;
        assert_eq!((reply.status, reply.body.len()), (204, 0));
        let reply = send(
            &mut function,
            source,
            Req::new("DELETE", &format!("/items/{id}")),
        )
        .await;
        assert_eq!(reply.status, 404);
        let reply = send(
            &mut function,
            source,
            Req::new("GET", &format!("/items/{id}")),
        )
        .await;
        assert_eq!(
            (reply.status, reply.json()["message"].clone()),
            (404, json!(format!("no item {id}")))
        );

        // Bad input never reaches the database.
        let reply = send(
            &mut function,
            source,
            Req::new("POST", "/items").json(&json!({"name": "  "})),
        )
        .await;
        assert_eq!(reply.status, 400);
        let reply = send(
            &mut function,
            source,
            Req::new("POST", "/items").json(&json!({"title": "x"})),
        )
        .await;
        assert_eq!(
            (reply.status, reply.json()["field"].clone()),
            (400, json!("name"))
        );
        let reply = send(&mut function, source, Req::new("GET", "/items/seven")).await;
        assert_eq!(
            (reply.status, reply.json()["field"].clone()),
            (400, json!("id"))
        );
        let reply = send(&mut function, source, Req::new("PUT", "/items/1")).await;
        assert_eq!(
            (reply.status, reply.header("allow")),
            (405, Some("GET, DELETE"))
        );
    }
    // Names are bound, never spliced into the SQL.
    let hostile = "x'); DROP TABLE items; --";
    let reply = send(
        &mut function,
        Source::HttpApi,
        Req::new("POST", "/items").json(&json!({"name": hostile})),
    )
    .await;
    assert_eq!(reply.json()["name"], hostile);
    let reply = send(&mut function, Source::HttpApi, Req::new("GET", "/items")).await;
    assert_eq!(reply.json().as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_failing_query_is_a_500_with_the_details_only_in_the_log() {
    let db = TestDb::create(include_str!("../examples/items/items.sql")).await;
    let mut function = start(&db.url()).await;
    let reply = send(&mut function, Source::HttpApi, Req::new("GET", "/items")).await;
    assert_eq!(reply.status, 200);
    // The database disappears under the running function: a server error.
    drop(db);
    let reply = send(&mut function, Source::HttpApi, Req::new("GET", "/items")).await;
    assert_eq!(reply.status, 500, "{reply:?}");
    assert_eq!(reply.json()["message"], "Internal Server Error");
    function.shut_down().await.expect("the bootstrap exits");
    let logs = function.output();
    assert!(
        logs.contains("all_items"),
        "the log names the query: {logs}"
    );
}
