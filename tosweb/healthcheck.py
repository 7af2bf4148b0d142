"""`python -m tosweb.healthcheck [URL]`: exit 0 when the web process answers /healthz with 200 (compose).

The probe comes from inside the container, so it names a host the settings allow (the first of
ALLOWED_HOSTS) and says the request came through HTTPS, as the proxy would: neither ALLOWED_HOSTS nor
the SSL redirect turn it away. Only the standard library: it runs every few seconds.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def probe_host(allowed_hosts: str) -> str:
    """A Host header ALLOWED_HOSTS accepts: its first entry (".example.com" allows "example.com")."""
    for entry in allowed_hosts.split(","):
        host = entry.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def main(argv: list[str]) -> int:
    url = argv[0] if argv else DEFAULT_URL
    request = urllib.request.Request(  # noqa: S310 (the URL is ours: compose's healthcheck)
        url,
        headers={
            "Host": probe_host(os.environ.get("ALLOWED_HOSTS", "localhost")),
            "X-Forwarded-Proto": "https",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310
            status = reply.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except OSError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"unhealthy: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
