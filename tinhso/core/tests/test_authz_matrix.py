"""Authorization matrix (issue #7): every route × every role, generated from the URL conf.

The URL conf is enumerated recursively (``get_resolver()``, namespaces, converters, regular
expressions, the django-ninja operations with their HTTP methods); every pattern must have an
entry in :data:`tinhso.core.tests.authz_matrix.MATRIX` and every entry must still be a pattern.
Each entry's requests are then made by the eight roles against one world (the demo province plus
a dossier, questions and feedback reports), built once for the module inside a transaction that
is rolled back at the end. Each role's request runs in its own savepoint, so a write by one role
never shows to the next, and a query hook (``connection.execute_wrapper``) records the INSERT,
UPDATE and DELETE statements the request runs and the tables they write: a refused request must
write nothing but bookkeeping (``EXEMPT_WRITES``), an allowed write must write something.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from tinhso.testing.worlds import built_once

from .authz_matrix import (
    ADMIN_LOGIN_PAGE,
    BIRTH_FORM,
    LOGIN_PAGE,
    MATRIX,
    ROLES,
    Case,
    Outcome,
    Route,
    Upload,
)

USERNAMES = {
    "citizen": "congdan1",
    "other_citizen": "congdan2",
    "desk": "motcua.donghoi",
    "specialist": "chuyenvien.donghoi",
    "leader": "lanhdao.donghoi",
    "other_agency": "chuyenvien.tuphap",
    "province_admin": "admin",
}
BIRTH = "1.001193"  # birth registration: received and decided by the commune's committee
DONG_HOI = "18880"
QUESTION_TITLE = "Đăng ký khai sinh cho con sinh ở nước ngoài"
REPORT_TEXT = "Đèn đường trước số 45 Quang Trung không sáng ba đêm nay."
INTERNAL_NOTE = "Ghi chu noi bo AUTHZ-7731: kiem tra lai chu ky"  # ASCII: JSON may escape the rest
PUBLIC_REPORT_TEXT = "Cây xanh trước trường tiểu học bị gió làm gãy cành, chắn nửa vỉa hè."
# What a request may write whoever makes it: bookkeeping, not domain data (only what the matrix's
# requests do write; add an entry only for such a write). Every other INSERT, UPDATE or DELETE a
# request makes (seen by the query hook, ``Writes``) is a stored change: a refused request must
# make none, an allowed write at least one.
# ``(statement, table)`` → why it is allowed, and the only columns an UPDATE may set (None: any).
EXEMPT_WRITES: dict[tuple[str, str], tuple[str, frozenset[str] | None]] = {
    ("UPDATE", "core_apitoken"): ("a bearer token's last use", frozenset({"last_used_at"})),
    ("UPDATE", "auth_user"): ("the last login (the login page)", frozenset({"last_login"})),
    ("DELETE", "django_session"): ("a session ended or rotated (logout, login)", None),
    ("UPDATE", "axes_accesslog"): ("the access log of login throttling: logout time", None),
    ("INSERT", "core_ratecounter"): ("a rate limit's counter (core.ratelimit)", None),
    ("DELETE", "core_ratecounter"): ("rate limit counters whose window has passed", None),
    ("INSERT", "payments_gatewaynotification"): (
        "the log of a payment gateway's notification, forged ones included",
        None,
    ),
    ("UPDATE", "dossiers_receiptversion"): (
        "a BM.01 version's PDF, kept by its first download when the background task has not run",
        frozenset({"pdf"}),
    ),
    ("UPDATE", "dossiers_dossierevent"): (
        "a BM.02–BM.04's PDF, kept by its first download when the background task has not run",
        frozenset({"pdf"}),
    ),
}
# The payment adapters the matrix's world is built with (nothing listens at these addresses).
PAYMENT_SETTINGS = {
    "TINHSO_VNPAY_URL": "http://127.0.0.1:9/paymentv2/vpcpay.html",
    "TINHSO_VNPAY_API_URL": "http://127.0.0.1:9/merchant_webapi/api/transaction",
    "TINHSO_VNPAY_TMN_CODE": "AUTHZ001",
    "TINHSO_VNPAY_HASH_SECRET": "authz-matrix-secret",
    "TINHSO_VIETQR_BANK_BIN": "970415",
    "TINHSO_VIETQR_ACCOUNT": "113366668888",
}
# The tables an INSERT, UPDATE or DELETE writes (also inside WITH …), not SELECT … FOR UPDATE nor
# INSERT … ON CONFLICT DO UPDATE (the INSERT names the table); an UPDATE's SET columns.
WRITE_STATEMENT = re.compile(
    r"(?<!FOR )(?<!DO )\b(INSERT|UPDATE|DELETE|REPLACE)\s+"
    r'(?:OR\s+\w+\s+)?(?:INTO\s+|FROM\s+)?"?(\w+)"?',
    re.IGNORECASE,
)
SET_COLUMN = re.compile(r'"?(\w+)"?\s*=')


@dataclass
class Writes:
    """A query hook (``connection.execute_wrapper``): the writes of the statements run through
    the connection while it is installed, as ``(statement, table, columns)``."""

    seen: list[tuple[str, str, frozenset[str]]] = field(default_factory=list)

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)  # a statement that fails stores nothing
        self.seen += statement_writes(sql)
        return result

    def stored(self) -> list[str]:
        """The writes that are not bookkeeping (``EXEMPT_WRITES``): "INSERT dossiers_dossier" …"""
        found = set()
        for verb, table, columns in self.seen:
            exempt = EXEMPT_WRITES.get((verb, table))
            if exempt is None or (exempt[1] is not None and not columns <= exempt[1]):
                found.add(f"{verb} {table}")
        return sorted(found)


def statement_writes(sql: str) -> list[tuple[str, str, frozenset[str]]]:
    writes = []
    for match in WRITE_STATEMENT.finditer(sql):
        verb, table = match.group(1).upper(), match.group(2).lower()
        if verb == "REPLACE":
            verb = "INSERT"
        columns: frozenset[str] = frozenset()
        if verb == "UPDATE":
            tail = sql[match.end() :]
            set_part = re.split(r"\bWHERE\b|\bRETURNING\b", tail, maxsplit=1, flags=re.I)[0]
            columns = frozenset(c.lower() for c in SET_COLUMN.findall(set_part))
        writes.append((verb, table, columns))
    return writes


REDIRECTS = {301, 302, 303, 307, 308}

# Every test is a database test: pytest-django then sets up the test database before the module's
# world is built (and each test runs in a savepoint of the world's transaction). One xdist group:
# the module runs on one worker, which builds the world once.
pytestmark = [pytest.mark.django_db, pytest.mark.pg, pytest.mark.xdist_group("authz_matrix")]


# --- the URL conf -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteInfo:
    """One URL pattern as the matrix knows it."""

    key: str
    route: str  # as ResolverMatch.route reports it
    name: str | None  # "namespace:name" for reverse()
    methods: tuple[str, ...] = ()  # the HTTP methods of a django-ninja operation
    whole_site: bool = False  # the admin: one entry for every URL under its prefix


def _join(route1: str, route2: str) -> str:
    """Join routes the way ``URLResolver._join_route`` does (so keys equal ResolverMatch.route)."""
    if not route1:
        return route2
    return route1 + route2.removeprefix("^")


def _ninja_methods(pattern: Any) -> tuple[str, ...]:
    """The HTTP methods of the django-ninja operation behind ``pattern`` (``()`` if none).

    ninja makes one URL pattern per operation, all of a path sharing one ``PathView``; the view
    function closes over it, and the operation is the one whose URL name is the pattern's name.
    """
    from ninja.operation import PathView

    try:
        path_view = inspect.getclosurevars(pattern.callback).nonlocals.get("self")
    except TypeError:  # not a Python function (a partial, a class-based view's wrapper)
        return ()
    if not isinstance(path_view, PathView):
        return ()
    operations = path_view.operations
    if len(operations) > 1:
        operations = [
            op
            for op in operations
            if (getattr(op, "url_name", None) or op.view_func.__name__) == pattern.name
        ]
    if len(operations) != 1:
        raise AssertionError(f"cannot tell which ninja operation is URL pattern {pattern.name!r}")
    return tuple(sorted(operations[0].methods))


def url_routes() -> list[RouteInfo]:
    """Every URL pattern of the project; the admin site counts as one."""
    found: list[RouteInfo] = []

    def walk(patterns: list, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = _join(prefix, str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                inner = ":".join(part for part in (namespace, pattern.namespace) if part)
                if pattern.app_name == "admin":
                    found.append(RouteInfo(route, route, f"{inner}:index", whole_site=True))
                else:
                    walk(pattern.url_patterns, route, inner)
                continue
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            methods = _ninja_methods(pattern)
            key = f"{'/'.join(methods)} {route}" if methods else route
            found.append(RouteInfo(key, route, name, methods))

    walk(get_resolver().url_patterns, "", "")
    return found


def routes_by_key() -> dict[str, RouteInfo]:
    return {info.key: info for info in url_routes()}


# --- the world ----------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, Any]  # role → user (None for anonymous)
    tokens: dict[str, str]  # role → API bearer token
    sessions: dict[str, str]  # role → session key (logged in once, in the world's transaction)
    values: dict[str, str]  # what "{name}" in the matrix stands for
    media: Path
    client: Client = field(default_factory=Client)

    def fill(self, item: Any) -> Any:
        if isinstance(item, str):
            return item.format_map(self.values)
        if isinstance(item, dict):
            return {self.fill(k): self.fill(v) for k, v in item.items()}
        if isinstance(item, list):
            return [self.fill(v) for v in item]
        return item


def upload(item: Upload) -> SimpleUploadedFile:
    if item.kind == "pdf":
        from tinhso.testing.factories import PDF_BYTES

        return SimpleUploadedFile(item.name, PDF_BYTES, content_type="application/pdf")
    from tinhso.testing.factories import jpeg_bytes

    return SimpleUploadedFile(item.name, jpeg_bytes(), content_type="image/jpeg")


def build_world(media: Path) -> World:
    """The demo province and the objects whose URLs the matrix requests."""
    from tinhso.core.auth import token_create
    from tinhso.core.models import AdministrativeUnit, Agency, UnitLevel
    from tinhso.dossiers.services import (
        dossier_receive,
        dossier_record_counter_payment,
        dossier_request_fees,
        dossier_submit,
        dossier_transfer,
    )
    from tinhso.feedback import services as feedback
    from tinhso.feedback.models import Category
    from tinhso.feedback.models import State as ReportState
    from tinhso.payments.models import PaymentReceipt
    from tinhso.payments.services import payment_start
    from tinhso.procedures.models import Procedure
    from tinhso.qna.models import Question, QuestionStatus
    from tinhso.qna.services import question_ask

    call_command("load_demo", "--quiet-accounts", verbosity=0, stdout=io.StringIO())
    users = get_user_model().objects
    people: dict[str, Any] = {role: users.get(username=name) for role, name in USERNAMES.items()}
    people["anonymous"] = None
    citizen, specialist = people["citizen"], people["specialist"]
    committee = Agency.objects.get(key=f"commune_{DONG_HOI}")
    dong_hoi = AdministrativeUnit.objects.current().get(level=UnitLevel.COMMUNE, code=DONG_HOI)

    procedure = Procedure.objects.get(code=BIRTH)
    component = procedure.components.order_by("order").first()
    dossier = dossier_submit(
        actor=citizen,
        procedure=procedure,
        form_data=dict(BIRTH_FORM),
        uploads=[(component, upload(Upload("pdf", "to-khai.pdf")))],
    )
    assert dossier.receiving_agency_id == committee.pk
    dossier_file = dossier.files.get()
    # A second dossier, received and passed to the specialist with notes for the officers only.
    worked = dossier_submit(
        actor=citizen,
        procedure=procedure,
        form_data={**BIRTH_FORM, "ho_ten_tre": "Nguyễn Minh Khang"},
        uploads=[(component, upload(Upload("pdf", "to-khai.pdf")))],
    )
    dossier_receive(actor=people["desk"], dossier=worked, note=INTERNAL_NOTE)
    dossier_transfer(actor=people["desk"], dossier=worked, to_user=specialist, note=INTERNAL_NOTE)

    # Two dossiers with fees: one waiting (the citizen started a VietQR transfer), one paid at
    # the counter (its receipt).
    fees = dossier_submit(actor=citizen, procedure=procedure, form_data=dict(BIRTH_FORM))
    dossier_receive(actor=people["desk"], dossier=fees)
    fees = dossier_request_fees(actor=people["desk"], dossier=fees, amount_vnd=8000)
    transfer = payment_start(actor=citizen, dossier=fees, gateway="vietqr")
    paid = dossier_submit(actor=citizen, procedure=procedure, form_data=dict(BIRTH_FORM))
    dossier_receive(actor=people["desk"], dossier=paid)
    dossier_request_fees(actor=people["desk"], dossier=paid, amount_vnd=8000)
    dossier_record_counter_payment(actor=people["desk"], dossier=paid, reference="BL-0000001")
    payment_receipt = PaymentReceipt.objects.get(payment__dossier=paid)

    question_new = question_ask(
        actor=citizen,
        title=QUESTION_TITLE,
        body="Con tôi sinh ở Nhật Bản, nay về nước thì đăng ký khai sinh ở đâu và cần giấy tờ gì?",
        procedure=procedure,
        commune=dong_hoi,
    )
    assert question_new.agency_id == committee.pk and not question_new.is_published
    published = (
        Question.objects.filter(is_published=True, status=QuestionStatus.ANSWERED)
        .order_by("pk")
        .first()
    )
    assert published is not None, "the demo has published answers"

    def report(text: str, category: str, key: str):
        created = feedback.report_submit(
            actor=citizen,
            category=Category.objects.get(code=category),
            description=text,
            latitude="17.468700",
            longitude="106.622300",
            address="Trước số 45 Quang Trung",
            commune=dong_hoi,
            require_commune=True,
            photos=[upload(Upload("jpeg", "hien-truong.jpg"))],
            idempotency_key=key,
        )
        assert created.agency_id == committee.pk
        return created

    waiting = report(REPORT_TEXT, "den-duong-hong", "authz-waiting")
    assert not waiting.is_public
    answered = report(PUBLIC_REPORT_TEXT, "cay-can-cat-tia", "authz-answered")
    feedback.report_accept(actor=specialist, report=answered)
    feedback.report_answer(
        actor=specialist, report=answered, answer="Đội cây xanh đã cắt tỉa cành gãy chiều nay."
    )
    answered.refresh_from_db()
    assert answered.is_public and answered.state == ReportState.ANSWERED

    # Documents of Đồng Hới's committee: an incoming letter with its scan, a draft, a work record
    # holding the letter.
    from tinhso.documents import records as work_records
    from tinhso.documents import services as documents

    incoming = documents.incoming_register(
        actor=people["desk"],
        agency=committee,
        sender_name="Ủy ban nhân dân tỉnh Quảng Trị",
        number_symbol="88/UBND-VX",
        doc_date=timezone.localdate(),
        doc_type="CV",
        summary="Về việc triển khai đăng ký khai sinh trực tuyến",
        files=[upload(Upload("pdf", "cong-van.pdf"))],
    )
    outgoing = documents.outgoing_draft(
        actor=specialist,
        agency=committee,
        doc_type="CV",
        drafting_unit="VP",
        summary="Về việc báo cáo kết quả đăng ký khai sinh",
        body="Ủy ban nhân dân phường báo cáo kết quả.",
        recipients_text="Sở Tư pháp\nLưu: VT",
        signer=people["leader"],
        signer_position="CHỦ TỊCH",
        signer_name="Bùi Thị Mai",
    )
    work_record = work_records.record_open(
        actor=specialist, agency=committee, code="01.01", title="Hồ sơ đăng ký khai sinh"
    )
    work_records.record_attach(actor=specialist, record=work_record, incoming=incoming)

    tokens, sessions = {}, {}
    for role, user in people.items():
        if user is not None:
            tokens[role] = token_create(user=user, name="authz matrix")
            client = Client()
            client.force_login(user)
            sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    today = timezone.localdate()
    values = {
        "agency_id": str(committee.pk),
        "agency_code": committee.code,
        "commune_id": str(dong_hoi.pk),
        "dossier": dossier.code,
        "dossier_version": str(dossier.version),
        "dossier_worked": worked.code,
        "dossier_fees": fees.code,
        "transfer_reference": transfer.reference,
        "dossier_paid": paid.code,
        "payment_receipt": str(payment_receipt.pk),
        "internal_note": INTERNAL_NOTE,
        "file": str(dossier_file.pk),
        "procedure": procedure.code,
        "component": str(component.pk),
        "commune": DONG_HOI,
        "id_number": dossier.applicant_id_number,
        "id_last4": dossier.applicant_id_number[-4:],
        "question": str(published.pk),
        "question_new": str(question_new.pk),
        "question_new_title": QUESTION_TITLE,
        "report": str(waiting.pk),
        "report_link": f'href="/phan-anh/{waiting.pk}/"',
        "photo": str(waiting.photos.get().pk),
        "report_public": str(answered.pk),
        "photo_public": str(answered.photos.get().pk),
        "open311_token": waiting.token,
        "doc_in": str(incoming.pk),
        "doc_in_file": str(incoming.files.get().pk),
        "doc_in_symbol": incoming.number_symbol,
        "doc_out": str(outgoing.pk),
        "leader_id": str(people["leader"].pk),
        "record": str(work_record.pk),
        "record_item": str(work_record.items.get().pk),
        "month_start": today.replace(day=1).isoformat(),
        "today": today.isoformat(),
    }
    return World(users=people, tokens=tokens, sessions=sessions, values=values, media=media)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once; everything is rolled back when the module is done."""
    media = tmp_path_factory.mktemp("authz-media")
    with override_settings(MEDIA_ROOT=str(media), **PAYMENT_SETTINGS):
        cache.clear()
        with built_once(django_db_blocker, lambda: build_world(media)) as built:
            yield built
        cache.clear()


@pytest.fixture(autouse=True)
def _world_media(request, settings):
    """The root conftest gives each test its own MEDIA_ROOT; the world's files live elsewhere."""
    if "world" in request.fixturenames:
        settings.MEDIA_ROOT = str(request.getfixturevalue("world").media)
    cache.clear()


@pytest.fixture(autouse=True)
def _no_pdf_typesetting(monkeypatch):
    """The forms are built (templates, context) but not typeset: WeasyPrint takes most of a second
    per form, and what matters here is who gets one. tinhso/dossiers/tests/test_pdf.py tests the
    PDFs themselves."""
    from tinhso.dossiers import pdf

    def html_to_pdf(html: str, *, forms: bool = False) -> bytes:
        assert "<html" in html
        if forms:  # an outgoing document's draft: post-processed by pypdf (documents/pdf.py)
            from tinhso.testing.factories import minimal_pdf

            return minimal_pdf()
        return b"%PDF-1.4\n% authz matrix stand-in\n%%EOF\n"

    monkeypatch.setattr(pdf, "html_to_pdf", html_to_pdf)


# --- making one request as one role -------------------------------------------------------------


def case_url(world: World, info: RouteInfo, case: Case) -> str:
    if case.path:
        url = world.fill(case.path)
    else:
        if info.name is None:
            raise AssertionError(f"{info.key!r} has no name: give its case a path")
        url = reverse(info.name, kwargs=world.fill(case.kwargs) or None)
    route = resolve(urlsplit(url).path).route
    if route != info.route and not (info.whole_site and route.startswith(info.route)):
        raise AssertionError(f"{url} resolves to route {route!r}, not to {info.route!r}")
    return url + ("?" + world.fill(case.query) if case.query else "")


def send(world: World, case: Case, role: str, url: str):
    # One client for all (loading the middleware is slow), with only this role's cookie: the
    # session is the role's (a request that changes it is rolled back with the savepoint).
    client = world.client
    client.cookies.clear()
    headers: dict[str, str] = {}
    if world.users[role] is not None:
        if case.auth == "token":
            headers["Authorization"] = f"Bearer {world.tokens[role]}"
        else:
            client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    if case.method == "GET":
        return client.get(url, headers=headers, **case.meta)
    data = world.fill(case.data or {})
    if case.body == "json":
        return client.generic(
            case.method,
            url,
            json.dumps(data),
            content_type="application/json",
            headers=headers,
            **case.meta,
        )
    form = {k: upload(v) if isinstance(v, Upload) else v for k, v in data.items()}
    return client.post(url, form, headers=headers, **case.meta)


def body_text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def location_problem(world: World, outcome: Outcome, location: str, url: str) -> str:
    parts = urlsplit(location)
    nxt = parse_qs(parts.query).get("next")
    if outcome.location == LOGIN_PAGE:
        if parts.path == resolve_url(settings.LOGIN_URL) and nxt == [url]:
            return ""
        return f"expected the login page with next={url}, went to {location}"
    if outcome.location == ADMIN_LOGIN_PAGE:
        if parts.path == reverse("admin:login") and nxt == [url]:
            return ""
        return f"expected the admin login page with next={url}, went to {location}"
    wanted = world.fill(outcome.location)
    if wanted.startswith("^"):
        return "" if re.match(wanted, location) else f"expected a redirect to {wanted}: {location}"
    got = location if "?" in wanted else parts.path
    return "" if got == wanted else f"expected a redirect to {wanted}, went to {location}"


def verdict(world: World, outcome: Outcome, response, text: str, url: str) -> list[str]:
    status = response.status_code
    if status != outcome.status:
        seen = f"{status} → {response['Location']}" if status in REDIRECTS else str(status)
        return [f"expected {outcome.label} ({outcome.status}), got {seen}"]
    problems = []
    if outcome.location:
        problems.append(location_problem(world, outcome, response["Location"], url))
    content_type = response.get("Content-Type", "")
    if outcome.content_type and not content_type.startswith(outcome.content_type):
        problems.append(f"expected {outcome.content_type}, got {content_type!r}")
    if outcome.shows and world.fill(outcome.shows) not in text:
        problems.append(f"the response does not show {world.fill(outcome.shows)!r}")
    if outcome.hides and world.fill(outcome.hides) in text:
        problems.append(f"the response shows {world.fill(outcome.hides)!r}")
    return [problem for problem in problems if problem]


def check_role(world: World, info: RouteInfo, case: Case, role: str) -> list[str]:
    """Make the case's request as ``role`` (in a savepoint rolled back after) and judge it."""
    outcome = case.roles[role]
    url = case_url(world, info, case)
    writes = Writes()
    with transaction.atomic():
        try:
            with connection.execute_wrapper(writes):
                response = send(world, case, role, url)
        except Exception as exc:  # a 500: report it with the others
            transaction.set_rollback(True)
            return [f"{role}: {case.method} {url} raised {exc!r}"]
        # Read even when not checked: a file response closes its file once read. (Never call
        # close() here: on PostgreSQL that ends the world's connection, see django.test.client.)
        text = body_text(response)
        problems = verdict(world, outcome, response, text, url)
        transaction.set_rollback(True)
    changed = writes.stored()
    if outcome.changes and not changed:
        problems.append("expected the request to store something; nothing changed")
    if changed and not outcome.changes:
        problems.append(f"stored data changed: {', '.join(changed)}")
    return [f"{role}: {case.method} {url}: {problem}" for problem in problems]


# --- the tests ----------------------------------------------------------------------------------


def _case_id(key: str, index: int, role: str = "") -> str:
    case = MATRIX[key].cases[index]
    label = f"{key or '(home)'} | {case.method} {case.label if case.label != case.method else ''}"
    return label.strip() + (f" | {role}" if role else "")


CASES = [(key, index) for key, route in MATRIX.items() for index in range(len(route.cases))]
BUGS = [
    pytest.param(
        key,
        index,
        role,
        marks=pytest.mark.xfail(strict=True, reason=reason),
        id=_case_id(key, index, role),
    )
    for key, index in CASES
    for role, reason in MATRIX[key].cases[index].bugs.items()
]


def _info_or_skip(key: str) -> RouteInfo:
    info = routes_by_key().get(key)
    if info is None:
        if MATRIX[key].debug_only:
            pytest.skip(f"{key!r} exists only when the URL conf is imported with DEBUG on")
        pytest.fail(f"{key!r} is not a URL pattern any more (see test_every_entry_is_a_pattern)")
    return info


def _entry_template(info: RouteInfo) -> str:
    params = re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", info.route)
    kwargs = ", ".join(f'"{a or b}": "{{…}}"' for a, b in params)
    method = info.methods[0].lower() if info.methods and info.methods[0] != "GET" else "get"
    return (
        f"    {info.key!r}: Route(({method}(expect(<outcome>, <role>=<outcome>, …)"
        + (f", kwargs={{{kwargs}}}" if kwargs else "")
        + f"),)),  # name: {info.name}"
    )


def test_every_url_pattern_has_an_entry():
    missing = [info for info in url_routes() if info.key not in MATRIX]
    assert not missing, (
        "URL patterns without an entry in tinhso/core/tests/authz_matrix.py (MATRIX): say what "
        "each of the roles "
        + ", ".join(ROLES)
        + " gets, e.g.\n"
        + "\n".join(_entry_template(info) for info in missing)
    )


def test_every_entry_is_a_pattern():
    keys = set(routes_by_key())
    stale = [key for key, route in MATRIX.items() if key not in keys and not route.debug_only]
    assert not stale, (
        "MATRIX entries (tinhso/core/tests/authz_matrix.py) for URL patterns that no longer "
        "exist: remove or rename them: " + ", ".join(repr(key) for key in stale)
    )


def test_url_patterns_have_distinct_keys():
    keys = [info.key for info in url_routes()]
    assert len(keys) == len(set(keys)), sorted({key for key in keys if keys.count(key) > 1})


def test_the_enumeration_sees_every_kind_of_pattern():
    by_key = routes_by_key()
    assert by_key["admin/"].name == "admin:index"  # the admin, collapsed into one entry
    assert by_key["GET api/dossiers"].methods == ("GET",)  # ninja operations, per method
    assert by_key["POST api/dossiers"].methods == ("POST",)
    assert by_key["ho-so-cua-toi/<str:code>/tep/<int:file_id>/"].name == "portal:dossier_file"
    assert by_key[r"^open311/v2/tokens/(?P<token>[^/.]+)\.(?P<fmt>json|xml)$"].name == (
        "feedback:open311_token"
    )
    assert by_key[""].name == "home"


def test_every_case_names_every_role():
    problems = []
    for key, route in MATRIX.items():
        assert isinstance(route, Route), key
        for index, case in enumerate(route.cases):
            where = _case_id(key, index)
            if set(case.roles) != set(ROLES):
                problems.append(f"{where}: roles {sorted(set(ROLES) ^ set(case.roles))}")
            if not all(isinstance(outcome, Outcome) for outcome in case.roles.values()):
                problems.append(f"{where}: an outcome is not an Outcome")
            if set(case.bugs) - set(ROLES):
                problems.append(f"{where}: bugs name unknown roles")
            if case.method not in {"GET", "POST"} or case.auth not in {"session", "token"}:
                problems.append(f"{where}: method {case.method}, auth {case.auth}")
            if case.method == "GET" and any(o.changes for o in case.roles.values()):
                problems.append(f"{where}: a GET may not store anything")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("key", "index"), CASES, ids=[_case_id(k, i) for k, i in CASES])
def test_route_as_every_role(world, key, index):
    info = _info_or_skip(key)
    case = MATRIX[key].cases[index]
    problems = []
    for role in ROLES:
        if role not in case.bugs:
            problems += check_role(world, info, case, role)
    assert not problems, "\n".join(problems)


# Known bugs: each is the right expectation for a case the application gets wrong (strict xfail,
# so a fixed bug fails the run until its ``bugs=`` entry is removed). None are known today.
if BUGS:

    @pytest.mark.parametrize(("key", "index", "role"), BUGS)
    def test_known_authorization_bug(world, key, index, role):
        """The right expectation for a case the application gets wrong (strict xfail)."""
        problems = check_role(world, _info_or_skip(key), MATRIX[key].cases[index], role)
        assert not problems, "\n".join(problems)


def test_statement_writes_names_the_tables_written():
    assert statement_writes('SELECT "id" FROM "dossiers_dossier" WHERE "id" = %s FOR UPDATE') == []
    assert statement_writes('UPDATE "core_apitoken" SET "last_used_at" = %s WHERE "id" = %s') == [
        ("UPDATE", "core_apitoken", frozenset({"last_used_at"}))
    ]
    upsert = (
        'INSERT INTO "dossiers_codecounter" ("day", "value") VALUES (%s, 1) '
        'ON CONFLICT ("day") DO UPDATE SET "value" = "dossiers_codecounter"."value" + 1 '
        'RETURNING "value"'
    )
    assert statement_writes(upsert) == [("INSERT", "dossiers_codecounter", frozenset())]
    cte = 'WITH d AS (DELETE FROM "qna_question" RETURNING id) INSERT INTO "core_auditevent" ...'
    assert [w[:2] for w in statement_writes(cte)] == [
        ("DELETE", "qna_question"),
        ("INSERT", "core_auditevent"),
    ]


def test_the_write_detector_reports_a_write_where_none_may_be(world):
    """The matrix's own check: a request that stores something is reported when its expectation
    says it stores nothing (here a real submission judged as if it were refused), and a write that
    is bookkeeping only (the token's last use) or a bookkeeping UPDATE of other columns is not."""
    key = "POST api/dossiers"
    case = MATRIX[key].cases[0]
    assert case.roles["citizen"].changes
    silent = dataclasses.replace(case.roles["citizen"], changes=False)
    judged = dataclasses.replace(case, roles={**case.roles, "citizen": silent})
    problems = check_role(world, _info_or_skip(key), judged, "citizen")
    assert len(problems) == 1 and "stored data changed: " in problems[0], problems
    assert "INSERT dossiers_dossier" in problems[0] and "core_apitoken" not in problems[0]
    # Inside the hook, a statement of the test itself counts like one of a view.
    from tinhso.qna.models import Question

    writes = Writes()
    with transaction.atomic(), connection.execute_wrapper(writes):
        Question.objects.filter(pk=world.values["question"]).update(title="Đổi tiêu đề")
        get_user_model().objects.filter(pk=world.users["citizen"].pk).update(
            last_login=timezone.now()
        )
        transaction.set_rollback(True)
    assert writes.stored() == ["UPDATE qna_question"]
    with transaction.atomic(), connection.execute_wrapper(writes):
        get_user_model().objects.filter(pk=world.users["citizen"].pk).update(is_staff=True)
        transaction.set_rollback(True)
    assert writes.stored() == ["UPDATE auth_user", "UPDATE qna_question"]


def test_world_is_what_the_matrix_assumes(world):
    """The objects the cases name are in the states the expectations rely on."""
    from tinhso.dossiers.models import Dossier, State
    from tinhso.feedback.models import Report
    from tinhso.qna.models import Question

    dossier = Dossier.objects.get(code=world.values["dossier"])
    assert dossier.state == State.SUBMITTED
    assert dossier.applicant.user == world.users["citizen"]
    worked = Dossier.objects.get(code=world.values["dossier_worked"])
    assert worked.state == State.PROCESSING
    assert worked.events.filter(note=INTERNAL_NOTE).count() == 2
    assert not Question.objects.get(pk=world.values["question_new"]).is_published
    assert Question.objects.get(pk=world.values["question"]).is_published
    assert not Report.objects.get(pk=world.values["report"]).is_public
    assert Report.objects.get(pk=world.values["report_public"]).is_public
    assert set(world.sessions) == set(ROLES) - {"anonymous"}
