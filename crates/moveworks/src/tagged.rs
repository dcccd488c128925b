//! Reading the API's tagged unions (`{"type": T, "<t lowercased>": {...}}`) in one pass.
//!
//! The payload of a known tag is decoded straight from the input, so a streamed
//! delta's whole message is never built as a `serde_json::Value` first (that copy was
//! most of the core's cost per event). The object is buffered as a `Value` only when it
//! has to be kept or re-read: an unknown tag (kept verbatim), or a payload that comes
//! before its `type`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};

/// A union read by [`read`].
pub(crate) trait TaggedUnion: Sized {
    /// The member holding a known tag's payload; `None` for an unknown tag.
    fn payload_field(tag: &str) -> Option<&'static str>;
    /// Decodes a known tag's payload (the value of its [`payload_field`](Self::payload_field)).
    fn from_payload<'de, D: Deserializer<'de>>(tag: &str, payload: D) -> Result<Self, D::Error>;
    /// Builds the union from the whole object, buffered: an unknown tag, a known tag
    /// whose payload came before `type`, or one without its payload.
    fn from_object<E: de::Error>(tag: String, object: Value) -> Result<Self, E>;
}

/// Reads a `T` from `d`: a JSON object whose `type` is a string (else `missing field type`).
pub(crate) fn read<'de, D: Deserializer<'de>, T: TaggedUnion>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(UnionVisitor(PhantomData))
}

struct UnionVisitor<T>(PhantomData<T>);

impl<'de, T: TaggedUnion> Visitor<'de> for UnionVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with a string `type`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut tag: Option<String> = None;
        let mut decoded: Option<T> = None;
        // Every member but a known tag's extras, for `from_object`.
        let mut buffered = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "type" {
                let value: Value = map.next_value()?;
                if tag.is_none() {
                    tag = value.as_str().map(str::to_owned);
                }
                buffered.insert(key, value);
                continue;
            }
            let field = tag.as_deref().and_then(T::payload_field);
            match (field, &decoded) {
                (Some(field), None) if key == field => {
                    let tag = tag.as_deref().unwrap_or_default();
                    decoded = Some(map.next_value_seed(PayloadSeed::<T> { tag, union: PhantomData })?);
                }
                // A known tag's other members are not part of the model.
                (Some(_), _) => {
                    map.next_value::<IgnoredAny>()?;
                }
                (None, _) => {
                    let value: Value = map.next_value()?;
                    buffered.insert(key, value);
                }
            }
        }
        match (decoded, tag) {
            (Some(union), _) => Ok(union),
            (None, Some(tag)) => T::from_object(tag, Value::Object(buffered)),
            (None, None) => Err(de::Error::missing_field("type")),
        }
    }
}

struct PayloadSeed<'a, T> {
    tag: &'a str,
    union: PhantomData<T>,
}

impl<'de, T: TaggedUnion> DeserializeSeed<'de> for PayloadSeed<'_, T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        T::from_payload(self.tag, d)
    }
}

/// Reads the payload member `field` of a buffered object (`missing field` without it).
pub(crate) fn buffered_payload<T: de::DeserializeOwned, E: de::Error>(
    object: &mut Value,
    field: &'static str,
) -> Result<T, E> {
    let inner = object.get_mut(field).map(Value::take).ok_or_else(|| E::missing_field(field))?;
    serde_json::from_value(inner).map_err(E::custom)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::model::{Content, OutputItem};

    /// Each case read from text (the one-pass path) and from a `Value` (`from_value`) alike.
    fn both<T: serde::de::DeserializeOwned + std::fmt::Debug>(wire: serde_json::Value) -> (T, T) {
        let from_text = serde_json::from_str(&wire.to_string()).unwrap();
        let from_value = serde_json::from_value(wire).unwrap();
        (from_text, from_value)
    }

    #[test]
    fn a_payload_before_its_type_and_extra_members_read_the_same() {
        let first = json!({"type": "MARKDOWN_TEXT", "markdown_text": {"text": "hi"}, "extra": [1, {"x": 2}]});
        let payload_first = json!({"extra": 1, "markdown_text": {"text": "hi"}, "type": "MARKDOWN_TEXT"});
        for wire in [first, payload_first] {
            let (a, b): (Content, Content) = both(wire);
            assert_eq!((a.text(), b.text()), (Some("hi"), Some("hi")));
        }
    }

    #[test]
    fn an_unknown_tag_is_kept_verbatim_and_written_back() {
        let wire = json!({"payload": {"n": 1}, "type": "SURELY_NEW", "z": null});
        let (a, b): (OutputItem, OutputItem) = both(wire.clone());
        assert_eq!(a.type_name(), "SURELY_NEW");
        assert_eq!(serde_json::to_value(&a).unwrap(), wire);
        assert_eq!(serde_json::to_value(&b).unwrap(), wire);
    }

    #[test]
    fn a_missing_type_or_payload_is_an_error_and_a_recorded_press_may_lack_its_payload() {
        assert!(serde_json::from_str::<Content>(r#"{"markdown_text": {"text": "hi"}}"#).is_err());
        assert!(serde_json::from_str::<Content>(r#"{"type": 5}"#).is_err());
        assert!(serde_json::from_str::<Content>(r#"{"type": "MARKDOWN_TEXT"}"#).is_err());
        assert!(serde_json::from_str::<OutputItem>(r#"{"type": "MESSAGE", "message": null}"#).is_err());
        let bare: Content = serde_json::from_str(r#"{"type": "CALLBACK_ACTION_CONTENT"}"#).unwrap();
        assert_eq!(bare, Content::CallbackAction { callback_id: None });
        let (a, b): (Content, Content) =
            both(json!({"type": "CALLBACK_ACTION_CONTENT", "callback_action": {"callback_id": "cb"}}));
        assert_eq!(a, Content::CallbackAction { callback_id: Some("cb".into()) });
        assert_eq!(a, b);
    }
}
