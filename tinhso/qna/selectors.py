"""Reads of questions and answers, scoped to the acting user.

- Everyone sees the published answers (:func:`questions_published`), searched without diacritics
  on ``Question.search_text``: "khai sinh", "khái sinh" and "KHAI SINH" find "khai sinh".
- An asker sees their own questions in any state (:func:`questions_of_asker`).
- An officer sees the questions of the agencies they serve in a handling role, a province
  administrator all of them (:func:`questions_for_officer`). Anything else is "not found".

The rule is written once, in :mod:`tinhso.qna.access` (``Question.objects.restrict``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from tinhso.core.access import as_access
from tinhso.core.collation import vi_order
from tinhso.core.errors import NotFound
from tinhso.core.models import (
    AdministrativeUnit,
    Agency,
    AgencyLevel,
    ApplicantProfile,
    UnitLevel,
)
from tinhso.core.text import search_terms
from tinhso.procedures.models import Procedure, Sector

from .access import HANDLING_ROLES, PUBLISHED, officer_rule
from .access import officer_agencies as officer_agencies_of
from .models import Question, QuestionStatus

__all__ = [
    "HANDLING_ROLES",
    "OFFICER_FILTERS",
    "agencies_for_questions",
    "applicant_profile",
    "asker_profile",
    "communes_for_questions",
    "handled_agency_ids",
    "may_handle",
    "officer_agencies",
    "procedure_by_code",
    "procedures_for_questions",
    "question_get_for_officer",
    "question_get_published",
    "questions_for_officer",
    "questions_of_asker",
    "questions_published",
    "questions_related",
    "questions_waiting_count",
    "sectors_for_filter",
]

OFFICER_FILTERS = ("new", "answered", "rejected", "all")


def _search(queryset: QuerySet[Question], query: str) -> tuple[QuerySet[Question], bool]:
    """Every word must occur (accent-insensitively); title matches rank first."""
    terms = search_terms(query)
    if not terms:
        return queryset, False
    title_match = Q()
    for term in terms:
        queryset = queryset.filter(search_text__contains=term)
        title_match &= Q(search_title__contains=term)
    ranked = queryset.annotate(
        search_rank=Case(
            When(search_title__contains=" ".join(terms), then=Value(0)),
            When(title_match, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )
    return ranked, True


def questions_published(
    *,
    query: str = "",
    sector: str | None = None,
    procedure: str | None = None,
) -> QuerySet[Question]:
    """The public answers: newest first, or by relevance (phrase in title, words in title)."""
    queryset = Question.objects.filter(PUBLISHED).select_related(
        "procedure", "procedure__sector", "agency", "commune"
    )
    if sector:
        queryset = queryset.filter(procedure__sector__code=sector)
    if procedure:
        queryset = queryset.filter(procedure__code=procedure)
    queryset, ranked = _search(queryset, query)
    if ranked:
        return queryset.order_by("search_rank", "-answered_at", "-pk")
    return queryset.order_by("-answered_at", "-pk")


def questions_related(*, procedure: Procedure, limit: int = 5) -> list[Question]:
    """Published answers for a procedure's page: about the procedure first, then about other
    procedures of its sector; newest first within each."""
    same_procedure = Case(
        When(procedure_id=procedure.pk, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    queryset = (
        questions_published(sector=procedure.sector.code)
        .annotate(same_procedure=same_procedure)
        .order_by("same_procedure", "-answered_at", "-pk")
    )
    return list(queryset[:limit])


def question_get_published(*, pk: int) -> Question:
    question = (
        Question.objects.filter(PUBLISHED, pk=pk)
        .select_related("procedure", "procedure__sector", "agency", "commune")
        .first()
    )
    if question is None:
        raise NotFound("unknown_question", _("The question was not found."))
    return question


def questions_of_asker(*, user: Any) -> QuerySet[Question]:
    """'My questions': every question the user asked, newest first."""
    access = as_access(user)
    if not access.is_authenticated:
        return Question.objects.none()
    return (
        Question.objects.filter(asker=access.user)
        .select_related("procedure", "agency", "commune")
        .order_by("-created_at", "-pk")
    )


def handled_agency_ids(user: Any) -> set[int] | None:
    """The agencies whose questions the user handles; ``None`` means all (province admin)."""
    scope = officer_agencies_of(as_access(user))
    return None if scope is None else set(scope)


def may_handle(user: Any, agency_id: int) -> bool:
    agencies = officer_agencies_of(as_access(user))
    return agencies is None or agency_id in agencies


def _officer_scope(user: Any) -> QuerySet[Question]:
    return Question.objects.filter(officer_rule(as_access(user))).select_related(
        "procedure", "agency", "commune", "asker", "answered_by", "rejected_by"
    )


def questions_for_officer(
    *,
    user: Any,
    status: str = "new",
    query: str = "",
    agency_id: int | None = None,
    procedure: str | None = None,
) -> QuerySet[Question]:
    """The officer's list: waiting questions first (oldest first), then the rest, newest first.

    ``status`` is ``new``, ``answered``, ``rejected`` or ``all``; anything else lists nothing.
    """
    queryset = _officer_scope(user)
    if status not in OFFICER_FILTERS:
        return queryset.none()
    if status != "all":
        queryset = queryset.filter(status=status)
    if agency_id is not None:
        queryset = queryset.filter(agency_id=agency_id)
    if procedure:
        queryset = queryset.filter(procedure__code=procedure)
    for term in search_terms(query):
        queryset = queryset.filter(search_text__contains=term)
    queryset = queryset.annotate(
        waiting_rank=Case(
            When(status=QuestionStatus.NEW, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        waiting_since=Case(When(status=QuestionStatus.NEW, then=F("created_at"))),
    )
    return queryset.order_by(
        "waiting_rank", F("waiting_since").asc(nulls_last=True), "-created_at", "-pk"
    )


def questions_waiting_count(*, user: Any) -> int:
    return _officer_scope(user).filter(status=QuestionStatus.NEW).count()


def question_get_for_officer(*, user: Any, pk: int) -> Question:
    question = _officer_scope(user).filter(pk=pk).first()
    if question is None:
        raise NotFound("unknown_question", _("The question was not found."))
    return question


def asker_profile(question: Question) -> ApplicantProfile | None:
    """The asker's applicant profile, for the officer handling the question (never public)."""
    if question.asker_id is None:
        return None
    return ApplicantProfile.objects.filter(user_id=question.asker_id).select_related("unit").first()


def applicant_profile(user: Any) -> ApplicantProfile | None:
    """The signed-in user's own applicant profile (its commune preselects the ask form)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return ApplicantProfile.objects.filter(user_id=user.pk).select_related("unit").first()


def procedure_by_code(code: str) -> Procedure | None:
    """A procedure to filter the answers by; withdrawn ones too, their answers stay public."""
    return Procedure.objects.filter(code=code).select_related("sector").first()


def officer_agencies(*, user: Any) -> QuerySet[Agency]:
    """The agencies offered in the officer's filter: theirs, or (province admin) those asked."""
    agencies = handled_agency_ids(user)
    if agencies is None:
        return Agency.objects.filter(questions__isnull=False).distinct().order_by(vi_order("name"))
    return Agency.objects.filter(pk__in=agencies).order_by(vi_order("name"))


# --- choices for the forms -------------------------------------------------------------------


def procedures_for_questions() -> QuerySet[Procedure]:
    """Procedures in force, by sector then name (the ask form groups them by sector)."""
    return (
        Procedure.objects.filter(is_active=True)
        .select_related("sector")
        .order_by(vi_order("sector__name"), vi_order("name"), "code")
    )


def communes_for_questions() -> QuerySet[AdministrativeUnit]:
    """Today's communes and wards that have an active People's Committee to answer."""
    keys = Agency.objects.filter(
        is_active=True, level=AgencyLevel.COMMUNE_COMMITTEE, key__startswith="commune_"
    ).values_list("key", flat=True)
    codes = [key.removeprefix("commune_") for key in keys]
    return (
        AdministrativeUnit.objects.current()
        .filter(level=UnitLevel.COMMUNE, code__in=codes)
        .order_by(vi_order("name"), "code")
    )


def agencies_for_questions() -> QuerySet[Agency]:
    """Agencies a general question may go to: provincial agencies first, then communes."""
    return (
        Agency.objects.filter(is_active=True)
        .annotate(
            group=Case(
                When(level=AgencyLevel.COMMUNE_COMMITTEE, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("group", vi_order("name"))
    )


def sectors_for_filter() -> QuerySet[Sector]:
    """Every sector, with the number of its published answers (``answer_count``)."""
    published = Q(
        procedures__questions__is_published=True,
        procedures__questions__status=QuestionStatus.ANSWERED,
    )
    return Sector.objects.annotate(
        answer_count=Count("procedures__questions", filter=published)
    ).order_by(vi_order("name"))
