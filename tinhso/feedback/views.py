"""Field feedback pages (placeholder views; the feedback work replaces them)."""

from django.http import HttpResponse


def report_list(request):
    return HttpResponse("feedback")


def officer_inbox(request):
    return HttpResponse("feedback inbox")
