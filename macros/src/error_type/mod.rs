//! `#[derive(ErrorType)]`: the error's Lambda `errorType` as written in the
//! source (or `#[error_type(name = "...")]`), as an
//! `impl lambda_kit::ErrorType`.

mod expand;
mod parse;

use proc_macro2::TokenStream;

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: syn::DeriveInput = match syn::parse2(input) {
        Ok(input) => input,
        Err(error) => return error.to_compile_error(),
    };
    match parse::parse(&input) {
        Ok(named) => expand::expand(&named),
        // A derive leaves the item in place, so only the errors go out.
        Err(error) => error.to_compile_error(),
    }
}
