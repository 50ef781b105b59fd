from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("can-bo/van-ban/", views.incoming_list, name="incoming_list"),
    path("can-bo/van-ban/den/dang-ky/", views.incoming_register, name="incoming_register"),
    path("can-bo/van-ban/den/<int:pk>/", views.incoming_detail, name="incoming"),
    path(
        "can-bo/van-ban/den/<int:pk>/tep/<int:file_id>/", views.incoming_file, name="incoming_file"
    ),
    path("can-bo/van-ban/di/", views.outgoing_list, name="outgoing_list"),
    path("can-bo/van-ban/di/soan-thao/", views.outgoing_draft, name="outgoing_draft"),
    path("can-bo/van-ban/di/<int:pk>/", views.outgoing_detail, name="outgoing"),
    path("can-bo/van-ban/di/<int:pk>/sua/", views.outgoing_edit, name="outgoing_edit"),
    path("can-bo/van-ban/di/<int:pk>/van-ban.pdf", views.outgoing_pdf, name="outgoing_pdf"),
    path("can-bo/van-ban/<slug:source>/<int:pk>/sao/", views.copy_make, name="copy_make"),
    path("can-bo/van-ban/ban-sao/<int:pk>/ban-sao.pdf", views.copy_pdf, name="copy_pdf"),
    # Signatures through the signing agent (JSON steps, static/js/signing.js): the signer's
    # approval (ký số) and the clerk's number, seal and issue (đóng dấu).
    path(
        "can-bo/van-ban/di/<int:pk>/ky-so/<slug:step>/",
        views.outgoing_sign,
        name="outgoing_sign",
    ),
    path(
        "can-bo/van-ban/di/<int:pk>/dong-dau/<slug:step>/",
        views.outgoing_seal,
        name="outgoing_seal",
    ),
    path("can-bo/van-ban/so/<slug:kind>/", views.register_page, name="register"),
    path("can-bo/van-ban/so/<slug:kind>/<slug:fmt>/", views.register_file, name="register_file"),
    path("can-bo/van-ban/ho-so/", views.record_list, name="records"),
    path("can-bo/van-ban/ho-so/<int:pk>/", views.record_detail, name="record"),
    path(
        "can-bo/van-ban/ho-so/<int:pk>/rut/<int:item>/", views.record_detach, name="record_detach"
    ),
]
