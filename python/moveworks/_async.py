"""``AsyncClient``: the same calls as :class:`Client`, as coroutines.

Each request runs on the extension's tokio blocking pool (bounded) and the waits
between polls are tokio timers (the core's own async polling loop), so awaiting
never blocks the event loop and many concurrent waits hold no threads while they
sleep. A streamed turn instead runs on a thread of its own (the core's
``StreamPump``), which reads ahead; the event loop takes what it read in batches,
woken through one socket per loop (see ``_LoopWakers``), so open streams hold no
pool thread and an event already read costs no thread hop. This module only
forwards; the work happens in the Rust core.
"""

from __future__ import annotations

import os
import weakref
from collections import deque

from ._errors import error_class
from ._moveworks import (
    Action,
    AsyncCore,
    AsyncStream,
    CancelToken,
    Client,
    Conversation,
    ConversationPage,
    Event,
    EventPage,
    EventsFollower,
    FeedbackResult,
    Input,
    Message,
    MessagePage,
    Modal,
    ModalRef,
    ModalSubmitResult,
    RESUMED_PER_LOOP_TURN,
    Response,
)

try:
    from ._moveworks import LoopWaker
except ImportError:  # pragma: no cover - a build without the wake-up socket
    LoopWaker = None  # type: ignore[assignment,misc]

# Annotations only (they are strings, see the __future__ import): importing asyncio
# costs ~40 ms, typing a few ms of `import moveworks`.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    from types import TracebackType
    from typing import Any, AsyncIterator, Callable, Deque, List, Mapping, Optional, Tuple, Type, Union

    from typing_extensions import Unpack

    from ._moveworks import _Batch, _OnEvent, _StreamEvent
    from ._options import ClientOptions
    from ._types import CheckpointStore, ModalValues


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

    def for_user(self, provider: "Callable[[], Union[str, Tuple[str, float]]]") -> "AsyncClient":
        """A view acting for one user, as :meth:`Client.for_user` (``provider`` runs on a worker thread)."""
        return AsyncClient._wrap(self._client.for_user(provider))

    def for_user_token(self, token: str) -> "AsyncClient":
        """A view acting for the user ``token`` belongs to, as :meth:`Client.for_user_token`."""
        return AsyncClient._wrap(self._client.for_user_token(token))

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

    async def create_response(self, conversation_id: str, text: Union[str, Input]) -> Response:
        """Sends a user message (a ``str``, or an :class:`Input`); returns at once with a response to poll."""
        return await self._core.create_response(conversation_id, text)

    async def get_response(self, conversation_id: str, response_id: str) -> Response:
        """A response's current state."""
        return await self._core.get_response(conversation_id, response_id)

    async def press(self, conversation_id: str, action: Action) -> Response:
        """Presses a button (a ``CALLBACK_ACTION``): its callback id is the next turn (rest/v1)."""
        return await self._core.press(conversation_id, action)

    async def get_event(self, conversation_id: str, event_id: str) -> Event:
        """One event (what a webhook delivery points at), rest/v1."""
        return await self._core.get_event(conversation_id, event_id)

    async def get_modal(self, modal: ModalRef) -> Modal:
        """Gets a form (rest/v1), as :meth:`Client.get_modal`."""
        return await self._core.get_modal(modal)

    async def refresh_modal(self, previous: Modal, values: ModalValues) -> Modal:
        """Re-resolves a form with all current values (rest/v1), as :meth:`Client.refresh_modal`."""
        return await self._core.refresh_modal(previous, values)

    async def submit_modal(self, modal: Union[ModalRef, Modal], values: ModalValues) -> ModalSubmitResult:
        """Submits a form (rest/v1), as :meth:`Client.submit_modal`."""
        return await self._core.submit_modal(modal, values)

    def follow_events(
        self,
        checkpoint: Union[str, "os.PathLike[str]", CheckpointStore, None],
        *,
        replay: bool = False,
        page_size: Optional[int] = None,
        interval: float = 6.0,
        max_backoff: float = 60.0,
        cancel: Optional[CancelToken] = None,
    ) -> AsyncEventsFollower:
        """An events follower for ``async for event in client.follow_events(...)``, with the
        keywords of :meth:`Client.follow_events`. Its polls and waits run on a worker thread
        (a custom store's ``load``/``save`` too), never on the event loop."""
        follower = self._client.follow_events(
            checkpoint,
            replay=replay,
            page_size=page_size,
            interval=interval,
            max_backoff=max_backoff,
            cancel=cancel,
        )
        return AsyncEventsFollower(follower)

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
        text: Union[str, Input],
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
        text: Union[str, Input],
        *,
        idle_timeout: Optional[float] = None,
        deadline: Optional[float] = None,
        initial_interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        backoff_factor: Optional[float] = None,
        on_update: Optional[Callable[[Response], Optional[bool]]] = None,
    ) -> AsyncResponseStream:
        """Sends a user message and streams the answer: ``async for event in client.stream_response(...)``.

        The message is sent when the iteration (or ``async with``) starts; errors before
        the stream starts are raised there. The keywords are :meth:`Client.stream_response`'s;
        ``on_update`` (called when a broken stream is finished by polling) runs on the
        event loop's thread.
        """
        return self._stream(
            conversation_id,
            text,
            idle_timeout=idle_timeout,
            deadline=deadline,
            initial_interval=initial_interval,
            max_interval=max_interval,
            backoff_factor=backoff_factor,
            on_update=on_update,
        )

    def _stream(
        self,
        conversation_id: str,
        text: Union[str, Input],
        *,
        idle_timeout: Optional[float],
        deadline: Optional[float],
        initial_interval: Optional[float],
        max_interval: Optional[float],
        backoff_factor: Optional[float],
        on_update: Optional[Callable[[Response], Optional[bool]]],
        cancel: Optional[CancelToken] = None,
    ) -> AsyncResponseStream:
        core = self._core

        def open(forward: Optional[Callable[[Response], None]]) -> AsyncStream:
            return core.stream_response(
                conversation_id,
                text,
                idle_timeout=idle_timeout,
                deadline=deadline,
                initial_interval=initial_interval,
                max_interval=max_interval,
                backoff_factor=backoff_factor,
                cancel=cancel,
                on_update=forward,
            )

        return AsyncResponseStream(open, on_update)

    async def stream_response_and_wait(
        self,
        conversation_id: str,
        text: Union[str, Input],
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

        ``on_event`` and ``on_update`` run on the event loop's thread, in the awaiting
        task (so ``on_event=queue.put_nowait`` into an ``asyncio.Queue`` is safe, and each
        event arrives as soon as it is read). Returning exactly ``False`` stops the turn
        (``WaitCancelledError``); an exception they raise propagates here. Cancelling the
        awaiting task, or ``cancel``, stops the turn.
        """
        if on_event is not None and not callable(on_event):
            raise TypeError("on_event must be callable")
        stream = self._stream(
            conversation_id,
            text,
            idle_timeout=idle_timeout,
            deadline=deadline,
            initial_interval=initial_interval,
            max_interval=max_interval,
            backoff_factor=backoff_factor,
            on_update=on_update,
            cancel=cancel,
        )
        try:
            async for event in stream:
                # Exactly False stops the turn, as the sync form's callback does.
                if on_event is not None and on_event(event) is False:
                    stream.close()
                    break
            return await stream.final_response()
        finally:
            # A cancelled task or a callback's exception: the turn stops at once.
            stream.close()


class AsyncEventsFollower:
    """The asyncio form of :class:`EventsFollower` (``AsyncClient.follow_events``):
    ``async for event in follower`` yields each event, saving the previous one's
    checkpoint first (so an event is saved once your loop body ran for it); breaking out
    leaves the last one unsaved (delivered again later) unless you call :meth:`commit`.
    The iteration ends after :meth:`cancel`; cancelling the task awaiting an event
    cancels the follower too (its wait on the worker thread ends at once).
    """

    def __init__(self, follower: EventsFollower) -> None:
        self._follower = follower

    def __aiter__(self) -> "AsyncEventsFollower":
        return self

    async def __anext__(self) -> Event:
        try:
            event = await self._follower._next_async()
        except BaseException as e:
            if not isinstance(e, Exception):
                # The task was cancelled (asyncio.CancelledError) or interrupted: the
                # worker's wait stops with it.
                self._follower.cancel()
            raise
        if event is None:
            raise StopAsyncIteration
        return event

    async def commit(self) -> None:
        """Saves the checkpoint of the last event yielded, if not saved yet."""
        self._follower.commit()

    def cancel(self) -> None:
        """Stops the follower: the iteration ends. Final."""
        self._follower.cancel()

    @property
    def is_cancelled(self) -> bool:
        """True once cancelled."""
        return self._follower.is_cancelled

    @property
    def checkpoint(self) -> Optional[str]:
        """The last checkpoint saved, as :attr:`EventsFollower.checkpoint`."""
        return self._follower.checkpoint

    @property
    def sync_follower(self) -> EventsFollower:
        """The blocking follower underneath (``poll_once``/``run`` on a thread of yours)."""
        return self._follower

    def __repr__(self) -> str:
        return f"AsyncEventsFollower(checkpoint={self.checkpoint!r})"


class AsyncResponseStream:
    """A streamed answer for asyncio: ``async for event in stream``, then ``stream.response``
    or ``await stream.final_response()``.

    The turn runs on a thread of its own that reads ahead; each ``__anext__`` hands out
    an event already read without leaving the event loop's thread, and waits (without
    blocking the loop) only when none is there. Cancelling the task awaiting an event
    leaves the stream as it was (a later ``__anext__`` continues with the next event);
    :meth:`aclose`, :meth:`close`, leaving ``async with`` and garbage collection stop the
    turn and close the connection. A failed turn raises from the iteration as
    :class:`Client`'s does.
    """

    def __init__(
        self,
        open: Callable[[Optional[Callable[[Response], None]]], AsyncStream],
        on_update: Optional[Callable[[Response], Optional[bool]]] = None,
    ) -> None:
        self._open = open
        self._on_update = on_update
        self._pump: Optional[AsyncStream] = None
        # Events taken from the pump, not yet handed out.
        self._buffer: Deque[_StreamEvent] = deque()
        # The futures of the tasks waiting for the next batch (usually one).
        self._waiters: List[asyncio.Future[None]] = []
        # The reader thread's wake-up target: a weak reference, so that an abandoned
        # stream is still garbage (which closes it) while a wake-up is pending.
        self._ref = weakref.ref(self)
        self._over = False
        self._error: Optional[BaseException] = None
        self._error_raised = False
        self._callback_error: Optional[BaseException] = None
        self._closed = False

    def _started(self) -> AsyncStream:
        pump = self._pump
        if pump is None:
            forward = None
            if self._on_update is not None:
                if not callable(self._on_update):
                    raise TypeError("on_update must be callable")
                forward = _update_forwarder(_running_loop(), self._ref)
            pump = self._pump = self._open(forward)
        return pump

    def _accept(self, batch: _Batch) -> None:
        events, end = batch
        if events:
            self._buffer.extend(events)
        if end is not None:
            self._over = True
            if isinstance(end, BaseException):
                # A turn the on_update callback stopped raises the callback's exception.
                self._error = self._callback_error or end

    async def _fill(self) -> None:
        """Waits for the next batch (events, or the end) and takes it."""
        pump = self._started()
        batch = pump.take()
        while batch is None:
            loop = _running_loop()
            waiter: asyncio.Future[None] = loop.create_future()
            if not self._waiters:
                waker = _wakers.get(loop)
                if waker is not None:
                    batch = pump.take_or_wake(waker, self._ref)
                else:
                    ref = self._ref  # not `self`: the pump must not keep the stream alive
                    batch = pump.take_or_call(lambda: _call_soon(loop, ref))
                if batch is not None:
                    break
            # Else another task is registered already: the wake-up wakes every waiter.
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if not waiter.done() or waiter.cancelled():
                    # Cancelled: the stream keeps its state (nothing was taken).
                    try:
                        self._waiters.remove(waiter)
                    except ValueError:
                        pass
            batch = pump.take()
        self._accept(batch)

    def _wake(self) -> None:
        """On the loop's thread: a batch is ready (or the stream was closed)."""
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def __aiter__(self) -> AsyncResponseStream:
        return self

    async def __anext__(self) -> _StreamEvent:
        buffer = self._buffer
        if buffer:
            return buffer.popleft()
        if self._closed:
            raise StopAsyncIteration
        while True:
            if self._over:
                error = self._error
                if error is not None and not self._error_raised:
                    self._error_raised = True
                    raise error
                raise StopAsyncIteration
            await self._fill()
            if buffer:
                return buffer.popleft()

    async def __aenter__(self) -> AsyncResponseStream:
        # Until the first event: an error before the stream starts is raised here.
        if not self._buffer and not self._over and not self._closed:
            await self._fill()
        if self._over and not self._buffer and self._error is not None and not self._error_raised:
            self._error_raised = True
            raise self._error
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stops the turn and closes the connection (idempotent; no effect once the turn
        ended). A step in progress in another task raises ``WaitCancelledError``; later
        iterations stop."""
        self._closed = True
        self._buffer.clear()
        if self._pump is not None:
            self._pump.close()

    async def aclose(self) -> None:
        """:meth:`close`, awaitable (``contextlib.aclosing``)."""
        self.close()

    async def finish(self) -> Response:
        """Reads the remaining events; returns the final Response or raises the turn's error."""
        return await self.final_response()

    async def final_response(self) -> Response:
        """The final Response: after a successful ``async for``, the one its
        ``RESPONSE_COMPLETED`` carried; otherwise the stream is opened if need be and its
        remaining events are read (and discarded) first. Raises the turn's error instead
        (e.g. ``ResponseFailedError``, ``WaitCancelledError`` once closed). Awaitable more
        than once (as Node's ``finalResponse()``)."""
        if self._closed and self._pump is None:
            # Closed before it started: nothing was sent.
            raise error_class("cancelled")("the operation was cancelled", kind="cancelled")
        self._buffer.clear()
        while not self._over:
            await self._fill()
            self._buffer.clear()
        if self._error is not None:
            self._error_raised = True
            raise self._error.with_traceback(None)
        response = self._pump.response if self._pump is not None else None
        if response is None:  # pragma: no cover - a successful turn always has its response
            raise error_class("unknown")("the stream ended without a final response", kind="unknown")
        return response

    @property
    def response(self) -> Optional[Response]:
        """The final ``COMPLETED`` response once the turn ended successfully, else None
        (``await final_response()`` is the non-optional form)."""
        return None if self._pump is None else self._pump.response

    @property
    def response_id(self) -> Optional[str]:
        """The response's id once the server named it."""
        return None if self._pump is None else self._pump.response_id

    @property
    def request_id(self) -> Optional[str]:
        """The ``x-moveworks-root-uuid`` of the streaming request."""
        return None if self._pump is None else self._pump.request_id

    def __repr__(self) -> str:
        if self._pump is None:
            return "AsyncResponseStream(not started)"
        response_id, request_id = self._pump.response_id, self._pump.request_id
        return (
            f"AsyncResponseStream(response_id={response_id!r}, request_id={request_id!r}, "
            f"completed={self._pump.response is not None})"
        )


def _running_loop() -> asyncio.AbstractEventLoop:
    # asyncio is imported by whoever runs the loop; imported here, not at module level,
    # to keep it out of `import moveworks` (~40 ms).
    import asyncio

    return asyncio.get_running_loop()


class _LoopWakers:
    """One wake-up socket per event loop, watched with ``loop.add_reader``: a stream's
    reader thread queues the stream on its loop's ``LoopWaker`` and writes a byte (no
    GIL); the loop's thread then wakes every queued stream in one callback. Loops that
    cannot watch a socket (e.g. Windows' proactor loop) get None: their streams are
    woken with ``loop.call_soon_threadsafe`` from the reader thread (which takes the GIL)."""

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Optional[LoopWaker]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, loop: asyncio.AbstractEventLoop) -> Optional[LoopWaker]:
        try:
            return self._by_loop[loop]
        except KeyError:
            pass
        except TypeError:  # a loop without weak references: no cache, no socket
            return None
        waker: Optional[LoopWaker] = None
        if LoopWaker is not None:
            candidate = LoopWaker()
            try:
                loop.add_reader(candidate.fileno(), _drain, candidate)
                waker = candidate
            except (NotImplementedError, OSError, ValueError):
                pass
        self._by_loop[loop] = waker
        return waker

    def forget(self) -> None:
        """In a child of fork(): the sockets are shared with the parent, whose loops
        they wake; the child's loops get their own."""
        self._by_loop = weakref.WeakKeyDictionary()


_wakers = _LoopWakers()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_wakers.forget)


def _drain(waker: LoopWaker) -> None:
    """The loop's reader callback: wakes every stream whose batch is ready."""
    _wake_some(_running_loop(), waker.drain())


# A burst of wake-ups (a thousand streams' first events) would run every woken task in
# the loop's next iteration, holding timers and I/O back until all ran: streams resume
# at most this many per iteration (the core's number), the rest in the next ones (a lone
# stream at once).
_RESUMED_PER_ITERATION = RESUMED_PER_LOOP_TURN


def _wake_some(loop: asyncio.AbstractEventLoop, refs: List[weakref.ReferenceType[AsyncResponseStream]]) -> None:
    now, rest = refs[:_RESUMED_PER_ITERATION], refs[_RESUMED_PER_ITERATION:]
    if rest:
        loop.call_soon(_wake_some, loop, rest)
    for ref in now:
        stream = ref()
        if stream is not None:
            stream._wake()


def _wake_ref(ref: weakref.ReferenceType[AsyncResponseStream]) -> None:
    stream = ref()
    if stream is not None:
        stream._wake()


def _call_soon(loop: asyncio.AbstractEventLoop, ref: weakref.ReferenceType[AsyncResponseStream]) -> None:
    """On a reader thread (with the GIL): the fallback wake-up of ``_LoopWakers``."""
    try:
        loop.call_soon_threadsafe(_wake_ref, ref)
    except RuntimeError:  # the loop is closed: nobody waits any more
        pass


def _update_forwarder(
    loop: asyncio.AbstractEventLoop, ref: weakref.ReferenceType[AsyncResponseStream]
) -> Callable[[Response], None]:
    """The stream's ``on_update`` as the core calls it, on the reader thread: hands the
    response to the loop's thread, where the user's callback runs (``_run_update``)."""

    def forward(response: Response) -> None:
        loop.call_soon_threadsafe(_run_update, ref, response)

    return forward


def _run_update(ref: weakref.ReferenceType[AsyncResponseStream], response: Response) -> None:
    stream = ref()
    if stream is None or stream._on_update is None:
        return
    if stream._over:
        stream._on_update(response)
        return
    try:
        stop = stream._on_update(response) is False
    except Exception as e:  # re-raised by the iteration instead of WaitCancelledError
        stream._callback_error = e
        stop = True
    if stop and stream._pump is not None:
        # Exactly False stops the turn (WaitCancelledError), as the sync form's callback does.
        stream._pump.close()


def _deliver(future: "asyncio.Future[Any]", ok: bool, value: Any) -> None:
    """Resolves an awaitable of the extension on its event loop (unless it was cancelled meanwhile)."""
    if future.done():
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
