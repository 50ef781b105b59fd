from django.urls import path

from . import views

app_name = "workspace"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("tiep-nhan/", views.reception, name="reception"),
    path("ho-so/<str:code>/", views.dossier, name="dossier"),
    path("ho-so/<str:code>/xu-ly/<slug:action>/", views.dossier_action, name="dossier_action"),
    path("ho-so/<str:code>/tep/<int:file_id>/", views.dossier_file, name="dossier_file"),
    path(
        "ho-so/<str:code>/tep/<int:file_id>/ky-so/bat-dau/",
        views.result_sign_begin,
        name="result_sign_begin",
    ),
    path(
        "ho-so/<str:code>/tep/<int:file_id>/ky-so/hoan-tat/",
        views.result_sign_finish,
        name="result_sign_finish",
    ),
    path("ho-so/<str:code>/bieu-mau/<slug:kind>.pdf", views.dossier_form, name="dossier_form"),
    path("thong-ke/", views.statistics, name="statistics"),
    path("thong-ke/xlsx/", views.statistics_xlsx, name="statistics_xlsx"),
    path("so-theo-doi/", views.tracking_book, name="tracking_book"),
    path("so-theo-doi/<slug:fmt>/", views.tracking_book_file, name="tracking_book_file"),
]
