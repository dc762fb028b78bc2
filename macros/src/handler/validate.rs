//! Every rule a handler must follow, each failure a `syn::Error` at the
//! offending token saying what to write instead. All failures are reported
//! at once.

use quote::ToTokens;
use syn::{FnArg, Type};

use super::parse::{Handler, Role};
use crate::types::peel;

/// What each parameter receives, in the user's order.
#[derive(Clone, Copy)]
pub(crate) enum Slot {
    Event,
    Context { by_ref: bool },
    State,
}

/// A handler that passed every rule.
pub(crate) struct Valid<'a> {
    pub slots: Vec<Slot>,
    pub event: Option<&'a Type>,
    pub state: Option<&'a Type>,
}

struct Errors(Option<syn::Error>);

impl Errors {
    /// An error spanning all of `tokens` (first to last token).
    fn push(&mut self, tokens: &dyn ToTokens, message: impl std::fmt::Display) {
        self.push_error(syn::Error::new_spanned(tokens.to_token_stream(), message));
    }

    fn push_error(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }
}

/// The error at `second`, with a note at `first`.
fn repeated(second: &dyn ToTokens, message: &str, first: &dyn ToTokens, note: &str) -> syn::Error {
    let mut error = syn::Error::new_spanned(second.to_token_stream(), message);
    error.combine(syn::Error::new_spanned(first.to_token_stream(), note));
    error
}

pub(crate) fn validate<'a>(handler: &Handler<'a>) -> syn::Result<Valid<'a>> {
    let mut errors = Errors(handler.args_error.clone());
    let sig = &handler.function.sig;

    if sig.ident == "main" {
        errors.push(
            &sig.ident,
            "the handler cannot be named `main`: #[lambda_handler] generates `main`; rename it, e.g. `handler`",
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(
            &sig.generics,
            "a handler cannot be generic: Lambda calls one concrete function; \
             name the concrete types, e.g. `event: MyEvent`, and write `&State` without lifetime parameters",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.push(
            unsafety,
            "a handler cannot be `unsafe fn`: make it safe and put `unsafe { ... }` blocks inside",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(variadic, "a handler cannot be variadic");
    }

    // A broken attribute may have meant `init`: do not guess about `&State`.
    let has_init = handler.args.init.is_some() || handler.args_error.is_some();
    let owned_event = handler
        .params
        .iter()
        .any(|p| matches!(p.role, Role::Event(_)));
    let mut slots = Vec::with_capacity(handler.params.len());
    let mut event: Option<(&Type, &FnArg)> = None;
    let mut context: Option<&FnArg> = None;
    let mut state: Option<(&Type, &FnArg)> = None;

    for param in &handler.params {
        match &param.role {
            Role::Receiver => errors.push(
                param.ty,
                "#[lambda_handler] needs a free function, not a method: move it out of the `impl` block \
                 and take what it needs as parameters or init state (`&State`)",
            ),
            Role::ImplTrait => errors.push(
                param.ty,
                "`impl Trait` parameters are not supported: name the concrete event type, \
                 e.g. `event: MyEvent` or `event: serde_json::Value`",
            ),
            Role::MutRef => errors.push(
                param.ty,
                "handler parameters cannot be `&mut`: take the event by value (`event: T`), or the init \
                 state as `&State` and use interior mutability (`Mutex`, atomics) for what changes",
            ),
            Role::Event(ty) if is_extractor(ty) => errors.push(
                param.ty,
                format!(
                    "`{}` is an HTTP extractor: write `#[lambda_handler(http)]` to take HTTP requests",
                    crate::types::last_ident(ty).map(|i| i.to_string()).unwrap_or_default()
                ),
            ),
            Role::Event(ty) => {
                if let Some((_, first)) = event {
                    errors.push_error(repeated(
                        param.arg,
                        "a handler takes at most one event parameter: put the fields in one struct \
                         deriving `Deserialize` and take `event: ThatStruct`",
                        first,
                        "the event parameter is already this one",
                    ));
                } else {
                    event = Some((ty, param.arg));
                    slots.push(Slot::Event);
                }
            }
            Role::Context { by_ref } => {
                if let Some(first) = context {
                    errors.push_error(repeated(
                        param.arg,
                        "a handler takes the `Context` at most once: remove this parameter",
                        first,
                        "the context is already passed here",
                    ));
                } else {
                    context = Some(param.arg);
                    slots.push(Slot::Context { by_ref: *by_ref });
                }
            }
            Role::Borrowed { inner } => {
                let unsized_event = matches!(peel(inner), Type::Slice(_)) || crate::types::is_named(inner, "str");
                if unsized_event || (!has_init && !owned_event) {
                    errors.push(
                        param.ty,
                        format!(
                            "the event must be an owned type: write `event: {}` instead of a reference \
                             (each invocation decodes a fresh event, so there is nothing to borrow from)",
                            owned_spelling(inner)
                        ),
                    );
                } else if !has_init {
                    errors.push(
                        param.ty,
                        "a `&State` parameter borrows the state built once per cold start by `init`: \
                         add `#[lambda_handler(init = setup)]` with `fn setup() -> State`",
                    );
                } else if let Some((_, first)) = state {
                    errors.push_error(repeated(
                        param.arg,
                        "a handler takes the init state at most once: `init` builds one value; \
                         make it a struct holding everything and take `&ThatStruct`",
                        first,
                        "the init state is already passed here",
                    ));
                } else {
                    state = Some((inner, param.arg));
                    slots.push(Slot::State);
                }
            }
        }
    }

    match errors.0 {
        Some(error) => Err(error),
        None => Ok(Valid {
            slots,
            event: event.map(|(ty, _)| ty),
            state: state.map(|(ty, _)| ty),
        }),
    }
}

/// How to spell the owned version of a borrowed event type.
fn owned_spelling(inner: &Type) -> String {
    match peel(inner) {
        ty if crate::types::is_named(ty, "str") => "String".to_owned(),
        Type::Slice(slice) => format!("Vec<{}>", quote::ToTokens::to_token_stream(&slice.elem)),
        other => quote::ToTokens::to_token_stream(other).to_string(),
    }
}

/// The extractors of `lambda_kit::http`, which only HTTP handlers take.
fn is_extractor(ty: &Type) -> bool {
    ["Json", "Query", "Path", "HeaderMap"]
        .iter()
        .any(|name| crate::types::is_named(ty, name))
}
