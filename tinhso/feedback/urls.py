from django.urls import path, re_path

from . import open311_views, views

app_name = "feedback"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    # Public pages.
    path("phan-anh/", views.report_list, name="list"),
    path("phan-anh/gui/", views.report_submit, name="submit"),
    path("phan-anh/gui/cau-hoi/", views.submit_attributes, name="submit_attributes"),
    path("phan-anh/cua-toi/", views.my_reports, name="mine"),
    path("phan-anh/<int:pk>/", views.report_detail, name="detail"),
    path("phan-anh/<int:pk>/danh-gia/", views.report_rate, name="rate"),
    path("phan-anh/<int:pk>/anh/<int:photo_pk>/", views.report_photo, name="photo"),
    # Officers.
    path("can-bo/phan-anh/", views.officer_inbox, name="officer_inbox"),
    path("can-bo/phan-anh/thong-ke/", views.officer_stats, name="officer_stats"),
    path("can-bo/phan-anh/<int:pk>/", views.officer_report, name="officer_report"),
    path("can-bo/phan-anh/<int:pk>/<slug:action>/", views.officer_action, name="officer_action"),
    # Open311 GeoReport v2.
    path("open311/v2/", open311_views.root, name="open311_root"),
    re_path(r"^open311/v2/discovery" + FMT, open311_views.discovery, name="open311_discovery"),
    re_path(r"^open311/v2/services" + FMT, open311_views.service_list, name="open311_services"),
    re_path(
        r"^open311/v2/services/(?P<code>[-\w]+)" + FMT,
        open311_views.service_definition,
        name="open311_service",
    ),
    re_path(
        r"^open311/v2/requests" + FMT, open311_views.requests_endpoint, name="open311_requests"
    ),
    re_path(
        r"^open311/v2/requests/(?P<request_id>[^/.]+)" + FMT,
        open311_views.request_detail,
        name="open311_request",
    ),
    re_path(
        r"^open311/v2/tokens/(?P<token>[^/.]+)" + FMT,
        open311_views.token_detail,
        name="open311_token",
    ),
]
