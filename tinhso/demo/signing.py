"""The demo's officers sign digitally (``manage.py load_demo_signing``, ``docs/signatures.md``).

Each leader of the demo province's agencies gets a personal certificate and each clerk (desk
officer, specialist, agency administrator) the agency's organisation certificate, issued by the
stand-in PKI (``tinhso.standins.pki.issue_officers``: made offline into ``TINHSO_PKI_DIR`` with
the PKI's own keys, so the PKI process started afterwards by ``run-all`` answers for them),
registered to them (``signatures.registry.certificate_register``, the agency's one with the
agency and the seal image) and put in the demo signing agent's token list
(``TINHSO_SIGNING_AGENT_STANDIN_TOKENS``: user name → PKCS#12 file and password). Each demo
agency that copies or exchanges documents (:func:`_copying_or_exchanging`) also gets its
organisation key for the server's signature (its copies, its edXML
envelopes: ``signatures.organisation``), certificate subject the agency's name, EC P-256, in
``officers/org-<code>.p12``: the file ``make run``'s ``TINHSO_ORGANISATION_KEYS`` names
(``*=var/pki/officers/org-{code}.p12``). Then the demo
agencies approve by signing only (``RegisterSettings.unsigned_approval`` off), and each leader
finds one document awaiting their signature (drafted and submitted by a clerk of the agency
through the document services). Idempotent: the keys and labels are kept, a certificate already
registered is not registered again, a leader with a document in review gets no other.
"""

from __future__ import annotations

import io
import json
import random
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model

from tinhso.core.models import Agency, AgencyLevel, OfficerAssignment, Role
from tinhso.documents.models import RegisterSettings
from tinhso.signatures import registry
from tinhso.standins import pki

CLERK_ROLES = (Role.DESK_OFFICER, Role.SPECIALIST, Role.AGENCY_ADMIN)
# The stand-in PKI's label of an agency's organisation key: officers/org-<code>.p12, the file the
# settings' make-run default of TINHSO_ORGANISATION_KEYS names.
ORGANISATION_LABEL = "org-{code}"
BLUE, RED = (20, 40, 200, 255), (210, 20, 20, 255)


class SigningReport(NamedTuple):
    personal: int
    organisation: int
    agencies: int  # agencies with their organisation key (copies, envelopes)
    registered: int
    awaiting: int


def _holders(agencies: list[Agency]) -> dict[int, tuple[str, OfficerAssignment]]:
    """One token per officer (their computer): a leader's personal certificate, else the
    organisation certificate of the first agency where they are a clerk."""
    found: dict[int, tuple[str, OfficerAssignment]] = {}
    rows = (
        OfficerAssignment.objects.filter(agency__in=agencies, is_active=True, user__is_active=True)
        .select_related("user", "agency")
        .order_by("agency__code", "pk")
    )
    for row in rows:
        if row.role == Role.LEADER and found.get(row.user_id, ("",))[0] != "personal":
            found[row.user_id] = ("personal", row)
        elif row.role in CLERK_ROLES and row.user_id not in found:
            found[row.user_id] = ("organisation", row)
    return found


def _subject(kind: str, row: OfficerAssignment) -> dict[str, str]:
    if kind == "personal":
        return {
            "common-name": row.user.get_full_name() or row.user.username,
            "title": "Lãnh đạo",
            "organization-name": row.agency.name,
        }
    return agency_subject(row.agency)


def agency_subject(agency: Agency) -> dict[str, str]:
    """The subject of an agency's organisation certificate: its name (a clerk's token and the
    server's organisation key alike)."""
    return {"common-name": agency.name, "organization-name": agency.name}


def _copying_or_exchanging(
    agencies: list[Agency], holders: dict[int, tuple[str, OfficerAssignment]]
) -> list[Agency]:
    """The agencies given an organisation key: those with a clerk (they make copies and send
    documents) and the province's committee and departments (on the exchange axis: ``make
    run``'s ``EXCHANGE_AGENCIES``). Not every commune: some 50 ms each to issue and again at
    each start of the PKI process; a commune without one is refused a copy, clearly."""
    clerks = {row.agency_id for kind, row in holders.values() if kind == "organisation"}
    levels = (AgencyLevel.PROVINCE_COMMITTEE, AgencyLevel.PROVINCE_DEPARTMENT)
    return [a for a in agencies if a.pk in clerks or a.level in levels]


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def signature_png(seed: str) -> bytes:
    """A handwritten-looking signature in blue (transparent background), one per officer."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)  # noqa: S311 (demo image)
    image = Image.new("RGBA", (600, 220), (0, 0, 0, 0))
    points = [(40 + i * 87, rng.randint(40, 180)) for i in range(7)]
    ImageDraw.Draw(image).line(points, fill=BLUE, width=12, joint="curve")
    return _png(image)


def seal_png() -> bytes:
    """The agency's round red seal (two rings and the star)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 390, 390), outline=RED, width=18)
    draw.ellipse((80, 80, 320, 320), outline=RED, width=10)
    draw.regular_polygon((200, 200, 60), 5, fill=RED)
    return _png(image)


def load_demo_signing(province_code: str) -> SigningReport:
    """Certificates and tokens for the demo's leaders and clerks (see the module's docstring)."""
    agencies = list(
        Agency.objects.filter(is_active=True, code__contains=f"H{province_code}").order_by("code")
    )
    admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
    holders = _holders(agencies)
    if not holders or admin is None:
        return SigningReport(0, 0, 0, 0, 0)
    labels = {
        user_id: (f"p-{row.user.username}" if kind == "personal" else f"o-{row.user.username}")
        for user_id, (kind, row) in holders.items()
    }
    organisations = {
        ORGANISATION_LABEL.format(code=agency.code): agency_subject(agency)
        for agency in _copying_or_exchanging(agencies, holders)
    }
    directory = settings.TINHSO_PKI_DIR
    pki.issue_officers(
        directory,
        f"http://127.0.0.1:{settings.TINHSO_PKI_PORT}",
        {
            **{labels[user_id]: _subject(kind, row) for user_id, (kind, row) in holders.items()},
            **organisations,
        },
        elliptic=tuple(organisations),
    )
    tokens_file = settings.TINHSO_SIGNING_AGENT_STANDIN_TOKENS
    tokens = json.loads(tokens_file.read_text()) if tokens_file.is_file() else {}
    registered = 0
    seal = seal_png()
    for user_id, (kind, row) in holders.items():
        p12 = directory / pki.OFFICERS_DIR / f"{labels[user_id]}.p12"
        der = registry.parse_certificate(p12.with_suffix(".pem").read_bytes()).dump()
        tokens[row.user.username] = {"p12": str(p12), "password": pki.PFX_PASSWORD.decode()}
        agency = row.agency if kind == "organisation" else None
        known = registry.registered_certificate(row.user, der)
        if known is not None and known.agency_id == getattr(agency, "pk", None):
            continue
        registry.certificate_register(
            actor=admin,
            user=row.user,
            data=der,
            signature_image=seal if agency else signature_png(row.user.username),
            agency=agency,
        )
        registered += 1
    tokens_file.parent.mkdir(parents=True, exist_ok=True)
    tokens_file.write_text(json.dumps(tokens, indent=2))
    # Every leader signs digitally (Quảng Ninh's target: 100%): no approval on paper.
    RegisterSettings.objects.filter(agency__in=agencies).update(unsigned_approval=False)
    kinds = [kind for kind, _row in holders.values()]
    return SigningReport(
        kinds.count("personal"),
        kinds.count("organisation"),
        len(organisations),
        registered,
        _awaiting(holders),
    )


def _awaiting(holders: dict[int, tuple[str, OfficerAssignment]]) -> int:
    """One outgoing document in review for each leader who has a clerk to draft it and none
    waiting yet: what a person trying the demo signs first."""
    from tinhso.documents import services
    from tinhso.documents.models import OutgoingDocument, OutgoingState

    clerks: dict[int, OfficerAssignment] = {}
    for kind, row in holders.values():
        if kind == "organisation":
            clerks.setdefault(row.agency_id, row)
    made = 0
    for kind, row in holders.values():
        clerk = clerks.get(row.agency_id)
        if kind != "personal" or clerk is None:
            continue
        if OutgoingDocument.objects.filter(signer=row.user, state=OutgoingState.IN_REVIEW).exists():
            continue
        commune = row.agency.level == AgencyLevel.COMMUNE_COMMITTEE
        draft = services.outgoing_draft(
            actor=clerk.user,
            agency=row.agency,
            doc_type="CV",
            summary="Về việc triển khai ký số văn bản đi trên Hệ thống quản lý văn bản",
            body=(
                "Thực hiện kế hoạch chuyển đổi số của tỉnh, từ tháng này lãnh đạo cơ quan ký số "
                "toàn bộ văn bản đi trên Hệ thống quản lý văn bản và điều hành.\n"
                "Đề nghị các phòng, ban chuyên môn phối hợp thực hiện."
            ),
            recipients_text="Các phòng, ban chuyên môn\nLưu: VT, VP",
            signer=row.user,
            signer_position="CHỦ TỊCH" if commune else "GIÁM ĐỐC",
            signer_name=row.user.get_full_name() or row.user.username,
            drafting_unit="VP",
        )
        services.outgoing_submit(actor=clerk.user, document=draft)
        made += 1
    return made
