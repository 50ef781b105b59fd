"""The one-stop-shop forms BM.01–BM.06 as PDF (WeasyPrint).

BM.01 receipt and appointment slip, BM.02 supplement request, BM.03 refusal, BM.04 apology and
new appointment, BM.05 process control slip (per dossier: :func:`render_form`); BM.06 the
desk's tracking book (per agency and period: :func:`render_tracking_book`). The forms are legal
documents printed in Vietnamese only: their text lives, untranslated, in
``templates/dossiers/pdf/``. Times are shown in Asia/Ho_Chi_Minh, dates as dd/mm/yyyy, money as
``75.000 đồng``.

Rendering never fetches anything over the network: the stylesheet is read from disk, the QR code
is an inline ``data:`` SVG and the URL fetcher only accepts ``data:`` URIs. The font configuration
and the parsed stylesheet are built once per process.

Entry point for views and the API: :func:`render_form` (``"bm01"`` … ``"bm05"``). The forms that
belong to one issue are kept: each BM.01 version (``ReceiptVersion.pdf``) and each BM.02–BM.04
(``DossierEvent.pdf``, the supplement request, refusal or extension it is about) is rendered
once, by the ``store_form`` task after the operation that issued it commits, into private
storage; its downloads read that file (:func:`kept_pdf`, the one pattern for both). BM.05 and
the BM.01 of a dossier not yet received print the dossier as it is now: drawn on request.
"""

from __future__ import annotations

import atexit
import base64
import datetime as dt
import hashlib
import io
import logging
import os
import threading
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError, NotFound
from tinhso.core.selectors import counting_terms
from tinhso.procedures.models import DeliveryMethod, StepAgency

from .models import (
    EVENT_FORMS,
    TIMELINESS_LABELS,
    Channel,
    Dossier,
    DossierEvent,
    FileKind,
    ReceiptVersion,
    State,
)
from .selectors import track_token

logger = logging.getLogger(__name__)
CSS_PATH = Path(__file__).parent / "templates" / "dossiers" / "pdf" / "forms.css"

# Vietnamese labels printed on the forms (legal wording, not translated: see the module doc).
CHANNEL_LABELS = {
    Channel.COUNTER: "Trực tiếp tại Bộ phận Một cửa",
    Channel.ONLINE: "Trực tuyến",
    Channel.POST: "Qua dịch vụ bưu chính công ích",
}


def delivery_text(dossier: Dossier, agency_name: str) -> str:
    """Nơi nhận kết quả: where and how the applicant receives the result (BM.01)."""
    if dossier.delivery_method == DeliveryMethod.POST:
        address = dossier.delivery_address or dossier.applicant_address
        return f"Qua dịch vụ bưu chính công ích, đến địa chỉ: {address}"
    if dossier.delivery_method == DeliveryMethod.ONLINE:
        return "Trực tuyến (kết quả điện tử), tại mục Hồ sơ của tôi trên Cổng dịch vụ công"
    return f"Bộ phận Tiếp nhận và Trả kết quả – {agency_name}"


COMPONENT_KIND_LABELS = {
    "original": "Bản chính",
    "copy": "Bản sao",
    "certified_copy": "Bản sao chứng thực",
}
ACTION_LABELS = {
    "submit": "Nộp hồ sơ",
    "receive": "Tiếp nhận hồ sơ",
    "refuse": "Từ chối tiếp nhận",
    "transfer": "Chuyển xử lý",
    "request_supplement": "Yêu cầu bổ sung hồ sơ",
    "supplement": "Nộp bổ sung hồ sơ",
    "accept_supplement": "Nhận hồ sơ bổ sung",
    "pause": "Tạm dừng xử lý",
    "resume": "Tiếp tục xử lý",
    "request_fees": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "pay": "Thực hiện nghĩa vụ tài chính",
    "approve": "Phê duyệt, ký kết quả",
    "rework": "Trả lại để xử lý lại",
    "finish": "Hoàn thành xử lý",
    "extend": "Xin lỗi, hẹn lại ngày trả kết quả",
    "return_result": "Trả kết quả",
    "withdraw": "Đề nghị rút hồ sơ",
    "confirm_withdraw": "Xác nhận rút hồ sơ",
    "stop": "Dừng xử lý",
    "rate": "Đánh giá mức độ hài lòng",
}
# Hand-overs whose receiver is the applicant, and those that go back to the one-stop desk.
TO_APPLICANT = {
    "refuse",
    "request_supplement",
    "request_fees",
    "extend",
    "return_result",
    "stop",
    "rate",
}
TO_DESK = {"submit", "supplement", "pay", "withdraw", "approve", "finish"}
PLACE_PREFIXES = ("Thành phố ", "Tỉnh ", "Phường ", "Xã ", "Đặc khu ", "Thị trấn ")


# --- module-level WeasyPrint state ------------------------------------------------------------

FONT_FAMILY = "Tinhso Sans"
# (family, regular, bold, italic) file names, in order of preference.
FONT_FILES = (
    ("Noto Sans", "NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSans-Italic.ttf"),
    ("DejaVu Sans", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"),
)
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")
# Basic Latin, Latin-1, Latin Extended-A (Ă, Đ, Ĩ, Ũ), Ơ/Ư, the combining marks of Vietnamese,
# Latin Extended Additional (U+1EA0–1EF9), common punctuation, the đồng sign and №: everything
# the forms print. Other characters still render, through the system fonts.
FONT_CODEPOINTS = (
    *range(0x20, 0x7F),
    *range(0xA0, 0x180),
    *(0x1A0, 0x1A1, 0x1AF, 0x1B0),
    *(0x300, 0x301, 0x303, 0x306, 0x309, 0x31B, 0x323),
    *range(0x1EA0, 0x1EFA),
    *(0x2010, 0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2026, 0x20AB, 0x2116),
)

_lock = threading.Lock()
# WeasyPrint does not promise that a FontConfiguration can be shared by threads rendering at
# the same time: renders sharing it are serialised (a receipt takes about 0.3 s of CPU).
_render_lock = threading.Lock()
_cache: dict[str, Any] = {}


def _find_font_files() -> tuple[str, dict[str, Path]] | None:
    dirs = [Path(d).expanduser() for d in FONT_DIRS]
    dirs = [d for d in dirs if d.is_dir()]
    for family, *names in FONT_FILES:
        found: dict[str, Path] = {}
        for face, name in zip(("regular", "bold", "italic"), names, strict=True):
            for directory in dirs:
                match = next(directory.rglob(name), None)
                if match is not None:
                    found[face] = match
                    break
        if "regular" in found:
            return family, found
    return None


def _trimmed_font(path: Path) -> bytes:
    """The font cut down to the characters of the forms, without layout/math tables.

    WeasyPrint subsets every embedded font on each render; with fontTools (no HarfBuzz-Subset
    library) that takes over a second per face for DejaVu Sans, whose GSUB/GPOS/MATH tables are
    large. Subsetting once per process to a small face keeps a render well under a second.
    Vietnamese text is NFC-normalised, so precomposed glyphs need no mark positioning.
    """
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "MATH", "kern", "FFTM", "BASE", "JSTF"]
    options.hinting = False
    options.notdef_outline = True
    options.ignore_missing_unicodes = True
    font = TTFont(str(path))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=FONT_CODEPOINTS)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


def _font_faces_css() -> str:
    """``@font-face`` rules embedding the trimmed fonts as ``data:`` URIs ("" if none found).

    Trimming takes seconds of CPU, so the rules are kept in ``VAR_DIR/cache/`` under a name
    that changes with the font files, the characters and fontTools' version: a new process (a
    web or task worker) reads them back in a millisecond."""
    found = _find_font_files()
    if found is None:
        return ""
    _family, files = found
    cached = _font_cache_path(files)
    if cached is not None:
        try:
            return cached.read_text(encoding="ascii")
        except OSError:
            pass
    rules, complete = _trimmed_font_rules(files)
    if cached is not None and complete:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(rules, encoding="ascii")
            partial.replace(cached)  # atomic: a reader sees the whole file or none
        except OSError:
            logger.warning("Cannot keep the trimmed PDF fonts in %s", cached.parent, exc_info=True)
    return rules


def _font_cache_path(files: dict[str, Path]) -> Path | None:
    """Where the trimmed fonts' rules are kept (None: no cache directory configured)."""
    import fontTools

    var_dir = getattr(settings, "VAR_DIR", None)
    if not var_dir:
        return None
    key = [fontTools.version, repr(FONT_CODEPOINTS)]
    for face in sorted(files):
        stat = files[face].stat()
        key.append(f"{face}:{files[face]}:{stat.st_size}:{stat.st_mtime_ns}")
    digest = hashlib.sha256("\n".join(key).encode()).hexdigest()[:16]
    return Path(var_dir) / "cache" / f"pdf-fonts-{digest}.css"


def _trimmed_font_rules(files: dict[str, Path]) -> tuple[str, bool]:
    """The rules of the faces that could be trimmed, and whether every face could."""
    rules = []
    for face, (weight, style) in {
        "regular": ("normal", "normal"),
        "bold": ("bold", "normal"),
        "italic": ("normal", "italic"),
    }.items():
        if face not in files:
            continue
        try:
            data = base64.b64encode(_trimmed_font(files[face])).decode("ascii")
        except Exception:  # a broken font file: fall back to the system fonts
            logger.warning("Cannot prepare font %s for the PDF forms", files[face], exc_info=True)
            continue
        rules.append(
            f'@font-face {{ font-family: "{FONT_FAMILY}"; font-weight: {weight}; '
            f"font-style: {style}; "
            f'src: url("data:font/ttf;base64,{data}") format("truetype"); }}'
        )
    return "\n".join(rules), len(rules) == len(files)


class _NoSubsetAdvice(logging.Filter):
    """Drop WeasyPrint's per-font, per-render advice to install HarfBuzz-Subset."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Using fontTools instead of HarfBuzz-Subset")


def _quiet_loggers() -> None:
    """fontTools logs every subset step and WeasyPrint every render step at INFO; WeasyPrint
    warns on every render when the HarfBuzz-Subset library is missing (rendering is slower but
    correct). Explicitly configured levels are left alone."""
    for name in ("fontTools.subset", "fontTools.ttLib", "weasyprint.progress"):
        log = logging.getLogger(name)
        if log.level == logging.NOTSET:
            log.setLevel(logging.WARNING)
    weasy_logger = logging.getLogger("weasyprint")
    if not any(isinstance(f, _NoSubsetAdvice) for f in weasy_logger.filters):
        weasy_logger.addFilter(_NoSubsetAdvice())


def _weasy() -> tuple[Any, Any]:
    """The shared FontConfiguration and parsed stylesheet (built once per process)."""
    cached = _cache.get("weasy")
    if cached is not None:
        return cached
    with _lock:
        if "weasy" not in _cache:
            _quiet_loggers()
            from weasyprint import CSS
            from weasyprint.text.fonts import FontConfiguration

            font_config = FontConfiguration()
            css = CSS(
                string=_font_faces_css() + "\n" + CSS_PATH.read_text(encoding="utf-8"),
                font_config=font_config,
                url_fetcher=_fetcher(),
            )
            _cache["weasy"] = (font_config, css)
            # Release the fonts before interpreter teardown (their finaliser needs cffi).
            atexit.register(_cache.clear)
    return _cache["weasy"]


def _fetcher():
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False)


def warm() -> None:
    """Pay the one-time cost of rendering now (WeasyPrint's import, the fonts, the stylesheet,
    the first layout: seconds), not in the first request that prints a form: called once per
    web worker as it starts (``tinhso/gunicorn_conf.py``)."""
    html_to_pdf("<p>tinhso</p>")


def html_to_pdf(html: str, *, forms: bool = False) -> bytes:
    """Render an HTML document with the forms stylesheet; no network access. ``forms``: the
    document's ``<input>`` elements become AcroForm fields (the outgoing documents' number,
    date and signature places)."""
    from weasyprint import HTML

    font_config, css = _weasy()
    html = unicodedata.normalize("NFC", html)
    document = HTML(string=html, base_url=None, url_fetcher=_fetcher())
    with _render_lock:
        return document.write_pdf(stylesheets=[css], font_config=font_config, pdf_forms=forms)


# --- formatting ---------------------------------------------------------------------------


def _local(value: dt.datetime | str | None) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return timezone.localtime(value)


def _local_date(value: dt.datetime | dt.date | str | None) -> dt.date | None:
    """The local day of a moment (a date stays itself); None for nothing."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime | str):
        return _local(value)
    return value


def fmt_date(value: dt.datetime | dt.date | str | None) -> str:
    """``dd/mm/yyyy`` (local date)."""
    day = _local_date(value)
    return f"{day:%d/%m/%Y}" if day else ""


def fmt_datetime(value: dt.datetime | str | None) -> str:
    """``dd/mm/yyyy HH:MM`` (local time)."""
    local = _local(value)
    return f"{local:%d/%m/%Y %H:%M}" if local else ""


def fmt_appointment(value: dt.datetime | str | None) -> str:
    """``10 giờ 00 phút, ngày 15/02/2027`` (local time), as printed on appointment slips."""
    local = _local(value)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}" if local else ""


def fmt_long_date(value: dt.datetime | dt.date | str | None) -> str:
    """``ngày 03 tháng 02 năm 2027`` (the date line under the national motto)."""
    day = _local_date(value)
    return f"ngày {day:%d} tháng {day:%m} năm {day:%Y}" if day else "ngày ... tháng ... năm ..."


def fmt_money(amount: int | None) -> str:
    """``75.000 đồng``."""
    return f"{int(amount or 0):,}".replace(",", ".") + " đồng"


def fmt_duration(procedure) -> str:
    if procedure.processing_hours is not None:
        return f"{_number(procedure.processing_hours)} giờ làm việc"
    if procedure.processing_days is not None:
        return f"{_number(procedure.processing_days)} ngày làm việc"
    return ""


def _number(value) -> str:
    """``3``, ``0,5`` (Vietnamese decimal comma)."""
    return format(Decimal(value).normalize(), "f").replace(".", ",")


def _place(agency) -> str:
    unit = getattr(agency, "unit", None)
    name = unit.name if unit is not None else ""
    for prefix in PLACE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _user_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


# --- QR code --------------------------------------------------------------------------------


def tracking_url(code: str, *, signed: bool = False) -> str:
    """The public tracking page of a dossier: ``{SITE_URL}/tra-cuu/{code}/``, which shows its
    status; ``signed``, with the token (``?t=``) that shows the details too: BM.01's QR code."""
    try:
        path = reverse("portal:track", args=[code])
    except NoReverseMatch:
        path = f"/tra-cuu/{code}/"
    query = f"?{urlencode({'t': track_token(code)})}" if signed else ""
    return settings.SITE_URL.rstrip("/") + path + query


def qr_svg(text: str) -> bytes:
    """A QR code (error correction M) as SVG."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=4, border=2, xmldecl=False)
    return buffer.getvalue()


def qr_data_uri(text: str) -> str:
    """A QR code as an inline base64 SVG ``data:`` URI (no external resource)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text)).decode("ascii")


# --- context builders -----------------------------------------------------------------------


def _base_context(dossier: Dossier, *, agency=None, issued_at=None, title: str) -> dict:
    agency = agency or dossier.receiving_agency
    return {
        "dossier": dossier,
        "title": title,
        "agency": agency,
        "agency_name": agency.name,
        "parent_name": agency.parent.name if agency.parent_id else "",
        "place": _place(agency),
        "issued_on": fmt_long_date(issued_at),
        "procedure": dossier.procedure,
        "fee": fmt_money(dossier.fee_vnd or dossier.procedure.fee_vnd),
        "has_fee": bool(dossier.fee_vnd or dossier.procedure.fee_vnd),
        "duration": fmt_duration(dossier.procedure),
        "channel": CHANNEL_LABELS.get(dossier.channel, ""),
        "delivery": delivery_text(dossier, agency.name),
        "received_on": fmt_appointment(dossier.received_at or dossier.submitted_at),
        # The appointment (BM.01, BM.04) and the legal due date (BM.05 judges against it).
        "due": fmt_appointment(dossier.appointment_at),
        "legal_due": fmt_appointment(dossier.legal_due_at),
    }


def counting_convention() -> str:
    """How the time is counted, as BM.01 states it (the province's working hours and cut-off)."""
    terms = counting_terms()
    return (
        f"thời hạn tính theo ngày làm việc ({terms['hours']} giờ/ngày: {terms['periods']}); "
        f"hồ sơ tiếp nhận sau {terms['cutoff']} hoặc vào ngày nghỉ được tính như tiếp nhận vào "
        "đầu ngày làm việc tiếp theo"
    )


def _receiver_name(dossier: Dossier, events: list[DossierEvent]) -> str:
    for event in events:
        if event.action == "receive":
            return event.actor_name
    first = events[0] if events else None
    if first is not None and first.action == "submit" and first.actor_agency_id:
        return first.actor_name  # entered at the counter by a desk officer
    return ""


def _events(dossier: Dossier) -> list[DossierEvent]:
    return list(dossier.events.select_related("actor_agency", "to_step", "to_user").order_by("seq"))


def receipt_data(dossier: Dossier) -> dict:
    """What BM.01 prints that belongs to the dossier now: times, fee, components, files and the
    receiver. Kept with each receipt version (``ReceiptVersion.data``) so that it prints again
    as it was issued."""
    files = [
        {
            "name": f.original_name,
            "component": f.component.name if f.component_id else "",
        }
        for f in dossier.files.select_related("component")
        .filter(kind__in=[FileKind.COMPONENT, FileKind.SCAN])
        .order_by("uploaded_at", "pk")
    ]
    components = [
        {
            "name": c.name,
            "kind": COMPONENT_KIND_LABELS.get(c.kind, c.kind),
            "count": c.count,
            "required": c.required,
        }
        for c in dossier.procedure.components.order_by("order", "pk")
    ]
    received = dossier.received_at
    return {
        "received_at": received.isoformat() if received else None,
        "appointment_at": dossier.appointment_at.isoformat() if dossier.appointment_at else None,
        "counting_from": dossier.counting_from.isoformat() if dossier.counting_from else None,
        "fee_vnd": dossier.fee_vnd or dossier.procedure.fee_vnd,
        "files": files,
        "components": components,
        "receiver": _receiver_name(dossier, _events(dossier)),
    }


def receipt_context(dossier: Dossier, receipt: ReceiptVersion | None = None) -> dict:
    """BM.01 as it prints now, or as ``receipt`` (a kept version) printed it."""
    data = receipt.data if receipt is not None else receipt_data(dossier)
    url = tracking_url(dossier.code)
    received_at = data["received_at"]
    return {
        **_base_context(
            dossier,
            issued_at=(
                receipt.issued_at if receipt is not None else received_at or dossier.submitted_at
            ),
            title="GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        ),
        "received_on": fmt_appointment(received_at or dossier.submitted_at),
        "due": fmt_appointment(data["appointment_at"]),
        "fee": fmt_money(data["fee_vnd"]),
        "has_fee": bool(data["fee_vnd"]),
        "files": data["files"],
        "components": data["components"],
        "receiver": data["receiver"],
        "tracking_url": url,  # printed: the status only
        "qr": qr_data_uri(tracking_url(dossier.code, signed=True)),  # the holder of the receipt
        "received": received_at is not None,
        "counting_from": fmt_appointment(data.get("counting_from")),
        "counting_convention": counting_convention(),
        "version": receipt.number if receipt is not None and receipt.number > 1 else None,
        "version_issued_at": fmt_datetime(receipt.issued_at) if receipt is not None else "",
    }


def _event_actor(dossier: Dossier, event: DossierEvent) -> dict:
    if event.actor_agency_id:
        return {"name": event.actor_name, "agency": event.actor_agency.name}
    if event.actor_id is None:
        return {"name": "Hệ thống", "agency": ""}
    return {"name": dossier.applicant_name, "agency": "Tổ chức, cá nhân nộp hồ sơ"}


def _step_agency_name(dossier: Dossier, step) -> str:
    if step.agency == StepAgency.RECEIVING:
        return dossier.receiving_agency.name
    return dossier.deciding_agency.name


def _event_receiver(dossier: Dossier, event: DossierEvent) -> dict:
    if event.to_user_id:
        agency = _step_agency_name(dossier, event.to_step) if event.to_step_id else ""
        return {"name": _user_name(event.to_user), "agency": agency}
    if event.to_step_id and event.action not in TO_APPLICANT:
        return {
            "name": event.to_step.name,
            "agency": _step_agency_name(dossier, event.to_step),
        }
    if event.action in TO_APPLICANT:
        return {"name": dossier.applicant_name, "agency": "Tổ chức, cá nhân nộp hồ sơ"}
    if event.action in TO_DESK:
        return {
            "name": "Bộ phận Tiếp nhận và Trả kết quả",
            "agency": dossier.receiving_agency.name,
        }
    return {"name": "", "agency": ""}


def control_slip_context(dossier: Dossier) -> dict:
    rows = [
        {
            "seq": event.seq,
            "action": ACTION_LABELS.get(event.action, event.action),
            "giver": _event_actor(dossier, event),
            "receiver": _event_receiver(dossier, event),
            "at": fmt_datetime(event.at),
            "step_due": fmt_datetime(event.step_due_at),
            "result": TIMELINESS_LABELS.get(event.step_result, ""),
            "note": event.note,
        }
        for event in _events(dossier)
    ]
    return {
        **_base_context(
            dossier,
            issued_at=timezone.now(),
            title="PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
        ),
        "rows": rows,
        "timeliness": TIMELINESS_LABELS.get(dossier.timeliness, ""),
        "printed_at": fmt_datetime(timezone.now()),
    }


def _event_context(dossier: Dossier, event: DossierEvent, title: str, agency=None) -> dict:
    return {
        **_base_context(dossier, agency=agency, issued_at=event.at, title=title),
        "event": event,
        "officer": event.actor_name,
        "reason": event.note,
        "event_at": fmt_appointment(event.at),
    }


# --- renderers ------------------------------------------------------------------------------


def render_html(template: str, context: dict) -> str:
    """The HTML of a form (``template`` in ``templates/dossiers/pdf/``), before PDF rendering."""
    return render_to_string(f"dossiers/pdf/{template}", context)


def _render(template: str, context: dict) -> bytes:
    return html_to_pdf(render_html(template, context))


def render_receipt(dossier: Dossier, receipt: ReceiptVersion | None = None) -> bytes:
    """BM.01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả (as ``receipt`` printed it, if given)."""
    return _render("bm01_receipt.html", receipt_context(dossier, receipt))


def kept_pdf(row: ReceiptVersion | DossierEvent, render: Callable[[], bytes], name: str) -> bytes:
    """A kept form as printed: ``row.pdf``'s stored file (a BM.01 version's ``ReceiptVersion``,
    or the ``DossierEvent`` a BM.02–BM.04 is about); when there is none yet (the background
    render has not run, or the file is gone), ``render()`` now and stored. The background task
    and a download that comes first both call this: one rendering, kept once (when two race,
    the first stored name wins and the other file is deleted)."""
    stored = row.pdf
    if stored:
        try:
            with stored.open("rb") as handle:
                return handle.read()
        except FileNotFoundError:
            logger.warning("%s: stored PDF %s is missing; rendering it again", row, stored.name)
    data = render()
    field = stored.field
    saved = field.storage.save(field.generate_filename(row, name), ContentFile(data))
    kept = type(row).objects.filter(pk=row.pk, pdf=stored.name or "").update(pdf=saved)
    if kept:
        stored.name = saved
    else:  # stored meanwhile by a concurrent render
        field.storage.delete(saved)
    return data


def receipt_pdf(receipt: ReceiptVersion, dossier: Dossier | None = None) -> bytes:
    """A kept BM.01 version as printed (:func:`kept_pdf`)."""
    return kept_pdf(
        receipt, lambda: render_receipt(dossier or receipt.dossier, receipt), "bm01.pdf"
    )


def event_form_pdf(kind: str, dossier: Dossier, event: DossierEvent) -> bytes:
    """BM.02–BM.04 as printed for the event it is about (:func:`kept_pdf`): an event is never
    changed, and each new supplement request, refusal or extension is a new event with its own
    form, so a kept form is never stale (it keeps the agency's and the procedure's names as
    they were when it was issued, as the paper handed out does)."""
    return kept_pdf(event, lambda: EVENT_RENDERERS[kind](dossier, event), f"{kind}.pdf")


def form_store(kind: str, row_id: int) -> bool:
    """Render and keep a form unless it is kept already (the background task after the
    operation that issued it: :func:`~tinhso.dossiers.services.form_keep`): ``"bm01"`` a
    receipt version, ``"bm02"``–``"bm04"`` the event's form. False for an unknown or kept one."""
    related = ("procedure", "receiving_agency__parent", "receiving_agency__unit")
    if kind == "bm01":
        receipt = (
            ReceiptVersion.objects.select_related(*(f"dossier__{r}" for r in related))
            .filter(pk=row_id)
            .first()
        )
        if receipt is None or receipt.pdf:
            return False
        receipt_pdf(receipt)
        return True
    event = (
        DossierEvent.objects.select_related(
            "actor_agency__parent", *(f"dossier__{r}" for r in related)
        )
        .filter(pk=row_id, action=EVENT_FORMS[kind])
        .first()
    )
    if event is None or event.pdf:
        return False
    event_form_pdf(kind, event.dossier, event)
    return True


def render_supplement_request(dossier: Dossier, event: DossierEvent) -> bytes:
    """BM.02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ."""
    context = _event_context(
        dossier,
        event,
        "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
        agency=event.actor_agency or dossier.current_agency,
    )
    context["items"] = [str(item) for item in (event.data or {}).get("items") or []]
    return _render("bm02_supplement.html", context)


def render_refusal(dossier: Dossier, event: DossierEvent) -> bytes:
    """BM.03 Phiếu từ chối tiếp nhận giải quyết hồ sơ."""
    context = _event_context(dossier, event, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ")
    return _render("bm03_refusal.html", context)


def render_apology(dossier: Dossier, event: DossierEvent) -> bytes:
    """BM.04 Phiếu xin lỗi và hẹn lại ngày trả kết quả."""
    data = event.data or {}
    context = _event_context(
        dossier,
        event,
        "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
        agency=event.actor_agency or dossier.deciding_agency,
    )
    context["old_due"] = fmt_appointment(data.get("old_due_at"))
    context["new_due"] = fmt_appointment(data.get("new_due_at"))
    return _render("bm04_apology.html", context)


EVENT_RENDERERS: dict[str, Callable[[Dossier, DossierEvent], bytes]] = {
    "bm02": render_supplement_request,
    "bm03": render_refusal,
    "bm04": render_apology,
}


def render_control_slip(dossier: Dossier) -> bytes:
    """BM.05 Phiếu kiểm soát quá trình giải quyết hồ sơ."""
    return _render("bm05_control.html", control_slip_context(dossier))


def tracking_book_context(entries: list, *, agency, start: dt.date, end: dt.date) -> dict:
    """BM.06's context: the desk's agency, the period and the entries as printed."""
    return {
        "title": "SỔ THEO DÕI HỒ SƠ",
        "agency": agency,
        "agency_name": agency.name,
        "parent_name": agency.parent.name if agency.parent_id else "",
        "place": _place(agency),
        "issued_on": fmt_long_date(timezone.now()),
        "period": f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}",
        "entries": [entry.printed() for entry in entries],
    }


def render_tracking_book(entries: list, *, agency, start: dt.date, end: dt.date) -> bytes:
    """BM.06 Sổ theo dõi hồ sơ of a receiving desk for a period (:mod:`.book`)."""
    context = tracking_book_context(entries, agency=agency, start=start, end=end)
    return _render("bm06_book.html", context)


# --- dispatch -------------------------------------------------------------------------------

FORM_KINDS = ("bm01", "bm02", "bm03", "bm04", "bm05")


def _unavailable(kind: str, dossier: Dossier) -> DomainError:
    return DomainError(
        "form_unavailable",
        _("Form %(form)s does not apply to dossier %(code)s.")
        % {"form": kind.upper(), "code": dossier.code},
        form=kind,
    )


def find_event(dossier: Dossier, kind: str) -> DossierEvent | None:
    """The latest event a form is about (BM.02 supplement request, BM.03 refusal, BM.04
    extension), or None."""
    action = EVENT_FORMS[kind]
    return (
        dossier.events.select_related("actor_agency").filter(action=action).order_by("-seq").first()
    )


def available_forms(dossier: Dossier) -> list[str]:
    """The forms that can be printed for a dossier now (for download links)."""
    forms = []
    if dossier.received_at is not None or dossier.state == State.SUBMITTED:
        forms.append("bm01")
    actions = set(dossier.events.values_list("action", flat=True))
    forms += [kind for kind, action in EVENT_FORMS.items() if action in actions]
    forms.append("bm05")
    return forms


def receipt_version_param(value: str | None) -> int | None:
    """The ``?version=`` of a BM.01 download (None: the current receipt)."""
    if value in (None, ""):
        return None
    if not value.isdigit() or not 0 < int(value) <= 10**6:
        raise NotFound("unknown_receipt_version", _("Unknown receipt version."))
    return int(value)


def _receipt(dossier: Dossier, version: int | None) -> ReceiptVersion | None:
    """The kept BM.01 ``version`` (default: the latest; None when none was kept, as for a
    dossier not yet received: it prints as it is now)."""
    receipts = dossier.receipts.order_by("-number")
    if version is None:
        return receipts.first()
    found = receipts.filter(number=version).first()
    if found is None:
        raise NotFound(
            "unknown_receipt_version",
            _("Dossier %(code)s has no receipt version %(version)s.")
            % {"code": dossier.code, "version": version},
        )
    return found


def render_form(
    kind: str, dossier: Dossier, event: DossierEvent | None = None, version: int | None = None
) -> tuple[bytes, str]:
    """Render form ``kind`` ("bm01" … "bm05") of a dossier: (PDF bytes, suggested file name).

    For BM.01, ``version`` chooses a kept issue of the receipt (default: the current one). For
    BM.02–BM.04 the event defaults to the latest matching one. Raises
    ``DomainError("form_unavailable")`` when the form does not apply to the dossier and
    ``NotFound("unknown_form")`` for an unknown kind.
    """
    key = (kind or "").lower().replace(".", "").replace("_", "")
    if key not in FORM_KINDS:
        raise NotFound("unknown_form", _("Unknown form “%(form)s”.") % {"form": kind})
    filename = f"{key.upper()}-{dossier.code}.pdf"
    if key == "bm01":
        if dossier.received_at is None and dossier.state != State.SUBMITTED:
            raise _unavailable(key, dossier)
        receipt = _receipt(dossier, version)
        if version is not None:
            filename = f"BM01-{dossier.code}-v{version}.pdf"
        if receipt is None:  # not received yet: it prints as the dossier is now
            return render_receipt(dossier), filename
        return receipt_pdf(receipt, dossier), filename
    if key == "bm05":
        return render_control_slip(dossier), filename
    if event is None:
        event = find_event(dossier, key)
    if event is None or event.dossier_id != dossier.pk or event.action != EVENT_FORMS[key]:
        raise _unavailable(key, dossier)
    return event_form_pdf(key, dossier, event), filename
