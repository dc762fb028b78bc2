//! Procedural macros of lambda-kit. Depend on `lambda-kit` and use them
//! from there: the generated code calls into that crate, and its
//! documentation describes each macro in full (`lambda_kit::lambda_handler`,
//! `lambda_kit::http::router!`, `lambda_kit::rds_query`).

#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod crate_path;
mod deploy;
mod diag;
mod error_type;
mod from_row;
mod handler;
mod http;
mod params;
mod rds_query;
mod types;

/// The expansion is the function as written plus a `main` that hands it to
/// lambda-kit's bootstrap (`cargo expand` shows it).
#[proc_macro_attribute]
pub fn lambda_handler(args: TokenStream, item: TokenStream) -> TokenStream {
    handler::lambda_handler(args.into(), item.into()).into()
}

/// The expansion is the fn with a body: the query registered once, its
/// parameters bound, one call into lambda-kit's `rds` support (`cargo
/// expand` shows it).
#[proc_macro_attribute]
pub fn rds_query(args: TokenStream, item: TokenStream) -> TokenStream {
    rds_query::rds_query(args.into(), item.into()).into()
}

/// Derives `lambda_kit::ErrorType`: the Lambda `errorType` is the type's
/// name as written, or `#[error_type(name = "...")]`.
#[proc_macro_derive(ErrorType, attributes(error_type))]
pub fn error_type(input: TokenStream) -> TokenStream {
    error_type::derive(input.into()).into()
}

/// `#[rds(crate = "path")]` on the struct names lambda-kit where a crate
/// re-exports it.
#[proc_macro_derive(FromRow, attributes(rds))]
pub fn from_row(input: TokenStream) -> TokenStream {
    from_row::derive(input.into()).into()
}

macro_rules! route_attributes {
    ($($name:ident => $method:literal),* $(,)?) => {$(
        #[doc = concat!("`#[", stringify!($name), "(\"/path/{param}\")]`: makes the function the `", $method, "` route of that path")]
        #[doc = "in a routed HTTP function; list it in `lambda_kit::http::router!`."]
        #[proc_macro_attribute]
        pub fn $name(args: TokenStream, item: TokenStream) -> TokenStream {
            http::route($method, args.into(), item.into()).into()
        }
    )*};
}

route_attributes!(get => "GET", post => "POST", put => "PUT", patch => "PATCH", delete => "DELETE");

/// The expansion is a `main` that hands the routes to lambda-kit's
/// bootstrap (`cargo expand` shows it).
#[proc_macro]
pub fn router(input: TokenStream) -> TokenStream {
    http::router(input.into()).into()
}
