from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from .models import AdministrativeUnit, Agency, UnitLevel


def home(request):
    province = (
        AdministrativeUnit.objects.current()
        .filter(level=UnitLevel.PROVINCE)
        .order_by("code")
        .first()
    )
    communes = province.children.filter(valid_to__isnull=True).count() if province else 0
    context = {
        "province": province,
        "commune_count": communes,
        "agency_count": Agency.objects.filter(is_active=True).count(),
    }
    return render(request, "core/home.html", context)


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
