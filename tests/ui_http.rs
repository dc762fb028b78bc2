//! Compile-time checks of the HTTP macros (`#[lambda_handler(http)]`, the
//! route attributes and `router!`): every accepted form compiles, every
//! mistake is an error at the offending token saying what to write.
//!
//! Refresh the snapshots with `TRYBUILD=overwrite cargo test --test ui_http`,
//! then read every `.stderr`.

#[test]
fn http_ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/http/pass/*.rs");
    cases.compile_fail("ui/http/fail/*.rs");
}
