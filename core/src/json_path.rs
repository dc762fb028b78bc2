//! Paths into a JSON document, as `#[lambda_handler(idempotency_key =
//! "order.id")]` names the part of an event that identifies it: object
//! fields separated by dots, array elements by `[index]`
//! (`orders[0].id`). The attribute checks a path at compile time and the
//! runtime follows it, both with [`steps`], so the two can never disagree.

use std::fmt;

/// One step of a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step<'a> {
    /// `name`: the field of an object.
    Field(&'a str),
    /// `[n]`: the element of an array.
    Index(usize),
}

/// Why a path is not valid; `at` is the byte offset of the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathError {
    /// Byte offset into the path.
    pub at: usize,
    /// What is wrong there, and what to write instead.
    pub message: String,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PathError {}

/// The steps of `path`, or the first problem with it. A field name is any
/// run of characters other than `.`, `[` and `]`.
pub fn steps(path: &str) -> Result<Vec<Step<'_>>, PathError> {
    let error = |at: usize, message: &str| PathError {
        at,
        message: message.to_owned(),
    };
    if path.is_empty() {
        return Err(error(
            0,
            "the path is empty: name the field that identifies the event, e.g. \"order.id\"",
        ));
    }
    let bytes = path.as_bytes();
    let mut steps = Vec::new();
    let mut at = 0;
    // Whether the next step may be a field without a leading dot.
    let mut first = true;
    while at < bytes.len() {
        match bytes[at] {
            b'[' => {
                let close = path[at..]
                    .find(']')
                    .map(|end| at + end)
                    .ok_or_else(|| error(at, "`[` is not closed: write an element as `[0]`"))?;
                let digits = &path[at + 1..close];
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(error(
                        at + 1,
                        "an element index is a number: write `[0]`, `[1]`, ...",
                    ));
                }
                let index = digits
                    .parse()
                    .map_err(|_| error(at + 1, "the index is too large"))?;
                steps.push(Step::Index(index));
                at = close + 1;
            }
            b'.' if !first => {
                at += 1;
                let end = field_end(path, at);
                if end == at {
                    return Err(error(
                        at,
                        "a field name is missing after `.`: write `order.id`",
                    ));
                }
                steps.push(Step::Field(&path[at..end]));
                at = end;
            }
            b'.' => return Err(error(at, "the path starts with `.`: write `order.id`")),
            b']' => return Err(error(at, "`]` without `[`: write an element as `[0]`")),
            _ if first => {
                let end = field_end(path, at);
                steps.push(Step::Field(&path[at..end]));
                at = end;
            }
            _ => {
                return Err(error(
                    at,
                    "a field follows an element with a dot: write `orders[0].id`",
                ))
            }
        }
        first = false;
    }
    Ok(steps)
}

/// Where the field name starting at `at` ends.
fn field_end(path: &str, at: usize) -> usize {
    path[at..]
        .find(['.', '[', ']'])
        .map_or(path.len(), |end| at + end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_elements() {
        assert_eq!(
            steps("order.id").unwrap(),
            [Step::Field("order"), Step::Field("id")]
        );
        assert_eq!(
            steps("orders[0].lines[12]").unwrap(),
            [
                Step::Field("orders"),
                Step::Index(0),
                Step::Field("lines"),
                Step::Index(12)
            ]
        );
        assert_eq!(steps("[1]").unwrap(), [Step::Index(1)]);
        assert_eq!(
            steps("détail.€").unwrap(),
            [Step::Field("détail"), Step::Field("€")]
        );
    }

    #[test]
    fn every_mistake_says_where() {
        for (path, at) in [
            ("", 0),
            (".id", 0),
            ("order.", 6),
            ("order..id", 6),
            ("a[", 1),
            ("a[x]", 2),
            ("a[]", 2),
            ("a]", 1),
            ("a[0]b", 4),
            ("a[99999999999999999999999]", 2),
        ] {
            let err = steps(path).unwrap_err();
            assert_eq!(err.at, at, "{path}: {err}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_rejoins(path in "[a-z.\\[\\]0-9é]{0,16}") {
            if let Ok(steps) = steps(&path) {
                let mut joined = String::new();
                for step in steps {
                    match step {
                        Step::Field(name) if joined.is_empty() => joined.push_str(name),
                        Step::Field(name) => { joined.push('.'); joined.push_str(name) }
                        Step::Index(index) => joined.push_str(&format!("[{index}]")),
                    }
                }
                // Leading zeros are the one thing not kept.
                proptest::prop_assert_eq!(
                    super::steps(&joined).unwrap(),
                    super::steps(&path).unwrap()
                );
            }
        }
    }
}
