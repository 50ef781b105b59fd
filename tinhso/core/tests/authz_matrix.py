"""The authorization matrix (issue #7): for every URL pattern, what each role gets.

``MATRIX`` maps each URL pattern of the project to the requests that exercise it and, for each of
the eight roles, the exact outcome. ``test_authz_matrix.py`` enumerates the URL conf and fails when
a pattern has no entry here (or an entry names a pattern that no longer exists), then makes every
request as every role.

Keys are the pattern's full route as Django reports it (``ResolverMatch.route``): the route
string of a ``path()``, the regular expression of a ``re_path()``. Operations of the JSON API
(django-ninja) are keyed ``"<METHOD> <route>"`` because several operations share one route. The
Django admin is one entry, ``"admin/"``: it is staff-only as a whole; its pages are not listed one
by one (two cases check that officers are refused the accounts and the role assignments).

The world the requests run against (``test_authz_matrix.build_world``): the demo province, a
dossier that ``citizen`` submitted online at the People's Committee of Phường Đồng Hới (state
"submitted") and its file, a second one received and passed to the specialist with internal
notes, a question of ``citizen`` waiting for Đồng Hới's answer, a published question, a feedback
report of ``citizen`` waiting for moderation (with a photo), and an answered, public report of
``citizen`` (with a photo). ``"{name}"`` in a case is a value of that world (``World.values``);
``{agency_id}`` and ``{commune_id}`` are the database ids of Đồng Hới's committee and of Phường
Đồng Hới (the operations centre's URLs take ids), ``{year}`` the current year.

Roles: ``anonymous``; ``citizen`` (congdan1, the applicant, asker and reporter); ``other_citizen``
(congdan2); ``desk``, ``specialist``, ``leader`` (motcua/chuyenvien/lanhdao.donghoi, officers of
the dossier's agency); ``other_agency`` (chuyenvien.tuphap, a provincial department);
``province_admin`` (admin: superuser with the province-admin role).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tinhso.testing.factories import DEMO_BIRTH_FORM

ROLES = (
    "anonymous",
    "citizen",
    "other_citizen",
    "desk",
    "specialist",
    "leader",
    "other_agency",
    "province_admin",
)
CITIZENS = ("citizen", "other_citizen")

LOGIN_PAGE = "<login page>"
ADMIN_LOGIN_PAGE = "<admin login page>"

PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Outcome:
    """What one role gets from one request.

    ``location`` (redirects): ``LOGIN_PAGE`` (the portal's login page with ``next`` = the
    requested URL), ``ADMIN_LOGIN_PAGE``, a path (compared with the Location's path, or with the
    whole Location when it holds a query) or a regular expression starting with ``^``.
    ``changes``: the request stores something (otherwise every request must leave the stored data
    exactly as it was). ``shows``/``hides``: text the body must contain / must not contain.
    """

    label: str
    status: int
    location: str = ""
    content_type: str = ""
    changes: bool = False
    shows: str = ""
    hides: str = ""


OK = Outcome("page", 200, content_type="text/html")
JSON = Outcome("JSON", 200, content_type="application/json")
PDF = Outcome("PDF", 200, content_type=PDF_TYPE)
XLSX = Outcome("XLSX", 200, content_type=XLSX_TYPE)
JPEG = Outcome("photo", 200, content_type="image/jpeg")
GEOJSON = Outcome("GeoJSON", 200, content_type="application/geo+json")
REFUSED = Outcome("refused in the page, nothing stored", 200, content_type="text/html")
DONE = Outcome("done", 200, content_type="application/json", changes=True)
CREATED = Outcome("created", 201, content_type="application/json", changes=True)
LOGIN = Outcome("sent to the login page", 302, location=LOGIN_PAGE)
ADMIN_LOGIN = Outcome("sent to the admin login page", 302, location=ADMIN_LOGIN_PAGE)
BAD_REQUEST = Outcome("refused as a bad request", 400)
UNAUTHORIZED = Outcome("unauthenticated", 401)
FORBIDDEN = Outcome("forbidden", 403)
NOT_FOUND = Outcome("not found", 404)
NOT_ALLOWED = Outcome("method not allowed", 405)


def redirect(location: str, *, changes: bool = False) -> Outcome:
    return Outcome(
        "redirect" + (" after storing" if changes else ""), 302, location=location, changes=changes
    )


def page_with(text: str, *, json: bool = False) -> Outcome:
    base = JSON if json else OK
    return Outcome(base.label + " listing it", 200, content_type=base.content_type, shows=text)


def page_without(text: str, *, json: bool = False) -> Outcome:
    base = JSON if json else OK
    return Outcome(base.label + " without it", 200, content_type=base.content_type, hides=text)


def expect(default: Outcome, **roles: Outcome) -> dict[str, Outcome]:
    """Every role gets ``default`` unless named."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    return {role: roles.get(role, default) for role in ROLES}


def each(roles: tuple[str, ...], outcome: Outcome) -> dict[str, Outcome]:
    return dict.fromkeys(roles, outcome)


@dataclass(frozen=True)
class Upload:
    """A file field of a request body: a small valid PDF or JPEG."""

    kind: str  # "pdf" or "jpeg"
    name: str


PDF_FILE = Upload("pdf", "ban-sao.pdf")


@dataclass(frozen=True)
class Case:
    """One request to the route, made by every role.

    ``kwargs`` fill the route's parameters (reversed by the pattern's name; ``path`` instead for
    an unnamed pattern); ``body="json"`` sends ``data`` as JSON, otherwise as a form (multipart
    when it holds an ``Upload``). ``auth="token"`` sends a bearer token of the role (API writes),
    ``"session"`` logs the role in. ``meta`` adds request META (e.g. ``REMOTE_ADDR``).
    ``bugs`` names the roles for which the application is known to be wrong: the expectation
    stays right and the case runs as a strict xfail.
    """

    roles: dict[str, Outcome]
    label: str = ""
    method: str = "GET"
    kwargs: dict[str, str] = field(default_factory=dict)
    query: str = ""
    path: str = ""
    data: dict | None = None
    body: str = "form"
    auth: str = "session"
    meta: dict[str, str] = field(default_factory=dict)
    bugs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    cases: tuple[Case, ...]
    note: str = ""
    debug_only: bool = False  # present only when DEBUG was on as the URL conf was imported


def get(roles: dict[str, Outcome], label: str = "", **extra) -> Case:
    return Case(roles=roles, label=label or "GET", **extra)


def post(roles: dict[str, Outcome], label: str = "", **extra) -> Case:
    return Case(roles=roles, label=label or "POST", method="POST", **extra)


# --- common shapes ------------------------------------------------------------------------------

PUBLIC = expect(OK)
PUBLIC_JSON = expect(JSON)
SIGNED_IN = expect(OK, anonymous=LOGIN)
# Officer pages of the workspace and the Q&A desk: others get 404 (anonymous: the login page).
OFFICER_PAGE = expect(OK, anonymous=LOGIN, **each(CITIZENS, NOT_FOUND))
# POST-only pages behind login_required: GET is 405 once signed in.
POST_ONLY_SIGNED_IN = expect(NOT_ALLOWED, anonymous=LOGIN)
# The operations centre: province-wide roles only (here the province admin); every other
# signed-in person gets 404 on the pages, 403 from the API.
IOC_PAGE = expect(NOT_FOUND, anonymous=LOGIN, province_admin=OK)
IOC_API = expect(FORBIDDEN, anonymous=UNAUTHORIZED, province_admin=JSON)


# The documents API: officers read their agencies' rows; citizens are refused.
OFFICER_API = expect(JSON, anonymous=UNAUTHORIZED, **each(CITIZENS, FORBIDDEN))
AGENCY_API_OBJECT = expect(
    JSON, anonymous=UNAUTHORIZED, **each(CITIZENS, FORBIDDEN), other_agency=NOT_FOUND
)


def agency_object(ok: Outcome) -> dict[str, Outcome]:
    """An object of Đồng Hới's committee seen from the workspace: its officers and the province
    admin; citizens and other agencies get 404."""
    return expect(ok, anonymous=LOGIN, **each(CITIZENS, NOT_FOUND), other_agency=NOT_FOUND)


# A step of the leader's signature on a result (JSON, through the signing agent): a form body is
# refused as a bad request by those who may see the dossier; nobody else learns it exists.
SIGNING_STEP = Route(
    (
        post(
            expect(
                BAD_REQUEST, anonymous=LOGIN, **each(CITIZENS, NOT_FOUND), other_agency=NOT_FOUND
            ),
            "not JSON",
            kwargs={"code": "{dossier}", "file_id": "{file}"},
        ),
    )
)


# The same two steps on an outgoing document (the signer's approval, the clerk's seal): a form
# body is refused as a bad request by those who may see the document.
DOCUMENT_SIGNING_STEP = Route(
    tuple(
        post(
            expect(
                BAD_REQUEST, anonymous=LOGIN, **each(CITIZENS, NOT_FOUND), other_agency=NOT_FOUND
            ),
            f"not JSON ({step})",
            kwargs={"pk": "{doc_out}", "step": step},
        )
        for step in ("bat-dau", "hoan-tat")
    )
)


def own_dossier(ok: Outcome) -> dict[str, Outcome]:
    """The applicant's own pages of the dossier: nobody else, not even its officers."""
    return expect(NOT_FOUND, anonymous=LOGIN, citizen=ok)


def own_list(marker: str, label: str = "") -> Route:
    """A citizen's list of their own things: signed-in people see the page, only the owner sees
    ``marker`` on it."""
    outcomes = expect(page_without(marker), anonymous=LOGIN, citizen=page_with(marker))
    return Route((get(outcomes, label),))


def api_dossier(ok: Outcome) -> dict[str, Outcome]:
    """The dossier through the API: the applicant, its agency's officers, the province admin."""
    return expect(ok, anonymous=UNAUTHORIZED, other_citizen=NOT_FOUND, other_agency=NOT_FOUND)


SUBMIT_PAGE = "/thu-tuc/{procedure}/nop-truc-tuyen/"
BIRTH_FORM = DEMO_BIRTH_FORM
QUESTION_FORM = {
    "procedure": "{procedure}",
    "commune": "{commune}",
    "title": "Đăng ký khai sinh cho con khi cha mẹ chưa đăng ký kết hôn",
    "body": (
        "Vợ chồng tôi chưa đăng ký kết hôn, nay muốn đăng ký khai sinh cho con thì cần "
        "những giấy tờ gì và có ghi tên cha vào giấy khai sinh được không?"
    ),
}
REPORT_FORM = {
    "category": "rac-thai",
    "description": "Rác thải đổ thành đống ở đầu kiệt 12 Lý Thường Kiệt đã ba ngày chưa dọn.",
    "urgency": "normal",
    "latitude": "17.468700",
    "longitude": "106.622300",
    "commune": "{commune}",
    "address": "Đầu kiệt 12 Lý Thường Kiệt",
    "submission_key": "authz-matrix-report",
}
OPEN311_REQUEST = {
    "service_code": "rac-thai",
    "lat": "17.468700",
    "long": "106.622300",
    "description": "Rác thải đổ thành đống ở đầu kiệt 12 Lý Thường Kiệt.",
}
ANSWER_FORM = {
    "action": "answer",
    "answer": (
        "Theo Luật Hộ tịch, cha mẹ chưa đăng ký kết hôn vẫn đăng ký khai sinh cho con được; "
        "tên cha được ghi khi kết hợp đăng ký nhận cha con."
    ),
    "publish": "on",
}

# --- the matrix ---------------------------------------------------------------------------------

MATRIX: dict[str, Route] = {
    # --- operations -----------------------------------------------------------------------------
    "healthz": Route((get(PUBLIC_JSON),), note="load balancer probe"),
    "ban-do/xa-phuong.geojson": Route(
        (get(expect(GEOJSON)),), note="the communes on the maps: public reference data"
    ),
    "metrics": Route(
        (
            get(expect(UNAUTHORIZED), "from an allowed address (127.0.0.1), without the token"),
            get(
                expect(NOT_FOUND),
                "from any other address",
                meta={"REMOTE_ADDR": "203.0.113.9"},
            ),
        ),
        note="Prometheus: the bearer token TINHSO_METRICS_TOKEN (test_security.py), whoever is "
        "signed in, and by address (TINHSO_METRICS_ALLOWED)",
    ),
    "i18n/setlang/": Route(
        (
            get(expect(redirect("/thu-tuc/")), query="next=/thu-tuc/"),
            post(expect(redirect("/thu-tuc/")), data={"language": "en", "next": "/thu-tuc/"}),
        ),
        note="language switch: anyone",
    ),
    # --- JSON API (django-ninja) ----------------------------------------------------------------
    "api/openapi.json": Route((get(PUBLIC_JSON),)),
    "api/docs": Route((get(PUBLIC),)),
    "api/": Route((get(expect(NOT_FOUND)),), note="ninja's root: only used to reverse URLs"),
    "GET api/core/units": Route((get(PUBLIC_JSON, query="province=44"),)),
    "GET api/core/units/<code>": Route((get(PUBLIC_JSON, kwargs={"code": "{commune}"}),)),
    "GET api/core/agencies": Route((get(PUBLIC_JSON),)),
    "GET api/procedures": Route((get(PUBLIC_JSON, query="query=khai+sinh"),)),
    "GET api/procedures/<code>": Route((get(PUBLIC_JSON, kwargs={"code": "{procedure}"}),)),
    "GET api/sectors": Route((get(PUBLIC_JSON),)),
    "POST api/dossiers": Route(
        (
            post(
                expect(
                    BAD_REQUEST,  # officers have no applicant profile: refused, nothing stored
                    anonymous=UNAUTHORIZED,
                    **each(CITIZENS, CREATED),
                ),
                "submit online",
                body="json",
                auth="token",
                data={"procedure_code": "{procedure}", "form_data": BIRTH_FORM},
            ),
        ),
        note="GET of the same route is 'GET api/dossiers'",
    ),
    "GET api/dossiers": Route(
        (
            get(
                expect(
                    page_with("{dossier}", json=True),
                    anonymous=UNAUTHORIZED,
                    other_citizen=page_without("{dossier}", json=True),
                    other_agency=page_without("{dossier}", json=True),
                ),
                "own dossiers or the agencies' (scoped)",
            ),
        )
    ),
    "GET api/dossiers/<code>": Route(
        (
            get(api_dossier(JSON), kwargs={"code": "{dossier}"}),
            get(
                expect(
                    page_with("{internal_note}", json=True),
                    anonymous=UNAUTHORIZED,
                    citizen=page_without("{internal_note}", json=True),
                    other_citizen=NOT_FOUND,
                    other_agency=NOT_FOUND,
                ),
                "officers' internal notes: not to the applicant",
                kwargs={"code": "{dossier_worked}"},
            ),
        )
    ),
    "GET api/track/<code>": Route(
        (
            get(
                expect(page_without("{id_number}", json=True)),
                "public tracking with the ID number: no personal data",
                kwargs={"code": "{dossier}"},
                query="id_number={id_number}",
            ),
            get(
                expect(page_without("{internal_note}", json=True)),
                "public tracking: no internal notes",
                kwargs={"code": "{dossier_worked}"},
                query="id_number={id_number}",
            ),
        )
    ),
    "POST api/dossiers/<code>/actions/<action>": Route(
        (
            post(
                expect(
                    FORBIDDEN,
                    anonymous=UNAUTHORIZED,
                    other_citizen=NOT_FOUND,
                    desk=DONE,
                    other_agency=NOT_FOUND,
                ),
                "receive (the desk's action)",
                kwargs={"code": "{dossier}", "action": "receive"},
                body="json",
                auth="token",
                data={"note": ""},
            ),
            get(expect(NOT_ALLOWED), kwargs={"code": "{dossier}", "action": "receive"}),
        )
    ),
    "POST api/dossiers/<code>/files": Route(
        (
            post(
                expect(
                    FORBIDDEN,
                    anonymous=UNAUTHORIZED,
                    citizen=CREATED,  # the applicant, before reception
                    other_citizen=NOT_FOUND,
                    desk=CREATED,  # the desk's scans
                    other_agency=NOT_FOUND,
                ),
                "add a file",
                kwargs={"code": "{dossier}"},
                auth="token",
                data={"files": PDF_FILE},
            ),
            get(expect(NOT_ALLOWED), kwargs={"code": "{dossier}"}),
        )
    ),
    "GET api/dossiers/<code>/files/<file_id>": Route(
        (get(api_dossier(PDF), kwargs={"code": "{dossier}", "file_id": "{file}"}),)
    ),
    "GET api/dossiers/<code>/forms/<kind>.pdf": Route(
        (
            get(api_dossier(PDF), "BM.01 receipt", kwargs={"code": "{dossier}", "kind": "bm01"}),
            get(
                expect(
                    PDF,
                    anonymous=UNAUTHORIZED,
                    **each(CITIZENS, NOT_FOUND),
                    other_agency=NOT_FOUND,
                ),
                "BM.05 internal control slip",
                kwargs={"code": "{dossier}", "kind": "bm05"},
            ),
        )
    ),
    "GET api/statistics": Route(
        (get(expect(JSON, anonymous=UNAUTHORIZED, **each(CITIZENS, FORBIDDEN))),)
    ),
    "GET api/statistics.xlsx": Route(
        (get(expect(XLSX, anonymous=UNAUTHORIZED, **each(CITIZENS, FORBIDDEN))),)
    ),
    "GET api/statistics/reception": Route(
        (get(expect(JSON, anonymous=UNAUTHORIZED, **each(CITIZENS, FORBIDDEN))),)
    ),
    # The tracking book of Đồng Hới's desk: its officers and the province admin.
    "GET api/tracking-book": Route(
        (
            get(
                expect(
                    JSON,
                    anonymous=UNAUTHORIZED,
                    **each(CITIZENS, FORBIDDEN),
                    other_agency=FORBIDDEN,
                ),
                query="agency={agency_code}",
            ),
        )
    ),
    "GET api/tracking-book.<fmt>": Route(
        tuple(
            get(
                expect(
                    outcome,
                    anonymous=UNAUTHORIZED,
                    **each(CITIZENS, FORBIDDEN),
                    other_agency=FORBIDDEN,
                ),
                fmt,
                kwargs={"fmt": fmt},
                query="agency={agency_code}",
            )
            for fmt, outcome in (("xlsx", XLSX), ("pdf", PDF))
        )
    ),
    # The documents of the caller's agencies (read-only; citizens are refused).
    "GET api/documents/incoming": Route((get(OFFICER_API, query="q=ho+tich"),)),
    "GET api/documents/incoming/<pk>": Route((get(AGENCY_API_OBJECT, kwargs={"pk": "{doc_in}"}),)),
    "GET api/documents/outgoing": Route((get(OFFICER_API),)),
    "GET api/documents/outgoing/<pk>": Route((get(AGENCY_API_OBJECT, kwargs={"pk": "{doc_out}"}),)),
    "GET api/documents/registers/<kind>.xlsx": Route(
        tuple(
            get(
                expect(XLSX, anonymous=UNAUTHORIZED, **each(CITIZENS, FORBIDDEN)),
                kind,
                kwargs={"kind": kind},
            )
            for kind in ("den", "di")
        )
    ),
    "GET api/ioc/overview": Route((get(IOC_API),)),
    "GET api/ioc/agencies/<agency_id>": Route(
        (get(IOC_API, "Đồng Hới's committee", kwargs={"agency_id": "{agency_id}"}),)
    ),
    "GET api/ioc/communes/<unit_id>": Route(
        (get(IOC_API, "Phường Đồng Hới", kwargs={"unit_id": "{commune_id}"}),)
    ),
    "GET api/ioc/overview.xlsx": Route(
        (get(expect(FORBIDDEN, anonymous=UNAUTHORIZED, province_admin=XLSX)),)
    ),
    # --- officer workspace ----------------------------------------------------------------------
    "can-bo/": Route((get(OFFICER_PAGE, "inbox"),)),
    "can-bo/tiep-nhan/": Route(
        (
            get(OFFICER_PAGE, "counter reception"),
            post(
                expect(REFUSED, anonymous=LOGIN, **each(CITIZENS, NOT_FOUND)),
                "an incomplete reception (form errors for the desk)",
                data={"procedure": "{procedure}"},
            ),
        )
    ),
    "can-bo/ho-so/<str:code>/": Route(
        (
            get(agency_object(OK), kwargs={"code": "{dossier}"}),
            get(
                agency_object(page_with("{internal_note}")),
                "with the officers' internal notes",
                kwargs={"code": "{dossier_worked}"},
            ),
        )
    ),
    "can-bo/ho-so/<str:code>/xu-ly/<slug:action>/": Route(
        (
            post(
                expect(
                    REFUSED,  # same agency without the desk role, and the province admin
                    anonymous=LOGIN,
                    **each(CITIZENS, NOT_FOUND),
                    desk=redirect("/can-bo/ho-so/{dossier}/", changes=True),
                    other_agency=NOT_FOUND,
                ),
                "receive (the desk's action)",
                kwargs={"code": "{dossier}", "action": "receive"},
                data={"receive-version": "{dossier_version}", "receive-note": ""},
            ),
            get(
                expect(NOT_ALLOWED),
                "GET (require_POST comes first)",
                kwargs={"code": "{dossier}", "action": "receive"},
            ),
        )
    ),
    "can-bo/ho-so/<str:code>/tep/<int:file_id>/": Route(
        (get(agency_object(PDF), kwargs={"code": "{dossier}", "file_id": "{file}"}),)
    ),
    # The leader's signature on a result (SIGNING_STEP above).
    "can-bo/ho-so/<str:code>/tep/<int:file_id>/ky-so/bat-dau/": SIGNING_STEP,
    "can-bo/ho-so/<str:code>/tep/<int:file_id>/ky-so/hoan-tat/": SIGNING_STEP,
    "can-bo/ho-so/<str:code>/bieu-mau/<slug:kind>.pdf": Route(
        (
            get(agency_object(PDF), "BM.01", kwargs={"code": "{dossier}", "kind": "bm01"}),
            get(agency_object(PDF), "BM.05", kwargs={"code": "{dossier}", "kind": "bm05"}),
        )
    ),
    "can-bo/thong-ke/": Route((get(OFFICER_PAGE, query="start={month_start}&end={today}"),)),
    # The desk's tracking book: another agency's officer asking for Đồng Hới's gets the page
    # with the form's error (the agency is not among the choices), no entries.
    "can-bo/so-theo-doi/": Route(
        (
            get(
                expect(
                    page_with("{dossier_worked}"),
                    anonymous=LOGIN,
                    **each(CITIZENS, NOT_FOUND),
                    other_agency=page_without("{dossier_worked}"),
                ),
                query="agency={agency_id}",
            ),
        )
    ),
    "can-bo/so-theo-doi/<slug:fmt>/": Route(
        tuple(
            get(
                expect(outcome, anonymous=LOGIN, **each(CITIZENS, NOT_FOUND), other_agency=OK),
                fmt,
                kwargs={"fmt": fmt},
                query="agency={agency_id}",
            )
            for fmt, outcome in (("xlsx", XLSX), ("pdf", PDF))
        )
    ),
    "can-bo/thong-ke/xlsx/": Route(
        (
            get(
                expect(XLSX, anonymous=LOGIN, **each(CITIZENS, NOT_FOUND)),
                query="start={month_start}&end={today}",
            ),
        )
    ),
    # --- operations centre ------------------------------------------------------------------------
    "dieu-hanh/": Route(
        (
            get(IOC_PAGE, "this year"),
            get(IOC_PAGE, "a wrong period: explained in the page", query="period=2026-13"),
        )
    ),
    "dieu-hanh/man-hinh/": Route((get(IOC_PAGE, "the wall screen"),)),
    "dieu-hanh/co-quan/<int:agency_id>/": Route(
        (get(IOC_PAGE, "Đồng Hới's committee", kwargs={"agency_id": "{agency_id}"}),)
    ),
    "dieu-hanh/xa/<int:unit_id>/": Route(
        (get(IOC_PAGE, "Phường Đồng Hới", kwargs={"unit_id": "{commune_id}"}),)
    ),
    "dieu-hanh/xuat.xlsx": Route(
        (get(expect(NOT_FOUND, anonymous=LOGIN, province_admin=XLSX), query="period=2026-Q1"),)
    ),
    # --- questions and answers ------------------------------------------------------------------
    "hoi-dap/": Route((get(PUBLIC),)),
    "hoi-dap/dat-cau-hoi/": Route(
        (
            get(SIGNED_IN),
            post(
                expect(redirect(r"^/hoi-dap/cua-toi/\?sent=\d+$", changes=True), anonymous=LOGIN),
                "ask (anyone signed in)",
                data=QUESTION_FORM,
            ),
        )
    ),
    "hoi-dap/cua-toi/": own_list("{question_new_title}", "my questions"),
    "hoi-dap/<int:pk>/": Route(
        (
            get(PUBLIC, "published", kwargs={"pk": "{question}"}),
            get(
                expect(NOT_FOUND),
                "not published, even to its asker",
                kwargs={"pk": "{question_new}"},
            ),
        )
    ),
    "can-bo/hoi-dap/": Route((get(OFFICER_PAGE),)),
    # --- documents (văn bản) --------------------------------------------------------------------
    "can-bo/van-ban/": Route(
        (
            get(
                expect(
                    page_with("{doc_in_symbol}"),
                    anonymous=LOGIN,
                    **each(CITIZENS, NOT_FOUND),
                    other_agency=page_without("{doc_in_symbol}"),
                ),
                "the incoming documents of the officer's agencies",
                query="tab=all",
            ),
        )
    ),
    "can-bo/van-ban/den/dang-ky/": Route(
        (
            get(expect(OK, anonymous=LOGIN, **each(CITIZENS, NOT_FOUND), leader=NOT_FOUND)),
            post(
                expect(
                    redirect(r"^/can-bo/van-ban/den/\d+/\?done=registered$", changes=True),
                    anonymous=LOGIN,
                    **each(CITIZENS, NOT_FOUND),
                    leader=NOT_FOUND,
                    other_agency=REFUSED,
                ),
                "register a letter for Đồng Hới (another agency's clerk: not one of its choices)",
                data={
                    "agency": "{agency_id}",
                    "sender_name": "Sở Tư pháp",
                    "number_symbol": "15/STP-HCTP",
                    "doc_date": "{today}",
                    "doc_type": "CV",
                    "summary": "Về việc hướng dẫn đăng ký khai sinh",
                    "urgency": "normal",
                    "secrecy": "normal",
                    "pages": "1",
                },
            ),
        ),
        note="clerks only (desk officer, specialist, agency admin)",
    ),
    "can-bo/van-ban/den/<int:pk>/": Route(
        (
            get(agency_object(OK), kwargs={"pk": "{doc_in}"}),
            post(
                expect(
                    redirect("/can-bo/van-ban/den/{doc_in}/?done=saved", changes=True),
                    anonymous=LOGIN,
                    **each(CITIZENS, NOT_FOUND),
                    other_agency=NOT_FOUND,
                ),
                "send to the leader (a clerk's or a leader's action)",
                kwargs={"pk": "{doc_in}"},
                data={"action": "distribute", "distribute-leader": "{leader_id}"},
            ),
        )
    ),
    "can-bo/van-ban/den/<int:pk>/tep/<int:file_id>/": Route(
        (get(agency_object(PDF), kwargs={"pk": "{doc_in}", "file_id": "{doc_in_file}"}),)
    ),
    "can-bo/van-ban/di/": Route((get(OFFICER_PAGE, query="tab=all"),)),
    "can-bo/van-ban/di/soan-thao/": Route((get(OFFICER_PAGE),)),
    "can-bo/van-ban/di/<int:pk>/": Route(
        (
            get(agency_object(OK), kwargs={"pk": "{doc_out}"}),
            post(
                expect(
                    redirect("/can-bo/van-ban/di/{doc_out}/?done=saved", changes=True),
                    anonymous=LOGIN,
                    **each(CITIZENS, NOT_FOUND),
                    other_agency=NOT_FOUND,
                    leader=REFUSED,
                ),
                "submit the draft (its drafter or a clerk; the signer is refused in the page)",
                kwargs={"pk": "{doc_out}"},
                data={"action": "submit"},
            ),
        )
    ),
    "can-bo/van-ban/di/<int:pk>/sua/": Route(
        (
            get(
                expect(
                    OK,
                    anonymous=LOGIN,
                    **each(CITIZENS, NOT_FOUND),
                    other_agency=NOT_FOUND,
                    leader=NOT_FOUND,
                ),
                kwargs={"pk": "{doc_out}"},
            ),
            post(
                expect(
                    redirect("/can-bo/van-ban/di/{doc_out}/?done=saved", changes=True),
                    anonymous=LOGIN,
                    **each(CITIZENS, NOT_FOUND),
                    other_agency=NOT_FOUND,
                    leader=NOT_FOUND,
                ),
                "change the draft (its drafter or a clerk)",
                kwargs={"pk": "{doc_out}"},
                data={
                    "agency": "{agency_id}",
                    "doc_type": "CV",
                    "drafting_unit": "VP",
                    "summary": "Về việc báo cáo kết quả đăng ký khai sinh năm nay",
                    "body": "Ủy ban nhân dân phường báo cáo kết quả.",
                    "recipients_text": "Sở Tư pháp",
                    "signer": "{leader_id}",
                    "signer_position": "CHỦ TỊCH",
                    "urgency": "normal",
                    "secrecy": "normal",
                    "copies": "1",
                },
            ),
        ),
        note="drafts only; a leader who is not the drafter may send it back but not edit it",
    ),
    "can-bo/van-ban/di/<int:pk>/van-ban.pdf": Route(
        (get(agency_object(PDF), kwargs={"pk": "{doc_out}"}),)
    ),
    "can-bo/van-ban/<slug:source>/<int:pk>/sao/": Route(
        (
            get(agency_object(OK), "incoming", kwargs={"source": "den", "pk": "{doc_in}"}),
            get(
                expect(NOT_FOUND, anonymous=LOGIN),
                "not a kind of document",
                kwargs={"source": "xx", "pk": "{doc_in}"},
            ),
        ),
        note="the POST signs with the organisation's key (documents/tests/test_copies.py)",
    ),
    "can-bo/van-ban/ban-sao/<int:pk>/ban-sao.pdf": Route(
        (
            get(
                expect(NOT_FOUND, anonymous=LOGIN),
                "no copy in this world (copies need the organisation's key: test_copies.py)",
                kwargs={"pk": "999999"},
            ),
        )
    ),
    # The signer's approval by signing and the clerk's seal (DOCUMENT_SIGNING_STEP above).
    "can-bo/van-ban/di/<int:pk>/ky-so/<slug:step>/": DOCUMENT_SIGNING_STEP,
    "can-bo/van-ban/di/<int:pk>/dong-dau/<slug:step>/": DOCUMENT_SIGNING_STEP,
    "can-bo/van-ban/so/<slug:kind>/": Route(
        tuple(get(OFFICER_PAGE, kind, kwargs={"kind": kind}) for kind in ("den", "di"))
    ),
    "can-bo/van-ban/so/<slug:kind>/<slug:fmt>/": Route(
        tuple(
            get(
                expect(outcome, anonymous=LOGIN, **each(CITIZENS, NOT_FOUND)),
                f"{kind} {fmt}",
                kwargs={"kind": kind, "fmt": fmt},
            )
            for kind in ("den", "di")
            for fmt, outcome in (("xlsx", XLSX), ("pdf", PDF))
        )
    ),
    "can-bo/van-ban/ho-so/": Route((get(OFFICER_PAGE),)),
    "can-bo/van-ban/ho-so/<int:pk>/": Route((get(agency_object(OK), kwargs={"pk": "{record}"}),)),
    "can-bo/van-ban/ho-so/<int:pk>/rut/<int:item>/": Route(
        (
            get(POST_ONLY_SIGNED_IN, kwargs={"pk": "{record}", "item": "{record_item}"}),
            post(
                expect(
                    redirect("/can-bo/van-ban/ho-so/{record}/?done=detached", changes=True),
                    anonymous=LOGIN,
                    **each(CITIZENS, NOT_FOUND),
                    other_agency=NOT_FOUND,
                ),
                "remove a document from an open record (whoever may attach)",
                kwargs={"pk": "{record}", "item": "{record_item}"},
                data={"reason": "Đưa nhầm vào hồ sơ"},
            ),
            post(
                expect(
                    REFUSED, anonymous=LOGIN, **each(CITIZENS, NOT_FOUND), other_agency=NOT_FOUND
                ),
                "without a reason: refused in the page",
                kwargs={"pk": "{record}", "item": "{record_item}"},
                data={"reason": ""},
            ),
        )
    ),
    "can-bo/hoi-dap/<int:pk>/": Route(
        (
            get(agency_object(OK), "a question for Đồng Hới", kwargs={"pk": "{question_new}"}),
            post(
                expect(
                    redirect("/can-bo/hoi-dap/{question_new}/?done=answered", changes=True),
                    anonymous=LOGIN,
                    **each(CITIZENS, NOT_FOUND),
                    other_agency=NOT_FOUND,
                ),
                "answer",
                kwargs={"pk": "{question_new}"},
                data=ANSWER_FORM,
            ),
        )
    ),
    # --- field feedback -------------------------------------------------------------------------
    "phan-anh/": Route((get(PUBLIC),)),
    "phan-anh/gui/": Route(
        (
            get(SIGNED_IN),
            post(
                expect(redirect(r"^/phan-anh/\d+/\?done=sent$", changes=True), anonymous=LOGIN),
                "send a report (anyone signed in)",
                data=REPORT_FORM,
            ),
        )
    ),
    "phan-anh/gui/cau-hoi/": Route((get(PUBLIC, query="category=den-duong-hong"),)),
    "phan-anh/cua-toi/": own_list("{report_link}", "my reports"),
    "phan-anh/<int:pk>/": Route(
        (
            get(
                expect(
                    OK,
                    anonymous=NOT_FOUND,
                    other_citizen=NOT_FOUND,
                    other_agency=NOT_FOUND,
                ),
                "waiting for moderation: its reporter and agency",
                kwargs={"pk": "{report}"},
            ),
            get(PUBLIC, "published", kwargs={"pk": "{report_public}"}),
        )
    ),
    "phan-anh/<int:pk>/danh-gia/": Route(
        (
            post(
                expect(
                    NOT_FOUND,
                    anonymous=LOGIN,
                    citizen=redirect("/phan-anh/{report_public}/?done=rated", changes=True),
                ),
                "rate the answer: its reporter only",
                kwargs={"pk": "{report_public}"},
                data={"score": "3", "comment": ""},
            ),
            get(POST_ONLY_SIGNED_IN, kwargs={"pk": "{report_public}"}),
        )
    ),
    "phan-anh/<int:pk>/anh/<int:photo_pk>/": Route(
        (
            get(
                expect(
                    JPEG,
                    anonymous=NOT_FOUND,
                    other_citizen=NOT_FOUND,
                    other_agency=NOT_FOUND,
                ),
                "of a report waiting for moderation",
                kwargs={"pk": "{report}", "photo_pk": "{photo}"},
            ),
            get(
                expect(JPEG),
                "of a published report",
                kwargs={"pk": "{report_public}", "photo_pk": "{photo_public}"},
            ),
        )
    ),
    "can-bo/phan-anh/": Route(
        (get(expect(OK, anonymous=LOGIN, **each(CITIZENS, FORBIDDEN))),),
        note="feedback officer pages answer 403 to citizens (no object is looked up)",
    ),
    "can-bo/phan-anh/thong-ke/": Route(
        (get(expect(OK, anonymous=LOGIN, **each(CITIZENS, FORBIDDEN))),)
    ),
    "can-bo/phan-anh/<int:pk>/": Route(
        (
            get(
                expect(OK, anonymous=LOGIN, **each(CITIZENS, FORBIDDEN), other_agency=NOT_FOUND),
                kwargs={"pk": "{report}"},
            ),
        )
    ),
    "can-bo/phan-anh/<int:pk>/<slug:action>/": Route(
        (
            post(
                expect(
                    redirect("/can-bo/phan-anh/{report}/?done=accept", changes=True),
                    anonymous=LOGIN,
                    **each(CITIZENS, FORBIDDEN),
                    other_agency=NOT_FOUND,
                ),
                "accept (moderate)",
                kwargs={"pk": "{report}", "action": "accept"},
                data={"accept-public_description": ""},
            ),
            get(POST_ONLY_SIGNED_IN, kwargs={"pk": "{report}", "action": "accept"}),
        )
    ),
    # --- Open311 GeoReport v2: public reads; writes need an application's api_key -------------
    "open311/v2/": Route((get(PUBLIC_JSON),)),
    r"^open311/v2/discovery\.(?P<fmt>json|xml)$": Route(
        (get(PUBLIC_JSON, kwargs={"fmt": "json"}),)
    ),
    r"^open311/v2/services\.(?P<fmt>json|xml)$": Route((get(PUBLIC_JSON, kwargs={"fmt": "json"}),)),
    r"^open311/v2/services/(?P<code>[-\w]+)\.(?P<fmt>json|xml)$": Route(
        (get(PUBLIC_JSON, kwargs={"code": "den-duong-hong", "fmt": "json"}),)
    ),
    r"^open311/v2/requests\.(?P<fmt>json|xml)$": Route(
        (
            get(PUBLIC_JSON, kwargs={"fmt": "json"}),
            post(
                expect(FORBIDDEN),
                "create without api_key (a session counts for nothing)",
                kwargs={"fmt": "json"},
                data=OPEN311_REQUEST,
            ),
        )
    ),
    r"^open311/v2/requests/(?P<request_id>[^/.]+)\.(?P<fmt>json|xml)$": Route(
        (
            get(PUBLIC_JSON, "published", kwargs={"request_id": "{report_public}", "fmt": "json"}),
            get(
                expect(NOT_FOUND),
                "waiting for moderation",
                kwargs={"request_id": "{report}", "fmt": "json"},
            ),
        )
    ),
    r"^open311/v2/tokens/(?P<token>[^/.]+)\.(?P<fmt>json|xml)$": Route(
        (get(PUBLIC_JSON, kwargs={"token": "{open311_token}", "fmt": "json"}),),
        note="the token is the capability the creating application was given",
    ),
    # --- citizen portal -------------------------------------------------------------------------
    "": Route((get(PUBLIC),), note="home"),
    "thu-tuc/": Route((get(PUBLIC, query="q=khai+sinh"),)),
    "thu-tuc/<str:code>/": Route((get(PUBLIC, kwargs={"code": "{procedure}"}),)),
    "thu-tuc/<str:code>/mau-don/<int:component>/": Route(
        (
            get(
                expect(PDF),
                "the birth registration's blank form (tờ khai): public, as its page",
                kwargs={"code": "{procedure}", "component": "{component}"},
            ),
        )
    ),
    "thu-tuc/<str:code>/nop-truc-tuyen/": Route(
        (
            get(
                expect(FORBIDDEN, anonymous=LOGIN, **each(CITIZENS, OK)),
                "officer accounts never submit as applicants",
                kwargs={"code": "{procedure}"},
            ),
            post(
                expect(
                    FORBIDDEN,
                    anonymous=LOGIN,
                    **each(CITIZENS, redirect(SUBMIT_PAGE, changes=True)),
                ),
                "save a draft",
                kwargs={"code": "{procedure}"},
                data={"action": "save", "commune": "{commune}"},
            ),
        )
    ),
    "thu-tuc/<str:code>/nop-truc-tuyen/tai-len/<int:component>/": Route(
        (
            post(
                expect(
                    FORBIDDEN,
                    anonymous=LOGIN,
                    **each(CITIZENS, redirect(SUBMIT_PAGE, changes=True)),
                ),
                "upload a document into the draft",
                kwargs={"code": "{procedure}", "component": "{component}"},
                data={"file-{component}": PDF_FILE},
            ),
            get(POST_ONLY_SIGNED_IN, kwargs={"code": "{procedure}", "component": "{component}"}),
        )
    ),
    "thu-tuc/<str:code>/nop-truc-tuyen/go-tep/<int:component>/": Route(
        (
            post(
                expect(FORBIDDEN, anonymous=LOGIN, **each(CITIZENS, redirect(SUBMIT_PAGE))),
                "remove a document (no draft yet: a message, nothing stored)",
                kwargs={"code": "{procedure}", "component": "{component}"},
            ),
            get(POST_ONLY_SIGNED_IN, kwargs={"code": "{procedure}", "component": "{component}"}),
        )
    ),
    "thu-tuc/<str:code>/nop-truc-tuyen/xem-lai/": Route(
        (
            get(
                expect(FORBIDDEN, anonymous=LOGIN, **each(CITIZENS, redirect(SUBMIT_PAGE))),
                "review (no draft yet: back to the form)",
                kwargs={"code": "{procedure}"},
            ),
            post(
                expect(FORBIDDEN, anonymous=LOGIN, **each(CITIZENS, redirect(SUBMIT_PAGE))),
                "submit (no draft yet: back to the form, nothing stored)",
                kwargs={"code": "{procedure}"},
                data={"idempotency_key": "authz-matrix"},
            ),
        )
    ),
    "tra-cuu/": Route((get(PUBLIC),)),
    # The public signature validator: anyone; an unsigned PDF is refused with its reason, and
    # nothing is ever stored.
    "kiem-tra-chu-ky/": Route(
        (
            get(PUBLIC),
            post(
                expect(
                    Outcome("refused in the page, nothing stored", 400, content_type="text/html")
                ),
                "an unsigned PDF: no signature to check",
                data={"file": PDF_FILE},
            ),
        )
    ),
    "POST api/signatures/validate": Route(
        (
            post(
                expect(BAD_REQUEST),
                "an unsigned PDF: no signature to check",
                data={"file": PDF_FILE},
            ),
        )
    ),
    "tra-cuu/<str:code>/": Route(
        (
            get(
                expect(page_without("{id_number}")),
                "public tracking: no personal data",
                kwargs={"code": "{dossier}"},
            ),
            get(
                expect(page_without("{internal_note}")),
                "public tracking: no internal notes",
                kwargs={"code": "{dossier_worked}"},
            ),
            post(
                expect(page_without("{internal_note}")),
                "the details with the last 4 digits of the ID number: still no internal notes",
                kwargs={"code": "{dossier_worked}"},
                data={"id_last4": "{id_last4}"},
            ),
        )
    ),
    "dang-nhap/": Route((get(expect(redirect("/sau-dang-nhap/"), anonymous=OK)),)),
    "dang-xuat/": Route(
        (get(expect(NOT_ALLOWED), "GET never logs out"), post(expect(redirect("/"))))
    ),
    "sau-dang-nhap/": Route(
        (
            get(
                expect(
                    redirect("/can-bo/"),
                    anonymous=LOGIN,
                    **each(CITIZENS, redirect("/ho-so-cua-toi/")),
                ),
                "officers to the workspace, applicants to their dossiers",
            ),
        )
    ),
    "dang-ky/": Route((get(PUBLIC),)),
    "dang-ky/xac-minh/": Route((get(expect(redirect("/dang-ky/")), "no registration pending"),)),
    "quen-mat-khau/": Route((get(PUBLIC),)),
    "quen-mat-khau/dat-lai/": Route((get(PUBLIC),)),
    # VNeID sign-in: not configured in this world, so no sign-in at all (the flows run against
    # the stand-in provider in accounts/tests/test_sso.py).
    "dang-nhap/vneid/": Route((get(expect(NOT_FOUND), "VNeID not configured: no sign-in"),)),
    "dang-nhap/vneid/callback/": Route(
        (get(expect(NOT_FOUND), "VNeID not configured: no callback"),)
    ),
    "dang-xuat/vneid/": Route((get(expect(redirect("/")), "back from VNeID's logout"),)),
    "tai-khoan/": Route(
        (get(expect(NOT_FOUND, anonymous=LOGIN, citizen=OK, other_citizen=OK), "citizens only"),)
    ),
    "tai-khoan/xac-minh/": Route(
        (
            get(
                expect(
                    NOT_FOUND,
                    anonymous=LOGIN,
                    citizen=redirect("/tai-khoan/"),
                    other_citizen=redirect("/tai-khoan/"),
                ),
                "citizens only; nothing waits for a code: back to the profile",
            ),
        )
    ),
    "thong-bao/bien-nhan/": Route(
        (
            get(expect(NOT_ALLOWED), "the providers' receipt callback: POST only"),
            post(expect(FORBIDDEN), "no provider token: refused, nothing stored"),
        )
    ),
    "thong-bao/": Route(
        (
            get(SIGNED_IN),
            post(
                expect(redirect("/thong-bao/", changes=True), anonymous=LOGIN),
                "choose channels",
                data={"sms": "on"},
            ),
        )
    ),
    "ho-so-cua-toi/": own_list("{dossier}"),
    "ho-so-cua-toi/<str:code>/": Route(
        (
            get(own_dossier(OK), kwargs={"code": "{dossier}"}),
            get(
                own_dossier(page_without("{internal_note}")),
                "without the officers' internal notes",
                kwargs={"code": "{dossier_worked}"},
            ),
        )
    ),
    "ho-so-cua-toi/<str:code>/bien-nhan/": Route(
        (get(own_dossier(OK), kwargs={"code": "{dossier}"}),)
    ),
    "ho-so-cua-toi/<str:code>/bo-sung/": Route(
        (
            post(
                own_dossier(REFUSED),
                "no supplement was asked for: refused in the page",
                kwargs={"code": "{dossier}"},
                data={"note": "Bổ sung bản sao giấy chứng sinh"},
            ),
            get(POST_ONLY_SIGNED_IN, kwargs={"code": "{dossier}"}),
        )
    ),
    "ho-so-cua-toi/<str:code>/rut-ho-so/": Route(
        (
            post(
                own_dossier(redirect("/ho-so-cua-toi/{dossier}/", changes=True)),
                "ask to withdraw",
                kwargs={"code": "{dossier}"},
                data={"reason": "Tôi nộp nhầm thủ tục."},
            ),
            get(POST_ONLY_SIGNED_IN, kwargs={"code": "{dossier}"}),
        )
    ),
    "ho-so-cua-toi/<str:code>/danh-gia/": Route(
        (
            post(
                own_dossier(REFUSED),
                "not finished: refused in the page",
                kwargs={"code": "{dossier}"},
                data={"score": "3", "comment": ""},
            ),
            get(POST_ONLY_SIGNED_IN, kwargs={"code": "{dossier}"}),
        )
    ),
    "ho-so-cua-toi/<str:code>/tep/<int:file_id>/": Route(
        (get(own_dossier(PDF), kwargs={"code": "{dossier}", "file_id": "{file}"}),)
    ),
    "ho-so-cua-toi/<str:code>/phieu/<str:kind>.pdf": Route(
        (
            get(own_dossier(PDF), "BM.01 receipt", kwargs={"code": "{dossier}", "kind": "bm01"}),
            get(
                own_dossier(NOT_FOUND),
                "BM.05 is internal: not even the applicant",
                kwargs={"code": "{dossier}", "kind": "bm05"},
            ),
        )
    ),
    # --- payments (docs/payments.md) -------------------------------------------------------
    "ho-so-cua-toi/<str:code>/thanh-toan/<str:gateway>/": Route(
        (
            post(
                own_dossier(
                    Outcome(
                        "sent to the gateway with a new order",
                        302,
                        location=r"^http://127\.0\.0\.1:9/paymentv2/vpcpay\.html\?",
                        changes=True,
                    )
                ),
                "pay a fee waiting through VNPay",
                kwargs={"code": "{dossier_fees}", "gateway": "vnpay"},
            ),
            post(
                own_dossier(redirect("/ho-so-cua-toi/{dossier}/")),
                "no fee waiting: refused, back to the dossier, nothing stored",
                kwargs={"code": "{dossier}", "gateway": "vnpay"},
            ),
            get(POST_ONLY_SIGNED_IN, kwargs={"code": "{dossier_fees}", "gateway": "vnpay"}),
        ),
        note="only the applicant pays online; officers record counter payments",
    ),
    "ho-so-cua-toi/<str:code>/chuyen-khoan/<str:reference>/": Route(
        (
            get(
                own_dossier(page_with("{transfer_reference}")),
                "the VietQR transfer page",
                kwargs={"code": "{dossier_fees}", "reference": "{transfer_reference}"},
            ),
            get(
                own_dossier(NOT_FOUND),
                "the reference of another dossier",
                kwargs={"code": "{dossier}", "reference": "{transfer_reference}"},
            ),
        )
    ),
    "ho-so-cua-toi/<str:code>/bien-lai-thu-phi/<int:receipt_id>.pdf": Route(
        (
            get(
                own_dossier(PDF),
                "the payment receipt",
                kwargs={"code": "{dossier_paid}", "receipt_id": "{payment_receipt}"},
            ),
            get(
                own_dossier(NOT_FOUND),
                "through another dossier's URL",
                kwargs={"code": "{dossier}", "receipt_id": "{payment_receipt}"},
            ),
        )
    ),
    "can-bo/ho-so/<str:code>/bien-lai-thu-phi/<int:receipt_id>.pdf": Route(
        (
            get(
                agency_object(PDF),
                "the payment receipt",
                kwargs={"code": "{dossier_paid}", "receipt_id": "{payment_receipt}"},
            ),
        )
    ),
    "thanh-toan/vnpay/ket-qua/": Route(
        (get(expect(BAD_REQUEST), "the gateway's return without a valid signature"),),
        note="anyone: the signed parameters say what happened, no personal data",
    ),
    "thanh-toan/vnpay/ipn/": Route(
        (
            get(
                expect(page_with('"RspCode": "97"', json=True)),
                "an unsigned notification: refused (logged, nothing else stored)",
            ),
            post(
                expect(page_with('"RspCode": "97"', json=True)),
                "the same by POST, without a CSRF token",
                data={"vnp_TxnRef": "{transfer_reference}", "vnp_Amount": "800000"},
            ),
        ),
        note="server to server: the HMAC authenticates the gateway, not a session",
    ),
    "thanh-toan/ngan-hang/<str:bank>/": Route(
        (
            post(
                expect(UNAUTHORIZED),
                "a bank's feed without its signature: refused, nothing stored",
                kwargs={"bank": "VCB"},
                data={"transactions": "[]"},
            ),
            get(expect(NOT_ALLOWED), kwargs={"bank": "VCB"}),
        ),
        note="server to server: the bank's HMAC signature, not a session",
    ),
    # --- Django admin: one entry for the whole site -----------------------------------------
    "admin/": Route(
        (
            get(
                expect(
                    OK,
                    anonymous=ADMIN_LOGIN,
                    **each(CITIZENS, ADMIN_LOGIN),
                ),
                "staff only (officers are staff; their groups decide what they see)",
            ),
            get(
                expect(
                    FORBIDDEN,
                    anonymous=ADMIN_LOGIN,
                    **each(CITIZENS, ADMIN_LOGIN),
                    province_admin=OK,
                ),
                "officer assignments: the province admin only",
                path="/admin/core/officerassignment/",
            ),
            get(
                expect(
                    FORBIDDEN,
                    anonymous=ADMIN_LOGIN,
                    **each(CITIZENS, ADMIN_LOGIN),
                    province_admin=OK,
                ),
                "user accounts: the province admin only",
                path="/admin/auth/user/",
            ),
        ),
        note="the admin site as a whole: is_staff",
    ),
}
