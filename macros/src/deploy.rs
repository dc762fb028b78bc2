//! `deploy(...)` of `#[lambda_handler]` and `router!`: the deployment facts
//! that belong to a function (memory, timeout, architecture, environment,
//! database, its queue or stream, its HTTP trigger). The macro only checks
//! them and hands them to the bootstrap's description, which
//! `lambda-kit template` reads to write the SAM template.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::Parser;
use syn::spanned::Spanned;

use crate::diag::Errors;

/// What kind of function the facts are about, for the rules that depend
/// on it and for the description.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Plain,
    Http,
    Router,
    Sqs,
    Kinesis,
    DynamoDb,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Plain => "plain",
            Kind::Http => "http",
            Kind::Router => "router",
            Kind::Sqs => "sqs",
            Kind::Kinesis => "kinesis",
            Kind::DynamoDb => "dynamodb",
        }
    }

    fn is_http(self) -> bool {
        matches!(self, Kind::Http | Kind::Router)
    }

    fn is_batch(self) -> bool {
        matches!(self, Kind::Sqs | Kind::Kinesis | Kind::DynamoDb)
    }
}

/// `deploy(...)` as written.
#[derive(Default)]
pub(crate) struct Deploy {
    memory: Option<syn::LitInt>,
    timeout: Option<syn::LitInt>,
    architecture: Option<syn::LitStr>,
    env: Vec<(syn::Ident, syn::LitStr)>,
    database: Option<Span>,
    queue: Option<syn::LitStr>,
    stream: Option<syn::LitStr>,
    batch_size: Option<syn::LitInt>,
    trigger: Option<syn::LitStr>,
    api: Option<syn::LitStr>,
}

const KEYS: &str = "`memory = 512`, `timeout = 30`, `architecture = \"arm64\"`, \
                    `env(NAME = \"value\")`, `database`, `queue = \"OrdersQueue\"`, \
                    `stream = \"OrdersStream\"`, `batch_size = 10`, `trigger = \"url\"` and \
                    `api = \"MyHttpApi\"`";

const TRIGGERS: [&str; 5] = ["http_api", "rest_api", "url", "public_url", "none"];

/// Variables Lambda sets itself and refuses in a function's configuration
/// (its list of reserved variables; `TZ`, `AWS_LAMBDA_EXEC_WRAPPER` and the
/// SDKs' `AWS_*` settings may be set).
fn reserved(name: &str) -> bool {
    matches!(
        name,
        "_HANDLER"
            | "_X_AMZN_TRACE_ID"
            | "AWS_REGION"
            | "AWS_DEFAULT_REGION"
            | "AWS_EXECUTION_ENV"
            | "AWS_LAMBDA_INITIALIZATION_TYPE"
            | "AWS_LAMBDA_LOG_GROUP_NAME"
            | "AWS_LAMBDA_LOG_STREAM_NAME"
            | "AWS_ACCESS_KEY"
            | "AWS_ACCESS_KEY_ID"
            | "AWS_SECRET_ACCESS_KEY"
            | "AWS_SESSION_TOKEN"
            | "AWS_LAMBDA_RUNTIME_API"
            | "LAMBDA_TASK_ROOT"
            | "LAMBDA_RUNTIME_DIR"
    ) || name.starts_with("AWS_LAMBDA_FUNCTION_")
}

/// Lambda's rule for a variable's name: a letter, then at least one
/// letter, digit or `_`, all ASCII.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A queue or stream: a logical id of the template (letters and digits),
/// an ARN, or a `${...}` substitution.
fn valid_source(value: &str) -> bool {
    value.starts_with("arn:")
        || value.contains("${")
        || (!value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The variables `database` sets (the `lambda_kit::rds` configuration).
const DATABASE_VARS: [&str; 5] = [
    "RDS_HOSTNAME",
    "RDS_PORT",
    "RDS_DB_NAME",
    "RDS_USERNAME",
    "RDS_PASSWORD",
];

impl Deploy {
    /// Reads the inside of `deploy(...)`. What can be read is kept, every
    /// problem is added to `errors`.
    pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Deploy {
        let mut deploy = Deploy::default();
        let mut found = Errors::default();
        let parser = syn::meta::parser(|meta| deploy.argument(&meta, &mut found));
        if let Err(error) = parser.parse2(tokens) {
            found.add(error);
        }
        if let Some(error) = found.into_error() {
            errors.add(error);
        }
        deploy
    }

    fn argument(
        &mut self,
        meta: &syn::meta::ParseNestedMeta<'_>,
        errors: &mut Errors,
    ) -> syn::Result<()> {
        let path = &meta.path;
        let twice = |errors: &mut Errors, name: &str| {
            errors.add(meta.error(format!("`{name}` is given twice: write it once")));
        };
        if path.is_ident("database") {
            if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
                let rest = if meta.input.peek(syn::Token![=]) {
                    let eq: syn::Token![=] = meta.input.parse()?;
                    let value: syn::Expr = meta.input.parse()?;
                    quote!(#eq #value)
                } else {
                    let group: proc_macro2::TokenTree = meta.input.parse()?;
                    quote!(#group)
                };
                errors.over(
                    rest,
                    "`database` takes no value: write `deploy(database)`; the connection comes \
                     from the template's Database* parameters",
                );
            }
            if self.database.replace(path.span()).is_some() {
                twice(errors, "database");
            }
        } else if path.is_ident("env") {
            if !meta.input.peek(syn::token::Paren) {
                errors.add(meta.error(
                    "`env` lists variables: write `env(STAGE = \"prod\", TABLE = \"${OrdersTable}\")`",
                ));
                return skip(meta);
            }
            meta.parse_nested_meta(|var| {
                let Some(name) = var.path.get_ident().cloned() else {
                    errors.over(
                        &var.path,
                        "a variable's name is one identifier, e.g. `STAGE`",
                    );
                    return skip(&var);
                };
                if let Some(value) = string(&var, &name.to_string(), "\"prod\"", errors)? {
                    self.env.push((name, value));
                }
                Ok(())
            })?;
        } else if let Some((name, slot, example)) = [
            ("memory", &mut self.memory, "512"),
            ("timeout", &mut self.timeout, "30"),
            ("batch_size", &mut self.batch_size, "10"),
        ]
        .into_iter()
        .find(|(name, _, _)| path.is_ident(name))
        {
            if slot.is_some() {
                twice(errors, name);
                return skip(meta);
            }
            *slot = integer(meta, name, example, errors)?;
        } else if let Some((name, slot, example)) = [
            ("architecture", &mut self.architecture, "\"arm64\""),
            ("queue", &mut self.queue, "\"OrdersQueue\""),
            ("stream", &mut self.stream, "\"OrdersStream\""),
            ("trigger", &mut self.trigger, "\"url\""),
            ("api", &mut self.api, "\"MyHttpApi\""),
        ]
        .into_iter()
        .find(|(name, _, _)| path.is_ident(name))
        {
            if slot.is_some() {
                twice(errors, name);
                return skip(meta);
            }
            *slot = string(meta, name, example, errors)?;
        } else {
            let name = crate::diag::argument_name(path, "this argument");
            errors.add(meta.error(format!(
                "unknown deployment fact {name}: `deploy(...)` accepts {KEYS}"
            )));
            return skip(meta);
        }
        Ok(())
    }

    /// Every rule: ranges, known values, and facts that fit the kind.
    pub(crate) fn check(&self, kind: Kind, errors: &mut Errors) {
        if let Some(memory) = &self.memory {
            in_range(
                memory,
                128..=10240,
                "`memory` is in MB, 128 to 10240",
                errors,
            );
        }
        if let Some(timeout) = &self.timeout {
            in_range(
                timeout,
                1..=900,
                "`timeout` is in seconds, 1 to 900",
                errors,
            );
        }
        if let Some(architecture) = &self.architecture {
            if !matches!(architecture.value().as_str(), "x86_64" | "arm64") {
                errors.over(
                    architecture,
                    "Lambda runs `architecture = \"x86_64\"` or `architecture = \"arm64\"`",
                );
            }
        }
        for (index, (name, value)) in self.env.iter().enumerate() {
            let text = name.to_string();
            if !valid_name(&text) {
                errors.over(
                    name,
                    format!("`{text}` is not a name Lambda takes: a letter, then letters, digits or `_` (ASCII), at least two characters"),
                );
            } else if reserved(&text) {
                errors.over(
                    name,
                    format!("`{text}` is set by Lambda itself and cannot be configured; choose another name"),
                );
            } else if self.database.is_some() && DATABASE_VARS.contains(&text.as_str()) {
                errors.over(
                    name,
                    format!("`{text}` is set by `database` from the template's parameters; remove it here"),
                );
            }
            if self.env[..index]
                .iter()
                .any(|(earlier, _)| *earlier == *name)
            {
                errors.over(name, format!("`{text}` is given twice: write it once"));
            }
            if value.value().contains('\0') {
                errors.over(value, "a variable's value cannot contain NUL");
            }
        }
        let source = match kind {
            Kind::Sqs => Some(("queue", &self.queue, &self.stream)),
            Kind::Kinesis | Kind::DynamoDb => Some(("stream", &self.stream, &self.queue)),
            _ => None,
        };
        match source {
            Some((right, given, misplaced)) => {
                if let Some(misplaced) = misplaced {
                    errors.over(
                        misplaced,
                        format!(
                            "a `{}` handler reads a {right}: write `{right} = {}`",
                            kind.name(),
                            quote!(#misplaced)
                        ),
                    );
                }
                if let Some(given) = given {
                    if !valid_source(&given.value()) {
                        errors.over(
                            given,
                            format!("`{right}` is the logical id of a resource of template.yaml (letters and digits, e.g. `{right} = \"Orders\"`), an ARN, or a `${{...}}` substitution; leave it out to get a template parameter"),
                        );
                    }
                }
            }
            None => {
                for (name, given) in [("queue", &self.queue), ("stream", &self.stream)] {
                    if let Some(given) = given {
                        errors.over(
                            given,
                            format!(
                                "`{name}` is the source of a batch handler: use it with \
                                 `#[lambda_handler(sqs)]` (queue), `kinesis` or `dynamodb` (stream)"
                            ),
                        );
                    }
                }
            }
        }
        if let Some(size) = &self.batch_size {
            if kind == Kind::Sqs {
                // More needs a batching window, which the generated event
                // does not set.
                in_range(
                    size,
                    1..=10,
                    "`batch_size` of an SQS queue is 1 to 10 records",
                    errors,
                );
            } else if kind.is_batch() {
                in_range(
                    size,
                    1..=10000,
                    "`batch_size` of a stream is 1 to 10000 records",
                    errors,
                );
            } else {
                errors.over(
                    size,
                    "`batch_size` is for batch handlers: `#[lambda_handler(sqs)]`, `kinesis` or `dynamodb`",
                );
            }
        }
        let http_only = "is for HTTP functions: `#[lambda_handler(http)]` or `router!`";
        if let Some(trigger) = &self.trigger {
            let value = trigger.value();
            if !kind.is_http() {
                errors.over(trigger, format!("`trigger` {http_only}"));
            } else if !TRIGGERS.contains(&value.as_str()) {
                errors.over(
                    trigger,
                    "`trigger` is \"http_api\" (the default), \"rest_api\", \"url\" (a Function URL \
                     with IAM auth), \"public_url\" (a Function URL anyone may call) or \"none\"",
                );
            }
        }
        if let Some(api) = &self.api {
            let value = api.value();
            if !kind.is_http() {
                errors.over(api, format!("`api` {http_only}"));
            } else if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
                errors.over(
                    api,
                    "`api` is the logical id of an API resource in template.yaml, letters and digits, e.g. `api = \"ItemsHttpApi\"`",
                );
            } else if let Some(trigger) = self
                .trigger
                .as_ref()
                .filter(|t| !matches!(t.value().as_str(), "http_api" | "rest_api"))
            {
                errors.over(
                    api,
                    format!(
                        "`api` attaches routes to an API; `trigger = {}` has none: remove one of them",
                        quote!(#trigger)
                    ),
                );
            }
        }
    }

    /// The statement that starts a generated `main`: the description
    /// `lambda-kit template` asks for. `routes` is an expression of type
    /// `&[(&str, &str)]`.
    pub(crate) fn describe(
        deploy: Option<&Deploy>,
        krate: &syn::Path,
        handler: &str,
        kind: Kind,
        routes: Option<TokenStream>,
    ) -> TokenStream {
        let kind_name = kind.name();
        let mut fields = Vec::new();
        if let Some(routes) = routes {
            fields.push(quote!(routes: #routes,));
        }
        if let Some(deploy) = deploy {
            let some_int = |value: &Option<syn::LitInt>| {
                value.as_ref().map(|v| {
                    let v = v.base10_parse::<u32>().unwrap_or_default();
                    quote!(::core::option::Option::Some(#v))
                })
            };
            let some_str = |value: &Option<syn::LitStr>| {
                value
                    .as_ref()
                    .map(|v| quote!(::core::option::Option::Some(#v)))
            };
            for (name, value) in [
                ("memory", some_int(&deploy.memory)),
                ("timeout", some_int(&deploy.timeout)),
                ("batch_size", some_int(&deploy.batch_size)),
                ("architecture", some_str(&deploy.architecture)),
                (
                    "source",
                    some_str(if deploy.queue.is_some() {
                        &deploy.queue
                    } else {
                        &deploy.stream
                    }),
                ),
                ("trigger", some_str(&deploy.trigger)),
                ("api", some_str(&deploy.api)),
            ] {
                if let Some(value) = value {
                    let name = syn::Ident::new(name, Span::call_site());
                    fields.push(quote!(#name: #value,));
                }
            }
            if !deploy.env.is_empty() {
                let vars = deploy.env.iter().map(|(name, value)| {
                    let name = name.to_string();
                    quote!((#name, #value))
                });
                fields.push(quote!(environment: &[#(#vars),*],));
            }
            if deploy.database.is_some() {
                fields.push(quote!(database: true,));
            }
        }
        let description = quote!(#krate::__private::Description);
        if fields.is_empty() {
            return quote!(#krate::__private::describe(&#description::of(#handler, #kind_name)););
        }
        quote! {
            #krate::__private::describe(&#description {
                #(#fields)*
                ..#description::of(#handler, #kind_name)
            });
        }
    }
}

fn skip(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: syn::Token![=] = meta.input.parse()?;
        let _: syn::Expr = meta.input.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _: proc_macro2::TokenTree = meta.input.parse()?;
    }
    Ok(())
}

/// `name = 123`, or the error saying what to write.
fn integer(
    meta: &syn::meta::ParseNestedMeta<'_>,
    name: &str,
    example: &str,
    errors: &mut Errors,
) -> syn::Result<Option<syn::LitInt>> {
    if !meta.input.peek(syn::Token![=]) {
        errors.add(meta.error(format!(
            "`{name}` needs a value: write `{name} = {example}`"
        )));
        skip(meta)?;
        return Ok(None);
    }
    match meta.value()?.parse::<syn::Expr>()? {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(value),
            ..
        }) if value.base10_parse::<u32>().is_ok() && value.suffix().is_empty() => Ok(Some(value)),
        other => {
            errors.over(
                other,
                format!("`{name}` takes a whole number: write `{name} = {example}`"),
            );
            Ok(None)
        }
    }
}

/// `name = "text"`, or the error saying what to write.
fn string(
    meta: &syn::meta::ParseNestedMeta<'_>,
    name: &str,
    example: &str,
    errors: &mut Errors,
) -> syn::Result<Option<syn::LitStr>> {
    if !meta.input.peek(syn::Token![=]) {
        errors.add(meta.error(format!(
            "`{name}` needs a value: write `{name} = {example}`"
        )));
        skip(meta)?;
        return Ok(None);
    }
    match meta.value()?.parse::<syn::Expr>()? {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(value),
            ..
        }) => Ok(Some(value)),
        other => {
            errors.over(
                other,
                format!("`{name}` takes a string: write `{name} = {example}`"),
            );
            Ok(None)
        }
    }
}

fn in_range(
    value: &syn::LitInt,
    range: std::ops::RangeInclusive<u32>,
    rule: &str,
    errors: &mut Errors,
) {
    match value.base10_parse::<u32>() {
        Ok(number) if range.contains(&number) => {}
        _ => errors.over(value, format!("{rule}: write a number in that range")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_refuses_only_its_reserved_names_and_malformed_ones() {
        for name in [
            "AWS_REGION",
            "_HANDLER",
            "AWS_LAMBDA_FUNCTION_NAME",
            "LAMBDA_TASK_ROOT",
        ] {
            assert!(reserved(name), "{name}");
        }
        for name in ["TZ", "AWS_LAMBDA_EXEC_WRAPPER", "AWS_MAX_ATTEMPTS", "STAGE"] {
            assert!(!reserved(name), "{name}");
            assert!(valid_name(name), "{name}");
        }
        for name in ["A", "1X", "_X", "ÉTAGE", ""] {
            assert!(!valid_name(name), "{name}");
        }
    }

    #[test]
    fn sources_are_logical_ids_arns_or_substitutions() {
        for value in [
            "OrdersQueue",
            "arn:aws:sqs:eu-west-1:123456789012:orders",
            "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:orders",
            "${OrdersQueue.Arn}",
        ] {
            assert!(valid_source(value), "{value}");
        }
        for value in ["", "orders-queue", "Orders Queue"] {
            assert!(!valid_source(value), "{value}");
        }
    }
}
