//! HTTP handlers: `#[lambda_handler(http)]`, the route attributes
//! (`#[get("/items/{id}")]`, ...) and `router!`. Parameters are extractors;
//! all the behaviour lives in `lambda_kit::http`.

mod expand;
mod parse;
mod path_params;
mod validate;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::crate_path::at;
use crate::diag::{self, Errors};
use validate::Mode;

/// `#[lambda_handler(http, init = ...)]`: the function and a `main`.
pub(crate) fn handler(
    function: &syn::ItemFn,
    args: &crate::handler::Args,
    mut errors: Errors,
) -> TokenStream {
    let parsed = parse::http_fn(function);
    diag::check_not_main(&function.sig, &mut errors, "#[lambda_handler]");
    let has_init = args.init.is_some() || !errors.is_empty();
    let valid = validate::validate(&parsed, Mode::Handler { has_init }, &mut errors);
    let Some(valid) = valid.filter(|_| errors.is_empty()) else {
        return diag::bootstrap_with_errors(function, &errors);
    };
    let krate = args.krate();
    // A nested fn returning an `async` block, as in `#[lambda_handler]`,
    // for the concurrency probe; its state type is generic, inferred from
    // `init`, when the handler takes none.
    let (generics, state) = match valid.state {
        Some(ty) => (quote!(), quote!(#ty)),
        None => (
            quote!(<__LambdaKitState: 'static>),
            quote!(__LambdaKitState),
        ),
    };
    let params = expand::closure_params(&krate, state);
    let statements = expand::call_statements(&krate, &parsed, &valid);
    let init = init_tokens(&krate, args.init.as_ref());
    let (shutdown, has_shutdown) =
        crate::handler::shutdown_tokens(&krate, args.shutdown.as_ref(), args.init.is_some());
    let http = quote!(#krate::__private::http);
    let describe = args.describe(&function.sig.ident);
    let invoke = crate::handler::invoke_ident(&function.sig.ident);
    let (init_var, serving_var) = crate::handler::main_locals();
    let body = crate::handler::adapter_body(&function.sig.ident, &statements);
    // Idempotent: the `Idempotency-Key` header read, then the call run at
    // most once per key.
    let store = crate::handler::idempotency_store(args, &function.sig.ident, &krate);
    let (body, init) = match &store {
        Some(_) => {
            let store = crate::handler::STORE;
            (
                quote! {
                    let __deadline = __context.deadline;
                    #store.http(__request, __deadline, move |__request| #body)
                },
                quote!(#store.init(#init)),
            )
        }
        None => (body, init),
    };
    let probe = quote!(#http::probe(&#init_var, &#invoke));
    let serving = crate::handler::serving(&krate, &probe);
    let checks = args.concurrent.map(|_| {
        let mut checks = Vec::new();
        if let Some(ty) = valid.state {
            let required = at(&krate, ty.span());
            checks.push(quote_spanned!(ty.span()=> #required::__private::concurrency::required::state::<#ty>();));
        }
        let name = &function.sig.ident;
        let required = at(&krate, name.span());
        checks.push(quote_spanned!(name.span()=>
            #required::__private::concurrency::required::http_future(&#init_var, &#invoke);
        ));
        quote!(#(#checks)*)
    });
    quote! {
        #function

        #[cfg_attr(test, allow(dead_code))]
        fn main() -> ::std::process::ExitCode {
            #describe
            #store
            fn #invoke #generics(#params) -> impl ::core::future::Future<Output = #http::Response> {
                #body
            }
            let #init_var = #init;
            #checks
            let #serving_var = #serving;
            #http::start(#init_var, #shutdown, #has_shutdown, #invoke, #serving_var)
        }
    }
}

/// `router!(concurrent, ..)`: the state `init` builds must be `Sync`
/// (checked at `init`'s value) and each route's future `Send` (at the
/// route's name), or the router does not compile.
fn router_concurrent_checks(
    krate: &syn::Path,
    input: &parse::RouterInput,
    aliases: &[syn::Ident],
    init_var: &syn::Ident,
) -> TokenStream {
    let mut checks = Vec::new();
    if let Some(init) = &input.init {
        let required = at(krate, init.span());
        checks.push(quote_spanned!(init.span()=>
            #required::__private::concurrency::required::init_state(&#init_var);
        ));
    }
    for (route, alias) in input.routes.iter().zip(aliases) {
        let required = at(krate, route.span());
        checks.push(quote_spanned!(route.span()=>
            #required::__private::concurrency::required::route::<#alias, _, _>(&#alias::__lambda_kit_call);
        ));
    }
    quote!(#(#checks)*)
}

fn init_tokens(krate: &syn::Path, init: Option<&syn::Expr>) -> TokenStream {
    match init {
        Some(path) => {
            let krate = at(krate, path.span());
            quote_spanned!(path.span()=> #krate::__private::init!(#path))
        }
        None => quote!(#krate::__private::no_init),
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
    let args = match syn::parse2::<parse::RouteArgs>(args) {
        Ok(args) => {
            validate::pattern(&args.path, &mut errors);
            Some(args)
        }
        Err(error) => {
            errors.add(error);
            None
        }
    };
    let krate = args
        .as_ref()
        .and_then(|args| args.krate.clone())
        .unwrap_or_else(crate::crate_path::default);
    let parsed = parse::http_fn(&function);
    let valid = validate::validate(&parsed, Mode::Route, &mut errors);
    let (Some(valid), Some(args), true) = (valid, args, errors.is_empty()) else {
        let errors = errors.to_compile_error();
        let stand_in = stand_in_route(&krate, &function);
        return quote!(#function #errors #stand_in);
    };
    let path = args.path;
    let pattern = lambda_kit_core::route::Pattern::parse(&path.value())
        .expect("the pattern was validated above");
    let extractors: Vec<&syn::Type> = valid
        .slots
        .iter()
        .filter_map(|slot| match slot {
            validate::Slot::Extractor(ty) => Some(*ty),
            _ => None,
        })
        .collect();
    let gates = extractors
        .iter()
        .filter_map(|ty| path_params::misfit(ty, &path.value(), &pattern.params()))
        .map(|misfit| path_params::gate(&krate, &misfit));
    let checks = extractors.iter().map(|ty| {
        let at_ty = at(&krate, ty.span());
        quote_spanned!(ty.span()=> #at_ty::__private::http::Extractor::<#ty>::check_route(__params)?;)
    });

    let name = &function.sig.ident;
    let vis = &function.vis;
    let statements = expand::call_statements(&krate, &parsed, &valid);
    let body = crate::handler::adapter_body(name, &statements);
    let http = quote!(#krate::__private::http);
    // The body is an inherent fn of the route's type, written once, whose
    // `async` block holds only what the route takes:
    // `handle` boxes its future, and `handle_send` boxes it as `Send` when
    // the concurrency probe finds it is (see `lambda_kit`'s `concurrency`
    // module). A route without a state parameter takes none, so that its
    // future does not depend on the router's state type.
    let (generics, state, call_params, call_args, probe) = match valid.state {
        Some(ty) => (
            quote!(),
            quote!(#ty),
            quote!(__request: #http::Request, __context: #krate::__private::Context, __state: &'static #ty),
            quote!(__request, __context, __state),
            quote!(#http::RouteProbe::stateful(#name::__lambda_kit_call)),
        ),
        None => (
            quote!(<__S: 'static>),
            quote!(__S),
            quote!(__request: #http::Request, __context: #krate::__private::Context),
            quote!(__request, __context),
            quote!(#http::RouteProbe::stateless(#name::__lambda_kit_call)),
        ),
    };
    let params = expand::closure_params(&krate, state.clone());
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

        impl #name {
            #[doc(hidden)]
            #vis fn __lambda_kit_call(#call_params) -> impl ::core::future::Future<Output = #http::Response> {
                #body
            }
        }

        impl #krate::__private::http::RouteInfo for #name {
            const METHOD: &'static str = #method;
            const PATH: &'static str = #path;
            const FUNCTION: &'static str = ::core::stringify!(#name);
        }

        impl #generics #krate::__private::http::Route<#state> for #name {
            fn handle(#params) -> #krate::__private::http::BoxResponse {
                let _ = __state;
                ::std::boxed::Box::pin(#name::__lambda_kit_call(#call_args))
            }

            fn handle_send() -> ::core::option::Option<#http::SendHandler<#state>> {
                #[allow(unused_imports)]
                use #http::{RouteAny as _, RouteSend as _};
                (&#probe).handler()
            }

            fn check(__params: &[&str]) -> ::core::result::Result<(), ::std::string::String> {
                #[allow(unused_imports)]
                use #krate::__private::http::NotAnExtractor as _;
                #(#checks)*
                ::core::result::Result::Ok(())
            }
        }

        #(#gates)*
    }
}

/// The route type of a function whose route attribute is wrong, so the
/// `router!` listing it adds no errors of its own: it fits any router and
/// its method (empty) never conflicts with a real route.
fn stand_in_route(krate: &syn::Path, function: &syn::ItemFn) -> TokenStream {
    let name = &function.sig.ident;
    let vis = &function.vis;
    quote! {
        #[allow(non_camel_case_types)]
        #vis struct #name {}

        impl #krate::__private::http::RouteInfo for #name {
            const METHOD: &'static str = "";
            const PATH: &'static str = ::core::concat!(::core::module_path!(), "::", ::core::stringify!(#name));
            const FUNCTION: &'static str = ::core::stringify!(#name);
        }

        impl<__S: 'static> #krate::__private::http::Route<__S> for #name {
            fn handle(
                _: #krate::__private::http::Request,
                _: #krate::__private::Context,
                _: &'static __S,
            ) -> #krate::__private::http::BoxResponse {
                ::core::unreachable!()
            }

            fn handle_send() -> ::core::option::Option<#krate::__private::http::SendHandler<__S>> {
                ::core::option::Option::None
            }

            fn check(_: &[&str]) -> ::core::result::Result<(), ::std::string::String> {
                ::core::result::Result::Ok(())
            }
        }
    }
}

/// `router!(init = setup, shutdown = teardown, route_a, route_b)`: the bootstrap of a routed
/// function, and a compile-time check that no two routes answer the same
/// method and path.
pub(crate) fn router(input: TokenStream) -> TokenStream {
    // On an error, a stand-in `main` keeps rustc from adding "no `main`".
    let mut input: parse::RouterInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#error fn main() {});
        }
    };
    let mut errors = std::mem::take(&mut input.deploy_errors);
    if let Some(deploy) = &input.deploy {
        deploy.check(crate::deploy::Kind::Router, &mut errors);
    }
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
            errors.add(crate::diag::repeated(
                route,
                "this route is listed twice: remove one",
                first,
                "first listed here",
            ));
        }
    }
    if let Some(errors) = errors.to_compile_error() {
        return quote!(#errors fn main() {});
    }
    let krate = input
        .krate
        .clone()
        .unwrap_or_else(crate::crate_path::default);
    let init = init_tokens(&krate, input.init.as_ref());
    let (shutdown, has_shutdown) =
        crate::handler::shutdown_tokens(&krate, input.shutdown.as_ref(), input.init.is_some());
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
    let info = quote!(#krate::__private::http::RouteInfo);
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
            let krate = at(&krate, input.routes[j].span());
            checks.push(quote_spanned! {input.routes[j].span()=>
                const _: () = if #krate::__private::http::same_route(
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
        let krate = at(&krate, route.span());
        quote_spanned! {route.span()=>
            __routes.push(#krate::__private::http::entry(__routes, ::core::marker::PhantomData::<#alias>));
        }
    });
    let (init_var, serving_var) = crate::handler::main_locals();
    let routes = aliases
        .iter()
        .map(|alias| quote!((<#alias as #info>::METHOD, <#alias as #info>::PATH)));
    let describe = crate::deploy::Deploy::describe(
        input.deploy.as_ref(),
        &krate,
        "router",
        crate::deploy::Kind::Router,
        Some(quote!(&[#(#routes),*])),
    );
    let concurrent_checks = input
        .concurrent
        .map(|_| router_concurrent_checks(&krate, &input, &aliases, &init_var));
    quote! {
        #[cfg_attr(test, allow(dead_code))]
        fn main() -> ::std::process::ExitCode {
            #(#alias_items)*
            #describe
            #(#checks)*
            let #init_var = #init;
            #concurrent_checks
            let #serving_var = #krate::__private::serving!(#krate::__private::http::router_probe(&#init_var));
            #krate::__private::http::start_router(#init_var, #shutdown, #has_shutdown, |__routes| {
                #(#pushes)*
            }, #serving_var)
        }
    }
}
