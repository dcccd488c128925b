"""Counts the documented public items of a generated reference (called by scripts/docs.sh).

    python3 count.py rust COVERAGE.json...   rustdoc --show-coverage --output-format json, one per crate
    python3 count.py node TYPEDOC.json       TypeDoc's JSON output
    python3 count.py c DOXYGEN_XML_DIR       Doxygen's XML output

Prints the number of public items; exits 1, naming them, when any is undocumented
(each tool also fails on its own warnings: this count is the number reported).
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def rust(paths: list[str]) -> tuple[int, list[str]]:
    """Items rustdoc counts (the crate, modules, types, fields, variants, functions, methods, consts)."""
    total, missing = 0, []
    for path in paths:
        for file, row in json.loads(Path(path).read_text()).items():
            total += row["total"]
            if row["with_docs"] != row["total"]:
                missing.append(f"{file}: {row['total'] - row['with_docs']} undocumented")
    return total, missing


# TypeDoc's ReflectionKind values of the kinds typedoc.json requires to be documented.
NODE_KINDS = {
    8: "Enum",
    16: "EnumMember",
    32: "Variable",
    64: "Function",
    128: "Class",
    256: "Interface",
    512: "Constructor",
    1024: "Property",
    2048: "Method",
    262144: "Accessor",
    2097152: "TypeAlias",
}


def node(path: str) -> tuple[int, list[str]]:
    """Declarations of those kinds in both entry points, inherited copies not counted again."""
    project = json.loads(Path(path).read_text())
    total, missing = 0, []

    def documented(r: dict) -> bool:
        parts = [r] + r.get("signatures", []) + [r.get("getSignature") or {}]
        return any(p.get("comment", {}).get("summary") for p in parts)

    def walk(r: dict, prefix: str) -> None:
        nonlocal total
        for child in r.get("children", []):
            name = f"{prefix}.{child['name']}"
            if child["kind"] in NODE_KINDS and "inheritedFrom" not in child:
                total += 1
                if not documented(child):
                    missing.append(f"{name} ({NODE_KINDS[child['kind']]})")
            walk(child, name)

    walk(project, project["name"])
    return total, missing


def c(xml_dir: str) -> tuple[int, list[str]]:
    """The header's macros, typedefs, enums, enum values and functions, the structs and their fields."""
    total, missing = 0, []

    def described(element: ET.Element) -> bool:
        return any(
            "".join(element.find(tag).itertext()).strip()
            for tag in ("briefdescription", "detaileddescription")
            if element.find(tag) is not None
        )

    for compound in ET.parse(Path(xml_dir) / "index.xml").getroot():
        if compound.get("kind") not in ("file", "struct"):
            continue
        root = ET.parse(Path(xml_dir) / f"{compound.get('refid')}.xml").getroot().find("compounddef")
        items = list(root.iter("memberdef")) + list(root.iter("enumvalue"))
        if compound.get("kind") == "struct":
            items.append(root)
        for item in items:
            total += 1
            if not described(item):
                missing.append(item.findtext("name") or item.findtext("compoundname") or "?")
    return total, missing


def main() -> int:
    lang, args = sys.argv[1], sys.argv[2:]
    total, missing = {"rust": rust, "node": lambda a: node(a[0]), "c": lambda a: c(a[0])}[lang](args)
    if missing:
        print("\n".join(f"undocumented: {m}" for m in missing), file=sys.stderr)
        return 1
    if total == 0:
        print(f"{lang}: no public items found (wrong input?)", file=sys.stderr)
        return 1
    print(total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
