"""Typed parameter schemas: the same objects validate requests and generate OpenRPC/OpenAPI.

Type errors are -32602 with `data.field`; domain rules (lengths, ranges) are checked by the state machine
and answer with their own codes. Because the documents are generated from these objects, the published
contract cannot drift from what the node accepts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from devnode import rules
from devnode.crypto import AddressError, normalize_address
from devnode.errors import invalid_params

# Every integer param fits the 64-bit integers of the other languages' clients (Java's long, Go's int64).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

# fullmatch, not match: `$` also matches before a trailing newline ("5\n" would pass).
_HASH_RE = re.compile(r"[0-9a-f]{64}")
_DIGITS_RE = re.compile(r"[0-9]{1,40}")
# A lone UTF-16 surrogate: JSON can carry one ("\ud800"), UTF-8 cannot, so no reply could hold it.
# A decimal string the node takes as an amount: 0 to MAX_SUPPLY (18,400,000,000,000,000), leading zeros
# allowed. A looser pattern (any 17 digits) let schema-driven clients send 99999999999999999, which the
# node refuses. Up to 23 leading zeros keep it within the 40 characters the node reads (one 40-character
# spelling with more zeros is refused by the pattern but taken by the node: stricter is the safe side).
AMOUNT_STRING_PATTERN = "^0{0,23}(?:[0-9]{1,16}|1[0-7][0-9]{15}|18[0-3][0-9]{14}|18400000000000000)$"
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _where(path: str) -> str:
    return path or "params"


def printable(text: str) -> str:
    """`text` with any lone surrogate written as its escape (\\ud800), so a reply can name it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def find_unrepresentable(value: Any, path: str = "") -> tuple[str, str] | None:
    """Where in a JSON value the first string, key or number sits that no reply could carry, and why.

    `unicode`: a string or key UTF-8 cannot encode (a lone surrogate). `finite`: NaN or an infinity
    (Python's parser accepts `NaN` and `Infinity`, and turns `1e400` into one; JSON has neither). Paths
    read like the rest of the node's errors (`task_data.title`, `files[2]`); a bad key is named with its
    surrogate escaped. Iterative, so a deeply nested value cannot exhaust the stack.
    """
    # Each pending value carries its parent's entry and its own key or index; a path is spelled out
    # only for the value that fails, so a clean megabyte of params costs one pass and no strings.
    pending: list[tuple[Any, Any]] = [(value, None)]
    while pending:
        item, trail = pending.pop()
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE_RE.search(item):
                return _spell(path, trail), "unicode"
        elif isinstance(item, float):
            if not math.isfinite(item):
                return _spell(path, trail), "finite"
        elif isinstance(item, dict):
            for key, member in item.items():
                if not key.isascii() and _SURROGATE_RE.search(key):
                    return _spell(path, (trail, key)), "unicode"
                pending.append((member, (trail, key)))
        elif isinstance(item, list):
            pending.extend((member, (trail, index)) for index, member in enumerate(item))
    return None


def _spell(path: str, trail: Any) -> str:
    steps: list[str | int] = []
    while trail is not None:
        trail, step = trail
        steps.append(step)
    spelled = path
    for step in reversed(steps):
        if isinstance(step, int):
            spelled += f"[{step}]"
        else:
            spelled = f"{spelled}.{printable(step)}" if spelled else printable(step)
    return spelled


def check_values(value: Any, path: str = "") -> None:
    """Refuse (-32602 naming the field) a value holding text that is not Unicode, or NaN or an infinity."""
    found = find_unrepresentable(value, path)
    if found is None:
        return
    where, rule = found
    if rule == "unicode":
        message = (
            f"{_where(where)} is not valid Unicode text: it holds a lone UTF-16 surrogate "
            "(such as \\ud800), which UTF-8 cannot encode"
        )
    else:
        message = f"{_where(where)} must be a finite number (NaN and Infinity are not JSON)"
    raise invalid_params(_where(where), message, rule)


class Schema:
    """A JSON value's expected shape: `parse` checks and converts, `json_schema` documents."""

    description: str = ""

    def parse(self, value: Any, path: str) -> Any:
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def _doc(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.description:
            schema["description"] = self.description
        return schema


@dataclass
class Str(Schema):
    description: str = ""
    max_chars: int | None = None  # a guard against absurd inputs; byte rules live in the state machine

    def parse(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise invalid_params(path, f"{_where(path)} must be a string")
        if self.max_chars is not None and len(value) > self.max_chars:
            raise invalid_params(
                path, f"{_where(path)} is longer than {self.max_chars} characters", "max_length"
            )
        return value

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.max_chars is not None:
            schema["maxLength"] = self.max_chars
        return self._doc(schema)


@dataclass
class Int(Schema):
    description: str = ""
    minimum: int | None = None
    maximum: int | None = None

    def parse(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_params(path, f"{_where(path)} must be an integer")
        if self.minimum is not None and value < self.minimum:
            raise invalid_params(
                path, f"{_where(path)} must be at least {self.minimum}", "minimum", minimum=self.minimum
            )
        if self.maximum is not None and value > self.maximum:
            raise invalid_params(
                path, f"{_where(path)} must be at most {self.maximum}", "maximum", maximum=self.maximum
            )
        if not INT64_MIN <= value <= INT64_MAX:
            raise invalid_params(path, f"{_where(path)} must fit a signed 64-bit integer", "int64")
        return value

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "integer",
            "format": "int64",
            "minimum": INT64_MIN if self.minimum is None else self.minimum,
            "maximum": INT64_MAX if self.maximum is None else self.maximum,
        }
        return self._doc(schema)


@dataclass
class Number(Schema):
    """A finite number, within [minimum, maximum] when they are given."""

    description: str = ""
    minimum: float | None = None
    maximum: float | None = None

    def parse(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid_params(path, f"{_where(path)} must be a number")
        if isinstance(value, float) and not math.isfinite(value):
            raise invalid_params(path, f"{_where(path)} must be a finite number", "finite")
        if self.minimum is not None and value < self.minimum:
            raise invalid_params(
                path, f"{_where(path)} must be at least {self.minimum:g}", "minimum", minimum=self.minimum
            )
        if self.maximum is not None and value > self.maximum:
            raise invalid_params(
                path, f"{_where(path)} must be at most {self.maximum:g}", "maximum", maximum=self.maximum
            )
        return float(value)

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "number"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return self._doc(schema)


@dataclass
class Amount(Schema):
    """Atomic units as a decimal string or an integer, never negative, at most the maximum supply."""

    description: str = ""

    def parse(self, value: Any, path: str) -> int:
        if isinstance(value, bool):
            raise invalid_params(path, f"{_where(path)} must be an amount (a decimal string or an integer)")
        if isinstance(value, int):
            if value < 0:
                raise invalid_params(path, f"{_where(path)} cannot be negative", "amount")
            amount = value
        elif isinstance(value, str) and _DIGITS_RE.fullmatch(value):
            amount = int(value)
        else:
            raise invalid_params(
                path,
                f"{_where(path)} must be an amount in atomic units (a decimal string or an integer)",
                "amount",
            )
        if amount > rules.MAX_SUPPLY:
            raise invalid_params(
                path,
                f"{_where(path)} is {rules.format_tos(amount)}, more than the chain's whole supply of "
                f"{rules.format_tos(rules.MAX_SUPPLY)} ({rules.MAX_SUPPLY} atomic)",
                "max_supply",
                max=str(rules.MAX_SUPPLY),
            )
        return amount

    def json_schema(self) -> dict[str, Any]:
        return self._doc(
            {
                "oneOf": [
                    {"type": "string", "pattern": AMOUNT_STRING_PATTERN},
                    {"type": "integer", "minimum": 0, "maximum": rules.MAX_SUPPLY},
                ]
            }
        )


@dataclass
class Address(Schema):
    description: str = "A bech32 address (HRP tst on the devnet)."
    hrp: str = "tst"

    def parse(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise invalid_params(path, f"{_where(path)} must be an address string")
        try:
            return normalize_address(value, self.hrp)
        except AddressError as error:
            raise invalid_params(path, f"{_where(path)} is not a valid address: {error}", "address") from None

    def json_schema(self) -> dict[str, Any]:
        # Either case, not mixed; the bech32 checksum is checked too, which a pattern cannot say: the
        # format names it for a generator (conformance vectors: addresses.json).
        lower = f"{self.hrp}1[02-9ac-hj-np-z]{{58}}"
        pattern = f"^({lower}|{lower.upper()})$"
        return self._doc({"type": "string", "format": "tos-address", "pattern": pattern})


@dataclass
class HashId(Schema):
    description: str = "A blake3-256 id: 64 lowercase hex characters."

    def parse(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not _HASH_RE.fullmatch(value.lower()):
            raise invalid_params(path, f"{_where(path)} must be 64 hex characters", "hash")
        return value.lower()

    def json_schema(self) -> dict[str, Any]:
        return self._doc({"type": "string", "pattern": "^[0-9a-fA-F]{64}$"})


@dataclass
class Enum(Schema):
    values: tuple[str, ...] = ()
    description: str = ""

    def parse(self, value: Any, path: str) -> str:
        if value not in self.values or not isinstance(value, str):
            raise invalid_params(
                path,
                f"{_where(path)} must be one of {', '.join(self.values)}",
                "enum",
                allowed=list(self.values),
            )
        return value

    def json_schema(self) -> dict[str, Any]:
        return self._doc({"type": "string", "enum": list(self.values)})


@dataclass
class Json(Schema):
    """Any JSON value, kept as it is."""

    description: str = ""

    def parse(self, value: Any, path: str) -> Any:
        return value

    def json_schema(self) -> dict[str, Any]:
        return self._doc({})


@dataclass
class ListOf(Schema):
    item: Schema = field(default_factory=Json)
    description: str = ""
    max_items: int = 1000

    def parse(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise invalid_params(path, f"{_where(path)} must be an array")
        if len(value) > self.max_items:
            raise invalid_params(path, f"{_where(path)} has more than {self.max_items} items", "max_items")
        return [self.item.parse(item, f"{path}[{index}]") for index, item in enumerate(value)]

    def json_schema(self) -> dict[str, Any]:
        return self._doc({"type": "array", "items": self.item.json_schema(), "maxItems": self.max_items})


@dataclass
class Prop:
    """One named member of an object."""

    name: str
    schema: Schema
    required: bool = False


@dataclass
class Obj(Schema):
    """A JSON object with known members; unknown members are refused so typos do not pass silently."""

    props: list[Prop] = field(default_factory=list)
    description: str = ""
    additional: bool = False

    def parse(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise invalid_params(path, f"{_where(path)} must be an object")
        known = {prop.name: prop for prop in self.props}
        if not self.additional:
            for name in value:
                if name not in known:
                    field_path = f"{path}.{name}" if path else name
                    raise invalid_params(field_path, f"unknown field '{field_path}'", "unknown_field")
        parsed: dict[str, Any] = dict(value) if self.additional else {}
        for prop in self.props:
            field_path = f"{path}.{prop.name}" if path else prop.name
            if prop.name in value and value[prop.name] is not None:
                parsed[prop.name] = prop.schema.parse(value[prop.name], field_path)
            elif prop.required:
                raise invalid_params(field_path, f"{field_path} is required", "required")
        return parsed

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {prop.name: prop.schema.json_schema() for prop in self.props},
            "additionalProperties": self.additional,
        }
        required = [prop.name for prop in self.props if prop.required]
        if required:
            schema["required"] = required
        return self._doc(schema)


@dataclass
class Custom(Schema):
    """A shape too irregular for the classes above: its own parser and its own JSON Schema."""

    parser: Callable[[Any, str], Any] = field(default=lambda value, path: value)
    schema: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""

    def parse(self, value: Any, path: str) -> Any:
        return self.parser(value, path)

    def json_schema(self) -> dict[str, Any]:
        return self._doc(dict(self.schema))
