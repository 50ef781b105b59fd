"""Issue 21, point 4: the document system on the exchange axis, against the stand-in axis run as
its own process (no mocks): an outgoing document issued to an organ outside the platform reaches
it as an edXML envelope and its statuses come back to the outgoing register; envelopes shaped
like the public sample import with every field, trace and attachment kept and export back equal;
repeated deliveries are ignored; status messages go out as the receiver works."""

from __future__ import annotations

import base64
import datetime as dt
import json
import urllib.request

import pytest
from django.utils import timezone

from tinhso.core.models import AuditEvent
from tinhso.core.templatetags.tinhso_format import vndatetime
from tinhso.documents import exchange as mapping
from tinhso.documents import selectors
from tinhso.documents import services as s
from tinhso.documents.models import (
    AssignmentRole,
    BusinessType,
    Channel,
    IncomingDocument,
    IncomingState,
    OutgoingState,
    RecipientStatus,
    StatusCode,
)
from tinhso.documents.pdf import NUMBER_FIELD, form_fields
from tinhso.dossiers import outbox
from tinhso.dossiers.models import OutboxMessage
from tinhso.integrations import edxml
from tinhso.integrations import exchange as axis_exchange
from tinhso.integrations.exchange_axis import AxisClient
from tinhso.integrations.models import ReceivedEnvelope
from tinhso.integrations.services import exchange_receive
from tinhso.integrations.tests.edxml_samples import envelope, status_envelope
from tinhso.testing.factories import client_for, free_port, make_approved, pdf, standin_process

pytestmark = [pytest.mark.django_db]

A, B = "H44.03", "H44.05"  # the documents world's justice and construction departments
C = "000.00.99.G01"  # an organ outside the platform (a ministry), played by the test
SECRETS = {A: "secret-a", B: "secret-b", C: "secret-c"}


@pytest.fixture(scope="module")
def axis_url():
    argv = ["--client-key", "k", "--client-secret", "s"]
    for organ, secret in SECRETS.items():
        argv += ["--organ", f"{organ}={secret}"]
    with standin_process("edxml_axis", *argv) as url:
        yield url


def as_organ(url: str, organ: str) -> AxisClient:
    return AxisClient(url, client_key="k", client_secret="s", agency_secret=SECRETS[organ])


@pytest.fixture
def axis(axis_url, settings, monkeypatch):
    """The platform connected to the stand-in axis (A and B), the outbox handlers registered;
    whatever a test leaves on the axis is acknowledged after it (the axis outlives the test's
    database)."""
    settings.TINHSO_EXCHANGE_AXIS_URL = axis_url
    settings.TINHSO_EXCHANGE_AXIS_CLIENT_KEY = "k"
    settings.TINHSO_EXCHANGE_AXIS_CLIENT_SECRET = "s"
    settings.TINHSO_EXCHANGE_AGENCIES = {A: SECRETS[A], B: SECRETS[B]}
    monkeypatch.setitem(outbox.HANDLERS, mapping.DOCUMENT_TOPIC, axis_exchange.deliver_document)
    monkeypatch.setitem(outbox.HANDLERS, mapping.STATUS_TOPIC, axis_exchange.deliver_status)
    yield axis_url
    for organ in SECRETS:
        client = as_organ(axis_url, organ)
        for arrival in client.arrivals():
            client.acknowledge(arrival.doc_id)


def take(client: AxisClient, kind: str) -> list[edxml.Envelope]:
    """What waits for the organ of ``client`` (of one kind), read and acknowledged."""
    found = []
    for arrival in client.arrivals():
        if arrival.kind == kind:
            found.append(edxml.read(client.get(arrival.doc_id)))
            client.acknowledge(arrival.doc_id)
    return found


def vn_time(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%Y/%m/%d %H:%M:%S")


def deliver() -> int:
    """Run the outbox until nothing is due (one message per stream and run: a document's
    statuses go out in order); how many were delivered."""
    delivered = 0
    while (report := outbox.outbox_deliver()).claimed:
        assert report.failed == report.dead == report.held == 0, list(
            OutboxMessage.objects.values("topic", "last_error", "held_reason")
        )
        delivered += report.delivered
    return delivered


# --- scenario C: A issues to an organ outside the platform ----------------------------------------


def test_scenario_c_issue_to_an_organ_outside_statuses_back_and_a_revocation(documents_world, axis):
    w = documents_world
    annex = pdf("phu-luc.pdf")
    annex_bytes = annex.read()
    annex.seek(0)
    draft = make_external(w, files=[annex])
    issued = s.outgoing_issue(actor=w.clerk, document=draft)
    (message,) = OutboxMessage.objects.filter(topic=mapping.DOCUMENT_TOPIC)
    assert message.payload == {"outgoing": issued.pk}  # written in the issuing transaction
    assert deliver() == 1

    # C finds the envelope on the axis: the header, the PDF with its number, the attachment
    c = as_organ(axis, C)
    (received,) = take(c, "edoc")
    assert received.document_id == issued.document_id and received.sender == A
    assert received.recipients == [C]
    header = received.message
    number, notation = issued.number_symbol.split("/", 1)
    assert header["Code"] == {"CodeNumber": number, "CodeNotation": notation}
    assert header["Subject"] == issued.summary
    assert header["SignerInfo"]["FullName"] == "Lê Quang Huy"
    assert header["PromulgationInfo"]["PromulgationDate"] == f"{issued.doc_date:%Y/%m/%d}"
    assert received.business["BussinessDocType"] == "0"
    assert received.traces == [{"OrganId": A, "Timestamp": vn_time(issued.issued_at)}]
    document_pdf, attachment = received.attachments
    assert document_pdf.content.startswith(b"%PDF") and document_pdf.content_type.endswith("pdf")
    fields = form_fields(document_pdf.content)  # the issued PDF: number and date filled in
    assert fields[NUMBER_FIELD]["value"] == issued.number_symbol
    assert (attachment.name, attachment.content) == ("phu-luc.pdf", annex_bytes)
    assert received.problems == []

    # C acknowledges, assigns, finishes: A's pull job records each with C's times
    start = timezone.now().replace(microsecond=0)
    times = {code: start + dt.timedelta(minutes=i) for i, code in enumerate(["01", "03", "04"])}
    times["06"] = start + dt.timedelta(hours=2)
    for code, at in times.items():
        c.send(
            status_envelope(
                sender=C, answered=A, document_id=issued.document_id, code=code, time=vn_time(at)
            ),
            kind="status",
        )
    assert axis_exchange.exchange_pull()["imported"] == 4
    recipient = issued.recipients.get()
    assert [(st.code, st.at) for st in recipient.statuses.all()] == list(times.items())
    recipient.refresh_from_db()
    assert (recipient.status, recipient.status_at) == (StatusCode.DONE, times["06"])
    # the outgoing register's "Ký nhận" and the document's page show them with their times
    (line,) = selectors.outgoing_register(
        user=w.clerk, agency=w.justice, filters=selectors.Filters()
    )
    done_at = f"{timezone.localtime(times['06']):%H:%M %d/%m/%Y}"
    assert line["signature"].startswith("Bộ Y tế: ") and done_at in line["signature"]
    page = client_for(w.clerk).get(f"/can-bo/van-ban/di/{issued.pk}/").content.decode()
    assert f"{timezone.localtime(times['04']):%H:%M %d/%m/%Y}" in page
    assert "Qua trục liên thông:" in page and "đã gửi lúc" in page

    # a repeated delivery of C's "done" is acknowledged and ignored
    (done_id,) = [
        row["doc_id"]
        for row in _axis_messages(axis)
        if row["kind"] == "status" and b"<edXML:StatusCode>06<" in row["data"]
    ]
    _redeliver(axis, done_id)
    assert axis_exchange.exchange_pull() == {
        "agencies": 2,
        "imported": 0,
        "repeated": 1,
        "refused": 0,
        "failed": 0,
    }
    assert recipient.statuses.count() == 4
    assert ReceivedEnvelope.objects.get(outgoing=issued, delivery_key__isnull=False, repeats=1)

    # A revokes it: the revocation reaches C with the same DocumentId; C answers 13
    revoking = make_external(
        w,
        doc_type="QD",
        related=issued,
        business_type=BusinessType.REVOCATION,
        summary="Thu hồi Công văn gửi Bộ Y tế",
        external_recipients=[],
        render_pdf=False,  # one rendering is enough for the test's time
    )
    revoking = s.outgoing_issue(actor=w.clerk, document=revoking)
    issued.refresh_from_db()
    assert issued.state == OutgoingState.REVOKED
    assert deliver() == 1
    (revocation,) = take(c, "edoc")
    assert revocation.document_id == issued.document_id  # revocations reuse the DocumentId
    assert revocation.business["BussinessDocType"] == "1"
    assert revocation.message["Code"]["CodeNumber"] == revoking.number_symbol.split("/")[0]
    assert revocation.recipients == [C]
    answer_at = start + dt.timedelta(hours=3)
    c.send(
        status_envelope(
            sender=C, answered=A, document_id=issued.document_id, code="13", time=vn_time(answer_at)
        ),
        kind="status",
    )
    assert axis_exchange.exchange_pull()["imported"] == 1
    recipient.refresh_from_db()
    assert (recipient.status, recipient.status_at) == (StatusCode.RECALLED, answer_at)
    assert AuditEvent.objects.filter(action="documents.outgoing.status").count() == 5


def make_external(w, **overrides):
    """An approved letter of the justice department to the ministry C outside the platform."""
    fields = {
        "external_recipients": [("Bộ Y tế", C)],
        "recipients_text": "Bộ Y tế\nLưu: VT, VP",
        "render_pdf": True,
    }
    return make_approved(w, **{**fields, **overrides})


def _axis_messages(url: str) -> list[dict]:
    with urllib.request.urlopen(url + "/_messages", timeout=5) as answer:  # noqa: S310
        rows = json.loads(answer.read())["data"]
    for row in rows:
        row["data"] = base64.b64decode(row["data"])
        row["kind"] = row.get("messageType", row.get("kind"))
        row["doc_id"] = row.get("docId", row.get("doc_id"))
    return rows


def _redeliver(url: str, doc_id: str) -> None:
    request = urllib.request.Request(f"{url}/_redeliver/{doc_id}", method="POST")  # noqa: S310
    urllib.request.urlopen(request, timeout=5).close()  # noqa: S310


# --- import: envelopes shaped like the public sample ---------------------------------------------


@pytest.mark.pg  # the order of the stored header: PostgreSQL's jsonb sorts an object's keys
def test_an_envelope_imports_with_everything_kept_and_exports_back_equal(documents_world, axis):
    w = documents_world
    sent = envelope(sender=C, recipients=(A,), trace_time=vn_time(timezone.now()))
    as_organ(axis, C).send(sent)
    assert axis_exchange.exchange_pull()["imported"] == 1

    document = IncomingDocument.objects.get(agency=w.justice)
    kept = ReceivedEnvelope.objects.get(incoming=document)
    assert bytes(kept.raw) == sent  # the received bytes, unchanged
    assert (kept.kind, kept.outcome, kept.sender_code) == ("document", "imported", C)
    # the register's line, from the header
    assert (document.arrival_number, document.channel, document.state) == (
        1,
        Channel.ELECTRONIC,
        IncomingState.REGISTERED,
    )
    assert (document.sender_code, document.sender_name) == (C, "UBND tỉnh Quảng Trị")
    assert document.number_symbol == "215/UBND-VX" and document.doc_type == "CV"
    assert document.doc_date == dt.date(2026, 11, 19) and document.pages == 2
    assert document.summary == "V/v triển khai tiêm chủng mở rộng năm 2027"
    assert document.document_id == "000.00.00.H44,2026/02/30,215/UBND-VX"  # as written
    # every header field and trace kept; the attachment as the document's file
    header = mapping.envelope_data(document)["header"]
    assert header == edxml.read(sent).header
    assert list(header["MessageHeader"]) == list(edxml.read(sent).message)  # in the sent order
    assert header["MessageHeader"]["OtherInfo"]["Appendixes"] == {
        "Appendix": ["Danh sách các xã triển khai", "Kế hoạch chi tiết"]
    }
    (file,) = document.files.all()
    with file.file.open("rb") as handle:
        assert handle.read() == edxml.read(sent).attachments[0].content  # the zip, unchanged
    assert (file.original_name, file.content_type) == ("215_UBND-VX.pdf", "application/zip")
    # the impossible date of the DocumentId is kept as written, reported and shown
    assert any("DocumentId" in p["path"] for p in kept.problems)
    page = client_for(w.clerk).get(f"/can-bo/van-ban/den/{document.pk}/").content.decode()
    assert 'data-testid="envelope-problems"' in page and "2026/02/30" in page

    # an export rebuilt from the stored document equals the received envelope
    rebuilt = mapping.incoming_envelope(document)
    assert edxml.canonical(rebuilt) == edxml.canonical(sent)

    # a repeated delivery is acknowledged and ignored
    (first,) = [r["doc_id"] for r in _axis_messages(axis) if r["data"] == sent]
    _redeliver(axis, first)
    assert axis_exchange.exchange_pull()["repeated"] == 1
    assert IncomingDocument.objects.filter(agency=w.justice).count() == 1
    assert ReceivedEnvelope.objects.get(incoming=document).repeats == 1
    assert not as_organ(axis, A).arrivals()  # acknowledged on the axis
    # sent again as new, another trace time: another delivery, registered and flagged
    as_organ(axis, C).send(envelope(sender=C, recipients=(A,), trace_time="2026/11/20 09:00:00"))
    assert axis_exchange.exchange_pull()["imported"] == 1
    again = IncomingDocument.objects.filter(agency=w.justice).latest("pk")
    assert {"path": "DocumentId", "value": f"1/{document.arrival_year}"} in [
        {"path": p["path"], "value": p["value"]} for p in again.exchange["problems"]
    ]


def test_the_receivers_steps_go_back_as_status_messages_and_a_revocation_is_answered(
    documents_world, axis
):
    w = documents_world
    document_id = f"{C},2026/11/19,216/UBND-VX"
    c = as_organ(axis, C)
    c.send(envelope(sender=C, recipients=(A,), document_id=document_id))
    axis_exchange.exchange_pull()
    document = IncomingDocument.objects.get(agency=w.justice, document_id=document_id)
    s.incoming_acknowledge(actor=w.clerk, document=document)
    s.incoming_distribute(actor=w.clerk, document=document, leader=w.leader)
    s.incoming_assign(
        actor=w.leader,
        document=document,
        assignees=[(w.specialist, AssignmentRole.LEAD)],
        deadline=None,
    )
    s.incoming_opinion(actor=w.specialist, document=document, text="Ý kiến nội bộ: chưa gửi")
    s.incoming_finish(actor=w.specialist, document=document)
    deliver()
    statuses = take(c, "status")
    assert [st.message["StatusCode"] for st in statuses] == ["01", "03", "04", "05", "06"]
    assert statuses[3].message["Description"] == "Đang xử lý"  # never the internal opinion
    assert {st.document_id for st in statuses} == {document_id}
    assert statuses[-1].message["StaffInfo"]["Staff"] == "Trần Thị Chuyên"
    assert statuses[0].message["ResponseFor"]["OrganId"] == C and statuses[0].sender == A

    # C revokes it (same DocumentId, business type 1): revoked here, 13 goes back
    c.send(
        envelope(
            sender=C,
            recipients=(A,),
            document_id=document_id,
            business_type="1",
            trace_time="2026/11/21 08:00:00",
        )
    )
    assert axis_exchange.exchange_pull()["imported"] == 1
    document.refresh_from_db()
    assert document.state == IncomingState.REVOKED
    assert IncomingDocument.objects.filter(agency=w.justice).count() == 1  # no new arrival
    deliver()
    (answer,) = take(c, "status")
    assert (answer.message["StatusCode"], answer.document_id) == ("13", document_id)
    assert AuditEvent.objects.filter(
        action="documents.incoming.revoke", actor_repr=f"edxml:{C}"
    ).exists()


@pytest.mark.parametrize(
    ("business_type", "earlier_state", "event"),
    [("3", IncomingState.REVOKED, "revoke"), ("2", IncomingState.REGISTERED, "updated")],
    ids=["replacement", "update"],
)
def test_an_update_or_a_replacement_registers_the_new_text_and_acts_on_the_earlier(
    documents_world, axis, business_type, earlier_state, event
):
    w = documents_world
    document_id = f"{C},2026/11/19,217/UBND-VX"
    c = as_organ(axis, C)
    c.send(envelope(sender=C, recipients=(A,), document_id=document_id))
    c.send(
        envelope(
            sender=C,
            recipients=(A,),
            document_id=document_id,
            business_type=business_type,
            trace_time="2026/11/22 08:00:00",
            attachment=b"%PDF-1.4 the corrected text",
        )
    )
    assert axis_exchange.exchange_pull()["imported"] == 2
    earlier, later = IncomingDocument.objects.filter(agency=w.justice).order_by("pk")
    assert (earlier.state, later.state) == (earlier_state, IncomingState.REGISTERED)
    assert later.exchange["business_type"] == business_type and later.arrival_number == 2
    assert earlier.events.order_by("seq").last().action == event
    deliver()
    codes = sorted(st.message["StatusCode"] for st in take(c, "status"))
    assert codes == ["01", "01", "15"]


@pytest.mark.pg  # the unique delivery key
def test_what_cannot_be_imported_is_kept_with_the_reason(documents_world, admin_client):
    not_edxml = b"<html>not an envelope</html>"
    row, new = exchange_receive(receiver_code=A, data=not_edxml, axis_id="x1")
    assert new and (row.kind, row.outcome) == ("invalid", "refused")
    assert bytes(row.raw) == not_edxml and "root element" in row.error
    again, new = exchange_receive(receiver_code=A, data=not_edxml, axis_id="x2")
    assert not new and again.pk == row.pk and again.repeats == 1
    # a revocation of a document that never arrived: kept, refused, nothing changed
    orphan = envelope(
        sender=C, recipients=(A,), document_id=f"{C},2026/11/19,9/X", business_type="1"
    )
    row, new = exchange_receive(receiver_code=A, data=orphan, axis_id="x3")
    assert row.outcome == "refused" and row.error.startswith("unknown_document")
    # a status about no document of ours
    status = status_envelope(
        sender=C,
        answered=A,
        document_id=f"{A},2026/11/19,99/X",
        code="01",
        time="2026/11/20 09:00:00",
    )
    row, _new = exchange_receive(receiver_code=A, data=status, axis_id="x4")
    assert row.outcome == "refused" and row.kind == "status"
    assert not IncomingDocument.objects.exists() and not RecipientStatus.objects.exists()
    # each refusal is on the audit record (once: a repeated delivery adds nothing)
    refused = AuditEvent.objects.filter(action="integrations.envelope.refuse")
    assert refused.count() == 3 and refused.order_by("pk").last().object_id == str(row.pk)
    assert refused.order_by("pk").first().after["kind"] == "invalid"
    # the administrators see what was kept and why (read only)
    listing = admin_client.get("/admin/integrations/receivedenvelope/?outcome=refused")
    assert listing.status_code == 200 and listing.content.decode().count("000.00.99.G01") >= 2
    page = admin_client.get(f"/admin/integrations/receivedenvelope/{row.pk}/change/")
    assert page.status_code == 200 and "unknown_document" in page.content.decode()


# --- sending: retried with the back-off, refused for good, held --------------------------------


def test_an_unreachable_axis_is_retried_with_back_off_then_the_envelope_goes(
    documents_world, axis, settings
):
    w = documents_world
    issued = s.outgoing_issue(actor=w.clerk, document=make_external(w, render_pdf=False))
    page = f"/can-bo/van-ban/di/{issued.pk}/"
    recipient = issued.recipients.get()
    assert recipient.sent_at is None  # issued, not sent: the axis has not accepted it yet
    assert "đang chờ gửi</td>" in client_for(w.clerk).get(page).content.decode()
    settings.TINHSO_EXCHANGE_AXIS_URL = f"http://127.0.0.1:{free_port()}"  # nobody listens
    now = timezone.now()
    first = outbox.outbox_deliver(now=now)
    assert (first.claimed, first.failed) == (1, 1)
    message = OutboxMessage.objects.get(topic=mapping.DOCUMENT_TOPIC)
    assert "UNREACHABLE" in message.last_error and message.attempts == 1
    wait = (message.next_attempt_at - now).total_seconds()
    assert settings.TINHSO_RETRY_BASE_SECONDS / 2 <= wait <= settings.TINHSO_RETRY_BASE_SECONDS
    assert outbox.outbox_deliver(now=now).claimed == 0  # not before its time
    settings.TINHSO_EXCHANGE_AXIS_URL = axis
    recipient.refresh_from_db()
    assert recipient.sent_at is None  # a failed attempt sends nothing
    assert outbox.outbox_deliver(now=message.next_attempt_at).delivered == 1
    (received,) = take(as_organ(axis, C), "edoc")
    assert received.document_id == issued.document_id
    recipient.refresh_from_db()  # sent when the axis accepted the envelope, after the issue
    assert recipient.sent_at is not None and recipient.sent_at > issued.issued_at
    shown = client_for(w.clerk).get(page).content.decode()
    assert vndatetime(recipient.sent_at) in shown and "đang chờ gửi</td>" not in shown


def test_a_refusal_by_the_axis_is_a_dead_letter_and_an_agency_not_connected_waits(
    documents_world, axis, settings
):
    w = documents_world
    s.outgoing_issue(
        actor=w.clerk,
        document=make_external(
            w, render_pdf=False, external_recipients=[("Sở ngoài trục", "000.00.00.X99")]
        ),
    )
    report = outbox.outbox_deliver()
    assert report.dead == 1
    message = OutboxMessage.objects.get(topic=mapping.DOCUMENT_TOPIC)
    assert "UNKNOWN_RECIPIENT" in message.last_error and message.dead_at is not None
    page = client_for(w.clerk).get(f"/can-bo/van-ban/di/{message.payload['outgoing']}/")
    assert "trục từ chối" in page.content.decode()
    message.delete()
    settings.TINHSO_EXCHANGE_AGENCIES = {B: SECRETS[B]}  # the justice department is not connected
    s.outgoing_issue(actor=w.clerk, document=make_external(w, render_pdf=False))
    assert outbox.outbox_deliver().held == 1
    held = OutboxMessage.objects.get(topic=mapping.DOCUMENT_TOPIC)
    assert "not connected" in held.held_reason and held.dead_at is None
    page = client_for(w.clerk).get(f"/can-bo/van-ban/di/{held.payload['outgoing']}/")
    assert "cơ quan chưa được kết nối với trục" in page.content.decode()


# --- the drafting page: recipients outside the platform ------------------------------------------


def test_the_drafting_page_takes_organs_outside_the_platform_and_keeps_them_on_edit(
    documents_world,
):
    from tinhso.documents.models import OutgoingDocument
    from tinhso.documents.tests.test_views import draft_form

    w = documents_world
    drafter = client_for(w.specialist)
    lines = "Bộ Y tế; 000.00.99.G01\nBáo Quảng Trị"
    response = drafter.post(
        "/can-bo/van-ban/di/soan-thao/", draft_form(w, external_recipients=lines)
    )
    assert response.status_code == 302
    doc = OutgoingDocument.objects.get()
    assert list(doc.recipients.values_list("name", "code")) == [
        ("Bộ Y tế", C),
        ("Báo Quảng Trị", ""),
    ]
    edit = drafter.get(f"/can-bo/van-ban/di/{doc.pk}/sua/").content.decode()
    assert "Bộ Y tế; 000.00.99.G01" in edit
    response = drafter.post(
        f"/can-bo/van-ban/di/{doc.pk}/sua/", draft_form(w, external_recipients=lines, copies=2)
    )
    assert response.status_code == 302 and doc.recipients.count() == 2
    bad = drafter.post(
        "/can-bo/van-ban/di/soan-thao/", draft_form(w, external_recipients="Bộ Y tế; mã sai!")
    )
    assert bad.status_code == 200 and "Ghi mỗi cơ quan theo dạng" in bad.content.decode()


def test_received_files_are_served_by_what_they_are_never_by_what_the_sender_says(
    documents_world,
):
    from tinhso.testing.factories import minimal_pdf

    w = documents_world
    html = b"<html><script>alert(document.cookie)</script></html>"
    scripted = minimal_pdf(catalog=b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>")
    for number, content in enumerate((html, scripted), start=1):
        data = envelope(
            sender=C,
            recipients=(A,),
            document_id=f"{C},2026/11/19,{number}/UBND",
            attachment=content,
        ).replace(b"application/zip", b"application/pdf")
        row, _new = exchange_receive(receiver_code=A, data=data, axis_id=f"t{number}")
        assert row.outcome == "imported"
    html_doc, pdf_doc = IncomingDocument.objects.filter(agency=w.justice).order_by("pk")
    clerk = client_for(w.clerk)
    for document, content in ((html_doc, html), (pdf_doc, scripted)):
        (file,) = document.files.all()
        assert file.content_type == "application/octet-stream" and file.sha256
        answer = clerk.get(f"/can-bo/van-ban/den/{document.pk}/tep/{file.pk}/")
        assert answer["Content-Type"] == "application/octet-stream"
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert b"".join(answer.streaming_content) == content  # kept unchanged
    page = clerk.get(f"/can-bo/van-ban/den/{pdf_doc.pk}/").content.decode()
    assert "nội dung chủ động" in page  # the problem, said in Vietnamese


def test_the_exchange_runs_only_when_the_axis_is_configured(settings, monkeypatch):
    from django.apps import apps

    monkeypatch.setattr(outbox, "HANDLERS", {})
    settings.TINHSO_EXCHANGE_AXIS_URL = ""
    apps.get_app_config("integrations").ready()
    assert mapping.DOCUMENT_TOPIC not in outbox.HANDLERS  # the rows wait, visible
    assert axis_exchange.exchange_pull()["agencies"] == 0  # nothing pulled
    settings.TINHSO_EXCHANGE_AXIS_URL = "http://127.0.0.1:8792"
    apps.get_app_config("integrations").ready()
    assert outbox.HANDLERS[mapping.DOCUMENT_TOPIC] is axis_exchange.deliver_document
    assert outbox.HANDLERS[mapping.STATUS_TOPIC] is axis_exchange.deliver_status
    assert settings.TINHSO_SCHEDULE["exchange-pull"]["task"].endswith("tasks.pull_exchange")


def test_a_wrongly_sent_document_goes_back_with_its_reason(documents_world, axis):
    w = documents_world
    document_id = f"{C},2026/11/19,218/UBND-VX"
    c = as_organ(axis, C)
    c.send(envelope(sender=C, recipients=(A,), document_id=document_id))
    axis_exchange.exchange_pull()
    document = IncomingDocument.objects.get(agency=w.justice, document_id=document_id)
    s.incoming_return(actor=w.clerk, document=document, reason="Gửi nhầm cơ quan nhận")
    deliver()
    arrived, rejected = take(c, "status")
    assert (arrived.message["StatusCode"], rejected.message["StatusCode"]) == ("01", "02")
    assert rejected.message["Description"] == "Gửi nhầm cơ quan nhận"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_delivery_pulled_at_once_by_several_workers_is_imported_once():
    from django.db import connection

    from tinhso.testing.factories import in_threads, make_agency

    if connection.vendor != "postgresql":
        pytest.skip("concurrent inserts need PostgreSQL")
    agency = make_agency(A, "so_tu_phap", name="Sở Tư pháp")
    data = envelope(sender=C, recipients=(A,), document_id=f"{C},2026/11/19,300/UBND")
    outcomes = []

    def pull() -> None:
        outcomes.append(exchange_receive(receiver_code=A, data=data, axis_id="same")[1])

    assert in_threads(4, pull) == []
    assert sorted(outcomes) == [False, False, False, True]
    assert IncomingDocument.objects.filter(agency=agency).count() == 1
    (row,) = ReceivedEnvelope.objects.all()
    assert row.repeats == 3 and row.incoming.arrival_number == 1  # no number lost either


# --- signatures: envelopes signed with the organisation's key, received ones checked -------------


@pytest.fixture(autouse=True)
def _no_organisation_keys(settings):
    """Envelopes go unsigned unless a test gives the agency its organisation key (``make run``'s
    default would take the one in var/pki when it exists)."""
    settings.TINHSO_ORGANISATION_KEYS = []


def _key_and_cert(tmp_path, organ: str, name: str):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    # the organisation's PKCS#12 file (TINHSO_ORGANISATION_KEYS), as for its copies
    (tmp_path / f"{organ}.p12").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"org", key, cert, None, serialization.BestAvailableEncryption(b"secret")
        )
    )
    return key, cert_pem


def test_the_envelope_key_is_the_organisation_key_of_copies(settings, tmp_path):
    """One place for an agency's organisation key: the envelopes take it from
    ``TINHSO_ORGANISATION_KEYS`` as the copies do; none configured: unsigned; a file that does not
    open is refused, never silently unsigned."""
    from tinhso.signatures import organisation
    from tinhso.signatures.pades import SigningRefused

    key, cert_pem = _key_and_cert(tmp_path, A, "Sở Tư pháp tỉnh Quảng Trị")
    settings.TINHSO_ORGANISATION_KEYS = [f"{A}={tmp_path / f'{A}.p12'}"]
    settings.TINHSO_ORGANISATION_KEY_PASSWORD = "secret"
    found_key, found_cert = organisation.envelope_key(A)
    assert found_cert == cert_pem and found_key.private_numbers() == key.private_numbers()
    assert organisation.envelope_key(C) is None  # no key for that agency: unsigned
    data = envelope(sender=C, recipients=(A,), document_id=f"{C},2026/11/19,9/BYT")
    assert axis_exchange.signed(C, data) == data
    settings.TINHSO_ORGANISATION_KEY_PASSWORD = "wrong"
    with pytest.raises(SigningRefused) as refused:
        organisation.envelope_key(A)
    assert refused.value.code == "bad_keystore"
    with pytest.raises(outbox.Held):  # the outbox row waits, its reason shown
        axis_exchange.signed(A, data)


def test_envelopes_go_signed_and_a_received_signature_is_checked_and_shown(
    documents_world, axis, settings, tmp_path
):
    w = documents_world
    _key_and_cert(tmp_path, A, "Sở Tư pháp tỉnh Quảng Trị")
    settings.TINHSO_ORGANISATION_KEYS = [f"{A}={tmp_path / f'{A}.p12'}"]
    settings.TINHSO_ORGANISATION_KEY_PASSWORD = "secret"
    s.outgoing_issue(actor=w.clerk, document=make_external(w, render_pdf=False))
    assert deliver() == 1
    c = as_organ(axis, C)
    (arrival,) = c.arrivals()
    report = edxml.verify(c.get(arrival.doc_id))
    c.acknowledge(arrival.doc_id)
    assert report.valid and "Sở Tư pháp" in report.signer, report

    # C signs what it sends; A checks it, keeps it, and the export still equals it
    (tmp_path / "c").mkdir()
    c_key, c_cert = _key_and_cert(tmp_path / "c", C, "Bộ Y tế")
    sent = edxml.sign(
        envelope(sender=C, recipients=(A,), document_id=f"{C},2026/11/19,400/BYT"), c_key, c_cert
    )
    c.send(sent)
    axis_exchange.exchange_pull()
    document = IncomingDocument.objects.get(agency=w.justice)
    assert document.exchange["signature"]["valid"] is True
    assert edxml.canonical(mapping.incoming_envelope(document)) == edxml.canonical(sent)
    page = client_for(w.clerk).get(f"/can-bo/van-ban/den/{document.pk}/").content.decode()
    assert "hợp lệ, do" in page and "Bộ Y tế" in page
    # the sample-shaped envelope's signature (wrong namespace, SHA-1, truncated certificate)
    c.send(envelope(sender=C, recipients=(A,), document_id=f"{C},2026/11/19,401/BYT"))
    axis_exchange.exchange_pull()
    other = IncomingDocument.objects.get(document_id=f"{C},2026/11/19,401/BYT")
    kept = ReceivedEnvelope.objects.get(incoming=other)
    assert kept.signature["present"] and not kept.signature["valid"] and kept.signature["notes"]
    page = client_for(w.clerk).get(f"/can-bo/van-ban/den/{other.pk}/").content.decode()
    assert "có nhưng không xác thực được" in page
