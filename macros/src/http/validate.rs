//! Every rule of an HTTP handler and a route pattern, each failure at the
//! offending token saying what to write instead.

use lambda_kit_core::route::{Pattern, PatternError};
use syn::{FnArg, Signature, Type};

use super::parse::HttpFn;
use crate::diag::{self, repeated, Errors};
use crate::params::{Param, Role};
use crate::types::is_named;

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

/// Records the first `arg` of a kind in `seen`; a second is an error.
fn once<'a>(errors: &mut Errors, seen: &mut Option<&'a FnArg>, arg: &'a FnArg, what: &str) -> bool {
    match seen {
        Some(first) => {
            errors.add(repeated(
                arg,
                format!("an HTTP handler takes {what} at most once: remove this parameter"),
                *first,
                "it is already taken here",
            ));
            false
        }
        None => {
            *seen = Some(arg);
            true
        }
    }
}

pub(crate) fn validate<'a>(
    handler: &HttpFn<'a>,
    mode: Mode,
    errors: &mut Errors,
) -> Option<Valid<'a>> {
    check_signature(&handler.function.sig, errors);
    let mut params = Params::default();
    for param in &handler.params {
        params.check(param, mode, errors);
    }
    errors.is_empty().then_some(Valid {
        slots: params.slots,
        state: params.state,
    })
}

fn check_signature(sig: &Signature, errors: &mut Errors) {
    diag::check_not_generic(
        sig,
        errors,
        "an HTTP handler",
        "name the concrete types, e.g. `Json<NewItem>`, and write `&State` without lifetime parameters",
    );
    diag::check_not_unsafe(
        sig,
        errors,
        "an HTTP handler",
        "put `unsafe { ... }` blocks inside",
    );
    diag::check_not_variadic(sig, errors, "an HTTP handler");
}

/// The parameters seen so far; `Request`, `Context` and the state each at
/// most once.
#[derive(Default)]
struct Params<'a> {
    slots: Vec<Slot<'a>>,
    state: Option<&'a Type>,
    request_at: Option<&'a FnArg>,
    context_at: Option<&'a FnArg>,
    state_at: Option<&'a FnArg>,
}

impl<'a> Params<'a> {
    fn check(&mut self, param: &Param<'a>, mode: Mode, errors: &mut Errors) {
        let arg = param.arg;
        match &param.role {
            Role::Receiver => errors.over(
                arg,
                "an HTTP handler is a free function, not a method: move it out of the `impl` block",
            ),
            Role::ImplTrait => errors.over(
                arg,
                "`impl Trait` parameters are not supported: name the extractor, e.g. `Json<NewItem>`",
            ),
            Role::MutRef => errors.over(
                arg,
                "HTTP handler parameters cannot be `&mut`: take extractors by value (`Json<T>`), the init \
                 state as `&State` with interior mutability (`Mutex`, atomics) for what changes",
            ),
            // The whole request, moved in after the other extractors.
            Role::Owned(ty) if is_named(ty, "Request") => {
                if once(errors, &mut self.request_at, arg, "the whole `Request`") {
                    self.slots.push(Slot::Request);
                }
            }
            Role::Owned(ty) => self.slots.push(Slot::Extractor(ty)),
            Role::Context { by_ref } => {
                if once(errors, &mut self.context_at, arg, "the `Context`") {
                    self.slots.push(Slot::Context { by_ref: *by_ref });
                }
            }
            Role::Borrowed(ty) => self.state(ty, arg, mode, errors),
        }
    }

    /// `&State` needs an `init` that builds it: the handler's own or the router's.
    fn state(&mut self, ty: &'a Type, arg: &'a FnArg, mode: Mode, errors: &mut Errors) {
        if mode == (Mode::Handler { has_init: false }) {
            errors.over(
                arg,
                "a `&State` parameter borrows the state built once per cold start by `init`: \
                 add `#[lambda_handler(http, init = setup)]` with `fn setup() -> State`; \
                 extractors are taken by value, e.g. `Json<T>`",
            );
        } else if once(errors, &mut self.state_at, arg, "the init state") {
            self.state = Some(ty);
            self.slots.push(Slot::State);
        }
    }
}

/// Checks a route pattern with the grammar the runtime's router parses it
/// by (`lambda_kit_core`), saying what to write instead.
pub(crate) fn pattern(path: &syn::LitStr, errors: &mut Errors) {
    if let Err(message) = pattern_problem(&path.value()) {
        // The whole literal: a span inside a string needs nightly.
        errors.over(path, message);
    }
}

/// The problem with a pattern, worded for its author, with the fix.
fn pattern_problem(value: &str) -> Result<(), String> {
    let error = match Pattern::parse(value) {
        Ok(_) => return Ok(()),
        Err(error) => error,
    };
    // Fixes rewrite the pattern without its trailing `/`, as parsed.
    let trimmed = value.strip_suffix('/').unwrap_or(value);
    let with = |range: &std::ops::Range<usize>, replacement: &str| {
        format!(
            "{}{replacement}{}",
            &trimmed[..range.start],
            &trimmed[range.end..]
        )
    };
    let text = |range: &std::ops::Range<usize>| &value[range.clone()];
    Err(match &error {
        PatternError::NoLeadingSlash => {
            format!("a route path starts with `/`: write `\"/{value}\"`")
        }
        PatternError::EmptySegment { .. } => {
            let segments: Vec<&str> = trimmed.split('/').filter(|s| !s.is_empty()).collect();
            format!(
                "`{value}` has an empty segment (`//`): write `\"/{}\"`",
                segments.join("/")
            )
        }
        PatternError::InvalidName { segment } => format!(
            "`{}` is not a path parameter: name it with letters, digits and `_`, e.g. `{{id}}`",
            text(segment)
        ),
        PatternError::GreedyNotLast { segment } => {
            let name = text(segment).trim_start_matches('{').trim_end_matches("+}");
            format!(
                "`{}` takes the rest of the path, so it must be the last segment: \
                 write `{{{name}}}` for one segment, as in `\"{}\"`",
                text(segment),
                with(segment, &format!("{{{name}}}"))
            )
        }
        PatternError::DuplicateName { second, .. } => {
            let name = text(second).trim_start_matches('{').trim_end_matches('}');
            let name = name.strip_suffix('+').unwrap_or(name);
            format!("`{{{name}}}` appears twice in `{value}`: give each parameter its own name")
        }
        PatternError::Unclosed { segment } => format!(
            "`{}` has no closing `}}`: write `\"{}\"`",
            text(segment),
            with(segment, &format!("{}}}", text(segment)))
        ),
        PatternError::NotWholeSegment { segment } => {
            let part = text(segment);
            // `x{id}`: suggest the parameter as a segment of its own.
            let suggestion = match (part.find('{'), part.find('}')) {
                (Some(open), Some(close)) if open < close => {
                    let pieces: Vec<&str> =
                        [&part[..open], &part[open..=close], &part[close + 1..]]
                            .into_iter()
                            .filter(|p| !p.is_empty())
                            .collect();
                    format!(": write `\"{}\"`", with(segment, &pieces.join("/")))
                }
                _ => String::new(),
            };
            format!(
                "`{part}`: a path parameter is a whole segment between two `/`, e.g. `/items/{{id}}`{suggestion}"
            )
        }
    })
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
