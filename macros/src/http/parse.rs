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
            // At the attribute (there is no token to point at), without
            // syn's "unexpected end of input".
            return Err(syn::Error::new(
                Span::call_site(),
                "a route needs its path: write e.g. `#[get(\"/items/{id}\")]`",
            ));
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

#[cfg(test)]
mod tests {
    use super::{RouteArgs, RouterInput};
    use quote::quote;

    #[test]
    fn route_args_are_one_literal_path() {
        let args: RouteArgs = syn::parse2(quote!("/items/{id}")).unwrap();
        assert_eq!(args.path.value(), "/items/{id}");
        let args: RouteArgs = syn::parse2(quote!("/items",)).unwrap();
        assert_eq!(args.path.value(), "/items");
        for (tokens, message) in [
            (quote!(), "a route needs its path"),
            (quote!(PATH), "the route's path is a string literal"),
            (quote!("/items", init = setup), "`init` goes on the router"),
        ] {
            let error = syn::parse2::<RouteArgs>(tokens).err().unwrap();
            assert!(error.to_string().contains(message), "{error}");
        }
    }

    #[test]
    fn router_input_is_an_optional_init_then_paths() {
        let input: RouterInput = syn::parse2(quote!(init = setup, list, api::show,)).unwrap();
        assert!(input.init.is_some());
        assert_eq!(input.routes.len(), 2);
        let input: RouterInput = syn::parse2(quote!(list)).unwrap();
        assert!(input.init.is_none());
        let input: RouterInput = syn::parse2(quote!()).unwrap();
        assert!(input.routes.is_empty());
        let error = syn::parse2::<RouterInput>(quote!(foo = 1, list))
            .err()
            .unwrap();
        assert!(
            error.to_string().starts_with("unknown argument `foo`"),
            "{error}"
        );
    }
}
