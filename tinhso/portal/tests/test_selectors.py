"""Portal reads: prefilled forms, most used procedures, what a dossier asks, public tracking."""

from __future__ import annotations

import pytest

from tinhso.core.errors import NotFound
from tinhso.dossiers import services as ds
from tinhso.dossiers.tests.factories import VALID_FORM, make_procedure
from tinhso.portal import selectors

pytestmark = pytest.mark.django_db

APPLICANT_FORM = {
    "type": "object",
    "required": ["ho_ten_nguoi_yeu_cau", "so_dinh_danh_nguoi_yeu_cau"],
    "properties": {
        "ho_ten_nguoi_yeu_cau": {"type": "string", "title": "Họ tên người yêu cầu"},
        "so_dinh_danh_nguoi_yeu_cau": {"type": "string", "pattern": "^[0-9]{12}$"},
        "so_dien_thoai": {"type": "string", "pattern": "^0[0-9]{9}$"},
        "so_tai_khoan": {"type": "string"},
        "ho_ten_tre": {"type": "string"},
        "ngay_cap": {"type": "string", "format": "date", "x-prefill": "applicant.date_of_birth"},
        "ghi_chu": {"type": "string", "x-reuse": True},
    },
}


def _procedure(code: str, schema: dict):
    proc = make_procedure(code=code)
    proc.form_schema = schema
    proc.save()
    return proc


def test_prefill_takes_the_profile_then_earlier_answers(world):
    import datetime as dt

    profile = world.citizen.applicant
    profile.date_of_birth = dt.date(1990, 5, 17)
    profile.save()
    earlier = _procedure("1.000010", {**APPLICANT_FORM, "required": []})
    ds.dossier_submit(
        actor=world.citizen,
        procedure=earlier,
        form_data={
            "ho_ten_nguoi_yeu_cau": "Tên cũ gõ sai",
            "so_dien_thoai": "0987000111",
            "so_tai_khoan": "123456789",
            "ho_ten_tre": "Bé Một",
            "ghi_chu": "Liên hệ buổi sáng",
        },
    )
    new = _procedure("1.000011", APPLICANT_FORM)
    data = selectors.prefill_form(user=world.citizen, procedure=new)
    assert data == {
        "ho_ten_nguoi_yeu_cau": "Nguyễn Văn Đức",  # the profile is the authority on identity
        "so_dinh_danh_nguoi_yeu_cau": "044090001234",
        "so_dien_thoai": "0987000111",  # the latest number the citizen gave
        "so_tai_khoan": "123456789",
        "ngay_cap": "1990-05-17",
        "ghi_chu": "Liên hệ buổi sáng",
    }  # the child's name of the earlier case is not carried over


def test_prefill_never_reads_someone_elses_dossiers(world):
    proc = _procedure("1.000012", {**APPLICANT_FORM, "required": []})
    ds.dossier_submit(
        actor=world.other_citizen, procedure=proc, form_data={"so_tai_khoan": "999999"}
    )
    assert "so_tai_khoan" not in selectors.prefill_form(user=world.citizen, procedure=proc)


def test_popular_procedures_rank_by_dossiers_and_fill_up_in_catalogue_order(world):
    second = _procedure("1.000020", {})
    second.name = "Chứng thực bản sao"
    second.save()
    assert [p.code for p in selectors.popular_procedures(user=None)] == ["1.000020", "1.001193"]
    ds.dossier_submit(actor=world.citizen, procedure=world.procedure, form_data=VALID_FORM)
    from django.core.cache import cache

    cache.clear()
    assert [p.code for p in selectors.popular_procedures(user=None)] == ["1.001193", "1.000020"]
    world.procedure.is_active = False
    world.procedure.save()
    assert [p.code for p in selectors.popular_procedures(user=None)] == ["1.000020"]


def test_communes_offered_are_those_with_a_committee(world):
    codes = set(selectors.communes_for_submission().values_list("code", flat=True))
    assert codes == {world.commune.code, "18859"}
    world.other_committee.is_active = False
    world.other_committee.save()
    assert list(selectors.communes_for_submission()) == [world.commune]


def test_asks_and_timeline_tell_the_applicant_what_to_do(world):
    dossier = ds.dossier_submit(
        actor=world.citizen, procedure=world.procedure, form_data=VALID_FORM
    )
    ds.dossier_receive(actor=world.desk, dossier=dossier)
    ds.dossier_request_supplement(
        actor=world.desk, dossier=dossier, reason="Ảnh mờ", items=["Giấy chứng sinh"]
    )
    dossier.refresh_from_db()
    ask = selectors.asks_for([dossier])[dossier.pk]
    assert (ask.kind, ask.reason, ask.items) == ("supplement", "Ảnh mờ", ("Giấy chứng sinh",))
    timeline = selectors.applicant_timeline(dossier)
    assert [str(item.label) for item in timeline] == [
        str(selectors.ACTION_LABELS[action])
        for action in ("submit", "receive", "request_supplement")
    ]
    assert timeline[-1].note == "Ảnh mờ (Giấy chứng sinh)"
    assert timeline[1].note == ""  # officers' internal notes are not shown


def test_my_dossier_get_and_public_view(world):
    dossier = ds.dossier_submit(
        actor=world.citizen, procedure=world.procedure, form_data=VALID_FORM
    )
    assert selectors.my_dossier_get(user=world.citizen, code=dossier.code) == dossier
    with pytest.raises(NotFound):
        selectors.my_dossier_get(user=world.other_citizen, code=dossier.code)
    with pytest.raises(NotFound):
        selectors.my_dossier_get(user=world.desk, code=dossier.code)
    view = selectors.dossier_public_by_code(f"  {dossier.code.lower()} ")
    assert view["code"] == dossier.code and view["status"] == 1
    assert not view["detailed"] and "timeline" not in view
    digits = dossier.applicant_id_number[-4:]
    view = selectors.dossier_public_by_code(dossier.code, id_number=digits)
    assert view["timeline"][0]["label"] == str(selectors.ACTION_LABELS["submit"])
    assert "Nguyễn" not in str(view)
    with pytest.raises(NotFound):
        selectors.dossier_public_by_code("")
