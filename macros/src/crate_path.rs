//! `crate = "path"`, which every macro accepts (as tokio's do), so a crate
//! re-exporting lambda-kit can use the macros: the generated code then
//! names lambda-kit by that path instead of `::lambda_kit`.

use syn::parse::ParseStream;

const HOW: &str =
    "write the path of lambda-kit as a string, e.g. `crate = \"my_reexport::lambda_kit\"`";

/// `::lambda_kit`, when no `crate = ...` is given.
pub(crate) fn default() -> syn::Path {
    syn::parse_quote!(::lambda_kit)
}

/// The value after `crate =`: a string holding a path. Anything else is
/// consumed (so later arguments are still read) and reported at itself.
pub(crate) fn value(input: ParseStream<'_>) -> syn::Result<syn::Path> {
    if !input.peek(syn::LitStr) {
        let value: syn::Expr = input.parse()?;
        return Err(syn::Error::new_spanned(
            value,
            format!("`crate` takes a string: {HOW}"),
        ));
    }
    let literal: syn::LitStr = input.parse()?;
    literal.parse_with(syn::Path::parse_mod_style).map_err(|_| {
        syn::Error::new(
            literal.span(),
            format!("`{}` is not a path: {HOW}", literal.value()),
        )
    })
}

/// Whether the input continues with a `crate = ...` argument.
pub(crate) fn peek(input: ParseStream<'_>) -> bool {
    input.peek(syn::Token![crate]) && input.peek2(syn::Token![=])
}

/// `crate = "path"`, for the macros whose arguments are not `syn::meta`.
pub(crate) fn argument(input: ParseStream<'_>) -> syn::Result<syn::Path> {
    input.parse::<syn::Token![crate]>()?;
    input.parse::<syn::Token![=]>()?;
    value(input)
}

/// The path with every token at `span`, for `quote_spanned!`: an error in
/// the generated call is then reported at `span` as it was with the
/// literal `::lambda_kit`, not at the attribute.
pub(crate) fn at(path: &syn::Path, span: proc_macro2::Span) -> proc_macro2::TokenStream {
    quote::ToTokens::to_token_stream(path)
        .into_iter()
        .map(|mut token| {
            token.set_span(span);
            token
        })
        .collect()
}
