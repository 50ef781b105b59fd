from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("dang-ky/", views.register, name="register"),
    path("dang-ky/xac-minh/", views.verify, name="verify"),
    path("quen-mat-khau/", views.reset, name="reset"),
    path("tai-khoan/", views.profile, name="profile"),
    path("tai-khoan/xac-minh/", views.contact_verify, name="contact_verify"),
    path("quen-mat-khau/dat-lai/", views.reset_confirm, name="reset_confirm"),
    path("dang-nhap/vneid/", views.sso_start, name="sso_start"),
    path("dang-nhap/vneid/callback/", views.sso_callback, name="sso_callback"),
    path("dang-xuat/vneid/", views.sso_logged_out, name="sso_logged_out"),
]
