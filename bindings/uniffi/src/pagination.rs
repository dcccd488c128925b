//! Page iterators over conversations and events.

use std::sync::Mutex;

use moveworks as core;
use moveworks::{Conversation, ConversationPage, Event, EventPage};

use crate::errors::*;

/// Walks every conversation of a listing, fetching pages lazily. Blocking; after
/// an error the iterator ends. Safe to share, but items are handed out once.
#[derive(uniffi::Object)]
pub struct ConversationIterator {
    pub(crate) inner: Mutex<core::ConversationIter>,
}

#[uniffi::export]
impl ConversationIterator {
    /// The next conversation, or absent when there are no more. Blocks while a page is fetched.
    pub fn next(&self) -> Result<Option<Conversation>> {
        let mut it = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        it.next().transpose().map_err(Into::into)
    }
    /// The next whole page (items not yet returned by `next` are skipped), or absent after the last.
    pub fn next_page(&self) -> Result<Option<ConversationPage>> {
        let mut it = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        it.next_page().transpose().map_err(Into::into)
    }
    /// True once the last page was fetched and every item returned (or an error ended it).
    pub fn is_exhausted(&self) -> bool {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).is_exhausted()
    }
}

/// Walks every event of a listing, fetching pages lazily. Blocking; after an error
/// the iterator ends.
#[derive(uniffi::Object)]
pub struct EventIterator {
    pub(crate) inner: Mutex<core::EventIter>,
}

#[uniffi::export]
impl EventIterator {
    /// The next event, or absent when there are no more. Blocks while a page is fetched.
    pub fn next(&self) -> Result<Option<Event>> {
        let mut it = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        it.next().transpose().map_err(Into::into)
    }
    /// The next whole page (items not yet returned by `next` are skipped), or absent after the last.
    pub fn next_page(&self) -> Result<Option<EventPage>> {
        let mut it = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        it.next_page().transpose().map_err(Into::into)
    }
    /// True once the last page was fetched and every item returned (or an error ended it).
    pub fn is_exhausted(&self) -> bool {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).is_exhausted()
    }
}
