//! Every rule a handler must follow, each failure a `syn::Error` at the
//! offending token saying what to write instead. All failures are reported
//! at once.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::Type;

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
    fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        let error = syn::Error::new(span, message);
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }
}

pub(crate) fn validate<'a>(handler: &Handler<'a>) -> syn::Result<Valid<'a>> {
    let mut errors = Errors(None);
    let sig = &handler.function.sig;

    if sig.ident == "main" {
        errors.push(
            sig.ident.span(),
            "the handler cannot be named `main`: #[lambda_handler] generates `main`; rename it, e.g. `handler`",
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(
            sig.generics.span(),
            "a handler cannot be generic: Lambda calls one concrete function; \
             name the concrete types, e.g. `event: MyEvent`, and write `&State` without lifetime parameters",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.push(
            unsafety.span,
            "a handler cannot be `unsafe fn`: make it safe and put `unsafe { ... }` blocks inside",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(variadic.span(), "a handler cannot be variadic");
    }

    let has_init = handler.args.init.is_some();
    let owned_event = handler
        .params
        .iter()
        .any(|p| matches!(p.role, Role::Event(_)));
    let mut slots = Vec::with_capacity(handler.params.len());
    let mut event: Option<(&Type, Span)> = None;
    let mut context: Option<Span> = None;
    let mut state: Option<(&Type, Span)> = None;

    for param in &handler.params {
        match &param.role {
            Role::Receiver => errors.push(
                param.ty_span,
                "#[lambda_handler] needs a free function, not a method: move it out of the `impl` block \
                 and take what it needs as parameters or init state (`&State`)",
            ),
            Role::ImplTrait => errors.push(
                param.ty_span,
                "`impl Trait` parameters are not supported: name the concrete event type, \
                 e.g. `event: MyEvent` or `event: serde_json::Value`",
            ),
            Role::MutRef => errors.push(
                param.ty_span,
                "handler parameters cannot be `&mut`: take the event by value (`event: T`), or the init \
                 state as `&State` and use interior mutability (`Mutex`, atomics) for what changes",
            ),
            Role::Event(ty) => {
                if let Some((_, first)) = event {
                    let mut error = syn::Error::new(
                        param.span,
                        "a handler takes at most one event parameter: put the fields in one struct \
                         deriving `Deserialize` and take `event: ThatStruct`",
                    );
                    error.combine(syn::Error::new(first, "the event parameter is already this one"));
                    errors.push_error(error);
                } else {
                    event = Some((ty, param.span));
                    slots.push(Slot::Event);
                }
            }
            Role::Context { by_ref } => {
                if let Some(first) = context {
                    let mut error = syn::Error::new(
                        param.span,
                        "a handler takes the `Context` at most once: remove this parameter",
                    );
                    error.combine(syn::Error::new(first, "the context is already passed here"));
                    errors.push_error(error);
                } else {
                    context = Some(param.span);
                    slots.push(Slot::Context { by_ref: *by_ref });
                }
            }
            Role::Borrowed { inner } => {
                let unsized_event = matches!(peel(inner), Type::Slice(_)) || crate::types::is_named(inner, "str");
                if unsized_event || (!has_init && !owned_event) {
                    errors.push(
                        param.ty_span,
                        format!(
                            "the event must be an owned type: write `event: {}` instead of a reference \
                             (each invocation decodes a fresh event, so there is nothing to borrow from)",
                            owned_spelling(inner)
                        ),
                    );
                } else if !has_init {
                    errors.push(
                        param.ty_span,
                        "a `&State` parameter borrows the state built once per cold start by `init`: \
                         add `#[lambda_handler(init = setup)]` with `fn setup() -> State`",
                    );
                } else if let Some((_, first)) = state {
                    let mut error = syn::Error::new(
                        param.span,
                        "a handler takes the init state at most once: `init` builds one value; \
                         make it a struct holding everything and take `&ThatStruct`",
                    );
                    error.combine(syn::Error::new(first, "the init state is already passed here"));
                    errors.push_error(error);
                } else {
                    state = Some((inner, param.span));
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

impl Errors {
    fn push_error(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
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
