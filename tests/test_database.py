"""The tests' database behaves as production's: no connection shared between threads."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_tests_sqlite_database_is_a_file_so_no_thread_shares_a_connection() -> None:
    # Django shares an in-memory database's one connection with the live server's threads; a query
    # calling a Python function (tos_amount_sum) in one while another binds its parameters deadlocks.
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite has an in-memory test database")
    name = str(connection.settings_dict["NAME"])
    assert "memory" not in name
    assert Path(name).is_file()
