"""The keyword options of ``Client``, ``Client.from_env`` and ``AsyncClient`` (typing only).

The options themselves (names, defaults, checks) belong to the Rust core's
``ClientOptions``: the extension hands the keywords to it unchanged, and an
unknown keyword is an ``InvalidArgumentError`` naming it. This TypedDict only
lets type checkers see them; ``tests/test_options.py`` checks it lists exactly
the core's options. Durations: ``<name>`` in seconds or ``<name>_ms`` in whole
milliseconds, not both.

Company networks: ``tls_roots`` (``"platform"``, the default: the OS's trust store
plus ``SSL_CERT_FILE``/``SSL_CERT_DIR``; ``"webpki"``: Mozilla's roots;
``"custom-only"``: only ``ca_certificates``), ``ca_certificates`` (PEM text or the
path of a PEM file, trusted beside the roots), ``client_certificate``/``client_key``
(mutual TLS, PEM text or paths; the key is never shown), ``proxy`` (``http://``,
``https://`` or ``socks5://`` URL, credentials allowed and never shown) and
``proxy_from_env`` (default True: ``HTTPS_PROXY``/``ALL_PROXY``/``NO_PROXY`` with
curl's rules).

Generation: ``api_version`` is ``"v1"`` (the default, ``rest/v1``) or ``"v1beta1"``;
a ``base_url`` whose path ends in ``/rest/v1`` or ``/rest/v1beta1`` names its
generation (a disagreeing ``api_version`` is refused), a bare origin such as
``"https://api.am-eu-central.moveworks.ai"`` gets the generation's path appended.
"""

import os
from typing import Literal, Optional, Union

from typing_extensions import TypedDict

class ClientOptions(TypedDict, total=False):
    base_url: Optional[str]
    api_version: Optional[Literal["v1", "v1beta1"]]
    assistant_name: Optional[str]
    token: Optional[str]
    client_id: Optional[str]
    client_secret: Optional[str]
    token_url: Optional[str]
    connect_timeout: Optional[float]
    connect_timeout_ms: Optional[int]
    timeout: Optional[float]
    timeout_ms: Optional[int]
    deadline: Optional[float]
    deadline_ms: Optional[int]
    max_retries: Optional[int]
    max_idle_connections: Optional[int]
    max_response_bytes: Optional[int]
    allow_insecure_http: Optional[bool]
    user_agent_suffix: Optional[str]
    tls_roots: Optional[Literal["platform", "webpki", "custom-only"]]
    ca_certificates: Optional[Union[str, "os.PathLike[str]"]]
    client_certificate: Optional[Union[str, "os.PathLike[str]"]]
    client_key: Optional[Union[str, "os.PathLike[str]"]]
    proxy: Optional[str]
    proxy_from_env: Optional[bool]
