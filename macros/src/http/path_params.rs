//! `Path<T>` against the route's pattern, where the signature shows it: a
//! tuple whose length is not the number of pattern parameters, one plain
//! value on a pattern with several, any `Path` on a pattern with none.
//!
//! Extractor roles are decided by traits, not names: a misfit found here is
//! emitted as a constant that fails only when the type's `FromRequest`
//! impl says it is `Path` (`__private::http::Extractor::IS_PATH`), so another
//! extractor spelled `X<(A, B)>` is left alone and a renamed import of
//! `Path` is still checked. What the signature cannot show (a struct, a
//! type alias) the router checks at start-up
//! (`FromRequest::check_route`).

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{GenericArgument, PathArguments, Type};

use crate::crate_path::at;
use crate::types::peel;

/// A `Path` parameter that cannot fit the pattern.
pub(crate) struct Misfit<'a> {
    /// The extractor's type, which the gate asks about.
    pub ty: &'a Type,
    /// What the message points at (its first and last token): the tuple
    /// or value inside, or the whole type.
    pub at: (Span, Span),
    pub message: String,
}

/// Primitive names a struct cannot take (and `String`): a `Path` of one
/// of these takes exactly one parameter.
const SCALARS: [&str; 18] = [
    "bool", "char", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128",
    "usize", "f32", "f64", "String", "str",
];

/// What the signature shows of `X<T>`'s one type argument.
enum Inner<'a> {
    Tuple(&'a syn::TypeTuple),
    Scalar(&'a Type),
    Other,
}

/// Whether `tokens` name a lifetime other than `'static`: the gate's
/// constant could not name such a type (`'_` is not allowed there), so the
/// start-up check has it.
fn borrows(tokens: TokenStream) -> bool {
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Punct(p)
                if p.as_char() == '\''
                    && !matches!(tokens.peek(), Some(TokenTree::Ident(i)) if i == "static") =>
            {
                return true;
            }
            TokenTree::Group(group) if borrows(group.stream()) => return true,
            _ => {}
        }
    }
    false
}

/// The one type argument of an extractor spelled `X<T>`.
fn inner(ty: &Type) -> Option<Inner<'_>> {
    if borrows(ty.to_token_stream()) {
        return None;
    }
    let Type::Path(path) = peel(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    let (Some(arg), None) = (types.next(), types.next()) else {
        return None;
    };
    Some(match peel(arg) {
        Type::Tuple(tuple) if !tuple.elems.is_empty() => Inner::Tuple(tuple),
        Type::Path(scalar)
            if scalar.qself.is_none()
                && scalar.path.segments.len() == 1
                && scalar.path.segments[0].arguments.is_empty()
                && SCALARS.iter().any(|s| scalar.path.segments[0].ident == s) =>
        {
            Inner::Scalar(arg)
        }
        _ => Inner::Other,
    })
}

/// The first and last token's spans: a span over all of `tokens` once
/// rustc joins them.
fn bounds(tokens: impl ToTokens) -> (Span, Span) {
    let mut spans = tokens.into_token_stream().into_iter().map(|t| t.span());
    let first = spans.next().unwrap_or_else(Span::call_site);
    (first, spans.last().unwrap_or(first))
}

/// The extractor as written without its type argument (`Path`,
/// `lambda_kit::http::Path`, or a renamed import), for the suggestions.
fn outer(ty: &Type) -> String {
    match peel(ty) {
        Type::Path(path) => {
            let mut path = path.clone();
            if let Some(last) = path.path.segments.last_mut() {
                last.arguments = PathArguments::None;
            }
            spelled(path)
        }
        other => spelled(other),
    }
}

/// Tokens as a person writes them: `Path<(String, u32)>`.
fn spelled(tokens: impl ToTokens) -> String {
    let mut text = tokens.to_token_stream().to_string();
    for (from, to) in [
        (" :: ", "::"),
        (":: ", "::"),
        (" <", "<"),
        ("< ", "<"),
        (" >", ">"),
        (" ,", ","),
        ("( ", "("),
        (" )", ")"),
        ("& ", "&"),
    ] {
        text = text.replace(from, to);
    }
    text
}

/// `1 path parameter (`id`)`, `2 path parameters (`shop`, `id`)`.
fn counted(params: &[&str]) -> String {
    let names: Vec<String> = params.iter().map(|p| format!("`{p}`")).collect();
    match params.len() {
        1 => format!("1 path parameter ({})", names[0]),
        n => format!("{n} path parameters ({})", names.join(", ")),
    }
}

/// The misfit of one extractor type on a route `path` whose pattern has
/// the parameters `params`, if the signature shows one.
pub(crate) fn misfit<'a>(ty: &'a Type, path: &str, params: &[&str]) -> Option<Misfit<'a>> {
    let written = spelled(ty);
    let outer = outer(ty);
    let route = format!("the route `\"{path}\"`");
    if params.is_empty() {
        // Any `Path` is a mistake here, whatever it holds.
        inner(ty)?;
        return Some(Misfit {
            ty,
            at: bounds(ty),
            message: format!(
                "`{written}` has nothing to take: {route} has no path parameters; \
                 remove this parameter, or add a `{{name}}` segment to the path"
            ),
        });
    }
    let fields = params
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ");
    match inner(ty)? {
        Inner::Tuple(tuple) if tuple.elems.len() != params.len() => {
            let elems: Vec<String> = tuple.elems.iter().map(spelled).collect();
            let instead = match params.len() {
                1 => format!("take the one value, e.g. `{outer}<{}>`", elems[0]),
                n => {
                    let example: Vec<&str> = (0..n)
                        .map(|i| elems.get(i).map_or("String", String::as_str))
                        .collect();
                    format!(
                        "write a tuple of {n} in pattern order, e.g. `{outer}<({})>`, \
                         or a struct with the fields {fields}",
                        example.join(", ")
                    )
                }
            };
            Some(Misfit {
                ty,
                at: bounds(tuple),
                message: format!(
                    "`{written}` takes {} but {route} has {}: {instead}",
                    match elems.len() {
                        1 => "1 value".to_owned(),
                        n => format!("{n} values"),
                    },
                    counted(params)
                ),
            })
        }
        Inner::Scalar(scalar) if params.len() > 1 => {
            let one = spelled(scalar);
            let example = vec![one.as_str(); params.len()].join(", ");
            Some(Misfit {
                ty,
                at: bounds(scalar),
                message: format!(
                    "`{written}` takes one value but {route} has {}: write a tuple in pattern \
                     order, e.g. `{outer}<({example})>`, or a struct with the fields {fields}",
                    counted(params)
                ),
            })
        }
        Inner::Tuple(_) | Inner::Scalar(_) | Inner::Other => None,
    }
}

/// A constant that fails to evaluate, with the misfit's message, when the
/// type is `Path`. A type that is no extractor at all passes the gate: its
/// extraction reports it.
pub(crate) fn gate(krate: &syn::Path, misfit: &Misfit<'_>) -> TokenStream {
    let ty = misfit.ty;
    let at_ty = at(krate, ty.span());
    let is_path = quote_spanned! {ty.span()=> {
        #[allow(unused_imports)]
        use #at_ty::__private::http::NotAnExtractor as _;
        #at_ty::__private::http::Extractor::<#ty>::IS_PATH
    }};
    // `panic!` reads its literal as a format string.
    let message = misfit.message.replace('{', "{{").replace('}', "}}");
    // The call spans from its path to its parentheses: rustc points at
    // everything between.
    let (first, last) = misfit.at;
    let mut args = Group::new(Delimiter::Parenthesis, quote!(#message));
    args.set_span(last);
    let panic = quote_spanned!(first=> ::core::panic! #args);
    quote! {
        const _: () = if #is_path { #panic };
    }
}

#[cfg(test)]
mod tests {
    use super::misfit;

    fn message(ty: &str, path: &str, params: &[&str]) -> Option<String> {
        let ty: syn::Type = syn::parse_str(ty).unwrap();
        misfit(&ty, path, params).map(|m| m.message)
    }

    #[test]
    fn tuples_of_another_length_say_what_to_write() {
        assert_eq!(
            message("Path<(String, u32)>", "/items/{id}", &["id"]).unwrap(),
            "`Path<(String, u32)>` takes 2 values but the route `\"/items/{id}\"` has \
             1 path parameter (`id`): take the one value, e.g. `Path<String>`"
        );
        assert_eq!(
            message(
                "lambda_kit::http::Path<(u64,)>",
                "/a/{x}/b/{y}",
                &["x", "y"]
            )
            .unwrap(),
            "`lambda_kit::http::Path<(u64,)>` takes 1 value but the route `\"/a/{x}/b/{y}\"` has \
             2 path parameters (`x`, `y`): write a tuple of 2 in pattern order, \
             e.g. `lambda_kit::http::Path<(u64, String)>`, or a struct with the fields `x`, `y`"
        );
        assert_eq!(
            message("Path<(String, u32)>", "/a/{x}/{y}", &["x", "y"]),
            None
        );
        assert_eq!(message("Path<(u32,)>", "/a/{x}", &["x"]), None);
    }

    #[test]
    fn one_value_on_several_parameters_or_any_path_on_none() {
        assert_eq!(
            message("Path<u64>", "/a/{x}/{y}", &["x", "y"]).unwrap(),
            "`Path<u64>` takes one value but the route `\"/a/{x}/{y}\"` has 2 path parameters \
             (`x`, `y`): write a tuple in pattern order, e.g. `Path<(u64, u64)>`, \
             or a struct with the fields `x`, `y`"
        );
        assert_eq!(
            message("Path<Item>", "/items", &[]).unwrap(),
            "`Path<Item>` has nothing to take: the route `\"/items\"` has no path parameters; \
             remove this parameter, or add a `{name}` segment to the path"
        );
        // A struct may fit: the router checks it at start-up.
        assert_eq!(message("Path<Item>", "/a/{x}/{y}", &["x", "y"]), None);
        assert_eq!(message("Path<u64>", "/a/{x}", &["x"]), None);
        // A borrowed type cannot be named in the check's constant.
        assert_eq!(message("Path<(Cow<'_, str>, u8)>", "/a/{x}", &["x"]), None);
        assert!(message("Path<(Cow<'static, str>, u8)>", "/a/{x}", &["x"]).is_some());
        // Not spelled `X<T>`: nothing to see.
        assert_eq!(message("HeaderMap", "/items", &[]), None);
        assert_eq!(message("ItemPath", "/a/{x}/{y}", &["x", "y"]), None);
    }
}
