"""`python -m tests.support.altered_node [--huge-rewards] [--failing-task-reads] [devnode options]`.

The devnode process with one rule changed, for what the dashboard must survive but the real rules never do:
- `--huge-rewards`: rewards up to 2^64-1 (the rules stop at 5,000 TOS, and every amount at the maximum
  supply), so the node pays credits above 2^63-1, the largest signed 64-bit integer, through its real
  event stream; the faucet mints enough to fund them;
- `--failing-task-reads`: every task read fails inside the node (a JSON-RPC internal error) while
  `get_version` still answers, as a node with a broken state would.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

from devnode import methods, rules
from devnode.__main__ import main

U64_MAX = 2**64 - 1
TASK_READS = ("ai_list_active_tasks", "ai_get_task_details", "ai_list_tasks")


def _failing(node: Any, params: Any, caller: Any) -> Any:
    raise RuntimeError("the task store is unreadable")


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--huge-rewards" in args:
        args.remove("--huge-rewards")
        low, _ = rules.REWARD_RANGES["Beginner"]
        rules.REWARD_RANGES["Beginner"] = (low, U64_MAX)
        # Balances, escrows and stakes of such tasks pass the real supply (the node checks every amount).
        rules.MAX_SUPPLY = rules.FAUCET_CAP = 4 * U64_MAX
    if "--failing-task-reads" in args:
        args.remove("--failing-task-reads")
        for name in TASK_READS:
            if name in methods.METHODS:
                methods.METHODS[name] = dataclasses.replace(methods.METHODS[name], handler=_failing)
    main(args)
