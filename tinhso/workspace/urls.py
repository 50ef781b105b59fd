from django.urls import path

from . import views

app_name = "workspace"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("tiep-nhan/", views.reception, name="reception"),
    path("ho-so/<str:code>/", views.dossier, name="dossier"),
    path("thong-ke/", views.statistics, name="statistics"),
]
