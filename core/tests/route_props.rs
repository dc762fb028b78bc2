//! Property tests of the route-pattern grammar: it reads what users write
//! in attributes, so no input may panic it, and what it accepts it can
//! spell back.

use lambda_kit_core::route::{same_route, Pattern};
use proptest::prelude::*;

/// Strings made mostly of the grammar's own characters, so many parse.
fn pattern_like() -> impl Strategy<Value = String> {
    "/?([a-z_+{}é]{0,6}/?){0,5}"
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(input in any::<String>()) {
        if let Err(error) = Pattern::parse(&input) {
            let span = error.span();
            prop_assert!(span.start <= span.end && span.end <= input.len());
            prop_assert!(input.is_char_boundary(span.start) && input.is_char_boundary(span.end));
        }
    }

    #[test]
    fn accepted_patterns_round_trip(input in pattern_like()) {
        if let Ok(pattern) = Pattern::parse(&input) {
            let spelled = pattern.to_string();
            prop_assert_eq!(Pattern::parse(&spelled), Ok(pattern));
            // The spelling is the input up to one trailing `/`.
            prop_assert!(input == spelled || input == format!("{spelled}/"), "{} vs {}", input, spelled);
            // And `router!`'s compile-time comparison agrees.
            prop_assert!(same_route("GET", &input, "GET", &spelled));
        } else if let Err(error) = Pattern::parse(&input) {
            prop_assert!(error.span().end <= input.len());
        }
    }
}
