//! Reading members leniently without building a `serde_json::Value`: a member of the
//! wrong type is skipped instead of failing the object it is in.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// Any JSON value, kept only when it is a string or a non-negative integer that fits
/// in `u64` (what `Value::as_str` / `Value::as_u64` would accept); anything else is
/// consumed and read as [`Scalar::Other`].
pub(crate) enum Scalar {
    Str(String),
    U64(u64),
    Other,
}

impl Scalar {
    pub(crate) fn into_string(self) -> Option<String> {
        match self {
            Scalar::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            Scalar::U64(n) => Some(*n),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Str(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::U64(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(u64::try_from(v).map_or(Scalar::Other, Scalar::U64))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar::Other)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

/// An object's members named in `names`, each read as a [`Scalar`] (the last of a
/// repeated name wins, as in a JSON object); any other value reads as no members.
pub(crate) struct Members<const N: usize> {
    pub(crate) names: [&'static str; N],
}

impl<'de, const N: usize> DeserializeSeed<'de> for Members<N> {
    type Value = [Scalar; N];

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<[Scalar; N], D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for Members<N> {
    type Value = [Scalar; N];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<[Scalar; N], A::Error> {
        let mut found = std::array::from_fn(|_| Scalar::Other);
        while let Some(name) = map.next_key_seed(NameSeed(&self.names))? {
            match name {
                Some(i) => found[i] = map.next_value()?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<[Scalar; N], A::Error> {
        ScalarVisitor.visit_seq(seq).map(|_| std::array::from_fn(|_| Scalar::Other))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<[Scalar; N], E> {
        Ok(std::array::from_fn(|_| Scalar::Other))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<[Scalar; N], E> {
        Ok(std::array::from_fn(|_| Scalar::Other))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<[Scalar; N], E> {
        Ok(std::array::from_fn(|_| Scalar::Other))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<[Scalar; N], E> {
        Ok(std::array::from_fn(|_| Scalar::Other))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<[Scalar; N], E> {
        Ok(std::array::from_fn(|_| Scalar::Other))
    }
    fn visit_unit<E: de::Error>(self) -> Result<[Scalar; N], E> {
        Ok(std::array::from_fn(|_| Scalar::Other))
    }
}

/// A member name's index in the names looked for, without allocating.
struct NameSeed<'a>(&'a [&'static str]);

impl<'de> DeserializeSeed<'de> for NameSeed<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for NameSeed<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|n| *n == v))
    }
}
