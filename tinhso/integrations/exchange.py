"""The document system on the national exchange axis: the outbox handlers that send envelopes,
and the pull job that brings arrivals in (``docs/exchange.md``).

- ``edxml.document`` (an issued outgoing document with recipients outside the platform) and
  ``edxml.status`` (a status message about a document imported from the axis): outbox rows the
  document services write in the change's transaction; :func:`deliver_document` and
  :func:`deliver_status` build the envelope from the stored document
  (``tinhso.documents.exchange``) and send it as the issuing agency. A refusal by the axis is a
  dead letter (``PermanentFailure``); an unreachable axis is retried with the outbox's back-off;
  an agency not connected to the axis is held.
- :func:`exchange_pull` (the scheduled ``exchange-pull``): for each agency connected, list what
  arrived, get each message, keep and import it (``services.exchange_receive``: a repeated
  delivery is recognised and ignored), acknowledge it.

Settings: ``TINHSO_EXCHANGE_AXIS_URL`` (empty: nothing is sent, the rows wait visible, nothing
is pulled), ``TINHSO_EXCHANGE_AXIS_CLIENT_KEY``/``_CLIENT_SECRET`` (the platform's credentials),
``TINHSO_EXCHANGE_AGENCIES`` (each connected agency's electronic code and its own secret). The
envelopes are signed with the agency's organisation key, the one its copies are signed with
(``TINHSO_ORGANISATION_KEYS``, ``tinhso.signatures.organisation.envelope_key``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from tinhso.dossiers.outbox import Held, PermanentFailure

from .exchange_axis import AxisClient, AxisError

logger = logging.getLogger("tinhso.exchange")

_CLIENTS: dict[tuple, AxisClient] = {}


def connected() -> dict[str, str]:
    """Electronic code → secret of the agencies connected to the axis."""
    return dict(settings.TINHSO_EXCHANGE_AGENCIES)


def client_for(organ: str) -> AxisClient:
    """The axis client of one connected agency (kept per process: its token is reused)."""
    secret = connected().get(organ)
    if not settings.TINHSO_EXCHANGE_AXIS_URL or not secret:
        raise Held(f"the agency {organ} is not connected to the exchange axis")
    key = (
        settings.TINHSO_EXCHANGE_AXIS_URL,
        settings.TINHSO_EXCHANGE_AXIS_CLIENT_KEY,
        settings.TINHSO_EXCHANGE_AXIS_CLIENT_SECRET,
        organ,
        secret,
    )
    if key not in _CLIENTS:
        _CLIENTS[key] = AxisClient(
            settings.TINHSO_EXCHANGE_AXIS_URL,
            client_key=settings.TINHSO_EXCHANGE_AXIS_CLIENT_KEY,
            client_secret=settings.TINHSO_EXCHANGE_AXIS_CLIENT_SECRET,
            agency_secret=secret,
            timeout=settings.TINHSO_EXCHANGE_AXIS_TIMEOUT,
        )
    return _CLIENTS[key]


def signed(organ: str, envelope: bytes) -> bytes:
    """The envelope signed with the organisation key of ``organ`` (``TINHSO_ORGANISATION_KEYS``,
    as its copies), unchanged when the agency has none; held (never sent unsigned) while its key
    file cannot be opened."""
    from tinhso.signatures.organisation import envelope_key
    from tinhso.signatures.pades import SigningRefused

    from . import edxml

    try:
        found = envelope_key(organ)
    except SigningRefused as exc:
        raise Held(f"the organisation key of {organ} cannot be opened: {exc.code}") from exc
    if found is None:
        return envelope
    key, cert_pem = found
    return edxml.sign(envelope, key, cert_pem)


def _send(organ: str, envelope: bytes, kind: str) -> list[str]:
    envelope = signed(organ, envelope)
    try:
        return client_for(organ).send(envelope, kind=kind)
    except AxisError as exc:
        if 400 <= exc.status < 500 and exc.status not in (401, 408, 429):
            raise PermanentFailure(f"the axis refused the envelope: {exc}") from exc
        raise


def deliver_document(message: Any) -> None:
    """Send an issued outgoing document to its recipients outside the platform."""
    from django.utils import timezone

    from tinhso.documents.exchange import mark_sent, outgoing_envelope
    from tinhso.documents.models import OutgoingDocument

    document = (
        OutgoingDocument.objects.select_related("agency", "related", "drafted_by")
        .filter(pk=message.payload["outgoing"])
        .first()
    )
    if document is None:
        return  # deleted since: nothing left to send
    ids = _send(document.agency.code, outgoing_envelope(document), "edoc")
    mark_sent(document, timezone.now())  # the axis accepted it: now it is sent
    logger.info("exchange: %s sent as %s", document.document_id, ids)


def deliver_status(message: Any) -> None:
    """Send a status message about an imported document to its sender."""
    import datetime as dt

    from tinhso.documents.exchange import status_envelope
    from tinhso.documents.models import IncomingDocument

    payload = message.payload
    document = (
        IncomingDocument.objects.select_related("agency").filter(pk=payload["incoming"]).first()
    )
    if document is None:
        return
    envelope = status_envelope(
        document,
        code=payload["code"],
        at=dt.datetime.fromisoformat(payload["at"]),
        description=payload.get("note", ""),
        staff=payload.get("staff", ""),
    )
    _send(document.agency.code, envelope, "status")


def register() -> None:
    """Plug the handlers into the outbox (from ``IntegrationsConfig.ready`` when configured)."""
    from tinhso.documents.exchange import DOCUMENT_TOPIC, STATUS_TOPIC
    from tinhso.dossiers.outbox import register_handler

    register_handler(DOCUMENT_TOPIC, deliver_document)
    register_handler(STATUS_TOPIC, deliver_status)


def exchange_pull() -> dict[str, int]:
    """Bring in what arrived for every connected agency: list, get, keep and import, acknowledge.

    A message is acknowledged once kept (imported, refused with its reason, or a repeat): the
    axis does not offer it again. One that could not be kept (the database failed) is left on the
    axis for the next run. An agency whose axis calls fail is skipped until the next run.
    """
    from .services import exchange_receive

    counts = {"agencies": 0, "imported": 0, "repeated": 0, "refused": 0, "failed": 0}
    if not settings.TINHSO_EXCHANGE_AXIS_URL:
        return counts
    for organ in sorted(connected()):
        counts["agencies"] += 1
        try:
            client = client_for(organ)
            arrivals = client.arrivals()
        except (AxisError, Held) as exc:
            logger.warning("exchange: listing the arrivals of %s failed: %s", organ, exc)
            counts["failed"] += 1
            continue
        for arrival in arrivals:
            try:
                data = client.get(arrival.doc_id)
                row, new = exchange_receive(receiver_code=organ, data=data, axis_id=arrival.doc_id)
                refused = new and row.outcome != "imported"
                client.acknowledge(arrival.doc_id, "FAIL" if refused else "DONE")
            except AxisError as exc:
                logger.warning("exchange: %s of %s: %s", arrival.doc_id, organ, exc)
                counts["failed"] += 1
                continue
            if not new:
                counts["repeated"] += 1
            elif refused:
                counts["refused"] += 1
                logger.warning("exchange: %s kept, not imported: %s", arrival.doc_id, row.error)
            else:
                counts["imported"] += 1
    return counts
