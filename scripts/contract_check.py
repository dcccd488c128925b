#!/usr/bin/env python3
"""Checks what the simulator served against Moveworks' published OpenAPI.

    python3 scripts/contract_check.py DIR [--reference YAML] [--schema JSON]
                                          [--v1-reference YAML] [--v1-schema JSON] [--v1-additions JSON]

DIR holds the `sim-<pid>.jsonl` files the simulator writes when
MOVEWORKS_SIM_CONTRACT_LOG=DIR (see crates/moveworks-simulator/src/contract.rs).
Every record is validated against spec/beta-conversations-api.schema.json (derived
from the published file by spec/derive.py), never against the SDK:

* a JSON body against paths[route][method].responses[status] application/json;
  a route, method or status the spec does not document is a failure;
* an SSE event by its name against the matching *Data schema (RESPONSE_CREATED ->
  ResponseCreatedData, ..., ERROR -> StreamingErrorData; not the ResponseStreamData
  oneOf, whose four response branches have the same shape), plus: the name is one of
  StreamEventType, data.event_type equals it, data.sequence_number is an integer,
  data.response.status matches the event for the four response events.

Records marked `"api": "v1"` (served on /rest/v1) are validated the same way against
the published assistant/v1 spec (spec/assistant-v1-conversations-api.schema.json, derived
by spec/derive.py from the closest published relative of rest/v1) merged with the
rest/v1 additions the notes document (spec/rest-v1-additions.schema.json: LIVE_AGENT,
MODAL_ACTION, handoff, sender_info, files, the modal and get-event operations; each
entry cites its section of API-V1-NOTES.md), and its webhook deliveries (`"webhook": true`)
against the envelope the notes document (WebhookDelivery). Records without `api` are beta records.

Records marked `exempt` (deliberately off-spec: deviation faults, unknown values,
raw_message, documented spec gaps) are counted, not validated. Exits 1 on any
mismatch or when no record was validated. With --reference (default: the published
yaml at ../shared/reference/ beside the repo, when present) it first checks that the
committed derived schema is what that yaml gives. Needs jsonschema (Draft 2020-12);
date-time and uri formats are checked when rfc3339-validator / rfc3986-validator are
installed (scripts/contract-check.sh installs them).
"""

import argparse
import collections
import glob
import importlib.metadata
import json
import os
import sys

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA = os.path.join(ROOT, "spec", "beta-conversations-api.schema.json")
V1_SCHEMA = os.path.join(ROOT, "spec", "assistant-v1-conversations-api.schema.json")
V1_ADDITIONS = os.path.join(ROOT, "spec", "rest-v1-additions.schema.json")
REFERENCES = os.path.join(os.path.dirname(ROOT), "shared", "reference")
DEFAULT_REFERENCE = os.path.join(REFERENCES, "beta-conversations-api.openapi.yaml")
DEFAULT_V1_REFERENCE = os.path.join(REFERENCES, "assistant-v1-conversations-api.openapi.yaml")
BASE = "urn:moveworks:beta-conversations-api"
V1_BASE = "urn:moveworks:rest-v1-conversations-api"
EVENT_SCHEMAS = {
    "RESPONSE_CREATED": ("ResponseCreatedData", "CREATED"),
    "RESPONSE_IN_PROGRESS": ("ResponseInProgressData", "IN_PROGRESS"),
    "RESPONSE_OUTPUT_DELTA": ("ResponseOutputDeltaData", None),
    "RESPONSE_COMPLETED": ("ResponseCompletedData", "COMPLETED"),
    "RESPONSE_FAILED": ("ResponseFailedData", "FAILED"),
    "ERROR": ("StreamingErrorData", None),
}
SHOW_PER_KIND = 3


def absolute_refs(node, base=BASE):
    """Rewrites local `#/...` refs to the document's URI, so any subschema resolves."""
    if isinstance(node, dict):
        return {k: (base + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else absolute_refs(v, base))
                for k, v in node.items()}
    if isinstance(node, list):
        return [absolute_refs(v, base) for v in node]
    return node


def merge_additions(doc, additions):
    """The published spec with the rest/v1 additions: `x-extends: anyOf` widens a published
    schema (either validates), `allOf` adds to it (both must), none adds a new one; paths
    add operations. Overriding a published operation or schema silently is refused."""
    schemas = doc["components"]["schemas"]
    for name, schema in additions["components"]["schemas"].items():
        schema = {k: v for k, v in schema.items() if k not in ("x-extends", "x-source")}
        how = additions["components"]["schemas"][name].get("x-extends")
        if how is None:
            if name in schemas:
                raise SystemExit(f"additions: {name} exists in the published spec; extend it with x-extends")
            schemas[name] = schema
        elif how in ("anyOf", "allOf"):
            if name not in schemas:
                raise SystemExit(f"additions: {name} extends nothing in the published spec")
            schemas[name] = {how: [schemas[name], schema]}
        else:
            raise SystemExit(f"additions: {name}: x-extends must be anyOf or allOf, not {how!r}")
    for path, ops in additions["paths"].items():
        for method, op in ops.items():
            if method in doc["paths"].get(path, {}):
                raise SystemExit(f"additions: {method.upper()} {path} is in the published spec already")
            doc["paths"].setdefault(path, {})[method] = {k: v for k, v in op.items() if k != "x-source"}
    return doc


class Spec:
    def __init__(self, path, additions=None, base=BASE):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if additions:
            with open(additions, encoding="utf-8") as f:
                doc = merge_additions(doc, json.load(f))
        self.base = base
        self.doc = absolute_refs(doc, base)
        resource = Resource.from_contents(self.doc, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(base, resource)
        self.formats = FormatChecker()
        self.event_types = self.doc["components"]["schemas"]["StreamEventType"]["enum"]
        self._validators = {}

    def validator(self, key, schema):
        if key not in self._validators:
            self._validators[key] = Draft202012Validator(schema, registry=self.registry, format_checker=self.formats)
        return self._validators[key]

    def response(self, route, method, status):
        """(responses[status] object, or None, why not)."""
        path = self.doc["paths"].get(route)
        if path is None:
            return None, f"route {route} is not in the spec"
        op = path.get(method.lower())
        if op is None:
            return None, f"{method} {route} is not in the spec"
        answer = op.get("responses", {}).get(str(status))
        if answer is None:
            documented = ", ".join(sorted(op.get("responses", {})))
            return None, f"{method} {route} documents no {status} (documents {documented})"
        return answer, None

    def component(self, name):
        return self.validator(("component", name), {"$ref": f"{self.base}#/components/schemas/{name}"})


def errors_of(validator, instance):
    errors = list(validator.iter_errors(instance))
    if not errors:
        return []
    best = best_match(errors)
    return [f"{best.json_path}: {best.message[:300]}"] + (
        [f"(and {len(errors) - 1} more)"] if len(errors) > 1 else [])


def check_record(spec, rec):
    """The problems of one record (empty when it conforms)."""
    if rec.get("webhook"):
        # A webhook delivery the simulator POSTed (rest/v1): the envelope of the notes, section 7.
        return errors_of(spec.component("WebhookDelivery"), rec.get("body"))
    method, route, status = rec.get("method"), rec.get("route"), rec.get("status")
    answer, why = spec.response(route, method, status)
    if answer is None:
        return [why]
    content = answer.get("content", {})
    if "event" in rec:
        if "text/event-stream" not in content:
            return [f"{method} {route} {status} is not documented as text/event-stream"]
        event = rec["event"]
        if event not in spec.event_types:
            return [f"event name {event!r} is not one of StreamEventType {spec.event_types}"]
        if "data" not in rec:
            return [f"$: data is not JSON: {rec.get('data_text', '')[:200]!r}"]
        data = rec["data"]
        problems = []
        if not isinstance(data, dict):
            return [f"$: data is not an object: {data!r:.200}"]
        if data.get("event_type") != event:
            problems.append(f"$.event_type: {data.get('event_type')!r} is not the event name {event!r}")
        seq = data.get("sequence_number")
        if not isinstance(seq, int) or isinstance(seq, bool):
            problems.append(f"$.sequence_number: missing or not an integer ({seq!r})")
        schema, status_wanted = EVENT_SCHEMAS[event]
        if status_wanted is not None:
            got = (data.get("response") or {}).get("status") if isinstance(data.get("response"), dict) else None
            if got != status_wanted:
                problems.append(f"$.response.status: {got!r}, {event} carries a {status_wanted} response")
        problems += errors_of(spec.component(schema), data)
        return problems
    json_answer = content.get("application/json")
    if json_answer is None or "schema" not in json_answer:
        return [f"{method} {route} {status} documents no application/json body"]
    if "body" not in rec:
        return [f"$: body is not JSON: {rec.get('body_text', '')[:200]!r}"]
    pointer = f"{spec.base}#/paths/{route.replace('~', '~0').replace('/', '~1')}/{method.lower()}/responses/{status}" \
              "/content/application~1json/schema"
    return errors_of(spec.validator(("body", route, method, status), {"$ref": pointer}), rec["body"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", help="the MOVEWORKS_SIM_CONTRACT_LOG directory")
    parser.add_argument("--reference", default=DEFAULT_REFERENCE if os.path.exists(DEFAULT_REFERENCE) else None,
                        help="the published yaml; first checks the derived schema against it")
    parser.add_argument("--schema", default=SCHEMA)
    parser.add_argument("--v1-reference",
                        default=DEFAULT_V1_REFERENCE if os.path.exists(DEFAULT_V1_REFERENCE) else None,
                        help="the published assistant/v1 yaml; first checks its derived schema against it")
    parser.add_argument("--v1-schema", default=V1_SCHEMA)
    parser.add_argument("--v1-additions", default=V1_ADDITIONS)
    args = parser.parse_args()

    for reference, schema in ((args.reference, args.schema), (args.v1_reference, args.v1_schema)):
        if not reference:
            continue
        sys.path.insert(0, os.path.join(ROOT, "spec"))
        import derive  # noqa: E402 (spec/derive.py)
        problem = derive.check(reference, schema)
        if problem:
            print(f"derived schema out of date: {problem}")
            return 1
        print(f"derived schema matches {reference}")
    missing = [f for f in ("date-time", "uri") if f not in FormatChecker.checkers]
    if missing:
        print(f"note: formats {missing} are not checked (install rfc3339-validator, rfc3986-validator)")

    specs = {None: Spec(args.schema), "v1": Spec(args.v1_schema, args.v1_additions, V1_BASE)}
    files = sorted(glob.glob(os.path.join(args.dir, "*.jsonl")))
    counts = collections.Counter()
    exempt = collections.Counter()
    mismatches = collections.defaultdict(list)
    bad_lines = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                try:
                    rec = json.loads(line)
                except ValueError:
                    bad_lines += 1
                    mismatches[("unreadable line",)].append(f"{os.path.basename(path)}:{number}")
                    continue
                api = rec.get("api")
                if api not in specs:
                    mismatches[("unknown api",)].append(f"{os.path.basename(path)}:{number}: {api!r}")
                    continue
                if rec.get("webhook"):
                    kind = (api, "POST", "(webhook delivery)", "-", "body")
                else:
                    kind = (api or "v1beta1", rec.get("method"), rec.get("route"), rec.get("status"),
                            rec.get("event", "body"))
                if rec.get("exempt"):
                    exempt[(rec["exempt"],) + kind] += 1
                    continue
                counts[kind] += 1
                problems = check_record(specs[api], rec)
                if problems:
                    mismatches[kind].append("; ".join(problems))

    print(f"{len(files)} file(s) in {args.dir}, jsonschema {importlib.metadata.version('jsonschema')}")
    print("validated records (method route status event/body: count):")
    for kind, n in sorted(counts.items(), key=lambda kv: tuple(map(str, kv[0]))):
        bad = len(mismatches.get(kind, []))
        print(f"  {' '.join(map(str, kind))}: {n}" + (f"  ({bad} MISMATCHED)" if bad else ""))
    if exempt:
        print("exempt records (off-spec on purpose, not validated):")
        for kind, n in sorted(exempt.items(), key=lambda kv: tuple(map(str, kv[0]))):
            print(f"  [{kind[0]}] {' '.join(map(str, kind[1:]))}: {n}")
    total_bad = sum(len(v) for v in mismatches.values())
    if total_bad:
        print(f"MISMATCHES: {total_bad}")
        for kind, problems in sorted(mismatches.items(), key=lambda kv: tuple(map(str, kv[0]))):
            print(f"  {' '.join(map(str, kind))}: {len(problems)}")
            for problem in problems[:SHOW_PER_KIND]:
                print(f"    - {problem}")
        return 1
    if not counts:
        print("no records validated: is MOVEWORKS_SIM_CONTRACT_LOG set for the run?")
        return 1
    per_api = collections.Counter(kind[0] for kind in counts.elements())
    print(f"OK: {sum(counts.values())} records conform to the published spec "
          f"({per_api['v1beta1']} rest/v1beta1, {per_api['v1']} rest/v1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
