//! HTTP handlers: `#[lambda_handler(http)]`, the route attributes
//! (`#[get("/items/{id}")]`, ...) and `router!`. Parameters are extractors;
//! all the behaviour lives in `lambda_kit::http`.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use validate::{Errors, Mode};

/// Errors found before the HTTP rules run (the attribute's own).
pub(crate) fn errors(first: Option<syn::Error>) -> Errors {
    Errors(first)
}

/// `#[lambda_handler(http, init = ...)]`: the function and a `main`.
pub(crate) fn handler(
    function: &syn::ItemFn,
    init: Option<&syn::Expr>,
    mut errors: Errors,
) -> TokenStream {
    let parsed = parse::http_fn(function);
    if function.sig.ident == "main" {
        errors.push(
            &function.sig.ident,
            "the handler cannot be named `main`: #[lambda_handler] generates `main`; rename it, e.g. `handler`",
        );
    }
    let has_init = init.is_some() || errors.0.is_some();
    let valid = validate::validate(&parsed, Mode::Handler { has_init }, &mut errors);
    let (Some(valid), None) = (valid, &errors.0) else {
        let errors = errors.0.map(|e| e.to_compile_error());
        return quote! {
            #function
            #errors
            fn main() {}
        };
    };
    let state = match valid.state {
        Some(ty) => quote!(#ty),
        None => quote!(_),
    };
    let params = expand::closure_params(state);
    let body = expand::call_body(&parsed, &valid);
    let init = init_tokens(init);
    quote! {
        #function

        #[cfg_attr(test, allow(dead_code))]
        fn main() -> ::std::process::ExitCode {
            ::lambda_kit::__private::http::start(#init, |#params| #body)
        }
    }
}

fn init_tokens(init: Option<&syn::Expr>) -> TokenStream {
    match init {
        Some(path) => quote_spanned!(path.span()=> ::lambda_kit::__private::init!(#path)),
        None => quote!(::lambda_kit::__private::no_init),
    }
}

/// `#[get("/path")]` and its siblings: the function, plus a type of the
/// same name (types and functions live in different namespaces) that
/// `router!` lists.
pub(crate) fn route(method: &str, args: TokenStream, item: TokenStream) -> TokenStream {
    let attribute = method.to_ascii_lowercase();
    let function: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = syn::Error::new_spanned(
                &item,
                format!("#[{attribute}(\"/path\")] goes on a function, e.g. `async fn get_item(Path(id): Path<i64>) -> Json<Item>`"),
            );
            let error = error.to_compile_error();
            return quote!(#item #error);
        }
    };
    let mut errors = Errors::default();
    let path = match syn::parse2::<parse::RouteArgs>(args) {
        Ok(args) => {
            validate::pattern(&args.path, &mut errors);
            Some(args.path)
        }
        Err(error) => {
            errors.add(error);
            None
        }
    };
    let parsed = parse::http_fn(&function);
    let valid = validate::validate(&parsed, Mode::Route, &mut errors);
    let (Some(valid), Some(path), None) = (valid, path, &errors.0) else {
        let errors = errors.0.map(|e| e.to_compile_error());
        return quote!(#function #errors);
    };

    let name = &function.sig.ident;
    let vis = &function.vis;
    let params = expand::closure_params(quote!(__S));
    let body = expand::call_body(&parsed, &valid);
    let (generics, state) = match valid.state {
        Some(ty) => (quote!(), quote!(#ty)),
        None => (quote!(<__S: 'static>), quote!(__S)),
    };
    let params = match valid.state {
        Some(ty) => expand::closure_params(quote!(#ty)),
        None => params,
    };
    let doc = format!(
        "The route `{} {}` of [`{name}`], for `router!`.",
        method,
        path.value()
    );
    quote! {
        #function

        #[doc = #doc]
        #[allow(non_camel_case_types)]
        #vis struct #name {}

        impl ::lambda_kit::__private::http::RouteInfo for #name {
            const METHOD: &'static str = #method;
            const PATH: &'static str = #path;
        }

        impl #generics ::lambda_kit::__private::http::Route<#state> for #name {
            fn handle(#params) -> ::lambda_kit::__private::http::BoxResponse {
                ::std::boxed::Box::pin(#body)
            }
        }
    }
}

/// `router!(init = setup, route_a, route_b)`: the bootstrap of a routed
/// function, and a compile-time check that no two routes answer the same
/// method and path.
pub(crate) fn router(input: TokenStream) -> TokenStream {
    let input: parse::RouterInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    let mut errors = Errors::default();
    if input.routes.is_empty() {
        errors.add(syn::Error::new(
            input.span,
            "list the route functions: `router!(list_items, get_item)` (each with `#[get(\"/path\")]` or similar)",
        ));
    }
    for (i, route) in input.routes.iter().enumerate() {
        if let Some(first) = input.routes[..i].iter().find(|r| *r == route) {
            let mut error =
                syn::Error::new_spanned(route, "this route is listed twice: remove one");
            error.combine(syn::Error::new_spanned(first, "first listed here"));
            errors.add(error);
        }
    }
    if let Some(error) = errors.0 {
        return error.to_compile_error();
    }
    let init = init_tokens(input.init.as_ref());
    let routes = &input.routes;
    let entries = routes.iter().map(|route| {
        quote_spanned!(route.span()=> ::lambda_kit::__private::http::RouteEntry::of::<#route>())
    });
    let mut checks = Vec::new();
    for (j, b) in routes.iter().enumerate() {
        for a in &routes[..j] {
            let message = format!(
                "routes `{}` and `{}` answer the same method and path: change the path or method of one of them",
                quote!(#a).to_string().replace(' ', ""),
                quote!(#b).to_string().replace(' ', ""),
            );
            let info = quote!(::lambda_kit::__private::http::RouteInfo);
            checks.push(quote_spanned! {b.span()=>
                const _: () = if ::lambda_kit::__private::http::same_route(
                    <#a as #info>::METHOD, <#a as #info>::PATH,
                    <#b as #info>::METHOD, <#b as #info>::PATH,
                ) {
                    ::core::panic!(#message)
                };
            });
        }
    }
    quote! {
        #(#checks)*

        #[cfg_attr(test, allow(dead_code))]
        fn main() -> ::std::process::ExitCode {
            ::lambda_kit::__private::http::start_router(#init, ::std::vec![#(#entries),*])
        }
    }
}
