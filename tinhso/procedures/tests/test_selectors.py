from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from tinhso.core.errors import DomainError, NotFound
from tinhso.procedures.models import OnlineMode
from tinhso.procedures.selectors import (
    form_fields,
    procedure_agencies,
    procedure_get,
    procedure_search,
    sectors_list,
)
from tinhso.testing.factories import make_agencies, make_judicial_record_procedure, make_sector
from tinhso.testing.factories import make_catalogue_procedure as make_procedure

# The search (accent folding, every word, ranking; FTS5 on SQLite, trigram on PostgreSQL) runs
# on both databases; the plain look-ups on SQLite only (docs/architecture.md).
pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    agencies = make_agencies()
    civil = make_sector()
    make_procedure("1.001193", "Đăng ký khai sinh", sector=civil)
    make_procedure("1.000656", "Đăng ký kết hôn", sector=civil, online_mode=OnlineMode.PARTIAL)
    make_procedure("1.000689", "Đăng ký lại khai sinh", sector=civil)
    make_procedure("2.000528", "Thủ tục đăng ký khai sinh có yếu tố nước ngoài", sector=civil)
    make_procedure("1.004884", "Cấp bản sao trích lục đăng ký khai sinh", sector=civil)
    make_judicial_record_procedure(agencies)
    make_procedure("1.000001", "Khai sinh đã bãi bỏ", sector=civil, is_active=False)
    return agencies


def codes(queryset) -> list[str]:
    return [procedure.code for procedure in queryset]


@pytest.mark.pg
@pytest.mark.parametrize("query", ["dang ky khai sinh", "DANG KY", "đăng ký", "Đăng Ký Khai Sinh"])
def test_accent_insensitive_search(catalogue, query):
    found = codes(procedure_search(user=AnonymousUser(), query=query))
    assert "1.001193" in found


@pytest.mark.pg
def test_every_word_must_occur(catalogue):
    found = codes(procedure_search(user=AnonymousUser(), query="khai sinh"))
    assert "1.000656" not in found  # kết hôn
    assert set(found) == {"1.001193", "1.000689", "2.000528", "1.004884"}
    assert codes(procedure_search(user=AnonymousUser(), query="khai sinh ket hon")) == []


@pytest.mark.pg
def test_names_starting_with_the_query_come_first(catalogue):
    found = codes(procedure_search(user=AnonymousUser(), query="dang ky khai sinh"))
    # "Đăng ký lại khai sinh" has every word but does not start with the phrase.
    assert found == ["1.001193", "2.000528", "1.004884", "1.000689"]


@pytest.mark.pg
def test_search_by_code(catalogue):
    assert codes(procedure_search(user=AnonymousUser(), query="2.000908")) == ["2.000908"]


@pytest.mark.pg
def test_inactive_procedures_only_for_staff(catalogue):
    assert "1.000001" not in codes(procedure_search(user=AnonymousUser(), query="khai sinh"))
    staff = get_user_model().objects.create_user("staff", is_staff=True)
    assert "1.000001" in codes(procedure_search(user=staff, query="khai sinh"))
    with pytest.raises(NotFound):
        procedure_get(user=AnonymousUser(), code="1.000001")
    assert procedure_get(user=staff, code="1.000001").code == "1.000001"


@pytest.mark.pg
def test_filters(catalogue):
    anonymous = AnonymousUser()
    assert codes(procedure_search(user=anonymous, sector="LLTP")) == ["2.000908"]
    assert codes(procedure_search(user=anonymous, level="province")) == ["2.000908"]
    assert "2.000908" not in codes(procedure_search(user=anonymous, level="commune"))
    assert codes(procedure_search(user=anonymous, online_mode="partial")) == ["1.000656"]
    assert codes(procedure_search(user=anonymous, level="district")) == []


def test_procedure_get(catalogue):
    procedure = procedure_get(user=AnonymousUser(), code="1.001193")
    assert [step.order for step in procedure.steps.all()] == [1, 2, 3]
    with pytest.raises(NotFound) as info:
        procedure_get(user=AnonymousUser(), code="9.999999")
    assert info.value.code == "unknown_procedure"


def test_sectors_count_active_procedures(catalogue):
    counts = {sector.code: sector.procedure_count for sector in sectors_list()}
    assert counts == {"HOTICH": 5, "LLTP": 1}


def test_procedure_agencies(catalogue):
    birth = procedure_get(user=AnonymousUser(), code="1.001193")
    resolved = procedure_agencies(birth, commune_unit=catalogue["commune"])
    assert resolved.receiving == catalogue["commune_committee"]
    assert resolved.deciding == catalogue["commune_committee"]
    with pytest.raises(DomainError) as info:
        procedure_agencies(birth)
    assert info.value.code == "commune_required"

    records = procedure_get(user=AnonymousUser(), code="2.000908")
    resolved = procedure_agencies(records)
    assert resolved.receiving == catalogue["service_centre"]
    assert resolved.deciding == catalogue["so_tu_phap"]

    catalogue["service_centre"].is_active = False
    catalogue["service_centre"].save()
    with pytest.raises(NotFound):
        procedure_agencies(records)


def test_form_fields_follow_x_order():
    schema = {
        "type": "object",
        "properties": {"b": {}, "a": {}, "c": {}},
        "x-order": ["c", "a", "b"],
    }
    assert [name for name, _sub in form_fields(schema)] == ["c", "a", "b"]
    assert form_fields({}) == []


@pytest.mark.pg
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigram index")
def test_trigram_index_exists():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'procedures_procedure_search_trgm'"
        )
        (definition,) = cursor.fetchone()
    assert "gin_trgm_ops" in definition
