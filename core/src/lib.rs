//! Code shared by `lambda-kit` and `lambda-kit-macros`, so each rule is
//! written once: the macros check at compile time with the same code the
//! runtime runs. Depend on `lambda-kit`, not on this crate.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod idempotency {
    //! What idempotent handlers' attribute and runtime agree on.

    /// The table of the records when `idempotency_table` names none.
    pub const DEFAULT_TABLE: &str = "lambda_kit_idempotency";
}
pub mod json_path;
pub mod route;
