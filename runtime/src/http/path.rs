//! Path parameters into `T`: one value, a tuple in pattern order, or a
//! struct with a field per parameter. Values are plain strings parsed into
//! the field's type (`serde_plain`), and a failure names the parameter.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

/// Why the path parameters do not fit the handler's type.
#[derive(Debug)]
pub(crate) struct PathError {
    pub field: Option<String>,
    problem: String,
}

impl PathError {
    fn at(field: &str, problem: impl fmt::Display) -> Self {
        Self {
            field: Some(field.to_owned()),
            problem: problem.to_string(),
        }
    }

    /// The whole sentence for the response.
    pub(crate) fn message(&self) -> String {
        match &self.field {
            Some(field) => format!("path parameter `{field}`: {}", self.problem),
            None => format!("path parameters: {}", self.problem),
        }
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for PathError {}

impl de::Error for PathError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self {
            field: None,
            problem: msg.to_string(),
        }
    }

    /// A struct field with no parameter of its name.
    fn missing_field(field: &'static str) -> Self {
        Self {
            field: Some(field.to_owned()),
            problem: "missing from the path".to_owned(),
        }
    }
}

/// The whole parameter list.
pub(crate) struct PathDeserializer<'de> {
    params: &'de [(String, String)],
}

impl<'de> PathDeserializer<'de> {
    pub(crate) fn new(params: &'de [(String, String)]) -> Self {
        Self { params }
    }

    fn single(&self) -> Result<Value<'de>, PathError> {
        match self.params {
            [(name, value)] => Ok(Value { name, value }),
            [] => Err(de::Error::custom(
                "the route has no parameters; take `Path<T>` only on a route like `/items/{id}`",
            )),
            more => Err(de::Error::custom(format!(
                "the route has {} parameters; take a tuple or a struct with a field per parameter",
                more.len()
            ))),
        }
    }
}

macro_rules! single_value {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
            self.single()?.$method(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for PathDeserializer<'de> {
    type Error = PathError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        if self.params.len() == 1 {
            self.single()?.deserialize_any(visitor)
        } else {
            self.deserialize_map(visitor)
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        visitor.visit_map(Params {
            params: self.params.iter(),
            current: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        visitor.visit_seq(Values(self.params.iter()))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        if len != self.params.len() {
            return Err(de::Error::custom(format!(
                "the route has {} parameter(s) but the tuple has {len}",
                self.params.len()
            )));
        }
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathError> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }

    single_value!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_identifier,
        deserialize_ignored_any
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        self.single()?.deserialize_unit_struct(name, visitor)
    }
}

/// One parameter's value, parsed into whatever the field asks for.
struct Value<'de> {
    name: &'de str,
    value: &'de str,
}

macro_rules! plain {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
            de::Deserializer::$method(serde_plain::Deserializer::new(self.value), visitor)
                .map_err(|err| PathError::at(self.name, err))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Value<'de> {
    type Error = PathError;

    plain!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_unit,
        deserialize_identifier,
        deserialize_ignored_any,
        deserialize_seq,
        deserialize_map
    );

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PathError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PathError> {
        de::Deserializer::deserialize_enum(
            serde_plain::Deserializer::new(self.value),
            name,
            variants,
            visitor,
        )
        .map_err(|err| PathError::at(self.name, err))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, PathError> {
        de::Deserializer::deserialize_unit_struct(
            serde_plain::Deserializer::new(self.value),
            name,
            visitor,
        )
        .map_err(|err| PathError::at(self.name, err))
    }

    forward_to_deserialize_any!(tuple tuple_struct struct);
}

struct Params<'de> {
    params: std::slice::Iter<'de, (String, String)>,
    current: Option<&'de (String, String)>,
}

impl<'de> MapAccess<'de> for Params<'de> {
    type Error = PathError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, PathError> {
        let Some(param) = self.params.next() else {
            return Ok(None);
        };
        self.current = Some(param);
        let key = de::value::BorrowedStrDeserializer::<PathError>::new(param.0.as_str());
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, PathError> {
        let (name, value) = self
            .current
            .take()
            .ok_or_else(|| <PathError as de::Error>::custom("value without a key"))?;
        seed.deserialize(Value { name, value })
    }
}

struct Values<'de>(std::slice::Iter<'de, (String, String)>);

impl<'de> SeqAccess<'de> for Values<'de> {
    type Error = PathError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, PathError> {
        match self.0.next() {
            Some((name, value)) => seed.deserialize(Value { name, value }).map(Some),
            None => Ok(None),
        }
    }
}

/// What `Path<T>` asks of its route, read from `T`'s `Deserialize` impl
/// by [`shape`] without a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// One value (a number, a string, an enum, an `Option`): exactly one
    /// parameter.
    One,
    /// A tuple or tuple struct of this many values, in pattern order.
    Tuple(usize),
    /// A struct taking these field names (aliases included).
    Struct(&'static [&'static str]),
    /// A map, a sequence, or a type that decides from the data
    /// (`deserialize_any`): it takes any parameters.
    Any,
}

/// The shape `T` asks [`PathDeserializer`] for: `T` deserializes from a
/// probe that records the first request it makes and stops there.
pub(crate) fn shape<T: de::DeserializeOwned>() -> Shape {
    match T::deserialize(Probe) {
        Err(Probed::Shape(shape)) => shape,
        // A custom impl that fails or succeeds before asking for anything.
        _ => Shape::Any,
    }
}

/// Whether `T` fits a route whose pattern has the parameters `params`
/// (in pattern order); the problem, worded for the route's author.
pub(crate) fn check<T: de::DeserializeOwned>(params: &[&str]) -> Result<(), String> {
    let count = match params.len() {
        1 => "1 parameter".to_owned(),
        n => format!("{n} parameters"),
    };
    let listed = list(params);
    let pattern = format!("the pattern has {count} ({listed})");
    match shape::<T>() {
        Shape::Any => Ok(()),
        Shape::One | Shape::Tuple(1) if params.len() == 1 => Ok(()),
        Shape::Tuple(n) if n == params.len() => Ok(()),
        _ if params.is_empty() => Err(
            "has nothing to take: the pattern has no parameters; remove the `Path` parameter, \
             or add `{name}` segments to the pattern"
                .to_owned(),
        ),
        Shape::One => Err(format!(
            "takes one value but {pattern}: take a tuple in pattern order \
             (`Path<({})>`) or a struct with the fields {listed}",
            vec!["_"; params.len()].join(", ")
        )),
        Shape::Tuple(n) => Err(format!(
            "takes a tuple of {n} but {pattern}: take {}",
            match params.len() {
                1 => "the one value, e.g. `Path<u64>`".to_owned(),
                n => format!(
                    "a tuple of {n} in pattern order (`Path<({})>`)",
                    vec!["_"; n].join(", ")
                ),
            }
        )),
        Shape::Struct(fields) => {
            let unused: Vec<&str> = params
                .iter()
                .copied()
                .filter(|p| !fields.contains(p))
                .collect();
            // A field the pattern lacks is fine when it has a default: a
            // decode from placeholder values tells which are required.
            let missing = missing_field::<T>(params);
            if unused.is_empty() && missing.is_none() {
                return Ok(());
            }
            let mut problems = Vec::new();
            if let Some(field) = missing {
                problems.push(format!("field `{field}` is not a parameter"));
            }
            if !unused.is_empty() {
                problems.push(format!("{} no field", {
                    let names = list(&unused);
                    if unused.len() == 1 {
                        format!("parameter {names} has")
                    } else {
                        format!("parameters {names} have")
                    }
                }));
            }
            Err(format!(
                "has the fields {} but {pattern} ({}): name the fields after the parameters \
                 (or `#[serde(rename = \"...\")]` them), or change the pattern",
                list(fields),
                problems.join("; ")
            ))
        }
    }
}

/// `T`'s name without module paths, as its author would write it:
/// `(String, u32)`, not `(alloc::string::String, u32)`.
pub(crate) fn short_type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut short = String::with_capacity(full.len());
    // Where the path being written started: a `::` cuts back to it.
    let mut start = 0;
    let mut chars = full.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            short.truncate(start);
        } else {
            short.push(c);
            if !(c.is_alphanumeric() || c == '_') {
                start = short.len();
            }
        }
    }
    short
}

/// `` `a`, `b` `` (or "none").
fn list(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".to_owned();
    }
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first field `T` requires that `params` do not give, found by
/// decoding placeholder values; `None` when all are given or the decode
/// fails for another reason (a value the type refuses says nothing about
/// names).
fn missing_field<T: de::DeserializeOwned>(params: &[&str]) -> Option<&'static str> {
    let entries = params.iter().map(|name| (*name, Placeholder));
    match T::deserialize(de::value::MapDeserializer::<_, Probed>::new(entries)) {
        Err(Probed::Missing(field)) => Some(field),
        _ => None,
    }
}

/// The probes' error: what they found, or a refusal that says nothing.
#[derive(Debug)]
enum Probed {
    Shape(Shape),
    Missing(&'static str),
    Refused,
}

impl fmt::Display for Probed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for Probed {}

impl de::Error for Probed {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Probed::Refused
    }

    fn missing_field(field: &'static str) -> Self {
        Probed::Missing(field)
    }
}

/// Answers the first request with its shape, as [`PathDeserializer`]
/// would read it.
struct Probe;

macro_rules! probed {
    ($shape:expr => $($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Probed> {
            Err(Probed::Shape($shape))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Probe {
    type Error = Probed;

    probed!(Shape::One => deserialize_bool, deserialize_i8, deserialize_i16, deserialize_i32,
        deserialize_i64, deserialize_i128, deserialize_u8, deserialize_u16, deserialize_u32,
        deserialize_u64, deserialize_u128, deserialize_f32, deserialize_f64, deserialize_char,
        deserialize_str, deserialize_string, deserialize_bytes, deserialize_byte_buf,
        deserialize_option, deserialize_unit, deserialize_identifier, deserialize_ignored_any);
    probed!(Shape::Any => deserialize_any, deserialize_seq, deserialize_map);

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: V,
    ) -> Result<V::Value, Probed> {
        Err(Probed::Shape(Shape::One))
    }

    /// The inner type's shape, as `PathDeserializer` looks through it.
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Probed> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, _: V) -> Result<V::Value, Probed> {
        Err(Probed::Shape(Shape::Tuple(len)))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        _: V,
    ) -> Result<V::Value, Probed> {
        Err(Probed::Shape(Shape::Tuple(len)))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Probed> {
        Err(Probed::Shape(Shape::Struct(fields)))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Probed> {
        Err(Probed::Shape(Shape::One))
    }
}

/// A stand-in for any one parameter value: the simplest value of whatever
/// type asks; refuses what a plain string could not be anyway.
#[derive(Clone, Copy)]
struct Placeholder;

impl<'de> de::IntoDeserializer<'de, Probed> for Placeholder {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

macro_rules! placeholder {
    ($($method:ident => $visit:ident($($value:expr)?)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probed> {
            visitor.$visit($($value)?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Placeholder {
    type Error = Probed;

    placeholder!(
        deserialize_bool => visit_bool(false),
        deserialize_i8 => visit_i8(0),
        deserialize_i16 => visit_i16(0),
        deserialize_i32 => visit_i32(0),
        deserialize_i64 => visit_i64(0),
        deserialize_i128 => visit_i128(0),
        deserialize_u8 => visit_u8(0),
        deserialize_u16 => visit_u16(0),
        deserialize_u32 => visit_u32(0),
        deserialize_u64 => visit_u64(0),
        deserialize_u128 => visit_u128(0),
        deserialize_f32 => visit_f32(0.0),
        deserialize_f64 => visit_f64(0.0),
        deserialize_char => visit_char('0'),
        deserialize_str => visit_str(""),
        deserialize_string => visit_str(""),
        deserialize_identifier => visit_str(""),
        deserialize_bytes => visit_bytes(&[]),
        deserialize_byte_buf => visit_bytes(&[]),
        deserialize_unit => visit_unit(),
        deserialize_ignored_any => visit_unit(),
        deserialize_option => visit_none(),
    );

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Probed> {
        visitor.visit_str("")
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Probed> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Probed> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Probed> {
        match variants.first() {
            Some(variant) => visitor.visit_enum(de::value::StrDeserializer::<Probed>::new(variant)),
            None => Err(Probed::Refused),
        }
    }

    // A parameter value is one plain string: these cannot come from it,
    // so a type asking for them says nothing about the pattern.
    fn deserialize_seq<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Probed> {
        Err(Probed::Refused)
    }

    fn deserialize_map<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Probed> {
        Err(Probed::Refused)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, Probed> {
        Err(Probed::Refused)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        _: V,
    ) -> Result<V::Value, Probed> {
        Err(Probed::Refused)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Probed> {
        Err(Probed::Refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn decode<T: serde::de::DeserializeOwned>(pairs: &[(&str, &str)]) -> Result<T, PathError> {
        let params = params(pairs);
        T::deserialize(PathDeserializer::new(&params))
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Item {
        id: i64,
        kind: Kind,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Fruit,
        Tool,
    }

    #[test]
    fn one_value_tuples_and_structs() {
        assert_eq!(decode::<i64>(&[("id", "42")]).unwrap(), 42);
        assert_eq!(decode::<String>(&[("name", "a b")]).unwrap(), "a b");
        assert_eq!(
            decode::<(String, u32)>(&[("user", "ada"), ("n", "7")]).unwrap(),
            ("ada".to_owned(), 7)
        );
        assert_eq!(
            decode::<Item>(&[("kind", "tool"), ("id", "3")]).unwrap(),
            Item {
                id: 3,
                kind: Kind::Tool
            }
        );
        assert_eq!(decode::<Kind>(&[("kind", "fruit")]).unwrap(), Kind::Fruit);
        assert_eq!(decode::<Option<u8>>(&[("n", "1")]).unwrap(), Some(1));
    }

    #[test]
    fn failures_name_the_parameter() {
        let err = decode::<i64>(&[("id", "abc")]).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("id"));
        assert!(
            err.message().starts_with("path parameter `id`: "),
            "{}",
            err.message()
        );

        let err = decode::<Item>(&[("id", "x1"), ("kind", "tool")]).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("id"));

        let err = decode::<Item>(&[("id", "1"), ("kind", "car")]).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("kind"));
        assert!(err.message().contains("car"), "{}", err.message());

        let err = decode::<Item>(&[("id", "1")]).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("kind"));
        assert_eq!(
            err.message(),
            "path parameter `kind`: missing from the path"
        );

        let err = decode::<i64>(&[("a", "1"), ("b", "2")]).unwrap_err();
        assert!(err.message().contains("2 parameters"), "{}", err.message());
        let err = decode::<(i64, i64)>(&[("a", "1")]).unwrap_err();
        assert!(err.message().contains("tuple has 2"), "{}", err.message());
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Id(u64);

    #[derive(Debug, Deserialize, PartialEq)]
    struct Pair(String, u8);

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Paged {
        id: u64,
        #[serde(default)]
        page: u32,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Aliased {
        #[serde(alias = "item_id")]
        id: u64,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Flattened {
        #[serde(flatten)]
        rest: std::collections::HashMap<String, String>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct NonZero {
        id: std::num::NonZeroU64,
    }

    #[test]
    fn the_probe_reads_the_shape_without_a_value() {
        assert_eq!(shape::<u64>(), Shape::One);
        assert_eq!(shape::<String>(), Shape::One);
        assert_eq!(shape::<Kind>(), Shape::One);
        assert_eq!(shape::<Option<u8>>(), Shape::One);
        assert_eq!(shape::<Id>(), Shape::One, "a newtype is its inner type");
        assert_eq!(shape::<(String, u32)>(), Shape::Tuple(2));
        assert_eq!(shape::<(String,)>(), Shape::Tuple(1));
        assert_eq!(shape::<Pair>(), Shape::Tuple(2));
        assert_eq!(shape::<Item>(), Shape::Struct(&["id", "kind"]));
        assert_eq!(shape::<Aliased>(), Shape::Struct(&["id", "item_id"]));
        for any in [
            shape::<std::collections::HashMap<String, String>>(),
            shape::<Vec<String>>(),
            shape::<serde_json::Value>(),
            shape::<Flattened>(),
        ] {
            assert_eq!(any, Shape::Any);
        }
    }

    #[test]
    fn type_names_lose_their_module_paths() {
        assert_eq!(short_type_name::<(String, u32)>(), "(String, u32)");
        assert_eq!(short_type_name::<Item>(), "Item");
        assert_eq!(
            short_type_name::<std::collections::HashMap<String, Vec<Kind>>>(),
            "HashMap<String, Vec<Kind>>"
        );
    }

    #[test]
    fn types_that_fit_their_pattern_pass() {
        assert_eq!(check::<u64>(&["id"]), Ok(()));
        assert_eq!(check::<Id>(&["id"]), Ok(()));
        assert_eq!(check::<(u64,)>(&["id"]), Ok(()));
        assert_eq!(check::<(String, u64)>(&["shop", "id"]), Ok(()));
        assert_eq!(check::<Item>(&["kind", "id"]), Ok(()), "any order");
        assert_eq!(check::<Paged>(&["id"]), Ok(()), "a defaulted field");
        assert_eq!(check::<Aliased>(&["item_id"]), Ok(()), "an alias");
        assert_eq!(
            check::<NonZero>(&["id"]),
            Ok(()),
            "a type refusing the placeholder value"
        );
        assert_eq!(
            check::<std::collections::HashMap<String, String>>(&["a", "b"]),
            Ok(())
        );
    }

    #[test]
    fn types_that_do_not_fit_say_what_to_write() {
        assert_eq!(
            check::<(String, u32)>(&["id"]).unwrap_err(),
            "takes a tuple of 2 but the pattern has 1 parameter (`id`): \
             take the one value, e.g. `Path<u64>`"
        );
        assert_eq!(
            check::<(String, u32, u8)>(&["shop", "id"]).unwrap_err(),
            "takes a tuple of 3 but the pattern has 2 parameters (`shop`, `id`): \
             take a tuple of 2 in pattern order (`Path<(_, _)>`)"
        );
        assert_eq!(
            check::<u64>(&["shop", "id"]).unwrap_err(),
            "takes one value but the pattern has 2 parameters (`shop`, `id`): \
             take a tuple in pattern order (`Path<(_, _)>`) or a struct with the fields `shop`, `id`"
        );
        assert_eq!(
            check::<u64>(&[]).unwrap_err(),
            "has nothing to take: the pattern has no parameters; remove the `Path` parameter, \
             or add `{name}` segments to the pattern"
        );
        assert_eq!(
            check::<Item>(&["id"]).unwrap_err(),
            "has the fields `id`, `kind` but the pattern has 1 parameter (`id`) \
             (field `kind` is not a parameter): name the fields after the parameters \
             (or `#[serde(rename = \"...\")]` them), or change the pattern"
        );
        let err = check::<Item>(&["id", "kind", "extra"]).unwrap_err();
        assert!(err.contains("(parameter `extra` has no field)"), "{err}");
        let err = check::<Paged>(&["item_id", "other"]).unwrap_err();
        assert!(
            err.contains(
                "(field `id` is not a parameter; parameters `item_id`, `other` have no field)"
            ),
            "{err}"
        );
    }

    /// Property tests: parameter values are client input (a long run:
    /// `PROPTEST_CASES=20000 cargo test -p lambda-kit --features http path::tests::props`).
    mod props {
        use super::*;
        use crate::http::props::config;
        use proptest::prelude::*;
        use std::collections::HashMap;

        fn value() -> impl Strategy<Value = String> {
            prop_oneof![
                any::<String>(),
                "-?[0-9]{1,25}(\\.[0-9]{0,3})?",
                prop::sample::select(vec!["true", "fruit", "tool", "", "NaN", "1e400"])
                    .prop_map(String::from),
            ]
        }

        proptest! {
            #![proptest_config(config(256))]

            #[test]
            fn arbitrary_values_never_panic_and_failures_name_a_parameter(
                params in prop::collection::vec(
                    (prop::sample::select(vec!["id", "kind", "n", "x"]).prop_map(String::from), value()),
                    0..4,
                ),
            ) {
                let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
                let named = |err: &PathError| match &err.field {
                    Some(field) => names.contains(&field.as_str()) || ["id", "kind"].contains(&field.as_str()),
                    None => true,
                };
                macro_rules! each {
                    ($($t:ty),*) => {$(
                        if let Err(err) = <$t>::deserialize(PathDeserializer::new(&params)) {
                            prop_assert!(named(&err), "{:?}", err);
                            prop_assert!(!err.message().is_empty());
                        }
                    )*};
                }
                each!(i64, u8, f64, bool, char, String, Option<u32>, Kind, Item, (String, u32),
                      (i64, i64, String), Vec<String>, HashMap<String, String>, HashMap<String, i64>);
            }

            #[test]
            fn one_string_parameter_is_taken_as_is(v in any::<String>()) {
                let params = vec![("name".to_owned(), v.clone())];
                prop_assert_eq!(String::deserialize(PathDeserializer::new(&params)).ok(), Some(v));
            }
        }
    }
}
