"""Per-address hourly limits on publish, submit and validate, on the node's clock."""

from __future__ import annotations

from devnode import rules
from devnode.errors import RATE_LIMITED, RpcError


class RateLimiter:
    """Sliding one-hour windows per (address, action) on the node's clock; kept in memory only."""

    def __init__(self, limits: dict[str, int] | None) -> None:
        self.limits = limits
        self._history: dict[tuple[str, str], list[int]] = {}

    def check(self, address: str, action: str, now: int) -> None:
        if self.limits is None or action not in self.limits:
            return
        limit = self.limits[action]
        window_start = now - rules.RATE_WINDOW_SECONDS
        history = [stamp for stamp in self._history.get((address, action), []) if stamp > window_start]
        self._history[(address, action)] = history
        if len(history) >= limit:
            retry_after = max(1, history[0] - window_start)
            raise RpcError(
                RATE_LIMITED,
                f"rate limited: at most {limit} {action} actions per hour per address; "
                f"retry in {retry_after} s",
                {
                    "rule": "rate_limit",
                    "action": action,
                    "limit": limit,
                    "window": rules.RATE_WINDOW_SECONDS,
                    "retry_after": retry_after,
                },
            )

    def record(self, address: str, action: str, now: int) -> None:
        if self.limits is not None and action in self.limits:
            self._history.setdefault((address, action), []).append(now)
