from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("phan-anh/", views.report_list, name="list"),
    path("can-bo/phan-anh/", views.officer_inbox, name="officer_inbox"),
]
