from django.db import DatabaseError, connection
from django.http import JsonResponse


def healthz(request):
    """The load balancer's probe: 200 when the database answers, 503 when it does not.

    It also reports the background backlog, in seconds (``null`` when nothing waits): the oldest
    task waiting for the worker and the oldest outbox message not yet delivered. A growing figure
    means a stopped worker or scheduler, or an outside system that refuses; it does not fail the
    probe (the web server itself is fine).
    """
    from tinhso.core.background import oldest_pending_task_age
    from tinhso.dossiers.outbox import oldest_pending_age

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        tasks, outbox = oldest_pending_task_age(), oldest_pending_age()
    except DatabaseError:
        response = JsonResponse({"status": "unavailable"}, status=503)
        response["Retry-After"] = "5"
        return response
    return JsonResponse(
        {
            "status": "ok",
            "oldest_pending_task_seconds": None if tasks is None else round(tasks),
            "oldest_pending_outbox_seconds": None if outbox is None else round(outbox),
        }
    )
