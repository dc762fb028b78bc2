//! Tokens out: the user's signature with a body that declares the query's
//! registered `static` and makes one call into
//! `lambda_kit::__private::rds`, named after the result shape.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, LitStr};

use super::parse::QueryFn;
use super::validate::{Op, Valid};

pub(crate) fn expand(item: &QueryFn, sql: &LitStr, valid: &Valid<'_>) -> TokenStream {
    let QueryFn {
        attrs, vis, sig, ..
    } = item;
    let name = sig.ident.to_string();
    let sql = LitStr::new(&valid.sql, sql.span());
    let count = valid.binds.len();
    let kind = Ident::new(valid.kind, Span::call_site());

    let via = match valid.executor {
        Some(executor) => {
            quote_spanned!(executor.span()=> ::lambda_kit::__private::rds::via(#executor))
        }
        None => quote!(::lambda_kit::__private::rds::Via::Global),
    };
    // Each bound at its own span, so a type that cannot be bound is
    // reported at the parameter.
    let binds = valid
        .binds
        .iter()
        .map(|ident| quote_spanned!(ident.span()=> ::lambda_kit::__private::rds::bind(&#ident)));
    let rows =
        |row: &syn::Type| quote_spanned!(row.span()=> ::lambda_kit::__private::rds::rows!(#row),);
    let (function, reads, decoder) = match valid.op {
        Op::All(row) => (quote!(all), Some(quote!(reads #row)), Some(rows(row))),
        Op::Optional(row) => (quote!(optional), Some(quote!(reads #row)), Some(rows(row))),
        Op::One(row) => (quote!(one), Some(quote!(reads #row)), Some(rows(row))),
        Op::Affected => (quote!(affected), None, None),
        Op::Exec => (quote!(exec), None, None),
        Op::Unit => (quote!(unit), None, None),
    };

    quote! {
        #(#attrs)*
        #vis #sig {
            ::lambda_kit::__private::rds::query!(static __LK_QUERY = (#name, #sql, #count, #kind) #reads);
            ::lambda_kit::__private::rds::#function(#via, &__LK_QUERY, #decoder ::std::vec![#(#binds),*])
                .await
                .map_err(::core::convert::From::from)
        }
    }
}
