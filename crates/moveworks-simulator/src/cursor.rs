//! Opaque keyset pagination cursors.
//!
//! A cursor records the position after the last item served plus the filter
//! it was made for, so a page never repeats or skips items that existed when
//! listing began, and a cursor reused with another filter can be refused as
//! `INVALID_CURSOR` rather than silently returning the wrong list.

use crate::codec;

const MAGIC: &str = "mwsim1";
const SEP: char = '\u{1f}';

/// A decoded cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cursor {
    /// Next page of `GET /conversations` for this `archived` filter, after
    /// the conversation (`updated_ms`, `id`) in newest-first order.
    Conversations { archived: bool, updated_ms: i64, id: String },
    /// Next page of `GET /conversations/{scope}/events` (scope `-` for all),
    /// after event `after`, bounded by `up_to` when the first request was.
    Events { scope: String, after: String, up_to: Option<String> },
    /// Next page of `GET /conversations/{scope}/messages`, after the message
    /// with listing key (`created_ms`, `ordinal`) in newest-first order.
    Messages { scope: String, created_ms: i64, ordinal: u64 },
}

impl Cursor {
    /// The opaque, URL-safe form handed to clients.
    pub fn encode(&self) -> String {
        let fields = match self {
            Cursor::Conversations { archived, updated_ms, id } => {
                vec!["c".to_owned(), archived.to_string(), updated_ms.to_string(), id.clone()]
            }
            Cursor::Events { scope, after, up_to } => {
                vec!["e".to_owned(), scope.clone(), after.clone(), up_to.clone().unwrap_or_default()]
            }
            Cursor::Messages { scope, created_ms, ordinal } => {
                vec!["m".to_owned(), scope.clone(), created_ms.to_string(), ordinal.to_string()]
            }
        };
        let text = std::iter::once(MAGIC.to_owned()).chain(fields).collect::<Vec<_>>().join(&SEP.to_string());
        codec::base64url_encode(text.as_bytes())
    }

    /// Parses a cursor; `None` for anything this simulator did not issue.
    pub fn decode(text: &str) -> Option<Cursor> {
        let bytes = codec::base64_decode(text)?;
        let text = String::from_utf8(bytes).ok()?;
        let fields: Vec<&str> = text.split(SEP).collect();
        match fields.as_slice() {
            [MAGIC, "c", archived, updated_ms, id] => Some(Cursor::Conversations {
                archived: archived.parse().ok()?,
                updated_ms: updated_ms.parse().ok()?,
                id: (*id).to_owned(),
            }),
            [MAGIC, "e", scope, after, up_to] => Some(Cursor::Events {
                scope: (*scope).to_owned(),
                after: (*after).to_owned(),
                up_to: (!up_to.is_empty()).then(|| (*up_to).to_owned()),
            }),
            [MAGIC, "m", scope, created_ms, ordinal] => Some(Cursor::Messages {
                scope: (*scope).to_owned(),
                created_ms: created_ms.parse().ok()?,
                ordinal: ordinal.parse().ok()?,
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let cursors = [
            Cursor::Conversations { archived: true, updated_ms: 1_737_367_200_123, id: "conv_abc".into() },
            Cursor::Events { scope: "-".into(), after: "evt_1".into(), up_to: None },
            Cursor::Events { scope: "conv_x".into(), after: "evt_1".into(), up_to: Some("evt_9".into()) },
            Cursor::Messages { scope: "conv_x".into(), created_ms: 1_737_367_200_123, ordinal: 7 },
        ];
        for cursor in cursors {
            let encoded = cursor.encode();
            assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert_eq!(Cursor::decode(&encoded), Some(cursor));
        }
        assert_eq!(Cursor::decode("not-a-cursor"), None);
        assert_eq!(Cursor::decode(""), None);
        assert_eq!(Cursor::decode(&codec::base64url_encode(b"mwsim1\x1fc\x1fmaybe\x1f1\x1fconv_a")), None);
    }
}
