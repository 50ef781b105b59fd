from django.db import DatabaseError, connection
from django.http import JsonResponse


def healthz(request):
    """The load balancer's probe: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        response = JsonResponse({"status": "unavailable"}, status=503)
        response["Retry-After"] = "5"
        return response
    return JsonResponse({"status": "ok"})
