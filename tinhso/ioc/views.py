"""Operations-centre pages (trung tâm điều hành): the province, one agency, one commune, and the
overview as an XLSX workbook.

Only province-wide roles see them (operations-centre viewers, province administrators,
superusers): anonymous users are sent to the login page, everyone else gets 404. ``?period=``
takes a year (2026), a quarter (2026-Q3) or a month (2026-10); a wrong one is explained in the
page, which then shows the current year. The figures block refreshes itself every minute with
htmx (the same URL answers an htmx request with the block alone).
"""

from __future__ import annotations

import json
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tinhso.core.access import Access, request_access
from tinhso.core.errors import DomainError, NotFound
from tinhso.core.http import download_response, is_htmx
from tinhso.core.models import Role
from tinhso.core.periods import Period, period_choices
from tinhso.core.ratelimit import Limit, client_address

from . import presentation as p
from .export import overview_to_xlsx
from .selectors.overviews import (
    agency_overview,
    can_view_ioc,
    commune_overview,
    kept_figures,
    province_overview,
    wall_alerts,
)
from .services import display_token_check

REFRESH_SECONDS = 60


class KioskViewer:
    """Who reads the wall on a display token: no account, sees the province's figures only
    (the wall view is the one place that accepts it)."""

    pk = None
    is_authenticated = True
    is_superuser = False

    def get_username(self) -> str:
        return "kiosk"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ioc_required(view):
    """Signed in (else the login page) and allowed to see the whole province (else 404)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if is_htmx(request):
                # A refresh after the session ended: reload the whole page (→ the login page)
                # rather than swap the login form into the figures block.
                return HttpResponse(status=204, headers={"HX-Refresh": "true"})
            return redirect_to_login(request.get_full_path())
        if not can_view_ioc(request_access(request)):
            raise Http404(_("Page not found."))
        return view(request, *args, **kwargs)

    return wrapped


def _period(request: HttpRequest) -> tuple[Period, str]:
    """The requested period, or this year with the reason the requested one was refused."""
    try:
        return Period.parse(request.GET.get("period")), ""
    except DomainError as exc:
        return Period.parse(None), str(exc)


def _common(request: HttpRequest, data: dict[str, Any], period: Period, error: str) -> dict:
    query = f"?period={period.key}"
    trend = p.visible_trend(data["trend"], timezone.localdate())
    return {
        "data": data,
        "scope": data["scope"],
        "period": period,
        "period_error": error,
        "period_choices": period_choices(period.key, timezone.localdate()),
        "query": query,
        "live_url": request.path + query,
        "refresh_seconds": REFRESH_SECONDS,
        "refreshed_at": data["refreshed_at"],
        "tiles": p.tiles(data),
        "trend_rows": p.trend_rows(trend),
        "trend_json": p.trend_json(trend),
        "trend_summary": p.trend_summary(trend),
        "index": p.index_summary(data["index_766"]),
        "index_rows": p.index_rows(data["index_766"]),
        "columns": p.COLUMNS,
        "png_prefix": f"dieu-hanh-{data['scope']['kind']}-{data['scope'].get('id') or ''}-"
        f"{period.key}",
    }


def _render(request: HttpRequest, page: str, live: str, context: dict) -> HttpResponse:
    template = live if is_htmx(request) else page
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _map_context(rows: list[dict[str, Any]], query: str, *, links: bool = True) -> dict[str, Any]:
    """The map's data; ``links`` off (a kiosk wall): the markers lead nowhere."""
    from tinhso.feedback.views import map_frame

    markers = p.map_markers(
        rows, lambda pk: reverse("ioc:commune", args=[pk]) + query if links else ""
    )
    return {
        **map_frame(),
        "map_markers": json.dumps(markers, ensure_ascii=False),
        "map_count": len(markers),
        "map_missing": sum(1 for row in rows if not row["has_point"]),
        "map_legend": json.dumps(
            {
                "none": _("No dossier overdue"),
                "some": _("1–9 overdue"),
                "many": _("10 or more overdue"),
                "size": _("Circle size: dossiers received"),
                "boundary": _("Province boundary (approximate)"),
            },
            ensure_ascii=False,
        ),
    }


def _scope(request: HttpRequest, overview: Any, not_found: str, **scope_id: int) -> dict:
    """The context of an agency's or a commune's page (``overview`` of the one ``scope_id``
    names, for the requested period); an unknown one is a 404 saying ``not_found``."""
    period, error = _period(request)
    try:
        data = overview(user=request_access(request), period=period, **scope_id)
    except NotFound:
        raise Http404(not_found) from None
    return _common(request, data, period, error)


def _province_context(request: HttpRequest, data: dict, period: Period, error: str) -> dict:
    context = _common(request, data, period, error)
    communes = p.communes(data)
    context |= {
        "plans": p.plans(data),
        "documents": p.documents(data),
        "ranking": p.ranking(data),
        "communes": communes,
        "not_measured": data["not_measured"],
        "index_not_measured": [row for row in context["index_rows"] if not row["measured"]],
        **_map_context(communes, context["query"]),
    }
    return context


@require_GET
@ioc_required
def province(request: HttpRequest) -> HttpResponse:
    """The province's page. Its figures block (most of the page: tables, map, trend) is drawn
    once per roll-up version and period and kept like the figures themselves
    (``kept_figures``): every viewer of the province sees the same block."""
    period, error = _period(request)
    data = province_overview(user=request_access(request), period=period)
    live = kept_figures(
        ("province-block", request.path, period.key, timezone.localdate()),
        lambda: render_to_string(
            "ioc/_province_live.html", _province_context(request, data, period, error)
        ),
    )
    if is_htmx(request):
        response = HttpResponse(live)
    else:
        context = {
            "scope": data["scope"],
            "period": period,
            "period_error": error,
            "period_choices": period_choices(period.key, timezone.localdate()),
            "query": f"?period={period.key}",
            "live_html": mark_safe(live),  # drawn from our template just above
        }
        response = render(request, "ioc/province.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


WALL_RANKING_ROWS = 8
WRONG_DISPLAY_TOKENS = Limit("wall-wrong-tokens", "TINHSO_RATE_WALL_BAD_TOKENS")


@require_GET
def wall(request: HttpRequest) -> HttpResponse:
    """The wall screen (1920×1080): headline tiles, map, ranking, alerts, refreshed every
    minute. ``?kiosk=TOKEN`` (a display token) opens it with no login session and no navigation;
    otherwise it is the operations centre's page for province-wide viewers."""
    key = request.GET.get("kiosk")
    if key is not None:
        address = client_address(request)
        if not WRONG_DISPLAY_TOKENS.peek(address).allowed:
            return HttpResponse(_("Too many wrong display tokens: try again later."), status=429)
        token = display_token_check(key)
        if token is None:
            WRONG_DISPLAY_TOKENS.hit(address)
            if is_htmx(request):  # revoked while the wall runs: reload it to show why
                return HttpResponse(status=204, headers={"HX-Refresh": "true"})
            raise Http404(_("This display token is not valid or was revoked."))
        viewer = Access(user=KioskViewer(), agencies_by_role={Role.IOC_VIEWER: frozenset()})
        return _wall(request, viewer, kiosk_query=f"?kiosk={key}")
    return ioc_required(lambda r: _wall(r, request_access(r), kiosk_query=""))(request)


def _wall(request: HttpRequest, viewer: Access, kiosk_query: str) -> HttpResponse:
    period = Period.parse(None)
    data = province_overview(user=viewer, period=period)
    communes = p.communes(data)
    index = p.index_summary(data["index_766"])
    ranking = p.ranking(data)
    context = {
        "kiosk": bool(kiosk_query),
        "period": period,
        "live_url": request.path + kiosk_query,
        "refresh_seconds": REFRESH_SECONDS,
        "refreshed_at": data["refreshed_at"],
        "tiles": p.tiles(data),
        "index": index,
        "ranking": ranking[:WALL_RANKING_ROWS],
        "ranking_count": len(ranking),
        "alerts": wall_alerts(user=viewer),
        **_map_context(communes, "", links=not kiosk_query),
    }
    response = _render(request, "ioc/wall.html", "ioc/_wall_live.html", context)
    if kiosk_query:
        response.headers["Referrer-Policy"] = "no-referrer"  # the token stays off other logs
        patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
@ioc_required
def agency(request: HttpRequest, agency_id: int) -> HttpResponse:
    context = _scope(request, agency_overview, _("No such agency."), agency_id=agency_id)
    context["procedures"] = p.procedures(context["data"]["procedures"])
    return _render(request, "ioc/agency.html", "ioc/_agency_live.html", context)


@require_GET
@ioc_required
def commune(request: HttpRequest, unit_id: int) -> HttpResponse:
    context = _scope(request, commune_overview, _("No such commune."), unit_id=unit_id)
    context["agencies"] = [
        {**row, "figures": {k: p.fmt(v, p.kind_of(k)) for k, v in row["values"].items()}}
        for row in context["data"]["agencies"]
    ]
    return _render(request, "ioc/commune.html", "ioc/_commune_live.html", context)


@require_GET
@ioc_required
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """The province overview as a workbook; a wrong period is explained in the page instead."""
    period, error = _period(request)
    if error:
        return province(request)
    data = province_overview(user=request_access(request), period=period)
    return download_response(overview_to_xlsx(data), XLSX, f"dieu-hanh-{period.key}.xlsx")
