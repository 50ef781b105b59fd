"""A stand-in SMS brand-name and Zalo ZNS provider: ``python -m tinhso.standins.sms_zns --port N``.

It speaks the providers' HTTP protocol as the platform's adapters use it
(``tinhso.notifications.adapters``), checks each request, keeps the messages and lists them:

- ``POST /oauth/access_token`` (form ``refresh_token, app_id, grant_type=refresh_token``, header
  ``secret_key``): a new access token and a new refresh token; each refresh token works once;
- ``POST /zns/message/template`` (header ``access_token``; JSON ``phone`` 84…, ``template_id``,
  ``template_data`` object, ``tracking_id``): ``{"error": 0, "data": {"msg_id"}}``;
- ``POST /sms/send`` (``Authorization: Bearer <key>``; JSON ``brandname, phone, template_id,
  params, text``): ``{"error": 0, "message_id"}``;
- ``GET /`` a page listing the messages, ``GET /messages.json`` the same as JSON;
- ``POST /control/fail`` ``{"count": n}``: the next n sends answer 500 (tests of retries);
- ``POST /control/refresh-token`` ``{"token": "…"}``: issue one more refresh token, as the
  provider's console does;
- ``POST /control/unreachable`` ``{"phone": "…"}``: the messages to this phone (as sent: 0… for
  SMS, 84… for ZNS) are accepted but never reach the handset (a "failed" receipt).

Delivery receipts: with ``--receipts URL``, a moment after each accepted message the stand-in
POSTs ``{"channel", "message_id", "status": "delivered"|"failed", "error"}`` to ``URL`` with the
header ``X-Receipt-Token: --receipt-token``, as providers call a webhook registered in their
console; the receipt is listed with the message.

Standard library only; state in memory.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import ThreadingHTTPServer

from tinhso.standins._server import JsonHandler, serve

ZNS_PHONE = re.compile(r"^84\d{9,10}$")
SMS_PHONE = re.compile(r"^0\d{9,10}$")


class Provider:
    def __init__(
        self,
        *,
        refresh_token: str,
        sms_key: str,
        app_id: str,
        secret: str,
        receipts: str = "",
        receipt_token: str = "",
    ) -> None:
        self.lock = threading.Lock()
        self.receipts, self.receipt_token = receipts, receipt_token
        self.unreachable: set[str] = set()
        self.refresh_tokens = {refresh_token}
        self.access_tokens: set[str] = set()
        self.sms_key, self.app_id, self.secret = sms_key, app_id, secret
        self.messages: list[dict] = []
        self.refreshes = 0
        self.fail_next = 0
        self.ids = itertools.count(1)


class Handler(JsonHandler):
    provider: Provider  # set on the subclass the server uses

    def _json(self) -> dict | None:
        data = self._json_body()
        return data if isinstance(data, dict) else None

    def do_GET(self):
        p = self.provider
        with p.lock:
            messages = list(p.messages)
        if self.path == "/messages.json":
            return self._answer(200, {"messages": messages, "refreshes": p.refreshes})
        if self.path != "/":
            return self._answer(404, {"error": 404})
        rows = "".join(
            f"<tr><td>{html.escape(m['channel'])}</td><td>{html.escape(m['phone'])}</td>"
            f"<td>{html.escape(m['template_id'])}</td>"
            f"<td><pre>{html.escape(m.get('text') or json.dumps(m['params'], ensure_ascii=False))}"
            f"</pre></td><td>{html.escape(m.get('receipt', ''))}</td></tr>"
            for m in reversed(messages)
        )
        page = (
            "<!doctype html><meta charset=utf-8><title>SMS / ZNS stand-in</title>"
            f"<h1>SMS / Zalo ZNS ({len(messages)})</h1><table border=1 cellpadding=4>"
            "<tr><th>channel</th><th>phone</th><th>template</th><th>content</th><th>receipt</th>"
            f"</tr>{rows}</table>"
        )
        return self._answer(200, page.encode(), "text/html; charset=utf-8")

    def do_POST(self):
        routes = {
            "/oauth/access_token": self._refresh,
            "/zns/message/template": self._zns,
            "/sms/send": self._sms,
            "/control/fail": self._control,
            "/control/refresh-token": self._issue,
            "/control/unreachable": self._unreachable,
        }
        route = routes.get(self.path)
        if route is None:
            return self._answer(404, {"error": 404})
        return route()

    def _control(self):
        data = self._json() or {}
        with self.provider.lock:
            self.provider.fail_next = int(data.get("count", 0))
        return self._answer(200, {"error": 0})

    def _issue(self):
        token = str((self._json() or {}).get("token", "")).strip()
        if not token:
            return self._answer(400, {"error": 400, "message": "token is required"})
        with self.provider.lock:
            self.provider.refresh_tokens.add(token)
        return self._answer(200, {"error": 0})

    def _unreachable(self):
        phone = str((self._json() or {}).get("phone", "")).strip()
        if not phone:
            return self._answer(400, {"error": 400, "message": "phone is required"})
        with self.provider.lock:
            self.provider.unreachable.add(phone)
        return self._answer(200, {"error": 0})

    def _failing(self) -> bool:
        with self.provider.lock:
            if self.provider.fail_next > 0:
                self.provider.fail_next -= 1
                return True
        return False

    def _refused(self, problem: str, status: int, code: int) -> bool:
        """Answer and say so where a send is refused: a bad request, or a failure asked for."""
        if problem:
            self._answer(status, {"error": code, "message": problem})
            return True
        if self._failing():
            self._answer(500, {"error": -1, "message": "stand-in failure"})
            return True
        return False

    def _refresh(self):
        p = self.provider
        form = urllib.parse.parse_qs(self._raw_body().decode())
        token = (form.get("refresh_token") or [""])[0]
        if self.headers.get("secret_key") != p.secret or form.get("app_id") != [p.app_id]:
            return self._answer(200, {"error": -14002, "error_name": "Invalid app or secret"})
        if form.get("grant_type") != ["refresh_token"]:
            return self._answer(200, {"error": -14003, "error_name": "Invalid grant_type"})
        with p.lock:
            if token not in p.refresh_tokens:  # unknown or already spent
                return self._answer(200, {"error": -14014, "error_name": "Invalid refresh token"})
            p.refresh_tokens.discard(token)
            access, refresh = secrets.token_hex(16), secrets.token_hex(16)
            p.access_tokens.add(access)
            p.refresh_tokens.add(refresh)
            p.refreshes += 1
        answer = {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
        return self._answer(200, answer)

    def _keep(self, message: dict) -> str:
        p = self.provider
        with p.lock:
            message["id"] = f"{message['channel']}-{next(p.ids)}"
            message["receipt"] = ""
            p.messages.append(message)
        if p.receipts:
            threading.Thread(target=_send_receipt, args=(p, message), daemon=True).start()
        return message["id"]

    def _zns(self):
        p = self.provider
        with p.lock:
            known = self.headers.get("access_token") in p.access_tokens
        if not known:
            return self._answer(200, {"error": -124, "message": "Access token is invalid"})
        data = self._json()
        if self._refused(_zns_problem(data), 200, -100):
            return None
        msg_id = self._keep(
            {
                "channel": "zns",
                "phone": data["phone"],
                "template_id": data["template_id"],
                "params": data["template_data"],
                "tracking_id": data.get("tracking_id", ""),
            }
        )
        return self._answer(200, {"error": 0, "message": "Success", "data": {"msg_id": msg_id}})

    def _sms(self):
        if self.headers.get("Authorization") != f"Bearer {self.provider.sms_key}":
            return self._answer(401, {"error": 401, "message": "Unauthorized"})
        data = self._json()
        if self._refused(_sms_problem(data), 400, 400):
            return None
        message_id = self._keep(
            {
                "channel": "sms",
                "brandname": data["brandname"],
                "phone": data["phone"],
                "template_id": data["template_id"],
                "params": data.get("params") or {},
                "text": data["text"],
                "reference": data.get("reference", ""),
            }
        )
        return self._answer(200, {"error": 0, "message_id": message_id})


def _send_receipt(p: Provider, message: dict, delay: float = 0.3) -> None:
    """Tell the platform's webhook whether the message reached the handset (retried a few
    times, as providers do, while the platform does not answer 2xx)."""
    time.sleep(delay)
    with p.lock:
        failed = message["phone"] in p.unreachable
    status = "failed" if failed else "delivered"
    body = {
        "channel": message["channel"],
        "message_id": message["id"],
        "status": status,
        "error": "subscriber unreachable" if failed else "",
    }
    request = urllib.request.Request(  # noqa: S310 - the platform's configured webhook
        p.receipts,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "X-Receipt-Token": p.receipt_token},
    )
    for attempt in range(5):
        try:
            with urllib.request.urlopen(request, timeout=5):  # noqa: S310
                answered = f"{status} (acknowledged)"
                break
        except OSError as exc:
            answered = f"{status} (not acknowledged: {exc})"
            if isinstance(exc, urllib.error.HTTPError) and exc.code < 500:
                break  # refused: resending the same receipt cannot help
            time.sleep(0.5 * 2**attempt)
    with p.lock:
        message["receipt"] = answered


def _zns_problem(data) -> str:
    if data is None:
        return "body is not a JSON object"
    if not ZNS_PHONE.match(str(data.get("phone", ""))):
        return "phone must be 84 followed by 9-10 digits"
    if not str(data.get("template_id", "")).strip():
        return "template_id is required"
    if not isinstance(data.get("template_data"), dict):
        return "template_data must be an object"
    return ""


def _sms_problem(data) -> str:
    if data is None:
        return "body is not a JSON object"
    if not str(data.get("brandname", "")).strip():
        return "brandname is required"
    if not SMS_PHONE.match(str(data.get("phone", ""))):
        return "phone must be a Vietnamese number starting with 0"
    if not str(data.get("template_id", "")).strip() or not str(data.get("text", "")).strip():
        return "template_id and text are required"
    return ""


def make_server(port: int, **provider: str) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"provider": Provider(**provider)})
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--refresh-token", default="standin-refresh-0")
    parser.add_argument("--sms-key", default="standin-sms-key")
    parser.add_argument("--app-id", default="standin-app")
    parser.add_argument("--secret", default="standin-secret")
    parser.add_argument("--receipts", default="", help="the platform's receipt webhook URL")
    parser.add_argument("--receipt-token", default="")
    args = parser.parse_args(argv)
    server = make_server(
        args.port,
        refresh_token=args.refresh_token,
        sms_key=args.sms_key,
        app_id=args.app_id,
        secret=args.secret,
        receipts=args.receipts,
        receipt_token=args.receipt_token,
    )
    serve(server, "sms-zns")


if __name__ == "__main__":
    main()
