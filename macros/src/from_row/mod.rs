//! `#[derive(FromRow)]`: read the struct and its `#[rds(...)]` attributes,
//! emit an `impl lambda_kit::rds::FromRow` that reads each field with one
//! call on the row.

mod expand;
mod parse;

use proc_macro2::TokenStream;

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: syn::DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    match parse::parse(&input) {
        Ok(row) => expand::expand(&row),
        // A derive leaves the item in place, so only the errors go out.
        Err(error) => error.to_compile_error(),
    }
}
