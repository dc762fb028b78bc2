//! Tokens out: `impl lambda_kit::rds::FromRow`, one `row.column` (by name)
//! or `row.next_column` (in order) call per field, each at the field's
//! type so a type that cannot be read is reported there, and the shape
//! `verify_queries` checks.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::parse::RowType;

pub(crate) fn expand(row: &RowType<'_>) -> TokenStream {
    let ident = row.ident;
    let krate = &row.krate;
    let (read, shape) = if row.by_name {
        let reads = row.fields.iter().map(|field| {
            let (name, ty, column) = (field.ident, field.ty, &field.column);
            quote_spanned!(ty.span()=> #name: __row.column::<#ty>(#column)?)
        });
        let fields = row.fields.iter().map(|field| {
            let (ty, column) = (field.ty, &field.column);
            quote!((&#krate::__private::rds::Probe::<#ty>::NEW).__lk_field(::core::option::Option::Some(#column)))
        });
        (
            quote!(::core::result::Result::Ok(Self { #(#reads),* })),
            quote!(#krate::rds::Shape::by_name(
                ::core::any::type_name::<Self>(),
                ::std::vec![#(#fields),*]
            )),
        )
    } else {
        let count = row.fields.len();
        let reads = row.fields.iter().map(|field| {
            let ty = field.ty;
            quote_spanned!(ty.span()=> __row.next_column::<#ty>()?)
        });
        let fields = row.fields.iter().map(|field| {
            let ty = field.ty;
            quote!((&#krate::__private::rds::Probe::<#ty>::NEW).__lk_field(::core::option::Option::None))
        });
        (
            quote! {
                __row.expect_columns(#count, ::core::any::type_name::<Self>())?;
                ::core::result::Result::Ok(Self(#(#reads),*))
            },
            quote!(#krate::rds::Shape::in_order(
                ::core::any::type_name::<Self>(),
                ::std::vec![#(#fields),*]
            )),
        )
    };
    quote! {
        impl #krate::rds::FromRow for #ident {
            fn from_row(__row: &mut #krate::rds::Row) -> ::core::result::Result<Self, #krate::rds::Error> {
                #read
            }

            fn shape() -> #krate::rds::Shape {
                #[allow(unused_imports)]
                use #krate::__private::rds::{FieldFallback as _, FieldOf as _};
                #shape
            }
        }
    }
}
