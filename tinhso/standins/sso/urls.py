from django.urls import include, path
from oauth2_provider import urls as dot_urls

from . import views

oauth2 = (dot_urls.base_urlpatterns[:2] + dot_urls.oidc_urlpatterns, "oauth2_provider")

urlpatterns = [
    path("", views.home),
    path("oauth2/", include(oauth2)),
    path("dang-nhap/", views.LoginView.as_view(), name="login"),
    path("control/", views.control_view),
    path("control/users", views.control_users),
    path("control/client", views.control_client),
]
