from django.urls import path

from . import views

app_name = "signatures"

urlpatterns = [
    path("kiem-tra-chu-ky/", views.validate, name="validate"),
]
