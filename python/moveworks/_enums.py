"""String enums of the API that keep values this SDK version does not know.

The API is beta: a new status or actor can appear any day. Looking up an unknown
value returns a pseudo-member (``is_unknown`` is True) instead of raising, so
code comparing against the known members keeps working.
"""

from __future__ import annotations

import _thread
import enum

# Not `from typing import ...` nor `threading`: each costs milliseconds of import time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

_lock = _thread.allocate_lock()


class _OpenEnum(str, enum.Enum):
    """A ``str`` enum whose lookup never fails on a new server value."""

    @classmethod
    def _missing_(cls, value: object) -> Optional[Any]:
        if not isinstance(value, str):
            return None
        with _lock:
            existing = cls._value2member_map_.get(value)
            if existing is not None:
                return existing
            member = str.__new__(cls, value)
            member._name_ = value
            member._value_ = value
            # Cached so that equal unknown values are the same object.
            cls._value2member_map_[value] = member
            return member

    @property
    def is_unknown(self) -> bool:
        """True when this value is not one this SDK version knows."""
        return self._name_ not in type(self).__members__

    def __str__(self) -> str:
        return str(self.value)


class ResponseStatus(_OpenEnum):
    """Processing status of a :class:`Response`."""

    CREATED = "CREATED"
    """Accepted; the assistant has not started."""
    IN_PROGRESS = "IN_PROGRESS"
    """The assistant is working on the answer."""
    COMPLETED = "COMPLETED"
    """The answer is complete (terminal)."""
    FAILED = "FAILED"
    """The assistant could not answer (terminal); the response's ``error`` says why."""


class FeedbackStatus(_OpenEnum):
    """Status of a submitted feedback (:class:`FeedbackResult`)."""

    SUBMITTED = "SUBMITTED"
    """The feedback was recorded."""


class Actor(_OpenEnum):
    """Who wrote a :class:`Message`."""

    USER = "USER"
    """The user who asks."""
    ASSISTANT = "ASSISTANT"
    """The assistant."""
    LIVE_AGENT = "LIVE_AGENT"
    """A human agent the conversation was handed off to (rest/v1); ``Message.sender_info`` says who."""
