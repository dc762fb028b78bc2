//! What the user wrote for an HTTP handler: each parameter's role, a route
//! attribute's method and pattern, and the `router!` line.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{ItemFn, ReturnType, Token, Type};

use crate::crate_path;
use crate::params::Param;

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
        params: crate::params::params(&function.sig),
        output: match &function.sig.output {
            ReturnType::Default => None,
            ReturnType::Type(_, ty) => Some(ty),
        },
    }
}

/// `#[get("/items/{id}")]` and its siblings, optionally with
/// `crate = "path"` after the path.
pub(crate) struct RouteArgs {
    pub path: syn::LitStr,
    pub krate: Option<syn::Path>,
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
        let mut krate = None;
        if input.peek(Token![,]) {
            let _: Token![,] = input.parse()?;
            if crate_path::peek(input) {
                krate = Some(crate_path::argument(input)?);
                if input.peek(Token![,]) {
                    let _: Token![,] = input.parse()?;
                }
            }
            if !input.is_empty() {
                let rest: proc_macro2::TokenStream = input.parse()?;
                return Err(syn::Error::new_spanned(
                    rest,
                    "a route takes only its path; `init` goes on the router: `router!(init = setup, route_a, route_b)`",
                ));
            }
        }
        Ok(RouteArgs { path, krate })
    }
}

/// `router!(init = setup, route_a, route_b)`: `key = value` arguments
/// (`init`, `shutdown`, `crate`) and `concurrent` in any order, then the
/// routes. (A route function named `concurrent` is written
/// `self::concurrent`.)
pub(crate) struct RouterInput {
    pub init: Option<syn::Expr>,
    /// `concurrent`: every route must be able to run concurrently.
    pub concurrent: Option<Span>,
    pub shutdown: Option<syn::Expr>,
    pub krate: Option<syn::Path>,
    pub routes: Vec<syn::Path>,
    pub span: Span,
    /// `deploy(...)`, and what was wrong in it (reported with the router's
    /// other errors).
    pub deploy: Option<crate::deploy::Deploy>,
    pub deploy_errors: crate::diag::Errors,
}

impl Parse for RouterInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let span = input.span();
        let (mut init, mut shutdown, mut krate, mut concurrent) = (None, None, None, None);
        let (mut deploy, mut deploy_errors) = (None, crate::diag::Errors::default());
        // `crate` is a keyword, so it is peeked on its own.
        loop {
            if input.peek(syn::Ident)
                && input.peek2(syn::token::Paren)
                && input.fork().parse::<syn::Ident>()? == "deploy"
            {
                let key: syn::Ident = input.parse()?;
                let content;
                syn::parenthesized!(content in input);
                let facts = crate::deploy::Deploy::parse(content.parse()?, &mut deploy_errors);
                if deploy.replace(facts).is_some() {
                    deploy_errors.at(
                        key.span(),
                        "`deploy` is given twice: write all the facts in one `deploy(...)`",
                    );
                }
                if !input.is_empty() {
                    let _: Token![,] = input.parse()?;
                }
                continue;
            }
            if input.peek(syn::Ident)
                && (input.peek2(Token![,]) || input.peek2(syn::parse::End))
                && input.fork().parse::<syn::Ident>()? == "concurrent"
            {
                let key: syn::Ident = input.parse()?;
                if concurrent.replace(key.span()).is_some() {
                    return Err(syn::Error::new(
                        key.span(),
                        "`concurrent` is given twice: write it once, before the routes",
                    ));
                }
                if !input.is_empty() {
                    let _: Token![,] = input.parse()?;
                }
                continue;
            }
            if !((input.peek(syn::Ident) || input.peek(Token![crate])) && input.peek2(Token![=])) {
                break;
            }
            let key = syn::Ident::parse_any(input)?;
            let twice = || {
                syn::Error::new(
                    key.span(),
                    format!("`{key}` is given twice: write it once, before the routes"),
                )
            };
            if key == "init" {
                let _: Token![=] = input.parse()?;
                if init.replace(input.parse()?).is_some() {
                    return Err(twice());
                }
            } else if key == "shutdown" {
                let _: Token![=] = input.parse()?;
                if shutdown.replace(input.parse()?).is_some() {
                    return Err(twice());
                }
            } else if key == "crate" {
                let _: Token![=] = input.parse()?;
                if krate.replace(crate_path::value(input)?).is_some() {
                    return Err(twice());
                }
            } else {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown argument `{key}`: write `router!(init = setup, shutdown = teardown, concurrent, deploy(memory = 512), route_a, route_b)` or just the routes"),
                ));
            }
            if !input.is_empty() {
                let _: Token![,] = input.parse()?;
            }
        }
        let routes = Punctuated::<syn::Path, Token![,]>::parse_terminated(input)?;
        Ok(RouterInput {
            init,
            concurrent,
            shutdown,
            krate,
            routes: routes.into_iter().collect(),
            span,
            deploy,
            deploy_errors,
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
        let args: RouteArgs = syn::parse2(quote!("/items", crate = "re::lambda_kit",)).unwrap();
        assert!(args.krate.is_some());
        for (tokens, message) in [
            (quote!(), "a route needs its path"),
            (quote!(PATH), "the route's path is a string literal"),
            (quote!("/items", init = setup), "`init` goes on the router"),
            (quote!("/items", crate = lk), "`crate` takes a string"),
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
        let input: RouterInput =
            syn::parse2(quote!(crate = "re::lambda_kit", init = setup, crate::list)).unwrap();
        assert!(input.krate.is_some() && input.init.is_some());
        assert_eq!(input.routes.len(), 1);
        let error = syn::parse2::<RouterInput>(quote!(init = a, init = b, list))
            .err()
            .unwrap();
        assert!(
            error.to_string().starts_with("`init` is given twice"),
            "{error}"
        );
        let input: RouterInput = syn::parse2(quote!()).unwrap();
        assert!(input.routes.is_empty());
        let input: RouterInput =
            syn::parse2(quote!(init = setup, concurrent, list, self::concurrent)).unwrap();
        assert!(input.concurrent.is_some());
        assert_eq!(input.routes.len(), 2);
        let input: RouterInput = syn::parse2(quote!(list, concurrent)).unwrap();
        assert!(input.concurrent.is_none(), "after the routes it is a route");
        assert_eq!(input.routes.len(), 2);
        let error = syn::parse2::<RouterInput>(quote!(concurrent, concurrent, list))
            .err()
            .unwrap();
        assert!(
            error.to_string().starts_with("`concurrent` is given twice"),
            "{error}"
        );
        let error = syn::parse2::<RouterInput>(quote!(foo = 1, list))
            .err()
            .unwrap();
        assert!(
            error.to_string().starts_with("unknown argument `foo`"),
            "{error}"
        );
    }
}
