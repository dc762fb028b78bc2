//! The type's name and its `#[error_type(...)]` attribute, each failure a
//! `syn::Error` at the offending token.

use syn::ext::IdentExt;
use syn::{DeriveInput, LitStr};

/// A type and the `errorType` it states.
pub(crate) struct Named<'a> {
    pub input: &'a DeriveInput,
    /// The identifier as written unless renamed: stable across compilers,
    /// unlike `std::any::type_name`.
    pub name: LitStr,
    /// lambda-kit's path: `::lambda_kit` unless `crate = "..."`.
    pub krate: syn::Path,
}

pub(crate) fn parse(input: &DeriveInput) -> syn::Result<Named<'_>> {
    let mut name: Option<LitStr> = None;
    let mut krate: Option<syn::Path> = None;
    for attr in input
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("error_type"))
    {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let path = crate::crate_path::value(meta.value()?)?;
                if krate.replace(path).is_some() {
                    return Err(meta.error("`crate` is given twice: keep one `crate = \"path\"`"));
                }
                return Ok(());
            }
            if !meta.path.is_ident("name") {
                return Err(meta.error(
                    "unknown `error_type` argument: write `#[error_type(name = \"...\")]` \
                     (or `crate = \"path\"` for a re-exported lambda-kit)",
                ));
            }
            let value: LitStr = meta.value()?.parse()?;
            if value.value().trim().is_empty() {
                return Err(syn::Error::new(
                    value.span(),
                    "the `errorType` name cannot be empty: write e.g. `name = \"OrderFailed\"`",
                ));
            }
            if name.is_some() {
                return Err(syn::Error::new(
                    value.span(),
                    "`name` is given twice: keep one `#[error_type(name = \"...\")]`",
                ));
            }
            name = Some(value);
            Ok(())
        })?;
    }
    let name =
        name.unwrap_or_else(|| LitStr::new(&input.ident.unraw().to_string(), input.ident.span()));
    Ok(Named {
        input,
        name,
        krate: krate.unwrap_or_else(crate::crate_path::default),
    })
}
