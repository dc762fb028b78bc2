//! Every rule an `#[rds_query]` fn must follow, each failure a `syn::Error`
//! at the offending token saying what to write instead. All failures are
//! reported at once.

use proc_macro2::Span;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{GenericParam, Ident, Type};

use super::parse::{Output, Param, Query, Shape};
use super::placeholders::{scan, Placeholder, ScanError, Verb};

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

#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.add(syn::Error::new(span, message));
    }

    /// An error underlining all of `tokens`, not just their first token.
    fn push_over(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.add(syn::Error::new_spanned(tokens, message));
    }

    fn add(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }
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
    let item = query.item;
    let sig = &item.sig;
    let sql_span = query.sql.span();

    if let Some(body) = &item.body {
        errors.push(
            body.brace_token.span.join(),
            "#[rds_query] writes the body from the SQL: remove this block and end the signature with `;`",
        );
    }
    if sig.asyncness.is_none() {
        errors.push(
            sig.fn_token.span,
            "an #[rds_query] fn must be `async`: write `async fn`, and `.await` it where it is called",
        );
    }
    if let Some(constness) = &sig.constness {
        errors.push(
            constness.span,
            "an #[rds_query] fn cannot be `const`: remove `const`",
        );
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.push(
            unsafety.span,
            "an #[rds_query] fn cannot be `unsafe`: remove `unsafe`",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.push(
            abi.span(),
            "an #[rds_query] fn cannot have an ABI: remove `extern`",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(variadic.span(), "an #[rds_query] fn cannot be variadic");
    }
    for param in &sig.generics.params {
        if !matches!(param, GenericParam::Lifetime(_)) {
            errors.push_over(
                param,
                "an #[rds_query] fn cannot be generic: write the concrete parameter and row types, \
                 e.g. `name: &str` and `Vec<Test>`",
            );
        }
    }

    // Parameters.
    let mut executor: Option<&Ident> = None;
    let mut values: Vec<&Ident> = Vec::new();
    for (index, param) in query.params.iter().enumerate() {
        match &param.param {
            Param::Receiver => errors.push(
                param.span,
                "an #[rds_query] fn cannot take `self`: take the values it binds as parameters instead",
            ),
            Param::Pattern => errors.push(
                param.span,
                "name this parameter, e.g. `id: i64`, so that a `:id` placeholder can bind it",
            ),
            Param::Executor { ident, ty, kind, mutable } => {
                let written = if *kind == "Pool" {
                    "pool: &rds::Pool".to_owned()
                } else {
                    let lifetime = if *kind == "Transaction" { "<'_>" } else { "" };
                    format!("{}: &mut rds::{kind}{lifetime}", if *kind == "Conn" { "conn" } else { "tx" })
                };
                if index != 0 {
                    errors.push_over(
                        param.arg,
                        format!("the connection parameter goes first: move `{written}` before the values"),
                    );
                } else if !mutable && *kind != "Pool" {
                    errors.push_over(
                        ty,
                        format!("a {kind} runs one statement at a time, so it is borrowed mutably: write `{written}`"),
                    );
                } else if let Some(ident) = ident {
                    executor = Some(ident);
                } else {
                    errors.push(
                        param.span,
                        format!("name the connection parameter so the query can use it: write `{written}`"),
                    );
                }
            }
            Param::Value { ident, .. } => values.push(ident),
        }
    }

    // The SQL and its placeholders.
    let text = query.sql.value();
    let mut binds = Vec::new();
    let mut scanned = None;
    if text.trim().is_empty() {
        errors.push(
            sql_span,
            "the SQL is empty: write the statement, e.g. \"SELECT id, name FROM test\"",
        );
    } else {
        match scan(&text) {
            Err(ScanError::Unterminated(what)) => errors.push(
                sql_span,
                format!("the SQL has an unterminated {what}: close it, so placeholders after it are seen"),
            ),
            Ok(scan) => {
                check_placeholders(&scan.placeholders, &values, executor, sql_span, &query.params, &mut binds, &mut errors);
                scanned = Some(scan);
            }
        }
    }

    // The result.
    let op = match (&query.output, &scanned) {
        (Output::Missing, _) => {
            errors.push(
                sig.paren_token.span.close(),
                "an #[rds_query] fn returns a `Result`: add `-> Result<Vec<Row>, rds::Error>` (or the shape you need: \
                 `Option<Row>`, `Row`, `u64`, `rds::Exec`, `()`)",
            );
            None
        }
        (Output::NotResult(ty), _) => {
            errors.push_over(
                ty,
                format!(
                    "an #[rds_query] fn returns a `Result` whose error type implements `From<rds::Error>`: \
                     write `Result<{}, rds::Error>`",
                    spelled(ty)
                ),
            );
            None
        }
        (Output::Result { ok, shape, .. }, Some(scan)) => {
            let writes = scan.verb == Verb::Write && !scan.returning;
            let keyword = scan.keyword.as_deref().unwrap_or("the statement");
            match *shape {
                Shape::All(_) | Shape::Optional(_) | Shape::One(_) if writes => {
                    errors.push_over(
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
                    errors.push_over(
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
        (Output::Result { .. }, None) => None,
    };

    match (errors.0, scanned, op) {
        (Some(errors), _, _) => Err(errors),
        (None, Some(scan), Some(op)) => Ok(Valid {
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
        // Every path without a scan or an op pushed an error.
        (None, _, _) => Err(syn::Error::new(
            sql_span,
            "#[rds_query] could not read this query",
        )),
    }
}

/// Pairs placeholders with parameters: `:name` by name, `?` in order.
fn check_placeholders<'a>(
    placeholders: &[Placeholder],
    values: &[&'a Ident],
    executor: Option<&Ident>,
    sql_span: Span,
    params: &[super::parse::ParamAt<'a>],
    binds: &mut Vec<&'a Ident>,
    errors: &mut Errors,
) {
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
    let value_span = |ident: &Ident| {
        params
            .iter()
            .find(|p| matches!(&p.param, Param::Value { ident: i } if *i == ident))
            .map_or(ident.span(), |p| p.span)
    };

    if positional > 0 && !named.is_empty() {
        errors.push(
            sql_span,
            "the SQL mixes `?` and `:name` placeholders: use one style, `:name` to bind the parameter of that name \
             or `?` to bind the parameters in order",
        );
        return;
    }

    if positional > 0 || named.is_empty() {
        // `?` in order, or no placeholders at all.
        match positional.cmp(&values.len()) {
            std::cmp::Ordering::Equal => binds.extend(values.iter().copied()),
            std::cmp::Ordering::Greater => errors.push(
                sql_span,
                format!(
                    "the SQL has {positional} `?` placeholder(s) but the fn takes {} value parameter(s): \
                     add a parameter for each `?`, in order",
                    values.len()
                ),
            ),
            std::cmp::Ordering::Less => {
                for ident in &values[positional..] {
                    let message = if positional == 0 {
                        let plain = ident.unraw();
                        format!(
                            "parameter `{plain}` is not used by the SQL: write `:{plain}` where its value goes, or remove it"
                        )
                    } else {
                        format!(
                            "parameter `{ident}` has no `?`: the SQL has {positional} `?` placeholder(s) for {} parameters; \
                             add a `?` or remove the parameter",
                            values.len()
                        )
                    };
                    errors.push(value_span(ident), message);
                }
            }
        }
        return;
    }

    let mut missing: Vec<&str> = Vec::new();
    // Parameters already offered as the fix for a misspelt placeholder.
    let mut suggested: Vec<&Ident> = Vec::new();
    for name in &named {
        match values.iter().find(|ident| ident.unraw() == name) {
            Some(ident) => binds.push(ident),
            None if missing.contains(name) => {}
            None => {
                missing.push(name);
                let message = if executor.is_some_and(|e| e.unraw() == name) {
                    format!("`:{name}` names the connection parameter, which is not a value: bind a value parameter instead")
                } else {
                    let typo = values
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
                errors.push(sql_span, message);
            }
        }
    }
    for ident in values {
        let plain = ident.unraw();
        if !named.iter().any(|name| plain == name) && !suggested.contains(ident) {
            errors.push(
                value_span(ident),
                format!("parameter `{plain}` is not used by the SQL: write `:{plain}` where its value goes, or remove it"),
            );
        }
    }
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
