"""Generate `resources/fix44_dictionary.json`, the compact FIX 4.4 data dictionary the session layer validates with.

The source is QuickFIX's `FIX44.xml` (shipped in the `quickfix-ssl` wheel under `<prefix>/share/quickfix`).
The engine never reads the XML or imports quickfix at run time: the table is generated once, committed, and
`tests/engine/fix/test_dictionary.py` regenerates it (when quickfix is installed) and checks it is unchanged.

Components are flattened the way QuickFIX's DataDictionary flattens them: a message's top-level tags are
its fields, the fields of its components (recursively) and the count tags of its groups; a component's
required fields are required only when the component itself is required. Groups are stored once each
(`groups`, keyed by an id) and referenced by count tag.

Run: `python -m engine.fix.dictionary_build [--xml PATH] [--out PATH] [--check]`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "resources" / "fix44_dictionary.json"


def default_xml() -> Path | None:
    """FIX44.xml of an installed quickfix-ssl wheel, or None."""
    for prefix in {sys.prefix, sys.base_prefix}:
        candidate = Path(prefix) / "share" / "quickfix" / "FIX44.xml"
        if candidate.exists():
            return candidate
    return None


class _Builder:
    def __init__(self, root: ET.Element) -> None:
        self.root = root
        self.numbers: dict[str, int] = {}
        self.fields: dict[str, list[str]] = {}
        self.enums: dict[str, list[str]] = {}
        for field in root.find("fields") or []:
            number = int(field.attrib["number"])
            self.numbers[field.attrib["name"]] = number
            self.fields[str(number)] = [field.attrib["name"], field.attrib["type"]]
            values = [value.attrib["enum"] for value in field.findall("value")]
            if values:
                self.enums[str(number)] = values
        self.components = {c.attrib["name"]: c for c in root.find("components") or []}
        self.groups: dict[str, dict[str, Any]] = {}

    def section(self, node: ET.Element, required_parent: bool) -> dict[str, Any]:
        """Top-level tags, required tags and groups of a message (or header/trailer) node."""
        tags: list[int] = []
        required: list[int] = []
        groups: dict[str, str] = {}
        self._walk(node, required_parent, tags, required, groups)
        return {"fields": tags, "required": sorted(set(required)), "groups": groups}

    def _walk(self, node: ET.Element, required_parent: bool, tags: list[int], required: list[int],
              groups: dict[str, str]) -> None:
        for child in node:
            is_required = child.attrib.get("required", "N") in ("Y", "y") and required_parent
            if child.tag == "field":
                tag = self.numbers[child.attrib["name"]]
                tags.append(tag)
                if is_required:
                    required.append(tag)
            elif child.tag == "group":
                tag = self.numbers[child.attrib["name"]]
                tags.append(tag)
                if is_required:
                    required.append(tag)
                groups[str(tag)] = self._group(child, child.attrib.get("required", "N") in ("Y", "y"))
            elif child.tag == "component":
                self._walk(self.components[child.attrib["name"]], is_required, tags, required, groups)

    def _group(self, node: ET.Element, group_required: bool) -> str:
        """Store a group definition once; QuickFIX checks its required fields only when it is required."""
        inner = self.section(node, group_required)
        definition = {"delim": inner["fields"][0], **inner}
        key = hashlib.sha1(json.dumps(definition, sort_keys=True).encode()).hexdigest()[:10]
        self.groups.setdefault(key, definition)
        return key

    def build(self, source: str) -> dict[str, Any]:
        header = self.root.find("header")
        trailer = self.root.find("trailer")
        assert header is not None and trailer is not None
        messages: dict[str, Any] = {}
        for message in self.root.find("messages") or []:
            section = self.section(message, True)
            messages[message.attrib["msgtype"]] = {
                "name": message.attrib["name"],
                "admin": message.attrib.get("msgcat") == "admin",
                **section,
            }
        attrib = self.root.attrib
        return {
            "source": source,
            "begin_string": f"{attrib.get('type', 'FIX')}.{attrib['major']}.{attrib['minor']}",
            "fields": self.fields,
            "enums": self.enums,
            "header": self.section(header, True),
            "trailer": self.section(trailer, True),
            "messages": messages,
            "groups": dict(sorted(self.groups.items())),
        }


def build_table(xml_path: Path) -> dict[str, Any]:
    """The compact dictionary for `xml_path` (a QuickFIX data dictionary file)."""
    data = xml_path.read_bytes()
    source = f"{xml_path.name} sha256={hashlib.sha256(data).hexdigest()}"
    return _Builder(ET.fromstring(data)).build(source)


def render(table: dict[str, Any]) -> str:
    """Stable JSON text: one top-level key per line, compact inside."""
    lines = [f"  {json.dumps(key)}: {json.dumps(value, separators=(',', ':'))}" for key, value in table.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--xml", type=Path, default=None, help="FIX44.xml (default: the quickfix-ssl wheel's)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if --out differs from what would be written")
    args = parser.parse_args(argv)
    xml_path = args.xml or default_xml()
    if xml_path is None:
        print("FIX44.xml not found: install quickfix-ssl (test extras) or pass --xml", file=sys.stderr)
        return 2
    text = render(build_table(xml_path))
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date; run python -m engine.fix.dictionary_build", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text):,} bytes) from {xml_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
