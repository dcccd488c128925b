//! Reading the API's tagged unions (`{"type": T, "<t lowercased>": {...}}`) in one pass.
//!
//! The payload of a known tag is decoded straight from the input, so a streamed
//! delta's whole message is never built as a `serde_json::Value` first (that copy was
//! most of the core's cost per event). Members read before `type` are kept as their
//! JSON text: a known tag's payload is then decoded from that text, and only an unknown
//! tag (kept verbatim) or a missing payload builds the object as a `Value`.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::lenient::Scalar;
use serde_json::{Map, Value};

/// A union read by [`read`].
pub(crate) trait TaggedUnion: Sized {
    /// The tags this SDK decodes into a known variant.
    const TAGS: &'static [&'static str];
    /// The member holding a known tag's payload; `None` for an unknown tag.
    fn payload_field(tag: &str) -> Option<&'static str>;
    /// Decodes a known tag's payload (the value of its [`payload_field`](Self::payload_field)).
    fn from_payload<'de, D: Deserializer<'de>>(tag: &str, payload: D) -> Result<Self, D::Error>;
    /// Builds the union from the whole object, buffered: an unknown tag, a known tag
    /// whose payload came before `type`, or one without its payload.
    fn from_object<E: de::Error>(tag: String, object: Value) -> Result<Self, E>;
}

thread_local! {
    static SPECULATIVE: Cell<bool> = const { Cell::new(false) };
}

/// Runs `decode` with every union read in one pass even when its payload comes before
/// `type`: that member is decoded as the payload of the one known tag it belongs to,
/// and any other shape (an unknown tag, a `type` that does not match, a missing
/// payload) fails the read instead of being buffered. For a caller that holds the text
/// and reads it again the exact way when this fails (the stream, per event).
pub(crate) fn speculatively<R>(decode: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            SPECULATIVE.with(|s| s.set(self.0));
        }
    }
    let _restore = Restore(SPECULATIVE.with(|s| s.replace(true)));
    decode()
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
        let speculative = SPECULATIVE.with(Cell::get);
        let mut tag: Option<String> = None;
        let mut seen_type = false;
        // The payload decoded, and the tag it was decoded as.
        let mut decoded: Option<(&'static str, T)> = None;
        // Every member but a known tag's extras, as its text: a payload that comes before
        // `type` (as in any server writing sorted keys) is decoded from it afterwards,
        // which costs a scan and a copy where a `Value` cost an allocation per member.
        let mut buffered: Vec<(String, Box<RawValue>)> = Vec::new();
        while let Some(key) = map.next_key_seed(KeySeed::<T>(PhantomData))? {
            let key = match key {
                Key::Type if seen_type => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                Key::Type => {
                    seen_type = true;
                    tag = map.next_value::<Scalar>()?.into_string();
                    continue;
                }
                Key::Payload(of_tag, _) if decoded.is_none() && tag.as_deref().map_or(speculative, |t| t == of_tag) => {
                    decoded =
                        Some((of_tag, map.next_value_seed(PayloadSeed::<T> { tag: of_tag, union: PhantomData })?));
                    continue;
                }
                Key::Payload(_, field) => field.to_owned(),
                Key::Other(key) => key,
            };
            // A known tag's other members are not part of the model; nor is anything in
            // a speculative read, which succeeds only with the known payload.
            if speculative || tag.as_deref().is_some_and(|t| T::payload_field(t).is_some()) {
                map.next_value::<IgnoredAny>()?;
            } else {
                buffered.push((key, map.next_value()?));
            }
        }
        let Some(tag) = tag else {
            return Err(de::Error::missing_field("type"));
        };
        match decoded {
            Some((of_tag, union)) if of_tag == tag => return Ok(union),
            _ if speculative => return Err(de::Error::custom(format_args!("`{tag}` needs the exact read"))),
            _ => {}
        }
        // A known tag whose payload came first: decoded from its text (the last such
        // member, as an object keeps; a `null` one takes `from_object` as before).
        if let Some(field) = T::payload_field(&tag) {
            if let Some((_, raw)) = buffered.iter().rev().find(|(k, v)| k == field && v.get() != "null") {
                let mut payload = serde_json::Deserializer::from_str(raw.get());
                return T::from_payload(&tag, &mut payload).map_err(de::Error::custom);
            }
        }
        let mut object = Map::new();
        object.insert("type".to_owned(), Value::String(tag.clone()));
        for (key, raw) in buffered {
            object.insert(key, serde_json::from_str(raw.get()).map_err(de::Error::custom)?);
        }
        T::from_object(tag, Value::Object(object))
    }
}

/// A member's name, told apart without allocating for the names a union knows.
enum Key {
    Type,
    /// The payload member of a known tag: (that tag, the member's name).
    Payload(&'static str, &'static str),
    Other(String),
}

struct KeySeed<T>(PhantomData<T>);

impl<'de, T: TaggedUnion> DeserializeSeed<'de> for KeySeed<T> {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, T: TaggedUnion> Visitor<'de> for KeySeed<T> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        if key == "type" {
            return Ok(Key::Type);
        }
        for &tag in T::TAGS {
            if let Some(field) = T::payload_field(tag).filter(|f| *f == key) {
                return Ok(Key::Payload(tag, field));
            }
        }
        Ok(Key::Other(key.to_owned()))
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

    /// A speculative read either fails (the caller then reads the exact way) or gives
    /// what the exact read gives, whatever the members' order and shape.
    #[test]
    fn a_speculative_read_agrees_with_the_exact_one_or_fails() {
        let message = json!({"message_id": "msg_1", "conversation_id": "conv_1", "response_id": "resp_1",
            "actor": "ASSISTANT", "created_at": "2026-09-01T00:00:00Z",
            "content": {"commonmark_text": {"text": "hi"}, "type": "COMMONMARK_TEXT"},
            "citations": [{"citation_id": "c", "display": {"title": {"markdown_text": {"text": "T"}, "type": "MARKDOWN_TEXT"},
                "body": {"type": "PLAIN_TEXT", "plain_text": {"text": "B"}}}}],
            "content_references": [{"citation_id": "c", "offset": 1}, {"offset": -1, "citation_id": "c"}, "x", {"citation_id": 5, "offset": 1}]});
        let mut odd = message.clone();
        odd["citations"][0]["display"]["body"] = json!({"surely_new": 1, "type": "SURELY_NEW"});
        let cases = [
            json!({"message": odd, "type": "MESSAGE"}),
            json!({"message": message, "type": "MESSAGE"}),
            json!({"type": "MESSAGE", "message": message, "extra": [1]}),
            json!({"message": message, "type": "SURELY_NEW"}),
            json!({"message": message, "type": "REASONING_MESSAGE"}),
            json!({"message": message, "type": 5}),
            json!({"message": null, "type": "MESSAGE"}),
            json!({"message": "text", "type": "SOMETHING"}),
            json!({"reasoning_message": {"reasoning_message_id": "r", "conversation_id": "conv_1", "response_id": "resp_1",
                "created_at": "2026-09-01T00:00:00Z", "content": {"plain_text": {"text": "x"}, "type": "PLAIN_TEXT"}},
                "type": "REASONING_MESSAGE"}),
            json!({"type": "MESSAGE"}),
            json!({"message": message}),
        ];
        let mut fast = 0;
        for wire in cases {
            let text = wire.to_string();
            let exact = serde_json::from_str::<OutputItem>(&text).map_err(|e| e.to_string());
            // An error means the caller reads the text the exact way.
            if let Ok(item) = super::speculatively(|| serde_json::from_str::<OutputItem>(&text)) {
                fast += 1;
                assert_eq!(Ok(&item), exact.as_ref(), "{text}");
            }
        }
        assert_eq!(fast, 3, "both orders of a MESSAGE and a REASONING_MESSAGE read in one pass");
        // Outside `speculatively`, the same text reads the exact way again.
        let odd = json!({"message": odd, "type": "MESSAGE"}).to_string();
        let OutputItem::Message { message } = serde_json::from_str::<OutputItem>(&odd).unwrap() else { panic!() };
        let body = message.citations[0].display.as_ref().and_then(|d| d.body.as_ref()).unwrap();
        assert_eq!(body.type_name(), "SURELY_NEW");
    }

    #[test]
    fn content_references_keep_only_entries_with_a_string_id_and_a_whole_offset() {
        let wire = json!({"type": "MESSAGE", "message": {"message_id": "m", "conversation_id": "c", "response_id": "r",
            "actor": "ASSISTANT", "created_at": "2026-09-01T00:00:00Z",
            "content": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "abc"}},
            "content_references": [{"citation_id": "a", "offset": 1, "x": {"y": [1]}}, {"citation_id": "b", "offset": 1.5},
                {"citation_id": "c", "offset": -2}, {"citation_id": ["d"], "offset": 2}, [1], null, 7,
                {"offset": 3, "citation_id": "e", "citation_id": "f"}, {"citation_id": "g", "offset": 18446744073709551615_u64}]}});
        let (a, b): (OutputItem, OutputItem) = both(wire);
        assert_eq!(a, b);
        let OutputItem::Message { message } = a else { panic!("a message") };
        let kept: Vec<_> = message.content_references.iter().map(|r| (r.citation_id.as_str(), r.offset)).collect();
        assert_eq!(kept, [("a", 1), ("f", 3), ("g", u64::MAX)]);
    }
}
