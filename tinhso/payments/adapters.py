"""Payment adapters: one interface, one class per way of paying (docs/payments.md).

The only place that knows the outside systems' field names. Every adapter implements
:class:`PaymentGateway`'s small interface: ``start`` says how the applicant pays an attempt (a
redirect URL, or a QR payload to scan), ``verify`` checks a notification the outside system sent
and returns a :class:`Notification` in the domain's words, or raises :class:`Forged`.

- :class:`VNPayGateway`: the VNPay merchant protocol (version 2.1.0): a signed redirect, the
  return page, the IPN, the query API ``querydr`` for reconciliation.
- :class:`VietQRTransfer`: a NAPAS VietQR bank transfer: an EMVCo merchant-presented QR payload
  whose purpose carries the payment reference; confirmed by a matched line of the bank's
  transaction feed (:func:`parse_bank_feed`).

The national payment platform (PayGov) has no public specification yet: it will be one more
class here. No Django models are imported: the services pass plain values.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
import re
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode
from zoneinfo import ZoneInfo

from tinhso.core.text import normalize_search

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


class Forged(Exception):
    """A notification that does not verify: bad signature, or not for this merchant.

    ``code`` is the answer the outside system expects (VNPay's ``RspCode``)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Start:
    """How the applicant pays: follow ``redirect_url``, or scan ``qr_payload``."""

    redirect_url: str = ""
    qr_payload: str = ""


@dataclass(frozen=True)
class Notification:
    """A verified statement of the outside system about one of our orders."""

    reference: str  # our order (vnp_TxnRef, the VietQR payment reference)
    amount_vnd: int
    succeeded: bool
    transaction_no: str = ""  # the gateway's or the bank's own transaction number
    bank_code: str = ""
    paid_at: dt.datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    pending: bool = False  # not decided yet (the query API's status 01): changes nothing


class PaymentGateway(ABC):
    """The payment interface every adapter implements."""

    name: str

    @abstractmethod
    def start(self, *, reference: str, amount_vnd: int, description: str, **extra: Any) -> Start:
        """How the applicant pays the order ``reference`` of ``amount_vnd``."""

    @abstractmethod
    def verify(self, params: Mapping[str, str]) -> Notification:
        """The verified content of a notification, or raise :class:`Forged`."""


# --- VNPay ------------------------------------------------------------------------------------

VNPAY_VERSION = "2.1.0"
# VNPay's IPN answers (RspCode): what the gateway expects back from the merchant.
RSP_OK = "00"
RSP_UNKNOWN_ORDER = "01"
RSP_ALREADY_CONFIRMED = "02"
RSP_WRONG_AMOUNT = "04"
RSP_BAD_SIGNATURE = "97"
RSP_OTHER = "99"
RSP_MESSAGES = {
    RSP_OK: "Confirm Success",
    RSP_UNKNOWN_ORDER: "Order not found",
    RSP_ALREADY_CONFIRMED: "Order already confirmed",
    RSP_WRONG_AMOUNT: "Invalid amount",
    RSP_BAD_SIGNATURE: "Invalid signature",
    RSP_OTHER: "Unknown error",
}
# The query API's checksum: these fields, in this order, joined by "|".
QUERYDR_REQUEST_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
QUERYDR_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
    "vnp_PromotionCode",
    "vnp_PromotionAmount",
)
HASH_FIELDS_EXCLUDED = ("vnp_SecureHash", "vnp_SecureHashType")


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def vnpay_hash_data(params: Mapping[str, str]) -> str:
    """The signed string of a redirect, a return or an IPN: the ``vnp_`` parameters but the
    hash itself, sorted by name, each ``quote_plus(key)=quote_plus(value)``, joined by ``&``
    (what VNPay's samples compute with PHP's ``urlencode``); empty values are left out."""
    items = sorted(
        (k, str(v))
        for k, v in params.items()
        if k.startswith("vnp_") and k not in HASH_FIELDS_EXCLUDED and str(v) != ""
    )
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in items)


def vnpay_sign(params: Mapping[str, str], secret: str) -> str:
    return hmac_sha512(secret, vnpay_hash_data(params))


def vnpay_signature_ok(params: Mapping[str, str], secret: str) -> bool:
    given = str(params.get("vnp_SecureHash", "")).lower()
    return bool(given) and hmac.compare_digest(given, vnpay_sign(params, secret))


def querydr_checksum(values: Mapping[str, str], fields: tuple[str, ...], secret: str) -> str:
    """The query API's checksum: ``fields`` in their fixed order, joined by ``|``, HMAC-SHA512."""
    return hmac_sha512(secret, "|".join(str(values.get(name, "")) for name in fields))


def vnpay_time(moment: dt.datetime) -> str:
    """VNPay's times: ``yyyyMMddHHmmss`` in Vietnam's local time, no offset."""
    return moment.astimezone(LOCAL).strftime("%Y%m%d%H%M%S")


def parse_vnpay_time(value: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=LOCAL)
    except (TypeError, ValueError):
        return None


def ascii_text(text: str, limit: int) -> str:
    """Vietnamese text without diacritics (VNPay's OrderInfo, a transfer purpose)."""
    plain = normalize_search(text) if text else ""
    return re.sub(r"[^A-Za-z0-9 .:-]", " ", plain).strip()[:limit]


class VNPayGateway(PaymentGateway):
    """The VNPay merchant protocol (Cổng thanh toán VNPAY)."""

    name = "vnpay"

    def __init__(self, *, pay_url: str, api_url: str, tmn_code: str, secret: str) -> None:
        self.pay_url, self.api_url = pay_url, api_url
        self.tmn_code, self.secret = tmn_code, secret

    def start(
        self,
        *,
        reference: str,
        amount_vnd: int,
        description: str,
        return_url: str = "",
        ip_address: str = "127.0.0.1",
        now: dt.datetime | None = None,
        expire_minutes: int = 15,
        **extra: Any,
    ) -> Start:
        now = now or dt.datetime.now(tz=LOCAL)
        params = {
            "vnp_Version": VNPAY_VERSION,
            "vnp_Command": "pay",
            "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": str(amount_vnd * 100),
            "vnp_CurrCode": "VND",
            "vnp_TxnRef": reference,
            "vnp_OrderInfo": ascii_text(description, 255),
            "vnp_OrderType": "other",
            "vnp_Locale": "vn",
            "vnp_ReturnUrl": return_url,
            "vnp_IpAddr": ip_address,
            "vnp_CreateDate": vnpay_time(now),
            "vnp_ExpireDate": vnpay_time(now + dt.timedelta(minutes=expire_minutes)),
        }
        query = urlencode(sorted(params.items()))
        return Start(redirect_url=f"{self.pay_url}?{query}&vnp_SecureHash={self.sign(params)}")

    def sign(self, params: Mapping[str, str]) -> str:
        return vnpay_sign(params, self.secret)

    def verify(self, params: Mapping[str, str]) -> Notification:
        """A return or an IPN: the signature, then the merchant; then its content."""
        if not vnpay_signature_ok(params, self.secret):
            raise Forged(RSP_BAD_SIGNATURE, "invalid signature")
        if params.get("vnp_TmnCode") != self.tmn_code:
            raise Forged(RSP_BAD_SIGNATURE, "not for this merchant")
        amount = str(params.get("vnp_Amount", ""))
        if not amount.isdigit() or int(amount) % 100:
            raise Forged(RSP_WRONG_AMOUNT, "amount is not a whole number of VND x 100")
        return Notification(
            reference=str(params.get("vnp_TxnRef", "")),
            amount_vnd=int(amount) // 100,
            succeeded=params.get("vnp_ResponseCode") == "00"
            and params.get("vnp_TransactionStatus") == "00",
            transaction_no=str(params.get("vnp_TransactionNo", ""))[:40],
            bank_code=str(params.get("vnp_BankCode", ""))[:20],
            paid_at=parse_vnpay_time(str(params.get("vnp_PayDate", ""))),
            raw=dict(params),
        )

    def query(
        self,
        *,
        reference: str,
        order_info: str,
        transaction_date: str,
        request_id: str,
        ip_address: str = "127.0.0.1",
        now: dt.datetime | None = None,
        timeout: float = 15,
    ) -> Notification:
        """Ask the gateway about an order (``querydr``): reconciliation of what no IPN told."""
        body = {
            "vnp_RequestId": request_id,
            "vnp_Version": VNPAY_VERSION,
            "vnp_Command": "querydr",
            "vnp_TmnCode": self.tmn_code,
            "vnp_TxnRef": reference,
            "vnp_OrderInfo": ascii_text(order_info, 255),
            "vnp_TransactionDate": transaction_date,
            "vnp_CreateDate": vnpay_time(now or dt.datetime.now(tz=LOCAL)),
            "vnp_IpAddr": ip_address,
        }
        body["vnp_SecureHash"] = querydr_checksum(body, QUERYDR_REQUEST_FIELDS, self.secret)
        request = urllib.request.Request(  # noqa: S310 (a configured https URL)
            self.api_url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = json.loads(response.read())
        return self.verify_query_answer(answer)

    def verify_query_answer(self, answer: Mapping[str, Any]) -> Notification:
        expected = querydr_checksum(answer, QUERYDR_RESPONSE_FIELDS, self.secret)
        if not hmac.compare_digest(str(answer.get("vnp_SecureHash", "")).lower(), expected):
            raise Forged(RSP_BAD_SIGNATURE, "invalid query answer checksum")
        if answer.get("vnp_ResponseCode") != "00":  # the query itself failed (91: not found)
            raise Forged(
                RSP_UNKNOWN_ORDER if answer.get("vnp_ResponseCode") == "91" else RSP_OTHER,
                str(answer.get("vnp_Message", "query refused")),
            )
        amount = str(answer.get("vnp_Amount", ""))
        if not amount.isdigit() or int(amount) % 100:
            raise Forged(RSP_WRONG_AMOUNT, "amount is not a whole number of VND x 100")
        return Notification(
            reference=str(answer.get("vnp_TxnRef", "")),
            amount_vnd=int(amount) // 100,
            succeeded=answer.get("vnp_TransactionStatus") == "00",
            pending=answer.get("vnp_TransactionStatus") == "01",
            transaction_no=str(answer.get("vnp_TransactionNo", ""))[:40],
            bank_code=str(answer.get("vnp_BankCode", ""))[:20],
            paid_at=parse_vnpay_time(str(answer.get("vnp_PayDate", ""))),
            raw=dict(answer),
        )


# --- VietQR -----------------------------------------------------------------------------------

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"  # transfer to an account (QRIBFTTC: to a card)
CURRENCY_VND = "704"
PURPOSE_MAX = 25


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise ValueError(f"EMVCo field {tag} longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def emv_fields(payload: str) -> list[tuple[str, str]]:
    """The top-level (tag, value) pairs of a payload; ValueError when it is not TLV."""
    fields, i = [], 0
    while i < len(payload):
        tag, size = payload[i : i + 2], payload[i + 2 : i + 4]
        if len(tag) < 2 or not size.isdigit() or i + 4 + int(size) > len(payload):
            raise ValueError(f"malformed EMVCo field at {i}")
        fields.append((tag, payload[i + 4 : i + 4 + int(size)]))
        i += 4 + int(size)
    return fields


def emv_crc_ok(payload: str) -> bool:
    """Tag 63 is last, 4 hexadecimal digits: the CRC of everything before them."""
    if len(payload) < 8 or payload[-8:-4] != "6304":
        return False
    crc = crc16_ccitt_false(payload[:-4].encode())
    return payload[-4:].upper() == f"{crc:04X}"


class VietQRTransfer(PaymentGateway):
    """A VietQR (NAPAS 247) transfer to the agency's account; confirmed by the bank's feed."""

    name = "vietqr"

    def __init__(self, *, bank_bin: str, account: str, account_name: str = "") -> None:
        self.bank_bin, self.account, self.account_name = bank_bin, account, account_name

    def payload(self, *, amount_vnd: int, purpose: str) -> str:
        """The EMVCo merchant-presented payload (a dynamic QR: with the amount)."""
        if len(purpose) > PURPOSE_MAX:
            raise ValueError("the purpose of a VietQR transfer is at most 25 characters")
        beneficiary = tlv("00", self.bank_bin) + tlv("01", self.account)
        merchant = tlv("00", NAPAS_GUID) + tlv("01", beneficiary) + tlv("02", SERVICE_TO_ACCOUNT)
        body = (
            tlv("00", "01")
            + tlv("01", "12")
            + tlv("38", merchant)
            + tlv("53", CURRENCY_VND)
            + tlv("54", str(amount_vnd))
            + tlv("58", "VN")
            + tlv("62", tlv("08", purpose))
            + "6304"
        )
        return body + f"{crc16_ccitt_false(body.encode()):04X}"

    def start(self, *, reference: str, amount_vnd: int, description: str, **extra: Any) -> Start:
        return Start(qr_payload=self.payload(amount_vnd=amount_vnd, purpose=reference))

    def verify(self, params: Mapping[str, str]) -> Notification:
        """A line of the bank's feed (already authenticated by how it arrived: an officer's
        upload or the bank's signed webhook). Only credits to our account count."""
        if str(params.get("account", "")).strip() not in ("", self.account):
            raise Forged(RSP_OTHER, "not a credit to the agency's account")
        amount = str(params.get("amount_vnd", "")).strip().replace(".", "").replace(",", "")
        if not amount.isdigit():
            raise Forged(RSP_WRONG_AMOUNT, "amount is not a whole number of VND")
        reference = find_reference(str(params.get("description", "")))
        return Notification(
            reference=reference,
            amount_vnd=int(amount),
            succeeded=True,
            transaction_no=str(params.get("transaction_id", ""))[:40],
            paid_at=parse_feed_time(str(params.get("booked_at", ""))),
            raw=dict(params),
        )


# A payment reference: "TS" and 8 characters of an alphabet without look-alikes (no 0/O, 1/I/L).
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PATTERN = re.compile(r"TS[2-9A-HJKMNP-Z]{8}")
FEED_COLUMNS = ("transaction_id", "booked_at", "amount_vnd", "description", "account")


def find_reference(description: str) -> str:
    """The payment reference in a transfer's description (banks add words and drop spaces)."""
    found = REFERENCE_PATTERN.search(re.sub(r"\s+", "", description.upper()))
    return found.group(0) if found else ""


def parse_feed_time(value: str) -> dt.datetime | None:
    value = value.strip()
    for pattern in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            moment = dt.datetime.strptime(value, pattern)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL)
    return None


def bank_webhook_signature(secret: str, body: bytes) -> str:
    """The signature a bank's feed webhook sends: ``sha256=`` + HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def parse_bank_webhook(body: bytes) -> list[dict[str, str]]:
    """The lines of a webhook body ``{"transactions": [{…the CSV's columns…}]}``; ValueError
    when it is not that shape."""
    data = json.loads(body)
    lines = data.get("transactions") if isinstance(data, dict) else None
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        raise ValueError('the body must be {"transactions": [{…}, …]}')
    return [
        {str(k): str(v if v is not None else "").strip() for k, v in line.items()} for line in lines
    ]


def parse_bank_feed(text: str) -> list[dict[str, str]]:
    """The lines of a bank feed in the documented CSV form (docs/payments.md): a header row
    naming at least ``FEED_COLUMNS``; ValueError when it does not."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in FEED_COLUMNS if c not in (reader.fieldnames or []) and c != "account"]
    if missing:
        raise ValueError("missing columns: " + ", ".join(missing))
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
