"""Open311 GeoReport v2 endpoints under ``/open311/v2/``.

``discovery``, ``services``, ``services/<code>``, ``requests`` (GET list, POST create),
``requests/<id>`` and ``tokens/<token>``, each as ``.json`` or ``.xml``. Errors are the
specification's error array (``[{"code": 403, "description": "…"}]``) with the same HTTP status.

The POST is exempt from Django's CSRF check on purpose: it never uses the browser session or any
cookie, only the ``api_key`` parameter, so a forged cross-site request gains nothing. The key is
read only from the POST's body (GeoReport v2), or from the ``X-Api-Key`` header of a read; a POST
with ``api_key`` in its query string is refused (400), and the logs never show a key
(:class:`tinhso.core.observability.RedactSecrets`).
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from tinhso.core.errors import DomainError
from tinhso.core.ratelimit import Limit, client_address

from . import open311, open311_keys, selectors, services
from .boundary import province_code
from .models import Category, Open311Client, Report, ReportPhoto

MAX_REQUESTS = 1000
MAX_SPAN = dt.timedelta(days=90)
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
# Posts per API key and per address; wrong keys (posts and reads) per address. Past a rate: 429
# with Retry-After, in the store every worker shares (core.ratelimit).
POSTS = Limit("open311-posts", "TINHSO_RATE_OPEN311_POSTS")
WRONG_KEYS = Limit("open311-wrong-keys", "TINHSO_RATE_OPEN311_BAD_KEYS")


def jurisdictions() -> set[str]:
    """Jurisdiction ids this endpoint answers to: the province code and the site's host name."""
    from urllib.parse import urlparse

    found = {province_code()}
    host = urlparse(settings.SITE_URL).hostname
    if host:
        found.add(host)
    extra = getattr(settings, "TINHSO_OPEN311_JURISDICTION", "")
    if extra:
        found.add(extra)
    return found


def _param(request, name: str) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return (source.get(name) or request.GET.get(name) or "").strip()


def _api_key(request) -> str:
    """The application's key: in the body of a POST, where GeoReport v2 puts it, or in the
    ``X-Api-Key`` header of a read (to follow the application's own requests before moderation).
    Never read from the address: addresses are written to access logs."""
    if request.method == "POST":
        return (request.POST.get("api_key") or "").strip()
    return request.headers.get("X-Api-Key", "").strip()


def _jurisdiction_error(request, fmt):
    value = _param(request, "jurisdiction_id")
    if value and value not in jurisdictions():
        return open311.render_error(
            404,
            _("jurisdiction_id “%(id)s” was not found; this endpoint serves %(ids)s.")
            % {"id": value, "ids": ", ".join(sorted(jurisdictions()))},
            fmt,
        )
    return None


def _domain_error(exc: DomainError, fmt: str):
    status = exc.status if exc.status in (403, 404, 429) else 400
    return exc.annotate(open311.render_error(status, str(exc), fmt))


def _too_many() -> str:
    return _(
        "Too many requests from this application or address: try again in %(minutes)s minutes."
    )


def _api_client(request) -> Open311Client | None:
    """The application whose ``api_key`` the request gives (None without a key or with a wrong
    one). A wrong key counts against the address; past ``WRONG_KEYS``, every key from that
    address is refused (``RateLimited``) until the window ends, the right one too."""
    key = _api_key(request)
    if not key:
        return None
    address = client_address(request)
    WRONG_KEYS.enforce(address, _too_many(), count=False)
    client = open311_keys.open311_client_for_key(key)
    if client is None:
        WRONG_KEYS.enforce(address, _too_many())
    return client


def root(request):
    return discovery(request, "json")


def discovery(request, fmt):
    return open311.render(open311.discovery(request), fmt, root="discovery")


def service_list(request, fmt):
    problem = _read_refused(request, fmt)
    if problem:
        return problem
    leaves = {c.pk for c in selectors.services()}
    categories = (
        Category.objects.filter(pk__in=leaves)
        .select_related("parent")
        .prefetch_related("attributes")
    )
    by_pk = {c.pk: c for c in categories}
    data = [open311.service(by_pk[c.pk]) for c in selectors.services() if c.pk in by_pk]
    return open311.render(data, fmt, root="services")


def service_definition(request, code, fmt):
    problem = _read_refused(request, fmt)
    if problem:
        return problem
    try:
        category = selectors.service_get(code)
    except DomainError as exc:
        return _domain_error(exc, fmt)
    return open311.render(open311.service_definition(category), fmt, root="service_definition")


def _method_not_allowed(fmt):
    return open311.render_error(405, _("This method is not allowed here."), fmt)


def _read_refused(request, fmt):
    """The error answer to a read that is not a GET or names another jurisdiction, else None."""
    if request.method != "GET":
        return _method_not_allowed(fmt)
    return _jurisdiction_error(request, fmt)


def _visible(request) -> tuple[Q, object | None]:
    """Published requests, plus every request of the application whose api_key is given."""
    client = _api_client(request)
    visible = Q(state__in=selectors.PUBLIC_STATES)
    if client is not None:
        visible |= Q(api_client=client)
    return visible, client


def _requests_queryset():
    return Report.objects.select_related("category", "agency", "commune").prefetch_related(
        Prefetch("photos", queryset=ReportPhoto.objects.order_by("order", "pk"))
    )


def _parse_moment(value: str, *, end: bool = False) -> dt.datetime:
    moment = parse_datetime(value)
    if moment is None:
        day = parse_date(value)
        if day is None:
            raise DomainError(
                "date_invalid",
                _("“%(value)s” is not a W3C date, e.g. 2026-01-01T00:00:00+07:00.")
                % {"value": value},
            )
        moment = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@csrf_exempt
def requests_endpoint(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    problem = _read_refused(request, fmt)
    if problem:
        return problem
    try:
        reports = _search(request)
    except DomainError as exc:
        return _domain_error(exc, fmt)
    data = [open311.service_request(report, request) for report in reports]
    return open311.render(data, fmt, root="service_requests")


def _search(request) -> list[Report]:
    visible, _client = _visible(request)
    qs = _requests_queryset().filter(visible)
    ids = request.GET.get("service_request_id", "").strip()
    if ids:
        wanted = [part.strip() for part in ids.split(",") if part.strip()]
        if not all(part.isdigit() for part in wanted):
            raise DomainError(
                "id_invalid", _("service_request_id must be numbers separated by commas.")
            )
        return list(qs.filter(pk__in=[int(part) for part in wanted][:MAX_REQUESTS]))
    codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    statuses = [s.strip() for s in request.GET.get("status", "").split(",") if s.strip()]
    if any(status not in ("open", "closed") for status in statuses):
        raise DomainError("status_invalid", _("status must be open, closed or both."))
    if statuses and len(set(statuses)) == 1:
        closed = Q(state__in=selectors.CLOSED_STATES)
        qs = qs.filter(closed) if statuses[0] == "closed" else qs.exclude(closed)
    start_text = request.GET.get("start_date", "").strip()
    end_text = request.GET.get("end_date", "").strip()
    end = _parse_moment(end_text, end=True) if end_text else timezone.now()
    start = _parse_moment(start_text) if start_text else end - MAX_SPAN
    if start > end:
        raise DomainError("date_order", _("start_date must not be after end_date."))
    if end - start > MAX_SPAN + dt.timedelta(days=1):
        raise DomainError(
            "date_span", _("The date range may not span more than 90 days (Open311 rule).")
        )
    qs = qs.filter(submitted_at__gte=start, submitted_at__lte=end)
    return list(qs.order_by("-submitted_at", "-pk")[:MAX_REQUESTS])


def request_detail(request, request_id, fmt):
    problem = _read_refused(request, fmt)
    if problem:
        return problem
    try:
        visible, _client = _visible(request)
    except DomainError as exc:
        return _domain_error(exc, fmt)
    report = None
    if request_id.isdigit():
        report = _requests_queryset().filter(visible, pk=int(request_id)).first()
    if report is None:
        return open311.render_error(
            404,
            _("Service request %(id)s was not found (or is not published yet).")
            % {"id": request_id},
            fmt,
        )
    return open311.render([open311.service_request(report, request)], fmt, root="service_requests")


def token_detail(request, token, fmt):
    problem = _read_refused(request, fmt)
    if problem:
        return problem
    report = Report.objects.filter(token=token).only("pk", "token").first()
    if report is None:
        return open311.render_error(
            404, _("Token %(token)s was not found.") % {"token": token}, fmt
        )
    data = [{"service_request_id": str(report.pk), "token": report.token}]
    return open311.render(data, fmt, root="service_requests")


def _attributes(post) -> dict[str, object]:
    found: dict[str, object] = {}
    for key in post:
        match = _ATTRIBUTE.match(key)
        if not match:
            continue
        code, many = match.group(1), bool(match.group(2))
        found[code] = post.getlist(key) if many else post.get(key)
    return found


def _create(request, fmt):
    try:
        POSTS.enforce(f"address:{client_address(request)}", _too_many())
        client = _api_client(request)
        if client is not None:
            POSTS.enforce(f"key:{client.pk}", _too_many())
    except DomainError as exc:
        return _domain_error(exc, fmt)
    problem = _jurisdiction_error(request, fmt)
    if problem:
        return problem
    if "api_key" in request.GET:
        return open311.render_error(
            400,
            _(
                "Send api_key in the body of the POST, never in the address: the service "
                "request was not created."
            ),
            fmt,
        )
    if client is None:
        return open311.render_error(
            403,
            _("api_key is missing or invalid: the service request was not created."),
            fmt,
        )
    post = request.POST
    code = post.get("service_code", "").strip()
    if not code:
        return open311.render_error(400, _("service_code is required."), fmt)
    try:
        category = selectors.service_get(code)
    except DomainError:
        return open311.render_error(
            400, _("service_code “%(code)s” was not found.") % {"code": code}, fmt
        )
    lat, lng = post.get("lat", ""), post.get("long", "")
    address = post.get("address_string", "").strip()
    address_id = post.get("address_id", "").strip()
    communes = list(selectors.communes().select_related("parent"))
    commune = None
    if address_id:
        commune = next((c for c in communes if c.code == address_id), None)
        if commune is None:
            return open311.render_error(
                400,
                _("address_id “%(id)s” is not a commune code of the province.")
                % {"id": address_id},
                fmt,
            )
    elif address:
        commune = open311.guess_commune(address, communes)
    if not (lat or lng or address or address_id):
        return open311.render_error(
            400, _("A location is required: lat and long, address_string or address_id."), fmt
        )
    name = " ".join(p for p in (post.get("first_name", ""), post.get("last_name", "")) if p)
    try:
        report = services.report_submit(
            api_client=client,
            category=category,
            description=post.get("description", ""),
            urgency=post.get("urgency", "normal") or "normal",
            latitude=lat,
            longitude=lng,
            address=address,
            commune=commune,
            photos=request.FILES.getlist("media"),
            attributes=_attributes(post),
            reporter_name=name,
            reporter_email=post.get("email", ""),
            reporter_phone=post.get("phone", ""),
            device_id=post.get("device_id", ""),
            account_id=post.get("account_id", ""),
            media_url=post.get("media_url", ""),
        )
    except DomainError as exc:
        return _domain_error(exc, fmt)
    data = [
        {
            "service_request_id": str(report.pk),
            "token": report.token,
            "service_notice": open311.service_notice(report),
            "account_id": report.account_id or None,
        }
    ]
    response = open311.render(data, fmt, root="service_requests")
    response["Location"] = request.build_absolute_uri(
        reverse("feedback:open311_request", kwargs={"request_id": report.pk, "fmt": fmt})
    )
    return response
