"""SQLite persistence: records as JSON rows and the event log, one transaction per write.

WAL with synchronous=NORMAL: a commit survives the process being killed (SIGKILL), which is the crash
the devnode promises to survive; only a power cut could lose the last commits. `--ephemeral` uses an
in-memory database through the same code, so rollbacks reload the same way in both modes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (address TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (task_id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, data TEXT NOT NULL);
"""


class Store:
    def __init__(self, path: Path | None) -> None:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        # autocommit off at the driver level; transactions are opened explicitly with BEGIN.
        self.db = sqlite3.connect(
            str(path) if path else ":memory:", isolation_level=None, check_same_thread=False
        )
        if path is not None:
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def is_empty(self) -> bool:
        count: int = self.db.execute("SELECT COUNT(*) FROM meta").fetchone()[0]
        return count == 0

    def load(self) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        meta = {key: json.loads(value) for key, value in self.db.execute("SELECT key, value FROM meta")}
        accounts = [json.loads(row[0]) for row in self.db.execute("SELECT data FROM accounts")]
        tasks = [json.loads(row[0]) for row in self.db.execute("SELECT data FROM tasks")]
        return meta, accounts, tasks

    def load_events(self, limit: int) -> list[str]:
        """The newest `limit` events, oldest first, as stored JSON text."""
        rows = self.db.execute("SELECT data FROM events ORDER BY seq DESC LIMIT ?", (limit,)).fetchall()
        return [row[0] for row in reversed(rows)]

    def commit(
        self,
        meta: dict[str, Any] | None,
        accounts: Iterable[dict[str, Any]],
        tasks: Iterable[dict[str, Any]],
        events: Iterable[tuple[int, str]],
        prune_through: int = 0,
    ) -> None:
        """Write one state change atomically."""
        db = self.db
        db.execute("BEGIN")
        try:
            if meta is not None:
                db.executemany(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    [(key, json.dumps(value)) for key, value in meta.items()],
                )
            db.executemany(
                "INSERT OR REPLACE INTO accounts (address, data) VALUES (?, ?)",
                [(row["address"], json.dumps(row, separators=(",", ":"))) for row in accounts],
            )
            db.executemany(
                "INSERT OR REPLACE INTO tasks (task_id, data) VALUES (?, ?)",
                [(row["task_id"], json.dumps(row, separators=(",", ":"))) for row in tasks],
            )
            db.executemany("INSERT INTO events (seq, data) VALUES (?, ?)", events)
            if prune_through > 0:
                db.execute("DELETE FROM events WHERE seq <= ?", (prune_through,))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()
