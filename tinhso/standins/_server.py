"""What both stand-in servers share: the JSON handler base, the free port, the serving loop.

Standard library only, so that the stand-ins, the tests and the bench scripts can all use it
without Django.
"""

from __future__ import annotations

import contextlib
import json
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (for a server started just after)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class JsonHandler(BaseHTTPRequestHandler):
    """A request handler answering JSON (or given bytes), quiet unless the server is verbose."""

    def log_message(self, format: str, *args: Any) -> None:
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    def _answer(self, status: int, payload: Any, content_type: str = "") -> None:
        if isinstance(payload, bytes):
            body = payload
        else:
            body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type or "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # the client may be gone (a killed worker): what it sent is kept all the same
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def _raw_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _json_body(self) -> Any:
        """The request's JSON, or None where it is not JSON."""
        try:
            return json.loads(self._raw_body() or b"null")
        except ValueError:
            return None


def serve(server: ThreadingHTTPServer, name: str) -> None:
    """Say where ``server`` listens (first stdout line, read by tests) and serve until Ctrl-C."""
    host, port = server.server_address[:2]
    print(f"{name} stand-in on http://{host}:{port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
