//! Compile-time behaviour of `#[lambda_handler]`: every accepted form
//! builds (and runs), every misuse fails with the diagnostic in its
//! `.stderr` snapshot.

#[test]
fn lambda_handler_ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/handler/pass/*.rs");
    cases.compile_fail("ui/handler/fail/*.rs");
}

#[test]
fn batch_handler_ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/batch/pass/*.rs");
    cases.compile_fail("ui/batch/fail/*.rs");
}
