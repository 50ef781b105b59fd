from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("ho-so-cua-toi/<str:code>/thanh-toan/<str:gateway>/", views.pay_start, name="start"),
    path(
        "ho-so-cua-toi/<str:code>/chuyen-khoan/<str:reference>/",
        views.transfer,
        name="transfer",
    ),
    path(
        "ho-so-cua-toi/<str:code>/bien-lai-thu-phi/<int:receipt_id>.pdf",
        views.my_receipt,
        name="my_receipt",
    ),
    path(
        "can-bo/ho-so/<str:code>/bien-lai-thu-phi/<int:receipt_id>.pdf",
        views.officer_receipt,
        name="officer_receipt",
    ),
    path("thanh-toan/vnpay/ket-qua/", views.vnpay_return, name="vnpay_return"),
    path("thanh-toan/vnpay/ipn/", views.vnpay_ipn, name="vnpay_ipn"),
    path("thanh-toan/ngan-hang/<str:bank>/", views.bank_webhook, name="bank_webhook"),
]
