"""A stand-in for the national document exchange axis (trục liên thông văn bản quốc gia).

Run as its own process: ``python -m tinhso.standins.edxml_axis --port 8792 --organ CODE=SECRET …``.
The axis is pull-based (``../shared/DOCUMENTS.md``): an agency sends an edXML envelope, every
recipient lists what arrived for it, gets it, and acknowledges it. The protocol follows the
public LGSP client of the provincial axes (verify against the axis a province connects to):

- ``POST /token`` with HTTP Basic ``client_key:client_secret`` and ``grant_type=client_credentials``
  → ``{access_token, token_type, expires_in}``; every other call carries ``Authorization: Bearer``
  (401 when missing or expired) and the agency's own ``secret`` header (which agency is calling);
- ``POST /vanbans`` ``{data: <base64 edXML>, type: "edoc" | "status"}`` → ``{status: "OK", docId}``.
  The envelope is validated: well-formed XML without a DOCTYPE, root ``edXML`` in the QCVN
  102:2016 namespace, the sender (``From/OrganId``) is the calling agency, every recipient
  (``To/OrganId``; a status message: ``ResponseFor/OrganId``) is registered, a ``DocumentId``;
  a refused envelope answers 400 ``{status: "FAIL", errorCode, errorDesc}`` and is not kept.
  One message is kept per recipient, with the bytes exactly as sent;
- ``GET /vanbans`` → the calling agency's messages not yet acknowledged
  ``[{docId, messageType, from, to, status, createdTime}]``;
- ``GET /vanbans/<docId>`` → ``{data: <base64>}`` (only for its recipient);
- ``PUT /vanbans/<docId>?status=DONE|FAIL|PROCESSING`` acknowledges it.
Test hooks: ``POST /_redeliver/<docId>`` delivers the same bytes again under a new docId (real
axes repeat deliveries), ``GET /_messages`` lists everything, ``GET /healthz``.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import secrets
import sqlite3
import sys
import threading
import time
import uuid
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from lxml import etree

from tinhso.standins._server import JsonHandler, serve

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
STATUSES = {"INITIAL", "PROCESSING", "DONE", "FAIL"}


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _texts(root: etree._Element, path: str) -> list[str]:
    return [(el.text or "").strip() for el in root.iterfind(path, {"e": NS})]


def route(data: bytes, kind: str, caller: str, organs: set[str]) -> tuple[str, list[str]]:
    """The envelope's DocumentId and recipients, or :class:`Refused` with the reason."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise Refused("INVALID_XML", f"not well-formed XML: {exc}") from exc
    if root.getroottree().docinfo.doctype:
        raise Refused("INVALID_XML", "a DOCTYPE is not allowed")
    if root.tag != f"{{{NS}}}edXML":
        raise Refused("INVALID_EDXML", "the root element is not edXML of QCVN 102:2016")
    header = "e:edXMLEnvelope/e:edXMLHeader"
    if kind == "edoc":
        base = f"{header}/e:MessageHeader"
        senders = _texts(root, f"{base}/e:From/e:OrganId")
        recipients = _texts(root, f"{base}/e:To/e:OrganId")
        document_ids = _texts(root, f"{base}/e:DocumentId")
    else:
        base = f"{header}/e:Status"
        senders = _texts(root, f"{base}/e:From/e:OrganId")
        recipients = _texts(root, f"{base}/e:ResponseFor/e:OrganId")
        document_ids = _texts(root, f"{base}/e:ResponseFor/e:DocumentId")
    if senders != [caller]:
        raise Refused("WRONG_SENDER", f"From/OrganId {senders} is not the calling agency {caller}")
    if not recipients:
        raise Refused("NO_RECIPIENT", "no recipient")
    unknown = sorted(set(recipients) - organs)
    if unknown:
        raise Refused("UNKNOWN_RECIPIENT", f"recipients not connected to the axis: {unknown}")
    if not document_ids or not document_ids[0]:
        raise Refused("NO_DOCUMENT_ID", "no DocumentId")
    return document_ids[0], list(dict.fromkeys(recipients))


class Axis:
    def __init__(self, path: str, organs: dict[str, str], key: str, secret: str, ttl: float):
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS message (doc_id TEXT PRIMARY KEY, kind TEXT, sender TEXT,"
            " recipient TEXT, document_id TEXT, data BLOB, status TEXT, created TEXT)"
        )
        self.lock = threading.Lock()
        self.secrets = {secret_: organ for organ, secret_ in organs.items()}
        self.organs = set(organs)
        self.key, self.client_secret, self.ttl = key, secret, ttl
        self.tokens: dict[str, float] = {}

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = time.monotonic() + self.ttl
        return token

    def token_valid(self, token: str) -> bool:
        with self.lock:
            return self.tokens.get(token, 0) > time.monotonic()

    def store(self, kind: str, sender: str, recipient: str, document_id: str, data: bytes) -> str:
        doc_id = str(uuid.uuid4())
        created = dt.datetime.now().strftime("%Y/%m/%d %H:%M:%S")
        with self.lock:
            self.db.execute(
                "INSERT INTO message VALUES (?, ?, ?, ?, ?, ?, 'INITIAL', ?)",
                (doc_id, kind, sender, recipient, document_id, data, created),
            )
            self.db.commit()
        return doc_id

    def rows(self, where: str = "", args: tuple = ()) -> list[dict]:
        with self.lock:
            columns = "doc_id, kind, sender, recipient, document_id, status, created, data"
            query = f"SELECT {columns} FROM message {where} ORDER BY rowid"  # noqa: S608
            cursor = self.db.execute(query, args)
            return [
                {
                    "docId": r[0],
                    "messageType": r[1],
                    "from": r[2],
                    "to": r[3],
                    "documentId": r[4],
                    "status": r[5],
                    "createdTime": r[6],
                    "data": r[7],
                }
                for r in cursor.fetchall()
            ]


class Handler(JsonHandler):
    axis: Axis

    def _fail(self, status: int, code: str, message: str) -> None:
        self._answer(status, {"status": "FAIL", "errorCode": code, "errorDesc": message})

    def _caller(self) -> str | None:
        """The calling agency, or None after answering 401/403."""
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not self.axis.token_valid(auth[7:]):
            self._fail(401, "UNAUTHORIZED", "missing or expired access token")
            return None
        organ = self.axis.secrets.get(self.headers.get("secret", ""))
        if organ is None:
            self._fail(403, "UNKNOWN_AGENCY", "the secret names no agency of the axis")
            return None
        return organ

    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/healthz":
            return self._answer(200, {"status": "OK"})
        if url.path == "/_messages":
            rows = self.axis.rows()
            for row in rows:
                row["data"] = base64.b64encode(row["data"]).decode()
            return self._answer(200, {"status": "OK", "data": rows})
        caller = self._caller()
        if caller is None:
            return None
        if url.path == "/vanbans":
            rows = self.axis.rows("WHERE recipient = ? AND status != 'DONE'", (caller,))
            for row in rows:
                del row["data"]
            return self._answer(200, {"status": "OK", "errorCode": 0, "data": rows})
        if url.path.startswith("/vanbans/"):
            rows = self.axis.rows("WHERE doc_id = ? AND recipient = ?", (url.path[9:], caller))
            if not rows:
                return self._fail(404, "NOT_FOUND", "no such message for this agency")
            data = base64.b64encode(rows[0]["data"]).decode()
            return self._answer(200, {"status": "OK", "errorCode": 0, "data": data})
        return self._fail(404, "NOT_FOUND", "no such endpoint")

    def do_POST(self) -> None:
        url = urlparse(self.path)
        if url.path == "/token":
            return self._token()
        if url.path.startswith("/_redeliver/"):
            rows = self.axis.rows("WHERE doc_id = ?", (url.path[12:],))
            if not rows:
                return self._fail(404, "NOT_FOUND", "no such message")
            r = rows[0]
            doc_id = self.axis.store(
                r["messageType"], r["from"], r["to"], r["documentId"], r["data"]
            )
            return self._answer(200, {"status": "OK", "docId": doc_id})
        if url.path != "/vanbans":
            return self._fail(404, "NOT_FOUND", "no such endpoint")
        caller = self._caller()
        if caller is None:
            return None
        body = self._json_body()
        if not isinstance(body, dict) or body.get("type") not in ("edoc", "status"):
            return self._fail(
                400, "BAD_REQUEST", 'expected {"data": base64, "type": "edoc"|"status"}'
            )
        try:
            data = base64.b64decode(str(body.get("data") or ""), validate=True)
            document_id, recipients = route(data, body["type"], caller, self.axis.organs)
        except (binascii.Error, ValueError):
            return self._fail(400, "BAD_BASE64", "data is not base64")
        except Refused as exc:
            return self._fail(400, exc.code, exc.message)
        ids = [self.axis.store(body["type"], caller, r, document_id, data) for r in recipients]
        return self._answer(200, {"status": "OK", "errorCode": 0, "docId": ids[0], "docIds": ids})

    def do_PUT(self) -> None:
        url = urlparse(self.path)
        caller = self._caller()
        if caller is None:
            return None
        status = (parse_qs(url.query).get("status") or [""])[0]
        if not url.path.startswith("/vanbans/") or status not in STATUSES:
            return self._fail(400, "BAD_REQUEST", f"status must be one of {sorted(STATUSES)}")
        with self.axis.lock:
            cursor = self.axis.db.execute(
                "UPDATE message SET status = ? WHERE doc_id = ? AND recipient = ?",
                (status, url.path[9:], caller),
            )
            self.axis.db.commit()
        if cursor.rowcount == 0:
            return self._fail(404, "NOT_FOUND", "no such message for this agency")
        return self._answer(200, {"status": "OK", "errorCode": 0})

    def _token(self) -> None:
        auth = self.headers.get("Authorization", "")
        try:
            key, _, secret = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        except (binascii.Error, ValueError):
            key = secret = ""
        form = parse_qs(self._raw_body().decode(errors="replace"))
        if (form.get("grant_type") or [""])[0] != "client_credentials":
            return self._fail(400, "unsupported_grant_type", "grant_type=client_credentials")
        if not (
            secrets.compare_digest(key, self.axis.key)
            and secrets.compare_digest(secret, self.axis.client_secret)
        ):
            return self._fail(401, "invalid_client", "wrong client key or secret")
        token = self.axis.issue_token()
        expires = int(self.axis.ttl)
        return self._answer(
            200, {"access_token": token, "token_type": "Bearer", "expires_in": expires}
        )


def make_server(host: str, port: int, axis: Axis) -> ThreadingHTTPServer:
    handler = type("AxisHandler", (Handler,), {"axis": axis})
    return ThreadingHTTPServer((host, port), handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8792)
    parser.add_argument("--db", default=":memory:")
    parser.add_argument("--client-key", default="tinhso")
    parser.add_argument("--client-secret", default="tinhso-axis-secret")
    parser.add_argument("--token-ttl", type=float, default=3600)
    parser.add_argument(
        "--organ",
        action="append",
        default=[],
        metavar="ORGANID=SECRET",
        help="an agency connected to the axis (repeat)",
    )
    args = parser.parse_args(argv)
    organs = dict(item.split("=", 1) for item in args.organ)
    axis = Axis(args.db, organs, args.client_key, args.client_secret, args.token_ttl)
    serve(make_server(args.host, args.port, axis), "edXML exchange axis")
    return 0


if __name__ == "__main__":
    sys.exit(main())
