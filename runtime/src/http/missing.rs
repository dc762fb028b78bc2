//! Which struct field was missing, known through types: serde reports a
//! missing field by calling `de::Error::missing_field` on the
//! deserializer's error type, but serde_json's and serde_urlencoded's
//! errors keep only a message. This wrapper hands the data type an error
//! type of ours, records the field when `missing_field` is called, and
//! gives the wrapped deserializer its own error back at every boundary, so
//! messages stay exactly the wrapped deserializer's.
//!
//! Only failures run through it (a request is first decoded unwrapped).

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess};
use serde::de::{VariantAccess, Visitor};

/// A failed decoding: the path serde_path_to_error tracked, the wrapped
/// deserializer's error, and the field when the failure is a missing one.
pub(crate) struct Failure<E> {
    pub path: serde_path_to_error::Path,
    pub missing: Option<&'static str>,
    pub error: E,
}

/// Decodes `T`, tracking the path and a missing field of a failure.
pub(crate) fn deserialize<'de, D, T>(deserializer: D) -> Result<T, Failure<D::Error>>
where
    D: Deserializer<'de>,
    T: de::Deserialize<'de>,
{
    let slot = Cell::new(None);
    serde_path_to_error::deserialize(Wrap(deserializer, &slot)).map_err(|err| {
        let path = err.path().clone();
        let error = unwrap(&slot, err.into_inner());
        Failure {
            path,
            missing: slot.get(),
            error,
        }
    })
}

/// The last missing field an error carried across a boundary.
type Slot = Cell<Option<&'static str>>;

/// The error type the data type sees.
#[derive(Debug)]
enum Error<E> {
    /// From `missing_field`.
    Missing(&'static str, E),
    /// Any other error the data type made (`custom`, `invalid_type`, ...):
    /// a new failure, so an earlier missing field no longer explains it.
    Made(E),
    /// The wrapped deserializer's own error on its way up.
    Passed(E),
}

/// Back to the wrapped deserializer's error, noting what it was.
fn unwrap<E>(slot: &Slot, error: Error<E>) -> E {
    match error {
        Error::Missing(field, error) => {
            slot.set(Some(field));
            error
        }
        Error::Made(error) => {
            slot.set(None);
            error
        }
        Error::Passed(error) => error,
    }
}

impl<E: fmt::Display> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Missing(_, e) | Error::Made(e) | Error::Passed(e) => e.fmt(f),
        }
    }
}

impl<E: de::Error> std::error::Error for Error<E> {}

// Each constructor builds the wrapped error type's own error, so its
// wording (and serde_json's position) is unchanged.
impl<E: de::Error> de::Error for Error<E> {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::Made(E::custom(msg))
    }
    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Error::Made(E::invalid_type(unexp, exp))
    }
    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Error::Made(E::invalid_value(unexp, exp))
    }
    fn invalid_length(len: usize, exp: &dyn de::Expected) -> Self {
        Error::Made(E::invalid_length(len, exp))
    }
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Error::Made(E::unknown_variant(variant, expected))
    }
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Error::Made(E::unknown_field(field, expected))
    }
    fn missing_field(field: &'static str) -> Self {
        Error::Missing(field, E::missing_field(field))
    }
    fn duplicate_field(field: &'static str) -> Self {
        Error::Made(E::duplicate_field(field))
    }
}

struct Wrap<'s, T>(T, &'s Slot);

macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Self::Error> {
            self.0.$method($($arg,)* Wrap(visitor, self.1)).map_err(Error::Passed)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Wrap<'_, D> {
    type Error = Error<D::Error>;

    forward_deserialize!(
        deserialize_any(),
        deserialize_bool(),
        deserialize_i8(),
        deserialize_i16(),
        deserialize_i32(),
        deserialize_i64(),
        deserialize_i128(),
        deserialize_u8(),
        deserialize_u16(),
        deserialize_u32(),
        deserialize_u64(),
        deserialize_u128(),
        deserialize_f32(),
        deserialize_f64(),
        deserialize_char(),
        deserialize_str(),
        deserialize_string(),
        deserialize_bytes(),
        deserialize_byte_buf(),
        deserialize_option(),
        deserialize_unit(),
        deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str),
        deserialize_seq(),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_map(),
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        deserialize_identifier(),
        deserialize_ignored_any(),
    );

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty)),* $(,)?) => {$(
        fn $method<E: de::Error>(self, value: $ty) -> Result<Self::Value, E> {
            self.0.$method(value).map_err(|err| unwrap(self.1, err))
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    forward_visit!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    );

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.0.visit_none().map_err(|err| unwrap(self.1, err))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.0.visit_unit().map_err(|err| unwrap(self.1, err))
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let slot = self.1;
        self.0
            .visit_some(Wrap(d, slot))
            .map_err(|err| unwrap(slot, err))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let slot = self.1;
        self.0
            .visit_newtype_struct(Wrap(d, slot))
            .map_err(|err| unwrap(slot, err))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let slot = self.1;
        self.0
            .visit_seq(Wrap(seq, slot))
            .map_err(|err| unwrap(slot, err))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let slot = self.1;
        self.0
            .visit_map(Wrap(map, slot))
            .map_err(|err| unwrap(slot, err))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        let slot = self.1;
        self.0
            .visit_enum(Wrap(data, slot))
            .map_err(|err| unwrap(slot, err))
    }
}

/// A seed of the data type, fed by the wrapped deserializer.
struct Seed<'s, S>(S, &'s Slot);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        let slot = self.1;
        self.0
            .deserialize(Wrap(d, slot))
            .map_err(|err| unwrap(slot, err))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Wrap<'_, A> {
    type Error = Error<A::Error>;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.0
            .next_element_seed(Seed(seed, self.1))
            .map_err(Error::Passed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Wrap<'_, A> {
    type Error = Error<A::Error>;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        self.0
            .next_key_seed(Seed(seed, self.1))
            .map_err(Error::Passed)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<T::Value, Self::Error> {
        self.0
            .next_value_seed(Seed(seed, self.1))
            .map_err(Error::Passed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, 's, A: EnumAccess<'de>> EnumAccess<'de> for Wrap<'s, A> {
    type Error = Error<A::Error>;
    type Variant = Wrap<'s, A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), Self::Error> {
        let slot = self.1;
        self.0
            .variant_seed(Seed(seed, slot))
            .map(|(value, variant)| (value, Wrap(variant, slot)))
            .map_err(Error::Passed)
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Wrap<'_, A> {
    type Error = Error<A::Error>;

    fn unit_variant(self) -> Result<(), Self::Error> {
        self.0.unit_variant().map_err(Error::Passed)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, Self::Error> {
        self.0
            .newtype_variant_seed(Seed(seed, self.1))
            .map_err(Error::Passed)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0
            .tuple_variant(len, Wrap(visitor, self.1))
            .map_err(Error::Passed)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        self.0
            .struct_variant(fields, Wrap(visitor, self.1))
            .map_err(Error::Passed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Order {
        id: u32,
        item: Item,
        note: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        sku: String,
    }

    #[derive(Debug, Deserialize)]
    #[serde(untagged)]
    #[allow(dead_code)]
    enum Either {
        Id { id: u32 },
        Name { name: String },
    }

    fn json<T: de::DeserializeOwned>(text: &str) -> Failure<serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        match deserialize::<_, T>(&mut de) {
            Ok(_) => panic!("{text} decoded"),
            Err(failure) => failure,
        }
    }

    #[test]
    fn a_missing_field_is_named() {
        let failure = json::<Order>(r#"{"item": {"sku": "a"}}"#);
        assert_eq!(failure.missing, Some("id"));
        assert_eq!(failure.path.to_string(), ".");
        // The wrapped deserializer's message, unchanged.
        assert_eq!(
            failure.error.to_string(),
            "missing field `id` at line 1 column 22"
        );

        let failure = json::<Order>(r#"{"id": 1, "item": {}}"#);
        assert_eq!(failure.missing, Some("sku"));
        assert_eq!(failure.path.to_string(), "item");
    }

    #[test]
    fn other_failures_name_no_missing_field() {
        let failure = json::<Order>(r#"{"id": "x", "item": {"sku": "a"}}"#);
        assert_eq!(failure.missing, None);
        assert_eq!(failure.path.to_string(), "id");
        // An untagged enum tries variants that miss fields, then fails
        // with an error of its own.
        let failure = json::<Either>(r#"{"other": 1}"#);
        assert_eq!(failure.missing, None);
    }

    #[test]
    fn query_strings_too() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Page {
            n: u32,
        }
        let pairs = form_urlencoded::parse(b"m=1");
        let Err(failure) = deserialize::<_, Page>(serde_urlencoded::Deserializer::new(pairs))
        else {
            panic!("decoded");
        };
        assert_eq!(failure.missing, Some("n"));
    }
}
