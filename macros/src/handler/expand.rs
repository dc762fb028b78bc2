//! Tokens out: the user's function unchanged, and a `main` that is one
//! call into `lambda_kit::__private::start`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::parse::{Handler, Output};
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
    // The other parameters are inferred; a hook that does not fit is
    // reported at the hook, where the `_` standing for its type points.
    let init_ty = hole(handler.args.init.as_ref());
    let shutdown_ty = hole(handler.args.shutdown.as_ref());
    let state_ty = match valid.state {
        Some(ty) => quote!(#ty),
        None => quote!(_),
    };
    let reads_event = valid.event.is_some();
    let init = match &handler.args.init {
        Some(path) => {
            let krate = at(&krate, path.span());
            quote_spanned!(path.span()=> #krate::__private::init!(#path))
        }
        None => quote!(#krate::__private::no_init),
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

    if let Some((source, _)) = handler.args.source {
        let source = syn::Ident::new(source.type_name(), proc_macro2::Span::call_site());
        let events = quote!(#krate::__private::events);
        return quote! {
            #function

            #[cfg_attr(test, allow(dead_code))]
            fn main() -> ::std::process::ExitCode {
                #events::start::<#events::#source, #event_ty, #output_ty, _, _, #init_ty, #shutdown_ty>(
                    #has_shutdown,
                    #init,
                    #shutdown,
                    |__event: #event_ty,
                     __record: <#events::#source as #events::Source>::Record,
                     __context: ::std::sync::Arc<#krate::__private::Context>,
                     __state: &'static #state_ty| async move {
                        #outcome
                    },
                )
            }
        };
    }

    quote! {
        #function

        #[cfg_attr(test, allow(dead_code))]
        fn main() -> ::std::process::ExitCode {
            #krate::__private::start::<#event_ty, #output_ty, _, _, #init_ty, #shutdown_ty>(
                #krate::__private::Spec { reads_event: #reads_event, shutdown: #has_shutdown },
                #init,
                #shutdown,
                |__event: #event_ty, __context: #krate::__private::Context, __state: &'static #state_ty| async move {
                    #outcome
                },
            )
        }
    }
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
