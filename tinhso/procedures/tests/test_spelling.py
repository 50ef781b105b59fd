"""Search tolerates typos: a word the catalogue does not know becomes its nearest known word, the
same way on SQLite and PostgreSQL, and the vocabulary follows the catalogue's changes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tinhso.core.text import Vocabulary, edit_distance, typo_allowance
from tinhso.procedures.models import Procedure
from tinhso.procedures.selectors import catalogue_search, procedure_search, spelling_correction
from tinhso.testing.factories import make_catalogue_procedure as make_procedure
from tinhso.testing.factories import make_sector

pytestmark = [pytest.mark.django_db, pytest.mark.pg]


def test_edit_distance_counts_inserts_deletes_replacements_and_swaps():
    assert edit_distance("sih", "sinh") == 1  # insert
    assert edit_distance("sinnh", "sinh") == 1  # delete
    assert edit_distance("sonh", "sinh") == 1  # replace
    assert edit_distance("khia", "khai") == 1  # swap
    assert edit_distance("abc", "abc") == 0
    assert edit_distance("a", "xyz", limit=1) == 2  # "more than the limit"
    assert [typo_allowance(w) for w in ("a", "ki", "sinh", "chungthuc")] == [0, 1, 1, 2]


def test_vocabulary_replaces_unknown_words_only():
    texts = ["dang ky khai sinh", "dang ky ket hon", "dang ky khai tu", "chung thuc ban sao"]
    vocabulary = Vocabulary(texts)
    assert vocabulary.correct("khai sih") == "khai sinh"
    assert vocabulary.correct("dang ki khia sinh") == "dang ky khai sinh"
    assert vocabulary.correct("chung thucc") == "chung thuc"
    assert vocabulary.correct("khai sinh") == ""  # nothing to correct
    assert vocabulary.correct("khai si") == ""  # part of a word: search finds it as it is
    assert vocabulary.correct("zzzz") == ""  # no near word: searched as typed
    assert vocabulary.correct("1.00119") == ""  # codes are never corrected


def test_the_neighbouring_words_decide_between_equally_near_words():
    vocabulary = Vocabulary(["thuong tru", "tam tru", "giay trua", "nghi trua", "an trua"])
    assert vocabulary.nearest("truu") == "trua"  # the more frequent word, alone
    assert vocabulary.correct("thuong truu") == "thuong tru"  # "thuong tru" is a phrase
    assert vocabulary.correct("dang ki") == ""  # "ki" occurs in no word: nothing near either


def test_strict_mode_corrects_parts_of_words_too():
    vocabulary = Vocabulary(["dang ky ket hon", "kinh doanh"])
    assert vocabulary.correct("dang ki ket hon") == ""  # "ki" occurs in "kinh"
    assert vocabulary.correct("dang ki ket hon", strict=True) == "dang ky ket hon"


@pytest.fixture
def catalogue():
    civil = make_sector()
    make_procedure("1.001193", "Đăng ký khai sinh", sector=civil)
    make_procedure("1.000656", "Đăng ký kết hôn", sector=civil)
    make_procedure("1.000419", "Đăng ký khai tử", sector=civil)
    make_procedure("2.000815", "Chứng thực bản sao từ bản chính", sector=civil)


def test_a_typo_finds_the_procedure(catalogue):
    anonymous = AnonymousUser()
    assert list(procedure_search(user=anonymous, query="khai sih")) == []
    corrected = spelling_correction("khai sih")
    assert corrected == "khai sinh"
    found = procedure_search(user=anonymous, query=corrected)
    assert [p.code for p in found] == ["1.001193"]
    assert spelling_correction("Đăng ký kết hôn") == ""
    assert spelling_correction("chung thuc ban sau") == "chung thuc ban sao"


def test_a_word_inside_another_is_corrected_when_nothing_is_found(catalogue):
    anonymous = AnonymousUser()
    found = catalogue_search(user=anonymous, query="dang ki ket hon")
    assert found.corrected == "dang ky ket hon"
    assert [p.code for p in found.procedures] == ["1.000656"] and found.count == 1
    found = catalogue_search(user=anonymous, query="dang ky")
    assert found.corrected == "" and found.count == 3 and len(found.procedures) == 3


def test_the_vocabulary_follows_the_catalogue(catalogue):
    assert spelling_correction("nhan nuoi") == ""  # no such words yet
    procedure = make_procedure("1.003005", "Đăng ký nhận cha, mẹ, con", sector=make_sector("X"))
    assert spelling_correction("nhan chaa") == "nhan cha"
    procedure.name = "Đăng ký nuôi con nuôi"
    procedure.save()
    assert spelling_correction("nuoj con") == "nuoi con"
    Procedure.objects.filter(pk=procedure.pk).delete()
    assert spelling_correction("nuoj") == ""


def test_portal_search_says_which_words_it_searched(client, catalogue):
    response = client.get("/thu-tuc/", {"q": "khai sih"})
    page = response.content.decode()
    assert "Đăng ký khai sinh" in page
    assert "Hiển thị kết quả cho «khai sinh»" in page
    plain = client.get("/thu-tuc/", {"q": "khai sinh"}).content.decode()
    assert "Hiển thị kết quả cho" not in plain


def test_api_search_returns_the_corrected_query(client, catalogue):
    body = client.get("/api/procedures", {"query": "dang ki khia sinh"}).json()
    assert body["corrected_query"] == "dang ky khai sinh"
    assert [item["code"] for item in body["items"]] == ["1.001193"]
    assert client.get("/api/procedures", {"query": "ket hon"}).json()["corrected_query"] == ""
