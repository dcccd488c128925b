"""Behind a company network: https with the sandbox's CA, real proxies (tinyproxy and
mitmproxy from ``scripts/proxies.sh``, started by ``python/test.sh``), the proxy
environment with ``NO_PROXY``, per-call extras, answer headers, and log records that
never hold a secret. Mirrors crates/moveworks/tests/network.rs and proxy_env.rs.

Without the proxies' variables the proxy tests skip, or fail when ``CI`` is set.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

import moveworks
from moveworks.testing import Sandbox

from test_examples import EXAMPLES, example_part, readme_block

PROXY_PASSWORD = "proxy-secret-7f3a"
QUESTION = "How do I reset my password?"


def proxy_env(name: str) -> str:
    """A variable of ``scripts/proxies.sh``; the test skips without it (fails under CI)."""
    value = os.environ.get(name)
    if value:
        return value
    message = f'{name} is not set: run `eval "$(bash scripts/proxies.sh start)"` (python/test.sh does)'
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def tls_sandbox() -> Iterator[Sandbox]:
    """One HTTPS sandbox for the file (short answers, so streamed turns are quick)."""
    with Sandbox(tls=True, response_duration=0.06) as sandbox:
        yield sandbox


def port_of(sandbox: Sandbox) -> str:
    return sandbox.base_url.split(":")[2].split("/")[0]


def connects_seen(log: str, port: str) -> int:
    return Path(log).read_text(errors="replace").count(f"CONNECT 127.0.0.1:{port} ")


def streamed_turn(client: moveworks.Client) -> moveworks.Response:
    conversation = client.create_conversation()
    events: List[object] = []
    done = client.stream_response_and_wait(
        conversation.conversation_id, QUESTION, on_event=events.append, initial_interval=0.01
    )
    assert len(events) >= 3, events
    assert done.status == moveworks.ResponseStatus.COMPLETED
    return done


def shown(err: BaseException) -> str:
    """Everything an error shows: str, repr, args and attributes."""
    return f"{err} {err!r} {err.args!r} {vars(err)!r}"


def plain_options(sandbox: Sandbox, **extra: Any) -> Dict[str, Any]:
    """The sandbox's client options without its CA."""
    options: Dict[str, Any] = {"base_url": sandbox.base_url, "assistant_name": sandbox.assistant_name}
    options["token"] = sandbox.token
    options.update(extra)
    return options


def test_https_needs_the_sandbox_ca_and_names_the_unknown_issuer_without_it(
    tls_sandbox: Sandbox, tmp_path: Path
) -> None:
    assert tls_sandbox.base_url.startswith("https://127.0.0.1:")
    pem = tls_sandbox.ca_certificate
    assert pem is not None and pem.startswith("-----BEGIN CERTIFICATE-----")
    assert tls_sandbox.client().create_conversation("over TLS").title == "over TLS"

    for roots in (None, "webpki", "platform"):
        with pytest.raises(moveworks.APIConnectionError) as info:
            moveworks.Client(**plain_options(tls_sandbox, tls_roots=roots, max_retries=0)).create_conversation()
        assert info.value.kind == "connection", info.value
        message = str(info.value)
        assert "TLS error" in message and "unknown issuer" in message and "ca_certificates" in message, message

    # PEM text, and (with custom-only: nothing else trusted) a file path.
    moveworks.Client(**plain_options(tls_sandbox, ca_certificates=pem)).list_conversations()
    path = tmp_path / "sandbox-ca.pem"
    path.write_text(pem)
    custom = moveworks.Client(**plain_options(tls_sandbox, ca_certificates=str(path), tls_roots="custom-only"))
    custom.create_conversation()
    # A pathlib.Path is a path too.
    moveworks.Client(**plain_options(tls_sandbox, ca_certificates=path, tls_roots="custom-only")).create_conversation()

    with pytest.raises(moveworks.InvalidArgumentError) as bad:
        moveworks.Client(**plain_options(tls_sandbox, ca_certificates=str(tmp_path / "absent.pem")))
    assert bad.value.argument == "ca_certificates"
    with pytest.raises(moveworks.InvalidArgumentError) as bad:
        moveworks.Client(**plain_options(tls_sandbox, tls_roots="system"))  # type: ignore[arg-type]
    assert bad.value.argument == "tls_roots"
    with Sandbox() as plain:
        assert plain.ca_certificate is None and plain.base_url.startswith("http://")


def test_secrets_in_options_are_never_shown() -> None:
    key = "-----BEGIN PRIVATE KEY-----\nTOPSECRETKEYMATERIAL\n-----END PRIVATE KEY-----\n"
    with pytest.raises(moveworks.InvalidArgumentError) as info:
        moveworks.Client(assistant_name="a", token="t", client_certificate="not a certificate", client_key=key)
    assert info.value.argument in ("client_certificate", "client_key"), info.value
    assert "TOPSECRETKEYMATERIAL" not in shown(info.value)
    with pytest.raises(moveworks.InvalidArgumentError) as info:
        moveworks.Client(assistant_name="a", token="t", proxy="ftp://user:pw-in-url-31@proxy.corp:21")
    assert info.value.argument == "proxy" and "pw-in-url-31" not in shown(info.value)
    client = moveworks.Client(assistant_name="a", token="t", proxy=f"http://user:{PROXY_PASSWORD}@proxy.corp:3128")
    assert PROXY_PASSWORD not in repr(client) and PROXY_PASSWORD not in repr(moveworks.AsyncClient.from_client(client))


def test_calls_and_a_streamed_turn_pass_through_a_real_forward_proxy(tls_sandbox: Sandbox) -> None:
    proxy = proxy_env("MOVEWORKS_TEST_FORWARD_PROXY")
    log = proxy_env("MOVEWORKS_TEST_FORWARD_PROXY_LOG")
    port = port_of(tls_sandbox)
    before = connects_seen(log, port)
    client = tls_sandbox.client(proxy=proxy)
    assert client.create_conversation("via tinyproxy").title == "via tinyproxy"
    streamed_turn(client)
    assert connects_seen(log, port) > before, f"tinyproxy saw no CONNECT to {port}"
    assert PROXY_PASSWORD not in repr(client)

    # Wrong proxy credentials: a connection error that never repeats them.
    wrong = proxy.replace(PROXY_PASSWORD, "not-the-password-91")
    with pytest.raises(moveworks.APIConnectionError) as info:
        tls_sandbox.client(proxy=wrong, max_retries=0).create_conversation()
    assert info.value.kind == "connection", info.value
    assert "not-the-password-91" not in shown(info.value) and "sdk-test:" not in shown(info.value)


def test_a_tls_inspecting_proxy_works_once_its_ca_is_trusted(tls_sandbox: Sandbox) -> None:
    proxy = proxy_env("MOVEWORKS_TEST_INSPECTING_PROXY")
    ca = proxy_env("MOVEWORKS_TEST_INSPECTING_PROXY_CA")
    # Trusting only the sandbox's CA: mitmproxy's certificate is from an unknown issuer.
    with pytest.raises(moveworks.APIConnectionError) as info:
        tls_sandbox.client(proxy=proxy, max_retries=0).create_conversation()
    assert "unknown issuer" in str(info.value), info.value
    client = tls_sandbox.client(proxy=proxy, ca_certificates=ca)
    assert client.create_conversation("inspected").title == "inspected"
    streamed_turn(client)


def test_async_client_streams_a_turn_over_https_through_the_proxies(tls_sandbox: Sandbox) -> None:
    forward = proxy_env("MOVEWORKS_TEST_FORWARD_PROXY")
    log = proxy_env("MOVEWORKS_TEST_FORWARD_PROXY_LOG")
    inspecting = proxy_env("MOVEWORKS_TEST_INSPECTING_PROXY")
    ca = proxy_env("MOVEWORKS_TEST_INSPECTING_PROXY_CA")
    port = port_of(tls_sandbox)
    before = connects_seen(log, port)

    async def turn(client: moveworks.AsyncClient) -> moveworks.Response:
        conversation = await client.create_conversation("async via proxy")
        events = []
        stream = client.stream_response(conversation.conversation_id, QUESTION, initial_interval=0.01)
        async with stream:
            async for event in stream:
                events.append(event)
        assert len(events) >= 3 and isinstance(events[-1], moveworks.ResponseCompleted), events
        assert stream.response is not None
        return stream.response

    async def main() -> None:
        for client in (
            tls_sandbox.async_client(proxy=forward),
            tls_sandbox.async_client(proxy=inspecting, ca_certificates=ca),
        ):
            done = await turn(client)
            assert done.status == moveworks.ResponseStatus.COMPLETED
            assert done.http_headers is not None and done.request_id is not None

    asyncio.run(main())
    assert connects_seen(log, port) > before, f"tinyproxy saw no CONNECT to {port}"


# The child of the proxy-environment test: it sets process-wide variables, so it runs in
# its own process (nothing else reads them meanwhile).
PROXY_ENV_CHILD = r"""
import os
import moveworks
from moveworks.testing import Sandbox

proxy, log = os.environ["MOVEWORKS_TEST_FORWARD_PROXY"], os.environ["MOVEWORKS_TEST_FORWARD_PROXY_LOG"]
for name in ("https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"):
    os.environ.pop(name, None)
with Sandbox(tls=True) as sandbox:
    port = sandbox.base_url.split(":")[2].split("/")[0]

    def seen():
        with open(log, errors="replace") as f:
            return f.read().count(f"CONNECT 127.0.0.1:{port} ")

    def call(**options):
        sandbox.client(**options).create_conversation()

    os.environ["HTTPS_PROXY"] = proxy
    before = seen()
    call()
    assert seen() == before + 1, "HTTPS_PROXY is followed"
    for no_proxy in ("127.0.0.1", "example.com, 127.0.0.0/8", "*"):
        os.environ["NO_PROXY"] = no_proxy
        call()
        assert seen() == before + 1, f"NO_PROXY={no_proxy} bypasses the proxy"
    os.environ["NO_PROXY"] = "localhost"
    call()
    assert seen() == before + 2, "NO_PROXY=localhost does not cover 127.0.0.1 (curl's rule)"
    del os.environ["NO_PROXY"]

    # A dead proxy with credentials: a connection error that never shows them.
    os.environ["HTTPS_PROXY"] = "http://dead-user:dead-password-55@127.0.0.1:9"
    try:
        call(max_retries=0)
    except moveworks.APIConnectionError as e:
        assert "dead-password-55" not in f"{e} {e!r} {vars(e)!r}", e
    else:
        raise AssertionError("a dead proxy worked")
    # Ignored when the client says so, and overridden by the proxy option.
    call(proxy_from_env=False)
    call(proxy=proxy)
    assert seen() == before + 3
print("proxy environment OK")
"""


def test_the_environment_proxy_is_followed_and_no_proxy_bypasses_it() -> None:
    proxy_env("MOVEWORKS_TEST_FORWARD_PROXY")
    proxy_env("MOVEWORKS_TEST_FORWARD_PROXY_LOG")
    done = subprocess.run(
        [sys.executable, "-c", PROXY_ENV_CHILD], capture_output=True, text=True, timeout=60, cwd=tempfile.gettempdir()
    )
    assert done.returncode == 0, done.stderr
    assert "proxy environment OK" in done.stdout


def test_extras_reach_the_server_and_owned_headers_are_refused(tls_sandbox: Sandbox) -> None:
    client = tls_sandbox.client()
    extended = client.with_options(
        extra_headers={"X-Feature-Flag": "beta"},
        extra_query={"trace": True},
        extra_body={"client_context": {"app": "helpdesk"}},
    )
    conversation = extended.create_conversation("extras")
    assert conversation.title == "extras"
    sent = tls_sandbox.requests(method="POST", path_contains="/conversations")[-1]
    assert sent["x_headers"] == {"x-feature-flag": "beta"}, sent
    assert sent["query"] == "trace=true", sent
    assert sent["body_keys"] == ["client_context", "title"], sent
    # A GET sends no body.
    with pytest.raises(moveworks.InvalidArgumentError) as info:
        extended.get_conversation(conversation.conversation_id)
    assert info.value.argument == "extra_body"

    for owned in ("Authorization", "assistant-name", "User-Agent", "Proxy-Authorization"):
        with pytest.raises(moveworks.InvalidArgumentError) as info:
            client.with_options(extra_headers={owned: "x"})
        assert info.value.argument == "extra_headers", owned
    for bad in ({"extra_headers": "X-A: 1"}, {"extra_query": {"a": [1]}}, {"extra_body": {"a": object()}}):
        with pytest.raises(moveworks.InvalidArgumentError) as info:
            client.with_options(**bad)
        assert info.value.argument == next(iter(bad)), bad

    async def main() -> None:
        aclient = tls_sandbox.async_client().with_options(extra_headers={"X-Trace": "async"}, timeout=5)
        await aclient.list_conversations()

    asyncio.run(main())
    assert tls_sandbox.requests(method="GET")[-1]["x_headers"] == {"x-trace": "async"}


def test_answers_and_errors_carry_their_http_headers(tls_sandbox: Sandbox) -> None:
    client = tls_sandbox.client()
    conversation = client.create_conversation()
    headers = conversation.http_headers
    assert headers is not None and headers["content-type"] == "application/json", headers
    assert headers["x-moveworks-root-uuid"] == conversation.request_id
    page = client.list_conversations()
    assert page.http_headers is not None and page.http_headers["x-moveworks-root-uuid"] == page.request_id
    # Metadata: not in the wire JSON, ignored by ==, None when built from JSON.
    copy = moveworks.Conversation.from_json(conversation.to_json())
    assert copy.http_headers is None and copy == conversation and "http_headers" not in conversation.to_dict()
    with pytest.raises(moveworks.NotFoundError) as info:
        client.get_conversation("conv_does_not_exist")
    assert info.value.http_headers is not None
    assert info.value.http_headers["x-moveworks-root-uuid"] == info.value.request_id

    async def main() -> None:
        aclient = tls_sandbox.async_client()
        got = await aclient.get_conversation(conversation.conversation_id)
        assert got.http_headers is not None and got.http_headers["x-moveworks-root-uuid"] == got.request_id
        with pytest.raises(moveworks.NotFoundError) as ainfo:
            await aclient.get_conversation("conv_does_not_exist")
        assert ainfo.value.http_headers is not None
        assert ainfo.value.http_headers["x-moveworks-root-uuid"] == ainfo.value.request_id

    asyncio.run(main())


def test_each_attempt_is_logged_with_its_retry_decision_and_no_secret_at_any_level(
    caplog: pytest.LogCaptureFixture,
) -> None:
    proxy = os.environ.get("MOVEWORKS_TEST_FORWARD_PROXY")
    # The core's level follows the `moveworks` logger's when a client is made: trace here.
    caplog.set_level(5, logger="moveworks")
    try:
        with Sandbox(oauth=True, tls=True) as sandbox:
            # Through the forward proxy when it runs, to prove its password is never logged.
            client = sandbox.client(proxy=proxy) if proxy else sandbox.client()
            assert moveworks.log_level() == "trace"
            sandbox.fault(kind="status", status=503, method="GET", count=1)
            conversation = client.create_conversation("logged")
            client.get_conversation(conversation.conversation_id)

            async def main() -> None:
                await moveworks.AsyncClient.from_client(client).list_conversations()

            # Records of the async client come from a worker thread while the loop holds the GIL.
            asyncio.run(main())
            secrets = [sandbox.client_secret, sandbox.token, PROXY_PASSWORD, 'access_token":"', "Bearer"]
    finally:
        moveworks.set_log_level(None)
    records = [r for r in caplog.records if r.name == "moveworks"]
    fields = lambda r: {k: getattr(r, k) for k in ("method", "path", "status", "attempt", "retry")}  # noqa: E731
    gets = [r for r in records if r.levelno == logging.DEBUG and getattr(r, "method") == "GET"]
    assert len(gets) == 3, [fields(r) for r in records]
    assert (gets[0].status, gets[0].attempt) == (503, 1), fields(gets[0])  # type: ignore[attr-defined]
    assert gets[0].retry.startswith("retry in"), fields(gets[0])  # type: ignore[attr-defined]
    assert (gets[1].status, gets[1].attempt, gets[1].retry) == (200, 2, None), fields(gets[1])  # type: ignore[attr-defined]
    assert gets[1].request_id and gets[1].duration_ms is not None  # type: ignore[attr-defined]
    assert gets[2].path.endswith("/conversations") and gets[2].status == 200  # type: ignore[attr-defined]
    assert any(r.levelno == logging.INFO and getattr(r, "retry") for r in records), "the retry decision at info"
    assert any(r.levelno == 5 and r.levelname == "TRACE" and "logged" in r.getMessage() for r in records), "bodies"
    assert any("token" in (getattr(r, "path") or "") for r in records), "the token fetch"
    everything = "\n".join(f"{r.getMessage()} {vars(r)!r}" for r in records)
    for secret in secrets:
        assert secret not in everything, f"{secret!r} appears in the logs"


def test_the_log_level_can_be_set_and_read() -> None:
    try:
        moveworks.set_log_level("debug")
        assert moveworks.log_level() == "debug"
        moveworks.Client(assistant_name="a", token="t")  # a construction no longer changes it
        assert moveworks.log_level() == "debug"
        moveworks.set_log_level(logging.INFO)
        assert moveworks.log_level() == "info"
        moveworks.set_log_level("off")
        assert moveworks.log_level() == "off"
        with pytest.raises(moveworks.InvalidArgumentError):
            moveworks.set_log_level("loud")
    finally:
        moveworks.set_log_level(None)
    assert moveworks.log_level() == "warn"


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "MOVEWORKS_LOG"}
    full.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], env=full, capture_output=True, text=True, timeout=60, cwd=tempfile.gettempdir()
    )


def test_moveworks_log_writes_each_attempt_to_stderr_and_logging_is_not_imported_otherwise() -> None:
    code = textwrap.dedent(
        """
        import sys
        import moveworks
        from moveworks.testing import Sandbox
        print("logging imported:", "logging" in sys.modules)
        with Sandbox() as sandbox:
            sandbox.client().list_conversations()
        """
    )
    quiet = run_python(code)
    assert quiet.returncode == 0, quiet.stderr
    assert "logging imported: False" in quiet.stdout and quiet.stderr == "", quiet
    loud = run_python(code, MOVEWORKS_LOG="debug")
    assert loud.returncode == 0, loud.stderr
    assert "moveworks DEBUG] GET /rest/v1beta1/conversations -> 200 attempt=1" in loud.stderr, loud.stderr


def test_readme_corporate_proxy_example_runs_through_the_inspecting_proxy(tls_sandbox: Sandbox) -> None:
    """examples/corporate_proxy.py (the README's "Behind a corporate proxy" block) through mitmproxy."""
    proxy = proxy_env("MOVEWORKS_TEST_INSPECTING_PROXY")
    ca = proxy_env("MOVEWORKS_TEST_INSPECTING_PROXY_CA")
    part = textwrap.dedent(example_part("corporate_proxy.py")).strip()
    assert part == readme_block("Behind a corporate proxy").strip(), "README proxy example drifted"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOVEWORKS_") and "proxy" not in k.lower()}
    env.update(
        MOVEWORKS_BASE_URL=tls_sandbox.base_url,
        MOVEWORKS_ASSISTANT_NAME=tls_sandbox.assistant_name,
        MOVEWORKS_TOKEN=tls_sandbox.token,
        CORP_PROXY=proxy,
        CORP_ROOT_CA=ca,
    )
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "corporate_proxy.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tempfile.gettempdir(),
    )
    assert done.returncode == 0, done.stderr
    assert "Behind the proxy: COMPLETED (request " in done.stdout, done.stdout
    assert "DEBUG moveworks: POST /rest/v1beta1/conversations -> 201 attempt=1" in done.stderr, done.stderr
    assert tls_sandbox.token not in done.stderr
