//! Tokens out: `impl lambda_kit::ErrorType` returning the name.

use proc_macro2::TokenStream;
use quote::quote;

use super::parse::Named;

pub(crate) fn expand(named: &Named<'_>) -> TokenStream {
    let ident = &named.input.ident;
    let name = &named.name;
    let krate = &named.krate;
    let (impl_generics, ty_generics, where_clause) = named.input.generics.split_for_impl();
    quote! {
        impl #impl_generics #krate::ErrorType for #ident #ty_generics #where_clause {
            fn error_type(&self) -> &str {
                #name
            }
        }
    }
}
