from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("dang-ky/", views.register, name="register"),
    path("dang-ky/xac-minh/", views.verify, name="verify"),
    path("quen-mat-khau/", views.reset, name="reset"),
    path("tai-khoan/", views.profile, name="profile"),
    path("quen-mat-khau/dat-lai/", views.reset_confirm, name="reset_confirm"),
]
