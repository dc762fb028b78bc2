//! The one classifier of a function's parameters by the role their type
//! gives them, shared by `#[lambda_handler]` and the HTTP macros; each
//! macro's validator decides what a role means for it.

use quote::ToTokens;
use syn::{FnArg, Signature, Type};

use crate::types::{is_named, peel};

pub(crate) enum Role<'a> {
    /// An owned type: the event, or an HTTP extractor / `Request`.
    Owned(&'a Type),
    /// `Context` or `&Context`.
    Context { by_ref: bool },
    /// `&S`: the init state, or a borrowed event by mistake.
    Borrowed(&'a Type),
    /// `&mut T`.
    MutRef,
    /// `impl Trait`.
    ImplTrait,
    /// `self`, `&self`, ...
    Receiver,
}

pub(crate) struct Param<'a> {
    pub role: Role<'a>,
    /// The whole parameter, for error spans.
    pub arg: &'a FnArg,
    /// The parameter's type (or the receiver), for error spans.
    pub ty: &'a dyn ToTokens,
}

pub(crate) fn params(sig: &Signature) -> Vec<Param<'_>> {
    sig.inputs.iter().map(param).collect()
}

fn param(arg: &FnArg) -> Param<'_> {
    match arg {
        FnArg::Receiver(receiver) => Param {
            role: Role::Receiver,
            arg,
            ty: receiver,
        },
        FnArg::Typed(typed) => Param {
            role: role(&typed.ty),
            arg,
            ty: &typed.ty,
        },
    }
}

fn role(ty: &Type) -> Role<'_> {
    match peel(ty) {
        Type::ImplTrait(_) => Role::ImplTrait,
        Type::Reference(reference) if reference.mutability.is_some() => Role::MutRef,
        Type::Reference(reference) if is_named(&reference.elem, "Context") => {
            Role::Context { by_ref: true }
        }
        Type::Reference(reference) => Role::Borrowed(&reference.elem),
        other if is_named(other, "Context") => Role::Context { by_ref: false },
        _ => Role::Owned(ty),
    }
}
