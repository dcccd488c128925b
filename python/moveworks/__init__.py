"""Client for the Moveworks (Beta) Conversations API.

The work happens in the shared Rust core (retries, OAuth, validation, polling);
this package converts it to Python: :class:`Client` (blocking, thread-safe, the
GIL released during I/O), :class:`AsyncClient` (asyncio), models with attribute
access and ``to_dict()``, and one exception class per error kind.

Logs go to ``logging.getLogger("moveworks")`` (see ``moveworks._logging``): the
level follows that logger and ``MOVEWORKS_LOG``, or :func:`set_log_level`.
"""

from ._moveworks import (
    ALL_CONVERSATIONS,
    DEFAULT_BASE_URL,
    ERROR_KINDS,
    RESPONSE_STATUSES,
    ACTORS,
    FEEDBACK_STATUSES,
    REQUEST_ID_HEADER,
    CancelToken,
    ChoiceOption,
    Citation,
    CitationAttribute,
    CitationDisplay,
    Client,
    Action,
    ContentReference,
    Content,
    Conversation,
    ConversationIterator,
    ConversationPage,
    Event,
    EventIterator,
    EventPage,
    EventPayload,
    EventsFollower,
    ErrorEvent,
    FeedbackOption,
    FeedbackResult,
    FileRef,
    Handoff,
    HandoffCategory,
    HandoffItem,
    Input,
    Message,
    MessageFeedback,
    MessageIterator,
    MessagePage,
    Modal,
    ModalField,
    ModalRef,
    ModalSubmitResult,
    OutputDelta,
    OutputItem,
    ReasoningMessage,
    Response,
    ResponseCompleted,
    ResponseCreated,
    ResponseError,
    ResponseFailed,
    ResponseInProgress,
    ResponseMessageIterator,
    ResponseOutputDelta,
    ResponseStream,
    SenderInfo,
    UnknownStreamEvent,
    WebhookDelivery,
    __version__,
    log_level,
    set_log_level,
)
from ._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    DecodeError,
    InternalServerError,
    InvalidArgumentError,
    MoveworksError,
    NotFoundError,
    OAuthError,
    PermissionDeniedError,
    PollTimeoutError,
    RateLimitError,
    ResponseFailedError,
    WaitCancelledError,
    error_class,
)
from ._async import AsyncClient, AsyncEventsFollower, AsyncResponseStream


def _log_from_env() -> None:
    # MOVEWORKS_LOG: a stderr handler on the `moveworks` logger, unless it has one.
    # Without it, `logging` is not imported (records are then off: the default level
    # is warn and the core has no warn records).
    import os

    value = os.environ.get("MOVEWORKS_LOG")
    if value:
        from . import _logging

        _logging._setup_from_env(value)


_log_from_env()

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._enums import Actor, FeedbackStatus, ResponseStatus
    from ._moveworks import _StreamEvent as StreamEvent
    from ._types import CheckpointStore, ModalValues


def __getattr__(name: str) -> object:
    # The enums load on first use: importing `enum` would add milliseconds to `import moveworks`.
    if name in ("Actor", "FeedbackStatus", "ResponseStatus"):
        from . import _enums

        return getattr(_enums, name)
    if name in ("CheckpointStore", "ModalValues"):
        # Annotations only; loaded on use, as they import `typing`.
        from . import _types

        return getattr(_types, name)
    if name == "StreamEvent":
        # The union of the event classes, for annotations (`match` narrows it).
        from typing import Union

        return Union[
            ResponseCreated,
            ResponseInProgress,
            ResponseOutputDelta,
            ResponseCompleted,
            ResponseFailed,
            ErrorEvent,
            UnknownStreamEvent,
        ]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ALL_CONVERSATIONS",
    "DEFAULT_BASE_URL",
    "ERROR_KINDS",
    "RESPONSE_STATUSES",
    "ACTORS",
    "FEEDBACK_STATUSES",
    "REQUEST_ID_HEADER",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "Action",
    "Actor",
    "AsyncClient",
    "AsyncEventsFollower",
    "AsyncResponseStream",
    "AuthenticationError",
    "BadRequestError",
    "CancelToken",
    "CheckpointStore",
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
    "DecodeError",
    "ErrorEvent",
    "Event",
    "EventIterator",
    "EventPage",
    "EventPayload",
    "EventsFollower",
    "FeedbackOption",
    "FeedbackResult",
    "FeedbackStatus",
    "FileRef",
    "Handoff",
    "HandoffCategory",
    "HandoffItem",
    "Input",
    "InternalServerError",
    "InvalidArgumentError",
    "Message",
    "MessageFeedback",
    "MessageIterator",
    "MessagePage",
    "Modal",
    "ModalField",
    "ModalRef",
    "ModalSubmitResult",
    "ModalValues",
    "MoveworksError",
    "NotFoundError",
    "OAuthError",
    "OutputDelta",
    "OutputItem",
    "PermissionDeniedError",
    "PollTimeoutError",
    "RateLimitError",
    "ReasoningMessage",
    "Response",
    "ResponseCompleted",
    "ResponseCreated",
    "ResponseError",
    "ResponseFailed",
    "ResponseFailedError",
    "ResponseInProgress",
    "ResponseMessageIterator",
    "ResponseOutputDelta",
    "ResponseStatus",
    "ResponseStream",
    "SenderInfo",
    "StreamEvent",
    "UnknownStreamEvent",
    "WebhookDelivery",
    "WaitCancelledError",
    "__version__",
    "error_class",
    "log_level",
    "set_log_level",
]
