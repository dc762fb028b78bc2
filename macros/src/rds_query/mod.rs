//! `#[rds_query("SQL")]`: parse the SQL and the body-less signature, check
//! every rule, emit the signature with a body that is one call into
//! `lambda_kit::__private::rds`.

mod expand;
mod parse;
mod placeholders;
mod validate;

use proc_macro2::TokenStream;
use quote::quote;

pub(crate) fn rds_query(args: TokenStream, item: TokenStream) -> TokenStream {
    let function: parse::QueryFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = syn::Error::new_spanned(
                &item,
                "#[rds_query] goes on a body-less async fn: \
                 `async fn find_by_name(name: &str) -> Result<Vec<Test>, rds::Error>;`",
            );
            return with_errors(item, error);
        }
    };
    let query = match parse::parse(args, &function) {
        Ok(query) => query,
        Err(error) => return with_errors(stand_in(&function), error),
    };
    match validate::validate(&query) {
        Ok(valid) => expand::expand(&query, &valid),
        Err(error) => with_errors(stand_in(&function), error),
    }
}

/// The user's fn as the rest of the crate should see it while the errors
/// are fixed: their body if they wrote one, else a placeholder body, so the
/// only errors are ours (not "free function without a body").
fn stand_in(function: &parse::QueryFn) -> TokenStream {
    let parse::QueryFn {
        attrs,
        vis,
        sig,
        body,
    } = function;
    match body {
        Some(body) => quote!(#(#attrs)* #vis #sig #body),
        None => quote! {
            #(#attrs)*
            #[allow(unused_variables)]
            #vis #sig {
                ::core::unimplemented!("#[rds_query] reported errors for this fn")
            }
        },
    }
}

fn with_errors(item: TokenStream, error: syn::Error) -> TokenStream {
    let errors = error.to_compile_error();
    quote! {
        #item
        #errors
    }
}
