//! Every rule of an HTTP handler and a route pattern, each failure at the
//! offending token saying what to write instead.

use quote::ToTokens;
use syn::{FnArg, Type};

use super::parse::{HttpFn, Role};

/// Where the function is used: the state needs `init` only on a handler
/// that builds its own bootstrap.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `#[lambda_handler(http)]`; whether `init` is given.
    Handler { has_init: bool },
    /// A route attribute; the router's `init` builds the state.
    Route,
}

/// What each parameter receives, in the user's order.
pub(crate) enum Slot<'a> {
    Extractor(&'a Type),
    Request,
    Context { by_ref: bool },
    State,
}

pub(crate) struct Valid<'a> {
    pub slots: Vec<Slot<'a>>,
    pub state: Option<&'a Type>,
}

#[derive(Default)]
pub(crate) struct Errors(pub Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, tokens: &dyn ToTokens, message: impl std::fmt::Display) {
        self.add(syn::Error::new_spanned(tokens.to_token_stream(), message));
    }

    pub(crate) fn add(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }
}

fn once(errors: &mut Errors, seen: &mut Option<&FnArg>, arg: &FnArg, what: &str) -> bool {
    match seen {
        Some(first) => {
            let mut error = syn::Error::new_spanned(
                arg,
                format!("an HTTP handler takes {what} at most once: remove this parameter"),
            );
            error.combine(syn::Error::new_spanned(*first, "it is already taken here"));
            errors.add(error);
            false
        }
        None => true,
    }
}

pub(crate) fn validate<'a>(
    handler: &HttpFn<'a>,
    mode: Mode,
    errors: &mut Errors,
) -> Option<Valid<'a>> {
    let sig = &handler.function.sig;
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.push(
            &sig.generics,
            "an HTTP handler cannot be generic: name the concrete types, e.g. `Json<NewItem>`, \
             and write `&State` without lifetime parameters",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.push(
            unsafety,
            "an HTTP handler cannot be `unsafe fn`: put `unsafe { ... }` blocks inside",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(variadic, "an HTTP handler cannot be variadic");
    }

    let mut slots = Vec::new();
    let mut state = None;
    let (mut context_at, mut state_at, mut request_at) = (None, None, None);
    for param in &handler.params {
        let arg = param.arg;
        match &param.role {
            Role::Receiver => errors.push(
                arg,
                "an HTTP handler is a free function, not a method: move it out of the `impl` block",
            ),
            Role::ImplTrait => errors.push(
                arg,
                "`impl Trait` parameters are not supported: name the extractor, e.g. `Json<NewItem>`",
            ),
            Role::MutRef => errors.push(
                arg,
                "HTTP handler parameters cannot be `&mut`: take extractors by value (`Json<T>`), the init \
                 state as `&State` with interior mutability (`Mutex`, atomics) for what changes",
            ),
            Role::Extractor(ty) => slots.push(Slot::Extractor(ty)),
            Role::Request => {
                if once(errors, &mut request_at, arg, "the whole `Request`") {
                    request_at = Some(arg);
                    slots.push(Slot::Request);
                }
            }
            Role::Context { by_ref } => {
                if once(errors, &mut context_at, arg, "the `Context`") {
                    context_at = Some(arg);
                    slots.push(Slot::Context { by_ref: *by_ref });
                }
            }
            Role::State(ty) => {
                if mode == (Mode::Handler { has_init: false }) {
                    errors.push(
                        arg,
                        "a `&State` parameter borrows the state built once per cold start by `init`: \
                         add `#[lambda_handler(http, init = setup)]` with `fn setup() -> State`; \
                         extractors are taken by value, e.g. `Json<T>`",
                    );
                } else if once(errors, &mut state_at, arg, "the init state") {
                    state_at = Some(arg);
                    state = Some(*ty);
                    slots.push(Slot::State);
                }
            }
        }
    }
    errors.0.is_none().then_some(Valid { slots, state })
}

/// Checks a route pattern in API Gateway's syntax: `/items/{id}`, with an
/// optional greedy last segment `{path+}`.
pub(crate) fn pattern(path: &syn::LitStr, errors: &mut Errors) {
    let value = path.value();
    let mut fail = |message: String| errors.push(path, message);
    let Some(rest) = value.strip_prefix('/') else {
        fail(format!(
            "a route path starts with `/`: write `\"/{value}\"`"
        ));
        return;
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return;
    }
    let segments: Vec<&str> = rest.split('/').collect();
    let mut names: Vec<&str> = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        if segment.is_empty() {
            fail(format!(
                "`{value}` has an empty segment (`//`): remove the extra `/`"
            ));
            return;
        }
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let (name, greedy) = match name.strip_suffix('+') {
                    Some(name) => (name, true),
                    None => (name, false),
                };
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    fail(format!(
                        "`{segment}` is not a path parameter: name it with letters, digits and `_`, e.g. `{{id}}`"
                    ));
                    return;
                }
                if greedy && i + 1 != segments.len() {
                    fail(format!(
                        "`{segment}` takes the rest of the path, so it must be the last segment"
                    ));
                    return;
                }
                if names.contains(&name) {
                    fail(format!(
                        "`{{{name}}}` appears twice in `{value}`: give each parameter its own name"
                    ));
                    return;
                }
                names.push(name);
            }
            None if segment.contains(['{', '}']) => {
                fail(format!(
                    "`{segment}`: a path parameter is a whole segment, e.g. `/files/{{name}}`, not part of one"
                ));
                return;
            }
            None => {}
        }
    }
}
