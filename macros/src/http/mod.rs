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
        // A stand-in `main` keeps rustc from adding "no `main`" to our
        // errors, unless the function already is `main`.
        let main = (function.sig.ident != "main").then(|| {
            quote!(
                fn main() {}
            )
        });
        return quote! {
            #function
            #errors
            #main
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
        let stand_in = stand_in_route(&function);
        return quote!(#function #errors #stand_in);
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

/// The route type of a function whose route attribute is wrong, so the
/// `router!` listing it adds no errors of its own: it fits any router and
/// its method (empty) never conflicts with a real route.
fn stand_in_route(function: &syn::ItemFn) -> TokenStream {
    let name = &function.sig.ident;
    let vis = &function.vis;
    quote! {
        #[allow(non_camel_case_types)]
        #vis struct #name {}

        impl ::lambda_kit::__private::http::RouteInfo for #name {
            const METHOD: &'static str = "";
            const PATH: &'static str = ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#name));
        }

        impl<__S: 'static> ::lambda_kit::__private::http::Route<__S> for #name {
            fn handle(
                _: ::lambda_kit::__private::http::Request,
                _: ::lambda_kit::__private::Context,
                _: &'static __S,
            ) -> ::lambda_kit::__private::http::BoxResponse {
                ::core::unreachable!()
            }
        }
    }
}

/// `router!(init = setup, route_a, route_b)`: the bootstrap of a routed
/// function, and a compile-time check that no two routes answer the same
/// method and path.
pub(crate) fn router(input: TokenStream) -> TokenStream {
    // On an error, a stand-in `main` keeps rustc from adding "no `main`".
    let input: parse::RouterInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#error fn main() {});
        }
    };
    let mut errors = Errors::default();
    if input.routes.is_empty() {
        errors.add(syn::Error::new(
            input.span,
            "list the route functions: `router!(list_items, get_item)` (each with `#[get(\"/path\")]` or similar)",
        ));
    }
    // Compared as written (syn's `PartialEq` needs a feature this crate
    // does not enable).
    let spelled: Vec<String> = input
        .routes
        .iter()
        .map(|r| quote!(#r).to_string())
        .collect();
    for (i, route) in input.routes.iter().enumerate() {
        let first = spelled[..i].iter().position(|s| *s == spelled[i]);
        if let Some(first) = first.map(|f| &input.routes[f]) {
            let mut error =
                syn::Error::new_spanned(route, "this route is listed twice: remove one");
            error.combine(syn::Error::new_spanned(first, "first listed here"));
            errors.add(error);
        }
    }
    if let Some(error) = errors.0 {
        let error = error.to_compile_error();
        return quote!(#error fn main() {});
    }
    let init = init_tokens(input.init.as_ref());
    // Each route is named once, through an alias at its span: a function
    // without a route attribute is then one "expected type" error, not one
    // per use.
    let aliases: Vec<syn::Ident> = (0..input.routes.len())
        .map(|i| quote::format_ident!("__Route{}", i))
        .collect();
    let alias_items = input
        .routes
        .iter()
        .zip(&aliases)
        .map(|(route, alias)| quote_spanned!(route.span()=> type #alias = #route;));
    let info = quote!(::lambda_kit::__private::http::RouteInfo);
    let mut checks = Vec::new();
    for (j, b) in input.routes.iter().enumerate() {
        for (i, a) in input.routes[..j].iter().enumerate() {
            let message = format!(
                "routes `{}` and `{}` answer the same requests (the same method, and the same path \
                 up to parameter names): change the path or the method of one of them",
                quote!(#a).to_string().replace(' ', ""),
                quote!(#b).to_string().replace(' ', ""),
            );
            let (a, b) = (&aliases[i], &aliases[j]);
            checks.push(quote_spanned! {input.routes[j].span()=>
                const _: () = if ::lambda_kit::__private::http::same_route(
                    <#a as #info>::METHOD, <#a as #info>::PATH,
                    <#b as #info>::METHOD, <#b as #info>::PATH,
                ) {
                    ::core::panic!(#message)
                };
            });
        }
    }
    // `start_router` takes the routes in a closure, which the compiler
    // checks after `init`: a route borrowing another state is reported by
    // `Route`'s message at that route.
    let pushes = input.routes.iter().zip(&aliases).map(|(route, alias)| {
        quote_spanned! {route.span()=>
            __routes.push(::lambda_kit::__private::http::entry(__routes, ::core::marker::PhantomData::<#alias>));
        }
    });
    quote! {
        #[cfg_attr(test, allow(dead_code))]
        fn main() -> ::std::process::ExitCode {
            #(#alias_items)*
            #(#checks)*
            ::lambda_kit::__private::http::start_router(#init, |__routes| {
                #(#pushes)*
            })
        }
    }
}
