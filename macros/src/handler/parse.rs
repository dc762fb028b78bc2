//! What the user wrote, as a small AST: the attribute's arguments and each
//! parameter sorted into the role it plays.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::Parser;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, ReturnType, Type};

use crate::types::{is_named, peel};

/// `#[lambda_handler(...)]` arguments.
#[derive(Default)]
pub(crate) struct Args {
    /// `init = setup` (a function path or a closure): runs once per cold
    /// start and builds the state.
    pub init: Option<syn::Expr>,
    /// `http`: an HTTP handler taking extractors.
    pub http: Option<proc_macro2::Span>,
}

/// The role of one parameter.
pub(crate) enum Role<'a> {
    /// An owned type: decoded from the invocation's JSON.
    Event(&'a Type),
    /// `Context` or `&Context`.
    Context { by_ref: bool },
    /// `&S`: the init state, or a borrowed event by mistake.
    Borrowed { inner: &'a Type },
    /// `&mut T`.
    MutRef,
    /// `impl Trait`.
    ImplTrait,
    /// `self`, `&self`, ...
    Receiver,
}

pub(crate) struct Param<'a> {
    pub role: Role<'a>,
    /// The whole parameter, for error spans.
    pub arg: &'a FnArg,
    /// The parameter's type (or the receiver), for error spans.
    pub ty: &'a dyn ToTokens,
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
    let params = function.sig.inputs.iter().map(param).collect();
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
    let mut errors: Option<syn::Error> = None;
    let mut add = |error: syn::Error| match &mut errors {
        Some(all) => all.combine(error),
        None => errors = Some(error),
    };
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("http") {
            if args.http.is_some() {
                add(meta.error("`http` is given twice: write it once, `#[lambda_handler(http)]`"));
            }
            if let Some(value) = skip_value(&meta)? {
                add(syn::Error::new_spanned(
                    value,
                    "`http` takes no value: write `#[lambda_handler(http)]`",
                ));
            }
            args.http.get_or_insert(meta.path.span());
            Ok(())
        } else if meta.path.is_ident("init") {
            if args.init.is_some() {
                add(meta.error("`init` is given twice: a handler has one init function"));
                skip_value(&meta)?;
                return Ok(());
            }
            if meta.input.is_empty() || meta.input.peek(syn::Token![,]) {
                add(meta.error("`init` needs a function: write `init = setup`"));
                return Ok(());
            }
            let value = meta.value()?;
            if value.peek(syn::Lit) {
                let literal: syn::Lit = value.parse()?;
                add(syn::Error::new(
                    literal.span(),
                    "`init` takes a function, not a literal: write `init = setup` where `fn setup() -> State`",
                ));
                return Ok(());
            }
            args.init = Some(value.parse()?);
            Ok(())
        } else {
            let name = meta
                .path
                .get_ident()
                .map_or_else(|| "this argument".to_owned(), |i| format!("`{i}`"));
            add(meta.error(format!(
                "unknown argument {name}: #[lambda_handler] accepts `init = setup_fn` and `http`"
            )));
            skip_value(&meta)?;
            Ok(())
        }
    });
    if let Err(error) = parser.parse2(tokens) {
        add(error);
    }
    (args, errors)
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

fn param(arg: &FnArg) -> Param<'_> {
    match arg {
        FnArg::Receiver(receiver) => Param {
            role: Role::Receiver,
            arg,
            ty: receiver,
        },
        FnArg::Typed(typed) => Param {
            role: role(&typed.ty),
            arg,
            ty: &typed.ty,
        },
    }
}

fn role(ty: &Type) -> Role<'_> {
    match peel(ty) {
        Type::ImplTrait(_) => Role::ImplTrait,
        Type::Reference(reference) if reference.mutability.is_some() => Role::MutRef,
        Type::Reference(reference) if is_named(&reference.elem, "Context") => {
            Role::Context { by_ref: true }
        }
        Type::Reference(reference) => Role::Borrowed {
            inner: &reference.elem,
        },
        other if is_named(other, "Context") => Role::Context { by_ref: false },
        _ => Role::Event(ty),
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
                "unknown argument `timeout`: #[lambda_handler] accepts `init = setup_fn` and `http`",
                "unknown argument `name`: #[lambda_handler] accepts `init = setup_fn` and `http`",
            ]
        );
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
}
