//! Tokens out: the user's function unchanged, and a `main` that is one
//! call into `lambda_kit::__private::start`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::parse::{Args, Handler, Idempotency, Output};
use super::validate::{Slot, Valid};
use crate::crate_path::at;

// `#krate` is `::lambda_kit` unless `crate = "..."` says otherwise.

pub(crate) fn expand(handler: &Handler<'_>, valid: &Valid<'_>) -> TokenStream {
    let function = handler.function;
    let name = &function.sig.ident;
    let krate = handler.args.krate();

    // `start` names the event and output types as written, so a bound they
    // miss is reported at them (rustc points at a turbofish argument), once.
    let event_ty = match (valid.event, handler.args.source) {
        (Some(ty), _) => quote!(#ty),
        (None, None) => quote!(#krate::__private::IgnoredAny),
        // A batch handler without an event parameter decodes nothing.
        (None, Some(_)) => quote!(#krate::__private::events::Skip),
    };
    let output_ty = match handler.output {
        // `impl Trait` cannot be named there; it is `Serialize` anyway.
        Output::Plain(Some(ty)) | Output::Fallible(ty) if names_impl_trait(ty) => quote!(_),
        Output::Plain(None) => quote!(()),
        Output::Plain(Some(ty)) => quote!(#ty),
        Output::Fallible(ty) => {
            // Spanned from the type's first token to its last, so the
            // projection underlines the whole `Result<T, E>`.
            let (first, last) = (ty.span(), last_span(ty));
            let krate = at(&krate, first);
            let open = quote_spanned!(first=> <#ty as #krate::__private::Fallible>);
            quote_spanned!(last=> #open::Ok)
        }
    };
    // An idempotent handler reads its key from the event's JSON, kept
    // with the event (a batch handler keyed by its records' ids does not).
    let keyed = matches!(
        (handler.args.idempotency(), handler.args.source),
        (Some(Idempotency::Default(_)), None) | (Some(Idempotency::Path(_)), _)
    );
    let event_ty = if keyed {
        let span = valid
            .event
            .map_or_else(proc_macro2::Span::call_site, |ty| ty.span());
        let krate = at(&krate, span);
        quote_spanned!(span=> #krate::__private::idempotency::Keyed<#event_ty>)
    } else {
        event_ty
    };
    // It answers the JSON kept for the key.
    let stored = handler.args.idempotency().is_some() && handler.args.source.is_none();
    let user_output_ty = output_ty;
    let output_ty = if stored {
        quote!(#krate::__private::idempotency::Stored)
    } else {
        user_output_ty.clone()
    };
    // The other parameters are inferred; a hook that does not fit is
    // reported at the hook, where the `_` standing for its type points.
    let init_ty = hole(handler.args.init.as_ref());
    let shutdown_ty = hole(handler.args.shutdown.as_ref());
    // The key is read from the event, so a local run needs one.
    let reads_event = valid.event.is_some() || stored;
    let init = match &handler.args.init {
        Some(path) => {
            let krate = at(&krate, path.span());
            quote_spanned!(path.span()=> #krate::__private::init!(#path))
        }
        None => quote!(#krate::__private::no_init),
    };
    let store = idempotency_store(&handler.args, name, &krate);
    let init = match &store {
        Some(_) => quote!(#STORE.init(#init)),
        None => init,
    };
    let (shutdown, has_shutdown) = shutdown_tokens(
        &krate,
        handler.args.shutdown.as_ref(),
        handler.args.init.is_some(),
    );

    let args = valid.slots.iter().map(|slot| match slot {
        Slot::Event => quote!(__event),
        Slot::Context { by_ref: true } => quote!(&__context),
        // A batch shares one context among its records.
        Slot::Context { by_ref: false } if handler.args.source.is_some() => {
            quote!(::std::clone::Clone::clone(&*__context))
        }
        Slot::Context { by_ref: false } => quote!(__context),
        Slot::State => quote!(__state),
        Slot::Record => quote!(&__record),
    });
    let call = match function.sig.asyncness {
        Some(_) => quote!(#name(#(#args),*).await),
        None => quote!(#name(#(#args),*)),
    };
    // The conversions are spanned at the return type so an error type that
    // is not `Display` is reported there.
    let outcome = match handler.output {
        Output::Plain(None) => quote!(#krate::__private::ok(#call)),
        Output::Plain(Some(ty)) => {
            let krate = at(&krate, ty.span());
            quote_spanned!(ty.span()=> { let __output = #call; #krate::__private::ok(__output) })
        }
        Output::Fallible(ty) => {
            // `namer!` picks the error's `ErrorType` name when it has one.
            let krate = at(&krate, ty.span());
            quote_spanned!(ty.span()=> {
                let __output = #call;
                let __name = #krate::__private::namer!(&__output);
                #krate::__private::fallible(__output, __name)
            })
        }
    };

    // The adapter is a nested fn, not a closure, so that the concurrency
    // probe sees its future as an item's return type (see `lambda_kit`'s
    // `concurrency` module). Without a state parameter its
    // state type is generic, inferred from `init`.
    let (generics, state_param) = match valid.state {
        Some(ty) => (quote!(), quote!(#ty)),
        None => (
            quote!(<__LambdaKitState: 'static>),
            quote!(__LambdaKitState),
        ),
    };
    let returns = if stored {
        output_ty.clone()
    } else {
        returned_type(&krate, &handler.output)
    };
    let invoke = invoke_ident(name);
    let (init_var, serving_var) = main_locals();
    let body = match &store {
        Some(_) => idempotent_body(handler, valid, keyed, &krate, &user_output_ty, &outcome),
        None => adapter_body(name, &outcome),
    };
    let store = store.unwrap_or_default();
    let describe = handler.args.describe(name);
    let diagnostic = quote!(#krate::Diagnostic);
    let context = quote!(#krate::__private::Context);
    let concurrency = quote!(#krate::__private::concurrency);

    if let Some((source, _)) = handler.args.source {
        let source = syn::Ident::new(source.type_name(), proc_macro2::Span::call_site());
        let events = quote!(#krate::__private::events);
        let probe = quote! {
            #events::probe::<#events::#source, #event_ty, #output_ty, _, _, _, _>(&#init_var, &#invoke)
        };
        let checks = concurrent_checks(
            handler,
            valid,
            &krate,
            &event_ty,
            quote!(batch_future::<#events::#source, _, _, _, _, _>),
        );
        let serving = serving(&krate, &probe);
        return quote! {
            #function

            #[cfg_attr(test, allow(dead_code))]
            fn main() -> ::std::process::ExitCode {
                #describe
                #store
                fn #invoke #generics(
                    __event: #event_ty,
                    __record: <#events::#source as #events::Source>::Record,
                    __context: ::std::sync::Arc<#context>,
                    __state: &'static #state_param,
                ) -> impl ::core::future::Future<Output = ::core::result::Result<#returns, #diagnostic>> {
                    #body
                }
                let #init_var = #init;
                #checks
                let #serving_var = #serving;
                #events::start::<#events::#source, #event_ty, #output_ty, _, _, #init_ty, #shutdown_ty>(
                    #has_shutdown,
                    #init_var,
                    #shutdown,
                    #invoke,
                    #serving_var,
                )
            }
        };
    }

    let probe = quote! {
        #concurrency::probe::<#event_ty, #output_ty, _, _, _, _>(&#init_var, &#invoke)
    };
    let checks = concurrent_checks(
        handler,
        valid,
        &krate,
        &event_ty,
        quote!(future::<#event_ty, _, _, _, _>),
    );
    let serving = serving(&krate, &probe);
    quote! {
        #function

        #[cfg_attr(test, allow(dead_code))]
        fn main() -> ::std::process::ExitCode {
            #describe
            #store
            fn #invoke #generics(
                __event: #event_ty,
                __context: #context,
                __state: &'static #state_param,
            ) -> impl ::core::future::Future<Output = ::core::result::Result<#returns, #diagnostic>> {
                #body
            }
            let #init_var = #init;
            #checks
            let #serving_var = #serving;
            #krate::__private::start::<#event_ty, #output_ty, _, _, #init_ty, #shutdown_ty>(
                #krate::__private::Spec { reads_event: #reads_event, shutdown: #has_shutdown },
                #init_var,
                #shutdown,
                #invoke,
                #serving_var,
            )
        }
    }
}

/// The `static` of an idempotent handler, inside its `main`.
pub(crate) const STORE: IdentName = IdentName("__LAMBDA_KIT_IDEMPOTENCY");

/// An identifier the generated code names an item by.
pub(crate) struct IdentName(&'static str);

impl quote::ToTokens for IdentName {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        syn::Ident::new(self.0, proc_macro2::Span::call_site()).to_tokens(tokens);
    }
}

/// The definition of an idempotent handler's `static` (its key, payload
/// check and table, its statements registered for `verify_queries`).
pub(crate) fn idempotency_store(
    args: &Args,
    name: &syn::Ident,
    krate: &syn::Path,
) -> Option<TokenStream> {
    let how = args.idempotency()?;
    let span = match &how {
        Idempotency::Default(span) => *span,
        Idempotency::Path(path) => path.span(),
        Idempotency::Function(function) => function.span(),
    };
    let key = match (how, args.source, args.http) {
        (Idempotency::Path(path), _, _) => quote!(Path(#path)),
        (Idempotency::Function(_), _, _) => quote!(Function),
        (Idempotency::Default(_), _, Some(_)) => quote!(Header),
        (Idempotency::Default(_), Some(_), None) => quote!(Record),
        (Idempotency::Default(_), None, None) => quote!(Event),
    };
    let payload = match &args.idempotency_payload {
        Some(path) => quote!(::core::option::Option::Some(#path)),
        None => quote!(::core::option::Option::None),
    };
    let table = match &args.idempotency_table {
        Some(table) => quote!(#table),
        None => {
            let table = lambda_kit_core::idempotency::DEFAULT_TABLE;
            quote!(#table)
        }
    };
    let name = name.to_string();
    let krate = at(krate, span);
    Some(quote_spanned!(span=>
        #krate::__private::idempotency::store!(static #STORE = (#name, #key, #payload, #table));
    ))
}

/// The adapter of an idempotent handler: the claim taken from the event
/// (or the batch record), then the handler's call run at most once per
/// key. `output` is the handler's success type, checked `Serialize` where
/// the user wrote it.
fn idempotent_body(
    handler: &Handler<'_>,
    valid: &Valid<'_>,
    keyed: bool,
    krate: &syn::Path,
    output: &TokenStream,
    outcome: &TokenStream,
) -> TokenStream {
    let name = &handler.function.sig.ident;
    let claim = if let Some(function) = &handler.args.idempotency_key_fn {
        // Spanned at the function, where one that does not fit is reported.
        quote_spanned!(function.span()=> let __claim = #STORE.claim_key(&(#function)(&__event));)
    } else if keyed {
        let event = if valid.event.is_some() {
            quote!(__event)
        } else {
            quote!(_)
        };
        quote!(let (#event, __claim) = #STORE.split(__event);)
    } else {
        let events = quote!(#krate::__private::events);
        let source = handler
            .args
            .source
            .map(|(source, _)| syn::Ident::new(source.type_name(), proc_macro2::Span::call_site()));
        quote!(let __claim = #STORE.record_claim(<#events::#source as #events::Source>::delivery_id(&__record));)
    };
    let call = adapter_body(name, outcome);
    let once = match (handler.args.source, output.to_string() == "_") {
        (Some(_), _) => {
            quote!(async move { #STORE.once(__claim, __deadline, #call).await.map(|_| ()) })
        }
        (None, true) => quote!(#STORE.once(__claim, __deadline, #call)),
        (None, false) => quote!(#STORE.once::<#output, _>(__claim, __deadline, #call)),
    };
    quote! {
        #claim
        let __deadline = __context.deadline;
        #once
    }
}

/// The generated `main`'s locals (the init hook, what serving was found
/// possible), hygienic: a user's `init` or `shutdown` path of the same name
/// still names the user's item.
pub(crate) fn main_locals() -> (syn::Ident, syn::Ident) {
    let span = proc_macro2::Span::mixed_site();
    (
        syn::Ident::new("__init", span),
        syn::Ident::new("__serving", span),
    )
}

/// The nested adapter's body: an `async move` block, which holds only what
/// the handler takes (an `async fn` would hold every parameter, an unused
/// `Context` too, in every invocation's future). Spanned at the handler's
/// name, where rustc reports a future that is not `Send`.
pub(crate) fn adapter_body(name: &syn::Ident, statements: &TokenStream) -> TokenStream {
    quote_spanned!(name.span()=> async move { #statements })
}

/// The name of the nested adapter, spanned at the handler's name, where
/// rustc then reports a future that is not `Send`.
pub(crate) fn invoke_ident(name: &syn::Ident) -> syn::Ident {
    syn::Ident::new("__lambda_kit_invoke", name.span())
}

/// The dispatch that picks concurrent or sequential serving for `probe`.
pub(crate) fn serving(krate: &syn::Path, probe: &TokenStream) -> TokenStream {
    quote!(#krate::__private::serving!(#probe))
}

/// With `concurrent`: one check per thing that must be `Send` or `Sync`,
/// each spanned at what it checks (the state and event parameters' types,
/// the return type; the function's name for its future), so the error
/// points at the cause. `future` is the check of the future, after
/// `__private::concurrency::required::`.
fn concurrent_checks(
    handler: &Handler<'_>,
    valid: &Valid<'_>,
    krate: &syn::Path,
    event_ty: &TokenStream,
    future: TokenStream,
) -> TokenStream {
    if handler.args.concurrent.is_none() {
        return quote!();
    }
    let invoke = invoke_ident(&handler.function.sig.ident);
    let (init_var, _) = main_locals();
    let mut checks = Vec::new();
    let required = |span| {
        let krate = at(krate, span);
        quote_spanned!(span=> #krate::__private::concurrency::required)
    };
    if let Some(ty) = valid.state {
        let required = required(ty.span());
        checks.push(quote_spanned!(ty.span()=> #required::state::<#ty>();));
    }
    if let Some(ty) = valid.event {
        let required = required(ty.span());
        checks.push(quote_spanned!(ty.span()=> #required::moves::<#ty>();));
    }
    // A batch handler's output is `()`; `impl Trait` outputs are checked
    // too, through the adapter's type.
    if let (Output::Plain(Some(ty)) | Output::Fallible(ty), None) =
        (&handler.output, handler.args.source)
    {
        let required = required(ty.span());
        checks.push(quote_spanned!(ty.span()=>
            #required::output::<#event_ty, _, _, _, _, _>(&#init_var, &#invoke);
        ));
    }
    let name = &handler.function.sig.ident;
    let required = required(name.span());
    let future = respan(future, name.span());
    checks.push(quote_spanned!(name.span()=> #required::#future(&#init_var, &#invoke);));
    quote!(#(#checks)*)
}

/// `tokens`, every one spanned at `span`.
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = proc_macro2::TokenTree::Group(inner);
            }
            token.set_span(span);
            token
        })
        .collect()
}

/// The success type of the nested adapter's `Result`.
fn returned_type(krate: &syn::Path, output: &Output<'_>) -> TokenStream {
    match output {
        Output::Plain(None) => quote!(()),
        Output::Plain(Some(ty)) => quote!(#ty),
        // `Result<impl Trait, E>`: the projection below cannot name it.
        Output::Fallible(ty) if names_impl_trait(ty) && first_type_argument(ty).is_some() => {
            let ok = first_type_argument(ty);
            quote!(#ok)
        }
        Output::Fallible(ty) => {
            let (first, last) = (ty.span(), last_span(ty));
            let krate = at(krate, first);
            let open = quote_spanned!(first=> <#ty as #krate::__private::Fallible>);
            quote_spanned!(last=> #open::Ok)
        }
    }
}

/// `T` of a type spelled `Result<T, ...>` (any path).
fn first_type_argument(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = crate::types::peel(ty) else {
        return None;
    };
    let syn::PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
        return None;
    };
    args.args.iter().find_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

/// `_`, spanned at `hook` when there is one.
fn hole(hook: Option<&syn::Expr>) -> TokenStream {
    match hook {
        Some(hook) => quote_spanned!(hook.span()=> _),
        None => quote!(_),
    }
}

/// Whether `impl` appears in a type (only `impl Trait` can put it there).
fn names_impl_trait(ty: &syn::Type) -> bool {
    fn any_impl(tokens: TokenStream) -> bool {
        tokens.into_iter().any(|token| match token {
            proc_macro2::TokenTree::Ident(ident) => ident == "impl",
            proc_macro2::TokenTree::Group(group) => any_impl(group.stream()),
            _ => false,
        })
    }
    any_impl(quote::ToTokens::to_token_stream(ty))
}

/// The span of a type's last token.
fn last_span(ty: &syn::Type) -> proc_macro2::Span {
    quote::ToTokens::to_token_stream(ty)
        .into_iter()
        .last()
        .map_or_else(|| ty.span(), |token| token.span())
}

/// The hook argument of the start functions, and whether there is a user
/// hook. Spanned at the hook, so a function that does not fit is reported
/// there; with `init` it is given the state.
pub(crate) fn shutdown_tokens(
    krate: &syn::Path,
    shutdown: Option<&syn::Expr>,
    has_init: bool,
) -> (TokenStream, bool) {
    match shutdown {
        Some(hook) => {
            let krate = at(krate, hook.span());
            let tokens = if has_init {
                quote_spanned!(hook.span()=> #krate::__private::shutdown!(state: #hook))
            } else {
                quote_spanned!(hook.span()=> #krate::__private::shutdown!(#hook))
            };
            (tokens, true)
        }
        None => (quote!(#krate::__private::no_shutdown), false),
    }
}
