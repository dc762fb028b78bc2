//! Small questions about `syn::Type`s shared by the macros.

use syn::{Type, TypePath};

/// Looks through invisible groups and parentheses macro_rules may add.
pub(crate) fn peel(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => peel(&group.elem),
        Type::Paren(paren) => peel(&paren.elem),
        other => other,
    }
}

/// The last path segment's name, for a plain path type.
pub(crate) fn last_ident(ty: &Type) -> Option<&syn::Ident> {
    match peel(ty) {
        Type::Path(TypePath { qself: None, path }) => path.segments.last().map(|s| &s.ident),
        _ => None,
    }
}

/// Whether a type is named `name` (any path ending there).
pub(crate) fn is_named(ty: &Type, name: &str) -> bool {
    last_ident(ty).is_some_and(|ident| ident == name)
}
