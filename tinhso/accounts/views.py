"""Citizen account pages: registration, its code, password reset (thin: forms, then services)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tinhso.core.errors import DomainError
from tinhso.core.models import ApplicantProfile
from tinhso.core.ratelimit import RateLimited, client_address
from tinhso.notifications.selectors import preference_of

from . import services
from .forms import CodeForm, ProfileForm, RegistrationForm, ResetConfirmForm, ResetRequestForm
from .models import Purpose

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
        services.profile_update(request.user, form.change())
        messages.success(request, _("Your profile is saved."))
        return redirect("accounts:profile")
    return _page(request, form, _("My profile"))
