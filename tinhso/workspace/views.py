"""Officer workspace pages (placeholder views; the workspace work replaces them)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def inbox(request):
    return HttpResponse("inbox")


@login_required
def reception(request):
    return HttpResponse("reception")


@login_required
def dossier(request, code):
    return HttpResponse("dossier")


@login_required
def statistics(request):
    return HttpResponse("statistics")
