//! What the user wrote for an HTTP handler: each parameter's role, a route
//! attribute's method and pattern, and the `router!` line.

use proc_macro2::Span;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{FnArg, ItemFn, ReturnType, Token, Type};

use crate::types::{is_named, peel};

/// The role of one HTTP handler parameter.
pub(crate) enum Role<'a> {
    /// An owned type: built from the request by its `FromRequest`.
    Extractor(&'a Type),
    /// `Request`: the whole request, moved in after the other extractors.
    Request,
    /// `Context` or `&Context`.
    Context { by_ref: bool },
    /// `&S`: the init state.
    State(&'a Type),
    /// `&mut T`.
    MutRef,
    /// `impl Trait`.
    ImplTrait,
    /// `self`, `&self`, ...
    Receiver,
}

pub(crate) struct Param<'a> {
    pub role: Role<'a>,
    pub arg: &'a FnArg,
}

/// An HTTP handler function: a `#[lambda_handler(http)]` or a route.
pub(crate) struct HttpFn<'a> {
    pub function: &'a ItemFn,
    pub params: Vec<Param<'a>>,
    /// The return type, for spans.
    pub output: Option<&'a Type>,
}

pub(crate) fn http_fn(function: &ItemFn) -> HttpFn<'_> {
    HttpFn {
        function,
        params: function.sig.inputs.iter().map(param).collect(),
        output: match &function.sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => Some(ty),
        },
    }
}

fn param(arg: &FnArg) -> Param<'_> {
    let role = match arg {
        FnArg::Receiver(_) => Role::Receiver,
        FnArg::Typed(typed) => match peel(&typed.ty) {
            Type::ImplTrait(_) => Role::ImplTrait,
            Type::Reference(r) if r.mutability.is_some() => Role::MutRef,
            Type::Reference(r) if is_named(&r.elem, "Context") => Role::Context { by_ref: true },
            Type::Reference(r) => Role::State(&r.elem),
            ty if is_named(ty, "Context") => Role::Context { by_ref: false },
            ty if is_named(ty, "Request") => Role::Request,
            _ => Role::Extractor(&typed.ty),
        },
    };
    Param { role, arg }
}

/// `#[get("/items/{id}")]` and its siblings.
pub(crate) struct RouteArgs {
    pub path: syn::LitStr,
}

impl Parse for RouteArgs {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error("a route needs its path: write e.g. `#[get(\"/items/{id}\")]`"));
        }
        let path: syn::LitStr = input.parse().map_err(|err| {
            syn::Error::new(
                err.span(),
                "the route's path is a string literal: write e.g. `#[get(\"/items/{id}\")]`",
            )
        })?;
        if input.peek(Token![,]) {
            let _: Token![,] = input.parse()?;
            if !input.is_empty() {
                let rest: proc_macro2::TokenStream = input.parse()?;
                return Err(syn::Error::new_spanned(
                    rest,
                    "a route takes only its path; `init` goes on the router: `router!(init = setup, route_a, route_b)`",
                ));
            }
        }
        Ok(RouteArgs { path })
    }
}

/// `router!(init = setup, route_a, route_b)`.
pub(crate) struct RouterInput {
    pub init: Option<syn::Expr>,
    pub routes: Vec<syn::Path>,
    pub span: Span,
}

impl Parse for RouterInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let span = input.span();
        let mut init = None;
        if input.peek(syn::Ident) && input.peek2(Token![=]) {
            let key: syn::Ident = input.parse()?;
            if key != "init" {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown argument `{key}`: write `router!(init = setup, route_a, route_b)` or just the routes"),
                ));
            }
            let _: Token![=] = input.parse()?;
            init = Some(input.parse()?);
            if !input.is_empty() {
                let _: Token![,] = input.parse()?;
            }
        }
        let routes = Punctuated::<syn::Path, Token![,]>::parse_terminated(input)?;
        Ok(RouterInput {
            init,
            routes: routes.into_iter().collect(),
            span,
        })
    }
}
