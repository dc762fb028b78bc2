//! Every rule a handler must follow, one function per rule, each failure a
//! `syn::Error` at the offending token saying what to write instead. All
//! failures are reported at once.

use syn::{FnArg, Signature, Type};

use super::parse::Handler;
use crate::diag::{self, repeated, Errors};
use crate::params::{Param, Role};
use crate::types::{is_named, last_ident, peel};

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

pub(crate) fn validate<'a>(handler: &Handler<'a>) -> syn::Result<Valid<'a>> {
    let mut errors = Errors::from(handler.args_error.clone());
    check_signature(&handler.function.sig, &mut errors);
    let mut params = Params {
        // A broken attribute may have meant `init`: do not guess about `&State`.
        has_init: handler.args.init.is_some() || handler.args_error.is_some(),
        owned_event: handler
            .params
            .iter()
            .any(|p| matches!(p.role, Role::Owned(_))),
        slots: Vec::with_capacity(handler.params.len()),
        event: None,
        context: None,
        state: None,
    };
    for param in &handler.params {
        params.check(param, &mut errors);
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
    owned_event: bool,
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
            Role::Owned(ty) => self.event(ty, param.arg, errors),
            Role::Context { by_ref } => self.context(*by_ref, param.arg, errors),
            Role::Borrowed(inner) => self.borrowed(inner, param, errors),
        }
    }

    /// At most one event.
    fn event(&mut self, ty: &'a Type, arg: &'a FnArg, errors: &mut Errors) {
        if let Some((_, first)) = self.event {
            errors.add(repeated(
                arg,
                "a handler takes at most one event parameter: put the fields in one struct \
                 deriving `Deserialize` and take `event: ThatStruct`",
                first,
                "the event parameter is already this one",
            ));
        } else {
            self.event = Some((ty, arg));
            self.slots.push(Slot::Event);
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

    /// `&T` is the init state, given `init`, once; else a borrowed event.
    fn borrowed(&mut self, inner: &'a Type, param: &Param<'a>, errors: &mut Errors) {
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
            errors.over(
                param.ty,
                "a `&State` parameter borrows the state built once per cold start by `init`: \
                 add `#[lambda_handler(init = setup)]` with `fn setup() -> State`",
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
