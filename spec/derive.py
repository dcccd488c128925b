#!/usr/bin/env python3
"""Derives spec/beta-conversations-api.schema.json from Moveworks' published OpenAPI.

    python3 spec/derive.py YAML            write the JSON next to this script
    python3 spec/derive.py --check YAML    exit 1 when the committed JSON differs

With --out it derives another published file the same way (the assistant/v1 spec,
spec/assistant-v1-conversations-api.schema.json, see spec/README.md).

Keeps the machine-readable part only: names, types, required fields, enums,
formats, nullability, $refs, discriminators, parameters, request bodies and the
per-status responses of every path and method. Every `description`, `summary` and
`title` annotation, every `example(s)` and every `x-` extension is dropped, so no
prose of the published file is copied. Needs pyyaml.
"""

import argparse
import hashlib
import json
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "beta-conversations-api.schema.json")
# Annotation keywords holding prose (or sample values), never structure.
PROSE = {"description", "summary", "title", "example", "examples", "termsOfService", "contact", "license"}
# Maps whose keys are names chosen by the spec (a property called `title` is kept).
NAME_MAPS = {"properties", "schemas", "paths", "responses", "content", "securitySchemes", "patternProperties",
             "$defs", "headers", "variables", "mapping"}


def strip(node, in_name_map=False):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if not in_name_map and (key in PROSE or key.startswith("x-")):
                continue
            out[key] = strip(value, in_name_map=(not in_name_map and key in NAME_MAPS))
        return out
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def derive(yaml_path):
    with open(yaml_path, "rb") as f:
        raw = f.read()
    doc = yaml.safe_load(raw)
    out = {
        "x-derived-from": {
            "file": os.path.basename(yaml_path),
            "sha256": hashlib.sha256(raw).hexdigest(),
            "by": "spec/derive.py",
        },
        "openapi": doc["openapi"],
        "info": {"version": doc.get("info", {}).get("version")},
        "servers": [{"url": s["url"]} for s in doc.get("servers", [])],
        "paths": strip(doc["paths"], in_name_map=True),
        "components": strip(doc["components"]),
    }
    return json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def check(yaml_path, out_path=OUT):
    """None when the committed JSON is what the yaml gives, else a message."""
    want = derive(yaml_path)
    try:
        with open(out_path, encoding="utf-8") as f:
            have = f.read()
    except OSError as e:
        return f"{out_path}: {e}"
    if have != want:
        return (f"{out_path} differs from what {yaml_path} gives; re-derive with "
                f"`python3 spec/derive.py {yaml_path}` and review the diff")
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("yaml", help="the published OpenAPI (beta-conversations-api.openapi.yaml)")
    parser.add_argument("--check", action="store_true", help="only compare with the committed JSON")
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args()
    if args.check:
        problem = check(args.yaml, args.out)
        if problem:
            print(problem, file=sys.stderr)
            return 1
        print(f"{os.path.relpath(args.out)} matches {args.yaml}")
        return 0
    with open(args.out, "w", encoding="utf-8") as f:
        f.write(derive(args.yaml))
    print(f"wrote {os.path.relpath(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
