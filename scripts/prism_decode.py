"""Decodes random valid answers of Moveworks' published spec with the Python SDK.

Prism (`prism mock -d`) serves random answers generated from the published OpenAPI file;
every one is valid by construction, so every one must decode. Prints, per non-streaming
endpoint, how many of N calls decoded, and exits 1 if any failed.

    bash scripts/prism-decode.sh [N]        # installs Prism and runs this with the wheel

Run by hand (not part of the test command: Prism's answers are random by design).
"""

import collections
import sys
import traceback

import moveworks


def main() -> int:
    base_url, count = sys.argv[1], int(sys.argv[2])
    client = moveworks.Client(
        base_url=base_url, assistant_name="prism", token="t", allow_insecure_http=True, max_retries=0
    )
    cid, rid, mid = "conv_1", "resp_1", "msg_1"
    calls = {
        "GET /conversations": lambda: client.list_conversations(),
        "POST /conversations": lambda: client.create_conversation(title="t"),
        "GET /conversations/{id}": lambda: client.get_conversation(cid),
        "PATCH /conversations/{id}": lambda: client.update_conversation(cid, title="t"),
        "GET /conversations/{id}/events": lambda: client.list_events(cid),
        "POST /conversations/{id}/responses": lambda: client.create_response(cid, "hi"),
        "GET /conversations/{id}/responses/{rid}": lambda: client.get_response(cid, rid),
        "GET /conversations/{id}/messages": lambda: client.list_messages(cid),
        "GET /conversations/{id}/responses/{rid}/messages": lambda: client.list_response_messages(cid, rid),
        "POST .../messages/{mid}/feedback": lambda: client.submit_feedback(cid, rid, mid, "cb"),
    }
    failures = collections.Counter()
    first_failure = {}
    for name, call in calls.items():
        for _ in range(count):
            try:
                call()
            except moveworks.MoveworksError as e:
                failures[name] += 1
                first_failure.setdefault(name, f"{type(e).__name__}: {e}")
            except Exception:  # noqa: BLE001 - any other exception is a bug worth showing
                failures[name] += 1
                first_failure.setdefault(name, traceback.format_exc(limit=2))
    total = len(calls) * count
    for name in calls:
        print(f"{name:52} {count - failures[name]:4} of {count} decoded")
        if name in first_failure:
            print(f"    first failure: {first_failure[name]}")
    decoded = total - sum(failures.values())
    print(f"decoded {decoded} of {total} random valid answers")
    return 0 if decoded == total else 1


if __name__ == "__main__":
    sys.exit(main())
