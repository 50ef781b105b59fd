"""Citizen account pages: registration, its code, password reset, the VNeID sign-in (thin:
forms or the SSO client, then services)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tinhso.core.errors import DomainError
from tinhso.core.models import ApplicantProfile
from tinhso.core.ratelimit import RateLimited, client_address
from tinhso.notifications.selectors import preference_of

from . import services, sso
from .forms import CodeForm, ProfileForm, RegistrationForm, ResetConfirmForm, ResetRequestForm
from .models import Purpose
from .selectors import contact_changes_waiting

PENDING = "accounts_pending_user"


def _page(request, form, title: str, error: DomainError | None = None, *, resend: bool = False):
    context = {"form": form, "title": title, "resend": resend}
    response = render(request, "accounts/form.html", context)
    if isinstance(error, RateLimited):
        return error.annotate(response)
    if error is not None or form.errors:
        response.status_code = 400
    return response


def _refused(form, exc: DomainError) -> None:
    form.add_error(None, str(exc.message))


@require_http_methods(["GET", "POST"])
def register(request):
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.account_register(form.registration(), client=client_address(request))
        except DomainError as exc:
            _refused(form, exc)
            return _page(request, form, _("Create an account"), exc)
        request.session[PENDING] = user.pk
        return redirect("accounts:verify")
    return _page(request, form, _("Create an account"))


@require_http_methods(["GET", "POST"])
def verify(request):
    user = get_user_model().objects.filter(pk=request.session.get(PENDING)).first()
    if user is None:
        return redirect("accounts:register")
    if request.method == "POST" and "resend" in request.POST:
        form = CodeForm()
        try:
            services.code_send(user, Purpose.REGISTER)
        except DomainError as exc:
            _refused(form, exc)
            return _page(request, form, _("Enter the code we sent"), exc, resend=True)
        messages.info(request, _("A new code has been sent."))
        return redirect("accounts:verify")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_activate(user, form.cleaned_data["code"])
        except DomainError as exc:
            _refused(form, exc)
            return _page(request, form, _("Enter the code we sent"), exc, resend=True)
        del request.session[PENDING]
        messages.success(request, _("Your account is active. Sign in with your phone or ID."))
        return redirect("portal:login")
    return _page(request, form, _("Enter the code we sent"), resend=True)


@require_http_methods(["GET", "POST"])
def reset(request):
    form = ResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_request(form.cleaned_data["login"])
        except DomainError as exc:
            _refused(form, exc)
            return _page(request, form, _("Forgotten password"), exc)
        messages.info(request, _("If the account exists, a code has been sent to it."))
        return redirect("accounts:reset_confirm")
    return _page(request, form, _("Forgotten password"))


@require_http_methods(["GET", "POST"])
def reset_confirm(request):
    form = ResetConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.password_reset_confirm(d["login"], d["code"], d["password"])
        except DomainError as exc:
            _refused(form, exc)
            return _page(request, form, _("Set a new password"), exc)
        messages.success(request, _("Your password has been changed. Sign in again."))
        return redirect("portal:login")
    return _page(request, form, _("Set a new password"))


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """Hồ sơ cá nhân: phone, e-mail, address (they prefill forms), notification channels."""
    current = get_object_or_404(ApplicantProfile, user=request.user)
    pref = preference_of(request.user)
    initial = {
        "phone": current.phone,
        "email": current.email,
        "address": current.address,
        "notify_email": pref.email,
        "notify_sms": pref.sms,
        "notify_zns": pref.zns,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            waiting = services.profile_update(request.user, form.change())
        except DomainError as exc:
            _refused(form, exc)
            return _page(request, form, _("My profile"), exc)
        if waiting:
            messages.info(
                request,
                _(
                    "Your profile is saved. Enter the code we sent to confirm the new phone "
                    "number or e-mail address: until then the old one stays in use."
                ),
            )
            return redirect("accounts:contact_verify")
        messages.success(request, _("Your profile is saved."))
        return redirect("accounts:profile")
    if request.method == "GET" and contact_changes_waiting(request.user):
        messages.info(
            request,
            _(
                "A new phone number or e-mail address waits for its code: enter it at "
                "%(path)s. Until then the old one stays in use."
            )
            % {"path": reverse("accounts:contact_verify")},
        )
    return _page(request, form, _("My profile"))


@login_required
@require_http_methods(["GET", "POST"])
def contact_verify(request):
    """The codes sent to a new phone or e-mail (one form each); the new one is used once its
    code comes back."""
    get_object_or_404(ApplicantProfile, user=request.user)
    waiting = contact_changes_waiting(request.user)
    if not waiting:
        return redirect("accounts:profile")
    purposes = {row.purpose for row in waiting}
    posted = request.POST.get("purpose") if request.method == "POST" else None
    error: DomainError | None = None
    forms = []
    for row in waiting:
        entering = posted == row.purpose and "resend" not in request.POST
        form = CodeForm(request.POST if entering else None, prefix=row.purpose)
        forms.append({"row": row, "form": form})
        if posted != row.purpose:
            continue
        try:
            if "resend" in request.POST:
                services.code_send(
                    request.user, row.purpose, channel=row.channel, address=row.address
                )
                messages.info(request, _("A new code has been sent."))
                return redirect("accounts:contact_verify")
            if form.is_valid():
                services.contact_change_confirm(
                    request.user, row.purpose, form.cleaned_data["code"]
                )
                messages.success(request, _("Your new contact is verified and now in use."))
                return redirect("accounts:contact_verify")
        except DomainError as exc:
            form.add_error(None, str(exc.message))
            error = exc
    if posted is not None and posted not in purposes:
        return redirect("accounts:contact_verify")
    response = render(request, "accounts/contact_verify.html", {"forms": forms})
    if isinstance(error, RateLimited):
        return error.annotate(response)
    if error is not None or any(item["form"].errors for item in forms):
        response.status_code = 400
    return response


def _sso_page(request, exc: DomainError):
    """The clear page that ends a VNeID sign-in which did not complete (nothing was created)."""
    context = {
        "title": _("VNeID sign-in did not complete"),
        "message": str(exc.message),
        "back_url": reverse("portal:login"),
        "back_label": _("Other ways to sign in"),
        "retry_url": sso.sign_in_url() if sso.enabled() else "",
        "code": exc.code,
    }
    response = render(request, "accounts/sso_error.html", context)
    response.status_code = exc.status
    return response


def _safe_next(request, value: str) -> str:
    ok = url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return value if value and ok else ""


@require_http_methods(["GET"])
def sso_start(request):
    """Đăng nhập bằng VNeID: off to the national SSO (``?muc=2`` asks for level 2)."""
    if not sso.enabled():
        raise Http404
    try:
        level = max(int(request.GET.get("muc") or 0), settings.TINHSO_SSO_LEVEL)
    except ValueError:
        level = settings.TINHSO_SSO_LEVEL
    try:
        return sso.start(
            request, level=min(level, 4), next_url=_safe_next(request, request.GET.get("next", ""))
        )
    except DomainError as exc:
        return _sso_page(request, exc)


@require_http_methods(["GET"])
def sso_callback(request):
    """The national SSO's answer: check it, find or create the account, sign in."""
    if not sso.enabled():
        raise Http404
    try:
        identity, id_token = sso.finish(request)
        user = services.sso_sign_in(identity)
    except DomainError as exc:
        return _sso_page(request, exc)
    next_url = request.session.pop(sso.SESSION_NEXT, "")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[sso.SESSION_LEVEL] = identity.level
    request.session[sso.SESSION_ID_TOKEN] = id_token
    messages.success(
        request,
        _("You are signed in through VNeID (level %(level)d).") % {"level": identity.level},
    )
    return redirect(_safe_next(request, next_url) or settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET"])
def sso_logged_out(request):
    """Where the national SSO sends the browser back after the RP-initiated logout."""
    if sso.enabled() and sso.logged_out(request):
        messages.info(request, _("You are signed out of this portal and of VNeID."))
    return redirect("home")
