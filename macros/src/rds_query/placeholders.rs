//! The SQL scanner: finds the `?` and `:name` placeholders outside string
//! literals, quoted identifiers and comments, rewrites every `:name` to the
//! `?` the server understands, and reads which kind of statement it is.
//!
//! It lexes just enough MySQL to know what is code: `'...'` and `"..."`
//! strings (doubled quotes and backslash escapes), `` `...` `` identifiers,
//! `-- `, `#` and `/* */` comments. `/*! ... */` and `/*M! ... */` are
//! executable comments, so their contents count as code. `::` (a cast in
//! other dialects) and `:=` (assignment) are not placeholders.

/// One placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Placeholder {
    /// `?`
    Positional,
    /// `:name`
    Named(String),
}

/// What a statement does, from its first keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verb {
    /// SELECT, SHOW, DESCRIBE, EXPLAIN, VALUES, TABLE, WITH ... SELECT.
    Read,
    /// INSERT, UPDATE, DELETE, REPLACE.
    Write,
    /// Anything else.
    Other,
}

/// The scanned statement.
#[derive(Debug)]
pub(crate) struct Scan {
    /// In order of appearance.
    pub placeholders: Vec<Placeholder>,
    /// The SQL with every `:name` replaced by `?`.
    pub sql: String,
    pub verb: Verb,
    /// The keyword that decided `verb`, upper case (e.g. `UPDATE`).
    pub keyword: Option<String>,
    /// A write with `RETURNING` (MariaDB) returns rows.
    pub returning: bool,
}

/// Text the scanner could not finish.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ScanError {
    /// A string, quoted identifier or comment is never closed.
    Unterminated(&'static str),
}

pub(crate) fn scan(sql: &str) -> Result<Scan, ScanError> {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut placeholders = Vec::new();
    // (upper-case word, parenthesis depth) of every keyword-like word.
    let mut words: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    // Copied verbatim up to here.
    let mut copied = 0;

    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'"') => i = skip_string(bytes, i, quote)?,
            b'`' => i = skip_quoted_identifier(bytes, i)?,
            b'#' => i = skip_line(bytes, i),
            b'-' if bytes.get(i + 1) == Some(&b'-')
                && bytes
                    .get(i + 2)
                    .is_none_or(|c| c.is_ascii_whitespace() || c.is_ascii_control()) =>
            {
                i = skip_line(bytes, i)
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let executable =
                    bytes.get(i + 2) == Some(&b'!') || bytes[i + 2..].starts_with(b"M!");
                if executable {
                    // Scanned as code; only the comment markers are skipped.
                    i += if bytes.get(i + 2) == Some(&b'!') {
                        3
                    } else {
                        4
                    };
                } else {
                    i = skip_block_comment(bytes, i)?;
                }
            }
            b'*' if bytes.get(i + 1) == Some(&b'/') => i += 2, // end of an executable comment
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'?' => {
                placeholders.push(Placeholder::Positional);
                i += 1;
            }
            b':' if bytes.get(i + 1) == Some(&b':') => i += 2,
            b':' if bytes.get(i + 1).is_some_and(|&c| is_word_start(c)) => {
                let end = word_end(bytes, i + 1);
                placeholders.push(Placeholder::Named(sql[i + 1..end].to_owned()));
                out.push_str(&sql[copied..i]);
                out.push('?');
                copied = end;
                i = end;
            }
            b'@' => {
                // `@var`, `@@session.var`: names, not keywords.
                while bytes.get(i) == Some(&b'@') {
                    i += 1;
                }
                i = word_end(bytes, i);
            }
            c if is_word_start(c) => {
                let end = word_end(bytes, i);
                words.push((sql[i..end].to_ascii_uppercase(), depth));
                i = end;
            }
            c if c.is_ascii_digit() => i = word_end(bytes, i),
            _ => i += 1,
        }
    }
    out.push_str(&sql[copied..]);

    let (verb, keyword) = classify(&words);
    let returning = verb == Verb::Write
        && words
            .iter()
            .any(|(word, depth)| *depth == 0 && word == "RETURNING");
    Ok(Scan {
        placeholders,
        sql: out,
        verb,
        keyword,
        returning,
    })
}

/// The statement's verb: its first word, or for `WITH` the first
/// statement keyword after the common table expressions.
fn classify(words: &[(String, usize)]) -> (Verb, Option<String>) {
    let Some((first, _)) = words.first() else {
        return (Verb::Other, None);
    };
    let main = if first == "WITH" {
        words
            .iter()
            .skip(1)
            .find(|(word, depth)| {
                *depth == 0
                    && matches!(
                        word.as_str(),
                        "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "VALUES" | "TABLE"
                    )
            })
            .map(|(word, _)| word)
    } else {
        Some(first)
    };
    let verb = match main.map(String::as_str) {
        Some("SELECT" | "SHOW" | "DESCRIBE" | "DESC" | "EXPLAIN" | "VALUES" | "TABLE") => {
            Verb::Read
        }
        Some("INSERT" | "UPDATE" | "DELETE" | "REPLACE") => Verb::Write,
        _ => Verb::Other,
    };
    (verb, main.cloned())
}

fn is_word_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn word_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric()
            || bytes[i] == b'_'
            || bytes[i] == b'$'
            || bytes[i] >= 0x80)
    {
        i += 1;
    }
    i
}

/// Past a `'...'` or `"..."` string starting at `start`.
fn skip_string(bytes: &[u8], start: usize, quote: u8) -> Result<usize, ScanError> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            c if c == quote && bytes.get(i + 1) == Some(&quote) => i += 2,
            c if c == quote => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(ScanError::Unterminated(if quote == b'\'' {
        "string literal ('...')"
    } else {
        "string literal (\"...\")"
    }))
}

/// Past a `` `...` `` identifier starting at `start` (no escapes but ``` `` ```).
fn skip_quoted_identifier(bytes: &[u8], start: usize) -> Result<usize, ScanError> {
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            if bytes.get(i + 1) == Some(&b'`') {
                i += 2;
                continue;
            }
            return Ok(i + 1);
        }
        i += 1;
    }
    Err(ScanError::Unterminated("quoted identifier (`...`)"))
}

fn skip_line(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(bytes.len(), |offset| start + offset + 1)
}

fn skip_block_comment(bytes: &[u8], start: usize) -> Result<usize, ScanError> {
    bytes[start + 2..]
        .windows(2)
        .position(|pair| pair == b"*/")
        .map(|offset| start + 2 + offset + 2)
        .ok_or(ScanError::Unterminated("comment (/* ... */)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Placeholder::*;

    fn named(name: &str) -> Placeholder {
        Named(name.to_owned())
    }

    fn placeholders(sql: &str) -> Vec<Placeholder> {
        scan(sql).unwrap().placeholders
    }

    #[test]
    fn finds_and_rewrites_named_placeholders() {
        let scan =
            scan("SELECT id, name FROM test WHERE name = :name AND id > :min_id OR name = :name")
                .unwrap();
        assert_eq!(
            scan.placeholders,
            [named("name"), named("min_id"), named("name")]
        );
        assert_eq!(
            scan.sql,
            "SELECT id, name FROM test WHERE name = ? AND id > ? OR name = ?"
        );
    }

    #[test]
    fn finds_positional_placeholders() {
        let scan = scan("INSERT INTO t (a, b) VALUES (?, ?)").unwrap();
        assert_eq!(scan.placeholders, [Positional, Positional]);
        assert_eq!(scan.sql, "INSERT INTO t (a, b) VALUES (?, ?)");
    }

    #[test]
    fn strings_are_not_code() {
        assert!(placeholders("SELECT 'a ? b', 'it''s :x', 'c\\' ? :y' FROM t").is_empty());
        assert!(placeholders(r#"SELECT "?" , "say ""hi"" :x", "\" ?" FROM t"#).is_empty());
        assert_eq!(placeholders("SELECT '\\\\' = ?"), [Positional]);
        assert_eq!(
            scan("SELECT ':keep' , :p").unwrap().sql,
            "SELECT ':keep' , ?"
        );
    }

    #[test]
    fn quoted_identifiers_are_not_code() {
        assert!(placeholders("SELECT `what?`, `a``:b` FROM `t:x`").is_empty());
        assert_eq!(
            placeholders("SELECT `col` FROM t WHERE `col` = :col"),
            [named("col")]
        );
    }

    #[test]
    fn comments_are_not_code() {
        assert_eq!(
            placeholders("SELECT 1 -- what about :x?\nFROM t WHERE a = ?"),
            [Positional]
        );
        assert_eq!(placeholders("SELECT 1 # :x ?\n, ?"), [Positional]);
        assert_eq!(placeholders("SELECT /* :x ? */ ?"), [Positional]);
        assert_eq!(
            placeholders("SELECT 1 --?"),
            [Positional],
            "`--` needs a space to start a comment"
        );
        assert_eq!(placeholders("SELECT 5--?"), [Positional]);
    }

    #[test]
    fn executable_comments_are_code() {
        let scan =
            scan("SELECT /*! STRAIGHT_JOIN */ a FROM t WHERE /*M!100000 b = :b AND */ c = ?")
                .unwrap();
        assert_eq!(scan.placeholders, [named("b"), Positional]);
        assert_eq!(
            scan.sql,
            "SELECT /*! STRAIGHT_JOIN */ a FROM t WHERE /*M!100000 b = ? AND */ c = ?"
        );
    }

    #[test]
    fn casts_assignments_and_variables_are_not_placeholders() {
        assert!(placeholders("SELECT a::text, @x := 1, @@session.time_zone FROM t").is_empty());
        assert_eq!(placeholders("SELECT '12:30', TIME(:t)"), [named("t")]);
        assert_eq!(
            placeholders("SELECT :a1_b, :_c"),
            [named("a1_b"), named("_c")]
        );
        assert!(placeholders("SELECT 1 : 2").is_empty());
    }

    #[test]
    fn unterminated_text_is_an_error() {
        assert_eq!(
            scan("SELECT 'abc").unwrap_err(),
            ScanError::Unterminated("string literal ('...')")
        );
        assert_eq!(
            scan("SELECT \"abc\\\"").unwrap_err(),
            ScanError::Unterminated("string literal (\"...\")")
        );
        assert_eq!(
            scan("SELECT `abc").unwrap_err(),
            ScanError::Unterminated("quoted identifier (`...`)")
        );
        assert_eq!(
            scan("SELECT 1 /* abc").unwrap_err(),
            ScanError::Unterminated("comment (/* ... */)")
        );
    }

    #[test]
    fn classifies_statements() {
        let verb = |sql: &str| {
            let scan = scan(sql).unwrap();
            (scan.verb, scan.returning)
        };
        assert_eq!(verb("select 1"), (Verb::Read, false));
        assert_eq!(
            verb("  (SELECT a FROM t) UNION (SELECT b FROM u)"),
            (Verb::Read, false)
        );
        assert_eq!(verb("-- note\nSHOW TABLES"), (Verb::Read, false));
        assert_eq!(verb("/* hi */ DESCRIBE t"), (Verb::Read, false));
        assert_eq!(
            verb("WITH x AS (SELECT 1 AS a) SELECT a FROM x"),
            (Verb::Read, false)
        );
        assert_eq!(
            verb("WITH x AS (SELECT id FROM t) UPDATE t SET a = 1 WHERE id IN (SELECT id FROM x)"),
            (Verb::Write, false)
        );
        assert_eq!(verb("insert into t values (1)"), (Verb::Write, false));
        assert_eq!(verb("REPLACE INTO t VALUES (1)"), (Verb::Write, false));
        assert_eq!(
            verb("DELETE FROM t WHERE id = ? RETURNING id, name"),
            (Verb::Write, true)
        );
        assert_eq!(
            verb("UPDATE t SET returning_count = 1"),
            (Verb::Write, false)
        );
        assert_eq!(verb("INSERT INTO t SELECT * FROM u"), (Verb::Write, false));
        assert_eq!(verb("CALL p(?)"), (Verb::Other, false));
        assert_eq!(verb("CREATE TABLE t (id INT)"), (Verb::Other, false));
        assert_eq!(verb(""), (Verb::Other, false));
        assert_eq!(
            scan("update t set a = 1").unwrap().keyword.as_deref(),
            Some("UPDATE")
        );
    }

    #[test]
    fn keeps_non_ascii_text() {
        let scan = scan("SELECT 'héllo 😀 ?' AS `名前`, :naïve").unwrap();
        assert_eq!(scan.placeholders, [named("naïve")]);
        assert_eq!(scan.sql, "SELECT 'héllo 😀 ?' AS `名前`, ?");
    }
}

/// Properties of the scanner; `PROPTEST_CASES=100000` for a long run.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// One piece of generated SQL: what it is and its text.
    #[derive(Clone, Debug)]
    enum Piece {
        /// Code without placeholders.
        Code(String),
        /// A placeholder, as written.
        Placeholder(Placeholder),
        /// A string, quoted identifier or comment: never code.
        Inert(String),
    }

    fn code() -> impl Strategy<Value = Piece> {
        prop_oneof![
            "[a-z_][a-z0-9_]{0,5}",
            "[0-9]{1,3}",
            prop::sample::select(vec![
                "=",
                "<",
                ">",
                ",",
                "(",
                ")",
                "+",
                "*",
                "-",
                "/",
                ".",
                ";",
                "::",
                ":=",
                "@v",
                "@@session.v",
            ])
            .prop_map(str::to_owned),
        ]
        .prop_map(Piece::Code)
    }

    fn placeholder() -> impl Strategy<Value = Piece> {
        prop_oneof![
            Just(Placeholder::Positional),
            "[a-z_][a-z0-9_$]{0,6}".prop_map(Placeholder::Named),
        ]
        .prop_map(Piece::Placeholder)
    }

    /// A quoted text whose content is anything, with its quote doubled or
    /// backslash-escaped where it occurs.
    fn quoted(quote: char) -> impl Strategy<Value = String> {
        let plain = format!("[^{quote}\\\\]");
        prop::collection::vec(
            prop_oneof![
                proptest::string::string_regex(&plain).expect("a valid regex"),
                Just(format!("{quote}{quote}")),
                "\\\\.",
            ],
            0..6,
        )
        .prop_map(move |parts| format!("{quote}{}{quote}", parts.concat()))
    }

    fn inert() -> impl Strategy<Value = Piece> {
        prop_oneof![
            quoted('\''),
            quoted('"'),
            prop::collection::vec(prop_oneof!["[^`]", Just("``".to_owned())], 0..6)
                .prop_map(|parts| format!("`{}`", parts.concat())),
            "[^\n]{0,12}".prop_map(|text| format!("-- {text}\n")),
            "[^\n]{0,12}".prop_map(|text| format!("#{text}\n")),
            "[^*]{0,12}".prop_map(|text| format!("/* {text} */")),
        ]
        .prop_map(Piece::Inert)
    }

    fn statement() -> impl Strategy<Value = Vec<Piece>> {
        prop::collection::vec(
            prop_oneof![3 => code(), 1 => placeholder(), 2 => inert()],
            0..24,
        )
    }

    proptest! {
        #[test]
        fn finds_exactly_the_placeholders_in_code(pieces in statement()) {
            let mut sql = Vec::new();
            let mut rewritten = Vec::new();
            let mut expected = Vec::new();
            for piece in &pieces {
                match piece {
                    Piece::Code(text) | Piece::Inert(text) => {
                        sql.push(text.clone());
                        rewritten.push(text.clone());
                    }
                    Piece::Placeholder(Placeholder::Positional) => {
                        sql.push("?".to_owned());
                        rewritten.push("?".to_owned());
                        expected.push(Placeholder::Positional);
                    }
                    Piece::Placeholder(Placeholder::Named(name)) => {
                        sql.push(format!(":{name}"));
                        rewritten.push("?".to_owned());
                        expected.push(Placeholder::Named(name.clone()));
                    }
                }
            }
            let sql = sql.join(" ");
            let scan = scan(&sql).unwrap();
            prop_assert_eq!(scan.placeholders, expected, "{}", sql);
            prop_assert_eq!(scan.sql, rewritten.join(" "));
        }

        #[test]
        fn any_text_scans_without_panicking_and_rewrites_to_positional(sql in any::<String>()) {
            if let Ok(first) = scan(&sql) {
                let again = scan(&first.sql).unwrap();
                prop_assert_eq!(again.placeholders.len(), first.placeholders.len());
                prop_assert!(again.placeholders.iter().all(|p| *p == Placeholder::Positional));
                prop_assert_eq!(&again.sql, &first.sql);
            }
        }
    }
}
