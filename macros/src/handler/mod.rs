//! `#[lambda_handler]`: parse what the user wrote, check every rule, emit
//! the original function plus a `main` that calls `lambda_kit::__private`.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn lambda_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    let function: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = syn::Error::new_spanned(
                &item,
                "#[lambda_handler] goes on a function, e.g. `async fn handler(event: Event) -> Result<Output, Error>`",
            );
            return with_errors(item, error);
        }
    };
    let handler = parse::parse(args, &function);
    if handler.args.http.is_some() {
        let errors = crate::http::errors(handler.args_error.clone());
        return crate::http::handler(&function, handler.args.init.as_ref(), errors);
    }
    match validate::validate(&handler) {
        Ok(valid) => expand::expand(&handler, &valid),
        // A function named `main` already is the crate's `main`.
        Err(error) if function.sig.ident == "main" => {
            let errors = error.to_compile_error();
            quote!(#function #errors)
        }
        Err(error) => with_errors(quote!(#function), error),
    }
}

/// The user's item stays (so the IDE keeps seeing it), followed by every
/// error and a stand-in `main` so the crate reports only our diagnostics.
fn with_errors(item: TokenStream, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    quote! {
        #item
        #errors
        fn main() {}
    }
}
