"""The protocols' arithmetic, checked against values written out by hand (no database)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from tinhso.payments import adapters as a

SECRET = "SECRETKEY"


def test_the_vnpay_hash_string_sorts_encodes_and_skips_the_hash_itself():
    params = {
        "vnp_TxnRef": "TS23456789",
        "vnp_Amount": "5000000",
        "vnp_OrderInfo": "Thanh toan GD:HS 1/2",
        "vnp_SecureHash": "ignored",
        "vnp_SecureHashType": "HmacSHA512",
        "vnp_BankCode": "",  # empty values are left out
        "other": "not a vnp_ parameter",
    }
    expected = "vnp_Amount=5000000&vnp_OrderInfo=Thanh+toan+GD%3AHS+1%2F2&vnp_TxnRef=TS23456789"
    assert a.vnpay_hash_data(params) == expected
    digest = hmac.new(SECRET.encode(), expected.encode(), hashlib.sha512).hexdigest()
    assert a.vnpay_sign(params, SECRET) == digest
    assert len(digest) == 128


def test_a_signature_verifies_only_unchanged_and_with_the_same_secret():
    params = {"vnp_Amount": "5000000", "vnp_TxnRef": "TS23456789", "vnp_ResponseCode": "00"}
    params["vnp_SecureHash"] = a.vnpay_sign(params, SECRET)
    assert a.vnpay_signature_ok(params, SECRET)
    assert a.vnpay_signature_ok(
        {**params, "vnp_SecureHash": params["vnp_SecureHash"].upper()}, SECRET
    )
    assert not a.vnpay_signature_ok(params, "OTHER")
    assert not a.vnpay_signature_ok({**params, "vnp_Amount": "5000100"}, SECRET)
    assert not a.vnpay_signature_ok({**params, "vnp_SecureHash": ""}, SECRET)


def test_the_query_checksum_joins_fixed_fields_with_bars():
    values = {name: name[4:] for name in a.QUERYDR_REQUEST_FIELDS}
    values["vnp_OrderInfo"] = "Thanh toan"
    data = "RequestId|Version|Command|TmnCode|TxnRef|TransactionDate|CreateDate|IpAddr|Thanh toan"
    digest = hmac.new(SECRET.encode(), data.encode(), hashlib.sha512).hexdigest()
    assert a.querydr_checksum(values, a.QUERYDR_REQUEST_FIELDS, SECRET) == digest
    # not the redirect's rule
    assert digest != a.vnpay_sign(values, SECRET)


def test_the_redirect_carries_the_signed_parameters():
    from urllib.parse import parse_qsl, urlsplit

    gateway = a.VNPayGateway(
        pay_url="https://pay.example/vpcpay.html", api_url="", tmn_code="M1", secret=SECRET
    )
    start = gateway.start(
        reference="TS23456789",
        amount_vnd=50000,
        description="Phí hồ sơ H44-261205-0001",
        return_url="https://tinhso.example/thanh-toan/vnpay/ket-qua/",
    )
    url = urlsplit(start.redirect_url)
    params = dict(parse_qsl(url.query))
    assert url.netloc == "pay.example" and a.vnpay_signature_ok(params, SECRET)
    assert params["vnp_Amount"] == "5000000" and params["vnp_CurrCode"] == "VND"
    assert params["vnp_OrderInfo"] == "phi ho so h44-261205-0001"  # no diacritics
    assert params["vnp_Version"] == "2.1.0" and params["vnp_Command"] == "pay"


def test_verify_refuses_a_forged_or_foreign_notification():
    gateway = a.VNPayGateway(pay_url="", api_url="", tmn_code="M1", secret=SECRET)
    params = {
        "vnp_TmnCode": "M1",
        "vnp_Amount": "5000000",
        "vnp_TxnRef": "TS2",
        "vnp_ResponseCode": "00",
        "vnp_TransactionStatus": "00",
    }
    good = {**params, "vnp_SecureHash": a.vnpay_sign(params, SECRET)}
    assert gateway.verify(good).amount_vnd == 50000 and gateway.verify(good).succeeded
    with pytest.raises(a.Forged) as bad:
        gateway.verify({**good, "vnp_Amount": "9900"})
    assert bad.value.code == "97"
    foreign = {**params, "vnp_TmnCode": "M2"}
    with pytest.raises(a.Forged):
        gateway.verify({**foreign, "vnp_SecureHash": a.vnpay_sign(foreign, SECRET)})


def test_crc16_ccitt_false_check_value():
    assert a.crc16_ccitt_false(b"123456789") == 0x29B1  # the catalogue's check value
    assert a.crc16_ccitt_false(b"") == 0xFFFF


def test_the_vietqr_payload_is_emvco_tlv_with_napas_fields():
    payload = a.VietQRTransfer(bank_bin="970415", account="113366668888").payload(
        amount_vnd=50000, purpose="TS23456789"
    )
    fields = dict(a.emv_fields(payload))
    assert fields["00"] == "01" and fields["01"] == "12"  # dynamic: with the amount
    merchant = dict(a.emv_fields(fields["38"]))
    assert merchant["00"] == "A000000727" and merchant["02"] == "QRIBFTTA"
    assert dict(a.emv_fields(merchant["01"])) == {"00": "970415", "01": "113366668888"}
    assert (fields["53"], fields["54"], fields["58"]) == ("704", "50000", "VN")
    assert dict(a.emv_fields(fields["62"])) == {"08": "TS23456789"}
    assert payload[-8:-4] == "6304" and a.emv_crc_ok(payload)
    assert not a.emv_crc_ok(payload.replace("50000", "90000"))
    with pytest.raises(ValueError):
        a.VietQRTransfer(bank_bin="970415", account="1").payload(amount_vnd=1, purpose="x" * 26)


def test_the_reference_is_found_in_a_bank_description():
    assert a.find_reference("MBVCB.123.TS23456789.Thanh toan phi") == "TS23456789"
    assert a.find_reference("ts23 456 789 chuyen tien") == "TS23456789"  # spaces dropped
    assert a.find_reference("TS0123456O9") == ""  # look-alikes are not in the alphabet
    assert a.find_reference("") == ""


def test_the_bank_feed_csv():
    text = (
        "\ufefftransaction_id,booked_at,amount_vnd,description,account\n"
        "FT001,2026-12-05 09:10:00,50000,TS23456789 nop phi,113366668888\n"
    )
    rows = a.parse_bank_feed(text)
    assert rows == [
        {
            "transaction_id": "FT001",
            "booked_at": "2026-12-05 09:10:00",
            "amount_vnd": "50000",
            "description": "TS23456789 nop phi",
            "account": "113366668888",
        }
    ]
    line = a.VietQRTransfer(bank_bin="970415", account="113366668888").verify(rows[0])
    assert (line.reference, line.amount_vnd, line.transaction_no) == ("TS23456789", 50000, "FT001")
    with pytest.raises(ValueError):
        a.parse_bank_feed("id,amount\n1,2\n")
    with pytest.raises(a.Forged):  # a line of another account
        a.VietQRTransfer(bank_bin="970415", account="1").verify(rows[0])


def test_the_query_answer_is_verified_over_its_own_fixed_fields():
    """The querydr answer's checksum, written out by hand (15 fields in VNPay's order joined by
    ``|``): accepted as is; a changed amount, another secret, or the redirect's rule refused."""
    gateway = a.VNPayGateway(pay_url="", api_url="", tmn_code="M1", secret=SECRET)
    answer = {
        "vnp_ResponseId": "R1",
        "vnp_Command": "querydr",
        "vnp_ResponseCode": "00",
        "vnp_Message": "QueryDR Success",
        "vnp_TmnCode": "M1",
        "vnp_TxnRef": "TS23456789",
        "vnp_Amount": "5000000",
        "vnp_BankCode": "NCB",
        "vnp_PayDate": "20261205091000",
        "vnp_TransactionNo": "14226112",
        "vnp_TransactionType": "01",
        "vnp_TransactionStatus": "00",
        "vnp_OrderInfo": "Thanh toan",
        "vnp_PromotionCode": "",
        "vnp_PromotionAmount": "",
    }
    data = (
        "R1|querydr|00|QueryDR Success|M1|TS23456789|5000000|NCB|20261205091000|14226112|01|00|"
        "Thanh toan||"
    )
    digest = hmac.new(SECRET.encode(), data.encode(), hashlib.sha512).hexdigest()
    signed = {**answer, "vnp_SecureHash": digest}
    told = gateway.verify_query_answer(signed)
    assert (told.reference, told.amount_vnd, told.succeeded, told.pending) == (
        "TS23456789",
        50000,
        True,
        False,
    )
    for forged in (
        {**signed, "vnp_Amount": "9900000"},
        {**answer, "vnp_SecureHash": a.querydr_checksum(answer, a.QUERYDR_RESPONSE_FIELDS, "X")},
        {**answer, "vnp_SecureHash": a.vnpay_sign(answer, SECRET)},  # the redirect's rule
    ):
        with pytest.raises(a.Forged) as refused:
            gateway.verify_query_answer(forged)
        assert refused.value.code == "97"
