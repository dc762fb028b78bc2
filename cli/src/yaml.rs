//! The little YAML this crate writes and edits: scalar quoting, a tree of
//! generated values, and block-style text cut into indentation blocks.
//!
//! No YAML library keeps comments, so the merge never parses a template into
//! values: it cuts the text into nodes (leading comment lines, a `key:` line,
//! the more-indented lines below it) and only looks inside the nodes it owns.

use std::fmt::Write as _;

/// A string as a YAML scalar that reads back as the same string: plain when
/// that is unambiguous, double-quoted otherwise.
pub(crate) fn scalar(s: &str) -> String {
    if plain_is_safe(s) {
        s.to_owned()
    } else {
        double_quoted(s)
    }
}

/// `s` in double quotes, escaped (`!Sub` strings are always written so).
pub(crate) fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // Other control characters, and the Unicode line breaks YAML
            // would fold: as escapes, so the file stays one value per line.
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' || c == '\u{feff}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `s` written plain reads back as the same string. Conservative:
/// quoting a string that did not need it is harmless, the reverse is not.
fn plain_is_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace) {
        return false;
    }
    // Indicators that start something other than a plain scalar.
    if "-?:,[]{}#&*!|>'\"%@`=<~+.".contains(first) || first.is_ascii_digit() {
        return false;
    }
    if s.contains(": ") || s.ends_with(':') || s.contains(" #") {
        return false;
    }
    if s.chars().any(|c| {
        c.is_control() || c == '\u{2028}' || c == '\u{2029}' || c == '\u{feff}' || c == '\u{85}'
    }) {
        return false;
    }
    // YAML 1.1 and 1.2 words for null, booleans, infinities (the rest of
    // the numbers start with a digit, a sign or a dot, quoted above).
    const WORDS: &[&str] = &["null", "true", "false", "yes", "no", "on", "off", "y", "n"];
    !WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
}

/// A value this crate generates: scalars are written already rendered
/// (`!Ref X`, `"quoted"`, `256`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    /// Rendered scalar text.
    Raw(String),
    /// A block mapping, in this order.
    Map(Vec<(String, Value)>),
    /// A block list of rendered scalars.
    List(Vec<String>),
}

impl Value {
    /// A string scalar, quoted as needed.
    pub(crate) fn str(s: &str) -> Value {
        Value::Raw(scalar(s))
    }

    /// A map from `(key, value)` pairs.
    pub(crate) fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }
}

/// The lines of `key: value` at `indent` spaces, each ending in `\n`.
pub(crate) fn render_entry(key: &str, value: &Value, indent: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    let key = scalar(key);
    match value {
        Value::Raw(s) => vec![format!("{pad}{key}: {s}\n")],
        Value::Map(entries) => {
            let mut lines = vec![format!("{pad}{key}:\n")];
            for (k, v) in entries {
                lines.extend(render_entry(k, v, indent + 2));
            }
            lines
        }
        Value::List(items) => {
            let mut lines = vec![format!("{pad}{key}:\n")];
            for item in items {
                lines.push(format!("{pad}  - {item}\n"));
            }
            lines
        }
    }
}

/// A line's indentation in spaces.
pub(crate) fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Blank, or nothing but a comment.
pub(crate) fn is_trivia(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// The key of a `key:` / `key: value` line, unquoted, and the rest of the
/// line after the colon; `None` for list items, comments and other lines.
pub(crate) fn split_key(line: &str) -> Option<(String, &str)> {
    let t = line.trim_start_matches(' ');
    let t = t.strip_suffix('\n').unwrap_or(t);
    let t = t.strip_suffix('\r').unwrap_or(t);
    let (key, rest) = if let Some(q @ ('"' | '\'')) = t.chars().next() {
        let close = find_closing_quote(t, q)?;
        let key = unquote(&t[..=close])?;
        let rest = t[close + 1..].trim_start_matches(' ');
        (key, rest.strip_prefix(':')?)
    } else {
        if t.starts_with(['#', '-', '[', '{', '?']) && !t.starts_with("-:") {
            return None;
        }
        let colon = t
            .match_indices(':')
            .find(|&(i, _)| matches!(t.as_bytes().get(i + 1), None | Some(b' ') | Some(b'\t')))?;
        (t[..colon.0].trim_end().to_owned(), &t[colon.0 + 1..])
    };
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    Some((key, rest))
}

fn find_closing_quote(t: &str, q: char) -> Option<usize> {
    let mut chars = t.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if q == '"' && c == '\\' {
            chars.next();
        } else if c == q {
            if q == '\'' && t[i + 1..].starts_with('\'') {
                chars.next();
            } else {
                return Some(i);
            }
        }
    }
    None
}

/// A scalar's string value: plain, single- or double-quoted, without a
/// trailing comment. Enough for the few values the merge reads back (tool
/// marker, event and parameter names); `None` for anything fancier.
pub(crate) fn unquote(s: &str) -> Option<String> {
    let s = s.trim();
    match s.chars().next() {
        Some('"') => {
            let close = find_closing_quote(s, '"')?;
            let mut out = String::new();
            let mut chars = s[1..close].chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    match chars.next()? {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'u' => {
                            let hex: String = chars.by_ref().take(4).collect();
                            out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                        }
                        other => out.push(other),
                    }
                } else {
                    out.push(c);
                }
            }
            Some(out)
        }
        Some('\'') => {
            let close = find_closing_quote(s, '\'')?;
            Some(s[1..close].replace("''", "'"))
        }
        _ => {
            let s = match s.find(" #") {
                Some(i) => s[..i].trim_end(),
                None => s,
            };
            (!s.starts_with('#')).then(|| s.to_owned())
        }
    }
}

/// The value text after a key's colon, without a trailing comment: empty
/// when the value is the block below the key.
pub(crate) fn inline_value(rest: &str) -> &str {
    let t = rest.trim();
    if t.starts_with('#') {
        ""
    } else {
        t
    }
}

/// One `key:` of a block mapping, with the comment and blank lines before it
/// and the lines that belong to its value. Lines keep their `\n`.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    /// Blank lines and comments (not more indented than the key) above it.
    pub(crate) leading: Vec<String>,
    /// The key, unquoted.
    pub(crate) key: String,
    /// The `key:` line itself.
    pub(crate) line: String,
    /// Everything more indented below it (and `- ` items at its indent).
    pub(crate) body: Vec<String>,
}

impl Node {
    /// The value on the key's line, if any (not a block below).
    pub(crate) fn inline(&self) -> &str {
        split_key(&self.line).map_or("", |(_, rest)| inline_value(rest))
    }

    /// All its lines, leading ones included, in order.
    pub(crate) fn lines(&self) -> impl Iterator<Item = &String> {
        self.leading
            .iter()
            .chain(std::iter::once(&self.line))
            .chain(&self.body)
    }

    /// Its value as a block mapping, when it is one.
    pub(crate) fn mapping(&self) -> Option<Mapping> {
        if !self.inline().is_empty() {
            return None;
        }
        Some(Mapping::parse(&self.body, indent_of(&self.line) + 2))
    }

    /// Its value as a list of plain or quoted strings (block or `[a, b]`).
    pub(crate) fn string_list(&self) -> Option<Vec<String>> {
        let inline = self.inline();
        if let Some(inner) = inline.strip_prefix('[') {
            let inner = inner.split(" #").next()?.trim_end().strip_suffix(']')?;
            return inner
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(unquote)
                .collect();
        }
        if !inline.is_empty() {
            return None;
        }
        let mut items = Vec::new();
        for line in &self.body {
            if is_trivia(line) {
                continue;
            }
            let item = line.trim_start().strip_prefix('-')?;
            items.push(unquote(item)?);
        }
        Some(items)
    }
}

/// The entries of a block mapping, cut from its lines.
#[derive(Debug, Clone, Default)]
pub(crate) struct Mapping {
    /// Lines before the first entry that belong to none (deeper comments).
    pub(crate) prefix: Vec<String>,
    /// The entries in order.
    pub(crate) entries: Vec<Node>,
    /// Blank and comment lines after the last entry's content, not more
    /// indented than the entries: they belong to the mapping, not the entry.
    pub(crate) tail: Vec<String>,
    /// The entries' indentation.
    pub(crate) indent: usize,
}

impl Mapping {
    /// Cuts `lines` (a mapping's body) into entries. `default_indent` is
    /// used when the body has no entries.
    pub(crate) fn parse(lines: &[String], default_indent: usize) -> Mapping {
        let indent = lines
            .iter()
            .find(|l| !is_trivia(l))
            .map_or(default_indent, |l| indent_of(l));
        let is_entry =
            |l: &String| !is_trivia(l) && indent_of(l) == indent && split_key(l).is_some();
        // A comment or blank line that may lead the entry after it.
        let may_lead = |l: &String| is_trivia(l) && (l.trim().is_empty() || indent_of(l) <= indent);
        let keys: Vec<usize> = (0..lines.len()).filter(|&i| is_entry(&lines[i])).collect();
        let mut mapping = Mapping {
            indent,
            ..Mapping::default()
        };
        if keys.is_empty() {
            mapping.prefix = lines.to_vec();
            return mapping;
        }
        let lead_start = |k: usize, floor: usize| {
            let mut j = k;
            while j > floor && may_lead(&lines[j - 1]) {
                j -= 1;
            }
            j
        };
        let first_start = lead_start(keys[0], 0);
        mapping.prefix = lines[..first_start].to_vec();
        let mut start = first_start;
        for (n, &k) in keys.iter().enumerate() {
            let end = match keys.get(n + 1) {
                Some(&next) => lead_start(next, k + 1),
                None => {
                    let tail_start = lead_start(lines.len(), k + 1);
                    mapping.tail = lines[tail_start..].to_vec();
                    tail_start
                }
            };
            mapping.entries.push(Node {
                leading: lines[start..k].to_vec(),
                key: split_key(&lines[k]).map(|(key, _)| key).unwrap_or_default(),
                line: lines[k].clone(),
                body: lines[k + 1..end].to_vec(),
            });
            start = end;
        }
        mapping
    }

    /// The entry with this key.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entries.iter().find(|n| n.key == key)
    }

    /// All lines back in order.
    #[cfg(test)]
    pub(crate) fn to_lines(&self) -> Vec<String> {
        let mut out = self.prefix.clone();
        for e in &self.entries {
            out.extend(e.lines().cloned());
        }
        out.extend(self.tail.iter().cloned());
        out
    }
}

/// `text` as lines that each end in `\n` (one is added to the last line
/// when missing).
pub(crate) fn lines_of(text: &str) -> Vec<String> {
    text.split_inclusive('\n')
        .map(|l| {
            if l.ends_with('\n') {
                l.to_owned()
            } else {
                format!("{l}\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use yaml_rust2::{Yaml, YamlLoader};

    fn reads_back(s: &str) -> bool {
        let doc = format!("k: {}\n", scalar(s));
        match YamlLoader::load_from_str(&doc) {
            Ok(docs) => docs[0]["k"] == Yaml::String(s.to_owned()),
            Err(_) => false,
        }
    }

    #[test]
    fn quoting_examples() {
        assert_eq!(scalar("prod"), "prod");
        assert_eq!(scalar("/items/{id}"), "/items/{id}");
        assert_eq!(scalar("provided.al2023"), "provided.al2023");
        assert_eq!(scalar("x86_64"), "x86_64");
        for s in [
            "yes",
            "Yes",
            "no",
            "true",
            "False",
            "null",
            "Null",
            "~",
            "123",
            "1.5",
            "-1",
            ".inf",
            ": x",
            "a: b",
            "#a",
            "a #b",
            " lead",
            "trail ",
            "{a}",
            "[a]",
            "*a",
            "&a",
            "!a",
            "%a",
            "@a",
            "`a",
            "",
            "'a'",
            "\"a\"",
            "a:",
            "- a",
            "-",
            "?",
            "|",
            ">",
            "2010-09-09",
            "0x1F",
            "a\nb",
            "tab\t",
            "on",
            "OFF",
            "y",
            "N",
            "=",
            "<<",
        ] {
            assert!(scalar(s).starts_with('"'), "{s:?} -> {}", scalar(s));
            assert!(reads_back(s), "{s:?} -> {}", scalar(s));
        }
    }

    proptest! {
        #[test]
        fn every_string_reads_back(s in "\\PC{0,12}") {
            prop_assert!(reads_back(&s), "{:?} -> {}", s, scalar(&s));
        }

        #[test]
        fn yaml_alphabet_reads_back(s in "[-a-z0-9 :#{}\\[\\],&*!|>'\"%@`?.~=+\\\\\t\n]{0,8}") {
            prop_assert!(reads_back(&s), "{:?} -> {}", s, scalar(&s));
        }
    }

    #[test]
    fn keys_are_split_quoted_or_not() {
        assert_eq!(split_key("  Foo: bar\n").unwrap().0, "Foo");
        assert_eq!(split_key("  \"Foo\": bar\n").unwrap().0, "Foo");
        assert_eq!(split_key("  'Fo''o':\n").unwrap().0, "Fo'o");
        assert_eq!(split_key("Foo:\n").unwrap().1, "");
        assert!(split_key("  - Foo: bar\n").is_none());
        assert!(split_key("  # Foo: bar\n").is_none());
        assert!(split_key("  http://x\n").is_none());
    }

    #[test]
    fn mapping_cuts_leading_comments_and_tail() {
        let text = "a: 1\n\n# about b\nb:\n  c: 2\n  # deep\n\n# end\n";
        let m = Mapping::parse(&lines_of(text), 0);
        assert_eq!(m.entries.len(), 2);
        assert_eq!(m.entries[1].leading, vec!["\n", "# about b\n"]);
        assert_eq!(m.entries[1].body, vec!["  c: 2\n", "  # deep\n"]);
        assert_eq!(m.tail, vec!["\n", "# end\n"]);
        assert_eq!(m.to_lines().concat(), text);
    }
}
