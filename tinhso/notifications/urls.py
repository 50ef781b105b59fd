from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("thong-bao/", views.preferences, name="preferences"),
]
