//! Outbound webhooks: the core's `WebhookDelivery::parse` on a delivery's raw body.

use moveworks::WebhookDelivery;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::json;

use crate::convert::to_napi;

/// The core's `WebhookDelivery::parse` on the raw request body: `{"id", "conversation_id",
/// "user_id", "event_type", "is_conversation_response", "raw"}` as JSON. A body that is not a JSON object is `decode`;
/// a missing documented member is `invalid_argument` naming it (e.g. `data.user_id`).
#[napi]
pub fn parse_webhook_delivery(body: Buffer) -> Result<String> {
    let d = WebhookDelivery::parse(&body).map_err(to_napi)?;
    Ok(json!({
        "id": d.id,
        "conversation_id": d.conversation_id,
        "user_id": d.user_id,
        "event_type": d.event_type,
        "is_conversation_response": d.is_conversation_response(),
        "raw": d.raw,
    })
    .to_string())
}

/// The event type a webhook can be registered for today (`CONVERSATION_RESPONSE_RECEIVED`).
#[napi]
pub fn conversation_response_received() -> &'static str {
    moveworks::CONVERSATION_RESPONSE_RECEIVED
}
