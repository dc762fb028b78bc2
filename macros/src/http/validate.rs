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
/// optional greedy last segment `{path+}`. The runtime's router parses
/// patterns by the same rules.
pub(crate) fn pattern(path: &syn::LitStr, errors: &mut Errors) {
    if let Err(message) = pattern_problem(&path.value()) {
        errors.push(path, message);
    }
}

/// The first problem with a pattern, saying what to write instead.
fn pattern_problem(value: &str) -> Result<(), String> {
    let Some(rest) = value.strip_prefix('/') else {
        return Err(format!(
            "a route path starts with `/`: write `\"/{value}\"`"
        ));
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Ok(());
    }
    let segments: Vec<&str> = rest.split('/').collect();
    // The pattern with segment `i` replaced, for suggestions.
    let with = |i: usize, replacement: &str| {
        let mut fixed: Vec<&str> = segments.clone();
        fixed[i] = replacement;
        format!("/{}", fixed.join("/"))
    };
    if segments.iter().any(|s| s.is_empty()) {
        let fixed: Vec<&str> = segments.iter().copied().filter(|s| !s.is_empty()).collect();
        return Err(format!(
            "`{value}` has an empty segment (`//`): write `\"/{}\"`",
            fixed.join("/")
        ));
    }
    let mut names: Vec<&str> = Vec::new();
    for (i, segment) in segments.iter().enumerate() {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let (name, greedy) = match name.strip_suffix('+') {
                    Some(name) => (name, true),
                    None => (name, false),
                };
                if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(format!(
                        "`{segment}` is not a path parameter: name it with letters, digits and `_`, e.g. `{{id}}`"
                    ));
                }
                if greedy && i + 1 != segments.len() {
                    return Err(format!(
                        "`{segment}` takes the rest of the path, so it must be the last segment: \
                         write `{{{name}}}` for one segment, as in `\"{}\"`",
                        with(i, &format!("{{{name}}}"))
                    ));
                }
                if names.contains(&name) {
                    return Err(format!(
                        "`{{{name}}}` appears twice in `{value}`: give each parameter its own name"
                    ));
                }
                names.push(name);
            }
            None if segment.starts_with('{') && !segment.contains('}') => {
                return Err(format!(
                    "`{segment}` has no closing `}}`: write `\"{}\"`",
                    with(i, &format!("{segment}}}"))
                ));
            }
            None if segment.contains(['{', '}']) => {
                // `x{id}`: suggest the parameter as a segment of its own.
                let suggestion = match (segment.find('{'), segment.find('}')) {
                    (Some(open), Some(close)) if open < close => {
                        let (before, after) = (&segment[..open], &segment[close + 1..]);
                        let param = &segment[open..=close];
                        let parts: Vec<&str> = [before, param, after]
                            .into_iter()
                            .filter(|p| !p.is_empty())
                            .collect();
                        format!(": write `\"{}\"`", with(i, &parts.join("/")))
                    }
                    _ => String::new(),
                };
                return Err(format!(
                    "`{segment}`: a path parameter is a whole segment between two `/`, e.g. `/items/{{id}}`{suggestion}"
                ));
            }
            None => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::pattern_problem;

    #[track_caller]
    fn problem(pattern: &str) -> String {
        pattern_problem(pattern).expect_err(pattern)
    }

    #[test]
    fn accepts_api_gateway_patterns() {
        for ok in [
            "/",
            "/items",
            "/items/",
            "/items/{id}",
            "/shops/{shop}/items/{item_id}",
            "/files/{path+}",
            "/{proxy+}",
            "/items/new",
        ] {
            assert_eq!(pattern_problem(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn says_what_to_write_instead() {
        assert_eq!(
            problem("items/{id}"),
            "a route path starts with `/`: write `\"/items/{id}\"`"
        );
        assert_eq!(
            problem("/items//all"),
            "`/items//all` has an empty segment (`//`): write `\"/items/all\"`"
        );
        assert_eq!(
            problem("/a/{p+}/b"),
            "`{p+}` takes the rest of the path, so it must be the last segment: \
             write `{p}` for one segment, as in `\"/a/{p}/b\"`"
        );
        assert_eq!(
            problem("/shops/{id}/items/{id}"),
            "`{id}` appears twice in `/shops/{id}/items/{id}`: give each parameter its own name"
        );
        assert_eq!(
            problem("/items/{id"),
            "`{id` has no closing `}`: write `\"/items/{id}\"`"
        );
        assert_eq!(
            problem("/items/x{id}"),
            "`x{id}`: a path parameter is a whole segment between two `/`, e.g. `/items/{id}`: \
             write `\"/items/x/{id}\"`"
        );
        assert_eq!(
            problem("/items/{id}.json"),
            "`{id}.json`: a path parameter is a whole segment between two `/`, e.g. `/items/{id}`: \
             write `\"/items/{id}/.json\"`"
        );
        assert!(problem("/items/id}").contains("a path parameter is a whole segment"));
        assert!(problem("/items/{}").contains("is not a path parameter"));
        assert!(problem("/items/{a-b}").contains("is not a path parameter"));
        assert!(problem("/items/{+}").contains("is not a path parameter"));
    }
}
