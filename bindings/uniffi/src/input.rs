//! Explicit turn inputs ([`Input`]) and the `Client` calls that take one.
//!
//! The plain-text calls (`create_response(conversation_id, text)`, …) stay as they
//! are: a typed turn in the client's generation. The `*_with` twins here take an
//! [`Input`]; the Kotlin and Swift packages expose them as overloads of the same names.

use std::sync::Arc;

use moveworks as core;
use moveworks::Response;
use serde_json::Value;

use crate::async_stream::AsyncResponseStream;
use crate::client::{open_stream, Client};
use crate::config::WaitOptions;
use crate::errors::*;
use crate::runtime::TokioRuntime;
use crate::stream::{ResponseStream, StreamOptions};
use crate::wait::*;

/// The input of one turn (`{"input": …}` of create response and its stream).
///
/// The core's `Input` cannot cross as it is (its raw variant holds a JSON map), so
/// this enum carries the same variants with the raw one as JSON text; the core
/// checks and encodes every one (`Input::to_wire`).
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum Input {
    /// `{"chat": {"text": …}}` (rest/v1 only): what Moveworks' demo app sends for a typed turn.
    Chat {
        /// The user's message.
        text: String,
    },
    /// `{"text": …}`: documented on both generations.
    Text {
        /// The user's message.
        text: String,
    },
    /// `{"callback_id": …}` (rest/v1 only): a button press, the callback id of a
    /// `CALLBACK_ACTION` exactly as received (see `Client.press`).
    Callback {
        /// The button's callback id.
        callback_id: String,
    },
    /// Any other input object, sent as given (e.g. `{"action": {…}}`, whose shape is not
    /// published): a non-empty JSON object, as text. Anything else is `InvalidArgument` (`input`).
    Raw {
        /// The input object as JSON text.
        json: String,
    },
}

impl Input {
    fn into_core(self) -> Result<core::Input> {
        Ok(match self {
            Input::Chat { text } => core::Input::Chat(text),
            Input::Text { text } => core::Input::Text(text),
            Input::Callback { callback_id } => core::Input::Callback(callback_id),
            Input::Raw { json } => {
                let value = serde_json::from_str::<Value>(&json)
                    .map_err(|e| core::Error::invalid_argument("input", format_args!("is not JSON ({e})")))?;
                core::Input::raw(value)?
            }
        })
    }
}

#[uniffi::export]
impl Client {
    /// [`create_response`](Client::create_response) with an explicit [`Input`]. Blocking
    /// for the request only. Never retried after an ambiguous failure.
    pub fn create_response_with(&self, conversation_id: String, input: Input) -> Result<Response> {
        Ok(self.inner.create_response(&conversation_id, input.into_core()?)?)
    }

    /// [`create_response_and_wait`](Client::create_response_and_wait) with an explicit
    /// [`Input`]. BLOCKS the calling thread for the whole wait.
    pub fn create_response_and_wait_with(
        &self,
        conversation_id: String,
        input: Input,
        options: WaitOptions,
        cancel: Option<Arc<CancelHandle>>,
        listener: Option<Box<dyn ResponseUpdateListener>>,
    ) -> Result<Response> {
        let o = core_wait_options(&options, cancel, listener);
        Ok(self.inner.create_response_and_wait(&conversation_id, input.into_core()?, &o)?)
    }

    /// [`stream_response`](Client::stream_response) with an explicit [`Input`].
    pub fn stream_response_with(
        &self,
        conversation_id: String,
        input: Input,
        options: StreamOptions,
        cancel: Option<Arc<CancelHandle>>,
    ) -> Result<Arc<ResponseStream>> {
        open_stream(&self.inner, &conversation_id, input.into_core()?, &options, cancel)
    }

    /// [`start_stream_response`](Client::start_stream_response) with an explicit [`Input`]
    /// (what the Kotlin `streamResponseFlow` and the Swift async `streamResponse` read).
    pub fn start_stream_response_with(
        &self,
        conversation_id: String,
        input: Input,
        options: StreamOptions,
        cancel: Option<Arc<CancelHandle>>,
    ) -> Result<Arc<AsyncResponseStream>> {
        crate::async_stream::start(&self.inner, conversation_id, input.into_core()?, options, cancel)
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Client {
    /// Non-blocking [`create_response_with`](Self::create_response_with).
    pub async fn create_response_with_async(&self, conversation_id: String, input: Input) -> Result<Response> {
        let input = input.into_core()?;
        let c = self.inner.clone();
        crate::runtime::blocking(move || c.create_response(&conversation_id, input)).await
    }

    /// Non-blocking [`create_response_and_wait_with`](Self::create_response_and_wait_with).
    pub async fn create_response_and_wait_with_async(
        &self,
        conversation_id: String,
        input: Input,
        options: WaitOptions,
        cancel: Option<Arc<CancelHandle>>,
        listener: Option<Box<dyn ResponseUpdateListener>>,
    ) -> Result<Response> {
        let o = core_wait_options(&options, cancel, listener);
        let input = input.into_core()?;
        Ok(self.inner.create_response_and_wait_async(&TokioRuntime, &conversation_id, input, &o).await?)
    }
}
