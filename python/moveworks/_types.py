"""Types for annotations only: the checkpoint store protocol of ``Client.follow_events``
and the ``values`` of the form calls. Loaded on first use (``moveworks.CheckpointStore``),
so that ``import moveworks`` does not import ``typing``."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Protocol, Union

ModalValues = Mapping[str, Union[str, Mapping[str, Any]]]
"""The ``values`` of ``refresh_modal``/``submit_modal``: field name to a wire value dict
(``{"option": "mac"}``, ``{"text": "..."}``, ``{"bool": True}``, ``{"options": [...]}``,
``{"date": "2026-12-01"}``; another dict is sent as given) or to a ``str`` a person typed,
read by that field of the form (``ModalField.value_from_text``)."""


class CheckpointStore(Protocol):
    """Where an ``EventsFollower`` keeps its place: implement it to share checkpoints
    between machines (a database row per user, a Redis key); a file path is the default.

    ``load()`` is called once, before the first poll (None: nothing was ever saved, a
    fresh follower); ``save(checkpoint)`` after each handled event. The value is opaque
    (an event id, or ``""``: from the start of the feed): store it verbatim. Once
    ``save`` returned, a later ``load`` (after a crash or restart) must return it. An
    exception either raises stops the follower and propagates. Keep one store per user.
    """

    def load(self) -> Optional[str]:
        """The checkpoint saved last, verbatim, or None when nothing was ever saved."""
        ...

    def save(self, checkpoint: str) -> None:
        """Stores ``checkpoint`` (replacing the previous one) durably before returning."""
        ...
