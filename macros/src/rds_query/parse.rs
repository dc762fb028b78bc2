//! What the user wrote, as a small AST: the SQL literal, the signature's
//! parameters sorted into the role each plays, and the return type read as
//! a result shape.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{
    Attribute, Block, FnArg, GenericArgument, Ident, LitStr, Pat, PathArguments, ReturnType,
    Signature, Type, Visibility,
};

use crate::crate_path;
use crate::types::{is_named, last_ident, peel};

/// The annotated item: a fn signature, normally without a body.
pub(crate) struct QueryFn {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub sig: Signature,
    pub body: Option<Block>,
}

impl Parse for QueryFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis = input.parse()?;
        let sig = input.parse()?;
        let body = if input.peek(syn::token::Brace) {
            Some(input.parse()?)
        } else {
            input.parse::<syn::Token![;]>()?;
            None
        };
        Ok(Self {
            attrs,
            vis,
            sig,
            body,
        })
    }
}

/// One parameter.
pub(crate) enum Param<'a> {
    /// `&rds::Pool`, `&mut rds::Conn` or `&mut rds::Transaction<'_>`: where
    /// the query runs.
    Executor {
        ident: Option<&'a Ident>,
        ty: &'a Type,
        kind: &'static str,
        mutable: bool,
    },
    /// A value bound to placeholders; `ty` is where a type that cannot be
    /// bound is reported.
    Value { ident: &'a Ident, ty: &'a Type },
    /// `self`, `&self`, ...
    Receiver,
    /// A pattern such as `(a, b): (i32, i32)`, which no placeholder can name.
    Pattern,
}

pub(crate) struct ParamAt<'a> {
    pub param: Param<'a>,
    pub span: Span,
    /// The whole parameter, for errors spanning it.
    pub arg: &'a FnArg,
}

/// The `Ok` type of the returned `Result`.
pub(crate) enum Shape<'a> {
    /// `Vec<R>`
    All(&'a Type),
    /// `Option<R>`
    Optional(&'a Type),
    /// `u64`: the affected rows of a write, else one scalar row.
    U64(&'a Type),
    /// `rds::Exec`
    Exec(&'a Type),
    /// `()`
    Unit,
    /// Any other `R`: exactly one row.
    One(&'a Type),
}

pub(crate) enum Output<'a> {
    /// No `-> ...`.
    Missing,
    /// A return type that is not a `Result`.
    NotResult(&'a Type),
    /// `Result<T, E>` (or an alias such as `rds::Result<T>`, without `E`).
    Result {
        ok: &'a Type,
        err: Option<&'a Type>,
        shape: Shape<'a>,
    },
}

pub(crate) struct Query<'a> {
    pub sql: LitStr,
    /// `crate = "path"`, else `::lambda_kit`: how the body names lambda-kit.
    pub krate: syn::Path,
    pub item: &'a QueryFn,
    pub params: Vec<ParamAt<'a>>,
    pub output: Output<'a>,
}

pub(crate) fn parse(args: TokenStream, item: &QueryFn) -> syn::Result<Query<'_>> {
    let (sql, krate) = parse_args(args)?;
    let params = item.sig.inputs.iter().map(param).collect();
    let output = match &item.sig.output {
        ReturnType::Default => Output::Missing,
        ReturnType::Type(_, ty) => match result_types(ty) {
            Some((ok, err)) => Output::Result {
                ok,
                err,
                shape: shape(ok),
            },
            None => Output::NotResult(ty),
        },
    };
    Ok(Query {
        sql,
        krate: krate.unwrap_or_else(crate::crate_path::default),
        item,
        params,
        output,
    })
}

/// The SQL as a string literal, then optionally `crate = "path"`.
fn parse_args(args: TokenStream) -> syn::Result<(LitStr, Option<syn::Path>)> {
    if args.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "#[rds_query] needs the SQL as a string literal: #[rds_query(\"SELECT id, name FROM test WHERE name = :name\")]",
        ));
    }
    let parser = |input: ParseStream<'_>| {
        let expr: syn::Expr = input.parse()?;
        let sql = match expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(sql),
                ..
            }) => sql,
            other => return Err(syn::Error::new_spanned(
                other,
                "the SQL must be a string literal, written here: #[rds_query(\"SELECT ...\")]; \
                     the macro reads it at compile time to check its placeholders",
            )),
        };
        let mut krate = None;
        if input.peek(syn::Token![,])
            && input.peek2(syn::Token![crate])
            && input.peek3(syn::Token![=])
        {
            input.parse::<syn::Token![,]>()?;
            krate = Some(crate_path::argument(input)?);
            if input.peek(syn::Token![,]) {
                input.parse::<syn::Token![,]>()?;
            }
        }
        if !input.is_empty() {
            let rest: TokenStream = input.parse()?;
            return Err(syn::Error::new_spanned(
                rest,
                "#[rds_query] takes only the SQL string: remove what follows it",
            ));
        }
        Ok((sql, krate))
    };
    parser.parse2(args)
}

fn param(arg: &FnArg) -> ParamAt<'_> {
    match arg {
        FnArg::Receiver(receiver) => ParamAt {
            param: Param::Receiver,
            span: receiver.span(),
            arg,
        },
        FnArg::Typed(typed) => {
            let ident = match &*typed.pat {
                Pat::Ident(pat) if pat.subpat.is_none() => Some(&pat.ident),
                _ => None,
            };
            let param = match (executor(&typed.ty), ident) {
                (Some((kind, mutable)), ident) => Param::Executor {
                    ident,
                    ty: &typed.ty,
                    kind,
                    mutable,
                },
                (None, Some(ident)) => Param::Value {
                    ident,
                    ty: &typed.ty,
                },
                (None, None) => Param::Pattern,
            };
            let span = match param {
                Param::Pattern => typed.pat.span(),
                _ => typed.span(),
            };
            ParamAt { param, span, arg }
        }
    }
}

/// A reference to a type named `Pool`, `Conn` or `Transaction`.
fn executor(ty: &Type) -> Option<(&'static str, bool)> {
    let Type::Reference(reference) = peel(ty) else {
        return None;
    };
    let kind = match last_ident(&reference.elem)?.to_string().as_str() {
        "Pool" => "Pool",
        "Conn" => "Conn",
        "Transaction" => "Transaction",
        _ => return None,
    };
    Some((kind, reference.mutability.is_some()))
}

/// `T` and `E` of `Result<T, E>`, `Result<T>` or any path ending in `Result`.
fn result_types(ty: &Type) -> Option<(&Type, Option<&Type>)> {
    if !is_named(ty, "Result") {
        return None;
    }
    let mut types = type_arguments(ty);
    Some((types.next()?, types.next()))
}

fn first_type_argument(ty: &Type) -> Option<&Type> {
    type_arguments(ty).next()
}

fn type_arguments(ty: &Type) -> impl Iterator<Item = &Type> {
    let args = match peel(ty) {
        Type::Path(path) => match path.path.segments.last().map(|s| &s.arguments) {
            Some(PathArguments::AngleBracketed(args)) => Some(&args.args),
            _ => None,
        },
        _ => None,
    };
    args.into_iter().flatten().filter_map(|arg| match arg {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    })
}

fn shape(ok: &Type) -> Shape<'_> {
    if let Type::Tuple(tuple) = peel(ok) {
        if tuple.elems.is_empty() {
            return Shape::Unit;
        }
    }
    if let Some(inner) = first_type_argument(ok) {
        if is_named(ok, "Vec") {
            return Shape::All(inner);
        }
        if is_named(ok, "Option") {
            return Shape::Optional(inner);
        }
    }
    match peel(ok) {
        _ if is_named(ok, "Exec") => Shape::Exec(ok),
        Type::Path(path) if path.qself.is_none() && path.path.is_ident("u64") => Shape::U64(ok),
        _ => Shape::One(ok),
    }
}
