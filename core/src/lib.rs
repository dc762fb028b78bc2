//! Code shared by `lambda-kit` and `lambda-kit-macros`, so each rule is
//! written once: the macros check at compile time with the same code the
//! runtime runs. Depend on `lambda-kit`, not on this crate.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod json_path;
pub mod route;
