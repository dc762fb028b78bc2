//! What the user wrote, as a small AST: the attribute's arguments and each
//! parameter sorted into the role it plays (by the shared `crate::params`).

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType, Type};

use crate::diag::Errors;
use crate::params::Param;
use crate::types::is_named;

/// `#[lambda_handler(...)]` arguments.
#[derive(Default)]
pub(crate) struct Args {
    /// `init = setup` (a function path or a closure): runs once per cold
    /// start and builds the state.
    pub init: Option<syn::Expr>,
    /// `shutdown = teardown` (a function path or a closure): runs on
    /// SIGTERM/SIGINT after the invocation in flight, given the init state.
    pub shutdown: Option<syn::Expr>,
    /// `http`: an HTTP handler taking extractors.
    pub http: Option<proc_macro2::Span>,
    /// `sqs`, `kinesis` or `dynamodb`: a handler of one record of a batch.
    pub source: Option<(BatchSource, proc_macro2::Span)>,
    /// `crate = "path"`: where lambda-kit is, for crates re-exporting it.
    pub krate: Option<syn::Path>,
    /// `concurrent`: a handler that cannot serve invocations concurrently
    /// is a compile error instead of a sequential bootstrap.
    pub concurrent: Option<proc_macro2::Span>,
    /// `idempotent`: the handler runs once per delivery key, keyed the
    /// default way for its kind.
    pub idempotent: Option<proc_macro2::Span>,
    /// `idempotency_key = "order.id"`: idempotent, keyed by that path.
    pub idempotency_key: Option<syn::LitStr>,
    /// `idempotency_key = order_key`: idempotent, keyed by what that
    /// function returns for the event.
    pub idempotency_key_fn: Option<syn::Expr>,
    /// `idempotency_payload = "order"`: a repeat must carry the same value
    /// there.
    pub idempotency_payload: Option<syn::LitStr>,
    /// `idempotency_table = "name"`: where the records are kept.
    pub idempotency_table: Option<syn::LitStr>,
    /// `deploy(...)`: the facts `lambda-kit template` writes into the
    /// SAM template.
    pub deploy: Option<crate::deploy::Deploy>,
}

/// What the handler is keyed by, when it is idempotent.
pub(crate) enum Idempotency<'a> {
    /// `idempotent`: the kind's default key.
    Default(proc_macro2::Span),
    /// `idempotency_key = "..."`.
    Path(&'a syn::LitStr),
    /// `idempotency_key = order_key`.
    Function(&'a syn::Expr),
}

impl Args {
    /// Whether, and how, the handler is idempotent.
    pub(crate) fn idempotency(&self) -> Option<Idempotency<'_>> {
        match (
            &self.idempotency_key,
            &self.idempotency_key_fn,
            self.idempotent,
        ) {
            (Some(path), _, _) => Some(Idempotency::Path(path)),
            (None, Some(function), _) => Some(Idempotency::Function(function)),
            (None, None, Some(span)) => Some(Idempotency::Default(span)),
            (None, None, None) => None,
        }
    }

    /// The kind of function, as `deploy(...)` and the description see it.
    pub(crate) fn kind(&self) -> crate::deploy::Kind {
        use crate::deploy::Kind;
        match (self.http, self.source) {
            (Some(_), _) => Kind::Http,
            (None, Some((BatchSource::Sqs, _))) => Kind::Sqs,
            (None, Some((BatchSource::Kinesis, _))) => Kind::Kinesis,
            (None, Some((BatchSource::DynamoDb, _))) => Kind::DynamoDb,
            (None, None) => Kind::Plain,
        }
    }

    /// The first statement of the generated `main`: the description
    /// `lambda-kit template` asks for.
    pub(crate) fn describe(&self, handler: &syn::Ident) -> TokenStream {
        crate::deploy::Deploy::describe(
            self.deploy.as_ref(),
            &self.krate(),
            &handler.to_string(),
            self.kind(),
            None,
        )
    }

    /// The path the generated code names lambda-kit by.
    pub(crate) fn krate(&self) -> syn::Path {
        self.krate
            .clone()
            .unwrap_or_else(crate::crate_path::default)
    }
}

/// The batch sources `#[lambda_handler(...)]` names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BatchSource {
    Sqs,
    Kinesis,
    DynamoDb,
}

impl BatchSource {
    pub(crate) const ALL: [BatchSource; 3] = [
        BatchSource::Sqs,
        BatchSource::Kinesis,
        BatchSource::DynamoDb,
    ];

    /// The argument that names it.
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            BatchSource::Sqs => "sqs",
            BatchSource::Kinesis => "kinesis",
            BatchSource::DynamoDb => "dynamodb",
        }
    }

    /// The runtime's type for it, in `__private::events`.
    pub(crate) fn type_name(self) -> &'static str {
        match self {
            BatchSource::Sqs => "Sqs",
            BatchSource::Kinesis => "Kinesis",
            BatchSource::DynamoDb => "DynamoDb",
        }
    }

    /// The source whose record type is named `name`, if any.
    pub(crate) fn owning_record(name: &str) -> Option<BatchSource> {
        Self::ALL
            .into_iter()
            .find(|source| source.record_types().contains(&name))
    }

    /// What of a record the event parameter is decoded from.
    pub(crate) fn payload(self) -> &'static str {
        match self {
            BatchSource::Sqs => "body",
            BatchSource::Kinesis => "data",
            BatchSource::DynamoDb => "change (`Change<T>`)",
        }
    }

    /// The whole batch event's type in `lambda_kit::events`' terms.
    pub(crate) fn batch_event(self) -> &'static str {
        match self {
            BatchSource::Sqs => "lambda_kit::events::SqsEvent",
            BatchSource::Kinesis => "lambda_kit::events::KinesisEvent",
            BatchSource::DynamoDb => "lambda_kit::events::DynamoDbEvent",
        }
    }

    /// The record type of its metadata parameter, as `lambda_kit::events`
    /// exports it.
    pub(crate) fn record_types(self) -> &'static [&'static str] {
        match self {
            BatchSource::Sqs => &["SqsMessage"],
            BatchSource::Kinesis => &["KinesisEventRecord"],
            BatchSource::DynamoDb => &["DynamoDbRecord"],
        }
    }
}

/// How the handler's return value becomes the invocation's outcome.
pub(crate) enum Output<'a> {
    /// `-> T` (or nothing): always a success.
    Plain(Option<&'a Type>),
    /// `-> Result<T, E>` under any path or alias ending in `Result`.
    Fallible(&'a Type),
}

pub(crate) struct Handler<'a> {
    pub function: &'a ItemFn,
    pub args: Args,
    /// The attribute's own errors; the signature is still checked so every
    /// problem is reported in one compile.
    pub args_error: Option<syn::Error>,
    pub params: Vec<Param<'a>>,
    pub output: Output<'a>,
}

pub(crate) fn parse(args: TokenStream, function: &ItemFn) -> Handler<'_> {
    let (args, args_error) = parse_args(args);
    let params = crate::params::params(&function.sig);
    let output = match &function.sig.output {
        ReturnType::Default => Output::Plain(None),
        ReturnType::Type(_, ty) if is_named(ty, "Result") => Output::Fallible(ty),
        ReturnType::Type(_, ty) => Output::Plain(Some(ty)),
    };
    Handler {
        function,
        args,
        args_error,
        params,
        output,
    }
}

/// The arguments, and every problem with them: what could be read is kept
/// (notably `http`), so the signature is still checked against the right
/// rules and one compile reports everything.
fn parse_args(tokens: TokenStream) -> (Args, Option<syn::Error>) {
    let mut args = Args::default();
    let mut errors = Errors::default();
    let mut add = |error: syn::Error| errors.add(error);
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("http") {
            flag(&meta, &mut args.http, &mut add, "")
        } else if let Some(source) = BatchSource::ALL
            .into_iter()
            .find(|source| meta.path.is_ident(source.keyword()))
        {
            let keyword = source.keyword();
            if let Some(value) = skip_value(&meta)? {
                add(syn::Error::new_spanned(
                    value,
                    format!("`{keyword}` takes no value: write `#[lambda_handler({keyword})]`"),
                ));
            }
            match args.source {
                Some((first, _)) if first == source => add(meta.error(format!(
                    "`{keyword}` is given twice: write it once, `#[lambda_handler({keyword})]`"
                ))),
                Some((first, _)) => add(meta.error(format!(
                    "a handler takes records of one source: `{}` is already given; \
                     write one function per source",
                    first.keyword()
                ))),
                None => args.source = Some((source, meta.path.span())),
            }
            Ok(())
        } else if meta.path.is_ident("concurrent") {
            flag(&meta, &mut args.concurrent, &mut add, "")
        } else if meta.path.is_ident("idempotent") {
            flag(
                &meta,
                &mut args.idempotent,
                &mut add,
                ", or `idempotency_key = \"order.id\"` to key by a field",
            )
        } else if meta.path.is_ident("idempotency_key") {
            key_value(&meta, &mut args, &mut add)
        } else if let Some((name, slot, example)) = [
            (
                "idempotency_payload",
                &mut args.idempotency_payload,
                "\"order\"",
            ),
            (
                "idempotency_table",
                &mut args.idempotency_table,
                "\"charge_idempotency\"",
            ),
        ]
        .into_iter()
        .find(|(name, _, _)| meta.path.is_ident(name))
        {
            string_value(&meta, slot, &mut add, name, example)
        } else if meta.path.is_ident("init") {
            function_value(
                &meta,
                &mut args.init,
                &mut add,
                "`init` is given twice: a handler has one init function",
                "`init` needs a function: write `init = setup`",
                "`init` takes a function, not a literal: write `init = setup` where `fn setup() -> State`",
            )
        } else if meta.path.is_ident("shutdown") {
            function_value(
                &meta,
                &mut args.shutdown,
                &mut add,
                "`shutdown` is given twice: a handler has one shutdown hook",
                "`shutdown` needs a function: write `shutdown = teardown`",
                "`shutdown` takes a function, not a literal: write `shutdown = teardown` where \
                 `fn teardown(state: &State)` (or `fn teardown()` without `init`)",
            )
        } else if meta.path.is_ident("deploy") {
            if !meta.input.peek(syn::token::Paren) {
                add(meta.error(
                    "`deploy` lists deployment facts: write e.g. `deploy(memory = 512, timeout = 30)`",
                ));
                skip_value(&meta)?;
                return Ok(());
            }
            let content;
            syn::parenthesized!(content in meta.input);
            let tokens: TokenStream = content.parse()?;
            let mut found = Errors::default();
            let deploy = crate::deploy::Deploy::parse(tokens, &mut found);
            if let Some(error) = found.into_error() {
                add(error);
            }
            if args.deploy.replace(deploy).is_some() {
                add(meta.error("`deploy` is given twice: write all the facts in one `deploy(...)`"));
            }
            Ok(())
        } else if meta.path.is_ident("crate") {
            if args.krate.is_some() {
                add(meta.error(
                    "`crate` is given twice: write it once, `crate = \"my_reexport::lambda_kit\"`",
                ));
            }
            match crate::crate_path::value(meta.value()?) {
                Ok(path) => args.krate = Some(path),
                Err(error) => add(error),
            }
            Ok(())
        } else {
            let name = crate::diag::argument_name(&meta.path, "this argument");
            add(meta.error(format!(
                "unknown argument {name}: #[lambda_handler] accepts `init = setup_fn`, `shutdown = teardown_fn`, `http`, `sqs`, `kinesis`, `dynamodb`, `concurrent`, `idempotent`, `idempotency_key = \"path\"`, `idempotency_payload = \"path\"`, `idempotency_table = \"name\"`, `deploy(...)` and `crate = \"path\"`"
            )));
            skip_value(&meta)?;
            Ok(())
        }
    });
    if let Err(error) = parser.parse2(tokens) {
        add(error);
    }
    (args, errors.into_error())
}

/// Reads `name = function` into `slot`, reporting a repeat, a missing
/// value or a literal with the given messages.
fn function_value(
    meta: &syn::meta::ParseNestedMeta<'_>,
    slot: &mut Option<syn::Expr>,
    add: &mut impl FnMut(syn::Error),
    twice: &str,
    missing: &str,
    literal: &str,
) -> syn::Result<()> {
    if slot.is_some() {
        add(meta.error(twice));
        skip_value(meta)?;
        return Ok(());
    }
    if meta.input.is_empty() || meta.input.peek(syn::Token![,]) {
        add(meta.error(missing));
        return Ok(());
    }
    let value = meta.value()?;
    if value.peek(syn::Lit) {
        let lit: syn::Lit = value.parse()?;
        add(syn::Error::new(lit.span(), literal));
        return Ok(());
    }
    *slot = Some(value.parse()?);
    Ok(())
}

/// Reads a flag (`http`, `concurrent`, `idempotent`) into `slot`: its
/// span, or a repeat or a value reported; `hint` ends the latter's message.
fn flag(
    meta: &syn::meta::ParseNestedMeta<'_>,
    slot: &mut Option<proc_macro2::Span>,
    add: &mut impl FnMut(syn::Error),
    hint: &str,
) -> syn::Result<()> {
    let name = crate::diag::argument_name(&meta.path, "this argument");
    let written = name.trim_matches('`');
    if slot.is_some() {
        add(meta.error(format!(
            "{name} is given twice: write it once, `#[lambda_handler({written})]`"
        )));
    }
    if let Some(value) = skip_value(meta)? {
        add(syn::Error::new_spanned(
            value,
            format!("{name} takes no value: write `#[lambda_handler({written})]`{hint}"),
        ));
    }
    slot.get_or_insert(meta.path.span());
    Ok(())
}

/// Reads `idempotency_key`: a path as a string, or a function of the event.
fn key_value(
    meta: &syn::meta::ParseNestedMeta<'_>,
    args: &mut Args,
    add: &mut impl FnMut(syn::Error),
) -> syn::Result<()> {
    const FORMS: &str = "write a path into the event, `idempotency_key = \"order.id\"`, or a \
                         function of it, `idempotency_key = order_key` where \
                         `fn order_key(event: &Event) -> impl Serialize`";
    if args.idempotency_key.is_some() || args.idempotency_key_fn.is_some() {
        add(meta.error("`idempotency_key` is given twice: write it once"));
        skip_value(meta)?;
        return Ok(());
    }
    if meta.input.is_empty() || meta.input.peek(syn::Token![,]) {
        add(meta.error(format!("`idempotency_key` needs a value: {FORMS}")));
        return Ok(());
    }
    match meta.value()?.parse::<syn::Expr>()? {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(path),
            ..
        }) => args.idempotency_key = Some(path),
        function @ (syn::Expr::Path(_) | syn::Expr::Closure(_)) => {
            args.idempotency_key_fn = Some(function);
        }
        other => add(syn::Error::new_spanned(
            other,
            format!("`idempotency_key` takes a path or a function: {FORMS}"),
        )),
    }
    Ok(())
}

/// Reads `name = "text"` into `slot`, reporting a repeat or a value that
/// is not a string literal.
fn string_value(
    meta: &syn::meta::ParseNestedMeta<'_>,
    slot: &mut Option<syn::LitStr>,
    add: &mut impl FnMut(syn::Error),
    name: &str,
    example: &str,
) -> syn::Result<()> {
    if slot.is_some() {
        add(meta.error(format!("`{name}` is given twice: write it once")));
        skip_value(meta)?;
        return Ok(());
    }
    if meta.input.is_empty() || meta.input.peek(syn::Token![,]) {
        add(meta.error(format!(
            "`{name}` needs a value: write `{name} = {example}`"
        )));
        return Ok(());
    }
    let value = meta.value()?;
    let expr: syn::Expr = value.parse()?;
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(text),
            ..
        }) => *slot = Some(text),
        other => add(syn::Error::new_spanned(
            other,
            format!("`{name}` takes a string: write `{name} = {example}`"),
        )),
    }
    Ok(())
}

/// Skips an argument's `= value` or `(...)`, so later arguments are still
/// read; returns what was skipped.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Option<TokenStream>> {
    if meta.input.peek(syn::Token![=]) {
        let eq: syn::Token![=] = meta.input.parse()?;
        let value: syn::Expr = meta.input.parse()?;
        Ok(Some(quote::quote!(#eq #value)))
    } else if meta.input.peek(syn::token::Paren) {
        let group: proc_macro2::TokenTree = meta.input.parse()?;
        Ok(Some(group.into_token_stream()))
    } else {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_args;
    use quote::quote;

    fn messages(error: Option<syn::Error>) -> Vec<String> {
        error.into_iter().flatten().map(|e| e.to_string()).collect()
    }

    #[test]
    fn reads_http_and_init_in_any_order() {
        let (args, error) = parse_args(quote!(http, init = setup));
        assert!(error.is_none());
        assert!(args.http.is_some() && args.init.is_some());
        let (args, error) = parse_args(quote!(init = || 42, http));
        assert!(error.is_none());
        assert!(args.http.is_some() && args.init.is_some());
    }

    #[test]
    fn a_wrong_argument_keeps_the_others() {
        // `http` still applies, so the signature is checked as an HTTP handler.
        let (args, error) = parse_args(quote!(http = 1, init = setup));
        assert!(args.http.is_some() && args.init.is_some());
        assert_eq!(
            messages(error),
            ["`http` takes no value: write `#[lambda_handler(http)]`"]
        );

        let (args, error) = parse_args(quote!(http, http));
        assert!(args.http.is_some());
        assert_eq!(
            messages(error),
            ["`http` is given twice: write it once, `#[lambda_handler(http)]`"]
        );

        let (args, error) = parse_args(quote!(timeout = 3, http, name(x = 1)));
        assert!(args.http.is_some());
        assert_eq!(
            messages(error),
            [
                "unknown argument `timeout`: #[lambda_handler] accepts `init = setup_fn`, `shutdown = teardown_fn`, `http`, `sqs`, `kinesis`, `dynamodb`, `concurrent`, `idempotent`, `idempotency_key = \"path\"`, `idempotency_payload = \"path\"`, `idempotency_table = \"name\"`, `deploy(...)` and `crate = \"path\"`",
                "unknown argument `name`: #[lambda_handler] accepts `init = setup_fn`, `shutdown = teardown_fn`, `http`, `sqs`, `kinesis`, `dynamodb`, `concurrent`, `idempotent`, `idempotency_key = \"path\"`, `idempotency_payload = \"path\"`, `idempotency_table = \"name\"`, `deploy(...)` and `crate = \"path\"`",
            ]
        );
    }

    #[test]
    fn crate_is_a_path_in_a_string() {
        let (args, error) = parse_args(quote!(crate = "my_reexport::lambda_kit", http));
        assert!(error.is_none() && args.http.is_some());
        let krate = args.krate.unwrap();
        assert_eq!(quote!(#krate).to_string(), "my_reexport :: lambda_kit");
        let (args, error) = parse_args(quote!(crate = my_reexport::lambda_kit, init = setup));
        assert!(args.krate.is_none() && args.init.is_some());
        assert!(messages(error)[0].starts_with("`crate` takes a string: write the path"));
        let (_, error) = parse_args(quote!(crate = "not a path"));
        assert!(messages(error)[0].starts_with("`not a path` is not a path"));
    }

    #[test]
    fn init_needs_a_function() {
        let (args, error) = parse_args(quote!(init = "setup"));
        assert!(args.init.is_none());
        assert_eq!(
            messages(error),
            ["`init` takes a function, not a literal: write `init = setup` where `fn setup() -> State`"]
        );
        let (_, error) = parse_args(quote!(init));
        assert_eq!(
            messages(error),
            ["`init` needs a function: write `init = setup`"]
        );
    }

    #[test]
    fn idempotency_arguments_are_strings() {
        let (args, error) = parse_args(quote!(
            idempotency_key = "order.id",
            idempotency_payload = "order",
            idempotency_table = "t"
        ));
        assert!(error.is_none());
        assert_eq!(args.idempotency_key.unwrap().value(), "order.id");
        assert_eq!(args.idempotency_payload.unwrap().value(), "order");
        assert_eq!(args.idempotency_table.unwrap().value(), "t");
        let (args, error) = parse_args(quote!(idempotency_key = order_key, idempotent));
        assert!(error.is_none() && args.idempotent.is_some());
        assert!(args.idempotency_key.is_none() && args.idempotency_key_fn.is_some());
        let (args, error) = parse_args(quote!(idempotency_key = order.id));
        assert!(args.idempotency_key.is_none() && args.idempotency_key_fn.is_none());
        assert!(messages(error)[0].starts_with("`idempotency_key` takes a path or a function"));
        let (_, error) = parse_args(quote!(idempotency_table, idempotent = true));
        assert_eq!(
            messages(error),
            [
                "`idempotency_table` needs a value: write `idempotency_table = \"charge_idempotency\"`",
                "`idempotent` takes no value: write `#[lambda_handler(idempotent)]`, or `idempotency_key = \"order.id\"` to key by a field",
            ]
        );
    }

    #[test]
    fn shutdown_is_a_function_given_once() {
        let (args, error) = parse_args(quote!(init = setup, shutdown = teardown, http));
        assert!(error.is_none());
        assert!(args.init.is_some() && args.shutdown.is_some() && args.http.is_some());
        let (args, error) = parse_args(quote!(shutdown = a, shutdown = b));
        assert!(args.shutdown.is_some());
        assert_eq!(
            messages(error),
            ["`shutdown` is given twice: a handler has one shutdown hook"]
        );
        let (args, error) = parse_args(quote!(shutdown = 1, init = setup));
        assert!(args.shutdown.is_none() && args.init.is_some());
        assert!(messages(error)[0].starts_with("`shutdown` takes a function, not a literal"));
        let (_, error) = parse_args(quote!(shutdown, http));
        assert_eq!(
            messages(error),
            ["`shutdown` needs a function: write `shutdown = teardown`"]
        );
    }
}
