from django.urls import path

from . import views

app_name = "qna"

urlpatterns = [
    path("hoi-dap/", views.question_list, name="list"),
    path("hoi-dap/dat-cau-hoi/", views.ask, name="ask"),
    path("hoi-dap/cua-toi/", views.mine, name="mine"),
    path("hoi-dap/<int:pk>/", views.question_detail, name="detail"),
    path("can-bo/hoi-dap/", views.officer_list, name="officer_list"),
    path("can-bo/hoi-dap/<int:pk>/", views.answer, name="answer"),
]
