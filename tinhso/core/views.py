from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tinhso.core.middleware import (
    UNREADABLE,
    error_response,
    page_not_found_response,
    permission_denied_response,
    server_error_response,
    unreadable_request_response,
)


def healthz(request):
    """The load balancer's probe: 200 when the database answers, 503 when it does not.

    It also reports the background backlog, in seconds (``null`` when nothing waits): the oldest
    task waiting for the worker, the oldest outbox message not yet delivered and the oldest
    notification not yet sent (new or waiting for a retry). A growing figure
    means a stopped worker or scheduler, or an outside system that refuses; it does not fail the
    probe (the web server itself is fine).
    """
    from tinhso.core.background import oldest_pending_task_age
    from tinhso.dossiers.outbox import oldest_pending_age
    from tinhso.notifications.selectors import oldest_pending_age as oldest_notification_age

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        tasks, outbox = oldest_pending_task_age(), oldest_pending_age()
        notifications = oldest_notification_age()
    except DatabaseError:
        response = JsonResponse({"status": "unavailable"}, status=503)
        response["Retry-After"] = "5"
        return response
    return JsonResponse(
        {
            "status": "ok",
            "oldest_pending_task_seconds": None if tasks is None else round(tasks),
            "oldest_pending_outbox_seconds": None if outbox is None else round(outbox),
            "oldest_pending_notification_seconds": (
                None if notifications is None else round(notifications)
            ),
        }
    )


# The URLconf's error handlers (``handler400`` …): the caller's shape, the site's page in
# Vietnamese (see tinhso.core.middleware, which answers the same way when DEBUG is on).


def bad_request(request, exception=None):
    if isinstance(exception, UNREADABLE):
        return unreadable_request_response(request, exception)
    return error_response(
        request,
        status=400,
        code="bad_request",
        message=_("The request cannot be handled."),
        title=_("Invalid request"),
    )


def permission_denied(request, exception=None):
    return permission_denied_response(request, exception)


def page_not_found(request, exception=None):
    return page_not_found_response(request, exception)


def server_error(request):
    return server_error_response(request)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: a form sent without its token (expired, or from another site)."""
    return error_response(
        request,
        status=403,
        code="csrf_failed",
        message=_(
            "The form has expired or was sent from another site. Go back, reload the page "
            "and send it again."
        ),
        title=_("Access denied"),
    )


MAP_UNITS_MAX_AGE = 600


@require_GET
def map_units(request):
    """The province's communes for the maps (GeoJSON): their official outlines when loaded,
    else their approximate points (core.maps). Public reference data, cached for ten minutes."""
    from django.utils.cache import patch_cache_control

    from tinhso.core.maps import units_layer

    response = JsonResponse(units_layer(), json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/geo+json"
    patch_cache_control(response, public=True, max_age=MAP_UNITS_MAX_AGE)
    return response
