"""The parts of docs/node-api.md that come from the code rather than from a run, and the marker filler.

A generated section sits between `<!-- BEGIN generated:KEY -->` and `<!-- END generated:KEY -->`; the
rest of the page is hand-written and left as it is.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from devnode.docs import openrpc_document
from devnode.schema import INT64_MAX, INT64_MIN

MARKER_RE = re.compile(
    r"(<!-- BEGIN generated:(?P<key>[^ ]+) -->\n)(?P<body>.*?)(<!-- END generated:(?P=key) -->)", re.S
)


def marker_keys(text: str) -> list[str]:
    return [match["key"] for match in MARKER_RE.finditer(text)]


def fill(template: str, sections: dict[str, str]) -> str:
    """Replace every generated section; refuse a marker with no section or a section with no marker."""
    keys = marker_keys(template)
    missing = sorted(set(keys) - set(sections))
    unused = sorted(set(sections) - set(keys))
    duplicated = sorted({key for key in keys if keys.count(key) > 1})
    if missing or unused or duplicated:
        raise ValueError(
            f"the page and the run disagree: markers without an example {missing}, "
            f"examples without a marker {unused}, markers used twice {duplicated}"
        )
    return MARKER_RE.sub(lambda match: match[1] + "\n" + sections[match["key"]] + "\n" + match[4], template)


def describe(schema: dict[str, Any]) -> str:
    """A JSON Schema as a few words for a table cell."""
    if "oneOf" in schema:
        options = schema["oneOf"]
        if [option.get("type") for option in options] == ["string", "integer"]:
            return "amount (decimal string or integer, atomic units)"
        return " or ".join(sorted({_short(option) for option in options}))
    return _short(schema)


def _short(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if "enum" in schema:
        return " \\| ".join(f"`{value}`" for value in schema["enum"])
    if schema.get("format") == "tos-address":
        return "address"
    if kind == "string" and "64}" in schema.get("pattern", ""):
        return "hash id (64 hex)"
    if kind == "integer":
        # Every integer param fits int64; only tighter bounds are worth a word here.
        bounds = [f"≥ {schema['minimum']}"] if schema.get("minimum", INT64_MIN) != INT64_MIN else []
        bounds += [f"≤ {schema['maximum']}"] if schema.get("maximum", INT64_MAX) != INT64_MAX else []
        return "integer" + (f" ({', '.join(bounds)})" if bounds else "")
    if kind == "object" and set(schema.get("properties", {})) and len(schema["properties"]) == 1:
        return f'`{{"{next(iter(schema["properties"]))}": {{…}}}}`'
    if kind == "array":
        return f"array of {_short(schema.get('items', {}))}"
    return str(kind) if kind else "any JSON"


def _rows(name: str, schema: dict[str, Any], required: bool, depth: int) -> list[str]:
    note = schema.get("description", "")
    rows = [f"| `{name}` | {'yes' if required else 'no'} | {describe(schema)} | {note} |"]
    if schema.get("type") == "object" and schema.get("properties") and depth < 2:
        needed = set(schema.get("required", []))
        for child, child_schema in schema["properties"].items():
            rows += _rows(f"{name}.{child}", child_schema, child in needed, depth + 1)
    return rows


def params_table(method: dict[str, Any]) -> str:
    if not method["params"]:
        return "Params: none (send `{}`, `null`, or leave `params` out).\n"
    lines = ["| param | required | type | notes |", "|---|---|---|---|"]
    for param in method["params"]:
        lines += _rows(param["name"], param["schema"], param["required"], 0)
    return "\n".join(lines) + "\n"


def params_sections() -> dict[str, str]:
    """`params:<method>` for every method the node serves, from its OpenRPC document."""
    sections = {}
    for method in openrpc_document()["methods"]:
        tags = " (dev mode)" if method.get("tags") else ""
        sections[f"params:{method['name']}"] = f"*{method['summary']}*{tags}\n\n" + params_table(method)
    return sections


def cli_section(parser: argparse.ArgumentParser) -> str:
    lines = ["| option | default | meaning |", "|---|---|---|"]
    for action in parser._actions:
        if not action.option_strings or isinstance(action, argparse._HelpAction):
            continue
        option = ", ".join(f"`{name}`" for name in action.option_strings)
        if action.metavar or action.nargs != 0:
            option = option[:-1] + " " + action.dest.upper() + "`"
        default = action.default
        if isinstance(default, dict):
            default = ",".join(f"{name}={value}" for name, value in default.items())
        shown = "" if default in (None, False) else f"`{default}`"
        lines.append(f"| {option} | {shown} | {action.help or ''} |")
    return "\n".join(lines) + "\n"
