//! The rest/v1 calls of [`Client`]: pressing a button, get one event, forms.

use std::collections::HashMap;

use moveworks::{Action, Event, Modal, ModalRef, ModalSubmitResult, ModalValue, Response};

use crate::client::Client;
use crate::errors::*;

#[uniffi::export]
impl Client {
    /// The API generation this client talks to, `"v1"` or `"v1beta1"`.
    pub fn api_version(&self) -> String {
        self.inner.api_version().as_str().to_owned()
    }

    /// Presses a button (a `CALLBACK_ACTION` of a message's `actions`): sends its callback
    /// id as the next turn and returns the new response, like `create_response`. A URL or
    /// modal action is `InvalidArgument` (`action`). Blocking.
    pub fn press(&self, conversation_id: String, action: Action) -> Result<Response> {
        Ok(self.inner.press(&conversation_id, &action)?)
    }

    /// Gets one event (what a webhook delivery points at); `"-"` as the conversation is
    /// `InvalidArgument`. rest/v1 only. Blocking.
    pub fn get_event(&self, conversation_id: String, event_id: String) -> Result<Event> {
        Ok(self.inner.get_event(&conversation_id, &event_id)?)
    }

    /// Gets a form. A stale modal id is `NotFound`: re-read the message for a fresh one.
    /// rest/v1 only. Blocking.
    pub fn get_modal(&self, modal: ModalRef) -> Result<Modal> {
        Ok(self.inner.get_modal(&modal)?)
    }

    /// Re-resolves a form with all current values; choice options left out by the server
    /// are re-applied from `previous`. rest/v1 only. Blocking.
    pub fn refresh_modal(&self, previous: Modal, values: HashMap<String, ModalValue>) -> Result<Modal> {
        Ok(self.inner.refresh_modal(&previous, &values)?)
    }

    /// Submits a form; the follow-up arrives as new messages or events. rest/v1 only. Blocking.
    pub fn submit_modal(&self, modal: ModalRef, values: HashMap<String, ModalValue>) -> Result<ModalSubmitResult> {
        Ok(self.inner.submit_modal(&modal, &values)?)
    }
}
