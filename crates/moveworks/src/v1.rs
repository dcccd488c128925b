//! Calls only `rest/v1` has: get one event, and pressing a button.

use crate::client::{Client, ALL_CONVERSATIONS};
use crate::error::{Error, Result};
use crate::generation::ApiVersion;
use crate::model::{Action, Event, Response};
use crate::transport::Method;
use crate::validate;

impl Client {
    /// Refuses a `rest/v1`-only call on a v1beta1 client before anything is sent.
    pub(crate) fn require_v1(&self, call: &str) -> Result<()> {
        match self.api_version() {
            ApiVersion::V1 => Ok(()),
            ApiVersion::V1Beta1 => Err(Error::invalid_argument(
                "api_version",
                format_args!("{call} is a rest/v1 call; this client speaks v1beta1 (set api_version to \"v1\")"),
            )),
        }
    }

    /// Gets one event (what a webhook delivery points at): `rest/v1` only.
    /// `GET /conversations/{conversation_id}/events/{event_id}`.
    ///
    /// `conversation_id` must name the event's conversation: `-` (all conversations),
    /// accepted by list events, is refused here with `invalid_argument` before sending.
    pub fn get_event(&self, conversation_id: &str, event_id: &str) -> Result<Event> {
        validate::id("conversation_id", conversation_id)?;
        if conversation_id == ALL_CONVERSATIONS {
            return Err(Error::invalid_argument(
                "conversation_id",
                "must name the event's conversation (\"-\" is accepted by list_events only)",
            ));
        }
        validate::id("event_id", event_id)?;
        self.require_v1("get_event")?;
        let (transport, settings) = self.call_parts();
        let url = transport.url(&["conversations", conversation_id, "events", event_id], &[]);
        transport.call(settings, Method::Get, url, None, "event")
    }

    /// Presses a button of a message: sends its callback id as the next turn
    /// ([`Input::Callback`](crate::Input::Callback)) and returns the new response to
    /// wait for, like [`create_response`](Self::create_response). For the streamed or
    /// waited forms, pass [`action.input()?`](Action::input) to
    /// [`stream_response`](Self::stream_response) or
    /// [`create_response_and_wait`](Self::create_response_and_wait).
    ///
    /// A `URL_ACTION` (open its url), a `MODAL_ACTION` (open its form with
    /// [`get_modal`](Self::get_modal)) or an unknown action is `invalid_argument`
    /// naming `action`; on a v1beta1 client, `input`.
    pub fn press(&self, conversation_id: &str, action: &Action) -> Result<Response> {
        self.create_response(conversation_id, action.input()?)
    }
}
