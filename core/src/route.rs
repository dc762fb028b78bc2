//! Route patterns in API Gateway's syntax: `/items/{id}`, with an optional
//! greedy last segment `/files/{path+}`. The route attributes check a
//! pattern at compile time and the router parses it at start-up, both with
//! [`Pattern::parse`], so the two can never disagree.

use std::fmt;
use std::ops::Range;

/// One segment of a pattern, between two `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Text matched as is, e.g. `items`.
    Literal(String),
    /// `{name}`: any one non-empty segment.
    Param(String),
    /// `{name+}`: one or more trailing segments.
    Greedy(String),
}

/// A valid route pattern, as its segments (none for the root, `/`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    segments: Vec<Segment>,
}

/// Why a pattern is not valid. Ranges are byte offsets into the pattern,
/// so a caller can quote or rewrite the offending part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatternError {
    /// The pattern does not start with `/`.
    NoLeadingSlash,
    /// `//` inside the pattern; `at` is where the empty segment is.
    EmptySegment {
        /// Offset of the empty segment (just after a `/`).
        at: usize,
    },
    /// `{...}` whose name is empty or not only letters, digits and `_`.
    InvalidName {
        /// The whole segment, braces included.
        segment: Range<usize>,
    },
    /// `{name+}` before another segment.
    GreedyNotLast {
        /// The whole segment, braces included.
        segment: Range<usize>,
    },
    /// Two parameters with the same name.
    DuplicateName {
        /// The first segment with that name.
        first: Range<usize>,
        /// The second one.
        second: Range<usize>,
    },
    /// A segment starting with `{` without a closing `}`.
    Unclosed {
        /// The whole segment.
        segment: Range<usize>,
    },
    /// Braces inside a segment with other text, e.g. `x{id}`.
    NotWholeSegment {
        /// The whole segment.
        segment: Range<usize>,
    },
}

impl PatternError {
    /// The offending part of the pattern, as a byte range.
    pub fn span(&self) -> Range<usize> {
        match self {
            PatternError::NoLeadingSlash => 0..0,
            PatternError::EmptySegment { at } => *at..*at,
            PatternError::InvalidName { segment }
            | PatternError::GreedyNotLast { segment }
            | PatternError::Unclosed { segment }
            | PatternError::NotWholeSegment { segment }
            | PatternError::DuplicateName {
                second: segment, ..
            } => segment.clone(),
        }
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PatternError::NoLeadingSlash => "a route path must start with `/`",
            PatternError::EmptySegment { .. } => "a route path has an empty segment (`//`)",
            PatternError::InvalidName { .. } => {
                "not a parameter name: use letters, digits and `_`, e.g. `{id}`"
            }
            PatternError::GreedyNotLast { .. } => {
                "`{name+}` takes the rest of the path, so it must be the last segment"
            }
            PatternError::DuplicateName { .. } => "a parameter name appears twice",
            PatternError::Unclosed { .. } => "a parameter has no closing `}`",
            PatternError::NotWholeSegment { .. } => "a parameter is a whole segment, like `{id}`",
        })
    }
}

impl std::error::Error for PatternError {}

impl Pattern {
    /// Parses a pattern; a trailing `/` is ignored.
    pub fn parse(pattern: &str) -> Result<Self, PatternError> {
        let Some(rest) = pattern.strip_prefix('/') else {
            return Err(PatternError::NoLeadingSlash);
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.is_empty() {
            return Ok(Self {
                segments: Vec::new(),
            });
        }
        let mut parts = Vec::new();
        let mut start = 1;
        for part in rest.split('/') {
            parts.push((part, start..start + part.len()));
            start += part.len() + 1;
        }
        // Reported before anything else: every other rule reads segments.
        if let Some((_, range)) = parts.iter().find(|(part, _)| part.is_empty()) {
            return Err(PatternError::EmptySegment { at: range.start });
        }
        let mut segments = Vec::with_capacity(parts.len());
        let mut names: Vec<(&str, Range<usize>)> = Vec::new();
        for (i, (part, range)) in parts.iter().enumerate() {
            let segment = match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                Some(name) => {
                    let (name, greedy) = match name.strip_suffix('+') {
                        Some(name) => (name, true),
                        None => (name, false),
                    };
                    let segment = range.clone();
                    if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        return Err(PatternError::InvalidName { segment });
                    }
                    if greedy && i + 1 != parts.len() {
                        return Err(PatternError::GreedyNotLast { segment });
                    }
                    if let Some((_, first)) = names.iter().find(|(n, _)| *n == name) {
                        return Err(PatternError::DuplicateName {
                            first: first.clone(),
                            second: segment,
                        });
                    }
                    names.push((name, segment));
                    if greedy {
                        Segment::Greedy(name.to_owned())
                    } else {
                        Segment::Param(name.to_owned())
                    }
                }
                None if part.starts_with('{') && !part.contains('}') => {
                    return Err(PatternError::Unclosed {
                        segment: range.clone(),
                    });
                }
                None if part.contains(['{', '}']) => {
                    return Err(PatternError::NotWholeSegment {
                        segment: range.clone(),
                    });
                }
                None => Segment::Literal((*part).to_owned()),
            };
            segments.push(segment);
        }
        Ok(Self { segments })
    }

    /// The segments, in order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The parameters' names in pattern order, the greedy one included:
    /// what a `Path` extractor of the route receives.
    pub fn params(&self) -> Vec<&str> {
        self.segments
            .iter()
            .filter_map(|segment| match segment {
                Segment::Literal(_) => None,
                Segment::Param(name) | Segment::Greedy(name) => Some(name.as_str()),
            })
            .collect()
    }
}

/// The pattern in its canonical spelling: no trailing `/` except the root.
impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segments.is_empty() {
            return f.write_str("/");
        }
        for segment in &self.segments {
            match segment {
                Segment::Literal(text) => write!(f, "/{text}")?,
                Segment::Param(name) => write!(f, "/{{{name}}}")?,
                Segment::Greedy(name) => write!(f, "/{{{name}+}}")?,
            }
        }
        Ok(())
    }
}

/// Whether two routes answer the same requests: the same method and the
/// same pattern up to parameter names and a trailing `/`. A `const fn`
/// (hence byte-level) so that `router!` refuses such a pair at compile time.
pub const fn same_route(method_a: &str, path_a: &str, method_b: &str, path_b: &str) -> bool {
    if !bytes_eq(method_a.as_bytes(), method_b.as_bytes()) {
        return false;
    }
    let (a, b) = (trim(path_a.as_bytes()), trim(path_b.as_bytes()));
    let (mut i, mut j) = (0, 0);
    loop {
        if i >= a.len() || j >= b.len() {
            return i >= a.len() && j >= b.len();
        }
        // Both at the start of a segment (just after a `/`).
        let end_a = segment_end(a, i);
        let end_b = segment_end(b, j);
        let kind_a = segment_kind(a, i, end_a);
        let kind_b = segment_kind(b, j, end_b);
        if kind_a != kind_b {
            return false;
        }
        if kind_a == 0 && !range_eq(a, i, end_a, b, j, end_b) {
            return false;
        }
        i = end_a + 1;
        j = end_b + 1;
    }
}

const fn trim(path: &[u8]) -> &[u8] {
    match path {
        [b'/', rest @ ..] => match rest {
            [rest @ .., b'/'] => rest,
            _ => rest,
        },
        _ => path,
    }
}

const fn segment_end(path: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < path.len() && path[end] != b'/' {
        end += 1;
    }
    end
}

/// 0 literal, 1 `{param}`, 2 `{greedy+}`.
const fn segment_kind(path: &[u8], start: usize, end: usize) -> u8 {
    if end > start + 1 && path[start] == b'{' && path[end - 1] == b'}' {
        if end > start + 2 && path[end - 2] == b'+' {
            2
        } else {
            1
        }
    } else {
        0
    }
}

const fn range_eq(a: &[u8], i: usize, end_a: usize, b: &[u8], j: usize, end_b: usize) -> bool {
    if end_a - i != end_b - j {
        return false;
    }
    let mut k = 0;
    while k < end_a - i {
        if a[i + k] != b[j + k] {
            return false;
        }
        k += 1;
    }
    true
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    range_eq(a, 0, a.len(), b, 0, b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Segment {
        Segment::Literal(s.into())
    }

    #[test]
    fn accepts_api_gateway_patterns() {
        assert_eq!(Pattern::parse("/").unwrap().segments(), []);
        assert_eq!(Pattern::parse("//").unwrap().segments(), []);
        assert_eq!(
            Pattern::parse("/items/{id}/").unwrap().segments(),
            [lit("items"), Segment::Param("id".into())]
        );
        assert_eq!(
            Pattern::parse("/files/{path+}").unwrap().segments(),
            [lit("files"), Segment::Greedy("path".into())]
        );
        assert_eq!(
            Pattern::parse("/shops/{shop}/items/{id}/{rest+}")
                .unwrap()
                .params(),
            ["shop", "id", "rest"]
        );
        assert!(Pattern::parse("/items/new").unwrap().params().is_empty());
        for ok in [
            "/items",
            "/items/new",
            "/shops/{shop}/items/{item_id}",
            "/{proxy+}",
        ] {
            assert_eq!(Pattern::parse(ok).unwrap().to_string(), ok);
        }
    }

    #[test]
    fn errors_point_at_the_offending_segment() {
        use PatternError::*;
        for (bad, error) in [
            ("items/{id}", NoLeadingSlash),
            ("/items//all", EmptySegment { at: 7 }),
            ("///", EmptySegment { at: 1 }),
            // Empty segments first, whatever else is wrong.
            ("/a/{}//b", EmptySegment { at: 6 }),
            ("/a/{p+}/b", GreedyNotLast { segment: 3..7 }),
            (
                "/shops/{id}/items/{id+}",
                DuplicateName {
                    first: 7..11,
                    second: 18..23,
                },
            ),
            ("/items/{id", Unclosed { segment: 7..10 }),
            ("/items/{", Unclosed { segment: 7..8 }),
            ("/items/x{id}", NotWholeSegment { segment: 7..12 }),
            ("/items/{id}.json", NotWholeSegment { segment: 7..16 }),
            ("/items/id}", NotWholeSegment { segment: 7..10 }),
            ("/items/{}", InvalidName { segment: 7..9 }),
            ("/items/{a-b}", InvalidName { segment: 7..12 }),
            ("/items/{+}", InvalidName { segment: 7..10 }),
        ] {
            assert_eq!(Pattern::parse(bad), Err(error), "{bad}");
        }
    }

    #[test]
    fn same_route_ignores_parameter_names_and_trailing_slashes() {
        assert!(same_route("GET", "/items/{id}", "GET", "/items/{key}"));
        assert!(same_route("GET", "/items/", "GET", "/items"));
        assert!(same_route("GET", "/", "GET", "/"));
        assert!(same_route("GET", "/f/{a+}", "GET", "/f/{b+}"));
        assert!(!same_route("GET", "/items/{id}", "POST", "/items/{id}"));
        assert!(!same_route("GET", "/items/{id}", "GET", "/items/new"));
        assert!(!same_route("GET", "/items/{id}", "GET", "/items/{id}/x"));
        assert!(!same_route("GET", "/f/{a}", "GET", "/f/{a+}"));
        assert!(!same_route("GET", "/items", "GET", "/itemz"));
        // What `router!` relies on: it runs in const context.
        const { assert!(same_route("PUT", "/a/{x}", "PUT", "/a/{y}")) };
    }
}
