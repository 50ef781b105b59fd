"""A stand-in VNPay gateway: ``python -m tinhso.standins.vnpay --port N --ipn-url URL``.

It speaks the VNPay merchant protocol (version 2.1.0) as ``tinhso.payments.adapters`` uses it,
for one merchant (``--tmn-code``, ``--secret``), checks what it receives and keeps the orders:

- ``GET /paymentv2/vpcpay.html?vnp_…&vnp_SecureHash=…``: the redirect. The signature (HMAC-SHA512
  over the sorted, URL-encoded parameters), the merchant, the version and command, the amount
  (a positive multiple of 100), the currency, the dates and the return URL are checked; a bad
  request gets an error page (as VNPay's "Sai chữ ký"), a good one the payment page with two
  buttons;
- ``POST /paymentv2/pay`` (``order``, ``choice`` = pay | cancel): the buyer's choice. The IPN is
  called server to server first (GET with the signed ``vnp_`` parameters; retried in the
  background until it answers ``RspCode`` 00 or 02), then the browser goes back to the return URL
  with the same signed parameters;
- ``POST /merchant_webapi/api/transaction`` (JSON, ``vnp_Command=querydr``): the query API, its
  checksum being the ``|``-joined fixed-order fields;
- ``GET /orders.json``: the orders and every IPN answer (for tests);
- ``POST /control/ipn`` ``{"order": ref}``: send the IPN of a paid order again (a replay).

Standard library only; state in memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import html
import itertools
import json
import threading
import time
import urllib.parse
import urllib.request
from http.server import ThreadingHTTPServer
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from tinhso.standins._server import JsonHandler, serve

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
EXCLUDED = ("vnp_SecureHash", "vnp_SecureHashType")
REQUIRED = (
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_CurrCode",
    "vnp_TxnRef",
    "vnp_OrderInfo",
    "vnp_OrderType",
    "vnp_Locale",
    "vnp_ReturnUrl",
    "vnp_IpAddr",
    "vnp_CreateDate",
)
QUERY_REQUEST = (
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
QUERY_RESPONSE = (
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


def sign(params: dict, secret: str) -> str:
    """The same rule as the merchant's (written again here: the stand-in imports no product)."""
    items = sorted(
        (k, str(v))
        for k, v in params.items()
        if k.startswith("vnp_") and k not in EXCLUDED and str(v) != ""
    )
    data = "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in items)
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def checksum(values: dict, fields: tuple[str, ...], secret: str) -> str:
    data = "|".join(str(values.get(name, "")) for name in fields)
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def now_text() -> str:
    return dt.datetime.now(tz=LOCAL).strftime("%Y%m%d%H%M%S")


class Gateway:
    def __init__(self, *, tmn_code: str, secret: str, ipn_url: str, retries: int = 5) -> None:
        self.lock = threading.Lock()
        self.tmn_code, self.secret, self.ipn_url = tmn_code, secret, ipn_url
        self.retries = retries
        self.orders: dict[str, dict] = {}  # vnp_TxnRef → order
        self.ipn_log: list[dict] = []
        self.numbers = itertools.count(14_000_001)

    def problem(self, params: dict) -> str:
        """Why a redirect is refused ("" when it is fine)."""
        missing = [name for name in REQUIRED if not params.get(name)]
        if missing:
            return "missing " + ", ".join(missing)
        given = params.get("vnp_SecureHash", "").lower()
        if not hmac.compare_digest(given, sign(params, self.secret)):
            return "invalid signature"
        if params["vnp_TmnCode"] != self.tmn_code:
            return "unknown merchant"
        if params["vnp_Version"] != "2.1.0" or params["vnp_Command"] != "pay":
            return "unsupported version or command"
        amount = params["vnp_Amount"]
        if not amount.isdigit() or int(amount) <= 0 or int(amount) % 100:
            return "amount must be a positive multiple of 100"
        if params["vnp_CurrCode"] != "VND":
            return "currency must be VND"
        for name in ("vnp_CreateDate", "vnp_ExpireDate"):
            if params.get(name):
                try:
                    dt.datetime.strptime(params[name], "%Y%m%d%H%M%S")
                except ValueError:
                    return f"{name} must be yyyyMMddHHmmss"
        if not params["vnp_ReturnUrl"].startswith(("http://", "https://")):
            return "vnp_ReturnUrl must be an absolute URL"
        with self.lock:
            known = self.orders.get(params["vnp_TxnRef"])
        if known is not None and known["status"] != "pending":
            return "vnp_TxnRef already used"  # VNPay refuses a reused order
        return ""

    def result(self, order: dict) -> dict:
        """The signed parameters of the return and the IPN for a decided order."""
        paid = order["status"] == "paid"
        params = {
            "vnp_Amount": order["amount"],
            "vnp_BankCode": "NCB",
            "vnp_BankTranNo": f"VNP{order['transaction_no']}" if paid else "",
            "vnp_CardType": "ATM",
            "vnp_OrderInfo": order["order_info"],
            "vnp_PayDate": order["pay_date"],
            "vnp_ResponseCode": "00" if paid else "24",  # 24: the customer cancelled
            "vnp_TmnCode": self.tmn_code,
            "vnp_TransactionNo": order["transaction_no"] if paid else "0",
            "vnp_TransactionStatus": "00" if paid else "02",
            "vnp_TxnRef": order["ref"],
        }
        params["vnp_SecureHash"] = sign(params, self.secret)
        return params

    def call_ipn(self, params: dict) -> dict:
        """One IPN call; what the merchant answered (or the failure)."""
        url = self.ipn_url + ("&" if "?" in self.ipn_url else "?") + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (127.0.0.1)
                answer = json.loads(response.read())
        except Exception as exc:
            answer = {"error": str(exc)}
        with self.lock:
            self.ipn_log.append({"order": params["vnp_TxnRef"], "answer": answer})
        return answer

    def notify(self, params: dict) -> dict:
        """Call the IPN; when it does not answer 00/02, retry in the background with back-off."""
        answer = self.call_ipn(params)
        if answer.get("RspCode") in ("00", "02"):
            return answer

        def retry() -> None:
            for attempt in range(self.retries):
                time.sleep(min(2**attempt, 30))
                if self.call_ipn(params).get("RspCode") in ("00", "02"):
                    return

        threading.Thread(target=retry, daemon=True).start()
        return answer


class Handler(JsonHandler):
    gateway: Gateway  # set on the subclass the server uses

    def _page(self, status: int, title: str, body: str) -> None:
        page = (
            f"<!doctype html><html lang=vi><meta charset=utf-8><title>{html.escape(title)}</title>"
            "<meta name=viewport content='width=device-width,initial-scale=1'>"
            "<link rel=icon href='data:,'>"
            f"<main><h1>{html.escape(title)}</h1>{body}</main></html>"
        )
        self._answer(status, page.encode(), "text/html; charset=utf-8")

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/orders.json":
            with self.gateway.lock:
                data = {"orders": list(self.gateway.orders.values()), "ipn": self.gateway.ipn_log}
            return self._answer(200, data)
        if url.path != "/paymentv2/vpcpay.html":
            return self._answer(404, {"error": 404})
        params = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        problem = self.gateway.problem(params)
        if problem:
            return self._page(400, "Giao dịch không hợp lệ", f"<p>{html.escape(problem)}</p>")
        ref = params["vnp_TxnRef"]
        order = {
            "ref": ref,
            "amount": params["vnp_Amount"],
            "order_info": params["vnp_OrderInfo"],
            "return_url": params["vnp_ReturnUrl"],
            "create_date": params["vnp_CreateDate"],
            "status": "pending",
            "transaction_no": "",
            "pay_date": "",
        }
        with self.gateway.lock:
            self.gateway.orders[ref] = order
        amount = f"{int(params['vnp_Amount']) // 100:,}".replace(",", ".")
        body = (
            f"<p>Đơn hàng: <strong>{html.escape(ref)}</strong></p>"
            f"<p>{html.escape(params['vnp_OrderInfo'])}</p>"
            f"<p>Số tiền: <strong data-testid=amount>{amount} VND</strong></p>"
            "<form method=post action=/paymentv2/pay>"
            f"<input type=hidden name=order value='{html.escape(ref, quote=True)}'>"
            "<button name=choice value=pay>Thanh toán</button> "
            "<button name=choice value=cancel>Hủy giao dịch</button></form>"
        )
        return self._page(200, "Cổng thanh toán VNPAY (stand-in)", body)

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        if path == "/paymentv2/pay":
            return self._pay()
        if path == "/merchant_webapi/api/transaction":
            return self._query()
        if path == "/control/ipn":
            return self._replay()
        return self._answer(404, {"error": 404})

    def _pay(self):
        form = urllib.parse.parse_qs(self._raw_body().decode())
        ref, choice = (form.get("order") or [""])[0], (form.get("choice") or [""])[0]
        g = self.gateway
        with g.lock:
            order = g.orders.get(ref)
            if order is None or order["status"] != "pending" or choice not in ("pay", "cancel"):
                order = None
            else:
                order["status"] = "paid" if choice == "pay" else "cancelled"
                order["transaction_no"] = str(next(g.numbers)) if choice == "pay" else ""
                order["pay_date"] = now_text()
        if order is None:
            return self._page(400, "Giao dịch không hợp lệ", "<p>unknown or decided order</p>")
        params = g.result(order)
        g.notify(params)  # server to server first, then the browser
        target = order["return_url"]
        target += ("&" if "?" in target else "?") + urllib.parse.urlencode(params)
        self.send_response(303)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()
        return None

    def _replay(self):
        data = self._json_body() or {}
        with self.gateway.lock:
            order = self.gateway.orders.get(str(data.get("order", "")))
        if order is None or order["status"] == "pending":
            return self._answer(404, {"error": "unknown or undecided order"})
        return self._answer(200, self.gateway.call_ipn(self.gateway.result(order)))

    def _query(self):
        g = self.gateway
        data = self._json_body()
        if not isinstance(data, dict) or data.get("vnp_Command") != "querydr":
            return self._answer(400, {"vnp_ResponseCode": "99", "vnp_Message": "bad request"})
        answer = {
            "vnp_ResponseId": data.get("vnp_RequestId", ""),
            "vnp_Command": "querydr",
            "vnp_TmnCode": g.tmn_code,
            "vnp_TxnRef": data.get("vnp_TxnRef", ""),
            "vnp_Amount": "",
            "vnp_BankCode": "",
            "vnp_PayDate": "",
            "vnp_TransactionNo": "",
            "vnp_TransactionType": "01",
            "vnp_TransactionStatus": "",
            "vnp_OrderInfo": "",
            "vnp_PromotionCode": "",
            "vnp_PromotionAmount": "",
        }
        given = str(data.get("vnp_SecureHash", "")).lower()
        with g.lock:
            order = g.orders.get(str(data.get("vnp_TxnRef", "")))
            order = dict(order) if order else None
        if not hmac.compare_digest(given, checksum(data, QUERY_REQUEST, g.secret)):
            answer.update(vnp_ResponseCode="97", vnp_Message="Invalid Checksum")
        elif data.get("vnp_TmnCode") != g.tmn_code:
            answer.update(vnp_ResponseCode="02", vnp_Message="Merchant is not valid")
        elif order is None:
            answer.update(vnp_ResponseCode="91", vnp_Message="Transaction not found")
        else:
            status = {"paid": "00", "pending": "01", "cancelled": "02"}[order["status"]]
            answer.update(
                vnp_ResponseCode="00",
                vnp_Message="QueryDR Success",
                vnp_Amount=order["amount"],
                vnp_BankCode="NCB",
                vnp_PayDate=order["pay_date"],
                vnp_TransactionNo=order["transaction_no"],
                vnp_TransactionStatus=status,
                vnp_OrderInfo=order["order_info"],
            )
        answer["vnp_SecureHash"] = checksum(answer, QUERY_RESPONSE, g.secret)
        return self._answer(200, answer)


def make_server(port: int, host: str = "127.0.0.1", **gateway) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"gateway": Gateway(**gateway)})
    return ThreadingHTTPServer((host, port), handler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8795)
    parser.add_argument("--tmn-code", default="TINHSO01")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--ipn-url", required=True)
    parser.add_argument("--retries", type=int, default=5)
    args = parser.parse_args(argv)
    server = make_server(
        args.port,
        args.host,
        tmn_code=args.tmn_code,
        secret=args.secret,
        ipn_url=args.ipn_url,
        retries=args.retries,
    )
    serve(server, "vnpay")


if __name__ == "__main__":
    main()
