//! The struct as a row: each field, the column it reads, and every rule,
//! each failure a `syn::Error` at the offending token.

use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, LitStr, Type};

use crate::diag::Errors;

/// A struct that passed every rule.
pub(crate) struct RowType<'a> {
    pub ident: &'a Ident,
    /// `#[rds(crate = "path")]` on the struct, else `::lambda_kit`.
    pub krate: syn::Path,
    /// Named fields read columns by name; tuple fields in order.
    pub by_name: bool,
    pub fields: Vec<Field<'a>>,
}

pub(crate) struct Field<'a> {
    /// `None` for tuple fields.
    pub ident: Option<&'a Ident>,
    pub ty: &'a Type,
    /// The column read, for named fields.
    pub column: Option<LitStr>,
}

pub(crate) fn parse(input: &DeriveInput) -> syn::Result<RowType<'_>> {
    let mut errors = Errors::default();
    let fields = match &input.data {
        Data::Struct(data) => &data.fields,
        Data::Enum(data) => {
            return Err(syn::Error::new(
                data.enum_token.span,
                "#[derive(FromRow)] reads a row into a struct: make this a struct with one field per column",
            ))
        }
        Data::Union(data) => {
            return Err(syn::Error::new(
                data.union_token.span,
                "#[derive(FromRow)] reads a row into a struct: make this a struct with one field per column",
            ))
        }
    };
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        errors.add(syn::Error::new(
            input.generics.span(),
            "#[derive(FromRow)] does not support generic structs: write the concrete field types",
        ));
    }
    let krate = match struct_attrs(&input.attrs) {
        Ok(krate) => krate,
        Err(error) => {
            errors.add(error);
            None
        }
    };
    let by_name = matches!(fields, Fields::Named(_));
    if fields.is_empty() {
        errors.add(syn::Error::new(
            input.ident.span(),
            "a row struct needs fields: add one per column, e.g. `id: i64`",
        ));
    }

    let mut out: Vec<Field<'_>> = Vec::new();
    for field in fields {
        let rename = match rename(field) {
            Ok(rename) => rename,
            Err(error) => {
                errors.add(error);
                None
            }
        };
        let column = match (&field.ident, rename) {
            (Some(_), Some(rename)) => Some(rename),
            (Some(ident), None) => Some(LitStr::new(&ident.unraw().to_string(), ident.span())),
            (None, Some(rename)) => {
                errors.add(syn::Error::new(
                    rename.span(),
                    "tuple struct fields read columns in order, so they cannot be renamed: \
                     give the struct named fields to read columns by name",
                ));
                None
            }
            (None, None) => None,
        };
        if let Some(column) = &column {
            if let Some(other) = out.iter().find(|f| {
                f.column
                    .as_ref()
                    .is_some_and(|c| c.value() == column.value())
            }) {
                let other = other.ident.map(ToString::to_string).unwrap_or_default();
                errors.add(syn::Error::new(
                    column.span(),
                    format!(
                        "field `{other}` already reads column `{}`: each column goes to one field",
                        column.value()
                    ),
                ));
            }
        }
        out.push(Field {
            ident: field.ident.as_ref(),
            ty: &field.ty,
            column,
        });
    }

    errors.finish()?;
    Ok(RowType {
        ident: &input.ident,
        krate: krate.unwrap_or_else(crate::crate_path::default),
        by_name,
        fields: out,
    })
}

/// `#[rds(crate = "path")]` on the struct.
fn struct_attrs(attrs: &[syn::Attribute]) -> syn::Result<Option<syn::Path>> {
    let mut krate = None;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("rds")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                if krate.is_some() {
                    return Err(meta.error("`crate` is given twice: write it once"));
                }
                krate = Some(crate::crate_path::value(meta.value()?)?);
                Ok(())
            } else {
                Err(meta.error(
                    "on the struct, #[rds] takes only `crate = \"path\"`: \
                     put #[rds(rename = \"column_name\")] on a field",
                ))
            }
        })?;
    }
    Ok(krate)
}

/// `#[rds(rename = "column")]`.
fn rename(field: &syn::Field) -> syn::Result<Option<LitStr>> {
    let mut rename = None;
    for attr in field
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("rds"))
    {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                if rename.is_some() {
                    return Err(meta.error("`rename` is given twice: a field reads one column"));
                }
                let value = meta.value()?;
                match value.parse::<LitStr>() {
                    Ok(column) => rename = Some(column),
                    Err(_) => {
                        return Err(syn::Error::new(
                            value.span(),
                            "the column name is a string: write #[rds(rename = \"column_name\")]",
                        ))
                    }
                }
                Ok(())
            } else {
                let name = crate::diag::argument_name(&meta.path, "this");
                Err(meta.error(format!(
                    "unknown #[rds] attribute {name}: the only one is #[rds(rename = \"column_name\")]"
                )))
            }
        })?;
    }
    Ok(rename)
}
