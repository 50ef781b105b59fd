"""The person's notification page: the channels they choose and what they were sent."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    if request.method == "POST":
        services.preference_set(
            actor=request.user,
            email=request.POST.get("email") == "on",
            sms=request.POST.get("sms") == "on",
            zns=request.POST.get("zns") == "on",
        )
        messages.success(request, _("Your notification channels are saved."))
        return redirect("notifications:preferences")
    context = {
        "preference": selectors.preference_of(request.user),
        "sent": selectors.notifications_of(request.user),
    }
    return render(request, "notifications/preferences.html", context)
