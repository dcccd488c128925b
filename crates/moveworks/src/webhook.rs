//! Outbound webhooks (Moveworks → your server): reading a delivery and fetching
//! the message it points at.
//!
//! A delivery carries only a pointer: the event id, the conversation and the user
//! to act as. The content is always fetched with
//! [`Client::get_event`](crate::Client::get_event), with credentials for that user.

use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::model::Event;

/// The one event type a webhook can be registered for today.
pub const CONVERSATION_RESPONSE_RECEIVED: &str = "CONVERSATION_RESPONSE_RECEIVED";

/// Checks that a webhook delivery really comes from Moveworks, before it is read.
///
/// **What is unknown.** Moveworks signs deliveries with a rotating key (the
/// webhook's "Rotation Interval" and "Rotation Grace Period" settings say so), but
/// the header names, the algorithm (a JWT checked against a JWKS, as Moveworks'
/// JWKS auth does, or an HMAC) and where the keys are published are not public, so
/// the SDK ships no verifier: it would have to guess. Implement this trait once
/// you know the scheme (from your Moveworks account team) and pass it to
/// [`WebhookDelivery::parse_verified`]; keep old and new keys valid during the
/// grace period. Until then, keep the endpoint's URL secret and treat a delivery
/// only as a hint: the content is fetched from the API with your own credentials,
/// and an id that does not exist for that user is a `not_found` there.
///
/// Do not confuse it with Webhook *Listeners* (inbound to Moveworks), which use an
/// HMAC-SHA256 of the raw body in `X-Signature`.
pub trait WebhookVerifier {
    /// `Ok(())` when the delivery is authentic. `headers` are the HTTP request's
    /// headers as received (compare names case-insensitively); `body` is the raw body,
    /// byte for byte (verify before any parsing or re-encoding). Return an error of
    /// your choice otherwise, e.g. `Error::invalid_argument("signature", "…")`.
    fn verify(&self, headers: &[(String, String)], body: &[u8]) -> Result<()>;
}

/// One outbound webhook delivery of Moveworks, as POSTed to your endpoint:
/// `{"id": "evt_…", "data": {"conversation_id": "conv_…", "user_id": "…"}, …}`.
///
/// Only `id`, `data.conversation_id` and `data.user_id` are documented; every other
/// member (the `type` name, timestamps) is kept in [`raw`](Self::raw).
///
/// ```no_run
/// use moveworks::{Client, EventPayload, WebhookDelivery};
///
/// # fn client_for_user(user_id: &str) -> moveworks::Result<Client> { Client::from_env() }
/// # let body: &[u8] = b"";
/// // In your HTTP handler (answer 2xx within 15 seconds), with the raw request body:
/// let delivery = WebhookDelivery::parse(body)?;
/// let client = client_for_user(&delivery.user_id)?; // a bearer for that user
/// let event = delivery.fetch(&client)?; // GET /conversations/{cid}/events/{id}
/// if let EventPayload::Message { message } = &event.payload {
///     println!("{}", message.text());
/// }
/// # Ok::<(), moveworks::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookDelivery {
    /// The event id (`evt_…`): fetch it with [`fetch`](Self::fetch). Also the key to
    /// drop a repeat, whether it came by webhook again or by polling.
    pub id: String,
    /// The public conversation id (`data.conversation_id`).
    pub conversation_id: String,
    /// The user to act as when fetching (`data.user_id`).
    pub user_id: String,
    /// The event type when the delivery names one (`type`, e.g.
    /// [`CONVERSATION_RESPONSE_RECEIVED`]); its member name is not published, so `None`
    /// is normal.
    pub event_type: Option<String>,
    /// The whole body as received, unknown members included.
    pub raw: Map<String, Value>,
}

impl WebhookDelivery {
    /// Reads a delivery from the raw request body.
    ///
    /// A body that is not a JSON object is a `decode` error (with the start of the
    /// body); a missing or empty `id`, `data`, `data.conversation_id` or `data.user_id`
    /// (or one that is not a string) is `invalid_argument` naming that member. Unknown
    /// members, and unknown event types, are accepted.
    pub fn parse(body: &[u8]) -> Result<WebhookDelivery> {
        const WHAT: &str = "webhook delivery";
        let value: Value = serde_json::from_slice(body).map_err(|e| Error::decode(WHAT, e, body))?;
        let Value::Object(raw) = value else {
            return Err(Error::decode(WHAT, "expected a JSON object", body));
        };
        let data = match raw.get("data") {
            Some(Value::Object(data)) => data,
            Some(_) => return Err(Error::invalid_argument("data", "must be a JSON object")),
            None => return Err(Error::invalid_argument("data", "is missing from the webhook delivery")),
        };
        let id = member(&raw, "id", "id")?;
        let conversation_id = member(data, "conversation_id", "data.conversation_id")?;
        let user_id = member(data, "user_id", "data.user_id")?;
        let event_type = raw.get("type").and_then(Value::as_str).map(str::to_owned);
        Ok(WebhookDelivery { id, conversation_id, user_id, event_type, raw })
    }

    /// [`parse`](Self::parse) after `verifier` accepted the request (its error is returned
    /// unchanged, and nothing is parsed, when it does not).
    pub fn parse_verified(
        headers: &[(String, String)],
        body: &[u8],
        verifier: &dyn WebhookVerifier,
    ) -> Result<WebhookDelivery> {
        verifier.verify(headers, body)?;
        WebhookDelivery::parse(body)
    }

    /// True when the delivery is (or may be) a `CONVERSATION_RESPONSE_RECEIVED`: it names
    /// that type, or names none.
    pub fn is_conversation_response(&self) -> bool {
        self.event_type.as_deref().is_none_or(|t| t == CONVERSATION_RESPONSE_RECEIVED)
    }

    /// Fetches the event this delivery points at:
    /// `GET /conversations/{data.conversation_id}/events/{id}` (`rest/v1`).
    ///
    /// `client` must act for [`user_id`](Self::user_id) (a bearer for that user): the
    /// event belongs to that user, and another user's client gets `not_found`.
    pub fn fetch(&self, client: &Client) -> Result<Event> {
        client.get_event(&self.conversation_id, &self.id)
    }
}

/// A non-empty string member `key` of `object`, or `invalid_argument` naming `path`.
fn member(object: &Map<String, Value>, key: &str, path: &str) -> Result<String> {
    match object.get(key) {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(Error::invalid_argument(path, "must not be empty")),
        Some(_) => Err(Error::invalid_argument(path, "must be a string")),
        None => Err(Error::invalid_argument(path, "is missing from the webhook delivery")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn parses_the_documented_members_and_keeps_the_rest() {
        let body = br#"{"id":"evt_1","type":"CONVERSATION_RESPONSE_RECEIVED","created_at":"2026-12-06T10:00:00Z",
            "data":{"conversation_id":"conv_1","user_id":"u_alice","extra":1},"future":true}"#;
        let d = WebhookDelivery::parse(body).unwrap();
        assert_eq!((d.id.as_str(), d.conversation_id.as_str(), d.user_id.as_str()), ("evt_1", "conv_1", "u_alice"));
        assert_eq!(d.event_type.as_deref(), Some(CONVERSATION_RESPONSE_RECEIVED));
        assert!(d.is_conversation_response());
        assert_eq!(d.raw["future"], Value::Bool(true));
        assert_eq!(d.raw["data"]["extra"], 1);

        // Only the three documented members are required.
        let d = WebhookDelivery::parse(br#"{"id":"evt_2","data":{"conversation_id":"c","user_id":"u"}}"#).unwrap();
        assert_eq!(d.event_type, None);
        assert!(d.is_conversation_response());
        let d = WebhookDelivery::parse(br#"{"id":"e","type":"OTHER","data":{"conversation_id":"c","user_id":"u"}}"#)
            .unwrap();
        assert!(!d.is_conversation_response());
    }

    #[test]
    fn a_bad_body_says_what_is_wrong() {
        for (body, kind, argument) in [
            (&b"not json"[..], ErrorKind::Decode, None),
            (b"[1]", ErrorKind::Decode, None),
            (b"{}", ErrorKind::InvalidArgument, Some("data")),
            (br#"{"id":"e","data":[]}"#, ErrorKind::InvalidArgument, Some("data")),
            (br#"{"data":{"conversation_id":"c","user_id":"u"}}"#, ErrorKind::InvalidArgument, Some("id")),
            (br#"{"id":"e","data":{"user_id":"u"}}"#, ErrorKind::InvalidArgument, Some("data.conversation_id")),
            (
                br#"{"id":"e","data":{"conversation_id":"c","user_id":""}}"#,
                ErrorKind::InvalidArgument,
                Some("data.user_id"),
            ),
            (br#"{"id":7,"data":{"conversation_id":"c","user_id":"u"}}"#, ErrorKind::InvalidArgument, Some("id")),
        ] {
            let e = WebhookDelivery::parse(body).unwrap_err();
            assert_eq!((e.kind(), e.argument()), (kind, argument), "{}", String::from_utf8_lossy(body));
        }
        let e = WebhookDelivery::parse(b"<html>").unwrap_err();
        assert_eq!(e.body_excerpt(), Some("<html>"));
    }

    #[test]
    fn parse_verified_runs_the_verifier_first() {
        struct HeaderMustSay(&'static str);
        impl WebhookVerifier for HeaderMustSay {
            fn verify(&self, headers: &[(String, String)], _body: &[u8]) -> Result<()> {
                match headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("x-test-signature") && v == self.0) {
                    true => Ok(()),
                    false => Err(Error::invalid_argument("signature", "does not verify")),
                }
            }
        }
        let body = br#"{"id":"e","data":{"conversation_id":"c","user_id":"u"}}"#;
        let good = [("X-Test-Signature".to_owned(), "ok".to_owned())];
        assert_eq!(WebhookDelivery::parse_verified(&good, body, &HeaderMustSay("ok")).unwrap().id, "e");
        let e = WebhookDelivery::parse_verified(&[], b"not even json", &HeaderMustSay("ok")).unwrap_err();
        assert_eq!(e.argument(), Some("signature"));
    }
}
