//! Every rule a handler must follow, one function per rule, each failure a
//! `syn::Error` at the offending token saying what to write instead. All
//! failures are reported at once.

use syn::{FnArg, Signature, Type};

use super::parse::{Args, BatchSource, Handler};
use crate::diag::{self, repeated, Errors};
use crate::params::{Param, Role};
use crate::types::{is_named, last_ident, peel};

/// What each parameter receives, in the user's order.
#[derive(Clone, Copy)]
pub(crate) enum Slot {
    Event,
    Context {
        by_ref: bool,
    },
    State,
    /// A batch record's metadata, `&SqsMessage` and the like.
    Record,
}

/// A handler that passed every rule.
pub(crate) struct Valid<'a> {
    pub slots: Vec<Slot>,
    pub event: Option<&'a Type>,
    pub state: Option<&'a Type>,
}

pub(crate) fn validate<'a>(handler: &Handler<'a>) -> syn::Result<Valid<'a>> {
    let mut errors = Errors::from(handler.args_error.clone());
    check_signature(&handler.function.sig, &mut errors);
    check_idempotency(&handler.args, &mut errors);
    check_deploy(&handler.args, &mut errors);
    let mut params = Params {
        // A broken attribute may have meant `init`: do not guess about `&State`.
        has_init: handler.args.init.is_some() || handler.args_error.is_some(),
        // An owned parameter may be the init state only when `init` is
        // given and nothing borrows the state.
        state_by_value: handler.args.init.is_some()
            && !handler
                .params
                .iter()
                .any(|p| matches!(p.role, Role::Borrowed(_))),
        owned_event: handler
            .params
            .iter()
            .any(|p| matches!(p.role, Role::Owned(_))),
        source: handler.args.source.map(|(source, _)| source),
        record: None,
        slots: Vec::with_capacity(handler.params.len()),
        event: None,
        context: None,
        state: None,
    };
    for param in &handler.params {
        params.check(param, &mut errors);
    }
    if let (Some(path), Some(_), None) = (
        &handler.args.idempotency_key,
        handler.args.source,
        params.event,
    ) {
        errors.over(
            path,
            "a batch handler keyed by a path reads it from the record's payload, which this \
             handler does not take: add the event parameter, or write `idempotent` to key each \
             record by its id",
        );
    }
    if let (Some(function), None) = (&handler.args.idempotency_key_fn, params.event) {
        errors.over(
            function,
            "a key function reads the event, which this handler does not take: add the event \
             parameter (`event: Event`)",
        );
    }
    errors.finish()?;
    Ok(Valid {
        slots: params.slots,
        event: params.event.map(|(ty, _)| ty),
        state: params.state.map(|(ty, _)| ty),
    })
}

fn check_signature(sig: &Signature, errors: &mut Errors) {
    diag::check_not_main(sig, errors, "#[lambda_handler]");
    diag::check_not_generic(
        sig,
        errors,
        "a handler",
        "Lambda calls one concrete function; name the concrete types, e.g. `event: MyEvent`, \
         and write `&State` without lifetime parameters",
    );
    diag::check_not_unsafe(
        sig,
        errors,
        "a handler",
        "make it safe and put `unsafe { ... }` blocks inside",
    );
    diag::check_not_variadic(sig, errors, "a handler");
}

/// The parameters seen so far, each role at most once.
struct Params<'a> {
    has_init: bool,
    state_by_value: bool,
    owned_event: bool,
    source: Option<BatchSource>,
    record: Option<&'a FnArg>,
    slots: Vec<Slot>,
    event: Option<(&'a Type, &'a FnArg)>,
    context: Option<&'a FnArg>,
    state: Option<(&'a Type, &'a FnArg)>,
}

impl<'a> Params<'a> {
    fn check(&mut self, param: &Param<'a>, errors: &mut Errors) {
        match &param.role {
            Role::Receiver => errors.over(
                param.ty,
                "#[lambda_handler] needs a free function, not a method: move it out of the `impl` block \
                 and take what it needs as parameters or init state (`&State`)",
            ),
            Role::ImplTrait => errors.over(
                param.ty,
                "`impl Trait` parameters are not supported: name the concrete event type, \
                 e.g. `event: MyEvent` or `event: serde_json::Value`",
            ),
            Role::MutRef => errors.over(
                param.ty,
                "handler parameters cannot be `&mut`: take the event by value (`event: T`), or the init \
                 state as `&State` and use interior mutability (`Mutex`, atomics) for what changes",
            ),
            Role::Owned(ty) if is_extractor(ty) => errors.over(
                param.ty,
                format!(
                    "`{}` is an HTTP extractor: write `#[lambda_handler(http)]` to take HTTP requests",
                    last_ident(ty).map(|i| i.to_string()).unwrap_or_default()
                ),
            ),
            Role::Owned(ty) if self.source.is_some() && self.batch_type(ty, param, errors) => {}
            Role::Owned(ty) => self.event(ty, param.arg, errors),
            Role::Context { by_ref } => self.context(*by_ref, param.arg, errors),
            Role::Borrowed(inner) => self.borrowed(inner, param, errors),
        }
    }

    /// At most one event. With `init` and no `&State`, a second owned
    /// parameter is most likely the init state taken by value: the one that
    /// reads as state (`state: State`, `AppState`) is told to borrow it.
    fn event(&mut self, ty: &'a Type, arg: &'a FnArg, errors: &mut Errors) {
        let Some((first_ty, first)) = self.event else {
            self.event = Some((ty, arg));
            self.slots.push(Slot::Event);
            return;
        };
        if !self.state_by_value {
            errors.add(repeated(
                arg,
                "a handler takes at most one event parameter: put the fields in one struct \
                 deriving `Deserialize` and take `event: ThatStruct`",
                first,
                "the event parameter is already this one",
            ));
        } else if looks_like_state(ty, arg) {
            errors.over(ty, state_by_value(ty, arg, true));
        } else if !looks_like_state(first_ty, first) {
            // Neither reads as state: the message gives both ways out.
            let mut error = syn::Error::new_spanned(ty, state_by_value(ty, arg, false));
            error.combine(syn::Error::new_spanned(
                first,
                "the event parameter is already this one",
            ));
            errors.add(error);
        } else {
            errors.over(first_ty, state_by_value(first_ty, first, true));
            self.event = Some((ty, arg));
        }
    }

    /// At most one `Context`.
    fn context(&mut self, by_ref: bool, arg: &'a FnArg, errors: &mut Errors) {
        if let Some(first) = self.context {
            errors.add(repeated(
                arg,
                "a handler takes the `Context` at most once: remove this parameter",
                first,
                "the context is already passed here",
            ));
        } else {
            self.context = Some(arg);
            self.slots.push(Slot::Context { by_ref });
        }
    }

    /// `&T` is the record's metadata in a batch handler when `T` is the
    /// source's record type; the init state, given `init`, once; else a
    /// borrowed event.
    fn borrowed(&mut self, inner: &'a Type, param: &Param<'a>, errors: &mut Errors) {
        if self.record_metadata(inner, param, errors) {
            return;
        }
        let unsized_event = matches!(peel(inner), Type::Slice(_)) || is_named(inner, "str");
        if unsized_event || (!self.has_init && !self.owned_event) {
            errors.over(
                param.ty,
                format!(
                    "the event must be an owned type: write `event: {}` instead of a reference \
                     (each invocation decodes a fresh event, so there is nothing to borrow from)",
                    owned_spelling(inner)
                ),
            );
        } else if !self.has_init {
            let metadata = match self.source {
                Some(source) => format!(
                    " (the record's metadata is `&{}`, by that name)",
                    source.record_types()[0]
                ),
                None => String::new(),
            };
            errors.over(
                param.ty,
                format!(
                    "a `&State` parameter borrows the state built once per cold start by `init`: \
                     add `#[lambda_handler(init = setup)]` with `fn setup() -> State`{metadata}"
                ),
            );
        } else if let Some((_, first)) = self.state {
            errors.add(repeated(
                param.arg,
                "a handler takes the init state at most once: `init` builds one value; \
                 make it a struct holding everything and take `&ThatStruct`",
                first,
                "the init state is already passed here",
            ));
        } else {
            self.state = Some((inner, param.arg));
            self.slots.push(Slot::State);
        }
    }
}

impl<'a> Params<'a> {
    /// In a batch handler, an owned record type (the metadata, by value) or
    /// a whole batch (the handler of a record does not get one) is a
    /// mistake that would otherwise compile: say what to write. Whether
    /// `ty` was one of them.
    fn batch_type(&mut self, ty: &'a Type, param: &Param<'a>, errors: &mut Errors) -> bool {
        let (Some(source), Some(name)) = (self.source, last_ident(ty).map(ToString::to_string))
        else {
            return false;
        };
        if let Some(owner) = BatchSource::owning_record(&name) {
            let message = if owner == source {
                format!(
                    "the record's metadata is borrowed: write `{}: &{name}`; the event parameter is \
                     the record's {} decoded into your type",
                    binding(param.arg).unwrap_or_else(|| "record".to_owned()),
                    source.payload()
                )
            } else {
                format!(
                    "`{name}` is the metadata of a `{}` record, but this handler takes `{}` records: \
                     write `&{}`",
                    owner.keyword(),
                    source.keyword(),
                    source.record_types()[0]
                )
            };
            errors.over(param.ty, message);
            return true;
        }
        if BatchSource::ALL
            .iter()
            .any(|other| other.batch_event().rsplit("::").next() == Some(name.as_str()))
        {
            errors.over(
                param.ty,
                format!(
                    "`#[lambda_handler({keyword})]` calls the function once per record, so it never gets \
                     the whole `{name}`: take the record's {} as your type (e.g. `order: Order`), or write \
                     `#[lambda_handler]` to take the whole batch",
                    source.payload(),
                    keyword = source.keyword(),
                ),
            );
            return true;
        }
        false
    }

    /// Takes `&SqsMessage` (and the like) as a batch handler's metadata
    /// parameter, once; says so when it is another source's. Whether the
    /// parameter was one of them.
    fn record_metadata(&mut self, inner: &'a Type, param: &Param<'a>, errors: &mut Errors) -> bool {
        let Some(name) = last_ident(inner).map(ToString::to_string) else {
            return false;
        };
        let Some(source) = self.source else {
            if let Some(other) = BatchSource::owning_record(&name) {
                errors.over(
                    param.ty,
                    format!(
                        "`&{name}` is the metadata of a batch record: write `#[lambda_handler({})]` \
                         to handle the batch a record per call, or take the whole event as `event: {}`",
                        other.keyword(),
                        other.batch_event()
                    ),
                );
                return true;
            }
            return false;
        };
        if source.record_types().contains(&name.as_str()) {
            if let Some(first) = self.record {
                errors.add(repeated(
                    param.arg,
                    "a batch handler takes the record's metadata at most once: remove this parameter",
                    first,
                    "the metadata is already passed here",
                ));
            } else {
                self.record = Some(param.arg);
                self.slots.push(Slot::Record);
            }
            return true;
        }
        if let Some(other) = BatchSource::owning_record(&name) {
            errors.over(
                param.ty,
                format!(
                    "`{name}` is the metadata of a `{}` record, but this handler takes `{}` records: \
                     write `&{}`",
                    other.keyword(),
                    source.keyword(),
                    source.record_types()[0]
                ),
            );
            return true;
        }
        false
    }
}

/// Whether a by-value parameter reads as the init state rather than an
/// event: bound as `state` (or `..._state`), or of a type named `...State`.
fn looks_like_state(ty: &Type, arg: &FnArg) -> bool {
    let named_state = last_ident(ty).is_some_and(|ident| ident.to_string().ends_with("State"));
    named_state || binding(arg).is_some_and(|name| name == "state" || name.ends_with("_state"))
}

/// The name a parameter binds, when it is a plain identifier.
fn binding(arg: &FnArg) -> Option<String> {
    match arg {
        FnArg::Typed(typed) => match &*typed.pat {
            syn::Pat::Ident(pat) => Some(pat.ident.to_string()),
            _ => None,
        },
        FnArg::Receiver(_) => None,
    }
}

/// The message for an owned parameter that is (`certain`) or may be the
/// init state: `init`'s value is built once and lent to every invocation.
fn state_by_value(ty: &Type, arg: &FnArg, certain: bool) -> String {
    let ty = quote::ToTokens::to_token_stream(ty).to_string();
    let borrowed = match binding(arg) {
        Some(name) => format!("`{name}: &{ty}`"),
        None => format!("`&{ty}`"),
    };
    if certain {
        format!("a handler takes one event; the value `init` returns is borrowed: write {borrowed}")
    } else {
        format!(
            "a handler takes one event: if this is the value `init` returns, borrow it: write \
             {borrowed}; otherwise put the fields of both events in one struct deriving \
             `Deserialize` and take `event: ThatStruct`"
        )
    }
}

/// How to spell the owned version of a borrowed event type.
fn owned_spelling(inner: &Type) -> String {
    match peel(inner) {
        ty if is_named(ty, "str") => "String".to_owned(),
        Type::Slice(slice) => format!("Vec<{}>", quote::ToTokens::to_token_stream(&slice.elem)),
        other => quote::ToTokens::to_token_stream(other).to_string(),
    }
}

/// The extractors of `lambda_kit::http`, which only HTTP handlers take.
fn is_extractor(ty: &Type) -> bool {
    ["Json", "Query", "Path", "HeaderMap"]
        .iter()
        .any(|name| is_named(ty, name))
}

/// The idempotency arguments: which go together, and that each path and
/// table name is one the runtime can use.
/// `deploy(...)` against the kind of handler it is on.
pub(crate) fn check_deploy(args: &Args, errors: &mut Errors) {
    if let Some(deploy) = &args.deploy {
        deploy.check(args.kind(), errors);
    }
}

pub(crate) fn check_idempotency(args: &Args, errors: &mut Errors) {
    let keyed = args.idempotency_key.is_some() || args.idempotency_key_fn.is_some();
    let on = args.idempotent.is_some() || keyed;
    if let (Some(span), true) = (args.idempotent, keyed) {
        errors.at(
            span,
            "`idempotency_key` makes the handler idempotent already: drop `idempotent`",
        );
    }
    if let (Some(_), Some(payload)) = (&args.idempotency_key_fn, &args.idempotency_payload) {
        errors.over(
            payload,
            "`idempotency_payload` goes with a path key: with a key function, drop it and have \
             the function return what a repeat must match as well",
        );
    }
    for (name, value) in [
        ("idempotency_payload", &args.idempotency_payload),
        ("idempotency_table", &args.idempotency_table),
    ] {
        if let (Some(value), false) = (value, on) {
            errors.over(
                value,
                format!(
                    "`{name}` applies to an idempotent handler: add `idempotency_key = \"order.id\"` \
                     (or `idempotent`)"
                ),
            );
        }
    }
    for (name, path) in [
        ("idempotency_key", &args.idempotency_key),
        ("idempotency_payload", &args.idempotency_payload),
    ] {
        if let Some(path) = path {
            if let Err(err) = lambda_kit_core::json_path::steps(&path.value()) {
                errors.over(path, format!("`{name}`: {err}"));
            }
        }
    }
    if let Some(table) = &args.idempotency_table {
        let name = table.value();
        let valid = !name.is_empty()
            && name.len() <= 64
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !name.as_bytes()[0].is_ascii_digit();
        if !valid {
            errors.over(
                table,
                "a table name is 1 to 64 letters, digits and `_`, not starting with a digit: \
                 write `idempotency_table = \"charge_idempotency\"`",
            );
        }
    }
    if args.http.is_some() {
        if let Some(path) = &args.idempotency_key {
            errors.over(
                path,
                "an HTTP handler is keyed by its `Idempotency-Key` request header: write `idempotent`",
            );
        }
        if let Some(function) = &args.idempotency_key_fn {
            errors.over(
                function,
                "an HTTP handler is keyed by its `Idempotency-Key` request header: write `idempotent`",
            );
        }
        if let Some(path) = &args.idempotency_payload {
            errors.over(
                path,
                "a repeated HTTP request must match the first one's method, path and body already: \
                 drop `idempotency_payload`",
            );
        }
    }
    if let (Some(_), false, Some(payload)) = (args.source, keyed, &args.idempotency_payload) {
        errors.over(
            payload,
            "records keyed by their ids need no payload check (a record's id never comes with \
             another payload): drop `idempotency_payload`, or key by a path, \
             `idempotency_key = \"order.id\"`",
        );
    }
    if let (Some((BatchSource::DynamoDb, _)), Some(path)) = (args.source, &args.idempotency_key) {
        errors.over(
            path,
            "a DynamoDB Streams record is keyed by its eventID: write `idempotent`",
        );
    }
}
