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
    let (args, args_error) = match parse_args(args) {
        Ok(args) => (args, None),
        Err(error) => (Args::default(), Some(error)),
    };
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

fn parse_args(tokens: TokenStream) -> syn::Result<Args> {
    let mut args = Args::default();
    let mut errors: Option<syn::Error> = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("http") {
            if args.http.is_some() {
                return Err(meta.error("`http` is given twice"));
            }
            if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                return Err(meta.error("`http` takes no value: write `#[lambda_handler(http)]`"));
            }
            args.http = Some(meta.path.span());
            Ok(())
        } else if meta.path.is_ident("init") {
            if args.init.is_some() {
                return Err(meta.error("`init` is given twice: a handler has one init function"));
            }
            if meta.input.is_empty() || meta.input.peek(syn::Token![,]) {
                return Err(meta.error("`init` needs a function: write `init = setup`"));
            }
            let value = meta.value()?;
            if value.peek(syn::Lit) {
                let literal: syn::Lit = value.parse()?;
                return Err(syn::Error::new(
                    literal.span(),
                    "`init` takes a function, not a literal: write `init = setup` where `fn setup() -> State`",
                ));
            }
            args.init = Some(value.parse()?);
            Ok(())
        } else {
            let name = meta
                .path
                .get_ident()
                .map_or_else(|| "this argument".to_owned(), |i| format!("`{i}`"));
            let error = meta.error(format!(
                "unknown argument {name}: #[lambda_handler] accepts `init = setup_fn` and `http`"
            ));
            // Skip a `= value` or `(...)` so later arguments are still read.
            if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                meta.parse_nested_meta(|nested| {
                    if nested.input.peek(syn::Token![=]) {
                        let _: syn::Expr = nested.value()?.parse()?;
                    }
                    Ok(())
                })?;
            }
            match &mut errors {
                Some(all) => all.combine(error),
                None => errors = Some(error),
            }
            Ok(())
        }
    });
    parser.parse2(tokens)?;
    match errors {
        Some(errors) => Err(errors),
        None => Ok(args),
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
