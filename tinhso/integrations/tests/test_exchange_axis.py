"""The exchange axis client against the stand-in axis, a real process on 127.0.0.1: send, list,
get the exact bytes, acknowledge; status messages back; repeated deliveries recognised by their
delivery key; refusals with the axis's reason; an expired token renewed."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from tinhso.integrations import edxml
from tinhso.integrations.exchange_axis import AxisClient, AxisError
from tinhso.testing.factories import free_port, standin_process

from .edxml_samples import envelope, status_envelope

A, B, C = "000.00.00.H44", "000.00.31.H44", "000.00.99.G01"


@pytest.fixture(scope="module")
def axis():
    argv = ["--token-ttl", "1", "--client-key", "k", "--client-secret", "s"]
    for organ in (A, B, C):
        argv += ["--organ", f"{organ}=secret-{organ}"]
    with standin_process("edxml_axis", *argv) as url:
        yield url


def client(url: str, organ: str, **overrides) -> AxisClient:
    options = {"client_key": "k", "client_secret": "s", "agency_secret": f"secret-{organ}"}
    return AxisClient(url, **{**options, **overrides})


def test_a_document_travels_unchanged_and_its_statuses_come_back(axis):
    sent = envelope(sender=A, recipients=(B, C), document_id=f"{A},2026/11/19,215/UBND-VX")
    ids = client(axis, A).send(sent)
    assert len(ids) == 2  # one delivery per recipient
    receiver = client(axis, C)
    (arrival,) = [a for a in receiver.arrivals() if a.doc_id in ids]
    assert (arrival.kind, arrival.sender) == ("edoc", A)
    received = receiver.get(arrival.doc_id)
    assert received == sent  # the bytes exactly as sent
    env = edxml.read(received)
    assert env.document_id == f"{A},2026/11/19,215/UBND-VX"
    receiver.acknowledge(arrival.doc_id)
    assert arrival.doc_id not in [a.doc_id for a in receiver.arrivals()]
    # C answers "arrived" (01); A pulls the status message
    status = status_envelope(
        sender=C, answered=A, document_id=env.document_id, code="01", time="2026/11/20 09:00:00"
    )
    receiver.send(status, kind="status")
    sender = client(axis, A)
    (back,) = [a for a in sender.arrivals() if a.kind == "status"]
    answer = edxml.read(sender.get(back.doc_id))
    assert (answer.kind, answer.message["StatusCode"], answer.document_id) == (
        "status",
        "01",
        env.document_id,
    )
    sender.acknowledge(back.doc_id)


def test_a_repeated_delivery_has_the_same_delivery_key(axis):
    sent = envelope(sender=A, recipients=(B,), document_id=f"{A},2026/11/19,216/UBND-VX")
    (first,) = client(axis, A).send(sent)
    request = urllib.request.Request(f"{axis}/_redeliver/{first}", method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
        again = json.loads(answer.read())["docId"]
    receiver = client(axis, B)
    keys = {edxml.read(receiver.get(doc)).delivery_key() for doc in (first, again)}
    assert first != again and len(keys) == 1


@pytest.mark.parametrize(
    "data, code",
    [
        (envelope(sender=B, recipients=(C,)), "WRONG_SENDER"),
        (envelope(sender=A, recipients=("000.00.00.X99",)), "UNKNOWN_RECIPIENT"),
        (b"<edXML>", "INVALID_XML"),
        (b"<edXML/>", "INVALID_EDXML"),
    ],
)
def test_the_axis_refuses_with_its_reason_and_keeps_nothing(axis, data, code):
    before = _count(axis)
    with pytest.raises(AxisError) as refused:
        client(axis, A).send(data)
    assert (refused.value.status, refused.value.code) == (400, code)
    assert _count(axis) == before


def test_wrong_credentials_and_an_unknown_agency_are_refused(axis):
    with pytest.raises(AxisError) as wrong:
        client(axis, A, client_secret="nope").arrivals()
    assert (wrong.value.status, wrong.value.code) == (401, "invalid_client")
    with pytest.raises(AxisError) as unknown:
        client(axis, A, agency_secret="nope").arrivals()
    assert (unknown.value.status, unknown.value.code) == (403, "UNKNOWN_AGENCY")


def test_an_expired_token_is_renewed_once(axis):
    c = client(axis, B)
    c.arrivals()
    first = c.token
    time.sleep(1.1)  # the stand-in's tokens last 1 s here
    c.arrivals()
    assert c.token and c.token != first


def test_an_unreachable_axis_says_so():
    with pytest.raises(AxisError) as down:
        client(f"http://127.0.0.1:{free_port()}", A, timeout=2).arrivals()
    assert (down.value.status, down.value.code) == (0, "UNREACHABLE")


def _count(axis: str) -> int:
    with urllib.request.urlopen(f"{axis}/_messages", timeout=5) as answer:  # noqa: S310
        return len(json.loads(answer.read())["data"])
