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

    let event_ty = match valid.event {
        Some(ty) => quote!(#ty),
        None => quote!(#krate::__private::IgnoredAny),
    };
    // Checked on its own, so a type that cannot be decoded is reported at
    // the parameter rather than inside `main`.
    let event_check = valid.event.map(|ty| {
        let krate = at(&krate, ty.span());
        quote_spanned!(ty.span()=> #krate::__private::event::<#ty>();)
    });
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
        Slot::Context { by_ref: false } => quote!(__context),
        Slot::State => quote!(__state),
    });
    let call = match function.sig.asyncness {
        Some(_) => quote!(#name(#(#args),*).await),
        None => quote!(#name(#(#args),*)),
    };
    // The conversions are spanned at the return type so a type that cannot
    // be returned is reported there.
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

    quote! {
        #function

        #[cfg_attr(test, allow(dead_code))]
        fn main() -> ::std::process::ExitCode {
            #event_check
            #krate::__private::start(
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
