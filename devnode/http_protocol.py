"""uvicorn's httptools protocol, serving requests that offer an upgrade other than WebSocket as HTTP/1.1.

Java's stock `HttpClient` (and curl --http2, Spring's RestClient, Ktor) offer cleartext HTTP/2 on a
request with a body: `Connection: Upgrade, HTTP2-Settings`, `Upgrade: h2c`. A server may ignore the
offer and answer over HTTP/1.1 (RFC 9110 section 7.8). httptools, though, skips the body of any request
that offers an upgrade and stops at the end of its headers, and uvicorn then hands the application an
empty body (uvicorn issue #2722, httptools issue #124, both open): every such POST answered -32700.

Here, when the offer is declined, the body that follows the headers is fed to a fresh parser through a
stand-in header block that keeps only the request's framing (Content-Length or chunked), so the body
reaches the request already under way; the same parser then reads any keep-alive or pipelined request
after it. WebSocket upgrades go the usual way.
"""

from __future__ import annotations

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# Headers that frame a body: the stand-in header block carries these and nothing else.
_FRAMING = (b"content-length", b"transfer-encoding")


class HttpProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that declines h2c (and any non-WebSocket) upgrade offers without losing the body."""

    _replaying = False

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        while True:
            try:
                self.parser.feed_data(data)
            except httptools.HttpParserError:
                message = "Invalid HTTP request received."
                self.logger.warning(message)
                self.send_400_response(message)
            except httptools.HttpParserUpgrade as upgrade:
                if self._should_upgrade():
                    self.handle_websocket_upgrade()
                else:
                    data = self._decline_upgrade(data[upgrade.args[0] :])
                    continue
            return

    def _decline_upgrade(self, rest: bytes) -> bytes:
        """Reopen the request the parser closed at its headers; return the bytes to parse next."""
        self.logger.debug("Declined an HTTP upgrade offer (%s); serving HTTP/1.1", self._get_upgrade())
        self.parser = httptools.HttpRequestParser(self)
        framing = [(name, value) for name, value in self.headers if name in _FRAMING]
        if not framing:
            # No body: the request was complete at its headers, as the parser said.
            return rest
        cycle = self.cycle
        cycle.more_body = True
        cycle.message_event.clear()
        self._replaying = True
        head = [self.scope["method"].encode("ascii"), b" / HTTP/1.1\r\n"]
        for name, value in framing:
            head += [name, b": ", value, b"\r\n"]
        return b"".join(head) + b"\r\n" + rest

    # While the stand-in header block is parsed, the request it stands for is already under way: its
    # headers must not start a second request.

    def on_message_begin(self) -> None:
        if not self._replaying:
            super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        if not self._replaying:
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._replaying:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if not self._replaying:
            super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._replaying = False
        super().on_message_complete()
