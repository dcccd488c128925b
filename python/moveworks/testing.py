"""Try the SDK and test your app with no account: the sandbox.

:class:`Sandbox` runs the project's simulator of the Conversations API inside
your process, on a free 127.0.0.1 port (nothing is exposed), and hands out
clients configured for it. Script what the API does next (a 429, a FAILED
answer, a dropped connection, a proactive notification) and read back what your
code sent::

    from moveworks.testing import Sandbox

    with Sandbox() as sandbox:
        sandbox.fault(kind="status", status=429, retry_after=1)
        client = sandbox.client(max_retries=0)
        ...
        assert sandbox.requests(method="POST")[0]["status"] == 429

With pytest installed, the ``moveworks_sandbox`` fixture (a started sandbox,
closed after the test) is available in every test, no conftest needed: the
package registers this module as a pytest plugin.

Every scripting method forwards by name to the Rust core's one vocabulary
(``run(action, **args)``); the actions and their arguments are described in the
simulator's documentation ("Faults"). Importing this module does not import
pytest unless pytest is running.

After ``os.fork()`` a sandbox made in the parent keeps working in the child: its
server runs in the parent, the child's clients reach it over loopback, and the
child's scripting calls go to it over HTTP (``POST /_sim/script``); ``close()`` in
the child only forgets it (the parent's server keeps serving).
"""

from __future__ import annotations

import json
import sys

from ._async import AsyncClient
from ._moveworks import Client
from ._moveworks import Sandbox as _NativeSandbox

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import TracebackType
    from typing import Any, Dict, Iterator, List, Optional, Type

    from typing_extensions import Unpack

    from ._options import ClientOptions

__all__ = ["Sandbox"]


class Sandbox:
    """The simulator of the Conversations API, running in this process.

    ``Sandbox()`` starts it on a free loopback port; ``close()`` (or leaving the
    ``with`` block) stops it, after which every call raises
    ``InvalidArgumentError`` (``argument == "sandbox"``) and clients made for it
    fail with ``APIConnectionError``.

    :param response_duration: seconds from creating a response to its terminal
        status (default 0.6; ``configure(response_duration_ms=...)`` changes it later).
    :param assistant_name: the ``Assistant-Name`` the sandbox expects (default ``"sandbox"``).
    :param oauth: hand out clients that fetch OAuth tokens with the sandbox's
        client credentials instead of using its static bearer token.
    :param tls: serve HTTPS with a throwaway CA (:attr:`ca_certificate`), which the
        clients it hands out trust (``ca_certificates``): for testing TLS and proxies.
    :param api_version: the API generation of the clients it hands out, ``"v1"`` or
        ``"v1beta1"`` (the default, for now); the sandbox serves both at once.
    """

    def __init__(
        self,
        *,
        response_duration: Optional[float] = None,
        assistant_name: Optional[str] = None,
        oauth: bool = False,
        tls: bool = False,
        api_version: Optional[str] = None,
    ) -> None:
        self._native = _NativeSandbox(
            response_duration=response_duration,
            assistant_name=assistant_name,
            oauth=oauth,
            tls=tls,
            api_version=api_version,
        )

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(
        self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._native.closed:
            return "Sandbox(closed)"
        return f"Sandbox(base_url={self._native.base_url!r})"

    def close(self) -> None:
        """Stops the server (calling it again does nothing)."""
        self._native.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._native.closed

    @property
    def base_url(self) -> str:
        """The API base URL to give a client (``http://127.0.0.1:PORT/rest/v1beta1``; ``https://`` with ``tls=True``)."""
        return self._native.base_url

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self._native.origin

    @property
    def ca_certificate(self) -> Optional[str]:
        """With ``tls=True``: the PEM text of the CA that signed the sandbox's certificate
        (give it as ``ca_certificates`` to a client you build yourself); None otherwise."""
        return self._native.ca_certificate

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint."""
        return self._native.token_url

    @property
    def assistant_name(self) -> str:
        """The ``Assistant-Name`` the sandbox expects."""
        return self._native.assistant_name

    @property
    def token(self) -> str:
        """A bearer token the sandbox always accepts."""
        return self._native.token

    @property
    def client_id(self) -> str:
        """The OAuth client id the sandbox's token endpoint accepts."""
        return self._native.client_id

    @property
    def client_secret(self) -> str:
        """The OAuth client secret the sandbox's token endpoint accepts."""
        return self._native.client_secret

    def client(self, **options: Unpack[ClientOptions]) -> Client:
        """A :class:`~moveworks.Client` for this sandbox; ``options`` (the ``Client``
        keywords, e.g. ``max_retries=0``) are merged over the sandbox's own."""
        return self._native.client(**options)

    def async_client(self, **options: Unpack[ClientOptions]) -> AsyncClient:
        """An :class:`~moveworks.AsyncClient` for this sandbox; ``options`` as for :meth:`client`."""
        return AsyncClient.from_client(self._native.client(**options))

    def run(self, action: str, /, **args: Any) -> Any:
        """Runs one action of the scripting vocabulary by name with its keyword
        arguments (JSON values) and returns its answer (dicts, lists, ...). An
        unknown action or bad arguments raise ``InvalidArgumentError`` naming the action."""
        return json.loads(self._native.run(action, json.dumps(args)))

    def fault(self, **fault: Any) -> Dict[str, Any]:
        """Queues a fault for the next matching request, e.g.
        ``fault(kind="status", status=429, retry_after=1, method="POST", path_contains="/responses")``
        (kinds: ``status``, ``delay``, ``drop``, ``reset``, ``malformed_json``,
        ``stream_drop``/``stream_stall``/``stream_unknown_event`` with ``after_events``,
        ``stream_error`` (``after_events``, ``code``, ``message``: an ``ERROR`` event),
        ``response_failed``, ``handoff`` (an answer with no outputs), ``raw_message``
        (``message``: the answer's message verbatim), ...; ``count`` uses, default 1)."""
        answer: Dict[str, Any] = self.run("fault", **fault)
        return answer

    def fail_next_response(self, count: int = 1) -> Dict[str, Any]:
        """The next ``count`` responses created (polled or streamed) end ``FAILED``."""
        answer: Dict[str, Any] = self.run("fail_next_response", count=count)
        return answer

    def configure(self, **settings: Any) -> Dict[str, Any]:
        """Changes settings (e.g. ``response_duration_ms=50``); returns the settings after the change."""
        answer: Dict[str, Any] = self.run("configure", **settings)
        return answer

    def inject_event(
        self, conversation_id: str, text: str, kind: str = "notification", event_type: Optional[str] = None
    ) -> Dict[str, Any]:
        """Adds a proactive notification (or, with ``kind="async_response"``, an
        asynchronous answer) to the events feed; returns the event as ``list_events`` renders it."""
        args: Dict[str, Any] = {"conversation_id": conversation_id, "text": text, "kind": kind}
        if event_type is not None:
            args["event_type"] = event_type
        answer: Dict[str, Any] = self.run("inject_event", **args)
        return answer

    def revoke_tokens(self) -> Dict[str, Any]:
        """Every OAuth token issued so far stops working (the static token stays valid)."""
        answer: Dict[str, Any] = self.run("revoke_tokens")
        return answer

    def requests(self, method: Optional[str] = None, path_contains: Optional[str] = None) -> List[Dict[str, Any]]:
        """The requests received, oldest first, optionally filtered: each a dict with
        ``method``, ``path``, ``query``, ``status``, ``assistant_name``, ``user_agent``,
        ``authorized``, ``content_type``, ``fault``, ``root_uuid``, ``x_headers`` (the request's
        ``x-`` headers, names lowercase), ``body_keys`` (the JSON body's top-level fields)
        (never a credential)."""
        answer: List[Dict[str, Any]] = self.run("requests", method=method, path_contains=path_contains)
        return answer

    def clear_requests(self) -> None:
        """Empties the request log."""
        self.run("clear_requests")

    def feedback(self) -> List[Dict[str, Any]]:
        """Every feedback the API accepted, oldest first."""
        answer: List[Dict[str, Any]] = self.run("feedback")
        return answer

    def reset(self) -> None:
        """Forgets all state (conversations, faults, the request log) and returns to the start-up settings."""
        self.run("reset")


# The pytest plugin (registered through the `pytest11` entry point): only when
# pytest is running, so importing this module never imports pytest.
if "pytest" in sys.modules:
    import pytest

    @pytest.fixture
    def moveworks_sandbox() -> Iterator[Sandbox]:
        """A started :class:`Sandbox`, closed after the test."""
        with Sandbox() as sandbox:
            yield sandbox
