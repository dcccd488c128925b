"""``AsyncClient``: the same calls as :class:`Client`, as coroutines.

Each request runs on the extension's tokio blocking pool and the waits between
polls are tokio timers (the core's own async polling loop), so awaiting never
blocks the event loop and many concurrent waits hold no threads while they sleep.
This module only forwards; the work happens in the Rust core.
"""

from __future__ import annotations

from ._moveworks import (
    AsyncCore,
    CancelToken,
    Client,
    Conversation,
    ConversationPage,
    Event,
    EventPage,
    FeedbackResult,
    Message,
    MessagePage,
    Response,
    ResponseStream,
)

# Annotations only (they are strings, see the __future__ import): importing asyncio
# costs ~40 ms, typing a few ms of `import moveworks`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    from types import TracebackType
    from typing import Any, AsyncIterator, Awaitable, Callable, Mapping, Optional, Type, Union

    from typing_extensions import Unpack

    from ._moveworks import _OnEvent, _StreamEvent
    from ._options import ClientOptions


class AsyncClient:
    """An asyncio client of the Moveworks Conversations API.

    Takes the same keyword arguments as :class:`Client`. Safe to share between
    tasks and event loops.
    """

    def __init__(self, **options: Unpack[ClientOptions]) -> None:
        self._init(Client(**options))

    def _init(self, client: Client) -> None:
        self._client = client
        self._core = AsyncCore(client)

    @classmethod
    def _wrap(cls, client: Client) -> "AsyncClient":
        self = cls.__new__(cls)
        self._init(client)
        return self

    @classmethod
    def from_env(cls, **overrides: Unpack[ClientOptions]) -> "AsyncClient":
        """A client configured from the ``MOVEWORKS_*`` environment variables; keywords override them."""
        return cls._wrap(Client.from_env(**overrides))

    @classmethod
    def from_client(cls, client: Client) -> "AsyncClient":
        """An async client sharing ``client``'s connections and token cache."""
        return cls._wrap(client)

    def with_options(
        self,
        *,
        timeout: Optional[float] = None,
        deadline: Optional[float] = None,
        max_retries: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Union[str, int, float, bool]]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
    ) -> "AsyncClient":
        """A client sharing this one's connections, with other per-call limits and
        additions (``extra_headers``, ``extra_query``, ``extra_body``), as :meth:`Client.with_options`."""
        return AsyncClient._wrap(
            self._client.with_options(
                timeout=timeout,
                deadline=deadline,
                max_retries=max_retries,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
            )
        )

    @property
    def sync_client(self) -> Client:
        """The blocking client this one shares its connections with."""
        return self._client

    @property
    def base_url(self) -> str:
        """The base URL this client talks to."""
        return self._client.base_url

    @property
    def user_agent(self) -> str:
        """The ``User-Agent`` this client sends."""
        return self._client.user_agent

    def __repr__(self) -> str:
        return f"AsyncClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Releases the pooled connections now; later calls raise ``InvalidArgumentError``."""
        self._client.close()

    async def list_conversations(
        self, *, limit: Optional[int] = None, cursor: Optional[str] = None, archived: Optional[bool] = None
    ) -> ConversationPage:
        """One page of conversations, most recently updated first."""
        return await self._core.list_conversations(limit=limit, cursor=cursor, archived=archived)

    async def iter_conversations(
        self, *, limit: Optional[int] = None, archived: Optional[bool] = None, cursor: Optional[str] = None
    ) -> AsyncIterator[Conversation]:
        """Every conversation (``async for``), fetching pages lazily."""
        pages = self._client.iter_conversations(limit=limit, archived=archived, cursor=cursor)
        while True:
            page = await pages._next_page_async()
            if page is None:
                return
            for conversation in page.conversations:
                yield conversation

    async def create_conversation(self, title: Optional[str] = None) -> Conversation:
        """Creates a conversation."""
        return await self._core.create_conversation(title)

    async def get_conversation(self, conversation_id: str) -> Conversation:
        """Gets one conversation."""
        return await self._core.get_conversation(conversation_id)

    async def update_conversation(
        self, conversation_id: str, *, title: Optional[str] = None, archived: Optional[bool] = None
    ) -> Conversation:
        """Changes a conversation's title and/or archive flag."""
        return await self._core.update_conversation(conversation_id, title=title, archived=archived)

    async def list_events(
        self,
        conversation_id: Optional[str] = None,
        *,
        starting_after: Optional[str] = None,
        ending_at: Optional[str] = None,
        cursor: Optional[str] = None,
        limit: Optional[int] = None,
        start_event_id: Optional[str] = None,
        last_event_id: Optional[str] = None,
    ) -> EventPage:
        """One page of events, oldest first; ``None`` lists the events of all conversations.

        ``start_event_id`` and ``last_event_id`` are deprecated aliases of ``starting_after``
        and ``ending_at`` (a ``DeprecationWarning``; giving both names of one bound raises
        ``InvalidArgumentError``).
        """
        return await self._core.list_events(
            conversation_id,
            starting_after=starting_after,
            ending_at=ending_at,
            cursor=cursor,
            limit=limit,
            start_event_id=start_event_id,
            last_event_id=last_event_id,
        )

    async def iter_events(
        self,
        conversation_id: Optional[str] = None,
        *,
        starting_after: Optional[str] = None,
        ending_at: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        start_event_id: Optional[str] = None,
        last_event_id: Optional[str] = None,
    ) -> AsyncIterator[Event]:
        """Every event (``async for``), fetching pages lazily.

        ``start_event_id`` and ``last_event_id`` are deprecated aliases of ``starting_after``
        and ``ending_at``, as in ``list_events``.
        """
        pages = self._core.iter_events(
            conversation_id,
            starting_after=starting_after,
            ending_at=ending_at,
            limit=limit,
            cursor=cursor,
            start_event_id=start_event_id,
            last_event_id=last_event_id,
        )
        while True:
            page = await pages._next_page_async()
            if page is None:
                return
            for event in page.events:
                yield event

    async def list_messages(
        self, conversation_id: str, *, cursor: Optional[str] = None, limit: Optional[int] = None
    ) -> MessagePage:
        """One page of a conversation's messages (the user's and the assistant's), newest first."""
        return await self._core.list_messages(conversation_id, cursor=cursor, limit=limit)

    async def iter_messages(
        self, conversation_id: str, *, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> AsyncIterator[Message]:
        """Every message of a conversation, newest first (``async for``), fetching pages lazily."""
        pages = self._client.iter_messages(conversation_id, limit=limit, cursor=cursor)
        while True:
            page = await pages._next_page_async()
            if page is None:
                return
            for message in page.messages:
                yield message

    async def list_response_messages(
        self, conversation_id: str, response_id: str, *, cursor: Optional[str] = None, limit: Optional[int] = None
    ) -> MessagePage:
        """The messages of one response: the user's input and the assistant's final messages."""
        return await self._core.list_response_messages(conversation_id, response_id, cursor=cursor, limit=limit)

    async def iter_response_messages(
        self, conversation_id: str, response_id: str, *, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> AsyncIterator[Message]:
        """Every message of one response (``async for``), fetching pages lazily."""
        pages = self._client.iter_response_messages(conversation_id, response_id, limit=limit, cursor=cursor)
        while True:
            page = await pages._next_page_async()
            if page is None:
                return
            for message in page.messages:
                yield message

    async def submit_feedback(
        self,
        conversation_id: str,
        response_id: str,
        message_id: str,
        callback_id: str,
        *,
        additional_feedback: Optional[str] = None,
    ) -> FeedbackResult:
        """Rates an assistant message with one of its ``feedback`` callback ids, as :meth:`Client.submit_feedback`."""
        return await self._core.submit_feedback(
            conversation_id, response_id, message_id, callback_id, additional_feedback=additional_feedback
        )

    async def create_response(self, conversation_id: str, text: str) -> Response:
        """Sends a user message; returns at once with a response to poll."""
        return await self._core.create_response(conversation_id, text)

    async def get_response(self, conversation_id: str, response_id: str) -> Response:
        """A response's current state."""
        return await self._core.get_response(conversation_id, response_id)

    async def wait_for_response(
        self,
        conversation_id: str,
        response_id: str,
        *,
        deadline: Optional[float] = None,
        initial_interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        backoff_factor: Optional[float] = None,
        cancel: Optional[CancelToken] = None,
        on_update: Optional[Callable[[Response], Optional[bool]]] = None,
    ) -> Response:
        """Polls until COMPLETED (returned) or FAILED / deadline / cancel (raised).

        ``on_update`` runs on a worker thread (holding the GIL) whenever the status or
        outputs change; an exception it raises propagates here.
        """
        return await self._core.wait_for_response(
            conversation_id,
            response_id,
            deadline=deadline,
            initial_interval=initial_interval,
            max_interval=max_interval,
            backoff_factor=backoff_factor,
            cancel=cancel,
            on_update=on_update,
        )

    async def create_response_and_wait(
        self,
        conversation_id: str,
        text: str,
        *,
        deadline: Optional[float] = None,
        initial_interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        backoff_factor: Optional[float] = None,
        cancel: Optional[CancelToken] = None,
        on_update: Optional[Callable[[Response], Optional[bool]]] = None,
    ) -> Response:
        """Creates a response and waits for it as :meth:`wait_for_response` does."""
        return await self._core.create_response_and_wait(
            conversation_id,
            text,
            deadline=deadline,
            initial_interval=initial_interval,
            max_interval=max_interval,
            backoff_factor=backoff_factor,
            cancel=cancel,
            on_update=on_update,
        )


    def stream_response(
        self,
        conversation_id: str,
        text: str,
        *,
        idle_timeout: Optional[float] = None,
        deadline: Optional[float] = None,
        initial_interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        backoff_factor: Optional[float] = None,
        on_update: Optional[Callable[[Response], Optional[bool]]] = None,
    ) -> "AsyncResponseStream":
        """Sends a user message and streams the answer: ``async for event in client.stream_response(...)``.

        The message is sent when the iteration (or ``async with``) starts; errors before
        the stream starts are raised there. The keywords are :meth:`Client.stream_response`'s.
        """
        return AsyncResponseStream(
            lambda: self._core.stream_response(
                conversation_id,
                text,
                idle_timeout=idle_timeout,
                deadline=deadline,
                initial_interval=initial_interval,
                max_interval=max_interval,
                backoff_factor=backoff_factor,
                on_update=on_update,
            )
        )

    async def stream_response_and_wait(
        self,
        conversation_id: str,
        text: str,
        *,
        on_event: Optional[_OnEvent] = None,
        idle_timeout: Optional[float] = None,
        deadline: Optional[float] = None,
        initial_interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        backoff_factor: Optional[float] = None,
        cancel: Optional[CancelToken] = None,
        on_update: Optional[Callable[[Response], Optional[bool]]] = None,
    ) -> Response:
        """Streams a turn to its end and returns the final Response, as :meth:`Client.stream_response_and_wait`.

        ``on_event`` runs on a worker thread (holding the GIL); an exception it raises
        propagates here. Cancelling the awaiting task stops the turn.
        """
        return await self._core.stream_response_and_wait(
            conversation_id,
            text,
            on_event=on_event,
            idle_timeout=idle_timeout,
            deadline=deadline,
            initial_interval=initial_interval,
            max_interval=max_interval,
            backoff_factor=backoff_factor,
            cancel=cancel,
            on_update=on_update,
        )


class AsyncResponseStream:
    """A streamed answer for asyncio: ``async for event in stream``, then ``stream.response``.

    Each step runs on the client's blocking pool, so the event loop never blocks.
    Cancelling the task awaiting a step stops the turn at once (the blocked read ends
    and its thread is freed); so do :meth:`aclose`, leaving ``async with``, and
    garbage collection. A failed turn raises from the iteration as :class:`Client`'s does.
    """

    def __init__(self, open: "Callable[[], Awaitable[ResponseStream]]") -> None:
        self._open = open
        self._stream: Optional[ResponseStream] = None
        self._closed = False

    async def _opened(self) -> ResponseStream:
        if self._stream is None:
            self._stream = await self._open()
            if self._closed:
                self._stream.close()
        return self._stream

    def __aiter__(self) -> "AsyncResponseStream":
        return self

    async def __anext__(self) -> _StreamEvent:
        if self._stream is None and self._closed:
            raise StopAsyncIteration
        stream = await self._opened()
        event = await stream._next_async()
        if event is None:
            raise StopAsyncIteration
        return event

    async def __aenter__(self) -> "AsyncResponseStream":
        await self._opened()
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stops the turn and closes the connection; a step in progress raises ``WaitCancelledError``."""
        self._closed = True
        if self._stream is not None:
            self._stream.close()

    async def finish(self) -> Response:
        """Reads the remaining events; returns the final Response or raises the turn's error."""
        stream = await self._opened()
        return await stream._finish_async()

    async def final_response(self) -> Response:
        """The final Response: after a successful ``async for``, the one its
        ``RESPONSE_COMPLETED`` carried; otherwise the stream is opened if need be and its
        remaining events are read (and discarded) first. Raises the turn's error instead
        (e.g. ``ResponseFailedError``, ``WaitCancelledError`` once closed). Awaitable more
        than once (as Node's ``finalResponse()``)."""
        stream = await self._opened()
        return await stream._finish_async()

    @property
    def response(self) -> Optional[Response]:
        """The final ``COMPLETED`` response once the turn ended successfully, else None."""
        return None if self._stream is None else self._stream.response

    @property
    def response_id(self) -> Optional[str]:
        """The response's id once the server named it."""
        return None if self._stream is None else self._stream.response_id

    @property
    def request_id(self) -> Optional[str]:
        """The ``x-moveworks-root-uuid`` of the streaming request."""
        return None if self._stream is None else self._stream.request_id

    def __repr__(self) -> str:
        return f"Async{self._stream!r}" if self._stream is not None else "AsyncResponseStream(not started)"


def _deliver(future: "asyncio.Future[Any]", ok: bool, value: Any) -> None:
    """Resolves an awaitable of the extension on its event loop (unless it was cancelled meanwhile)."""
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
