"""A stand-in for the national public service portal's dossier sync (``../shared/INTEGRATIONS.md``).

Run as its own process: ``python -m tinhso.standins.national_portal --port 8790 --db FILE``.
It speaks the portal's protocol and nothing of tinhso (no Django, standard library plus
``jsonschema``):

- ``POST /auth`` ``{username, password}`` → ``{session, error_code: 0}`` (wrong credentials: 401);
  a session lasts ``--session-ttl`` seconds;
- ``POST /integration`` with the header ``session`` and ``{service, isUpdating, data: [...]}``:
  ``DongBoHoSoMC`` (dossiers) and ``CapNhatTienDoHoSoMC`` (processing steps). Every record is
  validated against :data:`SCHEMAS` (dates ``^\\d{14}$``, status 1–10, a national procedure code);
  an invalid payload is refused whole with 400 and the errors. A record already received (same
  ``MaHoSo`` + ``PhienBan``, or same step id) is answered ``error_code: 0`` again and reported in
  ``duplicates``, never stored twice. An expired or unknown session answers 401. A record
  stored after a later one of its dossier (a lower ``PhienBan``, or a lower step id) is stored
  and counted as an order violation.
- ``GET /received`` lists what was stored, ``GET /stats`` counts calls, injected faults,
  duplicates, records, order violations and lost answers; ``POST /_faults`` ``{status, count}``
  makes the next ``count`` integration calls answer ``status``, ``{status, seconds}`` every call
  for that long (retry tests, fault drills), ``{status, count, "after_store": true}`` stores the
  next ``count`` calls' records and then answers ``status`` (the answer lost on its way back, as
  when a worker dies or a connection drops after the portal applied it: the resend must be
  recognised as a duplicate); ``POST /_reset`` forgets everything; ``GET /healthz``.

What it received is kept in an SQLite file (``--db``; ``:memory:`` by default).
"""

from __future__ import annotations

import argparse
import json
import secrets
import sqlite3
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

from jsonschema import Draft202012Validator

from tinhso.standins._server import JsonHandler, serve

DATE = {"type": "string", "pattern": r"^\d{14}$"}
OPTIONAL_DATE = {"anyOf": [DATE, {"type": "null"}]}
TEXT = {"type": "string"}
NATIONAL_CODE = {"type": "string", "pattern": r"^[0-9]\.[0-9]{6}(\.[0-9A-Za-z]+)*$"}


def list_of(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    """A JSON Schema array of objects: each has ``required`` among ``properties``."""
    return {
        "type": "array",
        "items": {"type": "object", "required": required, "properties": properties},
    }


DOSSIER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "MaHoSo",
        "PhienBan",
        "MaTTHC",
        "TenTTHC",
        "ChuHoSo",
        "LoaiDoiTuong",
        "TrangThaiHoSo",
        "HinhThuc",
    ],
    "properties": {
        "MaHoSo": {"type": "string", "minLength": 1},
        "PhienBan": {"type": "integer", "minimum": 1},
        "MaTTHC": NATIONAL_CODE,
        "TenTTHC": {"type": "string", "minLength": 1},
        "MaLinhVuc": TEXT,
        "TenLinhVuc": TEXT,
        "SoBienNhan": TEXT,
        "ChuHoSo": {"type": "string", "minLength": 1},
        "LoaiDoiTuong": {"enum": [1, 2]},
        "MaDoiTuong": TEXT,
        "ThongTinKhac": TEXT,
        "Email": TEXT,
        "Fax": TEXT,
        "SoDienThoai": TEXT,
        "TrichYeuHoSo": TEXT,
        "NgayTiepNhan": OPTIONAL_DATE,
        "NgayHenTra": OPTIONAL_DATE,
        "TrangThaiHoSo": {"type": "integer", "minimum": 1, "maximum": 10},
        "NgayTra": OPTIONAL_DATE,
        "ThongTinTra": TEXT,
        "HinhThuc": {"enum": ["Trực tiếp", "Trực tuyến", "Nộp qua bưu chính công ích"]},
        "NgayKetThucXuLy": OPTIONAL_DATE,
        "DonViXuLy": TEXT,
        "GhiChu": TEXT,
        "TaiLieuNop": {"type": "array"},
        "DanhSachLePhi": list_of(
            ["TenPhiLePhi", "Gia"],
            {
                "TenPhiLePhi": TEXT,
                "MaPhiLePhi": TEXT,
                "HinhThucThu": TEXT,
                "Gia": {"type": "integer", "minimum": 0},
                "LoaiPhiLePhi": {"type": "integer"},
            },
        ),
        "DanhSachHoSoBoSung": list_of(
            ["HoSoBoSungId", "NoiDungBoSung", "NgayBoSung"],
            {
                "HoSoBoSungId": {"type": "string", "minLength": 1},
                "NguoiYeuCauBoSung": TEXT,
                "NoiDungBoSung": TEXT,
                "NgayBoSung": DATE,
                "NguoiTiepNhanBoSung": TEXT,
                "NgayTiepNhanBoSung": OPTIONAL_DATE,
                "TrangThaiBoSung": {"type": "integer"},
                "NgayHenTraTruoc": OPTIONAL_DATE,
                "NgayHenTraMoi": OPTIONAL_DATE,
            },
        ),
        "DanhSachGiayToKetQua": list_of(
            ["GiayToId", "TenGiayTo"],
            {"GiayToId": TEXT, "TenGiayTo": TEXT},
        ),
    },
    "additionalProperties": False,
}

STEP_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["MaHoSo", "BuocXuLyId", "ThoiDiemXuLy", "TrangThai", "NoiDungXuLy"],
    "properties": {
        "MaHoSo": {"type": "string", "minLength": 1},
        "BuocXuLyId": {"type": "string", "minLength": 1},
        "NguoiXuLy": TEXT,
        "ChucDanh": TEXT,
        "ThoiDiemXuLy": DATE,
        "PhongBanXuLy": TEXT,
        "NoiDungXuLy": TEXT,
        "TrangThai": {"type": "integer", "minimum": 1, "maximum": 10},
        "NgayBatDau": OPTIONAL_DATE,
        "NgayKetThucTheoQuyDinh": OPTIONAL_DATE,
    },
    "additionalProperties": False,
}

SCHEMAS = {"DongBoHoSoMC": DOSSIER_SCHEMA, "CapNhatTienDoHoSoMC": STEP_SCHEMA}
VALIDATORS = {name: Draft202012Validator(schema) for name, schema in SCHEMAS.items()}
ENVELOPE = Draft202012Validator(
    {
        "type": "object",
        "required": ["service", "data"],
        "properties": {
            "service": {"enum": list(SCHEMAS)},
            "isUpdating": {"type": "boolean"},
            "data": {"type": "array", "minItems": 1},
        },
    }
)


def validation_errors(body: Any) -> list[str]:
    """What is wrong with an integration call's body ([] when the portal accepts it)."""
    errors = [
        f"{'/'.join(map(str, e.path)) or '.'}: {e.message}" for e in ENVELOPE.iter_errors(body)
    ]
    if errors:
        return errors
    validator = VALIDATORS[body["service"]]
    for index, record in enumerate(body["data"]):
        for e in validator.iter_errors(record):
            where = "/".join(map(str, ["data", index, *e.path]))
            errors.append(f"{where}: {e.message}")
    return errors


def record_key(service: str, record: dict) -> str:
    """What the portal deduplicates on: ``MaHoSo`` + version, or the step's id."""
    if service == "DongBoHoSoMC":
        return f"{record['MaHoSo']}:{record['PhienBan']}"
    return f"{record['MaHoSo']}:step:{record['BuocXuLyId']}"


class Store:
    """The records received, in an SQLite file shared by the server's threads."""

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.lock = threading.Lock()
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS received (key TEXT PRIMARY KEY, service TEXT NOT NULL,"
            " dossier TEXT NOT NULL, record TEXT NOT NULL, received_at REAL NOT NULL,"
            " seq INTEGER NOT NULL)"
        )

    def add(self, service: str, record: dict) -> bool:
        """Store a record; False when its key was already received (nothing changes)."""
        with self.lock:
            seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM received").fetchone()[0]
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO received VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record_key(service, record),
                    service,
                    record["MaHoSo"],
                    json.dumps(record, ensure_ascii=False),
                    time.time(),
                    seq,
                ),
            )
            return cursor.rowcount == 1

    def clear(self) -> None:
        with self.lock:
            self.db.execute("DELETE FROM received")

    def count(self) -> int:
        with self.lock:
            return self.db.execute("SELECT COUNT(*) FROM received").fetchone()[0]

    def all(self) -> list[dict]:
        with self.lock:
            rows = self.db.execute(
                "SELECT key, service, record FROM received ORDER BY seq"
            ).fetchall()
        return [{"key": k, "service": s, "record": json.loads(r)} for k, s, r in rows]


class Portal:
    """The stand-in's state: accounts, sessions, injected faults, the store."""

    def __init__(self, store: Store, *, username: str, password: str, session_ttl: float) -> None:
        self.store = store
        self.username, self.password, self.session_ttl = username, password, session_ttl
        self.sessions: dict[str, float] = {}
        self.faults: list[int] = []
        self.lost: list[int] = []  # store the records, then answer this status
        self.failing: tuple[int, float] = (0, 0.0)  # answer this status until then
        self.calls = self.faults_answered = self.duplicates = 0
        self.lost_answers = self.order_violations = 0
        self.newest: dict[tuple[str, str], int] = {}  # (service, MaHoSo) → newest stored
        self.lock = threading.Lock()

    def login(self, body: dict) -> str | None:
        if body.get("username") != self.username or body.get("password") != self.password:
            return None
        session = secrets.token_hex(16)
        with self.lock:
            self.sessions[session] = time.monotonic() + self.session_ttl
        return session

    def reset(self) -> None:
        with self.lock:
            self.sessions.clear()
            self.faults.clear()
            self.lost.clear()
            self.failing = (0, 0.0)
            self.calls = self.faults_answered = self.duplicates = 0
            self.lost_answers = self.order_violations = 0
            self.newest.clear()
        self.store.clear()

    def session_valid(self, session: str) -> bool:
        with self.lock:
            return self.sessions.get(session, 0) > time.monotonic()

    def next_fault(self) -> int | None:
        with self.lock:
            self.calls += 1
            status, until = self.failing
            if until > time.monotonic():
                self.faults_answered += 1
                return status
            if self.faults:
                self.faults_answered += 1
                return self.faults.pop(0)
            return None

    def next_lost_answer(self) -> int | None:
        """The status to answer after storing this call's records, when its answer is lost."""
        with self.lock:
            if self.lost:
                self.lost_answers += 1
                return self.lost.pop(0)
            return None

    def stored(self, service: str, record: dict) -> None:
        """Count an order violation when ``record`` is older than one stored before it."""
        if service == "DongBoHoSoMC":
            rank = int(record["PhienBan"])
        else:
            try:
                rank = int(record["BuocXuLyId"])
            except ValueError:
                return
        key = (service, record["MaHoSo"])
        with self.lock:
            if rank < self.newest.get(key, rank):
                self.order_violations += 1
            self.newest[key] = max(rank, self.newest.get(key, rank))


class Handler(JsonHandler):
    portal: Portal  # set on the subclass made by make_server

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._answer(200, {"ok": True})
        elif self.path == "/received":
            self._answer(200, self.portal.store.all())
        elif self.path == "/stats":
            p = self.portal
            with p.lock:
                stats = {
                    "calls": p.calls,
                    "faults": p.faults_answered,
                    "lost_answers": p.lost_answers,
                    "duplicates": p.duplicates,
                    "order_violations": p.order_violations,
                }
            self._answer(200, {**stats, "records": p.store.count()})
        else:
            self._answer(404, {"error_code": 404, "message": "not found"})

    def do_POST(self) -> None:
        body = self._json_body()
        if self.path == "/auth":
            session = self.portal.login(body if isinstance(body, dict) else {})
            if session is None:
                self._answer(401, {"error_code": 401, "message": "sai tài khoản"})
            else:
                self._answer(200, {"session": session, "error_code": 0})
        elif self.path == "/_reset":  # forget everything (tests)
            self.portal.reset()
            self._answer(200, {"ok": True})
        elif self.path == "/_faults":  # {status, count[, after_store]} or {status, seconds}
            with self.portal.lock:
                if body.get("after_store"):
                    self.portal.lost.extend([int(body["status"])] * int(body.get("count", 1)))
                elif "seconds" in body:
                    self.portal.failing = (int(body["status"]), time.monotonic() + body["seconds"])
                else:
                    self.portal.faults.extend([int(body["status"])] * int(body.get("count", 1)))
            self._answer(200, {"ok": True})
        elif self.path == "/integration":
            self._integration(body)
        else:
            self._answer(404, {"error_code": 404, "message": "not found"})

    def _integration(self, body: Any) -> None:
        fault = self.portal.next_fault()
        if fault is not None:
            self._answer(fault, {"error_code": fault, "message": "injected fault"})
            return
        if not self.portal.session_valid(self.headers.get("session", "")):
            self._answer(401, {"error_code": 401, "message": "session expired"})
            return
        errors = validation_errors(body)
        if errors:
            self._answer(400, {"error_code": 400, "message": "invalid payload", "errors": errors})
            return
        duplicates = []
        for record in body["data"]:
            if self.portal.store.add(body["service"], record):
                self.portal.stored(body["service"], record)
            else:
                duplicates.append(record_key(body["service"], record))
        with self.portal.lock:
            self.portal.duplicates += len(duplicates)
        lost = self.portal.next_lost_answer()
        if lost is not None:  # applied, but the caller never learns it
            self._answer(lost, {"error_code": lost, "message": "injected fault after storing"})
            return
        self._answer(200, {"error_code": 0, "duplicates": duplicates})


def make_server(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    db: str = ":memory:",
    username: str = "tinhso",
    password: str = "tinhso",  # noqa: S107 - the stand-in's demo account
    session_ttl: float = 1800.0,
) -> ThreadingHTTPServer:
    """A server ready to ``serve_forever`` (port 0: a free one, see ``server_address``)."""
    portal = Portal(Store(db), username=username, password=password, session_ttl=session_ttl)
    handler = type("PortalHandler", (Handler,), {"portal": portal})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--db", default=":memory:", help="SQLite file of what was received")
    parser.add_argument("--username", default="tinhso")
    parser.add_argument("--password", default="tinhso")
    parser.add_argument("--session-ttl", type=float, default=1800.0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    server = make_server(
        args.host,
        args.port,
        db=args.db,
        username=args.username,
        password=args.password,
        session_ttl=args.session_ttl,
    )
    server.verbose = args.verbose  # type: ignore[attr-defined]
    serve(server, "national portal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
