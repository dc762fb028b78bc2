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
