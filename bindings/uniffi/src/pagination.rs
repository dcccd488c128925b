//! Page iterators over conversations, events and messages.

use std::sync::Mutex;

use moveworks as core;
use moveworks::{Conversation, ConversationPage, Event, EventPage, Message, MessagePage};

use crate::errors::*;

/// One exported iterator object per core `PageIter`: `next`, `next_page` and
/// `is_exhausted` forward to the core, which owns the cursor logic.
macro_rules! page_iterator {
    ($(#[$doc:meta])* $name:ident($iter:ty) -> $item:ty, $page:ty; $next_doc:literal) => {
        $(#[$doc])*
        #[derive(uniffi::Object)]
        pub struct $name {
            pub(crate) inner: Mutex<$iter>,
        }

        impl $name {
            pub(crate) fn new(iter: $iter) -> std::sync::Arc<Self> {
                std::sync::Arc::new($name { inner: Mutex::new(iter) })
            }
        }

        #[uniffi::export]
        impl $name {
            #[doc = $next_doc]
            pub fn next(&self) -> Result<Option<$item>> {
                let mut it = self.inner.lock().unwrap_or_else(|p| p.into_inner());
                it.next().transpose().map_err(Into::into)
            }
            /// The next whole page (items not yet returned by `next` are skipped), or absent after the last.
            pub fn next_page(&self) -> Result<Option<$page>> {
                let mut it = self.inner.lock().unwrap_or_else(|p| p.into_inner());
                it.next_page().transpose().map_err(Into::into)
            }
            /// True once the last page was fetched and every item returned (or an error ended it).
            pub fn is_exhausted(&self) -> bool {
                self.inner.lock().unwrap_or_else(|p| p.into_inner()).is_exhausted()
            }
        }
    };
}

page_iterator! {
    /// Walks every conversation of a listing, fetching pages lazily. Blocking; after
    /// an error the iterator ends. Safe to share, but items are handed out once.
    ConversationIterator(core::ConversationIter) -> Conversation, ConversationPage;
    "The next conversation, or absent when there are no more. Blocks while a page is fetched."
}

page_iterator! {
    /// Walks every event of a listing, fetching pages lazily. Blocking; after an error
    /// the iterator ends.
    EventIterator(core::EventIter) -> Event, EventPage;
    "The next event, or absent when there are no more. Blocks while a page is fetched."
}

page_iterator! {
    /// Walks every message of a conversation, newest first, fetching pages lazily.
    /// Blocking; after an error the iterator ends.
    MessageIterator(core::MessageIter) -> Message, MessagePage;
    "The next message (newest first), or absent when there are no more. Blocks while a page is fetched."
}

page_iterator! {
    /// Walks every message of one response (the user's input and the assistant's
    /// final messages), fetching pages lazily. Blocking; after an error the iterator ends.
    ResponseMessageIterator(core::ResponseMessageIter) -> Message, MessagePage;
    "The next message of the response, or absent when there are no more. Blocks while a page is fetched."
}
