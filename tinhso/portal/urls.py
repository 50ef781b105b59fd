from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("thu-tuc/", views.procedures, name="procedures"),
    path("thu-tuc/<str:code>/", views.procedure, name="procedure"),
    path("thu-tuc/<str:code>/mau-don/<int:component>/", views.blank_form, name="blank_form"),
    path("thu-tuc/<str:code>/nop-truc-tuyen/", views.submit, name="submit"),
    path(
        "thu-tuc/<str:code>/nop-truc-tuyen/tai-len/<int:component>/",
        views.submit_upload,
        name="submit_upload",
    ),
    path(
        "thu-tuc/<str:code>/nop-truc-tuyen/go-tep/<int:component>/",
        views.submit_remove,
        name="submit_remove",
    ),
    path("thu-tuc/<str:code>/nop-truc-tuyen/xem-lai/", views.submit_review, name="submit_review"),
    path("tra-cuu/", views.track, name="track"),
    path("tra-cuu/<str:code>/", views.track, name="track"),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("dang-xuat/", views.LogoutView.as_view(), name="logout"),
    path("sau-dang-nhap/", views.after_login, name="after_login"),
    path("ho-so-cua-toi/", views.my_dossiers, name="my_dossiers"),
    path("ho-so-cua-toi/<str:code>/", views.my_dossier, name="my_dossier"),
    path("ho-so-cua-toi/<str:code>/bien-nhan/", views.receipt, name="receipt"),
    path("ho-so-cua-toi/<str:code>/bo-sung/", views.my_dossier_supplement, name="supplement"),
    path("ho-so-cua-toi/<str:code>/rut-ho-so/", views.my_dossier_withdraw, name="withdraw"),
    path("ho-so-cua-toi/<str:code>/danh-gia/", views.my_dossier_rate, name="rate"),
    path("ho-so-cua-toi/<str:code>/tep/<int:file_id>/", views.my_dossier_file, name="dossier_file"),
    path(
        "ho-so-cua-toi/<str:code>/phieu/<str:kind>.pdf", views.my_dossier_form, name="dossier_form"
    ),
]
