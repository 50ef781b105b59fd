"""The national public service portal adapter: delivers the ``national_portal.*`` outbox.

Each ``national_portal.status`` message (``dossiers.services._outbox_payload``: the whole dossier
at one ``portal_version``, in the domain's words) becomes one ``DongBoHoSoMC`` record through
:func:`to_national`; each ``national_portal.step`` message (one processing step, a BM.05 row)
one ``CapNhatTienDoHoSoMC`` record through :func:`to_national_step`. These two functions are the
only place that knows the portal's field names (docs/national-portal.md).
The outbox (``tinhso.dossiers.outbox``) claims the messages one dossier at a time in version order,
retries with jittered back-off; this module says how each attempt ended:

- returns: the portal acknowledged (a record it already had is acknowledged too, ``duplicates``);
- :class:`~tinhso.dossiers.outbox.Held`: the procedure has no national code in force yet;
- :class:`~tinhso.dossiers.outbox.PermanentFailure`: the portal refused the payload (4xx,
  validation), the message is a dead letter blocking the dossier's later messages;
- any other exception (5xx, timeout, connection refused): retried after the back-off.

The session (``POST {url}/auth``) is kept per process and renewed once when the portal says it
expired (401).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from tinhso.dossiers.models import Channel, OutboxMessage
from tinhso.dossiers.outbox import Held, PermanentFailure
from tinhso.dossiers.pdf import ACTION_LABELS
from tinhso.procedures.models import Procedure

from .models import NationalProcedureCode

TOPIC = "national_portal.status"
STEP_TOPIC = "national_portal.step"
SERVICE = "DongBoHoSoMC"
STEP_SERVICE = "CapNhatTienDoHoSoMC"
CHANNELS = {
    Channel.COUNTER: "Trực tiếp",
    Channel.ONLINE: "Trực tuyến",
    Channel.POST: "Nộp qua bưu chính công ích",
}


class PortalError(Exception):
    """The portal answered with an error (``status`` 0: it could not be reached)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}" if status else message)
        self.status = status


def portal_time(value: str | None) -> str | None:
    """An ISO 8601 local time of a message → the portal's ``yyyyMMddHHmmss`` (same wall clock)."""
    if not value:
        return None
    return dt.datetime.fromisoformat(value).strftime("%Y%m%d%H%M%S")


def applicant_kind(id_number: str) -> int:
    """``LoaiDoiTuong``: 2 (business) for a tax code (10 or 13 digits), else 1 (citizen)."""
    digits = "".join(c for c in id_number if c.isdigit())
    return 2 if len(digits) in (10, 13) else 1


def to_national(payload: dict[str, Any], *, national_code: str, procedure: Procedure) -> dict:
    """One outbox payload → one ``DongBoHoSoMC`` record (the portal's field names live here only).

    ``PhienBan`` (the payload's ``version``) is what the portal deduplicates on with ``MaHoSo``:
    a resend of the same version is the same record.
    """
    fees = payload.get("fees") or {}
    notes = [", ".join(payload.get("changes") or [])]
    if payload.get("clock_stopped"):
        notes.append("tạm dừng xử lý")
    applicant = payload["applicant"]
    record: dict[str, Any] = {
        "MaHoSo": payload["code"],
        "PhienBan": payload["version"],
        "MaTTHC": national_code,
        "TenTTHC": procedure.name,
        "MaLinhVuc": procedure.sector.code,
        "TenLinhVuc": procedure.sector.name,
        "SoBienNhan": payload["code"],
        "ChuHoSo": applicant["name"],
        "LoaiDoiTuong": applicant_kind(applicant.get("id_number") or ""),
        "MaDoiTuong": applicant.get("id_number") or "",
        "ThongTinKhac": applicant.get("address") or "",
        "SoDienThoai": applicant.get("phone") or "",
        "NgayTiepNhan": portal_time(payload.get("received_at")),
        "NgayHenTra": portal_time(payload.get("appointment_at")),
        "TrangThaiHoSo": int(payload["status"]),
        "NgayTra": portal_time(payload.get("returned_at")),
        "HinhThuc": CHANNELS[Channel(payload["channel"])],
        "NgayKetThucXuLy": portal_time(payload.get("finished_at")),
        "DonViXuLy": payload.get("deciding_agency") or "",
        "GhiChu": "; ".join(n for n in notes if n),
        "DanhSachLePhi": [],
        "DanhSachHoSoBoSung": [
            {
                "HoSoBoSungId": f"{payload['code']}-BS{s['no']}",
                "NguoiYeuCauBoSung": s.get("requested_by") or "",
                "NoiDungBoSung": s.get("reason") or "",
                "NgayBoSung": portal_time(s["requested_at"]),
                "NgayTiepNhanBoSung": portal_time(s.get("supplied_at")),
                "NgayHenTraTruoc": portal_time(s.get("appointment_before")),
                "NgayHenTraMoi": portal_time(s.get("appointment_after")),
            }
            for s in payload.get("supplements") or []
        ],
        "DanhSachGiayToKetQua": [
            {"GiayToId": str(r["id"]), "TenGiayTo": r["name"]} for r in payload.get("results") or []
        ],
    }
    if fees.get("requested_vnd"):
        record["DanhSachLePhi"].append(
            {
                "TenPhiLePhi": "Phí, lệ phí",
                "MaPhiLePhi": fees.get("reference") or "",
                "HinhThucThu": fees.get("method") or "",
                "Gia": int(fees["requested_vnd"]),
            }
        )
    return record


def to_national_step(payload: dict[str, Any]) -> dict:
    """One step message (``services._outbox_step``) → one ``CapNhatTienDoHoSoMC`` record; the
    portal deduplicates on ``MaHoSo`` + ``BuocXuLyId`` (the step's BM.05 sequence number)."""
    label = ACTION_LABELS.get(payload["action"], payload["action"])
    return {
        "MaHoSo": payload["code"],
        "BuocXuLyId": str(payload["step"]),
        "NguoiXuLy": payload.get("by") or "",
        "ChucDanh": "",
        "ThoiDiemXuLy": portal_time(payload["at"]),
        "PhongBanXuLy": payload.get("agency") or "",
        "NoiDungXuLy": f"{label}: {payload['note']}" if payload.get("note") else label,
        "TrangThai": int(payload["status"]),
        "NgayBatDau": portal_time(payload["at"]),
        "NgayKetThucTheoQuyDinh": portal_time(
            payload.get("step_due_at") or payload.get("legal_due_at")
        ),
    }


def national_record(message: OutboxMessage) -> dict:
    """The ``DongBoHoSoMC`` record of a message, or :class:`Held` when its procedure has no
    national code in force."""
    payload = message.payload
    if message.topic == STEP_TOPIC:
        return to_national_step(payload)
    procedure = Procedure.objects.select_related("sector").get(code=payload["procedure"])
    mapping = NationalProcedureCode.objects.in_force(procedure.pk)
    if mapping is None:
        raise Held(
            _("Procedure %(code)s has no national procedure code: add it in the mapping table.")
            % {"code": procedure.code}
        )
    return to_national(payload, national_code=mapping.national_code, procedure=procedure)


class PortalClient:
    """A session with the portal: log in once, renew once when the portal says it expired."""

    def __init__(self, base_url: str, username: str, password: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.username, self.password, self.timeout = username, password, timeout
        self.session: str | None = None
        self.lock = threading.Lock()

    def _post(self, path: str, body: dict, session: str | None = None) -> dict:
        request = urllib.request.Request(  # noqa: S310 - a configured http(s) URL
            self.base_url + path,
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers={
                "Content-Type": "application/json",
                **({"session": session} if session else {}),
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise PortalError(exc.code, exc.read()[:1000].decode(errors="replace")) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise PortalError(0, f"{type(exc).__name__}: {exc}") from exc
        if str(answer.get("error_code")) not in ("0", "00"):
            raise PortalError(400, json.dumps(answer, ensure_ascii=False)[:1000])
        return answer

    def login(self) -> str:
        answer = self._post("/auth", {"username": self.username, "password": self.password})
        self.session = answer["session"]
        return self.session

    def call(self, service: str, data: list[dict], *, updating: bool) -> dict:
        """One integration call; a 401 (session expired) logs in again and retries once."""
        with self.lock:
            session = self.session or self.login()
        body = {"service": service, "isUpdating": updating, "data": data}
        try:
            return self._post("/integration", body, session)
        except PortalError as exc:
            if exc.status != 401:
                raise
        with self.lock:
            session = self.login()
        return self._post("/integration", body, session)


_client: PortalClient | None = None


def client() -> PortalClient:
    """The process's portal session (made from the settings on first use)."""
    global _client
    if _client is None or _client.base_url != settings.TINHSO_NATIONAL_PORTAL_URL.rstrip("/"):
        _client = PortalClient(
            settings.TINHSO_NATIONAL_PORTAL_URL,
            settings.TINHSO_NATIONAL_PORTAL_USERNAME,
            settings.TINHSO_NATIONAL_PORTAL_PASSWORD,
            settings.TINHSO_NATIONAL_PORTAL_TIMEOUT,
        )
    return _client


def deliver(message: OutboxMessage) -> None:
    """The outbox handler of ``national_portal.status`` (see the module's docstring)."""
    try:
        record = national_record(message)
    except (KeyError, ValueError, TypeError, ObjectDoesNotExist) as exc:
        # a message this adapter cannot translate never will: a dead letter, with the reason
        raise PermanentFailure(f"untranslatable message: {type(exc).__name__}: {exc}") from exc
    try:
        if message.topic == STEP_TOPIC:
            client().call(STEP_SERVICE, [record], updating=True)
        else:
            client().call(SERVICE, [record], updating=record["PhienBan"] > 1)
    except PortalError as exc:
        if 400 <= exc.status < 500 and exc.status not in (401, 408, 429):
            raise PermanentFailure(str(exc)) from exc
        raise
