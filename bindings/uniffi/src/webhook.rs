//! Outbound webhooks (Moveworks → your server): [`WebhookDelivery`], the core's
//! reader of a delivery, and the [`WebhookVerifier`] hook.

use std::collections::HashMap;
use std::sync::Arc;

use moveworks as core;
use moveworks::Event;

use crate::client::Client;
use crate::errors::*;

/// Checks that a webhook delivery really comes from Moveworks, before it is read.
///
/// Moveworks signs deliveries with a rotating key, but the header names, the
/// algorithm and where the keys are published are not public, so the SDK ships no
/// verifier (it would have to guess). Implement this once you know the scheme (from
/// your Moveworks account team) and pass it to `WebhookDelivery.parse_verified`.
/// Until then keep the endpoint's URL secret and treat a delivery as a hint only:
/// its content is fetched from the API with your own credentials.
#[uniffi::export(callback_interface)]
pub trait WebhookVerifier: Send + Sync {
    /// Returns normally when the delivery is authentic; throws otherwise (the error
    /// is `parse_verified`'s, e.g. `InvalidArgument`). `headers`: the HTTP request's
    /// headers as received (compare names case-insensitively); `body`: the raw body,
    /// byte for byte (verify before any parsing).
    fn verify(&self, headers: HashMap<String, String>, body: Vec<u8>) -> Result<(), MoveworksError>;
}

struct Verifier(Box<dyn WebhookVerifier>);

impl core::WebhookVerifier for Verifier {
    fn verify(&self, headers: &[(String, String)], body: &[u8]) -> core::Result<()> {
        let headers = headers.iter().cloned().collect();
        self.0.verify(headers, body.to_vec()).map_err(|e| {
            e.into_core(|message| {
                core::Error::invalid_argument("signature", format_args!("the verifier threw: {message}"))
            })
        })
    }
}

/// One outbound webhook delivery (`CONVERSATION_RESPONSE_RECEIVED`), read from the raw
/// request body: a pointer to an event (`id`), its conversation and the user to act as.
/// Fetch its content with [`fetch`](Self::fetch), on a client acting for that user
/// (`client.for_user(...)`). Answer the POST with 2xx within 15 seconds.
#[derive(Debug, uniffi::Object)]
pub struct WebhookDelivery {
    inner: core::WebhookDelivery,
}

#[uniffi::export]
impl WebhookDelivery {
    /// Reads a delivery from the raw body. Not JSON (or not an object): `Decode`; a
    /// missing or empty `id`, `data`, `data.conversation_id` or `data.user_id`:
    /// `InvalidArgument` naming that member. Unknown members and types are accepted.
    #[uniffi::constructor]
    pub fn parse(body: Vec<u8>) -> Result<Arc<Self>> {
        Ok(Arc::new(WebhookDelivery { inner: core::WebhookDelivery::parse(&body)? }))
    }

    /// [`parse`](Self::parse) of a body received as text.
    #[uniffi::constructor]
    pub fn parse_text(body: String) -> Result<Arc<Self>> {
        WebhookDelivery::parse(body.into_bytes())
    }

    /// [`parse`](Self::parse) after `verifier` accepted the request; its error is thrown,
    /// and nothing parsed, when it does not.
    #[uniffi::constructor]
    pub fn parse_verified(
        headers: HashMap<String, String>,
        body: Vec<u8>,
        verifier: Box<dyn WebhookVerifier>,
    ) -> Result<Arc<Self>> {
        let headers: Vec<(String, String)> = headers.into_iter().collect();
        let inner = core::WebhookDelivery::parse_verified(&headers, &body, &Verifier(verifier))?;
        Ok(Arc::new(WebhookDelivery { inner }))
    }

    /// The event id (`evt_…`), also the key to drop a repeat (by webhook or by polling).
    pub fn id(&self) -> String {
        self.inner.id.clone()
    }

    /// The conversation (`data.conversation_id`).
    pub fn conversation_id(&self) -> String {
        self.inner.conversation_id.clone()
    }

    /// The user to act as when fetching (`data.user_id`).
    pub fn user_id(&self) -> String {
        self.inner.user_id.clone()
    }

    /// The event type when the delivery names one (`type`); absent is normal.
    pub fn event_type(&self) -> Option<String> {
        self.inner.event_type.clone()
    }

    /// True when it is (or may be) a `CONVERSATION_RESPONSE_RECEIVED`: it names that type, or none.
    pub fn is_conversation_response(&self) -> bool {
        self.inner.is_conversation_response()
    }

    /// The whole body as JSON text, unknown members included.
    pub fn raw_json(&self) -> String {
        crate::helpers::to_json(&self.inner.raw)
    }

    /// Fetches the event it points at (`GET /conversations/{cid}/events/{id}`, rest/v1)
    /// with `client`, which must act for [`user_id`](Self::user_id): another user's client
    /// gets `NotFound`. Blocking.
    pub fn fetch(&self, client: Arc<Client>) -> Result<Event> {
        Ok(self.inner.fetch(&client.inner)?)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl WebhookDelivery {
    /// Non-blocking [`fetch`](Self::fetch).
    pub async fn fetch_async(&self, client: Arc<Client>) -> Result<Event> {
        let delivery = self.inner.clone();
        crate::runtime::blocking(move || delivery.fetch(&client.inner)).await
    }
}
