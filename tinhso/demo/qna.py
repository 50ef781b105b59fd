"""Demo questions and answers (``data/qna_<province>.json``), written through the services.

Idempotent: a question is identified by its asker and title, so a second run creates nothing.
Needs the demo province and catalogue (``load_demo`` runs this after ``load_demo_catalogue``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tinhso.core.errors import DomainError
from tinhso.core.models import AdministrativeUnit, Agency, UnitLevel
from tinhso.procedures.models import Procedure
from tinhso.qna.models import Question
from tinhso.qna.services import question_answer, question_ask

DATA_DIR = Path(__file__).resolve().parent / "data"


class DemoReport(NamedTuple):
    created: int
    unchanged: int


def _at(days_ago: int, hour: int, minute: int, today: dt.datetime) -> dt.datetime:
    local = timezone.localtime(today) - dt.timedelta(days=days_ago)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _lookup(model: Any, what: str, **filters: Any) -> Any:
    found = model.objects.filter(**filters).first()
    if found is None:
        raise DomainError(
            "demo_missing",
            _("The demo questions need %(what)s: run load_demo first.") % {"what": what},
        )
    return found


def load_demo_qna(province_code: str, *, today: dt.datetime | None = None) -> DemoReport:
    path = DATA_DIR / f"qna_{province_code}.json"
    if not path.exists():
        raise DomainError(
            "no_demo",
            _("No demo questions for province %(code)s.") % {"code": province_code},
        )
    data = json.loads(path.read_text("utf-8"))
    today = today or timezone.now()
    users = get_user_model().objects
    created = unchanged = 0
    with transaction.atomic():
        for item in data["questions"]:
            asker = _lookup(get_user_model(), item["asker"], username=item["asker"])
            if Question.objects.filter(asker=asker, title=item["title"]).exists():
                unchanged += 1
                continue
            procedure = None
            if item.get("procedure"):
                procedure = _lookup(Procedure, item["procedure"], code=item["procedure"])
            commune = None
            if item.get("commune"):
                commune = _lookup(
                    AdministrativeUnit,
                    item["commune"],
                    level=UnitLevel.COMMUNE,
                    code=item["commune"],
                    valid_to__isnull=True,
                )
            agency = None
            if item.get("agency"):
                agency = _lookup(Agency, item["agency"], key=item["agency"], is_active=True)
            question = question_ask(
                actor=asker,
                title=item["title"],
                body=item["body"],
                procedure=procedure,
                commune=commune,
                agency=agency,
                now=_at(item["asked_days_ago"], 9, 15, today),
            )
            if item.get("answer"):
                officer = users.filter(username=item["answered_by"]).first()
                if officer is None:
                    raise DomainError(
                        "demo_missing",
                        _("The demo questions need %(what)s: run load_demo first.")
                        % {"what": item["answered_by"]},
                    )
                question_answer(
                    actor=officer,
                    question=question,
                    answer=item["answer"],
                    publish=True,
                    now=_at(item["answered_days_ago"], 14, 30, today),
                )
            created += 1
    return DemoReport(created=created, unchanged=unchanged)
