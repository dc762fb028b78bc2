//! The diagnostics core of every macro: an accumulator that reports all
//! problems in one compile (`syn::Error::combine`), and the signature rules
//! several macros share, worded with what each macro calls the function.

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};
use syn::Signature;

/// Every error found so far.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// Starts from errors found earlier (e.g. the attribute's own).
    pub(crate) fn from(first: Option<syn::Error>) -> Self {
        Self(first)
    }

    /// An error at one span.
    pub(crate) fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.add(syn::Error::new(span, message));
    }

    /// An error underlining all of `tokens` (first to last token).
    pub(crate) fn over(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.add(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn add(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub(crate) fn into_error(self) -> Option<syn::Error> {
        self.0
    }

    /// `Err` with every error, if there is one.
    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }

    /// The errors as `compile_error!`s (nothing if there are none).
    pub(crate) fn to_compile_error(&self) -> Option<TokenStream> {
        self.0.as_ref().map(syn::Error::to_compile_error)
    }
}

/// An attribute argument's name for a message (`` `timeout` ``), or
/// `unnamed` for a longer path.
pub(crate) fn argument_name(path: &syn::Path, unnamed: &str) -> String {
    path.get_ident()
        .map_or_else(|| unnamed.to_owned(), |ident| format!("`{ident}`"))
}

/// The error at `second`, with a note at `first`: for something given twice.
pub(crate) fn repeated(
    second: impl ToTokens,
    message: impl std::fmt::Display,
    first: impl ToTokens,
    note: &str,
) -> syn::Error {
    let mut error = syn::Error::new_spanned(second, message);
    error.combine(syn::Error::new_spanned(first, note));
    error
}

/// A function that becomes the binary's bootstrap cannot itself be `main`.
pub(crate) fn check_not_main(sig: &Signature, errors: &mut Errors, attribute: &str) {
    if sig.ident == "main" {
        errors.over(
            &sig.ident,
            format!(
                "the handler cannot be named `main`: {attribute} generates `main`; rename it, e.g. `handler`"
            ),
        );
    }
}

/// No type, lifetime or const parameters, no `where` clause. `subject` is
/// what the macro calls the function ("a handler"); `fix` what to write.
pub(crate) fn check_not_generic(sig: &Signature, errors: &mut Errors, subject: &str, fix: &str) {
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.over(&sig.generics, format!("{subject} cannot be generic: {fix}"));
    }
}

pub(crate) fn check_not_unsafe(sig: &Signature, errors: &mut Errors, subject: &str, fix: &str) {
    if let Some(unsafety) = &sig.unsafety {
        errors.over(unsafety, format!("{subject} cannot be `unsafe fn`: {fix}"));
    }
}

pub(crate) fn check_not_variadic(sig: &Signature, errors: &mut Errors, subject: &str) {
    if let Some(variadic) = &sig.variadic {
        errors.over(
            variadic,
            format!("{subject} cannot be variadic: remove the `...` parameter"),
        );
    }
}

/// What a bootstrap attribute emits on errors: the user's function (so the
/// IDE keeps seeing it), every error, and a stand-in `main` so rustc adds no
/// "no `main`" of its own, unless the function already is `main`.
pub(crate) fn bootstrap_with_errors(function: &syn::ItemFn, errors: &Errors) -> TokenStream {
    let errors = errors.to_compile_error();
    let main = (function.sig.ident != "main").then(|| {
        quote!(
            fn main() {}
        )
    });
    quote! {
        #function
        #errors
        #main
    }
}
