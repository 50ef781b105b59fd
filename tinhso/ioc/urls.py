from django.urls import path

from . import views

app_name = "ioc"

urlpatterns = [
    path("dieu-hanh/", views.province, name="province"),
    path("dieu-hanh/man-hinh/", views.wall, name="wall"),
    path("dieu-hanh/co-quan/<int:agency_id>/", views.agency, name="agency"),
    path("dieu-hanh/xa/<int:unit_id>/", views.commune, name="commune"),
    path("dieu-hanh/xuat.xlsx", views.export_xlsx, name="export_xlsx"),
]
