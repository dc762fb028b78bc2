//! Procedural macros of lambda-kit. Depend on `lambda-kit` and use them
//! from there: the generated code calls into that crate.

use proc_macro::TokenStream;

mod handler;
mod types;

/// Turns a plain function into the binary's Lambda bootstrap (`main`).
///
/// See the `lambda_kit` crate documentation for the accepted forms.
#[proc_macro_attribute]
pub fn lambda_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    handler::lambda_handler(args.into(), item.into()).into()
}
