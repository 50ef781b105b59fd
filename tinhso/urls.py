from django.contrib import admin
from django.urls import include, path

from tinhso.api import api
from tinhso.core import views as core_views
from tinhso.core.observability import metrics
from tinhso.portal import views as portal_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("ban-do/xa-phuong.geojson", core_views.map_units, name="map_units"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("tinhso.payments.urls")),
    path("can-bo/", include("tinhso.workspace.urls")),
    path("", include("tinhso.notifications.urls")),
    path("", include("tinhso.documents.urls")),
    path("", include("tinhso.qna.urls")),
    path("", include("tinhso.feedback.urls")),
    path("", include("tinhso.ioc.urls")),
    path("", include("tinhso.portal.urls")),
    path("", include("tinhso.accounts.urls")),
    path("", include("tinhso.signatures.urls")),
    path("", portal_views.home, name="home"),
]

handler400 = "tinhso.core.views.bad_request"
handler403 = "tinhso.core.views.permission_denied"
handler404 = "tinhso.core.views.page_not_found"
handler500 = "tinhso.core.views.server_error"
