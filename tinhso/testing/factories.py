"""The test factories of every app: plain functions, explicit arguments, no magic.

The building blocks (units, agencies, officers, applicants, sectors, procedures, photos) exist
once here; the three small provinces the apps' tests stand on are built from them:
:func:`make_world` (the one-stop shop: a ward's committee, its officers, a procedure, citizens),
:func:`make_feedback_world` (three communes, departments, the category tree, routing and SLA rules)
and :func:`make_qna_world` (two committees, the service centre, a department, two procedures).
``tinhso/dossiers/tests/factories.py`` re-exports the one-stop shop's names for older imports.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import json
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client

from tinhso.core.auth import token_create
from tinhso.core.models import (
    AdministrativeUnit,
    Agency,
    AgencyLevel,
    ApplicantKind,
    ApplicantProfile,
    Role,
    SuccessionKind,
    UnitKind,
    UnitLevel,
    UnitSuccession,
)
from tinhso.core.services import officer_assign
from tinhso.dossiers.models import Channel
from tinhso.dossiers.services import dossier_submit
from tinhso.procedures.models import (
    AgencySlot,
    ComponentKind,
    OnlineMode,
    Procedure,
    ProcedureComponent,
    ProcessStep,
    Sector,
    StepAgency,
)
from tinhso.standins._server import free_port as free_port  # one helper for tests and stand-ins

_counter = itertools.count(1)

PASSWORD = "pw-123456"  # noqa: S105 (test accounts)
VALID_FROM = dt.date(2025, 7, 1)  # the 2025 administrative units
VN = ZoneInfo("Asia/Ho_Chi_Minh")
# Monday 23 November 2026, 09:00 in Vietnam; Tuesday 24 is Vietnam Culture Day (a day off).
MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=VN)
DONG_HOI = ("17.468700", "106.622300")
DONG_THUAN = ("17.480000", "106.605000")
VINH_LINH = ("17.060000", "107.030000")
HUE = ("16.463700", "107.590900")  # Thành phố Huế: outside the province

# A valid answer to the demo catalogue's birth registration (1.001193, :mod:`tinhso.demo`).
DEMO_BIRTH_FORM = {
    "ho_ten_nguoi_yeu_cau": "Nguyễn Văn Đức",
    "so_dinh_danh_nguoi_yeu_cau": "044090001234",
    "ho_ten_tre": "Nguyễn Thị Bảo Ngọc",
    "ngay_sinh": "2026-03-01",
    "gioi_tinh": "Nữ",
    "noi_sinh": "Đồng Hới",
}

# The one-stop shop's birth registration: its form, a valid answer, its three steps.
BIRTH_FORM = {
    "type": "object",
    "required": ["child_name", "birth_date", "sex"],
    "properties": {
        "child_name": {
            "type": "string",
            "title": "Họ, chữ đệm và tên",
            "minLength": 2,
            "maxLength": 100,
        },
        "birth_date": {"type": "string", "title": "Ngày sinh", "format": "date"},
        "sex": {"type": "string", "title": "Giới tính", "enum": ["Nam", "Nữ"]},
        "birth_place": {"type": "string", "title": "Nơi sinh", "maxLength": 200},
    },
}
VALID_FORM = {"child_name": "Nguyễn Thị Bảo Ngọc", "birth_date": "2026-03-01", "sex": "Nữ"}
BIRTH_STEPS = [
    {
        "name": "Tiếp nhận hồ sơ",
        "role": Role.DESK_OFFICER,
        "agency": StepAgency.RECEIVING,
        "share": 10,
    },
    {"name": "Thẩm định", "role": Role.SPECIALIST, "agency": StepAgency.DECIDING, "share": 60},
    {"name": "Ký duyệt", "role": Role.LEADER, "agency": StepAgency.DECIDING, "share": 30},
]
BIRTH_COMPONENTS = [{"name": "Giấy chứng sinh", "kind": ComponentKind.ORIGINAL}]

# The catalogue's birth registration (the procedure tests: import, admin, API): a stricter form,
# two components.
CATALOGUE_FORM = {
    "type": "object",
    "required": ["child_name", "birth_date"],
    "properties": {
        "child_name": {"type": "string", "maxLength": 100},
        "birth_date": {"type": "string", "format": "date"},
        "sex": {"type": "string", "enum": ["Nam", "Nữ"]},
    },
    "additionalProperties": False,
}
STEPS = [
    {"name": "Tiếp nhận", "role": "desk_officer", "agency": "receiving", "share": 10},
    {"name": "Thẩm định", "role": "specialist", "agency": "deciding", "share": 60},
    {"name": "Phê duyệt", "role": "leader", "agency": "deciding", "share": 30},
]
COMPONENTS = [
    {"name": "Tờ khai", "kind": "original", "count": 1, "required": True},
    {"name": "Giấy chứng sinh", "kind": "original", "count": 1, "required": True},
]


@contextlib.contextmanager
def standin_process(module: str, *args: str) -> Iterator[str]:
    """A stand-in of ``tinhso.standins`` run as its own process on a free port: its base URL.

    The stand-in prints where it listens on its first line (``_server.serve``); it is stopped
    when the block ends.
    """
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", f"tinhso.standins.{module}", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()  # "<name> stand-in on http://127.0.0.1:PORT/"
        url = line.strip().rsplit(" ", 1)[-1].rstrip("/")
        assert url.startswith("http://127.0.0.1:"), line
        yield url
    finally:
        process.terminate()
        process.wait(timeout=5)


def run_manage(
    cwd: Path, *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess:
    """``manage.py ARGS`` in a child process run from ``cwd``; its output captured as text."""
    return subprocess.run(  # noqa: S603
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def in_threads(count: int, work: Callable[[], object]) -> list[Exception]:
    """Run ``work`` in ``count`` threads released at once, each on its own database connection
    (closed when it ends); what they raised, for the caller to assert on."""
    errors: list[Exception] = []
    barrier = threading.Barrier(count)

    def run() -> None:
        try:
            barrier.wait(30)
            work()
        except Exception as exc:  # reported by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _pdf_bodies(catalog: bytes, page: bytes, extra: tuple[bytes, ...]) -> list[bytes]:
    return [
        b"<</Type/Catalog/Pages 2 0 R" + catalog + b">>",
        b"<</Type/Pages/Count 1/Kids[3 0 R]>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]" + page + b">>",
        *extra,
    ]


def minimal_pdf(*extra: bytes, catalog: bytes = b"", page: bytes = b"") -> bytes:
    """A small valid PDF: one blank A4 page, a correct cross-reference table. ``catalog`` and
    ``page`` are added to the catalog's and the page's dictionaries; ``extra`` are more objects
    (their bodies), numbered from 4."""
    bodies = _pdf_bodies(catalog, page, extra)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\n" % (len(bodies) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % start
    return bytes(out)


def packed_pdf(*extra: bytes, catalog: bytes = b"", page: bytes = b"") -> bytes:
    """:func:`minimal_pdf`'s objects, packed in one compressed object stream and found through a
    cross-reference stream (PDF 1.5): none of their text shows in the file's bytes."""
    bodies = _pdf_bodies(catalog, page, extra)
    offsets, packed = [], b""
    for body in bodies:
        offsets.append(len(packed))
        packed += body + b"\n"
    header = b" ".join(b"%d %d" % (n, o) for n, o in enumerate(offsets, 1)) + b"\n"
    data = zlib.compress(header + packed)
    stream, xref = len(bodies) + 1, len(bodies) + 2
    objstm = b"<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>"
    out = bytearray(b"%PDF-1.5\n")
    stream_at = len(out)
    out += b"%d 0 obj\n" % stream + objstm % (len(bodies), len(header), len(data))
    out += b"\nstream\n" + data + b"\nendstream\nendobj\n"
    xref_at = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 2, stream, index) for index in range(len(bodies))]
    rows += [struct.pack(">BIH", 1, stream_at, 0), struct.pack(">BIH", 1, xref_at, 0)]
    table = b"".join(rows)
    out += b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Root 1 0 R/Length %d>>" % (
        xref,
        xref + 1,
        len(table),
    )
    out += b"\nstream\n" + table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


# A minimal valid PDF (filetype sniffs the %PDF header; the upload check parses it).
PDF_BYTES = minimal_pdf()


# --- people -------------------------------------------------------------------------------------


def make_user(
    username: str | None = None, first_name: str = "", *, password: str = PASSWORD, **extra
):
    """An account (no profile, no role); ``first_name`` defaults to the username."""
    username = username or f"user{next(_counter)}"
    user = get_user_model()(username=username, first_name=first_name or username, **extra)
    user.set_password(password)
    user.save()
    return user


def make_superuser(username: str = "quantri", *, password: str = PASSWORD):
    return get_user_model().objects.create_superuser(
        username, email=f"{username}@example.vn", password=password
    )


def make_citizen(username: str, full_name: str, personal_id: str, unit=None):
    """An account with a citizen's applicant profile; returns the user."""
    user = make_user(username, full_name)
    ApplicantProfile.objects.create(
        user=user,
        kind=ApplicantKind.CITIZEN,
        full_name=full_name,
        personal_id=personal_id,
        unit=unit,
        phone="0912345678",
    )
    return user


def make_officer(username: str, first_name: str, agency: Agency, *roles: str):
    user = make_user(username, first_name)
    for role in roles:
        officer_assign(actor=None, user=user, agency=agency, role=role)
    return user


# --- units and agencies -------------------------------------------------------------------------


def make_unit(
    code: str, name: str, kind: str = UnitKind.WARD, parent=None, level: str = UnitLevel.COMMUNE
) -> AdministrativeUnit:
    """A current unit (valid since 1 July 2025); the same unit again if it exists. A commune of
    the demo province gets its point from the offline base layer, as ``load_demo`` gives it."""
    from tinhso.core.maps import as_decimal, basemap_points

    defaults = {"name": name, "kind": kind, "parent": parent, "valid_from": VALID_FROM}
    points = {f["properties"]["code"]: f["geometry"]["coordinates"] for f in basemap_points("44")}
    if level == UnitLevel.COMMUNE and code in points:
        lng, lat = points[code]
        defaults |= {"latitude": as_decimal(lat), "longitude": as_decimal(lng)}
    unit, _created = AdministrativeUnit.objects.get_or_create(
        level=level, code=code, valid_to=None, defaults=defaults
    )
    return unit


def make_former_unit(
    code: str,
    name: str,
    level: str,
    kind: str,
    *,
    parent: AdministrativeUnit | None = None,
    merged_into: AdministrativeUnit | None = None,
    valid_from: dt.date = dt.date(2004, 1, 1),
) -> AdministrativeUnit:
    """A unit of before the 2025 reform (valid until 30 June 2025); ``merged_into``: the current
    unit it was merged into on 1 July 2025."""
    unit = AdministrativeUnit.objects.create(
        code=code,
        name=name,
        level=level,
        kind=kind,
        parent=parent,
        valid_from=valid_from,
        valid_to=VALID_FROM - dt.timedelta(days=1),
    )
    if merged_into is not None:
        UnitSuccession.objects.create(
            predecessor=unit,
            successor=merged_into,
            kind=SuccessionKind.MERGE,
            effective_on=VALID_FROM,
        )
    return unit


def make_province(code: str = "44", name: str = "Tỉnh Quảng Trị") -> AdministrativeUnit:
    return make_unit(code, name, UnitKind.PROVINCE, level=UnitLevel.PROVINCE)


def make_commune(
    code: str = "19000", name: str = "Phường Đồng Hới", province: AdministrativeUnit | None = None
) -> AdministrativeUnit:
    return make_unit(code, name, UnitKind.WARD, province or make_province())


def make_agency(
    code: str = "H44.99",
    key: str = "",
    *,
    unit: AdministrativeUnit | None = None,
    name: str = "",
    level: str = AgencyLevel.PROVINCE_DEPARTMENT,
    parent: Agency | None = None,
) -> Agency:
    """An agency (of the province unless ``unit``); the same agency again if its code exists."""
    agency, _created = Agency.objects.get_or_create(
        code=code,
        defaults={
            "key": key,
            "level": level,
            "unit": unit or make_province(),
            "parent": parent,
            "name": name or (f"Agency {key}" if key else "Sở Thử Nghiệm"),
        },
    )
    return agency


def make_agencies() -> dict[str, Any]:
    """A province, one ward, its committee, the service centre and two departments."""
    province = make_province()
    commune = make_commune(province=province)
    return {
        "province": province,
        "commune": commune,
        "service_centre": make_agency(
            "H44.20", "service_centre", level=AgencyLevel.SERVICE_CENTRE, name="TTPVHCC"
        ),
        "so_tu_phap": make_agency("H44.03", "so_tu_phap", name="Sở Tư pháp"),
        "so_tai_chinh": make_agency("H44.04", "so_tai_chinh", name="Sở Tài chính"),
        "commune_committee": make_agency(
            "H44.40.01",
            f"commune_{commune.code}",
            level=AgencyLevel.COMMUNE_COMMITTEE,
            unit=commune,
            name="UBND Phường Đồng Hới",
        ),
    }


def make_two_wards() -> tuple[
    AdministrativeUnit, AdministrativeUnit, AdministrativeUnit, Agency, Agency
]:
    """Province 44, the wards Đồng Hới (18880) and Đồng Thuận (18859) and their committees."""
    province = make_province()
    dong_hoi = make_unit("18880", "Phường Đồng Hới", UnitKind.WARD, province)
    dong_thuan = make_unit("18859", "Phường Đồng Thuận", UnitKind.WARD, province)
    committee_dh = make_agency(
        "H44.40.01",
        "commune_18880",
        unit=dong_hoi,
        name="UBND Phường Đồng Hới",
        level=AgencyLevel.COMMUNE_COMMITTEE,
    )
    committee_dt = make_agency(
        "H44.40.02",
        "commune_18859",
        unit=dong_thuan,
        name="UBND Phường Đồng Thuận",
        level=AgencyLevel.COMMUNE_COMMITTEE,
    )
    return province, dong_hoi, dong_thuan, committee_dh, committee_dt


# --- procedures ---------------------------------------------------------------------------------


def make_sector(code: str = "HOTICH", name: str = "Hộ tịch") -> Sector:
    sector, _created = Sector.objects.get_or_create(code=code, defaults={"name": name})
    return sector


def make_procedure(
    code: str = "1.001193",
    name: str = "Thủ tục đăng ký khai sinh",
    *,
    sector: Sector | None = None,
    days: Decimal | None = Decimal(3),
    hours: Decimal | None = None,
    fee: int = 0,
    online_mode: str = OnlineMode.FULL,
    form_schema: dict | None = None,
    components: list[dict] | None = None,
    steps: list[dict] | None = None,
    **values,
) -> Procedure:
    """A commune-level procedure received and decided by the commune's committee: by default the
    one-stop shop's birth registration (``BIRTH_FORM``, one component, three steps). ``values``
    are further fields of the procedure (they win over ``days``, ``hours`` and ``fee``)."""
    fields = {
        "at_commune": True,
        "receiving_slot": AgencySlot.COMMUNE_COMMITTEE,
        "deciding_slot": AgencySlot.COMMUNE_COMMITTEE,
        "processing_days": days,
        "processing_hours": hours,
        "fee_vnd": fee,
        "online_mode": online_mode,
        "results": ["Giấy khai sinh"],
        "form_schema": BIRTH_FORM if form_schema is None else form_schema,
    }
    fields.update(values)
    procedure = Procedure.objects.create(
        code=code, name=name, sector=sector or make_sector(), **fields
    )
    for order, item in enumerate(BIRTH_COMPONENTS if components is None else components, 1):
        ProcedureComponent.objects.create(procedure=procedure, order=order, **item)
    for order, item in enumerate(BIRTH_STEPS if steps is None else steps, 1):
        ProcessStep.objects.create(procedure=procedure, order=order, **item)
    return procedure


def make_catalogue_procedure(
    code: str = "1.001193", name: str = "Đăng ký khai sinh", **values
) -> Procedure:
    """The catalogue's birth registration: ``CATALOGUE_FORM``, two components, three steps."""
    values.setdefault("form_schema", CATALOGUE_FORM)
    values.setdefault("components", COMPONENTS)
    values.setdefault("steps", STEPS)
    return make_procedure(code, name, **values)


def make_judicial_record_procedure(
    agencies: dict[str, Any], code: str = "2.000908", **values
) -> Procedure:
    """The judicial record certificate: province level, received at the service centre, decided
    by the Department of Justice (``agencies`` from :func:`make_agencies`)."""
    return make_catalogue_procedure(
        code,
        "Cấp phiếu lý lịch tư pháp",
        sector=make_sector("LLTP", "Lý lịch tư pháp"),
        at_commune=False,
        at_province=True,
        receiving_slot=AgencySlot.SERVICE_CENTRE,
        deciding_slot=AgencySlot.DEPARTMENT,
        deciding_department=agencies["so_tu_phap"],
        **values,
    )


def catalogue_row(**overrides: Any) -> dict[str, str]:
    """A valid flat catalogue row (strings, as read from a file)."""
    row = {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "sector_code": "HOTICH",
        "sector_name": "Hộ tịch",
        "levels": "commune",
        "receiving_agency": "commune_committee",
        "deciding_agency": "commune_committee",
        "processing_days": "3",
        "processing_hours": "",
        "fee_vnd": "0",
        "fee_note": "Miễn lệ phí",
        "online_mode": "full",
        "legal_basis": "Luật Hộ tịch 2014",
        "results": "Giấy khai sinh|Bản điện tử Giấy khai sinh",
        "delivery": "counter;post;online",
        "components": json.dumps(COMPONENTS, ensure_ascii=False),
        "form": json.dumps(CATALOGUE_FORM, ensure_ascii=False),
        "process": json.dumps(STEPS, ensure_ascii=False),
        "code_verified": "1",
    }
    row.update(overrides)
    return row


def catalogue_rows() -> list[dict[str, str]]:
    """Three good rows: a commune procedure, a department one, an hour-based one."""
    return [
        catalogue_row(),
        catalogue_row(
            code="2.000908.H44.03",
            name="Cấp phiếu lý lịch tư pháp",
            sector_code="LLTP",
            sector_name="Lý lịch tư pháp",
            levels="province",
            receiving_agency="service_centre",
            deciding_agency="so_tu_phap",
            processing_days="10",
            fee_vnd="200000",
            online_mode="partial",
            form="",
        ),
        catalogue_row(
            code="1.000656",
            name="Đăng ký kết hôn",
            levels="province;commune",
            processing_days="",
            processing_hours="4",
            results="Giấy chứng nhận kết hôn",
        ),
    ]


# --- files --------------------------------------------------------------------------------------


def jpeg_bytes(
    *, gps: tuple[float, float] | None = None, size=(64, 48), colour=(200, 30, 30)
) -> bytes:
    """A small JPEG, with an EXIF GPS position (and a camera name) when ``gps`` is given."""
    from PIL import Image

    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    if gps is None:
        image.save(out, "JPEG")
        return out.getvalue()
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    block = exif.get_ifd(0x8825)

    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 2)
        return (float(degrees), float(minutes), seconds)

    block[1] = "N" if gps[0] >= 0 else "S"
    block[2] = dms(gps[0])
    block[3] = "E" if gps[1] >= 0 else "W"
    block[4] = dms(gps[1])
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def photo(name: str = "den-duong.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


def pdf(name: str = "giay-chung-sinh.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


# --- the one-stop shop --------------------------------------------------------------------------


@dataclass
class World:
    province: AdministrativeUnit
    commune: AdministrativeUnit
    committee: Agency
    other_committee: Agency
    procedure: Procedure
    desk: Any
    specialist: Any
    leader: Any
    outsider: Any  # desk officer, specialist and leader of another commune
    citizen: Any
    other_citizen: Any


def make_world() -> World:
    n = next(_counter)
    province, commune, _other, committee, other_committee = make_two_wards()
    return World(
        province=province,
        commune=commune,
        committee=committee,
        other_committee=other_committee,
        procedure=make_procedure(),
        desk=make_officer(f"desk{n}", "Võ Thị Lan", committee, Role.DESK_OFFICER),
        specialist=make_officer(f"spec{n}", "Đặng Văn Nam", committee, Role.SPECIALIST),
        leader=make_officer(f"lead{n}", "Bùi Thị Mai", committee, Role.LEADER),
        outsider=make_officer(
            f"out{n}", "", other_committee, Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER
        ),
        citizen=make_citizen(f"cd{n}", "Nguyễn Văn Đức", "044090001234", commune),
        other_citizen=make_citizen(f"cd{n}b", "Trần Thị Ánh", "045195004321", commune),
    )


def submit_online(world: World, *, actor: Any = None, **extra: Any):
    """A dossier the world's citizen (or ``actor``) submits online, its first component scanned
    unless ``uploads`` says otherwise."""
    component = world.procedure.components.first()
    values = {"form_data": dict(VALID_FORM), "uploads": [(component, pdf())], **extra}
    return dossier_submit(actor=actor or world.citizen, procedure=world.procedure, **values)


COUNTER_APPLICANT = {"applicant_name": "Lê Văn Tám", "applicant_id_number": "044085009999"}


def submit_at_counter(world: World, *, actor: Any = None, **extra: Any):
    """A dossier the desk (or ``actor``) enters at the counter for :data:`COUNTER_APPLICANT`."""
    return dossier_submit(
        actor=actor or world.desk,
        procedure=world.procedure,
        form_data=dict(VALID_FORM),
        channel=Channel.COUNTER,
        commune=world.commune,
        **{**COUNTER_APPLICANT, **extra},
    )


def client_for(user: Any) -> Client:
    """A test client with ``user`` signed in (the pages' session)."""
    client = Client()
    client.force_login(user)
    return client


def api_client_for(user: Any) -> Client:
    """A test client that calls the API with a new bearer token of ``user``."""
    return Client(headers={"Authorization": f"Bearer {token_create(user=user, name='t')}"})


def api_submit(client: Any, key: str = "", **extra: Any):
    """POST /api/dossiers for the one-stop shop's birth registration (``key``: Idempotency-Key)."""
    body = {"procedure_code": "1.001193", "form_data": VALID_FORM, **extra}
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/dossiers", body, content_type="application/json", headers=headers)


# --- field feedback -----------------------------------------------------------------------------


@dataclass
class FeedbackWorld:
    province: AdministrativeUnit
    dong_hoi: AdministrativeUnit  # ward 18880
    dong_thuan: AdministrativeUnit  # ward 18859
    vinh_linh: AdministrativeUnit  # commune 19363
    committee_dh: Agency
    committee_dt: Agency
    committee_vl: Agency
    office: Agency  # van_phong_ubnd: the fallback
    construction: Agency  # so_xay_dung
    officer_dh: Any  # specialist at Đồng Hới
    desk_dh: Any
    officer_dt: Any  # specialist at Đồng Thuận
    officer_xd: Any  # specialist at the construction department
    ioc: Any
    admin: Any
    citizen: Any
    citizen2: Any


def make_feedback_world() -> FeedbackWorld:
    """Three communes, their committees, two departments, officers, citizens, the real category
    tree and a few routing and SLA rules."""
    from tinhso.core.services import LoadReport
    from tinhso.feedback.categories import load_categories

    province, dong_hoi, dong_thuan, committee_dh, committee_dt = make_two_wards()
    vinh_linh = make_unit("19363", "Xã Vĩnh Linh", UnitKind.COMMUNE, province)
    committee = make_agency(
        "H44", "ubnd_tinh", name="UBND tỉnh", level=AgencyLevel.PROVINCE_COMMITTEE
    )
    office = make_agency("H44.01", "van_phong_ubnd", name="Văn phòng UBND tỉnh")
    construction = make_agency("H44.05", "so_xay_dung", name="Sở Xây dựng")
    committee_vl = make_agency(
        "H44.40.03",
        "commune_19363",
        unit=vinh_linh,
        name="UBND Xã Vĩnh Linh",
        level=AgencyLevel.COMMUNE_COMMITTEE,
    )
    n = next(_counter)
    citizen = make_citizen(f"cd{n}", "Nguyễn Văn Đức", f"0440900{n:05d}", dong_hoi)
    world = FeedbackWorld(
        province=province,
        dong_hoi=dong_hoi,
        dong_thuan=dong_thuan,
        vinh_linh=vinh_linh,
        committee_dh=committee_dh,
        committee_dt=committee_dt,
        committee_vl=committee_vl,
        office=office,
        construction=construction,
        officer_dh=make_officer(f"cv-dh{n}", "Đặng Văn Nam", committee_dh, Role.SPECIALIST),
        desk_dh=make_officer(f"mc-dh{n}", "Võ Thị Lan", committee_dh, Role.DESK_OFFICER),
        officer_dt=make_officer(f"cv-dt{n}", "Lê Văn Tâm", committee_dt, Role.SPECIALIST),
        officer_xd=make_officer(f"cv-xd{n}", "Phạm Thu Trang", construction, Role.SPECIALIST),
        ioc=make_officer(f"ioc{n}", "Trung tâm IOC", committee, Role.IOC_VIEWER),
        admin=make_officer(f"qt{n}", "Quản trị tỉnh", committee, Role.PROVINCE_ADMIN),
        citizen=citizen,
        citizen2=make_user(f"cd{n}b", "Trần Thị Ánh"),
    )
    load_categories(LoadReport())
    make_rules(office=office, construction=construction, dong_hoi=dong_hoi)
    return world


def category(code: str):
    from tinhso.feedback.models import Category

    return Category.objects.get(code=code)


def make_rules(*, office: Agency, construction: Agency, dong_hoi: AdministrativeUnit) -> None:
    from tinhso.feedback.models import RoutingRule, RoutingTarget, SlaRule

    RoutingRule.objects.create(target=RoutingTarget.AGENCY, agency=office, priority=900)
    RoutingRule.objects.create(target=RoutingTarget.COMMUNE_COMMITTEE, priority=500)
    RoutingRule.objects.create(
        category=category("ngap-ung"),
        commune=dong_hoi,
        target=RoutingTarget.AGENCY,
        agency=construction,
    )
    RoutingRule.objects.create(
        category=category("bien-bao-den-tin-hieu"),
        commune_kind=UnitKind.WARD,
        target=RoutingTarget.AGENCY,
        agency=construction,
    )
    RoutingRule.objects.create(
        category=category("cap-thoat-nuoc"), target=RoutingTarget.COMMUNE_COMMITTEE, priority=50
    )
    SlaRule.objects.create(urgency="normal", days=Decimal(10))
    SlaRule.objects.create(urgency="urgent", days=Decimal(1))
    SlaRule.objects.create(category=category("chieu-sang"), urgency="normal", days=Decimal(5))
    SlaRule.objects.create(category=category("chieu-sang"), urgency="urgent", hours=Decimal(8))


# --- questions and answers ----------------------------------------------------------------------


@dataclass
class QnaWorld:
    province: AdministrativeUnit
    commune: AdministrativeUnit
    other_commune: AdministrativeUnit
    committee: Agency
    other_committee: Agency
    centre: Agency
    department: Agency
    birth: Procedure  # commune level: the ward's committee answers
    company: Procedure  # province level: the service centre answers
    officer: Any  # specialist of the committee
    desk: Any  # desk officer of the committee
    outsider: Any  # officer of the other committee
    centre_officer: Any
    ioc: Any  # operations-centre viewer of the committee (not a handling role)
    admin: Any  # province administrator
    citizen: Any  # profile in ``commune``
    other_citizen: Any
    nobody: Any  # an account without profile or role


def make_qna_world() -> QnaWorld:
    """Two wards, their committees, the service centre, a department, officers, citizens."""
    n = next(_counter)
    province, commune, other_commune, committee, other_committee = make_two_wards()
    centre = make_agency(
        "H44.20",
        "service_centre",
        name="Trung tâm Phục vụ hành chính công tỉnh",
        level=AgencyLevel.SERVICE_CENTRE,
    )
    department = make_agency("H44.03", "so_tu_phap", name="Sở Tư pháp")
    business = make_sector("DOANHNGHIEP", "Thành lập và hoạt động doanh nghiệp")
    return QnaWorld(
        province=province,
        commune=commune,
        other_commune=other_commune,
        committee=committee,
        other_committee=other_committee,
        centre=centre,
        department=department,
        birth=make_procedure(form_schema={}, components=[], steps=[], results=[]),
        company=make_procedure(
            "2.001610",
            "Đăng ký thành lập doanh nghiệp tư nhân",
            sector=business,
            form_schema={},
            components=[],
            steps=[],
            results=[],
            at_commune=False,
            at_province=True,
            receiving_slot=AgencySlot.SERVICE_CENTRE,
            deciding_slot=AgencySlot.DEPARTMENT,
            deciding_department=department,
        ),
        officer=make_officer(f"chuyenvien{n}", "Đặng Văn Nam", committee, Role.SPECIALIST),
        desk=make_officer(f"motcua{n}", "Võ Thị Lan", committee, Role.DESK_OFFICER),
        outsider=make_officer(f"ngoai{n}", "Phan Văn Khác", other_committee, Role.SPECIALIST),
        centre_officer=make_officer(f"trungtam{n}", "Nguyễn Thị Hoa", centre, Role.DESK_OFFICER),
        ioc=make_officer(f"ioc{n}", "Trung tâm IOC", committee, Role.IOC_VIEWER),
        admin=make_officer(f"quantri{n}", "Quản trị tỉnh", centre, Role.PROVINCE_ADMIN),
        citizen=make_citizen(f"congdan{n}", "Nguyễn Văn Đức", "044090001234", commune),
        other_citizen=make_citizen(f"congdan{n}b", "Trần Thị Ánh", "045195004321", commune),
        nobody=make_user(f"khach{n}", "Khách"),
    )


BIRTH_TITLE = "Đăng ký khai sinh cho con sinh ở bệnh viện tỉnh"
BIRTH_BODY = "Con tôi sinh tại bệnh viện tỉnh tuần trước. Tôi cần mang những giấy tờ gì đến phường?"
BIRTH_ANSWER = (
    "Chào công dân, hồ sơ gồm Tờ khai đăng ký khai sinh và Giấy chứng sinh do bệnh viện cấp; "
    "đăng ký khai sinh đúng hạn được miễn lệ phí."
)


# --- documents ----------------------------------------------------------------------------------


@dataclass
class DocumentsWorld:
    """Two departments on the platform, each with a clerk, a specialist and a leader; both
    still approve on paper (:func:`allow_unsigned_approval`)."""

    justice: Agency  # Sở Tư pháp (H44.03)
    construction: Agency  # Sở Xây dựng (H44.05)
    clerk: Any  # desk officer (văn thư) of justice
    specialist: Any  # of justice
    leader: Any  # of justice: signs, directs
    other_clerk: Any  # of construction
    other_specialist: Any
    other_leader: Any
    admin: Any  # province administrator
    nobody: Any  # an account without a role


def make_documents_world() -> DocumentsWorld:
    n = next(_counter)
    justice = make_agency("H44.03", "so_tu_phap", name="Sở Tư pháp")
    construction = make_agency("H44.05", "so_xay_dung", name="Sở Xây dựng")
    admin = make_officer(f"qt{n}", "Quản trị", justice, Role.PROVINCE_ADMIN)
    admin.is_superuser = True
    admin.save()
    allow_unsigned_approval(justice, construction)
    return DocumentsWorld(
        justice=justice,
        construction=construction,
        clerk=make_officer(f"vt{n}", "Nguyễn Văn Thư", justice, Role.DESK_OFFICER),
        specialist=make_officer(f"cv{n}", "Trần Thị Chuyên", justice, Role.SPECIALIST),
        leader=make_officer(f"ld{n}", "Lê Quang Huy", justice, Role.LEADER),
        other_clerk=make_officer(f"vtxd{n}", "Phạm Văn Vũ", construction, Role.DESK_OFFICER),
        other_specialist=make_officer(f"cvxd{n}", "Phạm Thu Trang", construction, Role.SPECIALIST),
        other_leader=make_officer(f"ldxd{n}", "Hoàng Đức Anh", construction, Role.LEADER),
        admin=admin,
        nobody=make_user(f"nobody{n}"),
    )


def allow_unsigned_approval(*agencies: Agency, allowed: bool = True) -> None:
    """Let the agencies' leaders approve outgoing documents without a digital signature (the
    documents world does, so that its documents are approved in one call; the signature tests
    turn it off: ``RegisterSettings.unsigned_approval``)."""
    from tinhso.documents.models import RegisterSettings
    from tinhso.documents.services import register_settings

    for agency in agencies:
        register_settings(agency)
    RegisterSettings.objects.filter(agency__in=agencies).update(unsigned_approval=allowed)


def make_draft(world: DocumentsWorld, **overrides: Any) -> Any:
    """An outgoing draft of the justice department by its specialist, to be signed by its
    leader (no PDF unless ``render_pdf=True``); ``overrides`` change any argument."""
    from tinhso.documents.services import outgoing_draft

    fields = {
        "actor": world.specialist,
        "agency": world.justice,
        "doc_type": "CV",
        "summary": "Về việc góp ý dự thảo quy chế phối hợp",
        "body": "Sở Tư pháp đề nghị Sở Xây dựng góp ý.\nThời hạn gửi ý kiến trước ngày 15.",
        "recipients_text": "Sở Xây dựng\nLưu: VT, VP",
        "signer": world.leader,
        "signer_position": "GIÁM ĐỐC",
        "signer_name": "Lê Quang Huy",
        "drafting_unit": "VP",
        "render_pdf": False,
    }
    return outgoing_draft(**{**fields, **overrides})


def make_approved(world: DocumentsWorld, **overrides: Any) -> Any:
    """:func:`make_draft`, submitted by the specialist and approved by the leader."""
    from tinhso.documents.services import outgoing_approve, outgoing_submit

    doc = make_draft(world, **overrides)
    outgoing_submit(actor=world.specialist, document=doc)
    return outgoing_approve(actor=world.leader, document=doc)


def make_registered(world: DocumentsWorld, **overrides: Any) -> Any:
    """An incoming document entered in the justice department's register by its clerk."""
    from django.utils import timezone

    from tinhso.documents.services import incoming_register

    fields = {
        "actor": world.clerk,
        "agency": world.justice,
        "sender_name": "Ủy ban nhân dân tỉnh Quảng Trị",
        "number_symbol": "125/UBND-NC",
        "doc_date": timezone.localdate() - dt.timedelta(days=1),
        "doc_type": "CV",
        "summary": "Về việc rà soát thủ tục hành chính lĩnh vực hộ tịch",
    }
    return incoming_register(**{**fields, **overrides})
