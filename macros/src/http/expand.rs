//! Tokens out: the user's function unchanged, plus the closure body that
//! extracts each parameter, calls it, and converts the return value. The
//! bootstrap itself is one call into `lambda_kit::__private::http`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::parse::HttpFn;
use super::validate::{Slot, Valid};

/// `async move { extract...; call; respond }` over `__request`,
/// `__context` and `__state`.
pub(crate) fn call_body(handler: &HttpFn<'_>, valid: &Valid<'_>) -> TokenStream {
    let name = &handler.function.sig.ident;
    let mut extractions = Vec::new();
    let mut args = Vec::new();
    for (i, slot) in valid.slots.iter().enumerate() {
        match slot {
            Slot::Extractor(ty) => {
                let var = format_ident!("__arg{}", i);
                // Spanned at the type so a type that is not an extractor is
                // reported at the parameter.
                let extract = quote_spanned!(ty.span()=> ::lambda_kit::__private::http::extract::<#ty>(&__request));
                extractions.push(quote! {
                    let #var = match #extract {
                        ::core::result::Result::Ok(value) => value,
                        ::core::result::Result::Err(rejection) => {
                            return ::lambda_kit::__private::http::reject(rejection);
                        }
                    };
                });
                args.push(quote!(#var));
            }
            Slot::Request => args.push(quote!(__request)),
            Slot::Context { by_ref: true } => args.push(quote!(&__context)),
            Slot::Context { by_ref: false } => args.push(quote!(__context)),
            Slot::State => args.push(quote!(__state)),
        }
    }
    let call = match handler.function.sig.asyncness {
        Some(_) => quote!(#name(#(#args),*).await),
        None => quote!(#name(#(#args),*)),
    };
    let respond = match handler.output {
        Some(ty) => quote_spanned!(ty.span()=> ::lambda_kit::__private::http::respond(__output)),
        None => quote!(::lambda_kit::__private::http::respond(__output)),
    };
    quote! {
        async move {
            #(#extractions)*
            let __output = #call;
            #respond
        }
    }
}

/// The closure's parameters, typed.
pub(crate) fn closure_params(state: TokenStream) -> TokenStream {
    quote! {
        __request: ::lambda_kit::__private::http::Request,
        __context: ::lambda_kit::__private::Context,
        __state: &'static #state
    }
}
