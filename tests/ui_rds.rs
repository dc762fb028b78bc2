//! Compile-time checks of `#[rds_query]` and `#[derive(rds::FromRow)]`:
//! every accepted form compiles (and runs without a database), every
//! mistake is an error at the offending token saying what to write.
//!
//! Refresh the snapshots with `TRYBUILD=overwrite cargo test --test ui_rds`,
//! then read every `.stderr`.

#[test]
fn rds_ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/rds/pass/*.rs");
    cases.compile_fail("ui/rds/fail/*.rs");
}
