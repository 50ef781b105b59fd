from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("thong-bao/", views.preferences, name="preferences"),
    path("thong-bao/bien-nhan/", views.receipt, name="receipt"),
]
