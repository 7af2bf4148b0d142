"""`make test-postgres`: run a command against PostgreSQL, starting a throwaway server when none is given.

    python -m tosweb.pgtest -- python -m pytest

With DATABASE_URL set to a postgres:// URL the command runs against that server as it is. Otherwise a
private cluster is initialised under .run/ (Debian's `postgresql` package, installed when missing and we
are root), started on a free loopback port with durability off (a test server loses nothing of value),
and stopped and deleted when the command ends, whether it passed, failed or was interrupted.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tosweb.launcher import pick_port

DEBIAN_PACKAGE = "postgresql"
DATABASE = "tosweb"
USER = "tosweb"
# initdb and postgres refuse to run as root; as root the cluster belongs to Debian's `postgres` user.
SERVER_USER = "postgres"


def is_postgres_url(url: str) -> bool:
    return url.split("://", 1)[0] in {"postgres", "postgresql", "pgsql"}


def find_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl: the newest Debian version, else whatever is on PATH."""
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
    )
    if versions:
        return versions[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def install_postgresql() -> Path:
    """Debian's PostgreSQL server binaries, installed first when missing and we may."""
    bindir = find_bindir()
    if bindir is not None:
        return bindir
    if os.geteuid() != 0:
        raise SystemExit(
            "PostgreSQL is not installed: run `sudo apt-get install postgresql`, run this as root, "
            "or set DATABASE_URL=postgres://... to use an existing server."
        )
    print(f"Installing Debian's {DEBIAN_PACKAGE} ...", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", DEBIAN_PACKAGE],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdout=subprocess.DEVNULL,
    )
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit(f"{DEBIAN_PACKAGE} installed, but no initdb was found under /usr/lib/postgresql.")
    return bindir


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", SERVER_USER, "--", *command]


@contextlib.contextmanager
def throwaway_cluster(bindir: Path) -> Iterator[str]:
    """A PostgreSQL server on a free loopback port, for the duration of the block; yields its URL."""
    # The system's temporary directory, not .run/: .run/ is for this user only (0700), and as root the
    # server runs as the postgres user, which must reach its data directory.
    workdir = Path(tempfile.mkdtemp(prefix="tos-pgtest-"))
    data = workdir / "data"
    if os.geteuid() == 0:
        owner = pwd.getpwnam(SERVER_USER)
        os.chown(workdir, owner.pw_uid, owner.pw_gid)
    port = pick_port(54329)
    server_options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={workdir} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    initdb = [str(bindir / "initdb"), "-D", str(data), "--username", USER, "--auth", "trust", "--no-sync"]
    start = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(workdir / "server.log"), "-o", server_options]
    started = False
    try:
        subprocess.run(
            _as_server_user([*initdb, "--encoding", "UTF8"]), check=True, stdout=subprocess.DEVNULL
        )
        subprocess.run(
            _as_server_user([*start, "-w", "-t", "60", "start"]), check=True, stdout=subprocess.DEVNULL
        )
        started = True
        subprocess.run(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", USER, DATABASE], check=True
        )
        print(f"PostgreSQL {bindir.parent.name} on 127.0.0.1:{port} ({workdir})", flush=True)
        yield f"postgres://{USER}@127.0.0.1:{port}/{DATABASE}"
    finally:
        if started:
            subprocess.run(
                _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                stdout=subprocess.DEVNULL,
                check=False,
            )
        shutil.rmtree(workdir, ignore_errors=True)


def _raise_on_sigterm(signum: int, frame: object) -> None:
    # Turns a TERM from make or CI into an exception, so the `finally` above still stops the server.
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    command = argv[1:] if argv[:1] == ["--"] else argv
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    # Threads of the tests (channels' database_sync_to_async, live_server) would otherwise keep their
    # connections open past the session, and PostgreSQL refuses to drop a test database still in use.
    env = {"DATABASE_CONN_MAX_AGE": "0", **os.environ}
    url = env.get("DATABASE_URL", "")
    if url and is_postgres_url(url):
        print("Using the PostgreSQL server at DATABASE_URL.", flush=True)
        return subprocess.run(command, env=env, check=False).returncode
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    with throwaway_cluster(install_postgresql()) as url:
        return subprocess.run(command, env={**env, "DATABASE_URL": url}, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
