"""Portal pages through the Django test client, including their error paths."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from tinhso.core.models import Agency, AgencyLevel, Role
from tinhso.core.services import officer_assign
from tinhso.core.templatetags.tinhso_format import vndatetime
from tinhso.dossiers import services as ds
from tinhso.dossiers.models import Dossier, DossierFile, FileKind, Rating, State
from tinhso.dossiers.tests.factories import VALID_FORM, make_procedure
from tinhso.portal.models import DraftFile, SubmissionDraft
from tinhso.procedures.models import AgencySlot, OnlineMode, Sector
from tinhso.testing.factories import pdf

pytestmark = pytest.mark.django_db


def _submitted(world, **extra) -> Dossier:
    component = world.procedure.components.get()
    return ds.dossier_submit(
        actor=world.citizen,
        procedure=world.procedure,
        form_data=VALID_FORM,
        uploads=[(component, pdf())],
        **extra,
    )


def _received(world) -> Dossier:
    dossier = _submitted(world)
    return ds.dossier_receive(actor=world.desk, dossier=dossier)


def _returned(world) -> Dossier:
    dossier = _received(world)
    ds.dossier_transfer(actor=world.desk, dossier=dossier)
    ds.dossier_transfer(actor=world.specialist, dossier=dossier)
    ds.dossier_approve(actor=world.leader, dossier=dossier)
    return ds.dossier_return_result(actor=world.desk, dossier=dossier)


def _procedure(code: str, *, sector: Sector | None = None, name: str = "", **values):
    proc = make_procedure(code=code, **values)
    proc.sector = sector or proc.sector
    proc.name = name or proc.name
    proc.save()
    return proc


def _submit_url(world, name="portal:submit", *args):
    return reverse(name, args=[world.procedure.code, *args])


# --- home and catalogue -------------------------------------------------------------------------


def test_home_lists_sectors_popular_procedures_and_the_boxes(client, world):
    other = make_procedure(code="1.000100")
    other.name = "Thủ tục chứng thực bản sao"
    other.save()
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    # No dossiers yet: the most used fall back to the catalogue order (by name).
    assert [p.code for p in response.context["popular"]] == ["1.000100", "1.001193"]
    assert f"/thu-tuc/?sector={world.procedure.sector.code}" in page
    # Issue 18 point 6: the name and its count are separate boxes (the count never wraps).
    name = escape(world.procedure.sector.name)
    assert re.search(
        rf'<span class="sector-name">{name}</span> <span class="sector-count">\(\d+\)<', page
    )
    assert 'action="/tra-cuu/"' in page and 'name="code"' in page
    assert 'action="/thu-tuc/"' in page and 'name="q"' in page


def test_home_ranks_procedures_by_dossiers(client, world):
    make_procedure(code="1.000100")
    _submitted(world)
    response = client.get("/")
    assert [p.code for p in response.context["popular"]][:1] == [world.procedure.code]


def test_search_ignores_accents_and_filters(client, world):
    sector = Sector.objects.create(code="DATDAI", name="Đất đai")
    _procedure("1.000200", sector=sector, name="Đăng ký đất đai lần đầu")
    response = client.get("/thu-tuc/", {"q": "dang ky khai sinh"})
    assert response.status_code == 200
    codes = [p.code for p in response.context["page"]]
    assert world.procedure.code in codes
    assert "Thủ tục đăng ký khai sinh" in response.content.decode()
    by_sector = client.get("/thu-tuc/", {"sector": "DATDAI"})
    assert [p.code for p in by_sector.context["page"]] == ["1.000200"]
    by_level = client.get("/thu-tuc/", {"level": "province"})
    assert list(by_level.context["page"]) == []
    bad_level = client.get("/thu-tuc/", {"level": "galaxy"})
    assert bad_level.context["level"] == "" and len(bad_level.context["page"]) == 2
    nothing = client.get("/thu-tuc/", {"q": "khong co thu tuc nay"})
    assert list(nothing.context["page"]) == []


def test_search_answers_htmx_with_the_results_only(client, world):
    response = client.get(
        "/thu-tuc/", {"q": "khai sinh"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and "<h1" not in page
    assert 'hx-swap-oob="innerHTML"' in page  # the result count is updated beside the list
    assert "HX-Request" in response["Vary"]
    full = client.get("/thu-tuc/", {"q": "khai sinh"}).content.decode()
    assert 'hx-get="/thu-tuc/"' in full and "keyup changed delay" in full


def test_search_paginates(client, world):
    sector = world.procedure.sector
    for n in range(25):
        _procedure(f"1.{n:06d}", sector=sector)
    first = client.get("/thu-tuc/", {"sector": sector.code})
    assert len(first.context["page"]) == 20 and first.context["page"].has_next()
    second = client.get("/thu-tuc/", {"sector": sector.code, "page": 2})
    assert len(second.context["page"]) == 6
    assert f"sector={sector.code}&amp;page=1" in second.content.decode()


def test_search_past_the_last_page_shows_the_last_one(client, world):
    sector = world.procedure.sector
    for n in range(25):
        _procedure(f"1.{n:06d}", sector=sector)
    past = client.get("/thu-tuc/", {"sector": sector.code, "page": 9})
    assert past.context["page"].number == 2 and len(past.context["page"]) == 6
    assert past.context["page"].paginator.count == 26
    for odd in ("0", "-1", "x"):
        assert client.get("/thu-tuc/", {"page": odd}).context["page"].number == 1


def test_search_page_reads_results_and_count_in_one_query(
    client, world, settings, django_assert_num_queries
):
    """One query for the results and their number; the sector filter and the drawn rows are
    kept (``TINHSO_CATALOGUE_CACHE_SECONDS``), and a procedure that changes shows at once."""
    from django.core.cache import cache

    settings.TINHSO_CATALOGUE_CACHE_SECONDS = 60
    cache.clear()
    sector = Sector.objects.create(code="DATDAI", name="Đất đai")
    land = _procedure("1.000200", sector=sector, name="Đăng ký đất đai lần đầu")
    first = client.get("/thu-tuc/", {"q": "dat dai"})
    assert {"code": "DATDAI", "name": "Đất đai"} in first.context["sectors"]
    assert "Đăng ký đất đai lần đầu" in first.content.decode()
    with django_assert_num_queries(1):
        again = client.get("/thu-tuc/", {"q": "dat dai"})

    def rows(response):
        return re.search(r'<ul class="list results">.*?</ul>', response.content.decode(), re.S)[0]

    assert rows(again) == rows(first)
    assert 'value="DATDAI"' in again.content.decode()
    land.name = "Đăng ký đất đai lần đầu (cấp xã)"
    land.save()
    renamed = client.get("/thu-tuc/", {"q": "dat dai"}).content.decode()
    assert "Đăng ký đất đai lần đầu (cấp xã)" in renamed
    cache.clear()


def test_procedure_page_explains_and_offers_online_submission(client, world):
    response = client.get(f"/thu-tuc/{world.procedure.code}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="submit-online"' in page
    assert _("Submit online") in page
    assert "Giấy chứng sinh" in page
    assert "3" in response.context["procedure"].processing_days.to_eng_string()
    assert response.context["where"].at_commune
    assert response.context["where"].own_committee is None  # anonymous: no commune known


def test_procedure_page_names_the_citizens_own_committee(citizen_client, world):
    response = citizen_client.get(f"/thu-tuc/{world.procedure.code}/")
    assert response.context["where"].own_committee == world.committee
    assert world.committee.name in response.content.decode()


def test_counter_only_procedure_says_where_to_go(client, world):
    centre = Agency.objects.create(
        code="H44.20", name="Trung tâm Phục vụ hành chính công", key="service_centre",
        level=AgencyLevel.SERVICE_CENTRE, unit=world.province, address="Đồng Hới",
    )  # fmt: skip
    department = Agency.objects.create(
        code="H44.03", name="Sở Tư pháp", key="so_tu_phap",
        level=AgencyLevel.PROVINCE_DEPARTMENT, unit=world.province,
    )  # fmt: skip
    proc = make_procedure(code="2.000300", online_mode=OnlineMode.COUNTER, fee=150000)
    proc.at_commune, proc.at_province = False, True
    proc.receiving_slot = AgencySlot.SERVICE_CENTRE
    proc.deciding_slot, proc.deciding_department = AgencySlot.DEPARTMENT, department
    proc.save()
    page = client.get(f"/thu-tuc/{proc.code}/").content.decode()
    assert 'data-testid="submit-online"' not in page
    assert centre.name in page and "Đồng Hới" in page and department.name in page
    assert "150.000 ₫" in page


def test_unknown_procedure_is_404(client, world):
    response = client.get("/thu-tuc/9.999999/")
    assert response.status_code == 404
    assert "9.999999" in response.content.decode()


# --- online submission ----------------------------------------------------------------------------


def test_submission_needs_login(client, world):
    response = client.get(_submit_url(world))
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=")


def test_an_officer_cannot_submit_as_a_citizen(client, world):
    client.force_login(world.desk)
    response = client.get(_submit_url(world))
    assert response.status_code == 403
    response = client.post(_submit_url(world), {"f-child_name": "X", "action": "continue"})
    assert response.status_code == 403
    assert not SubmissionDraft.objects.exists()
    page = client.get(f"/thu-tuc/{world.procedure.code}/").content.decode()
    assert 'data-testid="submit-online"' not in page


def test_form_renders_each_field_with_label_and_required_mark(citizen_client, world):
    response = citizen_client.get(_submit_url(world))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<label for="f-child_name" class="required">Họ, chữ đệm và tên</label>' in page
    assert 'type="date" id="f-birth_date"' in page
    assert 'type="radio" id="f-sex-2" name="f-sex" value="Nữ"' in page
    assert f'<option value="{world.commune.code}" selected>' in page
    component = world.procedure.components.get()
    assert f'data-testid="upload-{component.pk}"' in page
    assert f'<label for="upload-{component.pk}" class="required">Giấy chứng sinh</label>' in page
    assert 'data-progress="upload-progress"' in page
    assert not SubmissionDraft.objects.exists()  # reading the form writes nothing


def test_bad_form_data_is_shown_in_vietnamese_and_kept_in_the_draft(citizen_client, world):
    response = citizen_client.post(
        _submit_url(world),
        {"commune": world.commune.code, "f-child_name": "A", "f-birth_date": "31/02/2026",
         "action": "continue"},
    )  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    assert 'aria-invalid="true"' in page and "data-error-summary" in page
    assert _("Enter a valid date (YYYY-MM-DD).") in page
    assert _("This field is required.") in page  # sex
    assert _("Attach this document.") in page
    assert 'value="A"' in page  # nothing typed is lost
    draft = SubmissionDraft.objects.get()
    assert draft.form_data == {"child_name": "A", "birth_date": "31/02/2026"}
    assert not Dossier.objects.exists()


def test_a_chosen_document_is_kept_after_a_validation_error(citizen_client, world):
    """Issue 18 point 9: the document chosen with a form that fails validation is kept in the
    draft and listed in the form shown again (nothing to choose twice), also when a value is
    too long to be kept."""
    component = world.procedure.components.get()
    for field, value in (("f-birth_date", "31/02/2026"), ("f-child_name", "x" * 101)):
        DraftFile.objects.all().delete()
        response = citizen_client.post(
            _submit_url(world),
            {**{f"f-{k}": v for k, v in VALID_FORM.items()}, "commune": world.commune.code,
             field: value, f"file-{component.pk}": pdf("giay-chung-sinh.pdf"),
             "action": "continue"},
        )  # fmt: skip
        assert response.status_code == 200 and "data-error-summary" in response.content.decode()
        kept = DraftFile.objects.get(component=component)
        assert kept.original_name == "giay-chung-sinh.pdf"
        assert kept.original_name in response.content.decode()
    assert not Dossier.objects.exists()


def test_a_future_birth_date_and_a_short_id_number_are_explained(citizen_client, world):
    """Issue 18 point 7: the schema's ``formatMaximum: today`` refuses a birth date in 2030 (and
    tells the date input its latest day); a 3-digit ID number is told it needs 12 digits."""
    procedure = type(world.procedure).objects.get(pk=world.procedure.pk)  # the world's is shared
    schema = procedure.form_schema
    schema["properties"]["birth_date"]["formatMaximum"] = "today"
    schema["properties"]["father_id"] = {
        "type": "string",
        "title": "Số định danh cha",
        "pattern": "^[0-9]{12}$",
        "format": "personal-id",
    }
    schema["x-order"] = [*schema.get("x-order", schema["properties"]), "father_id"]
    schema["x-order"] = list(dict.fromkeys(schema["x-order"]))
    procedure.save(update_fields=["form_schema"])
    page = citizen_client.get(_submit_url(world)).content.decode()
    assert f'max="{timezone.localdate().isoformat()}"' in page
    response = citizen_client.post(
        _submit_url(world),
        {"commune": world.commune.code, "f-child_name": "Nguyễn An", "f-birth_date": "14/02/2030",
         "f-sex": "Nam", "f-father_id": "123", "action": "continue"},
    )  # fmt: skip
    page = response.content.decode()
    assert _("This date cannot be in the future.") in page
    assert (
        escape(
            _("A personal ID number has exactly 12 digits; %(count)d were entered.") % {"count": 3}
        )
        in page
    )
    assert _("The value does not have the expected format.") not in page
    assert not Dossier.objects.exists()


def test_a_bad_upload_is_refused_with_a_message(citizen_client, world):
    component = world.procedure.components.get()
    fake = SimpleUploadedFile("scan.pdf", b"plain text, not a PDF", content_type="application/pdf")
    response = citizen_client.post(
        _submit_url(world),
        {**{f"f-{k}": v for k, v in VALID_FORM.items()}, "commune": world.commune.code,
         f"file-{component.pk}": fake, "action": "continue"},
    )  # fmt: skip
    assert response.status_code == 200
    message = _(
        "Only PDF, JPEG and PNG files are accepted; this file's content is not one of them."
    )
    assert escape(message) in response.content.decode()
    assert not DraftFile.objects.exists()


def test_unknown_commune_is_refused(citizen_client, world):
    component = world.procedure.components.get()
    response = citizen_client.post(
        _submit_url(world),
        {**{f"f-{k}": v for k, v in VALID_FORM.items()}, "commune": "99999",
         f"file-{component.pk}": pdf(), "action": "continue"},
    )  # fmt: skip
    assert response.status_code == 200
    assert _("Choose a commune of the province.") in response.content.decode()


def test_save_draft_keeps_everything_for_later(citizen_client, world):
    response = citizen_client.post(
        _submit_url(world),
        {"f-child_name": "Bé Na", "commune": world.commune.code, "action": "save"},
    )
    assert response.status_code == 302
    page = citizen_client.get(_submit_url(world)).content.decode()
    assert 'value="Bé Na"' in page
    assert "Thủ tục đăng ký khai sinh" in citizen_client.get("/ho-so-cua-toi/").content.decode()


def test_an_over_long_value_is_refused_in_vietnamese_and_not_kept(citizen_client, world):
    for action in ("save", "continue"):
        response = citizen_client.post(
            _submit_url(world),
            {"f-child_name": "x" * 101, "commune": world.commune.code, "action": action},
        )
        assert response.status_code == 200
        assert "Nhập tối đa 100 ký tự." in response.content.decode()
        assert not SubmissionDraft.objects.filter(form_data__child_name="x" * 101).exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=2048)
def test_a_form_post_over_the_body_cap_is_a_413_page_in_vietnamese(citizen_client, world):
    response = citizen_client.post(
        _submit_url(world), {"f-birth_place": "x" * 2049, "action": "save"}
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "Yêu cầu quá lớn" in response.content.decode()
    assert not SubmissionDraft.objects.exists()


def test_full_submission_with_review_receipt_and_no_double_dossier(citizen_client, world):
    component = world.procedure.components.get()
    response = citizen_client.post(
        _submit_url(world),
        {**{f"f-{k}": v for k, v in VALID_FORM.items()}, "commune": world.commune.code,
         f"file-{component.pk}": pdf(), "action": "continue"},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == _submit_url(world, "portal:submit_review")
    review = citizen_client.get(response["Location"])
    page = review.content.decode()
    assert review.status_code == 200
    assert "Nguyễn Thị Bảo Ngọc" in page and "01/03/2026" in page
    assert "giay-chung-sinh.pdf" in page and world.committee.name in page
    key = SubmissionDraft.objects.get().idempotency_key
    assert f'value="{key}"' in page
    done = citizen_client.post(_submit_url(world, "portal:submit_review"), {"idempotency_key": key})
    dossier = Dossier.objects.get()
    assert done.status_code == 302
    assert done["Location"] == reverse("portal:receipt", args=[dossier.code])
    # The same request again (double click, refresh): no second dossier.
    again = citizen_client.post(
        _submit_url(world, "portal:submit_review"), {"idempotency_key": key}
    )
    assert again["Location"] == done["Location"]
    assert Dossier.objects.count() == 1
    assert DossierFile.objects.filter(dossier=dossier).count() == 1
    receipt = citizen_client.get(done["Location"])
    page = receipt.content.decode()
    assert f'data-testid="dossier-code">{dossier.code}<' in page
    assert reverse("portal:dossier_form", args=[dossier.code, "bm01"]) in page
    assert re.search(r"\d\d/\d\d/\d{4}", page)  # the expected date, dd/mm/yyyy


def test_online_submission_past_the_hourly_rate_is_refused_in_vietnamese(
    citizen_client, world, settings, rate_clock
):
    """Issue 17: the portal shares the API's per-applicant limit; the draft stays for later."""
    settings.TINHSO_RATE_SUBMISSIONS = "1/h"
    _submitted(world)  # the hour's one online submission
    component = world.procedure.components.get()
    citizen_client.post(
        _submit_url(world),
        {**{f"f-{k}": v for k, v in VALID_FORM.items()}, "commune": world.commune.code,
         f"file-{component.pk}": pdf(), "action": "continue"},
    )  # fmt: skip
    draft = SubmissionDraft.objects.get()
    refused = citizen_client.post(
        _submit_url(world, "portal:submit_review"), {"idempotency_key": draft.idempotency_key}
    )
    assert refused.status_code == 429 and refused["Retry-After"] == "2070"
    assert "nộp trực tuyến quá nhiều hồ sơ" in refused.content.decode()
    assert Dossier.objects.count() == 1 and SubmissionDraft.objects.filter(pk=draft.pk).exists()


def test_review_without_a_complete_draft_goes_back_to_the_form(citizen_client, world):
    response = citizen_client.get(_submit_url(world, "portal:submit_review"))
    assert response.status_code == 302 and response["Location"] == _submit_url(world)
    citizen_client.post(_submit_url(world), {"f-child_name": "Na", "action": "save"})
    response = citizen_client.get(_submit_url(world, "portal:submit_review"))
    assert response.status_code == 200
    assert _("Attach this document.") in response.content.decode()
    response = citizen_client.post(
        _submit_url(world, "portal:submit_review"), {"idempotency_key": "x"}
    )
    assert response.status_code == 200
    assert not Dossier.objects.exists()


def test_htmx_upload_and_removal_of_one_component(citizen_client, world):
    component = world.procedure.components.get()
    url = _submit_url(world, "portal:submit_upload", component.pk)
    response = citizen_client.post(
        url, {f"file-{component.pk}": pdf("khai-sinh.pdf")}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert f'id="component-{component.pk}"' in page and "khai-sinh.pdf" in page
    bad = citizen_client.post(
        url,
        {f"file-{component.pk}": SimpleUploadedFile("x.png", b"\x89PNG broken")},
        headers={"HX-Request": "true"},
    )
    assert _("The image file is damaged or unreadable.") in bad.content.decode()
    assert DraftFile.objects.get().original_name == "khai-sinh.pdf"  # the good file stays
    removed = citizen_client.post(
        _submit_url(world, "portal:submit_remove", component.pk), headers={"HX-Request": "true"}
    )
    assert removed.status_code == 200 and "khai-sinh.pdf" not in removed.content.decode()
    assert not DraftFile.objects.exists()
    # Without JavaScript the removal posts a small form and comes back to the page.
    citizen_client.post(url, {f"file-{component.pk}": pdf()})
    plain = citizen_client.post(_submit_url(world, "portal:submit_remove", component.pk))
    assert plain.status_code == 302 and not DraftFile.objects.exists()
    assert (
        citizen_client.post(_submit_url(world, "portal:submit_upload", 999999)).status_code == 404
    )


def test_counter_only_procedure_refuses_online_submission(citizen_client, world):
    world.procedure.online_mode = OnlineMode.COUNTER
    world.procedure.save()
    response = citizen_client.get(_submit_url(world))
    assert response.status_code == 400
    assert _("This procedure cannot be submitted online; please come to the desk.") in (
        response.content.decode()
    )


# --- my dossiers --------------------------------------------------------------------------------


def test_my_dossiers_lists_only_mine_with_what_is_asked(citizen_client, world):
    supplement = _received(world)
    ds.dossier_request_supplement(
        actor=world.desk, dossier=supplement, reason="Ảnh chụp bị mờ", items=["Giấy chứng sinh"]
    )
    fees = _received(world)
    ds.dossier_request_fees(actor=world.desk, dossier=fees, amount_vnd=1250000)
    others = ds.dossier_submit(
        actor=world.other_citizen, procedure=world.procedure, form_data=VALID_FORM
    )
    response = citizen_client.get("/ho-so-cua-toi/")
    page = response.content.decode()
    assert response.status_code == 200
    assert supplement.code in page and fees.code in page and others.code not in page
    assert "Ảnh chụp bị mờ" in page and "Giấy chứng sinh" in page
    assert "1.250.000 ₫" in page
    assert 'class="badge s5"' in page and 'class="badge s6"' in page


def test_another_citizens_dossier_is_404_everywhere(citizen_client, world):
    others = ds.dossier_submit(
        actor=world.other_citizen,
        procedure=world.procedure,
        form_data=VALID_FORM,
        uploads=[(world.procedure.components.get(), pdf())],
    )
    file_id = others.files.get().pk
    for url in [
        f"/ho-so-cua-toi/{others.code}/",
        f"/ho-so-cua-toi/{others.code}/bien-nhan/",
        f"/ho-so-cua-toi/{others.code}/tep/{file_id}/",
        f"/ho-so-cua-toi/{others.code}/phieu/bm01.pdf",
    ]:
        assert citizen_client.get(url).status_code == 404, url
    response = citizen_client.post(f"/ho-so-cua-toi/{others.code}/rut-ho-so/", {"reason": "x"})
    assert response.status_code == 404
    others.refresh_from_db()
    assert others.state == State.SUBMITTED


def test_my_dossier_page_shows_data_files_timeline_and_status(citizen_client, world):
    dossier = _submitted(world)
    response = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="status"' in page and 'class="badge s1"' in page
    assert "Nguyễn Thị Bảo Ngọc" in page  # form data, with the schema's titles
    assert "Họ, chữ đệm và tên" in page
    file_url = reverse("portal:dossier_file", args=[dossier.code, dossier.files.get().pk])
    assert file_url in page
    assert _("Withdraw dossier") in page  # possible before reception
    assert _("Send supplement") not in page and _("Send rating") not in page
    download = citizen_client.get(file_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/phieu/bm05.pdf").status_code == 404


def test_receipt_pdf_downloads(citizen_client, world):
    dossier = _submitted(world)
    response = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/phieu/bm01.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_withdraw_needs_a_reason(citizen_client, world):
    dossier = _submitted(world)
    url = f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/"
    response = citizen_client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert _("Please give the reason.") in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED
    response = citizen_client.post(url, {"reason": "Nộp nhầm thủ tục"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.WITHDRAW_REQUESTED
    again = citizen_client.post(url, {"reason": "Nộp nhầm"})
    assert _("This is not possible for the dossier now.") in again.content.decode()
    assert dossier.events.filter(action="withdraw").count() == 1


def test_an_over_long_withdraw_reason_is_refused_in_vietnamese(citizen_client, world):
    dossier = _submitted(world)
    url = f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/"
    response = citizen_client.post(url, {"reason": "x" * 2001})
    assert response.status_code == 200
    assert "Nội dung quá dài: tối đa 2000 ký tự (hiện có 2001)." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED
    assert not dossier.events.filter(action="withdraw").exists()


def test_supplement_upload(citizen_client, world):
    dossier = _received(world)
    ds.dossier_request_supplement(actor=world.desk, dossier=dossier, reason="Thiếu trang 2")
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert _("Send supplement") in page and "Thiếu trang 2" in page
    # Issue 18 point 4: while the clock stands still the page says so, not the old appointment.
    dossier.refresh_from_db()
    assert 'data-testid="clock-stopped"' in page
    assert vndatetime(dossier.appointment_at) not in page
    url = f"/ho-so-cua-toi/{dossier.code}/bo-sung/"
    empty = citizen_client.post(url, {"note": "đây"})
    assert empty.status_code == 200
    assert _("Attach at least one document.") in empty.content.decode()
    bad = citizen_client.post(url, {"files": [SimpleUploadedFile("a.pdf", b"nope")]})
    assert bad.status_code == 200
    dossier.refresh_from_db()
    assert dossier.state == State.SUPPLEMENT_REQUESTED
    component = world.procedure.components.get()
    ok = citizen_client.post(
        url, {"files": [pdf("trang-2.pdf")], "component": component.pk, "note": "Bổ sung trang 2"}
    )
    assert ok.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.SUPPLEMENT_SUBMITTED
    record = dossier.files.get(kind=FileKind.SUPPLEMENT)
    assert record.original_name == "trang-2.pdf" and record.component == component
    # Issue 16 point 3: the clock runs again from the arrival; the citizen sees "processing".
    assert dossier.status == 4 and dossier.clock_stopped_at is None
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert 'class="badge s4"' in page and 'data-testid="clock-stopped"' not in page
    # Each supplement file keeps its document type on the citizen's page.
    files = page[page.index('id="files-title"') :]
    assert f"{component.name} · {_('Supplement')}" in files
    # The officer's inbox counts it apart: supplied, waiting for the check, not "waiting".
    desk = Client()
    desk.force_login(world.desk)
    inbox = desk.get(reverse("workspace:inbox"), {"box": "supplement_check"})
    tabs = dict((name, count) for name, _label, count in inbox.context["tabs"])
    assert (tabs["supplement_check"], tabs["waiting_supplement"]) == (1, 0)
    assert f'data-code="{dossier.code}"' in inbox.content.decode()
    assert _("Supplemented, waiting for check") in inbox.content.decode()


def test_pages_state_how_time_is_counted(citizen_client, world, monkeypatch):
    """Issue 16 point 9: the procedure page and the dossier page state the province's 8-hour day
    and the 15:00 cut-off; a dossier received after it counts from the next working day."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from tinhso.core.templatetags.tinhso_format import vndatetime

    rule = _(
        "Time limits count working days of %(hours)s hours (%(periods)s); a dossier "
        "received after %(cutoff)s or on a day off counts as received at the start of the "
        "next working day."
    ) % {"hours": "8", "periods": "07:00–11:30, 13:30–17:00", "cutoff": "15:00"}
    page = citizen_client.get(f"/thu-tuc/{world.procedure.code}/").content.decode()
    assert escape(rule) in page
    friday = dt.datetime(2026, 12, 4, 15, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    monkeypatch.setattr("django.utils.timezone.now", lambda: friday)
    dossier = _received(world)
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    monday = vndatetime(friday + dt.timedelta(days=3, hours=-8, minutes=-30))  # Mon 07:00
    assert escape(_("Time counted from %(when)s.") % {"when": monday}) in page
    assert escape(rule) in page


def test_the_applicant_sees_how_to_pay_and_cannot_declare_a_payment(citizen_client, world):
    dossier = _received(world)
    agency = dossier.receiving_agency
    agency.address = "Số 1 Hùng Vương, Phường Đồng Hới"
    agency.phone = "0232 3822 123"
    agency.save()
    ds.dossier_request_fees(actor=world.desk, dossier=dossier, amount_vnd=50000)
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    how = page[page.index('data-testid="how-to-pay"') :]
    assert _("How to pay the fees") in page
    assert "50.000" in how and agency.name in how and agency.address in how
    assert agency.phone in how and dossier.code in how
    # No form declares a payment: the only forms start an online payment at a gateway, which
    # alone confirms it (tinhso/payments).
    actions = set(re.findall(r'action="(/ho-so-cua-toi/[^"]*thanh-toan[^"]*)"', page))
    assert actions <= {
        f"/ho-so-cua-toi/{dossier.code}/thanh-toan/vnpay/",
        f"/ho-so-cua-toi/{dossier.code}/thanh-toan/vietqr/",
    }
    # The former declaration route is gone; the fee stays unpaid until the desk records it.
    assert citizen_client.post(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/").status_code == 404
    dossier.refresh_from_db()
    assert (dossier.state, dossier.paid_vnd) == (State.FEES_REQUESTED, 0)
    ds.dossier_record_counter_payment(actor=world.desk, dossier=dossier, reference="BL-000123")
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert 'data-testid="how-to-pay"' not in page
    dossier.refresh_from_db()
    assert (dossier.state, dossier.paid_vnd, dossier.paid_online) == (State.RECEIVED, 50000, False)


def test_rating_after_the_result_is_returned(citizen_client, world):
    dossier = _submitted(world)
    url = f"/ho-so-cua-toi/{dossier.code}/danh-gia/"
    early = citizen_client.post(url, {"score": "3"})  # not returned yet
    assert _("This is not possible for the dossier now.") in early.content.decode()
    assert not Rating.objects.exists()
    dossier = _returned(world)
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert _("Send rating") in page and 'class="badge s10"' in page
    url = f"/ho-so-cua-toi/{dossier.code}/danh-gia/"
    bad = citizen_client.post(url, {"score": "7"})
    assert bad.status_code == 200
    assert _("Choose one of the satisfaction levels.") in bad.content.decode()
    assert citizen_client.post(url, {"score": "3", "comment": "Nhanh, gọn"}).status_code == 302
    rating = Rating.objects.get(dossier=dossier)
    assert rating.score == 3 and rating.comment == "Nhanh, gọn"
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert _("Send rating") not in page and "Nhanh, gọn" in page


def test_result_files_can_be_downloaded(citizen_client, world):
    dossier = _received(world)
    ds.dossier_transfer(actor=world.desk, dossier=dossier)
    result = ds.dossier_attach_result(actor=world.specialist, dossier=dossier, upload=pdf("kq.pdf"))
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    url = reverse("portal:dossier_file", args=[dossier.code, result.pk])
    assert url in page
    assert citizen_client.get(url).status_code == 200


def test_a_ready_result_comes_first_then_the_rating(citizen_client, world):
    """Issue 18 point 5: the result's download is the page's first section, before the rating."""
    dossier = _received(world)
    ds.dossier_transfer(actor=world.desk, dossier=dossier)
    ds.dossier_attach_result(actor=world.specialist, dossier=dossier, upload=pdf("kq.pdf"))
    ds.dossier_transfer(actor=world.specialist, dossier=dossier)
    ds.dossier_approve(actor=world.leader, dossier=dossier)
    ds.dossier_return_result(actor=world.desk, dossier=dossier)
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    result = page.index('data-testid="result"')
    assert "kq.pdf" in page[result : page.index("</section>", result)]
    assert result < page.index('id="rate"') < page.index('id="info-title"')


def test_officers_see_no_citizen_dossier_pages(client, world):
    dossier = _submitted(world)
    client.force_login(world.desk)  # the desk may see it in the workspace, not as "mine"
    assert client.get(f"/ho-so-cua-toi/{dossier.code}/").status_code == 404


def test_stock_messages_read_as_plain_vietnamese(client, world):
    """Issue 18 point 7: a failed login and a number under its minimum (the counter's copies)
    are told in the project's words, not Django's stock text (which has a stray space)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import MinValueValidator
    from django.utils import translation

    page = client.post("/dang-nhap/", {"username": "khong-co", "password": "sai"}).content.decode()
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in page
    with translation.override("vi"), pytest.raises(ValidationError) as low:
        MinValueValidator(1)(0)
    assert low.value.messages == ["Giá trị phải lớn hơn hoặc bằng 1."]


def test_my_dossiers_needs_login(client, world):
    assert client.get("/ho-so-cua-toi/").status_code == 302


# --- public tracking ----------------------------------------------------------------------------


def test_tracking_shows_status_without_personal_data(client, world):
    dossier = _received(world)
    assert client.get("/tra-cuu/").status_code == 200
    response = client.get("/tra-cuu/", {"code": dossier.code.lower()})
    assert response.status_code == 302 and response["Location"] == f"/tra-cuu/{dossier.code}/"
    page = client.get(response["Location"]).content.decode()
    assert 'class="badge s2"' in page and dossier.code in page
    assert world.committee.name not in page  # the code alone: the status only
    details = client.post(response["Location"], {"id_last4": "1234"}).content.decode()
    assert world.committee.name in details
    for personal in ["Nguyễn Văn Đức", "044090001234", "0912345678", "Nguyễn Thị Bảo Ngọc"]:
        assert personal not in page and personal not in details


def test_unknown_tracking_code_is_a_clear_404(client, world):
    response = client.get("/tra-cuu/H44.99-000000-0000/")
    assert response.status_code == 404
    assert "H44.99-000000-0000" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    bad = client.get("/tra-cuu/", {"code": "a/b"})
    assert bad.status_code == 200 and _("Enter a valid dossier code.") in bad.content.decode()


def test_desk_can_be_assigned_without_affecting_citizen_pages(client, world):
    """A citizen who is also made an officer loses the right to submit as a citizen."""
    officer_assign(actor=None, user=world.citizen, agency=world.committee, role=Role.SPECIALIST)
    client.force_login(world.citizen)
    assert client.get(_submit_url(world)).status_code == 403


def test_my_dossier_keeps_the_first_receipt_and_the_current_one(citizen_client, world):
    dossier = ds.dossier_transfer(actor=world.desk, dossier=_received(world))
    ds.dossier_extend(actor=world.specialist, dossier=dossier, reason="Xác minh", extra_days=2)
    page = citizen_client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    versions = page[page.index('data-testid="receipt-versions"') :].split("</ul>")[0]
    url = reverse("portal:dossier_form", args=[dossier.code, "bm01"])
    assert f'href="{url}?version=1"' in versions and f'href="{url}?version=2"' in versions
    first, current = dossier.receipts.order_by("number")
    assert first.appointment_at < current.appointment_at
    response = citizen_client.get(url, {"version": "1"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"BM01-{dossier.code}-v1.pdf" in response["Content-Disposition"]
