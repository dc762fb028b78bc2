//! Tokens out: the user's signature with a body that declares the query's
//! registered `static` and makes one call into
//! `lambda_kit::__private::rds`, named after the result shape.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Ident, LitStr, Type};

use super::parse::{Output, Param, Query};
use super::validate::{Op, Valid};
use crate::crate_path::at;

pub(crate) fn expand(query: &Query<'_>, valid: &Valid<'_>) -> TokenStream {
    let item = query.item;
    let (attrs, vis, sig) = (&item.attrs, &item.vis, &item.sig);
    let name = sig.ident.to_string();
    let sql = LitStr::new(&valid.sql, query.sql.span());
    let count = valid.binds.len();
    let kind = Ident::new(valid.kind, Span::call_site());
    let krate = &query.krate;

    let via = match valid.executor {
        Some(executor) => {
            let krate = at(krate, executor.span());
            quote_spanned!(executor.span()=> #krate::__private::rds::via(#executor))
        }
        None => quote!(#krate::__private::rds::Via::Global),
    };
    // Each bound through `rds::Param` at its parameter's type, so a type
    // that cannot be bound is reported there. The call and its argument
    // each start at the type's first token and end at its last, so both
    // span the whole type (and rustc gives them one label).
    let binds = valid.binds.iter().map(|ident| {
        let (first, last) = type_of(query, ident).map_or((ident.span(), ident.span()), ends);
        let krate = at(krate, first);
        let path = quote_spanned!(first=> #krate::rds::Param::);
        let method = Ident::new("to_param", last);
        let borrow = quote_spanned!(first=> &);
        let mut ident = (*ident).clone();
        ident.set_span(last);
        quote_spanned!(first=> #path #method(#borrow #ident))
    });
    // The row decoder, picked once at the row type's span: the query's
    // registered shape and the call both use it.
    let (function, row) = match valid.op {
        Op::All(row) => (quote!(all), Some(row)),
        Op::Optional(row) => (quote!(optional), Some(row)),
        Op::One(row) => (quote!(one), Some(row)),
        Op::Affected => (quote!(affected), None),
        Op::Exec => (quote!(exec), None),
        Op::Unit => (quote!(unit), None),
    };
    let (rows_fn, reads, decoder) = match row {
        Some(row) => (
            Some({
                let krate = at(krate, row.span());
                quote_spanned! {row.span()=>
                    fn __lk_rows() -> #krate::__private::rds::Decoder<#row> {
                        #krate::__private::rds::rows!(#row)
                    }
                }
            }),
            Some(quote!(reads __lk_rows)),
            Some(quote!(__lk_rows(),)),
        ),
        None => (None, None, None),
    };
    // `?`-style conversion into the fn's error type, checked at that type.
    let span = match &query.output {
        Output::Result { err: Some(err), .. } => err.span(),
        _ => Span::call_site(),
    };
    let into_error = quote_spanned!(span=> ::core::result::Result::map_err(__lk_result, ::core::convert::From::from));

    quote! {
        #(#attrs)*
        #vis #sig {
            #rows_fn
            #krate::__private::rds::query!(static __LK_QUERY = (#name, #sql, #count, #kind) #reads);
            let __lk_result = #krate::__private::rds::#function(#via, &__LK_QUERY, #decoder ::std::vec![#(#binds),*]).await;
            #into_error
        }
    }
}

/// The declared type of value parameter `ident`.
fn type_of<'a>(query: &Query<'a>, ident: &Ident) -> Option<&'a Type> {
    query.params.iter().find_map(|at| match &at.param {
        Param::Value { ident: name, ty } if *name == ident => Some(*ty),
        _ => None,
    })
}

/// The spans of a type's first and last tokens.
fn ends(ty: &Type) -> (Span, Span) {
    let mut tokens = ty.to_token_stream().into_iter();
    let first = tokens
        .next()
        .map_or_else(|| ty.span(), |token| token.span());
    let last = tokens.last().map_or(first, |token| token.span());
    (first, last)
}
