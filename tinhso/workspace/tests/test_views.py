"""The workspace pages through Django's test client: access, scoping, inboxes, actions, errors."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from tinhso.core.models import AuditEvent, PendingUpload, Role
from tinhso.core.services import officer_assign
from tinhso.core.templatetags.tinhso_format import vndatetime
from tinhso.dossiers import services as s
from tinhso.dossiers.models import Dossier, DossierEvent, FileKind, State
from tinhso.dossiers.selectors import INBOXES
from tinhso.dossiers.tests.factories import make_user
from tinhso.testing.factories import pdf
from tinhso.testing.factories import submit_online as online_dossier

pytestmark = pytest.mark.django_db

PAGES = [
    reverse("workspace:inbox"),
    reverse("workspace:reception"),
    reverse("workspace:statistics"),
    reverse("workspace:statistics_xlsx"),
]


def dossier_url(dossier) -> str:
    return reverse("workspace:dossier", args=[dossier.code])


def action_url(dossier, action: str) -> str:
    return reverse("workspace:dossier_action", args=[dossier.code, action])


def post_action(client, dossier, action: str, **fields):
    data = {f"{action}-version": dossier.version}
    data |= {f"{action}-{name}": value for name, value in fields.items()}
    return client.post(action_url(dossier, action), data)


# --- access -------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(world):
    dossier = online_dossier(world)
    for url in [*PAGES, dossier_url(dossier)]:
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("portal:login")), url


def test_citizen_gets_404_everywhere(world, login):
    dossier = online_dossier(world)
    client = login(world.citizen)
    for url in [
        *PAGES,
        dossier_url(dossier),
        reverse("workspace:dossier_form", args=[dossier.code, "bm01"]),
    ]:
        assert client.get(url).status_code == 404, url
    # Even on their own dossier, the citizen cannot act through the workspace.
    assert post_action(client, dossier, "receive").status_code == 404
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED


def test_officer_of_another_agency_gets_404(world, login):
    dossier = online_dossier(world)
    client = login(world.outsider)
    assert client.get(dossier_url(dossier)).status_code == 404
    record = dossier.files.get()
    file_url = reverse("workspace:dossier_file", args=[dossier.code, record.pk])
    assert client.get(file_url).status_code == 404
    assert (
        client.get(reverse("workspace:dossier_form", args=[dossier.code, "bm01"])).status_code
        == 404
    )
    assert post_action(client, dossier, "receive").status_code == 404
    dossier.refresh_from_db()
    assert dossier.state == State.SUBMITTED
    inbox = client.get(reverse("workspace:inbox"), {"box": "to_receive"})
    assert dossier.code not in inbox.content.decode()


# --- inboxes ------------------------------------------------------------------------------


def test_inbox_tabs_counts_and_rows(world, login):
    dossier = online_dossier(world)
    client = login(world.desk)
    response = client.get(reverse("workspace:inbox"))
    assert response.status_code == 200
    html = response.content.decode()
    for box in INBOXES:
        assert f'data-box="{box}"' in html
    # The desk lands on the reception list, with the dossier linked to its page.
    assert 'data-box="to_receive" hx-get' in html
    assert f'data-code="{dossier.code}"' in html
    assert f'href="{dossier_url(dossier)}"' in html
    assert f'class="badge s{dossier.status}"' in html
    assert response.context["tabs"][0] == ("to_receive", response.context["tabs"][0][1], 1)
    assert 'include "workspace/_subnav.html"' not in html and 'class="subnav"' in html
    # The other lists do not hold it.
    other = client.get(reverse("workspace:inbox"), {"box": "to_process"})
    assert f'data-code="{dossier.code}"' not in other.content.decode()
    assert client.get(reverse("workspace:inbox"), {"box": "nonsense"}).status_code == 404


def test_inbox_htmx_partial_and_search(world, login):
    first = online_dossier(world)
    second = online_dossier(
        world,
        actor=world.other_citizen,
        form_data={"child_name": "Lê Văn Bình", "birth_date": "2026-01-02", "sex": "Nam"},
        uploads=None,
    )
    client = login(world.desk)
    url = reverse("workspace:inbox")
    partial = client.get(url, {"box": "to_receive"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in body and 'data-box="to_receive"' in body
    assert "HX-Request" in partial["Vary"]
    assert first.code in body and second.code in body
    by_code = client.get(url, {"box": "to_receive", "q": second.code}).content.decode()
    assert f'data-code="{second.code}"' in by_code and f'data-code="{first.code}"' not in by_code
    by_id = client.get(url, {"box": "to_receive", "q": "044090001234"}).content.decode()
    assert f'data-code="{first.code}"' in by_id and f'data-code="{second.code}"' not in by_id
    nothing = client.get(url, {"box": "to_receive", "q": "không có ai"}).content.decode()
    assert "data-code=" not in nothing


def test_inbox_pagination_and_overdue_highlight(world, login, monkeypatch):
    for _ in range(27):
        online_dossier(
            world,
            form_data={"child_name": "Nguyễn An", "birth_date": "2026-01-02", "sex": "Nam"},
            uploads=None,
        )
    client = login(world.desk)
    url = reverse("workspace:inbox")
    page1 = client.get(url, {"box": "to_receive"}).content.decode()
    page2 = client.get(url, {"box": "to_receive", "page": 2}).content.decode()
    assert page1.count("data-code=") == 25 and page2.count("data-code=") == 2
    assert 'rel="next"' in page1 and 'rel="prev"' in page2
    # A received dossier past its due time is in the overdue list, highlighted.
    late = s.dossier_receive(actor=world.desk, dossier=Dossier.objects.first())
    Dossier.objects.filter(pk=late.pk).update(legal_due_at=late.received_at - dt.timedelta(hours=1))
    overdue = client.get(url, {"box": "overdue"}).content.decode()
    assert f'<tr data-code="{late.code}" class="overdue">' in overdue


def test_officer_with_several_agencies_sees_them_all(world, login):
    dossier = online_dossier(world)
    other = s.dossier_submit(
        actor=world.outsider,
        procedure=world.procedure,
        form_data={"child_name": "Hồ Thị Cúc", "birth_date": "2026-01-02", "sex": "Nữ"},
        channel=1,
        commune=world.other_committee.unit,
        applicant_name="Hồ Văn Tư",
        applicant_id_number="044090005678",
    )
    officer_assign(
        actor=None, user=world.desk, agency=world.other_committee, role=Role.DESK_OFFICER
    )
    html = login(world.desk).get(reverse("workspace:inbox"), {"box": "to_receive"}).content.decode()
    assert dossier.code in html and other.code in html
    assert world.other_committee.name in html


# --- counter reception ----------------------------------------------------------------------


def reception_post(world, **overrides):
    component = world.procedure.components.first()
    data = {
        "procedure": world.procedure.code,
        "channel": "1",
        "commune": world.commune.pk,
        "applicant_name": "  Phạm   Thị Hương ",
        "applicant_id_number": "044190012345",
        "applicant_phone": "0905 123 456",
        "applicant_address": "3 Hùng Vương, Phường Đồng Hới",
        "f-child_name": "Phạm Gia Bảo",
        "f-birth_date": "2026-02-14",
        "f-sex": "Nam",
        "f-birth_place": "Bệnh viện Hữu nghị Việt Nam – Cu Ba Đồng Hới",
        f"component_{component.pk}": pdf(),
        "idempotency_key": "key-0001-abcdef",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def stored_files(settings) -> list:
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def pending_files(settings) -> list:
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT)
    return sorted(root / name for name in PendingUpload.objects.values_list("file", flat=True))


def test_reception_search_lists_receivable_procedures(world, login):
    client = login(world.desk)
    page = client.get(reverse("workspace:reception"))
    assert page.status_code == 200
    assert f'data-procedure="{world.procedure.code}"' in page.content.decode()
    found = client.get(reverse("workspace:reception"), {"q": "khai sinh"})
    assert world.procedure.name in found.content.decode()
    partial = client.get(
        reverse("workspace:reception"), {"q": "KHAI SINH"}, headers={"HX-Request": "true"}
    )
    assert (
        "<html" not in partial.content.decode() and world.procedure.code in partial.content.decode()
    )
    none = client.get(reverse("workspace:reception"), {"q": "xây dựng"})
    assert f'data-procedure="{world.procedure.code}"' not in none.content.decode()
    # A specialist has no desk: told so, no form.
    other = login(world.specialist).get(reverse("workspace:reception"))
    assert other.status_code == 200 and 'name="applicant_name"' not in other.content.decode()


def test_reception_form_follows_the_schema(world, login):
    from tinhso.dossiers.tests.factories import BIRTH_FORM
    from tinhso.procedures.forms_schema import with_field_order

    # Catalogue writes store the field order in the schema (PostgreSQL's jsonb reorders keys).
    world.procedure.form_schema = with_field_order(BIRTH_FORM)
    world.procedure.save()
    page = login(world.desk).get(
        reverse("workspace:reception"), {"procedure": world.procedure.code}
    )
    html = page.content.decode()
    assert page.status_code == 200
    # Fields in the schema's order, labelled with its titles; the two-choice enum is radios.
    positions = [
        html.index(f'name="f-{n}"') for n in ("child_name", "birth_date", "sex", "birth_place")
    ]
    assert positions == sorted(positions)
    assert "Họ, chữ đệm và tên" in html and 'type="date"' in html
    assert '<input type="radio" id="f-sex-1" name="f-sex" value="Nam"' in html
    assert 'data-progress="reception-progress"' in html and 'enctype="multipart/form-data"' in html
    assert 'name="idempotency_key"' in html and 'data-testid="receive-dossier"' in html
    # Only the desk's own commune is offered, preselected.
    # Issue 18 point 9: by its name only, without the internal unit code.
    assert (
        f'<option value="{world.commune.pk}" selected>{escape(world.commune.name)}</option>' in html
    )
    assert (
        str(world.other_committee.unit.pk)
        not in html.split('name="commune"')[1].split("</select>")[0]
    )


def test_counter_reception_receives_on_the_spot(world, login, settings):
    client = login(world.desk)
    url = reverse("workspace:reception") + f"?procedure={world.procedure.code}"
    response = client.post(url, reception_post(world))
    dossier = Dossier.objects.get()
    assert response.status_code == 302 and response["Location"] == dossier_url(dossier)
    assert dossier.channel == 1 and dossier.state == State.RECEIVED and dossier.status == 2
    assert dossier.received_at is not None and dossier.legal_due_at is not None
    assert dossier.applicant_name == "Phạm Thị Hương" and dossier.applicant_phone == "0905123456"
    assert dossier.form_data == {
        "child_name": "Phạm Gia Bảo",
        "birth_date": "2026-02-14",
        "sex": "Nam",
        "birth_place": "Bệnh viện Hữu nghị Việt Nam – Cu Ba Đồng Hới",
    }
    assert dossier.receiving_agency == world.committee and dossier.idempotency_key
    record = dossier.files.get()
    assert (
        record.component == world.procedure.components.first() and record.kind == FileKind.COMPONENT
    )
    assert list(dossier.events.values_list("action", flat=True)) == ["submit", "receive"]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert f'data-testid="dossier-code">{dossier.code}<' in html
    receipt = reverse("workspace:dossier_form", args=[dossier.code, "bm01"])
    assert f'href="{receipt}" data-testid="print-receipt"' in html
    assert 'data-testid="status"' in html
    # Clicking twice (same idempotency key) enters nothing twice.
    again = client.post(url, reception_post(world))
    assert again.status_code == 302 and again["Location"] == dossier_url(dossier)
    assert Dossier.objects.count() == 1 and len(stored_files(settings)) == 1
    # htmx submission: the browser is told where to go.
    third = client.post(
        url,
        reception_post(world, idempotency_key="key-0002-abcdef"),
        headers={"HX-Request": "true"},
    )
    assert third.status_code == 200 and third["HX-Redirect"].startswith("/can-bo/ho-so/")
    assert Dossier.objects.count() == 2


def test_the_requester_is_the_applicant_unless_typed(world, login):
    """Issue 18 point 9: the application form's requester fields left empty take the applicant
    typed above (typed once); a requester typed by the desk is kept."""
    procedure = type(world.procedure).objects.get(pk=world.procedure.pk)  # the world's is shared
    schema = procedure.form_schema
    schema["properties"] |= {
        "ho_ten_nguoi_yeu_cau": {"type": "string", "title": "Người yêu cầu"},
        "so_dinh_danh_nguoi_yeu_cau": {"type": "string", "format": "personal-id"},
    }
    schema["required"] = [*schema["required"], "ho_ten_nguoi_yeu_cau"]
    schema["x-order"] = list(dict.fromkeys([*schema.get("x-order", []), *schema["properties"]]))
    procedure.save(update_fields=["form_schema"])
    client = login(world.desk)
    url = reverse("workspace:reception") + f"?procedure={procedure.code}"
    assert client.post(url, reception_post(world)).status_code == 302
    data = Dossier.objects.get().form_data
    assert data["ho_ten_nguoi_yeu_cau"] == "Phạm Thị Hương"
    assert data["so_dinh_danh_nguoi_yeu_cau"] == "044190012345"
    typed = reception_post(
        world, idempotency_key="key-0002-abcdef", **{"f-ho_ten_nguoi_yeu_cau": "Lê Văn Tâm"}
    )
    assert client.post(url, typed).status_code == 302
    assert Dossier.objects.latest("pk").form_data["ho_ten_nguoi_yeu_cau"] == "Lê Văn Tâm"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"applicant_id_number": "12345"}, "applicant_id_number", None),
        ({"applicant_id_number": "999123456789"}, "applicant_id_number", "(999)"),
        ({"applicant_name": " "}, "applicant_name", None),
        ({"applicant_phone": "12ab"}, "applicant_phone", None),
        ({"f-child_name": ""}, "f-child_name", None),
        ({"f-birth_date": "31/02/2026"}, "f-birth_date", None),
        ({"f-sex": "Khác"}, "f-sex", None),
        ({"commune": ""}, "commune", None),
    ],
)
def test_reception_bad_input_stores_nothing(world, login, settings, overrides, field, message):
    client = login(world.desk)
    url = reverse("workspace:reception") + f"?procedure={world.procedure.code}"
    response = client.post(url, reception_post(world, **overrides))
    assert response.status_code == 200
    html = response.content.decode()
    # The application form's inputs are the portal's (procedures/_field.html).
    if field.startswith("f-"):
        input_id, error_id = field, f"{field}-error"
    else:
        input_id, error_id = f"id_{field}", f"id_{field}_error"
    assert f'id="{error_id}"' in html
    widget = re.search(rf'<(input|select|textarea)[^>]*id="{input_id}(-1)?"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in widget
    # Radio buttons are described through their fieldset.
    described = widget if "radio" not in widget else html.split(f'id="{input_id}"')[1]
    assert re.search(rf'aria-describedby="[^"]*{error_id}', described)
    if message:
        assert message in html
    assert 'role="alert"' in html
    assert Dossier.objects.count() == 0 and DossierEvent.objects.count() == 0
    # The scan that passed its checks is kept for the next attempt, and only it.
    assert sorted(stored_files(settings)) == pending_files(settings)
    assert len(pending_files(settings)) == 1


def test_reception_rejects_bad_or_missing_scans(world, login, settings):
    client = login(world.desk)
    component = world.procedure.components.first()
    url = reverse("workspace:reception") + f"?procedure={world.procedure.code}"
    fake = io.BytesIO(b"this is plain text, not a scan")
    fake.name = "giay-chung-sinh.pdf"
    bad = client.post(url, reception_post(world, **{f"component_{component.pk}": fake}))
    assert f'id="id_component_{component.pk}_error"' in bad.content.decode()
    missing = reception_post(world)
    del missing[f"component_{component.pk}"]
    response = client.post(url, missing)
    assert f'id="id_component_{component.pk}_error"' in response.content.decode()
    assert Dossier.objects.count() == 0 and stored_files(settings) == []


def test_failed_reception_removes_the_stored_files(world, login, settings):
    # A procedure without an internal process cannot be received: the submission is undone,
    # its files included.
    world.procedure.steps.all().delete()
    client = login(world.desk)
    url = reverse("workspace:reception") + f"?procedure={world.procedure.code}"
    response = client.post(url, reception_post(world))
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    # The dossier's rows and files are gone; the scan waits, kept, for the next attempt.
    assert Dossier.objects.count() == 0
    assert (
        sorted(stored_files(settings)) == pending_files(settings)
        and len(stored_files(settings)) == 1
    )


def test_reception_of_a_dossier_that_came_by_post(world, login):
    client = login(world.desk)
    url = reverse("workspace:reception") + f"?procedure={world.procedure.code}"
    assert client.post(url, reception_post(world, channel="3")).status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.channel == 3 and dossier.state == State.RECEIVED
    # Online is not a channel the desk can choose.
    response = client.post(
        url, reception_post(world, channel="2", idempotency_key="key-9-abcdefgh")
    )
    assert 'id="id_channel_error"' in response.content.decode()
    assert Dossier.objects.count() == 1


def test_reception_of_a_procedure_the_desk_does_not_receive(world, login):
    response = login(world.desk).get(reverse("workspace:reception"), {"procedure": "9.999999"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert 'name="applicant_name"' not in response.content.decode()


# --- the dossier page ------------------------------------------------------------------------


def test_dossier_page_shows_data_files_timeline_and_forms(world, login):
    dossier = online_dossier(world)
    client = login(world.desk)
    html = client.get(dossier_url(dossier)).content.decode()
    assert "Họ, chữ đệm và tên" in html and "Nguyễn Thị Bảo Ngọc" in html and "01/03/2026" in html
    # Issue 18 point 7: the national status in words, not "national sync status 1".
    with translation.override("vi"):
        label = escape(dossier.get_status_display())
    assert f"Trên Cổng Dịch vụ công quốc gia: {label}" in html
    assert "Trạng thái đồng bộ quốc gia" not in html
    assert 'data-action="receive"' in html and 'data-action="refuse"' in html
    assert 'data-action="approve"' not in html
    assert 'for="id_refuse-reason"' in html
    record = dossier.files.get()
    file_url = reverse("workspace:dossier_file", args=[dossier.code, record.pk])
    assert file_url in html
    download = client.get(file_url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert (
        client.get(reverse("workspace:dossier_file", args=[dossier.code, 999999])).status_code
        == 404
    )
    # BM.01 and BM.05 apply; BM.03 (refusal) does not until refused.
    assert (
        'data-form="bm01"' in html and 'data-form="bm05"' in html and 'data-form="bm03"' not in html
    )
    assert (
        client.get(reverse("workspace:dossier_form", args=[dossier.code, "bm03"])).status_code
        == 404
    )
    receipt = client.get(reverse("workspace:dossier_form", args=[dossier.code, "bm01"]))
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert receipt.content.startswith(b"%PDF")


def test_receive_transfer_approve_attach_and_return(world, login):
    dossier = online_dossier(world)
    desk, specialist, leader = login(world.desk), login(world.specialist), login(world.leader)

    response = post_action(desk, dossier, "receive", note="Đủ thành phần")
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED and dossier.events.last().note == "Đủ thành phần"
    done = gettext("Done: %(action)s.") % {"action": gettext("Receive")}
    assert done in desk.get(response["Location"]).content.decode()

    html = desk.get(dossier_url(dossier)).content.decode()
    assert 'data-action="transfer"' in html and world.specialist.first_name in html
    response = post_action(desk, dossier, "transfer", to_user=world.specialist.pk)
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.current_step.order == 2 and dossier.assignee == world.specialist

    # The specialist's step: transfer on to the leader (the last step is signed, not passed).
    html = specialist.get(dossier_url(dossier)).content.decode()
    assert 'data-action="transfer"' in html and 'data-action="finish"' not in html
    assert post_action(specialist, dossier, "transfer", to_user=world.leader.pk).status_code == 302
    dossier.refresh_from_db()
    assert dossier.current_step.order == 3

    html = leader.get(dossier_url(dossier)).content.decode()
    assert 'data-action="approve"' in html and 'data-action="transfer"' not in html
    assert 'data-testid="result-file"' in html
    response = leader.post(
        action_url(dossier, "attach_result"),
        {"attach_result-version": dossier.version, "attach_result-file": pdf("giay-khai-sinh.pdf")},
    )
    assert response.status_code == 302
    assert dossier.files.filter(kind=FileKind.RESULT).count() == 1
    assert post_action(leader, dossier, "approve", note="Đồng ý").status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.FINISHED

    assert post_action(desk, dossier, "return_result").status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.RETURNED and dossier.returned_at is not None
    assert list(dossier.events.values_list("action", flat=True)) == [
        "submit", "receive", "transfer", "transfer", "approve", "return_result",
    ]  # fmt: skip
    html = desk.get(dossier_url(dossier)).content.decode()
    assert "data-action=" not in html  # closed: nothing left to do


def test_request_supplement_needs_a_reason(world, login):
    dossier = s.dossier_receive(actor=world.desk, dossier=online_dossier(world))
    dossier = s.dossier_transfer(actor=world.desk, dossier=dossier, to_user=world.specialist)
    client = login(world.specialist)
    audit = AuditEvent.objects.count()
    response = post_action(client, dossier, "request_supplement", reason="  ", items="")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_request_supplement-reason_error"' in html
    dossier.refresh_from_db()
    assert dossier.state == State.PROCESSING and AuditEvent.objects.count() == audit
    response = post_action(
        client,
        dossier,
        "request_supplement",
        reason="Thiếu bản sao giấy chứng nhận kết hôn",
        items="Giấy chứng nhận kết hôn\nCCCD của mẹ\n",
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.SUPPLEMENT_REQUESTED and dossier.clock_stopped_at is not None
    event = dossier.events.last()
    assert event.data["items"] == ["Giấy chứng nhận kết hôn", "CCCD của mẹ"]
    html = client.get(dossier_url(dossier)).content.decode()
    assert 'data-form="bm02"' in html and "Thiếu bản sao giấy chứng nhận kết hôn" in html
    # The desk records the supplement the applicant brought, then it is accepted.
    desk = login(world.desk)
    response = desk.post(
        action_url(dossier, "supplement"),
        {"supplement-version": dossier.version, "supplement-files": [pdf("gcn-ket-hon.pdf")]},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.SUPPLEMENT_SUBMITTED
    assert post_action(client, dossier, "accept_supplement").status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.PROCESSING


def test_refuse_fees_extend_and_stop(world, login):
    desk, specialist, leader = login(world.desk), login(world.specialist), login(world.leader)
    refused = online_dossier(world)
    assert post_action(desk, refused, "refuse", reason="Sai thủ tục").status_code == 302
    refused.refresh_from_db()
    assert refused.state == State.REFUSED
    assert 'data-form="bm03"' in desk.get(dossier_url(refused)).content.decode()

    dossier = s.dossier_receive(actor=world.desk, dossier=online_dossier(world))
    bad = post_action(desk, dossier, "request_fees", amount_vnd="-5")
    assert (
        bad.status_code == 200 and 'id="id_request_fees-amount_vnd_error"' in bad.content.decode()
    )
    assert post_action(desk, dossier, "request_fees", amount_vnd="8000").status_code == 302
    dossier.refresh_from_db()
    mismatch = post_action(desk, dossier, "pay", amount_vnd="5000", reference="BL-01")
    assert mismatch.status_code == 200 and "5000" in mismatch.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.FEES_REQUESTED
    assert (
        post_action(desk, dossier, "pay", amount_vnd="8000", reference="BL-01").status_code == 302
    )
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED and dossier.paid_vnd == 8000 and not dossier.paid_online

    dossier = s.dossier_transfer(actor=world.desk, dossier=dossier, to_user=world.specialist)
    old_due = dossier.legal_due_at
    response = post_action(
        specialist, dossier, "extend", extra_days="2", reason="Cần xác minh nơi sinh"
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.appointment_at > old_due and dossier.extension_count == 1
    assert dossier.legal_due_at == old_due  # the letter moves only the appointment
    page = specialist.get(dossier_url(dossier)).content.decode()
    assert 'data-form="bm04"' in page
    # Issue 16 point 1: the officer sees the legal due date (what judges the dossier) and the
    # appointment given to the citizen, each once.
    legal = f"<dt>{gettext('Legal due date')}</dt><dd>{vndatetime(dossier.legal_due_at)}"
    appointment = f"{gettext('Appointment for the result')}</dt><dd>"
    assert legal in page
    assert appointment + vndatetime(dossier.appointment_at) in page

    html = leader.get(dossier_url(dossier)).content.decode()
    assert 'data-action="stop"' in html and "data-confirm=" in html
    assert post_action(leader, dossier, "stop", reason="Không đủ điều kiện").status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == State.STOPPED


def test_action_not_allowed_or_stale_is_refused_in_the_page(world, login):
    dossier = online_dossier(world)
    desk = login(world.desk)
    stale_version = dossier.version
    assert post_action(desk, dossier, "receive").status_code == 302
    # The same form posted again from the stale page: receive is no longer possible.
    response = desk.post(action_url(dossier, "receive"), {"receive-version": stale_version})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    dossier.refresh_from_db()
    # An action still available, but from a page older than the dossier: refused.
    response = desk.post(
        action_url(dossier, "request_supplement"),
        {"request_supplement-version": stale_version, "request_supplement-reason": "Thiếu"},
    )
    stale = gettext(
        "The dossier changed while this page was open: check its new state, then try again."
    )
    assert response.status_code == 200 and stale in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.RECEIVED and dossier.supplement_count == 0
    # A specialist cannot approve at the desk's step; an unknown action is a 404.
    spec = login(world.specialist)
    refused = post_action(spec, dossier, "approve")
    assert refused.status_code == 200 and 'role="alert"' in refused.content.decode()
    assert post_action(desk, dossier, "fly_away").status_code == 404
    assert desk.get(action_url(dossier, "receive")).status_code == 405


def test_transfer_to_an_ineligible_officer_is_refused(world, login):
    dossier = s.dossier_receive(actor=world.desk, dossier=online_dossier(world))
    stranger = make_user("khach")
    response = post_action(login(world.desk), dossier, "transfer", to_user=stranger.pk)
    assert (
        response.status_code == 200
        and 'id="id_transfer-to_user_error"' in response.content.decode()
    )
    dossier.refresh_from_db()
    assert dossier.current_step.order == 1


def test_service_errors_are_shown_not_500(world, login, monkeypatch):
    from tinhso.core.errors import InvalidTransition

    dossier = online_dossier(world)

    def refuse(**kwargs):
        raise InvalidTransition("invalid_transition", "Hồ sơ vừa được người khác xử lý.")

    monkeypatch.setattr(s, "dossier_receive", refuse)
    from tinhso.workspace import actions

    monkeypatch.setitem(
        actions.SPECS,
        "receive",
        actions.ActionSpec(
            "receive", actions.f.NoteForm, lambda u, d, p, form: refuse(actor=u, dossier=d)
        ),
    )
    response = post_action(login(world.desk), dossier, "receive")
    assert response.status_code == 200
    assert "Hồ sơ vừa được người khác xử lý." in response.content.decode()


def test_desk_adds_scans_while_open(world, login):
    dossier = s.dossier_receive(actor=world.desk, dossier=online_dossier(world))
    component = world.procedure.components.first()
    response = login(world.desk).post(
        action_url(dossier, "add_files"),
        {
            "add_files-version": dossier.version,
            "add_files-component": component.pk,
            "add_files-files": [pdf("ban-sao-1.pdf"), pdf("ban-sao-2.pdf")],
        },
    )
    assert response.status_code == 302
    assert dossier.files.filter(kind=FileKind.SCAN, component=component).count() == 2


# --- statistics ------------------------------------------------------------------------------


def test_statistics_period_table_and_xlsx(world, login):
    from openpyxl import load_workbook

    s.dossier_receive(actor=world.desk, dossier=online_dossier(world))
    client = login(world.desk)
    page = client.get(reverse("workspace:statistics"))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [row.agency_id for row in rows] == [world.committee.pk]
    assert rows[0].new_online == 1 and page.context["total"].new_online == 1
    html = page.content.decode()
    assert world.committee.name in html and world.other_committee.name not in html
    assert 'data-testid="export-xlsx"' in html
    today = dt.date.today()
    export = client.get(
        reverse("workspace:statistics_xlsx"),
        {"start": today.replace(day=1).isoformat(), "end": today.isoformat()},
    )
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(export.content))
    sheet = workbook.active
    labels = [sheet.cell(r, 1).value for r in range(1, sheet.max_row + 1)]
    assert world.committee.name in labels and "Tổng cộng" in labels
    assert workbook.sheetnames == ["Thống kê", "Tiếp nhận"]


def test_statistics_page_defaults_to_the_report_month_and_balances(world, login):
    from tinhso.core.periods import Period

    s.dossier_receive(actor=world.desk, dossier=online_dossier(world))
    client = login(world.desk)
    page = client.get(reverse("workspace:statistics"))
    html = page.content.decode()
    current = Period.current_report_month()
    # The Decree 09/2019 report month is the default period, cut at today.
    assert page.context["start"] == current.start
    assert page.context["end"] == min(current.end, dt.date.today())
    assert f'<option value="{current.key}" selected>' in html
    # One set of labels; the in-progress total has its own column; the rows balance.
    for label in ("Trước hạn", "Đúng hạn", "Quá hạn", "Đang giải quyết – Tổng số",
                  "Trong đó chờ bổ sung", "Dừng xử lý", "Từ chối tiếp nhận"):  # fmt: skip
        assert label in html, label
    assert "Sớm hạn" not in html and "Trễ hạn" not in html
    (row,) = page.context["rows"]
    assert row.received_total == row.in_progress_total == 1
    assert 'data-testid="reception-table"' in html
    assert [r.new_online for r in page.context["reception"]] == [1]
    # A calendar month is still selectable.
    march = client.get(reverse("workspace:statistics"), {"period": "2026-03"})
    assert (march.context["start"], march.context["end"]) == (
        dt.date(2026, 3, 1),
        dt.date(2026, 3, 31),
    )
    bad = client.get(reverse("workspace:statistics"), {"period": "BC2026-13"})
    assert 'id="id_period_error"' in bad.content.decode() and bad.context["rows"] == []


def test_statistics_bad_period(world, login):
    client = login(world.desk)
    url = reverse("workspace:statistics")
    response = client.get(url, {"start": "2026-05-10", "end": "2026-05-01"})
    assert 'id="id_end_error"' in response.content.decode() and response.context["rows"] == []
    response = client.get(url, {"start": "hôm qua"})
    assert 'id="id_start_error"' in response.content.decode()
    export = client.get(
        reverse("workspace:statistics_xlsx"), {"start": "2026-05-10", "end": "2026-05-01"}
    )
    assert export["Content-Type"].startswith("text/html")
    assert 'id="id_end_error"' in export.content.decode()


# --- issue 16: the deadline to return an insufficient dossier, receipts, counter payments -------


def test_inbox_shows_the_deadline_to_return_an_insufficient_dossier(world, login, monkeypatch):
    received_at = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    monkeypatch.setattr("django.utils.timezone.now", lambda: received_at)
    dossier = s.dossier_receive(actor=world.desk, dossier=online_dossier(world))
    client = login(world.desk)
    html = client.get(reverse("workspace:inbox"), {"box": "to_process"}).content.decode()
    row = html[html.index(f'data-code="{dossier.code}"') :].split("</tr>")[0]
    expected = gettext("Return if insufficient by %(when)s") % {"when": "09:00 09/12/2026"}
    assert 'data-testid="supplement-request-due"' in row and expected in row
    # Once the deadline has passed the list no longer offers it.
    later = received_at + dt.timedelta(days=3)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    html = client.get(reverse("workspace:inbox"), {"box": "to_process"}).content.decode()
    assert 'data-testid="supplement-request-due"' not in html


def test_dossier_page_lists_the_receipt_versions(world, login):
    dossier = s.dossier_receive(actor=world.desk, dossier=online_dossier(world))
    dossier = s.dossier_transfer(actor=world.desk, dossier=dossier, to_user=world.specialist)
    s.dossier_extend(actor=world.specialist, dossier=dossier, reason="Xác minh", extra_days=1)
    client = login(world.desk)
    html = client.get(dossier_url(dossier)).content.decode()
    form_url = reverse("workspace:dossier_form", args=[dossier.code, "bm01"])
    assert f'href="{form_url}?version=1" data-receipt="1"' in html
    assert f'href="{form_url}?version=2" data-receipt="2"' in html
    assert gettext("Receipt as first printed") in html
    assert client.get(form_url, {"version": "x"}).status_code == 404
    assert client.get(form_url, {"version": "3"}).status_code == 404


def test_counter_payment_needs_the_receipt_number(world, login):
    dossier = s.dossier_receive(actor=world.desk, dossier=online_dossier(world))
    dossier = s.dossier_request_fees(actor=world.desk, dossier=dossier, amount_vnd=8000)
    desk = login(world.desk)
    html = desk.get(dossier_url(dossier)).content.decode()
    assert gettext("Record a counter payment") in html and 'name="pay-reference"' in html
    missing = post_action(desk, dossier, "pay", amount_vnd="8000", reference="")
    assert missing.status_code == 200 and 'id="id_pay-reference_error"' in missing.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == State.FEES_REQUESTED
    assert post_action(desk, dossier, "pay", amount_vnd="8000", reference="BL-9").status_code == 302
    assert dossier.events.get(action="pay").data["reference"] == "BL-9"
    html = desk.get(dossier_url(dossier)).content.decode()
    assert gettext("Receipt number: %(number)s") % {"number": "BL-9"} in html


def test_dossier_page_marks_a_late_supplement_request(world, login, monkeypatch):
    dossier = s.dossier_receive(actor=world.desk, dossier=online_dossier(world))
    later = dossier.supplement_request_due_at + dt.timedelta(minutes=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    s.dossier_request_supplement(actor=world.desk, dossier=dossier, reason="Thiếu bản chính")
    html = login(world.desk).get(dossier_url(dossier)).content.decode()
    assert 'data-testid="late-supplement-request"' in html


def test_tracking_book_page_xlsx_and_pdf(world, login):
    from openpyxl import load_workbook

    received = s.dossier_receive(actor=world.desk, dossier=online_dossier(world))
    client = login(world.desk)
    page = client.get(reverse("workspace:tracking_book"))
    html = page.content.decode()
    assert page.status_code == 200 and "Sổ theo dõi hồ sơ (BM.06)" in html
    (entry,) = page.context["entries"]
    assert (entry.number, entry.code) == (received.book_number, received.code)
    assert page.context["agency"] == world.committee
    assert 'data-testid="book-xlsx"' in html and 'data-testid="book-pdf"' in html
    query = {"agency": world.committee.pk}
    export = client.get(reverse("workspace:tracking_book_file", args=["xlsx"]), query)
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet.cell(4, 2).value == received.code
    printed = client.get(reverse("workspace:tracking_book_file", args=["pdf"]), query)
    assert printed["Content-Type"] == "application/pdf" and printed.content.startswith(b"%PDF")
    assert client.get(reverse("workspace:tracking_book_file", args=["doc"])).status_code == 404
    # The statistics page links to it; another desk's book is not among the choices.
    assert (
        reverse("workspace:tracking_book")
        in client.get(reverse("workspace:statistics")).content.decode()
    )
    other = login(world.outsider).get(reverse("workspace:tracking_book"), query)
    assert 'id="id_agency_error"' in other.content.decode() and other.context["entries"] == []
