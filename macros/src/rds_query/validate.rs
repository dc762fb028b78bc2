//! Every rule an `#[rds_query]` fn must follow, one function per rule, each
//! failure a `syn::Error` at the offending token saying what to write
//! instead. All failures are reported at once.

use proc_macro2::Span;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{GenericParam, Ident, Type};

use super::parse::{Output, Param, ParamAt, Query, QueryFn, Shape};
use super::placeholders::{scan, Placeholder, Scan, ScanError, Verb};
use crate::diag::{self, Errors};

/// What the body does with the result.
pub(crate) enum Op<'a> {
    /// Every row, each an `R`.
    All(&'a Type),
    /// The first row, if any.
    Optional(&'a Type),
    /// Exactly one row.
    One(&'a Type),
    /// The affected-row count.
    Affected,
    /// `rds::Exec`.
    Exec,
    /// Nothing.
    Unit,
}

/// A query that passed every rule.
pub(crate) struct Valid<'a> {
    /// The SQL as sent: `:name` rewritten to `?`.
    pub sql: String,
    /// `Read`, `Write` or `Other`: the runtime's `Kind` variant.
    pub kind: &'static str,
    /// The parameter saying where the query runs, if any.
    pub executor: Option<&'a Ident>,
    /// The parameters bound to the placeholders, in placeholder order.
    pub binds: Vec<&'a Ident>,
    pub op: Op<'a>,
}

/// A type as a user writes it: `Vec<i64>`, not `Vec < i64 >`.
fn spelled(ty: &Type) -> String {
    let text = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let drop_space = c == ' '
            && (matches!(next, Some('<' | '>' | ',' | ':' | ')'))
                || matches!(out.chars().last(), Some('<' | '&' | ':' | '(')));
        if !drop_space {
            out.push(c);
        }
    }
    out
}

pub(crate) fn validate<'a>(query: &Query<'a>) -> syn::Result<Valid<'a>> {
    let mut errors = Errors::default();
    check_item(query.item, &mut errors);
    let (executor, values) = check_params(query, &mut errors);
    let checked = check_sql(query, &values, executor, &mut errors);
    let op = result_op(query, checked.as_ref().map(|(scan, _)| scan), &mut errors);
    errors.finish()?;
    match (checked, op) {
        (Some((scan, binds)), Some(op)) => Ok(Valid {
            sql: scan.sql,
            kind: match scan.verb {
                Verb::Read => "Read",
                Verb::Write => "Write",
                Verb::Other => "Other",
            },
            executor,
            binds,
            op,
        }),
        // Every path without a scan or an op reported an error.
        _ => Err(syn::Error::new(
            query.sql.span(),
            "#[rds_query] could not read this query",
        )),
    }
}

/// The fn around the signature: body-less, `async`, and nothing the
/// generated body cannot be.
fn check_item(item: &QueryFn, errors: &mut Errors) {
    let sig = &item.sig;
    if let Some(body) = &item.body {
        errors.at(
            body.brace_token.span.join(),
            "#[rds_query] writes the body from the SQL: remove this block and end the signature with `;`",
        );
    }
    if sig.asyncness.is_none() {
        errors.at(
            sig.fn_token.span,
            "an #[rds_query] fn must be `async`: write `async fn`, and `.await` it where it is called",
        );
    }
    if let Some(constness) = &sig.constness {
        errors.at(
            constness.span,
            "an #[rds_query] fn cannot be `const`: remove `const`",
        );
    }
    diag::check_not_unsafe(sig, errors, SUBJECT, "remove `unsafe`");
    if let Some(abi) = &sig.abi {
        errors.at(
            abi.span(),
            "an #[rds_query] fn cannot have an ABI: remove `extern`",
        );
    }
    diag::check_not_variadic(sig, errors, SUBJECT);
    check_no_type_parameters(sig, errors);
}

const SUBJECT: &str = "an #[rds_query] fn";

/// Lifetimes are fine (`&'a str`); types must be concrete to bind and read.
fn check_no_type_parameters(sig: &syn::Signature, errors: &mut Errors) {
    for param in &sig.generics.params {
        if !matches!(param, GenericParam::Lifetime(_)) {
            errors.over(
                param,
                "an #[rds_query] fn cannot be generic: write the concrete parameter and row types, \
                 e.g. `name: &str` and `Vec<Test>`",
            );
        }
    }
}

/// The connection parameter (first, if any) and the value parameters.
fn check_params<'a>(query: &Query<'a>, errors: &mut Errors) -> (Option<&'a Ident>, Vec<&'a Ident>) {
    let mut executor = None;
    let mut values = Vec::new();
    for (index, param) in query.params.iter().enumerate() {
        match &param.param {
            Param::Receiver => errors.at(
                param.span,
                "an #[rds_query] fn cannot take `self`: take the values it binds as parameters instead",
            ),
            Param::Pattern => errors.at(
                param.span,
                "name this parameter, e.g. `id: i64`, so that a `:id` placeholder can bind it",
            ),
            Param::Executor { .. } => {
                if let Some(ident) = check_executor(index, param, errors) {
                    executor = Some(ident);
                }
            }
            Param::Value { ident, .. } => values.push(*ident),
        }
    }
    (executor, values)
}

/// `pool: &rds::Pool`, `conn: &mut rds::Conn` or `tx: &mut rds::Transaction<'_>`, first.
fn check_executor<'a>(index: usize, param: &ParamAt<'a>, errors: &mut Errors) -> Option<&'a Ident> {
    let Param::Executor {
        ident,
        ty,
        kind,
        mutable,
    } = &param.param
    else {
        return None;
    };
    let written = match *kind {
        "Pool" => "pool: &rds::Pool".to_owned(),
        "Conn" => "conn: &mut rds::Conn".to_owned(),
        _ => format!("tx: &mut rds::{kind}<'_>"),
    };
    if index != 0 {
        errors.over(
            param.arg,
            format!("the connection parameter goes first: move `{written}` before the values"),
        );
    } else if !mutable && *kind != "Pool" {
        errors.over(
            ty,
            format!("a {kind} runs one statement at a time, so it is borrowed mutably: write `{written}`"),
        );
    } else if ident.is_none() {
        errors.at(
            param.span,
            format!("name the connection parameter so the query can use it: write `{written}`"),
        );
    } else {
        return *ident;
    }
    None
}

/// The SQL scanned, and the parameters bound to its placeholders.
fn check_sql<'a>(
    query: &Query<'a>,
    values: &[&'a Ident],
    executor: Option<&Ident>,
    errors: &mut Errors,
) -> Option<(Scan, Vec<&'a Ident>)> {
    let sql_span = query.sql.span();
    let text = query.sql.value();
    if text.trim().is_empty() {
        errors.at(
            sql_span,
            "the SQL is empty: write the statement, e.g. \"SELECT id, name FROM test\"",
        );
        return None;
    }
    match scan(&text) {
        Err(ScanError::Unterminated(what)) => {
            errors.at(
                sql_span,
                format!("the SQL has an unterminated {what}: close it, so placeholders after it are seen"),
            );
            None
        }
        Ok(scan) => {
            let binding = Binding {
                values,
                params: &query.params,
                executor,
                sql_span,
            };
            let binds = check_placeholders(&scan.placeholders, &binding, errors);
            Some((scan, binds))
        }
    }
}

/// What the body does with the result, from the return type and the SQL.
fn result_op<'a>(query: &Query<'a>, scan: Option<&Scan>, errors: &mut Errors) -> Option<Op<'a>> {
    match &query.output {
        Output::Missing => {
            errors.at(
                query.item.sig.paren_token.span.close(),
                "an #[rds_query] fn returns a `Result`: add `-> Result<Vec<Row>, rds::Error>` (or the shape you need: \
                 `Option<Row>`, `Row`, `u64`, `rds::Exec`, `()`)",
            );
            None
        }
        Output::NotResult(ty) => {
            errors.over(
                ty,
                format!(
                    "an #[rds_query] fn returns a `Result` whose error type implements `From<rds::Error>`: \
                     write `Result<{}, rds::Error>`",
                    spelled(ty)
                ),
            );
            None
        }
        Output::Result { ok, shape, .. } => shape_op(ok, shape, scan?, errors),
    }
}

/// The result shape must fit the statement: rows from reads (or
/// `RETURNING`), counts from writes.
fn shape_op<'a>(ok: &Type, shape: &Shape<'a>, scan: &Scan, errors: &mut Errors) -> Option<Op<'a>> {
    let writes = scan.verb == Verb::Write && !scan.returning;
    let keyword = scan.keyword.as_deref().unwrap_or("the statement");
    match *shape {
        Shape::All(_) | Shape::Optional(_) | Shape::One(_) if writes => {
            errors.over(
                ok,
                format!(
                    "`{keyword}` returns no rows: return `u64` (affected rows), `rds::Exec` \
                     (affected rows and last insert id) or `()`; to read rows back, add `RETURNING ...` (MariaDB)"
                ),
            );
            None
        }
        Shape::Exec(ty) if !writes && scan.verb != Verb::Other => {
            let what = if scan.returning {
                format!("`{keyword} ... RETURNING`")
            } else {
                format!("`{keyword}`")
            };
            errors.over(
                ty,
                format!("{what} returns rows, not an `rds::Exec`: return `Vec<Row>`, `Option<Row>` or `Row`"),
            );
            None
        }
        Shape::All(row) => Some(Op::All(row)),
        Shape::Optional(row) => Some(Op::Optional(row)),
        Shape::One(row) => Some(Op::One(row)),
        Shape::U64(ty) if scan.verb == Verb::Read || scan.returning => Some(Op::One(ty)),
        Shape::U64(_) => Some(Op::Affected),
        Shape::Exec(_) => Some(Op::Exec),
        Shape::Unit => Some(Op::Unit),
    }
}

/// The fn's side of the binding: its value parameters, and where to
/// report problems.
struct Binding<'q, 'a> {
    values: &'q [&'a Ident],
    params: &'q [ParamAt<'a>],
    executor: Option<&'q Ident>,
    sql_span: Span,
}

impl Binding<'_, '_> {
    /// A value parameter's whole `name: T`, for errors about it.
    fn span_of(&self, ident: &Ident) -> Span {
        self.params
            .iter()
            .find(|p| matches!(&p.param, Param::Value { ident: i, .. } if *i == ident))
            .map_or(ident.span(), |p| p.span)
    }
}

/// Pairs placeholders with parameters: `:name` by name, `?` in order; one
/// style per query. Returns the parameters in placeholder order.
fn check_placeholders<'a>(
    placeholders: &[Placeholder],
    binding: &Binding<'_, 'a>,
    errors: &mut Errors,
) -> Vec<&'a Ident> {
    let positional = placeholders
        .iter()
        .filter(|p| **p == Placeholder::Positional)
        .count();
    let named: Vec<&str> = placeholders
        .iter()
        .filter_map(|p| match p {
            Placeholder::Named(name) => Some(name.as_str()),
            Placeholder::Positional => None,
        })
        .collect();
    if positional > 0 && !named.is_empty() {
        errors.at(
            binding.sql_span,
            "the SQL mixes `?` and `:name` placeholders: use one style, `:name` to bind the parameter of that name \
             or `?` to bind the parameters in order",
        );
        Vec::new()
    } else if positional > 0 || named.is_empty() {
        bind_in_order(positional, binding, errors)
    } else {
        bind_by_name(&named, binding, errors)
    }
}

/// `?` placeholders (or none): one per value parameter, in order.
fn bind_in_order<'a>(
    positional: usize,
    binding: &Binding<'_, 'a>,
    errors: &mut Errors,
) -> Vec<&'a Ident> {
    let values = binding.values;
    match positional.cmp(&values.len()) {
        std::cmp::Ordering::Equal => return values.to_vec(),
        std::cmp::Ordering::Greater => errors.at(
            binding.sql_span,
            format!(
                "the SQL has {positional} `?` placeholder(s) but the fn takes {} value parameter(s): \
                 add a parameter for each `?`, in order",
                values.len()
            ),
        ),
        std::cmp::Ordering::Less => {
            for ident in &values[positional..] {
                let message = if positional == 0 {
                    unused(ident)
                } else {
                    format!(
                        "parameter `{ident}` has no `?`: the SQL has {positional} `?` placeholder(s) for {} parameters; \
                         add a `?` or remove the parameter",
                        values.len()
                    )
                };
                errors.at(binding.span_of(ident), message);
            }
        }
    }
    Vec::new()
}

fn unused(ident: &Ident) -> String {
    let plain = ident.unraw();
    format!("parameter `{plain}` is not used by the SQL: write `:{plain}` where its value goes, or remove it")
}

/// `:name` placeholders: each names a value parameter, and each value
/// parameter is named.
fn bind_by_name<'a>(
    named: &[&str],
    binding: &Binding<'_, 'a>,
    errors: &mut Errors,
) -> Vec<&'a Ident> {
    let mut binds = Vec::new();
    let mut missing: Vec<&str> = Vec::new();
    // Parameters already offered as the fix for a misspelt placeholder.
    let mut suggested: Vec<&Ident> = Vec::new();
    for name in named {
        match binding.values.iter().find(|ident| ident.unraw() == name) {
            Some(ident) => binds.push(*ident),
            None if missing.contains(name) => {}
            None => {
                missing.push(name);
                let message = if binding.executor.is_some_and(|e| e.unraw() == name) {
                    format!("`:{name}` names the connection parameter, which is not a value: bind a value parameter instead")
                } else {
                    let typo = binding
                        .values
                        .iter()
                        .find(|ident| similar(&ident.unraw().to_string(), name));
                    let hint = match typo {
                        Some(ident) => {
                            suggested.push(ident);
                            format!(" (did you mean `:{}`?)", ident.unraw())
                        }
                        None => String::new(),
                    };
                    format!("the SQL uses `:{name}` but the fn has no parameter `{name}`{hint}: add `{name}: T` or fix the name")
                };
                errors.at(binding.sql_span, message);
            }
        }
    }
    for ident in binding.values {
        let plain = ident.unraw();
        if !named.iter().any(|name| plain == name) && !suggested.contains(ident) {
            errors.at(binding.span_of(ident), unused(ident));
        }
    }
    binds
}

/// Close enough to be a typo: same letters ignoring case, or at most two
/// edits apart.
fn similar(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()] <= 2 && a.len().min(b.len()) > 2
}

#[cfg(test)]
mod tests {
    use super::similar;

    #[test]
    fn typos_are_similar() {
        assert!(similar("name", "nmae"));
        assert!(similar("user_id", "userid"));
        assert!(similar("Name", "name"));
        assert!(!similar("id", "by"));
        assert!(!similar("name", "email"));
    }
}
