//! The merge, on in-memory descriptions.

use super::*;
use crate::describe::{EnvVar, Route};
use yaml_rust2::{Yaml, YamlLoader};

/// [`render_template`]'s text.
fn render_text(bootstraps: &[Bootstrap], old: Option<&str>) -> Result<String, Error> {
    render_template(bootstraps, old).map(|r| r.text)
}

fn bootstrap(binary: &str, description: Description) -> Bootstrap {
    Bootstrap {
        package: binary.replace('_', "-"),
        binary: binary.into(),
        code_uri: format!("examples/{binary}"),
        description,
    }
}

fn plain(binary: &str) -> Bootstrap {
    bootstrap(
        binary,
        Description {
            handler: binary.into(),
            ..Description::default()
        },
    )
}

fn routes(list: &[(&str, &str)]) -> Vec<Route> {
    list.iter()
        .map(|(m, p)| Route {
            method: m.to_string(),
            path: p.to_string(),
        })
        .collect()
}

fn items(list: &[(&str, &str)]) -> Bootstrap {
    bootstrap(
        "items",
        Description {
            handler: "router".into(),
            kind: Kind::Router,
            routes: routes(list),
            memory: Some(256),
            timeout: Some(10),
            architecture: Some(Architecture::Arm64),
            environment: vec![EnvVar {
                name: "STAGE".into(),
                value: "prod".into(),
            }],
            database: true,
            trigger: Some(Trigger::Url),
            api: Some("ItemsHttpApi".into()),
            ..Description::default()
        },
    )
}

fn batch(binary: &str, kind: Kind, source: Option<&str>, batch_size: Option<u32>) -> Bootstrap {
    bootstrap(
        binary,
        Description {
            handler: "place".into(),
            kind,
            source: source.map(str::to_owned),
            batch_size,
            ..Description::default()
        },
    )
}

/// Renders, checks the output parses as YAML and is a fixed point, and
/// returns it with its parse.
fn render(bootstraps: &[Bootstrap], old: Option<&str>) -> (String, Yaml) {
    let text = render_text(bootstraps, old).unwrap();
    let again = render_text(bootstraps, Some(&text)).unwrap();
    assert_eq!(again, text, "not a fixed point");
    let docs =
        YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("invalid YAML ({e}):\n{text}"));
    assert_eq!(docs.len(), 1);
    (text, docs[0].clone())
}

fn strs(y: &Yaml) -> Vec<&str> {
    y.as_vec()
        .unwrap_or_else(|| panic!("not a list: {y:?}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

fn keys(y: &Yaml) -> Vec<&str> {
    y.as_hash()
        .unwrap_or_else(|| panic!("not a mapping: {y:?}"))
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect()
}

/// A template with the resources the tests' functions name (APIs, queues,
/// streams).
const REFERENCED: &str = "Resources:
  ItemsHttpApi:
    Type: AWS::Serverless::HttpApi
  MyApi:
    Type: AWS::Serverless::HttpApi
  ItemsRestApi:
    Type: AWS::Serverless::Api
  MyRest:
    Type: AWS::Serverless::Api
  OrdersQueue:
    Type: AWS::SQS::Queue
  ClickStream:
    Type: AWS::Kinesis::Stream
  OrdersTable:
    Type: AWS::DynamoDB::Table
";

const ITEMS_EXPECTED: &str = "  ItemsFunction:
    Type: AWS::Serverless::Function
    Metadata:
      Tool: lambda-kit
      BuildMethod: rust-cargolambda
      BuildProperties:
        Binary: items
    Properties:
      CodeUri: examples/items
      Handler: bootstrap
      Runtime: provided.al2023
      MemorySize: 256
      Timeout: 10
      Architectures:
        - arm64
      VpcConfig:
        SubnetIds: !Ref SubnetIds
        SecurityGroupIds: !Ref SecurityGroupIds
      Environment:
        Variables:
          STAGE: prod
          RDS_HOSTNAME: !Ref DatabaseHost
          RDS_PORT: !Ref DatabasePort
          RDS_DB_NAME: !Ref DatabaseName
          RDS_USERNAME: !Sub \"{{resolve:secretsmanager:${DatabaseSecretArn}:SecretString:username}}\"
          RDS_PASSWORD: !Sub \"{{resolve:secretsmanager:${DatabaseSecretArn}:SecretString:password}}\"
      FunctionUrlConfig:
        AuthType: AWS_IAM
";

#[test]
fn new_template_from_scratch() {
    let (text, y) = render(&[items(&[("GET", "/items")]), plain("hello")], None);
    assert!(
        text.starts_with(
            "AWSTemplateFormatVersion: \"2010-09-09\"\nTransform: AWS::Serverless-2016-10-31\nDescription: "
        ),
        "{text}"
    );
    assert!(text.contains(ITEMS_EXPECTED), "{text}");
    assert_eq!(
        keys(&y),
        [
            "AWSTemplateFormatVersion",
            "Transform",
            "Description",
            "Metadata",
            "Parameters",
            "Resources"
        ]
    );
    assert_eq!(
        strs(&y["Metadata"]["LambdaKit"]["Parameters"]),
        DATABASE_PARAMETERS
    );
    assert_eq!(keys(&y["Parameters"]), DATABASE_PARAMETERS);
    assert_eq!(
        y["Parameters"]["DatabasePort"]["Default"].as_i64(),
        Some(3306)
    );
    assert_eq!(
        y["Parameters"]["SubnetIds"]["Type"].as_str(),
        Some("List<AWS::EC2::Subnet::Id>")
    );
    assert_eq!(
        y["Parameters"]["DatabaseSecretArn"]["AllowedPattern"].as_str(),
        Some("arn:[a-z-]+:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+")
    );
    for name in DATABASE_PARAMETERS {
        assert!(y["Parameters"][*name]["Description"].as_str().is_some());
    }
    // Sorted by logical id; the plain function has no events and no sync list.
    assert_eq!(keys(&y["Resources"]), ["HelloFunction", "ItemsFunction"]);
    let hello = &y["Resources"]["HelloFunction"];
    assert_eq!(
        keys(&hello["Metadata"]),
        ["Tool", "BuildMethod", "BuildProperties"]
    );
    assert_eq!(
        keys(&hello["Properties"]),
        ["CodeUri", "Handler", "Runtime"]
    );
    // A URL-triggered router has no events.
    assert!(y["Resources"]["ItemsFunction"]["Properties"]["Events"].is_badvalue());
}

#[test]
fn router_events_on_an_http_api() {
    let mut b = items(&[
        ("GET", "/items"),
        ("GET", "/items/{id}"),
        ("DELETE", "/items/{id}"),
        ("GET", "/"),
        ("GET", "/files/{path+}"),
        ("GET", "/items-id"),
    ]);
    b.description.trigger = None;
    let (text, y) = render(&[b], Some(REFERENCED));
    let f = &y["Resources"]["ItemsFunction"];
    assert_eq!(
        strs(&f["Metadata"]["SyncedEvents"]),
        [
            "GetItems",
            "GetItemsId",
            "DeleteItemsId",
            "GetRoot",
            "GetFilesPath",
            "GetItemsId2"
        ]
    );
    let events = &f["Properties"]["Events"];
    assert_eq!(
        keys(events),
        [
            "GetItems",
            "GetItemsId",
            "DeleteItemsId",
            "GetRoot",
            "GetFilesPath",
            "GetItemsId2"
        ]
    );
    assert_eq!(
        events["GetItemsId2"]["Properties"]["Path"].as_str(),
        Some("/items-id")
    );
    assert!(text.contains(
        "        GetItems:
          Type: HttpApi
          Properties:
            ApiId: !Ref ItemsHttpApi
            Path: /items
            Method: GET
"
    ));
    assert!(f["Properties"]["FunctionUrlConfig"].is_badvalue());
    // Events are last in Properties.
    assert_eq!(keys(&f["Properties"]).last(), Some(&"Events"));
}

#[test]
fn http_triggers() {
    let http = |trigger, api: Option<&str>| {
        bootstrap(
            "web",
            Description {
                handler: "web".into(),
                kind: Kind::Http,
                trigger,
                api: api.map(str::to_owned),
                ..Description::default()
            },
        )
    };
    let (text, y) = render(&[http(None, None)], None);
    assert!(
        text.contains("        HttpApi:\n          Type: HttpApi\n"),
        "{text}"
    );
    assert_eq!(
        keys(&y["Resources"]["WebFunction"]["Properties"]["Events"]["HttpApi"]),
        ["Type"]
    );

    let (_, y) = render(
        &[http(Some(Trigger::HttpApi), Some("MyApi"))],
        Some(REFERENCED),
    );
    let e = &y["Resources"]["WebFunction"]["Properties"]["Events"]["HttpApi"];
    assert_eq!(e["Properties"]["ApiId"].as_str(), Some("MyApi"));

    let (_, y) = render(
        &[http(Some(Trigger::RestApi), Some("MyRest"))],
        Some(REFERENCED),
    );
    let events = &y["Resources"]["WebFunction"]["Properties"]["Events"];
    assert_eq!(keys(events), ["Root", "Proxy"]);
    assert_eq!(events["Root"]["Type"].as_str(), Some("Api"));
    assert_eq!(events["Root"]["Properties"]["Path"].as_str(), Some("/"));
    assert_eq!(
        events["Proxy"]["Properties"]["Path"].as_str(),
        Some("/{proxy+}")
    );
    assert_eq!(
        events["Proxy"]["Properties"]["Method"].as_str(),
        Some("ANY")
    );
    assert_eq!(
        events["Proxy"]["Properties"]["RestApiId"].as_str(),
        Some("MyRest")
    );

    let (_, y) = render(&[http(Some(Trigger::PublicUrl), None)], None);
    let p = &y["Resources"]["WebFunction"]["Properties"];
    assert_eq!(p["FunctionUrlConfig"]["AuthType"].as_str(), Some("NONE"));
    assert!(p["Events"].is_badvalue());

    let (_, y) = render(&[http(Some(Trigger::None), None)], None);
    let p = &y["Resources"]["WebFunction"]["Properties"];
    assert!(p["Events"].is_badvalue() && p["FunctionUrlConfig"].is_badvalue());
}

#[test]
fn router_on_a_rest_api() {
    let mut b = items(&[("POST", "/items")]);
    b.description.trigger = Some(Trigger::RestApi);
    b.description.api = Some("ItemsRestApi".into());
    let (_, y) = render(&[b], Some(REFERENCED));
    let e = &y["Resources"]["ItemsFunction"]["Properties"]["Events"]["PostItems"];
    assert_eq!(e["Type"].as_str(), Some("Api"));
    assert_eq!(keys(&e["Properties"]), ["RestApiId", "Path", "Method"]);
}

#[test]
fn batch_handlers_report_item_failures() {
    let (text, y) = render(
        &[
            batch("orders_queue", Kind::Sqs, Some("OrdersQueue"), Some(10)),
            batch("clicks", Kind::Kinesis, Some("ClickStream"), None),
            batch("changes", Kind::Dynamodb, Some("OrdersTable"), Some(100)),
        ],
        Some(REFERENCED),
    );
    assert!(
        text.contains(
            "        Sqs:
          Type: SQS
          Properties:
            Queue: !GetAtt OrdersQueue.Arn
            BatchSize: 10
            FunctionResponseTypes:
              - ReportBatchItemFailures
"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "        Kinesis:
          Type: Kinesis
          Properties:
            Stream: !GetAtt ClickStream.Arn
            StartingPosition: TRIM_HORIZON
            FunctionResponseTypes:
              - ReportBatchItemFailures
"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "        DynamoDB:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt OrdersTable.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 100
"
        ),
        "{text}"
    );
    let r = &y["Resources"];
    for (f, e) in [
        ("OrdersQueueFunction", "Sqs"),
        ("ClicksFunction", "Kinesis"),
        ("ChangesFunction", "DynamoDB"),
    ] {
        let event = &r[f]["Properties"]["Events"][e];
        assert_eq!(
            strs(&event["Properties"]["FunctionResponseTypes"]),
            ["ReportBatchItemFailures"]
        );
        assert_eq!(strs(&r[f]["Metadata"]["SyncedEvents"]), [e]);
    }
    // No parameters needed, so no sections for them.
    assert!(y["Parameters"].is_badvalue() && y["Metadata"].is_badvalue());
}

#[test]
fn sources_as_arn_sub_string_or_parameter() {
    let arn = "arn:aws:sqs:eu-west-1:123456789012:orders";
    let (text, y) = render(
        &[
            batch("a", Kind::Sqs, Some(arn), None),
            batch("b", Kind::Sqs, Some("${QueueArnParam}"), None),
            batch("c", Kind::Sqs, None, None),
            batch("d", Kind::Dynamodb, None, None),
        ],
        None,
    );
    assert!(
        text.contains(&format!("            Queue: {arn}\n")),
        "{text}"
    );
    assert!(
        text.contains("            Queue: !Sub \"${QueueArnParam}\"\n"),
        "{text}"
    );
    assert!(
        text.contains("            Queue: !Ref CFunctionQueueArn\n"),
        "{text}"
    );
    assert!(
        text.contains("            Stream: !Ref DFunctionStreamArn\n"),
        "{text}"
    );
    assert_eq!(
        keys(&y["Parameters"]),
        ["CFunctionQueueArn", "DFunctionStreamArn"]
    );
    assert_eq!(
        strs(&y["Metadata"]["LambdaKit"]["Parameters"]),
        ["CFunctionQueueArn", "DFunctionStreamArn"]
    );
    assert_eq!(
        y["Parameters"]["CFunctionQueueArn"]["Type"].as_str(),
        Some("String")
    );
    assert!(y["Parameters"]["DFunctionStreamArn"]["Description"]
        .as_str()
        .is_some());
    assert_eq!(
        y["Resources"]["AFunction"]["Properties"]["Events"]["Sqs"]["Properties"]["Queue"].as_str(),
        Some(arn)
    );

    let err = render_text(&[batch("e", Kind::Sqs, Some("my queue"), None)], None).unwrap_err();
    assert!(err.to_string().contains("binary `e`"), "{err}");
}

#[test]
fn arn_with_substitutions_is_a_sub() {
    let arn = "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:orders";
    let (text, y) = render(&[batch("a", Kind::Sqs, Some(arn), None)], None);
    assert!(
        text.contains(&format!("            Queue: !Sub \"{arn}\"\n")),
        "{text}"
    );
    assert!(y["Parameters"].is_badvalue());
}

#[test]
fn adding_a_route_adds_one_event() {
    let mut a = items(&[("GET", "/items")]);
    a.description.trigger = None;
    let mut b = items(&[("GET", "/items"), ("POST", "/items")]);
    b.description.trigger = None;
    let (first, _) = render(&[a.clone()], Some(REFERENCED));
    // A hand-written comment and key inside the generated event.
    let first = first.replace(
        "            Method: GET\n",
        "            Method: GET\n            # Hand-written.\n            PayloadFormatVersion: \"2.0\"\n",
    );
    let (before, _) = render(&[a], Some(&first));
    assert_eq!(before, first);
    let (after, y) = render(&[b], Some(&before));
    let get_event = "        GetItems:
          Type: HttpApi
          Properties:
            ApiId: !Ref ItemsHttpApi
            Path: /items
            Method: GET
            # Hand-written.
            PayloadFormatVersion: \"2.0\"
";
    assert!(before.contains(get_event), "{before}");
    assert!(after.contains(get_event), "{after}");
    assert!(
        after.contains(&format!(
            "{get_event}        PostItems:
          Type: HttpApi
          Properties:
            ApiId: !Ref ItemsHttpApi
            Path: /items
            Method: POST
"
        )),
        "{after}"
    );
    assert_eq!(
        strs(&y["Resources"]["ItemsFunction"]["Metadata"]["SyncedEvents"]),
        ["GetItems", "PostItems"]
    );
    // Nothing else moved: the diff is the new event and the sync list.
    let removed: Vec<&str> = before
        .lines()
        .filter(|l| !after.lines().any(|a| a == *l))
        .collect();
    assert!(removed.is_empty(), "{removed:?}");
}

const OUTPUTS: &str = "
Outputs:
  # Hand-written, kept as is.
  HelloName:
    Value: !Ref HelloFunction   # must follow a rename
";

#[test]
fn removing_a_function_still_referred_to_is_an_error() {
    let (first, _) = render(&[plain("hello"), plain("echo")], None);
    let first = format!("{first}{OUTPUTS}");
    let err = render_text(&[plain("greet"), plain("echo")], Some(&first))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("resource HelloFunction is removed")
            && err.contains("`Value: !Ref HelloFunction   # must follow a rename`")
            && err.contains("update or remove them"),
        "{err}"
    );
    // With the reference updated, it goes.
    let fixed = first.replace("!Ref HelloFunction", "!Ref GreetFunction");
    let (after, y) = render(&[plain("greet"), plain("echo")], Some(&fixed));
    assert_eq!(keys(&y["Resources"]), ["EchoFunction", "GreetFunction"]);
    assert!(!after.contains("HelloFunction"), "{after}");
    assert!(after.ends_with(&OUTPUTS.replace("HelloFunction", "GreetFunction")));
}

#[test]
fn references_to_a_logical_id() {
    for line in [
        "    Value: !Ref OrdersFunction",
        "    Value: !GetAtt OrdersFunction.Arn",
        "    Value: !Sub \"${OrdersFunction}\"",
        "    Value: !Sub arn:${OrdersFunction.Arn}/x",
        "      Ref: OrdersFunction",
        "      Fn::GetAtt: [OrdersFunction, Arn]",
        "      Fn::GetAtt: [ \"OrdersFunction\", Arn]",
        "        - OrdersFunction",
        "    DependsOn: OrdersFunction",
        "    DependsOn: [Table, OrdersFunction]",
    ] {
        assert!(refers_to(line, "OrdersFunction"), "{line}");
    }
    for line in [
        "    Description: calls OrdersFunction",
        "    # Value: !Ref OrdersFunction",
        "    Value: x # !Ref OrdersFunction",
        "    Value: !Ref OrdersFunctionRole",
        "    Value: !Ref MyOrdersFunction",
    ] {
        assert!(!refers_to(line, "OrdersFunction"), "{line}");
    }
}

/// HAND_WRITTEN as generated for `orders_queue`, with a comment on the
/// function.
fn generated_orders() -> String {
    let b = batch("orders_queue", Kind::Sqs, Some("OrdersQueue"), Some(10));
    let (text, _) = render(&[b], Some(HAND_WRITTEN));
    text.replace(
        "\n  OrdersQueueFunction:\n",
        "\n  # Places orders.\n  OrdersQueueFunction:\n",
    )
}

#[test]
fn renaming_a_binary_keeps_its_hand_written_keys() {
    let before = generated_orders();
    // The same package's binary, renamed: the same CodeUri.
    let mut b = batch("place_orders", Kind::Sqs, Some("OrdersQueue"), Some(10));
    b.code_uri = "examples/orders_queue".into();
    let rendered = render_template(std::slice::from_ref(&b), Some(&before)).unwrap();
    assert!(rendered.notices.is_empty(), "{:?}", rendered.notices);
    let (after, y) = render(&[b], Some(&before));
    assert_eq!(after, rendered.text);
    assert_eq!(
        keys(&y["Resources"]),
        ["OrdersQueue", "PlaceOrdersFunction"]
    );
    // Everything but the id and the binary's name is as it was, in place.
    let expected = before
        .replace("  OrdersQueueFunction:\n", "  PlaceOrdersFunction:\n")
        .replace("Binary: orders_queue", "Binary: place_orders");
    assert_eq!(after, expected);
    assert!(after.contains("Owner: team-orders") && after.contains("MaximumConcurrency: 5"));
    assert!(after.contains("  # Places orders.\n  PlaceOrdersFunction:\n"));

    // Still referred to by its old id: an error that names the new one.
    let referring = before.replace(
        "    Value: !Ref OrdersQueue\n",
        "    Value: !Ref OrdersQueue\n  Function:\n    Value: !GetAtt OrdersQueueFunction.Arn\n",
    );
    let mut b = batch("place_orders", Kind::Sqs, Some("OrdersQueue"), Some(10));
    b.code_uri = "examples/orders_queue".into();
    let err = render_text(&[b], Some(&referring)).unwrap_err().to_string();
    assert!(
        err.contains("resource OrdersQueueFunction is renamed to PlaceOrdersFunction")
            && err.contains("`Value: !GetAtt OrdersQueueFunction.Arn`")
            && err.contains("update them to PlaceOrdersFunction"),
        "{err}"
    );
}

#[test]
fn removing_a_resource_with_hand_written_keys_is_noticed() {
    let before = generated_orders();
    let rendered = render_template(&[], Some(&before)).unwrap();
    assert!(
        !rendered.text.contains("OrdersQueueFunction"),
        "{}",
        rendered.text
    );
    assert_eq!(
        rendered.notices,
        [
            "removed resource OrdersQueueFunction (no binary maps to it any more) with its \
          hand-written Metadata.Owner, Properties.Description, Properties.Policies, \
          Properties.Events.Sqs.Properties.ScalingConfig, Properties.Events.Nightly"
        ]
    );
    // Two functions of one package: no rename to guess, both noticed.
    let mut a = batch("orders_queue", Kind::Sqs, Some("OrdersQueue"), Some(10));
    a.code_uri = "examples/orders".into();
    let mut b = a.clone();
    b.binary = "orders_two".into();
    let (two, _) = render(&[a.clone(), b], Some(HAND_WRITTEN));
    let mut c = a.clone();
    c.binary = "orders_three".into();
    let mut d = a;
    d.binary = "orders_four".into();
    let rendered = render_template(&[c, d], Some(&two)).unwrap();
    assert_eq!(rendered.notices.len(), 1, "{:?}", rendered.notices);
    assert!(rendered.notices[0].contains("OrdersQueueFunction"));
}

#[test]
fn removing_a_function_removes_its_comments_and_parameters() {
    let mut db = plain("rds_lookup");
    db.description.database = true;
    let (first, _) = render(&[plain("hello"), db.clone()], None);
    // The user's own parameter and a comment on the generated resource.
    let first = first
        .replacen(
            "\nParameters:\n",
            "\nParameters:\n  Stage:\n    Type: String\n",
            1,
        )
        .replace(
            "\n  RdsLookupFunction:\n",
            "\n  # Looks names up.\n  RdsLookupFunction:\n",
        );
    let (with, _) = render(&[plain("hello"), db], Some(&first));
    assert!(
        with.contains("  # Looks names up.\n  RdsLookupFunction:\n"),
        "{with}"
    );
    let (after, y) = render(&[plain("hello")], Some(&with));
    assert!(!after.contains("Looks names up"), "{after}");
    assert!(!after.contains("RdsLookup"), "{after}");
    assert_eq!(keys(&y["Parameters"]), ["Stage"]);
    assert!(y["Metadata"].is_badvalue(), "{after}");
    assert_eq!(keys(&y["Resources"]), ["HelloFunction"]);
}

#[test]
fn users_parameter_of_a_generated_name_is_used_as_is() {
    let old = "Parameters:
  # Mine.
  DatabaseHost:
    Type: String
    Default: db.internal
";
    let mut db = plain("rds_lookup");
    db.description.database = true;
    let (text, y) = render(&[db], Some(old));
    assert!(text.contains(old), "{text}");
    assert_eq!(
        y["Parameters"]["DatabaseHost"]["Default"].as_str(),
        Some("db.internal")
    );
    let listed = strs(&y["Metadata"]["LambdaKit"]["Parameters"]);
    assert!(!listed.contains(&"DatabaseHost") && listed.contains(&"DatabasePort"));
    // Metadata goes before Parameters.
    assert_eq!(keys(&y), ["Metadata", "Parameters", "Resources"]);
}

const HAND_WRITTEN: &str = "AWSTemplateFormatVersion: \"2010-09-09\"
Transform: AWS::Serverless-2016-10-31
Description: Mine

# About the globals.
Globals:
  Function:
    Timeout: 3

Resources:
  # A queue, by hand.
  OrdersQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60 # six times the timeout

  OrdersQueueFunction:
    Type: AWS::Serverless::Function
    Metadata:
      Tool: lambda-kit
      Owner: team-orders
      SyncedEvents: [Sqs]
    Properties:
      Description: Places orders
      CodeUri: old/path
      # Least privilege.
      Policies:
        - SQSPollerPolicy:
            QueueName: !GetAtt OrdersQueue.QueueName
      MemorySize: 1024
      Events:
        Sqs:
          Type: SQS
          Properties:
            Queue: !GetAtt OldQueue.Arn
            # Caps the database connections.
            ScalingConfig:
              MaximumConcurrency: 5
        Nightly:
          Type: Schedule
          Properties:
            Schedule: rate(1 day)

Outputs:
  Queue:
    Value: !Ref OrdersQueue
";

#[test]
fn hand_written_parts_survive() {
    let (text, y) = render(
        &[batch(
            "orders_queue",
            Kind::Sqs,
            Some("OrdersQueue"),
            Some(10),
        )],
        Some(HAND_WRITTEN),
    );
    // Everything before the generated resource, byte for byte.
    let head = &HAND_WRITTEN[..HAND_WRITTEN.find("  OrdersQueueFunction:").unwrap()];
    assert!(text.starts_with(head), "{text}");
    assert!(text.ends_with("\nOutputs:\n  Queue:\n    Value: !Ref OrdersQueue\n"));
    let expected = "  OrdersQueueFunction:
    Type: AWS::Serverless::Function
    Metadata:
      Tool: lambda-kit
      BuildMethod: rust-cargolambda
      BuildProperties:
        Binary: orders_queue
      SyncedEvents:
        - Sqs
      Owner: team-orders
    Properties:
      CodeUri: examples/orders_queue
      Handler: bootstrap
      Runtime: provided.al2023
      Description: Places orders
      # Least privilege.
      Policies:
        - SQSPollerPolicy:
            QueueName: !GetAtt OrdersQueue.QueueName
      Events:
        Sqs:
          Type: SQS
          Properties:
            Queue: !GetAtt OrdersQueue.Arn
            BatchSize: 10
            FunctionResponseTypes:
              - ReportBatchItemFailures
            # Caps the database connections.
            ScalingConfig:
              MaximumConcurrency: 5
        Nightly:
          Type: Schedule
          Properties:
            Schedule: rate(1 day)
";
    assert!(text.contains(expected), "{text}");
    let f = &y["Resources"]["OrdersQueueFunction"];
    assert!(
        f["Properties"]["MemorySize"].is_badvalue(),
        "the code no longer sets it"
    );
    assert_eq!(y["Globals"]["Function"]["Timeout"].as_i64(), Some(3));

    // The hand-written Nightly event is not synced: removing the queue
    // handler's event source keeps it.
    let mut b = batch("orders_queue", Kind::Sqs, Some("OrdersQueue"), Some(10));
    b.description.kind = Kind::Plain;
    let (text, y) = render(&[b], Some(&text));
    let f = &y["Resources"]["OrdersQueueFunction"];
    assert_eq!(keys(&f["Properties"]["Events"]), ["Nightly"]);
    assert!(f["Metadata"]["SyncedEvents"].is_badvalue(), "{text}");
}

#[test]
fn new_resources_go_after_the_last_generated_one() {
    let old = "Resources:
  BFunction:
    Type: AWS::Serverless::Function
    Metadata:
      Tool: lambda-kit
  Table:
    Type: AWS::DynamoDB::Table
";
    let (_, y) = render(&[plain("b"), plain("z"), plain("a")], Some(old));
    assert_eq!(
        keys(&y["Resources"]),
        ["BFunction", "AFunction", "ZFunction", "Table"]
    );
}

#[test]
fn hand_written_resource_with_a_needed_id_is_an_error() {
    let old = "Resources:\n  HelloFunction:\n    Type: AWS::Serverless::Function\n";
    let err = render_text(&[plain("hello")], Some(old))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("HelloFunction") && err.contains("Tool: lambda-kit"),
        "{err}"
    );
}

#[test]
fn binaries_mapping_to_one_id_are_an_error() {
    let err = render_text(&[plain("rds_lookup"), plain("rds-lookup")], None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`rds_lookup`") && err.contains("`rds-lookup`"),
        "{err}"
    );
}

#[test]
fn logical_ids() {
    assert_eq!(function_id("rds_lookup"), "RdsLookupFunction");
    assert_eq!(function_id("hello"), "HelloFunction");
    assert_eq!(function_id("orders_queue"), "OrdersQueueFunction");
    assert_eq!(function_id("api-v2_3d"), "ApiV23dFunction");
}

#[test]
fn environment_values() {
    let mut b = plain("env");
    b.description.environment = vec![
        EnvVar {
            name: "TABLE".into(),
            value: "${OrdersTable}".into(),
        },
        EnvVar {
            name: "FLAG".into(),
            value: "yes".into(),
        },
        EnvVar {
            name: "EMPTY".into(),
            value: String::new(),
        },
    ];
    let (text, y) = render(&[b], None);
    assert!(
        text.contains("          TABLE: !Sub \"${OrdersTable}\"\n"),
        "{text}"
    );
    let vars = &y["Resources"]["EnvFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(vars["FLAG"].as_str(), Some("yes"));
    assert_eq!(vars["EMPTY"].as_str(), Some(""));
}

/// A hand-written SAM template (this repository's before it was generated).
const HANDWRITTEN: &str = include_str!("testdata/handwritten.yaml");

/// With no bootstraps, a template without generated parts comes back byte
/// for byte.
#[test]
fn hand_written_template_is_untouched() {
    let old = HANDWRITTEN.to_owned();
    assert_eq!(render_text(&[], Some(&old)).unwrap(), old);
}

/// Handing a hand-written resource over (`Tool: lambda-kit` added): its
/// Description, comments and hand-written events stay.
#[test]
fn handing_over_a_resource() {
    let old = HANDWRITTEN.replacen(
        "      BuildProperties:\n        Binary: items\n",
        "      Tool: lambda-kit\n      BuildProperties:\n        Binary: items\n",
        1,
    );
    let mut b = items(&[("GET", "/items")]);
    b.description.trigger = None;
    // The template's Globals set Architectures.
    b.description.architecture = None;
    let (text, y) = render(&[b], Some(&old));
    let p = &y["Resources"]["ItemsFunction"]["Properties"];
    assert_eq!(keys(&p["Events"]), ["GetItems", "ItemsRoot", "ItemsProxy"]);
    assert!(p["Description"].as_str().unwrap().starts_with("Items CRUD"));
    // The rest of the file is the same, lines in the same order.
    let before: Vec<&str> = old.lines().collect();
    let kept: Vec<&str> = text.lines().filter(|l| before.contains(l)).collect();
    assert!(kept.len() + 20 >= before.len(), "{text}");
    // The repository's parameters are the user's: none are listed.
    let listed = &y["Metadata"]["LambdaKit"];
    assert!(listed.is_badvalue(), "{text}");
}

#[test]
fn quoted_keys_are_read() {
    let old = "Resources:
  \"HelloFunction\":
    'Type': AWS::Serverless::Function
    \"Metadata\":
      \"Tool\": 'lambda-kit'
      Note: kept
    Properties:
      'Description': hi
";
    let (text, y) = render(&[plain("hello")], Some(old));
    assert!(text.contains("  \"HelloFunction\":\n"), "{text}");
    assert!(text.contains("    \"Metadata\":\n"), "{text}");
    let f = &y["Resources"]["HelloFunction"];
    assert_eq!(f["Metadata"]["Note"].as_str(), Some("kept"));
    assert_eq!(f["Properties"]["Description"].as_str(), Some("hi"));
    assert_eq!(
        keys(&f["Properties"]),
        ["CodeUri", "Handler", "Runtime", "Description"]
    );
}

#[test]
fn last_function_gone_takes_its_sections() {
    let mut db = plain("rds_lookup");
    db.description.database = true;
    let old = "AWSTemplateFormatVersion: \"2010-09-09\"
Metadata:
  AWS::ServerlessRepo::Application:
    Name: mine
";
    let (with, y) = render(&[db], Some(old));
    assert_eq!(
        keys(&y["Metadata"]),
        ["AWS::ServerlessRepo::Application", "LambdaKit"]
    );
    let (after, y) = render(&[], Some(&with));
    assert_eq!(keys(&y), ["AWSTemplateFormatVersion", "Metadata"]);
    assert_eq!(after, old);
}

#[test]
fn empty_or_comment_only_template_gets_the_header() {
    for old in ["", "\n", "# Mine.\n", "---\n", "# Mine.\n---\n\n"] {
        let (text, y) = render(&[plain("hello")], Some(old));
        assert!(text.starts_with(old), "{old:?}: {text}");
        assert_eq!(
            keys(&y),
            [
                "AWSTemplateFormatVersion",
                "Transform",
                "Description",
                "Resources"
            ],
            "{old:?}: {text}"
        );
        assert_eq!(y["Transform"].as_str(), Some("AWS::Serverless-2016-10-31"));
    }
    let err = render_text(&[], Some("just a scalar\n")).unwrap_err();
    assert!(err.to_string().contains("not a block mapping"), "{err}");
}

#[test]
fn document_markers() {
    // A leading `---` is kept.
    let old = format!("---\n{HAND_WRITTEN}");
    let b = batch("orders_queue", Kind::Sqs, Some("OrdersQueue"), None);
    let (text, _) = render(std::slice::from_ref(&b), Some(&old));
    assert!(text.starts_with("---\nAWSTemplateFormatVersion:"), "{text}");
    // A final `...` stays final: nothing is appended after it.
    let old = format!("{HAND_WRITTEN}...\n# after the end\n");
    let (text, y) = render(&[b.clone(), plain("zz")], Some(&old));
    assert!(text.ends_with("...\n# after the end\n"), "{text}");
    assert!(!y["Resources"]["ZzFunction"].is_badvalue(), "{text}");
    let old = "Resources:\n  HelloFunction:\n    Type: AWS::Serverless::Function\n    Metadata:\n      Tool: lambda-kit\n...\n";
    let (text, _) = render(&[plain("hello"), plain("zz")], Some(old));
    assert!(text.ends_with("    Properties:\n      CodeUri: examples/zz\n      Handler: bootstrap\n      Runtime: provided.al2023\n...\n"), "{text}");
    // Several documents are refused.
    for old in [
        format!("{HAND_WRITTEN}---\nResources: {{}}\n"),
        format!("---\n{HAND_WRITTEN}---\n"),
        format!("{HAND_WRITTEN}...\n---\nA: 1\n"),
        "---\n---\n".to_string(),
    ] {
        let err = render_text(std::slice::from_ref(&b), Some(&old)).unwrap_err();
        assert!(err.to_string().contains("several YAML documents"), "{err}");
    }
    let err = render_text(&[], Some("--- {}\n")).unwrap_err();
    assert!(err.to_string().contains("document start"), "{err}");
}

#[test]
fn crlf_line_endings_are_kept() {
    let old = HAND_WRITTEN.replace('\n', "\r\n");
    let mut db = batch("orders_queue", Kind::Sqs, Some("OrdersQueue"), None);
    db.description.database = true;
    let text = render_text(&[db.clone(), plain("zz")], Some(&old)).unwrap();
    assert!(!text.replace("\r\n", "").contains('\n'), "{text:?}");
    assert_eq!(
        render_text(&[db.clone(), plain("zz")], Some(&text)).unwrap(),
        text
    );
    let lf = render_text(&[db, plain("zz")], Some(HAND_WRITTEN)).unwrap();
    assert_eq!(text, lf.replace('\n', "\r\n"));
}

#[test]
fn a_byte_order_mark_is_kept() {
    let old = "\u{feff}Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n";
    let text = render_text(&[plain("hello")], Some(old)).unwrap();
    let without = render_text(&[plain("hello")], Some(&old[3..])).unwrap();
    assert_eq!(text, format!("\u{feff}{without}"));
    assert_eq!(text.matches("Resources:").count(), 1, "{text}");
    assert_eq!(render_text(&[plain("hello")], Some(&text)).unwrap(), text);
}

#[test]
fn output_ends_with_a_newline() {
    let old = HAND_WRITTEN.trim_end_matches('\n');
    let b = batch("orders_queue", Kind::Sqs, Some("OrdersQueue"), None);
    let (text, _) = render(&[b], Some(old));
    assert!(text.ends_with("    Value: !Ref OrdersQueue\n"), "{text}");
}

#[test]
fn inserted_sections_are_separated_by_one_blank_line() {
    let mut db = plain("rds_lookup");
    db.description.database = true;
    let old = "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Table:\n    Type: AWS::DynamoDB::Table\n";
    let (text, y) = render(&[db], Some(old));
    assert!(!text.contains("\n\n\n"), "{text}");
    assert!(text.contains("\n\nParameters:\n"), "{text}");
    assert!(text.contains("\n\nResources:\n"), "{text}");
    assert_eq!(
        keys(&y),
        [
            "AWSTemplateFormatVersion",
            "Metadata",
            "Parameters",
            "Resources"
        ]
    );
}

#[test]
fn flow_style_sections_are_kept_when_nothing_is_written_into_them() {
    let old = "AWSTemplateFormatVersion: \"2010-09-09\"\nMetadata: {Owner: me}\nParameters: {}\nResources:\n  Table:\n    Type: AWS::DynamoDB::Table\n";
    let (text, _) = render(&[plain("hello")], Some(old));
    assert!(
        text.starts_with(&old[..old.find("  Table:").unwrap()]),
        "{text}"
    );
    // Something to write: an error naming the section and the style.
    let mut db = plain("rds_lookup");
    db.description.database = true;
    let err = render_text(&[db.clone()], Some(old))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Parameters is not a block mapping (`Parameters: {}`)"),
        "{err}"
    );
    let old = old.replace("Parameters: {}\n", "");
    let err = render_text(&[db], Some(&old)).unwrap_err().to_string();
    assert!(
        err.contains("Metadata is not a block mapping (`Metadata: {Owner: me}`)"),
        "{err}"
    );
}

#[test]
fn flow_style_resource_metadata_is_named() {
    let old = "Resources:\n  HelloFunction:\n    Type: AWS::Serverless::Function\n    Metadata: {Tool: lambda-kit}\n";
    let err = render_text(&[plain("hello")], Some(old))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("resource HelloFunction") && err.contains("flow style is not supported"),
        "{err}"
    );
    // A generated resource in flow style is not silently kept either.
    let err = render_text(&[], Some(old)).unwrap_err().to_string();
    assert!(err.contains("flow style is not supported"), "{err}");
    // A hand-written one that is not lambda-kit's is fine.
    let old = "Resources:\n  Bucket: {Type: AWS::S3::Bucket, Metadata: {Owner: me}}\n";
    let (text, _) = render(&[plain("hello")], Some(old));
    assert!(text.contains(old), "{text}");
}

#[test]
fn named_apis_and_sources_must_be_resources_of_the_right_type() {
    let web = |trigger, api: &str| {
        bootstrap(
            "web",
            Description {
                handler: "web".into(),
                kind: Kind::Http,
                trigger: Some(trigger),
                api: Some(api.into()),
                ..Description::default()
            },
        )
    };
    let err = |bootstraps: &[Bootstrap]| {
        render_text(bootstraps, Some(REFERENCED))
            .unwrap_err()
            .to_string()
    };
    let e = err(&[web(Trigger::HttpApi, "Missing")]);
    assert!(
        e.contains("binary `web`")
            && e.contains("`Missing` names no resource")
            && e.contains("AWS::Serverless::HttpApi"),
        "{e}"
    );
    let e = err(&[web(Trigger::HttpApi, "MyRest")]);
    assert!(
        e.contains("`MyRest` is a resource of type AWS::Serverless::Api; it needs one of type AWS::Serverless::HttpApi"),
        "{e}"
    );
    let e = err(&[web(Trigger::RestApi, "MyApi")]);
    assert!(e.contains("needs one of type AWS::Serverless::Api"), "{e}");
    let e = err(&[batch("q", Kind::Sqs, Some("NoQueue"), None)]);
    assert!(
        e.contains("binary `q`") && e.contains("its source `NoQueue` names no resource"),
        "{e}"
    );
    // A URL-triggered function's api names nothing it uses.
    render(&[web(Trigger::Url, "Missing")], Some(REFERENCED));
}

#[test]
fn globals_architectures_with_a_coded_architecture_is_an_error() {
    let old = "Globals:\n  Function:\n    Architectures:\n      - x86_64\nResources:\n  T:\n    Type: AWS::SNS::Topic\n";
    let mut b = plain("hello");
    b.description.architecture = Some(Architecture::Arm64);
    let err = render_text(&[b], Some(old)).unwrap_err().to_string();
    assert!(
        err.contains("binary `hello`")
            && err.contains("remove `Architectures` from Globals")
            && err.contains("x86_64"),
        "{err}"
    );
    // Without a coded architecture, Globals decide.
    render(&[plain("hello")], Some(old));
}
