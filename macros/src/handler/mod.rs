//! `#[lambda_handler]`: parse what the user wrote, check every rule, emit
//! the original function plus a `main` that calls `lambda_kit::__private`.

mod expand;
mod parse;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;

use crate::diag::{self, Errors};

pub(crate) fn lambda_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    let function: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = syn::Error::new_spanned(
                &item,
                "#[lambda_handler] goes on a function, e.g. `async fn handler(event: Event) -> Result<Output, Error>`",
            );
            let error = error.to_compile_error();
            return quote!(#item #error fn main() {});
        }
    };
    let handler = parse::parse(args, &function);
    if let (Some(_), Some((source, span))) = (handler.args.http, handler.args.source) {
        let mut errors = Errors::from(handler.args_error.clone());
        errors.add(syn::Error::new(
            span,
            format!(
                "`{}` and `http` cannot be combined: an HTTP handler answers requests, a batch handler \
                 handles records; write one function for each, `#[lambda_handler(http)]` and `#[lambda_handler({})]`",
                source.keyword(),
                source.keyword()
            ),
        ));
        return diag::bootstrap_with_errors(&function, &errors);
    }
    if handler.args.http.is_some() {
        let mut errors = Errors::from(handler.args_error.clone());
        validate::check_idempotency(&handler.args, &mut errors);
        validate::check_deploy(&handler.args, &mut errors);
        return crate::http::handler(&function, &handler.args, errors);
    }
    match validate::validate(&handler) {
        Ok(valid) => expand::expand(&handler, &valid),
        Err(error) => diag::bootstrap_with_errors(&function, &Errors::from(Some(error))),
    }
}

pub(crate) use expand::{
    adapter_body, idempotency_store, invoke_ident, main_locals, serving, shutdown_tokens, STORE,
};
pub(crate) use parse::Args;
