//! Tokens out: the user's function unchanged, plus the closure body that
//! extracts each parameter, calls it, and converts the return value. The
//! bootstrap itself is one call into `lambda_kit::__private::http`.

use proc_macro2::{TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use super::parse::HttpFn;
use super::validate::{Slot, Valid};
use crate::crate_path::at;

/// `extract...; call; respond`: the body of an `async fn` taking
/// `__request`, `__context` and `__state`.
pub(crate) fn call_statements(
    krate: &syn::Path,
    handler: &HttpFn<'_>,
    valid: &Valid<'_>,
) -> TokenStream {
    let name = &handler.function.sig.ident;
    let mut extractions = Vec::new();
    let mut args = Vec::new();
    for (i, slot) in valid.slots.iter().enumerate() {
        match slot {
            Slot::Extractor(ty) => {
                let var = format_ident!("__arg{}", i);
                // Spanned at the type so a type that is not an extractor is
                // reported at the parameter.
                let at_ty = at(krate, ty.span());
                let extract =
                    quote_spanned!(ty.span()=> #at_ty::__private::http::extract::<#ty>(&__request));
                extractions.push(quote! {
                    let #var = match #extract {
                        ::core::result::Result::Ok(value) => value,
                        ::core::result::Result::Err(rejection) => {
                            return #krate::__private::http::reject(rejection);
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
    // The return type written out puts a type that is not a response under
    // that type, and for `Result<T, E>` each of `T` and `E` under its own;
    // `impl Trait` cannot be written there, so it is inferred.
    let at_output = handler.output.map(|ty| at(krate, ty.span()));
    let respond = match handler.output {
        Some(ty) if has_impl_trait(ty.to_token_stream()) => {
            quote_spanned!(ty.span()=> #at_output::__private::http::respond(__output))
        }
        Some(ty) => match result_args(ty) {
            Some((ok, err)) => quote_spanned! {ty.span()=>
                #at_output::__private::http::respond_result::<#ok, #err>(__output)
            },
            None => {
                quote_spanned!(ty.span()=> #at_output::__private::http::respond::<#ty>(__output))
            }
        },
        None => quote!(#krate::__private::http::respond(__output)),
    };
    quote! {
        #(#extractions)*
        let __output = #call;
        #respond
    }
}

/// `T` and `E` of a return type spelled `Result<T, E>` (any path ending in
/// `Result`, as aliases with a default error are spelled with one argument).
fn result_args(ty: &syn::Type) -> Option<(&syn::Type, &syn::Type)> {
    let syn::Type::Path(path) = crate::types::peel(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    match (
        last.ident == "Result" && args.args.len() == 2,
        types.next(),
        types.next(),
    ) {
        (true, Some(Some(ok)), Some(Some(err))) => Some((ok, err)),
        _ => None,
    }
}

fn has_impl_trait(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == "impl",
        TokenTree::Group(group) => has_impl_trait(group.stream()),
        _ => false,
    })
}

/// The closure's parameters, typed.
pub(crate) fn closure_params(krate: &syn::Path, state: TokenStream) -> TokenStream {
    quote! {
        __request: #krate::__private::http::Request,
        __context: #krate::__private::Context,
        __state: &'static #state
    }
}
