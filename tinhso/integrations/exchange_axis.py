"""The client of the national document exchange axis (pull-based; ``../shared/DOCUMENTS.md``).

Send an edXML envelope, list what arrived for the agency, get it, acknowledge it. The protocol is
the one of the stand-in ``tinhso.standins.edxml_axis`` (modelled on the public LGSP client of the
provincial axes): an OAuth2 client-credentials token, renewed once when the axis answers 401, and
the agency's own ``secret`` on every call. Envelope contents are :mod:`tinhso.integrations.edxml`'s
business; this module moves bytes.
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any


class AxisError(Exception):
    """The axis refused or could not be reached (``status`` 0 when unreachable)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Arrival:
    """One message waiting for the agency on the axis."""

    doc_id: str
    kind: str  # "edoc" or "status"
    sender: str
    created: str


class AxisClient:
    def __init__(
        self,
        base_url: str,
        *,
        client_key: str,
        client_secret: str,
        agency_secret: str,
        timeout: float = 15,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_key, self.client_secret = client_key, client_secret
        self.agency_secret, self.timeout = agency_secret, timeout
        self.token: str | None = None
        self.lock = threading.Lock()

    def _request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - a configured http(s) URL
            self.base_url + path, data=body, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                payload = json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                err = json.loads(exc.read() or b"{}")
            except ValueError:
                err = {}
            raise AxisError(
                exc.code, str(err.get("errorCode", "")), str(err.get("errorDesc", ""))
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise AxisError(0, "UNREACHABLE", f"{type(exc).__name__}: {exc}") from exc
        if payload.get("status") not in (None, "OK"):
            raise AxisError(
                200, str(payload.get("errorCode", "")), str(payload.get("errorDesc", ""))
            )
        return payload

    def _login(self) -> str:
        basic = base64.b64encode(f"{self.client_key}:{self.client_secret}".encode()).decode()
        answer = self._request(
            "POST",
            "/token",
            body=b"grant_type=client_credentials",
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        self.token = answer["access_token"]
        return self.token

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict[str, Any]:
        """One authenticated call; an expired token is renewed once."""
        body = json.dumps(payload).encode() if payload is not None else None
        for attempt in (1, 2):
            with self.lock:
                token = self.token or self._login()
            headers = {"Authorization": f"Bearer {token}", "secret": self.agency_secret}
            if body is not None:
                headers["Content-Type"] = "application/json"
            try:
                return self._request(method, path, body=body, headers=headers)
            except AxisError as exc:
                if exc.status != 401 or attempt == 2:
                    raise
                with self.lock:
                    self.token = None
        raise AssertionError("unreachable")

    def send(self, envelope: bytes, *, kind: str = "edoc") -> list[str]:
        """Send an envelope (``kind`` ``edoc`` or ``status``); the axis's message ids."""
        data = base64.b64encode(envelope).decode()
        answer = self._call("POST", "/vanbans", {"data": data, "type": kind})
        return list(answer.get("docIds") or [answer["docId"]])

    def arrivals(self) -> list[Arrival]:
        answer = self._call("GET", "/vanbans")
        return [
            Arrival(row["docId"], row["messageType"], row["from"], row["createdTime"])
            for row in answer.get("data") or []
        ]

    def get(self, doc_id: str) -> bytes:
        """The envelope's bytes exactly as the sender sent them."""
        answer = self._call("GET", f"/vanbans/{urllib.parse.quote(doc_id)}")
        return base64.b64decode(answer["data"])

    def acknowledge(self, doc_id: str, status: str = "DONE") -> None:
        query = urllib.parse.urlencode({"status": status})
        self._call("PUT", f"/vanbans/{urllib.parse.quote(doc_id)}?{query}")
