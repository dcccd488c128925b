"""Type stubs of the compiled extension module (checked against it by stubtest in python/test.sh)."""

from typing import Any, Callable, Dict, Iterable, Iterator, List, Literal, Mapping, Optional, Tuple, Type, TypeVar, Union, final
from types import TracebackType
import datetime
import os
import asyncio

from typing_extensions import Unpack

from ._enums import Actor, FeedbackStatus, ResponseStatus
from ._options import ClientOptions
from ._types import CheckpointStore, ModalValues

__all__ = [
    "ALL_CONVERSATIONS",
    "Action",
    "AsyncCore",
    "AsyncStream",
    "CancelToken",
    "CLIENT_OPTION_NAMES",
    "ChoiceOption",
    "Citation",
    "CitationAttribute",
    "CitationDisplay",
    "Client",
    "Content",
    "ContentReference",
    "Conversation",
    "ConversationIterator",
    "ConversationPage",
    "DEFAULT_BASE_URL",
    "ERROR_KINDS",
    "RESPONSE_STATUSES",
    "Sandbox",
    "ACTORS",
    "ErrorEvent",
    "Event",
    "LoopWaker",
    "EventIterator",
    "EventPage",
    "EventPayload",
    "EventsFollower",
    "FEEDBACK_STATUSES",
    "FeedbackOption",
    "FeedbackResult",
    "FileRef",
    "Handoff",
    "HandoffCategory",
    "HandoffItem",
    "Input",
    "Message",
    "MessageFeedback",
    "MessageIterator",
    "MessagePage",
    "Modal",
    "ModalField",
    "ModalRef",
    "ModalSubmitResult",
    "OutputDelta",
    "OutputItem",
    "REQUEST_ID_HEADER",
    "RESUMED_PER_LOOP_TURN",
    "ReasoningMessage",
    "Response",
    "ResponseCompleted",
    "ResponseCreated",
    "ResponseError",
    "ResponseFailed",
    "ResponseInProgress",
    "ResponseMessageIterator",
    "ResponseOutputDelta",
    "ResponseStream",
    "SenderInfo",
    "UnknownStreamEvent",
    "WebhookDelivery",
    "__version__",
    "_after_fork_in_child",
    "_shutdown",
    "log_level",
    "set_log_level",
]

__version__: str
"""The SDK's version (the Rust core's)."""
DEFAULT_BASE_URL: str
"""The production base URL, used when no ``base_url`` is given."""
CLIENT_OPTION_NAMES: Tuple[str, ...]
"""The keyword options a client accepts (the core's ``ClientOptions``)."""
ALL_CONVERSATIONS: str
"""The conversation id that lists the events of every conversation (``list_events``)."""
REQUEST_ID_HEADER: str
"""The response header carrying Moveworks' trace id of a request (``request_id``)."""
RESUMED_PER_LOOP_TURN: int
"""How many woken streams the async client resumes per turn of the event loop."""
ERROR_KINDS: Tuple[str, ...]
"""Every error ``kind`` string of the core, one per exception class."""
RESPONSE_STATUSES: Tuple[str, ...]
"""Wire values of ResponseStatus this version knows."""
ACTORS: Tuple[str, ...]
"""Wire values of Actor this version knows."""
FEEDBACK_STATUSES: Tuple[str, ...]
"""Wire values of FeedbackStatus this version knows."""

def _shutdown() -> None:
    """Stops the async runtime and the log forwarding (registered with atexit)."""

def _after_fork_in_child() -> None:
    """Forgets the parent's async runtime in a child of fork() (registered with os.register_at_fork)."""

def set_log_level(level: Union[str, int, None], /) -> None:
    """Sets the level of the SDK's log records for the process: ``"error"``, ``"warn"``,
    ``"info"``, ``"debug"``, ``"trace"``, ``"off"`` or a ``logging`` level (5 or below is
    trace). ``None``: follow ``MOVEWORKS_LOG`` and the ``moveworks`` logger's level again."""

def log_level() -> str:
    """The level of the SDK's log records now (a name, or ``"off"``)."""

_M = TypeVar("_M")
_OnUpdate = Callable[["Response"], Optional[bool]]

@final
class CancelToken:
    """Stops a wait from another thread or task."""
    def __new__(cls) -> "CancelToken": ...
    def cancel(self) -> None: ...
    def is_cancelled(self) -> bool: ...

@final
class Sandbox:
    """The native half of ``moveworks.testing.Sandbox`` (use that class)."""
    def __new__(
        cls,
        *,
        response_duration: Optional[float] = None,
        assistant_name: Optional[str] = None,
        oauth: Optional[bool] = None,
        tls: Optional[bool] = None,
        api_version: Optional[str] = None,
    ) -> "Sandbox": ...
    @property
    def ca_certificate(self) -> Optional[str]: ...
    @property
    def base_url(self) -> str: ...
    @property
    def origin(self) -> str: ...
    @property
    def token_url(self) -> str: ...
    @property
    def assistant_name(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def client_id(self) -> str: ...
    @property
    def client_secret(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    def client(self, **options: Unpack[ClientOptions]) -> Client: ...
    def run(self, action: str, args_json: Optional[str] = None) -> str: ...
    def close(self) -> None: ...

class _Model:
    def to_json(self) -> str: ...
    def to_dict(self) -> Any: ...
    @classmethod
    def from_json(cls: Type[_M], data: str) -> _M: ...
    @classmethod
    def from_dict(cls: Type[_M], data: Any) -> _M: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class Conversation(_Model):
    @property
    def conversation_id(self) -> str: ...
    @property
    def title(self) -> Optional[str]: ...
    @property
    def archived(self) -> bool: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def updated_at(self) -> datetime.datetime: ...
    @property
    def request_id(self) -> Optional[str]:
        """The ``x-moveworks-root-uuid`` of the HTTP answer this value came from (quote it to support).

        None for a value built with ``from_json``; not in ``to_dict()``, ignored by ``==``.
        """
    @property
    def http_headers(self) -> Optional[Dict[str, str]]:
        """The headers of the HTTP answer this value came from (names lowercase), e.g.
        ``http_headers["x-moveworks-root-uuid"]``.

        None for a value built with ``from_json``; not in ``to_dict()``, ignored by ``==``.
        """

@final
class ConversationPage(_Model):
    @property
    def conversations(self) -> List[Conversation]: ...
    @property
    def next_cursor(self) -> Optional[str]: ...
    @property
    def request_id(self) -> Optional[str]:
        """The ``x-moveworks-root-uuid`` of the HTTP answer this value came from (quote it to support).

        None for a value built with ``from_json``; not in ``to_dict()``, ignored by ``==``.
        """
    @property
    def http_headers(self) -> Optional[Dict[str, str]]:
        """The headers of the HTTP answer this value came from (names lowercase), e.g.
        ``http_headers["x-moveworks-root-uuid"]``.

        None for a value built with ``from_json``; not in ``to_dict()``, ignored by ``==``.
        """
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Conversation]: ...

@final
class EventPage(_Model):
    @property
    def events(self) -> List["Event"]: ...
    @property
    def next_cursor(self) -> Optional[str]: ...
    @property
    def request_id(self) -> Optional[str]:
        """The ``x-moveworks-root-uuid`` of the HTTP answer this value came from (quote it to support).

        None for a value built with ``from_json``; not in ``to_dict()``, ignored by ``==``.
        """
    @property
    def http_headers(self) -> Optional[Dict[str, str]]:
        """The headers of the HTTP answer this value came from (names lowercase), e.g.
        ``http_headers["x-moveworks-root-uuid"]``.

        None for a value built with ``from_json``; not in ``to_dict()``, ignored by ``==``.
        """
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator["Event"]: ...

@final
class Content(_Model):
    @property
    def type(self) -> str: ...
    @property
    def text(self) -> Optional[str]: ...
    def text_lossy(self) -> Optional[str]: ...
    @property
    def is_unknown(self) -> bool: ...
    @property
    def files(self) -> List["FileRef"]:
        """The files attached to a ``PLAIN_TEXT`` content (empty for other types)."""
    @property
    def callback_id(self) -> Optional[str]:
        """The callback id a ``CALLBACK_ACTION_CONTENT`` (a button press) records; None otherwise or when omitted."""

@final
class Action(_Model):
    """One button of an assistant message (``CALLBACK_ACTION``, ``URL_ACTION``, ``MODAL_ACTION``; unknown kept)."""
    @property
    def type(self) -> str: ...
    @property
    def label(self) -> Optional[str]: ...
    @property
    def callback_id(self) -> Optional[str]: ...
    @property
    def url(self) -> Optional[str]: ...
    @property
    def modal_id(self) -> Optional[str]: ...
    @property
    def is_unknown(self) -> bool: ...

@final
class SenderInfo(_Model):
    """Who wrote a ``LIVE_AGENT`` message."""
    @property
    def display_name(self) -> str: ...
    @property
    def avatar_url(self) -> Optional[str]: ...

@final
class FileRef(_Model):
    """A file attached to a user's ``PLAIN_TEXT`` message."""
    @property
    def file_id(self) -> str: ...
    @property
    def file_name(self) -> Optional[str]: ...

@final
class HandoffItem(_Model):
    """One entry of a ``HandoffCategory``: a button (``ACTION``) or a text (``TEXT``)."""
    @property
    def title(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def action(self) -> Optional[Action]: ...
    @property
    def text(self) -> Optional[Content]: ...

@final
class HandoffCategory(_Model):
    """One category of a ``Handoff`` menu."""
    @property
    def category_id(self) -> Optional[str]: ...
    @property
    def name(self) -> Optional[str]: ...
    @property
    def description(self) -> Optional[str]: ...
    @property
    def items(self) -> List[HandoffItem]: ...

@final
class Handoff(_Model):
    """The "Get Help" menu of an assistant message."""
    @property
    def categories(self) -> List[HandoffCategory]: ...

@final
class CitationAttribute:
    """One opaque key-value rendering hint of a ``CitationDisplay``."""
    @property
    def key(self) -> str:
        """Attribute name."""
    @property
    def value(self) -> str:
        """Attribute value."""
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class CitationDisplay:
    """Display data of a citation."""
    @property
    def title(self) -> Optional[Content]:
        """Primary heading (usually ``MARKDOWN_TEXT``)."""
    @property
    def body(self) -> Optional[Content]:
        """Body or description."""
    @property
    def attributes(self) -> List[CitationAttribute]:
        """Opaque rendering hints, in the order sent; never build logic on their keys or values."""
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class Citation(_Model):
    """An entity a message cites; ``Message.content_references`` place it in the text by ``citation_id``."""
    @property
    def citation_id(self) -> Optional[str]:
        """Unique id, ``cite_…``: what a ``ContentReference`` names. None from servers that predate it."""
    @property
    def offset(self) -> Optional[int]:
        """**Deprecated**: the wire's ``location.offset``, which Moveworks stopped sending on 12 May 2026.

        None when absent. Read positions from ``Message.content_references``.
        """
    @property
    def url(self) -> Optional[str]: ...
    @property
    def display(self) -> Optional[CitationDisplay]: ...

@final
class ContentReference:
    """Where in an assistant message's text a ``Citation`` is referenced."""
    @property
    def citation_id(self) -> str:
        """The ``Citation.citation_id`` referenced here."""
    @property
    def offset(self) -> int:
        """Zero-based position in the text, in characters (code points); several references may share it."""
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class Message(_Model):
    @property
    def message_id(self) -> str: ...
    @property
    def conversation_id(self) -> str: ...
    @property
    def response_id(self) -> str: ...
    @property
    def actor(self) -> Actor: ...
    @property
    def content(self) -> Content: ...
    @property
    def citations(self) -> List[Citation]:
        """The entities the message cites (assistant messages; empty when none)."""
    @property
    def content_references(self) -> List[ContentReference]:
        """Where the citations are referenced in the text, ascending by offset (assistant messages; empty when none)."""
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def text(self) -> str: ...
    def text_with_citation_markers(self) -> str:
        """The text with ``[n]`` (``n``: the citation's 1-based position in ``citations``) at each reference's offset.

        Places come from ``content_references`` (without any: from the deprecated
        ``Citation.offset``); references sharing an offset keep the server's order.
        """
    @property
    def feedback(self) -> Optional["MessageFeedback"]:
        """How the user can rate this message (assistant messages): callback ids for ``submit_feedback``."""
    @property
    def actions(self) -> List[Action]:
        """The buttons of an assistant message, in the order to render them (rest/v1)."""
    def buttons(self) -> List[Action]:
        """The buttons, in order (the same as ``actions``)."""
    @property
    def sender_info(self) -> Optional[SenderInfo]:
        """Who wrote a ``LIVE_AGENT`` message (rest/v1)."""
    @property
    def handoff(self) -> Optional[Handoff]:
        """The "Get Help" menu of an assistant message (rest/v1)."""
    @property
    def is_live_agent(self) -> bool: ...
    def modal_ref(self, action: Action) -> Optional["ModalRef"]:
        """The form a ``MODAL_ACTION`` of this message opens (for ``Client.get_modal``); None for other actions."""
    def modals(self) -> List["ModalRef"]:
        """The forms this message offers, one per ``MODAL_ACTION``, in order."""
    @property
    def files(self) -> List[FileRef]:
        """The files attached to a user's ``PLAIN_TEXT`` message (empty when none)."""

@final
class FeedbackOption(_Model):
    """One rating a user can give a message."""
    @property
    def callback_id(self) -> str:
        """Opaque token naming the message and the rating: pass it to ``submit_feedback`` as received."""

@final
class MessageFeedback(_Model):
    """The ``feedback`` of an assistant message: which callback id is submitted decides the rating."""
    @property
    def helpful(self) -> Optional[FeedbackOption]: ...
    @property
    def unhelpful(self) -> Optional[FeedbackOption]: ...

@final
class MessagePage(_Model):
    """One page of messages, newest first."""
    @property
    def messages(self) -> List[Message]: ...
    @property
    def next_cursor(self) -> Optional[str]: ...
    @property
    def request_id(self) -> Optional[str]:
        """The ``x-moveworks-root-uuid`` of the HTTP answer this value came from (quote it to support).

        None for a value built with ``from_json``; not in ``to_dict()``, ignored by ``==``.
        """
    @property
    def http_headers(self) -> Optional[Dict[str, str]]:
        """The headers of the HTTP answer this value came from (names lowercase), e.g.
        ``http_headers["x-moveworks-root-uuid"]``.

        None for a value built with ``from_json``; not in ``to_dict()``, ignored by ``==``.
        """
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Message]: ...

@final
class FeedbackResult(_Model):
    """The answer of ``submit_feedback``."""
    @property
    def status(self) -> FeedbackStatus: ...
    @property
    def request_id(self) -> Optional[str]:
        """The ``x-moveworks-root-uuid`` of the HTTP answer this value came from (quote it to support).

        None for a value built with ``from_json``; not in ``to_dict()``, ignored by ``==``.
        """
    @property
    def http_headers(self) -> Optional[Dict[str, str]]:
        """The headers of the HTTP answer this value came from (names lowercase), e.g.
        ``http_headers["x-moveworks-root-uuid"]``.

        None for a value built with ``from_json``; not in ``to_dict()``, ignored by ``==``.
        """

@final
class ReasoningMessage(_Model):
    @property
    def reasoning_message_id(self) -> str: ...
    @property
    def conversation_id(self) -> str: ...
    @property
    def response_id(self) -> str: ...
    @property
    def content(self) -> Content: ...
    @property
    def created_at(self) -> datetime.datetime: ...

@final
class OutputItem(_Model):
    @property
    def type(self) -> str: ...
    @property
    def message(self) -> Optional[Message]: ...
    @property
    def reasoning_message(self) -> Optional[ReasoningMessage]: ...
    @property
    def is_unknown(self) -> bool: ...

@final
class Response(_Model):
    @property
    def response_id(self) -> str: ...
    @property
    def conversation_id(self) -> str: ...
    @property
    def status(self) -> ResponseStatus: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def completed_at(self) -> Optional[datetime.datetime]: ...
    @property
    def updated_at(self) -> Optional[datetime.datetime]: ...
    @property
    def outputs(self) -> List[OutputItem]: ...
    @property
    def error(self) -> Optional[ResponseError]: ...
    @property
    def is_terminal(self) -> bool: ...
    @property
    def request_id(self) -> Optional[str]:
        """The ``x-moveworks-root-uuid`` of the HTTP answer this value came from (quote it to support).

        None for a value built with ``from_json``; not in ``to_dict()``, ignored by ``==``.
        """
    @property
    def http_headers(self) -> Optional[Dict[str, str]]:
        """The headers of the HTTP answer this value came from (names lowercase), e.g.
        ``http_headers["x-moveworks-root-uuid"]``.

        None for a value built with ``from_json``; not in ``to_dict()``, ignored by ``==``.
        """
    def assistant_text(self) -> Optional[str]: ...
    def assistant_messages(self) -> List[Message]: ...
    def reasoning_messages(self) -> List[ReasoningMessage]: ...

@final
class ResponseError(_Model):
    """The ``error`` object of a FAILED response."""
    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...

@final
class EventPayload(_Model):
    @property
    def type(self) -> str: ...
    @property
    def message(self) -> Optional[Message]: ...
    @property
    def is_unknown(self) -> bool: ...

@final
class Event(_Model):
    @property
    def event_id(self) -> str: ...
    @property
    def conversation_id(self) -> str: ...
    @property
    def created_at(self) -> Optional[datetime.datetime]:
        """When it happened (rest/v1; None on v1beta1)."""
    @property
    def payload(self) -> EventPayload: ...

class _StreamEventBase:
    def to_json(self) -> str:
        """The event as JSON, from the core's serializer: ``{"event": NAME, "sequence_number": n, ...its fields}``."""
    def to_dict(self) -> Any:
        """``to_json()`` as plain dicts and lists."""
    @property
    def sequence_number(self) -> Optional[int]:
        """The server's event counter (1, 2, … over the stream); None when the event carried none.

        Deltas a turn finished by polling delivers have None.
        """
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class ResponseCreated(_StreamEventBase):
    """``RESPONSE_CREATED``: the server accepted the message and named the response."""
    @property
    def event(self) -> Literal["RESPONSE_CREATED"]: ...
    @property
    def response_id(self) -> str: ...
    @property
    def conversation_id(self) -> Optional[str]: ...
    @property
    def status(self) -> Optional[ResponseStatus]: ...
    @property
    def response(self) -> Optional[Response]:
        """The newly created response, as the server sent it."""

@final
class ResponseInProgress(_StreamEventBase):
    """``RESPONSE_IN_PROGRESS``: the assistant is working on the response."""
    @property
    def event(self) -> Literal["RESPONSE_IN_PROGRESS"]: ...
    @property
    def response_id(self) -> Optional[str]: ...
    @property
    def status(self) -> Optional[ResponseStatus]: ...
    @property
    def response(self) -> Optional[Response]:
        """The response so far, as the server sent it."""

@final
class ResponseOutputDelta(_StreamEventBase):
    """``RESPONSE_OUTPUT_DELTA``: one output grew; ``output`` is the whole item so far.

    Also what a turn finished by polling delivers for each output that grew (with
    ``sequence_number`` None).
    """
    @property
    def event(self) -> Literal["RESPONSE_OUTPUT_DELTA"]: ...
    @property
    def response_id(self) -> Optional[str]: ...
    @property
    def output_type(self) -> str:
        """The output's type (``output.type``), e.g. ``"MESSAGE"`` or ``"REASONING_MESSAGE"``."""
    @property
    def output(self) -> OutputItem: ...

OutputDelta = ResponseOutputDelta
"""**Deprecated** alias of ``ResponseOutputDelta`` (the same class), the event's name before the published API."""

@final
class ResponseCompleted(_StreamEventBase):
    """``RESPONSE_COMPLETED``: the last event of a successful turn, carrying the final response.

    A live-agent handoff completes with no outputs, and is a success.
    """
    @property
    def event(self) -> Literal["RESPONSE_COMPLETED"]: ...
    @property
    def response_id(self) -> Optional[str]: ...
    @property
    def status(self) -> ResponseStatus: ...
    @property
    def response(self) -> Optional[Response]: ...

@final
class ResponseFailed(_StreamEventBase):
    """``RESPONSE_FAILED``: the response failed (``response.error`` says why); ``ResponseFailedError`` follows."""
    @property
    def event(self) -> Literal["RESPONSE_FAILED"]: ...
    @property
    def response_id(self) -> Optional[str]: ...
    @property
    def response(self) -> Optional[Response]:
        """The failed response with its ``error``, when the server includes it."""

@final
class ErrorEvent(_StreamEventBase):
    """``ERROR``: the server reported an error mid-stream, which then ends.

    The message was already accepted (never send it again): the turn is finished by
    polling when the response id is known, else raises the error the code maps to.
    """
    @property
    def event(self) -> Literal["ERROR"]: ...
    @property
    def code(self) -> str:
        """The server's machine-readable code, verbatim (``""`` when none was sent)."""
    @property
    def message(self) -> str:
        """The server's description."""

@final
class UnknownStreamEvent(_StreamEventBase):
    """An event name this SDK version does not know, kept raw (never an error)."""
    @property
    def event(self) -> str: ...
    @property
    def data(self) -> str: ...

_StreamEvent = Union[
    ResponseCreated,
    ResponseInProgress,
    ResponseOutputDelta,
    ResponseCompleted,
    ResponseFailed,
    ErrorEvent,
    UnknownStreamEvent,
]
"""One event of a streamed turn (``moveworks.StreamEvent``): a ``match`` on its class, or its ``event`` name, narrows it."""
_OnEvent = Callable[[_StreamEvent], Optional[bool]]

@final
class ResponseStream:
    """A streamed answer: iterate it for the events, then read ``response``.

    Each step blocks with the GIL released; Ctrl-C interrupts it. ``close()`` is
    thread-safe; leaving a ``with`` block or dropping the object closes the connection.
    """
    def __iter__(self) -> "ResponseStream": ...
    def __next__(self) -> _StreamEvent: ...
    def __enter__(self) -> "ResponseStream": ...
    def __exit__(self, *_args: Any) -> bool: ...
    def finish(self) -> Response:
        """Reads the remaining events; the final Response, or raises the turn's error."""
    def final_response(self) -> Response:
        """The final Response: after a successful loop, the one its ``RESPONSE_COMPLETED``
        carried; otherwise the remaining events are read (and discarded) first. Raises the
        turn's error instead (e.g. ``ResponseFailedError``, ``WaitCancelledError`` once
        closed). Callable more than once (as Node's ``finalResponse()``)."""
    def close(self) -> None:
        """Stops the turn and closes the connection (thread-safe, idempotent)."""
    @property
    def response(self) -> Optional[Response]: ...
    @property
    def response_id(self) -> Optional[str]: ...
    @property
    def request_id(self) -> Optional[str]: ...

@final
class ConversationIterator:
    def __iter__(self) -> "ConversationIterator": ...
    def __next__(self) -> Conversation: ...
    def next_page(self) -> Optional[ConversationPage]: ...
    def _next_page_async(self) -> "asyncio.Future[Optional[ConversationPage]]": ...
    def is_exhausted(self) -> bool: ...

@final
class EventIterator:
    def __iter__(self) -> "EventIterator": ...
    def __next__(self) -> Event: ...
    def next_page(self) -> Optional[EventPage]: ...
    def _next_page_async(self) -> "asyncio.Future[Optional[EventPage]]": ...
    def is_exhausted(self) -> bool: ...

@final
class MessageIterator:
    """Iterates over a conversation's messages, newest first, following cursors lazily."""
    def __iter__(self) -> "MessageIterator": ...
    def __next__(self) -> Message: ...
    def next_page(self) -> Optional[MessagePage]: ...
    def _next_page_async(self) -> "asyncio.Future[Optional[MessagePage]]": ...
    def is_exhausted(self) -> bool: ...

@final
class ResponseMessageIterator:
    """Iterates over one response's messages, following cursors lazily."""
    def __iter__(self) -> "ResponseMessageIterator": ...
    def __next__(self) -> Message: ...
    def next_page(self) -> Optional[MessagePage]: ...
    def _next_page_async(self) -> "asyncio.Future[Optional[MessagePage]]": ...
    def is_exhausted(self) -> bool: ...

@final
class Client:
    """A client of the Moveworks Conversations API. Thread-safe."""
    def __new__(cls, **options: Unpack[ClientOptions]) -> "Client": ...
    @classmethod
    def from_env(cls, **options: Unpack[ClientOptions]) -> "Client": ...
    def for_user(self, provider: Callable[[], Union[str, Tuple[str, float]]]) -> "Client":
        """A view acting for one user: ``provider()`` gives its bearer (``str`` or ``(token, seconds_valid)``),
        cached, refreshed before it expires, asked again once after a 401; connections and options are shared."""
    def for_user_token(self, token: str) -> "Client":
        """A view acting for the one user ``token`` (an API key bound to a user) belongs to."""
    def with_options(
        self,
        *,
        timeout: Optional[float] = None,
        deadline: Optional[float] = None,
        max_retries: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Union[str, int, float, bool]]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
    ) -> "Client":
        """A client sharing this one's connections and token cache, with other per-call
        limits and additions: ``extra_headers`` (headers the SDK sets, such as
        ``Authorization``, are refused with ``InvalidArgumentError``), ``extra_query``,
        ``extra_body`` (merged into each JSON body; a call without a body refuses it)."""
    @property
    def base_url(self) -> str: ...
    @property
    def user_agent(self) -> str: ...
    def __enter__(self) -> "Client": ...
    def __exit__(
        self, *_args: Any
    ) -> bool: ...
    def close(self) -> None: ...
    def list_conversations(
        self, *, limit: Optional[int] = None, cursor: Optional[str] = None, archived: Optional[bool] = None
    ) -> ConversationPage: ...
    def iter_conversations(
        self, *, limit: Optional[int] = None, archived: Optional[bool] = None, cursor: Optional[str] = None
    ) -> ConversationIterator: ...
    def create_conversation(self, title: Optional[str] = None) -> Conversation: ...
    def get_conversation(self, conversation_id: str) -> Conversation: ...
    def update_conversation(
        self, conversation_id: str, *, title: Optional[str] = None, archived: Optional[bool] = None
    ) -> Conversation: ...
    def list_events(
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
    def iter_events(
        self,
        conversation_id: Optional[str] = None,
        *,
        starting_after: Optional[str] = None,
        ending_at: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        start_event_id: Optional[str] = None,
        last_event_id: Optional[str] = None,
    ) -> EventIterator:
        """Every event, fetching pages lazily (deprecated aliases as in ``list_events``)."""
    def list_messages(
        self, conversation_id: str, *, cursor: Optional[str] = None, limit: Optional[int] = None
    ) -> MessagePage:
        """One page of a conversation's messages (the user's and the assistant's), newest first."""
    def iter_messages(
        self, conversation_id: str, *, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> MessageIterator:
        """Every message of a conversation, newest first, fetching pages lazily."""
    def list_response_messages(
        self, conversation_id: str, response_id: str, *, cursor: Optional[str] = None, limit: Optional[int] = None
    ) -> MessagePage:
        """The messages of one response: the user's input and the assistant's final messages."""
    def iter_response_messages(
        self, conversation_id: str, response_id: str, *, limit: Optional[int] = None, cursor: Optional[str] = None
    ) -> ResponseMessageIterator:
        """Every message of one response, fetching pages lazily."""
    def submit_feedback(
        self,
        conversation_id: str,
        response_id: str,
        message_id: str,
        callback_id: str,
        *,
        additional_feedback: Optional[str] = None,
    ) -> FeedbackResult:
        """Rates an assistant message with ``message.feedback.helpful/unhelpful.callback_id``.

        ``additional_feedback`` is at most 1,000 characters; an empty ``callback_id`` or a
        longer text raises ``InvalidArgumentError`` before anything is sent.
        """
    def create_response(self, conversation_id: str, text: Union[str, "Input"]) -> Response:
        """Sends a user message (a ``str``: a typed turn; or an ``Input``); returns at once with a response to poll."""
    def get_response(self, conversation_id: str, response_id: str) -> Response: ...
    def press(self, conversation_id: str, action: Action) -> Response:
        """Presses a button (a ``CALLBACK_ACTION`` of ``Message.actions``): its callback id is the next turn.

        rest/v1. A URL or form button raises ``InvalidArgumentError`` (``action``).
        """
    def get_event(self, conversation_id: str, event_id: str) -> Event:
        """One event (what a webhook delivery points at), rest/v1; ``"-"`` as the conversation is refused."""
    def get_modal(self, modal: "ModalRef") -> "Modal":
        """Gets a form (rest/v1): ``modal`` is ``message.modal_ref(action)`` of a ``MODAL_ACTION``.

        A stale or unknown modal id is ``NotFoundError`` whose message says to re-read the
        message for a fresh id (modal ids are minted per message read).
        """
    def refresh_modal(self, previous: "Modal", values: "ModalValues") -> "Modal":
        """Re-resolves a form after a field that ``triggers_refresh`` changed, with **all** current values (rest/v1).

        ``previous`` is the form as fetched (``get_modal`` or an earlier refresh): the
        answer gets its choice options re-applied. ``values`` maps field names to a wire
        value dict (``{"option": "mac"}``, ``{"text": ...}``, ``{"bool": True}``,
        ``{"options": [...]}``, ``{"date": "2026-12-01"}``; another dict is sent as given)
        or to a ``str`` a person typed, read by that field (``ModalField.value_from_text``).
        """
    def submit_modal(self, modal: Union["ModalRef", "Modal"], values: "ModalValues") -> "ModalSubmitResult":
        """Submits a form (rest/v1): ``modal`` is its ``ModalRef`` or the ``Modal`` as fetched
        (which also reads ``str`` values); ``values`` as in ``refresh_modal``.

        The answer only acknowledges; the follow-up arrives as new messages or events. A
        missing required value is ``BadRequestError``; once submitted the modal id is stale.
        """
    def follow_events(
        self,
        checkpoint: Union[str, "os.PathLike[str]", "CheckpointStore", None],
        *,
        replay: bool = False,
        page_size: Optional[int] = None,
        interval: float = 6.0,
        max_backoff: float = 60.0,
        cancel: Optional[CancelToken] = None,
    ) -> "EventsFollower":
        """An ``EventsFollower`` of this client's events feed (one per user, with its own checkpoint).

        ``checkpoint``: a file path (written atomically), a ``CheckpointStore`` (``load()``
        and ``save(checkpoint)``), or None (in memory). ``replay``: on a fresh checkpoint,
        deliver the events already in the feed (default: only later ones). ``page_size`` 1
        to 100; ``interval`` seconds between polls (default 6: event polls share the rate
        limit of history reads); ``max_backoff`` the longest wait after a failure;
        ``cancel`` stops it. Nothing is sent yet.
        """
    def wait_for_response(
        self,
        conversation_id: str,
        response_id: str,
        *,
        deadline: Optional[float] = None,
        initial_interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        backoff_factor: Optional[float] = None,
        cancel: Optional[CancelToken] = None,
        on_update: Optional[_OnUpdate] = None,
    ) -> Response: ...
    def create_response_and_wait(
        self,
        conversation_id: str,
        text: Union[str, "Input"],
        *,
        deadline: Optional[float] = None,
        initial_interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        backoff_factor: Optional[float] = None,
        cancel: Optional[CancelToken] = None,
        on_update: Optional[_OnUpdate] = None,
    ) -> Response: ...

    def stream_response(
        self,
        conversation_id: str,
        text: Union[str, "Input"],
        *,
        idle_timeout: Optional[float] = None,
        deadline: Optional[float] = None,
        initial_interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        backoff_factor: Optional[float] = None,
        on_update: Optional[_OnUpdate] = None,
    ) -> ResponseStream: ...
    def stream_response_and_wait(
        self,
        conversation_id: str,
        text: Union[str, "Input"],
        *,
        on_event: Optional[_OnEvent] = None,
        idle_timeout: Optional[float] = None,
        deadline: Optional[float] = None,
        initial_interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        backoff_factor: Optional[float] = None,
        cancel: Optional[CancelToken] = None,
        on_update: Optional[_OnUpdate] = None,
    ) -> Response: ...

@final
class AsyncCore:
    """Awaitable forms of the client's calls (used by AsyncClient)."""
    def __new__(cls, client: Client) -> "AsyncCore": ...
    def list_conversations(
        self, *, limit: Optional[int] = None, cursor: Optional[str] = None, archived: Optional[bool] = None
    ) -> "asyncio.Future[ConversationPage]": ...
    def create_conversation(self, title: Optional[str] = None) -> "asyncio.Future[Conversation]": ...
    def get_conversation(self, conversation_id: str) -> "asyncio.Future[Conversation]": ...
    def update_conversation(
        self, conversation_id: str, *, title: Optional[str] = None, archived: Optional[bool] = None
    ) -> "asyncio.Future[Conversation]": ...
    def list_events(
        self,
        conversation_id: Optional[str] = None,
        *,
        starting_after: Optional[str] = None,
        ending_at: Optional[str] = None,
        cursor: Optional[str] = None,
        limit: Optional[int] = None,
        start_event_id: Optional[str] = None,
        last_event_id: Optional[str] = None,
    ) -> "asyncio.Future[EventPage]": ...
    def iter_events(
        self,
        conversation_id: Optional[str] = None,
        *,
        starting_after: Optional[str] = None,
        ending_at: Optional[str] = None,
        limit: Optional[int] = None,
        cursor: Optional[str] = None,
        start_event_id: Optional[str] = None,
        last_event_id: Optional[str] = None,
    ) -> EventIterator: ...
    def list_messages(
        self, conversation_id: str, *, cursor: Optional[str] = None, limit: Optional[int] = None
    ) -> "asyncio.Future[MessagePage]": ...
    def list_response_messages(
        self, conversation_id: str, response_id: str, *, cursor: Optional[str] = None, limit: Optional[int] = None
    ) -> "asyncio.Future[MessagePage]": ...
    def submit_feedback(
        self,
        conversation_id: str,
        response_id: str,
        message_id: str,
        callback_id: str,
        *,
        additional_feedback: Optional[str] = None,
    ) -> "asyncio.Future[FeedbackResult]": ...
    def create_response(self, conversation_id: str, text: Union[str, "Input"]) -> "asyncio.Future[Response]": ...
    def get_response(self, conversation_id: str, response_id: str) -> "asyncio.Future[Response]": ...
    def press(self, conversation_id: str, action: Action) -> "asyncio.Future[Response]": ...
    def get_event(self, conversation_id: str, event_id: str) -> "asyncio.Future[Event]": ...
    def get_modal(self, modal: "ModalRef") -> "asyncio.Future[Modal]": ...
    def refresh_modal(self, previous: "Modal", values: "ModalValues") -> "asyncio.Future[Modal]": ...
    def submit_modal(
        self, modal: Union["ModalRef", "Modal"], values: "ModalValues"
    ) -> "asyncio.Future[ModalSubmitResult]": ...
    def wait_for_response(
        self,
        conversation_id: str,
        response_id: str,
        *,
        deadline: Optional[float] = None,
        initial_interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        backoff_factor: Optional[float] = None,
        cancel: Optional[CancelToken] = None,
        on_update: Optional[_OnUpdate] = None,
    ) -> "asyncio.Future[Response]": ...
    def create_response_and_wait(
        self,
        conversation_id: str,
        text: Union[str, "Input"],
        *,
        deadline: Optional[float] = None,
        initial_interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        backoff_factor: Optional[float] = None,
        cancel: Optional[CancelToken] = None,
        on_update: Optional[_OnUpdate] = None,
    ) -> "asyncio.Future[Response]": ...
    def stream_response(
        self,
        conversation_id: str,
        text: Union[str, "Input"],
        *,
        idle_timeout: Optional[float] = None,
        deadline: Optional[float] = None,
        initial_interval: Optional[float] = None,
        max_interval: Optional[float] = None,
        backoff_factor: Optional[float] = None,
        cancel: Optional[CancelToken] = None,
        on_update: Optional[_OnUpdate] = None,
    ) -> AsyncStream: ...

_Batch = Tuple[List[_StreamEvent], Union[None, bool, BaseException]]
"""What an ``AsyncStream`` hands over at once: the events read since the last take and
how the turn ended: None (more to come), True (over), or the exception it failed with."""

@final
class AsyncStream:
    """A streamed turn read ahead on a thread of its own (used by AsyncResponseStream)."""
    def take(self) -> Optional[_Batch]: ...
    def take_or_wake(self, waker: LoopWaker, target: Any) -> Optional[_Batch]: ...
    def take_or_call(self, callback: Callable[[], object]) -> Optional[_Batch]: ...
    def close(self) -> None: ...
    @property
    def response(self) -> Optional[Response]: ...
    @property
    def response_id(self) -> Optional[str]: ...
    @property
    def request_id(self) -> Optional[str]: ...

@final
class LoopWaker:
    """One event loop's wake-up socket: reader threads queue ready streams on it."""
    def __new__(cls) -> "LoopWaker": ...
    def fileno(self) -> int: ...
    def drain(self) -> List[Any]: ...

@final
class Input:
    """The input of one turn where a plain ``str`` is not what you mean (rest/v1's variants).

    Accepted wherever a turn's text is (``create_response``, ``create_response_and_wait``,
    ``stream_response``, ``stream_response_and_wait``); a plain ``str`` stays a typed turn
    in the client's generation. Checked when the turn is sent (empty text:
    ``InvalidArgumentError`` ``text``; a v1-only input on rest/v1beta1: ``input``).
    """
    @staticmethod
    def chat(text: str) -> "Input":
        """``{"chat": {"text": text}}`` (rest/v1)."""
    @staticmethod
    def text(text: str) -> "Input":
        """``{"text": text}`` (both generations)."""
    @staticmethod
    def callback(callback_id: str) -> "Input":
        """``{"callback_id": callback_id}``: a button press, the id passed back exactly as received."""
    @staticmethod
    def raw(input: Dict[str, Any]) -> "Input":
        """Any other input object, sent as given (e.g. ``{"action": {...}}``): a non-empty JSON-serializable dict."""
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...

@final
class ModalRef(_Model):
    """Where a form lives: the message that offered it and the ``modal_id`` of its ``MODAL_ACTION``.

    Modal ids are minted per message read: take a fresh one from the copy of the message
    you just read (``Message.modal_ref(action)``).
    """
    def __new__(cls, conversation_id: str, response_id: str, message_id: str, modal_id: str) -> "ModalRef": ...
    @property
    def conversation_id(self) -> str: ...
    @property
    def response_id(self) -> str: ...
    @property
    def message_id(self) -> str: ...
    @property
    def modal_id(self) -> str: ...

@final
class ChoiceOption(_Model):
    """One option of a ``CHOICE`` field."""
    @property
    def value(self) -> str:
        """What to send (``{"option": value}``)."""
    @property
    def display_value(self) -> Optional[str]:
        """What to show (None: show the value)."""

@final
class ModalField(_Model):
    """One field of a ``Modal``: ``type`` says what it asks for (``DISPLAY``, ``TEXT``, ``DATE``,
    ``DATETIME``, ``BOOLEAN``, ``CHOICE``, ``FILE``; unknown kinds kept); the kind's settings
    are the attributes that apply to it (None otherwise)."""
    @property
    def name(self) -> str:
        """The key of its value in ``values``."""
    @property
    def type(self) -> str: ...
    @property
    def label(self) -> Optional[str]: ...
    @property
    def description(self) -> Optional[str]: ...
    @property
    def visible(self) -> bool:
        """Whether to render it; hidden fields are neither required nor submitted."""
    @property
    def required(self) -> bool: ...
    @property
    def read_only(self) -> bool: ...
    @property
    def triggers_refresh(self) -> bool:
        """Whether changing it calls for ``Client.refresh_modal`` with all current values."""
    @property
    def is_unknown(self) -> bool: ...
    @property
    def text(self) -> Optional[str]:
        """``DISPLAY``: the text shown (may contain HTML)."""
    @property
    def style(self) -> Optional[str]:
        """``DISPLAY``: ``HEADER``, ``SUBTLE``, ``NORMAL`` or another style."""
    @property
    def multiline(self) -> Optional[bool]:
        """``TEXT``: several lines."""
    @property
    def multi(self) -> Optional[bool]:
        """``CHOICE``: several options may be chosen."""
    @property
    def allows_free_input(self) -> Optional[bool]:
        """``CHOICE``: the user may type a value of their own."""
    @property
    def options(self) -> Optional[List[ChoiceOption]]:
        """``CHOICE``: its options (after a refresh, those of the form as fetched before)."""
    @property
    def prefill(self) -> Union[str, bool, List[ChoiceOption], None]:
        """The value to start with: ``str`` (TEXT, DATE, DATETIME), ``bool`` (BOOLEAN), the chosen options (CHOICE)."""
    @property
    def config(self) -> Any:
        """``DISPLAY`` and ``FILE``: the kind's whole configuration object, as plain dicts and lists."""
    def value_from_text(self, text: str) -> Dict[str, Any]:
        """The wire value dict this field takes from text a person typed (a choice's value or
        label; true/false for BOOLEAN; comma-separated for a multi CHOICE); ``InvalidArgumentError``
        naming the field for a kind that takes no text (DISPLAY, FILE, unknown)."""

@final
class Modal(_Model):
    """A form, as ``Client.get_modal`` and ``Client.refresh_modal`` return it."""
    @property
    def modal_id(self) -> str: ...
    @property
    def title(self) -> Optional[str]: ...
    @property
    def fields(self) -> List[ModalField]:
        """Its fields, in the order to render them (visibility and requirements resolved by the server)."""
    def visible_fields(self) -> List[ModalField]: ...
    def field(self, name: str) -> Optional[ModalField]: ...
    @property
    def source(self) -> Optional[ModalRef]:
        """Where it was fetched from (None for a value built with ``from_json``; not in ``to_dict()``)."""
    def with_source(self, source: ModalRef) -> "Modal":
        """This form with ``source`` set (a form kept as JSON can then be refreshed)."""
    @property
    def request_id(self) -> Optional[str]: ...
    @property
    def http_headers(self) -> Optional[Dict[str, str]]: ...

@final
class ModalSubmitResult(_Model):
    """The acknowledgement of ``submit_modal`` (the follow-up arrives as new messages or events)."""
    @property
    def status(self) -> str:
        """``"SUBMITTED"`` or another status, verbatim."""
    @property
    def receipt_text(self) -> Optional[str]: ...
    @property
    def request_id(self) -> Optional[str]: ...
    @property
    def http_headers(self) -> Optional[Dict[str, str]]: ...

_Verifier = Callable[[List[Tuple[str, str]], bytes], object]

@final
class WebhookDelivery:
    """One outbound webhook delivery of Moveworks: ``{"id": "evt_…", "data": {"conversation_id", "user_id"}}``.

    It only points at the content: ``fetch(client)`` gets the event with a client acting
    for ``user_id``. ``id`` is the key to drop a repeat (by webhook again, or by polling).
    """
    @classmethod
    def parse(
        cls,
        body: Union[bytes, bytearray, memoryview, str],
        *,
        headers: Union[Mapping[str, str], Iterable[Tuple[str, str]], None] = None,
        verifier: Optional[_Verifier] = None,
    ) -> "WebhookDelivery":
        """Reads a delivery from the raw request body.

        With ``verifier``, your ``verifier(headers, body)`` runs first with the request's
        headers (as ``(name, value)`` pairs) and the raw body bytes; raising rejects the
        delivery (the exception propagates, nothing is parsed). Moveworks' signing scheme is
        not public, so the SDK ships no verifier. ``headers`` without a ``verifier`` is
        ``InvalidArgumentError`` (``verifier``). A body that is not a JSON object is
        ``DecodeError``; a missing ``id``, ``data``, ``data.conversation_id`` or
        ``data.user_id`` is ``InvalidArgumentError`` naming it.
        """
    @property
    def id(self) -> str: ...
    @property
    def conversation_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def event_type(self) -> Optional[str]:
        """``"CONVERSATION_RESPONSE_RECEIVED"`` when the delivery names a type; None is normal."""
    @property
    def is_conversation_response(self) -> bool: ...
    @property
    def raw(self) -> Dict[str, Any]:
        """The whole body as received, unknown members included."""
    def fetch(self, client: Client) -> Event:
        """Fetches the event (``client`` acts for ``user_id``; another user's gets ``NotFoundError``)."""
    def fetch_async(self, client: Any) -> "asyncio.Future[Event]":
        """``fetch`` for an ``AsyncClient``: ``await delivery.fetch_async(async_client)``."""

_Handler = Callable[[Event], object]

@final
class EventsFollower:
    """Follows one user's events feed, each event once, in order, keeping its place in a checkpoint.

    At-least-once across a crash (drop repeats by ``event.event_id``). ``handler(event)``
    returning exactly False (or raising) means "not handled": not saved, delivered again
    later. Waits release the GIL; Ctrl-C stops it. One call at a time.
    """
    def poll_once(self, handler: _Handler) -> int:
        """One poll (with its pages), handling what is new; returns how many were handled."""
    def run(self, handler: _Handler) -> None:
        """Follows until ``cancel()`` or Ctrl-C (or ``handler`` returns False)."""
    def __iter__(self) -> "EventsFollower": ...
    def __next__(self) -> Event:
        """The next event, waiting as long as it takes (the previous one's checkpoint is saved first)."""
    def _next_async(self) -> "asyncio.Future[Optional[Event]]": ...
    def commit(self) -> None:
        """Saves the checkpoint of the last event the iteration yielded."""
    def cancel(self) -> None:
        """Stops it (from any thread, or the handler); final."""
    @property
    def is_cancelled(self) -> bool: ...
    @property
    def checkpoint(self) -> Optional[str]:
        """The last checkpoint saved (an event id; ``""``: from the start of an empty feed; None before the first poll)."""
