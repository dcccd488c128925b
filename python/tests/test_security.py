"""SECURITY.md's promises through the Python API, against the simulator: secrets
never shown by repr/str/vars/pickle/tracebacks, control characters refused
before sending, ids confined to their path segment, plain http only with the
opt-in, and no redirect followed to another origin."""

from __future__ import annotations

import asyncio
import json
import pickle
import subprocess
import traceback
import urllib.parse
from typing import Any, Callable, Iterator, List

import pytest

import moveworks
from conftest import Simulator, simulator_binary

# Distinctive values, so a leak shows up in a plain substring search.
TOKEN = "py-st4t1c-T0KEN-must-never-print-3e9a"
CLIENT_ID = "py-client-77"
CLIENT_SECRET = "py-cl13nt-S3CRET-must-never-print-c4d1"
ISSUED = "py-1ssu3d-T0KEN-must-never-print-7b20"
SECRETS = (TOKEN, CLIENT_SECRET, ISSUED)


@pytest.fixture(scope="module")
def secure_sim() -> Iterator[Simulator]:
    """A simulator of its own, with the distinctive credentials."""
    args = [simulator_binary(), "--token", TOKEN, "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdin is not None
    sim = Simulator(proc, json.loads(proc.stdout.readline()))
    try:
        yield sim
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


@pytest.fixture
def ssim(secure_sim: Simulator) -> Simulator:
    secure_sim.reset()
    return secure_sim


def oauth_client(sim: Simulator, **overrides: Any) -> moveworks.Client:
    kwargs: dict[str, Any] = {
        "base_url": sim.base_url,
        "assistant_name": sim.assistant_name,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "max_retries": 0,
    }
    kwargs.update(overrides)
    return moveworks.Client(**kwargs)


def texts_of_error(e: BaseException) -> List[str]:
    out = [str(e), repr(e), "".join(traceback.format_exception(type(e), e, e.__traceback__)), repr(e.args)]
    out.append(repr(vars(e)))
    return out


def assert_clean(texts: List[str]) -> None:
    for t in texts:
        for s in SECRETS:
            assert s not in t, f"{s!r} leaked in {t!r}"
        assert "bearer " not in t.lower(), t


def capture(call: Callable[[], Any]) -> moveworks.MoveworksError:
    with pytest.raises(moveworks.MoveworksError) as info:
        call()
    return info.value


def test_secrets_never_shown_by_repr_str_vars_pickle_or_tracebacks(ssim: Simulator) -> None:
    texts: List[str] = []
    # OAuth: the first token is a distinctive one from the token endpoint; the API
    # rejects it, so the client refreshes to one the simulator issues.
    ssim.faults(
        {
            "kind": "raw",
            "status": 200,
            "path_contains": "/oauth",
            "body": json.dumps({"access_token": ISSUED, "expires_in": 3600}),
        }
    )
    oauth = oauth_client(ssim)
    oauth.list_conversations()
    static = ssim.client(token=TOKEN)
    static.list_conversations()
    aclient = moveworks.AsyncClient.from_client(oauth)
    for obj in (oauth, static, aclient, oauth.with_options(max_retries=1)):
        texts += [repr(obj), str(obj), repr(getattr(obj, "__dict__", None)), repr(dir(obj))]
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            # Clients cannot be pickled; the refusal itself must not show a secret.
            e = pytest.raises(Exception, pickle.dumps, obj, protocol).value
            texts += texts_of_error(e)
    texts.append(repr(vars(aclient)))

    ssim.faults({"kind": "status", "status": 500, "method": "GET"})
    texts += texts_of_error(capture(oauth.list_conversations))
    ssim.revoke_tokens()
    ssim.faults({"kind": "status", "status": 401, "path_contains": "/oauth"})
    e = capture(oauth.list_conversations)
    assert isinstance(e, moveworks.OAuthError)
    texts += texts_of_error(e)
    wrong = oauth_client(ssim, client_secret="py-wr0ng-S3CRET")
    e = capture(lambda: wrong.create_conversation(title="t"))
    assert isinstance(e, moveworks.OAuthError) and "py-wr0ng-S3CRET" not in "".join(texts_of_error(e))
    texts += texts_of_error(e)
    e = capture(lambda: ssim.client(token=TOKEN + "x").get_conversation("conv_1"))
    assert isinstance(e, moveworks.AuthenticationError)
    texts += [t.replace(TOKEN + "x", "") for t in texts_of_error(e)]
    assert TOKEN not in "".join(texts_of_error(e))
    ssim.faults({"kind": "reset"})
    texts += texts_of_error(capture(lambda: static.create_conversation(title="t")))
    ssim.faults({"kind": "malformed_json"})
    texts += texts_of_error(capture(static.list_conversations))
    texts += texts_of_error(capture(lambda: ssim.client(token=TOKEN + "\r\n")))
    texts += texts_of_error(capture(lambda: oauth_client(ssim, client_secret=CLIENT_SECRET + "\n")))
    texts += texts_of_error(capture(lambda: asyncio.run(aclient.get_conversation("../x"))))
    assert_clean(texts)


@pytest.mark.parametrize("bad", ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b", "a\tb", "a\x7fb", "a\x85b"])
def test_control_characters_are_refused_before_sending(ssim: Simulator, bad: str) -> None:
    cases = {
        "token": lambda: ssim.client(token=bad),
        "assistant_name": lambda: ssim.client(token=TOKEN, assistant_name=bad),
        "client_id": lambda: oauth_client(ssim, client_id=bad),
        "client_secret": lambda: oauth_client(ssim, client_secret=bad),
    }
    for argument, build in cases.items():
        with pytest.raises(moveworks.InvalidArgumentError) as info:
            build()
        assert info.value.kind == "invalid_argument" and info.value.argument == argument
    assert ssim.requests() == []


def test_a_token_endpoint_token_with_crlf_is_never_sent(ssim: Simulator) -> None:
    body = json.dumps({"access_token": "abc\r\nX-Injected: 1", "expires_in": 3600})
    ssim.faults({"kind": "raw", "status": 200, "path_contains": "/oauth", "body": body})
    e = capture(oauth_client(ssim).list_conversations)
    assert "X-Injected" not in str(e)
    assert ssim.requests(path_contains="/rest/") == []


HOSTILE_IDS = ["../x", "..", ".", "a/b", "%2F", "a%2Fb", "?x", "#x", "a b", "a\\b", "a\nb", "/", "", "é", "日本", "a;b"]


def test_ids_stay_in_their_path_segment(ssim: Simulator) -> None:
    client = ssim.client(token=TOKEN, max_retries=0)
    conv = client.create_conversation(title="sec")
    resp = client.create_response(conv.conversation_id, "hi")
    cid, rid = conv.conversation_id, resp.response_id
    endpoints: List[tuple[str, Callable[[str], Any]]] = [
        ("/conversations/{}", client.get_conversation),
        ("/conversations/{}", lambda i: client.update_conversation(i, archived=True)),
        ("/conversations/{}/responses", lambda i: client.create_response(i, "hi")),
        ("/conversations/{}/responses/" + rid, lambda i: client.get_response(i, rid)),
        ("/conversations/" + cid + "/responses/{}", lambda i: client.get_response(cid, i)),
        ("/conversations/{}/events", lambda i: client.list_events(i)),
    ]
    for template, call in endpoints:
        for ident in HOSTILE_IDS:
            ssim._call("DELETE", "requests")
            try:
                call(ident)
                refused = False
            except moveworks.InvalidArgumentError:
                refused = True
            except moveworks.MoveworksError:
                refused = False
            log = ssim.requests(path_contains="/rest/")
            if refused:
                assert log == [], (template, ident, log)
                continue
            assert len(log) == 1 and log[0]["query"] == "", (template, ident, log)
            path = log[0]["path"].removeprefix("/rest/v1beta1")
            got, want = path.split("/"), template.split("/")
            assert len(got) == len(want), (ident, path)
            for g, w in zip(got, want):
                assert (urllib.parse.unquote(g) == ident) if w == "{}" else (g == w), (ident, path)


def test_plain_http_to_a_non_loopback_host_needs_the_opt_in(ssim: Simulator) -> None:
    # 0.0.0.0 is not loopback for the SDK, but Linux connects it to this machine.
    base = ssim.base_url.replace("127.0.0.1", "0.0.0.0")
    with pytest.raises(moveworks.InvalidArgumentError) as info:
        ssim.client(token=TOKEN, base_url=base)
    assert info.value.argument == "base_url"
    with pytest.raises(moveworks.InvalidArgumentError):
        ssim.client(token=TOKEN, base_url=base, allow_insecure_http=False)
    with pytest.raises(moveworks.InvalidArgumentError) as info:
        oauth_client(ssim, token_url=ssim.token_url.replace("127.0.0.1", "0.0.0.0"))
    assert info.value.argument == "token_url"
    assert ssim.requests() == []
    ssim.client(token=TOKEN, base_url=base, allow_insecure_http=True).create_conversation(title="over http")
    assert len(ssim.requests("POST", "/rest/v1beta1/conversations")) == 1
    moveworks.AsyncClient(base_url=base, assistant_name="sandbox", token=TOKEN, allow_insecure_http=True)


def test_redirects_to_another_origin_are_not_followed(ssim: Simulator, sim: Simulator) -> None:
    client = ssim.client(token=TOKEN, max_retries=0)
    for status in (302, 307):
        ssim.faults({"kind": "raw", "status": status, "body": "", "headers": {"Location": sim.base_url + "/conversations"}})
        e = capture(lambda: client.create_conversation(title="t"))
        assert e.kind == "api_status" and e.status == status
    ssim.faults(
        {"kind": "raw", "status": 307, "body": "", "path_contains": "/oauth", "headers": {"Location": sim.token_url}}
    )
    assert isinstance(capture(oauth_client(ssim).list_conversations), moveworks.OAuthError)
    assert sim.requests() == [], "a request reached the other origin"
