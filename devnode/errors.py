"""JSON-RPC error codes and the one exception every rejection is raised as."""

from __future__ import annotations

from typing import Any

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603

UNKNOWN_ENTITY = -32001  # unknown task or submission
INSUFFICIENT_FUNDS = -32002  # balance too low or stake out of range
NOT_ACCEPTING = -32003  # task expired, full or in the wrong status
PERMISSION_DENIED = -32004  # someone else's task, own task, reputation, signature, nonce
INVALID_CONTENT = -32005  # lengths, score range, reward outside the difficulty's range
ALREADY_DONE = -32006  # second participation, second validation
RATE_LIMITED = -32007


class RpcError(Exception):
    """A rejection: the JSON-RPC code, a sentence for a person, and `data` naming the field or rule."""

    def __init__(self, code: int, message: str, data: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data or {}

    def to_json(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data:
            error["data"] = self.data
        return error


def invalid_params(field: str, message: str, rule: str = "type", **extra: Any) -> RpcError:
    """A -32602 naming the offending field."""
    return RpcError(INVALID_PARAMS, message, {"field": field, "rule": rule, **extra})
