"""The organisation's signature made on the server, with the agency's own key (copies and
attachments in a separate file: Decree 30, Appendix I; ``docs/signatures.md``).

The keys are PKCS#12 files named in ``TINHSO_ORGANISATION_KEYS`` (``CODE=/path/file.p12`` per
agency electronic code, ``*=/path`` for every agency; ``{code}`` in a path stands for the agency's
electronic code: ``*=/keys/{code}.p12``, one file per agency in one folder), their password in
``TINHSO_ORGANISATION_KEY_PASSWORD``: never in git, never in the database. The signature is
made by :func:`pades.sign_pdf` (the certificate checked first) with the copy appearance
(:func:`appearance.copy_stamp`) at the top right of page 1.

The same keys sign the agency's edXML envelopes on the exchange axis (:func:`envelope_key`,
``tinhso.integrations.exchange.signed``): one place for an organisation's keys.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.sign import signers

from . import appearance, pades

COPY_TOP_MM = 5  # the stamp's 14 mm end above the 20 mm top margin of a Decree 30 page


def key_file(agency_code: str) -> Path | None:
    """The PKCS#12 file of the agency with this electronic code (or the one for every agency,
    ``{code}`` in its path replaced by the code); None when none is configured. A code that
    could name another folder (``/``, ``..``) has none."""
    files = dict(item.split("=", 1) for item in settings.TINHSO_ORGANISATION_KEYS if "=" in item)
    name = files.get(agency_code) or files.get("*")
    if not name:
        return None
    if "{code}" in name:
        if not agency_code or "/" in agency_code or ".." in agency_code:
            return None
        name = name.replace("{code}", agency_code)
    return Path(name)


def organisation_signer(agency_code: str) -> signers.SimpleSigner:
    """The agency's organisation signer; refused when it has no key configured."""
    path = key_file(agency_code)
    if path is None or not path.is_file():
        raise pades.SigningRefused(
            "no_organisation_key",
            _("The agency has no organisation signing key configured: ask the administrator."),
        )
    password = settings.TINHSO_ORGANISATION_KEY_PASSWORD.encode() or None
    return pades.load_pkcs12(path.read_bytes(), password)


def envelope_key(agency_code: str) -> tuple[Any, bytes] | None:
    """The agency's organisation key (a ``cryptography`` private key) and its certificate (PEM)
    for signing its edXML envelopes (``integrations.edxml.sign``), or None when the agency has no
    key configured: its envelopes then go unsigned. A file that cannot be opened (a wrong
    password, a damaged file) is refused with ``bad_keystore``: a configuration error to fix,
    never a silent unsigned envelope."""
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    path = key_file(agency_code)
    if path is None or not path.is_file():
        return None
    password = settings.TINHSO_ORGANISATION_KEY_PASSWORD.encode() or None
    try:
        key, cert, _chain = pkcs12.load_key_and_certificates(path.read_bytes(), password)
    except (ValueError, TypeError) as exc:
        raise pades.SigningRefused(
            "bad_keystore",
            _("The PKCS#12 file could not be opened: check the file and its password."),
        ) from exc
    if key is None or cert is None:
        raise pades.SigningRefused(
            "bad_keystore",
            _("The PKCS#12 file could not be opened: check the file and its password."),
        )
    return key, cert.public_bytes(Encoding.PEM)


def sign_copy(
    pdf: bytes, *, agency_code: str, copy_form: str, agency_name: str, when: dt.datetime
) -> bytes:
    """``pdf`` signed with the agency's organisation signature at the top right of page 1:
    the copy form, the agency and the signing time (ISO 8601, +07:00). B-T when a timestamp
    authority is configured, B-B otherwise."""
    signer = organisation_signer(agency_code)
    stamp = appearance.copy_stamp(copy_form=copy_form, agency=agency_name, when=when)
    level = pades.Level.B_T if settings.TINHSO_TSA_URL else pades.Level.B_B
    return pades.sign_pdf(
        pdf,
        signer,
        field_name="chu_ky_to_chuc_ban_sao",
        level=level,
        # In the top margin, above a Decree 30 header (its top margin is 20 mm).
        placement=appearance.top_right_box(pdf, top_mm=COPY_TOP_MM),
        appearance=stamp.style,
    )
