"""The stand-in's own pages: the sign-in page, the control endpoints, and the middleware that
records authorization requests and plays an outage."""

from __future__ import annotations

import json
import re

from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import control
from .models import NATIONAL_CLAIMS, Citizen


class ControlMiddleware:
    """Records each authorization request's parameters; answers 503 where ``/control/`` said the
    provider is down (``down``: every OAuth endpoint; ``token_down``: the token endpoint)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        config = control.current()
        path = request.path
        if path.startswith("/oauth2/") and (
            config.get("down") or (config.get("token_down") and path.startswith("/oauth2/token"))
        ):
            return JsonResponse(
                {"error": "temporarily_unavailable", "error_description": "stand-in down"},
                status=503,
            )
        if path.startswith("/oauth2/authorize"):
            control.remember(
                {k: request.GET.get(k, "") for k in ("client_id", "state", "nonce", "acr_values")}
                | {
                    "code_challenge_method": request.GET.get("code_challenge_method", ""),
                    "has_code_challenge": str(bool(request.GET.get("code_challenge"))),
                }
            )
        return self.get_response(request)


class LoginView(auth_views.LoginView):
    """Đăng nhập VNeID (stand-in): a personal ID number and a password; the demo accounts are
    listed on the page."""

    template_name = "sso_standin/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["citizens"] = Citizen.objects.select_related("user").order_by("user__username")
        match = re.search(r"acr_values=([A-Za-z0-9%]+)", self.get_redirect_url() or "")
        context["requested_level"] = match.group(1) if match else ""
        return context


def home(request):
    return HttpResponse(
        "VNeID SSO stand-in: /oauth2/.well-known/openid-configuration\n",
        content_type="text/plain; charset=utf-8",
    )


@csrf_exempt
def control_view(request):
    """``GET``: the configuration and the authorization requests seen; ``POST`` a JSON object:
    the new configuration (``control.KEYS``)."""
    if request.method == "POST":
        try:
            values = json.loads(request.body or b"{}")
            if not isinstance(values, dict):
                raise ValueError("a JSON object is expected")
            config = control.replace(values)
        except ValueError as exc:
            return JsonResponse({"error": str(exc)}, status=400)
        return JsonResponse({"config": config})
    return JsonResponse({"config": control.current(), "authorize_requests": control.seen()})


def citizen_upsert(values: dict) -> Citizen:
    """Create or update the account whose ``SoDinhDanh`` is given (its password and ``loa``
    optional): the demo citizens and the tests' own."""
    personal_id = str(values.get("SoDinhDanh") or "")
    if not re.fullmatch(r"[0-9]{12}", personal_id):
        raise ValueError("SoDinhDanh: 12 digits")
    users = get_user_model().objects
    with transaction.atomic():
        user = users.filter(username=personal_id).first() or users.create_user(personal_id)
        # An unchanged password keeps the account's sessions (a new hash would end them).
        if values.get("password") and not user.check_password(values["password"]):
            user.set_password(values["password"])
            user.save()
        citizen = Citizen.objects.filter(user=user).first() or Citizen(user=user)
        citizen.claims = {
            **citizen.claims,
            **{k: str(v) for k, v in values.items() if k in NATIONAL_CLAIMS},
        }
        if values.get("loa") is not None:
            citizen.loa = int(values["loa"])
        citizen.save()
    return citizen


@csrf_exempt
def control_users(request):
    """``POST`` a JSON object of national claims (plus ``password`` and ``loa``): the account,
    created or updated; answers its ``sub``."""
    if request.method != "POST":
        return JsonResponse({"error": "POST a JSON object"}, status=405)
    try:
        values = json.loads(request.body or b"{}")
        if not isinstance(values, dict):
            raise ValueError("a JSON object is expected")
        citizen = citizen_upsert(values)
    except ValueError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"sub": str(citizen.sub), "loa": citizen.loa})


@csrf_exempt
def control_client(request):
    """``POST`` ``{"client_id", "redirect_uris": [...], "post_logout_redirect_uris": [...]}``:
    more addresses the client may be sent back to (a test's live server)."""
    from oauth2_provider.models import Application

    if request.method != "POST":
        return JsonResponse({"error": "POST a JSON object"}, status=405)
    try:
        values = json.loads(request.body or b"{}")
        app = Application.objects.get(client_id=values.get("client_id", ""))
    except (ValueError, Application.DoesNotExist):
        return JsonResponse({"error": "unknown client"}, status=400)
    for field in ("redirect_uris", "post_logout_redirect_uris"):
        known = getattr(app, field).split()
        added = [u for u in values.get(field) or [] if u not in known]
        setattr(app, field, " ".join(known + added))
    app.save()
    return JsonResponse({"redirect_uris": app.redirect_uris.split()})
