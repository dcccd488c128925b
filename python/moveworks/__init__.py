"""Client for the Moveworks (Beta) Conversations API.

The work happens in the shared Rust core (retries, OAuth, validation, polling);
this package converts it to Python: :class:`Client` (blocking, thread-safe, the
GIL released during I/O), :class:`AsyncClient` (asyncio), models with attribute
access and ``to_dict()``, and one exception class per error kind.
"""

from ._moveworks import (
    ALL_CONVERSATIONS,
    DEFAULT_BASE_URL,
    ERROR_KINDS,
    RESPONSE_STATUSES,
    ACTORS,
    REQUEST_ID_HEADER,
    CancelToken,
    Citation,
    CitationDisplay,
    Client,
    Content,
    Conversation,
    ConversationIterator,
    ConversationPage,
    Event,
    EventIterator,
    EventPage,
    EventPayload,
    Message,
    OutputItem,
    ReasoningMessage,
    Response,
    ResponseError,
    __version__,
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
from ._async import AsyncClient

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ._enums import Actor, ResponseStatus


def __getattr__(name: str) -> object:
    # The enums load on first use: importing `enum` would add milliseconds to `import moveworks`.
    if name in ("Actor", "ResponseStatus"):
        from . import _enums

        return getattr(_enums, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "ALL_CONVERSATIONS",
    "DEFAULT_BASE_URL",
    "ERROR_KINDS",
    "RESPONSE_STATUSES",
    "ACTORS",
    "REQUEST_ID_HEADER",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "Actor",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "CancelToken",
    "Citation",
    "CitationDisplay",
    "Client",
    "Content",
    "Conversation",
    "ConversationIterator",
    "ConversationPage",
    "DecodeError",
    "Event",
    "EventIterator",
    "EventPage",
    "EventPayload",
    "InternalServerError",
    "InvalidArgumentError",
    "Message",
    "MoveworksError",
    "NotFoundError",
    "OAuthError",
    "OutputItem",
    "PermissionDeniedError",
    "PollTimeoutError",
    "RateLimitError",
    "ReasoningMessage",
    "Response",
    "ResponseError",
    "ResponseFailedError",
    "ResponseStatus",
    "WaitCancelledError",
    "__version__",
    "error_class",
]
