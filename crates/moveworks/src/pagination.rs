//! Lazy iteration over cursor-paginated lists.

use std::collections::VecDeque;

use crate::client::{Client, ListConversationsParams, ListEventsParams};
use crate::error::{Error, ErrorKind, Result};
use crate::messages::{ListMessagesParams, ListResponseMessagesParams};
use crate::model::{Conversation, ConversationPage, Event, EventPage, Message, MessagePage};

/// A page of a list endpoint: its items and the cursor of the next page.
pub trait Page {
    /// The items of a page.
    type Item;
    /// Cursor of the next page; `None` on the last page.
    fn next_cursor(&self) -> Option<&str>;
    /// The page's items.
    fn into_items(self) -> Vec<Self::Item>;
}

macro_rules! page {
    ($($page:ident { $items:ident: $item:ident })*) => {$(
        impl Page for $page {
            type Item = $item;
            fn next_cursor(&self) -> Option<&str> {
                self.next_cursor.as_deref()
            }
            fn into_items(self) -> Vec<$item> {
                self.$items
            }
        }
    )*};
}

page! {
    ConversationPage { conversations: Conversation }
    EventPage { events: Event }
    MessagePage { messages: Message }
}

/// A list endpoint's filters, able to fetch one page at a cursor.
pub trait PageSource {
    /// The page type (its `request_id` is that page's answer's).
    type Page: Page;
    /// Fetches the page at `cursor` (`None` = first page).
    fn fetch(&self, client: &Client, cursor: Option<String>) -> Result<Self::Page>;
    /// The cursor the caller asked to start from.
    fn start_cursor(&self) -> Option<String>;
}

impl PageSource for ListConversationsParams {
    type Page = ConversationPage;
    fn fetch(&self, client: &Client, cursor: Option<String>) -> Result<ConversationPage> {
        client.list_conversations(&ListConversationsParams { cursor, ..self.clone() })
    }
    fn start_cursor(&self) -> Option<String> {
        self.cursor.clone()
    }
}

impl PageSource for ListEventsParams {
    type Page = EventPage;
    fn fetch(&self, client: &Client, cursor: Option<String>) -> Result<EventPage> {
        client.list_events(&ListEventsParams { cursor, ..self.clone() })
    }
    fn start_cursor(&self) -> Option<String> {
        self.cursor.clone()
    }
}

impl PageSource for ListMessagesParams {
    type Page = MessagePage;
    fn fetch(&self, client: &Client, cursor: Option<String>) -> Result<MessagePage> {
        client.list_messages(&ListMessagesParams { cursor, ..self.clone() })
    }
    fn start_cursor(&self) -> Option<String> {
        self.cursor.clone()
    }
}

impl PageSource for ListResponseMessagesParams {
    type Page = MessagePage;
    fn fetch(&self, client: &Client, cursor: Option<String>) -> Result<MessagePage> {
        client.list_response_messages(&ListResponseMessagesParams { cursor, ..self.clone() })
    }
    fn start_cursor(&self) -> Option<String> {
        self.cursor.clone()
    }
}

/// Follows cursors lazily, yielding one item at a time; a page is fetched only
/// when the previous one is used up. After an error the iterator ends.
pub struct PageIter<S: PageSource> {
    client: Client,
    source: S,
    /// Cursor of the next page to fetch; `None` after the last page.
    next: Option<Option<String>>,
    buffer: VecDeque<<S::Page as Page>::Item>,
}

/// Iterator over conversations, from [`Client::iter_conversations`].
pub type ConversationIter = PageIter<ListConversationsParams>;
/// Iterator over events, from [`Client::iter_events`].
pub type EventIter = PageIter<ListEventsParams>;
/// Iterator over a conversation's messages, newest first, from [`Client::iter_messages`].
pub type MessageIter = PageIter<ListMessagesParams>;
/// Iterator over one response's messages, from [`Client::iter_response_messages`].
pub type ResponseMessageIter = PageIter<ListResponseMessagesParams>;

impl<S: PageSource> PageIter<S> {
    pub(crate) fn new(client: Client, source: S) -> Self {
        let start = source.start_cursor();
        PageIter { client, source, next: Some(start), buffer: VecDeque::new() }
    }

    /// Fetches the next whole page (items not yet yielded by `next()` are skipped).
    /// Returns `None` after the last page.
    pub fn next_page(&mut self) -> Option<Result<S::Page>> {
        self.buffer.clear();
        let cursor = self.next.take()?;
        match self.source.fetch(&self.client, cursor.clone()) {
            Ok(page) => {
                let next_cursor = page.next_cursor().map(str::to_owned);
                if next_cursor.is_some() && next_cursor == cursor {
                    // Following it would loop forever.
                    return Some(Err(Error::new(
                        ErrorKind::Decode,
                        "the server returned the same cursor it was given",
                    )));
                }
                self.next = next_cursor.map(Some);
                Some(Ok(page))
            }
            Err(e) => Some(Err(e)),
        }
    }

    /// True once the last page has been fetched (or an error ended iteration).
    pub fn is_exhausted(&self) -> bool {
        self.next.is_none() && self.buffer.is_empty()
    }
}

impl<S: PageSource> Iterator for PageIter<S> {
    type Item = Result<<S::Page as Page>::Item>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Some(Ok(item));
            }
            match self.next_page()? {
                Ok(page) => self.buffer = page.into_items().into(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}
