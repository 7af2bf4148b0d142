"""`--check-replies`: the node checks every reply it sends against the schema it publishes for it.

A mismatch is logged (at ERROR, with "does not match its schema") and the reply is sent unchanged; the
conformance harness runs its node this way and fails the run on any such line, so every reply of every
client's scenario is checked. It needs `jsonschema` (the test extras), and costs a validation per reply.
"""

from __future__ import annotations

import logging
from typing import Any

from devnode.methods import METHODS
from devnode.results import ERROR

log = logging.getLogger("devnode")
MARKER = "does not match its schema"


class ReplyChecker:
    def __init__(self) -> None:
        from jsonschema import Draft202012Validator

        self.results = {name: Draft202012Validator(method.result) for name, method in METHODS.items()}
        self.error = Draft202012Validator(ERROR)

    def check_result(self, method: str, result: Any) -> None:
        validator = self.results.get(method)
        if validator is not None:
            self._report(f"the result of {method}", validator.iter_errors(result))

    def check_error(self, method: str, error: dict[str, Any]) -> None:
        self._report(f"an error of {method}", self.error.iter_errors(error))

    def check_reply(self, method: Any, reply: dict[str, Any]) -> None:
        """A JSON-RPC reply object: its result against the method's schema, or its error."""
        name = method if isinstance(method, str) else "?"
        if "result" in reply:
            self.check_result(name, reply["result"])
        elif "error" in reply:
            self.check_error(name, reply["error"])

    @staticmethod
    def _report(what: str, errors: Any) -> None:
        problems = [
            f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message[:200]}" for error in errors
        ]
        if problems:
            log.error("%s %s (--check-replies): %s", what, MARKER, "; ".join(problems[:5]))
