//! Rust client for the Moveworks Conversations API: the current generation
//! (`rest/v1`, the default) and the deprecated beta (`rest/v1beta1`), chosen with the
//! `api_version` option ([`ApiVersion`], [`ClientOptions::api_version`]).
//!
//! This synchronous core is the one implementation behind every language
//! binding of this project (C, Python, Node, Swift, Kotlin): the bindings
//! convert types and never re-implement behaviour.
//!
//! ```no_run
//! use moveworks::{Client, WaitOptions};
//!
//! let client = Client::builder()
//!     .assistant_name("acmecorp-conversations-rest-api")
//!     .client_credentials("my-client-id", "my-client-secret")
//!     .build()?;
//! let conversation = client.create_conversation(Some("Permissions"))?;
//! let response = client.create_response_and_wait(
//!     &conversation.conversation_id,
//!     "Who does John Doe report to?",
//!     &WaitOptions::default(),
//! )?;
//! println!("{}", response.assistant_text().unwrap_or_default());
//! # Ok::<(), moveworks::Error>(())
//! ```
//!
//! On `rest/v1`, answers carry buttons ([`Message::buttons`], [`Client::press`]), forms
//! ([`Client::get_modal`], [`Client::refresh_modal`], [`Client::submit_modal`]) and
//! live-agent replies ([`Message::is_live_agent`]); a turn's input is an [`Input`] (a
//! plain string is a typed turn in the client's generation).
//!
//! Behaviour worth knowing:
//! - Every method blocks its thread; a [`Client`] is `Send + Sync` and cheap to clone.
//! - Failed attempts are retried per [`RetryPolicy`]; a `POST` is repeated only
//!   when it provably never reached the server or was refused with 429.
//! - With client credentials, the OAuth token is cached, refreshed before it
//!   expires by one thread at a time, and a 401 is replayed once with a fresh token.
//! - Errors are one [`Error`] type whose [`ErrorKind`] string is the same in every language.
//! - Attempts are logged through the `log` facade (target `moveworks`), never with credentials.

#![deny(missing_docs)]

// With the `uniffi` feature, the model types are uniffi records and enums of
// their own component (namespace `moveworks`); bindings/uniffi uses them as is.
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

mod actions;
mod auth;
mod checkpoint;
mod client;
mod error;
mod extras;
mod follower;
mod generation;
mod headers;
mod input;
pub mod interrupt;
mod lenient;
pub mod logging;
mod messages;
mod modal;
mod model;
mod options;
mod pagination;
mod poll;
pub mod proxy;
mod pump;
mod resolve;
mod retry;
#[cfg(feature = "sandbox")]
pub mod sandbox;
mod sse;
mod stream;
mod tagged;
mod tls;
mod transport;
mod turn;
mod urls;
mod user_auth;
mod v1;
pub mod validate;
mod webhook;

pub use checkpoint::{CheckpointStore, FileCheckpoint, MemoryCheckpoint};
pub use client::{
    env, Client, ClientBuilder, ConversationUpdate, ListConversationsParams, ListEventsParams, RequestOptions,
    ALL_CONVERSATIONS, DEFAULT_BASE_URL, VERSION,
};
pub use error::{ApiErrorCode, Error, ErrorDetails, ErrorKind, Result};
pub use follower::{BackoffCallback, EventsFollower, FollowOptions, FollowedEvents};
pub use generation::{ApiVersion, DEFAULT_ORIGIN, KNOWN_HOSTS};
pub use headers::HttpHeaders;
pub use input::Input;
pub use messages::{ListMessagesParams, ListResponseMessagesParams};
pub use modal::{
    ChoiceOption, Modal, ModalField, ModalFieldKind, ModalRef, ModalSubmitResult, ModalSubmitStatus, ModalValue,
};
pub use model::{
    render_citations, Action, Actor, Citation, CitationAttribute, CitationDisplay, Content, ContentReference,
    Conversation, ConversationPage, Event, EventPage, EventPayload, FeedbackOption, FeedbackResult, FeedbackStatus,
    FileRef, Handoff, HandoffCategory, HandoffItem, HandoffItemType, Message, MessageFeedback, MessagePage, OutputItem,
    ReasoningMessage, Response, ResponseError, ResponseStatus, SenderInfo, Timestamp, Traced,
};
pub use options::ClientOptions;
pub use pagination::{ConversationIter, EventIter, MessageIter, Page, PageIter, PageSource, ResponseMessageIter};
pub use poll::{block_on, AsyncRuntime, CancelToken, PollStep, Poller, UpdateCallback, WaitOptions};
pub use pump::{NextBatch, PumpBatch, StreamPump};
pub use retry::RetryPolicy;
pub use stream::{EventStream, StreamEvent};
pub use transport::{REQUEST_ID_HEADER, TRACE_ID_HEADER};
pub use turn::{ResponseStream, StreamOptions};
pub use user_auth::{ProviderError, TokenProvider, UserToken};
pub use webhook::{WebhookDelivery, WebhookVerifier, CONVERSATION_RESPONSE_RECEIVED};

/// Internal decoders exposed to the cargo-fuzz targets (`fuzz/`); not part of the API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::retry::parse_retry_after;
    pub use crate::transport::fuzz_api_error as api_error;

    /// The decode error the transport builds for a body that is not the expected JSON.
    pub fn decode_error(what: &str, detail: &str, body: &[u8]) -> crate::Error {
        crate::Error::decode(what, detail, body)
    }
}
