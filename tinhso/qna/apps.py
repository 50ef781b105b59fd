from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QnaConfig(AppConfig):
    name = "tinhso.qna"
    verbose_name = _("Questions and answers")
